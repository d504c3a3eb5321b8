/**
 * More of optax's schedules (polynomial, piecewise interpolation, the one-cycle
 * policies, SGDR restarts, warmup variants), written with `np` ops on the step
 * so they run under `jit`. Re-exported by `schedules.ts`.
 *
 * @module
 */
import { NDArray } from "../core/_ndarray.ts";
import * as np from "../numpy/numpy.ts";
import { requireList, requireRecord } from "../core/_validate.ts";
import {
  exponentialDecay,
  type ExponentialDecayOptions,
  joinSchedules,
  linear,
  type Schedule,
  warmupCosineDecay,
  type WarmupCosineDecayOptions,
} from "./schedules.ts";

function asStep(op: string, step: NDArray | number): NDArray {
  if (typeof step === "number") return np.array(step, { dtype: "float32" });
  if (!(step instanceof NDArray)) {
    throw new TypeError(`schedules.${op}: a step is a number or an NDArray, got ${typeof step}.`);
  }
  return step.astype("float32");
}

function finite(op: string, name: string, v: number): void {
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new TypeError(`schedules.${op}: ${name} must be a finite number, got ${v}.`);
  }
}

/** Options of {@link polynomial}. */
export interface PolynomialOptions {
  /** The rate at the start. */
  initValue: number;
  /** The rate after the transition. */
  endValue: number;
  /** The power of the decay (1 is linear). */
  power: number;
  /** Length of the transition (≤ 0: the constant initValue, as optax). */
  transitionSteps: number;
  /** Step at which the transition starts; 0 by default. */
  transitionBegin?: number;
}

/**
 * Polynomial decay: (init − end)·(1 − c/T)^power + end, c = clip(step − begin, 0, T).
 *
 * @param options `initValue`, `endValue`, `power`, `transitionSteps`, `transitionBegin`.
 * @returns The schedule.
 *
 * @example
 * ```ts
 * import { schedules } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const lr = schedules.polynomial({ initValue: 1, endValue: 0, power: 2, transitionSteps: 10 });
 * assert.equal(lr(5).item(), 0.25);
 * ```
 */
export function polynomial(options: PolynomialOptions): Schedule {
  requireRecord(
    "schedules.polynomial",
    "options",
    options,
    "{initValue, endValue, power, transitionSteps}",
  );
  const { initValue, endValue, power, transitionSteps } = options;
  finite("polynomial", "initValue", initValue);
  finite("polynomial", "endValue", endValue);
  finite("polynomial", "power", power);
  finite("polynomial", "transitionSteps", transitionSteps);
  if (transitionSteps <= 0) {
    return (step) => np.full(asStep("polynomial", step).shape, initValue);
  }
  const begin = Math.max(options.transitionBegin ?? 0, 0);
  return (step) => {
    const c = np.clip(asStep("polynomial", step).sub(begin), 0, transitionSteps);
    const frac = np.sub(1, c.div(transitionSteps));
    return np.pow(frac, power).mul(initValue - endValue).add(endValue);
  };
}

/**
 * Piecewise interpolation between rates: starting at `initValue`, at each
 * boundary the rate has been multiplied by its scale, interpolated linearly or
 * by half a cosine in between; after the last boundary it stays.
 *
 * @param interpolateType "linear" or "cosine".
 * @param initValue The rate at step 0.
 * @param boundariesAndScales Steps → scale factors (≥ 0).
 * @returns The schedule.
 *
 * @example
 * ```ts
 * import { schedules } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const lr = schedules.piecewiseInterpolate("linear", 1, { 10: 0.5 });
 * assert.equal(lr(5).item(), 0.75);
 * assert.equal(lr(20).item(), 0.5);
 * ```
 */
