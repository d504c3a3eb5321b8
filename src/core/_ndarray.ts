/**
 * The array type. `NDArray` is the one public array type: concrete arrays
 * (`ArrayValue` in `_array_value.ts`, backed by a contiguous row-major typed array) and tracers (the
 * stand-ins that transforms pass through user code) both extend it, so a user
 * function never knows which it holds.
 *
 * Arrays are immutable values: nothing writes into `data` after construction,
 * and every read-out returns a copy. They are garbage-collected like any JS
 * object; there is nothing to dispose.
 *
 * The chainable methods are thin delegates to the `np` functions; `numpy.ts`
 * installs them with `installMethods` so that this file has no import cycle.
 */
import type { DType, TypedArray } from "./_dtype.ts";
import { fmtShape, sizeOf } from "./_shape.ts";
import { formatArray, formatHtml, type Printable } from "./_format.ts";

/** A nested JS array of numbers or booleans, as accepted by `np.array` and returned by `toArray()`. */
export type NestedArray = number | boolean | readonly NestedArray[];

/** Anything an op accepts where an array is expected: an array or a JS scalar. */
export type ArrayLike = NDArray | number | boolean;

/** Options of the reductions (`sum`, `mean`, `max`, ...). */
export interface ReduceOptions {
  /** Axis or axes to reduce; negative counts from the end; all axes when omitted. */
  axis?: number | readonly number[] | null;
  /** Keep reduced axes as size-1 axes, so the result broadcasts against the input. */
  keepdims?: boolean;
}

/** A reduction's options, or just its axis as NumPy's positional form: `x.sum(1)`. */
export type ReduceArg = ReduceOptions | number | readonly number[] | null;

/** Per-axis `[start, stop, step]` (any may be omitted or null) as taken by `slice`. */
export type SliceSpec = readonly (
  | number
  | null
  | readonly [start?: number | null, stop?: number | null, step?: number | null]
)[];

/**
 * One entry of an index expression (`x.index(...)`, `x.at(...)`), as NumPy's `x[...]`: an
 * integer (drops the axis), a slice `[start, stop, step]` (a JS array; negative steps
 * reverse; `np.s(...)` builds one), `null` (a new axis of size 1), `"..."` (as many full
 * slices as needed), or an array: int32 indices (advanced indexing) or a bool mask.
 */
export type IndexItem =
  | number
  | null
  | "..."
  | readonly [start?: number | null, stop?: number | null, step?: number | null]
  | NDArray;

/**
 * Functional updates of the elements an index expression selects, as JAX's `x.at[...]`:
 * each returns a new array (x is never changed). Repeated indices accumulate for `add`,
 * `mul`, `min`, `max`; for `set` the last one wins.
 */
export interface AtIndexer {
  /** The selected elements (same as `x.index(...)`). */
  get(): NDArray;
  /** x with the selected elements replaced by `values` (broadcast). */
  set(values: ArrayLike): NDArray;
  /** x with `values` added to the selected elements. */
  add(values: ArrayLike): NDArray;
  /** x with the selected elements multiplied by `values`. */
  mul(values: ArrayLike): NDArray;
  /** x with the selected elements divided by `values`. */
  divide(values: ArrayLike): NDArray;
  /** x with the selected elements raised to `values`. */
  power(values: ArrayLike): NDArray;
  /** x with the selected elements replaced by their minimum with `values`. */
  min(values: ArrayLike): NDArray;
  /** x with the selected elements replaced by their maximum with `values`. */
  max(values: ArrayLike): NDArray;
}

