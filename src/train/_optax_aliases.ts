/**
 * More of optax's named optimizers, each a chain of the blocks in
 * `_optax_transforms.ts` and `_gradient_transformations.ts`, with optax's
 * defaults. Re-exported by `optim.ts`.
 *
 * @module
 */
import { checkOptions } from "../core/_validate.ts";
import type { NDArray } from "../core/_ndarray.ts";
import { map } from "../core/tree.ts";
import {
  chain,
  type GradientTransformation,
  type ScalarOrSchedule,
  scale,
  scaleByLearningRate,
} from "./_gradient_transformations.ts";
import { scaleByAdamax, trace } from "./_gradient_moments.ts";
import { checkLearningRate } from "./_learning_rate.ts";
import {
  type AdamLikeOptions,
  scaleByAdadelta,
  scaleByAdan,
  scaleByAmsgrad,
  scaleByBelief,
  scaleByNadam,
  scaleByNovograd,
  scaleByRadam,
  scaleByYogi,
} from "./_optax_transforms.ts";
import {
  addNoise,
  clipByBlockRms,
  ema,
  scaleByFactoredRms,
  scaleByOptimisticGradient,
  scaleByParamBlockRms,
  scaleByRprop,
  scaleBySign,
  scaleByTrustRatio,
} from "./_optax_scaling.ts";
import { needParams } from "./_optax_util.ts";

/** u ← u + w·p (optax's add_decayed_weights; w may be negative, as Fromage needs). */
function decayed(op: string, w: number): GradientTransformation<null> {
  return {
    init: () => null,
    update(updates, state, params) {
      if (w === 0) return [updates, state];
      needParams(op, params);
      return [map((u, p) => u.add(p.mul(w)), updates, params as typeof updates), state];
    },
  };
}

type Opt = GradientTransformation<unknown[]>;

/**
 * AdaBelief (Zhuang et al. 2020): `chain(scaleByBelief, scaleByLearningRate)`.
 *
 * @param learningRate A number or a schedule.
 * @param options As {@link scaleByBelief}.
 * @returns The optimizer.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.adabelief(0.1);
 * const [u] = opt.update(np.array([2]), opt.init(np.zeros([1])));
 * assert.ok((u.item() as number) < 0);
 * ```
 */
export function adabelief(learningRate: ScalarOrSchedule, options: AdamLikeOptions = {}): Opt {
  checkOptions("optim.adabelief", options, ["b1", "b2", "eps", "epsRoot", "nesterov"]);
  checkLearningRate("adabelief", learningRate);
  return chain(scaleByBelief(options), scaleByLearningRate(learningRate));
}

/**
 * AdaDelta (Zeiler 2012), with optional weight decay added to the gradient first.
 *
 * @param learningRate A number or a schedule (1 is AdaDelta's own).
 * @param options `rho` (0.9), `eps` (1e-6), `weightDecay` (0).
 * @returns The optimizer.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.adadelta(1);
 * const p = np.zeros([1]);
 * assert.ok((opt.update(np.array([2]), opt.init(p), p)[0].item() as number) < 0);
 * ```
 */
export function adadelta(
  learningRate: ScalarOrSchedule,
  options: { rho?: number; eps?: number; weightDecay?: number } = {},
): Opt {
  checkOptions("optim.adadelta", options, ["rho", "eps", "weightDecay"]);
  checkLearningRate("adadelta", learningRate);
  return chain(
    decayed("adadelta", options.weightDecay ?? 0),
    scaleByAdadelta(options),
    scaleByLearningRate(learningRate),
  );
}

/**
 * Adafactor (Shazeer & Stern 2018): factored second moments, block-RMS
 * clipping, the step scaled by each parameter's RMS, optional momentum and
 * weight decay, as optax's `adafactor`.
 *
 * @param learningRate A number or a schedule (null: none, as optax).
 * @param options `minDimSizeToFactor` (128), `decayRate` (0.8), `decayOffset` (0),
 * `multiplyByParameterScale` (true), `clippingThreshold` (1; null for none),
 * `momentum` (none), `weightDecayRate` (none), `eps` (1e-30), `factored` (true).
 * @returns The optimizer.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.adafactor(0.1);
 * const p = np.ones([2]);
 * assert.ok(((opt.update(np.array([2, 2]), opt.init(p), p)[0].toArray() as number[])[0]) < 0);
 * ```
 */
