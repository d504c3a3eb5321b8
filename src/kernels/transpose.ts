/**
 * Axis permutation (transpose) of a contiguous row-major array, cache-blocked.
 *
 * A permutation is first simplified: size-1 axes are dropped and runs of axes
 * that stay adjacent and in order are merged. Most transposes then become a
 * batch of 2-D transposes, out[b, j, i] = src[b, i, j], which run tile by tile
 * (TILE×TILE elements, so both the rows read and the rows written stay in L1);
 * the rest fall back to the caller's strided copy.
 *
 * @module
 */
import type { TypedArray } from "../core/_dtype.ts";

/** Side of the square tiles of the blocked 2-D transpose. */
const TILE = 32;

/**
 * out = transpose(src, perm) by index arithmetic, one element at a time:
 * out[i_perm[0], ..., i_perm[r-1]] = src[i0, ..., i(r-1)]. The definition the
 * blocked kernel is tested against.
 */
export function transposeReference(
  src: ArrayLike<number>,
  shape: readonly number[],
  perm: readonly number[],
  out: TypedArray,
): void {
  const r = shape.length;
  const outShape = perm.map((p) => shape[p]);
  const strides = new Array<number>(r);
  for (let k = r - 1, s = 1; k >= 0; k--) strides[k] = s, s *= shape[k];
  const n = out.length;
  const idx = new Array<number>(r).fill(0);
  for (let o = 0; o < n; o++) {
    let s = 0;
    for (let k = 0; k < r; k++) s += idx[k] * strides[perm[k]];
    out[o] = src[s];
    for (let k = r - 1; k >= 0; k--) {
      if (++idx[k] < outShape[k]) break;
      idx[k] = 0;
    }
  }
}

/**
 * Simplifies (shape, perm): drops size-1 axes and merges axes that are
 * adjacent in both the input and the output. Returns the merged input dims and
 * the permutation over them.
 */
export function simplifyPermutation(
  shape: readonly number[],
  perm: readonly number[],
): { dims: number[]; perm: number[] } {
  const kept = perm.filter((p) => shape[p] !== 1);
  // rank of each kept axis among the kept input axes
  const pos = new Map<number, number>();
  shape.forEach((d, k) => d !== 1 && pos.set(k, pos.size));
  // groups of input axes, in output order, each a run of neighbouring kept axes
  const groups: number[][] = [];
  for (const p of kept) {
    const g = groups[groups.length - 1];
    if (g && pos.get(g[g.length - 1])! + 1 === pos.get(p)) g.push(p);
    else groups.push([p]);
  }
  const order = groups.map((g, i) => [g[0], i]).sort((a, b) => a[0] - b[0]);
  const dims = order.map(([, gi]) => groups[gi].reduce((s, p) => s * shape[p], 1));
  const rank = new Array<number>(groups.length);
  order.forEach(([, gi], k) => (rank[gi] = k));
  return { dims, perm: rank };
}

/** out[j·rows + i] = src[i·cols + j] for one rows×cols float32 matrix, tile by tile. */
export function transpose2dF32(
  src: Float32Array,
  srcOff: number,
  rows: number,
  cols: number,
  out: Float32Array,
  outOff: number,
): void {
  for (let i0 = 0; i0 < rows; i0 += TILE) {
    const i1 = Math.min(i0 + TILE, rows);
    for (let j0 = 0; j0 < cols; j0 += TILE) {
      const j1 = Math.min(j0 + TILE, cols);
      for (let j = j0; j < j1; j++) {
        const o = outOff + j * rows;
        let s = srcOff + i0 * cols + j;
        for (let i = i0; i < i1; i++, s += cols) out[o + i] = src[s];
      }
    }
  }
}

/** {@link transpose2dF32} for any typed array (kept separate so the float32 path stays monomorphic). */
export function transpose2d(
  src: TypedArray,
  srcOff: number,
  rows: number,
  cols: number,
  out: TypedArray,
  outOff: number,
): void {
  for (let i0 = 0; i0 < rows; i0 += TILE) {
    const i1 = Math.min(i0 + TILE, rows);
    for (let j0 = 0; j0 < cols; j0 += TILE) {
      const j1 = Math.min(j0 + TILE, cols);
      for (let j = j0; j < j1; j++) {
        const o = outOff + j * rows;
        let s = srcOff + i0 * cols + j;
        for (let i = i0; i < i1; i++, s += cols) out[o + i] = src[s];
      }
    }
  }
}

/**
 * transpose(src, perm) into a fresh array from `alloc` (same dtype and size)
 * when the permutation simplifies to a copy, [1, 0] or [0, 2, 1] (a batch of
 * 2-D transposes); null, allocating nothing, for any other permutation.
 */
export function transposeInto<T extends TypedArray>(
  src: TypedArray,
  shape: readonly number[],
  perm: readonly number[],
  alloc: () => T,
): T | null {
  const s = simplifyPermutation(shape, perm);
  const p = s.perm, d = s.dims;
  let batch = 1, rows: number, cols: number;
  if (p.length <= 1) {
    const out = alloc();
    out.set(src.subarray(0, out.length));
    return out;
  } else if (p.length === 2 && p[0] === 1) {
    rows = d[0], cols = d[1];
  } else if (p.length === 3 && p[0] === 0 && p[1] === 2 && p[2] === 1) {
    batch = d[0], rows = d[1], cols = d[2];
  } else return null;
  const out = alloc();
  const m = rows * cols;
  const f32 = src instanceof Float32Array && out instanceof Float32Array;
  for (let b = 0; b < batch; b++) {
    if (f32) transpose2dF32(src, b * m, rows, cols, out, b * m);
    else transpose2d(src, b * m, rows, cols, out, b * m);
  }
  return out;
}
