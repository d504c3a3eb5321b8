/**
 * The worker pool's scheduler: a fixed set of Web Workers, each running shards of calls
 * (`submit`), shipping each compiled program to a worker once (it keeps the last
 * `MAX_PROGRAMS`), replacing a worker that dies and running its shards again once, and
 * stopping idle workers so a script that never closes its pool still exits. `pool.ts` splits
 * calls into shards on top of this.
 */
import type { Program } from "./_calls.ts";
import { type WireArray, wireData } from "./_serialize.ts";
import type {
  DropMessage,
  ProgramMessage,
  RunMessage,
  StopFlagMessage,
  WorkerReply,
} from "./_worker.ts";

// ---- workers and shards --------------------------------------------------------------------

/** One shard's run on one worker. */
interface Task {
  id: number;
  program: Program;
  inputs: WireArray[];
  outputs: WireArray[];
  attempts: number;
  /** Multiply the outputs by this (shard weights of valueAndGrad). */
  scale?: number;
  where: string;
  resolve: () => void;
  reject: (e: Error) => void;
  /** Clears the task's timer and abort listener (set by `submit`). */
  cleanup?: () => void;
}

/** Per-call limits: a deadline and an AbortSignal. */
export interface CallLimits {
  /** Reject the call (and stop its workers) after this many milliseconds. */
  timeoutMs?: number;
  /** Reject the call (and stop its workers) when this signal aborts. */
  signal?: AbortSignal;
}

interface Slot {
  index: number;
  worker: Worker | null;
  /** The worker has started (loaded its module); a crash before that is a start-up failure. */
  ready: boolean;
  programs: Set<number>;
  tasks: Map<number, Task>;
  /** The current worker's stop flag (shared memory), when the runtime has it. */
  stop?: Int32Array;
}

type RefWorker = Worker & { ref?: () => void; unref?: () => void };

export const WORKER_URL = new URL(
  /\.m?js$/.test(new URL(import.meta.url).pathname) ? "./_worker.js" : "./_worker.ts",
  import.meta.url,
);
const MAX_ATTEMPTS = 2;
/** Compiled programs a worker keeps; older ones are dropped and shipped again if used. */
const MAX_PROGRAMS = 64;
let nextTask = 0;

function unrefTimer(t: ReturnType<typeof setTimeout>): void {
  const deno = (globalThis as { Deno?: { unrefTimer(id: number): void } }).Deno;
  if (deno && typeof t === "number") deno.unrefTimer(t);
  else (t as { unref?: () => void }).unref?.();
}

function abortError(where: string, signal: AbortSignal): Error {
  const reason = signal.reason instanceof Error ? `: ${signal.reason.message}` : "";
  const err = new Error(`WorkerPool: ${where} was aborted by its signal${reason}.`);
  err.name = "AbortError";
  return err;
}

function workerError(name: string, message: string, stack: string, where: string): Error {
  const Ctor = name === "TypeError" ? TypeError : name === "RangeError" ? RangeError : Error;
  const err = new Ctor(`${message} (in WorkerPool ${where})`);
  const frames = stack.split("\n").filter((l) => /^\s+at /.test(l));
  err.stack = `${name}: ${err.message}\n${frames.join("\n")}\n    at <WorkerPool ${where}>`;
  return err;
}

/** The pool's workers: starting, replacing and idling them, and running shards on them. */
export class Workers {
  /** How many workers. */
  readonly size: number;
  /** Whether arrays travel in SharedArrayBuffers. */
  readonly shared: boolean;
  /** Workers replaced after dying (for tests and diagnostics). */
  restarts = 0;
  /** Programs sent to workers (for tests and diagnostics). */
  shipped = 0;
  /** Test hook: the next `crashBudget` runs make their worker die. */
  crashBudget = 0;
  /** Test hook: the next `busyBudget` runs keep their worker busy for `busyMs` first. */
  busyBudget = 0;
  /** Test hook: how long a busy run keeps its worker busy. */
  busyMs = 0;
  readonly #slots: Slot[];
  readonly #idleMs: number;
  #closed = false;
  #inflight = 0;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;

