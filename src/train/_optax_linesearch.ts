/**
 * L-BFGS and the backtracking line search, after optax 0.2.8's `scale_by_lbfgs`,
 * `lbfgs` and `scale_by_backtracking_linesearch` (the zoom line search, L-BFGS's
 * default, is in `_optax_zoom.ts`). Re-exported by `optim.ts`.
 *
 * A line search needs more than the gradients: the objective's value and gradient at
 * the current params and the objective itself, to evaluate it at trial steps. optax
 * passes them as keyword arguments of `update`; here they are the fourth argument,
 * `update(grads, state, params, { value, grad, valueFn })` (see {@link ExtraArgs}), and
 * `chain` passes it to every transform. Data the objective needs (a batch) is closed
 * over by `valueFn`. The search is a `lax.whileLoop`, so a step runs under `jit`.
 *
 * @module
 */
import { NDArray } from "../core/_ndarray.ts";
import { map } from "../core/tree.ts";
import { checkOptions } from "../core/_validate.ts";
import * as np from "../numpy/numpy.ts";
import { cond, whileLoop } from "../transforms/control_flow.ts";
import { valueAndGrad } from "../transforms/autodiff.ts";
import {
  chain,
  type GradientTransformation,
  identity,
  type ScalarOrSchedule,
  scale,
  scaleByLearningRate,
} from "./_gradient_transformations.ts";
import { checkLearningRate } from "./_learning_rate.ts";
import {
  addScaled,
  checkNumber,
  lineSearchArgs,
  needParams,
  treeSquaredNorm,
  treeVdot,
  valueDtype,
} from "./_optax_util.ts";
import { checkedLeaves, checkSameTree, checkState } from "./_checks.ts";
import { scaleByZoomLinesearch } from "./_optax_zoom.ts";

// ---- backtracking line search -----------------------------------------------------------

/** The state of {@link scaleByBacktrackingLinesearch}. */
export type BacktrackingLinesearchState = {
  readonly learningRate: NDArray;
  readonly value: NDArray;
  readonly grad: unknown;
  readonly info: { readonly numLinesearchSteps: NDArray; readonly decreaseError: NDArray };
};

/**
 * A backtracking line search for the Armijo condition (optax's
 * `scale_by_backtracking_linesearch`): starting from
 * `min(increaseFactor · previous η, maxLearningRate)`, η shrinks by `decreaseFactor`
 * until `f(w + η u) ≤ (1 + rtol) f(w) + η · slopeRtol · ⟨u, ∇f(w)⟩ + atol`, for at most
 * `maxBacktrackingSteps` shrinks; the updates are scaled by η (by 0 when every trial was
 * NaN or infinite). `update` needs `{ value, grad, valueFn }` (see {@link ExtraArgs}).
 *
 * @param maxBacktrackingSteps The most shrinks per step.
 * @param options `slopeRtol` (1e-4), `decreaseFactor` (0.8), `increaseFactor` (1.5),
 *   `maxLearningRate` (1), `atol` (0), `rtol` (0), `storeGrad` (false: keep ∇f at the
 *   accepted point in the state, as optax, for the next step).
 * @returns The transform, with state `{ learningRate, value, grad, info }`.
 *
 * @example
 * ```ts
 * import { np, optim, valueAndGrad } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const f = (x: np.NDArray) => x.square().sum();
 * const opt = optim.chain(optim.sgd(1), optim.scaleByBacktrackingLinesearch(15));
 * let x = np.array([1, 2, 3]);
 * let state = opt.init(x);
 * for (let i = 0; i < 3; i++) {
 *   const [value, grad] = valueAndGrad(f)(x);
 *   const [u, next] = opt.update(grad, state, x, { value, grad, valueFn: f });
 *   x = optim.applyUpdates(x, u);
 *   state = next;
 * }
 * // each step accepts η = 0.8 (η = 1 gives no decrease): f shrinks by 0.6² per step
 * assert.ok(Math.abs((f(x).item() as number) - 14 * 0.36 ** 3) < 1e-4);
 * ```
 */
