import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { grad, linearize, type NDArray, np, random, vmap } from "../mod.ts";
import { assertAllClose, randomArray } from "./_helpers.ts";
import { bind } from "../src/core/_trace.ts";
import { evalHooks } from "../src/interpreters/_eval.ts";
import { evalJaxpr } from "../src/core/_trace.ts";
import type { Jaxpr } from "../src/core/_ir.ts";
import { traceToJaxpr } from "../src/interpreters/_staging.ts";
import type { ArrayValue } from "../src/core/_array_value.ts";

type Fn = (...args: NDArray[]) => NDArray;

/** Example `b` of `x` along `axis` (the axis removed). */
function example(x: NDArray, axis: number, b: number): NDArray {
  return np.take(x, np.array(b, { dtype: "int32" }), axis);
}

/** The reference semantics of vmap: a loop over the examples, stacked along `outAxis`. */
function loop(f: Fn, axes: (number | null)[], args: NDArray[], outAxis = 0): NDArray {
  const inAxes = axes.map((a, k) => (a !== null && a < 0 ? a + args[k].ndim : a));
  const i = inAxes.findIndex((a) => a !== null);
  const size = args[i].shape[inAxes[i]!];
  const outs: NDArray[] = [];
  for (let b = 0; b < size; b++) {
    outs.push(f(...args.map((a, k) => (inAxes[k] === null ? a : example(a, inAxes[k]!, b)))));
  }
  return np.stack(outs, outAxis);
}

/** Asserts vmap(f) equals the loop for the given axes. */
function checkVmap(f: Fn, inAxes: (number | null)[], args: NDArray[], message = ""): void {
  const got = vmap(f, { inAxes })(...args);
  assertAllClose(got, loop(f, inAxes, args), { message });
}

const rand = (shape: number[], seed: number, low = -1, high = 1) =>
  randomArray(shape, { seed, low, high });

describe("vmap of elementwise ops", () => {
  it("vmap() matches a loop for every unary op, mapped over axis 0 and axis 1", () => {
    const ops: [string, Fn, number, number][] = [
      ["neg", np.neg, -2, 2],
      ["exp", np.exp, -2, 2],
      ["log", np.log, 0.5, 3],
      ["log1p", np.log1p, 0, 2],
      ["expm1", np.expm1, -1, 1],
      ["sin", np.sin, -3, 3],
      ["cos", np.cos, -3, 3],
      ["tan", np.tan, -1, 1],
      ["tanh", np.tanh, -2, 2],
      ["sqrt", np.sqrt, 0.1, 4],
      ["rsqrt", np.rsqrt, 0.1, 4],
      ["sigmoid", np.sigmoid, -3, 3],
      ["abs", np.abs, -2, 2],
      ["sign", np.sign, -2, 2],
      ["floor", np.floor, -3, 3],
      ["ceil", np.ceil, -3, 3],
      ["round", (x: NDArray) => np.round(x), -3, 3],
    ];
    ops.forEach(([name, f, lo, hi], k) => {
      const x = rand([3, 4], k, lo, hi);
      checkVmap(f, [0], [x], `${name} axis 0`);
      checkVmap(f, [1], [x], `${name} axis 1`);
    });
  });

  it("vmap() matches a loop for binary ops under every inAxes combination", () => {
    const ops: [string, (x: NDArray, y: NDArray) => NDArray][] = [
      ["add", np.add],
      ["sub", np.sub],
      ["mul", np.mul],
      ["div", np.div],
      ["pow", (x, y) => np.pow(np.abs(x).add(0.5), y)],
      ["maximum", np.maximum],
      ["minimum", np.minimum],
      ["equal", np.equal],
      ["less", np.less],
      ["greaterEqual", np.greaterEqual],
    ];
    // batch of 3 examples of shape [4]: on axis 0, on axis 1, or shared
    const x0 = rand([3, 4], 1), x1 = rand([4, 3], 2), xn = rand([4], 3);
    const y0 = rand([3, 4], 4), y1 = rand([4, 3], 5), yn = rand([4], 6);
    const combos: [(number | null)[], NDArray[]][] = [
      [[0, 0], [x0, y0]],
      [[1, 0], [x1, y0]],
      [[0, 1], [x0, y1]],
      [[1, 1], [x1, y1]],
      [[0, null], [x0, yn]],
      [[null, 1], [xn, y1]],
    ];
    for (const [name, f] of ops) {
      for (const [axes, args] of combos) checkVmap(f, axes, args, `${name} ${axes}`);
    }
  });

  it("vmap() broadcasts scalar operands against each example like NumPy", () => {
    const x = rand([5, 2, 3], 7);
    const scalars = rand([5], 8);
    checkVmap((a, s) => a.mul(s).add(1), [0, 0], [x, scalars]);
    checkVmap((a, s) => a.mul(s), [2, null], [x, np.array(2, { dtype: "float64" })]);
  });

  it("vmap() matches a loop for np.where, astype and stopGradient", () => {
    const c = rand([3, 4], 9).greater(0);
    const x = rand([4, 3], 10), y = rand([4], 11);
    checkVmap((p, a, b) => np.where(p, a, b), [0, 1, null], [c, x, y]);
    checkVmap((p, a, b) => np.where(p, a, b), [null, 1, null], [c.slice(0), x, y]);
    checkVmap((a) => a.astype("int32"), [1], [x.mul(5)]);
    checkVmap((a) => np.stopGradient(a).mul(2), [0], [x]);
  });
});

