/**
 * Runtime checks shared by every public entry point: options objects (unknown
 * keys rejected with a "did you mean"), integers, indices and shapes (no
 * silent coercion of fractions, NaN, strings or out-of-range values), and the
 * size of an allocation (checked before allocating, so a huge shape is a clear
 * RangeError instead of an engine error or an out-of-memory abort).
 *
 * Users run scripts with `deno run` / `bun run`, which do not type-check, so
 * these checks are what stands between a typo and a silently wrong number.
 */
import { type DType, STORAGE_BYTES } from "./_dtype.ts";
import { fmtShape, type Shape } from "./_shape.ts";
import { NDArray } from "./_ndarray.ts";

/** A short description of any value, for error messages. */
export function show(x: unknown): string {
  if (x === null) return "null";
  if (x === undefined) return "undefined";
  if (typeof x === "string") return JSON.stringify(x);
  if (typeof x === "number" || typeof x === "boolean") return String(x);
  if (typeof x === "bigint") return `${x}n`;
  if (typeof x === "function") return "a function";
  if (Array.isArray(x)) {
    return x.length <= 8
      ? `[${Array.from(x, (e) => show(e)).join(", ")}]`
      : `a list of ${x.length}`;
  }
  if (ArrayBuffer.isView(x)) return `a ${x.constructor.name}`;
  const name = (x as object).constructor?.name;
  if (name === "ArrayValue" || name?.endsWith("Tracer")) {
    const a = x as { shape: readonly number[]; dtype: string };
    return `an array ${a.dtype}${fmtShape(a.shape)}`;
  }
  return name && name !== "Object" ? `a ${name}` : "an object";
}

/** True for `{}`-style objects (not class instances, arrays or null). */
function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== "object") return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** Edit distance between two short strings (insertions, deletions, substitutions). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length];
}

/**
 * The valid name closest to `key`, if any is close: same letters ignoring case and
 * `_`/`-` (`in_axes` → `inAxes`), a plural/singular (`argnum` → `argnums`), or a
 * small typo (edit distance ≤ 2, and less than half the name).
 */
export function suggest(key: string, valid: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[_\-\s]/g, "");
  const k = norm(key);
  let best: string | undefined, bestD = Infinity;
  for (const v of valid) {
    const d = norm(v) === k ? 0 : editDistance(k, norm(v));
    if (d < bestD) [best, bestD] = [v, d];
  }
  return best !== undefined && (bestD === 0 || (bestD <= 2 && bestD * 2 < key.length))
    ? best
    : undefined;
}

/**
 * Checks an options object: `undefined` is fine, anything else must be a plain
 * object whose keys are all in `valid`. An unknown key is a TypeError listing
 * the valid keys, with a "did you mean" for a near miss.
 */
export function checkOptions(
  op: string,
  options: unknown,
  valid: readonly string[],
  what = "options",
): void {
  if (options === undefined) return;
  if (!isPlainObject(options)) {
    throw new TypeError(
      `${op}: ${what} must be an object like {${valid.join(", ")}}, got ${show(options)}.`,
    );
  }
  for (const key of Object.keys(options)) {
    if (valid.includes(key)) continue;
    const near = suggest(key, valid);
    throw new TypeError(
      `${op}: unknown option "${key}"${near ? ` (did you mean "${near}"?)` : ""}. ` +
        (valid.length ? `Valid ${what}: ${valid.join(", ")}.` : `It takes no ${what}.`),
    );
  }
}

/** True when `x` is a plain options object (used to tell options from positional forms). */
export function isOptionsObject(x: unknown): x is Record<string, unknown> {
  return isPlainObject(x);
}

/**
 * Checks that `x` is an integer number in `[min, max]`: a non-number (a string,
 * a bigint) or a fraction/NaN is a TypeError, an out-of-range integer a
 * RangeError. Returns it.
 */
export function checkInt(
  op: string,
  what: string,
  x: unknown,
  min = -Infinity,
  max = Infinity,
): number {
  if (typeof x !== "number" || !Number.isInteger(x)) {
    throw new TypeError(
      `${op}: ${what} must be an integer, got ${show(x)}` +
        `${typeof x === "string" ? " (a string: pass a number)" : ""}.`,
    );
  }
  if (x < min || x > max) {
    const range = min === -Infinity
      ? `at most ${max}`
      : max === Infinity
      ? `at least ${min}`
      : `between ${min} and ${max}`;
    throw new RangeError(`${op}: ${what} must be ${range}, got ${x}.`);
  }
  return x;
}

/** Checks that `x` is a finite number (not NaN, ±Infinity, a string or a bigint). */
export function checkFinite(op: string, what: string, x: unknown): number {
  if (typeof x !== "number") {
    throw new TypeError(`${op}: ${what} must be a number, got ${show(x)}.`);
  }
  if (!Number.isFinite(x)) {
    throw new RangeError(`${op}: ${what} must be a finite number, got ${x}.`);
  }
  return x;
}

/** Checks that `x` is a number (NaN and ±Infinity allowed: they are values, not indices). */
export function checkNumber(op: string, what: string, x: unknown): number {
  if (typeof x !== "number") {
    throw new TypeError(`${op}: ${what} must be a number, got ${show(x)}.`);
  }
  return x;
}

