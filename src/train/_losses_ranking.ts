/**
 * Losses over lists of candidates, as optax: NT-Xent (the contrastive loss of SimCLR, Chen et
 * al. 2020) over a batch of embeddings, and the ranking softmax loss (a listwise softmax
 * cross-entropy against relevance labels, with masks and weights).
 *
 * Both are log-softmaxes over a subset of a row; the row maximum (over that subset) is
 * subtracted under `stopGradient` before exponentiating, which changes nothing mathematically
 * and keeps every exponential ≤ 1. A masked-out entry never reaches an `exp` or a `log`, so a
 * fully masked row has a zero gradient instead of NaN.
 *
 * @module
 */
import { checkOptions } from "../core/_validate.ts";
import type { NDArray } from "../core/_ndarray.ts";
import { fmtShape } from "../core/_shape.ts";
import * as np from "../numpy/numpy.ts";
import {
  checkArray,
  checkFloat,
  checkIntLabels,
  checkReduction,
  checkSame,
  concreteValues,
  type Reduction,
} from "./_losses_util.ts";

/** Options of {@link ntxent}. */
export interface NtxentOptions {
  /** The temperature dividing the cosine similarities (0.07 by default, as optax). */
  temperature?: number;
}

/** Options of {@link rankingSoftmaxLoss}. */
export interface RankingSoftmaxOptions {
  /** A bool mask `[..., listSize]`: items where it is false are ignored. */
  where?: NDArray;
  /** Per-item weights `[..., listSize]`, multiplying the labels. */
  weights?: NDArray;
  /**
   * `"mean"` (default, as optax: the mean over the lists with a valid item, 0 when there are
   * none), `"sum"`, or `"none"` (one loss per list, 0 for a fully masked list).
   */
  reduction?: Reduction;
}

/** The largest value along the last axis among `mask`, without gradient (0 for an empty row). */
function maskedRowMax(x: NDArray, mask: NDArray): NDArray {
  const m = np.max(np.where(mask, np.stopGradient(x), -Infinity), { axis: -1, keepdims: true });
  return np.where(np.isfinite(m), m, 0);
}

/**
 * The normalized temperature-scaled cross-entropy loss NT-Xent (optax's `ntxent`). With
 * `c_ij` the cosine similarity of embeddings i and j divided by the temperature, each positive
 * pair (i, j) (same label, i ≠ j) contributes
 * `−log(e^{c_ij} / (e^{c_ij} + Σ_{k: label k ≠ label i} e^{c_ik}))`; the loss is their mean.
 * Norms are floored at √ε of the dtype (as optax), so a zero embedding gives no NaN.
 *
 * @param embeddings Float embeddings, shape `[batch, features]`.
 * @param labels int32 group labels, shape `[batch]`: equal labels mark positive pairs.
 * @param options `temperature` (0.07).
 * @returns The mean loss over the positive pairs, a scalar.
 * @throws {TypeError} For wrong shapes or dtypes, or unknown options.
 * @throws {RangeError} For a temperature that is not positive, or concrete labels with no
 *   positive pair (optax returns NaN there).
 *
 * @example
 * ```ts
 * import { losses, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const labels = np.array([0, 0, 1, 1], { dtype: "int32" });
 * const together = np.array([[1, 0], [1, 0.1], [0, 1], [0.1, 1]]);
 * const mixed = np.array([[1, 0], [0, 1], [1, 0.1], [0.1, 1]]);
 * const good = losses.ntxent(together, labels).item() as number;
 * const bad = losses.ntxent(mixed, labels).item() as number;
 * assert.ok(good < 0.01 && bad > 10);
 * ```
 */
export function ntxent(
  embeddings: NDArray,
  labels: NDArray,
  options: NtxentOptions = {},
): NDArray {
  const op = "ntxent";
  checkOptions(`losses.${op}`, options, ["temperature"]);
  checkArray(op, "embeddings", embeddings);
  checkArray(op, "labels", labels);
  checkFloat(op, "embeddings", embeddings);
  checkIntLabels(op, "labels", labels);
  if (embeddings.ndim !== 2 || labels.ndim !== 1 || labels.shape[0] !== embeddings.shape[0]) {
    throw new TypeError(
      `losses.${op}: embeddings need shape [batch, features] and labels shape [batch], got ` +
        `${fmtShape(embeddings.shape)} and ${fmtShape(labels.shape)}.`,
    );
  }
  const temperature = options.temperature ?? 0.07;
  if (typeof temperature !== "number" || !(temperature > 0) || !Number.isFinite(temperature)) {
    throw new RangeError(
      `losses.${op}: temperature must be a positive finite number, got ${temperature}.`,
    );
  }
  const n = labels.shape[0];
  const values = concreteValues(labels);
  if (values !== undefined && new Set(Array.from(values)).size === n) {
    throw new RangeError(
      `losses.${op}: no two embeddings share a label (labels ${
        JSON.stringify(Array.from(values))
      }), so there is no positive pair; give each positive pair the same label.`,
    );
  }
  const eps = embeddings.dtype === "float32" ? 2 ** -23 : 2 ** -52;
  // unit rows u_i = e_i / sqrt(max(‖e_i‖², ε)); c_ij = ⟨u_i, u_j⟩ / temperature
  const norms = np.sqrt(np.maximum(np.sum(embeddings.square(), { axis: -1, keepdims: true }), eps));
  const unit = embeddings.div(norms);
  const c = np.matmul(unit, unit.transpose([1, 0])).div(temperature);
  const sameLabel = np.equal(labels.expandDims(1), labels.expandDims(0));
  const positive = np.logicalAnd(sameLabel, np.logicalNot(np.eye(n, n, { dtype: "bool" })));
  const negative = np.logicalNot(sameLabel);
  const m = maskedRowMax(c, np.logicalOr(positive, negative));
  const shifted = c.sub(m);
  // log-softmax of c_ij against the negatives of row i
  const negSum = np.sum(np.where(negative, np.exp(np.where(negative, shifted, 0)), 0), {
    axis: -1,
    keepdims: true,
  });
  const safe = np.where(positive, shifted, 0);
  const logSoftmax = safe.sub(np.log(negSum.add(np.exp(safe))));
  const total = np.sum(np.where(positive, logSoftmax, 0));
  return total.neg().div(np.sum(positive.astype(embeddings.dtype)));
}

