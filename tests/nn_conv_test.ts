/**
 * nn convolutions, pooling and upsampling: values and gradients (wrt input and
 * kernel) against JAX 0.10.2 (tests/fixtures/gen_conv.py → conv.json), float64
 * finite differences and the JVP/VJP identity, and the same functions under
 * jit, vmap, grad and on the worker pool; grouped convs against a per-group
 * loop; input validation.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  checkGrads,
  createWorkerPool,
  grad,
  jit,
  type NDArray,
  nn,
  np,
  valueAndGrad,
  vmap,
} from "../mod.ts";
import { assertAllClose, randomArray } from "./_helpers.ts";

interface Tensor {
  shape: number[];
  data: number[];
}
interface Case {
  fn: string;
  options: Record<string, unknown>;
  window?: number | number[];
  x: Tensor;
  w?: Tensor;
  ct: number[];
  out: Tensor;
  dx: number[];
  dw?: number[];
}
const FIXTURE = JSON.parse(
  readFileSync(new URL("./fixtures/conv.json", import.meta.url), "utf8"),
) as { jax: string; cases: Case[] };

const f64 = (t: Tensor) => np.array(t.data, { dtype: "float64" }).reshape(t.shape);
const tight = { rtol: 1e-10, atol: 1e-10 };

// deno-lint-ignore no-explicit-any
const NN = nn as unknown as Record<string, (...args: any[]) => NDArray>;

/** The function a fixture case calls, as f(x, w) (w unused for pooling and resizing). */
function caseFn(c: Case): (x: NDArray, w: NDArray) => NDArray {
  const f = NN[c.fn];
  if (c.fn === "convGeneralDilated") {
    const { windowStrides, padding, ...rest } = c.options;
    return (x, w) => f(x, w, windowStrides, padding, rest);
  }
  if (c.w) return (x, w) => f(x, w, c.options);
  if (c.window !== undefined) return (x) => f(x, c.window, c.options);
  return (x) => f(x, c.options);
}

const label = (c: Case) => `${c.fn} ${JSON.stringify(c.window ?? "")}${JSON.stringify(c.options)}`;

describe(`nn convolutions against JAX ${FIXTURE.jax}`, () => {
  for (const c of FIXTURE.cases) {
    it(`${label(c)} matches JAX's output and its gradients wrt input and kernel`, () => {
      const f = caseFn(c);
      const x = f64(c.x), w = c.w ? f64(c.w) : np.zeros([1], { dtype: "float64" });
      const ct = np.array(c.ct, { dtype: "float64" }).reshape(c.out.shape);
      const y = f(x, w);
      assert.deepEqual(y.shape, c.out.shape);
      assertAllClose(y, f64(c.out), tight);
      const loss = (a: NDArray, b: NDArray) => f(a, b).mul(ct).sum();
      const [dx, dw] = grad(loss, { argnums: [0, 1] })(x, w) as [NDArray, NDArray];
      assertAllClose(dx, np.array(c.dx, { dtype: "float64" }).reshape(c.x.shape), tight);
      if (c.w) assertAllClose(dw, np.array(c.dw!, { dtype: "float64" }).reshape(c.w.shape), tight);
    });
  }
});

/** One case of each family, for the transform checks (kept few: the suite must stay fast). */
const picks = [
  "conv1d",
  "conv2d",
  "conv3d",
  "conv2dTranspose",
  "convGeneralDilated",
  "avgPool1d",
  "maxPool2d",
  "upsample",
].map((fn) => FIXTURE.cases.filter((c) => c.fn === fn).at(-1)!);

