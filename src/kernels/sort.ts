/**
 * The stable sorting order of one lane of an array, as `argsort` defines it (JAX's):
 * ascending, NaN after every number; descending, NaN before every number; −0 and +0
 * equal; equal elements in index order either way.
 *
 * Each element becomes an unsigned key whose numeric order is that order:
 *
 * - 32-bit keys (every dtype but float64): a float's bits with the sign bit flipped when it
 *   is clear and every bit flipped when it is set (so −x sorts below +y and −2 below −1),
 *   −0 read as +0 and every NaN as 0xFFFFFFFF; a signed integer with its sign bit flipped;
 *   an unsigned one as it is. The key and the index are packed into one uint64 (key in the
 *   high half) and the lane sorts with the engine's native numeric sort of a
 *   BigUint64Array: ties fall to the index, which is what makes the order stable.
 * - float64: the same transform on 64 bits, then a least-significant-digit radix sort of
 *   the indices by eight 8-bit digits (stable by construction), skipping digits that every
 *   key shares.
 *
 * Descending flips every key bit, which turns NaN's largest key into the smallest.
 *
 * @module
 */
import type { TypedArray } from "../core/_dtype.ts";

/** Whether a uint64's low 32 bits come first in memory (every platform difftrace runs on). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

const f32 = new Float32Array(1), f32Bits = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1), f64Bits = new Uint32Array(f64.buffer);

/** Sorts one lane (see {@link argsortLane}). */
type LaneSort = (
  data: TypedArray,
  base: number,
  n: number,
  stride: number,
  descending: boolean,
  out: Int32Array,
) => void;

/** How a lane's elements become keys: from float32 bits, float64 bits, or signed/unsigned ints. */
export type SortKind = "float32" | "float64" | "signed" | "unsigned";

/** The key kind of an array's storage. */
export function sortKindOf(data: TypedArray): SortKind {
  if (data instanceof Float64Array) return "float64";
  if (data instanceof Float32Array) return "float32";
  return data instanceof Int32Array || data instanceof Int16Array || data instanceof Int8Array
    ? "signed"
    : "unsigned";
}

/** The ascending 32-bit key of v (see the module comment). */
function key32(v: number, kind: SortKind): number {
  if (kind === "signed") return (v ^ 0x80000000) >>> 0;
  if (kind === "unsigned") return v >>> 0;
  if (v !== v) return 0xffffffff;
  if (v === 0) return 0x80000000;
  f32[0] = v;
  const b = f32Bits[0];
  return b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
}

/**
 * Writes the sorting order of the `n` elements `data[base + i·stride]` into
 * `out[base + j·stride]` (j-th smallest, or largest when `descending`).
 */
export function argsortLane(
  data: TypedArray,
  kind: SortKind,
  base: number,
  n: number,
  stride: number,
  descending: boolean,
  out: Int32Array,
): void {
  if (n === 0) return;
  if (kind === "float64") return radixFloat64(data, base, n, stride, descending, out);
  if (!LITTLE_ENDIAN) return comparatorSort(data, base, n, stride, descending, out);
  const flip = descending ? 0xffffffff : 0;
  const packed = new BigUint64Array(n), halves = new Uint32Array(packed.buffer);
  for (let i = 0; i < n; i++) {
    halves[2 * i] = i;
    halves[2 * i + 1] = key32(data[base + i * stride], kind) ^ flip;
  }
  packed.sort();
  for (let j = 0; j < n; j++) out[base + j * stride] = halves[2 * j];
}

/** float64: LSD radix sort of the indices by the 64-bit keys' bytes. */
const radixFloat64: LaneSort = (data, base, n, stride, descending, out) => {
  const hi = new Uint32Array(n), lo = new Uint32Array(n);
  const flip = descending ? 0xffffffff : 0;
  for (let i = 0; i < n; i++) {
    const v = data[base + i * stride];
    let h: number, l: number;
    if (v !== v) h = 0xffffffff, l = 0xffffffff;
    else if (v === 0) h = 0x80000000, l = 0;
    else {
      f64[0] = v;
      // little-endian: word 1 holds the sign, the exponent and the high mantissa bits
      l = f64Bits[LITTLE_ENDIAN ? 0 : 1], h = f64Bits[LITTLE_ENDIAN ? 1 : 0];
      if (h & 0x80000000) h = ~h, l = ~l;
      else h |= 0x80000000;
    }
    hi[i] = (h ^ flip) >>> 0, lo[i] = (l ^ flip) >>> 0;
  }
  let order = new Int32Array(n), next = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const count = new Int32Array(256);
  for (let d = 0; d < 8; d++) {
    const words = d < 4 ? lo : hi, shift = (d % 4) * 8;
    count.fill(0);
    for (let i = 0; i < n; i++) count[(words[i] >>> shift) & 255]++;
    if (count[(words[0] >>> shift) & 255] === n) continue; // every key shares this digit
    for (let b = 0, s = 0; b < 256; b++) {
      const c = count[b];
      count[b] = s;
      s += c;
    }
    for (let j = 0; j < n; j++) {
      const i = order[j];
      next[count[(words[i] >>> shift) & 255]++] = i;
    }
    [order, next] = [next, order];
  }
  for (let j = 0; j < n; j++) out[base + j * stride] = order[j];
};

/** The plain stable sort, for a big-endian engine (none known): keys compared as numbers. */
const comparatorSort: LaneSort = (data, base, n, stride, descending, out) => {
  const kind = sortKindOf(data);
  const keys = Array.from({ length: n }, (_, i) => key32(data[base + i * stride], kind));
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((i, j) => (descending ? keys[j] - keys[i] : keys[i] - keys[j]) || i - j);
  for (let j = 0; j < n; j++) out[base + j * stride] = order[j];
};

/**
 * Binary search of each `v[j]` in `a` (`searchsorted`'s concrete path): `out[j]` is the first
 * i in [0, n] at which `a[i]` is not "before" `v[j]`, where before is a < v ("left") or
 * a ≤ v ("right") in the total order that puts NaN after +∞. The search halves [lo, hi)
 * from [0, n) until it is empty, so it makes the same ⌊log2 n⌋ + 1 decisions as the traced
 * version in numpy/_stats.ts (its reference, which it is tested against), also where `a`
 * is not sorted.
 */
export function searchSorted(
  a: ArrayLike<number>,
  v: ArrayLike<number>,
  right: boolean,
  out: Int32Array,
): Int32Array {
  const n = a.length;
  for (let j = 0; j < v.length; j++) {
    const x = v[j];
    const xNaN = x !== x;
    let lo = 0, hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const y = a[mid];
      // y before x: y < x (left) or y ≤ x (right); a NaN x comes after every number
      // (and, for "right", after NaN too)
      const before = right ? y <= x || xNaN : y < x || (xNaN && y === y);
      if (before) lo = mid + 1;
      else hi = mid;
    }
    out[j] = lo;
  }
  return out;
}
