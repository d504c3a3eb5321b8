/**
 * More of optax's gradient transformations, part 1: the moment-based scalers that
 * AdaBelief, Yogi, RAdam, NAdam, AMSGrad, AdaDelta, Adan and NovoGrad are chained from
 * (part 2, the norm-, sign- and factor-based blocks, is `_optax_scaling.ts`), each written
 * from optax's documented equations. Re-exported by `optim.ts`.
 *
 * Every transform is array ops on pytrees with the step count in the state, so
 * it runs under `jit` (no branch on a value is taken in JS).
 *
 * @module
 */
import { checkedLeaves } from "./_checks.ts";
import { checkOptions } from "../core/_validate.ts";
import type { NDArray } from "../core/_ndarray.ts";
import { map } from "../core/tree.ts";
import * as np from "../numpy/numpy.ts";
import type { GradientTransformation } from "./_gradient_transformations.ts";
import {
  checkNumber,
  debias,
  fullLike,
  moment1,
  moment2,
  needParams,
  newCount,
  zerosLike,
} from "./_optax_util.ts";

/** The state of the Adam-like transforms: step count, first and second moments. */
export type MomentsState = { readonly count: NDArray; readonly mu: unknown; readonly nu: unknown };

/** The bias-corrected first moment, Nesterov's look-ahead form when asked. */
function muHat(
  mu: unknown,
  updates: unknown,
  b1: number,
  count: NDArray,
  nesterov: boolean,
): unknown {
  if (!nesterov) return map((m) => debias(m, b1, count), mu);
  // m̂ = b1 · m / (1 − b1^(t+1)) + (1 − b1) · g / (1 − b1^t)
  const next = count.add(1);
  return map(
    (m, g) => debias(m, b1, next).mul(b1).add(debias(g, b1, count).mul(1 - b1)),
    mu,
    updates,
  );
}

/** Options of the Adam-like scalings. */
export interface AdamLikeOptions {
  /** First-moment decay. */
  b1?: number;
  /** Second-moment decay. */
  b2?: number;
  /** Added to the root of the second moment. */
  eps?: number;
  /** Added inside the root. */
  epsRoot?: number;
  /** Nesterov's momentum (NAdam). */
  nesterov?: boolean;
}

/**
 * Adam's scaling with optional Nesterov momentum (the NAdam block):
 * m ← b1 m + (1 − b1) g, v ← b2 v + (1 − b2) g², u = m̂ / (√(v̂ + epsRoot) + eps).
 *
 * @param options `b1` (0.9), `b2` (0.999), `eps` (1e-8), `epsRoot` (0), `nesterov` (false).
 * @returns The transform, with state `{ count, mu, nu }`.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.scaleByNadam();
 * const [u] = t.update(np.array([3, -2]), t.init(np.zeros([2])));
 * assert.ok((u.toArray() as number[])[0] > 1); // Nesterov's look-ahead: more than Adam's 1
 * ```
 */
export function scaleByNadam(options: AdamLikeOptions = {}): GradientTransformation<MomentsState> {
  checkOptions("optim.scaleByNadam", options, ["b1", "b2", "eps", "epsRoot", "nesterov"]);
  const { b1 = 0.9, b2 = 0.999, eps = 1e-8, epsRoot = 0, nesterov = true } = options;
  checkNumber("scaleByNadam", "b1", b1, 0, 1);
  checkNumber("scaleByNadam", "b2", b2, 0, 1);
  return checkedLeaves("scaleByNadam", {
    init: (params) => ({ count: newCount(), mu: zerosLike(params), nu: zerosLike(params) }),
    update(updates, state) {
      type U = typeof updates;
      const mu = map((g, m) => moment1(g, m, b1), updates, state.mu as U);
      const nu = map((g, v) => moment2(g, v, b2), updates, state.nu as U);
      const count = state.count.add(1);
      const mh = muHat(mu, updates, b1, count, nesterov) as U;
      const out = map(
        (m, v) => m.div(np.sqrt(debias(v, b2, count).add(epsRoot)).add(eps)),
        mh,
        nu,
      );
      return [out, { count, mu, nu }];
    },
  });
}

/**
 * AdaBelief's scaling (Zhuang et al. 2020): the second moment tracks the
 * squared prediction error, s ← b2 s + (1 − b2)(g − m)² + epsRoot, u = m̂ / (√ŝ + eps).
 *
 * @param options `b1` (0.9), `b2` (0.999), `eps` (1e-16), `epsRoot` (1e-16), `nesterov` (false).
 * @returns The transform, with state `{ count, mu, nu }`.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.scaleByBelief();
 * const [u] = t.update(np.array([2]), t.init(np.zeros([1])));
 * assert.ok((u.item() as number) > 0);
 * ```
 */
