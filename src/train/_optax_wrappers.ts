/**
 * optax's wrappers, which change how an inner transformation is applied:
 * hyperparameters kept in the state (`injectHyperparams`), per-label
 * transformations (`multiTransform`, `masked`), gradient accumulation
 * (`multiSteps`), skipping non-finite steps (`applyIfFinite`, `zeroNans`),
 * `lookahead` and `flatten`. Everything is selected with array ops, so the
 * wrappers run under `jit` (both branches are computed, as `lax.cond` would
 * under `vmap`). Re-exported by `optim.ts`.
 *
 * @module
 */
import { checkOptions } from "../core/_validate.ts";
import type { NDArray } from "../core/_ndarray.ts";
import { flatten as flattenTree, leaves, map, unflatten } from "../core/tree.ts";
import * as np from "../numpy/numpy.ts";
import { requireFunction, requireRecord } from "../core/_validate.ts";
import type {
  ExtraArgs,
  GradientTransformation,
  ScalarOrSchedule,
} from "./_gradient_transformations.ts";
import { needParams, newCount, zerosLike } from "./_optax_util.ts";

/** The state of {@link injectHyperparams}. */
export type InjectHyperparamsState = {
  readonly count: NDArray;
  readonly hyperparams: Record<string, NDArray>;
  readonly innerState: unknown;
};

/** A hyperparameter as the factory of {@link injectHyperparams} receives it. */
export type Hyperparam = number | ((step: NDArray) => NDArray);

/**
 * Keeps an optimizer's hyperparameters in its state, as optax's
 * `inject_hyperparams`: numbers are stored as float32 scalars (read them, or
 * change them between steps, in `state.hyperparams`), schedules are evaluated
 * at the step count. At each step the factory is called with the current
 * values: a concrete value as a number, a traced one (under `jit`) as a
 * constant schedule, which every learning-rate argument accepts.
 *
 * @typeParam H The hyperparameter names.
 * @param factory Builds the optimizer from the hyperparameters.
 * @param hyperparams Initial values: numbers or schedules of the step count.
 * @returns The transform, with state `{ count, hyperparams, innerState }`.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.injectHyperparams((h) => optim.sgd(h.learningRate), { learningRate: 0.1 });
 * let state = opt.init(np.zeros([1]));
 * state = { ...state, hyperparams: { learningRate: np.array(0.5) } };
 * const [u] = opt.update(np.array([2]), state);
 * assert.deepEqual(u.toArray(), [-1]);
 * ```
 */
export function injectHyperparams<H extends string>(
  factory: (hyperparams: Record<H, Hyperparam>) => GradientTransformation,
  hyperparams: Record<H, ScalarOrSchedule>,
): GradientTransformation<InjectHyperparamsState> {
  requireFunction("optim.injectHyperparams", "factory", factory);
  requireRecord(
    "optim.injectHyperparams",
    "hyperparams",
    hyperparams,
    "{learningRate: 1e-3} (numbers or schedules)",
  );
  const names = Object.keys(hyperparams) as H[];
  for (const n of names) {
    const v = hyperparams[n];
    if (typeof v !== "number" && typeof v !== "function") {
      throw new TypeError(
        `optim.injectHyperparams: hyperparameter ${n} must be a number or a schedule, got ${typeof v}.`,
      );
    }
  }
  const valuesAt = (count: NDArray, stored: Record<string, NDArray>): Record<string, NDArray> =>
    Object.fromEntries(names.map((n) => {
      const v = hyperparams[n];
      return [n, typeof v === "function" ? v(count).astype("float32") : stored[n]];
    }));
  const asArgs = (vals: Record<string, NDArray>): Record<H, Hyperparam> =>
    Object.fromEntries(names.map((n) => {
      const v = vals[n];
      try {
        return [n, v._value().item() as number];
      } catch {
        return [n, () => v];
      }
    })) as Record<H, Hyperparam>;
  return {
    init(params) {
      const count = newCount();
      const stored = Object.fromEntries(
        names.map((n) => {
          const v = hyperparams[n];
          return [n, typeof v === "number" ? np.array(v) : v(count).astype("float32")];
        }),
      );
      return { count, hyperparams: stored, innerState: factory(asArgs(stored)).init(params) };
    },
    update(updates, state, params, extra) {
      const vals = valuesAt(state.count, state.hyperparams);
      const [out, innerState] = factory(asArgs(vals)).update(
        updates,
        state.innerState,
        params,
        extra,
      );
      return [out, { count: state.count.add(1), hyperparams: vals, innerState }];
    },
  };
}

