/**
 * nn at large sizes and in half precision: functions that used to overflow,
 * allocate quadratic memory or take seconds, each checked against flax/JAX
 * values (pasted literals, with the command that made them) or an
 * independent plain-JS reference, at sizes that run in well under 2 s.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { grad, type NDArray, nn, np, random } from "../mod.ts";
import { assertAllClose } from "./_helpers.ts";

/** A deterministic test signal, sin(0.731·i + 1.3·seed)·2, shaped. */
function wave(
  shape: readonly number[],
  seed = 1,
  dtype: "float32" | "float64" = "float32",
): NDArray {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Array.from({ length: n }, (_, i) => Math.sin(i * 0.731 + seed * 1.3) * 2);
  return np.array(data, { shape, dtype });
}

describe("nn normalizations in float16 and bfloat16", () => {
  // x = (arange(8)·100 + 300) as float16: x² reaches 1e6, past float16's 65504
  const big = () => np.arange(8).mul(100).add(300).reshape([1, 8]).astype("float16");
  // flax 0.12.8: nn.LayerNorm(use_scale=False, use_bias=False).apply(params, big) (float16 out)
  const flaxLayer = [
    -1.52734375,
    -1.0908203125,
    -0.65478515625,
    -0.21826171875,
    0.21826171875,
    0.65478515625,
    1.0908203125,
    1.52734375,
  ];

  it("nn.layerNorm() of float16 input with |x| > 255 matches flax, which computes statistics in float32", () => {
    const y = nn.layerNorm(big());
    assert.equal(y.dtype, "float16");
    assertAllClose(y, [flaxLayer], { atol: 0, rtol: 0 });
  });

  it("nn.rmsNorm() and nn.groupNorm() of large float16 input match flax", () => {
    // flax 0.12.8: nn.RMSNorm(use_scale=False) and nn.GroupNorm(num_groups=2, use_scale=False,
    // use_bias=False) applied to the same float16 input
    const rms = [
      0.435302734375,
      0.58056640625,
      0.7255859375,
      0.87060546875,
      1.015625,
      1.1611328125,
      1.3056640625,
      1.451171875,
    ];
    const group = [
      -1.341796875,
      -0.447265625,
      0.447265625,
      1.341796875,
      -1.341796875,
      -0.447265625,
      0.447265625,
      1.341796875,
    ];
    assertAllClose(nn.rmsNorm(big()), [rms], { atol: 0, rtol: 0 });
    assertAllClose(nn.groupNorm(big(), 2), [group], { atol: 0, rtol: 0 });
  });

  it("nn.batchNorm() of large float16 input matches flax and keeps float32 running statistics", () => {
    // flax 0.12.8: nn.BatchNorm(use_running_average=False, use_scale=False, use_bias=False,
    // epsilon=1e-5) on big.reshape(8, 1): the flaxLayer values; batch_stats mean 6.5, var 525.99
    const state = { mean: np.zeros([1]), var: np.ones([1]) };
    const [y, next] = nn.batchNorm(big().reshape([8, 1]), state);
    assert.equal(y.dtype, "float16");
    assertAllClose(y.reshape([8]), flaxLayer, { atol: 0, rtol: 0 });
    assert.equal(next.mean.dtype, "float32");
    assertAllClose(next.mean, [6.5], { rtol: 1e-6 });
    assertAllClose(next.var, [525.99], { rtol: 1e-6 });
  });

  it("nn.layerNorm() of float16 input with a small variance does not cancel to noise", () => {
    // flax 0.12.8: nn.LayerNorm(use_scale=False, use_bias=False) of (arange(8)·0.001 + 1) in
    // float16 (the float16 mean(x²) − mean(x)² gave values up to −3.88)
    const x = np.arange(8).mul(0.001).add(1).reshape([1, 8]).astype("float16");
    const flax = [
      -1.39453125,
      -0.99609375,
      -0.59765625,
      -0.19921875,
      0.19921875,
      0.59765625,
      0.99609375,
      1.39453125,
    ];
    assertAllClose(nn.layerNorm(x), [flax], { atol: 0, rtol: 0 });
  });

  it("nn.layerNorm() of bfloat16 input rounds once, to the float32 result", () => {
    const x = wave([3, 16]).mul(40).add(500).astype("bfloat16");
    const ref = nn.layerNorm(x.astype("float32")).astype("bfloat16");
    const y = nn.layerNorm(x);
    assert.equal(y.dtype, "bfloat16");
    assertAllClose(y, ref, { atol: 0, rtol: 0 });
  });

  it("nn.layerNorm() with float32 scale and bias on float16 input returns float32, as flax's promotion", () => {
    const scale = wave([8], 2), bias = wave([8], 3);
    const y = nn.layerNorm(big(), { scale, bias });
    assert.equal(y.dtype, "float32");
    const ref = nn.layerNorm(big().astype("float32"), { scale, bias });
    assertAllClose(y, ref, { atol: 1e-6, rtol: 1e-6 });
  });

  it("grad(nn.layerNorm()) of large float16 input is finite and the float32 gradient rounded", () => {
    const c = wave([1, 8], 4);
    const loss = (x: NDArray) => np.sum(nn.layerNorm(x).astype("float32").mul(c));
    const g = grad(loss)(big());
    assert.equal(g.dtype, "float16");
    const ref = grad(loss)(big().astype("float32"));
    assertAllClose(g, ref.astype("float16"), { atol: 1e-6, rtol: 1e-3 });
  });
});

