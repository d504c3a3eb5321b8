/**
 * jit's wasm loops read columns — inputs broadcast along trailing axes, element ⌊i / K⌋ of a
 * [M, 1] array across [M, K] (softmax's max and sum, a normalisation's mean) — splatted from
 * wasm memory, advancing every K/4 vectors across the 16,384-element chunks. Each case must
 * equal the JS loop bit for bit (exact programs), and run as one wasm loop when K is a
 * multiple of 4.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { jit, type NDArray, nn, np } from "../mod.ts";
import { compile } from "../src/jit/_compile.ts";
import { makeJaxpr } from "../src/jit/jit.ts";
import { hasSimd } from "../src/kernels/_wasm.ts";
import { setJitWasm } from "../src/jit/_codegen_wasm.ts";
import { assertSameF32, makeRng, randomF32 } from "./_helpers.ts";
import { withMin } from "./_jit_wasm.ts";

type Fn = (...xs: NDArray[]) => NDArray;

function arr(shape: number[], seed: number): NDArray {
  const rng = makeRng(seed), n = shape.reduce((a, b) => a * b, 1);
  const d = randomF32(n, () => (rng() - 0.5) * 6);
  if (n > 3) d.set([NaN, Infinity, -0]);
  return np.array(d, { shape });
}

/** Asserts `f` runs as `wasm` wasm loops and equals the JS loop bit for bit (exact programs). */
function check(f: Fn, args: NDArray[], wasm: number, what: string): void {
  withMin(4, () => {
    const ex = compile(makeJaxpr(f)(...args), { exact: true });
    assert.equal(ex.stats.wasmLoops, wasm, `${what}: ${ex.describe().slice(0, 300)}`);
    const got = jit(f, { precision: "exact" })(...args);
    const was = setJitWasm(false);
    try {
      assertSameF32(got, jit(f, { precision: "exact" })(...args), what);
    } finally {
      setJitWasm(was);
    }
  });
}

describe("jit()'s wasm loops read columns", { skip: !hasSimd }, () => {
  it("a [M, 1] column across [M, K] for K = 4, 8, 12 and across chunk boundaries", () => {
    for (const [M, K] of [[5, 4], [3, 8], [7, 12], [3, 16388], [40, 2052], [2, 3 * 16384]]) {
      const x = arr([M, K], M + K), c = arr([M, 1], K);
      check((x, c) => x.sub(c).exp().div(c), [x, c], 1, `[${M}, ${K}]`);
    }
  });

  it("columns over several trailing axes, with a leading batch, and next to rows", () => {
    const x = arr([3, 4, 6, 8], 1);
    check((x, c) => x.mul(c), [x, arr([3, 4, 1, 1], 2)], 1, "[3,4,1,1] across [3,4,6,8]");
    check((x, c) => x.add(c), [x, arr([3, 4, 6, 1], 3)], 1, "[3,4,6,1]");
    check((x, c, r) => x.sub(c).mul(r), [x, arr([3, 4, 6, 1], 4), arr([8], 5)], 1, "col + row");
  });

  it("leaves runs that are not a multiple of 4, and middle-axis broadcasts, to the JS loop", () => {
    check((x, c) => x.sub(c), [arr([6, 5], 6), arr([6, 1], 7)], 0, "K = 5");
    check((x, c) => x.sub(c), [arr([4, 3, 8], 8), arr([4, 1, 8], 9)], 0, "middle axis");
  });

  it("makes softmax over the last axis one wasm loop per elementwise group", () => {
    const x = arr([64, 1000], 10);
    const ex = compile(makeJaxpr((v: NDArray) => nn.softmax(v))(x), { exact: true });
    assert.ok(ex.stats.wasmLoops >= 2, ex.describe().slice(0, 400));
    const got = jit((v: NDArray) => nn.softmax(v), { precision: "exact" })(x);
    const was = setJitWasm(false);
    try {
      assertSameF32(got, nn.softmax(x), "softmax");
    } finally {
      setJitWasm(was);
    }
  });
});
