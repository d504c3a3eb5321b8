/**
 * The one convolution every `nn.conv*` function reduces to: an N-D, channels-last
 * (NH…C input, H…IO kernel) cross-correlation with window strides, explicit
 * padding, input (lhs) dilation, kernel (rhs) dilation and feature groups, as
 * `jax.lax.conv_general_dilated` defines it:
 *
 *   out[n, y, g·Og + o] = Σ_{k, c} xd[n, y·s + k·rd − lo, g·Cg + c] · w[k, c, g·Og + o]
 *
 * where xd is x with ld − 1 zeros inserted between neighbours along each
 * spatial axis (lhs dilation), read as zero outside [0, (S − 1)·ld], and the
 * sums run over every kernel tap k and the Cg = C / G input channels of group g.
 *
 * It lowers to im2col as a single gather, composed of primitives so that its
 * gradients (and jit, vmap, the pool) come from the existing rules: the input's
 * pixels [N, ∏S, C] get one zero pixel appended, and `take` with a constant
 * index table picks, for every output position and kernel tap, the input pixel
 * under the tap — the zero pixel where the tap falls in the padding or between
 * dilated pixels — giving patches [N·∏OS, T·C]. One matmul with the kernel
 * reshaped to [T·C, O] finishes the job. With G groups the input is first made
 * group-major, [G, N, ∏S, Cg], so the same gather gives patches
 * [G, N·∏OS, T·Cg], and one batched matmul with [G, T·Cg, Og] does every group. The backward pass is the transpose of that: matmuls,
 * then one `scatter_add` (col2im) of the patch gradient.
 */
import { show } from "../core/_validate.ts";
import type { NDArray } from "../core/_ndarray.ts";
import { fmtShape } from "../core/_shape.ts";
import * as np from "../numpy/numpy.ts";

/** Padding of a convolution: "SAME", "VALID", or one [low, high] pair per spatial axis. */
export type ConvPadding = "SAME" | "VALID" | readonly (readonly [number, number])[];

/** The resolved geometry of one spatial axis. */
export interface AxisGeometry {
  /** Input size S. */
  size: number;
  /** Kernel size K. */
  kernel: number;
  /** Window stride. */
  stride: number;
  /** Zeros (or cut cells, when negative) before the dilated input. */
  lo: number;
  /** Zeros (or cut cells, when negative) after it. */
  hi: number;
  /** Input (lhs) dilation. */
  lhsDilation: number;
  /** Kernel (rhs) dilation. */
  rhsDilation: number;
  /** Output size. */
  out: number;
}

/** A positive integer, or one per spatial axis (TypeError/RangeError otherwise). */
export function perAxis(
  op: string,
  what: string,
  x: unknown,
  d: number,
  fallback: number,
): number[] {
  if (x === undefined) return new Array(d).fill(fallback);
  const bad = (why: string): never => {
    throw new TypeError(
      `${op}: ${what} must be a positive integer or ${d} of them (one per spatial axis), ` +
        `got ${show(x)}${why}.`,
    );
  };
  const xs = typeof x === "number" ? new Array(d).fill(x) : Array.isArray(x) ? x : bad("");
  if (xs.length !== d) bad(` (${xs.length} values for ${d} spatial axes)`);
  for (const v of xs) {
    if (typeof v !== "number" || !Number.isInteger(v)) bad("");
    if (v < 1) throw new RangeError(`${op}: ${what} must be at least 1, got ${show(x)}.`);
  }
  return xs;
}

/** Checks a padding spec: "SAME", "VALID", or d pairs of integers (negative ones crop). */
export function checkPadding(op: string, p: unknown, d: number, allowNegative = true): ConvPadding {
  if (p === "SAME" || p === "VALID") return p;
  const pairs = d === 1 && Array.isArray(p) && p.length === 2 && typeof p[0] === "number" ? [p] : p;
  const ok = Array.isArray(pairs) && pairs.length === d &&
    pairs.every((q) =>
      Array.isArray(q) && q.length === 2 &&
      q.every((v) => Number.isInteger(v) && (allowNegative || v >= 0))
    );
  if (!ok) {
    const shape = d === 1 ? "[low, high]" : `${d} pairs [[low, high], …] (one per spatial axis)`;
    throw new TypeError(
      `${op}: padding must be "SAME", "VALID" or ${shape} of ` +
        `${allowNegative ? "" : "non-negative "}integers, got ${show(p)}.`,
    );
  }
  return pairs as ConvPadding;
}

