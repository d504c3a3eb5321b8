/**
 * More compositions over sorted lanes and differences: `nanquantile`/`nanpercentile`/
 * `nanmedian` (NaN-ignoring, linear interpolation), `gradient` (central differences, one-sided
 * at the ends), `unwrap`, `around`, `histogramBinEdges`, `lexsort`, `partition` and
 * `argpartition` (a full stable sort, which meets their contract).
 */
import * as lax from "../core/_lax.ts";
import { bind1 } from "../core/_trace.ts";
import type { ArrayLike, NDArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import { asArrayValue } from "./_base.ts";
import { isFloat } from "../core/_dtype.ts";
import { fmtShape, normalizeAxis } from "../core/_shape.ts";
import { checkInt, checkNumber, checkOptions, show } from "../core/_validate.ts";
import { argsort, cumsum, sort } from "./_scan_sort.ts";
import { takeAlongAxis } from "./_indexing.ts";
import { isnan, mod } from "./_discrete.ts";
import { max, min, sum } from "./_reduce.ts";
import { concatenate, stack } from "./_structure.ts";
import { roundAs } from "./_round.ts";

function float(op: string, x: ArrayLike): NDArray {
  const a = asArrayValue(op, x);
  return isFloat(a.dtype) ? a : lax.convert(a, "float32");
}

/** x[start:stop] along `ax`. */
function part(x: NDArray, ax: number, start: number, stop: number): NDArray {
  return bind1("slice", [x], {
    starts: x.shape.map((_, i) => (i === ax ? start : 0)),
    stops: x.shape.map((d, i) => (i === ax ? stop : d)),
    steps: x.shape.map(() => 1),
  });
}

/** Options of {@link nanquantile}, {@link nanpercentile} and {@link nanmedian}. */
export interface NanQuantileOptions {
  /** One axis, or null (default) for the flattened array. */
  axis?: number | null;
  /** Keep the reduced axis as size 1. */
  keepdims?: boolean;
}

function nanQuantileImpl(
  op: string,
  x: ArrayLike,
  q: number | readonly number[],
  options: NanQuantileOptions,
  scale: number,
): NDArray {
  checkOptions(op, options, ["axis", "keepdims"]);
  if (Array.isArray(options.axis)) {
    throw new TypeError(`${op}: axis must be one axis or null, got ${show(options.axis)}.`);
  }
  let a = float(op, x);
  const shape0 = a.shape;
  let ax: number;
  if (options.axis === undefined || options.axis === null) {
    a = lax.reshape(a, [a.size]);
    ax = 0;
  } else ax = normalizeAxis(op, options.axis, a.ndim);
  const qs = (Array.isArray(q) ? q : [q]) as number[];
  for (const v of qs) {
    if (typeof v !== "number" || !(v >= 0 && v <= scale)) {
      throw new RangeError(`${op}: q must lie in [0, ${scale}], got ${show(v)}.`);
    }
  }
  const sorted = sort(a, ax); // NaN last
  const valid = lax.convert(
    lax.binary("xor", isnan(a), lax.full({ shape: a.shape, dtype: "bool" }, 1)),
    a.dtype,
  );
  const n = sum(valid, { axis: ax, keepdims: true }); // non-NaN count per lane
  const outs = qs.map((v) => {
    // position q (n − 1) between the ranks lo and lo + 1
    const pos = lax.scale(lax.sub(n, lax.full(n, 1)), v / scale);
    const lo = lax.unary("floor", lax.binary("max", pos, lax.zerosLike(pos)));
    const hi = lax.binary(
      "min",
      lax.add(lo, lax.full(lo, 1)),
      lax.binary("max", lax.sub(n, lax.full(n, 1)), lax.zerosLike(n)),
    );
    const at = (i: NDArray) => takeAlongAxis(sorted, lax.convert(i, "int32"), ax);
    const vlo = at(lo), vhi = at(hi);
    const r = lax.add(vlo, lax.mul(lax.sub(pos, lo), lax.sub(vhi, vlo)));
    const none = lax.binary("eq", n, lax.zerosLike(n));
    const out = lax.select(none, lax.full(r, NaN), r);
    if (options.keepdims) {
      return options.axis === undefined || options.axis === null
        ? lax.reshape(out, shape0.map(() => 1))
        : out;
    }
    return lax.reshape(out, out.shape.filter((_, i) => i !== ax));
  });
  return Array.isArray(q) ? stack(outs) : outs[0];
}

/**
 * The q-th quantiles (q in [0, 1]) of the non-NaN elements, interpolating linearly between ranks
 * (NaN for a lane with no values).
 * @param x The input.
 * @param q A quantile or a list of them (the result gets q's axis first).
 * @param options `axis` (one axis, or null for all) and `keepdims`.
 * @returns The quantiles.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.nanquantile(np.array([1, NaN, 2, 3, 4]), 0.5).item(), 2.5);
 * ```
 */
export function nanquantile(
  x: ArrayLike,
  q: number | readonly number[],
  options: NanQuantileOptions = {},
): NDArray {
  return nanQuantileImpl("np.nanquantile", x, q, options, 1);
}

/**
 * The q-th percentiles (q in [0, 100]) of the non-NaN elements; see `nanquantile`.
 * @param x The input.
 * @param q A percentile or a list of them.
 * @param options `axis` and `keepdims`.
 * @returns The percentiles.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.nanpercentile(np.array([1, 2, NaN, 3, 4, 5]), 25).item(), 2);
 * ```
 */
export function nanpercentile(
  x: ArrayLike,
  q: number | readonly number[],
  options: NanQuantileOptions = {},
): NDArray {
  return nanQuantileImpl("np.nanpercentile", x, q, options, 100);
}

/**
 * The median of the non-NaN elements (NaN for a lane with no values).
 * @param x The input.
 * @param options `axis` and `keepdims`.
 * @returns The medians.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.nanmedian(np.array([3, NaN, 1, 2])).item(), 2);
 * ```
 */
export function nanmedian(x: ArrayLike, options: NanQuantileOptions = {}): NDArray {
  return nanQuantileImpl("np.nanmedian", x, 0.5, options, 1);
}

/**
 * The derivative estimate along one axis: (f[i+1] − f[i−1]) / 2h inside, one-sided
 * (f[1] − f[0]) / h and (f[n−1] − f[n−2]) / h at the ends (NumPy's `edge_order=1`).
 * @param f Samples (at least 2 along the axis).
 * @param spacing The uniform sample spacing h (default 1).
 * @param axis The axis (default −1).
 * @returns The estimates, of f's shape.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.gradient(np.array([1, 4, 9, 16])).toArray(), [3, 4, 6, 7]);
 * ```
 */
export function gradient(f: ArrayLike, spacing = 1, axis = -1): NDArray {
  const op = "np.gradient";
  const a = float(op, f);
  if (a.ndim === 0) throw new TypeError(`${op}: needs at least one axis, got a scalar.`);
  const ax = normalizeAxis(op, axis, a.ndim);
  const h = checkNumber(op, "spacing", spacing);
  const n = a.shape[ax];
  if (n < 2) {
    throw new TypeError(
      `${op}: needs at least 2 samples along axis ${ax}, got ${fmtShape(a.shape)}.`,
    );
  }
  const first = lax.scale(lax.sub(part(a, ax, 1, 2), part(a, ax, 0, 1)), 1 / h);
  const last = lax.scale(lax.sub(part(a, ax, n - 1, n), part(a, ax, n - 2, n - 1)), 1 / h);
  if (n === 2) return concatenate([first, last], ax);
  const inner = lax.scale(lax.sub(part(a, ax, 2, n), part(a, ax, 0, n - 2)), 1 / (2 * h));
  return concatenate([first, inner, last], ax);
}

/**
 * Unwraps phases: adds multiples of `period` to each step so that jumps larger than
 * `discont` (default period/2) become their equivalent within ±period/2.
 * @param p Phases.
 * @param discont The largest jump kept as is (default period / 2).
 * @param axis The axis (default −1).
 * @param period The period (default 2π).
 * @returns The unwrapped phases.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const u = np.unwrap(np.array([0, 3, -3, 0]));
 * assert.ok(Math.abs(Number(u.index(2).item()) - (2 * Math.PI - 3)) < 1e-5);
 * ```
 */
export function unwrap(
  p: ArrayLike,
  discont: number | null = null,
  axis = -1,
  period = 2 * Math.PI,
): NDArray {
  const op = "np.unwrap";
  const a = float(op, p);
  if (a.ndim === 0) throw new TypeError(`${op}: needs at least one axis, got a scalar.`);
  const ax = normalizeAxis(op, axis, a.ndim);
  checkNumber(op, "period", period);
  const n = a.shape[ax];
  if (n < 2) return a;
  const half = period / 2;
  const limit = discont === null ? half : Math.max(checkNumber(op, "discont", discont), half);
  const dd = lax.sub(part(a, ax, 1, n), part(a, ax, 0, n - 1));
  // the step's equivalent in [−period/2, period/2); +period/2 for positive steps at the edge
  let ddmod = lax.sub(mod(lax.add(dd, lax.full(dd, half)), period), lax.full(dd, half));
  const edge = lax.select(
    lax.binary("eq", ddmod, lax.full(dd, -half)),
    lax.binary("gt", dd, lax.zerosLike(dd)),
    lax.full({ shape: dd.shape, dtype: "bool" }, 0),
  );
  ddmod = lax.select(edge, lax.full(dd, half), ddmod);
  const small = lax.binary("lt", lax.unary("abs", dd), lax.full(dd, limit));
  const correction = lax.select(small, lax.zerosLike(dd), lax.sub(ddmod, dd));
  return concatenate([part(a, ax, 0, 1), lax.add(part(a, ax, 1, n), cumsum(correction, ax))], ax);
}

/**
 * Same as `round` (NumPy's older name): rounds to `decimals` decimal places, halves to even.
 * @param x The input.
 * @param decimals Decimal places (negative rounds to tens, hundreds, ...).
 * @returns The rounded values (x's dtype).
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.around(np.array([1.234, 5.678], { dtype: "float64" }), 1).toArray(), [1.2, 5.7]);
 * ```
 */
export function around(x: ArrayLike, decimals = 0): NDArray {
  return roundAs("np.around", x, decimals);
}

/**
 * The bin edges `histogram` would use: `bins` equal bins over [min, max] of the values (or
 * `range`), widened by ±0.5 when all values are equal.
 * @param a The values.
 * @param bins The number of bins (default 10).
 * @param range `[lo, hi]` (default the values' min and max).
 * @returns bins + 1 edges.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.histogramBinEdges(np.array([0, 1, 4]), 4).toArray(), [0, 1, 2, 3, 4]);
 * ```
 */
export function histogramBinEdges(
  a: ArrayLike,
  bins = 10,
  range: readonly [number, number] | null = null,
): NDArray {
  const op = "np.histogramBinEdges";
  const x = float(op, a);
  checkInt(op, "bins", bins, 1);
  let lo: NDArray, hi: NDArray;
  if (range !== null) {
    if (!Array.isArray(range) || range.length !== 2 || !(range[0] <= range[1])) {
      throw new RangeError(`${op}: range must be [lo, hi] with lo ≤ hi, got ${show(range)}.`);
    }
    lo = lax.full({ shape: [], dtype: x.dtype }, range[0]);
    hi = lax.full({ shape: [], dtype: x.dtype }, range[1]);
  } else {
    if (x.size === 0) throw new TypeError(`${op}: needs values or a range.`);
    lo = min(x);
    hi = max(x);
  }
  const same = lax.binary("eq", lo, hi);
  lo = lax.select(same, lax.sub(lo, lax.full(lo, 0.5)), lo);
  hi = lax.select(same, lax.add(hi, lax.full(hi, 0.5)), hi);
  const t = Float64Array.from({ length: bins + 1 }, (_, i) => i / bins);
  const grid = lax.convert(new ArrayValue(t, [bins + 1], "float64"), x.dtype);
  const b = (v: NDArray) => lax.broadcast(lax.reshape(v, [1]), [bins + 1]);
  return lax.add(b(lo), lax.mul(grid, lax.sub(b(hi), b(lo))));
}

/**
 * The stable permutation sorting by several keys, the last key first (NumPy's `lexsort`).
 * @param keys Arrays of one shape; the last is the primary key.
 * @param axis The axis (default −1).
 * @returns int32 indices.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const surname = np.array([2, 1, 2, 1]), first = np.array([4, 3, 1, 9]);
 * assert.deepEqual(np.lexsort([first, surname]).toArray(), [1, 3, 2, 0]);
 * ```
 */
export function lexsort(keys: readonly ArrayLike[], axis = -1): NDArray {
  const op = "np.lexsort";
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new TypeError(`${op}: keys must be a non-empty list of arrays, got ${show(keys)}.`);
  }
  const ks = keys.map((k) => asArrayValue(op, k));
  const shape = ks[0].shape;
  if (ks.some((k) => k.ndim !== shape.length || k.shape.some((d, i) => d !== shape[i]))) {
    throw new TypeError(
      `${op}: keys must share one shape, got ${ks.map((k) => fmtShape(k.shape)).join(", ")}.`,
    );
  }
  if (shape.length === 0) throw new TypeError(`${op}: keys need at least one axis.`);
  const ax = normalizeAxis(op, axis, shape.length);
  // stable sorts from the least significant key to the most significant
  let perm: NDArray = argsort(ks[0], ax);
  for (let i = 1; i < ks.length; i++) {
    const order = argsort(takeAlongAxis(ks[i], perm, ax), ax);
    perm = takeAlongAxis(perm, order, ax);
  }
  return perm;
}

