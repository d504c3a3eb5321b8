/**
 * `np.fft`: discrete Fourier transforms on **real/imaginary pairs**. difftrace has no complex
 * dtype yet, so a complex array is a pair `[re, im]` of float arrays of one shape, and every
 * transform returns such a pair (real-output transforms such as `irfft` return one array).
 *
 * Each 1-D transform is a product with the n×n DFT matrix, split into its cosine and sine
 * parts: for X_k = Σ_j x_j e^(∓2πi jk/n),
 *   Re X = Re x · C ± Im x · S,   Im X = Im x · C ∓ Re x · S,   C_jk = cos(2πjk/n), S_jk = sin(2πjk/n).
 * That is O(n²) per transform (no fast algorithm yet), exact to rounding, and made only of
 * matmuls, so grad, vmap and jit need nothing new.
 *
 * @module
 */
import * as lax from "../core/_lax.ts";
import { bind1 } from "../core/_trace.ts";
import { isFloat } from "../core/_dtype.ts";
import { type ArrayLike, ArrayValue, NDArray } from "../core/_ndarray.ts";
import { asArrayValue } from "./_base.ts";
import { fmtShape, normalizeAxis } from "../core/_shape.ts";
import { checkInt, show } from "../core/_validate.ts";
import { roll } from "./_arrange.ts";

/** A complex array as its real and imaginary parts (float arrays of one shape). */
export type ComplexPair = [re: NDArray, im: NDArray];

/** A real array, or a complex one as `[re, im]`. */
export type ComplexLike = ArrayLike | readonly [ArrayLike, ArrayLike];

function pair(op: string, x: ComplexLike): ComplexPair {
  let re: NDArray, im: NDArray | undefined;
  if (Array.isArray(x)) {
    if (x.length !== 2) {
      throw new TypeError(
        `np.fft.${op}: a complex input is a pair [re, im], got ${x.length} items.`,
      );
    }
    re = asArrayValue(`np.fft.${op}`, x[0]);
    im = asArrayValue(`np.fft.${op}`, x[1]);
  } else if (x instanceof NDArray || typeof x === "number") re = asArrayValue(`np.fft.${op}`, x);
  else throw new TypeError(`np.fft.${op}: expected an array or a pair [re, im], got ${show(x)}.`);
  const dtype = re.dtype === "float64" || im?.dtype === "float64" ? "float64" : "float32";
  re = lax.convert(re, dtype);
  im = im ? lax.convert(im, dtype) : lax.full(re, 0);
  if (re.ndim !== im.ndim || re.shape.some((d, i) => d !== im!.shape[i])) {
    throw new TypeError(
      `np.fft.${op}: re ${fmtShape(re.shape)} and im ${fmtShape(im.shape)} must have one shape.`,
    );
  }
  return [re, im];
}

/** x with axis `ax` cut or zero-padded to n. */
function resize(x: NDArray, ax: number, n: number): NDArray {
  const m = x.shape[ax];
  if (m === n) return x;
  if (m > n) {
    return bind1("slice", [x], {
      starts: x.shape.map(() => 0),
      stops: x.shape.map((d, i) => (i === ax ? n : d)),
      steps: x.shape.map(() => 1),
    });
  }
  return bind1("pad", [x], {
    lo: x.shape.map(() => 0),
    hi: x.shape.map((_, i) => (i === ax ? n - m : 0)),
    interior: x.shape.map(() => 0),
  });
}

/** cos(2πjk/n) and sin(2πjk/n) for j < rows, k < cols, in `dtype`. */
function trig(rows: number, cols: number, n: number, like: NDArray): [NDArray, NDArray] {
  const c = new Float64Array(rows * cols), s = new Float64Array(rows * cols);
  for (let j = 0; j < rows; j++) {
    for (let k = 0; k < cols; k++) {
      const t = (2 * Math.PI * ((j * k) % n)) / n;
      c[j * cols + k] = Math.cos(t);
      s[j * cols + k] = Math.sin(t);
    }
  }
  const mk = (d: Float64Array) =>
    lax.convert(new ArrayValue(d, [rows, cols], "float64"), like.dtype);
  return [mk(c), mk(s)];
}

/** Applies [rows, cols] matrices along axis `ax` (moved last and back). */
function alongAxis(x: NDArray, ax: number, f: (last: NDArray) => NDArray): NDArray {
  const r = x.ndim;
  const perm = [...Array(r).keys()].filter((i) => i !== ax).concat([ax]);
  const moved = lax.transpose(x, perm);
  const lead = moved.shape.slice(0, -1);
  const flat = lax.reshape(moved, [lead.reduce((p, d) => p * d, 1), moved.shape[r - 1]]);
  const out = f(flat);
  const back = lax.reshape(out, [...lead, out.shape[1]]);
  const inv = [...Array(r).keys()];
  perm.forEach((p, i) => (inv[p] = i));
  return lax.transpose(back, inv);
}

