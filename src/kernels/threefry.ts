/**
 * Counter-based random number kernels on plain typed arrays.
 *
 * The generator is Threefry-2x32 with 20 rounds (Salmon, Moraes, Dror and Shaw,
 * "Parallel Random Numbers: As Easy as 1, 2, 3", SC 2011), the hash JAX uses for
 * its default `threefry2x32` PRNG. A key is two uint32 words `(k0, k1)`; there is
 * no hidden state, every function here is pure.
 *
 * Key derivation and bit streams follow JAX's original (non-"partitionable")
 * threefry scheme, so `seedKey(0)`, `splitKey` and `randomBits` reproduce the
 * values JAX printed for `PRNGKey(0)` before `jax_threefry_partitionable` became
 * its default:
 *
 *  - `randomBits(k, n)`: the counters 0..n-1 (padded with a trailing 0 when n is
 *    odd) are cut into a first half and a second half; counter `i` of the first
 *    half is hashed together with counter `i` of the second half as one
 *    (x0, x1) block. Output word `i` of the first half is lane 0 of block `i`,
 *    output word `half + i` is lane 1 of block `i`.
 *  - `splitKey(k, num)` is `randomBits(k, 2 * num)` read as `num` rows of 2 words.
 *  - `foldIn(k, d)` hashes the single block `(0, d)` under `k`.
 *
 * Everything is written with 32-bit integer operations (`| 0`, `>>> 0`) so that
 * engines keep it in int32 registers; `Uint32Array` stores wrap modulo 2^32.
 *
 * Every stream hashes runs of blocks whose counters move by a fixed step
 * ({@link threefryCounters}); from {@link WASM_MIN_BLOCKS} blocks up, that runs
 * in the WebAssembly SIMD kernel of `_threefry_wasm.ts` (about 4–5× faster under
 * V8, 2–3× under JavaScriptCore), which must equal {@link threefryCountersJs}
 * bit for bit; without wasm SIMD everything stays in JS.
 *
 * @module
 */

import {
  type BlockStore,
  type CounterHash,
  createThreefryWasm,
  type KeyedHash,
} from "./_threefry_wasm.ts";

export type { BlockStore, CounterHash, KeyedHash };

// ---------------------------------------------------------------------------
// Threefry-2x32
// ---------------------------------------------------------------------------

/** Skein key-schedule parity constant, XORed into the extra key word. */
const KS_PARITY = 0x1bd11bda;

/**
 * Threefry-2x32, 20 rounds, applied elementwise to the blocks `(x0[i], x1[i])`
 * under the key `(k0, k1)`.
 *
 * Round: `x0 += x1; x1 = rotl(x1, R); x1 ^= x0`, with rotations
 * R = 13, 15, 26, 6 on rounds 4j..4j+3 for even j and 17, 29, 16, 24 for odd j.
 * Key schedule: `ks = [k0, k1, k0 ^ k1 ^ 0x1BD11BDA]`; before round 0 add
 * `(ks[0], ks[1])`; after each group of 4 rounds (s = 1..5) add
 * `(ks[s % 3], ks[(s + 1) % 3] + s)`. All additions are modulo 2^32.
 *
 * @param k0 first key word (uint32; any number is reduced modulo 2^32)
 * @param k1 second key word
 * @param x0 first counter lane
 * @param x1 second counter lane, same length as `x0`
 * @returns the two hashed lanes, freshly allocated
 */
export function threefry2x32(
  k0: number,
  k1: number,
  x0: Uint32Array,
  x1: Uint32Array,
): [Uint32Array, Uint32Array] {
  if (x0.length !== x1.length) {
    throw new RangeError(
      `threefry2x32: lanes differ in length (${x0.length} vs ${x1.length})`,
    );
  }
  const y0 = new Uint32Array(x0.length);
  const y1 = new Uint32Array(x0.length);
  threefryLanes(k0, k1, x0, x1, y0, y1, x0.length);
  return [y0, y1];
}

/**
 * Hash `n` blocks: `(y0[i], y1[i]) = threefry(k, (x0[i], x1[i]))`. The output
 * arrays may alias the inputs.
 */
