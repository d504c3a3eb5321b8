/** Argument checks shared by the differentiation transforms (grad, vjp, jacobians). */
import { isFloat } from "./_dtype.ts";
import { NDArray } from "./_ndarray.ts";
import { fmtShape } from "./_shape.ts";
import type { TreeDef } from "./tree.ts";
import { checkOptions, show } from "./_validate.ts";

/** Which positional arguments to differentiate: one index or a list. */
export type Argnums = number | readonly number[];

/**
 * Checks that every leaf is a float array (what can be differentiated) and returns them. With
 * `allowInt` (jvp, vjp, linearize, as in JAX) integer and bool arrays pass too: they are held
 * fixed, with zero tangents.
 */
export function checkDifferentiable(
  name: string,
  leaves: readonly unknown[],
  def: TreeDef,
  allowInt = false,
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
    if (!allowInt && !isFloat(leaf.dtype)) {
      throw new TypeError(
        `${name}: can only differentiate with respect to float arrays, but leaf ${i} of the ` +
          `argument (structure ${def}) has dtype ${leaf.dtype} (shape ${fmtShape(leaf.shape)}). ` +
          `Convert it with .astype("float32"), leave it out of argnums, or use vjp (it takes ` +
          `integer and bool arrays and gives them zero cotangents, as JAX's float0).`,
      );
    }
    return leaf;
  });
}

/**
 * The argnums as a list, each checked against the number of arguments (RangeError); a negative
 * one counts from the end, as in JAX (`argnums: -1` is the last argument).
 */
export function normalizeArgnums(
  name: string,
  argnums: Argnums,
  nargs: number,
  option = "argnums",
): number[] {
  if (typeof argnums !== "number" && !Array.isArray(argnums)) {
    throw new TypeError(
      `${name}: ${option} must be an integer or a list of integers, got ${show(argnums)}.`,
    );
  }
  const list = typeof argnums === "number" ? [argnums] : [...argnums];
  for (const a of list) {
    if (typeof a !== "number" || !Number.isInteger(a)) {
      throw new TypeError(`${name}: ${option} must hold integers, got ${show(argnums)}.`);
    }
    if (a < -nargs || a >= nargs) {
      throw new RangeError(
        `${name}: ${option} ${JSON.stringify(argnums)} is out of range for a call with ${nargs} ` +
          `argument(s).`,
      );
    }
  }
  return list.map((a) => (a < 0 ? a + nargs : a));
}

/** Checks that a transform was given a function (not, say, the result of calling one). */
export function checkFunction(name: string, f: unknown): void {
  if (typeof f !== "function") {
    throw new TypeError(
      `${name}: expected a function to transform, got ${show(f)}` +
        `${f instanceof NDArray ? " (pass the function itself, not its result)" : ""}.`,
    );
  }
}

/**
 * Reads the options of `grad`-like transforms: an options object with `keys`, or
 * the argnums alone (`grad(f, 1)`, `grad(f, [0, 1])`), as JAX's positional form.
 */
export function gradOptions(
  name: string,
  options: { argnums?: Argnums; hasAux?: boolean } | Argnums | undefined,
  keys: readonly string[],
): { argnums?: Argnums; hasAux?: boolean } {
  if (options === undefined) return {};
  if (typeof options === "number" || Array.isArray(options)) {
    return { argnums: options as Argnums };
  }
  checkOptions(name, options, keys);
  const o = options as { argnums?: Argnums; hasAux?: boolean };
  if (o.hasAux !== undefined && typeof o.hasAux !== "boolean") {
    throw new TypeError(`${name}: hasAux must be true or false, got ${show(o.hasAux)}.`);
  }
  return o;
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
