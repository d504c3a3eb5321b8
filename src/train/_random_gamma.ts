/**
 * Samplers with rejection loops, run on plain numbers with JAX's key
 * schedule so the same key gives JAX's draws: gamma (Marsaglia and Tsang's
 * method, one split key per element, boosted for α < 1), and what is built on
 * it (loggamma, beta, dirichlet, chisquare, t, f, generalizedNormal, ball);
 * poisson is in `_random_poisson.ts`. The loops' lengths depend on the draws, so these need a
 * concrete key and concrete parameters (call them outside `jit`); they carry
 * no gradient.
 *
 * Arithmetic is rounded to the dtype after each step (float32 by default), as
 * JAX computes it.
 *
 * @module
 */
import type { DType } from "../core/_dtype.ts";
import { NDArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import { bitsToNormalF32 } from "../kernels/sampling.ts";
import { ndtri } from "../kernels/special.ts";
import * as np from "../numpy/numpy.ts";
import {
  checkArity,
  checkFloat,
  checkKey,
  checkShape,
  concrete,
  concreteKey,
  keyedLanes,
  rounder,
  uniforms,
  uniformsInto,
} from "./_random_core.ts";
import { out, paramValues, resolve } from "./_random_params.ts";

/** A key array from two words. */
function keyOf(k: Key): NDArray {
  return new ArrayValue(Int32Array.of(k[0] | 0, k[1] | 0), [2], "int32");
}

type Key = [number, number];

/**
 * Gamma(α, 1) draws (or their logs), one per α, by Marsaglia and Tsang (2000): with
 * d = α − ⅓ and c = 1/(3√d), propose V = (1 + c x)³ for x normal (redrawn while
 * 1 + c x ≤ 0) and accept when U < 1 − 0.0331 x⁴ or log U < x²/2 + d(1 − V + log V);
 * the draw is d·V. For α < 1 it draws Gamma(α + 1) and multiplies by u^(1/α).
 *
 * Each element has its own key (split from `key`) and its own loop, split as JAX's
 * vmapped loop splits it, so the draws are JAX's. The elements run together: each
 * round splits and draws for every element still rejected at once (`keyedLanes`, one
 * Threefry pass per key split or word), rather than one element's loop after another.
 */
function gammaLanes(
  key: Key,
  alphas: Float64Array,
  logSpace: boolean,
  dtype: DType,
): Float64Array {
  const r = rounder(dtype);
  const n = alphas.length;
  const D = new Float64Array(n), C = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const alpha = alphas[i];
    const a = alpha >= 1 ? alpha : r(alpha + 1);
    D[i] = r(a - r(1 / 3));
    C[i] = r(r(1 / 3) / r(Math.sqrt(D[i])));
  }
  const keys = concrete.splitInto(key[0], key[1], n, new Uint32Array(2 * n));
  const K0 = new Uint32Array(n), K1 = new Uint32Array(n);
  for (let i = 0; i < n; i++) K0[i] = keys[2 * i], K1[i] = keys[2 * i + 1];
  // each element's key splits into the loop's key and the boost's key
  const [[L0, L1], [sub0, sub1]] = keyedLanes.split(K0, K1, n, 2);
  const X = new Float64Array(n), V = new Float64Array(n).fill(1), U = new Float64Array(n).fill(2);
  const rejected = (i: number) =>
    U[i] >= r(1 - r(0.0331 * r(X[i] * X[i]))) &&
    r(Math.log(U[i])) >= r(r(X[i] * 0.5) + r(D[i] * r(r(1 - V[i]) + r(Math.log(V[i])))));
  const active = new Int32Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) if (rejected(i)) active[m++] = i;
  const redraw = new Int32Array(n);
  let rounds = 0;
  while (m > 0) {
    if (++rounds > MAX_ROUNDS) stuck();
    // key → (key, x key, u key) on the lanes still rejected
    const ak0 = new Uint32Array(m), ak1 = new Uint32Array(m);
    for (let j = 0; j < m; j++) ak0[j] = L0[active[j]], ak1[j] = L1[active[j]];
    const [[n0, n1], [xk0, xk1], [uk0, uk1]] = keyedLanes.split(ak0, ak1, m, 3);
    for (let j = 0; j < m; j++) L0[active[j]] = n0[j], L1[active[j]] = n1[j];
    // x normal, redrawn (x key → (x key, normal key)) while v = 1 + c x ≤ 0
    const x = new Float64Array(m), v = new Float64Array(m).fill(-1);
    let q = m;
    for (let j = 0; j < m; j++) redraw[j] = j;
    while (q > 0) {
      if (++rounds > MAX_ROUNDS) stuck();
      const rk0 = new Uint32Array(q), rk1 = new Uint32Array(q);
      for (let t = 0; t < q; t++) rk0[t] = xk0[redraw[t]], rk1[t] = xk1[redraw[t]];
      const [[nx0, nx1], [z0, z1]] = keyedLanes.split(rk0, rk1, q, 2);
      const z = normals(z0, z1, q, dtype);
      let kept = 0;
      for (let t = 0; t < q; t++) {
        const j = redraw[t];
        xk0[j] = nx0[t], xk1[j] = nx1[t];
        x[j] = z[t];
        v[j] = r(1 + r(z[t] * C[active[j]]));
        if (v[j] <= 0) redraw[kept++] = j;
      }
      q = kept;
    }
    const u = keyedLanes.uniform(uk0, uk1, m, dtype, new Float64Array(m));
    for (let j = 0; j < m; j++) {
      const i = active[j];
      X[i] = r(x[j] * x[j]);
      V[i] = r(r(v[j] * v[j]) * v[j]);
      U[i] = u[j];
    }
    let kept = 0;
    for (let j = 0; j < m; j++) if (rejected(active[j])) active[kept++] = active[j];
    m = kept;
  }
  const us = keyedLanes.uniform(sub0, sub1, n, dtype, new Float64Array(n));
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const alpha = alphas[i], d = D[i];
    const boost = alpha >= 1;
    if (logSpace) {
      const logU = r(Math.log1p(-us[i])); // −exponential
      const logBoost = boost || logU === 0 ? 0 : r(logU * r(1 / alpha));
      out[i] = r(r(r(Math.log(d)) + r(Math.log(V[i]))) + logBoost);
    } else {
      const b = boost ? 1 : r(Math.pow(r(1 - us[i]), r(1 / alpha)));
      out[i] = r(r(d * V[i]) * b);
    }
  }
  return out;
}

