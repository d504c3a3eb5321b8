/**
 * A compiled program keeps the buffers of its intermediates across calls (fused loops and
 * matmul products write into them again on the next call). Nothing a caller receives may
 * live in one of them: these tests hold results across a second call and check they did not
 * change.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { debug, jit, lax, np } from "../mod.ts";

type F = (x: np.NDArray) => np.NDArray;
const identity: F = (v) => v;

/** Each way an intermediate can reach the outputs unchanged through a kernel. */
const passThrough: [string, (y: np.NDArray) => np.NDArray][] = [
  ["cond", (y) => lax.cond(np.array(true), identity, (v: np.NDArray) => v.mul(2), y)],
  [
    "whileLoop with no step",
    (y) => lax.whileLoop((c: np.NDArray) => c.sum().less(-1e9), identity, y),
  ],
  [
    "switchBranch",
    (y) =>
      lax.switchBranch(np.array(0, { dtype: "int32" }), [identity, (v: np.NDArray) => v.add(1)], y),
  ],
  [
    "scan's carry",
    (y) => lax.scan((c: np.NDArray, _x: np.NDArray) => [c, c.sum()], y, np.zeros([3]))[0],
  ],
  ["a nested jit", (y) => jit(identity)(y)],
];

describe("jit results never share storage with the program's reused buffers", () => {
  for (const [how, route] of passThrough) {
    it(`a fused-loop intermediate returned through ${how} keeps its values after the next call`, () => {
      const f = jit((x: np.NDArray) => route(x.mul(2).add(1)));
      const first = f(np.array([[1, 2], [3, 4]]));
      const before = first.toArray();
      f(np.array([[10, 20], [30, 40]]));
      assert.deepEqual(first.toArray(), before);
      assert.deepEqual(before, [[3, 5], [7, 9]]);
    });
    it(`a matmul intermediate returned through ${how} keeps its values after the next call`, () => {
      const f = jit((x: np.NDArray) => route(np.matmul(x, x)));
      const first = f(np.array([[1, 2], [3, 4]]));
      const before = first.toArray();
      f(np.array([[5, 6], [7, 8]]));
      assert.deepEqual(first.toArray(), before);
      assert.deepEqual(before, [[7, 10], [15, 22]]);
    });
  }

  it("a matmul whose product stays inside the program gives the same answer on every call", () => {
    const f = jit((a: np.NDArray, b: np.NDArray) => np.matmul(a, b).tanh().sum(0));
    const a = np.array([[1, 2, 3], [4, 5, 6]]).mul(0.1), b = np.array([[1, 0], [0, 1], [1, 1]]);
    const expected = np.matmul(a, b).tanh().sum(0).toArray();
    for (let i = 0; i < 3; i++) assert.deepEqual(f(a, b).toArray(), expected);
    f(a.mul(3), b); // other values in between
    assert.deepEqual(f(a, b).toArray(), expected);
  });

  it("a debug.callback that keeps its argument sees its own call's values", () => {
    const kept: np.NDArray[] = [];
    const f = jit((x: np.NDArray) => {
      const y = x.mul(2).add(1);
      debug.callback((v: np.NDArray) => kept.push(v), y);
      return y.sum();
    });
    f(np.array([1, 2]));
    f(np.array([10, 20]));
    assert.deepEqual(kept.map((k) => k.toArray()), [[3, 5], [21, 41]]);
  });
});
