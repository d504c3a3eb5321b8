/**
 * Initializer factories as `jax.nn.initializers`: each returns a function
 * `(key, shape, { dtype }) → NDArray`, drawing with the same samplers (and so
 * the same numbers for the same key) as JAX. Fans follow JAX: fanIn =
 * shape[−2]·receptive, fanOut = shape[−1]·receptive, receptive = Π shape[:−2].
 * Re-exported by `nn.ts`.
 *
 * @module
 */
import type { DType } from "../core/_dtype.ts";
import type { NDArray } from "../core/_ndarray.ts";
import * as np from "../numpy/numpy.ts";
import * as random from "./random.ts";
import { checkInitArgs } from "./_checks.ts";
import { checkNumber } from "../core/_validate.ts";

/** An initializer: a key and a shape to an array. */
export type Initializer = (
  key: NDArray,
  shape: readonly number[],
  options?: { dtype?: DType },
) => NDArray;

/** The fan a variance scales with. */
export type FanMode = "fanIn" | "fanOut" | "fanAvg";

/** The distribution of {@link varianceScaling}. */
export type InitDistribution = "truncatedNormal" | "normal" | "uniform";

/**
 * Variance scaling (as `jax.nn.initializers.variance_scaling`): variance
 * scale/fan, drawn from a truncated normal (std corrected for the truncation
 * to [−2, 2]), a normal, or a uniform on [−√(3v), √(3v)).
 * @param scale The variance scale.
 * @param mode "fanIn", "fanOut" or "fanAvg".
 * @param distribution "truncatedNormal", "normal" or "uniform".
 * @returns The initializer.
 * @example
 * ```ts
 * import { nn, np, random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const init = nn.varianceScaling(2, "fanIn", "normal");
 * const w = init(random.key(0), [500, 300]);
 * assert.ok(Math.abs((np.std(w).item() as number) - Math.sqrt(2 / 500)) < 0.003);
 * ```
 */
export function varianceScaling(
  scale: number,
  mode: FanMode,
  distribution: InitDistribution,
): Initializer {
  checkNumber("nn.varianceScaling", "scale", scale);
  if (!(scale > 0)) {
    throw new RangeError(`nn.varianceScaling: scale must be positive, got ${scale}.`);
  }
  if (!["fanIn", "fanOut", "fanAvg"].includes(mode)) {
    throw new RangeError(`nn.varianceScaling: mode must be fanIn, fanOut or fanAvg, got ${mode}.`);
  }
  if (!["truncatedNormal", "normal", "uniform"].includes(distribution)) {
    throw new RangeError(
      `nn.varianceScaling: distribution must be truncatedNormal, normal or uniform, got ${distribution}.`,
    );
  }
  return (key, shape, options = {}) => {
    checkInitArgs("nn.varianceScaling(...) initializer", key, shape);
    const dtype = options.dtype ?? "float32";
    const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
    const fanIn = shape.length < 2 ? (shape[0] ?? 1) : shape[shape.length - 2] * receptive;
    const fanOut = shape.length < 2 ? (shape[0] ?? 1) : shape[shape.length - 1] * receptive;
    const fan = mode === "fanIn" ? fanIn : mode === "fanOut" ? fanOut : (fanIn + fanOut) / 2;
    const variance = scale / fan;
    if (distribution === "truncatedNormal") {
      const std = Math.fround(Math.sqrt(variance) / 0.87962566103423978);
      return random.truncatedNormal(key, -2, 2, shape, { dtype }).mul(std);
    }
    if (distribution === "normal") {
      return random.normal(key, shape, { dtype }).mul(Math.fround(Math.sqrt(variance)));
    }
    return random.uniform(key, shape, { dtype, minval: -1, maxval: 1 }).mul(
      Math.fround(Math.sqrt(3 * variance)),
    );
  };
}

