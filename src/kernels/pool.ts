/**
 * Window maxima over channels-last arrays x [N, …S, C] (d spatial axes): the kernels behind
 * the `max_pool` and `max_pool_argmax` primitives. A window of k_a cells per spatial axis
 * moves by s_a over the input padded with lo_a/hi_a cells of `pad` (the dtype's smallest
 * value, so padding never raises a maximum), giving [N, …OS, C] with
 * OS_a = ⌊(S_a + lo_a + hi_a − k_a) / s_a⌋ + 1.
 *
 * - `maxPoolValues`: y = the window's maximum; NaN if any cell is NaN, and +0 over −0 (as
 *   lax.max).
 * - `maxPoolArgmax`: the cell XLA's select_and_scatter_add picks with `ge`, which is what
 *   JAX's max-pool gradient sends the whole cotangent to: scanning the window in row-major
 *   order, the first cell is selected and a later cell v replaces the selection s unless
 *   s ≥ v. Without NaN that is the first maximum; a NaN never stays selected past a later
 *   cell, and a cell after a NaN always takes over. Written as p·C + c, with p the flat
 *   position of the cell in S, or p = ∏S for a padded cell (its gradient goes nowhere).
 *
 * Blocking: one output position at a time, its taps in window order, each tap a contiguous
 * run over the C channels (the innermost axis), so every read of x is sequential. Each
 * position's taps are tabulated once (flat positions in S, −1 for padding) and shared by every
 * image; the values kernel skips padded taps (the pad value never wins), the argmax kernel
 * replays them (a pad replaces a selected NaN).
 *
 * `maxPoolReference` is the plain definition, one output element at a time; the tests check
 * the kernels against it.
 */
import type { TypedArray } from "../core/_dtype.ts";

/** The window geometry over the d spatial axes. */
export interface PoolWindow {
  /** Window cells per axis, k_a ≥ 1. */
  readonly window: readonly number[];
  /** Steps between windows per axis, s_a ≥ 1. */
  readonly strides: readonly number[];
  /** Padded cells before each axis. */
  readonly lo: readonly number[];
  /** Padded cells after each axis. */
  readonly hi: readonly number[];
}

/** The output shape [N, …OS, C] of a window max over x of `shape` [N, …S, C]. */
export function poolOutShape(shape: readonly number[], g: PoolWindow): number[] {
  const d = g.window.length;
  const out = [shape[0]];
  for (let a = 0; a < d; a++) {
    out.push(Math.floor((shape[a + 1] + g.lo[a] + g.hi[a] - g.window[a]) / g.strides[a]) + 1);
  }
  out.push(shape[d + 1]);
  return out;
}

/** Per window tap (row-major), its offset along each axis; and the taps' count. */
function taps(window: readonly number[]): { count: number; at: Int32Array } {
  const d = window.length;
  const count = window.reduce((p, k) => p * k, 1);
  const at = new Int32Array(count * d);
  const k = new Array<number>(d).fill(0);
  for (let t = 0; t < count; t++) {
    for (let a = 0; a < d; a++) at[t * d + a] = k[a];
    for (let a = d - 1; a >= 0 && ++k[a] === window[a]; a--) k[a] = 0;
  }
  return { count, at };
}

/**
 * Each output position's taps (row-major within the window) as flat spatial positions in S,
 * −1 for a padded cell: [∏OS, ∏k], the same for every image.
 */
function windowTable(shape: readonly number[], g: PoolWindow): Int32Array {
  const d = g.window.length;
  const sizes = shape.slice(1, d + 1);
  const outs = poolOutShape(shape, g).slice(1, d + 1);
  const q0 = outs.reduce((p, v) => p * v, 1);
  const { count, at } = taps(g.window);
  const table = new Int32Array(q0 * count);
  const o = new Array<number>(d).fill(0);
  for (let q = 0; q < q0; q++) {
    for (let t = 0; t < count; t++) {
      let p = 0;
      for (let a = 0; a < d; a++) {
        const i = o[a] * g.strides[a] - g.lo[a] + at[t * d + a];
        if (i < 0 || i >= sizes[a]) {
          p = -1;
          break;
        }
        p = p * sizes[a] + i;
      }
      table[q * count + t] = p;
    }
    for (let a = d - 1; a >= 0 && ++o[a] === outs[a]; a--) o[a] = 0;
  }
  return table;
}

/**
 * What both max-pool kernels walk: N and C, the input's and the output's spatial sizes p0 and
 * q0 (products over …S and …OS), the cells per window, and the window table.
 */
