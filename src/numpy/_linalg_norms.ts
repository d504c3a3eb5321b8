/**
 * `np.linalg.norm` (vector and matrix orders; the singular-value orders 2, −2 and "nuc"
 * through `svdvals`) and its array-API forms `matrixNorm` and `vectorNorm`.
 *
 * @module
 */
import * as lax from "../core/_lax.ts";
import { isFloat } from "../core/_dtype.ts";
import type { ArrayLike, NDArray } from "../core/_ndarray.ts";
import { asArrayValue } from "./_base.ts";
import { fmtShape, normalizeAxes, sizeOf } from "../core/_shape.ts";
import { checkOptions, show } from "../core/_validate.ts";
import { max, min, sum } from "./_reduce.ts";
import { svdvals } from "./_linalg_svd.ts";

/** Options of `norm`. */
export interface NormOptions {
  /** The order: for vectors a number (2 default, 1, Infinity, −Infinity, 0, p); for matrices "fro" (default), "nuc", 1, −1, Infinity, −Infinity, 2, −2. */
  ord?: number | "fro" | "nuc";
  /** One axis (vector norms) or two (matrix norms); by default all of a 1-D or 2-D array. */
  axis?: number | readonly [number, number] | null;
  /** Keep reduced axes as size 1. */
  keepdims?: boolean;
}

/**
 * Vector and matrix norms. The 2-norm (and Frobenius norm) has gradient 0 at the zero vector
 * (not NaN). The matrix orders 2 and −2 are the largest and smallest singular values, "nuc"
 * their sum (differentiable through `svdvals`).
 * @param x The input.
 * @param options `ord`, `axis`, `keepdims`.
 * @returns The norms.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.linalg.norm(np.array([3, 4])).item(), 5);
 * assert.equal(np.linalg.norm(np.array([[1, -2], [3, 4]]), { ord: 1 }).item(), 6);
 * ```
 */
export function norm(x: ArrayLike, options: NormOptions = {}): NDArray {
  checkOptions("np.linalg.norm", options, ["ord", "axis", "keepdims"]);
  let a = asArrayValue("np.linalg.norm", x);
  if (!isFloat(a.dtype)) a = lax.convert(a, "float32");
  const keepdims = options.keepdims ?? false;
  const ord = options.ord;
  let axes: number[];
  if (options.axis === undefined || options.axis === null) {
    if (ord !== undefined && a.ndim > 2) {
      throw new TypeError("np.linalg.norm: give axis for an ord on arrays of more than 2 axes.");
    }
    axes = [...Array(a.ndim).keys()];
    if (ord === undefined) return twoNorm(a, axes, keepdims);
  } else axes = normalizeAxes("np.linalg.norm", options.axis, a.ndim);
  if (typeof options.axis !== "number" && axes.length === 2) {
    if (options.axis !== undefined && options.axis !== null) {
      axes = (options.axis as readonly number[]).map((v) => (v < 0 ? v + a.ndim : v));
    }
    return matrixNormOf(a, axes, ord ?? "fro", keepdims);
  }
  if (axes.length !== 1) throw new TypeError("np.linalg.norm: axis must name one or two axes.");
  const o = { axis: axes, keepdims };
  const abs = lax.unary("abs", a);
  if (ord === undefined || ord === 2) return twoNorm(a, axes, keepdims);
  if (ord === "fro" || ord === "nuc") {
    throw new TypeError(`np.linalg.norm: ord "${ord}" is for matrices (give two axes).`);
  }
  // max(|x|) of an empty axis is 0 (JAX: initial=0), which the sum gives with the right shape
  if (ord === Infinity) return a.shape[axes[0]] === 0 ? sum(abs, o) : max(abs, o);
  if (ord === -Infinity) {
    if (a.shape[axes[0]] === 0) throw emptyMinimum(a, ord);
    return min(abs, o);
  }
  if (ord === 0) return sum(lax.convert(lax.binary("ne", a, lax.full(a, 0)), a.dtype), o);
  if (ord === 1) return sum(abs, o);
  if (typeof ord !== "number" || Number.isNaN(ord)) {
    throw new TypeError(`np.linalg.norm: unknown ord ${show(ord)}.`);
  }
  const s = sum(lax.binary("pow", abs, lax.full(abs, ord)), o);
  return lax.binary("pow", s, lax.full(s, 1 / ord));
}

/** The error for a negative-order norm of no elements, whose minimum is undefined (JAX raises). */
function emptyMinimum(a: NDArray, ord: number): RangeError {
  return new RangeError(
    `np.linalg.norm: ord ${ord} takes a minimum over an axis of length 0 in shape ` +
      `${fmtShape(a.shape)}, and the minimum of nothing is undefined (JAX raises too). Check ` +
      `for empty inputs first, or use a non-negative ord.`,
  );
}

/** √(Σx²) with a zero (not NaN) gradient at 0: the square root sees 1 there. */
function twoNorm(a: NDArray, axes: number[], keepdims: boolean): NDArray {
  const s = sum(lax.mul(a, a), { axis: axes, keepdims });
  const zero = lax.binary("eq", s, lax.full(s, 0));
  const root = lax.unary("sqrt", lax.select(zero, lax.full(s, 1), s));
  return lax.select(zero, lax.full(s, 0), root);
}