function threefryLanes(
  k0: number,
  k1: number,
  x0: ArrayLike<number>,
  x1: ArrayLike<number>,
  y0: Uint32Array,
  y1: Uint32Array,
  n: number,
): void {
  const ks0 = k0 | 0;
  const ks1 = k1 | 0;
  const ks2 = (ks0 ^ ks1 ^ KS_PARITY) | 0;
  for (let i = 0; i < n; i++) {
    let a = (x0[i] + ks0) | 0;
    let b = (x1[i] + ks1) | 0;
    // rounds 0-3
    a = (a + b) | 0;
    b = ((b << 13) | (b >>> 19)) ^ a;
    a = (a + b) | 0;
    b = ((b << 15) | (b >>> 17)) ^ a;
    a = (a + b) | 0;
    b = ((b << 26) | (b >>> 6)) ^ a;
    a = (a + b) | 0;
    b = ((b << 6) | (b >>> 26)) ^ a;
    a = (a + ks1) | 0;
    b = (b + ks2 + 1) | 0;
    // rounds 4-7
    a = (a + b) | 0;
    b = ((b << 17) | (b >>> 15)) ^ a;
    a = (a + b) | 0;
    b = ((b << 29) | (b >>> 3)) ^ a;
    a = (a + b) | 0;
    b = ((b << 16) | (b >>> 16)) ^ a;
    a = (a + b) | 0;
    b = ((b << 24) | (b >>> 8)) ^ a;
    a = (a + ks2) | 0;
    b = (b + ks0 + 2) | 0;
    // rounds 8-11
    a = (a + b) | 0;
    b = ((b << 13) | (b >>> 19)) ^ a;
    a = (a + b) | 0;
    b = ((b << 15) | (b >>> 17)) ^ a;
    a = (a + b) | 0;
    b = ((b << 26) | (b >>> 6)) ^ a;
    a = (a + b) | 0;
    b = ((b << 6) | (b >>> 26)) ^ a;
    a = (a + ks0) | 0;
    b = (b + ks1 + 3) | 0;
    // rounds 12-15
    a = (a + b) | 0;
    b = ((b << 17) | (b >>> 15)) ^ a;
    a = (a + b) | 0;
    b = ((b << 29) | (b >>> 3)) ^ a;
    a = (a + b) | 0;
    b = ((b << 16) | (b >>> 16)) ^ a;
    a = (a + b) | 0;
    b = ((b << 24) | (b >>> 8)) ^ a;
    a = (a + ks1) | 0;
    b = (b + ks2 + 4) | 0;
    // rounds 16-19
    a = (a + b) | 0;
    b = ((b << 13) | (b >>> 19)) ^ a;
    a = (a + b) | 0;
    b = ((b << 15) | (b >>> 17)) ^ a;
    a = (a + b) | 0;
    b = ((b << 26) | (b >>> 6)) ^ a;
    a = (a + b) | 0;
    b = ((b << 6) | (b >>> 26)) ^ a;
    a = (a + ks2) | 0;
    b = (b + ks0 + 5) | 0;
    y0[i] = a;
    y1[i] = b;
  }
}

/** Scratch lanes of the JS kernels, allocated once (typed-array allocation costs V8 ~0.2 µs each). */
const SCRATCH_WORDS = 4096;
const scratch = [0, 1, 2, 3].map(() => new Uint32Array(SCRATCH_WORDS));

/** Scalar Threefry-2x32 of one block; returns the two words as uint32 numbers. */
export function threefryBlock(
  k0: number,
  k1: number,
  x0: number,
  x1: number,
): [number, number] {
  const [c0, c1, y0, y1] = scratch;
  c0[0] = x0;
  c1[0] = x1;
  threefryLanes(k0, k1, c0, c1, y0, y1, 1);
  return [y0[0], y1[0]];
}

/**
 * One block hashed under many keys: `(y0[i], y1[i]) = threefry((k0[i], k1[i]), (x0, x1))`
 * for i < n. A rejection sampler keeps one key per element and splits or draws from
 * all of them at once through this (the same block of every key), instead of one
 * call per element. The outputs may be the key arrays themselves. From
 * {@link KEYED_WASM_MIN} keys up it runs the wasm kernel (which copies the keys in and
 * the words out: 2^16 keys in ~4 ns a key under V8, against ~11 ns for a JS loop).
 */