export function adafactor(
  learningRate: ScalarOrSchedule | null = null,
  options: {
    minDimSizeToFactor?: number;
    decayRate?: number;
    decayOffset?: number;
    multiplyByParameterScale?: boolean;
    clippingThreshold?: number | null;
    momentum?: number;
    weightDecayRate?: number;
    eps?: number;
    factored?: boolean;
  } = {},
): Opt {
  checkOptions("optim.adafactor", options, [
    "minDimSizeToFactor",
    "decayRate",
    "decayOffset",
    "multiplyByParameterScale",
    "clippingThreshold",
    "momentum",
    "weightDecayRate",
    "eps",
    "factored",
  ]);
  const txs: GradientTransformation[] = [
    scaleByFactoredRms({
      factored: options.factored,
      decayRate: options.decayRate,
      stepOffset: options.decayOffset,
      minDimSizeToFactor: options.minDimSizeToFactor,
      eps: options.eps,
    }),
  ];
  const clipAt = options.clippingThreshold === undefined ? 1 : options.clippingThreshold;
  if (clipAt !== null) txs.push(clipByBlockRms(clipAt));
  if (learningRate !== null) {
    checkLearningRate("adafactor", learningRate);
    // scale by +lr (the final scale(−1) flips the sign)
    txs.push(
      typeof learningRate === "number"
        ? scale(learningRate)
        : chain(scaleByLearningRate(learningRate), scale(-1)),
    );
  }
  if (options.multiplyByParameterScale ?? true) txs.push(scaleByParamBlockRms());
  if (options.momentum !== undefined) txs.push(ema(options.momentum, { debias: false }));
  if (options.weightDecayRate !== undefined) {
    txs.push(decayed("adafactor", options.weightDecayRate));
  }
  txs.push(scale(-1));
  return chain(...txs);
}

/**
 * AdamaxW: Adamax with decoupled weight decay.
 *
 * @param learningRate A number or a schedule.
 * @param options `b1` (0.9), `b2` (0.999), `eps` (1e-8), `weightDecay` (1e-4).
 * @returns The optimizer; `update` needs the params.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.adamaxw(0.1);
 * const p = np.ones([1]);
 * assert.ok((opt.update(np.array([2]), opt.init(p), p)[0].item() as number) < 0);
 * ```
 */
export function adamaxw(
  learningRate: ScalarOrSchedule,
  options: { b1?: number; b2?: number; eps?: number; weightDecay?: number } = {},
): Opt {
  checkOptions("optim.adamaxw", options, ["b1", "b2", "eps", "weightDecay"]);
  checkLearningRate("adamaxw", learningRate);
  const { weightDecay = 1e-4, ...rest } = options;
  return chain(
    scaleByAdamax(rest),
    decayed("adamaxw", weightDecay),
    scaleByLearningRate(learningRate),
  );
}

/**
 * Adan (Xie et al. 2022), with decoupled weight decay.
 *
 * @param learningRate A number or a schedule.
 * @param options As {@link scaleByAdan}, plus `weightDecay` (0).
 * @returns The optimizer.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.adan(0.1);
 * assert.ok((opt.update(np.array([2]), opt.init(np.zeros([1])))[0].item() as number) < 0);
 * ```
 */
export function adan(
  learningRate: ScalarOrSchedule,
  options: {
    b1?: number;
    b2?: number;
    b3?: number;
    eps?: number;
    epsRoot?: number;
    weightDecay?: number;
  } = {},
): Opt {
  checkOptions("optim.adan", options, ["b1", "b2", "b3", "eps", "epsRoot", "weightDecay"]);
  checkLearningRate("adan", learningRate);
  const { weightDecay = 0, ...rest } = options;
  return chain(scaleByAdan(rest), decayed("adan", weightDecay), scaleByLearningRate(learningRate));
}

/**
 * AMSGrad (Reddi et al. 2018).
 *
 * @param learningRate A number or a schedule.
 * @param options As {@link scaleByAmsgrad}.
 * @returns The optimizer.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.amsgrad(0.1);
 * const [u] = opt.update(np.array([2]), opt.init(np.zeros([1])));
 * assert.ok(Math.abs((u.item() as number) + 0.1) < 1e-6);
 * ```
 */
