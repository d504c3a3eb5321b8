import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { assertSameF32, makeRng, randomF32 } from "./_helpers.ts";
import { matmulInto, matmulThreads, setMatmulThreads } from "../src/kernels/_dispatch.ts";
import { helpersReady, parallelStats, setHelperSpinUs } from "../src/kernels/_parallel.ts";
import { matmulF32Parallel } from "../src/kernels/_parallel_matmul.ts";
import { matmulF32Wasm } from "../src/kernels/matmul.ts";

interface Case {
  m: number;
  k: number;
  n: number;
  transA: boolean;
  transB: boolean;
}

/**
 * Runs op(A)·op(B) through matmulF32Parallel and through the one-thread wasm
 * kernel (same offsets, same sentinels around the output) and compares.
 */
function compare(c: Case, seed: number, fill?: (a: Float32Array) => void): void {
  const next = makeRng(seed);
  const aOff = 3, bOff = 5, outOff = 7;
  const a = randomF32(aOff + c.m * c.k + 2, next);
  const b = randomF32(bOff + c.k * c.n + 2, next);
  fill?.(a);
  const one = new Float32Array(outOff + c.m * c.n + 4).fill(-9);
  const two = new Float32Array(outOff + c.m * c.n + 4).fill(-9);
  const args = [c.m, c.k, c.n, c.transA, c.transB] as const;
  matmulF32Wasm!(a, aOff, b, bOff, one, outOff, ...args);
  const ran = matmulF32Parallel(a, aOff, b, bOff, two, outOff, ...args);
  const what = `[${c.m}×${c.k}]·[${c.k}×${c.n}] transA=${c.transA} transB=${c.transB}`;
  assert.ok(ran, `${what}: the parallel path declined`);
  assertSameF32(two, one, what);
}

// odd sizes: padded rows (m not a multiple of 6), columns (n not a multiple of 8) and depth
// (k not a multiple of 8), several k-blocks of 512, a short last chunk
const SHAPES: [number, number, number][] = [
  [131, 517, 259],
  [200, 1030, 77],
  [97, 64, 1000],
  [256, 256, 256],
];

const canRun = matmulF32Wasm !== null && typeof SharedArrayBuffer === "function";

