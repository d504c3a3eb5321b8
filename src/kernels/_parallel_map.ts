/**
 * Elementwise loops split across the matmul's helper threads (`_parallel.ts`):
 * the same shared `WebAssembly.Memory`, control block and claim protocol, with
 * KIND = 1 in the control block.
 *
 * A loop module imports that memory (`env.memory`, shared, `MEMORY_LIMITS`) and
 * exports `run(start, end, ...bases): i32`, which walks the byte range
 * [start, end) (multiples of 16) of every region whose byte address is in
 * `bases` and returns 1 when some lane must be redone another way (the jit's
 * sin/cos flag). The caller copies the module's bytes to the start of the
 * shared memory and its inputs after them, cuts [0, total) into chunks, and
 * claims chunks like the helpers do; a helper compiles a module from the shared
 * bytes the first time it meets its id and keeps the instance (64 at most).
 * Each byte of every output region is written by exactly one chunk, so the
 * result does not depend on which thread ran which chunk.
 *
 * @module
 */
import {
  awaitChunks,
  chunkDone,
  CLAIM,
  closeClaims,
  type Engine,
  KIND,
  MAP_FIELDS,
  markUsed,
  MEMORY_LIMITS,
  memoryOf,
  postJob,
  readyEngine,
} from "./_parallel.ts";

const M_ID = MAP_FIELDS, M_LEN = MAP_FIELDS + 1;
/** Control-block fields of an elementwise job: chunk bytes, total bytes, region count (tests use them). */
export const M_CHUNK = MAP_FIELDS + 2, M_TOTAL = MAP_FIELDS + 3, M_NARGS = MAP_FIELDS + 5;
const M_BAD = MAP_FIELDS + 4;
const M_ARGS = MAP_FIELDS + 6;
/** The most regions (bases) a loop module may take. */
export const MAP_MAX_REGIONS = 24;
/** Chunk length in bytes (16,384 float32 lanes); larger only past 65,535 chunks. */
const CHUNK_BYTES = 65536;

/** A loop module's `run`. */
export type MapRun = (...startEndBases: number[]) => number;

/** A loop module known to the caller: its bytes, an id for the helpers' caches, and its local instance. */
export interface MapModule {
  readonly id: number;
  readonly bytes: Uint8Array;
  run: MapRun | null;
  memory: WebAssembly.Memory | null;
  /** This loop's fastest split job so far, ms per byte of range (see {@link slowSplitJob}). */
  bestMsPerByte: number;
}

/** Jobs run split, and chunks the helpers did (for tests). */
export const mapStats = { jobs: 0, helperChunks: 0 };

/** Ends a backoff (see below) now. For tests. */
export function resetMapBackoff(): void {
  backoff = 0;
}

let nextId = 1;
/** A handle for the loop module `bytes` (see the file header); cheap, instantiated on first use. */
export function mapModule(bytes: Uint8Array): MapModule {
  return { id: nextId++, bytes, run: null, memory: null, bestMsPerByte: Infinity };
}

function instantiate(bytes: Uint8Array, memory: WebAssembly.Memory): MapRun {
  const mod = new WebAssembly.Module(bytes as BufferSource);
  return (new WebAssembly.Instance(mod, { env: { memory } }).exports as { run: MapRun }).run;
}

/**
 * Claims and runs chunks of the elementwise job `seq` until none is left; returns how many
 * this thread ran.
 */
export function runMapChunks(run: MapRun, ctl: Int32Array, seq: number): number {
  const tag = (seq & 0x7fff) << 16;
  const chunk = ctl[M_CHUNK], total = ctl[M_TOTAL];
  const nChunks = Math.ceil(total / chunk);
  const args = [0, 0];
  for (let k = 0; k < ctl[M_NARGS]; k++) args.push(ctl[M_ARGS + k]);
  let done = 0;
  for (;;) {
    const v = Atomics.load(ctl, CLAIM);
    if ((v & 0x7fff0000) !== tag || (v & 0xffff) >= nChunks) return done;
    if (Atomics.compareExchange(ctl, CLAIM, v, v + 1) !== v) continue;
    args[0] = (v & 0xffff) * chunk;
    args[1] = Math.min(total, args[0] + chunk);
    if (run(...args)) Atomics.or(ctl, M_BAD, 1);
    done++;
    chunkDone(ctl, nChunks);
  }
}

