/**
 * Element types, their storage, and JAX's type promotion.
 *
 * Ten dtypes: bool; the integers uint8, uint32, int8, int16, int32; the floats float16,
 * bfloat16, float32, float64. Integer arrays live in the matching typed array, so every
 * store wraps modulo 2ⁿ as JAX's integer arithmetic does (int8 127 + 1 = −128).
 *
 * float16 and bfloat16 are storage formats: as JAX on CPU, ops compute in float32 and round
 * the result to the format (to nearest, ties to even; past the largest finite value to ±inf;
 * with subnormals). difftrace holds them in a Float32Array whose values are all exactly
 * representable in the format — `ArrayValue`'s constructor rounds every array of these
 * dtypes once (`roundStorage`) — so every kernel that reads `data[i]` as a number stays
 * right, at 4 bytes an element. `float16Bits`/`bfloat16Bits` give the 16-bit patterns for
 * files and transfers.
 *
 * Promotion is JAX's lattice with x64 disabled for integers (JAX's default mode), since there
 * is no int64: uint32 + int32 → int32. float64 arrays exist and stay float64 in promotion.
 * A JS number is a *weak* scalar: it adopts the array's type (`x.mul(2)` stays float32,
 * uint8 + 1 stays uint8), except that a non-integer number lifts an integer or bool array to
 * float32.
 */

/** The element types an {@link NDArray} can hold. */
export type DType =
  | "float32"
  | "float64"
  | "float16"
  | "bfloat16"
  | "int32"
  | "int16"
  | "int8"
  | "uint8"
  | "uint32"
  | "bool";

/**
 * The typed arrays that back the dtypes: bool and uint8 are one byte per element (bool 0 or
 * 1); float16 and bfloat16 are held in a Float32Array of values rounded to the format.
 */
export type TypedArray =
  | Float32Array
  | Float64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array
  | Uint32Array;

/** All dtypes, for validation messages. */
export const DTYPES: readonly DType[] = [
  "float32",
  "float64",
  "float16",
  "bfloat16",
  "int32",
  "int16",
  "int8",
  "uint8",
  "uint32",
  "bool",
];

/** Bytes per element as JAX counts them (float16 and bfloat16 are 2, though stored in float32). */
export const ITEMSIZE: Readonly<Record<DType, number>> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  uint32: 4,
  bool: 1,
};

/** Bytes per element of each dtype's typed array as stored (float16/bfloat16 live in a Float32Array). */
export const STORAGE_BYTES: Readonly<Record<DType, number>> = {
  ...ITEMSIZE,
  float16: 4,
  bfloat16: 4,
};

export function isDType(x: unknown): x is DType {
  return typeof x === "string" && (DTYPES as readonly string[]).includes(x);
}

/** float16, bfloat16, float32 or float64. */
export function isFloat(dtype: DType): boolean {
  return dtype === "float32" || dtype === "float64" || dtype === "float16" ||
    dtype === "bfloat16";
}

/** float16 or bfloat16: held as float32 values, rounded to 16 bits after each op. */
export function isHalfFloat(dtype: DType): boolean {
  return dtype === "float16" || dtype === "bfloat16";
}

/** An integer dtype (bool is not one). */
export function isInteger(dtype: DType): boolean {
  return dtype === "int32" || dtype === "int16" || dtype === "int8" || dtype === "uint8" ||
    dtype === "uint32";
}

/** uint8 or uint32. */
export function isUnsigned(dtype: DType): boolean {
  return dtype === "uint8" || dtype === "uint32";
}

/** The width of an element in bits (bool counts as 8, as its storage). */
export function bitWidth(dtype: DType): number {
  return BITS[dtype];
}
const BITS: Record<DType, number> = {
  bool: 8,
  uint8: 8,
  int8: 8,
  int16: 16,
  float16: 16,
  bfloat16: 16,
  int32: 32,
  uint32: 32,
  float32: 32,
  float64: 64,
};

