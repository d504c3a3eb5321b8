import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { grad, jvp, type NDArray, np, vjp } from "../mod.ts";
import { assertAllClose, checkGrads, makeRng, randomArray } from "./_helpers.ts";

const f64 = { dtype: "float64" } as const;
const A = (x: number[] | number[][] | number, dtype: np.DType = "float64") =>
  np.array(x, { dtype });

/** Random float64 values with |x| in [lo, hi) and random signs (away from 0). */
function awayFromZero(shape: number[], seed: number, lo = 0.3, hi = 1.5): NDArray {
  const mag = randomArray(shape, { seed, low: lo, high: hi });
  const sign = randomArray(shape, { seed: seed + 100, dtype: "bool" }).astype("float64")
    .mul(2).sub(1);
  return mag.mul(sign);
}

describe("checkGrads", () => {
  it("checkGrads() rejects a function whose derivative is wrong", () => {
    // x · stopGradient(x) has derivative x under autodiff but 2x numerically
    const f = (x: NDArray) => x.mul(np.stopGradient(x));
    assert.throws(() => checkGrads(f, [randomArray([3], { seed: 1 })]));
  });
});

describe("unary primitives", () => {
  const cases: [string, (x: NDArray) => NDArray, (x: number) => number, number, number][] = [
    ["neg", np.neg, (x) => -x, -2, 2],
    ["exp", np.exp, Math.exp, -2, 2],
    ["log", np.log, Math.log, 0.5, 3],
    ["log1p", np.log1p, Math.log1p, -0.5, 2],
    ["expm1", np.expm1, Math.expm1, -2, 2],
    ["sin", np.sin, Math.sin, -3, 3],
    ["cos", np.cos, Math.cos, -3, 3],
    ["tan", np.tan, Math.tan, -1.2, 1.2],
    ["tanh", np.tanh, Math.tanh, -2, 2],
    ["sqrt", np.sqrt, Math.sqrt, 0.5, 3],
    ["rsqrt", np.rsqrt, (x) => 1 / Math.sqrt(x), 0.5, 3],
    ["sigmoid", np.sigmoid, (x) => 1 / (1 + Math.exp(-x)), -3, 3],
    ["square", np.square, (x) => x * x, -2, 2],
  ];
  for (const [name, f, ref, low, high] of cases) {
    it(`np.${name}() matches finite differences to second order`, () => {
      const x = randomArray([2, 3], { seed: name.length, low, high });
      checkGrads(f, [x], { order: 2 });
    });
    it(`np.${name}() computes the same values as the JS reference`, () => {
      const x = randomArray([7], { seed: 3, low, high });
      const xs = Array.from(x.toTypedArray(), Number);
      assertAllClose(f(x), xs.map(ref), { rtol: 1e-12, atol: 1e-14 });
      // float32 inputs stay float32
      assert.equal(f(x.astype("float32")).dtype, "float32");
    });
  }

  it("np.abs() matches finite differences away from 0", () => {
    checkGrads(np.abs, [awayFromZero([2, 3], 7)], { order: 2 });
  });

  it("np.reciprocal() matches finite differences away from 0", () => {
    checkGrads(np.reciprocal, [awayFromZero([2, 3], 8, 0.5, 2)], { order: 2 });
  });

  it("grad() of the piecewise-constant ops sign, floor, ceil, round is zero", () => {
    const x = A([-1.3, 0.4, 2.6]);
    for (const f of [np.sign, np.floor, np.ceil, np.round]) {
      assertAllClose(grad((x: NDArray) => f(x).sum())(x), [0, 0, 0]);
    }
  });

  it("jvp() of tanh is 1 − tanh² times the tangent", () => {
    const x = A([-1, 0, 0.5]);
    const [y, dy] = jvp(np.tanh, [x], [A([1, 2, 3])]);
    const t = [-1, 0, 0.5].map(Math.tanh);
    assertAllClose(y, t, { rtol: 1e-14 });
    assertAllClose(dy, t.map((v, i) => (1 - v * v) * (i + 1)), { rtol: 1e-14 });
  });
});

