/**
 * Learning-rate schedules: functions from a step count to a rate, after
 * optax's schedules. Every schedule is written with `np` ops on the step array
 * (no JS branching on its value), so it runs eagerly, under `grad` and inside
 * `jit` where the optimizer's step count is a traced value.
 *
 * Each schedule takes a step as a JS number or an `NDArray` (any integer or
 * float dtype; converted to float32) and returns a float32 `NDArray` of the
 * step's shape: a scalar for a scalar step, one rate per step for an array of
 * steps (handy for plotting a schedule over `np.arange(n)`).
 *
 * @module
 */
import { checkOptions, requireList, show } from "../core/_validate.ts";
import { NDArray } from "../core/_ndarray.ts";
import * as np from "../numpy/numpy.ts";

/** A schedule: step count (a number or an array of any numeric dtype) → float32 rate of the same shape. */
export type Schedule = (step: NDArray | number) => NDArray;

function asStep(step: NDArray | number): NDArray {
  if (typeof step === "number") return np.array(step, { dtype: "float32" });
  if (!(step instanceof NDArray)) {
    throw new TypeError(
      `schedule: a step is a number or an NDArray, got ${step === null ? "null" : typeof step}.`,
    );
  }
  return step.astype("float32");
}

function checkFinite(op: string, name: string, value: number): void {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new TypeError(`schedules.${op}: ${name} must be a finite number, got ${value}.`);
  }
}

/** The options object is required (it holds the required values) and has no unknown keys. */
function checkScheduleOptions(op: string, options: unknown, keys: readonly string[]): void {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new TypeError(
      `schedules.${op}: expected an options object like {${keys.join(", ")}}, got ` +
        `${show(options)}.`,
    );
  }
  checkOptions(`schedules.${op}`, options, keys);
}

function checkPositive(op: string, name: string, value: number): void {
  checkFinite(op, name, value);
  if (value <= 0) {
    throw new RangeError(`schedules.${op}: ${name} must be positive, got ${value}.`);
  }
}

/** A count of steps may be 0 (as in optax), so only negative or non-finite counts are refused. */
function checkNonNegative(op: string, name: string, value: number): void {
  checkFinite(op, name, value);
  if (value < 0) {
    throw new RangeError(`schedules.${op}: ${name} must be >= 0, got ${value}.`);
  }
}

/** optax's "constant schedule" fallback (e.g. a zero-length transition): `value` for every step. */
function constantOf(value: number): Schedule {
  return (step) => np.full(asStep(step).shape, value);
}

/**
 * A schedule that always returns `value`.
 *
 * @param value The rate.
 * @returns The schedule.
 *
 * @example
 * ```ts
 * import { schedules } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const lr = schedules.constant(0.5);
 * assert.equal(lr(0).item(), 0.5);
 * assert.equal(lr(1000).item(), 0.5);
 * ```
 */
export function constant(value: number): Schedule {
  checkFinite("constant", "value", value);
  return (step) => np.full(asStep(step).shape, value);
}

/** Options of {@link exponentialDecay}. */
export interface ExponentialDecayOptions {
  /** The rate before decay starts. */
  initValue: number;
  /** Steps per factor of `decayRate` (>= 0; 0 gives the constant `initValue`, as optax). */
  transitionSteps: number;
  /** The factor applied every `transitionSteps` steps (>= 0; 0 gives the constant `initValue`, as optax). */
  decayRate: number;
  /** Decay in whole steps of `transitionSteps` (a staircase) instead of continuously; false by default. */
  staircase?: boolean;
  /** The step at which decay starts (the rate is `initValue` before it; a negative one counts as 0, as optax); 0 by default. */
  transitionBegin?: number;
  /** A floor (when `decayRate` < 1) or ceiling (when > 1) on the rate; none by default. */
  endValue?: number;
}

/**
 * Exponential decay: `initValue · decayRate^(max(step − transitionBegin, 0) / transitionSteps)`,
 * with the exponent floored when `staircase`, clamped at `endValue` when given.
 *
 * @param options `initValue`, `transitionSteps`, `decayRate`, and optionally `staircase`,
 *   `transitionBegin` and `endValue`.
 * @returns The schedule.
 *
 * @example
 * ```ts
 * import { schedules } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const lr = schedules.exponentialDecay({ initValue: 1, transitionSteps: 10, decayRate: 0.5 });
 * assert.equal(lr(10).item(), 0.5);
 * assert.equal(lr(20).item(), 0.25);
 * const stairs = schedules.exponentialDecay({
 *   initValue: 1,
 *   transitionSteps: 10,
 *   decayRate: 0.5,
 *   staircase: true,
 * });
 * assert.equal(stairs(19).item(), 0.5);
 * ```
 */
