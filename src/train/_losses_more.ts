/**
 * More of optax's losses, each returning what optax returns (per-element or
 * per-example values; take `.mean()` for an objective), with the same
 * `reduction` option as the losses in `losses.ts`. Written with `np` ops, so
 * they differentiate, trace and batch. Re-exported by `losses.ts`.
 *
 * @module
 */
import type { NDArray } from "../core/_ndarray.ts";
import { fmtShape } from "../core/_shape.ts";
import * as np from "../numpy/numpy.ts";
import { checkOptions, requireArray } from "../core/_validate.ts";
import { logSigmoid } from "./_nn_activations.ts";
import { softplus } from "./nn.ts";

/** How a loss reduces its per-example losses (as in `losses.ts`). */
type Reduction = "mean" | "sum" | "none";

/** The `reduction` option. */
export interface ReductionOptions {
  /** `"none"` (default) returns per-example values, `"mean"` averages, `"sum"` adds. */
  reduction?: Reduction;
}

function reduce(
  op: string,
  x: NDArray,
  options: ReductionOptions,
  extra: readonly string[] = [],
): NDArray {
  checkOptions(`losses.${op}`, options, ["reduction", ...extra]);
  const reduction = options.reduction;
  switch (reduction ?? "none") {
    case "none":
      return x;
    case "mean":
      return np.mean(x);
    case "sum":
      return np.sum(x);
    default:
      throw new TypeError(
        `losses.${op}: reduction must be "mean", "sum" or "none", got ${
          JSON.stringify(reduction)
        }.`,
      );
  }
}

function same(op: string, a: NDArray, b: NDArray, what = "targets"): void {
  requireArray(`losses.${op}`, "the first argument", a);
  requireArray(`losses.${op}`, what, b);
  if (a.ndim !== b.ndim || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new TypeError(
      `losses.${op}: predictions have shape ${fmtShape(a.shape)} but ${what} have shape ` +
        `${fmtShape(b.shape)}; they must match.`,
    );
  }
}

function classAxis(op: string, x: NDArray): void {
  requireArray(`losses.${op}`, "the first argument", x);
  if (x.ndim === 0) {
    throw new TypeError(`losses.${op}: needs a class axis (the last one), got a scalar.`);
  }
}

/** The error p − t (or p alone when `targets` is omitted), shapes checked. */
function errors(op: string, predictions: NDArray, targets?: NDArray): NDArray {
  requireArray(`losses.${op}`, "predictions", predictions);
  if (targets === undefined) return predictions;
  same(op, predictions, targets);
  return predictions.sub(targets);
}

/** log softmax over the last axis. */
function logSoftmax(z: NDArray): NDArray {
  return z.sub(np.logsumexp(z, { axis: -1, keepdims: true }));
}

/** One-hot rows for int32 labels over `classes`. */
function oneHotLabels(op: string, labels: NDArray, scores: NDArray): NDArray {
  requireArray(`losses.${op}`, "labels", labels);
  if (labels.dtype !== "int32") {
    throw new TypeError(`losses.${op}: labels must be int32 class indices, got ${labels.dtype}.`);
  }
  const k = scores.shape[scores.ndim - 1];
  return np.equal(np.expandDims(labels, -1), np.arange(k)).astype(scores.dtype);
}

/**
 * Squared error (p − t)², element-wise (optax's `squared_error`).
 *
 * @param predictions Predictions.
 * @param targets Targets of the same shape (omit to square the predictions).
 * @param options `reduction`.
 * @returns One value per element (or their mean/sum).
 *
 * @example
 * ```ts
 * import { losses, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(losses.squaredError(np.array([1, 2]), np.array([0, 4])).toArray(), [1, 4]);
 * ```
 */
export function squaredError(
  predictions: NDArray,
  targets?: NDArray,
  options: ReductionOptions = {},
): NDArray {
  return reduce(
    "squaredError",
    np.square(errors("squaredError", predictions, targets)),
    options,
  );
}

