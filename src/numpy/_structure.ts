/** Structural ops of the `np` namespace: reshaping, transposing, joining, slicing, gathering. */
import { isFloat } from "../core/_dtype.ts";
import { bind1 } from "../core/_trace.ts";
import * as lax from "../core/_lax.ts";
import { type ArrayLike, NDArray, type SliceSpec } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import { asArrayValue, broadcastToShape, promote } from "./_base.ts";
import {
  broadcastShapes,
  fmtShape,
  normalizeAxes,
  normalizeAxis,
  shapesEqual,
  sizeOf,
} from "../core/_shape.ts";
import {
  checkChoice,
  checkInt,
  checkOptions,
  checkShapeArg,
  requireArray,
  show,
} from "../core/_validate.ts";

const INT32_MIN = -2147483648, INT32_MAX = 2147483647;

/**
 * The same elements in a new shape; one entry may be −1 and is inferred.
 * @param x The input.
 * @param newShape The new shape (a list, or one integer for 1-D).
 * @returns The reshaped array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.reshape(np.arange(6), [2, -1]).shape, [2, 3]);
 * ```
 */
export function reshape(x: ArrayLike, newShape: readonly number[] | number): NDArray {
  const a = asArrayValue("np.reshape", x);
  const shape = typeof newShape === "number" ? [newShape] : newShape;
  if (!Array.isArray(shape) || shape.some((d) => typeof d !== "number")) {
    throw new TypeError(
      `np.reshape: the shape must be a list of integers (one may be -1) or one integer, got ` +
        `${show(newShape)}.`,
    );
  }
  const holes = shape.filter((d) => d === -1).length;
  if (holes > 1 || shape.some((d) => !Number.isInteger(d) || d < -1)) {
    throw new TypeError(
      `np.reshape: invalid shape ${fmtShape(shape)}: use non-negative sizes and at most one -1.`,
    );
  }
  let target = [...shape];
  if (holes === 1) {
    const known = sizeOf(shape.filter((d) => d !== -1));
    if (known === 0 || a.size % known !== 0) {
      throw new TypeError(
        `np.reshape: cannot reshape ${fmtShape(a.shape)} (${a.size} elements) into ` +
          `${fmtShape(shape)}.`,
      );
    }
    target = shape.map((d) => (d === -1 ? a.size / known : d));
  }
  if (sizeOf(target) !== a.size) {
    throw new TypeError(
      `np.reshape: cannot reshape ${fmtShape(a.shape)} (${a.size} elements) into ` +
        `${fmtShape(shape)} (${sizeOf(target)} elements).`,
    );
  }
  return lax.reshape(a, target);
}

/**
 * The elements as a 1-D array.
 * @param x The input.
 * @returns The flattened array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.ravel(np.ones([2, 3])).shape, [6]);
 * ```
 */
export function ravel(x: ArrayLike): NDArray {
  const a = asArrayValue("np.ravel", x);
  return lax.reshape(a, [a.size]);
}

/**
 * Permutes the axes; reverses them when `axes` is omitted.
 * @param x The input.
 * @param axes A permutation of the axes (negative allowed).
 * @returns The transposed array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.transpose(np.ones([2, 3, 4]), [2, 0, 1]).shape, [4, 2, 3]);
 * ```
 */
export function transpose(x: ArrayLike, axes?: readonly number[]): NDArray {
  const a = asArrayValue("np.transpose", x);
  if (axes !== undefined && !Array.isArray(axes)) {
    throw new TypeError(`np.transpose: axes must be a list of integers, got ${show(axes)}.`);
  }
  const perm = axes === undefined
    ? [...Array(a.ndim).keys()].reverse()
    : axes.map((ax) => normalizeAxis("np.transpose", ax, a.ndim));
  if (perm.length !== a.ndim || new Set(perm).size !== perm.length) {
    throw new TypeError(
      `np.transpose: axes ${fmtShape(axes ?? [])} are not a permutation of the ${a.ndim} axes of ` +
        `${fmtShape(a.shape)}.`,
    );
  }
  return lax.transpose(a, perm);
}

/**
 * Inserts size-1 axes at `axis` (positions in the result; negative allowed).
 * @param x The input.
 * @param axis One position or a list.
 * @returns The expanded array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.expandDims(np.ones([3]), 0).shape, [1, 3]);
 * assert.deepEqual(np.expandDims(np.ones([3]), [-1]).shape, [3, 1]);
 * ```
 */
