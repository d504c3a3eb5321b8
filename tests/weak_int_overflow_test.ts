/**
 * A JS integer meeting integer arrays is read as int32 first, as JAX reads a Python int
 * with x64 off: inside int32 it wraps into the array's dtype; outside it is an error (JAX:
 * OverflowError), never a silently different number. Expected values from JAX 0.10.2.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { jit, np } from "../mod.ts";

const INT_DTYPES = ["int8", "uint8", "int16", "int32", "uint32"] as const;

describe("JS integers outside int32 next to integer arrays", () => {
  for (const dtype of INT_DTYPES) {
    it(`raise a RangeError naming the op for ${dtype} arrays, eagerly and under jit`, () => {
      const x = np.array([1, 2], { dtype });
      for (const v of [2 ** 31, -(2 ** 31) - 1, 2 ** 32]) {
        assert.throws(() => x.add(v), /np\.add: the JS number -?\d+ is outside int32's range/);
        assert.throws(() => jit((a: np.NDArray) => a.mul(v))(x), /np\.mul: .*outside int32/);
        assert.throws(() => np.where(np.array([true, false]), x, v), /np\.where: .*outside int32/);
        assert.throws(() => x.less(v), /np\.less: .*outside int32/);
      }
    });
  }

  it("wrap into the dtype inside int32, as JAX does", () => {
    assert.deepEqual(np.array([1, 2], { dtype: "int8" }).add(300).toArray(), [45, 46]);
    assert.deepEqual(np.array([1, 2], { dtype: "uint8" }).add(-(2 ** 31)).toArray(), [1, 2]);
    assert.deepEqual(np.array([1, 2], { dtype: "int32" }).add(2 ** 31 - 1).toArray(), [
      -2147483648,
      -2147483647,
    ]);
    assert.deepEqual(np.array([1, 2], { dtype: "uint32" }).add(2 ** 31 - 1).toArray(), [
      2147483648,
      2147483649,
    ]);
  });

  it("promote to float32 when the number is not whole, and leave float arrays alone", () => {
    const r = np.array([1, 2], { dtype: "int32" }).add(1.5);
    assert.equal(r.dtype, "float32");
    assert.deepEqual(r.toArray(), [2.5, 3.5]);
    assert.deepEqual(np.array([1, 2]).add(2 ** 40).dtype, "float32");
    assert.equal(np.array([true, false]).add(1).dtype, "int32");
    assert.throws(() => np.array([true, false]).add(2 ** 31), /outside int32/);
  });
});
