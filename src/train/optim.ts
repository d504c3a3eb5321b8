/**
 * Optimizers as gradient transformations, after optax: an optimizer is a pair
 * of pure functions `init(params) → state` and
 * `update(grads, state, params?) → [updates, state]` over pytrees, and
 * `applyUpdates(params, updates)` adds the updates to the parameters.
 *
 * States are plain pytrees (objects and arrays) of `NDArray`s, the step count
 * included as an int32 scalar, so they pass through `jit`, can be flattened with
 * `tree.flatten` and saved. Nothing is mutated: every update returns a new state.
 *
 * Optimizers are chains of small transforms, as in optax: `adam(lr)` is
 * `chain(scaleByAdam(), scaleByLearningRate(lr))`. Every learning rate is a
 * number or a schedule of the step count (see the `schedules` namespace); the
 * count comes from the state, so schedules work under `jit` too.
 *
 * @module
 */
import { checkOptions } from "../core/_validate.ts";
import { map } from "../core/tree.ts";
import { checkLearningRate } from "./_learning_rate.ts";
import { decayed } from "./_optax_util.ts";
import { checkedLeaves, checkSameTree } from "./_checks.ts";
import {
  addDecayedWeights,
  chain,
  type GradientTransformation,
  identity,
  type Mask,
  type ScalarOrSchedule,
  scaleByLearningRate,
} from "./_gradient_transformations.ts";
import {
  scaleByAdam,
  scaleByAdamax,
  scaleByLion,
  scaleByRms,
  scaleByRss,
  scaleByStddev,
  trace,
} from "./_gradient_moments.ts";

// `export *` (not a named list): deno doc drops named re-exports inside a namespace
export * from "./_gradient_transformations.ts";
export * from "./_gradient_moments.ts";
export * from "./_optax_transforms.ts";
export * from "./_optax_scaling.ts";
export * from "./_optax_wrappers.ts";
export * from "./_optax_step_wrappers.ts";
export * from "./_optax_aliases_adam.ts";
export * from "./_optax_aliases_sgd.ts";
export * from "./_optax_aliases_rms.ts";
export * from "./_optax_more.ts";
export * from "./_optax_linesearch.ts";
export * from "./_optax_zoom.ts";
export * from "./_optax_more_wrappers.ts";
export * from "./_optax_microbatch.ts";
export * from "./_optax_plateau.ts";

/**
 * Adds the updates to the parameters, keeping each parameter's dtype.
 *
 * @typeParam P The parameter tree type.
 * @param params The parameters.
 * @param updates Updates of the same structure (from an optimizer's `update`).
 * @returns The new parameters.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const p = optim.applyUpdates({ w: np.array([1, 2]) }, { w: np.array([0.5, -1]) });
 * assert.deepEqual(p.w.toArray(), [1.5, 1]);
 * ```
 */
export function applyUpdates<P>(params: P, updates: P): P {
  checkSameTree("optim.applyUpdates", "the updates", updates, "the params", params);
  // p ← p + u
  return map((p, u) => p.add(u).astype(p.dtype), params, updates);
}

// ---- optimizers -----------------------------------------------------------------------

/**
 * Stochastic gradient descent, with optional (Nesterov) momentum:
 * `chain(trace({ decay: momentum, nesterov }), scaleByLearningRate(learningRate))`.
 * Plain SGD (no momentum) is `u = −lr · g`.
 *
 * @param learningRate A number or a schedule of the step count.
 * @param options `momentum` (none by default) and `nesterov` (false).
 * @returns The optimizer.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.sgd(0.5);
 * let params = np.array([2]);
 * const state = opt.init(params);
 * const [updates] = opt.update(params.mul(2), state); // gradient of x² is 2x
 * params = optim.applyUpdates(params, updates);
 * assert.deepEqual(params.toArray(), [0]);
 * ```
 */
export function sgd(
  learningRate: ScalarOrSchedule,
  options: { momentum?: number; nesterov?: boolean } = {},
): GradientTransformation<unknown[]> {
  checkOptions("optim.sgd", options, ["momentum", "nesterov"]);
  checkLearningRate("sgd", learningRate);
  const momentum = options.momentum === undefined
    ? identity()
    : trace({ decay: options.momentum, nesterov: options.nesterov });
  return checkedLeaves("sgd", chain(momentum, scaleByLearningRate(learningRate)));
}

/**
 * Adagrad: `chain(scaleByRss({ initialAccumulatorValue, eps }), scaleByLearningRate(lr))`,
 * i.e. `s ← s + g²`, `u = −lr · g / √(s + eps)`.
 *
 * @param learningRate A number or a schedule of the step count.
 * @param options `initialAccumulatorValue` (0.1) and `eps` (1e-7).
 * @returns The optimizer.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.adagrad(1, { initialAccumulatorValue: 0, eps: 0 });
 * const [u] = opt.update(np.array([-4]), opt.init(np.zeros([1])));
 * assert.deepEqual(u.toArray(), [1]);
 * ```
 */
