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
 * @module
 */

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

/** Scalar Threefry-2x32 of one block; returns the two words as uint32 numbers. */
export function threefryBlock(
  k0: number,
  k1: number,
  x0: number,
  x1: number,
): [number, number] {
  const y0 = new Uint32Array(1);
  const y1 = new Uint32Array(1);
  // Typed-array arguments keep the shared kernel monomorphic.
  threefryLanes(k0, k1, Uint32Array.of(x0 >>> 0), Uint32Array.of(x1 >>> 0), y0, y1, 1);
  return [y0[0], y1[0]];
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
  if (h === 0) return res;
  // Lane 0 counters are 0..h-1, lane 1 counters are h..2h-1 (the last is the
  // padding 0 for odd n). Hash in chunks to keep the scratch small.
  const CH = 4096;
  const c0 = new Uint32Array(Math.min(CH, h));
  const c1 = new Uint32Array(Math.min(CH, h));
  const y0 = new Uint32Array(Math.min(CH, h));
  const y1 = new Uint32Array(Math.min(CH, h));
  for (let s = 0; s < h; s += CH) {
    const m = Math.min(CH, h - s);
    for (let j = 0; j < m; j++) {
      const i = s + j;
      c0[j] = i;
      c1[j] = h + i === n ? 0 : h + i;
    }
    threefryLanes(k0, k1, c0, c1, y0, y1, m);
    for (let j = 0; j < m; j++) {
      const i = s + j;
      res[i] = y0[j];
      if (h + i < n) res[h + i] = y1[j];
    }
  }
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
// Bits to uniform floats
// ---------------------------------------------------------------------------

const TWO_M23 = 1.1920928955078125e-7; // 2^-23
const TWO_M52 = 2.220446049250313e-16; // 2^-52
const TWO_20 = 1048576; // 2^20

/**
 * `out[i] = (bits[i] >>> 9) * 2^-23`, i.e. the top 23 bits as a float32
 * mantissa. This equals reinterpreting `(bits >>> 9) | 0x3f800000` (a float32 in
 * [1, 2)) and subtracting 1, exactly: every value is a multiple of 2^-23 in
 * [0, 1 - 2^-23], so float32 stores it without rounding.
 */
export function bitsToUniform01F32(bits: Uint32Array, out: Float32Array): Float32Array {
  const n = out.length;
  if (bits.length < n) throw new RangeError(`bitsToUniform01F32: ${bits.length} bits < ${n}`);
  for (let i = 0; i < n; i++) out[i] = (bits[i] >>> 9) * TWO_M23;
  return out;
}

/**
 * `out[i]` from the 64-bit word `hi:lo = bits[2i]:bits[2i+1]`: its top 52 bits
 * `m = hi * 2^20 + (lo >>> 12)` give `m * 2^-52`, which equals reinterpreting
 * `m | 0x3ff0000000000000` (a float64 in [1, 2)) minus 1. Exact; range
 * [0, 1 - 2^-52]. Needs `bits.length >= 2 * out.length`.
 */
export function bitsToUniform01F64(bits: Uint32Array, out: Float64Array): Float64Array {
  const n = out.length;
  if (bits.length < 2 * n) {
    throw new RangeError(`bitsToUniform01F64: ${bits.length} bits < 2 * ${n}`);
  }
  for (let i = 0; i < n; i++) {
    out[i] = (bits[2 * i] * TWO_20 + (bits[2 * i + 1] >>> 12)) * TWO_M52;
  }
  return out;
}

// ---------------------------------------------------------------------------
// erf, erfc, erfinv, ndtri
// ---------------------------------------------------------------------------

const TWO_OVER_SQRT_PI = 1.1283791670955126; // 2 / sqrt(pi)
const INV_SQRT_PI = 0.5641895835477563; // 1 / sqrt(pi)
const SQRT2 = 1.4142135623730951;
const ERFC_CF_FROM = 2;

/**
 * Error function, double precision (relative error around 1e-15).
 *
 * For |x| < 2: `erf(x) = (2/sqrt(pi)) e^{-x^2} sum_{n>=0} 2^n x^{2n+1} / (1*3*...*(2n+1))`,
 * a series of positive terms (no cancellation). Beyond that, `1 - erfc(x)`.
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a >= ERFC_CF_FROM) {
    const r = 1 - erfcContinuedFraction(a);
    return x < 0 ? -r : r;
  }
  return erfSeries(x);
}

function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (Math.abs(term) <= Math.abs(sum) * 1e-17) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
}

/**
 * `erfc(x) = (e^{-x^2} / sqrt(pi)) / (x + (1/2) / (x + 1 / (x + (3/2) / (x + ...))))`,
 * the Laplace continued fraction with partial numerators n/2, evaluated by the
 * modified Lentz method. Used for x >= 2 (under 60 terms there, fewer further out).
 */
function erfcContinuedFraction(x: number): number {
  if (x === Infinity) return 0;
  const TINY = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const an = n * 0.5;
    d = x + an * d;
    if (d === 0) d = TINY;
    c = x + an / c;
    if (c === 0) c = TINY;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return (Math.exp(-x * x) * INV_SQRT_PI) / f;
}

/**
 * Complementary error function `1 - erf(x)`, with relative accuracy kept in
 * the right tail: the continued fraction for x >= 2 (relative error around
 * 1e-15), `1 - erf(x)` for -2 < x < 2 (erfc >= 0.0046 there, so the
 * subtraction costs at most ~2 digits), `2 - erfc(-x)` for x <= -2.
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x >= ERFC_CF_FROM) return erfcContinuedFraction(x);
  if (x <= -ERFC_CF_FROM) return 2 - erfcContinuedFraction(-x);
  return 1 - erfSeries(x);
}

/**
 * Giles' single-precision erfinv approximation (M. Giles, "Approximating the
 * erfinv function", GPU Computing Gems Jade, 2011), given `x` and
 * `w = -log((1 - x)(1 + x))`: with `w < 5` a degree-8 polynomial in `w - 2.5`,
 * otherwise one in `sqrt(w) - 3`; `erfinv(x) ~ p * x`. Relative error is at the
 * float32 rounding level; XLA uses the same formula for float32 `erf_inv`.
 */
function gilesErfinv(x: number, w: number): number {
  let p: number;
  if (w < 5) {
    w = w - 2.5;
    p = 2.81022636e-8;
    p = 3.43273939e-7 + p * w;
    p = -3.5233877e-6 + p * w;
    p = -4.39150654e-6 + p * w;
    p = 0.00021858087 + p * w;
    p = -0.00125372503 + p * w;
    p = -0.00417768164 + p * w;
    p = 0.246640727 + p * w;
    p = 1.50140941 + p * w;
  } else {
    w = Math.sqrt(w) - 3;
    p = -0.000200214257;
    p = 0.000100950558 + p * w;
    p = 0.00134934322 + p * w;
    p = -0.00367342844 + p * w;
    p = 0.00573950773 + p * w;
    p = -0.0076224613 + p * w;
    p = 0.00943887047 + p * w;
    p = 1.00167406 + p * w;
    p = 2.83297682 + p * w;
  }
  return p * x;
}

/**
 * Inverse error function, single-precision accuracy (Giles' approximation
 * above, evaluated in float64; relative error below 2e-7 measured on
 * |x| <= 1 - 1e-7). Fast; used for float32 sampling. `erfinv(+-1) = +-Infinity`, NaN outside [-1, 1].
 */
export function erfinv(x: number): number {
  if (!(x >= -1 && x <= 1)) return NaN;
  if (x === 1) return Infinity;
  if (x === -1) return -Infinity;
  return gilesErfinv(x, -Math.log((1 - x) * (1 + x)));
}

/**
 * Inverse error function to double precision: Giles' approximation refined by
 * one Halley step on `erf(y) = x` (for |x| <= 1/2) or on `erfc(y) = 1 - |x|`
 * (tails, where `1 - |x|` is exact), with `f' = (2/sqrt(pi)) e^{-y^2}` and
 * `f'' = -2 y f'`. Cubic convergence takes ~1e-7 to the accuracy of erf/erfc.
 */
export function erfinvF64(x: number): number {
  if (!(x >= -1 && x <= 1)) return NaN;
  if (x === 1) return Infinity;
  if (x === -1) return -Infinity;
  const a = Math.abs(x);
  let y: number;
  if (a <= 0.5) {
    y = gilesErfinv(a, -Math.log((1 - a) * (1 + a)));
    const r = erfSeries(y) - a;
    y = halley(y, r);
  } else {
    y = erfcinvTail(1 - a);
  }
  return x < 0 ? -y : y;
}

/** One Halley step for f(y) = 0 with residual r = f(y), f' = 2/sqrt(pi) e^{-y^2}, f'' = -2y f'. */
function halley(y: number, r: number): number {
  const d = TWO_OVER_SQRT_PI * Math.exp(-y * y);
  if (!(d > 0)) return y;
  const e = r / d;
  return y - e / (1 + y * e);
}

const SQRT_PI = 1.7724538509055159;

/**
 * y >= 0 with erfc(y) = c, for c in (0, 1]; keeps relative accuracy for tiny c.
 *
 * While `w = -log(c (2 - c)) <= 16` (c >~ 5.6e-8, the range Giles' float32
 * formula was fitted on), start from Giles' value and take one Halley step on
 * `c - erfc(y) = 0`. Further out, start from the asymptotic
 * `erfc(y) ~ e^{-y^2} (1 - 1/(2y^2)) / (y sqrt(pi))`, solved by fixed-point
 * iteration `y^2 = -log c - log(y sqrt(pi)) + log(1 - 1/(2y^2))`, and take Halley
 * steps until they stop moving y.
 */
function erfcinvTail(c: number): number {
  if (c >= 1) return 0;
  // x = 1 - c, and (1 - x)(1 + x) = c (2 - c) without cancellation.
  const w = -Math.log(c * (2 - c));
  if (w <= 16) {
    const y = gilesErfinv(1 - c, w);
    // f(y) = erf(y) - (1 - c) = c - erfc(y)
    return halley(y, c - erfc(y));
  }
  const t = -Math.log(c);
  let y = Math.sqrt(t);
  for (let k = 0; k < 4; k++) {
    y = Math.sqrt(t - Math.log(SQRT_PI * y) + Math.log1p(-0.5 / (y * y)));
  }
  for (let k = 0; k < 4; k++) {
    const next = halley(y, c - erfc(y));
    const done = Math.abs(next - y) <= 1e-15 * y;
    y = next;
    if (done) break;
  }
  return y;
}

/**
 * Inverse of the standard normal CDF: `ndtri(p) = -sqrt(2) erfcinv(2p)` for
 * p <= 1/2 and `-ndtri(1 - p)` above (1 - p is exact there), so small tail
 * probabilities keep full relative accuracy. `ndtri(0) = -Infinity`,
 * `ndtri(1) = Infinity`, NaN outside [0, 1].
 */
export function ndtri(p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p <= 0.5) return 0 - SQRT2 * erfcinvTail(2 * p); // 0 - 0 is +0 at p = 1/2
  return SQRT2 * erfcinvTail(2 * (1 - p));
}