/** The dense [m, n] triangle-kernel weights of jax.image.resize, written out plainly. */
function denseLinear(m: number, n: number, antialias: boolean): number[][] {
  const s = antialias ? Math.max(m / n, 1) : 1;
  const w = Array.from({ length: m }, () => new Array<number>(n).fill(0));
  for (let j = 0; j < n; j++) {
    const f = (j + 0.5) * (m / n) - 0.5;
    if (f < -0.5 || f > m - 0.5) continue;
    let total = 0;
    for (let i = 0; i < m; i++) total += w[i][j] = Math.max(0, 1 - Math.abs(f - i) / s);
    for (let i = 0; i < m; i++) w[i][j] /= total;
  }
  return w;
}

describe("nn.upsample() bilinear at large sizes", () => {
  it("nn.upsample() resizes 65536 → 131072 cells (a dense weight matrix would be 8.6e9 entries) as a linear interpolation", () => {
    const m = 65536, n = 131072;
    const x = wave([1, m, 1], 1, "float64");
    const y = nn.upsample(x, { size: [n], method: "bilinear" }).reshape([n]).toArray() as number[];
    const xs = x.reshape([m]).toArray() as number[];
    // half-pixel centres: output j samples f = (j + ½)·m/n − ½, clamped to the input
    let worst = 0;
    for (let j = 0; j < n; j++) {
      const f = Math.min(Math.max((j + 0.5) * (m / n) - 0.5, 0), m - 1);
      const i = Math.min(Math.floor(f), m - 2), t = f - i;
      worst = Math.max(worst, Math.abs(y[j] - ((1 - t) * xs[i] + t * xs[i + 1])));
    }
    assert.ok(worst < 1e-12, `largest difference ${worst}`);
  });

  it("nn.upsample() antialiased downsampling and its gradient match the dense triangle-kernel weights", () => {
    for (const [m, n, antialias] of [[37, 5, true], [37, 5, false], [13, 4, true], [5, 13, true]]) {
      const x = wave([2, m as number, 3], 2, "float64");
      const c = wave([2, n as number, 3], 3, "float64");
      const w = denseLinear(m as number, n as number, antialias as boolean);
      const resize = (v: NDArray) =>
        nn.upsample(v, {
          size: [n as number],
          method: "bilinear",
          antialias: antialias as boolean,
        });
      // y[b, j, ch] = Σ_i w[i][j] x[b, i, ch]; d Σ c·y / dx[b, i, ch] = Σ_j w[i][j] c[b, j, ch]
      const wt = np.array(w.flat(), { shape: [m as number, n as number], dtype: "float64" });
      const ref = np.einsum("im,bic->bmc", wt, x);
      const gref = np.einsum("im,bmc->bic", wt, c);
      assertAllClose(resize(x), ref, { atol: 1e-12, rtol: 1e-12 });
      assertAllClose(grad((v: NDArray) => np.sum(resize(v).mul(c)))(x), gref, {
        atol: 1e-12,
        rtol: 1e-12,
      });
    }
  });

  it("nn.upsample() of [2, 256, 256, 3] to 512 × 512 matches the separable linear interpolation", () => {
    const x = wave([2, 256, 256, 3], 5);
    const y = nn.upsample(x, { size: [512, 512], method: "bilinear" });
    const w = np.array(denseLinear(256, 512, true).flat(), { shape: [256, 512] });
    const ref = np.einsum("hy,wx,bhwc->byxc", w, w, x);
    assertAllClose(y, ref, { atol: 1e-5, rtol: 1e-5 });
  });
});

