/**
 * `np.linalg`: factorisations and the functions built on them, batched over leading axes,
 * float32 and float64. The factorisations (`cholesky`, `triangular_solve`, `lu`, `eigh`) are
 * primitives whose derivatives are the matrix-calculus identities (see
 * `interpreters/_linalg_rules.ts`); `solve`, `inv`, `det`, `slogdet`, `eigvalsh`, `norm` and
 * `matrixPower` compose them with ordinary primitives.
 *
 * The general-matrix functions (`qr`, `svd`, `svdvals`, `lstsq`, `pinv`, `matrixRank`) live in
 * `_linalg_svd.ts`, the array-API names (`vecdot`, `matrixTranspose`, `outer`, ...) and
 * `multiDot` in `_linalg_more.ts`, `norm`, `matrixNorm` and `vectorNorm` in
 * `_linalg_norms.ts`; `cond`, `tensorinv` and `tensorsolve` are here.
 *
 * @module
 */
import { avalOf, bind, bind1 } from "../core/_trace.ts";
import { LazyJaxpr } from "../core/_ir.ts";
import { traceToJaxpr } from "../interpreters/_staging.ts";
import * as lax from "../core/_lax.ts";
import { linalgFloat } from "./_linalg_dtype.ts";
import type { ArrayLike, NDArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import { asArrayValue, broadcastToShape, promote } from "./_base.ts";
import { broadcastShapes, fmtShape, normalizeAxes, sizeOf } from "../core/_shape.ts";
import { checkInt, checkOptions, show } from "../core/_validate.ts";
import { svdvals } from "./_linalg_svd.ts";
import { moveaxis } from "./_arrange.ts";
import { norm } from "./_linalg_norms.ts";

export { matrixNorm, norm, vectorNorm } from "./_linalg_norms.ts";
export type { MatrixNormOptions, NormOptions, VectorNormOptions } from "./_linalg_norms.ts";

export { lstsq, matrixRank, pinv, qr, svd, svdvals } from "./_linalg_svd.ts";
export {
  cross,
  diagonal,
  matmul,
  matrixTranspose,
  multiDot,
  outer,
  tensordot,
  trace,
  vecdot,
} from "./_linalg_more.ts";
export type { MatrixRankOptions, PinvOptions, QrMode, SvdOptions } from "./_linalg_svd.ts";

function matrices(op: string, x: ArrayLike): NDArray {
  const a = linalgFloat(`np.linalg.${op}`, asArrayValue(`np.linalg.${op}`, x));
  const n = a.shape[a.ndim - 1];
  if (a.ndim < 2 || a.shape[a.ndim - 2] !== n) {
    throw new TypeError(
      `np.linalg.${op}: needs square matrices [..., n, n], got ${fmtShape(a.shape)}.`,
    );
  }
  return a;
}

/** An [n, n] constant broadcast to the matrices of `like`. */
function constMatrix(like: NDArray, f: (i: number, j: number) => number): NDArray {
  const n = like.shape[like.ndim - 1];
  const data = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) data[i * n + j] = f(i, j);
  const m = lax.convert(new ArrayValue(data, [n, n], "float64"), like.dtype);
  return lax.broadcast(lax.reshape(m, [...Array(like.ndim - 2).fill(1), n, n]), like.shape);
}

/** The diagonals of the matrices of x: [..., n]. */
function diagonalOf(x: NDArray): NDArray {
  return lax.reduceSum(lax.mul(x, constMatrix(x, (i, j) => (i === j ? 1 : 0))), [x.ndim - 1]);
}

/**
 * The lower Cholesky factor L of symmetric positive-definite matrices (A = L Lᵀ; only A's
 * lower triangle is read). Not positive definite: NaN, as JAX.
 * @param a Matrices [..., n, n].
 * @returns L.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.linalg.cholesky(np.array([[4, 2], [2, 2]])).toArray(), [[2, 0], [1, 1]]);
 * ```
 */
export function cholesky(a: ArrayLike): NDArray {
  return bind1("cholesky", [matrices("cholesky", a)], {});
}

/** Options of `triangularSolve`. */
export interface TriangularSolveOptions {
  /** A is lower triangular (default true); its other triangle is ignored. */
  lower?: boolean;
  /** Solve Aᵀ X = B instead. */
  transposeA?: boolean;
}

