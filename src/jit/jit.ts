/**
 * `jit` and `makeJaxpr`: staging a function into a jaxpr, and running the
 * compiled jaxpr (see `_compile.ts` for the compiler).
 *
 * `jit(f)` traces `f` once per input signature — the pytree structure, the
 * shape and dtype of every array, and the values of the static arguments —
 * and then calls `bind("jit_call", leaves, { jaxpr, name })`. On concrete
 * arrays that runs the fused executable; under another transform the
 * transform's rule for `jit_call` applies (JVP differentiates the jaxpr,
 * staging records the call), so `jit` composes with `grad`, `vjp` and `jvp`
 * in either order.
 *
 * @module
 */
import { outputArrays } from "../core/_args.ts";
import { checkOptions as checkKeys } from "../core/_validate.ts";
import { bind, Tracer } from "../core/_trace.ts";
import { Jaxpr, type Var } from "../core/_ir.ts";
import { traceToJaxpr } from "../interpreters/_staging.ts";
import { type Executable, executableOf, spreadUniformConsts } from "./_compile.ts";
import { DATA, NDArray } from "../core/_ndarray.ts";
import { ArrayValue, markDonated } from "../core/_array_value.ts";
import { type LiftArgs, liftArgs } from "../core/_lift.ts";
import { flatten, type TreeDef, unflatten } from "../core/tree.ts";

/** Options of `jit` and `makeJaxpr`. */
export interface JitOptions {
  /**
   * Positional arguments that are not traced: they are passed to `f` as they
   * are, and a call with a different value (compared by value for numbers,
   * strings, booleans and JSON-like arrays and objects; by identity for other
   * objects and functions) traces `f` again. Negative indices count from the end.
   */
  staticArgnums?: number | readonly number[];
  /**
   * How many compiled versions (one per input signature) `jit` keeps for this
   * function; the least recently used is dropped past it. A positive integer;
   * default 256. Ignored by `makeJaxpr`.
   */
  cacheSize?: number;
  /**
   * `"default"`: fused float32 chains keep their intermediates in double
   * precision and round when they store (as XLA's fusion; results may differ
   * from eager evaluation in the last bits). `"exact"`: every float32
   * intermediate is rounded to float32 as eager evaluation rounds it, and
   * reductions run the eager kernels, so results are bit-identical to eager
   * (slower). Ignored by `makeJaxpr`.
   */
  precision?: "default" | "exact";
  /**
   * Positional arguments whose arrays the caller gives up (JAX's `donate_argnums`): a
   * compiled call may write its outputs into their buffers instead of new ones, which saves
   * the allocation (and its page faults) in training loops that replace their parameters
   * and optimizer state every step. After the call, every array leaf of a donated argument
   * is invalid: reading it throws (its shape and dtype stay readable); use the outputs.
   * A buffer is reused only where that cannot change a result (see the docs); otherwise
   * the output gets a new buffer, and the donated array is invalidated all the same. A
   * donated leaf that no output of the program can ever take is named in a `console.warn`,
   * once per compiled program (as JAX warns "Some donated buffers were not usable").
   * Donation applies to calls on concrete arrays; under `grad`, `vmap` or an enclosing
   * `jit` it is ignored and the arguments stay valid. Negative indices count from the end.
   * Ignored by `makeJaxpr`.
   */
  donateArgnums?: number | readonly number[];
}

/** The default number of compiled signatures `jit` keeps per function. */
export const DEFAULT_JIT_CACHE_SIZE = 256;
/** After this many traces of one jitted function, `jit` warns once (see `jit`). */
const RETRACE_WARNING = 32;

const OPTION_KEYS = ["staticArgnums", "cacheSize", "precision", "donateArgnums"] as const;

/** Validates an options object of `jit` / `makeJaxpr`: known keys, valid values. */
function checkOptions(name: string, options: unknown): JitOptions {
  if (options === undefined) return {};
  checkKeys(name, options, OPTION_KEYS);
  const { cacheSize, precision } = options as JitOptions;
  if (
    cacheSize !== undefined &&
    (typeof cacheSize !== "number" || !Number.isSafeInteger(cacheSize) || cacheSize < 1)
  ) {
    throw new RangeError(
      `${name}: cacheSize must be a positive integer (compiled signatures kept), got ${
        typeof cacheSize === "number" ? cacheSize : typeof cacheSize
      }.`,
    );
  }
  if (precision !== undefined && precision !== "default" && precision !== "exact") {
    throw new TypeError(
      `${name}: precision must be "default" or "exact", got ${JSON.stringify(precision)}.`,
    );
  }
  return options as JitOptions;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== "object") return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/**
 * The signature of one dynamic argument: its pytree structure with the dtype
 * and shape of each leaf. Collects the leaves in `tree.flatten` order.
 */
