/**
 * Pooling for `nn`, channels-last as flax.linen ([N, …spatial, C]): max and
 * average pooling over 1-D and 2-D windows, and global pooling over every
 * spatial axis.
 *
 * Windowed max pooling is the `max_pool` primitive (one pass of a window-max kernel,
 * `kernels/pool.ts`), differentiated as JAX differentiates flax's max_pool
 * (reduce_window max → select_and_scatter_add): each window's whole cotangent goes to
 * one cell, the first maximum in row-major window order (the rule for NaN is in
 * `_pool_rules.ts`), and overlapping windows add up. Average pooling is a composition
 * of primitives: it sums the box window one axis at a time (Σ kᵢ strided slices
 * rather than ∏ kᵢ), or, when the windows tile the input exactly, one reshape and one
 * reduction.
 */
import { checkBool, checkOptions, show } from "../core/_validate.ts";
import { NDArray } from "../core/_ndarray.ts";
import { type DType, isFloat, isHalfFloat } from "../core/_dtype.ts";
import { bind1 } from "../core/_trace.ts";
import { fmtShape } from "../core/_shape.ts";
import * as np from "../numpy/numpy.ts";
import {
  type AxisGeometry,
  checkPadding,
  convGeometry,
  type ConvPadding,
  perAxis,
} from "./_nn_conv_general.ts";

/** "SAME" keeps the spatial size (for stride 1), "VALID" uses only full windows, or explicit [[top, bottom], [left, right]]. */
export type Padding =
  | "SAME"
  | "VALID"
  | readonly [readonly [number, number], readonly [number, number]];

/** Options of the 2-D pooling functions. */
export interface WindowOptions {
  /** Step between windows: one number or [sh, sw] (default: the window). */
  stride?: number | readonly [number, number];
  /** Padding mode (default "VALID"). */
  padding?: Padding;
  /** Average pooling only: whether padded cells count in the mean (default true, as flax). */
  countIncludePad?: boolean;
}

/** Options of the 1-D pooling functions. */
export interface Window1dOptions {
  /** Step between windows (default: the window). */
  stride?: number;
  /** "VALID" (default), "SAME" or [low, high]. */
  padding?: "SAME" | "VALID" | readonly [number, number];
  /** Average pooling only: whether padded cells count in the mean (default true, as flax). */
  countIncludePad?: boolean;
}

/** Pools x [N, …S, C] over d spatial axes with windows of `window`. */
function pool(
  op: string,
  x: NDArray,
  window: unknown,
  options: WindowOptions | Window1dOptions,
  kind: "max" | "mean",
  d: number,
): NDArray {
  checkOptions(
    op,
    options,
    kind === "mean" ? ["stride", "padding", "countIncludePad"] : ["stride", "padding"],
  );
  if (!(x instanceof NDArray)) throw new TypeError(`${op}: expected an array, got ${show(x)}.`);
  const layout = d === 1 ? "NWC input [N, W, C]" : "NHWC input [N, H, W, C]";
  if (x.ndim !== d + 2) {
    throw new TypeError(
      `${op}: expected ${layout} of rank ${d + 2}, got shape ${fmtShape(x.shape)}` +
        `${x.ndim === d + 1 ? "; add a batch axis with x.reshape([1, ...x.shape])" : ""}.`,
    );
  }
  const o = options ?? {};
  const ks = perAxis(op, "window", window, d, 1);
  const strides = perAxis(op, "stride", o.stride, d, 1).map((s, a) =>
    o.stride === undefined ? ks[a] : s
  );
  const padding: ConvPadding = checkPadding(op, o.padding ?? "VALID", d, false);
  const include = o.countIncludePad === undefined ||
    checkBool(op, "countIncludePad", o.countIncludePad);
  const ones = new Array(d).fill(1);
  const geo = convGeometry(op, x.shape.slice(1, -1), ks, strides, padding, ones, ones);
  if (kind === "max") {
    // one pass of the window-max kernel; its derivative is JAX's (see _pool_rules.ts)
    return bind1("max_pool", [x], {
      window: ks,
      strides: geo.map((g) => g.stride),
      lo: geo.map((g) => g.lo),
      hi: geo.map((g) => g.hi),
    });
  }
  const n = x.shape[0], c = x.shape[d + 1];
  const noPad = geo.every((g) => g.lo === 0 && g.hi === 0);
  // average pooling sums integers in float32 (as np.mean) and float16/bfloat16 in float32
  // too, rounding the mean once at the end (flax sums in the input dtype, so a float16
  // window summing past 65504 is inf there)
  const half = isHalfFloat(x.dtype);
  const wide = isFloat(x.dtype) && !half ? x : x.astype("float32");
  const narrow = (y: NDArray) => half ? y.astype(x.dtype) : y;
  if (noPad && geo.every((g) => g.stride === g.kernel && g.size % g.kernel === 0)) {
    // non-overlapping windows tile the input: one reshape and one reduction
    const blocks = np.reshape(wide, [
      n,
      ...geo.flatMap((g) => [g.size / g.kernel, g.kernel]),
      c,
    ]);
    const axes = geo.map((_, a) => 2 + 2 * a);
    return narrow(np.div(np.sum(blocks, { axis: axes }), ks.reduce((p, v) => p * v, 1)));
  }
  const pads = geo.map((g): [number, number] => [g.lo, g.hi]);
  // the window is a box, so its sum is a sum along each spatial axis in turn: k_a strided
  // slices per axis (Σ k_a in all, not ∏ k_a), added as they are cut, so no [taps, …]
  // stack is held
  let summed = noPad ? wide : np.pad(wide, [[0, 0], ...pads, [0, 0]]);
  geo.forEach((g, a) => {
    let acc: NDArray | undefined;
    for (let t = 0; t < g.kernel; t++) {
      const tap = np.slice(summed, [
        null,
        ...geo.map((_, b): [number, number, number] | null =>
          b === a ? [t, t + (g.out - 1) * g.stride + 1, g.stride] : null
        ),
      ]);
      acc = acc === undefined ? tap : np.add(acc, tap);
    }
    summed = acc as NDArray;
  });
  const mean = include || noPad
    ? np.div(summed, ks.reduce((p, v) => p * v, 1))
    : np.div(summed, insideCounts(geo, d, summed.dtype));
  return narrow(mean);
}

