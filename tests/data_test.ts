import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  CAR_FEATURES,
  fitStandardizer,
  loadCars,
  loadMnist,
  MNIST_PIXELS,
  shuffledIndices,
  splitRows,
} from "../examples/_data.ts";

describe("loadMnist", () => {
  it("splits 10,000 digits into 8000 train and 2000 test images", async () => {
    const d = await loadMnist();
    assert.ok(d.trainImages instanceof Float32Array && d.trainLabels instanceof Int32Array);
    assert.equal(d.trainLabels.length, 8000);
    assert.equal(d.testLabels.length, 2000);
    assert.equal(d.trainImages.length, 8000 * MNIST_PIXELS);
    assert.equal(d.testImages.length, 2000 * MNIST_PIXELS);

    for (const labels of [d.trainLabels, d.testLabels]) {
      const seen = new Array(10).fill(0);
      for (const l of labels) {
        assert.ok(l >= 0 && l <= 9);
        seen[l]++;
      }
      assert.ok(seen.every((c) => c > 0), `all classes present: ${seen}`);
    }
    // Train and test together hold all images, with the known count per digit.
    const all = new Array(10).fill(0);
    for (const l of [...d.trainLabels, ...d.testLabels]) all[l]++;
    assert.deepEqual(all, [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);

    let min = Infinity, max = -Infinity, sum = 0;
    for (const v of d.trainImages) {
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
    }
    assert.ok(min >= 0 && max <= 1 && max > 0.9, `${min}..${max}`);
    const mean = sum / d.trainImages.length;
    assert.ok(mean > 0.05 && mean < 0.3, `mean pixel ${mean}`);
  });

  it("gives the same split on every call and a different one for another seed", async () => {
    const a = await loadMnist({ trainSize: 500, testSize: 100 });
    const b = await loadMnist({ trainSize: 500, testSize: 100 });
    const c = await loadMnist({ seed: 1, trainSize: 500, testSize: 100 });
    assert.deepEqual(a.trainLabels, b.trainLabels);
    assert.deepEqual(a.testImages, b.testImages);
    assert.notDeepEqual(a.trainLabels, c.trainLabels);
    // The first 500 of the default split are the first 500 of the 8000/2000 split.
    const full = await loadMnist();
    assert.deepEqual(full.trainLabels.subarray(0, 500), a.trainLabels);
    // Pinned, so the split is the same on Deno and Bun and a change of PRNG shows up.
    assert.deepEqual([...shuffledIndices(10, 0)], [3, 8, 6, 4, 5, 9, 7, 1, 0, 2]);
    assert.deepEqual(
      [...full.trainLabels.subarray(0, 20)],
      [2, 9, 8, 0, 4, 1, 3, 4, 5, 9, 6, 2, 5, 5, 8, 6, 0, 2, 3, 2],
    );
    assert.deepEqual([...full.testLabels.subarray(0, 10)], [7, 9, 4, 1, 0, 9, 7, 0, 1, 6]);
  });

  it("rejects sizes beyond the data", async () => {
    await assert.rejects(loadMnist({ trainSize: 9000, testSize: 2000 }), RangeError);
  });
});

describe("loadCars", () => {
  it("drops rows with missing values and returns numeric columns", () => {
    const cars = loadCars();
    assert.equal(cars.dropped, 14);
    assert.equal(cars.rows, 392);
    assert.equal(cars.cols, 6);
    assert.deepEqual([...cars.featureNames], [...CAR_FEATURES]);
    assert.equal(cars.features.length, 392 * 6);
    assert.equal(cars.target.length, 392);
    assert.equal(cars.names.length, 392);
    for (const v of cars.features) assert.ok(Number.isFinite(v));
    for (const v of cars.target) assert.ok(v > 5 && v < 50);
    // First row: chevrolet chevelle malibu, 18 mpg, 8 cyl, 307, 130 hp, 3504 lbs, 12 s, 1970.
    assert.equal(cars.names[0], "chevrolet chevelle malibu");
    assert.equal(cars.target[0], 18);
    assert.deepEqual([...cars.features.subarray(0, 6)], [8, 307, 130, 3504, 12, 1970]);
  });
});

describe("splitRows and fitStandardizer", () => {
  it("splits rows reproducibly and standardises with training statistics", () => {
    const cars = loadCars();
    const s1 = splitRows(cars.features, cars.target, cars.cols, { testFraction: 0.25, seed: 7 });
    const s2 = splitRows(cars.features, cars.target, cars.cols, { testFraction: 0.25, seed: 7 });
    assert.equal(s1.yTest.length, 98);
    assert.equal(s1.yTrain.length, 294);
    assert.equal(s1.xTrain.length, 294 * 6);
    assert.deepEqual(s1.testIndex, s2.testIndex);
    const used = new Set([...s1.trainIndex, ...s1.testIndex]);
    assert.equal(used.size, 392);
    const r = s1.testIndex[0];
    assert.equal(s1.yTest[0], cars.target[r]);
    assert.deepEqual(s1.xTest.subarray(0, 6), cars.features.subarray(r * 6, r * 6 + 6));

    const z = fitStandardizer(s1.xTrain, 6);
    const train = z.apply(s1.xTrain);
    for (let j = 0; j < 6; j++) {
      let m = 0, v = 0;
      for (let i = 0; i < 294; i++) m += train[i * 6 + j];
      m /= 294;
      for (let i = 0; i < 294; i++) v += (train[i * 6 + j] - m) ** 2;
      assert.ok(Math.abs(m) < 1e-4, `column ${j} mean ${m}`);
      assert.ok(Math.abs(Math.sqrt(v / 294) - 1) < 1e-4, `column ${j} std`);
    }
    // Test rows use the training mean and std, so they are not exactly centred.
    const test = z.apply(s1.xTest);
    assert.equal(test.length, s1.xTest.length);
    assert.ok(Math.abs((s1.xTest[0] - z.mean[0]) / z.std[0] - test[0]) < 1e-5);
  });

  it("leaves constant columns finite", () => {
    const z = fitStandardizer(new Float32Array([1, 5, 1, 7]), 2);
    assert.deepEqual([...z.apply(new Float32Array([1, 6]))], [0, 0]);
  });
});
