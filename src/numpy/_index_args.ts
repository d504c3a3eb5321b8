/**
 * Argument checks shared by the index helpers (`_index_helpers.ts`, `_triangle_indices.ts`):
 * int32 operands and shapes without a zero axis.
 */
import type { ArrayLike, NDArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import { asArrayValue } from "./_base.ts";
import { fmtShape } from "../core/_shape.ts";
import { checkShapeArg } from "../core/_validate.ts";

/** An int32 array of `v` with `shape`. */
export const int32 = (v: readonly number[], shape: number[]) =>
  new ArrayValue(Int32Array.from(v), shape, "int32");

/** An int32 operand (bool and int32 accepted; floats rejected). */
export function intArray(op: string, what: string, x: ArrayLike): NDArray {
  const a = asArrayValue(op, typeof x === "number" ? int32([x], []) : x);
  if (a.dtype !== "int32") {
    throw new TypeError(
      `${op}: ${what} must be int32, got ${a.dtype}; convert with .astype("int32").`,
    );
  }
  return a;
}

/** A shape argument with no zero axis, checked and named by `op`. */
export function dims(op: string, shape: unknown): number[] {
  const s = checkShapeArg(op, shape);
  if (s.some((d) => d === 0)) throw new RangeError(`${op}: shape ${fmtShape(s)} has a zero axis.`);
  return s;
}