/** Each window's count of cells inside the input, [1, …OS, 1] (for countIncludePad: false). */
function insideCounts(geo: readonly AxisGeometry[], d: number, dtype: DType): NDArray {
  const cells = geo.map((g) =>
    Array.from({ length: g.out }, (_, y) => {
      // a window lying wholly in the padding covers no cells (count 0, so 0/0 = NaN as in JAX);
      // unclamped, the difference goes negative on the high side and gives −0
      const from = y * g.stride - g.lo;
      return Math.max(0, Math.min(from + g.kernel, g.size) - Math.max(from, 0));
    })
  );
  const ones = new Array(d).fill(1);
  return cells.reduce<NDArray>(
    (acc, cs, a) =>
      np.mul(
        acc,
        np.reshape(np.array(cs, { dtype }), [
          1,
          ...geo.map((_, b) => b === a ? cs.length : 1),
          1,
        ]),
      ),
    np.ones([1, ...ones, 1], { dtype }),
  );
}

/**
 * Max pooling over kh×kw windows (stride defaults to the window). The gradient is JAX's
 * (flax.linen.max_pool): each window passes its whole cotangent to one cell, the first
 * maximum in row-major window order (a NaN cell is selected only when no later cell
 * follows it in the window), and overlapping windows add up.
 * @param x Input, shape [N, H, W, C].
 * @param window Window size: a number or [kh, kw].
 * @param options `stride` and `padding` (padded cells never win).
 * @returns The pooled array.
 * @example
 * ```ts
 * import { grad, nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const x = np.arange(16).astype("float32").reshape([1, 4, 4, 1]);
 * assert.deepEqual(nn.maxPool2d(x, 2).reshape([4]).toArray(), [5, 7, 13, 15]);
 * // tied maxima: the first in the window takes the whole gradient, as in JAX
 * const g = grad((v: np.NDArray) => nn.maxPool2d(v, 2).sum())(np.ones([1, 2, 2, 1]));
 * assert.deepEqual(g.reshape([4]).toArray(), [1, 0, 0, 0]);
 * ```
 */
export function maxPool2d(
  x: NDArray,
  window: number | readonly [number, number],
  options: WindowOptions = {},
): NDArray {
  return pool("nn.maxPool2d", x, window, options, "max", 2);
}

/**
 * Average pooling over kh×kw windows (stride defaults to the window); padded
 * cells count as zeros unless `countIncludePad: false`. float16/bfloat16 windows
 * are summed in float32 and the mean rounded once (flax sums in the input dtype,
 * so there a float16 window summing past 65504 gives inf).
 * @param x Input, shape [N, H, W, C].
 * @param window Window size: a number or [kh, kw].
 * @param options `stride`, `padding` and `countIncludePad`.
 * @returns The pooled array.
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const x = np.arange(16).astype("float32").reshape([1, 4, 4, 1]);
 * assert.deepEqual(nn.avgPool2d(x, 2).reshape([4]).toArray(), [2.5, 4.5, 10.5, 12.5]);
 * ```
 */
