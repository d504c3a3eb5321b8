/**
 * The shift primitives (lax.shiftLeft, lax.shiftRightLogical, lax.shiftRightArithmetic) and the
 * np shifts built on them, against JAX's values (tests/fixtures/shifts.json, written by
 * gen_shifts.py): every integer dtype, counts −1, 0, 1, w−1, w, w+1 and more; eager, jit, vmap,
 * their derivatives (none: integer results) and their ONNX export.
 */
import { readFileSync } from "node:fs";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type DType, grad, io, jit, jvp, lax, makeJaxpr, type NDArray, np, vmap } from "../mod.ts";

// deno-lint-ignore no-explicit-any
const F: any = JSON.parse(readFileSync(new URL("./fixtures/shifts.json", import.meta.url), "utf8"));
const INTS: DType[] = ["int8", "int16", "int32", "uint8", "uint32"];
type Shift = (x: NDArray, s: NDArray) => NDArray;
const LAX: [string, Shift][] = [
  ["shift_left", lax.shiftLeft],
  ["shift_right_logical", lax.shiftRightLogical],
  ["shift_right_arithmetic", lax.shiftRightArithmetic],
];

function assertSame(actual: NDArray, expected: number[], what: string) {
  const got = actual.reshape([-1]).toArray() as number[];
  assert.equal(got.length, expected.length, `${what}: length`);
  got.forEach((a, i) => {
    if (a !== expected[i]) {
      assert.fail(`${what}[${i}]: got ${a}, JAX has ${expected[i]}`);
    }
  });
}

describe("lax shifts match JAX", () => {
  for (const d of INTS) {
    const c = F.cases[d];
    const x = np.array(c.x, { dtype: d }), s = np.array(c.s, { dtype: d });
    it(`lax shifts on ${d} match JAX eagerly, under jit and under vmap (counts past the width and negative)`, () => {
      for (const [name, f] of LAX) {
        const y = f(x, s);
        assert.equal(y.dtype, d);
        assertSame(y, c[name], `${d} ${name}`);
        assertSame(jit(f)(x, s), c[name], `jit ${d} ${name}`);
        // a batch of rows, and a batched x against one shared count vector
        const rows = x.reshape([-1, c.x.length / 3 >= 1 ? 3 : 1]);
        const srows = s.reshape(rows.shape);
        assertSame(vmap(f)(rows, srows), c[name], `vmap ${d} ${name}`);
        assertSame(vmap(f, { inAxes: [1, 1] })(rows.T, srows.T), c[name], `vmap axis 1 ${d}`);
      }
    });
    it(`np.leftShift() and np.rightShift() on ${d} match JAX's left_shift and right_shift`, () => {
      assertSame(np.leftShift(x, s), c.left_shift, `${d} leftShift`);
      assertSame(np.rightShift(x, s), c.right_shift, `${d} rightShift`);
      assertSame(jit(np.rightShift)(x, s), c.right_shift, `jit ${d} rightShift`);
    });
  }
});