export function expandDims(x: ArrayLike, axis: number | readonly number[]): NDArray {
  const a = asArrayValue("np.expandDims", x);
  if (typeof axis !== "number" && !Array.isArray(axis)) {
    throw new TypeError(`np.expandDims: axis must be an integer or a list, got ${show(axis)}.`);
  }
  const list = typeof axis === "number" ? [axis] : axis;
  const rank = a.ndim + list.length;
  const axes = normalizeAxes("np.expandDims", list, rank);
  const shape: number[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) shape.push(axes.includes(i) ? 1 : a.shape[k++]);
  return lax.reshape(a, shape);
}

/**
 * Removes size-1 axes: the given ones (which must have size 1), or all of them.
 * @param x The input.
 * @param axis Axes to remove; all size-1 axes by default.
 * @returns The squeezed array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.squeeze(np.ones([1, 3, 1])).shape, [3]);
 * ```
 */
export function squeeze(x: ArrayLike, axis?: number | readonly number[]): NDArray {
  const a = asArrayValue("np.squeeze", x);
  const axes = axis === undefined
    ? a.shape.flatMap((d, i) => (d === 1 ? [i] : []))
    : normalizeAxes("np.squeeze", axis, a.ndim);
  for (const i of axes) {
    if (a.shape[i] !== 1) {
      throw new TypeError(
        `np.squeeze: axis ${i} of shape ${fmtShape(a.shape)} has size ${a.shape[i]}, not 1.`,
      );
    }
  }
  return lax.reshape(a, a.shape.filter((_, i) => !axes.includes(i)));
}

/**
 * Broadcasts to `shape` with NumPy rules.
 * @param x The input.
 * @param shapeArg The target shape.
 * @returns The broadcast array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.broadcastTo(np.array([1, 2]), [2, 2]).toArray(), [[1, 2], [1, 2]]);
 * ```
 */
export function broadcastTo(x: ArrayLike, shapeArg: readonly number[] | number): NDArray {
  const a = asArrayValue("np.broadcastTo", x);
  const shape = checkShapeArg("np.broadcastTo", shapeArg);
  const out = broadcastShapes("np.broadcastTo", a.shape, shape);
  if (!shapesEqual(out, shape)) {
    throw new TypeError(
      `np.broadcastTo: cannot broadcast ${fmtShape(a.shape)} to ${fmtShape(shape)}.`,
    );
  }
  return broadcastToShape(a, shape);
}

/**
 * Joins arrays along an existing axis (dtypes are promoted).
 * @param xs The arrays; all axes but `axis` must match.
 * @param axis The axis (default 0).
 * @returns The joined array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.concatenate([np.ones([2, 1]), np.zeros([2, 2])], 1).shape, [2, 3]);
 * ```
 */
export function concatenate(xs: readonly ArrayLike[], axis = 0): NDArray {
  joinArgs("np.concatenate", xs, axis);
  if (xs.length === 0) throw new TypeError("np.concatenate: needs at least one array.");
  const arrays = promote("np.concatenate", xs);
  const ax = normalizeAxis("np.concatenate", axis, arrays[0].ndim);
  if (arrays.length === 1) return arrays[0];
  return bind1("concatenate", arrays, { axis: ax });
}

function joinArgs(op: string, xs: unknown, axis: unknown): void {
  if (!Array.isArray(xs)) {
    throw new TypeError(
      `${op}: expected a list of arrays, got ${show(xs)}` +
        `${xs instanceof NDArray ? " (pass [a, b], not a, b)" : ""}.`,
    );
  }
  checkInt(op, "axis", axis);
}

/**
 * Joins arrays of one shape along a new axis.
 * @param xs The arrays.
 * @param axis Position of the new axis (default 0).
 * @returns The stacked array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.stack([np.ones([3]), np.zeros([3])]).shape, [2, 3]);
 * ```
 */
export function stack(xs: readonly ArrayLike[], axis = 0): NDArray {
  joinArgs("np.stack", xs, axis);
  if (xs.length === 0) throw new TypeError("np.stack: needs at least one array.");
  const arrays = promote("np.stack", xs);
  const shape = arrays[0].shape;
  for (const a of arrays) {
    if (!shapesEqual(a.shape, shape)) {
      throw new TypeError(
        `np.stack: all arrays must have one shape, got ${
          arrays.map((b) => fmtShape(b.shape)).join(", ")
        }.`,
      );
    }
  }
  return concatenate(arrays.map((a) => expandDims(a, axis)), axis);
}

