/**
 * `nn.upsample`: resizing the spatial axes of channels-last [N, …spatial, C]
 * arrays by nearest-neighbour or (bi/tri)linear interpolation, with the
 * sampling grid of `jax.image.resize` (half-pixel centres: output cell j of
 * n samples input coordinate (j + ½)·m/n − ½ of an axis of size m).
 *
 * Nearest reads input cell ⌊(j + ½)·m/n⌋ (in float32, as JAX) with one `take`
 * per axis. Linear mixes, along each axis, the few input cells under the
 * triangle kernel max(0, 1 − |x − i| / s) of every output cell, with weights
 * normalised to sum to 1 over the input cells, where s = max(m/n, 1) when
 * antialiasing a downsample (a wider low-pass kernel) and 1 otherwise: one
 * `take` of those taps, a multiply and a sum (the weights are a sparse table,
 * O(m + n) per axis, not a dense [m, n] matrix). Both are primitives'
 * compositions, so gradients flow to the input.
 */
import { checkBool, checkChoice, checkInt, checkOptions, show } from "../core/_validate.ts";
import { NDArray } from "../core/_ndarray.ts";
import { isFloat } from "../core/_dtype.ts";
import { fmtShape } from "../core/_shape.ts";
import * as np from "../numpy/numpy.ts";

/** Options of `upsample`: exactly one of `scale` and `size`. */
export interface UpsampleOptions {
  /** Integer factor per spatial axis (one number for all): output size = input size · scale. */
  scale?: number | readonly number[];
  /** Output size of each spatial axis (any positive integers, so also downsampling). */
  size?: readonly number[];
  /** "nearest" (default) or "bilinear" (linear along every spatial axis, also for 1-D and 3-D). */
  method?: "nearest" | "bilinear";
  /** Bilinear only: widen the kernel when shrinking an axis, as `jax.image.resize` (default true). */
  antialias?: boolean;
}

/**
 * The linear-interpolation weights of one axis as a sparse [n, T] table: output cell j
 * reads input cells idx[j·T + t] with weights w[j·T + t] (summing to 1 over t, as
 * jax.image.resize normalises them; 0 for a cell sampling outside the input). The
 * triangle kernel max(0, 1 − |f − i| / s) is nonzero for |f − i| < s, so T ≤ ⌈2s⌉ + 1 taps:
 * 2 for an upsample, about 2m/n + 1 for an antialiased downsample — O(m + n) entries in
 * all, where a dense [m, n] matrix would take O(m·n) (537 MB for 8192 → 16384).
 */
function linearTaps(
  m: number,
  n: number,
  antialias: boolean,
): { taps: number; idx: Int32Array; w: Float64Array } {
  const inv = m / n, s = antialias ? Math.max(inv, 1) : 1;
  // the cells with |f − i| < s: from ⌊f − s⌋ + 1 to ⌈f + s⌉ − 1, clipped to [0, m)
  const range = (f: number): [number, number] => [
    Math.max(0, Math.floor(f - s) + 1),
    Math.min(m - 1, Math.ceil(f + s) - 1),
  ];
  let taps = 1;
  for (let j = 0; j < n; j++) {
    const [lo, hi] = range((j + 0.5) * inv - 0.5);
    taps = Math.max(taps, hi - lo + 1);
  }
  const idx = new Int32Array(n * taps), w = new Float64Array(n * taps);
  for (let j = 0; j < n; j++) {
    const f = (j + 0.5) * inv - 0.5;
    if (f < -0.5 || f > m - 0.5) continue; // outside the input: weight 0
    const [lo, hi] = range(f);
    let total = 0;
    for (let i = lo; i <= hi; i++) {
      idx[j * taps + i - lo] = i;
      total += w[j * taps + i - lo] = Math.max(0, 1 - Math.abs(f - i) / s);
    }
    for (let t = 0; t < taps; t++) {
      w[j * taps + t] = total > 1000 * 2 ** -23 ? w[j * taps + t] / total : 0;
    }
  }
  return { taps, idx, w };
}

