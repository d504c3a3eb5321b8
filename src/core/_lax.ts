/**
 * Thin typed wrappers around `bind` for use inside interpreter rules. Unlike
 * the public `np` functions they do no broadcasting or promotion: operands
 * must already agree, exactly as the primitives require.
 */
import { type Aval, bind1 } from "./_trace.ts";
import { allocate, type DType } from "./_dtype.ts";
import type { NDArray } from "./_ndarray.ts";
import { ArrayValue } from "./_array_value.ts";
import type { BinaryPrimitive, ComparePrimitive, UnaryPrimitive } from "./_primitive_families.ts";
import { sizeOf } from "./_shape.ts";

export const unary = (p: UnaryPrimitive, x: NDArray): NDArray => bind1(p, [x], {});
export const binary = (p: BinaryPrimitive | ComparePrimitive, x: NDArray, y: NDArray): NDArray =>
  bind1(p, [x, y], {});

export const neg = (x: NDArray): NDArray => bind1("neg", [x], {});
export const add = (x: NDArray, y: NDArray): NDArray => bind1("add", [x, y], {});
export const sub = (x: NDArray, y: NDArray): NDArray => bind1("sub", [x, y], {});
export const mul = (x: NDArray, y: NDArray): NDArray => bind1("mul", [x, y], {});
export const div = (x: NDArray, y: NDArray): NDArray => bind1("div", [x, y], {});
export const select = (p: NDArray, t: NDArray, f: NDArray): NDArray =>
  bind1("select", [p, t, f], {});
export const convert = (x: NDArray, dtype: DType): NDArray =>
  x.dtype === dtype ? x : bind1("convert", [x], { dtype });
export const reduceSum = (x: NDArray, axes: number[]): NDArray =>
  axes.length === 0 ? x : bind1("reduce_sum", [x], { axes });
export const reshape = (x: NDArray, shape: readonly number[]): NDArray =>
  sameShape(x.shape, shape) ? x : bind1("reshape", [x], { shape: [...shape] });
export const transpose = (x: NDArray, perm: readonly number[]): NDArray =>
  perm.every((p, i) => p === i) ? x : bind1("transpose", [x], { perm: [...perm] });
export const broadcast = (x: NDArray, shape: readonly number[]): NDArray =>
  sameShape(x.shape, shape) ? x : bind1("broadcast", [x], { shape: [...shape] });
export const matmul = (a: NDArray, b: NDArray): NDArray => bind1("matmul", [a, b], {});
/** Running sums, maxima, minima, products or log-sum-exps along `axis`, from its end when `reverse`. */
export const cumulative = (
  prim: "cumsum" | "cummax" | "cummin" | "cumprod" | "cumlogsumexp",
  x: NDArray,
  axis: number,
  reverse: boolean,
): NDArray => bind1(prim, [x], { axis, reverse });

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** A concrete array of `aval` filled with `value`. */
export function full(aval: Aval, value: number): ArrayValue {
  const data = allocate(aval.dtype, sizeOf(aval.shape));
  if (value !== 0) data.fill(value);
  return new ArrayValue(data, aval.shape, aval.dtype);
}

export const zerosLike = (x: Aval): ArrayValue => full(x, 0);

/** `x * c` for a JS number `c`, without materialising `c` when it is 1 or -1. */
export function scale(x: NDArray, c: number): NDArray {
  if (c === 1) return x;
  if (c === -1) return neg(x);
  return mul(x, full(x, c));
}

/** Inserts size-1 axes at the (sorted) reduced `axes`, so a reduction's result broadcasts back. */
export function keepDims(x: NDArray, inShape: readonly number[], axes: readonly number[]): NDArray {
  return reshape(x, inShape.map((d, i) => (axes.includes(i) ? 1 : d)));
}

/** Broadcasts a reduction's result back over the reduced axes of `inShape`. */
export function unreduce(x: NDArray, inShape: readonly number[], axes: readonly number[]): NDArray {
  return broadcast(keepDims(x, inShape, axes), inShape);
}

/** Sums `x` (of `shape`) down to `target`, the inverse of NumPy broadcasting. */
export function sumToShape(x: NDArray, target: readonly number[]): NDArray {
  const lead = x.ndim - target.length;
  const axes: number[] = [];
  for (let i = 0; i < x.ndim; i++) {
    if (i < lead || (target[i - lead] === 1 && x.shape[i] !== 1)) axes.push(i);
  }
  return reshape(reduceSum(x, axes), target);
}
