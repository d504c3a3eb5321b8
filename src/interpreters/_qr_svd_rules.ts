/**
 * The rules of the `qr` and `svd` primitives for every interpreter (spread into each table
 * through `_linalg_rules.ts`). Derivatives are the matrix-calculus results, not derivatives of
 * the Householder or QR-iteration loops (Ȧ is the tangent of A, ∘ the elementwise product):
 * - qr, A = Q R with A [m, n], m ≥ n (thin):  with C = Qᵀ Ȧ R⁻¹ and Ω = tril₋₁(C) − tril₋₁(C)ᵀ
 *   (skew), Q̇ = Q (Ω − C) + Ȧ R⁻¹ and Ṙ = (C − Ω) R.
 *   Wide (m < n), A = [A₁ A₂], R = [R₁ R₂]: (Q̇, Ṙ₁) from A₁ = Q R₁ and Ṙ₂ = Q̇ᵀ A₂ + Qᵀ Ȧ₂.
 *   Complete Q for m > n (Q = [Q₁ Q₂], Q₁ = [Q₁₁; Q₂₁] with Q₁₁ n×n): the Householder gauge
 *   fixes Q₂ through Z = Q₂₁ (Q₁₁ − I)⁻¹: Q̇₂ = Q̇₁ Zᵀ − (Q₁ + Q₂ Z)(Q̇₂₁ − Z Q̇₁₁)ᵀ, and
 *   Ṙ's extra rows are 0 (Roberts & Roberts, arXiv:2409.13374).
 * - svd, A = U diag(s) Vᵀ (thin), with P = Uᵀ Ȧ V:  ṡ = diag(P);
 *   U̇ = U (F ∘ (P S + S Pᵀ)) [+ (I − U Uᵀ) Ȧ V S⁻¹ when m > n],
 *   V̇ = V (F ∘ (S P + Pᵀ S)) [+ (I − V Vᵀ) Ȧᵀ U S⁻¹ when m < n],
 *   F_ij = 1/(s_j² − s_i²) off the diagonal, 0 on it. U̇ and V̇ are undefined (infinite) where
 *   singular values repeat, and the m ≠ n terms where one is 0, as in JAX; ṡ is always
 *   defined. With full U or Vᵀ of a non-square A the extra columns are arbitrary and have
 *   no derivative (JAX raises too).
 * - pinv, P = A⁺ (Golub & Pereyra):  Ṗ = −P Ȧ P + P Pᵀ Ȧᵀ (I − A P) + (I − P A) Ȧᵀ Pᵀ P, valid
 *   while the rank is constant, also where singular values repeat.
 */
