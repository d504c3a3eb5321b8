/** Argument checks shared by the matmul kernels (`matmul.ts`, `_gemm_wasm.ts`). */

/** Throws a RangeError unless sizes and offsets are non-negative integers and the product fits the arrays. */
export function checkArgs(
  aLen: number,
  aOff: number,
  bLen: number,
  bOff: number,
  outLen: number,
  outOff: number,
  m: number,
  k: number,
  n: number,
): void {
  for (const v of [aOff, bOff, outOff, m, k, n]) {
    if (!Number.isInteger(v) || v < 0) {
      throw new RangeError(`matmul: sizes and offsets must be non-negative integers, got ${v}`);
    }
  }
  if (aOff + m * k > aLen || bOff + k * n > bLen || outOff + m * n > outLen) {
    throw new RangeError(
      `matmul: [${m}×${k}]·[${k}×${n}] does not fit the given arrays and offsets`,
    );
  }
}
