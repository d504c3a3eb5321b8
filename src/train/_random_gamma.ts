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
  rounder,
  uniforms,
  unitF32,
  unitF64,
} from "./_random_core.ts";
import { standardNormal } from "./_random_normal.ts";
import { out, paramValues, resolve } from "./_random_params.ts";

/** A key array from two words. */
function keyOf(k: Key): NDArray {
  return new ArrayValue(Int32Array.of(k[0] | 0, k[1] | 0), [2], "int32");
}

type Key = [number, number];

/** Words the scalar draws below write into: keys and bits without an allocation per call. */
const W = new Uint32Array(6), NORMAL_BITS = new Uint32Array(1), NORMAL = new Float32Array(1);

/** One uniform in [0, 1) from the key (k0, k1), as `uniform(key, ())`. */
function uniformOne(k0: number, k1: number, dtype: DType): number {
  return dtype === "float32" ? unitF32(concrete.word(k0, k1)) : unitF64(...concrete.word64(k0, k1));
}

/** One standard normal from the key (k0, k1), as `normal(key, ())`. */
function normalOne(k0: number, k1: number, dtype: DType): number {
  if (dtype === "float32") {
    NORMAL_BITS[0] = concrete.word(k0, k1);
    return bitsToNormalF32(NORMAL_BITS, NORMAL)[0];
  }
  const lo = -1 + 2 ** -53;
  const v = Math.max(lo, uniformOne(k0, k1, dtype) * 2 + lo);
  return ndtri((v + 1) / 2);
}

/**
 * One Gamma(α, 1) draw (or its log) by Marsaglia and Tsang (2000): with
 * d = α − ⅓ and c = 1/(3√d), propose V = (1 + c x)³ for x normal (redrawn while
 * 1 + c x ≤ 0) and accept when U < 1 − 0.0331 x⁴ or log U < x²/2 + d(1 − V + log V);
 * the draw is d·V. For α < 1 it draws Gamma(α + 1) and multiplies by u^(1/α).
 * Keys are split as JAX's loop splits them; each split's words are read out of W at once.
 */
function gammaOne(
  key0: number,
  key1: number,
  alpha: number,
  logSpace: boolean,
  dtype: DType,
): number {
  const r = rounder(dtype);
  const boost = alpha >= 1;
  const a = boost ? alpha : r(alpha + 1);
  const d = r(a - r(1 / 3));
  const c = r(r(1 / 3) / r(Math.sqrt(d)));
  concrete.splitInto(key0, key1, 2, W);
  let k0 = W[0], k1 = W[1];
  const sub0 = W[2], sub1 = W[3];
  let X = 0, V = 1, U = 2;
  const rejected = () =>
    U >= r(1 - r(0.0331 * r(X * X))) &&
    r(Math.log(U)) >= r(r(X * 0.5) + r(d * r(r(1 - V) + r(Math.log(V)))));
  while (rejected()) {
    concrete.splitInto(k0, k1, 3, W);
    k0 = W[0], k1 = W[1];
    let x0 = W[2], x1 = W[3];
    const u0 = W[4], u1 = W[5];
    let x = 0, v = -1;
    while (v <= 0) {
      concrete.splitInto(x0, x1, 2, W);
      x0 = W[0], x1 = W[1];
      x = normalOne(W[2], W[3], dtype);
      v = r(1 + r(x * c));
    }
    X = r(x * x);
    V = r(r(v * v) * v);
    U = uniformOne(u0, u1, dtype);
  }
  if (logSpace) {
    const logU = r(Math.log1p(-uniformOne(sub0, sub1, dtype))); // −exponential
    const logBoost = boost || logU === 0 ? 0 : r(logU * r(1 / alpha));
    return r(r(r(Math.log(d)) + r(Math.log(V))) + logBoost);
  }
  const u = r(1 - uniformOne(sub0, sub1, dtype));
  const b = boost ? 1 : r(Math.pow(u, r(1 / alpha)));
  return r(r(d * V) * b);
}

function gammaValues(
  op: string,
  key: NDArray,
  a: number | NDArray,
  shape: readonly number[],
  dtype: DType,
  logSpace: boolean,
): number[] {
  const [k0, k1] = concreteKey(op, key);
  const alphas = paramValues(op, a, shape).map(rounder(dtype));
  const keys = concrete.splitInto(k0, k1, alphas.length, new Uint32Array(2 * alphas.length));
  return alphas.map((al, i) => gammaOne(keys[2 * i], keys[2 * i + 1], al, logSpace, dtype));
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
  return out(
    la.map((x, i) => {
      const m = Math.max(x, lb[i]);
      const ga = r(Math.exp(r(x - m))), gb = r(Math.exp(r(lb[i] - m)));
      return r(ga / r(ga + gb));
    }),
    s,
    dtype,
  );
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
  return out(lg.map((x) => r(r(Math.exp(x)) * 2)), s, dtype);
}

/**
 * Student's t samples: z·√((df/2)/g), z normal, g Gamma(df/2).
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
 * assert.ok(Math.abs(random.t(random.key(0), 5, [4000]).mean().item() as number) < 0.1);
 * ```
 */
export function t(
  key: NDArray,
  df: number,
  shape: readonly number[] = [],
  options: GammaOptions = {},
): NDArray {
  checkArity("t", arguments.length, 4);
  const { s, dtype } = resolve("t", key, shape, [df], options.dtype);
  const r = rounder(dtype);
  const [kn, kg] = concrete.split(...concreteKey("t", key), 2);
  const n = Array.from(standardNormal(keyOf(kn), s, dtype).toTypedArray(), Number);
  const half = r(r(df) / 2);
  const g = gammaValues("t", keyOf(kg), half, s, dtype, false);
  return out(n.map((z, i) => r(z * r(Math.sqrt(r(half / g[i]))))), s, dtype);
}

/**
 * F(dfnum, dfden) samples: (χ²(dfnum)/dfnum) / (χ²(dfden)/dfden).
 *
 * @param key A key.
 * @param dfnum Numerator degrees of freedom.
 * @param dfden Denominator degrees of freedom.
 * @param shape The sample shape.
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
  dfnum: number,
  dfden: number,
  shape: readonly number[] = [],
  options: GammaOptions = {},
): NDArray {
  checkArity("f", arguments.length, 5);
  const { s, dtype } = resolve("f", key, shape, [], options.dtype);
  const r = rounder(dtype);
  const [kd, kn] = concrete.split(...concreteKey("f", key), 2);
  const num = chisquare(keyOf(kn), dfnum, s, { dtype }).toTypedArray();
  const den = chisquare(keyOf(kd), dfden, s, { dtype }).toTypedArray();
  const fn = r(dfnum), fd = r(dfden);
  return out(Array.from(num, (x, i) => r(r(Number(x) / fn) / r(Number(den[i]) / fd))), s, dtype);
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
): number[] {
  if (!(p > 0)) throw new RangeError(`random.generalizedNormal: p must be positive, got ${p}.`);
  const r = rounder(dtype);
  const [kg, kr] = concrete.split(...concreteKey("generalizedNormal", key), 2);
  const g = gammaValues("generalizedNormal", keyOf(kg), r(1 / p), s, dtype, false);
  // rademacher: 2·[u < ½] − 1 with float32 uniforms
  const u = uniforms(kr, g.length, "float32");
  const inv = r(1 / p);
  return g.map((x, i) => r((u[i] < 0.5 ? 1 : -1) * r(Math.pow(x, inv))));
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
