/**
 * The normal and Gumbel transforms of uniform bits as JAX computes them, in
 * array ops (so they trace): Giles' float32 erf⁻¹ (XLA's formula), Wichura's
 * double-precision Φ⁻¹ for float64.
 *
 * @module
 */
import type { DType } from "../core/_dtype.ts";
import type { NDArray } from "../core/_ndarray.ts";
import * as np from "../numpy/numpy.ts";
import { uniform01, uniformIn } from "./_random_core.ts";

/** Evaluates the polynomial with `coeffs` (highest degree first) at `t` (Horner). */
function horner(coeffs: readonly number[], t: NDArray): NDArray {
  return coeffs.slice(1).reduce(
    (p: NDArray, c) => np.add(np.mul(p, t), c),
    np.full(t.shape, coeffs[0], { dtype: t.dtype }),
  );
}

/**
 * erf⁻¹(x) for x in (−1, 1), Giles' single-precision approximation
 * ("Approximating the erfinv function", 2010), the formula XLA uses for float32:
 * with w = −log((1 − x)(1 + x)), erf⁻¹(x) = x·P(w − 2.5) for w < 5, else x·Q(√w − 3).
 */
export function erfinvF32(x: NDArray): NDArray {
  const w = np.neg(np.log(np.mul(np.sub(1, x), np.add(1, x))));
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
 * Φ⁻¹(p) for p in (0, 1) to double precision, by Wichura's rational
 * approximations (Algorithm AS 241, 1988): with q = p − ½, a ratio in
 * r = 0.180625 − q² for |q| ≤ 0.425, else in r = √(−log min(p, 1 − p)) − 1.6
 * (r ≤ 5) or − 5, with the sign of q.
 */
export function ndtriF64(p: NDArray): NDArray {
  const q = np.sub(p, 0.5);
  const rc = np.sub(0.180625, np.mul(q, q));
  const central = np.div(
    np.mul(
      q,
      horner([
        2509.0809287301226727,
        33430.575583588128105,
        67265.770927008700853,
        45921.953931549871457,
        13731.693765509461125,
        1971.5909503065514427,
        133.14166789178437745,
        3.387132872796366608,
      ], rc),
    ),
    horner([
      5226.495278852854561,
      28729.085735721942674,
      39307.89580009271061,
      21213.794301586595867,
      5394.1960214247511077,
      687.1870074920579083,
      42.313330701600911252,
      1,
    ], rc),
  );
  // the tails: r from the smaller of p and 1 − p (clamped away from 0 so log stays finite)
  const small = np.maximum(np.minimum(p, np.sub(1, p)), 1e-300);
  const r = np.sqrt(np.neg(np.log(small)));
  const r1 = np.sub(r, 1.6), r2 = np.sub(r, 5);
  const near = np.div(
    horner([
      7.7454501427834140764e-4,
      0.0227238449892691845833,
      0.24178072517745061177,
      1.27045825245236838258,
      3.64784832476320460504,
      5.7694972214606914055,
      4.6303378461565452959,
      1.42343711074968357734,
    ], r1),
    horner([
      1.05075007164441684324e-9,
      5.475938084995344946e-4,
      0.0151986665636164571966,
      0.14810397642748007459,
      0.68976733498510000455,
      1.6763848301838038494,
      2.05319162663775882187,
      1,
    ], r1),
  );
  const far = np.div(
    horner([
      2.01033439929228813265e-7,
      2.71155556874348757815e-5,
      1.2426609473880784386e-3,
      2.6532189526576123093e-2,
      0.2965605718285048912,
      1.7848265399172913358,
      5.4637849111641143699,
      6.6579046435011037772,
    ], r2),
    horner([
      2.04426310338993978564e-15,
      1.4215117583164458887e-7,
      1.8463183175100546818e-5,
      7.868691311456132591e-4,
      1.48753612908506148525e-2,
      0.13692988092273580531,
      0.59983220655588793769,
      1,
    ], r2),
  );
  const tail = np.mul(np.where(np.lessEqual(r, 5), near, far), np.sign(q));
  return np.where(np.lessEqual(np.abs(q), 0.425), central, tail);
}

/** √2 · erf⁻¹(v) for v = max(lo, 2u + lo), lo = nextafter(−1, 0) in `dtype` (JAX's normal). */
export function standardNormal(key: NDArray, shape: readonly number[], dtype: DType): NDArray {
  // (1 − lo) rounds to 2 in both float32 and float64
  const lo = dtype === "float32" ? -1 + 2 ** -24 : -1 + 2 ** -53;
  const u = uniform01(key, shape, dtype);
  const v = np.maximum(np.add(np.mul(u, 2), lo), lo);
  if (dtype === "float32") return np.mul(erfinvF32(v), Math.SQRT2);
  // √2 · erf⁻¹(v) = Φ⁻¹((v + 1) / 2)
  return ndtriF64(np.mul(np.add(v, 1), 0.5));
}

/** −log(−log u), u uniform in [tiny, 1) (JAX's "low" Gumbel). */
export function gumbelNoise(key: NDArray, shape: readonly number[], dtype: DType): NDArray {
  const tiny = dtype === "float32" ? 1.1754943508222875e-38 : 2.2250738585072014e-308;
  return np.neg(np.log(np.neg(np.log(uniformIn(key, shape, dtype, tiny, 1)))));
}