/** The rounds gamma's loops may take before they are called stuck (JAX's has no bound). */
const MAX_ROUNDS = 1_000_000;

function stuck(): never {
  throw new RangeError(
    `random.gamma: the rejection loop ran ${MAX_ROUNDS} rounds without accepting; check that ` +
      `the shape parameter is a finite positive number.`,
  );
}

/** `normal(key, ())` of every lane's key (JAX's recipe: one word or, for float64, one 64-bit word). */
function normals(k0: Uint32Array, k1: Uint32Array, n: number, dtype: DType): Float64Array {
  return dtype === "float32"
    ? normalsF32(keyedLanes.word(k0, k1, n, new Uint32Array(n)))
    : normalsF64(keyedLanes.uniform(k0, k1, n, dtype, new Float64Array(n)));
}

/** `normal(key, (n,), dtype)` of one concrete key, by the kernels rather than array ops. */
function normalsOf(key: Key, n: number, dtype: DType): Float64Array {
  return dtype === "float32"
    ? normalsF32(concrete.bits(key[0], key[1], n))
    : normalsF64(uniformsInto(key, n, dtype, new Float64Array(n), new Uint32Array(n)));
}

/** JAX's float32 normals of 32-bit words: √2 erf⁻¹(v), v = max(lo, 2u + lo) (Giles' erf⁻¹). */
function normalsF32(words: Uint32Array): Float64Array {
  return new Float64Array(bitsToNormalF32(words, new Float32Array(words.length)));
}

/** JAX's float64 normals of uniforms u, in place: Φ⁻¹((v + 1)/2), v = max(lo, 2u + lo). */
function normalsF64(u: Float64Array): Float64Array {
  const lo = -1 + 2 ** -53;
  for (let i = 0; i < u.length; i++) u[i] = ndtri((Math.max(lo, u[i] * 2 + lo) + 1) / 2);
  return u;
}

function gammaValues(
  op: string,
  key: NDArray,
  a: number | NDArray,
  shape: readonly number[],
  dtype: DType,
  logSpace: boolean,
): Float64Array {
  const r = rounder(dtype);
  const alphas = paramValues(op, a, shape);
  for (let i = 0; i < alphas.length; i++) alphas[i] = r(alphas[i]);
  return gammaLanes(concreteKey(op, key), alphas, logSpace, dtype);
}

