/**
 * jit: every primitive (and the np ops built on them) gives the eager result,
 * jit composes with the autodiff and batching transforms in both orders, the
 * trace cache keys on the input signature, and random elementwise programs
 * fuse correctly.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  checkpoint,
  customJvp,
  customVjp,
  debug,
  grad,
  jit,
  jvp,
  lax,
  type NDArray,
  nn,
  np,
  random,
  vjp,
  vmap,
} from "../mod.ts";
import { assertAllClose, makeRng, randomArray } from "./_helpers.ts";
import { compile } from "../src/jit/_compile.ts";
import { shapeRules } from "../src/interpreters/_shape_rules.ts";
import { makeJaxpr } from "../src/jit/jit.ts";

type Fn = (...args: NDArray[]) => unknown;

const f32 = (shape: number[], seed: number, low = -1, high = 1) =>
  randomArray(shape, { seed, low, high, dtype: "float32" });
const i32 = (shape: number[], seed: number, low = -5, high = 5) =>
  randomArray(shape, { seed, low, high, dtype: "int32" });
const bools = (shape: number[], seed: number) => randomArray(shape, { seed, dtype: "bool" });

const x23 = f32([2, 3], 1);
const y23 = f32([2, 3], 2);
const pos23 = f32([2, 3], 3, 0.1, 2);
const a234 = f32([2, 3, 4], 4);

/** name, function, arguments: one row per primitive or np op. */
const CASES: [string, Fn, NDArray[]][] = [
  ["neg", (x) => np.neg(x), [x23]],
  ["exp", (x) => np.exp(x), [x23]],
  ["log", (x) => np.log(x), [pos23]],
  ["log1p", (x) => np.log1p(x), [pos23]],
  ["expm1", (x) => np.expm1(x), [x23]],
  ["sin", (x) => np.sin(x.mul(40)), [x23]],
  ["cos", (x) => np.cos(x.mul(40)), [x23]],
  ["sin and cos of one operand (shared reduction)", (x) => np.sin(x.mul(9)).mul(np.cos(x.mul(9))), [
    f32([64], 40, -1e3, 1e3),
  ]],
  ["sin and cos at zero, huge and non-finite inputs", (x) => np.sin(x).add(np.cos(x)), [
    np.array([0, -0, 1e6, -3e7, Infinity, NaN]),
  ]],
  ["tan", (x) => np.tan(x), [x23]],
  ["tanh", (x) => np.tanh(x.mul(3)), [x23]],
  ["sqrt", (x) => np.sqrt(x), [pos23]],
  ["rsqrt", (x) => np.rsqrt(x), [pos23]],
  ["logistic (sigmoid)", (x) => np.sigmoid(x.mul(30)), [x23]],
  ["abs", (x) => np.abs(x), [x23]],
  ["sign", (x) => np.sign(x), [x23]],
  ["floor", (x) => np.floor(x.mul(3)), [x23]],
  ["ceil", (x) => np.ceil(x.mul(3)), [x23]],
  ["round (half to even)", (x) => np.round(x.mul(4)), [np.array([0.5, 1.5, 2.5, -0.5, 0.4])]],
  ["erf, erfc, erfinv", (x) => np.erf(x).add(np.erfc(x)).add(np.erfinv(x.mul(0.5))), [x23]],
  ["lgamma and digamma", (x) => np.lgamma(x).add(np.digamma(x)), [pos23]],
  ["atan2 and rem", (x, y) => np.arctan2(x, y).add(np.fmod(x, y)), [x23, pos23]],
  [
    "bitwise and/or/xor",
    (x, y) => np.bitwiseAnd(x, y).add(np.bitwiseOr(x, y)).add(np.bitwiseXor(x, y)),
    [
      i32([6], 30, -50, 50),
      i32([6], 31, -50, 50),
    ],
  ],
  [
    "shifts, fused with an add (counts past the width and negative)",
    (x, s) =>
      np.leftShift(x, s).add(np.rightShift(x, s)).add(
        np.rightShift(x.astype("uint32"), s.astype("uint32")).astype("int32"),
      ),
    [i32([8], 32, -1000, 1000), np.array([-1, 0, 1, 5, 31, 32, 33, 3], { dtype: "int32" })],
  ],
  ["cholesky, lu-based solve and eigh", (a) => {
    const spd = np.matmul(a, a.T).add(np.eye(3));
    return np.linalg.cholesky(spd).add(np.linalg.solve(spd, a)).add(np.linalg.eigh(spd)[1].abs());
  }, [f32([3, 3], 41)]],
  ["triangular_solve", (a, b) => np.linalg.triangularSolve(a.add(np.eye(3).mul(3)), b), [
    f32([3, 3], 42),
    f32([3, 2], 43),
  ]],
  ["fft (forward and inverse, odd length)", (x) => {
    const [re, im] = np.fft.fft(x, null, 1);
    return np.stack(np.fft.ifft([re.mul(2), im], 7, 0));
  }, [a234]],
  ["qr, svd and pinv", (a) => {
    const [q, r] = np.linalg.qr(a);
    const [u, s, vh] = np.linalg.svd(a, { fullMatrices: false });
    return q.matmul(r).add(u.mul(s.expandDims(0)).matmul(vh)).add(np.linalg.pinv(a).T);
  }, [f32([3, 3], 44)]],
  ["argsort and sort", (x) => np.sort(x, 1).add(np.argsort(x, 0).astype("float32").sum()), [a234]],
  ["cumsum", (x) => np.cumsum(x, 1).add(np.cumsum(x, 2, { reverse: true })), [a234]],
  [
    "cummax, cummin and cumprod",
    (x) => np.cummax(x, 1).add(np.cummin(x, 2, { reverse: true })).add(np.cumprod(x, 0)),
    [a234],
  ],
  [
    "logcumsumexp",
    (x) => np.logcumsumexp(x, 1).add(np.logcumsumexp(x, 2, { reverse: true })),
    [a234],
  ],
  ["add", (x, y) => np.add(x, y), [x23, y23]],
  ["sub", (x, y) => np.sub(x, y), [x23, y23]],
  ["mul", (x, y) => np.mul(x, y), [x23, y23]],
  ["div", (x, y) => np.div(x, y), [x23, pos23]],
  ["pow", (x, y) => np.pow(x, y), [pos23, y23]],
  ["maximum with NaN", (x, y) => np.maximum(x, y), [np.array([1, NaN, 3]), np.array([2, 0, NaN])]],
  ["minimum", (x, y) => np.minimum(x, y), [x23, y23]],
  ["equal", (x, y) => np.equal(x, y), [np.array([1, 2, 3]), np.array([1, 0, 3])]],
  ["notEqual", (x, y) => np.notEqual(x, y), [np.array([1, 2, 3]), np.array([1, 0, 3])]],
  ["less", (x, y) => np.less(x, y), [x23, y23]],
  ["lessEqual", (x, y) => np.lessEqual(x, y), [x23, x23]],
  ["greater", (x, y) => np.greater(x, y), [x23, y23]],
  ["greaterEqual", (x, y) => np.greaterEqual(x, y), [x23, y23]],
  ["where (select)", (c, x, y) => np.where(c, x, y), [bools([2, 3], 5), x23, y23]],
  ["where with broadcasting", (x) => np.where(np.greater(x, 0), x, 0), [x23]],
  ["astype float32 -> int32 (truncation)", (x) => x.mul(7).astype("int32"), [x23]],
  ["astype float32 -> bool", (x) => x.floor().astype("bool"), [x23]],
  ["astype int32 -> float64", (x) => x.astype("float64").div(3), [i32([2, 3], 6)]],
  ["stopGradient", (x) => np.stopGradient(x).mul(2), [x23]],
  ["int32 add/mul/neg/abs wrap", (x) => x.mul(1 << 20).mul(x).add(x).neg().abs(), [
    i32([6], 7, -3000, 3000),
  ]],
  ["int32 division truncates", (x, y) => np.div(x, y), [i32([8], 8), i32([8], 9, 1, 4)]],
  ["bool comparisons chained", (x, y) => np.equal(np.greater(x, y), np.less(y, x)), [x23, y23]],
  ["sum (all axes)", (x) => x.sum(), [a234]],
  ["sum axis 1 keepdims", (x) => x.sum({ axis: 1, keepdims: true }), [a234]],
  ["sum over axes (0, 2)", (x) => x.mul(x).sum({ axis: [0, 2] }), [a234]],
  ["mean", (x) => x.mean({ axis: -1 }), [a234]],
  ["max keepdims", (x) => x.max({ axis: 0, keepdims: true }), [a234]],
  ["min", (x) => x.min({ axis: 2 }), [a234]],
  ["prod", (x) => x.prod({ axis: 1 }), [a234]],
  ["argmax", (x) => np.argmax(x, { axis: 1 }), [a234]],
  ["argmin", (x) => np.argmin(x, { axis: 0 }), [a234]],
  ["int32 sum", (x) => x.sum({ axis: 0 }), [i32([4, 3], 10)]],
  ["matmul", (a, b) => np.matmul(a, b), [f32([3, 4], 11), f32([4, 2], 12)]],
  ["batched matmul", (a, b) => np.matmul(a, b), [f32([2, 3, 4], 13), f32([2, 4, 5], 14)]],
  ["dot of vectors", (a, b) => np.dot(a, b), [f32([5], 15), f32([5], 16)]],
  ["reshape", (x) => x.reshape([3, 8]).mul(2), [a234]],
  ["transpose", (x) => x.transpose([2, 0, 1]).add(1), [a234]],
  ["broadcast of a row and a column", (r, c) => r.add(c).mul(r), [
    f32([1, 4], 17),
    f32([3, 1], 18),
  ]],
  ["broadcastTo then reduce", (x) => np.broadcastTo(x, [3, 2, 3]).sum({ axis: 0 }), [x23]],
  ["slice with steps", (x) => x.slice(null, [1, null], [null, null, 2]), [a234]],
  ["pad", (x) => np.pad(x, [[1, 0], [2, 1]]), [x23]],
  ["concatenate", (x, y) => np.concatenate([x, y], 1), [x23, y23]],
  ["stack", (x, y) => np.stack([x, y]).sum({ axis: 0 }), [x23, y23]],
  ["take", (x) => x.take([2, 0, 2], 1), [x23]],
  ["scatter_add (grad of take)", (x) => grad((v: NDArray) => v.take([1, 1, 0]).square().sum())(x), [
    f32([3], 19),
  ]],
  ["max_pool", (x) => nn.maxPool2d(x, 3, { stride: 2, padding: "SAME" }), [f32([2, 5, 6, 3], 42)]],
  [
    "max_pool_argmax (grad of maxPool1d)",
    (x) => grad((v: NDArray) => nn.maxPool1d(v, 3, { stride: 1 }).square().sum())(x),
    [
      f32([2, 7, 3], 43),
    ],
  ],
  ["random bits (uniform)", (k) => random.uniform(k, [2, 3]), [random.key(3)]],
  ["softmax", (x) => nn.softmax(x), [a234]],
  ["logsumexp", (x) => np.logsumexp(x, { axis: 1 }), [a234]],
  ["variance", (x) => np.variance(x, { axis: 0 }), [a234]],
  ["clip", (x) => x.clip(-0.5, 0.25), [x23]],
  ["a diamond through a kernel (fusion must not form a cycle)", (x) => {
    const a = x.exp();
    return a.mul(np.matmul(a, a)).add(a.sin());
  }, [f32([3, 3], 41)]],
  ["a reduction fed back into the loop that computes its operand", (x) => {
    const t = x.tanh();
    return t.sub(t.sum({ axis: 1, keepdims: true })).mul(t);
  }, [a234]],
  ["scalar (rank 0) arithmetic", (x) => x.mul(x).add(1).sqrt(), [np.array(3)]],
  ["empty arrays", (x) => x.mul(2).sum({ axis: 0 }), [np.zeros([0, 3])]],
  [
    "scan",
    (x) => lax.scan((c: NDArray, r: NDArray) => [c.mul(r).sin(), c] as const, x.slice(0), x),
    [
      x23,
    ],
  ],
  [
    "cond",
    (x) => lax.cond(x.sum().greater(0), (v: NDArray) => v.exp(), (v: NDArray) => v.neg(), x),
    [
      x23,
    ],
  ],
  [
    "while_loop",
    (x) => lax.whileLoop((v: NDArray) => v.sum().less(10), (v: NDArray) => v.add(1), x),
    [
      x23,
    ],
  ],
  [
    "custom_jvp_call",
    (x) => customJvp((v: NDArray) => v.sin()).defjvp(([v], [t]) => [v.sin(), t])(x),
    [
      x23,
    ],
  ],
  [
    "custom_vjp_call",
    (x) => customVjp((v: NDArray) => v.cos()).defvjp((v) => [v.cos(), null], (_r, g) => [g])(x),
    [
      x23,
    ],
  ],
  ["checkpoint", (x) => checkpoint((v: NDArray) => v.tanh().exp())(x), [x23]],
  ["debug_callback", (x) => {
    debug.callback(() => {}, x);
    return x.mul(2);
  }, [x23]],
];

