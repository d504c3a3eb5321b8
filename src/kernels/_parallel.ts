/**
 * The helper threads of the float32 kernels: one shared `WebAssembly.Memory`, helper Web
 * Workers that each instantiate the matmul module (`matmul.ts`, `gemmModuleBytes`) over
 * it, and a control block through which the calling thread posts a job and the helpers
 * claim its chunks. The jobs themselves are the split matmul (`_parallel_matmul.ts`,
 * KIND 0) and the elementwise loops (`_parallel_map.ts`, KIND 1). The caller claims
 * chunks too, so a helper that is slow to wake (or not started yet) only means the caller
 * does more of them; it then blocks in `Atomics.wait` until the chunks the helpers
 * claimed are done.
 *
 * Control block (an Int32Array over a SharedArrayBuffer, indices below):
 * the caller writes the job's parameters, sets CLAIM = tag(seq) | 0 and bumps
 * SEQ; helpers wait on SEQ. A claim is a compare-and-swap on CLAIM that
 * succeeds only while CLAIM still carries the job's tag, so a helper that
 * wakes late never touches a newer job. Each finished chunk adds 1 to
 * FINISHED; the job is done when FINISHED reaches the number of chunks.
 *
 * Wake-ups: `Atomics.notify` is called only where a thread may be asleep
 * (under Bun it cost a fifth of an MLP step's samples when called on every
 * job and chunk). A helper adds 1 to ASLEEP before it waits on SEQ and takes
 * it back after; `postJob` notifies SEQ only when ASLEEP is not 0. The caller
 * sets CALLER_ASLEEP before it waits on FINISHED; the thread whose chunk
 * makes FINISHED reach the chunk count notifies only when that flag is set,
 * and no other chunk notifies. No wake-up is lost: every access is a
 * sequentially consistent atomic, and `Atomics.wait` compares the value and
 * joins the waiter list in one critical section that `Atomics.notify` also
 * takes. Take the helper (the caller's side is the same with FINISHED and
 * CALLER_ASLEEP): it does (h1) ASLEEP += 1, then (h2) wait-if SEQ = seen; the
 * caller does (c1) store SEQ, (c2) read ASLEEP, (c3) notify if it was not 0.
 * If c2 comes before h1, then c1 < h1 < h2 and h2 sees the new SEQ: no sleep.
 * Otherwise c2 reads ≥ 1 and c3 runs; if h2's critical section is before c3's,
 * the helper is on the list and woken; if after, h2 is after c1 and sees the
 * new SEQ. A stale non-zero count costs a needless notify only.
 *
 * Lifetime: helpers start on the first large product (asynchronously: until
 * one reports ready, products run on the calling thread alone), and close
 * themselves IDLE_MS after the last parallel product (EXIT flag + SEQ bump; a
 * Deno worker blocked in Atomics.wait must not be terminate()d, that hangs
 * the process at exit), so a script's process exits. Under Bun the workers
 * are also unref'd. Helpers never start inside a worker (the WorkerPool
 * already uses every core), nor under Deno without read permission for the
 * worker module. A helper that does not finish a claimed chunk within
 * seconds disables the path for the process; the product is then recomputed
 * on the calling thread. Nothing here throws: on any failure the caller gets
 * `false` and runs the one-thread kernel.
 *
 * @module
 */
import {
  defaultGemmConfig,
  type GemmConfig,
  type GemmExports,
  gemmModuleBytes,
  matmulF32Wasm,
} from "./matmul.ts";

// ---- control block ------------------------------------------------------------------

