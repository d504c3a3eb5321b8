/**
 * Fast Fourier transforms of complex rows held as separate real and imaginary float64 arrays,
 * in O(n log n) for every length n, computing X_k = Σ_j x_j e^(−2πi jk/n) (or e^(+2πi jk/n)
 * for the unnormalised inverse), with a plain O(n²) DFT beside them as the reference.
 *
 * Three algorithms, chosen per length by {@link fftPlan}:
 * - n a power of two: iterative radix-2 Cooley-Tukey (bit-reversal permutation, then log₂ n
 *   passes of butterflies X = A + w B, X' = A − w B).
 * - n whose prime factors are all ≤ 7: recursive mixed-radix decimation in time. With n = p m,
 *   X_{k + q m} = Σ_r W_n^(rk) Y_r[k] W_p^(rq), where Y_r is the length-m transform of the
 *   samples x_{r + p j}; radix 2 has a two-point butterfly, other radices a direct p-point sum.
 * - any other n: Bluestein's chirp-z. From 2jk = j² + k² − (k − j)²,
 *   X_k = c̄_k Σ_j (x_j c̄_j) c_(k−j) with c_j = e^(iπ j²/n): a linear convolution, done by
 *   power-of-two transforms of size M ≥ 2n − 1.
 *
 * Accuracy: every twiddle factor is computed directly (cos and sin of 2π j/N, and the chirp
 * from j² mod 2n exactly in integers), never by recurrence, and everything accumulates in
 * float64, so the error grows with log n: for the power-of-two and mixed-radix paths
 * ‖X̂ − X‖₂ ≤ 2·log₂(n)·ε·‖X‖₂ in practice, and for Bluestein ≤ 4·log₂(M)·ε·‖X‖₂ (ε = 2⁻⁵³;
 * tests/kernels_fft_test.ts checks a bound of 3x these against a float64 reference DFT).
 *
 * The inverse uses conj(F(conj(x))) = F⁻¹ x (unnormalised); callers scale by 1/n.
 * @module
 */

/** What a length needs, computed once and cached: twiddles, and Bluestein's chirp. */
interface Plan {
  readonly n: number;
  readonly kind: "radix2" | "mixed" | "bluestein";
  /** cos and sin of 2π j / n, j < n (radix2, mixed). */
  readonly cos: Float64Array;
  readonly sin: Float64Array;
  /** mixed: the radices, outermost first. */
  readonly factors: number[];
  /** bluestein: the chirp e^(−iπ j²/n), j < n, and the transform of its conjugate filter. */
  readonly chirpRe: Float64Array;
  readonly chirpIm: Float64Array;
  readonly filterRe: Float64Array;
  readonly filterIm: Float64Array;
  /** bluestein: the power-of-two plan of the convolution length M. */
  readonly inner?: Plan;
}

const EMPTY = new Float64Array(0);
const cache = new Map<number, Plan>();
const CACHE_SIZE = 32;

/** The prime factors of n (ascending), or null when one exceeds 7. */
function smallFactors(n: number): number[] | null {
  const out: number[] = [];
  for (const p of [2, 3, 5, 7]) {
    while (n % p === 0) {
      out.push(p);
      n /= p;
    }
  }
  return n === 1 ? out : null;
}

function twiddles(n: number): [Float64Array, Float64Array] {
  const c = new Float64Array(n), s = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const t = (2 * Math.PI * j) / n;
    c[j] = Math.cos(t);
    s[j] = Math.sin(t);
  }
  return [c, s];
}

