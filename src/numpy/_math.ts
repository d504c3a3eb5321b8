/**
 * More elementwise math for `np`: inverse trigonometric and hyperbolic functions, exp/log in
 * other bases, special functions (erf, lgamma, digamma), log-add-exp, rounding and remainder
 * families, floating-point predicates, and logical and bitwise operations.
 *
 * Most are compositions of primitives, written so that values and gradients stay finite where
 * the function is: branches that would overflow or divide by zero get safe inputs ("double
 * where"), so the unselected branch never feeds NaN into a gradient. The special functions,
 * atan2, the C remainder and the bitwise ops are primitives (see `core/_ir.ts`).
 */
import { isFloat } from "../core/_dtype.ts";
import * as lax from "../core/_lax.ts";
import type { ArrayLike, NDArray } from "../core/_ndarray.ts";
import type { BinaryPrimitive, ComparePrimitive, UnaryPrimitive } from "../core/_ir.ts";
import { asArrayValue, broadcastAll, promote } from "./_base.ts";

// ---- operand helpers -------------------------------------------------------------

/** One operand as a float array (integers and bools become float32, as JAX). */
function floatArg(op: string, x: ArrayLike): NDArray {
  const a = asArrayValue(`np.${op}`, x);
  return isFloat(a.dtype) ? a : lax.convert(a, "float32");
}

/** Two operands promoted, broadcast, and made float. */
function floatArgs(op: string, x: ArrayLike, y: ArrayLike): [NDArray, NDArray] {
  const [a, b] = broadcastAll(`np.${op}`, promote(`np.${op}`, [x, y]));
  return isFloat(a.dtype) ? [a, b] : [lax.convert(a, "float32"), lax.convert(b, "float32")];
}

/** Two operands promoted and broadcast, any numeric dtype. */
function numericArgs(op: string, x: ArrayLike, y: ArrayLike): [NDArray, NDArray] {
  const [a, b] = broadcastAll(`np.${op}`, promote(`np.${op}`, [x, y]));
  if (a.dtype === "bool") return [lax.convert(a, "int32"), lax.convert(b, "int32")];
  return [a, b];
}

const c = (x: NDArray, v: number): NDArray => lax.full(x, v);
const u = (p: UnaryPrimitive, x: NDArray): NDArray => lax.unary(p, x);
const b = (p: BinaryPrimitive | ComparePrimitive, x: NDArray, y: NDArray): NDArray =>
  lax.binary(p, x, y);
const LN2 = Math.LN2;

/**
 * f extended to an odd function from its values on x ≥ 0: sign(x)·f(|x|), with |x| formed by
 * a select so that the derivative at 0 is f'(0) (not sign(0)² f'(0) = 0).
 */
function oddExtension(x: NDArray, f: (a: NDArray) => NDArray): NDArray {
  const negative = b("lt", x, c(x, 0));
  const y = f(lax.select(negative, lax.neg(x), x));
  return lax.select(negative, lax.neg(y), y);
}

// ---- constants -------------------------------------------------------------------

/**
 * π.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.pi, Math.PI);
 * ```
 */
export const pi: number = Math.PI;
/**
 * Euler's number e.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.e, Math.E);
 * ```
 */
export const e: number = Math.E;
/**
 * Positive infinity.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.inf, Infinity);
 * ```
 */
export const inf: number = Infinity;
/**
 * Not a number.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.ok(Number.isNaN(np.nan));
 * ```
 */
export const nan: number = NaN;
/**
 * The Euler–Mascheroni constant γ.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.ok(Math.abs(np.eulerGamma - 0.5772156649) < 1e-10);
 * ```
 */
export const eulerGamma: number = 0.5772156649015329;

// ---- trigonometric and hyperbolic ------------------------------------------------

/**
 * The angle of the point (x2, x1) in (−π, π], elementwise: atan2(x1, x2).
 * @param x1 The y coordinates.
 * @param x2 The x coordinates.
 * @returns Angles in radians.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.ok(Math.abs(Number(np.arctan2(1, -1).item()) - 3 * Math.PI / 4) < 1e-6);
 * ```
 */
