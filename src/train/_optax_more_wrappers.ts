/**
 * More of optax's wrappers and combinators: `applyEvery` (accumulate, emit every k
 * steps), the skip predicates of `multiSteps` (`skipNotFinite`, `skipLargeUpdates`),
 * `partition` (optax's new name for `multiTransform`), `freeze` and
 * `selectiveTransform`, `namedChain`, `conditionallyTransform` and
 * `conditionallyMask`, and the monitoring transforms `snapshot` and `monitor`. All
 * decide with array ops (`where` and `lax.cond`), so they run under `jit`, and pass the
 * extra arguments of `update` (see `ExtraArgs`) to the transforms they wrap.
 * Re-exported by `optim.ts`.
 *
 * @module
 */
import { NDArray } from "../core/_ndarray.ts";
import { flatten, leaves, map, unflatten } from "../core/tree.ts";
import * as np from "../numpy/numpy.ts";
import { requireRecord } from "../core/_validate.ts";
import { cond } from "../transforms/control_flow.ts";
import type { ExtraArgs, GradientTransformation } from "./_gradient_transformations.ts";
import { type LabelSpec, masked, multiTransform } from "./_optax_wrappers.ts";
import { setToZero } from "./_optax_more.ts";
import { newCount, treeSquaredNorm, zerosLike } from "./_optax_util.ts";
import { checkState } from "./_checks.ts";

/** The state of {@link applyEvery}. */
export type ApplyEveryState = { readonly count: NDArray; readonly gradAcc: unknown };

/**
 * Accumulates updates and emits their sum every `k` steps (zeros in between), as optax's
 * `apply_every`: `a ← g + [count mod k ≠ 0]·a`, emitted when count mod k = k − 1. The
 * transforms before it in a chain still update their state every step (`multiSteps`
 * does not).
 *
 * @param k Steps per emitted update (1).
 * @returns The transform, with state `{ count, gradAcc }`.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.applyEvery(2);
 * const [u1, s1] = t.update(np.array([1]), t.init(np.zeros([1])));
 * const [u2] = t.update(np.array([3]), s1);
 * assert.deepEqual([u1.toArray(), u2.toArray()], [[0], [4]]);
 * ```
 */
export function applyEvery(k = 1): GradientTransformation<ApplyEveryState> {
  if (!Number.isInteger(k) || k < 1) {
    throw new RangeError(`optim.applyEvery: k must be a positive integer, got ${k}.`);
  }
  return {
    init: (params) => ({ count: newCount(), gradAcc: zerosLike(params) }),
    update(updates, state) {
      checkState("applyEvery", state, updates, ["count"], ["gradAcc"]);
      const c = np.mod(state.count, k);
      const keep = c.notEqual(0), emit = c.equal(k - 1);
      // a ← g + [c ≠ 0]·a;  u = [c = k − 1]·a
      const gradAcc = map(
        (g, a) => g.add(np.where(keep, a, np.zerosLike(a))).astype(a.dtype),
        updates,
        state.gradAcc as typeof updates,
      );
      const out = map((a) => np.where(emit, a, np.zerosLike(a)).astype(a.dtype), gradAcc);
      return [out, { count: np.mod(state.count.add(1), k).astype("int32"), gradAcc }];
    },
  };
}

/** What a skip predicate of {@link multiSteps} returns: skip or not, and what to keep in the state. */
export type SkipDecision = [NDArray, Record<string, NDArray>];

/**
 * A skip predicate for `multiSteps` (optax's `skip_not_finite`): skip a mini-step whose
 * updates hold a NaN or ±Infinity.
 *
 * @param updates The updates.
 * @param _gradientStep The gradient step (unused).
 * @param _params The params (unused).
 * @returns `[shouldSkip, { shouldSkip, numNotFinite }]`.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const [skip, info] = optim.skipNotFinite({ a: np.array([1, NaN, Infinity]) }, np.array(0));
 * assert.deepEqual([skip.itemBool(), info.numNotFinite.item()], [true, 2]);
 * ```
 */
export function skipNotFinite(
  updates: unknown,
  _gradientStep?: NDArray,
  _params?: unknown,
): SkipDecision {
  const numNotFinite = leaves(updates)
    .map((u) => np.sum(np.logicalNot(np.isfinite(u)).astype("int32")))
    .reduce((a, b) => a.add(b), np.zeros([], { dtype: "int32" }));
  const shouldSkip = numNotFinite.greater(0);
  return [shouldSkip, { shouldSkip, numNotFinite }];
}

