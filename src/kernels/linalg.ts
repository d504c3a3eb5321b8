/**
 * Dense linear-algebra kernels on one row-major n×n matrix (Float64Array in, Float64Array
 * out), the eager implementations behind the `cholesky`, `triangular_solve`, `lu` and `eigh`
 * primitives (which loop them over batch axes and round to float32 where needed). Plain,
 * unblocked textbook algorithms: O(n³), meant for the small and medium matrices of
 * autodiff workloads.
 *
 * @module
 */

/**
 * Cholesky factor L (lower, A = L Lᵀ) of a symmetric positive-definite A, reading A's lower
 * triangle. A non-positive pivot (A not positive definite) fills L with NaN, as JAX does.
 */
export function choleskyKernel(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let k = 0; k < j; k++) d -= l[j * n + k] * l[j * n + k];
    if (!(d > 0)) return l.fill(NaN);
    const ljj = Math.sqrt(d);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = s / ljj;
    }
  }
  return l;
}

/**
 * Solves op(A) X = B for X (n×k), A triangular (its other triangle is ignored), op(A) = A or
 * Aᵀ; forward or back substitution column by column.
 */
export function triangularSolveKernel(
  a: Float64Array,
  b: Float64Array,
  n: number,
  k: number,
  lower: boolean,
  transposeA: boolean,
): Float64Array {
  const x = Float64Array.from(b);
  // op(A) is lower triangular when exactly one of (lower, transposeA) holds
  const opLower = lower !== transposeA;
  const at = (i: number, j: number) => (transposeA ? a[j * n + i] : a[i * n + j]);
  for (let c = 0; c < k; c++) {
    if (opLower) {
      for (let i = 0; i < n; i++) {
        let s = x[i * k + c];
        for (let j = 0; j < i; j++) s -= at(i, j) * x[j * k + c];
        x[i * k + c] = s / at(i, i);
      }
    } else {
      for (let i = n - 1; i >= 0; i--) {
        let s = x[i * k + c];
        for (let j = i + 1; j < n; j++) s -= at(i, j) * x[j * k + c];
        x[i * k + c] = s / at(i, i);
      }
    }
  }
  return x;
}

/**
 * LU factorisation with partial pivoting, P A = L U: returns the packed factors (L strictly
 * below the diagonal with an implicit unit diagonal, U on and above) and the row permutation
 * (row i of P A is row perm[i] of A). A singular A gives a zero pivot (and infinities later).
 */
export function luKernel(a: Float64Array, n: number): [Float64Array, Int32Array] {
  const lu = Float64Array.from(a);
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  for (let j = 0; j < n; j++) {
    let p = j, best = Math.abs(lu[j * n + j]);
    for (let i = j + 1; i < n; i++) {
      const v = Math.abs(lu[i * n + j]);
      if (v > best) [p, best] = [i, v];
    }
    if (p !== j) {
      for (let c = 0; c < n; c++) {
        const t = lu[j * n + c];
        lu[j * n + c] = lu[p * n + c];
        lu[p * n + c] = t;
      }
      [perm[j], perm[p]] = [perm[p], perm[j]];
    }
    const pivot = lu[j * n + j];
    if (pivot === 0) continue;
    for (let i = j + 1; i < n; i++) {
      const f = (lu[i * n + j] /= pivot);
      if (f === 0) continue;
      for (let c = j + 1; c < n; c++) lu[i * n + c] -= f * lu[j * n + c];
    }
  }
  return [lu, perm];
}

/**
 * Eigen-decomposition of a symmetric A (read as (A + Aᵀ)/2): eigenvalues ascending and
 * eigenvectors as columns. Householder reduction to tridiagonal form, then the implicit
 * symmetric QR algorithm with Wilkinson shifts (O(n³) with rows read contiguously); should
 * it not converge (it always has in tests), the cyclic Jacobi method below.
 */
export function eighKernel(a0: Float64Array, n: number): [Float64Array, Float64Array] {
  return eighTridiagonalQr(a0, n) ?? eighJacobi(a0, n);
}

/** (A + Aᵀ)/2 of an n × n row-major matrix. */
function symmetrized(a0: Float64Array, n: number): Float64Array {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) a[i * n + j] = 0.5 * (a0[i * n + j] + a0[j * n + i]);
  }
  return a;
}

/**
 * Eigenvalues `d` sorted ascending, with their eigenvectors as the columns of an n × n
 * row-major matrix; `vector(i, k)` is component k of the eigenvector of `d[i]`.
 */
function ascending(
  d: Float64Array,
  n: number,
  vector: (i: number, k: number) => number,
): [Float64Array, Float64Array] {
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[i] - d[j]);
  const w = Float64Array.from(order, (i) => d[i]);
  const vs = new Float64Array(n * n);
  order.forEach((src, dst) => {
    for (let k = 0; k < n; k++) vs[k * n + dst] = vector(src, k);
  });
  return [w, vs];
}

/**
 * Householder tridiagonalisation and implicit QR; null if some eigenvalue takes more than
 * 60 QR steps. Q is kept transposed (QT's row k is eigenvector k) so that every update
 * walks rows.
 */
