/**
 * When jit's fused groups run as wasm loops, and when they split across the helper threads:
 * the size thresholds (measured; each constant says how), the work and copy weights they
 * compare, the settings tests change, and how a broadcast input is walked (rows, columns).
 * The loops themselves are generated in `_codegen_wasm.ts`.
 */
import type { Eqn, Var } from "../core/_ir.ts";
import type { Unit } from "./_codegen_js.ts";
import { hasSimd } from "../kernels/_wasm.ts";
import { APPROXIMATE, MASK_OPS } from "./_wasm_math.ts";

/**
 * Below this many elements the copies in and out cost about what SIMD saves.
 * Measured (Deno 2.9.6 and Bun 1.4.5, x86-64): one add wins from ~1k elements
 * (4096: 8.5 vs 11.7 µs), Adam's 17-op update 2× from 4k.
 */
export const WASM_MIN_ELEMENTS = 4096;
/**
 * Above this many elements the arrays leave the caches and copying them costs
 * as much as a cheap loop (one add over 256k: wasm 540 µs, JS 468 µs), so a
 * group must also do at least one op per array copied in or out.
 */
export const WASM_CHEAP_MAX_ELEMENTS = 65536;

/**
 * A call streams its arrays through wasm memory in chunks of this many elements
 * (64 KiB per array), so the loop's loads and stores hit the caches and a group's
 * memory stays small whatever its size.
 */
export const WASM_CHUNK_ELEMENTS = 16384;

/**
 * Groups of at least this many elements, and at least WASM_SPLIT_MIN_WORK ops × elements
 * (a transcendental counts 10), run split across the matmul's helper threads when they
 * are up (`src/kernels/_parallel_map.ts`): a hand-off costs tens of µs, and copying whole
 * arrays in costs what streaming them did. SELU over 1M (≈ 15M op-elements) splits;
 * Adam's update of a 784×256 weight (3.4M) measured 6.3–6.7 → 6.8–7.2 ms CPU per MLP
 * step split (both threads' CPU, loaded machine), so it stays on one thread.
 */
export const WASM_SPLIT_MIN_ELEMENTS = 65536;
/**
 * A split job copies whole arrays in and out on the calling thread (out of the caches, for
 * large ones), while the one-thread loop streams them in cache-sized chunks: a group with
 * few ops per array it copies is faster on one thread. Measured in one process, alternating
 * (1M float32, Deno): a chain of 4 cheap ops 0.83 ms one thread vs 0.95 split, 12 ops 1.04
 * vs 1.00, 24 ops 1.77 vs 1.59; Adam's update of a [784, 512] weight (13 ops, 4 arrays in, 3
 * out) 1.18 vs 1.53 ms (Bun 1.11 vs 1.50).
 */
export const WASM_SPLIT_MIN_OPS_PER_COPY = 4;
export const WASM_SPLIT_MIN_WORK = 2 ** 22;
/** The thresholds of a split (see the constants above). */
export interface SplitMin {
  elements: number;
  work: number;
  /** Ops per array copied in or out; the default `WASM_SPLIT_MIN_OPS_PER_COPY` when omitted. */
  opsPerCopy?: number;
}
let splitMin: Required<SplitMin> = {
  elements: WASM_SPLIT_MIN_ELEMENTS,
  work: WASM_SPLIT_MIN_WORK,
  opsPerCopy: WASM_SPLIT_MIN_OPS_PER_COPY,
};

/** Sets the smallest group split across threads from now on; returns the old. For tests. */
export function setJitWasmSplitMin(min: SplitMin): Required<SplitMin> {
  const was = splitMin;
  splitMin = { opsPerCopy: WASM_SPLIT_MIN_OPS_PER_COPY, ...min };
  return was;
}

let enabled = true;
let minElements = WASM_MIN_ELEMENTS;

