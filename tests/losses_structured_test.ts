import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { grad, jit, losses, type NDArray, nn, np, vmap } from "../mod.ts";
import { assertAllClose, checkGrads } from "./_helpers.ts";
import { expected, FLOATS, input, tolerance, values } from "./_losses_fixture.ts";

type Float = "float64" | "float32";

/** Each case of the fixture: the loss as a function of its first input, and that input. */
function cases(dt: Float): Record<string, [(x: NDArray) => NDArray, NDArray]> {
  const A = (name: string) => input(name, dt);
  const fy = losses.makeFenchelYoungLoss((s) => np.logsumexp(s));
  return {
    multiclass_sparsemax_loss: [
      (s) => losses.multiclassSparsemaxLoss(s, A("sm_labels")),
      A("sm_scores"),
    ],
    sparsemax_loss: [(z) => losses.sparsemaxLoss(z, A("bsm_labels")), A("bsm_logits")],
    fenchel_young_logsumexp: [(s) => fy(s, A("fy_targets")), A("fy_scores")],
    ntxent: [(e) => losses.ntxent(e, A("nt_labels")), A("nt_embeddings")],
    ntxent_t05: [(e) => losses.ntxent(e, A("nt_labels"), { temperature: 0.5 }), A("nt_embeddings")],
    ranking: [(z) => losses.rankingSoftmaxLoss(z, A("rk_labels")), A("rk_logits")],
    ranking_where: [
      (z) => losses.rankingSoftmaxLoss(z, A("rk_labels"), { where: A("rk_where") }),
      A("rk_logits"),
    ],
    ranking_weights: [
      (z) =>
        losses.rankingSoftmaxLoss(z, A("rk_labels"), {
          where: A("rk_where"),
          weights: A("rk_weights"),
        }),
      A("rk_logits"),
    ],
    ranking_none: [
      (z) =>
        losses.rankingSoftmaxLoss(z, A("rk_labels"), { where: A("rk_where"), reduction: "none" }),
      A("rk_logits"),
    ],
    ranking_sum: [
      (z) =>
        losses.rankingSoftmaxLoss(z, A("rk_labels"), {
          weights: A("rk_weights"),
          reduction: "sum",
        }),
      A("rk_logits"),
    ],
    dice: [(z) => losses.diceLoss(z, A("dc_targets")), A("dc_logits")],
    dice_none: [(z) => losses.diceLoss(z, A("dc_targets"), { reduction: "none" }), A("dc_logits")],
    dice_tversky: [
      (z) =>
        losses.diceLoss(z, A("dc_targets"), {
          alpha: 0.3,
          beta: 0.7,
          smooth: 0.5,
          reduction: "sum",
          classWeights: A("dc_class_weights"),
          ignoreBackground: true,
        }),
      A("dc_logits"),
    ],
    dice_axis: [(z) => losses.diceLoss(z, A("dc_targets"), { axis: [0, 1, 2] }), A("dc_logits")],
    dice_probs: [
      (p) => losses.diceLoss(p, A("dc_targets"), { applySoftmax: false }),
      A("dc_probs"),
    ],
    generalized_dice: [
      (z) => losses.multiclassGeneralizedDiceLoss(z, A("dc_targets")),
      A("dc_logits"),
    ],
    generalized_dice_bg: [
      (z) =>
        losses.multiclassGeneralizedDiceLoss(z, A("dc_targets"), {
          smooth: 0.1,
          ignoreBackground: true,
        }),
      A("dc_logits"),
    ],
    binary_dice: [(z) => losses.binaryDiceLoss(z, A("bd_targets")), A("bd_logits")],
    binary_dice_rows: [
      (z) =>
        losses.binaryDiceLoss(z.slice(null, 0), A("bd_targets").slice(null, 0), { smooth: 0.5 }),
      A("bd_logits"),
    ],
  };
}

describe("structured losses match optax", () => {
  for (const dt of FLOATS) {
    for (const [name, [f, x]] of Object.entries(cases(dt))) {
      it(`losses ${name} gives optax's value and gradient (${dt})`, () => {
        const want = expected(name, dt);
        const got = f(x);
        assert.deepEqual(got.shape, want.value.shape);
        assert.equal(got.dtype, dt);
        assertAllClose(np.ravel(got), values(want.value), tolerance(dt));
        const g = grad((z: NDArray) => f(z).sum())(x);
        assertAllClose(np.ravel(g), values(want.grad), tolerance(dt));
      });
    }
  }
});

