import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { grad, jit, type NDArray, np } from "../mod.ts";
import { checkFixture, fixture } from "./_numpy_fixtures.ts";
import { assertAllClose } from "./_helpers.ts";

type F = (...xs: NDArray[]) => NDArray;

describe("np elementwise math against JAX", () => {
  const unary: [string, F][] = [
    ["arcsin", np.arcsin],
    ["arccos", np.arccos],
    ["arctan", np.arctan],
    ["sinh", np.sinh],
    ["cosh", np.cosh],
    ["arcsinh", np.arcsinh],
    ["arccosh", np.arccosh],
    ["arctanh", np.arctanh],
    ["exp2", np.exp2],
    ["log2", np.log2],
    ["log10", np.log10],
    ["cbrt", np.cbrt],
    ["erf", np.erf],
    ["erfc", np.erfc],
    ["erfinv", np.erfinv],
    ["lgamma", np.lgamma],
    ["digamma", np.digamma],
    ["sinc", np.sinc],
    ["deg2rad", np.deg2rad],
    ["rad2deg", np.rad2deg],
  ];
  for (const [name, f] of unary) {
    it(`np.${name}() matches JAX's values and gradients under jit, vmap and grad`, () => {
      checkFixture(`math.${name}`, f, { rtol: 1e-11, atol: 1e-12 });
    });
  }
  const binary: [string, F][] = [
    ["arctan2", np.arctan2],
    ["hypot", np.hypot],
    ["logaddexp", np.logaddexp],
    ["logaddexp2", np.logaddexp2],
    ["mod", np.mod],
    ["fmod", np.fmod],
    ["remainder", np.remainder],
  ];
  for (const [name, f] of binary) {
    it(`np.${name}() matches JAX's values and both gradients`, () => {
      checkFixture(`math.${name}`, f, { rtol: 1e-11, atol: 1e-12 });
    });
  }
  it("np.copysign() and np.trunc() match JAX (gradients without finite differences at kinks)", () => {
    checkFixture("math.copysign", np.copysign, { noFiniteDifferences: true });
    checkFixture("math.trunc", np.trunc, { noFiniteDifferences: true });
  });
  it("np.floorDivide() and np.heaviside() match JAX", () => {
    checkFixture("math.floorDivide", np.floorDivide);
    checkFixture("math.heaviside", np.heaviside);
  });
  for (const name of ["mod", "fmod", "floorDivide", "bitwiseAnd", "bitwiseOr", "bitwiseXor"]) {
    it(`np.${name}() on int32 matches JAX and stays int32`, () => {
      const f = (np as unknown as Record<string, F>)[name];
      checkFixture(`int.${name}`, f, { int: true });
      assert.equal(
        f(np.array([5], { dtype: "int32" }), np.array([3], { dtype: "int32" })).dtype,
        "int32",
      );
    });
  }
  it("np.bitwiseNot() on int32 matches JAX", () => {
    checkFixture("int.bitwiseNot", np.bitwiseNot, { int: true });
  });
  for (const name of ["isnan", "isinf", "isfinite", "signbit", "nanToNum"]) {
    it(`np.${name}() matches JAX on NaN, ±Infinity and ±0`, () => {
      checkFixture(`pred.${name}`, (np as unknown as Record<string, F>)[name]);
    });
  }
});

