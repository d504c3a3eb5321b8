/**
 * Training checkpoints: everything a training loop needs to continue where it stopped
 * (parameters, optimizer state, step count, random key, anything else), in one safetensors
 * file. Arrays are stored bit for bit as tensors named by their key paths; the rest of the
 * record (numbers, strings, booleans, `null`/`undefined`, empty containers) is stored as JSON
 * in the header's metadata together with the record's shape. Since every array comes back
 * with its exact bits and dtype, resuming from a checkpoint gives the same numbers as a run
 * that never stopped. Python's safetensors reads the file too (the tensors, and the record
 * under the metadata key `difftrace.checkpoint`).
 *
 * @module
 */
import { NDArray } from "../core/_ndarray.ts";
import type { ArrayValue } from "../core/_array_value.ts";
import { flatten } from "../core/tree.ts";
import { checkOptions, checkPath, concrete, describe, readBytes, writeBytes } from "./_common.ts";
import { escapeKey, keyPaths } from "./_keypath.ts";
import { encode, parseHeader, readTensor } from "./_safetensors.ts";
import { checkCopy } from "./_common.ts";

/** What a checkpoint may hold: arrays, JSON values, and arrays/objects of those. */
export type CheckpointValue =
  | NDArray
  | number
  | string
  | boolean
  | null
  | undefined
  | readonly CheckpointValue[]
  | { readonly [key: string]: CheckpointValue };

/** Options of {@link loadCheckpoint}. */
export interface LoadCheckpointOptions<T> {
  /** A template: the loaded record must have its structure, shapes and dtypes (else an error lists every difference). */
  like?: T;
  /** Copy the arrays out of the file's bytes (default false: they view the bytes). */
  copy?: boolean;
}

const FORMAT = "difftrace-checkpoint/1";
const RECORD_KEY = "difftrace.checkpoint";

// The record's JSON form: {"t": name} an array stored as tensor `name`, {"o": {...}} an
// object, {"a": [...]} an array, {"n": x} a number (non-finite and -0 as strings), {"s": x},
// {"b": x}, null, and {"u": 1} for undefined.
type Skeleton = null | { [tag: string]: unknown };

function toSkeleton(
  where: string,
  x: unknown,
  path: string | null,
  tensors: { name: string; value: ArrayValue }[],
  ancestors: Set<object> = new Set(),
): Skeleton {
  const join = (seg: string) => (path === null ? seg : `${path}.${seg}`);
  const here = path ?? "(the record)";
  const inside = (node: object, build: () => Skeleton): Skeleton => {
    // a container that holds itself would recurse until the stack runs out
    if (ancestors.has(node)) {
      throw new TypeError(
        `${where}: "${here}" is one of its own ancestors (a cycle); a checkpoint holds ` +
          `finite trees. Remove the back reference.`,
      );
    }
    ancestors.add(node);
    try {
      return build();
    } finally {
      ancestors.delete(node);
    }
  };
  if (x instanceof NDArray) {
    const name = path ?? "";
    tensors.push({ name, value: concrete(where, x, name) });
    return { t: name };
  }
  if (x === null) return null;
  if (x === undefined) return { u: 1 };
  if (typeof x === "number") {
    return { n: Number.isFinite(x) && !Object.is(x, -0) ? x : String(Object.is(x, -0) ? "-0" : x) };
  }
  if (typeof x === "string") return { s: x };
  if (typeof x === "boolean") return { b: x };
  if (Array.isArray(x)) {
    return inside(x, () => ({
      a: x.map((c, i) => toSkeleton(where, c, join(String(i)), tensors, ancestors)),
    }));
  }
  const proto = typeof x === "object" ? Object.getPrototypeOf(x) : undefined;
  if (proto === Object.prototype || proto === null) {
    const keys = Object.keys(x as object).sort();
    if (path === null && keys.includes("__metadata__")) {
      throw new TypeError(
        `${where}: the key "__metadata__" is reserved by safetensors; rename it.`,
      );
    }
    return inside(x as object, () => {
      const o: Record<string, Skeleton> = {};
      for (const k of keys) {
        const child = (x as Record<string, unknown>)[k];
        o[k] = toSkeleton(where, child, join(escapeKey(k)), tensors, ancestors);
      }
      return { o };
    });
  }
  throw new TypeError(
    `${where}: "${here}" is ${describe(x)}; a checkpoint holds arrays, numbers, strings, ` +
      `booleans, null/undefined and plain arrays/objects of those.`,
  );
}