function signature(x: unknown, leaves: NDArray[], name: string, arg: number): string {
  if (x instanceof NDArray) {
    leaves.push(x);
    return x.dtype + "[" + x.shape.join(",") + "]";
  }
  if (x === null) return "null";
  if (x === undefined) return "undef";
  if (Array.isArray(x)) {
    let k = "(";
    for (let i = 0; i < x.length; i++) k += signature(x[i], leaves, name, arg) + ",";
    return k + ")";
  }
  if (isPlainObject(x)) {
    const keys = Object.keys(x).sort();
    let k = "{";
    for (const key of keys) {
      k += JSON.stringify(key) + ":" + signature(x[key], leaves, name, arg) + ",";
    }
    return k + "}";
  }
  // an instance of a class registered as a pytree node: its structure, then its leaves
  const [children, def] = flatten(x);
  if (def.kind === "custom") {
    return `${def}<${children.map((c) => signature(c, leaves, name, arg)).join(",")}>`;
  }
  throw new TypeError(
    `${name}: argument ${arg} holds ${
      typeof x === "number" ? `the number ${x}` : `a ${typeof x}`
    } where an array is expected. Traced arguments must be arrays or pytrees of arrays: wrap ` +
      `the value with np.array(...), or mark the argument static with ` +
      `{ staticArgnums: [${arg}] } (then each new value traces the function again).`,
  );
}

let nextId = 0;
const identities = new WeakMap<object, number>();

/** Thrown by `staticKey` for an array among static values; `jit` turns it into its message. */
class StaticArrayError extends Error {
  constructor(readonly array: NDArray) {
    super("an array among static values");
  }
}

/** A string equal for equal static values: by value for JSON-like data, by identity otherwise. */
function staticKey(x: unknown): string {
  switch (typeof x) {
    case "number":
      return Object.is(x, -0) ? "-0" : String(x);
    case "string":
      return JSON.stringify(x);
    case "boolean":
    case "undefined":
    case "bigint":
      return `${typeof x}:${String(x)}`;
    case "symbol":
      return `symbol:${String(x.description)}`;
  }
  if (x === null) return "null";
  if (x instanceof NDArray) throw new StaticArrayError(x);
  if (Array.isArray(x)) return `[${x.map(staticKey).join(",")}]`;
  if (isPlainObject(x)) {
    return `{${
      Object.keys(x).sort().map((k) => `${JSON.stringify(k)}:${staticKey(x[k])}`).join(",")
    }}`;
  }
  const obj = x as object;
  let id = identities.get(obj);
  if (id === undefined) identities.set(obj, id = nextId++);
  return `#${id}`;
}

function normalizeStatic(
  name: string,
  nums: JitOptions["staticArgnums"],
  nargs: number,
  option = "staticArgnums",
): boolean[] {
  const flags = new Array<boolean>(nargs).fill(false);
  if (nums === undefined) return flags;
  if (typeof nums !== "number" && !Array.isArray(nums)) {
    throw new TypeError(
      `${name}: ${option} must be an argument index or an array of them, got ${typeof nums}.`,
    );
  }
  for (const n of typeof nums === "number" ? [nums] : nums) {
    if (!Number.isInteger(n) || n < -nargs || n >= nargs) {
      throw new RangeError(
        `${name}: ${option} ${JSON.stringify(nums)} is out of range for a call with ` +
          `${nargs} argument(s).`,
      );
    }
    flags[n < 0 ? n + nargs : n] = true;
  }
  return flags;
}

/** The donated-argument flags of a call, checked against the static ones. */
function normalizeDonate(
  name: string,
  nums: JitOptions["donateArgnums"],
  isStatic: readonly boolean[],
): boolean[] {
  const flags = normalizeStatic(name, nums, isStatic.length, "donateArgnums");
  const both = flags.findIndex((d, i) => d && isStatic[i]);
  if (both >= 0) {
    throw new TypeError(
      `${name}: argument ${both} is both static (staticArgnums) and donated (donateArgnums); ` +
        `a static argument is not an array to give up: remove it from one of them.`,
    );
  }
  return flags;
}

/**
 * Runs a compiled call on concrete arrays with donation: `donated[i]` says whether leaf i
 * belongs to a donated argument. Each donated leaf is invalidated afterwards.
 */