describe("vmap of reductions", () => {
  const x = rand([2, 3, 4], 12);
  it("vmap() matches a loop for sum, max, min, prod and mean over each axis and batch axis", () => {
    const ops: [string, (x: NDArray, o: { axis?: number; keepdims?: boolean }) => NDArray][] = [
      ["sum", np.sum],
      ["max", np.max],
      ["min", np.min],
      ["prod", np.prod],
      ["mean", np.mean],
    ];
    for (const [name, f] of ops) {
      for (const inAxis of [0, 1, 2]) {
        for (const axis of [undefined, 0, 1, -1]) {
          checkVmap((a) => f(a, { axis }), [inAxis], [x], `${name} in ${inAxis} axis ${axis}`);
        }
        checkVmap((a) => f(a, { axis: 0, keepdims: true }), [inAxis], [x], `${name} keepdims`);
      }
    }
  });

  it("vmap() matches a loop for argmax and argmin", () => {
    for (const inAxis of [0, 1, 2]) {
      for (const axis of [0, 1]) {
        checkVmap((a) => np.argmax(a, { axis }), [inAxis], [x], `argmax ${inAxis} ${axis}`);
        checkVmap((a) => np.argmin(a, { axis }), [inAxis], [x], `argmin ${inAxis} ${axis}`);
      }
      checkVmap((a) => np.argmax(a), [inAxis], [x], `argmax flat ${inAxis}`);
    }
  });
});

describe("vmap of matmul", () => {
  it("vmap() matches a loop for matmul with both, only the left or only the right operand batched", () => {
    const a0 = rand([5, 2, 3], 13), a2 = rand([2, 3, 5], 14), an = rand([2, 3], 15);
    const b0 = rand([5, 3, 4], 16), b1 = rand([3, 5, 4], 17), bn = rand([3, 4], 18);
    const mm = (a: NDArray, b: NDArray) => np.matmul(a, b);
    checkVmap(mm, [0, 0], [a0, b0], "both at 0");
    checkVmap(mm, [2, 1], [a2, b1], "both elsewhere");
    checkVmap(mm, [0, null], [a0, bn], "left at 0");
    checkVmap(mm, [2, null], [a2, bn], "left at 2");
    checkVmap(mm, [null, 0], [an, b0], "right at 0");
    checkVmap(mm, [null, 1], [an, b1], "right at 1");
  });

  it("vmap() matches a loop for batched (3-D) matmul and matrix-vector products", () => {
    const a = rand([4, 2, 3, 5], 19), b = rand([2, 5, 6], 20), v = rand([4, 5], 21);
    const mm = (x: NDArray, y: NDArray) => np.matmul(x, y);
    checkVmap(mm, [0, null], [a, b]);
    checkVmap(mm, [null, 0], [rand([2, 3, 5], 49), rand([4, 2, 5, 6], 50)]);
    checkVmap((m, x) => np.matmul(m, x), [null, 0], [rand([3, 5], 22), v]);
    checkVmap((x, y) => np.dot(x, y), [0, 0], [v, rand([4, 5], 23)]);
  });
});