function dft(
  op: string,
  x: ComplexLike,
  n: number | undefined,
  axis: number,
  inverse: boolean,
): ComplexPair {
  let [re, im] = pair(op, x);
  if (re.ndim === 0) throw new TypeError(`np.fft.${op}: needs at least one axis, got a scalar.`);
  const ax = normalizeAxis(`np.fft.${op}`, axis, re.ndim);
  const len = n ?? re.shape[ax];
  checkInt(`np.fft.${op}`, "n", len, 1);
  re = resize(re, ax, len);
  im = resize(im, ax, len);
  const [c, s] = trig(len, len, len, re);
  const sign = inverse ? -1 : 1;
  const scale = inverse ? 1 / len : 1;
  const mm = (v: NDArray, m: NDArray) => alongAxis(v, ax, (last) => lax.matmul(last, m));
  // forward: Re X = Re x·C + Im x·S, Im X = Im x·C − Re x·S; the inverse flips the sine terms
  const outRe = lax.add(mm(re, c), lax.scale(mm(im, s), sign));
  const outIm = lax.sub(mm(im, c), lax.scale(mm(re, s), sign));
  return [lax.scale(outRe, scale), lax.scale(outIm, scale)];
}

/**
 * The 1-D discrete Fourier transform along `axis`: X_k = Σ_j x_j e^(−2πi jk/n).
 * @param x A real array or a pair [re, im].
 * @param n Transform length (crops or zero-pads; default: the axis length).
 * @param axis The axis (default −1).
 * @returns `[re, im]`.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const [re, im] = np.fft.fft(np.array([1, 0, 0, 0]));
 * assert.deepEqual(re.toArray(), [1, 1, 1, 1]);
 * assert.deepEqual(im.toArray(), [0, 0, 0, 0]);
 * ```
 */
export function fft(x: ComplexLike, n?: number, axis = -1): ComplexPair {
  return dft("fft", x, n, axis, false);
}

/**
 * The inverse 1-D transform: x_j = (1/n) Σ_k X_k e^(2πi jk/n).
 * @param x A real array or a pair [re, im].
 * @param n Transform length.
 * @param axis The axis (default −1).
 * @returns `[re, im]`.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const [re] = np.fft.ifft(np.fft.fft(np.array([1, 2, 3])));
 * assert.ok(Math.abs(Number(re.index(1).item()) - 2) < 1e-5);
 * ```
 */
export function ifft(x: ComplexLike, n?: number, axis = -1): ComplexPair {
  return dft("ifft", x, n, axis, true);
}

/**
 * The transform of real input, keeping the n/2 + 1 non-negative frequencies.
 * @param x A real array.
 * @param n Transform length.
 * @param axis The axis (default −1).
 * @returns `[re, im]` with n/2 + 1 entries along the axis.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const [re] = np.fft.rfft(np.array([1, 1, 1, 1]));
 * assert.deepEqual(Array.from(re.toTypedArray(), (v) => Math.round(v * 1e6) / 1e6 + 0), [4, 0, 0]);
 * ```
 */
export function rfft(x: ArrayLike, n?: number, axis = -1): ComplexPair {
  let a = asArrayValue("np.fft.rfft", x);
  if (!isFloat(a.dtype)) a = lax.convert(a, "float32");
  if (a.ndim === 0) throw new TypeError("np.fft.rfft: needs at least one axis, got a scalar.");
  const ax = normalizeAxis("np.fft.rfft", axis, a.ndim);
  const len = n ?? a.shape[ax];
  checkInt("np.fft.rfft", "n", len, 1);
  a = resize(a, ax, len);
  const m = Math.floor(len / 2) + 1;
  const [c, s] = trig(len, m, len, a);
  const re = alongAxis(a, ax, (last) => lax.matmul(last, c));
  const im = lax.neg(alongAxis(a, ax, (last) => lax.matmul(last, s)));
  return [re, im];
}

/**
 * The inverse of `rfft`: the real signal of length n (default 2(m − 1)) whose non-negative
 * frequencies are the m given ones (the imaginary parts at frequency 0 and n/2 are ignored).
 * @param x A pair [re, im] (or a real array) of m frequencies along the axis.
 * @param n Output length.
 * @param axis The axis (default −1).
 * @returns The real signal.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const x = np.array([1, 2, 3, 4]);
 * const back = np.fft.irfft(np.fft.rfft(x), 4);
 * assert.ok(Math.abs(Number(back.index(2).item()) - 3) < 1e-5);
 * ```
 */
export function irfft(x: ComplexLike, n?: number, axis = -1): NDArray {
  const [re0, im0] = pair("irfft", x);
  if (re0.ndim === 0) throw new TypeError("np.fft.irfft: needs at least one axis, got a scalar.");
  const ax = normalizeAxis("np.fft.irfft", axis, re0.ndim);
  const len = n ?? 2 * (re0.shape[ax] - 1);
  checkInt("np.fft.irfft", "n", len, 1);
  const m = Math.floor(len / 2) + 1;
  const re = resize(re0, ax, m), im = resize(im0, ax, m);
  // x_j = (1/n) Σ_k w_k (Re X_k cos θ − Im X_k sin θ), θ = 2πjk/n, w_k = 2 except at k = 0
  // and k = n/2 (the Hermitian mirror counts the other frequencies twice)
  const [c, s] = trig(m, len, len, re);
  const w = new Float64Array(m).map((_, k) => (k === 0 || 2 * k === len ? 1 : 2) / len);
  const wm = lax.convert(new ArrayValue(w, [m, 1], "float64"), re.dtype);
  const cw = lax.mul(c, lax.broadcast(wm, [m, len]));
  const sw = lax.mul(s, lax.broadcast(wm, [m, len]));
  return lax.sub(
    alongAxis(re, ax, (last) => lax.matmul(last, cw)),
    alongAxis(im, ax, (last) => lax.matmul(last, sw)),
  );
}

