import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { assertSameF32, makeRng, randomF32 } from "./_helpers.ts";
import { matmulThreads, setMatmulThreads } from "../src/kernels/_dispatch.ts";
import { helpersReady, parallelStats } from "../src/kernels/_parallel.ts";
import { matmulF32Parallel, setSplitMode } from "../src/kernels/_parallel_matmul.ts";
import {
  defaultGemmConfig,
  type GemmConfig,
  type GemmExports,
  gemmModuleBytes,
  matmulF32Wasm,
} from "../src/kernels/matmul.ts";

// The two ways `matmulF32Parallel` splits a product between threads (rows of C, or
// NR-aligned ranges of its columns, each thread packing its own columns of B) must give
// the one-thread kernel's results bit for bit: every element of C goes through the same
// micro-kernel steps in the same order.

type Split = "rows" | "columns";

/**
 * op(A)·op(B) through matmulF32Parallel split as `split` and through the one-thread kernel
 * (same offsets, sentinels around the output), compared exactly; returns whether the
 * parallel path split the columns.
 */
function compare(
  [m, k, n]: [number, number, number],
  transA: boolean,
  transB: boolean,
  split: Split | "auto",
  seed: number,
  fill?: (a: Float32Array, b: Float32Array) => void,
): boolean {
  const next = makeRng(seed);
  const aOff = 3, bOff = 5, outOff = 7;
  const a = randomF32(aOff + m * k + 2, next);
  const b = randomF32(bOff + k * n + 2, next);
  fill?.(a, b);
  const one = new Float32Array(outOff + m * n + 4).fill(-9);
  const two = new Float32Array(outOff + m * n + 4).fill(-9);
  matmulF32Wasm!(a, aOff, b, bOff, one, outOff, m, k, n, transA, transB);
  const was = setSplitMode(split);
  const columnJobs = parallelStats.columnJobs;
  let ran: boolean;
  try {
    ran = matmulF32Parallel(a, aOff, b, bOff, two, outOff, m, k, n, transA, transB);
  } finally {
    setSplitMode(was);
  }
  const what = `[${m}×${k}]·[${k}×${n}] transA=${transA} transB=${transB} split=${split}`;
  assert.ok(ran, `${what}: the parallel path declined`);
  assertSameF32(two, one, what);
  return parallelStats.columnJobs > columnJobs;
}

// the MLP's products (forward 128×784·784×256, the MNIST demo's 64×784·784×512 and its
// weight gradient Xᵀ·G with k = 64), odd n, n not a multiple of NR = 8, k not a multiple of
// the unroll (8) and past one k-block (512), m not a multiple of MR = 6, a short last chunk
const SHAPES: [number, number, number][] = [
  [64, 784, 512],
  [128, 784, 256],
  [784, 64, 512],
  [131, 517, 259],
  [12, 1030, 100],
  [97, 13, 1001],
  [200, 300, 77],
];

const canRun = matmulF32Wasm !== null && typeof SharedArrayBuffer === "function";

describe("float32 matmul split by columns", { skip: !canRun }, () => {
  const threadsBefore = matmulThreads();
  before(async () => {
    setMatmulThreads(2);
    // generous: on a loaded 2-core machine a worker can take seconds to load its module
    assert.ok(await helpersReady(30_000), "the helper worker did not start within 30 s");
  });
  after(() => setMatmulThreads(threadsBefore));

  it("matmulF32Parallel() split by columns equals the one-thread kernel for every transA/transB", () => {
    let seed = 1;
    for (const shape of SHAPES) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          assert.ok(compare(shape, transA, transB, "columns", seed++), "columns were not split");
        }
      }
    }
  });

  it("matmulF32Parallel() split by rows equals the one-thread kernel on the same shapes", () => {
    let seed = 100;
    for (const shape of SHAPES) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          assert.ok(!compare(shape, transA, transB, "rows", seed++), "columns were split");
        }
      }
    }
  });

  it("matmulF32Parallel() splits columns when n ≥ 6·m and rows otherwise", () => {
    assert.equal(compare([64, 784, 512], false, false, "auto", 1), true);
    assert.equal(compare([64, 256, 512], false, true, "auto", 2), true);
    assert.equal(compare([128, 256, 768], false, false, "auto", 3), true);
    assert.equal(compare([128, 784, 256], false, false, "auto", 4), false);
    assert.equal(compare([256, 256, 256], false, false, "auto", 5), false);
    assert.equal(compare([784, 128, 256], true, false, "auto", 6), false);
  });

  it("matmulF32Parallel() split by columns keeps infinities and NaNs of B in their own columns", () => {
    const poison = (_a: Float32Array, b: Float32Array) => {
      for (let i = 0; i < b.length; i += 611) b[i] = i % 2 ? Infinity : NaN;
    };
    compare([131, 517, 259], false, false, "columns", 7, poison);
    compare([131, 517, 259], true, true, "columns", 8, poison);
  });

  it("matmulF32Parallel() split by columns gives the same results over many calls, shapes alternating", () => {
    // panels, padding and C from the previous product stay in the shared memory: a stale
    // value must never reach a real element of C
    const cases: [[number, number, number], boolean, boolean][] = [
      [[128, 784, 256], false, false],
      [[97, 13, 1001], true, false],
      [[64, 517, 100], false, true],
      [[784, 64, 512], true, true],
    ];
    for (let i = 0; i < 24; i++) {
      const [shape, ta, tb] = cases[i % cases.length];
      compare(shape, ta, tb, "columns", 200 + i, (a) => {
        if (i % 3 === 0) a[i] = NaN;
      });
    }
  });

  it("matmulF32Parallel() split by columns over three threads equals the one-thread kernel", async () => {
    setMatmulThreads(3);
    try {
      assert.ok(await helpersReady(30_000), "two helper workers did not start within 30 s");
      let seed = 300;
      for (const shape of SHAPES) compare(shape, false, true, "columns", seed++);
    } finally {
      setMatmulThreads(2);
      await helpersReady(30_000);
    }
  });
});