describe("nn convolutions under transformations", () => {
  for (const c of picks) {
    it(`${c.fn} passes finite differences and the JVP/VJP identity in float64`, () => {
      const f = caseFn(c);
      const x = f64(c.x);
      if (c.w) {
        checkGrads((a: NDArray, b: NDArray) => f(a, b).square().sum(), [x, f64(c.w)]);
      } else checkGrads((a: NDArray) => f(a, a).square().sum(), [x]);
    });
  }

  for (const c of picks) {
    it(`${c.fn} under jit and under vmap over an extra batch axis equals the eager loop`, () => {
      const f = caseFn(c);
      const x = f64(c.x), w = c.w ? f64(c.w) : np.zeros([1], { dtype: "float64" });
      assertAllClose(jit(f)(x, w), f(x, w), tight);
      const xs = np.stack([x, x.mul(-0.5), x.add(0.25)], 0);
      const batched = vmap((xi: NDArray) => f(xi, w))(xs);
      assertAllClose(
        batched,
        np.stack([0, 1, 2].map((i) => f(xs.take([i], 0).squeeze(0), w))),
        tight,
      );
      const gradJit = jit(grad((a: NDArray) => f(a, w).square().sum()));
      assertAllClose(gradJit(x), grad((a: NDArray) => f(a, w).square().sum())(x), tight);
    });
  }

  it("conv2d with groups equals the concatenation of per-group convolutions", () => {
    const x = randomArray([2, 6, 5, 6], { seed: 3, dtype: "float64" });
    const w = randomArray([3, 3, 2, 9], { seed: 4, dtype: "float64" });
    const perGroup = [0, 1, 2].map((g) =>
      nn.conv2d(
        np.slice(x, [null, null, null, [2 * g, 2 * g + 2]]),
        np.slice(w, [null, null, null, [3 * g, 3 * g + 3]]),
        { padding: "SAME", stride: [2, 1] },
      )
    );
    const grouped = nn.conv2d(x, w, { padding: "SAME", stride: [2, 1], groups: 3 });
    assertAllClose(grouped, np.concatenate(perGroup, 3), tight);
    assertAllClose(
      nn.conv2d(x, w, { padding: "SAME", stride: [2, 1], featureGroupCount: 3 }),
      grouped,
      tight,
    );
  });

  it("grouped conv2d under vmap over both input and kernel equals the loop", () => {
    const xs = randomArray([3, 1, 5, 4, 4], { seed: 14, dtype: "float64" });
    const ws = randomArray([3, 2, 3, 2, 6], { seed: 15, dtype: "float64" });
    const f = (x: NDArray, w: NDArray) => nn.conv2d(x, w, { groups: 2, padding: "SAME" });
    const want = np.stack(
      [0, 1, 2].map((i) => f(xs.take([i], 0).squeeze(0), ws.take([i], 0).squeeze(0))),
    );
    assertAllClose(vmap(f)(xs, ws), want, tight);
  });

  it("conv2dTranspose is the gradient of conv2d with the kernel transposed", () => {
    // d/dx ⟨conv2d(x, w; stride 2, SAME), g⟩ = conv2dTranspose(g, w; stride 2, SAME, transposeKernel)
    const x = randomArray([1, 6, 6, 2], { seed: 5, dtype: "float64" });
    const w = randomArray([3, 3, 2, 3], { seed: 6, dtype: "float64" });
    const g = randomArray([1, 3, 3, 3], { seed: 7, dtype: "float64" });
    const dx = grad((a: NDArray) => nn.conv2d(a, w, { stride: 2, padding: "SAME" }).mul(g).sum())(
      x,
    );
    const t = nn.conv2dTranspose(g, w, { stride: 2, padding: "SAME", transposeKernel: true });
    assertAllClose(t, dx, tight);
  });

  it("conv2d, pooling and upsample run on the worker pool like valueAndGrad", async () => {
    await using pool = createWorkerPool({ size: 1 });
    const params = {
      w1: randomArray([3, 3, 1, 4], { seed: 8, dtype: "float64" }),
      w2: randomArray([3, 4, 1], { seed: 9, dtype: "float64" }),
    };
    const loss = (p: typeof params, xb: NDArray) => {
      const h = nn.conv2d(xb, p.w1, { padding: "SAME", groups: 2, dilation: 2 });
      const u = nn.upsample(nn.maxPool2d(h, 2), { scale: 2, method: "bilinear" });
      const t = nn.conv1dTranspose(nn.avgPool1d(u.mean(1), 2), p.w2, { stride: 2 });
      return nn.globalAvgPool(t).square().mean();
    };
    const xb = randomArray([3, 6, 6, 2], { seed: 10, dtype: "float64" });
    const [v, g] = await pool.valueAndGrad(loss)(params, xb);
    const [v0, g0] = valueAndGrad(loss)(params, xb);
    assertAllClose([v, g], [v0, g0], tight);
  });
});

