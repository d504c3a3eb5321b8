/**
 * Sorting and scans for `np`: `argsort` is the one primitive (a stable sorting permutation
 * per lane, zero derivative); `sort`, `topK`, quantiles and `unique` apply it to the values
 * with a gather, so their gradients flow back to the elements that were picked.
 */
import { bind1 } from "../core/_trace.ts";
import * as lax from "../core/_lax.ts";
import type { ArrayLike, NDArray } from "../core/_ndarray.ts";
import { asArrayValue } from "./_base.ts";
import { normalizeAxis } from "../core/_shape.ts";
import { takeAlongAxis } from "./_indexing.ts";

/** Options of `sort` and `argsort`. */
export interface SortOptions {
  /** Largest first (ties keep their order; NaN still last). */
  descending?: boolean;
  /** Accepted for JAX compatibility; sorting is always stable. */
  stable?: boolean;
}

function checkSortOptions(op: string, options: SortOptions): boolean {
  for (const k of Object.keys(options)) {
    if (k !== "descending" && k !== "stable") {
      throw new TypeError(`np.${op}: unknown option "${k}"; use descending or stable.`);
    }
  }
  if (options.stable === false) {
    throw new RangeError(`np.${op}: only stable sorting is provided; omit stable or pass true.`);
  }
  return options.descending ?? false;
}

function lanes(op: string, x: ArrayLike, axis: number | null): [NDArray, number] {
  let a = asArrayValue(`np.${op}`, x);
  if (axis === null) return [lax.reshape(a, [a.size]), 0];
  if (a.ndim === 0) a = lax.reshape(a, [1]);
  return [a, normalizeAxis(`np.${op}`, axis, a.ndim)];
}

/**
 * The indices that sort x along `axis` (stable: equal elements keep their order; NaN last).
 * @param x The input.
 * @param axis The axis (default −1; null sorts the flattened array).
 * @param options `descending`.
 * @returns int32 indices of x's shape.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.argsort(np.array([3, 1, 2])).toArray(), [1, 2, 0]);
 * ```
 */
export function argsort(
  x: ArrayLike,
  axis: number | null = -1,
  options: SortOptions = {},
): NDArray {
  const descending = checkSortOptions("argsort", options);
  const [a, ax] = lanes("argsort", x, axis);
  return bind1("argsort", [a], { axis: ax, descending });
}

/**
 * Sorts along `axis` (stable; NaN last). The gradient flows to each element's sorted position.
 * @param x The input.
 * @param axis The axis (default −1; null sorts the flattened array).
 * @param options `descending`.
 * @returns The sorted array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.sort(np.array([[3, 1, 2]])).toArray(), [[1, 2, 3]]);
 * ```
 */
export function sort(x: ArrayLike, axis: number | null = -1, options: SortOptions = {}): NDArray {
  const descending = checkSortOptions("sort", options);
  const [a, ax] = lanes("sort", x, axis);
  return takeAlongAxis(a, bind1("argsort", [a], { axis: ax, descending }), ax);
}
