// Samplers refuse extra positional arguments instead of ignoring them, and randint's dtype.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { np, random } from "../mod.ts";

describe("random samplers' arguments", () => {
  const k = random.key(0);
  it("random.randint() refuses a fifth positional argument that is not an options object", () => {
    const call = random.randint as unknown as (...a: unknown[]) => unknown;
    assert.throws(() => call(k, [3], 0, 10, "int8"), TypeError);
    assert.throws(() => call(k, [3], 0, 10, {}, 1), /random\.randint: takes at most 5 arguments/);
  });
  it("random.randint() takes dtype int32 with the same draws and refuses non-integer dtypes", () => {
    const a = random.randint(k, [8], -5, 50),
      b = random.randint(k, [8], -5, 50, { dtype: "int32" });
    assert.deepEqual(b.toArray(), a.toArray());
    assert.equal(b.dtype, "int32");
    for (const dtype of ["float32", "bool", "float16"] as const) {
      assert.throws(
        () => random.randint(k, [8], 0, 5, { dtype }),
        new RegExp(`random\\.randint: dtype "${dtype}" is not supported; pass one of int8`),
      );
    }
    const bad = { dtyp: "int32" } as unknown as { dtype?: "int32" };
    assert.throws(() => random.randint(k, [8], 0, 5, bad), TypeError);
  });
  it("random.randint() and random.bits() refuse bounds outside int32 and unsupported word dtypes", () => {
    assert.throws(() => random.randint(k, [2], 0, 2 ** 31), /int32's range.*OverflowError/);
    assert.throws(() => random.randint(k, [2], -(2 ** 31) - 1, 0, { dtype: "uint32" }), RangeError);
    assert.throws(() => random.bits(k, [2], { dtype: "int32" }), /random\.bits: dtype "int32"/);
    assert.throws(() => random.bits(k, [2], { dtype: "uint16" as never }), /uint16 and uint64/);
  });
  it("every sampler throws a TypeError naming itself when given one argument too many", () => {
    const calls: [string, (...a: unknown[]) => unknown, unknown[]][] = [
      ["uniform", random.uniform as never, [k, [2], {}]],
      ["normal", random.normal as never, [k, [2], {}]],
      ["bernoulli", random.bernoulli as never, [k, 0.5, [2]]],
      ["exponential", random.exponential as never, [k, [2], {}]],
      ["gamma", random.gamma as never, [k, 2, [2], {}]],
      ["permutation", random.permutation as never, [k, 4, {}]],
      ["choice", random.choice as never, [k, np.arange(4), [2], {}]],
      ["split", random.split as never, [k, 2]],
    ];
    for (const [name, f, args] of calls) {
      assert.doesNotThrow(() => f(...args), name);
      assert.throws(
        () => f(...args, "extra"),
        (e: Error) =>
          e instanceof TypeError && e.message.startsWith(`random.${name}: takes at most`),
        name,
      );
    }
  });
});