/** The current split thresholds (see {@link setJitWasmSplitMin}). */
export function splitThresholds(): Readonly<Required<SplitMin>> {
  return splitMin;
}

/** The smallest group compiled to wasm now (see {@link setJitWasmMinElements}). */
export function wasmMinElements(): number {
  return minElements;
}

/** Sets the smallest group (elements) compiled to wasm from now on; returns the old one. For tests. */
export function setJitWasmMinElements(n: number): number {
  const was = minElements;
  minElements = n;
  return was;
}

/** Turns the wasm loops on or off (compiled groups keep both versions); returns the old setting. */
export function setJitWasm(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}

/** Whether eligible groups currently run as wasm. */
export function jitWasmEnabled(): boolean {
  return enabled && hasSimd;
}

/**
 * The period of a smaller array walked along the loop: `lifted(j)` says that loop axis j
 * is broadcast (for an input) or summed over (for a reduction). The row-major walk over
 * `L` reads or accumulates element i mod M of the smaller array, M the product of the
 * kept extents, exactly when every lifted axis of extent > 1 comes before every kept
 * one; null otherwise.
 */
export function periodOf(L: readonly number[], lifted: (j: number) => boolean): number | null {
  let M = 1, kept = false;
  for (let j = 0; j < L.length; j++) {
    if (L[j] === 1) continue;
    if (!lifted(j)) kept = true, M *= L[j];
    else if (kept) return null;
  }
  return M;
}

/**
 * The run of a column along the loop: `lifted(j)` says that loop axis j is broadcast. The
 * row-major walk over `L` reads element ⌊i / K⌋ of the smaller array, K the product of the
 * lifted extents, exactly when every lifted axis of extent > 1 comes after every kept one
 * (a [M, 1] column across [M, K]: softmax's max and sum, a layer norm's mean); null
 * otherwise.
 */
export function innerOf(L: readonly number[], lifted: (j: number) => boolean): number | null {
  let K = 1, kept = false;
  for (let j = L.length - 1; j >= 0; j--) {
    if (L[j] === 1) continue;
    if (!lifted(j)) kept = true;
    else if (kept) return null;
    else K *= L[j];
  }
  return K;
}

/**
 * A group's work per element for the size thresholds, in cheap ops. An approximated
 * transcendental is worth SIMD at any size: it counts 10. Against the JS loop (`vsJs`) a
 * select or a comparison counts 5: the JS loop's `p ? t : f` and `x > y ? 1 : 0` are
 * branches, mispredicted on random data (ReLU's masks), ~5 ns per element (over 1M
 * uniform floats, Deno: a lone `greater` 5.1 ms as the JS loop, 0.4 ms in wasm; a lone
 * select 4.5–6.8 ms as the JS loop), so they go to wasm even with three arrays to copy;
 * and a sum 2 (the JS loop's `acc[k] += x`). Measured on a
 * loaded machine (load 6–7, so ±30%), [2048, 256], Deno: a bias + ReLU group 0.9–1.0 ms
 * wasm vs 4.2–6.4 ms JS, a lone select 0.8–1.4 vs 1.7–1.9 ms, a select + sum 1.1–1.2 vs
 * 1.6–1.8 ms.
 */
export function opWeight(eqns: readonly Eqn[], unit: Unit, vsJs: boolean): number {
  let ops = 0;
  for (const m of unit.members) {
    const p = eqns[m].prim;
    if (p === "broadcast") continue;
    ops += APPROXIMATE.has(p) || p === "log"
      ? 10
      : !vsJs
      ? 1
      : p === "select" || MASK_OPS.has(p)
      ? 5
      : p === "reduce_sum"
      ? 2
      : 1;
  }
  return ops;
}

/** What copying arrays in and out costs, in cheap ops per element: a bool array (1 byte) ¼. */
export function copyWeight(vars: readonly Var[]): number {
  return vars.reduce((n, v) => n + (v.aval.dtype === "bool" ? 0.25 : 1), 0);
}
