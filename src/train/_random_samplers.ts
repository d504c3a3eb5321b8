/**
 * Samplers that are closed-form transforms of uniform or normal bits, written
 * with array ops so they trace (jit, vmap), each following JAX's recipe on
 * the same bits so the same key gives JAX's draws. `choice`, `orthogonal` and
 * `multivariateNormal` are in `_random_structured.ts`.
 *
 * @module
 */
import type { DType } from "../core/_dtype.ts";
import type { NDArray } from "../core/_ndarray.ts";
import * as np from "../numpy/numpy.ts";
import { checkOptions } from "../core/_validate.ts";
import {
  bits32,
  checkArity,
  checkKey,
  checkShape,
  floatArgs,
  split2,
  uniform01,
  uniformIn,
  unsigned,
} from "./_random_core.ts";
import { standardNormal } from "./_random_normal.ts";

/** Options naming a float dtype. */
export interface FloatOptions {
  /** float32 (default) or float64. */
  dtype?: DType;
}

const F32_TINY = 1.1754943508222875e-38, F64_TINY = 2.2250738585072014e-308;

/** x mod 2^32 for 0 ≤ x < 2^53 (exact in float64). */
function mod32(x: NDArray): NDArray {
  return np.sub(x, np.mul(np.floor(np.div(x, 4294967296)), 4294967296));
}

/** x mod m for 0 ≤ x < 2^33 and an integer 1 ≤ m ≤ 2^32 (exact in float64). */
function modN(x: NDArray, m: number): NDArray {
  return np.sub(x, np.mul(np.floor(np.div(x, m)), m));
}

/** a·m mod 2^32 for a, m < 2^32, through 16-bit halves of a so no product passes 2^53. */
function mulMod32(a: NDArray, m: number): NDArray {
  const ah = np.floor(np.div(a, 65536)), al = np.sub(a, np.mul(ah, 65536));
  return mod32(np.add(np.mul(modN(np.mul(ah, m), 65536), 65536), np.mul(al, m)));
}

/** The dtypes `randint` returns, with their ranges. */
const RANDINT_DTYPES: Readonly<Record<string, { min: number; max: number }>> = {
  int8: { min: -128, max: 127 },
  uint8: { min: 0, max: 255 },
  int16: { min: -32768, max: 32767 },
  int32: { min: -2147483648, max: 2147483647 },
  uint32: { min: 0, max: 4294967295 },
};
const I32_MIN = -2147483648, I32_MAX = 2147483647;
const clamp = (x: number, lo: number, hi: number) => Math.min(Math.max(x, lo), hi);

/**
 * Uniform integers in `[minval, maxval)`, as JAX draws them for the same key: two 32-bit words
 * h, l per sample, offset = ((h mod s)·(2³² mod s) + l mod s) mod s with s = maxval − minval in
 * uint32 arithmetic, so the bias is about s²/2⁶⁴. As JAX (0.10.2), the bounds are read as int32;
 * int8, uint8 and int16 are drawn as int32 with minval clipped to the dtype's range and maxval to
 * its maximum + 1, then cast (so `randint(k, [3], 0, 256, { dtype: "uint8" })` covers every
 * uint8); uint32 clips the bounds to its range. maxval ≤ minval gives minval.
 *
 * @param key A key.
 * @param shape The sample shape.
 * @param minval Smallest value (inclusive), a whole number in int32's range.
 * @param maxval Largest value (exclusive), a whole number in int32's range.
 * @param options `dtype`: int32 (default), int16, int8, uint8 or uint32.
 * @returns Samples of `dtype`.
 *
 * @example
 * ```ts
 * import { random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const d = random.randint(random.key(0), [100], 1, 7).toArray() as number[];
 * assert.ok(d.every((x) => x >= 1 && x < 7));
 * const bytes = random.randint(random.key(0), [4], 0, 256, { dtype: "uint8" });
 * assert.equal(bytes.dtype, "uint8");
 * ```
 */
