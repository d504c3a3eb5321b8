/**
 * A/B of jitted training steps between source trees, in one process: each tree's library is
 * loaded once and the trees' steps run alternately in blocks (3 warm-up steps, then 10 timed),
 * so load from other processes falls on every side alike. Prints, per workload and tree, the
 * per-step wall time (10th percentile and median) and the process CPU time per step (all
 * threads; the helpers of the other trees sleep meanwhile).
 *
 *     deno run -A bench/jit_step_ab.ts [--root DIR[,DIR...]] [--blocks 50]
 *     bun run bench/jit_step_ab.ts ...
 *
 * `--root` as in bench/matmul_cpu.ts (e.g. `git archive` of a base commit unpacked in
 * /tmp/base with `node_modules` linked); a root written DIR@rows or DIR@columns forces how
 * that tree's `_parallel.ts` splits its products (give it a copy of its own: one directory
 * named twice is one module, so the last @ would apply to both). In one run under Bun the
 * third tree loaded ran 20–30% slower even where its code was the second's; compare two at
 * a time there.
 * Workloads as in bench/jit_profile.ts: `mlp`
 * (784-256-256-10, ReLU, Adam, batch 128) and `mnist` (examples/mnist_mlp.ts's step:
 * 784-512-256-10, dropout 0.2, batch 64, Adam with a cosine schedule).
 *
 * @module
 */
import process from "node:process";
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { filled, type Lib, mnistTrainStep } from "./_mnist_step.ts";
import { parallelOf } from "./_parallel_of.ts";

const argv = process.argv.slice(2);
const flag = (name: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const roots = (flag("root") ?? new URL("..", import.meta.url).pathname).split(",");
const blocks = Number(flag("blocks") ?? 50);

interface Side {
  name: string;
  mlp: () => void;
  mnist: () => void;
}

async function load(spec: string): Promise<Side> {
  const [dir, split] = spec.split("@");
  const url = pathToFileURL(resolve(dir)).href;
  const lib = await import(`${url}/mod.ts`) as Lib;
  const { mlpTrainStep } = await import(
    `${url}/bench/_mlp_step.ts`
  ) as typeof import("./_mlp_step.ts");
  const par = await parallelOf(url);
  if (!(await par.helpersReady(20_000))) console.log(`${spec}: helpers did not start`);
  if (split === "rows" || split === "columns") par.setSplitMode(split);
  const { np } = lib;

  const mlp = mlpTrainStep([784, 256, 256, 10]);
  let { params, state } = mlp;
  const x = np.array(filled(128 * 784, 1), { shape: [128, 784] });
  const y = np.array(Int32Array.from({ length: 128 }, (_, i) => (i * 7) % 10));
  // this tree's step recipe, built from the side's library (older trees have no _mnist_step.ts)
  const mnist = mnistTrainStep(lib);
  return {
    name: spec,
    mlp: () => {
      [params, state] = mlp.step(params, state, x, y);
    },
    mnist,
  };
}

const sides: Side[] = [];
for (const r of roots) sides.push(await load(r));
const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length * q)];
const load1 = () => loadavg()[0];
console.log(`load before: ${load1().toFixed(2)}`);
for (const w of ["mlp", "mnist"] as const) {
  const wall = sides.map(() => [] as number[]), cpu = sides.map(() => [] as number[]);
  for (let blk = 0; blk < blocks + 3; blk++) {
    sides.forEach((s, i) => {
      for (let r = 0; r < 3; r++) s[w]();
      for (let r = 0; r < 10; r++) {
        const u0 = process.cpuUsage(), t0 = performance.now();
        s[w]();
        const dt = performance.now() - t0, u = process.cpuUsage(u0);
        if (blk >= 3) wall[i].push(dt), cpu[i].push((u.user + u.system) / 1000);
      }
    });
  }
  sides.forEach((s, i) =>
    console.log(
      `${w.padEnd(6)} ${s.name.padEnd(28)} wall ms p10 ${quantile(wall[i], 0.1).toFixed(2)} ` +
        `median ${quantile(wall[i], 0.5).toFixed(2)}   CPU ms median ${
          quantile(cpu[i], 0.5).toFixed(2)
        }`,
    )
  );
}
console.log(`load after: ${load1().toFixed(2)}`);
process.exit(0);
