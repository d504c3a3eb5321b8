/**
 * Throughput of the `io` namespace: safetensors encode/decode of a 100 MB tree in memory and
 * through files, the memory a file load takes, and ONNX export time of the MNIST models.
 *
 *   deno run -A bench/io_bench.ts        bun run bench/io_bench.ts
 *
 * Each figure is the median of 5 runs (after one warm-up); MB = 10^6 bytes.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { io, nn, np, random } from "../mod.ts";
import { model as mlp } from "../examples/mnist_mlp.ts";
import { cnnLogits, initCnn } from "../examples/mnist_cnn.ts";

const runtime = "Bun" in globalThis ? "bun" : "deno";

async function median(f: () => unknown | Promise<unknown>, runs = 5): Promise<number> {
  await f();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await f();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

// 100 MB: 25 float32 arrays of 1,000,000 elements in a nested tree
const tree = {
  layers: Array.from({ length: 5 }, (_, i) => ({
    w: Array.from({ length: 5 }, (_, j) => np.full([1000, 1000], i * 5 + j)),
  })),
};
const mb = 25 * 4e6 / 1e6;
const line = (what: string, ms: number, extra = "") =>
  console.log(`${runtime}  ${what.padEnd(42)} ${ms.toFixed(1).padStart(8)} ms  ${extra}`);

let bytes = io.saveSafetensors(tree);
const encode = await median(() => (bytes = io.saveSafetensors(tree)));
line("saveSafetensors, 100 MB tree", encode, `${(mb / (encode / 1000)).toFixed(0)} MB/s`);
const view = await median(() => io.loadSafetensors(bytes));
line("loadSafetensors (views on the bytes)", view, `${(mb / (view / 1000)).toFixed(0)} MB/s`);
const copied = await median(() => io.loadSafetensors(bytes, { copy: true }));
line("loadSafetensors { copy: true }", copied, `${(mb / (copied / 1000)).toFixed(0)} MB/s`);

const dir = await mkdtemp(join(tmpdir(), "difftrace-io-bench-"));
try {
  const path = join(dir, "tree.safetensors");
  const save = await median(() => io.save(path, tree));
  line("io.save to a file", save, `${(mb / (save / 1000)).toFixed(0)} MB/s`);
  const load = await median(() => io.load(path));
  line("io.load from a file", load, `${(mb / (load / 1000)).toFixed(0)} MB/s`);
  // memory: one load holds the file once (the arrays view its bytes)
  const before = process.memoryUsage().rss;
  const held = await io.load(path);
  const after = process.memoryUsage().rss;
  line("io.load RSS growth (100 MB file)", 0, `${((after - before) / 1e6).toFixed(0)} MB`);
  void held;
} finally {
  await rm(dir, { recursive: true });
}

const p = mlp.init(random.key(0));
const x = random.uniform(random.key(1), [1, 784]);
const mlpMs = await median(() => io.exportOnnx((v: np.NDArray) => nn.softmax(mlp.apply(p, v)), x));
line("exportOnnx, MNIST MLP 784-512-256-10", mlpMs);
const c = initCnn(random.key(0));
const cnnMs = await median(() => io.exportOnnx((v: np.NDArray) => cnnLogits(c, v), x));
line("exportOnnx, MNIST CNN", cnnMs);
const dyn = await median(() =>
  io.exportOnnx((v: np.NDArray) => cnnLogits(c, v), x, { dynamicBatch: true })
);
line("exportOnnx, MNIST CNN, dynamicBatch", dyn);
