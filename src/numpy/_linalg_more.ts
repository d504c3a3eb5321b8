/**
 * The array-API names of `jax.numpy.linalg` (`vecdot`, `matrixTranspose`, `diagonal`,
 * `trace`, `outer`, `cross`, `matmul`, `tensordot`) with their linalg conventions (last two
 * axes, keyword-only options), and `multiDot`. (`matrixNorm`, `vectorNorm`, `tensorinv` and
 * `tensorsolve`, which build on `norm`, `inv` and `solve`, are in `linalg.ts`.) Every one
 * composes existing functions, so each is differentiable and batched exactly as what it calls.
 *
 * @module
 */
import * as lax from "../core/_lax.ts";
import type { ArrayLike, NDArray } from "../core/_ndarray.ts";
import { asArrayValue, promote } from "./_base.ts";
import { fmtShape } from "../core/_shape.ts";
import { checkInt, checkOptions, show } from "../core/_validate.ts";
import { moveaxis } from "./_arrange.ts";
import { diagonal as npDiagonal, trace as npTrace } from "./_diagonals.ts";
import { cross as npCross, tensordot as npTensordot } from "./_products.ts";
import { matmul as npMatmul, sum } from "./_reduce.ts";
import { mul } from "./_elementwise.ts";

/**
 * Dot products of vectors along an axis, broadcasting the others: Σ x1·x2 over `axis`.
 * @param x1 Left operand.
 * @param x2 Right operand (same size along `axis`).
 * @param options `axis` (default −1).
 * @returns The dot products.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.linalg.vecdot(np.array([[1, 2], [3, 4]]), np.array([1, 1])).toArray(), [3, 7]);
 * ```
 */
export function vecdot(x1: ArrayLike, x2: ArrayLike, options: { axis?: number } = {}): NDArray {
  const op = "np.linalg.vecdot";
  checkOptions(op, options, ["axis"]);
  const [a, b] = promote(op, [x1, x2]);
  const axis = checkInt(op, "axis", options.axis ?? -1);
  const size = (v: NDArray) => v.shape[axis < 0 ? v.ndim + axis : axis];
  if (a.ndim === 0 || b.ndim === 0 || size(a) === undefined || size(a) !== size(b)) {
    throw new TypeError(
      `${op}: x1 ${fmtShape(a.shape)} and x2 ${fmtShape(b.shape)} must have the same size ` +
        `along axis ${axis}.`,
    );
  }
  // each operand's axis moved last, then the rest broadcast
  const p = mul(moveaxis(a, axis, -1), moveaxis(b, axis, -1));
  return sum(p, { axis: -1 });
}

/**
 * The transposes of the matrices in the last two axes.
 * @param x Matrices [..., m, n].
 * @returns [..., n, m].
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.linalg.matrixTranspose(np.ones([4, 2, 3])).shape, [4, 3, 2]);
 * ```
 */
export function matrixTranspose(x: ArrayLike): NDArray {
  const a = asArrayValue("np.linalg.matrixTranspose", x);
  if (a.ndim < 2) {
    throw new TypeError(
      `np.linalg.matrixTranspose: needs at least 2 axes, got ${fmtShape(a.shape)}.`,
    );
  }
  return lax.transpose(a, [...Array(a.ndim - 2).keys(), a.ndim - 1, a.ndim - 2]);
}

/**
 * The diagonals of the matrices in the last two axes.
 * @param x Matrices [..., m, n].
 * @param options `offset` (default 0; positive above the main diagonal).
 * @returns [..., k].
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.linalg.diagonal(np.array([[1, 2], [3, 4]])).toArray(), [1, 4]);
 * ```
 */
export function diagonal(x: ArrayLike, options: { offset?: number } = {}): NDArray {
  checkOptions("np.linalg.diagonal", options, ["offset"]);
  return npDiagonal(x, options.offset ?? 0, -2, -1);
}

/**
 * The traces of the matrices in the last two axes.
 * @param x Matrices [..., m, n].
 * @param options `offset` (default 0).
 * @returns [...].
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.linalg.trace(np.stack([np.eye(2), np.eye(2).mul(3)])).toArray(), [2, 6]);
 * ```
 */
export function trace(x: ArrayLike, options: { offset?: number } = {}): NDArray {
  checkOptions("np.linalg.trace", options, ["offset"]);
  return npTrace(x, options.offset ?? 0, -2, -1);
}

/**
 * The outer product of two vectors.
 * @param x1 A vector [m].
 * @param x2 A vector [n].
 * @returns [m, n].
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.linalg.outer(np.array([1, 2]), np.array([3, 4])).toArray(), [[3, 4], [6, 8]]);
 * ```
 */
export function outer(x1: ArrayLike, x2: ArrayLike): NDArray {
  const [a, b] = promote("np.linalg.outer", [x1, x2]);
  if (a.ndim !== 1 || b.ndim !== 1) {
    throw new TypeError(
      `np.linalg.outer: needs two vectors, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)} ` +
        `(np.outer flattens).`,
    );
  }
  return npMatmul(lax.reshape(a, [a.size, 1]), lax.reshape(b, [1, b.size]));
}

