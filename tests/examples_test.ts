/**
 * Smoke tests of the examples in short mode: they run end to end on real data
 * and their losses fall. (Full runs and their accuracy figures are in the README.)
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { trainMnistMlp } from "../examples/mnist_mlp.ts";
import { trainMnistCnn } from "../examples/mnist_cnn.ts";
import { fitCars } from "../examples/regression.ts";
import { compareLearningRates } from "../examples/learning_rates.ts";
import { loadWords, trainCharRnn } from "../examples/char_rnn.ts";
import { runImplicitGradients } from "../examples/implicit_gradients.ts";
import { forecastCo2 } from "../examples/time_series.ts";

describe("examples", () => {
  it("mnist_mlp trains for 150 steps: the loss falls and held-out accuracy passes 0.8", async () => {
    const r = await trainMnistMlp({ maxSteps: 150, verbose: false });
    assert.equal(r.steps, 150);
    const first = r.lossCurve[0].loss, last = r.lossCurve[r.lossCurve.length - 1].loss;
    assert.ok(first > 1 && last < first / 2, `loss went from ${first} to ${last}`);
    assert.ok(r.testAccuracy > 0.8, `accuracy ${r.testAccuracy}`);
  });

  it("mnist_cnn trains for 25 steps and its loss falls", async () => {
    const r = await trainMnistCnn({ maxSteps: 25, batchSize: 32, verbose: false });
    assert.ok(r.lastLoss < r.firstLoss, `loss went from ${r.firstLoss} to ${r.lastLoss}`);
    assert.ok(r.testAccuracy > 0.3, `accuracy ${r.testAccuracy}`);
  });

  it("regression fits the cars table better than predicting the mean", () => {
    const r = fitCars({ steps: 400 });
    assert.equal(r.rows + r.dropped, 406);
    assert.ok(r.linearRmse < 0.7 * r.baselineRmse, `linear ${r.linearRmse} vs ${r.baselineRmse}`);
    assert.ok(r.mlpRmse < 0.7 * r.baselineRmse, `mlp ${r.mlpRmse} vs ${r.baselineRmse}`);
  });

  it("char_rnn trains a GRU over lax.scan on English words: the loss falls, the scan trace is small", async () => {
    await loadWords();
    const r = trainCharRnn({
      words: 2000,
      epochs: 1,
      batch: 64,
      hidden: 32,
      maxSteps: 30,
      verbose: false,
    });
    const first = r.lossCurve[0].loss, last = r.lossCurve[r.lossCurve.length - 1].loss;
    assert.ok(last < first, `loss went from ${first} to ${last}`);
    assert.ok(Number.isFinite(r.heldOutNats) && r.heldOutNats < Math.log(27), `${r.heldOutNats}`);
    assert.ok(r.scan.eqns * 5 < r.unrolled.eqns, `${r.scan.eqns} vs ${r.unrolled.eqns} equations`);
    assert.ok(r.samples.every((w) => /^[a-z]*$/.test(w)));
  });

  it("implicit_gradients: a whileLoop fixed point differentiated by customVjp matches the exact gradient", () => {
    const r = runImplicitGradients();
    assert.ok(Math.abs(r.sqrtValue - Math.SQRT2) < 1e-12);
    assert.ok(Math.abs(r.sqrtGrad - r.sqrtGradExact) < 1e-10, `${r.sqrtGrad}`);
    r.equilibriumGrad.forEach((g, i) => assert.ok(Math.abs(g - r.equilibriumFiniteDiff[i]) < 1e-7));
    assert.match(r.whileLoopGradError, /foriLoop/);
    assert.equal(r.clipped, 1);
  });

  it("time_series: a GRU over lax.scan forecasts held-out CO2 better than the last value", () => {
    const r = forecastCo2({ steps: 80 });
    assert.equal(r.months, 741);
    assert.ok(r.lastLoss < r.firstLoss / 2, `loss ${r.firstLoss} -> ${r.lastLoss}`);
    assert.ok(r.modelRmse < r.lastValueRmse, `${r.modelRmse} vs ${r.lastValueRmse} ppm`);
  });

  it("learning_rates: a good SGD rate beats a too-small one, and every run is recorded", async () => {
    const runs = await compareLearningRates({ steps: 60, every: 20 });
    assert.equal(runs.length, 7);
    const loss = (prefix: string) => {
      const r = runs.find((x) => x.name.startsWith(prefix))!;
      return r.loss[r.loss.length - 1];
    };
    assert.ok(loss("SGD lr 0.1") < loss("SGD lr 0.001"));
    assert.ok(loss("Adam") < loss("SGD lr 0.001"));
  });
});
