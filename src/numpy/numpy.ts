/**
 * The array library: constructors and NumPy-style ops with broadcasting and
 * JAX-style type promotion, built on the primitives. Every op accepts JS
 * numbers wherever an array is expected, and works the same on concrete
 * arrays and inside transforms.
 *
 * @module
 */
import { allocate, type DType, dtypeOfTypedArray, type TypedArray } from "../core/_dtype.ts";
import * as lax from "../core/_lax.ts";
import { binaryOp, checkDType, checkShape, unaryOp } from "./_base.ts";
import * as shapeOps from "./_structure.ts";
import * as reduceOps from "./_reduce.ts";
import { astype, clip } from "./_elementwise.ts";
import {
  type ArrayLike,
  ArrayValue,
  installMethods,
  NDArray,
  type NestedArray,
  type ReduceOptions,
  type SliceSpec,
} from "../core/_ndarray.ts";
import { fmtShape, sizeOf } from "../core/_shape.ts";

export { NDArray };
export type { ArrayLike, DType, NestedArray, ReduceOptions, SliceSpec, TypedArray };

/** Options naming the dtype of a new array. */
export interface DTypeOptions {
  /** The element type; float32 by default. */
  dtype?: DType;
}

// ---- construction -------------------------------------------------------------

function fromNested(data: NestedArray, dtype: DType | undefined): ArrayValue {
  const shape: number[] = [];
  let probe: NestedArray = data;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = (probe as NestedArray[])[0];
  }
  const inferred: DType = dtype ?? (typeof probe === "boolean" ? "bool" : "float32");
  // collect exactly in float64, then convert: bool becomes 0/1, int32 truncates and saturates
  const out = new Float64Array(sizeOf(shape));
  let k = 0;
  const walk = (x: NestedArray, depth: number, path: number[]) => {
    if (depth === shape.length) {
      if (Array.isArray(x)) {
        throw new TypeError(
          `np.array: ragged nested array: the element at [${path.join(", ")}] is a list, but ` +
            `its siblings are scalars (expected shape ${fmtShape(shape)}).`,
        );
      }
      if (typeof x !== "number" && typeof x !== "boolean") {
        throw new TypeError(
          `np.array: elements must be numbers or booleans, got ${typeof x} at [${
            path.join(", ")
          }].`,
        );
      }
      out[k++] = Number(x);
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[depth]) {
      throw new TypeError(
        `np.array: ragged nested array: the element at [${path.join(", ")}] has ` +
          `${Array.isArray(x) ? `length ${x.length}` : "no axis"} but axis ${depth} of the first ` +
          `row has length ${shape[depth]} (expected shape ${fmtShape(shape)}). All rows must ` +
          `have the same length.`,
      );
    }
    (x as NestedArray[]).forEach((c, i) => walk(c, depth + 1, [...path, i]));
  };
  walk(data, 0, []);
  return lax.convert(new ArrayValue(out, shape, "float64"), inferred) as ArrayValue;
}

