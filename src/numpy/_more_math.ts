/**
 * Small compositions of existing `np` functions that JAX users reach for: NaN-ignoring
 * reductions and scans beyond `nansum`/`nanmean`/`nanmax`/`nanmin`, `fmax`/`fmin`,
 * `divmod`/`modf`, `ldexp`, `floatPower`, `isposinf`/`isneginf`, the array-API
 * `cumulativeSum`/`cumulativeProd`, and the spellings `degrees`, `radians`, `rint`,
 * `concat`, `permuteDims`, `matrixTranspose`. Each is built from primitives already
 * differentiable, so grad, vmap and jit need nothing new.
 */
import * as lax from "../core/_lax.ts";
import type { ArrayLike, NDArray, ReduceOptions } from "../core/_ndarray.ts";
import { asArrayValue, promote } from "./_base.ts";
import { isFloat, isHalfFloat } from "../core/_dtype.ts";
import { fmtShape, normalizeAxes, normalizeAxis } from "../core/_shape.ts";
import { checkBool, checkInt, checkOptions } from "../core/_validate.ts";
import { type AxisOrOptions, reduceArgs } from "./_args.ts";
import { floorDivide, isnan, mod, trunc } from "./_discrete.ts";
import { deg2rad, rad2deg } from "./_math.ts";
import { argmax, argmin, prod, sum } from "./_reduce.ts";
import { concatenate, transpose } from "./_structure.ts";
import { cumprod, cumsum } from "./_scan_sort.ts";

/** A float copy of x (ints and bools become float32). */
function float(op: string, x: ArrayLike): NDArray {
  const a = asArrayValue(op, x);
  return isFloat(a.dtype) ? a : lax.convert(a, "float32");
}

/** x with NaN replaced by `fill`, and the NaN mask. */
function fillNan(op: string, x: ArrayLike, fill: number): [NDArray, NDArray] {
  const a = float(op, x);
  const nan = isnan(a);
  return [lax.select(nan, lax.full(a, fill), a), nan];
}

/**
 * Product over `axis` treating NaN as 1.
 * @param x The input.
 * @param options `axis` and `keepdims` (or a bare axis).
 * @returns The products.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.nanprod(np.array([2, NaN, 3])).item(), 6);
 * ```
 */
export function nanprod(x: ArrayLike, options?: AxisOrOptions<ReduceOptions>): NDArray {
  return prod(fillNan("np.nanprod", x, 1)[0], reduceArgs("np.nanprod", options));
}

/**
 * Variance over `axis` of the non-NaN elements: Σ (x − mean)² / (count − ddof).
 * @param x The input.
 * @param options `axis`, `keepdims` and `ddof` (or a bare axis).
 * @returns The variances (NaN where fewer than ddof + 1 values are left).
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.nanvar(np.array([1, NaN, 3])).item(), 1);
 * ```
 */
export function nanvar(
  x: ArrayLike,
  options?: AxisOrOptions<ReduceOptions & { ddof?: number }>,
): NDArray {
  const opt = reduceArgs("np.nanvar", options, ["axis", "keepdims", "ddof"]);
  const ddof = opt.ddof === undefined ? 0 : checkInt("np.nanvar", "ddof", opt.ddof, 0);
  const [clean, nan] = fillNan("np.nanvar", x, 0);
  // half precision: computed in float32 and rounded once, as JAX (its nanmean is not)
  if (isHalfFloat(clean.dtype)) {
    const wide = lax.select(nan, lax.full(clean, NaN), clean);
    return lax.convert(nanvar(lax.convert(wide, "float32"), opt), clean.dtype);
  }
  const keep = { axis: opt.axis, keepdims: true };
  const valid = lax.convert(lax.binary("xor", nan, lax.full(nan, 1)), clean.dtype);
  const count = sum(valid, keep);
  const mean = lax.broadcast(lax.div(sum(clean, keep), count), clean.shape);
  const d = lax.mul(lax.sub(clean, mean), valid);
  // NaN where no degrees of freedom are left (count ≤ ddof), as JAX's
  const dof = lax.sub(count, lax.full(count, ddof));
  const none = lax.binary("le", dof, lax.zerosLike(dof));
  const s = sum(lax.mul(d, d), keep);
  const out = lax.div(
    lax.select(none, lax.full(s, NaN), s),
    lax.select(none, lax.full(dof, 1), dof),
  );
  return opt.keepdims ? out : lax.reshape(out, reducedShape(clean, opt.axis));
}

