/**
 * Convolution and pooling for `nn`, in NHWC layout, written as compositions of
 * primitives so their gradients come from the existing rules.
 *
 * conv2d lowers to im2col: the padded input is cut into kh·kw strided slices
 * (one per kernel tap), concatenated on the channel axis into patches
 * [N, OH, OW, kh·kw·C], and multiplied by the kernel reshaped to
 * [kh·kw·C, O] — one large matmul, which is where the time goes. The
 * backward pass is the transpose of that: a matmul, then pads of the slices
 * (the col2im scatter) summed.
 */
import type { NDArray } from "./_ndarray.ts";
import { fmtShape } from "./_shape.ts";
import * as np from "./numpy.ts";
import type { Layer } from "./nn.ts";
import { glorotUniform, heNormal, lecunNormal } from "./nn.ts";

/** "SAME" keeps the spatial size (for stride 1), "VALID" uses only full windows, or explicit [[top, bottom], [left, right]]. */
export type Padding =
  | "SAME"
  | "VALID"
  | readonly [readonly [number, number], readonly [number, number]];

/** Options of `conv2d` and the pooling functions. */
export interface WindowOptions {
  /** Step between windows: one number or [sh, sw] (default 1 for conv, the window for pooling). */
  stride?: number | readonly [number, number];
  /** Padding mode (default "VALID"). */
  padding?: Padding;
}

function pair(x: number | readonly [number, number]): [number, number] {
  return typeof x === "number" ? [x, x] : [x[0], x[1]];
}

/** Output size and padding of one spatial axis (TensorFlow/JAX "SAME" convention). */
function axisPadding(
  size: number,
  window: number,
  stride: number,
  padding: Padding,
  axis: 0 | 1,
): { out: number; lo: number; hi: number } {
  if (padding === "VALID") {
    return { out: Math.floor((size - window) / stride) + 1, lo: 0, hi: 0 };
  }
  if (padding === "SAME") {
    const out = Math.ceil(size / stride);
    const total = Math.max((out - 1) * stride + window - size, 0);
    return { out, lo: Math.floor(total / 2), hi: total - Math.floor(total / 2) };
  }
  const [lo, hi] = padding[axis];
  return { out: Math.floor((size + lo + hi - window) / stride) + 1, lo, hi };
}

/** Cuts the (padded) input into one strided slice per window tap: [N, OH, OW, C] each. */
function windows(
  op: string,
  x: NDArray,
  kh: number,
  kw: number,
  options: WindowOptions,
  defaultStride: [number, number],
  padValue = 0,
): NDArray[] {
  if (x.ndim !== 4) {
    throw new TypeError(`${op}: expected NHWC input of rank 4, got shape ${fmtShape(x.shape)}.`);
  }
  const [sh, sw] = options.stride === undefined ? defaultStride : pair(options.stride);
  const padding = options.padding ?? "VALID";
  const [, h, w] = x.shape;
  const ph = axisPadding(h, kh, sh, padding, 0), pw = axisPadding(w, kw, sw, padding, 1);
  if (ph.out <= 0 || pw.out <= 0) {
    throw new TypeError(
      `${op}: a ${kh}×${kw} window does not fit the input ${fmtShape(x.shape)} with this padding.`,
    );
  }
  const padded = ph.lo || ph.hi || pw.lo || pw.hi
    ? np.pad(x, [[0, 0], [ph.lo, ph.hi], [pw.lo, pw.hi], [0, 0]], { value: padValue })
    : x;
  const taps: NDArray[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      taps.push(np.slice(padded, [
        null,
        [i, i + (ph.out - 1) * sh + 1, sh],
        [j, j + (pw.out - 1) * sw + 1, sw],
      ]));
    }
  }
  return taps;
}

/**
 * 2-D convolution (cross-correlation, as in deep-learning frameworks) of NHWC
 * input with an HWIO kernel: out[n, y, x, o] = Σ x[n, y·s + i, x·s + j, c] · w[i, j, c, o].
 * @param x Input, shape [N, H, W, C].
 * @param w Kernel, shape [KH, KW, C, O].
 * @param options `stride` (default 1) and `padding` ("VALID" default, "SAME", or explicit).
 * @returns Output, shape [N, OH, OW, O].
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const y = nn.conv2d(np.ones([1, 5, 5, 2]), np.ones([3, 3, 2, 4]), { padding: "SAME" });
 * assert.deepEqual(y.shape, [1, 5, 5, 4]);
 * assert.equal(np.slice(y, [0, 2, 2, 0]).item(), 18); // 3·3 taps · 2 channels
 * ```
 */