/**
 * Resizes the spatial axes of [N, …spatial, C] input by nearest-neighbour or
 * bilinear interpolation (`jax.image.resize` with "nearest" / "linear" on
 * those axes), to `scale` times the size or to an explicit `size`.
 * @param x Input, shape [N, …spatial, C] (rank ≥ 3).
 * @param options `scale` or `size`, `method` ("nearest" default, "bilinear"), `antialias`.
 * @returns The resized array, [N, …size, C].
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const x = np.array([1, 2, 3, 4]).astype("float32").reshape([1, 2, 2, 1]);
 * const near = nn.upsample(x, { scale: 2 }).reshape([4, 4]);
 * assert.deepEqual(np.slice(near, [0]).toArray(), [1, 1, 2, 2]);
 * const line = np.array([0, 4]).astype("float32").reshape([1, 2, 1]);
 * const y = nn.upsample(line, { scale: 2, method: "bilinear" }).reshape([4]);
 * assert.deepEqual(y.toArray(), [0, 1, 3, 4]);
 * ```
 */
export function upsample(x: NDArray, options: UpsampleOptions): NDArray {
  const op = "nn.upsample";
  checkOptions(op, options, ["scale", "size", "method", "antialias"]);
  if (!(x instanceof NDArray)) throw new TypeError(`${op}: expected an array, got ${show(x)}.`);
  if (x.ndim < 3) {
    throw new TypeError(
      `${op}: expected input [N, …spatial, C] with at least one spatial axis (rank ≥ 3), got ` +
        `shape ${
          fmtShape(x.shape)
        }; add batch and channel axes with x.reshape([1, ...x.shape, 1]).`,
    );
  }
  const d = x.ndim - 2, spatial = x.shape.slice(1, -1);
  const o = options ?? {};
  if ((o.scale === undefined) === (o.size === undefined)) {
    throw new TypeError(
      `${op}: pass exactly one of scale (an integer factor) and size (the output sizes), got ` +
        `${show(o)}.`,
    );
  }
  const perAxis = (what: string, v: unknown): number[] => {
    const vs = typeof v === "number" && what === "scale" ? new Array(d).fill(v) : v;
    if (!Array.isArray(vs) || vs.length !== d) {
      throw new TypeError(
        `${op}: ${what} must be ${what === "scale" ? "a positive integer or " : ""}${d} positive ` +
          `integers (one per spatial axis of ${fmtShape(x.shape)}), got ${show(v)}.`,
      );
    }
    return vs.map((s, a) => checkInt(op, `${what}[${a}]`, s, 1));
  };
  const size = o.size !== undefined
    ? perAxis("size", o.size)
    : perAxis("scale", o.scale).map((s, a) => s * spatial[a]);
  const method = o.method === undefined
    ? "nearest"
    : checkChoice(op, "method", o.method, ["nearest", "bilinear"]);
  const antialias = o.antialias === undefined ? true : checkBool(op, "antialias", o.antialias);
  // linear interpolation computes in float32 (float64 for float64 input) and returns the
  // input's float dtype; integer and bool input gives float32, as JAX's promotion to inexact
  let y = method === "bilinear" && x.dtype !== "float64" && x.dtype !== "float32"
    ? x.astype("float32")
    : x;
  const dtype = y.dtype === "float64" ? "float64" : "float32";
  for (let a = 0; a < d; a++) {
    const m = spatial[a], n = size[a];
    if (m === n) continue; // the identity, as JAX skips it
    if (method === "nearest") {
      const idx = Array.from(
        { length: n },
        (_, j) =>
          Math.min(m - 1, Math.floor(Math.fround(Math.fround(j + 0.5) * Math.fround(m / n)))),
      );
      y = np.take(y, np.array(idx, { dtype: "int32" }), a + 1);
    } else {
      // y'[…, j, …] = Σ_t w[j, t] · y[…, idx[j, t], …]: one gather of the T taps of every
      // output cell along the axis, a multiply and a sum over the taps
      const { taps, idx, w } = linearTaps(m, n, antialias);
      const lead = y.shape.slice(0, a + 1), rest = y.shape.slice(a + 2);
      const gathered = np.reshape(np.take(y, np.array(idx, { shape: [n * taps] }), a + 1), [
        ...lead,
        n,
        taps,
        ...rest,
      ]);
      const weights = np.array(w, { shape: [n, taps, ...rest.map(() => 1)], dtype });
      y = np.sum(np.mul(gathered, weights), { axis: a + 2 });
    }
  }
  return method === "bilinear" && isFloat(x.dtype) && y.dtype !== x.dtype ? y.astype(x.dtype) : y;
}
