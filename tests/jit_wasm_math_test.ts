/**
 * jit's f32x4 approximations and lane-mask ops (src/jit/_wasm_math.ts): exp,
 * logistic and tanh against float64 references over the whole float32 range (denormals,
 * ±0, ±inf, NaN, the overflow and underflow edges) with a stated max ulp error;
 * sin and cos within 2 ulp (large |x| falls back to the JS loops);
 * comparisons and select bit-identical to eager; `precision: "exact"` keeps the
 * approximations out.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { jit, type NDArray, nn, np } from "../mod.ts";
import { compile } from "../src/jit/_compile.ts";
import { hasSimd } from "../src/kernels/_wasm.ts";
import { setJitWasm } from "../src/jit/_codegen_wasm.ts";
import { makeJaxpr } from "../src/jit/jit.ts";
import { makeRng } from "./_helpers.ts";
import { erf as erfF64 } from "../src/kernels/special.ts";

/** 2¹⁸ float32 values whose bit patterns cover every sign, exponent and mantissa region. */
function allFloat32(): Float32Array {
  const n = 1 << 18;
  const bits = new Uint32Array(n);
  const rng = makeRng(7);
  for (let i = 0; i < n; i++) {
    // an even spread over the 2³² patterns, jittered in the low bits
    bits[i] = ((i * 16384) + Math.floor(rng() * 16384)) >>> 0;
  }
  const x = new Float32Array(bits.buffer);
  const edges = [
    0,
    -0,
    Infinity,
    -Infinity,
    NaN,
    1e-45,
    -1e-45,
    1.1754942e-38,
    88.72,
    88.7228,
    88.73,
    89,
    100,
    -87.33,
    -88,
    -103.9,
    -103.98,
    -104,
    -110,
    1,
    -1,
    0.5,
    1e-7,
    -1e-7,
    15.638374,
  ];
  x.set(Float32Array.from(edges));
  return x;
}

/** The float32 ulp at `v` (a float64): the spacing of float32 numbers in its binade. */
function ulpOf(v: number): number {
  const a = Math.abs(Math.fround(v));
  if (a < 2 ** -126) return 2 ** -149;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--; // log2 rounding at exact powers of two
  return 2 ** (e - 23);
}

/** Max |jit − ref| in ulps over `xs`; NaN must give NaN and ±inf/0 results must be exact. */
function maxUlpError(f: (x: NDArray) => NDArray, ref: (x: number) => number, xs: Float32Array) {
  const y = jit(f)(np.array(xs)).toTypedArray();
  let worst = 0;
  for (let i = 0; i < xs.length; i++) {
    const exact = ref(xs[i]);
    if (Number.isNaN(exact)) {
      assert.ok(Number.isNaN(y[i]), `f(${xs[i]}) = ${y[i]}, expected NaN`);
      continue;
    }
    const rounded = Math.fround(exact);
    if (!Number.isFinite(rounded) || rounded === 0) {
      // overflow to ±inf, or a result below half the smallest denormal
      assert.ok(
        Object.is(y[i], rounded) || Math.abs(y[i] - rounded) <= 2 ** -149,
        `f(${xs[i]}) = ${y[i]}, expected ${rounded}`,
      );
      continue;
    }
    worst = Math.max(worst, Math.abs(y[i] - exact) / ulpOf(exact));
  }
  return worst;
}

const logistic = (x: number) => x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));

