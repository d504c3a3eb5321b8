/**
 * Eager evaluation: the reference implementation of every primitive on
 * concrete arrays. This table is the living definition of the ops; `jit`'s
 * generated code and the wasm kernels are tested against it.
 *
 * Every rule receives operands already validated by the shape rules and
 * returns fresh arrays (or, for `reshape`, a new array sharing the immutable
 * buffer).
 */
import { installEvaluator } from "../core/_trace.ts";
import {
  allocate,
  type DType,
  intRange,
  isFloat,
  isInteger,
  storeRounding,
  type TypedArray,
} from "../core/_dtype.ts";
import { ArrayValue, DATA } from "../core/_ndarray.ts";
import {
  BINARY_PRIMITIVES,
  COMPARE_PRIMITIVES,
  type Primitive,
  type PrimitiveParams,
  UNARY_PRIMITIVES,
} from "../core/_ir.ts";
import { shapeRules } from "./_shape_rules.ts";
import { checkAllocation } from "../core/_validate.ts";
import { shapesEqual, sizeOf, stridesOf } from "../core/_shape.ts";
import { matmulInto } from "../kernels/_dispatch.ts";
import { transposeInto } from "../kernels/transpose.ts";
import { expF32, logisticF32, tanhF32 } from "../kernels/_exp.ts";
import { logF32 } from "../kernels/_log.ts";
import { digamma, erf, erfc, erfinvF64, lgamma } from "../kernels/special.ts";
import { controlEvalRules } from "./_control_flow.ts";
import { customEvalRules, debugEval } from "./_custom.ts";
import { linalgEvalRules } from "./_linalg_rules.ts";
import { fftEvalRules } from "./_fft_rules.ts";
import { shiftEvalRules } from "./_shift_rules.ts";

type EvalFn<Q> = (args: ArrayValue[], params: Q) => ArrayValue[];
export type EvalRule<P extends Primitive> = EvalFn<PrimitiveParams[P]>;

/** Late-bound implementations of primitives that live in other modules (jit, random). */
export const evalHooks: {
  jitCall?: (args: ArrayValue[], params: PrimitiveParams["jit_call"]) => ArrayValue[];
  randomBits?: (key: ArrayValue, params: PrimitiveParams["random_bits"]) => ArrayValue;
} = {};

// ---- scalar functions of the elementwise primitives -------------------------

/** Rounds half to even, as NumPy and JAX do. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** σ(x) = 1 / (1 + e^−x), written to avoid overflow for large |x|. */
export function logistic(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

export const unaryFns: Record<typeof UNARY_PRIMITIVES[number], (x: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  expm1: Math.expm1,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  tanh: Math.tanh,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  logistic,
  abs: Math.abs,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : x), // keeps NaN and ±0
  floor: Math.floor,
  ceil: Math.ceil,
  round: roundHalfEven,
  erf,
  erfc,
  erf_inv: erfinvF64,
  lgamma,
  digamma,
};

export const binaryFns: Record<typeof BINARY_PRIMITIVES[number], (x: number, y: number) => number> =
  {
    add: (x, y) => x + y,
    sub: (x, y) => x - y,
    mul: (x, y) => x * y,
    div: (x, y) => x / y,
    pow: Math.pow,
    max: (x, y) => (x > y || Number.isNaN(x) ? x : y),
    min: (x, y) => (x < y || Number.isNaN(x) ? x : y),
    atan2: Math.atan2,
    rem: (x, y) => x % y,
    and: (x, y) => x & y,
    or: (x, y) => x | y,
    xor: (x, y) => x ^ y,
  };

/**
 * xʸ in int32, wrapping modulo 2³² as JAX does (square and multiply with Math.imul).
 * A negative exponent gives the integer part of 1/xʸ: 1 for x = 1, ±1 for x = −1, else 0.
 */
export function intPow(x: number, y: number): number {
  if (y < 0) return x === 1 ? 1 : x === -1 ? (y & 1 ? -1 : 1) : 0;
  let result = 1, base = x | 0;
  for (let e = y; e > 0; e >>>= 1) {
    if (e & 1) result = Math.imul(result, base);
    base = Math.imul(base, base);
  }
  return result;
}

/**
 * Integer division as XLA's: truncates toward zero; x / 0 = −1 (all bits set, so the largest
 * value of an unsigned type once stored); INT_MIN / −1 wraps to INT_MIN on store.
 */
export function intDiv(x: number, y: number): number {
  return y === 0 ? -1 : Math.trunc(x / y);
}

/** Integer remainder as XLA's: the sign of x; x rem 0 = x. */
export function intRem(x: number, y: number): number {
  return y === 0 ? x : x % y;
}

/** The integer kernels that differ from the float ones: products wrap modulo 2³² (then 2ⁿ on store). */
const INT32_BINARY: Partial<
  Record<typeof BINARY_PRIMITIVES[number], (x: number, y: number) => number>
> = { mul: Math.imul, pow: intPow, div: intDiv, rem: intRem };