/** Labels for the leaves of a tree: a tree of strings of the same structure, or a function of the params. */
export type LabelSpec = unknown | ((params: unknown) => unknown);

/** The labels of the leaves of `params`, in flattening order. */
function leafLabels(op: string, spec: LabelSpec, params: unknown): string[] {
  const tree = typeof spec === "function" ? (spec as (p: unknown) => unknown)(params) : spec;
  const n = leaves(params).length;
  const out: string[] = [];
  const walk = (t: unknown): void => {
    if (typeof t === "string" || typeof t === "boolean") out.push(String(t));
    else if (Array.isArray(t)) t.forEach(walk);
    else if (t !== null && typeof t === "object") {
      for (const k of Object.keys(t as object).sort()) walk((t as Record<string, unknown>)[k]);
    } else {
      throw new TypeError(
        `optim.${op}: labels must be strings (or booleans for a mask), got ${t}.`,
      );
    }
  };
  walk(tree);
  if (out.length !== n) {
    throw new TypeError(
      `optim.${op}: the labels have ${out.length} leaves but the params have ${n}; give one label per leaf.`,
    );
  }
  return out;
}

/** Runs `inner` on the sub-list of leaves with `label`; the others pass through. */
function partitioned(
  labels: string[],
  label: string,
  inner: GradientTransformation,
  updates: NDArray[],
  state: unknown,
  params: NDArray[] | undefined,
  extra: ExtraArgs | undefined,
): [NDArray[], unknown] {
  const idx = labels.flatMap((l, i) => (l === label ? [i] : []));
  const [sub, next] = inner.update(
    idx.map((i) => updates[i]),
    state,
    params ? idx.map((i) => params[i]) : undefined,
    extra,
  );
  const out = [...updates];
  idx.forEach((i, k) => (out[i] = (sub as NDArray[])[k]));
  return [out, next];
}

/**
 * Applies a different transformation to each group of parameters, as optax's
 * `multi_transform`: `labels` names a transformation for every leaf; each
 * transformation sees only its leaves (as a list).
 *
 * @param transforms The transformations by label.
 * @param labels A tree of labels like the params, or a function params → labels.
 * @returns The transform, with state `{ innerStates }` (by label).
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.multiTransform({ fast: optim.sgd(1), frozen: optim.scale(0) }, { w: "fast", b: "frozen" });
 * const params = { w: np.array([1]), b: np.array([1]) };
 * const [u] = opt.update({ w: np.array([2]), b: np.array([2]) }, opt.init(params), params);
 * assert.deepEqual([u.w.toArray(), u.b.toArray()], [[-2], [0]]);
 * ```
 */
