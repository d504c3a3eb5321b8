/**
 * Chooses the matmul kernel for a dtype. The fast kernels live in
 * `matmul.ts`; until they are present this is a plain i-k-j loop.
 */
import type { TypedArray } from "../_dtype.ts";

/** C[m×n] = op(A)·op(B) at the given offsets; `out` is overwritten. */
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
  for (let i = 0; i < m; i++) {
    const row = outOff + i * n;
    for (let j = 0; j < n; j++) out[row + j] = 0;
    for (let p = 0; p < k; p++) {
      const av = a[aOff + (transA ? p * m + i : i * k + p)];
      for (let j = 0; j < n; j++) out[row + j] += av * b[bOff + (transB ? j * k + p : p * n + j)];
    }
  }
}
