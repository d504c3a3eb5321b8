/**
 * jit's wasm loops split across the matmul's helper threads
 * (src/kernels/_parallel_map.ts, src/jit/_codegen_wasm.ts): the split loop gives
 * the one-thread loop's results bit for bit — for lengths on and off the 16,384-lane
 * chunk boundaries, NaN/±Inf/±0/denormal inputs, scalar inputs, several outputs —
 * and a lane flagged for JS (sin of a huge argument) reruns the call as the JS loop.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { jit, lax, type NDArray, np } from "../mod.ts";
import { assertSameF32, makeRng } from "./_helpers.ts";
import { hasSimd } from "../src/kernels/_wasm.ts";
import { setJitWasm, setJitWasmMinElements, setJitWasmSplitMin } from "../src/jit/_codegen_wasm.ts";
import { mapStats, resetMapBackoff } from "../src/kernels/_parallel_map.ts";
import { getThreads, helpersReady, setThreads } from "../src/kernels/_parallel.ts";

type Fn = (...args: NDArray[]) => NDArray[];

/** float32 values in [-4, 4), with NaN, ±Inf, ±0 and denormals every 7th element. */
function f32(n: number, seed: number): NDArray {
  const rng = makeRng(seed);
  const odd = [NaN, Infinity, -Infinity, 0, -0, 1e-40, -3e-39];
  const d = Float32Array.from({ length: n }, () => rng() * 8 - 4);
  for (let i = 0; i < n; i += 7) d[i] = odd[Math.floor(rng() * odd.length)];
  return np.array(d, { shape: [n], dtype: "float32" });
}

/** `f` jitted afresh on one thread (the helpers kept for later). */
function oneThread(f: Fn, args: NDArray[]): NDArray[] {
  const was = getThreads();
  setThreads(1);
  try {
    return jit(f)(...args);
  } finally {
    setThreads(was);
  }
}

const selu: Fn = (x, s) => [
  np.where(np.greater(x, 0), x, x.exp().mul(1.6732632).sub(1.6732632)).mul(s),
  x.tanh().mul(x.sin()).add(x.mul(x)),
];

describe("jit() splits large wasm loops across the helper threads", { skip: !hasSimd }, () => {
  let ready = false, was: { elements: number; work: number }, wasMin: number;
  before(async () => {
    // every wasm group of ≥ 4 elements splits, so short lengths exercise the chunk edges
    was = setJitWasmSplitMin({ elements: 4, work: 0, opsPerCopy: 0 });
    wasMin = setJitWasmMinElements(4);
    ready = await helpersReady(30_000);
  });
  after(() => {
    setJitWasmSplitMin(was);
    setJitWasmMinElements(wasMin);
  });

  it("a split SELU and tanh·sin chain equal the one-thread loop bit for bit at chunk edges", (t) => {
    if (!ready) return t.skip("no helper thread started within 30 s");
    for (const n of [4, 5, 16383, 16384, 16385, 3 * 16384 + 3, 5 * 16384 - 1]) {
      const args = [f32(n, n), np.array(1.05, { dtype: "float32" })];
      const jobs = mapStats.jobs;
      resetMapBackoff(); // a slow job before (a loaded machine) may have paused splitting
      const split = jit(selu)(...args);
      assert.ok(mapStats.jobs > jobs, `n=${n}: the loop did not run split`);
      const one = oneThread(selu, args);
      split.forEach((r, i) => assertSameF32(r, one[i], `n=${n} out ${i}`));
    }
  });

  it("a split loop of exact ops equals eager, and returns fresh arrays", (t) => {
    if (!ready) return t.skip("no helper thread started within 30 s");
    const f: Fn = (a, b) => [a.mul(b).add(a).div(b.abs().add(1)), np.maximum(a, b).sqrt()];
    const args = [f32(40000, 1), f32(40000, 2)];
    const g = jit(f);
    resetMapBackoff();
    const jobs = mapStats.jobs;
    const r1 = g(...args);
    assert.ok(mapStats.jobs > jobs, "the loop did not run split");
    const r2 = g(...args), eager = f(...args);
    r1.forEach((r, i) => assertSameF32(r, eager[i], `out ${i}`));
    assert.notEqual(r1[0].toTypedArray(), r2[0].toTypedArray());
    assertSameF32(r2[0], r1[0], "second call");
  });

  it("a split loop reading int32 and uint32 arrays equals the one-thread loop", (t) => {
    if (!ready) return t.skip("no helper thread started within 30 s");
    const n = 3 * 16384 + 5, rng = makeRng(12);
    const u = np.array(Uint32Array.from({ length: n }, () => (rng() * 2 ** 32) >>> 0));
    const i = np.array(Int32Array.from({ length: n }, () => Math.floor((rng() - 0.5) * 2 ** 31)));
    const f: Fn = (u, i) => [
      lax.shiftRightLogical(u, 9).astype("float32").mul(2 ** -23).log()
        .add(i.astype("float32").mul(1e-9).exp()),
    ];
    const jobs = mapStats.jobs;
    resetMapBackoff();
    const split = jit(f)(u, i);
    assert.ok(mapStats.jobs > jobs, "the loop did not run split");
    assertSameF32(split[0], oneThread(f, [u, i])[0], "split vs one thread");
  });

  it("a lane flagged in a helper's chunk reruns the whole call as the JS loop", (t) => {
    if (!ready) return t.skip("no helper thread started within 30 s");
    const n = 4 * 16384;
    const d = f32(n, 3).toTypedArray() as Float32Array;
    d[n - 5] = 3e6; // sin of |x| ≥ 1e5 is left to the JS loop, in the last chunk
    const x = np.array(d);
    const f: Fn = (x) => [x.sin().mul(x.cos())];
    const jobs = mapStats.jobs;
    resetMapBackoff();
    const split = jit(f)(x);
    assert.ok(mapStats.jobs > jobs, "the loop did not run split");
    const wasm = setJitWasm(false);
    try {
      assertSameF32(split[0], jit(f)(x)[0], "split vs JS loop");
    } finally {
      setJitWasm(wasm);
    }
  });
});

describe("jit() keeps copy-bound wasm loops on one thread", { skip: !hasSimd }, () => {
  it("Adam's update (13 ops over 7 arrays) runs on one thread; SELU (15 ops, 2 arrays) splits", async (t) => {
    if (!(await helpersReady(30_000))) return t.skip("no helper thread started within 30 s");
    const n = 784 * 512, w = f32(n, 5), g = f32(n, 6), m = f32(n, 7), v = f32(n, 8);
    const adam: Fn = (p, g, m, v) => {
      const m2 = m.mul(0.9).add(g.mul(0.1)), v2 = v.mul(0.999).add(g.mul(g).mul(0.001));
      return [p.sub(m2.div(v2.abs().sqrt().add(1e-8)).mul(1e-3)), m2, v2];
    };
    resetMapBackoff();
    let jobs = mapStats.jobs;
    jit(adam)(w, g, m, v);
    assert.equal(mapStats.jobs, jobs, "Adam's update was split");
    jobs = mapStats.jobs;
    jit(selu)(f32(1 << 20, 9), np.array(1.05, { dtype: "float32" }));
    assert.ok(mapStats.jobs > jobs, "SELU was not split");
  });
});
