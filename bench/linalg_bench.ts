/**
 * Dense-factorisation timings (Deno and Bun): `deno run -A bench/linalg_bench.ts [n ...]` or
 * `bun bench/linalg_bench.ts [n ...]` (default n = 32 and 128).
 *
 * Times, for a float64 n×n matrix (eager, one matrix): `np.linalg.qr`, `np.linalg.svd`
 * (thin), `np.linalg.pinv`, and the gradient of a loss through the SVD (U diag(s) Vh squared
 * and summed); the median of repeated runs after one warm-up run.
 */
import { grad, type NDArray, np } from "../mod.ts";

declare const Deno: { args: string[] } | undefined;
declare const process: { argv: string[] } | undefined;
const args = typeof Deno !== "undefined" ? Deno.args : process!.argv.slice(2);
const sizes = args.length ? args.map(Number) : [32, 128];

const svdLoss = (x: NDArray) => {
  const [u, s, vh] = np.linalg.svd(x, { fullMatrices: false });
  return u.mul(s.expandDims(0)).matmul(vh).square().sum();
};

for (const n of sizes) {
  const data = Float64Array.from(
    { length: n * n },
    (_, i) => Math.sin(i * 1.37) + (i % (n + 1) === 0 ? 2 : 0),
  );
  const a = np.array(data, { dtype: "float64", shape: [n, n] });
  const cases: [string, () => NDArray][] = [
    ["qr", () => np.linalg.qr(a)[1]],
    ["svd (thin)", () => np.linalg.svd(a, { fullMatrices: false })[1]],
    ["pinv", () => np.linalg.pinv(a)],
    ["grad through svd", () => grad(svdLoss)(a)],
  ];
  for (const [name, f] of cases) {
    f().toTypedArray();
    const times: number[] = [];
    const deadline = performance.now() + 2000;
    while (times.length < 3 || (performance.now() < deadline && times.length < 100)) {
      const t0 = performance.now();
      f().toTypedArray();
      times.push(performance.now() - t0);
    }
    times.sort((x, y) => x - y);
    const median = times[Math.floor(times.length / 2)];
    console.log(
      `${name.padEnd(18)} ${n}×${n} float64: ${median.toFixed(2)} ms (median of ${times.length})`,
    );
  }
}