const helperRuns = new Map<number, MapRun>();
/** In a helper: the `run` of the current job's module, compiled from the shared bytes on first use. */
export function helperMapRun(memory: WebAssembly.Memory, ctl: Int32Array): MapRun {
  const id = ctl[M_ID];
  let run = helperRuns.get(id);
  if (run === undefined) {
    run = instantiate(new Uint8Array(memory.buffer, 0, ctl[M_LEN]).slice(), memory);
    if (helperRuns.size >= 64) helperRuns.delete(helperRuns.keys().next().value!);
    helperRuns.set(id, run);
  }
  return run;
}

const align64 = (x: number) => Math.ceil(x / 64) * 64;

/** The engine of the job being prepared between {@link mapBegin} and {@link mapRun}. */
let pending: Engine | null = null;

/**
 * Jobs left to run on one thread after a slow split job. When the machine's cores are
 * taken by other processes, a split job is slower than one thread: waking the helper
 * can cost the caller its time slice (measured under load 12–14 on 2 cores: SELU over 1M
 * 2.5–2.8 ms median on one thread, 7.8–11 ms split, the helper doing 70% of the chunks).
 * A split job slower than twice the fastest one of the same loop (per byte) starts a backoff
 * of BACKOFF_JOBS jobs on one thread, after which the split is tried again.
 */
let backoff = 0;
const BACKOFF_JOBS = 32;

/**
 * Records a split job of `mod` that took `msPerByte`; true when it was slow: more than twice the
 * fastest split job of the same loop. Loops are compared only with themselves: an exp loop
 * costs several times a sum per byte, and measured against the fastest job of any loop it
 * would start a backoff every time it ran after a cheap one.
 */
export function slowSplitJob(mod: MapModule, msPerByte: number): boolean {
  const slow = msPerByte > 2 * mod.bestMsPerByte;
  mod.bestMsPerByte = Math.min(mod.bestMsPerByte, msPerByte);
  return slow;
}

/**
 * Prepares a split job of `mod` with `dataBytes` of regions: returns a view of the shared
 * memory and the first byte the regions may use, or null when the loop should run on one
 * thread (path off, helpers not ready yet, memory exhausted).
 */
export function mapBegin(
  mod: MapModule,
  dataBytes: number,
): { view: Float32Array; at: number } | null {
  pending = null;
  if (backoff > 0) {
    backoff--;
    return null;
  }
  const e = readyEngine();
  if (e === null) return null;
  // before the module's bytes and the inputs overwrite the shared memory (see closeClaims)
  closeClaims(e.ctl!);
  const at = align64(mod.bytes.length);
  if (at + dataBytes > MEMORY_LIMITS.maximum * 65536 - 65536) return null;
  const view = memoryOf(e, at + dataBytes);
  if (view === null) return null;
  new Uint8Array(view.buffer, 0, mod.bytes.length).set(mod.bytes);
  pending = e;
  return { view, at };
}

/**
 * Runs the job prepared by {@link mapBegin} over the bytes [0, total) of every region
 * (`bases`: their byte addresses): 0 when done, 1 when done with some lane flagged, −1
 * when it could not run (nothing usable was written; run the loop on one thread).
 */
export function mapRun(mod: MapModule, total: number, bases: readonly number[]): number {
  const e = pending;
  pending = null;
  if (e === null || e.ctl === null || bases.length > MAP_MAX_REGIONS) return -1;
  if (mod.memory !== e.memory) {
    mod.run = instantiate(mod.bytes, e.memory);
    mod.memory = e.memory;
  }
  const ctl = e.ctl;
  const chunk = Math.max(CHUNK_BYTES, Math.ceil(total / 0xffff / 16) * 16);
  const nChunks = Math.ceil(total / chunk);
  ctl[KIND] = 1;
  ctl[M_ID] = mod.id;
  ctl[M_LEN] = mod.bytes.length;
  ctl[M_CHUNK] = chunk;
  ctl[M_TOTAL] = total;
  ctl[M_BAD] = 0;
  ctl[M_NARGS] = bases.length;
  bases.forEach((b, k) => ctl[M_ARGS + k] = b);
  const t0 = performance.now();
  const seq = postJob(e);
  const mine = runMapChunks(mod.run!, ctl, seq);
  if (!awaitChunks(ctl, nChunks, t0)) return -1;
  const msPerByte = (performance.now() - t0) / total;
  if (slowSplitJob(mod, msPerByte)) backoff = BACKOFF_JOBS;
  mapStats.jobs++;
  mapStats.helperChunks += nChunks - mine;
  markUsed();
  return Atomics.load(ctl, M_BAD) ? 1 : 0;
}
