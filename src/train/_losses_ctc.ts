/**
 * Connectionist temporal classification (Graves et al. 2006), as optax's `ctc_loss` and
 * `ctc_loss_with_forward_probs`: the negative log-likelihood of a label sequence summed over
 * every alignment of it with the frames, by the forward (alpha) recursion in log space.
 *
 * The recursion runs in `lax.scan` over time, so the loss is one loop in a jaxpr: it
 * differentiates (the backward pass is the scan run in reverse), batches under `vmap`, compiles
 * under `jit` and runs in the worker pool. As optax, the state after n labels is split into two
 * log-probabilities per position: "blank" (phi, n + 1 entries: n labels read and the path sits
 * in a blank or may start label n + 1 next) and "label" (emit, n entries: the path sits in label
 * n). A transition that is not allowed is given the log-weight `logEpsilon` (≈ log 0) instead of
 * −∞, which keeps every gradient finite.
 *
 * @module
 */
import { checkFinite, checkInt, checkOptions } from "../core/_validate.ts";
import type { NDArray } from "../core/_ndarray.ts";
import { fmtShape } from "../core/_shape.ts";
import * as np from "../numpy/numpy.ts";
import { scan } from "../transforms/control_flow.ts";
import {
  checkArray,
  checkFloat,
  checkIndexRange,
  checkIntLabels,
  checkRank,
  checkReduction,
  checkZeroOne,
  concreteValues,
  logSoftmax,
  type Reduction,
} from "./_losses_util.ts";

/** Options of {@link ctcLossWithForwardProbs}. */
export interface CtcOptions {
  /** The class of the blank symbol (0 by default). */
  blankId?: number;
  /** The log-weight of a forbidden transition, a stand-in for log 0 (−1e5 by default). */
  logEpsilon?: number;
}

/** Options of {@link ctcLoss}. */
export interface CtcLossOptions extends CtcOptions {
  /** `"none"` (default, as optax: one loss per sequence), `"mean"` or `"sum"`. */
  reduction?: Reduction;
}

function checkCtcInputs(
  op: string,
  logits: NDArray,
  logitPaddings: NDArray,
  labels: NDArray,
  labelPaddings: NDArray,
  options: CtcOptions,
  keys: readonly string[],
): { blankId: number; logEpsilon: number } {
  checkOptions(`losses.${op}`, options, keys);
  checkArray(op, "logits", logits);
  checkArray(op, "logitPaddings", logitPaddings);
  checkArray(op, "labels", labels);
  checkArray(op, "labelPaddings", labelPaddings);
  checkFloat(op, "logits", logits);
  checkRank(op, "logits", logits, 3, "[batch, frames, classes]");
  checkRank(op, "labels", labels, 2, "[batch, label positions]");
  checkIntLabels(op, "labels", labels);
  const [b, t, k] = logits.shape;
  const n = labels.shape[1];
  if (logitPaddings.ndim !== 2 || logitPaddings.shape[0] !== b || logitPaddings.shape[1] !== t) {
    throw new TypeError(
      `losses.${op}: logits have shape ${fmtShape(logits.shape)}, so logitPaddings need shape ` +
        `[${b}, ${t}], got ${fmtShape(logitPaddings.shape)}.`,
    );
  }
  if (labels.shape[0] !== b) {
    throw new TypeError(
      `losses.${op}: labels have shape ${fmtShape(labels.shape)} but logits have batch size ` +
        `${b} (shape ${fmtShape(logits.shape)}); both need one row per sequence.`,
    );
  }
  if (
    labelPaddings.ndim !== 2 || labelPaddings.shape[0] !== b || labelPaddings.shape[1] !== n
  ) {
    throw new TypeError(
      `losses.${op}: labels have shape ${fmtShape(labels.shape)}, so labelPaddings need the ` +
        `same shape, got ${fmtShape(labelPaddings.shape)}.`,
    );
  }
  if (t === 0 || n === 0 || k === 0) {
    throw new TypeError(
      `losses.${op}: needs at least one frame, one label position and one class, got logits ` +
        `${fmtShape(logits.shape)} and labels ${fmtShape(labels.shape)}; an empty label ` +
        `sequence is one position with labelPaddings 1.`,
    );
  }
  const blankId = checkInt(`losses.${op}`, "blankId", options.blankId ?? 0, 0, k - 1);
  const logEpsilon = checkFinite(`losses.${op}`, "logEpsilon", options.logEpsilon ?? -1e5);
  checkIndexRange(op, "labels", labels, k);
  checkZeroOne(op, "logitPaddings", logitPaddings);
  checkZeroOne(op, "labelPaddings", labelPaddings);
  const pads = concreteValues(labelPaddings);
  if (pads !== undefined) {
    for (let row = 0; row < b; row++) {
      for (let j = 1; j < n; j++) {
        if (pads[row * n + j - 1] === 1 && pads[row * n + j] === 0) {
          throw new RangeError(
            `losses.${op}: labelPaddings row ${row} has a 0 after a 1 (position ${j}); labels ` +
              `must be right-padded (each row: zeros, then ones).`,
          );
        }
      }
    }
  }
  return { blankId, logEpsilon };
}

