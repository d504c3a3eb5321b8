/**
 * More of optax's transforms and two optimizers built on them: the Polyak step size
 * (`scaleByPolyak`, `polyakSgd`, which read the objective's value from the extra
 * arguments of `update`), SM3 (`scaleBySm3`, `sm3`), distance over gradients
 * (`scaleByDistanceOverGradients`), `normalizeByUpdateNorm`,
 * `keepParamsNonnegative`, `setToZero`, `stateless` and the gradient-scaling
 * function `scaleGradient`. Each is written from optax 0.2.8's documented
 * equations; all are array ops, so they run under `jit`. Re-exported by `optim.ts`.
 *
 * @module
 */
import type { NDArray } from "../core/_ndarray.ts";
import { leaves, map } from "../core/tree.ts";
import { checkOptions } from "../core/_validate.ts";
import * as np from "../numpy/numpy.ts";
import { customVjp } from "../transforms/custom.ts";
import type { DType } from "../core/_dtype.ts";
import {
  chain,
  type GradientTransformation,
  type ScalarOrSchedule,
  scale,
  scaleByLearningRate,
} from "./_gradient_transformations.ts";
import { checkLearningRate } from "./_learning_rate.ts";
import { checkNumber, extraValue, needParams, treeSquaredNorm, zerosLike } from "./_optax_util.ts";
import { checkedLeaves, checkSameTree } from "./_checks.ts";

// ---- Polyak step size -------------------------------------------------------------------

/**
 * The Polyak step size (Loizou et al. 2021): scales the updates by
 * `min((f(x) − fMin) / (‖g‖² + eps), maxLearningRate)`, or 0 when ‖g‖² + eps is at most
 * 2⁻⁵² (float64's machine epsilon, as optax). Variant "sps+" uses the positive part of f(x) − fMin.
 * Stateless; `update` needs the value: `update(g, state, params, { value })`.
 *
 * @param options `fMin` (0), `maxLearningRate` (1), `eps` (0), `variant` ("sps" or "sps+").
 * @returns The transform.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.scaleByPolyak();
 * // f = 2, ‖g‖² = 4: the step is 2 / 4
 * const [u] = t.update(np.array([2]), t.init(null), undefined, { value: 2 });
 * assert.deepEqual(u.toArray(), [1]);
 * ```
 */
export function scaleByPolyak(
  options: { fMin?: number; maxLearningRate?: number; eps?: number; variant?: "sps" | "sps+" } = {},
): GradientTransformation<null> {
  checkOptions("optim.scaleByPolyak", options, ["fMin", "maxLearningRate", "eps", "variant"]);
  const { fMin = 0, maxLearningRate = 1, eps = 0, variant = "sps" } = options;
  checkNumber("scaleByPolyak", "fMin", fMin, -Infinity);
  checkNumber("scaleByPolyak", "maxLearningRate", maxLearningRate);
  checkNumber("scaleByPolyak", "eps", eps);
  if (variant !== "sps" && variant !== "sps+") {
    throw new RangeError(
      `optim.scaleByPolyak: variant must be "sps" or "sps+", got ${JSON.stringify(variant)}.`,
    );
  }
  return checkedLeaves("scaleByPolyak", {
    init: () => null,
    update(updates, state, _params, extra) {
      const value = extraValue("scaleByPolyak", extra);
      const sq = treeSquaredNorm(updates);
      // gap = f(x) − f*, or its positive part for sps+
      let gap = value.sub(fMin).astype(sq.dtype);
      if (variant === "sps+") gap = np.maximum(gap, 0);
      // step = min(gap / (‖g‖² + eps), γmax); 0 when ‖g‖² + eps ≤ 2⁻⁵² (float64's eps, as optax)
      const denom = sq.add(eps);
      const step = np.where(
        denom.lessEqual(2 ** -52),
        np.zeros([], { dtype: sq.dtype }),
        np.minimum(gap.div(denom), maxLearningRate),
      );
      return [map((u) => u.mul(step.astype(u.dtype)), updates), state];
    },
  });
}

