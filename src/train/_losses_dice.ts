/**
 * Dice losses for segmentation, as optax: the soft Dice / Tversky loss per class (Milletari et
 * al. 2016), its binary form, and the generalized Dice loss that weights classes by their
 * inverse squared frequency (Sudre et al. 2017).
 *
 * For class c, with p the predicted probabilities and t the targets summed over the spatial
 * axes (I = Σ p·t, P = Σ p, T = Σ t):
 * `dice_c = 1 − (I + smooth) / (I + α(P − I) + β(T − I) + smooth)`;
 * α = β = ½ is the usual Dice coefficient, other values the Tversky index.
 *
 * @module
 */
import { checkBool, checkFinite, checkInt, checkOptions } from "../core/_validate.ts";
import type { NDArray } from "../core/_ndarray.ts";
import { fmtShape } from "../core/_shape.ts";
import * as np from "../numpy/numpy.ts";
import {
  checkArray,
  checkFloat,
  checkReduction,
  checkSame,
  concreteValues,
  logSoftmax,
  type Reduction,
} from "./_losses_util.ts";

/** Options of {@link diceLoss}. */
export interface DiceOptions {
  /** Per-class weights, shape `[classes]` (all 1 by default). */
  classWeights?: NDArray;
  /** Added to the numerator and the denominator (1 by default). */
  smooth?: number;
  /** The weight of false positives (0.5 by default). */
  alpha?: number;
  /** The weight of false negatives (0.5 by default). */
  beta?: number;
  /**
   * Turn logits into probabilities first (true by default): softmax over the class axis, or a
   * sigmoid when there is one channel. With false the predictions must be probabilities.
   */
  applySoftmax?: boolean;
  /** Over the class axis: `"mean"` (default, as optax), `"sum"`, or `"none"` (one loss per class). */
  reduction?: Reduction;
  /** Leave class 0 out (false by default; no effect with one channel). */
  ignoreBackground?: boolean;
  /** The axes summed over (all but the first and the last by default). */
  axis?: number | readonly number[];
}

/** Options of {@link binaryDiceLoss}. */
export interface BinaryDiceOptions {
  /** Added to the numerator and the denominator (1 by default). */
  smooth?: number;
  /** Apply a sigmoid to the predictions first (true by default); false: probabilities in [0, 1]. */
  applySigmoid?: boolean;
  /** Over the examples: `"none"` (default, as optax), `"mean"` or `"sum"`. */
  reduction?: Reduction;
}

/** Options of {@link multiclassGeneralizedDiceLoss}. */
export interface GeneralizedDiceOptions {
  /** Added to the numerator and the denominator (1 by default). */
  smooth?: number;
  /** Apply a softmax over the class axis first (true by default). */
  applySoftmax?: boolean;
  /** Leave class 0 out (false by default). */
  ignoreBackground?: boolean;
}

interface DiceSettings {
  classWeights?: NDArray;
  smooth: number;
  alpha: number;
  beta: number;
  applySoftmax: boolean;
  reduction: Reduction;
  ignoreBackground: boolean;
  axis?: number | readonly number[];
}

/** Checks that concrete probabilities are valid: rows summing to 1, or in [0, 1] for one channel. */
function checkProbabilities(op: string, p: NDArray): void {
  const v = concreteValues(p);
  if (v === undefined) return;
  const c = p.shape[p.ndim - 1];
  for (let row = 0; row * c < v.length; row++) {
    let s = 0;
    for (let j = 0; j < c; j++) s += v[row * c + j];
    const bad = c === 1 ? !(s >= 0 && s <= 1) : !(Math.abs(s - 1) <= 1e-8 + 1e-5);
    if (bad) {
      throw new RangeError(
        `losses.${op}: without the ${c === 1 ? "sigmoid" : "softmax"}, predictions must be ` +
          `probabilities (${c === 1 ? "in [0, 1]" : "summing to 1 over the class axis"}), but ` +
          `row ${row} ${c === 1 ? "holds" : "sums to"} ${s}; pass logits with the default option.`,
      );
    }
  }
}