describe("jit() matches eager evaluation", () => {
  for (const [name, f, args] of CASES) {
    it(`jit() of ${name} equals the eager result`, () => {
      const expected = f(...args);
      const actual = jit(f)(...args);
      assertAllClose(actual as NDArray, expected as NDArray, { rtol: 1e-6, atol: 1e-6 });
      if (expected instanceof np.NDArray) {
        assert.equal((actual as NDArray).dtype, expected.dtype);
      }
    });
  }

  it("jit() test cases cover every primitive", () => {
    // jit_call is covered by the nesting tests below; custom_vjp_lin exists only inside the
    // tangent program of linearize, which reverse mode transposes away (tests/custom_test.ts)
    const seen = new Set<string>(["jit_call", "custom_vjp_lin"]);
    for (const [, f, args] of CASES) {
      for (const e of makeJaxpr(f)(...args).eqns) seen.add(e.prim);
    }
    const missing = Object.keys(shapeRules).filter((p) => !seen.has(p));
    assert.deepEqual(missing, []);
  });

  it("jit() of a pytree function returns the same pytree", () => {
    const f = (p: { w: NDArray; b: NDArray }, xs: NDArray[]) => ({
      out: np.matmul(xs[0], p.w).add(p.b),
      rest: [xs[1].mul(2), null],
    });
    const p = { w: f32([3, 2], 20), b: f32([2], 21) };
    const xs = [f32([4, 3], 22), f32([2], 23)];
    const r = jit(f)(p, xs);
    assertAllClose(r.out, f(p, xs).out);
    assertAllClose(r.rest[0] as NDArray, xs[1].mul(2));
    assert.equal(r.rest[1], null);
  });

  it("jit() returns inputs and constants unchanged and fresh arrays each call", () => {
    const c = np.array([1, 2]);
    const f = jit((x: NDArray) => [x, c, x.add(1)]);
    const x = np.array([5, 6]);
    const [a, b, d1] = f(x);
    const [, , d2] = f(x);
    assert.equal(a, x);
    assert.equal(b, c);
    assert.notEqual(d1, d2);
    assert.deepEqual(d1.toArray(), [6, 7]);
  });

  it("jit() keeps results of earlier calls intact when intermediates are reused", () => {
    const f = jit((x: NDArray) => np.matmul(x.mul(2).reshape([1, 2]), np.ones([2, 2])));
    const r1 = f(np.array([1, 2]));
    f(np.array([10, 20]));
    assert.deepEqual(r1.toArray(), [[6, 6]]);
  });
});

