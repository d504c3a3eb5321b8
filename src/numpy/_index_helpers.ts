/**
 * Index arithmetic and array helpers composed from existing primitives: `unravelIndex`,
 * `ravelMultiIndex` (the static index sets, `triuIndices` and co., are in
 * `_triangle_indices.ts`), `isin`, `digitize`, `select`, `append`, `arraySplit`/`hsplit`/
 * `vsplit`/`dsplit`, `broadcastArrays`/`broadcastShapes`, `fullLike`, `empty`, `emptyLike`.
 *
 * Index results are int32. Positions that depend only on static shapes (`triuIndices`, ...)
 * are computed here in JS; those that depend on values (`unravelIndex`, `digitize`, `isin`)
 * are primitives, so they work under jit and vmap.
 */
import * as lax from "../core/_lax.ts";
import type { ArrayLike, NDArray } from "../core/_ndarray.ts";
import { asArrayValue, asOperand, checkDType, promote } from "./_base.ts";
import type { DType } from "../core/_dtype.ts";
import { broadcastShapes as commonShape, fmtShape, normalizeAxis } from "../core/_shape.ts";
import { checkBool, checkInt, checkShapeArg, show } from "../core/_validate.ts";
import { broadcastTo, concatenate, split } from "./_structure.ts";
import { where } from "./_elementwise.ts";
import { searchsorted } from "./_stats.ts";
import { sort } from "./_scan_sort.ts";
import { bind1 } from "../core/_trace.ts";
import { flip } from "./_arrange.ts";
import { dims, intArray } from "./_index_args.ts";

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