describe("binary primitives", () => {
  const x = randomArray([3, 4], { seed: 11 });
  const pos = randomArray([3, 4], { seed: 12, low: 0.5, high: 2 });
  const cases: [string, (a: NDArray, b: NDArray) => NDArray, NDArray, NDArray][] = [
    ["add", np.add, x, randomArray([3, 4], { seed: 13 })],
    ["sub", np.sub, x, randomArray([3, 4], { seed: 14 })],
    ["mul", np.mul, x, randomArray([3, 4], { seed: 15 })],
    ["div", np.div, x, awayFromZero([3, 4], 16, 0.5, 2)],
    ["pow", np.pow, pos, randomArray([3, 4], { seed: 17, low: -2, high: 2 })],
    ["maximum", np.maximum, x, randomArray([3, 4], { seed: 18 })],
    ["minimum", np.minimum, x, randomArray([3, 4], { seed: 19 })],
  ];
  for (const [name, f, a, b] of cases) {
    it(`np.${name}() matches finite differences in both operands to second order`, () => {
      checkGrads(f, [a, b], { order: 2 });
    });
    it(`np.${name}() sums the gradient over broadcast axes ([3, 4] with [4] and [3, 1])`, () => {
      const row = b.slice(0);
      const col = a.slice(null, [0, 1]);
      assert.deepEqual(row.shape, [4]);
      assert.deepEqual(col.shape, [3, 1]);
      checkGrads(f, [a, row], { order: 1 });
      checkGrads(f, [col, b], { order: 1 });
      // with a scalar-shaped operand too
      checkGrads(f, [a, b.slice(0, 0)], { order: 1 });
    });
  }

  it("np.add() gradient with respect to a broadcast row is the column count", () => {
    const g = grad((y: NDArray) => np.add(np.ones([3, 4], f64), y).sum())(A([1, 2, 3, 4]));
    assertAllClose(g, [3, 3, 3, 3]);
    assert.equal(g.dtype, "float64");
  });

  it("np.mul() gradient with respect to a broadcast column sums each row", () => {
    const m = A([[1, 2], [3, 4], [5, 6]]);
    const g = grad((c: NDArray) => np.mul(m, c).sum())(A([[1], [1], [1]]));
    assertAllClose(g, [[3], [7], [11]]);
  });

  it("np.pow() with an integer exponent matches the JS reference and its derivative", () => {
    const xs = [0.5, 1.5, -2];
    const [y, dy] = jvp((x: NDArray) => np.pow(x, 3), [A(xs)], [A([1, 1, 1])]);
    assertAllClose(y, xs.map((v) => v ** 3), { rtol: 1e-14 });
    assertAllClose(dy, xs.map((v) => 3 * v * v), { rtol: 1e-14 });
  });

  it("np.maximum() splits the gradient evenly at ties", () => {
    const g = grad((a: NDArray, b: NDArray) => np.maximum(a, b).sum(), { argnums: [0, 1] })(
      A([1, 2]),
      A([1, 3]),
    );
    assertAllClose(g[0], [0.5, 0]);
    assertAllClose(g[1], [0.5, 1]);
  });
});

