/**
 * More of optax's gradient transformations, part 2: the blocks LAMB, LARS, Fromage,
 * Adafactor, Rprop, sign SGD, noisy SGD and optimistic GD are chained from (trust ratios,
 * block norms, signs, factored second moments, noise, EMA), each written from optax's
 * documented equations. Re-exported by `optim.ts`; part 1 is `_optax_transforms.ts`.
 *
 * Every transform is array ops on pytrees with the step count in the state, so
 * it runs under `jit` (no branch on a value is taken in JS).
 *
 * @module
 */
import { checkedLeaves } from "./_checks.ts";
import { checkOptions } from "../core/_validate.ts";
import type { NDArray } from "../core/_ndarray.ts";
import { leaves, map } from "../core/tree.ts";
import * as np from "../numpy/numpy.ts";
import { normal, split } from "./random.ts";
import type { GradientTransformation } from "./_gradient_transformations.ts";
import {
  checkNumber,
  debias,
  fullLike,
  moment1,
  needParams,
  newCount,
  zerosLike,
} from "./_optax_util.ts";

/** ‖x‖₂ with the floor `min`: max(‖x‖, min) (optax's safe_norm). */
function safeNorm(x: NDArray, min: number): NDArray {
  const n = np.sqrt(np.sum(x.square()));
  return np.where(np.lessEqual(n, min), np.full([], min, { dtype: n.dtype }), n);
}

/**
 * The layer-wise trust ratio of LARS/LAMB (You et al.): each update leaf is
 * scaled by c·‖p‖/(‖u‖ + eps) (1 where a norm is 0). Stateless; needs the params.
 *
 * @param options `minNorm` (0), `trustCoefficient` (1), `eps` (0).
 * @returns The transform.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.scaleByTrustRatio();
 * const p = np.array([6, 8]); // ‖p‖ = 10
 * assert.deepEqual(t.update(np.array([3, 4]), t.init(p), p)[0].toArray(), [6, 8]);
 * ```
 */
export function scaleByTrustRatio(
  options: { minNorm?: number; trustCoefficient?: number; eps?: number } = {},
): GradientTransformation<null> {
  checkOptions("optim.scaleByTrustRatio", options, ["minNorm", "trustCoefficient", "eps"]);
  const { minNorm = 0, trustCoefficient = 1, eps = 0 } = options;
  return checkedLeaves("scaleByTrustRatio", {
    init: () => null,
    update(updates, state, params) {
      needParams("scaleByTrustRatio", params);
      const out = map(
        (u, p) => {
          const pn = safeNorm(p, minNorm), un = safeNorm(u, minNorm);
          const ratio = pn.mul(trustCoefficient).div(un.add(eps));
          const zero = np.logicalOr(np.equal(pn, 0), np.equal(un, 0));
          return u.mul(np.where(zero, np.ones([], { dtype: u.dtype }), ratio).astype(u.dtype));
        },
        updates,
        params as typeof updates,
      );
      return [out, state];
    },
  });
}

/**
 * Scales each update leaf by its parameter's norm, max(‖p‖, minScale) (Fromage's block).
 *
 * @param options `minScale` (1e-3).
 * @returns The transform; `update` needs the params.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.scaleByParamBlockNorm();
 * const p = np.array([3, 4]);
 * assert.deepEqual(t.update(np.array([1, 1]), t.init(p), p)[0].toArray(), [5, 5]);
 * ```
 */
export function scaleByParamBlockNorm(
  options: { minScale?: number } = {},
): GradientTransformation<null> {
  checkOptions("optim.scaleByParamBlockNorm", options, ["minScale"]);
  const minScale = options.minScale ?? 1e-3;
  return checkedLeaves("scaleByParamBlockNorm", {
    init: () => null,
    update(updates, state, params) {
      needParams("scaleByParamBlockNorm", params);
      return [
        map((u, p) => u.mul(safeNorm(p, minScale)), updates, params as typeof updates),
        state,
      ];
    },
  });
}

/**
 * Scales each update leaf by its parameter's root mean square, max(rms(p), minScale) (Adafactor's block).
 *
 * @param options `minScale` (1e-3).
 * @returns The transform; `update` needs the params.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.scaleByParamBlockRms();
 * const p = np.array([2, 2]);
 * assert.deepEqual(t.update(np.array([1, 1]), t.init(p), p)[0].toArray(), [2, 2]);
 * ```
 */
export function scaleByParamBlockRms(
  options: { minScale?: number } = {},
): GradientTransformation<null> {
  checkOptions("optim.scaleByParamBlockRms", options, ["minScale"]);
  const minScale = options.minScale ?? 1e-3;
  return checkedLeaves("scaleByParamBlockRms", {
    init: () => null,
    update(updates, state, params) {
      needParams("scaleByParamBlockRms", params);
      const out = map(
        (u, p) => {
          const rms = np.sqrt(np.mean(p.square()));
          return u.mul(np.where(np.lessEqual(rms, minScale), minScale, rms).astype(u.dtype));
        },
        updates,
        params as typeof updates,
      );
      return [out, state];
    },
  });
}