/**
 * Resolves every spatial axis: "SAME" gives ceil(S / stride) outputs with the
 * extra padding on the high side (JAX's rule, using the dilated kernel size
 * (K − 1)·rd + 1); the output size is ⌊(dilated padded input − dilated kernel) / stride⌋ + 1.
 * A kernel larger than the padded input is a TypeError.
 */
export function convGeometry(
  op: string,
  spatial: readonly number[],
  kernel: readonly number[],
  strides: readonly number[],
  padding: ConvPadding,
  lhsDilation: readonly number[],
  rhsDilation: readonly number[],
): AxisGeometry[] {
  if (typeof padding === "string" && lhsDilation.some((v) => v !== 1)) {
    throw new TypeError(
      `${op}: "${padding}" padding is not defined with lhsDilation ${show(lhsDilation)}; ` +
        `pass explicit [low, high] pairs, or use a transposed convolution.`,
    );
  }
  return spatial.map((size, a) => {
    const k = kernel[a], s = strides[a], ld = lhsDilation[a], rd = rhsDilation[a];
    const ke = (k - 1) * rd + 1;
    let lo: number, hi: number;
    if (padding === "VALID") [lo, hi] = [0, 0];
    else if (padding === "SAME") {
      const total = Math.max((Math.ceil(size / s) - 1) * s + ke - size, 0);
      [lo, hi] = [Math.floor(total / 2), total - Math.floor(total / 2)];
    } else [lo, hi] = padding[a];
    const padded = (size - 1) * ld + 1 + lo + hi;
    if (size < 1 || padded < ke) {
      throw new TypeError(
        `${op}: along spatial axis ${a} the ${
          rd > 1 ? `dilated kernel (size ${k}, dilation ${rd}: ${ke})` : `kernel (size ${k})`
        } is larger than the padded input (size ${size}${ld > 1 ? `, dilated ×${ld}` : ""}, ` +
          `padding [${lo}, ${hi}]: ${padded}); use a smaller kernel or more padding.`,
      );
    }
    return {
      size,
      kernel: k,
      stride: s,
      lo,
      hi,
      lhsDilation: ld,
      rhsDilation: rd,
      out: Math.floor((padded - ke) / s) + 1,
    };
  });
}

const tableCache = new Map<string, NDArray>();

/**
 * The gather table: for each output position and kernel tap (row-major, in that
 * order) the flat index of the input pixel under the tap, or ∏S (the appended
 * zero pixel) where the tap falls in the padding or between dilated pixels.
 * Along one axis, output y and tap k read dilated position p = y·s + k·rd − lo,
 * which is input pixel p / ld when ld divides p and 0 ≤ p / ld < S. Cached per geometry.
 */
function gatherTable(geo: readonly AxisGeometry[]): NDArray {
  const key = geo.map((g) => Object.values(g).join(",")).join(";");
  const hit = tableCache.get(key);
  if (hit) return hit;
  const d = geo.length;
  // per axis: src[a][y·K + k] = the input index along axis a, or -1 for a zero
  const src = geo.map((g) => {
    const t = new Int32Array(g.out * g.kernel);
    for (let y = 0; y < g.out; y++) {
      for (let k = 0; k < g.kernel; k++) {
        const p = y * g.stride + k * g.rhsDilation - g.lo;
        const i = p / g.lhsDilation;
        t[y * g.kernel + k] = p >= 0 && Number.isInteger(i) && i < g.size ? i : -1;
      }
    }
    return t;
  });
  const pixels = geo.reduce((n, g) => n * g.size, 1);
  const outs = geo.map((g) => g.out), taps = geo.map((g) => g.kernel);
  const count = outs.reduce((n, o) => n * o, 1) * taps.reduce((n, k) => n * k, 1);
  const table = new Int32Array(count);
  const y = new Array(d).fill(0), k = new Array(d).fill(0);
  for (let t = 0; t < count; t++) {
    let flat = 0;
    for (let a = 0; a < d; a++) {
      const i = src[a][y[a] * geo[a].kernel + k[a]];
      if (i < 0) {
        flat = pixels;
        break;
      }
      flat = flat * geo[a].size + i;
    }
    table[t] = flat;
    // odometer over (y_0 … y_{d−1}, k_0 … k_{d−1}), last digit fastest
    for (let a = 2 * d - 1; a >= 0; a--) {
      const [digits, j, n] = a >= d ? [k, a - d, taps[a - d]] : [y, a, outs[a]];
      if (++digits[j] < n) break;
      digits[j] = 0;
    }
  }
  const idx = np.array(table, { shape: [count] });
  if (tableCache.size > 64) tableCache.clear();
  tableCache.set(key, idx);
  return idx;
}

