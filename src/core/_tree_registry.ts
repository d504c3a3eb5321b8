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

/** Checks that `cls` can be registered (a constructor not registered yet), naming `name`. */
export function checkClass(name: string, cls: unknown): void {
  if (typeof cls !== "function") {
    throw new TypeError(`${name}: expected a class, got ${typeof cls}.`);
  }
  if (registry.has(cls as AnyClass)) {
    throw new TypeError(
      `${name}: the class ${(cls as AnyClass).name} is already registered as a pytree node.`,
    );
  }
}
