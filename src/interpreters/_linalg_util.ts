/**
 * What the rule files of the dense factorisations (`_linalg_rules.ts`, `_qr_svd_rules.ts`)
 * share: the rule shapes of each interpreter table, restated (importing them would close an
 * import circle through the tables that spread these rules in), and small matrix helpers
 * built from primitives.
 */
import type { Aval } from "../core/_trace.ts";
import { bind, bind1 } from "../core/_trace.ts";
import { allocate } from "../core/_dtype.ts";
import type { NDArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import * as lax from "../core/_lax.ts";
import type { Primitive, PrimitiveParams } from "../core/_ir.ts";

type Q<P extends Primitive> = PrimitiveParams[P];
/** A tangent; null is a symbolic zero. */
export type T = NDArray | null;
export type Dim = number | null;
export type ShapeRule<P extends Primitive> = (avals: Aval[], params: Q<P>) => Aval[];
export type EvalRule<P extends Primitive> = (args: ArrayValue[], params: Q<P>) => ArrayValue[];
export type JvpRule<P extends Primitive> = (
  primals: NDArray[],
  tangents: T[],
  params: Q<P>,
) => [NDArray[], T[]];
export type TransposeRule<P extends Primitive> = (
  ct: NDArray,
  args: unknown[],
  params: Q<P>,
) => T[];
export type VmapRule<P extends Primitive> = (
  vals: NDArray[],
  dims: Dim[],
  params: Q<P>,
) => [NDArray[], Dim[]];

/** The last two axes swapped. */
export function mT(x: NDArray): NDArray {
  const r = x.ndim;
  return lax.transpose(x, [...Array(r - 2).keys(), r - 1, r - 2]);
}

/** A constant [n, n] matrix broadcast to `like` ([..., n, n]): value(i, j) per entry. */
export function mask(like: Aval, value: (i: number, j: number) => number): NDArray {
  const nd = like.shape.length, n = like.shape[nd - 1];
  const data = allocate(like.dtype, n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) data[i * n + j] = value(i, j);
  const m = new ArrayValue(data, [n, n], like.dtype);
  return lax.broadcast(lax.reshape(m, [...Array(nd - 2).fill(1), n, n]), like.shape);
}

/** X with op(A) X = B for triangular A. */
export const solveTriangular = (a: NDArray, b: NDArray, lower: boolean, transposeA: boolean) =>
  bind1("triangular_solve", [a, b], { lower, transposeA });

export const notLinear = (prim: string) => (): never => {
  throw new Error(`internal: ${prim} is not linear; it cannot appear in a linear program.`);
};

/** Moves every operand's batch axis to the front (materialising it when missing). */
function front(vals: NDArray[], dims: Dim[]): NDArray[] {
  const i = dims.findIndex((d) => d !== null);
  const size = vals[i].shape[dims[i]!];
  return vals.map((v, k) => {
    const d = dims[k];
    if (d === null) {
      return lax.broadcast(lax.reshape(v, [1, ...v.shape]), [size, ...v.shape]);
    }
    if (d === 0) return v;
    const perm = [d, ...[...Array(v.ndim).keys()].filter((j) => j !== d)];
    return lax.transpose(v, perm);
  });
}

/** The factorisations already loop over leading axes: the batch axis becomes one of them. */
export const leading = <P extends Primitive>(prim: P): VmapRule<P> => (vals, dims, params) => {
  const outs = bind(prim, front(vals, dims), params);
  return [outs, outs.map(() => 0)];
};
