/**
 * The singular value decomposition of one row-major m×n matrix (Float64Array in and out), the
 * eager kernel behind the `svd` and `pinv` primitives (which loop it over batch axes and round
 * to float32 where needed). The LAPACK-style O(mn²) method (dgesvd's path):
 * 1. Golub–Kahan bidiagonalisation of the tall orientation (a wide A is transposed):
 *    Householder reflectors alternately from the left (zeroing column k below the diagonal)
 *    and from the right (zeroing row k right of the superdiagonal) give A = U₀ B V₀ᵀ with B
 *    upper bidiagonal (diagonal d, superdiagonal e); one pass over the trailing rows per
 *    step, each reflector a rank-1 update over contiguous rows. U₀ and V₀ are accumulated
 *    (only when asked for) four reflectors at a time in compact WY form.
 * 2. Implicit-shift QR on B (Golub & Kahan; Demmel & Kahan's zero-shift sweep when the shift
 *    is negligible against the leading diagonal entry, which keeps tiny singular values
 *    relatively accurate, and which also deflates a zero on the diagonal): each sweep chases
 *    a bulge down the unreduced block with plane rotations, B ← Pᵀ B G, until the
 *    superdiagonal entries are negligible by LAPACK's relative tests.
 * 3. Signs and order: negative diagonal entries flip the matching row of Vᵀ, and the values
 *    are sorted descending, as JAX returns them.
 * U and V are kept transposed (row j of Uᵀ is the j-th left singular vector), so that every
 * rotation combines two contiguous rows. The rotations, most of the work, are queued and
 * applied sixteen sweeps at a time over column chunks that stay in cache, by a wasm SIMD
 * loop (`_svd_sweeps.ts`, the same bits as its JS loop). Should the QR iteration
 * ever fail to converge, the one-sided Jacobi reference in `_svd_jacobi.ts` takes over.
 *
 * @module
 */
import { svdJacobi } from "./_svd_jacobi.ts";
import { PendingSweeps } from "./_svd_sweeps.ts";

const EPS = 2 ** -52;

/**
 * Thin or full SVD of an m×n A = U diag(s) Vᵀ with s descending (k = min(m, n) values):
 * returns s, U (m×k, or m×m when `full`) and Vᵀ (k×n, or n×n when `full`), row-major; with
 * `vectors` false, U and Vᵀ are empty. A non-finite entry makes every output NaN. `useWasm`
 * false keeps the rotations in JS (the reference for the wasm SIMD loop; same bits).
 */
export function svdKernel(
  a: Float64Array,
  m: number,
  n: number,
  full: boolean,
  vectors = true,
  useWasm = true,
): [Float64Array, Float64Array, Float64Array] {
  const wide = m < n;
  const [rows, cols] = wide ? [n, m] : [m, n];
  const k = cols;
  const uCols = full ? m : k, vRows = full ? n : k;
  let finite = true;
  for (let i = 0; i < a.length && finite; i++) finite = Number.isFinite(a[i]);
  if (!finite) {
    const nan = (len: number) => new Float64Array(len).fill(NaN);
    return [nan(k), vectors ? nan(m * uCols) : nan(0), vectors ? nan(vRows * n) : nan(0)];
  }
  const tall = wide ? transposed(a, m, n) : a;
  // Aᵀ = U' S V'ᵀ ⇒ A = V' S U'ᵀ: a wide A's U is the transposed problem's V and vice versa
  // (its full U, the wide A's full Vᵀ)
  const [s, ut, vt] = cols <= SMALL_COLS
    ? smallSvd(tall, rows, cols, vectors, full)
    : tallSvd(tall.slice(), rows, cols, vectors, full, useWasm) ??
      svdJacobi(tall, rows, cols, vectors, full);
  if (!vectors) return [s, new Float64Array(0), new Float64Array(0)];
  return wide ? [s, transposed(vt, m, m), ut] : [s, transposed(ut, uCols, m), vt];
}

/**
 * Up to this many columns (of the tall orientation) the one-sided Jacobi method runs instead:
 * a handful of rotations, without the bidiagonal method's reflector and sweep buffers, whose
 * allocations dominate there (10,000 3×3 matrices: 113 vs 267 ms, 2,000 8×5: 36 vs 69 ms).
 */