import { bind, bind1 } from "../core/_trace.ts";
import type { Aval } from "../core/_trace.ts";
import { allocate } from "../core/_dtype.ts";
import { DATA, type NDArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import * as lax from "../core/_lax.ts";
import { fmtShape, shapesEqual, sizeOf } from "../core/_shape.ts";
import { qrKernel } from "../kernels/_qr_svd.ts";
import { svdKernel } from "../kernels/_svd.ts";
import { matmulF64 } from "../kernels/matmul.ts";
import {
  type EvalRule,
  type JvpRule,
  leading,
  mask,
  mT,
  notLinear,
  type ShapeRule,
  solveTriangular,
  type TransposeRule,
  type VmapRule,
} from "./_linalg_util.ts";

type QrSvdPrimitive = "qr" | "svd" | "pinv";

// ---- shapes ------------------------------------------------------------------------------

function matrixAval(prim: string, a: Aval): [number, number] {
  if (a.shape.length < 2) {
    throw new TypeError(`${prim}: needs matrices [..., m, n], got ${fmtShape(a.shape)}.`);
  }
  if (a.dtype !== "float32" && a.dtype !== "float64") {
    throw new TypeError(`${prim}: needs float32 or float64 matrices, got ${a.dtype}.`);
  }
  return [a.shape[a.shape.length - 2], a.shape[a.shape.length - 1]];
}

export const qrSvdShapeRules: { [P in QrSvdPrimitive]: ShapeRule<P> } = {
  qr: ([a], { full }) => {
    const [m, n] = matrixAval("qr", a);
    const k = full ? m : Math.min(m, n), batch = a.shape.slice(0, -2);
    return [{ shape: [...batch, m, k], dtype: a.dtype }, {
      shape: [...batch, k, n],
      dtype: a.dtype,
    }];
  },
  svd: ([a], { fullMatrices, computeUv }) => {
    const [m, n] = matrixAval("svd", a);
    const k = Math.min(m, n), batch = a.shape.slice(0, -2);
    const s = { shape: [...batch, k], dtype: a.dtype };
    if (!computeUv) return [s];
    return [
      s,
      { shape: [...batch, m, fullMatrices ? m : k], dtype: a.dtype },
      { shape: [...batch, fullMatrices ? n : k, n], dtype: a.dtype },
    ];
  },
  pinv: ([a, rtol]) => {
    const [m, n] = matrixAval("pinv", a);
    const batch = a.shape.slice(0, -2);
    if (rtol.dtype !== a.dtype || !shapesEqual(rtol.shape, batch)) {
      throw new TypeError(
        `pinv: rtol must be ${a.dtype}${fmtShape(batch)} (one per matrix of ` +
          `${fmtShape(a.shape)}), got ${rtol.dtype}${fmtShape(rtol.shape)}.`,
      );
    }
    return [{ shape: [...batch, n, m], dtype: a.dtype }];
  },
};

// ---- evaluation: the kernels looped over the batch axes -------------------------------------

/** Runs `kernel` on each matrix of `a` and stacks its outputs (shapes from the shape rule). */
function perMatrix(
  a: ArrayValue,
  outs: Aval[],
  kernel: (x: Float64Array, m: number, n: number, i: number) => Float64Array[],
): ArrayValue[] {
  const [m, n] = [a.shape[a.ndim - 2], a.shape[a.ndim - 1]];
  const count = sizeOf(a.shape.slice(0, -2));
  const bufs = outs.map((o) => allocate(o.dtype, sizeOf(o.shape)));
  for (let i = 0; i < count; i++) {
    const x = Float64Array.from(a[DATA].subarray(i * m * n, (i + 1) * m * n));
    kernel(x, m, n, i).forEach((r, k) => bufs[k].set(r, i * r.length));
  }
  return outs.map((o, k) => new ArrayValue(bufs[k], o.shape, o.dtype));
}

export const qrSvdEvalRules: { [P in QrSvdPrimitive]: EvalRule<P> } = {
  qr: ([a], params) =>
    perMatrix(a, qrSvdShapeRules.qr([a], params), (x, m, n) => qrKernel(x, m, n, params.full)),
  svd: ([a], params) =>
    perMatrix(a, qrSvdShapeRules.svd([a], params), (x, m, n) => {
      const [s, u, vt] = svdKernel(x, m, n, params.fullMatrices, params.computeUv);
      return params.computeUv ? [s, u, vt] : [s];
    }),
  pinv: ([a, rtol], params) =>
    perMatrix(a, qrSvdShapeRules.pinv([a, rtol], params), (x, m, n, i) => {
      // A⁺ = V diag(1/s) Uᵀ over the r leading s > rtol · s₀ (s descending): Wᵀ Uᵣᵀ with
      // W = diag(1/sᵣ) Vᵣᵀ (r×n) and Uᵣᵀ (r×m), both row-major for the product
      const [s, u, vt] = svdKernel(x, m, n, false);
      const k = s.length, cut = Number(rtol[DATA][i]) * (s[0] ?? 0);
      let r = 0;
      while (r < k && s[r] > cut) r++;
      const w = new Float64Array(r * n), ut = new Float64Array(r * m);
      for (let l = 0; l < r; l++) {
        for (let c = 0; c < n; c++) w[l * n + c] = vt[l * n + c] / s[l];
        for (let j = 0; j < m; j++) ut[l * m + j] = u[j * k + l];
      }
      const p = new Float64Array(n * m);
      // a non-finite A has NaN singular values and vectors: A⁺ is NaN too (as JAX's)
      if (k > 0 && Number.isNaN(s[0])) return [p.fill(NaN)];
      matmulF64(w, 0, ut, 0, p, 0, n, r, m, true, false);
      return [p];
    }),
};

// ---- derivatives ------------------------------------------------------------------------------

/** x[..., rows, cols] for ranges [r0, r1) × [c0, c1) of the last two axes. */
function block(x: NDArray, r0: number, r1: number, c0: number, c1: number): NDArray {
  const nd = x.ndim;
  const starts = [...Array(nd - 2).fill(0), r0, c0];
  const stops = [...x.shape.slice(0, -2), r1, c1];
  return bind1("slice", [x], { starts, stops, steps: Array(nd).fill(1) });
}

const concat = (xs: NDArray[], axis: number) => bind1("concatenate", xs, { axis });

/** The QR tangent for m ≥ n with square R: [Q̇, Ṙ] (see the file header). */
function thinQrJvp(q: NDArray, r: NDArray, dx: NDArray): [NDArray, NDArray] {
  const dxRinv = mT(solveTriangular(r, mT(dx), false, true)); // Ȧ R⁻¹ = (R⁻ᵀ Ȧᵀ)ᵀ
  const c = lax.matmul(mT(q), dxRinv);
  const lower = lax.mul(c, mask(c, (i, j) => (i > j ? 1 : 0)));
  const omega = lax.sub(lower, mT(lower));
  const dq = lax.add(lax.matmul(q, lax.sub(omega, c)), dxRinv);
  const dr = lax.matmul(lax.sub(c, omega), r);
  return [dq, dr];
}

/** X with A X = B for a general square A (LU with partial pivoting, then two solves). */
function solveGeneral(a: NDArray, b: NDArray): NDArray {
  const [lu, perm] = bind("lu", [a], {});
  const l = lax.add(
    lax.mul(lu, mask(lu, (i, j) => (i > j ? 1 : 0))),
    mask(lu, (i, j) => +(i === j)),
  );
  const iota = mask(a, (_, j) => j);
  const permCol = lax.broadcast(lax.reshape(perm, [...perm.shape, 1]), a.shape);
  const p = lax.convert(lax.binary("eq", lax.convert(permCol, a.dtype), iota), a.dtype); // P[i, j] = (perm[i] = j)
  const y = solveTriangular(l, lax.matmul(p, b), true, false);
  return solveTriangular(lu, y, false, false);
}

/** Q̇₂ and Ṙ for the complete Q of a tall A from the thin tangents (see the file header). */
function completeQrJvp(q: NDArray, dq1: NDArray, dr1: NDArray, m: number, n: number) {
  const q1 = block(q, 0, m, 0, n), q2 = block(q, 0, m, n, m);
  const q11 = block(q1, 0, n, 0, n), q21 = block(q1, n, m, 0, n);
  const dq11 = block(dq1, 0, n, 0, n), dq21 = block(dq1, n, m, 0, n);
  const eye = mask(q11, (i, j) => +(i === j));
  const zT = solveGeneral(mT(lax.sub(q11, eye)), mT(q21)); // Zᵀ = (Q₁₁ − I)⁻ᵀ Q₂₁ᵀ
  const z = mT(zT);
  const dq2 = lax.sub(
    lax.matmul(dq1, zT),
    lax.matmul(lax.add(q1, lax.matmul(q2, z)), mT(lax.sub(dq21, lax.matmul(z, dq11)))),
  );
  const zeroRows = lax.full({ shape: [...dr1.shape.slice(0, -2), m - n, n], dtype: dr1.dtype }, 0);
  return [concat([dq1, dq2], q.ndim - 1), concat([dr1, zeroRows], q.ndim - 2)];
}

/** s_j broadcast along rows: [..., 1, k] → [..., k, k] (column j scaled by s_j when multiplied). */
function rowOf(s: NDArray, rows: number): NDArray {
  const k = s.shape[s.ndim - 1];
  return lax.broadcast(lax.reshape(s, [...s.shape.slice(0, -1), 1, k]), [
    ...s.shape.slice(0, -1),
    rows,
    k,
  ]);
}

export const qrSvdJvpRules: { [P in QrSvdPrimitive]: JvpRule<P> } = {
  qr: ([a], [t], params) => {
    const [q, r] = bind("qr", [a], params);
    if (!t) return [[q, r], [null, null]];
    const [m, n] = [a.shape[a.ndim - 2], a.shape[a.ndim - 1]];
    if (m < n) {
      // A = [A₁ A₂]: (Q̇, Ṙ₁) from the square A₁ = Q R₁, Ṙ₂ = Q̇ᵀ A₂ + Qᵀ Ȧ₂
      const [dq, dr1] = thinQrJvp(q, block(r, 0, m, 0, m), block(t, 0, m, 0, m));
      const dr2 = lax.add(
        lax.matmul(mT(dq), block(a, 0, m, m, n)),
        lax.matmul(mT(q), block(t, 0, m, m, n)),
      );
      return [[q, r], [dq, concat([dr1, dr2], a.ndim - 1)]];
    }
    if (!params.full || m === n) {
      const [dq, dr] = thinQrJvp(q, r, t);
      return [[q, r], [dq, dr]];
    }
    const [dq1, dr1] = thinQrJvp(block(q, 0, m, 0, n), block(r, 0, n, 0, n), t);
    return [[q, r], completeQrJvp(q, dq1, dr1, m, n)];
  },
  svd: ([a], [t], params) => {
    const outs = bind("svd", [a], params);
    if (!t) return [outs, outs.map(() => null)];
    const [m, n] = [a.shape[a.ndim - 2], a.shape[a.ndim - 1]];
    if (params.computeUv && params.fullMatrices && m !== n) {
      throw new TypeError(
        `np.linalg.svd: U and Vh of a non-square ${fmtShape(a.shape)} with fullMatrices: true ` +
          `have no derivative (their extra columns are arbitrary); differentiate with ` +
          `{ fullMatrices: false } or { computeUv: false }.`,
      );
    }
    const [s, u, vt] = bind("svd", [a], { fullMatrices: false, computeUv: true });
    const v = mT(vt);
    const p = lax.matmul(mT(u), lax.matmul(t, v)); // P = Uᵀ Ȧ V
    const k = s.shape[s.ndim - 1];
    const eye = mask(p, (i, j) => +(i === j));
    const ds = lax.reduceSum(lax.mul(p, eye), [p.ndim - 1]);
    if (!params.computeUv) return [outs, [ds]];
    const sj = rowOf(s, k), si = mT(sj);
    // F_ij = 1/(s_j² − s_i²) off the diagonal, 0 on it
    const diffs = lax.mul(lax.add(sj, si), lax.sub(sj, si));
    const f = lax.sub(lax.div(lax.full(diffs, 1), lax.add(diffs, eye)), eye);
    const ps = lax.mul(p, sj); // P S
    const sp = lax.mul(si, p); // S P
    let du = lax.matmul(u, lax.mul(f, lax.add(ps, mT(ps))));
    let dv = lax.matmul(v, lax.mul(f, lax.add(sp, mT(sp))));
    if (m > n) {
      // + (I − U Uᵀ) Ȧ V S⁻¹
      const av = lax.matmul(t, v);
      const rest = lax.sub(av, lax.matmul(u, lax.matmul(mT(u), av)));
      du = lax.add(du, lax.div(rest, rowOf(s, m)));
    }
    if (n > m) {
      // + (I − V Vᵀ) Ȧᵀ U S⁻¹
      const au = lax.matmul(mT(t), u);
      const rest = lax.sub(au, lax.matmul(v, lax.matmul(vt, au)));
      dv = lax.add(dv, lax.div(rest, rowOf(s, n)));
    }
    return [outs, [ds, du, mT(dv)]];
  },
  // Ṗ = −P Ȧ P + P Pᵀ Ȧᵀ (I − A P) + (I − P A) Ȧᵀ Pᵀ P, multiplied in the cheaper order
  pinv: ([a, rtol], [t], params) => {
    const p = bind1("pinv", [a, rtol], params);
    if (!t) return [[p], [null]];
    const [m, n] = [a.shape[a.ndim - 2], a.shape[a.ndim - 1]];
    const mm = lax.matmul, tt = mT(t), pt = mT(p);
    let dp: NDArray;
    if (m >= n) {
      const s = mm(mm(p, pt), tt), u = mm(mm(tt, pt), p);
      dp = lax.add(
        lax.sub(lax.sub(s, mm(mm(s, a), p)), mm(mm(p, t), p)),
        lax.sub(u, mm(mm(p, a), u)),
      );
    } else {
      const s = mm(p, mm(pt, tt)), u = mm(tt, mm(pt, p));
      dp = lax.add(
        lax.sub(lax.sub(s, mm(s, mm(a, p))), mm(p, mm(t, p))),
        lax.sub(u, mm(p, mm(a, u))),
      );
    }
    return [[p], [dp]];
  },
};

export const qrSvdTransposeRules: { [P in QrSvdPrimitive]: TransposeRule<P> } = {
  qr: notLinear("qr"),
  svd: notLinear("svd"),
  pinv: notLinear("pinv"),
};

export const qrSvdVmapRules: { [P in QrSvdPrimitive]: VmapRule<P> } = {
  qr: leading("qr"),
  svd: leading("svd"),
  pinv: leading("pinv"),
};