/**
 * Solves A X = B (or Aᵀ X = B) for triangular A, as `jax.lax.linalg.triangular_solve` with
 * `left_side=True`.
 * @param a Triangular matrices [..., n, n].
 * @param b Right-hand sides [..., n, k].
 * @param options `lower`, `transposeA`.
 * @returns X.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const x = np.linalg.triangularSolve(np.array([[2, 0], [1, 1]]), np.array([[2], [3]]));
 * assert.deepEqual(x.toArray(), [[1], [2]]);
 * ```
 */
export function triangularSolve(
  a: ArrayLike,
  b: ArrayLike,
  options: TriangularSolveOptions = {},
): NDArray {
  checkOptions("np.linalg.triangularSolve", options, ["lower", "transposeA"]);
  const [x, y] = promote("np.linalg.triangularSolve", [matrices("triangularSolve", a), b]);
  return bind1("triangular_solve", [x, y], {
    lower: options.lower ?? true,
    transposeA: options.transposeA ?? false,
  });
}

/** P A = L U: unit-lower L, upper U and the one-hot permutation matrix P. */
function luParts(a: NDArray): { l: NDArray; u: NDArray; p: NDArray; perm: NDArray } {
  const [lu, perm] = bind("lu", [a], {});
  const l = lax.add(
    lax.mul(lu, constMatrix(lu, (i, j) => (i > j ? 1 : 0))),
    constMatrix(lu, (i, j) => (i === j ? 1 : 0)),
  );
  const n = a.shape[a.ndim - 1];
  const iota = lax.broadcast(
    lax.reshape(new ArrayValue(Int32Array.from({ length: n }, (_, j) => j), [n], "int32"), [
      ...Array(a.ndim - 1).fill(1),
      n,
    ]),
    a.shape,
  );
  const permCol = lax.broadcast(lax.reshape(perm, [...perm.shape, 1]), a.shape);
  const p = lax.convert(lax.binary("eq", permCol, iota), a.dtype);
  return { l, u: lu, p, perm };
}

/**
 * Solves A x = b for square A (LU with partial pivoting). As in JAX (and NumPy 2), `b` is one
 * vector [n] only when it has one axis, and otherwise matrices [..., n, k]; the batch axes of
 * A and b broadcast.
 * @param a Matrices [..., n, n].
 * @param b Right-hand sides: [n] or [..., n, k].
 * @returns x.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const x = np.linalg.solve(np.array([[3, 1], [1, 2]]), np.array([9, 8]));
 * assert.deepEqual(Array.from(x.toTypedArray(), (v) => Math.round(v * 1e5) / 1e5), [2, 3]);
 * ```
 */
export function solve(a: ArrayLike, b: ArrayLike): NDArray {
  const op = "np.linalg.solve";
  const [m0, rhs0] = promote(op, [matrices("solve", a), b]);
  const n = m0.shape[m0.ndim - 1];
  const vector = rhs0.ndim === 1;
  const rhs1 = vector ? lax.reshape(rhs0, [...rhs0.shape, 1]) : rhs0;
  if (rhs1.ndim < 2 || rhs1.shape[rhs1.ndim - 2] !== n) {
    const hint = rhs0.ndim === m0.ndim - 1 && rhs0.shape[rhs0.ndim - 1] === n
      ? ` A b with more than one axis holds matrices [..., n, k] (JAX and NumPy 2); for one ` +
        `vector per matrix, solve with b.expandDims(-1) and squeeze the last axis of the result.`
      : "";
    throw new TypeError(
      `${op}: b of shape ${fmtShape(rhs0.shape)} does not match A ${fmtShape(m0.shape)} ` +
        `(b is [n] or [..., n, k]).${hint}`,
    );
  }
  const batch = broadcastShapes(op, m0.shape.slice(0, -2), rhs1.shape.slice(0, -2));
  const m = broadcastToShape(m0, [...batch, n, n]);
  const rhs = broadcastToShape(rhs1, [...batch, ...rhs1.shape.slice(-2)]);
  const { l, u, p } = luParts(m);
  const y = bind1("triangular_solve", [l, lax.matmul(p, rhs)], { lower: true, transposeA: false });
  const x = bind1("triangular_solve", [u, y], { lower: false, transposeA: false });
  return vector ? lax.reshape(x, [...batch, n]) : x;
}