/**
 * SGD with the Polyak step size (optax's `polyak_sgd`):
 * `chain(sgd(scaling), scaleByPolyak(...))`, i.e. `u = −s · min((f − f*)/(‖g‖² + eps), γmax) · g`.
 * `update` needs the value: `update(g, state, params, { value })`.
 *
 * @param options `maxLearningRate` (1), `scaling` (1, or a schedule), `fMin` (0), `eps` (0),
 *   `variant` ("sps").
 * @returns The optimizer.
 *
 * @example
 * ```ts
 * import { np, optim, valueAndGrad } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const f = (x: np.NDArray) => x.square().sum();
 * const opt = optim.polyakSgd();
 * let x = np.array([1, 2, 3]);
 * let state = opt.init(x);
 * const [value, g] = valueAndGrad(f)(x);
 * const [u, next] = opt.update(g, state, x, { value });
 * x = optim.applyUpdates(x, u);
 * state = next;
 * assert.equal(f(x).item(), 3.5); // optax's first step on this quadratic
 * ```
 */
export function polyakSgd(
  options: {
    maxLearningRate?: number;
    scaling?: ScalarOrSchedule;
    fMin?: number;
    eps?: number;
    variant?: "sps" | "sps+";
  } = {},
): GradientTransformation<unknown[]> {
  checkOptions("optim.polyakSgd", options, [
    "maxLearningRate",
    "scaling",
    "fMin",
    "eps",
    "variant",
  ]);
  const scaling = options.scaling ?? 1;
  checkLearningRate("polyakSgd", scaling);
  return checkedLeaves(
    "polyakSgd",
    chain(
      // sgd(scaling): −scaling·g (a schedule keeps a count)
      scaleByLearningRate(scaling),
      scaleByPolyak({
        maxLearningRate: options.maxLearningRate,
        fMin: options.fMin,
        eps: options.eps,
        variant: options.variant,
      }),
    ),
  );
}

// ---- SM3 --------------------------------------------------------------------------------

/** The state of {@link scaleBySm3}: per leaf, one accumulator per axis (`mu`), and momentum (`nu`). */
export type ScaleBySm3State = { readonly mu: unknown; readonly nu: unknown };

/**
 * SM3's scaling (Anil et al. 2019): for a leaf of rank r ≥ 2 with per-axis accumulators
 * μᵢ, `a = c·g² + b2·min_i μᵢ` (μᵢ broadcast along axis i; c = 1 − b2, or 1 when b2 = 1),
 * `v = g / √(a + eps)` (0 where a = 0), `m ← b1 m + (1 − b1) v` emitted, and
 * μᵢ ← max of `a` over the other axes. A vector keeps `a` itself as its accumulator.
 *
 * @param options `b1` (0.9), `b2` (1), `eps` (1e-8).
 * @returns The transform, with state `{ mu, nu }`.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.scaleBySm3({ b1: 0, eps: 0 });
 * const [u] = t.update(np.array([3, -4]), t.init(np.zeros([2])));
 * assert.deepEqual(u.toArray(), [1, -1]);
 * ```
 */
