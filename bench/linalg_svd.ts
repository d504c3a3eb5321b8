/**
 * `np.linalg.svd` and what is built on it (`pinv`, `lstsq`), eager, per call, at the sizes of
 * real workloads: square 64, 256, 512 and tall/wide 1000×200 / 200×1000, float32 and float64.
 *
 *     deno run -A bench/linalg_svd.ts [--root DIR] [--sizes 64,256,1000x200] [--dtypes float64]
 *       [--only svd-full,svd-thin,svdvals,pinv,lstsq] [--reps 5]
 *     bun run bench/linalg_svd.ts ...
 *     python3 bench/_jax_linalg_svd.py [--sizes ...] [--dtypes ...]   (JAX, jitted, the same cases)
 *
 * On a shared machine, pin each to one core for stable figures (`taskset -c 1 …`; for JAX also
 * `XLA_FLAGS=--xla_cpu_multi_thread_eigen=false`): difftrace's kernel is single-threaded.
 *
 * `--root` as in bench/eager_ops.ts (a base tree, e.g. `git archive` of a base commit unpacked
 * in /tmp/base with `node_modules` linked). Each cell is the median of `--reps` calls (default
 * 5) after two warm-up calls, every output read back (`toTypedArray`). The matrix is the same
 * uniform [−1, 1) stream as the JAX script (a 32-bit LCG), so both time the same numbers.
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
const root = flag("root") ?? new URL("..", import.meta.url).pathname;
const sizes = (flag("sizes") ?? "64,256,512,1000x200,200x1000").split(",").map((s) => {
  const [m, n] = s.split("x").map(Number);
  return [m, n ?? m] as [number, number];
});
const dtypes = (flag("dtypes") ?? "float32,float64").split(",") as ("float32" | "float64")[];
const only = flag("only")?.split(",");
const reps = Number(flag("reps") ?? 5);

type Lib = typeof import("../mod.ts");
const lib: Lib = await import(pathToFileURL(resolve(root, "mod.ts")).href);
const { np } = lib;

/** m·n uniforms in [−1, 1) from x ← 1664525 x + 1013904223 mod 2³², seeded with `seed`. */
function uniforms(count: number, seed: number): Float64Array {
  const out = new Float64Array(count);
  let x = seed >>> 0;
  for (let i = 0; i < count; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x / 2 ** 31 - 1;
  }
  return out;
}

type NDArray = ReturnType<Lib["np"]["array"]>;
const CASES: Record<string, (a: NDArray, b: NDArray) => NDArray[]> = {
  "svd-full": (a) => np.linalg.svd(a),
  "svd-thin": (a) => np.linalg.svd(a, { fullMatrices: false }),
  svdvals: (a) => [np.linalg.svd(a, { computeUv: false })],
  pinv: (a) => [np.linalg.pinv(a)],
  lstsq: (a, b) => np.linalg.lstsq(a, b).slice(0, 2),
};

for (const [m, n] of sizes) {
  for (const dtype of dtypes) {
    const a = np.array(uniforms(m * n, 1), { dtype, shape: [m, n] });
    const b = np.array(uniforms(m, 2), { dtype, shape: [m] });
    for (const [name, f] of Object.entries(CASES)) {
      if (only && !only.includes(name)) continue;
      const run = () => f(a, b).forEach((x) => x.toTypedArray());
      run(); // two warm-up calls: the first call at a new shape also pays for recompilation
      run();
      const times: number[] = [];
      for (let r = 0; r < reps; r++) {
        const t0 = performance.now();
        run();
        times.push(performance.now() - t0);
      }
      times.sort((x, y) => x - y);
      const median = times[Math.floor(times.length / 2)];
      console.log(`${name.padEnd(9)} ${`${m}x${n}`.padEnd(9)} ${dtype}: ${median.toFixed(1)} ms`);
    }
  }
}
