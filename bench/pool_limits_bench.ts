/**
 * Worker pool limits: how fast a call past its deadline (or aborted) rejects,
 * and how long a process takes to exit after `close()` when a worker was
 * busy in a long shard. Run with `deno run -A bench/pool_limits_bench.ts`
 * or `bun run bench/pool_limits_bench.ts`.
 *
 * The busy shard is the test hook `_busyNextRuns` (a synchronous loop in the
 * worker standing for a long computation). Exit latency is measured in a child
 * process of the same runtime: create a pool, start a 3 s shard with
 * timeoutMs 100, wait for the rejection, close, and let the script end.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createWorkerPool, np } from "../mod.ts";
import { _busyNextRuns } from "../src/parallel/pool.ts";

const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";
const runtime = isBun ? "bun" : "deno";
const square = (x: np.NDArray) => x.mul(x).sum();
const x = np.ones([4, 8]);

async function latency(
  kind: "timeout" | "abort",
  busyMs: number,
  limitMs: number,
): Promise<number> {
  const pool = createWorkerPool({ size: 2 });
  const f = pool.map(square);
  await f(x); // workers started and program shipped
  _busyNextRuns(pool, 2, busyMs);
  const controller = new AbortController();
  const limits = kind === "timeout" ? { timeoutMs: limitMs } : { signal: controller.signal };
  const t0 = performance.now();
  if (kind === "abort") setTimeout(() => controller.abort(), limitMs);
  let t1 = t0;
  try {
    await f.with(limits)(x);
  } catch {
    t1 = performance.now();
  }
  await pool.close();
  return t1 - t0 - limitMs;
}

function exitLatency(busyMs: number): number {
  const script = join(tmpdir(), `difftrace_pool_exit_${Date.now()}.ts`);
  const mod = new URL("../mod.ts", import.meta.url).href;
  const hook = new URL("../src/parallel/pool.ts", import.meta.url).href;
  writeFileSync(
    script,
    `import { createWorkerPool, np } from "${mod}";
import { _busyNextRuns } from "${hook}";
const pool = createWorkerPool({ size: 1 });
const f = pool.map((x) => x.mul(x).sum());
await f(np.ones([2, 2]));
_busyNextRuns(pool, 1, ${busyMs});
const t0 = performance.now();
await f.with({ timeoutMs: 100 })(np.ones([2, 2])).catch(() => {});
await pool.close();
console.log(JSON.stringify({ rejectedAfterMs: performance.now() - t0 }));
`,
  );
  const cmd = isBun ? ["bun", ["run", script]] : ["deno", ["run", "-A", script]];
  const t0 = performance.now();
  const r = spawnSync(cmd[0] as string, cmd[1] as string[], { encoding: "utf8", timeout: 60_000 });
  const total = performance.now() - t0;
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
  return total;
}

const busy = 3000;
console.log(`runtime: ${runtime}`);
for (const kind of ["timeout", "abort"] as const) {
  const lags: number[] = [];
  for (let i = 0; i < 5; i++) lags.push(await latency(kind, busy, 100));
  lags.sort((a, b) => a - b);
  console.log(
    `${kind}: rejection ${lags[2].toFixed(1)} ms after the deadline (median of 5; ` +
      `min ${lags[0].toFixed(1)}, max ${lags[4].toFixed(1)}), shard busy ${busy} ms`,
  );
}
// the same child with a shard that is not busy: its time is start-up, loading and one call
const base = exitLatency(0);
const exitMs = exitLatency(busy);
console.log(
  `exit: a child whose ${busy} ms shard timed out at 100 ms, then close(), ended ` +
    `${(exitMs - base).toFixed(0)} ms later than the same child with an idle shard ` +
    `(${exitMs.toFixed(0)} vs ${base.toFixed(0)} ms in all)`,
);