export function threefryKeyed(
  k0: Uint32Array,
  k1: Uint32Array,
  x0: number,
  x1: number,
  y0: Uint32Array,
  y1: Uint32Array,
  n: number,
): void {
  if (k0.length < n || k1.length < n || y0.length < n || y1.length < n) {
    throw new RangeError(`threefryKeyed: every array needs at least ${n} entries`);
  }
  const hash = n >= KEYED_WASM_MIN && threefryKeyedWasm !== null
    ? threefryKeyedWasm
    : threefryKeyedJs;
  hash(k0, k1, x0, x1, y0, y1, n);
}

/** From this many keys up, {@link threefryKeyed} runs the wasm kernel. */
export const KEYED_WASM_MIN = 32;

/**
 * The plain JS keyed hash, the reference the wasm kernel is tested against: the scalar
 * kernel once per key (fine for the few keys it gets below {@link KEYED_WASM_MIN}).
 */
export const threefryKeyedJs: KeyedHash = (k0, k1, x0, x1, y0, y1, n) => {
  for (let i = 0; i < n; i++) {
    const [a, b] = threefryBlock(k0[i], k1[i], x0, x1);
    y0[i] = a;
    y1[i] = b;
  }
};

/**
 * Many blocks hashed under one key, into given arrays: `(y0[i], y1[i]) =
 * threefry((k0, k1), (x0[i], x1[i]))` for i < n (the outputs may alias the
 * inputs). For blocks that are not a run of counters, such as the words of only
 * the lanes a rejection loop still runs.
 */
export function threefryBlocksInto(
  k0: number,
  k1: number,
  x0: Uint32Array,
  x1: Uint32Array,
  y0: Uint32Array,
  y1: Uint32Array,
  n: number,
): void {
  if (x0.length < n || x1.length < n || y0.length < n || y1.length < n) {
    throw new RangeError(`threefryBlocksInto: every array needs at least ${n} entries`);
  }
  threefryLanes(k0, k1, x0, x1, y0, y1, n);
}

// ---------------------------------------------------------------------------
// Runs of counter blocks
// ---------------------------------------------------------------------------

/**
 * The plain JS counter hash (see {@link CounterHash}): the m blocks
 * `(x0 + i·s0, x1 + i·s1) mod 2^32` hashed in chunks through the scalar kernel.
 * The reference the WebAssembly kernel is tested against.
 */
export const threefryCountersJs: CounterHash = (
  k0,
  k1,
  x0,
  s0,
  x1,
  s1,
  m,
  store,
  dst,
  off0,
  off1,
) => {
  const CH = SCRATCH_WORDS;
  const [c0, c1, y0, y1] = scratch;
  for (let s = 0; s < m; s += CH) {
    const n = Math.min(CH, m - s);
    // the stores wrap modulo 2^32 (every value is below 2^53)
    for (let j = 0; j < n; j++) {
      c0[j] = x0 + s0 * (s + j);
      c1[j] = x1 + s1 * (s + j);
    }
    threefryLanes(k0, k1, c0, c1, y0, y1, n);
    if (store === "lanes") {
      dst.set(y0.subarray(0, n), off0 + s);
      dst.set(y1.subarray(0, n), off1 + s);
    } else if (store === "xor") {
      for (let j = 0; j < n; j++) dst[off0 + s + j] = y0[j] ^ y1[j];
    } else {
      for (let j = 0; j < n; j++) {
        dst[off0 + 2 * (s + j)] = y0[j];
        dst[off0 + 2 * (s + j) + 1] = y1[j];
      }
    }
  }
};

const WASM = createThreefryWasm();

/** The WebAssembly SIMD counter hash; null where the engine lacks wasm SIMD. */
export const threefryCountersWasm: CounterHash | null = WASM?.counters ?? null;

/** The WebAssembly SIMD keyed hash (see {@link threefryKeyed}); null without wasm SIMD. */
export const threefryKeyedWasm: KeyedHash | null = WASM?.keyed ?? null;

/**
 * From this many blocks up, {@link threefryCounters} runs the wasm kernel.
 * Below it, the call (at least 4U blocks hashed) and the copy out cost more
 * than the hash saves. Measured per call, JS vs wasm: V8 at 4 blocks 58 vs
 * 85 ns, at 8 100 vs 83 ns; JavaScriptCore at 4 72 vs 101 ns, at 8 123 vs
 * 101 ns ("xor"; "pairs" breaks even at 8 under V8, at ~12 under JSC).
 */
