/**
 * Convolutions for `nn`, channels-last as flax.linen (input [N, …spatial, C],
 * kernel […spatial, C / groups, O]): `conv1d`, `conv2d`, `conv3d` with strides,
 * padding, kernel (rhs) and input (lhs) dilation and feature groups; the
 * transposed convolutions of `jax.lax.conv_transpose`; and
 * `convGeneralDilated` with JAX's dimension numbers. All of them reduce to
 * `convChannelsLast` (`_nn_conv_general.ts`, im2col by one gather), so their
 * gradients, jit, vmap and the worker pool come from the primitives' rules.
 */
import { checkBool, checkChoice, checkInt, checkOptions, show } from "../core/_validate.ts";
import { NDArray } from "../core/_ndarray.ts";
import { fmtShape } from "../core/_shape.ts";
import * as np from "../numpy/numpy.ts";
import { glorotUniform, heNormal, type Layer, lecunNormal } from "./_nn_init.ts";
import {
  checkConvShapes,
  checkPadding,
  convChannelsLast,
  convGeometry,
  type ConvPadding,
  perAxis,
} from "./_nn_conv_general.ts";

export type { ConvPadding } from "./_nn_conv_general.ts";

/** Options of `conv1d`, `conv2d` and `conv3d` (numbers apply to every spatial axis). */
export interface ConvOptions {
  /** Window stride: one positive integer or one per spatial axis (default 1). */
  stride?: number | readonly number[];
  /** "VALID" (default: full windows only), "SAME" (⌈size / stride⌉ outputs) or [low, high] per spatial axis. */
  padding?: ConvPadding;
  /** Kernel (rhs, atrous) dilation: taps `dilation` apart (default 1). */
  dilation?: number | readonly number[];
  /** Input (lhs) dilation: `lhsDilation − 1` zeros between input pixels (default 1; needs explicit padding). */
  lhsDilation?: number | readonly number[];
  /** Feature groups G: input and output channels split into G independent convolutions (default 1; G = C is depthwise). */
  groups?: number;
  /** JAX's name for `groups`; pass one of the two. */
  featureGroupCount?: number;
}

const CONV_KEYS = ["stride", "padding", "dilation", "lhsDilation", "groups", "featureGroupCount"];

/** The channels-last convolution over d spatial axes with validated options. */
function convNd(
  op: string,
  x: NDArray,
  w: NDArray,
  options: ConvOptions,
  d: number,
  layout: string,
): NDArray {
  checkOptions(op, options, CONV_KEYS);
  if (!(x instanceof NDArray) || !(w instanceof NDArray)) {
    throw new TypeError(
      `${op}: expected an input and a kernel array, got ${show(x)} and ${show(w)}.`,
    );
  }
  const o = options ?? {};
  if (
    o.groups !== undefined && o.featureGroupCount !== undefined && o.groups !== o.featureGroupCount
  ) {
    throw new TypeError(
      `${op}: groups (${show(o.groups)}) and featureGroupCount (${show(o.featureGroupCount)}) ` +
        `name the same thing; pass one of them.`,
    );
  }
  const groups = checkInt(op, "groups", o.groups ?? o.featureGroupCount ?? 1, 1);
  const strides = perAxis(op, "stride", o.stride, d, 1);
  const rhsDilation = perAxis(op, "dilation", o.dilation, d, 1);
  const lhsDilation = perAxis(op, "lhsDilation", o.lhsDilation, d, 1);
  const padding = checkPadding(op, o.padding ?? "VALID", d);
  checkConvShapes(op, x, w, d, groups, layout);
  const geo = convGeometry(
    op,
    x.shape.slice(1, -1),
    w.shape.slice(0, -2),
    strides,
    padding,
    lhsDilation,
    rhsDilation,
  );
  return convChannelsLast(x, w, geo, groups);
}

/**
 * 1-D convolution (cross-correlation) of [N, W, C] input with a [KW, C / groups, O] kernel:
 * out[n, x, o] = Σ_{j, c} in[n, x·stride + j·dilation − low, c] · w[j, c, o] (as `flax.linen.Conv`).
 * @param x Input, shape [N, W, C].
 * @param w Kernel, shape [KW, C / groups, O].
 * @param options `stride`, `padding` ("VALID" default, "SAME", [low, high]), `dilation`, `lhsDilation`, `groups`.
 * @returns Output, shape [N, OW, O].
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const x = np.array([1, 2, 3, 4, 5]).reshape([1, 5, 1]);
 * const w = np.array([1, 0, -1]).reshape([3, 1, 1]);
 * assert.deepEqual(nn.conv1d(x, w).reshape([3]).toArray(), [-2, -2, -2]);
 * assert.deepEqual(nn.conv1d(x, w, { dilation: 2 }).reshape([1]).toArray(), [-4]);
 * ```
 */
