/**
 * Abstract values: what a tracer knows about the array it stands for (shape and dtype), and
 * their two printed forms, `float32[2,3]` in messages and `f32[2,3]` in a printed jaxpr.
 */
import type { DType } from "./_dtype.ts";
import type { NDArray } from "./_ndarray.ts";
import { fmtShape } from "./_shape.ts";

/** An abstract value: what a tracer knows about the array it stands for. */
export interface Aval {
  /** The size of each axis. */
  readonly shape: readonly number[];
  /** The element type. */
  readonly dtype: DType;
}

export function avalOf(x: NDArray): Aval {
  return { shape: x.shape, dtype: x.dtype };
}

export function fmtAval(a: Aval): string {
  return `${a.dtype}${fmtShape(a.shape)}`;
}

export function fmtAvals(avals: readonly Aval[]): string {
  return avals.map((a) => `${a.dtype}${fmtShape(a.shape)}`).join(", ");
}

const DTYPE_SHORT: Record<DType, string> = {
  float32: "f32",
  float64: "f64",
  float16: "f16",
  bfloat16: "bf16",
  int32: "i32",
  int16: "i16",
  int8: "i8",
  uint8: "u8",
  uint32: "u32",
  bool: "bool",
};

/** An aval as a printed jaxpr shows it: `f32[2,3]`. */
export function shortAval(a: Aval): string {
  return `${DTYPE_SHORT[a.dtype]}[${a.shape.join(",")}]`;
}