/**
 * The ranking softmax loss (optax's `ranking_softmax_loss`): per list,
 * `−Σ_i y_i log softmax(s)_i` over the last axis, where masked items (`where` false) are
 * left out of the softmax and of the sum, and `weights` multiply the labels.
 *
 * @param logits Item scores, shape `[..., listSize]`.
 * @param labels Relevance labels, the same shape.
 * @param options `where` (a bool mask), `weights`, and `reduction` (`"mean"` by default, as
 *   optax's `reduce_fn`: the mean over the lists that have a valid item).
 * @returns The reduced loss (a scalar), or one loss per list for `"none"`.
 * @throws {TypeError} For mismatched shapes, non-float logits, a non-bool mask or unknown options.
 *
 * @example
 * ```ts
 * import { losses, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * // one relevant item among two equal scores: log 2
 * const l = losses.rankingSoftmaxLoss(np.array([[0, 0]]), np.array([[1, 0]]));
 * assert.ok(Math.abs((l.item() as number) - Math.LN2) < 1e-6);
 * ```
 */
export function rankingSoftmaxLoss(
  logits: NDArray,
  labels: NDArray,
  options: RankingSoftmaxOptions = {},
): NDArray {
  const op = "rankingSoftmaxLoss";
  checkOptions(`losses.${op}`, options, ["where", "weights", "reduction"]);
  checkArray(op, "logits", logits);
  checkArray(op, "labels", labels);
  checkFloat(op, "logits", logits);
  if (logits.ndim === 0) {
    throw new TypeError(`losses.${op}: logits need a list axis (the last one), got a scalar.`);
  }
  checkSame(op, "logits", logits, "labels", labels);
  const reduction = checkReduction(op, options.reduction, "mean");
  const { where, weights } = options;
  let y = labels.astype(logits.dtype);
  if (weights !== undefined) {
    checkArray(op, "weights", weights);
    checkSame(op, "logits", logits, "weights", weights);
    y = y.mul(weights);
  }
  if (where === undefined) {
    // loss = −Σ_i y_i (s_i − logsumexp(s))
    const lse = np.logsumexp(logits, { axis: -1, keepdims: true });
    const perList = np.neg(np.sum(y.mul(logits.sub(lse)), { axis: -1 }));
    return reduction === "mean"
      ? np.mean(perList)
      : reduction === "sum"
      ? np.sum(perList)
      : perList;
  }
  checkArray(op, "where", where);
  if (where.dtype !== "bool") {
    throw new TypeError(
      `losses.${op}: where must be a bool mask, got dtype ${where.dtype}; build it with a ` +
        `comparison such as x.greater(0).`,
    );
  }
  checkSame(op, "logits", logits, "where", where);
  // log softmax over the valid items only: s_i − m − log Σ_valid e^{s_j − m}
  const m = maskedRowMax(logits, where);
  const shifted = np.where(where, logits.sub(m), 0);
  const sumExp = np.sum(np.where(where, np.exp(shifted), 0), { axis: -1, keepdims: true });
  const anyValid = np.any(where, { axis: -1, keepdims: true });
  const logSoftmax = shifted.sub(np.log(np.where(anyValid, sumExp, 1)));
  const perList = np.neg(np.sum(np.where(where, y.mul(logSoftmax), 0), { axis: -1 }));
  // a fully masked list: +0 (as optax)
  if (reduction === "none") return np.where(anyValid.squeeze(-1), perList, 0);
  if (reduction === "sum") return np.sum(perList);
  // the mean over the lists with a valid item; 0 when there is none
  const lists = np.sum(anyValid.astype(logits.dtype));
  return np.where(lists.greater(0), np.sum(perList).div(np.maximum(lists, 1)), 0);
}