describe("structured losses under transformations", () => {
  const c = cases("float64");

  it("every structured loss matches finite differences and the JVP/VJP identity (float64)", () => {
    for (const [name, [f, x]] of Object.entries(c)) {
      // keep the probabilities input of dice_probs away from its simplex check
      if (name === "dice_probs") continue;
      checkGrads((z: NDArray) => f(z).sum(), [x], { rtol: 1e-6, atol: 1e-7 });
    }
  });

  it("every structured loss gives the same under jit as eagerly, and its gradient too", () => {
    for (const [name, [f, x]] of Object.entries(c)) {
      const tight = { rtol: 1e-12, atol: 1e-12, message: name };
      assertAllClose(jit(f)(x), f(x), tight);
      const g = (z: NDArray) => f(z).sum();
      assertAllClose(jit(grad(g))(x), grad(g)(x), tight);
    }
  });

  it("the per-example losses batch under vmap like a loop over the examples", () => {
    const tight = { rtol: 1e-12, atol: 1e-12 };
    const s = input("sm_scores"), lab = input("sm_labels");
    assertAllClose(
      vmap((row: NDArray, l: NDArray) => losses.multiclassSparsemaxLoss(row, l))(s, lab),
      losses.multiclassSparsemaxLoss(s, lab),
      tight,
    );
    const z = input("dc_logits"), t = input("dc_targets");
    // a batch of one image at a time: dice over [H, W, C] with the spatial axes summed
    const one = (zi: NDArray, ti: NDArray) =>
      losses.diceLoss(zi.expandDims(0), ti.expandDims(0)).squeeze(0);
    assertAllClose(vmap(one)(z, t), losses.diceLoss(z, t), tight);
    const rk = input("rk_logits"), rl = input("rk_labels");
    assertAllClose(
      vmap((a: NDArray, b: NDArray) => losses.rankingSoftmaxLoss(a, b))(rk, rl),
      losses.rankingSoftmaxLoss(rk, rl, { reduction: "none" }),
      tight,
    );
    // ntxent over two independent batches
    const e = input("nt_embeddings"), nl = input("nt_labels");
    const two = np.stack([e, e.mul(-2)]);
    assertAllClose(
      vmap((x: NDArray) => losses.ntxent(x, nl))(two),
      np.stack([losses.ntxent(e, nl), losses.ntxent(e.mul(-2), nl)]),
      tight,
    );
  });

  it("losses.multiclassSparsemaxLoss() has the gradient sparsemax(s) − onehot(y)", () => {
    const s = input("sm_scores"), lab = input("sm_labels");
    const g = grad((x: NDArray) => losses.multiclassSparsemaxLoss(x, lab).sum())(s);
    // sparsemax by sorting, in plain JS
    const rows = (s.toArray() as number[][]).map((z) => {
      const u = [...z].sort((a, b) => b - a);
      let k = 0, sum = 0, kept = 0;
      for (const v of u) {
        sum += v;
        k++;
        if (1 + k * v > sum) kept = k;
      }
      const tau = (u.slice(0, kept).reduce((a, b) => a + b, 0) - 1) / kept;
      return z.map((v) => Math.max(v - tau, 0));
    });
    const labels = lab.toArray() as number[];
    const want = rows.map((p, i) => p.map((v, c) => v - (c === labels[i] ? 1 : 0)));
    assertAllClose(g, want, { rtol: 1e-12, atol: 1e-12 });
  });

  it("losses.multiclassSparsemaxLoss() handles 50,000 classes and matches a sorting reference", () => {
    // comparing every pair of classes needed [2, 50000, 50000] elements (20 GB)
    const c = 50000;
    const data = Float64Array.from(
      { length: 2 * c },
      (_, i) => Math.round(Math.sin(i * 1.3) * 30) / 10,
    );
    const labels = [0, 7];
    const got = losses.multiclassSparsemaxLoss(
      np.array(data, { shape: [2, c], dtype: "float64" }),
      np.array(labels, { dtype: "int32" }),
    );
    const want = labels.map((y, r) => {
      const z = Array.from(data.subarray(r * c, (r + 1) * c));
      const u = [...z].sort((a, b) => b - a);
      let sum = 0, kept = 0, keptSum = 0;
      u.forEach((v, k) => {
        sum += v;
        if (v - (sum - 1) / (k + 1) > 0) [kept, keptSum] = [k + 1, sum];
      });
      const tau = (keptSum - 1) / kept;
      const p = z.map((v) => Math.max(v - tau, 0));
      return p.reduce((a, pc, j) => a + pc * (z[j] - z[y]) - 0.5 * pc * pc, 0.5);
    });
    assertAllClose(got, want, { rtol: 1e-12, atol: 1e-12 });
  });

  it("losses.sparsemaxLoss() has the gradient sparseSigmoid(z) − label", () => {
    const z = input("bsm_logits"), lab = input("bsm_labels");
    const g = grad((x: NDArray) => losses.sparsemaxLoss(x, lab).sum())(z);
    assertAllClose(g, nn.sparseSigmoid(z).sub(lab.astype("float64")), {
      rtol: 1e-12,
      atol: 1e-12,
    });
  });

  it("losses.rankingSoftmaxLoss() ignores a fully masked list, with a zero gradient", () => {
    const z = input("rk_logits"), y = input("rk_labels");
    const where = np.array([[true, true, false, true], [false, false, false, false], [
      true,
      true,
      true,
      true,
    ]]);
    const f = (x: NDArray) => losses.rankingSoftmaxLoss(x, y, { where });
    const perList = losses.rankingSoftmaxLoss(z, y, { where, reduction: "none" })
      .toArray() as number[];
    assert.equal(perList[1], 0);
    assertAllClose(f(z), (perList[0] + perList[2]) / 2, { rtol: 1e-12, atol: 1e-12 });
    const g = grad(f)(z).toArray() as number[][];
    assert.deepEqual(g[1], [0, 0, 0, 0]);
    assert.equal(g[0][2], 0);
    assert.ok(g.flat().every(Number.isFinite));
    const none = np.zeros([3, 4], { dtype: "bool" });
    assert.equal(losses.rankingSoftmaxLoss(z, y, { where: none }).item(), 0);
  });
});