/** Checks a boolean flag. */
export function checkBool(op: string, what: string, x: unknown): boolean {
  if (typeof x !== "boolean") {
    throw new TypeError(`${op}: ${what} must be true or false, got ${show(x)}.`);
  }
  return x;
}

/** Checks that `x` is one of `choices` (strings). */
export function checkChoice<T extends string>(
  op: string,
  what: string,
  x: unknown,
  choices: readonly T[],
): T {
  if (typeof x === "string" && (choices as readonly string[]).includes(x)) return x as T;
  const near = typeof x === "string" ? suggest(x, choices) : undefined;
  throw new TypeError(
    `${op}: ${what} must be one of ${choices.map((c) => JSON.stringify(c)).join(", ")}, got ` +
      `${show(x)}${near ? ` (did you mean "${near}"?)` : ""}.`,
  );
}

/**
 * The largest number of elements one array may hold. Indices are int32 inside
 * the kernels, and a larger typed array fails (or exhausts memory) in the engine.
 */
export const MAX_ELEMENTS: number = 2 ** 31 - 1;

function fmtBytes(n: number): string {
  const units = ["bytes", "KB", "MB", "GB", "TB", "PB", "EB"];
  let u = 0;
  while (n >= 1000 && u < units.length - 1) [n, u] = [n / 1000, u + 1];
  return `${u === 0 ? n : n.toPrecision(3)} ${units[u]}`;
}

/**
 * Checks, before anything is allocated, that an array of `shape` and `dtype`
 * is small enough to exist; otherwise a RangeError naming the op, the shape and
 * the bytes it would take.
 */
export function checkAllocation(op: string, shape: Shape, dtype: DType): void {
  let n = 1;
  for (const d of shape) n *= d;
  if (n > MAX_ELEMENTS) {
    throw new RangeError(
      `${op}: the result of shape ${fmtShape(shape)} would have ${n.toPrecision(4)} elements ` +
        `(${
          fmtBytes(n * STORAGE_BYTES[dtype])
        } as ${dtype}), more than the limit of ${MAX_ELEMENTS} ` +
        `elements per array. Use a smaller shape, or process the data in batches.`,
    );
  }
}

/**
 * A shape argument: a list of non-negative integers, or one non-negative
 * integer for a 1-D shape (as NumPy accepts `zeros(3)`). Returns a fresh array.
 */
export function checkShapeArg(op: string, shape: unknown, what = "shape"): number[] {
  if (typeof shape === "number") return [checkInt(op, what, shape, 0)];
  if (!Array.isArray(shape)) {
    throw new TypeError(
      `${op}: ${what} must be a list of non-negative integers (or one integer), got ` +
        `${show(shape)}.`,
    );
  }
  const out = new Array<number>(shape.length);
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d !== "number" || !Number.isInteger(d) || d < 0) {
      const fix = typeof d === "string" ? " (a string: pass numbers)" : "";
      throw new TypeError(
        `${op}: ${what} must be a list of non-negative integers, but entry ${i} of ` +
          `${show(shape)} is ${show(d)}${fix}.`,
      );
    }
    out[i] = d;
  }
  return out;
}

/** " (was it left out?)" for a missing argument, "" otherwise. */
function leftOut(x: unknown): string {
  return x === undefined ? " (was it left out?)" : "";
}

/**
 * Checks that a required array argument is an NDArray (a concrete array or a
 * tracer): a missing argument or a JS list is a TypeError naming `op` and
 * `what`, instead of an engine error further down.
 */
export function requireArray(op: string, what: string, x: unknown): asserts x is NDArray {
  if (x instanceof NDArray) return;
  throw new TypeError(
    `${op}: ${what} must be an array, got ${show(x)}${leftOut(x)}; pass an NDArray ` +
      `(wrap lists and numbers in np.array(...)).`,
  );
}

/**
 * Checks an axes argument that must be a JS list (or, with `allowInt`, one
 * integer): an NDArray or a missing value is a TypeError saying to pass plain
 * integers. Returns the axes as a fresh list (entries are checked by the caller).
 */
export function requireList(op: string, what: string, x: unknown, allowInt = true): unknown[] {
  if (Array.isArray(x)) return x.slice();
  if (allowInt && typeof x === "number") return [x];
  const arr = x instanceof NDArray ? " (an array: pass a JS list of numbers, e.g. [0, 1])" : "";
  throw new TypeError(
    `${op}: ${what} must be ${allowInt ? "an integer or " : ""}a list of integers, got ` +
      `${show(x)}${leftOut(x)}${arr}.`,
  );
}

/**
 * Checks that a required argument is a plain object (a record of named
 * settings, transforms or hyperparameters); `like` shows its form in the message.
 */
export function requireRecord(op: string, what: string, x: unknown, like: string): void {
  if (isPlainObject(x)) return;
  throw new TypeError(
    `${op}: ${what} must be an object like ${like}, got ${show(x)}${leftOut(x)}.`,
  );
}

/** Checks that a required callback is a function. */
export function requireFunction(op: string, what: string, x: unknown): void {
  if (typeof x === "function") return;
  throw new TypeError(
    `${op}: ${what} must be a function, got ${show(x)}${leftOut(x)}; pass a function.`,
  );
}
