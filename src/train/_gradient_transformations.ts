/**
 * The gradient transformations that optimizers are chained from (after optax's
 * `scale_by_*` transforms, `trace`, `chain`, the clipping transforms and
 * `add_decayed_weights`), and the types they share. Re-exported by `optim.ts`.
 *
 * Each transform is a pair of pure functions over pytrees; states are plain
 * pytrees of arrays (step counts as int32 scalars). Nothing is mutated.
 */
import { checkOptions } from "../core/_validate.ts";
import type { NDArray } from "../core/_ndarray.ts";
import * as np from "../numpy/numpy.ts";
import { leaves, map } from "../core/tree.ts";
import { checkSameTree, checkState } from "./_checks.ts";
import { checkLearningRate } from "./_learning_rate.ts";

/** A learning rate schedule as optimizers consume it: int32 step count → float rate. */
export type StepSchedule = (step: NDArray) => NDArray;

/** A learning rate: a constant, or a schedule of the step count. */
export type ScalarOrSchedule = number | StepSchedule;

/**
 * A gradient transformation (optax's `GradientTransformation`): `init` builds
 * the state for some parameters, `update` maps incoming updates (gradients at
 * first) and a state to outgoing updates and the next state.
 *
 * @typeParam S The state: a pytree of arrays.
 */
export interface GradientTransformation<S = unknown> {
  /** Builds the initial state for `params`. */
  init(params: unknown): S;
  /**
   * Transforms `updates` (same structure as the params) given the state, the params when
   * needed, and the objective's value, gradient or function for the transforms that need
   * them (optax's `GradientTransformationExtraArgs`, e.g. line searches).
   */
  update<U>(updates: U, state: S, params?: unknown, extra?: ExtraArgs): [U, S];
}

/**
 * What optax passes as keyword arguments to an `update` that needs more than the
 * gradients: `value` = f(params), `grad` = ∇f(params) and `valueFn` = f itself
 * (line searches evaluate it at trial points; close over any data it needs).
 * `chain` and the wrappers pass them on to every inner transform.
 */
export interface ExtraArgs {
  /** The objective's value at the current params (a scalar). */
  readonly value?: NDArray | number;
  /** The objective's gradient at the current params (a tree like the params). */
  readonly grad?: unknown;
  /** The objective: params → scalar value; traceable (it runs under `jit` and loops). */
  valueFn?(params: unknown): NDArray;
}

/** The state of a transform that keeps only a step count. */
export type CountState = { readonly count: NDArray };

/** The state of {@link scaleByAdam}: step count, first and second moment estimates. */
export type ScaleByAdamState = {
  readonly count: NDArray;
  readonly mu: unknown;
  readonly nu: unknown;
};

/** The state of {@link trace}: the momentum buffer. */
export type TraceState = { readonly trace: unknown };

const zerosLike = (params: unknown): unknown => map((p) => np.zerosLike(p), params);
const fullLike = (params: unknown, v: number): unknown =>
  map((p) => np.full(p.shape, v, { dtype: p.dtype }), params);
const newCount = (): NDArray => np.zeros([], { dtype: "int32" });

function checkRate(op: string, name: string, value: number, lo = 0, hi = Infinity): void {
  if (typeof value !== "number" || !(value >= lo && value <= hi)) {
    throw new RangeError(
      `optim.${op}: ${name} must be a number in [${lo}, ${hi}], got ${value}.`,
    );
  }
}

/** A schedule's value must be a scalar float array; a number or undefined is named, not crashed on. */
function checkScheduleValue(v: unknown, count: NDArray): NDArray {
  if (v instanceof np.NDArray && v.ndim === 0) return v;
  if (typeof v === "number" && Number.isFinite(v)) return np.array(v);
  throw new TypeError(
    `optim.scaleBySchedule: the schedule must return a scalar array (or a finite number) for ` +
      `the step count (an ${count.dtype} scalar), got ${
        v instanceof np.NDArray ? `an array of shape [${v.shape.join(", ")}]` : String(v)
      }. A schedule is (step: NDArray) => NDArray, e.g. schedules.cosineDecay({ initValue: 0.1, decaySteps: 1000 }).`,
  );
}

