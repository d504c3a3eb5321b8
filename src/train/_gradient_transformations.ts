/**
 * The types that every gradient transformation shares (`GradientTransformation`,
 * `ExtraArgs`, learning-rate schedules) and the blocks that keep no moments
 * (after optax's `identity`, `chain`, `scale`, `scale_by_schedule`,
 * `scale_by_learning_rate`, `add_decayed_weights` and the clipping transforms).
 * The momentum and moment-based scalings are in `_gradient_moments.ts`.
 * Re-exported by `optim.ts`.
 *
 * Each transform is a pair of pure functions over pytrees; states are plain
 * pytrees of arrays (step counts as int32 scalars). Nothing is mutated.
 */
import type { NDArray } from "../core/_ndarray.ts";
import * as np from "../numpy/numpy.ts";
import { flatten, leaves, map, unflatten } from "../core/tree.ts";
import { checkMask, maskedLeaves } from "./_labels.ts";
import { checkedLeaves, checkSameTree, checkState, checkUpdateLeaves } from "./_checks.ts";
import { show } from "../core/_validate.ts";
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
  transforms.forEach((t, i) => {
    const ok = t !== null && typeof t === "object" && typeof t.init === "function" &&
      typeof t.update === "function";
    if (!ok) {
      throw new TypeError(
        `optim.chain: argument ${i} must be a gradient transformation { init, update } ` +
          `(such as optim.adam(1e-3) or optim.clipByGlobalNorm(1)), got ${show(t)}.`,
      );
    }
  });
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
  if (typeof factor !== "number" || Number.isNaN(factor)) {
    throw new TypeError(`optim.scale: factor must be a number, got ${show(factor)}.`);
  }
  return {
    init: () => null,
    update(updates, state) {
      checkUpdateLeaves("optim.scale", updates);
      return [map((u) => u.mul(factor), updates), state];
    },
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
      checkUpdateLeaves("optim.scaleBySchedule", updates);
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
 * A tree of booleans with the params' structure, or a prefix of it (a boolean on a subtree
 * covers all of its leaves); `null` where the params have `null`.
 */
export type MaskTree =
  | boolean
  | null
  | undefined
  | readonly MaskTree[]
  | { readonly [key: string]: MaskTree };

/**
 * Where a transformation applies, as optax's `mask`: a {@link MaskTree} like the params, or a
 * function params → such a tree (true where it applies).
 */
export type Mask = MaskTree | ((params: never) => MaskTree);

/**
 * Adds `weightDecay · params` to the updates (decoupled weight decay, as in
 * AdamW); needs the params in `update`. Stateless (`null` state).
 *
 * @param weightDecay The decay factor.
 * @param mask Where to decay, as optax's `mask`: a tree of booleans like the params (or a
 *   prefix of it), or a function params → such a tree; leaves marked false keep their
 *   updates. All leaves by default.
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
 *
 * // no decay on the bias
 * const m = optim.addDecayedWeights(0.5, { w: true, b: false });
 * const p = { w: np.array([2]), b: np.array([2]) };
 * const [u] = m.update({ w: np.array([1]), b: np.array([1]) }, m.init(p), p);
 * assert.deepEqual([u.w.toArray(), u.b.toArray()], [[2], [1]]);
 * ```
 */
export function addDecayedWeights(weightDecay: number, mask?: Mask): GradientTransformation<null> {
  checkRate("addDecayedWeights", "weightDecay", weightDecay);
  if (mask !== undefined) checkMask("addDecayedWeights", "mask", mask);
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
      const on = mask === undefined
        ? undefined
        : maskedLeaves("addDecayedWeights", "mask", mask, params);
      const [us, def] = flatten(updates);
      const ps = leaves(params);
      // u ← u + λ p (where the mask is true)
      return [
        unflatten(def, us.map((u, i) => on && !on[i] ? u : u.add(ps[i].mul(weightDecay)))),
        state,
      ];
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
  return checkedLeaves("clipByGlobalNorm", {
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
  });
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
