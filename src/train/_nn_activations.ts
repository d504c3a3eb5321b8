/**
 * More of `jax.nn`'s activations, as `np` ops (so they differentiate, trace and
 * batch), each with JAX's formula. Re-exported by `nn.ts`.
 *
 * @module
 */
import { checkOptions, requireArray } from "../core/_validate.ts";
import type { NDArray } from "../core/_ndarray.ts";
import * as np from "../numpy/numpy.ts";

/** softplus(x) = log(1 + eˣ) = logaddexp(x, 0), stable and smooth at 0. */
const softplusOf = (x: NDArray) => np.logaddexp(x, 0);

/**
 * log σ(x) = −softplus(−x).
 * @param x The input.
 * @returns The activation.
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.ok(Math.abs((nn.logSigmoid(np.array([0])).toArray() as number[])[0] + Math.LN2) < 1e-6);
 * ```
 */
export function logSigmoid(x: NDArray): NDArray {
  requireArray("nn.logSigmoid", "x", x);
  // −log1p(e^−x) for x ≥ 0, x − log1p(eˣ) below: each branch sees only its own side, so no overflow
  const pos = np.greaterEqual(x, 0);
  const xa = np.where(pos, x, 0), xb = np.where(pos, 0, x);
  return np.where(pos, np.log1p(np.exp(xa.neg())).neg(), xb.sub(np.log1p(np.exp(xb))));
}

/**
 * clip(x, −1, 1).
 * @param x The input.
 * @returns The activation.
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(nn.hardTanh(np.array([-3, 0.5, 2])).toArray(), [-1, 0.5, 1]);
 * ```
 */
export function hardTanh(x: NDArray): NDArray {
  requireArray("nn.hardTanh", "x", x);
  // as JAX: slope 1 on the closed interval [−1, 1]
  return np.where(np.greater(x, 1), 1, np.where(np.less(x, -1), -1, x)).astype(x.dtype);
}

/**
 * min(max(x, 0), 6).
 * @param x The input.
 * @returns The activation.
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(nn.relu6(np.array([-1, 3, 9])).toArray(), [0, 3, 6]);
 * ```
 */
export function relu6(x: NDArray): NDArray {
  requireArray("nn.relu6", "x", x);
  // as JAX: slope 1 strictly inside (0, 6), 0 at both kinks
  // (NaN is neither ≤ 0 nor ≥ 6, so it takes the x branch and propagates, as JAX's min/max)
  const inside = np.logicalNot(np.logicalOr(np.lessEqual(x, 0), np.greaterEqual(x, 6)));
  return np.where(inside, x, np.where(np.greaterEqual(x, 6), 6, 0)).astype(x.dtype);
}

/**
 * relu6(x + 3) / 6.
 * @param x The input.
 * @returns The activation.
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(nn.hardSigmoid(np.array([-4, 0, 4])).toArray(), [0, 0.5, 1]);
 * ```
 */
export function hardSigmoid(x: NDArray): NDArray {
  requireArray("nn.hardSigmoid", "x", x);
  return relu6(x.add(3)).div(6);
}

/**
 * x · hardSigmoid(x) (also called hard SiLU).
 * @param x The input.
 * @returns The activation.
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(nn.hardSwish(np.array([-4, 0, 4])).toArray(), [-0, 0, 4]);
 * ```
 */
export function hardSwish(x: NDArray): NDArray {
  requireArray("nn.hardSwish", "x", x);
  return x.mul(hardSigmoid(x));
}

const SELU_ALPHA = 1.6732632423543772, SELU_SCALE = 1.0507009873554805;

/**
 * Scaled ELU (Klambauer et al. 2017): λ·(x if x > 0 else α(eˣ − 1)).
 * @param x The input.
 * @returns The activation.
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.ok(Math.abs((nn.selu(np.array([1])).toArray() as number[])[0] - 1.0507009873554805) < 1e-6);
 * ```
 */