const SMALL_COLS = 8;

/** svdJacobi on A scaled by a power of two (exactly) where its squares would leave float64. */
function smallSvd(
  a: Float64Array,
  m: number,
  n: number,
  vectors: boolean,
  full: boolean,
): [Float64Array, Float64Array, Float64Array] {
  const scale = scaleOf(a);
  const res = svdJacobi(scale === 1 ? a : a.map((v) => v * scale), m, n, vectors, full);
  if (scale !== 1) res[0] = res[0].map((v) => v / scale);
  return res;
}

/** 1, or the power of two bringing max |a| near 1 when it is beyond 2^±400. */
function scaleOf(a: Float64Array): number {
  let amax = 0;
  for (let i = 0; i < a.length; i++) amax = Math.max(amax, Math.abs(a[i]));
  return amax > 2 ** 400 || (amax > 0 && amax < 2 ** -400) ? 2 ** -Math.round(Math.log2(amax)) : 1;
}

/** The cols×rows transpose of a rows×cols row-major matrix. */
export function transposed(x: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = x[i * cols + j];
  return t;
}

/**
 * The SVD of a finite m×n A with m ≥ n, overwritten: [s (n, descending), Uᵀ (n×m, or m×m when
 * `fullU`), Vᵀ (n×n)]; empty Uᵀ and Vᵀ without `vectors`. Null if the QR iteration does not
 * converge.
 */
function tallSvd(
  a: Float64Array,
  m: number,
  n: number,
  vectors: boolean,
  fullU: boolean,
  useWasm: boolean,
): [Float64Array, Float64Array, Float64Array] | null {
  // scale by a power of two (exactly) when sums of squares could overflow or underflow
  const scale = scaleOf(a);
  if (scale !== 1) { for (let i = 0; i < a.length; i++) a[i] *= scale; }
  const d = new Float64Array(n), e = new Float64Array(Math.max(n - 1, 0));
  const left = new Reflectors(n * m), right = new Reflectors(n * n);
  bidiagonalise(a, m, n, d, e, left, right);
  const uRows = fullU ? m : n;
  const ut = vectors ? accumulate(left, uRows, m) : new Float64Array(0);
  const vt = vectors ? accumulate(right, n, n) : new Float64Array(0);
  if (!bidiagonalQr(d, e, vectors ? ut : null, m, vectors ? vt : null, n, useWasm)) return null;
  // A = U B Vᵀ with B = diag(d): |d_i| with row i of Vᵀ negated where d_i < 0, descending
  for (let i = 0; i < n; i++) {
    if (d[i] < 0 && vectors) { for (let c = 0; c < n; c++) vt[i * n + c] = -vt[i * n + c]; }
    d[i] = Math.abs(d[i]); // −0 too
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => d[j] - d[i] || i - j);
  const s = Float64Array.from(order, (i) => d[i] / scale);
  if (!vectors) return [s, ut, vt];
  return [s, permuteRows(ut, order, m), permuteRows(vt, order, n)];
}

/** Rows `order[0], order[1], …` of x (row length len) as its first rows; the rest stay. */
function permuteRows(x: Float64Array, order: number[], len: number): Float64Array {
  const out = x.slice();
  for (let dst = 0; dst < order.length; dst++) {
    const from = order[dst] * len, to = dst * len;
    for (let j = 0; j < len; j++) out[to + j] = x[from + j];
  }
  return out;
}

/**
 * Householder reflectors H_k = I − τ_k v_k v_kᵀ acting on coordinates at_k, at_k + 1, …, with
 * v_k[0] = 1; the vectors share one buffer (v_k = buf[off_k, off_k + len_k)), so that building
 * them allocates nothing per step (typed-array allocations dominate tiny matrices).
 */
class Reflectors {
  readonly buf: Float64Array;
  readonly at: number[] = [];
  readonly off: number[] = [];
  readonly len: number[] = [];
  readonly tau: number[] = [];
  #top = 0;

  constructor(size: number) {
    this.buf = new Float64Array(size);
  }

