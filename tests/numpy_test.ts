import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { NDArray, np } from "../mod.ts";
import { assertAllClose } from "./_helpers.ts";

const i32 = { dtype: "int32" } as const;
const f64 = { dtype: "float64" } as const;

describe("constructors", () => {
  it("np.array() of mixed booleans and numbers is float32, whichever comes first", () => {
    // from JAX 0.10.2: jnp.array([True, 1, 2.5]) is float32 [1., 1., 2.5]
    const x = np.array([true, 1, 2.5]);
    assert.equal(x.dtype, "float32");
    assert.deepEqual(x.toArray(), [1, 1, 2.5]);
    assert.equal(np.array([[false], [3]]).dtype, "float32");
    assert.equal(np.array([[true], [false]]).dtype, "bool");
  });
  it("np.array() builds float32 arrays from nested JS arrays", () => {
    const x = np.array([[1, 2, 3], [4, 5, 6]]);
    assert.ok(x instanceof NDArray);
    assert.deepEqual(x.shape, [2, 3]);
    assert.equal(x.dtype, "float32");
    assert.equal(x.ndim, 2);
    assert.equal(x.size, 6);
    assert.deepEqual(x.toArray(), [[1, 2, 3], [4, 5, 6]]);
  });

  it("np.array() makes 0-d arrays from scalars and bool arrays from booleans", () => {
    const s = np.array(3.5);
    assert.deepEqual(s.shape, []);
    assert.equal(s.item(), 3.5);
    assert.equal(np.array(true).dtype, "bool");
    assert.equal(np.array(true).itemBool(), true);
    assert.equal(np.array([[true], [false]]).dtype, "bool");
    assert.deepEqual(np.array([]).shape, [0]);
  });

  it("np.array() honours dtype: int32 truncates, refuses out-of-range values, bool stores 0/1", () => {
    assert.deepEqual(np.array([1.7, -1.7, NaN], i32).toArray(), [1, -1, 0]);
    // out of int32's range: jnp.array raises OverflowError, np.array a RangeError
    assert.throws(() => np.array([3e9], i32), RangeError);
    const b = np.array([2, 0, -1], { dtype: "bool" });
    assert.deepEqual(b.toArray(), [true, false, true]);
    assert.deepEqual(b.equal(true).toArray(), [true, false, true]);
    assert.equal(b.sum().item(), 2);
    assert.equal(np.array([0.1], f64).item(), 0.1);
    assert.equal(np.array([0.1]).item(), Math.fround(0.1));
  });

  it("np.array() takes typed arrays with their own dtype, and a shape", () => {
    assert.equal(np.array(new Float64Array([1, 2])).dtype, "float64");
    assert.equal(np.array(new Float32Array([1, 2])).dtype, "float32");
    assert.equal(np.array(new Int32Array([1, 2])).dtype, "int32");
    const b = np.array(new Uint8Array([0, 2]));
    assert.equal(b.dtype, "uint8");
    assert.deepEqual(b.toArray(), [0, 2]);
    assert.deepEqual(np.array(new Uint8Array([0, 2]), { dtype: "bool" }).toArray(), [false, true]);
    const m = np.array(new Int32Array([1, 2, 3, 4, 5, 6]), { shape: [3, 2] });
    assert.deepEqual(m.toArray(), [[1, 2], [3, 4], [5, 6]]);
    assert.deepEqual(np.array(new Float64Array([1.5]), i32).toArray(), [1]);
    assert.throws(() => np.array(new Float32Array(5), { shape: [2, 2] }), TypeError);
  });

  it("np.array() copies its input: later mutation of the source does not show", () => {
    const src = [1, 2, 3];
    const typed = new Float32Array([1, 2, 3]);
    const a = np.array(src), b = np.array(typed);
    src[0] = 99;
    typed[0] = 99;
    assert.deepEqual(a.toArray(), [1, 2, 3]);
    assert.deepEqual(b.toArray(), [1, 2, 3]);
  });

  it("np.array() of an array converts its dtype", () => {
    const x = np.array([1.5, 2.5]);
    assert.deepEqual(np.array(x, i32).toArray(), [1, 2]);
    assert.equal(np.array(x, f64).dtype, "float64");
  });

  it("np.zeros(), np.ones() and np.full() fill with one value and default to float32", () => {
    assert.deepEqual(np.zeros([2, 2]).toArray(), [[0, 0], [0, 0]]);
    assert.equal(np.zeros([2]).dtype, "float32");
    assert.deepEqual(np.ones([3], i32).toArray(), [1, 1, 1]);
    assert.equal(np.ones([3], i32).dtype, "int32");
    assert.deepEqual(np.full([2], 7, f64).toArray(), [7, 7]);
    assert.equal(np.full([2], true).dtype, "bool");
    assert.deepEqual(np.full([1], 5, { dtype: "bool" }).astype("int32").toArray(), [1]);
    assert.deepEqual(np.zeros([]).shape, []);
    assert.deepEqual(np.zeros([0, 3]).shape, [0, 3]);
  });

  it("np.zerosLike() and np.onesLike() copy shape and dtype unless told otherwise", () => {
    const x = np.arange(6).reshape([2, 3]);
    const z = np.zerosLike(x);
    assert.deepEqual(z.shape, [2, 3]);
    assert.equal(z.dtype, "int32");
    assert.equal(z.sum().item(), 0);
    const o = np.onesLike(x, f64);
    assert.equal(o.dtype, "float64");
    assert.equal(o.sum().item(), 6);
  });

  it("np.arange() gives int32 for integer arguments and float32 otherwise", () => {
    assert.deepEqual(np.arange(4).toArray(), [0, 1, 2, 3]);
    assert.equal(np.arange(4).dtype, "int32");
    assert.deepEqual(np.arange(2, 5).toArray(), [2, 3, 4]);
    assert.deepEqual(np.arange(5, 0, -2).toArray(), [5, 3, 1]);
    assert.deepEqual(np.arange(0, 1, 0.25).toArray(), [0, 0.25, 0.5, 0.75]);
    assert.equal(np.arange(0, 1, 0.25).dtype, "float32");
    assert.equal(np.arange(3, undefined, 1, f64).dtype, "float64");
    assert.deepEqual(np.arange(3, 1).shape, [0]);
    assert.throws(() => np.arange(0, 1, 0), RangeError);
  });

  it("np.linspace() includes the endpoint unless told not to", () => {
    assertAllClose(np.linspace(0, 1, 5), [0, 0.25, 0.5, 0.75, 1]);
    assertAllClose(np.linspace(0, 1, 4, { endpoint: false }), [0, 0.25, 0.5, 0.75]);
    const l = np.linspace(-1, 1, 7, f64);
    assertAllClose(l, [-1, -2 / 3, -1 / 3, 0, 1 / 3, 2 / 3, 1], { rtol: 1e-15, atol: 1e-15 });
    assert.equal(l.slice(-1).item(), 1); // the endpoint is exact
    assert.deepEqual(np.linspace(2, 3, 1).toArray(), [2]);
    assert.deepEqual(np.linspace(2, 3, 0).shape, [0]);
  });

  it("np.linspace() with an integer or bool dtype floors and saturates, as JAX", () => {
    // from JAX 0.10.2: jnp.linspace(start, stop, num, dtype=...)
    const lin = (a: number, b: number, n: number, dtype: np.DType) =>
      np.linspace(a, b, n, { dtype }).toArray();
    assert.deepEqual(lin(-7, 9, 7, "int32"), [-7, -5, -2, 1, 3, 6, 9]);
    assert.deepEqual(lin(0, -10, 4, "int32"), [0, -4, -7, -10]);
    assert.deepEqual(lin(0, 300, 4, "uint8"), [0, 100, 200, 255]);
    assert.deepEqual(lin(-200, 200, 5, "int8"), [-128, -100, 0, 100, 127]);
    assert.deepEqual(lin(-5, 5e9, 3, "uint32"), [0, 2500000000, 4294967295]);
    assert.deepEqual(lin(0, 1, 3, "bool"), [false, true, true]);
  });

  it("np.eye() makes identity matrices, rectangular and offset", () => {
    assert.deepEqual(np.eye(3).toArray(), [[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    assert.deepEqual(np.eye(2, 3, { k: 1 }).toArray(), [[0, 1, 0], [0, 0, 1]]);
    assert.deepEqual(np.eye(3, 2, { k: -1 }).toArray(), [[0, 0], [1, 0], [0, 1]]);
    assert.equal(np.eye(2, undefined, i32).dtype, "int32");
  });
});

describe("dtype promotion", () => {
  const f32 = np.ones([2]);
  const ints = np.arange(3);

  it("a weak JS number keeps a float32 array float32", () => {
    assert.equal(f32.mul(2).dtype, "float32");
    assert.equal(f32.add(0.5).dtype, "float32");
    assert.equal(np.ones([2], f64).mul(2).dtype, "float64");
  });

  it("an integer JS number keeps int32, a fractional one lifts int32 to float32", () => {
    assert.equal(ints.add(1).dtype, "int32");
    const y = ints.add(1.5);
    assert.equal(y.dtype, "float32");
    assert.deepEqual(y.toArray(), [1.5, 2.5, 3.5]);
  });

  it("array-array promotion takes the larger dtype: int32 + float64 → float64", () => {
    assert.equal(ints.add(np.ones([3], f64)).dtype, "float64");
    assert.equal(ints.add(np.ones([3])).dtype, "float32");
    assert.equal(np.ones([3]).add(np.ones([3], f64)).dtype, "float64");
    assert.equal(np.array([true, false]).add(ints.slice([0, 2])).dtype, "int32");
  });

  it("adding two bool arrays is a logical or and stays bool (as JAX)", () => {
    const s = np.array([true, false]).add(np.array([false, false]));
    assert.equal(s.dtype, "bool");
    assert.deepEqual(s.toArray(), [true, false]);
  });

  it("dividing integers is true division in float32", () => {
    const q = ints.div(np.arange(1, 4));
    assert.equal(q.dtype, "float32");
    assertAllClose(q, [0, 0.5, 2 / 3]);
    assert.equal(ints.div(2).dtype, "float32");
  });

  it("int32 multiplication wraps like NumPy's int32", () => {
    const big = np.array([65536], i32);
    assert.deepEqual(big.mul(big).toArray(), [0]);
    assert.deepEqual(np.array([2147483647], i32).add(1).toArray(), [-2147483648]);
  });

  it("float-only ops lift integers to float32", () => {
    assert.equal(np.sqrt(ints).dtype, "float32");
    assert.equal(np.exp(ints).dtype, "float32");
    assert.equal(ints.mean().dtype, "float32");
    assert.equal(np.neg(ints).dtype, "int32");
  });

  it("scalar-only operands give float32 numbers", () => {
    const s = np.add(1, 2);
    assert.equal(s.dtype, "float32");
    assert.equal(s.item(), 3);
  });
});

describe("comparisons", () => {
  it("comparisons give bool arrays and broadcast", () => {
    const x = np.arange(4);
    const cases: [NDArray, boolean[]][] = [
      [x.equal(2), [false, false, true, false]],
      [x.notEqual(2), [true, true, false, true]],
      [x.less(1.5), [true, true, false, false]],
      [x.lessEqual(1), [true, true, false, false]],
      [x.greater(np.array([0, 0, 5, 5])), [false, true, false, false]],
      [x.greaterEqual(2), [false, false, true, true]],
    ];
    for (const [r, want] of cases) {
      assert.equal(r.dtype, "bool");
      assert.deepEqual(r.toArray(), want);
    }
    assert.deepEqual(np.less(np.array([[1], [3]]), np.array([2, 4])).toArray(), [
      [true, true],
      [false, true],
    ]);
  });

  it("np.where() picks by a bool condition and treats numbers as truthiness", () => {
    assert.deepEqual(np.where(np.array([true, false]), 1, 2.5).toArray(), [1, 2.5]);
    assert.deepEqual(np.where(np.array([0, 3]), 1, 2).toArray(), [2, 1]);
  });
});

describe("reductions", () => {
  const x = np.arange(24).reshape([2, 3, 4]);

  it("np.sum() reduces all axes, one axis, a list of axes and negative axes", () => {
    assert.equal(x.sum().item(), 276);
    assert.deepEqual(x.sum({ axis: 0 }).shape, [3, 4]);
    assert.deepEqual(x.sum({ axis: [0, 2] }).toArray(), [60, 92, 124]);
    assert.deepEqual(x.sum({ axis: -1 }).toArray(), [[6, 22, 38], [54, 70, 86]]);
    assert.deepEqual(x.sum({ axis: [-1, 0] }).toArray(), [60, 92, 124]);
    assert.equal(x.sum().dtype, "int32");
  });

  it("keepdims keeps the reduced axes as size 1", () => {
    assert.deepEqual(x.sum({ axis: 1, keepdims: true }).shape, [2, 1, 4]);
    assert.deepEqual(x.max({ axis: [0, -1], keepdims: true }).toArray(), [[[15], [19], [23]]]);
    assert.deepEqual(x.mean({ keepdims: true }).shape, [1, 1, 1]);
    assert.deepEqual(np.logsumexp(x.astype("float32"), { axis: 1, keepdims: true }).shape, [
      2,
      1,
      4,
    ]);
  });

  it("np.mean(), np.max(), np.min() and np.prod() compute the right values", () => {
    assert.equal(x.mean().item(), 11.5);
    assert.deepEqual(x.mean({ axis: [1, 2] }).toArray(), [5.5, 17.5]);
    assert.deepEqual(x.min({ axis: 2 }).toArray(), [[0, 4, 8], [12, 16, 20]]);
    assert.equal(np.prod(np.array([1, 2, 3, 4])).item(), 24);
    assert.equal(np.sum(np.zeros([0])).item(), 0);
    assert.equal(np.prod(np.zeros([0])).item(), 1);
    assert.equal(np.array([true, true, false]).sum().item(), 2);
    assert.equal(np.array([true, true, false]).sum().dtype, "int32");
    // max and min of bools are any and all, and stay bool
    const b = np.array([[true, false], [true, true]]);
    assert.deepEqual(b.max({ axis: 1 }).toArray(), [true, true]);
    assert.deepEqual(b.min({ axis: 1 }).toArray(), [false, true]);
    assert.equal(b.min().dtype, "bool");
  });

  it("np.argmax() and np.argmin() index the flattened array or one axis", () => {
    const m = np.array([[1, 5, 5], [7, 2, -1]]);
    assert.equal(m.argmax().item(), 3);
    assert.equal(m.argmin().item(), 5);
    assert.equal(m.argmax().dtype, "int32");
    assert.deepEqual(m.argmax({ axis: 1 }).toArray(), [1, 0]); // the first of a tie
    assert.deepEqual(m.argmin({ axis: -2 }).toArray(), [0, 1, 1]);
    assert.deepEqual(m.argmax({ axis: 0, keepdims: true }).toArray(), [[1, 0, 0]]);
    assert.deepEqual(m.argmax({ keepdims: true }).shape, [1, 1]);
  });
});

describe("read-out and printing", () => {
  it("toTypedArray() returns a copy: mutating it does not change the array", () => {
    const x = np.array([1, 2, 3]);
    const t = x.toTypedArray();
    assert.ok(t instanceof Float32Array);
    t[0] = 99;
    assert.deepEqual(x.toArray(), [1, 2, 3]);
    assert.ok(np.arange(2).toTypedArray() instanceof Int32Array);
    assert.ok(np.array([true]).toTypedArray() instanceof Uint8Array);
  });

  it("toArray() returns fresh nested arrays: mutating them does not change the array", () => {
    const x = np.array([[1, 2], [3, 4]]);
    const a = x.toArray() as number[][];
    a[0][0] = 99;
    assert.deepEqual(x.toArray(), [[1, 2], [3, 4]]);
    assert.equal(np.array(2).toArray(), 2);
  });

  it("item() returns the single element and refuses larger arrays", () => {
    assert.equal(np.array([[7]]).item(), 7);
    assert.equal(np.array(false).itemBool(), false);
    assert.throws(() => np.ones([2]).item(), TypeError);
  });

  it("toString() prints like JAX (NumPy layout in Array(...))", () => {
    assert.equal(np.array([1, 2, 3]).toString(), "Array([1., 2., 3.], dtype=float32)");
    assert.equal(np.arange(3).toString(), "Array([0, 1, 2], dtype=int32)");
    assert.equal(np.array([true, false]).toString(), "Array([ True, False], dtype=bool)");
    assert.equal(
      np.array([[1, 2], [3, 4]]).toString(),
      "Array([[1., 2.],\n       [3., 4.]], dtype=float32)",
    );
    assert.equal(np.array(3).toString(), "Array(3., dtype=float32)");
    assert.equal(np.array([NaN, Infinity, 1]).toString(), "Array([nan, inf,  1.], dtype=float32)");
    // decimal points line up, as in NumPy
    assert.equal(np.array([0.5, 1.25], f64).toString(), "Array([0.5 , 1.25], dtype=float64)");
    assert.equal(
      np.array([1.5, 10.25, NaN], f64).toString(),
      "Array([ 1.5 , 10.25,   nan], dtype=float64)",
    );
    assert.equal(
      np.arange(2000).toString(),
      "Array([   0,    1,    2, ..., 1997, 1998, 1999], dtype=int32)",
    );
    assert.equal(`${np.ones([2, 1, 1])}`.split("\n").length, 3);
    // a large array is summarized, and printing it formats only what is shown
    const big = np.zeros([1_000_000]).toString();
    assert.equal(big, "Array([0., 0., 0., ..., 0., 0., 0.], dtype=float32)");
    assert.match(np.zeros([2000, 3]).toString(), /\.\.\.,\n/);
  });
});

describe("immutability", () => {
  it("arrays have read-only shapes", () => {
    const x = np.ones([2, 3]);
    assert.throws(() => {
      (x.shape as number[])[0] = 5;
    }, TypeError);
    assert.deepEqual(x.shape, [2, 3]);
  });

  it("ops return new arrays and leave their inputs unchanged", () => {
    const x = np.array([1, 2, 3]);
    const before = x.toArray();
    const ops = [
      x.add(1),
      x.mul(x),
      x.neg(),
      x.reshape([3, 1]),
      x.slice([0, 2]),
      x.take([0, 0]),
      np.concatenate([x, x]),
      x.astype("float32"),
      np.pad(x, 1),
      x.sum(),
    ];
    for (const y of ops) assert.ok(y instanceof NDArray);
    assert.deepEqual(x.toArray(), before);
    // a reshape shares nothing observable: mutating a read-out of it is harmless
    const r = x.reshape([3, 1]);
    const t = r.toTypedArray();
    t.fill(0);
    assert.deepEqual(x.toArray(), before);
    assert.deepEqual(r.toArray(), [[1], [2], [3]]);
  });
});