export function conv1d(x: NDArray, w: NDArray, options: ConvOptions = {}): NDArray {
  return convNd("nn.conv1d", x, w, options, 1, "W");
}

/**
 * 2-D convolution (cross-correlation, as in deep-learning frameworks) of NHWC
 * input with an HWIO kernel:
 * out[n, y, x, o] = Σ x[n, y·sh + i·dh − top, x·sw + j·dw − left, g·Cg + c] · w[i, j, c, o]
 * for output channel o in group g. `groups: C` with a [KH, KW, 1, C·m] kernel is a depthwise convolution.
 * @param x Input, shape [N, H, W, C].
 * @param w Kernel, shape [KH, KW, C / groups, O].
 * @param options `stride` (default 1), `padding` ("VALID" default, "SAME", or explicit), `dilation`, `lhsDilation`, `groups`.
 * @returns Output, shape [N, OH, OW, O].
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const y = nn.conv2d(np.ones([1, 5, 5, 2]), np.ones([3, 3, 2, 4]), { padding: "SAME" });
 * assert.deepEqual(y.shape, [1, 5, 5, 4]);
 * assert.equal(np.slice(y, [0, 2, 2, 0]).item(), 18); // 3·3 taps · 2 channels
 * const depthwise = nn.conv2d(np.ones([1, 5, 5, 2]), np.ones([3, 3, 1, 2]), { groups: 2 });
 * assert.equal(np.slice(depthwise, [0, 1, 1, 0]).item(), 9); // one channel per group
 * ```
 */
export function conv2d(x: NDArray, w: NDArray, options: ConvOptions = {}): NDArray {
  return convNd("nn.conv2d", x, w, options, 2, "H, W");
}

/**
 * 3-D convolution of [N, D, H, W, C] input with a [KD, KH, KW, C / groups, O] kernel (see `conv2d`).
 * @param x Input, shape [N, D, H, W, C].
 * @param w Kernel, shape [KD, KH, KW, C / groups, O].
 * @param options As `conv2d`, with one value per spatial axis.
 * @returns Output, shape [N, OD, OH, OW, O].
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const y = nn.conv3d(np.ones([1, 4, 4, 4, 1]), np.ones([2, 2, 2, 1, 3]), { stride: 2 });
 * assert.deepEqual(y.shape, [1, 2, 2, 2, 3]);
 * assert.equal(np.slice(y, [0, 0, 0, 0, 0]).item(), 8);
 * ```
 */
export function conv3d(x: NDArray, w: NDArray, options: ConvOptions = {}): NDArray {
  return convNd("nn.conv3d", x, w, options, 3, "D, H, W");
}

/** Options of the transposed convolutions. */
export interface ConvTransposeOptions {
  /** Fractional stride: `stride − 1` zeros go between input pixels (default 1). */
  stride?: number | readonly number[];
  /**
   * "SAME" (output = input · stride), "VALID" (default; output = input · stride + max(K − stride, 0))
   * or explicit [low, high] pairs, which pad the stride-dilated input as `jax.lax.conv_transpose` does.
   */
  padding?: ConvPadding;
  /** Kernel (rhs) dilation (default 1). */
  dilation?: number | readonly number[];
  /** Flip the kernel's spatial axes and swap its I/O axes, as Keras' Conv2DTranspose and the gradient of `conv2d` (default false). */
  transposeKernel?: boolean;
}

/** JAX's padding of a transposed convolution for "SAME"/"VALID", given the dilated kernel k and stride s. */
function transposePads(k: number, s: number, padding: "SAME" | "VALID"): [number, number] {
  const total = padding === "SAME" ? k + s - 2 : k + s - 2 + Math.max(k - s, 0);
  const lo = padding === "SAME" && s <= k - 1 ? Math.ceil(total / 2) : k - 1;
  return [lo, total - lo];
}

