/**
 * jit's limits and guarantees: compile cost that stays near-linear in a fused
 * chain's length, the bounded per-function cache, options and static-argument
 * checks, validation of everything that reaches generated source, and
 * `precision: "exact"` (bit-identical to eager evaluation).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { jit, type NDArray, np, vmap } from "../mod.ts";
import { compile, MAX_GROUP_EQNS } from "../src/jit/_compile.ts";
import { makeJaxpr } from "../src/jit/jit.ts";
import { Jaxpr, Var } from "../src/core/_ir.ts";
import { setJitWasm } from "../src/jit/_codegen_wasm.ts";
import { assertAllClose, randomArray } from "./_helpers.ts";

const f32 = (shape: number[], seed: number, low = -3, high = 3) =>
  randomArray(shape, { seed, dtype: "float32", low, high });

/** Asserts two float32 arrays are equal bit for bit (NaN payloads aside). */
function assertBitIdentical(a: NDArray, b: NDArray, message = "") {
  assert.deepEqual(a.shape, b.shape);
  const x = [a.toArray()].flat(8) as number[], y = [b.toArray()].flat(8) as number[];
  for (let i = 0; i < x.length; i++) {
    if (!Object.is(x[i], y[i])) {
      assert.fail(`${message} element ${i}: jit ${x[i]} vs eager ${y[i]}`);
    }
  }
}

describe("jit() compiles long chains in near-linear time", () => {
  it("compile() cuts a 5,000-equation chain into loops of at most MAX_GROUP_EQNS", () => {
    const n = 5000;
    const chain = (v: NDArray) => {
      for (let i = 0; i < n / 2; i++) v = v.mul(0.999).add(0.001);
      return v;
    };
    const x = f32([16], 1);
    const jaxpr = makeJaxpr(chain)(x);
    assert.equal(jaxpr.eqns.length, n);
    const ex = compile(jaxpr);
    assert.equal(ex.stats.loops, Math.ceil(n / MAX_GROUP_EQNS));
    assertAllClose(jit(chain)(x), chain(x), { rtol: 1e-4, atol: 1e-5 });
  });

  it("compile() keeps a wide fan-in (many inputs summed) correct", () => {
    const xs = Array.from({ length: 300 }, (_, i) => f32([8], 10 + i));
    const f = (xs: NDArray[]) => xs.reduce((a, b) => a.add(b.sin()));
    assertAllClose(jit(f)(xs), f(xs), { rtol: 1e-5, atol: 1e-5 });
  });
});

describe("jit() keeps a bounded cache per function", () => {
  it("jit() keeps at most cacheSize signatures, dropping the least recently used", () => {
    let traces = 0;
    const f = jit((x: NDArray) => (traces++, x.add(1)), { cacheSize: 2 });
    const a = np.ones([1]), b = np.ones([2]), c = np.ones([3]);
    f(a), f(b); // trace a, b
    f(a); // hit: a becomes the most recent
    f(c); // trace c, drops b
    assert.equal(traces, 3);
    f(a), f(c);
    assert.equal(traces, 3); // a and c are still cached
    f(b);
    assert.equal(traces, 4); // b was dropped
  });

  it("jit() warns once when one function has been traced 32 times", () => {
    const warn = console.warn;
    const messages: string[] = [];
    console.warn = (m: string) => void messages.push(m);
    try {
      const f = jit((x: NDArray, k: number) => x.mul(k), { staticArgnums: [1] });
      for (let k = 0; k < 40; k++) f(np.ones([2]), k);
    } finally {
      console.warn = warn;
    }
    assert.equal(messages.length, 1);
    assert.match(messages[0], /traced and compiled 32 times/);
    assert.match(messages[0], /static argument values/);
  });

  it("jit() refuses an array passed as a static argument", () => {
    const f = jit((x: NDArray, y: unknown) => x.add(1).mul(y ? 2 : 1), { staticArgnums: [1] });
    assert.throws(() => f(np.ones([2]), np.ones([3])), {
      name: "TypeError",
      message: /jit: argument 1 is static .*float32\[3\].*traced argument/,
    });
    assert.throws(() => f(np.ones([2]), { w: [np.ones([3])] }), TypeError);
  });

  it("jit() and makeJaxpr() reject unknown or invalid options", () => {
    const id = (x: NDArray) => x;
    assert.throws(() => jit(id, { static_argnums: [0] } as never), {
      name: "TypeError",
      message: /unknown option "static_argnums" \(did you mean "staticArgnums"\?\)/,
    });
    assert.throws(() => makeJaxpr(id, { cachesize: 3 } as never), /did you mean "cacheSize"/);
    assert.throws(() => jit(id, { cacheSize: 0 }), { name: "RangeError", message: /cacheSize/ });
    assert.throws(() => jit(id, { cacheSize: 2.5 }), RangeError);
    assert.throws(() => jit(id, { precision: "fast" } as never), {
      name: "TypeError",
      message: /precision must be "default" or "exact"/,
    });
    assert.throws(() => jit(id, 1 as never), { name: "TypeError", message: /options must be/ });
    assert.throws(() => jit(3 as never), { name: "TypeError", message: /expected a function/ });
  });
});

