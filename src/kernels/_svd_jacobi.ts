/**
 * The one-sided (Hestenes) Jacobi SVD of a tall matrix: the plain reference beside the
 * Golub–Kahan kernel of `_svd.ts` (tests compare the two) and its fallback should the QR
 * iteration not converge. Plane rotations orthogonalise the columns of A until every pair is
 * orthogonal to working precision; the column norms are the singular values and the
 * accumulated rotations are V. Accurate for small singular values too, but O(n³) per sweep
 * with strided columns: slow beyond a hundred or so columns.
 *
 * @module
 */

/**
 * The SVD of an m×n A with m ≥ n (row-major, not modified): [s (n, descending), Uᵀ (n×m, or
 * m×m when `fullU`), Vᵀ (n×n)], empty Uᵀ and Vᵀ without `vectors`.
 */
export function svdJacobi(
  a: Float64Array,
  m: number,
  n: number,
  vectors: boolean,
  fullU: boolean,
): [Float64Array, Float64Array, Float64Array] {
  // the columns of G = A V are orthogonalised; columns stored contiguously
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
  const norms = Array.from({ length: n }, (_, j) => Math.sqrt(dot(g, j * m, j * m, m)));
  const order = norms.map((_, j) => j).sort((i, j) => norms[j] - norms[i] || i - j);
  const s = Float64Array.from(order, (j) => norms[j]);
  if (!vectors) return [s, new Float64Array(0), new Float64Array(0)];
  // U's columns: G's columns normalised, re-orthogonalised (which only moves those of tiny
  // singular values) and completed to an orthonormal basis where they vanish or when full
  const cols: Float64Array[] = [];
  const tiny = (s[0] || 0) * 1e-300;
  for (const j of order) {
    const u = g.slice(j * m, (j + 1) * m);
    if (norms[j] > tiny && orthonormalise(u, cols, norms[j])) cols.push(u);
    else cols.push(completion(cols, m));
  }
  while (fullU && cols.length < m) cols.push(completion(cols, m));
  const ut = new Float64Array(m * cols.length);
  cols.forEach((c, j) => ut.set(c, j * m));
  const vt = new Float64Array(n * n);
  order.forEach((src, dst) => vt.set(v.subarray(src * n, (src + 1) * n), dst * n));
  return [s, ut, vt];
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
