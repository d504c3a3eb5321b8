/**
 * Jitted row reductions (over the last axis, contiguous rows): layerNorm, rmsNorm, softmax,
 * logsumexp, `x.sum(-1)` and `x.max(-1)`, and the gradients of layerNorm and softmax, on
 * float32 [64, 512, 768] and [4096, 1024], per call:
 * a tree against another, alternating in one process.
 *
 *     deno run -A bench/row_reductions.ts [--root DIR[,DIR...]] [--only layerNorm,softmax]
 *         [--shape 4096x1024] [--profile]
 *     bun run bench/row_reductions.ts ...
 *     python3 bench/_jax_row_reductions.py   (JAX's figures, same cases)
 *
 * `--root` as in bench/eager_ops.ts (e.g. `git archive` of a base commit unpacked in
 * /tmp/base with `node_modules` linked). Each cell is the median of 5 rounds; a round runs
 * each case at least 3 times and for ~300 ms and takes the mean. `--profile` prints, for the
 * first tree, each plan step's share of a call (src/jit/_profile.ts).
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
const roots = (flag("root") ?? new URL("..", import.meta.url).pathname).split(",");
const only = flag("only")?.split(",");
const shapes = (flag("shape") ?? "64x512x768,4096x1024").split(",").map((s) =>
  s.split("x").map(Number)
);
const profile = argv.includes("--profile");

type Lib = typeof import("../mod.ts");
type NDArray = import("../mod.ts").NDArray;
type Case = (lib: Lib) => (x: NDArray) => NDArray;

/** The cases: each returns the function jitted. */
const CASES: Record<string, Case> = {
  layerNorm: ({ nn }) => (x) => nn.layerNorm(x),
  rmsNorm: ({ nn }) => (x) => nn.rmsNorm(x),
  softmax: ({ nn }) => (x) => nn.softmax(x, { axis: -1 }),
  logsumexp: ({ nn }) => (x) => nn.logsumexp(x, { axis: -1 }),
  // gradients of Σ f(x)·x (the backward passes' row sums: Σ ȳ·y, Σ ȳ·x̂)
  "layerNorm grad": ({ grad, nn }) => grad((x: NDArray) => nn.layerNorm(x).mul(x).sum()),
  "softmax grad": ({ grad, nn }) => grad((x: NDArray) => nn.softmax(x, { axis: -1 }).mul(x).sum()),
  "sum(-1)": () => (x) => x.sum(-1),
  "max(-1)": () => (x) => x.max(-1),
};

const trees = await Promise.all(roots.map(async (r) => ({
  name: r,
  lib: await import(`${pathToFileURL(resolve(r)).href}/mod.ts`) as Lib,
  prof: profile
    ? await import(`${pathToFileURL(resolve(r)).href}/src/jit/_profile.ts`) as {
      setPlanProfile(p: Map<string, { ms: number; calls: number }> | null): void;
    }
    : null,
})));
const names = Object.keys(CASES).filter((n) => !only || only.some((o) => n.startsWith(o)));
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
console.log(`jitted row reductions, float32; ms per call, median of 5 rounds`);
for (const shape of shapes) {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = Float32Array.from({ length: size }, (_, i) => Math.sin(i * 0.37) * 3);
  // one case at a time (its trees' inputs and scratch buffers freed before the next)
  const times = names.map(() => trees.map(() => [] as number[]));
  const profs = names.map((n, c) => {
    const calls = trees.map((t) => {
      const prof = new Map<string, { ms: number; calls: number }>();
      if (t.prof && t === trees[0]) t.prof.setPlanProfile(prof);
      const x = t.lib.np.array(data, { shape });
      const f = t.lib.jit(CASES[n](t.lib));
      f(x); // compile
      t.prof?.setPlanProfile(null);
      for (const c of prof.values()) c.ms = 0, c.calls = 0;
      return { run: () => f(x), prof };
    });
    for (let round = 0; round < 5; round++) {
      calls.forEach(({ run }, t) => {
        run();
        const t0 = performance.now();
        let k = 0;
        while (k < 3 || performance.now() - t0 < 300) run(), k++;
        times[c][t].push((performance.now() - t0) / k);
      });
    }
    return calls[0].prof;
  });
  console.log(`\n[${shape.join(", ")}]`);
  console.log(["case".padEnd(16), ...trees.map((t) => t.name.slice(-30).padStart(32))].join(""));
  names.forEach((n, c) => {
    const cells = trees.map((_, t) => median(times[c][t]).toFixed(2));
    console.log([n.padEnd(16), ...cells.map((x) => x.padStart(32))].join(""));
    if (profile) {
      const rows = [...profs[c]].filter(([, s]) => s.calls > 0);
      const total = rows.reduce((s, [, v]) => s + v.ms, 0);
      for (const [label, v] of rows.sort((a, b) => b[1].ms - a[1].ms)) {
        console.log(
          `    ${(100 * v.ms / total).toFixed(1).padStart(5)}%  ${label.slice(0, 100)}`,
        );
      }
    }
  });
}
