/**
 * Facts about the dtypes: machine limits as `jnp.finfo` and `jnp.iinfo` (the constants of each
 * float format: fraction bits p, exponents emin..emax; the range of each integer type), safe
 * casting as `jnp.can_cast`, and kinds as `jnp.isdtype`.
 */
import {
  bitWidth,
  type DType,
  finiteMax,
  intRange,
  isDType,
  isFloat,
  isInteger,
  isUnsigned,
  storeRounding,
} from "../core/_dtype.ts";
import { dtypeArg } from "./_args.ts";

/** The limits of a float dtype, as `jnp.finfo` (camelCase names). */
export interface FInfo {
  /** The dtype described. */
  readonly dtype: DType;
  /** Bits of storage in the format (16, 32 or 64). */
  readonly bits: number;
  /** The distance from 1 to the next larger value: 2^−p. */
  readonly eps: number;
  /** The distance from 1 to the next smaller value: 2^−(p+1). */
  readonly epsneg: number;
  /** The largest finite value. */
  readonly max: number;
  /** The most negative finite value (−max). */
  readonly min: number;
  /** The smallest positive normal value, 2^emin (same as `smallestNormal`). */
  readonly tiny: number;
  /** The smallest positive normal value, 2^emin. */
  readonly smallestNormal: number;
  /** The smallest positive subnormal value, 2^(emin − p). */
  readonly smallestSubnormal: number;
  /** The number of decimal digits the format holds: floor(−log10(eps)). */
  readonly precision: number;
  /** 10^−precision, in the dtype. */
  readonly resolution: number;
  /** Fraction bits, p. */
  readonly nmant: number;
  /** The smallest exponent of a normal value, emin. */
  readonly minexp: number;
  /** One more than the largest exponent, emax + 1. */
  readonly maxexp: number;
}

/** The limits of an integer dtype, as `jnp.iinfo`. */
export interface IInfo {
  /** The dtype described. */
  readonly dtype: DType;
  /** Bits of storage. */
  readonly bits: number;
  /** The smallest value. */
  readonly min: number;
  /** The largest value. */
  readonly max: number;
}

/** Fraction bits and smallest normal exponent of each float format. */
const FORMATS: Partial<Record<DType, { p: number; emin: number; emax: number }>> = {
  float16: { p: 10, emin: -14, emax: 15 },
  bfloat16: { p: 7, emin: -126, emax: 127 },
  float32: { p: 23, emin: -126, emax: 127 },
  float64: { p: 52, emin: -1022, emax: 1023 },
};

/**
 * The machine limits of a float dtype, as `jnp.finfo`.
 * @param dtype A float dtype, or an array whose dtype to describe.
 * @returns The limits.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * assert.equal(np.finfo("float16").max, 65504);
 * assert.equal(np.finfo("float32").eps, 2 ** -23);
 * ```
 */
export function finfo(dtype: DType | { readonly dtype: DType }): FInfo {
  const d = dtypeArg("np.finfo", typeof dtype === "object" && dtype ? dtype.dtype : dtype);
  const f = FORMATS[d];
  if (!isFloat(d) || !f) {
    throw new TypeError(`np.finfo: ${d} is not a float dtype; use np.iinfo for integers.`);
  }
  const round = storeRounding(d) ?? (d === "float32" ? Math.fround : (x: number) => x);
  const precision = Math.floor(-Math.log10(2 ** -f.p));
  const max = finiteMax(d);
  return Object.freeze({
    dtype: d,
    bits: d === "float64" ? 64 : d === "float32" ? 32 : 16,
    eps: 2 ** -f.p,
    epsneg: 2 ** -(f.p + 1),
    max,
    min: -max,
    tiny: 2 ** f.emin,
    smallestNormal: 2 ** f.emin,
    smallestSubnormal: 2 ** (f.emin - f.p),
    precision,
    resolution: round(10 ** -precision),
    nmant: f.p,
    minexp: f.emin,
    maxexp: f.emax + 1,
  });
}

