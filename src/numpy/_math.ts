/**
 * More elementwise math for `np`: inverse trigonometric and hyperbolic functions, exp/log in
 * other bases, special functions (erf, lgamma, digamma) and log-add-exp. Signs, rounding,
 * remainders, floating-point predicates and logical/bitwise operations are in `_discrete.ts`.
 *
 * Most are compositions of primitives, written so that values and gradients stay finite where
 * the function is: branches that would overflow or divide by zero get safe inputs ("double
 * where"), so the unselected branch never feeds NaN into a gradient. The special functions,
 * atan2, the C remainder and the bitwise ops are primitives (see `core/_ir.ts`).
 */
import * as lax from "../core/_lax.ts";
import type { ArrayLike, NDArray } from "../core/_ndarray.ts";
import { b, c, floatArg, floatArgs, LN2, oddExtension, u } from "./_math_operands.ts";

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