/** Options of the gamma-family samplers. */
export interface GammaOptions {
  /** float32 (default) or float64. */
  dtype?: DType;
}

/**
 * Gamma(a, 1) samples, as JAX's `gamma` (Marsaglia–Tsang, one split key per
 * element). Needs a concrete key and `a`.
 *
 * @param key A key.
 * @param a The shape parameter (> 0), a number or an array.
 * @param shape The sample shape (default: the shape of `a`).
 * @param options `dtype`.
 * @returns The samples.
 *
 * @example
 * ```ts
 * import { random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const g = random.gamma(random.key(0), 3, [4000]);
 * assert.ok(Math.abs((g.mean().item() as number) - 3) < 0.1);
 * ```
 */
export function gamma(
  key: NDArray,
  a: number | NDArray,
  shape?: readonly number[],
  options: GammaOptions = {},
): NDArray {
  checkArity("gamma", arguments.length, 4);
  const { s, dtype } = resolve("gamma", key, shape, [a], options.dtype);
  return out(gammaValues("gamma", key, a, s, dtype, false), s, dtype);
}

/**
 * log of Gamma(a, 1) samples, accurate for small `a` where the samples underflow.
 *
 * @param key A key.
 * @param a The shape parameter (> 0).
 * @param shape The sample shape (default: the shape of `a`).
 * @param options `dtype`.
 * @returns The log-samples.
 *
 * @example
 * ```ts
 * import { random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * assert.ok(Number.isFinite(random.loggamma(random.key(0), 0.01, [10]).min().item() as number));
 * ```
 */
export function loggamma(
  key: NDArray,
  a: number | NDArray,
  shape?: readonly number[],
  options: GammaOptions = {},
): NDArray {
  checkArity("loggamma", arguments.length, 4);
  const { s, dtype } = resolve("loggamma", key, shape, [a], options.dtype);
  return out(gammaValues("loggamma", key, a, s, dtype, true), s, dtype);
}

/**
 * Beta(a, b) samples, from two log-gamma draws: Ga / (Ga + Gb).
 *
 * @param key A key.
 * @param a First shape parameter.
 * @param b Second shape parameter.
 * @param shape The sample shape (default: the broadcast shape of a and b).
 * @param options `dtype`.
 * @returns Samples in [0, 1].
 *
 * @example
 * ```ts
 * import { random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const x = random.beta(random.key(0), 2, 6, [4000]);
 * assert.ok(Math.abs((x.mean().item() as number) - 0.25) < 0.02);
 * ```
 */
export function beta(
  key: NDArray,
  a: number | NDArray,
  b: number | NDArray,
  shape?: readonly number[],
  options: GammaOptions = {},
): NDArray {
  checkArity("beta", arguments.length, 5);
  const { s, dtype } = resolve("beta", key, shape, [a, b], options.dtype);
  const r = rounder(dtype);
  const [ka, kb] = concrete.split(...concreteKey("beta", key), 2);
  const la = gammaValues("beta", keyOf(ka), a, s, dtype, true);
  const lb = gammaValues("beta", keyOf(kb), b, s, dtype, true);
  // Ga / (Ga + Gb) from the logs, shifted by their max so neither exp overflows
  for (let i = 0; i < la.length; i++) {
    const m = Math.max(la[i], lb[i]);
    const ga = r(Math.exp(r(la[i] - m))), gb = r(Math.exp(r(lb[i] - m)));
    la[i] = r(ga / r(ga + gb));
  }
  return out(la, s, dtype);
}

/**
 * Dirichlet(α) samples: normalised log-gamma draws (a softmax over the last axis).
 *
 * @param key A key.
 * @param alpha Concentrations, shape [..., k].
 * @param shape The batch shape (default: alpha's without the last axis).
 * @param options `dtype`.
 * @returns Samples of shape [...shape, k], each summing to 1.
 *
 * @example
 * ```ts
 * import { np, random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const x = random.dirichlet(random.key(0), np.array([1, 2, 3]), [5]);
 * assert.ok(Math.abs((x.sum({ axis: -1 }).toArray() as number[])[0] - 1) < 1e-6);
 * ```
 */
