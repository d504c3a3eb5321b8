/**
 * Weight initializers and the `Layer` interface, shared by the dense layers (`nn.ts`) and the
 * convolution layers (`_nn_conv.ts`); re-exported through the `nn` namespace.
 *
 * @module
 */
import type { DType } from "../core/_dtype.ts";
import type { NDArray } from "../core/_ndarray.ts";
import { fmtShape } from "../core/_shape.ts";
import * as np from "../numpy/numpy.ts";
import * as random from "./random.ts";
import { checkInitArgs } from "./_checks.ts";

// ---- initializers --------------------------------------------------------------------

/** Fan-in and fan-out of a weight shape: dense [in, out] or conv [kh, kw, in, out]. */
function fans(shape: readonly number[]): [number, number] {
  if (shape.length < 2) {
    throw new TypeError(`initializer: weights need at least 2 axes, got shape ${fmtShape(shape)}.`);
  }
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

/**
 * Glorot (Xavier) uniform initializer: U(−l, l) with l = √(6 / (fanIn + fanOut)).
 * @param key A PRNG key.
 * @param shape Weight shape ([in, out] or [kh, kw, in, out]).
 * @param options `dtype`.
 * @returns The weights.
 * @example
 * ```ts
 * import { nn, random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const w = nn.glorotUniform(random.key(0), [100, 50]);
 * assert.ok((w.max().item() as number) <= Math.sqrt(6 / 150));
 * ```
 */
export function glorotUniform(
  key: NDArray,
  shape: readonly number[],
  options: { dtype?: DType } = {},
): NDArray {
  checkInitArgs("nn.glorotUniform", key, shape);
  const [fanIn, fanOut] = fans(shape);
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return random.uniform(key, shape, { dtype: options.dtype, minval: -limit, maxval: limit });
}

/**
 * He (Kaiming) normal initializer for ReLU networks: truncated normal with
 * variance 2 / fanIn (the truncation at ±2σ is corrected for, as in JAX).
 * @param key A PRNG key.
 * @param shape Weight shape.
 * @param options `dtype`.
 * @returns The weights.
 * @example
 * ```ts
 * import { nn, np, random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const w = nn.heNormal(random.key(0), [400, 400]);
 * assert.ok(Math.abs((np.std(w).item() as number) - Math.sqrt(2 / 400)) < 0.005);
 * ```
 */
export function heNormal(
  key: NDArray,
  shape: readonly number[],
  options: { dtype?: DType } = {},
): NDArray {
  checkInitArgs("nn.heNormal", key, shape);
  return varianceScaling(key, shape, 2, options.dtype);
}

/**
 * LeCun normal initializer: truncated normal with variance 1 / fanIn.
 * @param key A PRNG key.
 * @param shape Weight shape.
 * @param options `dtype`.
 * @returns The weights.
 * @example
 * ```ts
 * import { nn, np, random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const w = nn.lecunNormal(random.key(0), [400, 400]);
 * assert.ok(Math.abs((np.std(w).item() as number) - Math.sqrt(1 / 400)) < 0.005);
 * ```
 */
export function lecunNormal(
  key: NDArray,
  shape: readonly number[],
  options: { dtype?: DType } = {},
): NDArray {
  checkInitArgs("nn.lecunNormal", key, shape);
  return varianceScaling(key, shape, 1, options.dtype);
}

/** The standard deviation of a unit normal truncated to [−2, 2]. */
const TRUNCATED_STD = 0.87962566103423978;

function varianceScaling(key: NDArray, shape: readonly number[], scale: number, dtype?: DType) {
  const [fanIn] = fans(shape);
  const std = Math.sqrt(scale / fanIn) / TRUNCATED_STD;
  return np.mul(random.truncatedNormal(key, -2, 2, shape, { dtype }), std);
}

// ---- layers -----------------------------------------------------------------------------

/** A layer: `init` makes its parameters (a pytree) from a key, `apply` runs it. */
export interface Layer<P, Options = Record<string, never>> {
  /** Creates fresh parameters. */
  init(key: NDArray): P;
  /** Forward propagation: the layer's output for input `x`. */
  apply(params: P, x: NDArray, options?: Options): NDArray;
}
