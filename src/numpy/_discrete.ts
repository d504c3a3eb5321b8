/**
 * Elementwise `np` functions on signs and integers: sign bits and copysign, truncation,
 * the remainder families (fmod, mod/remainder, floorDivide), heaviside, floating-point
 * predicates (isnan, isinf, isfinite, nanToNum), and logical and bitwise operations.
 * Compositions of primitives except the C remainder and the bitwise ops (see `core/_ir.ts`).
 */
import { finiteMax, isFloat, isUnsigned } from "../core/_dtype.ts";
import * as lax from "../core/_lax.ts";
import type { ArrayLike, NDArray } from "../core/_ndarray.ts";
import { asArrayValue, broadcastAll, promote } from "./_base.ts";
import { b, c, floatArgs, numericArgs, u } from "./_math_operands.ts";

// ---- signs, rounding and remainders -----------------------------------------------

/**
 * True where the sign bit is set (negative numbers and −0).
 * @param x The input.
 * @returns A bool array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.signbit(np.array([-1, -0, 0, 2])).toArray(), [true, true, false, false]);
 * ```
 */
export function signbit(x: ArrayLike): NDArray {
  const a = asArrayValue("np.signbit", x);
  if (a.dtype === "bool") return lax.full({ shape: a.shape, dtype: "bool" }, 0);
  const negative = b("lt", a, c(a, 0));
  if (!isFloat(a.dtype)) return negative;
  // −0 is the zero whose reciprocal is −Infinity
  const negZero = b("lt", lax.div(c(a, 1), a), c(a, 0));
  return b("or", negative, b("and", b("eq", a, c(a, 0)), negZero));
}

/**
 * |x1| with the sign of x2 (its sign bit, so −0 counts as negative).
 * @param x1 The magnitudes.
 * @param x2 The signs.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.copysign(3, -1).item(), -3);
 * ```
 */
export function copysign(x1: ArrayLike, x2: ArrayLike): NDArray {
  const [x, y] = floatArgs("copysign", x1, x2);
  const m = u("abs", x);
  return lax.select(signbit(y), lax.neg(m), m);
}

/**
 * Rounds toward zero.
 * @param x The input.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.trunc(np.array([-1.7, 1.7])).toArray(), [-1, 1]);
 * ```
 */
export function trunc(x: ArrayLike): NDArray {
  const a = asArrayValue("np.trunc", x);
  if (!isFloat(a.dtype)) return a;
  return lax.select(b("lt", a, c(a, 0)), u("ceil", a), u("floor", a));
}

/**
 * C's remainder x1 − x2·trunc(x1/x2), with the sign of x1.
 * @param x1 The dividend.
 * @param x2 The divisor.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.fmod(np.array([-7, 7]), 3).toArray(), [-1, 1]);
 * ```
 */
export function fmod(x1: ArrayLike, x2: ArrayLike): NDArray {
  const [x, y] = numericArgs("fmod", x1, x2);
  // an integer x fmod 0 is 0, as JAX's (the divisor 0 counts as 1)
  return b("rem", x, isFloat(y.dtype) ? y : lax.select(b("eq", y, c(y, 0)), c(y, 1), y));
}

/**
 * Python's remainder x1 − x2·floor(x1/x2), with the sign of x2.
 * @param x1 The dividend.
 * @param x2 The divisor.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.mod(np.array([-7, 7]), 3).toArray(), [2, 1]);
 * ```
 */
export function mod(x1: ArrayLike, x2: ArrayLike): NDArray {
  const [x, y] = numericArgs("mod", x1, x2);
  return pythonMod(x, y);
}

function pythonMod(x: NDArray, y: NDArray): NDArray {
  // an integer x mod 0 is 0, as JAX's (the divisor 0 counts as 1)
  if (!isFloat(y.dtype)) y = lax.select(b("eq", y, c(y, 0)), c(y, 1), y);
  const r = b("rem", x, y);
  const zero = c(r, 0);
  const fix = b("and", b("ne", r, zero), b("ne", b("lt", r, zero), b("lt", y, zero)));
  return lax.select(fix, lax.add(r, y), r);
}

/**
 * Same as `mod` (NumPy's name).
 * @param x1 The dividend.
 * @param x2 The divisor.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.remainder(-1, 4).item(), 3);
 * ```
 */
export function remainder(x1: ArrayLike, x2: ArrayLike): NDArray {
  return mod(x1, x2);
}

/**
 * floor(x1 / x2), as Python's `//` (integers stay integers).
 * @param x1 The dividend.
 * @param x2 The divisor.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.floorDivide(np.array([-7, 7], { dtype: "int32" }), 2).toArray(), [-4, 3]);
 * ```
 */
