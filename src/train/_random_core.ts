/**
 * The internals shared by the random samplers: which Threefry stream is in use,
 * key checks, raw bits (traceable, through the one `random_bits` primitive),
 * concrete bits for the samplers that run on plain numbers, and JAX's
 * bits-to-float recipe.
 *
 * Two streams exist, both Threefry-2x32 with JAX's keys:
 *  - "threefry2x32" (the default): JAX's partitionable stream
 *    (`jax_threefry_partitionable=True`, JAX's default since 0.5): each element
 *    hashes its own counter.
 *  - "threefry2x32-legacy": JAX's original stream (counters cut in two halves).
 * The stream is a module setting read when a sampler is called (or traced: a
 * jitted function keeps the stream it was traced with), as JAX's config flag.
 *
 * @module
 */
import { checkAllocation, checkShapeArg } from "../core/_validate.ts";
import { bind1 } from "../core/_trace.ts";
import type { DType } from "../core/_dtype.ts";
import { evalHooks } from "../interpreters/_eval.ts";
import * as lax from "../core/_lax.ts";
import { DATA, NDArray } from "../core/_ndarray.ts";
import { ArrayValue, concreteValue } from "../core/_array_value.ts";
import { argsortLane } from "../kernels/sort.ts";
import { fmtShape, sizeOf } from "../core/_shape.ts";
import {
  asInt32,
  foldIn as foldInKernel,
  keyFromInt32,
  randomBits,
  randomBits64,
  randomBitsPartitionable,
  splitKey,
  splitKeyPartitionable,
  threefryBlock,
  threefryBlocksInto,
  threefryKeyed,
} from "../kernels/threefry.ts";
import * as np from "../numpy/numpy.ts";
import { shiftRightLogical } from "../numpy/_lax_shifts.ts";

/** The name of a PRNG implementation (a Threefry-2x32 stream). */
export type PRNGImpl = "threefry2x32" | "threefry2x32-legacy";

const IMPLS: readonly PRNGImpl[] = ["threefry2x32", "threefry2x32-legacy"];
let current: PRNGImpl = "threefry2x32";

/** The stream in use. */
export function currentImpl(): PRNGImpl {
  return current;
}

/** Selects the stream; returns the previous one. */
export function setCurrentImpl(op: string, impl: PRNGImpl): PRNGImpl {
  if (!IMPLS.includes(impl)) {
    throw new RangeError(
      `random.${op}: unknown PRNG implementation ${JSON.stringify(impl)}; ` +
        `use "threefry2x32" (JAX's default, partitionable) or "threefry2x32-legacy".`,
    );
  }
  const prev = current;
  current = impl;
  return prev;
}

/** The `legacy` flag of `random_bits` for the current stream (absent for the default). */
function legacyParam(): { legacy?: boolean } {
  return current === "threefry2x32-legacy" ? { legacy: true } : {};
}

evalHooks.randomBits = (key, { shape, foldIn, legacy, mode }) => {
  const [k0, k1] = keyFromInt32(key[DATA] as Int32Array);
  if (foldIn !== undefined) {
    const [a, b] = foldInKernel(k0, k1, foldIn);
    return new ArrayValue(Int32Array.of(a | 0, b | 0), [2], "int32");
  }
  const n = sizeOf(shape);
  let words: Uint32Array;
  if (mode === "split") {
    words = legacy ? splitKey(k0, k1, n / 2) : splitKeyPartitionable(k0, k1, n / 2);
  } else if (mode === "bits64") {
    words = randomBits64(k0, k1, n / 2, legacy === true);
  } else {
    words = legacy ? randomBits(k0, k1, n) : randomBitsPartitionable(k0, k1, n);
  }
  return new ArrayValue(asInt32(words), shape, "int32");
};

/** Throws a TypeError when a sampler is called with more arguments than it takes. */
export function checkArity(op: string, given: number, max: number): void {
  if (given > max) {
    throw new TypeError(
      `random.${op}: takes at most ${max} arguments, got ${given}; the extra ones would be ` +
        `ignored. Pass options (dtype, axis, ...) in the options object.`,
    );
  }
}

