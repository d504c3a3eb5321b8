import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { grad, jit, jvp, linearize, type NDArray, np, valueAndGrad, vjp, vmap } from "../mod.ts";
import { assertAllClose, checkGrads, randomArray } from "./_helpers.ts";

const A = (x: number | number[] | number[][]) => np.array(x, { dtype: "float64" });
const num = (x: NDArray) => x.item() as number;

describe("grad", () => {
  it("grad() of sum(x³) is 3x²", () => {
    const g = grad((x: NDArray) => x.pow(3).sum())(A([1, -2, 0.5]));
    assertAllClose(g, [3, 12, 0.75], { rtol: 1e-14 });
    assert.equal(g.dtype, "float64");
    // float32 inputs give float32 gradients
    const g32 = grad((x: NDArray) => x.mul(x).mul(x).sum())(np.array([1, 2]));
    assert.equal(g32.dtype, "float32");
    assertAllClose(g32, [3, 12]);
  });

  it("grad(grad(sin)) is −sin", () => {
    const d2 = grad(grad((x: NDArray) => x.sin()));
    for (const x of [-2, 0.3, 1.7]) assertAllClose(d2(A(x)), -Math.sin(x), { rtol: 1e-14 });
  });

  it("grad() nests three deep: d³/dx³ x⁴ = 24x and d³/dx³ sin = −cos", () => {
    const d3 = grad(grad(grad((x: NDArray) => x.pow(4))));
    assertAllClose(d3(A(1.5)), 36, { rtol: 1e-12 });
    const d3sin = grad(grad(grad((x: NDArray) => x.sin())));
    assertAllClose(d3sin(A(0.4)), -Math.cos(0.4), { rtol: 1e-14 });
  });

  it("grad() of a function that closes over outer arrays treats them as constants", () => {
    const w = A([1, 2, 3]);
    const g = grad((x: NDArray) => x.mul(w).sum().square())(A([1, 1, 1]));
    // d/dx (w·x)² = 2 (w·x) w = 12 w
    assertAllClose(g, [12, 24, 36]);
    assertAllClose(w, [1, 2, 3]);
  });

  it("grad() accumulates over every use of a variable", () => {
    const f = (x: NDArray) => x.mul(x).add(x.sin()).add(x.mul(3)).sum();
    const x = A([0.5, -1]);
    assertAllClose(grad(f)(x), [1 + Math.cos(0.5) + 3, -2 + Math.cos(-1) + 3], { rtol: 1e-14 });
    // the same array passed as two arguments
    const g = grad((a: NDArray, b: NDArray) => a.mul(b).sum(), { argnums: [0, 1] })(x, x);
    assertAllClose(g[0], x);
    assertAllClose(g[1], x);
  });

  it("grad() has no perturbation confusion: d/dx [x · d/dy (x + y)] = 1", () => {
    const inner = (x: NDArray) => grad((y: NDArray) => x.add(y))(A(7));
    const outer = grad((x: NDArray) => x.mul(inner(x)));
    for (const x of [-3, 0, 2.5]) assert.equal(num(outer(A(x))), 1);
    // and d/dx [x · d/dy (x · y)] = d/dx x² = 2x
    const g = grad((x: NDArray) => x.mul(grad((y: NDArray) => x.mul(y))(A(5))));
    assert.equal(num(g(A(3))), 6);
  });

  it("grad() of a function ignoring its argument is zero, with the argument's shape", () => {
    const g = grad((_x: NDArray) => A(4))(A([[1, 2], [3, 4]]));
    assert.deepEqual(g.shape, [2, 2]);
    assertAllClose(g, [[0, 0], [0, 0]]);
  });

  it("grad() flows through the float branch of np.where with int-valued branches", () => {
    const idx = np.arange(4); // int32
    const f = (x: NDArray) => np.where(idx.greater(1), x.square(), idx).sum();
    assertAllClose(grad(f)(A([1, 2, 3, 4])), [0, 0, 6, 8]);
    const h = (x: NDArray) => np.where(x.greater(0), 2, x).mul(x).sum();
    assertAllClose(grad(h)(A([-1, 3])), [-2, 2]);
  });
});