describe("vmap of structural ops", () => {
  const x = rand([3, 4, 5], 24);
  it("vmap() matches a loop for reshape, transpose, expandDims, squeeze and broadcastTo", () => {
    for (const axis of [0, 1, 2]) {
      checkVmap((a) => a.reshape([-1]), [axis], [x], `reshape ${axis}`);
      checkVmap((a) => a.reshape([1, -1, 1]), [axis], [x.reshape([3, 4, 5])], `reshape2 ${axis}`);
      checkVmap((a) => a.transpose(), [axis], [x], `transpose ${axis}`);
      checkVmap((a) => a.expandDims(1).squeeze(1), [axis], [x], `expand ${axis}`);
      checkVmap((a) => np.broadcastTo(a.expandDims(0), [2, ...a.shape]), [axis], [x], `bcast`);
    }
  });

  it("vmap() matches a loop for slice and pad", () => {
    for (const axis of [0, 1, 2]) {
      checkVmap((a) => a.slice([1, null], [0, null, 2]), [axis], [x], `slice ${axis}`);
      checkVmap((a) => np.pad(a, [[1, 0], [0, 2]]), [axis], [x], `pad ${axis}`);
      checkVmap((a) => np.pad(a, 1, { value: 3 }), [axis], [x], `pad value ${axis}`);
    }
  });

  it("vmap() matches a loop for concatenate and stack with batched and shared operands", () => {
    const y = rand([4, 3, 2], 25), z = rand([4, 2], 26);
    const cat = (a: NDArray, b: NDArray) => np.concatenate([a, b], 1);
    checkVmap(cat, [0, 1], [x.slice(null, null, [0, 2]), y]);
    checkVmap(cat, [2, null], [x.transpose([1, 2, 0]), z]);
    checkVmap((a, b) => np.stack([a, b], -1), [1, 1], [x, x.mul(2)]);
  });
});