/**
 * Cross products of 3-vectors along an axis (the array-API form: both sizes must be 3).
 * @param x1 Vectors with 3 elements along `axis`.
 * @param x2 Vectors with 3 elements along `axis` (other axes broadcast).
 * @param options `axis` (default −1).
 * @returns The cross products.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.linalg.cross(np.array([1, 0, 0]), np.array([0, 1, 0])).toArray(), [0, 0, 1]);
 * ```
 */
export function cross(x1: ArrayLike, x2: ArrayLike, options: { axis?: number } = {}): NDArray {
  const op = "np.linalg.cross";
  checkOptions(op, options, ["axis"]);
  const [a, b] = promote(op, [x1, x2]);
  const axis = checkInt(op, "axis", options.axis ?? -1);
  const size = (v: NDArray) => v.shape[axis < 0 ? v.ndim + axis : axis];
  if (size(a) !== 3 || size(b) !== 3) {
    throw new TypeError(
      `${op}: needs 3-vectors along axis ${axis}, got ${fmtShape(a.shape)} and ` +
        `${fmtShape(b.shape)} (np.cross also takes 2-vectors).`,
    );
  }
  return npCross(a, b, axis);
}

/**
 * Matrix products (`np.matmul`), under its `np.linalg` name.
 * @param x1 [..., m, k] or [k].
 * @param x2 [..., k, n] or [k].
 * @returns The products.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.linalg.matmul(np.eye(2), np.array([[1, 2], [3, 4]])).toArray(), [[1, 2], [3, 4]]);
 * ```
 */
export function matmul(x1: ArrayLike, x2: ArrayLike): NDArray {
  const [a, b] = promote("np.linalg.matmul", [x1, x2]);
  return npMatmul(a, b);
}

/**
 * Tensor dot products (`np.tensordot` with keyword `axes`).
 * @param x1 Left operand.
 * @param x2 Right operand.
 * @param options `axes`: a count (default 2) or the two lists of contracted axes.
 * @returns The contraction.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.linalg.tensordot(np.ones([2, 3]), np.ones([3, 4]), { axes: 1 }).shape, [2, 4]);
 * ```
 */
export function tensordot(
  x1: ArrayLike,
  x2: ArrayLike,
  options: { axes?: number | readonly [readonly number[] | number, readonly number[] | number] } =
    {},
): NDArray {
  checkOptions("np.linalg.tensordot", options, ["axes"]);
  return npTensordot(x1, x2, options.axes ?? 2);
}

/**
 * The product of a chain of matrices, multiplied in the order that costs the fewest
 * flops (dynamic programming over the split points). The first and last may be vectors.
 * @param arrays Two or more arrays: 2-D, except the first and last, which may be 1-D.
 * @returns The product.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const y = np.linalg.multiDot([np.ones([10, 2]), np.ones([2, 10]), np.ones([10])]);
 * assert.deepEqual(y.shape, [10]);
 * assert.deepEqual(y.toArray(), Array(10).fill(20));
 * ```
 */
export function multiDot(arrays: readonly ArrayLike[]): NDArray {
  const op = "np.linalg.multiDot";
  if (!Array.isArray(arrays) || arrays.length < 2) {
    throw new TypeError(`${op}: needs a list of at least two arrays, got ${show(arrays)}.`);
  }
  const xs = promote(op, arrays);
  const last = xs.length - 1;
  const vecFirst = xs[0].ndim === 1, vecLast = xs[last].ndim === 1;
  const ms = xs.map((x, i) => {
    if (i === 0 && vecFirst) return lax.reshape(x, [1, x.size]);
    if (i === last && vecLast) return lax.reshape(x, [x.size, 1]);
    if (x.ndim !== 2) {
      throw new TypeError(
        `${op}: array ${i} has shape ${fmtShape(x.shape)}; all must be 2-D (the first and ` +
          `last may be 1-D).`,
      );
    }
    return x;
  });
  const dims = [ms[0].shape[0], ...ms.map((m) => m.shape[1])];
  ms.forEach((m, i) => {
    if (m.shape[0] !== dims[i]) {
      throw new TypeError(
        `${op}: array ${i} ${fmtShape(xs[i].shape)} does not chain with array ${i - 1} ` +
          `${fmtShape(xs[i - 1].shape)}.`,
      );
    }
  });
  // cost[i][j]: the fewest flops for ms[i..j]; split[i][j]: where that product splits
  const n = ms.length;
  const cost = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const split = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let len = 1; len < n; len++) {
    for (let i = 0; i + len < n; i++) {
      const j = i + len;
      cost[i][j] = Infinity;
      for (let k = i; k < j; k++) {
        const c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1];
        if (c < cost[i][j]) [cost[i][j], split[i][j]] = [c, k];
      }
    }
  }
  const product = (i: number, j: number): NDArray =>
    i === j ? ms[i] : lax.matmul(product(i, split[i][j]), product(split[i][j] + 1, j));
  const out = product(0, last);
  const shape = [...(vecFirst ? [] : [dims[0]]), ...(vecLast ? [] : [dims[n]])];
  return lax.reshape(out, shape);
}
