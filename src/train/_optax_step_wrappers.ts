/**
 * optax's wrappers that decide when, and whether, an inner optimizer's step is
 * applied: gradient accumulation over mini-steps (`multiSteps`), skipping or
 * cleaning non-finite steps (`applyIfFinite`, `zeroNans`), and Lookahead's
 * periodic sync of slow weights (`lookahead`). Everything is selected with array
 * ops, so the wrappers run under `jit` (both branches are computed, as `lax.cond`
 * would under `vmap`). Re-exported by `optim.ts`.
 *
 * @module
 */
import { checkedLeaves } from "./_checks.ts";
import { checkOptions } from "../core/_validate.ts";
import type { NDArray } from "../core/_ndarray.ts";
import { leaves, map } from "../core/tree.ts";
import * as np from "../numpy/numpy.ts";
import type { ExtraArgs, GradientTransformation } from "./_gradient_transformations.ts";
import { needParams, newCount, zerosLike } from "./_optax_util.ts";

/** The state of {@link multiSteps}. */
export type MultiStepsState = {
  readonly miniStep: NDArray;
  readonly gradientStep: NDArray;
  readonly innerState: unknown;
  readonly accGrads: unknown;
  readonly skipState: unknown;
};

/** A skip predicate of {@link multiSteps}: (updates, gradientStep, params) → [skip, info]. */
export type ShouldSkipUpdateFn = (
  updates: unknown,
  gradientStep: NDArray,
  params: unknown,
) => readonly [NDArray, unknown];

/** `where(c, a, b)` over two trees of one structure, keeping each leaf's dtype. */
function selectTree<T>(c: NDArray, a: T, b: T): T {
  if (a === null || a === undefined) return a;
  return map((x, y) => np.where(c, x, y).astype(x.dtype), a, b);
}

/**
 * Gradient accumulation, as optax's `MultiSteps`: gradients of `everyK`
 * mini-steps are averaged (or summed), the inner optimizer steps once with them,
 * and the updates are zero on the other mini-steps.
 *
 * With `shouldSkipUpdateFn` (e.g. `optim.skipNotFinite`), a mini-step it rejects is
 * ignored: zero updates, the state unchanged but for `skipState`, which keeps what the
 * function reported.
 *
 * @param inner The optimizer.
 * @param everyK How many mini-steps per update.
 * @param options `useGradMean` (true), `shouldSkipUpdateFn` ((updates, gradientStep,
 *   params) → [skip (bool scalar), info]; none by default).
 * @returns The transform, with state `{ miniStep, gradientStep, innerState, accGrads, skipState }`.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.multiSteps(optim.sgd(1), 2);
 * const [u1, s1] = opt.update(np.array([1]), opt.init(np.zeros([1])));
 * const [u2] = opt.update(np.array([3]), s1);
 * assert.deepEqual([u1.toArray(), u2.toArray()], [[0], [-2]]);
 * ```
 */
