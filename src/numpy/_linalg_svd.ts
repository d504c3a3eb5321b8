/**
 * `np.linalg` functions of general (not necessarily square) matrices: `qr` and `svd` (the
 * primitives of `interpreters/_qr_svd_rules.ts`) and what JAX builds on the SVD: `svdvals`,
 * `lstsq`, `pinv` and `matrixRank`. Batched over leading axes (except `lstsq`, 2-D as in
 * JAX), float32 and float64 (integer and bool inputs become float32).
 *
 * @module
 */
import { bind, bind1 } from "../core/_trace.ts";
import * as lax from "../core/_lax.ts";
import { linalgFloat } from "./_linalg_dtype.ts";
import { type DType, isFloat } from "../core/_dtype.ts";
import type { ArrayLike, NDArray } from "../core/_ndarray.ts";
import { asArrayValue, promote } from "./_base.ts";
import { fmtShape } from "../core/_shape.ts";
import {
  checkBool,
  checkChoice,
  checkNumber,
  checkOptions,
  isOptionsObject,
  show,
} from "../core/_validate.ts";
import { argsort } from "./_scan_sort.ts";
import { flip } from "./_arrange.ts";
import { takeAlongAxis } from "./_indexing.ts";

/** Machine epsilon of a float dtype. */
export function eps(dtype: DType): number {
  return dtype === "float64" ? 2 ** -52 : 2 ** -23;
}

/** x as float matrices [..., m, n] (integers and bools become float32). */
export function generalMatrices(op: string, x: ArrayLike): NDArray {
  const a = linalgFloat(`np.linalg.${op}`, asArrayValue(`np.linalg.${op}`, x));
  if (a.ndim < 2) {
    throw new TypeError(
      `np.linalg.${op}: needs matrices [..., m, n] (at least 2 axes), got shape ` +
        `${fmtShape(a.shape)}; reshape a vector to [1, n] or [n, 1].`,
    );
  }
  return a;
}

/** The last two axes swapped. */
function mT(x: NDArray): NDArray {
  const r = x.ndim;
  return lax.transpose(x, [...Array(r - 2).keys(), r - 1, r - 2]);
}

/** The QR modes of `qr`, as JAX's. */
export type QrMode = "reduced" | "complete" | "r";

/**
 * The QR factorisation A = Q R (Householder reflections, with LAPACK's signs as JAX on CPU):
 * Q has orthonormal columns and R is upper triangular. With k = min(m, n), mode "reduced"
 * (default) gives Q [..., m, k] and R [..., k, n], "complete" a square Q [..., m, m] and R
 * [..., m, n], and "r" only the reduced R. Differentiable in every mode (tall, square and
 * wide); the derivative needs R's leading k×k block invertible (A of full rank).
 * @param a Matrices [..., m, n].
 * @param mode "reduced", "complete" or "r".
 * @returns `[Q, R]`, or R for mode "r".
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const a = np.array([[3, 1], [4, 2]], { dtype: "float64" });
 * const [q, r] = np.linalg.qr(a);
 * assert.ok(np.allclose(q.matmul(r), a).itemBool());
 * assert.ok(Math.abs(r.toTypedArray()[0] + 5) < 1e-12); // R₀₀ = −‖A[:, 0]‖
 * ```
 */
export function qr(a: ArrayLike, mode?: "reduced" | "complete"): [NDArray, NDArray];
export function qr(a: ArrayLike, mode: "r"): NDArray;
export function qr(a: ArrayLike, mode: QrMode = "reduced"): [NDArray, NDArray] | NDArray {
  checkChoice("np.linalg.qr", "mode", mode, ["reduced", "complete", "r"]);
  const m = generalMatrices("qr", a);
  const [q, r] = bind("qr", [m], { full: mode === "complete" });
  return mode === "r" ? r : [q, r];
}

/** Options of `svd`. */
export interface SvdOptions {
  /** Square U [..., m, m] and Vh [..., n, n] (default true); false gives the thin ones. */
  fullMatrices?: boolean;
  /** Compute U and Vh (default true); false returns only the singular values. */
  computeUv?: boolean;
  /** A is symmetric (read as (A + Aᵀ)/2): the SVD comes from `eigh`. */
  hermitian?: boolean;
}

const SVD_KEYS = ["fullMatrices", "computeUv", "hermitian"];

