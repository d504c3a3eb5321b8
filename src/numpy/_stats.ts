/**
 * Reductions and statistics for `np` beyond the basic ones: any/all, the NaN-ignoring
 * reductions, weighted averages, covariance and correlation, counting (bincount, histogram),
 * searching (searchsorted). The data-dependent selections (nonzero, unique, ...) are in
 * `_selections.ts`.
 */
import * as lax from "../core/_lax.ts";
import { bind1 } from "../core/_trace.ts";
import { isFloat, isInteger, type TypedArray } from "../core/_dtype.ts";
import { type ArrayLike, DATA, type NDArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import { asArrayValue, broadcastAll, broadcastToShape, promote, truthy } from "./_base.ts";
import { fmtShape, normalizeAxes, normalizeAxis } from "../core/_shape.ts";
import { checkInt, checkOptions, show } from "../core/_validate.ts";
import { type AxisOrOptions, reduceArgs } from "./_args.ts";
import { max, mean, min, sum } from "./_reduce.ts";
import { searchSorted } from "../kernels/sort.ts";
import { isnan } from "./_discrete.ts";
import type { ReduceOptions } from "../core/_ndarray.ts";

/**
 * True where any element over `axis` is non-zero (all axes by default).
 * @param x The input.
 * @param options `axis` (or the axis itself) and `keepdims`.
 * @returns A bool array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.any(np.array([[0, 1], [0, 0]]), 1).toArray(), [true, false]);
 * ```
 */
export function any(x: ArrayLike, options?: AxisOrOptions<ReduceOptions>): NDArray {
  const t = truthy("np.any", x);
  if (t.size === 0) return lax.full({ shape: [], dtype: "bool" }, 0);
  return max(t, reduceArgs("np.any", options));
}

/**
 * True where every element over `axis` is non-zero (all axes by default).
 * @param x The input.
 * @param options `axis` (or the axis itself) and `keepdims`.
 * @returns A bool array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.all(np.array([1, 2, 0])).itemBool(), false);
 * ```
 */
export function all(x: ArrayLike, options?: AxisOrOptions<ReduceOptions>): NDArray {
  const t = truthy("np.all", x);
  if (t.size === 0) return lax.full({ shape: [], dtype: "bool" }, 1);
  return min(t, reduceArgs("np.all", options));
}

function withoutNan(op: string, x: ArrayLike, fill: number): [NDArray, NDArray] {
  const a = asArrayValue(op, x);
  if (!isFloat(a.dtype)) return [a, lax.full({ shape: a.shape, dtype: "bool" }, 0)];
  const nan = isnan(a);
  return [lax.select(nan, lax.full(a, fill), a), nan];
}

/**
 * Sum over `axis`, treating NaN as 0.
 * @param x The input.
 * @param options `axis` and `keepdims`.
 * @returns The sums.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.nansum(np.array([1, NaN, 2])).item(), 3);
 * ```
 */
export function nansum(x: ArrayLike, options?: AxisOrOptions<ReduceOptions>): NDArray {
  return sum(withoutNan("np.nansum", x, 0)[0], reduceArgs("np.nansum", options));
}

/**
 * Mean over `axis` of the non-NaN elements (NaN where all are NaN).
 * @param x The input.
 * @param options `axis` and `keepdims`.
 * @returns The means.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.nanmean(np.array([1, NaN, 3])).item(), 2);
 * ```
 */
export function nanmean(x: ArrayLike, options?: AxisOrOptions<ReduceOptions>): NDArray {
  const opt = reduceArgs("np.nanmean", options);
  let a = asArrayValue("np.nanmean", x);
  if (!isFloat(a.dtype)) a = lax.convert(a, "float32");
  const [clean, nan] = withoutNan("np.nanmean", a, 0);
  const count = sum(lax.convert(lax.binary("xor", nan, lax.full(nan, 1)), a.dtype), opt);
  return lax.div(sum(clean, opt), count);
}

/**
 * Maximum over `axis` ignoring NaN (NaN where all are NaN).
 * @param x The input.
 * @param options `axis` and `keepdims`.
 * @returns The maxima.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.nanmax(np.array([1, NaN, 3])).item(), 3);
 * ```
 */
export function nanmax(x: ArrayLike, options?: AxisOrOptions<ReduceOptions>): NDArray {
  return nanExtremum("np.nanmax", x, options, -Infinity, max);
}

/**
 * Minimum over `axis` ignoring NaN (NaN where all are NaN).
 * @param x The input.
 * @param options `axis` and `keepdims`.
 * @returns The minima.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.nanmin(np.array([1, NaN, 3])).item(), 1);
 * ```
 */
export function nanmin(x: ArrayLike, options?: AxisOrOptions<ReduceOptions>): NDArray {
  return nanExtremum("np.nanmin", x, options, Infinity, min);
}

function nanExtremum(
  op: string,
  x: ArrayLike,
  options: AxisOrOptions<ReduceOptions> | undefined,
  fill: number,
  f: (x: NDArray, o: ReduceOptions) => NDArray,
): NDArray {
  const opt = reduceArgs(op, options);
  const [clean, nan] = withoutNan(op, x, fill);
  const out = f(clean, opt);
  const allNan = min(nan, opt);
  return lax.select(allNan, lax.full(out, NaN), out);
}

/**
 * The weighted mean over `axis`: Σ w·x / Σ w (the plain mean without weights).
 * @param x The input.
 * @param axis The axis (null: all).
 * @param weights Weights of x's shape, or 1-D along `axis`.
 * @returns The averages.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.average(np.array([1, 3]), null, np.array([3, 1])).item(), 1.5);
 * ```
 */
export function average(x: ArrayLike, axis: number | null = null, weights?: ArrayLike): NDArray {
  let a = asArrayValue("np.average", x);
  if (!isFloat(a.dtype)) a = lax.convert(a, "float32");
  const opt = { axis };
  // unweighted: the mean, as JAX (a division; half precision summed in float32)
  if (weights === undefined) {
    normalizeAxes("np.average", axis, a.ndim); // an axis error names np.average
    return mean(a, opt);
  }
  let w = asArrayValue("np.average", weights);
  if (w.ndim === 1 && a.ndim > 1 && axis !== null) {
    const ax = normalizeAxis("np.average", axis, a.ndim);
    if (w.shape[0] !== a.shape[ax]) {
      throw new TypeError(
        `np.average: 1-D weights of length ${w.shape[0]} for axis ${ax} of ${fmtShape(a.shape)}.`,
      );
    }
    w = lax.reshape(w, a.shape.map((d, i) => (i === ax ? d : 1)));
  }
  const [xa, wa] = broadcastAll("np.average", promote("np.average", [a, w]));
  if (xa.ndim !== a.ndim || xa.shape.some((d, i) => d !== a.shape[i])) {
    throw new TypeError(
      `np.average: weights of shape ${fmtShape(w.shape)} do not match x ${fmtShape(a.shape)}.`,
    );
  }
  return lax.div(sum(lax.mul(xa, wa), opt), sum(wa, opt));
}

/** Options of `cov`. */
export interface CovOptions {
  /** Each row is a variable and each column an observation (default true). */
  rowvar?: boolean;
  /** Normalise by N instead of N − 1. */
  bias?: boolean;
  /** Delta degrees of freedom (overrides `bias`). */
  ddof?: number;
}

/**
 * The covariance matrix of the variables in `m`.
 * @param m Variables × observations (or observations × variables with rowvar false).
 * @param options `rowvar`, `bias`, `ddof`.
 * @returns The covariance matrix (a scalar for one variable).
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.cov(np.array([[0, 1, 2], [2, 1, 0]])).toArray(), [[1, -1], [-1, 1]]);
 * ```
 */
export function cov(m: ArrayLike, options: CovOptions = {}): NDArray {
  checkOptions("np.cov", options, ["rowvar", "bias", "ddof"]);
  let a = asArrayValue("np.cov", m);
  if (!isFloat(a.dtype)) a = lax.convert(a, "float32");
  if (a.ndim > 2) throw new TypeError(`np.cov: needs 1-D or 2-D input, got ${fmtShape(a.shape)}.`);
  if (a.ndim < 2) a = lax.reshape(a, [1, a.size]);
  if (options.rowvar === false) a = lax.transpose(a, [1, 0]);
  const n = a.shape[1];
  const ddof = options.ddof ?? (options.bias ? 0 : 1);
  checkInt("np.cov", "ddof", ddof, 0);
  const centered = lax.sub(
    a,
    broadcastToShape(lax.scale(sum(a, { axis: 1, keepdims: true }), 1 / n), a.shape),
  );
  const c = lax.scale(lax.matmul(centered, lax.transpose(centered, [1, 0])), 1 / (n - ddof));
  return c.shape[0] === 1 ? lax.reshape(c, []) : c;
}

/**
 * Pearson correlation coefficients of the variables in `x`.
 * @param x Variables × observations.
 * @param options `rowvar`.
 * @returns The correlation matrix.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.corrcoef(np.array([[0, 1, 2], [2, 1, 0]])).toArray(), [[1, -1], [-1, 1]]);
 * ```
 */
export function corrcoef(x: ArrayLike, options: { rowvar?: boolean } = {}): NDArray {
  checkOptions("np.corrcoef", options, ["rowvar"]);
  const c = cov(x, { rowvar: options.rowvar });
  if (c.ndim === 0) return lax.div(c, c);
  const n = c.shape[0];
  const d = lax.unary(
    "sqrt",
    bind1("take", [
      lax.reshape(c, [n * n]),
      new ArrayValue(
        Int32Array.from({ length: n }, (_, i) => i * n + i),
        [n],
        "int32",
      ),
    ], { axis: 0 }),
  );
  const outer = lax.mul(
    lax.broadcast(lax.reshape(d, [n, 1]), [n, n]),
    lax.broadcast(lax.reshape(d, [1, n]), [n, n]),
  );
  const r = lax.div(c, outer);
  // clip to [−1, 1] as rounding can step outside
  return lax.binary("max", lax.binary("min", r, lax.full(r, 1)), lax.full(r, -1));
}

// ---- counting and searching ----------------------------------------------------------------

function intArg(op: string, x: ArrayLike): NDArray {
  const a = asArrayValue(op, x);
  if (a.dtype === "bool" || isInteger(a.dtype)) return lax.convert(a, "int32");
  if (a.dtype !== "int32") {
    throw new TypeError(`${op}: needs int32 values, got ${a.dtype}; convert with astype("int32").`);
  }
  return a;
}

/**
 * The smallest and largest of `data` (NaN if any is NaN), by a loop: `Math.max(...data)`
 * passes every element as an argument and overflows the call stack on large arrays.
 */
function extremes(data: TypedArray): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v !== v) return [NaN, NaN];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/**
 * Counts of each value 0..length−1 in a 1-D int32 array (or sums of `weights`). `length` is
 * needed under a trace (as JAX); without it the length is max(x) + 1 (at least `minlength`).
 * Negative values are a RangeError; values ≥ length are dropped.
 * @param x Non-negative int32 values.
 * @param options `weights`, `minlength`, `length`.
 * @returns The counts (int32) or weight sums.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.bincount(np.array([0, 2, 2], { dtype: "int32" })).toArray(), [1, 0, 2]);
 * ```
 */
