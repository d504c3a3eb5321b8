import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { grad, io, jit, nn, np, random, tree } from "../mod.ts";
import { model as mlp } from "../examples/mnist_mlp.ts";
import { cnnLogits, initCnn } from "../examples/mnist_cnn.ts";
import { readFileSync } from "node:fs";
import { onnxFixture } from "./fixtures/_io_spec.ts";

// ONNX Runtime (onnxruntime-node, a dev dependency) runs the exported models. It loads
// through N-API under Deno and Bun; where it cannot load, the ORT tests skip with the reason.
type Ort = typeof import("onnxruntime-node");
let ort: Ort | undefined;
let ortMissing = "";
try {
  ort = await import("onnxruntime-node");
} catch (e) {
  ortMissing = `onnxruntime-node cannot be loaded here: ${(e as Error).message}`;
  console.log(`io_onnx_test: skipping the ONNX Runtime checks: ${ortMissing}`);
}
const needsOrt = { skip: ort === undefined ? ortMissing : false };

const ORT_TYPE = { float32: "float32", float64: "float64", int32: "int32", bool: "bool" } as const;

/** Runs an exported model in ONNX Runtime on the given inputs (in graph input order). */
async function runOrt(bytes: Uint8Array, inputs: np.NDArray[]): Promise<np.NDArray[]> {
  const session = await ort!.InferenceSession.create(bytes);
  const feeds: Record<string, InstanceType<Ort["Tensor"]>> = {};
  session.inputNames.forEach((name, i) => {
    const x = inputs[i];
    feeds[name] = new ort!.Tensor(ORT_TYPE[x.dtype as keyof typeof ORT_TYPE], x.toTypedArray(), [
      ...x.shape,
    ]);
  });
  const out = await session.run(feeds);
  return session.outputNames.map((name) => {
    const t = out[name];
    const dtype = t.type === "float64"
      ? "float64"
      : t.type === "int32"
      ? "int32"
      : t.type === "bool"
      ? "bool"
      : "float32";
    return np.array(t.data as Float32Array, { shape: t.dims as number[], dtype });
  });
}

/** |ort − difftrace| ≤ atol + rtol·|difftrace| elementwise, same shape and dtype. */
function assertClose(got: np.NDArray, want: np.NDArray, atol = 1e-5, rtol = 1e-5, what = "") {
  assert.deepEqual(got.shape, want.shape, what);
  assert.equal(got.dtype, want.dtype, what);
  const g = got.toTypedArray(), w = want.toTypedArray();
  for (let i = 0; i < w.length; i++) {
    if (Number.isNaN(w[i])) assert.ok(Number.isNaN(g[i]), `${what} [${i}]: ${g[i]} vs NaN`);
    else if (!Number.isFinite(w[i])) assert.equal(g[i], w[i], `${what} [${i}]`);
    else {
      assert.ok(
        Math.abs(g[i] - w[i]) <= atol + rtol * Math.abs(w[i]),
        `${what} [${i}]: ONNX Runtime ${g[i]} vs difftrace ${w[i]}`,
      );
    }
  }
}

const images = (n: number, seed = 1) => random.uniform(random.key(seed), [n, 784]);

