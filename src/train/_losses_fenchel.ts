/**
 * Fenchel–Young losses (Blondel, Martins and Niculae 2020), as optax: the loss built from a
 * "max" function Ω* by `L(s, y) = Ω*(s) − ⟨y, s⟩`, and the two sparsemax losses, whose Ω* is
 * the conjugate of the Gini entropy and whose prediction is sparsemax (Martins and Astudillo
 * 2016), the Euclidean projection onto the probability simplex.
 *
 * sparsemax(z) = max(z − τ, 0) with τ chosen so the result sums to 1. Sorting finds τ: with
 * z sorted descending, the support is the first k entries with 1 + k·z_(k) > Σ_{j≤k} z_(j), and
 * τ = (Σ_{j≤k} z_(j) − 1) / k, as optax's `projection_simplex` (a sort and a cumulative sum:
 * K log K work, where comparing every pair of entries took K² memory per row). The support
 * {z > τ} carries no gradient; τ is recomputed from it, so p differentiates as the projection
 * does: on the support dp = dz − mean_support(dz), elsewhere 0.
 *
 * @module
 */
import type { NDArray } from "../core/_ndarray.ts";
import { fmtShape } from "../core/_shape.ts";
import * as np from "../numpy/numpy.ts";
import { vmap } from "../transforms/vmap.ts";
import { sparsePlus } from "./_nn_activations.ts";
import {
  checkArray,
  checkFloat,
  checkIndexRange,
  checkIntLabels,
  checkSame,
  checkZeroOne,
  reduceLoss,
  type Reduction,
} from "./_losses_util.ts";

/** The `reduction` option of the losses in this file. */
export interface FenchelYoungOptions {
  /** `"none"` (default, as optax: one loss per example or element), `"mean"` or `"sum"`. */
  reduction?: Reduction;
}

/** A Fenchel–Young loss made by {@link makeFenchelYoungLoss}. */
export type FenchelYoungLoss = (
  scores: NDArray,
  targets: NDArray,
  options?: FenchelYoungOptions,
) => NDArray;

/** sparsemax over the last axis: the Euclidean projection of each row onto the simplex. */
function sparsemax(z: NDArray): NDArray {
  // the support is a set (no gradient through it); τ and p differentiate through z
  const zs = np.stopGradient(z);
  const k = z.shape[z.ndim - 1];
  // u = z sorted descending; the support is the prefix with u_k − (Σ_{j≤k} u_j − 1)/k > 0
  const u = np.sort(zs, -1, { descending: true });
  const excess = np.cumsum(u, -1).sub(1);
  const ranks = np.arange(1, k + 1, { dtype: z.dtype });
  const kept = np.sum(u.sub(excess.div(ranks)).greater(0), { axis: -1, keepdims: true });
  const last = np.maximum(kept.sub(1), 0).astype("int32");
  const threshold = np.takeAlongAxis(excess, last, -1).div(np.maximum(kept, 1));
  const inSupport = zs.greater(threshold);
  const support = inSupport.astype(z.dtype);
  // τ = (Σ_support z − 1) / |support|; p = z − τ on the support, 0 elsewhere
  const size = np.sum(support, { axis: -1, keepdims: true });
  const tau = np.sum(support.mul(z), { axis: -1, keepdims: true }).sub(1).div(size);
  return np.where(inSupport, z.sub(tau), 0);
}

/**
 * The binary sparsemax loss (optax's `sparsemax_loss`), element-wise:
 * `sparsePlus(−z)` for label 1 and `sparsePlus(z)` for label 0, where sparsePlus(x) is 0 for
 * x ≤ −1, (x + 1)²/4 for |x| < 1 and x for x ≥ 1. It is zero exactly when
 * `nn.sparseSigmoid(z)` equals the label; its gradient is `sparseSigmoid(z) − label`.
 *
 * @param logits Scores, any shape.
 * @param labels 0/1 labels (int32, bool or float), the same shape.
 * @param options `reduction` (`"none"` by default: one loss per element).
 * @returns One loss per element (or their mean/sum).
 * @throws {TypeError} For mismatched shapes or non-float logits.
 * @throws {RangeError} For a concrete label other than 0 and 1.
 *
 * @example
 * ```ts
 * import { losses, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const l = losses.sparsemaxLoss(np.array([2, 0, -0.5]), np.array([1, 1, 0], { dtype: "int32" }));
 * assert.deepEqual(l.toArray(), [0, 0.25, 0.0625]);
 * ```
 */
export function sparsemaxLoss(
  logits: NDArray,
  labels: NDArray,
  options: FenchelYoungOptions = {},
): NDArray {
  const op = "sparsemaxLoss";
  checkArray(op, "logits", logits);
  checkArray(op, "labels", labels);
  checkFloat(op, "logits", logits);
  checkSame(op, "logits", logits, "labels", labels);
  checkZeroOne(op, "labels", labels);
  // label 1 → sparsePlus(−z); label 0 → sparsePlus(z)
  const signed = np.where(labels.notEqual(0), logits.neg(), logits);
  return reduceLoss(op, sparsePlus(signed), options, []);
}

