/**
 * float32 e^x, σ(x), tanh x (src/kernels/_exp.ts) and log x (_log.ts): float64 sequences that the eager
 * kernels, exact programs' JS loops and their f64x2 wasm loops all run. Checked here against
 * float64 Math: correct float32 rounding except next to a rounding boundary, and
 * bit-identical results on every path.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { jit, type NDArray, np } from "../mod.ts";
import { expF32, logisticF32, TANH_SMALL, tanhF32 } from "../src/kernels/_exp.ts";
import { logF32 } from "../src/kernels/_log.ts";
import { compile } from "../src/jit/_compile.ts";
import { makeJaxpr } from "../src/jit/jit.ts";
import { hasSimd } from "../src/kernels/_wasm.ts";
import { setJitWasm } from "../src/jit/_codegen_wasm.ts";
import { setEagerPrograms } from "../src/numpy/_eager.ts";
import { assertSameF32, makeRng } from "./_helpers.ts";

/** Float32 inputs: every exponent's patterns (2¹⁷), dense points of [−104, 89] (2¹⁷), edges. */
function inputs(): Float32Array {
  const n = 1 << 17, rng = makeRng(11);
  const bits = Uint32Array.from({ length: n }, (_, i) => (i * 32768 + rng() * 32768) >>> 0);
  const dense = Float32Array.from({ length: n }, () => -104 + rng() * 193);
  const edges = [0, -0, NaN, Infinity, -Infinity, 1e-45, 88.72283, 88.72284, -87.33655];
  const x = new Float32Array(2 * n + edges.length);
  x.set(new Float32Array(bits.buffer)), x.set(dense, n), x.set(edges, 2 * n);
  x.set([-103.97208, -103.9721, 0.34657359, -0.34657359, 1e-9, -1e-9], 2 * n - 6);
  return x;
}

/** The spacing of float32 numbers at |v| (2⁻¹⁴⁹ in the denormal range). */
function ulp32(v: number): number {
  const a = Math.abs(v);
  return a < 2 ** -126 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(a)) - 23);
}

describe("float32 exp (expF32)", () => {
  const xs = inputs();

  it("is within 1 float64 ulp of Math.exp wherever the float32 result is finite and nonzero", () => {
    let checked = 0;
    for (const x of xs) {
      const e = Math.exp(x);
      if (!(e > 2 ** -150 && e < 3.5e38)) continue;
      assert.ok(Math.abs(expF32(x) - e) <= e * 2 ** -51, `exp(${x}): ${expF32(x)} vs ${e}`);
      checked++;
    }
    assert.ok(checked > 100000, `${checked} points checked`);
  });

  it("rounds to the nearest float32 except within 2⁻⁵⁰·e^x of a rounding boundary", () => {
    for (const x of xs) {
      const r = Math.fround(expF32(x)), e = Math.exp(x);
      if (Number.isNaN(x)) {
        assert.ok(Number.isNaN(r));
        continue;
      }
      if (Math.fround(e) === Infinity || Math.fround(e) === 0) {
        assert.equal(r, Math.fround(e), `exp(${x})`);
        continue;
      }
      assert.ok(Math.abs(r - e) <= ulp32(e) / 2 + e * 2 ** -50, `exp(${x}) = ${r}, e = ${e}`);
    }
  });

  it("maps the special values as Math.exp does once rounded to float32: NaN, ±∞, ±0, the edges", () => {
    assert.ok(Number.isNaN(expF32(NaN)));
    // outside the clamp the float64 result is finite, but its float32 rounding is ∞ or 0
    assert.equal(Math.fround(expF32(Infinity)), Infinity);
    assert.equal(Math.fround(expF32(1e30)), Infinity);
    assert.equal(Math.fround(expF32(-Infinity)), 0);
    assert.equal(Math.fround(expF32(-1e30)), 0);
    assert.equal(expF32(0), 1);
    assert.equal(expF32(-0), 1);
    for (const edge of [88.72283, 88.72284, -103.97208, -103.9721]) {
      const x = Math.fround(edge);
      assert.equal(Math.fround(expF32(x)), Math.fround(Math.exp(x)), `exp(${x})`);
    }
  });

  it("is what eager np.exp stores for float32, on the primitive-by-primitive and compiled paths", () => {
    const expected = xs.map((x) => expF32(x));
    const was = setEagerPrograms(false);
    try {
      assertSameF32(np.exp(np.array(xs)), expected, "primitive by primitive");
    } finally {
      setEagerPrograms(was);
    }
    // the second call of a signature runs its compiled program
    const x = np.array(xs);
    np.exp(x);
    assertSameF32(np.exp(x), expected, "compiled");
  });

  it(
    'runs as a wasm loop under precision: "exact", bit-identical to eager',
    { skip: !hasSimd },
    () => {
      const f = (x: NDArray) => x.exp().mul(2);
      const x = np.array(xs);
      assert.equal(compile(makeJaxpr(f)(x), { exact: true }).stats.wasmLoops, 1);
      assertSameF32(
        jit(f, { precision: "exact" })(x),
        xs.map((v) => Math.fround(expF32(v)) * 2),
        "exact jit",
      );
    },
  );
});

