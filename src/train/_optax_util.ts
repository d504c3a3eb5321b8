/**
 * Small helpers shared by the optax-style transforms, wrappers and aliases.
 *
 * @module
 */
import type { NDArray } from "../core/_ndarray.ts";
import { map } from "../core/tree.ts";
import * as np from "../numpy/numpy.ts";

export const zerosLike = (params: unknown): unknown => map((p) => np.zerosLike(p), params);
export const fullLike = (params: unknown, v: number): unknown =>
  map((p) => np.full(p.shape, v, { dtype: p.dtype }), params);
export const newCount = (): NDArray => np.zeros([], { dtype: "int32" });

/** Throws a RangeError unless `value` is a number in [lo, hi]. */
export function checkNumber(op: string, name: string, value: number, lo = 0, hi = Infinity): void {
  if (typeof value !== "number" || !(value >= lo && value <= hi)) {
    throw new RangeError(`optim.${op}: ${name} must be a number in [${lo}, ${hi}], got ${value}.`);
  }
}

/** Throws a TypeError naming `op` when `params` is missing. */
export function needParams(op: string, params: unknown): void {
  if (params === undefined) {
    throw new TypeError(`optim.${op}: update needs the params; call update(grads, state, params).`);
  }
}

/** m / (1 − decay^t), t the int32 count cast to m's dtype. */
export function debias(m: NDArray, decay: number, t: NDArray): NDArray {
  const tt = t.astype(m.dtype === "float64" ? "float64" : "float32");
  return m.div(np.pow(decay, tt).neg().add(1));
}

/** b m + (1 − b) g (optax's update_moment of order 1). */
export const moment1 = (g: NDArray, m: NDArray, b: number) => m.mul(b).add(g.mul(1 - b));
/** b v + (1 − b) g² (order 2). */
export const moment2 = (g: NDArray, v: NDArray, b: number) => v.mul(b).add(g.square().mul(1 - b));