/** Job number; bumped to start a job, and once more to wake helpers for exit. */
export const SEQ = 0;
/** (seq & 0x7fff) << 16 | next unclaimed chunk. */
export const CLAIM = 1;
/** Chunks finished in the current job. */
export const FINISHED = 2;
/** 1: helpers close themselves. */
export const EXIT = 3;
/** A matmul job's fields (`_parallel_matmul.ts`): flags, byte addresses, sizes, chunking. */
export const P_TRANS_A = 4, P_RAW_A = 5, P_M = 6, P_K = 7, P_KP = 8, P_BP = 9, P_C = 10;
export const P_NP = 11, P_CHUNK = 12, P_NCHUNKS = 13, P_AP = 14, P_AP_STRIDE = 15;
export const P_THREADS = 16;
/** READY + t: helper t (1-based) waits for jobs. */
export const READY = 17;
/** Threads in all, the caller included. */
const MAX_THREADS = 8;
/** What the job is: 0 a matmul (the fields above), 1 an elementwise loop (`_parallel_map.ts`). */
export const KIND = READY + MAX_THREADS;
/** First of the elementwise loop's fields (`_parallel_map.ts`). */
export const MAP_FIELDS = KIND + 1;
/** Helpers asleep (or about to sleep) on SEQ; see the file header. */
export const ASLEEP = MAP_FIELDS + 32;
/** 1 while the caller is asleep (or about to sleep) on FINISHED. */
const CALLER_ASLEEP = ASLEEP + 1;
/** How long helpers poll for the next job before sleeping, µs (see {@link helperWait}). */
const SPIN_US = CALLER_ASLEEP + 1;
/** 1: the matmul job splits C's columns (`_parallel_matmul.ts`); raw B's address, n, transB. */
export const P_COLS = SPIN_US + 1, P_RAW_B = SPIN_US + 2, P_N = SPIN_US + 3;
export const P_TRANS_B = SPIN_US + 4;
const CTL_LENGTH = P_TRANS_B + 1;

/** Shared memory limits, in 64 KiB pages (max 2 GiB, the kernel's i32 addressing). */
export const MEMORY_LIMITS = { initial: 1, maximum: 32768 };
const INITIAL_PAGES = 64;

/** What a helper receives once, at start. */
export interface HelperInit {
  memory: WebAssembly.Memory;
  ctl: Int32Array;
  index: number;
  config: GemmConfig;
}

/**
 * Counts a finished chunk; wakes the caller if this was the job's last chunk and the
 * caller sleeps (the caller itself never does: its flag is clear while it runs chunks).
 */
export function chunkDone(ctl: Int32Array, nChunks: number): void {
  if (Atomics.add(ctl, FINISHED, 1) + 1 === nChunks && Atomics.load(ctl, CALLER_ASLEEP) !== 0) {
    Atomics.notify(ctl, FINISHED);
  }
}

const pause = (Atomics as { pause?: () => void }).pause?.bind(Atomics) ?? (() => {});

/**
 * In a helper: returns once SEQ differs from `seen` (or `timeoutMs` passes). It first polls
 * SEQ for SPIN_US µs (0 by default, see `spinUs`): a training step posts its products and
 * loops tens to hundreds of µs apart, and a helper caught awake costs the caller no
 * `Atomics.notify` (a system call that, on a busy machine, may hand the caller's core to the
 * woken helper) and no wake-up latency. Then it sleeps, announcing itself in ASLEEP so that
 * {@link postJob} knows to wake it (a job posted meanwhile makes the wait return at once).
 */
export function helperWait(ctl: Int32Array, seen: number, timeoutMs: number): void {
  const spin = Atomics.load(ctl, SPIN_US) / 1000;
  if (spin > 0) {
    const end = performance.now() + spin;
    while (Atomics.load(ctl, SEQ) === seen && Atomics.load(ctl, EXIT) === 0) {
      pause();
      if (performance.now() >= end) break;
    }
  }
  Atomics.add(ctl, ASLEEP, 1);
  Atomics.wait(ctl, SEQ, seen, timeoutMs);
  Atomics.sub(ctl, ASLEEP, 1);
}

// ---- caller side --------------------------------------------------------------------

type RefWorker = Worker & { unref?: () => void };

/** The shared memory, the kernel's instance on this thread, and the helpers. */
export interface Engine {
  memory: WebAssembly.Memory;
  ex: GemmExports;
  view: Float32Array;
  /** Control block of the current generation of helpers; null while none runs. */
  ctl: Int32Array | null;
  /** The thread count the current helpers were started for. */
  ctlThreads: number;
  helpers: RefWorker[];
  seq: number;
}