/**
 * The range of an integer dtype, as `jnp.iinfo`.
 * @param dtype An integer dtype, or an array whose dtype to describe.
 * @returns The limits.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * assert.equal(np.iinfo("int8").min, -128);
 * assert.equal(np.iinfo("uint32").max, 4294967295);
 * ```
 */
export function iinfo(dtype: DType | { readonly dtype: DType }): IInfo {
  const d = dtypeArg("np.iinfo", typeof dtype === "object" && dtype ? dtype.dtype : dtype);
  if (!isInteger(d)) {
    throw new TypeError(`np.iinfo: ${d} is not an integer dtype; use np.finfo for floats.`);
  }
  const [min, max] = intRange(d);
  return Object.freeze({ dtype: d, bits: bitWidth(d), min, max });
}

/** Significand bits (with the implicit one) of each float format: the integers it holds exactly. */
const SIGNIFICAND: Partial<Record<DType, number>> = {
  float16: 11,
  bfloat16: 8,
  float32: 24,
  float64: 53,
};

/**
 * Whether every value of `from` converts to `to` without change, as `jnp.can_cast` (NumPy's
 * "safe" casting): bool to anything; an integer to an integer that holds its range, or to a
 * float whose significand holds its bits (uint8 → float16, int32 → float64 only); a float to
 * a wider float of the same family (float16 → bfloat16 is not safe, nor the reverse).
 * @param from The source dtype.
 * @param to The target dtype.
 * @returns True when the conversion is safe.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * assert.equal(np.canCast("uint8", "int16"), true);
 * assert.equal(np.canCast("int32", "float32"), false);
 * ```
 */
export function canCast(from: DType, to: DType): boolean {
  const a = dtypeArg("np.canCast", from), b = dtypeArg("np.canCast", to);
  if (a === b || a === "bool") return true;
  if (b === "bool") return false;
  if (isFloat(a)) {
    // a wider float holds every value, except between float16 and bfloat16
    return isFloat(b) && SIGNIFICAND[b]! >= SIGNIFICAND[a]! && bitWidth(b) > bitWidth(a);
  }
  const bits = bitWidth(a), unsigned = isUnsigned(a);
  if (isFloat(b)) return SIGNIFICAND[b]! >= bits;
  if (isUnsigned(b)) return unsigned && bitWidth(b) >= bits;
  return bitWidth(b) > bits || (!unsigned && bitWidth(b) >= bits);
}

/** The kinds `isdtype` knows, as the Array API names them. */
const KINDS: Record<string, (d: DType) => boolean> = {
  "bool": (d) => d === "bool",
  "signed integer": (d) => isInteger(d) && !isUnsigned(d),
  "unsigned integer": isUnsigned,
  "integral": isInteger,
  "real floating": isFloat,
  "complex floating": () => false,
  "numeric": (d) => d !== "bool",
};

/**
 * Whether `dtype` is of `kind`, as `jnp.isdtype`: a kind name (`"bool"`, `"signed integer"`,
 * `"unsigned integer"`, `"integral"`, `"real floating"`, `"complex floating"`,
 * `"numeric"`), a dtype name, or a list of these (any may match).
 * @param dtype The dtype to test.
 * @param kind A kind, a dtype, or a list of them.
 * @returns True when `dtype` is of the kind.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * assert.equal(np.isdtype("bfloat16", "real floating"), true);
 * assert.equal(np.isdtype("uint8", ["bool", "signed integer"]), false);
 * ```
 */
export function isdtype(dtype: DType, kind: string | readonly string[]): boolean {
  const d = dtypeArg("np.isdtype", dtype);
  const kinds = typeof kind === "string" ? [kind] : kind;
  if (!Array.isArray(kinds) || kinds.length === 0) {
    throw new TypeError(
      `np.isdtype: kind must be a kind name, a dtype or a non-empty list of them.`,
    );
  }
  return kinds.some((k) => {
    if (typeof k === "string" && k in KINDS) return KINDS[k](d);
    if (isDType(k)) return k === d;
    throw new TypeError(
      `np.isdtype: unknown kind ${JSON.stringify(k)}; use a dtype or one of ${
        Object.keys(KINDS).join(", ")
      }.`,
    );
  });
}