/** The count as a float array of `dtype`, for bias corrections. */
const countAs = (count: NDArray, like: NDArray): NDArray =>
  count.astype(like.dtype === "float64" ? "float64" : "float32");

// ---- building blocks ------------------------------------------------------------------

/**
 * The transform that passes updates through unchanged; its state is `null`.
 *
 * @returns The transform.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.identity();
 * const [u] = t.update(np.array([1, 2]), t.init(np.zeros([2])));
 * assert.deepEqual(u.toArray(), [1, 2]);
 * ```
 */
export function identity(): GradientTransformation<null> {
  return { init: () => null, update: (updates, state) => [updates, state] };
}

/**
 * Applies transforms one after another; the state is the list of their states.
 *
 * @param transforms The transforms, applied left to right.
 * @returns The chained transform.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.chain(optim.clip(1), optim.scale(-0.5));
 * const [u] = opt.update(np.array([4, -0.5]), opt.init(np.zeros([2])));
 * assert.deepEqual(u.toArray(), [-0.5, 0.25]);
 * ```
 */
export function chain(
  ...transforms: GradientTransformation[]
): GradientTransformation<unknown[]> {
  return {
    init: (params) => transforms.map((t) => t.init(params)),
    update(updates, state, params, extra) {
      if (!Array.isArray(state) || state.length !== transforms.length) {
        throw new TypeError(
          `optim.chain: the state must be a list of ${transforms.length} states (one per ` +
            `transform), as init returns; got ${
              Array.isArray(state) ? `a list of ${state.length}` : typeof state
            }.`,
        );
      }
      const next: unknown[] = [];
      let u = updates;
      transforms.forEach((t, i) => {
        const [out, s] = t.update(u, state[i], params, extra);
        u = out;
        next.push(s);
      });
      return [u, next];
    },
  };
}

/**
 * Multiplies updates by a constant; stateless (`null` state).
 *
 * @param factor The factor.
 * @returns The transform.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.scale(2);
 * assert.deepEqual(t.update(np.array([1, 2]), t.init(null))[0].toArray(), [2, 4]);
 * ```
 */
export function scale(factor: number): GradientTransformation<null> {
  return {
    init: () => null,
    update: (updates, state) => [map((u) => u.mul(factor), updates), state],
  };
}

/**
 * Multiplies updates by `schedule(count)` and counts steps; the first update uses `schedule(0)`.
 *
 * @param schedule A schedule of the int32 step count.
 * @returns The transform, with state `{ count }`.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.scaleBySchedule((step) => step.astype("float32").add(1));
 * const [u1, s1] = t.update(np.array([1]), t.init(null));
 * const [u2] = t.update(np.array([1]), s1);
 * assert.deepEqual([u1.toArray(), u2.toArray()], [[1], [2]]);
 * ```
 */
export function scaleBySchedule(schedule: StepSchedule): GradientTransformation<CountState> {
  return {
    init: () => ({ count: newCount() }),
    update(updates, state) {
      checkState("scaleBySchedule", state, updates, ["count"], []);
      // u ← schedule(count) · u; count ← count + 1
      const factor = checkScheduleValue(schedule(state.count), state.count);
      const out = map((u) => u.mul(factor.astype(u.dtype)), updates);
      return [out, { count: state.count.add(1) }];
    },
  };
}

/**
 * Scales updates by `−learningRate` (gradient descent). A schedule keeps a step
 * count (`{ count }` state); a number is stateless (`null` state).
 *
 * @param learningRate A number or a schedule of the step count.
 * @returns The transform.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.scaleByLearningRate(0.5);
 * assert.deepEqual(t.update(np.array([2]), t.init(null))[0].toArray(), [-1]);
 * ```
 */
