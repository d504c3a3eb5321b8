/**
 * Smoke test of `examples/char_transformer.ts` in short mode: a tiny transformer trains for
 * a few dozen mini-batches on the real word list (from node_modules, no network), its loss
 * falls, and its held-out score and samples are well formed. (The full run's figures are in
 * the example's header and the README.)
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { loadWords, trainCharTransformer } from "../examples/char_transformer.ts";

describe("examples", () => {
  it("char_transformer trains a causal transformer on English words: the loss falls and it samples words", async () => {
    await loadWords();
    const r = trainCharTransformer({
      words: 2000,
      heldOut: 250,
      epochs: 1,
      batch: 32,
      everyK: 2,
      dModel: 32,
      numHeads: 2,
      layers: 1,
      maxSteps: 40,
      verbose: false,
    });
    assert.equal(r.miniSteps, 40);
    assert.equal(r.optimizerSteps, 20);
    const first = r.lossCurve[0].loss, last = r.lossCurve[r.lossCurve.length - 1].loss;
    assert.ok(last < first - 0.3, `loss went from ${first} to ${last}`);
    assert.ok(
      Number.isFinite(r.heldOutNats) && r.heldOutNats < Math.log(27),
      `held-out ${r.heldOutNats} nats/char`,
    );
    assert.ok(Math.abs(r.unigramNats - 2.95) < 0.1, `unigram ${r.unigramNats}`);
    assert.equal(r.samples.length, 10);
    assert.ok(r.samples.every((w) => /^[a-z]{0,12}$/.test(w)), r.samples.join(", "));
    assert.ok(r.samples.some((w) => w.length > 0), r.samples.join(", "));
  });

  it("char_transformer rejects a non-positive sampling temperature and unknown options", () => {
    assert.throws(() => trainCharTransformer({ temperature: 0 }), RangeError);
    assert.throws(
      () => trainCharTransformer({ lr: 0.1 } as unknown as { learningRate: number }),
      /unknown option\(s\) lr/,
    );
  });
});
