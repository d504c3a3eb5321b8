/**
 * optax's L-BFGS (zoom and backtracking line searches), Polyak SGD, SM3, DoG and the
 * further transforms and wrappers, against the trajectories optax 0.2.8 records in
 * fixtures/train_optim2.json (tests/fixtures/gen_optim2.py): six steps on a small
 * Rosenbrock-like pytree objective. Also: a jitted update step equals the eager one, vmap
 * over independent problems equals a loop, the worker pool's value/grad feed Polyak SGD,
 * and bad arguments are refused with the function's name.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  checkGrads,
  createWorkerPool,
  grad,
  jit,
  type NDArray,
  np,
  optim,
  valueAndGrad,
  vmap,
} from "../mod.ts";
import { assertAllClose } from "./_helpers.ts";

const fixture = JSON.parse(
  readFileSync(new URL("./fixtures/train_optim2.json", import.meta.url), "utf8"),
).optim as Record<string, unknown>;

type Params = { w: NDArray; b: NDArray };
const init = (): Params => ({
  w: np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]),
  b: np.array([0.1, -0.2, 0.3]),
});
/** Σ(1 − w)² + 2 Σ(w₁ − w₀²)² + Σ(b − ½)⁴ + Σ b² (the fixture's objective). */
const f = (p: Params): NDArray => {
  const w0 = np.slice(p.w, [[0, 1]]), w1 = np.slice(p.w, [[1, 2]]);
  return np.sum(np.sub(1, p.w).square())
    .add(np.sum(w1.sub(w0.square()).square()).mul(2))
    .add(np.sum(p.b.sub(0.5).pow(4)))
    .add(np.sum(p.b.square()));
};
const flat = (p: Params) => [
  ...(p.b.toArray() as number[]),
  ...(p.w.toArray() as number[][]).flat(),
];

/** Steps of `opt` from the fixture's start (as gen_optim2.py's `run`); the params after each. */
function run(
  opt: optim.GradientTransformation,
  options: { extra?: boolean; poison?: number; big?: number; steps?: number } = {},
): [number[][], unknown] {
  let params = init();
  let state = opt.init(params);
  const out: number[][] = [];
  for (let i = 0; i < (options.steps ?? 6); i++) {
    const [value, g0] = valueAndGrad(f)(params);
    let g = g0;
    if (options.poison === i) g = { w: g.w, b: np.where(np.arange(3).equal(1), NaN, g.b) };
    if (options.big === i) g = { w: g.w.mul(100), b: g.b.mul(100) };
    const [u, s] = options.extra
      ? opt.update(g, state, params, { value, grad: g, valueFn: f as (p: unknown) => NDArray })
      : opt.update(g, state, params);
    params = optim.applyUpdates(params, u as Params);
    state = s;
    out.push(flat(params));
  }
  return [out, state];
}