/**
 * A skip predicate for `multiSteps` (optax's `skip_large_updates`): skip a mini-step whose
 * squared global norm is not below `maxSquaredNorm` (NaN included). Bind the bound:
 * `(u, s, p) => optim.skipLargeUpdates(u, s, p, 42)`.
 *
 * @param updates The updates.
 * @param _gradientStep The gradient step (unused).
 * @param _params The params (unused).
 * @param maxSquaredNorm The largest accepted ‖u‖².
 * @returns `[shouldSkip, { shouldSkip, normSquared }]`.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const [skip, info] = optim.skipLargeUpdates(np.array([3, 4]), np.array(0), undefined, 20);
 * assert.deepEqual([skip.itemBool(), info.normSquared.item()], [true, 25]);
 * ```
 */
export function skipLargeUpdates(
  updates: unknown,
  _gradientStep: NDArray | undefined,
  _params: unknown,
  maxSquaredNorm: number,
): SkipDecision {
  if (typeof maxSquaredNorm !== "number" || Number.isNaN(maxSquaredNorm)) {
    throw new TypeError(
      `optim.skipLargeUpdates: maxSquaredNorm must be a number, got ${String(maxSquaredNorm)}.`,
    );
  }
  const normSquared = treeSquaredNorm(updates);
  // skip unless ‖u‖² < bound (so NaN skips too)
  const shouldSkip = np.logicalNot(normSquared.less(maxSquaredNorm));
  return [shouldSkip, { shouldSkip, normSquared }];
}

/**
 * Applies a different transformation to each group of parameters, as optax's
 * `partition` (the newer name of {@link multiTransform}, which it calls).
 *
 * @param transforms The transformations by label.
 * @param paramLabels A tree of labels like the params, or a function params → labels.
 * @returns The transform, with state `{ innerStates }`.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.partition({ a: optim.sgd(1), z: optim.setToZero() }, { w: "a", b: "z" });
 * const g = { w: np.array([2]), b: np.array([2]) };
 * const [u] = opt.update(g, opt.init(g));
 * assert.deepEqual([u.w.toArray(), u.b.toArray()], [[-2], [0]]);
 * ```
 */
export function partition(
  transforms: Record<string, GradientTransformation>,
  paramLabels: LabelSpec,
): GradientTransformation<{ readonly innerStates: Record<string, unknown> }> {
  return multiTransform(transforms, paramLabels);
}

/**
 * Zeros the updates of the parameters where `mask` is true (holds them fixed), as optax's
 * `freeze`: `masked(setToZero(), mask)`. The other updates pass through.
 *
 * @param mask A tree of booleans like the params (true = frozen), or a function params → mask.
 * @returns The transform.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.chain(optim.freeze({ w: true, b: false }), optim.sgd(1));
 * const g = { w: np.array([2]), b: np.array([2]) };
 * const [u] = opt.update(g, opt.init(g));
 * assert.deepEqual([u.w.toArray(), u.b.toArray()], [[-0], [-2]]);
 * ```
 */
export function freeze(mask: LabelSpec): GradientTransformation<{ readonly innerState: unknown }> {
  return masked(setToZero(), mask);
}

/**
 * Runs `optimizer` on the parameters not frozen by `freezeMask` and zeros the others'
 * updates, as optax's `selective_transform` (a `partition` into "train" and "freeze"); the
 * optimizer keeps state for the trained leaves only.
 *
 * @param optimizer The optimizer for the trained leaves.
 * @param freezeMask A tree of booleans like the params (true = frozen), or one boolean for all.
 * @returns The transform.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.selectiveTransform(optim.sgd(1), { w: false, b: true });
 * const g = { w: np.array([2]), b: np.array([2]) };
 * const [u] = opt.update(g, opt.init(g));
 * assert.deepEqual([u.w.toArray(), u.b.toArray()], [[-2], [0]]);
 * ```
 */
export function selectiveTransform(
  optimizer: GradientTransformation,
  freezeMask: LabelSpec | boolean,
): GradientTransformation<{ readonly innerStates: Record<string, unknown> }> {
  const labels = (params: unknown): unknown => {
    if (typeof freezeMask === "boolean") {
      const [ls, def] = flatten(params);
      return unflatten(def, ls.map(() => (freezeMask ? "freeze" : "train")));
    }
    const mask = typeof freezeMask === "function"
      ? (freezeMask as (p: unknown) => unknown)(params)
      : freezeMask;
    const walk = (t: unknown): unknown =>
      typeof t === "boolean"
        ? (t ? "freeze" : "train")
        : Array.isArray(t)
        ? t.map(walk)
        : t !== null && typeof t === "object"
        ? Object.fromEntries(Object.entries(t).map(([k, v]) => [k, walk(v)]))
        : t;
    return walk(mask);
  };
  return multiTransform({ train: optimizer, freeze: setToZero() }, labels);
}

