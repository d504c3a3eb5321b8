/**
 * The worker pool's limits: deadlines and AbortSignals stop a shard and replace
 * its worker, the size is capped, a summed loss is combined as a sum, bad
 * options are refused, and a pool call inside a transform throws at once.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createWorkerPool, grad, jit, np, valueAndGrad } from "../mod.ts";
import { _busyNextRuns, _restarts } from "../src/parallel/pool.ts";

// deno-lint-ignore no-explicit-any
const bad = (x: unknown): any => x;
const square = (x: np.NDArray) => x.mul(x).sum();

describe("WorkerPool limits", () => {
  it("a call past its timeoutMs rejects, and the pool works again on a fresh worker", async () => {
    await using pool = createWorkerPool({ size: 1 });
    const f = pool.map(square);
    const xs = np.arange(6).reshape([3, 2]).astype("float32");
    assert.deepEqual((await f(xs)).toArray(), [1, 13, 41]);
    const before = _restarts(pool);
    _busyNextRuns(pool, 1, 300);
    await assert.rejects(f.with({ timeoutMs: 20 })(xs), /did not finish within timeoutMs = 20 ms/);
    assert.equal(_restarts(pool), before + 1);
    assert.deepEqual((await f(xs)).toArray(), [1, 13, 41]);
  });

  it("the pool-wide timeoutMs applies to every call", async () => {
    await using pool = createWorkerPool({ size: 1, timeoutMs: 20 });
    _busyNextRuns(pool, 1, 300);
    await assert.rejects(pool.map(square)(np.ones([2, 2])), /timeoutMs = 20 ms/);
  });

  it("an AbortSignal rejects the call with an AbortError and replaces the worker", async () => {
    await using pool = createWorkerPool({ size: 1 });
    const f = pool.map(square);
    const controller = new AbortController();
    _busyNextRuns(pool, 1, 300);
    const run = f.with({ signal: controller.signal })(np.ones([2, 2]));
    setTimeout(() => controller.abort(), 10);
    await assert.rejects(run, (e: Error) => e.name === "AbortError" && /aborted/.test(e.message));
    assert.deepEqual((await f(np.ones([2, 2]))).toArray(), [2, 2]);
    const aborted = AbortSignal.abort();
    await assert.rejects(f.with({ signal: aborted })(np.ones([2, 2])), /aborted/);
  });

  it("valueAndGrad with reduction sum adds the shards' sums", async () => {
    await using pool = createWorkerPool({ size: 2 });
    const loss = (w: np.NDArray, x: np.NDArray) => np.matmul(x, w).square().sum();
    const w = np.array([1, -1, 2]), x = np.arange(15).reshape([5, 3]).astype("float32");
    const [v, g] = await pool.valueAndGrad(loss, { reduction: "sum" })(w, x);
    const [ev, eg] = valueAndGrad(loss)(w, x);
    assert.equal(v.item(), ev.item());
    assert.deepEqual(g.toArray(), eg.toArray());
  });

  it("a pool call inside jit or grad throws at once instead of leaving a floating rejection", () => {
    const pool = createWorkerPool({ size: 1 });
    try {
      const f = pool.map(square);
      assert.throws(
        () => jit((x: np.NDArray) => f(x) as unknown as np.NDArray)(np.ones([2, 2])),
        /inside a transform/,
      );
      assert.throws(
        () => grad((x: np.NDArray) => f(x) as unknown as np.NDArray)(np.ones([2, 2])),
        /inside a transform/,
      );
    } finally {
      pool.close();
    }
  });

  it("size is capped at 4 × the cores unless oversubscribe is set, and options are checked", () => {
    const hc = navigator.hardwareConcurrency ?? 4;
    assert.throws(() => createWorkerPool({ size: 4 * hc + 1 }), RangeError);
    assert.throws(() => createWorkerPool(bad({ size: 1, timeout: 5 })), /did you mean "timeoutMs"/);
    assert.throws(() => createWorkerPool({ size: 1, timeoutMs: -1 }), RangeError);
    assert.throws(() => createWorkerPool({ size: bad("2") }), RangeError);
  });

  it("pool functions check their options and limits", async () => {
    await using pool = createWorkerPool({ size: 1 });
    assert.throws(() => pool.map(square, bad({ in_axes: 0 })), /did you mean "inAxes"/);
    assert.throws(() => pool.valueAndGrad(square, bad({ reduction: "avg" })), /reduction/);
    assert.throws(() => pool.valueAndGrad(square, bad({ batchArgnum: 1 })), /batchArgnums/);
    assert.throws(() => pool.map(square).with(bad({ timeout: 1 })), /timeoutMs/);
    assert.throws(() => pool.map(square).with(bad({ signal: {} })), /AbortSignal/);
    assert.throws(() => pool.map(bad(3)), /expected a function/);
  });
});
