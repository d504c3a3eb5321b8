/**
 * Axis ticks of the charts of `plot.ts`: "nice" 1-2-5 steps for linear axes, decade-aligned
 * ticks for logarithmic ones, and the short text of each tick label.
 */

/** Rounds away binary noise such as 0.30000000000000004. */
function clean(v: number): number {
  return Number(v.toPrecision(12));
}

/** The 1-2-5 step nearest above `raw`. */
function niceStep(raw: number): number {
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const r = raw / mag;
  const f = r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10;
  return clean(f * mag);
}

/**
 * Picks evenly spaced "nice" tick values covering `[min, max]`: the step is
 * 1, 2 or 5 times a power of ten, and the first and last ticks are the
 * multiples of the step at or just outside `min` and `max`.
 *
 * @param min The smallest value to cover.
 * @param max The largest value to cover.
 * @param count The rough number of intervals wanted (default 5).
 * @returns The ticks in increasing order; at least two unless `min` or `max` is not finite.
 *
 * @example Ticks for a loss curve
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { niceTicks } from "@difftrace/difftrace";
 *
 * deepStrictEqual(niceTicks(0.13, 2.31), [0, 0.5, 1, 1.5, 2, 2.5]);
 * ```
 */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min > max) [min, max] = [max, min];
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  const step = niceStep((max - min) / Math.max(1, count));
  const lo = Math.floor(clean(min / step));
  const hi = Math.ceil(clean(max / step));
  const ticks: number[] = [];
  for (let k = lo; k <= hi; k++) ticks.push(clean(k * step) || 0);
  return ticks;
}

/** Ticks of a log axis covering [min, max] (both > 0), as decade-aligned values. */
export function logTicks(min: number, max: number): number[] {
  let lo = Math.floor(Math.log10(min) + 1e-9);
  let hi = Math.ceil(Math.log10(max) - 1e-9);
  if (hi <= lo) hi = lo + 1;
  const decades = hi - lo;
  const ticks: number[] = [];
  if (decades <= 2) {
    for (let e = lo; e <= hi; e++) {
      for (const m of e === hi ? [1] : [1, 2, 5]) ticks.push(clean(m * Math.pow(10, e)));
    }
    // Trim ticks well outside the data so a narrow range is not squashed.
    while (ticks.length > 3 && ticks[1] <= min) ticks.shift();
    while (ticks.length > 3 && ticks[ticks.length - 2] >= max) ticks.pop();
    return ticks;
  }
  const every = Math.ceil(decades / 8);
  lo = Math.floor(lo / every) * every;
  hi = Math.ceil(hi / every) * every;
  for (let e = lo; e <= hi; e += every) ticks.push(clean(Math.pow(10, e)));
  return ticks;
}

/** Short, readable text for an axis tick. */
export function formatTick(v: number, step: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-4) {
    const s = v.toExponential(2).replace(/\.?0+e/, "e").replace("e+", "e");
    return s;
  }
  const decimals = step > 0 ? Math.max(0, Math.min(8, -Math.floor(Math.log10(step) + 1e-9))) : 0;
  let s = v.toFixed(decimals);
  if (s.includes(".")) s = s.replace(/\.?0+$/, "");
  if (a >= 1e4) s = s.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return s;
}

/** Labels for log-axis ticks: `1e-3` style when all are powers of ten over a wide range. */
export function formatLogTicks(ticks: number[]): string[] {
  const exps = ticks.map((t) => Math.log10(t));
  const powersOnly = exps.every((e) => Math.abs(e - Math.round(e)) < 1e-9);
  const wide = ticks.some((t) => t < 1e-3 || t > 1e4);
  if (powersOnly && wide) return exps.map((e) => `1e${Math.round(e)}`);
  return ticks.map((t) => {
    if (t < 1e-4 || t >= 1e6) return t.toExponential(0).replace("e+", "e");
    const s = String(clean(t));
    return t >= 1e4 ? s.replace(/\B(?=(\d{3})+(?!\d))/g, ",") : s;
  });
}