export function selu(x: NDArray): NDArray {
  requireArray("nn.selu", "x", x);
  // expm1 of (x > 0 ? 0 : x), as JAX's elu: the unused branch never overflows, so its zero
  // cotangent stays finite (0 · ∞ would make the gradient NaN for x ≳ 89)
  const pos = np.greater(x, 0);
  return np.where(pos, x, np.expm1(np.where(pos, 0, x)).mul(SELU_ALPHA)).mul(SELU_SCALE);
}

/**
 * Continuously differentiable ELU: x if x > 0 else α(e^(x/α) − 1).
 * @param x The input.
 * @param options `alpha` (1).
 * @returns The activation.
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(nn.celu(np.array([2])).toArray(), [2]);
 * ```
 */
export function celu(x: NDArray, options: { alpha?: number } = {}): NDArray {
  requireArray("nn.celu", "x", x);
  const a = options.alpha ?? 1;
  // expm1 of min(x, 0)/α, as JAX: the unused branch never overflows, so the gradient for
  // large x is 1, not 0 · ∞ = NaN
  const pos = np.greater(x, 0);
  return np.where(pos, x, np.expm1(np.where(pos, 0, x).div(a)).mul(a));
}

/**
 * Gated linear unit: a · σ(b) for the two halves a, b of `axis`.
 * @param x The input; `axis` must have an even length.
 * @param options `axis` (−1).
 * @returns The activation, half as long along `axis`.
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(nn.glu(np.array([3, 0])).toArray(), [1.5]);
 * ```
 */
export function glu(x: NDArray, options: { axis?: number } = {}): NDArray {
  requireArray("nn.glu", "x", x);
  const axis = options.axis ?? -1;
  const ax = axis < 0 ? axis + x.ndim : axis;
  if (!(ax >= 0 && ax < x.ndim) || x.shape[ax] % 2 !== 0) {
    throw new TypeError(
      `nn.glu: axis ${axis} of shape [${x.shape.join(", ")}] must exist and have an even length.`,
    );
  }
  const [a, b] = np.split(x, 2, ax);
  return a.mul(np.sigmoid(b));
}

/**
 * Mish (Misra 2019): x · tanh(softplus(x)).
 * @param x The input.
 * @returns The activation.
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(nn.mish(np.array([0])).toArray(), [0]);
 * ```
 */
export function mish(x: NDArray): NDArray {
  requireArray("nn.mish", "x", x);
  return x.mul(np.tanh(softplusOf(x)));
}

/**
 * Soft sign: x / (|x| + 1).
 * @param x The input.
 * @returns The activation.
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(nn.softSign(np.array([1, -3])).toArray(), [0.5, -0.75]);
 * ```
 */
export function softSign(x: NDArray): NDArray {
  requireArray("nn.softSign", "x", x);
  return x.div(np.abs(x).add(1));
}

/**
 * Squareplus (Barron 2021): (x + √(x² + b)) / 2.
 * @param x The input.
 * @param options `b` (4).
 * @returns The activation.
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(nn.squarePlus(np.array([0])).toArray(), [1]);
 * ```
 */
export function squarePlus(x: NDArray, options: { b?: number } = {}): NDArray {
  requireArray("nn.squarePlus", "x", x);
  return x.add(np.sqrt(x.square().add(options.b ?? 4))).div(2);
}

/**
 * Standardizes along `axis`: (x − mean) / √(var + epsilon), var = max(mean(x²) − mean², 0)
 * (as JAX's default "fast" algorithm).
 * @param x The input.
 * @param options `axis` (−1), `epsilon` (1e-5), and `mean` / `variance` to use instead of the
 * statistics of x (broadcast against x with `axis` kept).
 * @returns The standardized array.
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const s = nn.standardize(np.array([1, 3]), { epsilon: 0 }).toArray();
 * assert.deepEqual(s, [-1, 1]);
 * ```
 */