export function amsgrad(learningRate: ScalarOrSchedule, options: AdamLikeOptions = {}): Opt {
  checkOptions("optim.amsgrad", options, ["b1", "b2", "eps", "epsRoot", "nesterov"]);
  checkLearningRate("amsgrad", learningRate);
  return chain(scaleByAmsgrad(options), scaleByLearningRate(learningRate));
}

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
  return chain(
    scaleByTrustRatio({ minNorm: options.minNorm ?? 1e-6 }),
    scaleByLearningRate(learningRate * mult),
    decayed("fromage", mult - 1),
  );
}

/**
 * LAMB (You et al. 2020): Adam, decoupled weight decay, then the layer-wise trust ratio.
 *
 * @param learningRate A number or a schedule.
 * @param options `b1` (0.9), `b2` (0.999), `eps` (1e-6), `epsRoot` (0), `weightDecay` (0).
 * @returns The optimizer; `update` needs the params.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.lamb(0.1);
 * const p = np.array([3, 4]);
 * assert.ok(((opt.update(np.array([1, 1]), opt.init(p), p)[0].toArray() as number[])[0]) < 0);
 * ```
 */
export function lamb(
  learningRate: ScalarOrSchedule,
  options: { b1?: number; b2?: number; eps?: number; epsRoot?: number; weightDecay?: number } = {},
): Opt {
  checkOptions("optim.lamb", options, ["b1", "b2", "eps", "epsRoot", "weightDecay"]);
  checkLearningRate("lamb", learningRate);
  const { weightDecay = 0, eps = 1e-6, ...rest } = options;
  return chain(
    scaleByNadam({ ...rest, eps, nesterov: false }),
    decayed("lamb", weightDecay),
    scaleByTrustRatio(),
    scaleByLearningRate(learningRate),
  );
}

/**
 * LARS (You et al. 2017): weight decay, the trust ratio with coefficient
 * `trustCoefficient`, the learning rate, then momentum.
 *
 * @param learningRate A number or a schedule.
 * @param options `weightDecay` (0), `trustCoefficient` (0.001), `eps` (0), `momentum` (0.9), `nesterov` (false).
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
  } = {},
): Opt {
  checkOptions("optim.lars", options, [
    "weightDecay",
    "trustCoefficient",
    "eps",
    "momentum",
    "nesterov",
  ]);
  checkLearningRate("lars", learningRate);
  return chain(
    decayed("lars", options.weightDecay ?? 0),
    scaleByTrustRatio({ trustCoefficient: options.trustCoefficient ?? 0.001, eps: options.eps }),
    scaleByLearningRate(learningRate),
    trace({ decay: options.momentum ?? 0.9, nesterov: options.nesterov }),
  );
}

/**
 * NAdam (Dozat 2016): Adam with Nesterov momentum.
 *
 * @param learningRate A number or a schedule.
 * @param options `b1` (0.9), `b2` (0.999), `eps` (1e-8), `epsRoot` (0).
 * @returns The optimizer.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.nadam(0.1);
 * assert.ok((opt.update(np.array([2]), opt.init(np.zeros([1])))[0].item() as number) < 0);
 * ```
 */
export function nadam(learningRate: ScalarOrSchedule, options: AdamLikeOptions = {}): Opt {
  checkOptions("optim.nadam", options, ["b1", "b2", "eps", "epsRoot", "nesterov"]);
  checkLearningRate("nadam", learningRate);
  return chain(scaleByNadam({ ...options, nesterov: true }), scaleByLearningRate(learningRate));
}

/**
 * NAdamW: NAdam with decoupled weight decay.
 *
 * @param learningRate A number or a schedule.
 * @param options As {@link nadam}, plus `weightDecay` (1e-4).
 * @returns The optimizer; `update` needs the params.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.nadamw(0.1);
 * const p = np.ones([1]);
 * assert.ok((opt.update(np.array([2]), opt.init(p), p)[0].item() as number) < 0);
 * ```
 */