describe("io.exportOnnx checked by ONNX Runtime", () => {
  it(
    "exportOnnx() of the MNIST MLP gives difftrace's probabilities within 1e-5",
    needsOrt,
    async () => {
      const params = mlp.init(random.key(0));
      const predict = (x: np.NDArray) => nn.softmax(mlp.apply(params, x));
      const x = images(16);
      const bytes = io.exportOnnx(predict, x, { names: { inputs: ["image"], outputs: ["probs"] } });
      const session = await ort!.InferenceSession.create(bytes);
      assert.deepEqual(session.inputNames, ["image"]);
      assert.deepEqual(session.outputNames, ["probs"]);
      const [got] = await runOrt(bytes, [x]);
      assertClose(got, predict(x));
    },
  );

  it(
    "exportOnnx() of the MNIST CNN (im2col gather, matmul, max pooling) matches within 1e-5",
    needsOrt,
    async () => {
      const params = initCnn(random.key(0));
      const logits = (x: np.NDArray) => cnnLogits(params, x);
      const x = images(3, 2);
      const [got] = await runOrt(io.exportOnnx(logits, x), [x]);
      assertClose(got, logits(x), 1e-4, 1e-5);
    },
  );

  it(
    "exportOnnx() with dynamicBatch runs the MLP and the CNN at other batch sizes",
    needsOrt,
    async () => {
      const p = mlp.init(random.key(0)), c = initCnn(random.key(1));
      const f = (x: np.NDArray) => [nn.softmax(mlp.apply(p, x)), cnnLogits(c, x)];
      const bytes = io.exportOnnx(f, images(2), { dynamicBatch: true });
      for (const n of [1, 5]) {
        const x = images(n, 10 + n);
        const [a, b] = await runOrt(bytes, [x]);
        const [wa, wb] = f(x);
        assertClose(a, wa, 1e-5, 1e-5, `mlp batch ${n}`);
        assertClose(b, wb, 1e-4, 1e-5, `cnn batch ${n}`);
      }
    },
  );

  const x32 = np.array([[-1.5, -0.25, 0, 0.5], [0.75, 2.5, -3, 1]]);
  const y32 = np.array([[2, 0.5, 1, -1], [1.5, -2, 0.25, 3]]);
  const ops = (x: np.NDArray, y: np.NDArray) => {
    const pos = x.abs().add(0.5);
    return {
      unary: [
        x.neg(),
        x.exp(),
        pos.log(),
        np.log1p(pos),
        np.expm1(x),
        x.sin(),
        x.cos(),
        np.tan(x),
        x.tanh(),
        pos.sqrt(),
        np.rsqrt(pos),
        nn.sigmoid(x),
        x.abs(),
        np.sign(x),
        np.floor(x),
        np.ceil(x),
        np.round(x.mul(2)),
        np.erf(x),
        np.erfc(x),
      ],
      binary: [
        x.add(y),
        x.sub(y),
        x.mul(y),
        x.div(y),
        pos.pow(y),
        np.maximum(x, y),
        np.minimum(x, y),
        np.fmod(x, y),
      ],
      compare: [
        np.equal(x, y),
        np.notEqual(x, y),
        np.less(x, y),
        np.lessEqual(x, y),
        np.greater(x, y),
        np.greaterEqual(x, y),
      ].map((b) => np.where(b, x, y)),
      reduce: [
        x.sum(),
        x.sum({ axis: 0 }),
        x.max({ axis: 1 }),
        x.min(),
        x.prod({ axis: 1 }),
        np.argmax(x, { axis: 1 }),
        np.argmin(x, { axis: 0 }),
        x.mean(),
        np.cumsum(x, 1),
        np.cumsum(x, 0, { reverse: true }),
        np.cummax(x, 1),
        np.cummin(x, 0, { reverse: true }),
        np.cumprod(x, 1, { reverse: true }),
      ],
      structure: [
        x.reshape([4, 2]),
        x.transpose(),
        x.slice(null, [1, 4, 2]),
        np.pad(x, [[1, 0], [0, 2]]),
        np.concatenate([x, y], 1),
        np.take(x, np.array([3, 0, 0], { dtype: "int32" }), 1),
        x.sum({ axis: 0 }).broadcastTo([3, 4]),
        x.astype("int32").add(1),
        np.greater(x, 0).astype("float64"),
        nn.logSoftmax(x),
        np.matmul(x, y.transpose()),
      ],
    };
  };

  for (const opset of [13, 17, 18, 21]) {
    it(
      `exportOnnx() at opset ${opset} lowers every supported primitive (f32) to matching values`,
      needsOrt,
      async () => {
        const bytes = io.exportOnnx(ops, x32, y32, { opset });
        const got = await runOrt(bytes, [x32, y32]);
        const want = tree.leaves(ops(x32, y32)); // flatten order: object keys sorted
        assert.equal(got.length, want.length);
        got.forEach((g, i) => assertClose(g, want[i], 1e-6, 1e-6, `output ${i}`));
      },
    );
  }

  it("exportOnnx() keeps float64, int32 and bool inputs and outputs exact", needsOrt, async () => {
    const f = (a: np.NDArray, b: np.NDArray, m: np.NDArray) => [
      a.mul(a).sum({ axis: 1 }).sqrt(),
      b.mul(3).sub(1),
      np.where(m, a.astype("float64"), 0),
      np.logicalAnd(m, np.greater(b, 0)),
    ];
    const a = np.array([[1, 2], [3, 4]], { dtype: "float64" });
    const b = np.array([[1, -2], [0, 5]], { dtype: "int32" });
    const m = np.array([[true, false], [false, true]]);
    const got = await runOrt(io.exportOnnx(f, a, b, m), [a, b, m]);
    f(a, b, m).forEach((w, i) => assertClose(got[i], w, 0, 0, `output ${i}`));
  });

  it(
    "exportOnnx() keeps NaN and saturation semantics: max/min, reductions, float → int32",
    needsOrt,
    async () => {
      const f = (x: np.NDArray, y: np.NDArray) => [
        np.maximum(x, y),
        np.minimum(x, y),
        x.max({ axis: 0 }),
        x.min({ axis: 0 }),
        x.astype("int32"),
        x.astype("bool"),
      ];
      const x = np.array([NaN, 1.5, -2.5, -1e10, 3e9, 2 ** 31, -(2 ** 31)]);
      const y = np.array([0, NaN, 1, 5, -2.5, 0, 0]);
      const got = await runOrt(io.exportOnnx(f, x, y), [x, y]);
      f(x, y).forEach((w, i) => assertClose(got[i], w, 0, 0, `output ${i}`));
    },
  );

  it(
    "exportOnnx() of nn.maxPool2d/maxPool1d with padding and overlapping windows is exact for float32, int32 and bool",
    needsOrt,
    async () => {
      const f = (x: np.NDArray, i: np.NDArray, b: np.NDArray) => [
        nn.maxPool2d(x, 3, { stride: 2, padding: "SAME" }),
        nn.maxPool2d(i, [2, 3], { stride: 1, padding: [[1, 0], [2, 1]] }),
        nn.maxPool1d(b, 2, { stride: 1, padding: "SAME" }),
      ];
      const x = random.normal(random.key(2), [2, 7, 6, 3]);
      const i = np.array([-5, -7, -9, -3, 4, -2, 0, -8, -1, -6, -4, 2]).reshape([1, 3, 4, 1]);
      const b = np.array([false, true, false, false, false]).reshape([1, 5, 1]);
      const got = await runOrt(io.exportOnnx(f, x, i, b), [x, i, b]);
      f(x, i, b).forEach((w, k) => assertClose(got[k], w, 0, 0, `output ${k}`));
    },
  );

  it("exportOnnx() inlines jit-compiled functions", needsOrt, async () => {
    const inner = jit((x: np.NDArray) => x.mul(2).exp());
    const f = (x: np.NDArray) => inner(x).add(inner(x.neg()));
    const x = np.array([0.5, -1]);
    const [got] = await runOrt(io.exportOnnx(f, x), [x]);
    assertClose(got, f(x));
  });
});