export function arctan2(x1: ArrayLike, x2: ArrayLike): NDArray {
  const [y, x] = floatArgs("arctan2", x1, x2);
  return b("atan2", y, x);
}

/**
 * Inverse tangent, elementwise, in (−π/2, π/2).
 * @param x The input.
 * @returns Angles in radians.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.ok(Math.abs(Number(np.arctan(1).item()) - Math.PI / 4) < 1e-6);
 * ```
 */
export function arctan(x: ArrayLike): NDArray {
  const a = floatArg("arctan", x);
  return b("atan2", a, c(a, 1));
}

/**
 * Inverse sine, elementwise: atan2(x, √((1 − x)(1 + x))); NaN outside [−1, 1].
 * @param x The input.
 * @returns Angles in radians.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.ok(Math.abs(Number(np.arcsin(1).item()) - Math.PI / 2) < 1e-6);
 * ```
 */
export function arcsin(x: ArrayLike): NDArray {
  const a = floatArg("arcsin", x);
  const root = u("sqrt", lax.mul(lax.sub(c(a, 1), a), lax.add(c(a, 1), a)));
  return b("atan2", a, root);
}

/**
 * Inverse cosine, elementwise: atan2(√((1 − x)(1 + x)), x); NaN outside [−1, 1].
 * @param x The input.
 * @returns Angles in radians, in [0, π].
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.ok(Math.abs(Number(np.arccos(-1).item()) - Math.PI) < 1e-6);
 * ```
 */
export function arccos(x: ArrayLike): NDArray {
  const a = floatArg("arccos", x);
  const root = u("sqrt", lax.mul(lax.sub(c(a, 1), a), lax.add(c(a, 1), a)));
  return b("atan2", root, a);
}

/**
 * Hyperbolic sine, (eˣ − e⁻ˣ)/2, from expm1 so small x keep full precision.
 * @param x The input.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.sinh(0).item(), 0);
 * ```
 */
export function sinh(x: ArrayLike): NDArray {
  const a = floatArg("sinh", x);
  return lax.scale(lax.sub(u("expm1", a), u("expm1", lax.neg(a))), 0.5);
}

/**
 * Hyperbolic cosine, (eˣ + e⁻ˣ)/2.
 * @param x The input.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.cosh(0).item(), 1);
 * ```
 */
export function cosh(x: ArrayLike): NDArray {
  const a = floatArg("cosh", x);
  return lax.scale(lax.add(u("exp", a), u("exp", lax.neg(a))), 0.5);
}

/**
 * Inverse hyperbolic sine: for x ≥ 0, log1p(x + x²/(1 + √(1 + x²))), and log(2x) beyond 1e8;
 * odd in x.
 * @param x The input.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.ok(Math.abs(Number(np.arcsinh(1).item()) - Math.asinh(1)) < 1e-6);
 * ```
 */
export function arcsinh(x: ArrayLike): NDArray {
  return oddExtension(floatArg("arcsinh", x), (a) => {
    const big = b("gt", a, c(a, 1e8));
    const s = lax.select(big, c(a, 1), a);
    const small = u(
      "log1p",
      lax.add(
        s,
        lax.div(lax.mul(s, s), lax.add(c(s, 1), u("sqrt", lax.add(c(s, 1), lax.mul(s, s))))),
      ),
    );
    const l = lax.select(big, a, c(a, 2));
    return lax.select(big, lax.add(u("log", l), c(a, LN2)), small);
  });
}

/**
 * Inverse hyperbolic cosine: log1p((x − 1) + √((x − 1)(x + 1))), and log(2x) beyond 1e8; NaN
 * below 1.
 * @param x The input.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.arccosh(1).item(), 0);
 * ```
 */
export function arccosh(x: ArrayLike): NDArray {
  const a = floatArg("arccosh", x);
  const big = b("gt", a, c(a, 1e8));
  const s = lax.select(big, c(a, 2), a);
  const m = lax.sub(s, c(s, 1));
  const small = u("log1p", lax.add(m, u("sqrt", lax.mul(m, lax.add(s, c(s, 1))))));
  const l = lax.select(big, a, c(a, 2));
  return lax.select(big, lax.add(u("log", l), c(a, LN2)), small);
}

