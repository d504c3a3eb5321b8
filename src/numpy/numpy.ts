/**
 * The array library: constructors and NumPy-style ops with broadcasting and
 * JAX-style type promotion, built on the primitives. Every op accepts JS
 * numbers wherever an array is expected, and works the same on concrete
 * arrays and inside transforms.
 *
 * @module
 */
import {
  allocate,
  type DType,
  dtypeOfTypedArray,
  intRange,
  isFloat,
  isInteger,
  scalarAs,
  type TypedArray,
} from "../core/_dtype.ts";
import * as lax from "../core/_lax.ts";
import { binaryOp, checkDType, unaryOp } from "./_base.ts";
import { dtypeOptions } from "./_args.ts";
import { checkOptions } from "../core/_validate.ts";
import {
  checkAllocation,
  checkFinite,
  checkInt,
  checkNumber,
  checkShapeArg,
  MAX_ELEMENTS,
  show,
} from "../core/_validate.ts";
import * as shapeOps from "./_structure.ts";
import * as linalg from "./linalg.ts";
import * as reduceOps from "./_reduce.ts";
import * as indexOps from "./_indexing.ts";
import { astype, clip, round } from "./_elementwise.ts";
import "./_array_methods.ts";
import { fromFloat64, fromNested } from "./_from_data.ts";
import {
  type ArrayLike,
  installMethods,
  NDArray as ArrayType,
  type NestedArray,
  type ReduceArg,
  type ReduceOptions,
  type SliceSpec,
} from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import { fmtShape, sizeOf } from "../core/_shape.ts";

// declared here rather than re-exported by name, which deno doc drops from a namespace
/** The array type, `np.NDArray` (the same class as the top-level `NDArray`). */
export const NDArray: typeof ArrayType = ArrayType;
/** The array type, `np.NDArray` (the same class as the top-level `NDArray`). */
export type NDArray = ArrayType;
export type { AtIndexer, IndexItem } from "../core/_ndarray.ts";
export type { ArrayLike, DType, NestedArray, ReduceArg, ReduceOptions, SliceSpec, TypedArray };

/** Options naming the dtype of a new array. */
export interface DTypeOptions {
  /** The element type; float32 by default. */
  dtype?: DType;
}

// ---- construction -------------------------------------------------------------

/**
 * Creates an array from nested JS arrays, a JS number or boolean, a typed array
 * (with `shape`), or another array (converted to `dtype`). Numbers become
 * float32 unless `dtype` says otherwise; booleans become bool. The data is
 * always copied.
 *
 * **JS numbers are float32, even `np.array([1, 2, 3])`**: JavaScript has no integer
 * literals, so difftrace cannot tell `1` from `1.0` (JAX's `jnp.array([1, 2, 3])` is
 * int32). Ask for integers with `np.array([1, 2, 3], { dtype: "int32" })`;
 * `np.arange(5)` (integer arguments) is int32, as in JAX.
 *
 * @param data The values.
 * @param options `dtype`, and `shape` for a flat typed array or JS array.
 * @returns A new array.
 *
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(np.array([[1, 2, 3]]).shape, [1, 3]);
 * assert.equal(np.array([1, 2], { dtype: "int32" }).dtype, "int32");
 * const t = np.array(new Float64Array([1, 2, 3, 4]), { shape: [2, 2] });
 * assert.deepEqual(t.toArray(), [[1, 2], [3, 4]]);
 * ```
 */
export function array(
  data: NestedArray | TypedArray | NDArray,
  options?: (DTypeOptions & { shape?: readonly number[] }) | DType,
): NDArray {
  const opts = dtypeOptions<DTypeOptions & { shape?: readonly number[] }>(
    "np.array",
    options,
    ["dtype", "shape"],
  );
  const dtype = opts.dtype;
  if (opts.shape !== undefined) checkShapeArg("np.array", opts.shape);
  if (data instanceof NDArray) {
    const out = dtype ? astype(data, dtype) : data;
    return opts.shape ? shapeOps.reshape(out, opts.shape) : out;
  }
  if (ArrayBuffer.isView(data)) {
    if (
      data instanceof DataView || data instanceof BigInt64Array || data instanceof BigUint64Array
    ) {
      throw new TypeError(
        `np.array: a ${data.constructor.name} cannot be converted (its elements are not ` +
          `numbers); convert it first, e.g. Float64Array.from(data, Number).`,
      );
    }
    const own = dtypeOfTypedArray(data);
    const target = dtype ?? own ?? "float32";
    const shape = checkShapeArg("np.array", opts.shape ?? [data.length]);
    if (sizeOf(shape) !== data.length) {
      throw new TypeError(
        `np.array: shape ${fmtShape(shape)} needs ${sizeOf(shape)} elements, but the typed ` +
          `array has ${data.length}.`,
      );
    }
    // copy as the source's own dtype (other typed arrays go through float64), then convert:
    // a Uint8Array is uint8 (as bool it becomes 0/1), floats to integers truncate and saturate
    const source = own ?? "float64";
    const copy = allocate(source, data.length);
    copy.set(data as unknown as Float64Array);
    return fromFloat64(new ArrayValue(copy, shape, source), target);
  }
  if (
    typeof data !== "number" && typeof data !== "boolean" && !Array.isArray(data)
  ) {
    throw new TypeError(
      `np.array: expected nested arrays of numbers, a number, a boolean, a typed array or an ` +
        `array, got ${show(data)}.`,
    );
  }
  const value = fromNested(data, dtype);
  return opts.shape ? shapeOps.reshape(value, opts.shape) : value;
}