describe("jit()'s f32x4 exp and logistic", { skip: !hasSimd }, () => {
  const xs = allFloat32();

  it("exp runs as a wasm loop and is within 1.5 ulp of float64 exp over the float32 range", () => {
    const f = (x: NDArray) => x.exp();
    assert.equal(compile(makeJaxpr(f)(np.array(xs))).stats.wasmLoops, 1);
    const err = maxUlpError(f, Math.exp, xs);
    assert.ok(err <= 1.5, `max error ${err} ulp`);
    assert.ok(err > 0.5, `max error ${err} ulp: the approximation was not exercised`);
  });

  it("logistic is within 2.5 ulp of the float64 logistic over the float32 range", () => {
    const f = (x: NDArray) => np.sigmoid(x);
    assert.equal(compile(makeJaxpr(f)(np.array(xs))).stats.wasmLoops, 1);
    const err = maxUlpError(f, logistic, xs);
    assert.ok(err <= 2.5, `max error ${err} ulp`);
  });

  it("tanh is within 2.5 ulp of float64 tanh over the float32 range, and keeps -0", () => {
    // (XLA's own float32 tanh on the CPU: 4.6 ulp over 2²² points of [−9, 9], JAX 0.10.2)
    const f = (x: NDArray) => x.tanh();
    assert.equal(compile(makeJaxpr(f)(np.array(xs))).stats.wasmLoops, 1);
    // the float32 values where m/(m + 2)'s three roundings meet, dense in [2⁻⁸, 2⁻⁶]
    const dense = Float32Array.from({ length: 1 << 16 }, (_, i) => 2 ** -8 + i * 2 ** -22);
    for (const input of [xs, dense]) {
      const err = maxUlpError(f, Math.tanh, input);
      assert.ok(err <= 2.5, `max error ${err} ulp`);
      assert.ok(err > 0.5, `max error ${err} ulp: the approximation was not exercised`);
    }
    assert.ok(Object.is(jit(f)(np.array(new Float32Array(4096).fill(-0))).toTypedArray()[0], -0));
  });

  it("expm1, log1p and log are within 2 ulp of float64 over the float32 range, edges exact", () => {
    for (
      const [name, f, ref] of [
        ["expm1", np.expm1, Math.expm1],
        ["log1p", np.log1p, Math.log1p],
        ["log", np.log, Math.log],
      ] as const
    ) {
      assert.equal(compile(makeJaxpr(f)(np.array(xs))).stats.wasmLoops, 1, name);
      // and densely where their cancellation-free forms matter: |x| around 2⁻²⁴ … 1
      const near = Float32Array.from(
        { length: 1 << 16 },
        (_, i) => (i % 2 ? -1 : 1) * 2 ** (-24 + (i >> 1) / 1365),
      );
      for (const input of [xs, near]) {
        const err = maxUlpError(f, ref, input);
        assert.ok(err <= 2, `${name}: max error ${err} ulp`);
        assert.ok(err > 0.5, `${name}: max error ${err} ulp: the approximation was not exercised`);
      }
    }
    const edges = np.array([0, -0, -1, -1.5, Infinity, -Infinity, NaN, 88.7, 89, -200, 1e-45]);
    // the edges are exact: every float32 result rounded from the float64 one
    const want = Array.from(edges.toTypedArray(), (v) => Math.fround(Math.expm1(v)));
    assert.deepEqual([...jit(np.expm1)(edges).toTypedArray()], want);
    const l = jit(np.log1p)(edges).toTypedArray();
    assert.ok(Object.is(l[0], 0) && Object.is(l[1], -0), `log1p(±0): ${l[0]}, ${l[1]}`);
    assert.deepEqual([l[2], l[4], l[10]], [-Infinity, Infinity, Math.fround(1e-45)]);
    assert.ok([l[3], l[5], l[6]].every(Number.isNaN), `log1p(-1.5, -inf, NaN): ${l}`);
    // log: ±0 → −∞, negatives and NaN → NaN, +∞ → +∞, subnormals scaled exactly, log 1 = +0
    const edgesLog = np.array([0, -0, -1, Infinity, NaN, 1, 1e-45, 3e-39, 3.4e38]);
    const logs = jit(np.log)(edgesLog).toTypedArray();
    const wantLog = Array.from(edgesLog.toTypedArray(), (v) => Math.fround(Math.log(v)));
    assert.deepEqual([...logs], wantLog);
    assert.ok(Object.is(logs[5], 0));
  });

  it("erf is within 3 ulp of float64 erf over the float32 range (XLA's own: 4.9), and nn.gelu exact is one loop", () => {
    const f = (v: NDArray) => np.erf(v);
    assert.equal(compile(makeJaxpr(f)(np.array(xs))).stats.wasmLoops, 1);
    const dense = Float32Array.from({ length: 1 << 16 }, (_, i) => -4.5 + i * 9 / (1 << 16));
    for (const input of [xs, dense]) {
      const err = maxUlpError(f, erfF64, input);
      assert.ok(err <= 3, `max error ${err} ulp`);
      assert.ok(err > 0.5, `max error ${err} ulp: the approximation was not exercised`);
    }
    const e = jit(f)(np.array([0, -0, Infinity, -Infinity, NaN, 1e-45, 4, -10])).toTypedArray();
    assert.ok(Object.is(e[0], 0) && Object.is(e[1], -0), `erf(±0): ${e[0]}, ${e[1]}`);
    assert.deepEqual([e[2], e[3], e[5], e[6], e[7]], [1, -1, Math.fround(1e-45), 1, -1]);
    assert.ok(Number.isNaN(e[4]));
    const gelu = (v: NDArray) => nn.gelu(v, { approximate: false });
    assert.equal(compile(makeJaxpr(gelu)(np.array(dense))).stats.wasmLoops, 1);
  });

  it("floor, ceil, round and sign run as wasm and equal eager bit for bit; rsqrt within 1.5 ulp", () => {
    const some = xs.filter((_, i) => i < 32 || i % 8 === 0);
    some.set([0.5, -0.5, 1.5, 2.5, -2.5, 8388609, -8388609.5, 1e-45, -1e-45], 32);
    const x = np.array(some);
    for (const f of [np.floor, np.ceil, np.round, np.sign]) {
      const g = (v: NDArray) => f(v).mul(2);
      assert.equal(compile(makeJaxpr(g)(x)).stats.wasmLoops, 1, f.name);
      const a = jit(g)(x).toTypedArray(), e = g(x).toTypedArray();
      for (let i = 0; i < e.length; i++) {
        assert.ok(
          Object.is(a[i], e[i]) || (Number.isNaN(a[i]) && Number.isNaN(e[i])),
          `${f.name}(${some[i]}): ${a[i]} vs ${e[i]}`,
        );
      }
    }
    // 1/√x rounded twice, as XLA's (1.67 ulp over 2²⁰ points of |N(0, 1)|·10, JAX 0.10.2)
    const pos = some.map(Math.abs);
    const err = maxUlpError((v) => np.rsqrt(v).mul(1), (v) => 1 / Math.sqrt(v), pos);
    assert.ok(err <= 1.5, `rsqrt: max error ${err} ulp`);
    assert.equal(compile(makeJaxpr((v: NDArray) => np.rsqrt(v))(np.array(pos))).stats.wasmLoops, 1);
  });

  it("nn.elu, selu, celu, softplus and logSigmoid each run as one wasm loop, close to eager", () => {
    // every 16th of the spread (all exponents), the edges first
    const some = xs.filter((_, i) => i < 32 || i % 16 === 0);
    const x = np.array(
      some.map((v) => (Number.isFinite(v) ? Math.max(-1e4, Math.min(1e4, v)) : v)),
    );
    for (const f of [nn.elu, nn.selu, nn.celu, nn.softplus, nn.logSigmoid]) {
      const g = (x: NDArray) => f(x);
      assert.equal(compile(makeJaxpr(g)(x)).stats.wasmLoops, 1, f.name);
      const a = jit(g)(x).toTypedArray(), e = g(x).toTypedArray();
      for (let i = 0; i < e.length; i++) {
        if (Number.isNaN(e[i])) assert.ok(Number.isNaN(a[i]), `${f.name}(${x.toTypedArray()[i]})`);
        else if (!Object.is(a[i], e[i])) {
          // a few ulp, or an absolute 2⁻²³ where α·(eˣ − 1) or softplus cancels toward 0
          const tol = 4 * ulpOf(e[i]) + 2 ** -23 * Math.max(1, Math.abs(e[i]) < 1e-30 ? 0 : 1);
          assert.ok(
            Math.abs(a[i] - e[i]) <= tol,
            `${f.name}(${x.toTypedArray()[i]}): ${a[i]} vs ${e[i]}`,
          );
        }
      }
    }
  });

  it("sin and cos are within 2 ulp of float64 sin and cos for |x| < 1e5, near every zero too", () => {
    // finite |x| ≥ 1e5 would rerun the whole call as the JS loop: fold them below
    const finite = xs.map((v) => (Number.isFinite(v) && Math.abs(v) >= 1e5 ? v % 99991 : v));
    finite.set([0, -0, NaN, Infinity, -Infinity, 3.1415927, -1.5707964, 99999.99]);
    // the float32 neighbours of k·π/2 (where sin or cos is near 0, so the reduction must be
    // exact to far below x's own ulp) for k up to 63,000, spread over the range
    const near: number[] = [];
    for (let k = 1; k < 63000; k += 997) {
      const x = Math.fround(k * Math.PI / 2);
      for (const y of [x, x * (1 + 2 ** -23), x * (1 - 2 ** -23)]) near.push(y, -y);
    }
    finite.set(near, 100);
    for (const [name, f, ref] of [["sin", np.sin, Math.sin], ["cos", np.cos, Math.cos]] as const) {
      const x = np.array(finite);
      assert.equal(compile(makeJaxpr(f)(x)).stats.wasmLoops, 1);
      const err = maxUlpError(f, ref, finite);
      assert.ok(err <= 2, `${name}: max error ${err} ulp`);
      assert.ok(err > 0.5, `${name}: max error ${err} ulp: the approximation was not exercised`);
    }
    const special = np.array([0, -0, Infinity, -Infinity, NaN]);
    const s = jit(np.sin)(special).toTypedArray(), c = jit(np.cos)(special).toTypedArray();
    assert.ok(Object.is(s[0], 0) && Object.is(s[1], -0), `sin(±0): ${s[0]}, ${s[1]}`);
    assert.deepEqual([...c.subarray(0, 2)], [1, 1]);
    assert.ok([...s.subarray(2), ...c.subarray(2)].every(Number.isNaN));
  });

  it("sin and cos of one operand share a loop, and a large |x| reruns the call as the JS loop", () => {
    const finite = xs.map((v) => (Number.isFinite(v) && Math.abs(v) >= 1e5 ? v % 99991 : v));
    const withLarge = finite.slice();
    withLarge[100] = 123456.7;
    const f = (x: NDArray) => x.sin().mul(x.cos().add(2));
    const x = np.array(withLarge);
    assert.equal(compile(makeJaxpr(f)(x)).stats.wasmLoops, 1);
    const simd = jit(f)(x).toTypedArray();
    const was = setJitWasm(false);
    const js = jit(f)(x).toTypedArray();
    setJitWasm(was);
    for (let i = 0; i < js.length; i++) {
      assert.ok(
        Object.is(simd[i], js[i]) || (Number.isNaN(simd[i]) && Number.isNaN(js[i])),
        `x = ${withLarge[i]}: wasm ${simd[i]}, JS ${js[i]}`,
      );
    }
    // without the large value the wasm loop runs, within a few ulp of the JS loop
    const y = np.array(finite);
    const a = jit(f)(y).toTypedArray(), e = f(y).toTypedArray();
    for (let i = 0; i < e.length; i++) {
      if (Number.isNaN(e[i])) assert.ok(Number.isNaN(a[i]));
      else assert.ok(Math.abs(a[i] - e[i]) <= 4 * ulpOf(e[i]) + 2 ** -149, `x = ${finite[i]}`);
    }
  });

  it('precision: "exact" keeps exp bit-identical to eager (no approximation)', () => {
    const f = (x: NDArray) => x.exp().mul(2).add(np.sigmoid(x)).add(x.tanh()).add(x.sin());
    const x = np.array(xs.subarray(0, 8192));
    const a = jit(f, { precision: "exact" })(x).toTypedArray(), e = f(x).toTypedArray();
    for (let i = 0; i < e.length; i++) assert.ok(Object.is(a[i], e[i]), `element ${i}`);
  });
});