/**
 * The singular value decomposition A = U diag(S) Vh, S descending: Householder
 * bidiagonalisation, then implicit-shift Golub–Kahan QR (LAPACK's dgesvd method), in float64
 * (float32 input is rounded at the end, float32 out). A NaN or infinite entry makes U, S and Vh
 * all NaN (JAX: the same for NaN; for ±inf its S is NaN but U and Vh are finite).
 * Columns of U and rows of Vh are unique only up to a joint sign flip (and within repeated
 * singular values), so compare sign-invariant quantities such as U diag(S) Vh or |U|.
 * Derivatives: S is differentiable everywhere (where singular values repeat too); U and Vh
 * are undefined (NaN or infinite) where singular values repeat, and for non-square A
 * where one is 0; with `fullMatrices` the extra columns of a non-square A have no derivative
 * and differentiating them throws (use `{ fullMatrices: false }`).
 * @param a Matrices [..., m, n].
 * @param options `fullMatrices` (default true), `computeUv` (default true), `hermitian`.
 * @returns `[U, S, Vh]`, or S when `computeUv` is false.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const a = np.array([[3, 0], [4, 5]], { dtype: "float64" });
 * const [u, s, vh] = np.linalg.svd(a);
 * assert.ok(np.allclose(s, np.array([Math.sqrt(45), Math.sqrt(5)])).itemBool());
 * assert.ok(np.allclose(u.mul(s.expandDims(0)).matmul(vh), a).itemBool());
 * ```
 */
export function svd(a: ArrayLike, options: SvdOptions & { computeUv: false }): NDArray;
export function svd(a: ArrayLike, options?: SvdOptions): [NDArray, NDArray, NDArray];
export function svd(
  a: ArrayLike,
  options: SvdOptions = {},
): [NDArray, NDArray, NDArray] | NDArray {
  checkOptions("np.linalg.svd", options, SVD_KEYS);
  const fullMatrices = checkBool("np.linalg.svd", "fullMatrices", options.fullMatrices ?? true);
  const computeUv = checkBool("np.linalg.svd", "computeUv", options.computeUv ?? true);
  const hermitian = checkBool("np.linalg.svd", "hermitian", options.hermitian ?? false);
  const m = generalMatrices("svd", a);
  if (hermitian) return hermitianSvd(m, computeUv);
  if (!computeUv) return bind1("svd", [m], { fullMatrices: false, computeUv: false });
  const [s, u, vh] = bind("svd", [m], { fullMatrices, computeUv: true });
  return [u, s, vh];
}

/** The SVD of symmetric A from A = V diag(w) Vᵀ: S = |w| descending, U = V, Vh = (V sign(w))ᵀ. */
function hermitianSvd(a: NDArray, computeUv: boolean): [NDArray, NDArray, NDArray] | NDArray {
  const n = a.shape[a.ndim - 1];
  if (a.shape[a.ndim - 2] !== n) {
    throw new TypeError(
      `np.linalg.svd: hermitian: true needs square matrices [..., n, n], got ` +
        `${fmtShape(a.shape)}.`,
    );
  }
  const [w, v] = bind("eigh", [a], {});
  const absW = lax.unary("abs", w);
  const order = flip(argsort(absW, -1), -1);
  const s = takeAlongAxis(absW, order, -1);
  if (!computeUv) return s;
  const cols = lax.reshape(order, [...order.shape.slice(0, -1), 1, n]);
  const u = takeAlongAxis(v, lax.broadcast(cols, a.shape), -1);
  const sign = lax.unary("sign", takeAlongAxis(w, order, -1));
  const signRow = lax.broadcast(lax.reshape(sign, [...sign.shape.slice(0, -1), 1, n]), a.shape);
  return [u, s, mT(lax.mul(u, signRow))];
}

/**
 * The singular values of matrices, descending (`svd` with `computeUv: false`); differentiable
 * everywhere, also where they repeat.
 * @param a Matrices [..., m, n].
 * @returns S, shape [..., min(m, n)].
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.linalg.svdvals(np.array([[0, 2], [-3, 0]])).toArray(), [3, 2]);
 * ```
 */
export function svdvals(a: ArrayLike): NDArray {
  return svd(a, { computeUv: false });
}

/** A tolerance argument: a number, or a number per matrix [...]. */
function tolerance(op: string, what: string, t: unknown, like: NDArray): NDArray {
  if (typeof t === "number") {
    checkNumber(op, what, t);
    if (Number.isNaN(t)) throw new RangeError(`${op}: ${what} must not be NaN.`);
    return lax.full({ shape: like.shape.slice(0, -2), dtype: like.dtype }, t);
  }
  const v = asArrayValue(op, t);
  const batch = like.shape.slice(0, -2);
  if (v.ndim > batch.length || v.shape.some((d, i) => d !== batch[batch.length - v.ndim + i])) {
    throw new TypeError(
      `${op}: ${what} of shape ${fmtShape(v.shape)} must be a number or have the batch shape ` +
        `${fmtShape(batch)} of the matrices ${fmtShape(like.shape)}.`,
    );
  }
  const c = lax.convert(v, like.dtype);
  return lax.broadcast(
    lax.reshape(c, [...Array(batch.length - v.ndim).fill(1), ...v.shape]),
    batch,
  );
}