function eighTridiagonalQr(a0: Float64Array, n: number): [Float64Array, Float64Array] | null {
  const a = symmetrized(a0, n);
  const qt = new Float64Array(n * n);
  for (let i = 0; i < n; i++) qt[i * n + i] = 1;
  const v = new Float64Array(n), p = new Float64Array(n), t = new Float64Array(n);
  // 1. for k = 0 … n − 3: a reflector H = I − β v vᵀ (β = 2 / vᵀv) on rows/columns k+1…
  //    maps column k below the diagonal to (α, 0, …, 0); the trailing block B becomes
  //    H B H = B − v wᵀ − w vᵀ with p = β B v, w = p − (vᵀp / vᵀv) v; and Q ← Q H
  for (let k = 0; k < n - 2; k++) {
    const m = n - k - 1, o = k + 1;
    let norm2 = 0;
    for (let i = 0; i < m; i++) {
      v[i] = a[(o + i) * n + k];
      norm2 += v[i] * v[i];
    }
    if (norm2 === 0) continue;
    const alpha = v[0] > 0 ? -Math.sqrt(norm2) : Math.sqrt(norm2);
    v[0] -= alpha;
    let vv = 0;
    for (let i = 0; i < m; i++) vv += v[i] * v[i];
    if (vv === 0) continue;
    const beta = 2 / vv;
    let vp = 0;
    for (let i = 0; i < m; i++) {
      let s = 0;
      const row = (o + i) * n + o;
      for (let j = 0; j < m; j++) s += a[row + j] * v[j];
      p[i] = beta * s;
      vp += v[i] * p[i];
    }
    const kk = vp / vv;
    for (let i = 0; i < m; i++) p[i] -= kk * v[i]; // p is now w
    for (let i = 0; i < m; i++) {
      const row = (o + i) * n + o, vi = v[i], wi = p[i];
      for (let j = 0; j < m; j++) a[row + j] -= vi * p[j] + wi * v[j];
    }
    a[o * n + k] = a[k * n + o] = alpha;
    for (let i = 1; i < m; i++) a[(o + i) * n + k] = a[k * n + o + i] = 0;
    // Q ← Q H, in QT: rows o… of QT become H · (those rows)
    t.fill(0);
    for (let j = 0; j < m; j++) {
      const row = (o + j) * n, vj = v[j];
      if (vj !== 0) { for (let c = 0; c < n; c++) t[c] += vj * qt[row + c]; }
    }
    for (let i = 0; i < m; i++) {
      const row = (o + i) * n, f = beta * v[i];
      if (f !== 0) { for (let c = 0; c < n; c++) qt[row + c] -= f * t[c]; }
    }
  }
  const d = new Float64Array(n), e = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = a[i * n + i];
  for (let i = 0; i < n - 1; i++) e[i] = a[(i + 1) * n + i];
  // 2. implicit QR on the tridiagonal (d, e): deflate negligible e[i]; on the unreduced
  //    block [lo, hi], a Wilkinson shift μ from its trailing 2 × 2, then rotations
  //    G = [[c, s], [−s, c]] on (k, k+1) chase the bulge down: T ← G T Gᵀ, Q ← Q Gᵀ
  const eps = 2 ** -52;
  let hi = n - 1, steps = 0;
  while (hi > 0) {
    for (let i = 0; i < hi; i++) {
      if (Math.abs(e[i]) <= eps * (Math.abs(d[i]) + Math.abs(d[i + 1]))) e[i] = 0;
    }
    if (e[hi - 1] === 0) {
      hi--, steps = 0;
      continue;
    }
    if (++steps > 60) return null;
    let lo = hi - 1;
    while (lo > 0 && e[lo - 1] !== 0) lo--;
    const delta = (d[hi - 1] - d[hi]) / 2, eh = e[hi - 1];
    const mu = d[hi] - eh * eh / (delta + (delta >= 0 ? 1 : -1) * Math.hypot(delta, eh));
    let x = d[lo] - mu, z = e[lo];
    for (let k = lo; k < hi; k++) {
      const r = Math.hypot(x, z);
      const c = r === 0 ? 1 : x / r, s = r === 0 ? 0 : z / r;
      if (k > lo) e[k - 1] = r;
      const dk = d[k], ek = e[k], dk1 = d[k + 1];
      d[k] = c * c * dk + 2 * c * s * ek + s * s * dk1;
      d[k + 1] = s * s * dk - 2 * c * s * ek + c * c * dk1;
      e[k] = c * s * (dk1 - dk) + (c * c - s * s) * ek;
      if (k < hi - 1) {
        z = s * e[k + 1]; // the bulge at (k, k + 2)
        e[k + 1] *= c;
        x = e[k];
      }
      const r0 = k * n, r1 = (k + 1) * n;
      for (let col = 0; col < n; col++) {
        const q0 = qt[r0 + col], q1 = qt[r1 + col];
        qt[r0 + col] = c * q0 + s * q1;
        qt[r1 + col] = c * q1 - s * q0;
      }
    }
  }
  return ascending(d, n, (src, k) => qt[src * n + k]);
}

/**
 * Eigen-decomposition by the cyclic Jacobi method: rotations zero each off-diagonal entry
 * in turn until the off-diagonal norm is below 1e-15 of the matrix norm.
 */
function eighJacobi(a0: Float64Array, n: number): [Float64Array, Float64Array] {
  const a = symmetrized(a0, n);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let norm = 0;
  for (let i = 0; i < n * n; i++) norm += a[i] * a[i];
  const tol = 1e-30 * norm;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += a[i * n + j] * a[i * n + j];
    if (off <= tol || !Number.isFinite(off)) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        // the rotation angle θ with tan 2θ = 2 a_pq / (a_qq − a_pp), t = tan θ (smaller root)
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p], akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k], aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p], vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const d = Float64Array.from({ length: n }, (_, i) => a[i * n + i]);
  return ascending(d, n, (src, k) => v[k * n + src]);
}