export function bincount(
  x: ArrayLike,
  options: { weights?: ArrayLike; minlength?: number; length?: number } = {},
): NDArray {
  checkOptions("np.bincount", options, ["weights", "minlength", "length"]);
  const a = intArg("np.bincount", x);
  if (a.ndim !== 1) {
    throw new TypeError(`np.bincount: needs a 1-D array, got ${fmtShape(a.shape)}.`);
  }
  let length = options.length;
  if (length === undefined) {
    if (!(a instanceof ArrayValue)) {
      throw new TypeError("np.bincount: inside a transform, pass a static { length }.");
    }
    length = Math.max(options.minlength ?? 0, a.size ? extremes(a[DATA])[1] + 1 : 0);
  }
  checkInt("np.bincount", "length", length, 0);
  if (a instanceof ArrayValue && a[DATA].some((v) => v < 0)) {
    throw new RangeError("np.bincount: values must be non-negative.");
  }
  const w = options.weights === undefined
    ? lax.full({ shape: a.shape, dtype: "int32" }, 1)
    : asArrayValue("np.bincount", options.weights);
  if (w.ndim !== 1 || w.shape[0] !== a.shape[0]) {
    throw new TypeError(
      `np.bincount: weights ${fmtShape(w.shape)} must match x ${fmtShape(a.shape)}.`,
    );
  }
  // out-of-range values go to an extra bin that is dropped
  const inRange = lax.binary("lt", a, lax.full(a, length));
  const idx = lax.select(inRange, a, lax.full(a, length));
  const out = bind1("scatter_add", [w, idx], { axis: 0, size: length + 1 });
  return bind1("slice", [out], { starts: [0], stops: [length], steps: [1] });
}

