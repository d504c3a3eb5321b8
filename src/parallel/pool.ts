/**
 * A pool of Web Workers for batched work: `pool.map(f)` is `vmap(f)` with the
 * batch split into shards across the workers, and `pool.valueAndGrad(loss)`
 * is data-parallel training (each worker differentiates the loss on its shard
 * of the batch; the pool combines the results weighted by shard size).
 *
 * Nothing but data crosses threads. The main thread traces the batched
 * function (or its gradient) on one shard's shapes into a jaxpr, which is
 * serialized once per worker (`_serialize.ts`) and compiled there by the jit
 * compiler (`_worker.ts`). Each call then ships only array buffers:
 * `SharedArrayBuffer`s that main and workers read and write in place (a
 * shard that already lives in shared memory, such as the output of an earlier
 * `pool.map`, is not even copied), or cloned `ArrayBuffer`s when memory is
 * not shared.
 *
 * Failures: an exception in a worker rejects the call with the worker's
 * message and stack; a worker that dies is replaced and its shards are run
 * again on the new worker (a shard whose worker dies twice rejects the call).
 *
 * Lifetime: workers start with the pool. While the pool has no work, Bun's
 * workers are unref'd (they never keep the process alive), and after
 * `idleTimeoutMs` (1 s) without work the workers of every runtime are stopped
 * (they start again on the next call), so a script that forgets `close()`
 * still exits; under Deno it exits `idleTimeoutMs` after its last call.
 *
 * Where the worker's code comes from: `new Worker(new URL("./_worker.ts",
 * import.meta.url), { type: "module" })`, next to this module, or
 * `./_worker.js` when this module itself was loaded as `.js` (the transpiled
 * files of a JSR package installed through npm, e.g. `bunx jsr add`). Verified:
 * Deno and Bun from local files; Deno importing `mod.ts` from an `http:` URL
 * (with only `--allow-import`; `jsr.io` is on Deno's default import list, so
 * a `jsr:` import should need no flag, unverified offline); Deno and Bun on a
 * per-file `.js` transpilation of the package. Not supported: a single-file
 * bundle (there is no `_worker` file next to it). Deno asks for `--allow-read`
 * to start a worker from local files (the doc tests too:
 * `deno test --doc --allow-read`); a worker that cannot start rejects the call
 * with the permission error and its module's URL.
 *
 * @module
 */