function dice(op: string, predictions: NDArray, targets: NDArray, o: DiceSettings): NDArray {
  checkArray(op, "predictions", predictions);
  checkArray(op, "targets", targets);
  checkFloat(op, "predictions", predictions);
  let p = predictions, t = targets.astype(predictions.dtype);
  // a missing channel axis on either side is added (as optax)
  if (p.ndim === t.ndim - 1) p = p.expandDims(-1);
  if (t.ndim === p.ndim - 1) t = t.expandDims(-1);
  checkSame(op, "predictions", p, "targets", t);
  if (p.ndim === 0) {
    throw new TypeError(
      `losses.${op}: predictions need a class axis (the last one), got a scalar.`,
    );
  }
  const classes = p.shape[p.ndim - 1];
  if (!o.applySoftmax) checkProbabilities(op, p);
  const probs = !o.applySoftmax ? p : classes === 1 ? p.sigmoid() : np.exp(logSoftmax(p));
  const axes = o.axis === undefined
    ? Array.from({ length: Math.max(0, p.ndim - 2) }, (_, i) => i + 1)
    : typeof o.axis === "number"
    ? [o.axis]
    : [...o.axis];
  axes.forEach((a) => checkInt(`losses.${op}`, "axis", a, -p.ndim, p.ndim - 1));
  const total = (x: NDArray) => axes.length === 0 ? x : np.sum(x, { axis: axes });
  const inter = total(probs.mul(t)), predSum = total(probs), targetSum = total(t);
  // dice = 1 − (I + smooth) / (I + α(P − I) + β(T − I) + smooth)
  const den = inter.add(predSum.sub(inter).mul(o.alpha)).add(targetSum.sub(inter).mul(o.beta))
    .add(o.smooth);
  let loss = np.sub(1, inter.add(o.smooth).div(den));
  if (o.classWeights !== undefined) {
    const w = o.classWeights;
    checkArray(op, "classWeights", w);
    if (w.ndim !== 1) {
      throw new TypeError(
        `losses.${op}: classWeights must have rank 1 (one weight per class), got shape ` +
          `${fmtShape(w.shape)}.`,
      );
    }
    if (loss.ndim === 0 || (w.shape[0] !== loss.shape[loss.ndim - 1] && w.shape[0] !== 1)) {
      throw new TypeError(
        `losses.${op}: classWeights has shape ${fmtShape(w.shape)} but the per-class losses ` +
          `have shape ${fmtShape(loss.shape)}; give one weight per class.`,
      );
    }
    loss = loss.mul(w);
  }
  if (o.ignoreBackground && classes > 1) {
    loss = loss.slice(...Array<null>(loss.ndim - 1).fill(null), [1, null]);
  }
  const r = o.reduction;
  return r === "none"
    ? loss
    : r === "sum"
    ? np.sum(loss, { axis: -1 })
    : np.mean(loss, { axis: -1 });
}

function settings(op: string, options: DiceOptions): DiceSettings {
  const name = `losses.${op}`;
  return {
    classWeights: options.classWeights,
    smooth: checkFinite(name, "smooth", options.smooth ?? 1),
    alpha: checkFinite(name, "alpha", options.alpha ?? 0.5),
    beta: checkFinite(name, "beta", options.beta ?? 0.5),
    applySoftmax: checkBool(name, "applySoftmax", options.applySoftmax ?? true),
    reduction: checkReduction(op, options.reduction, "mean"),
    ignoreBackground: checkBool(name, "ignoreBackground", options.ignoreBackground ?? false),
    axis: options.axis,
  };
}

/**
 * The soft Dice (Tversky) loss per class, reduced over the classes (optax's `dice_loss`); see
 * the module for the formula. Predictions are logits (softmax over classes, or a sigmoid for
 * one channel) unless `applySoftmax` is false.
 *
 * @param predictions Logits (or probabilities), shape `[batch, ..., classes]`, or `[batch, ...]`
 *   for one channel.
 * @param targets One-hot (or binary) targets, the same shape (or without the channel axis).
 * @param options `classWeights`, `smooth` (1), `alpha` (0.5), `beta` (0.5), `applySoftmax`
 *   (true), `reduction` over classes (`"mean"`), `ignoreBackground` (false), `axis` (the spatial axes).
 * @returns One loss per example `[batch]` (`[batch, classes]` for `"none"`).
 * @throws {TypeError} For mismatched shapes, bad options or unknown option keys.
 * @throws {RangeError} For concrete predictions that are not probabilities when `applySoftmax` is false.
 *
 * @example
 * ```ts
 * import { losses, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * // a perfect prediction (probabilities) of 2 pixels, 2 classes: no loss
 * const t = np.array([[[1, 0], [0, 1]]]);
 * const l = losses.diceLoss(t, t, { applySoftmax: false, smooth: 0 });
 * assert.deepEqual(l.toArray(), [0]);
 * ```
 */
