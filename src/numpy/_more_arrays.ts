/**
 * Array-shaping and product compositions: `rollaxis`, `unstack`, `arrayEquiv`, `matvec`,
 * `vecmat`, `vecdot`, `diagflat`, `fillDiagonal`, `delete`, `insert`, `choose`, `copy`.
 * Positions are static (JS numbers), values flow through differentiable primitives.
 */
import * as lax from "../core/_lax.ts";
import { bind1 } from "../core/_trace.ts";
import type { ArrayLike, NDArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import { asArrayValue, promote } from "./_base.ts";
import { fmtShape, normalizeAxis } from "../core/_shape.ts";
import { checkChoice, checkInt, show } from "../core/_validate.ts";
import { moveaxis } from "./_arrange.ts";
import { diag } from "./_diagonals.ts";
import { broadcastTo, concatenate } from "./_structure.ts";
import { all } from "./_stats.ts";

const int32 = (v: readonly number[]) => new ArrayValue(Int32Array.from(v), [v.length], "int32");

/**
 * Moves `axis` to just before position `start` (NumPy's older spelling of `moveaxis`).
 * @param a The array.
 * @param axis The axis to move.
 * @param start The axis it goes before (default 0; ndim puts it last).
 * @returns The array with axes reordered.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.rollaxis(np.ones([2, 3, 4]), 2).shape, [4, 2, 3]);
 * assert.deepEqual(np.rollaxis(np.ones([2, 3, 4]), 0, 3).shape, [3, 4, 2]);
 * ```
 */
export function rollaxis(a: ArrayLike, axis: number, start = 0): NDArray {
  const x = asArrayValue("np.rollaxis", a);
  const ax = normalizeAxis("np.rollaxis", axis, x.ndim);
  checkInt("np.rollaxis", "start", start, -x.ndim, x.ndim);
  let s = start < 0 ? start + x.ndim : start;
  if (ax < s) s -= 1;
  return ax === s ? x : moveaxis(x, ax, s);
}

/**
 * The slices of x along `axis`, as a list (the inverse of `stack`).
 * @param x The array.
 * @param axis The axis (default 0).
 * @returns One array per index of the axis.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.unstack(np.array([[1, 2], [3, 4]]), 1).map((c) => c.toArray()), [[1, 3], [2, 4]]);
 * ```
 */
export function unstack(x: ArrayLike, axis = 0): NDArray[] {
  const a = asArrayValue("np.unstack", x);
  if (a.ndim === 0) throw new TypeError("np.unstack: needs at least one axis, got a scalar.");
  const ax = normalizeAxis("np.unstack", axis, a.ndim);
  const rest = a.shape.filter((_, i) => i !== ax);
  return Array.from({ length: a.shape[ax] }, (_, k) =>
    lax.reshape(
      bind1("slice", [a], {
        starts: a.shape.map((_, i) => (i === ax ? k : 0)),
        stops: a.shape.map((d, i) => (i === ax ? k + 1 : d)),
        steps: a.shape.map(() => 1),
      }),
      rest,
    ));
}

/**
 * True when the arrays broadcast to one shape and are equal everywhere (a bool scalar).
 * @param a1 First array.
 * @param a2 Second array.
 * @returns A bool scalar.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.arrayEquiv(np.array([1, 2]), np.array([[1, 2], [1, 2]])).itemBool(), true);
 * assert.equal(np.arrayEquiv(np.array([1, 2]), np.array([1, 2, 3])).itemBool(), false);
 * ```
 */
export function arrayEquiv(a1: ArrayLike, a2: ArrayLike): NDArray {
  const [a, b] = promote("np.arrayEquiv", [a1, a2]);
  const r = Math.max(a.ndim, b.ndim);
  const pa = [...Array(r - a.ndim).fill(1), ...a.shape],
    pb = [...Array(r - b.ndim).fill(1), ...b.shape];
  if (pa.some((d, i) => d !== pb[i] && d !== 1 && pb[i] !== 1)) {
    return lax.full({ shape: [], dtype: "bool" }, 0);
  }
  const shape = pa.map((d, i) => Math.max(d, pb[i]));
  return all(lax.binary("eq", broadcastTo(a, shape), broadcastTo(b, shape)));
}

/**
 * The matrix-vector product over the last axes, batched and broadcast: Σ_j A[..., i, j] v[..., j].
 * @param a Matrices [..., m, n].
 * @param v Vectors [..., n].
 * @returns [..., m].
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.matvec(np.array([[1, 2], [3, 4]]), np.array([1, 1])).toArray(), [3, 7]);
 * ```
 */
export function matvec(a: ArrayLike, v: ArrayLike): NDArray {
  const [m, x] = promote("np.matvec", [a, v]);
  if (m.ndim < 2 || x.ndim < 1 || m.shape[m.ndim - 1] !== x.shape[x.ndim - 1]) {
    throw new TypeError(
      `np.matvec: needs matrices [..., m, n] and vectors [..., n], got ${fmtShape(m.shape)} and ` +
        `${fmtShape(x.shape)}.`,
    );
  }
  // A v as a batched product [..., m, n] · [..., n, 1] (as JAX's dot_general), not an
  // [..., m, n] elementwise product then a sum
  return m.matmul(x.expandDims(-1)).squeeze(-1);
}

/**
 * The vector-matrix product over the last axes, batched and broadcast: Σ_i v[..., i] A[..., i, j].
 * @param v Vectors [..., m].
 * @param a Matrices [..., m, n].
 * @returns [..., n].
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.vecmat(np.array([1, 1]), np.array([[1, 2], [3, 4]])).toArray(), [4, 6]);
 * ```
 */
export function vecmat(v: ArrayLike, a: ArrayLike): NDArray {
  const [x, m] = promote("np.vecmat", [v, a]);
  if (m.ndim < 2 || x.ndim < 1 || m.shape[m.ndim - 2] !== x.shape[x.ndim - 1]) {
    throw new TypeError(
      `np.vecmat: needs vectors [..., m] and matrices [..., m, n], got ${fmtShape(x.shape)} and ` +
        `${fmtShape(m.shape)}.`,
    );
  }
  return x.expandDims(-2).matmul(m).squeeze(-2);
}

/**
 * The dot product of vectors along `axis`, broadcasting the other axes: Σ_i a[..., i] b[..., i].
 * @param a First vectors.
 * @param b Second vectors.
 * @param axis The axis (default −1).
 * @returns The dot products.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.vecdot(np.array([[1, 2], [3, 4]]), np.array([1, 1])).toArray(), [3, 7]);
 * ```
 */
export function vecdot(a: ArrayLike, b: ArrayLike, axis = -1): NDArray {
  const [x, y] = promote("np.vecdot", [a, b]);
  const r = Math.max(x.ndim, y.ndim);
  if (r === 0) throw new TypeError("np.vecdot: needs at least one axis, got scalars.");
  const ax = normalizeAxis("np.vecdot", axis, r);
  const p = x.mul(y);
  return p.sum(ax);
}

/**
 * The 2-D array with the flattened input on diagonal k.
 * @param v Values (flattened).
 * @param k Diagonal offset (default 0).
 * @returns A square matrix.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.diagflat(np.array([[1, 2]])).toArray(), [[1, 0], [0, 2]]);
 * ```
 */
export function diagflat(v: ArrayLike, k = 0): NDArray {
  const a = asArrayValue("np.diagflat", v);
  return diag(lax.reshape(a, [a.size]), k);
}

/**
 * A copy of a (2-D, or with all axes equal) whose main diagonal is `val` (difftrace arrays are
 * immutable, so this returns a new array, as JAX's `inplace=False`). With `wrap`, a tall
 * matrix's diagonal restarts every n + 1 rows, as NumPy.
 * @param a The array.
 * @param val A scalar, or values cycled along the diagonal.
 * @param wrap Restart the diagonal below a tall matrix's first n + 1 rows.
 * @returns The new array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.fillDiagonal(np.zeros([2, 2]), 5).toArray(), [[5, 0], [0, 5]]);
 * ```
 */
export function fillDiagonal(a: ArrayLike, val: ArrayLike, wrap = false): NDArray {
  const x = asArrayValue("np.fillDiagonal", a);
  if (x.ndim < 2 || (x.ndim > 2 && x.shape.some((d) => d !== x.shape[0]))) {
    throw new TypeError(
      `np.fillDiagonal: needs a 2-D array or one with all axes equal, got ${fmtShape(x.shape)}.`,
    );
  }
  // flat positions 0, step, 2·step, ... with step = 1 + Σ strides' products (n + 1 in 2-D)
  let step = 1, size = x.size;
  if (x.ndim === 2) step = x.shape[1] + 1;
  else for (let i = 1, s = 1; i < x.ndim; i++) step += s *= x.shape[x.ndim - i];
  if (x.ndim === 2 && !wrap) size = Math.min(size, x.shape[1] * x.shape[1]);
  const pos: number[] = [];
  for (let p = 0; p < size; p += step) pos.push(p);
  let v = lax.convert(asArrayValue("np.fillDiagonal", val), x.dtype);
  v = lax.reshape(v, [v.size]);
  if (v.size === 0) throw new TypeError("np.fillDiagonal: val must not be empty.");
  const cycled = bind1("take", [v, int32(pos.map((_, i) => i % v.size))], { axis: 0 });
  const flat = lax.reshape(x, [x.size]);
  return lax.reshape(flat.at(int32(pos)).set(cycled), x.shape);
}

/**
 * x without the entries at the given positions along `axis` (flattened when axis is null).
 * @param arr The array.
 * @param obj A position or a list of positions (negative count from the end).
 * @param axis The axis, or null (default).
 * @returns The remaining entries.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.delete(np.array([1, 2, 3, 4]), [0, -1]).toArray(), [2, 3]);
 * ```
 */
function deleteEntries(
  arr: ArrayLike,
  obj: number | readonly number[],
  axis: number | null = null,
): NDArray {
  let a = asArrayValue("np.delete", arr);
  if (axis === null) a = lax.reshape(a, [a.size]);
  const ax = axis === null ? 0 : normalizeAxis("np.delete", axis, a.ndim);
  const n = a.shape[ax];
  const list = typeof obj === "number" ? [obj] : obj;
  if (!Array.isArray(list)) {
    throw new TypeError(`np.delete: obj must be positions, got ${show(obj)}.`);
  }
  const drop = new Set(list.map((p) => {
    checkInt("np.delete", "position", p, -n, n - 1);
    return p < 0 ? p + n : p;
  }));
  const keep = [...Array(n).keys()].filter((i) => !drop.has(i));
  return bind1("take", [a, int32(keep)], { axis: ax });
}
export { deleteEntries as delete };

/**
 * `values` inserted before position `index` along `axis` (flattened when axis is null). As
 * NumPy for a scalar index: values get at least x's rank, their first axis moves to `axis`,
 * and its length is how many slices are inserted. The values are converted to the array's
 * dtype (floats inserted into an int32 array are truncated).
 * @param arr The array.
 * @param index The position (0 ≤ index ≤ length; negative counts from the end).
 * @param values What to insert (broadcast to the slices).
 * @param axis The axis, or null (default).
 * @returns The joined array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.insert(np.array([1, 2, 3]), 1, np.array([9, 8])).toArray(), [1, 9, 8, 2, 3]);
 * assert.deepEqual(np.insert(np.zeros([2, 2]), 1, 5, 1).toArray(), [[0, 5, 0], [0, 5, 0]]);
 * ```
 */
export function insert(
  arr: ArrayLike,
  index: number,
  values: ArrayLike,
  axis: number | null = null,
): NDArray {
  // the values take the array's dtype (as NumPy and jnp.insert), never the other way round
  let a = asArrayValue("np.insert", arr);
  let v = lax.convert(promote("np.insert", [a, values])[1], a.dtype);
  if (axis === null) a = lax.reshape(a, [a.size]);
  const ax = axis === null ? 0 : normalizeAxis("np.insert", axis, a.ndim);
  const n = a.shape[ax];
  checkInt("np.insert", "index", index, -n, n);
  const at = index < 0 ? index + n : index;
  if (v.ndim > a.ndim) {
    throw new TypeError(
      `np.insert: values ${fmtShape(v.shape)} have more axes than the array ${fmtShape(a.shape)}.`,
    );
  }
  v = lax.reshape(v, [...Array(a.ndim - v.ndim).fill(1), ...v.shape]);
  v = moveaxis(v, 0, ax);
  const count = v.shape[ax];
  v = broadcastTo(v, a.shape.map((d, i) => (i === ax ? count : d)));
  const cut = (s: number, e: number) =>
    bind1("slice", [a], {
      starts: a.shape.map((_, i) => (i === ax ? s : 0)),
      stops: a.shape.map((d, i) => (i === ax ? e : d)),
      steps: a.shape.map(() => 1),
    });
  return concatenate([cut(0, at), v, cut(at, n)], ax);
}

/**
 * Builds an array from an index array and a list of choices: out[i] = choices[a[i]][i].
 * @param a int32 indices into choices.
 * @param choices Arrays broadcast with a.
 * @param mode Out-of-range indices: `"raise"` (default; eager inputs only), `"wrap"` or `"clip"`.
 * @returns The chosen values.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const a = np.array([0, 1, 1], { dtype: "int32" });
 * assert.deepEqual(np.choose(a, [np.array([1, 2, 3]), np.array([10, 20, 30])]).toArray(), [1, 20, 30]);
 * ```
 */
export function choose(
  a: ArrayLike,
  choices: readonly ArrayLike[],
  mode: "raise" | "wrap" | "clip" = "raise",
): NDArray {
  const op = "np.choose";
  checkChoice(op, "mode", mode, ["raise", "wrap", "clip"]);
  let idx = asArrayValue(op, a);
  if (idx.dtype !== "int32") {
    throw new TypeError(
      `${op}: indices must be int32, got ${idx.dtype}; convert with .astype("int32").`,
    );
  }
  if (!Array.isArray(choices) || choices.length === 0) {
    throw new TypeError(`${op}: choices must be a non-empty list of arrays, got ${show(choices)}.`);
  }
  const cs = promote(op, choices);
  const n = cs.length;
  if (mode === "clip") {
    idx = lax.binary("min", lax.binary("max", idx, lax.full(idx, 0)), lax.full(idx, n - 1));
  } else if (mode === "wrap") {
    const r = lax.binary("rem", idx, lax.full(idx, n));
    idx = lax.select(lax.binary("lt", r, lax.full(r, 0)), lax.add(r, lax.full(r, n)), r);
  } else {
    if (!(idx instanceof ArrayValue)) {
      throw new TypeError(
        `${op}: mode "raise" needs concrete indices; under a transform pass "clip" or "wrap".`,
      );
    }
    const bad = Array.from(idx.toTypedArray()).find((i) => i < 0 || i >= n);
    if (bad !== undefined) {
      throw new RangeError(`${op}: index ${bad} is out of range for ${n} choices.`);
    }
  }
  // select down the list: out = choices[k] where idx == k
  let out = cs[n - 1];
  for (let k = n - 2; k >= 0; k--) {
    out = selectBroadcast(lax.binary("eq", idx, lax.full(idx, k)), cs[k], out);
  }
  return n === 1 ? selectBroadcast(lax.binary("eq", idx, lax.full(idx, 0)), cs[0], cs[0]) : out;
}

function selectBroadcast(p: NDArray, a: NDArray, b: NDArray): NDArray {
  const r = Math.max(p.ndim, a.ndim, b.ndim);
  const pad = (x: NDArray) => [...Array(r - x.ndim).fill(1), ...x.shape];
  const [sp, sa, sb] = [pad(p), pad(a), pad(b)];
  const shape = sp.map((d, i) => Math.max(d, sa[i], sb[i]));
  const fit = (x: NDArray) => broadcastTo(x, shape);
  return lax.select(fit(p), fit(a), fit(b));
}

/**
 * The array itself (difftrace arrays are immutable, so a copy is never needed).
 * @param x The array.
 * @returns x as an array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.copy(np.array([1, 2])).toArray(), [1, 2]);
 * ```
 */
export function copy(x: ArrayLike): NDArray {
  return asArrayValue("np.copy", x);
}
