/**
 * jit's row reductions (sums and maxima over trailing axes, src/jit/_codegen_wasm_rows.ts):
 * they run as wasm row loops, alone (`x.sum(-1)`, `x.max(-1)`) or as the end of a fused
 * group (softmax's and layerNorm's sums); maxima equal eager bit for bit up to NaN payloads,
 * sums within one float32 ulp (a different float64 summation order); `precision: "exact"`
 * stays bit-identical to eager; grads under jit match eager.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { grad, jit, type NDArray, nn, np } from "../mod.ts";
import { assertAllClose, assertSameF32, makeRng } from "./_helpers.ts";
import { compile } from "../src/jit/_compile.ts";
import { hasSimd } from "../src/kernels/_wasm.ts";
import { setJitWasm } from "../src/jit/_codegen_wasm.ts";
import { makeJaxpr } from "../src/jit/jit.ts";
import { withMin } from "./_jit_wasm.ts";

type Fn = (x: NDArray) => NDArray;

/** float32 values in [-3, 3) of `shape`, with NaN, ±Inf and ±0 at some places when `special`. */
function f32(shape: number[], seed: number, special = false): NDArray {
  const rng = makeRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const odd = [NaN, Infinity, -Infinity, 0, -0];
  const d = Float32Array.from({ length: n }, () => rng() * 6 - 3);
  if (special) { for (let i = 0; i < n; i += 7) d[i] = odd[Math.floor(rng() * odd.length)]; }
  return np.array(d, { shape, dtype: "float32" });
}

/** The float32 spacing at |x| (the gap to the next float32 away from zero). */
function ulp(x: number): number {
  const a = Math.fround(Math.abs(x));
  if (a === 0) return 2 ** -149;
  const e = Math.floor(Math.log2(a));
  return 2 ** (Math.max(e, -126) - 23);
}

/** Asserts each element of `actual` is `expected`'s (NaN for NaN, same ±∞) or within `ulps` of it. */
function assertUlps(actual: NDArray, expected: NDArray, ulps: number, what: string): void {
  assert.deepEqual(actual.shape, expected.shape, what);
  const a = actual.toTypedArray(), e = expected.toTypedArray();
  for (let i = 0; i < e.length; i++) {
    if (Number.isNaN(e[i]) && Number.isNaN(a[i])) continue;
    if (Object.is(a[i], e[i])) continue;
    if (!Number.isFinite(e[i]) || Math.abs(a[i] - e[i]) > ulps * ulp(e[i])) {
      assert.fail(`${what}: element ${i} is ${a[i]}, expected ${e[i]} (within ${ulps} ulp)`);
    }
  }
}

/** The compiled program's plan and how many of its loops are wasm row loops. */
function rowLoops(f: Fn, x: NDArray): { rows: number; plan: string } {
  const ex = compile(makeJaxpr(f)(x));
  const plan = ex.describe();
  return { rows: plan.split("wasm f32x4 row loop").length - 1, plan };
}

const ROW_LENGTHS = [1, 3, 4, 5, 7, 8, 768, 1000];
const ROW_COUNTS = [1, 2, 9];

