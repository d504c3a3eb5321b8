/**
 * Eager evaluation of the structural primitives and the reductions, spread into the table of
 * `_eval.ts`: those that move elements (reshape, transpose, broadcast, slice, pad,
 * concatenate), gather or scatter them (take, scatter_add), fold them along axes (reduce_*,
 * argmax, argmin) or sort them (argsort).
 *
 * Operands arrive validated by the shape rules; every rule returns fresh arrays (or, for
 * `reshape`, a new array sharing the immutable buffer).
 */
import { argsortLane, sortKindOf } from "../kernels/sort.ts";
import { allocate, type DType, type TypedArray } from "../core/_dtype.ts";
import { DATA } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import type { Primitive, PrimitiveParams } from "../core/_ir.ts";
import { shapeRules } from "./_shape_rules.ts";
import { shapesEqual, sizeOf, stridesOf } from "../core/_shape.ts";
import { transposeInto } from "../kernels/transpose.ts";

/** An eager rule, restated from `_eval.ts` (importing it would close an import circle). */
type EvalRule<P extends Primitive> = (
  args: ArrayValue[],
  params: PrimitiveParams[P],
) => ArrayValue[];

// ---- data movement ------------------------------------------------------------

/**
 * Moves the elements of a strided view of `src` to a strided view of `dst`,
 * both of `shape`: dst[dOff + Σ ik·dStrides[k]] = src[sOff + Σ ik·sStrides[k]].
 * An odometer walks the outer axes; the innermost axis is a plain loop.
 */
function stridedMove(
  src: TypedArray,
  sOff: number,
  sStrides: readonly number[],
  dst: TypedArray,
  dOff: number,
  dStrides: readonly number[],
  shape: readonly number[],
): void {
  const n = sizeOf(shape), rank = shape.length;
  if (n === 0) return;
  if (rank === 0) {
    dst[dOff] = src[sOff];
    return;
  }
  const last = shape[rank - 1], sLast = sStrides[rank - 1], dLast = dStrides[rank - 1];
  const idx = new Array<number>(rank).fill(0);
  let sBase = sOff, dBase = dOff;
  for (let done = 0; done < n; done += last) {
    for (let j = 0, si = sBase, di = dBase; j < last; j++, si += sLast, di += dLast) {
      dst[di] = src[si];
    }
    for (let k = rank - 2; k >= 0; k--) {
      idx[k]++;
      sBase += sStrides[k];
      dBase += dStrides[k];
      if (idx[k] < shape[k]) break;
      sBase -= sStrides[k] * shape[k];
      dBase -= dStrides[k] * shape[k];
      idx[k] = 0;
    }
  }
}

/**
 * Copies a strided view of `src` into a fresh contiguous array of `shape`:
 * out[i0, ..., in] = src[offset + Σ ik·strides[k]]. Serves transpose,
 * broadcast (stride 0) and slice (stride·step).
 */
export function stridedCopy(
  src: TypedArray,
  offset: number,
  strides: readonly number[],
  shape: readonly number[],
  dtype: DType,
): TypedArray {
  const out = allocate(dtype, sizeOf(shape));
  stridedMove(src, offset, strides, out, 0, stridesOf(shape), shape);
  return out;
}

function transposeValue(x: ArrayValue, perm: readonly number[]): ArrayValue {
  const shape = perm.map((p) => x.shape[p]);
  // copies and (batched) 2-D transposes: the cache-blocked kernel
  const out = transposeInto(x[DATA], x.shape, perm, () => allocate(x.dtype, x.size));
  if (out) return new ArrayValue(out, shape, x.dtype);
  const strides = stridesOf(x.shape);
  return new ArrayValue(
    stridedCopy(x[DATA], 0, perm.map((p) => strides[p]), shape, x.dtype),
    shape,
    x.dtype,
  );
}

/**
 * Reduces `axes` by moving them last (a copy, unless they already are) and
 * folding each contiguous run of `inner` elements with `fold`. Used for
 * argmax/argmin; the associative reductions use `reduceBlocks` below.
 */
