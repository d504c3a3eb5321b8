/**
 * Gathers by computed flat indices, the one mechanism behind `takeAlongAxis`, the general
 * indexer `index` and the functional updates `at(...)`: an index expression is turned into an
 * int32 array F of flat positions into x (shape = the result's shape), then the result is
 * `take(ravel(x), F)`; its gradient is a `scatter_add` of the cotangent back to F (repeated
 * positions add up).
 */
import * as lax from "../core/_lax.ts";
import type { ArrayLike, NDArray } from "../core/_ndarray.ts";
import { asArrayValue, broadcastToShape } from "./_base.ts";
import { broadcastShapes, fmtShape, normalizeAxis, stridesOf } from "../core/_shape.ts";
import { coordinate, gatherFlat, wrapIndices } from "./_gather.ts";

/**
 * Picks along `axis` with an index array of x's rank (other axes broadcast against x's), as
 * `jnp.take_along_axis`; used to apply the permutation of `argsort` to the values.
 * @param x The input.
 * @param indices Integer indices, of the same rank as x.
 * @param axis The axis to index (null: the flattened x, with 1-D indices).
 * @returns The gathered values, of the broadcast shape.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const x = np.array([[10, 30, 20], [60, 40, 50]]);
 * assert.deepEqual(np.takeAlongAxis(x, np.argsort(x, 1), 1).toArray(), [[10, 20, 30], [40, 50, 60]]);
 * ```
 */
export function takeAlongAxis(x: ArrayLike, indices: ArrayLike, axis: number | null): NDArray {
  let a = asArrayValue("np.takeAlongAxis", x);
  const idx0 = asArrayValue("np.takeAlongAxis", indices);
  if (axis === null) {
    a = lax.reshape(a, [a.size]);
    axis = 0;
  }
  const ax = normalizeAxis("np.takeAlongAxis", axis, a.ndim);
  if (idx0.ndim !== a.ndim) {
    throw new TypeError(
      `np.takeAlongAxis: indices of shape ${fmtShape(idx0.shape)} need the rank of x ` +
        `${fmtShape(a.shape)}.`,
    );
  }
  const n = a.shape[ax];
  const idx = wrapIndices("np.takeAlongAxis", idx0, n);
  const outShape = broadcastShapes(
    "np.takeAlongAxis",
    a.shape.map((d, i) => (i === ax ? 1 : d)),
    idx.shape.map((d, i) => (i === ax ? 1 : d)),
  );
  outShape[ax] = idx.shape[ax];
  const strides = stridesOf(a.shape);
  let flat = lax.mul(
    broadcastToShape(idx, outShape),
    lax.full({ shape: outShape, dtype: "int32" }, strides[ax]),
  );
  for (let d = 0; d < a.ndim; d++) {
    if (d === ax || a.shape[d] === 1) continue;
    const c = coordinate(outShape, d);
    flat = lax.add(flat, strides[d] === 1 ? c : lax.mul(c, lax.full(c, strides[d])));
  }
  return gatherFlat(a, flat);
}
