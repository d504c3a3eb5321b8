/**
 * Neural-network building blocks as plain functions: activations, softmax,
 * initializers, and layers as `{ init, apply }` pairs whose parameters are
 * ordinary pytrees (so `grad`, `jit`, `vmap` and the optimizers see through them).
 *
 * Forward propagation is just calling `apply`; back-propagation is `grad` of
 * a loss of it.
 *
 * @module
 */
import {
  checkBool,
  checkChoice,
  checkInt,
  checkNumber,
  checkOptions,
  show,
} from "../core/_validate.ts";
import { type DType, isFloat } from "../core/_dtype.ts";
import { NDArray } from "../core/_ndarray.ts";
import { fmtShape } from "../core/_shape.ts";
import * as np from "../numpy/numpy.ts";
import * as random from "./random.ts";
import { glorotUniform, heNormal, type Layer, lecunNormal } from "./_nn_init.ts";
import { composite } from "./_composite.ts";

// ---- activations ---------------------------------------------------------------------

/** An activation's input: an array or a JS number (anything else names the activation). */
function checkActivationInput(op: string, x: unknown): void {
  if (!(x instanceof NDArray) && typeof x !== "number") {
    throw new TypeError(
      `${op}: expected an array, got ${show(x)}` +
        `${Array.isArray(x) ? " (a JS array: wrap it with np.array(...))" : ""}.`,
    );
  }
}

/**
 * Rectified linear unit, max(x, 0); its derivative at 0 is taken as 0 (as JAX).
 * @param x The input.
 * @returns The activation.
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(nn.relu(np.array([-1, 0, 2])).toArray(), [0, 0, 2]);
 * ```
 */
export function relu(x: NDArray): NDArray {
  checkActivationInput("nn.relu", x);
  // x where not (x ≤ 0): NaN propagates, as max(x, 0) in JAX; the derivative at 0 is 0
  return np.where(np.logicalNot(np.lessEqual(x, 0)), x, 0);
}

/**
 * Gaussian error linear unit, by default the tanh approximation
 * ½x(1 + tanh(√(2/π)(x + 0.044715x³))); with `approximate: false` the exact ½x(1 + erf(x/√2)) (as JAX).
 * @param x The input.
 * @param options `approximate` (default true).
 * @returns The activation.
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.ok(Math.abs((nn.gelu(np.array(1)).item() as number) - 0.8412) < 1e-3);
 * ```
 */
export function gelu(x: NDArray, options: { approximate?: boolean } = {}): NDArray {
  checkOptions("nn.gelu", options, ["approximate"]);
  checkActivationInput("nn.gelu", x);
  if (
    options.approximate === undefined || checkBool("nn.gelu", "approximate", options.approximate)
  ) {
    return composite("nn.gelu", x, geluOf);
  }
  // exact: ½x(1 + erf(x/√2))
  return composite(
    "nn.gelu.exact",
    x,
    (v) => np.mul(np.mul(v, 0.5), np.add(np.erf(np.mul(v, Math.SQRT1_2)), 1)),
  );
}