/**
 * Half the squared error, ½(p − t)², element-wise (optax's `l2_loss`).
 *
 * @param predictions Predictions.
 * @param targets Targets of the same shape (omit for ½p²).
 * @param options `reduction`.
 * @returns One value per element.
 *
 * @example
 * ```ts
 * import { losses, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(losses.l2Loss(np.array([2]), np.array([0])).toArray(), [2]);
 * ```
 */
export function l2Loss(
  predictions: NDArray,
  targets?: NDArray,
  options: ReductionOptions = {},
): NDArray {
  return reduce(
    "l2Loss",
    np.square(errors("l2Loss", predictions, targets)).mul(0.5),
    options,
  );
}

/**
 * log cosh(p − t), element-wise, as logaddexp(e, −e) − log 2 (stable for large errors).
 *
 * @param predictions Predictions.
 * @param targets Targets of the same shape (omit for log cosh p).
 * @param options `reduction`.
 * @returns One value per element.
 *
 * @example
 * ```ts
 * import { losses, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const l = losses.logCosh(np.array([0, 1000]), np.array([0, 0])).toArray() as number[];
 * assert.equal(l[0], 0);
 * assert.ok(Math.abs(l[1] - (1000 - Math.LN2)) < 1e-3);
 * ```
 */
export function logCosh(
  predictions: NDArray,
  targets?: NDArray,
  options: ReductionOptions = {},
): NDArray {
  const e = errors("logCosh", predictions, targets);
  // log cosh e = log((e^e + e^−e)/2) = |e| + log1p(e^(−2|e|)) − log 2
  const a = np.abs(e);
  return reduce("logCosh", a.add(np.log1p(np.exp(a.mul(-2)))).sub(Math.LN2), options);
}

/**
 * Cosine similarity along the last axis: Σ(p/‖p‖)(t/‖t‖), norms floored at √epsilon.
 *
 * @param predictions Vectors, shape [..., d].
 * @param targets Vectors of the same shape.
 * @param options `epsilon` (0) and `reduction`.
 * @returns One value per vector.
 *
 * @example
 * ```ts
 * import { losses, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(losses.cosineSimilarity(np.array([[1, 0]]), np.array([[2, 0]])).toArray(), [1]);
 * ```
 */
export function cosineSimilarity(
  predictions: NDArray,
  targets: NDArray,
  options: ReductionOptions & { epsilon?: number } = {},
): NDArray {
  same("cosineSimilarity", predictions, targets);
  classAxis("cosineSimilarity", predictions);
  const eps = options.epsilon ?? 0;
  const unit = (x: NDArray) =>
    x.div(np.sqrt(np.maximum(np.sum(np.square(x), { axis: -1, keepdims: true }), eps)));
  return reduce(
    "cosineSimilarity",
    np.sum(unit(predictions).mul(unit(targets)), { axis: -1 }),
    options,
    ["epsilon"],
  );
}

/**
 * Cosine distance, 1 − cosine similarity, along the last axis.
 *
 * @param predictions Vectors, shape [..., d].
 * @param targets Vectors of the same shape.
 * @param options `epsilon` (0) and `reduction`.
 * @returns One value per vector.
 *
 * @example
 * ```ts
 * import { losses, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(losses.cosineDistance(np.array([[1, 0]]), np.array([[0, 3]])).toArray(), [1]);
 * ```
 */
export function cosineDistance(
  predictions: NDArray,
  targets: NDArray,
  options: ReductionOptions & { epsilon?: number } = {},
): NDArray {
  same("cosineDistance", predictions, targets);
  classAxis("cosineDistance", predictions);
  const sim = cosineSimilarity(
    predictions,
    targets,
    options.epsilon === undefined ? {} : { epsilon: options.epsilon },
  );
  return reduce("cosineDistance", np.sub(1, sim), options, ["epsilon"]);
}

