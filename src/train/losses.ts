/**
 * Loss functions, after optax's losses, written with `np` ops so that they
 * differentiate and trace like any user code. The cross-entropies work on
 * logits in numerically stable forms (logsumexp, `max(z, 0) + log1p(e^−|z|)`):
 * loss and gradient stay finite for logits of any magnitude.
 *
 * Every loss takes `(predictionsOrLogits, targets, { reduction })`:
 *
 * - `"none"` (the default, as optax returns) gives the per-example losses; take
 *   `.mean()` for a training objective. `meanSquaredError` and
 *   `meanAbsoluteError` default to `"mean"`, as their names promise
 *   (`squaredError` is optax's per-element form). For the element-wise losses
 *   (squared error, absolute error, Huber, hinge, sigmoid binary cross-entropy)
 *   that is one loss per element, shaped like the predictions; for the losses
 *   over a distribution (the softmax cross-entropies, KL divergence) the last
 *   (class) axis is summed away, leaving one loss per example of shape
 *   `predictions.shape.slice(0, -1)`.
 * - `"mean"` averages the per-example losses over all their elements: over the
 *   batch for the distribution losses, over every element for the element-wise ones.
 * - `"sum"` adds the per-example losses up.
 *
 * The structured losses (CTC, Dice, sparsemax and Fenchel–Young, NT-Xent, ranking softmax;
 * `_losses_*.ts`) return what optax returns too: NT-Xent and the generalized Dice loss are
 * scalars, `rankingSoftmaxLoss` averages over the lists by default, and the `reduction` of
 * `diceLoss` runs over the class axis, as optax's.
 *
 * @module
 */
