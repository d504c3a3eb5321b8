import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { grad, jit, losses, type NDArray, np } from "../mod.ts";
import { assertAllClose, checkGrads, randomArray } from "./_helpers.ts";

/** The losses return per-example values by default; these tests check their means. */
const M = { reduction: "mean" } as const;

const f64 = (x: number[] | number[][] | number[][][]) => np.array(x, { dtype: "float64" });
const int32 = (x: number[] | number[][]) => np.array(x, { dtype: "int32" });

/** Row-wise softmax of a plain JS matrix, the reference for cross-entropy gradients. */
function softmaxRows(z: number[][]): number[][] {
  return z.map((row) => {
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  });
}

function assertFinite(x: NDArray, what: string): void {
  for (const v of x.toTypedArray()) assert.ok(Number.isFinite(v), `${what} has ${v}`);
}

describe("losses.softmaxCrossEntropy", () => {
  const logits = f64([[1, 2, 3], [0, 0, 0]]);
  const labels = f64([[0, 0, 1], [0.5, 0.5, 0]]);

  it("softmaxCrossEntropy() matches −Σ y log softmax(z) computed by hand", () => {
    // row 0: logsumexp(1, 2, 3) = 3.40760596444438, label 2: 3.40760596444438 − 3
    // row 1: logsumexp(0, 0, 0) = log 3, and Σ y = 1 over equal logits: log 3
    const perExample = [0.40760596444438013, 1.0986122886681098];
    assertAllClose(
      losses.softmaxCrossEntropy(logits, labels, { reduction: "none" }),
      perExample,
      { rtol: 1e-12 },
    );
    assertAllClose(losses.softmaxCrossEntropy(logits, labels, M), 0.753109126556245, {
      rtol: 1e-12,
    });
    assertAllClose(
      losses.softmaxCrossEntropy(logits, labels, { reduction: "sum" }),
      1.50621825311249,
      { rtol: 1e-12 },
    );
  });

  it("softmaxCrossEntropy() gradient is (softmax − one-hot) / batch under mean reduction", () => {
    const z = [[1, 2, 3], [0.5, -1, 2]];
    const y = [[0, 0, 1], [1, 0, 0]];
    const g = grad((l: NDArray) => losses.softmaxCrossEntropy(l, f64(y), M))(f64(z));
    const p = softmaxRows(z);
    const expected = p.map((row, i) => row.map((v, j) => (v - y[i][j]) / 2));
    assertAllClose(g, expected, { rtol: 1e-12, atol: 1e-15 });
    // sum reduction: no division
    const gs = grad((l: NDArray) => losses.softmaxCrossEntropy(l, f64(y), { reduction: "sum" }))(
      f64(z),
    );
    assertAllClose(gs, p.map((row, i) => row.map((v, j) => v - y[i][j])), { rtol: 1e-12 });
  });

  it("softmaxCrossEntropy() matches finite differences in logits and labels", () => {
    const z = randomArray([3, 4], { seed: 1, low: -2, high: 2 });
    const y = randomArray([3, 4], { seed: 2, low: 0, high: 1 });
    checkGrads((a: NDArray, b: NDArray) => losses.softmaxCrossEntropy(a, b, M), [z, y]);
  });

  it("softmaxCrossEntropy() stays finite with finite gradients at logits of ±1e4", () => {
    const z = np.array([[1e4, -1e4, 0], [-1e4, -1e4, 1e4]]);
    const y = np.array([[0, 1, 0], [1, 0, 0]]);
    const l = losses.softmaxCrossEntropy(z, y, { reduction: "none" });
    // the label's logit trails the max by 2e4 in both rows
    assert.deepEqual(l.toArray(), [2e4, 2e4]);
    const g = grad((a: NDArray) => losses.softmaxCrossEntropy(a, y, M))(z);
    assertFinite(g, "gradient");
    assertAllClose(g, [[0.5, -0.5, 0], [-0.5, 0, 0.5]]);
  });

  it("softmaxCrossEntropy() reduces over the last axis and averages over all batch axes", () => {
    const z = randomArray([2, 3, 5], { seed: 3 });
    const y = randomArray([2, 3, 5], { seed: 4, low: 0, high: 1 });
    const none = losses.softmaxCrossEntropy(z, y, { reduction: "none" });
    assert.deepEqual(none.shape, [2, 3]);
    assertAllClose(losses.softmaxCrossEntropy(z, y, M), np.mean(none), { rtol: 1e-12 });
  });

  it("softmaxCrossEntropy() rejects mismatched shapes with a TypeError naming both", () => {
    assert.throws(
      () => losses.softmaxCrossEntropy(np.zeros([2, 3]), np.zeros([3, 2]), M),
      (e: unknown) =>
        e instanceof TypeError && /\[2, 3\]/.test(e.message) && /\[3, 2\]/.test(e.message),
    );
    assert.throws(() =>
      losses.softmaxCrossEntropy(np.zeros([2, 3]), np.zeros([2, 3]), {
        reduction: "avg" as losses.Reduction,
      }), TypeError);
  });
});