function fromSkeleton(
  where: string,
  s: unknown,
  tensors: Map<string, NDArray>,
  used: Set<string>,
): unknown {
  const corrupt = (what: string) =>
    new TypeError(`${where}: the checkpoint's record is corrupt (${what}).`);
  if (s === null) return null;
  if (typeof s !== "object" || Array.isArray(s)) throw corrupt(`unexpected ${JSON.stringify(s)}`);
  const [tag, ...more] = Object.keys(s);
  if (more.length) throw corrupt(`a node with keys ${Object.keys(s).join(", ")}`);
  const v = (s as Record<string, unknown>)[tag];
  switch (tag) {
    case "t": {
      const t = typeof v === "string" ? tensors.get(v) : undefined;
      if (t === undefined || used.has(v as string)) {
        throw corrupt(`tensor ${JSON.stringify(v)} is missing or used twice`);
      }
      used.add(v as string);
      return t;
    }
    case "u":
      return undefined;
    case "n":
      if (typeof v === "number") return v;
      if (v === "NaN" || v === "Infinity" || v === "-Infinity" || v === "-0") return Number(v);
      throw corrupt(`the number ${JSON.stringify(v)}`);
    case "s":
      if (typeof v !== "string") throw corrupt(`the string ${JSON.stringify(v)}`);
      return v;
    case "b":
      if (typeof v !== "boolean") throw corrupt(`the boolean ${JSON.stringify(v)}`);
      return v;
    case "a":
      if (!Array.isArray(v)) throw corrupt("a list that is not a list");
      return v.map((c) => fromSkeleton(where, c, tensors, used));
    case "o": {
      if (v === null || typeof v !== "object" || Array.isArray(v)) {
        throw corrupt("an object that is not an object");
      }
      const out: Record<string, unknown> = {};
      for (const [k, c] of Object.entries(v)) out[k] = fromSkeleton(where, c, tensors, used);
      return out;
    }
  }
  throw corrupt(`the tag ${JSON.stringify(tag)}`);
}

/** The record's leaves described for comparing with a template. */
function leafSummary(x: unknown): string {
  return x instanceof NDArray ? `${x.dtype}[${x.shape.join(", ")}]` : typeof x;
}

/**
 * Writes a training checkpoint: a record of arrays (parameters, optimizer state, random
 * key) and plain values (step, epoch, settings), to one safetensors file. Loading it with
 * {@link loadCheckpoint} gives back every array bit for bit, so a run resumed from it
 * continues exactly as if it had never stopped. Works on Deno (`--allow-write` for the
 * path) and Bun.
 *
 * @typeParam T The record's type.
 * @param path The file to write (replaced if it exists).
 * @param state The record: a plain object of arrays, numbers, strings, booleans, null/undefined and plain arrays/objects of those.
 * @returns A promise that settles when the file is written.
 *
 * @example
 * ```ts
 * import { io, np, optim, random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const params = { w: np.ones([2]) };
 * const opt = optim.adam(1e-3);
 * const path = await Deno.makeTempFile({ suffix: ".safetensors" });
 * await io.saveCheckpoint(path, { params, optState: opt.init(params), step: 10, key: random.key(0) });
 * const ck = await io.loadCheckpoint(path, { like: { params, optState: opt.init(params), step: 0, key: random.key(0) } });
 * assert.equal(ck.step, 10);
 * assert.deepEqual(ck.params.w.toArray(), [1, 1]);
 * await Deno.remove(path);
 * ```
 */
export async function saveCheckpoint<T extends object>(
  path: string,
  state: T,
): Promise<void> {
  const where = "io.saveCheckpoint";
  checkPath(where, path);
  await writeBytes(path, encodeCheckpoint(where, state));
}

