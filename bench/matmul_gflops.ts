/**
 * Prints float32 matmul throughput in GFLOP/s (2·m·k·n per product), one
 * thread against the multi-threaded path, and the MLP training step with
 * matmuls on one thread against all threads.
 *
 *     deno run -A bench/matmul_gflops.ts
 *     bun run bench/matmul_gflops.ts
 *
 * Each case is warmed up for a while first (so the engine's optimizing tier
 * has compiled the wasm kernel), then timed over repeated runs. The two sides
 * of a comparison run alternately (one, then the other, again and again), so
 * that load from other processes on a shared machine falls on both alike; the
 * table shows the medians, and the ratio of the two-thread median to the
 * one-thread one.
 */
import { matmulBackend, matmulF32, matmulF32Js } from "../src/kernels/matmul.ts";
import { matmulInto, matmulThreads, setMatmulThreads } from "../src/kernels/_dispatch.ts";
import { helpersReady } from "../src/kernels/_parallel.ts";
import { np, random } from "../mod.ts";
import { mlpTrainStep } from "./_mlp_step.ts";

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

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1];

/** Times `runs` alternately (warm-up 600 ms, then ~1.5 s); returns each one's median in ms. */
function alternate(runs: (() => void)[]): number[] {
  const warmEnd = performance.now() + 600;
  while (performance.now() < warmEnd) for (const r of runs) r();
  const times: number[][] = runs.map(() => []);
  const end = performance.now() + 1500;
  while (times[0].length < 5 || (performance.now() < end && times[0].length < 2000)) {
    runs.forEach((r, i) => {
      const t0 = performance.now();
      r();
      times[i].push(performance.now() - t0);
    });
  }
  return times.map(median);
}

const runtime = "Bun" in globalThis
  ? `Bun ${(globalThis as unknown as { Bun: { version: string } }).Bun.version}`
  : "Deno" in globalThis
  ? `Deno ${(globalThis as unknown as { Deno: { version: { deno: string } } }).Deno.version.deno}`
  : "unknown runtime";
const threads = matmulThreads();
const ready = threads > 1 && await helpersReady();
console.log(
  `${runtime}, matmulF32 backend: ${matmulBackend}, threads: ${threads}` +
    (threads > 1 && !ready ? " (helpers did not start: one thread only)" : ""),
);
console.log("case                                   1 thread GF/s  threads GF/s    ×");

const cases: [string, number, number, number, boolean, boolean][] = [
  ["matmul n=128", 128, 128, 128, false, false],
  ["matmul n=256", 256, 256, 256, false, false],
  ["matmul n=512", 512, 512, 512, false, false],
  ["matmul n=1024", 1024, 1024, 1024, false, false],
  ["MLP fwd  [128×784]·[784×256]", 128, 784, 256, false, false],
  ["MLP dW   [784×128]ᵀ·[128×256]", 784, 128, 256, true, false],
  ["MLP dx   [128×256]·[784×256]ᵀ", 128, 256, 784, false, true],
  ["matmul n=32", 32, 32, 32, false, false],
];
const fmt = (x: number, w: number) => x.toFixed(1).padStart(w);
for (const [name, m, k, n, ta, tb] of cases) {
  const a = filled(m * k, 1), b = filled(k * n, 2), c = new Float32Array(m * n);
  const flops = 2 * m * k * n;
  const [one, all] = alternate([
    () => matmulF32(a, 0, b, 0, c, 0, m, k, n, ta, tb),
    () => matmulInto(a, 0, b, 0, c, 0, m, k, n, ta, tb),
  ]);
  const g1 = flops / one / 1e6, g2 = flops / all / 1e6;
  console.log(
    `${name.padEnd(38)} ${fmt(g1, 13)} ${fmt(g2, 13)} ${(g2 / g1).toFixed(2).padStart(5)}`,
  );
}
{
  const js: Kernel = matmulF32Js;
  const a = filled(256 * 256, 1), b = filled(256 * 256, 2), c = new Float32Array(256 * 256);
  const [t] = alternate([() => js(a, 0, b, 0, c, 0, 256, 256, 256, false, false)]);
  console.log(`${"JS fallback n=256".padEnd(38)} ${fmt(2 * 256 ** 3 / t / 1e6, 13)}`);
}

// MLP 784-256-256-10 training step, batch 128, Adam, jitted (as bench/kernels_bench.ts)
{
  const mlp = mlpTrainStep([784, 256, 256, 10]);
  let { params, state } = mlp;
  const { step } = mlp;
  const x = random.normal(random.key(1), [128, 784]);
  const y = np.array(Int32Array.from({ length: 128 }, (_, i) => (i * 7) % 10));
  const run = () => {
    [params, state] = step(params, state, x, y);
  };
  const [one, all] = alternate([
    () => {
      setMatmulThreads(1);
      run();
    },
    () => {
      setMatmulThreads(threads);
      run();
    },
  ]);
  console.log(
    `MLP train step (jit), ms: ${one.toFixed(2)} with one thread, ${all.toFixed(2)} with ` +
      `${threads} (×${(one / all).toFixed(2)})`,
  );
}
