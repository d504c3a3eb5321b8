/**
 * lax.scan, cond, switch, whileLoop, foriLoop and map: values against plain JS loops, and
 * every transform (grad, jvp, vmap, jit, grad of grad) against the same function with the
 * loop unrolled in JS, in float64 with tight tolerances. Also: nesting, the size of the
 * trace, pytree carries, the printed jaxpr and the error messages.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  createWorkerPool,
  grad,
  jit,
  jvp,
  lax,
  makeJaxpr,
  type NDArray,
  np,
  valueAndGrad,
  vjp,
  vmap,
} from "../mod.ts";
import { assertAllClose, checkGrads, randomArray } from "./_helpers.ts";

const f64 = (x: number | number[] | number[][]) => np.array(x, { dtype: "float64" });
const tight = { rtol: 1e-12, atol: 1e-12 };

/** One RNN-like step used by scan and by its unrolled twin. */
const step = (h: NDArray, x: NDArray, w: NDArray) => np.tanh(np.matmul(w, h).add(x)).mul(0.9);

/** The scan version: final state plus the sum of squares of every state. */
const rnnScan = (w: NDArray, h0: NDArray, xs: NDArray) => {
  const [h, hs] = lax.scan(
    (h: NDArray, x: NDArray) => {
      const n = step(h, x, w);
      return [n, n.square().sum()];
    },
    h0,
    xs,
  );
  return h.sum().add(hs.sum());
};

/** The same computation unrolled in JS. */
const rnnUnrolled = (w: NDArray, h0: NDArray, xs: NDArray) => {
  let h = h0, acc = f64(0);
  for (let i = 0; i < xs.shape[0]; i++) {
    h = step(h, xs.slice(i), w);
    acc = acc.add(h.square().sum());
  }
  return h.sum().add(acc);
};

const w = randomArray([3, 3], { seed: 1 }).mul(0.5);
const h0 = randomArray([3], { seed: 2 });
const xs = randomArray([5, 3], { seed: 3 });

