/**
 * jit's wasm SIMD loops (src/jit/_codegen_wasm.ts): eligible float32 groups compile to
 * f32x4 loops that equal the eager kernels (bit for bit: both round every op to
 * float32), for every length (tails), NaN/Inf/-0 inputs and broadcast scalars;
 * the Adam update takes the wasm path; ineligible groups stay JS loops.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { jit, type NDArray, np, optim } from "../mod.ts";
import { assertAllClose, assertSameF32, makeRng, randomArray } from "./_helpers.ts";
import { compile } from "../src/jit/_compile.ts";
import { uniform } from "../src/jit/_codegen_js.ts";
import { ArrayValue } from "../src/core/_array_value.ts";
import { hasSimd } from "../src/kernels/_wasm.ts";
import {
  setJitWasm,
  WASM_CHEAP_MAX_ELEMENTS,
  WASM_MIN_ELEMENTS,
} from "../src/jit/_codegen_wasm.ts";
import { makeJaxpr } from "../src/jit/jit.ts";
import { withMin } from "./_jit_wasm.ts";

type Fn = (...args: NDArray[]) => NDArray[];

/** How many of the compiled program's fused loops are wasm loops. */
const wasmLoops = (f: Fn, args: NDArray[]) => compile(makeJaxpr(f)(...args)).stats.wasmLoops;

/** Asserts that every fused loop of the compiled program is a wasm loop. */
function assertAllWasm(f: Fn, args: NDArray[], message: string): void {
  const ex = compile(makeJaxpr(f)(...args));
  assert.ok(ex.stats.loops >= 1, message);
  assert.equal(ex.stats.wasmLoops, ex.stats.loops, `${message}\n${ex.describe()}`);
}

/** float32 values in [-2, 2), with NaN, ±Inf and ±0 sprinkled in when `special`. */
function f32(n: number, seed: number, special: boolean): NDArray {
  const rng = makeRng(seed);
  const odd = [NaN, Infinity, -Infinity, 0, -0];
  const d = Float32Array.from({ length: n }, () => rng() * 4 - 2);
  if (special) { for (let i = 0; i < n; i += 3) d[i] = odd[Math.floor(rng() * odd.length)]; }
  return np.array(d, { shape: [n], dtype: "float32" });
}

const BINARY = [np.add, np.sub, np.mul, np.div, np.maximum, np.minimum];
const UNARY = [np.neg, np.abs, np.sqrt];

/** A random program of eligible ops over inputs a, b (full) and s (scalar), 2 outputs. */
function randomProgram(seed: number): Fn {
  const rng = makeRng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)];
  const plan = Array.from({ length: 8 }, () => ({
    unary: rng() < 0.3,
    op: Math.floor(rng() * 6),
    lhs: rng(),
    rhs: rng(),
    literal: rng() < 0.2 ? pick([0.5, -3, 0, Infinity]) : undefined,
  }));
  return (a, b, s) => {
    const pool: NDArray[] = [a, b];
    for (const step of plan) {
      const x = pool[Math.floor(step.lhs * pool.length)];
      if (step.unary) pool.push(UNARY[step.op % UNARY.length](x));
      else {
        const y = step.literal !== undefined
          ? np.array(step.literal, { dtype: "float32" })
          : step.rhs < 0.2
          ? s
          : pool[Math.floor(step.rhs * pool.length)];
        // a division by the scalar or a literal is a product with its reciprocal (its own
        // test below): here they divide, not are divided
        const uniform = y === s || step.literal !== undefined;
        const swap = step.rhs >= 0.5 || (uniform && BINARY[step.op] === np.div);
        pool.push(swap ? BINARY[step.op](y, x) : BINARY[step.op](x, y));
      }
    }
    return [pool[pool.length - 1], pool[pool.length - 3]];
  };
}

