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
 * [G, N·∏OS, T·Cg], and one batched matmul with [G, T·Cg, Og] does every group.
 * With lhs dilation most taps read inserted zeros; the outputs are split into
 * phases that each gather and multiply only their live taps (see `gatherPlan`).
 * The backward pass is the transpose of that: matmuls, then one `scatter_add`
 * (col2im) of the patch gradient.
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

/**
 * One im2col gather: for the output positions ∏ ys[a] and kernel taps ∏ ks[a] it
 * covers (row-major, positions major), the flat input pixel under each tap, or ∏S
 * (the appended zero pixel) in the padding or between dilated pixels; `positions` and
 * `taps` are the flat output and kernel indices of its rows and columns.
 */
interface GatherPart {
  table: NDArray;
  positions: number[];
  taps: number[];
}

/** The gathers of one geometry, and the permutation from their concatenated rows to row-major output. */
interface GatherPlan {
  parts: GatherPart[];
  order: NDArray | null;
}

const planCache = new Map<string, GatherPlan>();

/** Row-major flat indices of the Cartesian product of per-axis index lists in axes of sizes `dims`. */
function product(lists: readonly number[][], dims: readonly number[]): number[] {
  let flat = [0];
  lists.forEach((list, a) => {
    flat = flat.flatMap((f) => list.map((i) => f * dims[a] + i));
  });
  return flat;
}

/**
 * The gather table of output positions ys and kernel taps ks per axis. Along one axis,
 * output y and tap k read dilated position p = y·s + k·rd − lo, which is input pixel
 * p / ld when ld divides p and 0 ≤ p / ld < S.
 */
function gatherPart(
  geo: readonly AxisGeometry[],
  ys: readonly number[][],
  ks: readonly number[][],
): GatherPart {
  const pixels = geo.reduce((n, g) => n * g.size, 1);
  // per axis: src[a][iy·|ks| + ik] = the input index along axis a, or -1 for a zero
  const src = geo.map((g, a) =>
    Int32Array.from(ys[a].flatMap((y) =>
      ks[a].map((k) => {
        const p = y * g.stride + k * g.rhsDilation - g.lo;
        const i = p / g.lhsDilation;
        return p >= 0 && Number.isInteger(i) && i < g.size ? i : -1;
      })
    ))
  );
  const sizes = [...ys, ...ks].map((l) => l.length), d = geo.length;
  const count = sizes.reduce((n, m) => n * m, 1);
  const table = new Int32Array(count);
  const digit = new Array(2 * d).fill(0); // (iy_0 … iy_{d−1}, ik_0 … ik_{d−1})
  for (let t = 0; t < count; t++) {
    let flat = 0;
    for (let a = 0; a < d; a++) {
      const i = src[a][digit[a] * ks[a].length + digit[d + a]];
      if (i < 0) {
        flat = pixels;
        break;
      }
      flat = flat * geo[a].size + i;
    }
    table[t] = flat;
    // odometer, last digit fastest
    for (let a = 2 * d - 1; a >= 0 && ++digit[a] === sizes[a]; a--) digit[a] = 0;
  }
  return {
    table: np.array(table, { shape: [count] }),
    positions: product(ys, geo.map((g) => g.out)),
    taps: product(ks, geo.map((g) => g.kernel)),
  };
}

/**
 * The gathers of a geometry, cached. Without lhs dilation one gather covers every
 * output and tap. With it (a transposed convolution), tap k of output y reads a real
 * pixel only when ld divides y·s + k·rd − lo, so the outputs fall into ld phases per
 * axis by (y·s − lo) mod ld, each reading its own subset of the taps: one gather per
 * combination of phases skips the taps that read only inserted zeros (3/4 of them for
 * stride 2 in 2-D), and `order` puts the phases' outputs back in row-major order.
 */