/**
 * The CTC loss and the forward log-probabilities behind it (optax's
 * `ctc_loss_with_forward_probs`). For sequence b with `L_b` labels the loss is
 * `−log Σ_alignments Π_t p(π_t | frame t)` over the frames that are not padded, where an
 * alignment spells the labels with blanks between and around them and each label or blank
 * repeated any number of times (two equal labels in a row need a blank between them).
 *
 * @param logits Unnormalized log-probabilities, shape `[B, T, K]` (K classes, the blank included).
 * @param logitPaddings 1 for a padded frame, 0 otherwise, shape `[B, T]`.
 * @param labels int32 label sequences in `[0, K)`, shape `[B, N]`, right-padded.
 * @param labelPaddings 1 for a padded label position, 0 otherwise, shape `[B, N]` (zeros, then ones).
 * @param options `blankId` (0) and `logEpsilon` (−1e5), as optax.
 * @returns `[loss, logalphaBlank, logalphaLabel]`: the loss per sequence `[B]`, and the log
 *   forward probabilities of the blank states `[T, B, N + 1]` and of the label states `[T, B, N]`.
 * @throws {TypeError} For wrong ranks, shapes or dtypes, or unknown options.
 * @throws {RangeError} For labels outside `[0, K)`, paddings other than 0/1, or labels that are
 *   not right-padded (checked on concrete inputs).
 *
 * @example
 * ```ts
 * import { losses, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * // one frame, one label: the loss is −log softmax(z)[label]
 * const z = np.array([[[0, 1, 2]]]);
 * const [loss, blank, label] = losses.ctcLossWithForwardProbs(
 *   z, np.zeros([1, 1]), np.array([[2]], { dtype: "int32" }), np.zeros([1, 1]),
 * );
 * const want = -(2 - Math.log(1 + Math.E + Math.E ** 2));
 * assert.ok(Math.abs((loss.toArray() as number[])[0] - want) < 1e-5);
 * assert.deepEqual([blank.shape, label.shape], [[1, 1, 2], [1, 1, 1]]);
 * ```
 */
export function ctcLossWithForwardProbs(
  logits: NDArray,
  logitPaddings: NDArray,
  labels: NDArray,
  labelPaddings: NDArray,
  options: CtcOptions = {},
): [NDArray, NDArray, NDArray] {
  const { blankId, logEpsilon } = checkCtcInputs(
    "ctcLossWithForwardProbs",
    logits,
    logitPaddings,
    labels,
    labelPaddings,
    options,
    ["blankId", "logEpsilon"],
  );
  return forward(logits, logitPaddings, labels, labelPaddings, blankId, logEpsilon);
}

/**
 * The CTC loss per sequence (optax's `ctc_loss`): see {@link ctcLossWithForwardProbs} for the
 * definition. Differentiable with respect to the logits; one `lax.scan` over the frames.
 *
 * @param logits Unnormalized log-probabilities, shape `[B, T, K]` (K classes, the blank included).
 * @param logitPaddings 1 for a padded frame, 0 otherwise, shape `[B, T]`.
 * @param labels int32 label sequences in `[0, K)`, shape `[B, N]`, right-padded.
 * @param labelPaddings 1 for a padded label position, 0 otherwise, shape `[B, N]`.
 * @param options `blankId` (0), `logEpsilon` (−1e5) and `reduction` (`"none"`: one loss per sequence).
 * @returns The loss per sequence, shape `[B]` (or its mean/sum).
 * @throws {TypeError} For wrong ranks, shapes or dtypes, or unknown options.
 * @throws {RangeError} For labels outside `[0, K)` or paddings other than 0/1 (concrete inputs).
 *
 * @example
 * ```ts
 * import { losses, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * // uniform logits over 2 classes, 2 frames, label "1": the alignments are
 * // (1,1), (blank,1), (1,blank), each of probability 1/4
 * const l = losses.ctcLoss(
 *   np.zeros([1, 2, 2]), np.zeros([1, 2]), np.array([[1]], { dtype: "int32" }), np.zeros([1, 1]),
 * );
 * assert.ok(Math.abs((l.toArray() as number[])[0] + Math.log(3 / 4)) < 1e-4);
 * ```
 */