export function conv2d(x: NDArray, w: NDArray, options: WindowOptions = {}): NDArray {
  if (w.ndim !== 4 || x.ndim !== 4 || w.shape[2] !== x.shape[3]) {
    throw new TypeError(
      `conv2d: expected input [N, H, W, C] and kernel [KH, KW, C, O] with matching C, got ` +
        `${fmtShape(x.shape)} and ${fmtShape(w.shape)}.`,
    );
  }
  const [kh, kw, c, o] = w.shape;
  const taps = windows("conv2d", x, kh, kw, options, [1, 1]);
  const [n, oh, ow] = taps[0].shape;
  const patches = taps.length === 1 ? taps[0] : np.concatenate(taps, 3); // [N, OH, OW, kh·kw·C]
  const out = np.matmul(
    np.reshape(patches, [n * oh * ow, kh * kw * c]),
    np.reshape(w, [kh * kw * c, o]),
  );
  return np.reshape(out, [n, oh, ow, o]);
}

/**
 * Max pooling over kh×kw windows (stride defaults to the window). Ties share the gradient.
 * @param x Input, shape [N, H, W, C].
 * @param window Window size: a number or [kh, kw].
 * @param options `stride` and `padding` (padded cells never win).
 * @returns The pooled array.
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const x = np.arange(16).astype("float32").reshape([1, 4, 4, 1]);
 * assert.deepEqual(nn.maxPool2d(x, 2).reshape([4]).toArray(), [5, 7, 13, 15]);
 * ```
 */
export function maxPool2d(
  x: NDArray,
  window: number | readonly [number, number],
  options: WindowOptions = {},
): NDArray {
  return pool("maxPool2d", x, window, options, "max");
}

/**
 * Average pooling over kh×kw windows (stride defaults to the window); padded cells count as zeros.
 * @param x Input, shape [N, H, W, C].
 * @param window Window size: a number or [kh, kw].
 * @param options `stride` and `padding`.
 * @returns The pooled array.
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const x = np.arange(16).astype("float32").reshape([1, 4, 4, 1]);
 * assert.deepEqual(nn.avgPool2d(x, 2).reshape([4]).toArray(), [2.5, 4.5, 10.5, 12.5]);
 * ```
 */
export function avgPool2d(
  x: NDArray,
  window: number | readonly [number, number],
  options: WindowOptions = {},
): NDArray {
  return pool("avgPool2d", x, window, options, "mean");
}

function pool(
  op: string,
  x: NDArray,
  window: number | readonly [number, number],
  options: WindowOptions,
  kind: "max" | "mean",
): NDArray {
  const [kh, kw] = pair(window);
  const stride: [number, number] = options.stride === undefined ? [kh, kw] : pair(options.stride);
  const padding = options.padding ?? "VALID";
  if (x.ndim !== 4) {
    throw new TypeError(`${op}: expected NHWC input of rank 4, got shape ${fmtShape(x.shape)}.`);
  }
  const [n, h, w, c] = x.shape;
  if (padding === "VALID" && stride[0] === kh && stride[1] === kw && h % kh === 0 && w % kw === 0) {
    // non-overlapping windows tile the input: one reshape and one reduction
    const blocks = np.reshape(x, [n, h / kh, kh, w / kw, kw, c]);
    return kind === "max" ? np.max(blocks, { axis: [2, 4] }) : np.mean(blocks, { axis: [2, 4] });
  }
  const taps = windows(
    op,
    x,
    kh,
    kw,
    { stride, padding },
    [kh, kw],
    kind === "max" ? -Infinity : 0,
  );
  const stacked = np.stack(taps, 0);
  return kind === "max" ? np.max(stacked, { axis: 0 }) : np.mean(stacked, { axis: 0 });
}

/** The parameters of a convolution layer: kernel [KH, KW, C, O] and bias [O]. */
export interface ConvParams {
  /** Kernel, shape [KH, KW, C, O]. */
  w: NDArray;
  /** Bias, shape [O]. */
  b: NDArray;
}

/**
 * A convolution layer (NHWC): `conv2d(x, w) + b`, He-normal kernel by default.
 * @param inChannels Input channels C.
 * @param outChannels Output channels O.
 * @param kernelSize KH×KW: a number or a pair.
 * @param options `stride`, `padding`, `init`.
 * @returns The layer.
 * @example
 * ```ts
 * import { nn, np, random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const layer = nn.conv2dLayer(1, 8, 3, { padding: "SAME" });
 * const p = layer.init(random.key(0));
 * assert.deepEqual(layer.apply(p, np.ones([2, 28, 28, 1])).shape, [2, 28, 28, 8]);
 * ```
 */
export function conv2dLayer(
  inChannels: number,
  outChannels: number,
  kernelSize: number | readonly [number, number],
  options: WindowOptions & { init?: "glorotUniform" | "heNormal" | "lecunNormal" } = {},
): Layer<ConvParams> {
  const [kh, kw] = pair(kernelSize);
  const initW = { glorotUniform, heNormal, lecunNormal }[options.init ?? "heNormal"];
  return {
    init: (key) => ({
      w: initW(key, [kh, kw, inChannels, outChannels]),
      b: np.zeros([outChannels]),
    }),
    apply: (p, x) => np.add(conv2d(x, p.w, options), p.b),
  };
}