describe("losses.softmaxCrossEntropyWithIntegerLabels", () => {
  it("softmaxCrossEntropyWithIntegerLabels() equals logsumexp(z) − z_label", () => {
    const z = f64([[1, 2, 3], [0, 0, 0]]);
    // row 0, label 0: 3.40760596444438 − 1; row 1, label 2: log 3
    assertAllClose(
      losses.softmaxCrossEntropyWithIntegerLabels(z, int32([0, 2]), { reduction: "none" }),
      [2.40760596444438, 1.0986122886681098],
      { rtol: 1e-12 },
    );
    assertAllClose(
      losses.softmaxCrossEntropyWithIntegerLabels(z, int32([0, 2]), { reduction: "sum" }),
      2.40760596444438 + 1.0986122886681098,
      { rtol: 1e-12 },
    );
  });

  it("softmaxCrossEntropyWithIntegerLabels() gradient is (softmax − one-hot) / batch", () => {
    const z = [[1, 2, 3], [0.5, -1, 2], [0, 0, 0]];
    const labels = [1, 0, 2];
    const g = grad((a: NDArray) =>
      losses.softmaxCrossEntropyWithIntegerLabels(a, int32(labels), M)
    )(
      f64(z),
    );
    const expected = softmaxRows(z).map((row, i) =>
      row.map((v, j) => (v - (j === labels[i] ? 1 : 0)) / 3)
    );
    assertAllClose(g, expected, { rtol: 1e-12, atol: 1e-15 });
  });

  it("softmaxCrossEntropyWithIntegerLabels() matches finite differences", () => {
    const z = randomArray([2, 3, 4], { seed: 5, low: -2, high: 2 });
    const labels = int32([[0, 3, 1], [2, 2, 0]]);
    checkGrads((a: NDArray) => losses.softmaxCrossEntropyWithIntegerLabels(a, labels, M), [z]);
  });

  it("softmaxCrossEntropyWithIntegerLabels() is finite at logits of ±1e4", () => {
    const z = np.array([[1e4, -1e4], [-1e4, 1e4]]);
    const labels = int32([1, 1]);
    const l = losses.softmaxCrossEntropyWithIntegerLabels(z, labels, { reduction: "none" });
    assert.deepEqual(l.toArray(), [2e4, 0]);
    const g = grad((a: NDArray) => losses.softmaxCrossEntropyWithIntegerLabels(a, labels, M))(z);
    assertFinite(g, "gradient");
    assertAllClose(g, [[0.5, -0.5], [0, 0]]);
  });

  it("softmaxCrossEntropyWithIntegerLabels() ignores a −∞ logit of another class", () => {
    // optax 0.2.8: softmax_cross_entropy_with_integer_labels([[-inf, 0, 1]], [2]) = [0.31326163],
    // gradient [[0, 0.26894143, -0.2689414]] (a masked-out class must not turn the loss into NaN)
    const z = np.array([[-Infinity, 0, 1]]);
    const labels = int32([2]);
    assertAllClose(losses.softmaxCrossEntropyWithIntegerLabels(z, labels), [0.31326162815093994]);
    const g = grad((a: NDArray) => losses.softmaxCrossEntropyWithIntegerLabels(a, labels).sum())(z);
    assertAllClose(g, [[0, 0.2689414322376251, -0.26894140243530273]]);
  });

  it("softmaxCrossEntropyWithIntegerLabels() traces under jit() with the labels as an input", () => {
    const z = f64([[1, 2, 3], [0.5, -1, 2]]);
    const labels = int32([2, 0]);
    const f = (a: NDArray, y: NDArray) => losses.softmaxCrossEntropyWithIntegerLabels(a, y, M);
    assertAllClose(jit(f)(z, labels), f(z, labels), { rtol: 1e-12 });
    assertAllClose(jit(grad(f))(z, labels), grad(f)(z, labels), { rtol: 1e-12 });
  });

  it("softmaxCrossEntropyWithIntegerLabels() validates label dtype, shape and range", () => {
    const z = np.zeros([2, 3]);
    assert.throws(
      () => losses.softmaxCrossEntropyWithIntegerLabels(z, np.array([0, 1]), M),
      TypeError,
    );
    assert.throws(
      () => losses.softmaxCrossEntropyWithIntegerLabels(z, int32([0, 1, 2]), M),
      TypeError,
    );
    assert.throws(
      () => losses.softmaxCrossEntropyWithIntegerLabels(z, int32([0, 3]), M),
      RangeError,
    );
    assert.throws(
      () => losses.softmaxCrossEntropyWithIntegerLabels(z, int32([-1, 0]), M),
      RangeError,
    );
  });
});

