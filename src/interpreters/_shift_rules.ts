/**
 * The bit shifts `shift_left`, `shift_right_logical` and `shift_right_arithmetic` (XLA's
 * ShiftLeft, ShiftRightLogical, ShiftRightArithmetic): their shape rule, eager evaluation and
 * jit's scalar JS code, spread into the tables of `_shape_rules.ts`, `_eval.ts` and
 * `_lowering.ts`. Their JVP (zero: integer outputs), transpose (not linear) and batching
 * (elementwise) are one line each in those tables.
 *
 * Semantics, for an integer dtype of width w (8, 16 or 32) and both operands of that dtype:
 * - the count s is read as an unsigned w-bit number, so a negative s counts as ≥ w;
 * - shift_left(x, s) = the low w bits of x·2ˢ, and 0 when s ≥ w;
 * - shift_right_logical(x, s) = the w-bit pattern of x moved right, zeros filling in, 0 when s ≥ w;
 * - shift_right_arithmetic(x, s) = the w-bit pattern read as a signed number, moved right with
 *   its sign bit filling in (all sign bits when s ≥ w) — also for unsigned dtypes, whose top
 *   bit then counts as a sign (uint8 250 >> 1 = 253), as in XLA.
 * In JS terms: sign-extend (arithmetic) or mask (logical) the w-bit pattern into 32 bits, use
 * the 32-bit `<<`, `>>>`, `>>`, then wrap to the dtype (every typed-array store does).
 */
import type { Aval } from "../core/_trace.ts";
import { allocate, bitWidth, type DType, isInteger, isUnsigned } from "../core/_dtype.ts";
import { DATA } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import type { PrimitiveParams } from "../core/_ir.ts";
import type { ShiftPrimitive } from "../core/_primitive_families.ts";
import { fmtShape, shapesEqual } from "../core/_shape.ts";

// ---- shapes ------------------------------------------------------------------------------

const shape = (prim: ShiftPrimitive) => ([x, s]: Aval[]): Aval[] => {
  if (!isInteger(x.dtype) || s.dtype !== x.dtype || !shapesEqual(x.shape, s.shape)) {
    throw new TypeError(
      `${prim}: needs two integer operands of one shape and dtype, got ` +
        `${x.dtype}${fmtShape(x.shape)} and ${s.dtype}${fmtShape(s.shape)}.`,
    );
  }
  return [x];
};

export const shiftShapeRules = {
  shift_left: shape("shift_left"),
  shift_right_logical: shape("shift_right_logical"),
  shift_right_arithmetic: shape("shift_right_arithmetic"),
};

// ---- scalar code, shared by evaluation and jit -----------------------------------------------

/**
 * The JS expression of a shift of the identifiers `x` by `s` in `dtype`, before wrapping to the
 * dtype (the caller's store, or `wrap` in jit, does that).
 */
export function shiftExpr(prim: ShiftPrimitive, x: string, s: string, dtype: DType): string {
  const w = bitWidth(dtype);
  const inRange = `(${s} >>> 0) < ${w}`; // a negative count reads as a huge unsigned one
  switch (prim) {
    case "shift_left":
      return `(${inRange} ? ${x} << ${s} : 0)`;
    case "shift_right_logical": {
      // the w-bit pattern as a non-negative number (x >>> s itself reads all 32 bits)
      const bits = w === 32 ? x : isUnsigned(dtype) ? x : `(${x} & ${2 ** w - 1})`;
      return `(${inRange} ? ${bits} >>> ${s} : 0)`;
    }
    case "shift_right_arithmetic": {
      // the pattern sign-extended to 32 bits; a count past the width leaves only sign bits
      const signed = !isUnsigned(dtype) ? x : w === 32 ? `(${x} | 0)` : `(${x} << 24 >> 24)`;
      return `(${signed} >> (${inRange} ? ${s} : ${w - 1}))`;
    }
  }
}

// ---- evaluation ------------------------------------------------------------------------------

/** One loop per primitive and dtype, compiled from its own source so each stays monomorphic. */
type Loop = (x: unknown, s: unknown, out: unknown, n: number) => void;
const loops = new Map<string, Loop>();

function shiftLoop(prim: ShiftPrimitive, dtype: DType): Loop {
  const key = `${prim}/${dtype}`;
  let loop = loops.get(key);
  if (!loop) {
    const body = `for (let i = 0; i < n; i++) { const x = a[i], s = b[i]; ` +
      `out[i] = ${shiftExpr(prim, "x", "s", dtype)}; }`;
    loop = new Function("a", "b", "out", "n", `"use strict"; ${body}`) as Loop;
    loops.set(key, loop);
  }
  return loop;
}

const evaluate = (prim: ShiftPrimitive) => ([x, s]: ArrayValue[]): ArrayValue[] => {
  const out = allocate(x.dtype, x.size);
  shiftLoop(prim, x.dtype)(x[DATA], s[DATA], out, out.length);
  return [new ArrayValue(out, x.shape, x.dtype)];
};

type EvalFn = (args: ArrayValue[], params: PrimitiveParams[ShiftPrimitive]) => ArrayValue[];

export const shiftEvalRules: { [P in ShiftPrimitive]: EvalFn } = {
  shift_left: evaluate("shift_left"),
  shift_right_logical: evaluate("shift_right_logical"),
  shift_right_arithmetic: evaluate("shift_right_arithmetic"),
};