/** Average pooling of x [N, H, W, C] written as plain loops (float64), with each window's divisor. */
function avgPoolReference(
  x: NDArray,
  window: [number, number],
  stride: [number, number],
  pads: [[number, number], [number, number]],
  countIncludePad: boolean,
): { shape: number[]; data: number[]; divisor: number[]; origin: [number, number][] } {
  const [n, h, w, c] = x.shape, v = x.astype("float64").reshape([-1]).toArray() as number[];
  const oh = Math.floor((h + pads[0][0] + pads[0][1] - window[0]) / stride[0]) + 1;
  const ow = Math.floor((w + pads[1][0] + pads[1][1] - window[1]) / stride[1]) + 1;
  const data: number[] = [], divisor: number[] = [], origin: [number, number][] = [];
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        for (let ch = 0; ch < c; ch++) {
          const top = i * stride[0] - pads[0][0], left = j * stride[1] - pads[1][0];
          let sum = 0, inside = 0;
          for (let di = 0; di < window[0]; di++) {
            for (let dj = 0; dj < window[1]; dj++) {
              const y = top + di, z = left + dj;
              if (y < 0 || y >= h || z < 0 || z >= w) continue;
              sum += v[((b * h + y) * w + z) * c + ch];
              inside++;
            }
          }
          const div = countIncludePad ? window[0] * window[1] : inside;
          data.push(sum / div);
          divisor.push(div);
          origin.push([top, left]);
        }
      }
    }
  }
  return { shape: [n, oh, ow, c], data, divisor, origin };
}

