/**
 * Limits on pool calls: a deadline (`timeoutMs`) and an `AbortSignal`, given for every call
 * of a pool function or per call through `fn.with(limits)`, and the wrapper that refuses a
 * pool call made inside a transform (an asynchronous call cannot be traced).
 *
 * @module
 */
import { checkOptions, show } from "../core/_validate.ts";
import { traceDepth } from "../core/_trace.ts";

/** Per-call limits, given to `fn.with(limits)` of a pool function or in its options. */
export interface PoolCallLimits {
  /** Reject the call after this many milliseconds; its workers are stopped and replaced. */
  timeoutMs?: number;
  /** Reject the call when this signal aborts; its workers are stopped and replaced. */
  signal?: AbortSignal;
}

/**
 * What `pool.map` and `pool.valueAndGrad` return: an async function, and
 * `with(limits)` for calls with a deadline or an AbortSignal.
 *
 * @typeParam A The argument types.
 * @typeParam R The resolved result type.
 */
export interface PoolFunction<A extends readonly unknown[], R> {
  /** Runs the call on the pool's workers. */
  (...args: A): Promise<R>;
  /** The same function with per-call limits (a deadline, an AbortSignal). */
  with(limits: PoolCallLimits): (...args: A) => Promise<R>;
}

/** Checks a timeoutMs option: a positive number (Infinity allowed) or undefined. */
export function checkTimeout(op: string, t: unknown): number | undefined {
  if (t === undefined) return undefined;
  if (typeof t !== "number" || !(t > 0)) {
    throw new RangeError(
      `${op}: timeoutMs must be a positive number of milliseconds, got ${show(t)}.`,
    );
  }
  return t;
}

/** Checks per-call limits and merges them over the defaults. */
export function limitsOf(
  op: string,
  limits: PoolCallLimits,
  defaults: PoolCallLimits,
): PoolCallLimits {
  checkOptions(op, limits, ["timeoutMs", "signal"], "limits");
  const timeoutMs = checkTimeout(op, limits.timeoutMs) ?? defaults.timeoutMs;
  const signal = limits.signal ?? defaults.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw new TypeError(`${op}: signal must be an AbortSignal, got ${show(signal)}.`);
  }
  return { timeoutMs, signal };
}

/**
 * Wraps a pool call: throws at once (not a floating rejection) when called inside
 * jit/grad/vmap, where an async call cannot be traced, and adds `with(limits)`.
 */
export function poolFunction<A extends readonly unknown[], R>(
  op: string,
  defaults: PoolCallLimits,
  run: (limits: PoolCallLimits, args: A) => Promise<R>,
): PoolFunction<A, R> {
  const call = (limits: PoolCallLimits) => (...args: A): Promise<R> => {
    if (traceDepth() > 0) {
      throw new TypeError(
        `${op}: called inside a transform (jit, grad, vmap, ...). A pool call is asynchronous ` +
          `and runs on concrete arrays, so it cannot be traced; call it outside the transform ` +
          `(e.g. jit the function you give to the pool instead).`,
      );
    }
    return run(limits, args);
  };
  const fn = call(defaults) as PoolFunction<A, R>;
  fn.with = (limits: PoolCallLimits) => call(limitsOf(`${op}.with`, limits, defaults));
  return fn;
}