export function scaleByBelief(options: AdamLikeOptions = {}): GradientTransformation<MomentsState> {
  checkOptions("optim.scaleByBelief", options, ["b1", "b2", "eps", "epsRoot", "nesterov"]);
  const { b1 = 0.9, b2 = 0.999, eps = 1e-16, epsRoot = 1e-16, nesterov = false } = options;
  checkNumber("scaleByBelief", "b1", b1, 0, 1);
  checkNumber("scaleByBelief", "b2", b2, 0, 1);
  return checkedLeaves("scaleByBelief", {
    init: (params) => ({ count: newCount(), mu: zerosLike(params), nu: zerosLike(params) }),
    update(updates, state) {
      type U = typeof updates;
      const mu = map((g, m) => moment1(g, m, b1), updates, state.mu as U);
      const nu = map(
        (g, m, s) => moment2(g.sub(m), s, b2).add(epsRoot),
        updates,
        mu,
        state.nu as U,
      );
      const count = state.count.add(1);
      const mh = muHat(mu, updates, b1, count, nesterov) as U;
      const out = map((m, s) => m.div(np.sqrt(debias(s, b2, count)).add(eps)), mh, nu);
      return [out, { count, mu, nu }];
    },
  });
}

/**
 * Yogi's scaling (Zaheer et al. 2018): v ← v − (1 − b2) sign(v − g²) g², an
 * additive second moment; u = m̂ / (√(v̂ + epsRoot) + eps).
 *
 * @param options `b1` (0.9), `b2` (0.999), `eps` (1e-3), `epsRoot` (0), `initialAccumulatorValue` (1e-6).
 * @returns The transform, with state `{ count, mu, nu }`.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.scaleByYogi();
 * const [u] = t.update(np.array([2]), t.init(np.zeros([1])));
 * assert.ok((u.item() as number) > 0);
 * ```
 */
export function scaleByYogi(
  options: AdamLikeOptions & { initialAccumulatorValue?: number } = {},
): GradientTransformation<MomentsState> {
  checkOptions("optim.scaleByYogi", options, [
    "b1",
    "b2",
    "eps",
    "epsRoot",
    "nesterov",
    "initialAccumulatorValue",
  ]);
  const { b1 = 0.9, b2 = 0.999, eps = 1e-3, epsRoot = 0, initialAccumulatorValue = 1e-6 } = options;
  return checkedLeaves("scaleByYogi", {
    init: (params) => ({
      count: newCount(),
      mu: fullLike(params, initialAccumulatorValue),
      nu: fullLike(params, initialAccumulatorValue),
    }),
    update(updates, state) {
      type U = typeof updates;
      const mu = map((g, m) => moment1(g, m, b1), updates, state.mu as U);
      const nu = map(
        (g, v) => v.sub(np.sign(v.sub(g.square())).mul(g.square()).mul(1 - b2)),
        updates,
        state.nu as U,
      );
      const count = state.count.add(1);
      const out = map(
        (m, v) => debias(m, b1, count).div(np.sqrt(debias(v, b2, count).add(epsRoot)).add(eps)),
        mu,
        nu,
      );
      return [out, { count, mu, nu }];
    },
  });
}

/**
 * Rectified Adam's scaling (Liu et al. 2020): with ρ∞ = 2/(1 − b2) − 1 and
 * ρ_t = ρ∞ − 2t b2^t/(1 − b2^t), the update is the rectified Adam step
 * r_t m̂/(√(v̂ + epsRoot) + eps) once ρ_t ≥ threshold, else m̂ (momentum SGD).
 *
 * @param options `b1` (0.9), `b2` (0.999), `eps` (1e-8), `epsRoot` (0), `threshold` (5), `nesterov` (false).
 * @returns The transform, with state `{ count, mu, nu }`.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.scaleByRadam();
 * // the first steps are momentum SGD: m̂ = g
 * assert.ok(Math.abs((t.update(np.array([2]), t.init(np.zeros([1])))[0].item() as number) - 2) < 1e-5);
 * ```
 */
