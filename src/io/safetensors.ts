/**
 * Pytrees of arrays to and from safetensors, the tensor format of PyTorch, JAX (through
 * numpy) and Hugging Face: `saveSafetensors`/`loadSafetensors` on bytes, `save`/`load` on
 * files. Tensors are named by their key paths (`layers.0.w`, see `_keypath.ts`).
 *
 * @module
 */
import type { DType } from "../core/_dtype.ts";
import { NDArray } from "../core/_ndarray.ts";
import type { ArrayValue } from "../core/_array_value.ts";
import { flatten, unflatten } from "../core/tree.ts";
import {
  checkCopy,
  checkOptions,
  checkPath,
  concrete,
  describe,
  readBytes,
  writeBytes,
} from "./_common.ts";
import { buildTree, keyPaths } from "./_keypath.ts";
import { encode, LOADS_AS, parseHeader, readTensor, type StDType } from "./_safetensors.ts";

/** Options of {@link saveSafetensors} and {@link save}. */
export interface SaveOptions {
  /** String metadata stored in the header's `__metadata__` (for example a format name). */
  metadata?: Record<string, string>;
}

/** Options of {@link loadSafetensors} and {@link load}. */
export interface LoadOptions<T> {
  /**
   * A template tree: the result takes its structure, and every tensor's name, shape and
   * dtype is checked against it (all missing, extra and mismatched tensors are listed in one
   * error). Without it, the tree is rebuilt from the names alone.
   */
  like?: T;
  /**
   * Copy every tensor out of the bytes (default false: tensors stored in their own typed array,
   * all but F16/BF16 and the ones narrowed to int32, are views on the bytes, so do not modify the bytes afterwards).
   */
  copy?: boolean;
}

/** One tensor of a safetensors file, as {@link safetensorsInfo} lists it. */
export interface TensorEntry {
  /** The tensor's name (a key path for files written by difftrace). */
  name: string;
  /** The dtype in the file (`F32`, `BF16`, `I64`, ...). */
  fileDtype: string;
  /** The dtype it loads as. */
  dtype: DType;
  /** The shape. */
  shape: number[];
}

/** Only named tensors (leaves) and their key paths, checked. */
function namedLeaves(
  where: string,
  tree: unknown,
): { name: string; value: ArrayValue }[] {
  const [leaves, def] = flatten(tree);
  const names = keyPaths(def);
  return leaves.map((leaf, i) => {
    if (!(leaf instanceof NDArray)) {
      throw new TypeError(
        `${where}: every leaf must be an array, but "${names[i]}" is ${describe(leaf)}. Wrap ` +
          `numbers with np.array(...)${
            where.includes("Checkpoint") ? "" : ", or use saveCheckpoint"
          }.`,
      );
    }
    if (names[i] === "__metadata__") {
      throw new TypeError(
        `${where}: the key "__metadata__" is reserved by safetensors for the header's metadata; ` +
          `rename that entry of the tree.`,
      );
    }
    return { name: names[i], value: concrete(where, leaf, names[i]) };
  });
}

function checkMetadata(
  where: string,
  metadata: unknown,
): Record<string, string> | undefined {
  if (metadata === undefined) return undefined;
  if (
    metadata === null || typeof metadata !== "object" || Array.isArray(metadata) ||
    !Object.values(metadata).every((v) => typeof v === "string")
  ) {
    throw new TypeError(
      `${where}: metadata must be an object of strings, got ${describe(metadata)}.`,
    );
  }
  return { ...(metadata as Record<string, string>) };
}

/**
 * Encodes a pytree of arrays as a safetensors file. Each leaf is stored under its key path
 * (`{ layers: [{ w }] }` → `layers.0.w`; dots, backslashes and brackets in keys are escaped,
 * keys that are empty or all digits are bracketed: `[0]`). Each dtype is stored as its own
 * safetensors dtype (float16 as F16, bfloat16 as BF16, uint8 as U8, ...), largest first so
 * that loading can view them in place.
 * Empty containers (`null`, `[]`, `{}`) hold no tensor and are not stored: load with `like`
 * to get them back.
 *
 * @param tree A pytree whose leaves are concrete arrays.
 * @param options `metadata`: string pairs for the header.
 * @returns The file's bytes.
 *
 * @example
 * ```ts
 * import { io, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const params = { layers: [{ w: np.ones([2, 3]), b: np.zeros([3]) }] };
 * const bytes = io.saveSafetensors(params, { metadata: { format: "pt" } });
 * const back = io.loadSafetensors(bytes) as typeof params;
 * assert.deepEqual(back.layers[0].w.toArray(), [[1, 1, 1], [1, 1, 1]]);
 * assert.deepEqual(io.safetensorsInfo(bytes).metadata, { format: "pt" });
 * ```
 */
