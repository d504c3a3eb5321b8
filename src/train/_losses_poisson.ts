/**
 * The Poisson negative log-likelihood (`poissonNllLoss`). optax has none; the math follows
 * PyTorch's `poisson_nll_loss`, but the result is per element unless `reduction` says
 * otherwise, like difftrace's other optax-style losses. Re-exported by `losses.ts`.
 *
 * @module
 */
import type { NDArray } from "../core/_ndarray.ts";
import { checkOptions } from "../core/_validate.ts";
import * as np from "../numpy/numpy.ts";
import {
  checkArray,
  checkFloat,
  checkReduction,
  checkSame,
  concreteValues,
  type Reduction,
} from "./_losses_util.ts";

/** Options of {@link poissonNllLoss}. */
export interface PoissonNllOptions {
  /** The input is the log of the rate (default true); false: the input is the rate itself. */
  logInput?: boolean;
  /** Add Stirling's approximation of log(target!) for targets above 1 (default false). */
  full?: boolean;
  /** Added to the rate inside the log when `logInput` is false (default 1e-8); ≥ 0. */
  eps?: number;
  /** `"none"` (the default: one loss per element), `"mean"` or `"sum"`. */
  reduction?: Reduction;
}

/**
 * Poisson negative log-likelihood of counts `target` under rates given by `input`, element-wise:
 * - `logInput: true` (input = log r): `exp(input) − target·input`;
 * - `logInput: false` (input = r ≥ 0): `input − target·log(input + eps)`;
 * - `full: true` adds `target·log(target) − target + ½·log(2π·target)` where target > 1
 *   (Stirling's approximation of log(target!)), 0 elsewhere.
 *
 * Without `full` the loss is −log P(target; r) up to the constant log(target!). The math is
 * PyTorch's `poisson_nll_loss` (optax has no Poisson loss), but unlike PyTorch, whose default
 * reduction is the mean, this returns one loss per element by default, as difftrace's
 * optax-style losses do; pass `reduction: "mean"` for PyTorch's default.
 *
 * @param input Log-rates (or rates with `logInput: false`), float, any shape.
 * @param target Counts (non-negative; need not be integers), the same shape and a float dtype.
 * @param options See {@link PoissonNllOptions}.
 * @returns One loss per element, or their mean or sum.
 *
 * @example
 * ```ts
 * import { losses, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * // log-rate 0 (rate 1), count 2: exp(0) − 2·0 = 1; log-rate log 2, count 2: 2 − 2 log 2
 * const l = losses.poissonNllLoss(np.array([0, Math.log(2)]), np.array([2, 2]));
 * assert.ok(Math.abs((l.toArray() as number[])[0] - 1) < 1e-6);
 * assert.ok(Math.abs((l.toArray() as number[])[1] - (2 - 2 * Math.log(2))) < 1e-6);
 * ```
 */
export function poissonNllLoss(
  input: NDArray,
  target: NDArray,
  options: PoissonNllOptions = {},
): NDArray {
  const op = "poissonNllLoss";
  checkOptions(`losses.${op}`, options, ["logInput", "full", "eps", "reduction"]);
  const { logInput = true, full = false, eps = 1e-8 } = options;
  const reduction = checkReduction(op, options.reduction, "none");
  for (const [name, v] of [["logInput", logInput], ["full", full]] as const) {
    if (typeof v !== "boolean") {
      throw new TypeError(`losses.${op}: ${name} must be true or false, got ${String(v)}.`);
    }
  }
  if (typeof eps !== "number" || !(eps >= 0) || !Number.isFinite(eps)) {
    throw new RangeError(`losses.${op}: eps must be a finite number ≥ 0, got ${eps}.`);
  }
  checkArray(op, "the input", input);
  checkArray(op, "the targets", target);
  checkFloat(op, "the input", input);
  checkFloat(op, "the targets", target);
  checkSame(op, "the input values", input, "the targets", target);
  if (!logInput) {
    // rates must be non-negative (a traced input is checked when it runs concretely)
    const v = concreteValues(input);
    for (let i = 0; v !== undefined && i < v.length; i++) {
      if (v[i] < 0) {
        throw new RangeError(
          `losses.${op}: with logInput: false the input holds rates, which must be ≥ 0, got ` +
            `${v[i]} at flat index ${i}; pass log-rates with logInput: true instead.`,
        );
      }
    }
  }
  // exp(z) − t·z for a log-rate z; r − t·log(r + eps) for a rate r
  let loss = logInput
    ? np.exp(input).sub(target.mul(input))
    : input.sub(target.mul(np.log(input.add(eps))));
  if (full) {
    // t log t − t + ½ log(2πt) for t > 1; evaluated at a safe t = 2 elsewhere so that
    // neither the value nor the gradient sees log 0
    const big = target.greater(1);
    const t = np.where(big, target, np.full(target.shape, 2, { dtype: target.dtype }));
    const stirling = t.mul(np.log(t)).sub(t).add(np.log(t.mul(2 * Math.PI)).mul(0.5));
    loss = loss.add(np.where(big, stirling, np.zeros(target.shape, { dtype: stirling.dtype })));
  }
  return reduction === "mean" ? np.mean(loss) : reduction === "sum" ? np.sum(loss) : loss;
}