export function scaleBySm3(
  options: { b1?: number; b2?: number; eps?: number } = {},
): GradientTransformation<ScaleBySm3State> {
  checkOptions("optim.scaleBySm3", options, ["b1", "b2", "eps"]);
  const { b1 = 0.9, b2 = 1, eps = 1e-8 } = options;
  checkNumber("scaleBySm3", "b1", b1, 0, 1);
  checkNumber("scaleBySm3", "b2", b2, 0, 1);
  checkNumber("scaleBySm3", "eps", eps);
  const c = b2 !== 1 ? 1 - b2 : 1;
  const rankCheck = (p: NDArray) => {
    if (p.ndim === 0) {
      throw new TypeError(
        `optim.scaleBySm3: every leaf needs at least one axis (SM3 keeps one accumulator per ` +
          `axis), got a scalar; reshape it to [1].`,
      );
    }
  };
  const otherAxes = (i: number, r: number) =>
    Array.from({ length: r }, (_, j) => j).filter((j) => j !== i);
  return checkedLeaves("scaleBySm3", {
    // μ: per leaf (in flattening order), one accumulator per axis
    init(params) {
      const mu: NDArray[][] = leaves(params).map((p) => {
        rankCheck(p);
        return p.shape.map((d) => np.zeros([d], { dtype: p.dtype }));
      });
      return { mu, nu: zerosLike(params) };
    },
    update(updates, state) {
      const gs = leaves(updates);
      const boxes = state.mu as NDArray[][];
      if (!Array.isArray(boxes) || boxes.length !== gs.length) {
        throw new TypeError(
          `optim.scaleBySm3: the state's mu must hold one accumulator list per leaf (${gs.length}), ` +
            `as init returns.`,
        );
      }
      checkSameTree("optim.scaleBySm3", "the state's nu", state.nu, "the updates", updates);
      const accums = gs.map((g, k) => {
        rankCheck(g);
        const mus = boxes[k].map((m, i) => {
          const shape = g.shape.map((d, j) => (j === i ? d : 1));
          return np.reshape(m, shape);
        });
        // a = c·g² + b2·min_i μᵢ (a vector uses its single accumulator)
        const minMu = g.ndim < 2 ? mus[0] : mus.reduce((x, y) => np.minimum(x, y));
        return g.square().mul(c).add(minMu.mul(b2));
      });
      let k = 0;
      // v = g / √(a + eps) where a > 0, else 0
      const up = map((g) => {
        const a = accums[k++];
        return g.mul(np.where(a.greater(0), np.sqrt(a.add(eps)).reciprocal(), 0).astype(g.dtype));
      }, updates);
      // m ← b1 m + (1 − b1) v
      const nu = map((v, m) => m.mul(b1).add(v.mul(1 - b1)), up, state.nu as typeof up);
      // μᵢ ← max of a over the other axes (a vector keeps a)
      const mu: NDArray[][] = accums.map((a) =>
        a.ndim < 2 ? [a] : a.shape.map((_, i) => np.max(a, { axis: otherAxes(i, a.ndim) }))
      );
      return [nu, { mu, nu }];
    },
  });
}

/**
 * The SM3 optimizer (Anil et al. 2019), optax's `sm3`:
 * `chain(scaleBySm3({ b1: momentum }), scale(−learningRate))`.
 *
 * @param learningRate The learning rate (a number, as optax).
 * @param options `momentum` (0.9).
 * @returns The optimizer.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.sm3(0.1, { momentum: 0 });
 * const [u] = opt.update(np.array([[2, -2]]), opt.init(np.zeros([1, 2])));
 * assert.ok(Math.abs((u.toArray() as number[][])[0][0] + 0.1) < 1e-6);
 * ```
 */
export function sm3(
  learningRate: number,
  options: { momentum?: number } = {},
): GradientTransformation<unknown[]> {
  checkOptions("optim.sm3", options, ["momentum"]);
  if (typeof learningRate !== "number" || !Number.isFinite(learningRate)) {
    throw new TypeError(`optim.sm3: learningRate must be a finite number, got ${learningRate}.`);
  }
  return checkedLeaves(
    "sm3",
    chain(scaleBySm3({ b1: options.momentum ?? 0.9 }), scale(-learningRate)),
  );
}

// ---- distance over gradients ------------------------------------------------------------

/** The state of {@link scaleByDistanceOverGradients}. */
export type DogState = {
  readonly maxDist: unknown;
  readonly gradSumOfSquares: unknown;
  readonly initParams: unknown;
};

