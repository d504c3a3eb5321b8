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

  // The expected values in the next tests come from optax 0.2.8 (JAX 0.10.2), evaluated at the
  // float32 steps S, e.g. optax.warmup_cosine_decay_schedule(0., 1., 0, 10, 0.1)(jnp.float32(k)).
  const S = [-3, -0.5, 0, 0.5, 2.5, 7, 12];
  const atS = (s: schedules.Schedule): number[] => s(np.array(S)).toArray() as number[];

  it("schedules accept zero-length warmups and transitions, as optax", () => {
    // optax.warmup_cosine_decay_schedule(0.0, 1.0, 0, 10, 0.1): starts at the peak at step 0
    const wcd = schedules.warmupCosineDecay({
      initValue: 0,
      peakValue: 1,
      warmupSteps: 0,
      decaySteps: 10,
      endValue: 0.1,
    });
    assertAllClose(atS(wcd), [0, 0, 1, 0.99446, 0.868198, 0.285497, 0.1], { atol: 1e-6 });
    // optax.linear_schedule(0.3, 1.0, 0) (with or without transition_begin=5): constant init_value
    const flat = [0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3];
    assertAllClose(
      atS(schedules.linear({ initValue: 0.3, endValue: 1, transitionSteps: 0 })),
      flat,
    );
    const begun = schedules.linear({
      initValue: 0.3,
      endValue: 1,
      transitionSteps: 0,
      transitionBegin: 5,
    });
    assertAllClose(atS(begun), flat);
    assert.deepEqual(begun(np.arange(3)).shape, [3]);
    // optax.warmup_constant_schedule(0.2, 1.0, 0): linear_schedule with 0 steps, so init_value
    assertAllClose(
      atS(schedules.warmupConstant({ initValue: 0.2, peakValue: 1, warmupSteps: 0 })),
      [0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2],
    );
    // optax.exponential_decay(0.7, 0, 0.5) and (0.7, 4, 0.0): constant init_value
    const seven = [0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7];
    assertAllClose(
      atS(schedules.exponentialDecay({ initValue: 0.7, transitionSteps: 0, decayRate: 0.5 })),
      seven,
    );
    assertAllClose(
      atS(schedules.exponentialDecay({ initValue: 0.7, transitionSteps: 4, decayRate: 0 })),
      seven,
    );
    // optax.polynomial_schedule(0.6, 0.1, 2, 0): init_value, here one per step
    const poly = schedules.polynomial({
      initValue: 0.6,
      endValue: 0.1,
      power: 2,
      transitionSteps: 0,
    });
    assertAllClose(atS(poly), [0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6]);
    // optax.warmup_exponential_decay_schedule(0.0, 1.0, 0, 4, 0.5) and (0.0, 1.0, 0, 0, 0.5)
    const wexp = schedules.warmupExponentialDecay({
      initValue: 0,
      peakValue: 1,
      warmupSteps: 0,
      transitionSteps: 4,
      decayRate: 0.5,
    });
    assertAllClose(atS(wexp), [0, 0, 1, 0.917004, 0.64842, 0.297302, 0.125], { atol: 1e-6 });
    const wexp0 = schedules.warmupExponentialDecay({
      initValue: 0,
      peakValue: 1,
      warmupSteps: 0,
      transitionSteps: 0,
      decayRate: 0.5,
    });
    assertAllClose(atS(wexp0), [0, 0, 1, 1, 1, 1, 1]);
    // optax.sgdr_schedule([dict(init_value=0., peak_value=1., warmup_steps=0, decay_steps=5)] * 2)
    const cycle = { initValue: 0, peakValue: 1, warmupSteps: 0, decaySteps: 5 };
    assertAllClose(
      atS(schedules.sgdr([cycle, cycle])),
      [0, 0, 1, 0.975528, 0.5, 0.654508, 0],
      { atol: 1e-6 },
    );
  });

  it("schedules match optax at negative and fractional steps", () => {
    // optax.cosine_decay_schedule(1.0, 10, 0.1): min(count, 10) only, so step −3 follows the cosine
    assertAllClose(
      atS(schedules.cosineDecay({ initValue: 1, decaySteps: 10, alpha: 0.1 })),
      [0.814503, 0.99446, 1, 0.99446, 0.868198, 0.285497, 0.1],
      { atol: 1e-6 },
    );
    // optax.cosine_decay_schedule(1.0, 10, 0.1, 2.0)
    assertAllClose(
      atS(schedules.cosineDecay({ initValue: 1, decaySteps: 10, alpha: 0.1, exponent: 2 })),
      [0.667239, 0.988954, 1, 0.988954, 0.755698, 0.138232, 0.1],
      { atol: 1e-6 },
    );
    // optax.warmup_cosine_decay_schedule(0.2, 1.0, 4, 10, 0.1): the warmup holds before step 0
    const wcd = schedules.warmupCosineDecay({
      initValue: 0.2,
      peakValue: 1,
      warmupSteps: 4,
      decaySteps: 10,
      endValue: 0.1,
    });
    assertAllClose(atS(wcd), [0.2, 0.2, 0.2, 0.3, 0.7, 0.55, 0.1], { atol: 1e-6 });
    // optax.linear_schedule(0.0, 1.0, 4, -2): a negative transition_begin falls back to 0
    const neg = schedules.linear({
      initValue: 0,
      endValue: 1,
      transitionSteps: 4,
      transitionBegin: -2,
    });
    assertAllClose(atS(neg), [0, 0, 0, 0.125, 0.625, 1, 1]);
    // optax.exponential_decay(1.0, 4, 0.5, transition_begin=-2): likewise
    const expNeg = schedules.exponentialDecay({
      initValue: 1,
      transitionSteps: 4,
      decayRate: 0.5,
      transitionBegin: -2,
    });
    assertAllClose(atS(expNeg), [1, 1, 1, 0.917004, 0.64842, 0.297302, 0.125], { atol: 1e-6 });
    // optax.exponential_decay(1.0, 4, 0.5, staircase=True, end_value=0.3)
    const stairs = schedules.exponentialDecay({
      initValue: 1,
      transitionSteps: 4,
      decayRate: 0.5,
      staircase: true,
      endValue: 0.3,
    });
    assertAllClose(atS(stairs), [1, 1, 1, 1, 1, 0.5, 0.3]);
    // optax.piecewise_constant_schedule(1.0, {2: 0.5, 7: 0.5})
    assertAllClose(atS(schedules.piecewiseConstant(1, { 2: 0.5, 7: 0.5 })), [
      1,
      1,
      1,
      1,
      0.5,
      0.25,
      0.25,
    ]);
    // optax.piecewise_interpolate_schedule('linear' / 'cosine', 1.0, {4: 0.1, 8: 0.5}): 0 before 0
    assertAllClose(
      atS(schedules.piecewiseInterpolate("linear", 1, { 4: 0.1, 8: 0.5 })),
      [0, 0, 1, 0.8875, 0.4375, 0.0625, 0.05],
      { atol: 1e-6 },
    );
    assertAllClose(
      atS(schedules.piecewiseInterpolate("cosine", 1, { 4: 0.1, 8: 0.5 })),
      [0, 0, 1, 0.965746, 0.377792, 0.057322, 0.05],
      { atol: 1e-6 },
    );
    // optax.cosine_onecycle_schedule(10, 1.0) and optax.linear_onecycle_schedule(10, 1.0)
    assertAllClose(
      atS(schedules.cosineOnecycle({ transitionSteps: 10, peakValue: 1 })),
      [0, 0, 0.04, 0.104308, 0.935692, 0.388742, 4e-6],
      { atol: 1e-6 },
    );
    assertAllClose(
      atS(schedules.linearOnecycle({ transitionSteps: 10, peakValue: 1 })),
      [0, 0, 0.04, 0.2, 0.84, 0.232, 4e-6],
      { atol: 1e-6 },
    );
  });

  it("schedules reject invalid arguments with RangeError or TypeError", () => {
    assert.throws(
      () => schedules.exponentialDecay({ initValue: 1, transitionSteps: -1, decayRate: 0.5 }),
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