describe("losses.sigmoidBinaryCrossEntropy", () => {
  it("sigmoidBinaryCrossEntropy() matches −y log σ(z) − (1 − y) log(1 − σ(z)) by hand", () => {
    // z = 0, y = 1: log 2; z = 2, y = 0: log(1 + e²);
    // z = −1, y = ¼: ¼ log(1 + e) + ¾ log(1 + e⁻¹)
    const l = losses.sigmoidBinaryCrossEntropy(f64([0, 2, -1]), f64([1, 0, 0.25]), {
      reduction: "none",
    });
    assertAllClose(l, [0.6931471805599453, 2.1269280110429727, 0.5632616875182228], {
      rtol: 1e-12,
    });
  });

  it("sigmoidBinaryCrossEntropy() gradient is (σ(z) − y) / n and matches finite differences", () => {
    const z = [0, 2, -1], y = [1, 0, 0.25];
    const g = grad((a: NDArray) => losses.sigmoidBinaryCrossEntropy(a, f64(y), M))(f64(z));
    assertAllClose(g, z.map((v, i) => (1 / (1 + Math.exp(-v)) - y[i]) / 3), { rtol: 1e-12 });
    const zr = randomArray([2, 3], { seed: 6, low: -3, high: 3 });
    const yr = randomArray([2, 3], { seed: 7, low: 0, high: 1 });
    checkGrads((a: NDArray, b: NDArray) => losses.sigmoidBinaryCrossEntropy(a, b, M), [zr, yr]);
  });

  it("sigmoidBinaryCrossEntropy() is finite at logits of ±1e4", () => {
    const z = np.array([1e4, -1e4, 1e4, -1e4]);
    const y = np.array([1, 0, 0, 1]);
    const l = losses.sigmoidBinaryCrossEntropy(z, y, { reduction: "none" });
    assert.deepEqual(l.toArray(), [0, 0, 1e4, 1e4]);
    const g = grad((a: NDArray) => losses.sigmoidBinaryCrossEntropy(a, y, { reduction: "sum" }))(z);
    assertFinite(g, "gradient");
    assert.deepEqual(g.toArray(), [0, 0, 1, -1]);
  });
});

