/**
 * Chooses the matmul kernel for a dtype: the WebAssembly SIMD / blocked JS
 * kernels of `matmul.ts` for floats, a plain loop for int32.
 */
import type { TypedArray } from "../_dtype.ts";
import { matmulF32, matmulF64 } from "./matmul.ts";

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
