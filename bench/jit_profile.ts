/**
 * Where a jitted training step spends its time: every step of the compiled plan (each
 * matmul kernel, each fused loop, each eager kernel) timed over many calls, largest first.
 *
 *   deno run -A bench/jit_profile.ts [--steps 300] [--only mlp,mnist] [--top 20]
 *   bun run bench/jit_profile.ts
 *
 * Workloads: `mlp` is bench/peers.ts's MLP step (784-256-256-10, ReLU, softmax
 * cross-entropy, Adam, batch 128); `mnist` is examples/mnist_mlp.ts's step (784-512-256-10,
 * dropout 0.2, batch 64, Adam with a cosine schedule, a fresh dropout key per step), on
 * synthetic inputs of the same shapes. The "plan" total is the sum of the timed steps; the
 * difference to "call" is jit's dispatch (argument flattening, cache lookup) and the timer.
 */
import * as lib from "../mod.ts";
import { np } from "../mod.ts";
import { type PlanProfile, setPlanProfile } from "../src/jit/_profile.ts";
import { mlpTrainStep } from "./_mlp_step.ts";
import { filled, mnistTrainStep } from "./_mnist_step.ts";

const args = new Map<string, string>();
const argv = (globalThis as { Deno?: { args: string[] } }).Deno?.args ??
  (globalThis as unknown as { process: { argv: string[] } }).process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) args.set(argv[i].replace(/^--/, ""), argv[i + 1]);
const STEPS = Number(args.get("steps") ?? 300);
const TOP = Number(args.get("top") ?? 20);
const ONLY = (args.get("only") ?? "mlp,mnist").split(",");

/** Runs `call` STEPS times after a warm-up with a profile attached; prints the table. */
function report(name: string, build: () => () => void): void {
  const prof: PlanProfile = new Map();
  setPlanProfile(prof);
  const call = build();
  for (let i = 0; i < 30; i++) call();
  setPlanProfile(null);
  for (const cell of prof.values()) cell.ms = 0, cell.calls = 0;
  const t0 = performance.now();
  for (let i = 0; i < STEPS; i++) call();
  const total = (performance.now() - t0) / STEPS;
  const rows = [...prof].filter(([, c]) => c.calls > 0).sort((a, b) => b[1].ms - a[1].ms);
  const planned = rows.reduce((s, [, c]) => s + c.ms, 0) / STEPS;
  console.log(
    `\n${name}: ${total.toFixed(3)} ms per call, plan steps ${planned.toFixed(3)} ms ` +
      `(${rows.length} steps; the ${Math.min(TOP, rows.length)} largest below)`,
  );
  for (const [label, c] of rows.slice(0, TOP)) {
    const us = (c.ms / STEPS) * 1000;
    const share = (100 * us) / (planned * 1000);
    console.log(
      `${us.toFixed(0).padStart(7)} µs ${share.toFixed(1).padStart(5)}%  ${label.slice(0, 110)}`,
    );
  }
}

if (ONLY.includes("mlp")) {
  report("MLP 784-256-256-10 Adam step, batch 128", () => {
    const mlp = mlpTrainStep([784, 256, 256, 10]);
    let { params, state } = mlp;
    const x = np.array(filled(128 * 784, 1), { shape: [128, 784] });
    const y = np.array(Int32Array.from({ length: 128 }, (_, i) => (i * 7) % 10));
    return () => {
      [params, state] = mlp.step(params, state, x, y);
    };
  });
}

if (ONLY.includes("mnist")) {
  report("MNIST demo step (784-512-256-10, dropout 0.2, batch 64)", () => mnistTrainStep(lib));
}
