import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { jit, type NDArray, np, optim, random, schedules } from "../mod.ts";
import { assertAllClose } from "./_helpers.ts";

const fixture = JSON.parse(
  readFileSync(new URL("./fixtures/train_optim.json", import.meta.url), "utf8"),
) as Record<string, number[][]> & {
  schedules: Record<string, number[]>;
  schedule_steps: number[];
};

type Params = { w: NDArray; b: NDArray };
const init = (): Params => ({
  w: np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]),
  b: np.array([0.1, -0.2, 0.3]),
});
/** The fixture's gradient: g = 0.5 p³ − p + 0.3 (elementwise). */
const grads = (p: Params): Params => ({
  w: p.w.pow(3).mul(0.5).sub(p.w).add(0.3),
  b: p.b.pow(3).mul(0.5).sub(p.b).add(0.3),
});
const flat = (
  p: Params,
) => [...(p.b.toArray() as number[]), ...(p.w.toArray() as number[][]).flat()];

/** Four steps of `opt` from the fixture's start; the params after each. */
function run(opt: optim.GradientTransformation, steps = 4): number[][] {
  let params = init();
  let state = opt.init(params);
  const out: number[][] = [];
  for (let i = 0; i < steps; i++) {
    const [u, s] = opt.update(grads(params), state, params);
    params = optim.applyUpdates(params, u as Params);
    state = s;
    out.push(flat(params));
  }
  return out;
}

const cases: [string, () => optim.GradientTransformation][] = [
  ["adabelief", () => optim.adabelief(0.1)],
  ["adadelta", () => optim.adadelta(1)],
  ["adafactor", () => optim.adafactor(0.1, { minDimSizeToFactor: 2 })],
  ["adafactor_unfactored", () => optim.adafactor(0.1)],
  ["adamaxw", () => optim.adamaxw(0.1)],
  ["adan", () => optim.adan(0.1)],
  ["amsgrad", () => optim.amsgrad(0.1)],
  ["fromage", () => optim.fromage(0.1)],
  ["lamb", () => optim.lamb(0.1, { weightDecay: 0.01 })],
  ["lars", () => optim.lars(0.5, { weightDecay: 0.01 })],
  ["nadam", () => optim.nadam(0.1)],
  ["nadamw", () => optim.nadamw(0.1)],
  ["noisy_sgd", () => optim.noisySgd(0.1, random.key(3))],
  ["novograd", () => optim.novograd(0.1)],
  ["optimistic_gd", () => optim.optimisticGradientDescent(0.1)],
  ["optimistic_adam", () => optim.optimisticAdam(0.1)],
  ["radam", () => optim.radam(0.1)],
  ["radam_long", () => optim.radam(0.1, { b2: 0.9, threshold: 4.5 })],
  ["rprop", () => optim.rprop(0.1)],
  ["sign_sgd", () => optim.signSgd(0.1)],
  ["signum", () => optim.signum(0.1)],
  ["yogi", () => optim.yogi(0.1)],
  ["centralize_sgd", () => optim.chain(optim.centralize(), optim.sgd(0.1))],
  ["clip_block_rms", () => optim.chain(optim.clipByBlockRms(0.5), optim.sgd(0.1))],
  ["ema", () => optim.chain(optim.ema(0.9), optim.sgd(0.1))],
  ["multi_steps", () => optim.multiSteps(optim.adam(0.1), 2)],
  ["multi_steps_sum", () => optim.multiSteps(optim.sgd(0.1), 2, { useGradMean: false })],
  ["apply_if_finite", () => optim.applyIfFinite(optim.adam(0.1), 2)],
  ["masked", () => optim.masked(optim.adam(0.1), { w: true, b: false })],
  [
    "multi_transform",
    () => optim.multiTransform({ a: optim.adam(0.1), s: optim.sgd(0.5) }, { w: "a", b: "s" }),
  ],
  ["flatten", () => optim.flatten(optim.adam(0.1))],
  [
    "inject",
    () =>
      optim.injectHyperparams((h) => optim.adam(h.learningRate), {
        learningRate: schedules.linear({ initValue: 0.1, endValue: 0.01, transitionSteps: 3 }),
      }),
  ],
];