/**
 * An array from `data` without copying when it already is one (of the requested dtype);
 * otherwise as `np.array`.
 *
 * @param data The values.
 * @param options `dtype`.
 * @returns The array.
 *
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const x = np.array([1, 2]);
 * assert.equal(np.asarray(x), x);
 * assert.equal(np.asarray([1, 2], { dtype: "int32" }).dtype, "int32");
 * ```
 */
export function asarray(
  data: NestedArray | TypedArray | NDArray,
  options: DTypeOptions = {},
): NDArray {
  if (data instanceof ArrayType && (options.dtype === undefined || options.dtype === data.dtype)) {
    checkOptions("np.asarray", options, ["dtype"]);
    return data;
  }
  return array(data, options);
}

/**
 * An array of zeros.
 *
 * @param shape The shape.
 * @param options `dtype` (float32 by default).
 * @returns A new array.
 *
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * assert.equal(np.zeros([2, 3]).sum().item(), 0);
 * ```
 */
export function zeros(shape: readonly number[] | number, options?: DTypeOptions | DType): NDArray {
  return fillAs("np.zeros", shape, 0, options);
}

/**
 * An array of ones.
 *
 * @param shape The shape.
 * @param options `dtype` (float32 by default).
 * @returns A new array.
 *
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * assert.equal(np.ones([2, 3]).sum().item(), 6);
 * ```
 */
export function ones(shape: readonly number[] | number, options?: DTypeOptions | DType): NDArray {
  return fillAs("np.ones", shape, 1, options);
}

/**
 * An array filled with one value.
 *
 * @param shape The shape.
 * @param value The fill value.
 * @param options `dtype` (float32 by default, bool for a boolean value).
 * @returns A new array.
 *
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(np.full([2], 7).toArray(), [7, 7]);
 * ```
 */
export function full(
  shape: readonly number[] | number,
  value: number | boolean,
  options?: DTypeOptions | DType,
): NDArray {
  return fillAs("np.full", shape, value, options);
}

function fillAs(
  op: string,
  shapeArg: readonly number[] | number,
  value: number | boolean,
  options: DTypeOptions | DType | undefined,
): NDArray {
  const opts = dtypeOptions<DTypeOptions>(op, options);
  const shape = checkShapeArg(op, shapeArg);
  if (typeof value !== "number" && typeof value !== "boolean") {
    throw new TypeError(
      `${op}: the fill value must be a number or a boolean, got ${show(value)}` +
        `${(value as unknown) instanceof NDArray ? " (for an array use np.broadcastTo)" : ""}.`,
    );
  }
  const dtype = opts.dtype === undefined && typeof value === "boolean"
    ? "bool"
    : checkDType(op, opts.dtype);
  checkAllocation(op, shape, dtype);
  // as jnp.full stores a Python scalar: integer values wrap, fractions truncate and saturate
  return lax.full({ shape, dtype }, scalarAs(dtype, Number(value)));
}

/**
 * Zeros with the shape (and by default the dtype) of `x`.
 *
 * @param x The template array.
 * @param options Optional `dtype`.
 * @returns A new array.
 *
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(np.zerosLike(np.ones([2])).toArray(), [0, 0]);
 * ```
 */
export function zerosLike(x: NDArray, options?: DTypeOptions | DType): NDArray {
  const opts = dtypeOptions<DTypeOptions>("np.zerosLike", options);
  if (!(x instanceof NDArray)) {
    throw new TypeError(`np.zerosLike: expected an array as the template, got ${show(x)}.`);
  }
  return fillAs("np.zerosLike", x.shape, 0, { dtype: opts.dtype ?? x.dtype });
}

