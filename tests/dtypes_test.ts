/**
 * The ten dtypes against JAX (tests/fixtures/dtypes.json, written by gen_dtypes.py): the
 * promotion table with weak scalars, astype between every pair on edge values, float16 and
 * bfloat16 rounding of many values (and their bits, through safetensors), integer
 * wraparound, and the same under jit.
 */
import { readFileSync } from "node:fs";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type DType, grad, io, jit, type NDArray, np, vmap } from "../mod.ts";
import {
  bfloat16Bits,
  bfloat16FromBits,
  float16Bits,
  float16FromBits,
  roundBfloat16,
  roundFloat16,
} from "../src/core/_dtype.ts";

type Values = (number | boolean)[];
// deno-lint-ignore no-explicit-any
const F: any = JSON.parse(
  readFileSync(new URL("./fixtures/dtypes.json", import.meta.url), "utf8"),
  (_k, v) => (v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : v),
);
const DTS: DType[] = F.dtypes;
const INTS: DType[] = ["uint8", "uint32", "int8", "int16", "int32"];

/** Values equal element by element, NaN equal to NaN and −0 told from +0 (bit-exact for floats). */
function assertSame(actual: Values, expected: Values, what: string, skip?: (i: number) => boolean) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    if (skip?.(i)) continue;
    const a = actual[i], e = expected[i];
    assert.ok(Object.is(a, e), `${what}[${i}]: got ${String(a)}, JAX has ${String(e)}`);
  }
}

const arr = (values: Values, dtype: DType): NDArray => np.array(values, { dtype });
const flat = (x: NDArray): Values => x.toArray() as Values;

/**
 * XLA on CPU flushes float32 subnormals (|x| < 2⁻¹²⁶) to zero, also when converting to
 * float32 or bfloat16; difftrace keeps them (IEEE gradual underflow). Such values are skipped.
 */
const F32_TINY = 2 ** -126;
const subnormal32 = (x: number | boolean) =>
  typeof x === "number" && x !== 0 && Math.abs(x) < F32_TINY;

describe("dtype promotion", () => {
  it("np.promoteTypes() is jnp.promote_types over all ten dtypes (table from JAX)", () => {
    const table = DTS.map((a) => DTS.map((b) => np.promoteTypes(a, b)));
    assert.deepEqual(table, F.promote);
  });
  it("np.resultType() with a weak JS number or boolean is jnp.result_type with a Python scalar", () => {
    for (const d of DTS) {
      const x = np.zeros([2], d);
      assert.equal(np.resultType(x, 1), F.weak[d].int, `${d} with 1`);
      assert.equal(np.resultType(x, 1.5), F.weak[d].float, `${d} with 1.5`);
      assert.equal(np.resultType(x, true), F.weak[d].bool, `${d} with true`);
    }
  });
  it("binary ops between arrays of two dtypes give the promoted dtype", () => {
    for (const a of DTS) {
      for (const b of DTS) {
        const out = np.add(np.ones([2], a), np.ones([2], b));
        assert.equal(out.dtype, np.promoteTypes(a, b), `${a} + ${b}`);
      }
    }
  });
});

describe("astype()", () => {
  for (const s of DTS) {
    it(`astype() from ${s} to every dtype matches JAX on edge values (NaN, ±inf, overflow, ties)`, () => {
      const src: Values = F.astype[s].src;
      const x = arr(src, s);
      assertSame(flat(x), src, `np.array(src, ${s})`);
      for (const t of DTS) {
        const skip = (i: number) => subnormal32(src[i]);
        assertSame(flat(x.astype(t)), F.astype[s].to[t], `${s} -> ${t}`, skip);
        assertSame(
          flat(jit((y: NDArray) => y.astype(t))(x)),
          F.astype[s].to[t],
          `jit ${s} -> ${t}`,
          skip,
        );
      }
    });
  }
  it("np.array() rounds JS numbers to float16 straight from the double (as NumPy), astype through float32 (as XLA)", () => {
    // just above a float16 tie, by less than float32 can hold
    const v = 1 + 2 ** -11 + 2 ** -40;
    assert.equal(np.array([v], { dtype: "float16" }).item(), 1 + 2 ** -10);
    assert.equal(np.array(new Float64Array([v]), { dtype: "float16" }).item(), 1 + 2 ** -10);
    assert.equal(np.array([v], { dtype: "float64" }).astype("float16").item(), 1);
    assert.equal(np.array([1 + 2 ** -8 + 2 ** -40], { dtype: "bfloat16" }).item(), 1);
  });
  it("np.array() takes each typed array as its own dtype (a Uint8Array is uint8)", () => {
    assert.equal(np.array(new Uint8Array([0, 200])).dtype, "uint8");
    assert.equal(np.array(new Int8Array([-1])).dtype, "int8");
    assert.equal(np.array(new Int16Array([-1])).dtype, "int16");
    assert.equal(np.array(new Uint32Array([4294967295])).item(), 4294967295);
  });
  it("astype() rejects an unknown dtype with a TypeError listing the ten", () => {
    assert.throws(
      () => np.astype(np.ones([1]), "float8" as DType),
      /unknown dtype "float8".*bfloat16/,
    );
  });
});