function reduceValue(
  x: ArrayValue,
  axes: readonly number[],
  outDtype: DType,
  fold: (data: TypedArray, start: number, len: number) => number,
): ArrayValue {
  const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const perm = [...kept, ...axes];
  const trailing = perm.every((p, i) => p === i);
  const src = trailing ? x[DATA] : transposeValue(x, perm)[DATA];
  const outShape = kept.map((i) => x.shape[i]);
  const outer = sizeOf(outShape);
  const inner = sizeOf(axes.map((i) => x.shape[i]));
  const out = allocate(outDtype, outer);
  for (let o = 0; o < outer; o++) out[o] = fold(src, o * inner, inner);
  return new ArrayValue(out, outShape, outDtype);
}

type BlockReducer = (
  src: TypedArray,
  out: TypedArray,
  outer: number,
  red: number,
  inner: number,
) => void;

/**
 * A reduction over the middle axis of a [outer, red, inner] view, without
 * moving data: out[o, i] = fold_r x[o, r, i]. The inner loop runs over
 * contiguous memory for every r, so reducing a leading axis (a bias
 * gradient, say) streams through the input once.
 */
function blockReducer(name: string, init: string, combine: string): BlockReducer {
  return new Function(`"use strict"; return function reduce_${name}(src, out, outer, red, inner) {
    for (let o = 0; o < outer; o++) {
      const ob = o * inner, ib = o * red * inner;
      if (inner === 1) {
        let acc = ${init};
        for (let r = 0; r < red; r++) { const v = src[ib + r]; acc = ${combine}; }
        out[ob] = acc;
        continue;
      }
      // the first row seeds the accumulator: an int32 or bool array cannot hold the
      // identity ±Infinity (it would store 0), and a sum/product equals it either way
      if (red === 0) for (let i = 0; i < inner; i++) out[ob + i] = ${init};
      else for (let i = 0; i < inner; i++) out[ob + i] = src[ib + i];
      for (let r = 1; r < red; r++) {
        const rb = ib + r * inner;
        for (let i = 0; i < inner; i++) { const acc = out[ob + i], v = src[rb + i]; out[ob + i] = ${combine}; }
      }
    }
  };`)() as BlockReducer;
}

const REDUCERS = {
  reduce_sum: blockReducer("sum", "0", "acc + v"),
  reduce_prod: blockReducer("prod", "1", "acc * v"),
  // NaN wins: once acc is NaN neither test replaces it
  reduce_max: blockReducer("max", "-Infinity", "(v > acc || v !== v) && acc === acc ? v : acc"),
  reduce_min: blockReducer("min", "Infinity", "(v < acc || v !== v) && acc === acc ? v : acc"),
};

/**
 * Reduces `axes` (sorted) one contiguous block of axes at a time, last block
 * first, each with the in-place block reducer: no transposing copies.
 */
function reduceBlocks(x: ArrayValue, axes: readonly number[], reducer: BlockReducer): ArrayValue {
  let data = x[DATA];
  let shape = [...x.shape];
  // float32 sums and products accumulate in float64 and round once at the end: a float32
  // accumulator over a leading axis of 1e6 rows drifts by ~1e-3 relative (0.1 → 0.10096)
  const wide = x.dtype === "float32" &&
    (reducer === REDUCERS.reduce_sum || reducer === REDUCERS.reduce_prod);
  let remaining = [...axes];
  while (remaining.length > 0) {
    // the last maximal run of consecutive axes
    let start = remaining.length - 1;
    while (start > 0 && remaining[start - 1] === remaining[start] - 1) start--;
    const lo = remaining[start], hi = remaining[remaining.length - 1];
    const outer = sizeOf(shape.slice(0, lo));
    const red = sizeOf(shape.slice(lo, hi + 1));
    const inner = sizeOf(shape.slice(hi + 1));
    const out = wide ? new Float64Array(outer * inner) : allocate(x.dtype, outer * inner);
    reducer(data, out, outer, red, inner);
    data = out;
    shape = [...shape.slice(0, lo), ...shape.slice(hi + 1)];
    remaining = remaining.slice(0, start);
  }
  if (wide && data !== x[DATA]) data = Float32Array.from(data);
  return new ArrayValue(data, shape, x.dtype);
}