/**
 * Splits into `sections` equal parts, or at the given indices, along `axis`.
 * @param x The input.
 * @param sections A number of equal parts, or the indices to split before.
 * @param axis The axis (default 0).
 * @returns The parts.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const [a, b] = np.split(np.arange(6), 2);
 * assert.deepEqual(b.toArray(), [3, 4, 5]);
 * assert.deepEqual(np.split(np.arange(6), [1, 4]).map((p) => p.size), [1, 3, 2]);
 * ```
 */
export function split(x: ArrayLike, sections: number | readonly number[], axis = 0): NDArray[] {
  const a = asArrayValue("np.split", x);
  const ax = normalizeAxis("np.split", axis, a.ndim);
  const n = a.shape[ax];
  let cuts: number[];
  if (typeof sections === "number") {
    checkInt("np.split", "sections", sections, 1);
    if (n % sections !== 0) {
      throw new RangeError(
        `np.split: an axis of size ${n} cannot be split into ${sections} equal parts; pass the ` +
          `split indices instead.`,
      );
    }
    cuts = Array.from({ length: sections - 1 }, (_, i) => ((i + 1) * n) / sections);
  } else if (Array.isArray(sections)) {
    cuts = sections.map((c, i) => {
      checkInt("np.split", `split index ${i}`, c);
      return Math.min(Math.max(c < 0 ? c + n : c, 0), n);
    });
  } else {
    throw new TypeError(
      `np.split: sections must be a number of parts or a list of indices, got ${show(sections)}.`,
    );
  }
  const bounds = [0, ...cuts, n];
  const parts: NDArray[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const lo = bounds[i], hi = Math.max(bounds[i], bounds[i + 1]);
    parts.push(sliceAxes(a, a.shape.map((d, j) => (j === ax ? [lo, hi, 1] : [0, d, 1]))));
  }
  return parts;
}

function sliceAxes(a: NDArray, spec: readonly (readonly [number, number, number])[]): NDArray {
  if (spec.every(([s, e, st], i) => s === 0 && e === a.shape[i] && st === 1)) return a;
  return bind1("slice", [a], {
    starts: spec.map((s) => s[0]),
    stops: spec.map((s) => s[1]),
    steps: spec.map((s) => s[2]),
  });
}

/**
 * Basic slicing, like NumPy's `x[a:b:c, i, :]`: one entry per leading axis, each
 * an integer index (removes the axis), `null` (the whole axis), or
 * `[start, stop, step]` with Python semantics (negative values count from the
 * end; omitted or null parts take their defaults). Steps must be positive.
 * @param x The input.
 * @param spec The per-axis selections.
 * @returns The selected view, copied.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const x = np.arange(12).reshape([3, 4]);
 * assert.deepEqual(np.slice(x, [[1, 3], [null, null, 2]]).toArray(), [[4, 6], [8, 10]]);
 * assert.deepEqual(np.slice(x, [-1]).toArray(), [8, 9, 10, 11]);
 * ```
 */
