/**
 * jit keeps a scalar constant as one number: a JS scalar that an op spreads to its operand's
 * shape is a full-size constant in the traced jaxpr, and `spreadUniformConsts` (src/jit/_compile.ts)
 * turns each large uniform one into a one-element constant and a broadcast before jit caches
 * the program.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { jit, makeJaxpr, type NDArray, nn, np, random } from "../mod.ts";
import { spreadUniformConsts } from "../src/jit/_compile.ts";

describe("jit's uniform constants", () => {
  const x = random.normal(random.key(1), [64, 129]);

  it("spreadUniformConsts() keeps one element of each large uniform constant and the same values", () => {
    const f = (v: NDArray) => nn.gelu(v).mul(2.5).add(np.arange(129).astype("float32"));
    const jaxpr = makeJaxpr(f)(x);
    const isUniform = (c: NDArray) => {
      const d = c.toTypedArray();
      return d.every((v) => Object.is(v, d[0]));
    };
    const big = jaxpr.consts.filter((c) => c.size >= 4096 && isUniform(c)).length;
    assert.ok(big >= 3, `the traced jaxpr has ${big} full-size uniform constants`);
    const spread = spreadUniformConsts(jaxpr);
    // every large uniform constant shrinks to one element; the broadcast arange row stays
    assert.equal(spread.consts.filter((c) => c.size >= 4096 && isUniform(c)).length, 0);
    assert.ok(spread.consts.some((c) => c.size >= 4096 && !isUniform(c)));
    assert.equal(spread.eqns.length - jaxpr.eqns.length, big);
    assert.ok(spread.eqns.slice(0, big).every((e) => e.prim === "broadcast"));
    const eager = f(x).toTypedArray(), jitted = jit(f)(x).toTypedArray();
    for (let i = 0; i < eager.length; i++) {
      assert.ok(Math.abs(jitted[i] - eager[i]) <= 1e-5 * Math.max(1, Math.abs(eager[i])), `${i}`);
    }
  });

  it("leaves non-uniform and small constants as they are", () => {
    const row = np.arange(8192).astype("float32");
    const jaxpr = makeJaxpr((v: NDArray) => v.mul(row).add(1))(np.ones([8192]));
    const spread = spreadUniformConsts(jaxpr);
    assert.ok(spread.consts.some((c) => c.size === 8192), "the arange stays");
    const small = makeJaxpr((v: NDArray) => v.mul(3))(np.ones([16]));
    assert.equal(spreadUniformConsts(small), small);
  });
});