describe("pytrees and argnums", () => {
  it("grad() takes and returns pytrees like { w, b }", () => {
    const loss = (p: { w: NDArray; b: NDArray }, x: NDArray) => x.mul(p.w).add(p.b).square().sum();
    const p = { w: A(2), b: A(1) };
    const x = A([1, 2]);
    const g = grad(loss)(p, x);
    // r = w x + b = [3, 5]; dL/dw = Σ 2 r x = 26, dL/db = Σ 2 r = 16
    assert.deepEqual(Object.keys(g).sort(), ["b", "w"]);
    assertAllClose(g.w, 26);
    assertAllClose(g.b, 16);
  });

  it("grad() handles nested lists of parameters", () => {
    const f = (ps: [NDArray, [NDArray, { k: NDArray }]]) =>
      ps[0].mul(ps[1][0]).sum().add(ps[1][1].k.exp().sum());
    const ps: [NDArray, [NDArray, { k: NDArray }]] = [A([1, 2]), [A([3, 4]), { k: A([0]) }]];
    const g = grad(f)(ps);
    assertAllClose(g[0], [3, 4]);
    assertAllClose(g[1][0], [1, 2]);
    assertAllClose(g[1][1].k, [1]);
    checkGrads(f, [ps]);
  });

  it("argnums as a number differentiates that argument only", () => {
    const f = (a: NDArray, b: NDArray) => a.mul(b.square()).sum();
    const gb = grad(f, { argnums: 1 })(A([2]), A([3]));
    assert.ok(!Array.isArray(gb));
    assertAllClose(gb, [12]);
  });

  it("argnums as a list gives a tuple of gradients in that order", () => {
    const f = (a: NDArray, b: NDArray, c: NDArray) => a.mul(b).mul(c).sum();
    const g = grad(f, { argnums: [2, 0] })(A([2]), A([3]), A([5]));
    assert.ok(Array.isArray(g));
    assert.equal(g.length, 2);
    assertAllClose(g[0], [6]); // d/dc
    assertAllClose(g[1], [15]); // d/da
    const single = grad(f, { argnums: [1] })(A([2]), A([3]), A([5]));
    assert.ok(Array.isArray(single));
    assertAllClose(single[0], [10]);
  });

  it("a negative argnum counts from the last argument, as in JAX", () => {
    // JAX 0.10.2: grad(f, argnums=-1)(2., 3., 5.) = 6. and argnums=(-1, 0) gives (6., 15.)
    const f = (a: NDArray, b: NDArray, c: NDArray) => a.mul(b).mul(c).sum();
    assertAllClose(grad(f, { argnums: -1 })(A([2]), A([3]), A([5])) as NDArray, [6]);
    const g = grad(f, { argnums: [-1, 0] })(A([2]), A([3]), A([5]));
    assertAllClose(g[0], [6]);
    assertAllClose(g[1], [15]);
    assert.throws(
      () => grad(f, { argnums: -4 })(A([2]), A([3]), A([5])),
      /argnums -4 is out of range/,
    );
  });

  it("non-differentiated arguments may be anything, e.g. numbers and int arrays", () => {
    const f = (x: NDArray, k: number, idx: NDArray) => x.take(idx).mul(k).sum();
    const g = grad(f)(A([1, 2, 3]), 2, np.array([0, 0, 2], { dtype: "int32" }));
    assertAllClose(g, [4, 0, 2]);
  });
});

describe("hasAux", () => {
  const f = (x: NDArray) => {
    const y = x.square().sum();
    return [y, { twice: y.mul(2), note: "aux" }] as const;
  };

  it("grad() with hasAux returns [grads, aux] and does not differentiate aux", () => {
    const [g, aux] = grad(f, { hasAux: true })(A([1, 2]));
    assertAllClose(g, [2, 4]);
    assertAllClose(aux.twice, 10);
    assert.equal(aux.note, "aux");
  });

  it("valueAndGrad() with hasAux returns [[value, aux], grads]", () => {
    const [[value, aux], g] = valueAndGrad(f, { hasAux: true })(A([1, 2]));
    assertAllClose(value, 5);
    assertAllClose(aux.twice, 10);
    assertAllClose(g, [2, 4]);
  });

  it("valueAndGrad() without aux returns [value, grads]", () => {
    const [value, g] = valueAndGrad((x: NDArray) => x.exp().sum())(A([0, 1]));
    assertAllClose(value, 1 + Math.E, { rtol: 1e-14 });
    assertAllClose(g, [1, Math.E], { rtol: 1e-14 });
  });

  it("aux can be used under an outer grad (the inner aux is a plain value)", () => {
    const outer = grad((x: NDArray) => {
      const [, aux] = grad(f, { hasAux: true })(x);
      return aux.twice;
    });
    // twice = 2 Σ x², so d/dx = 4x
    assertAllClose(outer(A([1, 3])), [4, 12]);
  });
});

