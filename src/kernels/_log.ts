/**
 * log x for float32 results, as one sequence of float64 operations that the JS kernels and
 * the f64x2 WebAssembly loops (`src/jit/_wasm_math.ts`, `logF64`) both run, so eager
 * evaluation, `precision: "exact"` programs and their wasm loops agree bit for bit on every
 * engine (as `_exp.ts` does for e^x).
 *
 * The reduction and polynomial are fdlibm's: x = 2^k·(1 + f) with √2/2 ≤ 1 + f < √2, chosen
 * from the high word of x (k from its exponent; the mantissa m is renormalised to [1, 2) or
 * [½, 1) by adding 0x95f64 to the top 20 mantissa bits, which carries into bit 20 exactly
 * when 1 + m ≥ √2); then with s = f/(2 + f), z = s², w = z²,
 *   R = z·(L1 + w(L3 + w(L5 + w·L7))) + w·(L2 + w(L4 + w·L6)) ≈ log(1+f) series' remainder,
 *   log x = k·LN2_HI − ((f²/2 − (s·(f²/2 + R) + k·LN2_LO)) − f),
 * error < 1 float64 ulp, so the float32 result is correctly rounded except within ~2⁻⁵²
 * (relative) of a rounding boundary. Every float32 input is a normal float64, so no
 * subnormal step is needed. log 0 = −∞, log of a negative number or NaN is NaN, log ∞ = ∞.
 */

import { EXP_LN2_HI as LN2_HI, EXP_LN2_LO as LN2_LO } from "./_exp.ts";

/** The remainder polynomial's coefficients L1 … L7. */
export const LOG_L = [
  6.666666666666735130e-01,
  3.999999999940941908e-01,
  2.857142874366239149e-01,
  2.222219843214978396e-01,
  1.818357216161805012e-01,
  1.531383769920937332e-01,
  1.479819860511658591e-01,
] as const;
const [L1, L2, L3, L4, L5, L6, L7] = LOG_L;

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HI = LITTLE ? 1 : 0;

/**
 * log x as a float64 whose float32 rounding is the float32 log x (see the module comment);
 * store it into a Float32Array, or `Math.fround` it.
 */
export function logF32(x: number): number {
  if (!(x > 0 && x < Infinity)) return x === 0 ? -Infinity : x === Infinity ? x : NaN;
  F64[0] = x;
  const hx = U32[HI];
  const m = hx & 0x000fffff;
  const i = (m + 0x95f64) & 0x100000;
  const k = (hx >>> 20) - 1023 + (i >>> 20);
  U32[HI] = m | (i ^ 0x3ff00000);
  const f = F64[0] - 1;
  const hfsq = 0.5 * f * f, s = f / (2 + f), z = s * s, w = z * z;
  const r = z * (L1 + w * (L3 + w * (L5 + w * L7))) + w * (L2 + w * (L4 + w * L6));
  return k * LN2_HI - ((hfsq - (s * (hfsq + r) + k * LN2_LO)) - f);
}