describe("optim: optax's optimizers and wrappers", () => {
  for (const [name, make] of cases) {
    it(`optim ${name} follows optax's trajectory`, () => {
      const want = fixture[name];
      assertAllClose(np.array(run(make(), want.length)), np.array(want), {
        atol: 2e-5,
        rtol: 2e-5,
      });
    });
  }

  it("optim.lookahead() follows optax's trajectory for four steps", () => {
    const opt = optim.lookahead(optim.sgd(0.1), 2, 0.5);
    let params = { fast: init(), slow: init() };
    let state = opt.init(params);
    const out: number[][] = [];
    for (let i = 0; i < 4; i++) {
      const [u, s] = opt.update(grads(params.fast), state, params);
      params = optim.applyUpdates(params, u as unknown as typeof params);
      state = s;
      out.push(flat(params.fast));
    }
    assertAllClose(np.array(out), np.array(fixture.lookahead), { atol: 2e-5, rtol: 2e-5 });
  });

  it("optim.nadam() steps the same under jit as eagerly", () => {
    const opt = optim.nadam(0.1);
    const params = init();
    const step = (p: Params, s: unknown) => opt.update(grads(p), s as never, p);
    const [eager] = step(params, opt.init(params));
    const [jitted] = jit(step)(params, opt.init(params));
    assertAllClose((jitted as Params).w, (eager as Params).w, { atol: 1e-7, rtol: 1e-6 });
  });

  it("optim.applyIfFinite() skips a NaN step and keeps the inner state", () => {
    const opt = optim.applyIfFinite(optim.sgd(1), 1);
    const s0 = opt.init(np.zeros([1]));
    const [u, s1] = opt.update(np.array([NaN]), s0);
    assert.deepEqual(u.toArray(), [0]);
    assert.equal(s1.notfiniteCount.item(), 1);
    const [u2] = opt.update(np.array([2]), s1);
    assert.deepEqual(u2.toArray(), [-2]);
  });

  it("optim.multiTransform() rejects a label without a transformation", () => {
    const opt = optim.multiTransform({ a: optim.sgd(1) }, { w: "a", b: "z" });
    assert.throws(() => opt.init({ w: np.zeros([1]), b: np.zeros([1]) }), /label "z"/);
  });

  it("optim.masked() matches the mask to the params by key, not by position", () => {
    // optax 0.2.8 raises "pytree structure error" for masked(scale(10), {"decay": True,
    // "nodecay": False}) on params {"w", "b"}; a positional match would decay "b" instead
    const opt = optim.masked(optim.scale(10), { decay: true, nodecay: false });
    assert.throws(
      () => opt.init({ w: np.ones([1]), b: np.ones([1]) }),
      /optim\.masked: the labels do not match the params at the root: the params have keys \[b, w\]/,
    );
    const labels = optim.multiTransform({ a: optim.sgd(1) }, { v: "a", b: "a" });
    assert.throws(() => labels.init({ w: np.ones([1]), b: np.ones([1]) }), /keys \[b, w\]/);
  });

  it("optim.masked() and optim.multiTransform() take a label tree that is a prefix of the params", () => {
    // optax 0.2.8: masked(scale(10), {"enc": True, "dec": [False, None]}) scales every leaf
    // under "enc" and none under "dec"
    const p = { enc: { w: np.array([1, 2]), b: np.array([3]) }, dec: [np.array([4]), null] };
    const opt = optim.masked(optim.scale(10), { enc: true, dec: [false, null] });
    const [u] = opt.update(p, opt.init(p), p);
    assert.deepEqual(u.enc.w.toArray(), [10, 20]);
    assert.deepEqual(u.enc.b.toArray(), [30]);
    assert.deepEqual((u.dec[0] as NDArray).toArray(), [4]);
    const multi = optim.multiTransform(
      { a: optim.scale(2), b: optim.scale(-1) },
      { enc: { w: "a", b: "b" }, dec: "a" },
    );
    const [v] = multi.update(p, multi.init(p), p);
    assert.deepEqual(v.enc.b.toArray(), [-3]);
    assert.deepEqual((v.dec[0] as NDArray).toArray(), [8]);
  });

  it("optim.chain() and optim.scale() name a bad argument instead of failing inside", () => {
    assert.throws(
      () => optim.chain(optim.adam(0.1), 3 as unknown as optim.GradientTransformation),
      /optim\.chain: argument 1 must be a gradient transformation/,
    );
    assert.throws(
      () => optim.scale("2" as unknown as number),
      /optim\.scale: factor must be a number/,
    );
    const sgd = optim.sgd(0.1);
    const p = { a: np.zeros([2]) };
    assert.throws(
      () => sgd.update({ a: [1, 2] } as unknown as typeof p, sgd.init(p), p),
      // the optimizer the user called is named, not the building block (optim.scale) inside it
      /optim\.sgd: every leaf of the updates must be an array, but there is 1 at \.a\[0\]/,
    );
  });

  it("optim.multiSteps() rejects a non-positive everyK with a RangeError", () => {
    assert.throws(() => optim.multiSteps(optim.sgd(1), 0), RangeError);
  });
});

describe("schedules: optax's further schedules", () => {
  const make: Record<string, () => schedules.Schedule> = {
    polynomial: () =>
      schedules.polynomial({
        initValue: 1,
        endValue: 0.1,
        power: 2,
        transitionSteps: 50,
        transitionBegin: 5,
      }),
    cosine_onecycle: () => schedules.cosineOnecycle({ transitionSteps: 100, peakValue: 1 }),
    linear_onecycle: () => schedules.linearOnecycle({ transitionSteps: 100, peakValue: 1 }),
    piecewise_interpolate: () => schedules.piecewiseInterpolate("cosine", 1, { 10: 0.5, 40: 0.1 }),
    sgdr: () =>
      schedules.sgdr([
        { initValue: 0, peakValue: 1, warmupSteps: 5, decaySteps: 40 },
        { initValue: 0, peakValue: 0.5, warmupSteps: 5, decaySteps: 60, endValue: 0.01 },
      ]),
    warmup_constant: () =>
      schedules.warmupConstant({ initValue: 0, peakValue: 1, warmupSteps: 10 }),
    warmup_exponential_decay: () =>
      schedules.warmupExponentialDecay({
        initValue: 0,
        peakValue: 1,
        warmupSteps: 10,
        transitionSteps: 20,
        decayRate: 0.5,
      }),
  };
  for (const [name, f] of Object.entries(make)) {
    it(`schedules ${name} gives optax's values`, () => {
      const s = f();
      const got = fixture.schedule_steps.map((t) => s(t).item() as number);
      assertAllClose(np.array(got), np.array(fixture.schedules[name]), { atol: 1e-6, rtol: 1e-5 });
    });
  }
});