/**
 * The n-dimensional transform over `axes` (all by default).
 * @param x A real array or a pair [re, im].
 * @param axes The axes.
 * @returns `[re, im]`.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.fft.fftn(np.ones([2, 2]))[0].index(0, 0).item(), 4);
 * ```
 */
export function fftn(x: ComplexLike, axes?: readonly number[]): ComplexPair {
  let out = pair("fftn", x);
  const list = axes ?? [...Array(out[0].ndim).keys()];
  for (const ax of list) out = dft("fftn", out, undefined, ax, false);
  return out;
}

/**
 * The inverse n-dimensional transform over `axes` (all by default).
 * @param x A real array or a pair [re, im].
 * @param axes The axes.
 * @returns `[re, im]`.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.fft.ifftn(np.ones([2, 2]))[0].index(0, 0).item(), 1);
 * ```
 */
export function ifftn(x: ComplexLike, axes?: readonly number[]): ComplexPair {
  let out = pair("ifftn", x);
  const list = axes ?? [...Array(out[0].ndim).keys()];
  for (const ax of list) out = dft("ifftn", out, undefined, ax, true);
  return out;
}

/**
 * The 2-D transform over the last two axes.
 * @param x A real array or a pair [re, im].
 * @returns `[re, im]`.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.fft.fft2(np.ones([2, 3]))[0].index(0, 0).item(), 6);
 * ```
 */
export function fft2(x: ComplexLike): ComplexPair {
  return fftn(x, [-2, -1]);
}

/**
 * The inverse 2-D transform over the last two axes.
 * @param x A real array or a pair [re, im].
 * @returns `[re, im]`.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.fft.ifft2(np.ones([2, 3]))[0].index(0, 0).item(), 1);
 * ```
 */
export function ifft2(x: ComplexLike): ComplexPair {
  return ifftn(x, [-2, -1]);
}

/**
 * The sample frequencies of an n-point transform with sample spacing d: [0, 1, ..., −1]/(d·n).
 * @param n The transform length.
 * @param d The sample spacing (default 1).
 * @returns float32 frequencies.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.fft.fftfreq(4).toArray(), [0, 0.25, -0.5, -0.25]);
 * ```
 */
export function fftfreq(n: number, d = 1): NDArray {
  checkInt("np.fft.fftfreq", "n", n, 1);
  const f = new Float32Array(n).map((_, i) => (i < Math.ceil(n / 2) ? i : i - n) / (d * n));
  return new ArrayValue(f, [n], "float32");
}

/**
 * The non-negative sample frequencies of an n-point real transform: [0, 1, ..., n/2]/(d·n).
 * @param n The transform length.
 * @param d The sample spacing (default 1).
 * @returns float32 frequencies.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.fft.rfftfreq(4).toArray(), [0, 0.25, 0.5]);
 * ```
 */
export function rfftfreq(n: number, d = 1): NDArray {
  checkInt("np.fft.rfftfreq", "n", n, 1);
  const f = new Float32Array(Math.floor(n / 2) + 1).map((_, i) => i / (d * n));
  return new ArrayValue(f, [f.length], "float32");
}

/**
 * Moves the zero frequency to the centre (a roll by n/2 along each axis).
 * @param x The array.
 * @param axes The axes (all by default).
 * @returns The shifted array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.fft.fftshift(np.fft.fftfreq(4)).toArray(), [-0.5, -0.25, 0, 0.25]);
 * ```
 */
export function fftshift(x: ArrayLike, axes?: readonly number[]): NDArray {
  const a = asArrayValue("np.fft.fftshift", x);
  const list = axes ?? [...Array(a.ndim).keys()];
  return roll(
    a,
    list.map((ax) => Math.floor(a.shape[normalizeAxis("np.fft.fftshift", ax, a.ndim)] / 2)),
    list,
  );
}

/**
 * The inverse of `fftshift`.
 * @param x The array.
 * @param axes The axes (all by default).
 * @returns The shifted array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.fft.ifftshift(np.fft.fftshift(np.arange(5))).toArray(), [0, 1, 2, 3, 4]);
 * ```
 */
export function ifftshift(x: ArrayLike, axes?: readonly number[]): NDArray {
  const a = asArrayValue("np.fft.ifftshift", x);
  const list = axes ?? [...Array(a.ndim).keys()];
  return roll(
    a,
    list.map((ax) => -Math.floor(a.shape[normalizeAxis("np.fft.ifftshift", ax, a.ndim)] / 2)),
    list,
  );
}