function geluOf(x: NDArray): NDArray {
  const inner = np.mul(np.add(x, np.mul(np.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
  return np.mul(np.mul(x, 0.5), np.add(np.tanh(inner), 1));
}

/**
 * Sigmoid-weighted linear unit (swish), x·σ(x).
 * @param x The input.
 * @returns The activation.
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(nn.silu(np.array(0)).item(), 0);
 * ```
 */
export function silu(x: NDArray): NDArray {
  checkActivationInput("nn.silu", x);
  return composite("nn.silu", x, (v) => np.mul(v, np.sigmoid(v)));
}

/**
 * Logistic sigmoid 1/(1 + e⁻ˣ).
 * @param x The input.
 * @returns The activation.
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(nn.sigmoid(np.array(0)).item(), 0.5);
 * ```
 */
export function sigmoid(x: NDArray): NDArray {
  checkActivationInput("nn.sigmoid", x);
  return np.sigmoid(x);
}

/**
 * Hyperbolic tangent.
 * @param x The input.
 * @returns The activation.
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(nn.tanh(np.array(0)).item(), 0);
 * ```
 */
export function tanh(x: NDArray): NDArray {
  checkActivationInput("nn.tanh", x);
  return np.tanh(x);
}

/**
 * Softplus, log(1 + eˣ), computed stably as max(x, 0) + log1p(e^−|x|); its gradient is σ(x).
 * @param x The input.
 * @returns The activation.
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(nn.softplus(np.array(1000)).item(), 1000);
 * ```
 */
export function softplus(x: NDArray): NDArray {
  checkActivationInput("nn.softplus", x);
  return composite("nn.softplus", x, softplusOf);
}

function softplusOf(x: NDArray): NDArray {
  // max(x, 0) + log1p(e^−|x|) with both kinks written as selects on x > 0, so the
  // gradient is σ(x) everywhere, σ(0) = ½ included (kink rules at 0 would not cancel)
  const positive = np.greater(x, 0);
  const relu = np.where(positive, x, 0);
  const minusAbs = np.where(positive, np.neg(x), x);
  return np.add(relu, np.log1p(np.exp(minusAbs)));
}

/**
 * Leaky ReLU: x for x ≥ 0, `negativeSlope`·x otherwise (so its derivative at 0 is 1, as JAX).
 * @param x The input.
 * @param options `negativeSlope` (default 0.01).
 * @returns The activation.
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(nn.leakyRelu(np.array([-100, 1])).toArray(), [-1, 1]);
 * ```
 */
export function leakyRelu(x: NDArray, options: { negativeSlope?: number } = {}): NDArray {
  checkOptions("nn.leakyRelu", options, ["negativeSlope"]);
  checkActivationInput("nn.leakyRelu", x);
  if (options.negativeSlope !== undefined) {
    checkNumber("nn.leakyRelu", "negativeSlope", options.negativeSlope);
  }
  const slope = options.negativeSlope ?? 0.01;
  return composite(
    `nn.leakyRelu.${slope}`,
    x,
    (v) => np.where(np.greaterEqual(v, 0), v, np.mul(v, slope)),
  );
}

/**
 * Exponential linear unit: x for x > 0, α(eˣ − 1) otherwise.
 * @param x The input.
 * @param options `alpha` (default 1).
 * @returns The activation.
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.ok(Math.abs((nn.elu(np.array(-1)).item() as number) - (Math.exp(-1) - 1)) < 1e-6);
 * ```
 */
export function elu(x: NDArray, options: { alpha?: number } = {}): NDArray {
  checkOptions("nn.elu", options, ["alpha"]);
  checkActivationInput("nn.elu", x);
  if (options.alpha !== undefined) checkNumber("nn.elu", "alpha", options.alpha);
  const alpha = options.alpha ?? 1;
  return composite(`nn.elu.${alpha}`, x, (v) => {
    // expm1 of (x > 0 ? 0 : x): the unused branch never overflows, so its zero cotangent
    // stays finite; at x = 0 the gradient is α (the left branch), as JAX
    const positive = np.greater(v, 0);
    return np.where(positive, v, np.mul(np.expm1(np.where(positive, 0, v)), alpha));
  });
}

/**
 * log softmax along `axis`: x − logsumexp(x), stable for any logits.
 * @param x Logits.
 * @param options `axis` (default −1).
 * @returns Log-probabilities.
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const lp = nn.logSoftmax(np.array([1000, 1000]));
 * assert.ok(Math.abs((lp.toArray() as number[])[0] + Math.LN2) < 1e-4);
 * ```
 */
export function logSoftmax(x: NDArray, options: { axis?: number } | number = {}): NDArray {
  return logSoftmaxAs("nn.logSoftmax", x, options);
}

/** An activation's axis: `{ axis }`, or the axis alone as JAX's positional form `softmax(x, 0)`. */
function axisOption(op: string, options: { axis?: number } | number | undefined): number {
  if (options === undefined) return -1;
  if (typeof options === "number") return checkInt(op, "axis", options);
  checkOptions(op, options, ["axis"]);
  return options.axis === undefined ? -1 : checkInt(op, "axis", options.axis);
}

function logSoftmaxAs(op: string, x: NDArray, options: { axis?: number } | number): NDArray {
  const axis = axisOption(op, options);
  if (!(x instanceof NDArray)) {
    throw new TypeError(`${op}: expected an array, got ${show(x)}.`);
  }
  if (x.dtype === "bool") {
    throw new TypeError(
      `${op}: not defined for bool arrays (as jax.nn); convert with x.astype("float32") first.`,
    );
  }
  // floats keep their dtype (float16/bfloat16 compute in float32 and round each step, as
  // jax.nn); integers and bools are promoted to float32 as jnp.exp promotes them
  const xf = isFloat(x.dtype) ? x : x.astype("float32");
  return composite(`nn.logSoftmax.${axis}`, xf, (v) => {
    // log softmax(x) = (x − m) − log Σ e^(x − m) for any constant m; with m = max(x) the
    // subtraction is exact near the max and the log is O(log n), so large logits
    // (1e4 in float32) keep full precision, unlike x − logsumexp(x) rounded at |x|
    const mRaw = np.stopGradient(np.max(v, { axis, keepdims: true }));
    const m = np.where(np.equal(np.abs(mRaw), Infinity), 0, mRaw);
    const shifted = np.sub(v, m);
    return np.sub(shifted, np.log(np.sum(np.exp(shifted), { axis, keepdims: true })));
  });
}

/**
 * Softmax along `axis`: eˣ / Σ eˣ, computed as JAX computes it, e^(x − m) / Σ e^(x − m) with m
 * the maximum along `axis` (so a +∞ input makes the whole result NaN, as in JAX).
 * @param x Logits.
 * @param options `axis` (default −1).
 * @returns Probabilities summing to 1 along `axis`.
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(nn.softmax(np.array([0, 0])).toArray(), [0.5, 0.5]);
 * ```
 */
export function softmax(x: NDArray, options: { axis?: number } | number = {}): NDArray {
  const axis = axisOption("nn.softmax", options);
  // not an array, or bool: logSoftmax's errors name the function
  if (!(x instanceof NDArray) || x.dtype === "bool") {
    return np.exp(logSoftmaxAs("nn.softmax", x, axis));
  }
  const xf = isFloat(x.dtype) ? x : x.astype("float32");
  return composite(`nn.softmax.${axis}`, xf, (v) => {
    // m shifts every exponent to ≤ 0 (no overflow); it cancels in the quotient, so its
    // gradient is stopped, as in jax.nn.softmax
    const m = np.stopGradient(np.max(v, { axis, keepdims: true }));
    const e = np.exp(np.sub(v, m));
    return np.div(e, np.sum(e, { axis, keepdims: true }));
  });
}

/**
 * One-hot encoding: a new last axis of size `numClasses` with 1 at each label.
 * Labels outside `[0, numClasses)` give an all-zero row.
 * @param labels Integer labels of any shape.
 * @param numClasses The number of classes.
 * @param options `dtype` (float32 default).
 * @returns The encoding, shape `labels.shape + [numClasses]`.
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(nn.oneHot(np.array([2, 0], { dtype: "int32" }), 3).toArray(), [[0, 0, 1], [1, 0, 0]]);
 * ```
 */
export function oneHot(
  labels: NDArray,
  numClasses: number,
  options: { dtype?: DType } = {},
): NDArray {
  checkOptions("nn.oneHot", options, ["dtype"]);
  checkInt("nn.oneHot", "numClasses", numClasses, 1);
  if (!(labels instanceof NDArray)) {
    throw new TypeError(
      `nn.oneHot: labels must be an integer array, got ${show(labels)}` +
        `${Array.isArray(labels) ? ' (wrap it: np.array(labels, { dtype: "int32" }))' : ""}.`,
    );
  }
  const classes = np.arange(numClasses, undefined, 1, {
    dtype: labels.dtype === "int32" ? "int32" : "float32",
  });
  return np.equal(np.expandDims(labels, -1), classes).astype(options.dtype ?? "float32");
}

const INITS = ["glorotUniform", "heNormal", "lecunNormal"] as const;

// ---- layers -----------------------------------------------------------------------------

/** The parameters of a dense layer: weights [in, out] and bias [out]. */
export interface DenseParams {
  /** Weights, shape [in, out]. */
  w: NDArray;
  /** Bias, shape [out]. */
  b: NDArray;
}

/**
 * A fully connected layer, y = x·W + b, with Glorot-uniform (or He-normal) weights and zero bias.
 * @param inFeatures Input size.
 * @param outFeatures Output size.
 * @param options `init`: "glorotUniform" (default), "heNormal" or "lecunNormal"; `dtype`.
 * @returns The layer.
 * @example
 * ```ts
 * import { nn, np, random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const layer = nn.dense(3, 2);
 * const params = layer.init(random.key(0));
 * assert.deepEqual(layer.apply(params, np.ones([5, 3])).shape, [5, 2]);
 * ```
 */
export function dense(
  inFeatures: number,
  outFeatures: number,
  options: { init?: "glorotUniform" | "heNormal" | "lecunNormal"; dtype?: DType } = {},
): Layer<DenseParams> {
  checkOptions("nn.dense", options, ["init", "dtype"]);
  checkInt("nn.dense", "inFeatures", inFeatures, 1);
  checkInt("nn.dense", "outFeatures", outFeatures, 1);
  const initName = options.init === undefined
    ? "glorotUniform"
    : checkChoice("nn.dense", "init", options.init, INITS);
  const initW = { glorotUniform, heNormal, lecunNormal }[initName];
  return {
    init: (key) => ({
      w: initW(key, [inFeatures, outFeatures], { dtype: options.dtype }),
      b: np.zeros([outFeatures], { dtype: options.dtype }),
    }),
    apply: (p, x) => {
      if (
        p === null || typeof p !== "object" || !(p.w instanceof NDArray) ||
        !(p.b instanceof NDArray)
      ) {
        throw new TypeError(
          `dense: params must be { w, b } as init returns, got ${show(p)}` +
            `${Array.isArray(p) ? " (a list: an mlp's params? pass one layer's params)" : ""}.`,
        );
      }
      if (p.w.ndim !== 2 || p.w.shape[0] !== inFeatures || p.w.shape[1] !== outFeatures) {
        throw new TypeError(
          `dense: params.w must have shape [${inFeatures}, ${outFeatures}], got ` +
            `${fmtShape(p.w.shape)}.`,
        );
      }
      if (p.b.ndim !== 1 || p.b.shape[0] !== outFeatures) {
        throw new TypeError(
          `dense: params.b must have shape [${outFeatures}], got ${fmtShape(p.b.shape)}.`,
        );
      }
      if (!(x instanceof NDArray)) {
        throw new TypeError(`dense: expected an input array, got ${show(x)}.`);
      }
      if (x.shape[x.ndim - 1] !== inFeatures) {
        throw new TypeError(
          `dense: expected inputs with ${inFeatures} features on the last axis, got shape ` +
            `${fmtShape(x.shape)}.`,
        );
      }
      return np.add(np.matmul(x, p.w), p.b);
    },
  };
}

/** Options of an MLP's forward pass. */
export interface MlpApplyOptions {
  /** A key enables dropout (training); without one dropout is off (evaluation). */
  key?: NDArray;
}

/**
 * A multi-layer perceptron: dense layers of the given sizes with an activation
 * between them (none after the last) and optional dropout after each hidden activation.
 * @param sizes Layer widths, input first: e.g. [784, 512, 256, 10].
 * @param options `activation` (relu default), `dropout` rate (0 default), `init`.
 * @returns The layer; its parameters are a list of `{ w, b }`.
 * @example
 * ```ts
 * import { nn, np, random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const model = nn.mlp([4, 8, 3], { dropout: 0.1 });
 * const params = model.init(random.key(0));
 * assert.deepEqual(model.apply(params, np.ones([2, 4])).shape, [2, 3]);
 * assert.deepEqual(model.apply(params, np.ones([2, 4]), { key: random.key(1) }).shape, [2, 3]);
 * ```
 */
export function mlp(
  sizes: readonly number[],
  options: {
    activation?: (x: NDArray) => NDArray;
    dropout?: number;
    init?: "glorotUniform" | "heNormal" | "lecunNormal";
  } = {},
): Layer<DenseParams[], MlpApplyOptions> {
  checkOptions("nn.mlp", options, ["activation", "dropout", "init"]);
  if (!Array.isArray(sizes)) {
    throw new TypeError(`nn.mlp: sizes must be a list of layer widths, got ${show(sizes)}.`);
  }
  if (sizes.length < 2) throw new RangeError(`mlp: needs at least two sizes, got [${sizes}].`);
  sizes.forEach((n, i) => checkInt("nn.mlp", `sizes[${i}]`, n, 1));
  if (options.activation !== undefined && typeof options.activation !== "function") {
    throw new TypeError(`nn.mlp: activation must be a function, got ${show(options.activation)}.`);
  }
  if (options.dropout !== undefined && !(options.dropout >= 0 && options.dropout < 1)) {
    throw new RangeError(`nn.mlp: dropout must be a rate in [0, 1), got ${show(options.dropout)}.`);
  }
  const layers = sizes.slice(1).map((out, i) => dense(sizes[i], out, { init: options.init }));
  const act = options.activation ?? relu;
  const rate = options.dropout ?? 0;
  return {
    init: (key) => random.split(key, layers.length).map((k, i) => layers[i].init(k)),
    apply: (params, x, applyOptions = {}) => {
      checkOptions("nn.mlp apply", applyOptions, ["key"]);
      // too few (or too many) layer params would silently return a hidden layer's output
      if (!Array.isArray(params) || params.length !== layers.length) {
        throw new TypeError(
          `nn.mlp apply: params must be a list of ${layers.length} { w, b } layers (sizes ` +
            `[${sizes.join(", ")}]), as init returns, got ${
              Array.isArray(params) ? `a list of ${params.length}` : show(params)
            }.`,
        );
      }
      let h = x;
      const keys = applyOptions.key && rate > 0
        ? random.split(applyOptions.key, layers.length)
        : undefined;
      params.forEach((p, i) => {
        h = layers[i].apply(p, h);
        if (i < layers.length - 1) {
          h = act(h);
          if (keys) h = dropout(keys[i], h, rate);
        }
      });
      return h;
    },
  };
}

/**
 * Inverted dropout: zeroes each element with probability `rate` and scales the
 * rest by 1/(1 − rate), so the expected activation is unchanged.
 * @param key A PRNG key (a new one every step).
 * @param x The input.
 * @param rate Drop probability in [0, 1).
 * @returns The masked input.
 * @example
 * ```ts
 * import { nn, np, random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const y = nn.dropout(random.key(0), np.ones([10000]), 0.2);
 * assert.ok(Math.abs((y.mean().item() as number) - 1) < 0.05);
 * ```
 */
export function dropout(key: NDArray, x: NDArray, rate: number): NDArray {
  if (typeof rate !== "number" || !(rate >= 0 && rate < 1)) {
    throw new RangeError(`dropout: rate must be in [0, 1), got ${rate}.`);
  }
  if (rate === 0) return x;
  const keep = random.bernoulli(key, 1 - rate, x.shape);
  return np.where(keep, np.div(x, 1 - rate), 0);
}

export * from "./_nn_init.ts";
export * from "./_nn_conv.ts";
export * from "./_nn_pool.ts";
export * from "./_nn_resize.ts";
export * from "./_nn_activations.ts";
export * from "./_nn_norm.ts";
export * from "./_nn_attention.ts";
export * from "./_nn_rnn.ts";
export * from "./_nn_initializers.ts";
export * from "./_nn_initializers_more.ts";