/**
 * Creates an array from nested JS arrays, a JS number or boolean, a typed array
 * (with `shape`), or another array (converted to `dtype`). Numbers become
 * float32 unless `dtype` says otherwise; booleans become bool. The data is
 * always copied.
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
  options: DTypeOptions & { shape?: readonly number[] } = {},
): NDArray {
  const dtype = options.dtype === undefined ? undefined : checkDType("np.array", options.dtype);
  if (data instanceof NDArray) {
    const out = dtype ? astype(data, dtype) : data;
    return options.shape ? shapeOps.reshape(out, options.shape) : out;
  }
  if (ArrayBuffer.isView(data)) {
    const own = dtypeOfTypedArray(data);
    const target = dtype ?? (own === "bool" ? "bool" : own) ?? "float32";
    const shape = checkShape("np.array", options.shape ?? [data.length]);
    if (sizeOf(shape) !== data.length) {
      throw new TypeError(
        `np.array: shape ${fmtShape(shape)} needs ${sizeOf(shape)} elements, but the typed ` +
          `array has ${data.length}.`,
      );
    }
    // copy as the source's own dtype (other typed arrays go through float64), then convert:
    // a Uint8Array of 0/2 becomes a bool array of 0/1, floats to int32 truncate and saturate
    const source = own ?? "float64";
    const copy = allocate(source, data.length);
    if (source === "bool") {
      for (let i = 0; i < data.length; i++) copy[i] = (data as Uint8Array)[i] !== 0 ? 1 : 0;
    } else copy.set(data as unknown as Float64Array);
    return lax.convert(new ArrayValue(copy, shape, source), target);
  }
  const value = fromNested(data, dtype);
  return options.shape ? shapeOps.reshape(value, options.shape) : value;
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
export function zeros(shape: readonly number[], options: DTypeOptions = {}): NDArray {
  return full(shape, 0, options);
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
export function ones(shape: readonly number[], options: DTypeOptions = {}): NDArray {
  return full(shape, 1, options);
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
  shape: readonly number[],
  value: number | boolean,
  options: DTypeOptions = {},
): NDArray {
  const dtype = options.dtype === undefined && typeof value === "boolean"
    ? "bool"
    : checkDType("np.full", options.dtype);
  const v = Number(value);
  // store what a conversion to dtype would: bool is 0/1, int32 truncates and saturates
  const stored = dtype === "bool"
    ? (v !== 0 ? 1 : 0)
    : dtype === "int32"
    ? (Number.isNaN(v) ? 0 : Math.max(-2147483648, Math.min(2147483647, Math.trunc(v))))
    : v;
  return lax.full({ shape: checkShape("np.full", shape), dtype }, stored);
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
export function zerosLike(x: NDArray, options: DTypeOptions = {}): NDArray {
  return full(x.shape, 0, { dtype: options.dtype ?? x.dtype });
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
export function onesLike(x: NDArray, options: DTypeOptions = {}): NDArray {
  return full(x.shape, 1, { dtype: options.dtype ?? x.dtype });
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
  stop?: number,
  step = 1,
  options: DTypeOptions = {},
): NDArray {
  if (stop === undefined) [start, stop] = [0, start];
  if (step === 0 || !Number.isFinite(step)) {
    throw new RangeError(`np.arange: step must be a non-zero finite number, got ${step}.`);
  }
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const ints = [start, stop, step].every(Number.isInteger);
  const dtype = options.dtype ?? (ints ? "int32" : "float32");
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
  if (!Number.isInteger(num) || num < 0) {
    throw new RangeError(`np.linspace: num must be a non-negative integer, got ${num}.`);
  }
  const dtype = checkDType("np.linspace", options.dtype);
  const div = (options.endpoint ?? true) ? num - 1 : num;
  const step = div > 0 ? (stop - start) / div : 0;
  const out = allocate(dtype, num);
  for (let i = 0; i < num; i++) out[i] = start + i * step;
  if ((options.endpoint ?? true) && num > 1) out[num - 1] = stop;
  return new ArrayValue(out, [num], dtype);
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
  const cols = m ?? n;
  const dtype = checkDType("np.eye", options.dtype);
  const k = options.k ?? 0;
  checkShape("np.eye", [n, cols]);
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

installMethods({
  unary: unaryOp,
  binary: binaryOp,
  reduce: (name, x, options) => {
    const fns: Record<string, (x: NDArray, o?: ReduceOptions) => NDArray> = {
      sum: reduceOps.sum,
      mean: reduceOps.mean,
      max: reduceOps.max,
      min: reduceOps.min,
      prod: reduceOps.prod,
      argmax: reduceOps.argmax as (x: NDArray, o?: ReduceOptions) => NDArray,
      argmin: reduceOps.argmin as (x: NDArray, o?: ReduceOptions) => NDArray,
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
  astype,
  clip,
});