function convTransposeNd(
  op: string,
  x: NDArray,
  w: NDArray,
  options: ConvTransposeOptions,
  d: number,
  layout: string,
): NDArray {
  checkOptions(op, options, ["stride", "padding", "dilation", "transposeKernel"]);
  if (!(x instanceof NDArray) || !(w instanceof NDArray)) {
    throw new TypeError(
      `${op}: expected an input and a kernel array, got ${show(x)} and ${show(w)}.`,
    );
  }
  const o = options ?? {};
  const strides = perAxis(op, "stride", o.stride, d, 1);
  const dilation = perAxis(op, "dilation", o.dilation, d, 1);
  const padding = checkPadding(op, o.padding ?? "VALID", d);
  if (o.transposeKernel !== undefined && checkBool(op, "transposeKernel", o.transposeKernel)) {
    if (w.ndim === d + 2) {
      const spatial = [...Array(d).keys()];
      w = np.swapaxes(np.flip(w, spatial), d, d + 1);
    }
  }
  checkConvShapes(op, x, w, d, 1, layout);
  const kernel = w.shape.slice(0, -2);
  const pads = typeof padding === "string"
    ? kernel.map((k, a) => transposePads((k - 1) * dilation[a] + 1, strides[a], padding))
    : padding;
  const geo = convGeometry(
    op,
    x.shape.slice(1, -1),
    kernel,
    new Array(d).fill(1),
    pads,
    strides,
    dilation,
  );
  return convChannelsLast(x, w, geo, 1);
}

/**
 * 1-D transposed convolution (`jax.lax.conv_transpose`, `flax.linen.ConvTranspose`):
 * the input is dilated by the stride, padded, and correlated with the [KW, C, O] kernel.
 * @param x Input, shape [N, W, C].
 * @param w Kernel, shape [KW, C, O] ([KW, O, C] with `transposeKernel`).
 * @param options `stride`, `padding` ("VALID" default, "SAME", explicit), `dilation`, `transposeKernel`.
 * @returns Output, shape [N, OW, O] (OW = W·stride for "SAME").
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const x = np.array([1, 2, 3]).reshape([1, 3, 1]);
 * const y = nn.conv1dTranspose(x, np.ones([2, 1, 1]), { stride: 2, padding: "SAME" });
 * assert.deepEqual(y.reshape([6]).toArray(), [1, 1, 2, 2, 3, 3]);
 * ```
 */
export function conv1dTranspose(
  x: NDArray,
  w: NDArray,
  options: ConvTransposeOptions = {},
): NDArray {
  return convTransposeNd("nn.conv1dTranspose", x, w, options, 1, "W");
}

/**
 * 2-D transposed convolution (`jax.lax.conv_transpose` with NHWC/HWIO, `flax.linen.ConvTranspose`):
 * the upsampling convolution, input dilated by the stride and correlated with the kernel.
 * @param x Input, shape [N, H, W, C].
 * @param w Kernel, shape [KH, KW, C, O] ([KH, KW, O, C] with `transposeKernel`).
 * @param options `stride`, `padding` ("VALID" default, "SAME", explicit), `dilation`, `transposeKernel`.
 * @returns Output, shape [N, OH, OW, O] (H·stride × W·stride for "SAME").
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const y = nn.conv2dTranspose(np.ones([1, 3, 3, 2]), np.ones([3, 3, 2, 4]), { stride: 2, padding: "SAME" });
 * assert.deepEqual(y.shape, [1, 6, 6, 4]);
 * assert.deepEqual(nn.conv2dTranspose(np.ones([1, 3, 3, 2]), np.ones([3, 3, 2, 4]), { stride: 2 }).shape, [1, 7, 7, 4]);
 * ```
 */
export function conv2dTranspose(
  x: NDArray,
  w: NDArray,
  options: ConvTransposeOptions = {},
): NDArray {
  return convTransposeNd("nn.conv2dTranspose", x, w, options, 2, "H, W");
}

/**
 * 3-D transposed convolution (`jax.lax.conv_transpose` with NDHWC/DHWIO, `flax.linen.ConvTranspose`).
 * @param x Input, shape [N, D, H, W, C].
 * @param w Kernel, shape [KD, KH, KW, C, O] ([KD, KH, KW, O, C] with `transposeKernel`).
 * @param options As `conv2dTranspose`, with one value per spatial axis.
 * @returns Output, shape [N, OD, OH, OW, O].
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const y = nn.conv3dTranspose(np.ones([1, 2, 2, 2, 1]), np.ones([2, 2, 2, 1, 3]), { stride: 2 });
 * assert.deepEqual(y.shape, [1, 4, 4, 4, 3]);
 * assert.equal(np.slice(y, [0, 0, 0, 0, 0]).item(), 1); // each output cell sees one input cell
 * ```
 */