describe("selection", () => {
  it("np.where() matches finite differences and routes gradients to the chosen side", () => {
    const cond = randomArray([3, 4], { seed: 21, dtype: "bool" });
    const a = randomArray([3, 4], { seed: 22 }), b = randomArray([3, 4], { seed: 23 });
    checkGrads((a: NDArray, b: NDArray) => np.where(cond, a, b), [a, b], { order: 2 });
    const [ga, gb] = grad(
      (a: NDArray, b: NDArray) => np.where(cond, a, b).sum(),
      { argnums: [0, 1] },
    )(a, b);
    const c = cond.astype("float64");
    assertAllClose(ga, c);
    assertAllClose(gb, np.sub(1, c));
  });

  it("np.where() with broadcast operands sums the gradient of the smaller one", () => {
    const cond = np.array([[true, false, true], [false, false, true]]);
    const g = grad((s: NDArray) => np.where(cond, s, 0).sum())(A([2]));
    assertAllClose(g, [3]);
    checkGrads((a: NDArray, b: NDArray) => np.where(cond, a, b), [
      randomArray([3], { seed: 1 }),
      randomArray([2, 1], { seed: 2 }),
    ]);
  });

  it("np.clip() matches finite differences away from the bounds", () => {
    const x = A([-0.9, -0.3, 0.1, 0.45, 0.7, 1.2]);
    checkGrads((x: NDArray) => np.clip(x, -0.5, 0.5), [x], { order: 2 });
    assertAllClose(grad((x: NDArray) => np.clip(x, -0.5, 0.5).sum())(x), [0, 1, 1, 1, 0, 0]);
    assertAllClose(np.clip(x, null, 0), [-0.9, -0.3, 0, 0, 0, 0]);
  });
});

describe("reductions", () => {
  const x = randomArray([2, 3, 4], { seed: 31 });
  const opts = [
    {},
    { axis: 1 },
    { axis: -1, keepdims: true },
    { axis: [0, 2] },
    { axis: [0, -1], keepdims: true },
  ];
  const reducers: [string, (x: NDArray, o: np.ReduceOptions) => NDArray][] = [
    ["sum", np.sum],
    ["mean", np.mean],
    ["max", np.max],
    ["min", np.min],
    ["prod", np.prod],
    ["logsumexp", np.logsumexp],
    ["variance", np.variance],
    ["std", np.std],
  ];
  for (const [name, r] of reducers) {
    it(`np.${name}() matches finite differences over several axis options`, () => {
      for (const o of opts) checkGrads((x: NDArray) => r(x, o), [x], { order: 2 });
    });
  }

  it("np.sum() and np.prod() match plain JS loops", () => {
    const d = Array.from(x.toTypedArray(), Number);
    const sum0: number[][] = [];
    for (let j = 0; j < 3; j++) {
      sum0.push([]);
      for (let k = 0; k < 4; k++) sum0[j].push(d[j * 4 + k] + d[12 + j * 4 + k]);
    }
    assertAllClose(np.sum(x, { axis: 0 }), sum0, { rtol: 1e-14 });
    assertAllClose(np.prod(x), d.reduce((a, b) => a * b, 1), { rtol: 1e-12 });
  });

  it("np.prod() has the exact gradient with one zero", () => {
    const g = grad((x: NDArray) => x.prod())(A([2, 0, 3, 4]));
    assertAllClose(g, [0, 24, 0, 0], { rtol: 0, atol: 0 });
    checkGrads((x: NDArray) => x.prod({ axis: 1 }), [A([[2, 0, 3], [1, 2, 3]])], { order: 2 });
  });

  it("np.prod() has the exact gradient with two zeros (zero everywhere)", () => {
    const g = grad((x: NDArray) => x.prod())(A([2, 0, 3, 0]));
    assertAllClose(g, [0, 0, 0, 0], { rtol: 0, atol: 0 });
    // but the second derivative is not zero: d²/dx1 dx3 = 2·3
    const h = grad((x: NDArray) => grad((y: NDArray) => y.prod())(x).slice(1))(A([2, 0, 3, 0]));
    assertAllClose(h, [0, 0, 0, 6], { rtol: 0, atol: 0 });
    checkGrads((x: NDArray) => x.prod(), [A([2, 0, 3, 0])], { order: 2 });
  });

  it("np.max() gradient goes to the single maximum", () => {
    assertAllClose(grad((x: NDArray) => x.max())(A([1, 5, 2])), [0, 1, 0]);
    assertAllClose(
      grad((x: NDArray) => x.min({ axis: 0 }).sum())(A([[1, 5], [0, 7]])),
      [[0, 1], [1, 0]],
    );
  });

  it("np.logsumexp() values match the JS reference and its gradient is softmax", () => {
    const v = [1000, 1001, 999];
    const m = 1001;
    const ref = m + Math.log(v.reduce((s, a) => s + Math.exp(a - m), 0));
    assertAllClose(np.logsumexp(A(v)), ref, { rtol: 1e-14 });
    const sm = v.map((a) => Math.exp(a - ref));
    assertAllClose(grad((x: NDArray) => np.logsumexp(x))(A(v)), sm, { rtol: 1e-12 });
  });

  it("np.logsumexp() of an empty axis is −Infinity, as JAX (log of an empty sum)", () => {
    // from JAX 0.10.2: jax.nn.logsumexp(jnp.zeros([0])) and (jnp.zeros([2, 0]), axis=1)
    assert.equal(np.logsumexp(np.zeros([0])).item(), -Infinity);
    assert.deepEqual(np.logsumexp(np.zeros([2, 0]), { axis: 1 }).toArray(), [-Infinity, -Infinity]);
    assert.deepEqual(grad((x: NDArray) => np.logsumexp(x))(np.zeros([0])).shape, [0]);
  });

  it("np.variance() and np.std() match the JS reference, with ddof", () => {
    const v = [1, 2, 4, 7];
    const mu = 3.5;
    const ss = v.reduce((s, a) => s + (a - mu) ** 2, 0);
    assertAllClose(np.variance(A(v)), ss / 4, { rtol: 1e-14 });
    assertAllClose(np.std(A(v), { ddof: 1 }), Math.sqrt(ss / 3), { rtol: 1e-14 });
  });

  it("np.variance(), np.std() and np.nanvar() are NaN when ddof leaves no degrees of freedom", () => {
    // from JAX 0.10.2: jnp.var([1, 2, 4], ddof=3 and 4) and jnp.nanvar([1, nan, 4], ddof=2) are nan
    const x = np.array([1, 2, 4]);
    for (const ddof of [3, 4]) {
      assert.deepEqual(np.variance(x, { ddof }).toArray(), NaN);
      assert.deepEqual(np.std(x, { ddof }).toArray(), NaN);
    }
    for (const ddof of [2, 3]) {
      assert.deepEqual(np.nanvar(np.array([1, NaN, 4]), { ddof }).toArray(), NaN);
    }
    assert.deepEqual(np.nanvar(np.array([1, NaN, 4]), { ddof: 1 }).toArray(), 4.5);
  });
});