/**
 * The panel layout the packers must write (see `_gemm_wasm.ts`): X(i, p) at
 * pc·rowsPad + ⌊i/w⌋·kc·w + (p − pc)·w + i mod w for the k-block pc ≤ p < pc + kc;
 * everything else keeps its old value.
 */
function expectedPanel(
  x: (i: number, p: number) => number,
  rows: number,
  k: number,
  w: number,
  { kc: KC, unroll }: GemmConfig,
  dst: Float32Array,
): Float32Array {
  const kp = Math.ceil(k / unroll) * unroll, rowsPad = Math.ceil(rows / w) * w;
  const out = dst.slice();
  for (let pc = 0; pc < kp; pc += KC) {
    const kc = Math.min(KC, kp - pc);
    for (let i = 0; i < rows; i++) {
      for (let p = pc; p < Math.min(pc + kc, k); p++) {
        out[pc * rowsPad + Math.floor(i / w) * kc * w + (p - pc) * w + (i % w)] = x(i, p);
      }
    }
  }
  return out;
}

describe("float32 matmul packers", { skip: matmulF32Wasm === null }, () => {
  it("packADepth() and packBDepth() write the panel layout for full and partial strips, any k", () => {
    // strip widths 6 and 8 (the default tile), and 3, 4, 5, 7, 12 (every width mod 4)
    const configs: GemmConfig[] = [
      defaultGemmConfig,
      { ...defaultGemmConfig, mr: 3, nr: 4, kc: 8, mc: 9 },
      { ...defaultGemmConfig, mr: 5, nr: 12, unroll: 4, kc: 16, mc: 10 },
      { ...defaultGemmConfig, mr: 7, nr: 8, mc: 14 },
    ];
    for (const g of configs) {
      const ex = new WebAssembly.Instance(
        new WebAssembly.Module(gemmModuleBytes(g) as BufferSource),
      ).exports as unknown as GemmExports;
      // rows: one row, partial strips only, full strips, full + partial; k: below one
      // transposed group of 4, not a multiple of 4 or of the unroll, past one k-block
      for (const rows of [1, 5, 6, 8, 13, 64]) {
        for (const k of [1, 3, 4, 7, 13, 512, 517, 1030]) {
          for (const [name, w] of [["packADepth", g.mr], ["packBDepth", g.nr]] as const) {
            const kp = Math.ceil(k / g.unroll) * g.unroll, rowsPad = Math.ceil(rows / w) * w;
            const bytes = (rows * k + rowsPad * kp) * 4;
            if (ex.memory.buffer.byteLength < bytes) {
              ex.memory.grow(Math.ceil((bytes - ex.memory.buffer.byteLength) / 65536));
            }
            const mem = new Float32Array(ex.memory.buffer);
            // X(i, p) = src[i·k + p] (p contiguous); the panel right after it, -1 everywhere
            for (let j = 0; j < rows * k; j++) mem[j] = j + 0.5;
            const dst = rows * k;
            mem.fill(-1, dst, dst + rowsPad * kp);
            const before = mem.slice(dst, dst + rowsPad * kp);
            const want = expectedPanel((i, p) => i * k + p + 0.5, rows, k, w, g, before);
            ex[name](0, k * 4, rows, k, dst * 4, rowsPad, kp);
            const what = `${name} w=${w} rows=${rows} k=${k}`;
            assertSameF32(mem.slice(dst, dst + rowsPad * kp), want, what);
          }
        }
      }
    }
  });
});