/**
 * Ones with the shape (and by default the dtype) of `x`.
 *
 * @param x The template array.
 * @param options Optional `dtype`.
 * @returns A new array.
 *
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(np.onesLike(np.zeros([2])).toArray(), [1, 1]);
 * ```
 */
export function onesLike(x: NDArray, options?: DTypeOptions | DType): NDArray {
  const opts = dtypeOptions<DTypeOptions>("np.onesLike", options);
  if (!(x instanceof NDArray)) {
    throw new TypeError(`np.onesLike: expected an array as the template, got ${show(x)}.`);
  }
  return fillAs("np.onesLike", x.shape, 1, { dtype: opts.dtype ?? x.dtype });
}

/**
 * Evenly spaced values in `[start, stop)`; with one argument, `[0, start)`.
 * All-integer arguments give int32 (as NumPy), otherwise float32.
 *
 * @param start The first value (or the stop, when `stop` is omitted).
 * @param stop The end, excluded.
 * @param step The spacing (default 1, may be negative).
 * @param options Optional `dtype`.
 * @returns A 1-D array.
 *
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(np.arange(4).toArray(), [0, 1, 2, 3]);
 * assert.deepEqual(np.arange(1, 2, 0.5).toArray(), [1, 1.5]);
 * ```
 */
export function arange(
  start: number,
  stop?: number | DTypeOptions | DType,
  step?: number | DTypeOptions | DType,
  options?: DTypeOptions | DType,
): NDArray {
  // the options may come right after the last number given: arange(5, { dtype })
  const nums: unknown[] = [start, stop, step];
  let optArg: unknown = options;
  const at = nums.findIndex((v, i) => i > 0 && v !== undefined && typeof v !== "number");
  if (at > 0) {
    if (nums.slice(at + 1).some((v) => v !== undefined) || options !== undefined) {
      throw new TypeError(
        `np.arange: the options must be the last argument, got ${nums.map(show).join(", ")}.`,
      );
    }
    optArg = nums[at];
    nums.fill(undefined, at);
  }
  const opts = dtypeOptions<DTypeOptions>("np.arange", optArg as DTypeOptions | undefined);
  let [lo, hi] = [checkFinite("np.arange", "start", nums[0]), nums[1]];
  if (hi === undefined) [lo, hi] = [0, lo];
  else hi = checkFinite("np.arange", "stop", hi);
  const st = nums[2] === undefined ? 1 : checkFinite("np.arange", "step", nums[2]);
  if (st === 0) {
    throw new RangeError(`np.arange: step must be a non-zero finite number, got ${st}.`);
  }
  const n = Math.max(0, Math.ceil(((hi as number) - lo) / st));
  if (n > MAX_ELEMENTS) {
    throw new RangeError(
      `np.arange: [${lo}, ${hi}) with step ${st} has ${n} values, more than the limit of ` +
        `${MAX_ELEMENTS} elements per array.`,
    );
  }
  const ints = [lo, hi, st].every(Number.isInteger);
  const dtype = opts.dtype ?? (ints ? "int32" : "float32");
  if (isInteger(dtype)) {
    const last = lo + (n - 1) * st;
    const [min, max] = intRange(dtype);
    if (n > 0 && (Math.max(lo, last) > max || Math.min(lo, last) < min)) {
      throw new RangeError(
        `np.arange: values from ${lo} to ${last} do not fit in ${dtype}; pass ` +
          `{ dtype: "float64" }.`,
      );
    }
  }
  [start, stop, step] = [lo, hi as number, st];
  const out = allocate(checkDType("np.arange", dtype), n);
  for (let i = 0; i < n; i++) out[i] = start + i * step;
  return new ArrayValue(out, [n], dtype);
}

/**
 * `num` evenly spaced values from `start` to `stop` (included unless `endpoint` is false).
 *
 * @param start The first value.
 * @param stop The last value.
 * @param num How many values (default 50).
 * @param options `endpoint` (default true) and `dtype`.
 * @returns A 1-D array.
 *
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(np.linspace(0, 1, 5).toArray(), [0, 0.25, 0.5, 0.75, 1]);
 * ```
 */
