/**
 * `np.fft`: discrete Fourier transforms on **real/imaginary pairs**. difftrace has no complex
 * dtype yet, so a complex array is a pair `[re, im]` of float arrays of one shape, and every
 * transform returns such a pair (real-output transforms such as `irfft` return one array).
 *
 * Every transform is the `fft` primitive along one axis at a time (moved last and back): an
 * O(n log n) kernel for every length (radix 2, mixed radix 2/3/5/7, or Bluestein's chirp-z;
 * `kernels/fft.ts`), accumulating in float64. The primitive is linear, so grad, jvp, vmap and
 * jit differentiate and batch it through its own rules (`interpreters/_fft_rules.ts`).
 *
 * `norm` is NumPy's: `"backward"` (default; the inverse divides by n), `"ortho"` (both by √n)
 * or `"forward"` (the forward transform divides by n).
 *
 * @module
 */
import * as lax from "../core/_lax.ts";
import { bind, bind1 } from "../core/_trace.ts";
import { type ArrayLike, NDArray } from "../core/_ndarray.ts";
import { asArrayValue } from "./_base.ts";
import { fmtShape, normalizeAxis } from "../core/_shape.ts";
import { checkChoice, checkInt, show } from "../core/_validate.ts";
import { flip } from "./_arrange.ts";

export { fftfreq, fftshift, ifftshift, rfftfreq } from "./_fft_freq.ts";

/** A complex array as its real and imaginary parts (float arrays of one shape). */
export type ComplexPair = [re: NDArray, im: NDArray];

/** A real array, or a complex one as `[re, im]`. */
export type ComplexLike = ArrayLike | readonly [ArrayLike, ArrayLike];

/** How a transform is scaled (NumPy's `norm`); `null` is `"backward"`. */
export type FftNorm = "backward" | "ortho" | "forward" | null;

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
  if (re.ndim === 0) throw new TypeError(`np.fft.${op}: needs at least one axis, got a scalar.`);
  return [re, im];
}

