/**
 * Samplers with structure beyond one value per draw, each following JAX's recipe on the
 * same bits: `choice` (with or without replacement, weighted), and `orthogonal` and
 * `multivariateNormal`, which factor a concrete matrix in JS (so they need a concrete key,
 * and say so under jit).
 *
 * @module
 */
import type { DType } from "../core/_dtype.ts";
import { NDArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import * as np from "../numpy/numpy.ts";
import {
  checkArity,
  checkFloat,
  checkKey,
  checkShape,
  concreteKey,
  floatArgs,
  sortRounds,
  uniform01,
} from "./_random_core.ts";
import { type FloatOptions, randint } from "./_random_samplers.ts";
import { gumbelNoise, standardNormal } from "./_random_normal.ts";

/**
 * Random samples from `0..a-1` or from the slices of an array along `axis`, as
 * JAX's `choice`: with replacement by `randint` (or by inverting the cumulative
 * `p`), without by a permutation (or the Gumbel top-k trick with `p`). Without
 * replacement it needs a concrete key.
 *
 * @param key A key.
 * @param a A population size, or an array.
 * @param shape The sample shape.
 * @param options `replace` (true), `p` (probabilities of the `a` entries), `axis` (0).
 * @returns The samples (int32 indices when `a` is a number).
 *
 * @example
 * ```ts
 * import { random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const c = random.choice(random.key(0), 5, [5], { replace: false }).toArray() as number[];
 * assert.deepEqual([...c].sort(), [0, 1, 2, 3, 4]);
 * ```
 */
export function choice(
  key: NDArray,
  a: number | NDArray,
  shape: readonly number[] = [],
  options: { replace?: boolean; p?: NDArray | readonly number[]; axis?: number } = {},
): NDArray {
  checkArity("choice", arguments.length, 4);
  checkKey("choice", key);
  const s = checkShape("choice", shape);
  const replace = options.replace ?? true;
  const arr = typeof a === "number" ? null : a;
  if (arr !== null && !(arr instanceof NDArray && arr.ndim > 0)) {
    throw new TypeError(`random.choice: a must be a positive integer or an array with an axis.`);
  }
  const axis = arr === null
    ? 0
    : (options.axis ?? 0) < 0
    ? (options.axis ?? 0) + arr.ndim
    : options.axis ?? 0;
  if (arr !== null && (axis < 0 || axis >= arr.ndim)) {
    throw new RangeError(
      `random.choice: axis ${options.axis} is out of range for rank ${arr.ndim}.`,
    );
  }
  const n = arr === null ? a as number : arr.shape[axis];
  if (!Number.isInteger(n) || n <= 0) {
    throw new RangeError(
      `random.choice: the population size must be a positive integer, got ${n}.`,
    );
  }
  const draws = s.reduce((x, y) => x * y, 1);
  if (!replace && draws > n) {
    throw new RangeError(
      `random.choice: cannot take ${draws} samples from a population of ${n} without replacement.`,
    );
  }
  let ind: NDArray;
  if (options.p === undefined) {
    if (replace) {
      ind = randint(key, s, 0, n);
    } else {
      ind = np.reshape(
        np.array(sortRounds(key, "choice", [n], 0)[0].slice(0, draws), { dtype: "int32" }),
        s,
      );
    }
  } else {
    const p = options.p instanceof NDArray ? options.p : np.array([...options.p]);
    if (p.ndim !== 1 || p.shape[0] !== n) {
      throw new TypeError(
        `random.choice: p must be a vector of ${n} probabilities, got shape ${
          JSON.stringify(p.shape)
        }.`,
      );
    }
    if (replace) {
      // cumulative p, r = total · (1 − u), index = the first i with cum[i] ≥ r (searchsorted)
      const cum = np.array(cumsumF32(Array.from(p.toTypedArray(), Number), p.dtype), {
        dtype: p.dtype,
      });
      const u = uniform01(key, s, p.dtype === "float64" ? "float64" : "float32");
      const total = np.slice(cum, [n - 1]);
      // JAX's binary search (sorted or not), a JS loop on concrete values, O(draws · log n)
      // traced
      ind = np.searchsorted(cum, np.mul(total, np.sub(1, u)));
    } else {
      // Gumbel top-k: the k largest of g + log p
      const g = np.add(
        gumbelNoise(key, [n], p.dtype === "float64" ? "float64" : "float32"),
        np.log(p),
      );
      const vals = Array.from(g.toTypedArray(), Number);
      const order = vals.map((_, i) => i).sort((x, y) => vals[y] - vals[x] || x - y);
      ind = np.reshape(np.array(order.slice(0, draws), { dtype: "int32" }), s);
    }
  }
  if (arr === null) return ind.astype("int32");
  const taken = np.take(arr, np.ravel(ind), axis);
  return np.reshape(taken, [...arr.shape.slice(0, axis), ...s, ...arr.shape.slice(axis + 1)]);
}

/** Running sums rounded to the dtype after each add (a sequential cumsum). */
function cumsumF32(xs: number[], dtype: DType): number[] {
  let acc = 0;
  return xs.map((x) => (acc = dtype === "float64" ? acc + x : Math.fround(acc + x)));
}

/** Householder QR of a row-major m×n matrix (m ≥ n): the m×n Q and the diagonal of R. */
function householderQR(
  a: Float64Array,
  m: number,
  n: number,
): { q: Float64Array; rdiag: number[] } {
  const r = Float64Array.from(a);
  const vs: Float64Array[] = [];
  for (let j = 0; j < n; j++) {
    const v = new Float64Array(m);
    let norm = 0;
    for (let i = j; i < m; i++) norm += r[i * n + j] ** 2;
    norm = Math.sqrt(norm);
    const alpha = r[j * n + j] > 0 ? -norm : norm;
    for (let i = j; i < m; i++) v[i] = r[i * n + j];
    v[j] -= alpha;
    let vv = 0;
    for (let i = j; i < m; i++) vv += v[i] * v[i];
    if (vv > 0) {
      for (let c = 0; c < n; c++) {
        let dot = 0;
        for (let i = j; i < m; i++) dot += v[i] * r[i * n + c];
        const f = (2 * dot) / vv;
        for (let i = j; i < m; i++) r[i * n + c] -= f * v[i];
      }
    }
    vs.push(v);
  }
  // Q = H_0 H_1 … H_{n-1} applied to the first n columns of the identity
  const q = new Float64Array(m * n);
  for (let c = 0; c < n; c++) q[c * n + c] = 1;
  for (let j = n - 1; j >= 0; j--) {
    const v = vs[j];
    let vv = 0;
    for (let i = j; i < m; i++) vv += v[i] * v[i];
    if (vv === 0) continue;
    for (let c = 0; c < n; c++) {
      let dot = 0;
      for (let i = j; i < m; i++) dot += v[i] * q[i * n + c];
      const f = (2 * dot) / vv;
      for (let i = j; i < m; i++) q[i * n + c] -= f * v[i];
    }
  }
  return { q, rdiag: Array.from({ length: n }, (_, j) => r[j * n + j]) };
}

/**
 * Haar-random matrices with orthonormal columns (n ≥ m) or rows, as JAX: the Q
 * of a QR factorisation of a normal matrix, columns signed by diag(R). Needs a
 * concrete key.
 *
 * @param key A key.
 * @param n Rows.
 * @param options `shape` (batch shape), `m` (columns, default n), `dtype`.
 * @returns An array of shape [...shape, n, m].
 *
 * @example
 * ```ts
 * import { np, random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const q = random.orthogonal(random.key(0), 3);
 * const qtq = np.matmul(np.transpose(q), q).toArray() as number[][];
 * assert.ok(Math.abs(qtq[0][0] - 1) < 1e-5 && Math.abs(qtq[0][1]) < 1e-5);
 * ```
 */
export function orthogonal(
  key: NDArray,
  n: number,
  options: { shape?: readonly number[]; m?: number; dtype?: DType } = {},
): NDArray {
  checkArity("orthogonal", arguments.length, 3);
  checkKey("orthogonal", key);
  concreteKey("orthogonal", key);
  const m = options.m ?? n;
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(m) || m < 1) {
    throw new RangeError(
      `random.orthogonal: n and m must be positive integers, got ${n} and ${m}.`,
    );
  }
  const batch = checkShape("orthogonal", options.shape ?? []);
  const dtype = checkFloat("orthogonal", options.dtype ?? "float32");
  const rows = Math.max(n, m), cols = Math.min(n, m);
  const z = standardNormal(key, [...batch, rows, cols], dtype).toTypedArray();
  const count = batch.reduce((x, y) => x * y, 1);
  const out = new Float64Array(count * n * m);
  for (let b = 0; b < count; b++) {
    const { q, rdiag } = householderQR(
      Float64Array.from(z.subarray(b * rows * cols, (b + 1) * rows * cols) as ArrayLike<number>),
      rows,
      cols,
    );
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const v = q[i * cols + j] * Math.sign(rdiag[j]);
        // n < m: the transpose, so the rows are orthonormal
        if (n >= m) out[b * n * m + i * m + j] = v;
        else out[b * n * m + j * m + i] = v;
      }
    }
  }
  return np.array(new ArrayValue(out, [...batch, n, m], "float64"), { dtype });
}

