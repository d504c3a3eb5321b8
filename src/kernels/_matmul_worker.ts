/**
 * Helper thread of the multi-threaded float32 kernels (`_parallel.ts`, `_parallel_matmul.ts`): it
 * instantiates the wasm kernel over the shared memory it is sent, reports
 * ready in the control block, then blocks in `Atomics.wait` for jobs and
 * computes the chunks of rows it claims, until the caller sets EXIT. Jobs of
 * KIND 1 are elementwise loops (`_parallel_map.ts`), whose chunks it claims alike.
 *
 * @module
 */
import { type GemmExports, gemmModuleBytes } from "./matmul.ts";
import {
  CLAIM,
  CLAIMS_CLOSED,
  EXIT,
  type HelperInit,
  helperWait,
  KIND,
  MEMORY_LIMITS,
  READY,
  SEQ,
} from "./_parallel.ts";
import { runChunks } from "./_parallel_matmul.ts";
import { helperMapRun, runMapChunks } from "./_parallel_map.ts";

interface HelperScope {
  onmessage: ((event: MessageEvent) => void) | null;
  /** Deno (and the web) */
  close?: () => void;
  /** Bun's workers have no close(); process.exit() there ends the worker only */
  process?: { exit(code?: number): void };
  Bun?: unknown;
}
const scope = globalThis as unknown as HelperScope;

scope.onmessage = (event: MessageEvent) => {
  scope.onmessage = null;
  const { memory, ctl, index, config } = event.data as HelperInit;
  if (Atomics.load(ctl, EXIT) === 0) {
    const mod = new WebAssembly.Module(gemmModuleBytes(config, MEMORY_LIMITS) as BufferSource);
    const ex = new WebAssembly.Instance(mod, { env: { memory } }).exports as unknown as GemmExports;
    let seen = Atomics.load(ctl, SEQ);
    Atomics.store(ctl, READY + index, 1);
    while (Atomics.load(ctl, EXIT) === 0) {
      helperWait(ctl, seen, 10_000);
      const seq = Atomics.load(ctl, SEQ);
      if (seq === seen || Atomics.load(ctl, EXIT) !== 0) continue;
      seen = seq;
      // a job already closed or superseded (this helper woke late): nothing to claim, and its
      // fields and module bytes may be half overwritten by the next job
      const claim = Atomics.load(ctl, CLAIM);
      if ((claim & 0x7fff0000) !== (seq & 0x7fff) << 16 || (claim & 0xffff) === CLAIMS_CLOSED) {
        continue;
      }
      if (Atomics.load(ctl, KIND) === 1) runMapChunks(helperMapRun(memory, ctl), ctl, seq);
      else runChunks(ex, ctl, index, seq);
    }
    Atomics.store(ctl, READY + index, 0);
  }
  if (typeof scope.close === "function") scope.close();
  else if (scope.Bun !== undefined) scope.process?.exit(0);
};
