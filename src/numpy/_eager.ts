/**
 * Eager elementwise ops on large arrays run as small compiled programs, one per op and
 * input signature (dtypes and shapes), kept in a bounded cache: the op with its operands'
 * broadcasts, compiled by jit with `precision: "exact"`. Results are bit-identical to the
 * primitive-by-primitive evaluation (exact programs round every float32 value as the eager
 * kernels do), but a scalar operand is read in place instead of first being broadcast into
 * a full array, and float32 groups run as wasm SIMD loops, split across the helper threads
 * when large (a comparison, a select, e^x).
 *
 * Only concrete operands take this path (under a transform the op is staged as before),
 * only from `EAGER_PROGRAM_MIN_ELEMENTS` elements up (below it the call and the copies in
 * and out of wasm memory cost what they save), and a signature is compiled once it has been
 * seen twice and has covered `EAGER_COMPILE_AFTER_ELEMENTS` elements over its calls, so the
 * compile (0.1–0.3 ms) is paid only where it pays back: at the second call from 65,536
 * elements up, at the 32nd for 4,096-element arrays.
 */
import type { NDArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import { avalOf } from "../core/_aval.ts";
import { traceToJaxpr } from "../interpreters/_staging.ts";
import { compile, type Executable, spreadUniformConsts } from "../jit/_compile.ts";

/**
 * From this many output elements up, eager elementwise ops run as compiled programs (jit's
 * smallest wasm loop). Measured per call, Deno / Bun, 4096 float32 elements: x·2 35 / 47 µs
 * op by op vs 13 / 13 µs as a program, x + y 28 / 18 vs 13 / 8, where(x > 0, x, y) 33 / 45 vs
 * 7 / 8, e^x 75 / 35 vs 22 / 24 (at 1024 elements e^x is even).
 */
export const EAGER_PROGRAM_MIN_ELEMENTS = 4096;
/**
 * A signature is compiled after this many elements over its calls (and at least two calls):
 * a program saves ~5–20 ns per element and its compile costs 0.1–0.3 ms. Measured (Deno), 300
 * shapes of ~4,096–6,200 elements used twice each, x·2 + 1: 43 ms op by op, 84–196 ms when
 * every second call compiled.
 */
export const EAGER_COMPILE_AFTER_ELEMENTS = 2 ** 17;
/**
 * A composite's first call of this many elements and more compiles at once: a one-off nn.gelu
 * over 2²² float32 values ran a dozen ops one after another, each a pass and a fresh 16 MB
 * array (~170 ms), where the compile costs a few ms.
 */
export const EAGER_COMPILE_AT_ONCE_ELEMENTS = 2 ** 20;
/** Compiled programs kept (least recently used dropped first). */
const CACHE_SIZE = 256;

interface Entry {
  seen: number;
  program?: Executable;
}
const cache = new Map<string, Entry>();
let enabled = true;
/** Programs compiled and calls they ran, since the module loaded (for tests). */
const stats = { compiled: 0, runs: 0 };

/** How many eager programs were compiled, how many calls ran one, how many are cached (for tests). */
export function eagerProgramStats(): { compiled: number; runs: number; cached: number } {
  return { ...stats, cached: cache.size };
}

/** Turns the compiled eager path on or off (for tests and A/B benchmarks); returns the old setting. */
export function setEagerPrograms(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}

/**
 * `f(...args)`: through a cached compiled program when every operand is a concrete array,
 * the result has at least `EAGER_PROGRAM_MIN_ELEMENTS` elements and the signature has
 * earned its compile; otherwise `f` evaluated op by op. `op` names the operation (with `f`,
 * it is part of the cache key: one `op` must always come with the same `f`); `size` is the
 * result's size; `composite` says `f` is several ops (see `EAGER_COMPILE_AT_ONCE_ELEMENTS`).
 */
export function eagerProgram(
  op: string,
  args: readonly NDArray[],
  size: number,
  f: (...xs: NDArray[]) => NDArray,
  composite = false,
): NDArray {
  if (!enabled || size < EAGER_PROGRAM_MIN_ELEMENTS) return f(...args);
  let key = op;
  for (const a of args) {
    if (!(a instanceof ArrayValue)) return f(...args);
    key += `|${a.dtype}[${a.shape.join(",")}]`;
  }
  let entry = cache.get(key);
  if (entry) {
    cache.delete(key); // most recently used last
    cache.set(key, entry);
  } else {
    cache.set(key, entry = { seen: 0 });
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  }
  if (!entry.program) {
    const seen = ++entry.seen;
    const earned = seen >= 2 && seen * size >= EAGER_COMPILE_AFTER_ELEMENTS;
    // a large one-off call of a composite (an activation, a sampler) compiles at once: a single
    // op is one pass either way, and its compile would cost more than it saves
    const atOnce = composite && size >= EAGER_COMPILE_AT_ONCE_ELEMENTS;
    if (!earned && !atOnce) return f(...args);
    const jaxpr = traceToJaxpr(`np.${op}`, (xs) => [f(...xs)], args.map(avalOf));
    entry.program = compile(spreadUniformConsts(jaxpr), { exact: true });
    stats.compiled++;
  }
  stats.runs++;
  return entry.program.run(args as ArrayValue[])[0];
}