/** Options of `pinv`. */
export interface PinvOptions {
  /**
   * Singular values ≤ rtol · the largest count as 0 (default 10 · max(m, n) · eps); a number
   * or one per matrix (an array of the batch shape).
   */
  rtol?: number | NDArray;
  /** A is symmetric (read as (A + Aᵀ)/2). */
  hermitian?: boolean;
}

/**
 * The Moore–Penrose pseudo-inverse A⁺ = V diag(1/s) Uᵀ over the singular values above
 * `rtol` times the largest. Its derivative is Golub and Pereyra's formula (as JAX's),
 * defined also where singular values repeat.
 * @param a Matrices [..., m, n].
 * @param options `rtol` (or a number or array: the rtol), `hermitian`.
 * @returns A⁺, shape [..., n, m].
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const p = np.linalg.pinv(np.array([[1, 0], [0, 2], [0, 0]], { dtype: "float64" }));
 * assert.deepEqual(p.toArray(), [[1, 0, 0], [0, 0.5, 0]]);
 * ```
 */
export function pinv(a: ArrayLike, options: PinvOptions | number | NDArray = {}): NDArray {
  const op = "np.linalg.pinv";
  const opts: PinvOptions = isOptionsObject(options) ? options : { rtol: options };
  checkOptions(op, opts, ["rtol", "hermitian"]);
  let m = generalMatrices("pinv", a);
  const [rows, cols] = m.shape.slice(-2);
  const rtol = tolerance(op, "rtol", opts.rtol ?? 10 * Math.max(rows, cols) * eps(m.dtype), m);
  if (checkBool(op, "hermitian", opts.hermitian ?? false)) {
    if (rows !== cols) {
      throw new TypeError(
        `${op}: hermitian: true needs square matrices, got ${fmtShape(m.shape)}.`,
      );
    }
    m = lax.scale(lax.add(m, mT(m)), 0.5);
  }
  return bind1("pinv", [m, rtol], {});
}

/** Options of `matrixRank`. */
export interface MatrixRankOptions {
  /** The threshold (see `matrixRank`); default max(s) · max(m, n) · eps. */
  rtol?: number | ArrayLike;
  /** The same as `rtol` (JAX's older name); give at most one of the two. */
  tol?: number | ArrayLike;
  /** A is symmetric: the singular values come from `eigh`. */
  hermitian?: boolean;
}

/**
 * The rank of matrices: the number of singular values above a threshold. As in JAX 0.10.2,
 * a given `rtol` (or `tol`) is compared with the singular values directly (it is not scaled
 * by the largest one); the default threshold is max(s) · max(m, n) · eps. Arrays of fewer than
 * 2 axes have rank 1 unless all zero. Not differentiable (an integer).
 * @param a Matrices [..., m, n].
 * @param options `rtol` (or a number: the rtol), `tol`, `hermitian`.
 * @returns The ranks, int32 [...].
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.linalg.matrixRank(np.array([[1, 2], [2, 4]])).item(), 1);
 * ```
 */
export function matrixRank(a: ArrayLike, options: MatrixRankOptions | number = {}): NDArray {
  const op = "np.linalg.matrixRank";
  const opts: MatrixRankOptions = isOptionsObject(options) ? options : { rtol: options as number };
  checkOptions(op, opts, ["rtol", "tol", "hermitian"]);
  if (opts.rtol !== undefined && opts.tol !== undefined) {
    throw new TypeError(`${op}: give rtol or tol (the same threshold), not both.`);
  }
  let x = asArrayValue(op, a);
  if (x.ndim >= 2) x = linalgFloat(op, x);
  else if (!isFloat(x.dtype)) x = lax.convert(x, "float32");
  if (x.ndim < 2) {
    const nonzero = lax.convert(lax.binary("ne", x, lax.full(x, 0)), "int32");
    const count = lax.reduceSum(nonzero, [...Array(x.ndim).keys()]);
    return lax.convert(lax.binary("gt", count, lax.full(count, 0)), "int32");
  }
  const s = svd(x, {
    computeUv: false,
    hermitian: checkBool(op, "hermitian", opts.hermitian ?? false),
  });
  const given = opts.rtol ?? opts.tol;
  const k = s.ndim - 1;
  const threshold = given === undefined
    ? lax.scale(
      bind1("reduce_max", [s], { axes: [k] }),
      Math.max(...x.shape.slice(-2)) * eps(x.dtype),
    )
    : tolerance(op, opts.rtol !== undefined ? "rtol" : "tol", given, x);
  const t = lax.broadcast(lax.reshape(threshold, [...threshold.shape, 1]), s.shape);
  return lax.reduceSum(lax.convert(lax.binary("gt", s, t), "int32"), [k]);
}