const tol = { atol: 2e-5, rtol: 2e-5 };
const ls = optim.scaleByBacktrackingLinesearch;
const cases: [
  string,
  () => optim.GradientTransformation,
  { extra?: boolean; poison?: number; big?: number },
][] = [
  ["lbfgs", () => optim.lbfgs(), { extra: true }],
  ["lbfgs_memory2", () => optim.lbfgs({ memorySize: 2, scaleInitPrecond: false }), { extra: true }],
  ["lbfgs_backtracking", () => optim.lbfgs({ linesearch: ls(15) }), { extra: true }],
  [
    "lbfgs_lr_no_linesearch",
    () => optim.lbfgs({ learningRate: 0.1, memorySize: 3, linesearch: null }),
    { extra: true },
  ],
  ["sgd_zoom_keep", () => optim.chain(optim.sgd(1), optim.scaleByZoomLinesearch(10)), {
    extra: true,
  }],
  [
    "sgd_zoom_max_lr",
    () =>
      optim.chain(
        optim.sgd(1),
        optim.scaleByZoomLinesearch(10, { maxLearningRate: 0.05, approxDecRtol: null }),
      ),
    { extra: true },
  ],
  [
    "sgd_backtracking_store_grad",
    () =>
      optim.chain(
        optim.sgd(1),
        ls(20, { decreaseFactor: 0.5, increaseFactor: 2, storeGrad: true, rtol: 0.01 }),
      ),
    { extra: true },
  ],
  ["polyak_sgd", () => optim.polyakSgd(), { extra: true }],
  [
    "polyak_sgd_plus",
    () =>
      optim.polyakSgd({ maxLearningRate: 0.3, scaling: 0.5, fMin: 1, eps: 1e-3, variant: "sps+" }),
    { extra: true },
  ],
  ["sm3", () => optim.sm3(0.1), {}],
  ["sm3_b2", () => optim.chain(optim.scaleBySm3({ b1: 0.5, b2: 0.9 }), optim.scale(-0.05)), {}],
  ["dog", () => optim.scaleByDistanceOverGradients({ repsRel: 1e-2, globalScale: -1 }), {}],
  ["normalize_by_update_norm", () => optim.normalizeByUpdateNorm({ scaleFactor: -0.1 }), {}],
  [
    "keep_params_nonnegative",
    () => optim.chain(optim.sgd(0.3), optim.keepParamsNonnegative()),
    {},
  ],
  ["apply_every", () => optim.chain(optim.sgd(0.02), optim.applyEvery(3)), {}],
  [
    "multi_steps_skip_not_finite",
    () => optim.multiSteps(optim.adam(0.1), 2, { shouldSkipUpdateFn: optim.skipNotFinite }),
    { poison: 1 },
  ],
  [
    "multi_steps_skip_large",
    () =>
      optim.multiSteps(optim.sgd(0.1), 2, {
        shouldSkipUpdateFn: (u, s, p) => optim.skipLargeUpdates(u, s, p, 1e4),
      }),
    { big: 2 },
  ],
  ["freeze", () => optim.chain(optim.freeze({ w: true, b: false }), optim.adam(0.1)), {}],
  [
    "selective_transform",
    () => optim.selectiveTransform(optim.adam(0.1), { w: false, b: true }),
    {},
  ],
  [
    "partition",
    () => optim.partition({ a: optim.adam(0.1), s: optim.sgd(0.05) }, { w: "a", b: "s" }),
    {},
  ],
  [
    "named_chain",
    () => optim.namedChain(["clip", optim.clipByGlobalNorm(1)], ["adam", optim.adam(0.1)]),
    {},
  ],
  [
    "conditionally_transform",
    () =>
      optim.chain(
        optim.conditionallyTransform(optim.scale(5), (step) => np.mod(step, 2).equal(0)),
        optim.sgd(0.01),
      ),
    {},
  ],
  [
    "conditionally_mask",
    () => optim.conditionallyMask(optim.adam(0.1), (step) => step.greaterEqual(2)),
    {},
  ],
  [
    "set_to_zero_partition",
    () => optim.partition({ z: optim.setToZero(), s: optim.sgd(0.01) }, { w: "s", b: "z" }),
    {},
  ],
];

