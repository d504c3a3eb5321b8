/**
 * The rules of the dense-factorisation primitives (`cholesky`, `triangular_solve`, `lu`,
 * `eigh`, and `qr`/`svd` from `_qr_svd_rules.ts`) for every interpreter, kept together here
 * and spread into each table.
 *
 * Derivatives come from the matrix-calculus identities, not from differentiating the
 * factorisation loops (notation: Ȧ is the tangent of A, Φ(X) the lower triangle of X with
 * its diagonal halved):
 * - cholesky, A = L Lᵀ:    L̇ = L Φ(L⁻¹ sym(Ȧ) L⁻ᵀ)
 * - triangular solve, op(A) X = B:   Ẋ = op(A)⁻¹ (Ḃ − op(tri(Ȧ)) X); linear in B, whose
 *   transpose is the solve with op(A)ᵀ
 * - lu, P A = L U:   with X = L⁻¹ P Ȧ U⁻¹, L̇ = L strictly_lower(X), U̇ = upper(X) U
 * - eigh, A = V diag(w) Vᵀ:   with M = Vᵀ sym(Ȧ) V, ẇ = diag(M), V̇ = V (F ∘ M) where
 *   F_ij = 1/(w_j − w_i) off the diagonal and 0 on it (undefined for repeated eigenvalues,
 *   as in JAX)
 * Every tangent is built from primitives applied to the tangent inputs linearly, so the
 * rules compose with linearize/transpose (reverse mode) and with themselves (higher order).
 */