function gatherPlan(geo: readonly AxisGeometry[]): GatherPlan {
  const key = geo.map((g) => Object.values(g).join(",")).join(";");
  const hit = planCache.get(key);
  if (hit) return hit;
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  let plan: GatherPlan;
  if (geo.every((g) => g.lhsDilation === 1)) {
    const part = gatherPart(geo, geo.map((g) => range(g.out)), geo.map((g) => range(g.kernel)));
    plan = { parts: [part], order: null };
  } else {
    const mod = (v: number, m: number) => ((v % m) + m) % m;
    // per axis, its phases: [outputs of the phase, taps reading real pixels there]
    const phases = geo.map((g) => {
      const byResidue = new Map<number, number[]>();
      for (let y = 0; y < g.out; y++) {
        const r = mod(y * g.stride - g.lo, g.lhsDilation);
        byResidue.set(r, [...(byResidue.get(r) ?? []), y]);
      }
      return [...byResidue].map(([r, ys]): [number[], number[]] => [
        ys,
        range(g.kernel).filter((k) => mod(r + k * g.rhsDilation, g.lhsDilation) === 0),
      ]);
    });
    let combos: [number[][], number[][]][] = [[[], []]];
    for (const axis of phases) {
      combos = combos.flatMap(([ys, ks]) =>
        axis.map(([y, k]): [number[][], number[][]] => [[...ys, y], [...ks, k]])
      );
    }
    const parts = combos.map(([ys, ks]) => gatherPart(geo, ys, ks));
    const rows = parts.flatMap((p) => p.positions), inverse = new Int32Array(rows.length);
    rows.forEach((position, row) => inverse[position] = row);
    plan = { parts, order: np.array(inverse, { shape: [rows.length] }) };
  }
  if (planCache.size > 64) planCache.clear();
  planCache.set(key, plan);
  return plan;
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
  const taps = geo.reduce((p, g) => p * g.kernel, 1);
  const outShape = [n, ...geo.map((g) => g.out), o];
  const identity = geo.every((g) =>
    g.kernel === 1 && g.stride === 1 && g.lhsDilation === 1 && g.lo === 0 && g.hi === 0
  );
  const cg = c / groups;
  // the input group-major, [G, N, ∏S, Cg] (a transpose of the input, T times smaller than
  // one of the patches), so the gather below yields each group's patches contiguously
  const grouped = groups === 1
    ? np.reshape(x, [1, n, pixels, c])
    : np.transpose(np.reshape(x, [n, pixels, groups, cg]), [2, 0, 1, 3]);
  if (identity) return np.reshape(groupedMatmul(grouped, w, n, pixels, 1, groups), outShape);
  // gather along axis 1 of [G·N, ∏S + 1, Cg] (a 3-D scatter_add backward is the fast one)
  const flat = np.concatenate(
    [
      np.reshape(grouped, [groups * n, pixels, cg]),
      np.zeros([groups * n, 1, cg], { dtype: x.dtype }),
    ],
    1,
  );
  const plan = gatherPlan(geo);
  const kernel = np.reshape(w, [taps, cg, o]);
  const outs = plan.parts.map((part) => {
    const p = part.positions.length, t = part.taps.length;
    if (t === 0) return np.zeros([n, p, o], { dtype: x.dtype }); // every tap reads a zero
    const patches = np.reshape(np.take(flat, part.table, 1), [groups, n * p, t * cg]);
    const k = t === taps ? kernel : np.take(kernel, np.array(part.taps, { dtype: "int32" }), 0);
    return groupedMatmul(patches, k, n, p, t, groups);
  });
  const out = plan.order === null ? outs[0] : np.take(np.concatenate(outs, 1), plan.order, 1);
  return np.reshape(out, outShape);
}

/**
 * patches [G, N·P, T·Cg] times the kernel's taps [T, Cg, O] (or any reshape of it), one
 * matmul per group batched, giving [N, P, O] with the groups' outputs side by side.
 */
function groupedMatmul(
  patches: NDArray,
  kernel: NDArray,
  n: number,
  positions: number,
  taps: number,
  groups: number,
): NDArray {
  const o = kernel.shape[kernel.ndim - 1], cg = patches.size / (groups * n * positions * taps);
  if (groups === 1) {
    const out = np.matmul(
      np.reshape(patches, [n * positions, taps * cg]),
      np.reshape(kernel, [taps * cg, o]),
    );
    return np.reshape(out, [n, positions, o]);
  }
  // kernel [T, Cg, G, Og] → [G, T·Cg, Og]; one batched matmul does every group
  const og = o / groups;
  const wg = np.reshape(
    np.transpose(np.reshape(kernel, [taps, cg, groups, og]), [2, 0, 1, 3]),
    [groups, taps * cg, og],
  );
  const out = np.matmul(np.reshape(patches, [groups, n * positions, taps * cg]), wg);
  return np.reshape(np.transpose(out, [1, 0, 2]), [n, positions, o]);
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
