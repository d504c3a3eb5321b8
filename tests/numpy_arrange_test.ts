import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type NDArray, np } from "../mod.ts";
import { checkFixture } from "./_numpy_fixtures.ts";

type F = (...xs: NDArray[]) => NDArray;

describe("np rearranging against JAX (values, jit, vmap, grad, finite differences)", () => {
  const cases: [string, F][] = [
    ["vstack", (a, b) => np.vstack([a, b])],
    ["hstack", (a, b) => np.hstack([a, b])],
    ["dstack", (a, b) => np.dstack([a, b])],
    ["columnStack", (a, b) => np.columnStack([a, b])],
    ["tile", (a) => np.tile(a, [2, 1, 3])],
    ["repeat", (a) => np.repeat(a, 2, 1)],
    ["repeatList", (a) => np.repeat(a, [1, 0, 3], 0)],
    ["flip", (a) => np.flip(a, [0, 2])],
    ["fliplr", np.fliplr],
    ["flipud", np.flipud],
    ["roll", (a) => np.roll(a, [1, -3], [0, 2])],
    ["rollFlat", (a) => np.roll(a, 5)],
    ["rot90.1", (a) => np.rot90(a, 1, [1, 2])],
    ["rot90.2", (a) => np.rot90(a, 2, [1, 2])],
    ["rot90.3", (a) => np.rot90(a, 3, [1, 2])],
    ["rot90.-1", (a) => np.rot90(a, -1, [1, 2])],
    ["moveaxis", (a) => np.moveaxis(a, [0, 1], [2, 0])],
    ["swapaxes", (a) => np.swapaxes(a, 0, 2)],
    ["tril", (a) => np.tril(a, -1)],
    ["triu", (a) => np.triu(a, 1)],
    ["diag1", (a) => np.diag(a, -1)],
    ["diag2", (a) => np.diag(a, 1)],
    ["diagonal", (a) => np.diagonal(a, 1, 2, 0)],
    ["trace", (a) => np.trace(a, -1, 1, 2)],
    ["meshgrid", (a, b) => np.stack(np.meshgrid([a, b]))],
    ["meshgridij", (a, b) => np.stack(np.meshgrid([a, b], { indexing: "ij" }))],
    ["diff", (a) => np.diff(a, 2, 2)],
    ["ediff1d", np.ediff1d],
  ];
  for (const [name, f] of cases) {
    it(`np.${name.split(".")[0]}() matches JAX (${name})`, () =>
      checkFixture(`arrange.${name}`, f));
  }
});

describe("np.diff edge cases", () => {
  it("np.diff() of bool is x[i + 1] ≠ x[i] and stays bool, as JAX", () => {
    // from JAX 0.10.2: jnp.diff(b), jnp.diff(b, 2)
    const b = np.array([true, false, false, true], "bool");
    assert.equal(np.diff(b).dtype, "bool");
    assert.deepEqual(np.diff(b).toArray(), [true, false, true]);
    assert.deepEqual(np.diff(b, 2).toArray(), [true, true]);
  });
});

describe("np rearranging: argument errors", () => {
  it("np.repeat() rejects a wrong number of counts and negative counts", () => {
    assert.throws(() => np.repeat(np.ones([3]), [1, 2]), /3 repeat counts|2 repeat counts/);
    assert.throws(() => np.repeat(np.ones([2]), [1, -1]), RangeError);
  });
  it("np.tril() and np.rot90() need two axes", () => {
    assert.throws(() => np.tril(np.ones([3])), /np\.tril: needs at least 2 axes/);
    assert.throws(() => np.rot90(np.ones([3])), TypeError);
  });
  it("np.meshgrid() rejects an unknown indexing", () => {
    assert.throws(() => np.meshgrid([np.ones([2])], { indexing: "yx" as never }), /indexing/);
  });
});