/**
 * Replaces updates by their signs. Stateless.
 *
 * @returns The transform.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.scaleBySign();
 * assert.deepEqual(t.update(np.array([-3, 0, 2]), t.init(null))[0].toArray(), [-1, 0, 1]);
 * ```
 */
export function scaleBySign(): GradientTransformation<null> {
  return checkedLeaves("scaleBySign", {
    init: () => null,
    update: (updates, state) => [map((u) => np.sign(u), updates), state],
  });
}

/**
 * Rprop's scaling (Riedmiller & Braun 1993): per-element step sizes grow by
 * etaPlus while the gradient keeps its sign and shrink by etaMinus when it
 * flips (clipped to [minStepSize, maxStepSize]); as optax computes it, the update
 * is the previous step's step · sign(g) (0 at the first step and after a sign change).
 *
 * @param learningRate The initial step size.
 * @param options `etaMinus` (0.5), `etaPlus` (1.2), `minStepSize` (1e-6), `maxStepSize` (50).
 * @returns The transform, with state `{ stepSizes, prevUpdates }`.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.scaleByRprop(0.1);
 * assert.deepEqual(t.update(np.array([-3]), t.init(np.zeros([1])))[0].toArray(), [0]);
 * ```
 */
export function scaleByRprop(
  learningRate: number,
  options: { etaMinus?: number; etaPlus?: number; minStepSize?: number; maxStepSize?: number } = {},
): GradientTransformation<{ readonly stepSizes: unknown; readonly prevUpdates: unknown }> {
  checkOptions("optim.scaleByRprop", options, [
    "etaMinus",
    "etaPlus",
    "minStepSize",
    "maxStepSize",
  ]);
  const { etaMinus = 0.5, etaPlus = 1.2, minStepSize = 1e-6, maxStepSize = 50 } = options;
  checkNumber("scaleByRprop", "learningRate", learningRate);
  return checkedLeaves("scaleByRprop", {
    init: (params) => ({
      stepSizes: fullLike(params, learningRate),
      prevUpdates: zerosLike(params),
    }),
    update(updates, state) {
      type U = typeof updates;
      const sign = map((g, pg) => g.mul(pg), updates, state.prevUpdates as U);
      const stepSizes = map(
        (s, step) =>
          np.where(
            np.equal(s, 0),
            step,
            np.clip(
              // the factor in step's dtype: JAX's where(s > 0, η+, η−) is weakly typed, so a
              // float16/bfloat16 step size stays float16/bfloat16
              step.mul(np.where(np.greater(s, 0), etaPlus, etaMinus).astype(step.dtype)),
              minStepSize,
              maxStepSize,
            ),
          ),
        sign,
        state.stepSizes as U,
      );
      const prevUpdates = map(
        (s, g, step) => np.where(np.less(s, 0), np.zerosLike(g), step.mul(np.sign(g))),
        sign,
        updates,
        stepSizes,
      );
      const out = map(
        // as optax computes it: the previous step's signed step sizes (0 after a sign change)
        (s, _g, pg) => np.where(np.less(s, 0), np.zerosLike(pg), pg),
        sign,
        prevUpdates,
        state.prevUpdates as U,
      );
      return [out, { stepSizes, prevUpdates }];
    },
  });
}

/**
 * The optimistic gradient (Daskalakis et al. 2018): u = (α + β) g − β g_prev,
 * with g_prev = g at the first step.
 *
 * @param options `alpha` (1), `beta` (1).
 * @returns The transform, with state `{ isInitialStep, previousGradient }`.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.scaleByOptimisticGradient();
 * const [u1, s] = t.update(np.array([1]), t.init(np.zeros([1])));
 * assert.deepEqual([u1.toArray(), t.update(np.array([3]), s)[0].toArray()], [[1], [5]]);
 * ```
 */
export function scaleByOptimisticGradient(
  options: { alpha?: number; beta?: number } = {},
): GradientTransformation<{ readonly isInitialStep: NDArray; readonly previousGradient: unknown }> {
  checkOptions("optim.scaleByOptimisticGradient", options, ["alpha", "beta"]);
  const { alpha = 1, beta = 1 } = options;
  return checkedLeaves("scaleByOptimisticGradient", {
    init: (params) => ({ isInitialStep: np.array(true), previousGradient: zerosLike(params) }),
    update(updates, state) {
      const out = map(
        (g, pg) => g.mul(alpha + beta).sub(np.where(state.isInitialStep, g, pg).mul(beta)),
        updates,
        state.previousGradient as typeof updates,
      );
      return [out, { isInitialStep: np.array(false), previousGradient: updates }];
    },
  });
}

