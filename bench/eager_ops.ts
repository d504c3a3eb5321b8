/**
 * Eager (un-jitted) array functions on large inputs, per call, for the algorithms behind them
 * (sorts, scans, set operations, searches, convolution): a tree against another, alternating.
 *
 *     deno run -A bench/eager_ops.ts [--root DIR[,DIR...]] [--size 262144] [--only sort,cumsum]
 *     bun run bench/eager_ops.ts ...
 *
 * `--root` as in bench/matmul_cpu.ts (e.g. `git archive` of a base commit unpacked in /tmp/base
 * with `node_modules` linked). Each cell is the median of 5 rounds; a round runs each case for
 * ~150 ms and takes the mean. A case that throws prints its error (a base tree may fail where
 * a fix landed).
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
const N = Number(flag("size") ?? 2 ** 18);
const only = flag("only")?.split(",");

type Lib = typeof import("../mod.ts");
type Case = (lib: Lib) => () => unknown;

/** The cases: each builds its inputs once with `lib` and returns the call to time. */
const CASES: Record<string, Case> = {
  argsort: ({ np }) => {
    const x = np.array(Float32Array.from({ length: N }, (_, i) => Math.sin(i * 1.7)));
    return () => np.argsort(x);
  },
  sort: ({ np }) => {
    const x = np.array(Float32Array.from({ length: N }, (_, i) => Math.sin(i * 1.7)));
    return () => np.sort(x);
  },
  median: ({ np }) => {
    const x = np.array(Float32Array.from({ length: N }, (_, i) => Math.sin(i * 1.7)));
    return () => np.median(x);
  },
  cumsum: ({ np }) => {
    const x = np.array(Float32Array.from({ length: N }, (_, i) => Math.sin(i)));
    return () => np.cumsum(x);
  },
  nonzero: ({ np }) => {
    const x = np.array(Float32Array.from({ length: N }, (_, i) => Math.sin(i)));
    return () => np.nonzero(np.greater(x, 0));
  },
  unique: ({ np }) => {
    const x = np.array(Int32Array.from({ length: N }, (_, i) => (i * 7919) % 1000));
    return () => np.unique(x);
  },
  repeat: ({ np }) => {
    const x = np.array(Float32Array.from({ length: N }, (_, i) => i));
    return () => np.repeat(x, 2);
  },
  "searchsorted 2^16 in 2^16": ({ np }) => {
    const a = np.arange(65536).astype("float32");
    const q = np.array(Float32Array.from({ length: 65536 }, (_, i) => ((i * 7919) % 65536) + 0.5));
    return () => np.searchsorted(a, q);
  },
  "isin 2^16 in 500": ({ np }) => {
    const x = np.array(Int32Array.from({ length: 65536 }, (_, i) => (i * 7919) % 1000));
    const t = np.arange(500, { dtype: "int32" });
    return () => np.isin(x, t);
  },
  "convolve 2^16 * 5": ({ np }) => {
    const x = np.array(Float32Array.from({ length: 65536 }, (_, i) => Math.sin(i)));
    const k = np.array([1, 2, 3, 2, 1]);
    return () => np.convolve(x, k);
  },
  "bincount": ({ np }) => {
    const x = np.array(Int32Array.from({ length: N }, (_, i) => (i * 7919) % 1000));
    return () => np.bincount(x);
  },
  cummax: ({ np }) => {
    const x = np.array(Float32Array.from({ length: N }, (_, i) => Math.sin(i)));
    return () => np.cummax(x);
  },
  "eigh 256": ({ np, random }) => {
    const a = random.normal(random.key(3), [256, 256], { dtype: "float64" });
    const s = a.add(a.T);
    return () => np.linalg.eigh(s);
  },
  "random.gamma 2^16": ({ random }) => {
    let k = 0;
    return () => random.gamma(random.key(k++), 0.5, [65536]);
  },
  "permutation 60000": ({ random }) => {
    let k = 0;
    return () => random.permutation(random.key(k++), 60000);
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
for (let round = 0; round < 5; round++) {
  names.forEach((_, c) => {
    trees.forEach((_, t) => {
      const f = calls[c][t];
      if (f instanceof Error || errors[c][t]) {
        errors[c][t] ||= String((f as Error).message ?? f).slice(0, 60);
        return;
      }
      try {
        f();
        const t0 = performance.now();
        let n = 0;
        while (performance.now() - t0 < 150) f(), n++;
        times[c][t].push((performance.now() - t0) / n);
      } catch (e) {
        errors[c][t] = (e as Error).message.slice(0, 60);
      }
    });
  });
}
const median = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1];
console.log(`eager ops, size ${N} unless named; ms per call, median of 5 rounds`);
console.log(["case".padEnd(28), ...trees.map((t) => t.name.slice(-30).padStart(32))].join(""));
names.forEach((n, c) => {
  const cells = trees.map((_, t) =>
    errors[c][t] ? `error: ${errors[c][t]}` : median(times[c][t]).toFixed(2)
  );
  console.log([n.padEnd(28), ...cells.map((x) => x.slice(0, 31).padStart(32))].join(""));
});