export function slice(x: ArrayLike, spec: SliceSpec): NDArray {
  const a = asArrayValue("np.slice", x);
  if (!Array.isArray(spec)) {
    throw new TypeError(
      `np.slice: the spec must be a list with one entry per leading axis, got ${show(spec)}.`,
    );
  }
  if (spec.length > a.ndim) {
    throw new RangeError(
      `np.slice: ${spec.length} selections for an array of rank ${a.ndim} (shape ${
        fmtShape(a.shape)
      }).`,
    );
  }
  const drop: number[] = [];
  const full = a.shape.map((d, i): [number, number, number] => {
    const s = spec[i];
    if (s === undefined || s === null) return [0, d, 1];
    if (typeof s === "number") {
      checkInt("np.slice", `the index on axis ${i}`, s);
      if (s < -d || s >= d) {
        throw new RangeError(`np.slice: index ${s} is out of bounds for axis ${i} of size ${d}.`);
      }
      drop.push(i);
      const j = s < 0 ? s + d : s;
      return [j, j + 1, 1];
    }
    if (!Array.isArray(s) || s.length > 3) {
      throw new TypeError(
        `np.slice: the entry for axis ${i} must be an integer, null or [start, stop, step], got ` +
          `${show(s)}.`,
      );
    }
    const [start, stop, step] = s;
    for (const [v, what] of [[start, "start"], [stop, "stop"], [step, "step"]] as const) {
      if (v !== undefined && v !== null) checkInt("np.slice", `the ${what} on axis ${i}`, v);
    }
    const st = step ?? 1;
    if (st <= 0) {
      throw new RangeError(
        `np.slice: step ${st} on axis ${i} is not supported; steps must be positive integers ` +
          `(reverse with a take of reversed indices instead).`,
      );
    }
    const clamp = (v: number | null | undefined, dflt: number) => {
      if (v === undefined || v === null) return dflt;
      const w = v < 0 ? v + d : v;
      return Math.min(Math.max(w, 0), d);
    };
    const lo = clamp(start, 0);
    return [lo, Math.max(lo, clamp(stop, d)), st];
  });
  const out = sliceAxes(a, full);
  return drop.length ? lax.reshape(out, out.shape.filter((_, i) => !drop.includes(i))) : out;
}

/**
 * Gathers entries along `axis` with integer indices (negative count from the
 * end; out of range is a RangeError). Without `axis`, indexes the flattened array.
 * The gradient scatters back and adds up repeated indices.
 * @param x The input.
 * @param indices Integer indices (an int32 array or a JS array of integers).
 * @param axis The axis to index.
 * @returns The gathered array: x.shape[:axis] + indices.shape + x.shape[axis+1:].
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const table = np.array([[0, 0], [1, 1], [2, 2]]);
 * assert.deepEqual(np.take(table, [2, 0], 0).toArray(), [[2, 2], [0, 0]]);
 * ```
 */
export function take(x: ArrayLike, indices: NDArray | readonly number[], axis?: number): NDArray {
  let a = asArrayValue("np.take", x);
  let idx: NDArray;
  if (indices instanceof NDArray) idx = indices;
  else if (Array.isArray(indices)) {
    // each index is checked: Int32Array.from would turn 1.7 into 1, NaN or "1" into 0/1,
    // and 2**32 + 1 into 1
    indices.forEach((v, i) => checkInt("np.take", `index ${i}`, v, INT32_MIN, INT32_MAX));
    idx = new ArrayValue(Int32Array.from(indices), [indices.length], "int32");
  } else {
    throw new TypeError(
      `np.take: indices must be an int32 array or a list of integers, got ${show(indices)}.`,
    );
  }
  if (idx.dtype !== "int32") {
    if (isFloat(idx.dtype)) {
      throw new TypeError(
        `np.take: indices must be integers, got dtype ${idx.dtype}; convert with astype("int32").`,
      );
    }
    idx = lax.convert(idx, "int32");
  }
  let ax: number;
  if (axis === undefined || axis === null) {
    a = lax.reshape(a, [a.size]);
    ax = 0;
  } else ax = normalizeAxis("np.take", axis, a.ndim);
  return bind1("take", [a, idx], { axis: ax });
}

/**
 * Pads with a constant value (0 by default), or by `mode`: `"edge"` repeats the end values,
 * `"reflect"` mirrors without repeating the edge, `"symmetric"` mirrors repeating it, `"wrap"`
 * continues periodically. `padWidth` is one number for all sides, a `[before, after]` pair for
 * every axis, or one pair per axis.
 * @param x The input.
 * @param padWidth The padding.
 * @param options `value` (default 0) and `mode` (default `"constant"`).
 * @returns The padded array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.pad(np.array([1, 2]), [[1, 2]]).toArray(), [0, 1, 2, 0, 0]);
 * assert.deepEqual(np.pad(np.array([1]), 1, { value: 9 }).toArray(), [9, 1, 9]);
 * assert.deepEqual(np.pad(np.array([1, 2, 3]), 2, { mode: "reflect" }).toArray(), [3, 2, 1, 2, 3, 2, 1]);
 * ```
 */
