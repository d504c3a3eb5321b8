/**
 * WorkerPool benchmarks, a plain script for both runtimes:
 *
 *   deno run -A bench/pool_bench.ts [--rounds 7] [--workers 2]
 *   bun run bench/pool_bench.ts [--rounds 7] [--workers 2]
 *
 * 1. Data-parallel gradients: `pool.valueAndGrad` of the softmax cross-entropy
 *    of an MLP 784-256-256-10 at batch 1024, against `jit(valueAndGrad(loss))`
 *    on the main thread. The two alternate within each round (so load from
 *    other processes hits both alike); the figures are medians over rounds.
 * 2. Per-call overhead of `pool.map` on a tiny input (8 × 4 float32), against
 *    the same function under `jit(vmap(f))` on the main thread.
 *
 * It only runs as the main module (`deno bench bench/` type-checks it and
 * skips it), since it measures side by side rather than through Deno.bench.
 */
import { createWorkerPool, jit, losses, nn, np, random, valueAndGrad, vmap } from "../mod.ts";

const args = (globalThis as { Deno?: { args: string[] } }).Deno?.args ??
  (globalThis as unknown as { process: { argv: string[] } }).process.argv.slice(2);
const flag = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const rounds = flag("rounds", 7);
const workers = flag("workers", 2);
const runtime = "Deno" in globalThis ? "deno" : "bun";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x: number) => `${x.toFixed(x < 1 ? 3 : 1)} ms`;

/** Mean time of `n` awaited calls of `f`, in milliseconds. */
async function time(n: number, f: () => unknown): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await f();
  return (performance.now() - t0) / n;
}

async function main(): Promise<void> {
  // ---- 1. data-parallel gradients -----------------------------------------------------

  const model = nn.mlp([784, 256, 256, 10]);
  type Params = ReturnType<typeof model.init>;
  const params = model.init(random.key(0));
  const loss = (p: Params, x: np.NDArray, y: np.NDArray) =>
    losses.softmaxCrossEntropyWithIntegerLabels(model.apply(p, x), y).mean();
  const batch = 1024;
  const x = random.normal(random.key(1), [batch, 784]);
  const y = np.array(Array.from({ length: batch }, (_, i) => i % 10), { dtype: "int32" });

  const serial = jit(valueAndGrad(loss));
  const pool = createWorkerPool({ size: workers });
  const parallel = pool.valueAndGrad(loss);
  serial(params, x, y);
  await parallel(params, x, y); // trace, ship and compile outside the timing
  await time(2, () => serial(params, x, y));
  await time(2, () => parallel(params, x, y));

  const serialMs: number[] = [], parallelMs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    serialMs.push(await time(3, () => serial(params, x, y)));
    parallelMs.push(await time(3, () => parallel(params, x, y)));
  }
  const s = median(serialMs), p = median(parallelMs);
  console.log(
    `[${runtime}] MLP 784-256-256-10, batch ${batch}, value and gradient (median of ${rounds} ` +
      `rounds of 3 steps):`,
  );
  console.log(
    `  jit(valueAndGrad), main thread  ${ms(s)}/step  ${(batch / s * 1000).toFixed(0)} ex/s`,
  );
  console.log(
    `  pool.valueAndGrad, ${workers} workers    ${ms(p)}/step  ${
      (batch / p * 1000).toFixed(0)
    } ex/s` +
      `  speed-up ${(s / p).toFixed(2)}x`,
  );
  console.log(
    `  per-round speed-ups: ${serialMs.map((v, i) => (v / parallelMs[i]).toFixed(2)).join(" ")}`,
  );

  // ---- 2. per-call overhead of pool.map ---------------------------------------------------

  const f = (v: np.NDArray) => v.mul(2).add(1).tanh();
  const tiny = random.normal(random.key(2), [8, 4]);
  const mapped = pool.map(f);
  const direct = jit(vmap(f));
  await mapped(tiny);
  direct(tiny);
  const mapMs: number[] = [], directMs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    mapMs.push(await time(200, () => mapped(tiny)));
    directMs.push(await time(200, () => direct(tiny)));
  }
  console.log(`[${runtime}] per call on 8x4 float32 (median of ${rounds} rounds of 200 calls):`);
  console.log(`  jit(vmap(f)), main thread  ${ms(median(directMs))}`);
  console.log(`  pool.map(f), ${workers} workers    ${ms(median(mapMs))}`);
  await pool.close();
}

if (import.meta.main) await main();