export const WASM_MIN_BLOCKS = 8;

/** {@link CounterHash} through the fastest kernel for m blocks. */
export const threefryCounters: CounterHash = (
  k0,
  k1,
  x0,
  s0,
  x1,
  s1,
  m,
  store,
  dst,
  off0,
  off1,
) => {
  const hash = m >= WASM_MIN_BLOCKS && threefryCountersWasm !== null
    ? threefryCountersWasm
    : threefryCountersJs;
  hash(k0, k1, x0, s0, x1, s1, m, store, dst, off0, off1);
};

/**
 * The blocks (hi(i), lo(i)) for i in [0, n) (i as a 64-bit integer), in runs
 * that do not cross a multiple of 2^32, so that within a run hi is fixed and
 * lo counts up by one.
 */
function hashIndexCounters(
  k0: number,
  k1: number,
  n: number,
  store: BlockStore,
  dst: Uint32Array,
): void {
  const RUN = 4294967296;
  for (let s = 0; s < n; s += RUN) {
    const m = Math.min(RUN, n - s);
    const off = store === "pairs" ? 2 * s : s;
    threefryCounters(k0, k1, s / RUN, 0, 0, 1, m, store, dst, off, off);
  }
}

// ---------------------------------------------------------------------------
// Keys and bit streams
// ---------------------------------------------------------------------------

/**
 * Key from an integer seed, as JAX's `PRNGKey(seed)`: the seed is read as a
 * 64-bit two's-complement integer and split into (high word, low word). Seeds
 * must be safe integers; `seedKey(0)` is `[0, 0]`, `seedKey(-1)` is
 * `[0xffffffff, 0xffffffff]`.
 */
export function seedKey(seed: number): [number, number] {
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`seedKey: seed must be a safe integer, got ${seed}`);
  }
  return [Math.floor(seed / 4294967296) >>> 0, seed >>> 0];
}

/**
 * `n` pseudo-random uint32 words from the key `(k0, k1)`.
 *
 * Scheme (JAX's original threefry `random_bits`): let `h = ceil(n / 2)`; block
 * `i < h` is `(i, h + i)`, except that the counter `n` of an odd `n` is replaced
 * by 0 (padding). The block's lane 0 becomes word `i`, its lane 1 word `h + i`
 * (dropped if it is the padding slot). Counters must fit in 32 bits, so
 * `n < 2^32`.
 *
 * @param out optional destination of length >= n (only the first n are written)
 */
export function randomBits(k0: number, k1: number, n: number, out?: Uint32Array): Uint32Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new RangeError(`randomBits: n must be an integer in [0, 2^32), got ${n}`);
  }
  const res = out ?? new Uint32Array(n);
  if (res.length < n) throw new RangeError(`randomBits: out has ${res.length} < ${n} words`);
  const h = (n + 1) >>> 1;
  // Block i < h is (i, h + i) and lands in words i and h + i, except the padding
  // block (h - 1, 0) of an odd n, which only yields word h - 1.
  const full = n % 2 === 1 ? h - 1 : h;
  threefryCounters(k0, k1, 0, 1, h, 1, full, "lanes", res, 0, h);
  if (full < h) res[h - 1] = threefryBlock(k0, k1, h - 1, 0)[0];
  return res;
}

/**
 * Split a key into `num` new keys, returned as `num * 2` words (row `i` is key
 * `i`). Equal to `randomBits(k0, k1, 2 * num)` (JAX's original `split`).
 */
export function splitKey(k0: number, k1: number, num: number): Uint32Array {
  if (!Number.isInteger(num) || num < 0 || 2 * num > 0xffffffff) {
    throw new RangeError(`splitKey: num must be an integer in [0, 2^31), got ${num}`);
  }
  return randomBits(k0, k1, 2 * num);
}

/**
 * Derive a key from `(k0, k1)` and a 32-bit integer (JAX's `fold_in`): the
 * Threefry hash of the block `(0, data mod 2^32)` under the key.
 */
export function foldIn(k0: number, k1: number, data: number): [number, number] {
  if (!Number.isInteger(data)) throw new RangeError(`foldIn: data must be an integer, got ${data}`);
  return threefryBlock(k0, k1, 0, data >>> 0);
}

// ---------------------------------------------------------------------------
// int32 storage of keys
// ---------------------------------------------------------------------------