/**
 * Truncated-normal initializer: stddev · z, z a standard normal truncated to [−2, 2].
 * @param options `stddev` (0.01).
 * @returns The initializer.
 * @example
 * ```ts
 * import { nn, random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const w = nn.truncatedNormalInit({ stddev: 1 })(random.key(0), [100]);
 * assert.ok((w.abs().max().item() as number) <= 2);
 * ```
 */
export function truncatedNormalInit(options: { stddev?: number } = {}): Initializer {
  const stddev = options.stddev ?? 1e-2;
  return (key, shape, o = {}) =>
    random.truncatedNormal(key, -2, 2, shape, { dtype: o.dtype ?? "float32" }).mul(stddev);
}

/**
 * Orthogonal initializer (Saxe et al. 2014), as JAX's: a Haar-random matrix with
 * orthonormal rows or columns of shape [Π shape[:−1], shape[−1]], times `scale`.
 * @param options `scale` (1).
 * @returns The initializer.
 * @example
 * ```ts
 * import { nn, np, random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const q = nn.orthogonal()(random.key(0), [4, 4]);
 * const eye = np.matmul(np.transpose(q), q).toArray() as number[][];
 * assert.ok(Math.abs(eye[1][1] - 1) < 1e-5 && Math.abs(eye[0][1]) < 1e-5);
 * ```
 */
export function orthogonal(options: { scale?: number } = {}): Initializer {
  const scale = options.scale ?? 1;
  return (key, shape, o = {}) => {
    if (shape.length < 2) {
      throw new TypeError(`nn.orthogonal: needs a shape of rank ≥ 2, got [${shape.join(", ")}].`);
    }
    const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1), cols = shape[shape.length - 1];
    const q = random.orthogonal(key, rows, { m: cols, dtype: o.dtype ?? "float32" });
    return np.reshape(q.mul(scale), shape);
  };
}

/** Draws with variance scaling: the shared body of the named initializers below. */
const named = (scale: number, mode: FanMode, dist: InitDistribution): Initializer =>
  varianceScaling(scale, mode, dist);

/**
 * Glorot (Xavier) normal initializer: variance 1/fanAvg, truncated normal (JAX's `glorot_normal`).
 * @param key A key.
 * @param shape The shape.
 * @param options `dtype`.
 * @returns The weights.
 * @example
 * ```ts
 * import { nn, random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(nn.glorotNormal(random.key(0), [3, 4]).shape, [3, 4]);
 * ```
 */
export function glorotNormal(
  key: NDArray,
  shape: readonly number[],
  options: { dtype?: DType } = {},
): NDArray {
  checkInitArgs("nn.glorotNormal", key, shape);
  return named(1, "fanAvg", "truncatedNormal")(key, shape, options);
}

/**
 * He (Kaiming) uniform initializer: variance 2/fanIn, uniform (JAX's `he_uniform`).
 * @param key A key.
 * @param shape The shape.
 * @param options `dtype`.
 * @returns The weights.
 * @example
 * ```ts
 * import { nn, random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.ok((nn.heUniform(random.key(0), [6, 4]).abs().max().item() as number) <= 1);
 * ```
 */
export function heUniform(
  key: NDArray,
  shape: readonly number[],
  options: { dtype?: DType } = {},
): NDArray {
  checkInitArgs("nn.heUniform", key, shape);
  return named(2, "fanIn", "uniform")(key, shape, options);
}

/**
 * LeCun uniform initializer: variance 1/fanIn, uniform (JAX's `lecun_uniform`).
 * @param key A key.
 * @param shape The shape.
 * @param options `dtype`.
 * @returns The weights.
 * @example
 * ```ts
 * import { nn, random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.ok((nn.lecunUniform(random.key(0), [3, 4]).abs().max().item() as number) <= 1);
 * ```
 */
export function lecunUniform(
  key: NDArray,
  shape: readonly number[],
  options: { dtype?: DType } = {},
): NDArray {
  checkInitArgs("nn.lecunUniform", key, shape);
  return named(1, "fanIn", "uniform")(key, shape, options);
}