describe("float16 and bfloat16 storage", () => {
  const R = F.round;
  it("float64 and float32 values round to float16 and bfloat16 as JAX rounds them", () => {
    const f64 = np.array(R.f64, { dtype: "float64" }), f32 = np.array(R.f32, { dtype: "float32" });
    const skip64 = (i: number) => subnormal32(R.f64[i]);
    const skip32 = (i: number) => subnormal32(R.f32[i]);
    assertSame(flat(f64.astype("float16")), R.f64_to_f16, "f64 -> f16");
    assertSame(flat(f64.astype("bfloat16")), R.f64_to_bf16, "f64 -> bf16", skip64);
    assertSame(flat(f32.astype("float16")), R.f32_to_f16, "f32 -> f16");
    assertSame(flat(f32.astype("bfloat16")), R.f32_to_bf16, "f32 -> bf16", skip32);
  });
  it("io.saveSafetensors() writes float16 and bfloat16 as their IEEE bit patterns", () => {
    const f32 = np.array(R.f32, { dtype: "float32" });
    for (const [d, key] of [["float16", "f16_bits"], ["bfloat16", "bf16_bits"]] as const) {
      const bytes = io.saveSafetensors({ x: f32.astype(d) });
      const n = R.f32.length, start = bytes.length - 2 * n;
      const bits = Array.from(new Uint16Array(bytes.slice(start).buffer));
      const skip = (i: number) => d === "bfloat16" && subnormal32(R.f32[i]);
      assertSame(bits, R[key], `${d} bits`, skip);
      const back = io.loadSafetensors(bytes) as { x: NDArray };
      assert.equal(back.x.dtype, d);
      assertSame(flat(back.x), flat(f32.astype(d)), `${d} round trip`);
    }
  });
  for (const d of ["float16", "bfloat16"] as const) {
    it(`${d} arithmetic computes in float32 and rounds each result as JAX does`, () => {
      const c = F.arith[d];
      const a = arr(c.a, d), b = arr(c.b, d);
      assertSame(flat(a.add(b)), c.add, "add");
      assertSame(flat(a.sub(b)), c.sub, "sub");
      assertSame(flat(a.mul(b)), c.mul, "mul");
      assertSame(flat(a.div(b)), c.divide, "divide");
      assertSame(flat(a.add(1.5)), c.addScalar, "add 1.5");
      assertSame(flat(np.abs(a).sqrt()), c.sqrt, "sqrt");
      assert.equal(a.add(b).dtype, d);
      // transcendental functions: within one unit in the last place of the format
      const ulp = d === "float16" ? 2 ** -10 : 2 ** -7;
      for (const [name, got] of [["exp", a.div(1000).exp()], ["sin", a.sin()]] as const) {
        (flat(got) as number[]).forEach((v, i) => {
          const e = c[name][i];
          if (!Number.isFinite(e)) assert.equal(v, e, `${name}[${i}]`);
          else assert.ok(Math.abs(v - e) <= ulp * Math.abs(e), `${name}[${i}]: ${v} vs ${e}`);
        });
      }
      assert.ok(Math.abs(a.sum().item() - c.sum) <= ulp * Math.abs(c.sum), "sum");
    });
    it(`grad() of a ${d} function gives a ${d} cotangent close to JAX's`, () => {
      const c = F.arith[d];
      const a = arr(c.a, d);
      const g = grad((x: NDArray) => x.mul(x).mul(0.5).add(x.sin()).sum())(a);
      assert.equal(g.dtype, d);
      const ulp = d === "float16" ? 2 ** -10 : 2 ** -7;
      (flat(g) as number[]).forEach((v, i) =>
        assert.ok(Math.abs(v - c.grad[i]) <= 2 * ulp * Math.abs(c.grad[i]), `grad[${i}]`)
      );
    });
  }
  it("a float16 array holds only float16 values, whatever produced it (jit, vmap, np.array)", () => {
    const x = np.array([0.1, 1 / 3, 70000], { dtype: "float16" });
    assert.deepEqual(x.toArray(), [0.0999755859375, 0.333251953125, Infinity]);
    const f = (y: NDArray) => y.mul(3).add(0.1);
    assertSame(flat(jit(f)(x)), flat(f(x)), "jit");
    assertSame(flat(vmap(f)(x)), flat(f(x)), "vmap");
    assert.equal(
      String(np.array([0.1, 65519, 1e-7], { dtype: "float16" })),
      "Array([1.00e-01, 6.55e+04, 1.19e-07], dtype=float16)",
    );
  });
});

