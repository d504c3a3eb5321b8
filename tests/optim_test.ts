import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { grad, jit, type NDArray, np, optim, schedules, tree } from "../mod.ts";
import { assertAllClose } from "./_helpers.ts";

// Every optimizer takes three steps on the quadratic f(w) = ½ Σ a_i w_i² with
// a = (1, 4) from w₀ = (1, −0.5), so ∇f(w) = a ⊙ w and g₀ = (1, −2). Expected
// values follow each optimizer's published update rule, worked step by step in
// float64 (the intermediate quantities are in the comments); learning rate 0.1.
const A = np.array([1, 4], { dtype: "float64" });
const W0 = np.array([1, -0.5], { dtype: "float64" });
const quadGrad = grad((w: NDArray) => A.mul(w.square()).sum().mul(0.5));

/** Three optimizer steps from W0; returns the iterates w₁, w₂, w₃. */
function threeSteps(opt: optim.GradientTransformation): number[][] {
  let w = W0;
  let state = opt.init(w);
  const iterates: number[][] = [];
  for (let k = 0; k < 3; k++) {
    const [updates, next] = opt.update(quadGrad(w), state, w);
    w = optim.applyUpdates(w, updates);
    state = next;
    iterates.push(w.toArray() as number[]);
  }
  return iterates;
}

const tight = { rtol: 1e-9, atol: 1e-12 };