/** The same bytes as a `Uint32Array` (no copy). */
export function asUint32(a: Int32Array | Uint32Array): Uint32Array {
  return a instanceof Uint32Array ? a : new Uint32Array(a.buffer, a.byteOffset, a.length);
}

/** The same bytes as an `Int32Array` (no copy). */
export function asInt32(a: Int32Array | Uint32Array): Int32Array {
  return a instanceof Int32Array ? a : new Int32Array(a.buffer, a.byteOffset, a.length);
}

/**
 * Read the key stored at `key[offset], key[offset + 1]` (int32 or uint32 view of
 * the same bits) as two uint32 numbers: `w >>> 0` maps an int32 `w` to `w mod 2^32`.
 */
export function keyFromInt32(key: Int32Array | Uint32Array, offset = 0): [number, number] {
  if (offset < 0 || offset + 2 > key.length) {
    throw new RangeError(`keyFromInt32: need 2 words at offset ${offset}, have ${key.length}`);
  }
  return [key[offset] >>> 0, key[offset + 1] >>> 0];
}

/** Store a key as int32 bits (`w | 0`, the two's-complement reading of `w`). */
export function keyToInt32(
  k0: number,
  k1: number,
  out: Int32Array = new Int32Array(2),
  offset = 0,
): Int32Array {
  out[offset] = k0 | 0;
  out[offset + 1] = k1 | 0;
  return out;
}

// ---------------------------------------------------------------------------
// The partitionable stream (JAX's default since `jax_threefry_partitionable`)
// ---------------------------------------------------------------------------
//
// Every output element hashes its own counter: element i (row-major) is the
// block (hi(i), lo(i)), the two 32-bit halves of i as a 64-bit integer, so any
// slice of the output can be computed without the rest.
//  - 32-bit words: word i = y0 ^ y1 of threefry(k, (hi(i), lo(i))).
//  - 64-bit words: word i = y0 · 2^32 + y1 (y0 the high half).
//  - split(k, num): key i = (y0, y1) of threefry(k, (0, i)).

/** `n` uint32 words of the partitionable stream: word i = y0 ^ y1 of the block (hi(i), lo(i)). */
export function randomBitsPartitionable(
  k0: number,
  k1: number,
  n: number,
  out?: Uint32Array,
): Uint32Array {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`randomBitsPartitionable: n must be a non-negative integer, got ${n}`);
  }
  const res = out ?? new Uint32Array(n);
  if (res.length < n) {
    throw new RangeError(`randomBitsPartitionable: out has ${res.length} < ${n} words`);
  }
  hashIndexCounters(k0, k1, n, "xor", res);
  return res;
}

/**
 * `n` 64-bit words as (high, low) uint32 pairs, `out[2i]` high and `out[2i+1]` low.
 * Partitionable: (y0, y1) of the block (hi(i), lo(i)). Legacy (JAX's original
 * scheme): the 2n words of `randomBits(k, 2n)`; word i is high, word n + i low.
 */
export function randomBits64(k0: number, k1: number, n: number, legacy: boolean): Uint32Array {
  if (!Number.isSafeInteger(n) || n < 0 || (legacy && 2 * n > 0xffffffff)) {
    throw new RangeError(`randomBits64: n must be a non-negative integer below 2^31, got ${n}`);
  }
  const res = new Uint32Array(2 * n);
  // legacy: the 2n words' block i is (i, n + i) (2n is even: no padding)
  if (legacy) threefryCounters(k0, k1, 0, 1, n, 1, n, "pairs", res, 0, 0);
  else hashIndexCounters(k0, k1, n, "pairs", res);
  return res;
}

/** `num` keys of the partitionable split as `num * 2` words: key i is (y0, y1) of the block (0, i). */
export function splitKeyPartitionable(
  k0: number,
  k1: number,
  num: number,
  out?: Uint32Array,
): Uint32Array {
  if (!Number.isSafeInteger(num) || num < 0) {
    throw new RangeError(`splitKeyPartitionable: num must be a non-negative integer, got ${num}`);
  }
  const res = out ?? new Uint32Array(2 * num);
  if (res.length < 2 * num) {
    throw new RangeError(`splitKeyPartitionable: out has ${res.length} < ${2 * num} words`);
  }
  hashIndexCounters(k0, k1, num, "pairs", res);
  return res;
}
