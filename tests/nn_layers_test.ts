import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { checkGrads, grad, jit, type NDArray, nn, np, random, vmap } from "../mod.ts";
import { assertAllClose } from "./_helpers.ts";

const J = JSON.parse(
  readFileSync(new URL("./fixtures/train_nn.json", import.meta.url), "utf8"),
) as Record<string, number[]>;

const x = () => np.array(J.x);
const f32 = { atol: 2e-6, rtol: 2e-6 };
const arr = (name: string, shape: number[]) => np.reshape(np.array(J[name]), shape);

const acts: [string, (v: NDArray) => NDArray][] = [
  ["log_sigmoid", nn.logSigmoid],
  ["hard_tanh", nn.hardTanh],
  ["relu6", nn.relu6],
  ["hard_sigmoid", nn.hardSigmoid],
  ["hard_swish", nn.hardSwish],
  ["selu", nn.selu],
  ["celu", (v) => nn.celu(v, { alpha: 0.7 })],
  ["mish", nn.mish],
  ["soft_sign", nn.softSign],
  ["squareplus", nn.squarePlus],
  ["sparse_plus", nn.sparsePlus],
  ["sparse_sigmoid", nn.sparseSigmoid],
];

describe("nn activations match jax.nn", () => {
  for (const [name, f] of acts) {
    it(`nn ${name} gives jax.nn's values and gradients`, () => {
      assertAllClose(f(x()), J[name], f32);
      assertAllClose(vmap(grad((v: NDArray) => f(v)))(x()), J["grad_" + name], f32);
    });
  }

  it("nn.glu() and nn.standardize() give jax.nn's values", () => {
    assertAllClose(np.ravel(nn.glu(arr("m", [2, 4]))), J.glu, f32);
    assertAllClose(nn.logmeanexp(arr("m", [2, 4]), { axis: -1 }), J.logmeanexp, f32);
    // log1mexp is defined for x > 0: compare there
    const pos = J.x.map((v, i) => [v, i]).filter(([v]) => v > 0);
    assertAllClose(
      nn.log1mexp(np.array(pos.map(([v]) => v))),
      pos.map(([, i]) => J.log1mexp[i]),
      f32,
    );
    assertAllClose(np.ravel(nn.standardize(arr("m", [2, 4]))), J.standardize, {
      atol: 1e-5,
      rtol: 1e-5,
    });
  });

  it("the smooth activations match finite differences in float64", () => {
    const v = np.array([-1.3, -0.2, 0.4, 1.7], { dtype: "float64" });
    for (const f of [nn.logSigmoid, nn.selu, nn.mish, nn.softSign, nn.squarePlus]) {
      checkGrads((a: NDArray) => f(a).sum(), [v]);
    }
  });

  it("nn.standardize() clips a variance that rounds below 0 and takes a given mean and variance", () => {
    // from JAX 0.10.2: jax.nn.standardize([100, 100.001, 100]) (mean(x²) − mean² rounds to −0.00098)
    assertAllClose(nn.standardize(np.array([100, 100.001, 100])), [
      -0.10615555942058563,
      0.20989848673343658,
      -0.10615555942058563,
    ], { atol: 1e-6, rtol: 1e-6 });
    // from JAX 0.10.2: jax.nn.standardize(x, axis=0, mean=[1, 1], variance=[4, 0.25], epsilon=0)
    const s = nn.standardize(np.array([[1, 2], [3, 5]]), {
      axis: 0,
      mean: np.array([1, 1]),
      variance: np.array([4, 0.25]),
      epsilon: 0,
    });
    assert.deepEqual(s.toArray(), [[0, 2], [1, 8]]);
    assert.throws(
      () => nn.standardize(np.array([1, 2]), { where: np.array([true, false]) } as never),
      /nn\.standardize.*where/,
    );
  });

  it("nn.gelu() with approximate false is the exact erf form, as jax.nn.gelu", () => {
    const v = np.array([-3, -1, 0.5, 2]);
    const exact = (a: NDArray) => nn.gelu(a, { approximate: false });
    // from JAX 0.10.2: jax.nn.gelu(x, approximate=False) and its jax.grad
    assertAllClose(exact(v), [
      -0.0040496960282325745,
      -0.15865527093410492,
      0.3457312285900116,
      1.9544997215270996,
    ], { atol: 1e-6, rtol: 1e-6 });
    assertAllClose(vmap(grad(exact))(v), [
      -0.011945651844143867,
      -0.08331547677516937,
      0.8674951195716858,
      1.0852317810058594,
    ], { atol: 1e-6, rtol: 1e-6 });
    assert.throws(() => nn.gelu(v, { approximated: false } as never), /nn\.gelu.*approximated/);
  });

  it("nn.selu() and nn.celu() keep a finite gradient where e^x overflows", () => {
    // from JAX 0.10.2: jax.grad of jax.nn.selu / jax.nn.celu(x, 0.1) at 10, 89, 100, 1000
    const v = np.array([10, 89, 100, 1000]);
    const selu = 1.0507010221481323;
    assert.deepEqual(vmap(grad((a: NDArray) => nn.selu(a)))(v).toArray(), [selu, selu, selu, selu]);
    assert.deepEqual(vmap(grad((a: NDArray) => nn.celu(a, { alpha: 0.1 })))(v).toArray(), [
      1,
      1,
      1,
      1,
    ]);
  });
});