export function exponentialDecay(options: ExponentialDecayOptions): Schedule {
  checkScheduleOptions("exponentialDecay", options, [
    "initValue",
    "transitionSteps",
    "decayRate",
    "staircase",
    "transitionBegin",
    "endValue",
  ]);
  const { initValue, transitionSteps, decayRate } = options;
  // optax: a negative transitionBegin falls back to 0
  const begin = Math.max(options.transitionBegin ?? 0, 0);
  checkFinite("exponentialDecay", "initValue", initValue);
  checkNonNegative("exponentialDecay", "transitionSteps", transitionSteps);
  checkNonNegative("exponentialDecay", "decayRate", decayRate);
  checkFinite("exponentialDecay", "transitionBegin", options.transitionBegin ?? 0);
  const end = options.endValue;
  if (end !== undefined) checkFinite("exponentialDecay", "endValue", end);
  // optax: a zero-length transition or a zero rate disables the decay (and the endValue clip)
  if (transitionSteps === 0 || decayRate === 0) return constantOf(initValue);
  return (step) => {
    // count = max(step − begin, 0): the rate holds at initValue before the decay begins
    const count = np.maximum(asStep(step).sub(begin), 0);
    let p = count.div(transitionSteps);
    if (options.staircase) p = np.floor(p);
    // rate = init · decay^p
    let rate = np.pow(decayRate, p).mul(initValue);
    if (end !== undefined) rate = decayRate < 1 ? np.maximum(rate, end) : np.minimum(rate, end);
    return rate;
  };
}

/**
 * Step decay: starts at `initValue` and multiplies the rate by `scale` from
 * each `boundary` step on (the boundary step itself gets the scaled rate).
 *
 * @param initValue The rate before the first boundary.
 * @param boundariesAndScales Boundary → scale, as an object (`{ 100: 0.1, 200: 0.1 }`) or a
 *   list of `[boundary, scale]` pairs; scales multiply up.
 * @returns The schedule.
 *
 * @example
 * ```ts
 * import { schedules } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const lr = schedules.piecewiseConstant(1, { 10: 0.5, 20: 0.5 });
 * assert.equal(lr(9).item(), 1);
 * assert.equal(lr(10).item(), 0.5);
 * assert.equal(lr(25).item(), 0.25);
 * ```
 */
export function piecewiseConstant(
  initValue: number,
  boundariesAndScales:
    | Readonly<Record<number, number>>
    | readonly (readonly [number, number])[] = [],
): Schedule {
  checkFinite("piecewiseConstant", "initValue", initValue);
  const pairs: [number, number][] = Array.isArray(boundariesAndScales)
    ? boundariesAndScales.map(([b, s]) => [b, s])
    : Object.entries(boundariesAndScales).map(([b, s]) => [Number(b), s as number]);
  for (const [b, s] of pairs) {
    checkFinite("piecewiseConstant", "a boundary", b);
    checkFinite("piecewiseConstant", `the scale at boundary ${b}`, s);
  }
  pairs.sort((x, y) => x[0] - y[0]);
  return (step) => {
    const s = asStep(step);
    let rate = np.full(s.shape, initValue);
    // rate ← rate · (step ≥ boundary ? scale : 1), for each boundary in order
    for (const [boundary, scale] of pairs) {
      rate = rate.mul(np.where(s.greaterEqual(boundary), scale, 1));
    }
    return rate;
  };
}

/** Options of {@link linear}. */
export interface LinearOptions {
  /** The rate up to `transitionBegin`. */
  initValue: number;
  /** The rate from `transitionBegin + transitionSteps` on. */
  endValue: number;
  /** How many steps the ramp takes (>= 0; 0 gives the constant `initValue`, as optax). */
  transitionSteps: number;
  /** The step at which the ramp starts (a negative one counts as 0, as optax); 0 by default. */
  transitionBegin?: number;
}

