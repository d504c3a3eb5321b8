/**
 * Gathers by computed flat indices, the one mechanism behind `takeAlongAxis`, the general
 * indexer `index` and the functional updates `at(...)`: an index expression is turned into an
 * int32 array F of flat positions into x (shape = the result's shape), then the result is
 * `take(ravel(x), F)`; its gradient is a `scatter_add` of the cotangent back to F (repeated
 * positions add up).
 */
import { bind1 } from "../core/_trace.ts";
import { isFloat, isInteger, scalarAs } from "../core/_dtype.ts";
import * as lax from "../core/_lax.ts";
import { type ArrayLike, type AtIndexer, DATA, type IndexItem, NDArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import { asArrayValue, broadcastToShape, checkWeakInt32 } from "./_base.ts";
import { broadcastShapes, fmtShape, normalizeAxis, stridesOf } from "../core/_shape.ts";
import { checkInt, show } from "../core/_validate.ts";
import { coordinate, gatherFlat, wrapIndices } from "./_gather.ts";

/**
 * Picks along `axis` with an index array of x's rank (other axes broadcast against x's), as
 * `jnp.take_along_axis`; used to apply the permutation of `argsort` to the values.
 * @param x The input.
 * @param indices Integer indices, of the same rank as x.
 * @param axis The axis to index (null: the flattened x, with 1-D indices).
 * @returns The gathered values, of the broadcast shape.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const x = np.array([[10, 30, 20], [60, 40, 50]]);
 * assert.deepEqual(np.takeAlongAxis(x, np.argsort(x, 1), 1).toArray(), [[10, 20, 30], [40, 50, 60]]);
 * ```
 */
export function takeAlongAxis(x: ArrayLike, indices: ArrayLike, axis: number | null): NDArray {
  let a = asArrayValue("np.takeAlongAxis", x);
  const idx0 = asArrayValue("np.takeAlongAxis", indices);
  if (axis === null) {
    a = lax.reshape(a, [a.size]);
    axis = 0;
  }
  const ax = normalizeAxis("np.takeAlongAxis", axis, a.ndim);
  if (idx0.ndim !== a.ndim) {
    throw new TypeError(
      `np.takeAlongAxis: indices of shape ${fmtShape(idx0.shape)} need the rank of x ` +
        `${fmtShape(a.shape)}.`,
    );
  }
  const n = a.shape[ax];
  const idx = wrapIndices("np.takeAlongAxis", idx0, n);
  const outShape = broadcastShapes(
    "np.takeAlongAxis",
    a.shape.map((d, i) => (i === ax ? 1 : d)),
    idx.shape.map((d, i) => (i === ax ? 1 : d)),
  );
  outShape[ax] = idx.shape[ax];
  const strides = stridesOf(a.shape);
  let flat = lax.mul(
    broadcastToShape(idx, outShape),
    lax.full({ shape: outShape, dtype: "int32" }, strides[ax]),
  );
  for (let d = 0; d < a.ndim; d++) {
    if (d === ax || a.shape[d] === 1) continue;
    const c = coordinate(outShape, d);
    flat = lax.add(flat, strides[d] === 1 ? c : lax.mul(c, lax.full(c, strides[d])));
  }
  return gatherFlat(a, flat);
}

// ---- general indexing ----------------------------------------------------------------------

type Item =
  | { kind: "int"; value: number }
  | { kind: "slice"; start: number; step: number; len: number }
  | { kind: "new" }
  | { kind: "array"; value: NDArray };

function isSliceTuple(x: unknown): x is readonly (number | null | undefined)[] {
  return Array.isArray(x) && x.length <= 3 &&
    x.every((v) => v === null || v === undefined || typeof v === "number");
}

/** Python's slice.indices(n): the first position, the step and the number of elements. */
function sliceIndices(
  op: string,
  spec: readonly (number | null | undefined)[],
  n: number,
): { start: number; step: number; len: number } {
  const [start0, stop0, step0] = spec;
  const step = step0 ?? 1;
  checkInt(op, "a slice step", step);
  if (step === 0) throw new RangeError(`${op}: a slice step cannot be 0.`);
  for (const v of [start0, stop0]) {
    if (v !== null && v !== undefined) checkInt(op, "a slice bound", v);
  }
  const norm = (v: number | null | undefined, dflt: number, lo: number, hi: number) => {
    if (v === null || v === undefined) return dflt;
    const w = v < 0 ? v + n : v;
    return Math.min(Math.max(w, lo), hi);
  };
  if (step > 0) {
    const start = norm(start0, 0, 0, n), stop = norm(stop0, n, 0, n);
    return { start, step, len: Math.max(0, Math.ceil((stop - start) / step)) };
  }
  const start = norm(start0, n - 1, -1, n - 1), stop = norm(stop0, -1, -1, n - 1);
  return { start, step, len: Math.max(0, Math.ceil((stop - start) / step)) };
}

/** Reads the items against x's shape: ellipsis expanded, masks turned into index arrays. */
function parseItems(op: string, shape: readonly number[], items: readonly IndexItem[]): Item[] {
  const expanded: (IndexItem | { mask: NDArray })[] = [];
  let ellipsis = -1, consumed = 0;
  for (const it of items) {
    if (it === "...") {
      if (ellipsis >= 0) throw new TypeError(`${op}: an index can have only one "...".`);
      ellipsis = expanded.length;
      continue;
    }
    if (it instanceof NDArray && it.dtype === "bool") {
      expanded.push({ mask: it });
      consumed += Math.max(it.ndim, 1);
      continue;
    }
    if (it !== null) consumed += 1;
    expanded.push(it);
  }
  if (consumed > shape.length) {
    throw new RangeError(
      `${op}: too many indices (${consumed}) for an array of shape ${fmtShape(shape)}.`,
    );
  }
  const fill = Array(shape.length - consumed).fill([null, null, null]);
  if (ellipsis >= 0) expanded.splice(ellipsis, 0, ...fill);
  else expanded.push(...fill);
  const out: Item[] = [];
  let axis = 0;
  for (const it of expanded) {
    if (it === null) {
      out.push({ kind: "new" });
      continue;
    }
    if (typeof it === "object" && "mask" in it && !(it instanceof NDArray)) {
      const mask = it.mask;
      const dims = mask.ndim === 0 ? [1] : mask.shape;
      dims.forEach((d, k) => {
        if (mask.ndim > 0 && d !== shape[axis + k]) {
          throw new TypeError(
            `${op}: a bool mask of shape ${fmtShape(mask.shape)} does not match axes ` +
              `${axis}..${axis + dims.length - 1} of ${fmtShape(shape)}.`,
          );
        }
      });
      if (!(mask instanceof ArrayValue)) {
        throw new TypeError(
          `${op}: a bool mask inside a transform (jit, vmap, grad of the mask) selects a ` +
            `data-dependent number of elements; use np.where(mask, x, other) instead.`,
        );
      }
      if (mask.ndim === 0) throw new TypeError(`${op}: a scalar bool index is not supported.`);
      const coords: number[][] = dims.map(() => []);
      const strides = stridesOf(dims);
      mask[DATA].forEach((v, flat) => {
        if (!v) return;
        dims.forEach((_, k) => coords[k].push(Math.floor(flat / strides[k]) % dims[k]));
      });
      for (const cs of coords) {
        out.push({
          kind: "array",
          value: new ArrayValue(Int32Array.from(cs), [cs.length], "int32"),
        });
      }
      axis += dims.length;
      continue;
    }
    const n = shape[axis];
    if (typeof it === "number") {
      checkInt(op, `the index of axis ${axis}`, it);
      if (it < -n || it >= n) {
        throw new RangeError(`${op}: index ${it} is out of bounds for axis ${axis} of size ${n}.`);
      }
      out.push({ kind: "int", value: it < 0 ? it + n : it });
    } else if (it instanceof NDArray) {
      out.push({ kind: "array", value: wrapIndices(op, it, n) });
    } else if (isSliceTuple(it)) {
      out.push({ kind: "slice", ...sliceIndices(op, it, n) });
    } else {
      throw new TypeError(
        `${op}: index items are integers, [start, stop, step] slices, null, "..." or ` +
          `int32/bool arrays; got ${show(it)}.`,
      );
    }
    axis += 1;
  }
  return out;
}

function int32Range(start: number, step: number, len: number): NDArray {
  return new ArrayValue(
    Int32Array.from({ length: len }, (_, i) => start + i * step),
    [len],
    "int32",
  );
}

/** Basic indexing (no arrays): one strided slice, flips for negative steps, then a reshape. */
function basicIndex(x: NDArray, items: Item[]): NDArray {
  const starts: number[] = [], stops: number[] = [], steps: number[] = [];
  const flips: number[] = [];
  const outShape: number[] = [];
  let axis = 0;
  for (const it of items) {
    if (it.kind === "new") {
      outShape.push(1);
      continue;
    }
    if (it.kind === "int") {
      starts.push(it.value), stops.push(it.value + 1), steps.push(1);
    } else if (it.kind === "slice") {
      const { start, step, len } = it;
      if (len === 0) starts.push(0), stops.push(0), steps.push(1);
      else if (step > 0) {
        starts.push(start), stops.push(start + (len - 1) * step + 1), steps.push(step);
      } else {
        const lo = start + (len - 1) * step;
        starts.push(lo), stops.push(start + 1), steps.push(-step);
        if (len > 1) flips.push(axis);
      }
      outShape.push(len);
    }
    axis += 1;
  }
  const unchanged = starts.every((s, i) => s === 0 && stops[i] === x.shape[i] && steps[i] === 1);
  let out = unchanged ? x : bind1("slice", [x], { starts, stops, steps });
  for (const ax of flips) {
    const n = out.shape[ax];
    out = bind1("take", [out, int32Range(n - 1, -1, n)], { axis: ax });
  }
  return lax.reshape(out, outShape);
}

/**
 * The flat positions into x that an index expression selects, shaped as the result
 * (NumPy's rule: the broadcast advanced-index block replaces the indexed axes when they are
 * adjacent, otherwise it goes first; integers count as advanced indices here).
 */
function flatPositions(x: NDArray, items: Item[]): NDArray {
  const adv = items.map((it, i) => (it.kind === "array" || it.kind === "int" ? i : -1))
    .filter((i) => i >= 0);
  const advShapes = adv.map((i) => {
    const it = items[i];
    return it.kind === "array" ? it.value.shape : [];
  });
  const block = advShapes.length ? broadcastShapes("index", ...advShapes) : [];
  const adjacent = adv.every((i, k) => k === 0 || i === adv[k - 1] + 1);
  // the output's dimensions, with the position of each item's contribution
  const outShape: number[] = [];
  const at: number[] = [];
  let blockAt = adjacent ? -1 : 0;
  if (!adjacent) outShape.push(...block);
  items.forEach((it, i) => {
    if (it.kind === "int" || it.kind === "array") {
      if (adjacent && blockAt < 0) {
        blockAt = outShape.length;
        outShape.push(...block);
      }
      at.push(blockAt);
      return;
    }
    at.push(outShape.length);
    outShape.push(it.kind === "slice" ? it.len : 1);
    void i;
  });
  if (blockAt < 0) blockAt = 0;
  const strides = stridesOf(x.shape);
  const R = outShape.length;
  const full = { shape: outShape, dtype: "int32" as const };
  let flat: NDArray = lax.full(full, 0);
  let axis = 0;
  items.forEach((it, i) => {
    if (it.kind === "new") return;
    const stride = strides[axis++];
    let comp: NDArray;
    if (it.kind === "slice") {
      const ones = Array(R).fill(1);
      ones[at[i]] = it.len;
      comp = lax.reshape(int32Range(it.start, it.step, it.len), ones);
    } else {
      const v = it.kind === "int" ? lax.full({ shape: [], dtype: "int32" }, it.value) : it.value;
      const inBlock = broadcastToShape(v, block);
      const shape = Array(R).fill(1);
      block.forEach((d, k) => (shape[blockAt + k] = d));
      comp = lax.reshape(inBlock, shape);
    }
    comp = broadcastToShape(comp, outShape);
    if (stride !== 1) comp = lax.mul(comp, lax.full(full, stride));
    flat = lax.add(flat, comp);
  });
  return flat;
}

/**
 * NumPy indexing as a function: `np.index(x, 0, [null, null, -1])` is `x[0, ::-1]`. Basic
 * indexing (integers, slices, null, "...") is one strided slice; integer and bool arrays
 * gather (gradients scatter back, adding over repeated indices). Bool masks must be concrete
 * (their size decides the result's shape).
 * @param x The array.
 * @param items The index items (see `IndexItem`).
 * @returns The selection.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const x = np.arange(12).reshape([3, 4]);
 * assert.deepEqual(np.index(x, 1, [null, null, -1]).toArray(), [7, 6, 5, 4]);
 * assert.deepEqual(x.index("...", np.array([0, 3], { dtype: "int32" })).toArray(), [[0, 3], [4, 7], [8, 11]]);
 * assert.deepEqual(x.index(x.greater(9)).toArray(), [10, 11]);
 * ```
 */
export function index(x: ArrayLike, ...items: IndexItem[]): NDArray {
  const a = asArrayValue("np.index", x);
  const parsed = parseItems("np.index", a.shape, items);
  if (!parsed.some((it) => it.kind === "array")) return basicIndex(a, parsed);
  return gatherFlat(a, flatPositions(a, parsed));
}

/**
 * A slice item for `index`/`at`: `np.s(null, null, -1)` is `::-1`.
 * @param start First position (null: from the start, or the end for negative steps).
 * @param stop End, excluded (null: to the end).
 * @param step Step (default 1; negative reverses).
 * @returns The slice item.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.arange(5).index(np.s(null, null, -2)).toArray(), [4, 2, 0]);
 * ```
 */
export function s(
  start: number | null = null,
  stop: number | null = null,
  step: number | null = null,
): readonly [number | null, number | null, number | null] {
  return [start, stop, step];
}

type Combine = (a: NDArray, b: NDArray) => NDArray;

/**
 * Functional index updates, as JAX's `x.at[...]` (also the method `x.at(...)`): the result
 * of `.set(v)`, `.add(v)`, `.mul(v)`, `.divide(v)`, `.power(v)`, `.min(v)`, `.max(v)` is a
 * new array. Repeated indices accumulate (for `set` the last wins). As JAX, `divide` on an
 * integer array is a true division whose result is float32. With traced index arrays
 * (vmap over the indices), `get`, `add` and `set` work; `set` then gives repeated targets
 * the mean of their values.
 * @param x The array.
 * @param items The index items (see `IndexItem`).
 * @returns The updater.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const x = np.zeros([4]);
 * const i = np.array([0, 2, 2], { dtype: "int32" });
 * assert.deepEqual(np.at(x, i).add(1).toArray(), [1, 0, 2, 0]);
 * assert.deepEqual(x.at([1, null]).set(7).toArray(), [0, 7, 7, 7]);
 * ```
 */
export function at(x: ArrayLike, ...items: IndexItem[]): AtIndexer {
  const a = asArrayValue("at", x);
  const parsed = parseItems("at", a.shape, items);
  const flat = flatPositions(a, parsed);
  const n = a.size;
  const values = (op: string, v: ArrayLike) => {
    // a JS number is stored in an integer array as jnp stores a Python scalar (wraps)
    checkWeakInt32(
      `at(...).${op}`,
      v,
      "a JS number used as an update lives",
      "of the target dtype, e.g. np.array([v]).astype(x.dtype)",
    );
    let u = typeof v === "number" && isInteger(a.dtype) && a.dtype !== "bool"
      ? ArrayValue.scalar(scalarAs(a.dtype, v), a.dtype)
      : asArrayValue(`at(...).${op}`, v);
    u = lax.convert(u, a.dtype);
    const shape = broadcastShapes(`at(...).${op}`, u.shape, flat.shape);
    if (shape.length !== flat.shape.length || shape.some((d, i) => d !== flat.shape[i])) {
      throw new TypeError(
        `at(...).${op}: values of shape ${fmtShape(u.shape)} do not broadcast to the ` +
          `selection's shape ${fmtShape(flat.shape)}.`,
      );
    }
    return broadcastToShape(u, flat.shape);
  };
  const scatter = (u: NDArray) =>
    bind1("scatter_add", [lax.reshape(u, [u.size]), lax.reshape(flat, [flat.size])], {
      axis: 0,
      size: n,
    });
  const xf = lax.reshape(a, [n]);
  const done = (out: NDArray) => lax.reshape(out, a.shape);
  // with concrete positions: rounds of distinct targets (round r = r-th occurrence of each)
  const rounds = (): { keep: NDArray; target: NDArray }[] | undefined => {
    if (!(flat instanceof ArrayValue)) return undefined;
    const seen = new Map<number, number>();
    const rank = Array.from(flat[DATA], (p) => {
      const r = seen.get(p) ?? 0;
      seen.set(p, r + 1);
      return r;
    });
    let count = 0; // (a loop: spreading every target's count overflows the call stack)
    for (const c of seen.values()) if (c > count) count = c;
    return Array.from({ length: count }, (_, r) => {
      const keep = new Uint8Array(flat.size), target = new Uint8Array(n);
      rank.forEach((k, j) => {
        if (k === r) keep[j] = target[flat[DATA][j]] = 1;
      });
      return {
        keep: new ArrayValue(keep, flat.shape, "bool"),
        target: new ArrayValue(target, [n], "bool"),
      };
    });
  };
  const combine = (op: string, f: Combine, base: NDArray = xf) => (v: ArrayLike) => {
    const u = values(op, v);
    const rs = rounds();
    if (!rs) {
      throw new TypeError(
        `at(...).${op}: needs concrete indices (inside vmap over the indices or jit of an ` +
          `index array, only get, set and add are supported).`,
      );
    }
    let out = base;
    for (const { keep, target } of rs) {
      const picked = scatter(lax.select(keep, u, lax.full(u, 0)));
      out = lax.select(target, f(out, picked), out);
    }
    return done(out);
  };
  return {
    get: () => gatherFlat(a, flat),
    add: (v) => done(lax.add(xf, scatter(values("add", v)))),
    set: (v) => {
      const u = values("set", v);
      if (flat instanceof ArrayValue) {
        // the last occurrence of each target wins
        const last = new Uint8Array(flat.size);
        const lastAt = new Map<number, number>();
        (flat as ArrayValue)[DATA].forEach((p, j) => lastAt.set(p, j));
        for (const j of lastAt.values()) last[j] = 1;
        const keep = new ArrayValue(last, flat.shape, "bool");
        const target = new Uint8Array(n);
        for (const p of lastAt.keys()) target[p] = 1;
        const picked = scatter(lax.select(keep, u, lax.full(u, 0)));
        return done(lax.select(new ArrayValue(target, [n], "bool"), picked, xf));
      }
      // traced positions: repeated targets get the mean of their values (JAX leaves it unspecified)
      const count = scatter(lax.full({ shape: flat.shape, dtype: a.dtype }, 1));
      const hit = lax.binary("gt", count, lax.full(count, 0));
      const mean = lax.div(scatter(u), lax.select(hit, count, lax.full(count, 1)));
      return done(lax.select(hit, mean, xf));
    },
    mul: combine("mul", lax.mul),
    divide: (v) => {
      if (isFloat(a.dtype)) return combine("divide", lax.div)(v);
      // as JAX, x / ones.at[...].mul(v): integers (and bools) true-divide into float32
      const by = combine("divide", lax.mul, lax.full(xf, 1))(v);
      return lax.div(lax.convert(a, "float32"), lax.convert(by, "float32"));
    },
    power: combine("power", (p, q) => lax.binary("pow", p, q)),
    min: combine("min", (p, q) => lax.binary("min", p, q)),
    max: combine("max", (p, q) => lax.binary("max", p, q)),
  };
}
