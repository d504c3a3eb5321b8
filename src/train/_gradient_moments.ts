/**
 * The momentum and moment-based scalings that most optimizers are chained from
 * (after optax's `trace`, `scale_by_adam`, `scale_by_adamax`, `scale_by_rms`,
 * `scale_by_stddev`, `scale_by_rss` and `scale_by_lion`): each keeps running
 * averages (or sums) of the gradients or their squares in its state. The shared
 * types and the blocks that keep no moments are in `_gradient_transformations.ts`.
 * Re-exported by `optim.ts`.
 *
 * Each transform is a pair of pure functions over pytrees; states are plain
 * pytrees of arrays (step counts as int32 scalars). Nothing is mutated.
 *
 * @module
 */
import { checkOptions } from "../core/_validate.ts";
import type { NDArray } from "../core/_ndarray.ts";
import * as np from "../numpy/numpy.ts";
import { map } from "../core/tree.ts";
import { checkedLeaves, checkState } from "./_checks.ts";
import type { GradientTransformation } from "./_gradient_transformations.ts";
import { checkNumber as checkRate, debias, fullLike, newCount, zerosLike } from "./_optax_util.ts";

/** The state of {@link scaleByAdam}: step count, first and second moment estimates. */
export type ScaleByAdamState = {
  readonly count: NDArray;
  readonly mu: unknown;
  readonly nu: unknown;
};

/** The state of {@link trace}: the momentum buffer. */
export type TraceState = { readonly trace: unknown };

/** The count as a float array of `dtype`, for bias corrections. */

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
  return checkedLeaves("trace", {
    init: (params) => ({ trace: zerosLike(params) }),
    update(updates, state) {
      checkState("trace", state, updates, [], ["trace"]);
      // t ← g + decay · t
      const t = map((g, tr) => g.add(tr.mul(decay)), updates, state.trace as typeof updates);
      // nesterov: u = g + decay · t; otherwise u = t
      const out = options.nesterov ? map((g, tr) => g.add(tr.mul(decay)), updates, t) : t;
      return [out, { trace: t }];
    },
  });
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
  return checkedLeaves("scaleByAdam", {
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
          const mHat = debias(m, b1, count), vHat = debias(v, b2, count);
          return mHat.div(np.sqrt(vHat.add(epsRoot)).add(eps));
        },
        mu,
        nu,
      );
      return [out, { count, mu, nu }];
    },
  });
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
  return checkedLeaves("scaleByAdamax", {
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
        (m, v) => debias(m, b1, count).div(v),
        mu,
        nu,
      );
      return [out, { count, mu, nu }];
    },
  });
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
  return checkedLeaves("scaleByRms", {
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
  });
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
  return checkedLeaves("scaleByStddev", {
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
  });
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
  return checkedLeaves("scaleByRss", {
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
  });
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
  return checkedLeaves("scaleByLion", {
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
  });
}