/** The range of an integer dtype (bool: 0..1). */
export function intRange(dtype: DType): readonly [min: number, max: number] {
  switch (dtype) {
    case "bool":
      return [0, 1];
    case "uint8":
      return [0, 255];
    case "uint32":
      return [0, 4294967295];
    case "int8":
      return [-128, 127];
    case "int16":
      return [-32768, 32767];
    case "int32":
      return [-2147483648, 2147483647];
  }
  throw new TypeError(`intRange: ${dtype} is not an integer dtype.`);
}

/**
 * A JS number stored as `dtype` the way JAX stores a Python scalar (`jnp.full`, `.at[].set`,
 * weak operands): an integer value wraps modulo 2ⁿ (int8 300 is 44, uint8 −1 is 255), a
 * fractional value truncates toward zero and saturates at the range (NaN → 0), bool is v ≠ 0.
 */
export function scalarAs(dtype: DType, value: number): number {
  if (dtype === "bool") return value !== 0 ? 1 : 0;
  if (!isInteger(dtype)) return value;
  if (Number.isNaN(value)) return 0;
  const [lo, hi] = intRange(dtype);
  if (!Number.isInteger(value)) return Math.max(lo, Math.min(hi, Math.trunc(value)));
  const cell = allocate(dtype, 1);
  cell[0] = value; // typed-array stores of integers wrap modulo 2ⁿ
  return cell[0];
}

/**
 * Throws a RangeError unless the JS number `value` (truncated toward zero) fits integer `dtype`,
 * as `jnp.array` raises OverflowError for an out-of-bounds Python scalar.
 */
export function checkScalarFits(op: string, dtype: DType, value: number): void {
  if (!isInteger(dtype) || dtype === "bool" || Number.isNaN(value)) return;
  const [lo, hi] = intRange(dtype);
  const t = Math.trunc(value);
  if (t < lo || t > hi) {
    throw new RangeError(
      `${op}: ${value} is out of range for ${dtype} [${lo}, ${hi}] (JAX raises OverflowError). ` +
        `Pick a wider dtype, or build it wider and convert with .astype("${dtype}") to wrap.`,
    );
  }
}

/** The largest finite value of a float dtype. */
export function finiteMax(dtype: DType): number {
  switch (dtype) {
    case "float16":
      return 65504;
    case "bfloat16":
      return 3.3895313892515355e38;
    case "float32":
      return 3.4028234663852886e38;
    case "float64":
      return Number.MAX_VALUE;
  }
  throw new TypeError(`finiteMax: ${dtype} is not a float dtype.`);
}

// ---- promotion -------------------------------------------------------------------------

/** Floats in order of size; float16 and bfloat16 meet at float32. */
const FLOAT_RANK: Partial<Record<DType, number>> = {
  float16: 1,
  bfloat16: 1,
  float32: 2,
  float64: 3,
};

/**
 * The smallest dtype that holds values of both `a` and `b`, as `jnp.promote_types` (x64
 * disabled for integers): bool < any integer < any float; a signed and an unsigned integer
 * meet at the signed type twice the unsigned width (uint8 + int8 → int16), capped at int32;
 * float16 + bfloat16 → float32.
 */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === b || b === "bool") return a;
  if (a === "bool") return b;
  const fa = FLOAT_RANK[a], fb = FLOAT_RANK[b];
  if (fa !== undefined && fb !== undefined) {
    if (fa === fb) return "float32"; // float16 with bfloat16
    return fa > fb ? a : b;
  }
  if (fa !== undefined) return a; // an integer meets a float at the float (even float16)
  if (fb !== undefined) return b;
  const ua = isUnsigned(a), ub = isUnsigned(b);
  if (ua === ub) return BITS[a] >= BITS[b] ? a : b;
  const [u, s] = ua ? [a, b] : [b, a];
  if (BITS[s] > BITS[u]) return s;
  return BITS[u] === 8 ? "int16" : "int32";
}

