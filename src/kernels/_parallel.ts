/**
 * Multi-threaded float32 matmul, synchronous: C[m×n] = op(A)·op(B) with the
 * rows or the columns of C split between the calling thread and helper Web Workers.
 *
 * Every thread instantiates the same WebAssembly kernel (`matmul.ts`,
 * `gemmModuleBytes`) over one shared `WebAssembly.Memory`. The caller copies
 * A and B into it. Split by rows (the default), it packs B once; the rows of C are
 * cut into chunks of `chunk` rows (a multiple of the kernel's MR), which the
 * caller and the helpers claim one at a time from a shared counter. For its
 * chunk a thread packs those rows of op(A) into its own panel and runs `gemm`
 * on them, writing C's rows [r0, r0 + chunk) in place. Split by columns
 * (n ≥ 6·m, as BLIS splits its jc/jr loops; see `splitColumns`), the caller packs A once and a chunk
 * is `chunk` columns (a multiple of NR): the thread packs those columns of op(B)
 * (so B's packing runs in parallel) and runs `gemmCols` on them. Either way
 * each element of C is computed by the same micro-kernel steps, in the same
 * order, as in the one-thread kernel, so the results are the same. The caller claims chunks too, so a helper that
 * is slow to wake (or not started yet) only means the caller does more of them;
 * it then blocks in `Atomics.wait` until the chunks the helpers claimed are done.
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
const P_TRANS_A = 4, P_RAW_A = 5, P_M = 6, P_K = 7, P_KP = 8, P_BP = 9, P_C = 10, P_NP = 11;
const P_CHUNK = 12, P_NCHUNKS = 13, P_AP = 14, P_AP_STRIDE = 15, P_THREADS = 16;
/** READY + t: helper t (1-based) waits for jobs. */
export const READY = 17;
const MR = defaultGemmConfig.mr, NR = defaultGemmConfig.nr;
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
/** 1: the job splits C's columns (see {@link runColumnChunk}); raw B's address, n, transB. */
const P_COLS = SPIN_US + 1, P_RAW_B = SPIN_US + 2, P_N = SPIN_US + 3, P_TRANS_B = SPIN_US + 4;
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
 * Claims and computes chunks of job `seq` until none is left; returns how
 * many this thread did. Addresses in the control block are byte addresses.
 */
export function runChunks(ex: GemmExports, ctl: Int32Array, t: number, seq: number): number {
  const tag = (seq & 0x7fff) << 16;
  const transA = ctl[P_TRANS_A] !== 0;
  const rawA = ctl[P_RAW_A], m = ctl[P_M], k = ctl[P_K], kp = ctl[P_KP];
  const bp = ctl[P_BP], c = ctl[P_C], np = ctl[P_NP], chunk = ctl[P_CHUNK];
  const nChunks = ctl[P_NCHUNKS];
  const apStride = ctl[P_AP_STRIDE];
  const cols = ctl[P_COLS] !== 0;
  let done = 0;
  for (;;) {
    const v = Atomics.load(ctl, CLAIM);
    if ((v & 0x7fff0000) !== tag || (v & 0xffff) >= nChunks) return done;
    if (Atomics.compareExchange(ctl, CLAIM, v, v + 1) !== v) continue;
    if (cols) {
      runColumnChunk(ex, ctl, v & 0xffff);
      done++;
      chunkDone(ctl, nChunks);
      continue;
    }
    const r0 = (v & 0xffff) * chunk;
    const rows = Math.min(chunk, m - r0);
    // the last chunk may be shorter: it gets a panel of its own (panel `threads`), whose
    // layout (rows padded to MR) then never changes within the job, so its k padding stays zero
    const last = rows < chunk;
    const mp = last ? Math.ceil(rows / MR) * MR : chunk;
    const ap = ctl[P_AP] + (last ? ctl[P_THREADS] : t) * apStride;
    // op(A) rows [r0, r0 + rows): i is contiguous when transA, p otherwise
    if (transA) ex.packARows(rawA + r0 * 4, m * 4, rows, k, ap, mp, kp);
    else ex.packADepth(rawA + r0 * k * 4, k * 4, rows, k, ap, mp, kp);
    ex.gemm(ap, bp, c + r0 * np * 4, mp, np, kp);
    done++;
    chunkDone(ctl, nChunks);
  }
}