export const compareFns: Record<
  typeof COMPARE_PRIMITIVES[number],
  (x: number, y: number) => boolean
> = {
  eq: (x, y) => x === y,
  ne: (x, y) => x !== y,
  lt: (x, y) => x < y,
  le: (x, y) => x <= y,
  gt: (x, y) => x > y,
  ge: (x, y) => x >= y,
};

/**
 * Builds a loop specialised to one scalar function. Each loop is compiled from
 * its own source text, so the engine sees one call target per loop and inlines
 * it (a single shared loop calling many functions would stay megamorphic).
 */
let loopCount = 0;
function specialise<F>(body: string, fn: F): (...args: unknown[]) => void {
  // a unique name keeps engines from sharing one compiled loop between sources
  const name = `loop${loopCount++}`;
  return new Function("f", `"use strict"; return function ${name}(a, b, c, out, n) { ${body} };`)(
    fn,
  ) as (...args: unknown[]) => void;
}

/**
 * One specialised loop per dtype, made on first use: a loop that has seen
 * Float32Array, Float64Array and Int32Array arguments is polymorphic and runs
 * ~3× slower on large arrays than one that sees a single array type.
 */
function perDtype(body: string, fn: unknown): (dtype: DType) => (...args: unknown[]) => void {
  const loops = new Map<DType, (...args: unknown[]) => void>();
  return (dtype) => {
    let loop = loops.get(dtype);
    if (!loop) loops.set(dtype, loop = specialise(body, fn));
    return loop;
  };
}

/**
 * The float32 kernels that differ from the float64 ones: exp, logistic, tanh and log run
 * the float64 sequences jit's wasm loops also run (`kernels/_exp.ts`, `kernels/_log.ts`), so
 * eager and exact programs agree bit for bit.
 */
const FLOAT32_UNARY: Partial<Record<typeof UNARY_PRIMITIVES[number], (x: number) => number>> = {
  exp: expF32,
  logistic: logisticF32,
  tanh: tanhF32,
  log: logF32,
};

function mapUnary(f: (x: number) => number, f32?: (x: number) => number) {
  const body = "for (let i = 0; i < n; i++) out[i] = f(a[i]);";
  const loopFor = perDtype(body, f);
  const f32Loop = f32 ? specialise(body, f32) : undefined;
  return ([x]: ArrayValue[]): ArrayValue[] => {
    const out = allocate(x.dtype, x.size);
    const loop = x.dtype === "float32" && f32Loop ? f32Loop : loopFor(x.dtype);
    loop(x[DATA], null, null, out, out.length);
    return [new ArrayValue(out, x.shape, x.dtype)];
  };
}

function mapBinary(f: (x: number, y: number) => number, intF?: (x: number, y: number) => number) {
  const body = "for (let i = 0; i < n; i++) out[i] = f(a[i], b[i]);";
  const loopFor = perDtype(body, f);
  const intLoop = intF ? specialise(body, intF) : undefined;
  return ([x, y]: ArrayValue[]): ArrayValue[] => {
    const out = allocate(x.dtype, x.size);
    const loop = isInteger(x.dtype) && intLoop ? intLoop : loopFor(x.dtype);
    loop(x[DATA], y[DATA], null, out, out.length);
    return [new ArrayValue(out, x.shape, x.dtype)];
  };
}

/** out[i] = a[i] ? b[i] : c[i], one loop per dtype of b, c and out (see perDtype). */
const selectLoop = perDtype("for (let i = 0; i < n; i++) out[i] = a[i] ? b[i] : c[i];", null);

function mapCompare(f: (x: number, y: number) => boolean) {
  const loopFor = perDtype("for (let i = 0; i < n; i++) out[i] = f(a[i], b[i]) ? 1 : 0;", f);
  return ([x, y]: ArrayValue[]): ArrayValue[] => {
    const out = new Uint8Array(x.size);
    loopFor(x.dtype)(x[DATA], y[DATA], null, out, out.length);
    return [new ArrayValue(out, x.shape, "bool")];
  };
}

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

/**
 * x as `dtype`, as XLA converts: float → integer truncates toward zero and saturates at the
 * integer's range (NaN → 0); integer → integer wraps modulo 2ⁿ (the typed array's store);
 * anything → bool is x ≠ 0 (NaN → true); → float16/bfloat16 rounds through float32.
 */
function convertValue(x: ArrayValue, dtype: DType): ArrayValue {
  const out = allocate(dtype, x.size);
  const src = x[DATA];
  const round = storeRounding(dtype);
  if (dtype === "bool") {
    for (let i = 0; i < src.length; i++) out[i] = src[i] !== 0 ? 1 : 0;
  } else if (isInteger(dtype) && isFloat(x.dtype)) {
    const [lo, hi] = intRange(dtype);
    for (let i = 0; i < src.length; i++) {
      const v = Math.trunc(src[i]);
      out[i] = Number.isNaN(v) ? 0 : Math.max(lo, Math.min(hi, v));
    }
  } else if (round) {
    for (let i = 0; i < src.length; i++) out[i] = round(src[i]);
  } else out.set(src);
  return new ArrayValue(out, x.shape, dtype);
}

