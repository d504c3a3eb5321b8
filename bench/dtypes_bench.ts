/**
 * Eager elementwise cost per dtype: `x.add(y)` and `x.mul(y).sum()` over 2²⁰ elements in
 * float32, float16, bfloat16, int8 and uint32. float16/bfloat16 compute in float32 and round
 * every result to the format when the array is made (`roundStorage` in src/core/_dtype.ts),
 * so the gap to float32 is that rounding pass. Then a five-op chain, eager vs jit.
 *
 *   deno run -A bench/dtypes_bench.ts      (or bun run bench/dtypes_bench.ts)
 */
import { type DType, jit, np } from "../mod.ts";

const n = 2 ** 20;
const base = np.array(Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 100));

function time(f: () => unknown, reps = 10): number {
  for (let i = 0; i < 3; i++) f();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) f();
  return (performance.now() - t0) / reps;
}

const dtypes: DType[] = ["float32", "float16", "bfloat16", "int8", "uint32"];
console.log("dtype     add (ms)  mul+sum (ms)   2^20 elements");
for (const d of dtypes) {
  const x = base.astype(d), y = base.mul(0.5).astype(d);
  const add = time(() => x.add(y)), mulSum = time(() => x.mul(y).sum());
  console.log(`${d.padEnd(9)} ${add.toFixed(2).padStart(8)}  ${mulSum.toFixed(2).padStart(12)}`);
}

// a chain of five elementwise ops, eager (one rounding pass per op) vs jit (one fused loop
// that wraps or rounds after each op)
const chain = (a: np.NDArray) => a.mul(a).add(a.mul(3)).sub(1).maximum(a.neg());
console.log("\ndtype     chain eager (ms)  chain jit (ms)");
for (const d of dtypes) {
  const x = base.astype(d);
  const fast = jit(chain);
  const eager = time(() => chain(x)), fused = time(() => fast(x));
  console.log(`${d.padEnd(9)} ${eager.toFixed(2).padStart(16)}  ${fused.toFixed(2).padStart(14)}`);
}