describe("linear algebra", () => {
  function refMatmul(a: number[][], b: number[][]): number[][] {
    return a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)));
  }

  it("np.matmul() matches a plain JS triple loop", () => {
    const rng = makeRng(5);
    const a = [...Array(3)].map(() => [...Array(5)].map(() => rng() - 0.5));
    const b = [...Array(5)].map(() => [...Array(2)].map(() => rng() - 0.5));
    assertAllClose(np.matmul(A(a), A(b)), refMatmul(a, b), { rtol: 1e-13, atol: 1e-15 });
    assertAllClose(
      np.matmul(A(a, "float32"), A(b, "float32")),
      refMatmul(a, b),
      { rtol: 1e-5, atol: 1e-6 },
    );
  });

  const shapes: [string, number[], number[]][] = [
    ["2-D by 2-D", [3, 4], [4, 2]],
    ["batched", [2, 3, 4], [2, 4, 5]],
    ["broadcast batch axes", [2, 1, 3, 4], [5, 4, 2]],
    ["batched by 2-D", [2, 3, 4], [4, 2]],
    ["1-D by 2-D", [4], [4, 3]],
    ["2-D by 1-D", [3, 4], [4]],
    ["1-D by 1-D", [4], [4]],
    ["batched by 1-D", [2, 3, 4], [4]],
  ];
  for (const [what, sa, sb] of shapes) {
    it(`np.matmul() ${what} (${sa} × ${sb}) matches finite differences`, () => {
      const a = randomArray(sa, { seed: 41 }), b = randomArray(sb, { seed: 42 });
      checkGrads(np.matmul, [a, b], { order: 2 });
    });
  }

  it("np.matmul() with broadcast batch axes has the NumPy output shape", () => {
    assert.deepEqual(np.matmul(np.ones([2, 1, 3, 4]), np.ones([5, 4, 2])).shape, [2, 5, 3, 2]);
    assert.deepEqual(np.matmul(np.ones([4]), np.ones([2, 4, 3])).shape, [2, 3]);
    assert.deepEqual(np.matmul(np.ones([4]), np.ones([4])).shape, []);
  });

  it("np.dot() matches finite differences for vectors, matrices, N-D and scalars", () => {
    const cases: [number[], number[]][] = [[[4], [4]], [[3, 4], [4]], [[3, 4], [4, 2]], [
      [2, 3],
      [4, 3, 5],
    ], [[], [3]]];
    for (const [sa, sb] of cases) {
      const a = randomArray(sa, { seed: 51 }), b = randomArray(sb, { seed: 52 });
      checkGrads(np.dot, [a, b]);
    }
    assert.deepEqual(np.dot(np.ones([2, 3]), np.ones([4, 3, 5])).shape, [2, 4, 5]);
    assert.equal(np.dot(A([1, 2, 3]), A([4, 5, 6])).item(), 32);
  });

  it("np.outer() matches finite differences and the JS reference", () => {
    const a = randomArray([3], { seed: 53 }), b = randomArray([4], { seed: 54 });
    checkGrads(np.outer, [a, b], { order: 2 });
    assertAllClose(np.outer(A([1, 2]), A([3, 4, 5])), [[3, 4, 5], [6, 8, 10]]);
  });

  it("vjp() of a matmul gives ct·Bᵀ and Aᵀ·ct", () => {
    const a = randomArray([3, 4], { seed: 55 }), b = randomArray([4, 2], { seed: 56 });
    const ct = randomArray([3, 2], { seed: 57 });
    const [c, pull] = vjp(np.matmul, a, b);
    assertAllClose(c, np.matmul(a, b));
    const [da, db] = pull(ct);
    assertAllClose(da, np.matmul(ct, b.T), { rtol: 1e-13 });
    assertAllClose(db, np.matmul(a.T, ct), { rtol: 1e-13 });
  });
});