/** Standard normal CDF, `erfc(-x / sqrt(2)) / 2`: accurate for very negative x. */
export function ndtr(x: number): number {
  return 0.5 * erfc(-x / SQRT2);
}

// ---------------------------------------------------------------------------
// Normal and truncated normal
// ---------------------------------------------------------------------------

/** Smallest double above 0 that `uniformToNormal` maps u = 0 to: 2^-54, i.e. v = 2u - 1 = nextafter(-1, 0). */
const U_FLOOR = 5.551115123125783e-17;

/**
 * Standard normal from a uniform `u` in [0, 1), by inverse CDF:
 * `z = sqrt(2) erfinv(2u - 1) = ndtri(u)`, double precision. To stay finite,
 * u = 0 (v = -1) is moved to the next double inside the interval,
 * v = -1 + 2^-53 (u = 2^-54), which gives z ~ -8.3; u < 1 always keeps z finite.
 */
export function uniformToNormal(u: number): number {
  return ndtri(u > U_FLOOR ? u : U_FLOOR);
}

/** float32 nextafter(-1, 0) = -1 + 2^-24, JAX's lower bound for float32 normals. */
const LO_F32 = -0.999999940395355224609375;

/**
 * Float32 standard normals from uint32 words, one word per sample, reproducing
 * JAX's float32 `random.normal` recipe: `u = (bits >>> 9) * 2^-23` in [0, 1);
 * `v = max(lo, fl32(2u + lo))` with `lo = -1 + 2^-24` (so v is in (-1, 1));
 * `z = fl32(sqrt(2) * erfinv(v))` using Giles' approximation. Finite for every
 * input; |z| <= about 5.4.
 */
