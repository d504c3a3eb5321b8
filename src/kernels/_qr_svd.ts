/**
 * The QR kernel on one row-major m×n matrix (Float64Array in and out), the eager
 * implementation behind the `qr` primitive (which loops it over batch axes and rounds to
 * float32 where needed): Householder reflections with LAPACK's sign convention (each reflector
 * maps the column to β e₁ with β = −sign(α)‖x‖, and a column already zero below the diagonal
 * is left alone), so Q and R agree with JAX on CPU up to rounding. The SVD kernel is in
 * `_svd.ts`.
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
