/**
 * Random bits: the Threefry counter hash in plain JS vs the WebAssembly SIMD
 * kernel, and `random.bits` / `random.bernoulli` (dropout masks) as users call
 * them, at the MNIST demo's dropout shapes and at 2^20 words.
 *
 *   deno run -A bench/random_bits_bench.ts [--rounds 7]
 *   bun run bench/random_bits_bench.ts
 *
 * Each row: the median over rounds of the mean time per call (wall clock), and
 * the process CPU time per call over all rounds (on a shared machine, CPU time
 * moves less with load than wall time).
 */
import { cpuUsage } from "node:process";
import { jit, type NDArray, random } from "../mod.ts";
import {
  type CounterHash,
  threefryCountersJs,
  threefryCountersWasm,
} from "../src/kernels/threefry.ts";

const argv = (globalThis as { Deno?: { args: string[] } }).Deno?.args ??
  (globalThis as unknown as { process: { argv: string[] } }).process.argv.slice(2);
const ri = argv.indexOf("--rounds");
const ROUNDS = ri >= 0 ? Number(argv[ri + 1]) : 7;

/** Median wall µs per call and CPU µs per call, over ROUNDS rounds of about 50 ms each. */
function measure(f: () => void): { wall: number; cpu: number } {
  for (let i = 0; i < 5; i++) f(); // warm up (and let the engines tier up)
  const t0 = performance.now();
  f();
  const once = Math.max(performance.now() - t0, 1e-3);
  const reps = Math.max(1, Math.round(50 / once));
  const walls: number[] = [];
  const c0 = cpuUsage();
  for (let r = 0; r < ROUNDS; r++) {
    const s = performance.now();
    for (let i = 0; i < reps; i++) f();
    walls.push((performance.now() - s) * 1000 / reps);
  }
  const c = cpuUsage(c0);
  walls.sort((a, b) => a - b);
  return { wall: walls[walls.length >> 1], cpu: (c.user + c.system) / (ROUNDS * reps) };
}

const rows: string[][] = [];
function row(what: string, f: () => void, words: number): void {
  const { wall, cpu } = measure(f);
  rows.push([what, wall.toFixed(1), cpu.toFixed(1), (wall * 1000 / words).toFixed(2)]);
}

// ---- the kernels alone -------------------------------------------------------------------
const kernels: [string, CounterHash | null][] = [
  ["JS", threefryCountersJs],
  ["wasm", threefryCountersWasm],
];
for (const n of [64 * 512, 64 * 256, 2 ** 20]) {
  const dst = new Uint32Array(n);
  for (const [name, hash] of kernels) {
    if (hash === null) continue;
    // partitionable 32-bit words: y0 ^ y1 of the blocks (0, i)
    row(`kernel ${name}, partitionable, ${n} words`, () => {
      hash(1, 2, 0, 0, 0, 1, n, "xor", dst, 0, 0);
    }, n);
    // legacy 32-bit words: block i = (i, n/2 + i) gives words i and n/2 + i
    row(`kernel ${name}, legacy, ${n} words`, () => {
      hash(1, 2, 0, 1, n / 2, 1, n / 2, "lanes", dst, 0, n / 2);
    }, n);
  }
}

// ---- as users call them -------------------------------------------------------------------
const key = random.key(0);
for (const shape of [[64, 512], [2 ** 20]]) {
  const n = shape.reduce((a, b) => a * b, 1);
  row(`random.bits(key, [${shape}])`, () => {
    random.bits(key, shape);
  }, n);
  const mask = jit((k: NDArray) => random.bernoulli(k, 0.8, shape));
  row(`jit(random.bernoulli(key, 0.8, [${shape}]))`, () => {
    mask(key);
  }, n);
}

const runtime = "Bun" in globalThis ? "Bun" : "Deno";
console.log(`random bits, ${runtime}, median of ${ROUNDS} rounds`);
const head = ["workload", "wall µs", "CPU µs", "ns/word"];
const width = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
const line = (r: string[]) => r.map((c, j) => j === 0 ? c.padEnd(width[j]) : c.padStart(width[j]));
console.log(line(head).join("  "));
for (const r of rows) console.log(line(r).join("  "));