describe("lax shifts", () => {
  it("lax shifts bind one primitive each, also inside np.leftShift and np.rightShift", () => {
    const x = np.array([1, 2], { dtype: "int32" });
    assert.match(makeJaxpr(lax.shiftRightLogical)(x, x).toString(), /shift_right_logical/);
    const text = makeJaxpr(np.rightShift)(x, x).toString();
    assert.match(text, /shift_right_arithmetic/);
    assert.equal(makeJaxpr(np.leftShift)(x, x).eqns.length, 1);
    assert.match(
      makeJaxpr(np.rightShift)(x.astype("uint8"), x.astype("uint8")).toString(),
      /shift_right_logical/,
    );
  });

  it("lax shifts broadcast shapes, and JS integers adopt the array's dtype", () => {
    const x = np.array([[1], [-2]], { dtype: "int16" });
    const s = np.array([0, 1, 2], { dtype: "int16" });
    assert.deepEqual(lax.shiftLeft(x, s).toArray(), [[1, 2, 4], [-2, -4, -8]]);
    assert.deepEqual(lax.shiftRightArithmetic(-8, 1).item(), -4);
    assert.equal(lax.shiftRightArithmetic(-8, 1).dtype, "int32");
    const u = lax.shiftRightLogical(np.array([0xf0], { dtype: "uint8" }), 4);
    assert.equal(u.dtype, "uint8");
    assert.deepEqual(u.toArray(), [15]);
  });

  it("lax shifts of uint32 patterns with the top bit set stay exact under jit", () => {
    const x = np.array([0xdeadbeef, 0x80000000], { dtype: "uint32" });
    const f = (a: NDArray) => [lax.shiftRightLogical(a, 9), lax.shiftRightArithmetic(a, 4)];
    const want = [[0xdeadbeef >>> 9, 0x80000000 >>> 9], [(0xdeadbeef >> 4) >>> 0, 0xf8000000]];
    assert.deepEqual(f(x).map((y) => y.toArray()), want);
    assert.deepEqual(jit(f)(x).map((y) => y.toArray()), want);
  });

  it("lax shifts have zero derivatives: their results are integers", () => {
    const f = (v: NDArray) =>
      v.mul(lax.shiftLeft(np.array([1, 2], { dtype: "int32" }), 2).astype("float32")).sum();
    assert.deepEqual(grad(f)(np.array([1, 1])).toArray(), [4, 8]);
    const g = (v: NDArray) => lax.shiftRightLogical(v.astype("int32"), 1).astype("float32");
    const [out, tangent] = jvp(g, [np.array([6, 9])], [np.array([1, 1])]);
    assert.deepEqual((out as NDArray).toArray(), [3, 4]);
    assert.deepEqual((tangent as NDArray).toArray(), [0, 0]);
  });

  it("lax shifts reject floats, bools, mixed dtypes and out-of-range numbers with named errors", () => {
    const i8 = np.array([1], { dtype: "int8" });
    assert.throws(
      () => lax.shiftLeft(np.array([1.5]), 1),
      /lax\.shiftLeft: needs integer.*float32/,
    );
    assert.throws(() => lax.shiftRightLogical(np.array([true]), i8), TypeError);
    assert.throws(
      () => lax.shiftRightArithmetic(i8, np.array([1], { dtype: "int32" })),
      /lax\.shiftRightArithmetic: both operands must have one dtype, got int8 and int32/,
    );
    assert.throws(() => lax.shiftLeft(i8, 1.5), RangeError);
    assert.throws(
      () => lax.shiftLeft(i8, 300),
      /the number 300 is not an integer in the range of int8/,
    );
    assert.throws(() => lax.shiftLeft(np.array([1], { dtype: "uint8" }), -1), RangeError);
    // deno-lint-ignore no-explicit-any
    assert.throws(() => lax.shiftLeft([1, 2] as any, 1), /a JS array/);
    assert.throws(
      () => lax.shiftLeft(np.ones([2, 3], { dtype: "int32" }), np.ones([4], { dtype: "int32" })),
      TypeError,
    );
  });

  it("exportOnnx() of the int32 shifts gives difftrace's values in ONNX Runtime", async (t) => {
    let ort: typeof import("onnxruntime-node");
    try {
      ort = await import("onnxruntime-node");
    } catch (e) {
      t.skip(`onnxruntime-node cannot be loaded here: ${(e as Error).message}`);
      return;
    }
    const c = F.cases.int32;
    const x = np.array(c.x, { dtype: "int32" }), s = np.array(c.s, { dtype: "int32" });
    const f = (a: NDArray, b: NDArray) => LAX.map(([, g]) => g(a, b));
    const session = await ort.InferenceSession.create(io.exportOnnx(f, x, s));
    const feeds = Object.fromEntries(session.inputNames.map((name, i) => {
      const v = [x, s][i];
      return [name, new ort.Tensor("int32", v.toTypedArray() as Int32Array, [...v.shape])];
    }));
    const out = await session.run(feeds);
    session.outputNames.forEach((name, i) => {
      const got = np.array(Array.from(out[name].data as Int32Array), { dtype: "int32" });
      assertSame(got, c[LAX[i][0]], name);
    });
  });
});