/** The dtype a weak JS scalar takes next to an array of dtype `other`. */
export function weakScalarType(value: number | boolean, other: DType): DType {
  if (typeof value === "boolean") return other;
  if (isFloat(other)) return other;
  return Number.isInteger(value) ? (other === "bool" ? "int32" : other) : "float32";
}

// ---- storage ---------------------------------------------------------------------------

/** Allocates a zero-filled typed array for `dtype`. */
export function allocate(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case "float32":
    case "float16":
    case "bfloat16":
      return new Float32Array(size);
    case "float64":
      return new Float64Array(size);
    case "int32":
      return new Int32Array(size);
    case "int16":
      return new Int16Array(size);
    case "int8":
      return new Int8Array(size);
    case "uint8":
    case "bool":
      return new Uint8Array(size);
    case "uint32":
      return new Uint32Array(size);
  }
}

/** True when `data` is the typed array kind that `dtype` is stored in. */
export function storageMatches(dtype: DType, data: ArrayBufferView): boolean {
  switch (dtype) {
    case "float32":
    case "float16":
    case "bfloat16":
      return data instanceof Float32Array;
    case "float64":
      return data instanceof Float64Array;
    case "int32":
      return data instanceof Int32Array;
    case "int16":
      return data instanceof Int16Array;
    case "int8":
      return data instanceof Int8Array;
    case "uint8":
    case "bool":
      return data instanceof Uint8Array;
    case "uint32":
      return data instanceof Uint32Array;
  }
}

/** The dtype a typed array maps to (a Uint8Array is uint8), or undefined for other kinds. */
export function dtypeOfTypedArray(data: ArrayBufferView): DType | undefined {
  if (data instanceof Float32Array) return "float32";
  if (data instanceof Float64Array) return "float64";
  if (data instanceof Int32Array) return "int32";
  if (data instanceof Int16Array) return "int16";
  if (data instanceof Int8Array) return "int8";
  if (data instanceof Uint8Array) return "uint8";
  if (data instanceof Uint32Array) return "uint32";
  return undefined;
}

// ---- float16 and bfloat16 --------------------------------------------------------------

/**
 * Rounds the float32 value `x` to a binary float with `mant` fraction bits and smallest
 * normal exponent `emin`, to nearest with ties to even; magnitudes at or past `overflow`
 * (halfway between the largest finite value and the next power of two) become ±inf.
 */
function roundBinary(x: number, mant: number, emin: number, overflow: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const a = Math.abs(x);
  if (a >= overflow) return x > 0 ? Infinity : -Infinity;
  let e = Math.max(emin, Math.floor(Math.log2(a)));
  if (e > emin && 2 ** e > a) e--; // log2 may round up just below a power of two
  if (2 ** (e + 1) <= a) e++;
  const quantum = 2 ** (e - mant); // spacing of the format's values in [2^e, 2^(e+1))
  const q = a / quantum; // exact: a power-of-two scaling
  let r = Math.floor(q);
  const frac = q - r;
  if (frac > 0.5 || (frac === 0.5 && r % 2 === 1)) r++;
  const out = r * quantum;
  return x < 0 ? -out : out;
}

const F16_OVERFLOW = 65520; // (2 − 2⁻¹¹)·2¹⁵

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/**
 * The float32 bit pattern `b` rounded to float16's precision and range, as a float32 pattern.
 * In float16's normal range this drops 13 fraction bits, rounding to nearest even (adding
 * 0xfff plus the lowest kept bit carries exactly when the dropped part is over half, or half
 * with an odd kept part); magnitudes ≥ 65520 become ±inf; subnormals go through
 * `roundBinary`. inf and NaN stay.
 */
function float16RoundBits(b: number): number {
  const a = b & 0x7fffffff;
  if (a >= 0x7f800000) return b; // inf, NaN
  if (a >= 0x477ff000) return ((b & 0x80000000) | 0x7f800000) >>> 0; // ≥ 65520: ±inf
  if (a >= 0x38800000) return ((b + 0xfff + ((b >>> 13) & 1)) & 0xffffe000) >>> 0; // ≥ 2⁻¹⁴
  if (a === 0) return b;
  U32[0] = b;
  F32[0] = roundBinary(F32[0], 10, -14, F16_OVERFLOW);
  return U32[0];
}