/**
 * An array whose k-th element along `axis` is the one a sort would put there, with no larger
 * element before it and no smaller one after (here: fully sorted, which satisfies this).
 * @param a The input.
 * @param kth The position (negative counts from the end).
 * @param axis The axis (default −1).
 * @returns The partitioned array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.partition(np.array([5, 1, 4, 2]), 1).index(1).item(), 2);
 * ```
 */
export function partition(a: ArrayLike, kth: number, axis = -1): NDArray {
  const x = asArrayValue("np.partition", a);
  kthCheck("np.partition", x, kth, axis);
  return sort(x, axis);
}

/**
 * The indices that partition `a` around position `kth` (see {@link partition}; here the full
 * stable sorting permutation).
 * @param a The input.
 * @param kth The position (negative counts from the end).
 * @param axis The axis (default −1).
 * @returns int32 indices.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.argpartition(np.array([5, 1, 4, 2]), 1).index(1).item(), 3);
 * ```
 */
export function argpartition(a: ArrayLike, kth: number, axis = -1): NDArray {
  const x = asArrayValue("np.argpartition", a);
  kthCheck("np.argpartition", x, kth, axis);
  return argsort(x, axis);
}

function kthCheck(op: string, x: NDArray, kth: number, axis: number): void {
  if (x.ndim === 0) throw new TypeError(`${op}: needs at least one axis, got a scalar.`);
  const n = x.shape[normalizeAxis(op, axis, x.ndim)];
  checkInt(op, "kth", kth, -n, n - 1);
}