export function randint(
  key: NDArray,
  shape: readonly number[],
  minval: number,
  maxval: number,
  options: { dtype?: DType } = {},
): NDArray {
  checkArity("randint", arguments.length, 5);
  checkOptions("random.randint", options, ["dtype"]);
  const dtype = options.dtype ?? "int32";
  const d = Object.hasOwn(RANDINT_DTYPES, dtype) ? RANDINT_DTYPES[dtype] : undefined;
  if (d === undefined) {
    throw new TypeError(
      `random.randint: dtype ${JSON.stringify(dtype)} is not supported; pass one of ` +
        `${Object.keys(RANDINT_DTYPES).join(", ")} (JAX's randint draws integers only).`,
    );
  }
  checkKey("randint", key);
  const s = checkShape("randint", shape);
  if (!Number.isInteger(minval) || !Number.isInteger(maxval)) {
    throw new TypeError(
      `random.randint: minval and maxval must be integers, got ${minval} and ${maxval}.`,
    );
  }
  if (Math.min(minval, maxval) < I32_MIN || Math.max(minval, maxval) > I32_MAX) {
    throw new RangeError(
      `random.randint: minval ${minval} and maxval ${maxval} must lie in int32's range ` +
        `[${I32_MIN}, ${I32_MAX}], where JAX reads them (it raises OverflowError); bounds past ` +
        `the dtype's own range are clipped.`,
    );
  }
  // the dtype the words are drawn for: narrow ones as int32, with the bounds clipped first
  let w = d;
  if (d.max < 65536) {
    minval = clamp(minval, d.min, d.max);
    maxval = clamp(maxval, d.min, d.max + 1);
    w = RANDINT_DTYPES.int32;
  }
  // maxval past the dtype's largest value (read as int32) makes the span one larger
  const outOfRange = maxval > Math.min(w.max, I32_MAX);
  const lo = clamp(minval, w.min, w.max), hi = clamp(maxval, w.min, w.max);
  let span = hi <= lo ? 1 : hi - lo;
  if (outOfRange && hi > lo) span += 1;
  const [k1, k2] = split2(key);
  const high = unsigned(bits32(k1, s)), low = unsigned(bits32(k2, s));
  // JAX's multiplier: (2^16 mod s)² in uint32 (so wrapping mod 2^32), then mod s; a span of
  // 2^32 (the whole uint32 range) leaves every word as it is (mod 2^32 is the identity)
  const half = 65536 % span;
  const mult = ((half * half) % 4294967296) % span;
  const offset = modN(mod32(np.add(mulMod32(modN(high, span), mult), modN(low, span))), span);
  return np.add(offset, lo).astype(dtype);
}

/**
 * Exponential samples (rate 1): −log(1 − u).
 *
 * @param key A key.
 * @param shape The sample shape.
 * @param options `dtype` (float32 default).
 * @returns The samples.
 *
 * @example
 * ```ts
 * import { random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const e = random.exponential(random.key(0), [20000]);
 * assert.ok(Math.abs((e.mean().item() as number) - 1) < 0.03);
 * ```
 */
export function exponential(
  key: NDArray,
  shape: readonly number[] = [],
  options: FloatOptions = {},
): NDArray {
  checkArity("exponential", arguments.length, 3);
  const { s, dtype } = floatArgs("exponential", key, shape, options);
  return np.neg(np.log1p(np.neg(uniform01(key, s, dtype))));
}

/**
 * Laplace samples (location 0, scale 1): sign(u)·log(1 − |u|), u uniform in (−1, 1).
 *
 * @param key A key.
 * @param shape The sample shape.
 * @param options `dtype` (float32 default).
 * @returns The samples.
 *
 * @example
 * ```ts
 * import { random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const x = random.laplace(random.key(0), [20000]);
 * assert.ok(Math.abs((x.abs().mean().item() as number) - 1) < 0.03);
 * ```
 */
