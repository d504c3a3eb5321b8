/**
 * optax's named optimizers that scale by running RMS estimates and need no tuned
 * learning rate: AdaDelta (RMS of past updates over RMS of past gradients) and
 * Adafactor (factored second moments, steps relative to each parameter's scale),
 * with optax's defaults. Re-exported by `optim.ts`.
 *
 * @module
 */
import { checkOptions } from "../core/_validate.ts";
import {
  chain,
  type GradientTransformation,
  type Mask,
  type ScalarOrSchedule,
  scale,
  scaleByLearningRate,
} from "./_gradient_transformations.ts";
import { checkLearningRate } from "./_learning_rate.ts";
import { scaleByAdadelta } from "./_optax_transforms.ts";
import { clipByBlockRms, ema, scaleByFactoredRms, scaleByParamBlockRms } from "./_optax_scaling.ts";
import { decayed } from "./_optax_util.ts";
import { checkedLeaves } from "./_checks.ts";

type Opt = GradientTransformation<unknown[]>;

/**
 * AdaDelta (Zeiler 2012), with optional weight decay added to the gradient first.
 *
 * @param learningRate A number or a schedule (1 is AdaDelta's own).
 * @param options `rho` (0.9), `eps` (1e-6), `weightDecay` (0),
 *   `weightDecayMask` (all leaves; optax's `weight_decay_mask`: a tree of booleans like the params or a function params → one, true where weight decay applies).
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
  options: { rho?: number; eps?: number; weightDecay?: number; weightDecayMask?: Mask } = {},
): Opt {
  checkOptions("optim.adadelta", options, ["rho", "eps", "weightDecay", "weightDecayMask"]);
  checkLearningRate("adadelta", learningRate);
  return checkedLeaves(
    "adadelta",
    chain(
      decayed("adadelta", options.weightDecay ?? 0, options.weightDecayMask, "weightDecayMask"),
      scaleByAdadelta({ rho: options.rho, eps: options.eps }),
      scaleByLearningRate(learningRate),
    ),
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
 * `momentum` (none), `weightDecayRate` (none), `weightDecayMask` (all leaves; optax's `weight_decay_mask`: a tree of booleans like the params or a function params → one, true where `weightDecayRate` applies),
 * `eps` (1e-30), `factored` (true).
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
    weightDecayMask?: Mask;
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
    "weightDecayMask",
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
    txs.push(
      decayed("adafactor", options.weightDecayRate, options.weightDecayMask, "weightDecayMask"),
    );
  }
  txs.push(scale(-1));
  return checkedLeaves("adafactor", chain(...txs));
}
