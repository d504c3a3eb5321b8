/**
 * Resident set size during MLP training: proves that nothing accumulates across
 * `jit`-compiled steps (trace caches, executables, scratch buffers, arrays).
 *
 *     deno run -A bench/memory.ts [--steps 2000] [--warmup 200]
 *     bun run bench/memory.ts [same flags]
 *
 * Trains an MLP 784-256-256-10 (ReLU, softmax cross-entropy, Adam, batch 128)
 * with the whole step under `jit`, feeding a fresh batch array every step (as a
 * data loader would), and samples the RSS every 100 steps. The growth is the
 * median RSS of the last quarter of the samples over the median of the first
 * quarter (both after warm-up): a collector's sawtooth (Bun's swings by ~30%)
 * makes a single reading a matter of phase, while accumulation shows as a
 * trend between the two windows. The run fails (exit 1) at 10% or more. The
 * reading at the end of warm-up is printed too.
 *
 * @module
 */
import process from "node:process";
import { np } from "../mod.ts";
import { mlpTrainStep } from "./_mlp_step.ts";

const argv = process.argv.slice(2);
const num = (name: string, dflt: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const steps = num("steps", 2000), warmup = num("warmup", 200);
const runtime = process.versions.bun
  ? `Bun ${process.versions.bun}`
  : `Deno ${(process.versions as Record<string, string>).deno}`;

const SIZES = [784, 256, 256, 10], BATCH = 128;
const mlp = mlpTrainStep(SIZES);
let { params, state } = mlp;
const { step } = mlp;

// a pool of batches, as from a dataset; each step wraps one in a fresh array
const pool = Array.from({ length: 8 }, (_, b) => {
  const x = new Float32Array(BATCH * 784);
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.37 + b);
  const y = Int32Array.from({ length: BATCH }, (_, i) => (i * 7 + b) % 10);
  return { x, y };
});

const rss = () => process.memoryUsage().rss / 2 ** 20;
const samples: { step: number; mib: number }[] = [];
let base = 0, loss = NaN;
const t0 = performance.now();
for (let i = 1; i <= warmup + steps; i++) {
  const { x, y } = pool[i % pool.length];
  const [p, s, l] = step(
    params,
    state,
    np.array(x, { shape: [BATCH, 784] }),
    np.array(y, { shape: [BATCH] }),
  );
  params = p, state = s;
  if (i === warmup) base = rss();
  if (i > warmup && (i - warmup) % 100 === 0) {
    loss = l.item() as number;
    samples.push({ step: i - warmup, mib: rss() });
  }
}
const seconds = (performance.now() - t0) / 1000;
const quarter = Math.max(1, samples.length >> 2);
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
const start = median(samples.slice(0, quarter).map((s) => s.mib));
const end = median(samples.slice(-quarter).map((s) => s.mib));
const growth = end / start - 1;
console.log(`# RSS during MLP training, ${runtime}`);
console.log(`warm-up ${warmup} steps: ${base.toFixed(1)} MiB at its last step`);
console.log(samples.map((s) => `${s.step}: ${s.mib.toFixed(1)}`).join(", "));
console.log(
  `after ${steps} steps (${(seconds * 1000 / (warmup + steps)).toFixed(1)} ms/step, ` +
    `loss ${loss.toFixed(4)}): median ${start.toFixed(1)} MiB over the first quarter, ` +
    `${end.toFixed(1)} MiB over the last, growth ${(growth * 100).toFixed(1)}% ` +
    `(limit 10%): ${growth < 0.1 ? "ok" : "FAIL"}`,
);
process.exit(growth < 0.1 ? 0 : 1);