describe("integer dtypes", () => {
  for (const d of INTS) {
    it(`${d} arithmetic wraps and divides as JAX's (add, sub, mul, floorDivide, remainder, neg, abs)`, () => {
      const c = F.arith[d];
      const a = arr(c.a, d), b = arr(c.b, d);
      const ops: [string, (x: NDArray, y: NDArray) => NDArray][] = [
        ["add", (x, y) => x.add(y)],
        ["sub", (x, y) => x.sub(y)],
        ["mul", (x, y) => x.mul(y)],
        ["floorDivide", (x, y) => np.floorDivide(x, y)],
        ["remainder", (x, y) => np.remainder(x, y)],
        ["neg", (x) => x.neg()],
        ["abs", (x) => x.abs()],
        ["square", (x) => x.mul(x)],
        ["maximum", (x, y) => x.maximum(y)],
        ["minimum", (x, y) => x.minimum(y)],
        ["less", (x, y) => x.less(y)],
        ["divide", (x, y) => x.div(y)],
        ["addScalar", (x) => x.add(1)],
      ];
      for (const [name, f] of ops) {
        const out = f(a, b);
        assertSame(flat(out), c[name], `${d} ${name}`);
        // float32 results (divide) are bit-exact under jit's "exact" precision; by default
        // a fused chain keeps float32 intermediates in doubles (within one float32 rounding)
        const exact = name === "divide" ? { precision: "exact" as const } : {};
        assertSame(flat(jit(f, exact)(a, b)), c[name], `jit ${d} ${name}`);
      }
      assert.equal(a.add(b).dtype, d);
      assert.equal(a.sum().item(), c.sum);
    });
  }
  it("jit() fuses chains on the narrow dtypes bit-identical to eager (each op wraps or rounds)", () => {
    const values = Array.from({ length: 64 }, (_, i) => (i * 37) % 251 - 120 + (i % 3) / 3);
    for (const d of ["float16", "bfloat16", "int8", "int16", "uint8", "uint32"] as const) {
      const x = np.array(values, { dtype: "float64" }).astype(d), y = x.mul(3).add(7);
      const f = (a: NDArray, b: NDArray) => {
        const t = a.mul(b).add(a.mul(a)).sub(b.mul(5)).maximum(a.neg());
        return [t, t.astype("float32").mul(0.5), t.less(b), a.astype("int8").mul(b.astype("int8"))];
      };
      const want = f(x, y), got = jit(f)(x, y);
      want.forEach((w, k) => {
        assert.equal(got[k].dtype, w.dtype, `${d} output ${k}`);
        assertSame(flat(got[k]), flat(w), `${d} output ${k}`);
      });
    }
  });
  it("jit() wraps int8 intermediates as eager does (no excess range inside a fused chain)", () => {
    const a = np.array([100, 120, -100], { dtype: "int8" });
    const f = (x: NDArray) => x.add(x).less(0);
    assert.deepEqual(jit(f)(a).toArray(), [true, true, false]);
    assert.deepEqual(f(a).toArray(), [true, true, false]);
  });
});

