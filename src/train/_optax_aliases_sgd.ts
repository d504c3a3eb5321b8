/**
 * optax's named optimizers that step along the gradient (or its sign) without
 * Adam's moment estimates, with optax's defaults: sign SGD and Signum, noisy SGD,
 * Rprop, optimistic gradient descent, and the layer-wise trust-ratio methods LARS
 * and Fromage. Re-exported by `optim.ts`.
 *
 * @module
 */
import { checkOptions } from "../core/_validate.ts";
import type { NDArray } from "../core/_ndarray.ts";
import {
  chain,
  type GradientTransformation,
  type Mask,
  type ScalarOrSchedule,
  scale,
  scaleByLearningRate,
} from "./_gradient_transformations.ts";
import { trace } from "./_gradient_moments.ts";
import { checkLearningRate } from "./_learning_rate.ts";
import {
  addNoise,
  ema,
  scaleByOptimisticGradient,
  scaleByRprop,
  scaleBySign,
  scaleByTrustRatio,
} from "./_optax_scaling.ts";
import { decayed } from "./_optax_util.ts";
import { checkedLeaves } from "./_checks.ts";
import { checkMask } from "./_labels.ts";
import { masked } from "./_optax_wrappers.ts";

type Opt = GradientTransformation<unknown[]>;

/**
 * Fromage (Bernstein et al. 2020): trust-ratio steps of size lr/√(1 + lr²)
 * with the weights shrunk by 1/√(1 + lr²). A number learning rate only.
 *
 * @param learningRate The learning rate.
 * @param options `minNorm` (1e-6).
 * @returns The optimizer; `update` needs the params.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.fromage(0.1);
 * const p = np.array([3, 4]);
 * assert.ok(((opt.update(np.array([1, 0]), opt.init(p), p)[0].toArray() as number[])[0]) < 0);
 * ```
 */
export function fromage(learningRate: number, options: { minNorm?: number } = {}): Opt {
  checkOptions("optim.fromage", options, ["minNorm"]);
  checkLearningRate("fromage", learningRate);
  const mult = 1 / Math.sqrt(1 + learningRate * learningRate);
  return checkedLeaves(
    "fromage",
    chain(
      scaleByTrustRatio({ minNorm: options.minNorm ?? 1e-6 }),
      scaleByLearningRate(learningRate * mult),
      decayed("fromage", mult - 1),
    ),
  );
}

/**
 * LARS (You et al. 2017): weight decay, the trust ratio with coefficient
 * `trustCoefficient`, the learning rate, then momentum.
 *
 * @param learningRate A number or a schedule.
 * @param options `weightDecay` (0), `trustCoefficient` (0.001), `eps` (0), `momentum` (0.9), `nesterov` (false),
 *   `weightDecayMask` (all leaves; optax's `weight_decay_mask`: a tree of booleans like the params or a function params → one, true where weight decay applies), `trustRatioMask` (all leaves; likewise, where the trust ratio applies).
 * @returns The optimizer; `update` needs the params.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.lars(1);
 * const p = np.array([3, 4]);
 * assert.ok(((opt.update(np.array([1, 1]), opt.init(p), p)[0].toArray() as number[])[0]) < 0);
 * ```
 */
export function lars(
  learningRate: ScalarOrSchedule,
  options: {
    weightDecay?: number;
    trustCoefficient?: number;
    eps?: number;
    momentum?: number;
    nesterov?: boolean;
    weightDecayMask?: Mask;
    trustRatioMask?: Mask;
  } = {},
): Opt {
  checkOptions("optim.lars", options, [
    "weightDecay",
    "trustCoefficient",
    "eps",
    "momentum",
    "nesterov",
    "weightDecayMask",
    "trustRatioMask",
  ]);
  checkLearningRate("lars", learningRate);
  const trustRatio = scaleByTrustRatio({
    trustCoefficient: options.trustCoefficient ?? 0.001,
    eps: options.eps,
  });
  const trustMask = options.trustRatioMask;
  if (trustMask !== undefined) checkMask("lars", "trustRatioMask", trustMask);
  return checkedLeaves(
    "lars",
    chain(
      decayed("lars", options.weightDecay ?? 0, options.weightDecayMask, "weightDecayMask"),
      trustMask === undefined ? trustRatio : masked(trustRatio, trustMask),
      scaleByLearningRate(learningRate),
      trace({ decay: options.momentum ?? 0.9, nesterov: options.nesterov }),
    ),
  );
}