function runDonated(
  ex: Executable,
  leaves: readonly ArrayValue[],
  donated: readonly boolean[],
  label: string,
): NDArray[] {
  const outs = ex.run(leaves, undefined, donated);
  // an input returned as it is comes back in a new wrapper of its buffer (as in JAX, the
  // output is a new array; only the donated one becomes invalid)
  for (let j = 0; j < outs.length; j++) {
    const k = leaves.indexOf(outs[j]);
    if (k >= 0 && donated[k]) {
      const x = leaves[k];
      outs[j] = new ArrayValue(x[DATA], x.shape, x.dtype);
    }
  }
  leaves.forEach((x, i) => {
    if (!donated[i]) return;
    markDonated(
      x,
      `${label}: this ${x.dtype}[${x.shape.join(", ")}] array was donated to a call ` +
        `(donateArgnums) and its buffer may now hold an output: use that call's outputs ` +
        `instead, or leave the argument out of donateArgnums to keep it.`,
    );
  });
  return outs;
}

interface Traced {
  jaxpr: Jaxpr;
  /** Whether a donated call has checked which donated leaves the program can reuse. */
  donationChecked?: boolean;
  outDef: TreeDef;
  /** Traced values of enclosing transforms that `f` closed over: passed as leading arguments. */
  closed: NDArray[];
}

/** Stages `f` on the dynamic leaves of `args` (static arguments are passed through). */
function stage(
  name: string,
  f: (...args: unknown[]) => unknown,
  args: readonly unknown[],
  isStatic: readonly boolean[],
  leaves: readonly NDArray[],
): { jaxpr: Jaxpr; outDef: TreeDef } {
  const [, def] = flatten(args.filter((_, i) => !isStatic[i]));
  let outDef: TreeDef | undefined;
  const jaxpr = traceToJaxpr(name, (xs) => {
    const parts = unflatten<unknown[]>(def, xs);
    let j = 0;
    const full = args.map((a, i) => (isStatic[i] ? a : parts[j++]));
    const [outs, d] = flatten(f(...full));
    outDef = d;
    return outputArrays(name, outs);
  }, leaves.map((x) => ({ shape: x.shape, dtype: x.dtype })));
  return { jaxpr, outDef: outDef! };
}

/** Turns constants that are tracers of enclosing transforms into leading inputs. */
function closeOver(jaxpr: Jaxpr): { jaxpr: Jaxpr; closed: NDArray[] } {
  const isT = jaxpr.consts.map((c) => c instanceof Tracer);
  if (!isT.includes(true)) return { jaxpr, closed: [] };
  const pick = <T>(xs: readonly T[], want: boolean) => xs.filter((_, i) => isT[i] === want);
  const closedVars: Var[] = pick(jaxpr.constvars, true);
  return {
    jaxpr: new Jaxpr(
      [...closedVars, ...jaxpr.invars],
      pick(jaxpr.constvars, false),
      pick(jaxpr.consts, false),
      jaxpr.eqns,
      jaxpr.outvars,
    ),
    closed: pick(jaxpr.consts, true),
  };
}

/**
 * Compiles `f`: traces it once per input signature into a jaxpr, optimises
 * the jaxpr (constant folding, common-subexpression and dead-code
 * elimination) and fuses its elementwise operations into generated loops.
 * Later calls with the same signature run the compiled program directly.
 *
 * Side effects in `f` (logging, counters) happen only while tracing. Inside
 * `f`, arrays are tracers: branching on their values (`if (x.item() > 0)`)
 * throws; use `np.where`, or pass the value through `staticArgnums`.
 *
 * @typeParam A The argument types (pytrees of arrays, plus any static arguments).
 * @typeParam R The output type (a pytree of arrays).
 * @param f A pure function of arrays.
 * A jitted function keeps up to `cacheSize` compiled signatures (least
 * recently used dropped first) and warns once when it has been traced many
 * times (the usual causes: a number passed as a static argument that changes
 * every call, or shapes that change every call). Create the jitted function
 * once, outside loops: each `jit(f)` starts with an empty cache.
 *
 * @param options `staticArgnums`: arguments that are not traced but select a compiled
 *   version; `cacheSize`: compiled signatures kept (default 256); `precision`: `"exact"`
 *   rounds every float32 intermediate as eager evaluation does (bit-identical results);
 *   `donateArgnums`: arguments the caller gives up, whose buffers may hold the outputs
 *   (JAX's `donate_argnums`; reading a donated array afterwards throws).
 * @returns A function with the same signature and results as `f`.
 *
 * @example
 * ```ts
 * import { grad, jit, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * let traces = 0;
 * const loss = (x: np.NDArray) => {
 *   traces++;
 *   return x.tanh().mul(x.sin()).add(x.mul(x)).sum();
 * };
 * const f = jit(loss);
 * const x = np.array([0.5, 1, 2]);
 * assert.ok(Math.abs((f(x).item() as number) - 6.98901) < 1e-4);
 * f(np.array([3, 4, 5]));
 * assert.equal(traces, 1); // same shape and dtype: the compiled program is reused
 *
 * const g = jit(grad(loss)); // compose in either order: grad(jit(loss)) works too
 * assert.deepEqual(g(x).shape, [3]);
 *
 * const power = jit((x: np.NDArray, n: number) => x.pow(n), { staticArgnums: [1] });
 * assert.deepEqual(power(np.array([2, 3]), 3).toArray(), [8, 27]);
 *
 * // a training loop that replaces its parameters can donate them: the update is written
 * // into the old parameters' buffer, and the old array may no longer be read
 * const sgd = jit((p: np.NDArray, g: np.NDArray) => p.sub(g.mul(0.1)), { donateArgnums: 0 });
 * let p = sgd(np.array([1, 2]), np.array([1, 1]));
 * const old = p;
 * p = sgd(p, np.array([1, 1]));
 * assert.ok(np.allclose(p, np.array([0.8, 1.8])));
 * assert.throws(() => old.toArray(), /donated/);
 * ```
 */