describe("jit() composes with the other transforms", () => {
  const f = (x: NDArray) => x.tanh().mul(x.sin()).add(x.mul(x)).sum();
  const x = f32([5], 30);

  it("grad(jit(f)) equals grad(f)", () => {
    assertAllClose(grad(jit(f))(x), grad(f)(x));
  });
  it("jit(grad(f)) equals grad(f)", () => {
    assertAllClose(jit(grad(f))(x), grad(f)(x));
  });
  it("jvp(jit(f)) equals jvp(f)", () => {
    const t = f32([5], 31);
    const [y1, d1] = jvp(jit(f), [x], [t]);
    const [y2, d2] = jvp(f, [x], [t]);
    assertAllClose(y1, y2);
    assertAllClose(d1, d2);
  });
  it("jit() of a vjp equals vjp", () => {
    const g = (x: NDArray) => x.exp().mul(x);
    const ct = f32([5], 32);
    const pull = (x: NDArray, ct: NDArray) => vjp(g, x)[1](ct)[0];
    assertAllClose(jit(pull)(x, ct), pull(x, ct));
  });
  it("grad(grad(jit(f))) equals the second derivative", () => {
    const h = (x: NDArray) => x.sin().mul(x).sum();
    const d2 = (g: (x: NDArray) => NDArray) => grad((x: NDArray) => grad(g)(x).sum())(x);
    assertAllClose(d2(jit(h)), d2(h));
  });
  it("jit(jit(f)) inlines the inner program and matches", () => {
    assertAllClose(jit(jit(f))(x), f(x));
  });
  it("jit() of a closure over an outer traced value is correct under grad", () => {
    const outer = (a: NDArray) => jit((y: NDArray) => y.mul(a).sum())(x);
    assertAllClose(grad(outer)(np.array(2)), x.sum());
  });
  it("vmap(jit(f)) and jit(vmap(f)) equal vmap(f)", () => {
    const g = (v: NDArray) => v.mul(v).sum().add(v.tanh());
    const xs = f32([4, 3], 33);
    const expected = vmap(g)(xs);
    assertAllClose(vmap(jit(g))(xs), expected);
    assertAllClose(jit(vmap(g))(xs), expected);
  });
});