function poolLayout(shape: readonly number[], g: PoolWindow) {
  const d = g.window.length;
  return {
    n: shape[0],
    c: shape[d + 1],
    p0: shape.slice(1, d + 1).reduce((p, v) => p * v, 1),
    q0: poolOutShape(shape, g).slice(1, d + 1).reduce((p, v) => p * v, 1),
    count: g.window.reduce((p, k) => p * k, 1),
    table: windowTable(shape, g),
  };
}

/** Writes each window's maximum of x [N, …S, C] into `out` [N, …OS, C] (NaN propagates). */
export function maxPoolValues(
  x: TypedArray,
  shape: readonly number[],
  g: PoolWindow,
  pad: number,
  out: TypedArray,
): void {
  const { n, c, p0, q0, count, table } = poolLayout(shape, g);
  for (let b = 0; b < n; b++) {
    const xb = b * p0 * c;
    for (let q = 0; q < q0; q++) {
      const y = (b * q0 + q) * c;
      out.fill(pad, y, y + c);
      for (let t = 0; t < count; t++) {
        const p = table[q * count + t];
        if (p < 0) continue; // a padded cell never raises the maximum
        const s = xb + p * c;
        // Math.max is lax.max: NaN wins, and +0 beats −0 in either order
        for (let k = 0; k < c; k++) out[y + k] = Math.max(out[y + k], x[s + k]);
      }
    }
  }
}

/**
 * Writes each window's selected cell (see the file header) of x [N, …S, C] into `out`
 * [N, …OS, C] as p·C + c, p = ∏S for a padded cell.
 */
export function maxPoolArgmax(
  x: TypedArray,
  shape: readonly number[],
  g: PoolWindow,
  pad: number,
  out: Int32Array,
): void {
  const { n, c, p0, q0, count, table } = poolLayout(shape, g);
  const best = new Float64Array(c);
  for (let b = 0; b < n; b++) {
    const xb = b * p0 * c;
    for (let q = 0; q < q0; q++) {
      const y = (b * q0 + q) * c;
      for (let t = 0; t < count; t++) {
        const p = table[q * count + t], at = (p < 0 ? p0 : p) * c;
        if (t === 0) {
          for (let k = 0; k < c; k++) {
            best[k] = p < 0 ? pad : x[xb + at + k];
            out[y + k] = at + k;
          }
        } else if (p < 0) {
          // the pad replaces only a NaN selection (s ≥ pad holds for every other s)
          for (let k = 0; k < c; k++) {
            if (!(best[k] >= pad)) {
              best[k] = pad;
              out[y + k] = at + k;
            }
          }
        } else {
          const s = xb + at;
          for (let k = 0; k < c; k++) {
            const v = x[s + k];
            if (!(best[k] >= v)) {
              best[k] = v;
              out[y + k] = at + k;
            }
          }
        }
      }
    }
  }
}

/**
 * The plain definition of both kernels, one output element at a time: [maxima, selections]
 * for x [N, …S, C]. For tests.
 */
export function maxPoolReference(
  x: ArrayLike<number>,
  shape: readonly number[],
  g: PoolWindow,
  pad: number,
): [number[], number[]] {
  const d = g.window.length, c = shape[d + 1];
  const sizes = shape.slice(1, d + 1), outShape = poolOutShape(shape, g);
  const p0 = sizes.reduce((p, v) => p * v, 1);
  const total = outShape.reduce((p, v) => p * v, 1);
  const values: number[] = [], selected: number[] = [];
  for (let e = 0; e < total; e++) {
    // unravel e over [N, …OS, C]
    const idx: number[] = [];
    for (let a = outShape.length - 1, r = e; a >= 0; a--) {
      idx[a] = r % outShape[a];
      r = Math.floor(r / outShape[a]);
    }
    const [b, ch] = [idx[0], idx[d + 1]];
    let max = pad, sel = NaN, selAt = -1;
    const k = new Array<number>(d).fill(0);
    for (let t = 0; t < g.window.reduce((p, w) => p * w, 1); t++) {
      let p = 0, inside = true;
      for (let a = 0; a < d; a++) {
        const i = idx[a + 1] * g.strides[a] - g.lo[a] + k[a];
        inside &&= i >= 0 && i < sizes[a];
        p = p * sizes[a] + i;
      }
      const v = inside ? x[(b * p0 + p) * c + ch] : pad;
      const at = (inside ? p : p0) * c + ch;
      max = Math.max(max, v);
      if (t === 0 || !(sel >= v)) [sel, selAt] = [v, at];
      for (let a = d - 1; a >= 0 && ++k[a] === g.window[a]; a--) k[a] = 0;
    }
    values.push(max);
    selected.push(selAt);
  }
  return [values, selected];
}