/**
 * The inverse of square matrices (a solve against the identity).
 * @param a Matrices [..., n, n].
 * @returns A⁻¹.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.linalg.inv(np.array([[2, 0], [0, 4]])).toArray(), [[0.5, 0], [0, 0.25]]);
 * ```
 */
export function inv(a: ArrayLike): NDArray {
  const m = matrices("inv", a);
  return solve(m, constMatrix(m, (i, j) => (i === j ? 1 : 0)));
}

/** (−1)^(inversions of perm): the sign of each permutation, in A's dtype. */
function parity(perm: NDArray, like: NDArray): NDArray {
  const n = perm.shape[perm.ndim - 1];
  const shape = [...perm.shape, n];
  const pi = lax.broadcast(lax.reshape(perm, [...perm.shape, 1]), shape);
  const pj = lax.broadcast(lax.reshape(perm, [...perm.shape.slice(0, -1), 1, n]), shape);
  const upper = new Uint8Array(n * n).map((_, k) => (k % n > Math.floor(k / n) ? 1 : 0));
  const later = lax.broadcast(
    lax.reshape(new ArrayValue(upper, [n, n], "bool"), [...Array(perm.ndim - 1).fill(1), n, n]),
    shape,
  );
  const inversions = lax.convert(lax.binary("and", later, lax.binary("gt", pi, pj)), "int32");
  const count = lax.reduceSum(inversions, [shape.length - 2, shape.length - 1]);
  const odd = lax.binary("rem", count, lax.full(count, 2));
  const sign = lax.sub(lax.full(odd, 1), lax.scale(odd, 2));
  return lax.convert(sign, like.dtype);
}

/**
 * Determinants: the closed forms for n ≤ 3, else (LU) the product of U's diagonal times the
 * permutation's sign, with JAX's derivative d det(A) = tr(adj(A) dA), finite at singular A.
 * @param a Matrices [..., n, n].
 * @returns det(A), shape [...].
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.linalg.det(np.array([[1, 2], [3, 4]])).item(), -2);
 * ```
 */
export function det(a: ArrayLike): NDArray {
  const m = matrices("det", a);
  const n = m.shape[m.ndim - 1];
  // as JAX: autodiff of the closed forms gives the cofactors, singular or not
  if (n <= 3) return smallDet(m, n);
  const aval = avalOf(m);
  const fun = traceToJaxpr("np.linalg.det", ([x]) => [luDet(x)], [aval]);
  // d det(A) = tr(det(A) A⁻¹ dA) = tr(adj(A) dA), with adj(A) from cofactorSolve
  const jvp = new LazyJaxpr(() =>
    traceToJaxpr("np.linalg.det", ([x, t]) => {
      const [y, z] = cofactorSolve(x, t);
      return [y, lax.reduceSum(diagonalOf(z), [z.ndim - 2])];
    }, [aval, aval])
  );
  return bind1("custom_jvp_call", [m], { fun, jvp, numConsts: 0 });
}

function luDet(m: NDArray): NDArray {
  const { u, perm } = luParts(m);
  return lax.mul(bind1("reduce_prod", [diagonalOf(u)], { axes: [m.ndim - 2] }), parity(perm, m));
}

/** det of [..., n, n] for n ≤ 3 by JAX's formulas (1 for n = 0). */
function smallDet(m: NDArray, n: number): NDArray {
  const at = (i: number, j: number) =>
    lax.reduceSum(lax.mul(m, constMatrix(m, (r, c) => (r === i && c === j ? 1 : 0))), [
      m.ndim - 2,
      m.ndim - 1,
    ]);
  if (n === 0) return lax.full(avalOf(at(0, 0)), 1);
  if (n === 1) return at(0, 0);
  const prod = (...ij: [number, number][]) =>
    ij.map(([i, j]) => at(i, j)).reduce((x, y) => lax.mul(x, y));
  if (n === 2) return lax.sub(prod([0, 0], [1, 1]), prod([0, 1], [1, 0]));
  const plus = [
    prod([0, 0], [1, 1], [2, 2]),
    prod([0, 1], [1, 2], [2, 0]),
    prod([0, 2], [1, 0], [2, 1]),
  ];
  const minus = [
    prod([0, 2], [1, 1], [2, 0]),
    prod([0, 0], [1, 2], [2, 1]),
    prod([0, 1], [1, 0], [2, 2]),
  ];
  return [...plus.slice(1), ...minus.map(lax.neg)].reduce(lax.add, plus[0]);
}