export function nadamw(
  learningRate: ScalarOrSchedule,
  options: AdamLikeOptions & { weightDecay?: number } = {},
): Opt {
  checkOptions("optim.nadamw", options, ["b1", "b2", "eps", "epsRoot", "nesterov", "weightDecay"]);
  checkLearningRate("nadamw", learningRate);
  const { weightDecay = 1e-4, ...rest } = options;
  return chain(
    scaleByNadam({ ...rest, nesterov: true }),
    decayed("nadamw", weightDecay),
    scaleByLearningRate(learningRate),
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
  return chain(
    addNoise(options.eta ?? 0.01, options.gamma ?? 0.55, key),
    scaleByLearningRate(learningRate),
  );
}

/**
 * NovoGrad (Ginsburg et al. 2019).
 *
 * @param learningRate A number or a schedule.
 * @param options `b1` (0.9), `b2` (0.25), `eps` (1e-6), `epsRoot` (0), `weightDecay` (0).
 * @returns The optimizer; `update` needs the params.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.novograd(0.1);
 * const p = np.zeros([2]);
 * assert.ok(((opt.update(np.array([3, 4]), opt.init(p), p)[0].toArray() as number[])[0]) < 0);
 * ```
 */
export function novograd(
  learningRate: ScalarOrSchedule,
  options: { b1?: number; b2?: number; eps?: number; epsRoot?: number; weightDecay?: number } = {},
): Opt {
  checkOptions("optim.novograd", options, ["b1", "b2", "eps", "epsRoot", "weightDecay"]);
  checkLearningRate("novograd", learningRate);
  return chain(scaleByNovograd({ eps: 1e-6, ...options }), scaleByLearningRate(learningRate));
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
  return chain(scaleByOptimisticGradient(options), scaleByLearningRate(learningRate));
}

/**
 * Optimistic Adam (optax's `optimistic_adam_v2`): NAdam's scaling, then the optimistic gradient.
 *
 * @param learningRate A number or a schedule.
 * @param options `alpha` (1), `beta` (1), and Adam's `b1`, `b2`, `eps`, `epsRoot`, `nesterov` (true).
 * @returns The optimizer.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.optimisticAdam(0.1);
 * assert.ok((opt.update(np.array([2]), opt.init(np.zeros([1])))[0].item() as number) < 0);
 * ```
 */
export function optimisticAdam(
  learningRate: ScalarOrSchedule,
  options: AdamLikeOptions & { alpha?: number; beta?: number } = {},
): Opt {
  checkOptions("optim.optimisticAdam", options, [
    "b1",
    "b2",
    "eps",
    "epsRoot",
    "nesterov",
    "alpha",
    "beta",
  ]);
  checkLearningRate("optimisticAdam", learningRate);
  const { alpha, beta, nesterov = true, ...rest } = options;
  return chain(
    scaleByNadam({ ...rest, nesterov }),
    scaleByOptimisticGradient({ alpha, beta }),
    scaleByLearningRate(learningRate),
  );
}

/**
 * RAdam (Liu et al. 2020).
 *
 * @param learningRate A number or a schedule.
 * @param options As {@link scaleByRadam}.
 * @returns The optimizer.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.radam(0.1);
 * const [u] = opt.update(np.array([2]), opt.init(np.zeros([1])));
 * assert.ok(Math.abs((u.item() as number) + 0.2) < 1e-6); // momentum SGD while ρ_t < 5
 * ```
 */
export function radam(
  learningRate: ScalarOrSchedule,
  options: AdamLikeOptions & { threshold?: number } = {},
): Opt {
  checkOptions("optim.radam", options, ["b1", "b2", "eps", "epsRoot", "nesterov", "threshold"]);
  checkLearningRate("radam", learningRate);
  return chain(scaleByRadam(options), scaleByLearningRate(learningRate));
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
  return chain(scaleByRprop(learningRate, options), scale(-1));
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
  return chain(scaleBySign(), scaleByLearningRate(learningRate));
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
  return chain(
    ema(options.beta ?? 0.9, { debias: false }),
    scaleBySign(),
    scaleByLearningRate(learningRate),
  );
}

/**
 * Yogi (Zaheer et al. 2018).
 *
 * @param learningRate A number or a schedule.
 * @param options `b1` (0.9), `b2` (0.999), `eps` (1e-3).
 * @returns The optimizer.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.yogi(0.1);
 * assert.ok((opt.update(np.array([2]), opt.init(np.zeros([1])))[0].item() as number) < 0);
 * ```
 */
export function yogi(
  learningRate: ScalarOrSchedule,
  options: { b1?: number; b2?: number; eps?: number } = {},
): Opt {
  checkOptions("optim.yogi", options, ["b1", "b2", "eps"]);
  checkLearningRate("yogi", learningRate);
  return chain(scaleByYogi(options), scaleByLearningRate(learningRate));
}