/** A real input as float32 or float64 (ints, bools, float16 and bfloat16 become float32, as the complex path). */
function real(op: string, x: ArrayLike): NDArray {
  let a = asArrayValue(`np.fft.${op}`, x);
  if (a.dtype !== "float64") a = lax.convert(a, "float32");
  if (a.ndim === 0) throw new TypeError(`np.fft.${op}: needs at least one axis, got a scalar.`);
  return a;
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

/** x[start:stop] along axis `ax`. */
function cut(x: NDArray, ax: number, start: number, stop: number): NDArray {
  return bind1("slice", [x], {
    starts: x.shape.map((_, i) => (i === ax ? start : 0)),
    stops: x.shape.map((d, i) => (i === ax ? stop : d)),
    steps: x.shape.map(() => 1),
  });
}

/** The factor a transform of length n is multiplied by under `norm`. */
function normScale(op: string, norm: FftNorm | undefined, n: number, inverse: boolean): number {
  const kind = checkChoice(`np.fft.${op}`, "norm", norm ?? "backward", [
    "backward",
    "ortho",
    "forward",
  ]);
  if (kind === "ortho") return 1 / Math.sqrt(n);
  return (kind === "forward") !== inverse ? 1 / n : 1;
}

/** NumPy's norm for the transform of the other direction (hfft, ihfft). */
function swapNorm(norm: FftNorm | undefined): FftNorm {
  return norm === "forward" ? "backward" : norm === "ortho" ? "ortho" : "forward";
}

/** The unscaled transform of [re, im] along axis `ax` (the `fft` primitive on the last axis). */
function transformAxis(re: NDArray, im: NDArray, ax: number, inverse: boolean): ComplexPair {
  const r = re.ndim;
  if (ax === r - 1) {
    const [a, b] = bind("fft", [re, im], { inverse });
    return [a, b];
  }
  const perm = [...Array(r).keys()].filter((i) => i !== ax).concat([ax]);
  const inv = [...Array(r).keys()];
  perm.forEach((p, i) => (inv[p] = i));
  const [a, b] = bind("fft", [lax.transpose(re, perm), lax.transpose(im, perm)], { inverse });
  return [lax.transpose(a, inv), lax.transpose(b, inv)];
}

/** The 1-D transform of a pair along `axis`, resized to n and scaled by `norm`. */
function dft(
  op: string,
  [re, im]: ComplexPair,
  n: number | null | undefined,
  axis: number,
  inverse: boolean,
  norm: FftNorm | undefined,
): ComplexPair {
  const ax = normalizeAxis(`np.fft.${op}`, axis, re.ndim);
  // an empty axis transforms to an empty axis, as in JAX (an explicit n must still be ≥ 1)
  if (n == null && re.shape[ax] === 0) return [re, im];
  const len = n ?? re.shape[ax];
  checkInt(`np.fft.${op}`, "n", len, 1);
  const scale = normScale(op, norm, len, inverse);
  const [a, b] = transformAxis(resize(re, ax, len), resize(im, ax, len), ax, inverse);
  return scale === 1 ? [a, b] : [lax.scale(a, scale), lax.scale(b, scale)];
}

/**
 * The inverse real transform along one axis: the real signal of length n whose non-negative
 * frequencies are the pair's first n/2 + 1 entries. The spectrum is completed by Hermitian
 * symmetry (X_(n−k) = conj X_k) and transformed back; the real part is the signal, so the
 * imaginary parts at frequency 0 and n/2 drop out.
 */
function irfftAxis(
  op: string,
  [re0, im0]: ComplexPair,
  n: number | null | undefined,
  axis: number,
  norm: FftNorm | undefined,
): NDArray {
  const ax = normalizeAxis(`np.fft.${op}`, axis, re0.ndim);
  // the default length 2(m − 1) is ≤ 0 for m ≤ 1: JAX gives an empty axis then
  if (n == null && re0.shape[ax] <= 1) return cut(re0, ax, 0, 0);
  const len = n ?? 2 * (re0.shape[ax] - 1);
  checkInt(`np.fft.${op}`, "n", len, 1);
  const m = Math.floor(len / 2) + 1;
  let re = resize(re0, ax, m), im = resize(im0, ax, m);
  const mirror = len - m; // entries k = m..n−1, taken from k' = n − k = n − m..1
  if (mirror > 0) {
    const join = (a: NDArray, b: NDArray) => bind1("concatenate", [a, b], { axis: ax });
    re = join(re, flip(cut(re, ax, 1, mirror + 1), ax));
    im = join(im, lax.neg(flip(cut(im, ax, 1, mirror + 1), ax)));
  }
  const [out] = transformAxis(re, im, ax, true);
  const scale = normScale(op, norm, len, true);
  return scale === 1 ? out : lax.scale(out, scale);
}

/** The axes and lengths of an n-dimensional transform (JAX's `s` and `axes`). */
function plan(
  op: string,
  ndim: number,
  s: readonly number[] | null | undefined,
  axes: readonly number[] | null | undefined,
): [number[], (number | undefined)[]] {
  if (s != null && !Array.isArray(s)) {
    throw new TypeError(`np.fft.${op}: s must be an array of lengths, got ${show(s)}.`);
  }
  if (axes != null && !Array.isArray(axes)) {
    throw new TypeError(`np.fft.${op}: axes must be an array of axes, got ${show(axes)}.`);
  }
  const list = axes ??
    (s ? [...Array(s.length).keys()].map((i) => i - s.length) : [...Array(ndim).keys()]);
  const norm = list.map((a) => normalizeAxis(`np.fft.${op}`, a, ndim));
  if (new Set(norm).size !== norm.length) {
    throw new RangeError(`np.fft.${op}: repeated axes are not supported, got [${list}].`);
  }
  if (s && s.length !== norm.length) {
    throw new TypeError(
      `np.fft.${op}: s has ${s.length} lengths but there are ${norm.length} axes; give one ` +
        `length per axis.`,
    );
  }
  return [norm, norm.map((_, i) => s?.[i])];
}

function dftn(
  op: string,
  x: ComplexLike,
  s: readonly number[] | null | undefined,
  axes: readonly number[] | null | undefined,
  inverse: boolean,
  norm: FftNorm | undefined,
): ComplexPair {
  let out = pair(op, x);
  const [list, lens] = plan(op, out[0].ndim, s, axes);
  list.forEach((ax, i) => (out = dft(op, out, lens[i], ax, inverse, norm)));
  return out;
}

/**
 * The 1-D discrete Fourier transform along `axis`: X_k = Σ_j x_j e^(−2πi jk/n).
 * @param x A real array or a pair [re, im].
 * @param n Transform length (crops or zero-pads; default: the axis length).
 * @param axis The axis (default −1).
 * @param norm Scaling: `"backward"` (default, none), `"ortho"` (1/√n) or `"forward"` (1/n).
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
export function fft(x: ComplexLike, n?: number | null, axis = -1, norm?: FftNorm): ComplexPair {
  return dft("fft", pair("fft", x), n, axis, false, norm);
}

/**
 * The inverse 1-D transform: x_j = (1/n) Σ_k X_k e^(2πi jk/n).
 * @param x A real array or a pair [re, im].
 * @param n Transform length.
 * @param axis The axis (default −1).
 * @param norm Scaling: `"backward"` (default, 1/n), `"ortho"` (1/√n) or `"forward"` (none).
 * @returns `[re, im]`.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const [re] = np.fft.ifft(np.fft.fft(np.array([1, 2, 3])));
 * assert.ok(Math.abs(Number(re.index(1).item()) - 2) < 1e-5);
 * ```
 */
export function ifft(x: ComplexLike, n?: number | null, axis = -1, norm?: FftNorm): ComplexPair {
  return dft("ifft", pair("ifft", x), n, axis, true, norm);
}

/**
 * The transform of real input, keeping the n/2 + 1 non-negative frequencies.
 * @param x A real array.
 * @param n Transform length.
 * @param axis The axis (default −1).
 * @param norm Scaling, as {@link fft}.
 * @returns `[re, im]` with n/2 + 1 entries along the axis.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const [re] = np.fft.rfft(np.array([1, 1, 1, 1]));
 * assert.deepEqual(Array.from(re.toTypedArray(), (v) => Math.round(v * 1e6) / 1e6 + 0), [4, 0, 0]);
 * ```
 */
export function rfft(x: ArrayLike, n?: number | null, axis = -1, norm?: FftNorm): ComplexPair {
  return rfftAxis("rfft", x, n, axis, norm);
}

/** `rfft` for `op` (rfft, ihfft, rfftn, rfft2), which its errors name. */
function rfftAxis(
  op: string,
  x: ArrayLike,
  n: number | null | undefined,
  axis: number,
  norm: FftNorm | undefined,
): ComplexPair {
  const a = real(op, x);
  const ax = normalizeAxis(`np.fft.${op}`, axis, a.ndim);
  if (n == null && a.shape[ax] === 0) {
    // JAX raises here too: a length-0 signal has no n/2 + 1 = 1 non-negative frequency to return
    throw new RangeError(
      `np.fft.${op}: axis ${ax} of the input ${fmtShape(a.shape)} has length 0, and a real ` +
        `FFT of an empty signal is undefined (JAX raises too). Give n ≥ 1 to zero-pad it, or ` +
        `use np.fft.fft, which maps an empty axis to an empty axis.`,
    );
  }
  const [re, im] = dft(op, [a, lax.full(a, 0)], n, ax, false, norm);
  const m = Math.floor(re.shape[ax] / 2) + 1;
  return [cut(re, ax, 0, m), cut(im, ax, 0, m)];
}

/**
 * The inverse of `rfft`: the real signal of length n (default 2(m − 1)) whose non-negative
 * frequencies are the m given ones (the imaginary parts at frequency 0 and n/2 are ignored).
 * @param x A pair [re, im] (or a real array) of m frequencies along the axis.
 * @param n Output length.
 * @param axis The axis (default −1).
 * @param norm Scaling, as {@link ifft}.
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
export function irfft(x: ComplexLike, n?: number | null, axis = -1, norm?: FftNorm): NDArray {
  return irfftAxis("irfft", pair("irfft", x), n, axis, norm);
}

/**
 * The transform of a signal with Hermitian symmetry, given its first half (NumPy's `hfft`):
 * a real spectrum of length n (default 2(m − 1)), `irfft(conj(x), n)` times n.
 * @param x A pair [re, im] (or a real array) of m entries along the axis.
 * @param n Output length.
 * @param axis The axis (default −1).
 * @param norm Scaling, as {@link fft}.
 * @returns The real spectrum.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const spectrum = np.fft.hfft(np.array([1, 0, 0]));
 * assert.deepEqual(spectrum.toArray(), [1, 1, 1, 1]);
 * ```
 */
export function hfft(x: ComplexLike, n?: number | null, axis = -1, norm?: FftNorm): NDArray {
  const [re, im] = pair("hfft", x);
  return irfftAxis("hfft", [re, lax.neg(im)], n, axis, swapNorm(norm));
}

/**
 * The inverse of `hfft`: the first n/2 + 1 entries of the Hermitian signal whose transform is
 * the real `x`, `conj(rfft(x)) / n`.
 * @param x A real array.
 * @param n Transform length.
 * @param axis The axis (default −1).
 * @param norm Scaling, as {@link ifft}.
 * @returns `[re, im]` with n/2 + 1 entries along the axis.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const [re] = np.fft.ihfft(np.array([1, 1, 1, 1]));
 * assert.deepEqual(re.toArray(), [1, 0, 0]);
 * ```
 */
export function ihfft(x: ArrayLike, n?: number | null, axis = -1, norm?: FftNorm): ComplexPair {
  const [re, im] = rfftAxis("ihfft", x, n, axis, swapNorm(norm));
  return [re, lax.neg(im)];
}

/**
 * The n-dimensional transform over `axes` (all by default, or the last `s.length`).
 * @param x A real array or a pair [re, im].
 * @param s Transform lengths, one per axis (crop or zero-pad; default: the axis lengths).
 * @param axes The axes.
 * @param norm Scaling, as {@link fft}.
 * @returns `[re, im]`.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.fft.fftn(np.ones([2, 2]))[0].index(0, 0).item(), 4);
 * ```
 */
export function fftn(
  x: ComplexLike,
  s?: readonly number[] | null,
  axes?: readonly number[] | null,
  norm?: FftNorm,
): ComplexPair {
  return dftn("fftn", x, s, axes, false, norm);
}

/**
 * The inverse n-dimensional transform over `axes` (all by default, or the last `s.length`).
 * @param x A real array or a pair [re, im].
 * @param s Transform lengths, one per axis.
 * @param axes The axes.
 * @param norm Scaling, as {@link ifft}.
 * @returns `[re, im]`.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.fft.ifftn(np.ones([2, 2]))[0].index(0, 0).item(), 1);
 * ```
 */
export function ifftn(
  x: ComplexLike,
  s?: readonly number[] | null,
  axes?: readonly number[] | null,
  norm?: FftNorm,
): ComplexPair {
  return dftn("ifftn", x, s, axes, true, norm);
}

/**
 * The 2-D transform over `axes` (the last two by default).
 * @param x A real array or a pair [re, im].
 * @param s Transform lengths of the two axes.
 * @param axes The two axes (default [−2, −1]).
 * @param norm Scaling, as {@link fft}.
 * @returns `[re, im]`.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.fft.fft2(np.ones([2, 3]))[0].index(0, 0).item(), 6);
 * ```
 */
export function fft2(
  x: ComplexLike,
  s?: readonly number[] | null,
  axes: readonly number[] = [-2, -1],
  norm?: FftNorm,
): ComplexPair {
  return dftn("fft2", x, s, axes, false, norm);
}

/**
 * The inverse 2-D transform over `axes` (the last two by default).
 * @param x A real array or a pair [re, im].
 * @param s Transform lengths of the two axes.
 * @param axes The two axes (default [−2, −1]).
 * @param norm Scaling, as {@link ifft}.
 * @returns `[re, im]`.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.fft.ifft2(np.ones([2, 3]))[0].index(0, 0).item(), 1);
 * ```
 */
export function ifft2(
  x: ComplexLike,
  s?: readonly number[] | null,
  axes: readonly number[] = [-2, -1],
  norm?: FftNorm,
): ComplexPair {
  return dftn("ifft2", x, s, axes, true, norm);
}

/**
 * The n-dimensional transform of real input: `rfft` over the last of `axes`, then `fft` over
 * the others.
 * @param x A real array.
 * @param s Transform lengths, one per axis.
 * @param axes The axes (all by default, or the last `s.length`).
 * @param norm Scaling, as {@link fft}.
 * @returns `[re, im]`, the last axis holding n/2 + 1 frequencies.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const [re] = np.fft.rfftn(np.ones([2, 4]));
 * assert.deepEqual(re.shape, [2, 3]);
 * assert.equal(re.index(0, 0).item(), 8);
 * ```
 */
export function rfftn(
  x: ArrayLike,
  s?: readonly number[] | null,
  axes?: readonly number[] | null,
  norm?: FftNorm,
): ComplexPair {
  return realn("rfftn", x, s, axes, norm);
}

function realn(
  op: string,
  x: ArrayLike,
  s: readonly number[] | null | undefined,
  axes: readonly number[] | null | undefined,
  norm: FftNorm | undefined,
): ComplexPair {
  const a = real(op, x);
  const [list, lens] = plan(op, a.ndim, s, axes);
  if (list.length === 0) throw new TypeError(`np.fft.${op}: needs at least one axis.`);
  const last = list.length - 1;
  let out = rfftAxis(op, a, lens[last], list[last], norm);
  for (let i = 0; i < last; i++) out = dft(op, out, lens[i], list[i], false, norm);
  return out;
}

function irealn(
  op: string,
  x: ComplexLike,
  s: readonly number[] | null | undefined,
  axes: readonly number[] | null | undefined,
  norm: FftNorm | undefined,
): NDArray {
  let out = pair(op, x);
  const [list, lens] = plan(op, out[0].ndim, s, axes);
  if (list.length === 0) throw new TypeError(`np.fft.${op}: needs at least one axis.`);
  const last = list.length - 1;
  for (let i = 0; i < last; i++) out = dft(op, out, lens[i], list[i], true, norm);
  return irfftAxis(op, out, lens[last], list[last], norm);
}

/**
 * The inverse of `rfftn`: `ifft` over all but the last of `axes`, then `irfft` over it (whose
 * output length is s's last entry, default 2(m − 1)).
 * @param x A pair [re, im] (or a real array).
 * @param s Output lengths, one per axis.
 * @param axes The axes (all by default, or the last `s.length`).
 * @param norm Scaling, as {@link ifft}.
 * @returns The real array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const x = np.array([[1, 2, 3, 4], [5, 6, 7, 8]]);
 * const back = np.fft.irfftn(np.fft.rfftn(x), [2, 4]);
 * assert.ok(Math.abs(Number(back.index(1, 2).item()) - 7) < 1e-5);
 * ```
 */
export function irfftn(
  x: ComplexLike,
  s?: readonly number[] | null,
  axes?: readonly number[] | null,
  norm?: FftNorm,
): NDArray {
  return irealn("irfftn", x, s, axes, norm);
}

/**
 * The 2-D transform of real input over `axes` (the last two by default).
 * @param x A real array.
 * @param s Transform lengths of the two axes.
 * @param axes The two axes (default [−2, −1]).
 * @param norm Scaling, as {@link fft}.
 * @returns `[re, im]`.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.fft.rfft2(np.ones([2, 4]))[0].shape, [2, 3]);
 * ```
 */
export function rfft2(
  x: ArrayLike,
  s?: readonly number[] | null,
  axes: readonly number[] = [-2, -1],
  norm?: FftNorm,
): ComplexPair {
  return realn("rfft2", x, s, axes, norm);
}

/**
 * The inverse of `rfft2` over `axes` (the last two by default).
 * @param x A pair [re, im] (or a real array).
 * @param s Output lengths of the two axes.
 * @param axes The two axes (default [−2, −1]).
 * @param norm Scaling, as {@link ifft}.
 * @returns The real array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.fft.irfft2(np.fft.rfft2(np.ones([2, 4]))).shape, [2, 4]);
 * ```
 */
export function irfft2(
  x: ComplexLike,
  s?: readonly number[] | null,
  axes: readonly number[] = [-2, -1],
  norm?: FftNorm,
): NDArray {
  return irealn("irfft2", x, s, axes, norm);
}