describe("jvp, linearize and vjp", () => {
  it("jvp() of tanh is (1 − tanh²) · v", () => {
    const [y, dy] = jvp((x: NDArray) => x.tanh(), [A([0.5, -1])], [A([1, 2])]);
    const t = [Math.tanh(0.5), Math.tanh(-1)];
    assertAllClose(y, t, { rtol: 1e-14 });
    assertAllClose(dy, [1 - t[0] ** 2, 2 * (1 - t[1] ** 2)], { rtol: 1e-14 });
  });

  it("jvp() takes and returns pytrees", () => {
    const f = (p: { a: NDArray; b: NDArray }) => [p.a.mul(p.b), { s: p.a.sum() }] as const;
    const [out, tout] = jvp(f, [{ a: A([1, 2]), b: A([3, 4]) }], [{ a: A([1, 0]), b: A([0, 1]) }]);
    assertAllClose(out[0], [3, 8]);
    assertAllClose(tout[0], [3, 2]);
    assertAllClose(tout[1].s, 1);
  });

  it("jvp() of a function with a constant output gives a zero tangent", () => {
    const [y, dy] = jvp((_x: NDArray) => A([1, 2]), [A(1)], [A(1)]);
    assertAllClose(y, [1, 2]);
    assertAllClose(dy, [0, 0]);
  });

  it("linearize() gives the same values and tangents as jvp()", () => {
    const f = (x: NDArray, w: NDArray) => np.matmul(w, x.sin()).tanh();
    const x = randomArray([3], { seed: 1 }), w = randomArray([2, 3], { seed: 2 });
    const [y, fJvp] = linearize(f, x, w);
    for (let s = 0; s < 3; s++) {
      const vx = randomArray([3], { seed: 10 + s }), vw = randomArray([2, 3], { seed: 20 + s });
      const [y2, t2] = jvp(f, [x, w], [vx, vw]);
      assertAllClose(y, y2, { rtol: 1e-14 });
      assertAllClose(fJvp(vx, vw), t2, { rtol: 1e-12 });
    }
  });

  it("vjp() of a matmul pulls back ct·Bᵀ and Aᵀ·ct", () => {
    const a = A([[1, 2], [3, 4]]), b = A([[0, 1], [1, 0]]);
    const [c, pull] = vjp((a: NDArray, b: NDArray) => np.matmul(a, b), a, b);
    assertAllClose(c, [[2, 1], [4, 3]]);
    const [da, db] = pull(A([[1, 0], [0, 2]]));
    assertAllClose(da, [[0, 1], [2, 0]]);
    assertAllClose(db, [[1, 6], [2, 8]]);
  });

  it("vjp() with pytree outputs takes a cotangent of the same structure", () => {
    const f = (x: NDArray) => ({ sq: x.square(), s: x.sum() });
    const [out, pull] = vjp(f, A([1, 2]));
    assertAllClose(out.sq, [1, 4]);
    const [dx] = pull({ sq: A([1, 1]), s: A(10) });
    assertAllClose(dx, [12, 14]);
  });

  it("the pullback of vjp() can be called many times", () => {
    const [, pull] = vjp((x: NDArray) => x.exp(), A([0, 1]));
    assertAllClose(pull(A([1, 0]))[0], [1, 0]);
    assertAllClose(pull(A([0, 1]))[0], [0, Math.E], { rtol: 1e-14 });
  });

  it("jvp() of grad() is a Hessian-vector product", () => {
    // f(x) = Σ x_i² x_{i+1}: H v computed forward-over-reverse vs by hand
    const f = (x: NDArray) => x.slice([0, 2]).square().mul(x.slice([1, 3])).sum();
    const x = A([1, 2, 3]), v = A([1, -1, 2]);
    const [g, hv] = jvp(grad(f), [x], [v]);
    // ∇f = [2 x0 x1, x0² + 2 x1 x2, x1²]
    assertAllClose(g, [4, 13, 4]);
    // H = [[2x1, 2x0, 0], [2x0, 2x2, 2x1], [0, 2x1, 0]]
    const H = [[4, 2, 0], [2, 6, 4], [0, 4, 0]];
    assertAllClose(hv, H.map((row) => row[0] * 1 + row[1] * -1 + row[2] * 2));
  });

  it("grad() of a jvp() output is a Hessian-vector product too", () => {
    const f = (x: NDArray) => x.slice([0, 2]).square().mul(x.slice([1, 3])).sum();
    const v = A([1, -1, 2]);
    const hv = grad((x: NDArray) => jvp(f, [x], [v])[1])(A([1, 2, 3]));
    assertAllClose(hv, [2, 4, -4]);
  });

  it("jvp() holds an int32 argument fixed: its tangent is zeros of its dtype (JAX's float0)", () => {
    const f = (x: NDArray, i: NDArray) => x.mul(i).add(x.sin());
    const x = np.array([1, 2]), i = np.array([3, 4], { dtype: "int32" });
    const [y, dy] = jvp(f, [x, i], [np.ones([2]), np.zerosLike(i)]);
    // JAX 0.10.2: jax.jvp(f, (x, i), (ones, float0 zeros))
    assert.deepEqual(y.toArray(), [3.841470956802368, 8.909296989440918]);
    assert.deepEqual(dy.toArray(), [3.540302276611328, 3.583853244781494]);
    // the int32 tangent is not read: JAX's float0 has no values
    assert.deepEqual(jvp(f, [x, i], [np.ones([2]), i])[1].toArray(), dy.toArray());
    // JAX 0.10.2: an int32 output's tangent is float0 zeros; here int32 zeros
    const [, touts] = jvp((x: NDArray, i: NDArray) => [x, i.mul(2)], [x, i], [
      np.ones([2]),
      np.zerosLike(i),
    ]);
    assert.deepEqual([touts[1].toArray(), touts[1].dtype], [[0, 0], "int32"]);
    // JAX 0.10.2: an int32-only input gives a zero float tangent, [0., 0.]
    const only = jvp((i: NDArray) => i.astype("float32").mul(2), [i], [np.zerosLike(i)]);
    assert.deepEqual(only[1].toArray(), [0, 0]);
  });

  it("linearize() takes int32 and bool arguments and gives them no derivative", () => {
    const f = (x: NDArray, i: NDArray, b: NDArray) => np.where(b, x.mul(i).add(x.sin()), 0);
    const x = np.array([1, 2]), i = np.array([3, 4], { dtype: "int32" });
    const b = np.array([true, false], { dtype: "bool" });
    const [y, fJvp] = linearize(f, x, i, b);
    // JAX 0.10.2: jax.linearize(f, x, i, b), then f_jvp(ones, float0 zeros, float0 zeros)
    assert.deepEqual(y.toArray(), [3.841470956802368, 0]);
    assert.deepEqual(
      fJvp(np.ones([2]), np.zerosLike(i), np.zerosLike(b)).toArray(),
      [3.540302276611328, 0],
    );
  });

  it("vjp() returns zeros of the argument's own dtype for int32 and bool arguments", () => {
    const f = (x: NDArray, i: NDArray, b: NDArray) => np.where(b, x.mul(i).add(x.sin()), 0);
    const x = np.array([1, 2]), i = np.array([3, 4], { dtype: "int32" });
    const b = np.array([true, true], { dtype: "bool" });
    const [, pull] = vjp(f, x, i, b);
    const [dx, di, db] = pull(np.ones([2]));
    // JAX 0.10.2: jax.vjp(f, x, i, b)[1](ones) is ([3.5403023, 3.5838532], float0, float0)
    assertAllClose(dx, [3.5403023, 3.5838532], { rtol: 1e-7 });
    assert.deepEqual([di.toArray(), di.dtype], [[0, 0], "int32"]);
    assert.deepEqual([db.toArray(), db.dtype], [[false, false], "bool"]);
    // JAX 0.10.2: an int32 output takes a float0 cotangent; here int32 zeros, not read
    const [, pull2] = vjp((x: NDArray) => [x.mul(3).astype("int32"), x.mul(2)], x);
    assert.deepEqual(pull2([np.ones([2], { dtype: "int32" }), np.ones([2])])[0].toArray(), [2, 2]);
  });

  it("vjp() and jvp() with an int32 argument match finite differences in the float one", () => {
    const i = np.array([3, -2], { dtype: "int32" });
    const f = (x: NDArray) => x.mul(i.astype("float64")).tanh().sum();
    const x = A([0.3, -0.1]);
    const [, pull] = vjp((x: NDArray, i: NDArray) => x.mul(i.astype("float64")).tanh().sum(), x, i);
    const dx = pull(A(1))[0];
    for (let k = 0; k < 2; k++) {
      const e = A(k === 0 ? [1, 0] : [0, 1]).mul(1e-6);
      const fd = (num(f(x.add(e))) - num(f(x.sub(e)))) / 2e-6;
      assert.ok(Math.abs(num(dx.index(k)) - fd) < 1e-8);
      const [, dy] = jvp((x: NDArray, i: NDArray) => x.mul(i.astype("float64")).tanh().sum(), [
        x,
        i,
      ], [A(k === 0 ? [1, 0] : [0, 1]), np.zerosLike(i)]);
      assert.ok(Math.abs(num(dy) - fd) < 1e-8);
    }
  });

  it("vjp() with an int32 argument works under jit, vmap and a second jvp", () => {
    const f = (x: NDArray, i: NDArray) => x.mul(i).add(x.sin());
    const x = np.array([1, 2]), i = np.array([3, 4], { dtype: "int32" });
    const pulled = (x: NDArray, i: NDArray) => vjp(f, x, i)[1](np.onesLike(x))[0];
    // JAX 0.10.2: i + cos(x) = [3.5403023, 3.5838532]
    assertAllClose(jit(pulled)(x, i), [3.5403023, 3.5838532], { rtol: 1e-7 });
    assertAllClose(vmap(pulled)(x, i), [3.5403023, 3.5838532], { rtol: 1e-7 });
    // JAX 0.10.2: d/dx (i + cos x) = -sin x = [-0.84147096, -0.9092974]
    const [, h] = jvp((x: NDArray) => pulled(x, i), [x], [np.ones([2])]);
    assertAllClose(h, [-0.84147096, -0.9092974], { rtol: 1e-7 });
  });

  it("checkGrads() confirms a small network's derivatives to second order", () => {
    const net = (p: { w1: NDArray; w2: NDArray }, x: NDArray) =>
      np.logsumexp(np.matmul(np.matmul(x, p.w1).tanh(), p.w2), { axis: -1 }).mean();
    const p = { w1: randomArray([3, 4], { seed: 3 }), w2: randomArray([4, 2], { seed: 4 }) };
    checkGrads(net, [p, randomArray([5, 3], { seed: 5 })], { order: 2 });
  });
});