describe("nn.avgPool2d() summed one axis at a time", () => {
  const cases: [[number, number], [number, number], [[number, number], [number, number]]][] = [
    [[3, 3], [1, 1], [[1, 1], [1, 1]]],
    [[3, 2], [2, 1], [[1, 2], [0, 1]]],
    [[2, 3], [3, 2], [[0, 0], [0, 0]]],
    [[4, 4], [3, 3], [[3, 0], [2, 2]]],
  ];
  for (const [window, stride, padding] of cases) {
    for (const countIncludePad of [true, false]) {
      it(`nn.avgPool2d() and its gradient match plain loops (window ${window}, stride ${stride}, padding ${JSON.stringify(padding)}, countIncludePad ${countIncludePad})`, () => {
        const x = wave([2, 9, 11, 3], 1, "float64");
        const ref = avgPoolReference(x, window, stride, padding, countIncludePad);
        const pool = (v: NDArray) => nn.avgPool2d(v, window, { stride, padding, countIncludePad });
        assertAllClose(pool(x), np.array(ref.data, { shape: ref.shape, dtype: "float64" }), {
          atol: 1e-13,
          rtol: 1e-13,
        });
        // d Σ c·y / dx[b, y, z, ch] = Σ over the windows covering (y, z) of c / divisor
        const c = wave(ref.shape, 2, "float64");
        const cs = c.reshape([-1]).toArray() as number[];
        const [, h, w, ch] = x.shape, [, oh, ow] = ref.shape;
        const g = new Array<number>(x.size).fill(0);
        for (let o = 0; o < cs.length; o++) {
          const b = Math.floor(o / (oh * ow * ch)), k = o % ch, [top, left] = ref.origin[o];
          for (let di = 0; di < window[0]; di++) {
            for (let dj = 0; dj < window[1]; dj++) {
              const y = top + di, z = left + dj;
              if (y >= 0 && y < h && z >= 0 && z < w) {
                g[((b * h + y) * w + z) * ch + k] += cs[o] / ref.divisor[o];
              }
            }
          }
        }
        assertAllClose(
          grad((v: NDArray) => np.sum(pool(v).mul(c)))(x),
          np.array(g, { shape: x.shape, dtype: "float64" }),
          { atol: 1e-13, rtol: 1e-13 },
        );
      });
    }
  }

  it("nn.avgPool2d() of float16 sums in float32, so a window of 30000s averages to 30000", () => {
    const x = np.full([1, 6, 6, 2], 30000, { dtype: "float16" });
    for (const options of [{}, { stride: 1, padding: "SAME" as const, countIncludePad: false }]) {
      const y = nn.avgPool2d(x, 3, options);
      assert.equal(y.dtype, "float16");
      assert.ok(
        (y.reshape([-1]).toArray() as number[]).every((v) => v === 30000),
        `got ${y.reshape([-1]).toArray()}`,
      );
    }
  });

  it("grad(nn.avgPool2d()) of a [8, 64, 64, 32] batch, 3×3 stride 1 SAME, is the count of windows covering each cell / 9", () => {
    const g = grad((v: NDArray) => np.sum(nn.avgPool2d(v, 3, { stride: 1, padding: "SAME" })))(
      np.ones([8, 64, 64, 32]),
    );
    // a cell at row y is covered by windows centred at rows max(y−1, 0) … min(y+1, 63)
    const cover = (y: number) => Math.min(y + 1, 63) - Math.max(y - 1, 0) + 1;
    const row = (y: number, z: number) => cover(y) * cover(z) / 9;
    const got = np.slice(g, [[3, 4], [0, 64, 21], [0, 64, 9], [5, 6]]).reshape([-1])
      .toArray() as number[];
    const ys = [0, 21, 42, 63], zs = [0, 9, 18, 27, 36, 45, 54, 63];
    assertAllClose(got, ys.flatMap((y) => zs.map((z) => row(y, z))), { atol: 1e-6, rtol: 1e-6 });
  });
});

/** x with ld − 1 zeros inserted between neighbours along each spatial axis, built from differentiable ops. */
function dilateInput(x: NDArray, ld: readonly number[]): NDArray {
  let y = x;
  ld.forEach((f, i) => {
    if (f === 1) return;
    const a = i + 1, shape = y.shape;
    // [.., S, ..] → [.., S, f, ..] with the original in slot 0 → [.., S·f, ..] → keep (S − 1)·f + 1
    const zeros = np.zeros([...shape.slice(0, a + 1), f - 1, ...shape.slice(a + 1)], {
      dtype: y.dtype,
    });
    const spread = np.concatenate([np.expandDims(y, a + 1), zeros], a + 1);
    const merged = np.reshape(spread, [...shape.slice(0, a), shape[a] * f, ...shape.slice(a + 1)]);
    y = np.slice(merged, shape.map((_, b) => b === a ? [0, (shape[a] - 1) * f + 1, 1] : null));
  });
  return y;
}

