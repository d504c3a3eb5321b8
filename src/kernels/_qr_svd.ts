/**
 * QR and singular-value kernels on one row-major m×n matrix (Float64Array in and out), the
 * eager implementations behind the `qr` and `svd` primitives (which loop them over batch axes
 * and round to float32 where needed). Plain, unblocked textbook algorithms for the small and
 * medium matrices of autodiff workloads:
 * - QR by Householder reflections with LAPACK's sign convention (each reflector maps the
 *   column to β e₁ with β = −sign(α)‖x‖, and a column already zero below the diagonal is
 *   left alone), so Q and R agree with JAX on CPU up to rounding;
 * - SVD by one-sided (Hestenes) Jacobi: plane rotations orthogonalise the columns of A until
 *   every pair is orthogonal to working precision; the column norms are the singular values
 *   and the accumulated rotations are V. Accurate for small singular values too.
 *
 * @module
 */

/**
 * Householder QR of an m×n A: Q is m×m when `full` (else m×k) and R is m×n when `full` (else
 * k×n), k = min(m, n), with A = Q R, Qᵀ Q = I and R upper triangular (trapezoidal when wide).
 */
export function qrKernel(
  a0: Float64Array,
  m: number,
  n: number,
  full: boolean,
): [Float64Array, Float64Array] {
  // column-major working copy: column c is the contiguous run a[c·m, (c+1)·m)
  const a = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let c = 0; c < n; c++) a[c * m + i] = a0[i * n + c];
  const k = Math.min(m, n);
  const vs: Float64Array[] = [], taus: number[] = [];
  for (let j = 0; j < k; j++) {
    const col = j * m, alpha = a[col + j];
    let tail = 0;
    for (let i = j + 1; i < m; i++) tail += a[col + i] * a[col + i];
    const v = new Float64Array(m - j);
    v[0] = 1;
    vs.push(v);
    if (tail === 0) {
      // H = I: the column is already upper triangular (LAPACK's τ = 0)
      taus.push(0);
      continue;
    }
    const beta = (alpha >= 0 ? -1 : 1) * Math.hypot(alpha, Math.sqrt(tail));
    const tau = (beta - alpha) / beta;
    taus.push(tau);
    for (let i = j + 1; i < m; i++) v[i - j] = a[col + i] / (alpha - beta);
    a[col + j] = beta;
    for (let i = j + 1; i < m; i++) a[col + i] = 0;
    // the columns to the right: A ← (I − τ v vᵀ) A
    for (let c = j + 1; c < n; c++) reflect(a, c * m + j, v, tau);
  }
  const qc = full ? m : k, rr = full ? m : k;
  // Q = H₀ H₁ ⋯ H_{k−1} I[:, :qc], applying the reflectors from the last one back
  const q = new Float64Array(qc * m); // column-major
  for (let i = 0; i < Math.min(m, qc); i++) q[i * m + i] = 1;
  for (let j = k - 1; j >= 0; j--) {
    if (taus[j] === 0) continue;
    for (let c = 0; c < qc; c++) reflect(q, c * m + j, vs[j], taus[j]);
  }
  const qOut = new Float64Array(m * qc), r = new Float64Array(rr * n);
  for (let i = 0; i < m; i++) for (let c = 0; c < qc; c++) qOut[i * qc + c] = q[c * m + i];
  for (let i = 0; i < Math.min(rr, m); i++) {
    for (let c = i; c < n; c++) r[i * n + c] = a[c * m + i];
  }
  return [qOut, r];
}

/** x ← (I − τ v vᵀ) x for the run x = buf[at, at + v.length). */
function reflect(buf: Float64Array, at: number, v: Float64Array, tau: number): void {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * buf[at + i];
  s *= tau;
  for (let i = 0; i < v.length; i++) buf[at + i] -= s * v[i];
}

/**
 * Thin or full SVD of an m×n A = U diag(s) Vᵀ with s descending (k = min(m, n) values):
 * returns s, U (m×k, or m×m when `full`) and Vᵀ (k×n, or n×n when `full`), row-major.
 */