export function jit<A extends readonly unknown[], R>(
  f: (...args: A) => R,
  options: JitOptions = {},
): (...args: LiftArgs<A>) => R {
  const name = "jit";
  if (typeof f !== "function") {
    throw new TypeError(`jit: expected a function to compile, got ${typeof f}.`);
  }
  const opts = checkOptions(name, options);
  const capacity = opts.cacheSize ?? DEFAULT_JIT_CACHE_SIZE;
  const exact = opts.precision === "exact";
  const label = `jit(${f.name || "fn"})`;
  const g = f as unknown as (...args: unknown[]) => unknown;
  // least recently used first (a Map iterates in insertion order; a hit re-inserts)
  const cache = new Map<string, Traced>();
  let lastKey: string | undefined;
  let traces = 0;
  const staticFlags = new Map<number, boolean[]>();
  const donateFlags = new Map<number, boolean[]>();
  return (...given: LiftArgs<A>): R => {
    let isStatic = staticFlags.get(given.length);
    if (!isStatic) {
      isStatic = normalizeStatic(name, opts.staticArgnums, given.length);
      staticFlags.set(given.length, isStatic);
    }
    let donate = donateFlags.get(given.length);
    if (!donate && opts.donateArgnums !== undefined) {
      donate = normalizeDonate(name, opts.donateArgnums, isStatic);
      donateFlags.set(given.length, donate);
    }
    // JS numbers become float32 arrays, as Python scalars in JAX (static arguments stay)
    const flags = isStatic;
    const args = liftArgs(given, (i) => flags[i]);
    const leaves: NDArray[] = [];
    let key = "";
    const donatedLeaves: boolean[] = [];
    const leafArg: number[] = [];
    for (let i = 0; i < args.length; i++) {
      if (!isStatic[i]) {
        key += signature(args[i], leaves, name, i) + ";";
        if (donate) {
          while (donatedLeaves.length < leaves.length) {
            donatedLeaves.push(donate[i]), leafArg.push(i);
          }
        }
      } else {
        try {
          key += "=" + staticKey(args[i]) + ";";
        } catch (err) {
          if (!(err instanceof StaticArrayError)) throw err;
          throw new TypeError(
            `${name}: argument ${i} is static (staticArgnums) but holds an array ` +
              `(${err.array.dtype}[${err.array.shape.join(", ")}]). Arrays are not static ` +
              `values (each call would trace again): pass it as a traced argument, or pass ` +
              `plain numbers (x.toArray()) if it really selects a different program.`,
          );
        }
      }
    }
    let entry = cache.get(key);
    if (entry) {
      if (key !== lastKey) cache.delete(key), cache.set(key, entry), lastKey = key;
    } else {
      const staged = stage(name, g, args, isStatic, leaves);
      const { jaxpr, closed } = closeOver(spreadUniformConsts(staged.jaxpr));
      entry = { jaxpr, outDef: staged.outDef, closed };
      // a program closing over an enclosing trace's values is only valid for this call
      if (closed.length === 0) {
        cache.set(key, entry);
        lastKey = key;
        if (cache.size > capacity) cache.delete(cache.keys().next().value!);
        if (++traces === RETRACE_WARNING) warnRetrace(label, traces, isStatic.includes(true));
      }
    }
    if (
      donate && entry.closed.length === 0 && donatedLeaves.includes(true) &&
      leaves.every((x) => x instanceof ArrayValue)
    ) {
      const ex = executableOf(entry.jaxpr, exact ? "exact" : undefined);
      if (!entry.donationChecked) {
        entry.donationChecked = true;
        warnUnusableDonations(label, ex.donatable, leaves, donatedLeaves, leafArg);
      }
      const outs = runDonated(ex, leaves as ArrayValue[], donatedLeaves, label);
      return unflatten<R>(entry.outDef, outs);
    }
    const inputs = entry.closed.length ? [...entry.closed, ...leaves] : leaves;
    const params = exact
      ? { jaxpr: entry.jaxpr, name: label, precision: "exact" as const }
      : { jaxpr: entry.jaxpr, name: label };
    const outs = bind("jit_call", inputs, params);
    return unflatten<R>(entry.outDef, outs);
  };
}

