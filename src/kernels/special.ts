/**
 * Special functions in double precision on plain numbers: the error function and its
 * complement and inverse, and the standard normal CDF and its inverse. Used by the PRNG's
 * normal samplers (`sampling.ts`) and by the elementwise kernels.
 *
 * @module
 */

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
export function gilesErfinv(x: number, w: number): number {
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
// lgamma, digamma
// ---------------------------------------------------------------------------

// Lanczos approximation with g = 7 and 9 terms (published coefficients; ~1e-15 relative):
// Γ(z + 1) = √(2π) (z + g + 1/2)^(z + 1/2) e^-(z + g + 1/2) A_g(z).
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993,
  676.5203681218851,
  -1259.1392167224028,
  771.32342877765313,
  -176.61502916214059,
  12.507343278686905,
  -0.13857109526572012,
  9.9843695780195716e-6,
  1.5056327351493116e-7,
];
const LOG_SQRT_2PI = 0.9189385332046728;

/**
 * log |Γ(x)|, double precision. For x < 1/2 the reflection Γ(x)Γ(1 − x) = π / sin(πx);
 * otherwise the Lanczos sum. Poles (0, −1, −2, ...) give +Infinity, as JAX and SciPy.
 */
export function lgamma(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return Infinity;
  if (x < 0.5) {
    if (Number.isInteger(x)) return Infinity;
    // log|Γ(x)| = log π − log|sin(πx)| − log|Γ(1 − x)|
    return Math.log(Math.PI / Math.abs(sinPi(x))) - lgamma(1 - x);
  }
  const z = x - 1;
  let a = LANCZOS[0];
  const t = z + LANCZOS_G + 0.5;
  for (let i = 1; i < LANCZOS.length; i++) a += LANCZOS[i] / (z + i);
  return LOG_SQRT_2PI + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** sin(πx) with the argument reduced exactly first (so sinPi(n) = 0 for integers n). */
function sinPi(x: number): number {
  const r = x - 2 * Math.round(x / 2); // in [-1, 1]
  return Math.sin(Math.PI * r);
}

/**
 * ψ(x) = d/dx log Γ(x), double precision. For x < 1/2 the reflection
 * ψ(1 − x) − ψ(x) = π cot(πx); then the recurrence ψ(x) = ψ(x + 1) − 1/x up to x ≥ 6 and the
 * asymptotic series ψ(x) ~ log x − 1/(2x) − Σ B₂ₖ / (2k x²ᵏ). Poles give NaN (as JAX).
 */
export function digamma(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return Infinity;
  if (x <= 0 && Number.isInteger(x)) return NaN;
  if (x < 0.5) {
    const r = x - 2 * Math.round(x / 2);
    return digamma(1 - x) - Math.PI * Math.cos(Math.PI * r) / Math.sin(Math.PI * r);
  }
  let acc = 0;
  while (x < 6) {
    acc -= 1 / x;
    x += 1;
  }
  const z = 1 / (x * x);
  // Bernoulli terms: 1/12, −1/120, 1/252, −1/240, 1/132, −691/32760, 1/12
  const series = z *
    (1 / 12 - z * (1 / 120 - z * (1 / 252 - z * (1 / 240 - z * (1 / 132 - z * (691 / 32760))))));
  return acc + Math.log(x) - 0.5 / x - series;
}
