/**
 * The dtype rule of np.linalg's decompositions: integers and bools are computed as float32 (as
 * jnp.linalg), float32/float64 as they are, and float16/bfloat16 are refused at the boundary
 * with the function's own name (JAX's LAPACK kernels refuse them too, though jnp.linalg.det
 * computes float16 through its own LU; the primitives below
 * would otherwise throw an error naming an internal step such as `lu`).
 */
import * as lax from "../core/_lax.ts";
import type { NDArray } from "../core/_ndarray.ts";
import { isHalfFloat } from "../core/_dtype.ts";

/** `a` as float32/float64 for the decomposition `op` (a name such as "np.linalg.inv"). */
export function linalgFloat(op: string, a: NDArray): NDArray {
  if (a.dtype === "float32" || a.dtype === "float64") return a;
  if (isHalfFloat(a.dtype)) {
    throw new TypeError(
      `${op}: needs float32 or float64 matrices, got ${a.dtype} (the decompositions have no ` +
        `half-precision kernels; JAX's refuse it too, except det); convert with x.astype("float32").`,
    );
  }
  return lax.convert(a, "float32");
}
