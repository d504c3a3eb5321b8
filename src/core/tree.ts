/**
 * Pytrees: nested plain objects and JS arrays whose leaves are arrays.
 *
 * Containers are JS arrays (and tuples) and plain objects (their keys are
 * visited in sorted order, as JAX sorts dict keys); `null` and `undefined` are
 * empty containers; instances of classes registered with `registerClass` or
 * `registerDataclass` are containers too (JAX's `register_pytree_node`).
 * Everything else — an `NDArray`, a number, a string — is a leaf. Every
 * transform takes and returns pytrees.
 *
 * Each leaf has a key path (`flattenWithPath`), printed as JAX prints them:
 * `.w` for a field of a registered dataclass, `[0]` for an array element or a
 * child of a registered class, `["b"]` for a key of a plain object.
 *
 * @module
 */
import type { NDArray } from "./_ndarray.ts";
import { requireFunction, requireList } from "./_validate.ts";
import {
  auxKey,
  checkClass,
  type PytreeClass,
  registrationOf,
  registry,
} from "./_tree_registry.ts";
export type { PytreeClass } from "./_tree_registry.ts";

/** A pytree whose leaves are arrays: the shape of parameters, gradients and optimizer states. */
export type ArrayTree =
  | NDArray
  | null
  | undefined
  | readonly ArrayTree[]
  | { readonly [key: string]: ArrayTree };

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== "object") return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/**
 * The structure of a pytree without its leaves. Two trees with equal
 * structures (see `equals`) can be zipped leaf by leaf.
 *
 * @example
 * ```ts
 * import { np, tree } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const s = tree.structure({ w: np.ones([2]), b: [np.zeros([1]), np.zeros([1])] });
 * assert.equal(s.numLeaves, 3);
 * assert.equal(s.toString(), "{b: [*, *], w: *}");
 * ```
 */
export class TreeDef {
  /** What kind of node this is (`custom`: an instance of a registered class). */
  readonly kind: "leaf" | "none" | "array" | "object" | "custom";
  /** For `none` nodes: which empty value (`null` or `undefined`) to rebuild. */
  readonly empty: null | undefined;
  /** Sorted keys of an object node; empty otherwise. */
  readonly keys: readonly string[];
  /** Child structures, one per array element or key. */
  readonly children: readonly TreeDef[];
  /** How many leaves the tree holds. */
  readonly numLeaves: number;
  /** For `custom` nodes: the registered class and its flatten's auxiliary data. */
  readonly custom?: { readonly cls: PytreeClass; readonly auxData: unknown };

  /** Builds a structure node; `flatten` and `structure` make these for you. */
  constructor(
    kind: "leaf" | "none" | "array" | "object" | "custom",
    children: readonly TreeDef[] = [],
    keys: readonly string[] = [],
    empty: null | undefined = undefined,
    custom?: { readonly cls: PytreeClass; readonly auxData: unknown },
  ) {
    this.kind = kind;
    this.children = children;
    this.keys = keys;
    this.empty = empty;
    this.custom = custom;
    this.numLeaves = kind === "leaf" ? 1 : children.reduce((n, c) => n + c.numLeaves, 0);
  }

  /** True when both trees have the same containers, keys and number of leaves. */
  equals(other: TreeDef): boolean {
    // compared node by node (not by `toString`, where a key like "b: *" could mimic structure)
    if (this === other) return true;
    if (this.kind !== other.kind || this.children.length !== other.children.length) return false;
    if (this.kind === "none" && this.empty !== other.empty) return false;
    if (this.keys.length !== other.keys.length) return false;
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] !== other.keys[i]) return false;
    if (this.kind === "custom") {
      const a = this.custom!, b = other.custom!;
      if (a.cls !== b.cls || auxKey(a.auxData) !== auxKey(b.auxData)) return false;
    }
    for (let i = 0; i < this.children.length; i++) {
      if (!this.children[i].equals(other.children[i])) return false;
    }
    return true;
  }

  /** A compact description, `*` for each leaf: `{b: [*, *], w: *}`. */
  toString(): string {
    switch (this.kind) {
      case "leaf":
        return "*";
      case "none":
        return String(this.empty);
      case "array":
        return `[${this.children.map(String).join(", ")}]`;
      case "object":
        return `{${this.keys.map((k, i) => `${fmtKey(k)}: ${this.children[i]}`).join(", ")}}`;
      case "custom": {
        const { cls, auxData } = this.custom!;
        const reg = registry.get(cls)!;
        return `${cls.name}#${reg.id}(${auxKey(auxData)})[${this.children.map(String).join(", ")}]`;
      }
    }
  }
}

