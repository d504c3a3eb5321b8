/**
 * customJvp, customVjp and checkpoint: the custom rule is the one used (a deliberately
 * different rule changes the derivative), the rules compose with jit, vmap and grad of grad,
 * checkpoint keeps the gradients and stores fewer residuals, and misuse gives clear errors.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  checkpoint,
  createWorkerPool,
  customJvp,
  customVjp,
  grad,
  jit,
  jvp,
  type NDArray,
  np,
  valueAndGrad,
  vmap,
} from "../mod.ts";
import { linearProgram } from "../src/transforms/autodiff.ts";
import { assertAllClose, checkGrads, randomArray } from "./_helpers.ts";

const f64 = (x: number | number[]) => np.array(x, { dtype: "float64" });
const tight = { rtol: 1e-12, atol: 1e-12 };
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** log(1 + e^x) with the derivative σ(x), finite where autodiff of e^x overflows. */
const softplus = customJvp((x: NDArray) => x.exp().log1p()).defjvp(
  ([x], [t]) => [softplus(x), t.mul(x.sigmoid())],
);

describe("customJvp", () => {
  it("customJvp() rules are used by jvp and grad: a scaled rule scales the derivative", () => {
    const tripled = customJvp((x: NDArray) => x.sin()).defjvp(
      ([x], [t]) => [x.sin(), t.mul(x.cos()).mul(3)],
    );
    const x = f64([0.3, 1.1]);
    const [y, dy] = jvp(tripled, [x], [f64([1, 1])]);
    assertAllClose(y, x.sin(), tight);
    assertAllClose(dy, x.cos().mul(3), tight);
    assertAllClose(grad((v: NDArray) => tripled(v).sum())(x), x.cos().mul(3), tight);
  });

  it("customJvp() gives a finite softplus gradient where plain autodiff is NaN", () => {
    assert.ok(Number.isNaN(grad((x: NDArray) => x.exp().log1p())(f64(1000)).item()));
    assert.equal(grad((x: NDArray) => softplus(x))(f64(1000)).item(), 1);
  });

  it("customJvp() composes with jit, vmap, grad of grad and finite differences", () => {
    const x = f64([-2, 0.5, 3]);
    const g = (v: NDArray) => softplus(v).sum();
    const ref = [-2, 0.5, 3].map(sigmoid);
    assertAllClose(jit(grad(g))(x), ref, tight);
    assertAllClose(vmap(grad((v: NDArray) => softplus(v)))(x), ref, tight);
    assertAllClose(grad((v: NDArray) => vmap(softplus)(v).sum())(x), ref, tight);
    // d²/dx² = σ(x)(1 − σ(x)), by differentiating the rule's tangent
    const second = vmap(grad(grad((v: NDArray) => softplus(v))))(x);
    assertAllClose(second, ref.map((s) => s * (1 - s)), tight);
    checkGrads(g, [x], { order: 2 });
  });

  it("customJvp() passes nondiffArgnums through with null tangents", () => {
    const scaledSin = customJvp((x: NDArray, k: number) => x.sin().mul(k), { nondiffArgnums: [1] })
      .defjvp(([x, k], [t, tk]) => {
        assert.equal(tk, null);
        return [x.sin().mul(k), t.mul(x.cos()).mul(k)];
      });
    assertAllClose(grad((x: NDArray) => scaledSin(x, 4))(f64(0.2)), 4 * Math.cos(0.2), tight);
  });

  it("customJvp() rejects a rule whose tangent has the wrong shape, and a missing rule", () => {
    const bad = customJvp((x: NDArray) => x.sin()).defjvp(([x], [t]) => [x.sin(), t.sum()]);
    assert.throws(
      () => grad((x: NDArray) => bad(x).sum())(f64([1, 2])),
      /the rule's tangent is float64\[\], expected float64\[2\]/,
    );
    assert.throws(() => customJvp((x: NDArray) => x)(f64(1)), /\.defjvp\(rule\)/);
    assert.throws(() => customJvp((x: NDArray) => x, { nondiff: [1] } as never), /unknown option/);
  });

  it("customJvp() refuses to differentiate an array the function closes over", () => {
    const f = (a: NDArray) => {
      const g = customJvp((x: NDArray) => x.mul(a)).defjvp(([x], [t]) => [x.mul(a), t.mul(a)]);
      return g(f64(2));
    };
    assert.throws(() => grad(f)(f64(3)), /closes over an array that is being differentiated/);
  });
});