export function scaleByBacktrackingLinesearch(
  maxBacktrackingSteps: number,
  options: {
    slopeRtol?: number;
    decreaseFactor?: number;
    increaseFactor?: number;
    maxLearningRate?: number;
    atol?: number;
    rtol?: number;
    storeGrad?: boolean;
  } = {},
): GradientTransformation<BacktrackingLinesearchState> {
  const op = "scaleByBacktrackingLinesearch";
  checkOptions(`optim.${op}`, options, [
    "slopeRtol",
    "decreaseFactor",
    "increaseFactor",
    "maxLearningRate",
    "atol",
    "rtol",
    "storeGrad",
  ]);
  if (!Number.isInteger(maxBacktrackingSteps) || maxBacktrackingSteps < 0) {
    throw new RangeError(
      `optim.${op}: maxBacktrackingSteps must be a non-negative integer, got ${maxBacktrackingSteps}.`,
    );
  }
  const {
    slopeRtol = 1e-4,
    decreaseFactor = 0.8,
    increaseFactor = 1.5,
    maxLearningRate = 1,
    atol = 0,
    rtol = 0,
    storeGrad = false,
  } = options;
  checkNumber(op, "slopeRtol", slopeRtol);
  checkNumber(op, "decreaseFactor", decreaseFactor, 0, 1);
  checkNumber(op, "increaseFactor", increaseFactor, 0);
  checkNumber(op, "maxLearningRate", maxLearningRate);
  checkNumber(op, "atol", atol);
  checkNumber(op, "rtol", rtol);
  return checkedLeaves("scaleByBacktrackingLinesearch", {
    init(params) {
      const dtype = valueDtype(params);
      return {
        learningRate: np.array(1, { dtype }),
        value: np.array(Infinity, { dtype }),
        grad: storeGrad ? map((p) => np.zerosLike(p), params) : null,
        info: {
          numLinesearchSteps: np.zeros([], { dtype: "int32" }),
          decreaseError: np.array(Infinity, { dtype }),
        },
      };
    },
    update(updates, state, params, extra) {
      checkState(op, state, updates, [], []);
      const { value: v0, grad, valueFn } = lineSearchArgs(op, updates, params, extra);
      const dtype = valueDtype(params);
      const value = v0.astype(dtype);
      // slope = ⟨u, ∇f(w)⟩ (negative for a descent direction)
      const slope = treeVdot(updates, grad).astype(dtype);
      // error = max(f(w + ηu) − (1 + rtol) f(w) − η·c·slope, 0), NaN counted as +∞
      const decreaseError = (eta: NDArray, newValue: NDArray) => {
        const e = newValue.sub(value.mul(1 + rtol)).sub(eta.mul(slopeRtol).mul(slope));
        return np.maximum(np.where(np.isnan(e), Infinity, e), 0).astype(dtype);
      };
      type Carry = {
        lr: NDArray;
        newValue: NDArray;
        newGrad: unknown;
        error: NDArray;
        iter: NDArray;
      };
      const init: Carry = {
        lr: np.minimum(state.learningRate.mul(increaseFactor), maxLearningRate).astype(dtype),
        newValue: value,
        newGrad: map((p) => np.zerosLike(p), params),
        error: np.array(Infinity, { dtype }),
        iter: np.zeros([], { dtype: "int32" }),
      };
      const out = whileLoop(
        // continue while the criterion fails and shrinks remain
        (c: Carry) =>
          np.logicalAnd(
            np.logicalNot(c.error.lessEqual(atol)),
            c.iter.lessEqual(maxBacktrackingSteps),
          ),
        (c: Carry): Carry => {
          // η ← decreaseFactor · η after the first trial
          const lr = np.where(c.iter.greater(0), c.lr.mul(decreaseFactor), c.lr).astype(dtype);
          const trial = addScaled(params, lr, updates);
          let newValue: NDArray, newGrad = c.newGrad;
          if (storeGrad) {
            const [val, g] = valueAndGrad(valueFn)(trial);
            newValue = val.astype(dtype);
            const error = decreaseError(lr, newValue);
            const last = np.logicalOr(error.lessEqual(atol), c.iter.equal(maxBacktrackingSteps));
            newGrad = map((a, b) => np.where(last, a, b).astype(b.dtype), g, c.newGrad as typeof g);
          } else newValue = valueFn(trial).astype(dtype);
          const error = decreaseError(lr, newValue);
          return { lr, newValue, newGrad, error, iter: c.iter.add(1) };
        },
        init,
      );
      // no step when every trial gave an infinite or NaN value
      const learningRate = np.where(np.isinf(out.error), 0, out.lr).astype(dtype);
      return [map((u) => u.mul(learningRate.astype(u.dtype)), updates), {
        learningRate,
        value: out.newValue,
        grad: storeGrad ? out.newGrad : null,
        info: { numLinesearchSteps: out.iter, decreaseError: out.error },
      }];
    },
  });
}

