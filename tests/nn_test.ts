import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { grad, jit, type NDArray, nn, np, random, tree, vjp } from "../mod.ts";
import { assertAllClose, checkGrads, moments, randomArray } from "./_helpers.ts";

type Padding = "SAME" | "VALID" | [[number, number], [number, number]];

/** The values of an array as JS numbers. */
function values(x: NDArray): number[] {
  return Array.from(x.toTypedArray(), Number);
}

/** Float64 values with |x| in [0.2, 2) and random signs: away from the kink at 0. */
function awayFromZero(shape: number[], seed: number): NDArray {
  const mag = randomArray(shape, { seed, low: 0.2, high: 2 });
  const sign = randomArray(shape, { seed: seed + 50, dtype: "bool" }).astype("float64").mul(2)
    .sub(1);
  return mag.mul(sign);
}

// ---- references written out with loops -------------------------------------------------

/** Output size and low padding of one spatial axis (TensorFlow's "SAME" rule). */
function refAxis(size: number, k: number, s: number, padding: Padding, axis: 0 | 1) {
  if (padding === "VALID") return { out: Math.floor((size - k) / s) + 1, lo: 0 };
  if (padding === "SAME") {
    const out = Math.ceil(size / s);
    const total = Math.max((out - 1) * s + k - size, 0);
    return { out, lo: Math.floor(total / 2) };
  }
  const [lo, hi] = padding[axis];
  return { out: Math.floor((size + lo + hi - k) / s) + 1, lo };
}

/** out[n, y, x, o] = Σ_{i, j, c} x[n, y·sh + i − top, x·sw + j − left, c] · w[i, j, c, o], zero outside. */
function refConv(
  x: NDArray,
  w: NDArray,
  stride: [number, number],
  padding: Padding,
): number[][][][] {
  const [n, h, wd, c] = x.shape, [kh, kw, , o] = w.shape;
  const xs = values(x), ws = values(w);
  const ay = refAxis(h, kh, stride[0], padding, 0), ax = refAxis(wd, kw, stride[1], padding, 1);
  const out: number[][][][] = [];
  for (let b = 0; b < n; b++) {
    const rows: number[][][] = [];
    for (let y = 0; y < ay.out; y++) {
      const cols: number[][] = [];
      for (let xx = 0; xx < ax.out; xx++) {
        const acc = new Array<number>(o).fill(0);
        for (let i = 0; i < kh; i++) {
          const yi = y * stride[0] + i - ay.lo;
          if (yi < 0 || yi >= h) continue;
          for (let j = 0; j < kw; j++) {
            const xj = xx * stride[1] + j - ax.lo;
            if (xj < 0 || xj >= wd) continue;
            for (let ci = 0; ci < c; ci++) {
              const v = xs[((b * h + yi) * wd + xj) * c + ci];
              for (let oi = 0; oi < o; oi++) acc[oi] += v * ws[((i * kw + j) * c + ci) * o + oi];
            }
          }
        }
        cols.push(acc);
      }
      rows.push(cols);
    }
    out.push(rows);
  }
  return out;
}

/**
 * Pooling by loops: max over the in-bounds cells of each window (padding never wins), or the
 * window sum divided by kh·kw (padding counts as zeros). Also returns, for max, the flat input
 * index of each window's maximum.
 */
function refPool(
  x: NDArray,
  window: [number, number],
  stride: [number, number],
  padding: Padding,
  kind: "max" | "avg",
): { out: number[][][][]; argmax: number[] } {
  const [n, h, wd, c] = x.shape, [kh, kw] = window;
  const xs = values(x);
  const ay = refAxis(h, kh, stride[0], padding, 0), ax = refAxis(wd, kw, stride[1], padding, 1);
  const out: number[][][][] = [];
  const argmax: number[] = [];
  for (let b = 0; b < n; b++) {
    const rows: number[][][] = [];
    for (let y = 0; y < ay.out; y++) {
      const cols: number[][] = [];
      for (let xx = 0; xx < ax.out; xx++) {
        const cell: number[] = [];
        for (let ci = 0; ci < c; ci++) {
          let best = -Infinity, bestAt = -1, sum = 0;
          for (let i = 0; i < kh; i++) {
            const yi = y * stride[0] + i - ay.lo;
            if (yi < 0 || yi >= h) continue;
            for (let j = 0; j < kw; j++) {
              const xj = xx * stride[1] + j - ax.lo;
              if (xj < 0 || xj >= wd) continue;
              const at = ((b * h + yi) * wd + xj) * c + ci;
              sum += xs[at];
              if (xs[at] > best) [best, bestAt] = [xs[at], at];
            }
          }
          cell.push(kind === "max" ? best : sum / (kh * kw));
          argmax.push(bestAt);
        }
        cols.push(cell);
      }
      rows.push(cols);
    }
    out.push(rows);
  }
  return { out, argmax };
}