/**
 * Inverse hyperbolic tangent, ½·log1p(2x/(1 − x)); ±Infinity at ±1, NaN beyond.
 * @param x The input.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.arctanh(0).item(), 0);
 * ```
 */
export function arctanh(x: ArrayLike): NDArray {
  const a = floatArg("arctanh", x);
  return lax.scale(u("log1p", lax.div(lax.scale(a, 2), lax.sub(c(a, 1), a))), 0.5);
}

/**
 * √(x1² + x2²) without overflow or underflow: m·√(1 + (n/m)²) for m = max(|x1|, |x2|),
 * n = min; 0 (with zero gradient) at the origin.
 * @param x1 The first leg.
 * @param x2 The second leg.
 * @returns The hypotenuse.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.hypot(3, 4).item(), 5);
 * ```
 */
export function hypot(x1: ArrayLike, x2: ArrayLike): NDArray {
  const [p, q] = floatArgs("hypot", x1, x2);
  const a = u("abs", p), bb = u("abs", q);
  const m = b("max", a, bb), n = b("min", a, bb);
  const zero = b("eq", m, c(m, 0));
  const safeM = lax.select(zero, c(m, 1), m);
  const r = lax.div(n, safeM);
  return lax.select(zero, c(m, 0), lax.mul(m, u("sqrt", lax.add(c(r, 1), lax.mul(r, r)))));
}

/**
 * Degrees to radians.
 * @param x Angles in degrees.
 * @returns Angles in radians.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.ok(Math.abs(Number(np.deg2rad(180).item()) - Math.PI) < 1e-6);
 * ```
 */
export function deg2rad(x: ArrayLike): NDArray {
  return lax.scale(floatArg("deg2rad", x), Math.PI / 180);
}

/**
 * Radians to degrees.
 * @param x Angles in radians.
 * @returns Angles in degrees.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.ok(Math.abs(Number(np.rad2deg(Math.PI).item()) - 180) < 1e-4);
 * ```
 */
export function rad2deg(x: ArrayLike): NDArray {
  return lax.scale(floatArg("rad2deg", x), 180 / Math.PI);
}

/**
 * The normalised sinc function sin(πx)/(πx), 1 at 0 (first derivative 0 there; higher
 * derivatives at exactly 0 are not the analytic ones).
 * @param x The input.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.sinc(0).item(), 1);
 * ```
 */
export function sinc(x: ArrayLike): NDArray {
  const a = floatArg("sinc", x);
  const zero = b("eq", a, c(a, 0));
  const s = lax.scale(lax.select(zero, c(a, 1), a), Math.PI);
  return lax.select(zero, c(a, 1), lax.div(u("sin", s), s));
}

// ---- exponentials and logarithms -------------------------------------------------

/**
 * 2ˣ, elementwise (exact at integers).
 * @param x The exponent.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.exp2(3).item(), 8);
 * ```
 */
export function exp2(x: ArrayLike): NDArray {
  const a = floatArg("exp2", x);
  return b("pow", c(a, 2), a);
}

/**
 * Base-2 logarithm.
 * @param x The input.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.log2(8).item(), 3);
 * ```
 */
export function log2(x: ArrayLike): NDArray {
  return lax.scale(u("log", floatArg("log2", x)), 1 / LN2);
}

/**
 * Base-10 logarithm.
 * @param x The input.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.ok(Math.abs(Number(np.log10(1000).item()) - 3) < 1e-6);
 * ```
 */
export function log10(x: ArrayLike): NDArray {
  return lax.scale(u("log", floatArg("log10", x)), 1 / Math.LN10);
}

/**
 * Cube root, odd in x.
 * @param x The input.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.cbrt(-8).item(), -2);
 * ```
 */
