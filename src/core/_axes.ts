/**
 * Axis specs as `vmap` and the worker pool read them: a number, null, or a
 * pytree prefix of the arguments, expanded to one axis per array leaf.
 */
import { fmtAval } from "./_trace.ts";
import { NDArray } from "./_ndarray.ts";
import { flatten } from "./tree.ts";

/**
 * Where the batch axis is, for each leaf of a pytree: a number (negative counts
 * from the end) maps that axis, `null` leaves the value unmapped. A number or
 * `null` stands for every leaf below it; otherwise the spec mirrors the tree's
 * containers (a pytree prefix, as in JAX).
 */
export type AxisSpec =
  | number
  | null
  | readonly AxisSpec[]
  | { readonly [key: string]: AxisSpec };

/** True for `{}`-style objects (the pytree containers), false for class instances. */
export function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== "object") return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** A short description of a value for error messages. */
export function describe(x: unknown): string {
  if (x instanceof NDArray) return `an array ${fmtAval(x)}`;
  if (Array.isArray(x)) return `a list of ${x.length}`;
  if (isPlainObject(x)) return `an object with keys {${Object.keys(x).sort().join(", ")}}`;
  return x === null ? "null" : typeof x;
}

/** The spec's axis for every leaf of `tree`, in flatten order (a spec is a prefix of the tree). */
export function axesOfLeaves(
  op: string,
  option: string,
  spec: AxisSpec,
  tree: unknown,
  path = "",
): (number | null)[] {
  if (spec === null || typeof spec === "number") {
    return new Array<number | null>(flatten(tree)[0].length).fill(spec);
  }
  const at = path ? ` at ${path}` : "";
  if (Array.isArray(spec)) {
    if (!Array.isArray(tree) || tree.length !== spec.length) {
      throw new TypeError(
        `${op}: ${option}${at} is a list of ${spec.length} but the value there is ` +
          `${describe(tree)}; ${option} must be a number, null, or a pytree prefix that ` +
          `matches the structure of the value.`,
      );
    }
    return spec.flatMap((s: AxisSpec, i) => axesOfLeaves(op, option, s, tree[i], `${path}[${i}]`));
  }
  if (isPlainObject(spec)) {
    const keys = Object.keys(spec).sort();
    const same = isPlainObject(tree) && Object.keys(tree).length === keys.length &&
      keys.every((k) => k in tree);
    if (!same) {
      throw new TypeError(
        `${op}: ${option}${at} has keys {${keys.join(", ")}} but the value there is ` +
          `${describe(tree)}; ${option} must be a number, null, or a pytree prefix that ` +
          `matches the structure of the value.`,
      );
    }
    const obj = spec as { readonly [key: string]: AxisSpec };
    return keys.flatMap((k) =>
      axesOfLeaves(op, option, obj[k], (tree as Record<string, unknown>)[k], `${path}.${k}`)
    );
  }
  throw new TypeError(
    `${op}: ${option}${at} is ${describe(spec)}; use a number, null, or a list/object of them.`,
  );
}