describe("vmap of take and scatter", () => {
  const x = rand([3, 5, 2], 27);
  const idx = np.array([[0, 4, 1], [2, -1, 2], [3, 3, 0]], { dtype: "int32" });
  it("vmap() matches a loop for take with only the array batched", () => {
    const i = np.array([1, 0, -1], { dtype: "int32" });
    for (const axis of [0, 1, 2]) {
      checkVmap((a, j) => np.take(a, j, 0), [axis, null], [x.reshape([3, 5, 2]), i]);
      checkVmap((a, j) => np.take(a, j, 1), [axis, null], [
        x,
        np.array([1, 0], { dtype: "int32" }),
      ]);
    }
  });

  it("vmap() matches a loop for take with only the indices batched", () => {
    const table = rand([5, 2], 28);
    checkVmap((t, j) => np.take(t, j, 0), [null, 0], [table, idx]);
    checkVmap((t, j) => np.take(t, j, 0), [null, 1], [table, idx]);
    checkVmap((t, j) => np.take(t, j, 1), [null, 0], [table.T, idx.slice(null, [0, 2])]);
  });

  it("vmap() matches a loop for take with both the array and the indices batched", () => {
    checkVmap((a, j) => np.take(a, j, 0), [0, 0], [x, idx]);
    checkVmap((a, j) => np.take(a, j, 0), [0, 1], [x, idx]);
    const small = np.array([[0, 1, 1], [1, 0, -1], [0, 0, 1]], { dtype: "int32" });
    checkVmap((a, j) => np.take(a, j, 1), [1, 0], [x.transpose([1, 0, 2]), small]);
  });

  it("vmap() rejects out-of-range batched indices with a RangeError", () => {
    const bad = np.array([[0, 7]], { dtype: "int32" });
    assert.throws(
      () => vmap((a: NDArray, j: NDArray) => np.take(a, j, 0))(x.slice([0, 1]), bad),
      RangeError,
    );
  });

  it("vmap(grad()) of a gather gives per-example scatter-adds that match a loop", () => {
    // grad of take is scatter_add; repeated indices add up
    const f = (a: NDArray, j: NDArray) => grad((t: NDArray) => np.take(t, j, 0).sin().sum())(a);
    const rows = rand([3, 5], 29);
    checkVmap(f, [0, 0], [rows, idx]);
    checkVmap(f, [null, 0], [rows.slice(0), idx]);
    checkVmap(f, [0, null], [rows, idx.slice(1)]);
    const g = (a: NDArray, j: NDArray) => grad((t: NDArray) => np.take(t, j, 1).sum())(a);
    checkVmap(g, [0, 1], [rand([3, 2, 5], 30), idx]);
  });
});

