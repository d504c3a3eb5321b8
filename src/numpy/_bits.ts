/**
 * Bit-level `np` functions: shifts (`leftShift`, `rightShift` and their Array API names
 * `bitwiseLeftShift`, `bitwiseRightShift`, with `bitwiseInvert`), the population count
 * `bitwiseCount`, and `nextafter`. The shifts promote and broadcast their operands, then bind
 * the shift primitives (as `lax.shiftLeft` etc. in `_lax_shifts.ts`); the others are compositions of primitives: the population
 * count is the usual parallel bit sum written with products, quotients and masks, and
 * nextafter adds or takes one unit in the last place found from the exponent of |x|.
 */
import { bitWidth, type DType, isFloat, isUnsigned } from "../core/_dtype.ts";
import { bind1 } from "../core/_trace.ts";
import * as lax from "../core/_lax.ts";
import type { ArrayLike, NDArray } from "../core/_ndarray.ts";
import { asArrayValue, broadcastAll, promote } from "./_base.ts";
import { b, c, u } from "./_math_operands.ts";
import { bitwiseNot } from "./_discrete.ts";

/** Promoted, broadcast integer operands (bools count as int32, as JAX's shifts do). */
function shiftArgs(op: string, x1: ArrayLike, x2: ArrayLike): [NDArray, NDArray] {
  let [x, s] = broadcastAll(`np.${op}`, promote(`np.${op}`, [x1, x2]));
  if (isFloat(x.dtype)) {
    throw new TypeError(
      `np.${op}: needs integer operands, got ${x.dtype}; convert with astype("int32").`,
    );
  }
  if (x.dtype === "bool") [x, s] = [lax.convert(x, "int32"), lax.convert(s, "int32")];
  return [x, s];
}

/**
 * x1 shifted left by x2 bits, as JAX's `left_shift`: x1·2^x2 wrapped to the dtype; a shift
 * by the bit width or more, or by a negative amount, gives 0.
 * @param x1 The integers to shift.
 * @param x2 The shift amounts.
 * @returns The result, of the promoted integer dtype.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.leftShift(np.array([1, 100], { dtype: "int8" }), 3).toArray(), [8, 32]);
 * ```
 */
export function leftShift(x1: ArrayLike, x2: ArrayLike): NDArray {
  const [x, s] = shiftArgs("leftShift", x1, x2);
  return bind1("shift_left", [x, s], {});
}

/**
 * x1 shifted right by x2 bits, as JAX's `right_shift`: arithmetic (floor(x1 / 2^x2), the
 * sign fills in) for signed dtypes, logical for unsigned ones; a shift by the bit width or
 * more, or by a negative amount, gives 0, or −1 for a negative signed x1.
 * @param x1 The integers to shift.
 * @param x2 The shift amounts.
 * @returns The result, of the promoted integer dtype.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.rightShift(np.array([-100, 100], { dtype: "int8" }), 3).toArray(), [-13, 12]);
 * ```
 */
export function rightShift(x1: ArrayLike, x2: ArrayLike): NDArray {
  const [x, s] = shiftArgs("rightShift", x1, x2);
  const prim = isUnsigned(x.dtype) ? "shift_right_logical" : "shift_right_arithmetic";
  return bind1(prim, [x, s], {});
}

/**
 * Same as `leftShift` (the Array API name).
 * @param x1 The integers to shift.
 * @param x2 The shift amounts.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.bitwiseLeftShift(np.array(3, { dtype: "uint8" }), 7).item(), 128);
 * ```
 */
export function bitwiseLeftShift(x1: ArrayLike, x2: ArrayLike): NDArray {
  return leftShift(x1, x2);
}

/**
 * Same as `rightShift` (the Array API name).
 * @param x1 The integers to shift.
 * @param x2 The shift amounts.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.bitwiseRightShift(np.array(255, { dtype: "uint8" }), 4).item(), 15);
 * ```
 */
export function bitwiseRightShift(x1: ArrayLike, x2: ArrayLike): NDArray {
  return rightShift(x1, x2);
}

/**
 * The number of set bits of |x| for each element, as JAX's `bitwise_count` (NumPy's
 * definition: the magnitude's bits, so −1 counts 1); uint8 result.
 * @param x Integers or bools.
 * @returns The counts, as uint8.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.bitwiseCount(np.array([7, -1], { dtype: "int8" })).toArray(), [3, 1]);
 * ```
 */