describe("nn.dotProductAttention matches jax.nn.dot_product_attention", () => {
  const q = () => arr("q", [2, 3, 2, 4]);
  const k = () => arr("k", [2, 5, 2, 4]);
  const v = () => arr("v", [2, 5, 2, 4]);
  const kc = () => arr("kc", [2, 3, 2, 4]);
  const vc = () => arr("vc", [2, 3, 2, 4]);

  it("nn.dotProductAttention() gives JAX's values, plain, masked with bias and scale, and causal", () => {
    assertAllClose(np.ravel(nn.dotProductAttention(q(), k(), v())), J.attention, {
      atol: 1e-5,
      rtol: 1e-5,
    });
    const mask = np.reshape(np.array([true, true, false, true, true]), [1, 1, 1, 5]);
    const bias = np.reshape(np.linspace(-1, 1, 15), [1, 1, 3, 5]);
    assertAllClose(
      np.ravel(nn.dotProductAttention(q(), k(), v(), { mask, bias, scale: 0.3 })),
      J.attention_mask_bias,
      { atol: 1e-5, rtol: 1e-5 },
    );
    assertAllClose(
      np.ravel(nn.dotProductAttention(q(), kc(), vc(), { isCausal: true })),
      J.attention_causal,
      { atol: 1e-5, rtol: 1e-5 },
    );
  });

  it("nn.dotProductAttention() has JAX's gradient and runs under jit", () => {
    const f = (a: NDArray) => nn.dotProductAttention(a, kc(), vc(), { isCausal: true }).sum();
    assertAllClose(np.ravel(grad(f)(q())), J.grad_attention, { atol: 1e-5, rtol: 1e-5 });
    assertAllClose(jit(f)(q()), f(q()), { atol: 1e-5, rtol: 1e-6 });
  });

  it("nn.dotProductAttention() dropout needs a key and keeps the shape", () => {
    assert.throws(() => nn.dotProductAttention(q(), k(), v(), { dropoutRate: 0.5 }), /needs a key/);
    const out = nn.dotProductAttention(q(), k(), v(), { dropoutRate: 0.5, key: random.key(0) });
    assert.deepEqual(out.shape, [2, 3, 2, 4]);
  });

  it("nn.dotProductAttention() takes float16 softmax in float32, so a fully masked row averages", () => {
    const h = (xs: number[]) =>
      np.reshape(np.array(xs, { dtype: "float16" }), [1, xs.length, 1, 1]);
    const mask = np.reshape(np.array([true, false, true, false, false, false]), [1, 1, 2, 3]);
    const y = nn.dotProductAttention(h([1, 2]), h([1, 2, 3]), h([1, 5, 9]), { mask });
    // from JAX 0.10.2: jax.nn.dot_product_attention(q, k, v, mask=mask) in float16
    assert.equal(y.dtype, "float16");
    assert.deepEqual(np.ravel(y).toArray(), [8.046875, 5]);
  });

  it("nn.dotProductAttention() refuses an unknown option instead of ignoring it", () => {
    assert.throws(
      () => nn.dotProductAttention(q(), k(), v(), { causal: true } as never),
      /nn\.dotProductAttention.*causal/,
    );
  });
});

describe("nn initializers draw JAX's numbers for the same key", () => {
  const key = () => random.key(11);
  it("nn.varianceScaling(), truncatedNormalInit() and orthogonal() match jax.nn.initializers", () => {
    const tol = { atol: 2e-6, rtol: 2e-5 };
    assertAllClose(
      np.ravel(nn.varianceScaling(2, "fanIn", "truncatedNormal")(key(), [3, 4])),
      J.init_vs_trunc,
      tol,
    );
    assertAllClose(
      np.ravel(nn.varianceScaling(1, "fanOut", "normal")(key(), [2, 3, 4])),
      J.init_vs_normal,
      tol,
    );
    assertAllClose(
      np.ravel(nn.varianceScaling(1, "fanAvg", "uniform")(key(), [3, 4])),
      J.init_vs_uniform,
      tol,
    );
    assertAllClose(
      np.ravel(nn.truncatedNormalInit({ stddev: 0.5 })(key(), [5])),
      J.init_trunc,
      tol,
    );
    assertAllClose(np.ravel(nn.orthogonal({ scale: 2 })(key(), [3, 4])), J.init_orthogonal, {
      atol: 1e-5,
      rtol: 1e-5,
    });
    assertAllClose(np.ravel(nn.orthogonal()(key(), [2, 3, 2])), J.init_orthogonal_tall, {
      atol: 1e-5,
      rtol: 1e-5,
    });
  });
});