// ---- registered classes -----------------------------------------------------------

/** How a registered class is taken apart and rebuilt (JAX's `register_pytree_node` contract). */
export interface ClassRegistration<C, Aux> {
  /** Splits an instance into its children (pytrees) and static auxiliary data. */
  flatten: (obj: C) => readonly [readonly unknown[], Aux];
  /** Builds a new instance from the auxiliary data and (possibly transformed) children. */
  unflatten: (auxData: Aux, children: unknown[]) => C;
}

/**
 * Registers a class as a pytree container: its instances are flattened into children (and
 * static auxiliary data) by every transform, optimizer and tree function, and rebuilt with
 * `unflatten`, so transforms return instances of the class.
 *
 * @typeParam C The instance type.
 * @typeParam Aux The type of the static auxiliary data.
 * @param cls The class (instances are matched by their exact constructor).
 * @param how `flatten(obj)` → `[children, auxData]` and `unflatten(auxData, children)` → a new instance.
 *
 * @example
 * ```ts
 * import { grad, np, tree, type NDArray } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * class Affine {
 *   constructor(readonly w: NDArray, readonly b: NDArray, readonly name: string) {}
 * }
 * tree.registerClass(Affine, {
 *   flatten: (a) => [[a.w, a.b], a.name],
 *   unflatten: (name, [w, b]) => new Affine(w as NDArray, b as NDArray, name),
 * });
 * const g = grad((m: Affine) => m.w.mul(3).add(m.b).sum())(new Affine(np.ones([2]), np.zeros([2]), "f"));
 * assert.ok(g instanceof Affine);
 * assert.deepEqual(g.w.toArray(), [3, 3]);
 * assert.equal(g.name, "f");
 * ```
 */
export function registerClass<C, Aux>(
  cls: abstract new (...args: never[]) => C,
  how: ClassRegistration<C, Aux>,
): void {
  checkClass("tree.registerClass", cls);
  if (typeof how?.flatten !== "function" || typeof how?.unflatten !== "function") {
    throw new TypeError(
      "tree.registerClass: the second argument must be { flatten, unflatten } functions.",
    );
  }
  const unknownKeys = Object.keys(how).filter((k) => k !== "flatten" && k !== "unflatten");
  if (unknownKeys.length) {
    throw new TypeError(
      `tree.registerClass: unknown option(s) ${
        unknownKeys.join(", ")
      }; expected flatten, unflatten.`,
    );
  }
  registry.set(cls as PytreeClass, {
    id: registry.size,
    flatten: (obj) => {
      const r = how.flatten(obj as C);
      if (!Array.isArray(r) || r.length !== 2 || !Array.isArray(r[0])) {
        throw new TypeError(
          `tree.registerClass: flatten of ${cls.name} must return [children (an array), auxData].`,
        );
      }
      return r as readonly [readonly unknown[], unknown];
    },
    unflatten: how.unflatten as (aux: unknown, children: unknown[]) => unknown,
  });
}

/**
 * Registers a class whose `fields` hold pytrees (arrays, nested trees) as a pytree container;
 * every other own property is static data, kept as it is. Instances are rebuilt without
 * calling the constructor (a copy of the prototype with the fields replaced), as equinox
 * modules are. Key paths print fields as `.name`.
 *
 * @typeParam C The instance type.
 * @param cls The class.
 * @param fields The names of the fields holding arrays (the children, in this order).
 *
 * @example
 * ```ts
 * import { np, tree, type NDArray } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * class Linear {
 *   constructor(readonly w: NDArray, readonly b: NDArray) {}
 * }
 * tree.registerDataclass(Linear, ["w", "b"]);
 * const doubled = tree.map((x) => x.mul(2), new Linear(np.ones([2]), np.ones([1])));
 * assert.ok(doubled instanceof Linear);
 * assert.deepEqual(doubled.w.toArray(), [2, 2]);
 * assert.deepEqual(tree.flattenWithPath(doubled).map(([p]) => tree.keystr(p)), [".w", ".b"]);
 * ```
 */