/** Index of the first maximum (a NaN counts as the maximum, as in NumPy). */
const argmaxFold = (d: TypedArray, s: number, n: number) => {
  let best = 0;
  for (let i = 1; i < n; i++) {
    if (Number.isNaN(d[s + best])) break;
    if (d[s + i] > d[s + best] || Number.isNaN(d[s + i])) best = i;
  }
  return best;
};
const argminFold = (d: TypedArray, s: number, n: number) => {
  let best = 0;
  for (let i = 1; i < n; i++) {
    if (Number.isNaN(d[s + best])) break;
    if (d[s + i] < d[s + best] || Number.isNaN(d[s + i])) best = i;
  }
  return best;
};

/**
 * The indices of a gather or scatter, checked once and normalised into
 * [0, n) (negative ones count from the end); RangeError for any out of bounds.
 */
function checkedIndices(idx: ArrayValue, n: number, op: string): Int32Array {
  const raw = idx[DATA], rows = new Int32Array(raw.length);
  for (let j = 0; j < raw.length; j++) {
    const i = raw[j], r = i < 0 ? i + n : i;
    if (r < 0 || r >= n) {
      throw new RangeError(`${op}: index ${i} is out of bounds for an axis of size ${n}.`);
    }
    rows[j] = r;
  }
  return rows;
}

/**
 * x's elements repeated to `shape` (x's rank, size-1 axes stretched). Two fast cases
 * beside the general strided copy: one element is a fill, and x equal to the trailing
 * block of the output (a bias row broadcast over a batch, say) is copied once and then
 * doubled with copyWithin; both write the same values as the strided copy.
 */
function broadcastData(x: ArrayValue, shape: readonly number[]): TypedArray {
  const src = x[DATA], n = sizeOf(shape);
  if (src.length === 1 || n === 0) {
    const out = allocate(x.dtype, n);
    return n === 0 ? out : out.fill(src[0]);
  }
  // x's shape = (1, …, 1, shape[lead:]): out is x tiled n / x.size times
  let lead = 0;
  while (lead < shape.length && x.shape[lead] === 1) lead++;
  if (shapesEqual(x.shape.slice(lead), shape.slice(lead))) {
    const out = allocate(x.dtype, n);
    out.set(src);
    for (let filled = src.length; filled < n; filled *= 2) {
      out.copyWithin(filled, 0, Math.min(filled, n - filled));
    }
    return out;
  }
  const strides = stridesOf(x.shape).map((s, i) => (x.shape[i] === 1 ? 0 : s));
  return stridedCopy(src, 0, strides, shape, x.dtype);
}

// ---- the table -------------------------------------------------------------------

/**
 * y[i] = step(y[i − 1], x[i]) along `axis` (from its end when `reverse`), with y[0] = x[0],
 * or step(init, x[0]) when `init` is given: one pass per lane, O(n). The running value stays a JS number (float64) between steps;
 * each store rounds or wraps it to the dtype.
 */
function running(
  x: ArrayValue,
  axis: number,
  reverse: boolean,
  step: (acc: number, v: number) => number,
  init?: number,
): ArrayValue {
  const n = x.shape[axis];
  const inner = sizeOf(x.shape.slice(axis + 1));
  const outer = sizeOf(x.shape.slice(0, axis));
  const d = x[DATA], out = allocate(x.dtype, x.size);
  const first = reverse ? n - 1 : 0, stride = reverse ? -inner : inner;
  for (let o = 0; o < outer && n > 0; o++) {
    for (let k = 0; k < inner; k++) {
      let at = o * n * inner + k + first * inner, acc = init ?? d[at];
      if (init === undefined) out[at] = acc;
      else out[at] = acc = step(acc, d[at]);
      for (let i = 1; i < n; i++) {
        at += stride;
        out[at] = acc = step(acc, d[at]);
      }
    }
  }
  return new ArrayValue(out, x.shape, x.dtype);
}