export function bitsToNormalF32(bits: Uint32Array, out: Float32Array): Float32Array {
  const n = out.length;
  if (bits.length < n) throw new RangeError(`bitsToNormalF32: ${bits.length} bits < ${n}`);
  const fround = Math.fround;
  for (let i = 0; i < n; i++) {
    let v = fround((bits[i] >>> 9) * (2 * TWO_M23) + LO_F32);
    if (v < LO_F32) v = LO_F32;
    out[i] = SQRT2 * gilesErfinv(v, -Math.log((1 - v) * (1 + v)));
  }
  return out;
}

/**
 * Float64 standard normals from pairs of uint32 words (52-bit uniforms as in
 * `bitsToUniform01F64`), mapped by `uniformToNormal` (double-precision inverse
 * CDF). Needs `bits.length >= 2 * out.length`.
 */
export function bitsToNormalF64(bits: Uint32Array, out: Float64Array): Float64Array {
  bitsToUniform01F64(bits, out);
  for (let i = 0; i < out.length; i++) out[i] = uniformToNormal(out[i]);
  return out;
}

/** Precomputed pieces of the inverse-CDF truncated normal between two bounds. */
interface TruncPlan {
  /** sample `-X` where X is drawn between `-upper` and `-lower` (both bounds >= 0). */
  flip: boolean;
  lo: number;
  hi: number;
  pLo: number;
  pHi: number;
}

