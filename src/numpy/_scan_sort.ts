/**
 * Sorting and scans for `np`: `argsort` is the one primitive (a stable sorting permutation
 * per lane, zero derivative); `sort`, `topK`, quantiles and `unique` apply it to the values
 * with a gather, so their gradients flow back to the elements that were picked.
 */
import { bind1 } from "../core/_trace.ts";
import * as lax from "../core/_lax.ts";
import { type DType, isFloat } from "../core/_dtype.ts";
import type { ArrayLike, NDArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import { asArrayValue } from "./_base.ts";
import { normalizeAxes, normalizeAxis } from "../core/_shape.ts";
import { checkInt, checkOptions, isOptionsObject, requireList, show } from "../core/_validate.ts";
import { dtypeArg } from "./_args.ts";
import { takeAlongAxis } from "./_indexing.ts";

/** Options of `sort` and `argsort`. */
export interface SortOptions {
  /**
   * Largest first, NaN first (as JAX): `argsort` keeps equal elements in index order;
   * `sort` returns the ascending sort reversed.
   */
  descending?: boolean;
  /** Accepted for JAX compatibility; sorting is always stable. */
  stable?: boolean;
}

function checkSortOptions(op: string, options: SortOptions): boolean {
  for (const k of Object.keys(options)) {
    if (k !== "descending" && k !== "stable") {
      throw new TypeError(`np.${op}: unknown option "${k}"; use descending or stable.`);
    }
  }
  if (typeof options.descending !== "boolean" && options.descending !== undefined) {
    throw new TypeError(
      `np.${op}: descending must be true or false, got ${show(options.descending)}.`,
    );
  }
  if (options.stable === false) {
    throw new RangeError(`np.${op}: only stable sorting is provided; omit stable or pass true.`);
  }
  return options.descending ?? false;
}

function lanes(op: string, x: ArrayLike, axis: number | null): [NDArray, number] {
  let a = asArrayValue(`np.${op}`, x);
  if (axis === null) return [lax.reshape(a, [a.size]), 0];
  if (a.ndim === 0) a = lax.reshape(a, [1]);
  return [a, normalizeAxis(`np.${op}`, axis, a.ndim)];
}

/** sort/argsort's operand, axis and direction; the options may stand in the axis position. */
function sortArgs(
  op: string,
  x: ArrayLike,
  axis: number | null | SortOptions,
  options: SortOptions,
): [NDArray, number, boolean] {
  if (isOptionsObject(axis)) [axis, options] = [-1, axis as SortOptions];
  const descending = checkSortOptions(op, options);
  return [...lanes(op, x, axis as number | null), descending];
}

/**
 * The indices that sort x along `axis` (stable: equal elements keep their order; NaN last,
 * or first when descending, and −0 equal to +0, as JAX).
 * @param x The input.
 * @param axis The axis (default −1; null sorts the flattened array); or the options.
 * @param options `descending`.
 * @returns int32 indices of x's shape.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.argsort(np.array([3, 1, 2])).toArray(), [1, 2, 0]);
 * ```
 */
export function argsort(
  x: ArrayLike,
  axis: number | null | SortOptions = -1,
  options: SortOptions = {},
): NDArray {
  const [a, ax, descending] = sortArgs("argsort", x, axis, options);
  return bind1("argsort", [a], { axis: ax, descending });
}

/**
 * Sorts along `axis` (stable; NaN last; descending: the ascending sort reversed, as JAX).
 * The gradient flows to each element's sorted position.
 * @param x The input.
 * @param axis The axis (default −1; null sorts the flattened array); or the options.
 * @param options `descending`.
 * @returns The sorted array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.sort(np.array([[3, 1, 2]])).toArray(), [[1, 2, 3]]);
 * ```
 */
export function sort(
  x: ArrayLike,
  axis: number | null | SortOptions = -1,
  options: SortOptions = {},
): NDArray {
  const [a, ax, descending] = sortArgs("sort", x, axis, options);
  const sorted = takeAlongAxis(a, bind1("argsort", [a], { axis: ax, descending: false }), ax);
  const n = a.shape[ax];
  // JAX's descending sort is the ascending one reversed (NaN first; equal elements reversed)
  if (!descending || n < 2) return sorted;
  const reversed = new ArrayValue(
    Int32Array.from({ length: n }, (_, i) => n - 1 - i),
    [n],
    "int32",
  );
  return bind1("take", [sorted, reversed], { axis: ax });
}

// ---- scans ------------------------------------------------------------------------------------

/** Options of the cumulative scans. */
export interface ScanOptions {
  /** Scan from the end of the axis towards its start. */
  reverse?: boolean;
  /** Accumulate in this dtype. */
  dtype?: DType;
}

/** A scan's operand: flattened for a null axis, at least 1-D, in the accumulation dtype. */
function scanOperand(
  op: string,
  x: ArrayLike,
  axis: number | null,
  options: ScanOptions,
): [NDArray, number] {
  checkOptions(`np.${op}`, options, ["reverse", "dtype"]);
  if (options.reverse !== undefined && typeof options.reverse !== "boolean") {
    throw new TypeError(`np.${op}: reverse must be true or false, got ${show(options.reverse)}.`);
  }
  let a = asArrayValue(`np.${op}`, x);
  if (axis === null) {
    a = lax.reshape(a, [a.size]);
    axis = 0;
  }
  if (a.ndim === 0) a = lax.reshape(a, [1]);
  const ax = normalizeAxis(`np.${op}`, axis, a.ndim);
  if (options.dtype !== undefined) a = lax.convert(a, dtypeArg(`np.${op}`, options.dtype));
  else if (a.dtype === "bool") a = lax.convert(a, "int32");
  return [a, ax];
}

/**
 * Cumulative sum along `axis` (the flattened array by default); bools count as int32.
 * @param x The input.
 * @param axis The axis (null: flattened).
 * @param options `reverse`, `dtype`.
 * @returns The running sums.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.cumsum(np.array([1, 2, 3])).toArray(), [1, 3, 6]);
 * assert.deepEqual(np.cumsum(np.array([1, 2, 3]), 0, { reverse: true }).toArray(), [6, 5, 3]);
 * ```
 */
export function cumsum(
  x: ArrayLike,
  axis: number | null = null,
  options: ScanOptions = {},
): NDArray {
  const [a, ax] = scanOperand("cumsum", x, axis, options);
  return lax.cumulative("cumsum", a, ax, options.reverse ?? false);
}

/**
 * Cumulative product along `axis` (the flattened array by default). Its gradient is exact
 * at zeros (no division), as JAX's.
 * @param x The input.
 * @param axis The axis (null: flattened).
 * @param options `reverse`, `dtype`.
 * @returns The running products.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.cumprod(np.array([1, 2, 3])).toArray(), [1, 2, 6]);
 * ```
 */
export function cumprod(
  x: ArrayLike,
  axis: number | null = null,
  options: ScanOptions = {},
): NDArray {
  const [a, ax] = scanOperand("cumprod", x, axis, options);
  return lax.cumulative("cumprod", a, ax, options.reverse ?? false);
}

/**
 * Running maximum along `axis` (the flattened array by default); NaN propagates. A tie
 * shares the gradient as in JAX's `lax.cummax` (each `max` of two equal values gives each half).
 * @param x The input.
 * @param axis The axis (null: flattened).
 * @param options `reverse`.
 * @returns The running maxima.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.cummax(np.array([1, 3, 2])).toArray(), [1, 3, 3]);
 * ```
 */
export function cummax(
  x: ArrayLike,
  axis: number | null = null,
  options: ScanOptions = {},
): NDArray {
  const [a, ax] = scanOperand("cummax", x, axis, options);
  return lax.cumulative("cummax", a, ax, options.reverse ?? false);
}

/**
 * Running minimum along `axis` (the flattened array by default); NaN propagates. A tie
 * shares the gradient as in JAX's `lax.cummin` (each `min` of two equal values gives each half).
 * @param x The input.
 * @param axis The axis (null: flattened).
 * @param options `reverse`.
 * @returns The running minima.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.cummin(np.array([3, 1, 2])).toArray(), [3, 1, 1]);
 * ```
 */
export function cummin(
  x: ArrayLike,
  axis: number | null = null,
  options: ScanOptions = {},
): NDArray {
  const [a, ax] = scanOperand("cummin", x, axis, options);
  return lax.cumulative("cummin", a, ax, options.reverse ?? false);
}

/**
 * Running log-sum-exp along `axis` (the flattened array by default), without overflow.
 * @param x The input.
 * @param axis The axis (null: flattened).
 * @param options `reverse`.
 * @returns log(cumsum(exp(x))).
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const out = np.logcumsumexp(np.array([0, 0]));
 * assert.ok(Math.abs(Number(out.index(1).item()) - Math.LN2) < 1e-6);
 * ```
 */
export function logcumsumexp(
  x: ArrayLike,
  axis: number | null = null,
  options: ScanOptions = {},
): NDArray {
  const a = asArrayValue("np.logcumsumexp", x);
  const f = isFloat(a.dtype) ? a : lax.convert(a, "float32");
  const [b, ax] = scanOperand("logcumsumexp", f, axis, options);
  return lax.cumulative("cumlogsumexp", b, ax, options.reverse ?? false);
}

// ---- top-k, quantiles, unique ---------------------------------------------------------------

/**
 * The k largest entries along the last axis, largest first (ties: lower index first), and
 * their indices.
 * @param x The input.
 * @param k How many.
 * @returns `[values, indices]`.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const [v, i] = np.topK(np.array([1, 5, 3]), 2);
 * assert.deepEqual(v.toArray(), [5, 3]);
 * assert.deepEqual(i.toArray(), [1, 2]);
 * ```
 */
export function topK(x: ArrayLike, k: number): [NDArray, NDArray] {
  const a = asArrayValue("np.topK", x);
  if (a.ndim === 0) throw new TypeError("np.topK: needs at least 1 axis, got a scalar.");
  const ax = a.ndim - 1, n = a.shape[ax];
  checkInt("np.topK", "k", k, 0, n);
  const order = bind1("argsort", [a], { axis: ax, descending: true });
  const idx = bind1("slice", [order], {
    starts: a.shape.map(() => 0),
    stops: a.shape.map((d, i) => (i === ax ? k : d)),
    steps: a.shape.map(() => 1),
  });
  return [takeAlongAxis(a, idx, ax), idx];
}

/** Options of `quantile`, `percentile` and `median`. */
export interface QuantileOptions {
  /** Axis or axes to reduce (all by default). */
  axis?: number | readonly number[] | null;
  /** Keep reduced axes as size 1. */
  keepdims?: boolean;
  /** Interpolation between the two nearest ranks: "linear" (default), "lower", "higher", "nearest", "midpoint". */
  method?: "linear" | "lower" | "higher" | "nearest" | "midpoint";
}

/**
 * The q-th quantiles (q in [0, 1]) over `axis`, interpolating linearly between ranks by
 * default; NaN where a reduced lane holds NaN. The gradient flows to the ranks used.
 * @param x The input.
 * @param q A quantile or a list of them (the result gets q's axis first).
 * @param options `axis`, `keepdims`, `method`.
 * @returns The quantiles.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.quantile(np.array([1, 2, 3, 4]), 0.5).item(), 2.5);
 * ```
 */
export function quantile(
  x: ArrayLike,
  q: number | readonly number[],
  options: QuantileOptions = {},
): NDArray {
  return quantileImpl("quantile", x, q, options, 1);
}

/**
 * The q-th percentiles (q in [0, 100]); see `quantile`.
 * @param x The input.
 * @param q A percentile or a list of them.
 * @param options `axis`, `keepdims`, `method`.
 * @returns The percentiles.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.percentile(np.array([1, 2, 3, 4, 5]), 25).item(), 2);
 * ```
 */
export function percentile(
  x: ArrayLike,
  q: number | readonly number[],
  options: QuantileOptions = {},
): NDArray {
  return quantileImpl("percentile", x, q, options, 100);
}

/**
 * The median over `axis` (mean of the two middle values for even counts).
 * @param x The input.
 * @param options `axis` (or the axis itself) and `keepdims`.
 * @returns The medians.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.median(np.array([3, 1, 2])).item(), 2);
 * ```
 */
export function median(
  x: ArrayLike,
  options?: { axis?: number | readonly number[] | null; keepdims?: boolean } | number | null,
): NDArray {
  const o = options === undefined || options === null || typeof options === "number"
    ? { axis: options ?? null }
    : options;
  checkOptions("np.median", o, ["axis", "keepdims"]);
  return quantileImpl("median", x, 0.5, o, 1);
}

function quantileImpl(
  op: string,
  x: ArrayLike,
  q: number | readonly number[],
  options: QuantileOptions,
  scale: number,
): NDArray {
  const name = `np.${op}`;
  checkOptions(name, options, ["axis", "keepdims", "method"]);
  const method = options.method ?? "linear";
  if (!["linear", "lower", "higher", "nearest", "midpoint"].includes(method)) {
    throw new TypeError(`${name}: unknown method ${show(method)}.`);
  }
  const qs = requireList(name, "q", q) as number[];
  for (const v of qs) {
    if (typeof v !== "number" || !(v >= 0 && v <= scale)) {
      throw new RangeError(`${name}: q must be in [0, ${scale}], got ${show(v)}.`);
    }
  }
  let a = asArrayValue(name, x);
  if (!isFloat(a.dtype)) a = lax.convert(a, "float32");
  const axes = normalizeAxes(name, options.axis, a.ndim);
  const kept = [...Array(a.ndim).keys()].filter((i) => !axes.includes(i));
  const n = axes.reduce((p, i) => p * a.shape[i], 1);
  if (n === 0) throw new RangeError(`${name}: cannot take a quantile of an empty axis.`);
  // the reduced axes, moved last and folded into one, sorted (NaN last)
  const folded = lax.reshape(lax.transpose(a, [...kept, ...axes]), [
    ...kept.map((i) => a.shape[i]),
    n,
  ]);
  const last = folded.ndim - 1;
  const sorted = sort(folded, last);
  const hasNan = lax.binary("ne", pick(sorted, last, n - 1), pick(sorted, last, n - 1));
  const outs = qs.map((v) => {
    const pos = (v / scale) * (n - 1);
    const lo = Math.floor(pos), hi = Math.ceil(pos);
    const frac = pos - lo;
    const vlo = pick(sorted, last, lo), vhi = pick(sorted, last, hi);
    let r: NDArray;
    if (method === "lower") r = vlo;
    else if (method === "higher") r = vhi;
    else if (method === "nearest") r = frac > 0.5 ? vhi : vlo; // a half goes down, as JAX's
    else if (method === "midpoint") r = lo === hi ? vlo : lax.scale(lax.add(vlo, vhi), 0.5);
    else r = frac === 0 ? vlo : lax.add(vlo, lax.scale(lax.sub(vhi, vlo), frac));
    r = lax.select(hasNan, lax.full(r, NaN), r);
    return options.keepdims ? lax.reshape(r, a.shape.map((d, i) => (axes.includes(i) ? 1 : d))) : r;
  });
  if (typeof q === "number") return outs[0];
  return bind1("concatenate", outs.map((o) => lax.reshape(o, [1, ...o.shape])), { axis: 0 });
}

/** x[..., i] along the last axis `ax`. */
function pick(x: NDArray, ax: number, i: number): NDArray {
  const s = bind1("slice", [x], {
    starts: x.shape.map((_, k) => (k === ax ? i : 0)),
    stops: x.shape.map((d, k) => (k === ax ? i + 1 : d)),
    steps: x.shape.map(() => 1),
  });
  return lax.reshape(s, x.shape.slice(0, ax));
}
