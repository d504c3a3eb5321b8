import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  createWorkerPool,
  grad,
  jit,
  losses,
  type NDArray,
  np,
  valueAndGrad,
  vmap,
} from "../mod.ts";
import { assertAllClose, checkGrads, randomArray } from "./_helpers.ts";
import { expected, FLOATS, input, tolerance, values } from "./_losses_fixture.ts";

type Float = "float64" | "float32";

/** The fixture's padded batch: 3 sequences, 6 frames, 5 classes, up to 4 labels. */
function batch(dtype: Float, labels = "ctc_labels") {
  return {
    logits: input("ctc_logits", dtype),
    logitPaddings: input("ctc_logit_paddings", dtype),
    labels: input(labels),
    labelPaddings: input("ctc_label_paddings", dtype),
  };
}

function close(actual: NDArray, want: { shape: number[]; data: (number | null)[] }, dtype: Float) {
  assert.deepEqual(actual.shape, want.shape);
  assertAllClose(np.ravel(actual), values({ ...want, dtype }), tolerance(dtype));
}

/**
 * −log p(labels | logits) by brute force: the sum over every path of classes through the
 * unpadded frames whose collapse (merge repeats, then drop blanks) spells the labels.
 */
function bruteForceCtc(
  logits: number[][],
  labels: number[],
  blank: number,
): number {
  const k = logits[0].length;
  const logSoftmax = logits.map((row) => {
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    return row.map((v) => v - lse);
  });
  let total = 0;
  const path: number[] = [];
  const walk = (t: number) => {
    if (t === logits.length) {
      const collapsed = path.filter((c, i) => c !== blank && (i === 0 || c !== path[i - 1]));
      if (collapsed.length === labels.length && collapsed.every((c, i) => c === labels[i])) {
        total += Math.exp(path.reduce((s, c, i) => s + logSoftmax[i][c], 0));
      }
      return;
    }
    for (let c = 0; c < k; c++) {
      path.push(c);
      walk(t + 1);
      path.pop();
    }
  };
  walk(0);
  return -Math.log(total);
}