  /**
   * Appends the reflector that maps x = src[from, from + len) to β e₁ with β = −sign(x₀)‖x‖
   * (LAPACK's convention): v = (x − β e₁)/(x₀ − β), τ = (β − x₀)/β; τ = 0 (H = I, β = x₀)
   * when x is already β e₁. Returns β.
   */
  add(src: Float64Array, from: number, len: number, at: number): number {
    const v = this.buf, off = this.#top;
    this.#top += len;
    this.at.push(at), this.off.push(off), this.len.push(len);
    const alpha = src[from];
    let tail = 0;
    for (let i = 1; i < len; i++) tail += src[from + i] * src[from + i];
    v[off] = 1;
    if (tail === 0) {
      for (let i = 1; i < len; i++) v[off + i] = 0;
      this.tau.push(0);
      return alpha;
    }
    const beta = (alpha >= 0 ? -1 : 1) * Math.hypot(alpha, Math.sqrt(tail));
    const inv = 1 / (alpha - beta);
    for (let i = 1; i < len; i++) v[off + i] = src[from + i] * inv;
    this.tau.push((beta - alpha) / beta);
    return beta;
  }
}

/**
 * A (m×n, m ≥ n, row-major) = H₀ ⋯ H_{n−1} B G_{n−3} ⋯ G₀ with B upper bidiagonal: for each
 * k, H_k zeroes A[k+1:, k] (A ← H_k A = A − τ v tᵀ with t = Aᵀv) and G_k zeroes A[k, k+2:]
 * (A ← A G_k: each row r ← r − τ (r·u) uᵀ). Fills d, e and the reflectors.
 *
 * One pass over the trailing rows per k: with x = A[k:, k] and v = (1, x₁/(x₀ − β), …),
 * t = A[k, k+1:] + Σ_{i≥1} x_i A[k+i, k+1:] / (x₀ − β), and that sum (`tail`) is gathered
 * while the previous pass finishes each row, so a row is read once to apply H_k and G_k and
 * to add its share to the next step's sum.
 */
function bidiagonalise(
  a: Float64Array,
  m: number,
  n: number,
  d: Float64Array,
  e: Float64Array,
  left: Reflectors,
  right: Reflectors,
): void {
  let col = new Float64Array(m), nextCol = new Float64Array(m); // col[i] = A[k+i, k]
  let tail = new Float64Array(n), nextTail = new Float64Array(n);
  const t = new Float64Array(n);
  for (let i = 0; i < m; i++) col[i] = a[i * n];
  for (let i = 1; i < m; i++) {
    const xi = col[i], row = i * n + 1;
    if (xi !== 0) { for (let j = 0; j < n - 1; j++) tail[j] += xi * a[row + j]; }
  }
  for (let k = 0; k < n; k++) {
    const len = m - k, o = k + 1, w = n - k - 1; // trailing columns o … n−1
    const beta = left.add(col, 0, len, k);
    d[k] = beta;
    if (w === 0) break;
    const rowK = k * n + o, tau = left.tau[k], v = left.buf, vOff = left.off[k] - k;
    if (tau !== 0) {
      const inv = 1 / (col[0] - beta);
      for (let j = 0; j < w; j++) t[j] = a[rowK + j] + tail[j] * inv;
      for (let j = 0; j < w; j++) a[rowK + j] -= tau * t[j];
    }
    // G_k from A[k, k+1:] (a single entry needs none: e_k is that entry)
    e[k] = w > 1 ? right.add(a, rowK, w, o) : a[rowK];
    const tauG = w > 1 ? right.tau[k] : 0, u = right.buf, uOff = w > 1 ? right.off[k] : 0;
    nextTail.fill(0, 0, w);
    for (let r = k + 1; r < m; r++) {
      const row = r * n + o, f = tau * v[vOff + r];
      let s = 0;
      if (f !== 0 && tauG !== 0) {
        for (let j = 0; j < w; j++) {
          const x = a[row + j] - f * t[j];
          a[row + j] = x;
          s += x * u[uOff + j];
        }
      } else if (f !== 0) {
        for (let j = 0; j < w; j++) a[row + j] -= f * t[j];
      } else if (tauG !== 0) {
        for (let j = 0; j < w; j++) s += a[row + j] * u[uOff + j];
      }
      s *= tauG;
      const xn = a[row] - s; // v(G_k)[0] = 1: the row's entry in column k + 1, after G_k
      a[row] = xn;
      nextCol[r - o] = xn;
      if (r === o || xn === 0) {
        if (s !== 0) { for (let j = 1; j < w; j++) a[row + j] -= s * u[uOff + j]; }
      } else if (s !== 0) {
        for (let j = 1; j < w; j++) {
          const x = a[row + j] - s * u[uOff + j];
          a[row + j] = x;
          nextTail[j - 1] += xn * x;
        }
      } else {
        for (let j = 1; j < w; j++) nextTail[j - 1] += xn * a[row + j];
      }
    }
    [col, nextCol] = [nextCol, col];
    [tail, nextTail] = [nextTail, tail];
  }
}