/** The operations behind the methods; installed by numpy.ts. */
export interface MethodOps {
  unary(name: string, x: NDArray): NDArray;
  binary(name: string, x: NDArray, y: ArrayLike): NDArray;
  reduce(name: string, x: NDArray, options?: ReduceArg): NDArray;
  matmul(x: NDArray, y: NDArray): NDArray;
  dot(x: NDArray, y: NDArray): NDArray;
  reshape(x: NDArray, shape: readonly number[] | number): NDArray;
  transpose(x: NDArray, axes?: readonly number[]): NDArray;
  expandDims(x: NDArray, axis: number | readonly number[]): NDArray;
  squeeze(x: NDArray, axis?: number | readonly number[]): NDArray;
  broadcastTo(x: NDArray, shape: readonly number[]): NDArray;
  slice(x: NDArray, spec: SliceSpec): NDArray;
  take(x: NDArray, indices: NDArray | readonly number[], axis?: number): NDArray;
  index(x: NDArray, items: readonly IndexItem[]): NDArray;
  at(x: NDArray, items: readonly IndexItem[]): AtIndexer;
  astype(x: NDArray, dtype: DType): NDArray;
  clip(x: NDArray, lo: ArrayLike | null, hi: ArrayLike | null): NDArray;
  round(x: NDArray, decimals: number): NDArray;
}

let ops: MethodOps | undefined;

/** Installs the implementations behind the chainable methods (called once by numpy.ts). */
export function installMethods(impl: MethodOps): void {
  ops = impl;
}

function m(): MethodOps {
  if (!ops) throw new Error("difftrace: array methods used before numpy.ts was loaded.");
  return ops;
}

/**
 * JAX's remaining `Array` methods, installed by the numpy layer (`numpy/_array_methods.ts`):
 * each is the `np` function of the same name (`var` is `np.variance`) with x first.
 */
export interface NDArray {
  /** The array as one axis, row-major (`np.ravel`; arrays are immutable, so nothing is copied). */
  flatten(): NDArray;
  /** Same as `flatten`. */
  ravel(): NDArray;
  /** Standard deviation over `axis` (all by default); `ddof` in the options (`np.std`). */
  std(options?: ReduceArg | (ReduceOptions & { ddof?: number })): NDArray;
  /** Variance over `axis` (all by default); `ddof` in the options (`np.variance`). */
  var(options?: ReduceArg | (ReduceOptions & { ddof?: number })): NDArray;
  /** Whether every element is nonzero, over `axis` (all by default). */
  all(options?: ReduceArg): NDArray;
  /** Whether some element is nonzero, over `axis` (all by default). */
  any(options?: ReduceArg): NDArray;
  /** Peak to peak (max − min) over `axis` (all by default). */
  ptp(options?: ReduceArg): NDArray;
  /** Cumulative sum along `axis` (the flattened array by default, as JAX). */
  cumsum(axis?: number | null): NDArray;
  /** Cumulative product along `axis` (the flattened array by default, as JAX). */
  cumprod(axis?: number | null): NDArray;
  /** Sorted along `axis` (−1 by default); `descending` in the options (`np.sort`). */
  sort(axis?: number | null, options?: { descending?: boolean; stable?: boolean }): NDArray;
  /** The indices that sort along `axis` (−1 by default), stable (`np.argsort`). */
  argsort(axis?: number | null, options?: { descending?: boolean; stable?: boolean }): NDArray;
  /** Swaps two axes. */
  swapaxes(axis1: number, axis2: number): NDArray;
  /** The diagonal at `offset` of the (axis1, axis2) planes. */
  diagonal(offset?: number, axis1?: number, axis2?: number): NDArray;
  /** The sum of the diagonal at `offset` of the (axis1, axis2) planes. */
  trace(offset?: number, axis1?: number, axis2?: number): NDArray;
  /** Each element repeated `repeats` times along `axis` (the flattened array by default). */
  repeat(repeats: number | readonly number[], axis?: number | null): NDArray;
  /** The indices of the nonzero elements, one int32 array per axis (`np.nonzero`). */
  nonzero(options?: { size?: number; fillValue?: number }): NDArray[];
  /** The complex conjugate: the array itself (difftrace has no complex dtype). */
  conj(): NDArray;
  /** Same as `conj`. */
  conjugate(): NDArray;
  /** The real part: the array itself (difftrace has no complex dtype). */
  readonly real: NDArray;
  /** The imaginary part: zeros of the array's shape and dtype. */
  readonly imag: NDArray;
  /** The transpose of the last two axes (JAX's `mT`). */
  readonly mT: NDArray;
  /** An array with the same values (`np.copy`). */
  copy(): NDArray;
  /** The values as nested JS arrays (same as `toArray()`). */
  tolist(): NestedArray;
  /** Bytes per element of the dtype (JAX's: float16 2, float32 4, ...). */
  readonly itemsize: number;
  /** Bytes of all elements: size × itemsize. */
  readonly nbytes: number;
  /** Returns the array: difftrace computes synchronously, so it is always ready. */
  blockUntilReady(): NDArray;
}

