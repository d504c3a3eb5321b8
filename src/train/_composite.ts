/**
 * Composite ops (activations, softmax) as one cached compiled program on concrete arrays:
 * `eagerProgram` (src/numpy/_eager.ts) fuses their elementwise steps into one loop where
 * eager evaluation would run (and allocate) one pass per step. Bit-identical either way.
 */
import { NDArray } from "../core/_ndarray.ts";
import { eagerProgram } from "../numpy/_eager.ts";

/**
 * `f(x)`, through a cached exact program when `x` is a concrete array of at least
 * `EAGER_PROGRAM_MIN_ELEMENTS` elements. `op` names the computation: one `op` must always
 * come with the same `f` (put its parameters in the name).
 */
export function composite(op: string, x: NDArray | number, f: (v: NDArray) => NDArray): NDArray {
  if (!(x instanceof NDArray)) return f(x as unknown as NDArray);
  return eagerProgram(op, [x], x.size, f, true);
}
