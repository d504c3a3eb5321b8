/**
 * optax's `microbatch`: evaluate a function on a batch one microbatch at a time and
 * combine the results (sum, mean, running mean or concatenation), to bound the memory a
 * large batch needs; and `injectStatefulHyperparams`, optax's deprecated alias of
 * `inject_hyperparams`. Re-exported by `optim.ts`.
 *
 * Microbatches are strided as in optax (a batch axis of n = k·m rows is read as
 * [k microbatches, m rows] in column-major order, so microbatch j holds rows j, j + k,
 * j + 2k, …); the loop is `lax.foriLoop`, a `scan`, so the result can be differentiated
 * and jitted.
 *
 * @module
 */
import type { NDArray } from "../core/_ndarray.ts";
import { flatten, map, unflatten } from "../core/tree.ts";
import * as np from "../numpy/numpy.ts";
import { foriLoop } from "../transforms/control_flow.ts";
import type { GradientTransformation, ScalarOrSchedule } from "./_gradient_transformations.ts";
import {
  type Hyperparam,
  injectHyperparams,
  type InjectHyperparamsState,
} from "./_optax_wrappers.ts";

/** How {@link microbatch} combines the microbatches' results. */
export type Accumulation = "sum" | "mean" | "runningMean" | "concat";

const KINDS: readonly Accumulation[] = ["sum", "mean", "runningMean", "concat"];

/**
 * Wraps `fun` so that it runs on `microbatchSize` rows of the batch arguments at a time
 * and combines the results, as optax's `microbatch`: "sum" (the default) adds them,
 * "mean" averages them, "runningMean" keeps a running average, "concat" concatenates them
 * along axis 0 in the batch's row order. `accumulator` is one kind for every output, or a
 * tree of kinds like the output.
 *
 * @typeParam A The argument types.
 * @typeParam R The result type (a tree of arrays).
 * @param fun The function.
 * @param argnums The indices of the arguments that carry the batch (on axis `inAxes`).
 * @param microbatchSize Rows per microbatch; must divide the batch size. `undefined` returns `fun`.
 * @param options `accumulator` ("sum"), `inAxes` (0, or one axis per batch argument).
 * @returns The microbatched function.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const f = (x: np.NDArray) => [x.add(1), x.mul(3).sum()] as const;
 * const g = optim.microbatch(f, 0, 2, { accumulator: ["concat", "sum"] });
 * const [y, s] = g(np.array([1, 2, 3, 4]));
 * assert.deepEqual([y.toArray(), s.item()], [[2, 3, 4, 5], 30]);
 * ```
 */