/**
 * The first `rows` rows of (H_first ⋯ H_last)ᵀ = H_last ⋯ H_first (each H symmetric) as a
 * rows×len row-major matrix, built from the identity as X ← X H from the last reflector back.
 * Going back, every reflector acts on coordinates at or after the current one's offset, so a
 * row r < `at` is still the unit vector e_r, zero where H acts: only rows ≥ `at` change.
 * Four reflectors at a time, as one product H_k H_{k−1} H_{k−2} H_{k−3} = I − Y T Yᵀ (compact
 * WY: Y's columns the four vectors on a common offset, T upper triangular), so each row is
 * read twice per four reflectors: w = x Y, then x ← x − (w T) Yᵀ.
 */
function accumulate(hs: Reflectors, rows: number, len: number): Float64Array {
  const x = new Float64Array(rows * len);
  for (let i = 0; i < Math.min(rows, len); i++) x[i * len + i] = 1;
  const { buf, at, off, tau } = hs;
  let k = at.length - 1;
  const blocked = k >= 3 ? len : 0; // Y and T only when there is a block of four
  const y0 = new Float64Array(blocked), y1 = new Float64Array(blocked);
  const y2 = new Float64Array(blocked), y3 = new Float64Array(blocked);
  const y = [y0, y1, y2, y3], t = new Float64Array(blocked && 16);
  for (; k >= 3; k -= 4) {
    const base = at[k - 3], width = len - base;
    // Y's columns: v_k, v_{k−1}, v_{k−2}, v_{k−3} at offsets 3, 2, 1, 0 from `base`
    for (let b = 0; b < 4; b++) {
      const yb = y[b], from = off[k - b], l = hs.len[k - b];
      for (let j = 0; j < 3 - b; j++) yb[j] = 0;
      for (let j = 0; j < l; j++) yb[3 - b + j] = buf[from + j];
    }
    // T for H₁ ⋯ H_j = (H₁ ⋯ H_{j−1}) H_j: T ← [[T, −τ_j T Y_{<j}ᵀ y_j], [0, τ_j]]
    t.fill(0);
    for (let c = 0; c < 4; c++) {
      const tc = tau[k - c];
      t[c * 4 + c] = tc;
      for (let r = 0; r < c; r++) {
        let z = 0;
        for (let q = r; q < c; q++) z += t[r * 4 + q] * dotOf(y[q], y[c], width);
        t[r * 4 + c] = -tc * z;
      }
    }
    for (let r = base; r < rows; r++) {
      const row = r * len + base;
      let w0 = 0, w1 = 0, w2 = 0, w3 = 0;
      for (let j = 0; j < width; j++) {
        const xj = x[row + j];
        w0 += xj * y0[j], w1 += xj * y1[j], w2 += xj * y2[j], w3 += xj * y3[j];
      }
      // (w T)_c = Σ_{r ≤ c} w_r T_rc
      const f0 = w0 * t[0];
      const f1 = w0 * t[1] + w1 * t[5];
      const f2 = w0 * t[2] + w1 * t[6] + w2 * t[10];
      const f3 = w0 * t[3] + w1 * t[7] + w2 * t[11] + w3 * t[15];
      if (f0 === 0 && f1 === 0 && f2 === 0 && f3 === 0) continue;
      for (let j = 0; j < width; j++) {
        x[row + j] -= f0 * y0[j] + f1 * y1[j] + f2 * y2[j] + f3 * y3[j];
      }
    }
  }
  for (; k >= 0; k--) {
    if (tau[k] === 0) continue;
    const a0 = at[k], v0 = off[k], l = hs.len[k];
    for (let r = a0; r < rows; r++) {
      const row = r * len + a0;
      let s = 0;
      for (let j = 0; j < l; j++) s += x[row + j] * buf[v0 + j];
      if (s === 0) continue;
      s *= tau[k];
      for (let j = 0; j < l; j++) x[row + j] -= s * buf[v0 + j];
    }
  }
  return x;
}