import { bind, bind1 } from "../core/_trace.ts";
import type { Aval } from "../core/_trace.ts";
import { allocate } from "../core/_dtype.ts";
import { DATA, type NDArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import * as lax from "../core/_lax.ts";
import { fmtShape, shapesEqual, sizeOf } from "../core/_shape.ts";
import { choleskyKernel, eighKernel, luKernel, triangularSolveKernel } from "../kernels/linalg.ts";
import {
  type EvalRule,
  type JvpRule,
  leading,
  mask,
  mT,
  notLinear,
  type ShapeRule,
  solveTriangular,
  type T,
  type TransposeRule,
  type VmapRule,
} from "./_linalg_util.ts";
import {
  qrSvdEvalRules,
  qrSvdJvpRules,
  qrSvdShapeRules,
  qrSvdTransposeRules,
  qrSvdVmapRules,
} from "./_qr_svd_rules.ts";

type LinalgPrimitive = "cholesky" | "triangular_solve" | "lu" | "eigh" | "qr" | "svd" | "pinv";

// ---- shapes ------------------------------------------------------------------------------

function square(prim: string, a: Aval): number {
  const n = a.shape[a.shape.length - 1];
  if (a.shape.length < 2 || a.shape[a.shape.length - 2] !== n) {
    throw new TypeError(`${prim}: needs square matrices [..., n, n], got ${fmtShape(a.shape)}.`);
  }
  if (a.dtype !== "float32" && a.dtype !== "float64") {
    throw new TypeError(`${prim}: needs float32 or float64 matrices, got ${a.dtype}.`);
  }
  return n;
}

export const linalgShapeRules: { [P in LinalgPrimitive]: ShapeRule<P> } = {
  ...qrSvdShapeRules,
  cholesky: ([a]) => (square("cholesky", a), [a]),
  triangular_solve: ([a, b]) => {
    const n = square("triangular_solve", a);
    const batch = a.shape.slice(0, -2);
    const ok = b.dtype === a.dtype && b.shape.length === a.shape.length &&
      shapesEqual(b.shape.slice(0, -2), batch) && b.shape[b.shape.length - 2] === n;
    if (!ok) {
      throw new TypeError(
        `triangular_solve: right-hand sides must be ${a.dtype}[..., ${n}, k] with the batch ` +
          `axes of A ${fmtShape(a.shape)}, got ${b.dtype}${fmtShape(b.shape)}.`,
      );
    }
    return [b];
  },
  lu: ([a]) => {
    square("lu", a);
    return [a, { shape: a.shape.slice(0, -1), dtype: "int32" }];
  },
  eigh: ([a]) => {
    square("eigh", a);
    return [{ shape: a.shape.slice(0, -1), dtype: a.dtype }, a];
  },
};

// ---- evaluation: the kernels looped over the batch axes -------------------------------------

function matrices(a: ArrayValue): [number, number, (i: number) => Float64Array] {
  const n = a.shape[a.ndim - 1];
  const count = sizeOf(a.shape.slice(0, -2));
  return [count, n, (i) => Float64Array.from(a[DATA].subarray(i * n * n, (i + 1) * n * n))];
}

export const linalgEvalRules: { [P in LinalgPrimitive]: EvalRule<P> } = {
  ...qrSvdEvalRules,
  cholesky: ([a]) => {
    const [count, n, get] = matrices(a);
    const out = allocate(a.dtype, a.size);
    for (let i = 0; i < count; i++) out.set(choleskyKernel(get(i), n), i * n * n);
    return [new ArrayValue(out, a.shape, a.dtype)];
  },
  triangular_solve: ([a, b], { lower, transposeA }) => {
    const [count, n, get] = matrices(a);
    const k = b.shape[b.ndim - 1];
    const out = allocate(b.dtype, b.size);
    for (let i = 0; i < count; i++) {
      const rhs = Float64Array.from(b[DATA].subarray(i * n * k, (i + 1) * n * k));
      out.set(triangularSolveKernel(get(i), rhs, n, k, lower, transposeA), i * n * k);
    }
    return [new ArrayValue(out, b.shape, b.dtype)];
  },
  lu: ([a]) => {
    const [count, n, get] = matrices(a);
    const out = allocate(a.dtype, a.size);
    const perm = new Int32Array(count * n);
    for (let i = 0; i < count; i++) {
      const [lu, p] = luKernel(get(i), n);
      out.set(lu, i * n * n);
      perm.set(p, i * n);
    }
    return [
      new ArrayValue(out, a.shape, a.dtype),
      new ArrayValue(perm, a.shape.slice(0, -1), "int32"),
    ];
  },
  eigh: ([a]) => {
    const [count, n, get] = matrices(a);
    const w = allocate(a.dtype, count * n), v = allocate(a.dtype, a.size);
    for (let i = 0; i < count; i++) {
      const [wi, vi] = eighKernel(get(i), n);
      w.set(wi, i * n);
      v.set(vi, i * n * n);
    }
    return [
      new ArrayValue(w, a.shape.slice(0, -1), a.dtype),
      new ArrayValue(v, a.shape, a.dtype),
    ];
  },
};

// ---- derivatives ------------------------------------------------------------------------------

const solve = solveTriangular;
const zeros = (x: Aval) => lax.full(x, 0);
const sym = (t: NDArray) => lax.scale(lax.add(t, mT(t)), 0.5);

export const linalgJvpRules: { [P in LinalgPrimitive]: JvpRule<P> } = {
  ...qrSvdJvpRules,
  // L̇ = L Φ(L⁻¹ sym(Ȧ) L⁻ᵀ)
  cholesky: ([a], [t]) => {
    const l = bind1("cholesky", [a], {});
    if (!t) return [[l], [null]];
    const y = solve(l, sym(t), true, false); // L⁻¹ Ȧ
    const x = mT(solve(l, mT(y), true, false)); // L⁻¹ Ȧ L⁻ᵀ
    const phi = lax.mul(x, mask(x, (i, j) => (i > j ? 1 : i === j ? 0.5 : 0)));
    return [[l], [lax.matmul(l, phi)]];
  },
  // Ẋ = op(A)⁻¹ (Ḃ − op(tri(Ȧ)) X)
  triangular_solve: ([a, b], [ta, tb], params) => {
    const x = bind1("triangular_solve", [a, b], params);
    let rhs: T = tb;
    if (ta) {
      const tri = lax.mul(ta, mask(ta, (i, j) => ((params.lower ? i >= j : i <= j) ? 1 : 0)));
      const dax = lax.matmul(params.transposeA ? mT(tri) : tri, x);
      rhs = rhs ? lax.sub(rhs, dax) : lax.neg(dax);
    }
    return [[x], [rhs && bind1("triangular_solve", [a, rhs], params)]];
  },
  // with X = L⁻¹ P Ȧ U⁻¹: L̇ = L strictly_lower(X), U̇ = upper(X) U
  lu: ([a], [t]) => {
    const [lu, perm] = bind("lu", [a], {});
    if (!t) return [[lu, perm], [null, null]];
    const n = a.shape[a.ndim - 1];
    const l = lax.add(
      lax.mul(lu, mask(lu, (i, j) => (i > j ? 1 : 0))),
      mask(lu, (i, j) => (i === j ? 1 : 0)),
    );
    const u = lax.mul(lu, mask(lu, (i, j) => (i <= j ? 1 : 0)));
    // P as a one-hot matrix: P[i, j] = (perm[i] == j)
    const iota = lax.broadcast(
      lax.reshape(new ArrayValue(Int32Array.from({ length: n }, (_, j) => j), [n], "int32"), [
        ...Array(a.ndim - 1).fill(1),
        n,
      ]),
      a.shape,
    );
    const permCol = lax.broadcast(lax.reshape(perm, [...perm.shape, 1]), a.shape);
    const p = lax.convert(lax.binary("eq", permCol, iota), a.dtype);
    const y = solve(l, lax.matmul(p, t), true, false); // L⁻¹ P Ȧ
    const x = mT(solve(u, mT(y), false, true)); // (U⁻ᵀ Yᵀ)ᵀ = Y U⁻¹
    const dl = lax.matmul(l, lax.mul(x, mask(x, (i, j) => (i > j ? 1 : 0))));
    const du = lax.matmul(lax.mul(x, mask(x, (i, j) => (i <= j ? 1 : 0))), u);
    return [[lu, perm], [lax.add(dl, du), null]];
  },
  // ẇ = diag(Vᵀ sym(Ȧ) V), V̇ = V (F ∘ Vᵀ sym(Ȧ) V)
  eigh: ([a], [t]) => {
    const [w, v] = bind("eigh", [a], {});
    if (!t) return [[w, v], [null, null]];
    const n = a.shape[a.ndim - 1];
    const m = lax.matmul(mT(v), lax.matmul(sym(t), v));
    const eye = mask(m, (i, j) => (i === j ? 1 : 0));
    const dw = lax.reduceSum(lax.mul(m, eye), [m.ndim - 1]);
    const wi = lax.broadcast(lax.reshape(w, [...w.shape, 1]), a.shape);
    const wj = lax.broadcast(lax.reshape(w, [...w.shape.slice(0, -1), 1, n]), a.shape);
    const gap = lax.sub(wj, wi);
    const diag = lax.binary("eq", eye, lax.full(eye, 1));
    const f = lax.select(
      diag,
      zeros(gap),
      lax.div(lax.full(gap, 1), lax.select(diag, lax.full(gap, 1), gap)),
    );
    return [[w, v], [dw, lax.matmul(v, lax.mul(f, m))]];
  },
};

export const linalgTransposeRules: { [P in LinalgPrimitive]: TransposeRule<P> } = {
  ...qrSvdTransposeRules,
  cholesky: notLinear("cholesky"),
  lu: notLinear("lu"),
  eigh: notLinear("eigh"),
  // X = op(A)⁻¹ B is linear in B: B̄ = op(A)⁻ᵀ X̄
  triangular_solve: (ct, [a], { lower, transposeA }) => [
    null,
    bind1("triangular_solve", [a as NDArray, ct], { lower, transposeA: !transposeA }),
  ],
};

// ---- batching -----------------------------------------------------------------------------------

export const linalgVmapRules: { [P in LinalgPrimitive]: VmapRule<P> } = {
  ...qrSvdVmapRules,
  cholesky: leading("cholesky"),
  triangular_solve: leading("triangular_solve"),
  lu: leading("lu"),
  eigh: leading("eigh"),
};