/**
 * A linear ramp from `initValue` to `endValue` over `transitionSteps` steps
 * starting at `transitionBegin`, constant before and after.
 *
 * @param options `initValue`, `endValue`, `transitionSteps` and optionally `transitionBegin`.
 * @returns The schedule.
 *
 * @example
 * ```ts
 * import { np, schedules } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const lr = schedules.linear({ initValue: 0, endValue: 1, transitionSteps: 4 });
 * assert.deepEqual(lr(np.arange(6)).toArray(), [0, 0.25, 0.5, 0.75, 1, 1]);
 * ```
 */
export function linear(options: LinearOptions): Schedule {
  checkScheduleOptions("linear", options, [
    "initValue",
    "endValue",
    "transitionSteps",
    "transitionBegin",
  ]);
  const { initValue, endValue, transitionSteps } = options;
  // optax: a negative transitionBegin falls back to 0
  const begin = Math.max(options.transitionBegin ?? 0, 0);
  checkFinite("linear", "initValue", initValue);
  checkFinite("linear", "endValue", endValue);
  checkNonNegative("linear", "transitionSteps", transitionSteps);
  checkFinite("linear", "transitionBegin", options.transitionBegin ?? 0);
  // optax: a zero-length ramp is the constant initValue (never endValue)
  if (transitionSteps === 0) return constantOf(initValue);
  return (step) => {
    // frac = clip(step − begin, 0, T) / T; rate = init + (end − init) · frac
    const frac = np.clip(asStep(step).sub(begin), 0, transitionSteps).div(transitionSteps);
    return frac.mul(endValue - initValue).add(initValue);
  };
}

/** Options of {@link cosineDecay}. */
export interface CosineDecayOptions {
  /** The rate at step 0. */
  initValue: number;
  /** Steps until the rate reaches `alpha · initValue` (must be positive). */
  decaySteps: number;
  /** The final rate as a fraction of `initValue`; 0 by default. */
  alpha?: number;
  /** Power applied to the cosine factor; 1 by default. */
  exponent?: number;
}

/**
 * Cosine decay (SGDR without restarts): `initValue · ((1 − alpha) · c^exponent + alpha)` with
 * `c = ½ (1 + cos(π · min(step, decaySteps) / decaySteps))`. As in optax, only steps past
 * `decaySteps` are clamped: a negative step follows the cosine back (−3 of 10 gives
 * ½ (1 + cos(−0.3π)) ≈ 0.79).
 *
 * @param options `initValue`, `decaySteps`, and optionally `alpha` and `exponent`.
 * @returns The schedule.
 *
 * @example
 * ```ts
 * import { schedules } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const lr = schedules.cosineDecay({ initValue: 1, decaySteps: 100 });
 * assert.equal(lr(0).item(), 1);
 * assert.ok(Math.abs((lr(50).item() as number) - 0.5) < 1e-6);
 * assert.ok(Math.abs(lr(200).item() as number) < 1e-6);
 * ```
 */
export function cosineDecay(options: CosineDecayOptions): Schedule {
  checkScheduleOptions("cosineDecay", options, ["initValue", "decaySteps", "alpha", "exponent"]);
  const { initValue, decaySteps } = options;
  const alpha = options.alpha ?? 0;
  const exponent = options.exponent ?? 1;
  checkFinite("cosineDecay", "initValue", initValue);
  checkPositive("cosineDecay", "decaySteps", decaySteps);
  checkFinite("cosineDecay", "alpha", alpha);
  checkFinite("cosineDecay", "exponent", exponent);
  return (step) => {
    // optax clamps only from above: min(step, decaySteps), not clip(step, 0, decaySteps)
    const t = np.minimum(asStep(step), decaySteps).div(decaySteps);
    // c = ½ (1 + cos(π t)), t = min(step, decaySteps) / decaySteps
    const c = np.cos(t.mul(Math.PI)).add(1).mul(0.5);
    const shaped = exponent === 1 ? c : np.pow(c, exponent);
    return shaped.mul(1 - alpha).add(alpha).mul(initValue);
  };
}

/** Options of {@link warmupCosineDecay}. */
export interface WarmupCosineDecayOptions {
  /** The rate at step 0, where the linear warmup starts. */
  initValue: number;
  /** The rate at the end of the warmup, where the cosine decay starts. */
  peakValue: number;
  /** Length of the linear warmup (>= 0; with 0 the schedule starts at `peakValue`, as optax). */
  warmupSteps: number;
  /** Total length of warmup plus decay, as in optax (must exceed `warmupSteps`). */
  decaySteps: number;
  /** The rate from `decaySteps` on; 0 by default. */
  endValue?: number;
  /** Power applied to the cosine factor; 1 by default. */
  exponent?: number;
}