/** The dot product of the first `len` entries of two vectors. */
function dotOf(a: Float64Array, b: Float64Array, len: number): number {
  let s = 0;
  for (let i = 0; i < len; i++) s += a[i] * b[i];
  return s;
}

/** (c, s, r) with c f + s g = r and −s f + c g = 0, r = ±hypot(f, g); (1, 0, f) when g = 0. */
function givens(f: number, g: number): [number, number, number] {
  if (g === 0) return [1, 0, f];
  const r = Math.hypot(f, g);
  return [f / r, g / r, r];
}

/**
 * Diagonalises the upper bidiagonal B = (d, e) (n×n) by implicit-shift QR, applying the left
 * rotations to the rows of ut (row length m) and the right ones to the rows of vt (row length
 * n) when given. False if a singular value takes more than 30 sweeps on average.
 *
 * The tests for a negligible e_i are relative, so that small singular values keep their
 * relative accuracy (as LAPACK's dbdsqr): along a block, μ_{i+1} = |d_{i+1}| μ_i / (μ_i +
 * |e_i|) (μ_lo = |d_lo|) estimates the smallest singular value of its leading part, and
 * |e_i| ≤ tol · μ_i splits it; blocks split anywhere at |e_i| ≤ thresh, tol times an estimate
 * of the smallest singular value of B. A block whose estimate is tiny next to its largest
 * entry (a zero on the diagonal included) gets zero-shift sweeps.
 */
function bidiagonalQr(
  d: Float64Array,
  e: Float64Array,
  ut: Float64Array | null,
  m: number,
  vt: Float64Array | null,
  n: number,
  useWasm: boolean,
): boolean {
  const tol = 90 * EPS; // LAPACK's eps^(7/8), within 10…100 eps
  let mu = Math.abs(d[0]), smin = mu;
  for (let i = 1; i < n && mu !== 0; i++) {
    mu = Math.abs(d[i]) * (mu / (mu + Math.abs(e[i - 1])));
    smin = Math.min(smin, mu);
  }
  const thresh = Math.max(tol * smin / Math.sqrt(n), 1e-300);
  const pending = new PendingSweeps(vt, ut, m, n, useWasm);
  const [vc, vs, uc, us] = pending.buffers();
  let hi = n - 1, sweeps = 0;
  sweep: while (hi > 0) {
    if (Math.abs(e[hi - 1]) <= thresh || Math.abs(e[hi - 1]) <= tol * Math.abs(d[hi])) {
      e[hi - 1] = 0;
      hi--;
      continue;
    }
    if (++sweeps > 30 * n) return false;
    let lo = hi - 1;
    while (lo > 0 && Math.abs(e[lo - 1]) > thresh) lo--;
    if (lo > 0) e[lo - 1] = 0;
    let muI = Math.abs(d[lo]), sminBlock = muI, smax = 0;
    for (let i = lo; i < hi; i++) {
      if (Math.abs(e[i]) <= tol * muI) {
        e[i] = 0;
        continue sweep;
      }
      muI = Math.abs(d[i + 1]) * (muI / (muI + Math.abs(e[i])));
      sminBlock = Math.min(sminBlock, muI);
      smax = Math.max(smax, Math.abs(d[i]), Math.abs(e[i]));
    }
    smax = Math.max(smax, Math.abs(d[hi]));
    // the Wilkinson shift: the eigenvalue of BᵀB's trailing 2×2 nearer its last entry; none
    // when it is negligible next to d_lo², or the block nearly singular
    let shift = 0;
    if ((hi - lo + 1) * tol * (sminBlock / smax) > Math.max(EPS, 0.01 * tol)) {
      const dm = d[hi - 1], dn = d[hi], em = e[hi - 1], el = hi - 1 > lo ? e[hi - 2] : 0;
      const p = dm * dm + el * el, q = dm * em, r = dn * dn + em * em;
      const delta = (p - r) / 2;
      shift = q === 0 ? r : r - q * q / (delta + (delta >= 0 ? 1 : -1) * Math.hypot(delta, q));
      if (!(shift >= EPS * d[lo] * d[lo])) shift = 0;
    }
    const at = pending.offset();
    if (shift === 0) zeroShiftSweep(d, e, lo, hi, uc, us, vc, vs, at);
    else shiftedSweep(d, e, lo, hi, shift, uc, us, vc, vs, at);
    pending.push(lo, hi);
  }
  pending.finish();
  return true;
}