describe("optim: L-BFGS, line searches, Polyak SGD, SM3 and more wrappers", () => {
  for (const [name, make, options] of cases) {
    it(`optim ${name} follows optax's six-step trajectory`, () => {
      const [got] = run(make(), options);
      assertAllClose(np.array(got), np.array(fixture[name] as number[][]), tol);
    });
  }

  it("the wrappers pass update's extra args on: polyakSgd inside applyIfFinite, masked, injectHyperparams, namedChain, flatten", () => {
    const wrapped = [
      optim.applyIfFinite(optim.polyakSgd(), 2),
      optim.masked(optim.polyakSgd(), { w: true, b: true }),
      optim.injectHyperparams((h) => optim.polyakSgd({ maxLearningRate: h.max as number }), {
        max: 1,
      }),
      optim.namedChain(["polyak", optim.polyakSgd()]),
      optim.flatten(optim.polyakSgd()),
    ];
    for (const opt of wrapped) {
      const [got] = run(opt, { extra: true });
      assertAllClose(np.array(got), np.array(fixture.polyak_sgd as number[][]), tol);
    }
  });

  it("optim.lbfgs() keeps the accepted step's value and learning rate in its state", () => {
    const [, state] = run(optim.lbfgs(), { extra: true });
    const ls = (state as unknown[])[2] as optim.ZoomLinesearchState;
    assertAllClose(ls.learningRate, np.array(fixture.lbfgs_final_learning_rate as number), tol);
    assertAllClose(ls.value, np.array(fixture.lbfgs_final_value as number), tol);
  });

  it("optim.valueAndGradFromState() reuses the line search's value and grad on optax's L-BFGS path", () => {
    const vg = optim.valueAndGradFromState(f);
    const opt = optim.lbfgs();
    let params = init();
    let state: unknown = opt.init(params);
    const out: number[][] = [];
    for (let i = 0; i < 6; i++) {
      const [value, g] = vg(params, state);
      if (i > 0) {
        // the value comes from the state, not from a new evaluation
        const stored = ((state as unknown[])[2] as optim.ZoomLinesearchState).value;
        assert.equal(value.item(), stored.item());
      }
      const [u, s] = opt.update(g, state as never, params, {
        value,
        grad: g,
        valueFn: f as (p: unknown) => NDArray,
      });
      params = optim.applyUpdates(params, u as Params);
      state = s;
      out.push(flat(params));
    }
    assertAllClose(np.array(out), np.array(fixture.lbfgs as number[][]), tol);
    assert.throws(() => vg(params, { value: np.array(1) }), /no stored value and grad/);
  });

  it("optim.multiSteps() with skipNotFinite records optax's skip state", () => {
    const make = () =>
      optim.multiSteps(optim.adam(0.1), 2, { shouldSkipUpdateFn: optim.skipNotFinite });
    const [, state] = run(make(), { poison: 1 });
    const s = state as optim.MultiStepsState;
    const want = fixture.multi_steps_skip_state as Record<string, number | boolean>;
    const skip = s.skipState as { shouldSkip: NDArray; numNotFinite: NDArray };
    assert.equal(skip.shouldSkip.itemBool(), want.should_skip);
    assert.equal(skip.numNotFinite.item(), want.num_not_finite);
    assert.deepEqual([s.miniStep.item(), s.gradientStep.item()], [
      want.mini_step,
      want.gradient_step,
    ]);
  });

  it("optim.snapshot() and optim.monitor() record optax's measurements", () => {
    const norm = (u: unknown) => np.sqrt(sumSquares(u));
    const opt = optim.chain(
      optim.snapshot("normBefore", norm),
      optim.clipByGlobalNorm(1),
      optim.monitor({ normAfter: norm }),
    );
    const params = init();
    const [, s] = opt.update(grad(f)(params), opt.init(params), params);
    const snap = (s[0] as { measurement: { normBefore: NDArray } }).measurement.normBefore;
    const mon = (s[2] as { measurements: { normAfter: NDArray } }).measurements.normAfter;
    assertAllClose(snap, np.array(fixture.snapshot_norm_before as number), { rtol: 1e-6 });
    assertAllClose(mon, np.array(fixture.monitor_norm_after as number), { rtol: 1e-6 });
  });

  it("optim.scaleGradient() scales the backward pass only, as optax", () => {
    const x = np.array([1, -2, 0.5]);
    const g = grad((z: NDArray) => optim.scaleGradient(z, 0.25).pow(3).sum())(x);
    assertAllClose(g, np.array(fixture.scale_gradient_grad as number[]), { rtol: 1e-6 });
    assert.deepEqual(optim.scaleGradient(x, 0.25).toArray(), [1, -2, 0.5]);
    assert.deepEqual(
      grad((z: NDArray) => optim.scaleGradient(z, 0).pow(3).sum())(x).toArray(),
      [0, 0, 0],
    );
  });
});

