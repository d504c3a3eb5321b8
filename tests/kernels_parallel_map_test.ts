import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  M_CHUNK,
  M_NARGS,
  M_TOTAL,
  mapModule,
  runMapChunks,
  slowSplitJob,
} from "../src/kernels/_parallel_map.ts";
import { CLAIM, CLAIMS_CLOSED, closeClaims } from "../src/kernels/_parallel.ts";

describe("the split loops' backoff rule", () => {
  it("compares a split job only with earlier jobs of the same loop", () => {
    const cheap = mapModule(new Uint8Array([1])), costly = mapModule(new Uint8Array([2]));
    assert.equal(slowSplitJob(cheap, 1), false); // the first job of a loop is never slow
    // five times the cheap loop's time per byte, but the costly loop's first job: not slow
    assert.equal(slowSplitJob(costly, 5), false);
    assert.equal(slowSplitJob(costly, 9), false); // within 2× of its own best
    assert.equal(slowSplitJob(costly, 10.5), true); // over 2× of its own best (5)
    assert.equal(slowSplitJob(cheap, 1.5), false);
    assert.equal(slowSplitJob(cheap, 2.5), true);
    assert.equal(costly.bestMsPerByte, 5);
    assert.equal(cheap.bestMsPerByte, 1);
  });
});

describe("the control block's claim protocol", () => {
  /** A control block after job 5 (one chunk, claimed and done) while job 6 (two chunks) is set up. */
  function lateHelperScene(close: boolean): { ctl: Int32Array; runs: number[] } {
    const ctl = new Int32Array(new SharedArrayBuffer(4 * 256));
    const runs: number[] = [];
    ctl[M_CHUNK] = 16, ctl[M_TOTAL] = 16, ctl[M_NARGS] = 0;
    Atomics.store(ctl, CLAIM, ((5 & 0x7fff) << 16) | 1); // job 5: its one chunk claimed
    if (close) closeClaims(ctl); // the caller starting job 6, as matmul and mapBegin do
    ctl[M_TOTAL] = 32; // job 6's fields, before its CLAIM and SEQ are posted
    return { ctl, runs };
  }
  const run = (runs: number[]) => (start: number) => (runs.push(start), 0);

  it("a helper late for a finished job claims nothing once the caller closed the claims", () => {
    const { ctl, runs } = lateHelperScene(true);
    assert.equal(runMapChunks(run(runs), ctl, 5), 0);
    assert.deepEqual(runs, []);
    assert.equal(Atomics.load(ctl, CLAIM), CLAIMS_CLOSED);
  });

  it("without the close, the same late helper would run a chunk of the next job's half-written fields", () => {
    // the race the close prevents (seen as a wrong chunk-edge element in a split SELU)
    const { ctl, runs } = lateHelperScene(false);
    assert.equal(runMapChunks(run(runs), ctl, 5), 1);
    assert.deepEqual(runs, [16]);
  });
});
