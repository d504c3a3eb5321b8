/**
 * Labels and masks for the leaves of a params tree, as optax's `multi_transform`, `masked`
 * and the `mask` of its weight-decay aliases take them: a tree with the params' structure
 * (or a prefix of it), or a function of the params that returns one. (The public `Mask` type
 * is in `_gradient_transformations.ts`.)
 *
 * @module
 */
import { flatten as flattenTree, TreeDef } from "../core/tree.ts";
import { show } from "../core/_validate.ts";

/**
 * The labels of the leaves of `params`, in flattening order. The label tree is matched to
 * the params node by node, as optax's `jax.tree.map(f, labels, params)`: keys and lengths
 * must agree (a positional match would give a leaf another leaf's label), and a label at
 * a subtree covers all of its leaves.
 */
export function leafLabels(op: string, spec: unknown, params: unknown): string[] {
  const tree = typeof spec === "function" ? (spec as (p: unknown) => unknown)(params) : spec;
  const [, def] = flattenTree(params);
  const out: string[] = [];
  const mismatch = (path: string, why: string): TypeError =>
    new TypeError(
      `optim.${op}: the labels do not match the params at ${path || "the root"}: ${why}. ` +
        `Give a tree of labels with the params' structure ${def} (or a prefix of it).`,
    );
  const walk = (t: unknown, d: TreeDef, path: string): void => {
    if (typeof t === "string" || typeof t === "boolean") {
      for (let i = 0; i < d.numLeaves; i++) out.push(String(t));
      return;
    }
    if (d.kind === "leaf" || (t !== null && typeof t !== "object")) {
      throw new TypeError(
        `optim.${op}: labels must be strings (or booleans for a mask), got ${t} at ${
          path || "the root"
        }.`,
      );
    }
    if (d.kind === "none") {
      if (t === null || t === undefined) return;
      throw mismatch(path, `the params have ${d.empty} there but the labels have ${show(t)}`);
    }
    if (d.kind === "custom") {
      const [ls, td] = flattenTree(t);
      if (!td.equals(d)) throw mismatch(path, `the labels have structure ${td}, the params ${d}`);
      ls.forEach((l, i) => walk(l, new TreeDef("leaf"), `${path}[${i}]`));
      return;
    }
    if (d.kind === "array") {
      if (!Array.isArray(t) || t.length !== d.children.length) {
        throw mismatch(
          path,
          `the params have a list of ${d.children.length}, the labels ${show(t)}`,
        );
      }
      d.children.forEach((c, i) => walk(t[i], c, `${path}[${i}]`));
      return;
    }
    const keys = t === null || Array.isArray(t) ? undefined : Object.keys(t).sort();
    if (keys === undefined || keys.join("\u0000") !== d.keys.join("\u0000")) {
      throw mismatch(
        path,
        `the params have keys [${d.keys.join(", ")}], the labels ${
          keys === undefined ? show(t) : `[${keys.join(", ")}]`
        }`,
      );
    }
    d.children.forEach((c, i) =>
      walk((t as Record<string, unknown>)[d.keys[i]], c, `${path}.${d.keys[i]}`)
    );
  };
  walk(tree, def, "");
  return out;
}

/**
 * Which leaves of `params` (in flattening order) `mask` selects. `name` is the option's name
 * in errors; a mask's labels must be booleans (a string there is most likely a label meant
 * for `multiTransform`).
 */
export function maskedLeaves(op: string, name: string, mask: unknown, params: unknown): boolean[] {
  const tree = typeof mask === "function" ? (mask as (p: unknown) => unknown)(params) : mask;
  checkMask(op, typeof mask === "function" ? `the tree that ${name} returned` : name, tree);
  return leafLabels(op, tree, params).map((l) => l === "true");
}

/** Checks, when an optimizer is built, that a mask is a function or a tree of booleans. */
export function checkMask(op: string, name: string, mask: unknown): void {
  if (typeof mask === "function") return;
  const bad = firstNonBoolean(mask, "");
  if (bad !== undefined) {
    throw new TypeError(
      `optim.${op}: ${name} must be a tree of booleans like the params (or a function ` +
        `params → such a tree), got ${show(bad[0])} at ${bad[1] || "the root"}. Pass true where ` +
        `it applies and false elsewhere.`,
    );
  }
}

/** The first leaf of a would-be mask tree that is not a boolean (or null), with its path. */
function firstNonBoolean(t: unknown, path: string): [unknown, string] | undefined {
  if (typeof t === "boolean" || t === null || t === undefined) return undefined;
  if (Array.isArray(t)) {
    for (let i = 0; i < t.length; i++) {
      const bad = firstNonBoolean(t[i], `${path}[${i}]`);
      if (bad) return bad;
    }
    return undefined;
  }
  if (typeof t === "object" && Object.getPrototypeOf(t) === Object.prototype) {
    for (const [k, v] of Object.entries(t as Record<string, unknown>)) {
      const bad = firstNonBoolean(v, `${path}.${k}`);
      if (bad) return bad;
    }
    return undefined;
  }
  return typeof t === "object" ? undefined : [t, path]; // a custom node: leafLabels checks it
}
