/**
 * RSS of a jitted function called with 10,000 input signatures (issue 10): the
 * per-function cache keeps the 256 most recently used compiled versions by
 * default, so the RSS levels off instead of growing with every signature.
 *
 *     deno run -A --v8-flags=--expose-gc bench/jit_cache_memory.ts [--signatures 10000] [--cache-size 256]
 *     bun run bench/jit_cache_memory.ts [same flags]
 *
 * The function is a small program (a matmul, the tanh·sin chain, a softmax-like
 * normalisation, a sum) called on a [k] input for k = 1 … signatures, so every
 * call traces and compiles a new version. Prints the RSS and the JS heap (after
 * a full collection) every 1,000 signatures; `--cache-size 100000` shows the
 * unbounded behaviour. What a cached version keeps besides its code is its
 * scratch buffers (a few arrays of its input's size), so the retained memory is
 * bounded by cacheSize × the largest signatures' buffers.
 *
 * @module
 */
import process from "node:process";
import { jit, type NDArray, np } from "../mod.ts";

const argv = process.argv.slice(2);
const num = (name: string, dflt: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : dflt;
};
const signatures = num("signatures", 10_000), cacheSize = num("cache-size", 256);
const runtime = process.versions.bun
  ? `Bun ${process.versions.bun}`
  : `Deno ${(process.versions as Record<string, string>).deno}`;
const mib = () => process.memoryUsage().rss / 2 ** 20;
const heap = () => process.memoryUsage().heapUsed / 2 ** 20;
/** A full collection when the runtime exposes one (Deno: --v8-flags=--expose-gc; Bun: always). */
const gc = (globalThis as { gc?: () => void }).gc ??
  (globalThis as { Bun?: { gc(sync: boolean): void } }).Bun?.gc.bind(null, true);

const w = np.ones([4, 4]).mul(0.1);
const program = (x: NDArray) => {
  const h = x.tanh().mul(x.sin()).add(x.mul(x));
  const e = np.matmul(w, h.reshape([1, -1]).broadcastTo([4, h.shape[0]])).exp();
  return e.div(e.sum({ axis: 0, keepdims: true })).sum();
};
const f = jit(program, { cacheSize });
const warn = console.warn;
console.warn = () => {}; // the retrace warning is expected here
console.log(`${runtime}, cacheSize ${cacheSize}: RSS at start ${mib().toFixed(1)} MiB`);
console.log("signatures | RSS (MiB) | heap used (MiB) | ms per new signature");
let t = performance.now();
for (let k = 1; k <= signatures; k++) {
  f(np.ones([k]).add(k / signatures)).item();
  if (k % 1000 === 0) {
    const ms = (performance.now() - t) / 1000;
    gc?.();
    console.log(
      `${String(k).padStart(10)} | ${mib().toFixed(1).padStart(9)} | ${
        heap().toFixed(1).padStart(15)
      } | ${ms.toFixed(2).padStart(20)}`,
    );
    t = performance.now();
  }
}
console.warn = warn;
