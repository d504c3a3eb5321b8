/**
 * Element types and JAX-style type promotion.
 *
 * The lattice is bool < int32 < float32 < float64: a binary op between two
 * arrays takes the larger type. A JS number is a *weak* scalar: it adopts the
 * array's type (`x.mul(2)` stays float32), except that a non-integer number
 * lifts an integer or bool array to float32.
 */

/** The element types an {@link NDArray} can hold. */
export type DType = "float32" | "float64" | "int32" | "bool";

/** The typed arrays that back each dtype (bool is one byte per element, 0 or 1). */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/** All dtypes, for validation messages. */
export const DTYPES: readonly DType[] = ["float32", "float64", "int32", "bool"];

export function isDType(x: unknown): x is DType {
  return typeof x === "string" && (DTYPES as readonly string[]).includes(x);
}

export function isFloat(dtype: DType): boolean {
  return dtype === "float32" || dtype === "float64";
}

/** The smallest dtype that holds values of both `a` and `b`. */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

/** The dtype a weak JS scalar takes next to an array of dtype `other`. */
export function weakScalarType(value: number | boolean, other: DType): DType {
  if (typeof value === "boolean") return other;
  if (isFloat(other)) return other;
  return Number.isInteger(value) ? (other === "bool" ? "int32" : other) : "float32";
}

/** Allocates a zero-filled typed array for `dtype`. */
export function allocate(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case "float32":
      return new Float32Array(size);
    case "float64":
      return new Float64Array(size);
    case "int32":
      return new Int32Array(size);
    case "bool":
      return new Uint8Array(size);
  }
}

/** The dtype a typed array maps to, or undefined for unsupported kinds. */
export function dtypeOfTypedArray(data: ArrayBufferView): DType | undefined {
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Float64Array) return "float64";
  if (data instanceof Int32Array) return "int32";
  if (data instanceof Uint8Array) return "bool";
  return undefined;
}