export function piecewiseInterpolate(
  interpolateType: "linear" | "cosine",
  initValue: number,
  boundariesAndScales: Record<number, number> = {},
): Schedule {
  if (interpolateType !== "linear" && interpolateType !== "cosine") {
    throw new RangeError(
      `schedules.piecewiseInterpolate: interpolateType must be "linear" or "cosine", got ${interpolateType}.`,
    );
  }
  const entries = Object.entries(boundariesAndScales).map(([b, s]) => [Number(b), s])
    .sort((a, b) => a[0] - b[0]);
  if (entries.some(([, s]) => !(s >= 0))) {
    throw new RangeError(`schedules.piecewiseInterpolate: scales must be non-negative.`);
  }
  const bounds = [0, ...entries.map((e) => e[0])];
  const values: number[] = [];
  [initValue, ...entries.map((e) => e[1])].forEach((v, i) =>
    values.push(Math.fround(i === 0 ? v : values[i - 1] * v))
  );
  const interp = (a: number, b: number, pct: NDArray) =>
    interpolateType === "linear"
      ? pct.mul(b - a).add(a)
      : np.add(np.cos(pct.mul(Math.PI)).add(1).mul((a - b) / 2), b);
  return (step) => {
    const s = asStep("piecewiseInterpolate", step);
    let out = s.mul(0);
    for (let i = 0; i + 1 < bounds.length; i++) {
      const size = Math.max(bounds[i + 1] - bounds[i], 1);
      const inside = np.logicalAnd(s.greaterEqual(bounds[i]), s.less(bounds[i + 1]));
      const pct = s.sub(bounds[i]).div(size);
      out = np.where(inside, interp(values[i], values[i + 1], pct), out);
    }
    return np.where(s.greaterEqual(bounds[bounds.length - 1]), values[values.length - 1], out)
      .astype("float32");
  };
}

/** Options of the one-cycle schedules. */
export interface OnecycleOptions {
  /** Total length of the cycle. */
  transitionSteps: number;
  /** The highest rate. */
  peakValue: number;
  /** Fraction of the cycle spent rising; 0.3 by default. */
  pctStart?: number;
  /** The initial rate is peakValue / divFactor; 25 by default. */
  divFactor?: number;
  /** The final rate is initial / finalDivFactor; 1e4 by default. */
  finalDivFactor?: number;
}

/**
 * The one-cycle policy with cosine ramps (Smith & Topin 2018): up from
 * peak/divFactor to peak over pctStart of the steps, then down to
 * peak/(divFactor·finalDivFactor).
 *
 * @param options `transitionSteps`, `peakValue`, `pctStart`, `divFactor`, `finalDivFactor`.
 * @returns The schedule.
 *
 * @example
 * ```ts
 * import { schedules } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const lr = schedules.cosineOnecycle({ transitionSteps: 100, peakValue: 1 });
 * assert.ok(Math.abs((lr(30).item() as number) - 1) < 1e-6);
 * ```
 */
export function cosineOnecycle(options: OnecycleOptions): Schedule {
  requireRecord("schedules.cosineOnecycle", "options", options, "{transitionSteps, peakValue}");
  const { transitionSteps, peakValue, pctStart = 0.3, divFactor = 25, finalDivFactor = 1e4 } =
    options;
  if (!(transitionSteps > 0)) {
    throw new RangeError(`schedules.cosineOnecycle: transitionSteps must be positive.`);
  }
  return piecewiseInterpolate("cosine", peakValue / divFactor, {
    [Math.trunc(pctStart * transitionSteps)]: divFactor,
    [Math.trunc(transitionSteps)]: 1 / (divFactor * finalDivFactor),
  });
}

/**
 * The one-cycle policy with linear ramps: up to the peak over pctStart, down to
 * the initial rate by pctFinal, then to initial/finalDivFactor.
 *
 * @param options As {@link cosineOnecycle}, plus `pctFinal` (0.85).
 * @returns The schedule.
 *
 * @example
 * ```ts
 * import { schedules } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const lr = schedules.linearOnecycle({ transitionSteps: 100, peakValue: 1 });
 * assert.ok(Math.abs((lr(30).item() as number) - 1) < 1e-6);
 * ```
 */