export function registerDataclass<C extends object>(
  cls: abstract new (...args: never[]) => C,
  fields: readonly (keyof C & string)[],
): void {
  checkClass("tree.registerDataclass", cls);
  if (!Array.isArray(fields) || fields.some((f) => typeof f !== "string")) {
    throw new TypeError("tree.registerDataclass: fields must be an array of field names.");
  }
  const names = [...fields];
  registry.set(cls as PytreeClass, {
    id: registry.size,
    fields: names,
    flatten: (obj) => {
      const o = obj as Record<string, unknown>;
      for (const f of names) {
        if (!(f in o)) {
          throw new TypeError(
            `tree.registerDataclass: an instance of ${cls.name} has no field "${f}".`,
          );
        }
      }
      const statics = Object.keys(o).filter((k) => !names.includes(k));
      return [names.map((f) => o[f]), Object.fromEntries(statics.map((k) => [k, o[k]]))];
    },
    unflatten: (aux, children) => {
      const o = Object.create(cls.prototype);
      Object.assign(o, aux as object);
      names.forEach((f, i) => (o[f] = children[i]));
      return o;
    },
  });
}

/** A key as printed in a structure: bare, or quoted when it holds characters of the notation. */
function fmtKey(k: string): string {
  return /^[^\s:,{}[\]*"]+$/.test(k) ? k : JSON.stringify(k);
}

/**
 * Walks `x` depth first, collecting leaves (and their key paths when `paths` is given);
 * `ancestors` holds the containers on the current path, so a container that contains itself
 * is reported (with where) instead of recursing until the stack or the heap runs out.
 */
function flattenInto(
  x: unknown,
  leaves: unknown[],
  ancestors: Set<object>,
  path: KeyPath,
  paths?: KeyPath[],
): TreeDef {
  if (x === null || x === undefined) return new TreeDef("none", [], [], x);
  const reg = registrationOf(x);
  if (!reg && !Array.isArray(x) && !isPlainObject(x)) {
    leaves.push(x);
    paths?.push(path);
    return new TreeDef("leaf");
  }
  if (ancestors.has(x as object)) {
    throw new TypeError(
      `tree.flatten: the pytree contains itself: the value at ${keystr(path) || "the root"} is ` +
        `one of its own ancestors (a cycle). Pytrees must be finite trees; remove the back ` +
        `reference.`,
    );
  }
  ancestors.add(x as object);
  const visit = (c: unknown, key: PathKey) =>
    flattenInto(c, leaves, ancestors, [...path, key], paths);
  try {
    if (reg) {
      const [cls, r] = reg;
      const [children, auxData] = r.flatten(x);
      const defs = children.map((c, i) =>
        visit(c, r.fields ? { kind: "attr", name: r.fields[i] } : { kind: "index", index: i })
      );
      return new TreeDef("custom", defs, [], undefined, { cls, auxData });
    }
    if (Array.isArray(x)) {
      const kids = new Array<TreeDef>(x.length);
      // index loop rather than map: a hole in a sparse array is visited as undefined
      for (let i = 0; i < x.length; i++) kids[i] = visit(x[i], { kind: "index", index: i });
      return new TreeDef("array", kids);
    }
    const obj = x as Record<string, unknown>;
    const keys = Object.keys(obj).sort();
    return new TreeDef("object", keys.map((k) => visit(obj[k], { kind: "key", key: k })), keys);
  } finally {
    ancestors.delete(x as object);
  }
}

/**
 * Splits a pytree into its leaves (depth first, object keys sorted) and its structure.
 *
 * @param tree A pytree.
 * @returns The leaves and the structure that `unflatten` rebuilds the tree from.
 *
 * @example
 * ```ts
 * import { np, tree } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const [leaves, def] = tree.flatten({ w: np.ones([2]), b: np.zeros([]) });
 * assert.equal(leaves.length, 2);
 * assert.deepEqual(leaves[0].shape, []); // "b" sorts before "w"
 * assert.equal(def.numLeaves, 2);
 * ```
 */
export function flatten(tree: unknown): [NDArray[], TreeDef] {
  const leaves: unknown[] = [];
  const def = flattenInto(tree, leaves, new Set(), []);
  return [leaves as NDArray[], def];
}

/**
 * Rebuilds a pytree of structure `def` from `leaves` (the inverse of `flatten`).
 *
 * @typeParam T The type of the rebuilt tree (not checked at run time).
 * @param def A structure from `flatten` or `structure`.
 * @param leaves Exactly `def.numLeaves` leaves, in flatten order.
 * @returns The tree.
 *
 * @example
 * ```ts
 * import { np, tree } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const [leaves, def] = tree.flatten([np.ones([1]), { a: np.ones([2]) }]);
 * const doubled = tree.unflatten(def, leaves.map((x) => x.mul(2)));
 * assert.deepEqual(tree.leaves(doubled)[1].toArray(), [2, 2]);
 * ```
 */
export function unflatten<T = unknown>(def: TreeDef, leaves: readonly unknown[]): T {
  if (!(def instanceof TreeDef)) {
    throw new TypeError(
      `tree.unflatten: the structure must be a TreeDef from tree.flatten or tree.structure, got ` +
        `${def === null ? "null" : typeof def}.`,
    );
  }
  if (!Array.isArray(leaves)) {
    throw new TypeError(`tree.unflatten: leaves must be a list, got ${typeof leaves}.`);
  }
  if (leaves.length !== def.numLeaves) {
    throw new TypeError(
      `tree.unflatten: the structure ${def} has ${def.numLeaves} leaves but ${leaves.length} ` +
        `were given.`,
    );
  }
  let i = 0;
  const build = (d: TreeDef): unknown => {
    switch (d.kind) {
      case "leaf":
        return leaves[i++];
      case "none":
        return d.empty;
      case "array":
        return d.children.map(build);
      case "object":
        return Object.fromEntries(d.keys.map((k, j) => [k, build(d.children[j])]));
      case "custom": {
        const { cls, auxData } = d.custom!;
        return registry.get(cls)!.unflatten(auxData, d.children.map(build));
      }
    }
  };
  return build(def) as T;
}

/**
 * The leaves of a pytree, depth first with object keys sorted.
 *
 * @param tree A pytree.
 * @returns Its leaves.
 *
 * @example
 * ```ts
 * import { np, tree } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * assert.equal(tree.leaves({ a: [np.ones([2]), np.ones([3])], b: null }).length, 2);
 * ```
 */
export function leaves(tree: unknown): NDArray[] {
  return flatten(tree)[0];
}

/**
 * The structure of a pytree (its containers, without the leaves).
 *
 * @param tree A pytree.
 * @returns Its structure.
 *
 * @example
 * ```ts
 * import { np, tree } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * assert.ok(tree.structure([np.ones([1])]).equals(tree.structure([np.zeros([5])])));
 * ```
 */
export function structure(tree: unknown): TreeDef {
  return flatten(tree)[1];
}

/**
 * Applies `f` to every leaf of `tree` (and the matching leaves of `rest`, which
 * must have the same structure), returning a tree of the same structure.
 *
 * @typeParam T The tree type, preserved by the map.
 * @param f The function applied to each leaf (and the corresponding leaves of `rest`).
 * @param tree The tree whose structure the result takes.
 * @param rest More trees of the same structure.
 * @returns The mapped tree.
 *
 * @example
 * ```ts
 * import { np, tree } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const params = { w: np.array([1, 2]), b: np.array(3) };
 * const grads = { w: np.array([0.5, 0.5]), b: np.array(1) };
 * const next = tree.map((p, g) => p.sub(g.mul(0.1)), params, grads);
 * assert.deepEqual(next.w.toArray(), [0.949999988079071, 1.9500000476837158]);
 * ```
 */
export function map<T>(
  f: (leaf: NDArray, ...rest: NDArray[]) => NDArray,
  tree: T,
  ...rest: T[]
): T {
  if (typeof f !== "function") {
    throw new TypeError(`tree.map: the first argument must be a function, got ${typeof f}.`);
  }
  const [ls, def] = flatten(tree);
  const others = rest.map((r, k) => {
    const [rl, rd] = flatten(r);
    if (!rd.equals(def)) {
      throw new TypeError(
        `tree.map: tree ${k + 1} has structure ${rd} but the first tree has ${def}; all trees ` +
          `must share one structure.`,
      );
    }
    return rl;
  });
  return unflatten<T>(def, ls.map((l, i) => f(l, ...others.map((o) => o[i]))));
}

// ---- key paths -------------------------------------------------------------------

/** One step of a key path: a plain object's key, an array index, or a dataclass field. */
export type PathKey =
  | { readonly kind: "key"; readonly key: string }
  | { readonly kind: "index"; readonly index: number }
  | { readonly kind: "attr"; readonly name: string };

/** The keys from the root of a pytree down to one leaf. */
export type KeyPath = readonly PathKey[];

/**
 * A key path as JAX prints it: `.w` for a dataclass field, `[0]` for an index, `["b"]` for an
 * object key; the root is the empty string.
 *
 * @param path A key path from `flattenWithPath`.
 * @returns Its text.
 *
 * @example
 * ```ts
 * import { tree } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const path = [{ kind: "attr", name: "w" }, { kind: "index", index: 0 }, { kind: "key", key: "b" }] as const;
 * assert.equal(tree.keystr(path), '.w[0]["b"]');
 * ```
 */
export function keystr(path: KeyPath): string {
  requireList("tree.keystr", "path", path, false);
  return path.map((k) =>
    k.kind === "attr"
      ? `.${k.name}`
      : k.kind === "index"
      ? `[${k.index}]`
      : `[${JSON.stringify(k.key)}]`
  ).join("");
}

/**
 * The leaves of a pytree with their key paths, in flatten order.
 *
 * @param tree A pytree.
 * @returns `[path, leaf]` pairs.
 *
 * @example
 * ```ts
 * import { np, tree } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const pairs = tree.flattenWithPath({ w: [np.ones([1]), { b: np.ones([2]) }] });
 * assert.deepEqual(pairs.map(([p]) => tree.keystr(p)), ['["w"][0]', '["w"][1]["b"]']);
 * ```
 */
export function flattenWithPath(tree: unknown): [KeyPath, NDArray][] {
  const leaves: unknown[] = [], paths: KeyPath[] = [];
  flattenInto(tree, leaves, new Set(), [], paths);
  return leaves.map((l, i) => [paths[i], l as NDArray]);
}

/**
 * The same pairs as `flattenWithPath` (JAX's `tree_leaves_with_path`).
 *
 * @param tree A pytree.
 * @returns `[path, leaf]` pairs.
 *
 * @example
 * ```ts
 * import { np, tree } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * assert.equal(tree.keystr(tree.leavesWithPath([np.ones([1]), np.ones([2])])[1][0]), "[1]");
 * ```
 */
export function leavesWithPath(tree: unknown): [KeyPath, NDArray][] {
  return flattenWithPath(tree);
}

/**
 * Like `map`, but `f` also receives each leaf's key path.
 *
 * @typeParam T The tree type, preserved by the map.
 * @param f Called with the path, the leaf, and the matching leaves of `rest`.
 * @param tree The tree whose structure the result takes.
 * @param rest More trees of the same structure.
 * @returns The mapped tree.
 *
 * @example
 * ```ts
 * import { np, tree } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const decayed = tree.mapWithPath(
 *   (path, x) => (tree.keystr(path).includes("bias") ? x : x.mul(0.5)),
 *   { bias: np.ones([1]), weight: np.ones([1]) },
 * );
 * assert.deepEqual([decayed.bias.item(), decayed.weight.item()], [1, 0.5]);
 * ```
 */
export function mapWithPath<T>(
  f: (path: KeyPath, leaf: NDArray, ...rest: NDArray[]) => NDArray,
  tree: T,
  ...rest: T[]
): T {
  requireFunction("tree.mapWithPath", "f", f);
  const pairs = flattenWithPath(tree);
  const def = structure(tree);
  const others = rest.map((r, k) => {
    const [rl, rd] = flatten(r);
    if (!rd.equals(def)) {
      throw new TypeError(
        `tree.mapWithPath: tree ${k + 1} has structure ${rd} but the first tree has ${def}.`,
      );
    }
    return rl;
  });
  return unflatten<T>(def, pairs.map(([p, l], i) => f(p, l, ...others.map((o) => o[i]))));
}
