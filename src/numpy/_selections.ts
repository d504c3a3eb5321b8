/**
 * The data-dependent selections of `np`: `nonzero`, `argwhere`, `flatnonzero` and `unique`.
 * Their result length depends on the values, so under a trace they take a static `size`, as
 * JAX does; on concrete arrays the positions are found in one pass.
 */
import * as lax from "../core/_lax.ts";
import { bind1 } from "../core/_trace.ts";
import { isFloat } from "../core/_dtype.ts";
import { type ArrayLike, DATA, type NDArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import { asArrayValue, truthy } from "./_base.ts";
import { stridesOf } from "../core/_shape.ts";
import { checkInt, checkOptions } from "../core/_validate.ts";
import { cumsum, sort } from "./_scan_sort.ts";

/** Options of the size-static selections (`nonzero`, `argwhere`, `unique`). */
export interface SizeOptions {
  /** The static result length (required inside transforms); extra slots get `fillValue`. */
  size?: number;
  /** The value of the padding slots (0 by default; for `unique`, the smallest value). */
  fillValue?: number;
}

/** Positions (flat) of the true elements of a bool array, padded/truncated to `size`. */
function truePositions(op: string, t: NDArray, options: SizeOptions): [NDArray, number] {
  checkOptions(op, options, ["size", "fillValue"]);
  const flat = lax.reshape(t, [t.size]);
  let size = options.size;
  if (size === undefined) {
    if (!(flat instanceof ArrayValue)) {
      throw new TypeError(
        `${op}: inside a transform the number of results is not known; pass a static { size } ` +
          `(extra slots get fillValue), as JAX requires.`,
      );
    }
    size = 0;
    for (const v of flat[DATA]) if (v !== 0) size++;
  }
  checkInt(op, "size", size, 0);
  if (flat instanceof ArrayValue) {
    // concrete: the same positions by one pass (what the primitives below compute)
    const d = flat[DATA], pos = new Int32Array(size).fill(-1);
    for (let i = 0, k = 0; i < d.length && k < size; i++) if (d[i] !== 0) pos[k++] = i;
    return [new ArrayValue(pos, [size], "int32"), size];
  }
  // the k-th true element goes to slot k (an extra slot `size` swallows the rest)
  const rank = lax.sub(cumsum(flat), lax.full({ shape: [t.size], dtype: "int32" }, 1));
  const keep = lax.binary("and", flat, lax.binary("lt", rank, lax.full(rank, size)));
  const slot = lax.select(keep, rank, lax.full(rank, size));
  const iota = new ArrayValue(Int32Array.from({ length: t.size }, (_, i) => i), [t.size], "int32");
  const pos = bind1("scatter_add", [lax.select(keep, iota, lax.full(iota, 0)), slot], {
    axis: 0,
    size: size + 1,
  });
  const filled = bind1("scatter_add", [lax.convert(keep, "int32"), slot], {
    axis: 0,
    size: size + 1,
  });
  const cut = (v: NDArray) => bind1("slice", [v], { starts: [0], stops: [size], steps: [1] });
  return [
    lax.select(
      lax.binary("gt", cut(filled), lax.full({ shape: [size], dtype: "int32" }, 0)),
      cut(pos),
      lax.full({ shape: [size], dtype: "int32" }, -1),
    ),
    size,
  ];
}

/**
 * The indices of the non-zero elements, one int32 array per axis. Under a trace pass a
 * static `size`; missing entries get `fillValue` (0 by default).
 * @param x The input.
 * @param options `size`, `fillValue`.
 * @returns One index array per axis of x.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const [r, c] = np.nonzero(np.array([[0, 1], [2, 0]]));
 * assert.deepEqual(r.toArray(), [0, 1]);
 * assert.deepEqual(c.toArray(), [1, 0]);
 * assert.deepEqual(np.nonzero(np.array([0, 5]), { size: 3 })[0].toArray(), [1, 0, 0]);
 * ```
 */
export function nonzero(x: ArrayLike, options: SizeOptions = {}): NDArray[] {
  const t = truthy("np.nonzero", x);
  const [flat] = truePositions("np.nonzero", t, options);
  const missing = lax.binary("lt", flat, lax.full(flat, 0));
  const fill = lax.full(flat, options.fillValue ?? 0);
  const shape = t.ndim === 0 ? [1] : t.shape;
  const strides = stridesOf(shape);
  return shape.map((d, k) => {
    const c = lax.binary("rem", lax.div(flat, lax.full(flat, strides[k])), lax.full(flat, d));
    return lax.select(missing, fill, c);
  });
}

/**
 * The indices of the non-zero elements as rows of an [n, ndim] int32 array.
 * @param x The input.
 * @param options `size`, `fillValue`.
 * @returns The coordinates.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.argwhere(np.array([[0, 1], [2, 0]])).toArray(), [[0, 1], [1, 0]]);
 * ```
 */
export function argwhere(x: ArrayLike, options: SizeOptions = {}): NDArray {
  const cs = nonzero(x, options);
  return bind1("concatenate", cs.map((c) => lax.reshape(c, [c.size, 1])), { axis: 1 });
}

/**
 * The indices of the non-zero elements of the flattened array.
 * @param x The input.
 * @param options `size`, `fillValue`.
 * @returns int32 indices.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.flatnonzero(np.array([[0, 1], [2, 0]])).toArray(), [1, 2]);
 * ```
 */
export function flatnonzero(x: ArrayLike, options: SizeOptions = {}): NDArray {
  const a = asArrayValue("np.flatnonzero", x);
  return nonzero(lax.reshape(a, [a.size]), options)[0];
}

/**
 * The sorted distinct values of the flattened array (all NaNs count as one, last). Under a trace
 * pass a static `size`;
 * extra slots get `fillValue` (by default the smallest value).
 * @param x The input.
 * @param options `size`, `fillValue`.
 * @returns The distinct values.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.unique(np.array([3, 1, 3, 2])).toArray(), [1, 2, 3]);
 * assert.deepEqual(np.unique(np.array([2, 2]), { size: 3, fillValue: 0 }).toArray(), [2, 0, 0]);
 * ```
 */
export function unique(x: ArrayLike, options: SizeOptions = {}): NDArray {
  const a = asArrayValue("np.unique", x);
  const s = sort(lax.reshape(a, [a.size]), 0);
  const n = s.shape[0];
  if (n === 0) return s;
  const first = lax.full({ shape: [1], dtype: "bool" }, 1);
  let later: NDArray = lax.full({ shape: [n - 1], dtype: "bool" }, 0);
  if (n > 1) {
    const next = bind1("slice", [s], { starts: [1], stops: [n], steps: [1] });
    const prev = bind1("slice", [s], { starts: [0], stops: [n - 1], steps: [1] });
    later = lax.binary("ne", next, prev);
    // NaNs (sorted last) count as one value, as JAX's equal_nan=True
    if (isFloat(s.dtype)) later = lax.binary("and", later, lax.binary("eq", prev, prev));
  }
  const isNew = bind1("concatenate", [first, later], { axis: 0 });
  const [pos, size] = truePositions("np.unique", isNew, options);
  const found = lax.binary("ge", pos, lax.full(pos, 0));
  const safe = lax.select(found, pos, lax.full(pos, 0));
  const vals = bind1("take", [s, safe], { axis: 0 });
  const fill = options.fillValue === undefined
    ? lax.broadcast(
      lax.reshape(bind1("slice", [s], { starts: [0], stops: [1], steps: [1] }), [1]),
      [size],
    )
    : lax.full(vals, options.fillValue);
  return lax.select(found, vals, fill);
}
