/**
 * Printing and callbacks from inside transformed code (JAX's `jax.debug`): `debug.print` and
 * `debug.callback` bind a `debug_callback` primitive, so they run when the program runs —
 * on every call of a `jit`ted function, once per step of a `scan`, once per example under
 * `vmap` — with the concrete values, never the tracers. Under `grad` they see the primal
 * values of the forward pass.
 *
 * @module
 */
import { bind } from "../core/_trace.ts";
import { NDArray } from "../core/_ndarray.ts";
import { flatten, unflatten } from "../core/tree.ts";
import * as np from "../numpy/numpy.ts";
import { checkFunction } from "./_tracing.ts";

/** Splits the values into array leaves (sent through the program) and a rebuild function. */
function arrays(name: string, values: readonly unknown[]) {
  const [leaves, def] = flatten(values);
  const isArray = leaves.map((l) => l instanceof NDArray || typeof l === "number");
  const sent = leaves.filter((_, i) => isArray[i]).map((l) =>
    l instanceof NDArray ? l : np.array(l as number)
  );
  const rebuild = (concrete: readonly NDArray[]) => {
    let k = 0;
    return unflatten<unknown[]>(def, leaves.map((l, i) => (isArray[i] ? concrete[k++] : l)));
  };
  if (leaves.some((l) => typeof l === "function")) {
    throw new TypeError(`${name}: values must be arrays, numbers or pytrees of them.`);
  }
  return { sent, rebuild };
}

/** `{}` takes the next value, `{0}` value 0; `{{` and `}}` are literal braces. */
function format(fmt: string, values: readonly unknown[]): string {
  let next = 0;
  return fmt.replace(/\{\{|\}\}|\{(\d*)\}/g, (m, idx: string) => {
    if (m === "{{") return "{";
    if (m === "}}") return "}";
    const i = idx === "" ? next++ : Number(idx);
    if (i >= values.length) {
      throw new RangeError(
        `debug.print: the format "${fmt}" reads value ${i} but ${values.length} were given.`,
      );
    }
    return String(values[i]);
  });
}

/**
 * Prints `fmt` with each `{}` replaced by the next value (`{0}`, `{1}` by position; an array
 * as its `toString()`), through `console.log`, when the program runs: inside `jit`, `vmap` (once per example), `grad` (the
 * forward values) and loops (once per step) it prints concrete values, not tracers.
 *
 * @param fmt The format string.
 * @param values Arrays, numbers or pytrees of them.
 *
 * @example
 * ```ts
 * import { debug, jit, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const seen: string[] = [];
 * const log = console.log;
 * console.log = (s: string) => seen.push(s);
 * try {
 *   jit((x: np.NDArray) => {
 *     debug.print("x={} sum={}", x, x.sum());
 *     return x.mul(2);
 *   })(np.array([1, 2]));
 * } finally {
 *   console.log = log;
 * }
 * assert.equal(seen[0], "x=Array([1., 2.], dtype=float32) sum=Array(3., dtype=float32)");
 * ```
 */
export function print(fmt: string, ...values: unknown[]): void {
  if (typeof fmt !== "string") {
    throw new TypeError(`debug.print: the format must be a string, got ${typeof fmt}.`);
  }
  format(fmt, values.map(() => "")); // check the placeholders now, not when the program runs
  const { sent, rebuild } = arrays("debug.print", values);
  bind("debug_callback", sent, {
    callback: (concrete) => console.log(format(fmt, rebuild(concrete))),
    name: "print",
  });
}

/**
 * Calls `fn(...values)` with concrete values when the program runs (see `print`); its return
 * value is ignored.
 *
 * @param fn The callback (any function: it receives the values with concrete arrays).
 * @param values Arrays, numbers or pytrees of them, passed to `fn` with the same structure.
 *
 * @example
 * ```ts
 * import { debug, grad, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const seen: number[] = [];
 * grad((x: np.NDArray) => {
 *   debug.callback((v: np.NDArray) => seen.push(v.item() as number), x);
 *   return x.square();
 * })(np.array(3));
 * assert.deepEqual(seen, [3]);
 * ```
 */
export function callback(fn: (...values: never[]) => unknown, ...values: unknown[]): void {
  checkFunction("debug.callback", "fn", fn);
  const { sent, rebuild } = arrays("debug.callback", values);
  bind("debug_callback", sent, {
    callback: (concrete) => void fn(...(rebuild(concrete) as never[])),
    name: fn.name || "callback",
  });
}