describe("vmap axes and structure", () => {
  it("vmap() places the batch axis where outAxes says, including negative axes", () => {
    const x = rand([3, 4, 2], 31);
    const f = (a: NDArray) => a.mul(2);
    assertAllClose(vmap(f, { outAxes: 1 })(x), loop(f, [0], [x], 1));
    assertAllClose(vmap(f, { outAxes: -1 })(x), loop(f, [0], [x], 2));
    assertAllClose(vmap(f, { inAxes: 2, outAxes: 2 })(x), x.mul(2));
  });

  it("vmap() accepts negative inAxes and a batch of size zero", () => {
    const x = rand([2, 3, 4], 55);
    checkVmap((a) => a.sum({ axis: 0 }), [-1], [x]);
    assertAllClose(
      vmap((a: NDArray) => a.sum(), { inAxes: -2 })(x),
      loop((a) => a.sum(), [1], [x]),
    );
    assert.deepEqual(vmap((a: NDArray) => a.exp().sum())(np.zeros([0, 3])).shape, [0]);
  });

  it("vmap() broadcasts an output that does not depend on the mapped input", () => {
    const c = np.array([1, 2]);
    const out = vmap((_x: NDArray) => c, { outAxes: 1 })(np.zeros([3]));
    assert.deepEqual(out.toArray(), [[1, 1, 1], [2, 2, 2]]);
    const [a, b] = vmap((x: NDArray) => [x, c], { outAxes: [0, null] })(np.zeros([3]));
    assert.deepEqual(a.shape, [3]);
    assert.deepEqual(b.toArray(), [1, 2]);
  });

  it("vmap() accepts pytree inAxes and outAxes and returns pytrees", () => {
    const params = { w: rand([4, 3], 32), b: rand([4], 33) };
    const xs = rand([5, 3], 34);
    const f = (p: { w: NDArray; b: NDArray }, x: NDArray) => ({
      y: np.matmul(p.w, x).add(p.b),
      n: x.sum(),
    });
    const out = vmap(f, { inAxes: [{ w: null, b: null }, 0], outAxes: { y: 1, n: 0 } })(params, xs);
    const ys = loop((x) => f(params, x).y, [0], [xs], 1);
    assertAllClose(out.y, ys);
    assertAllClose(out.n, xs.sum({ axis: 1 }));
    // a prefix: null for the whole params tree
    const again = vmap(f, { inAxes: [null, 0] })(params, xs);
    assertAllClose(again.y, ys.T);
    // mapping the params along different axes
    const ws = rand([4, 3, 5], 35);
    const per = vmap(f, { inAxes: [{ w: 2, b: null }, null] })({ w: ws, b: params.b }, xs.slice(0));
    assertAllClose(per.y, loop((w) => f({ w, b: params.b }, xs.slice(0)).y, [2], [ws]));
  });

  it("vmap() passes unmapped non-array arguments through unchanged", () => {
    const f = (x: NDArray, scale: number, label: string) => {
      assert.equal(label, "ok");
      return x.mul(scale);
    };
    const out = vmap(f, { inAxes: [0, null, null] })(np.array([1, 2]), 3, "ok");
    assert.deepEqual(out.toArray(), [3, 6]);
  });

  it("vmap(vmap()) matches a double loop, over different axes", () => {
    const x = rand([3, 4, 5], 36), y = rand([5, 4], 37);
    const f = (a: NDArray, b: NDArray) => a.mul(b).sum().add(a.max());
    const inner = vmap(f, { inAxes: [0, 0] }); // over the 4s: rows of a [4, 5] and b [4]
    const got = vmap(inner, { inAxes: [0, null] })(x, y.T);
    const expected = np.stack(
      [0, 1, 2].map((i) => loop(f, [0, 0], [example(x, 0, i), y.T])),
    );
    assertAllClose(got, expected);
    const outer = vmap(vmap(f, { inAxes: [1, null] }), { inAxes: [0, 1] });
    const z = rand([3, 5, 4], 38), w = rand([5, 3], 39);
    const ref = np.stack(
      [0, 1, 2].map((i) => loop(f, [1, null], [example(z, 0, i), example(w, 1, i)])),
    );
    assertAllClose(outer(z, w), ref);
  });

  it("vmap() with axisSize broadcasts when no input is mapped, as JAX's axis_size", () => {
    // Expected values from JAX 0.10.2:
    //   jax.vmap(lambda x: x * 2, in_axes=None, axis_size=3)(jnp.float32(1.5)) == [3., 3., 3.]
    //   jax.vmap(lambda: jnp.float32(1.), axis_size=2)() == [1., 1.]
    //   jax.vmap(lambda x: x * 2, in_axes=None, axis_size=0)(1.5).shape == (0,)
    //   jax.vmap(lambda x: x * 2, axis_size=2)(jnp.ones(2)) == [2., 2.]
    const twice = (x: NDArray) => x.mul(2);
    assert.deepEqual(vmap(twice, { inAxes: null, axisSize: 3 })(np.array(1.5)).toArray(), [
      3,
      3,
      3,
    ]);
    assert.deepEqual(vmap(() => np.array(1), { axisSize: 2 })().toArray(), [1, 1]);
    assert.deepEqual(vmap(twice, { inAxes: null, axisSize: 0 })(np.array(1.5)).shape, [0]);
    assert.deepEqual(vmap(twice, { axisSize: 2 })(np.ones([2])).toArray(), [2, 2]);
    // outAxes places the broadcast batch axis like any other
    const col = vmap(twice, { inAxes: null, outAxes: 1, axisSize: 2 })(np.array([1, 2, 3]));
    assert.deepEqual(col.toArray(), [[2, 2], [4, 4], [6, 6]]);
  });
});