describe("structural ops", () => {
  const x = randomArray([2, 3, 4], { seed: 61 });
  const cases: [string, (x: NDArray) => NDArray | NDArray[]][] = [
    ["np.reshape()", (x) => np.reshape(x, [4, -1])],
    ["np.transpose()", (x) => np.transpose(x, [2, 0, 1])],
    ["NDArray.T", (x) => x.T],
    ["np.expandDims()", (x) => np.expandDims(x, [0, -1])],
    ["np.squeeze()", (x) => np.squeeze(np.reshape(x, [1, 2, 1, 12]), 2)],
    ["np.broadcastTo()", (x) => np.broadcastTo(x.slice(null, [0, 1]), [5, 2, 3, 4])],
    ["np.concatenate()", (x) => np.concatenate([x, x.mul(2), x.slice(null, [1])], 1)],
    ["np.stack()", (x) => np.stack([x, x.sin()], -1)],
    ["np.split() into equal parts", (x) => np.split(x, 2, -1)],
    ["np.split() at indices", (x) => np.split(x, [1, -1], 1)],
    [
      "np.slice() with steps and negative starts",
      (x) => np.slice(x, [[-1, null], [null, null, 2], [-3, null, 2]]),
    ],
    ["np.slice() with an integer index", (x) => np.slice(x, [null, -2, [1, 3]])],
    ["np.take() with repeated indices", (x) => np.take(x, [2, 0, 2, 2], 1)],
    [
      "np.take() with 2-D indices",
      (x) => np.take(x, np.array([[3, 3], [0, -1]], { dtype: "int32" }), 2),
    ],
    ["np.take() on the flattened array", (x) => np.take(x, [0, 23, 5, 5])],
    ["np.pad()", (x) => np.pad(x, [[1, 0], [0, 2], [1, 1]])],
    ["np.pad() with a value", (x) => np.pad(x, 2, { value: 3.5 })],
  ];
  for (const [name, f] of cases) {
    it(`${name} matches finite differences to second order`, () => {
      checkGrads(f, [x], { order: 2 });
    });
  }

  it("np.take() gradient adds up repeated indices", () => {
    const g = grad((v: NDArray) => np.take(v, [0, 2, 2, 2]).sum())(A([1, 2, 3, 4]));
    assertAllClose(g, [1, 0, 3, 0], { rtol: 0, atol: 0 });
    const g2 = grad((m: NDArray) => np.take(m, [1, 1], 1).mul(A([[1, 2], [3, 4]])).sum())(
      np.zeros([2, 3], f64),
    );
    assertAllClose(g2, [[0, 3, 0], [0, 7, 0]], { rtol: 0, atol: 0 });
  });

  it("np.slice() values match the JS reference, and its gradient scatters back", () => {
    const v = np.arange(10).astype("float64");
    assertAllClose(np.slice(v, [[-7, null, 3]]), [3, 6, 9]);
    assertAllClose(np.slice(v, [[1, -1, 4]]), [1, 5]);
    const g = grad((v: NDArray) => np.slice(v, [[-7, null, 3]]).sum())(v);
    assertAllClose(g, [0, 0, 0, 1, 0, 0, 1, 0, 0, 1]);
  });

  it("np.pad() with a value fills the border and passes no gradient to it", () => {
    const p = np.pad(A([1, 2]), [[1, 2]], { value: -1 });
    assertAllClose(p, [-1, 1, 2, -1, -1]);
    const g = grad((v: NDArray) =>
      np.pad(v, [[1, 2]], { value: -1 }).mul(A([5, 6, 7, 8, 9])).sum()
    )(
      A([1, 2]),
    );
    assertAllClose(g, [6, 7]);
  });

  it("np.split() returns parts whose gradients reassemble the input's", () => {
    const g = grad((v: NDArray) => {
      const [a, b, c] = np.split(v, [1, 3]);
      return a.sum().add(b.mul(2).sum()).add(c.mul(3).sum());
    })(A([1, 1, 1, 1, 1]));
    assertAllClose(g, [1, 2, 2, 3, 3]);
  });

  it("astype() between float32 and float64 is differentiable and keeps each side's dtype", () => {
    const x64 = A([1, 2, 3]);
    const g64 = grad((v: NDArray) => v.astype("float32").square().sum())(x64);
    assert.equal(g64.dtype, "float64");
    assertAllClose(g64, [2, 4, 6], { rtol: 1e-7 });
    const x32 = A([1, 2, 3], "float32");
    const g32 = grad((v: NDArray) => v.astype("float64").mul(A([1, 2, 3])).sum())(x32);
    assert.equal(g32.dtype, "float32");
    assertAllClose(g32, [1, 2, 3]);
    const [y, dy] = jvp((v: NDArray) => v.astype("float32"), [x64], [A([1, 0.5, 0.25])]);
    assert.equal(y.dtype, "float32");
    assert.equal(dy.dtype, "float32");
    assertAllClose(dy, [1, 0.5, 0.25]);
    // the float32 round trip is linear up to rounding: a wide step keeps the differences exact
    checkGrads((v: NDArray) => v.astype("float32").astype("float64"), [A([1.5, -2.25])], {
      eps: 1e-2,
      rtol: 1e-4,
      atol: 1e-4,
    });
  });

  it("astype() to int32 passes no gradient", () => {
    const g = grad((v: NDArray) => v.astype("int32").astype("float64").sum().add(v.sum()))(
      A([1.5, 2.5]),
    );
    assertAllClose(g, [1, 1]);
  });
});
