/**
 * JAX's `Array` methods beyond the elementwise and reduction ones (src/numpy/_array_methods.ts):
 * each equals its `np` function, with JAX 0.10.2's values, also on tracers (jit, grad, vmap);
 * and JAX's `x.at[...]` spelling gets an error that shows difftrace's `x.at(...)`.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { grad, jit, type NDArray, np, vmap } from "../mod.ts";

const x = () => np.array([[3, 1, 2], [0, 5, 4]]);

describe("JAX Array methods", () => {
  it("flatten, std, var, all, any, ptp, cumsum, cumprod, sort, argsort give JAX's values", () => {
    // expected values: JAX 0.10.2, the same method calls on jnp.array([[3., 1, 2], [0, 5, 4]])
    const a = x();
    assert.deepEqual(a.flatten().toArray(), [3, 1, 2, 0, 5, 4]);
    assert.deepEqual(a.ravel().toArray(), [3, 1, 2, 0, 5, 4]);
    assert.ok(Math.abs((a.std().item() as number) - 1.7078251838684082) < 1e-6);
    assert.ok(Math.abs((a.std({ ddof: 1 }).item() as number) - 1.8708287477493286) < 1e-6);
    assert.deepEqual(a.var({ axis: 0 }).toArray(), [2.25, 4, 1]);
    assert.equal(a.all().itemBool(), false);
    assert.deepEqual(a.any({ axis: 1 }).toArray(), [true, true]);
    assert.deepEqual(a.ptp({ axis: 1 }).toArray(), [2, 5]);
    assert.deepEqual(a.cumsum().toArray(), [3, 4, 6, 6, 11, 15]);
    assert.deepEqual(a.cumprod(1).toArray(), [[3, 3, 6], [0, 0, 0]]);
    assert.deepEqual(a.sort().toArray(), [[1, 2, 3], [0, 4, 5]]);
    assert.deepEqual(a.argsort(0).toArray(), [[1, 0, 0], [0, 1, 1]]);
  });

  it("swapaxes, diagonal, trace, repeat, nonzero, imag, mT, itemsize and nbytes give JAX's values", () => {
    const a = x();
    assert.deepEqual(a.swapaxes(0, 1).shape, [3, 2]);
    assert.deepEqual(a.diagonal().toArray(), [3, 5]);
    assert.deepEqual(a.diagonal(1).toArray(), [1, 4]);
    assert.equal(a.trace().item(), 8);
    assert.equal(a.trace(1).item(), 5);
    assert.deepEqual(a.repeat(2, 0).shape, [4, 3]);
    assert.deepEqual(a.nonzero().map((i) => i.toArray()), [[0, 0, 0, 1, 1], [0, 1, 2, 1, 2]]);
    assert.deepEqual(a.imag.toArray(), [[0, 0, 0], [0, 0, 0]]);
    assert.equal(a.real, a);
    assert.equal(a.conj(), a);
    assert.deepEqual(a.mT.shape, [3, 2]);
    assert.equal(a.itemsize, 4);
    assert.equal(a.nbytes, 24);
    assert.equal(a.astype("float16").itemsize, 2);
    assert.deepEqual(a.tolist(), a.toArray());
    assert.equal(a.blockUntilReady(), a);
    assert.throws(() => np.array([1, 2]).mT, /x\.mT: needs at least 2 axes/);
  });

  it("the methods work on tracers: under jit, grad and vmap", () => {
    const f = (v: NDArray) => v.sort().cumsum().mul(v.flatten().std()).sum().add(v.trace());
    const a = x();
    assert.ok(Math.abs((jit(f)(a).item() as number) - (f(a).item() as number)) < 1e-4);
    // d/dv of trace(v) is the identity pattern; of sum(v.mT) all ones
    const g = grad((v: NDArray) => v.trace().add(v.mT.sum()))(np.zeros([2, 2]));
    assert.deepEqual(g.toArray(), [[2, 1], [1, 2]]);
    const rows = vmap((v: NDArray) => v.cumsum())(a);
    assert.deepEqual(rows.toArray(), [[3, 4, 6], [0, 5, 9]]);
  });

  it("x.at[...] (JAX's spelling) throws an error that shows x.at(...), which works", () => {
    const a = np.array([1, 2, 3]);
    const jaxStyle = a.at as unknown as Record<number, { set(v: number): NDArray }>;
    assert.throws(
      () => jaxStyle[1].set(9),
      /in difftrace `at` is a method: write x\.at\(index\)\.set\(v\)/,
    );
    assert.deepEqual(a.at(1).set(9).toArray(), [1, 9, 3]);
    assert.equal(typeof a.at.bind, "function");
  });
});