describe("vmap with differentiation", () => {
  const loss = (w: NDArray, x: NDArray, y: NDArray) =>
    np.tanh(np.matmul(x, w)).sub(y).square().sum();
  const w = rand([3, 2], 40), xs = rand([6, 3], 41), ys = rand([6, 2], 42);

  it("vmap(grad()) gives per-example gradients equal to a loop of grad()", () => {
    const perExample = vmap(grad(loss), { inAxes: [null, 0, 0] })(w, xs, ys);
    assert.deepEqual(perExample.shape, [6, 3, 2]);
    const ref = np.stack(
      [0, 1, 2, 3, 4, 5].map((i) => grad(loss)(w, example(xs, 0, i), example(ys, 0, i))),
    );
    assertAllClose(perExample, ref);
  });

  it("grad() of a function using vmap() equals the gradient of the equivalent loop", () => {
    const batched = (wt: NDArray) => vmap((x: NDArray, y: NDArray) => loss(wt, x, y))(xs, ys).sum();
    const looped = (wt: NDArray) =>
      [0, 1, 2, 3, 4, 5].map((i) => loss(wt, example(xs, 0, i), example(ys, 0, i)))
        .reduce((a, b) => a.add(b));
    assertAllClose(grad(batched)(w), grad(looped)(w));
    assertAllClose(batched(w), looped(w));
  });

  it("grad() through vmap() of a gather with batched indices matches the loop", () => {
    const idx = np.array([[0, 2], [1, 1], [3, 0]], { dtype: "int32" });
    const table = rand([4, 3], 43);
    const batched = (t: NDArray) => vmap((i: NDArray) => np.take(t, i, 0).exp().sum())(idx).sum();
    const looped = (t: NDArray) =>
      [0, 1, 2].map((b) => np.take(t, example(idx, 0, b), 0).exp().sum()).reduce((a, c) =>
        a.add(c)
      );
    assertAllClose(grad(batched)(table), grad(looped)(table));
  });

  it("linearize() of a vmapped function gives the batched Jacobian-vector product", () => {
    const f = (x: NDArray) => x.sin().mul(x.sum());
    const xs = rand([4, 3], 56), ts = rand([4, 3], 57);
    const [ys, fJvp] = linearize(vmap(f), xs);
    assertAllClose(ys, loop(f, [0], [xs]));
    const per = (x: NDArray, t: NDArray) => linearize(f, x)[1](t);
    assertAllClose(fJvp(ts), loop(per, [0, 0], [xs, ts]));
  });

  it("vmap() applies the linear function from linearize() to a batch of tangents", () => {
    const f = (x: NDArray) => x.sin().mul(x.sum());
    const x = rand([3], 44);
    const [, fJvp] = linearize(f, x);
    const tangents = rand([5, 3], 45);
    assertAllClose(vmap(fJvp)(tangents), loop(fJvp, [0], [tangents]));
  });
});

describe("vmap of random and compiled calls", () => {
  it("vmap() over a batch of keys draws the same numbers as a loop over the keys", () => {
    const keys = np.stack(random.split(random.key(0), 4));
    const draw = (k: NDArray) => random.normal(k, [3]);
    assertAllClose(vmap(draw)(keys), loop(draw, [0], [keys]));
    assertAllClose(vmap(draw, { inAxes: 1 })(keys.T), loop(draw, [0], [keys]));
  });

  it("vmap() keeps a jit_call compiled: the batched program is one jit_call equation", () => {
    evalHooks.jitCall ??= (args, { jaxpr }) => evalJaxpr(jaxpr, args) as ArrayValue[];
    const f = (x: NDArray, y: NDArray) => x.mul(y).sin().sum({ axis: 0 });
    const aval = { shape: [4, 2], dtype: "float64" } as const;
    const jaxpr = traceToJaxpr("jit", ([a, b]) => [f(a, b)], [aval, aval]);
    const call = (x: NDArray, y: NDArray) => bind("jit_call", [x, y], { jaxpr, name: "f" })[0];
    const xs = rand([3, 4, 2], 46), y = rand([4, 2], 47), ys = rand([4, 2, 3], 48);
    checkVmap(call, [0, null], [xs, y]);
    checkVmap(call, [0, 2], [xs, ys]);
    const staged: Jaxpr = traceToJaxpr(
      "jit",
      ([a]) => [vmap(call, { inAxes: [0, null] })(a, y)],
      [{ shape: [3, 4, 2], dtype: "float64" }],
    );
    assert.deepEqual(staged.eqns.map((e) => e.prim), ["jit_call"]);
    // grad through the batched compiled call
    const g = grad((a: NDArray) => vmap(call, { inAxes: [0, null] })(a, y).sum())(xs);
    const gRef = grad((a: NDArray) => vmap(f, { inAxes: [0, null] })(a, y).sum())(xs);
    assertAllClose(g, gRef);
  });
});

