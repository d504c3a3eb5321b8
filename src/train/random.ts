/**
 * Pseudo-random numbers with explicit keys, as in JAX: a key is an int32[2]
 * array; functions never share hidden state, so the same key always gives the
 * same numbers (on Deno and Bun alike), and independent streams come from
 * `split` or `foldIn`. The generator is counter-based Threefry-2x32 (20
 * rounds) with JAX's keys; the default stream is JAX's default, the
 * partitionable one (`jax_threefry_partitionable=True`), so the same key gives
 * JAX's numbers. `setImpl("threefry2x32-legacy")` selects JAX's original
 * stream instead.
 *
 * Everything here is built on one primitive, `random_bits`, plus ordinary
 * array ops, so sampling works inside `jit` and `vmap` (a batch of keys gives
 * a batch of samples). `permutation`, `shuffle`, `choice` without replacement
 * and the samplers with rejection loops (gamma and its relatives, poisson) are
 * the exceptions: they need a concrete key.
 *
 * @module
 */
import { checkFinite, checkNumber, checkOptions, show } from "../core/_validate.ts";
import type { DType } from "../core/_dtype.ts";
import { NDArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import { bind1 } from "../core/_trace.ts";
import { sizeOf } from "../core/_shape.ts";
import * as lax from "../core/_lax.ts";
import { ndtr } from "../kernels/special.ts";
import { seedKey } from "../kernels/threefry.ts";
import * as np from "../numpy/numpy.ts";
import { eagerProgram } from "../numpy/_eager.ts";
import {
  bits32,
  bits8,
  checkArity,
  checkFloat,
  checkKey,
  checkShape,
  currentImpl,
  type PRNGImpl,
  setCurrentImpl,
  sortRounds,
  splitKeys,
  uniform01,
  uniformIn,
} from "./_random_core.ts";
import { erfinvF32, gumbelNoise, ndtriF64, standardNormal } from "./_random_normal.ts";

export type { PRNGImpl };
export * from "./_random_samplers.ts";
export * from "./_random_structured.ts";
export * from "./_random_gamma.ts";
export * from "./_random_poisson.ts";
export * from "./_random_binomial.ts";

/**
 * Selects the Threefry stream for every later call (and every later trace):
 * `"threefry2x32"` (the default, JAX's partitionable stream) or
 * `"threefry2x32-legacy"` (JAX's stream with `jax_threefry_partitionable=False`).
 * Keys are the same in both; splits, bits and samples differ. A jitted function
 * keeps the stream it was traced with.
 *
 * @param impl The stream.
 * @returns The stream that was selected before, to restore it.
 *
 * @example
 * ```ts
 * import { random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const prev = random.setImpl("threefry2x32-legacy");
 * try {
 *   assert.deepEqual(random.split(random.key(0))[1].toArray(), [-1576124287, 1272950319]);
 * } finally {
 *   random.setImpl(prev);
 * }
 * assert.equal(random.getImpl(), "threefry2x32");
 * ```
 */
export function setImpl(impl: PRNGImpl): PRNGImpl {
  return setCurrentImpl("setImpl", impl);
}

/**
 * The Threefry stream in use.
 *
 * @returns `"threefry2x32"` (default) or `"threefry2x32-legacy"`.
 *
 * @example
 * ```ts
 * import { random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * assert.equal(random.getImpl(), "threefry2x32");
 * ```
 */
export function getImpl(): PRNGImpl {
  return currentImpl();
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
 * assert.deepEqual(a.toArray(), [1797259609, -1715843330]); // JAX's split(key(0))[0]
 * assert.notDeepEqual(a.toArray(), b.toArray());
 * ```
 */
export function split(key: NDArray, num = 2): NDArray[] {
  checkArity("split", arguments.length, 2);
  checkKey("split", key);
  if (!Number.isInteger(num) || num < 1) {
    throw new RangeError(`random.split: num must be a positive integer, got ${num}.`);
  }
  const words = splitKeys(key, num);
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
  checkArity("foldIn", arguments.length, 2);
  checkKey("foldIn", key);
  if (!Number.isInteger(data)) {
    throw new TypeError(`random.foldIn: data must be an integer, got ${data}.`);
  }
  return bind1("random_bits", [key], { shape: [2], foldIn: data >>> 0 });
}

/**
 * Raw random words of the stream, as JAX's `random.bits`: uint32 by default, or uint8 (JAX's
 * 8-bit words: the low byte of each 32-bit word in the partitionable stream, four bytes of
 * each word, lowest first, in the legacy one). JAX's uint16 and uint64 have no difftrace dtype.
 *
 * @param key A key.
 * @param shape The shape.
 * @param options `dtype`: "uint32" (default) or "uint8".
 * @returns The words.
 *
 * @example
 * ```ts
 * import { random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const w = random.bits(random.key(0), [2]);
 * assert.equal(w.dtype, "uint32");
 * assert.deepEqual(w.toArray(), [4070199207, 4202968722]); // JAX's bits
 * assert.deepEqual(random.bits(random.key(0), [2], { dtype: "uint8" }).toArray(), [167, 146]);
 * ```
 */
export function bits(
  key: NDArray,
  shape: readonly number[] = [],
  options: { dtype?: DType } = {},
): NDArray {
  checkArity("bits", arguments.length, 3);
  checkOptions("random.bits", options, ["dtype"]);
  const dtype = options.dtype ?? "uint32";
  if (dtype !== "uint32" && dtype !== "uint8") {
    throw new TypeError(
      `random.bits: dtype ${JSON.stringify(dtype)} is not supported; pass "uint32" (the ` +
        `default) or "uint8" (JAX's uint16 and uint64 have no difftrace dtype).`,
    );
  }
  checkKey("bits", key);
  const s = checkShape("bits", shape);
  return dtype === "uint8"
    ? lax.convert(bits8(key, s), "uint8")
    : lax.convert(bits32(key, s), "uint32");
}

/**
 * Uniform samples in `[minval, maxval)`: JAX's recipe, the top mantissa bits
 * of a 32-bit word (float32) or a 64-bit word (float64) as a float in [1, 2),
 * minus 1, then scaled.
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
  shape: readonly number[] | number = [],
  options: { dtype?: DType; minval?: number | NDArray; maxval?: number | NDArray } = {},
): NDArray {
  checkArity("uniform", arguments.length, 3);
  checkKey("uniform", key);
  checkOptions("random.uniform", options, ["dtype", "minval", "maxval"]);
  if (options.minval !== undefined) checkFinite("random.uniform", "minval", options.minval);
  if (options.maxval !== undefined) checkFinite("random.uniform", "maxval", options.maxval);
  const s = checkShape("uniform", shape);
  const dtype = checkFloat("uniform", options.dtype ?? "float32");
  const lo = options.minval ?? 0, hi = options.maxval ?? 1;
  if (lo === 0 && hi === 1) {
    return sampled(`uniform01.${dtype}`, key, s, (k) => uniform01(k, s, dtype));
  }
  return uniformIn(key, s, dtype, lo, hi);
}

/**
 * `draw(key)` through a cached compiled program when the key is concrete and the sample is
 * large (`eagerProgram`: bits, then one fused loop, instead of an eager op per step of the
 * transform); bit-identical to `draw(key)` itself, which runs otherwise.
 */
function sampled(
  what: string,
  key: NDArray,
  shape: readonly number[],
  draw: (k: NDArray) => NDArray,
): NDArray {
  return eagerProgram(`random.${what}[${shape.join(",")}]`, [key], sizeOf(shape), draw, true);
}

/**
 * Standard normal samples (mean 0, variance 1), by the inverse CDF as JAX:
 * v uniform in (−1, 1), z = √2 · erf⁻¹(v).
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
  shape: readonly number[] | number = [],
  options: { dtype?: DType } = {},
): NDArray {
  checkArity("normal", arguments.length, 3);
  checkKey("normal", key);
  checkOptions("random.normal", options, ["dtype"]);
  const s = checkShape("normal", shape);
  const dtype = checkFloat("normal", options.dtype ?? "float32");
  return sampled(`normal.${dtype}`, key, s, (k) => standardNormal(k, s, dtype));
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
  shape: readonly number[] | number = [],
  options: { dtype?: DType } = {},
): NDArray {
  checkArity("truncatedNormal", arguments.length, 5);
  checkKey("truncatedNormal", key);
  checkOptions("random.truncatedNormal", options, ["dtype"]);
  checkNumber("random.truncatedNormal", "lower", lower);
  checkNumber("random.truncatedNormal", "upper", upper);
  if (!(lower < upper)) {
    throw new RangeError(`random.truncatedNormal: need lower < upper, got ${lower} and ${upper}.`);
  }
  const s = checkShape("truncatedNormal", shape);
  const dtype = checkFloat("truncatedNormal", options.dtype ?? "float32");
  // bounds as erf arguments: Φ(a) = (1 + erf(a/√2)) / 2, so u maps to erf⁻¹ of [2Φ(a)−1, 2Φ(b)−1]
  const a = 2 * ndtr(lower) - 1, b = 2 * ndtr(upper) - 1;
  const u = uniformIn(key, s, dtype, a, b);
  const eps = dtype === "float32" ? 2 ** -24 : 2 ** -53;
  const v = np.clip(u, -1 + eps, 1 - eps);
  const z = dtype === "float32"
    ? np.mul(erfinvF32(v), Math.SQRT2)
    : ndtriF64(np.mul(np.add(v, 1), 0.5));
  return np.clip(z, lower, upper);
}

/**
 * Bernoulli samples: `true` with probability `p` (u < p for u uniform, as JAX).
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
  shape?: readonly number[] | number,
): NDArray {
  checkArity("bernoulli", arguments.length, 3);
  checkKey("bernoulli", key);
  if (typeof p !== "number" && !(p instanceof NDArray)) {
    throw new TypeError(`random.bernoulli: p must be a number or an array, got ${show(p)}.`);
  }
  const s = shape === undefined
    ? (p instanceof NDArray ? p.shape : [])
    : checkShape("bernoulli", shape);
  const dtype = p instanceof NDArray && p.dtype === "float64" ? "float64" : "float32";
  return np.less(uniform01(key, s, dtype), p);
}

/**
 * Gumbel noise −log(−log u), u uniform in [tiny, 1) (JAX's default "low" mode).
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
 * const g = random.gumbel(random.key(0), [20000]);
 * assert.ok(Math.abs((g.mean().item() as number) - 0.5772) < 0.03); // Euler's constant
 * ```
 */
export function gumbel(
  key: NDArray,
  shape: readonly number[] | number = [],
  options: { dtype?: DType } = {},
): NDArray {
  checkArity("gumbel", arguments.length, 3);
  checkKey("gumbel", key);
  const s = checkShape("gumbel", shape);
  const dtype = checkFloat("gumbel", options.dtype ?? "float32");
  return gumbelNoise(key, s, dtype);
}

/**
 * Samples category indices from unnormalised log-probabilities, by the
 * Gumbel-max trick as JAX: argmax(logits + g) along `axis`, with the noise g
 * drawn in the logits' layout (so any `axis` gives JAX's draws).
 *
 * @param key A key.
 * @param logits Log-probabilities (any scale); the category axis is `axis`.
 * @param options `axis` (−1 by default) and `shape` (the shape of the samples; it
 * must end with the batch shape, logits without `axis`; default: the batch shape).
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
  checkArity("categorical", arguments.length, 3);
  checkKey("categorical", key);
  checkOptions("random.categorical", options, ["axis", "shape"]);
  if (!(logits instanceof NDArray) || logits.ndim === 0) {
    throw new TypeError(`random.categorical: logits must be an array with at least one axis.`);
  }
  const axis = options.axis ?? -1;
  if (!Number.isInteger(axis) || axis < -logits.ndim || axis >= logits.ndim) {
    throw new RangeError(
      `random.categorical: axis ${axis} is out of range for logits of rank ${logits.ndim}.`,
    );
  }
  const ax = axis < 0 ? axis + logits.ndim : axis;
  const batch = logits.shape.filter((_, i) => i !== ax);
  const shape = options.shape === undefined ? batch : checkShape("categorical", options.shape);
  const tail = shape.slice(shape.length - batch.length);
  if (shape.length < batch.length || tail.some((d, i) => d !== batch[i])) {
    throw new TypeError(
      `random.categorical: shape ${JSON.stringify(shape)} must end with the batch shape ` +
        `${JSON.stringify(batch)} (logits ${JSON.stringify(logits.shape)} without axis ${ax}).`,
    );
  }
  const prefix = shape.slice(0, shape.length - batch.length);
  const noiseShape = [...prefix, ...logits.shape];
  const dtype = logits.dtype === "float64" ? "float64" : "float32";
  const noise = gumbelNoise(key, noiseShape, dtype);
  return np.argmax(np.add(noise, logits), { axis: prefix.length + ax });
}

/**
 * A random permutation of `0..n-1`, or of an array along `axis`, as JAX:
 * sorting by random 32-bit keys (so the same key gives JAX's permutation).
 * With `independent`, each slice along `axis` is permuted on its own. Needs a
 * concrete key: call it outside `jit` (e.g. to shuffle a data set each epoch).
 *
 * @param key A key.
 * @param x A length `n`, or an array.
 * @param options `axis` (0) and `independent` (false).
 * @returns int32 indices, or the permuted array.
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
export function permutation(
  key: NDArray,
  x: number | NDArray,
  options: { axis?: number; independent?: boolean } = {},
): NDArray {
  checkArity("permutation", arguments.length, 3);
  checkKey("permutation", key);
  checkOptions("random.permutation", options, ["axis", "independent"]);
  if (typeof x === "number") {
    if (!Number.isInteger(x) || x < 0) {
      throw new RangeError(`random.permutation: n must be a non-negative integer, got ${x}.`);
    }
    return new ArrayValue(
      sortRounds(key, "permutation", [x], 0)[0] ?? new Int32Array(0),
      [x],
      "int32",
    );
  }
  if (!(x instanceof NDArray) || x.ndim === 0) {
    throw new TypeError(`random.permutation: x must be an integer or an array with an axis.`);
  }
  const axis = options.axis ?? 0;
  if (!Number.isInteger(axis) || axis < -x.ndim || axis >= x.ndim) {
    throw new RangeError(`random.permutation: axis ${axis} is out of range for rank ${x.ndim}.`);
  }
  const ax = axis < 0 ? axis + x.ndim : axis;
  if (options.independent && x.ndim > 1) return shuffleAlong(key, "permutation", x, ax);
  const idx = sortRounds(key, "permutation", x.ndim === 1 ? x.shape : [x.shape[ax]], 0)[0] ??
    new Int32Array(0);
  return np.take(x, new ArrayValue(idx, [idx.length], "int32"), ax);
}

/** Each slice of `x` along `axis` permuted on its own (JAX's `_shuffle`). */
function shuffleAlong(key: NDArray, op: string, x: NDArray, axis: number): NDArray {
  const perms = sortRounds(key, op, x.shape, axis);
  const n = x.shape[axis];
  const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const flat = new Int32Array(x.size);
  perms.forEach((p, f) => {
    const outer = Math.floor(f / inner), within = f % inner;
    for (let i = 0; i < n; i++) {
      flat[(outer * n + i) * inner + within] = (outer * n + p[i]) * inner + within;
    }
  });
  return np.reshape(np.take(np.ravel(x), new ArrayValue(flat, [x.size], "int32")), x.shape);
}

/**
 * Shuffles the slices of `x` along `axis`, each slice independently (JAX's
 * former `random.shuffle`, today `permutation(key, x, axis, independent=True)`).
 * Needs a concrete key.
 *
 * @param key A key.
 * @param x The array.
 * @param axis The axis (0 by default).
 * @returns The shuffled array.
 *
 * @example
 * ```ts
 * import { np, random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const s = random.shuffle(random.key(1), np.arange(6)).toArray() as number[];
 * assert.deepEqual([...s].sort(), [0, 1, 2, 3, 4, 5]);
 * ```
 */
export function shuffle(key: NDArray, x: NDArray, axis = 0): NDArray {
  checkArity("shuffle", arguments.length, 3);
  checkKey("shuffle", key);
  if (!(x instanceof NDArray) || x.ndim === 0) {
    throw new TypeError(`random.shuffle: x must be an array with at least one axis.`);
  }
  if (!Number.isInteger(axis) || axis < -x.ndim || axis >= x.ndim) {
    throw new RangeError(`random.shuffle: axis ${axis} is out of range for rank ${x.ndim}.`);
  }
  return shuffleAlong(key, "shuffle", x, axis < 0 ? axis + x.ndim : axis);
}