export function svdKernel(
  a: Float64Array,
  m: number,
  n: number,
  full: boolean,
): [Float64Array, Float64Array, Float64Array] {
  if (m < n) {
    // Aᵀ = U' S V'ᵀ  ⇒  A = V' S U'ᵀ
    const at = new Float64Array(n * m);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) at[j * m + i] = a[i * n + j];
    const [s, u2, vt2] = svdKernel(at, n, m, full);
    return [s, transposed(vt2, m, m), transposed(u2, n, full ? n : m)];
  }
  // tall (m ≥ n): the columns of G = A V are orthogonalised; columns stored contiguously
  const g = new Float64Array(n * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) g[j * m + i] = a[i * n + j];
  const v = new Float64Array(n * n); // columns of V, contiguously
  for (let j = 0; j < n; j++) v[j * n + j] = 1;
  // a pair counts as orthogonal once |gᵖ·g^q| ≤ √m · eps · ‖gᵖ‖ ‖g^q‖ (LAPACK's dgesvj test)
  const tol = Math.sqrt(Math.max(m, 1)) * 2 ** -52;
  const sq = new Float64Array(n); // ‖g_j‖², refreshed each sweep and updated by each rotation
  for (let sweep = 0; sweep < 80; sweep++) {
    for (let j = 0; j < n; j++) sq[j] = dot(g, j * m, j * m, m);
    let rotated = false;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const alpha = sq[p], beta = sq[q], gamma = dot(g, p * m, q * m, m);
        if (gamma === 0 || Math.abs(gamma) <= tol * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        // the rotation that zeroes gᵖ·g^q: tan θ = t, the smaller root of t² + 2ζt − 1 = 0
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t), s = c * t;
        rotate(g, p * m, q * m, m, c, s);
        rotate(v, p * n, q * n, n, c, s);
        // the new squared norms: ‖gᵖ‖² − tγ and ‖g^q‖² + tγ
        sq[p] = alpha - t * gamma, sq[q] = beta + t * gamma;
      }
    }
    if (!rotated) break;
  }
  const norms = Array.from({ length: n }, (_, j) => {
    let s = 0;
    for (let i = 0; i < m; i++) s += g[j * m + i] * g[j * m + i];
    return Math.sqrt(s);
  });
  const order = norms.map((_, j) => j).sort((i, j) => norms[j] - norms[i] || i - j);
  const s = Float64Array.from(order, (j) => norms[j]);
  // U's columns: G's columns normalised, re-orthogonalised (which only moves those of tiny
  // singular values) and completed to an orthonormal basis where they vanish or when full
  const cols: Float64Array[] = [];
  const tiny = (s[0] || 0) * 1e-300;
  for (const j of order) {
    const u = g.slice(j * m, (j + 1) * m);
    const norm = norms[j];
    if (norm > tiny && orthonormalise(u, cols, norm)) cols.push(u);
    else cols.push(completion(cols, m));
  }
  while (full && cols.length < m) cols.push(completion(cols, m));
  const uc = cols.length;
  const u = new Float64Array(m * uc);
  cols.forEach((c, j) => {
    for (let i = 0; i < m; i++) u[i * uc + j] = c[i];
  });
  const vt = new Float64Array(n * n);
  order.forEach((src, dst) => vt.set(v.subarray(src * n, (src + 1) * n), dst * n));
  return [s, u, vt];
}

/** The dot product of two length-len runs of `buf`. */
function dot(buf: Float64Array, x: number, y: number, len: number): number {
  let d = 0;
  for (let i = 0; i < len; i++) d += buf[x + i] * buf[y + i];
  return d;
}

/** (x, y) ← (c x − s y, s x + c y) on two length-len runs of `buf`. */
function rotate(buf: Float64Array, x: number, y: number, len: number, c: number, s: number) {
  for (let i = 0; i < len; i++) {
    const a = buf[x + i], b = buf[y + i];
    buf[x + i] = c * a - s * b;
    buf[y + i] = s * a + c * b;
  }
}

/** The cols×rows transpose of a rows×cols row-major matrix. */
function transposed(x: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = x[i * cols + j];
  return t;
}

/**
 * u ← u/scale with the components along `basis` removed (twice, for rounding) and
 * normalised; false when too little is left (u was in their span).
 */
function orthonormalise(u: Float64Array, basis: Float64Array[], scale: number): boolean {
  for (let i = 0; i < u.length; i++) u[i] /= scale;
  for (let pass = 0; pass < 2; pass++) {
    for (const b of basis) {
      let d = 0;
      for (let i = 0; i < u.length; i++) d += b[i] * u[i];
      for (let i = 0; i < u.length; i++) u[i] -= d * b[i];
    }
  }
  let norm = 0;
  for (let i = 0; i < u.length; i++) norm += u[i] * u[i];
  norm = Math.sqrt(norm);
  if (!(norm > 1e-8)) return false;
  for (let i = 0; i < u.length; i++) u[i] /= norm;
  return true;
}

/** A unit vector orthogonal to `basis`: the standard basis vector that keeps the most. */
function completion(basis: Float64Array[], m: number): Float64Array {
  let best = 0, bestLeft = -1;
  for (let e = 0; e < m; e++) {
    let kept = 0;
    for (const b of basis) kept += b[e] * b[e];
    if (1 - kept > bestLeft) [best, bestLeft] = [e, 1 - kept];
  }
  const u = new Float64Array(m);
  u[best] = 1;
  if (!orthonormalise(u, basis, 1)) throw new Error("internal: svd basis completion failed");
  return u;
}
