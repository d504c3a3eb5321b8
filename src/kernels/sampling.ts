/**
 * Conversions from uint32 random words to floats with JAX's recipes: uniform in [0, 1),
 * standard normal (inverse CDF), and truncated normal, in float32 and float64. The words come
 * from `threefry.ts`; the special functions from `special.ts`.
 *
 * @module
 */
import { gilesErfinv, ndtr, ndtri } from "./special.ts";

const SQRT2 = 1.4142135623730951;

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