function reducedShape(a: NDArray, axis: number | readonly number[] | null | undefined): number[] {
  const axes = normalizeAxes("np.nanvar", axis ?? null, a.ndim);
  return a.shape.filter((_, i) => !axes.includes(i));
}

/**
 * Standard deviation over `axis` of the non-NaN elements (the square root of `nanvar`).
 * @param x The input.
 * @param options `axis`, `keepdims` and `ddof` (or a bare axis).
 * @returns The standard deviations.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.nanstd(np.array([1, NaN, 3])).item(), 1);
 * ```
 */
export function nanstd(
  x: ArrayLike,
  options?: AxisOrOptions<ReduceOptions & { ddof?: number }>,
): NDArray {
  return lax.unary("sqrt", nanvar(x, options));
}

function nanArg(
  op: "nanargmax" | "nanargmin",
  x: ArrayLike,
  options?: AxisOrOptions<{ axis?: number | null }>,
): NDArray {
  const [clean, nan] = fillNan(`np.${op}`, x, op === "nanargmax" ? -Infinity : Infinity);
  const opt = reduceArgs(`np.${op}`, options as AxisOrOptions<ReduceOptions>, ["axis"]);
  const axis = (opt.axis ?? null) as number | null;
  const idx = (op === "nanargmax" ? argmax : argmin)(clean, { axis });
  // an all-NaN slice gives −1, as JAX
  const count = sum(lax.convert(lax.binary("xor", nan, lax.full(nan, 1)), "int32"), axis);
  return lax.select(lax.binary("eq", count, lax.full(count, 0)), lax.full(idx, -1), idx);
}

/**
 * Index of the maximum along `axis` ignoring NaN (−1 for an all-NaN slice, as JAX).
 * @param x The input.
 * @param options `axis` (the flattened array by default), or a bare axis.
 * @returns int32 indices.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.nanargmax(np.array([1, NaN, 3])).item(), 2);
 * ```
 */
export function nanargmax(
  x: ArrayLike,
  options?: AxisOrOptions<{ axis?: number | null }>,
): NDArray {
  return nanArg("nanargmax", x, options);
}

/**
 * Index of the minimum along `axis` ignoring NaN (−1 for an all-NaN slice, as JAX).
 * @param x The input.
 * @param options `axis` (the flattened array by default), or a bare axis.
 * @returns int32 indices.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.nanargmin(np.array([NaN, 4, 3])).item(), 2);
 * ```
 */
export function nanargmin(
  x: ArrayLike,
  options?: AxisOrOptions<{ axis?: number | null }>,
): NDArray {
  return nanArg("nanargmin", x, options);
}

/**
 * Cumulative sum along `axis` treating NaN as 0 (the flattened array when axis is null).
 * @param x The input.
 * @param axis The axis (default: flattened).
 * @returns The running sums.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.nancumsum(np.array([1, NaN, 3])).toArray(), [1, 1, 4]);
 * ```
 */
export function nancumsum(x: ArrayLike, axis: number | null = null): NDArray {
  return cumsum(fillNan("np.nancumsum", x, 0)[0], axis);
}

/**
 * Cumulative product along `axis` treating NaN as 1 (the flattened array when axis is null).
 * @param x The input.
 * @param axis The axis (default: flattened).
 * @returns The running products.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.nancumprod(np.array([2, NaN, 3])).toArray(), [2, 2, 6]);
 * ```
 */
export function nancumprod(x: ArrayLike, axis: number | null = null): NDArray {
  return cumprod(fillNan("np.nancumprod", x, 1)[0], axis);
}

/** Options of {@link cumulativeSum} and {@link cumulativeProd}. */
export interface CumulativeOptions {
  /** The axis (required when x has more than one axis). */
  axis?: number;
  /** Start with the identity (0 or 1), so the result is one longer along the axis. */
  includeInitial?: boolean;
}

function cumulative(
  op: "cumulativeSum" | "cumulativeProd",
  x: ArrayLike,
  options: CumulativeOptions,
): NDArray {
  checkOptions(`np.${op}`, options, ["axis", "includeInitial"]);
  const a = asArrayValue(`np.${op}`, x);
  if (a.ndim === 0) throw new TypeError(`np.${op}: needs at least one axis, got a scalar.`);
  if (options.axis === undefined && a.ndim > 1) {
    throw new TypeError(
      `np.${op}: pass { axis } for an array of shape ${fmtShape(a.shape)} (more than one axis).`,
    );
  }
  const ax = normalizeAxis(`np.${op}`, options.axis ?? 0, a.ndim);
  const out = (op === "cumulativeSum" ? cumsum : cumprod)(a, ax);
  if (!checkBool(`np.${op}`, "includeInitial", options.includeInitial ?? false)) return out;
  const first = lax.full(
    { shape: out.shape.map((d, i) => (i === ax ? 1 : d)), dtype: out.dtype },
    op === "cumulativeSum" ? 0 : 1,
  );
  return concatenate([first, out], ax);
}