describe("losses: regression losses", () => {
  const p = f64([1, 2, 3]);
  const t = f64([0, 4, 3]);

  it("meanSquaredError() averages (p − t)² over all elements", () => {
    // (1, −2, 0)² = (1, 4, 0)
    assertAllClose(losses.meanSquaredError(p, t, { reduction: "none" }), [1, 4, 0]);
    assertAllClose(losses.meanSquaredError(p, t), 5 / 3, { rtol: 1e-12 });
    assertAllClose(losses.meanSquaredError(p, t, { reduction: "sum" }), 5);
    // d/dp mean (p − t)² = 2(p − t)/n
    const g = grad((a: NDArray) => losses.meanSquaredError(a, t))(p);
    assertAllClose(g, [2 / 3, -4 / 3, 0], { rtol: 1e-12 });
  });

  it("meanAbsoluteError() averages |p − t| over all elements", () => {
    assertAllClose(losses.meanAbsoluteError(p, t, { reduction: "none" }), [1, 2, 0]);
    assertAllClose(losses.meanAbsoluteError(p, t), 1);
    assertAllClose(losses.meanAbsoluteError(p, t, { reduction: "sum" }), 3);
  });

  it("huberLoss() is ½e² within delta and delta(|e| − ½delta) beyond", () => {
    const pred = f64([0.5, -3, 1]);
    const zero = f64([0, 0, 0]);
    // delta 1: ½ · 0.25, 1 · (3 − 0.5), ½ · 1 (= 1 · (1 − 0.5) at the seam)
    assertAllClose(losses.huberLoss(pred, zero, { reduction: "none" }), [0.125, 2.5, 0.5]);
    // delta 2: 0.125, 2 · (3 − 1), 0.5
    assertAllClose(losses.huberLoss(pred, zero, { delta: 2, reduction: "none" }), [0.125, 4, 0.5]);
    assert.throws(() => losses.huberLoss(pred, zero, { delta: 0 }), RangeError);
  });

  it("hingeLoss() is max(0, 1 − t·p)", () => {
    const l = losses.hingeLoss(f64([2, 0.5, -1, 0.3]), f64([1, 1, 1, -1]), { reduction: "none" });
    assertAllClose(l, [0, 0.5, 2, 1.3], { rtol: 1e-12 });
  });

  it("the regression losses match finite differences away from their kinks", () => {
    const a = randomArray([2, 3], { seed: 8, low: -2, high: 2 });
    const b = randomArray([2, 3], { seed: 9, low: -2, high: 2 });
    for (const f of [losses.meanSquaredError, losses.meanAbsoluteError, losses.huberLoss]) {
      checkGrads((x: NDArray, y: NDArray) => f(x, y, M), [a, b]);
    }
    const signs = f64([[1, -1, 1], [-1, 1, -1]]);
    checkGrads((x: NDArray) => losses.hingeLoss(x, signs, M), [a]);
  });

  it("the regression losses reject mismatched shapes with a TypeError naming both", () => {
    for (const f of [losses.meanSquaredError, losses.meanAbsoluteError, losses.huberLoss]) {
      assert.throws(
        () => f(np.zeros([4]), np.zeros([4, 1])),
        (e: unknown) =>
          e instanceof TypeError && /\[4\]/.test(e.message) && /\[4, 1\]/.test(e.message),
      );
    }
  });
});

describe("losses.klDivergence", () => {
  it("klDivergence() is Σ t (log t − logp) over the last axis, with 0 log 0 = 0", () => {
    const logP = np.log(f64([[0.25, 0.75], [0.25, 0.75]]));
    const t = f64([[0.5, 0.5], [1, 0]]);
    // row 0: ½ log(½/¼) + ½ log(½/¾) = ½ log(4/3); row 1: 1 · log(1/¼) = log 4
    assertAllClose(
      losses.klDivergence(logP, t, { reduction: "none" }),
      [0.14384103622589042, 1.3862943611198906],
      { rtol: 1e-12 },
    );
    // d/dlogp = −t / batch, finite where t = 0
    const g = grad((a: NDArray) => losses.klDivergence(a, t, M))(logP);
    assertAllClose(g, [[-0.25, -0.25], [-0.5, 0]]);
    const gt = grad((b: NDArray) => losses.klDivergence(logP, b, { reduction: "sum" }))(t);
    assertFinite(gt, "gradient in the targets");
  });

  it("klDivergence() matches finite differences", () => {
    const logP = randomArray([2, 3], { seed: 10, low: -3, high: -0.1 });
    const t = randomArray([2, 3], { seed: 11, low: 0.1, high: 1 });
    checkGrads((a: NDArray, b: NDArray) => losses.klDivergence(a, b, M), [logP, t]);
  });
});

describe("losses.smoothLabels", () => {
  it("smoothLabels() mixes labels with the uniform distribution: (1 − α) y + α / K", () => {
    const y = np.array([[0, 1, 0, 0], [1, 0, 0, 0]]);
    // 0.8 y + 0.2 / 4
    assertAllClose(losses.smoothLabels(y, 0.2), [[0.05, 0.85, 0.05, 0.05], [
      0.85,
      0.05,
      0.05,
      0.05,
    ]]);
    assert.throws(() => losses.smoothLabels(y, 1.5), RangeError);
  });
});