function truncPlan(lower: number, upper: number): TruncPlan {
  if (!(lower <= upper)) {
    throw new RangeError(`truncatedNormal: need lower <= upper, got [${lower}, ${upper}]`);
  }
  // Work on the side of zero where the CDF values are small (and so precise).
  const flip = lower >= 0;
  const lo = flip ? -upper : lower;
  const hi = flip ? -lower : upper;
  return { flip, lo, hi, pLo: ndtr(lo), pHi: ndtr(hi) };
}

const P_MIN = 1e-300;
const P_MAX = 1 - 1.1102230246251565e-16; // 1 - 2^-53

function truncSample(u: number, t: TruncPlan): number {
  // Mirrored intervals take 1 - u so that x stays increasing in u.
  if (t.flip) u = 1 - u;
  let x: number;
  if (t.lo === t.hi) {
    x = t.lo;
  } else if (t.pHi > t.pLo) {
    let p = t.pLo + u * (t.pHi - t.pLo);
    if (p < P_MIN) p = P_MIN;
    if (p > P_MAX) p = P_MAX;
    x = ndtri(p);
  } else {
    // Both CDF values underflowed (bounds beyond ~-37 sd) or coincide: the
    // density is effectively flat at this resolution; interpolate.
    x = t.lo + u * (t.hi - t.lo);
  }
  if (x < t.lo) x = t.lo;
  if (x > t.hi) x = t.hi;
  return t.flip ? -x : x;
}

/**
 * Standard normal truncated to [lower, upper], from a uniform `u` in [0, 1), by
 * inverse CDF: `x = ndtri(F(lower) + u (F(upper) - F(lower)))`, F the normal CDF,
 * clamped into [lower, upper]; increasing in u. When both bounds are >= 0 the
 * mirror image `-x(1 - u; -upper, -lower)` is computed instead, so that the CDF
 * values are left-tail values obtained without cancellation. Bounds may be
 * infinite; if both CDF values underflow (bounds beyond about -37), the
 * density is treated as flat and x is interpolated linearly.
 */
export function truncatedNormal(u: number, lower: number, upper: number): number {
  return truncSample(u, truncPlan(lower, upper));
}

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** Next float32 after the float32 value `x` towards +inf (dir 1) or -inf (dir -1); x finite. */
function nextF32(x: number, dir: 1 | -1): number {
  if (x === 0) return dir * 1.401298464324817e-45;
  f32Scratch[0] = x;
  u32Scratch[0] += (x > 0) === (dir > 0) ? 1 : -1;
  return f32Scratch[0];
}

/**
 * Float32 truncated normals, one uint32 word per sample (`u` as in
 * `bitsToUniform01F32`), mapped by `truncatedNormal` and rounded to float32,
 * then clamped to the float32 values inside [lower, upper] so rounding cannot
 * leave the interval.
 */
export function bitsToTruncatedNormalF32(
  bits: Uint32Array,
  lower: number,
  upper: number,
  out: Float32Array,
): Float32Array {
  const n = out.length;
  if (bits.length < n) throw new RangeError(`bitsToTruncatedNormalF32: ${bits.length} bits < ${n}`);
  const t = truncPlan(lower, upper);
  let lo32 = Math.fround(lower);
  if (lo32 < lower && Number.isFinite(lo32)) lo32 = nextF32(lo32, 1);
  let hi32 = Math.fround(upper);
  if (hi32 > upper && Number.isFinite(hi32)) hi32 = nextF32(hi32, -1);
  const clamp = lo32 <= hi32;
  for (let i = 0; i < n; i++) {
    let x = Math.fround(truncSample((bits[i] >>> 9) * TWO_M23, t));
    if (clamp) {
      if (x < lo32) x = lo32;
      if (x > hi32) x = hi32;
    }
    out[i] = x;
  }
  return out;
}
