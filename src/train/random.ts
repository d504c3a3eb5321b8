/**
 * Pseudo-random numbers with explicit keys, as in JAX: a key is an int32[2]
 * array; functions never share hidden state, so the same key always gives the
 * same numbers (on Deno and Bun alike), and independent streams come from
 * `split` or `foldIn`. The generator is counter-based Threefry-2x32 (20
 * rounds), so keys, splits and bits match JAX's original (non-partitionable)
 * scheme.
 *
 * Everything here is built on one primitive, `random_bits`, plus ordinary
 * array ops, so sampling works inside `jit` and `vmap` (a batch of keys gives
 * a batch of samples). `permutation` is the exception: it needs a concrete key.
 *
 * @module
 */
import { bind1 } from "../core/_trace.ts";
import type { DType } from "../core/_dtype.ts";
import { evalHooks } from "../interpreters/_eval.ts";
import * as lax from "../core/_lax.ts";
import { ArrayValue, NDArray } from "../core/_ndarray.ts";
import { fmtShape, sizeOf } from "../core/_shape.ts";
import {
  asInt32,
  foldIn as foldInKernel,
  keyFromInt32,
  randomBits,
  seedKey,
} from "../kernels/threefry.ts";
import { ndtr } from "../kernels/special.ts";
import * as np from "../numpy/numpy.ts";

evalHooks.randomBits = (key, { shape, foldIn }) => {
  const [k0, k1] = keyFromInt32(key.data as Int32Array);
  if (foldIn !== undefined) {
    const [a, b] = foldInKernel(k0, k1, foldIn);
    return new ArrayValue(Int32Array.of(a | 0, b | 0), [2], "int32");
  }
  return new ArrayValue(asInt32(randomBits(k0, k1, sizeOf(shape))), shape, "int32");
};

function checkKey(op: string, key: NDArray): NDArray {
  if (!(key instanceof NDArray) || key.dtype !== "int32" || key.ndim !== 1 || key.shape[0] !== 2) {
    throw new TypeError(
      `random.${op}: expected a key (an int32[2] array from random.key(seed) or random.split), ` +
        `got ${key instanceof NDArray ? `${key.dtype}${fmtShape(key.shape)}` : typeof key}.`,
    );
  }
  return key;
}

function checkFloat(op: string, dtype: DType): DType {
  if (dtype !== "float32" && dtype !== "float64") {
    throw new TypeError(`random.${op}: dtype must be float32 or float64, got ${dtype}.`);
  }
  return dtype;
}

/**
 * A new PRNG key from an integer seed.
 *
 * @param seed Any safe integer.
 * @returns An int32[2] key.
 *
 * @example
 * ```ts
 * import { random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(random.key(0).toArray(), [0, 0]);
 * assert.deepEqual(random.key(42).shape, [2]);
 * ```
 */
export function key(seed: number): NDArray {
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`random.key: seed must be a safe integer, got ${seed}.`);
  }
  const [k0, k1] = seedKey(seed);
  return new ArrayValue(Int32Array.of(k0 | 0, k1 | 0), [2], "int32");
}

/** Raw Threefry bits of `key` as int32 words. */
function bits(k: NDArray, shape: readonly number[]): NDArray {
  return bind1("random_bits", [k], { shape: [...shape] });
}

/**
 * Splits a key into `num` new independent keys (2 by default).
 *
 * @param key The key to split; do not use it again afterwards.
 * @param num How many keys.
 * @returns A list of keys.
 *
 * @example
 * ```ts
 * import { random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const [a, b] = random.split(random.key(0));
 * assert.notDeepEqual(a.toArray(), b.toArray());
 * ```
 */
export function split(key: NDArray, num = 2): NDArray[] {
  checkKey("split", key);
  if (!Number.isInteger(num) || num < 1) {
    throw new RangeError(`random.split: num must be a positive integer, got ${num}.`);
  }
  const words = bits(key, [num, 2]);
  return Array.from({ length: num }, (_, i) => np.slice(words, [i]));
}

/**
 * Derives a new key from `key` and an integer (e.g. a step or a worker index).
 *
 * @param key The key.
 * @param data An integer folded into the key (taken modulo 2³²).
 * @returns A new key.
 *
 * @example
 * ```ts
 * import { random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const k = random.key(1);
 * assert.notDeepEqual(random.foldIn(k, 1).toArray(), random.foldIn(k, 2).toArray());
 * ```
 */
export function foldIn(key: NDArray, data: number): NDArray {
  checkKey("foldIn", key);
  if (!Number.isInteger(data)) {
    throw new TypeError(`random.foldIn: data must be an integer, got ${data}.`);
  }
  return bind1("random_bits", [key], { shape: [2], foldIn: data >>> 0 });
}