// ---- the table -------------------------------------------------------------------

const rules = {
  select: ([p, t, f]) => {
    const out = allocate(t.dtype, t.size);
    selectLoop(t.dtype)(p[DATA], t[DATA], f[DATA], out, out.length);
    return [new ArrayValue(out, t.shape, t.dtype)];
  },
  convert: ([x], { dtype }) => [convertValue(x, dtype)],
  stop_gradient: ([x]) => [x],
  reduce_sum: ([x], { axes }) => [reduceBlocks(x, axes, REDUCERS.reduce_sum)],
  reduce_prod: ([x], { axes }) => [reduceBlocks(x, axes, REDUCERS.reduce_prod)],
  reduce_max: ([x], { axes }) => [reduceBlocks(x, axes, REDUCERS.reduce_max)],
  reduce_min: ([x], { axes }) => [reduceBlocks(x, axes, REDUCERS.reduce_min)],
  argmax: ([x], { axis }) => [reduceValue(x, [axis], "int32", argmaxFold)],
  argmin: ([x], { axis }) => [reduceValue(x, [axis], "int32", argminFold)],
  matmul: ([a, b]) => {
    const r = a.shape.length;
    const m = a.shape[r - 2], k = a.shape[r - 1], n = b.shape[r - 1];
    const batch = sizeOf(a.shape.slice(0, r - 2));
    const shape = [...a.shape.slice(0, r - 1), n];
    const out = allocate(a.dtype, batch * m * n);
    for (let i = 0; i < batch; i++) {
      matmulInto(a[DATA], i * m * k, b[DATA], i * k * n, out, i * m * n, m, k, n, false, false);
    }
    return [new ArrayValue(out, shape, a.dtype)];
  },
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
  argsort: ([x], { axis, descending }) => {
    const n = x.shape[axis];
    const inner = sizeOf(x.shape.slice(axis + 1));
    const outer = sizeOf(x.shape.slice(0, axis));
    const out = new Int32Array(x.size);
    const d = x[DATA];
    const perm = Array.from({ length: n }, (_, i) => i);
    const lane = new Float64Array(n);
    // NaN sorts after every number in both directions (as JAX); ties keep their order
    const cmp = (i: number, j: number) => {
      const a = lane[i], b = lane[j];
      if (a !== a) return b !== b ? i - j : 1;
      if (b !== b) return -1;
      return (descending ? b - a : a - b) || i - j;
    };
    for (let o = 0; o < outer; o++) {
      for (let k = 0; k < inner; k++) {
        const base = o * n * inner + k;
        for (let i = 0; i < n; i++) {
          lane[i] = d[base + i * inner];
          perm[i] = i;
        }
        perm.sort(cmp);
        for (let i = 0; i < n; i++) out[base + i * inner] = perm[i];
      }
    }
    return [new ArrayValue(out, x.shape, "int32")];
  },
  random_bits: ([key], params) => {
    if (!evalHooks.randomBits) throw new Error("internal: random kernels not installed.");
    return [evalHooks.randomBits(key, params)];
  },
  jit_call: (args, params) => {
    if (!evalHooks.jitCall) throw new Error("internal: jit not installed.");
    return evalHooks.jitCall(args, params);
  },
  ...controlEvalRules,
  ...customEvalRules,
  debug_callback: debugEval,
} satisfies Partial<{ [P in Primitive]: EvalRule<P> }>;

export const evalRules: { [P in Primitive]: EvalRule<P> } = {
  ...Object.fromEntries(
    UNARY_PRIMITIVES.map((p) => [p, mapUnary(unaryFns[p], FLOAT32_UNARY[p])]),
  ) as unknown as {
    [P in typeof UNARY_PRIMITIVES[number]]: EvalRule<P>;
  },
  ...Object.fromEntries(
    BINARY_PRIMITIVES.map((p) => [p, mapBinary(binaryFns[p], INT32_BINARY[p])]),
  ) as unknown as { [P in typeof BINARY_PRIMITIVES[number]]: EvalRule<P> },
  ...Object.fromEntries(
    COMPARE_PRIMITIVES.map((p) => [p, mapCompare(compareFns[p])]),
  ) as unknown as {
    [P in typeof COMPARE_PRIMITIVES[number]]: EvalRule<P>;
  },
  ...rules,
  ...linalgEvalRules,
  ...fftEvalRules,
  ...shiftEvalRules,
};

/** Validates with the shape rule, then evaluates eagerly. */
export function evaluate<P extends Primitive>(
  prim: P,
  args: ArrayValue[],
  params: PrimitiveParams[P],
): ArrayValue[] {
  const outs = shapeRules[prim](args, params);
  // refuse a huge result before allocating it (a clear RangeError, not an engine abort)
  for (const o of outs) checkAllocation(prim, o.shape, o.dtype);
  return evalRules[prim](args, params);
}

installEvaluator(evaluate);
