/**
 * Small helpers shared by the optax-style transforms, wrappers and aliases.
 *
 * @module
 */
import { NDArray } from "../core/_ndarray.ts";
import { flatten, leaves, map, unflatten } from "../core/tree.ts";
import { checkMask, maskedLeaves } from "./_labels.ts";
import type { ExtraArgs, GradientTransformation, Mask } from "./_gradient_transformations.ts";
import { checkSameTree } from "./_checks.ts";
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

/**
 * u ← u + w·p (optax's add_decayed_weights; w may be negative, as Fromage needs), only on the
 * leaves that `mask` selects when one is given (optax's `mask`, named `name` in errors).
 */
export function decayed(
  op: string,
  w: number,
  mask?: Mask,
  name = "mask",
): GradientTransformation<null> {
  if (mask !== undefined) checkMask(op, name, mask);
  return {
    init: () => null,
    update(updates, state, params) {
      if (w === 0) return [updates, state];
      needParams(op, params);
      if (mask === undefined) {
        return [map((u, p) => u.add(p.mul(w)), updates, params as typeof updates), state];
      }
      checkSameTree(`optim.${op}`, "the params", params, "the updates", updates);
      const on = maskedLeaves(op, name, mask, params);
      const [us, def] = flatten(updates);
      const ps = leaves(params);
      // u ← u + w·p where the mask is true, u elsewhere
      return [unflatten(def, us.map((u, i) => on[i] ? u.add(ps[i].mul(w)) : u)), state];
    },
  };
}

/** m / (1 − decay^t), t the int32 count cast to m's dtype. */
export function debias(m: NDArray, decay: number, t: NDArray): NDArray {
  const tt = t.astype(m.dtype === "float64" ? "float64" : "float32");
  // 1 − decay^t in float32 (in float16 it would round to 0), then divide in m's own dtype, as
  // optax's bias_correction: a float16/bfloat16 moment stays float16/bfloat16
  return m.div(np.pow(decay, tt).neg().add(1).astype(m.dtype));
}

/** b m + (1 − b) g (optax's update_moment of order 1). */
export const moment1 = (g: NDArray, m: NDArray, b: number) => m.mul(b).add(g.mul(1 - b));
/** b v + (1 − b) g² (order 2). */
export const moment2 = (g: NDArray, v: NDArray, b: number) => v.mul(b).add(g.square().mul(1 - b));

/** Σ over leaves of Σ x², in the leaves' float dtype (optax's tree norm, squared). */
export function treeSquaredNorm(tree: unknown): NDArray {
  return leaves(tree)
    .map((u) => np.sum(u.square()))
    .reduce((a, b) => a.add(b), np.zeros([]));
}

/** Σ over leaves of Σ a·b (optax's tree vdot, real arrays). */
export function treeVdot(a: unknown, b: unknown): NDArray {
  const la = leaves(a), lb = leaves(b);
  return la.map((x, i) => np.sum(x.mul(lb[i]))).reduce((s, t) => s.add(t), np.zeros([]));
}

/** The objective's value from the extra arguments, as a scalar array. */
export function extraValue(op: string, extra: ExtraArgs | undefined): NDArray {
  const v = extra?.value;
  if (typeof v === "number" && !Number.isNaN(v)) return np.array(v);
  if (v instanceof NDArray && v.ndim === 0) return v;
  throw new TypeError(
    `optim.${op}: update needs the objective's value as a scalar: call ` +
      `update(grads, state, params, { value }) with value = f(params) (valueAndGrad gives both); got ${
        v instanceof NDArray ? `an array of shape [${v.shape.join(", ")}]` : String(v)
      }.`,
  );
}

/** The float dtype of a params tree (of its first leaf), for values and step sizes. */
export function valueDtype(params: unknown): "float32" | "float64" {
  const first = leaves(params)[0];
  return first?.dtype === "float64" ? "float64" : "float32";
}

/** The objective and its value/gradient from the extra arguments, checked. */
export function lineSearchArgs(
  op: string,
  updates: unknown,
  params: unknown,
  extra: ExtraArgs | undefined,
): { value: NDArray; grad: unknown; valueFn: (p: unknown) => NDArray } {
  needParams(op, params);
  const value = extraValue(op, extra);
  if (extra?.grad === undefined || typeof extra.valueFn !== "function") {
    throw new TypeError(
      `optim.${op}: a line search needs the gradient and the objective: call ` +
        `update(grads, state, params, { value, grad, valueFn }) with [value, grad] = ` +
        `valueAndGrad(valueFn)(params).`,
    );
  }
  checkSameTree(`optim.${op}`, "the grad", extra.grad, "the updates", updates);
  const valueFn = extra.valueFn.bind(extra);
  return { value, grad: extra.grad, valueFn };
}

/** params + η·u, leaf by leaf, in each parameter's dtype. */
export function addScaled(params: unknown, eta: NDArray, updates: unknown): unknown {
  return map(
    (p, u) => p.add(u.mul(eta.astype(u.dtype))).astype(p.dtype),
    params,
    updates as typeof params,
  );
}
