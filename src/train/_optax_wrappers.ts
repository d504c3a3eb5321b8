/**
 * optax's wrappers that change what an inner transformation sees: its
 * hyperparameters, kept in the state (`injectHyperparams`); only the leaves with
 * a given label (`multiTransform`, `masked`); or all leaves as one vector
 * (`flatten`). The wrappers that decide when a step applies are in
 * `_optax_step_wrappers.ts`. Re-exported by `optim.ts`.
 *
 * @module
 */
import type { NDArray } from "../core/_ndarray.ts";
import { flatten as flattenTree, leaves, unflatten } from "../core/tree.ts";
import * as np from "../numpy/numpy.ts";
import { requireFunction, requireRecord } from "../core/_validate.ts";
import type {
  ExtraArgs,
  GradientTransformation,
  ScalarOrSchedule,
} from "./_gradient_transformations.ts";
import { newCount } from "./_optax_util.ts";
import { leafLabels } from "./_labels.ts";

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

/**
 * Labels for the leaves of a tree: a tree of strings (or booleans, for a mask) with the
 * params' structure or a prefix of it (a label on a subtree labels all its leaves), or a
 * function of the params that returns one.
 */
export type LabelSpec = unknown | ((params: unknown) => unknown);

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