/**
 * Layer-wise DoG, "distance over gradients" (Ivgi et al. 2023): per leaf, the step is
 * `s · d / √(G + eps)` with d = max(d, ‖x − x₀‖) (starting at `repsRel · (1 + ‖x₀‖)`) and
 * G the running sum of ‖g‖²; `update` needs the params. Use `globalScale: −1` for descent.
 *
 * @param options `repsRel` (1e-6), `eps` (1e-8), `paramDtype` ("float32"), `globalScale` (1).
 * @returns The transform, with state `{ maxDist, gradSumOfSquares, initParams }`.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.scaleByDistanceOverGradients({ repsRel: 0.5, eps: 0 });
 * const p = np.array([0, 0]);
 * // d = 0.5 · (1 + 0), G = 25: the step is 0.1
 * const [u] = t.update(np.array([3, 4]), t.init(p), p);
 * assert.ok(Math.abs((u.toArray() as number[])[0] - 0.3) < 1e-6);
 * ```
 */
export function scaleByDistanceOverGradients(
  options: { repsRel?: number; eps?: number; paramDtype?: DType; globalScale?: number } = {},
): GradientTransformation<DogState> {
  checkOptions("optim.scaleByDistanceOverGradients", options, [
    "repsRel",
    "eps",
    "paramDtype",
    "globalScale",
  ]);
  const { repsRel = 1e-6, eps = 1e-8, paramDtype = "float32", globalScale = 1 } = options;
  checkNumber("scaleByDistanceOverGradients", "repsRel", repsRel);
  checkNumber("scaleByDistanceOverGradients", "eps", eps);
  checkNumber("scaleByDistanceOverGradients", "globalScale", globalScale, -Infinity);
  if (paramDtype !== "float32" && paramDtype !== "float64") {
    throw new TypeError(
      `optim.scaleByDistanceOverGradients: paramDtype must be float32 or float64, got ${paramDtype}.`,
    );
  }
  const l2 = (x: NDArray, y?: NDArray) => np.sqrt(np.sum((y ? x.sub(y) : x).square()));
  return checkedLeaves("scaleByDistanceOverGradients", {
    init: (params) => ({
      maxDist: map((x) => l2(x).add(1).mul(repsRel), params),
      gradSumOfSquares: map(() => np.zeros([1]), params),
      initParams: map((x) => x.astype(paramDtype), params),
    }),
    update(updates, state, params) {
      needParams("scaleByDistanceOverGradients", params);
      type U = typeof updates;
      checkSameTree(
        "optim.scaleByDistanceOverGradients",
        "the params",
        params,
        "the updates",
        updates,
      );
      // d ← max(d, ‖x − x₀‖);  G ← G + ‖g‖²
      const maxDist = map(
        (d, x, x0) => np.maximum(d, l2(x, x0)),
        state.maxDist as U,
        params as U,
        state.initParams as U,
      );
      const gSos = map((s, g) => s.add(np.sum(g.square())), state.gradSumOfSquares as U, updates);
      // u = s · d / √(G + eps) · g
      const out = map(
        (g, d, s) => g.mul(d.div(np.sqrt(s.add(eps))).mul(globalScale)),
        updates,
        maxDist,
        gSos,
      );
      return [out, { maxDist, gradSumOfSquares: gSos, initParams: state.initParams }];
    },
  });
}

// ---- small stateless transforms ---------------------------------------------------------

/**
 * Divides the updates by their global norm: `u · s / (‖u‖ + eps)`. Stateless.
 *
 * @param options `scaleFactor` (1), `eps` (1e-6).
 * @returns The transform.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.normalizeByUpdateNorm({ eps: 0 });
 * assert.deepEqual(t.update(np.array([3, 4]), t.init(null))[0].toArray(), [0.6000000238418579, 0.800000011920929]);
 * ```
 */
export function normalizeByUpdateNorm(
  options: { scaleFactor?: number; eps?: number } = {},
): GradientTransformation<null> {
  checkOptions("optim.normalizeByUpdateNorm", options, ["scaleFactor", "eps"]);
  const { scaleFactor = 1, eps = 1e-6 } = options;
  checkNumber("normalizeByUpdateNorm", "scaleFactor", scaleFactor, -Infinity);
  checkNumber("normalizeByUpdateNorm", "eps", eps);
  return checkedLeaves("normalizeByUpdateNorm", {
    init: () => null,
    update(updates, state) {
      // n = (‖u‖ + eps) / s;  u ← u / n
      const n = np.sqrt(treeSquaredNorm(updates)).add(eps).div(scaleFactor);
      return [map((u) => u.div(n.astype(u.dtype)), updates), state];
    },
  });
}

