/**
 * Shared checks of the structured losses (`_losses_ctc.ts`, `_losses_sparse.ts`,
 * `_losses_dice.ts`): the `reduction` option, shape and dtype checks, and reads of concrete
 * values (a traced input is checked for its shape and dtype only; its values are checked when
 * the same call runs on concrete arrays).
 *
 * @module
 */
import { checkOptions } from "../core/_validate.ts";
import { isFloat } from "../core/_dtype.ts";
import { DATA, type NDArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import { fmtShape } from "../core/_shape.ts";
import * as np from "../numpy/numpy.ts";

/** How a loss reduces its per-example losses (as in `losses.ts`). */
export type Reduction = "mean" | "sum" | "none";

/** Checks the option keys, then applies `reduction` (default `byDefault`) over all elements. */
export function reduceLoss(
  op: string,
  x: NDArray,
  options: { reduction?: Reduction },
  keys: readonly string[],
  byDefault: Reduction = "none",
): NDArray {
  checkOptions(`losses.${op}`, options, ["reduction", ...keys]);
  const r = checkReduction(op, options.reduction, byDefault);
  return r === "mean" ? np.mean(x) : r === "sum" ? np.sum(x) : x;
}

/** The `reduction` option, checked. */
export function checkReduction(op: string, value: unknown, byDefault: Reduction): Reduction {
  const r = value ?? byDefault;
  if (r !== "mean" && r !== "sum" && r !== "none") {
    throw new TypeError(
      `losses.${op}: reduction must be "mean", "sum" or "none", got ${JSON.stringify(value)}.`,
    );
  }
  return r;
}

/** Throws unless `x` is an NDArray. */
export function checkArray(op: string, what: string, x: unknown): asserts x is NDArray {
  if (!(x instanceof np.NDArray)) {
    throw new TypeError(
      `losses.${op}: ${what} must be an NDArray, got ${typeof x}; wrap it in np.array().`,
    );
  }
}

/** Throws unless `x` holds floats. */
export function checkFloat(op: string, what: string, x: NDArray): void {
  if (!isFloat(x.dtype)) {
    throw new TypeError(
      `losses.${op}: ${what} must be float32 or float64, got ${x.dtype}; use astype("float32").`,
    );
  }
}

/** Throws unless `x` has rank `rank`. */
export function checkRank(op: string, what: string, x: NDArray, rank: number, hint: string): void {
  if (x.ndim !== rank) {
    throw new TypeError(
      `losses.${op}: ${what} must have rank ${rank} (${hint}), got shape ${fmtShape(x.shape)}.`,
    );
  }
}

/** Throws unless `a` and `b` have the same shape. */
export function checkSame(op: string, what: string, a: NDArray, other: string, b: NDArray): void {
  if (a.ndim !== b.ndim || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new TypeError(
      `losses.${op}: ${what} have shape ${fmtShape(a.shape)} but ${other} have shape ` +
        `${fmtShape(b.shape)}; they must match.`,
    );
  }
}

/** Throws unless `labels` is int32. */
export function checkIntLabels(op: string, what: string, labels: NDArray): void {
  if (labels.dtype !== "int32") {
    throw new TypeError(
      `losses.${op}: ${what} must be int32 integers, got dtype ${labels.dtype}; use astype("int32").`,
    );
  }
}

/** The values of a concrete array (a copy-free view), or undefined for a tracer. */
export function concreteValues(x: NDArray): ArrayLike<number> | undefined {
  return x instanceof ArrayValue ? x[DATA] : undefined;
}

/** Throws a RangeError when a concrete integer array has a value outside [0, n). */
export function checkIndexRange(op: string, what: string, labels: NDArray, n: number): void {
  const v = concreteValues(labels);
  if (v === undefined) return;
  for (let i = 0; i < v.length; i++) {
    if (v[i] < 0 || v[i] >= n) {
      throw new RangeError(
        `losses.${op}: ${what} hold ${v[i]} (at flat index ${i}), outside [0, ${n}); every ` +
          `entry must be a class index below ${n}.`,
      );
    }
  }
}

/** Throws a RangeError when a concrete array has a value other than 0 and 1. */
export function checkZeroOne(op: string, what: string, x: NDArray): void {
  const v = concreteValues(x);
  if (v === undefined) return;
  for (let i = 0; i < v.length; i++) {
    if (v[i] !== 0 && v[i] !== 1) {
      throw new RangeError(
        `losses.${op}: ${what} must hold only 0 and 1, got ${v[i]} at flat index ${i}.`,
      );
    }
  }
}

/** log softmax over the last axis: z − logsumexp(z). */
export function logSoftmax(z: NDArray): NDArray {
  return z.sub(np.logsumexp(z, { axis: -1, keepdims: true }));
}
