/**
 * The concrete array: `ArrayValue`, a contiguous row-major typed array with a shape and a
 * dtype, never mutated; and the bookkeeping of buffer donation (`jit`'s `donateArgnums`),
 * which decides when its storage may be reused for an output.
 */
import { allocate, type DType, roundStorage, storageMatches, type TypedArray } from "./_dtype.ts";
import { type Shape, sizeOf } from "./_shape.ts";
import { type ConcreteArray, DATA, donatedArrays, NDArray } from "./_ndarray.ts";

// ---- donation: storage that one array alone wraps may be reused for an output ----------

/**
 * Buffers that exactly one ArrayValue wraps and that difftrace allocated for it (a compiled
 * program's fresh outputs): when that array is donated (`jit`'s `donateArgnums`), a program
 * may write an output into its buffer. The constructor drops a buffer from the set when a
 * second ArrayValue wraps it, and read-outs copy, so nothing else can observe the reuse.
 */
const exclusive = new WeakSet<TypedArray>();

/** Records that `v` alone wraps its buffer, which difftrace allocated for it. */
export function markExclusive(v: ArrayValue): void {
  exclusive.add(v[DATA]);
}

/** Whether `v` alone wraps its buffer (so a donation of `v` may reuse it). */
export function isExclusive(v: ArrayValue): boolean {
  return exclusive.has(v[DATA]);
}

/**
 * Invalidates an array donated to a call: its buffer may now hold an output, so every read
 * of it (values, arithmetic, passing it to another call) throws `message` instead of
 * returning what the output wrote there. Its shape and dtype stay readable.
 */
export function markDonated(v: ArrayValue, message: string): void {
  if (donatedArrays.has(v)) return;
  // (its buffer's exclusivity now belongs to the output that may have taken it)
  donatedArrays.add(v);
  const fail = (): never => {
    throw new TypeError(message);
  };
  const trap = { get: fail, set: fail, has: fail, ownKeys: fail, getOwnPropertyDescriptor: fail };
  (v as { [DATA]: TypedArray })[DATA] = new Proxy(
    new Float32Array(0),
    trap,
  ) as unknown as TypedArray;
}

/** A concrete array: a contiguous row-major typed array, a shape and a dtype. Never mutated. */
/** The concrete value of `x` (an ArrayValue: the one implementation of `_value()`'s type). */
export function concreteValue(x: NDArray): ArrayValue {
  return x._value() as ArrayValue;
}

export class ArrayValue extends NDArray implements ConcreteArray {
  readonly [DATA]: TypedArray;
  readonly #shape: readonly number[];
  readonly #dtype: DType;
  constructor(data: TypedArray, shape: Shape, dtype: DType) {
    super();
    if (!storageMatches(dtype, data)) {
      throw new TypeError(
        `difftrace internal: a ${dtype} array cannot be stored in a ${data.constructor.name}.`,
      );
    }
    // float16/bfloat16: every store rounds to the format (a no-op when the kernel did)
    this[DATA] = roundStorage(dtype, data);
    // a second wrapper of a buffer (a reshape shares it) makes it no longer donatable
    if (exclusive.has(this[DATA])) exclusive.delete(this[DATA]);
    this.#shape = Object.freeze([...shape]);
    this.#dtype = dtype;
  }
  get shape(): readonly number[] {
    return this.#shape;
  }
  get dtype(): DType {
    return this.#dtype;
  }
  _value(): ArrayValue {
    return this;
  }
  static zeros(shape: Shape, dtype: DType): ArrayValue {
    return new ArrayValue(allocate(dtype, sizeOf(shape)), shape, dtype);
  }
  static scalar(value: number, dtype: DType): ArrayValue {
    const data = allocate(dtype, 1);
    data[0] = dtype === "bool" ? (value ? 1 : 0) : value;
    return new ArrayValue(data, [], dtype);
  }
}