export function laplace(
  key: NDArray,
  shape: readonly number[] = [],
  options: FloatOptions = {},
): NDArray {
  checkArity("laplace", arguments.length, 3);
  const { s, dtype } = floatArgs("laplace", key, shape, options);
  const epsneg = dtype === "float32" ? 2 ** -24 : 2 ** -53;
  const u = uniformIn(key, s, dtype, -1 + epsneg, 1);
  return np.mul(np.sign(u), np.log1p(np.neg(np.abs(u))));
}

/**
 * Logistic samples: log(u) − log(1 − u).
 *
 * @param key A key.
 * @param shape The sample shape.
 * @param options `dtype` (float32 default).
 * @returns The samples.
 *
 * @example
 * ```ts
 * import { random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const x = random.logistic(random.key(0), [20000]);
 * assert.ok(Math.abs(x.mean().item() as number) < 0.05);
 * ```
 */
export function logistic(
  key: NDArray,
  shape: readonly number[] = [],
  options: FloatOptions = {},
): NDArray {
  checkArity("logistic", arguments.length, 3);
  const { s, dtype } = floatArgs("logistic", key, shape, options);
  const x = uniformIn(key, s, dtype, dtype === "float32" ? F32_TINY : F64_TINY, 1);
  return np.sub(np.log(x), np.log1p(np.neg(x)));
}

/**
 * Standard Cauchy samples: tan(π(u − ½)).
 *
 * @param key A key.
 * @param shape The sample shape.
 * @param options `dtype` (float32 default).
 * @returns The samples.
 *
 * @example
 * ```ts
 * import { random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const x = random.cauchy(random.key(0), [1001]).toArray() as number[];
 * const median = [...x].sort((a, b) => a - b)[500];
 * assert.ok(Math.abs(median) < 0.15);
 * ```
 */
export function cauchy(
  key: NDArray,
  shape: readonly number[] = [],
  options: FloatOptions = {},
): NDArray {
  checkArity("cauchy", arguments.length, 3);
  const { s, dtype } = floatArgs("cauchy", key, shape, options);
  const u = uniformIn(key, s, dtype, dtype === "float32" ? 2 ** -23 : 2 ** -52, 1);
  return np.tan(np.mul(np.sub(u, 0.5), Math.PI));
}

/**
 * Rademacher samples: −1 or +1 with probability ½ each (int32).
 *
 * @param key A key.
 * @param shape The sample shape.
 * @returns int32 samples.
 *
 * @example
 * ```ts
 * import { random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const r = random.rademacher(random.key(0), [8]).toArray() as number[];
 * assert.ok(r.every((x) => x === 1 || x === -1));
 * ```
 */
export function rademacher(key: NDArray, shape: readonly number[] = []): NDArray {
  checkArity("rademacher", arguments.length, 2);
  checkKey("rademacher", key);
  const b = np.less(uniform01(key, checkShape("rademacher", shape), "float32"), 0.5);
  return np.sub(np.mul(b.astype("int32"), 2), 1).astype("int32");
}

/**
 * Pareto samples with shape `b`: exp(e / b), e exponential.
 *
 * @param key A key.
 * @param b The shape parameter (> 0).
 * @param shape The sample shape.
 * @param options `dtype` (float32 default).
 * @returns The samples (≥ 1).
 *
 * @example
 * ```ts
 * import { random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * assert.ok((random.pareto(random.key(0), 3, [100]).min().item() as number) >= 1);
 * ```
 */
export function pareto(
  key: NDArray,
  b: number | NDArray,
  shape: readonly number[] = [],
  options: FloatOptions = {},
): NDArray {
  checkArity("pareto", arguments.length, 4);
  return np.exp(np.div(exponential(key, shape, options), b));
}

/**
 * Rayleigh samples: scale · √(−2 log u).
 *
 * @param key A key.
 * @param scale The scale.
 * @param shape The sample shape.
 * @param options `dtype` (float32 default).
 * @returns The samples.
 *
 * @example
 * ```ts
 * import { random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const x = random.rayleigh(random.key(0), 1, [20000]);
 * assert.ok(Math.abs((x.mean().item() as number) - Math.sqrt(Math.PI / 2)) < 0.03);
 * ```
 */