export function cbrt(x: ArrayLike): NDArray {
  return oddExtension(floatArg("cbrt", x), (a) => b("pow", a, c(a, 1 / 3)));
}

/**
 * log(eˣ¹ + eˣ²) without overflow: max + log1p(e^−|x1 − x2|) (x1 + x2 when both are the same
 * infinity).
 * @param x1 The first input.
 * @param x2 The second input.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.ok(Math.abs(Number(np.logaddexp(0, 0).item()) - Math.LN2) < 1e-6);
 * ```
 */
export function logaddexp(x1: ArrayLike, x2: ArrayLike): NDArray {
  const [x, y] = floatArgs("logaddexp", x1, x2);
  return logAddExpArrays(x, y);
}

function logAddExpArrays(x: NDArray, y: NDArray): NDArray {
  const delta = lax.sub(x, y);
  const undefinedDelta = b("ne", delta, delta); // inf − inf
  const safe = lax.select(undefinedDelta, c(delta, 0), delta);
  const out = lax.add(b("max", x, y), u("log1p", u("exp", lax.neg(u("abs", safe)))));
  return lax.select(undefinedDelta, lax.add(x, y), out);
}

/**
 * log₂(2ˣ¹ + 2ˣ²) without overflow.
 * @param x1 The first input.
 * @param x2 The second input.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.ok(Math.abs(Number(np.logaddexp2(1, 1).item()) - 2) < 1e-6);
 * ```
 */
export function logaddexp2(x1: ArrayLike, x2: ArrayLike): NDArray {
  const [x, y] = floatArgs("logaddexp2", x1, x2);
  return lax.scale(logAddExpArrays(lax.scale(x, LN2), lax.scale(y, LN2)), 1 / LN2);
}

// ---- special functions -----------------------------------------------------------

/**
 * The error function.
 * @param x The input.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.erf(0).item(), 0);
 * ```
 */
export function erf(x: ArrayLike): NDArray {
  return u("erf", floatArg("erf", x));
}

/**
 * The complementary error function 1 − erf(x), accurate in the upper tail.
 * @param x The input.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.erfc(0).item(), 1);
 * ```
 */
export function erfc(x: ArrayLike): NDArray {
  return u("erfc", floatArg("erfc", x));
}

/**
 * The inverse error function on (−1, 1) (±Infinity at ±1, NaN outside).
 * @param x The input.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.erfinv(0).item(), 0);
 * ```
 */
export function erfinv(x: ArrayLike): NDArray {
  return u("erf_inv", floatArg("erfinv", x));
}

/**
 * log |Γ(x)| (+Infinity at the poles 0, −1, −2, ...).
 * @param x The input.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.ok(Math.abs(Number(np.lgamma(5).item()) - Math.log(24)) < 1e-5);
 * ```
 */
export function lgamma(x: ArrayLike): NDArray {
  return u("lgamma", floatArg("lgamma", x));
}

/**
 * The digamma function ψ(x) = d/dx log Γ(x) (NaN at the poles).
 * @param x The input.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.ok(Math.abs(Number(np.digamma(1).item()) + np.eulerGamma) < 1e-6);
 * ```
 */
export function digamma(x: ArrayLike): NDArray {
  return u("digamma", floatArg("digamma", x));
}

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
  return b("rem", x, y);
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
  // (x − mod(x, y)) / y is an exact integer (int32 division truncates, which is then exact)
  const q = lax.div(lax.sub(x, pythonMod(x, y)), y);
  return isFloat(q.dtype) ? u("round", q) : q;
}

/**
 * 0 where x1 < 0, 1 where x1 > 0, and x2 where x1 = 0.
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
  return lax.select(b("lt", x, zero), zero, lax.select(b("gt", x, zero), c(x, 1), h));
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
  const big = a.dtype === "float32" ? 3.4028234663852886e38 : Number.MAX_VALUE;
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
      `np.${op}: needs int32 or bool operands, got ${x.dtype}; convert with astype("int32").`,
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
      `np.bitwiseNot: needs an int32 or bool operand, got ${a.dtype}; convert with astype("int32").`,
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