describe("jit row reductions", { skip: !hasSimd }, () => {
  it("jit() sums rows as a wasm loop within one ulp of eager, at every row length", () => {
    withMin(1, () => {
      for (const R of ROW_LENGTHS) {
        for (const rows of ROW_COUNTS) {
          for (const special of [false, true]) {
            const x = f32([rows, R], R * 31 + rows, special);
            const f: Fn = (a) => a.sum(-1);
            assert.equal(rowLoops(f, x).rows, 1, `[${rows}, ${R}]`);
            assertUlps(jit(f)(x), f(x), 1, `sum over [${rows}, ${R}] special=${special}`);
          }
        }
      }
    });
  });

  it("jit() takes row maxima as a wasm loop bit for bit as eager, at every row length", () => {
    withMin(1, () => {
      for (const R of ROW_LENGTHS) {
        for (const rows of ROW_COUNTS) {
          for (const special of [false, true]) {
            const x = f32([rows, R], R * 17 + rows, special);
            const f: Fn = (a) => a.max(-1);
            assert.equal(rowLoops(f, x).rows, 1, `[${rows}, ${R}]`);
            assertSameF32(jit(f)(x), f(x), `max over [${rows}, ${R}] special=${special}`);
          }
        }
      }
    });
  });

  it("jit() row maxima return eager's zero (the row's first) and NaN wherever a row has one", () => {
    withMin(1, () => {
      // rows: [-0, +0, -1, …], [+0, -0, …], all −0, a NaN at the end, −∞ only, a NaN first
      const R = 9;
      const rows = [
        [-0, 0, -1, -2, -0, 0, -3, -1, -1],
        [0, -0, -1, -2, -0, 0, -3, -1, -1],
        Array(R).fill(-0),
        [1, 2, 3, 4, 5, 6, 7, 8, NaN],
        Array(R).fill(-Infinity),
        [NaN, 2, 3, 4, 5, 6, 7, 8, 9],
        [-5, -4, -3, -2, -1, -0.5, -0.25, -0, 0],
      ];
      const x = np.array(Float32Array.from(rows.flat()), { shape: [rows.length, R] });
      const f: Fn = (a) => a.max(-1);
      assert.equal(rowLoops(f, x).rows, 1);
      assertSameF32(jit(f)(x), f(x), "max of special rows");
      const s: Fn = (a) => a.sum(-1);
      assertSameF32(jit(s)(x), s(x), "sum of special rows (−0 rows sum to +0)");
    });
  });

  it("jit() reduces over several trailing axes and with keepdims as eager does", () => {
    withMin(1, () => {
      const x = f32([6, 5, 7], 3, true);
      const cases: [string, Fn][] = [
        ["sum([1, 2])", (a) => a.sum([1, 2])],
        ["max([1, 2], keepdims)", (a) => np.max(a, { axis: [1, 2], keepdims: true })],
        ["sum(-1, keepdims)", (a) => np.sum(a, { axis: -1, keepdims: true })],
        ["max over all axes", (a) => a.max()],
      ];
      for (const [what, f] of cases) {
        assert.equal(rowLoops(f, x).rows, 1, what);
        assertUlps(jit(f)(x), f(x), 1, what);
      }
      // a row longer than 2^18 (each region holds a row) keeps the JS loop
      const long = f32([600, 1000], 4);
      const sum: Fn = (a) => a.sum();
      assert.equal(rowLoops(sum, long).rows, 0);
      assertSameF32(jit(sum)(long), sum(long), "sum of 600000 elements (the JS loop)");
    });
  });

  it("jit() fuses the sums of softmax, logsumexp, layerNorm and rmsNorm into wasm row loops", () => {
    const x = f32([96, 768], 5);
    const cases: [string, Fn, number][] = [
      ["softmax", (a) => nn.softmax(a), 2],
      ["logsumexp", (a) => nn.logsumexp(a, { axis: -1 }), 2],
      ["layerNorm", (a) => nn.layerNorm(a), 1], // Σx and Σx² in one pass
      ["rmsNorm", (a) => nn.rmsNorm(a), 1],
    ];
    for (const [what, f, loops] of cases) {
      const { rows, plan } = rowLoops(f, x);
      assert.equal(rows, loops, `${what}\n${plan}`);
      assertAllClose(jit(f)(x), f(x), { rtol: 2e-6, atol: 1e-6, message: what });
    }
  });

  it("jit() fuses sums of one array into one pass, but never a loop with a sum it reads", () => {
    withMin(1, () => {
      const x = f32([48, 100], 21, true);
      // Σx and Σx²: one row loop
      const two = (a: NDArray) => np.stack([a.sum(-1), a.mul(a).sum(-1)]);
      const ex = compile(makeJaxpr(two)(x));
      assert.equal(ex.stats.loops, 1, ex.describe());
      assertUlps(jit(two)(x), two(x), 1, "Σx and Σx²");
      // Σx and Σ_rows 2x (a sum over the leading axis): two loops, each wasm (one loop
      // with both has no wasm version)
      const mixed = (a: NDArray) => [a.sum(-1), a.mul(2).sum(0)];
      const ex2 = compile(makeJaxpr(mixed)(x));
      assert.equal(ex2.stats.loops, 2, ex2.describe());
      assert.equal(ex2.stats.wasmLoops, 2, ex2.describe());
      const [s1, s0] = jit(mixed)(x), [e1, e0] = mixed(x);
      assertUlps(s1, e1, 1, "Σx");
      assertUlps(s0, e0, 1, "Σ 2x over rows");
      // x − Σx reads the sum: its loop runs after the sum's
      const centred: Fn = (a) => a.sub(np.sum(a, { axis: -1, keepdims: true })).mul(a);
      assertAllClose(jit(centred)(x), centred(x), { rtol: 1e-6, atol: 1e-5 });
    });
  });

  it("jit() row loops read row vectors, per-row values, scalars and constants across chunks", () => {
    withMin(1, () => {
      // R = 7 and 1000: 2340 and 16 rows a chunk, so 5000 and 40 rows cross chunk boundaries
      for (const [rows, R] of [[5000, 7], [40, 1000]]) {
        const x = f32([rows, R], R, true);
        const w = f32([R], R + 1), m = f32([rows, 1], R + 2), s = f32([1, 1], R + 3);
        const f: Fn = (a) => a.mul(w).sub(m).mul(s).add(2).sum(-1);
        assert.equal(rowLoops(f, x).rows, 1, `[${rows}, ${R}]`);
        const got = jit(f)(x), want = f(x);
        // the loop keeps a·w − m in float32 as eager does; only the sum's order differs
        assertUlps(got, want, 1, `Σ (x·w − m)·s + 2 over [${rows}, ${R}]`);
      }
    });
  });

  it("jit() row loops compute sin and cos of one value afresh in a row's partial vector", () => {
    withMin(1, () => {
      for (const R of [5, 7, 10]) {
        const x = f32([300, R], 40 + R);
        const f: Fn = (a) => {
          const y = a.mul(0.75);
          return np.sin(y).add(np.cos(y)).sum(-1);
        };
        assert.equal(rowLoops(f, x).rows, 1);
        assertAllClose(jit(f)(x), f(x), { rtol: 1e-6, atol: 1e-5, message: `R = ${R}` });
      }
    });
  });

  it("jit() reruns a row loop as the JS loop when a lane needs it (sin of a huge argument)", () => {
    withMin(1, () => {
      const x = f32([64, 30], 23);
      const big = np.array(Float32Array.from({ length: 64 * 30 }, (_, i) => i * 1e30), {
        shape: [64, 30],
      });
      const f = (a: NDArray) => np.sin(a).sum(-1);
      assert.equal(rowLoops(f, x).rows, 1);
      const g = jit(f);
      assertAllClose(g(x), f(x), { rtol: 1e-6, atol: 1e-5, message: "sin, ordinary arguments" });
      // huge arguments: the call is the JS loop's, bit for bit
      const wasm = g(big);
      const was = setJitWasm(false);
      try {
        assertSameF32(wasm, g(big), "sin, huge arguments");
      } finally {
        setJitWasm(was);
      }
    });
  });

  it("jit() row loops agree with the JS loop on random programs ending in row sums and maxima", () => {
    withMin(1, () => {
      const UNARY = [np.tanh, np.abs, np.neg, nn.sigmoid, np.sin];
      const BINARY = [np.add, np.sub, np.mul, np.maximum, np.minimum];
      for (let seed = 0; seed < 24; seed++) {
        const rng = makeRng(seed);
        const R = [1, 3, 6, 9, 33][seed % 5], rows = 1 + Math.floor(rng() * 40);
        const x = f32([rows, R], seed), w = f32([R], seed + 100), m = f32([rows, 1], seed + 200);
        const steps = Array.from({ length: 6 }, () => [rng(), rng(), rng(), rng()]);
        const f = (a: NDArray) => {
          const pool = [a, a.mul(w), a.sub(m)];
          for (const [op, i, j, u] of steps) {
            const p = pool[Math.floor(i * pool.length)], q = pool[Math.floor(j * pool.length)];
            pool.push(
              u < 0.4
                ? UNARY[Math.floor(op * UNARY.length)](p)
                : u < 0.85
                ? BINARY[Math.floor(op * BINARY.length)](p, q)
                : np.where(np.greater(p, q), p, q.mul(0.5)),
            );
          }
          const last = pool[pool.length - 1];
          return np.stack([last.sum(-1), a.max(-1), pool[pool.length - 2].sum(-1)]);
        };
        const g = jit(f);
        const wasm = g(x);
        const was = setJitWasm(false);
        let js: NDArray;
        try {
          js = g(x);
        } finally {
          setJitWasm(was);
        }
        assert.ok(rowLoops(f, x).rows >= 1, `seed ${seed}`);
        assertAllClose(wasm, js, { rtol: 1e-5, atol: 1e-5 * R, message: `seed ${seed}, R = ${R}` });
      }
    });
  });

  it("jit() row loops give the JS loop's results when wasm is off", () => {
    const x = f32([40, 1000], 9, true);
    for (const f of [(a: NDArray) => a.max(-1), (a: NDArray) => a.sum(-1)]) {
      const g = jit(f);
      const wasm = g(x);
      const was = setJitWasm(false);
      try {
        // the JS loop adds each row in order: eager's float64 sum, bit for bit
        assertSameF32(g(x), f(x), "JS loop");
      } finally {
        setJitWasm(was);
      }
      assertUlps(wasm, f(x), 1, "wasm loop");
    }
  });

  it("jit(precision: exact) row reductions stay bit-identical to eager", () => {
    const x = f32([64, 1000], 11, true);
    const cases: Fn[] = [
      (a) => a.sum(-1),
      (a) => a.max(-1),
      (a) => nn.softmax(a),
      (a) => nn.layerNorm(a),
      (a) => nn.logsumexp(a, { axis: -1 }),
    ];
    for (const f of cases) assertSameF32(jit(f, { precision: "exact" })(x), f(x), f.toString());
  });

  it("grad() of layerNorm and softmax under jit matches eager", () => {
    const x = f32([64, 768], 13);
    const w = f32([64, 768], 14);
    const losses: [string, Fn][] = [
      ["layerNorm", (a) => nn.layerNorm(a).mul(w).sum()],
      ["softmax", (a) => nn.softmax(a).mul(w).sum()],
    ];
    for (const [what, loss] of losses) {
      const g = grad(loss);
      assertAllClose(jit(g)(x), g(x), { rtol: 1e-4, atol: 1e-5, message: what });
    }
  });
});