export function microbatch<A extends unknown[], R>(
  fun: (...args: A) => R,
  argnums: number | readonly number[],
  microbatchSize: number | undefined,
  options: { accumulator?: Accumulation | unknown; inAxes?: number | readonly number[] } = {},
): (...args: A) => R {
  if (typeof fun !== "function") {
    throw new TypeError(`optim.microbatch: fun must be a function.`);
  }
  if (microbatchSize === undefined) return fun;
  if (!Number.isInteger(microbatchSize) || microbatchSize < 1) {
    throw new RangeError(
      `optim.microbatch: microbatchSize must be a positive integer, got ${microbatchSize}.`,
    );
  }
  const nums = typeof argnums === "number" ? [argnums] : [...argnums];
  const axes = options.inAxes === undefined
    ? nums.map(() => 0)
    : typeof options.inAxes === "number"
    ? nums.map(() => options.inAxes as number)
    : [...options.inAxes];
  if (axes.length !== nums.length || nums.some((n) => !Number.isInteger(n) || n < 0)) {
    throw new TypeError(
      `optim.microbatch: argnums must be argument indices with one inAxes entry each, got ` +
        `argnums ${JSON.stringify(nums)} and inAxes ${JSON.stringify(axes)}.`,
    );
  }
  const accumulator = options.accumulator ?? "sum";
  return (...args: A): R => {
    // the batch size, the same on every batch leaf
    const sizes = nums.flatMap((n, i) =>
      flatten(args[n])[0].map((x) => x.shape[axes[i] < 0 ? x.ndim + axes[i] : axes[i]])
    );
    if (sizes.length === 0 || sizes.some((s) => s !== sizes[0])) {
      throw new TypeError(
        `optim.microbatch: the batch arguments must have equal batch axes, got sizes ${
          JSON.stringify(sizes)
        }.`,
      );
    }
    const n = sizes[0];
    if (n % microbatchSize !== 0) {
      throw new RangeError(
        `optim.microbatch: the batch size ${n} must be divisible by microbatchSize ${microbatchSize}.`,
      );
    }
    const k = n / microbatchSize;
    // [.., n, ..] → [.., k, m, ..] with row i at (i mod k, i div k) (column-major, as optax)
    const split = args.map((a, j) => {
      const i = nums.indexOf(j);
      if (i < 0) return a;
      return map((x) => {
        const ax = axes[i] < 0 ? x.ndim + axes[i] : axes[i];
        const s = [...x.shape.slice(0, ax), microbatchSize, k, ...x.shape.slice(ax + 1)];
        return np.swapaxes(np.reshape(x, s), ax, ax + 1);
      }, a);
    });
    const call = (index: NDArray): R =>
      fun(...split.map((a, j) => {
        const i = nums.indexOf(j);
        if (i < 0) return a;
        return map((x) => {
          const ax = axes[i] < 0 ? x.ndim - 1 + axes[i] : axes[i];
          return np.squeeze(np.take(x, np.reshape(index, [1]), ax), ax);
        }, a);
      }) as A);
    // the first microbatch fixes the output structure and the kinds per leaf
    const first = call(np.zeros([], { dtype: "int32" }));
    const [firstLeaves, def] = flatten(first);
    const kinds = kindsFor(accumulator, first, firstLeaves.length);
    // carry: one accumulator per output leaf (concat: a [k, ...] buffer)
    const init = firstLeaves.map((v, i) =>
      kinds[i] === "concat" ? np.zeros([k, ...v.shape], { dtype: v.dtype }) : np.zerosLike(v)
    );
    const out = foriLoop(0, k, (index: NDArray, carry: NDArray[]) => {
      const vals = flatten(call(index))[0];
      return carry.map((c, i) => {
        const v = vals[i];
        switch (kinds[i]) {
          case "concat": {
            const at = np.arange(k).equal(index).reshape([k, ...new Array(v.ndim).fill(1)]);
            return np.where(at, np.expandDims(v, 0), c).astype(c.dtype);
          }
          case "runningMean": {
            // c ← c·p + v·(1 − p), p = index / (index + 1)
            const p = index.astype(c.dtype).div(index.add(1).astype(c.dtype));
            return c.mul(p).add(v.mul(p.neg().add(1))).astype(c.dtype);
          }
          default:
            return c.add(v).astype(c.dtype);
        }
      });
    }, init);
    const final = out.map((c, i) => {
      if (kinds[i] === "mean") return c.div(k).astype(c.dtype);
      if (kinds[i] === "concat") {
        // [k, m, ...] back to rows in batch order: row i = (i mod k, i div k)
        return np.reshape(np.swapaxes(c, 0, 1), [-1, ...c.shape.slice(2)]);
      }
      return c;
    });
    return unflatten<R>(def, final);
  };
}

/** One accumulation kind per output leaf, from a kind or a tree of kinds like the output. */
function kindsFor(accumulator: unknown, output: unknown, count: number): Accumulation[] {
  const check = (a: unknown): Accumulation => {
    if (typeof a === "string" && (KINDS as readonly string[]).includes(a)) return a as Accumulation;
    throw new TypeError(
      `optim.microbatch: an accumulator is one of ${KINDS.join(", ")}, got ${JSON.stringify(a)}.`,
    );
  };
  if (typeof accumulator === "string") return new Array(count).fill(check(accumulator));
  // a tree of kinds like the output: walk both together
  const out: Accumulation[] = [];
  const walk = (acc: unknown, o: unknown): void => {
    if (typeof acc === "string") {
      const n = flatten(o)[0].length;
      for (let i = 0; i < n; i++) out.push(check(acc));
    } else if (Array.isArray(acc) && Array.isArray(o) && acc.length === o.length) {
      acc.forEach((a, i) => walk(a, o[i]));
    } else if (acc !== null && typeof acc === "object" && o !== null && typeof o === "object") {
      for (const key of Object.keys(acc as object).sort()) {
        walk((acc as Record<string, unknown>)[key], (o as Record<string, unknown>)[key]);
      }
    } else {
      throw new TypeError(
        `optim.microbatch: the accumulator tree does not match the output's structure.`,
      );
    }
  };
  walk(accumulator, output);
  if (out.length !== count) {
    throw new TypeError(
      `optim.microbatch: the accumulator tree gives ${out.length} kinds for ${count} outputs.`,
    );
  }
  return out;
}

/**
 * optax's `inject_stateful_hyperparams`, which optax 0.2.8 deprecates in favour of
 * `inject_hyperparams` and implements as it: this is {@link injectHyperparams}.
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
 * const opt = optim.injectStatefulHyperparams((h) => optim.sgd(h.lr), { lr: 0.5 });
 * const [u] = opt.update(np.array([2]), opt.init(np.zeros([1])));
 * assert.deepEqual(u.toArray(), [-1]);
 * ```
 */
export function injectStatefulHyperparams<H extends string>(
  factory: (hyperparams: Record<H, Hyperparam>) => GradientTransformation,
  hyperparams: Record<H, ScalarOrSchedule>,
): GradientTransformation<InjectHyperparamsState> {
  return injectHyperparams(factory, hyperparams);
}