/**
 * Noisy SGD (Neelakantan et al. 2015): annealed Gaussian noise added to the gradient.
 *
 * @param learningRate A number or a schedule.
 * @param key A key for the noise.
 * @param options `eta` (0.01), `gamma` (0.55).
 * @returns The optimizer.
 *
 * @example
 * ```ts
 * import { np, optim, random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.noisySgd(0.1, random.key(0));
 * const [u] = opt.update(np.zeros([2]), opt.init(np.zeros([2])));
 * assert.ok((u.abs().max().item() as number) > 0);
 * ```
 */
export function noisySgd(
  learningRate: ScalarOrSchedule,
  key: NDArray,
  options: { eta?: number; gamma?: number } = {},
): Opt {
  checkOptions("optim.noisySgd", options, ["eta", "gamma"]);
  checkLearningRate("noisySgd", learningRate);
  return checkedLeaves(
    "noisySgd",
    chain(
      addNoise(options.eta ?? 0.01, options.gamma ?? 0.55, key),
      scaleByLearningRate(learningRate),
    ),
  );
}

/**
 * Optimistic gradient descent: `chain(scaleByOptimisticGradient, scaleByLearningRate)`.
 *
 * @param learningRate A number or a schedule.
 * @param options `alpha` (1), `beta` (1).
 * @returns The optimizer.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.optimisticGradientDescent(0.1);
 * const [u] = opt.update(np.array([1]), opt.init(np.zeros([1])));
 * assert.ok(Math.abs((u.item() as number) + 0.1) < 1e-7);
 * ```
 */
export function optimisticGradientDescent(
  learningRate: ScalarOrSchedule,
  options: { alpha?: number; beta?: number } = {},
): Opt {
  checkOptions("optim.optimisticGradientDescent", options, ["alpha", "beta"]);
  checkLearningRate("optimisticGradientDescent", learningRate);
  return checkedLeaves(
    "optimisticGradientDescent",
    chain(scaleByOptimisticGradient(options), scaleByLearningRate(learningRate)),
  );
}

/**
 * Rprop (Riedmiller & Braun 1993).
 *
 * @param learningRate The initial step size.
 * @param options As {@link scaleByRprop}.
 * @returns The optimizer.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.rprop(0.1);
 * assert.deepEqual(opt.update(np.array([2]), opt.init(np.zeros([1])))[0].toArray(), [-0]); // a step late, as optax
 * ```
 */
export function rprop(
  learningRate: number,
  options: { etaMinus?: number; etaPlus?: number; minStepSize?: number; maxStepSize?: number } = {},
): Opt {
  checkOptions("optim.rprop", options, ["etaMinus", "etaPlus", "minStepSize", "maxStepSize"]);
  return checkedLeaves("rprop", chain(scaleByRprop(learningRate, options), scale(-1)));
}

/**
 * Sign SGD: u = −lr · sign(g).
 *
 * @param learningRate A number or a schedule.
 * @returns The optimizer.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.signSgd(0.5);
 * assert.deepEqual(opt.update(np.array([-3, 2]), opt.init(np.zeros([2])))[0].toArray(), [0.5, -0.5]);
 * ```
 */
export function signSgd(learningRate: ScalarOrSchedule): Opt {
  checkLearningRate("signSgd", learningRate);
  return checkedLeaves("signSgd", chain(scaleBySign(), scaleByLearningRate(learningRate)));
}

/**
 * Signum: the sign of an exponential moving average of the gradients.
 *
 * @param learningRate A number or a schedule.
 * @param options `beta` (0.9).
 * @returns The optimizer.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.signum(0.5);
 * assert.deepEqual(opt.update(np.array([-3, 2]), opt.init(np.zeros([2])))[0].toArray(), [0.5, -0.5]);
 * ```
 */
export function signum(learningRate: ScalarOrSchedule, options: { beta?: number } = {}): Opt {
  checkOptions("optim.signum", options, ["beta"]);
  checkLearningRate("signum", learningRate);
  return checkedLeaves(
    "signum",
    chain(
      ema(options.beta ?? 0.9, { debias: false }),
      scaleBySign(),
      scaleByLearningRate(learningRate),
    ),
  );
}
