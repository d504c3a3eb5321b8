/**
 * `nn.upsample`: resizing the spatial axes of channels-last [N, …spatial, C]
 * arrays by nearest-neighbour or (bi/tri)linear interpolation, with the
 * sampling grid of `jax.image.resize` (half-pixel centres: output cell j of
 * n samples input coordinate (j + ½)·m/n − ½ of an axis of size m).
 *
 * Nearest reads input cell ⌊(j + ½)·m/n⌋ (in float32, as JAX) with one `take`
 * per axis. Linear multiplies each axis by a constant [m, n] weight matrix of
 * triangle-kernel weights max(0, 1 − |x − i| / s), normalised to sum to 1 over
 * the input cells, where s = max(m/n, 1) when antialiasing a downsample (a wider
 * low-pass kernel) and 1 otherwise. Both are primitives' compositions (take,
 * matmul), so gradients flow to the input.
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

/** The [m, n] linear-interpolation weights of one axis (columns sum to 1, as jax.image.resize). */
function linearWeights(m: number, n: number, antialias: boolean): Float64Array {
  const inv = m / n, s = antialias ? Math.max(inv, 1) : 1;
  const w = new Float64Array(m * n);
  for (let j = 0; j < n; j++) {
    const f = (j + 0.5) * inv - 0.5;
    if (f < -0.5 || f > m - 0.5) continue; // outside the input: weight 0
    let total = 0;
    for (let i = 0; i < m; i++) total += w[i * n + j] = Math.max(0, 1 - Math.abs(f - i) / s);
    for (let i = 0; i < m; i++) w[i * n + j] = total > 1000 * 2 ** -23 ? w[i * n + j] / total : 0;
  }
  return w;
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
      const w = np.array(linearWeights(m, n, antialias), { shape: [m, n], dtype });
      y = np.moveaxis(np.matmul(np.moveaxis(y, a + 1, -1), w), -1, a + 1);
    }
  }
  return method === "bilinear" && isFloat(x.dtype) && y.dtype !== x.dtype ? y.astype(x.dtype) : y;
}