export function scaleByLearningRate(
  learningRate: ScalarOrSchedule,
): GradientTransformation<CountState | null> {
  checkLearningRate("scaleByLearningRate", learningRate);
  if (typeof learningRate === "function") {
    return scaleBySchedule((step) =>
      checkScheduleValue(learningRate(step), step).neg()
    ) as GradientTransformation<
      CountState | null
    >;
  }
  return scale(-learningRate) as GradientTransformation<CountState | null>;
}

/**
 * Momentum (optax `trace`): `t ← g + decay · t`, emitting `t`, or
 * `g + decay · t` with Nesterov momentum.
 *
 * @param options `decay` (the momentum, default 0.9) and `nesterov` (default false).
 * @returns The transform, with state `{ trace }`.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.trace({ decay: 0.5 });
 * const [, s] = t.update(np.array([1]), t.init(np.zeros([1])));
 * assert.deepEqual(t.update(np.array([1]), s)[0].toArray(), [1.5]);
 * ```
 */
export function trace(
  options: { decay?: number; nesterov?: boolean } = {},
): GradientTransformation<TraceState> {
  checkOptions("optim.trace", options, ["decay", "nesterov"]);
  const decay = options.decay ?? 0.9;
  checkRate("trace", "decay", decay);
  return {
    init: (params) => ({ trace: zerosLike(params) }),
    update(updates, state) {
      checkState("trace", state, updates, [], ["trace"]);
      // t ← g + decay · t
      const t = map((g, tr) => g.add(tr.mul(decay)), updates, state.trace as typeof updates);
      // nesterov: u = g + decay · t; otherwise u = t
      const out = options.nesterov ? map((g, tr) => g.add(tr.mul(decay)), updates, t) : t;
      return [out, { trace: t }];
    },
  };
}

/**
 * Adam's scaling (Kingma & Ba): moment estimates `m ← b1 m + (1 − b1) g`,
 * `v ← b2 v + (1 − b2) g²`, bias-corrected at step t = count + 1, emitting
 * `m̂ / (√(v̂ + epsRoot) + eps)`.
 *
 * @param options `b1` (0.9), `b2` (0.999), `eps` (1e-8), `epsRoot` (0).
 * @returns The transform, with state `{ count, mu, nu }`.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.scaleByAdam();
 * const [u] = t.update(np.array([3, -2]), t.init(np.zeros([2])));
 * assert.deepEqual(np.round(u).toArray(), [1, -1]);
 * ```
 */
export function scaleByAdam(
  options: { b1?: number; b2?: number; eps?: number; epsRoot?: number } = {},
): GradientTransformation<ScaleByAdamState> {
  checkOptions("optim.scaleByAdam", options, ["b1", "b2", "eps", "epsRoot"]);
  const { b1 = 0.9, b2 = 0.999, eps = 1e-8, epsRoot = 0 } = options;
  checkRate("scaleByAdam", "b1", b1, 0, 1);
  checkRate("scaleByAdam", "b2", b2, 0, 1);
  checkRate("scaleByAdam", "eps", eps);
  checkRate("scaleByAdam", "epsRoot", epsRoot);
  return {
    init: (params) => ({ count: newCount(), mu: zerosLike(params), nu: zerosLike(params) }),
    update(updates, state) {
      checkState("scaleByAdam", state, updates, ["count"], ["mu", "nu"]);
      type U = typeof updates;
      // m ← b1 m + (1 − b1) g;  v ← b2 v + (1 − b2) g²
      const mu = map((g, m) => m.mul(b1).add(g.mul(1 - b1)), updates, state.mu as U);
      const nu = map((g, v) => v.mul(b2).add(g.square().mul(1 - b2)), updates, state.nu as U);
      const count = state.count.add(1);
      // u = m / (1 − b1^t) / (√(v / (1 − b2^t) + epsRoot) + eps)
      const out = map(
        (m, v) => {
          const t = countAs(count, m);
          const mHat = m.div(np.pow(b1, t).neg().add(1));
          const vHat = v.div(np.pow(b2, t).neg().add(1));
          return mHat.div(np.sqrt(vHat.add(epsRoot)).add(eps));
        },
        mu,
        nu,
      );
      return [out, { count, mu, nu }];
    },
  };
}

