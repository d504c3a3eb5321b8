/** Internal helpers of the gathers: coordinates, index normalisation, flat gathers. */
import { isInteger } from "../core/_dtype.ts";
import { bind1 } from "../core/_trace.ts";
import * as lax from "../core/_lax.ts";
import { type ArrayLike, DATA, type NDArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import { asArrayValue } from "./_base.ts";
import { sizeOf } from "../core/_shape.ts";

/** An int32 array of `shape` whose value at each position is its coordinate along `axis`. */
export function coordinate(shape: readonly number[], axis: number): NDArray {
  const data = new Int32Array(sizeOf(shape));
  const inner = sizeOf(shape.slice(axis + 1)), n = shape[axis];
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(i / inner) % n;
  return new ArrayValue(data, shape, "int32");
}

/** Integer indices as int32 (JS arrays allowed); negative values count from the end of `n`. */
export function wrapIndices(op: string, idx: ArrayLike | readonly number[], n: number): NDArray {
  let i: NDArray;
  if (Array.isArray(idx)) {
    if (!idx.every(Number.isInteger)) {
      throw new TypeError(`${op}: indices must be integers, got ${JSON.stringify(idx)}.`);
    }
    i = new ArrayValue(Int32Array.from(idx as number[]), [idx.length], "int32");
  } else i = asArrayValue(op, idx);
  if (i.dtype !== "int32") {
    if (i.dtype === "bool" || isInteger(i.dtype)) i = lax.convert(i, "int32");
    else {
      throw new TypeError(
        `${op}: indices must be integers, got dtype ${i.dtype}; convert with astype("int32").`,
      );
    }
  }
  if (i instanceof ArrayValue) {
    for (const v of i[DATA]) {
      if (v < -n || v >= n) {
        throw new RangeError(`${op}: index ${v} is out of bounds for an axis of size ${n}.`);
      }
    }
  }
  const zero = lax.full(i, 0);
  return lax.select(lax.binary("lt", i, zero), lax.add(i, lax.full(i, n)), i);
}

/** Gathers x at flat positions F (int32, any shape): out has F's shape. */
export function gatherFlat(x: NDArray, flat: NDArray): NDArray {
  return bind1("take", [lax.reshape(x, [x.size]), flat], { axis: 0 });
}