/**
 * Sigmoid focal loss (Lin et al. 2017): the sigmoid binary cross-entropy times
 * (1 − p_t)^gamma, optionally weighted by alpha for positives and 1 − alpha for
 * negatives; element-wise.
 *
 * @param logits Logits.
 * @param labels Targets in [0, 1], the same shape.
 * @param options `alpha` (none), `gamma` (2), `reduction`.
 * @returns One value per element.
 *
 * @example
 * ```ts
 * import { losses, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * // a confident right answer costs almost nothing
 * assert.ok((losses.sigmoidFocalLoss(np.array([5]), np.array([1])).item() as number) < 1e-5);
 * ```
 */
export function sigmoidFocalLoss(
  logits: NDArray,
  labels: NDArray,
  options: ReductionOptions & { alpha?: number; gamma?: number } = {},
): NDArray {
  same("sigmoidFocalLoss", logits, labels, "labels");
  const gamma = options.gamma ?? 2;
  const y = labels.astype(logits.dtype);
  // ce = softplus(z) − z y; softplus's kinks are selects, so d ce/dz = σ(z) − y at z = 0 too
  const ce = softplus(logits).sub(logits.mul(y));
  // log(1 − p_t) = log((1 − y)·p + y·(1 − p)), from log σ(z) and log σ(−z)
  const logP = logSigmoid(logits), logQ = logSigmoid(logits.neg());
  const m = np.maximum(logP, logQ);
  const logOneMinusPt = np.log(
    np.exp(logP.sub(m)).mul(np.sub(1, y)).add(np.exp(logQ.sub(m)).mul(y)),
  ).add(m);
  let loss = ce.mul(np.exp(logOneMinusPt.mul(gamma)));
  if (options.alpha !== undefined) {
    const a = options.alpha;
    loss = y.mul(a).add(np.sub(1, y).mul(1 - a)).mul(loss);
  }
  return reduce("sigmoidFocalLoss", loss, options, ["alpha", "gamma"]);
}

/**
 * KL divergence with log-space targets, Σ e^(log t)(log t − log p) over the last axis.
 *
 * @param logPredictions Log-probabilities, shape [..., classes].
 * @param logTargets Log-probabilities of the targets, the same shape.
 * @param options `reduction`.
 * @returns One value per example.
 *
 * @example
 * ```ts
 * import { losses, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const lp = np.log(np.array([[0.5, 0.5]]));
 * assert.deepEqual(losses.klDivergenceWithLogTargets(lp, lp).toArray(), [0]);
 * ```
 */
export function klDivergenceWithLogTargets(
  logPredictions: NDArray,
  logTargets: NDArray,
  options: ReductionOptions = {},
): NDArray {
  same("klDivergenceWithLogTargets", logPredictions, logTargets);
  classAxis("klDivergenceWithLogTargets", logPredictions);
  const per = np.exp(logTargets).mul(logTargets.sub(logPredictions));
  return reduce("klDivergenceWithLogTargets", np.sum(per, { axis: -1 }), options);
}

/**
 * The generalized (convex) KL divergence for unnormalized measures:
 * Σ [t (log t − log p) + p − t] over the last axis (0·log 0 = 0). optax calls
 * it both `convex_kl_divergence` and `generalized_kl_divergence`.
 *
 * @param logPredictions Log of the predicted measure, shape [..., classes].
 * @param targets The target measure (≥ 0), the same shape.
 * @param options `reduction`.
 * @returns One value per example.
 *
 * @example
 * ```ts
 * import { losses, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = np.array([[2, 1]]);
 * assert.deepEqual(losses.convexKlDivergence(np.log(t), t).toArray(), [0]);
 * ```
 */
export function convexKlDivergence(
  logPredictions: NDArray,
  targets: NDArray,
  options: ReductionOptions = {},
): NDArray {
  return convexKl("convexKlDivergence", logPredictions, targets, options);
}

