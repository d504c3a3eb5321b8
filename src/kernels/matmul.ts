/**
 * Matrix-multiply kernels: C[m×n] = op(A)·op(B).
 *
 * float32 runs in a WebAssembly SIMD kernel that this file assembles at load
 * time (see `_wasm.ts`); float64, and float32 on engines without SIMD, run in
 * cache-blocked plain JS.
 *
 * The float32 SIMD kernel itself (its blocking scheme, packing and code generation) is in
 * `_gemm_wasm.ts`; the two-thread split of large products is in `_parallel_matmul.ts`.
 *
 * @module
 */

import { checkArgs } from "./_matmul_check.ts";
import { createWasmMatmulF32, defaultGemmConfig, type MatmulF32Fn } from "./_gemm_wasm.ts";

export { createWasmMatmulF32, defaultGemmConfig, gemmModuleBytes } from "./_gemm_wasm.ts";
export type { GemmConfig, GemmExports, MatmulF32Fn, PackFn } from "./_gemm_wasm.ts";

// ---------------------------------------------------------------------------
// Reference
// ---------------------------------------------------------------------------

/**
 * C[m×n] = op(A)·op(B) by the textbook triple loop, accumulating in a JS
 * number (float64). This is the definition the fast kernels are tested
 * against. A is stored [m×k] (or [k×m] when `transA`), B is [k×n] (or [n×k]
 * when `transB`), all row-major and contiguous from the given offsets.
 */
export function matmulReference(
  a: ArrayLike<number>,
  aOff: number,
  b: ArrayLike<number>,
  bOff: number,
  out: Float32Array | Float64Array,
  outOff: number,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const av = transA ? a[aOff + p * m + i] : a[aOff + i * k + p];
        const bv = transB ? b[bOff + j * k + p] : b[bOff + p * n + j];
        s += av * bv;
      }
      out[outOff + i * n + j] = s;
    }
  }
}

// ---------------------------------------------------------------------------
// Plain JS, cache-blocked (float64 always; float32 without SIMD)
// ---------------------------------------------------------------------------

/** Column block (elements of a C row kept hot) and depth block of the JS kernels. */
const JS_NB = 256;
const JS_KB = 128;

/**
 * The two JS kernels below are the same code over Float64Array and
 * Float32Array. They are written out twice on purpose: one function body
 * seeing both array types would turn its element accesses polymorphic and
 * slow in the JIT.
 *
 * Loop order is blocked i-k-j: for a block of columns and a block of depth,
 * each row of C is updated from 4 rows of B at a time (one load/store of C
 * per 4 multiply-adds). B must be [k×n] row-major, so a transposed B is first
 * copied into that layout; A is read through strides.
 */
export function matmulF64(
  a: Float64Array,
  aOff: number,
  b: Float64Array,
  bOff: number,
  out: Float64Array,
  outOff: number,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
): void {
  checkArgs(a.length, aOff, b.length, bOff, out.length, outOff, m, k, n);
  out.fill(0, outOff, outOff + m * n);
  if (k === 0 || m === 0 || n === 0) return;
  let bb = b;
  let bo = bOff;
  if (transB) {
    bb = new Float64Array(k * n);
    bo = 0;
    for (let j = 0; j < n; j++) {
      const src = bOff + j * k;
      for (let p = 0; p < k; p++) bb[p * n + j] = b[src + p];
    }
  }
  const si = transA ? 1 : k; // stride of A(i, p) along i
  const sp = transA ? m : 1; // ... and along p
  for (let j0 = 0; j0 < n; j0 += JS_NB) {
    const j1 = Math.min(j0 + JS_NB, n);
    for (let p0 = 0; p0 < k; p0 += JS_KB) {
      const p1 = Math.min(p0 + JS_KB, k);
      for (let i = 0; i < m; i++) {
        const aRow = aOff + i * si;
        const cRow = outOff + i * n;
        let p = p0;
        for (; p + 3 < p1; p += 4) {
          const a0 = a[aRow + p * sp];
          const a1 = a[aRow + (p + 1) * sp];
          const a2 = a[aRow + (p + 2) * sp];
          const a3 = a[aRow + (p + 3) * sp];
          const r0 = bo + p * n;
          const r1 = r0 + n;
          const r2 = r1 + n;
          const r3 = r2 + n;
          for (let j = j0; j < j1; j++) {
            out[cRow + j] += a0 * bb[r0 + j] + a1 * bb[r1 + j] + a2 * bb[r2 + j] + a3 * bb[r3 + j];
          }
        }
        for (; p < p1; p++) {
          const a0 = a[aRow + p * sp];
          const r0 = bo + p * n;
          for (let j = j0; j < j1; j++) out[cRow + j] += a0 * bb[r0 + j];
        }
      }
    }
  }
}