/**
 * Adafactor's factored second moment (Shazeer & Stern 2018): for a leaf whose
 * two largest axes are ≥ minDimSizeToFactor, row and column averages of
 * g² + eps replace the full moment (decay 1 − (t + 1)^−decayRate); otherwise the
 * full moment. u = g / √v̂.
 *
 * @param options `factored` (true), `decayRate` (0.8), `stepOffset` (0), `minDimSizeToFactor` (128), `eps` (1e-30).
 * @returns The transform, with state `{ count, vRow, vCol, v }`.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.scaleByFactoredRms();
 * const p = np.zeros([2]);
 * const [u] = t.update(np.array([3, -3]), t.init(p), p);
 * assert.deepEqual(np.round(u).toArray(), [1, -1]);
 * ```
 */
export function scaleByFactoredRms(
  options: {
    factored?: boolean;
    decayRate?: number;
    stepOffset?: number;
    minDimSizeToFactor?: number;
    eps?: number;
  } = {},
): GradientTransformation<
  { readonly count: NDArray; readonly vRow: unknown; readonly vCol: unknown; readonly v: unknown }
> {
  checkOptions("optim.scaleByFactoredRms", options, [
    "factored",
    "decayRate",
    "stepOffset",
    "minDimSizeToFactor",
    "eps",
  ]);
  const {
    factored = true,
    decayRate = 0.8,
    stepOffset = 0,
    minDimSizeToFactor = 128,
    eps = 1e-30,
  } = options;
  /** The (d1, d0) axes to factor: the second-largest and largest (stable argsort), or null. */
  const dims = (shape: readonly number[]): [number, number] | null => {
    if (!factored || shape.length < 2) return null;
    const sorted = shape.map((d, i) => [d, i]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    if (sorted[sorted.length - 2][0] < minDimSizeToFactor) return null;
    return [sorted[sorted.length - 2][1], sorted[sorted.length - 1][1]];
  };
  const small = (p: NDArray) => np.zeros([1], { dtype: p.dtype });
  return checkedLeaves("scaleByFactoredRms", {
    init: (params) => ({
      count: newCount(),
      vRow: map((p) => {
        const d = dims(p.shape);
        return d ? np.zeros(p.shape.filter((_, i) => i !== d[1]), { dtype: p.dtype }) : small(p);
      }, params),
      vCol: map((p) => {
        const d = dims(p.shape);
        return d ? np.zeros(p.shape.filter((_, i) => i !== d[0]), { dtype: p.dtype }) : small(p);
      }, params),
      v: map((p) => (dims(p.shape) ? small(p) : np.zerosLike(p)), params),
    }),
    update(updates, state, params) {
      needParams("scaleByFactoredRms", params);
      type U = typeof updates;
      // decay_t = 1 − (t + 1)^(−decayRate), t = count − stepOffset
      const t = state.count.sub(stepOffset).add(1).astype("float32");
      const decay = np.sub(1, np.pow(t, -decayRate));
      const outs = map((g, _p) => g, updates, params as U); // structure check
      const vRow: NDArray[] = [], vCol: NDArray[] = [], v: NDArray[] = [], us: NDArray[] = [];
      const gl = leaves(outs),
        rl = leaves(state.vRow),
        cl = leaves(state.vCol),
        vl = leaves(state.v);
      gl.forEach((g, i) => {
        const d = dims(g.shape);
        const sq = g.square().add(eps);
        const dd = decay.astype(g.dtype);
        const mix = (old: NDArray, fresh: NDArray) => old.mul(dd).add(fresh.mul(np.sub(1, dd)));
        if (d) {
          const [d1, d0] = d;
          const newRow = mix(rl[i], np.mean(sq, { axis: d0 })).astype(g.dtype);
          const newCol = mix(cl[i], np.mean(sq, { axis: d1 })).astype(g.dtype);
          const reduced = d1 > d0 ? d1 - 1 : d1;
          const rowColMean = np.mean(newRow, { axis: reduced, keepdims: true });
          const rowFactor = np.pow(newRow.div(rowColMean), -0.5);
          const colFactor = np.pow(newCol, -0.5);
          us.push(g.mul(np.expandDims(rowFactor, d0)).mul(np.expandDims(colFactor, d1)));
          vRow.push(newRow);
          vCol.push(newCol);
          v.push(np.zeros([1], { dtype: g.dtype }));
        } else {
          const nv = mix(vl[i], sq).astype(g.dtype);
          us.push(g.mul(np.pow(nv, -0.5)));
          vRow.push(np.zeros([1], { dtype: g.dtype }));
          vCol.push(np.zeros([1], { dtype: g.dtype }));
          v.push(nv);
        }
      });
      let k = 0;
      const out = map(() => us[k++], updates);
      let a = 0, b = 0, c = 0;
      return [out, {
        count: state.count.add(1),
        vRow: map(() => vRow[a++], updates),
        vCol: map(() => vCol[b++], updates),
        v: map(() => v[c++], updates),
      }];
    },
  });
}

/**
 * Divides each update leaf by max(1, rms(u) / threshold) (Adafactor's clipping). Stateless.
 *
 * @param threshold The largest allowed root mean square per leaf.
 * @returns The transform.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.clipByBlockRms(1);
 * assert.deepEqual(t.update(np.array([4, 4]), t.init(null))[0].toArray(), [1, 1]);
 * ```
 */
export function clipByBlockRms(threshold: number): GradientTransformation<null> {
  checkNumber("clipByBlockRms", "threshold", threshold);
  return checkedLeaves("clipByBlockRms", {
    init: () => null,
    update: (updates, state) => [
      map((u) => u.div(np.maximum(1, np.sqrt(np.mean(u.square())).div(threshold))), updates),
      state,
    ],
  });
}

/**
 * Subtracts each update leaf's mean (gradient centralization; vectors are left alone). Stateless.
 *
 * @returns The transform.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.centralize();
 * const [u] = t.update(np.array([[1, 3], [5, 7]]), t.init(null));
 * assert.deepEqual(u.toArray(), [[-1, 1], [-1, 1]]);
 * ```
 */
export function centralize(): GradientTransformation<null> {
  return checkedLeaves("centralize", {
    init: () => null,
    update: (updates, state) => [
      map((u) => {
        if (u.ndim <= 1) return u;
        const axes = Array.from({ length: u.ndim - 1 }, (_, i) => i + 1);
        return u.sub(np.mean(u, { axis: axes, keepdims: true }));
      }, updates),
      state,
    ],
  });
}

/**
 * An exponential moving average of the updates, optionally debiased:
 * e ← decay·e + (1 − decay)·u, emitting e/(1 − decay^t) when `debias`.
 *
 * @param decay The decay rate.
 * @param options `debias` (true).
 * @returns The transform, with state `{ count, ema }`.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.ema(0.5, { debias: false });
 * assert.deepEqual(t.update(np.array([2]), t.init(np.zeros([1])))[0].toArray(), [1]);
 * ```
 */
export function ema(
  decay: number,
  options: { debias?: boolean } = {},
): GradientTransformation<{ readonly count: NDArray; readonly ema: unknown }> {
  checkOptions("optim.ema", options, ["debias"]);
  checkNumber("ema", "decay", decay, 0, 1);
  const useDebias = options.debias ?? true;
  return checkedLeaves("ema", {
    init: (params) => ({ count: newCount(), ema: zerosLike(params) }),
    update(updates, state) {
      const e = map((u, m) => moment1(u, m, decay), updates, state.ema as typeof updates);
      const count = state.count.add(1);
      const out = useDebias ? map((m) => debias(m, decay, count), e) : e;
      return [out, { count, ema: e }];
    },
  });
}

/**
 * Adds annealed Gaussian noise (Neelakantan et al. 2015): u + √(eta/t^gamma) · z,
 * z standard normal from a key carried (and split) in the state.
 *
 * @param eta The initial variance.
 * @param gamma The decay exponent of the variance.
 * @param key A key (an int32[2] array from random.key).
 * @returns The transform, with state `{ count, rngKey }`.
 *
 * @example
 * ```ts
 * import { np, optim, random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.addNoise(0.01, 0.55, random.key(0));
 * const [u] = t.update(np.zeros([3]), t.init(np.zeros([3])));
 * assert.ok((u.abs().max().item() as number) > 0);
 * ```
 */
export function addNoise(
  eta: number,
  gamma: number,
  key: NDArray,
): GradientTransformation<{ readonly count: NDArray; readonly rngKey: NDArray }> {
  checkNumber("addNoise", "eta", eta);
  return checkedLeaves("addNoise", {
    init: () => ({ count: newCount(), rngKey: key }),
    update(updates, state) {
      const count = state.count.add(1);
      const std = np.sqrt(np.div(eta, np.pow(count.astype("float32"), gamma)));
      const [rngKey, sample] = split(state.rngKey);
      const ls = leaves(updates);
      const keys = split(sample, Math.max(ls.length, 1));
      let i = 0;
      const out = map((u) => {
        const z = normal(keys[i++], u.shape, {
          dtype: u.dtype === "float64" ? "float64" : "float32",
        });
        return u.add(z.mul(std.astype(u.dtype)));
      }, updates);
      return [out, { count, rngKey }];
    },
  });
}