describe("nn convolutions with input (lhs) dilation, gathered phase by phase", () => {
  const cases: {
    ld: [number, number];
    stride: [number, number];
    rd: [number, number];
    padding: [[number, number], [number, number]];
    groups: number;
    kernel: [number, number];
  }[] = [
    {
      ld: [2, 2],
      stride: [1, 1],
      rd: [1, 1],
      padding: [[2, 2], [1, 2]],
      groups: 1,
      kernel: [3, 4],
    },
    {
      ld: [3, 2],
      stride: [2, 1],
      rd: [2, 3],
      padding: [[1, 3], [4, 0]],
      groups: 2,
      kernel: [3, 2],
    },
    {
      ld: [2, 3],
      stride: [1, 2],
      rd: [1, 1],
      padding: [[-1, 2], [0, 0]],
      groups: 1,
      kernel: [2, 3],
    },
    {
      ld: [2, 2],
      stride: [1, 1],
      rd: [1, 1],
      padding: [[0, 0], [0, 1]],
      groups: 1,
      kernel: [1, 1],
    },
    {
      ld: [4, 1],
      stride: [3, 1],
      rd: [1, 1],
      padding: [[2, 1], [1, 1]],
      groups: 4,
      kernel: [5, 3],
    },
  ];
  for (const { ld, stride, rd, padding, groups, kernel } of cases) {
    it(`nn.conv2d() with lhsDilation ${ld}, stride ${stride}, dilation ${rd}, padding ${JSON.stringify(padding)}, ${groups} groups equals conv2d of the zero-dilated input, with gradients`, () => {
      const x = wave([2, 5, 6, 4], 1, "float64");
      const w = wave([...kernel, 4 / groups, 8], 2, "float64");
      const options = { stride, dilation: rd, padding, groups };
      const phased = (x: NDArray, w: NDArray) => nn.conv2d(x, w, { ...options, lhsDilation: ld });
      const plain = (x: NDArray, w: NDArray) => nn.conv2d(dilateInput(x, ld), w, options);
      const y = phased(x, w);
      assertAllClose(y, plain(x, w), { atol: 1e-12, rtol: 1e-12 });
      const c = wave(y.shape, 3, "float64");
      const loss = (f: typeof plain) => (x: NDArray, w: NDArray) => np.sum(f(x, w).mul(c));
      assertAllClose(grad(loss(phased), [0, 1])(x, w), grad(loss(plain), [0, 1])(x, w), {
        atol: 1e-12,
        rtol: 1e-12,
      });
    });
  }

  it("nn.conv3dTranspose() of [1, 10, 12, 14, 8] by a 3×3×3 kernel at stride 2 equals conv3d of the zero-dilated input", () => {
    const x = wave([1, 10, 12, 14, 8], 4);
    const w = wave([3, 3, 3, 8, 16], 5).mul(0.1);
    const y = nn.conv3dTranspose(x, w, { stride: 2, padding: "SAME" });
    assert.deepEqual(y.shape, [1, 20, 24, 28, 16]);
    // JAX's "SAME" transposed padding for kernel 3, stride 2: [2, 1] on the dilated input
    const ref = nn.conv3d(dilateInput(x, [2, 2, 2]), w, { padding: [[2, 1], [2, 1], [2, 1]] });
    assertAllClose(y, ref, { atol: 1e-4, rtol: 1e-5 });
  });
});