export function scaleByRadam(
  options: AdamLikeOptions & { threshold?: number } = {},
): GradientTransformation<MomentsState> {
  checkOptions("optim.scaleByRadam", options, [
    "b1",
    "b2",
    "eps",
    "epsRoot",
    "nesterov",
    "threshold",
  ]);
  const { b1 = 0.9, b2 = 0.999, eps = 1e-8, epsRoot = 0, threshold = 5, nesterov = false } =
    options;
  const roInf = 2 / (1 - b2) - 1;
  return checkedLeaves("scaleByRadam", {
    init: (params) => ({ count: newCount(), mu: zerosLike(params), nu: zerosLike(params) }),
    update(updates, state) {
      type U = typeof updates;
      const mu = map((g, m) => moment1(g, m, b1), updates, state.mu as U);
      const nu = map((g, v) => moment2(g, v, b2), updates, state.nu as U);
      const count = state.count.add(1);
      const t = count.astype("float32");
      const b2t = np.pow(b2, t);
      const ro = np.sub(roInf, np.div(np.mul(np.mul(t, 2), b2t), np.sub(1, b2t)));
      // r = √((ρ − 4)(ρ − 2) ρ∞ / ((ρ∞ − 4)(ρ∞ − 2) ρ))
      const r = np.sqrt(
        np.div(
          np.mul(np.mul(np.sub(ro, 4), np.sub(ro, 2)), roInf),
          np.mul(ro, (roInf - 4) * (roInf - 2)),
        ),
      );
      const mh = muHat(mu, updates, b1, count, nesterov) as U;
      const out = map(
        (m, v) =>
          np.where(
            np.greaterEqual(ro, threshold),
            r.astype(m.dtype).mul(m).div(np.sqrt(debias(v, b2, count).add(epsRoot)).add(eps)),
            m,
          ),
        mh,
        nu,
      );
      return [out, { count, mu, nu }];
    },
  });
}

/**
 * AMSGrad's scaling (Reddi et al. 2018): Adam with the running maximum of the
 * (bias-corrected) second moment in the denominator.
 *
 * @param options `b1` (0.9), `b2` (0.999), `eps` (1e-8), `epsRoot` (0).
 * @returns The transform, with state `{ count, mu, nu, nuMax }`.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.scaleByAmsgrad();
 * const [u] = t.update(np.array([3]), t.init(np.zeros([1])));
 * assert.ok(Math.abs((u.item() as number) - 1) < 1e-5);
 * ```
 */
export function scaleByAmsgrad(
  options: AdamLikeOptions = {},
): GradientTransformation<MomentsState & { readonly nuMax: unknown }> {
  checkOptions("optim.scaleByAmsgrad", options, ["b1", "b2", "eps", "epsRoot", "nesterov"]);
  const { b1 = 0.9, b2 = 0.999, eps = 1e-8, epsRoot = 0 } = options;
  return checkedLeaves("scaleByAmsgrad", {
    init: (params) => ({
      count: newCount(),
      mu: zerosLike(params),
      nu: zerosLike(params),
      nuMax: zerosLike(params),
    }),
    update(updates, state) {
      type U = typeof updates;
      const mu = map((g, m) => moment1(g, m, b1), updates, state.mu as U);
      const nu = map((g, v) => moment2(g, v, b2), updates, state.nu as U);
      const count = state.count.add(1);
      const nuMax = map((vm, v) => np.maximum(vm, debias(v, b2, count)), state.nuMax as U, nu);
      const out = map(
        (m, v) => debias(m, b1, count).div(np.sqrt(v.add(epsRoot)).add(eps)),
        mu,
        nuMax,
      );
      return [out, { count, mu, nu, nuMax }];
    },
  });
}

/**
 * AdaDelta's scaling (Zeiler 2012): E[g²] ← ρE[g²] + (1 − ρ)g²,
 * u = √(E[Δx²] + eps)/√(E[g²] + eps) · g, then E[Δx²] ← ρE[Δx²] + (1 − ρ)u².
 *
 * @param options `rho` (0.9), `eps` (1e-6).
 * @returns The transform, with state `{ eG, eX }`.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.scaleByAdadelta();
 * assert.ok((t.update(np.array([1]), t.init(np.zeros([1])))[0].item() as number) > 0);
 * ```
 */
export function scaleByAdadelta(
  options: { rho?: number; eps?: number } = {},
): GradientTransformation<{ readonly eG: unknown; readonly eX: unknown }> {
  checkOptions("optim.scaleByAdadelta", options, ["rho", "eps"]);
  const { rho = 0.9, eps = 1e-6 } = options;
  checkNumber("scaleByAdadelta", "rho", rho, 0, 1);
  return checkedLeaves("scaleByAdadelta", {
    init: (params) => ({ eG: zerosLike(params), eX: zerosLike(params) }),
    update(updates, state) {
      type U = typeof updates;
      const eG = map((g, e) => moment2(g, e, rho), updates, state.eG as U);
      const out = map(
        (g, eg, ex) => np.sqrt(ex.add(eps)).div(np.sqrt(eg.add(eps))).mul(g),
        updates,
        eG,
        state.eX as U,
      );
      const eX = map((u, e) => moment2(u, e, rho), out, state.eX as U);
      return [out, { eG, eX }];
    },
  });
}