describe("nn pooling and upsample", () => {
  it("globalAvgPool and globalMaxPool reduce every spatial axis, 1-D and 2-D", () => {
    const x2 = randomArray([2, 3, 4, 5], { seed: 11 });
    assertAllClose(nn.globalAvgPool(x2), x2.mean([1, 2]));
    assertAllClose(
      nn.globalMaxPool(x2, { keepdims: true }),
      np.max(x2, { axis: [1, 2], keepdims: true }),
    );
    const x1 = randomArray([2, 7, 3], { seed: 12 });
    assertAllClose(nn.globalMaxPool(x1), x1.max(1));
    assertAllClose(nn.globalAvgPool(x1, { keepdims: true }).shape, [2, 1, 3]);
  });

  it("upsample by an integer scale equals upsample to the scaled size", () => {
    const x = randomArray([1, 3, 4, 2], { seed: 13 });
    for (const method of ["nearest", "bilinear"] as const) {
      assertAllClose(
        nn.upsample(x, { scale: [2, 3], method }),
        nn.upsample(x, { size: [6, 12], method }),
      );
    }
  });

  it("maxPool2d pads integer and bool input with the dtype's smallest value, so padding never wins", () => {
    for (const dtype of ["int32", "int16", "int8"] as const) {
      const x = np.array([[-5, -7], [-9, -3]]).astype(dtype).reshape([1, 2, 2, 1]);
      const y = nn.maxPool2d(x, 2, { stride: 1, padding: "SAME" });
      assert.equal(y.dtype, dtype);
      assert.deepEqual(y.reshape([4]).toArray(), [-3, -3, -3, -3], dtype);
    }
    const b = np.array([[false, false], [false, true]]).reshape([1, 2, 2, 1]);
    const yb = nn.maxPool2d(b, 2, { stride: 1, padding: "SAME" });
    assert.deepEqual(yb.reshape([4]).toArray(), [true, true, true, true]);
    const none = nn.maxPool2d(np.zeros([1, 2, 2, 1], { dtype: "bool" }), 2, {
      stride: 1,
      padding: "SAME",
    });
    assert.deepEqual(none.reshape([4]).toArray(), [false, false, false, false]);
  });

  it("avgPool1d and avgPool2d without countIncludePad give NaN for a window lying wholly in the padding", () => {
    const x = np.array([1, 2, 3]).reshape([1, 3, 1]);
    const opts = { stride: 1, padding: [1, 2], countIncludePad: false } as const;
    // JAX 0.10.2: lax.reduce_window sums / reduce_window counts of ones, padding (1, 2)
    assert.deepEqual(nn.avgPool1d(x, 1, opts).reshape([6]).toArray(), [NaN, 1, 2, 3, NaN, NaN]);
    const wide = { stride: 1, padding: [2, 3], countIncludePad: false } as const;
    // JAX 0.10.2: the same with window 2, padding (2, 3)
    assert.deepEqual(
      nn.avgPool1d(x, 2, wide).reshape([7]).toArray(),
      [NaN, 1, 1.5, 2.5, 3, NaN, NaN],
    );
    // two padded axes: the counts multiply, so two negative counts must not make a positive one
    const x2 = np.array([[1, 2], [3, 4]]).reshape([1, 2, 2, 1]);
    const pads = { stride: 1, padding: [[1, 2], [0, 1]], countIncludePad: false } as const;
    // JAX 0.10.2: window 1, padding ((1, 2), (0, 1))
    assert.deepEqual(nn.avgPool2d(x2, 1, pads).reshape([5, 3]).toArray(), [
      [NaN, NaN, NaN],
      [1, 2, NaN],
      [3, 4, NaN],
      [NaN, NaN, NaN],
      [NaN, NaN, NaN],
    ]);
  });

  it("avgPool2d and bilinear upsample keep float16 and bfloat16; integer input upsamples to float32", () => {
    for (const dtype of ["float16", "bfloat16"] as const) {
      const x = np.arange(8).astype(dtype).reshape([1, 2, 2, 2]);
      const opts = { stride: 1, padding: "SAME", countIncludePad: false } as const;
      assert.equal(nn.avgPool2d(x, 2, opts).dtype, dtype);
      const up = nn.upsample(x, { scale: 2, method: "bilinear" });
      assert.equal(up.dtype, dtype);
      assertAllClose(
        up.astype("float32"),
        nn.upsample(x.astype("float32"), { scale: 2, method: "bilinear" }),
        { atol: 0.05, rtol: 0.01 },
      );
    }
    assert.equal(
      nn.upsample(np.arange(4).astype("int8").reshape([1, 4, 1]), { scale: 2, method: "bilinear" })
        .dtype,
      "float32",
    );
  });
});

