/**
 * The shift primitives as public functions, `lax.shiftLeft`, `lax.shiftRightLogical` and
 * `lax.shiftRightArithmetic` (JAX's `lax.shift_left`, `shift_right_logical`,
 * `shift_right_arithmetic`): XLA's semantics (a count outside [0, width) shifts every bit out;
 * see `src/interpreters/_shift_rules.ts`), no type promotion between arrays (as `jax.lax`: both
 * operands of one integer dtype; a JS integer adopts the array's dtype), NumPy broadcasting of
 * shapes. The `np` shifts (`_bits.ts`) promote first, then call the same primitives.
 */
import { intRange, isInteger } from "../core/_dtype.ts";
import { bind1 } from "../core/_trace.ts";
import { NDArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import type { ShiftPrimitive } from "../core/_primitive_families.ts";
import { broadcastAll } from "./_base.ts";

/** Binds a shift to operands of one integer dtype, broadcast to one shape. */
function bindShift(prim: ShiftPrimitive, x: NDArray, s: NDArray): NDArray {
  const [a, b] = broadcastAll(prim, [x, s]);
  return bind1(prim, [a, b], {});
}

function describe(v: unknown): string {
  if (v instanceof NDArray) return `${v.dtype} array`;
  if (Array.isArray(v)) return "a JS array (wrap it with np.array(..., { dtype }))";
  return v === null ? "null" : typeof v === "number" ? String(v) : typeof v;
}

/** Validates and converts the operands of a public shift: integer arrays of one dtype. */
function operands(op: string, x: unknown, s: unknown): [NDArray, NDArray] {
  for (const v of [x, s]) {
    const ok = v instanceof NDArray ? isInteger(v.dtype) : typeof v === "number";
    if (!ok) {
      throw new TypeError(
        `${op}: needs integer arrays (int8, int16, int32, uint8, uint32) or integer numbers, ` +
          `got ${describe(v)}; convert with astype("int32").`,
      );
    }
  }
  if (x instanceof NDArray && s instanceof NDArray && x.dtype !== s.dtype) {
    throw new TypeError(
      `${op}: both operands must have one dtype, got ${x.dtype} and ${s.dtype}; convert one ` +
        `with astype, or use np.leftShift/np.rightShift, which promote.`,
    );
  }
  const dtype = x instanceof NDArray ? x.dtype : s instanceof NDArray ? s.dtype : "int32";
  const [lo, hi] = intRange(dtype);
  const arr = (v: unknown): NDArray => {
    if (v instanceof NDArray) return v;
    const n = v as number;
    if (!Number.isInteger(n) || n < lo || n > hi) {
      throw new RangeError(
        `${op}: the number ${n} is not an integer in the range of ${dtype} ` +
          `[${lo}, ${hi}]; pass an array of another dtype.`,
      );
    }
    return ArrayValue.scalar(n, dtype);
  };
  return [arr(x), arr(s)];
}

/**
 * Shifts the bits of `x` left by `s` places (JAX's `lax.shift_left`): the low w bits of x·2ˢ
 * for a dtype of w bits, and 0 where s < 0 or s ≥ w.
 * @param x Integers (int8, int16, int32, uint8 or uint32), or a JS integer.
 * @param s The counts, of x's dtype (a JS integer adopts it); shapes broadcast.
 * @returns The shifted integers, of x's dtype.
 * @example
 * ```ts
 * import { lax, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const x = np.array([1, 3, 64], { dtype: "int8" });
 * assert.deepEqual(lax.shiftLeft(x, 1).toArray(), [2, 6, -128]);
 * assert.deepEqual(lax.shiftLeft(x, 8).toArray(), [0, 0, 0]); // every bit shifted out
 * ```
 */
export function shiftLeft(x: NDArray | number, s: NDArray | number): NDArray {
  return bindShift("shift_left", ...operands("lax.shiftLeft", x, s));
}

/**
 * Shifts the bits of `x` right by `s` places, zeros filling in from the top (JAX's
 * `lax.shift_right_logical`): the w-bit pattern of x moved right, and 0 where s < 0 or s ≥ w.
 * @param x Integers (int8, int16, int32, uint8 or uint32), or a JS integer.
 * @param s The counts, of x's dtype (a JS integer adopts it); shapes broadcast.
 * @returns The shifted integers, of x's dtype.
 * @example
 * ```ts
 * import { lax, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const x = np.array([-1, 256], { dtype: "int32" });
 * assert.deepEqual(lax.shiftRightLogical(x, 28).toArray(), [15, 0]);
 * assert.deepEqual(lax.shiftRightLogical(x, 32).toArray(), [0, 0]);
 * ```
 */
export function shiftRightLogical(x: NDArray | number, s: NDArray | number): NDArray {
  return bindShift("shift_right_logical", ...operands("lax.shiftRightLogical", x, s));
}

/**
 * Shifts the bits of `x` right by `s` places, the top (sign) bit filling in (JAX's
 * `lax.shift_right_arithmetic`): floor(x / 2ˢ) for signed dtypes, and all sign bits (−1 or 0)
 * where s < 0 or s ≥ w. Unsigned values are shifted as the same bits read signed (uint8 250
 * is −6, so 250 >> 1 = 253), as in XLA.
 * @param x Integers (int8, int16, int32, uint8 or uint32), or a JS integer.
 * @param s The counts, of x's dtype (a JS integer adopts it); shapes broadcast.
 * @returns The shifted integers, of x's dtype.
 * @example
 * ```ts
 * import { lax, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const x = np.array([-100, 100], { dtype: "int16" });
 * assert.deepEqual(lax.shiftRightArithmetic(x, 3).toArray(), [-13, 12]);
 * assert.deepEqual(lax.shiftRightArithmetic(x, 40).toArray(), [-1, 0]);
 * ```
 */
export function shiftRightArithmetic(x: NDArray | number, s: NDArray | number): NDArray {
  return bindShift("shift_right_arithmetic", ...operands("lax.shiftRightArithmetic", x, s));
}