export function multiSteps(
  inner: GradientTransformation,
  everyK: number,
  options: { useGradMean?: boolean; shouldSkipUpdateFn?: ShouldSkipUpdateFn } = {},
): GradientTransformation<MultiStepsState> {
  checkOptions("optim.multiSteps", options, ["useGradMean", "shouldSkipUpdateFn"]);
  if (!Number.isInteger(everyK) || everyK < 1) {
    throw new RangeError(`optim.multiSteps: everyK must be a positive integer, got ${everyK}.`);
  }
  const mean = options.useGradMean ?? true;
  const skipFn = options.shouldSkipUpdateFn;
  if (skipFn !== undefined && typeof skipFn !== "function") {
    throw new TypeError(
      `optim.multiSteps: shouldSkipUpdateFn must be a function (updates, gradientStep, params) => [skip, info].`,
    );
  }
  const decide = (
    updates: unknown,
    step: NDArray,
    params: unknown,
  ): readonly [NDArray, unknown] => {
    if (skipFn === undefined) return [np.array(false), null];
    const r = skipFn(updates, step, params);
    if (
      !Array.isArray(r) || !(r[0] instanceof np.NDArray) || r[0].dtype !== "bool" || r[0].ndim !== 0
    ) {
      throw new TypeError(
        `optim.multiSteps: shouldSkipUpdateFn must return [a bool scalar array, info].`,
      );
    }
    return r;
  };
  return {
    init: (params) => ({
      miniStep: newCount(),
      gradientStep: newCount(),
      innerState: inner.init(params),
      accGrads: zerosLike(params),
      skipState: decide(zerosLike(params), newCount(), params)[1],
    }),
    update(updates, state, params, extra) {
      const [skip, skipState] = decide(updates, state.gradientStep, params);
      const [out, next] = accumulate(updates, state, params, extra);
      if (skipFn === undefined) return [out, { ...next, skipState }];
      // a skipped mini-step: zero updates, the state as it was (but for skipState)
      return [selectTree(skip, map((u) => np.zerosLike(u), out), out), {
        miniStep: np.where(skip, state.miniStep, next.miniStep).astype("int32"),
        gradientStep: np.where(skip, state.gradientStep, next.gradientStep).astype("int32"),
        innerState: selectTree(skip, state.innerState, next.innerState),
        accGrads: selectTree(skip, state.accGrads, next.accGrads),
        skipState,
      }];
    },
  };
  function accumulate<U>(
    updates: U,
    state: MultiStepsState,
    params: unknown,
    extra: ExtraArgs | undefined,
  ): [U, Omit<MultiStepsState, "skipState">] {
    {
      // mean: a ← a + (g − a)/(n + 1); sum: a ← a + g
      const n = state.miniStep.astype("float32");
      const acc = map(
        (g, a) => (mean ? a.add(g.sub(a).div(n.add(1).astype(a.dtype))) : a.add(g)),
        updates,
        state.accGrads as U,
      );
      const [final, nextInner] = inner.update(acc, state.innerState, params, extra);
      const emit = np.equal(state.miniStep, everyK - 1);
      const zero = map((u) => np.zerosLike(u), final);
      return [selectTree(emit, final, zero), {
        miniStep: np.where(emit, 0, state.miniStep.add(1)).astype("int32"),
        gradientStep: np.where(emit, state.gradientStep.add(1), state.gradientStep).astype("int32"),
        innerState: selectTree(emit, nextInner, state.innerState),
        accGrads: map((a) => np.where(emit, np.zerosLike(a), a), acc),
      }];
    }
  }
}

/** The state of {@link applyIfFinite}. */
export type ApplyIfFiniteState = {
  readonly notfiniteCount: NDArray;
  readonly lastFinite: NDArray;
  readonly totalNotfinite: NDArray;
  readonly innerState: unknown;
};

/** True when every element of every leaf is finite. */
function allFinite(tree: unknown): NDArray {
  return leaves(tree).reduce(
    (acc, u) => np.logicalAnd(acc, np.equal(np.sum(np.isfinite(u).astype("int32")), u.size)),
    np.array(true),
  );
}

/**
 * Skips steps whose updates contain NaN or ±Infinity (zero updates, inner state
 * kept), unless more than `maxConsecutiveErrors` came in a row, as optax's
 * `apply_if_finite`.
 *
 * @param inner The optimizer.
 * @param maxConsecutiveErrors How many non-finite steps in a row are skipped.
 * @returns The transform, with state `{ notfiniteCount, lastFinite, totalNotfinite, innerState }`.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.applyIfFinite(optim.sgd(1), 3);
 * const [u, s] = opt.update(np.array([NaN]), opt.init(np.zeros([1])));
 * assert.deepEqual([u.toArray(), s.totalNotfinite.item()], [[0], 1]);
 * ```
 */
export function applyIfFinite(
  inner: GradientTransformation,
  maxConsecutiveErrors: number,
): GradientTransformation<ApplyIfFiniteState> {
  if (!Number.isInteger(maxConsecutiveErrors) || maxConsecutiveErrors < 0) {
    throw new RangeError(
      `optim.applyIfFinite: maxConsecutiveErrors must be a non-negative integer, got ${maxConsecutiveErrors}.`,
    );
  }
  return {
    init: (params) => ({
      notfiniteCount: newCount(),
      lastFinite: np.array(true),
      totalNotfinite: newCount(),
      innerState: inner.init(params),
    }),
    update(updates, state, params, extra) {
      const finite = allFinite(updates);
      const count = np.where(finite, 0, state.notfiniteCount.add(1)).astype("int32");
      const apply = np.logicalOr(finite, np.greater(count, maxConsecutiveErrors));
      const [out, next] = inner.update(updates, state.innerState, params, extra);
      return [selectTree(apply, out, map((u) => np.zerosLike(u), out)), {
        notfiniteCount: count,
        lastFinite: finite,
        totalNotfinite: np.where(finite, state.totalNotfinite, state.totalNotfinite.add(1))
          .astype("int32"),
        innerState: selectTree(apply, next, state.innerState),
      }];
    },
  };
}

