import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { checkGrads, grad, jit, type NDArray, np, vmap } from "../mod.ts";
import { losses } from "../mod.ts";
import { assertAllClose } from "./_helpers.ts";

const want = JSON.parse(
  readFileSync(new URL("./fixtures/train_losses.json", import.meta.url), "utf8"),
) as Record<string, number[]>;

const f64 = (x: number[][]) => np.array(x, { dtype: "float64" });
const p = () => f64([[0.3, -1.2, 2.0], [1.5, 0.1, -0.4]]);
const t = () => f64([[0.0, -1.0, 2.5], [1.0, 1.0, -0.5]]);
const y = () => f64([[0.2, 0.5, 0.3], [0.0, 0.0, 1.0]]);
const bin = () => f64([[1.0, 0.0, 1.0], [0.0, 1.0, 0.25]]);
const lab = () => np.array([2, 0], { dtype: "int32" });
const pos = () => f64([[1.0, 2.0, 0.5], [0.2, 0.3, 0.4]]);
const sgn = () => f64([[1, -1, 1], [-1, 1, -1]]);
const neg = () => f64([[1.0, 1.0, -0.5], [0.0, -1.0, 2.5]]);
const logp = () => p().sub(np.logsumexp(p(), { axis: -1, keepdims: true }));

/** Each loss with optax's default (no reduction), on the fixture's inputs. */
const cases: Record<string, () => NDArray> = {
  softmax_cross_entropy: () => losses.softmaxCrossEntropy(p(), y()),
  softmax_cross_entropy_with_integer_labels: () =>
    losses.softmaxCrossEntropyWithIntegerLabels(p(), lab()),
  sigmoid_binary_cross_entropy: () => losses.sigmoidBinaryCrossEntropy(p(), bin()),
  huber_loss: () => losses.huberLoss(p(), t(), { delta: 0.5 }),
  kl_divergence: () => losses.klDivergence(logp(), y()),
  hinge_loss: () => losses.hingeLoss(p(), sgn()),
  squared_error: () => losses.squaredError(p(), t()),
  l2_loss: () => losses.l2Loss(p(), t()),
  log_cosh: () => losses.logCosh(p(), t()),
  cosine_similarity: () => losses.cosineSimilarity(p(), t()),
  cosine_distance: () => losses.cosineDistance(p(), t()),
  sigmoid_focal_loss: () => losses.sigmoidFocalLoss(p(), bin(), { alpha: 0.25, gamma: 2 }),
  kl_divergence_with_log_targets: () => losses.klDivergenceWithLogTargets(logp(), np.log(pos())),
  convex_kl_divergence: () => losses.convexKlDivergence(np.log(pos()), y()),
  safe_softmax_cross_entropy: () => losses.safeSoftmaxCrossEntropy(p(), y()),
  poly_loss_cross_entropy: () => losses.polyLossCrossEntropy(p(), y(), { epsilon: 1.5 }),
  multiclass_hinge_loss: () => losses.multiclassHingeLoss(p(), lab()),
  multiclass_perceptron_loss: () => losses.multiclassPerceptronLoss(p(), lab()),
  perceptron_loss: () => losses.perceptronLoss(p(), sgn()),
  triplet_margin_loss: () => losses.tripletMarginLoss(p(), t(), neg()),
};

