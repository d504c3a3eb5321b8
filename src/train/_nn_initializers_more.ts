/**
 * The rest of `jax.nn.initializers`: `zeros`, `ones`, `constant`, `normal`, `uniform`
 * and `deltaOrthogonal`. Each draws with the same sampler as JAX (so the same key
 * gives the same weights) and validates its shape and dtype. Re-exported by `nn.ts`.
 *
 * @module
 */
import type { DType } from "../core/_dtype.ts";
import { NDArray } from "../core/_ndarray.ts";
import { checkShapeArg } from "../core/_validate.ts";
import * as np from "../numpy/numpy.ts";
import * as random from "./random.ts";
import type { Initializer } from "./_nn_initializers.ts";

/** The dtype an initializer returns: the call's, else the factory's, else float32; floats only. */
function floatDtype(op: string, ...choices: (DType | undefined)[]): DType {
  const dtype = choices.find((d) => d !== undefined) ?? "float32";
  if (dtype !== "float32" && dtype !== "float64") {
    throw new TypeError(`nn.${op}: dtype must be float32 or float64, got ${dtype}.`);
  }
  return dtype;
}

function checkScalar(op: string, name: string, v: unknown): number {
  if (typeof v !== "number" || Number.isNaN(v)) {
    throw new TypeError(`nn.${op}: ${name} must be a number, got ${String(v)}.`);
  }
  return v;
}

/**
 * The all-zeros initializer (JAX's `initializers.zeros`); the key is unused.
 *
 * @param _key A key (unused).
 * @param shape The shape.
 * @param options `dtype` (float32).
 * @returns Zeros.
 *
 * @example
 * ```ts
 * import { nn, random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(nn.zeros(random.key(0), [2]).toArray(), [0, 0]);
 * ```
 */
export function zeros(
  _key: NDArray,
  shape: readonly number[],
  options: { dtype?: DType } = {},
): NDArray {
  return np.zeros(checkShapeArg("nn.zeros", shape), { dtype: floatDtype("zeros", options.dtype) });
}

/**
 * The all-ones initializer (JAX's `initializers.ones`); the key is unused.
 *
 * @param _key A key (unused).
 * @param shape The shape.
 * @param options `dtype` (float32).
 * @returns Ones.
 *
 * @example
 * ```ts
 * import { nn, random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(nn.ones(random.key(0), [2]).toArray(), [1, 1]);
 * ```
 */
export function ones(
  _key: NDArray,
  shape: readonly number[],
  options: { dtype?: DType } = {},
): NDArray {
  return np.ones(checkShapeArg("nn.ones", shape), { dtype: floatDtype("ones", options.dtype) });
}

/**
 * An initializer filling every weight with `value` (JAX's `initializers.constant`).
 *
 * @param value The value.
 * @param options `dtype`: the default dtype of the weights (float32).
 * @returns The initializer.
 *
 * @example
 * ```ts
 * import { nn, random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(nn.constant(-0.5)(random.key(0), [3]).toArray(), [-0.5, -0.5, -0.5]);
 * ```
 */
export function constant(value: number, options: { dtype?: DType } = {}): Initializer {
  checkScalar("constant", "value", value);
  floatDtype("constant", options.dtype);
  return (_key, shape, o = {}) =>
    np.full(checkShapeArg("nn.constant", shape), value, {
      dtype: floatDtype("constant", o.dtype, options.dtype),
    });
}

/**
 * An initializer drawing `stddev · z`, z standard normal (JAX's `initializers.normal`).
 *
 * @param options `stddev` (1e-2), `dtype` (float32).
 * @returns The initializer.
 *
 * @example
 * ```ts
 * import { nn, np, random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const w = nn.normal({ stddev: 2 })(random.key(0), [4000]);
 * assert.ok(Math.abs((np.std(w).item() as number) - 2) < 0.1);
 * ```
 */
export function normal(options: { stddev?: number; dtype?: DType } = {}): Initializer {
  const stddev = checkScalar("normal", "stddev", options.stddev ?? 1e-2);
  floatDtype("normal", options.dtype);
  return (key, shape, o = {}) => {
    const dtype = floatDtype("normal", o.dtype, options.dtype);
    return random.normal(key, shape, { dtype }).mul(np.array(stddev, { dtype }));
  };
}

