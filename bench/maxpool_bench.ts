/**
 * Max pooling, measured: `nn.maxPool2d` forward, its gradient (value and gradient of
 * Σ maxPool2d(x)·w), and both under `jit`, at three sizes, channels-last float32:
 * [32, 128, 128, 64] 3×3 stride 2 SAME and 2×2 stride 2 VALID, [8, 56, 56, 64] 3×3 stride 2
 * SAME. Prints the median of `REPS` runs (default 3) after one warm-up, in ms; JAX's
 * numbers for the same cases come from `python3 bench/_jax_maxpool.py`.
 *
 *   deno run -A bench/maxpool_bench.ts      (or: bun run bench/maxpool_bench.ts)
 */
import { grad, jit, type NDArray, nn, random } from "../mod.ts";

const reps = Number(
  (globalThis as { process?: { env: Record<string, string> } }).process?.env
    .REPS ?? 3,
);

function median(f: () => NDArray): string {
  f();
  const t: number[] = [];
  for (let r = 0; r < reps; r++) {
    const s = performance.now();
    f();
    t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  return t[reps >> 1].toFixed(0);
}

const cases: [number[], number, number, "SAME" | "VALID"][] = [
  [[32, 128, 128, 64], 3, 2, "SAME"],
  [[32, 128, 128, 64], 2, 2, "VALID"],
  [[8, 56, 56, 64], 3, 2, "SAME"],
];
for (const [shape, k, s, padding] of cases) {
  const x = random.normal(random.key(0), shape);
  const opts = { stride: s, padding };
  const y0 = nn.maxPool2d(x, k, opts);
  const w = random.normal(random.key(1), y0.shape as number[]);
  const f = (x: NDArray) => nn.maxPool2d(x, k, opts);
  const g = grad((x: NDArray) => f(x).mul(w).sum());
  const jf = jit(f), jg = jit(g);
  const row = [
    `[${shape}] ${k}×${k} s${s} ${padding}`,
    `fwd ${median(() => f(x))}`,
    `grad ${median(() => g(x))}`,
    `jit fwd ${median(() => jf(x))}`,
    `jit grad ${median(() => jg(x))}`,
  ];
  console.log(row.join("  |  "));
}