// ---- L-BFGS -----------------------------------------------------------------------------

/** The state of {@link scaleByLbfgs}. */
export type ScaleByLbfgsState = {
  readonly count: NDArray;
  readonly params: unknown;
  readonly updates: unknown;
  readonly diffParamsMemory: unknown;
  readonly diffUpdatesMemory: unknown;
  readonly weightsMemory: NDArray;
};

/** Row `idx` (a traced int32 scalar) of every stacked leaf. */
const row = (tree: unknown, idx: NDArray): unknown =>
  map((m) => np.take(m, np.reshape(idx, [1]), 0).reshape(m.shape.slice(1)), tree);

/**
 * L-BFGS's direction (Nocedal & Wright, algorithms 7.4–7.5), as optax's
 * `scale_by_lbfgs`: the update u is multiplied by the inverse-Hessian approximation
 * P_k built from the last `memorySize` differences δw = w_{k+1} − w_k, δu = u_{k+1} − u_k
 * with ρ = 1/⟨δu, δw⟩ (two-loop recursion). The initial P is γI with
 * γ = ⟨δw, δu⟩/‖δu‖² (`scaleInitPrecond`), and min(1, 1/‖u‖) at the first step. The memory
 * is updated before the product, so it records the step the line search accepted.
 * `update` needs the params.
 *
 * @param options `memorySize` (10), `scaleInitPrecond` (true).
 * @returns The transform, with state `{ count, params, updates, diffParamsMemory,
 *   diffUpdatesMemory, weightsMemory }`.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.scaleByLbfgs();
 * const p = np.array([0, 0]);
 * // the first direction is the gradient scaled to norm ≤ 1
 * const [u] = t.update(np.array([3, 4]), t.init(p), p);
 * assert.ok(Math.abs((u.toArray() as number[])[1] - 0.8) < 1e-6);
 * ```
 */