describe("parallel float32 matmul", { skip: !canRun }, () => {
  const threadsBefore = matmulThreads();
  before(async () => {
    setMatmulThreads(2);
    // generous: on a loaded 2-core machine a worker can take seconds to load its module
    assert.ok(await helpersReady(30_000), "the helper worker did not start within 30 s");
  });
  after(() => setMatmulThreads(threadsBefore));

  it("matmulF32Parallel() equals the one-thread kernel for every transA/transB on odd shapes", () => {
    let seed = 1;
    for (const [m, k, n] of SHAPES) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) compare({ m, k, n, transA, transB }, seed++);
      }
    }
  });

  it("matmulF32Parallel() keeps infinities and NaNs in their own rows, as one thread does", () => {
    compare({ m: 131, k: 517, n: 259, transA: false, transB: false }, 7, (a) => {
      for (let i = 0; i < a.length; i += 997) a[i] = i % 2 ? Infinity : NaN;
    });
    compare({ m: 131, k: 517, n: 259, transA: true, transB: true }, 8, (a) => {
      for (let i = 0; i < a.length; i += 1013) a[i] = -Infinity;
    });
  });

  it("matmulF32Parallel() gives the same results over many calls in a row, shapes alternating", () => {
    const cases: Case[] = [
      { m: 128, k: 784, n: 256, transA: false, transB: false },
      { m: 784, k: 128, n: 256, transA: true, transB: false },
      { m: 128, k: 256, n: 784, transA: false, transB: true },
      { m: 90, k: 300, n: 100, transA: true, transB: true },
    ];
    for (let i = 0; i < 40; i++) compare(cases[i % cases.length], 100 + i);
  });

  it("matmulF32Parallel() lets the helper compute chunks", () => {
    const before = parallelStats.helperChunks;
    const end = performance.now() + 5000;
    // the helper claims chunks as soon as it wakes; on a busy machine that may take a few calls
    while (parallelStats.helperChunks === before && performance.now() < end) {
      compare({ m: 256, k: 256, n: 256, transA: false, transB: false }, 3);
    }
    assert.ok(parallelStats.helperChunks > before, "the helper never claimed a chunk");
  });

  it("matmulF32Parallel() hands off hundreds of jobs in a row, helpers awake or asleep, without a lost wake-up", async () => {
    // postJob() notifies only a helper counted asleep, and a helper's last chunk notifies
    // only a caller flagged asleep: a lost wake-up leaves the caller asleep until its
    // seconds-long timeout (or the helper until the next job's notify, the caller doing
    // every chunk meanwhile)
    const { jobs, helperChunks, helperWakes, callerSleeps, callerTimeouts } = parallelStats;
    const cases: Case[] = [
      { m: 64, k: 128, n: 128, transA: false, transB: false },
      { m: 256, k: 256, n: 256, transA: false, transB: false },
    ];
    const spinBefore = setHelperSpinUs(0);
    for (let i = 0; i < 300; i++) {
      // the second half with helpers polling 200 µs for the next job before they sleep
      if (i === 150) setHelperSpinUs(200);
      compare(cases[i % 2], 1000 + (i % 7));
      // back to back, or after a pause long enough for the helper to fall asleep
      if (i % 4 === 3) await new Promise((r) => setTimeout(r, i % 8 === 7 ? 2 : 0));
    }
    // whether the caller ever waits on a helper depends on scheduling (on an idle machine the
    // caller can finish every chunk first): give it more jobs, back to back, until it has
    let extra = 0;
    for (; parallelStats.callerSleeps === callerSleeps && extra < 2000; extra++) {
      compare(cases[1], 2000 + (extra % 7));
    }
    setHelperSpinUs(spinBefore);
    assert.equal(matmulThreads(), 2, "a hand-off stalled and the parallel path turned off");
    assert.equal(parallelStats.callerTimeouts, callerTimeouts, "the caller missed a wake-up");
    assert.equal(parallelStats.jobs, jobs + 300 + extra);
    assert.ok(parallelStats.helperChunks > helperChunks, "the helper never claimed a chunk");
    // both sleeping paths were taken (so the wake-ups above were tested, not skipped)
    assert.ok(parallelStats.helperWakes > helperWakes, "no job had to wake a sleeping helper");
    assert.ok(parallelStats.callerSleeps > callerSleeps, "the caller never slept on a helper");
  });

  it("matmulF32Parallel() with two helpers (three threads) equals the one-thread kernel", async () => {
    setMatmulThreads(3);
    try {
      assert.ok(await helpersReady(30_000), "two helper workers did not start within 30 s");
      let seed = 50;
      for (const [m, k, n] of SHAPES) compare({ m, k, n, transA: false, transB: true }, seed++);
    } finally {
      setMatmulThreads(2);
      await helpersReady(30_000);
    }
  });

  it("matmulInto() splits large float32 products and matches the one-thread kernel", () => {
    const jobs = parallelStats.jobs;
    const next = makeRng(9);
    const a = randomF32(200 * 150, next), b = randomF32(150 * 120, next);
    const one = new Float32Array(200 * 120), two = new Float32Array(200 * 120);
    matmulF32Wasm!(a, 0, b, 0, one, 0, 200, 150, 120, false, false);
    matmulInto(a, 0, b, 0, two, 0, 200, 150, 120, false, false);
    assertSameF32(two, one, "matmulInto");
    assert.equal(parallelStats.jobs, jobs + 1);
  });

  it("setMatmulThreads(1) keeps every product on the calling thread", () => {
    setMatmulThreads(1);
    try {
      assert.equal(matmulThreads(), 1);
      const a = new Float32Array(256 * 256).fill(1);
      const out = new Float32Array(256 * 256);
      assert.equal(matmulF32Parallel(a, 0, a, 0, out, 0, 256, 256, 256, false, false), false);
      const jobs = parallelStats.jobs;
      matmulInto(a, 0, a, 0, out, 0, 256, 256, 256, false, false);
      assert.equal(parallelStats.jobs, jobs);
      assert.equal(out[12345], 256);
    } finally {
      setMatmulThreads(2);
    }
  });

  it("setMatmulThreads() rejects a count that is not a positive integer", () => {
    assert.throws(() => setMatmulThreads(0), RangeError);
    assert.throws(() => setMatmulThreads(1.5), RangeError);
  });

  it("matmulF32Parallel() declines arguments out of range instead of throwing", () => {
    const a = new Float32Array(100);
    assert.equal(matmulF32Parallel(a, 0, a, 0, a, 0, 64, 64, 64, false, false), false);
    assert.throws(
      () => matmulInto(a, 0, a, 0, new Float32Array(64 * 64), 0, 64, 64, 64, false, false),
      RangeError,
    );
  });
});

describe("parallel float32 matmul in a child process", { skip: !canRun }, () => {
  const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
  const fixture = fileURLToPath(new URL("./fixtures/matmul_exit.ts", import.meta.url));
  const run = (args: string[]) => {
    const started = performance.now();
    const r = spawnSync(process.execPath, ["run", ...args], {
      encoding: "utf8",
      timeout: 30_000,
      env: { ...process.env, NO_COLOR: "1" },
    });
    return { ...r, seconds: (performance.now() - started) / 1000 };
  };
  const perms = isDeno ? ["--allow-read"] : [];
  const sum = 256 * 256 * 256;

  for (const mode of ["cold", "warm"]) {
    it(`a script whose matmulInto() started helpers exits on its own (${mode})`, () => {
      const r = run([...perms, fixture, mode]);
      assert.equal(r.signal, null, `killed after ${r.seconds.toFixed(1)} s: it hung`);
      assert.equal(r.status, 0, r.stderr);
      const expected = mode === "warm" ? `warm ready=true jobs=true sum=${sum}` : `cold sum=${sum}`;
      assert.equal(r.stdout.trim(), expected);
    });
  }

  it(
    "matmulInto() stays on one thread, silently, under Deno without --allow-read",
    { skip: !isDeno },
    () => {
      // Deno.Command: node:child_process would add Deno's own permissions to a deno child
      const deno = (globalThis as unknown as {
        Deno: {
          execPath(): string;
          Command: new (cmd: string, o: { args: string[]; env: Record<string, string> }) => {
            outputSync(): { code: number; stdout: Uint8Array; stderr: Uint8Array };
          };
        };
      }).Deno;
      const r = new deno.Command(deno.execPath(), {
        args: ["run", "--no-prompt", fixture, "warm"],
        env: { NO_COLOR: "1" },
      }).outputSync();
      const text = new TextDecoder();
      assert.equal(r.code, 0, text.decode(r.stderr));
      assert.equal(text.decode(r.stdout).trim(), `warm ready=false jobs=false sum=${sum}`);
      assert.equal(text.decode(r.stderr).trim(), "");
    },
  );
});