/** Throws unless `key` is an int32[2] key. */
export function checkKey(op: string, key: NDArray): NDArray {
  if (!(key instanceof NDArray) || key.dtype !== "int32" || key.ndim !== 1 || key.shape[0] !== 2) {
    throw new TypeError(
      `random.${op}: expected a key (an int32[2] array from random.key(seed) or random.split), ` +
        `got ${key instanceof NDArray ? `${key.dtype}${fmtShape(key.shape)}` : typeof key}.`,
    );
  }
  return key;
}

/** Throws unless `dtype` is a float dtype. */
export function checkFloat(op: string, dtype: DType): DType {
  if (dtype !== "float32" && dtype !== "float64") {
    throw new TypeError(`random.${op}: dtype must be float32 or float64, got ${dtype}.`);
  }
  return dtype;
}

/** Throws unless `shape` is a list of non-negative integers. */
export function checkShape(op: string, shape: readonly number[] | number): number[] {
  // a number is a 1-D shape (random.uniform(key, 3)); strings and fractions are refused, and
  // a huge shape is refused before anything is allocated
  const out = checkShapeArg(`random.${op}`, shape);
  checkAllocation(`random.${op}`, out, "float64");
  return out;
}

/** 32-bit words of the current stream as int32, of `shape`. */
export function bits32(k: NDArray, shape: readonly number[]): NDArray {
  return bind1("random_bits", [k], { shape: [...shape], ...legacyParam() });
}

/**
 * 8-bit words of the current stream as JAX draws them for `random.bits(key, shape, uint8)`,
 * as int32 values in [0, 256). Partitionable stream: the low byte of each 32-bit word. Legacy
 * stream: ⌈n/4⌉ words, each cut into 4 bytes, lowest first.
 */
export function bits8(k: NDArray, shape: readonly number[]): NDArray {
  if (!legacyParam().legacy) return np.bitwiseAnd(bits32(k, shape), 255);
  const size = sizeOf(shape);
  const words = bits32(k, [Math.ceil(size / 4)]);
  const pieces = [0, 8, 16, 24].map((s) => np.bitwiseAnd(shiftRightLogical(words, s), 255));
  const flat = np.reshape(np.stack(pieces, -1), [-1]);
  return np.reshape(np.slice(flat, [[0, size]]), [...shape]);
}

/** 64-bit words as (high, low) int32 pairs on a trailing axis of 2. */
export function bits64(k: NDArray, shape: readonly number[]): NDArray {
  return bind1("random_bits", [k], { shape: [...shape, 2], mode: "bits64", ...legacyParam() });
}

/** `num` keys stacked as int32[num, 2] (JAX's `split` of the current stream). */
export function splitKeys(k: NDArray, num: number): NDArray {
  return bind1("random_bits", [k], { shape: [num, 2], mode: "split", ...legacyParam() });
}

/** Two keys (the common `key, subkey = split(key)`). */
export function split2(k: NDArray): [NDArray, NDArray] {
  const ks = splitKeys(k, 2);
  return [np.slice(ks, [0]), np.slice(ks, [1])];
}

/**
 * int32 words read as unsigned, in float64: u = b + 2^32 where b < 0, as a reinterpretation
 * (int32 → uint32 wraps) rather than a select on the sign, so a jitted loop has no
 * data-dependent branch (random signs mispredicted half the time: the dropout mask's loop
 * over [64, 512] took 665 µs with the select, see the commit).
 */
export function unsigned(b: NDArray): NDArray {
  return lax.convert(lax.convert(b, "uint32"), "float64");
}

/**
 * JAX's uniform floats in [0, 1): the top mantissa bits of a word (23 of 32
 * bits for float32, 52 of 64 for float64) as a float in [1, 2), minus 1.
 *
 * Written with integer shifts and converts, so a jitted sampler is int32 → shift → convert →
 * float32 ops, a loop jit's wasm SIMD path runs (a float64 division and floor would keep it
 * in JS).
 */