/**
 * The least-squares solution x minimising ‖a x − b‖ (the minimum-norm one when a is
 * rank-deficient), through the SVD as JAX: singular values below `rcond` · the largest are
 * dropped. 2-D `a` only (use `vmap` for batches). Residuals are always returned (JAX's
 * default, not NumPy's empty array): ‖b − a x‖² per column, shape [k] (or [1] for vector b).
 * @param a The matrix [m, n].
 * @param b Right-hand sides [m] or [m, k].
 * @param rcond The cut-off ratio (default eps · max(m, n); negative means eps).
 * @returns `[x, residuals, rank (int32), singular values]`.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const a = np.array([[1, 0], [0, 1], [1, 1]], { dtype: "float64" });
 * const [x, , rank] = np.linalg.lstsq(a, np.array([1, 1, 2], { dtype: "float64" }));
 * assert.ok(np.allclose(x, np.array([1, 1], { dtype: "float64" })).itemBool());
 * assert.equal(rank.item(), 2);
 * ```
 */
export function lstsq(
  a: ArrayLike,
  b: ArrayLike,
  rcond?: number,
): [NDArray, NDArray, NDArray, NDArray] {
  const op = "np.linalg.lstsq";
  const [m0, b0] = promote(op, [a, b]);
  const mat = linalgFloat(op, m0);
  const rhs0 = lax.convert(b0, mat.dtype);
  if (mat.ndim !== 2) {
    throw new TypeError(
      `${op}: a must be a 2-D matrix [m, n], got shape ${fmtShape(mat.shape)} (vmap over batches).`,
    );
  }
  if (rhs0.ndim !== 1 && rhs0.ndim !== 2 || rhs0.shape[0] !== mat.shape[0]) {
    throw new TypeError(
      `${op}: b must be [m] or [m, k] with m = ${mat.shape[0]} (a's rows), got shape ` +
        `${fmtShape(rhs0.shape)}.`,
    );
  }
  const [rows, cols] = mat.shape;
  let cut = eps(mat.dtype) * Math.max(rows, cols);
  if (rcond !== undefined) {
    cut = checkNumber(op, "rcond", rcond);
    if (Number.isNaN(cut)) {
      throw new RangeError(`${op}: rcond must not be NaN, got ${show(rcond)}.`);
    }
    if (cut < 0) cut = eps(mat.dtype);
  }
  const rhs = rhs0.ndim === 1 ? lax.reshape(rhs0, [rows, 1]) : rhs0;
  const [s, u, vt] = bind("svd", [mat], { fullMatrices: false, computeUv: true });
  const k = s.shape[0];
  // keep s_i > 0 with s_i ≥ rcond · s_0; 1/s_i there and 0 elsewhere
  const s0 = lax.broadcast(
    lax.reshape(bind1("slice", [s], { starts: [0], stops: [Math.min(1, k)], steps: [1] }), [
      Math.min(1, k),
    ]),
    [k],
  );
  const keep = lax.binary(
    "and",
    lax.binary("gt", s, lax.full(s, 0)),
    lax.binary("ge", s, lax.scale(s0, cut)),
  );
  const rank = lax.reduceSum(lax.convert(keep, "int32"), [0]);
  const safe = lax.select(keep, s, lax.full(s, 1));
  const sInv = lax.select(keep, lax.div(lax.full(s, 1), safe), lax.full(s, 0));
  const utb = lax.matmul(mT(u), rhs);
  const scaled = lax.mul(lax.broadcast(lax.reshape(sInv, [k, 1]), utb.shape), utb);
  const x = lax.matmul(mT(vt), scaled);
  const r = lax.sub(rhs, lax.matmul(mat, x));
  const resid = lax.reduceSum(lax.mul(r, r), [0]);
  return [rhs0.ndim === 1 ? lax.reshape(x, [cols]) : x, resid, rank, s];
}