describe("jit() runs eligible float32 groups as wasm SIMD loops", { skip: !hasSimd }, () => {
  it("compileGroupWasm() matches the eager kernels bitwise on random programs of any length", () => {
    withMin(1, () => {
      for (const n of [1, 3, 5, 8, 4097]) {
        for (let trial = 0; trial < 6; trial++) {
          const seed = 1000 * n + trial;
          const f = randomProgram(seed);
          const args = [f32(n, seed, false), f32(n, seed + 1, false), f32(1, seed + 2, false)];
          args[2] = np.reshape(args[2], []);
          assertAllWasm(f, args, `n=${n} trial ${trial}`);
          const eager = f(...args), jitted = jit(f)(...args);
          eager.forEach((e, i) => assertSameF32(jitted[i], e, `n=${n} trial ${trial} out ${i}`));
        }
      }
    });
  });

  it("compileGroupWasm() propagates NaN, ±Inf and ±0 as the eager kernels do", () => {
    withMin(1, () => {
      for (let trial = 0; trial < 8; trial++) {
        const n = 37 + trial;
        const f = randomProgram(500 + trial);
        const args = [
          f32(n, trial, true),
          f32(n, trial + 50, true),
          np.array(NaN, {
            dtype: "float32",
          }),
        ];
        if (trial % 2) args[2] = np.array(-Infinity, { dtype: "float32" });
        const eager = f(...args), jitted = jit(f)(...args);
        eager.forEach((e, i) => assertSameF32(jitted[i], e, `trial ${trial} out ${i}`));
      }
      // max/min: NaN from either side, ties keep the second operand (as the eager kernels)
      const x = np.array([NaN, 1, 0, -0, 2, NaN, Infinity], { dtype: "float32" });
      const y = np.array([1, NaN, -0, 0, 2, NaN, -Infinity], { dtype: "float32" });
      const mm: Fn = (x, y) => [np.maximum(x, y), np.minimum(x, y), np.maximum(y, x)];
      assertAllWasm(mm, [x, y], "max/min");
      const eager = mm(x, y), jitted = jit(mm)(x, y);
      eager.forEach((e, i) => assertSameF32(jitted[i], e, `max/min out ${i}`));
    });
  });

  it("compileGroupWasm() divides by a scalar as a product with its reciprocal, within 2 ulp, as XLA does", () => {
    withMin(1, () => {
      const x = f32(4097, 7, true);
      const f: Fn = (x, s) => [x.div(s).mul(2), np.div(3, x)];
      // ordered integer of a float32, so that adjacent floats differ by 1
      const ordered = (v: number) => {
        const i = new Int32Array(new Float32Array([v]).buffer)[0];
        return i < 0 ? -(i & 0x7fffffff) : i;
      };
      const safe = [0.8, 3, -7.5, 1e-3, 1e30, 0, -0, Infinity, -Infinity, NaN];
      // 1/s overflows (subnormal s) or is subnormal (huge s): these rerun as the JS loop
      const unsafe = [1e-39, -3e-45, 3e38, -(2 ** 127)];
      for (const v of [...safe, ...unsafe]) {
        const s = np.array(v, { dtype: "float32" });
        assertAllWasm(f, [x, s], `s = ${v}`);
        const eager = f(x, s), jitted = jit(f)(x, s);
        const exact = jit(f, { precision: "exact" })(x, s);
        eager.forEach((e, i) => assertSameF32(exact[i], e, `exact, s = ${v}, out ${i}`));
        // the divisions of an array keep their rounding
        assertSameF32(jitted[1], eager[1], `3 / x, s = ${v}`);
        if (unsafe.includes(v)) {
          const was = setJitWasm(false);
          try {
            assertSameF32(jitted[0], jit(f)(x, s)[0], `x / s, s = ${v}: the JS loop's result`);
          } finally {
            setJitWasm(was);
          }
          continue;
        }
        const got = jitted[0].toTypedArray(), want = eager[0].toTypedArray();
        for (let i = 0; i < want.length; i++) {
          const ok = Number.isNaN(want[i])
            ? Number.isNaN(got[i])
            : Object.is(got[i], want[i]) || Math.abs(ordered(got[i]) - ordered(want[i])) <= 2;
          assert.ok(ok, `x / s at ${i}, s = ${v}: ${got[i]} vs ${want[i]}`);
        }
      }
    });
  });

  it("compileGroupWasm() splats size-1 broadcasts and agrees with the JS loop", () => {
    withMin(1, () => {
      const a = randomArray([33, 7], { seed: 3, dtype: "float32" });
      const s = randomArray([1, 1], { seed: 4, dtype: "float32", low: 0.5, high: 2 });
      const f: Fn = (a, s) => [a.mul(s).add(1).div(a.abs().add(s).sqrt()), a.sub(s).neg()];
      assertAllWasm(f, [a, s], "splats");
      const eager = f(a, s), simd = jit(f)(a, s);
      eager.forEach((e, i) => assertSameF32(simd[i], e, `out ${i}`));
      const was = setJitWasm(false);
      try {
        assertAllClose(jit(f)(a, s), eager, { rtol: 1e-6, atol: 1e-6 });
      } finally {
        setJitWasm(was);
      }
    });
  });

  it("uniform() sees a constant as one value only when every bit pattern is the same", () => {
    const f32 = (xs: number[]) => new ArrayValue(Float32Array.from(xs), [xs.length], "float32");
    const f64 = (xs: number[]) => new ArrayValue(Float64Array.from(xs), [xs.length], "float64");
    assert.equal(uniform(f32([0.5, 0.5, 0.5])), true);
    assert.equal(uniform(f32([NaN, NaN])), true);
    assert.equal(uniform(f32([0, -0])), false);
    assert.equal(uniform(f32([1, 1, 1 + 2 ** -23])), false);
    assert.equal(uniform(f64([1, 1 + 2 ** -52])), false);
    assert.equal(uniform(f64([2 ** 40, 2 ** 40])), true);
    assert.equal(uniform(f64([-0, -0])), true);
    const i32 = new ArrayValue(Int32Array.from([7, 7, 8]), [3], "int32");
    assert.equal(uniform(i32), false);
    assert.equal(uniform(new ArrayValue(new Float32Array(0), [0], "float32")), false);
    // a NaN with another payload is not the same value: the constant stays an array
    const odd = new Float32Array([NaN, NaN]);
    new Uint32Array(odd.buffer)[1] = 0x7fc00001;
    assert.equal(uniform(new ArrayValue(odd, [2], "float32")), false);
  });

  it("compileGroupWasm() returns fresh arrays on every call", () => {
    withMin(1, () => {
      const f = jit((a: NDArray) => [a.mul(2).add(1)]);
      const a = randomArray([9], { seed: 5, dtype: "float32" });
      const [r1] = f(a), [r2] = f(a);
      assert.notEqual(r1.toTypedArray(), r2.toTypedArray());
      assert.deepEqual(r1.toTypedArray(), r2.toTypedArray());
    });
  });

  it("jit() takes the wasm path for an Adam update of a 128×128 weight", () => {
    const p = randomArray([128, 128], { seed: 6, dtype: "float32" });
    const g = randomArray([128, 128], { seed: 7, dtype: "float32" });
    assert.ok(128 * 128 >= WASM_MIN_ELEMENTS);
    const opt = optim.adam(1e-2);
    const step = (p: NDArray, g: NDArray) => {
      let state = opt.init(p);
      let params = p;
      for (let i = 0; i < 2; i++) {
        const [updates, next] = opt.update(g, state, params);
        params = optim.applyUpdates(params, updates) as NDArray;
        state = next;
      }
      return [params];
    };
    assert.ok(wasmLoops(step, [p, g]) >= 1);
    assertAllClose(jit(step)(p, g), step(p, g), { rtol: 1e-5, atol: 1e-6 });
  });

  it("compileGroupWasm() leaves ineligible groups to the JS loop", () => {
    withMin(1, () => {
      const x = randomArray([4, 5], { seed: 8, dtype: "float32" });
      const row = randomArray([5], { seed: 9, dtype: "float32" });
      const xi = randomArray([4, 5], { seed: 10, dtype: "int32" });
      const x64 = randomArray([4, 5], { seed: 11, dtype: "float64" });
      const x3 = randomArray([4, 5, 6], { seed: 14, dtype: "float32" });
      const cases: [string, Fn, NDArray[]][] = [
        ["a row broadcast", (x, r) => [x.add(r)], [x, row]],
        ["int32", (x) => [x.add(x).mul(3)], [xi]],
        ["float64", (x) => [x.add(x).mul(3)], [x64]],
        ["a sum over a middle axis", (x) => [x.mul(x).sum(1)], [x3]],
        ["an int32 comparison", (x) => [np.where(x.greater(0), x, x.mul(2))], [xi]],
      ];
      // (comparisons that leave the loop, bool inputs and sums over leading axes are wasm
      // now: tests/jit_wasm_mask_test.ts; so is log: tests/kernels_exp_test.ts; sums over
      // trailing or all axes are wasm row loops: tests/jit_row_reduce_test.ts)
      for (const [name, f, args] of cases) {
        assert.equal(wasmLoops(f, args), 0, name);
        assertAllClose(jit(f)(...args), f(...args), { rtol: 1e-6, atol: 1e-6, message: name });
      }
    });
    // below the size threshold even eligible groups stay JS
    const small = randomArray([100], { seed: 12, dtype: "float32" });
    assert.equal(wasmLoops((x) => [x.add(1)], [small]), 0);
    // a large group doing less than one op per array copied stays JS (copies would dominate)
    const big = randomArray([WASM_CHEAP_MAX_ELEMENTS + 4], { seed: 13, dtype: "float32" });
    assert.equal(wasmLoops((x, y) => [x.add(y)], [big, big.neg()]), 0);
    assert.equal(wasmLoops((x) => [x.mul(x).add(x).mul(0.5).sqrt()], [big]), 1);
  });
});