export function pad(
  x: ArrayLike,
  padWidth: number | readonly [number, number] | readonly (readonly [number, number])[],
  options: { value?: number; mode?: PadMode } = {},
): NDArray {
  const a = asArrayValue("np.pad", x);
  checkOptions("np.pad", options, ["value", "mode"]);
  const mode = checkChoice("np.pad", "mode", options.mode ?? "constant", PAD_MODES);
  if (options.value !== undefined && typeof options.value !== "number") {
    throw new TypeError(`np.pad: value must be a number, got ${show(options.value)}.`);
  }
  if (typeof padWidth !== "number" && !Array.isArray(padWidth as unknown)) {
    throw new TypeError(
      `np.pad: padWidth must be a number or a list of pairs, got ${show(padWidth)}.`,
    );
  }
  let pairs: (readonly [number, number])[];
  if (typeof padWidth === "number") pairs = a.shape.map(() => [padWidth, padWidth] as const);
  else if (typeof padWidth[0] === "number") {
    const p = padWidth as readonly [number, number];
    pairs = a.shape.map(() => p);
  } else pairs = [...(padWidth as readonly (readonly [number, number])[])];
  if (
    pairs.length !== a.ndim ||
    pairs.some((p) =>
      !Array.isArray(p) || p.length !== 2 || p.some((v) => !Number.isInteger(v) || v < 0)
    )
  ) {
    throw new TypeError(
      `np.pad: padWidth must give non-negative integer [before, after] pairs for the ${a.ndim} ` +
        `axes of ${fmtShape(a.shape)}, got ${JSON.stringify(padWidth)}.`,
    );
  }
  if (mode !== "constant") {
    if (options.value !== undefined) {
      throw new TypeError(`np.pad: value applies only to mode "constant", got mode "${mode}".`);
    }
    return pairs.reduce((acc, [lo, hi], ax) => padByIndex(acc, ax, lo, hi, mode), a);
  }
  const params = {
    lo: pairs.map((p) => p[0]),
    hi: pairs.map((p) => p[1]),
    interior: pairs.map(() => 0),
  };
  const padded = bind1("pad", [a], params);
  const value = options.value ?? 0;
  if (value === 0) return padded;
  const inside = bind1("pad", [lax.full({ shape: a.shape, dtype: "bool" }, 1)], params);
  return lax.select(inside, padded, lax.full(padded, value));
}

/** The modes of {@link pad}. */
export type PadMode = "constant" | "edge" | "reflect" | "symmetric" | "wrap";
const PAD_MODES: readonly PadMode[] = ["constant", "edge", "reflect", "symmetric", "wrap"];

/** Pads axis `ax` by gathering: padded position i − lo reads the source index the mode gives. */
function padByIndex(a: NDArray, ax: number, lo: number, hi: number, mode: PadMode): NDArray {
  const n = a.shape[ax];
  if (lo === 0 && hi === 0) return a;
  if (n === 0) {
    throw new TypeError(
      `np.pad: mode "${mode}" cannot pad the empty axis ${ax} of ${fmtShape(a.shape)}.`,
    );
  }
  const src = (i: number): number => {
    const mod = (v: number, m: number) => ((v % m) + m) % m;
    if (mode === "edge") return Math.min(Math.max(i, 0), n - 1);
    if (mode === "wrap") return mod(i, n);
    if (mode === "symmetric") {
      const j = mod(i, 2 * n); // period 2n: x0 .. x(n−1) x(n−1) .. x0
      return j < n ? j : 2 * n - 1 - j;
    }
    if (n === 1) return 0; // reflect: period 2(n − 1): x0 .. x(n−1) x(n−2) .. x1
    const j = mod(i, 2 * n - 2);
    return j < n ? j : 2 * n - 2 - j;
  };
  const idx = Int32Array.from({ length: lo + n + hi }, (_, p) => src(p - lo));
  return bind1("take", [a, new ArrayValue(idx, [idx.length], "int32")], { axis: ax });
}

/**
 * The identity, but with a zero derivative: gradients do not flow through it.
 *
 * @param x The input.
 * @returns `x`, detached from differentiation.
 *
 * @example
 * ```ts
 * import { grad, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const g = grad((x: np.NDArray) => x.mul(np.stopGradient(x)))(np.array(3));
 * assert.equal(g.item(), 3);
 * ```
 */
export function stopGradient(x: NDArray): NDArray {
  requireArray("np.stopGradient", "x", x);
  return bind1("stop_gradient", [x], {});
}