describe("optim: optimizers on a quadratic", () => {
  it("sgd() takes w ← w − lr·g", () => {
    // w_k = (1 − 0.1 a)^k w₀ = (0.9^k, −0.5 · 0.6^k)
    assertAllClose(threeSteps(optim.sgd(0.1)), [
      [0.9, -0.3],
      [0.81, -0.18],
      [0.729, -0.108],
    ], tight);
  });

  it("sgd() with momentum accumulates t ← g + μ t and steps −lr·t", () => {
    // μ = 0.9
    // 1: t = g₀ = (1, −2)                         w₁ = (0.9, −0.3)
    // 2: g = (0.9, −1.2), t = (1.8, −3.0)          w₂ = (0.72, 0)
    // 3: g = (0.72, 0),   t = (2.34, −2.7)         w₃ = (0.486, 0.27)
    assertAllClose(threeSteps(optim.sgd(0.1, { momentum: 0.9 })), [
      [0.9, -0.3],
      [0.72, 0],
      [0.486, 0.27],
    ], tight);
  });

  it("sgd() with Nesterov momentum steps −lr·(g + μ t)", () => {
    // μ = 0.9, t ← g + μ t, u = g + μ t (with the new t)
    // 1: t = (1, −2),         u = (1.9, −3.8)          w₁ = (0.81, −0.12)
    // 2: g = (0.81, −0.48),   t = (1.71, −2.28),   u = (2.349, −2.532)    w₂ = (0.5751, 0.1332)
    // 3: g = (0.5751, 0.5328), t = (2.1141, −1.5192), u = (2.47779, −0.83448)
    //    w₃ = (0.327321, 0.216648)
    assertAllClose(threeSteps(optim.sgd(0.1, { momentum: 0.9, nesterov: true })), [
      [0.81, -0.12],
      [0.5751, 0.1332],
      [0.327321, 0.216648],
    ], tight);
  });

  it("adagrad() accumulates s ← s + g² and steps −lr·g/√(s + eps)", () => {
    // s₀ = 0.1, eps = 1e-7
    // 1: s = (1.1, 4.1); u = −0.1 (1/√1.1, −2/√4.1) = (−0.0953462546, 0.0987729585)
    // 2: g = (0.904653745, −1.604908166), s = (1.918398399, 6.675730222)
    //    u = (−0.0653150062, 0.0621156158)
    // 3: g = (0.839338739, −1.356445703), s = (2.622887918, 8.515675167)
    //    u = (−0.0518259645, 0.0464828629)
    assertAllClose(threeSteps(optim.adagrad(0.1)), [
      [0.9046537454093613, -0.4012270415395893],
      [0.8393387391820096, -0.33911142578948394],
      [0.7875127746375502, -0.2926285629295135],
    ], tight);
  });

  it("rmsprop() keeps v ← ρ v + (1 − ρ) g² and steps −lr·g/√(v + eps)", () => {
    // ρ = 0.9, eps = 1e-8, v₀ = 0
    // 1: v = (0.1, 0.4); u = −0.1 (1/√0.1, −2/√0.4) ≈ (−0.31622775, 0.31622776)
    // 2: g = (0.683772250, −0.735088952), v = (0.136754449, 0.414035577)
    // 3: g = (0.498870627, −0.278125937), v = (0.147966194, 0.380367423)
    assertAllClose(threeSteps(optim.rmsprop(0.1)), [
      [0.6837722497945492, -0.18377223793600905],
      [0.49887062665476284, -0.06953148413139652],
      [0.36918057387599257, -0.024435296572975905],
    ], tight);
  });

  it("rmsprop() centered divides by √(v − m² + eps)", () => {
    // m ← ρ m + (1 − ρ) g as well
    // 1: m = (0.1, −0.2), v = (0.1, 0.4), v − m² = (0.09, 0.36): u = (−1/3, 1/3)
    // 2: g = (0.666666685, −0.666666685), m = (0.156666669, −0.246666669),
    //    v = (0.134444447, 0.404444447)
    // 3: g = (0.465567698, −0.211739218), m = (0.187556771, −0.243173923),
    //    v = (0.142675330, 0.368483352)
    assertAllClose(threeSteps(optim.rmsprop(0.1, { centered: true })), [
      [0.6666666851851837, -0.16666667129629614],
      [0.4655676980075391, -0.05293480439370325],
      [0.3235694268907069, -0.014865373829750624],
    ], tight);
  });

  it("rmsprop() with momentum traces the scaled steps: t ← −lr·g/√(v + eps) + μ t", () => {
    // μ = 0.5; the scaled step r is plain RMSProp's update, then u = t ← r + μ t
    // 1: r = (−0.316227750, 0.316227762), t = r
    // 2: g = (0.683772250, −0.735088952), v = (0.136754449, 0.414035577),
    //    r = (−0.184901623, 0.114240754), t = (−0.343015498, 0.272354635)
    // 3: g = (0.340756752, 0.354329588), v = (0.134690520, 0.385186965),
    //    r = (−0.092848724, −0.057091522), t = (−0.264356473, 0.079085795)
    assertAllClose(threeSteps(optim.rmsprop(0.1, { momentum: 0.5 })), [
      [0.6837722497945492, -0.18377223793600905],
      [0.34075675155203744, 0.08858239690059894],
      [0.076400278833056, 0.1676681921389866],
    ], tight);
  });

  it("adam() steps −lr·m̂/(√v̂ + eps) with bias-corrected moments", () => {
    // b1 = 0.9, b2 = 0.999, eps = 1e-8; m̂ = m/(1 − b1^t), v̂ = v/(1 − b2^t)
    // 1: m = (0.1, −0.2), v = (0.001, 0.004), m̂ = g, v̂ = g²: u ≈ −0.1 sign(g)
    // 2: g = (0.9, −1.6), m = (0.18, −0.34), v = (0.001809, 0.006556),
    //    m̂ = (0.947368422, −1.789473685), v̂ = (0.904952477, 3.279639823)
    //    u = (−0.0995877713, 0.0988125799)
    // 3: g = (0.800412230, −1.204749682), m = (0.242041223, −0.426474968),
    //    v = (0.002447851, 0.008000866), m̂ = (0.893141045, −1.573708371),
    //    v̂ = (0.816766741, 2.669624002), u = (−0.0988259552, 0.0963161697)
    assertAllClose(threeSteps(optim.adam(0.1)), [
      [0.9000000009999999, -0.40000000049999995],
      [0.8004122297123379, -0.3011874206234299],
      [0.7015862745044147, -0.20487125097072362],
    ], tight);
  });

  it("adamw() adds decoupled weight decay: −lr·(m̂/(√v̂ + eps) + λ w)", () => {
    // λ = 0.1; moments as Adam's, on the AdamW iterates
    // 1: u = −0.1 (1 + 0.1·1, −1 + 0.1·(−0.5)) ≈ (−0.11, 0.105)
    // 2: g = (0.89, −1.58), m̂ = (0.942105264, −1.778947369), v̂ = (0.895998000, 3.247823915)
    //    u = (−0.108428144, 0.102661297)
    // 3: g = (0.781571857, −1.169354813), m̂ = (0.882867844, −1.554005467),
    //    v̂ = (0.800855078, 2.620385607), u = (−0.106470634, 0.098923101)
    assertAllClose(threeSteps(optim.adamw(0.1, { weightDecay: 0.1 })), [
      [0.8900000009999999, -0.39500000049999995],
      [0.7815718569541609, -0.29233870322270733],
      [0.6751012231892005, -0.19341560270340258],
    ], tight);
  });

  it("adamax() steps −lr·m/((1 − b1^t)·v) with v ← max(b2 v, |g| + eps)", () => {
    // 1: m = (0.1, −0.2), v = (1 + 1e-8, 2 + 1e-8): u ≈ (−0.1, 0.1)
    // 2: g = (0.9, −1.6), m = (0.18, −0.34), v = (0.999000010, 1.998000010) (b2 v wins)
    //    u = −0.1 · m / 0.19 / v = (−0.0948316729, 0.0895632471)
    // 3: g = (0.805168328, −1.241747014), m = (0.242516833, −0.430174702),
    //    v = (0.998001010, 1.996002010), u = (−0.0896688534, 0.0795270002)
    assertAllClose(threeSteps(optim.adamax(0.1)), [
      [0.900000001, -0.40000000049999995],
      [0.8051683281165902, -0.3104367534371476],
      [0.7154994747368055, -0.23090975324346788],
    ], tight);
  });

  it("lion() steps −lr·(sign((1 − b1) g + b1 m) + λ w), then m ← b2 m + (1 − b2) g", () => {
    // b1 = 0.9, b2 = 0.99, λ = 0.1; the sign is (+, −) at every step here
    // 1: u = −0.1 ((1, −1) + 0.1 (1, −0.5)) = (−0.11, 0.105);     m = (0.01, −0.02)
    // 2: w₁ = (0.89, −0.395), u = (−0.1089, 0.10395);           m = (0.0188, −0.0356)
    // 3: w₂ = (0.7811, −0.29105), u = (−0.107811, 0.1029105)
    assertAllClose(threeSteps(optim.lion(0.1, { weightDecay: 0.1 })), [
      [0.89, -0.395],
      [0.7811, -0.29105],
      [0.673289, -0.1881395],
    ], tight);
  });

  it("optimizers take a schedule of the step count, starting at step 0", () => {
    // lr_k = 0.1 · (1 − k/4) for k = 0, 1, 2: 0.1, 0.075, 0.05 (float32 rates)
    const lr = schedules.linear({ initValue: 0.1, endValue: 0, transitionSteps: 4 });
    // w₁ = w₀ − 0.1 a w₀ = (0.9, −0.3); w₂ = w₁ − 0.075 a w₁ = (0.8325, −0.21);
    // w₃ = w₂ − 0.05 a w₂ = (0.790875, −0.168)
    assertAllClose(threeSteps(optim.sgd(lr)), [
      [0.9, -0.3],
      [0.8325, -0.21],
      [0.790875, -0.168],
    ], { rtol: 1e-6 });
  });
});