export function uniform01(k: NDArray, shape: readonly number[], dtype: DType): NDArray {
  if (dtype === "float32") {
    // m = w >>> 9, the top 23 bits (< 2²³: exact in float32); m · 2⁻²³ is exact, never 1
    const m = shiftRightLogical(bits32(k, shape), 9);
    return np.mul(lax.convert(m, "float32"), 2 ** -23);
  }
  const [hiW, loW] = np.split(bits64(k, shape), 2, -1);
  const hi = unsigned(hiW);
  // m = top 52 bits = hi · 2^20 + (lo >>> 12), exact in float64
  const m = np.add(np.mul(hi, 2 ** 20), lax.convert(shiftRightLogical(loW, 12), "float64"));
  return np.reshape(np.mul(m, 2 ** -52), [...shape]);
}

/**
 * JAX's `uniform(key, shape, dtype, minval, maxval)`: max(minval, u·(maxval − minval) + minval)
 * computed in `dtype`, with u from `uniform01`.
 */
export function uniformIn(
  k: NDArray,
  shape: readonly number[],
  dtype: DType,
  minval: number | NDArray,
  maxval: number | NDArray,
): NDArray {
  const u = uniform01(k, shape, dtype);
  const lo = typeof minval === "number" ? np.full([], minval, { dtype }) : minval.astype(dtype);
  const hi = typeof maxval === "number" ? np.full([], maxval, { dtype }) : maxval.astype(dtype);
  return np.maximum(lo, np.add(np.mul(u, np.sub(hi, lo)), lo));
}

/**
 * `n` uniforms in [0, 1) from a concrete key, as `uniform(key, (n,), dtype)`: the top 23
 * (float32) or 52 (float64) bits of the key's random words as the mantissa.
 */
export function uniforms(k: readonly [number, number], n: number, dtype: DType): number[] {
  return Array.from(uniformsInto(k, n, dtype, new Float64Array(n), new Uint32Array(n)));
}

/** The float32 uniform in [0, 1) of a 32-bit word: its top 23 bits as the mantissa. */
export const unitF32 = (w: number): number => (w >>> 9) * 2 ** -23;
/** The float64 uniform in [0, 1) of a 64-bit word (hi, lo): its top 52 bits. */
export const unitF64 = (hi: number, lo: number): number => (hi * 2 ** 20 + (lo >>> 12)) * 2 ** -52;

/**
 * {@link uniforms} written into `out` (length ≥ n), with `words` (≥ n words) as scratch
 * for float32: the rejection loops draw n uniforms per round and reuse both buffers.
 */
export function uniformsInto(
  k: readonly [number, number],
  n: number,
  dtype: DType,
  out: Float64Array,
  words: Uint32Array,
): Float64Array {
  if (dtype === "float32") {
    concrete.bitsInto(k[0], k[1], n, words);
    for (let i = 0; i < n; i++) out[i] = unitF32(words[i]);
    return out;
  }
  const w = concrete.bits64(k[0], k[1], n);
  for (let i = 0; i < n; i++) out[i] = unitF64(w[2 * i], w[2 * i + 1]);
  return out;
}

/**
 * Buffers of at least n entries that `uniformsAt` reuses from call to call (a typed array
 * costs V8 ~0.2 µs to allocate, more than the hash of a few lanes: multinomial calls it per
 * outcome on one lane); above {@link SCRATCH_MAX} entries each call allocates, so nothing
 * large is kept.
 */
const SCRATCH_MAX = 4096;
const U32_SCRATCH = [0, 1, 2, 3].map(() => new Uint32Array(SCRATCH_MAX));
const F64_SCRATCH = new Float64Array(SCRATCH_MAX);

function scratchU32(slot: number, n: number): Uint32Array {
  return n <= SCRATCH_MAX ? U32_SCRATCH[slot] : new Uint32Array(n);
}