describe("nn normalization, embedding, multi-head attention and RNN cells", () => {
  it("nn.layerNorm() and nn.rmsNorm() normalize the last axis, matching finite differences", () => {
    const a = np.array([[1, 2, 4, -1], [0.5, -0.5, 3, 2]], { dtype: "float64" });
    const y = nn.layerNorm(a, { epsilon: 0 });
    assertAllClose(np.mean(y, { axis: -1 }), [0, 0], { atol: 1e-12, rtol: 0 });
    assertAllClose(np.mean(y.square(), { axis: -1 }), [1, 1], { atol: 1e-12, rtol: 1e-12 });
    const scale = np.array([1, 2, 3, 4], { dtype: "float64" });
    checkGrads((b: NDArray, s: NDArray) => nn.layerNorm(b, { scale: s }).square().sum(), [
      a,
      scale,
    ]);
    checkGrads((b: NDArray) => nn.rmsNorm(b, { scale }).sum(), [a]);
    checkGrads((b: NDArray) => nn.groupNorm(b, 2).square().sum(), [a]);
  });

  it("nn.batchNorm() uses batch statistics in training and running ones in evaluation", () => {
    const a = np.array([[1, 10], [3, 20]]);
    const s0 = { mean: np.zeros([2]), var: np.ones([2]) };
    const [y, s1] = nn.batchNorm(a, s0, { momentum: 0.5, epsilon: 0 });
    assertAllClose(y, [[-1, -1], [1, 1]], { atol: 1e-6, rtol: 0 });
    assertAllClose(s1.mean, [1, 7.5], { atol: 1e-6, rtol: 0 });
    const [z] = nn.batchNorm(a, s1, { training: false, epsilon: 0 });
    assertAllClose(z, a.sub(s1.mean).div(np.sqrt(s1.var)), { atol: 1e-6, rtol: 1e-6 });
  });

  it("nn.embedding() looks ids up and its attend() is the tied projection", () => {
    const emb = nn.embedding(5, 3);
    const p = emb.init(random.key(0));
    const ids = np.array([4, 0], { dtype: "int32" });
    assertAllClose(emb.apply(p, ids), np.take(p.embedding, ids, 0), { atol: 0, rtol: 0 });
    assert.deepEqual(emb.attend(p, np.ones([2, 3])).shape, [2, 5]);
    assert.throws(() => emb.apply(p, np.array([1, 2])), /int32/);
  });

  it("nn.multiHeadAttention() is causal: later tokens do not change earlier outputs", () => {
    const mha = nn.multiHeadAttention(8, 2);
    const p = mha.init(random.key(1));
    const a = random.normal(random.key(2), [1, 4, 8]);
    const b = np.concatenate([np.slice(a, [null, [0, 3]]), np.full([1, 1, 8], 9)], 1);
    const ya = mha.apply(p, a, undefined, { isCausal: true });
    const yb = mha.apply(p, b, undefined, { isCausal: true });
    assertAllClose(np.slice(ya, [null, [0, 3]]), np.slice(yb, [null, [0, 3]]), {
      atol: 1e-5,
      rtol: 1e-5,
    });
    assert.throws(() => nn.multiHeadAttention(7, 2), RangeError);
  });

  it("nn.lstmCell() and nn.gruCell() step as their equations and differentiate", () => {
    const lstm = nn.lstmCell(3, 2);
    const p = lstm.init(random.key(3));
    const xs = random.normal(random.key(4), [4, 3]);
    // run a short sequence, as lax.scan would
    let carry = lstm.initialCarry([]);
    for (let t = 0; t < 4; t++) [carry] = lstm.apply(p, carry, np.slice(xs, [t]));
    assert.ok((carry.h.abs().max().item() as number) < 1);
    const gru = nn.gruCell(3, 2);
    const gp = gru.init(random.key(5));
    const g = grad((h0: NDArray) => gru.apply(gp, h0, np.slice(xs, [0]))[1].sum())(np.zeros([2]));
    assert.deepEqual(g.shape, [2]);
  });
});