/**
 * Adamax's scaling (Adam with the infinity norm): `m ← b1 m + (1 − b1) g`,
 * `v ← max(b2 v, |g| + eps)`, emitting `m / (1 − b1^t) / v`.
 *
 * @param options `b1` (0.9), `b2` (0.999), `eps` (1e-8).
 * @returns The transform, with state `{ count, mu, nu }`.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.scaleByAdamax();
 * const [u] = t.update(np.array([3, -2]), t.init(np.zeros([2])));
 * assert.deepEqual(np.round(u).toArray(), [1, -1]);
 * ```
 */
export function scaleByAdamax(
  options: { b1?: number; b2?: number; eps?: number } = {},
): GradientTransformation<ScaleByAdamState> {
  checkOptions("optim.scaleByAdamax", options, ["b1", "b2", "eps"]);
  const { b1 = 0.9, b2 = 0.999, eps = 1e-8 } = options;
  checkRate("scaleByAdamax", "b1", b1, 0, 1);
  checkRate("scaleByAdamax", "b2", b2, 0, 1);
  checkRate("scaleByAdamax", "eps", eps);
  return {
    init: (params) => ({ count: newCount(), mu: zerosLike(params), nu: zerosLike(params) }),
    update(updates, state) {
      checkState("scaleByAdamax", state, updates, ["count"], ["mu", "nu"]);
      type U = typeof updates;
      // m ← b1 m + (1 − b1) g;  v ← max(b2 v, |g| + eps)
      const mu = map((g, m) => m.mul(b1).add(g.mul(1 - b1)), updates, state.mu as U);
      const nu = map((g, v) => np.maximum(v.mul(b2), np.abs(g).add(eps)), updates, state.nu as U);
      const count = state.count.add(1);
      // u = m / (1 − b1^t) / v
      const out = map(
        (m, v) => m.div(np.pow(b1, countAs(count, m)).neg().add(1)).div(v),
        mu,
        nu,
      );
      return [out, { count, mu, nu }];
    },
  };
}

/**
 * RMSProp's scaling: `v ← decay v + (1 − decay) g²`, emitting `g / √(v + eps)`.
 *
 * @param options `decay` (0.9), `eps` (1e-8), `initialScale` (initial v, 0).
 * @returns The transform, with state `{ nu }`.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.scaleByRms({ decay: 0.75, eps: 0 });
 * assert.deepEqual(t.update(np.array([4]), t.init(np.zeros([1])))[0].toArray(), [2]);
 * ```
 */
export function scaleByRms(
  options: { decay?: number; eps?: number; initialScale?: number } = {},
): GradientTransformation<{ readonly nu: unknown }> {
  checkOptions("optim.scaleByRms", options, ["decay", "eps", "initialScale"]);
  const { decay = 0.9, eps = 1e-8, initialScale = 0 } = options;
  checkRate("scaleByRms", "decay", decay, 0, 1);
  checkRate("scaleByRms", "eps", eps);
  return {
    init: (params) => ({ nu: fullLike(params, initialScale) }),
    update(updates, state) {
      checkState("scaleByRms", state, updates, [], ["nu"]);
      // v ← decay v + (1 − decay) g²
      const nu = map(
        (g, v) => v.mul(decay).add(g.square().mul(1 - decay)),
        updates,
        state.nu as typeof updates,
      );
      // u = g / √(v + eps)
      return [map((g, v) => g.div(np.sqrt(v.add(eps))), updates, nu), { nu }];
    },
  };
}

/**
 * Centered RMSProp's scaling: `m ← decay m + (1 − decay) g`,
 * `v ← decay v + (1 − decay) g²`, emitting `g / √(v − m² + eps)`.
 *
 * @param options `decay` (0.9), `eps` (1e-8), `initialScale` (initial v, 0).
 * @returns The transform, with state `{ mu, nu }`.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.scaleByStddev({ decay: 0.5, eps: 0 });
 * // m = 2, v = 8, v − m² = 4
 * assert.deepEqual(t.update(np.array([4]), t.init(np.zeros([1])))[0].toArray(), [2]);
 * ```
 */