/** The checkpoint's bytes (shared by saveCheckpoint and the tests). */
function encodeCheckpoint(where: string, state: unknown): Uint8Array {
  if (state === null || typeof state !== "object" || Array.isArray(state)) {
    throw new TypeError(`${where}: the state must be a plain object, got ${describe(state)}.`);
  }
  const tensors: { name: string; value: ArrayValue }[] = [];
  const skeleton = toSkeleton(where, state, null, tensors);
  return encode(tensors, { format: FORMAT, [RECORD_KEY]: JSON.stringify(skeleton) });
}

/**
 * Reads a checkpoint written by {@link saveCheckpoint}. With `like`, the record must have
 * the template's structure, and each array its shape and dtype; one error lists every
 * difference. The arrays view the file's bytes unless `copy`.
 *
 * @typeParam T The record's type (the template's, when `like` is given).
 * @param path The file to read.
 * @param options `like` (a template record) and `copy`.
 * @returns The record.
 *
 * @example
 * ```ts
 * import { io, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const path = await Deno.makeTempFile({ suffix: ".safetensors" });
 * await io.saveCheckpoint(path, { params: [np.array([1.5])], step: 3, note: "warm-up" });
 * const ck = await io.loadCheckpoint(path) as { params: np.NDArray[]; step: number; note: string };
 * assert.deepEqual([ck.params[0].item(), ck.step, ck.note], [1.5, 3, "warm-up"]);
 * await Deno.remove(path);
 * ```
 */
export async function loadCheckpoint<T = Record<string, unknown>>(
  path: string,
  options?: LoadCheckpointOptions<T>,
): Promise<T> {
  const where = "io.loadCheckpoint";
  checkPath(where, path);
  const opts = checkOptions(where, options, ["like", "copy"]);
  const copy = checkCopy(where, opts.copy);
  return decodeCheckpoint(`${where} (${path})`, await readBytes(path), opts.like, copy) as T;
}

/** Decodes a checkpoint's bytes, checked against `like` when given. */
function decodeCheckpoint(
  where: string,
  bytes: Uint8Array,
  like: unknown,
  copy: boolean,
): unknown {
  const header = parseHeader(bytes, where);
  const record = header.metadata?.[RECORD_KEY];
  if (header.metadata?.format !== FORMAT || record === undefined) {
    throw new TypeError(
      `${where}: this safetensors file is not a difftrace checkpoint (its metadata has no ` +
        `format "${FORMAT}"); load it with io.load instead.`,
    );
  }
  let skeleton: unknown;
  try {
    skeleton = JSON.parse(record);
  } catch {
    throw new TypeError(`${where}: the checkpoint's record is not JSON; the file is corrupt.`);
  }
  const tensors = new Map<string, NDArray>(
    header.tensors.map((t) => [t.name, readTensor(bytes, t, copy, where)]),
  );
  const used = new Set<string>();
  const state = fromSkeleton(where, skeleton, tensors, used);
  if (used.size !== tensors.size) {
    const unused = [...tensors.keys()].filter((k) => !used.has(k));
    throw new TypeError(
      `${where}: the checkpoint's record does not use the tensor(s) ${unused.join(", ")}; ` +
        `the file is corrupt.`,
    );
  }
  if (like !== undefined) {
    const [got, gotDef] = flatten(state), [want, wantDef] = flatten(like);
    if (!gotDef.equals(wantDef)) {
      throw new TypeError(
        `${where}: the checkpoint's record has structure ${gotDef} but the template has ` +
          `${wantDef}.`,
      );
    }
    const names = keyPaths(gotDef);
    const problems = got.flatMap((g, i) => {
      const a = leafSummary(g), b = leafSummary(want[i]);
      return a === b ? [] : [`"${names[i]}" is ${a} in the file but ${b} in the template`];
    });
    if (problems.length) {
      throw new TypeError(
        `${where}: the checkpoint does not match the template:\n  ${problems.join("\n  ")}`,
      );
    }
  }
  return state;
}