const IDLE_MS = 500;
/**
 * How long a helper polls for the next job before it sleeps, µs; see {@link helperWait}.
 * Off: on the shared 2-core machine (load 10–15) polling 200 or 1000 µs cost CPU time per
 * MLP step (Bun 9.5 → 10.0–10.4 / 11.8–12.4 ms; Deno 6.3–6.8 → 6.9–7.7 / 8.4–9.5) for no
 * wall-time gain; a quiet machine was not available to measure it.
 */
let spinUs = 0;
/** Sets how long helpers poll for the next job before sleeping (0: never); returns the old. For benchmarks. */
export function setHelperSpinUs(us: number): number {
  const was = spinUs;
  spinUs = us;
  if (engine?.ctl) Atomics.store(engine.ctl, SPIN_US, us);
  return was;
}
/** A claimed chunk unfinished after this long (and 50× the caller's own time) disables the path. */
const STALL_MS = 3000;

const WORKER_URL = new URL(
  /\.m?js$/.test(new URL(import.meta.url).pathname) ? "./_matmul_worker.js" : "./_matmul_worker.ts",
  import.meta.url,
);

let engine: Engine | null = null;
/** Threads wanted (caller included); 1 turns the path off. */
let threads = defaultThreads();
/** Set when the path cannot work here (no shared memory, no permission, a stall, failed starts). */
let disabled = !supported();
let failedStarts = 0;
let lastUse = 0;
let idleTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * Products computed in parallel, chunks the helpers did, jobs that had to wake a helper,
 * times the caller slept waiting for a helper's chunk, and sleeps that ended by timeout
 * (seconds: a stalled helper or a lost wake-up) rather than by a notify (for tests).
 */
export const parallelStats = {
  jobs: 0,
  columnJobs: 0,
  helperChunks: 0,
  helperWakes: 0,
  callerSleeps: 0,
  callerTimeouts: 0,
};

function defaultThreads(): number {
  const env = envThreads();
  if (env !== undefined) return env;
  const hc = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator
    ?.hardwareConcurrency;
  return Math.max(1, Math.min(4, typeof hc === "number" ? hc : 1));
}

/** DIFFTRACE_THREADS, read only where that needs no permission prompt. */
function envThreads(): number | undefined {
  const g = globalThis as {
    Deno?: {
      permissions: { querySync(d: { name: "env"; variable: string }): { state: string } };
      env: { get(k: string): string | undefined };
    };
    process?: { env?: Record<string, string | undefined> };
  };
  let raw: string | undefined;
  try {
    if (g.Deno) {
      const st = g.Deno.permissions.querySync({ name: "env", variable: "DIFFTRACE_THREADS" });
      if (st.state === "granted") raw = g.Deno.env.get("DIFFTRACE_THREADS");
    } else raw = g.process?.env?.DIFFTRACE_THREADS;
  } catch {
    return undefined;
  }
  const v = raw === undefined ? NaN : Number(raw);
  return Number.isInteger(v) && v >= 1 ? Math.min(v, MAX_THREADS) : undefined;
}

function supported(): boolean {
  const g = globalThis as {
    WorkerGlobalScope?: new () => unknown;
    Bun?: { isMainThread?: boolean };
  };
  // inside a worker (e.g. the WorkerPool's): stay on one thread
  if (typeof g.WorkerGlobalScope === "function" && globalThis instanceof g.WorkerGlobalScope) {
    return false;
  }
  if (g.Bun?.isMainThread === false) return false;
  if (matmulF32Wasm === null || typeof SharedArrayBuffer !== "function") return false;
  if (typeof Worker !== "function" || typeof Atomics?.wait !== "function") return false;
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    // the caller blocks in Atomics.wait, which a browser's main thread refuses (throws)
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** Under Deno, whether the worker module may be loaded without a permission prompt. */
function mayStartWorker(): boolean {
  const deno = (globalThis as {
    Deno?: { permissions: { querySync(d: unknown): { state: string } } };
  }).Deno;
  if (!deno) return true;
  try {
    const desc = WORKER_URL.protocol === "file:"
      ? { name: "read", path: WORKER_URL }
      : { name: "import", host: WORKER_URL.host };
    return deno.permissions.querySync(desc).state === "granted";
  } catch {
    return false;
  }
}

/**
 * Sets how many threads large float32 products use, the calling thread
 * included (1: one thread, as before). Helpers start lazily.
 */
export function setThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`setMatmulThreads: expected a positive integer, got ${n}.`);
  }
  // running helpers stay (for their idle time) through a switch to 1 and back; a call
  // with another thread count replaces them (see readyEngine)
  threads = Math.min(n, MAX_THREADS);
}