/**
 * The float32 bit pattern `b` rounded to bfloat16 (the top 16 bits), to nearest even, as a
 * float32 pattern; bfloat16 shares float32's exponent, so subnormals and overflow to ±inf
 * come out of the same carry. NaN stays.
 */
function bfloat16RoundBits(b: number): number {
  if ((b & 0x7fffffff) > 0x7f800000) return b;
  return ((b + 0x7fff + ((b >>> 16) & 1)) & 0xffff0000) >>> 0;
}

/** x rounded to float16 straight from the double, as NumPy converts (no float32 step). */
export function roundFloat16Direct(x: number): number {
  return roundBinary(x, 10, -14, F16_OVERFLOW);
}

/** x rounded to float16 (through float32 first, as XLA converts). */
export function roundFloat16(x: number): number {
  F32[0] = x;
  U32[0] = float16RoundBits(U32[0]);
  return F32[0];
}

/** x rounded to bfloat16 (through float32 first, as XLA converts). */
export function roundBfloat16(x: number): number {
  F32[0] = x;
  U32[0] = bfloat16RoundBits(U32[0]);
  return F32[0];
}

/** The rounding a store of `dtype` applies beyond its typed array's own, or undefined. */
export function storeRounding(dtype: DType): ((x: number) => number) | undefined {
  return dtype === "float16" ? roundFloat16 : dtype === "bfloat16" ? roundBfloat16 : undefined;
}

/**
 * `data` with every element rounded to `dtype` (float16/bfloat16): the same array when all
 * already are (an array made from another of the dtype), else a rounded copy, so a buffer
 * shared with another array is never written. Works on the float32 bit patterns.
 */
export function roundStorage(dtype: DType, data: TypedArray): TypedArray {
  if ((dtype !== "float16" && dtype !== "bfloat16") || !(data instanceof Float32Array)) {
    return data;
  }
  const round = dtype === "float16" ? float16RoundBits : bfloat16RoundBits;
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  for (let i = 0; i < bits.length; i++) {
    if (round(bits[i]) !== bits[i]) {
      const out = data.slice();
      const outBits = new Uint32Array(out.buffer);
      for (let j = i; j < outBits.length; j++) outBits[j] = round(outBits[j]);
      return out;
    }
  }
  return data;
}

/** The IEEE binary16 bit pattern of x (rounded to float16 first; NaN is 0x7e00). */
export function float16Bits(x: number): number {
  const v = roundFloat16(x);
  if (Number.isNaN(v)) return 0x7e00;
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a === Infinity) return sign | 0x7c00;
  if (a < 2 ** -14) return sign | (a / 2 ** -24); // subnormal: a multiple of 2⁻²⁴
  const e = Math.floor(Math.log2(a));
  const exp = 2 ** e > a ? e - 1 : 2 ** (e + 1) <= a ? e + 1 : e;
  return sign | ((exp + 15) << 10) | (a / 2 ** (exp - 10) - 1024);
}

/** The value of the IEEE binary16 bit pattern `bits`. */
export function float16FromBits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f, frac = bits & 0x3ff;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  if (exp === 0) return sign * frac * 2 ** -24;
  return sign * (1024 + frac) * 2 ** (exp - 25);
}

/** The bfloat16 bit pattern of x: the top half of float32's, after rounding; NaN is 0x7fc0. */
export function bfloat16Bits(x: number): number {
  const v = roundBfloat16(x);
  if (Number.isNaN(v)) return 0x7fc0;
  F32[0] = v;
  return U32[0] >>> 16;
}

/** The value of the bfloat16 bit pattern `bits`. */
export function bfloat16FromBits(bits: number): number {
  U32[0] = (bits & 0xffff) << 16;
  return F32[0];
}