/**
 * `chain` with named transforms, as optax's `named_chain`: the state is an object keyed
 * by the names, so a transform's state is `state[name]`.
 *
 * @param transforms `[name, transform]` pairs, applied in order; names must be unique.
 * @returns The transform.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.namedChain(["clip", optim.clip(1)], ["adam", optim.scaleByAdam()]);
 * const [, s] = opt.update(np.array([5]), opt.init(np.zeros([1])));
 * assert.equal((s.adam as { count: np.NDArray }).count.item(), 1);
 * ```
 */
export function namedChain(
  ...transforms: [string, GradientTransformation][]
): GradientTransformation<Record<string, unknown>> {
  const names = transforms.map((t) => t?.[0]);
  if (names.some((n) => typeof n !== "string") || new Set(names).size !== names.length) {
    throw new TypeError(
      `optim.namedChain: expected [name, transform] pairs with unique string names, got names ${
        JSON.stringify(names)
      }.`,
    );
  }
  return {
    init: (params) => Object.fromEntries(transforms.map(([n, t]) => [n, t.init(params)])),
    update(updates, state, params, extra) {
      const missing = names.find((n) =>
        !(state !== null && typeof state === "object" && n in state)
      );
      if (missing !== undefined) {
        throw new TypeError(
          `optim.namedChain: the state has no entry "${missing}"; pass the state init returned.`,
        );
      }
      let u = updates;
      const next: Record<string, unknown> = {};
      for (const [n, t] of transforms) [u, next[n]] = t.update(u, state[n], params, extra);
      return [u, next];
    },
  };
}

/** A condition of the step count for the conditional wrappers (an int32 scalar in, a bool scalar out). */
export type StepCondition = (step: NDArray, extra?: ExtraArgs) => NDArray;

function conditional(
  op: string,
  inner: GradientTransformation,
  shouldTransform: StepCondition,
  forwardExtraArgs: boolean,
  zeroWhenSkipped: boolean,
): GradientTransformation<{ readonly innerState: unknown; readonly step: NDArray }> {
  if (typeof shouldTransform !== "function") {
    throw new TypeError(`optim.${op}: shouldTransformFn must be a function (step) => bool array.`);
  }
  return {
    init: (params) => ({ innerState: inner.init(params), step: newCount() }),
    update(updates, state, params, extra) {
      checkState(op, state, updates, ["step"], []);
      const c = shouldTransform(state.step, forwardExtraArgs ? extra : undefined);
      if (!(c instanceof NDArray) || c.dtype !== "bool" || c.ndim !== 0) {
        throw new TypeError(
          `optim.${op}: shouldTransformFn must return a bool scalar array (e.g. step.less(10)).`,
        );
      }
      const [out, innerState] = cond(
        c,
        (u: typeof updates, s: unknown) => inner.update(u, s, params, extra),
        (u: typeof updates, s: unknown): [typeof updates, unknown] => [
          zeroWhenSkipped ? map((x) => np.zerosLike(x), u) : u,
          s,
        ],
        updates,
        state.innerState,
      );
      return [out, { innerState, step: state.step.add(1) }];
    },
  };
}

/**
 * Runs `inner` only at the steps where `shouldTransformFn(step)` holds; at the others the
 * updates and the inner state pass through unchanged (optax's `conditionally_transform`).
 *
 * @param inner The transformation.
 * @param shouldTransformFn The step count (int32 scalar) → bool scalar.
 * @param options `forwardExtraArgs` (false): also pass the extra arguments to the condition.
 * @returns The transform, with state `{ innerState, step }`.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.conditionallyTransform(optim.scale(10), (step) => step.less(1));
 * const [u1, s1] = opt.update(np.array([1]), opt.init(np.zeros([1])));
 * const [u2] = opt.update(np.array([1]), s1);
 * assert.deepEqual([u1.toArray(), u2.toArray()], [[10], [1]]);
 * ```
 */
export function conditionallyTransform(
  inner: GradientTransformation,
  shouldTransformFn: StepCondition,
  options: { forwardExtraArgs?: boolean } = {},
): GradientTransformation<{ readonly innerState: unknown; readonly step: NDArray }> {
  return conditional(
    "conditionallyTransform",
    inner,
    shouldTransformFn,
    options.forwardExtraArgs ?? false,
    false,
  );
}