export function adagrad(
  learningRate: ScalarOrSchedule,
  options: { initialAccumulatorValue?: number; eps?: number } = {},
): GradientTransformation<unknown[]> {
  checkOptions("optim.adagrad", options, ["initialAccumulatorValue", "eps"]);
  checkLearningRate("adagrad", learningRate);
  return checkedLeaves("adagrad", chain(scaleByRss(options), scaleByLearningRate(learningRate)));
}

/**
 * RMSProp (Hinton): `v ← decay v + (1 − decay) g²`, `u = −lr · g / √(v + eps)`;
 * `centered` subtracts the squared mean gradient from v; `momentum` adds a
 * trace after the learning rate (as optax). Chain:
 * `scaleByRms | scaleByStddev`, `scaleByLearningRate`, optional `trace`.
 *
 * @param learningRate A number or a schedule of the step count.
 * @param options `decay` (0.9), `eps` (1e-8), `initialScale` (0), `centered` (false),
 *   `momentum` (none), `nesterov` (false).
 * @returns The optimizer.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.rmsprop(1, { decay: 0.75, eps: 0 });
 * const [u] = opt.update(np.array([4]), opt.init(np.zeros([1])));
 * assert.deepEqual(u.toArray(), [-2]); // 4 / √(0.25 · 16)
 * ```
 */
export function rmsprop(
  learningRate: ScalarOrSchedule,
  options: {
    decay?: number;
    eps?: number;
    initialScale?: number;
    centered?: boolean;
    momentum?: number;
    nesterov?: boolean;
  } = {},
): GradientTransformation<unknown[]> {
  checkOptions("optim.rmsprop", options, [
    "decay",
    "eps",
    "initialScale",
    "centered",
    "momentum",
    "nesterov",
  ]);
  checkLearningRate("rmsprop", learningRate);
  const rms = { decay: options.decay, eps: options.eps, initialScale: options.initialScale };
  const scaling = options.centered ? scaleByStddev(rms) : scaleByRms(rms);
  const momentum = options.momentum === undefined
    ? identity()
    : trace({ decay: options.momentum, nesterov: options.nesterov });
  return checkedLeaves("rmsprop", chain(scaling, scaleByLearningRate(learningRate), momentum));
}

/**
 * Adam (Kingma & Ba 2015): `chain(scaleByAdam({ b1, b2, eps }), scaleByLearningRate(lr))`:
 * `m ← b1 m + (1 − b1) g`, `v ← b2 v + (1 − b2) g²`,
 * `u = −lr · m̂ / (√v̂ + eps)` with `m̂ = m / (1 − b1^t)`, `v̂ = v / (1 − b2^t)`, t = 1, 2, ...
 *
 * @param learningRate A number or a schedule of the step count.
 * @param options `b1` (0.9), `b2` (0.999), `eps` (1e-8), `epsRoot` (0).
 * @returns The optimizer.
 *
 * @example
 * ```ts
 * import { grad, np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const loss = (p: { w: np.NDArray }) => p.w.square().sum();
 * const opt = optim.adam(0.1);
 * let params = { w: np.array([1, -1]) };
 * let state = opt.init(params);
 * for (let i = 0; i < 3; i++) {
 *   const [updates, next] = opt.update(grad(loss)(params), state, params);
 *   params = optim.applyUpdates(params, updates);
 *   state = next;
 * }
 * // Adam's first steps have size ≈ lr each, against the gradient's sign
 * assert.ok(Math.abs((params.w.toArray() as number[])[0] - 0.7) < 0.01);
 * ```
 */
export function adam(
  learningRate: ScalarOrSchedule,
  options: { b1?: number; b2?: number; eps?: number; epsRoot?: number } = {},
): GradientTransformation<unknown[]> {
  checkOptions("optim.adam", options, ["b1", "b2", "eps", "epsRoot"]);
  checkLearningRate("adam", learningRate);
  return checkedLeaves("adam", chain(scaleByAdam(options), scaleByLearningRate(learningRate)));
}