/**
 * Warns, once per compiled program, about donated leaves whose buffers no output can take
 * (JAX warns likewise: "Some donated buffers were not usable"): donating them costs the
 * caller the arrays and saves nothing.
 */
function warnUnusableDonations(
  label: string,
  donatable: readonly boolean[],
  leaves: readonly NDArray[],
  donated: readonly boolean[],
  leafArg: readonly number[],
): void {
  const unusable = leaves.flatMap((x, i) =>
    donated[i] && !donatable[i]
      ? [`${x.dtype}[${x.shape.join(", ")}] (argument ${leafArg[i]})`]
      : []
  );
  if (unusable.length === 0) return;
  console.warn(
    `${label}: ${unusable.length} donated buffer${unusable.length > 1 ? "s" : ""} cannot ` +
      `hold any output of this program: ${unusable.join(", ")}. An output takes a donated ` +
      `buffer when it is the input returned as it is, or when it has the input's dtype and ` +
      `size and is computed elementwise after the input's last read (not where, say, a ` +
      `later product still reads the input). Those arrays are invalidated all the same: leave them out of ` +
      `donateArgnums. This warning is shown once per compiled program.`,
  );
}

function warnRetrace(label: string, n: number, hasStatic: boolean): void {
  console.warn(
    `${label} has been traced and compiled ${n} times, once per new input signature ` +
      `(shapes, dtypes${hasStatic ? ", static argument values" : ""}). If that is not ` +
      `intended: pass values that vary as traced arrays rather than static arguments, and ` +
      `keep shapes fixed (pad batches). This warning is shown once per jitted function.`,
  );
}

/**
 * Traces `f` on example arguments and returns its jaxpr: the program of
 * primitive equations that `f` performs, with one input per array leaf of the
 * (non-static) arguments. Print it with `toString()`, or draw it with
 * `toDot()` (Graphviz) and `toMermaid()`.
 *
 * @typeParam A The argument types.
 * @param f The function to trace; it may be a transformed function such as `grad(loss)`.
 * @param options `staticArgnums`: arguments passed through untraced.
 * @returns A function taking example arguments (only their shapes and dtypes matter) and returning the jaxpr.
 *
 * @example
 * ```ts
 * import { grad, makeJaxpr, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const loss = (x: np.NDArray) => x.tanh().sum();
 * const jaxpr = makeJaxpr(loss)(np.ones([3]));
 * assert.deepEqual(jaxpr.eqns.map((e) => e.prim), ["tanh", "reduce_sum"]);
 * assert.match(makeJaxpr(grad(loss))(np.ones([3])).toString(), /tanh/);
 * assert.match(jaxpr.toDot(), /^digraph/);
 * ```
 */
export function makeJaxpr<A extends readonly unknown[]>(
  f: (...args: A) => unknown,
  options: JitOptions = {},
): (...args: LiftArgs<A>) => Jaxpr {
  if (typeof f !== "function") {
    throw new TypeError(`makeJaxpr: expected a function to trace, got ${typeof f}.`);
  }
  const opts = checkOptions("makeJaxpr", options);
  const g = f as unknown as (...args: unknown[]) => unknown;
  return (...given: LiftArgs<A>): Jaxpr => {
    const isStatic = normalizeStatic("makeJaxpr", opts.staticArgnums, given.length);
    const args = liftArgs(given, (i) => isStatic[i]);
    const leaves: NDArray[] = [];
    args.forEach((a, i) => isStatic[i] || signature(a, leaves, "makeJaxpr", i));
    return stage("makeJaxpr", g, args, isStatic, leaves).jaxpr;
  };
}