export function diceLoss(
  predictions: NDArray,
  targets: NDArray,
  options: DiceOptions = {},
): NDArray {
  const op = "diceLoss";
  checkOptions(`losses.${op}`, options, [
    "classWeights",
    "smooth",
    "alpha",
    "beta",
    "applySoftmax",
    "reduction",
    "ignoreBackground",
    "axis",
  ]);
  return dice(op, predictions, targets, settings(op, options));
}

/**
 * The binary Dice loss (optax's `binary_dice_loss`): {@link diceLoss} with one channel and a
 * sigmoid, one loss per example. Unlike optax (which, with `apply_sigmoid=False`, rejects any
 * prediction other than 1), `applySigmoid: false` takes probabilities in [0, 1].
 *
 * @param predictions Logits (or probabilities), shape `[batch, ...]` or `[batch, ..., 1]`.
 * @param targets Binary targets, the same shape.
 * @param options `smooth` (1), `applySigmoid` (true), `reduction` over examples (`"none"`).
 * @returns One loss per example (or their mean/sum).
 * @throws {TypeError} For mismatched shapes or unknown options.
 *
 * @example
 * ```ts
 * import { losses, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = np.array([[1, 0, 1]]);
 * assert.deepEqual(losses.binaryDiceLoss(t, t, { applySigmoid: false, smooth: 0 }).toArray(), [0]);
 * ```
 */
export function binaryDiceLoss(
  predictions: NDArray,
  targets: NDArray,
  options: BinaryDiceOptions = {},
): NDArray {
  const op = "binaryDiceLoss";
  checkOptions(`losses.${op}`, options, ["smooth", "applySigmoid", "reduction"]);
  checkArray(op, "predictions", predictions);
  checkArray(op, "targets", targets);
  if (predictions.ndim === 0) {
    throw new TypeError(`losses.${op}: predictions need a batch axis, got a scalar.`);
  }
  let p = predictions, t = targets;
  if (p.ndim === t.ndim && p.shape[p.ndim - 1] !== 1) {
    p = p.expandDims(-1);
    t = t.expandDims(-1);
  }
  const name = `losses.${op}`;
  const loss = dice(op, p, t, {
    smooth: checkFinite(name, "smooth", options.smooth ?? 1),
    alpha: 0.5,
    beta: 0.5,
    applySoftmax: checkBool(name, "applySigmoid", options.applySigmoid ?? true),
    reduction: "mean",
    ignoreBackground: false,
  });
  const r = checkReduction(op, options.reduction, "none");
  return r === "mean" ? np.mean(loss) : r === "sum" ? np.sum(loss) : loss;
}

/**
 * The generalized Dice loss (optax's `multiclass_generalized_dice_loss`): the per-class Dice
 * losses weighted by `w_c ∝ 1 / (f_c² + 1e-7)`, where f_c counts class c in the targets and the
 * weights are scaled to sum to the number of classes, then averaged over examples and classes.
 *
 * @param predictions Logits (or probabilities), shape `[batch, ..., classes]`.
 * @param targets One-hot targets, the same shape.
 * @param options `smooth` (1), `applySoftmax` (true), `ignoreBackground` (false).
 * @returns The loss, a scalar.
 * @throws {TypeError} For mismatched shapes or unknown options.
 *
 * @example
 * ```ts
 * import { losses, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = np.array([[[1, 0], [1, 0], [0, 1]]]);
 * const l = losses.multiclassGeneralizedDiceLoss(t, t, { applySoftmax: false, smooth: 0 });
 * assert.equal(l.item(), 0);
 * ```
 */
export function multiclassGeneralizedDiceLoss(
  predictions: NDArray,
  targets: NDArray,
  options: GeneralizedDiceOptions = {},
): NDArray {
  const op = "multiclassGeneralizedDiceLoss";
  checkOptions(`losses.${op}`, options, ["smooth", "applySoftmax", "ignoreBackground"]);
  checkArray(op, "predictions", predictions);
  checkArray(op, "targets", targets);
  checkSame(op, "predictions", predictions, "targets", targets);
  if (predictions.ndim === 0) {
    throw new TypeError(
      `losses.${op}: predictions need a class axis (the last one), got a scalar.`,
    );
  }
  const t = targets.astype(predictions.dtype);
  const lead = Array.from({ length: t.ndim - 1 }, (_, i) => i);
  const freq = lead.length === 0 ? t : np.sum(t, { axis: lead });
  // w_c = 1 / (f_c² + 1e-7), scaled to sum to the number of classes
  const raw = np.reciprocal(freq.square().add(1e-7));
  const weights = raw.div(np.sum(raw)).mul(freq.shape[0]);
  const s = settings(op, options);
  return np.mean(dice(op, predictions, t, { ...s, classWeights: weights, reduction: "none" }));
}