describe("np elementwise math edge cases", () => {
  it("np.arcsinh() is exact for huge arguments and has derivative 1 at 0", () => {
    assertAllClose(np.arcsinh(np.array([1e300, -1e300], { dtype: "float64" })), [
      Math.asinh(1e300),
      Math.asinh(-1e300),
    ], { rtol: 1e-15 });
    assert.equal(
      grad((x: NDArray) => np.arcsinh(x).sum())(np.array(0, { dtype: "float64" })).item(),
      1,
    );
  });
  it("np.hypot() neither overflows nor yields NaN gradients at the origin", () => {
    assertAllClose(np.hypot(np.array(3e200, { dtype: "float64" }), 4e200), 5e200, { rtol: 1e-15 });
    const g = grad((x: NDArray) => np.hypot(x, 0).sum())(np.array([0], { dtype: "float64" }));
    assert.deepEqual(g.toArray(), [0]);
  });
  it("np.logaddexp() handles two −Infinity operands", () => {
    assert.equal(np.logaddexp(-Infinity, -Infinity).item(), -Infinity);
  });
  it("the logical ops treat non-zero as true and return bool", () => {
    const x = np.array([0, 1, 2, 0]), y = np.array([0, 0, 3, 5]);
    assert.deepEqual(np.logicalAnd(x, y).toArray(), [false, false, true, false]);
    assert.deepEqual(np.logicalOr(x, y).toArray(), [false, true, true, true]);
    assert.deepEqual(np.logicalXor(x, y).toArray(), [false, true, false, true]);
    assert.deepEqual(np.logicalNot(x).toArray(), [true, false, false, true]);
  });
  it("bitwise ops reject float operands with a TypeError naming the function", () => {
    assert.throws(() => np.bitwiseAnd(np.array([1.5]), 1), /np\.bitwiseAnd: needs integer or bool/);
    assert.throws(() => np.bitwiseNot(np.array([1.5])), TypeError);
  });
  it("np.fmod() of integers by 0 is 0, as JAX's", () => {
    // from JAX 0.10.2: jnp.fmod(jnp.array([7, -5, 0], d), jnp.array([2, 0, 0], d))
    for (const dtype of ["int32", "int16", "int8"] as const) {
      const x = np.array([7, -5, 0], dtype), y = np.array([2, 0, 0], dtype);
      assert.deepEqual(np.fmod(x, y).toArray(), [1, 0, 0]);
    }
    assert.deepEqual(np.fmod(np.array([7, 5], "uint8"), np.array([2, 0], "uint8")).toArray(), [
      1,
      0,
    ]);
  });
  it("np.floorDivide() of floats by 0 or ±Infinity matches JAX", () => {
    // from JAX 0.10.2: jnp.floor_divide(x, y) (x / 0 is ±inf, 0 / 0 NaN, −1 // inf is −1)
    const x = np.array([5, -5, 0, 1, -1, 3, Infinity, 5.5, -5.5]);
    const y = np.array([0, 0, 0, Infinity, Infinity, -Infinity, 2, -0, -0]);
    const expected = [Infinity, -Infinity, NaN, 0, -1, -1, NaN, -Infinity, Infinity];
    assert.deepEqual(np.floorDivide(x, y).toArray(), expected);
    assert.deepEqual(np.divmod(x, y)[0].toArray(), expected);
    assert.deepEqual(jit(np.floorDivide)(x, y).toArray(), expected);
  });
  it("np.heaviside() keeps NaN, as JAX's", () => {
    // from JAX 0.10.2: jnp.heaviside([-1, 0, 1, nan], 0.5) is [0, 0.5, 1, nan]
    assert.deepEqual(np.heaviside(np.array([-1, 0, 1, NaN]), 0.5).toArray(), [0, 0.5, 1, NaN]);
  });
  it("np.round() and x.round() take decimals, as jnp.round (they ignored them)", () => {
    // from JAX 0.10.2: jnp.round(x, 1), jnp.round(x, 39) and jnp.round(y, -1) in float32
    const x = np.array([0.25, 0.35, 1.45, -0.15, 2.675, 1234.5678, 3.4e38]);
    const r1 = [0.2, 0.4, 1.4, -0.2, 2.7, 1234.6, Infinity].map(Math.fround);
    assert.deepEqual(np.round(x, 1).toArray(), r1);
    assert.deepEqual(x.round(1).toArray(), r1);
    assert.deepEqual(np.around(x, 1).toArray(), r1);
    assert.deepEqual(np.round(x, 39).toArray(), x.toArray()); // 10³⁹ overflows float32: a no-op
    const y = np.array([15, 25, 35, 149, -25]);
    assert.deepEqual(np.round(y, -1).toArray(), [20, 20, 40, 150, -20]);
    assert.deepEqual(np.round(y.astype("int32"), -1).toArray(), [20, 20, 40, 150, -20]);
    assert.throws(() => np.round(x, 0.5), /np\.round: decimals must be an integer/);
  });
  it("np.nanToNum() rejects unknown options", () => {
    assert.throws(
      () => np.nanToNum(np.array([1]), { nan: 0, foo: 1 } as never),
      /unknown option "foo"/,
    );
  });
});

describe("dtype promotion", () => {
  it("np.promoteTypes() is jnp.promote_types on bool, int32, float32, float64 (table from JAX)", () => {
    const c = fixture("dtypes.promoteTypes");
    const dts = c.args[0] as unknown as np.DType[];
    const table = dts.map((a) => dts.map((b) => np.promoteTypes(a, b)));
    assert.deepEqual(table, c.out);
  });
  it("np.resultType() treats JS numbers as weak", () => {
    assert.equal(np.resultType(np.ones([1], "int32"), 2), "int32");
    assert.equal(np.resultType(np.ones([1], "float64"), 2.5), "float64");
    assert.throws(() => np.promoteTypes("float8" as never, "int32"), TypeError);
  });
});