/**
 * Replaces NaN in the updates by 0 and records, per leaf, whether one was found.
 *
 * @returns The transform, with state `{ foundNan }` (a tree of bool scalars).
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.zeroNans();
 * const [u, s] = t.update(np.array([NaN, 1]), t.init(np.zeros([2])));
 * assert.deepEqual([u.toArray(), (s.foundNan as np.NDArray).itemBool()], [[0, 1], true]);
 * ```
 */
export function zeroNans(): GradientTransformation<{ readonly foundNan: unknown }> {
  return checkedLeaves("zeroNans", {
    init: (params) => ({ foundNan: map(() => np.array(false), params) }),
    update: (updates, _state) => [
      map((u) => np.where(np.isnan(u), np.zerosLike(u), u), updates),
      { foundNan: map((u) => np.greater(np.sum(np.isnan(u).astype("int32")), 0), updates) },
    ],
  });
}

/** Fast and slow parameters for {@link lookahead}. */
export type LookaheadParams<P> = { readonly fast: P; readonly slow: P };

/**
 * The Lookahead optimizer (Zhang et al. 2019): the fast weights take
 * `syncPeriod` steps of `fast`, then the slow weights move `slowStepSize` of
 * the way towards them and the fast weights are reset to the slow ones.
 * `update(grads of the fast params, state, { fast, slow })` returns updates for both.
 *
 * @param fast The inner optimizer.
 * @param syncPeriod Fast steps per synchronisation.
 * @param slowStepSize The slow step size α.
 * @returns The transform, with state `{ fastState, stepsSinceSync }`.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.lookahead(optim.sgd(1), 1, 0.5);
 * const params = { fast: np.array([0]), slow: np.array([0]) };
 * const [u] = opt.update(np.array([-2]), opt.init(params), params) as unknown as [typeof params];
 * assert.deepEqual([u.fast.toArray(), u.slow.toArray()], [[1], [1]]);
 * ```
 */
export function lookahead(
  fast: GradientTransformation,
  syncPeriod: number,
  slowStepSize: number,
): GradientTransformation<{ readonly fastState: unknown; readonly stepsSinceSync: NDArray }> {
  if (!Number.isInteger(syncPeriod) || syncPeriod < 1) {
    throw new RangeError(
      `optim.lookahead: syncPeriod must be a positive integer, got ${syncPeriod}.`,
    );
  }
  const split = (p: unknown): LookaheadParams<unknown> => {
    if (p === null || typeof p !== "object" || !("fast" in p) || !("slow" in p)) {
      throw new TypeError(`optim.lookahead: params must be { fast, slow }.`);
    }
    return p as LookaheadParams<unknown>;
  };
  return {
    init: (params) => ({ fastState: fast.init(split(params).fast), stepsSinceSync: newCount() }),
    update(updates, state, params) {
      needParams("lookahead", params);
      const p = split(params);
      const [u, fastState] = fast.update(updates, state.fastState, p.fast);
      const sync = np.equal(state.stepsSinceSync, syncPeriod - 1);
      const s = sync.astype("float32");
      // d = fast + u − slow; slow update = α·sync·d; fast update = u − sync·(1 − α)·d
      const diff = map((f, uu, sl) => f.add(uu).sub(sl), p.fast, u as unknown, p.slow);
      const slowU = map((d) => d.mul(s.mul(slowStepSize).astype(d.dtype)), diff);
      const fastU = map(
        (uu, d) => uu.sub(d.mul(s.mul(1 - slowStepSize).astype(d.dtype))),
        u as unknown,
        diff,
      );
      const steps = np.where(sync, 0, state.stepsSinceSync.add(1)).astype("int32");
      return [{ fast: fastU, slow: slowU } as typeof updates, { fastState, stepsSinceSync: steps }];
    },
  };
}