/** The cached plan for length n (n ≥ 1). */
export function fftPlan(n: number): Plan {
  const hit = cache.get(n);
  if (hit) {
    cache.delete(n); // most recently used last
    cache.set(n, hit);
    return hit;
  }
  let plan: Plan;
  const factors = smallFactors(n);
  if ((n & (n - 1)) === 0 || factors) {
    const [c, s] = twiddles(n);
    const kind = (n & (n - 1)) === 0 ? "radix2" : "mixed";
    plan = {
      n,
      kind,
      cos: c,
      sin: s,
      factors: factors ?? [],
      chirpRe: EMPTY,
      chirpIm: EMPTY,
      filterRe: EMPTY,
      filterIm: EMPTY,
    };
  } else {
    let m = 1;
    while (m < 2 * n - 1) m *= 2;
    const inner = fftPlan(m);
    const chirpRe = new Float64Array(n), chirpIm = new Float64Array(n);
    // j² mod 2n by the recurrence (j + 1)² = j² + 2j + 1, exact in integers
    for (let j = 0, sq = 0; j < n; j++) {
      const t = (Math.PI * sq) / n;
      chirpRe[j] = Math.cos(t);
      chirpIm[j] = -Math.sin(t);
      sq = (sq + 2 * j + 1) % (2 * n);
    }
    // the filter c_j = conj(chirp_j) at j and at M − j (the negative lags)
    const fRe = new Float64Array(m), fIm = new Float64Array(m);
    for (let j = 0; j < n; j++) {
      fRe[j] = chirpRe[j];
      fIm[j] = -chirpIm[j];
      if (j > 0) {
        fRe[m - j] = chirpRe[j];
        fIm[m - j] = -chirpIm[j];
      }
    }
    radix2(fRe, fIm, 0, inner);
    plan = {
      n,
      kind: "bluestein",
      cos: EMPTY,
      sin: EMPTY,
      factors: [],
      chirpRe,
      chirpIm,
      filterRe: fRe,
      filterIm: fIm,
      inner,
    };
  }
  cache.set(n, plan);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return plan;
}

/** In-place forward radix-2 transform of re/im[off, off + n). */
function radix2(re: Float64Array, im: Float64Array, off: number, plan: Plan): void {
  const n = plan.n, c = plan.cos, s = plan.sin;
  // bit-reversal permutation
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const a = off + i, b = off + j;
      let t = re[a];
      re[a] = re[b];
      re[b] = t;
      t = im[a];
      im[a] = im[b];
      im[b] = t;
    }
  }
  // butterflies: w = e^(−2πi k/size) = cos − i sin of the table at k·(n/size)
  for (let size = 2; size <= n; size *= 2) {
    const half = size >> 1, step = n / size;
    for (let start = off; start < off + n; start += size) {
      for (let k = 0; k < half; k++) {
        const wr = c[k * step], wi = -s[k * step];
        const a = start + k, b = a + half;
        const br = re[b] * wr - im[b] * wi, bi = re[b] * wi + im[b] * wr;
        re[b] = re[a] - br;
        im[b] = im[a] - bi;
        re[a] += br;
        im[a] += bi;
      }
    }
  }
}

/**
 * Mixed-radix decimation in time: writes the transform of the n samples x[off + stride·j]
 * into out[outOff, outOff + n). `level` indexes the plan's factors; `n` = their product from
 * there on; the twiddle table is for the full length N (W_n^e = W_N^(e·N/n)).
 */
function mixed(
  xr: Float64Array,
  xi: Float64Array,
  off: number,
  stride: number,
  outR: Float64Array,
  outI: Float64Array,
  outOff: number,
  n: number,
  level: number,
  plan: Plan,
  tr: Float64Array,
  ti: Float64Array,
): void {
  if (n === 1) {
    outR[outOff] = xr[off];
    outI[outOff] = xi[off];
    return;
  }
  const p = plan.factors[level], m = n / p, N = plan.n, unit = N / n;
  const c = plan.cos, s = plan.sin;
  for (let r = 0; r < p; r++) {
    mixed(
      xr,
      xi,
      off + r * stride,
      stride * p,
      outR,
      outI,
      outOff + r * m,
      m,
      level + 1,
      plan,
      tr,
      ti,
    );
  }
  for (let k = 0; k < m; k++) {
    // t_r = W_n^(rk) Y_r[k]
    for (let r = 0; r < p; r++) {
      const e = r * k * unit, wr = c[e], wi = -s[e];
      const yr = outR[outOff + r * m + k], yi = outI[outOff + r * m + k];
      tr[r] = yr * wr - yi * wi;
      ti[r] = yr * wi + yi * wr;
    }
    if (p === 2) {
      const a = outOff + k, b = a + m;
      outR[a] = tr[0] + tr[1];
      outI[a] = ti[0] + ti[1];
      outR[b] = tr[0] - tr[1];
      outI[b] = ti[0] - ti[1];
      continue;
    }
    // X_{k + q m} = Σ_r t_r W_p^(rq), W_p^e = W_N^((e mod p)·N/p)
    const pu = N / p;
    for (let q = 0; q < p; q++) {
      let sr = 0, si = 0;
      for (let r = 0; r < p; r++) {
        const e = ((r * q) % p) * pu, wr = c[e], wi = -s[e];
        sr += tr[r] * wr - ti[r] * wi;
        si += tr[r] * wi + ti[r] * wr;
      }
      outR[outOff + q * m + k] = sr;
      outI[outOff + q * m + k] = si;
    }
  }
}