/** Uniform [0, 1) values: 23 random mantissa bits for float32, 32 bits for float64. */
function uniform01(k: NDArray, shape: readonly number[], dtype: DType): NDArray {
  const b = bits(k, shape);
  // the int32 words read as unsigned: u = b + 2^32 where b < 0
  const signed = lax.convert(b, "float64");
  const u32 = np.where(np.less(b, 0), np.add(signed, 4294967296), signed);
  const u = dtype === "float32"
    ? np.mul(np.floor(np.div(u32, 512)), 2 ** -23) // top 23 bits: exact in float32, never 1
    : np.mul(u32, 2 ** -32);
  return lax.convert(u, dtype);
}

/**
 * Uniform samples in `[minval, maxval)`.
 *
 * @param key A key.
 * @param shape The sample shape.
 * @param options `dtype` (float32 default), `minval` (0), `maxval` (1).
 * @returns The samples.
 *
 * @example
 * ```ts
 * import { random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const u = random.uniform(random.key(0), [1000]);
 * assert.ok((u.min().item() as number) >= 0 && (u.max().item() as number) < 1);
 * ```
 */
export function uniform(
  key: NDArray,
  shape: readonly number[] = [],
  options: { dtype?: DType; minval?: number; maxval?: number } = {},
): NDArray {
  checkKey("uniform", key);
  const dtype = checkFloat("uniform", options.dtype ?? "float32");
  const lo = options.minval ?? 0, hi = options.maxval ?? 1;
  const u = uniform01(key, shape, dtype);
  return lo === 0 && hi === 1 ? u : np.add(np.mul(u, hi - lo), lo);
}

/**
 * erf⁻¹(x) for x in (−1, 1), Giles' single-precision approximation
 * ("Approximating the erfinv function", 2010) written with array ops so it traces:
 * with w = −log((1 − x)(1 + x)), erf⁻¹(x) = x·P(w − 2.5) for w < 5, else x·Q(√w − 3).
 */
function erfinv(x: NDArray): NDArray {
  const w = np.neg(np.log(np.mul(np.sub(1, x), np.add(1, x))));
  const horner = (coeffs: number[], t: NDArray) =>
    coeffs.slice(1).reduce(
      (p: NDArray, c) => np.add(np.mul(p, t), c),
      np.full(t.shape, coeffs[0], { dtype: t.dtype }),
    );
  const central = horner([
    2.81022636e-08,
    3.43273939e-07,
    -3.5233877e-06,
    -4.39150654e-06,
    0.00021858087,
    -0.00125372503,
    -0.00417768164,
    0.246640727,
    1.50140941,
  ], np.sub(w, 2.5));
  const tail = horner([
    -0.000200214257,
    0.000100950558,
    0.00134934322,
    -0.00367342844,
    0.00573950773,
    -0.0076224613,
    0.00943887047,
    1.00167406,
    2.83297682,
  ], np.sub(np.sqrt(w), 3));
  return np.mul(np.where(np.less(w, 5), central, tail), x);
}

/**
 * Standard normal samples (mean 0, variance 1), by the inverse CDF:
 * z = √2 · erf⁻¹(2u − 1) for u uniform.
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
 * const z = random.normal(random.key(0), [10000]);
 * assert.ok(Math.abs(z.mean().item() as number) < 0.05);
 * ```
 */
export function normal(
  key: NDArray,
  shape: readonly number[] = [],
  options: { dtype?: DType } = {},
): NDArray {
  checkKey("normal", key);
  const dtype = checkFloat("normal", options.dtype ?? "float32");
  const eps = dtype === "float32" ? 2 ** -23 : 2 ** -32;
  // u in the open interval (-1, 1): erf⁻¹(±1) would be infinite
  const u = np.maximum(np.sub(np.mul(uniform01(key, shape, dtype), 2), 1), -1 + eps);
  return np.mul(erfinv(u), Math.SQRT2);
}

/**
 * Normal samples truncated to `[lower, upper]` (in standard deviations), by
 * the inverse CDF restricted to the interval: z = Φ⁻¹(Φ(a) + u·(Φ(b) − Φ(a))).
 *
 * @param key A key.
 * @param lower Lower bound (default −2).
 * @param upper Upper bound (default 2).
 * @param shape The sample shape.
 * @param options `dtype` (float32 default).
 * @returns The samples, all within the bounds.
 *
 * @example
 * ```ts
 * import { random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const z = random.truncatedNormal(random.key(3), -1, 1, [1000]);
 * assert.ok((z.min().item() as number) >= -1 && (z.max().item() as number) <= 1);
 * ```
 */