export function saveSafetensors(tree: unknown, options?: SaveOptions): Uint8Array {
  const where = "io.saveSafetensors";
  const opts = checkOptions(where, options, ["metadata"]);
  return encode(namedLeaves(where, tree), checkMetadata(where, opts.metadata));
}

/**
 * The tensors (name, file dtype, loaded dtype, shape) and metadata of a safetensors file,
 * after validating its header: what to look at before loading someone else's weights.
 *
 * @param bytes A safetensors file.
 * @returns Its tensors, sorted by name, and its metadata (undefined when there is none).
 *
 * @example
 * ```ts
 * import { io, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const info = io.safetensorsInfo(io.saveSafetensors({ w: np.ones([4, 2]) }));
 * assert.deepEqual(info.tensors, [{ name: "w", fileDtype: "F32", dtype: "float32", shape: [4, 2] }]);
 * ```
 */
export function safetensorsInfo(
  bytes: Uint8Array,
): { tensors: TensorEntry[]; metadata: Record<string, string> | undefined } {
  const where = "io.safetensorsInfo";
  const header = parseHeader(checkBytes(where, bytes), where);
  const tensors = header.tensors.map((t) => ({
    name: t.name,
    fileDtype: t.dtype as string,
    dtype: LOADS_AS[t.dtype as StDType],
    shape: [...t.shape],
  })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { tensors, metadata: header.metadata && { ...header.metadata } };
}

function checkBytes(where: string, bytes: unknown): Uint8Array {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(
      `${where}: expected the file's bytes as a Uint8Array, got ${describe(bytes)}.`,
    );
  }
  return bytes;
}

/** Decodes every tensor and checks them against a template; used by load and the checkpoints. */
function decodeTree(
  where: string,
  bytes: Uint8Array,
  like: unknown,
  copy: boolean,
): { tree: unknown; metadata: Record<string, string> | undefined } {
  const header = parseHeader(checkBytes(where, bytes), where);
  if (like === undefined) {
    const sorted = [...header.tensors].sort((a, b) => a.begin - b.begin);
    const entries = sorted.map((t) =>
      [t.name, readTensor(bytes, t, copy, where)] as [string, unknown]
    );
    if (entries.length === 0) return { tree: {}, metadata: header.metadata };
    return { tree: buildTree(entries, where), metadata: header.metadata };
  }
  const [templ, def] = flatten(like);
  const names = keyPaths(def);
  const inFile = new Map(header.tensors.map((t) => [t.name, t]));
  const read = (name: string) => readTensor(bytes, inFile.get(name)!, copy, where);
  const problems: string[] = [];
  templ.forEach((leaf, i) => {
    const t = inFile.get(names[i]);
    if (!(leaf instanceof NDArray)) {
      problems.push(`template leaf "${names[i]}" is ${describe(leaf)}, not an array`);
    } else if (t === undefined) {
      problems.push(`missing "${names[i]}" (${leaf.dtype}[${leaf.shape.join(", ")}])`);
    } else if (
      LOADS_AS[t.dtype] !== leaf.dtype || t.shape.length !== leaf.shape.length ||
      t.shape.some((d, k) => d !== leaf.shape[k])
    ) {
      problems.push(
        `"${names[i]}" is ${t.dtype}[${t.shape.join(", ")}] in the file (loads as ` +
          `${LOADS_AS[t.dtype]}) but ${leaf.dtype}[${leaf.shape.join(", ")}] in the template`,
      );
    }
  });
  const wanted = new Set(names);
  for (const t of header.tensors) {
    if (!wanted.has(t.name)) problems.push(`extra "${t.name}" (${t.dtype}[${t.shape.join(", ")}])`);
  }
  if (problems.length) {
    throw new TypeError(
      `${where}: the file does not match the template (${problems.length} problem(s)):\n  ` +
        problems.join("\n  ") + `\nLoad without 'like' to see what the file holds.`,
    );
  }
  return { tree: unflatten(def, names.map(read)), metadata: header.metadata };
}