describe("nn.dotProductAttention() shapes and options", () => {
  it("nn.dotProductAttention() with 2 key/value heads for 4 query heads matches JAX's grouped-query attention", () => {
    // JAX 0.10.2: jax.nn.dot_product_attention(q, k, v, is_causal=True) with float32
    // q = wave([1, 2, 4, 2], 1), k = wave([1, 3, 2, 2], 2), v = wave([1, 3, 2, 2], 3)
    const jax = [
      -1.375532,
      -1.993379,
      -1.375532,
      -1.993379,
      -1.592638,
      -0.378082,
      -1.592638,
      -0.378082,
      -1.121977,
      -1.581753,
      -1.182604,
      -1.680177,
      -1.591468,
      -0.37768,
      -1.573381,
      -0.371465,
    ];
    const y = nn.dotProductAttention(
      wave([1, 2, 4, 2], 1),
      wave([1, 3, 2, 2], 2),
      wave([1, 3, 2, 2], 3),
      {
        isCausal: true,
      },
    );
    assert.deepEqual(y.shape, [1, 2, 4, 2]);
    assertAllClose(y.reshape([16]), jax, { atol: 2e-6, rtol: 2e-6 });
  });

  it("nn.dotProductAttention() rejects float masks, bad bias shapes, rates outside [0, 1) and unequal key/value shapes", () => {
    const q = np.ones([1, 4, 2, 3]);
    const attend = (options: Parameters<typeof nn.dotProductAttention>[3], v = q) => () =>
      nn.dotProductAttention(q, q, v, options);
    assert.throws(
      attend({ mask: np.zeros([4, 4]) }),
      /dotProductAttention: mask must be a bool array.*bias/,
    );
    assert.throws(
      attend({ bias: np.ones([3, 5]) }),
      /dotProductAttention: bias must broadcast to .*\[1, 2, 4, 4\]/,
    );
    assert.throws(
      attend({ mask: np.ones([2, 4, 4, 1], { dtype: "bool" }) }),
      /mask must broadcast/,
    );
    assert.throws(attend({ dropoutRate: 1, key: random.key(0) }), RangeError);
    assert.throws(attend({ dropoutRate: 0.5 }), /dropoutRate 0.5 needs a key/);
    assert.throws(attend({ scale: NaN }), /scale must be a finite number/);
    assert.throws(
      attend({ isCausal: "yes" as unknown as boolean }),
      /isCausal must be true or false/,
    );
    assert.throws(attend({}, np.ones([1, 4, 2, 5])), /key and value of one shape/);
    assert.throws(
      () =>
        nn.dotProductAttention(np.ones([1, 4, 3, 3]), np.ones([1, 4, 2, 3]), np.ones([1, 4, 2, 3])),
      /K dividing N/,
    );
  });
});

describe("nn normalization and recurrent-cell input checks", () => {
  it("nn.layerNorm(), nn.rmsNorm() and nn.groupNorm() reject unknown options and scales of the wrong size", () => {
    const x = np.ones([2, 3, 4]);
    assert.throws(() => nn.layerNorm(x, { eps: 1 } as never), /layerNorm: unknown option "eps"/);
    assert.throws(
      () => nn.rmsNorm(x, { bias: np.ones([4]) } as never),
      /rmsNorm: unknown option "bias"/,
    );
    assert.throws(
      () => nn.layerNorm(x, { scale: np.ones([5]) }),
      /layerNorm: scale must broadcast .*\[4\]/,
    );
    assert.throws(
      () => nn.groupNorm(x, 2, { bias: np.ones([2, 2, 3, 4]) }),
      /groupNorm: bias must broadcast/,
    );
    assert.throws(() => nn.layerNorm(x, { epsilon: "1e-6" as never }), /epsilon must be a number/);
  });

  it("nn.batchNorm() rejects running statistics of the wrong size and a momentum outside [0, 1]", () => {
    const x = np.ones([8, 3]);
    const state = { mean: np.zeros([3]), var: np.ones([3]) };
    assert.throws(
      () => nn.batchNorm(x, { mean: np.zeros([4]), var: np.ones([4]) }),
      /batchNorm: state.mean must have shape \[3\]/,
    );
    assert.throws(() => nn.batchNorm(x, state, { momentum: 1.5 }), RangeError);
    assert.throws(
      () => nn.batchNorm(x, state, { training: 1 as never }),
      /training must be true or false/,
    );
  });

  it("nn.lstmCell() and nn.gruCell() steps reject inputs and carries of the wrong width", () => {
    const lstm = nn.lstmCell(3, 4), gru = nn.gruCell(3, 4);
    const lp = lstm.init(random.key(0));
    const gp = gru.init(random.key(0));
    assert.throws(
      () => lstm.apply(lp, lstm.initialCarry([2]), np.ones([2, 5])),
      /lstmCell.apply: x must have 3 features/,
    );
    assert.throws(
      () => gru.apply(gp, np.zeros([2, 5]), np.ones([2, 3])),
      /gruCell.apply: carry must have 4 features/,
    );
  });
});
