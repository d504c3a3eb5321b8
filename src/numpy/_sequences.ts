/**
 * Functions of 1-D sequences and polynomials, composed from existing primitives (so grad,
 * vmap and jit need nothing new): `interp`, `convolve`, `correlate`, `trapezoid`, the
 * polynomial helpers `polyval polyadd polysub polymul polyder polyint vander`, the
 * windows `hanning hamming blackman bartlett`, and `geomspace`/`logspace`.
 *
 * A polynomial is its coefficients, highest power first (NumPy's convention).
 * `convolve` builds the Toeplitz matrix of the shorter operand (a gather) and multiplies:
 * O(n·m), exact to rounding, differentiable in both operands.
 */
import * as lax from "../core/_lax.ts";
import { bind1 } from "../core/_trace.ts";
import type { ArrayLike, NDArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import { asArrayValue, asOperand, checkDType, promote } from "./_base.ts";
import { type DType, isFloat } from "../core/_dtype.ts";
import { fmtShape, normalizeAxis } from "../core/_shape.ts";
import { checkBool, checkChoice, checkInt, checkNumber, checkOptions } from "../core/_validate.ts";
import { searchsorted } from "./_stats.ts";
import { flip } from "./_arrange.ts";

/** A 1-D float operand. */
function vector(op: string, what: string, x: ArrayLike): NDArray {
  let a = asArrayValue(op, x);
  if (a.ndim !== 1) {
    throw new TypeError(`${op}: ${what} must be 1-D, got shape ${fmtShape(a.shape)}.`);
  }
  if (!isFloat(a.dtype)) a = lax.convert(a, "float32");
  return a;
}

/** Two 1-D float operands of one dtype. */
function vectors(op: string, a: ArrayLike, b: ArrayLike): [NDArray, NDArray] {
  const [x, y] = promote(op, [vector(op, "the first operand", a), vector(op, "the second", b)]);
  return [x, y];
}

/** x[start:stop] of a 1-D array. */
function cut(x: NDArray, start: number, stop: number): NDArray {
  return bind1("slice", [x], { starts: [start], stops: [stop], steps: [1] });
}

/** Elements of the window matrix gathered at once (a block of v's taps at a time). */
const WINDOW_ELEMENTS = 2 ** 22;

/**
 * The full linear convolution (a ∗ v)_k = Σ_j v_j a_(k−j), k < n + m − 1 (n ≥ m): each
 * output is a window of a, zero-padded by m − 1 at both ends, times v. The windows of a
 * block of taps j ∈ [j0, j0 + b) are gathered as one [n + m − 1, b] matrix W[k, i] =
 * a_(k−j0−i), and W · v[j0 : j0 + b] adds their part: O(n·m) work in blocks of
 * WINDOW_ELEMENTS, never an [n + m − 1, n] matrix (16 GB for n = 2¹⁶).
 */
function fullConvolution(a: NDArray, v: NDArray): NDArray {
  const n = a.shape[0], m = v.shape[0], len = n + m - 1;
  const zeros = lax.full({ shape: [m - 1], dtype: a.dtype }, 0);
  const padded = m > 1 ? bind1("concatenate", [zeros, a, zeros], { axis: 0 }) : a;
  const taps = Math.max(1, Math.min(m, Math.floor(WINDOW_ELEMENTS / len)));
  let out: NDArray | undefined;
  for (let j0 = 0; j0 < m; j0 += taps) {
    const b = Math.min(taps, m - j0);
    // a_(k−j) sits at padded[k − j + m − 1]
    const idx = new Int32Array(len * b);
    for (let k = 0; k < len; k++) {
      for (let i = 0; i < b; i++) idx[k * b + i] = k - (j0 + i) + m - 1;
    }
    const windows = bind1("take", [padded, new ArrayValue(idx, [len, b], "int32")], { axis: 0 });
    const part = lax.matmul(windows, lax.reshape(cut(v, j0, j0 + b), [b, 1]));
    out = out === undefined ? part : lax.add(out, part);
  }
  return lax.reshape(out!, [len]);
}

/** The convolution modes of NumPy. */
export type ConvolveMode = "full" | "same" | "valid";

function conv(op: string, a0: ArrayLike, v0: ArrayLike, mode: ConvolveMode, flipV: boolean) {
  let [a, v] = vectors(op, a0, v0);
  checkChoice(op, "mode", mode, ["full", "same", "valid"]);
  if (a.shape[0] === 0 || v.shape[0] === 0) {
    throw new TypeError(`${op}: the operands must not be empty.`);
  }
  if (flipV) v = flip(v);
  if (v.shape[0] > a.shape[0]) [a, v] = [v, a];
  const n = a.shape[0], m = v.shape[0];
  const full = fullConvolution(a, v);
  if (mode === "full") return full;
  if (mode === "same") return cut(full, (m - 1) >> 1, ((m - 1) >> 1) + n);
  return cut(full, m - 1, n);
}

/**
 * The discrete linear convolution of two 1-D arrays: (a ∗ v)_k = Σ_j a_j v_(k−j).
 * @param a First sequence.
 * @param v Second sequence.
 * @param mode `"full"` (default, length n + m − 1), `"same"` (max(n, m), centred) or
 *   `"valid"` (max(n, m) − min(n, m) + 1).
 * @returns The convolution.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.convolve(np.array([1, 2, 3]), np.array([0, 1, 0.5])).toArray(), [0, 1, 2.5, 4, 1.5]);
 * ```
 */
export function convolve(a: ArrayLike, v: ArrayLike, mode: ConvolveMode = "full"): NDArray {
  return conv("np.convolve", a, v, mode, false);
}

/**
 * The cross-correlation of two 1-D arrays: c_k = Σ_n a_(n+k) v_n (the convolution with v
 * reversed).
 * @param a First sequence.
 * @param v Second sequence.
 * @param mode `"valid"` (default), `"same"` or `"full"`, as {@link convolve}.
 * @returns The correlation.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.correlate(np.array([1, 2, 3]), np.array([0, 1, 0.5])).toArray(), [3.5]);
 * ```
 */
export function correlate(a: ArrayLike, v: ArrayLike, mode: ConvolveMode = "valid"): NDArray {
  return conv("np.correlate", a, v, mode, true);
}

/** Options of {@link interp}. */
export interface InterpOptions {
  /** The value for x < xp[0] (default fp[0]). */
  left?: number;
  /** The value for x > xp[−1] (default fp[−1]). */
  right?: number;
}

/**
 * Piecewise-linear interpolation of the points (xp, fp) at x; xp must increase.
 * @param x Where to evaluate (any shape).
 * @param xp Increasing sample positions (1-D).
 * @param fp Sample values (1-D, as long as xp).
 * @param options `left` and `right`: the values outside [xp[0], xp[−1]].
 * @returns The interpolated values, of x's shape.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const y = np.interp(np.array([0.5, 1.5, 3]), np.array([0, 1, 2]), np.array([0, 10, 20]));
 * assert.deepEqual(y.toArray(), [5, 15, 20]);
 * ```
 */
export function interp(
  x: ArrayLike,
  xp: ArrayLike,
  fp: ArrayLike,
  options: InterpOptions = {},
): NDArray {
  const op = "np.interp";
  checkOptions(op, options, ["left", "right"]);
  const [xs, px, pf] = promote(op, [
    asArrayValue(op, x),
    vector(op, "xp", xp),
    vector(op, "fp", fp),
  ]).map((a) => (isFloat(a.dtype) ? a : lax.convert(a, "float32")));
  const n = px.shape[0];
  if (n === 0 || pf.shape[0] !== n) {
    throw new TypeError(
      `${op}: xp and fp must be non-empty and of one length, got ${fmtShape(px.shape)} and ` +
        `${fmtShape(pf.shape)}.`,
    );
  }
  const take = (v: NDArray, i: NDArray) => bind1("take", [v, i], { axis: 0 });
  const at = (v: NDArray, i: number) =>
    lax.broadcast(lax.reshape(cut(v, i, i + 1), xs.shape.map(() => 1)), xs.shape);
  if (n === 1) return at(pf, 0);
  // i = clip(searchsorted(xp, x, right), 1, n − 1): the segment [xp[i−1], xp[i]] holding x
  const raw = searchsorted(px, xs, { side: "right" });
  const i = lax.binary("min", lax.binary("max", raw, lax.full(raw, 1)), lax.full(raw, n - 1));
  const i0 = lax.sub(i, lax.full(i, 1));
  const [x0, x1, f0, f1] = [take(px, i0), take(px, i), take(pf, i0), take(pf, i)];
  const dx = lax.sub(x1, x0);
  const flat = lax.binary("eq", dx, lax.zerosLike(dx));
  const slope = lax.div(lax.sub(f1, f0), lax.select(flat, lax.full(dx, 1), dx));
  let f = lax.select(flat, f1, lax.add(f0, lax.mul(lax.sub(xs, x0), slope)));
  const left = options.left === undefined
    ? at(pf, 0)
    : lax.full(f, checkNumber(op, "left", options.left));
  const right = options.right === undefined
    ? at(pf, n - 1)
    : lax.full(f, checkNumber(op, "right", options.right));
  f = lax.select(lax.binary("lt", xs, at(px, 0)), left, f);
  return lax.select(lax.binary("gt", xs, at(px, n - 1)), right, f);
}

/**
 * The integral of samples y by the trapezoidal rule along `axis`: Σ (x_(i+1) − x_i)(y_i + y_(i+1))/2.
 * @param y Samples.
 * @param x Sample positions (1-D along the axis, or y's shape); null for spacing `dx`.
 * @param dx The spacing when x is null (default 1).
 * @param axis The axis (default −1).
 * @returns The integrals (y's shape without the axis).
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.trapezoid(np.array([1, 2, 3])).item(), 4);
 * ```
 */
export function trapezoid(y: ArrayLike, x: ArrayLike | null = null, dx = 1, axis = -1): NDArray {
  const op = "np.trapezoid";
  let a = asArrayValue(op, y);
  if (!isFloat(a.dtype)) a = lax.convert(a, "float32");
  if (a.ndim === 0) throw new TypeError(`${op}: needs at least one axis, got a scalar.`);
  const ax = normalizeAxis(op, axis, a.ndim);
  const n = a.shape[ax];
  const part = (v: NDArray, start: number, stop: number) =>
    bind1("slice", [v], {
      starts: v.shape.map((_, i) => (i === ax ? start : 0)),
      stops: v.shape.map((d, i) => (i === ax ? stop : d)),
      steps: v.shape.map(() => 1),
    });
  if (n < 2) return lax.reduceSum(lax.scale(a, 0), [ax]);
  const mids = lax.scale(lax.add(part(a, 1, n), part(a, 0, n - 1)), 0.5);
  if (x === null) return lax.scale(lax.reduceSum(mids, [ax]), checkNumber(op, "dx", dx));
  let xs = lax.convert(asArrayValue(op, x), a.dtype);
  if (xs.ndim === 1 && a.ndim > 1) {
    if (xs.shape[0] !== n) {
      throw new TypeError(`${op}: x has ${xs.shape[0]} positions for an axis of ${n}.`);
    }
    xs = lax.broadcast(lax.reshape(xs, a.shape.map((d, i) => (i === ax ? d : 1))), a.shape);
  } else if (xs.ndim !== a.ndim || xs.shape.some((d, i) => d !== a.shape[i])) {
    throw new TypeError(
      `${op}: x must be 1-D of length ${n} or of y's shape ${fmtShape(a.shape)}, got ` +
        `${fmtShape(xs.shape)}.`,
    );
  }
  const widths = lax.sub(part(xs, 1, n), part(xs, 0, n - 1));
  return lax.reduceSum(lax.mul(widths, mids), [ax]);
}

/**
 * Evaluates the polynomial p (highest power first) at x by Horner's rule.
 * @param p Coefficients (1-D).
 * @param x Where to evaluate (any shape).
 * @returns p(x), of x's shape.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.polyval(np.array([1, 0, -2]), 3).item(), 7);
 * ```
 */
export function polyval(p: ArrayLike, x: ArrayLike): NDArray {
  const [c, xs] = promote("np.polyval", [
    vector("np.polyval", "p", p),
    asOperand("np.polyval", x), // a JS number x is weak: polyval(float16 p, 3) stays float16
  ]);
  const coef = (i: number) =>
    lax.broadcast(lax.reshape(cut(c, i, i + 1), xs.shape.map(() => 1)), xs.shape);
  let y: NDArray = lax.zerosLike(xs);
  for (let i = 0; i < c.shape[0]; i++) y = lax.add(lax.mul(y, xs), coef(i));
  return y;
}

/** Both coefficient vectors zero-padded at the front to one length. */
function aligned(op: string, a1: ArrayLike, a2: ArrayLike): [NDArray, NDArray] {
  const [a, b] = vectors(op, a1, a2);
  const n = Math.max(a.shape[0], b.shape[0]);
  const front = (v: NDArray) =>
    v.shape[0] === n ? v : bind1("pad", [v], { lo: [n - v.shape[0]], hi: [0], interior: [0] });
  return [front(a), front(b)];
}

/**
 * The sum of two polynomials (highest power first).
 * @param a1 First polynomial.
 * @param a2 Second polynomial.
 * @returns The coefficients of a1 + a2.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.polyadd(np.array([1, 2]), np.array([1, 1, 1])).toArray(), [1, 2, 3]);
 * ```
 */
export function polyadd(a1: ArrayLike, a2: ArrayLike): NDArray {
  const [a, b] = aligned("np.polyadd", a1, a2);
  return lax.add(a, b);
}

/**
 * The difference of two polynomials (highest power first).
 * @param a1 First polynomial.
 * @param a2 Second polynomial.
 * @returns The coefficients of a1 − a2.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.polysub(np.array([1, 2]), np.array([1, 1, 1])).toArray(), [-1, 0, 1]);
 * ```
 */
export function polysub(a1: ArrayLike, a2: ArrayLike): NDArray {
  const [a, b] = aligned("np.polysub", a1, a2);
  return lax.sub(a, b);
}

/**
 * The product of two polynomials (the full convolution of their coefficients).
 * @param a1 First polynomial.
 * @param a2 Second polynomial.
 * @returns The coefficients of a1 · a2.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.polymul(np.array([1, 1]), np.array([1, -1])).toArray(), [1, 0, -1]);
 * ```
 */
export function polymul(a1: ArrayLike, a2: ArrayLike): NDArray {
  return conv("np.polymul", a1, a2, "full", false);
}

/**
 * The m-th derivative of a polynomial: d/dx Σ p_i x^(n−1−i) = Σ (n−1−i) p_i x^(n−2−i).
 * @param p Coefficients, highest power first.
 * @param m How many times to differentiate (default 1).
 * @returns The derivative's coefficients (m fewer).
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.polyder(np.array([1, 2, 3])).toArray(), [2, 2]);
 * ```
 */
export function polyder(p: ArrayLike, m = 1): NDArray {
  let c = vector("np.polyder", "p", p);
  checkInt("np.polyder", "m", m, 0);
  for (let k = 0; k < m && c.shape[0] > 0; k++) {
    const n = c.shape[0];
    const powers = Float64Array.from({ length: n - 1 }, (_, i) => n - 1 - i);
    c = lax.mul(cut(c, 0, n - 1), lax.convert(new ArrayValue(powers, [n - 1], "float64"), c.dtype));
  }
  return c;
}

/**
 * The m-th antiderivative of a polynomial, each integration constant k (default 0).
 * @param p Coefficients, highest power first.
 * @param m How many times to integrate (default 1).
 * @param k The integration constant (default 0).
 * @returns The antiderivative's coefficients (m more).
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.polyint(np.array([3, 2, 1])).toArray(), [1, 1, 1, 0]);
 * ```
 */
export function polyint(p: ArrayLike, m = 1, k = 0): NDArray {
  let c = vector("np.polyint", "p", p);
  checkInt("np.polyint", "m", m, 0);
  checkNumber("np.polyint", "k", k);
  for (let step = 0; step < m; step++) {
    const n = c.shape[0];
    const inv = Float64Array.from({ length: n }, (_, i) => 1 / (n - i));
    const scaled = lax.mul(c, lax.convert(new ArrayValue(inv, [n], "float64"), c.dtype));
    c = bind1("concatenate", [scaled, lax.full({ shape: [1], dtype: c.dtype }, k)], { axis: 0 });
  }
  return c;
}

/**
 * The Vandermonde matrix: column j is x^(N−1−j) (or x^j when `increasing`).
 * @param x Points (1-D).
 * @param n Number of columns (default: the number of points).
 * @param increasing Powers increase left to right.
 * @returns An [len(x), n] matrix.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.vander(np.array([2, 3]), 3).toArray(), [[4, 2, 1], [9, 3, 1]]);
 * ```
 */
export function vander(x: ArrayLike, n?: number | null, increasing = false): NDArray {
  const a = vector("np.vander", "x", x);
  const cols = n ?? a.shape[0];
  checkInt("np.vander", "n", cols, 0);
  checkBool("np.vander", "increasing", increasing);
  const col = lax.reshape(a, [a.shape[0], 1]);
  // repeated products (not pow) keep the gradient finite at x = 0
  const powers: NDArray[] = [];
  for (let j = 0; j < cols; j++) {
    powers.push(j === 0 ? lax.full(col, 1) : lax.mul(powers[j - 1], col));
  }
  if (!increasing) powers.reverse();
  if (cols === 0) return lax.full({ shape: [a.shape[0], 0], dtype: a.dtype }, 0);
  return powers.length === 1
    ? powers[0]
    : powers.slice(1).reduce((acc, p) => bind1("concatenate", [acc, p], { axis: 1 }), powers[0]);
}

// ---- windows and spaced sequences ---------------------------------------------------------

function windowArray(op: string, m: number, dtype: DType | undefined, f: (t: number) => number) {
  checkInt(op, "M", m);
  const dt = checkDType(op, dtype);
  if (!isFloat(dt)) throw new TypeError(`${op}: dtype must be float32 or float64, got ${dt}.`);
  const n = Math.max(m, 0);
  const w = Float64Array.from({ length: n }, (_, i) => (n === 1 ? 1 : f(i / (n - 1))));
  return lax.convert(new ArrayValue(w, [n], "float64"), dt);
}

/**
 * The Hann window of M points: 0.5 − 0.5 cos(2πn/(M − 1)).
 * @param m Number of points.
 * @param dtype float32 (default) or float64.
 * @returns The window.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.hanning(3).toArray(), [0, 1, 0]);
 * ```
 */
export function hanning(m: number, dtype?: DType): NDArray {
  return windowArray("np.hanning", m, dtype, (t) => 0.5 - 0.5 * Math.cos(2 * Math.PI * t));
}

/**
 * The Hamming window of M points: 0.54 − 0.46 cos(2πn/(M − 1)).
 * @param m Number of points.
 * @param dtype float32 (default) or float64.
 * @returns The window.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.ok(Math.abs(Number(np.hamming(3).index(0).item()) - 0.08) < 1e-6);
 * ```
 */
export function hamming(m: number, dtype?: DType): NDArray {
  return windowArray("np.hamming", m, dtype, (t) => 0.54 - 0.46 * Math.cos(2 * Math.PI * t));
}

/**
 * The Blackman window of M points: 0.42 − 0.5 cos(2πn/(M − 1)) + 0.08 cos(4πn/(M − 1)).
 * @param m Number of points.
 * @param dtype float32 (default) or float64.
 * @returns The window.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.ok(Math.abs(Number(np.blackman(3).index(1).item()) - 1) < 1e-6);
 * ```
 */
export function blackman(m: number, dtype?: DType): NDArray {
  return windowArray(
    "np.blackman",
    m,
    dtype,
    (t) => 0.42 - 0.5 * Math.cos(2 * Math.PI * t) + 0.08 * Math.cos(4 * Math.PI * t),
  );
}

/**
 * The Bartlett (triangular) window of M points: 1 − |2n/(M − 1) − 1|.
 * @param m Number of points.
 * @param dtype float32 (default) or float64.
 * @returns The window.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.bartlett(5).toArray(), [0, 0.5, 1, 0.5, 0]);
 * ```
 */
export function bartlett(m: number, dtype?: DType): NDArray {
  return windowArray("np.bartlett", m, dtype, (t) => 1 - Math.abs(2 * t - 1));
}

/** Options of {@link logspace} and {@link geomspace}. */
export interface SpaceOptions {
  /** Include `stop` (default true). */
  endpoint?: boolean;
  /** The base of `logspace` (default 10). */
  base?: number;
  /** float32 (default) or float64. */
  dtype?: DType;
}

function spaced(op: string, num: number, options: SpaceOptions, keys: string[]) {
  checkOptions(op, options, keys);
  checkInt(op, "num", num, 0);
  const endpoint = checkBool(op, "endpoint", options.endpoint ?? true);
  const dt = checkDType(op, options.dtype);
  if (!isFloat(dt)) throw new TypeError(`${op}: dtype must be float32 or float64, got ${dt}.`);
  const div = endpoint ? num - 1 : num;
  return { endpoint, dt, t: (i: number) => (div === 0 ? 0 : i / div) };
}

/**
 * `num` numbers spaced evenly on a log scale: base^start ... base^stop.
 * @param start The first exponent.
 * @param stop The last exponent.
 * @param num How many (default 50).
 * @param options `endpoint`, `base` (default 10) and `dtype`.
 * @returns The sequence.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.logspace(0, 2, 3).toArray(), [1, 10, 100]);
 * ```
 */
export function logspace(
  start: number,
  stop: number,
  num = 50,
  options: SpaceOptions = {},
): NDArray {
  const op = "np.logspace";
  const { dt, t } = spaced(op, num, options, ["endpoint", "base", "dtype"]);
  const base = checkNumber(op, "base", options.base ?? 10);
  checkNumber(op, "start", start);
  checkNumber(op, "stop", stop);
  const v = Float64Array.from({ length: num }, (_, i) => base ** (start + (stop - start) * t(i)));
  return lax.convert(new ArrayValue(v, [num], "float64"), dt);
}

/**
 * `num` numbers spaced evenly on a log scale from start to stop (a geometric sequence).
 * @param start The first value (non-zero).
 * @param stop The last value (non-zero, of start's sign).
 * @param num How many (default 50).
 * @param options `endpoint` and `dtype`.
 * @returns The sequence.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.geomspace(1, 1000, 4).toArray(), [1, 10, 100, 1000]);
 * ```
 */
export function geomspace(
  start: number,
  stop: number,
  num = 50,
  options: SpaceOptions = {},
): NDArray {
  const op = "np.geomspace";
  const { endpoint, dt, t } = spaced(op, num, options, ["endpoint", "dtype"]);
  checkNumber(op, "start", start);
  checkNumber(op, "stop", stop);
  if (start === 0 || stop === 0 || Math.sign(start) !== Math.sign(stop)) {
    throw new RangeError(
      `np.geomspace: start and stop must be non-zero and of one sign, got ${start} and ${stop}.`,
    );
  }
  const sign = Math.sign(start), l0 = Math.log(Math.abs(start)), l1 = Math.log(Math.abs(stop));
  const v = Float64Array.from({ length: num }, (_, i) => sign * Math.exp(l0 + (l1 - l0) * t(i)));
  // the ends exactly as given
  if (num > 0) v[0] = start;
  if (num > 1 && endpoint) v[num - 1] = stop;
  return lax.convert(new ArrayValue(v, [num], "float64"), dt);
}
