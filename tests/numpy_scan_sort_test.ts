import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { grad, jit, type NDArray, np, vmap } from "../mod.ts";
import { assertAllClose, checkGrads, randomArray } from "./_helpers.ts";

/** The lanes of x along `axis`, as JS arrays. */
function lanesOf(x: NDArray, axis: number): number[][] {
  const perm = [...Array(x.ndim).keys()].filter((i) => i !== axis).concat([axis]);
  return x.transpose(perm).reshape([-1, x.shape[axis]]).toArray() as number[][];
}

describe("np.sort and np.argsort", () => {
  it("np.argsort() is stable and puts NaN last in both directions", () => {
    const x = np.array([2, NaN, 1, 2, 0]);
    assert.deepEqual(np.argsort(x).toArray(), [4, 2, 0, 3, 1]);
    assert.deepEqual(np.argsort(x, -1, { descending: true }).toArray(), [0, 3, 2, 4, 1]);
  });
  it("np.sort() sorts every lane of any axis, as a JS sort does", () => {
    const x = randomArray([3, 4, 5], { seed: 3, dtype: "float64" });
    for (const axis of [0, 1, 2]) {
      const sorted = lanesOf(np.sort(x, axis), axis);
      assertAllClose(sorted, lanesOf(x, axis).map((l) => [...l].sort((a, b) => a - b)));
    }
  });
  it("np.sort() gradients go to the sorted positions (finite differences, jit, vmap)", () => {
    const x = randomArray([3, 5], { seed: 4, dtype: "float64" });
    checkGrads((v: NDArray) => np.sort(v, 1).mul(np.arange(5).astype("float64")), [x]);
    const w = np.arange(3).astype("float64");
    const g = grad((v: NDArray) => np.sort(v).mul(w).sum())(
      np.array([3, 1, 2], { dtype: "float64" }),
    );
    assert.deepEqual(g.toArray(), [2, 0, 1]);
    assertAllClose(jit((v: NDArray) => np.sort(v, 0))(x), np.sort(x, 0));
    assertAllClose(vmap((v: NDArray) => np.sort(v))(x), np.sort(x, 1));
    assertAllClose(
      vmap((v: NDArray) => np.argsort(v), { inAxes: 1, outAxes: 1 })(x),
      np.argsort(x, 0),
    );
  });
  it("np.sort() rejects unknown options and unstable sorting", () => {
    assert.throws(
      () => np.sort(np.array([1]), -1, { kind: "quick" } as never),
      /unknown option "kind"/,
    );
    assert.throws(() => np.sort(np.array([1]), -1, { stable: false }), RangeError);
  });
});