describe("losses match optax (default: no reduction)", () => {
  for (const [name, run] of Object.entries(cases)) {
    it(`losses ${name} gives optax's per-example values`, () => {
      assertAllClose(np.ravel(run()), want[name], { atol: 1e-12, rtol: 1e-12 });
    });
  }

  it("losses.sigmoidFocalLoss(), logCosh() and cosineSimilarity() have optax's gradients", () => {
    const pairs: [string, (z: NDArray) => NDArray][] = [
      ["grad_sigmoid_focal_loss", (z) => losses.sigmoidFocalLoss(z, bin(), { alpha: 0.25 }).sum()],
      ["grad_log_cosh", (z) => losses.logCosh(z, t()).sum()],
      ["grad_cosine_similarity", (z) => losses.cosineSimilarity(z, t()).sum()],
    ];
    for (const [name, f] of pairs) {
      assertAllClose(np.ravel(grad(f)(p())), want[name], { atol: 1e-12, rtol: 1e-10 });
    }
  });

  it("losses.sigmoidFocalLoss() has the gradient σ(z) − y at logits of exactly 0", () => {
    // optax 0.2.8: grad of sigmoid_focal_loss(z, [0, 1, 1], gamma=0).sum() at z = [100, -100, 0]
    // is [1, -1, -0.5]; with alpha=0.25, gamma=2 it is [0.75, -0.25, -0.0745717]
    const z = np.array([100, -100, 0]);
    const labels = np.array([0, 1, 1]);
    const g0 = grad((a: NDArray) => losses.sigmoidFocalLoss(a, labels, { gamma: 0 }).sum())(z);
    assertAllClose(g0, [1, -1, -0.5]);
    const g2 = grad((a: NDArray) =>
      losses.sigmoidFocalLoss(a, labels, { alpha: 0.25, gamma: 2 }).sum()
    )(z);
    assertAllClose(g2, [0.75, -0.25, -0.07457169890403748]);
  });

  it("the new losses match finite differences and the JVP/VJP identity", () => {
    checkGrads((a: NDArray) => losses.logCosh(a, t(), { reduction: "sum" }), [p()]);
    checkGrads((a: NDArray) => losses.cosineDistance(a, t(), { reduction: "mean" }), [p()]);
    checkGrads((a: NDArray) => losses.sigmoidFocalLoss(a, bin(), { reduction: "sum" }), [p()]);
    checkGrads((a: NDArray) => losses.polyLossCrossEntropy(a, y(), { reduction: "sum" }), [p()]);
    checkGrads((a: NDArray) => losses.convexKlDivergence(a, y(), { reduction: "sum" }), [
      np.log(pos()),
    ]);
  });

  it("the new losses give the same under jit and vmap as eagerly", () => {
    const f = (a: NDArray, b: NDArray) => losses.logCosh(a, b);
    assertAllClose(jit(f)(p(), t()), f(p(), t()), { atol: 1e-15, rtol: 0 });
    const rows = vmap((a: NDArray, b: NDArray) => losses.cosineSimilarity(a, b))(p(), t());
    assertAllClose(rows, losses.cosineSimilarity(p(), t()), { atol: 1e-15, rtol: 1e-15 });
  });

  it("meanSquaredError() keeps returning the mean while squaredError() is per element", () => {
    assert.deepEqual(losses.meanSquaredError(p(), t()).shape, []);
    assert.deepEqual(losses.squaredError(p(), t()).shape, [2, 3]);
    assert.deepEqual(losses.softmaxCrossEntropy(p(), y()).shape, [2]);
  });

  it("the optax losses name themselves for a missing or mismatched argument", () => {
    for (const f of [losses.squaredError, losses.l2Loss, losses.logCosh]) {
      assert.throws(
        () => f(undefined as unknown as NDArray),
        new RegExp(`losses\\.${f.name}: predictions must be an array, got undefined`),
      );
    }
    assert.throws(() => losses.cosineDistance(p(), np.zeros([2])), /losses\.cosineDistance: /);
    assert.throws(
      () => losses.generalizedKlDivergence(p(), y(), { reduction: "avg" as "mean" }),
      /losses\.generalizedKlDivergence: reduction must be/,
    );
  });

  it("the new losses reject unknown reductions and mismatched shapes", () => {
    assert.throws(
      () => losses.logCosh(p(), t(), { reduction: "avg" as "mean" }),
      /reduction must be/,
    );
    assert.throws(() => losses.cosineSimilarity(p(), np.zeros([3, 2])), TypeError);
    assert.throws(
      () => losses.sigmoidFocalLoss(p(), bin(), { gama: 2 } as unknown as { gamma: number }),
      /gama/,
    );
    assert.throws(
      () => losses.multiclassHingeLoss(p(), np.array([2, 0])),
      /int32 class indices/,
    );
  });
});
