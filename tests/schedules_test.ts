import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { grad, type NDArray, np, schedules } from "../mod.ts";
import { assertAllClose } from "./_helpers.ts";

/** Evaluates a schedule at each step and returns JS numbers. */
const at = (s: schedules.Schedule, steps: number[]): number[] =>
  steps.map((k) => s(k).item() as number);

describe("schedules", () => {
  it("constant() returns the value at every step, as float32 of the step's shape", () => {
    const lr = schedules.constant(0.25);
    assert.deepEqual(at(lr, [0, 1, 1000]), [0.25, 0.25, 0.25]);
    const out = lr(np.arange(3));
    assert.equal(out.dtype, "float32");
    assert.deepEqual(out.toArray(), [0.25, 0.25, 0.25]);
  });

  it("exponentialDecay() decays continuously by decayRate per transitionSteps", () => {
    const lr = schedules.exponentialDecay({ initValue: 2, transitionSteps: 4, decayRate: 0.5 });
    // 2 · 0.5^(k/4): k = 0, 2, 4, 6 → 2, 2/√2, 1, 1/√2
    assertAllClose(at(lr, [0, 2, 4, 6]), [2, 1.4142135623730951, 1, 0.7071067811865476]);
  });

  it("exponentialDecay() with staircase decays in whole transitions", () => {
    const lr = schedules.exponentialDecay({
      initValue: 2,
      transitionSteps: 4,
      decayRate: 0.5,
      staircase: true,
    });
    // 2 · 0.5^floor(k/4): k = 3, 4, 7, 8 → 2, 1, 1, 0.5
    assert.deepEqual(at(lr, [3, 4, 7, 8]), [2, 1, 1, 0.5]);
  });

  it("exponentialDecay() holds initValue before transitionBegin and clamps at endValue", () => {
    const lr = schedules.exponentialDecay({
      initValue: 2,
      transitionSteps: 4,
      decayRate: 0.5,
      transitionBegin: 10,
      endValue: 0.6,
    });
    // k = 5 (before), 10 (start), 14 (one transition: 1), 18 (0.5, floored to 0.6)
    assertAllClose(at(lr, [5, 10, 14, 18]), [2, 2, 1, 0.6]);
    // a growth rate (> 1) makes endValue a ceiling: 1 · 2^k capped at 5
    const up = schedules.exponentialDecay({
      initValue: 1,
      transitionSteps: 1,
      decayRate: 2,
      endValue: 5,
    });
    assert.deepEqual(at(up, [0, 2, 3]), [1, 4, 5]);
  });

  it("piecewiseConstant() scales the rate from each boundary on (boundary included)", () => {
    const lr = schedules.piecewiseConstant(1, { 20: 0.1, 10: 0.5 });
    // 1 before 10; 0.5 on [10, 20); 0.5 · 0.1 = 0.05 from 20
    assertAllClose(at(lr, [0, 9, 10, 19, 20, 100]), [1, 1, 0.5, 0.5, 0.05, 0.05]);
    const pairs = schedules.piecewiseConstant(1, [[10, 0.5], [20, 0.1]]);
    assertAllClose(at(pairs, [9, 10, 20]), [1, 0.5, 0.05]);
  });

  it("linear() ramps from initValue to endValue over transitionSteps after transitionBegin", () => {
    const lr = schedules.linear({
      initValue: 1,
      endValue: 0.2,
      transitionSteps: 8,
      transitionBegin: 2,
    });
    // 1 − 0.8 · clip(k − 2, 0, 8) / 8: k = 0, 2, 4, 6, 10, 20 → 1, 1, 0.8, 0.6, 0.2, 0.2
    assertAllClose(at(lr, [0, 2, 4, 6, 10, 20]), [1, 1, 0.8, 0.6, 0.2, 0.2]);
  });

  it("cosineDecay() follows initValue · ((1 − alpha) · ½(1 + cos(πk/K)) + alpha)", () => {
    const lr = schedules.cosineDecay({ initValue: 2, decaySteps: 10, alpha: 0.1 });
    // k = 0: 2; k = 2: 2(0.9 · ½(1 + cos 0.2π) + 0.1) = 1.82811529...; k = 5: 2(0.45 + 0.1) = 1.1;
    // k ≥ 10: 2 · 0.1 = 0.2
    assertAllClose(at(lr, [0, 2, 5, 10, 15]), [2, 1.8281152949374526, 1.1, 0.2, 0.2]);
    // exponent 2 squares the cosine factor: k = 5: 2(0.9 · 0.25 + 0.1) = 0.65
    const sq = schedules.cosineDecay({ initValue: 2, decaySteps: 10, alpha: 0.1, exponent: 2 });
    assertAllClose(sq(5), 0.65);
  });

  it("warmupCosineDecay() warms up linearly, then decays to endValue at decaySteps", () => {
    const lr = schedules.warmupCosineDecay({
      initValue: 0.1,
      peakValue: 1,
      warmupSteps: 4,
      decaySteps: 14,
      endValue: 0.2,
    });
    // warmup: 0.1 + 0.9 k/4 → k = 0: 0.1, k = 2: 0.55, k = 4: 1
    // decay over 10 steps with alpha = 0.2: k = 9 (halfway): 0.8 · 0.5 + 0.2 = 0.6; k ≥ 14: 0.2
    assertAllClose(at(lr, [0, 2, 4, 9, 14, 30]), [0.1, 0.55, 1, 0.6, 0.2, 0.2]);
  });

  it("joinSchedules() switches schedules at the boundaries and restarts their step count", () => {
    const lr = schedules.joinSchedules([
      schedules.constant(1),
      schedules.linear({ initValue: 1, endValue: 0, transitionSteps: 10 }),
      schedules.constant(0.05),
    ], [5, 12]);
    // k < 5: 1; 5 ≤ k < 12: 1 − (k − 5)/10; k ≥ 12: 0.05
    assertAllClose(at(lr, [4, 5, 7, 11, 12, 40]), [1, 1, 0.8, 0.4, 0.05, 0.05]);
  });

  it("schedules accept int32 step arrays and return one float32 rate per step", () => {
    const lr = schedules.piecewiseConstant(1, { 2: 0.5 });
    const out = lr(np.arange(4));
    assert.equal(out.dtype, "float32");
    assert.deepEqual(out.toArray(), [1, 1, 0.5, 0.5]);
    assert.deepEqual(lr(np.array(3, { dtype: "int32" })).shape, []);
  });

  it("schedules trace: grad() of cosineDecay() at a traced step is the analytic slope", () => {
    const lr = schedules.cosineDecay({ initValue: 2, decaySteps: 10, alpha: 0.1 });
    // d/dk 2(0.9 · ½(1 + cos(πk/10)) + 0.1) = −0.9 · sin(πk/10) · π/10 = −0.9π/10 at k = 5
    const slope = grad((k: NDArray) => lr(k))(np.array(5));
    assertAllClose(slope, -0.2827433388230814, { rtol: 1e-5 });
  });

  it("schedules reject invalid arguments with RangeError or TypeError", () => {
    assert.throws(
      () => schedules.exponentialDecay({ initValue: 1, transitionSteps: 0, decayRate: 0.5 }),
      RangeError,
    );
    assert.throws(
      () => schedules.cosineDecay({ initValue: 1, decaySteps: -1 }),
      RangeError,
    );
    assert.throws(
      () =>
        schedules.warmupCosineDecay({
          initValue: 0,
          peakValue: 1,
          warmupSteps: 10,
          decaySteps: 10,
        }),
      RangeError,
    );
    assert.throws(() => schedules.joinSchedules([schedules.constant(1)], [3]), TypeError);
    assert.throws(() => schedules.constant(Number.NaN), TypeError);
  });
});
