import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { grad, jit, type NDArray, np, vmap } from "../mod.ts";
import { checkFixture, fixtureArgs } from "./_numpy_fixtures.ts";
import { assertAllClose } from "./_helpers.ts";

type F = (...xs: NDArray[]) => NDArray;
const int = (v: number[]) => np.array(v, { dtype: "int32" });
const i3 = int([0, 2, 1]);
const dup = int([1, 3, 1, 0, 3]);

describe("x.index() against JAX (values, jit, vmap, grad, finite differences)", () => {
  const cases: [string, F][] = [
    ["basic", (a) => a.index(1, [null, null, -1], null, [1, 4, 2])],
    ["negstep", (a) => a.index(np.s(), [-1, 0, -2], np.s(null, null, -3))],
    ["ellipsis", (a) => a.index("...", 2)],
    ["arrays", (a) => a.index(int([1, 0]), np.s(), int([3, 0]))],
    ["adjacent", (a) => a.index(np.s(), i3, i3.add(1))],
    ["split", (a) => a.index(1, np.s(), i3)],
  ];
  for (const [name, f] of cases) {
    it(`x.index() matches JAX's x[...] (${name})`, () => checkFixture(`index.${name}`, f));
  }
  it("x.index() with a concrete bool mask matches JAX (eager and grad)", () => {
    const [a] = fixtureArgs("index.mask");
    const mask = a.greater(1); // concrete, closed over: jit and vmap see a constant mask
    checkFixture("index.mask", (v) => v.index(mask));
  });
});

describe("x.at() against JAX", () => {
  const cases: [string, F][] = [
    ["add", (a, v) => a.at(dup).add(v)],
    ["set", (a, v) => a.at(1, i3).set(v)],
    ["mul", (a, v) => a.at(dup).mul(v)],
    ["mulUnique", (a, v) => a.at(int([1, 3, 0])).mul(v)],
    ["min", (a, v) => a.at(dup).min(v)],
    ["max", (a, v) => a.at(dup).max(v)],
    ["slice", (a, v) => a.at(np.s(), np.s(null, null, -2)).add(v)],
  ];
  for (const [name, f] of cases) {
    it(`x.at().${name}() matches JAX, repeated indices included`, () => {
      checkFixture(`at.${name}`, f, { noFiniteDifferences: name === "min" || name === "max" });
    });
  }
  it("x.at().set() lets the last repeated index win, as NumPy", () => {
    assert.deepEqual(np.zeros([3]).at(int([1, 1])).set(np.array([5, 6])).toArray(), [0, 6, 0]);
  });
  it("x.at().divide() of an integer array true-divides into float32, as JAX", () => {
    // from JAX 0.10.2: jnp.arange(5).at[jnp.array([2, 2])].divide(2) → float32
    // [0, 1, 0.5, 3, 4]; jnp.arange(6).reshape(2, 3).at[:, 1].divide(jnp.array([2, 4])) →
    // float32 [[0, 0.5, 2], [3, 1, 5]]
    const out = np.arange(5).at(int([2, 2])).divide(2);
    assert.equal(out.dtype, "float32");
    assert.deepEqual(out.toArray(), [0, 1, 0.5, 3, 4]);
    const cols = np.arange(6).reshape([2, 3]).at(np.s(), 1).divide(int([2, 4]));
    assert.deepEqual(cols.toArray(), [[0, 0.5, 2], [3, 1, 5]]);
  });
  it("x.at().set() and .max() take 300,000 indices (no argument spread)", () => {
    const n = 300000;
    const idx = np.array(Int32Array.from({ length: n }, (_, i) => (i * 7) % n));
    const set = np.zeros([n]).at(idx).set(np.arange(n).astype("float32")).toTypedArray();
    assert.equal(set[7], 1);
    assert.equal(set[(7 * (n - 1)) % n], n - 1);
    const twice = np.array(Int32Array.from({ length: n }, (_, i) => i % 1000));
    const max = np.zeros([1000]).at(twice).max(np.arange(n).astype("float32")).toTypedArray();
    assert.equal(max[999], n - 1);
  });
  it("x.at().set() and .add() work with indices batched by vmap", () => {
    const f = (x: NDArray, i: NDArray) => x.at(i).set(1).add(x.at(i).add(2));
    const xs = np.zeros([2, 4]), is = int([1, 3]);
    assertAllClose(vmap(f)(xs, is), [[0, 3, 0, 0], [0, 0, 0, 3]]);
  });
  it("x.at().mul() with traced indices is a TypeError that names the supported updates", () => {
    assert.throws(
      () => vmap((x: NDArray, i: NDArray) => x.at(i).mul(2))(np.ones([2, 3]), int([0, 1])),
      /needs concrete indices/,
    );
  });
});

describe("x.index() semantics and errors", () => {
  it("integers drop axes and null inserts them, as NumPy", () => {
    const x = np.zeros([2, 3, 4]);
    assert.deepEqual(x.index(null, "...", 1).shape, [1, 2, 3]);
    assert.deepEqual(x.index(0, [1, 3], i3).shape, [3, 2]);
    assert.deepEqual(x.index([null, null, -1], i3, i3).shape, [2, 3]);
  });
  it("iterating an array yields its rows and .length is axis 0", () => {
    const x = np.arange(6).reshape([3, 2]);
    assert.equal(x.length, 3);
    assert.deepEqual([...x].map((r) => r.toArray()), [[0, 1], [2, 3], [4, 5]]);
    assert.throws(() => np.array(1).length, TypeError);
  });
  it("x.index() under jit and grad of a reversed slice", () => {
    const f = (x: NDArray) => x.index([null, null, -1]).mul(np.arange(3)).sum();
    const x = np.array([1, 2, 3]);
    assert.equal(jit(f)(x).item(), f(x).item());
    assert.deepEqual(grad(f)(x).toArray(), [2, 1, 0]);
  });
  it("out-of-range indices, two ellipses and wrong item types are errors", () => {
    const x = np.zeros([2, 3]);
    assert.throws(() => x.index(2), /index 2 is out of bounds for axis 0 of size 2/);
    assert.throws(() => x.index(int([0, 3])), RangeError);
    assert.throws(() => x.index("...", "..."), /only one "\.\.\."/);
    assert.throws(() => x.index(0, 0, 0), /too many indices/);
    assert.throws(() => x.index("a" as never), /index items are/);
    assert.throws(() => x.index([0, 1, 0]), /step cannot be 0/);
  });
  it("a bool mask inside jit is a TypeError that suggests np.where", () => {
    assert.throws(() => jit((x: NDArray) => x.index(x.greater(0)))(np.ones([3])), /np\.where/);
  });
});