describe("optim: transforms", () => {
  it("clipByGlobalNorm() rescales all leaves together only when the norm exceeds the bound", () => {
    const g = { a: np.array([3]), b: np.array([[4, 0]]) };
    // ‖g‖ = 5: scaled by 1/5 for maxNorm 1, unchanged for maxNorm 10
    const t = optim.clipByGlobalNorm(1);
    const [u] = t.update(g, t.init(g));
    assertAllClose(u.a, [0.6]);
    assertAllClose(u.b, [[0.8, 0]]);
    const loose = optim.clipByGlobalNorm(10);
    const [v] = loose.update(g, loose.init(g));
    assertAllClose(v.a, [3]);
    assertAllClose(v.b, [[4, 0]]);
  });

  it("clip() clips each element to [−maxDelta, maxDelta]", () => {
    const t = optim.clip(0.5);
    assertAllClose(t.update(np.array([-2, 0.25, 3]), t.init(null))[0], [-0.5, 0.25, 0.5]);
  });

  it("chain() applies transforms in order and keeps one state per transform", () => {
    // clip to ±1 first, then scale by −lr: (5, −0.5) → (1, −0.5) → (−0.1, 0.05)
    const opt = optim.chain(optim.clip(1), optim.scaleByAdam(), optim.scaleByLearningRate(0.1));
    const p = np.array([0, 0], { dtype: "float64" });
    const state = opt.init(p);
    assert.equal(state.length, 3);
    const [u] = opt.update(np.array([5, -0.5], { dtype: "float64" }), state, p);
    // Adam's first step is g/(|g| + eps) ≈ sign(g)
    assertAllClose(u, [-0.1, 0.1], { rtol: 1e-7 });
    const plain = optim.chain(optim.clip(1), optim.scale(-0.1));
    assertAllClose(plain.update(np.array([5, -0.5]), plain.init(p))[0], [-0.1, 0.05]);
  });

  it("addDecayedWeights() and adamw() require the params in update", () => {
    const opt = optim.adamw(0.1);
    const p = np.array([1]);
    assert.throws(() => opt.update(np.array([1]), opt.init(p)), TypeError);
    assert.throws(() => optim.sgd(Number.NaN), TypeError);
    assert.throws(() => optim.adam(0.1, { b1: 1.5 }), RangeError);
  });

  it("applyUpdates() keeps each parameter's dtype", () => {
    const p = { w: np.array([1, 2]), n: np.array([1], { dtype: "float64" }) };
    const out = optim.applyUpdates(p, { w: np.array([0.5, 0.5]), n: np.array([0.25]) });
    assert.equal(out.w.dtype, "float32");
    assert.equal(out.n.dtype, "float64");
    assertAllClose(out.n, [1.25]);
    assertAllClose(out.w, [1.5, 2.5]);
  });
});