describe("lax.scan", () => {
  it("scan() matches a JS loop, with ys stacked in order", () => {
    const [c, ys] = lax.scan(
      (c: NDArray, x: NDArray) => {
        const n = c.mul(x).sin().add(c);
        return [n, n.mul(2)];
      },
      f64(0.5),
      f64([1, 2, 3]),
    );
    let r = 0.5;
    const ref: number[] = [];
    for (const v of [1, 2, 3]) r = Math.sin(r * v) + r, ref.push(2 * r);
    assertAllClose(c, r, tight);
    assertAllClose(ys, ref, tight);
  });

  it("scan() with reverse walks from the last element and keeps ys in the order of xs", () => {
    const [c, ys] = lax.scan(
      (c: NDArray, x: NDArray) => [c.mul(10).add(x), c] as const,
      f64(0),
      f64([1, 2, 3]),
      { reverse: true },
    );
    assert.equal(c.item(), 321);
    assert.deepEqual(ys.toArray(), [32, 3, 0]);
  });

  it("scan() carries pytrees and scans pytrees of xs, with xs = null and a length", () => {
    const [carry, ys] = lax.scan(
      (c: { a: NDArray; b: [NDArray] }, x: { u: NDArray }) =>
        [{ a: c.a.add(x.u), b: [c.b[0].mul(2)] as [NDArray] }, { s: c.a }] as const,
      { a: f64([0, 0]), b: [f64(1)] as [NDArray] },
      { u: f64([[1, 2], [3, 4]]) },
    );
    assert.deepEqual(carry.a.toArray(), [4, 6]);
    assert.equal(carry.b[0].item(), 4);
    assert.deepEqual(ys.s.toArray(), [[0, 0], [1, 2]]);
    const [n] = lax.scan((c: NDArray) => [c.add(1), null] as const, f64(0), null, { length: 7 });
    assert.equal(n.item(), 7);
  });

  it("scan() with unroll gives the same values and gradients, forward and in reverse", () => {
    const run = (unroll: number | boolean, reverse: boolean) => (w: NDArray, xs: NDArray) => {
      const [c, ys] = lax.scan(
        (c: NDArray, x: NDArray) => {
          const n = np.tanh(np.matmul(w, c).add(x));
          return [n, { s: n.sum(), i: x.shape[0] }] as const;
        },
        h0,
        xs,
        { unroll, reverse },
      );
      return c.sum().add(ys.s.mul(np.arange(5).astype("float64")).sum());
    };
    for (const reverse of [false, true]) {
      const ref = run(1, reverse);
      for (const unroll of [2, 3, 5, true]) {
        const f = run(unroll, reverse);
        assertAllClose(f(w, xs), ref(w, xs), tight);
        assertAllClose(
          grad(f, { argnums: [0, 1] })(w, xs),
          grad(ref, { argnums: [0, 1] })(w, xs),
          tight,
        );
        assertAllClose(jit(f)(w, xs), ref(w, xs), tight);
      }
    }
    const j = makeJaxpr(run(2, false))(w, xs);
    assert.equal(j.eqns.filter((e) => e.prim === "scan").length, 2); // 2 blocks of 2, then 1 step
    assert.throws(
      () => lax.scan((c: NDArray) => [c, null] as const, h0, null, { length: 2, unroll: 0 }),
      RangeError,
    );
  });

  it("grad() through scan matches grad() of the unrolled loop", () => {
    const g = grad(rnnScan, { argnums: [0, 1, 2] })(w, h0, xs);
    const gu = grad(rnnUnrolled, { argnums: [0, 1, 2] })(w, h0, xs);
    assertAllClose(g, gu, tight);
  });

  it("jvp(), vjp() and grad of grad through scan match finite differences", () => {
    checkGrads(rnnScan, [w, h0, xs], { order: 2 });
  });

  it("jvp() through scan matches jvp() of the unrolled loop", () => {
    const t = [
      randomArray([3, 3], { seed: 4 }),
      randomArray([3], { seed: 5 }),
      randomArray([5, 3], { seed: 6 }),
    ];
    const [y, dy] = jvp(rnnScan, [w, h0, xs], t as [NDArray, NDArray, NDArray]);
    const [yu, dyu] = jvp(rnnUnrolled, [w, h0, xs], t as [NDArray, NDArray, NDArray]);
    assertAllClose(y, yu, tight);
    assertAllClose(dy, dyu, tight);
  });

  it("jit() of scan and of its gradient match eager evaluation", () => {
    assertAllClose(jit(rnnScan)(w, h0, xs), rnnUnrolled(w, h0, xs), tight);
    assertAllClose(jit(grad(rnnScan))(w, h0, xs), grad(rnnUnrolled)(w, h0, xs), tight);
  });

  it("vmap() of scan over the initial state and over xs matches a loop over examples", () => {
    const hb = randomArray([4, 3], { seed: 7 });
    const xb = randomArray([4, 5, 3], { seed: 8 });
    const out = vmap(rnnScan, { inAxes: [null, 0, 0] })(w, hb, xb);
    const ref = [0, 1, 2, 3].map((i) => rnnUnrolled(w, hb.slice(i), xb.slice(i)).item());
    assertAllClose(out, ref, tight);
  });

  it("grad() of a scan under vmap matches per-example gradients (scan under vmap under grad)", () => {
    const hb = randomArray([2, 3], { seed: 9 });
    const loss = (w: NDArray) => vmap(rnnScan, { inAxes: [null, 0, null] })(w, hb, xs).sum();
    const ref = grad((w: NDArray) =>
      rnnUnrolled(w, hb.slice(0), xs).add(rnnUnrolled(w, hb.slice(1), xs))
    )(w);
    assertAllClose(grad(loss)(w), ref, tight);
  });

  it("nested scan in scan matches the doubly unrolled loop under grad", () => {
    const inner = (c: NDArray, row: NDArray) =>
      lax.scan((a: NDArray, v: NDArray) => [a.mul(v).cos().add(a), null] as const, c, row)[0];
    const outer = (c0: NDArray, m: NDArray) =>
      lax.scan((c: NDArray, row: NDArray) => [inner(c, row), c] as const, c0, m);
    const f = (c0: NDArray, m: NDArray) => {
      const [c, cs] = outer(c0, m);
      return c.add(cs.sum());
    };
    const fu = (c0: NDArray, m: NDArray) => {
      let c = c0, s = f64(0);
      for (let i = 0; i < m.shape[0]; i++) {
        s = s.add(c);
        for (let j = 0; j < m.shape[1]; j++) c = c.mul(m.slice(i, j)).cos().add(c);
      }
      return c.add(s);
    };
    const m = randomArray([3, 4], { seed: 10 });
    assertAllClose(f(f64(0.3), m), fu(f64(0.3), m), tight);
    assertAllClose(
      grad(f, { argnums: [0, 1] })(f64(0.3), m),
      grad(fu, { argnums: [0, 1] })(f64(0.3), m),
      tight,
    );
    assertAllClose(jit(grad(f))(f64(0.3), m), grad(fu)(f64(0.3), m), tight);
  });

  it("cond inside scan is differentiated per step like the unrolled branches", () => {
    const f = (x0: NDArray, v: NDArray) =>
      lax.scan(
        (c: NDArray, x: NDArray) => {
          const n = lax.cond(x.greater(0), (a: NDArray) =>
            a.mul(x).sin(), (a: NDArray) =>
            a.add(x).square(), c);
          return [n, null] as const;
        },
        x0,
        v,
      )[0];
    const fu = (x0: NDArray, v: NDArray) => {
      let c = x0;
      for (let i = 0; i < v.shape[0]; i++) {
        const x = v.slice(i);
        c = (x.item() as number) > 0 ? c.mul(x).sin() : c.add(x).square();
      }
      return c;
    };
    const v = f64([0.5, -0.2, 0.8, -0.1]);
    assertAllClose(f(f64(0.7), v), fu(f64(0.7), v), tight);
    assertAllClose(
      grad(f, { argnums: [0, 1] })(f64(0.7), v),
      grad(fu, { argnums: [0, 1] })(f64(0.7), v),
      tight,
    );
    assertAllClose(jit(f)(f64(0.7), v), fu(f64(0.7), v), tight);
  });

  it("the jaxpr of a 1,000-step scan has as many equations as a 3-step one", () => {
    const loop = (n: number) => (x: NDArray) =>
      lax.scan((c: NDArray) => [c.mul(0.5).sin(), null] as const, x, null, { length: n })[0];
    const small = makeJaxpr(loop(3))(f64(1));
    const big = makeJaxpr(loop(1000))(f64(1));
    assert.equal(big.eqns.length, 1);
    assert.equal(small.eqns.length, big.eqns.length);
    const gBig = makeJaxpr(grad(loop(1000)))(f64(1));
    assert.ok(gBig.eqns.length < 10, `grad of a 1,000-step scan has ${gBig.eqns.length} equations`);
    let x = 1;
    for (let i = 0; i < 1000; i++) x = Math.sin(x * 0.5);
    assertAllClose(jit(loop(1000))(f64(1)), x, tight);
  });

  it("makeJaxpr() prints the scan body indented under the equation", () => {
    const text = makeJaxpr((x: NDArray) =>
      lax.scan((c: NDArray, v: NDArray) => [c.add(v), c] as const, x, np.ones([4]))
    )(np.array(0)).toString();
    assert.match(text, /scan\[numConsts=0 numCarry=1 length=4 reverse=false\]/);
    assert.match(text, /\n {8}\{ lambda a:f32\[\] b:f32\[\]\. let\n {12}c:f32\[\] = add a b/);
  });

  it("toDot() and toMermaid() draw a scan body as a subgraph joined to its equation", () => {
    const j = makeJaxpr((x: NDArray) =>
      lax.scan((c: NDArray, v: NDArray) => [c.add(v).sin(), c] as const, x, np.ones([4]))
    )(np.array(0));
    const dot = j.toDot();
    assert.match(dot, /\n {2}subgraph cluster_e0_0_g \{\n {4}label="scan jaxpr"; style=dashed;/);
    assert.match(dot, /\n {4}e0_0_e1 \[label="sin"/);
    assert.match(dot, /\n {2}e0 -> e0_0_in0 \[style=dashed arrowhead=none\];/);
    assert.equal(dot.split("{").length, dot.split("}").length);
    const mmd = j.toMermaid();
    assert.match(mmd, /\n {2}subgraph e0_0_g\["scan jaxpr"\]\n/);
    assert.match(mmd, /\n {2}end\n {2}e0 -\.- e0_0_g/);
  });

  it("scan() captures arrays traced by an enclosing transform as loop-invariant operands", () => {
    const f = (a: NDArray) =>
      lax.scan(
        (c: NDArray, x: NDArray) => [c.add(x.mul(a)), null] as const,
        f64(0),
        f64([1, 2, 3]),
      )[0];
    assertAllClose(grad(f)(f64(2)), 6, tight);
    assertAllClose(jit(f)(f64(2)), 12, tight);
    assertAllClose(vmap(f)(f64([1, 2])), [6, 12], tight);
  });
});

describe("lax.scan errors", () => {
  it("scan() names the carry leaf whose shape changes across iterations", () => {
    assert.throws(
      () =>
        lax.scan(
          (c: { h: NDArray }) => [{ h: np.concatenate([c.h, c.h]) }, null] as const,
          { h: np.ones([3]) },
          null,
          { length: 2 },
        ),
      (e: Error) =>
        e instanceof TypeError && /carry\["h"\]/.test(e.message) &&
        /float32\[3\]/.test(e.message) && /float32\[6\]/.test(e.message),
    );
  });

  it("scan() rejects xs of different lengths, a missing length and unknown options", () => {
    assert.throws(
      () =>
        lax.scan((c: NDArray) => [c, null] as const, np.ones([1]), [np.ones([3]), np.ones([4])]),
      /xs\[1\] has shape \[4\]/,
    );
    assert.throws(
      () => lax.scan((c: NDArray) => [c, null] as const, np.ones([1]), null),
      /pass \{ length \}/,
    );
    assert.throws(
      () =>
        lax.scan(
          (c: NDArray) => [c, null] as const,
          np.ones([1]),
          null,
          { length: 2, unrol: 2 } as never,
        ),
      /unknown option\(s\) unrol/,
    );
    assert.throws(
      () => lax.scan((c: NDArray) => [c, null] as const, np.ones([1]), null, { length: -1 }),
      RangeError,
    );
    assert.throws(
      () => lax.scan((c: NDArray) => c as never, np.ones([1]), null, { length: 1 }),
      /must return \[carry, y\]/,
    );
  });
});

describe("lax.cond and lax.switch", () => {
  const branchy = (p: NDArray, x: NDArray) =>
    lax.cond(p, (v: NDArray) => v.sin().mul(v), (v: NDArray) => v.exp(), x);

  it("cond() takes the branch the predicate picks, eagerly and under jit", () => {
    const x = f64([0.3, -1.2]);
    assertAllClose(branchy(np.array(true), x), [Math.sin(0.3) * 0.3, Math.sin(-1.2) * -1.2], tight);
    assertAllClose(jit(branchy)(np.array(false), x), [Math.exp(0.3), Math.exp(-1.2)], tight);
    assertAllClose(jit(branchy)(np.array(true), x), branchy(np.array(true), x), tight);
  });

  it("grad() and jvp() of cond match the derivative of the taken branch", () => {
    const x = f64([0.3, -1.2]);
    for (const p of [true, false]) {
      const f = (v: NDArray) => branchy(np.array(p), v).sum();
      checkGrads(f, [x], { order: 2 });
      const ref = p
        ? grad((v: NDArray) => v.sin().mul(v).sum())(x)
        : grad((v: NDArray) => v.exp().sum())(x);
      assertAllClose(grad(f)(x), ref, tight);
    }
  });

  it("vmap() of cond with a batched predicate picks each example's branch", () => {
    const out = vmap(branchy)(np.array([true, false, true]), f64([0.5, 0.5, -2]));
    assertAllClose(out, [Math.sin(0.5) * 0.5, Math.exp(0.5), Math.sin(-2) * -2], tight);
    const g = grad((x: NDArray) => vmap(branchy)(np.array([true, false]), x).sum())(
      f64([0.5, 0.5]),
    );
    assertAllClose(g, [Math.cos(0.5) * 0.5 + Math.sin(0.5), Math.exp(0.5)], tight);
  });

  it("grad() of vmap of cond ignores the NaN derivative of the branch an example does not take", () => {
    // JAX 0.10.2 gives [1, 0.25] and 3 + 0.5/sqrt(3) = 3.288675134594813: the untaken branch
    // sees its operands through stop_gradient
    const f = (x: NDArray) =>
      vmap((v: NDArray) => lax.cond(v.greater(0), (a: NDArray) => a.sqrt(), (a: NDArray) => a, v))(
        x,
      ).sum();
    assertAllClose(grad(f)(f64([-1, 4])), [1, 0.25], tight);
    const shared = (w: NDArray) =>
      vmap((v: NDArray) =>
        lax.cond(
          v.greater(0),
          (a: NDArray, b: NDArray) => a.mul(b),
          (a: NDArray, b: NDArray) => b.sub(a).sqrt(),
          v,
          w,
        )
      )(f64([3, -1])).sum();
    assertAllClose(grad(shared)(f64(2)), 3.288675134594813, tight);
    assertAllClose(jit(grad(shared))(f64(2)), 3.288675134594813, tight);
  });

  it("switch() picks by index, clamps a traced index, and differentiates the chosen branch", () => {
    const fs = [(x: NDArray) => x.add(1), (x: NDArray) => x.mul(x), (x: NDArray) => x.sin()];
    const s = (i: NDArray, x: NDArray) => lax.switch(i, fs, x);
    const i32 = (i: number) => np.array(i, { dtype: "int32" });
    assertAllClose(s(i32(1), f64(3)), 9, tight);
    assertAllClose(jit(s)(i32(7), f64(3)), Math.sin(3), tight);
    assertAllClose(jit(s)(i32(-3), f64(3)), 4, tight);
    assertAllClose(grad((x: NDArray) => s(i32(1), x))(f64(3)), 6, tight);
    assertAllClose(vmap(s)(np.array([0, 1, 2], { dtype: "int32" }), f64([1, 2, 3])), [
      2,
      4,
      Math.sin(3),
    ], tight);
  });

  it("cond() and switch() reject bad predicates and mismatched branches, naming the leaf", () => {
    assert.throws(
      () => lax.cond(np.array(1) as NDArray, (x: NDArray) => x, (x: NDArray) => x, np.ones([1])),
      /boolean scalar, got float32\[\]/,
    );
    assert.throws(
      () => lax.cond(np.array([true, false]), (x: NDArray) => x, (x: NDArray) => x, np.ones([1])),
      /boolean scalar, got bool\[2\]/,
    );
    assert.throws(
      () =>
        lax.cond(
          np.array(true),
          (x: NDArray) => ({ a: x }),
          (x: NDArray) => ({ a: x.sum() }),
          np.ones([2]),
        ),
      (e: Error) =>
        e instanceof TypeError && /output\["a"\]/.test(e.message) &&
        /float32\[2\]/.test(e.message) && /float32\[\]/.test(e.message),
    );
    assert.throws(
      () =>
        lax.cond(np.array(true), (x: NDArray) => [x], ((x: NDArray) => x) as never, np.ones([2])),
      /same structure/,
    );
    assert.throws(() => lax.switch(3, [(x: NDArray) => x], np.ones([1])), RangeError);
    assert.throws(() => lax.switch(np.array(0), [(x: NDArray) => x], np.ones([1])), /int32 scalar/);
  });
  it("cond() takes a JS number against float32 and refuses it against int32 or float16, as JAX", () => {
    // A JS number is a float (a Python float in JAX, weakly typed float32). JAX 0.10.2:
    // lax.cond(True, lambda: 1.0, lambda: jnp.float32(2)) is 1.0 (float32), while against
    // jnp.int32(2) or jnp.float16(2) it raises "cond branches must have equal output types";
    // so does int32 against float32 (Python int 1 against float32 too).
    const p = np.array(true);
    const r = lax.cond(p, () => 1 as unknown as NDArray, () => np.array(2));
    assert.equal(r.dtype, "float32");
    assert.equal(r.item(), 1);
    for (const dtype of ["int32", "float16"] as const) {
      assert.throws(
        () => lax.cond(p, () => 1 as unknown as NDArray, () => np.array(2, { dtype })),
        /lax\.cond: the branches disagree/,
      );
    }
    assert.throws(
      () => lax.cond(p, () => np.array(1, { dtype: "int32" }), () => np.array(2)),
      /lax\.cond: the branches disagree/,
    );
  });
});

describe("lax.whileLoop, lax.foriLoop and lax.map", () => {
  it("whileLoop() runs until the condition fails, eagerly and under jit", () => {
    const f = (x: NDArray) =>
      lax.whileLoop((v: NDArray) => v.lessEqual(1000), (v: NDArray) => v.mul(2), x);
    assert.equal(f(np.array(1)).item(), 1024);
    assert.equal(jit(f)(np.array(3)).item(), 1536);
  });

  it("vmap() of whileLoop with a batched condition runs until every example is done", () => {
    const f = (x: NDArray) =>
      lax.whileLoop((v: NDArray) => v.lessEqual(1000), (v: NDArray) => v.mul(2), x);
    assert.deepEqual(vmap(f)(np.array([1, 3, 2000])).toArray(), [1024, 1536, 2000]);
    const counter = (n: NDArray) =>
      lax.whileLoop(([i]: NDArray[]) => i.less(n), ([i, s]: NDArray[]) => [i.add(1), s.add(i)], [
        np.array(0),
        np.array(0),
      ])[1];
    assert.deepEqual(vmap(counter)(np.array([0, 3, 5])).toArray(), [0, 3, 10]);
  });

  it("jvp() of whileLoop matches the unrolled loop; grad() says to use foriLoop or scan", () => {
    const f = (x: NDArray) =>
      lax.whileLoop(
        ([i]: NDArray[]) => i.less(4),
        ([i, v]: NDArray[]) => [i.add(1), v.sin().mul(v)],
        [f64(0), x],
      )[1];
    const fu = (x: NDArray) => {
      let v = x;
      for (let i = 0; i < 4; i++) v = v.sin().mul(v);
      return v;
    };
    const [y, dy] = jvp(f, [f64(0.8)], [f64(1)]);
    const [yu, dyu] = jvp(fu, [f64(0.8)], [f64(1)]);
    assertAllClose([y, dy], [yu, dyu], tight);
    assert.throws(() => grad(f)(f64(0.8)), /lax\.whileLoop is not supported.*foriLoop/s);
    assert.throws(() => vjp(f, f64(0.8))[1](f64(1)), /foriLoop/);
  });

  it("foriLoop() with number bounds is reverse-differentiable; array bounds loop at run time", () => {
    const pow8 = (x: NDArray) => lax.foriLoop(0, 3, (_i, v: NDArray) => v.mul(v), x);
    assertAllClose(pow8(f64(1.5)), 1.5 ** 8, tight);
    assertAllClose(grad(pow8)(f64(1.5)), 8 * 1.5 ** 7, tight);
    const sumTo = (n: NDArray) =>
      lax.foriLoop(
        np.array(0, { dtype: "int32" }),
        n,
        (i, s: NDArray) => s.add(i.astype("float64")),
        f64(0),
      );
    assert.equal(jit(sumTo)(np.array(5, { dtype: "int32" })).item(), 10);
    assert.equal(lax.foriLoop(5, 2, (_i, v: NDArray) => v.add(1), f64(0)).item(), 0);
  });

  it("foriLoop() takes bounds of any integer dtype, as JAX; mixed dtypes are a TypeError", () => {
    // JAX 0.10.2: jax.jit(lambda a, b: lax.fori_loop(a, b, body, 0.))(lo, hi) with lo, hi int16,
    // int8, uint8, uint32 (or 0 and int16(3)) gives 3.0 and an index of the bounds' dtype;
    // int16 with int32 raises "lower and upper arguments to fori_loop must have equal types".
    const count = (i: NDArray, c: NDArray) => c.add(1).add(i.mul(0).astype("float32"));
    for (const dtype of ["int16", "int8", "uint8", "uint32", "int32"] as const) {
      const [lo, hi] = [np.array(0, { dtype }), np.array(3, { dtype })];
      assert.equal(lax.foriLoop(lo, hi, count, np.array(0)).item(), 3, dtype);
      assert.equal(
        jit((a: NDArray, b: NDArray) => lax.foriLoop(a, b, count, np.array(0)))(lo, hi).item(),
        3,
      );
      const last = lax.foriLoop(0, hi, (i: NDArray, _c: NDArray) => i, np.array(0, { dtype }));
      assert.equal(last.dtype, dtype);
      assert.equal(last.item(), 2);
    }
    const i16 = np.array(3, { dtype: "int16" }), i32 = np.array(3, { dtype: "int32" });
    assert.throws(
      () => lax.foriLoop(i16, i32, count, np.array(0)),
      /lax\.foriLoop: lower and upper must have the same dtype, got int16 and int32/,
    );
    assert.throws(
      () => lax.foriLoop(-1, np.array(3, { dtype: "uint8" }), count, np.array(0)),
      RangeError,
    );
    assert.throws(() => lax.foriLoop(0, np.array(3), count, np.array(0)), /integer scalar array/);
  });

  it("map() applies f slice by slice, like vmap", () => {
    const xs = randomArray([4, 3], { seed: 11 });
    const f = (r: NDArray) => r.sin().sum();
    assertAllClose(lax.map(f, xs), vmap(f)(xs), tight);
    assertAllClose(grad((x: NDArray) => lax.map(f, x).sum())(xs), xs.cos(), tight);
  });
});

describe("control flow on the worker pool", () => {
  it("pool.map() and pool.valueAndGrad() run scan and cond bodies shipped to a worker", async () => {
    await using pool = createWorkerPool({ size: 1 });
    const perExample = (x: NDArray) =>
      lax.cond(x.sum().greater(0), (v: NDArray) => v.sin(), (v: NDArray) => v.cos(), x).sum();
    const xb = randomArray([4, 3], { seed: 12 });
    assertAllClose(await pool.map(perExample)(xb), vmap(perExample)(xb), tight);
    const loss = (w: NDArray, x: NDArray) =>
      vmap((row: NDArray) => rnnScan(w, h0, row.reshape([5, 3])))(x).mean();
    const xflat = randomArray([3, 15], { seed: 13 });
    const [v, g] = await pool.valueAndGrad(loss)(w, xflat);
    const [v0, g0] = valueAndGrad(loss)(w, xflat);
    assertAllClose([v, g], [v0, g0], { rtol: 1e-10, atol: 1e-10 });
  });
});
