/**
 * What the JS-loop samplers (`_random_gamma.ts`, `_random_poisson.ts`) share: their
 * parameters as plain numbers, their checks, and their output arrays.
 */
import type { DType } from "../core/_dtype.ts";
import { NDArray } from "../core/_ndarray.ts";
import { broadcastShapes } from "../core/_shape.ts";
import { ArrayValue } from "../core/_array_value.ts";
import * as np from "../numpy/numpy.ts";
import { checkFloat, checkKey, checkShape } from "./_random_core.ts";

/** A parameter broadcast to `shape`, as plain numbers. */
export function paramValues(
  op: string,
  p: number | NDArray,
  shape: readonly number[],
): Float64Array {
  if (typeof p === "number") return new Float64Array(shape.reduce((a, b) => a * b, 1)).fill(p);
  let v: NDArray;
  try {
    v = np.broadcastTo(p._value(), shape);
  } catch (e) {
    if (e instanceof TypeError && /broadcast/.test(e.message)) {
      throw new TypeError(
        `random.${op}: parameter of shape ${JSON.stringify(p.shape)} does not broadcast to ` +
          `${JSON.stringify(shape)}.`,
      );
    }
    throw new TypeError(
      `random.${op}: needs concrete parameters (its rejection loop runs in JS); call it outside jit.`,
    );
  }
  // (a typed array converts to float64 in one copy; `Array.from` with a map function costs
  // ~100 ns an element under V8)
  return new Float64Array(v.toTypedArray());
}

/** Plain numbers as an array of `shape` and `dtype`. */
export function out(values: ArrayLike<number>, shape: readonly number[], dtype: DType): NDArray {
  return np.array(new ArrayValue(Float64Array.from(values), [...shape], "float64"), { dtype });
}

/**
 * Checks a sampler's key, parameters (numbers or arrays) and dtype; the sample shape is
 * `shape`, or the parameters' shapes broadcast together (JAX's default).
 */
export function resolve(
  op: string,
  key: NDArray,
  shape: readonly number[] | undefined,
  params: (number | NDArray)[],
  dtype: DType | undefined,
): { s: number[]; dtype: DType } {
  checkKey(op, key);
  params.forEach((p, i) => {
    if (typeof p !== "number" && !(p instanceof NDArray)) {
      throw new TypeError(
        `random.${op}: parameter ${i + 1} must be a number or an array, got ${typeof p}.`,
      );
    }
  });
  const s = shape === undefined
    ? broadcastShapes(
      `random.${op}`,
      ...params.map((p) => typeof p === "number" ? [] : [...p.shape]),
    )
    : checkShape(op, shape);
  return { s, dtype: checkFloat(op, dtype ?? "float32") };
}