/**
 * Counts of `a` in `bins` equal-width bins over `range` (min and max of a by default; pass
 * `range` under a trace). Bins are half-open except the last, which includes its right edge.
 * @param a The values (flattened).
 * @param bins Number of bins (default 10).
 * @param range `[lo, hi]`.
 * @returns `[counts (int32), edges (float)]`.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const [counts, edges] = np.histogram(np.array([0, 1, 1, 2]), 2);
 * assert.deepEqual(counts.toArray(), [1, 3]);
 * assert.deepEqual(edges.toArray(), [0, 1, 2]);
 * ```
 */
export function histogram(
  a: ArrayLike,
  bins = 10,
  range?: readonly [number, number],
): [NDArray, NDArray] {
  const x0 = asArrayValue("np.histogram", a);
  checkInt("np.histogram", "bins", bins, 1);
  let x = lax.reshape(x0, [x0.size]);
  if (!isFloat(x.dtype)) x = lax.convert(x, "float32");
  let lo: number, hi: number;
  if (range) [lo, hi] = range;
  else {
    if (!(x instanceof ArrayValue)) {
      throw new TypeError("np.histogram: inside a transform, pass a static range [lo, hi].");
    }
    [lo, hi] = x.size ? extremes(x[DATA]) : [0, 1];
  }
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi)) {
    throw new RangeError(`np.histogram: range must be finite with lo <= hi, got [${lo}, ${hi}].`);
  }
  if (lo === hi) [lo, hi] = [lo - 0.5, hi + 0.5];
  const edges = new Float64Array(bins + 1).map((_, i) => lo + ((hi - lo) * i) / bins);
  edges[bins] = hi;
  const scaled = lax.scale(lax.sub(x, lax.full(x, lo)), bins / (hi - lo));
  let bin = lax.convert(lax.unary("floor", scaled), "int32");
  bin = lax.binary("min", bin, lax.full(bin, bins - 1)); // x = hi goes to the last bin
  const inside = lax.binary(
    "and",
    lax.binary("ge", x, lax.full(x, lo)),
    lax.binary("le", x, lax.full(x, hi)),
  );
  const idx = lax.select(inside, bin, lax.full(bin, bins));
  const counts = bind1("scatter_add", [lax.full({ shape: idx.shape, dtype: "int32" }, 1), idx], {
    axis: 0,
    size: bins + 1,
  });
  const edgeArray = lax.convert(new ArrayValue(edges, [bins + 1], "float64"), x.dtype);
  return [bind1("slice", [counts], { starts: [0], stops: [bins], steps: [1] }), edgeArray];
}