/**
 * An immutable n-dimensional array of one of the dtypes: `float32` (the default), `float64`,
 * `float16`, `bfloat16`, `int32`, `int16`, `int8`, `uint8`, `uint32` or `bool`.
 *
 * Create arrays with the `np` constructors (`np.array`, `np.zeros`, ...); every
 * op is also a chainable method.
 *
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const x = np.array([[1, 2], [3, 4]]);
 * assert.deepEqual(x.shape, [2, 2]);
 * assert.equal(x.add(1).mul(2).sum().item(), 28);
 * ```
 */
export abstract class NDArray {
  /** The size of each axis. */
  abstract get shape(): readonly number[];
  /** The element type. */
  abstract get dtype(): DType;
  /**
   * The concrete value behind this array; tracers that have none throw an explanatory error.
   * @ignore
   */
  abstract _value(): ConcreteArray;

  /** The number of axes. */
  get ndim(): number {
    return this.shape.length;
  }
  /** The number of elements. */
  get size(): number {
    return sizeOf(this.shape);
  }

  /** A copy of the elements as a typed array (row-major); mutating it never changes the array. */
  toTypedArray(): TypedArray {
    return this._value()[DATA].slice();
  }
  /**
   * The single element of a one-element numeric array as a JS number (so
   * `loss.item().toFixed(3)` type-checks). For a bool array use `itemBool()`.
   */
  item(): number {
    const v = this.#single("item");
    if (v.dtype === "bool") {
      throw new TypeError(
        "item() reads numbers, but this array is bool; use itemBool() for a JS boolean, " +
          'or astype("int32").item() for 0/1.',
      );
    }
    return v[DATA][0];
  }
  /** The single element of a one-element bool array as a JS boolean. */
  itemBool(): boolean {
    const v = this.#single("itemBool");
    if (v.dtype !== "bool") {
      throw new TypeError(
        `itemBool() reads bool arrays, but this one is ${v.dtype}; use item() for a number, or ` +
          "compare first (e.g. x.greater(0).itemBool()).",
      );
    }
    return v[DATA][0] !== 0;
  }
  #single(op: string): ConcreteArray {
    const v = this._value();
    if (v.size !== 1) {
      throw new TypeError(
        `${op}() needs an array with exactly one element, but this one has shape ${
          fmtShape(v.shape)
        } (${v.size} elements). Index or reduce it first.`,
      );
    }
    return v;
  }
  /** The elements as nested JS arrays (numbers, or booleans for bool arrays). */
  toArray(): NestedArray {
    const v = this._value();
    const data = v[DATA];
    const conv = v.dtype === "bool" ? (x: number) => x !== 0 : (x: number) => x;
    const build = (axis: number, offset: number, stride: number): NestedArray => {
      if (axis === v.shape.length) return conv(data[offset]);
      const n = v.shape[axis];
      const inner = stride / (n || 1);
      const out: NestedArray[] = [];
      for (let i = 0; i < n; i++) out.push(build(axis + 1, offset + i * inner, inner));
      return out;
    };
    return build(0, 0, v.size);
  }
  /**
   * JAX-style text, e.g. `Array([1., 2.], dtype=float32)`; beyond 1,000 elements only three
   * items at each end of each axis are shown. A traced array prints its type,
   * e.g. `Traced<float32[3]> in jit`.
   */
  toString(): string {
    const v = this._value();
    if (donatedArrays.has(v)) return `Array(donated, ${this.dtype}[${this.shape.join(", ")}])`;
    return formatArray(printable(v));
  }
  /** What `console.log` shows under Deno: the same text as `toString()`. */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }
  /** What `console.log` shows under Bun and Node: the same text as `toString()`. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
  /**
   * Conversion to a JS primitive: the text for a string hint (template strings), else the
   * number of a one-element array (`+x`, `x > 0`, `Number(x)`). Throws a TypeError for
   * larger arrays, and under `jit` or `vmap`, where the value is not known.
   */
  [Symbol.toPrimitive](hint: string): string | number {
    if (hint === "string") return this.toString();
    return toNumber(this._value(), hint);
  }
  /** `JSON.stringify(x)` writes the nested numbers (or booleans) of `toArray()`. */
  toJSON(): NestedArray {
    return this.toArray();
  }
  /** The MIME bundle Deno's Jupyter kernel displays: the text, and an HTML table. */
  [Symbol.for("Jupyter.display")](): Record<string, string> {
    const v = this._value();
    const p = printable(v);
    return { "text/plain": formatArray(p), "text/html": formatHtml(p) };
  }

  /** Element-wise `this + y`, broadcasting. */
  add(y: ArrayLike): NDArray {
    return m().binary("add", this, y);
  }
  /** Element-wise `this - y`, broadcasting. */
  sub(y: ArrayLike): NDArray {
    return m().binary("sub", this, y);
  }
  /** Element-wise `this * y`, broadcasting. */
  mul(y: ArrayLike): NDArray {
    return m().binary("mul", this, y);
  }
  /** Element-wise `this / y`, broadcasting (true division: integers promote to float32). */
  div(y: ArrayLike): NDArray {
    return m().binary("div", this, y);
  }
  /** Element-wise `this ** y`, broadcasting. */
  pow(y: ArrayLike): NDArray {
    return m().binary("pow", this, y);
  }
  /** Element-wise maximum, broadcasting. */
  maximum(y: ArrayLike): NDArray {
    return m().binary("maximum", this, y);
  }
  /** Element-wise minimum, broadcasting. */
  minimum(y: ArrayLike): NDArray {
    return m().binary("minimum", this, y);
  }
  /** Element-wise `this == y` (bool). */
  equal(y: ArrayLike): NDArray {
    return m().binary("equal", this, y);
  }
  /** Element-wise `this != y` (bool). */
  notEqual(y: ArrayLike): NDArray {
    return m().binary("notEqual", this, y);
  }
  /** Element-wise `this < y` (bool). */
  less(y: ArrayLike): NDArray {
    return m().binary("less", this, y);
  }
  /** Element-wise `this <= y` (bool). */
  lessEqual(y: ArrayLike): NDArray {
    return m().binary("lessEqual", this, y);
  }
  /** Element-wise `this > y` (bool). */
  greater(y: ArrayLike): NDArray {
    return m().binary("greater", this, y);
  }
  /** Element-wise `this >= y` (bool). */
  greaterEqual(y: ArrayLike): NDArray {
    return m().binary("greaterEqual", this, y);
  }
  /** Element-wise `-this`. */
  neg(): NDArray {
    return m().unary("neg", this);
  }
  /** Element-wise e^x. */
  exp(): NDArray {
    return m().unary("exp", this);
  }
  /** Element-wise natural logarithm. */
  log(): NDArray {
    return m().unary("log", this);
  }
  /** Element-wise log(1 + x), accurate near 0. */
  log1p(): NDArray {
    return m().unary("log1p", this);
  }
  /** Element-wise e^x − 1, accurate near 0. */
  expm1(): NDArray {
    return m().unary("expm1", this);
  }
  /** Element-wise sine. */
  sin(): NDArray {
    return m().unary("sin", this);
  }
  /** Element-wise cosine. */
  cos(): NDArray {
    return m().unary("cos", this);
  }
  /** Element-wise tangent. */
  tan(): NDArray {
    return m().unary("tan", this);
  }
  /** Element-wise hyperbolic tangent. */
  tanh(): NDArray {
    return m().unary("tanh", this);
  }
  /** Element-wise square root. */
  sqrt(): NDArray {
    return m().unary("sqrt", this);
  }
  /** Element-wise 1/√x. */
  rsqrt(): NDArray {
    return m().unary("rsqrt", this);
  }
  /** Element-wise absolute value. */
  abs(): NDArray {
    return m().unary("abs", this);
  }
  /** Element-wise sign (−1, 0 or 1). */
  sign(): NDArray {
    return m().unary("sign", this);
  }
  /** Element-wise x². */
  square(): NDArray {
    return m().unary("square", this);
  }
  /** Element-wise 1/x. */
  reciprocal(): NDArray {
    return m().unary("reciprocal", this);
  }
  /** Element-wise logistic sigmoid 1/(1 + e^−x). */
  sigmoid(): NDArray {
    return m().unary("sigmoid", this);
  }
  /** Element-wise floor. */
  floor(): NDArray {
    return m().unary("floor", this);
  }
  /** Element-wise ceiling. */
  ceil(): NDArray {
    return m().unary("ceil", this);
  }
  /** Element-wise rounding to `decimals` decimal places (0 by default), halves to even (as NumPy). */
  round(decimals = 0): NDArray {
    return m().round(this, decimals);
  }
  /** Sum over `axis` (all by default). */
  sum(options?: ReduceArg): NDArray {
    return m().reduce("sum", this, options);
  }
  /** Mean over `axis` (all by default). */
  mean(options?: ReduceArg): NDArray {
    return m().reduce("mean", this, options);
  }
  /** Maximum over `axis` (all by default). */
  max(options?: ReduceArg): NDArray {
    return m().reduce("max", this, options);
  }
  /** Minimum over `axis` (all by default). */
  min(options?: ReduceArg): NDArray {
    return m().reduce("min", this, options);
  }
  /** Product over `axis` (all by default). */
  prod(options?: ReduceArg): NDArray {
    return m().reduce("prod", this, options);
  }
  /** Index of the maximum along one axis (of the flattened array by default). */
  argmax(options?: { axis?: number | null; keepdims?: boolean } | number | null): NDArray {
    return m().reduce("argmax", this, options);
  }
  /** Index of the minimum along one axis (of the flattened array by default). */
  argmin(options?: { axis?: number | null; keepdims?: boolean } | number | null): NDArray {
    return m().reduce("argmin", this, options);
  }
  /** log(sum(exp(x))) over `axis`, computed stably. */
  logsumexp(options?: ReduceArg): NDArray {
    return m().reduce("logsumexp", this, options);
  }
  /** Matrix product with NumPy `matmul` semantics (batched, broadcasting batch axes). */
  matmul(y: NDArray): NDArray {
    return m().matmul(this, y);
  }
  /** NumPy `dot`: inner product of vectors, matrix product, or sum over the last axis of this and the second-to-last of y. */
  dot(y: NDArray): NDArray {
    return m().dot(this, y);
  }
  /**
   * The same elements in a new shape; one axis may be −1 (inferred). Takes a
   * list, `x.reshape([2, 3])`, or the sizes as arguments, `x.reshape(2, 3)`.
   */
  reshape(...shape: readonly (number | readonly number[])[]): NDArray {
    const one = shape.length === 1 && typeof shape[0] !== "number";
    return m().reshape(this, one ? shape[0] as readonly number[] : shape as readonly number[]);
  }
  /**
   * Permutes the axes (reverses them by default). Takes a list,
   * `x.transpose([1, 0])`, or the axes as arguments, `x.transpose(1, 0)`.
   */
  transpose(...axes: readonly (number | readonly number[] | undefined)[]): NDArray {
    if (axes.length === 0 || (axes.length === 1 && axes[0] === undefined)) {
      return m().transpose(this);
    }
    const one = axes.length === 1 && typeof axes[0] !== "number";
    return m().transpose(this, one ? axes[0] as readonly number[] : axes as readonly number[]);
  }
  /** The transpose (axes reversed). */
  get T(): NDArray {
    return m().transpose(this);
  }
  /** Inserts size-1 axes at the given positions. */
  expandDims(axis: number | readonly number[]): NDArray {
    return m().expandDims(this, axis);
  }
  /** Removes size-1 axes (all of them by default). */
  squeeze(axis?: number | readonly number[]): NDArray {
    return m().squeeze(this, axis);
  }
  /** Broadcasts to `shape` with NumPy rules. */
  broadcastTo(shape: readonly number[]): NDArray {
    return m().broadcastTo(this, shape);
  }
  /** Basic slicing: one `[start, stop, step]` (or an integer index, or null for all) per leading axis. */
  slice(...spec: SliceSpec): NDArray {
    return m().slice(this, spec);
  }
  /** Picks entries along `axis` with an integer index array; without `axis`, from the flattened array (as NumPy). */
  take(indices: NDArray | readonly number[], axis?: number): NDArray {
    return m().take(this, indices, axis);
  }
  /**
   * NumPy indexing, `x[i, a:b:c, None, ..., idx]`: see {@link IndexItem}.
   * `x.index(0, [null, null, -1])` is `x[0, ::-1]`.
   */
  index(...items: IndexItem[]): NDArray {
    return m().index(this, items);
  }
  /** Functional index updates, as JAX's `x.at[...]`: `x.at(idx).set(v)`, `.add(v)`, ... */
  at(...items: IndexItem[]): AtIndexer {
    return m().at(this, items);
  }
  /** The length of axis 0 (a TypeError for a scalar). */
  get length(): number {
    if (this.shape.length === 0) throw new TypeError("length: a scalar array has no axis 0.");
    return this.shape[0];
  }
  /** Iterates over axis 0: `for (const row of x)` yields `x.index(i)` for each i. */
  *[Symbol.iterator](): Iterator<NDArray> {
    const n = this.length;
    for (let i = 0; i < n; i++) yield this.index(i);
  }
  /** Converts to another dtype. */
  astype(dtype: DType): NDArray {
    return m().astype(this, dtype);
  }
  /** Limits values to `[lo, hi]` (either may be null). */
  clip(lo: ArrayLike | null, hi: ArrayLike | null): NDArray {
    return m().clip(this, lo, hi);
  }
}