/** Threads large float32 products use now (1 where the parallel path is unavailable). */
export function getThreads(): number {
  return disabled ? 1 : threads;
}

function createEngine(): Engine {
  const memory = new WebAssembly.Memory({
    initial: INITIAL_PAGES,
    maximum: MEMORY_LIMITS.maximum,
    shared: true,
  });
  const mod = new WebAssembly.Module(
    gemmModuleBytes(defaultGemmConfig, MEMORY_LIMITS) as BufferSource,
  );
  const inst = new WebAssembly.Instance(mod, { env: { memory } });
  return {
    memory,
    ex: inst.exports as unknown as GemmExports,
    view: new Float32Array(memory.buffer),
    ctl: null,
    ctlThreads: 0,
    helpers: [],
    seq: 0,
  };
}

function startHelpers(e: Engine): void {
  if (!mayStartWorker()) {
    disabled = true;
    return;
  }
  const ctl = new Int32Array(new SharedArrayBuffer(CTL_LENGTH * 4));
  e.ctl = ctl;
  ctl[SPIN_US] = spinUs;
  e.ctlThreads = threads;
  e.seq = 0;
  for (let t = 1; t < threads; t++) {
    let w: RefWorker;
    try {
      w = new Worker(WORKER_URL, { type: "module", name: `difftrace-matmul-${t}` });
    } catch {
      disabled = true;
      stopHelpers();
      return;
    }
    w.unref?.();
    w.onerror = (ev: ErrorEvent) => {
      ev.preventDefault();
      if (engine?.ctl !== ctl) return; // a stopped generation
      // a helper that never got ready counts as a failed start; three turn the path off
      if (Atomics.load(ctl, READY + t) === 0 && ++failedStarts >= 3) disabled = true;
      stopHelpers();
    };
    const init: HelperInit = { memory: e.memory, ctl, index: t, config: defaultGemmConfig };
    w.postMessage(init);
    e.helpers.push(w);
  }
  // helpers that start and are never used stop too
  lastUse = performance.now();
  armIdleTimer();
}

/** Asks the helpers to close themselves (they are blocked in Atomics.wait on SEQ). */
function stopHelpers(): void {
  const e = engine;
  if (e === null || e.ctl === null) return;
  const ctl = e.ctl;
  Atomics.store(ctl, EXIT, 1);
  Atomics.add(ctl, SEQ, 1);
  Atomics.notify(ctl, SEQ);
  e.ctl = null;
  e.ctlThreads = 0;
  e.helpers = [];
}

function unrefTimer(t: ReturnType<typeof setTimeout>): void {
  const deno = (globalThis as { Deno?: { unrefTimer(id: number): void } }).Deno;
  if (deno && typeof t === "number") deno.unrefTimer(t);
  else (t as { unref?: () => void }).unref?.();
}

function armIdleTimer(): void {
  if (idleTimer !== undefined) return;
  const wait = Math.max(10, lastUse + IDLE_MS - performance.now());
  idleTimer = setTimeout(() => {
    idleTimer = undefined;
    if (performance.now() - lastUse >= IDLE_MS) stopHelpers();
    else armIdleTimer();
  }, wait);
  unrefTimer(idleTimer);
}

function readyHelpers(ctl: Int32Array): number {
  let r = 0;
  for (let t = 1; t < threads; t++) r += Atomics.load(ctl, READY + t);
  return r;
}

/**
 * Resolves true once at least one helper is ready (starting them if needed),
 * false if the parallel path is off or none gets ready within `timeoutMs`.
 * For tests and benchmarks.
 */
