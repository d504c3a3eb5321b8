/**
 * Index arithmetic and array helpers composed from existing primitives: `unravelIndex`,
 * `ravelMultiIndex`, `triuIndices`/`trilIndices` (and `...From`), `diagIndices` (and
 * `...From`), `indices`, `isin`, `digitize`, `select`, `append`, `arraySplit`/`hsplit`/
 * `vsplit`/`dsplit`, `broadcastArrays`/`broadcastShapes`, `fullLike`, `empty`, `emptyLike`.
 *
 * Index results are int32. Positions that depend only on static shapes (`triuIndices`, ...)
 * are computed here in JS; those that depend on values (`unravelIndex`, `digitize`, `isin`)
 * are primitives, so they work under jit and vmap.
 */
import * as lax from "../core/_lax.ts";
import type { ArrayLike, NDArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import { asArrayValue, asOperand, checkDType, promote } from "./_base.ts";
import type { DType } from "../core/_dtype.ts";
import { broadcastShapes as commonShape, fmtShape, normalizeAxis } from "../core/_shape.ts";
import { checkBool, checkChoice, checkInt, checkShapeArg, show } from "../core/_validate.ts";
import { broadcastTo, concatenate, split } from "./_structure.ts";
import { where } from "./_elementwise.ts";
import { searchsorted } from "./_stats.ts";
import { sort } from "./_scan_sort.ts";
import { bind1 } from "../core/_trace.ts";
import { flip } from "./_arrange.ts";

const int32 = (v: readonly number[], shape: number[]) =>
  new ArrayValue(Int32Array.from(v), shape, "int32");

/** An int32 operand (bool and int32 accepted; floats rejected). */
function intArray(op: string, what: string, x: ArrayLike): NDArray {
  const a = asArrayValue(op, typeof x === "number" ? int32([x], []) : x);
  if (a.dtype !== "int32") {
    throw new TypeError(
      `${op}: ${what} must be int32, got ${a.dtype}; convert with .astype("int32").`,
    );
  }
  return a;
}

function dims(op: string, shape: unknown): number[] {
  const s = checkShapeArg(op, shape);
  if (s.some((d) => d === 0)) throw new RangeError(`${op}: shape ${fmtShape(s)} has a zero axis.`);
  return s;
}

/**
 * The coordinates in an array of `shape` of flat (row-major) indices. As JAX, a negative
 * index counts from the end once, and indices out of range are clamped.
 * @param indices Flat int32 indices (any shape).
 * @param shape The array's shape.
 * @returns One int32 array of coordinates per axis.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const [r, c] = np.unravelIndex(np.array([5, 1], { dtype: "int32" }), [2, 3]);
 * assert.deepEqual([r.toArray(), c.toArray()], [[1, 0], [2, 1]]);
 * ```
 */
export function unravelIndex(indices: ArrayLike, shape: readonly number[]): NDArray[] {
  const op = "np.unravelIndex";
  const s = dims(op, shape);
  let i = intArray(op, "indices", indices);
  const size = s.reduce((p, d) => p * d, 1);
  i = lax.select(lax.binary("lt", i, lax.full(i, 0)), lax.add(i, lax.full(i, size)), i);
  i = lax.binary("min", lax.binary("max", i, lax.full(i, 0)), lax.full(i, size - 1));
  const out: NDArray[] = [];
  for (let k = s.length - 1; k >= 0; k--) {
    out.unshift(lax.binary("rem", i, lax.full(i, s[k])));
    i = lax.div(i, lax.full(i, s[k]));
  }
  return out;
}

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

/**
 * True where an element of `element` occurs in `testElements` (or does not, with `invert`).
 * @param element The values to test (any shape).
 * @param testElements The values to look for (flattened).
 * @param invert Negate the result.
 * @returns A bool array of element's shape.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.isin(np.array([1, 2, 3]), np.array([3, 1])).toArray(), [true, false, true]);
 * ```
 */
export function isin(element: ArrayLike, testElements: ArrayLike, invert = false): NDArray {
  const [e, t] = promote("np.isin", [element, testElements]);
  checkBool("np.isin", "invert", invert);
  let found: NDArray;
  if (t.size === 0) found = lax.full({ shape: e.shape, dtype: "bool" }, 0);
  else {
    // sort the test values, then look each element up (JAX's sort method): O((|e| + |t|)
    // log |t|) rather than an [|e|, |t|] grid of comparisons; NaN equals nothing either way
    const sorted = sort(lax.reshape(t, [t.size]), 0);
    const at = searchsorted(sorted, e);
    const last = lax.full(at, t.size - 1);
    const clipped = lax.select(lax.binary("lt", at, last), at, last);
    found = lax.binary("eq", bind1("take", [sorted, clipped], { axis: 0 }), e);
  }
  return invert ? lax.binary("xor", found, lax.full(found, 1)) : found;
}

/**
 * The index of the bin each value falls in: for increasing bins, i with bins[i−1] ≤ x <
 * bins[i] (bins[i−1] < x ≤ bins[i] when `right`); decreasing bins are mirrored, as NumPy.
 * @param x Values (any shape).
 * @param bins Monotonic bin edges (1-D).
 * @param right Which side of a bin is closed.
 * @returns int32 bin indices in [0, len(bins)].
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.digitize(np.array([0.5, 1, 2.5, 4]), np.array([1, 2, 3])).toArray(), [0, 1, 2, 3]);
 * ```
 */
export function digitize(x: ArrayLike, bins: ArrayLike, right = false): NDArray {
  const [xs, b] = promote("np.digitize", [x, bins]);
  checkBool("np.digitize", "right", right);
  if (b.ndim !== 1) throw new TypeError(`np.digitize: bins must be 1-D, got ${fmtShape(b.shape)}.`);
  const n = b.shape[0];
  if (n === 0) return lax.full({ shape: xs.shape, dtype: "int32" }, 0);
  const inc = searchsorted(b, xs, { side: right ? "left" : "right" });
  const dec = lax.sub(
    lax.full(inc, n),
    searchsorted(flip(b), xs, { side: right ? "left" : "right" }),
  );
  const first = lax.reshape(b.index(0), []), last = lax.reshape(b.index(n - 1), []);
  const increasing = lax.broadcast(
    lax.reshape(lax.binary("ge", last, first), xs.shape.map(() => 1)),
    xs.shape,
  );
  return lax.select(increasing, inc, dec);
}

/**
 * Picks, element by element, the choice of the first condition that holds (`fallback` where
 * none does).
 * @param condlist Bool arrays.
 * @param choicelist One array per condition.
 * @param fallback The value where no condition holds (default 0).
 * @returns The merged array (all operands broadcast).
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const x = np.array([-2, 0, 3]);
 * assert.deepEqual(np.select([x.less(0), x.greater(0)], [x.neg(), x.mul(10)], 7).toArray(), [2, 7, 30]);
 * ```
 */
export function select(
  condlist: readonly ArrayLike[],
  choicelist: readonly ArrayLike[],
  fallback: ArrayLike = 0,
): NDArray {
  if (
    !Array.isArray(condlist) || !Array.isArray(choicelist) || condlist.length !== choicelist.length
  ) {
    throw new TypeError(
      `np.select: condlist and choicelist must be lists of one length, got ${show(condlist)} and ` +
        `${show(choicelist)}.`,
    );
  }
  if (condlist.length === 0) throw new TypeError("np.select: needs at least one condition.");
  // the choices and the fallback promote together, JS numbers weakly (as JAX's select):
  // select([c], [float16 x], 0) stays float16
  const operands = promote(
    "np.select",
    [...choicelist, fallback].map((v) => asOperand("np.select", v)),
  );
  let out = operands[operands.length - 1];
  for (let i = condlist.length - 1; i >= 0; i--) {
    const c = asArrayValue("np.select", condlist[i]);
    if (c.dtype !== "bool") {
      throw new TypeError(`np.select: condition ${i} must be bool, got ${c.dtype}.`);
    }
    out = where(c, operands[i], out);
  }
  return out;
}

/**
 * `values` appended to `x` along `axis` (both flattened first when axis is null).
 * @param x The array.
 * @param values What to append.
 * @param axis The axis, or null (default).
 * @returns The joined array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.append(np.array([[1, 2]]), np.array([3])).toArray(), [1, 2, 3]);
 * ```
 */
export function append(x: ArrayLike, values: ArrayLike, axis: number | null = null): NDArray {
  // a JS number is weak, as in JAX: append(float16 x, 5) stays float16
  const [a, v] = promote("np.append", [
    asArrayValue("np.append", x),
    asOperand("np.append", values),
  ]);
  if (axis === null) return concatenate([lax.reshape(a, [a.size]), lax.reshape(v, [v.size])]);
  return concatenate([a, v], axis);
}

/**
 * Splits along `axis` into `sections` nearly equal parts (the first n mod sections one longer),
 * or at the given indices.
 * @param x The array.
 * @param sections A number of parts, or increasing split indices.
 * @param axis The axis (default 0).
 * @returns The parts.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.arraySplit(np.arange(5), 3).map((p) => p.toArray()), [[0, 1], [2, 3], [4]]);
 * ```
 */
export function arraySplit(
  x: ArrayLike,
  sections: number | readonly number[],
  axis = 0,
): NDArray[] {
  const a = asArrayValue("np.arraySplit", x);
  if (typeof sections !== "number") return split(a, sections, axis);
  checkInt("np.arraySplit", "sections", sections, 1);
  const n = a.shape[normalizeAxis("np.arraySplit", axis, a.ndim)];
  const base = Math.floor(n / sections), extra = n % sections;
  const cuts: number[] = [];
  for (let i = 1, at = 0; i < sections; i++) cuts.push(at += base + (i <= extra ? 1 : 0));
  return split(a, cuts, axis);
}

function splitAxis(
  op: string,
  x: ArrayLike,
  sections: number | readonly number[],
  axis: number,
  min: number,
) {
  const a = asArrayValue(op, x);
  if (a.ndim < min) {
    throw new TypeError(`${op}: needs at least ${min} axes, got ${fmtShape(a.shape)}.`);
  }
  return split(a, sections, axis);
}

/**
 * `split` along axis 1 (axis 0 for a 1-D array).
 * @param x The array.
 * @param sections Equal parts, or split indices.
 * @returns The parts.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.hsplit(np.ones([2, 4]), 2)[0].shape, [2, 2]);
 * ```
 */
export function hsplit(x: ArrayLike, sections: number | readonly number[]): NDArray[] {
  const a = asArrayValue("np.hsplit", x);
  return splitAxis("np.hsplit", a, sections, a.ndim === 1 ? 0 : 1, 1);
}

/**
 * `split` along axis 0 (at least 2-D).
 * @param x The array.
 * @param sections Equal parts, or split indices.
 * @returns The parts.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.vsplit(np.ones([4, 2]), 2)[1].shape, [2, 2]);
 * ```
 */
export function vsplit(x: ArrayLike, sections: number | readonly number[]): NDArray[] {
  return splitAxis("np.vsplit", x, sections, 0, 2);
}

/**
 * `split` along axis 2 (at least 3-D).
 * @param x The array.
 * @param sections Equal parts, or split indices.
 * @returns The parts.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.dsplit(np.ones([1, 1, 4]), [1])[1].shape, [1, 1, 3]);
 * ```
 */
export function dsplit(x: ArrayLike, sections: number | readonly number[]): NDArray[] {
  return splitAxis("np.dsplit", x, sections, 2, 3);
}

/**
 * The shape that all given shapes broadcast to.
 * @param shapes Shapes.
 * @returns The broadcast shape.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.broadcastShapes([2, 1], [3]), [2, 3]);
 * ```
 */
export function broadcastShapes(...shapes: (readonly number[])[]): number[] {
  return commonShape(
    "np.broadcastShapes",
    ...shapes.map((s) => checkShapeArg("np.broadcastShapes", s)),
  );
}

/**
 * The arrays broadcast to their common shape.
 * @param xs Arrays.
 * @returns The broadcast arrays.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const [a, b] = np.broadcastArrays(np.ones([2, 1]), np.ones([3]));
 * assert.deepEqual([a.shape, b.shape], [[2, 3], [2, 3]]);
 * ```
 */
export function broadcastArrays(...xs: ArrayLike[]): NDArray[] {
  const arrays = xs.map((x) => asArrayValue("np.broadcastArrays", x));
  const shape = commonShape("np.broadcastArrays", ...arrays.map((a) => a.shape));
  return arrays.map((a) => broadcastTo(a, shape));
}

/**
 * An array of x's shape filled with `value` (x's dtype unless given).
 * @param x The array whose shape (and dtype) to use.
 * @param value The fill value.
 * @param dtype The dtype (default x's).
 * @returns The filled array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.fullLike(np.ones([2]), 7).toArray(), [7, 7]);
 * ```
 */
export function fullLike(x: ArrayLike, value: number, dtype?: DType): NDArray {
  const a = asArrayValue("np.fullLike", x);
  const dt = dtype === undefined ? a.dtype : checkDType("np.fullLike", dtype);
  if (typeof value !== "number") {
    throw new TypeError(`np.fullLike: value must be a number, got ${show(value)}.`);
  }
  return lax.full({ shape: a.shape, dtype: dt }, value);
}

/**
 * An array of `shape` (zeros: arrays are immutable, so there is nothing to leave unset).
 * @param shape The shape.
 * @param dtype The dtype (float32 by default).
 * @returns The array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.empty([2]).toArray(), [0, 0]);
 * ```
 */
export function empty(shape: readonly number[] | number, dtype?: DType): NDArray {
  const s = checkShapeArg("np.empty", shape);
  return lax.full({ shape: s, dtype: checkDType("np.empty", dtype) }, 0);
}

/**
 * An array of x's shape and dtype (zeros, as {@link empty}).
 * @param x The array whose shape and dtype to use.
 * @returns The array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.emptyLike(np.ones([1, 2])).shape, [1, 2]);
 * ```
 */
export function emptyLike(x: ArrayLike): NDArray {
  const a = asArrayValue("np.emptyLike", x);
  return lax.full({ shape: a.shape, dtype: a.dtype }, 0);
}