export function linspace(
  start: number,
  stop: number,
  num = 50,
  options: DTypeOptions & { endpoint?: boolean } = {},
): NDArray {
  checkNumber("np.linspace", "start", start);
  checkNumber("np.linspace", "stop", stop);
  checkInt("np.linspace", "num", num, 0, MAX_ELEMENTS);
  dtypeOptions("np.linspace", options, ["dtype", "endpoint"]);
  if (options.endpoint !== undefined && typeof options.endpoint !== "boolean") {
    throw new TypeError(
      `np.linspace: endpoint must be true or false, got ${show(options.endpoint)}.`,
    );
  }
  const dtype = checkDType("np.linspace", options.dtype);
  const endpoint = options.endpoint ?? true;
  const div = endpoint ? num - 1 : num;
  const step = div > 0 ? (stop - start) / div : 0;
  const float = isFloat(dtype);
  const out = float ? allocate(dtype, num) : new Float64Array(num);
  for (let i = 0; i < num; i++) out[i] = start + i * step;
  if (endpoint && num > 1) out[num - 1] = stop;
  if (float) return new ArrayValue(out, [num], dtype);
  // integer and bool results, as JAX's: float32 values, floored (integers only), then
  // converted, saturating
  const floor = dtype === "bool" ? (v: number) => v : Math.floor;
  out.forEach((v, i) => (out[i] = floor(Math.fround(v))));
  return lax.convert(new ArrayValue(out, [num], "float64"), dtype);
}

/**
 * The identity matrix (ones on the `k`-th diagonal).
 *
 * @param n Rows.
 * @param m Columns (default `n`).
 * @param options `k` (diagonal offset) and `dtype`.
 * @returns An n×m array.
 *
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(np.eye(2).toArray(), [[1, 0], [0, 1]]);
 * ```
 */
export function eye(n: number, m?: number, options: DTypeOptions & { k?: number } = {}): NDArray {
  checkInt("np.eye", "n", n, 0);
  const cols = m === undefined || m === null ? n : checkInt("np.eye", "m", m, 0);
  dtypeOptions("np.eye", options, ["dtype", "k"]);
  const dtype = checkDType("np.eye", options.dtype);
  const k = options.k === undefined ? 0 : checkInt("np.eye", "k", options.k);
  checkAllocation("np.eye", [n, cols], dtype);
  const out = allocate(dtype, n * cols);
  for (let i = 0; i < n; i++) {
    const j = i + k;
    if (j >= 0 && j < cols) out[i * cols + j] = 1;
  }
  return new ArrayValue(out, [n, cols], dtype);
}

export * from "./_elementwise.ts";
export * from "./_reduce.ts";
export * from "./_structure.ts";
export * from "./_math.ts";
export * from "./_discrete.ts";
export * from "./_bits.ts";
export * from "./_dtypes.ts";
export * from "./_indexing.ts";
export * from "./_arrange.ts";
export * from "./_diagonals.ts";
export * from "./_stats.ts";
export * from "./_selections.ts";
export * from "./_products.ts";
export * from "./_aliases.ts";
export * as linalg from "./linalg.ts";
/**
 * `np.matrixPower(a, n)`: the same function as `np.linalg.matrixPower` (declared, not
 * re-exported by name, so that deno doc lists it).
 *
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(np.matrixPower(np.array([[1, 1], [0, 1]]), 3).toArray(), [[1, 3], [0, 1]]);
 * ```
 */
export const matrixPower: typeof linalg.matrixPower = linalg.matrixPower;
export * as fft from "./fft.ts";
export * from "./_scan_sort.ts";
export * from "./_more_math.ts";
export * from "./_sequences.ts";
export * from "./_index_helpers.ts";
export * from "./_triangle_indices.ts";
export * from "./_more_stats.ts";
export * from "./_more_arrays.ts";
export * from "./_sets.ts";

installMethods({
  unary: unaryOp,
  binary: binaryOp,
  reduce: (name, x, options) => {
    const fns: Record<string, (x: NDArray, o?: ReduceArg) => NDArray> = {
      sum: reduceOps.sum,
      mean: reduceOps.mean,
      max: reduceOps.max,
      min: reduceOps.min,
      prod: reduceOps.prod,
      argmax: reduceOps.argmax as (x: NDArray, o?: ReduceArg) => NDArray,
      argmin: reduceOps.argmin as (x: NDArray, o?: ReduceArg) => NDArray,
      logsumexp: reduceOps.logsumexp,
    };
    return fns[name](x, options);
  },
  matmul: reduceOps.matmul,
  dot: reduceOps.dot,
  reshape: shapeOps.reshape,
  transpose: shapeOps.transpose,
  expandDims: shapeOps.expandDims,
  squeeze: shapeOps.squeeze,
  broadcastTo: shapeOps.broadcastTo,
  slice: shapeOps.slice,
  take: shapeOps.take,
  index: (x, items) => indexOps.index(x, ...items),
  at: (x, items) => indexOps.at(x, ...items),
  astype,
  clip,
  round,
});