export async function helpersReady(timeoutMs = 5000): Promise<boolean> {
  const end = performance.now() + timeoutMs;
  while (!disabled && threads > 1 && performance.now() < end) {
    if (engine === null) engine = createEngine();
    if (engine.ctlThreads !== threads) stopHelpers();
    if (engine.ctl === null) startHelpers(engine);
    // waiting counts as use: without this the idle timer stops helpers whose start takes
    // longer than IDLE_MS (a loaded machine, or `deno test` type-checking the worker module)
    // and this loop starts them again, forever
    lastUse = performance.now();
    if (engine.ctl !== null && readyHelpers(engine.ctl) > 0) {
      lastUse = performance.now();
      armIdleTimer();
      return true;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  return false;
}

// ---- shared by every kind of job ----------------------------------------------------

/** The engine with its helpers started and at least one ready, or null (then run on one thread). */
export function readyEngine(): Engine | null {
  if (disabled || threads < 2) return null;
  let e: Engine;
  try {
    if (engine === null) engine = createEngine();
    e = engine;
    if (e.ctlThreads !== threads) stopHelpers();
    if (e.ctl === null) startHelpers(e);
  } catch {
    disabled = true;
    return null;
  }
  return e.ctl === null || readyHelpers(e.ctl) === 0 ? null : e;
}

/** A view of the engine's shared memory grown to at least `endBytes`, or null if it cannot be. */
export function memoryOf(en: Engine, endBytes: number): Float32Array | null {
  const mem = en.memory;
  try {
    if (endBytes > MEMORY_LIMITS.maximum * 65536 - 65536) return null;
    if (endBytes > mem.buffer.byteLength) {
      mem.grow(Math.ceil((endBytes - mem.buffer.byteLength) / 65536));
    }
  } catch {
    return null;
  }
  if (en.view.length * 4 !== mem.buffer.byteLength) en.view = new Float32Array(mem.buffer);
  return en.view;
}

/** CLAIM while no job is open: a count of 0xffff, at or past every job's last chunk. */
export const CLAIMS_CLOSED = 0xffff;

/**
 * Closes the control block to claims before a new job's fields and data are written. A helper
 * woken for the previous job can be late: if it read the new job's fields (more chunks) while
 * CLAIM still held the previous job's tag and final count, it could claim a chunk past the
 * previous job's end and run it with the new job's half-written fields, racing the new job's
 * own run of that chunk (a chunk-edge element of a split SELU came out wrong, about one full
 * Bun test run in four). With CLAIM closed first, such a helper sees a count no job reaches,
 * or the new job's tag, and claims nothing.
 */
export function closeClaims(ctl: Int32Array): void {
  Atomics.store(ctl, CLAIM, CLAIMS_CLOSED);
}

/**
 * Starts the job whose fields are written in the control block (after {@link closeClaims}):
 * wakes the helpers; returns its seq.
 */
export function postJob(en: Engine): number {
  const ctl = en.ctl!;
  const seq = (en.seq + 1) & 0x3fffffff;
  en.seq = seq;
  Atomics.store(ctl, FINISHED, 0);
  Atomics.store(ctl, CLAIM, (seq & 0x7fff) << 16);
  Atomics.store(ctl, SEQ, seq);
  if (Atomics.load(ctl, ASLEEP) !== 0) {
    Atomics.notify(ctl, SEQ);
    parallelStats.helperWakes++;
  }
  return seq;
}

/**
 * Waits until `nChunks` chunks are finished; false (and the parallel path off for the
 * process) when a helper stalls inside a chunk: its memory is then never used again.
 */
export function awaitChunks(ctl: Int32Array, nChunks: number, t0: number): boolean {
  const deadline = performance.now() + Math.max(STALL_MS, 50 * (performance.now() - t0));
  for (;;) {
    const f = Atomics.load(ctl, FINISHED);
    if (f >= nChunks) return true;
    const left = deadline - performance.now();
    if (left <= 0) {
      disabled = true;
      stopHelpers();
      engine = null;
      return false;
    }
    Atomics.store(ctl, CALLER_ASLEEP, 1);
    const woke = Atomics.wait(ctl, FINISHED, f, left);
    if (woke !== "not-equal") parallelStats.callerSleeps++;
    if (woke === "timed-out") parallelStats.callerTimeouts++;
    Atomics.store(ctl, CALLER_ASLEEP, 0);
  }
}

/** Records a use of the helpers (they close IDLE_MS after the last). */
export function markUsed(): void {
  lastUse = performance.now();
  armIdleTimer();
}
