/**
 * Set operations on flattened arrays, as sorted unique values: `union1d`, `intersect1d`,
 * `setdiff1d`, `setxor1d`. Each sorts the candidates, keeps the first of each run of equal
 * values that passes a membership test (`isin`), and gathers them; under a transform the
 * number of results must be given as a static `size` (extra slots get `fillValue`), as JAX.
 */
import * as lax from "../core/_lax.ts";
import { bind1 } from "../core/_trace.ts";
import type { ArrayLike, NDArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import { promote } from "./_base.ts";
import { checkOptions } from "../core/_validate.ts";
import { nonzero, type SizeOptions } from "./_selections.ts";
import { argsort } from "./_scan_sort.ts";
import { isin } from "./_index_helpers.ts";

/**
 * The sorted distinct values of `values` for which `keep(value)` holds.
 * `fill`: "first" fills extra slots with the first result (JAX's minimum), "zero" with 0.
 */
function keepUnique(
  op: string,
  values: NDArray,
  keep: (v: NDArray) => NDArray,
  options: SizeOptions,
  fill: "first" | "zero",
): NDArray {
  checkOptions(op, options, ["size", "fillValue"]);
  if (options.size === undefined && !(values instanceof ArrayValue)) {
    throw new TypeError(
      `${op}: inside a transform the number of results is not known; pass a static { size } ` +
        `(extra slots get fillValue), as JAX requires.`,
    );
  }
  const flat = lax.reshape(values, [values.size]);
  const n = flat.shape[0];
  const sorted = bind1("take", [flat, argsort(flat, 0)], { axis: 0 });
  let isNew = keep(sorted);
  if (n > 1) {
    // first of each run of equal values: sorted[i] ≠ sorted[i − 1]
    const differs = lax.binary(
      "ne",
      bind1("slice", [sorted], { starts: [1], stops: [n], steps: [1] }),
      bind1("slice", [sorted], { starts: [0], stops: [n - 1], steps: [1] }),
    );
    const first = lax.full({ shape: [1], dtype: "bool" }, 1);
    isNew = lax.binary("and", isNew, bind1("concatenate", [first, differs], { axis: 0 }));
  }
  const [pos] = nonzero(isNew, { size: options.size, fillValue: -1 });
  const found = lax.binary("ge", pos, lax.full(pos, 0));
  const vals = bind1("take", [sorted, lax.select(found, pos, lax.zerosLike(pos))], { axis: 0 });
  let filler: NDArray;
  if (options.fillValue !== undefined) filler = lax.full(vals, options.fillValue);
  else if (fill === "zero" || vals.shape[0] === 0) filler = lax.zerosLike(vals);
  else {
    const head = bind1("slice", [vals], { starts: [0], stops: [1], steps: [1] });
    filler = lax.broadcast(head, vals.shape);
  }
  return lax.select(found, vals, filler);
}

const not = (b: NDArray) => lax.binary("xor", b, lax.full(b, 1));

/**
 * The sorted distinct values found in either array.
 * @param ar1 First array (flattened).
 * @param ar2 Second array (flattened).
 * @param options `size` (static result length, required under a transform) and `fillValue`
 *   (default: the smallest result).
 * @returns The union.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.union1d(np.array([3, 1, 3]), np.array([2, 1])).toArray(), [1, 2, 3]);
 * ```
 */
export function union1d(ar1: ArrayLike, ar2: ArrayLike, options: SizeOptions = {}): NDArray {
  const [a, b] = promote("np.union1d", [ar1, ar2]);
  const both = bind1("concatenate", [lax.reshape(a, [a.size]), lax.reshape(b, [b.size])], {
    axis: 0,
  });
  return keepUnique(
    "np.union1d",
    both,
    (v) => lax.full({ shape: v.shape, dtype: "bool" }, 1),
    options,
    "first",
  );
}

/**
 * The sorted distinct values found in both arrays.
 * @param ar1 First array (flattened).
 * @param ar2 Second array (flattened).
 * @param options `size` (static result length, required under a transform) and `fillValue`
 *   (default: the smallest result).
 * @returns The intersection.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.intersect1d(np.array([5, 1, 3, 3]), np.array([3, 4, 1])).toArray(), [1, 3]);
 * ```
 */
export function intersect1d(ar1: ArrayLike, ar2: ArrayLike, options: SizeOptions = {}): NDArray {
  const [a, b] = promote("np.intersect1d", [ar1, ar2]);
  return keepUnique("np.intersect1d", a, (v) => isin(v, b), options, "first");
}

/**
 * The sorted distinct values of ar1 that are not in ar2.
 * @param ar1 First array (flattened).
 * @param ar2 Second array (flattened).
 * @param options `size` (static result length, required under a transform) and `fillValue`
 *   (default 0).
 * @returns The difference.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.setdiff1d(np.array([5, 1, 3, 7]), np.array([3, 1])).toArray(), [5, 7]);
 * ```
 */
export function setdiff1d(ar1: ArrayLike, ar2: ArrayLike, options: SizeOptions = {}): NDArray {
  const [a, b] = promote("np.setdiff1d", [ar1, ar2]);
  return keepUnique("np.setdiff1d", a, (v) => not(isin(v, b)), options, "zero");
}

/**
 * The sorted distinct values found in exactly one of the arrays.
 * @param ar1 First array (flattened).
 * @param ar2 Second array (flattened).
 * @param options `size` (static result length, required under a transform) and `fillValue`
 *   (default: the smallest result).
 * @returns The symmetric difference.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.setxor1d(np.array([1, 2, 3]), np.array([2, 3, 4])).toArray(), [1, 4]);
 * ```
 */
export function setxor1d(ar1: ArrayLike, ar2: ArrayLike, options: SizeOptions = {}): NDArray {
  const [a, b] = promote("np.setxor1d", [ar1, ar2]);
  const both = bind1("concatenate", [lax.reshape(a, [a.size]), lax.reshape(b, [b.size])], {
    axis: 0,
  });
  return keepUnique(
    "np.setxor1d",
    both,
    (v) => lax.binary("xor", isin(v, a), isin(v, b)),
    options,
    "first",
  );
}