function matrixNormOf(
  a: NDArray,
  axes: number[],
  ord: number | "fro" | "nuc",
  keepdims: boolean,
): NDArray {
  const [r, c] = axes;
  const abs = lax.unary("abs", a);
  const finish = (v: NDArray, reduced: number[]) =>
    keepdims ? lax.reshape(v, a.shape.map((d, i) => (reduced.includes(i) ? 1 : d))) : v;
  if (ord === "fro") return twoNorm(a, axes, keepdims);
  if (ord === 1 || ord === -1 || ord === Infinity || ord === -Infinity) {
    // 1: the largest column sum of |a|; ∞: the largest row sum
    const inner = ord === 1 || ord === -1 ? r : c;
    const outer = inner === r ? c : r;
    const sums = sum(abs, { axis: inner });
    const o = { axis: outer > inner ? outer - 1 : outer };
    // over no rows/columns the largest sum is 0 (JAX: initial=0) and the smallest undefined
    if (a.shape[outer] === 0 && ord < 0) throw emptyMinimum(a, ord);
    return finish(
      ord < 0 ? min(sums, o) : a.shape[outer] === 0 ? sum(sums, o) : max(sums, o),
      axes,
    );
  }
  if (ord === 2 || ord === -2 || ord === "nuc") {
    // the largest or smallest singular value, or their sum
    const rest = [...Array(a.ndim).keys()].filter((i) => i !== r && i !== c);
    const sv = svdvals(lax.transpose(a, [...rest, r, c]));
    const last = { axis: sv.ndim - 1 };
    return finish(ord === 2 ? max(sv, last) : ord === -2 ? min(sv, last) : sum(sv, last), axes);
  }
  throw new TypeError(
    `np.linalg.norm: unknown matrix ord ${show(ord)}; use "fro", "nuc", 1, -1, 2, -2, ` +
      `Infinity or -Infinity.`,
  );
}

/** Options of `matrixNorm`. */
export interface MatrixNormOptions {
  /** "fro" (default), "nuc", 1, −1, 2, −2, Infinity or −Infinity. */
  ord?: number | "fro" | "nuc";
  /** Keep the two reduced axes as size 1. */
  keepdims?: boolean;
}

/**
 * Norms of the matrices in the last two axes (`norm` with `axis: [-2, -1]`).
 * @param x Matrices [..., m, n].
 * @param options `ord` (default "fro"), `keepdims`.
 * @returns The norms [...].
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.linalg.matrixNorm(np.ones([2, 3, 3]), { ord: 1 }).toArray(), [3, 3]);
 * ```
 */
export function matrixNorm(x: ArrayLike, options: MatrixNormOptions = {}): NDArray {
  checkOptions("np.linalg.matrixNorm", options, ["ord", "keepdims"]);
  const a = asArrayValue("np.linalg.matrixNorm", x);
  if (a.ndim < 2) {
    throw new TypeError(
      `np.linalg.matrixNorm: needs matrices [..., m, n], got ${fmtShape(a.shape)}; use vectorNorm.`,
    );
  }
  return norm(a, { ord: options.ord ?? "fro", axis: [-2, -1], keepdims: options.keepdims });
}

/** Options of `vectorNorm`. */
export interface VectorNormOptions {
  /** 2 (default), 1, 0, Infinity, −Infinity or any p. */
  ord?: number;
  /** The axis or axes whose elements form each vector; null (default) takes all. */
  axis?: number | readonly number[] | null;
  /** Keep the reduced axes as size 1. */
  keepdims?: boolean;
}

/**
 * Vector norms over one or more axes (all by default: the norm of the flattened array).
 * @param x The array.
 * @param options `ord` (default 2), `axis`, `keepdims`.
 * @returns The norms.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.linalg.vectorNorm(np.array([[3, 0], [0, 4]])).item(), 5);
 * ```
 */
export function vectorNorm(x: ArrayLike, options: VectorNormOptions = {}): NDArray {
  const op = "np.linalg.vectorNorm";
  checkOptions(op, options, ["ord", "axis", "keepdims"]);
  const a = asArrayValue(op, x);
  if (options.ord !== undefined && typeof options.ord !== "number") {
    throw new TypeError(
      `${op}: ord must be a number (2, 1, 0, ±Infinity, p), got ${show(options.ord)}.`,
    );
  }
  const axes = options.axis === undefined || options.axis === null
    ? [...Array(a.ndim).keys()]
    : normalizeAxes(op, options.axis, a.ndim);
  const rest = [...Array(a.ndim).keys()].filter((i) => !axes.includes(i));
  // the reduced axes moved last and flattened into one
  const moved = lax.transpose(a, [...rest, ...axes]);
  const flat = lax.reshape(moved, [
    ...rest.map((i) => a.shape[i]),
    sizeOf(axes.map((i) => a.shape[i])),
  ]);
  const out = norm(flat, { ord: options.ord ?? 2, axis: -1 } as NormOptions);
  return options.keepdims
    ? lax.reshape(out, a.shape.map((d, i) => (axes.includes(i) ? 1 : d)))
    : out;
}