/**
 * [det(A), det(A) A⁻¹ B] for square A and B, finite when A is singular (JAX's
 * `_cofactor_solve`). With P A = L U, det(A) A⁻¹ B = det(A) U⁻¹ L⁻¹ P B. U's last pivot is
 * replaced by 1 / (the product of the others times the permutation's sign), so solving with
 * it divides by no zero pivot at rank n − 1, and the rows but the last are scaled by det(A).
 * Below rank n − 1 the adjugate is 0, which the solve detects by a NaN or inf.
 */
function cofactorSolve(a: NDArray, b: NDArray): [NDArray, NDArray] {
  const n = a.shape[a.ndim - 1];
  const { l, u, p, perm } = luParts(a);
  const d = diagonalOf(u);
  const isLast = lax.broadcast(
    lax.reshape(
      new ArrayValue(Uint8Array.from({ length: n }, (_, j) => (j === n - 1 ? 1 : 0)), [n], "bool"),
      [...Array(d.ndim - 1).fill(1), n],
    ),
    d.shape,
  );
  const headDet = lax.mul(
    bind1("reduce_prod", [lax.select(isLast, lax.full(d, 1), d)], { axes: [d.ndim - 1] }),
    parity(perm, a),
  );
  const det = lax.mul(headDet, lax.reduceSum(lax.select(isLast, d, lax.full(d, 0)), [d.ndim - 1]));
  const corner = constMatrix(u, (i, j) => (i === n - 1 && j === n - 1 ? 1 : 0));
  const expand = (x: NDArray) => lax.broadcast(lax.reshape(x, [...x.shape, 1, 1]), u.shape);
  const u2 = lax.add(
    lax.mul(u, lax.sub(lax.full(corner, 1), corner)),
    lax.mul(corner, expand(lax.div(lax.full(headDet, 1), headDet))),
  );
  // x U2 = 1 has a NaN or inf exactly when another pivot is 0 too (rank < n − 1)
  const probe = bind1("triangular_solve", [
    u2,
    lax.full({ shape: [...d.shape, 1], dtype: a.dtype }, 1),
  ], {
    lower: false,
    transposeA: true,
  });
  const nonFinite = lax.binary("ne", lax.sub(probe, probe), lax.full(probe, 0));
  const bad = lax.binary(
    "gt",
    lax.reduceSum(lax.convert(nonFinite, "int32"), [probe.ndim - 2, probe.ndim - 1]),
    lax.full({ shape: d.shape.slice(0, -1), dtype: "int32" }, 0),
  );
  const badM = lax.broadcast(lax.reshape(bad, [...bad.shape, 1, 1]), b.shape);
  const zeros = lax.full(b, 0);
  let x = lax.select(badM, zeros, b);
  x = bind1("triangular_solve", [l, lax.matmul(p, x)], { lower: true, transposeA: false });
  // rows 0..n−2 times det(A); the last row keeps its scale
  const lastRow = constMatrix(b, (i) => (i === n - 1 ? 1 : 0));
  x = lax.mul(x, lax.add(lastRow, lax.mul(lax.sub(lax.full(lastRow, 1), lastRow), expand(det))));
  x = bind1("triangular_solve", [u2, x], { lower: false, transposeA: false });
  return [det, lax.select(badM, zeros, x)];
}

/**
 * The sign and the log of the absolute value of determinants, without overflow.
 * @param a Matrices [..., n, n].
 * @returns `[sign, logabsdet]`.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const [s, l] = np.linalg.slogdet(np.array([[1, 2], [3, 4]]));
 * assert.equal(s.item(), -1);
 * assert.ok(Math.abs(Number(l.item()) - Math.log(2)) < 1e-6);
 * ```
 */
export function slogdet(a: ArrayLike): [NDArray, NDArray] {
  const m = matrices("slogdet", a);
  const { u, perm } = luParts(m);
  const d = diagonalOf(u);
  const signs = bind1("reduce_prod", [lax.unary("sign", d)], { axes: [d.ndim - 1] });
  const logabs = lax.reduceSum(lax.unary("log", lax.unary("abs", d)), [d.ndim - 1]);
  return [lax.mul(signs, parity(perm, m)), logabs];
}

