/**
 * Prints float32 matmul throughput in GFLOP/s (2·m·k·n per product).
 *
 *     deno run -A bench/matmul_gflops.ts
 *     bun run bench/matmul_gflops.ts
 *
 * Each case is warmed up for a while first (so the engine's optimizing tier
 * has compiled the wasm kernel), then timed over repeated runs; the table
 * shows the median and the best run.
 */
import { matmulBackend, matmulF32, matmulF32Js } from "../src/_kernels/matmul.ts";

type Kernel = typeof matmulF32;

function filled(n: number, seed: number): Float32Array {
  const x = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 2 ** 31 - 1;
  }
  return x;
}

function measure(
  kernel: Kernel,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
): { median: number; best: number } {
  const a = filled(m * k, 1), b = filled(k * n, 2), c = new Float32Array(m * n);
  const run = () => kernel(a, 0, b, 0, c, 0, m, k, n, transA, transB);
  const warmEnd = performance.now() + 600;
  while (performance.now() < warmEnd) run();
  const times: number[] = [];
  const end = performance.now() + 1000;
  while (times.length < 5 || (performance.now() < end && times.length < 2000)) {
    const t0 = performance.now();
    run();
    times.push(performance.now() - t0);
  }
  times.sort((x, y) => x - y);
  const flops = 2 * m * k * n;
  const gf = (ms: number) => flops / ms / 1e6;
  return { median: gf(times[times.length >> 1]), best: gf(times[0]) };
}

const runtime = "Bun" in globalThis
  ? `Bun ${(globalThis as unknown as { Bun: { version: string } }).Bun.version}`
  : "Deno" in globalThis
  ? `Deno ${(globalThis as unknown as { Deno: { version: { deno: string } } }).Deno.version.deno}`
  : "unknown runtime";
console.log(`${runtime}, matmulF32 backend: ${matmulBackend}`);
console.log("case                                   median GF/s   best GF/s");

const cases: [string, Kernel, number, number, number, boolean, boolean][] = [
  ["matmulF32 n=128", matmulF32, 128, 128, 128, false, false],
  ["matmulF32 n=256", matmulF32, 256, 256, 256, false, false],
  ["matmulF32 n=512", matmulF32, 512, 512, 512, false, false],
  ["matmulF32 n=1024", matmulF32, 1024, 1024, 1024, false, false],
  ["MLP fwd  [128×784]·[784×256]", matmulF32, 128, 784, 256, false, false],
  ["MLP dW   [784×128]ᵀ·[128×256]", matmulF32, 784, 128, 256, true, false],
  ["MLP dx   [128×256]·[784×256]ᵀ", matmulF32, 128, 256, 784, false, true],
  ["matmulF32 n=32", matmulF32, 32, 32, 32, false, false],
  ["JS fallback n=256", matmulF32Js, 256, 256, 256, false, false],
];
for (const [name, kernel, m, k, n, ta, tb] of cases) {
  const { median, best } = measure(kernel, m, k, n, ta, tb);
  console.log(
    `${name.padEnd(38)} ${median.toFixed(1).padStart(8)} ${best.toFixed(1).padStart(11)}`,
  );
}