/** Σ t (log t − log p) + p − t over the last axis, with errors naming `op`. */
function convexKl(
  op: string,
  logPredictions: NDArray,
  targets: NDArray,
  options: ReductionOptions,
): NDArray {
  same(op, logPredictions, targets);
  classAxis(op, logPredictions);
  const safeLogT = np.log(np.where(np.equal(targets, 0), 1, targets));
  const kl = targets.mul(safeLogT.sub(logPredictions));
  const per = kl.add(np.exp(logPredictions)).sub(targets);
  return reduce(op, np.sum(per, { axis: -1 }), options);
}

/**
 * The generalized KL divergence (the same as {@link convexKlDivergence}).
 *
 * @param logPredictions Log of the predicted measure.
 * @param targets The target measure.
 * @param options `reduction`.
 * @returns One value per example.
 *
 * @example
 * ```ts
 * import { losses, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = np.array([[2, 1]]);
 * assert.deepEqual(losses.generalizedKlDivergence(np.log(t), t).toArray(), [0]);
 * ```
 */
export function generalizedKlDivergence(
  logPredictions: NDArray,
  targets: NDArray,
  options: ReductionOptions = {},
): NDArray {
  return convexKl("generalizedKlDivergence", logPredictions, targets, options);
}

/**
 * Softmax cross-entropy that stays finite when a logit is −∞ where its label is
 * 0: −Σ_c [y_c ≠ 0] y_c log softmax(z)_c over the last axis.
 *
 * @param logits Logits (may contain −Infinity), shape [..., classes].
 * @param labels Target probabilities, the same shape.
 * @param options `reduction`.
 * @returns One value per example.
 *
 * @example
 * ```ts
 * import { losses, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const l = losses.safeSoftmaxCrossEntropy(np.array([[0, -Infinity]]), np.array([[1, 0]]));
 * assert.equal(Math.abs((l.toArray() as number[])[0]), 0);
 * ```
 */
export function safeSoftmaxCrossEntropy(
  logits: NDArray,
  labels: NDArray,
  options: ReductionOptions = {},
): NDArray {
  same("safeSoftmaxCrossEntropy", logits, labels, "labels");
  classAxis("safeSoftmaxCrossEntropy", logits);
  const weighted = np.where(np.equal(labels, 0), 0, labels.mul(logSoftmax(logits)));
  return reduce(
    "safeSoftmaxCrossEntropy",
    np.neg(np.sum(weighted, { axis: -1 })),
    options,
  );
}

/**
 * PolyLoss (Leng et al. 2022): softmax cross-entropy + epsilon · Σ y(1 − softmax(z)).
 *
 * @param logits Logits, shape [..., classes].
 * @param labels Target probabilities, the same shape.
 * @param options `epsilon` (2), `reduction`.
 * @returns One value per example.
 *
 * @example
 * ```ts
 * import { losses, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const l = losses.polyLossCrossEntropy(np.array([[0, 0]]), np.array([[1, 0]]), { epsilon: 0 });
 * assert.ok(Math.abs((l.toArray() as number[])[0] - Math.LN2) < 1e-6);
 * ```
 */
export function polyLossCrossEntropy(
  logits: NDArray,
  labels: NDArray,
  options: ReductionOptions & { epsilon?: number } = {},
): NDArray {
  same("polyLossCrossEntropy", logits, labels, "labels");
  classAxis("polyLossCrossEntropy", logits);
  const ls = logSoftmax(logits);
  const ce = np.neg(np.sum(labels.mul(ls), { axis: -1 }));
  const oneMinusPt = np.sum(labels.mul(np.sub(1, np.exp(ls))), { axis: -1 });
  return reduce(
    "polyLossCrossEntropy",
    ce.add(oneMinusPt.mul(options.epsilon ?? 2)),
    options,
    ["epsilon"],
  );
}

/**
 * Multiclass hinge loss: max_c(s_c + 1 − [c = y]) − s_y.
 *
 * @param scores Scores, shape [..., classes].
 * @param labels int32 class indices, shape [...].
 * @param options `reduction`.
 * @returns One value per example.
 *
 * @example
 * ```ts
 * import { losses, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const l = losses.multiclassHingeLoss(np.array([[3, 0]]), np.array([0], { dtype: "int32" }));
 * assert.deepEqual(l.toArray(), [0]);
 * ```
 */
