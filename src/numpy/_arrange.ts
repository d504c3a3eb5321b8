/**
 * Rearranging arrays for `np`: stacking variants, tiling and repeating, flips, rolls and
 * rotations, axis moves, grids and differences (triangles and diagonals: `_diagonals.ts`). All are compositions
 * of the structural primitives (slice, concatenate, take, broadcast, select), so each is
 * differentiable, batchable and jittable through their rules.
 */
import { bind1 } from "../core/_trace.ts";
import * as lax from "../core/_lax.ts";
import type { ArrayLike, NDArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import { asArrayValue } from "./_base.ts";
import { fmtShape, normalizeAxes, normalizeAxis } from "../core/_shape.ts";
import { checkInt, checkOptions, requireList, show } from "../core/_validate.ts";
import { concatenate } from "./_structure.ts";

const int32 = (values: number[], shape = [values.length]): NDArray =>
  new ArrayValue(Int32Array.from(values), shape, "int32");

/** x[start:stop] along one axis (positive step 1). */
function sliceAxis(x: NDArray, axis: number, start: number, stop: number): NDArray {
  if (start === 0 && stop === x.shape[axis]) return x;
  return bind1("slice", [x], {
    starts: x.shape.map((_, i) => (i === axis ? start : 0)),
    stops: x.shape.map((d, i) => (i === axis ? stop : d)),
    steps: x.shape.map(() => 1),
  });
}

function arrays(op: string, xs: unknown): NDArray[] {
  if (!Array.isArray(xs) || xs.length === 0) {
    throw new TypeError(`np.${op}: expected a non-empty list of arrays, got ${show(xs)}.`);
  }
  return xs.map((x) => asArrayValue(`np.${op}`, x));
}

// ---- at-least-n-d and stacking -------------------------------------------------------

/**
 * x with at least one axis (scalars become shape [1]).
 * @param x The input.
 * @returns The array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.atleast1d(3).shape, [1]);
 * ```
 */
export function atleast1d(x: ArrayLike): NDArray {
  const a = asArrayValue("np.atleast1d", x);
  return a.ndim >= 1 ? a : lax.reshape(a, [1]);
}

/**
 * x with at least two axes (a vector of n becomes [1, n]).
 * @param x The input.
 * @returns The array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.atleast2d(np.ones([3])).shape, [1, 3]);
 * ```
 */
export function atleast2d(x: ArrayLike): NDArray {
  const a = asArrayValue("np.atleast2d", x);
  if (a.ndim >= 2) return a;
  return lax.reshape(a, a.ndim === 0 ? [1, 1] : [1, a.shape[0]]);
}

/**
 * x with at least three axes ([n] becomes [1, n, 1], [m, n] becomes [m, n, 1]).
 * @param x The input.
 * @returns The array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.atleast3d(np.ones([2, 3])).shape, [2, 3, 1]);
 * ```
 */
export function atleast3d(x: ArrayLike): NDArray {
  const a = asArrayValue("np.atleast3d", x);
  if (a.ndim >= 3) return a;
  const shape = a.ndim === 0 ? [1, 1, 1] : a.ndim === 1 ? [1, a.shape[0], 1] : [...a.shape, 1];
  return lax.reshape(a, shape);
}

/**
 * Stacks arrays vertically (along axis 0, vectors becoming rows).
 * @param xs The arrays.
 * @returns The stacked array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.vstack([np.array([1, 2]), np.array([3, 4])]).toArray(), [[1, 2], [3, 4]]);
 * ```
 */
export function vstack(xs: readonly ArrayLike[]): NDArray {
  return concatenate(arrays("vstack", xs).map(atleast2d), 0);
}

/**
 * Stacks arrays horizontally (along axis 1; vectors are joined end to end).
 * @param xs The arrays.
 * @returns The stacked array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.hstack([np.array([1, 2]), np.array([3])]).toArray(), [1, 2, 3]);
 * ```
 */
export function hstack(xs: readonly ArrayLike[]): NDArray {
  const as = arrays("hstack", xs).map(atleast1d);
  return concatenate(as, as[0].ndim === 1 ? 0 : 1);
}

/**
 * Stacks arrays along the third axis (after making them at least 3-D).
 * @param xs The arrays.
 * @returns The stacked array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.dstack([np.ones([2]), np.zeros([2])]).shape, [1, 2, 2]);
 * ```
 */
export function dstack(xs: readonly ArrayLike[]): NDArray {
  return concatenate(arrays("dstack", xs).map(atleast3d), 2);
}

/**
 * Stacks vectors as the columns of a matrix (2-D arrays are joined along axis 1).
 * @param xs The arrays.
 * @returns The stacked array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.columnStack([np.array([1, 2]), np.array([3, 4])]).toArray(), [[1, 3], [2, 4]]);
 * ```
 */
export function columnStack(xs: readonly ArrayLike[]): NDArray {
  const as = arrays("columnStack", xs).map((a) => a.ndim < 2 ? lax.reshape(a, [a.size, 1]) : a);
  return concatenate(as, 1);
}

// ---- tiling, repeating, flipping, rolling ---------------------------------------------

/**
 * Repeats the whole array `reps` times along each axis.
 * @param x The input.
 * @param reps Repetitions per axis (a number for the last axis).
 * @returns The tiled array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.tile(np.array([1, 2]), 2).toArray(), [1, 2, 1, 2]);
 * ```
 */
export function tile(x: ArrayLike, reps: number | readonly number[]): NDArray {
  const r = requireList("np.tile", "reps", reps) as number[];
  r.forEach((v) => checkInt("np.tile", "each repetition", v, 0));
  let a = asArrayValue("np.tile", x);
  const n = Math.max(a.ndim, r.length);
  const shape = [...Array(n - a.ndim).fill(1), ...a.shape];
  const rr = [...Array(n - r.length).fill(1), ...r];
  a = lax.reshape(a, shape.flatMap((d) => [1, d]));
  a = lax.broadcast(a, shape.flatMap((d, i) => [rr[i], d]));
  return lax.reshape(a, shape.map((d, i) => d * rr[i]));
}

/**
 * Repeats each element `repeats` times along `axis` (the flattened array by default).
 * @param x The input.
 * @param repeats A count for every element, or one count per element along the axis.
 * @param axis The axis (null: flatten first).
 * @returns The repeated array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.repeat(np.array([1, 2]), 2).toArray(), [1, 1, 2, 2]);
 * assert.deepEqual(np.repeat(np.array([1, 2]), [1, 3]).toArray(), [1, 2, 2, 2]);
 * ```
 */
export function repeat(
  x: ArrayLike,
  repeats: number | readonly number[],
  axis: number | null = null,
): NDArray {
  let a = asArrayValue("np.repeat", x);
  if (axis === null) {
    a = lax.reshape(a, [a.size]);
    axis = 0;
  }
  const ax = normalizeAxis("np.repeat", axis, a.ndim);
  const n = a.shape[ax];
  if (typeof repeats === "number") {
    const r = checkInt("np.repeat", "the repeat count", repeats, 0);
    const idx = new Int32Array(n * r);
    for (let i = 0, at = 0; i < n; i++) for (let j = 0; j < r; j++) idx[at++] = i;
    return bind1("take", [a, new ArrayValue(idx, [n * r], "int32")], { axis: ax });
  }
  const counts = requireList("np.repeat", "repeats", repeats) as number[];
  if (counts.length !== n) {
    throw new TypeError(
      `np.repeat: ${counts.length} repeat counts for an axis of length ${n} (give one number ` +
        `or one count per element).`,
    );
  }
  let total = 0;
  for (const c of counts) total += checkInt("np.repeat", "each repeat count", c, 0);
  const idx = new Int32Array(total);
  for (let i = 0, at = 0; i < n; i++) for (let j = counts[i]; j > 0; j--) idx[at++] = i;
  return bind1("take", [a, new ArrayValue(idx, [total], "int32")], { axis: ax });
}

/**
 * Reverses the order of elements along the given axes (all by default).
 * @param x The input.
 * @param axis An axis, a list of axes, or null for all.
 * @returns The flipped array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.flip(np.array([1, 2, 3])).toArray(), [3, 2, 1]);
 * ```
 */
export function flip(x: ArrayLike, axis: number | readonly number[] | null = null): NDArray {
  let a = asArrayValue("np.flip", x);
  for (const ax of normalizeAxes("np.flip", axis, a.ndim)) {
    const n = a.shape[ax];
    if (n > 1) a = bind1("take", [a, int32([...Array(n).keys()].reverse())], { axis: ax });
  }
  return a;
}

/**
 * Reverses the columns (axis 1).
 * @param x An array of at least 2 axes.
 * @returns The flipped array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.fliplr(np.array([[1, 2]])).toArray(), [[2, 1]]);
 * ```
 */
export function fliplr(x: ArrayLike): NDArray {
  const a = asArrayValue("np.fliplr", x);
  if (a.ndim < 2) {
    throw new TypeError(`np.fliplr: needs at least 2 axes, got ${fmtShape(a.shape)}.`);
  }
  return flip(a, 1);
}

/**
 * Reverses the rows (axis 0).
 * @param x An array of at least 1 axis.
 * @returns The flipped array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.flipud(np.array([[1], [2]])).toArray(), [[2], [1]]);
 * ```
 */
export function flipud(x: ArrayLike): NDArray {
  const a = asArrayValue("np.flipud", x);
  if (a.ndim < 1) throw new TypeError("np.flipud: needs at least 1 axis, got a scalar.");
  return flip(a, 0);
}

/**
 * Shifts elements along axes, wrapping around the end.
 * @param x The input.
 * @param shift The shift (or one per axis).
 * @param axis The axis or axes (null: the flattened array).
 * @returns The rolled array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.roll(np.array([1, 2, 3, 4]), 1).toArray(), [4, 1, 2, 3]);
 * ```
 */
export function roll(
  x: ArrayLike,
  shift: number | readonly number[],
  axis: number | readonly number[] | null = null,
): NDArray {
  const a = asArrayValue("np.roll", x);
  if (axis === null) {
    if (typeof shift !== "number") {
      throw new TypeError("np.roll: without an axis, shift must be one integer.");
    }
    return lax.reshape(roll(lax.reshape(a, [a.size]), shift, 0), a.shape);
  }
  const axes = typeof axis === "number" ? [axis] : [...axis];
  const shifts = typeof shift === "number" ? axes.map(() => shift) : [...shift];
  if (shifts.length !== axes.length) {
    throw new TypeError(`np.roll: ${shifts.length} shifts for ${axes.length} axes.`);
  }
  let out = a;
  axes.forEach((ax0, i) => {
    const ax = normalizeAxis("np.roll", ax0, a.ndim);
    const n = a.shape[ax];
    checkInt("np.roll", "shift", shifts[i]);
    const s = n === 0 ? 0 : ((shifts[i] % n) + n) % n;
    if (s === 0) return;
    out = bind1("concatenate", [sliceAxis(out, ax, n - s, n), sliceAxis(out, ax, 0, n - s)], {
      axis: ax,
    });
  });
  return out;
}

/**
 * Swaps two axes.
 * @param x The input.
 * @param axis1 One axis.
 * @param axis2 The other.
 * @returns The transposed array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.swapaxes(np.ones([2, 3, 4]), 0, 2).shape, [4, 3, 2]);
 * ```
 */
export function swapaxes(x: ArrayLike, axis1: number, axis2: number): NDArray {
  const a = asArrayValue("np.swapaxes", x);
  const i = normalizeAxis("np.swapaxes", axis1, a.ndim);
  const j = normalizeAxis("np.swapaxes", axis2, a.ndim);
  const perm = [...Array(a.ndim).keys()];
  [perm[i], perm[j]] = [perm[j], perm[i]];
  return lax.transpose(a, perm);
}

/**
 * Moves axes to new positions, keeping the others in order.
 * @param x The input.
 * @param source Axis or axes to move.
 * @param destination Their new positions.
 * @returns The transposed array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.moveaxis(np.ones([2, 3, 4]), 0, -1).shape, [3, 4, 2]);
 * ```
 */
export function moveaxis(
  x: ArrayLike,
  source: number | readonly number[],
  destination: number | readonly number[],
): NDArray {
  const a = asArrayValue("np.moveaxis", x);
  const src = (requireList("np.moveaxis", "source", source) as number[]).map((s) =>
    normalizeAxis("np.moveaxis", s, a.ndim)
  );
  const dst = (requireList("np.moveaxis", "destination", destination) as number[]).map((s) =>
    normalizeAxis("np.moveaxis", s, a.ndim)
  );
  if (src.length !== dst.length || new Set(src).size !== src.length) {
    throw new TypeError(
      `np.moveaxis: source ${show(source)} and destination ${show(destination)} must list ` +
        `the same number of distinct axes.`,
    );
  }
  const rest = [...Array(a.ndim).keys()].filter((i) => !src.includes(i));
  const perm: number[] = [];
  const order = dst.map((d, k) => [d, src[k]]).sort((p, q) => p[0] - q[0]);
  for (const [d, s] of order) rest.splice(d, 0, s);
  perm.push(...rest);
  return lax.transpose(a, perm);
}

/**
 * Rotates by 90° `k` times in the plane of `axes` (from the first axis towards the second).
 * @param x The input (at least 2 axes).
 * @param k Number of quarter turns (may be negative).
 * @param axes The plane.
 * @returns The rotated array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.rot90(np.array([[1, 2], [3, 4]])).toArray(), [[2, 4], [1, 3]]);
 * ```
 */
export function rot90(x: ArrayLike, k = 1, axes: readonly [number, number] = [0, 1]): NDArray {
  const a = asArrayValue("np.rot90", x);
  checkInt("np.rot90", "k", k);
  if (a.ndim < 2) throw new TypeError(`np.rot90: needs at least 2 axes, got ${fmtShape(a.shape)}.`);
  const [p, q] = axes.map((v) => normalizeAxis("np.rot90", v, a.ndim));
  if (p === q) throw new RangeError("np.rot90: the two axes must differ.");
  const turns = ((k % 4) + 4) % 4;
  if (turns === 0) return a;
  if (turns === 2) return flip(flip(a, p), q);
  if (turns === 1) return swapaxes(flip(a, q), p, q);
  return flip(swapaxes(a, p, q), q);
}

// ---- grids and differences -------------------------------------------------------------

/**
 * Coordinate arrays from 1-D coordinate vectors: with `indexing: "xy"` (default) the first
 * two outputs have shape [len(y), len(x), ...]; with "ij", [len(x), len(y), ...].
 * @param xs The 1-D coordinate vectors.
 * @param options `indexing`.
 * @returns One array per input.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const [X, Y] = np.meshgrid([np.array([1, 2, 3]), np.array([4, 5])]);
 * assert.deepEqual(X.shape, [2, 3]);
 * assert.deepEqual(Y.toArray(), [[4, 4, 4], [5, 5, 5]]);
 * ```
 */
export function meshgrid(
  xs: readonly ArrayLike[],
  options: { indexing?: "xy" | "ij" } = {},
): NDArray[] {
  checkOptions("np.meshgrid", options, ["indexing"]);
  const indexing = options.indexing ?? "xy";
  if (indexing !== "xy" && indexing !== "ij") {
    throw new TypeError(`np.meshgrid: indexing must be "xy" or "ij", got ${show(indexing)}.`);
  }
  const vs = arrays("meshgrid", xs).map((a) => {
    if (a.ndim !== 1) {
      throw new TypeError(`np.meshgrid: coordinates must be 1-D, got ${fmtShape(a.shape)}.`);
    }
    return a;
  });
  const shape = vs.map((v) => v.shape[0]);
  if (indexing === "xy" && vs.length >= 2) [shape[0], shape[1]] = [shape[1], shape[0]];
  return vs.map((v, i) => {
    const at = indexing === "xy" && vs.length >= 2 && i < 2 ? 1 - i : i;
    const ones = shape.map((d, j) => (j === at ? d : 1));
    return lax.broadcast(lax.reshape(v, ones), shape);
  });
}

/**
 * The n-th discrete difference along `axis`: out[i] = x[i + 1] − x[i] (for bool, x[i + 1] ≠ x[i]),
 * n times.
 * @param x The input.
 * @param n How many times to difference (default 1).
 * @param axis The axis (default −1).
 * @returns The differences (the axis shrinks by n).
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.diff(np.array([1, 4, 9, 16])).toArray(), [3, 5, 7]);
 * ```
 */
export function diff(x: ArrayLike, n = 1, axis = -1): NDArray {
  let a = asArrayValue("np.diff", x);
  checkInt("np.diff", "n", n, 0);
  if (a.ndim === 0) throw new TypeError("np.diff: needs at least 1 axis, got a scalar.");
  const ax = normalizeAxis("np.diff", axis, a.ndim);
  // bool differences are x[i+1] ≠ x[i] (bool), as JAX's
  const step = a.dtype === "bool" ? (p: NDArray, q: NDArray) => lax.binary("ne", p, q) : lax.sub;
  for (let k = 0; k < n; k++) {
    const len = a.shape[ax];
    if (len === 0) break;
    a = step(sliceAxis(a, ax, 1, len), sliceAxis(a, ax, 0, len - 1));
  }
  return a;
}

/**
 * Differences of consecutive elements of the flattened array.
 * @param x The input.
 * @returns A 1-D array of size x.size − 1.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.ediff1d(np.array([[1, 2], [4, 8]])).toArray(), [1, 2, 4]);
 * ```
 */
export function ediff1d(x: ArrayLike): NDArray {
  const a = asArrayValue("np.ediff1d", x);
  return diff(lax.reshape(a, [a.size]));
}