/**
 * The multiclass sparsemax loss (optax's `multiclass_sparsemax_loss`): with p = sparsemax(s)
 * over the last axis and y the label, `Σ_c p_c (s_c − s_y) + ½ (1 − ‖p‖²)`, the Fenchel–Young
 * loss of the Gini entropy. It is zero exactly when sparsemax(s) is the one-hot label; its
 * gradient is `sparsemax(s) − onehot(y)`.
 *
 * @param scores Scores, shape `[..., classes]` (optax: `[batch, classes]`).
 * @param labels int32 class indices, shape `[...]`.
 * @param options `reduction` (`"none"` by default: one loss per example).
 * @returns One loss per example (or their mean/sum).
 * @throws {TypeError} For wrong shapes or dtypes.
 * @throws {RangeError} For a concrete label outside `[0, classes)`.
 *
 * @example
 * ```ts
 * import { losses, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * // sparsemax([3, 0, 0]) is one-hot, so the right label costs nothing
 * const s = np.array([[3, 0, 0], [0, 0, 0]]);
 * const l = losses.multiclassSparsemaxLoss(s, np.array([0, 1], { dtype: "int32" }));
 * const [right, uniform] = l.toArray() as number[];
 * assert.equal(right, 0);
 * assert.ok(Math.abs(uniform - 1 / 3) < 1e-6);
 * ```
 */
export function multiclassSparsemaxLoss(
  scores: NDArray,
  labels: NDArray,
  options: FenchelYoungOptions = {},
): NDArray {
  const op = "multiclassSparsemaxLoss";
  checkArray(op, "scores", scores);
  checkArray(op, "labels", labels);
  checkFloat(op, "scores", scores);
  if (scores.ndim === 0) {
    throw new TypeError(`losses.${op}: scores need a class axis (the last one), got a scalar.`);
  }
  checkIntLabels(op, "labels", labels);
  const batch = scores.shape.slice(0, -1);
  if (labels.ndim !== batch.length || labels.shape.some((d, i) => d !== batch[i])) {
    throw new TypeError(
      `losses.${op}: scores have shape ${fmtShape(scores.shape)}, so labels need shape ` +
        `${fmtShape(batch)} (one class index per example), got ${fmtShape(labels.shape)}.`,
    );
  }
  const k = scores.shape[scores.ndim - 1];
  checkIndexRange(op, "labels", labels, k);
  const p = sparsemax(scores);
  const oneHot = np.equal(np.expandDims(labels, -1), np.arange(k)).astype(scores.dtype);
  const scoreOfLabel = np.sum(scores.mul(oneHot), { axis: -1, keepdims: true });
  // Σ_c p_c (s_c − s_y) over the support, + ½ (1 − Σ p²)
  const shifted = np.where(p.greater(0), p.mul(scores.sub(scoreOfLabel)), 0);
  const loss = np.sum(shifted, { axis: -1 }).add(
    np.sub(1, np.sum(p.square(), { axis: -1 })).mul(0.5),
  );
  return reduceLoss(op, loss, options, []);
}

/**
 * Makes a Fenchel–Young loss from a max function Ω* (optax's `make_fenchel_young_loss`):
 * `L(s, y) = Ω*(s) − ⟨y, s⟩` over the last axis, with Ω* applied to each vector of scores (any
 * leading axes are mapped over with `vmap`). With `np.logsumexp` it is the softmax
 * cross-entropy up to the entropy of y.
 *
 * @param maxFun Ω*: maps one vector of scores `[classes]` to a scalar (for example
 *   `(s) => np.logsumexp(s)`). Unlike optax, extra arguments are not forwarded: close over them.
 * @returns The loss `(scores, targets, { reduction }) => loss`, one value per vector of scores
 *   (shape `scores.shape` without the last axis) unless reduced.
 * @throws {TypeError} When maxFun is not a function (at once), or, when the loss is called, for
 *   mismatched shapes or a maxFun that does not return a scalar.
 *
 * @example
 * ```ts
 * import { losses, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const fy = losses.makeFenchelYoungLoss((s) => np.logsumexp(s));
 * const l = fy(np.array([[0, 0]]), np.array([[1, 0]]));
 * assert.ok(Math.abs((l.toArray() as number[])[0] - Math.LN2) < 1e-6);
 * ```
 */
export function makeFenchelYoungLoss(maxFun: (scores: NDArray) => NDArray): FenchelYoungLoss {
  if (typeof maxFun !== "function") {
    throw new TypeError(
      `losses.makeFenchelYoungLoss: maxFun must be a function from a vector of scores to a ` +
        `scalar (e.g. (s) => np.logsumexp(s)), got ${typeof maxFun}.`,
    );
  }
  const op = "fenchelYoungLoss";
  const rowMax = (row: NDArray): NDArray => {
    const m = maxFun(row);
    if (!(m instanceof np.NDArray) || m.ndim !== 0) {
      throw new TypeError(
        `losses.${op}: maxFun must return a scalar NDArray for a vector of scores ` +
          `${fmtShape(row.shape)}, got ${
            m instanceof np.NDArray ? `shape ${fmtShape(m.shape)}` : typeof m
          }.`,
      );
    }
    return m;
  };
  return (scores: NDArray, targets: NDArray, options: FenchelYoungOptions = {}): NDArray => {
    checkArray(op, "scores", scores);
    checkArray(op, "targets", targets);
    checkSame(op, "scores", scores, "targets", targets);
    if (scores.ndim === 0) {
      throw new TypeError(`losses.${op}: scores need a class axis (the last one), got a scalar.`);
    }
    const lead = scores.shape.slice(0, -1);
    const k = scores.shape[scores.ndim - 1];
    const maxes = lead.length === 0
      ? rowMax(scores)
      : vmap(rowMax)(scores.reshape([-1, k])).reshape(lead);
    // L(s, y) = Ω*(s) − ⟨y, s⟩
    const loss = maxes.sub(np.sum(targets.mul(scores), { axis: -1 }));
    return reduceLoss(op, loss, options, []);
  };
}