/**
 * Where to insert `v` into the sorted 1-D `a` to keep it sorted: the first such index
 * ("left", default) or the last ("right"), NaN sorting after +inf as in `sort`. Compares every
 * pair (O(len(a)·size(v))).
 * @param a A sorted 1-D array.
 * @param v The values to place.
 * @param options `side`.
 * @returns int32 indices of v's shape.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const a = np.array([1, 2, 2, 3]);
 * assert.deepEqual(np.searchsorted(a, np.array([2, 5])).toArray(), [1, 4]);
 * assert.deepEqual(np.searchsorted(a, 2, { side: "right" }).toArray(), 3);
 * ```
 */
export function searchsorted(
  a: ArrayLike,
  v: ArrayLike,
  options: { side?: "left" | "right" } = {},
): NDArray {
  checkOptions("np.searchsorted", options, ["side"]);
  const side = options.side ?? "left";
  if (side !== "left" && side !== "right") {
    throw new TypeError(`np.searchsorted: side must be "left" or "right", got ${show(side)}.`);
  }
  const [sa, sv] = promote("np.searchsorted", [a, v]);
  if (sa.ndim !== 1) {
    throw new TypeError(`np.searchsorted: a must be 1-D, got ${fmtShape(sa.shape)}.`);
  }
  const n = sa.shape[0];
  if (sa instanceof ArrayValue && sv instanceof ArrayValue) {
    // concrete: the same search per query in a JS loop (kernels/sort.ts)
    const idx = searchSorted(sa[DATA], sv[DATA], side === "right", new Int32Array(sv.size));
    return new ArrayValue(idx, sv.shape, "int32");
  }
  // a binary search per query (JAX's default method, "scan"): the first i in [0, n] where
  // a[i] is not before v, with `before` a < v (left) or a <= v (right) in JAX's total order
  // (NaN after +inf). ⌈log2(n + 1)⌉ rounds of a gather and a compare, O(|v| log n).
  const before = (x: NDArray): NDArray => {
    let b = lax.binary(side === "left" ? "lt" : "le", x, sv);
    if (isFloat(sv.dtype)) {
      const vNan = lax.binary("ne", sv, sv);
      const extra = side === "left" ? lax.binary("and", vNan, lax.binary("eq", x, x)) : vNan;
      b = lax.binary("or", b, extra);
    }
    return b;
  };
  const int = (c: number) => lax.full({ shape: sv.shape, dtype: "int32" }, c);
  let lo: NDArray = int(0), hi: NDArray = int(n);
  for (let span = n; span > 0; span >>= 1) {
    const mid = lax.div(lax.add(lo, hi), int(2)); // (int32 division: lo + hi ≥ 0, so the floor)
    const at = lax.select(lax.binary("lt", mid, int(n)), mid, int(Math.max(n - 1, 0)));
    const open = lax.binary("lt", lo, hi);
    const right = lax.binary(
      "and",
      open,
      n > 0 ? before(bind1("take", [sa, at], { axis: 0 })) : open,
    );
    lo = lax.select(right, lax.add(mid, int(1)), lo);
    hi = lax.select(lax.binary("and", open, lax.binary("xor", right, lax.full(right, 1))), mid, hi);
  }
  return lo;
}

/**
 * The number of non-zero elements over `axis` (all by default).
 * @param x The input.
 * @param options `axis` and `keepdims`.
 * @returns int32 counts.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.countNonzero(np.array([0, 3, 0, 1])).item(), 2);
 * ```
 */
export function countNonzero(x: ArrayLike, options?: AxisOrOptions<ReduceOptions>): NDArray {
  return sum(
    lax.convert(truthy("np.countNonzero", x), "int32"),
    reduceArgs("np.countNonzero", options),
  );
}