/**
 * Linear warmup from `initValue` to `peakValue` over `warmupSteps`, then cosine
 * decay to `endValue` at step `decaySteps` (which counts the warmup, as in optax).
 *
 * @param options `initValue`, `peakValue`, `warmupSteps`, `decaySteps`, and optionally
 *   `endValue` and `exponent`.
 * @returns The schedule.
 *
 * @example
 * ```ts
 * import { schedules } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const lr = schedules.warmupCosineDecay({
 *   initValue: 0,
 *   peakValue: 1,
 *   warmupSteps: 10,
 *   decaySteps: 110,
 *   endValue: 0.1,
 * });
 * assert.equal(lr(5).item(), 0.5);
 * assert.equal(lr(10).item(), 1);
 * assert.ok(Math.abs((lr(110).item() as number) - 0.1) < 1e-6);
 * ```
 */
export function warmupCosineDecay(options: WarmupCosineDecayOptions): Schedule {
  checkScheduleOptions("warmupCosineDecay", options, [
    "initValue",
    "peakValue",
    "warmupSteps",
    "decaySteps",
    "endValue",
    "exponent",
  ]);
  const { initValue, peakValue, warmupSteps, decaySteps } = options;
  const endValue = options.endValue ?? 0;
  checkFinite("warmupCosineDecay", "peakValue", peakValue);
  checkNonNegative("warmupCosineDecay", "warmupSteps", warmupSteps);
  checkFinite("warmupCosineDecay", "endValue", endValue);
  if (!(decaySteps > warmupSteps)) {
    throw new RangeError(
      `schedules.warmupCosineDecay: decaySteps (${decaySteps}) counts the warmup and must ` +
        `exceed warmupSteps (${warmupSteps}).`,
    );
  }
  return joinSchedules([
    linear({ initValue, endValue: peakValue, transitionSteps: warmupSteps }),
    cosineDecay({
      initValue: peakValue,
      decaySteps: decaySteps - warmupSteps,
      alpha: peakValue === 0 ? 0 : endValue / peakValue,
      exponent: options.exponent,
    }),
  ], [warmupSteps]);
}

/**
 * Runs `schedules[0]` until `boundaries[0]`, then `schedules[1]` (restarted: it
 * sees `step − boundaries[0]`) until `boundaries[1]`, and so on.
 *
 * @param schedules One more schedule than boundaries.
 * @param boundaries Increasing steps at which the next schedule takes over.
 * @returns The joined schedule.
 *
 * @example
 * ```ts
 * import { schedules } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const lr = schedules.joinSchedules(
 *   [schedules.constant(1), schedules.linear({ initValue: 1, endValue: 0, transitionSteps: 10 })],
 *   [5],
 * );
 * assert.equal(lr(4).item(), 1);
 * assert.equal(lr(10).item(), 0.5);
 * ```
 */
export function joinSchedules(
  schedules: readonly Schedule[],
  boundaries: readonly number[],
): Schedule {
  requireList("schedules.joinSchedules", "schedules", schedules, false);
  requireList("schedules.joinSchedules", "boundaries", boundaries, false);
  if (schedules.length !== boundaries.length + 1 || schedules.length === 0) {
    throw new TypeError(
      `schedules.joinSchedules: needs one more schedule than boundaries, got ` +
        `${schedules.length} schedules and ${boundaries.length} boundaries.`,
    );
  }
  boundaries.forEach((b, i) => {
    checkFinite("joinSchedules", "a boundary", b);
    if (i > 0 && b < boundaries[i - 1]) {
      throw new RangeError(
        `schedules.joinSchedules: boundaries must be increasing, got [${boundaries.join(", ")}].`,
      );
    }
  });
  return (step) => {
    const s = asStep(step);
    let out = schedules[0](s).astype("float32");
    // out = step < boundary ? out : next(step − boundary), for each boundary in order
    boundaries.forEach((b, i) => {
      out = np.where(s.less(b), out, schedules[i + 1](s.sub(b)).astype("float32"));
    });
    return out;
  };
}