export function ctcLoss(
  logits: NDArray,
  logitPaddings: NDArray,
  labels: NDArray,
  labelPaddings: NDArray,
  options: CtcLossOptions = {},
): NDArray {
  const op = "ctcLoss";
  const { blankId, logEpsilon } = checkCtcInputs(
    op,
    logits,
    logitPaddings,
    labels,
    labelPaddings,
    options,
    ["blankId", "logEpsilon", "reduction"],
  );
  const reduction = checkReduction(op, options.reduction, "none");
  const [loss] = forward(logits, logitPaddings, labels, labelPaddings, blankId, logEpsilon);
  return reduction === "mean" ? np.mean(loss) : reduction === "sum" ? np.sum(loss) : loss;
}

/** Adds `added` in log space to every blank state but the first: phi[:, 1:] ⊕= added. */
function addToBlank(phi: NDArray, added: NDArray): NDArray {
  return np.concatenate([
    phi.slice(null, [0, 1]),
    np.logaddexp(phi.slice(null, [1, null]), added),
  ], 1);
}

function forward(
  logits: NDArray,
  logitPaddings: NDArray,
  labels: NDArray,
  labelPaddings: NDArray,
  blankId: number,
  logEpsilon: number,
): [NDArray, NDArray, NDArray] {
  const [b, t, k] = logits.shape;
  const n = labels.shape[1];
  const dtype = logits.dtype;
  const logProbs = logSoftmax(logits); // [B, T, K]
  // label length L_b = N − Σ_n padding[b, n]
  const lengths = np.sub(n, np.sum(labelPaddings.astype(dtype), { axis: 1 }));
  // repeat[b, n] = 1 when label n + 1 equals label n (the last position: 0)
  const same = n === 1 ? np.zeros([b, 1], dtype) : np.concatenate([
    np.equal(labels.slice(null, [0, -1]), labels.slice(null, [1, null])).astype(dtype),
    np.zeros([b, 1], dtype),
  ], 1);
  const forbidSkip = same.mul(logEpsilon); // no blank-free step between equal labels
  const forbidBlank = np.sub(1, same).mul(logEpsilon);
  // log p(blank) per frame, [T, B, 1]; log p(label n) per frame, [T, B, N] (one-hot product)
  const blankLp = logProbs.slice(null, null, [blankId, blankId + 1]).transpose([1, 0, 2]);
  const oneHot = np.equal(np.expandDims(labels, -1), np.arange(k)).astype(dtype); // [B, N, K]
  const labelLp = np.matmul(logProbs, oneHot.transpose([0, 2, 1])).transpose([1, 0, 2]);
  const pads = logitPaddings.astype(dtype).transpose([1, 0]).expandDims(-1); // [T, B, 1]
  // before any frame: all the mass in "0 labels read", log 1 = 0; everything else ≈ log 0
  const phi0 = np.concatenate([np.zeros([b, 1], dtype), np.full([b, n], logEpsilon, dtype)], 1);
  const emit0 = np.full([b, n], logEpsilon, dtype);
  const step = (
    [prevPhi, prevEmit]: NDArray[],
    [lpLabel, lpBlank, pad]: NDArray[],
  ): [NDArray[], NDArray[]] => {
    // from label n straight to "ready for label n + 1" (no blank), unless the labels repeat
    const phi = addToBlank(prevPhi, prevEmit.add(forbidSkip));
    // label n at this frame: arriving from "ready for label n", or staying in label n
    const emit = np.logaddexp(phi.slice(null, [0, -1]).add(lpLabel), prevEmit.add(lpLabel));
    // a blank at this frame: staying ready, or (for a repeat) leaving label n through a blank
    const blank = addToBlank(phi.add(lpBlank), prevEmit.add(lpBlank).add(forbidBlank));
    // a padded frame leaves the state as it was
    const keep = np.sub(1, pad);
    const nextEmit = pad.mul(prevEmit).add(keep.mul(emit));
    const nextPhi = pad.mul(prevPhi).add(keep.mul(blank));
    return [[nextPhi, nextEmit], [nextPhi, nextEmit]];
  };
  const [, [phis, emits]] = scan(step, [phi0, emit0], [labelLp, blankLp, pads]);
  // after the last frame, a path still in label n also counts as n labels read
  const lastPhi = addToBlank(phis.slice([t - 1, t]).squeeze(0), emits.slice([t - 1, t]).squeeze(0));
  const logalphaBlank = t === 1
    ? lastPhi.expandDims(0)
    : np.concatenate([phis.slice([0, t - 1]), lastPhi.expandDims(0)], 0);
  // loss_b = −log alpha_blank(T, b, L_b)
  const atLength = np.equal(np.expandDims(lengths, -1), np.arange(n + 1).astype(dtype)).astype(
    dtype,
  );
  const loss = np.neg(np.sum(lastPhi.mul(atLength), { axis: 1 }));
  return [loss, logalphaBlank, emits];
}