export function bitwiseCount(x: ArrayLike): NDArray {
  const a = asArrayValue("np.bitwiseCount", x);
  if (isFloat(a.dtype)) {
    throw new TypeError(
      `np.bitwiseCount: needs integer or bool values, got ${a.dtype}; convert with astype("int32").`,
    );
  }
  if (a.dtype === "bool") return lax.convert(a, "uint8");
  // |x| as uint32 (|INT_MIN| wraps to INT_MIN: its pattern is the one bit 2ⁿ⁻¹), then only
  // the dtype's own bits
  let v = lax.convert(isUnsigned(a.dtype) ? a : u("abs", a), "uint32");
  const width = bitWidth(a.dtype);
  if (width < 32) v = b("and", v, c(v, 2 ** width - 1));
  const k = (n: number) => c(v, n);
  // pairs, nibbles, bytes: each step adds neighbouring bit counts in place
  v = lax.sub(v, b("and", lax.div(v, k(2)), k(0x55555555)));
  v = lax.add(b("and", v, k(0x33333333)), b("and", lax.div(v, k(4)), k(0x33333333)));
  v = b("and", lax.add(v, lax.div(v, k(16))), k(0x0f0f0f0f));
  // the byte sums meet in the top byte of v · 0x01010101 (the product wraps modulo 2³²)
  v = lax.div(lax.mul(v, k(0x01010101)), k(2 ** 24));
  return lax.convert(v, "uint8");
}

/** Fraction bits, smallest normal exponent, smallest subnormal and largest finite value. */
const NEXT: Partial<Record<DType, { p: number; emin: number; tiny: number; max: number }>> = {
  float16: { p: 10, emin: -14, tiny: 2 ** -24, max: 65504 },
  bfloat16: { p: 7, emin: -126, tiny: 2 ** -133, max: 3.3895313892515355e38 },
  float32: { p: 23, emin: -126, tiny: 2 ** -149, max: 3.4028234663852886e38 },
  float64: { p: 52, emin: -1022, tiny: 2 ** -1074, max: Number.MAX_VALUE },
};

/**
 * The next representable value after x1 in the direction of x2, as JAX's `nextafter`
 * (bit-exact in every float dtype, with subnormals): x2 where x1 = x2, NaN where either is
 * NaN, ±the smallest subnormal from 0, the largest finite value from ±inf. JAX does not
 * differentiate it; here the gradient passes through x1 (the result is x1 moved by a
 * locally constant step), and through x2 where x1 = x2.
 * @param x1 The start.
 * @param x2 The direction.
 * @returns The result, of the promoted float dtype.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.nextafter(np.array(1, { dtype: "float64" }), 2).item(), 1 + 2 ** -52);
 * ```
 */
export function nextafter(x1: ArrayLike, x2: ArrayLike): NDArray {
  let [x, y] = broadcastAll("np.nextafter", promote("np.nextafter", [x1, x2]));
  if (!isFloat(x.dtype)) [x, y] = [lax.convert(x, "float32"), lax.convert(y, "float32")];
  const k = NEXT[x.dtype];
  if (!k) throw new TypeError(`np.nextafter: no float format for ${x.dtype}.`);
  const a = u("abs", x);
  // e = the exponent of |x| (floor(log2 |x|), corrected where log rounds), at least emin
  let e = u("floor", lax.div(u("log", a), c(a, Math.LN2)));
  const two = c(a, 2);
  e = lax.select(b("gt", b("pow", two, e), a), lax.sub(e, c(e, 1)), e);
  e = lax.select(b("le", b("pow", two, lax.add(e, c(e, 1))), a), lax.add(e, c(e, 1)), e);
  e = b("max", e, c(e, k.emin));
  const ulp = b("pow", two, lax.sub(e, c(e, k.p))); // spacing in [2^e, 2^(e+1))
  // toward zero from a power of two above the subnormals, the spacing halves
  const halves = b("and", b("eq", a, b("pow", two, e)), b("gt", e, c(e, k.emin)));
  const down = lax.sub(a, lax.select(halves, lax.div(ulp, two), ulp));
  const away = b("eq", b("lt", x, c(x, 0)), b("lt", y, x)); // moving away from zero
  const mag = lax.select(away, lax.add(a, ulp), down);
  const signed = lax.select(b("lt", x, c(x, 0)), lax.neg(mag), mag);
  // special cases, last wins: ±0 steps to ±tiny, ±inf to ±max, x = y gives y, NaN stays
  const fromZero = lax.select(b("lt", y, x), c(x, -k.tiny), c(x, k.tiny));
  let out = lax.select(b("eq", x, c(x, 0)), fromZero, signed);
  const isInf = b("eq", a, c(a, Infinity));
  out = lax.select(isInf, lax.select(b("lt", x, c(x, 0)), c(x, -k.max), c(x, k.max)), out);
  out = lax.select(b("eq", x, y), y, out);
  const nan = b("or", b("ne", x, x), b("ne", y, y));
  return lax.select(nan, lax.add(x, y), out);
}

/**
 * Same as `bitwiseNot`/`invert` (the Array API name): −x − 1 for integers, not for bools.
 * @param x Integers or bools.
 * @returns The result, of x's dtype.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.bitwiseInvert(np.array(0, { dtype: "uint8" })).item(), 255);
 * ```
 */
export function bitwiseInvert(x: ArrayLike): NDArray {
  return bitwiseNot(x);
}
