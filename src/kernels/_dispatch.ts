/**
 * Chooses the matmul kernel for a dtype: the WebAssembly SIMD / blocked JS
 * kernels of `matmul.ts` for floats (large float32 products across threads,
 * `_parallel_matmul.ts`), a plain loop for int32.
 */
import type { TypedArray } from "../core/_dtype.ts";
import { matmulF32, matmulF64 } from "./matmul.ts";
import { getThreads, setThreads } from "./_parallel.ts";
import { matmulF32Parallel } from "./_parallel_matmul.ts";

/**
 * From this many multiply-adds up, float32 products are split across threads
 * (below it, waking a helper and copying costs more than it saves).
 */
const PARALLEL_MIN_WORK = 2 ** 21;

/**
 * Sets how many threads large float32 matmuls use, the calling thread
 * included; 1 keeps every product on the calling thread. The default is
 * `navigator.hardwareConcurrency` (at most 4), or `DIFFTRACE_THREADS` from the
 * environment where it can be read without a permission prompt.
 */
export function setMatmulThreads(n: number): void {
  setThreads(n);
}

/** Threads large float32 matmuls use (1 where threads or shared memory are unavailable). */
export function matmulThreads(): number {
  return getThreads();
}

/** C[m×n] = op(A)·op(B) at the given offsets; `out` is overwritten and must not overlap a or b. */
export function matmulInto(
  a: TypedArray,
  aOff: number,
  b: TypedArray,
  bOff: number,
  out: TypedArray,
  outOff: number,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
): void {
  if (a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array) {
    if (
      m * k * n >= PARALLEL_MIN_WORK &&
      matmulF32Parallel(a, aOff, b, bOff, out, outOff, m, k, n, transA, transB)
    ) return;
    return matmulF32(a, aOff, b, bOff, out, outOff, m, k, n, transA, transB);
  }
  if (a instanceof Float64Array && b instanceof Float64Array && out instanceof Float64Array) {
    return matmulF64(a, aOff, b, bOff, out, outOff, m, k, n, transA, transB);
  }
  // integer matmul: exact wrap-around products, as int32 arithmetic
  for (let i = 0; i < m; i++) {
    const row = outOff + i * n;
    for (let j = 0; j < n; j++) out[row + j] = 0;
    for (let p = 0; p < k; p++) {
      const av = a[aOff + (transA ? p * m + i : i * k + p)];
      for (let j = 0; j < n; j++) {
        out[row + j] = (out[row + j] + Math.imul(av, b[bOff + (transB ? j * k + p : p * n + j)])) |
          0;
      }
    }
  }
}