function scratchF64(n: number): Float64Array {
  return n <= SCRATCH_MAX ? F64_SCRATCH : new Float64Array(n);
}

/**
 * Entries `lanes[0..count)` of `uniform(k, (n,), dtype)`, into `out[0..count)`: only the
 * blocks those entries come from are hashed, so a loop that draws an n-wide uniform per round
 * but reads it on few lanes pays for those lanes. Entry i comes from: partitionable, the
 * block (hi(i), lo(i)) (y0 ^ y1; float64: (y0, y1)); legacy float32, with h = ⌈n/2⌉, lane 0
 * of the block (i, h + i) for i < h (the block (h − 1, 0) for i = h − 1 when n is odd) and
 * lane 1 of the block (i − h, i) otherwise; legacy float64, the block (i, n + i). When the
 * lanes are more than an eighth of n, the whole draw (the wasm kernel, ~5× cheaper a word
 * than the JS one) and a gather cost less.
 */
export function uniformsAt(
  k: readonly [number, number],
  n: number,
  dtype: DType,
  lanes: Int32Array,
  count: number,
  out: Float64Array,
): Float64Array {
  if (8 * count >= n) {
    const all = uniformsInto(k, n, dtype, scratchF64(n), scratchU32(0, n));
    for (let t = 0; t < count; t++) out[t] = all[lanes[t]];
    return out;
  }
  const x0 = scratchU32(0, count), x1 = scratchU32(1, count);
  const legacy = current === "threefry2x32-legacy";
  const h = (n + 1) >>> 1;
  for (let t = 0; t < count; t++) {
    const i = lanes[t];
    if (!legacy) x0[t] = Math.floor(i / 4294967296), x1[t] = i >>> 0;
    else if (dtype === "float64") x0[t] = i, x1[t] = n + i;
    else if (i < h) x0[t] = i, x1[t] = n % 2 === 1 && i === h - 1 ? 0 : h + i;
    else x0[t] = i - h, x1[t] = i;
  }
  const y0 = scratchU32(2, count), y1 = scratchU32(3, count);
  threefryBlocksInto(k[0], k[1], x0, x1, y0, y1, count);
  for (let t = 0; t < count; t++) {
    if (dtype === "float64") out[t] = unitF64(y0[t], y1[t]);
    else if (!legacy) out[t] = unitF32(y0[t] ^ y1[t]);
    else out[t] = unitF32(lanes[t] < h ? y0[t] : y1[t]);
  }
  return out;
}

/** Rounding to a sampler's working dtype: `Math.fround` for float32, none for float64. */
export function rounder(dtype: DType): (x: number) => number {
  return dtype === "float32" ? Math.fround : (x: number) => x;
}

/** `xs` rounded in place to `dtype` (a loop: a typed array's `map` costs ~35 ns an element). */
export function roundAll(xs: Float64Array, dtype: DType): Float64Array {
  if (dtype === "float32") { for (let i = 0; i < xs.length; i++) xs[i] = Math.fround(xs[i]); }
  return xs;
}

/** A concrete key's two words, or a TypeError naming `op` when the key is traced. */
export function concreteKey(op: string, key: NDArray): [number, number] {
  let v: ArrayValue;
  try {
    v = concreteValue(key);
  } catch {
    throw new TypeError(
      `random.${op}: needs a concrete key, got a traced int32[2] (inside jit or vmap); ` +
        `draw the sample outside the transform and pass it in.`,
    );
  }
  return keyFromInt32(v[DATA] as Int32Array);
}

/** The words of a split into at most 4 keys (see `concrete.split`). */
const FEW_KEYS = new Uint32Array(8);

