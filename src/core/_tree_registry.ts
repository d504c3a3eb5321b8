/**
 * Classes registered as pytree nodes (`tree.registerClass`, `tree.registerDataclass`, JAX's
 * `register_pytree_node`): the registry, its validation, and the lookup `tree.ts` flattens by.
 */
/**
 * A class whose instances can be registered as pytree nodes: any constructor (its parameters
 * are `never`, which every constructor's parameters accept).
 */
export type PytreeClass = abstract new (...args: never[]) => unknown;
type AnyClass = PytreeClass;

/** How one registered class is flattened and rebuilt. */
export interface Registration {
  id: number;
  flatten: (obj: unknown) => readonly [readonly unknown[], unknown];
  unflatten: (auxData: unknown, children: unknown[]) => unknown;
  /** Field names when registered as a dataclass (their key paths print as `.name`). */
  fields?: readonly string[];
}

/** The registered classes and how each is taken apart. */
export const registry: Map<AnyClass, Registration> = new Map();

/** Auxiliary data compared by value (JSON), as JAX compares it with `==`. */
export function auxKey(aux: unknown): string {
  if (aux === undefined) return "";
  try {
    return JSON.stringify(aux) ?? String(aux);
  } catch {
    return String(aux);
  }
}

/** The registration of `x`'s class, if it has one. */
export function registrationOf(x: unknown): [AnyClass, Registration] | undefined {
  if (x === null || typeof x !== "object") return undefined;
  const cls = (x as object).constructor as AnyClass | undefined;
  const reg = cls && registry.get(cls);
  return reg ? [cls!, reg] : undefined;
}

/** How a registered class is taken apart and rebuilt (JAX's `register_pytree_node` contract). */
export interface ClassRegistration<C, Aux> {
  /** Splits an instance into its children (pytrees) and static auxiliary data. */
  flatten: (obj: C) => readonly [readonly unknown[], Aux];
  /** Builds a new instance from the auxiliary data and (possibly transformed) children. */
  unflatten: (auxData: Aux, children: unknown[]) => C;
}

function checkClass(name: string, cls: unknown): void {
  if (typeof cls !== "function") {
    throw new TypeError(`${name}: expected a class, got ${typeof cls}.`);
  }
  if (registry.has(cls as AnyClass)) {
    throw new TypeError(
      `${name}: the class ${(cls as AnyClass).name} is already registered as a pytree node.`,
    );
  }
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
  registry.set(cls as AnyClass, {
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
  registry.set(cls as AnyClass, {
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
