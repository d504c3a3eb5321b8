/**
 * optax's named optimizers of the Adam family, each a chain of Adam-like moment
 * scalings (`_gradient_moments.ts`, `_optax_transforms.ts`) and the learning rate,
 * with optax's defaults: AdaBelief, AdamaxW, Adan, AMSGrad, LAMB, NAdam, NAdamW,
 * NovoGrad, optimistic Adam, RAdam and Yogi. Re-exported by `optim.ts`.
 *
 * @module
 */
import { checkOptions } from "../core/_validate.ts";
import {
  chain,
  type GradientTransformation,
  type Mask,
  type ScalarOrSchedule,
  scaleByLearningRate,
} from "./_gradient_transformations.ts";
import { scaleByAdamax } from "./_gradient_moments.ts";
import { checkLearningRate } from "./_learning_rate.ts";
import {
  type AdamLikeOptions,
  scaleByAdan,
  scaleByAmsgrad,
  scaleByBelief,
  scaleByNadam,
  scaleByNovograd,
  scaleByRadam,
  scaleByYogi,
} from "./_optax_transforms.ts";
import { scaleByOptimisticGradient, scaleByTrustRatio } from "./_optax_scaling.ts";
import { decayed } from "./_optax_util.ts";
import { checkedLeaves } from "./_checks.ts";

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
  return checkedLeaves(
    "adabelief",
    chain(scaleByBelief(options), scaleByLearningRate(learningRate)),
  );
}

/**
 * AdamaxW: Adamax with decoupled weight decay.
 *
 * @param learningRate A number or a schedule.
 * @param options `b1` (0.9), `b2` (0.999), `eps` (1e-8), `weightDecay` (1e-4),
 *   `mask` (all leaves; optax's `mask`: a tree of booleans like the params or a function params → one, true where weight decay applies).
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
  options: { b1?: number; b2?: number; eps?: number; weightDecay?: number; mask?: Mask } = {},
): Opt {
  checkOptions("optim.adamaxw", options, ["b1", "b2", "eps", "weightDecay", "mask"]);
  checkLearningRate("adamaxw", learningRate);
  const { weightDecay = 1e-4, mask, ...rest } = options;
  return checkedLeaves(
    "adamaxw",
    chain(
      scaleByAdamax(rest),
      decayed("adamaxw", weightDecay, mask),
      scaleByLearningRate(learningRate),
    ),
  );
}

/**
 * Adan (Xie et al. 2022), with decoupled weight decay.
 *
 * @param learningRate A number or a schedule.
 * @param options As {@link scaleByAdan}, plus `weightDecay` (0) and
 *   `mask` (all leaves; optax's `mask`: a tree of booleans like the params or a function params → one, true where weight decay applies).
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
    mask?: Mask;
  } = {},
): Opt {
  checkOptions("optim.adan", options, ["b1", "b2", "b3", "eps", "epsRoot", "weightDecay", "mask"]);
  checkLearningRate("adan", learningRate);
  const { weightDecay = 0, mask, ...rest } = options;
  return checkedLeaves(
    "adan",
    chain(
      scaleByAdan(rest),
      decayed("adan", weightDecay, mask),
      scaleByLearningRate(learningRate),
    ),
  );
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
  return checkedLeaves(
    "amsgrad",
    chain(scaleByAmsgrad(options), scaleByLearningRate(learningRate)),
  );
}

/**
 * LAMB (You et al. 2020): Adam, decoupled weight decay, then the layer-wise trust ratio.
 *
 * @param learningRate A number or a schedule.
 * @param options `b1` (0.9), `b2` (0.999), `eps` (1e-6), `epsRoot` (0), `weightDecay` (0),
 *   `mask` (all leaves; optax's `mask`: a tree of booleans like the params or a function params → one, true where weight decay applies).
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
  options: {
    b1?: number;
    b2?: number;
    eps?: number;
    epsRoot?: number;
    weightDecay?: number;
    mask?: Mask;
  } = {},
): Opt {
  checkOptions("optim.lamb", options, ["b1", "b2", "eps", "epsRoot", "weightDecay", "mask"]);
  checkLearningRate("lamb", learningRate);
  const { weightDecay = 0, eps = 1e-6, mask, ...rest } = options;
  return checkedLeaves(
    "lamb",
    chain(
      scaleByNadam({ ...rest, eps, nesterov: false }),
      decayed("lamb", weightDecay, mask),
      scaleByTrustRatio(),
      scaleByLearningRate(learningRate),
    ),
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
  return checkedLeaves(
    "nadam",
    chain(scaleByNadam({ ...options, nesterov: true }), scaleByLearningRate(learningRate)),
  );
}

/**
 * NAdamW: NAdam with decoupled weight decay.
 *
 * @param learningRate A number or a schedule.
 * @param options As {@link nadam}, plus `weightDecay` (1e-4) and
 *   `mask` (all leaves; optax's `mask`: a tree of booleans like the params or a function params → one, true where weight decay applies).
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
  options: AdamLikeOptions & { weightDecay?: number; mask?: Mask } = {},
): Opt {
  checkOptions("optim.nadamw", options, [
    "b1",
    "b2",
    "eps",
    "epsRoot",
    "nesterov",
    "weightDecay",
    "mask",
  ]);
  checkLearningRate("nadamw", learningRate);
  const { weightDecay = 1e-4, mask, ...rest } = options;
  return checkedLeaves(
    "nadamw",
    chain(
      scaleByNadam({ ...rest, nesterov: true }),
      decayed("nadamw", weightDecay, mask),
      scaleByLearningRate(learningRate),
    ),
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
  return checkedLeaves(
    "novograd",
    chain(scaleByNovograd({ eps: 1e-6, ...options }), scaleByLearningRate(learningRate)),
  );
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
  return checkedLeaves(
    "optimisticAdam",
    chain(
      scaleByNadam({ ...rest, nesterov }),
      scaleByOptimisticGradient({ alpha, beta }),
      scaleByLearningRate(learningRate),
    ),
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
  return checkedLeaves("radam", chain(scaleByRadam(options), scaleByLearningRate(learningRate)));
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
  return checkedLeaves("yogi", chain(scaleByYogi(options), scaleByLearningRate(learningRate)));
}