describe("jit() caches one trace per signature", () => {
  it("jit() retraces only on a new shape, dtype, tree structure or static value", () => {
    let traces = 0;
    const f = jit((x: NDArray | NDArray[], n: number) => {
      traces++;
      const xs = Array.isArray(x) ? x : [x];
      return xs.map((v) => v.mul(n));
    }, { staticArgnums: [1] });
    f(np.ones([2]), 2);
    f(np.zeros([2]), 2);
    assert.equal(traces, 1);
    f(np.ones([3]), 2); // new shape
    assert.equal(traces, 2);
    f(np.ones([3], { dtype: "float64" }), 2); // new dtype
    assert.equal(traces, 3);
    f([np.ones([3])], 2); // new structure
    assert.equal(traces, 4);
    assert.deepEqual(f(np.ones([2]), 3)[0].toArray(), [3, 3]); // new static value
    assert.equal(traces, 5);
    f(np.ones([2]), 3);
    assert.equal(traces, 5);
  });

  it("jit() compares static arguments by value", () => {
    let traces = 0;
    const f = jit((x: NDArray, opts: { axis: number[] }) => {
      traces++;
      return x.sum({ axis: opts.axis });
    }, { staticArgnums: -1 });
    assert.deepEqual(f(np.ones([2, 3]), { axis: [1] }).toArray(), [3, 3]);
    f(np.ones([2, 3]), { axis: [1] });
    assert.equal(traces, 1);
    assert.deepEqual(f(np.ones([2, 3]), { axis: [0] }).toArray(), [2, 2, 2]);
    assert.equal(traces, 2);
  });

  it("jit() raises on a branch on a traced value, naming staticArgnums", () => {
    const f = jit((x: NDArray) => ((x.sum().item() as number) > 0 ? x : x.neg()));
    assert.throws(() => f(np.ones([2])), (e: Error) => {
      assert.ok(e instanceof TypeError);
      assert.match(e.message, /staticArgnums/);
      assert.match(e.message, /jit\(\)/);
      return true;
    });
  });

  it("jit() traces a JS number as a float32 array (as JAX) and suggests staticArgnums for a string", () => {
    const f = jit((x: NDArray, s: NDArray) => x.mul(s));
    assert.deepEqual(f(np.ones([2]), 2).toArray(), [2, 2]);
    const g = jit((x: NDArray, s: string) => x.mul(s.length));
    assert.throws(() => g(np.ones([2]), "ab"), /staticArgnums: \[1\]/);
  });

  it("jit() rejects an out-of-range staticArgnums with a RangeError", () => {
    assert.throws(() => jit((x: NDArray) => x, { staticArgnums: 3 })(np.ones([1])), RangeError);
  });
});

