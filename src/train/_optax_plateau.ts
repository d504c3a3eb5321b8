/**
 * `reduceOnPlateau` (optax 0.2.8's `contrib.reduce_on_plateau`): a transform that scales
 * the updates by a factor it lowers when the objective stops improving. It reads the
 * objective's value from the extra arguments of `update` (see `ExtraArgs`). Every branch is
 * a `np.where` over scalars, so the update runs under `jit`. Re-exported by `optim.ts`.
 *
 * @module
 */
import type { NDArray } from "../core/_ndarray.ts";
import { leaves, map } from "../core/tree.ts";
import { checkOptions } from "../core/_validate.ts";
import * as np from "../numpy/numpy.ts";
import type { GradientTransformation } from "./_gradient_transformations.ts";
import { extraValue } from "./_optax_util.ts";

/** The state of {@link reduceOnPlateau}; every field is a scalar array. */
export type ReduceOnPlateauState = {
  /** The factor the updates are multiplied by (1 at first; float, the params' lowest float dtype). */
  readonly scale: NDArray;
  /** The best averaged value so far (+∞ at first; the params' highest float dtype). */
  readonly bestValue: NDArray;
  /** Evaluations since the last improvement (int32). */
  readonly plateauCount: NDArray;
  /** Evaluations left in the cooldown after a reduction (int32). */
  readonly cooldownCount: NDArray;
  /** Values accumulated towards the next evaluation (int32, 0 ≤ count < accumulationSize). */
  readonly count: NDArray;
  /** The running mean of the accumulated values. */
  readonly avgValue: NDArray;
};

/** Options of {@link reduceOnPlateau}. */
export interface ReduceOnPlateauOptions {
  /** Multiplies the scale at each reduction; in (0, 1). Default 0.1. */
  factor?: number;
  /** Evaluations without improvement before a reduction; an integer ≥ 1. Default 10. */
  patience?: number;
  /** Relative tolerance of an improvement; in [0, 1]. Default 1e-4. */
  rtol?: number;
  /** Absolute tolerance of an improvement; ≥ 0 (rtol and atol not both 0). Default 0. */
  atol?: number;
  /** Evaluations after a reduction during which no plateau is counted; an integer ≥ 0. Default 0. */
  cooldown?: number;
  /** Values averaged into one evaluation; an integer ≥ 1. Default 1. */
  accumulationSize?: number;
  /** The scale never goes below this; in [0, 1]. Default 0. */
  minScale?: number;
}

const INT32_MAX = 2 ** 31 - 1;

function checkRange(name: string, v: unknown, lo: number, hi: number, open: boolean): void {
  const ok = typeof v === "number" && (open ? v > lo && v < hi : v >= lo && v <= hi);
  if (!ok) {
    const range = open ? `(${lo}, ${hi})` : `[${lo}, ${hi}]`;
    throw new RangeError(`optim.reduceOnPlateau: ${name} must be a number in ${range}, got ${v}.`);
  }
}

function checkInt(name: string, v: unknown, lo: number): void {
  if (typeof v !== "number" || !Number.isInteger(v) || v < lo || v > INT32_MAX) {
    throw new RangeError(
      `optim.reduceOnPlateau: ${name} must be an integer in [${lo}, ${INT32_MAX}], got ${v}.`,
    );
  }
}

/** int32 c + 1, staying at 2³¹ − 1 instead of wrapping (optax's safe_increment). */
const safeIncrement = (c: NDArray): NDArray => np.where(c.less(INT32_MAX), c.add(1), c);

/**
 * Reduces the step when the objective plateaus (optax's `contrib.reduce_on_plateau`).
 * Each `update(updates, state, params, { value })` adds `value` to a running mean; once
 * `accumulationSize` values are in, that mean m is evaluated and the count restarts:
 * - m improves when m < (1 − rtol)·best − atol; then best = m and the plateau count is 0,
 *   otherwise the plateau count grows by 1;
 * - during a cooldown (cooldown count > 0) the cooldown count drops by 1, the plateau count
 *   is 0 and the scale stays;
 * - otherwise, when the plateau count reaches `patience`, scale = scale·factor, the plateau
 *   count restarts and a cooldown of `cooldown` evaluations begins; the scale is then
 *   clipped below at `minScale`.
 *
 * The updates come out multiplied by the (new) scale. Chain it after an optimizer to scale
 * its steps: `chain(adam(1e-3), reduceOnPlateau({ patience: 5 }))`.
 *
 * @param options See {@link ReduceOnPlateauOptions}: `factor` (0.1), `patience` (10),
 *   `rtol` (1e-4), `atol` (0), `cooldown` (0), `accumulationSize` (1), `minScale` (0).
 * @returns The transform; its state is a {@link ReduceOnPlateauState}.
 *
 * @example
 * ```ts
 * import { np, optim } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const t = optim.reduceOnPlateau({ factor: 0.5, patience: 2 });
 * const g = np.array([1, -2]);
 * let state = t.init(g);
 * let u = g;
 * for (const value of [3, 2, 2, 2]) [u, state] = t.update(g, state, g, { value });
 * // 2 did not improve on 2 twice: the scale halved
 * assert.equal(state.scale.item(), 0.5);
 * assert.deepEqual(u.toArray(), [0.5, -1]);
 * ```
 */