export function standardize(
  x: NDArray,
  options: {
    axis?: number | number[];
    epsilon?: number;
    mean?: NDArray | number;
    variance?: NDArray | number;
  } = {},
): NDArray {
  checkOptions("nn.standardize", options, ["axis", "epsilon", "mean", "variance"]);
  requireArray("nn.standardize", "x", x);
  const axis = options.axis ?? -1;
  const mean = options.mean ?? np.mean(x, { axis, keepdims: true });
  // mean(x²) − mean² can round below 0 (x nearly constant); clip it, as JAX, or rsqrt gives NaN
  const variance = options.variance ??
    np.maximum(np.mean(x.square(), { axis, keepdims: true }).sub(np.square(mean)), 0);
  return x.sub(mean).mul(np.rsqrt(np.add(variance, options.epsilon ?? 1e-5)));
}

/**
 * log Σ exp(x) along `axis`, stably (as `np.logsumexp`).
 * @param x The input.
 * @param options `axis` (all axes), `keepdims` (false).
 * @returns The reduction.
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.ok(Math.abs((nn.logsumexp(np.array([0, 0])).item() as number) - Math.LN2) < 1e-6);
 * ```
 */
export function logsumexp(
  x: NDArray,
  options: { axis?: number | number[]; keepdims?: boolean } = {},
): NDArray {
  return np.logsumexp(x, options);
}

/**
 * The identity, x.
 * @param x The input.
 * @returns x.
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(nn.identity(np.array([2])).toArray(), [2]);
 * ```
 */
export function identity(x: NDArray): NDArray {
  return x;
}

/**
 * log(1 − e^−x) for x > 0, stably: log(−expm1(−x)) below log 2, log1p(−e^−x) above.
 * @param x The input (positive).
 * @returns The value.
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.ok(Math.abs((nn.log1mexp(np.array([Math.LN2])).item() as number) + Math.LN2) < 1e-6);
 * ```
 */
export function log1mexp(x: NDArray): NDArray {
  requireArray("nn.log1mexp", "x", x);
  const small = np.less(x, Math.LN2);
  const xs = np.where(small, x, 1), xl = np.where(small, 1, x);
  return np.where(small, np.log(np.expm1(xs.neg()).neg()), np.log1p(np.exp(xl.neg()).neg()));
}

/**
 * log of the mean of exp(x) along `axis`: logsumexp(x) − log n.
 * @param x The input.
 * @param options `axis` (all axes), `keepdims` (false).
 * @returns The reduction.
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.ok(Math.abs(nn.logmeanexp(np.array([1, 1])).item() as number - 1) < 1e-6);
 * ```
 */
export function logmeanexp(
  x: NDArray,
  options: { axis?: number | number[]; keepdims?: boolean } = {},
): NDArray {
  requireArray("nn.logmeanexp", "x", x);
  const axes = options.axis === undefined
    ? x.shape.map((_, i) => i)
    : [options.axis].flat().map((a) => (a < 0 ? a + x.ndim : a));
  const n = axes.reduce((acc, a) => acc * x.shape[a], 1);
  return np.logsumexp(x, options).sub(Math.log(n));
}

/**
 * Sparse plus (Martins & Astudillo): 0 for x ≤ −1, (x + 1)²/4 on (−1, 1), x for x ≥ 1.
 * @param x The input.
 * @returns The activation.
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(nn.sparsePlus(np.array([-2, 0, 2])).toArray(), [0, 0.25, 2]);
 * ```
 */
export function sparsePlus(x: NDArray): NDArray {
  requireArray("nn.sparsePlus", "x", x);
  const mid = x.add(1).square().div(4);
  return np.where(np.lessEqual(x, -1), 0, np.where(np.greaterEqual(x, 1), x, mid)).astype(x.dtype);
}

/**
 * Sparse sigmoid: 0 for x ≤ −1, (x + 1)/2 on (−1, 1), 1 for x ≥ 1.
 * @param x The input.
 * @returns The activation.
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(nn.sparseSigmoid(np.array([-2, 0, 2])).toArray(), [0, 0.5, 1]);
 * ```
 */
export function sparseSigmoid(x: NDArray): NDArray {
  requireArray("nn.sparseSigmoid", "x", x);
  // ½·clip(x + 1, 0, 2), as JAX (so the slope at ±1 is ¼, clip's half-slope at a tie)
  return np.clip(x.add(1), 0, 2).mul(0.5);
}