describe("the new dtypes through the other layers", () => {
  it("grad() through astype() returns the input's dtype, as JAX's cotangents", () => {
    const x = np.array([0.1, 2], { dtype: "float16" });
    const g = grad((y: NDArray) => y.astype("float32").mul(np.array([1 / 3, 1])).sum())(x);
    assert.equal(g.dtype, "float16");
    assert.deepEqual(g.toArray(), [0.333251953125, 1]);
    assert.throws(
      () => grad((y: NDArray) => y.astype("float32").sum())(np.array([1], { dtype: "uint8" })),
      /grad: can only differentiate with respect to float arrays.*uint8/,
    );
  });
  it("io checkpoints and safetensors keep float16, bfloat16 and integer dtypes bit for bit", () => {
    const tree = {
      h: np.array([0.1, -0, 65504, 6e-8], { dtype: "float16" }),
      b: np.array([1 / 3, 1e38], { dtype: "bfloat16" }),
      i8: np.array([-128, 127], { dtype: "int8" }),
      i16: np.array([-32768], { dtype: "int16" }),
      u8: np.array([0, 255], { dtype: "uint8" }),
      u32: np.array([4294967295], { dtype: "uint32" }),
    };
    const back = io.loadSafetensors(io.saveSafetensors(tree), { like: tree });
    for (const [k, v] of Object.entries(tree)) {
      const got = (back as Record<string, NDArray>)[k];
      assert.equal(got.dtype, v.dtype, k);
      assertSame(flat(got), flat(v), k);
    }
    const info = io.safetensorsInfo(io.saveSafetensors(tree)).tensors.map((t) => t.fileDtype);
    assert.deepEqual(info.sort(), ["BF16", "F16", "I16", "I8", "U32", "U8"]);
  });
  it("io.exportOnnx() refuses the new dtypes with a TypeError naming the dtype", () => {
    const x = np.array([1, 2], { dtype: "float16" });
    assert.throws(
      () => io.exportOnnx((y: NDArray) => y.mul(2), x),
      /dtype float16 is not exported/,
    );
  });
});

/** The float32 `k` steps of one unit in the last place from the positive float32 x. */
function f32Step(x: number, k: number): number {
  const f = new Float32Array([x]);
  new Uint32Array(f.buffer)[0] += k;
  return f[0];
}

describe("float16/bfloat16 rounding kernels (core)", () => {
  // every pair of neighbouring finite values: the midpoint rounds to the even one, a float32
  // step either side of it to the nearer one; every value and its bits round-trip
  for (
    const [name, fromBits, toBits, round] of [
      ["float16", float16FromBits, float16Bits, roundFloat16],
      ["bfloat16", bfloat16FromBits, bfloat16Bits, roundBfloat16],
    ] as const
  ) {
    it(`${name}: all 2¹⁵ positive patterns round-trip and every midpoint rounds to even`, () => {
      const inf = name === "float16" ? 0x7c00 : 0x7f80;
      for (let h = 0; h < inf; h++) {
        const v = fromBits(h), next = fromBits(h + 1);
        assert.equal(round(v), v);
        assert.equal(toBits(v), h);
        assert.equal(toBits(-v), h | 0x8000);
        // past the largest value, the midpoint to the next power of two overflows to inf
        const mid = h + 1 === inf ? v + (v - fromBits(h - 1)) / 2 : (v + next) / 2;
        assert.equal(Math.fround(mid), mid, "the midpoint is a float32");
        assert.equal(round(mid), h % 2 === 0 ? v : next, `midpoint after ${h}`);
        assert.equal(round(f32Step(mid, 1)), next, `above the midpoint after ${h}`);
        assert.equal(round(f32Step(mid, -1)), v, `below the midpoint after ${h}`);
      }
      assert.equal(round(Infinity), Infinity);
      assert.ok(Number.isNaN(round(NaN)));
      assert.ok(Object.is(round(-0), -0));
    });
  }
});