export function multiclassHingeLoss(
  scores: NDArray,
  labels: NDArray,
  options: ReductionOptions = {},
): NDArray {
  classAxis("multiclassHingeLoss", scores);
  const oh = oneHotLabels("multiclassHingeLoss", labels, scores);
  const per = np.max(scores.add(1).sub(oh), { axis: -1 }).sub(np.sum(scores.mul(oh), { axis: -1 }));
  return reduce("multiclassHingeLoss", per, options);
}

/**
 * Multiclass perceptron loss: max_c s_c − s_y.
 *
 * @param scores Scores, shape [..., classes].
 * @param labels int32 class indices, shape [...].
 * @param options `reduction`.
 * @returns One value per example.
 *
 * @example
 * ```ts
 * import { losses, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const l = losses.multiclassPerceptronLoss(np.array([[3, 1]]), np.array([1], { dtype: "int32" }));
 * assert.deepEqual(l.toArray(), [2]);
 * ```
 */
export function multiclassPerceptronLoss(
  scores: NDArray,
  labels: NDArray,
  options: ReductionOptions = {},
): NDArray {
  classAxis("multiclassPerceptronLoss", scores);
  const oh = oneHotLabels("multiclassPerceptronLoss", labels, scores);
  const per = np.max(scores, { axis: -1 }).sub(np.sum(scores.mul(oh), { axis: -1 }));
  return reduce("multiclassPerceptronLoss", per, options);
}

/**
 * Perceptron loss for ±1 targets, element-wise: max(0, −p·t).
 *
 * @param predictions Scores.
 * @param targets Targets in {−1, +1}, the same shape.
 * @param options `reduction`.
 * @returns One value per element.
 *
 * @example
 * ```ts
 * import { losses, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(losses.perceptronLoss(np.array([2, -1]), np.array([1, 1])).toArray(), [0, 1]);
 * ```
 */
export function perceptronLoss(
  predictions: NDArray,
  targets: NDArray,
  options: ReductionOptions = {},
): NDArray {
  same("perceptronLoss", predictions, targets);
  return reduce("perceptronLoss", np.maximum(predictions.mul(targets).neg(), 0), options);
}

/**
 * Triplet margin loss: max(‖a − p‖ − ‖a − n‖ + margin, 0), with the distances
 * (Σ|·|^q + eps)^(1/q) along the last axis.
 *
 * @param anchors Anchors, shape [..., d].
 * @param positives Positives, the same shape.
 * @param negatives Negatives, the same shape.
 * @param options `normDegree` q (2), `margin` (1), `eps` (1e-6), `reduction`.
 * @returns One value per triplet.
 *
 * @example
 * ```ts
 * import { losses, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const a = np.array([[0, 0]]);
 * const l = losses.tripletMarginLoss(a, np.array([[0, 0]]), np.array([[10, 0]]));
 * assert.deepEqual(l.toArray(), [0]);
 * ```
 */
export function tripletMarginLoss(
  anchors: NDArray,
  positives: NDArray,
  negatives: NDArray,
  options: ReductionOptions & { normDegree?: number; margin?: number; eps?: number } = {},
): NDArray {
  same("tripletMarginLoss", anchors, positives, "positives");
  same("tripletMarginLoss", anchors, negatives, "negatives");
  const q = options.normDegree ?? 2, margin = options.margin ?? 1, eps = options.eps ?? 1e-6;
  const dist = (d: NDArray) => np.pow(np.sum(np.pow(d, q), { axis: -1 }).add(eps), 1 / q);
  const per = np.maximum(
    dist(anchors.sub(positives)).sub(dist(anchors.sub(negatives))).add(margin),
    0,
  );
  return reduce("tripletMarginLoss", per, options, ["normDegree", "margin", "eps"]);
}