/** float32 in plain JS; same scheme as {@link matmulF64}. Internal: the no-SIMD fallback. */
export function matmulF32Js(
  a: Float32Array,
  aOff: number,
  b: Float32Array,
  bOff: number,
  out: Float32Array,
  outOff: number,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
): void {
  checkArgs(a.length, aOff, b.length, bOff, out.length, outOff, m, k, n);
  out.fill(0, outOff, outOff + m * n);
  if (k === 0 || m === 0 || n === 0) return;
  let bb = b;
  let bo = bOff;
  if (transB) {
    bb = new Float32Array(k * n);
    bo = 0;
    for (let j = 0; j < n; j++) {
      const src = bOff + j * k;
      for (let p = 0; p < k; p++) bb[p * n + j] = b[src + p];
    }
  }
  const si = transA ? 1 : k;
  const sp = transA ? m : 1;
  for (let j0 = 0; j0 < n; j0 += JS_NB) {
    const j1 = Math.min(j0 + JS_NB, n);
    for (let p0 = 0; p0 < k; p0 += JS_KB) {
      const p1 = Math.min(p0 + JS_KB, k);
      for (let i = 0; i < m; i++) {
        const aRow = aOff + i * si;
        const cRow = outOff + i * n;
        let p = p0;
        for (; p + 3 < p1; p += 4) {
          const a0 = a[aRow + p * sp];
          const a1 = a[aRow + (p + 1) * sp];
          const a2 = a[aRow + (p + 2) * sp];
          const a3 = a[aRow + (p + 3) * sp];
          const r0 = bo + p * n;
          const r1 = r0 + n;
          const r2 = r1 + n;
          const r3 = r2 + n;
          for (let j = j0; j < j1; j++) {
            out[cRow + j] += a0 * bb[r0 + j] + a1 * bb[r1 + j] + a2 * bb[r2 + j] + a3 * bb[r3 + j];
          }
        }
        for (; p < p1; p++) {
          const a0 = a[aRow + p * sp];
          const r0 = bo + p * n;
          for (let j = j0; j < j1; j++) out[cRow + j] += a0 * bb[r0 + j];
        }
      }
    }
  }
}

/** The wasm path, or null where the engine has no SIMD. Internal; exported for tests. */
export const matmulF32Wasm: MatmulF32Fn | null = createWasmMatmulF32(defaultGemmConfig);

/** Which path {@link matmulF32} uses on this engine. */
export const matmulBackend: "wasm-relaxed-simd" | "wasm-simd" | "js" = matmulF32Wasm === null
  ? "js"
  : defaultGemmConfig.relaxed
  ? "wasm-relaxed-simd"
  : "wasm-simd";

/** Below this many multiply-adds the packing and copying overheads outweigh SIMD. */
const WASM_MIN_WORK = 512;

/**
 * C[m×n] = op(A)·op(B) in float32, op = transpose when the flag is set. A is
 * stored as [m×k] (or [k×m] if transA), B as [k×n] (or [n×k] if transB), all
 * row-major contiguous, starting at the given offsets. out is fully
 * overwritten; it must not overlap a or b.
 *
 * Uses the WebAssembly SIMD kernel (see {@link matmulBackend}) from 512
 * multiply-adds up and the JS kernel below that, where the copies into wasm
 * memory would cost more than they save. With relaxed SIMD the engine may or
 * may not fuse each multiply-add, so the last bits can differ between
 * engines (not between runs).
 */
export function matmulF32(
  a: Float32Array,
  aOff: number,
  b: Float32Array,
  bOff: number,
  out: Float32Array,
  outOff: number,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
): void {
  if (matmulF32Wasm !== null && m * k * n >= WASM_MIN_WORK) {
    matmulF32Wasm(a, aOff, b, bOff, out, outOff, m, k, n, transA, transB);
  } else {
    matmulF32Js(a, aOff, b, bOff, out, outOff, m, k, n, transA, transB);
  }
}