describe("optim.microbatch()", () => {
  const xs = np.arange(12).reshape([6, 2]).astype("float32").div(4);

  it("optim.microbatch() gives optax's results for each accumulation kind (strided microbatches)", () => {
    const fun = (z: NDArray) =>
      [z.add(1), np.sum(z.square().mul(3)), np.slice(z, [0]), np.mean(np.sin(z))] as const;
    const m = optim.microbatch(fun, 0, 2, {
      accumulator: ["concat", "sum", "mean", "runningMean"],
    });
    const want = fixture.microbatch as number[][];
    m(xs).forEach((v, i) => assertAllClose(np.ravel(v), np.array(want[i]), { rtol: 1e-6 }));
  });

  it("grad of an optim.microbatch()-ed mean loss equals optax's (and the full batch's)", () => {
    const loss = (w: NDArray, z: NDArray) => np.mean(np.tanh(np.matmul(z, w)).square());
    const m = optim.microbatch(loss, 1, 3, { accumulator: "mean" });
    const w = np.array([0.5, -1]);
    const g = grad(m)(w, xs);
    assertAllClose(g, np.array(fixture.microbatch_grad as number[]), { rtol: 1e-5, atol: 1e-7 });
    assertAllClose(g, grad(loss)(w, xs), { rtol: 1e-5, atol: 1e-7 });
    assertAllClose(jit(m)(w, xs), loss(w, xs), { rtol: 1e-6 });
  });

  it("optim.microbatch() passes checkGrads to second order (float64 finite differences, fwd and rev)", () => {
    const loss = (w: NDArray, z: NDArray) => np.mean(np.tanh(np.matmul(z, w)).square());
    const m = optim.microbatch(loss, 1, 2, { accumulator: "runningMean" });
    const z64 = xs.astype("float64");
    checkGrads((w: NDArray) => m(w, z64), [np.array([0.5, -1], { dtype: "float64" })], {
      order: 2,
    });
  });

  it("optim.microbatch() refuses a batch its microbatch size does not divide", () => {
    const m = optim.microbatch((z: NDArray) => z.sum(), 0, 4);
    assert.throws(() => m(xs), /divisible by microbatchSize 4/);
    assert.throws(
      () => optim.microbatch((z: NDArray) => z, 0, 2, { accumulator: "max" })(xs),
      /one of/,
    );
  });
});

function sumSquares(u: unknown): NDArray {
  const p = u as Params;
  return np.sum(p.w.square()).add(np.sum(p.b.square()));
}

describe("optim: the line searches under jit and vmap", () => {
  it("a jitted L-BFGS step (zoom line search in a while loop) equals the eager step", () => {
    const opt = optim.lbfgs();
    const step = (p: Params, s: unknown) => {
      const [value, g] = valueAndGrad(f)(p);
      return opt.update(g, s as never, p, {
        value,
        grad: g,
        valueFn: f as (p: unknown) => NDArray,
      });
    };
    let params = init(), state: unknown = opt.init(params);
    const jitted = jit(step);
    for (let i = 0; i < 3; i++) {
      const [ue, se] = step(params, state);
      const [uj, sj] = jitted(params, state);
      assertAllClose([(uj as Params).w, (uj as Params).b], [(ue as Params).w, (ue as Params).b], {
        atol: 1e-6,
        rtol: 1e-5,
      });
      params = optim.applyUpdates(params, ue as Params);
      state = se;
      void sj;
    }
  });

  it("a jitted backtracking step equals the eager step", () => {
    const opt = optim.chain(optim.sgd(1), optim.scaleByBacktrackingLinesearch(15));
    const params = init();
    const step = (p: Params, s: unknown) => {
      const [value, g] = valueAndGrad(f)(p);
      return opt.update(g, s as never, p, {
        value,
        grad: g,
        valueFn: f as (p: unknown) => NDArray,
      });
    };
    const [ue] = step(params, opt.init(params));
    const [uj] = jit(step)(params, opt.init(params));
    assertAllClose((uj as Params).w, (ue as Params).w, { atol: 1e-7, rtol: 1e-6 });
  });

  it("vmap of a backtracking step over three problems equals a loop", () => {
    const opt = optim.chain(optim.sgd(1), optim.scaleByBacktrackingLinesearch(20));
    const centres = np.array([[1, 2], [-3, 0.5], [0.1, 0.1]]);
    const one = (x: NDArray, c: NDArray) => {
      const g = (z: unknown) => (z as NDArray).sub(c).pow(4).sum();
      const [value, gr] = valueAndGrad(g)(x);
      const [u] = opt.update(gr, opt.init(x), x, { value, grad: gr, valueFn: g });
      return u as NDArray;
    };
    const xs = np.zeros([3, 2]);
    const batched = vmap(one)(xs, centres);
    const loop = np.stack([0, 1, 2].map((i) => one(np.slice(xs, [i]), np.slice(centres, [i]))));
    assertAllClose(batched, loop, { atol: 1e-6, rtol: 1e-5 });
  });

  it("a jitted SM3 and Polyak step equal the eager ones", () => {
    for (const opt of [optim.sm3(0.1), optim.polyakSgd()]) {
      const step = (p: Params, s: unknown) => {
        const [value, g] = valueAndGrad(f)(p);
        return opt.update(g, s as never, p, { value });
      };
      const params = init();
      const [ue] = step(params, opt.init(params));
      const [uj] = jit(step)(params, opt.init(params));
      assertAllClose((uj as Params).w, (ue as Params).w, { atol: 1e-7, rtol: 1e-6 });
    }
  });
});

