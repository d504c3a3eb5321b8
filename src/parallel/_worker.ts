/**
 * The entry point of a `WorkerPool` worker (see `pool.ts`).
 *
 * The worker holds compiled programs by the id the main thread assigned:
 * a `program` message carries a serialized jaxpr, which is rebuilt and
 * compiled once with the jit compiler (fused loops, wasm matmul); a `run`
 * message names a program and the buffers of its inputs and outputs. Inputs
 * are read in place (shared memory or a transferred buffer); outputs are
 * written into the buffers the main thread allocated, or sent back when
 * memory is not shared. An exception in a run is reported with its name,
 * message and stack; the worker keeps serving.
 */
import { DATA } from "../core/_ndarray.ts";
import "../interpreters/_eval.ts";
import "../train/random.ts"; // installs the random_bits kernel
import { compile, type Executable } from "../jit/_compile.ts";
import {
  deserializeJaxpr,
  fromWire,
  type WireArray,
  wireData,
  type WireJaxpr,
} from "./_serialize.ts";
import type { TypedArray } from "../core/_dtype.ts";

/** Main → worker: compile a program under an id. */
export interface ProgramMessage {
  type: "program";
  id: number;
  jaxpr: WireJaxpr;
}

/** Main → worker: run a program on inputs, writing its outputs. */
export interface RunMessage {
  type: "run";
  task: number;
  id: number;
  inputs: WireArray[];
  outputs: WireArray[];
  /** Outputs are in shared memory: write them in place (otherwise send them back). */
  shared: boolean;
  /** Multiply every output by this before writing it (a shard's weight). */
  scale?: number;
  /** Test hook: die with an uncaught exception instead of running. */
  crash?: boolean;
  /** Test hook: keep the worker busy (a synchronous loop) this many ms before running. */
  busyMs?: number;
}

/**
 * Main → worker: a shared stop flag (Int32Array of 1 over a SharedArrayBuffer).
 * The main thread sets it when it cancels this worker's shard; the worker checks
 * it between plan steps and abandons the run, so that a terminated worker stops
 * even on Deno, whose terminate() cannot interrupt synchronous code.
 */
export interface StopFlagMessage {
  type: "stopFlag";
  flag: Int32Array;
}

/** Main → worker: forget a program. */
export interface DropMessage {
  type: "drop";
  id: number;
}

/** Worker → main messages. */
export type WorkerReply =
  | { type: "ready" }
  | { type: "done"; task: number; outputs?: TypedArray[] }
  | { type: "error"; task: number; name: string; message: string; stack: string };

interface WorkerScope {
  postMessage(message: WorkerReply, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent) => void) | null;
}
const scope = globalThis as unknown as WorkerScope;

const programs = new Map<number, Executable | Error>();
let stopFlag: Int32Array | undefined;
const stopped = (): boolean => stopFlag !== undefined && Atomics.load(stopFlag, 0) !== 0;

function run(msg: RunMessage): void {
  const program = programs.get(msg.id);
  if (program === undefined) {
    throw new Error(`internal: WorkerPool worker has no program ${msg.id}.`);
  }
  if (program instanceof Error) throw program;
  const outs = program.run(msg.inputs.map(fromWire), stopped);
  if (outs.length !== msg.outputs.length) {
    throw new Error(
      `internal: program ${msg.id} returned ${outs.length} outputs, ${msg.outputs.length} expected.`,
    );
  }
  const scale = msg.scale;
  if (msg.shared) {
    outs.forEach((o, i) => write(o[DATA], o.size, wireData(msg.outputs[i]), scale));
    scope.postMessage({ type: "done", task: msg.task });
  } else {
    // copy: an output may alias an input or a constant, whose buffer must not be transferred
    const data = outs.map((o) => {
      const d = o[DATA].slice(0, o.size);
      if (scale !== undefined) write(d, o.size, d, scale);
      return d;
    });
    scope.postMessage(
      { type: "done", task: msg.task, outputs: data },
      data.map((d) => d.buffer as ArrayBuffer),
    );
  }
}

/** dst = scale · src (or a plain copy), in dst's element type. */
function write(src: TypedArray, n: number, dst: TypedArray, scale: number | undefined): void {
  if (scale === undefined) dst.set(src.subarray(0, n));
  else for (let j = 0; j < n; j++) dst[j] = scale * src[j];
}

scope.onmessage = (event: MessageEvent) => {
  const msg = event.data as ProgramMessage | RunMessage | DropMessage | StopFlagMessage;
  if (msg.type === "stopFlag") {
    stopFlag = msg.flag;
  } else if (msg.type === "program") {
    try {
      programs.set(msg.id, compile(deserializeJaxpr(msg.jaxpr)));
    } catch (e) {
      programs.set(msg.id, e instanceof Error ? e : new Error(String(e)));
    }
  } else if (msg.type === "drop") {
    programs.delete(msg.id);
  } else {
    if (msg.crash) throw new Error("WorkerPool test hook: this worker crashes on purpose.");
    if (msg.busyMs) {
      const until = Date.now() + msg.busyMs;
      // test hook: a long computation, which honours the stop flag as plan steps do
      while (Date.now() < until && !stopped()) { /* busy */ }
    }
    try {
      run(msg);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      scope.postMessage({
        type: "error",
        task: msg.task,
        name: err.name,
        message: err.message,
        stack: err.stack ?? "",
      });
    }
  }
};

scope.postMessage({ type: "ready" });