/**
 * Decodes a safetensors file into a pytree. Without `like` the tree is rebuilt from the
 * tensor names (key paths: digit segments 0..n-1 become JS arrays, other names objects);
 * with `like` it takes the template's structure and every tensor is checked against the
 * template. Dtypes: F32, F64, I32, I16, I8, U8, U32 and BOOL load as float32, float64,
 * int32, int16, int8, uint8, uint32 and bool (as views on `bytes` when aligned, unless
 * `copy`); F16 and BF16 load as float16 and bfloat16; U16, I64 and U64 load as int32, and a
 * value outside int32's range throws a RangeError. Every dtype is written as its own. A
 * corrupt or truncated file throws (TypeError or RangeError) naming what is wrong.
 *
 * @typeParam T The template's type.
 * @param bytes A safetensors file.
 * @param options `like` (a template tree) and `copy`.
 * @returns The tree.
 *
 * @example
 * ```ts
 * import { io, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const params = { w: np.ones([2, 2]), b: np.zeros([2]) };
 * const bytes = io.saveSafetensors(params);
 * const back = io.loadSafetensors(bytes, { like: params });
 * assert.deepEqual(back.b.toArray(), [0, 0]);
 * assert.throws(() => io.loadSafetensors(bytes, { like: { w: np.ones([3]) } }), /extra "b"/);
 * ```
 */
export function loadSafetensors<T = unknown>(bytes: Uint8Array, options?: LoadOptions<T>): T {
  const where = "io.loadSafetensors";
  const opts = checkOptions(where, options, ["like", "copy"]);
  return decodeTree(where, bytes, opts.like, checkCopy(where, opts.copy)).tree as T;
}

/**
 * Writes a pytree of arrays to a safetensors file (see {@link saveSafetensors}). Works on
 * Deno (needs `--allow-write` for the path) and Bun.
 *
 * @param path The file to write (replaced if it exists).
 * @param tree A pytree whose leaves are concrete arrays.
 * @param options `metadata`.
 * @returns A promise that settles when the file is written.
 *
 * @example
 * ```ts
 * import { io, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const path = await Deno.makeTempFile({ suffix: ".safetensors" });
 * await io.save(path, { w: np.arange(6).reshape([2, 3]) });
 * const back = await io.load(path) as { w: np.NDArray };
 * assert.deepEqual(back.w.toArray(), [[0, 1, 2], [3, 4, 5]]);
 * await Deno.remove(path);
 * ```
 */
export async function save(path: string, tree: unknown, options?: SaveOptions): Promise<void> {
  const where = "io.save";
  checkPath(where, path);
  const opts = checkOptions(where, options, ["metadata"]);
  await writeBytes(path, encode(namedLeaves(where, tree), checkMetadata(where, opts.metadata)));
}

/**
 * Reads a safetensors file into a pytree (see {@link loadSafetensors}); the arrays view the
 * file's bytes, so a file is held in memory once. Works on Deno (needs `--allow-read` for
 * the path) and Bun.
 *
 * @typeParam T The template's type.
 * @param path The file to read.
 * @param options `like` (a template tree) and `copy`.
 * @returns The tree.
 *
 * @example
 * ```ts
 * import { io, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const path = await Deno.makeTempFile({ suffix: ".safetensors" });
 * const params = { w: np.ones([3]), scale: np.array(2, { dtype: "float64" }) };
 * await io.save(path, params);
 * const back = await io.load(path, { like: params });
 * assert.equal(back.scale.dtype, "float64");
 * await Deno.remove(path);
 * ```
 */
export async function load<T = unknown>(path: string, options?: LoadOptions<T>): Promise<T> {
  const where = "io.load";
  checkPath(where, path);
  const opts = checkOptions(where, options, ["like", "copy"]);
  const copy = checkCopy(where, opts.copy);
  const bytes = await readBytes(path);
  return decodeTree(`${where} (${path})`, bytes, opts.like, copy).tree as T;
}