describe("structured losses validate their inputs", () => {
  const z = input("dc_logits"), t = input("dc_targets");

  it("the sparsemax and Fenchel–Young losses reject bad shapes, labels and maxFun", () => {
    const s = input("sm_scores");
    assert.throws(
      () => losses.multiclassSparsemaxLoss(s, np.array([0, 1], { dtype: "int32" })),
      TypeError,
    );
    assert.throws(
      () => losses.multiclassSparsemaxLoss(s, np.array([0, 1, 4], { dtype: "int32" })),
      RangeError,
    );
    assert.throws(() => losses.multiclassSparsemaxLoss(s, np.array([0, 1, 2])), /int32/);
    assert.throws(() => losses.sparsemaxLoss(np.array([1, 2]), np.array([0, 2])), /only 0 and 1/);
    assert.throws(() => losses.sparsemaxLoss(np.array([1, 2]), np.array([0])), TypeError);
    assert.throws(() => losses.makeFenchelYoungLoss(3 as never), /maxFun must be a function/);
    const bad = losses.makeFenchelYoungLoss((x) => x);
    assert.throws(() => bad(s, s), /scalar/);
    const fy = losses.makeFenchelYoungLoss((x) => np.logsumexp(x));
    assert.throws(() => fy(s, s.slice(null, [0, 2])), TypeError);
    assert.throws(() => fy(s, s, { reduce: "sum" } as never), /reduce/);
  });

  it("losses.ntxent() and rankingSoftmaxLoss() reject bad shapes, masks and temperatures", () => {
    const e = input("nt_embeddings"), l = input("nt_labels");
    assert.throws(() => losses.ntxent(e, l.slice([0, 4])), TypeError);
    assert.throws(() => losses.ntxent(e, l, { temperature: 0 }), RangeError);
    assert.throws(() => losses.ntxent(e, l, { temp: 1 } as never), /temp/);
    assert.throws(() => losses.ntxent(e, np.arange(5).astype("int32")), /no positive pair/);
    assert.throws(() => losses.ntxent(e, l.astype("float64")), /int32/);
    const rk = input("rk_logits"), rl = input("rk_labels");
    assert.throws(() => losses.rankingSoftmaxLoss(rk, rl.slice(null, [0, 3])), TypeError);
    assert.throws(() => losses.rankingSoftmaxLoss(rk, rl, { where: rl }), /bool mask/);
    assert.throws(
      () => losses.rankingSoftmaxLoss(rk, rl, { weights: rl.slice([0, 1]) }),
      TypeError,
    );
    assert.throws(() => losses.rankingSoftmaxLoss(rk, rl, { reduceFn: null } as never), /reduceFn/);
  });

  it("the Dice losses reject mismatched shapes, non-probabilities and bad options", () => {
    assert.throws(() => losses.diceLoss(z, t.slice(null, [0, 2])), TypeError);
    assert.throws(() => losses.diceLoss(z, t, { applySoftmax: false }), /summing to 1/);
    assert.throws(() => losses.binaryDiceLoss(z, t, { applySigmoid: false }), /in \[0, 1\]/);
    assert.throws(
      () => losses.diceLoss(z, t, { classWeights: np.ones([2]) }),
      /one weight per class/,
    );
    assert.throws(() => losses.diceLoss(z, t, { axis: 4 }), RangeError);
    assert.throws(() => losses.diceLoss(z, t, { reduction: "avg" as "mean" }), /reduction/);
    assert.throws(() => losses.diceLoss(z, t, { smoth: 1 } as never), /smoth/);
    assert.throws(() => losses.multiclassGeneralizedDiceLoss(z, t.slice([0, 1])), TypeError);
    assert.throws(() => losses.binaryDiceLoss(z, t, { alpha: 1 } as never), /alpha/);
  });
});
