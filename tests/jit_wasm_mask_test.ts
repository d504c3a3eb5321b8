/**
 * jit's wasm loops beyond plain float32 arithmetic (src/jit/_codegen_wasm.ts): bool masks
 * (comparisons, and/or/xor, logical not, convert to and from float32, bool arrays read and
 * written), rows broadcast along leading axes (a bias), and sums over leading axes (a bias
 * gradient). Each is checked bit for bit against the JS loop (`setJitWasm(false)`) and the
 * eager kernels, with NaN/±inf/−0 inputs, tails, several chunks and a sum spanning chunks,
 * and checked to compile to wasm at all (`stats.wasmLoops`).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { grad, jit, type NDArray, nn, np, random } from "../mod.ts";
import { assertAllClose, makeRng } from "./_helpers.ts";
import { compile } from "../src/jit/_compile.ts";
import { hasSimd } from "../src/kernels/_wasm.ts";
import { setJitWasm, setJitWasmSplitMin, WASM_CHUNK_ELEMENTS } from "../src/jit/_codegen_wasm.ts";
import { makeJaxpr } from "../src/jit/jit.ts";
import { withMin } from "./_jit_wasm.ts";

type Fn = (...args: NDArray[]) => NDArray[];

/** The compiled program's loop counts: all fused loops, and those that are wasm. */
function loops(f: Fn, args: NDArray[]): { loops: number; wasmLoops: number; text: string } {
  const ex = compile(makeJaxpr(f)(...args));
  return { ...ex.stats, text: ex.describe() };
}

/** `f` under jit with the wasm loops off: the JS loops. */
function jsLoops(f: Fn, args: NDArray[]): NDArray[] {
  const was = setJitWasm(false);
  try {
    return jit(f)(...args);
  } finally {
    setJitWasm(was);
  }
}

/**
 * Asserts equal dtypes, shapes and values bit for bit, except that any NaN matches any NaN
 * and, with `zeroSign: false`, +0 matches −0.
 */
function assertSame(
  actual: NDArray,
  expected: NDArray,
  message: string,
  zeroSign = true,
): void {
  assert.equal(actual.dtype, expected.dtype, message);
  assert.deepEqual(actual.shape, expected.shape, message);
  const a = actual.toTypedArray(), e = expected.toTypedArray();
  for (let i = 0; i < e.length; i++) {
    if (Number.isNaN(e[i]) && Number.isNaN(a[i])) continue;
    if (!zeroSign && a[i] === 0 && e[i] === 0) continue;
    assert.ok(Object.is(a[i], e[i]), `${message}: element ${i} is ${a[i]}, expected ${e[i]}`);
  }
}

/**
 * Runs `f` jitted (wasm), jitted with the JS loops, and eagerly; asserts that `wasm` ("all"
 * or "none") of the program's fused loops are wasm loops and that wasm equals both. `exactJs`: the JS loop's values are float32
 * before every rounding the wasm loop does (selects, comparisons, masks), so they agree bit
 * for bit; otherwise to float32 rounding. Sums start from +0 as the JS loop's do, where the
 * eager fold starts from the first row: a column of −0 sums to +0 here, −0 eagerly.
 */
function check(
  name: string,
  f: Fn,
  args: NDArray[],
  wasm: "all" | "none",
  exactJs = true,
): void {
  const stats = loops(f, args);
  assert.ok(stats.loops >= 1, name);
  assert.equal(stats.wasmLoops, wasm === "all" ? stats.loops : 0, `${name}\n${stats.text}`);
  const simd = jit(f)(...args), js = jsLoops(f, args), eager = f(...args);
  simd.forEach((r, i) => {
    if (exactJs) assertSame(r, js[i], `${name} out ${i} vs the JS loop`);
    else assertAllClose(r, js[i], { rtol: 1e-6, atol: 1e-5, message: `${name} out ${i}` });
    assertSame(r, eager[i], `${name} out ${i} vs eager`, false);
  });
}

/** float32 values in [-2, 2) with NaN, ±inf, ±0 at every third place when `special`. */
function f32(shape: number[], seed: number, special = true): NDArray {
  const rng = makeRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const odd = [NaN, Infinity, -Infinity, 0, -0];
  const d = Float32Array.from({ length: n }, () => rng() * 4 - 2);
  if (special) { for (let i = 0; i < n; i += 3) d[i] = odd[Math.floor(rng() * odd.length)]; }
  return np.array(d, { shape, dtype: "float32" });
}

/** A random bool array (about half true). */
function bools(shape: number[], seed: number): NDArray {
  return f32(shape, seed, false).greater(0);
}