export function multiTransform(
  transforms: Record<string, GradientTransformation>,
  labels: LabelSpec,
): GradientTransformation<{ readonly innerStates: Record<string, unknown> }> {
  requireRecord(
    "optim.multiTransform",
    "transforms",
    transforms,
    "{label: transformation}",
  );
  const names = Object.keys(transforms);
  return {
    init(params) {
      const ls = leafLabels("multiTransform", labels, params);
      const unknown = ls.find((l) => !names.includes(l));
      if (unknown !== undefined) {
        throw new TypeError(
          `optim.multiTransform: label "${unknown}" has no transformation; labels: ${
            names.join(", ")
          }.`,
        );
      }
      const flat = leaves(params);
      return {
        innerStates: Object.fromEntries(
          names.map((n) => [n, transforms[n].init(flat.filter((_, i) => ls[i] === n))]),
        ),
      };
    },
    update(updates, state, params, extra) {
      const [flat, def] = flattenTree(updates);
      const ls = leafLabels("multiTransform", labels, params ?? updates);
      const ps = params === undefined ? undefined : leaves(params);
      let cur = flat;
      const innerStates: Record<string, unknown> = {};
      for (const n of names) {
        [cur, innerStates[n]] = partitioned(
          ls,
          n,
          transforms[n],
          cur,
          state.innerStates[n],
          ps,
          extra,
        );
      }
      return [unflatten(def, cur), { innerStates }];
    },
  };
}

/**
 * Applies `inner` only to the leaves where `mask` is true; the others pass
 * through unchanged, as optax's `masked`.
 *
 * @param inner The transformation.
 * @param mask A tree of booleans like the params, or a function params → mask.
 * @returns The transform, with state `{ innerState }`.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.masked(optim.scale(10), { w: true, b: false });
 * const g = { w: np.array([1]), b: np.array([1]) };
 * const [u] = opt.update(g, opt.init(g));
 * assert.deepEqual([u.w.toArray(), u.b.toArray()], [[10], [1]]);
 * ```
 */
export function masked(
  inner: GradientTransformation,
  mask: LabelSpec,
): GradientTransformation<{ readonly innerState: unknown }> {
  return {
    init(params) {
      const ls = leafLabels("masked", mask, params);
      return { innerState: inner.init(leaves(params).filter((_, i) => ls[i] === "true")) };
    },
    update(updates, state, params, extra) {
      const [flat, def] = flattenTree(updates);
      const ls = leafLabels("masked", mask, params ?? updates);
      const ps = params === undefined ? undefined : leaves(params);
      const [out, innerState] = partitioned(ls, "true", inner, flat, state.innerState, ps, extra);
      return [unflatten(def, out), { innerState }];
    },
  };
}

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
  return {
    init: (params) => ({ foundNan: map(() => np.array(false), params) }),
    update: (updates, _state) => [
      map((u) => np.where(np.isnan(u), np.zerosLike(u), u), updates),
      { foundNan: map((u) => np.greater(np.sum(np.isnan(u).astype("int32")), 0), updates) },
    ],
  };
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

/**
 * Runs `inner` on all leaves concatenated into one vector (fewer, larger ops), as optax's `flatten`.
 *
 * @param inner The transformation.
 * @returns The transform, with the inner state for the flat vector.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.flatten(optim.sgd(1));
 * const g = { a: np.array([1, 2]), b: np.array([[3]]) };
 * const [u] = opt.update(g, opt.init(g));
 * assert.deepEqual(u.b.toArray(), [[-3]]);
 * ```
 */
export function flatten(inner: GradientTransformation): GradientTransformation {
  const ravel = (t: unknown) => {
    const ls = leaves(t);
    return ls.length === 0 ? np.zeros([0]) : np.concatenate(ls.map((l) => np.ravel(l)));
  };
  const unravel = <T>(v: NDArray, like: T): T => {
    const [ls, def] = flattenTree(like);
    let at = 0;
    const out = ls.map((l) => {
      const part = np.reshape(np.slice(v, [[at, at + l.size]]), l.shape).astype(l.dtype);
      at += l.size;
      return part;
    });
    return unflatten<T>(def, out);
  };
  return {
    init: (params) => inner.init(ravel(params)),
    update(updates, state, params, extra) {
      const [u, next] = inner.update(
        ravel(updates),
        state,
        params === undefined ? undefined : ravel(params),
        extra,
      );
      return [unravel(u as NDArray, updates), next];
    },
  };
}