/**
 * One Golub–Kahan step with shift μ on the block lo…hi: a right rotation on columns (k, k+1)
 * chosen from (d_lo² − μ, d_lo e_lo) at k = lo, then from (e_{k−1}, bulge) to zero the bulge
 * above the superdiagonal, and a left rotation on rows (k, k+1) zeroing the bulge below the
 * diagonal. Rotation k is recorded at `at` + k of (vc, vs) and (uc, us).
 */
function shiftedSweep(
  d: Float64Array,
  e: Float64Array,
  lo: number,
  hi: number,
  mu: number,
  uc: Float64Array,
  us: Float64Array,
  vc: Float64Array,
  vs: Float64Array,
  at: number,
): void {
  let y = (d[lo] - Math.sqrt(mu)) * (d[lo] + Math.sqrt(mu)), z = d[lo] * e[lo];
  for (let k = lo; k < hi; k++) {
    // B ← B G on columns k, k+1
    let [c, s, r] = givens(y, z);
    vc[at + k] = c, vs[at + k] = s;
    if (k > lo) e[k - 1] = r;
    const dk = d[k], ek = e[k];
    d[k] = c * dk + s * ek;
    e[k] = c * ek - s * dk;
    z = s * d[k + 1]; // the bulge at (k+1, k)
    d[k + 1] *= c;
    // B ← Pᵀ B on rows k, k+1
    [c, s, r] = givens(d[k], z);
    uc[at + k] = c, us[at + k] = s;
    d[k] = r;
    const ek2 = e[k], dk1 = d[k + 1];
    e[k] = c * ek2 + s * dk1;
    d[k + 1] = c * dk1 - s * ek2;
    if (k < hi - 1) {
      z = s * e[k + 1]; // the bulge at (k, k+2)
      e[k + 1] *= c;
      y = e[k];
    }
  }
}

/**
 * Demmel and Kahan's zero-shift QR sweep on the block lo…hi: the μ = 0 step rearranged so that
 * no entry is formed by a subtraction, which keeps every singular value to high relative
 * accuracy. The right rotation at k is built from (d_k c_{k−1}, e_k), the left one from
 * (r c'_{k−1}, d_{k+1} s_k), r the previous right rotation's length.
 */
function zeroShiftSweep(
  d: Float64Array,
  e: Float64Array,
  lo: number,
  hi: number,
  uc: Float64Array,
  us: Float64Array,
  vc: Float64Array,
  vs: Float64Array,
  at: number,
): void {
  let c = 1, oldC = 1, oldS = 0;
  for (let k = lo; k < hi; k++) {
    const [c1, s1, r] = givens(d[k] * c, e[k]);
    c = c1;
    vc[at + k] = c1, vs[at + k] = s1;
    if (k > lo) e[k - 1] = oldS * r;
    const [c2, s2, r2] = givens(oldC * r, d[k + 1] * s1);
    oldC = c2, oldS = s2, d[k] = r2;
    uc[at + k] = c2, us[at + k] = s2;
  }
  const h = d[hi] * c;
  d[hi] = h * oldC;
  e[hi - 1] = h * oldS;
}