/**
 * Keeps the parameters non-negative: where p + u < 0 the update becomes −p (the
 * parameter lands on 0). Put it last in a chain; `update` needs the params. Stateless.
 *
 * @returns The transform.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.keepParamsNonnegative();
 * const p = np.array([1, 2]);
 * assert.deepEqual(t.update(np.array([-3, 1]), t.init(p), p)[0].toArray(), [-1, 1]);
 * ```
 */
export function keepParamsNonnegative(): GradientTransformation<null> {
  return {
    init: () => null,
    update(updates, state, params) {
      needParams("keepParamsNonnegative", params);
      checkSameTree("optim.keepParamsNonnegative", "the params", params, "the updates", updates);
      // u ← −p where p + u < 0
      const out = map(
        (u, p) => np.where(p.add(u).less(0), p.neg(), u).astype(u.dtype),
        updates,
        params as typeof updates,
      );
      return [out, state];
    },
  };
}

/**
 * Maps every update to zeros (freezes the parameters it is applied to; see `freeze`). Stateless.
 *
 * @returns The transform.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.setToZero();
 * assert.deepEqual(t.update(np.array([3, -1]), t.init(null))[0].toArray(), [0, 0]);
 * ```
 */
export function setToZero(): GradientTransformation<null> {
  return checkedLeaves("setToZero", {
    init: () => null,
    update: (updates, state) => [map((u) => np.zerosLike(u), updates), state],
  });
}

/**
 * A stateless transform from a function `(updates, params) → updates` (params may be
 * undefined), as optax's `stateless`; the state is `null`.
 *
 * @param f The function.
 * @returns The transform.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.stateless((u) => optim.setToZero().update(u, null)[0]);
 * assert.deepEqual(t.update(np.array([3]), t.init(null))[0].toArray(), [0]);
 * ```
 */
export function stateless(
  f: (updates: unknown, params: unknown) => unknown,
): GradientTransformation<null> {
  if (typeof f !== "function") {
    throw new TypeError(`optim.stateless: expected a function (updates, params) => updates.`);
  }
  return {
    init: () => null,
    update<U>(updates: U, _state: null, params?: unknown): [U, null] {
      const out = f(updates, params);
      checkSameTree("optim.stateless", "the function's result", out, "the updates", updates);
      return [out as U, null];
    },
  };
}

/**
 * The identity in the forward pass whose gradient is multiplied by `scale` in the
 * backward pass (optax's `scale_gradient`): scale 1 returns the inputs, scale 0 stops
 * the gradient, anything else scales it (a custom VJP).
 *
 * @typeParam T The tree type.
 * @param inputs A tree of arrays.
 * @param scale The factor applied to the cotangent.
 * @returns The inputs, unchanged in value.
 *
 * @example
 * ```ts
 * import { grad, np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const f = (x: np.NDArray) => optim.scaleGradient(x, 0.5).square().sum();
 * assert.deepEqual(grad(f)(np.array([3])).toArray(), [3]); // ½ · 2x
 * ```
 */
export function scaleGradient<T>(inputs: T, scale: number): T {
  if (typeof scale !== "number" || !Number.isFinite(scale)) {
    throw new TypeError(`optim.scaleGradient: scale must be a finite number, got ${scale}.`);
  }
  if (scale === 1) return inputs;
  if (scale === 0) return map((x) => np.stopGradient(x), inputs) as T;
  // y = x;  x̄ = scale · ȳ
  const scaled = customVjp((x: NDArray) => x).defvjp(
    (x: NDArray) => [x, null],
    (_res, ct: NDArray) => [ct.mul(scale).astype(ct.dtype)],
  );
  return map((x) => scaled(x), inputs) as T;
}