/**
 * The key of a concrete array's buffer. A module-private symbol rather than a public field, so
 * that code outside difftrace cannot reach (and mutate) an array's storage: arrays are values.
 * Read-outs (`toArray`, `toTypedArray`) return copies.
 */
export const DATA: unique symbol = Symbol("difftrace.data");

/** Arrays given up by a donation: their storage access throws (`markDonated`, in `_array_value.ts`). */
export const donatedArrays: WeakSet<object> = new WeakSet();

/**
 * What `_value()` returns: a concrete array's storage, shape and dtype (`ArrayValue`, in
 * `_array_value.ts`, is the one implementation).
 */
export interface ConcreteArray extends NDArray {
  readonly [DATA]: TypedArray;
}

/** What the formatter reads of a concrete array. */
function printable(v: ConcreteArray): Printable {
  return { data: v[DATA], shape: v.shape, dtype: v.dtype };
}

/** The number inside a one-element array (bools as 0/1), for `Symbol.toPrimitive`. */
function toNumber(v: ConcreteArray, hint: string): number {
  if (v.size !== 1) {
    throw new TypeError(
      `An array of shape ${fmtShape(v.shape)} cannot be converted to a JS number (hint ` +
        `"${hint}"): only one-element arrays can. Reduce it first (x.sum(), x.max()), compare ` +
        `element-wise with np.greater/np.where, or read it with toArray().`,
    );
  }
  return Number(v[DATA][0]);
}