import type { TypedArray } from "../core/_dtype.ts";
import type { NDArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import { sizeOf } from "../core/_shape.ts";
import {
  allocBuffer,
  BYTES,
  HAS_SHARED_MEMORY,
  Layout,
  placeRows,
  viewOf,
  type WireArray,
  wireData,
} from "./_serialize.ts";
import { Workers } from "./_workers.ts";
import {
  checkTimeout,
  limitsOf,
  type PoolCallLimits,
  type PoolFunction,
  poolFunction,
} from "./_limits.ts";

export type { PoolCallLimits, PoolFunction } from "./_limits.ts";
import {
  type Argnums,
  type GradsOf,
  valueAndGrad as valueAndGradSerial,
} from "../transforms/autodiff.ts";
import { type AxisSpec, vmap, type VmapOptions } from "../transforms/vmap.ts";
import { unflatten } from "../core/tree.ts";
import "../jit/_compile.ts";
import { cached, type Call, LEAF, prepare, type Program, program, type Shard } from "./_calls.ts";
import { axesOfLeaves } from "../core/_axes.ts";
import { checkFunction, normalizeArgnums } from "../core/_args.ts";
import { checkChoice, checkOptions, show } from "../core/_validate.ts";

/** Options of `createWorkerPool`. */
export interface WorkerPoolOptions {
  /**
   * How many workers: by default `navigator.hardwareConcurrency`, at most 16
   * (and at least 1).
   */
  size?: number;
  /**
   * Milliseconds without work after which the workers are stopped (they
   * restart on the next call, and programs are shipped again). 1000 by
   * default; `Infinity` keeps them until `close()` (then, under Deno, a
   * script that never closes its pool does not exit).
   */
  idleTimeoutMs?: number;
  /**
   * Move array data through `SharedArrayBuffer`s (true, the default where the
   * runtime has them) or through cloned `ArrayBuffer`s (false).
   */
  sharedMemory?: boolean;
  /**
   * Default deadline of every call, in milliseconds (none by default): a call
   * still running then rejects, and its workers are terminated and replaced.
   * Under Deno a terminated worker that is inside a long computation keeps
   * its thread until that computation ends (Deno cannot interrupt it).
   */
  timeoutMs?: number;
  /**
   * Allow `size` above 4 × `navigator.hardwareConcurrency` (refused by
   * default: every worker is a thread with its own heap and compiled code).
   */
  oversubscribe?: boolean;
}

/** Options of `WorkerPool.map`: `vmap`'s, and limits for every call. */
export interface PoolMapOptions extends VmapOptions {
  /** Deadline of every call of the returned function, in milliseconds. */
  timeoutMs?: number;
  /** Abort every call of the returned function when this signal aborts. */
  signal?: AbortSignal;
}

/** Options of `WorkerPool.valueAndGrad`. */
export interface PoolGradOptions<N extends Argnums = Argnums> {
  /** Positional argument(s) to differentiate with respect to; 0 by default. */
  argnums?: N;
  /**
   * Positional arguments that hold the batch: every array leaf in them is
   * split along axis 0 (all must agree on its size). By default every argument
   * not in `argnums`. The other arguments are sent whole to every worker.
   */
  batchArgnums?: number | readonly number[];
  /**
   * How the loss combines examples: "mean" (the default) weights each shard's
   * result by its share of the batch; "sum" adds the shards' results. Any
   * other loss (batch statistics, coupling between examples) does not split.
   */
  reduction?: "mean" | "sum";
  /** Deadline of every call of the returned function, in milliseconds. */
  timeoutMs?: number;
  /** Abort every call of the returned function when this signal aborts. */
  signal?: AbortSignal;
}

/**
 * A pool of workers that run traced programs on shards of a batch. Create it
 * with `createWorkerPool`; it is `AsyncDisposable`, so `await using pool =
 * createWorkerPool()` closes it at the end of the scope.
 *
 * @example
 * ```ts
 * import { createWorkerPool, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const pool = createWorkerPool({ size: 2 });
 * // map the rows of x, share w with every example
 * const scaled = pool.map((row: np.NDArray, w: np.NDArray) => row.mul(w).sum(), {
 *   inAxes: [0, null],
 * });
 * const out = await scaled(np.array([[1, 2], [3, 4], [5, 6]]), np.array([1, 10]));
 * assert.deepEqual(out.toArray(), [21, 43, 65]);
 * await pool.close();
 * await assert.rejects(scaled(np.ones([1, 2]), np.ones([2])), /closed/);
 * ```
 */
export interface WorkerPool extends AsyncDisposable {
  /** The number of workers. */
  readonly size: number;
  /** True once `close()` has been called. */
  readonly closed: boolean;
  /**
   * `vmap(f, options)` computed by the workers: the mapped axis is split into
   * one contiguous shard per worker (fewer when the batch is smaller than the
   * pool) and the shards' results are joined along `outAxes`.
   *
   * @param f A function `jit` can trace; arrays it closes over travel as constants.
   * @param options `inAxes` and `outAxes`, as for `vmap`.
   * @returns An async function resolving to what `vmap(f, options)` returns.
   */
  map<A extends readonly unknown[], R>(
    f: (...args: A) => R,
    options?: PoolMapOptions,
  ): PoolFunction<A, R>;
  /**
   * Data-parallel `valueAndGrad(loss, { argnums })`: each worker computes the
   * value and gradient of `loss` on its shard of the batch arguments, and the
   * pool returns Σₖ (nₖ / n) · (valueₖ, gradₖ) over shards of nₖ of the n
   * examples. That equals the full-batch value and gradient when `loss` is a
   * mean over the batch of per-example terms (as `losses.*` and `.mean()`
   * are); a sum or any coupling between examples (batch statistics) would not
   * split this way.
   *
   * @param loss A function returning a float scalar: the mean loss over the batch.
   * @param options `argnums` (default 0) and `batchArgnums` (default: the other arguments).
   * @returns An async function resolving to `[value, grads]`, as `valueAndGrad` returns.
   */
  valueAndGrad<A extends readonly unknown[], const N extends Argnums = 0>(
    loss: (...args: A) => NDArray,
    options?: PoolGradOptions<N>,
  ): PoolFunction<A, [NDArray, GradsOf<A, NoInfer<N>>]>;
  /**
   * Stops every worker; calls still running reject, later calls throw.
   * @returns A promise that resolves once the workers are stopped.
   */
  close(): Promise<void>;
}

class Pool implements WorkerPool {
  readonly size: number;
  /** The default deadline of every call. */
  readonly timeoutMs: number | undefined;
  /** The workers that run the shards. */
  readonly workers: Workers;

  constructor(options: WorkerPoolOptions) {
    const hc = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator
      ?.hardwareConcurrency;
    checkOptions("createWorkerPool", options, [
      "size",
      "idleTimeoutMs",
      "sharedMemory",
      "timeoutMs",
      "oversubscribe",
    ]);
    const size = options.size ?? Math.max(1, Math.min(16, hc ?? 4));
    if (typeof size !== "number" || !Number.isInteger(size) || size < 1) {
      throw new RangeError(
        `createWorkerPool: size must be a positive integer, got ${show(size)}. Omit it to use ` +
          `one worker per core (navigator.hardwareConcurrency).`,
      );
    }
    const cap = 4 * Math.max(1, hc ?? 4);
    if (size > cap && options.oversubscribe !== true) {
      throw new RangeError(
        `createWorkerPool: size ${size} is more than 4 × the ${hc ?? 4} cores ` +
          `(navigator.hardwareConcurrency), so at most ${cap}; each worker is a thread with its ` +
          `own heap (1000 workers take minutes and gigabytes to start). Use a smaller size, or ` +
          `pass oversubscribe: true if you mean it.`,
      );
    }
    this.timeoutMs = checkTimeout("createWorkerPool", options.timeoutMs);
    const idle = options.idleTimeoutMs ?? 1000;
    if (typeof idle !== "number" || !(idle >= 0)) {
      throw new RangeError(
        `createWorkerPool: idleTimeoutMs must be a number ≥ 0 (or Infinity), got ${idle}.`,
      );
    }
    if (options.sharedMemory && !HAS_SHARED_MEMORY) {
      throw new TypeError(
        "createWorkerPool: sharedMemory is true but this runtime has no SharedArrayBuffer; " +
          "omit the option to copy data instead.",
      );
    }
    this.size = size;
    this.workers = new Workers(size, idle, options.sharedMemory ?? HAS_SHARED_MEMORY);
  }

  get closed(): boolean {
    return this.workers.closed;
  }

  #checkOpen(op: string): void {
    if (this.workers.closed) {
      throw new Error(
        `WorkerPool.${op}: this pool was closed; create a new one with createWorkerPool().`,
      );
    }
  }

  close(): Promise<void> {
    return this.workers.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // ---- sharded calls ------------------------------------------------------------------

  /**
   * Splits a call into shards and runs them: `dims[i]` is the batch axis of
   * leaf i (null: sent whole), `trace(c)` the program for a shard of c
   * examples, `outputsOf` where shard k writes its outputs; with `weighted`,
   * shard k's outputs are scaled by its share of the batch.
   */
  async #sharded(
    op: string,
    call: Call,
    trace: (count: number) => Program,
    outputsOf: (k: number, start: number, count: number, p: Program) => WireArray[],
    weighted: boolean,
    limits: PoolCallLimits,
  ): Promise<Shard[]> {
    const { arrays, dims, batch } = call;
    const n = Math.min(this.size, batch);
    const shards: Shard[] = [];
    for (let k = 0, start = 0; k < n; k++) {
      const count = Math.floor(batch / n) + (k < batch % n ? 1 : 0);
      shards.push({ start, count, program: trace(count) });
      start += count;
    }
    // unmapped arrays: one copy for every shard
    const common = new Layout();
    const commonAt = arrays.map((x, i) => dims[i] === null ? common.place(x, x.size) : -1);
    const commonBuf = common.allocate(this.workers.shared);
    const commonWire = arrays.map((x, i) =>
      dims[i] === null ? common.wire(x, commonBuf, commonAt[i], [...x.shape], 0, x.size) : undefined
    );
    const runs = shards.map((s, k) => {
      const local = new Layout();
      const at = arrays.map((x, i) => {
        const d = dims[i];
        return d === null ? -1 : local.place(x, (x.size / x.shape[d]) * s.count, d === 0);
      });
      const buf = local.allocate(this.workers.shared);
      const inputs = arrays.map((x, i) => {
        const d = dims[i];
        if (d === null) return commonWire[i]!;
        const shape = x.shape.map((e, j) => (j === d ? s.count : e));
        const inner = sizeOf(x.shape.slice(d + 1));
        return local.wire(x, buf, at[i], shape, s.start * inner, sizeOf(shape), d, s.start);
      });
      const where = `worker shard ${k + 1} of ${n} (examples ${s.start}..${
        s.start + s.count - 1
      } of ${batch}) of ${op}`;
      s.outputs = outputsOf(k, s.start, s.count, s.program);
      return this.workers.submit(
        s.program,
        inputs,
        s.outputs,
        where,
        weighted ? s.count / batch : undefined,
        limits,
      );
    });
    await Promise.all(runs);
    return shards;
  }

  map<A extends readonly unknown[], R>(
    f: (...args: A) => R,
    options: PoolMapOptions = {},
  ): PoolFunction<A, R> {
    checkOptions("WorkerPool.map", options, ["inAxes", "outAxes", "timeoutMs", "signal"]);
    checkFunction("WorkerPool.map", f);
    const defaults = limitsOf("WorkerPool.map", {
      timeoutMs: options.timeoutMs,
      signal: options.signal,
    }, { timeoutMs: this.timeoutMs });
    const inAxes = options.inAxes === undefined ? 0 : options.inAxes;
    const outAxes = options.outAxes === undefined ? 0 : options.outAxes;
    const batched = vmap(f, { inAxes, outAxes }) as unknown as (...args: unknown[]) => unknown;
    const cache = new Map<string, Program & { outDims: (number | null)[] }>();
    return poolFunction<A, R>("WorkerPool.map", defaults, async (limits, args) => {
      this.#checkOpen("map");
      if (Array.isArray(inAxes) && inAxes.length !== args.length) {
        throw new TypeError(
          `WorkerPool.map: inAxes is a list of ${inAxes.length} entries but the function was ` +
            `called with ${args.length} argument(s); give one entry per positional argument.`,
        );
      }
      const call = prepare("map", args, axesOfLeaves("WorkerPool.map", "inAxes", inAxes, args));
      if (call.batch === 0) return batched(...args) as R; // nothing to split
      const traced = (count: number) =>
        cached(cache, `${call.key}|${count}`, () => {
          const p = program("pool.map", call, count, batched, this.workers.shared);
          const spec = axesOfLeaves(
            "WorkerPool.map",
            "outAxes",
            outAxes,
            unflatten(p.outDef, p.outAvals.map(() => LEAF)),
          );
          const outDims = p.outAvals.map((a, i) => {
            const d = spec[i];
            return d === null ? null : d < 0 ? d + a.shape.length : d;
          });
          return { ...p, outDims };
        });
      // outputs mapped along axis 0 are written in place into the joined result
      const full = traced(Math.ceil(call.batch / Math.min(this.size, call.batch)));
      const joined = full.outAvals.map((a, i) => {
        const d = full.outDims[i];
        const shape = d === null ? [...a.shape] : a.shape.map((e, j) => (j === d ? call.batch : e));
        const size = sizeOf(shape);
        const buf = allocBuffer(Math.max(1, size * BYTES[a.dtype]), this.workers.shared);
        return { shape, dtype: a.dtype, data: viewOf(a.dtype, buf, 0, size), buf };
      });
      const shards = await this.#sharded(
        "pool.map",
        call,
        traced,
        (k, start, _count, p) =>
          p.outAvals.map((a, i) => {
            const d = full.outDims[i];
            const inner = sizeOf(a.shape.slice(1));
            if (d === 0) {
              const j = joined[i];
              return {
                dtype: a.dtype,
                shape: [...a.shape],
                buffer: j.buf,
                byteOffset: start * inner * BYTES[a.dtype],
              };
            }
            if (d === null && k === 0) {
              return { dtype: a.dtype, shape: [...a.shape], buffer: joined[i].buf, byteOffset: 0 };
            }
            const size = sizeOf(a.shape);
            return {
              dtype: a.dtype,
              shape: [...a.shape],
              buffer: allocBuffer(Math.max(1, size * BYTES[a.dtype]), this.workers.shared),
              byteOffset: 0,
            };
          }),
        false,
        limits,
      );
      const outs = joined.map((j, i) => {
        const d = full.outDims[i];
        if (d !== null && d > 0) {
          for (const s of shards) {
            placeRows(wireData(s.outputs![i]), j.data, j.shape, d, s.start, s.count);
          }
        }
        return new ArrayValue(j.data, j.shape, j.dtype);
      });
      return unflatten<R>(full.outDef, outs);
    });
  }

  valueAndGrad<A extends readonly unknown[], const N extends Argnums = 0>(
    loss: (...args: A) => NDArray,
    options: PoolGradOptions<N> = {},
  ): PoolFunction<A, [NDArray, GradsOf<A, NoInfer<N>>]> {
    checkOptions("WorkerPool.valueAndGrad", options, [
      "argnums",
      "batchArgnums",
      "reduction",
      "timeoutMs",
      "signal",
    ]);
    checkFunction("WorkerPool.valueAndGrad", loss);
    const reduction = options.reduction === undefined
      ? "mean"
      : checkChoice("WorkerPool.valueAndGrad", "reduction", options.reduction, ["mean", "sum"]);
    const defaults = limitsOf("WorkerPool.valueAndGrad", {
      timeoutMs: options.timeoutMs,
      signal: options.signal,
    }, { timeoutMs: this.timeoutMs });
    const argnums = options.argnums ?? 0;
    const vg = valueAndGradSerial(
      loss as unknown as (...args: unknown[]) => NDArray,
      { argnums: argnums as Argnums },
    ) as (...args: unknown[]) => [NDArray, unknown];
    const flat = (...args: unknown[]) => {
      const [value, grads] = vg(...args);
      return [value, grads];
    };
    const cache = new Map<string, Program>();
    type Out = [NDArray, GradsOf<A, NoInfer<N>>];
    return poolFunction<A, Out>("WorkerPool.valueAndGrad", defaults, async (limits, args) => {
      this.#checkOpen("valueAndGrad");
      const nargs = args.length;
      const diff = normalizeArgnums("WorkerPool.valueAndGrad", argnums, nargs);
      const batchNums = options.batchArgnums === undefined
        ? args.map((_, i) => i).filter((i) => !diff.includes(i))
        : normalizeArgnums("WorkerPool.valueAndGrad", options.batchArgnums, nargs, "batchArgnums");
      const both = batchNums.filter((i) => diff.includes(i));
      if (both.length > 0) {
        throw new TypeError(
          `WorkerPool.valueAndGrad: argument ${both[0]} is in both argnums and batchArgnums; ` +
            `parameters are sent whole to every worker, and the batch is split. Remove it from ` +
            `one of them.`,
        );
      }
      if (batchNums.length === 0) {
        throw new TypeError(
          `WorkerPool.valueAndGrad: no batch argument (batchArgnums is empty), so there is ` +
            `nothing to split across workers. Name the arguments holding the batch.`,
        );
      }
      const spec: AxisSpec[] = args.map((_, i) => (batchNums.includes(i) ? 0 : null));
      const call = prepare(
        "valueAndGrad",
        args,
        axesOfLeaves("WorkerPool.valueAndGrad", "batchArgnums", spec, args),
      );
      if (call.batch === 0) {
        throw new RangeError(
          `WorkerPool.valueAndGrad: the batch is empty (axis 0 of the batch arguments has size ` +
            `0); the mean loss of no examples is undefined.`,
        );
      }
      const shards = await this.#sharded(
        "pool.valueAndGrad",
        call,
        (count) =>
          cached(
            cache,
            `${call.key}|${count}`,
            () => program("pool.valueAndGrad", call, count, flat, this.workers.shared),
          ),
        (_k, _s, _c, p) =>
          p.outAvals.map((a) => ({
            dtype: a.dtype,
            shape: [...a.shape],
            buffer: allocBuffer(Math.max(1, sizeOf(a.shape) * BYTES[a.dtype]), this.workers.shared),
            byteOffset: 0,
          })),
        reduction === "mean",
        limits,
      );
      // mean over the batch = Σₖ (nₖ / n) · mean over shard k: the workers scaled their
      // results by nₖ / n, and shard 0 wrote its own where the sum is formed; a summed loss
      // is the plain sum of the shards' sums (no weights)
      const p = shards[0].program;
      const outs = p.outAvals.map((a, i) => {
        const sum = wireData(shards[0].outputs![i]);
        for (let k = 1; k < shards.length; k++) addInto(sum, wireData(shards[k].outputs![i]));
        return new ArrayValue(sum, a.shape, a.dtype);
      });
      return unflatten<Out>(p.outDef, outs);
    });
  }
}