function logAddExp(acc: number, v: number): number {
  const d = acc - v;
  return d !== d ? acc + v : Math.max(acc, v) + Math.log1p(Math.exp(-Math.abs(d)));
}

export const structuralEvalRules = {
  reduce_sum: ([x], { axes }) => [reduceBlocks(x, axes, REDUCERS.reduce_sum)],
  reduce_prod: ([x], { axes }) => [reduceBlocks(x, axes, REDUCERS.reduce_prod)],
  reduce_max: ([x], { axes }) => [reduceBlocks(x, axes, REDUCERS.reduce_max)],
  reduce_min: ([x], { axes }) => [reduceBlocks(x, axes, REDUCERS.reduce_min)],
  argmax: ([x], { axis }) => [reduceValue(x, [axis], "int32", argmaxFold)],
  argmin: ([x], { axis }) => [reduceValue(x, [axis], "int32", argminFold)],
  reshape: ([x], { shape }) => [new ArrayValue(x[DATA], shape, x.dtype)],
  transpose: ([x], { perm }) => [transposeValue(x, perm)],
  broadcast: ([x], { shape }) => [new ArrayValue(broadcastData(x, shape), shape, x.dtype)],
  slice: ([x], { starts, stops, steps }) => {
    const [{ shape }] = shapeRules.slice([x], { starts, stops, steps });
    const strides = stridesOf(x.shape);
    const offset = starts.reduce((o, s, i) => o + s * strides[i], 0);
    return [
      new ArrayValue(
        stridedCopy(x[DATA], offset, strides.map((s, i) => s * steps[i]), shape, x.dtype),
        shape,
        x.dtype,
      ),
    ];
  },
  pad: ([x], params) => {
    const [{ shape }] = shapeRules.pad([x], params);
    const out = allocate(x.dtype, sizeOf(shape));
    const outStrides = stridesOf(shape);
    // Write x into the strided view of `out` that pad's transpose (a slice) would read.
    const offset = params.lo.reduce((o, l, i) => o + l * outStrides[i], 0);
    const strides = outStrides.map((s, i) => s * (params.interior[i] + 1));
    stridedMove(x[DATA], 0, stridesOf(x.shape), out, offset, strides, x.shape);
    return [new ArrayValue(out, shape, x.dtype)];
  },
  concatenate: (xs, { axis }) => {
    const [{ shape }] = shapeRules.concatenate(xs, { axis });
    const out = allocate(xs[0].dtype, sizeOf(shape));
    const outer = sizeOf(shape.slice(0, axis));
    const rowOut = sizeOf(shape.slice(axis));
    let col = 0;
    for (const x of xs) {
      const row = sizeOf(x.shape.slice(axis));
      const src = x[DATA];
      if (row >= 64) {
        for (let o = 0; o < outer; o++) {
          out.set(src.subarray(o * row, (o + 1) * row), o * rowOut + col);
        }
      } else {
        // short rows (e.g. channels of an im2col patch): a plain loop beats a subarray per row
        for (let o = 0; o < outer; o++) {
          const d = o * rowOut + col, s = o * row;
          for (let k = 0; k < row; k++) out[d + k] = src[s + k];
        }
      }
      col += row;
    }
    return [new ArrayValue(out, shape, xs[0].dtype)];
  },
  take: ([x, idx], { axis }) => {
    const n = x.shape[axis];
    const outer = sizeOf(x.shape.slice(0, axis));
    const inner = sizeOf(x.shape.slice(axis + 1));
    const rows = checkedIndices(idx, n, "take");
    const m = rows.length;
    const src = x[DATA], out = allocate(x.dtype, outer * m * inner);
    // out[o, j, :] = x[o, rows[j], :], written in output order
    for (let o = 0, d = 0; o < outer; o++) {
      const base = o * n;
      if (inner === 1) {
        for (let j = 0; j < m; j++) out[d++] = src[base + rows[j]];
      } else {
        for (let j = 0; j < m; j++, d += inner) {
          const s = (base + rows[j]) * inner;
          for (let k = 0; k < inner; k++) out[d + k] = src[s + k];
        }
      }
    }
    const shape = [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)];
    return [new ArrayValue(out, shape, x.dtype)];
  },
  scatter_add: ([u, idx], { axis, size }) => {
    const outer = sizeOf(u.shape.slice(0, axis));
    const inner = sizeOf(u.shape.slice(axis + idx.shape.length));
    const rows = checkedIndices(idx, size, "scatter_add");
    const m = rows.length;
    const shape = [...u.shape.slice(0, axis), size, ...u.shape.slice(axis + idx.shape.length)];
    const src = u[DATA], out = allocate(u.dtype, sizeOf(shape));
    // out[o, rows[j], :] += u[o, j, :], reading the updates in order
    for (let o = 0, s = 0; o < outer; o++) {
      const base = o * size;
      if (inner === 1) {
        for (let j = 0; j < m; j++) out[base + rows[j]] += src[s++];
      } else {
        for (let j = 0; j < m; j++, s += inner) {
          const d = (base + rows[j]) * inner;
          for (let k = 0; k < inner; k++) out[d + k] += src[s + k];
        }
      }
    }
    return [new ArrayValue(out, shape, u.dtype)];
  },
  // running sums along the axis, one lane at a time: floats accumulate in float64 and
  // round once per output (as the rest of difftrace's float32 sums); integers wrap as
  // their dtype does (int32 arithmetic, then the store's own wrap for 8 and 16 bits)
  cumsum: ([x], { axis, reverse }) => {
    const d = x[DATA];
    const add = d instanceof Float32Array || d instanceof Float64Array
      ? (acc: number, v: number) => acc + v
      : d instanceof Uint32Array
      ? (acc: number, v: number) => (acc + v) >>> 0
      : (acc: number, v: number) => (acc + v) | 0;
    // from 0, so a leading −0 sums to +0 as 0 + (−0) does
    return [running(x, axis, reverse, add, 0)];
  },
  // running max/min (Math.max/min: NaN propagates, as lax.max) and running products: floats
  // multiply in float64 and round once per output (as cumsum), integers wrap (Math.imul)
  cummax: ([x], { axis, reverse }) => [running(x, axis, reverse, Math.max)],
  cummin: ([x], { axis, reverse }) => [running(x, axis, reverse, Math.min)],
  // log(e^acc + e^v) = max + log1p(e^−|acc − v|), in float64; acc − v is NaN for two equal
  // infinities (then acc + v, the same infinity) or a NaN operand (then NaN), as JAX's logaddexp
  cumlogsumexp: ([x], { axis, reverse }) => [running(x, axis, reverse, logAddExp)],
  cumprod: ([x], { axis, reverse }) => {
    const d = x[DATA];
    const mul = d instanceof Float32Array || d instanceof Float64Array
      ? (a: number, v: number) => a * v
      : d instanceof Uint32Array
      ? (a: number, v: number) => Math.imul(a, v) >>> 0
      : Math.imul;
    return [running(x, axis, reverse, mul)];
  },
  argsort: ([x], { axis, descending }) => {
    const n = x.shape[axis];
    const inner = sizeOf(x.shape.slice(axis + 1));
    const outer = sizeOf(x.shape.slice(0, axis));
    const out = new Int32Array(x.size);
    const d = x[DATA], kind = sortKindOf(d);
    // stable; NaN last ascending and first descending, −0 = +0 (as JAX): kernels/sort.ts
    for (let o = 0; o < outer; o++) {
      for (let k = 0; k < inner; k++) {
        argsortLane(d, kind, o * n * inner + k, n, inner, descending, out);
      }
    }
    return [new ArrayValue(out, x.shape, "int32")];
  },
} satisfies Partial<{ [P in Primitive]: EvalRule<P> }>;