export function truncatedNormal(
  key: NDArray,
  lower = -2,
  upper = 2,
  shape: readonly number[] = [],
  options: { dtype?: DType } = {},
): NDArray {
  checkKey("truncatedNormal", key);
  if (!(lower < upper)) {
    throw new RangeError(`random.truncatedNormal: need lower < upper, got ${lower} and ${upper}.`);
  }
  const dtype = checkFloat("truncatedNormal", options.dtype ?? "float32");
  // bounds as erf arguments: Φ(a) = (1 + erf(a/√2)) / 2, so u maps to erf⁻¹ of [2Φ(a)−1, 2Φ(b)−1]
  const a = 2 * ndtr(lower) - 1, b = 2 * ndtr(upper) - 1;
  const u = np.add(np.mul(uniform01(key, shape, dtype), b - a), a);
  const eps = dtype === "float32" ? 2 ** -23 : 2 ** -32;
  const z = np.mul(erfinv(np.clip(u, -1 + eps, 1 - eps)), Math.SQRT2);
  return np.clip(z, lower, upper);
}

/**
 * Bernoulli samples: `true` with probability `p`.
 *
 * @param key A key.
 * @param p The probability (a number or an array broadcasting against `shape`).
 * @param shape The sample shape (default: the shape of `p`).
 * @returns A bool array.
 *
 * @example
 * ```ts
 * import { random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const b = random.bernoulli(random.key(0), 0.25, [10000]);
 * assert.ok(Math.abs((b.astype("float32").mean().item() as number) - 0.25) < 0.02);
 * ```
 */
export function bernoulli(
  key: NDArray,
  p: number | NDArray = 0.5,
  shape?: readonly number[],
): NDArray {
  checkKey("bernoulli", key);
  const s = shape ?? (p instanceof NDArray ? p.shape : []);
  return np.less(uniform01(key, s, "float32"), p);
}

/**
 * Samples category indices from unnormalised log-probabilities, by the
 * Gumbel-max trick: argmax(logits + g) with g = −log(−log u).
 *
 * @param key A key.
 * @param logits Log-probabilities (any scale); the category axis is `axis`.
 * @param options `axis` (−1 by default) and `shape` (the batch shape of the samples; default: logits without `axis`).
 * @returns int32 indices.
 *
 * @example
 * ```ts
 * import { np, random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const draws = random.categorical(random.key(0), np.log(np.array([0.1, 0.9])), { shape: [2000] });
 * assert.ok(Math.abs((draws.astype("float32").mean().item() as number) - 0.9) < 0.03);
 * ```
 */
export function categorical(
  key: NDArray,
  logits: NDArray,
  options: { axis?: number; shape?: readonly number[] } = {},
): NDArray {
  checkKey("categorical", key);
  const axis = options.axis ?? -1;
  const ax = axis < 0 ? axis + logits.ndim : axis;
  const moved = np.transpose(logits, [
    ...[...Array(logits.ndim).keys()].filter((i) => i !== ax),
    ax,
  ]);
  const batch = options.shape ?? moved.shape.slice(0, -1);
  const k = moved.shape[moved.ndim - 1];
  const u = uniform01(key, [...batch, k], logits.dtype === "float64" ? "float64" : "float32");
  const tiny = logits.dtype === "float64" ? 1e-300 : 1e-37;
  const gumbel = np.neg(np.log(np.neg(np.log(np.maximum(u, tiny)))));
  return np.argmax(np.add(gumbel, moved), { axis: -1 });
}

/**
 * A random permutation of `0..n-1`, or of the first axis of an array
 * (Fisher–Yates driven by the key's bits). Needs a concrete key: call it
 * outside `jit` (e.g. to shuffle a data set each epoch).
 *
 * @param key A key.
 * @param x A length `n`, or an array to shuffle along axis 0.
 * @returns int32 indices, or the shuffled array.
 *
 * @example
 * ```ts
 * import { random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const p = random.permutation(random.key(0), 5).toArray() as number[];
 * assert.deepEqual([...p].sort(), [0, 1, 2, 3, 4]);
 * ```
 */
export function permutation(key: NDArray, x: number | NDArray): NDArray {
  checkKey("permutation", key);
  const n = typeof x === "number" ? x : x.shape[0];
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`random.permutation: n must be a non-negative integer, got ${n}.`);
  }
  let concrete: NDArray;
  try {
    concrete = key._value();
  } catch {
    throw new TypeError(
      `random.permutation: needs a concrete key, got a traced int32[2] (inside jit or vmap); ` +
        `draw the permutation outside the transform and pass the indices in.`,
    );
  }
  const words = new Uint32Array(bits(concrete, [Math.max(n, 1)]).toTypedArray().buffer);
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  for (let i = n - 1; i > 0; i--) {
    // an index in [0, i] from 32 random bits (bias below 2^-32 · n)
    const j = Math.floor((words[i] / 4294967296) * (i + 1));
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  const idx = new ArrayValue(perm, [n], "int32");
  return typeof x === "number" ? idx : np.take(x, idx, 0);
}