/**
 * The array-API cumulative sum: `cumsum` along one axis, optionally starting with 0.
 * @param x The input.
 * @param options `axis` (required beyond 1-D) and `includeInitial`.
 * @returns The running sums.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const c = np.cumulativeSum(np.array([1, 2, 3]), { includeInitial: true });
 * assert.deepEqual(c.toArray(), [0, 1, 3, 6]);
 * ```
 */
export function cumulativeSum(x: ArrayLike, options: CumulativeOptions = {}): NDArray {
  return cumulative("cumulativeSum", x, options);
}

/**
 * The array-API cumulative product: `cumprod` along one axis, optionally starting with 1.
 * @param x The input.
 * @param options `axis` (required beyond 1-D) and `includeInitial`.
 * @returns The running products.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.cumulativeProd(np.array([1, 2, 3])).toArray(), [1, 2, 6]);
 * ```
 */
export function cumulativeProd(x: ArrayLike, options: CumulativeOptions = {}): NDArray {
  return cumulative("cumulativeProd", x, options);
}

function broadcastShape(op: string, a: NDArray, b: NDArray): number[] {
  const r = Math.max(a.ndim, b.ndim);
  const pa = [...Array(r - a.ndim).fill(1), ...a.shape],
    pb = [...Array(r - b.ndim).fill(1), ...b.shape];
  return pa.map((d, i) => {
    if (d !== pb[i] && d !== 1 && pb[i] !== 1) {
      throw new TypeError(
        `${op}: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} do not broadcast.`,
      );
    }
    return d === 1 ? pb[i] : d;
  });
}

/** a reshaped to rank r with leading 1s, then broadcast. */
function lift(a: NDArray, shape: number[]): NDArray {
  return lax.broadcast(
    lax.reshape(a, [...Array(shape.length - a.ndim).fill(1), ...a.shape]),
    shape,
  );
}

/**
 * Elementwise maximum ignoring NaN: the other operand where one is NaN (NaN only where both are).
 * @param x First operand.
 * @param y Second operand (broadcast with x).
 * @returns The maxima.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.fmax(np.array([1, NaN, 5]), np.array([2, 3, NaN])).toArray(), [2, 3, 5]);
 * ```
 */
export function fmax(x: ArrayLike, y: ArrayLike): NDArray {
  return fminmax("np.fmax", x, y, "max");
}

/**
 * Elementwise minimum ignoring NaN: the other operand where one is NaN (NaN only where both are).
 * @param x First operand.
 * @param y Second operand (broadcast with x).
 * @returns The minima.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.fmin(np.array([1, NaN, 5]), np.array([2, 3, NaN])).toArray(), [1, 3, 5]);
 * ```
 */
export function fmin(x: ArrayLike, y: ArrayLike): NDArray {
  return fminmax("np.fmin", x, y, "min");
}

function fminmax(op: string, x: ArrayLike, y: ArrayLike, pick: "max" | "min"): NDArray {
  const [a, b] = promote(op, [x, y]);
  const shape = broadcastShape(op, a, b);
  const [aa, bb] = [lift(a, shape), lift(b, shape)];
  // as JAX's where(x > y | isnan(y), x, y): y where x is NaN and at ties (so a tie's gradient
  // goes to y), NaN only where both are
  const mask = lax.binary("or", lax.binary(pick === "max" ? "gt" : "lt", aa, bb), isnan(bb));
  return lax.select(mask, aa, bb);
}

/**
 * Floor division and remainder together: `[floorDivide(x, y), mod(x, y)]`.
 * @param x Dividend.
 * @param y Divisor.
 * @returns `[quotient, remainder]`.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const [q, r] = np.divmod(np.array([7, -7]), 2);
 * assert.deepEqual([q.toArray(), r.toArray()], [[3, -4], [1, 1]]);
 * ```
 */
export function divmod(x: ArrayLike, y: ArrayLike): [NDArray, NDArray] {
  return [floorDivide(x, y), mod(x, y)];
}

/**
 * The fractional and integral parts, both with the sign of x: `[x − trunc(x), trunc(x)]`.
 * @param x The input.
 * @returns `[fractional, integral]`.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const [f, i] = np.modf(np.array([2.5, -1.25]));
 * assert.deepEqual([f.toArray(), i.toArray()], [[0.5, -0.25], [2, -1]]);
 * ```
 */