describe("compile() validates what reaches generated source", () => {
  const hostileProgram = (aval: { shape: unknown; dtype: unknown }, prim = "neg") => {
    const x = new Var({ shape: [2], dtype: "float32" });
    const y = new Var(aval as never);
    return new Jaxpr([x], [], [], [{ prim, inputs: [x], params: {}, outputs: [y] } as never], [
      y,
    ]);
  };

  it("compile() refuses a shape entry that is not an integer, without running its code", () => {
    let ran = false;
    const evil = {
      toString() {
        ran = true;
        return "2";
      },
      valueOf() {
        ran = true;
        return 2;
      },
    };
    assert.throws(() => compile(hostileProgram({ shape: [evil], dtype: "float32" })), {
      name: "TypeError",
      message: /every dimension must be a non-negative integer/,
    });
    assert.throws(() => compile(hostileProgram({ shape: [1.5], dtype: "float32" })), TypeError);
    assert.throws(() => compile(hostileProgram({ shape: [-1], dtype: "float32" })), TypeError);
    assert.equal(ran, false);
  });

  it("compile() refuses an unknown dtype or primitive name", () => {
    assert.throws(
      () => compile(hostileProgram({ shape: [2], dtype: 'float32"); throw 1; ("' })),
      { name: "TypeError", message: /has dtype .* not one of float32/ },
    );
    assert.throws(
      () => compile(hostileProgram({ shape: [2], dtype: "float32" }, "constructor")),
      { name: "TypeError", message: /unknown primitive constructor/ },
    );
  });
});

describe('jit(f, { precision: "exact" }) is bit-identical to eager evaluation', () => {
  const programs: [string, (x: NDArray, y: NDArray) => NDArray][] = [
    ["the tanh·sin chain and its sum", (x) => x.tanh().mul(x.sin()).add(x.mul(x)).sum()],
    ["sin and cos of one operand", (x, y) => x.sin().mul(y).add(x.cos())],
    [
      "exp, log1p, logistic, pow, sqrt",
      (x, y) =>
        x.exp().add(y.abs().log1p()).mul(nnLike(x)).add(y.abs().pow(1.5)).add(x.abs().sqrt()),
    ],
    [
      "arithmetic only (wasm loops when large)",
      (x, y) => np.maximum(x.mul(y).add(x).div(y.abs().add(1)).sub(x.abs().sqrt()).neg(), y),
    ],
    ["a softmax along the last axis", (x) => {
      const e = x.sub(x.max({ axis: -1, keepdims: true })).exp();
      return e.div(e.sum({ axis: -1, keepdims: true }));
    }],
    ["a 200-step recurrence", (x, y) => {
      let v = x;
      for (let i = 0; i < 100; i++) v = v.mul(y).add(v.sin()).mul(0.7);
      return v;
    }],
  ];
  function nnLike(x: NDArray) {
    return np.sigmoid(x).add(np.reciprocal(x.neg().exp().add(1)));
  }

  for (const [name, f] of programs) {
    it(`matches eager for ${name} (JS loops and wasm loops)`, () => {
      for (const shape of [[3, 7], [4, 1100]]) { // the second is large enough for wasm loops
        const x = f32(shape, 1), y = f32(shape, 2);
        const eager = f(x, y);
        assertBitIdentical(jit(f, { precision: "exact" })(x, y), eager, name);
        const was = setJitWasm(false);
        try {
          assertBitIdentical(jit(f, { precision: "exact" })(x, y), eager, `${name} (JS)`);
        } finally {
          setJitWasm(was);
        }
      }
    });
  }

  it("keeps exact under vmap", () => {
    const f = (x: NDArray) => x.sin().mul(x.exp()).sum();
    const xs = f32([4, 50], 3);
    assertBitIdentical(vmap(jit(f, { precision: "exact" }))(xs), vmap(f)(xs));
  });

  it("the default precision differs from eager on the recurrence (the test can fail)", () => {
    const [, f] = programs[5];
    const x = f32([64], 5), y = f32([64], 6);
    const a = jit(f)(x, y).toArray() as number[], b = f(x, y).toArray() as number[];
    assert.ok(a.some((v, i) => !Object.is(v, b[i])));
  });
});
