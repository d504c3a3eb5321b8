/**
 * Convolution and pooling for `nn`, in NHWC layout, written as compositions of
 * primitives so their gradients come from the existing rules.
 *
 * conv2d lowers to im2col as a single gather: the input's pixels [N, H·W, C]
 * get one zero pixel appended, and `take` with a constant index table picks,
 * for every output position and kernel tap, the input pixel under the tap
 * (the zero pixel where the tap falls in the padding), giving the patches
 * [N·OH·OW, kh·kw·C]; they are multiplied by the kernel reshaped to
 * [kh·kw·C, O] — one large matmul. The backward pass is the transpose of that:
 * matmuls, then one `scatter_add` (col2im) of the patch gradient.
 *
 * Pooling cuts the padded input into kh·kw strided slices, one per window tap.
 */
import { checkChoice, checkInt, checkOptions, show } from "../core/_validate.ts";
import { NDArray } from "../core/_ndarray.ts";
import { fmtShape } from "../core/_shape.ts";
import * as np from "../numpy/numpy.ts";
import { glorotUniform, heNormal, type Layer, lecunNormal } from "./_nn_init.ts";

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

/** A size or stride: one positive integer, or a pair of them (TypeError/RangeError otherwise). */
function pair(op: string, what: string, x: number | readonly [number, number]): [number, number] {
  if (typeof x === "number") {
    checkInt(op, what, x, 1);
    return [x, x];
  }
  if (!Array.isArray(x) || x.length !== 2) {
    throw new TypeError(
      `${op}: ${what} must be a positive integer or a pair of them, got ${show(x)}.`,
    );
  }
  return [checkInt(op, `${what}[0]`, x[0], 1), checkInt(op, `${what}[1]`, x[1], 1)];
}

/** Checks the window options: known keys, a valid stride, and "SAME", "VALID" or explicit pairs. */
function checkWindowOptions(op: string, options: unknown, extra: readonly string[] = []): void {
  checkOptions(op, options, ["stride", "padding", ...extra]);
  const o = (options ?? {}) as WindowOptions;
  if (o.stride !== undefined) pair(op, "stride", o.stride);
  const p = o.padding;
  if (p === undefined || p === "SAME" || p === "VALID") return;
  const ok = Array.isArray(p) && p.length === 2 &&
    p.every((q) =>
      Array.isArray(q) && q.length === 2 && q.every((v) => Number.isInteger(v) && v >= 0)
    );
  if (!ok) {
    throw new TypeError(
      `${op}: padding must be "SAME", "VALID" or [[top, bottom], [left, right]] of ` +
        `non-negative integers, got ${show(p)}.`,
    );
  }
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
  const [sh, sw] = options.stride === undefined
    ? defaultStride
    : pair(op, "stride", options.stride);
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
  checkWindowOptions("nn.conv2d", options);
  if (!(x instanceof NDArray) || !(w instanceof NDArray)) {
    throw new TypeError(`nn.conv2d: expected arrays, got ${show(x)} and ${show(w)}.`);
  }
  if (w.ndim !== 4 || x.ndim !== 4 || w.shape[2] !== x.shape[3]) {
    throw new TypeError(
      `conv2d: expected input [N, H, W, C] and kernel [KH, KW, C, O] with matching C, got ` +
        `${fmtShape(x.shape)} and ${fmtShape(w.shape)}.`,
    );
  }
  const [kh, kw, c, o] = w.shape;
  const [n, h, wd] = x.shape;
  const [sh, sw] = options.stride === undefined
    ? [1, 1]
    : pair("nn.conv2d", "stride", options.stride);
  const padding = options.padding ?? "VALID";
  const ph = axisPadding(h, kh, sh, padding, 0), pw = axisPadding(wd, kw, sw, padding, 1);
  if (ph.out <= 0 || pw.out <= 0) {
    throw new TypeError(
      `conv2d: a ${kh}×${kw} window does not fit the input ${fmtShape(x.shape)} with this padding.`,
    );
  }
  const [oh, ow] = [ph.out, pw.out];
  const k = kh * kw * c;
  let patches: NDArray; // [N·OH·OW, kh·kw·C]
  if (kh === 1 && kw === 1 && sh === 1 && sw === 1 && !ph.lo && !ph.hi && !pw.lo && !pw.hi) {
    patches = np.reshape(x, [n * h * wd, c]);
  } else {
    // pixels[n, h·W + w, c], plus a zero pixel at index H·W for taps in the padding
    const pixels = np.concatenate(
      [np.reshape(x, [n, h * wd, c]), np.zeros([n, 1, c], { dtype: x.dtype })],
      1,
    );
    const idx = tapIndex(h, wd, kh, kw, sh, sw, ph, pw);
    patches = np.reshape(np.take(pixels, idx, 1), [n * oh * ow, k]);
  }
  const out = np.matmul(patches, np.reshape(w, [k, o]));
  return np.reshape(out, [n, oh, ow, o]);
}

const tapIndexCache = new Map<string, NDArray>();

/**
 * The im2col gather table: for output (y, x) and tap (i, j), in that order, the
 * input pixel (y·sh + i − top)·W + (x·sw + j − left), or H·W (the appended zero
 * pixel) where that falls outside the input. Cached per geometry.
 */
function tapIndex(
  h: number,
  w: number,
  kh: number,
  kw: number,
  sh: number,
  sw: number,
  ph: { out: number; lo: number },
  pw: { out: number; lo: number },
): NDArray {
  const key = [h, w, kh, kw, sh, sw, ph.out, ph.lo, pw.out, pw.lo].join(",");
  let idx = tapIndexCache.get(key);
  if (idx) return idx;
  const table = new Int32Array(ph.out * pw.out * kh * kw);
  let t = 0;
  for (let y = 0; y < ph.out; y++) {
    for (let x = 0; x < pw.out; x++) {
      for (let i = 0; i < kh; i++) {
        const r = y * sh + i - ph.lo;
        for (let j = 0; j < kw; j++) {
          const col = x * sw + j - pw.lo;
          table[t++] = r >= 0 && r < h && col >= 0 && col < w ? r * w + col : h * w;
        }
      }
    }
  }
  idx = np.array(table, { shape: [table.length] });
  if (tapIndexCache.size > 64) tapIndexCache.clear();
  tapIndexCache.set(key, idx);
  return idx;
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
  checkWindowOptions(`nn.${op}`, options);
  const [kh, kw] = pair(`nn.${op}`, "window", window);
  const stride: [number, number] = options.stride === undefined
    ? [kh, kw]
    : pair(`nn.${op}`, "stride", options.stride);
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
  checkWindowOptions("nn.conv2dLayer", options, ["init"]);
  checkInt("nn.conv2dLayer", "inChannels", inChannels, 1);
  checkInt("nn.conv2dLayer", "outChannels", outChannels, 1);
  const [kh, kw] = pair("nn.conv2dLayer", "kernelSize", kernelSize);
  const initName = options.init === undefined
    ? "heNormal"
    : checkChoice("nn.conv2dLayer", "init", options.init, [
      "glorotUniform",
      "heNormal",
      "lecunNormal",
    ]);
  const initW = { glorotUniform, heNormal, lecunNormal }[initName];
  return {
    init: (key) => ({
      w: initW(key, [kh, kw, inChannels, outChannels]),
      b: np.zeros([outChannels]),
    }),
    apply: (p, x) =>
      np.add(conv2d(x, p.w, { stride: options.stride, padding: options.padding }), p.b),
  };
}