export function scaleByLbfgs(
  options: { memorySize?: number; scaleInitPrecond?: boolean } = {},
): GradientTransformation<ScaleByLbfgsState> {
  const op = "scaleByLbfgs";
  checkOptions(`optim.${op}`, options, ["memorySize", "scaleInitPrecond"]);
  const { memorySize: m = 10, scaleInitPrecond = true } = options;
  if (!Number.isInteger(m) || m < 1) {
    throw new RangeError(`optim.${op}: memorySize must be an integer ≥ 1, got ${m}.`);
  }
  return checkedLeaves("scaleByLbfgs", {
    init(params) {
      const stacked = map((p) => np.zeros([m, ...p.shape], { dtype: p.dtype }), params);
      return {
        count: np.zeros([], { dtype: "int32" }),
        params: map((p) => np.zerosLike(p), params),
        updates: map((p) => np.zerosLike(p), params),
        diffParamsMemory: stacked,
        diffUpdatesMemory: stacked,
        weightsMemory: np.zeros([m]),
      };
    },
    update(updates, state, params) {
      needParams(op, params);
      checkState(op, state, updates, ["count"], ["params", "updates"]);
      checkSameTree(`optim.${op}`, "the params", params, "the updates", updates);
      type U = typeof updates;
      const count = state.count;
      const memIdx = np.mod(count, m).astype("int32");
      const prevIdx = np.mod(count.add(m - 1), m).astype("int32");
      const started = count.greater(0);
      // 1. the newest pair (zero at the first step): δw = w − w_prev, δu = u − u_prev, ρ = 1/⟨δu, δw⟩
      const keep = (x: NDArray) => np.where(started, x, np.zerosLike(x)).astype(x.dtype);
      const dw = map((p, q) => keep(p.sub(q)), params as U, state.params as U);
      const du = map((u, q) => keep(u.sub(q)), updates, state.updates as U);
      const dot = treeVdot(du, dw);
      const weight = keep(np.where(dot.equal(0), 0, np.reciprocal(dot)).astype("float32"));
      const slot = (mem: NDArray, v: NDArray) => {
        const at = np.arange(m).equal(prevIdx).reshape([m, ...new Array(v.ndim).fill(1)]);
        return np.where(at, np.expandDims(v, 0), mem).astype(mem.dtype);
      };
      const dwMem = map((mem, v) => slot(mem, v), state.diffParamsMemory as U, dw);
      const duMem = map((mem, v) => slot(mem, v), state.diffUpdatesMemory as U, du);
      const rhos = slot(state.weightsMemory, weight);
      // 2. γ = ⟨δw, δu⟩ / ‖δu‖² (1 if δu = 0), or min(1, 1/‖u‖) at the first step
      let gamma: NDArray = np.array(1);
      if (scaleInitPrecond) {
        const den = treeSquaredNorm(du);
        const ratio = np.where(den.greater(0), dot.div(den), 1);
        const capped = np.minimum(
          1,
          np.reciprocal(np.sqrt(treeSquaredNorm(map(np.stopGradient, updates)))),
        );
        gamma = np.where(started, ratio, capped);
      }
      // 3. two-loop recursion over the memory, newest pair last in `order`
      const order = Array.from({ length: m }, (_, k) => np.mod(memIdx.add(k), m).astype("int32"));
      let vec: unknown = updates;
      const alphas: NDArray[] = new Array(m);
      for (let k = m - 1; k >= 0; k--) {
        // α_k = ρ_k ⟨δw_k, v⟩;  v ← v − α_k δu_k
        const i = order[k];
        const rho = np.take(rhos, np.reshape(i, [1])).reshape([]);
        const alpha = rho.mul(treeVdot(row(dwMem, i), vec));
        alphas[k] = alpha;
        vec = map(
          (x, d) => x.sub(d.mul(alpha.astype(d.dtype))).astype(x.dtype),
          vec as U,
          row(duMem, i) as U,
        );
      }
      vec = map((x) => x.mul(gamma.astype(x.dtype)), vec as U);
      for (let k = 0; k < m; k++) {
        // β_k = ρ_k ⟨δu_k, v⟩;  v ← v + (α_k − β_k) δw_k
        const i = order[k];
        const rho = np.take(rhos, np.reshape(i, [1])).reshape([]);
        const beta = rho.mul(treeVdot(row(duMem, i), vec));
        const coef = alphas[k].sub(beta);
        vec = map(
          (x, d) => x.add(d.mul(coef.astype(d.dtype))).astype(x.dtype),
          vec as U,
          row(dwMem, i) as U,
        );
      }
      return [vec as U, {
        count: count.add(1),
        params,
        updates,
        diffParamsMemory: dwMem,
        diffUpdatesMemory: duMem,
        weightsMemory: rhos,
      }];
    },
  });
}

/**
 * L-BFGS (optax's `lbfgs`): `chain(scaleByLbfgs({ memorySize, scaleInitPrecond }),
 * learningRate === undefined ? scale(−1) : scaleByLearningRate(learningRate), linesearch)`,
 * the line search by default a zoom line search (`scaleByZoomLinesearch(20,
 * { initialGuessStrategy: "one" })`, strong Wolfe conditions). `update` needs
 * `{ value, grad, valueFn }` (see {@link ExtraArgs}); pass `linesearch: null` for none.
 *
 * @param options `learningRate` (none: the line search sets the step), `memorySize` (10),
 *   `scaleInitPrecond` (true), `linesearch` (the zoom line search; `null` for none).
 * @returns The optimizer.
 *
 * @example
 * ```ts
 * import { np, optim, valueAndGrad } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const f = (x: np.NDArray) => x.square().mul(np.array([1, 10])).sum();
 * const opt = optim.lbfgs();
 * let x = np.array([1, 1]);
 * let state = opt.init(x);
 * for (let i = 0; i < 5; i++) {
 *   const [value, grad] = valueAndGrad(f)(x);
 *   const [u, next] = opt.update(grad, state, x, { value, grad, valueFn: f });
 *   x = optim.applyUpdates(x, u);
 *   state = next;
 * }
 * assert.ok((f(x).item() as number) < 1e-6);
 * ```
 */
