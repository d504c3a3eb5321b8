/** Helpers shared by the `np` modules: operand conversion, dtype promotion, broadcasting. */
import { type DType, isDType, promoteTypes, weakScalarType } from "./_dtype.ts";
import * as lax from "./_lax.ts";
import { ArrayValue, NDArray } from "./_ndarray.ts";
import { broadcastShapes, shapesEqual } from "./_shape.ts";

export function checkDType(op: string, dtype: unknown): DType {
  if (dtype === undefined) return "float32";
  if (!isDType(dtype)) {
    throw new TypeError(
      `${op}: unknown dtype ${JSON.stringify(dtype)}; use float32, float64, int32 or bool.`,
    );
  }
  return dtype;
}

export function checkShape(op: string, shape: readonly number[]): number[] {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new TypeError(
      `${op}: a shape is a list of non-negative integers, got ${JSON.stringify(shape)}.`,
    );
  }
  return [...shape];
}

// ---- promotion and broadcasting -------------------------------------------------

export function asArrayValue(op: string, x: unknown): NDArray {
  if (x instanceof NDArray) return x;
  if (typeof x === "number" || typeof x === "boolean") {
    return ArrayValue.scalar(Number(x), typeof x === "boolean" ? "bool" : "float32");
  }
  throw new TypeError(
    `${op}: expected an array or a number, got ${x === null ? "null" : typeof x}` +
      `${Array.isArray(x) ? " (a JS array: wrap it with np.array(...))" : ""}.`,
  );
}

/** Converts operands to arrays of one dtype (weak JS scalars adopt the arrays' dtype). */
export function promote(op: string, xs: readonly unknown[]): NDArray[] {
  let dtype: DType | undefined;
  for (const x of xs) {
    if (x instanceof NDArray) dtype = dtype ? promoteTypes(dtype, x.dtype) : x.dtype;
    else asArrayValue(op, x);
  }
  if (dtype === undefined) {
    // all scalars: booleans stay bool, numbers become float32
    dtype = xs.every((x) => typeof x === "boolean") ? "bool" : "float32";
  } else {
    for (const x of xs) {
      if (!(x instanceof NDArray)) dtype = promoteTypes(dtype, weakScalarType(x as number, dtype));
    }
  }
  const d = dtype;
  return xs.map((x) => x instanceof NDArray ? lax.convert(x, d) : ArrayValue.scalar(Number(x), d));
}

/** Broadcasts arrays to their common shape (NumPy rules); `op` names the caller in errors. */
export function broadcastAll(op: string, xs: NDArray[]): NDArray[] {
  const shape = broadcastShapes(op, ...xs.map((x) => x.shape));
  return xs.map((x) => broadcastToShape(x, shape));
}

export function broadcastToShape(x: NDArray, shape: readonly number[]): NDArray {
  if (shapesEqual(x.shape, shape)) return x;
  const padded = [...Array(shape.length - x.ndim).fill(1), ...x.shape];
  return lax.broadcast(lax.reshape(x, padded), shape);
}
