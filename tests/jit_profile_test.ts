import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { jit, np } from "../mod.ts";
import { type PlanProfile, setPlanProfile } from "../src/jit/_profile.ts";

describe("setPlanProfile", () => {
  it("times every step of programs compiled while it is set, and none compiled after", () => {
    const prof: PlanProfile = new Map();
    setPlanProfile(prof);
    let f;
    try {
      f = jit((a: np.NDArray, b: np.NDArray) => np.matmul(a, b).tanh().sum());
      f(np.ones([4, 4]), np.ones([4, 4]));
    } finally {
      setPlanProfile(null);
    }
    const labels = [...prof.keys()];
    assert.ok(labels.some((l) => /kernel matmul/.test(l)), labels.join("\n"));
    assert.ok(labels.some((l) => /fused loop/.test(l)), labels.join("\n"));
    for (const cell of prof.values()) assert.equal(cell.calls, 1);
    f(np.ones([4, 4]), np.ones([4, 4]));
    for (const cell of prof.values()) assert.equal(cell.calls, 2);
    const before = prof.size;
    jit((a: np.NDArray) => a.exp())(np.ones([3]));
    assert.equal(prof.size, before);
  });
});