import { checkNumber, checkOptions, requireArray } from "../core/_validate.ts";
import { DATA, type NDArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import { fmtShape } from "../core/_shape.ts";
import * as np from "../numpy/numpy.ts";
import { softplus } from "./nn.ts";

/** How a loss reduces its per-example losses: average them, add them, or return them as they are. */
export type Reduction = "mean" | "sum" | "none";

/** Options shared by every loss. */
export interface LossOptions {
  /** `"none"` returns the per-example losses (the default, except for the mean losses), `"mean"` averages them, `"sum"` adds them. */
  reduction?: Reduction;
}

function reduce(
  op: string,
  perExample: NDArray,
  options: { reduction?: Reduction },
  keys: readonly string[] = ["reduction"],
  byDefault: Reduction = "none",
): NDArray {
  checkOptions(`losses.${op}`, options, keys);
  const reduction = options.reduction;
  switch (reduction ?? byDefault) {
    case "mean":
      return np.mean(perExample);
    case "sum":
      return np.sum(perExample);
    case "none":
      return perExample;
    default:
      throw new TypeError(
        `losses.${op}: reduction must be "mean", "sum" or "none", got ${
          JSON.stringify(reduction)
        }.`,
      );
  }
}

function checkSameShape(op: string, a: NDArray, b: NDArray, what = "targets"): void {
  requireArray(`losses.${op}`, "the first argument", a);
  requireArray(`losses.${op}`, what, b);
  const same = a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
  if (!same) {
    throw new TypeError(
      `losses.${op}: predictions have shape ${fmtShape(a.shape)} but ${what} have shape ` +
        `${fmtShape(b.shape)}; they must match (reshape or one-hot encode the ${what}).`,
    );
  }
}

function checkHasClassAxis(op: string, logits: NDArray): void {
  requireArray(`losses.${op}`, "logits", logits);
  if (logits.ndim === 0) {
    throw new TypeError(
      `losses.${op}: logits need a class axis (the last one), got a scalar; pass shape [..., classes].`,
    );
  }
}

/** −log softmax over the last axis: logsumexp(z) − z (≥ 0, so a perfect fit gives +0). */
function negLogSoftmax(z: NDArray): NDArray {
  return np.logsumexp(z, { axis: -1, keepdims: true }).sub(z);
}

/**
 * Softmax cross-entropy between logits and target distributions (one-hot or
 * any probabilities) over the last axis: `−Σ_c y_c · log softmax(z)_c`,
 * computed as `Σ_c y_c · (logsumexp(z) − z_c)`. Its gradient is
 * `softmax(z) · Σ y − y` (divided by the batch size under `"mean"`).
 *
 * @param logits Unnormalized log-probabilities, shape `[..., classes]`.
 * @param labels Target probabilities, the same shape.
 * @param options `reduction` (`"none"` by default: one loss per example, as optax).
 * @returns The loss: a scalar, or one loss per example (`logits.shape` without the last axis).
 *
 * @example
 * ```ts
 * import { losses, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const logits = np.array([[0, 0], [1e4, -1e4]]);
 * const labels = np.array([[1, 0], [1, 0]]);
 * const perExample = losses.softmaxCrossEntropy(logits, labels, { reduction: "none" });
 * assert.ok(Math.abs((perExample.toArray() as number[])[0] - Math.LN2) < 1e-6);
 * assert.equal((perExample.toArray() as number[])[1], 0);
 * ```
 */
export function softmaxCrossEntropy(
  logits: NDArray,
  labels: NDArray,
  options: LossOptions = {},
): NDArray {
  checkHasClassAxis("softmaxCrossEntropy", logits);
  checkSameShape("softmaxCrossEntropy", logits, labels, "labels");
  // loss = −Σ_c y_c log softmax(z)_c = Σ_c y_c (logsumexp(z) − z_c)
  const perExample = np.sum(labels.mul(negLogSoftmax(logits)), { axis: -1 });
  return reduce("softmaxCrossEntropy", perExample, options);
}

/**
 * Softmax cross-entropy against integer class labels: `logsumexp(z) − z_label`.
 * The label's logit is picked with a one-hot mask built by comparing the labels
 * with `np.arange(classes)`, so the gradient is exactly `softmax(z) − onehot`
 * (divided by the batch size under `"mean"`) with no scatter.
 *
 * @param logits Unnormalized log-probabilities, shape `[..., classes]`.
 * @param labels int32 class indices in `[0, classes)`, shape `logits.shape` without the last axis.
 * @param options `reduction` (`"none"` by default: one loss per example, as optax).
 * @returns The loss: a scalar, or one loss per example (the labels' shape).
 * @throws {TypeError} When labels are not int32 or their shape does not fit the logits.
 * @throws {RangeError} When a concrete label is outside `[0, classes)`.
 *
 * @example
 * ```ts
 * import { losses, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const logits = np.array([[0, 0, 0], [0, 10, 0]]);
 * const labels = np.array([1, 1], { dtype: "int32" });
 * const l = losses.softmaxCrossEntropyWithIntegerLabels(logits, labels, { reduction: "none" });
 * assert.ok(Math.abs((l.toArray() as number[])[0] - Math.log(3)) < 1e-6);
 * ```
 */
export function softmaxCrossEntropyWithIntegerLabels(
  logits: NDArray,
  labels: NDArray,
  options: LossOptions = {},
): NDArray {
  const op = "softmaxCrossEntropyWithIntegerLabels";
  checkHasClassAxis(op, logits);
  requireArray(`losses.${op}`, "labels", labels);
  if (labels.dtype !== "int32") {
    throw new TypeError(
      `losses.${op}: labels must be int32 class indices, got dtype ${labels.dtype}; use ` +
        `astype("int32"), or softmaxCrossEntropy for probability targets.`,
    );
  }
  const batch = logits.shape.slice(0, -1);
  if (labels.ndim !== batch.length || labels.shape.some((d, i) => d !== batch[i])) {
    throw new TypeError(
      `losses.${op}: logits have shape ${fmtShape(logits.shape)}, so labels need shape ` +
        `${fmtShape(batch)} (one class index per example), but they have shape ` +
        `${fmtShape(labels.shape)}.`,
    );
  }
  const classes = logits.shape[logits.ndim - 1];
  if (labels instanceof ArrayValue) {
    for (const v of labels[DATA]) {
      if (v < 0 || v >= classes) {
        throw new RangeError(
          `losses.${op}: label ${v} is out of range for ${classes} classes (logits shape ` +
            `${fmtShape(logits.shape)}); labels must lie in [0, ${classes}).`,
        );
      }
    }
  }
  // onehot_c = [label == c]; loss = logsumexp(z) − Σ_c [onehot_c] z_c, picked with a select
  // so that a −∞ logit of another class adds 0, not 0 · (−∞) = NaN
  const onehot = np.equal(np.expandDims(labels, -1), np.arange(classes));
  const picked = np.sum(np.where(onehot, logits, 0), { axis: -1 });
  const perExample = np.logsumexp(logits, { axis: -1 }).sub(picked);
  return reduce(op, perExample, options);
}

/**
 * Sigmoid (logistic) binary cross-entropy on logits, element-wise:
 * `−y log σ(z) − (1 − y) log(1 − σ(z))`, computed stably as
 * `max(z, 0) − z·y + log1p(e^−|z|)`. Its gradient is `σ(z) − y`.
 *
 * @param logits Logits, any shape.
 * @param labels Target probabilities in [0, 1], the same shape.
 * @param options `reduction` (`"none"` by default: one loss per element, as optax).
 * @returns The loss: a scalar, or one loss per element.
 *
 * @example
 * ```ts
 * import { losses, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const l = losses.sigmoidBinaryCrossEntropy(np.array([0, 1e4]), np.array([1, 1]), {
 *   reduction: "none",
 * });
 * assert.ok(Math.abs((l.toArray() as number[])[0] - Math.LN2) < 1e-6);
 * assert.equal((l.toArray() as number[])[1], 0);
 * ```
 */
export function sigmoidBinaryCrossEntropy(
  logits: NDArray,
  labels: NDArray,
  options: LossOptions = {},
): NDArray {
  checkSameShape("sigmoidBinaryCrossEntropy", logits, labels, "labels");
  // loss = softplus(z) − z·y, softplus(z) = max(z, 0) + log1p(exp(−|z|)); d/dz = σ(z) − y
  const perElement = softplus(logits).sub(logits.mul(labels));
  return reduce("sigmoidBinaryCrossEntropy", perElement, options);
}

/**
 * Squared error `(p − t)²`, element-wise, averaged over all elements by default
 * (the mean of optax's `squared_error`, which is `losses.squaredError`).
 *
 * @param predictions Predictions, any shape.
 * @param targets Targets, the same shape.
 * @param options `reduction` (`"mean"` by default, as the name says).
 * @returns The loss: a scalar, or one loss per element.
 *
 * @example
 * ```ts
 * import { losses, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * assert.equal(losses.meanSquaredError(np.array([1, 2]), np.array([0, 4])).item(), 2.5);
 * ```
 */
export function meanSquaredError(
  predictions: NDArray,
  targets: NDArray,
  options: LossOptions = {},
): NDArray {
  checkSameShape("meanSquaredError", predictions, targets);
  return reduce(
    "meanSquaredError",
    np.square(predictions.sub(targets)),
    options,
    ["reduction"],
    "mean",
  );
}

/**
 * Absolute error `|p − t|`, element-wise, averaged over all elements by default.
 *
 * @param predictions Predictions, any shape.
 * @param targets Targets, the same shape.
 * @param options `reduction` (`"mean"` by default, as the name says).
 * @returns The loss: a scalar, or one loss per element.
 *
 * @example
 * ```ts
 * import { losses, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * assert.equal(losses.meanAbsoluteError(np.array([1, 2]), np.array([0, 4])).item(), 1.5);
 * ```
 */
export function meanAbsoluteError(
  predictions: NDArray,
  targets: NDArray,
  options: LossOptions = {},
): NDArray {
  checkSameShape("meanAbsoluteError", predictions, targets);
  return reduce(
    "meanAbsoluteError",
    np.abs(predictions.sub(targets)),
    options,
    ["reduction"],
    "mean",
  );
}

/** Options of {@link huberLoss}. */
export interface HuberOptions extends LossOptions {
  /** Where the loss turns from quadratic to linear; 1 by default (must be positive). */
  delta?: number;
}

/**
 * Huber loss, element-wise, with `e = |p − t|`: `½ e²` for `e ≤ delta`,
 * `delta · (e − ½ delta)` beyond (quadratic near zero, linear in the tails).
 *
 * @param predictions Predictions, any shape.
 * @param targets Targets, the same shape.
 * @param options `delta` (default 1) and `reduction` (`"none"` by default: one loss per element, as optax).
 * @returns The loss: a scalar, or one loss per element.
 *
 * @example
 * ```ts
 * import { losses, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const l = losses.huberLoss(np.array([0.5, 3]), np.array([0, 0]), { reduction: "none" });
 * assert.deepEqual(l.toArray(), [0.125, 2.5]);
 * ```
 */
export function huberLoss(
  predictions: NDArray,
  targets: NDArray,
  options: HuberOptions = {},
): NDArray {
  const delta = options.delta ?? 1;
  if (!(delta > 0) || !Number.isFinite(delta)) {
    throw new RangeError(`losses.huberLoss: delta must be a positive number, got ${delta}.`);
  }
  checkSameShape("huberLoss", predictions, targets);
  const e = np.abs(predictions.sub(targets));
  // q = min(e, δ), l = e − q: loss = ½ q² + δ l (= ½ e² inside, δ(e − ½δ) outside)
  const q = np.minimum(e, delta);
  const perElement = q.square().mul(0.5).add(e.sub(q).mul(delta));
  return reduce("huberLoss", perElement, options, ["reduction", "delta"]);
}

/**
 * Kullback–Leibler divergence KL(targets ‖ predictions) over the last axis,
 * with optax's argument order: predictions come as log-probabilities,
 * targets as probabilities. Per example `Σ_c t_c (log t_c − logp_c)`, where
 * terms with `t_c = 0` count as 0.
 *
 * @param logPredictions Log-probabilities (e.g. a log-softmax), shape `[..., classes]`.
 * @param targets Probabilities, the same shape.
 * @param options `reduction` (`"none"` by default: one loss per example, as optax).
 * @returns The loss: a scalar, or one loss per example (without the last axis).
 *
 * @example
 * ```ts
 * import { losses, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const logP = np.log(np.array([0.5, 0.5]));
 * const t = np.array([1, 0]);
 * assert.ok(Math.abs((losses.klDivergence(logP, t).item() as number) - Math.LN2) < 1e-6);
 * ```
 */
export function klDivergence(
  logPredictions: NDArray,
  targets: NDArray,
  options: LossOptions = {},
): NDArray {
  checkHasClassAxis("klDivergence", logPredictions);
  checkSameShape("klDivergence", logPredictions, targets);
  // t log t with 0 log 0 = 0: log of a safe 1 where t = 0, so no −∞ reaches the gradient
  const positive = targets.greater(0);
  const logT = np.log(np.where(positive, targets, 1));
  const perClass = np.where(positive, targets.mul(logT.sub(logPredictions)), 0);
  return reduce("klDivergence", np.sum(perClass, { axis: -1 }), options);
}

/**
 * Hinge loss for ±1 targets, element-wise: `max(0, 1 − t·p)`.
 *
 * @param predictions Raw scores (margins), any shape.
 * @param targets Targets in {−1, +1}, the same shape.
 * @param options `reduction` (`"none"` by default: one loss per element, as optax).
 * @returns The loss: a scalar, or one loss per element.
 *
 * @example
 * ```ts
 * import { losses, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const l = losses.hingeLoss(np.array([2, 0.5, -1]), np.array([1, 1, 1]), { reduction: "none" });
 * assert.deepEqual(l.toArray(), [0, 0.5, 2]);
 * ```
 */
export function hingeLoss(
  predictions: NDArray,
  targets: NDArray,
  options: LossOptions = {},
): NDArray {
  checkSameShape("hingeLoss", predictions, targets);
  return reduce(
    "hingeLoss",
    np.maximum(predictions.mul(targets).neg().add(1), 0),
    options,
  );
}

/**
 * Label smoothing: mixes one-hot (or probability) labels with the uniform
 * distribution over the last axis, `(1 − alpha) · labels + alpha / classes`.
 *
 * @param labels Probabilities over the last axis, shape `[..., classes]`.
 * @param alpha The smoothing weight in [0, 1].
 * @returns The smoothed labels, the same shape.
 *
 * @example
 * ```ts
 * import { losses, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(losses.smoothLabels(np.array([0, 1]), 0.5).toArray(), [0.25, 0.75]);
 * ```
 */
export function smoothLabels(labels: NDArray, alpha: number): NDArray {
  requireArray("losses.smoothLabels", "labels", labels);
  if (labels.ndim === 0) {
    throw new TypeError(
      `losses.smoothLabels: labels need a class axis (the last one), got a scalar.`,
    );
  }
  checkNumber("losses.smoothLabels", "alpha", alpha);
  if (!(alpha >= 0 && alpha <= 1)) {
    throw new RangeError(`losses.smoothLabels: alpha must lie in [0, 1], got ${alpha}.`);
  }
  const classes = labels.shape[labels.ndim - 1];
  // y' = (1 − α) y + α / K
  const out = labels.mul(1 - alpha).add(alpha / classes);
  return out;
}

export * from "./_losses_more.ts";
export * from "./_losses_ctc.ts";
export * from "./_losses_fenchel.ts";
export * from "./_losses_ranking.ts";
export * from "./_losses_dice.ts";
export * from "./_losses_poisson.ts";
