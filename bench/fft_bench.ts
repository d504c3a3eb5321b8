/**
 * FFT timings (Deno and Bun): `deno run -A bench/fft_bench.ts [n ...]` or
 * `bun bench/fft_bench.ts [n ...]` (default n = 65536 and 10007, a prime).
 *
 * Times `np.fft.fft` of a float64 signal of length n (eager, one row), the median of
 * repeated runs after one warm-up run that also builds the cached plan (twiddles, chirp).
 */
import { np } from "../mod.ts";

declare const Deno: { args: string[] } | undefined;
declare const process: { argv: string[] } | undefined;
const args = typeof Deno !== "undefined" ? Deno.args : process!.argv.slice(2);
const sizes = args.length ? args.map(Number) : [65536, 10007];

for (const n of sizes) {
  const data = Float64Array.from(
    { length: n },
    (_, i) => Math.sin(i * 0.37) + ((i * 7919) % 13) / 13,
  );
  const x = np.array(data, { dtype: "float64" });
  let t0 = performance.now();
  np.fft.fft(x)[0].toTypedArray();
  const first = performance.now() - t0;
  const times: number[] = [];
  const deadline = performance.now() + 2000;
  while (times.length < 5 || (performance.now() < deadline && times.length < 200)) {
    t0 = performance.now();
    np.fft.fft(x)[0].toTypedArray();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const median = times[times.length >> 1];
  console.log(
    `fft n=${n}: median ${median.toFixed(3)} ms over ${times.length} runs (first run ${
      first.toFixed(1)
    } ms)`,
  );
}