export function scaleByStddev(
  options: { decay?: number; eps?: number; initialScale?: number } = {},
): GradientTransformation<{ readonly mu: unknown; readonly nu: unknown }> {
  checkOptions("optim.scaleByStddev", options, ["decay", "eps", "initialScale"]);
  const { decay = 0.9, eps = 1e-8, initialScale = 0 } = options;
  checkRate("scaleByStddev", "decay", decay, 0, 1);
  checkRate("scaleByStddev", "eps", eps);
  return {
    init: (params) => ({ mu: zerosLike(params), nu: fullLike(params, initialScale) }),
    update(updates, state) {
      checkState("scaleByStddev", state, updates, [], ["mu", "nu"]);
      type U = typeof updates;
      // m ← decay m + (1 − decay) g;  v ← decay v + (1 − decay) g²
      const mu = map((g, m) => m.mul(decay).add(g.mul(1 - decay)), updates, state.mu as U);
      const nu = map((g, v) => v.mul(decay).add(g.square().mul(1 - decay)), updates, state.nu as U);
      // u = g / √(v − m² + eps)
      const out = map(
        (g, m, v) => g.div(np.sqrt(v.sub(m.square()).add(eps))),
        updates,
        mu as U,
        nu as U,
      );
      return [out, { mu, nu }];
    },
  };
}

/**
 * Adagrad's scaling: `s ← s + g²`, emitting `g / √(s + eps)` (0 where s = 0).
 *
 * @param options `initialAccumulatorValue` (0.1) and `eps` (1e-7).
 * @returns The transform, with state `{ sumOfSquares }`.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.scaleByRss({ initialAccumulatorValue: 0, eps: 0 });
 * assert.deepEqual(t.update(np.array([-3]), t.init(np.zeros([1])))[0].toArray(), [-1]);
 * ```
 */
export function scaleByRss(
  options: { initialAccumulatorValue?: number; eps?: number } = {},
): GradientTransformation<{ readonly sumOfSquares: unknown }> {
  checkOptions("optim.scaleByRss", options, ["initialAccumulatorValue", "eps"]);
  const { initialAccumulatorValue = 0.1, eps = 1e-7 } = options;
  checkRate("scaleByRss", "initialAccumulatorValue", initialAccumulatorValue);
  checkRate("scaleByRss", "eps", eps);
  return {
    init: (params) => ({ sumOfSquares: fullLike(params, initialAccumulatorValue) }),
    update(updates, state) {
      checkState("scaleByRss", state, updates, [], ["sumOfSquares"]);
      // s ← s + g²
      const sumOfSquares = map(
        (g, s) => s.add(g.square()),
        updates,
        state.sumOfSquares as typeof updates,
      );
      // u = g / √(s + eps) where s > 0, else 0
      const out = map(
        (g, s) => np.where(s.greater(0), g.div(np.sqrt(s.add(eps))), 0),
        updates,
        sumOfSquares,
      );
      return [out, { sumOfSquares }];
    },
  };
}

/**
 * Lion's scaling (Chen et al. 2023): emits `sign((1 − b1) g + b1 m)`, then
 * updates `m ← b2 m + (1 − b2) g`.
 *
 * @param options `b1` (0.9) and `b2` (0.99).
 * @returns The transform, with state `{ count, mu }`.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.scaleByLion();
 * assert.deepEqual(t.update(np.array([0.3, -7]), t.init(np.zeros([2])))[0].toArray(), [1, -1]);
 * ```
 */