// ---- public entry point --------------------------------------------------------------------

/**
 * Starts a pool of Web Workers that run traced programs on shards of a batch:
 * `pool.map(f)` computes `vmap(f)` and `pool.valueAndGrad(loss)` computes
 * data-parallel gradients of a mean loss. Only jaxprs and array buffers
 * travel (shared memory where available); each worker compiles a program
 * once, so repeated calls with the same shapes ship only data.
 *
 * Runtimes: Deno needs `--allow-read` for the worker's module (and
 * `--allow-import` when difftrace is imported from a remote URL); Bun needs
 * nothing. Close the pool with `await pool.close()`, or let `await using`
 * close it; a pool that is never closed stops its workers after
 * `idleTimeoutMs` without work, so the process can still exit.
 *
 * @param options `size` (default: one worker per core, at most 16),
 *   `idleTimeoutMs` (default 1000) and `sharedMemory`.
 * @returns The pool.
 *
 * @example
 * ```ts
 * import { createWorkerPool, np, vmap } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * await using pool = createWorkerPool({ size: 2 });
 * const f = (x: np.NDArray) => x.mul(x).sum();
 * const xs = np.arange(15).reshape([5, 3]);
 * const ys = await pool.map(f)(xs); // shards of 3 and 2 rows
 * assert.deepEqual(ys.toArray(), vmap(f)(xs).toArray());
 *
 * const loss = (w: np.NDArray, x: np.NDArray) => np.matmul(x, w).square().mean();
 * const [value, g] = await pool.valueAndGrad(loss)(np.ones([3]), xs);
 * assert.equal(value.item(), 603); // mean((x·w)²) over the 5 rows
 * assert.deepEqual(g.shape, [3]);
 * ```
 */
export function createWorkerPool(options: WorkerPoolOptions = {}): WorkerPool {
  return new Pool(options);
}

/** Test hook: the next `n` shard runs of `pool` kill their worker instead of running. */
export function _crashNextRuns(pool: WorkerPool, n: number): void {
  (pool as Pool).workers.crashBudget += n;
}

/** Test hook: the next `n` shard runs of `pool` keep their worker busy for `ms` first. */
export function _busyNextRuns(pool: WorkerPool, n: number, ms: number): void {
  (pool as Pool).workers.busyBudget += n;
  (pool as Pool).workers.busyMs = ms;
}

/** Test hook: how many dead workers `pool` has replaced. */
export function _restarts(pool: WorkerPool): number {
  return (pool as Pool).workers.restarts;
}

/** Test hook: how many programs `pool` has sent to its workers. */
export function _shipped(pool: WorkerPool): number {
  return (pool as Pool).workers.shipped;
}

/** sum += part, elementwise (one dtype). */
function addInto(sum: TypedArray, part: TypedArray): void {
  for (let j = 0; j < sum.length; j++) sum[j] += part[j];
}