export function reduceOnPlateau(
  options: ReduceOnPlateauOptions = {},
): GradientTransformation<ReduceOnPlateauState> {
  checkOptions("optim.reduceOnPlateau", options, [
    "factor",
    "patience",
    "rtol",
    "atol",
    "cooldown",
    "accumulationSize",
    "minScale",
  ]);
  const {
    factor = 0.1,
    patience = 10,
    rtol = 1e-4,
    atol = 0,
    cooldown = 0,
    accumulationSize = 1,
    minScale = 0,
  } = options;
  checkRange("factor", factor, 0, 1, true);
  checkRange("rtol", rtol, 0, 1, false);
  checkRange("atol", atol, 0, Infinity, false);
  if (rtol === 0 && atol === 0) {
    throw new RangeError(
      "optim.reduceOnPlateau: rtol and atol are both 0, so no value could count as an " +
        "improvement; make one of them positive.",
    );
  }
  checkInt("patience", patience, 1);
  checkInt("cooldown", cooldown, 0);
  checkInt("accumulationSize", accumulationSize, 1);
  checkRange("minScale", minScale, 0, 1, false);

  /** One evaluation of the averaged value (optax's _update_scale). */
  const evaluate = (s: ReduceOnPlateauState): ReduceOnPlateauState => {
    const improved = s.avgValue.astype(s.bestValue.dtype)
      .less(s.bestValue.mul(1 - rtol).sub(atol));
    const best = np.where(improved, s.avgValue.astype(s.bestValue.dtype), s.bestValue);
    const plateau = np.where(
      improved,
      np.array(0, { dtype: "int32" }),
      safeIncrement(s.plateauCount),
    );
    const inCooldown = s.cooldownCount.greater(0);
    const reached = plateau.equal(patience);
    const zero = np.zeros([], { dtype: "int32" });
    // not in cooldown: reduce on reaching the patience, then clip at minScale
    const scaled = np.maximum(np.where(reached, s.scale.mul(factor), s.scale), minScale)
      .astype(s.scale.dtype);
    return {
      scale: np.where(inCooldown, s.scale, scaled),
      bestValue: best,
      plateauCount: np.where(inCooldown, zero, np.where(reached, zero, plateau)),
      cooldownCount: np.where(
        inCooldown,
        s.cooldownCount.sub(1),
        np.where(reached, np.array(cooldown, { dtype: "int32" }), zero),
      ),
      count: zero,
      avgValue: np.zeros([], { dtype: s.avgValue.dtype }),
    };
  };

  return {
    init(params) {
      const floats = leaves(params).map((p) => p.dtype).filter((d) =>
        d === "float32" || d === "float64"
      );
      const highest = floats.includes("float64") ? "float64" : "float32";
      const lowest = floats.length > 0 && floats.every((d) => d === "float64")
        ? "float64"
        : "float32";
      return {
        scale: np.ones([], { dtype: lowest }),
        bestValue: np.full([], Infinity, { dtype: highest }),
        plateauCount: np.zeros([], { dtype: "int32" }),
        cooldownCount: np.zeros([], { dtype: "int32" }),
        count: np.zeros([], { dtype: "int32" }),
        avgValue: np.zeros([], { dtype: highest }),
      };
    },
    update(updates, state, _params, extra) {
      const value = extraValue("reduceOnPlateau", extra);
      for (
        const k of ["scale", "bestValue", "plateauCount", "cooldownCount", "count", "avgValue"]
      ) {
        if (!(state?.[k as keyof ReduceOnPlateauState] instanceof np.NDArray)) {
          throw new TypeError(
            `optim.reduceOnPlateau: the state has no array ${k}; pass the state that ` +
              "init or the previous update returned.",
          );
        }
      }
      // running mean of the accumulated values: (n·m + v) / (n + 1)
      const n = safeIncrement(state.count);
      const dt = state.avgValue.dtype;
      const avg = state.count.astype(dt).mul(state.avgValue).add(value.astype(dt))
        .div(n.astype(dt));
      const accumulated: ReduceOnPlateauState = { ...state, count: n, avgValue: avg };
      const evaluated = evaluate(accumulated);
      const due = n.equal(accumulationSize);
      const next = Object.fromEntries(
        (Object.keys(accumulated) as (keyof ReduceOnPlateauState)[]).map((k) => [
          k,
          np.where(due, evaluated[k], accumulated[k]),
        ]),
      ) as ReduceOnPlateauState;
      return [map((u) => u.mul(next.scale.astype(u.dtype)), updates), next];
    },
  };
}