export function conv3dTranspose(
  x: NDArray,
  w: NDArray,
  options: ConvTransposeOptions = {},
): NDArray {
  return convTransposeNd("nn.conv3dTranspose", x, w, options, 3, "D, H, W");
}

/** Options of `convGeneralDilated`. */
export interface ConvGeneralOptions {
  /** Input dilation per spatial axis (default 1). */
  lhsDilation?: readonly number[];
  /** Kernel dilation per spatial axis (default 1). */
  rhsDilation?: readonly number[];
  /** [lhs, rhs, out] layouts such as ["NHWC", "HWIO", "NHWC"]; default JAX's ["NCH…", "OIH…", "NCH…"]. */
  dimensionNumbers?: readonly [string, string, string];
  /** Feature groups (default 1). */
  featureGroupCount?: number;
}

/** Parses dimension numbers: the permutations to channels-last and back, spatial axes in kernel order. */
function dimensionPerms(
  op: string,
  specs: readonly [string, string, string],
  ndim: number,
): { lhs: number[]; rhs: number[]; out: number[] } {
  const bad = (why: string): never => {
    throw new TypeError(
      `${op}: dimensionNumbers must be three layout strings of length ${ndim} such as ` +
        `["NHWC", "HWIO", "NHWC"] (N/C, O/I and N/C once each, the same spatial letters in all ` +
        `three), got ${show(specs)}: ${why}.`,
    );
  };
  if (!Array.isArray(specs) || specs.length !== 3) bad("not three strings");
  const [l, r, o] = specs;
  for (const s of specs) {
    if (typeof s !== "string" || s.length !== ndim) bad(`${show(s)} has not ${ndim} letters`);
    if (new Set(s).size !== ndim) bad(`${show(s)} repeats a letter`);
  }
  for (const [s, a, b] of [[l, "N", "C"], [r, "O", "I"], [o, "N", "C"]]) {
    if (!s.includes(a) || !s.includes(b)) bad(`${show(s)} lacks ${a} or ${b}`);
  }
  const spatial = [...r].filter((ch) => ch !== "O" && ch !== "I");
  for (const [s, skip] of [[l, "NC"], [o, "NC"]]) {
    const own = [...s].filter((ch) => !skip.includes(ch));
    if (own.length !== spatial.length || own.some((ch) => !spatial.includes(ch))) {
      bad(`${show(s)} and ${show(r)} name different spatial axes`);
    }
  }
  const core = ["N", ...spatial, "C"];
  return {
    lhs: core.map((ch) => l.indexOf(ch)),
    rhs: [...spatial, "I", "O"].map((ch) => r.indexOf(ch)),
    out: [...o].map((ch) => core.indexOf(ch)),
  };
}

/**
 * The general convolution of `jax.lax.conv_general_dilated`: window strides,
 * padding, lhs and rhs dilation, feature groups and any layout. Without
 * `dimensionNumbers` the layout is JAX's default, NCHW input and OIHW kernel
 * (unlike `conv2d`, which is NHWC/HWIO as flax).
 * @param lhs Input, rank d + 2.
 * @param rhs Kernel, rank d + 2.
 * @param windowStrides One stride per spatial axis (in the kernel layout's order).
 * @param padding "SAME", "VALID" or one [low, high] pair per spatial axis.
 * @param options `lhsDilation`, `rhsDilation`, `dimensionNumbers`, `featureGroupCount`.
 * @returns The output, in the output layout.
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const y = nn.convGeneralDilated(np.ones([1, 2, 5, 5]), np.ones([4, 2, 3, 3]), [1, 1], "VALID");
 * assert.deepEqual(y.shape, [1, 4, 3, 3]); // NCHW
 * const z = nn.convGeneralDilated(np.ones([1, 5, 5, 2]), np.ones([3, 3, 2, 4]), [2, 2], "SAME", {
 *   dimensionNumbers: ["NHWC", "HWIO", "NHWC"],
 * });
 * assert.deepEqual(z.shape, [1, 3, 3, 4]);
 * ```
 */
