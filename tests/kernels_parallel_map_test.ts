import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mapModule, slowSplitJob } from "../src/kernels/_parallel_map.ts";

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
