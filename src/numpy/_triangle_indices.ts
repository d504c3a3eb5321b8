/**
 * Index sets that depend only on static shapes, computed in JS: `triuIndices`/`trilIndices`
 * (and `...From`), `diagIndices` (and `...From`), `indices`.
 */
import * as lax from "../core/_lax.ts";
import type { ArrayLike, NDArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import { asArrayValue } from "./_base.ts";
import { broadcastShapes as commonShape, fmtShape } from "../core/_shape.ts";
import { checkChoice, checkInt, checkShapeArg, show } from "../core/_validate.ts";
import { broadcastTo } from "./_structure.ts";
import { dims, int32, intArray } from "./_index_args.ts";

/**
 * The flat (row-major) indices of coordinates in an array of `shape`.
 * @param multiIndex One int32 array of coordinates per axis (broadcast together).
 * @param shape The array's shape.
 * @param mode Out-of-range coordinates: `"raise"` (default; eager inputs only), `"clip"` or
 *   `"wrap"`.
 * @returns int32 flat indices.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const i = np.array([1, 0], { dtype: "int32" }), j = np.array([2, 1], { dtype: "int32" });
 * assert.deepEqual(np.ravelMultiIndex([i, j], [2, 3]).toArray(), [5, 1]);
 * ```
 */
export function ravelMultiIndex(
  multiIndex: readonly ArrayLike[],
  shape: readonly number[],
  mode: "raise" | "clip" | "wrap" = "raise",
): NDArray {
  const op = "np.ravelMultiIndex";
  const s = dims(op, shape);
  checkChoice(op, "mode", mode, ["raise", "clip", "wrap"]);
  if (!Array.isArray(multiIndex) || multiIndex.length !== s.length) {
    throw new TypeError(
      `${op}: give one coordinate array per axis of ${fmtShape(s)}, got ${show(multiIndex)}.`,
    );
  }
  const coords = multiIndex.map((c, k) => intArray(op, `coordinate ${k}`, c));
  const shp = commonShape(op, ...coords.map((c) => c.shape));
  let flat: NDArray = lax.full({ shape: shp, dtype: "int32" }, 0);
  coords.forEach((c0, k) => {
    let c = broadcastTo(c0, shp);
    const d = s[k];
    if (mode === "clip") {
      c = lax.binary("min", lax.binary("max", c, lax.full(c, 0)), lax.full(c, d - 1));
    } else if (mode === "wrap") {
      const r = lax.binary("rem", c, lax.full(c, d));
      c = lax.select(lax.binary("lt", r, lax.full(r, 0)), lax.add(r, lax.full(r, d)), r);
    } else {
      if (!(c instanceof ArrayValue)) {
        throw new TypeError(
          `${op}: mode "raise" needs concrete indices; under a transform pass "clip" or "wrap".`,
        );
      }
      const bad = Array.from(c.toTypedArray()).find((v) => v < 0 || v >= d);
      if (bad !== undefined) {
        throw new RangeError(
          `${op}: coordinate ${bad} is out of range for axis ${k} of size ${d}.`,
        );
      }
    }
    flat = lax.add(lax.mul(flat, lax.full(flat, d)), c);
  });
  return flat;
}

function triangle(
  op: string,
  n: number,
  k: number,
  m: number | undefined,
  upper: boolean,
): NDArray[] {
  checkInt(op, "n", n, 0);
  checkInt(op, "k", k);
  const cols = m === undefined ? n : checkInt(op, "m", m, 0);
  // row i holds columns [lo, hi): count them first, then fill typed arrays (a JS Array
  // stops at ~2^27 elements, which n = 16384 already passes)
  const span = (i: number): [number, number] =>
    upper
      ? [Math.min(cols, Math.max(0, i + k)), cols]
      : [0, Math.min(cols, Math.max(0, i + k + 1))];
  let total = 0;
  for (let i = 0; i < n; i++) {
    const [lo, hi] = span(i);
    total += hi - lo;
  }
  const rows = new Int32Array(total), cs = new Int32Array(total);
  for (let i = 0, t = 0; i < n; i++) {
    const [lo, hi] = span(i);
    rows.fill(i, t, t + hi - lo);
    for (let j = lo; j < hi; j++) cs[t++] = j;
  }
  return [new ArrayValue(rows, [total], "int32"), new ArrayValue(cs, [total], "int32")];
}

/**
 * The row and column indices of the upper triangle (j − i ≥ k) of an n×m matrix, row by row.
 * @param n Rows.
 * @param k Diagonal offset (default 0).
 * @param m Columns (default n).
 * @returns `[rows, cols]` (int32).
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const [r, c] = np.triuIndices(3, 1);
 * assert.deepEqual([r.toArray(), c.toArray()], [[0, 0, 1], [1, 2, 2]]);
 * ```
 */
export function triuIndices(n: number, k = 0, m?: number): NDArray[] {
  return triangle("np.triuIndices", n, k, m, true);
}

/**
 * The row and column indices of the lower triangle (j − i ≤ k) of an n×m matrix, row by row.
 * @param n Rows.
 * @param k Diagonal offset (default 0).
 * @param m Columns (default n).
 * @returns `[rows, cols]` (int32).
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const [r, c] = np.trilIndices(3, -1);
 * assert.deepEqual([r.toArray(), c.toArray()], [[1, 2, 2], [0, 0, 1]]);
 * ```
 */
export function trilIndices(n: number, k = 0, m?: number): NDArray[] {
  return triangle("np.trilIndices", n, k, m, false);
}

function matrixShape(op: string, x: ArrayLike): [number, number] {
  const a = asArrayValue(op, x);
  if (a.ndim !== 2) throw new TypeError(`${op}: needs a 2-D array, got ${fmtShape(a.shape)}.`);
  return [a.shape[0], a.shape[1]];
}

/**
 * `triuIndices` for the shape of a 2-D array.
 * @param x A 2-D array.
 * @param k Diagonal offset (default 0).
 * @returns `[rows, cols]` (int32).
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.triuIndicesFrom(np.ones([2, 3]))[1].toArray(), [0, 1, 2, 1, 2]);
 * ```
 */
export function triuIndicesFrom(x: ArrayLike, k = 0): NDArray[] {
  const [n, m] = matrixShape("np.triuIndicesFrom", x);
  return triangle("np.triuIndicesFrom", n, k, m, true);
}

/**
 * `trilIndices` for the shape of a 2-D array.
 * @param x A 2-D array.
 * @param k Diagonal offset (default 0).
 * @returns `[rows, cols]` (int32).
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.trilIndicesFrom(np.ones([3, 2]))[0].toArray(), [0, 1, 1, 2, 2]);
 * ```
 */
export function trilIndicesFrom(x: ArrayLike, k = 0): NDArray[] {
  const [n, m] = matrixShape("np.trilIndicesFrom", x);
  return triangle("np.trilIndicesFrom", n, k, m, false);
}

/**
 * The indices of the main diagonal of an n×...×n array: `ndim` copies of [0, ..., n − 1].
 * @param n The side.
 * @param ndim The number of axes (default 2).
 * @returns `ndim` int32 arrays.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.diagIndices(3)[1].toArray(), [0, 1, 2]);
 * ```
 */
export function diagIndices(n: number, ndim = 2): NDArray[] {
  checkInt("np.diagIndices", "n", n, 0);
  checkInt("np.diagIndices", "ndim", ndim, 1);
  const v = int32([...Array(n).keys()], [n]);
  return Array.from({ length: ndim }, () => v);
}

/**
 * `diagIndices` for an array whose axes all have one length.
 * @param x The array (at least 2-D).
 * @returns One int32 array per axis.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.diagIndicesFrom(np.ones([2, 2, 2])).length, 3);
 * ```
 */
export function diagIndicesFrom(x: ArrayLike): NDArray[] {
  const a = asArrayValue("np.diagIndicesFrom", x);
  if (a.ndim < 2 || a.shape.some((d) => d !== a.shape[0])) {
    throw new TypeError(
      `np.diagIndicesFrom: needs at least 2 axes of one length, got ${fmtShape(a.shape)}.`,
    );
  }
  return diagIndices(a.shape[0], a.ndim);
}

/**
 * The index grid of an array of `shape`: out[k][i₀, ..., iₙ] = i_k.
 * @param shape The grid's shape.
 * @returns An int32 array of shape [len(shape), ...shape].
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.indices([2, 2]).toArray(), [[[0, 0], [1, 1]], [[0, 1], [0, 1]]]);
 * ```
 */
export function indices(shape: readonly number[]): NDArray {
  const s = checkShapeArg("np.indices", shape);
  const size = s.reduce((p, d) => p * d, 1);
  const out = new Int32Array(s.length * size);
  for (let f = 0; f < size; f++) {
    let rest = f;
    for (let k = s.length - 1; k >= 0; k--) {
      out[k * size + f] = rest % s[k];
      rest = Math.floor(rest / s[k]);
    }
  }
  return new ArrayValue(out, [s.length, ...s], "int32");
}
