/**
 * The slower `random` samplers (multinomial, t, f, beta, maxwell, weighted choice) at 2^16
 * draws, eagerly and under `jit` where they trace: µs per output element, one source tree
 * against another, alternating.
 *
 *     deno run -A bench/random_samplers.ts [--root DIR[,DIR...]] [--only t,beta]
 *     bun run bench/random_samplers.ts ...
 *     python3 bench/_jax_random_samplers.py     (JAX's figures for the same cases)
 *
 * `--root` as in bench/eager_ops.ts (e.g. `git archive` of a base commit unpacked in /tmp/base
 * with `node_modules` linked). Each cell is the median of 5 rounds; a round times one call
 * (after one warm-up call), or as many as fit in ~100 ms and takes the mean. Each call draws
 * from a fresh key. A case that throws prints its error.
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
const N = 2 ** 16;

type Lib = typeof import("../mod.ts");
type NDArray = import("../mod.ts").NDArray;
/** Builds the call to time with `lib`; the call takes a fresh seed. */
type Case = (lib: Lib) => (seed: number) => NDArray;

/** Weights 1..13 with every fifth outcome 0, as in tests/random_jax_test.ts. */
const weights = (n: number) => Float32Array.from({ length: n }, (_, i) => i % 5 ? (i % 13) + 1 : 0);

const CASES: Record<string, Case> = {
  "multinomial n=100 [8192,8]": ({ np, random }) => {
    const p = np.array([0.05, 0.1, 0.15, 0.2, 0.2, 0.15, 0.1, 0.05]);
    return (s) => random.multinomial(random.key(s), 100, p, { shape: [N / 8, 8] });
  },
  "multinomial n=1000 [1024,64]": ({ np, random }) => {
    const w = weights(64), total = w.reduce((a, b) => a + b, 0);
    const p = np.array(w.map((x) => x / total));
    return (s) => random.multinomial(random.key(s), 1000, p, { shape: [N / 64, 64] });
  },
  "multinomial n=1000 [65536]": ({ np, random }) => {
    const w = weights(N), total = w.reduce((a, b) => a + b, 0);
    const p = np.array(w.map((x) => x / total));
    return (s) => random.multinomial(random.key(s), 1000, p);
  },
  "t df=5": ({ random }) => (s) => random.t(random.key(s), 5, [N]),
  "f 4,10": ({ random }) => (s) => random.f(random.key(s), 4, 10, [N]),
  "beta 2,6": ({ random }) => (s) => random.beta(random.key(s), 2, 6, [N]),
  "beta 0.5,0.5": ({ random }) => (s) => random.beta(random.key(s), 0.5, 0.5, [N]),
  "gamma 3": ({ random }) => (s) => random.gamma(random.key(s), 3, [N]),
  "maxwell": ({ random }) => (s) => random.maxwell(random.key(s), [N]),
  "maxwell jit": ({ jit, random }) => {
    const f = jit((k: NDArray) => random.maxwell(k, [N]));
    return (s) => f(random.key(s));
  },
  "choice p, 2^16 of 2^16": ({ np, random }) => {
    const p = np.array(weights(N));
    return (s) => random.choice(random.key(s), N, [N], { p });
  },
  "choice p jit, 2^16 of 1024": ({ jit, np, random }) => {
    const p = np.array(weights(1024));
    const f = jit((k: NDArray) => random.choice(k, 1024, [N], { p }));
    return (s) => f(random.key(s));
  },
};

const trees = await Promise.all(roots.map(async (r) => ({
  name: r,
  lib: await import(`${pathToFileURL(resolve(r)).href}/mod.ts`) as Lib,
})));
const names = Object.keys(CASES).filter((n) => !only || only.some((o) => n.startsWith(o)));
const calls = names.map((n) =>
  trees.map((t) => {
    try {
      return CASES[n](t.lib);
    } catch (e) {
      return e as Error;
    }
  })
);
const times = names.map(() => trees.map(() => [] as number[]));
const errors = names.map(() => trees.map(() => ""));
let seed = 0;
for (let round = 0; round < 5; round++) {
  names.forEach((_, c) => {
    trees.forEach((_, t) => {
      const f = calls[c][t];
      if (f instanceof Error || errors[c][t]) {
        errors[c][t] ||= String((f as Error).message ?? f).slice(0, 60);
        return;
      }
      try {
        f(seed++).toTypedArray(); // warm-up (and jit's trace) outside the timing
        const t0 = performance.now();
        let n = 0;
        do f(seed++).toTypedArray(), n++; while (performance.now() - t0 < 100);
        times[c][t].push((performance.now() - t0) / n);
      } catch (e) {
        errors[c][t] = (e as Error).message.slice(0, 60);
      }
    });
  });
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
const runtime = "Bun" in globalThis ? "bun" : "deno";
console.log(`random samplers under ${runtime}, ${N} draws: µs per element, median of 5 rounds`);
console.log(["case".padEnd(30), ...trees.map((t) => t.name.slice(-22).padStart(24))].join(""));
names.forEach((n, c) => {
  const cells = trees.map((_, t) =>
    errors[c][t] ? `error: ${errors[c][t]}` : (median(times[c][t]) * 1000 / N).toFixed(3)
  );
  console.log([n.padEnd(30), ...cells.map((x) => x.slice(0, 23).padStart(24))].join(""));
});
