import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { grad, type NDArray, np, optim } from "../mod.ts";
import { assertAllClose } from "./_helpers.ts";

type P = { w: NDArray; b: NDArray };
const params = (): P => ({ w: np.array([[1, -2], [0.5, 3]]), b: np.array([0.3, -0.7]) });
const loss = (p: P) => np.matmul(p.w, np.array([1, 2])).add(p.b).square().sum();
const mask = { w: true, b: false };

/** Three steps of `opt` on `loss` from `params()`, as the optax script below runs them. */
function run(opt: optim.GradientTransformation): P {
  let p = params();
  let s = opt.init(p);
  for (let i = 0; i < 3; i++) {
    const g = grad(loss)(p);
    let u: unknown;
    [u, s] = opt.update(g, s, p);
    p = optim.applyUpdates(p, u as P);
  }
  return p;
}

// Expected params after three steps, from optax 0.2.8 (JAX 0.10.2):
//   params = {"w": [[1., -2.], [.5, 3.]], "b": [.3, -.7]}
//   loss = lambda p: jnp.sum((p["w"] @ jnp.array([1., 2.]) + p["b"]) ** 2)
//   mask = {"w": True, "b": False}
//   opt = optax.adamw(0.1, weight_decay=0.5, mask=mask)   (and likewise below)
//   3 × (g = jax.grad(loss)(p); u, s = opt.update(g, s, p); p = optax.apply_updates(p, u))
const OPTAX: Record<string, [() => optim.GradientTransformation, { w: number[][]; b: number[] }]> =
  {
    // optax.adamw(0.1, weight_decay=0.5, mask=mask)
    adamw: [() => optim.adamw(0.1, { weightDecay: 0.5, mask }), {
      w: [[1.1377737522125244, -1.4343512058258057], [0.14558009803295135, 2.289017677307129]],
      b: [0.595087468624115, -0.9978288412094116],
    }],
    // optax.adamw(0.1, weight_decay=0.5, mask=lambda p: jax.tree.map(lambda x: x.ndim > 1, p))
    adamwFn: [
      () =>
        optim.adamw(0.1, {
          weightDecay: 0.5,
          mask: (p: P) => ({ w: p.w.ndim > 1, b: p.b.ndim > 1 }),
        }),
      {
        w: [[1.1377737522125244, -1.4343512058258057], [0.14558009803295135, 2.289017677307129]],
        b: [0.595087468624115, -0.9978288412094116],
      },
    ],
    // optax.nadamw(0.1, weight_decay=0.5, mask=mask)
    nadamw: [() => optim.nadamw(0.1, { weightDecay: 0.5, mask }), {
      w: [[1.182785153388977, -1.3893399238586426], [0.09048276394605637, 2.2339203357696533]],
      b: [0.6450554728507996, -1.0581001043319702],
    }],
    // optax.adamaxw(0.1, weight_decay=0.5, mask=mask)
    adamaxw: [() => optim.adamaxw(0.1, { weightDecay: 0.5, mask }), {
      w: [[1.1117732524871826, -1.460351824760437], [0.16243702173233032, 2.3058745861053467]],
      b: [0.5686166286468506, -0.9806761741638184],
    }],
    // optax.adan(0.1, weight_decay=0.5, mask=mask)
    adan: [() => optim.adan(0.1, { weightDecay: 0.5, mask }), {
      w: [[1.1393853425979614, -1.4327396154403687], [0.14456085860729218, 2.2879984378814697]],
      b: [0.5967180132865906, -0.9988608360290527],
    }],
    // optax.lamb(0.1, weight_decay=0.5, mask=mask)
    lamb: [() => optim.lamb(0.1, { weightDecay: 0.5, mask }), {
      w: [[1.145332932472229, -1.404211163520813], [0.1268385499715805, 2.2514586448669434]],
      b: [0.4763724207878113, -0.8780169486999512],
    }],
    // optax.lion(0.1, weight_decay=0.5, mask=mask)
    lion: [() => optim.lion(0.1, { weightDecay: 0.5, mask }), {
      w: [[1.1426249742507935, -1.429499864578247], [0.14343750476837158, 2.286875009536743]],
      b: [0.6000000238418579, -1.0],
    }],
    // optax.adadelta(0.5, weight_decay=0.5, weight_decay_mask=mask)
    adadelta: [() => optim.adadelta(0.5, { weightDecay: 0.5, weightDecayMask: mask }), {
      w: [[1.0048465728759766, -1.9951519966125488], [0.4951492249965668, 2.9951488971710205]],
      b: [0.3048476278781891, -0.7048508524894714],
    }],
    // optax.lars(0.1, weight_decay=0.5, weight_decay_mask=mask,
    //            trust_ratio_mask={"w": False, "b": True})
    lars: [() =>
      optim.lars(0.1, {
        weightDecay: 0.5,
        weightDecayMask: mask,
        trustRatioMask: { w: false, b: true },
      }), {
      w: [[1.5235135555267334, 0.12152743339538574], [-1.333888292312622, -1.2050267457962036]],
      b: [0.2999943494796753, -0.6999865770339966],
    }],
    // optax.adafactor(0.1, weight_decay_rate=0.5, weight_decay_mask=mask, min_dim_size_to_factor=1)
    adafactor: [
      () =>
        optim.adafactor(0.1, {
          weightDecayRate: 0.5,
          weightDecayMask: mask,
          minDimSizeToFactor: 1,
        }),
      {
        w: [[0.186068594455719, -0.188931405544281], [-0.010514403693377972, 0.30198562145233154]],
        b: [0.3732454180717468, -0.7905038595199585],
      },
    ],
    // optax.add_decayed_weights(0.5, mask)
    addDecayedWeights: [() => optim.addDecayedWeights(0.5, mask), {
      w: [[-1101.6749267578125, -2216.849853515625], [2376.3876953125, 4759.525390625]],
      b: [-1061.39990234375, 2280.85009765625],
    }],
  };