describe("optim: low-precision params", () => {
  // optax 0.2.8: two updates with the gradient g = p² − 0.3 at p = [0.5, −1.25, 2]; optax
  // divides by the bias correction in the moment's dtype and keeps every state leaf in it
  const cases: [string, () => optim.GradientTransformation, Record<string, number[]>][] = [
    ["adam", () => optim.adam(0.1), {
      float16: [0.0999755859375, -0.099853515625, -0.09991455078125],
      bfloat16: [0.099609375, -0.10009765625, -0.099609375],
    }],
    ["adamax", () => optim.adamax(0.1), {
      float16: [0.0999755859375, -0.0999755859375, -0.0999755859375],
      bfloat16: [0.099609375, -0.10009765625, -0.099609375],
    }],
    ["rprop", () => optim.rprop(0.1), {
      float16: [0.0999755859375, -0.0999755859375, -0.0999755859375],
      bfloat16: [0.10009765625, -0.10009765625, -0.10009765625],
    }],
  ];
  for (const [name, make, want] of cases) {
    it(`optim.${name}() keeps float16 and bfloat16 updates and state in their dtype, as optax`, () => {
      for (const dtype of ["float16", "bfloat16"] as const) {
        const opt = make();
        const p = np.array([0.5, -1.25, 2], { dtype });
        const g = p.mul(p).sub(0.3);
        const [, s1] = opt.update(g, opt.init(p), p);
        const [u, s2] = opt.update(g, s1, p);
        assert.equal(u.dtype, dtype, `${name} ${dtype} update`);
        for (const leaf of tree.leaves(s2)) {
          assert.ok(leaf.dtype === dtype || leaf.dtype === "int32", `${name} ${dtype} state`);
        }
        assert.deepEqual(u.astype("float32").toArray(), want[dtype], `${name} ${dtype}`);
      }
    });
  }
});