/**
 * Adan's scaling (Xie et al. 2022, Algorithm 1): moments of g, of the gradient
 * difference d = g − g_prev (0 at the first step) and of (g + (1 − b2)d)²;
 * u = (m̂ + (1 − b2) v̂) / (√(n̂ + epsRoot) + eps).
 *
 * @param options `b1` (0.98), `b2` (0.92), `b3` (0.99), `eps` (1e-8), `epsRoot` (1e-8).
 * @returns The transform, with state `{ m, v, n, g, t }`.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.scaleByAdan();
 * assert.ok((t.update(np.array([1]), t.init(np.zeros([1])))[0].item() as number) > 0);
 * ```
 */
export function scaleByAdan(
  options: { b1?: number; b2?: number; b3?: number; eps?: number; epsRoot?: number } = {},
): GradientTransformation<
  {
    readonly m: unknown;
    readonly v: unknown;
    readonly n: unknown;
    readonly g: unknown;
    readonly t: NDArray;
  }
> {
  checkOptions("optim.scaleByAdan", options, ["b1", "b2", "b3", "eps", "epsRoot"]);
  const { b1 = 0.98, b2 = 0.92, b3 = 0.99, eps = 1e-8, epsRoot = 1e-8 } = options;
  return checkedLeaves("scaleByAdan", {
    init: (params) => ({
      m: zerosLike(params),
      v: zerosLike(params),
      n: zerosLike(params),
      g: zerosLike(params),
      t: newCount(),
    }),
    update(updates, state) {
      type U = typeof updates;
      const first = np.equal(state.t, 0);
      const diff = map(
        (g, gp) => np.where(first, np.zerosLike(g), g.sub(gp)),
        updates,
        state.g as U,
      );
      const m = map((g, mm) => moment1(g, mm, b1), updates, state.m as U);
      const v = map((d, vv) => moment1(d, vv, b2), diff, state.v as U);
      const n = map(
        (g, d, nn) => moment2(g.add(d.mul(1 - b2)), nn, b3),
        updates,
        diff,
        state.n as U,
      );
      const t = state.t.add(1);
      const out = map(
        (mm, vv, nn) =>
          debias(mm, b1, t).add(debias(vv, b2, t).mul(1 - b2)).div(
            np.sqrt(debias(nn, b3, t).add(epsRoot)).add(eps),
          ),
        m,
        v,
        n,
      );
      return [out, { m, v, n, g: updates, t }];
    },
  });
}

/**
 * NovoGrad's scaling (Ginsburg et al. 2019): a per-layer second moment of the
 * squared norm, v ← b2 v + (1 − b2)‖g‖² (v = ‖g‖² at the first step), and
 * m ← b1 m + g/(√(v + epsRoot) + eps) + wd·p (without b1 at the first step).
 *
 * @param options `b1` (0.9), `b2` (0.25), `eps` (1e-8), `epsRoot` (0), `weightDecay` (0).
 * @returns The transform, with state `{ count, mu, nu }`; `update` needs the params.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.scaleByNovograd({ eps: 0 });
 * const p = np.zeros([2]);
 * const [u] = t.update(np.array([3, 4]), t.init(p), p);
 * assert.deepEqual(u.toArray(), [0.6000000238418579, 0.800000011920929]);
 * ```
 */
export function scaleByNovograd(
  options: { b1?: number; b2?: number; eps?: number; epsRoot?: number; weightDecay?: number } = {},
): GradientTransformation<MomentsState> {
  checkOptions("optim.scaleByNovograd", options, ["b1", "b2", "eps", "epsRoot", "weightDecay"]);
  const { b1 = 0.9, b2 = 0.25, eps = 1e-8, epsRoot = 0, weightDecay = 0 } = options;
  return checkedLeaves("scaleByNovograd", {
    init: (params) => ({
      count: newCount(),
      mu: zerosLike(params),
      nu: map((p) => np.zeros([], { dtype: p.dtype }), params),
    }),
    update(updates, state, params) {
      needParams("scaleByNovograd", params);
      type U = typeof updates;
      const count = state.count.add(1);
      const first = np.equal(count, 1);
      const nu = map(
        (g, v) => {
          const sq = np.sum(g.square()).astype(v.dtype);
          return np.where(first, sq, moment1(sq, v, b2));
        },
        updates,
        state.nu as U,
      );
      const mu = map(
        (g, p, v, m) => {
          const add = g.div(np.sqrt(v.add(epsRoot)).add(eps)).add(p.mul(weightDecay));
          return np.where(first, add, m.mul(b1).add(add));
        },
        updates,
        params as U,
        nu,
        state.mu as U,
      );
      return [mu, { count, mu, nu }];
    },
  });
}