describe("optim weight-decay masks", () => {
  for (const [name, [make, want]] of Object.entries(OPTAX)) {
    it(`${name} with a weight-decay mask follows optax's trajectory`, () => {
      const p = run(make());
      assertAllClose(p.w, want.w, { rtol: 1e-5, atol: 1e-6 });
      assertAllClose(p.b, want.b, { rtol: 1e-5, atol: 1e-6 });
    });
  }

  it("adamw() with an all-true mask equals adamw() without one, as a mask of true at the root covers every leaf", () => {
    const plain = run(optim.adamw(0.1, { weightDecay: 0.5 }));
    const all = run(optim.adamw(0.1, { weightDecay: 0.5, mask: true }));
    assert.deepEqual([all.w.toArray(), all.b.toArray()], [plain.w.toArray(), plain.b.toArray()]);
  });

  it("a mask that is not a tree of booleans is refused naming the optimizer and the option", () => {
    assert.throws(
      () => optim.adamw(0.1, { mask: { w: "decay", b: false } as unknown as optim.Mask }),
      (e: Error) =>
        e instanceof TypeError && /optim\.adamw: mask must be a tree of booleans/.test(e.message) &&
        /at \.w/.test(e.message),
    );
    assert.throws(
      () => optim.lars(0.1, { weightDecay: 0.1, weightDecayMask: 1 as unknown as optim.Mask }),
      /optim\.lars: weightDecayMask must be a tree of booleans/,
    );
    // a function's result is checked at update time, and a wrong structure names the params'
    const bad = optim.adamw(0.1, { mask: () => ({ w: true }) });
    const p = params();
    assert.throws(() => bad.update(p, bad.init(p), p), /optim\.adamw: the labels do not match/);
    const str = optim.nadamw(0.1, { mask: (() => "yes") as unknown as optim.Mask });
    assert.throws(
      () => str.update(p, str.init(p), p),
      /optim\.nadamw: the tree that mask returned must be a tree of booleans/,
    );
  });
});