describe("optim: states", () => {
  const params = { w: np.array([[1, -0.5], [0.25, 2]]), b: np.array([0.1, -0.1]) };
  const loss = (p: typeof params) =>
    p.w.square().sum().add(p.b.mul(np.array([1, 2])).square().sum());
  const lr = schedules.warmupCosineDecay({
    initValue: 0,
    peakValue: 0.1,
    warmupSteps: 2,
    decaySteps: 10,
  });
  const makeOpt = () => optim.chain(optim.clipByGlobalNorm(1), optim.adamw(lr));

  it("optimizer states are plain pytrees of arrays with an int32 step count", () => {
    const opt = optim.adam(lr);
    const state = opt.init(params);
    for (const leaf of tree.leaves(state)) assert.ok(leaf instanceof np.NDArray);
    // chain → [adam's {count, mu, nu}, the schedule's {count}]
    assert.equal(
      tree.structure(state).toString(),
      "[{count: *, mu: {b: *, w: *}, nu: {b: *, w: *}}, {count: *}]",
    );
    const [, next] = opt.update(grad(loss)(params), state, params);
    const counts = tree.leaves(next).filter((l) => l.ndim === 0);
    assert.deepEqual(counts.map((c) => [c.dtype, c.item()]), [["int32", 1], ["int32", 1]]);
  });

  it("optimizer states survive a JSON round trip and training resumes identically", () => {
    const opt = makeOpt();
    let p = params;
    let state = opt.init(p);
    for (let k = 0; k < 2; k++) {
      const [u, s] = opt.update(grad(loss)(p), state, p);
      p = optim.applyUpdates(p, u);
      state = s;
    }
    const [leaves, def] = tree.flatten(state);
    const json = JSON.stringify(
      leaves.map((l) => ({ dtype: l.dtype, shape: l.shape, data: Array.from(l.toTypedArray()) })),
    );
    const restoredLeaves =
      (JSON.parse(json) as { dtype: np.DType; shape: number[]; data: number[] }[])
        .map((l) => np.array(l.data, { dtype: l.dtype, shape: l.shape }));
    const restored = tree.unflatten<typeof state>(def, restoredLeaves);
    const g = grad(loss)(p);
    const [u1, s1] = opt.update(g, state, p);
    const [u2, s2] = opt.update(g, restored, p);
    assertAllClose(u2, u1, { rtol: 0, atol: 0 });
    assertAllClose(tree.leaves(s2), tree.leaves(s1), { rtol: 0, atol: 0 });
  });

  it("a jit-compiled training step with a schedule matches eager steps", () => {
    const opt = makeOpt();
    type State = ReturnType<typeof opt.init>;
    const step = (p: typeof params, s: State): [typeof params, State] => {
      const [u, next] = opt.update(grad(loss)(p), s, p);
      return [optim.applyUpdates(p, u), next];
    };
    const fast = jit(step);
    let pe = params, se = opt.init(params);
    let pj = params, sj = opt.init(params);
    for (let k = 0; k < 4; k++) {
      [pe, se] = step(pe, se);
      [pj, sj] = fast(pj, sj);
    }
    // jit keeps fused intermediates in double precision; Adam's division by √v̂ amplifies the
    // last-bit differences from eager's per-op float32 rounding over four steps
    assertAllClose(pj, pe, { rtol: 2e-5, atol: 2e-7 });
    assertAllClose(tree.leaves(sj), tree.leaves(se), { rtol: 2e-5, atol: 2e-7 });
    // the count advanced inside the compiled step: 4 steps taken
    assert.equal(tree.leaves(sj).filter((l) => l.dtype === "int32")[0].item(), 4);
  });
});