/**
 * The channels-last convolution of x [N, …S, C] with w […K, C / G, O] over
 * the resolved geometry, in G feature groups. Shapes are checked by the callers.
 */
export function convChannelsLast(
  x: NDArray,
  w: NDArray,
  geo: readonly AxisGeometry[],
  groups: number,
): NDArray {
  const n = x.shape[0], c = x.shape[x.ndim - 1], o = w.shape[w.ndim - 1];
  const pixels = geo.reduce((p, g) => p * g.size, 1);
  const positions = geo.reduce((p, g) => p * g.out, 1);
  const taps = geo.reduce((p, g) => p * g.kernel, 1);
  const outShape = [n, ...geo.map((g) => g.out), o];
  const identity = geo.every((g) =>
    g.kernel === 1 && g.stride === 1 && g.lhsDilation === 1 && g.lo === 0 && g.hi === 0
  );
  const cg = c / groups, og = o / groups;
  // the input group-major, [G, N, ∏S, Cg] (a transpose of the input, T times smaller than
  // one of the patches), so the gather below yields each group's patches contiguously
  const grouped = groups === 1
    ? np.reshape(x, [1, n, pixels, c])
    : np.transpose(np.reshape(x, [n, pixels, groups, cg]), [2, 0, 1, 3]);
  let patches: NDArray; // [G, N·∏OS, T·Cg]
  if (identity) patches = np.reshape(grouped, [groups, n * pixels, cg]);
  else {
    // gather along axis 1 of [G·N, ∏S + 1, Cg] (a 3-D scatter_add backward is the fast one)
    const flat = np.concatenate(
      [
        np.reshape(grouped, [groups * n, pixels, cg]),
        np.zeros([groups * n, 1, cg], { dtype: x.dtype }),
      ],
      1,
    );
    patches = np.reshape(np.take(flat, gatherTable(geo), 1), [groups, n * positions, taps * cg]);
  }
  if (groups === 1) {
    const out = np.matmul(
      np.reshape(patches, [n * positions, taps * c]),
      np.reshape(w, [taps * c, o]),
    );
    return np.reshape(out, outShape);
  }
  // kernel [T, Cg, G, Og] → [G, T·Cg, Og]; one batched matmul does every group
  const wg = np.reshape(
    np.transpose(np.reshape(w, [taps, cg, groups, og]), [2, 0, 1, 3]),
    [groups, taps * cg, og],
  );
  const out = np.matmul(patches, wg); // [G, N·∏OS, Og]
  return np.reshape(np.transpose(out, [1, 0, 2]), outShape);
}

/** Checks an input/kernel pair of a d-D channels-last conv with `groups` (layout names the spatial axes, "H, W"). */
export function checkConvShapes(
  op: string,
  x: NDArray,
  w: NDArray,
  d: number,
  groups: number,
  layout: string,
): void {
  const lhs = `[N, ${layout}, C]`, rhs = `[${layout.replace(/(\w)/g, "K$1")}, C / groups, O]`;
  if (x.ndim !== d + 2 || w.ndim !== d + 2) {
    throw new TypeError(
      `${op}: expected input ${lhs} and kernel ${rhs} (rank ${d + 2}), got ` +
        `${fmtShape(x.shape)} and ${fmtShape(w.shape)}` +
        `${x.ndim === d + 1 ? "; add a batch axis with x.reshape([1, ...x.shape])" : ""}.`,
    );
  }
  const c = x.shape[d + 1], ci = w.shape[d], o = w.shape[d + 1];
  if (c % groups !== 0 || o % groups !== 0) {
    throw new TypeError(
      `${op}: with ${groups} groups the input channels (${c}) and output channels (${o}) must ` +
        `both be divisible by ${groups}; input ${fmtShape(x.shape)}, kernel ${fmtShape(w.shape)}.`,
    );
  }
  if (ci * groups !== c) {
    const want = groups === 1 ? `C = ${c}` : `C / groups = ${c} / ${groups} = ${c / groups}`;
    throw new TypeError(
      `${op}: the kernel's input-channel axis must be ${want}, got ${ci}; input ` +
        `${fmtShape(x.shape)}, kernel ${fmtShape(w.shape)} (kernel layout ${rhs}).`,
    );
  }
}