export function linearOnecycle(options: OnecycleOptions & { pctFinal?: number }): Schedule {
  requireRecord("schedules.linearOnecycle", "options", options, "{transitionSteps, peakValue}");
  const {
    transitionSteps,
    peakValue,
    pctStart = 0.3,
    pctFinal = 0.85,
    divFactor = 25,
    finalDivFactor = 1e4,
  } = options;
  if (!(transitionSteps > 0)) {
    throw new RangeError(`schedules.linearOnecycle: transitionSteps must be positive.`);
  }
  return piecewiseInterpolate("linear", peakValue / divFactor, {
    [Math.trunc(pctStart * transitionSteps)]: divFactor,
    [Math.trunc(pctFinal * transitionSteps)]: 1 / divFactor,
    [transitionSteps]: 1 / finalDivFactor,
  });
}

/**
 * SGDR (Loshchilov & Hutter 2017): warm restarts, one warmup-cosine cycle
 * after another, each given by its own options (its `decaySteps` is its length).
 *
 * @param cycles The cycles' options.
 * @returns The schedule.
 *
 * @example
 * ```ts
 * import { schedules } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const c = { initValue: 0, peakValue: 1, warmupSteps: 5, decaySteps: 20 };
 * const lr = schedules.sgdr([c, c]);
 * assert.equal(lr(25).item(), 1); // the second cycle's peak
 * ```
 */
export function sgdr(cycles: readonly WarmupCosineDecayOptions[]): Schedule {
  requireList("schedules.sgdr", "cycles", cycles, false);
  cycles.forEach((c, i) =>
    requireRecord(
      "schedules.sgdr",
      `cycle ${i}`,
      c,
      "{initValue, peakValue, warmupSteps, decaySteps}",
    )
  );
  if (cycles.length === 0) throw new TypeError(`schedules.sgdr: needs at least one cycle.`);
  const boundaries: number[] = [];
  let at = 0;
  for (const c of cycles) boundaries.push(at += c.decaySteps);
  return joinSchedules(cycles.map((c) => warmupCosineDecay(c)), boundaries.slice(0, -1));
}

/**
 * Linear warmup from `initValue` to `peakValue`, then constant. As in optax, `warmupSteps: 0`
 * gives the constant `initValue` (it is {@link linear} with a zero-length ramp).
 *
 * @param options `initValue`, `peakValue`, `warmupSteps`.
 * @returns The schedule.
 *
 * @example
 * ```ts
 * import { schedules } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const lr = schedules.warmupConstant({ initValue: 0, peakValue: 1, warmupSteps: 10 });
 * assert.equal(lr(5).item(), 0.5);
 * assert.equal(lr(50).item(), 1);
 * ```
 */
export function warmupConstant(
  options: { initValue: number; peakValue: number; warmupSteps: number },
): Schedule {
  requireRecord(
    "schedules.warmupConstant",
    "options",
    options,
    "{initValue, peakValue, warmupSteps}",
  );
  return linear({
    initValue: options.initValue,
    endValue: options.peakValue,
    transitionSteps: options.warmupSteps,
  });
}

/**
 * Linear warmup to `peakValue`, then exponential decay (its options, with peakValue as initValue).
 *
 * @param options `initValue`, `peakValue`, `warmupSteps` and the exponential decay's options.
 * @returns The schedule.
 *
 * @example
 * ```ts
 * import { schedules } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const lr = schedules.warmupExponentialDecay({
 *   initValue: 0, peakValue: 1, warmupSteps: 10, transitionSteps: 10, decayRate: 0.5,
 * });
 * assert.equal(lr(20).item(), 0.5);
 * ```
 */
export function warmupExponentialDecay(
  options: Omit<ExponentialDecayOptions, "initValue"> & {
    initValue: number;
    peakValue: number;
    warmupSteps: number;
  },
): Schedule {
  requireRecord(
    "schedules.warmupExponentialDecay",
    "options",
    options,
    "{initValue, peakValue, warmupSteps, transitionSteps, decayRate}",
  );
  const { initValue, peakValue, warmupSteps, ...decay } = options;
  return joinSchedules([
    linear({ initValue, endValue: peakValue, transitionSteps: warmupSteps }),
    exponentialDecay({ ...decay, initValue: peakValue }),
  ], [warmupSteps]);
}
