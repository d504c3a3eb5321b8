/**
 * Checks and file access shared by the `io` functions: option objects, concrete leaves,
 * and reading/writing whole files on Deno (Deno.readFile/writeFile, so only
 * `--allow-read`/`--allow-write` for that path are needed) or elsewhere (node:fs/promises,
 * which Bun provides).
 */
import { NDArray } from "../core/_ndarray.ts";
import { ArrayValue, concreteValue } from "../core/_array_value.ts";

/** Throws a TypeError unless `options` is undefined or a plain object with only `allowed` keys. */
export function checkOptions(
  where: string,
  options: unknown,
  allowed: readonly string[],
): Record<string, unknown> {
  if (options === undefined) return {};
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new TypeError(`${where}: options must be an object, got ${describe(options)}.`);
  }
  const unknown = Object.keys(options).filter((k) => !allowed.includes(k));
  if (unknown.length) {
    throw new TypeError(
      `${where}: unknown option(s) ${unknown.join(", ")}; the options are ${allowed.join(", ")}.`,
    );
  }
  return options as Record<string, unknown>;
}

/** A short description of a value for error messages. */
export function describe(x: unknown): string {
  if (x === null) return "null";
  if (x instanceof NDArray) return `an array of shape [${x.shape.join(", ")}] (${x.dtype})`;
  if (Array.isArray(x)) return "a JS array";
  if (typeof x === "string") return `the string ${JSON.stringify(x.slice(0, 40))}`;
  if (typeof x === "number" || typeof x === "boolean") return `the ${typeof x} ${x}`;
  return typeof x;
}

/** The concrete value of a leaf; a traced value (inside jit, grad, vmap) is an error. */
export function concrete(where: string, leaf: NDArray, name: string): ArrayValue {
  if (leaf instanceof ArrayValue) return leaf;
  try {
    return concreteValue(leaf);
  } catch {
    throw new TypeError(
      `${where}: the leaf "${name}" is a traced value (inside jit, grad or vmap); save ` +
        `concrete arrays, outside transformed functions.`,
    );
  }
}

export function checkPath(where: string, path: unknown): string {
  if (typeof path !== "string" || path === "") {
    throw new TypeError(`${where}: the path must be a non-empty string, got ${describe(path)}.`);
  }
  return path;
}

type DenoFs = {
  readFile(path: string): Promise<Uint8Array>;
  writeFile(path: string, data: Uint8Array): Promise<void>;
};
const deno = (globalThis as { Deno?: DenoFs }).Deno;

/** Reads a whole file. */
export async function readBytes(path: string): Promise<Uint8Array> {
  if (deno) return await deno.readFile(path);
  const fs = await import("node:fs/promises");
  const b = await fs.readFile(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Writes a whole file, replacing it. */
export async function writeBytes(path: string, data: Uint8Array): Promise<void> {
  if (deno) return await deno.writeFile(path, data);
  const fs = await import("node:fs/promises");
  await fs.writeFile(path, data);
}

/** Reads the `copy` option of the loaders: a boolean, false by default. */
export function checkCopy(where: string, copy: unknown): boolean {
  if (copy !== undefined && typeof copy !== "boolean") {
    throw new TypeError(`${where}: the option copy must be a boolean, got ${describe(copy)}.`);
  }
  return copy ?? false;
}