export function dirichlet(
  key: NDArray,
  alpha: NDArray,
  shape?: readonly number[],
  options: GammaOptions = {},
): NDArray {
  checkArity("dirichlet", arguments.length, 4);
  checkKey("dirichlet", key);
  if (!(alpha instanceof NDArray) || alpha.ndim < 1) {
    throw new TypeError(`random.dirichlet: alpha must be an array with at least one axis.`);
  }
  const k = alpha.shape[alpha.ndim - 1];
  const batch = shape === undefined ? alpha.shape.slice(0, -1) : checkShape("dirichlet", shape);
  const dtype = checkFloat("dirichlet", options.dtype ?? "float32");
  const full = [...batch, k];
  const lg = gammaValues("dirichlet", key, alpha, full, dtype, true);
  const r = rounder(dtype);
  const res: number[] = [];
  for (let i = 0; i < lg.length; i += k) {
    const row = lg.slice(i, i + k);
    const m = row.reduce((a, b) => Math.max(a, b), -Infinity);
    const e = row.map((x) => r(Math.exp(r(x - m))));
    const sum = e.reduce((a, b) => r(a + b), 0);
    for (const x of e) res.push(r(x / sum));
  }
  return out(res, full, dtype);
}

/**
 * Chi-square samples with `df` degrees of freedom: 2·Gamma(df/2).
 *
 * @param key A key.
 * @param df Degrees of freedom.
 * @param shape The sample shape.
 * @param options `dtype`.
 * @returns The samples.
 *
 * @example
 * ```ts
 * import { random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const x = random.chisquare(random.key(0), 4, [4000]);
 * assert.ok(Math.abs((x.mean().item() as number) - 4) < 0.15);
 * ```
 */
export function chisquare(
  key: NDArray,
  df: number | NDArray,
  shape?: readonly number[],
  options: GammaOptions = {},
): NDArray {
  checkArity("chisquare", arguments.length, 4);
  const { s, dtype } = resolve("chisquare", key, shape, [df], options.dtype);
  const r = rounder(dtype);
  const half = typeof df === "number" ? r(r(df) / 2) : np.div(df.astype(dtype), 2);
  const lg = gammaValues("chisquare", key, half, s, dtype, true);
  for (let i = 0; i < lg.length; i++) lg[i] = r(r(Math.exp(lg[i])) * 2);
  return out(lg, s, dtype);
}

/**
 * Student's t samples: z·√((df/2)/g), z normal, g Gamma(df/2). Needs a concrete key and df.
 *
 * @param key A key.
 * @param df Degrees of freedom (> 0; others give NaN, as in JAX), a number or an array.
 * @param shape The sample shape (default: the shape of df).
 * @param options `dtype`.
 * @returns The samples.
 *
 * @example
 * ```ts
 * import { random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * assert.ok(Math.abs(random.t(random.key(0), 5, [4000]).mean().item() as number) < 0.1);
 * ```
 */
export function t(
  key: NDArray,
  df: number | NDArray,
  shape?: readonly number[],
  options: GammaOptions = {},
): NDArray {
  checkArity("t", arguments.length, 4);
  const { s, dtype } = resolve("t", key, shape, [df], options.dtype);
  const r = rounder(dtype);
  const [kn, kg] = concrete.split(...concreteKey("t", key), 2);
  const size = s.reduce((x, y) => x * y, 1);
  // normal(kn, s) by the kernels: the array ops of `normal` cost more than the gamma draws
  const z = normalsOf(kn, size, dtype);
  const dfs = paramValues("t", df, s), half = new Float64Array(dfs.length);
  for (let i = 0; i < half.length; i++) half[i] = r(r(dfs[i]) / 2);
  const g = gammaLanes(kg, half, false, dtype);
  // (loops rather than typed-array `from` with a map function, which V8 runs ~10× slower)
  for (let i = 0; i < g.length; i++) g[i] = r(z[i] * r(Math.sqrt(r(half[i] / g[i]))));
  return out(g, s, dtype);
}

/**
 * F(dfnum, dfden) samples: (χ²(dfnum)/dfnum) / (χ²(dfden)/dfden).
 *
 * @param key A key.
 * @param dfnum Numerator degrees of freedom, a number or an array.
 * @param dfden Denominator degrees of freedom, a number or an array.
 * @param shape The sample shape (default: dfnum's and dfden's shapes broadcast together).
 * @param options `dtype`.
 * @returns The samples.
 *
 * @example
 * ```ts
 * import { random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const x = random.f(random.key(0), 4, 10, [4000]);
 * assert.ok(Math.abs((x.mean().item() as number) - 1.25) < 0.1);
 * ```
 */