export function convGeneralDilated(
  lhs: NDArray,
  rhs: NDArray,
  windowStrides: readonly number[],
  padding: ConvPadding,
  options: ConvGeneralOptions = {},
): NDArray {
  const op = "nn.convGeneralDilated";
  checkOptions(op, options, [
    "lhsDilation",
    "rhsDilation",
    "dimensionNumbers",
    "featureGroupCount",
  ]);
  if (!(lhs instanceof NDArray) || !(rhs instanceof NDArray)) {
    throw new TypeError(
      `${op}: expected an input and a kernel array, got ${show(lhs)} and ${show(rhs)}.`,
    );
  }
  if (lhs.ndim < 3 || rhs.ndim !== lhs.ndim) {
    throw new TypeError(
      `${op}: input and kernel must have the same rank, at least 3 (batch, feature and one ` +
        `spatial axis), got ${fmtShape(lhs.shape)} and ${fmtShape(rhs.shape)}.`,
    );
  }
  const d = lhs.ndim - 2, o = options ?? {};
  const letters = "HWDUVXYZ".slice(0, d);
  const perms = dimensionPerms(
    op,
    o.dimensionNumbers ?? [`NC${letters}`, `OI${letters}`, `NC${letters}`],
    d + 2,
  );
  if (!Array.isArray(windowStrides)) {
    throw new TypeError(
      `${op}: windowStrides must be ${d} positive integers, got ${show(windowStrides)}.`,
    );
  }
  const x = np.transpose(lhs, perms.lhs), w = np.transpose(rhs, perms.rhs);
  let y: NDArray;
  try {
    y = convNd(
      op,
      x,
      w,
      {
        stride: windowStrides,
        padding,
        lhsDilation: o.lhsDilation,
        dilation: o.rhsDilation,
        groups: o.featureGroupCount,
      },
      d,
      "…",
    );
  } catch (e) {
    if (!(e instanceof TypeError) || !e.message.includes("kernel")) throw e;
    // the shapes in the message are channels-last ([N, …, C] and […, I, O]); say so
    throw new TypeError(
      `${e.message} (Shapes as permuted by dimensionNumbers ${
        show(o.dimensionNumbers ?? "default NC…/OI…")
      }` +
        ` to channels-last; given input ${fmtShape(lhs.shape)}, kernel ${fmtShape(rhs.shape)}.)`,
    );
  }
  return np.transpose(y, perms.out);
}

/** The parameters of a convolution layer: kernel [KH, KW, C / groups, O] and bias [O]. */
export interface ConvParams {
  /** Kernel, shape [KH, KW, C / groups, O]. */
  w: NDArray;
  /** Bias, shape [O]. */
  b: NDArray;
}

/**
 * A convolution layer (NHWC): `conv2d(x, w) + b`, He-normal kernel by default.
 * @param inChannels Input channels C.
 * @param outChannels Output channels O.
 * @param kernelSize KH×KW: a number or a pair.
 * @param options `stride`, `padding`, `dilation`, `groups`, `init`.
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
  options: Omit<ConvOptions, "lhsDilation" | "featureGroupCount"> & {
    init?: "glorotUniform" | "heNormal" | "lecunNormal";
  } = {},
): Layer<ConvParams> {
  const op = "nn.conv2dLayer";
  checkOptions(op, options, ["stride", "padding", "dilation", "groups", "init"]);
  checkInt(op, "inChannels", inChannels, 1);
  checkInt(op, "outChannels", outChannels, 1);
  const [kh, kw] = perAxis(op, "kernelSize", kernelSize, 2, 1);
  const groups = checkInt(op, "groups", options.groups ?? 1, 1);
  if (inChannels % groups || outChannels % groups) {
    throw new TypeError(
      `${op}: inChannels (${inChannels}) and outChannels (${outChannels}) must be divisible by ` +
        `groups (${groups}).`,
    );
  }
  const conv = {
    stride: options.stride,
    padding: options.padding,
    dilation: options.dilation,
    groups,
  };
  perAxis(op, "stride", conv.stride, 2, 1);
  perAxis(op, "dilation", conv.dilation, 2, 1);
  checkPadding(op, conv.padding ?? "VALID", 2);
  const initName = options.init === undefined
    ? "heNormal"
    : checkChoice(op, "init", options.init, ["glorotUniform", "heNormal", "lecunNormal"]);
  const initW = { glorotUniform, heNormal, lecunNormal }[initName];
  return {
    init: (key) => ({
      w: initW(key, [kh, kw, inChannels / groups, outChannels]),
      b: np.zeros([outChannels]),
    }),
    apply: (p, x) => np.add(conv2d(x, p.w, conv), p.b),
  };
}