// ---- activations ---------------------------------------------------------------------------

const gridValues = Array.from({ length: 41 }, (_, i) => -5 + i * 0.25);
const grid = np.array(gridValues, { dtype: "float64" });
const sig = (x: number) => 1 / (1 + Math.exp(-x));

describe("nn activations", () => {
  const cases: [string, (x: NDArray) => NDArray, (x: number) => number][] = [
    ["relu", nn.relu, (x) => Math.max(x, 0)],
    [
      "gelu",
      nn.gelu,
      (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
    ],
    ["silu", nn.silu, (x) => x * sig(x)],
    ["sigmoid", nn.sigmoid, sig],
    ["softplus", nn.softplus, (x) => Math.log1p(Math.exp(x))],
    ["leakyRelu", nn.leakyRelu, (x) => (x > 0 ? x : 0.01 * x)],
    ["elu", nn.elu, (x) => (x > 0 ? x : Math.expm1(x))],
    ["tanh", nn.tanh, Math.tanh],
  ];
  for (const [name, f, ref] of cases) {
    it(`nn.${name}() matches its closed form on a grid`, () => {
      const y = f(grid);
      assert.equal(y.dtype, "float64");
      assertAllClose(y, gridValues.map(ref), { rtol: 1e-12, atol: 1e-14 });
      // float32 in, float32 out, to float32 accuracy
      const y32 = f(grid.astype("float32"));
      assert.equal(y32.dtype, "float32");
      assertAllClose(y32, gridValues.map(ref), { rtol: 1e-5, atol: 1e-6 });
    });
    it(`nn.${name}() gradients match finite differences away from kinks`, () => {
      checkGrads(f, [awayFromZero([2, 5], name.length)], { order: 2 });
    });
  }

  it("nn.leakyRelu() and nn.elu() take their slope and alpha options", () => {
    assertAllClose(nn.leakyRelu(np.array([-2, 3]), { negativeSlope: 0.2 }), [-0.4, 3]);
    assertAllClose(nn.elu(np.array([-1, 3], { dtype: "float64" }), { alpha: 2 }), [
      2 * Math.expm1(-1),
      3,
    ], { rtol: 1e-14 });
  });

  it("nn.relu() has derivative 0 at 0, and 0 and 1 on either side", () => {
    const g = grad((x: NDArray) => nn.relu(x).sum())(np.array([-1, 0, 1]));
    assert.deepEqual(g.toArray(), [0, 0, 1]);
  });

  it("nn.leakyRelu() has derivative 1 at 0 (x ≥ 0 takes x, as JAX)", () => {
    // from JAX 0.10.2: jax.grad(lambda x: jax.nn.leaky_relu(x).sum())([-1., 0., 1.])
    const g = grad((x: NDArray) => nn.leakyRelu(x).sum())(np.array([-1, 0, 1]));
    assert.deepEqual(g.toArray(), [Math.fround(0.01), 1, 1]);
  });

  it("nn.softplus() stays finite at ±1000, with finite gradients", () => {
    for (const dtype of ["float32", "float64"] as const) {
      const x = np.array([-1000, 1000], { dtype });
      assert.deepEqual(nn.softplus(x).toArray(), [0, 1000]);
      assert.deepEqual(grad((x: NDArray) => nn.softplus(x).sum())(x).toArray(), [0, 1]);
    }
  });

  it("nn.elu() and nn.sigmoid() stay finite with finite gradients at ±1000", () => {
    const x = np.array([-1000, 1000], { dtype: "float64" });
    assert.deepEqual(nn.elu(x).toArray(), [-1, 1000]);
    assert.deepEqual(grad((x: NDArray) => nn.elu(x).sum())(x).toArray(), [0, 1]);
    assert.deepEqual(nn.sigmoid(x).toArray(), [0, 1]);
    assert.deepEqual(grad((x: NDArray) => nn.sigmoid(x).sum())(x).toArray(), [0, 0]);
  });
});

// ---- softmax -------------------------------------------------------------------------------

describe("nn.softmax and nn.logSoftmax", () => {
  it("nn.softmax() computes as JAX: a +inf input makes the whole result NaN, −inf entries give 0", () => {
    const y = nn.softmax(
      np.array([[Infinity, 1, 2], [-Infinity, 1, 1], [-Infinity, -Infinity, -Infinity]]),
    );
    const [a, b, c] = y.toArray() as number[][];
    assert.ok(a.every(Number.isNaN), `[inf, 1, 2] -> ${a}`);
    assert.deepEqual(b, [0, 0.5, 0.5]);
    assert.ok(c.every(Number.isNaN), `all -inf -> ${c}`);
    // float32 values within 1e-6 relative of jax.nn.softmax (JAX 0.10.2, these logits; the
    // e^-27 entry is where the exps themselves differ by a few ulp)
    const x = np.array([[3.0, -1.5, 0.25, 7.0], [-20.0, 0.0, 1e-3, -0.5]]);
    const jax = [
      [0.01796196773648262, 0.00019953942683059722, 0.0011482700938358903, 0.9806901812553406],
      [7.904621956988933e-10, 0.3835045099258423, 0.38388821482658386, 0.23260724544525146],
    ];
    for (const f of [nn.softmax, jit(nn.softmax)]) {
      assertAllClose(f(x), jax, { rtol: 1e-6, atol: 0 });
    }
  });

  it("nn.softmax() sums to 1 along the axis and matches exp(x)/Σexp(x)", () => {
    const x = randomArray([3, 5], { seed: 1, low: -3, high: 3 });
    const rows = x.toArray() as number[][];
    const expected = rows.map((r) => {
      const e = r.map(Math.exp), s = e.reduce((a, b) => a + b);
      return e.map((v) => v / s);
    });
    assertAllClose(nn.softmax(x), expected, { rtol: 1e-12 });
    assertAllClose(np.sum(nn.softmax(x), { axis: -1 }), [1, 1, 1], { rtol: 1e-14 });
    // along axis 0: the softmax of the transpose, transposed back
    assertAllClose(
      nn.softmax(x, { axis: 0 }),
      np.transpose(nn.softmax(np.transpose(x))),
      { rtol: 1e-14 },
    );
    assertAllClose(np.sum(nn.softmax(x, { axis: 0 }), { axis: 0 }), [1, 1, 1, 1, 1]);
  });

  it("nn.softmax() is stable at logits around 1e4 (shift invariant)", () => {
    for (const dtype of ["float32", "float64"] as const) {
      const big = nn.softmax(np.array([1e4, 1e4 - 1, 1e4 - 2], { dtype }));
      const small = nn.softmax(np.array([0, -1, -2], { dtype }));
      assert.ok(values(big).every(Number.isFinite), `${dtype}: ${values(big)}`);
      assertAllClose(big, small, { rtol: 1e-5 });
      const lp = nn.logSoftmax(np.array([1e4, -1e4], { dtype }));
      assert.deepEqual(values(lp).map(Number.isFinite), [true, true]);
      assertAllClose(lp, [0, -2e4], { rtol: 1e-6 });
    }
  });

  it("nn.logSoftmax() equals log(nn.softmax()) where that is finite", () => {
    const x = randomArray([4, 6], { seed: 2, low: -10, high: 10 });
    assertAllClose(nn.logSoftmax(x), np.log(nn.softmax(x)), { rtol: 1e-12, atol: 1e-12 });
    assertAllClose(
      nn.logSoftmax(x, { axis: 0 }),
      np.log(nn.softmax(x, { axis: 0 })),
      { rtol: 1e-12, atol: 1e-12 },
    );
  });

  it("nn.softmax() gradient via vjp is the closed form diag(s) − s sᵀ", () => {
    const x = randomArray([5], { seed: 3, low: -2, high: 2 });
    const [s, pullback] = vjp((x: NDArray) => nn.softmax(x), x);
    const sv = values(s);
    const rows: number[][] = [];
    for (let i = 0; i < 5; i++) {
      const e = np.array(sv.map((_, j) => (j === i ? 1 : 0)), { dtype: "float64" });
      rows.push(values(pullback(e)[0]));
    }
    const expected = sv.map((si, i) => sv.map((sj, j) => (i === j ? si : 0) - si * sj));
    assertAllClose(rows, expected, { rtol: 1e-12, atol: 1e-14 });
  });

  it("nn.softmax() and nn.logSoftmax() gradients match finite differences", () => {
    const x = randomArray([3, 4], { seed: 4, low: -2, high: 2 });
    checkGrads((x: NDArray) => nn.softmax(x), [x], { order: 2 });
    checkGrads((x: NDArray) => nn.logSoftmax(x, { axis: 0 }), [x], { order: 2 });
  });
});

// ---- oneHot and initializers -----------------------------------------------------------------

describe("nn.oneHot", () => {
  it("nn.oneHot() puts a 1 at each label along a new last axis", () => {
    const labels = np.array([[0, 2], [1, 1]], { dtype: "int32" });
    const h = nn.oneHot(labels, 3);
    assert.equal(h.dtype, "float32");
    assert.deepEqual(h.shape, [2, 2, 3]);
    assert.deepEqual(h.toArray(), [[[1, 0, 0], [0, 0, 1]], [[0, 1, 0], [0, 1, 0]]]);
  });

  it("nn.oneHot() gives all-zero rows for labels outside [0, numClasses) and takes a dtype", () => {
    const h = nn.oneHot(np.array([-1, 3, 2], { dtype: "int32" }), 3, { dtype: "float64" });
    assert.equal(h.dtype, "float64");
    assert.deepEqual(h.toArray(), [[0, 0, 0], [0, 0, 0], [0, 0, 1]]);
    // float labels work too
    assert.deepEqual(nn.oneHot(np.array([1]), 2).toArray(), [[0, 1]]);
  });
});

describe("nn initializers", () => {
  it("nn.glorotUniform() stays within ±√(6/(fanIn+fanOut)) with variance 2/(fanIn+fanOut)", () => {
    const w = nn.glorotUniform(random.key(0), [200, 300]);
    assert.deepEqual(w.shape, [200, 300]);
    assert.equal(w.dtype, "float32");
    const xs = values(w), limit = Math.sqrt(6 / 500);
    assert.ok(Math.max(...xs.map(Math.abs)) <= limit);
    const { mean, variance } = moments(xs);
    assert.ok(Math.abs(mean) < 5 * Math.sqrt(2 / 500 / xs.length), `mean ${mean}`);
    assert.ok(Math.abs(variance / (2 / 500) - 1) < 0.02, `variance ${variance}`);
  });

  it("nn.heNormal() has std √(2/fanIn) and bounded truncated tails", () => {
    const w = nn.heNormal(random.key(1), [400, 300], { dtype: "float64" });
    assert.equal(w.dtype, "float64");
    const xs = values(w), std = Math.sqrt(2 / 400);
    const { mean, variance } = moments(xs);
    assert.ok(Math.abs(mean) < 5 * std / Math.sqrt(xs.length), `mean ${mean}`);
    assert.ok(Math.abs(Math.sqrt(variance) / std - 1) < 0.01, `std ${Math.sqrt(variance)}`);
    // truncated at ±2 before rescaling by 1/0.8796
    assert.ok(Math.max(...xs.map(Math.abs)) <= 2 * std / 0.87962566 + 1e-12);
  });

  it("nn.lecunNormal() has std √(1/fanIn)", () => {
    const w = nn.lecunNormal(random.key(2), [300, 400]);
    const xs = values(w), std = Math.sqrt(1 / 300);
    const { variance } = moments(xs);
    assert.ok(Math.abs(Math.sqrt(variance) / std - 1) < 0.01, `std ${Math.sqrt(variance)}`);
  });

  it("initializers use conv-kernel fans: fanIn = kh·kw·in, fanOut = kh·kw·out", () => {
    const shape = [5, 5, 32, 64]; // fanIn 800, fanOut 1600
    const g = values(nn.glorotUniform(random.key(3), shape));
    assert.ok(Math.max(...g.map(Math.abs)) <= Math.sqrt(6 / 2400));
    assert.ok(Math.abs(moments(g).variance / (2 / 2400) - 1) < 0.03);
    const he = values(nn.heNormal(random.key(4), shape));
    assert.ok(Math.abs(Math.sqrt(moments(he).variance) / Math.sqrt(2 / 800) - 1) < 0.015);
    const lc = values(nn.lecunNormal(random.key(5), shape));
    assert.ok(Math.abs(Math.sqrt(moments(lc).variance) / Math.sqrt(1 / 800) - 1) < 0.015);
  });

  it("initializers are deterministic per key and reject shapes with fewer than 2 axes", () => {
    assert.deepEqual(
      nn.heNormal(random.key(9), [3, 4]).toArray(),
      nn.heNormal(random.key(9), [3, 4]).toArray(),
    );
    assert.throws(() => nn.glorotUniform(random.key(0), [10]), TypeError);
    assert.throws(() => nn.heNormal(random.key(0), []), TypeError);
  });
});

// ---- dense, mlp, dropout -------------------------------------------------------------------

describe("nn.dense, nn.mlp and nn.dropout", () => {
  it("nn.dense() makes [in, out] weights and zero bias and computes x·W + b", () => {
    const layer = nn.dense(3, 4);
    const p = layer.init(random.key(0));
    assert.deepEqual(p.w.shape, [3, 4]);
    assert.deepEqual(p.b.toArray(), [0, 0, 0, 0]);
    const x = randomArray([2, 5, 3], { seed: 1, dtype: "float32" });
    const b = np.array([1, 2, 3, 4]);
    const y = layer.apply({ w: p.w, b }, x);
    assert.deepEqual(y.shape, [2, 5, 4]);
    assertAllClose(y, np.add(np.matmul(x, p.w), b), { rtol: 1e-6 });
    assert.throws(() => layer.apply(p, np.ones([2, 5])), /dense: expected inputs with 3 features/);
    const he = nn.dense(3, 4, { init: "heNormal", dtype: "float64" }).init(random.key(0));
    assert.equal(he.w.dtype, "float64");
    assert.equal(he.b.dtype, "float64");
  });

  it("nn.mlp() makes one {w, b} per layer and maps [batch, in] to [batch, out]", () => {
    const model = nn.mlp([4, 8, 6, 3]);
    const params = model.init(random.key(0));
    assert.deepEqual(params.map((p) => [p.w.shape, p.b.shape]), [
      [[4, 8], [8]],
      [[8, 6], [6]],
      [[6, 3], [3]],
    ]);
    // each layer gets its own key
    assert.notDeepEqual(values(params[0].w).slice(0, 8), values(params[1].w).slice(0, 8));
    const x = randomArray([5, 4], { seed: 2, dtype: "float32" });
    const y = model.apply(params, x);
    assert.deepEqual(y.shape, [5, 3]);
    // the same forward pass written out: no activation after the last layer
    let h = x;
    params.forEach((p, i) => {
      h = np.add(np.matmul(h, p.w), p.b);
      if (i < 2) h = nn.relu(h);
    });
    assertAllClose(y, h, { rtol: 1e-5, atol: 1e-6 });
    assert.throws(() => nn.mlp([4]), RangeError);
  });

  it("nn.mlp() applies dropout only when a key is passed", () => {
    const plain = nn.mlp([6, 32, 32, 2], { activation: nn.tanh });
    const drop = nn.mlp([6, 32, 32, 2], { activation: nn.tanh, dropout: 0.5 });
    const params = plain.init(random.key(1));
    const x = randomArray([4, 6], { seed: 3, dtype: "float32" });
    const evalOut = plain.apply(params, x);
    // no key: evaluation mode, dropout off
    assert.deepEqual(drop.apply(params, x).toArray(), evalOut.toArray());
    assert.deepEqual(drop.apply(params, x, {}).toArray(), evalOut.toArray());
    // a key: training mode, different, and reproducible per key
    const a = drop.apply(params, x, { key: random.key(7) });
    assert.notDeepEqual(a.toArray(), evalOut.toArray());
    assert.deepEqual(drop.apply(params, x, { key: random.key(7) }).toArray(), a.toArray());
    assert.notDeepEqual(drop.apply(params, x, { key: random.key(8) }).toArray(), a.toArray());
    // a key without dropout changes nothing
    assert.deepEqual(plain.apply(params, x, { key: random.key(7) }).toArray(), evalOut.toArray());
  });

  it("nn.dropout() zeros about `rate` of the elements and keeps the mean (inverted scaling)", () => {
    const n = 100_000, rate = 0.3;
    const y = values(nn.dropout(random.key(0), np.ones([n]), rate));
    const zeros = y.filter((v) => v === 0).length / n;
    assert.ok(Math.abs(zeros - rate) < 5 * Math.sqrt(rate * (1 - rate) / n), `zeros ${zeros}`);
    // survivors are scaled by 1/(1 − rate)
    assert.ok(y.every((v) => v === 0 || Math.abs(v - 1 / (1 - rate)) < 1e-6));
    const mean = moments(y).mean;
    assert.ok(Math.abs(mean - 1) < 5 * Math.sqrt(rate / (1 - rate) / n), `mean ${mean}`);
  });

  it("nn.dropout() passes gradients through the kept elements, scaled by 1/(1 − rate)", () => {
    const x = randomArray([50], { seed: 4 });
    const k = random.key(3);
    const y = nn.dropout(k, x, 0.5);
    const g = grad((x: NDArray) => nn.dropout(k, x, 0.5).sum())(x);
    assertAllClose(g, values(y).map((v) => (v === 0 ? 0 : 2)));
  });

  it("nn.dropout() with rate 0 is the identity and rejects rates outside [0, 1)", () => {
    const x = np.array([1, 2, 3]);
    assert.equal(nn.dropout(random.key(0), x, 0), x);
    for (const rate of [-0.1, 1, 1.5, NaN]) {
      assert.throws(() => nn.dropout(random.key(0), x, rate), RangeError, `rate ${rate}`);
    }
  });

  it("nn.mlp() trains under jit(grad) with dropout keys as arguments", () => {
    const model = nn.mlp([3, 8, 1], { dropout: 0.2 });
    const params = model.init(random.key(0));
    const x = randomArray([4, 3], { seed: 5, dtype: "float32" });
    const loss = (p: typeof params, k: NDArray) => model.apply(p, x, { key: k }).square().mean();
    const eager = grad(loss)(params, random.key(1));
    const compiled = jit(grad(loss))(params, random.key(1));
    assertAllClose(tree.leaves(compiled), tree.leaves(eager), { rtol: 1e-5, atol: 1e-6 });
  });
});

// ---- convolution ---------------------------------------------------------------------------

describe("nn.conv2d", () => {
  const cases: {
    x: number[];
    w: number[];
    stride: number | [number, number];
    padding: Padding;
  }[] = [
    { x: [1, 5, 6, 1], w: [3, 3, 1, 1], stride: 1, padding: "VALID" },
    { x: [2, 5, 6, 2], w: [3, 3, 2, 4], stride: 1, padding: "SAME" },
    { x: [1, 7, 7, 3], w: [3, 3, 3, 2], stride: 2, padding: "SAME" },
    { x: [1, 8, 6, 3], w: [2, 2, 3, 5], stride: 2, padding: "SAME" },
    { x: [2, 7, 8, 2], w: [3, 2, 2, 3], stride: 2, padding: "VALID" },
    { x: [1, 6, 5, 2], w: [2, 3, 2, 2], stride: [2, 1], padding: [[1, 0], [2, 1]] },
    { x: [1, 4, 4, 3], w: [1, 1, 3, 4], stride: 1, padding: "VALID" },
    { x: [1, 5, 5, 1], w: [5, 5, 1, 2], stride: 1, padding: [[2, 2], [2, 2]] },
  ];
  cases.forEach(({ x: xs, w: ws, stride, padding }, i) => {
    const label = `x${JSON.stringify(xs)} w${JSON.stringify(ws)} stride ${JSON.stringify(stride)} ${
      JSON.stringify(padding)
    }`;
    it(`nn.conv2d() matches a nested-loop reference: ${label}`, () => {
      const x = randomArray(xs, { seed: 10 + i });
      const w = randomArray(ws, { seed: 20 + i });
      const s: [number, number] = typeof stride === "number" ? [stride, stride] : stride;
      const y = nn.conv2d(x, w, { stride, padding });
      assert.equal(y.dtype, "float64");
      assertAllClose(y, refConv(x, w, s, padding), { rtol: 1e-12, atol: 1e-12 });
    });
  });

  it("nn.conv2d() in float32 matches the reference to float32 accuracy", () => {
    const x = randomArray([2, 6, 6, 3], { seed: 1, dtype: "float32" });
    const w = randomArray([3, 3, 3, 4], { seed: 2, dtype: "float32" });
    const y = nn.conv2d(x, w, { padding: "SAME" });
    assert.equal(y.dtype, "float32");
    assertAllClose(y, refConv(x, w, [1, 1], "SAME"), { rtol: 1e-5, atol: 1e-5 });
  });

  for (
    const [stride, padding] of [[1, "SAME"], [2, "VALID"], [2, [[1, 0], [0, 1]]]] as [
      number,
      Padding,
    ][]
  ) {
    it(
      `nn.conv2d() gradients w.r.t. input and kernel match finite differences (stride ${stride}, ${
        JSON.stringify(padding)
      })`,
      () => {
        const x = randomArray([2, 5, 4, 2], { seed: 3 });
        const w = randomArray([3, 2, 2, 3], { seed: 4 });
        checkGrads((x: NDArray, w: NDArray) => nn.conv2d(x, w, { stride, padding }), [x, w]);
      },
    );
  }

  it("nn.conv2d() rejects mismatched channels and windows that do not fit", () => {
    assert.throws(
      () => nn.conv2d(np.ones([1, 4, 4, 2]), np.ones([3, 3, 3, 1])),
      /nn\.conv2d: the kernel's input-channel axis must be C = 2, got 3/,
    );
    assert.throws(() => nn.conv2d(np.ones([4, 4, 2]), np.ones([3, 3, 2, 1])), TypeError);
    assert.throws(() => nn.conv2d(np.ones([1, 2, 2, 1]), np.ones([3, 3, 1, 1])), TypeError);
  });

  it("nn.conv2dLayer() makes an HWIO kernel and zero bias, and gives the right shapes", () => {
    const layer = nn.conv2dLayer(3, 8, [3, 5], { stride: 2, padding: "SAME" });
    const p = layer.init(random.key(0));
    assert.deepEqual(p.w.shape, [3, 5, 3, 8]);
    assert.deepEqual(p.b.shape, [8]);
    assert.ok(values(p.b).every((v) => v === 0));
    const x = randomArray([2, 11, 10, 3], { seed: 5, dtype: "float32" });
    const y = layer.apply(p, x);
    assert.deepEqual(y.shape, [2, 6, 5, 8]);
    const b = np.arange(8).astype("float32");
    assertAllClose(
      layer.apply({ w: p.w, b }, x),
      np.add(nn.conv2d(x, p.w, { stride: 2, padding: "SAME" }), b),
      { rtol: 1e-6 },
    );
    const valid = nn.conv2dLayer(3, 4, 3, { init: "glorotUniform" });
    assert.deepEqual(valid.apply(valid.init(random.key(1)), x).shape, [2, 9, 8, 4]);
  });
});

// ---- pooling -------------------------------------------------------------------------------

describe("nn.maxPool2d and nn.avgPool2d", () => {
  const cases: {
    x: number[];
    window: number | [number, number];
    stride?: number | [number, number];
    padding?: Padding;
    note: string;
  }[] = [
    { x: [2, 4, 6, 3], window: 2, note: "non-overlapping fast path" },
    { x: [1, 6, 6, 2], window: [3, 2], note: "non-overlapping, rectangular" },
    { x: [1, 7, 8, 2], window: 3, stride: 2, padding: "SAME", note: "overlapping, SAME" },
    { x: [2, 5, 5, 1], window: 3, stride: 1, padding: "VALID", note: "overlapping, VALID" },
    { x: [1, 5, 7, 2], window: 2, note: "window not dividing the input (VALID drops the rest)" },
    {
      x: [1, 6, 5, 1],
      window: [2, 3],
      stride: [1, 2],
      padding: [[1, 0], [1, 1]],
      note: "explicit padding",
    },
  ];
  for (const kind of ["max", "avg"] as const) {
    const pool = kind === "max" ? nn.maxPool2d : nn.avgPool2d;
    cases.forEach(({ x: xs, window, stride, padding, note }, i) => {
      const win: [number, number] = typeof window === "number" ? [window, window] : window;
      const s: [number, number] = stride === undefined
        ? win
        : typeof stride === "number"
        ? [stride, stride]
        : stride;
      it(`nn.${kind}Pool2d() matches a nested-loop reference: ${note}`, () => {
        const x = randomArray(xs, { seed: 30 + i });
        const y = pool(x, window, { stride, padding });
        assertAllClose(y, refPool(x, win, s, padding ?? "VALID", kind).out, {
          rtol: 1e-12,
          atol: 1e-14,
        });
      });
    });
  }

  it("nn.maxPool2d() never picks a padded cell, even for all-negative inputs", () => {
    const x = np.full([1, 5, 5, 1], -3);
    const y = nn.maxPool2d(x, 3, { stride: 2, padding: "SAME" });
    assert.deepEqual(y.shape, [1, 3, 3, 1]);
    assert.ok(values(y).every((v) => v === -3));
  });

  it("nn.avgPool2d() counts padded cells as zeros", () => {
    const y = nn.avgPool2d(np.ones([1, 3, 3, 1]), 2, { stride: 1, padding: "SAME" });
    assert.deepEqual(y.reshape([9]).toArray(), [1, 1, 0.5, 1, 1, 0.5, 0.5, 0.5, 0.25]);
  });

  for (
    const [note, window, stride, padding] of [
      ["non-overlapping", 2, undefined, undefined],
      ["overlapping stride 2 window 3 SAME", 3, 2, "SAME"],
    ] as [string, number, number | undefined, Padding | undefined][]
  ) {
    it(`nn.maxPool2d() sends the gradient to each window's argmax (${note})`, () => {
      const x = randomArray([2, 6, 7, 2], { seed: 40 });
      const opts = { stride, padding };
      const y = nn.maxPool2d(x, window, opts);
      const w = randomArray(y.shape as number[], { seed: 41 });
      const g = grad((x: NDArray) => nn.maxPool2d(x, window, opts).mul(w).sum())(x);
      const s = stride ?? window;
      const { argmax } = refPool(x, [window, window], [s, s], padding ?? "VALID", "max");
      const expected = new Array<number>(x.size).fill(0);
      const ws = values(w);
      argmax.forEach((at, k) => (expected[at] += ws[k]));
      assertAllClose(g.reshape([x.size]), expected, { rtol: 1e-12, atol: 1e-14 });
      checkGrads((x: NDArray) => nn.maxPool2d(x, window, opts), [x]);
    });

    it(`nn.avgPool2d() gradients match finite differences (${note})`, () => {
      const x = randomArray([1, 6, 7, 2], { seed: 42 });
      checkGrads((x: NDArray) => nn.avgPool2d(x, window, { stride, padding }), [x], { order: 2 });
    });
  }

  it("nn.maxPool2d() gives tied maxima's gradient to the first of them, as JAX", () => {
    // JAX 0.10.2: jax.grad(lambda x: flax.linen.max_pool(x, (2, 2), strides=(2, 2)).sum())(
    //   jnp.ones((1, 2, 2, 1))) → [1, 0, 0, 0] (more cases: tests/nn_maxpool_test.ts)
    const g = grad((x: NDArray) => nn.maxPool2d(x, 2).sum())(np.ones([1, 2, 2, 1]));
    assert.deepEqual(g.reshape([4]).toArray(), [1, 0, 0, 0]);
  });

  it("nn.maxPool2d() and nn.avgPool2d() reject inputs that are not rank 4", () => {
    assert.throws(() => nn.maxPool2d(np.ones([4, 4, 1]), 2), /maxPool2d: expected NHWC input/);
    assert.throws(() => nn.avgPool2d(np.ones([4, 4]), 2), /avgPool2d: expected NHWC input/);
    assert.throws(() => nn.maxPool2d(np.ones([1, 2, 2, 1]), 3), TypeError);
  });
});
