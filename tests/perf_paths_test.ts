/**
 * The fast paths added for speed give the same values as the plain ones: the eager
 * broadcast's fill and tiled copy (src/interpreters/_eval_structural.ts) against an index-by-index
 * reference, the eager select's per-dtype loops against a plain loop, and wasm functions whose constants are hoisted out of their loop
 * (`Code.hoistConstantsHere`, src/kernels/_wasm.ts) against the same function unhoisted.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { np } from "../mod.ts";
import { hasSimd, ModuleBuilder, ValType } from "../src/kernels/_wasm.ts";

/** out[i…] = x[i… with each size-1 axis of x read at 0], x's shape padded with leading 1s. */
function broadcastReference(x: ArrayLike<number>, xShape: number[], shape: number[]): number[] {
  const s = [...new Array(shape.length - xShape.length).fill(1), ...xShape];
  const n = shape.reduce((a, b) => a * b, 1), out: number[] = [];
  for (let flat = 0; flat < n; flat++) {
    let rest = flat, src = 0, stride = 1;
    for (let k = shape.length - 1; k >= 0; k--) {
      const i = rest % shape[k];
      rest = Math.floor(rest / shape[k]);
      if (s[k] !== 1) src += i * stride;
      stride *= s[k];
    }
    out.push(x[src]);
  }
  return out;
}

describe("eager broadcast fast paths", () => {
  const cases: [string, number[], number[]][] = [
    ["one element to a vector", [1], [7]],
    ["a scalar to a matrix", [], [3, 5]],
    ["a row over a batch (tiled copy)", [5], [3, 5]],
    ["a row over an odd batch, odd row", [1, 7], [13, 7]],
    ["a block over two leading axes", [1, 1, 2, 3], [3, 4, 2, 3]],
    ["a column (strided path)", [3, 1], [3, 4]],
    ["a middle axis (strided path)", [2, 1, 3], [2, 5, 3]],
    ["to a shape with a zero axis", [3], [0, 3]],
    ["no stretch at all", [2, 3], [2, 3]],
  ];
  for (const [name, xShape, shape] of cases) {
    it(`np.broadcastTo() of ${name} equals the index-by-index reference`, () => {
      const size = xShape.reduce((a, b) => a * b, 1);
      const data = Float32Array.from({ length: size }, (_, i) => i * 1.5 - 2);
      const x = np.array(data, { shape: xShape });
      const y = np.broadcastTo(x, shape);
      assert.deepEqual(y.shape, shape);
      assert.deepEqual([...y.toTypedArray()], broadcastReference(data, xShape, shape));
    });
  }

  it("np.broadcastTo() keeps NaN, -0 and bool values in the fill and the tiled copy", () => {
    const f = np.broadcastTo(np.array(new Float32Array([-0]), { shape: [1] }), [5]);
    for (const v of f.toTypedArray()) assert.ok(Object.is(v, -0));
    const nan = np.broadcastTo(np.array(new Float32Array([NaN, 1])), [3, 2]).toTypedArray();
    assert.deepEqual([...nan].map(Number.isNaN), [true, false, true, false, true, false]);
    const b = np.broadcastTo(np.array([true, false, true]), [2, 3]);
    assert.equal(b.dtype, "bool");
    assert.deepEqual(b.toArray(), [[true, false, true], [true, false, true]]);
  });
});

describe("eager select, one loop per dtype", () => {
  it("np.where() picks the same elements for every dtype, whichever dtype ran first", () => {
    const p = np.array([true, false, true, false, false]);
    const cases: [np.NDArray, np.NDArray][] = [
      [
        np.array([1, 2, 3, 4, 5], { dtype: "int32" }),
        np.array([-1, -2, -3, -4, -5], { dtype: "int32" }),
      ],
      [
        np.array(new Float32Array([NaN, -0, 1.5, Infinity, 2])),
        np.array(new Float32Array([0, 1, -0, NaN, -2])),
      ],
      [np.array([true, true, false, false, true]), np.array([false, false, true, true, false])],
      [
        np.array(new Float32Array([3, 4, 5, 6, 7])),
        np.array(new Float32Array([-3, -4, -5, -6, -7])),
      ],
    ];
    for (const [t, f] of cases) {
      const got = np.where(p, t, f).toTypedArray();
      const td = t.toTypedArray(), fd = f.toTypedArray(), pd = p.toTypedArray();
      const want = Array.from(pd, (v, i) => (v ? td[i] : fd[i]));
      assert.equal(np.where(p, t, f).dtype, t.dtype);
      want.forEach((w, i) => assert.ok(Object.is(got[i], w), `${t.dtype} element ${i}`));
    }
  });
});

describe("Code.hoistConstantsHere()", { skip: !hasSimd }, () => {
  /** out[i] = (x[i]·a + b)·a over `n` floats at byte 0 → byte 4096, constants hoisted or not. */
  function build(hoist: boolean) {
    const mb = new ModuleBuilder().memory(1);
    const c = mb.func([ValType.i32], [], "run");
    const i = c.local(ValType.i32);
    if (hoist) c.hoistConstantsHere();
    c.i32(0).set(i).loop();
    c.get(i).get(i).v128Load(0).f32x4Constant(2.5).f32x4Mul().f64x2Constant(0).drop();
    c.f32x4Constant(-0.75).f32x4Add().f32x4Constant(2.5).f32x4Mul();
    c.i32x4Constant(0).v128Or().v128Store(4096);
    c.get(i).i32(16).i32Add().tee(i).get(0).i32LtU().brIf(0).end();
    const bytes = mb.build();
    const ex = new WebAssembly.Instance(new WebAssembly.Module(bytes as BufferSource))
      .exports as { memory: WebAssembly.Memory; run(bytes: number): void };
    return { ex, bytes };
  }

  it("gives the same results as v128.const in the loop, each distinct constant set once", () => {
    const plain = build(false), hoisted = build(true);
    const x = Float32Array.from({ length: 64 }, (_, k) => k - 20.25);
    for (const { ex } of [plain, hoisted]) {
      new Float32Array(ex.memory.buffer).set(x);
      ex.run(x.length * 4);
    }
    const out = (m: WebAssembly.Memory) => [...new Float32Array(m.buffer, 4096, x.length)];
    assert.deepEqual(out(hoisted.ex.memory), out(plain.ex.memory));
    assert.deepEqual(out(plain.ex.memory), [...x].map((v) => Math.fround((v * 2.5 - 0.75) * 2.5)));
    // v128.const (0xfd 0x0c): five in the plain loop; hoisted, one per distinct 16 bytes
    // (2.5, −0.75, and the zeros shared by the f64x2 and i32x4 constants)
    const consts = (b: Uint8Array) => b.filter((v, k) => v === 0xfd && b[k + 1] === 0x0c).length;
    assert.equal(consts(plain.bytes), 5);
    assert.equal(consts(hoisted.bytes), 3);
  });
});
