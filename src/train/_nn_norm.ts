/**
 * Normalization layers as plain functions (flax's semantics, channels last):
 * layer, RMS, group and batch normalization. Statistics use
 * var = mean(x²) − mean(x)², as flax does. float16 and bfloat16 inputs are
 * normalized in float32 and rounded back once at the end, as flax computes
 * its statistics in at least float32: in float16, x² overflows for |x| > 255
 * and mean(x²) − mean(x)² cancels to noise for small variances. Parameters
 * (`scale`, `bias`) are optional arrays; batch norm's running statistics are
 * explicit state.
 * Re-exported by `nn.ts`.
 *
 * @module
 */
import { checkBool, checkFinite, checkOptions, requireArray, show } from "../core/_validate.ts";
import type { NDArray } from "../core/_ndarray.ts";
import { fmtShape } from "../core/_shape.ts";
import { isHalfFloat, promoteTypes } from "../core/_dtype.ts";
import * as np from "../numpy/numpy.ts";

/** Optional affine parameters of a normalization. */
export interface NormOptions {
  /** Multiplies the normalized values (broadcast against the feature axes). */
  scale?: NDArray;
  /** Added after scaling. */
  bias?: NDArray;
  /** Added to the variance; 1e-6 by default (flax). */
  epsilon?: number;
}

/**
 * Checks x and the options of a normalization: known keys, a finite epsilon, and scale
 * and bias arrays that broadcast to x without enlarging it (e.g. [features]).
 */
function checkNorm(op: string, x: unknown, options: unknown, keys: readonly string[]): void {
  requireArray(op, "x", x);
  checkOptions(op, options, keys);
  const o = (options ?? {}) as Record<string, unknown>;
  if (o.epsilon !== undefined) checkFinite(op, "epsilon", o.epsilon);
  for (const what of ["scale", "bias"]) {
    const p = o[what];
    if (p === undefined) continue;
    requireArray(op, what, p);
    if (p.ndim > x.ndim || p.shape.some((n, i) => n !== 1 && n !== x.shape[x.ndim - p.ndim + i])) {
      throw new TypeError(
        `${op}: ${what} must broadcast to x's shape ${fmtShape(x.shape)} (e.g. ` +
          `[${x.shape[x.ndim - 1]}], one per feature), got ${fmtShape(p.shape)}.`,
      );
    }
  }
}

const isHalf = (x: NDArray): boolean => isHalfFloat(x.dtype);

/** The dtype statistics are computed in: float32 for float16/bfloat16, else x's own. */
function widen(x: NDArray): NDArray {
  return isHalf(x) ? x.astype("float32") : x;
}

/**
 * y · scale + bias, computed in y's (widened) dtype; a half-precision x is then rounded
 * once to the dtype x, scale and bias promote to (float16 with float32 parameters gives
 * float32, as flax's output dtype with float32 parameters).
 */
function affine(y: NDArray, o: NormOptions, x: NDArray): NDArray {
  let out = y;
  if (o.scale !== undefined) out = out.mul(o.scale);
  if (o.bias !== undefined) out = out.add(o.bias);
  if (!isHalf(x)) return out;
  const dtype = [o.scale, o.bias].reduce(
    (d, p) => p === undefined ? d : promoteTypes(d, p.dtype),
    x.dtype,
  );
  return out.dtype === dtype ? out : out.astype(dtype);
}

/**
 * Layer normalization (Ba et al. 2016) over the last axis:
 * (x − mean)/√(var + ε) · scale + bias.
 * @param x The input, shape [..., features].
 * @param options `scale`, `bias` ([features]), `epsilon` (1e-6).
 * @returns The normalized input.
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const y = nn.layerNorm(np.array([[1, 3]]), { epsilon: 0 });
 * assert.deepEqual(y.toArray(), [[-1, 1]]);
 * ```
 */
export function layerNorm(x: NDArray, options: NormOptions = {}): NDArray {
  checkNorm("nn.layerNorm", x, options, ["scale", "bias", "epsilon"]);
  const xw = widen(x);
  const mean = np.mean(xw, { axis: -1, keepdims: true });
  const variance = np.maximum(
    np.mean(xw.square(), { axis: -1, keepdims: true }).sub(mean.square()),
    0,
  );
  return affine(xw.sub(mean).mul(np.rsqrt(variance.add(options.epsilon ?? 1e-6))), options, x);
}

/**
 * RMS normalization (Zhang & Sennrich 2019) over the last axis: x/√(mean(x²) + ε) · scale.
 * @param x The input, shape [..., features].
 * @param options `scale` ([features]), `epsilon` (1e-6).
 * @returns The normalized input.
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const y = nn.rmsNorm(np.array([[3, 4]]), { epsilon: 0 }).toArray() as number[][];
 * assert.ok(Math.abs(y[0][0] - 3 / Math.sqrt(12.5)) < 1e-6);
 * ```
 */
export function rmsNorm(x: NDArray, options: { scale?: NDArray; epsilon?: number } = {}): NDArray {
  checkNorm("nn.rmsNorm", x, options, ["scale", "epsilon"]);
  const xw = widen(x);
  const ms = np.mean(xw.square(), { axis: -1, keepdims: true });
  return affine(xw.mul(np.rsqrt(ms.add(options.epsilon ?? 1e-6))), options, x);
}