export function lbfgs(
  options: {
    learningRate?: ScalarOrSchedule;
    memorySize?: number;
    scaleInitPrecond?: boolean;
    linesearch?: GradientTransformation | null;
  } = {},
): GradientTransformation<unknown[]> {
  checkOptions("optim.lbfgs", options, [
    "learningRate",
    "memorySize",
    "scaleInitPrecond",
    "linesearch",
  ]);
  if (options.learningRate !== undefined) checkLearningRate("lbfgs", options.learningRate);
  const base = options.learningRate === undefined
    ? scale(-1)
    : scaleByLearningRate(options.learningRate);
  const linesearch = options.linesearch === undefined
    ? scaleByZoomLinesearch(20, { initialGuessStrategy: "one" })
    : options.linesearch === null
    ? identity()
    : options.linesearch;
  return checkedLeaves(
    "lbfgs",
    chain(
      scaleByLbfgs({ memorySize: options.memorySize, scaleInitPrecond: options.scaleInitPrecond }),
      base,
      linesearch,
    ),
  );
}

/**
 * optax's `value_and_grad_from_state`: a `valueAndGrad(valueFn)` that reuses the value and
 * gradient a line search stored in the optimizer state (the `value` and `grad` entries of
 * the zoom or backtracking state, at the params it accepted) and computes them only when
 * the stored value is not finite (the first step). With L-BFGS this halves the objective
 * evaluations. The state must hold exactly one `value` and one `grad` entry.
 *
 * @typeParam P The params type.
 * @param valueFn The objective: params → scalar.
 * @returns `(params, state) => [value, grad]`.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const f = (x: np.NDArray) => x.square().mul(np.array([1, 10])).sum();
 * const vg = optim.valueAndGradFromState(f);
 * const opt = optim.lbfgs();
 * let x = np.array([1, 1]);
 * let state = opt.init(x);
 * for (let i = 0; i < 5; i++) {
 *   const [value, grad] = vg(x, state);
 *   const [u, next] = opt.update(grad, state, x, { value, grad, valueFn: f as (p: unknown) => np.NDArray });
 *   x = optim.applyUpdates(x, u);
 *   state = next;
 * }
 * assert.ok((f(x).item() as number) < 1e-6);
 * ```
 */
export function valueAndGradFromState<P>(
  valueFn: (params: P) => NDArray,
): (params: P, state: unknown) => [NDArray, P] {
  if (typeof valueFn !== "function") {
    throw new TypeError(`optim.valueAndGradFromState: valueFn must be a function params → scalar.`);
  }
  const vg = valueAndGrad(valueFn as (p: unknown) => NDArray);
  return (params, state) => {
    const value = findEntry(state, "value"), grad = findEntry(state, "grad");
    if (!(value instanceof NDArray) || value.ndim !== 0 || grad === undefined || grad === null) {
      throw new TypeError(
        `optim.valueAndGradFromState: the state holds no stored value and grad; use an ` +
          `optimizer whose line search keeps them (lbfgs, scaleByZoomLinesearch, or ` +
          `scaleByBacktrackingLinesearch with storeGrad: true).`,
      );
    }
    // reuse when the stored value is finite, else evaluate (first step: value = +∞)
    const stored = np.logicalNot(np.logicalOr(np.isinf(value), np.isnan(value)));
    return cond(
      stored,
      (_p: unknown, v: NDArray, g: unknown): [NDArray, unknown] => [v, g],
      (p: unknown, v: NDArray): [NDArray, unknown] => {
        const [val, g] = vg(p);
        return [val.astype(v.dtype), g];
      },
      params as unknown,
      value,
      grad,
    ) as [NDArray, P];
  };
}

/** The one entry named `key` in a nested state (undefined when none; an error when several). */
function findEntry(tree: unknown, key: string): unknown {
  const found: unknown[] = [];
  const walk = (t: unknown): void => {
    if (t === null || typeof t !== "object" || t instanceof NDArray) return;
    if (Array.isArray(t)) return t.forEach(walk);
    for (const [k, v] of Object.entries(t)) {
      if (k === key) found.push(v);
      else walk(v);
    }
  };
  walk(tree);
  if (found.length > 1) {
    throw new TypeError(
      `optim.valueAndGradFromState: the state holds ${found.length} "${key}" entries; it needs exactly one.`,
    );
  }
  return found[0];
}