export function floorDivide(x1: ArrayLike, x2: ArrayLike): NDArray {
  const [x, y] = numericArgs("floorDivide", x1, x2);
  if (!isFloat(x.dtype)) {
    // integers, as JAX's: the truncated quotient, less 1 where the signs differ and the
    // division is inexact (x / 0 is −1 by XLA's integer division, then that rule applies)
    const q = lax.div(x, y);
    if (isUnsigned(x.dtype)) return q;
    const inexact = b("ne", b("rem", x, y), c(x, 0));
    const fix = b("and", b("ne", u("sign", x), u("sign", y)), inexact);
    return lax.select(fix, lax.sub(q, c(q, 1)), q);
  }
  // JAX's (CPython's float_divmod): (x − fmod(x, y)) / y, less 1 where the remainder's sign
  // differs from y's; x / 0 is ±inf (NaN for 0 / 0)
  const r = b("rem", x, y);
  const div = lax.div(lax.select(b("eq", y, c(y, 0)), x, lax.sub(x, r)), y);
  const fix = b("and", b("ne", r, c(r, 0)), b("ne", u("sign", y), u("sign", r)));
  return u("round", lax.select(fix, lax.sub(div, c(div, 1)), div));
}

/**
 * 0 where x1 < 0, 1 where x1 > 0, x2 where x1 = 0, and NaN where x1 is NaN.
 * @param x1 The input.
 * @param x2 The value at 0.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.heaviside(np.array([-1, 0, 2]), 0.5).toArray(), [0, 0.5, 1]);
 * ```
 */
export function heaviside(x1: ArrayLike, x2: ArrayLike): NDArray {
  const [x, h] = floatArgs("heaviside", x1, x2);
  const zero = c(x, 0);
  // NaN stays NaN, as JAX's
  const atZero = lax.select(b("ne", x, x), x, h);
  return lax.select(b("lt", x, zero), zero, lax.select(b("gt", x, zero), c(x, 1), atZero));
}

// ---- floating-point predicates -----------------------------------------------------

/**
 * True where x is NaN.
 * @param x The input.
 * @returns A bool array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.isnan(np.array([1, NaN])).toArray(), [false, true]);
 * ```
 */
export function isnan(x: ArrayLike): NDArray {
  const a = asArrayValue("np.isnan", x);
  return b("ne", a, a);
}

/**
 * True where x is +Infinity or −Infinity.
 * @param x The input.
 * @returns A bool array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.isinf(np.array([-Infinity, 1])).toArray(), [true, false]);
 * ```
 */
export function isinf(x: ArrayLike): NDArray {
  const a = asArrayValue("np.isinf", x);
  if (!isFloat(a.dtype)) return lax.full({ shape: a.shape, dtype: "bool" }, 0);
  return b("eq", u("abs", a), c(a, Infinity));
}

/**
 * True where x is neither infinite nor NaN.
 * @param x The input.
 * @returns A bool array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.isfinite(np.array([NaN, Infinity, 2])).toArray(), [false, false, true]);
 * ```
 */
export function isfinite(x: ArrayLike): NDArray {
  const a = asArrayValue("np.isfinite", x);
  if (!isFloat(a.dtype)) return lax.full({ shape: a.shape, dtype: "bool" }, 1);
  return b("lt", u("abs", a), c(a, Infinity));
}

/** Options of `nanToNum`. */
export interface NanToNumOptions {
  /** The value for NaN (0 by default). */
  nan?: number;
  /** The value for +Infinity (the largest finite value of the dtype by default). */
  posinf?: number;
  /** The value for −Infinity (the most negative finite value of the dtype by default). */
  neginf?: number;
}

/**
 * Replaces NaN and infinities by finite numbers (the gradient passes where x was finite).
 * @param x The input.
 * @param options `nan`, `posinf`, `neginf` replacements.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.nanToNum(np.array([NaN, 1]), { nan: -1 }).toArray(), [-1, 1]);
 * ```
 */
export function nanToNum(x: ArrayLike, options: NanToNumOptions = {}): NDArray {
  for (const k of Object.keys(options)) {
    if (!["nan", "posinf", "neginf"].includes(k)) {
      throw new TypeError(`np.nanToNum: unknown option "${k}"; use nan, posinf or neginf.`);
    }
  }
  const a = asArrayValue("np.nanToNum", x);
  if (!isFloat(a.dtype)) return a;
  const big = finiteMax(a.dtype);
  let out = lax.select(isnan(a), c(a, options.nan ?? 0), a);
  out = lax.select(b("eq", a, c(a, Infinity)), c(a, options.posinf ?? big), out);
  return lax.select(b("eq", a, c(a, -Infinity)), c(a, options.neginf ?? -big), out);
}

// ---- logical and bitwise ------------------------------------------------------------