/** float64 σ(x) from Math.exp, without overflow. */
const logistic = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

describe("float32 tanh, logistic and log (tanhF32, logisticF32, logF32)", () => {
  const xs = inputs();
  const cases = [
    { name: "tanh", f: tanhF32, ref: Math.tanh, np: (x: NDArray) => x.tanh(), ulps: 8 },
    { name: "logistic", f: logisticF32, ref: logistic, np: (x: NDArray) => np.sigmoid(x), ulps: 4 },
    { name: "log", f: logF32, ref: Math.log, np: (x: NDArray) => x.log(), ulps: 2 },
  ];
  for (const { name, f, ref, np: op, ulps } of cases) {
    it(`${name} is within ${ulps} float64 ulp of Math wherever the float32 result is normal`, () => {
      for (const x of xs) {
        const e = ref(x);
        if (e === Infinity || e === -Infinity) {
          assert.equal(f(x), e, `${name}(${x})`);
          continue;
        }
        if (!(Math.abs(e) >= 2 ** -126)) continue; // the exp clamp only moves far denormals
        assert.ok(
          Math.abs(f(x) - e) <= Math.abs(e) * ulps * 2 ** -52,
          `${name}(${x}): ${f(x)} vs ${e}`,
        );
      }
    });

    it(`${name} rounds to the float32 of Math's value except within 2⁻⁴⁸ of a boundary`, () => {
      for (const x of xs) {
        const r = Math.fround(f(x)), e = ref(x);
        if (Number.isNaN(e)) {
          assert.ok(Number.isNaN(r), `${name}(${x}) = ${r}, expected NaN`);
          continue;
        }
        const tol = ulp32(e) / 2 + Math.abs(e) * 2 ** -48;
        assert.ok(Math.abs(r - e) <= tol || r === Math.fround(e), `${name}(${x}) = ${r}, e = ${e}`);
      }
    });

    it(`${name} is what eager stores, and exact programs compute it in wasm bit for bit`, () => {
      const x = np.array(xs);
      const expected = xs.map((v) => f(v));
      const was = setEagerPrograms(false);
      try {
        assertSameF32(op(x), expected, `eager ${name}`);
      } finally {
        setEagerPrograms(was);
      }
      if (!hasSimd) return;
      assert.equal(compile(makeJaxpr(op)(x), { exact: true }).stats.wasmLoops, 1);
      assertSameF32(jit(op, { precision: "exact" })(x), expected, `exact jit ${name}`);
      const wasm = setJitWasm(false);
      try {
        assertSameF32(jit(op, { precision: "exact" })(x), expected, `exact JS loop ${name}`);
      } finally {
        setJitWasm(wasm);
      }
    });
  }

  it("tanh keeps the sign of zero and saturates, log maps 0, ∞ and negatives; edges agree with Math", () => {
    assert.ok(Object.is(tanhF32(-0), -0) && Object.is(tanhF32(0), 0));
    assert.equal(tanhF32(30), 1);
    assert.equal(tanhF32(-Infinity), -1);
    assert.ok(Number.isNaN(tanhF32(NaN)));
    for (const x of [TANH_SMALL, Math.fround(TANH_SMALL), TANH_SMALL * (1 + 2 ** -20), 1e-30]) {
      assert.equal(Math.fround(tanhF32(x)), Math.fround(Math.tanh(x)), `tanh(${x})`);
    }
    assert.equal(logisticF32(-0), 0.5);
    assert.equal(Math.fround(logisticF32(-200)), 0);
    assert.equal(logisticF32(Infinity), 1);
    assert.equal(logF32(0), -Infinity);
    assert.equal(logF32(-0), -Infinity);
    assert.equal(logF32(Infinity), Infinity);
    assert.ok(Number.isNaN(logF32(-1e-45)) && Number.isNaN(logF32(-Infinity)));
    assert.equal(logF32(1), 0);
    // the renormalisation boundary √2 and the smallest subnormal
    for (const x of [Math.SQRT2, Math.fround(Math.SQRT2), Math.SQRT1_2, 1e-45, 3.4e38]) {
      assert.equal(Math.fround(logF32(x)), Math.fround(Math.log(x)), `log(${x})`);
    }
  });
});