describe("losses.ctcLoss", () => {
  for (const dtype of FLOATS) {
    it(`losses.ctcLoss() gives optax's losses and gradients on a padded batch (${dtype})`, () => {
      const b = batch(dtype);
      const f = (z: NDArray) => losses.ctcLoss(z, b.logitPaddings, b.labels, b.labelPaddings);
      close(f(b.logits), expected("ctc", dtype).value, dtype);
      close(grad((z: NDArray) => f(z).sum())(b.logits), expected("ctc", dtype).grad, dtype);
    });

    it(`losses.ctcLoss() matches optax with blankId 4 and with logEpsilon -30 (${dtype})`, () => {
      const b4 = batch(dtype, "ctc_labels_b4");
      const f4 = (z: NDArray) =>
        losses.ctcLoss(z, b4.logitPaddings, b4.labels, b4.labelPaddings, { blankId: 4 });
      close(f4(b4.logits), expected("ctc_blank4", dtype).value, dtype);
      close(
        grad((z: NDArray) => f4(z).sum())(b4.logits),
        expected("ctc_blank4", dtype).grad,
        dtype,
      );
      const b = batch(dtype);
      const fe = (z: NDArray) =>
        losses.ctcLoss(z, b.logitPaddings, b.labels, b.labelPaddings, { logEpsilon: -30 });
      close(fe(b.logits), expected("ctc_eps", dtype).value, dtype);
      close(grad((z: NDArray) => fe(z).sum())(b.logits), expected("ctc_eps", dtype).grad, dtype);
    });

    it(`losses.ctcLossWithForwardProbs() gives optax's forward log-probabilities (${dtype})`, () => {
      const b = batch(dtype);
      const [loss, blank, label] = losses.ctcLossWithForwardProbs(
        b.logits,
        b.logitPaddings,
        b.labels,
        b.labelPaddings,
      );
      const want = expected("ctc_forward", dtype);
      close(loss, want.value, dtype);
      close(blank, want.logalpha_blank, dtype);
      close(label, want.logalpha_nonblank, dtype);
    });
  }

  it("losses.ctcLoss() equals the brute-force sum over alignments, with repeats and padding", () => {
    const z = randomArray([3, 4, 3], { seed: 5 });
    const zs = z.toArray() as number[][][];
    // rows: a repeated label (needs a blank between), a padded frame, a padded label slot
    const labels = np.array([[1, 1], [2, 1], [2, 2]], { dtype: "int32" });
    const logitPaddings = np.array([[0, 0, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0]]);
    const labelPaddings = np.array([[0, 0], [0, 0], [0, 1]]);
    const got = losses.ctcLoss(z, logitPaddings, labels, labelPaddings).toArray() as number[];
    const want = [
      bruteForceCtc(zs[0], [1, 1], 0),
      bruteForceCtc(zs[1].slice(0, 3), [2, 1], 0),
      bruteForceCtc(zs[2], [2], 0),
    ];
    // exact up to the logEpsilon leak (e^-1e5 = 0) and rounding
    assertAllClose(got, want, { rtol: 1e-12, atol: 1e-12 });
    const withBlank2 = losses.ctcLoss(
      z,
      logitPaddings,
      np.array([[1, 1], [0, 1], [0, 0]], {
        dtype: "int32",
      }),
      labelPaddings,
      { blankId: 2, reduction: "none" },
    ).toArray() as number[];
    assertAllClose(withBlank2, [
      bruteForceCtc(zs[0], [1, 1], 2),
      bruteForceCtc(zs[1].slice(0, 3), [0, 1], 2),
      bruteForceCtc(zs[2], [0], 2),
    ], { rtol: 1e-12, atol: 1e-12 });
  });

  it("losses.ctcLoss() matches finite differences and the JVP/VJP identity (float64)", () => {
    const b = batch("float64");
    const z = b.logits.slice([0, 2]);
    const f = (x: NDArray) =>
      losses.ctcLoss(
        x,
        b.logitPaddings.slice([0, 2]),
        b.labels.slice([0, 2]),
        b.labelPaddings.slice([0, 2]),
      );
    checkGrads(f, [z], { rtol: 1e-6, atol: 1e-7 });
  });

  it("losses.ctcLoss() gives the same under jit, vmap and grad-of-jit as eagerly", () => {
    const b = batch("float64");
    const f = (z: NDArray, lp: NDArray, lab: NDArray, pl: NDArray) =>
      losses.ctcLoss(z, lp, lab, pl, { reduction: "mean" });
    const eager = f(b.logits, b.logitPaddings, b.labels, b.labelPaddings);
    const tight = { rtol: 1e-12, atol: 1e-12 };
    assertAllClose(jit(f)(b.logits, b.logitPaddings, b.labels, b.labelPaddings), eager, tight);
    const g = grad(f)(b.logits, b.logitPaddings, b.labels, b.labelPaddings);
    assertAllClose(jit(grad(f))(b.logits, b.logitPaddings, b.labels, b.labelPaddings), g, tight);
    // vmap over a leading axis of two batches equals two calls
    const zz = np.stack([b.logits, b.logits.mul(0.5)]);
    const perSeq = (z: NDArray) => losses.ctcLoss(z, b.logitPaddings, b.labels, b.labelPaddings);
    assertAllClose(
      vmap(perSeq)(zz),
      np.stack([perSeq(b.logits), perSeq(b.logits.mul(0.5))]),
      tight,
    );
  });

  it("losses.ctcLoss() trains on the worker pool: pool.valueAndGrad() equals valueAndGrad()", async () => {
    await using pool = createWorkerPool({ size: 1 });
    const b = batch("float64");
    const features = randomArray([3, 6, 2], { seed: 9 });
    const w = randomArray([2, 5], { seed: 10 });
    const loss = (w: NDArray, x: NDArray, lp: NDArray, lab: NDArray, pl: NDArray) =>
      losses.ctcLoss(np.matmul(x, w), lp, lab, pl, { reduction: "mean" });
    const args = [w, features, b.logitPaddings, b.labels, b.labelPaddings] as const;
    const [v, g] = await pool.valueAndGrad(loss)(...args);
    const [v0, g0] = valueAndGrad(loss)(...args);
    assertAllClose([v, g], [v0, g0], { rtol: 1e-10, atol: 1e-10 });
  });

  it("losses.ctcLoss() rejects mismatched shapes, bad labels, bad paddings and unknown options", () => {
    const b = batch("float64");
    const { logits, logitPaddings: lp, labels, labelPaddings: pl } = b;
    assert.throws(() => losses.ctcLoss(logits.slice([0, 2]), lp, labels, pl), TypeError);
    assert.throws(
      () => losses.ctcLoss(logits, lp, labels.slice(null, [0, 3]), pl),
      /labelPaddings/,
    );
    assert.throws(() => losses.ctcLoss(logits.reshape([3, 30]), lp, labels, pl), /rank 3/);
    assert.throws(() => losses.ctcLoss(logits, lp, labels.astype("float64"), pl), /int32/);
    assert.throws(
      () => losses.ctcLoss(logits, lp, np.full([3, 4], 5, { dtype: "int32" }), pl),
      RangeError,
    );
    assert.throws(() => losses.ctcLoss(logits, lp.mul(0.5), labels, pl), /only 0 and 1/);
    assert.throws(
      () =>
        losses.ctcLoss(logits, lp, labels, np.array([[1, 0, 0, 0], [0, 0, 0, 1], [0, 1, 1, 1]])),
      /right-padded/,
    );
    assert.throws(() => losses.ctcLoss(logits, lp, labels, pl, { blankId: 5 }), RangeError);
    assert.throws(() => losses.ctcLoss(logits, lp, labels, pl, { blankId: 0.5 }), TypeError);
    assert.throws(
      () =>
        losses.ctcLoss(logits, lp, labels, pl, { blank_id: 1 } as unknown as { blankId: number }),
      /blank_id/,
    );
    assert.throws(
      () => losses.ctcLossWithForwardProbs(logits, lp, labels, pl, { reduction: "mean" } as never),
      /reduction/,
    );
    assert.throws(
      () => losses.ctcLoss(logits, lp, labels, pl, { reduction: "avg" as "mean" }),
      /reduction/,
    );
  });
});
