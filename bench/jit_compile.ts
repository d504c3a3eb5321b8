/**
 * jit compile time vs the length of a fused elementwise chain (issue 10): a
 * chain x ↦ ((x·a + b)·a + b)… of `n` equations over 64 float32 values, for n
 * from 1,000 to 100,000. Prints the tracing time (`makeJaxpr`), the compile
 * time (simplify + DCE + fusion + planning + code generation, `compile`), and
 * the compile time per equation, which stays about constant when growth is
 * linear. Each size runs twice; the second (warm engine) row is the figure.
 *
 *   deno run -A bench/jit_compile.ts [--max 100000]
 *   bun run bench/jit_compile.ts
 */
import { makeJaxpr, np } from "../mod.ts";
import { compile } from "../src/jit/_compile.ts";

const args = typeof Deno !== "undefined" ? Deno.args : process.argv.slice(2);
const maxIdx = args.indexOf("--max");
const max = maxIdx >= 0 ? Number(args[maxIdx + 1]) : 100_000;
const sizes = [1_000, 4_000, 16_000, 50_000, 100_000].filter((n) => n <= max);

const x = np.linspace(-1, 1, 64);
console.log("equations | run | trace (ms) | compile (ms) | compile µs/eqn | fused loops");
for (const n of sizes) {
  for (const run of [1, 2]) {
    const chain = (v: np.NDArray) => {
      for (let i = 0; i < n / 2; i++) v = v.mul(0.999).add(0.001);
      return v;
    };
    const t0 = performance.now();
    const jaxpr = makeJaxpr(chain)(x);
    const t1 = performance.now();
    const ex = compile(jaxpr);
    const t2 = performance.now();
    if (jaxpr.eqns.length < n) throw new Error(`expected ${n} equations, got ${jaxpr.eqns.length}`);
    console.log(
      [
        String(n).padStart(9),
        String(run).padStart(3),
        (t1 - t0).toFixed(0).padStart(10),
        (t2 - t1).toFixed(0).padStart(12),
        (1000 * (t2 - t1) / n).toFixed(1).padStart(14),
        String(ex.stats.loops).padStart(11),
      ].join(" | "),
    );
  }
}