describe("float32 exp, log, tanh and logistic are the same on every engine", () => {
  // float32_kernels.json: the kernels' float64 sequences run by Python (gen_float32_kernels.py)
  const fixture = JSON.parse(
    readFileSync(new URL("./fixtures/float32_kernels.json", import.meta.url), "utf8"),
  ) as Record<string, (number | null)[]> & { x: number[] };
  const xs = new Float32Array(Uint32Array.from(fixture.x).buffer);
  const bitsOf = (v: Float32Array) => new Uint32Array(v.buffer, v.byteOffset, v.length);
  const kernels = [
    { name: "exp", f: expF32, op: (x: NDArray) => x.exp() },
    { name: "log", f: logF32, op: (x: NDArray) => x.log() },
    { name: "tanh", f: tanhF32, op: (x: NDArray) => x.tanh() },
    { name: "logistic", f: logisticF32, op: (x: NDArray) => np.sigmoid(x) },
  ];
  for (const { name, f, op } of kernels) {
    it(`${name} gives the float32 bits a Python float64 port of its sequence gives (gen_float32_kernels.py)`, () => {
      const expected = fixture[name];
      const scalar = bitsOf(xs.map((x) => f(x)));
      // four copies (16,060 elements): the exact jit runs its wasm loop
      const big = np.tile(np.array(xs), [4]), n = xs.length;
      const eager = bitsOf(op(big).toTypedArray() as Float32Array);
      const exact = bitsOf(jit(op, { precision: "exact" })(big).toTypedArray() as Float32Array);
      const runs: [string, Uint32Array][] = [["kernel", scalar]];
      for (let c = 0; c < 4; c++) {
        runs.push(["eager", eager.subarray(c * n, (c + 1) * n)]);
        runs.push(["exact jit", exact.subarray(c * n, (c + 1) * n)]);
      }
      expected.forEach((e, i) => {
        for (const [what, got] of runs) {
          if (e === null) {
            assert.ok(
              Number.isNaN(new Float32Array(got.buffer, got.byteOffset, got.length)[i]),
              `${what} ${name}(${xs[i]})`,
            );
          } else assert.equal(got[i], e, `${what} ${name}(${xs[i]}): bits ${got[i]} vs ${e}`);
        }
      });
    });
  }
});