/**
 * Column split: chunk `idx` is C's columns [j0, j0 + chunk), chunk a multiple of NR. The
 * thread packs those columns of op(B) into a panel of their own (at j0·kp floats in the
 * packed-B region, which these panels tile) and runs `gemmCols` over it and all of packed A
 * (packed by the caller before the job), writing C[:, j0 .. j0 + chunk) in place.
 */
function runColumnChunk(ex: GemmExports, ctl: Int32Array, idx: number): void {
  const k = ctl[P_K], kp = ctl[P_KP], n = ctl[P_N], np = ctl[P_NP], chunk = ctl[P_CHUNK];
  const j0 = idx * chunk;
  const cols = Math.min(chunk, n - j0);
  const npc = Math.ceil(cols / NR) * NR;
  const bp = ctl[P_BP] + j0 * kp * 4, rawB = ctl[P_RAW_B];
  // op(B)ᵀ rows j0.. (columns of op(B)): j is contiguous unless transB
  if (ctl[P_TRANS_B] !== 0) ex.packBDepth(rawB + j0 * k * 4, k * 4, cols, k, bp, npc, kp);
  else ex.packBRows(rawB + j0 * 4, n * 4, cols, k, bp, npc, kp);
  const mp = Math.ceil(ctl[P_M] / MR) * MR;
  ex.gemmCols(ctl[P_AP], bp, ctl[P_C] + j0 * 4, mp, npc, kp, np);
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
/**
 * Chunking, measured on 2 cores (Deno and Bun): 1, 2 or 4 chunks per thread
 * are within noise of each other on an idle machine; more chunks rebalance
 * when another process takes a core. Below ~2^20 multiply-adds per product
 * splitting stops paying.
 */
const CHUNKS_PER_THREAD = 2;
const CHUNK_MIN_WORK = 2 ** 19;
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
  // with another thread count replaces them (see matmulF32Parallel)
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

const align16 = (x: number) => (x + 15) & ~15; // in floats: 64-byte alignment

/**
 * C[m×n] = op(A)·op(B) in float32 across threads, as `matmulF32` computes
 * it. Returns false, having written nothing, when the product should run on
 * one thread instead: path off or unavailable, helpers not ready yet, too few
 * rows, arguments out of range (the one-thread kernel reports those), or
 * operands too large for the shared memory.
 */
export function matmulF32Parallel(
  a: Float32Array,
  aOff: number,
  b: Float32Array,
  bOff: number,
  out: Float32Array,
  outOff: number,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
): boolean {
  if (disabled || threads < 2) return false;
  const { mr, nr, unroll } = defaultGemmConfig;
  if (m < 2 * mr || k === 0 || n === 0) return false;
  if (
    !(aOff >= 0 && bOff >= 0 && outOff >= 0) || aOff + m * k > a.length ||
    bOff + k * n > b.length || outOff + m * n > out.length
  ) return false;
  const e = readyEngine();
  if (e === null) return false;
  const ctl = e.ctl!;
  closeClaims(ctl);

  const np = Math.ceil(n / nr) * nr;
  const kp = Math.ceil(k / unroll) * unroll;
  const mp = Math.ceil(m / mr) * mr;
  // chunks: CHUNKS_PER_THREAD per thread (so a helper that wakes late, or a core taken by
  // another process, costs little), at least CHUNK_MIN_WORK multiply-adds each, rows a
  // multiple of MR (columns a multiple of NR when the columns are split)
  const chunking = (len: number, w: number, across: number) => {
    const minLen = Math.ceil(CHUNK_MIN_WORK / (k * across));
    const chunk = w * Math.max(
      Math.ceil(Math.ceil(len / w) / (CHUNKS_PER_THREAD * threads)),
      Math.ceil(minLen / w),
    );
    return [chunk, Math.ceil(len / chunk)];
  };
  let cols = splitColumns(m, n);
  let [chunk, nChunks] = cols ? chunking(n, nr, m) : chunking(m, mr, n);
  if (cols && nChunks < 2 && splitMode === "auto") {
    cols = false;
    [chunk, nChunks] = chunking(m, mr, n);
  }
  if (nChunks < 2 || nChunks > 0xffff) return false;

  // shared memory (float indices): [Bp | C | raw A | raw B | Ap × panels]: one A panel per
  // thread and one for a short last chunk, or (columns split) one for all of A
  const bpF = 0;
  const cF = align16(bpF + np * kp);
  const rawA = align16(cF + mp * np);
  const rawB = align16(rawA + m * k);
  const apF = align16(rawB + k * n);
  const apStride = align16((cols ? mp : chunk) * kp);
  const panels = cols ? 1 : threads + 1;
  const view = memoryOf(e, (apF + panels * apStride) * 4);
  if (view === null) return false;
  const t0 = performance.now();
  view.set(a.subarray(aOff, aOff + m * k), rawA);
  view.set(b.subarray(bOff, bOff + k * n), rawB);
  // packers write only real elements: the k padding must be zero (padded rows of A and
  // columns of B reach only C's padding)
  if (kp !== k || (!cols && np !== n)) view.fill(0, bpF, bpF + np * kp);
  if (kp !== k) view.fill(0, apF, apF + panels * apStride);
  const ex = e.ex;
  // op(A) is [m×k] with i contiguous when transA; op(B)ᵀ is [n×k] with j contiguous unless
  // transB. Split columns: all of A now, B by the chunks; split rows: all of B now, A by the chunks
  if (cols && transA) ex.packARows(rawA * 4, m * 4, m, k, apF * 4, mp, kp);
  else if (cols) ex.packADepth(rawA * 4, k * 4, m, k, apF * 4, mp, kp);
  else if (transB) ex.packBDepth(rawB * 4, k * 4, n, k, bpF * 4, np, kp);
  else ex.packBRows(rawB * 4, n * 4, n, k, bpF * 4, np, kp);

  ctl[KIND] = 0;
  ctl[P_COLS] = cols ? 1 : 0;
  ctl[P_TRANS_A] = transA ? 1 : 0;
  ctl[P_TRANS_B] = transB ? 1 : 0;
  ctl[P_RAW_A] = rawA * 4;
  ctl[P_RAW_B] = rawB * 4;
  ctl[P_M] = m;
  ctl[P_K] = k;
  ctl[P_N] = n;
  ctl[P_KP] = kp;
  ctl[P_BP] = bpF * 4;
  ctl[P_C] = cF * 4;
  ctl[P_NP] = np;
  ctl[P_CHUNK] = chunk;
  ctl[P_NCHUNKS] = nChunks;
  ctl[P_AP] = apF * 4;
  ctl[P_AP_STRIDE] = apStride * 4;
  ctl[P_THREADS] = threads;
  const seq = postJob(e);
  const mine = runChunks(ex, ctl, 0, seq);
  if (!awaitChunks(ctl, nChunks, t0)) return false;
  parallelStats.jobs++;
  if (cols) parallelStats.columnJobs++;
  parallelStats.helperChunks += nChunks - mine;
  if (np === n) {
    out.set(view.subarray(cF, cF + m * n), outOff);
  } else {
    for (let i = 0; i < m; i++) {
      const s = cF + i * np;
      out.set(view.subarray(s, s + n), outOff + i * n);
    }
  }
  markUsed();
  return true;
}

/** Which way products are split: by the shape (see {@link splitColumns}), or forced (tests, benchmarks). */
let splitMode: "auto" | "rows" | "columns" = "auto";
/** Sets how products are split between threads; returns the previous mode. For tests and benchmarks. */
export function setSplitMode(mode: "auto" | "rows" | "columns"): "auto" | "rows" | "columns" {
  const was = splitMode;
  splitMode = mode;
  return was;
}

/**
 * Whether a product splits C's columns rather than its rows: when C is at least 6 times as
 * wide as it is tall. Each row chunk streams all of packed B (a column chunk: all of packed
 * A, with its own columns of B staying in its core's L2), and the calling thread packs the
 * operand that is not split before the job. Measured, wall GFLOP/s on 2 threads at load ≈ 1
 * (`bench/matmul_cpu.ts --splits rows,columns`, median of 9–11 alternating rounds), rows →
 * columns: m×k×n = 128×512×768 69 → 81, 128×256×784 (Bᵀ) 66 → 81, 64×256×512 (Bᵀ) 48 → 59,
 * 64×784×512 61–45 → 65–69, 256×256×1536 50 → 50; but n/m ≤ 5 mostly favours rows:
 * 128×512×512 61 → 57, 100×512×512 67 → 56, 64×512×320 63 → 56, 256×512×1024 63 → 59,
 * 64×512×256 48 → 43, 128×784×256 71–75 → 71–72.
 */
function splitColumns(m: number, n: number): boolean {
  if (splitMode !== "auto") return splitMode === "columns";
  return n >= 6 * m;
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
