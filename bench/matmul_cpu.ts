/**
 * float32 matmul throughput per CPU-second (`process.cpuUsage()`, all threads), next to the
 * wall-clock figure, for A/B comparisons on a machine shared with other jobs: wall-clock
 * GFLOP/s there moves by ±50% with the load, GFLOP per CPU-second by a few percent.
 *
 *     deno run -A bench/matmul_cpu.ts [--root DIR[,DIR...]] [--sizes 512,1024] [--rounds 7]
 *       [--shapes 128x784x256,784x128x256:a]   (m×k×n; :a / :b / :ab stored transposed)
 *       [--splits rows,columns]   (one side per way `_parallel.ts` splits a product; default auto)
 *     bun run bench/matmul_cpu.ts ...
 *
 * Each tree in `--root` (default: this checkout; e.g. `git archive` of a base commit unpacked
 * in /tmp/base with `node_modules` linked) is loaded once; the cases of all trees run
 * alternately, round after round, so that load falls on every side alike, and the table shows
 * each one's median (and range) over the rounds. "1t" is `matmulF32` on the calling thread,
 * "2t" the two-thread path of `_parallel.ts` (its CPU figure counts both threads, so it
 * shows the split's overhead, not its speed-up). Note: CPU time does not see time lost to
 * waiting (a helper that wakes late); on a quiet machine use `bench/matmul_gflops.ts`.
 *
 * @module
 */
import process from "node:process";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parallelOf } from "./_parallel_of.ts";

const argv = process.argv.slice(2);
const flag = (name: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
};
const roots = (flag("root") ?? new URL("..", import.meta.url).pathname).split(",");
const sizes = (flag("sizes") ?? "512,1024,2048").split(",").map(Number);
const rounds = Number(flag("rounds") ?? 7);
const splits = (flag("splits") ?? "auto").split(",") as ("auto" | "rows" | "columns")[];

type Kernel = typeof import("../src/kernels/matmul.ts").matmulF32;
const sides: { name: string; one: Kernel; two: Kernel }[] = [];
for (const [i, r] of roots.entries()) {
  const url = pathToFileURL(resolve(r)).href;
  const mm = await import(
    `${url}/src/kernels/matmul.ts`
  ) as typeof import("../src/kernels/matmul.ts");
  const par = await parallelOf(url);
  if (!(await par.helpersReady())) console.log(`${r}: helpers did not start (2t = 1 thread)`);
  // --splits rows,columns: one side per way of splitting (a tree without setSplitMode: auto)
  for (const split of splits) {
    const set = split === "auto" ? undefined : par.setSplitMode;
    const two: Kernel = (...args) => {
      const was = set?.(split);
      try {
        if (!par.matmulF32Parallel(...args)) mm.matmulF32(...args);
      } finally {
        if (was !== undefined) set?.(was);
      }
    };
    const name = `${roots.length > 1 ? `#${i}` : ""}${splits.length > 1 ? split.slice(0, 4) : ""}`;
    sides.push({ name, one: mm.matmulF32, two });
  }
}

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
const fmt = (xs: number[]) =>
  `${median(xs).toFixed(1)} [${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}]`;

// --shapes MxKxN[:a|:b|:ab] (op(A) m×k, op(B) k×n; a/b: stored transposed), e.g. the MLP's
// 128x784x256,784x128x256:a,128x256x784:b; replaces the square sizes
const shapes = flag("shapes")?.split(",");
const cases: [string, number, number, number, boolean, boolean][] = [];
if (shapes) {
  for (const sh of shapes) {
    const [dims, t = ""] = sh.split(":");
    const [m, k, n] = dims.split("x").map(Number);
    cases.push([sh, m, k, n, t.includes("a"), t.includes("b")]);
  }
} else {
  for (const n of sizes) cases.push([`n=${n}`, n, n, n, false, false]);
  cases.push(["n=512 Aᵀ", 512, 512, 512, true, false], ["n=512 Bᵀ", 512, 512, 512, false, true]);
}
console.log(`roots: ${roots.map((r, i) => `#${i} ${r}`).join(", ")}`);
console.log(
  "case            side     CPU GF/s 1t        CPU GF/s 2t        wall GF/s 1t      wall GF/s 2t",
);
for (const [name, m, k, n, ta, tb] of cases) {
  const a = filled(m * k, 1), b = filled(k * n, 2), c = new Float32Array(m * n);
  const flops = 2 * m * k * n;
  const reps = Math.max(1, Math.round(1e9 / flops));
  const runs = sides.flatMap((s) => [s.one, s.two]).map((f) => ({
    f: () => f(a, 0, b, 0, c, 0, m, k, n, ta, tb),
    cpu: [] as number[],
    wall: [] as number[],
  }));
  for (const r of runs) for (let i = 0; i < reps; i++) r.f(); // warm-up
  for (let round = 0; round < rounds; round++) {
    for (const r of runs) {
      const u0 = process.cpuUsage(), t0 = performance.now();
      for (let i = 0; i < reps; i++) r.f();
      const wall = performance.now() - t0, u = process.cpuUsage(u0);
      r.cpu.push(flops * reps / ((u.user + u.system) * 1e3));
      r.wall.push(flops * reps / (wall * 1e6));
    }
  }
  sides.forEach((s, i) => {
    const [one, two] = [runs[2 * i], runs[2 * i + 1]];
    console.log(
      `${name.padEnd(15)} ${s.name.padEnd(8)} ${fmt(one.cpu).padEnd(18)} ${
        fmt(two.cpu).padEnd(18)
      } ${fmt(one.wall).padEnd(17)} ${fmt(two.wall)}`,
    );
  });
}