/**
 * AdamW (Loshchilov & Hutter 2019): Adam with decoupled weight decay,
 * `u = −lr · (m̂ / (√v̂ + eps) + weightDecay · p)`; `update` needs the params.
 * Chain: `scaleByAdam`, `addDecayedWeights(weightDecay)`, `scaleByLearningRate`.
 *
 * @param learningRate A number or a schedule of the step count.
 * @param options `b1` (0.9), `b2` (0.999), `eps` (1e-8), `epsRoot` (0), `weightDecay` (1e-4),
 *   `mask` (all leaves): where to decay, as optax's `mask` — a tree of booleans like the params
 *   (a boolean on a subtree covers its leaves) or a function params → such a tree; leaves
 *   marked false get plain Adam steps.
 * @returns The optimizer.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.adamw(0.1, { weightDecay: 0.5 });
 * const params = np.array([2]);
 * // a zero gradient leaves only the decay: −0.1 · 0.5 · 2
 * const [u] = opt.update(np.array([0]), opt.init(params), params);
 * assert.ok(Math.abs((u.item() as number) + 0.1) < 1e-7);
 *
 * // decay the weights but not the biases (here chosen by a function of the params)
 * const masked = optim.adamw(0.1, {
 *   weightDecay: 0.5,
 *   mask: (p: { w: np.NDArray; b: np.NDArray }) => ({ w: p.w.ndim > 1, b: p.b.ndim > 1 }),
 * });
 * const p = { w: np.ones([1, 1]), b: np.ones([1]) };
 * const [v] = masked.update({ w: np.zeros([1, 1]), b: np.zeros([1]) }, masked.init(p), p);
 * assert.ok(Math.abs((v.w.item() as number) + 0.05) < 1e-7);
 * assert.ok(v.b.item() === 0); // the bias only gets Adam's step, 0 for a zero gradient
 * ```
 */
export function adamw(
  learningRate: ScalarOrSchedule,
  options: {
    b1?: number;
    b2?: number;
    eps?: number;
    epsRoot?: number;
    weightDecay?: number;
    mask?: Mask;
  } = {},
): GradientTransformation<unknown[]> {
  checkOptions("optim.adamw", options, ["b1", "b2", "eps", "epsRoot", "weightDecay", "mask"]);
  checkLearningRate("adamw", learningRate);
  return checkedLeaves(
    "adamw",
    chain(
      scaleByAdam({ b1: options.b1, b2: options.b2, eps: options.eps, epsRoot: options.epsRoot }),
      // with a mask, errors about it name adamw (decayed is addDecayedWeights under another name)
      options.mask === undefined
        ? addDecayedWeights(options.weightDecay ?? 1e-4)
        : decayed("adamw", options.weightDecay ?? 1e-4, options.mask),
      scaleByLearningRate(learningRate),
    ),
  );
}

/**
 * Adamax (Kingma & Ba 2015, §7.1): `m ← b1 m + (1 − b1) g`, `v ← max(b2 v, |g| + eps)`,
 * `u = −lr · m / ((1 − b1^t) v)`. Chain: `scaleByAdamax`, `scaleByLearningRate`.
 *
 * @param learningRate A number or a schedule of the step count.
 * @param options `b1` (0.9), `b2` (0.999), `eps` (1e-8).
 * @returns The optimizer.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.adamax(0.1, { eps: 0 });
 * const [u] = opt.update(np.array([5]), opt.init(np.zeros([1])));
 * assert.ok(Math.abs((u.item() as number) + 0.1) < 1e-7);
 * ```
 */
export function adamax(
  learningRate: ScalarOrSchedule,
  options: { b1?: number; b2?: number; eps?: number } = {},
): GradientTransformation<unknown[]> {
  checkOptions("optim.adamax", options, ["b1", "b2", "eps"]);
  checkLearningRate("adamax", learningRate);
  return checkedLeaves("adamax", chain(scaleByAdamax(options), scaleByLearningRate(learningRate)));
}

/**
 * Lion (Chen et al. 2023): `u = −lr · (sign((1 − b1) g + b1 m) + weightDecay · p)`, then
 * `m ← b2 m + (1 − b2) g`; `update` needs the params when `weightDecay` > 0.
 * Chain: `scaleByLion`, `addDecayedWeights(weightDecay)`, `scaleByLearningRate`.
 *
 * @param learningRate A number or a schedule of the step count.
 * @param options `b1` (0.9), `b2` (0.99), `weightDecay` (1e-3),
 *   `mask` (all leaves; optax's `mask`: a tree of booleans like the params or a function params → one, true where weight decay applies).
 * @returns The optimizer.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.lion(0.01, { weightDecay: 0 });
 * const params = np.array([1, 1]);
 * const [u] = opt.update(np.array([0.2, -30]), opt.init(params), params);
 * assert.deepEqual(u.toArray(), [-0.009999999776482582, 0.009999999776482582]);
 * ```
 */
export function lion(
  learningRate: ScalarOrSchedule,
  options: { b1?: number; b2?: number; weightDecay?: number; mask?: Mask } = {},
): GradientTransformation<unknown[]> {
  checkOptions("optim.lion", options, ["b1", "b2", "weightDecay", "mask"]);
  checkLearningRate("lion", learningRate);
  const weightDecay = options.weightDecay ?? 1e-3;
  return checkedLeaves(
    "lion",
    chain(
      scaleByLion({ b1: options.b1, b2: options.b2 }),
      options.mask !== undefined
        ? decayed("lion", weightDecay, options.mask)
        : weightDecay === 0
        ? identity()
        : addDecayedWeights(weightDecay),
      scaleByLearningRate(learningRate),
    ),
  );
}