export function rayleigh(
  key: NDArray,
  scale: number | NDArray = 1,
  shape: readonly number[] = [],
  options: FloatOptions = {},
): NDArray {
  checkArity("rayleigh", arguments.length, 4);
  const { s, dtype } = floatArgs("rayleigh", key, shape, options);
  return np.mul(scale, np.sqrt(np.mul(np.log(uniform01(key, s, dtype)), -2)));
}

/**
 * Weibull samples: scale · (−log(1 − u))^(1/concentration).
 *
 * @param key A key.
 * @param scale The scale.
 * @param concentration The shape parameter.
 * @param shape The sample shape.
 * @param options `dtype` (float32 default).
 * @returns The samples.
 *
 * @example
 * ```ts
 * import { random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const x = random.weibullMin(random.key(0), 1, 1, [20000]); // exponential
 * assert.ok(Math.abs((x.mean().item() as number) - 1) < 0.03);
 * ```
 */
export function weibullMin(
  key: NDArray,
  scale: number | NDArray,
  concentration: number | NDArray,
  shape: readonly number[] = [],
  options: FloatOptions = {},
): NDArray {
  checkArity("weibullMin", arguments.length, 5);
  const e = exponential(key, shape, options);
  return np.mul(np.pow(e, np.div(1, concentration)), scale);
}

/**
 * Log-normal samples: exp(σ z), z standard normal.
 *
 * @param key A key.
 * @param sigma The standard deviation of the log.
 * @param shape The sample shape.
 * @param options `dtype` (float32 default).
 * @returns The samples.
 *
 * @example
 * ```ts
 * import { random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * assert.ok((random.lognormal(random.key(0), 1, [100]).min().item() as number) > 0);
 * ```
 */
export function lognormal(
  key: NDArray,
  sigma: number | NDArray = 1,
  shape: readonly number[] = [],
  options: FloatOptions = {},
): NDArray {
  checkArity("lognormal", arguments.length, 4);
  const { s, dtype } = floatArgs("lognormal", key, shape, options);
  return np.exp(np.mul(standardNormal(key, s, dtype), sigma));
}

/**
 * Maxwell samples: the length of a standard normal 3-vector.
 *
 * @param key A key.
 * @param shape The sample shape.
 * @param options `dtype` (float32 default).
 * @returns The samples.
 *
 * @example
 * ```ts
 * import { random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const x = random.maxwell(random.key(0), [20000]);
 * assert.ok(Math.abs((x.mean().item() as number) - 2 * Math.sqrt(2 / Math.PI)) < 0.03);
 * ```
 */
export function maxwell(
  key: NDArray,
  shape: readonly number[] = [],
  options: FloatOptions = {},
): NDArray {
  checkArity("maxwell", arguments.length, 3);
  const { s, dtype } = floatArgs("maxwell", key, shape, options);
  const z = standardNormal(key, [...s, 3], dtype);
  return np.sqrt(np.sum(np.mul(z, z), { axis: -1 }));
}

/**
 * Double-sided Maxwell samples: loc + scale · r · m, r Rademacher, m Maxwell.
 *
 * @param key A key.
 * @param loc The location.
 * @param scale The scale.
 * @param shape The sample shape.
 * @param options `dtype` (float32 default).
 * @returns The samples.
 *
 * @example
 * ```ts
 * import { random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const x = random.doubleSidedMaxwell(random.key(0), 0, 1, [20000]);
 * assert.ok(Math.abs(x.mean().item() as number) < 0.05);
 * ```
 */
export function doubleSidedMaxwell(
  key: NDArray,
  loc: number,
  scale: number,
  shape: readonly number[] = [],
  options: FloatOptions = {},
): NDArray {
  checkArity("doubleSidedMaxwell", arguments.length, 5);
  const { s, dtype } = floatArgs("doubleSidedMaxwell", key, shape, options);
  const [km, kr] = split2(key);
  const m = maxwell(km, s, { dtype });
  const sign = np.sub(np.mul(np.less(uniform01(kr, s, "float32"), 0.5).astype(dtype), 2), 1);
  return np.add(np.mul(np.mul(sign, m), scale), loc);
}

