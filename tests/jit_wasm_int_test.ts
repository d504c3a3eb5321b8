/**
 * jit's wasm loops over int32 and uint32 lanes (src/jit/_codegen_wasm.ts, _wasm_math.ts):
 * integer arrays read into i32x4 lanes, shifts by constant counts (XLA's count rules),
 * and/or/xor, and converts to and from float32, bool and each other. Each group is checked
 * to compile to wasm (`stats.wasmLoops`) and bit for bit against the JS loop
 * (`setJitWasm(false)`) and eager evaluation, over extreme and random 32-bit patterns,
 * float32 rounding ties, tails and several chunks; and a jitted dropout (random bits →
 * shift → convert → float32 ops) runs as one wasm loop.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type DType, jit, lax, type NDArray, np, random } from "../mod.ts";
import { makeRng } from "./_helpers.ts";
import { compile } from "../src/jit/_compile.ts";
import { hasSimd } from "../src/kernels/_wasm.ts";
import {
  setJitWasm,
  setJitWasmMinElements,
  WASM_CHUNK_ELEMENTS,
} from "../src/jit/_codegen_wasm.ts";
import { makeJaxpr } from "../src/jit/jit.ts";

type Fn = (...args: NDArray[]) => NDArray[];

function withMin<T>(min: number, body: () => T): T {
  const was = setJitWasmMinElements(min);
  try {
    return body();
  } finally {
    setJitWasmMinElements(was);
  }
}

/** Runs `f` jitted (wasm), jitted with the JS loops, and eagerly; all equal bit for bit. */
function check(name: string, f: Fn, args: NDArray[], wasm: "all" | "none"): void {
  const ex = compile(makeJaxpr(f)(...args));
  assert.ok(ex.stats.loops >= 1, name);
  const want = wasm === "all" ? ex.stats.loops : 0;
  assert.equal(ex.stats.wasmLoops, want, `${name}\n${ex.describe()}`);
  const simd = jit(f)(...args), eager = f(...args);
  const was = setJitWasm(false);
  let js: NDArray[];
  try {
    js = jit(f)(...args);
  } finally {
    setJitWasm(was);
  }
  simd.forEach((r, i) => {
    for (const [other, what] of [[js[i], "the JS loop"], [eager[i], "eager"]] as const) {
      assert.equal(r.dtype, other.dtype, name);
      const a = r.toTypedArray(), e = other.toTypedArray();
      for (let k = 0; k < e.length; k++) {
        if (Number.isNaN(a[k]) && Number.isNaN(e[k])) continue;
        if (!Object.is(a[k], e[k])) {
          assert.fail(`${name} out ${i}: element ${k} is ${a[k]}, ${what} has ${e[k]}`);
        }
      }
    }
  });
}

/** 32-bit patterns: the extremes and float32 rounding ties first, then random words. */
function words(n: number, seed: number, dtype: "int32" | "uint32"): NDArray {
  const rng = makeRng(seed);
  const edge = [
    0,
    1,
    -1,
    0x7fffffff,
    -0x80000000,
    2 ** 24 + 1, // a tie: rounds to even (2^24)
    2 ** 24 + 3, // a tie: rounds up to 2^24 + 4
    2 ** 25 + 2,
    0x7fffffc0, // a tie below 2^31
    -(2 ** 24) - 1,
    0x80000080 | 0, // uint32: 2^31 + 128, a tie at the top
    0xffffff80 | 0, // uint32: 2^32 − 128, a tie that rounds up to 2^32
    0xffffffff | 0,
  ];
  const d = new Int32Array(n);
  for (let i = 0; i < n; i++) d[i] = i < edge.length ? edge[i] : (rng() * 2 ** 32) | 0;
  const x = np.array(d, { dtype: "int32" });
  return dtype === "int32" ? x : lax.shiftRightLogical(x, 0).astype("uint32");
}