// ---- property test: random elementwise programs ----------------------------------------

const UNARY: ((x: NDArray) => NDArray)[] = [
  (x) => x.tanh(),
  (x) => x.sin(),
  (x) => x.cos(),
  (x) => x.exp().clip(null, 100),
  (x) => x.abs().add(1).log(),
  (x) => x.neg(),
  (x) => x.square(),
  (x) => np.sigmoid(x),
  (x) => x.abs().sqrt(),
  (x) => np.where(np.greater(x, 0), x, x.mul(0.1)),
];
const BINARY: ((x: NDArray, y: NDArray) => NDArray)[] = [
  (x, y) => x.add(y),
  (x, y) => x.sub(y),
  (x, y) => x.mul(y),
  (x, y) => x.div(y.abs().add(1)),
  (x, y) => np.maximum(x, y),
  (x, y) => np.minimum(x, y),
];

describe("jit() fuses random elementwise programs correctly", () => {
  it("jit() equals eager on 40 seeded random compositions with broadcasting and reductions", () => {
    const rng = makeRng(1234);
    const pick = <T>(xs: T[]) => xs[Math.floor(rng() * xs.length)];
    for (let trial = 0; trial < 40; trial++) {
      const steps = Array.from({ length: 3 + Math.floor(rng() * 8) }, () => ({
        unary: rng() < 0.5,
        u: pick(UNARY),
        b: pick(BINARY),
        a: Math.floor(rng() * 1000),
        c: Math.floor(rng() * 1000),
      }));
      const reduce = rng() < 0.5;
      const program = (x: NDArray, row: NDArray) => {
        const vals = [x, row];
        for (const s of steps) {
          const a = vals[s.a % vals.length];
          vals.push(s.unary ? s.u(a) : s.b(a, vals[s.c % vals.length]));
        }
        const last = vals[vals.length - 1];
        return reduce ? [last.sum({ axis: 0 }), vals[2].sum()] : [last, vals[2]];
      };
      const x = f32([3, 4], 100 + trial);
      const row = f32([4], 200 + trial);
      const [e1, e2] = program(x, row);
      const [j1, j2] = jit(program)(x, row);
      assertAllClose(j1, e1, { rtol: 1e-5, atol: 1e-5, message: `trial ${trial}` });
      assertAllClose(j2, e2, { rtol: 1e-5, atol: 1e-5, message: `trial ${trial}` });
    }
  });

  it("compile() fuses a chain of elementwise ops and its reduction into one loop", () => {
    const jaxpr = makeJaxpr((x: NDArray) => x.tanh().mul(x.sin()).add(x.mul(x)).sum())(
      np.ones([8]),
    );
    const ex = compile(jaxpr);
    assert.equal(ex.stats.loops, 1);
    assert.equal(ex.stats.kernels, 0);
    assert.match(ex.describe(), /Math\.tanh/);
  });

  it("compile() reads minor-axes transposes feeding matmul in place (transA/transB)", () => {
    const opts = (seed: number) => ({ seed, dtype: "float32" as const });
    const a = randomArray([5, 3], opts(1)), b = randomArray([5, 4], opts(2));
    const c = randomArray([2, 6, 3], opts(3)), d = randomArray([2, 4, 3], opts(4));
    const f = (a: NDArray, b: NDArray, c: NDArray, d: NDArray) => [
      np.matmul(a.T, b), // Aᵀ·B
      np.matmul(b.T, np.matmul(a, a.T)), // Bᵀ·(A·Aᵀ)
      np.matmul(c, np.transpose(d, [0, 2, 1])), // batched C·Dᵀ
    ];
    const ex = compile(makeJaxpr(f)(a, b, c, d));
    assert.match(ex.describe(), /matmul transA/);
    assert.match(ex.describe(), /matmul transB/);
    assert.doesNotMatch(ex.describe(), /kernel transpose/); // every transposing copy was skipped
    assertAllClose(jit(f)(a, b, c, d), f(a, b, c, d), { rtol: 1e-5, atol: 1e-5 });
  });

  it("compile() eliminates common subexpressions and dead code", () => {
    const jaxpr = makeJaxpr((x: NDArray) => {
      x.exp(); // dead
      return x.sin().add(x.sin());
    })(np.ones([4]));
    assert.equal(jaxpr.eqns.length, 4);
    const ex = compile(jaxpr);
    assert.equal(ex.stats.eqns, 2); // one sin, one add
  });
});