describe("max and min gradients", () => {
  // Expected values from JAX 0.10.2: jax.grad(jnp.maximum, argnums=(0, 1)) and jnp.minimum,
  // and jax.grad(jnp.max) / jax.grad(jnp.min) on float32 inputs.
  const N = NaN;
  it("grad() of np.maximum and np.minimum gives 0 to both operands where either is NaN", () => {
    const cases: [number, number, number[], number[]][] = [
      // x, y, [d/dx, d/dy] of maximum, [d/dx, d/dy] of minimum
      [1, N, [0, 0], [0, 0]],
      [N, 1, [0, 0], [0, 0]],
      [N, N, [0, 0], [0, 0]],
      [2, 2, [0.5, 0.5], [0.5, 0.5]],
      [1, 2, [0, 1], [1, 0]],
      [3, 2, [1, 0], [0, 1]],
    ];
    for (const [x, y, gMax, gMin] of cases) {
      for (const [f, want] of [[np.maximum, gMax], [np.minimum, gMin]] as const) {
        const g = grad((a: NDArray, b: NDArray) => f(a, b), { argnums: [0, 1] })(
          np.array(x),
          np.array(y),
        );
        assert.deepEqual(g.map(num), want, `${f.name}(${x}, ${y})`);
      }
    }
    // the JVP agrees: a NaN operand gets no tangent (JAX: jvp(maximum, (1., nan), (1., 0.))[1] == 0)
    const [, t] = jvp((a: NDArray) => np.maximum(a, np.array(N)), [np.array(1)], [np.array(1)]);
    assert.equal(num(t), 0);
  });

  it("grad() of np.max and np.min splits ties evenly and is NaN throughout when a NaN is present", () => {
    const g = (f: (x: NDArray) => NDArray, x: number[]) => grad(f)(np.array(x)).toArray();
    assert.deepEqual(g((x) => np.max(x), [1, N, 2]), [N, N, N]);
    assert.deepEqual(g((x) => np.min(x), [N, N, 1]), [N, N, N]);
    assert.deepEqual(g((x) => np.max(x), [2, 2, 1]), [0.5, 0.5, 0]);
    assert.deepEqual(g((x) => np.min(x), [2, 2, 1]), [0, 0, 1]);
    assertAllClose(g((x) => np.max(x), [1, 2, 2, 2]), [0, 1 / 3, 1 / 3, 1 / 3]);
  });
});