/** In-place forward transform of one row re/im[off, off + n) (scratch is reused). */
function forwardRow(re: Float64Array, im: Float64Array, off: number, plan: Plan): void {
  const n = plan.n;
  if (n === 1) return;
  if (plan.kind === "radix2") return radix2(re, im, off, plan);
  if (plan.kind === "mixed") {
    const xr = re.slice(off, off + n), xi = im.slice(off, off + n);
    const tr = new Float64Array(7), ti = new Float64Array(7);
    mixed(xr, xi, 0, 1, re, im, off, n, 0, plan, tr, ti);
    return;
  }
  // Bluestein: a_j = x_j chirp_j, zero-padded to M; A · F(filter); back; times chirp_k
  const inner = plan.inner!, m = inner.n;
  const cr = plan.chirpRe, ci = plan.chirpIm;
  const ar = new Float64Array(m), ai = new Float64Array(m);
  for (let j = 0; j < n; j++) {
    const xr = re[off + j], xi = im[off + j];
    ar[j] = xr * cr[j] - xi * ci[j];
    ai[j] = xr * ci[j] + xi * cr[j];
  }
  radix2(ar, ai, 0, inner);
  const fr = plan.filterRe, fi = plan.filterIm;
  // pointwise product, conjugated so that the forward transform computes the inverse
  for (let k = 0; k < m; k++) {
    const pr = ar[k] * fr[k] - ai[k] * fi[k], pi = ar[k] * fi[k] + ai[k] * fr[k];
    ar[k] = pr;
    ai[k] = -pi;
  }
  radix2(ar, ai, 0, inner);
  // undo the conjugation, divide by M, multiply by the chirp
  for (let k = 0; k < n; k++) {
    const vr = ar[k] / m, vi = -ai[k] / m;
    re[off + k] = vr * cr[k] - vi * ci[k];
    im[off + k] = vr * ci[k] + vi * cr[k];
  }
}

/**
 * Transforms `rows` contiguous rows of length n in place: re/im[r·n, (r + 1)·n) becomes
 * Σ_j x_j e^(∓2πi jk/n) (minus for forward, plus for `inverse`; no 1/n scaling).
 */
export function fftRows(
  re: Float64Array,
  im: Float64Array,
  rows: number,
  n: number,
  inverse: boolean,
): void {
  if (n === 0 || rows === 0) return;
  const plan = fftPlan(n);
  // F⁻¹x (unnormalised) = conj(F conj(x))
  if (inverse) { for (let i = 0; i < rows * n; i++) im[i] = -im[i]; }
  for (let r = 0; r < rows; r++) forwardRow(re, im, r * n, plan);
  if (inverse) { for (let i = 0; i < rows * n; i++) im[i] = -im[i]; }
}

/**
 * The reference: the O(n²) DFT of one row, with exact argument reduction (jk mod n) so each
 * twiddle is correctly rounded, and compensated (Neumaier) sums so that the reference's own
 * error stays near ε·‖X‖₂ at every n; for tests.
 */
export function dftReference(
  re: Float64Array,
  im: Float64Array,
  inverse: boolean,
): [Float64Array, Float64Array] {
  const n = re.length, sign = inverse ? 1 : -1;
  const outR = new Float64Array(n), outI = new Float64Array(n);
  const c = new Float64Array(n), s = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    c[j] = Math.cos((2 * Math.PI * j) / n);
    s[j] = sign * Math.sin((2 * Math.PI * j) / n);
  }
  const sum = (acc: Float64Array, v: number) => {
    const t = acc[0] + v;
    acc[1] += Math.abs(acc[0]) >= Math.abs(v) ? (acc[0] - t) + v : (v - t) + acc[0];
    acc[0] = t;
  };
  const accR = new Float64Array(2), accI = new Float64Array(2);
  for (let k = 0; k < n; k++) {
    accR.fill(0);
    accI.fill(0);
    for (let j = 0; j < n; j++) {
      const e = (j * k) % n;
      sum(accR, re[j] * c[e]);
      sum(accR, -im[j] * s[e]);
      sum(accI, re[j] * s[e]);
      sum(accI, im[j] * c[e]);
    }
    outR[k] = accR[0] + accR[1];
    outI[k] = accI[0] + accI[1];
  }
  return [outR, outI];
}