describe("vmap errors", () => {
  it("vmap() names both sizes when the mapped axes disagree", () => {
    const f = (a: NDArray, b: NDArray) => a.add(b);
    assert.throws(
      () => vmap(f)(np.zeros([3, 2]), np.zeros([4, 2])),
      (e: Error) => e instanceof TypeError && /size 3/.test(e.message) && /size 4/.test(e.message),
    );
  });

  it("vmap() rejects an inAxes or outAxes out of range with a RangeError", () => {
    assert.throws(() => vmap((a: NDArray) => a, { inAxes: 2 })(np.zeros([3, 2])), RangeError);
    assert.throws(() => vmap((a: NDArray) => a, { inAxes: -3 })(np.zeros([3, 2])), RangeError);
    assert.throws(() => vmap((a: NDArray) => a, { outAxes: 3 })(np.zeros([3, 2])), RangeError);
    assert.throws(() => vmap((a: NDArray) => a)(np.zeros([])), RangeError);
  });

  it("vmap() explains an inAxes whose structure does not match the arguments", () => {
    const f = (p: { a: NDArray }, x: NDArray) => p.a.add(x);
    const args = [{ a: np.zeros([2]) }, np.zeros([2])] as const;
    assert.throws(() => vmap(f, { inAxes: [0] })(...args), /one entry/);
    assert.throws(() => vmap(f, { inAxes: [{ b: 0 }, 0] })(...args), TypeError);
    assert.throws(() => vmap(f, { inAxes: [[0], 0] })(...args), /list of 1/);
    assert.throws(() => vmap(f, { inAxes: [null, null] })(...args), /no input is mapped/);
    assert.throws(() => vmap((x: string) => np.array(x.length))("abc"), /not an array/);
  });

  it("vmap() checks axisSize: a non-negative integer that agrees with the mapped inputs", () => {
    const twice = (x: NDArray) => x.mul(2);
    // JAX raises "vmap got inconsistent sizes for array axes to be mapped" for axis_size=3 with
    // a mapped axis of size 2, and a TypeError for axis_size -1 or 2.5
    assert.throws(
      () => vmap(twice, { axisSize: 3 })(np.zeros([2])),
      /vmap: mapped inputs must agree .* size 3 for the axisSize option and size 2/,
    );
    assert.throws(() => vmap(twice, { inAxes: null, axisSize: -1 }), RangeError);
    assert.throws(
      () => vmap(twice, { inAxes: null, axisSize: 2.5 }),
      /vmap: axisSize must be an integer/,
    );
    assert.throws(
      () => vmap(twice, { inAxes: null, axisSize: "2" as unknown as number }),
      TypeError,
    );
  });

  it("vmap() refuses to read the value of a batched array inside the mapped function", () => {
    assert.throws(
      () => vmap((x: NDArray) => (x.item() as number) > 0 ? x : x.neg())(np.zeros([3])),
      /cannot read the value of a batched array inside vmap/i,
    );
  });

  it("vmap() rejects outAxes null for an output that differs between examples", () => {
    assert.throws(
      () => vmap((x: NDArray) => x, { outAxes: null })(np.zeros([3])),
      /outAxes is null/,
    );
  });

  it("vmap() reports a tracer that escaped the mapped function", () => {
    let leaked: NDArray | undefined;
    vmap((x: NDArray) => (leaked = x.mul(2)))(np.zeros([3]));
    assert.throws(() => leaked!.add(1), /escaped/);
  });
});