/**
 * Eigenvalues (ascending) and eigenvectors (columns) of symmetric matrices. Gradients are
 * undefined where eigenvalues repeat (as in JAX).
 * @param a Symmetric matrices [..., n, n] (read as (A + Aᵀ)/2).
 * @returns `[w, v]` with A v[:, i] = w[i] v[:, i].
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const [w] = np.linalg.eigh(np.array([[2, 1], [1, 2]]));
 * assert.deepEqual(Array.from(w.toTypedArray(), (v) => Math.round(v * 1e5) / 1e5), [1, 3]);
 * ```
 */
export function eigh(a: ArrayLike): [NDArray, NDArray] {
  const [w, v] = bind("eigh", [matrices("eigh", a)], {});
  return [w, v];
}

/**
 * Eigenvalues (ascending) of symmetric matrices.
 * @param a Symmetric matrices [..., n, n].
 * @returns w, shape [..., n].
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.linalg.eigvalsh(np.array([[2, 0], [0, 1]])).toArray(), [1, 2]);
 * ```
 */
export function eigvalsh(a: ArrayLike): NDArray {
  return eigh(a)[0];
}

/** The orders of `cond`: null (the default, as 2), 2, −2, 1, −1, ±Infinity, "fro", "nuc". */
export type CondOrder = number | "fro" | "nuc" | null;

const COND_ORDERS: readonly CondOrder[] = [null, 2, -2, 1, -1, Infinity, -Infinity, "fro", "nuc"];

/** x[..., i] of the last axis. */
function lastAt(x: NDArray, i: number): NDArray {
  const nd = x.ndim;
  const starts = [...Array(nd - 1).fill(0), i];
  const stops = [...x.shape.slice(0, -1), i + 1];
  return lax.reshape(
    bind1("slice", [x], { starts, stops, steps: Array(nd).fill(1) }),
    x.shape.slice(0, -1),
  );
}

/**
 * Condition numbers: ‖A‖ · ‖A⁻¹‖ in the norm of order `p`. For p = null (default) or 2 the
 * ratio of the largest to the smallest singular value, for −2 its inverse (any [..., m, n]);
 * the other orders need square matrices. As JAX, a NaN result of a NaN-free singular matrix
 * becomes Infinity (except for p = null or 2, which divide by a zero singular value).
 * @param x Matrices [..., m, n].
 * @param p The norm order.
 * @returns The condition numbers, shape [...].
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.ok(Math.abs(Number(np.linalg.cond(np.array([[1, 2], [2, 1]])).item()) - 3) < 1e-5);
 * ```
 */
export function cond(x: ArrayLike, p: CondOrder = null): NDArray {
  const op = "np.linalg.cond";
  const a = linalgFloat(op, asArrayValue(op, x));
  if (a.ndim < 2 || a.shape[a.ndim - 1] === 0 || a.shape[a.ndim - 2] === 0) {
    throw new TypeError(`${op}: needs non-empty matrices [..., m, n], got ${fmtShape(a.shape)}.`);
  }
  if (!COND_ORDERS.includes(p)) {
    throw new TypeError(
      `${op}: unknown order p = ${show(p)}; use null, 2, -2, 1, -1, Infinity, -Infinity, ` +
        `"fro" or "nuc".`,
    );
  }
  let r: NDArray;
  if (p === null || p === 2 || p === -2) {
    const s = svdvals(a);
    const first = lastAt(s, 0), last = lastAt(s, s.shape[s.ndim - 1] - 1);
    if (p !== -2) return lax.div(first, last);
    r = lax.div(last, first);
  } else {
    const n = a.shape[a.ndim - 1];
    if (a.shape[a.ndim - 2] !== n) {
      throw new TypeError(
        `${op}: p = ${show(p)} needs square matrices [..., n, n], got ${fmtShape(a.shape)} ` +
          `(only p = null, 2 or -2 take rectangular ones).`,
      );
    }
    const o = { ord: p, axis: [-2, -1] as const };
    r = lax.mul(norm(a, o), norm(inv(a), o));
  }
  // NaN from a singular, NaN-free matrix means an infinite condition number
  const nanA = lax.reduceSum(lax.convert(lax.binary("ne", a, a), "int32"), [
    a.ndim - 2,
    a.ndim - 1,
  ]);
  const fix = lax.binary(
    "and",
    lax.binary("ne", r, r),
    lax.binary("eq", nanA, lax.full(nanA, 0)),
  );
  return lax.select(fix, lax.full(r, Infinity), r);
}