describe("io.exportOnnx fixture", () => {
  it("exportOnnx() still writes mlp.onnx byte for byte (the file Python's onnx checker accepted)", () => {
    const { f, x } = onnxFixture();
    const bytes = io.exportOnnx(f, x, {
      dynamicBatch: true,
      names: { inputs: ["x"], outputs: ["probs", "label"] },
    });
    assert.deepEqual(
      bytes,
      new Uint8Array(readFileSync(new URL("./fixtures/io/mlp.onnx", import.meta.url))),
    );
  });
});

describe("io.exportOnnx errors", () => {
  it("exportOnnx() names a primitive with no ONNX equivalent", () => {
    assert.throws(
      () =>
        io.exportOnnx(
          (x: np.NDArray, k: np.NDArray) => x.add(random.uniform(k, [2])),
          np.ones([2]),
          random.key(0),
        ),
      /io\.exportOnnx: the primitive random_bits has no ONNX equivalent: .*without sampling/,
    );
    assert.throws(
      () =>
        io.exportOnnx(
          grad((x: np.NDArray) => np.take(x, np.array([0, 0], { dtype: "int32" })).pow(2).sum()),
          np.ones([2]),
        ),
      /the primitive scatter_add has no ONNX equivalent/,
    );
    assert.throws(
      () =>
        io.exportOnnx(
          grad((x: np.NDArray) => nn.maxPool2d(x, 2).sum()),
          np.ones([1, 2, 2, 1]),
        ),
      /the primitive max_pool_argmax has no ONNX equivalent: it appears in gradients/,
    );
    assert.throws(
      () => io.exportOnnx((x: np.NDArray) => np.lgamma(x), np.ones([2])),
      /the primitive lgamma has no ONNX equivalent: ONNX has no log-gamma function/,
    );
    assert.throws(
      () => io.exportOnnx((x: np.NDArray) => np.bitwiseAnd(x, x), np.ones([2], { dtype: "int32" })),
      /the primitive and cannot be exported: BitwiseAnd on int32 needs opset 18 or later/,
    );
  });
  it("exportOnnx() validates its options", () => {
    const f = (x: np.NDArray) => x.neg();
    const x = np.ones([2]);
    assert.throws(
      () => io.exportOnnx(f, x, { opset: 12 }),
      /opset must be an integer from 13 to 21/,
    );
    assert.throws(() => io.exportOnnx(f, x, { opsett: 17 } as never), /unknown option\(s\) opsett/);
    assert.throws(
      () => io.exportOnnx(f, x, { names: { inputs: ["a", "b"] } }),
      /names\.inputs has 2 name\(s\) but the graph has 1 inputs/,
    );
    assert.throws(
      () => io.exportOnnx(f, x, { dynamicBatch: 1 } as never),
      /dynamicBatch must be a boolean/,
    );
    assert.throws(() => io.exportOnnx(3 as never, x), /the first argument must be the function/);
    assert.throws(
      () => io.exportOnnx(f, np.ones([]), { dynamicBatch: true }),
      /leading \(batch\) axis/,
    );
  });
});
