/**
 * Triangles and diagonals for `np`: `tril`, `triu`, `diagonal`, `diag`, `trace`, as
 * compositions of the structural primitives (select, take, broadcast, reduce), so each is
 * differentiable, batchable and jittable through their rules.
 */
import { bind1 } from "../core/_trace.ts";
import * as lax from "../core/_lax.ts";
import type { ArrayLike, NDArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import { asArrayValue, broadcastToShape } from "./_base.ts";
import { fmtShape, normalizeAxis } from "../core/_shape.ts";
import { checkInt } from "../core/_validate.ts";
import { sum } from "./_reduce.ts";

const int32 = (values: number[], shape = [values.length]): NDArray =>
  new ArrayValue(Int32Array.from(values), shape, "int32");

function triangle(op: string, x: ArrayLike, k: number, lower: boolean): NDArray {
  const a = asArrayValue(`np.${op}`, x);
  checkInt(`np.${op}`, "k", k);
  if (a.ndim < 2) throw new TypeError(`np.${op}: needs at least 2 axes, got ${fmtShape(a.shape)}.`);
  const [n, m] = a.shape.slice(-2);
  const mask = new Uint8Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) mask[i * m + j] = (lower ? j - i <= k : j - i >= k) ? 1 : 0;
  }
  const keep = broadcastToShape(new ArrayValue(mask, [n, m], "bool"), a.shape);
  return lax.select(keep, a, lax.full(a, 0));
}

/**
 * The lower triangle of the last two axes (on and below diagonal k); zeros elsewhere.
 * @param x The input.
 * @param k Diagonal offset (positive: above the main diagonal).
 * @returns The masked array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.tril(np.ones([2, 2])).toArray(), [[1, 0], [1, 1]]);
 * ```
 */
export function tril(x: ArrayLike, k = 0): NDArray {
  return triangle("tril", x, k, true);
}

/**
 * The upper triangle of the last two axes (on and above diagonal k); zeros elsewhere.
 * @param x The input.
 * @param k Diagonal offset.
 * @returns The masked array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.triu(np.ones([2, 2])).toArray(), [[1, 1], [0, 1]]);
 * ```
 */
export function triu(x: ArrayLike, k = 0): NDArray {
  return triangle("triu", x, k, false);
}

/**
 * The diagonal `offset` of the plane (axis1, axis2), as a new last axis.
 * @param x The input (at least 2 axes).
 * @param offset Diagonal offset (positive: above the main diagonal).
 * @param axis1 First axis of the plane.
 * @param axis2 Second axis of the plane.
 * @returns The diagonals.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.diagonal(np.array([[1, 2], [3, 4]])).toArray(), [1, 4]);
 * ```
 */
export function diagonal(x: ArrayLike, offset = 0, axis1 = 0, axis2 = 1): NDArray {
  const a = asArrayValue("np.diagonal", x);
  checkInt("np.diagonal", "offset", offset);
  if (a.ndim < 2) {
    throw new TypeError(`np.diagonal: needs at least 2 axes, got ${fmtShape(a.shape)}.`);
  }
  const p = normalizeAxis("np.diagonal", axis1, a.ndim);
  const q = normalizeAxis("np.diagonal", axis2, a.ndim);
  if (p === q) throw new RangeError("np.diagonal: axis1 and axis2 must differ.");
  const rest = [...Array(a.ndim).keys()].filter((i) => i !== p && i !== q);
  const t = lax.transpose(a, [...rest, p, q]);
  const [n, m] = [a.shape[p], a.shape[q]];
  const lead = rest.map((i) => a.shape[i]);
  const idx: number[] = [];
  for (let i = Math.max(0, -offset); i < n && i + offset < m; i++) idx.push(i * m + i + offset);
  const flat = lax.reshape(t, [...lead, n * m]);
  return bind1("take", [flat, int32(idx)], { axis: lead.length });
}

/**
 * A 1-D array's diagonal matrix (on diagonal k), or a 2-D array's diagonal k.
 * @param v The vector or matrix.
 * @param k Diagonal offset.
 * @returns The matrix or the diagonal.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.diag(np.array([1, 2])).toArray(), [[1, 0], [0, 2]]);
 * ```
 */
export function diag(v: ArrayLike, k = 0): NDArray {
  const a = asArrayValue("np.diag", v);
  checkInt("np.diag", "k", k);
  if (a.ndim === 2) return diagonal(a, k);
  if (a.ndim !== 1) {
    throw new TypeError(`np.diag: needs a 1-D or 2-D array, got ${fmtShape(a.shape)}.`);
  }
  const n = a.shape[0] + Math.abs(k);
  const pos = [...Array(a.shape[0]).keys()].map((i) => k >= 0 ? i * n + i + k : (i - k) * n + i);
  const out = bind1("scatter_add", [a, int32(pos)], { axis: 0, size: n * n });
  return lax.reshape(out, [n, n]);
}

/**
 * The sum of the diagonal `offset` of the plane (axis1, axis2).
 * @param x The input.
 * @param offset Diagonal offset.
 * @param axis1 First axis of the plane.
 * @param axis2 Second axis of the plane.
 * @returns The traces.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.trace(np.array([[1, 2], [3, 4]])).item(), 5);
 * ```
 */
export function trace(x: ArrayLike, offset = 0, axis1 = 0, axis2 = 1): NDArray {
  const d = diagonal(x, offset, axis1, axis2);
  return sum(d, { axis: d.ndim - 1 });
}