/**
 * The n-th power of square matrices by repeated squaring; n = 0 gives the identity and a
 * negative n powers the inverse.
 * @param a Matrices [..., m, m].
 * @param n The integer power.
 * @returns aⁿ.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.linalg.matrixPower(np.array([[1, 1], [0, 1]]), 3).toArray(), [[1, 3], [0, 1]]);
 * ```
 */
export function matrixPower(a: ArrayLike, n: number): NDArray {
  let x = asArrayValue("np.linalg.matrixPower", a);
  checkInt("np.linalg.matrixPower", "n", n);
  const m = x.shape[x.ndim - 1];
  if (x.ndim < 2 || x.shape[x.ndim - 2] !== m) {
    throw new TypeError(
      `np.linalg.matrixPower: needs square matrices, got ${fmtShape(x.shape)}.`,
    );
  }
  if (n < 0) {
    x = inv(x);
    n = -n;
  }
  if (n === 0) return constMatrix(x, (i, j) => (i === j ? 1 : 0));
  let result: NDArray | undefined;
  let base = x;
  for (let k = n; k > 0; k = Math.floor(k / 2)) {
    if (k % 2 === 1) result = result ? lax.matmul(result, base) : base;
    if (k > 1) base = lax.matmul(base, base);
  }
  return result!;
}

/**
 * The inverse of `a` read as a linear map from its last axes to its first `ind` axes, so that
 * `tensordot(tensorinv(a, ind), b, ind)` undoes `tensordot(a, ·, ·)`.
 * @param a An array with prod(shape[:ind]) = prod(shape[ind:]).
 * @param ind How many leading axes form the output index (default 2).
 * @returns Shape [...a.shape.slice(ind), ...a.shape.slice(0, ind)].
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const a = np.eye(6).mul(2).reshape([2, 3, 6]);
 * assert.deepEqual(np.linalg.tensorinv(a, 2).shape, [6, 2, 3]);
 * ```
 */
export function tensorinv(a: ArrayLike, ind = 2): NDArray {
  const op = "np.linalg.tensorinv";
  const x = asArrayValue(op, a);
  checkInt(op, "ind", ind, 1, Math.max(1, x.ndim - 1));
  const head = x.shape.slice(0, ind), tail = x.shape.slice(ind);
  if (sizeOf(head) !== sizeOf(tail)) {
    throw new TypeError(
      `${op}: the first ${ind} axes of ${fmtShape(x.shape)} must hold as many elements as ` +
        `the rest (${sizeOf(head)} vs ${sizeOf(tail)}); pick another ind.`,
    );
  }
  return lax.reshape(inv(lax.reshape(x, [sizeOf(head), sizeOf(tail)])), [...tail, ...head]);
}

/**
 * Solves tensordot(a, x, x.ndim) = b for x: `a` is [...b.shape, ...x.shape] (after moving
 * `axes` of `a` to the end).
 * @param a The coefficients.
 * @param b The right-hand side.
 * @param axes Axes of `a` to move to the end first.
 * @returns x, shape a.shape[b.ndim:].
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const x = np.linalg.tensorsolve(np.eye(4).mul(2).reshape([2, 2, 4]), np.ones([2, 2]));
 * assert.deepEqual(x.toArray(), [0.5, 0.5, 0.5, 0.5]);
 * ```
 */
export function tensorsolve(a: ArrayLike, b: ArrayLike, axes?: readonly number[]): NDArray {
  const op = "np.linalg.tensorsolve";
  let [x, y] = promote(op, [a, b]);
  if (axes !== undefined) {
    const ax = normalizeAxes(op, axes, x.ndim);
    x = moveaxis(x, ax, ax.map((_, i) => x.ndim - ax.length + i));
  }
  const outShape = x.shape.slice(y.ndim);
  const lead = x.shape.slice(0, y.ndim);
  if (lead.some((d, i) => d !== y.shape[i]) || sizeOf(outShape) !== y.size) {
    throw new TypeError(
      `${op}: a ${fmtShape(x.shape)} must be [...b.shape, ...x.shape] with b ` +
        `${fmtShape(y.shape)} and as many unknowns as equations.`,
    );
  }
  return lax.reshape(solve(lax.reshape(x, [y.size, y.size]), lax.reshape(y, [y.size])), outShape);
}