/**
 * Runs `inner` only at the steps where `shouldTransformFn(step)` holds; at the others the
 * updates are zero and the inner state is kept (optax's `conditionally_mask`).
 *
 * @param inner The transformation.
 * @param shouldTransformFn The step count (int32 scalar) → bool scalar.
 * @param options `forwardExtraArgs` (false): also pass the extra arguments to the condition.
 * @returns The transform, with state `{ innerState, step }`.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.conditionallyMask(optim.sgd(1), (step) => step.greaterEqual(1));
 * const [u1, s1] = opt.update(np.array([2]), opt.init(np.zeros([1])));
 * const [u2] = opt.update(np.array([2]), s1);
 * assert.deepEqual([u1.toArray(), u2.toArray()], [[0], [-2]]);
 * ```
 */
export function conditionallyMask(
  inner: GradientTransformation,
  shouldTransformFn: StepCondition,
  options: { forwardExtraArgs?: boolean } = {},
): GradientTransformation<{ readonly innerState: unknown; readonly step: NDArray }> {
  return conditional(
    "conditionallyMask",
    inner,
    shouldTransformFn,
    options.forwardExtraArgs ?? false,
    true,
  );
}

/**
 * Records `measure(updates)` in the state under `measureName` and passes the updates on
 * (optax's `snapshot`); `init` records `measure(params)`. For looking at intermediate
 * updates inside a chain.
 *
 * @param measureName The name of the measurement in the state.
 * @param measure Updates → a tree of arrays.
 * @returns The transform, with state `{ measurement: { [measureName]: … } }`.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.chain(optim.snapshot("norm", (u) => np.linalg.norm(u as np.NDArray)), optim.sgd(1));
 * const [, s] = opt.update(np.array([3, 4]), opt.init(np.zeros([2])));
 * const snap = s[0] as { measurement: { norm: np.NDArray } };
 * assert.equal(snap.measurement.norm.item(), 5);
 * ```
 */
export function snapshot(
  measureName: string,
  measure: (updates: unknown) => unknown,
): GradientTransformation<{ readonly measurement: Record<string, unknown> }> {
  if (typeof measureName !== "string" || typeof measure !== "function") {
    throw new TypeError(`optim.snapshot: expected a name (string) and a function updates → tree.`);
  }
  return {
    init: (params) => ({ measurement: { [measureName]: measure(params) } }),
    update: (updates) => [updates, { measurement: { [measureName]: measure(updates) } }],
  };
}

/**
 * Records measurements of the updates in the state and passes the updates on (optax's
 * `monitor`). Each measure is a function of the updates, or a gradient transformation
 * whose output is the measurement (stateful, e.g. `chain(stateless(f), ema(0.9))`).
 *
 * @param measures Measures by name.
 * @returns The transform, with state `{ measurements, measureStates }`.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const opt = optim.monitor({ max: (u) => (u as np.NDArray).max() });
 * const [u, s] = opt.update(np.array([1, 7]), opt.init(np.zeros([2])));
 * assert.deepEqual([u.toArray(), (s.measurements.max as np.NDArray).item()], [[1, 7], 7]);
 * ```
 */
export function monitor(
  measures: Record<string, GradientTransformation | ((updates: unknown) => unknown)>,
): GradientTransformation<{
  readonly measurements: Record<string, unknown>;
  readonly measureStates: unknown[];
}> {
  requireRecord("optim.monitor", "measures", measures, "{name: transformation or function}");
  const names = Object.keys(measures);
  const asTransform = names.map((n) => {
    const m = measures[n];
    if (typeof m === "function") {
      // the measurement is any tree, so not `stateless` (which keeps the updates' structure)
      const t: GradientTransformation<null> = {
        init: () => null,
        update: <U>(u: U): [U, null] => [m(u) as U, null],
      };
      return t;
    }
    if (m !== null && typeof m === "object" && typeof m.update === "function") return m;
    throw new TypeError(
      `optim.monitor: measure "${n}" must be a function of the updates or a gradient transformation.`,
    );
  });
  return {
    init: (params) => ({ measurements: {}, measureStates: asTransform.map((t) => t.init(params)) }),
    update(updates, state, params, extra) {
      const measurements: Record<string, unknown> = {};
      const measureStates = asTransform.map((t, i) => {
        const [m, s] = t.update(updates, state.measureStates[i], params, extra);
        measurements[names[i]] = m;
        return s;
      });
      return [updates, { measurements, measureStates }];
    },
  };
}
