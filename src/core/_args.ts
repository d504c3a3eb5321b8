/** Argument checks shared by the differentiation transforms (grad, vjp, jacobians). */
import { isFloat } from "./_dtype.ts";
import { NDArray } from "./_ndarray.ts";
import { fmtShape } from "./_shape.ts";
import type { TreeDef } from "./tree.ts";

/** Which positional arguments to differentiate: one index or a list. */
export type Argnums = number | readonly number[];

/** Checks that every leaf is a float array (what can be differentiated) and returns them. */
export function checkDifferentiable(
  name: string,
  leaves: readonly unknown[],
  def: TreeDef,
): NDArray[] {
  return leaves.map((leaf, i) => {
    if (!(leaf instanceof NDArray)) {
      throw new TypeError(
        `${name}: can only differentiate with respect to arrays, but leaf ${i} of the argument ` +
          `(structure ${def}) is ${
            typeof leaf === "number" ? `the number ${leaf}` : typeof leaf
          }. ` +
          `Wrap numbers with np.array(...), or leave the argument out of argnums.`,
      );
    }
    if (!isFloat(leaf.dtype)) {
      throw new TypeError(
        `${name}: can only differentiate with respect to float arrays, but leaf ${i} of the ` +
          `argument (structure ${def}) has dtype ${leaf.dtype} (shape ${fmtShape(leaf.shape)}). ` +
          `Convert it with .astype("float32"), or leave it out of argnums.`,
      );
    }
    return leaf;
  });
}

/** The argnums as a list, each checked against the number of arguments (RangeError). */
export function normalizeArgnums(
  name: string,
  argnums: Argnums,
  nargs: number,
  option = "argnums",
): number[] {
  const list = typeof argnums === "number" ? [argnums] : [...argnums];
  for (const a of list) {
    if (!Number.isInteger(a) || a < 0 || a >= nargs) {
      throw new RangeError(
        `${name}: ${option} ${JSON.stringify(argnums)} is out of range for a call with ${nargs} ` +
          `argument(s).`,
      );
    }
  }
  return list;
}

/** Checks that every output leaf of a transformed function is an array and returns them. */
export function outputArrays(name: string, leaves: readonly unknown[]): NDArray[] {
  return leaves.map((o, i) => {
    if (o instanceof NDArray) return o;
    throw new TypeError(
      `${name}: the function must return arrays (or pytrees of arrays), but output leaf ${i} ` +
        `is ${o === null ? "null" : typeof o}. Wrap numbers with np.array(...).`,
    );
  });
}