export function scaleByLion(
  options: { b1?: number; b2?: number } = {},
): GradientTransformation<{ readonly count: NDArray; readonly mu: unknown }> {
  checkOptions("optim.scaleByLion", options, ["b1", "b2"]);
  const { b1 = 0.9, b2 = 0.99 } = options;
  checkRate("scaleByLion", "b1", b1, 0, 1);
  checkRate("scaleByLion", "b2", b2, 0, 1);
  return {
    init: (params) => ({ count: newCount(), mu: zerosLike(params) }),
    update(updates, state) {
      checkState("scaleByLion", state, updates, ["count"], ["mu"]);
      type U = typeof updates;
      // u = sign((1 − b1) g + b1 m)
      const out = map((g, m) => np.sign(g.mul(1 - b1).add(m.mul(b1))), updates, state.mu as U);
      // m ← b2 m + (1 − b2) g
      const mu = map((g, m) => m.mul(b2).add(g.mul(1 - b2)), updates, state.mu as U);
      return [out, { count: state.count.add(1), mu }];
    },
  };
}

/**
 * Adds `weightDecay · params` to the updates (decoupled weight decay, as in
 * AdamW); needs the params in `update`. Stateless (`null` state).
 *
 * @param weightDecay The decay factor.
 * @returns The transform.
 * @throws {TypeError} From `update` when no params are given.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.addDecayedWeights(0.5);
 * const params = np.array([2]);
 * assert.deepEqual(t.update(np.array([1]), t.init(params), params)[0].toArray(), [2]);
 * ```
 */
export function addDecayedWeights(weightDecay: number): GradientTransformation<null> {
  checkRate("addDecayedWeights", "weightDecay", weightDecay);
  return {
    init: () => null,
    update(updates, state, params) {
      if (params === undefined) {
        throw new TypeError(
          `optim.addDecayedWeights: update needs the params (weight decay adds weightDecay · ` +
            `params); call update(grads, state, params).`,
        );
      }
      checkSameTree("optim.addDecayedWeights", "the params", params, "the updates", updates);
      if (weightDecay === 0) return [updates, state];
      // u ← u + λ p
      return [map((u, p) => u.add(p.mul(weightDecay)), updates, params as typeof updates), state];
    },
  };
}

/**
 * Rescales all updates together so that their global L2 norm (over every leaf)
 * is at most `maxNorm`: `u ← u · maxNorm / max(‖u‖, maxNorm)`. Stateless.
 *
 * @param maxNorm The largest allowed global norm.
 * @returns The transform.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.clipByGlobalNorm(1);
 * const [u] = t.update({ a: np.array([3]), b: np.array([4]) }, t.init(null));
 * assert.deepEqual([u.a.toArray(), u.b.toArray()], [[0.6000000238418579], [0.800000011920929]]);
 * ```
 */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation<null> {
  if (typeof maxNorm !== "number" || !(maxNorm > 0)) {
    throw new RangeError(
      `optim.clipByGlobalNorm: maxNorm must be a positive number, got ${maxNorm}.`,
    );
  }
  return {
    init: () => null,
    update(updates, state) {
      // ‖u‖ = √(Σ_leaves Σ u²)
      // (summed in the widest float dtype among the leaves)
      const sq = leaves(updates).map((u) => np.sum(np.square(u)));
      const norm = np.sqrt(sq.reduce((a, b) => a.add(b), np.zeros([])));
      // factor = maxNorm / max(‖u‖, maxNorm): 1 when within the bound
      const factor = np.div(maxNorm, np.maximum(norm, maxNorm));
      return [map((u) => u.mul(factor.astype(u.dtype)), updates), state];
    },
  };
}

/**
 * Clips every update element to `[−maxDelta, maxDelta]`. Stateless.
 *
 * @param maxDelta The largest allowed magnitude.
 * @returns The transform.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.clip(1);
 * assert.deepEqual(t.update(np.array([-3, 0.5, 2]), t.init(null))[0].toArray(), [-1, 0.5, 1]);
 * ```
 */
export function clip(maxDelta: number): GradientTransformation<null> {
  checkRate("clip", "maxDelta", maxDelta);
  return {
    init: () => null,
    update: (updates, state) => [map((u) => np.clip(u, -maxDelta, maxDelta), updates), state],
  };
}