/** Concrete helpers on plain numbers, for samplers with data-dependent loops. */
export const concrete = {
  /** `split(key, num)` of the current stream, as `num` pairs. */
  split(k0: number, k1: number, num: number): [number, number][] {
    // the rejection loops split a key in 2 or 3 at every step: those few words go into one
    // reused buffer, as allocating a typed array per split costs ~10× the hashes
    const w = concrete.splitInto(k0, k1, num, num <= 4 ? FEW_KEYS : new Uint32Array(2 * num));
    // (a loop: `Array.from({ length })` with a map function costs V8 ~0.3 µs a call)
    const keys: [number, number][] = [];
    for (let i = 0; i < num; i++) keys.push([w[2 * i], w[2 * i + 1]]);
    return keys;
  },
  /** One 32-bit word of the current stream: `bits(k0, k1, 1)[0]`, without the arrays. */
  word(k0: number, k1: number): number {
    // n = 1: legacy hashes the padded block (0, 0) and keeps lane 0; partitionable
    // hashes the block (0, 0) and keeps y0 ^ y1
    const [y0, y1] = threefryBlock(k0, k1, 0, 0);
    return current === "threefry2x32-legacy" ? y0 : (y0 ^ y1) >>> 0;
  },
  /** One 64-bit word as (high, low): `bits64(k0, k1, 1)`, without the arrays. */
  word64(k0: number, k1: number): [number, number] {
    // legacy: the block (0, n) = (0, 1); partitionable: the block (hi(0), lo(0)) = (0, 0)
    return threefryBlock(k0, k1, 0, current === "threefry2x32-legacy" ? 1 : 0);
  },
  /** `n` 32-bit words of the current stream. */
  bits(k0: number, k1: number, n: number): Uint32Array {
    return current === "threefry2x32-legacy"
      ? randomBits(k0, k1, n)
      : randomBitsPartitionable(k0, k1, n);
  },
  /** `split(key, num)` as 2·num words (key i is words 2i, 2i + 1), written into `out`. */
  splitInto(k0: number, k1: number, num: number, out: Uint32Array): Uint32Array {
    return current === "threefry2x32-legacy"
      ? randomBits(k0, k1, 2 * num, out)
      : splitKeyPartitionable(k0, k1, num, out);
  },
  /** `n` 32-bit words of the current stream, written into `out`. */
  bitsInto(k0: number, k1: number, n: number, out: Uint32Array): Uint32Array {
    return current === "threefry2x32-legacy"
      ? randomBits(k0, k1, n, out)
      : randomBitsPartitionable(k0, k1, n, out);
  },
  /** `n` 64-bit words as (high, low) pairs. */
  bits64(k0: number, k1: number, n: number): Uint32Array {
    return randomBits64(k0, k1, n, current === "threefry2x32-legacy");
  },
};

/**
 * The same operations on many keys at once, for the samplers that keep one key per element
 * (gamma's loop): lane i's key is `(k0[i], k1[i])`, i < n, and each operation is a few
 * passes of the keyed Threefry kernel over all lanes instead of a call per element.
 */