export function modf(x: ArrayLike): [NDArray, NDArray] {
  const a = float("np.modf", x);
  const t = trunc(a);
  return [lax.sub(a, t), t];
}

/**
 * x · 2^e.
 * @param x Mantissas (float).
 * @param e Integer exponents (broadcast with x).
 * @returns The scaled values.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.ldexp(np.array([1, 3]), np.array([3, -1], { dtype: "int32" })).toArray(), [8, 1.5]);
 * ```
 */
export function ldexp(x: ArrayLike, e: ArrayLike): NDArray {
  const a = float("np.ldexp", x);
  const ex = asArrayValue("np.ldexp", e);
  if (isFloat(ex.dtype)) {
    throw new TypeError(`np.ldexp: exponents must be integers, got ${ex.dtype}; use np.pow(2, e).`);
  }
  const shape = broadcastShape("np.ldexp", a, ex);
  const p = lax.binary(
    "pow",
    lax.full({ shape, dtype: a.dtype }, 2),
    lift(lax.convert(ex, a.dtype), shape),
  );
  return lax.mul(lift(a, shape), p);
}

/**
 * x^y computed in float64 (JAX's `float_power`).
 * @param x Base.
 * @param y Exponent.
 * @returns float64 powers.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.floatPower(2, 0.5).dtype, "float64");
 * ```
 */
export function floatPower(x: ArrayLike, y: ArrayLike): NDArray {
  const a = lax.convert(asArrayValue("np.floatPower", x), "float64");
  const b = lax.convert(asArrayValue("np.floatPower", y), "float64");
  const shape = broadcastShape("np.floatPower", a, b);
  return lax.binary("pow", lift(a, shape), lift(b, shape));
}

/**
 * True where x is +∞.
 * @param x The input.
 * @returns A bool array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.isposinf(np.array([Infinity, -Infinity, 1])).toArray(), [true, false, false]);
 * ```
 */
export function isposinf(x: ArrayLike): NDArray {
  const a = asArrayValue("np.isposinf", x);
  return lax.binary("eq", a, lax.full(a, Infinity));
}

/**
 * True where x is −∞.
 * @param x The input.
 * @returns A bool array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.isneginf(np.array([Infinity, -Infinity, 1])).toArray(), [false, true, false]);
 * ```
 */
export function isneginf(x: ArrayLike): NDArray {
  const a = asArrayValue("np.isneginf", x);
  return lax.binary("eq", a, lax.full(a, -Infinity));
}

/**
 * Same as `rad2deg`.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.degrees(Math.PI).item(), 180);
 * ```
 */
export const degrees: typeof rad2deg = rad2deg;
/**
 * Same as `deg2rad`.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.ok(Math.abs(Number(np.radians(180).item()) - Math.PI) < 1e-6);
 * ```
 */
export const radians: typeof deg2rad = deg2rad;
/**
 * Same as `concatenate` (the array-API name).
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.concat([np.array([1]), np.array([2])]).toArray(), [1, 2]);
 * ```
 */
export const concat: typeof concatenate = concatenate;
/**
 * Same as `transpose` (the array-API name).
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.permuteDims(np.ones([2, 3]), [1, 0]).shape, [3, 2]);
 * ```
 */
export const permuteDims: typeof transpose = transpose;

/**
 * Swaps the last two axes (a batch of matrices transposed).
 * @param x An array of at least 2 axes.
 * @returns The transposed matrices.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.matrixTranspose(np.ones([4, 2, 3])).shape, [4, 3, 2]);
 * ```
 */
export function matrixTranspose(x: ArrayLike): NDArray {
  const a = asArrayValue("np.matrixTranspose", x);
  if (a.ndim < 2) {
    throw new TypeError(`np.matrixTranspose: needs at least 2 axes, got ${fmtShape(a.shape)}.`);
  }
  const r = a.ndim;
  return lax.transpose(a, [...Array(r - 2).keys(), r - 1, r - 2]);
}

/**
 * Rounds to the nearest integer, halves to even (same as `round`).
 * @param x The input.
 * @returns The rounded values.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.rint(np.array([0.5, 1.5, -2.5])).toArray(), [0, 2, -2]);
 * ```
 */
export function rint(x: ArrayLike): NDArray {
  const a = asArrayValue("np.rint", x);
  return isFloat(a.dtype) ? lax.unary("round", a) : a;
}