describe("customVjp", () => {
  const clipGrad = customVjp((x: NDArray) => x).defvjp(
    (x) => [x, null],
    (_res, g: NDArray) => [g.clip(-1, 1)],
  );

  it("customVjp() backward functions are used: a clipped gradient stays in [-1, 1]", () => {
    const g = grad((x: NDArray) => clipGrad(x).mul(f64([5, 0.5, -3])).sum())(f64([1, 1, 1]));
    assertAllClose(g, [1, 0.5, -1], tight);
    assertAllClose(clipGrad(f64(7)), 7, tight);
  });

  it("customVjp() differentiated twice differentiates bwd (as JAX does)", () => {
    // bwd deliberately omits the 3 of d x³: grad gives x², grad of grad the derivative of x²
    const cube: (x: NDArray) => NDArray = customVjp((x: NDArray) => x.mul(x).mul(x)).defvjp(
      (x) => [cube(x), x],
      (x: NDArray, g: NDArray) => [g.mul(x.mul(x))],
    );
    assertAllClose(grad((x: NDArray) => cube(x))(f64(2)), 4, tight);
    assertAllClose(grad(grad((x: NDArray) => cube(x)))(f64(2)), 4, tight);
    assertAllClose(jit(grad((x: NDArray) => cube(x)))(f64(3)), 9, tight);
    assertAllClose(vmap(grad((x: NDArray) => cube(x)))(f64([1, 2])), [1, 4], tight);
    assertAllClose(grad((x: NDArray) => vmap(cube)(x).sum())(f64([1, 2])), [1, 4], tight);
  });

  it("customVjp() with pytree arguments, residuals and a null cotangent", () => {
    const f = customVjp((p: { a: NDArray; b: NDArray }, s: NDArray) => p.a.mul(p.b).add(s))
      .defvjp(
        (p, s) => [p.a.mul(p.b).add(s), { a: p.a, b: p.b }],
        (r: { a: NDArray; b: NDArray }, g: NDArray) => [{ a: g.mul(r.b), b: g.mul(r.a) }, null],
      );
    const [ga, gs] = grad((p: { a: NDArray; b: NDArray }, s: NDArray) => f(p, s).sum(), {
      argnums: [0, 1],
    })({ a: f64([1, 2]), b: f64([3, 4]) }, f64([0, 0]));
    assertAllClose(ga, { a: f64([3, 4]), b: f64([1, 2]) }, tight);
    assertAllClose(gs, [0, 0], tight);
  });

  it("customVjp() under jvp says forward mode is not possible; a bad bwd is named", () => {
    assert.throws(() => jvp(clipGrad, [f64(1)], [f64(1)]), /forward-mode differentiation/);
    const bad = customVjp((x: NDArray) => x.sin()).defvjp(
      (x) => [x.sin(), x],
      (_x, g) => [g.sum()],
    );
    assert.throws(
      () => grad((x: NDArray) => bad(x).sum())(f64([1, 2])),
      /bwd's cotangent 0 is float64\[\], expected float64\[2\]/,
    );
    const short = customVjp((x: NDArray) => x).defvjp((x) => [x, null], () => []);
    assert.throws(() => grad((x: NDArray) => short(x))(f64(1)), /one cotangent per argument/);
  });
});

describe("checkpoint", () => {
  const layer = (h: NDArray, w: NDArray) => np.tanh(np.matmul(h, w));
  const ws = [1, 2, 3, 4].map((s) => randomArray([8, 8], { seed: s }).mul(0.5));
  const x = randomArray([4, 8], { seed: 9 });
  const net = (block: (h: NDArray, w: NDArray) => NDArray) => (x: NDArray, ...ws: NDArray[]) => {
    let h = x;
    for (const w of ws) h = block(h, w);
    return h.square().sum();
  };

  it("checkpoint() keeps the value and the gradients of every argument", () => {
    const plain = net(layer), remat = net(checkpoint(layer));
    const argnums = [0, 1, 2, 3, 4] as const;
    const [v, g] = valueAndGrad(plain, { argnums })(x, ...ws);
    const [vc, gc] = valueAndGrad(remat, { argnums })(x, ...ws);
    assertAllClose(vc, v, tight);
    assertAllClose(gc, g, tight);
    assertAllClose(jit(grad(remat))(x, ...ws), g[0], tight);
    checkGrads((h: NDArray) => remat(h, ...ws), [x], { order: 2 });
  });

  it("checkpoint() stores only each block's inputs between the passes", () => {
    const count = (f: (...a: NDArray[]) => NDArray) => linearProgram(f, x, ...ws).consts.length;
    // per layer, plain reverse mode keeps h, w and 1 − tanh²; checkpointed, only h and w
    // (plus 2h for the final square in both)
    assert.equal(count(net(layer)), 4 * 3 + 1);
    assert.equal(count(net(checkpoint(layer))), 4 * 2 + 1);
    // "dots_saveable" also keeps each matmul result (and recomputes only the tanh)
    assert.equal(count(net(checkpoint(layer, { policy: "dots_saveable" }))), 4 * 3 + 1);
    const dots = net(checkpoint(layer, { policy: "dots_saveable" }));
    assertAllClose(grad(dots)(x, ...ws), grad(net(layer))(x, ...ws), tight);
  });

  it("checkpoint() under vmap and with a pytree argument", () => {
    const f = checkpoint((p: { w: NDArray }, v: NDArray) => np.matmul(v, p.w).sin());
    const p = { w: ws[0] };
    const per = vmap((v: NDArray) => f(p, v).sum())(x);
    assertAllClose(per, [0, 1, 2, 3].map((i) => f(p, x.slice(i)).sum().item()), tight);
    assertAllClose(
      grad((q: { w: NDArray }) => vmap((v: NDArray) => f(q, v).sum())(x).sum())(p),
      grad((q: { w: NDArray }) => np.matmul(x, q.w).sin().sum())(p),
      tight,
    );
  });

  it("checkpoint() rejects an unknown policy", () => {
    assert.throws(() => checkpoint(layer, { policy: "everything" as never }), /policy must be/);
  });
});

describe("custom rules on the worker pool", () => {
  it("pool.valueAndGrad() ships customJvp, customVjp and checkpoint programs", async () => {
    await using pool = createWorkerPool({ size: 1 });
    const clip = customVjp((v: NDArray) => v).defvjp((v) => [v, null], (_r, g: NDArray) => [
      g.clip(-0.1, 0.1),
    ]);
    const loss = (w: NDArray, xb: NDArray) =>
      checkpoint((h: NDArray) => softplus(np.matmul(h, clip(w))))(xb).mean();
    const w = randomArray([8, 3], { seed: 11 });
    const xb = randomArray([6, 8], { seed: 12 });
    const [v, g] = await pool.valueAndGrad(loss)(w, xb);
    const [v0, g0] = valueAndGrad(loss)(w, xb);
    assertAllClose([v, g], [v0, g0], { rtol: 1e-10, atol: 1e-10 });
  });
});
