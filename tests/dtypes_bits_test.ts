/**
 * Shifts, population counts, invert, nextafter and finfo/iinfo over the integer and float
 * dtypes, against JAX's values (tests/fixtures/dtypes.json, written by gen_dtypes.py).
 */
import { readFileSync } from "node:fs";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type DType, jit, type NDArray, np, vmap } from "../mod.ts";

type Values = (number | boolean)[];
// deno-lint-ignore no-explicit-any
const F: any = JSON.parse(
  readFileSync(new URL("./fixtures/dtypes.json", import.meta.url), "utf8"),
  (_k, v) => (v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : v),
);
const INTS: DType[] = ["uint8", "uint32", "int8", "int16", "int32"];

function assertSame(actual: Values, expected: Values, what: string) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((a, i) =>
    assert.ok(Object.is(a, expected[i]), `${what}[${i}]: got ${a}, JAX has ${expected[i]}`)
  );
}
const flat = (x: NDArray): Values => x.toArray() as Values;

describe("shifts and bit counts", () => {
  for (const d of INTS) {
    it(`np.leftShift(), np.rightShift(), np.bitwiseCount() and np.invert() on ${d} match JAX (shifts past the width too)`, () => {
      const c = F.bits[d];
      const x = np.array(c.x, { dtype: d }), s = np.array(c.s, { dtype: d });
      assertSame(flat(np.leftShift(x, s)), c.left, `${d} leftShift`);
      assertSame(flat(np.rightShift(x, s)), c.right, `${d} rightShift`);
      assertSame(flat(np.bitwiseCount(x)), c.count, `${d} bitwiseCount`);
      assertSame(flat(np.invert(x)), c.invert, `${d} invert`);
      assert.equal(np.bitwiseCount(x).dtype, "uint8");
      assert.equal(np.leftShift(x, s).dtype, d);
      // the same under jit and vmap
      assertSame(flat(jit(np.leftShift)(x, s)), c.left, `jit ${d} leftShift`);
      assertSame(flat(jit(np.rightShift)(x, s)), c.right, `jit ${d} rightShift`);
      assertSame(flat(vmap(np.bitwiseCount)(x)), c.count, `vmap ${d} bitwiseCount`);
    });
  }
  it("np.invert() and np.bitwiseCount() on bool match JAX", () => {
    const x = np.array(F.bits.bool.x);
    assertSame(flat(np.invert(x)), F.bits.bool.invert, "invert");
    assertSame(flat(np.bitwiseCount(x)), F.bits.bool.count, "bitwiseCount");
  });
  it("np.bitwiseLeftShift() and np.bitwiseRightShift() are the same functions", () => {
    const x = np.array([1, -8], { dtype: "int16" });
    assert.deepEqual(np.bitwiseLeftShift(x, 2).toArray(), [4, -32]);
    assert.deepEqual(np.bitwiseRightShift(x, 2).toArray(), [0, -2]);
  });
  it("shifts and bit counts reject float operands with a TypeError naming the function", () => {
    assert.throws(
      () => np.leftShift(np.array([1.5]), 1),
      /np\.leftShift: needs integer operands, got float32/,
    );
    assert.throws(() => np.rightShift(np.array([1]), 1), TypeError);
    assert.throws(() => np.bitwiseCount(np.array([1], { dtype: "float16" })), /np\.bitwiseCount/);
  });
});

describe("np.nextafter()", () => {
  for (const d of ["float16", "float32", "float64"] as const) {
    it(`np.nextafter() is bit-exact with JAX in ${d} (zeros, subnormals, ±inf, the largest value, NaN)`, () => {
      const c = F.nextafter[d];
      const x = np.array(c.x, { dtype: d }), y = np.array(c.y, { dtype: d });
      assertSame(flat(np.nextafter(x, y)), c.out, d);
      assertSame(flat(jit(np.nextafter)(x, y)), c.out, `jit ${d}`);
      assert.equal(np.nextafter(x, y).dtype, d);
    });
  }
  it("np.nextafter() steps by one ulp both ways across powers of two and subnormals", () => {
    const f64 = (v: number[]) => np.array(v, { dtype: "float64" });
    const x = f64([1, 1, 2 ** -1022, 2 ** -1022, 5e-324, -4, 1e300]);
    const y = f64([0, 2, 0, 1, 1, -Infinity, Infinity]);
    assert.deepEqual(np.nextafter(x, y).toArray(), [
      1 - 2 ** -53,
      1 + 2 ** -52,
      2 ** -1022 - 2 ** -1074,
      2 ** -1022 + 2 ** -1074,
      1e-323,
      -4 - 2 ** -50,
      1e300 + 2 ** (996 - 52),
    ]);
    const f32 = np.nextafter(np.array([1, 1]), np.array([2, 0]));
    assert.deepEqual(f32.toArray(), [1 + 2 ** -23, 1 - 2 ** -24]);
  });
});

describe("np.finfo() and np.iinfo()", () => {
  for (const d of ["float16", "bfloat16", "float32", "float64"] as const) {
    it(`np.finfo("${d}") matches jnp.finfo`, () => {
      const f = np.finfo(d), j = F.finfo[d];
      assert.equal(f.eps, j.eps);
      assert.equal(f.max, j.max);
      assert.equal(f.min, j.min);
      assert.equal(f.tiny, j.tiny);
      assert.equal(f.resolution, j.resolution);
      assert.equal(f.smallestSubnormal, j.smallest_subnormal);
      assert.equal(f.bits, j.bits);
      assert.equal(np.finfo(np.zeros([1], d)).dtype, d);
    });
  }
  for (const d of INTS) {
    it(`np.iinfo("${d}") matches jnp.iinfo`, () => {
      assert.deepEqual({ ...np.iinfo(d) }, { dtype: d, ...F.iinfo[d] });
    });
  }
  it("np.finfo() and np.iinfo() reject the other kind of dtype, naming the function to use", () => {
    assert.throws(() => np.finfo("int32"), /np\.finfo: int32 is not a float dtype; use np\.iinfo/);
    assert.throws(() => np.iinfo("float16"), /np\.iinfo: float16 is not an integer dtype/);
    assert.throws(() => np.iinfo("bool"), TypeError);
    assert.throws(() => np.finfo("half" as DType), /unknown dtype/);
  });
});

describe("np.canCast() and np.isdtype()", () => {
  it("np.canCast() is jnp.can_cast over all ten dtypes (table from JAX)", () => {
    const dts: DType[] = F.dtypes;
    assert.deepEqual(dts.map((a) => dts.map((b) => np.canCast(a, b))), F.canCast);
  });
  it("np.isdtype() tests kinds, dtypes and lists as jnp.isdtype", () => {
    assert.equal(np.isdtype("int8", "signed integer"), true);
    assert.equal(np.isdtype("uint32", "signed integer"), false);
    assert.equal(np.isdtype("bfloat16", "real floating"), true);
    assert.equal(np.isdtype("bool", "numeric"), false);
    assert.equal(np.isdtype("uint8", ["bool", "unsigned integer"]), true);
    assert.equal(np.isdtype("float16", "float16"), true);
    assert.throws(() => np.isdtype("int8", "integer"), /np\.isdtype: unknown kind "integer"/);
    assert.throws(() => np.canCast("int8", "int64" as DType), /np\.canCast: unknown dtype/);
  });
});
