/**
 * Key paths: the names under which the leaves of a pytree are stored in a safetensors file,
 * and the tree rebuilt from such names.
 *
 * A path joins one segment per level with `.`: an array index is its decimal number, an
 * object key is the key with `\`, `.`, `[` and `]` escaped by a backslash; a key that is empty
 * or all digits is wrapped in brackets (`[0]`, `[]`) so that it cannot be read back as an
 * index. The root leaf of a tree that is a single array has the empty path. So
 * `{ layers: [{ w }], "a.b": x, "0": y }` stores `layers.0.w`, `a\.b` and `[0]`, and
 * every path reads back to exactly one position.
 *
 * Files written elsewhere (PyTorch's `layers.0.weight`) read the same way: digit segments
 * are indices, and a level whose indices are exactly 0..n-1 becomes a JS array; a level with
 * gaps (`net.0`, `net.2`, as a `torch.nn.Sequential` with a parameterless layer between)
 * becomes an object keyed "0", "2".
 */
import type { TreeDef } from "../core/tree.ts";

/** The escaped segment of an object key. */
export function escapeKey(key: string): string {
  const e = key.replace(/[\\.[\]]/g, "\\$&");
  return e === "" || /^\d+$/.test(e) ? `[${e}]` : e;
}

/** The key path of every leaf of `def`, in flatten order. */
export function keyPaths(def: TreeDef): string[] {
  const out: string[] = [];
  const walk = (d: TreeDef, prefix: string | null): void => {
    const join = (seg: string) => (prefix === null ? seg : `${prefix}.${seg}`);
    switch (d.kind) {
      case "leaf":
        out.push(prefix ?? "");
        return;
      case "none":
        return;
      case "array":
        d.children.forEach((c, i) => walk(c, join(String(i))));
        return;
      case "object":
        d.children.forEach((c, i) => walk(c, join(escapeKey(d.keys[i]))));
        return;
    }
  };
  walk(def, null);
  return out;
}

/** One parsed segment: an array index or an object key. */
export type Segment = { index: number } | { key: string };

/** Splits a key path into segments (the inverse of `keyPaths`); throws on a dangling `\`. */
export function parsePath(path: string, where: string): Segment[] {
  if (path === "") return [];
  const segments: Segment[] = [];
  let text = "", raw = "", bracketOpen = false, bracketClose = false;
  const finish = () => {
    if (bracketOpen && bracketClose) segments.push({ key: text.slice(1, -1) });
    else if (/^(0|[1-9]\d*)$/.test(raw) && Number(raw) <= 2 ** 31) {
      segments.push({ index: Number(raw) });
    } else segments.push({ key: text });
    text = raw = "";
    bracketOpen = bracketClose = false;
  };
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === "\\") {
      if (i + 1 === path.length) {
        throw new TypeError(`${where}: the tensor name "${path}" ends in a lone backslash.`);
      }
      text += path[++i];
      raw += "\\" + path[i];
      bracketClose = false;
      continue;
    }
    if (c === ".") {
      finish();
      continue;
    }
    if (c === "[" && raw === "") bracketOpen = true;
    bracketClose = c === "]" && raw.length > 0;
    text += c;
    raw += c;
  }
  finish();
  return segments;
}

type Node = { leaf: unknown; path: string } | Map<string | number, Node>;

/**
 * Rebuilds a tree from `(path, value)` pairs. Two paths where one is a prefix of the other
 * (a tensor and a tensor inside it) are an error.
 */
export function buildTree(entries: readonly [string, unknown][], where: string): unknown {
  if (entries.length === 1 && entries[0][0] === "") return entries[0][1];
  const root: Map<string | number, Node> = new Map();
  for (const [path, value] of entries) {
    const segs = parsePath(path, where);
    if (segs.length === 0) {
      throw new TypeError(
        `${where}: the file holds a tensor with the empty name (a single-array tree) and ` +
          `${entries.length - 1} other tensor(s); a tree cannot be both.`,
      );
    }
    let node = root;
    segs.forEach((s, i) => {
      const k = "index" in s ? s.index : s.key;
      const last = i === segs.length - 1;
      const child = node.get(k);
      if (last) {
        if (child !== undefined) {
          throw new TypeError(
            `${where}: the tensor "${path}" sits where another tensor or a subtree already is; ` +
              `names must not be prefixes of each other.`,
          );
        }
        node.set(k, { leaf: value, path });
      } else if (child === undefined) {
        const next = new Map();
        node.set(k, next);
        node = next;
      } else if (child instanceof Map) node = child;
      else {
        throw new TypeError(
          `${where}: the tensor "${child.path}" is a prefix of the tensor "${path}"; names ` +
            `must not be prefixes of each other.`,
        );
      }
    });
  }
  const build = (n: Node): unknown => {
    if (!(n instanceof Map)) return n.leaf;
    const ks = [...n.keys()];
    if (ks.every((k) => typeof k === "number")) {
      const sorted = (ks as number[]).sort((a, b) => a - b);
      if (sorted.every((k, i) => k === i)) return sorted.map((k) => build(n.get(k)!));
    }
    const names = ks.map(String);
    const twice = names.find((k, i) => names.indexOf(k) !== i);
    if (twice !== undefined) {
      throw new TypeError(
        `${where}: the index ${twice} and the key "[${twice}]" are both used at one level; ` +
          `rename one of the tensors.`,
      );
    }
    return Object.fromEntries(ks.map((k) => [String(k), build(n.get(k)!)]));
  };
  return build(root);
}
