/**
 * Machine limits of the dtypes, as `jnp.finfo` and `jnp.iinfo`: the constants of each float
 * format (fraction bits p, exponents emin..emax) and the range of each integer type.
 */
import {
  bitWidth,
  type DType,
  finiteMax,
  intRange,
  isFloat,
  isInteger,
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