  /** Starts `size` workers; they stop after `idleMs` without work and start again on demand. */
  constructor(size: number, idleMs: number, shared: boolean) {
    this.size = size;
    this.#idleMs = idleMs;
    this.shared = shared;
    this.#slots = Array.from({ length: size }, (_, index) => ({
      index,
      worker: null,
      ready: false,
      programs: new Set<number>(),
      tasks: new Map<number, Task>(),
    }));
    for (const s of this.#slots) this.#spawn(s);
    this.#becameIdle();
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  #spawn(slot: Slot): Worker {
    const w: RefWorker = new Worker(WORKER_URL, {
      type: "module",
      name: `difftrace-pool-${slot.index}`,
    });
    slot.worker = w;
    slot.ready = false;
    slot.programs = new Set();
    slot.stop = undefined;
    if (typeof SharedArrayBuffer === "function") {
      slot.stop = new Int32Array(new SharedArrayBuffer(4));
      const msg: StopFlagMessage = { type: "stopFlag", flag: slot.stop };
      w.postMessage(msg);
    }
    w.onmessage = (e: MessageEvent) => this.#onReply(slot, w, e.data as WorkerReply);
    w.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.#onDeath(slot, w, e.message || String(e.error ?? "uncaught error"));
    };
    w.onmessageerror = () => this.#onDeath(slot, w, "a message could not be deserialized");
    // Bun reports a worker that exited
    w.addEventListener("close", () => this.#onDeath(slot, w, "the worker exited"));
    if (this.#inflight === 0) w.unref?.();
    return w;
  }

  #onReply(slot: Slot, w: Worker, msg: WorkerReply): void {
    if (slot.worker !== w) return;
    if (msg.type === "ready") {
      slot.ready = true;
      return;
    }
    const task = slot.tasks.get(msg.task);
    if (!task) return;
    slot.tasks.delete(msg.task);
    task.cleanup?.();
    this.#finished();
    if (msg.type === "done") {
      msg.outputs?.forEach((d, i) => wireData(task.outputs[i]).set(d));
      task.resolve();
    } else {
      task.reject(workerError(msg.name, msg.message, msg.stack, task.where));
    }
  }

  /** A worker died: replace it and run its unfinished shards again (once), or reject them. */
  #onDeath(slot: Slot, w: Worker, reason: string): void {
    if (slot.worker !== w) return;
    w.terminate();
    slot.worker = null;
    const tasks = [...slot.tasks.values()];
    slot.tasks.clear();
    if (!slot.ready) {
      for (const t of tasks) {
        t.cleanup?.();
        this.#finished();
        t.reject(
          new Error(
            `WorkerPool: worker ${slot.index} could not start (${reason}). Its module is ` +
              `${WORKER_URL.href}. Under Deno, workers need read access to local modules ` +
              `(deno run --allow-read) and import access to remote ones (--allow-import).`,
          ),
        );
      }
      return;
    }
    this.restarts++;
    if (this.#closed) return;
    for (const t of tasks) {
      if (t.attempts >= MAX_ATTEMPTS) {
        t.cleanup?.();
        this.#finished();
        t.reject(
          new Error(
            `WorkerPool: the worker running ${t.where} died (${reason}), and died again on a ` +
              `fresh worker; giving up after ${t.attempts} attempts. A shard that kills its ` +
              `worker every time usually runs out of memory: use a bigger pool or a smaller batch.`,
          ),
        );
      } else {
        this.#post(slot, t);
      }
    }
  }

  #post(slot: Slot, task: Task): void {
    const w = slot.worker ?? this.#spawn(slot);
    // the worker keeps the MAX_PROGRAMS programs used last (a Set iterates oldest first)
    const id = task.program.id;
    if (slot.programs.delete(id)) slot.programs.add(id);
    else {
      const msg: ProgramMessage = { type: "program", id, jaxpr: task.program.wire };
      w.postMessage(msg);
      this.shipped++;
      slot.programs.add(id);
      if (slot.programs.size > MAX_PROGRAMS) {
        const [oldest] = slot.programs;
        slot.programs.delete(oldest);
        const drop: DropMessage = { type: "drop", id: oldest };
        w.postMessage(drop);
      }
    }
    task.attempts++;
    const run: RunMessage = {
      type: "run",
      task: task.id,
      id: task.program.id,
      inputs: task.inputs,
      outputs: task.outputs,
      shared: this.shared,
      scale: task.scale,
    };
    if (this.crashBudget > 0) {
      this.crashBudget--;
      run.crash = true;
    }
    if (this.busyBudget > 0) {
      this.busyBudget--;
      run.busyMs = this.busyMs;
    }
    slot.tasks.set(task.id, task);
    w.postMessage(run);
  }

  #started(): void {
    if (this.#inflight++ > 0) return;
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    for (const s of this.#slots) (s.worker as RefWorker | null)?.ref?.();
  }

  #finished(): void {
    if (--this.#inflight === 0) this.#becameIdle();
  }

  #becameIdle(): void {
    if (this.#closed) return;
    for (const s of this.#slots) (s.worker as RefWorker | null)?.unref?.();
    if (!Number.isFinite(this.#idleMs)) return;
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      if (this.#inflight > 0) return;
      for (const s of this.#slots) {
        s.worker?.terminate();
        s.worker = null;
      }
    }, this.#idleMs);
    unrefTimer(this.#idleTimer);
  }

  /** Runs one shard of a call on the least busy worker. */
  submit(
    program: Program,
    inputs: WireArray[],
    outputs: WireArray[],
    where: string,
    scale?: number,
    limits: CallLimits = {},
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const slot = this.#slots.reduce((a, b) => (b.tasks.size < a.tasks.size ? b : a));
      const task: Task = {
        id: nextTask++,
        program,
        inputs,
        outputs,
        attempts: 0,
        scale,
        where,
        resolve,
        reject,
      };
      const { timeoutMs, signal } = limits;
      if (signal?.aborted) {
        reject(abortError(where, signal));
        return;
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = () => this.#cancel(task, abortError(where, signal!));
      if (timeoutMs !== undefined && Number.isFinite(timeoutMs)) {
        timer = setTimeout(() => {
          this.#cancel(
            task,
            new Error(
              `WorkerPool: ${where} did not finish within timeoutMs = ${timeoutMs} ms; its ` +
                `worker was stopped and will be replaced. Raise timeoutMs, or split the batch.`,
            ),
          );
        }, timeoutMs);
      }
      signal?.addEventListener("abort", onAbort, { once: true });
      task.cleanup = () => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      this.#started();
      this.#post(slot, task);
    });
  }

  /**
   * Stops a task that ran out of time or was aborted: its worker is terminated
   * (the only way to stop a synchronous computation) and replaced on demand; the
   * other shards that worker held are run again on the replacement.
   */
  #cancel(task: Task, error: Error): void {
    const slot = this.#slots.find((s) => s.tasks.get(task.id) === task);
    if (!slot) return;
    task.cleanup?.();
    slot.tasks.delete(task.id);
    this.#finished();
    task.reject(error);
    const w = slot.worker;
    if (w) {
      // ask the worker to stop between plan steps (what ends it under Deno), then terminate
      if (slot.stop) Atomics.store(slot.stop, 0, 1);
      w.terminate();
      slot.worker = null;
      this.restarts++;
    }
    const others = [...slot.tasks.values()];
    slot.tasks.clear();
    if (!this.#closed) { for (const t of others) this.#post(slot, t); }
  }

  /** Stops every worker and rejects the shards still running. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    if (this.#idleTimer !== undefined) clearTimeout(this.#idleTimer);
    for (const s of this.#slots) {
      if (s.stop) Atomics.store(s.stop, 0, 1);
      s.worker?.terminate();
      s.worker = null;
      for (const t of s.tasks.values()) {
        t.cleanup?.();
        t.reject(new Error(`WorkerPool: the pool was closed while ${t.where} was running.`));
      }
      s.tasks.clear();
    }
    this.#inflight = 0;
    return Promise.resolve();
  }
}