export function avgPool2d(
  x: NDArray,
  window: number | readonly [number, number],
  options: WindowOptions = {},
): NDArray {
  return pool("nn.avgPool2d", x, window, options, "mean", 2);
}

/**
 * 1-D max pooling over windows of `window` cells along W (stride defaults to the window); the
 * gradient goes to each window's first maximum, as `maxPool2d` and JAX.
 * @param x Input, shape [N, W, C].
 * @param window Window size.
 * @param options `stride` and `padding` ("VALID" default, "SAME", [low, high]; padded cells never win).
 * @returns The pooled array, [N, OW, C].
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const x = np.array([3, 1, 4, 1, 5, 9, 2]).reshape([1, 7, 1]);
 * assert.deepEqual(nn.maxPool1d(x, 2).reshape([3]).toArray(), [3, 4, 9]);
 * assert.deepEqual(nn.maxPool1d(x, 3, { stride: 1, padding: "SAME" }).reshape([7]).toArray(), [3, 4, 4, 5, 9, 9, 9]);
 * ```
 */
export function maxPool1d(x: NDArray, window: number, options: Window1dOptions = {}): NDArray {
  return pool("nn.maxPool1d", x, window, options, "max", 1);
}

/**
 * 1-D average pooling over windows of `window` cells along W (stride defaults to the window);
 * float16/bfloat16 windows are summed in float32, as `avgPool2d`.
 * @param x Input, shape [N, W, C].
 * @param window Window size.
 * @param options `stride`, `padding` and `countIncludePad` (default true: padded cells count as zeros).
 * @returns The pooled array, [N, OW, C].
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const x = np.array([1, 2, 3, 4]).reshape([1, 4, 1]);
 * assert.deepEqual(nn.avgPool1d(x, 2).reshape([2]).toArray(), [1.5, 3.5]);
 * const same = nn.avgPool1d(x, 2, { stride: 1, padding: "SAME", countIncludePad: false });
 * assert.deepEqual(same.reshape([4]).toArray(), [1.5, 2.5, 3.5, 4]);
 * ```
 */
export function avgPool1d(x: NDArray, window: number, options: Window1dOptions = {}): NDArray {
  return pool("nn.avgPool1d", x, window, options, "mean", 1);
}

/** Options of the global pooling functions. */
export interface GlobalPoolOptions {
  /** Keep the spatial axes as size 1 (default false: [N, C]). */
  keepdims?: boolean;
}

function globalPool(
  op: string,
  x: NDArray,
  options: GlobalPoolOptions,
  kind: "max" | "mean",
): NDArray {
  checkOptions(op, options, ["keepdims"]);
  if (!(x instanceof NDArray)) throw new TypeError(`${op}: expected an array, got ${show(x)}.`);
  if (x.ndim < 3) {
    throw new TypeError(
      `${op}: expected input [N, …spatial, C] with at least one spatial axis (rank ≥ 3), got ` +
        `shape ${fmtShape(x.shape)}.`,
    );
  }
  const keepdims = options?.keepdims === undefined
    ? false
    : checkBool(op, "keepdims", options.keepdims);
  const axis = Array.from({ length: x.ndim - 2 }, (_, a) => a + 1);
  return kind === "max" ? np.max(x, { axis, keepdims }) : np.mean(x, { axis, keepdims });
}

/**
 * Global average pooling: the mean over every spatial axis of [N, …spatial, C] (1-D, 2-D or more).
 * @param x Input, shape [N, …spatial, C].
 * @param options `keepdims` (default false).
 * @returns [N, C] (or [N, 1, …, 1, C] with `keepdims`).
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const x = np.arange(8).astype("float32").reshape([1, 2, 2, 2]);
 * assert.deepEqual(nn.globalAvgPool(x).toArray(), [[3, 4]]);
 * ```
 */
export function globalAvgPool(x: NDArray, options: GlobalPoolOptions = {}): NDArray {
  return globalPool("nn.globalAvgPool", x, options, "mean");
}

/**
 * Global max pooling: the maximum over every spatial axis of [N, …spatial, C]; as `jnp.max`,
 * tied maxima share the gradient equally (unlike `maxPool2d`, whose windows follow
 * reduce_window's rule).
 * @param x Input, shape [N, …spatial, C].
 * @param options `keepdims` (default false).
 * @returns [N, C] (or [N, 1, …, 1, C] with `keepdims`).
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const x = np.array([1, 5, 2, 0, 3, 7]).reshape([1, 3, 2]);
 * assert.deepEqual(nn.globalMaxPool(x).toArray(), [[3, 7]]);
 * ```
 */
export function globalMaxPool(x: NDArray, options: GlobalPoolOptions = {}): NDArray {
  return globalPool("nn.globalMaxPool", x, options, "max");
}