export function f(
  key: NDArray,
  dfnum: number | NDArray,
  dfden: number | NDArray,
  shape?: readonly number[],
  options: GammaOptions = {},
): NDArray {
  checkArity("f", arguments.length, 5);
  const { s, dtype } = resolve("f", key, shape, [dfnum, dfden], options.dtype);
  const r = rounder(dtype);
  const [kd, kn] = concrete.split(...concreteKey("f", key), 2);
  const num = chisquare(keyOf(kn), dfnum, s, { dtype }).toTypedArray();
  const den = chisquare(keyOf(kd), dfden, s, { dtype }).toTypedArray();
  const fn = paramValues("f", dfnum, s), fd = paramValues("f", dfden, s);
  const ratio = new Float64Array(num.length);
  for (let i = 0; i < ratio.length; i++) {
    ratio[i] = r(r(Number(num[i]) / r(fn[i])) / r(Number(den[i]) / r(fd[i])));
  }
  return out(ratio, s, dtype);
}

/**
 * Generalized normal samples with exponent p (density ∝ exp(−|x|^p)):
 * r·g^(1/p), g Gamma(1/p), r a random sign.
 *
 * @param key A key.
 * @param p The exponent (> 0); 2 gives a normal with variance ½.
 * @param shape The sample shape.
 * @param options `dtype`.
 * @returns The samples.
 *
 * @example
 * ```ts
 * import { random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const x = random.generalizedNormal(random.key(0), 2, [4000]);
 * assert.ok(Math.abs((x.mul(x).mean().item() as number) - 0.5) < 0.05);
 * ```
 */
export function generalizedNormal(
  key: NDArray,
  p: number,
  shape: readonly number[] = [],
  options: GammaOptions = {},
): NDArray {
  checkArity("generalizedNormal", arguments.length, 4);
  const { s, dtype } = resolve("generalizedNormal", key, shape, [], options.dtype);
  return out(generalizedNormalValues(key, p, s, dtype), s, dtype);
}

function generalizedNormalValues(
  key: NDArray,
  p: number,
  s: readonly number[],
  dtype: DType,
): Float64Array {
  if (!(p > 0)) throw new RangeError(`random.generalizedNormal: p must be positive, got ${p}.`);
  const r = rounder(dtype);
  const [kg, kr] = concrete.split(...concreteKey("generalizedNormal", key), 2);
  const g = gammaValues("generalizedNormal", keyOf(kg), r(1 / p), s, dtype, false);
  // rademacher: 2·[u < ½] − 1 with float32 uniforms
  const u = uniforms(kr, g.length, "float32");
  const inv = r(1 / p);
  for (let i = 0; i < g.length; i++) g[i] = r((u[i] < 0.5 ? 1 : -1) * r(Math.pow(g[i], inv)));
  return g;
}

/**
 * Samples uniform in the unit p-norm ball of dimension d, by Barthe et al.'s
 * construction: g / (Σ|g|^p + e)^(1/p), g generalized normal, e exponential.
 *
 * @param key A key.
 * @param d The dimension.
 * @param p The norm (2 by default).
 * @param shape The batch shape.
 * @param options `dtype`.
 * @returns Samples of shape [...shape, d].
 *
 * @example
 * ```ts
 * import { random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const x = random.ball(random.key(0), 3, 2, [100]);
 * assert.ok((x.mul(x).sum({ axis: -1 }).max().item() as number) <= 1);
 * ```
 */
export function ball(
  key: NDArray,
  d: number,
  p = 2,
  shape: readonly number[] = [],
  options: GammaOptions = {},
): NDArray {
  checkArity("ball", arguments.length, 5);
  const { s, dtype } = resolve("ball", key, shape, [], options.dtype);
  if (!Number.isInteger(d) || d < 1) {
    throw new RangeError(`random.ball: d must be a positive integer, got ${d}.`);
  }
  const r = rounder(dtype);
  const [k1, k2] = concrete.split(...concreteKey("ball", key), 2);
  const g = generalizedNormalValues(keyOf(k1), p, [...s, d], dtype);
  const e = uniforms(k2, g.length / d, dtype).map((u) => r(-r(Math.log1p(-u))));
  const res: number[] = [];
  for (let i = 0; i < e.length; i++) {
    const row = g.slice(i * d, (i + 1) * d);
    const sum = row.reduce((acc, x) => r(acc + r(Math.pow(Math.abs(x), p))), 0);
    const norm = r(Math.pow(r(sum + e[i]), r(1 / p)));
    for (const x of row) res.push(r(x / norm));
  }
  return out(res, [...s, d], dtype);
}