/**
 * An initializer drawing uniformly from [0, scale) (JAX's `initializers.uniform`).
 *
 * @param options `scale` (1e-2), `dtype` (float32).
 * @returns The initializer.
 *
 * @example
 * ```ts
 * import { nn, random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const w = nn.uniform({ scale: 3 })(random.key(0), [100]);
 * assert.ok((w.min().item() as number) >= 0 && (w.max().item() as number) < 3);
 * ```
 */
export function uniform(options: { scale?: number; dtype?: DType } = {}): Initializer {
  const scale = checkScalar("uniform", "scale", options.scale ?? 1e-2);
  floatDtype("uniform", options.dtype);
  return (key, shape, o = {}) => {
    const dtype = floatDtype("uniform", o.dtype, options.dtype);
    return random.uniform(key, shape, { dtype }).mul(np.array(scale, { dtype }));
  };
}

/**
 * The delta-orthogonal initializer for convolution kernels (Xiao et al. 2018), as JAX's:
 * a kernel of shape [k, in, out], [k1, k2, in, out] or [k1, k2, k3, in, out] (in ≤ out)
 * that is zero except at the spatial centre ((k − 1) // 2 on each axis), which holds a
 * random orthogonal in×out matrix times `scale` (orthonormal columns along `columnAxis`
 * of that matrix).
 *
 * @param options `scale` (1), `columnAxis` (−1; −1/1 or −2/0 of the in×out matrix),
 *   `dtype` (float32).
 * @returns The initializer.
 *
 * @example
 * ```ts
 * import { nn, np, random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const w = nn.deltaOrthogonal()(random.key(0), [3, 2, 2]);
 * const centre = np.slice(w, [1]);
 * const gram = np.matmul(np.transpose(centre), centre).toArray() as number[][];
 * assert.ok(Math.abs(gram[0][0] - 1) < 1e-5 && Math.abs(gram[0][1]) < 1e-5);
 * assert.equal(np.abs(np.slice(w, [0])).sum().item(), 0);
 * ```
 */
export function deltaOrthogonal(
  options: { scale?: number; columnAxis?: number; dtype?: DType } = {},
): Initializer {
  const scale = checkScalar("deltaOrthogonal", "scale", options.scale ?? 1);
  const columnAxis = options.columnAxis ?? -1;
  if (![-2, -1, 0, 1].includes(columnAxis)) {
    throw new RangeError(
      `nn.deltaOrthogonal: columnAxis must be an axis of the in×out matrix (−1, 1, −2 or 0), ` +
        `got ${columnAxis}.`,
    );
  }
  floatDtype("deltaOrthogonal", options.dtype);
  return (key, shapeArg, o = {}) => {
    const dtype = floatDtype("deltaOrthogonal", o.dtype, options.dtype);
    const shape = checkShapeArg("nn.deltaOrthogonal", shapeArg);
    if (shape.length < 3 || shape.length > 5) {
      throw new TypeError(
        `nn.deltaOrthogonal: needs a 3-D, 4-D or 5-D kernel shape, got [${shape.join(", ")}].`,
      );
    }
    const [fanIn, fanOut] = shape.slice(-2);
    if (fanOut < fanIn) {
      throw new RangeError(
        `nn.deltaOrthogonal: fan-in (${fanIn}) must be at most fan-out (${fanOut}), ` +
          `got shape [${shape.join(", ")}].`,
      );
    }
    if (!(key instanceof NDArray)) throw new TypeError(`nn.deltaOrthogonal: expected a key.`);
    // the in×out orthogonal matrix, as JAX's orthogonal initializer with columnAxis
    let q: NDArray;
    if (fanIn === 0 || fanOut === 0) q = np.zeros([fanIn, fanOut], { dtype });
    else if (columnAxis === -1 || columnAxis === 1) {
      q = random.orthogonal(key, fanIn, { m: fanOut, dtype });
    } else q = np.transpose(random.orthogonal(key, fanOut, { m: fanIn, dtype }));
    q = q.mul(np.array(scale, { dtype }));
    // W = 0 except W[centre] = q
    const spatial = shape.slice(0, -2);
    const centre = spatial.map((k) => Math.floor((k - 1) / 2));
    const nSpatial = spatial.reduce((a, b) => a * b, 1);
    const flatCentre = centre.reduce((acc, c, i) => acc * spatial[i] + c, 0);
    const mask = np.arange(nSpatial).equal(flatCentre).astype(dtype).reshape([nSpatial, 1, 1]);
    return np.reshape(mask.mul(np.expandDims(q, 0)), shape);
  };
}