describe("jit()'s lane-mask comparisons and select", { skip: !hasSimd }, () => {
  it("SELU runs as one wasm loop and its masks match eager exactly", () => {
    const A = 1.6732632, S = 1.0507010;
    const selu = (x: NDArray) => np.where(np.greater(x, 0), x, x.exp().mul(A).sub(A)).mul(S);
    const rng = makeRng(3);
    const d = Float32Array.from({ length: 10000 }, () => (rng() - 0.5) * 20);
    d.set([0, -0, NaN, Infinity, -Infinity, 1e-45, -1e-45]);
    const x = np.array(d);
    const ex = compile(makeJaxpr(selu)(x));
    assert.equal(ex.stats.wasmLoops, 1, ex.describe());
    const y = jit(selu)(x).toTypedArray(), e = selu(x).toTypedArray();
    for (let i = 0; i < e.length; i++) {
      if (d[i] > 0 || Number.isNaN(d[i])) assert.ok(Object.is(y[i], e[i]), `element ${i}`);
      // α·e^x − α cancels near 0: exp's 1-ulp error becomes an absolute ~α·2⁻²⁴
      else assert.ok(Math.abs(y[i] - e[i]) <= 2.5e-7 * Math.abs(e[i]) + 3e-7, `element ${i}`);
    }
  });

  it("every comparison and select equal eager bit for bit (NaN, ±0, ±inf included)", () => {
    const rng = makeRng(4);
    const odd = [NaN, 0, -0, Infinity, -Infinity, 1, -1];
    const mk = () =>
      np.array(
        Float32Array.from({ length: 8192 }, () =>
          rng() < 0.3 ? odd[Math.floor(rng() * 7)] : rng() - 0.5),
      );
    const x = mk(), y = mk();
    const cmps = [np.equal, np.notEqual, np.less, np.lessEqual, np.greater, np.greaterEqual];
    for (const cmp of cmps) {
      const f = (x: NDArray, y: NDArray) => np.where(cmp(x, y), x.add(y), y.sub(x));
      assert.equal(compile(makeJaxpr(f)(x, y)).stats.wasmLoops, 1, cmp.name);
      const a = jit(f)(x, y).toTypedArray(), e = f(x, y).toTypedArray();
      for (let i = 0; i < e.length; i++) {
        assert.ok(Object.is(a[i], e[i]) || (Number.isNaN(a[i]) && Number.isNaN(e[i])), `${i}`);
      }
    }
  });
});
