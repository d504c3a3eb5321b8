/**
 * Boundary checks of the training path: an optimizer state or a params tree
 * that does not match the updates is refused before any arithmetic, because
 * broadcasting would otherwise turn the mismatch into a silently wrong
 * parameter (a `[3]` update applied to `[2, 3]` weights changes their shape).
 */
import { NDArray } from "../core/_ndarray.ts";
import { fmtShape } from "../core/_shape.ts";
import { flatten, type TreeDef } from "../core/tree.ts";
import { checkShapeArg, requireArray, show } from "../core/_validate.ts";

/** Where leaf `i` of `def` sits, as a path like `.layers[0].w`. */
export function leafPath(def: TreeDef, i: number): string {
  let k = 0;
  const walk = (d: TreeDef, path: string): string | undefined => {
    if (d.kind === "leaf") return k++ === i ? path : undefined;
    for (let j = 0; j < d.children.length; j++) {
      const p = d.kind === "array" ? `${path}[${j}]` : `${path}.${d.keys[j]}`;
      const found = walk(d.children[j], p);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return walk(def, "") || "(the root)";
}

/**
 * Checks that `other` has the structure of `ref` and, leaf by leaf, the same
 * shape (and, with `sameDtype`, the same dtype). `what`/`refWhat` name both
 * sides in the message (e.g. "the state's mu", "the updates").
 */
export function checkSameTree(
  op: string,
  what: string,
  other: unknown,
  refWhat: string,
  ref: unknown,
  sameDtype = false,
): void {
  const [rl, rd] = flatten(ref);
  const [ol, od] = flatten(other);
  if (!od.equals(rd)) {
    throw new TypeError(
      `${op}: structure mismatch: ${what} ${od} vs ${refWhat} ${rd}; they must match leaf ` +
        `for leaf.`,
    );
  }
  for (let i = 0; i < rl.length; i++) {
    const r = rl[i] as unknown, o = ol[i] as unknown;
    if (!(r instanceof NDArray) || !(o instanceof NDArray)) {
      const bad = r instanceof NDArray ? o : r;
      throw new TypeError(
        `${op}: every leaf must be an array, but ${r instanceof NDArray ? what : refWhat} has ` +
          `${show(bad)} at ${leafPath(rd, i)}.`,
      );
    }
    if (r.ndim !== o.ndim || r.shape.some((d, j) => d !== o.shape[j])) {
      throw new TypeError(
        `${op}: shape mismatch at ${leafPath(rd, i)}: ${what} ${fmtShape(o.shape)} vs ` +
          `${refWhat} ${fmtShape(r.shape)}; shapes must match exactly (no broadcasting).`,
      );
    }
    if (sameDtype && r.dtype !== o.dtype) {
      throw new TypeError(
        `${op}: dtype mismatch at ${leafPath(rd, i)}: ${what} ${o.dtype} vs ${refWhat} ` +
          `${r.dtype}.`,
      );
    }
  }
}

/** Checks that every leaf of the updates is an array (a JS number or list is named, not crashed on). */
export function checkUpdateLeaves(op: string, updates: unknown, what = "the updates"): void {
  const [ls, def] = flatten(updates);
  const i = ls.findIndex((l) => !((l as unknown) instanceof NDArray));
  if (i >= 0) {
    throw new TypeError(
      `${op}: every leaf of ${what} must be an array, but there is ${show(ls[i])} at ` +
        `${leafPath(def, i)}; wrap it with np.array(...).`,
    );
  }
}

/** The part of a `GradientTransformation` that {@link checkedLeaves} wraps (typed here
 * structurally: this file sits below `_gradient_transformations.ts`). */
interface Transform {
  init(params: unknown): unknown;
  update(updates: never, state: never, params?: unknown, extra?: never): unknown;
}

/**
 * `tx`, with `init` and `update` checking at the boundary that the params and the updates are
 * trees of arrays. A JS number leaf (`{ a: 3 }`) is refused with a TypeError naming `optim.op`
 * and saying to wrap it with `np.array`, instead of failing deep inside (`u.square is not a
 * function`). optax takes Python scalars in some optimizers and fails on them in others
 * (adafactor, sm3), and a number has no dtype for `applyUpdates` to keep, so difftrace
 * refuses them everywhere, with one message.
 */
export function checkedLeaves<T extends Transform>(op: string, tx: T): T {
  const name = `optim.${op}`;
  const update = tx.update.bind(tx) as (...args: unknown[]) => unknown;
  return {
    init(params: unknown) {
      checkUpdateLeaves(name, params, "the params");
      return tx.init(params);
    },
    update(updates: unknown, state: unknown, params?: unknown, extra?: unknown) {
      checkUpdateLeaves(name, updates, "the updates");
      if (params !== undefined) checkUpdateLeaves(name, params, "the params");
      return update(updates, state, params, extra);
    },
  } as unknown as T;
}

/**
 * Checks an optimizer state: a plain object with exactly `countKeys` (int32
 * scalars) and `treeKeys` (trees shaped like the updates). A state from another
 * optimizer (an SGD state given to Adam) is named as such.
 */
export function checkState(
  op: string,
  state: unknown,
  updates: unknown,
  countKeys: readonly string[],
  treeKeys: readonly string[],
): void {
  const keys = [...countKeys, ...treeKeys];
  const ok = state !== null && typeof state === "object" && !Array.isArray(state) &&
    keys.every((k) => k in (state as object));
  if (!ok) {
    const got = state !== null && typeof state === "object" && !Array.isArray(state)
      ? `an object with keys {${Object.keys(state).sort().join(", ")}}`
      : show(state);
    throw new TypeError(
      `optim.${op}: the state must be {${keys.join(", ")}}, as this transform's init returns, ` +
        `but got ${got}. Was it made by a different optimizer? Pass the state from this ` +
        `optimizer's init(params), then the one its update returned.`,
    );
  }
  const s = state as Record<string, unknown>;
  for (const k of countKeys) {
    const c = s[k];
    if (!(c instanceof NDArray) || c.ndim !== 0) {
      throw new TypeError(
        `optim.${op}: the state's ${k} must be a scalar array (the step count), got ${show(c)}.`,
      );
    }
  }
  for (const k of treeKeys) {
    checkSameTree(`optim.${op}`, `the state's ${k}`, s[k], "the updates", updates);
  }
}

/**
 * Checks the arguments of an initializer call `init(key, shape)`: a missing or
 * non-array key is a TypeError that also shows the calling convention, since
 * `nn.glorotNormal(x)` (an initializer used as a factory) is the usual slip.
 */
export function checkInitArgs(op: string, key: unknown, shape: unknown): void {
  const usage = `; an initializer is called as ${op}(random.key(0), [fanIn, fanOut])`;
  if (key === undefined || shape === undefined) {
    throw new TypeError(
      `${op}: needs a key and a shape, got ${key === undefined ? "no key" : "no shape"}${usage}.`,
    );
  }
  try {
    requireArray(op, "key", key);
    checkShapeArg(op, shape);
  } catch (e) {
    throw new TypeError(`${(e as Error).message.replace(/\.$/, "")}${usage}.`);
  }
}