/**
 * Group normalization (Wu & He 2018): the channels (last axis) are cut into
 * `numGroups` groups, and each example is normalized per group over its
 * spatial axes and the group's channels.
 * @param x The input, shape [batch, ..., channels].
 * @param numGroups Number of groups (divides channels).
 * @param options `scale`, `bias` ([channels]), `epsilon` (1e-6).
 * @returns The normalized input.
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const y = nn.groupNorm(np.array([[1, 3, 5, 9]]), 2, { epsilon: 0 });
 * assert.deepEqual(y.toArray(), [[-1, 1, -1, 1]]);
 * ```
 */
export function groupNorm(x: NDArray, numGroups: number, options: NormOptions = {}): NDArray {
  checkNorm("nn.groupNorm", x, options, ["scale", "bias", "epsilon"]);
  const c = x.shape[x.ndim - 1];
  if (x.ndim < 2 || !Number.isInteger(numGroups) || numGroups < 1 || c % numGroups !== 0) {
    throw new TypeError(
      `nn.groupNorm: need x of shape [batch, ..., channels] with channels divisible by numGroups; ` +
        `got shape [${x.shape.join(", ")}] and numGroups ${numGroups}.`,
    );
  }
  const grouped = np.reshape(widen(x), [...x.shape.slice(0, -1), numGroups, c / numGroups]);
  // statistics over every axis but the batch and the group axes
  const axes = [...Array.from({ length: x.ndim - 2 }, (_, i) => i + 1), x.ndim];
  const mean = np.mean(grouped, { axis: axes, keepdims: true });
  const variance = np.maximum(
    np.mean(grouped.square(), { axis: axes, keepdims: true }).sub(mean.square()),
    0,
  );
  const y = grouped.sub(mean).mul(np.rsqrt(variance.add(options.epsilon ?? 1e-6)));
  return affine(np.reshape(y, x.shape), options, x);
}

/** Running statistics of {@link batchNorm}. */
export interface BatchNormState {
  /** Running mean per feature. */
  readonly mean: NDArray;
  /** Running variance per feature. */
  readonly var: NDArray;
}

/**
 * Batch normalization (Ioffe & Szegedy 2015) over every axis but the last. In
 * training, normalizes with the batch statistics and returns updated running
 * statistics, r ← momentum·r + (1 − momentum)·batch; in evaluation, normalizes
 * with the running statistics and returns them unchanged.
 * @param x The input, shape [..., features].
 * @param state The running statistics ([features] each; start from zeros and ones).
 * @param options `training` (true), `momentum` (0.99), `epsilon` (1e-5), `scale`, `bias`.
 * @returns The normalized input and the new state.
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const state = { mean: np.zeros([1]), var: np.ones([1]) };
 * const [y, next] = nn.batchNorm(np.array([[1], [3]]), state, { epsilon: 0 });
 * assert.deepEqual(y.toArray(), [[-1], [1]]);
 * assert.ok(Math.abs((next.mean.toArray() as number[])[0] - 0.02) < 1e-6);
 * ```
 */
export function batchNorm(
  x: NDArray,
  state: BatchNormState,
  options: NormOptions & { training?: boolean; momentum?: number } = {},
): [NDArray, BatchNormState] {
  const op = "nn.batchNorm";
  checkNorm(op, x, options, ["scale", "bias", "epsilon", "training", "momentum"]);
  if (state === null || typeof state !== "object" || Array.isArray(state) || "shape" in state) {
    throw new TypeError(
      `nn.batchNorm: state must be the running statistics {mean, var}, got ${show(state)}` +
        `${state === undefined ? " (was it left out?)" : ""}; start from ` +
        `{mean: np.zeros([features]), var: np.ones([features])}.`,
    );
  }
  const features = x.shape[x.ndim - 1];
  for (const what of ["mean", "var"] as const) {
    const r = state[what];
    requireArray(op, `state.${what}`, r);
    if (r.ndim !== 1 || r.shape[0] !== features) {
      throw new TypeError(
        `${op}: state.${what} must have shape [${features}] (one per feature of x ` +
          `${fmtShape(x.shape)}), got ${fmtShape(r.shape)}.`,
      );
    }
  }
  if (options.training !== undefined) checkBool(op, "training", options.training);
  if (options.momentum !== undefined) {
    const m = checkFinite(op, "momentum", options.momentum);
    if (m < 0 || m > 1) throw new RangeError(`${op}: momentum must be in [0, 1], got ${m}.`);
  }
  const eps = options.epsilon ?? 1e-5;
  const xw = widen(x);
  if (options.training === false) {
    return [affine(xw.sub(state.mean).mul(np.rsqrt(state.var.add(eps))), options, x), state];
  }
  const axes = Array.from({ length: x.ndim - 1 }, (_, i) => i);
  const mean = np.mean(xw, { axis: axes });
  const variance = np.maximum(np.mean(xw.square(), { axis: axes }).sub(mean.square()), 0);
  const m = options.momentum ?? 0.99;
  // r ← m·r + (1 − m)·batch, kept in the dtype it had before statistics were widened
  // (the state's promoted with x's), so a scan carrying the state keeps its type
  const keep = (r: NDArray, batch: NDArray): NDArray => {
    const next = r.mul(m).add(batch.mul(1 - m));
    const dtype = isHalf(x) ? promoteTypes(r.dtype, x.dtype) : next.dtype;
    return next.dtype === dtype ? next : next.astype(dtype);
  };
  const next = { mean: keep(state.mean, mean), var: keep(state.var, variance) };
  return [affine(xw.sub(mean).mul(np.rsqrt(variance.add(eps))), options, x), next];
}
