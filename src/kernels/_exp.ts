/**
 * e^x (and σ(x), tanh x built on it) for float32 results, as one sequence of float64 operations that the JS kernels and
 * the f64x2 WebAssembly loops (`src/jit/_wasm_math.ts`, `expF64`) both run, so eager
 * evaluation, `precision: "exact"` programs and their wasm loops agree bit for bit, on
 * every engine (V8's and JavaScriptCore's Math.exp differ from each other in the last
 * float64 bit).
 *
 * The algorithm is the classic one of fdlibm's exp (Tang's reduction with a Remez rational
 * approximation), error < 1 float64 ulp, so the float32 result is correctly rounded except
 * where e^x lies within 2⁻⁵² (relative) of a float32 rounding boundary:
 *
 *   x is clamped to [−120, 100] (e^x rounds to 0 below −103.98 and overflows float32 above
 *   88.73, so the clamp changes no float32 result; NaN passes through), then
 *   k = nearest(x / ln 2), ties to even,
 *   hi = x − k·LN2_HI (exact: LN2_HI has 32 significant bits), lo = k·LN2_LO,
 *   r = hi − lo, |r| ≤ ½ ln 2,
 *   c = r − r²·(P1 + r²(P2 + r²(P3 + r²(P4 + r²·P5)))), where r·(e^r + 1)/(e^r − 1) ≈ 2 − … ,
 *   e^r = 1 − ((lo − r·c/(2 − c)) − hi),
 *   e^x = e^r · 2^k (exact: the product is a normal float64 for every clamped x).
 */

/** ln 2 in two parts: LN2_HI has 32 significant bits, LN2_LO the rest. */
export const EXP_LN2_HI = 6.93147180369123816490e-01;
export const EXP_LN2_LO = 1.90821492927058770002e-10;
export const EXP_INV_LN2 = 1.44269504088896338700e+00;
/** The coefficients of the rational approximation of r·(e^r + 1)/(e^r − 1) on |r| ≤ ½ ln 2. */
export const EXP_P = [
  1.66666666666666019037e-01,
  -2.77777777770155933842e-03,
  6.61375632143793436117e-05,
  -1.65339022054652515390e-06,
  4.13813679705723846039e-08,
] as const;
/** The clamp: outside it the float32 result is already 0 or +∞. */
export const EXP_F32_MIN = -120, EXP_F32_MAX = 100;

/** 1.5·2⁵²: (t + R) − R rounds |t| < 2⁵¹ to an integer, ties to even (as f64x2.nearest). */
const ROUND52 = 6755399441055744;
const POW2_OFFSET = 200;
/** 2^(i − 200), exact, for every k the clamp allows. */
const POW2 = Float64Array.from({ length: 401 }, (_, i) => 2 ** (i - POW2_OFFSET));
const [P1, P2, P3, P4, P5] = EXP_P;

/** c(r) = r − r²·P(r²), the rational core: e^r = 1 + r + r·c/(2 − c), e^r − 1 = 2r/(2 − c). */
function core(r: number): number {
  const t = r * r;
  return r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
}

/**
 * e^x as a float64 whose float32 rounding is the float32 e^x (see the module comment);
 * store it into a Float32Array, or `Math.fround` it.
 */
export function expF32(x: number): number {
  if (x !== x) return x;
  const xc = x > EXP_F32_MAX ? EXP_F32_MAX : x < EXP_F32_MIN ? EXP_F32_MIN : x;
  const k = (xc * EXP_INV_LN2 + ROUND52) - ROUND52;
  const hi = xc - k * EXP_LN2_HI, lo = k * EXP_LN2_LO;
  const r = hi - lo, c = core(r);
  return (1 - ((lo - (r * c) / (2 - c)) - hi)) * POW2[k + POW2_OFFSET];
}

/**
 * σ(x) = 1/(1 + e^−x) for float32 results, from e = expF32(−|x|): 1/(1 + e) for x ≥ 0,
 * e/(1 + e) below (no overflow; relative accuracy on both tails, ~2 float64 ulp).
 */
export function logisticF32(x: number): number {
  const e = expF32(-Math.abs(x));
  return x >= 0 ? 1 / (1 + e) : e / (1 + e);
}

/** Below this |x|, tanh uses e^{2|x|} − 1 from the rational core (2|x| ≤ ½ ln 2). */
export const TANH_SMALL = 0.17328679513998632;

/**
 * tanh(x) for float32 results: with a = |x| and m = e^{2a} − 1, tanh a = m/(m + 2). For
 * a ≤ TANH_SMALL, m = 2r/(2 − c(r)) with r = 2a (no cancellation, a few float64 ulp);
 * above, tanh a = 1 − 2/(e^{2a} + 1), which cancels at most 3 bits there. The sign of x
 * is restored (tanh(−0) = −0); NaN stays NaN.
 */
export function tanhF32(x: number): number {
  const a = Math.abs(x);
  let y: number;
  if (a <= TANH_SMALL) {
    const r = 2 * a, m = (2 * r) / (2 - core(r));
    y = m / (m + 2);
  } else y = 1 - 2 / (expF32(2 * a) + 1);
  return x < 0 || Object.is(x, -0) ? -y : x !== x ? x : y;
}