function truthy(op: string, x: ArrayLike): NDArray {
  const a = asArrayValue(`np.${op}`, x);
  return a.dtype === "bool" ? a : b("ne", a, c(a, 0));
}

function logical(op: string, p: "and" | "or" | "xor", x1: ArrayLike, x2: ArrayLike): NDArray {
  const [x, y] = broadcastAll(`np.${op}`, [truthy(op, x1), truthy(op, x2)]);
  return b(p, x, y);
}

/**
 * Elementwise logical and (non-zero is true).
 * @param x1 The first input.
 * @param x2 The second input.
 * @returns A bool array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.logicalAnd(np.array([true, true]), np.array([true, false])).toArray(), [true, false]);
 * ```
 */
export function logicalAnd(x1: ArrayLike, x2: ArrayLike): NDArray {
  return logical("logicalAnd", "and", x1, x2);
}

/**
 * Elementwise logical or (non-zero is true).
 * @param x1 The first input.
 * @param x2 The second input.
 * @returns A bool array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.logicalOr(np.array([0, 0]), np.array([0, 2])).toArray(), [false, true]);
 * ```
 */
export function logicalOr(x1: ArrayLike, x2: ArrayLike): NDArray {
  return logical("logicalOr", "or", x1, x2);
}

/**
 * Elementwise logical exclusive or (non-zero is true).
 * @param x1 The first input.
 * @param x2 The second input.
 * @returns A bool array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.logicalXor(np.array([1, 1]), np.array([0, 1])).toArray(), [true, false]);
 * ```
 */
export function logicalXor(x1: ArrayLike, x2: ArrayLike): NDArray {
  return logical("logicalXor", "xor", x1, x2);
}

/**
 * Elementwise logical not (non-zero is true).
 * @param x The input.
 * @returns A bool array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.logicalNot(np.array([0, 3])).toArray(), [true, false]);
 * ```
 */
export function logicalNot(x: ArrayLike): NDArray {
  const t = truthy("logicalNot", x);
  return b("xor", t, lax.full(t, 1));
}

function integerArgs(op: string, x1: ArrayLike, x2: ArrayLike): [NDArray, NDArray] {
  const [x, y] = broadcastAll(`np.${op}`, promote(`np.${op}`, [x1, x2]));
  if (isFloat(x.dtype)) {
    throw new TypeError(
      `np.${op}: needs integer or bool operands, got ${x.dtype}; convert with astype("int32").`,
    );
  }
  return [x, y];
}

/**
 * Bitwise and of int32 (or logical and of bool) arrays.
 * @param x1 The first input.
 * @param x2 The second input.
 * @returns The result, of the operands' dtype.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.bitwiseAnd(np.array(12, { dtype: "int32" }), 10).item(), 8);
 * ```
 */
export function bitwiseAnd(x1: ArrayLike, x2: ArrayLike): NDArray {
  const [x, y] = integerArgs("bitwiseAnd", x1, x2);
  return b("and", x, y);
}

/**
 * Bitwise or of int32 (or logical or of bool) arrays.
 * @param x1 The first input.
 * @param x2 The second input.
 * @returns The result, of the operands' dtype.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.bitwiseOr(np.array(12, { dtype: "int32" }), 10).item(), 14);
 * ```
 */
export function bitwiseOr(x1: ArrayLike, x2: ArrayLike): NDArray {
  const [x, y] = integerArgs("bitwiseOr", x1, x2);
  return b("or", x, y);
}

/**
 * Bitwise exclusive or of int32 (or bool) arrays.
 * @param x1 The first input.
 * @param x2 The second input.
 * @returns The result, of the operands' dtype.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.bitwiseXor(np.array(12, { dtype: "int32" }), 10).item(), 6);
 * ```
 */
export function bitwiseXor(x1: ArrayLike, x2: ArrayLike): NDArray {
  const [x, y] = integerArgs("bitwiseXor", x1, x2);
  return b("xor", x, y);
}

/**
 * Bitwise not of int32 (two's complement: −x − 1) or logical not of bool arrays.
 * @param x The input.
 * @returns The result, of the operand's dtype.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.bitwiseNot(np.array(5, { dtype: "int32" })).item(), -6);
 * ```
 */
export function bitwiseNot(x: ArrayLike): NDArray {
  const a = asArrayValue("np.bitwiseNot", x);
  if (isFloat(a.dtype)) {
    throw new TypeError(
      `np.bitwiseNot: needs an integer or bool operand, got ${a.dtype}; convert with astype("int32").`,
    );
  }
  return b("xor", a, lax.full(a, a.dtype === "bool" ? 1 : -1));
}

/**
 * Same as `bitwiseNot` (NumPy's name).
 * @param x The input.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.invert(np.array(true)).itemBool(), false);
 * ```
 */
export function invert(x: ArrayLike): NDArray {
  return bitwiseNot(x);
}