describe("optim: Polyak SGD with the worker pool's value and gradient", () => {
  const pool = createWorkerPool({ size: 2 });
  after(() => pool.close());

  it("pool.valueAndGrad() feeds optim.polyakSgd() the same steps as valueAndGrad()", async () => {
    // least squares over a batch: mean over rows of (x·w − y)²
    const loss = (w: NDArray, x: NDArray, y: NDArray) => np.matmul(x, w).sub(y).square().mean();
    const x = np.array([[1, 2], [0.5, -1], [2, 0], [-1, 1], [0, 3]]);
    const y = np.array([1, 0, 2, -1, 3]);
    const opt = optim.polyakSgd({ maxLearningRate: 0.5 });
    const vg = pool.valueAndGrad(loss, { batchArgnums: [1, 2] });
    let wp = np.zeros([2]), we = np.zeros([2]);
    let sp = opt.init(wp), se = opt.init(we);
    for (let i = 0; i < 3; i++) {
      const [vP, gP] = await vg(wp, x, y);
      const [vE, gE] = valueAndGrad(loss)(we, x, y);
      const [uP, nP] = opt.update(gP, sp, wp, { value: vP });
      const [uE, nE] = opt.update(gE, se, we, { value: vE });
      [wp, sp, we, se] = [optim.applyUpdates(wp, uP), nP, optim.applyUpdates(we, uE), nE];
    }
    assertAllClose(wp, we, { atol: 1e-6, rtol: 1e-5 });
    assert.ok((loss(we, x, y).item() as number) < (loss(np.zeros([2]), x, y).item() as number));
  });
});

describe("optim: the new transforms refuse bad arguments", () => {
  const p = np.array([1, 2]);
  it("optim.polyakSgd() without the value throws a TypeError naming scaleByPolyak", () => {
    const opt = optim.polyakSgd();
    assert.throws(() => opt.update(p, opt.init(p), p), /scaleByPolyak.*value/);
  });
  it("optim.lbfgs() without valueFn throws a TypeError that shows the call to make", () => {
    const opt = optim.lbfgs();
    assert.throws(
      () => opt.update(p, opt.init(p), p, { value: 1 }),
      (e: Error) => e instanceof TypeError && /\{ value, grad, valueFn \}/.test(e.message),
    );
  });
  it("optim.lbfgs() refuses unknown options and a memorySize below 1", () => {
    assert.throws(() => optim.lbfgs({ memory: 3 } as never), /memory/);
    assert.throws(() => optim.scaleByLbfgs({ memorySize: 0 }), RangeError);
  });
  it("optim.scaleByZoomLinesearch() refuses a bad initialGuessStrategy and step count", () => {
    assert.throws(
      () => optim.scaleByZoomLinesearch(5, { initialGuessStrategy: "two" as never }),
      RangeError,
    );
    assert.throws(() => optim.scaleByZoomLinesearch(0), RangeError);
    assert.throws(() => optim.scaleByBacktrackingLinesearch(1.5), RangeError);
  });
  it("optim.scaleByPolyak() refuses an unknown variant; optim.scaleBySm3() a scalar leaf", () => {
    assert.throws(() => optim.scaleByPolyak({ variant: "spsx" as never }), RangeError);
    assert.throws(() => optim.scaleBySm3().init(np.array(1)), /at least one axis/);
  });
  it("optim.applyEvery() and optim.namedChain() refuse bad arguments", () => {
    assert.throws(() => optim.applyEvery(0), RangeError);
    assert.throws(
      () => optim.namedChain(["a", optim.identity()], ["a", optim.identity()]),
      /unique/,
    );
  });
  it("optim.keepParamsNonnegative() needs the params; a shape mismatch is named", () => {
    const t = optim.keepParamsNonnegative();
    assert.throws(() => t.update(p, null), /needs the params/);
    assert.throws(() => t.update(p, null, np.array([1, 2, 3])), /shape mismatch/);
  });
  it("optim.conditionallyMask() refuses a condition that is not a bool scalar", () => {
    const t = optim.conditionallyMask(optim.sgd(1), (s) => s.add(1));
    assert.throws(() => t.update(p, t.init(p)), /bool scalar/);
  });
});