describe("jit() runs int32 and uint32 lanes as wasm", { skip: !hasSimd }, () => {
  it("compileGroupWasm() converts int32 and uint32 to float32 rounded as eager (ties to even)", () => {
    withMin(1, () => {
      const f: Fn = (x) => [x.astype("float32").mul(0.5)];
      for (const d of ["int32", "uint32"] as const) {
        for (const n of [13, 4099, 2 * WASM_CHUNK_ELEMENTS + 7]) {
          check(`${d} n=${n}`, f, [words(n, n, d)], "all");
        }
      }
    });
  });

  it("compileGroupWasm() shifts by constant counts with XLA's rules (−1, 0, 1, 31, 32, 33)", () => {
    withMin(1, () => {
      for (const d of ["int32", "uint32"] as const) {
        for (const s of [-1, 0, 1, 9, 31, 32, 33]) {
          const count = d === "uint32" ? s >>> 0 : s;
          const f: Fn = (x) => [
            lax.shiftLeft(x, count).astype("float32"),
            lax.shiftRightLogical(x, count).astype("float32"),
            lax.shiftRightArithmetic(x, count).astype("float32"),
          ];
          check(`${d} by ${count}`, f, [words(4101, 7 + s, d)], "all");
        }
      }
    });
  });

  it("compileGroupWasm() computes and/or/xor of integers and converts between lane kinds", () => {
    withMin(1, () => {
      const f: Fn = (x, y, v) => {
        const u = x.astype("uint32"); // the same bits
        const mixed = np.bitwiseXor(np.bitwiseAnd(x, y), np.bitwiseOr(x, 0x0f0f));
        return [
          mixed.astype("float32"),
          lax.shiftRightLogical(u, 3).astype("float32"),
          np.where(x.astype("bool"), v, v.neg()), // int → bool: x ≠ 0
          v.greater(0).astype("int32").astype("float32"), // bool → int → float
          // truncated, saturated, NaN → 0 (× 2^k is exact, so the JS loop's float64 product
          // is eager's float32 one)
          v.mul(2 ** 30).astype("int32").astype("float32"),
          v.mul(2 ** 31).astype("uint32").astype("float32"),
          v.astype("int32").astype("float32"), // −1 < v ≤ −0 gives +0
        ];
      };
      const n = 4103, rng = makeRng(5);
      const v = Float32Array.from(
        { length: n },
        (_, i) => i % 7 === 0 ? [NaN, Infinity, -Infinity, -0][i % 4] : rng() * 6 - 3,
      );
      check("mixed", f, [words(n, 1, "int32"), words(n, 2, "int32"), np.array(v)], "all");
    });
  });

  it("compileGroupWasm() leaves groups with integer results or array counts to the JS loop", () => {
    withMin(1, () => {
      const x = words(4099, 3, "int32");
      check("int output", (a) => [lax.shiftRightLogical(a, 9)], [x], "none");
      check(
        "array count",
        (a, s) => [lax.shiftLeft(a, s).astype("float32")],
        [x, np.array(Array.from({ length: 4099 }, (_, i) => i % 40), { dtype: "int32" })],
        "none",
      );
    });
  });

  it("jit() runs a dropout (random bits, shift, convert, compare, select) as one wasm loop", () => {
    const f = (key: NDArray, h: NDArray) => {
      const u = random.uniform(key, h.shape);
      return [np.where(u.less(0.8), h.div(0.8), 0)];
    };
    const key = random.key(3);
    const h = random.normal(random.key(4), [64, 512]);
    const ex = compile(makeJaxpr(f)(key, h));
    assert.equal(ex.stats.wasmLoops, 1, ex.describe());
    const wasm = jit(f)(key, h)[0].toTypedArray(), eager = f(key, h)[0].toTypedArray();
    const was = setJitWasm(false);
    const js = jit(f)(key, h)[0].toTypedArray();
    setJitWasm(was);
    // the JS loop divides; the wasm loop multiplies by the reciprocal of 0.8 (1.25 in
    // float32), as XLA does: the same as the eager program that multiplies
    assert.deepEqual(js, eager);
    const u = random.uniform(key, h.shape);
    assert.deepEqual(
      wasm,
      np.where(u.less(0.8), h.mul(Math.fround(1 / Math.fround(0.8))), 0).toTypedArray(),
    );
    // about 20% dropped
    const dropped = wasm.filter((v) => v === 0).length / wasm.length;
    assert.ok(dropped > 0.18 && dropped < 0.22, `dropped ${dropped}`);
  });

  it("jit() dtype of uniform draws stays float32 and equals (bits >>> 9) · 2^-23", () => {
    const key = random.key(11);
    const u = jit((k: NDArray) => random.uniform(k, [4096]))(key);
    const w = random.bits(key, [4096]).toTypedArray() as Int32Array;
    assert.equal(u.dtype, "float32" as DType);
    assert.deepEqual(u.toTypedArray(), Float32Array.from(w, (x) => (x >>> 9) * 2 ** -23));
  });
});