/**
 * Wald (inverse Gaussian) samples with the given mean (shape 1), by
 * Michael, Schucany and Haas' transformation of a normal and a uniform.
 *
 * @param key A key.
 * @param mean The mean.
 * @param shape The sample shape.
 * @param options `dtype` (float32 default).
 * @returns The samples.
 *
 * @example
 * ```ts
 * import { random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const x = random.wald(random.key(0), 1, [20000]);
 * assert.ok(Math.abs((x.mean().item() as number) - 1) < 0.05);
 * ```
 */
export function wald(
  key: NDArray,
  mean: number,
  shape: readonly number[] = [],
  options: FloatOptions = {},
): NDArray {
  checkArity("wald", arguments.length, 4);
  const { s, dtype } = floatArgs("wald", key, shape, options);
  const [k1, k2] = split2(key);
  const v = standardNormal(k1, s, dtype);
  const z = uniform01(k2, s, dtype);
  const y = np.mul(v, v);
  const m2 = mean * mean;
  const root = np.sqrt(np.add(np.mul(y, 4 * mean), np.mul(np.mul(y, y), m2)));
  const x = np.sub(np.add(np.mul(y, m2 / 2), mean), np.mul(root, mean / 2));
  return np.where(np.lessEqual(z, np.div(mean, np.add(x, mean))), x, np.div(m2, x));
}

/**
 * Geometric samples (number of trials to the first success, ≥ 1):
 * ⌊log u / log(1 − p)⌋ + 1, as int32.
 *
 * @param key A key.
 * @param p The success probability.
 * @param shape The sample shape.
 * @returns int32 samples.
 *
 * @example
 * ```ts
 * import { random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const g = random.geometric(random.key(0), 0.5, [20000]);
 * assert.ok(Math.abs((g.astype("float32").mean().item() as number) - 2) < 0.05);
 * ```
 */
export function geometric(key: NDArray, p: number, shape: readonly number[] = []): NDArray {
  checkArity("geometric", arguments.length, 3);
  checkKey("geometric", key);
  const s = checkShape("geometric", shape);
  const u = uniform01(key, s, "float32");
  const logU = np.log(np.where(np.equal(u, 0), 1, u));
  return np.add(np.floor(np.div(logU, Math.fround(Math.log1p(-p)))), 1).astype("int32");
}

/**
 * Triangular samples on [left, right] with the given mode, by the inverse CDF.
 *
 * @param key A key.
 * @param left The lower limit.
 * @param mode The peak.
 * @param right The upper limit.
 * @param shape The sample shape.
 * @param options `dtype` (float32 default).
 * @returns The samples.
 *
 * @example
 * ```ts
 * import { random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const x = random.triangular(random.key(0), 0, 1, 2, [20000]);
 * assert.ok(Math.abs((x.mean().item() as number) - 1) < 0.02);
 * ```
 */
export function triangular(
  key: NDArray,
  left: number,
  mode: number,
  right: number,
  shape: readonly number[] = [],
  options: FloatOptions = {},
): NDArray {
  checkArity("triangular", arguments.length, 6);
  const { s, dtype } = floatArgs("triangular", key, shape, options);
  if (!(left <= mode && mode <= right && left < right)) {
    throw new RangeError(
      `random.triangular: need left <= mode <= right and left < right, got ${left}, ${mode}, ${right}.`,
    );
  }
  const f = (x: number) => dtype === "float32" ? Math.fround(x) : x;
  const fc = f(f(mode - left) / f(right - left));
  const u = uniform01(key, s, dtype);
  const out1 = np.add(np.sqrt(np.mul(np.mul(u, f(right - left)), f(mode - left))), left);
  const out2 = np.sub(
    right,
    np.sqrt(np.mul(np.mul(np.sub(1, u), f(right - left)), f(right - mode))),
  );
  return np.where(np.less(u, fc), out1, out2);
}