/**
 * Multivariate normal samples mean + L z, L the Cholesky factor of `cov` and z
 * standard normal (JAX's default method). `cov` must be concrete and positive definite.
 *
 * @param key A key.
 * @param mean The mean vector [n].
 * @param cov The covariance [n, n].
 * @param shape The batch shape of the samples (default []).
 * @param options `dtype` (float32 default).
 * @returns Samples of shape [...shape, n].
 *
 * @example
 * ```ts
 * import { np, random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const x = random.multivariateNormal(random.key(0), np.array([5, -5]), np.eye(2), [4000]);
 * assert.ok(Math.abs((np.mean(x, { axis: 0 }).toArray() as number[])[0] - 5) < 0.1);
 * ```
 */
export function multivariateNormal(
  key: NDArray,
  mean: NDArray,
  cov: NDArray,
  shape: readonly number[] = [],
  options: FloatOptions = {},
): NDArray {
  checkArity("multivariateNormal", arguments.length, 5);
  const { s, dtype } = floatArgs("multivariateNormal", key, shape, options);
  const n = mean.shape[mean.ndim - 1];
  if (mean.ndim !== 1 || cov.ndim !== 2 || cov.shape[0] !== n || cov.shape[1] !== n) {
    throw new TypeError(
      `random.multivariateNormal: need mean [n] and cov [n, n], got ${
        JSON.stringify(mean.shape)
      } ` +
        `and ${JSON.stringify(cov.shape)}.`,
    );
  }
  const c = Array.from(cov.toTypedArray(), Number);
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = c[j * n + j];
    for (let k = 0; k < j; k++) d -= l[j * n + k] ** 2;
    if (!(d > 0)) {
      throw new RangeError(`random.multivariateNormal: cov is not positive definite (pivot ${j}).`);
    }
    l[j * n + j] = Math.sqrt(d);
    for (let i = j + 1; i < n; i++) {
      let v = c[i * n + j];
      for (let k = 0; k < j; k++) v -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = v / l[j * n + j];
    }
  }
  const factor = np.array(new ArrayValue(l, [n, n], "float64"), { dtype });
  const z = standardNormal(key, [...s, n], dtype);
  return np.add(mean.astype(dtype), np.matmul(z, np.transpose(factor)));
}