describe("jit() runs bool masks, row broadcasts and leading-axis sums as wasm", {
  skip: !hasSimd,
}, () => {
  it("compileGroupWasm() combines masks with and, or, xor and logical not as the JS loop does", () => {
    withMin(1, () => {
      const f: Fn = (x, y) => {
        const a = x.greater(0), b = y.lessEqual(0.5);
        return [
          np.where(np.logicalAnd(a, b), x, y),
          np.where(np.logicalOr(a, np.logicalNot(b)), y, x.neg()),
          np.where(np.logicalXor(a, b), x.abs(), y.maximum(x)),
        ];
      };
      for (const n of [1, 7, 4097]) check(`n=${n}`, f, [f32([n], n), f32([n], n + 1)], "all");
    });
  });

  it("compileGroupWasm() stores masks that leave the loop as 0/1 bool arrays", () => {
    withMin(1, () => {
      const f: Fn = (x, y) => {
        const a = x.less(y), b = np.logicalNot(x.equal(y));
        return [a, np.logicalXor(a, b), np.logicalOr(b, x.greater(1)), np.where(a, x, y)];
      };
      for (const n of [3, 33, 2 * WASM_CHUNK_ELEMENTS + 5]) {
        check(`n=${n}`, f, [f32([n], 2 * n), f32([n], 2 * n + 1)], "all");
      }
    });
  });

  it("compileGroupWasm() reads bool arrays as masks", () => {
    withMin(1, () => {
      const f: Fn = (x, m) => [
        np.where(m, x, 0),
        np.where(np.logicalAnd(m, x.greater(0)), x.neg(), x),
        np.logicalNot(m),
      ];
      for (const n of [5, 64, WASM_CHUNK_ELEMENTS + 3]) {
        check(`n=${n}`, f, [f32([n], 3 * n), bools([n], 3 * n + 1)], "all");
      }
    });
  });

  it("compileGroupWasm() reads captured bool constants, uniform or not", () => {
    withMin(1, () => {
      const n = 4099, m = bools([n], 61);
      const f: Fn = (x) => [
        np.where(m, x, x.neg()),
        np.where(np.logicalAnd(np.full([n], true), x.less(m.astype("float32"))), x, 0),
      ];
      check("captured", f, [f32([n], 62)], "all");
    });
  });

  it("jit() with precision: exact runs mask groups as wasm, equal to eager", () => {
    withMin(1, () => {
      const f = (x: NDArray, b: NDArray) => {
        const h = x.add(b);
        return [np.where(np.logicalNot(h.lessEqual(0)), h, 0)];
      };
      const x = f32([64, 36], 63), b = f32([36], 64);
      assertSame(jit(f, { precision: "exact" })(x, b)[0], f(x, b)[0], "exact");
      assert.equal(compile(makeJaxpr(f)(x, b), { exact: true }).stats.wasmLoops, 1);
    });
  });

  it("compileGroupWasm() converts masks to 1.0/0.0 and float32 to masks (x ≠ 0, NaN true)", () => {
    withMin(1, () => {
      const f: Fn = (x, y) => [
        x.greater(y).astype("float32").mul(x),
        np.logicalAnd(x, y), // float operands: x ≠ 0 and y ≠ 0
        np.where(x.astype("bool"), y, x),
      ];
      const x = np.array([NaN, 0, -0, 1, -Infinity, 2, 0.5, NaN, -3], { dtype: "float32" });
      const y = np.array([1, NaN, 2, -0, 0, 2, Infinity, NaN, 1], { dtype: "float32" });
      check("specials", f, [x, y], "all");
      check("n=4099", f, [f32([4099], 9), f32([4099], 10)], "all");
    });
  });

  it("compileGroupWasm() reads a bias broadcast along the leading axes by rows", () => {
    const f: Fn = (x, b) => {
      const h = x.add(b);
      const keep = np.logicalNot(h.lessEqual(0));
      return [np.where(keep, h, 0), keep];
    };
    // [r, c] with c a multiple of 4, over several chunks (the row wraps inside a chunk)
    check("[130, 252]", f, [f32([130, 252], 1), f32([252], 2)], "all");
    check("[3, 40, 68]", f, [f32([3, 40, 68], 3), f32([40, 68], 4)], "all");
    check("[4097, 1, 4]", f, [f32([4097, 1, 4], 5), f32([1, 1, 4], 6)], "all");
    // a row whose length is not a multiple of 4 stays a JS loop
    check("[4097, 5]", f, [f32([4097, 5], 7), f32([5], 8)], "none");
  });

  it("compileGroupWasm() sums over leading axes in the JS loop's order, across chunks", () => {
    const f: Fn = (g, m) => {
      const d = np.where(m, g, 0);
      return [d, d.sum(0)];
    };
    for (const shape of [[128, 256], [3000, 12], [2, 8204], [4100, 4]]) {
      const args = [f32(shape, shape[0]), bools(shape, shape[1])];
      check(`${shape}`, f, args, "all");
    }
    // several leading axes, size-1 axes among them
    const g: Fn = (x) => [x.abs().sum([0, 1]), np.where(x.greater(0), x, x.neg()).sum([0, 2])];
    check("[5, 7, 1, 120]", (x) => [g(x)[0]], [f32([5, 7, 1, 120], 11)], "all");
    check("[5, 1, 9, 120]", (x) => [g(x)[1]], [f32([5, 1, 9, 120], 12)], "all");
    // a column of −0 only: +0 from the fused sum (it starts at +0, as the JS loop)
    const z = np.full([4096, 4], -0, { dtype: "float32" });
    const [s] = jit((x: NDArray) => [x.neg().neg().sum(0)])(z);
    assert.deepEqual([...s.toTypedArray()].map((v) => Object.is(v, 0)), [true, true, true, true]);
  });

  it("compileGroupWasm() sums rounded float32 operands, equal to eager bit for bit", () => {
    // the JS loop sums its double-precision products; wasm, like eager, sums float32 ones
    const f: Fn = (x, y, b) => [x.mul(y).add(b).sum(0), x.div(y).sum([0, 1])];
    const args = [f32([9, 100, 24], 21), f32([9, 100, 24], 22), f32([100, 24], 23)];
    check("mul, add, sum", f, args, "all", false);
  });

  it("compileGroupWasm() leaves mixed periods to the JS loop; full and trailing sums are row loops", () => {
    withMin(1, () => {
      const x = f32([64, 128], 31);
      // (the row loops of _codegen_wasm_rows.ts: tests/jit_row_reduce_test.ts)
      check("full sum", (x) => [x.abs().sum()], [x], "all");
      check("trailing-axis sum", (x) => [x.abs().sum(1)], [x], "all");
      const x3 = f32([64, 16, 8], 33), r8 = f32([8], 34);
      check("row period 8, sum period 128", (x, r) => [x.add(r).sum(0)], [x3, r8], "none");
      check("sum of a mask", (x) => [x.greater(0).sum(0)], [x], "none");
    });
  });

  it("compileGroupWasm() takes large select groups, which the JS loop runs as branches", () => {
    const shape = [512, 256];
    check("select", (g, m) => [np.where(m, g, 0)], [f32(shape, 71), bools(shape, 72)], "all");
    check(
      "select, sum",
      (g, m) => {
        const d = np.where(m, g, 0);
        return [d, d.sum(0)];
      },
      [f32(shape, 73), bools(shape, 74)],
      "all",
    );
    // a large add of two arrays still costs more to copy than it saves
    check("add", (x, y) => [x.add(y)], [f32(shape, 75), f32(shape, 76)], "none");
  });

  it("compileGroupWasm() keeps rows and sums of any period in one shared instance", () => {
    // one structure, two periods: the second grows the instance's memory, the first still works
    const f: Fn = (x, b) => [np.where(x.add(b).greater(0), x, b.neg()).sum(0)];
    withMin(1, () => {
      for (const [r, c] of [[4096, 4], [8, 8192], [4096, 4], [2, 65536]]) {
        check(`[${r}, ${c}]`, f, [f32([r, c], r), f32([c], c)], "all");
      }
    });
  });

  it("compileGroupWasm() does not split groups with sums across threads", () => {
    const was = setJitWasmSplitMin({ elements: 1, work: 1, opsPerCopy: 0 });
    try {
      const f: Fn = (x, m) => [np.where(m, x.mul(x), 0).sum(0), x.abs().sqrt().add(x)];
      check("split", f, [f32([300, 256], 41), bools([300, 256], 42)], "all", false);
    } finally {
      setJitWasmSplitMin(was);
    }
  });

  it("grad() of a relu MLP under jit runs its bias, ReLU and bias gradient loops as wasm", () => {
    const model = nn.mlp([64, 128, 128, 8]);
    const params = model.init(random.key(3));
    const x = f32([128, 64], 51, false), y = f32([128, 8], 52, false);
    const loss = (p: typeof params, x: NDArray, y: NDArray) =>
      model.apply(p, x).sub(y).square().mean();
    const dloss = (p: typeof params, x: NDArray, y: NDArray) => grad(loss)(p, x, y);
    const flat = (p: typeof params) => p.flatMap(({ w, b }) => [w, b]);
    const stats = compile(makeJaxpr((x: NDArray, y: NDArray) => flat(dloss(params, x, y)))(x, y))
      .stats;
    // two forward bias + ReLU loops and two backward ReLU + bias gradient loops
    assert.ok(stats.wasmLoops >= 4, JSON.stringify(stats));
    const simd = flat(jit(dloss)(params, x, y));
    const was = setJitWasm(false);
    let js: NDArray[];
    try {
      js = flat(jit(dloss)(params, x, y));
    } finally {
      setJitWasm(was);
    }
    simd.forEach((g, i) => assertSame(g, js[i], `gradient ${i} vs the JS loops`));
    assertAllClose(simd, flat(dloss(params, x, y)), { rtol: 1e-5, atol: 1e-7 });
  });
});