describe("nn convolution input validation", () => {
  const x = np.ones([1, 5, 5, 4]), w = np.ones([3, 3, 2, 6]);
  const cases: [string, () => unknown, ErrorConstructor, RegExp][] = [
    [
      "conv2d with a rank-3 input",
      () => nn.conv2d(np.ones([5, 5, 4]), w, { groups: 2 }),
      TypeError,
      /nn\.conv2d.*\[5, 5, 4\].*batch axis/,
    ],
    [
      "conv2d with channels not divisible by groups",
      () => nn.conv2d(x, np.ones([3, 3, 1, 6]), { groups: 3 }),
      TypeError,
      /nn\.conv2d.*divisible by 3/,
    ],
    [
      "conv2d with a kernel input axis other than C / groups",
      () => nn.conv2d(x, w),
      TypeError,
      /nn\.conv2d.*must be C = 4, got 2/,
    ],
    [
      "conv2d with a kernel larger than the padded input",
      () => nn.conv2d(np.ones([1, 2, 2, 4]), np.ones([3, 3, 4, 1])),
      TypeError,
      /nn\.conv2d.*larger than the padded input/,
    ],
    [
      "conv1d with a dilated kernel too large",
      () => nn.conv1d(np.ones([1, 5, 1]), np.ones([3, 1, 1]), { dilation: 3 }),
      TypeError,
      /nn\.conv1d.*dilation 3: 7/,
    ],
    [
      "conv2d with an unknown option",
      () => nn.conv2d(x, w, { dilations: 2 } as never),
      TypeError,
      /nn\.conv2d.*unknown option "dilations".*dilation/,
    ],
    [
      "conv2d with lowercase padding",
      () => nn.conv2d(x, w, { padding: "same" } as never),
      TypeError,
      /nn\.conv2d.*"SAME"/,
    ],
    [
      "conv2d with SAME padding and lhsDilation",
      () => nn.conv2d(x, w, { padding: "SAME", lhsDilation: 2, groups: 2 }),
      TypeError,
      /nn\.conv2d.*explicit/,
    ],
    [
      "conv2d with groups and featureGroupCount disagreeing",
      () => nn.conv2d(x, w, { groups: 2, featureGroupCount: 4 }),
      TypeError,
      /nn\.conv2d.*one of them/,
    ],
    [
      "conv2d with a zero dilation",
      () => nn.conv2d(x, w, { dilation: 0, groups: 2 }),
      RangeError,
      /nn\.conv2d: dilation must be at least 1/,
    ],
    [
      "conv3d with three strides for two axes",
      () => nn.conv3d(np.ones([1, 4, 4, 4, 1]), np.ones([2, 2, 2, 1, 1]), { stride: [1, 2] }),
      TypeError,
      /nn\.conv3d.*2 values for 3 spatial axes/,
    ],
    [
      "conv2dTranspose with groups",
      () => nn.conv2dTranspose(x, w, { groups: 2 } as never),
      TypeError,
      /nn\.conv2dTranspose.*unknown option "groups"/,
    ],
    [
      "convGeneralDilated with a bad layout",
      () =>
        nn.convGeneralDilated(x, w, [1, 1], "VALID", {
          dimensionNumbers: ["NHWC", "HWOO", "NHWC"],
        }),
      TypeError,
      /nn\.convGeneralDilated.*dimensionNumbers/,
    ],
    [
      "maxPool1d with a 2-D input",
      () => nn.maxPool1d(np.ones([3, 4]), 2),
      TypeError,
      /nn\.maxPool1d.*\[N, W, C\]/,
    ],
    [
      "avgPool1d with negative padding",
      () => nn.avgPool1d(np.ones([1, 4, 1]), 2, { padding: [-1, 0] }),
      TypeError,
      /nn\.avgPool1d.*non-negative/,
    ],
    [
      "maxPool2d with countIncludePad",
      () => nn.maxPool2d(x, 2, { countIncludePad: false }),
      TypeError,
      /nn\.maxPool2d.*unknown option "countIncludePad"/,
    ],
    [
      "globalAvgPool of a matrix",
      () => nn.globalAvgPool(np.ones([3, 4])),
      TypeError,
      /nn\.globalAvgPool.*rank ≥ 3/,
    ],
    [
      "upsample with both scale and size",
      () => nn.upsample(x, { scale: 2, size: [10, 10] }),
      TypeError,
      /nn\.upsample.*exactly one/,
    ],
    [
      "upsample with an unknown method",
      () => nn.upsample(x, { scale: 2, method: "bicubic" as never }),
      TypeError,
      /nn\.upsample.*"nearest", "bilinear"/,
    ],
    [
      "upsample with a fractional scale",
      () => nn.upsample(x, { scale: 1.5 }),
      TypeError,
      /nn\.upsample.*scale\[0\] must be an integer/,
    ],
  ];
  for (const [what, f, type, message] of cases) {
    it(`rejects ${what} with a ${type.name} naming the function`, () => {
      assert.throws(f, (e: unknown) => e instanceof type && message.test((e as Error).message));
    });
  }
});