export const keyedLanes = {
  /**
   * `split(key, num)` of every lane's key: key j of lane i is `(out[j][0][i], out[j][1][i])`.
   * Partitionable: key j is the block (0, j) hashed. Legacy: the 2·num words of
   * `bits(key, 2·num)`, block b = (b, num + b) giving word b (y0) and word num + b (y1),
   * key j being words 2j and 2j + 1.
   */
  split(k0: Uint32Array, k1: Uint32Array, n: number, num: number): [Uint32Array, Uint32Array][] {
    const out = Array.from(
      { length: num },
      () => [new Uint32Array(n), new Uint32Array(n)] as [Uint32Array, Uint32Array],
    );
    if (current !== "threefry2x32-legacy") {
      for (let j = 0; j < num; j++) threefryKeyed(k0, k1, 0, j, out[j][0], out[j][1], n);
      return out;
    }
    const y = Array.from({ length: num }, () => [new Uint32Array(n), new Uint32Array(n)]);
    for (let b = 0; b < num; b++) threefryKeyed(k0, k1, b, num + b, y[b][0], y[b][1], n);
    for (let m = 0; m < 2 * num; m++) {
      // word m is lane (m < num ? 0 : 1) of block m mod num; it is half m mod 2 of key ⌊m/2⌋
      out[m >> 1][m & 1].set(y[m % num][m < num ? 0 : 1].subarray(0, n));
    }
    return out;
  },
  /** `bits(key, [1])[0]` of every lane's key, into `out`: the block (0, 0); y0 ^ y1 (legacy: y0). */
  word(k0: Uint32Array, k1: Uint32Array, n: number, out: Uint32Array): Uint32Array {
    const y1 = new Uint32Array(n);
    threefryKeyed(k0, k1, 0, 0, out, y1, n);
    if (current !== "threefry2x32-legacy") { for (let i = 0; i < n; i++) out[i] ^= y1[i]; }
    return out;
  },
  /** The 64-bit word of `bits64(key, 1)` of every lane's key as (hi, lo): the block (0, 0) (legacy: (0, 1)). */
  word64(k0: Uint32Array, k1: Uint32Array, n: number, hi: Uint32Array, lo: Uint32Array): void {
    threefryKeyed(k0, k1, 0, current === "threefry2x32-legacy" ? 1 : 0, hi, lo, n);
  },
  /** `uniform(key, (), dtype)` of every lane's key, into `out`. */
  uniform(
    k0: Uint32Array,
    k1: Uint32Array,
    n: number,
    dtype: DType,
    out: Float64Array,
  ): Float64Array {
    const w = new Uint32Array(n);
    if (dtype === "float32") {
      keyedLanes.word(k0, k1, n, w);
      for (let i = 0; i < n; i++) out[i] = unitF32(w[i]);
    } else {
      const lo = new Uint32Array(n);
      keyedLanes.word64(k0, k1, n, w, lo);
      for (let i = 0; i < n; i++) out[i] = unitF64(w[i], lo[i]);
    }
    return out;
  },
};

/**
 * Row-major permutation state: `perm[f][i]` is the source index along the axis of
 * position i of fiber f. One sort round: each fiber is stably sorted by fresh
 * uint32 keys of the array's shape, as JAX's `_shuffle`.
 */
export function sortRounds(
  key: NDArray,
  op: string,
  shape: readonly number[],
  axis: number,
): Int32Array[] {
  let [k0, k1] = concreteKey(op, key);
  const n = shape[axis];
  const size = shape.reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const fibers = n === 0 ? 0 : size / n;
  const perms = Array.from({ length: fibers }, () => Int32Array.from({ length: n }, (_, i) => i));
  // ceil(3 ln(size) / ln(2^32 − 1)) rounds of 32-bit keys (JAX's heuristic)
  const rounds = Math.ceil(3 * Math.log(Math.max(1, size)) / Math.log(4294967295));
  const order = new Int32Array(size);
  for (let r = 0; r < rounds; r++) {
    const [[a0, a1], [s0, s1]] = concrete.split(k0, k1, 2);
    [k0, k1] = [a0, a1];
    const words = concrete.bits(s0, s1, size);
    for (let f = 0; f < fibers; f++) {
      const base = Math.floor(f / inner) * n * inner + (f % inner);
      const p = perms[f];
      // position i currently holds element p[i]; its sort key is the word at position i,
      // ties kept in position order: the stable order of the lane (kernels/sort.ts)
      argsortLane(words, "unsigned", base, n, inner, false, order);
      const next = new Int32Array(n);
      for (let j = 0; j < n; j++) next[j] = p[order[base + j * inner]];
      perms[f] = next;
    }
  }
  return perms;
}

/** Checks a float sampler's key, shape and `dtype` option (float32 by default). */
export function floatArgs(
  op: string,
  key: NDArray,
  shape: readonly number[],
  options: { dtype?: DType },
): { s: number[]; dtype: DType } {
  checkKey(op, key);
  return { s: checkShape(op, shape), dtype: checkFloat(op, options.dtype ?? "float32") };
}
