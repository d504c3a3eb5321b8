/**
 * CPU time (all threads, `process.cpuUsage()`) and wall time per call of the elementwise
 * workloads of `peers.ts`, for A/B comparisons on a machine shared with other jobs, where
 * wall-clock medians move by ±50% but CPU time per call stays within a few percent.
 *
 *     deno run -A bench/elementwise_cpu.ts [selu-jit|selu-eager|chain|mlp] [--root DIR] [--reps N]
 *     deno run -A bench/elementwise_cpu.ts selu-jit --split-ab
 *     bun run bench/elementwise_cpu.ts ...
 *
 * `--root DIR` loads difftrace from another checkout (say `git archive` of the base commit
 * unpacked in /tmp/base, with `node_modules` linked): run the base and the new tree
 * alternately, several times, and compare the medians. `--split-ab` alternates, call by
 * call in one process, large wasm loops on one thread and split across the helper threads.
 *
 * @module
 */
import process from "node:process";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const argv = process.argv.slice(2);
const flag = (name: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const which =
  argv.find((a) => !a.startsWith("--") && !argv[argv.indexOf(a) - 1]?.startsWith("--")) ??
    "selu-jit";
const root = pathToFileURL(resolve(flag("root") ?? new URL("..", import.meta.url).pathname)).href;
const reps = Number(flag("reps") ?? 40);
const splitAb = argv.includes("--split-ab");

const lib = await import(`${root}/mod.ts`) as typeof import("../mod.ts");
const { grad, jit, np } = lib;
type NDArray = import("../mod.ts").NDArray;

/** Uniform values in [−scale, scale) from a fixed LCG (as peers.ts). */
function filled(n: number, seed: number, scale = 1): Float32Array<ArrayBuffer> {
  const x = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = (s / 2 ** 31 - 1) * scale;
  }
  return x;
}

const N = 1 << 20;
const ALPHA = 1.6732632423543772, SCALE = 1.0507009873554805;
const selu = (x: NDArray) =>
  np.where(np.greater(x, 0), x, x.exp().mul(ALPHA).sub(ALPHA)).mul(SCALE);

let run: () => unknown;
if (which === "selu-jit" || which === "selu-eager") {
  const f = which === "selu-jit" ? jit(selu) : selu;
  const x = np.array(filled(N, 61, 3));
  run = () => f(x);
} else if (which === "chain") {
  const g = jit(grad((x: NDArray) => x.tanh().mul(x.sin()).add(x.mul(x)).sum()));
  const x = np.array(filled(N, 31, 3));
  run = () => g(x);
} else if (which === "mlp") {
  const { mlpTrainStep } = await import(
    `${root}/bench/_mlp_step.ts`
  ) as typeof import("./_mlp_step.ts");
  const sizes = [784, 256, 256, 10], batch = 128;
  const mlp = mlpTrainStep(sizes, {
    params: sizes.slice(0, -1).map((m, i) => ({
      w: np.array(filled(m * sizes[i + 1], 40 + i, 0.05), { shape: [m, sizes[i + 1]] }),
      b: np.zeros([sizes[i + 1]]),
    })),
  });
  let { params, state } = mlp;
  const x = np.array(filled(batch * 784, 7), { shape: [batch, 784] });
  const y = np.array(
    Int32Array.from(filled(batch, 9), (v) => Math.min(9, Math.floor((v + 1) * 5))),
  );
  run = () => {
    const [p, s, loss] = mlp.step(params, state, x, y);
    params = p, state = s;
    return loss;
  };
} else throw new RangeError(`elementwise_cpu: unknown workload ${which}`);

/** One call's wall and CPU milliseconds. */
function timed(): [number, number] {
  const c0 = process.cpuUsage(), t0 = performance.now();
  run();
  const wall = performance.now() - t0, c = process.cpuUsage(c0);
  return [wall, (c.user + c.system) / 1000];
}
const median = (xs: number[]) => xs.toSorted((a, b) => a - b)[xs.length >> 1];
const quartiles = (xs: number[]) => {
  const s = xs.toSorted((a, b) => a - b);
  return `${median(s).toFixed(2)} [${s[s.length >> 2].toFixed(2)}–${
    s[(3 * s.length) >> 2].toFixed(2)
  }]`;
};

for (let i = 0; i < 15; i++) run();
const modes = splitAb ? ["one thread", "split"] : ["-"];
const walls = modes.map(() => [] as number[]), cpus = modes.map(() => [] as number[]);
const parallelModule = await import(
  `${root}/src/kernels/_parallel.ts`
) as typeof import("../src/kernels/_parallel.ts");
// timed calls start once the helper threads are up (they start asynchronously)
await parallelModule.helpersReady(20_000);
for (let i = 0; i < 5; i++) run();
const parallel = splitAb ? parallelModule : null;
for (let r = 0; r < reps; r++) {
  for (let m = 0; m < modes.length; m++) {
    parallel?.setThreads(m === 0 ? 1 : 2);
    const [w, c] = timed();
    walls[m].push(w);
    cpus[m].push(c);
  }
}
const load = (await import("node:os")).loadavg()[0].toFixed(1);
for (let m = 0; m < modes.length; m++) {
  console.log(
    `${which} ${splitAb ? modes[m] : root}: wall ${quartiles(walls[m])} ms, ` +
      `cpu ${quartiles(cpus[m])} ms (median [quartiles] of ${reps}; load ${load})`,
  );
}
