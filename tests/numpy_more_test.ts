/**
 * The np compositions of gen_numpy_more.py against JAX: values, jit, vmap, JAX's gradients and
 * finite differences (checkFixture), plus validation errors.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { grad, jit, type NDArray, np } from "../mod.ts";
import { checkFixture, fixture } from "./_numpy_fixtures.ts";
import { assertAllClose, type Nested } from "./_helpers.ts";

type F = (...xs: NDArray[]) => NDArray;
const i32 = (v: number[]) => np.array(v, { dtype: "int32" });

describe("np nan-reductions and elementwise compositions match JAX (values, jit, vmap, grad)", () => {
  const cases: [string, F, { noFiniteDifferences?: boolean }?][] = [
    ["nanprod", (a) => np.nanprod(a, 1)],
    ["nanvar", (a) => np.nanvar(a, { axis: 0, ddof: 1 })],
    ["nanstd", (a) => np.nanstd(a)],
    ["nancumsum", (a) => np.nancumsum(a, 1)],
    ["nancumprod", (a) => np.nancumprod(a)],
    ["nanargmax", (a) => np.nanargmax(a, 1)],
    ["nanargmin", (a) => np.nanargmin(a, 0)],
    ["fmax", (a, b) => np.fmax(a, b)],
    ["fmin", (a, b) => np.fmin(a, b)],
    ["modf", (a) => np.stack(np.modf(a))],
    ["divmod", (a) => np.stack(np.divmod(a, 2.5))],
    ["ldexp", (a) => np.ldexp(a, i32([1, -2, 3, 0, 5]))],
    ["floatPower", (a, b) => np.floatPower(a, b)],
    ["cumulativeSum", (a) => np.cumulativeSum(a, { axis: 1, includeInitial: true })],
    ["cumulativeProd", (a) => np.cumulativeProd(a, { axis: 0 })],
  ];
  for (const [name, f, o] of cases) {
    it(`np.${name}() matches JAX`, () =>
      checkFixture(`more.${name}`, f, { ...o, rtol: 1e-12, atol: 1e-12 }));
  }
  it("np.fmax() and np.fmin() send a tie's gradient to y and pick y's zero, as JAX", () => {
    // from JAX 0.10.2: jax.grad(lambda a, b: jnp.fmax(a, b).sum(), (0, 1))(x, y), and fmin
    const x = np.array([NaN, 1, 2, NaN, 1, -0, 0]), y = np.array([0, NaN, 1, NaN, 1, 0, -0]);
    assert.deepEqual(np.fmax(x, y).toArray(), [0, 1, 2, NaN, 1, 0, -0]);
    assert.deepEqual(np.fmin(x, y).toArray(), [0, 1, 1, NaN, 1, 0, -0]);
    const gMax = grad((a: NDArray, b: NDArray) => np.fmax(a, b).sum(), [0, 1])(x, y);
    assert.deepEqual(gMax.map((g) => g.toArray()), [[0, 1, 1, 1, 0, 0, 0], [1, 0, 0, 0, 1, 1, 1]]);
    const gMin = grad((a: NDArray, b: NDArray) => np.fmin(a, b).sum(), [0, 1])(x, y);
    assert.deepEqual(gMin.map((g) => g.toArray()), [[0, 1, 0, 1, 0, 0, 0], [1, 0, 1, 0, 1, 1, 1]]);
  });
});

describe("np sequences and polynomials match JAX (values, jit, vmap, grad)", () => {
  const cases: [string, F][] = [];
  for (const mode of ["full", "same", "valid"] as const) {
    cases.push([`convolve_${mode}`, (a, v) => np.convolve(a, v, mode)]);
    cases.push([`convolveLong_${mode}`, (a, v) => np.convolve(a, v, mode)]);
    cases.push([`correlate_${mode}`, (a, v) => np.correlate(a, v, mode)]);
    cases.push([`correlateLong_${mode}`, (a, v) => np.correlate(a, v, mode)]);
  }
  cases.push(
    ["interp", (x, p, f) => np.interp(x, p, f)],
    ["interpLeftRight", (x, p, f) => np.interp(x, p, f, { left: -3, right: 4 })],
    ["trapezoid", (y) => np.trapezoid(y, null, 0.5, 0)],
    ["trapezoidX", (y, x) => np.trapezoid(y, x)],
    ["polyval", (p, x) => np.polyval(p, x)],
    ["polyadd", (p, q) => np.polyadd(p, q)],
    ["polysub", (p, q) => np.polysub(q, p)],
    ["polymul", (p, q) => np.polymul(p, q)],
    ["polyder", (p) => np.polyder(p, 2)],
    ["polyint", (p) => np.polyint(p, 2, 1.5)],
    ["vander", (x) => np.vander(x, 4, true)],
    ["vanderDefault", (x) => np.vander(x)],
  );
  for (const mode of ["edge", "reflect", "symmetric", "wrap"] as const) {
    cases.push([`pad_${mode}`, (a) => np.pad(a, [[1, 4], [3, 2]], { mode })]);
  }
  for (const [name, f] of cases) {
    it(`np.${name.replace(/_.*$|Long|LeftRight|X$|Default/g, "")}() matches JAX (${name})`, () =>
      checkFixture(`more.${name}`, f, { rtol: 1e-12, atol: 1e-12 }));
  }
});

describe("np index helpers match JAX", () => {
  const intCases: [string, F][] = [
    ["unravelIndex", (i) => np.stack(np.unravelIndex(i, [2, 3, 4]))],
    ["ravelMultiIndexClip", (m) => np.ravelMultiIndex([m.index(0), m.index(1)], [2, 3], "clip")],
    ["ravelMultiIndexWrap", (m) => np.ravelMultiIndex([m.index(0), m.index(1)], [2, 3], "wrap")],
  ];
  for (const [name, f] of intCases) {
    it(`np.${name.replace(/Clip|Wrap/, "")}() matches JAX (${name}, int32, jit, vmap)`, () =>
      checkFixture(`more.${name}`, f, { int: true }));
  }
  const cases: [string, F][] = [
    ["digitize", (x, b) => np.digitize(x, b)],
    ["digitizeRight", (x, b) => np.digitize(x, b, true)],
    ["digitizeDecreasing", (x, b) => np.digitize(x, b)],
    ["isin", (e, t) => np.isin(e, t)],
    ["select", (x, a, b) => np.select([x.less(0), x.greater(1)], [a, b], 0.5)],
  ];
  for (const [name, f] of cases) {
    it(`np.${name.replace(/Right|Decreasing/, "")}() matches JAX (${name})`, () =>
      checkFixture(`more.${name}`, f, { rtol: 1e-12, atol: 1e-12 }));
  }
  it("np.triuIndices(), trilIndices(), indices() and arraySplit() match JAX", () => {
    assert.deepEqual(np.stack(np.triuIndices(3, 1, 4)).toArray(), fixture("more.triuIndices").out);
    assert.deepEqual(np.stack(np.trilIndices(4, -1, 3)).toArray(), fixture("more.trilIndices").out);
    assert.deepEqual(np.indices([2, 3]).toArray(), fixture("more.indices").out);
    const parts = np.arraySplit(np.arange(7, { dtype: "float64" }), 3).map((p) => p.toArray());
    assert.deepEqual(parts, fixture("more.arraySplit").out);
    assert.deepEqual(
      np.stack(np.triuIndicesFrom(np.ones([3, 4]), 1)).toArray(),
      fixture("more.triuIndices").out,
    );
    assert.deepEqual(
      np.stack(np.trilIndicesFrom(np.ones([4, 3]), -1)).toArray(),
      fixture("more.trilIndices").out,
    );
  });
  it("np.triuIndices() and trilIndices() list each row's columns in order for any offset", () => {
    // a plain double loop over every (i, j) as the reference
    const reference = (n: number, k: number, m: number, upper: boolean) => {
      const rows: number[] = [], cols: number[] = [];
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < m; j++) {
          if (upper ? j - i >= k : j - i <= k) rows.push(i), cols.push(j);
        }
      }
      return [rows, cols];
    };
    for (const [n, m] of [[0, 0], [1, 5], [7, 3], [40, 300]]) {
      for (const k of [-400, -8, -1, 0, 2, 9, 400]) {
        assert.deepEqual(np.triuIndices(n, k, m).map((a) => a.toArray()), reference(n, k, m, true));
        assert.deepEqual(
          np.trilIndices(n, k, m).map((a) => a.toArray()),
          reference(n, k, m, false),
        );
      }
    }
  });
  it("np windows, geomspace() and logspace() match JAX", () => {
    const windows = {
      hanning: np.hanning,
      hamming: np.hamming,
      blackman: np.blackman,
      bartlett: np.bartlett,
    };
    for (const [name, w] of Object.entries(windows)) {
      assertAllClose(w(7, "float64"), fixture(`more.${name}`).out as Nested, {
        rtol: 1e-12,
        atol: 1e-15,
      });
    }
    assertAllClose(
      np.geomspace(2, 162, 5, { dtype: "float64" }),
      fixture("more.geomspace").out as Nested,
      { rtol: 1e-13 },
    );
    assertAllClose(
      np.logspace(1, 3, 4, { endpoint: false, base: 2, dtype: "float64" }),
      fixture("more.logspace").out as Nested,
      { rtol: 1e-13 },
    );
  });
  it("np.append(), broadcastArrays(), broadcastShapes(), fullLike(), empty() and hsplit() give NumPy's shapes", () => {
    assert.deepEqual(np.append(np.ones([2, 2]), np.zeros([1, 2]), 0).shape, [3, 2]);
    assert.deepEqual(np.broadcastArrays(np.ones([3, 1]), np.ones([1, 4])).map((a) => a.shape), [[
      3,
      4,
    ], [3, 4]]);
    assert.deepEqual(np.broadcastShapes([5, 1, 3], [4, 1]), [5, 4, 3]);
    assert.deepEqual(np.fullLike(np.ones([2], { dtype: "int32" }), 3).toArray(), [3, 3]);
    assert.equal(np.fullLike(np.ones([2], { dtype: "int32" }), 3).dtype, "int32");
    assert.deepEqual(np.empty([2, 3], "float64").shape, [2, 3]);
    assert.deepEqual(np.hsplit(np.ones([2, 6]), [1, 4]).map((p) => p.shape), [[2, 1], [2, 3], [
      2,
      2,
    ]]);
    assert.deepEqual(np.diagIndicesFrom(np.ones([3, 3])).map((d) => d.toArray()), [[0, 1, 2], [
      0,
      1,
      2,
    ]]);
    assert.deepEqual(np.matrixTranspose(np.ones([2, 3, 4])).shape, [2, 4, 3]);
  });
});

describe("np nan-quantiles, gradient, unwrap, products and array edits match JAX", () => {
  const cases: [string, F, { noFiniteDifferences?: boolean; int?: boolean }?][] = [
    // (the all-NaN row gives NaN, where finite differences say nothing; JAX's gradient is checked)
    ["nanquantile", (a) => np.nanquantile(a, [0.1, 0.5, 0.9], { axis: 1 }), {
      noFiniteDifferences: true,
    }],
    ["nanmedian", (a) => np.nanmedian(a.index([0, 2]))],
    ["nanpercentile", (a) => np.nanpercentile(a.index([0, 2]), 30, { axis: 1, keepdims: true })],
    ["gradient", (a) => np.gradient(a, 0.5, 0)],
    ["gradient1", (a) => np.gradient(a)],
    ["unwrap", (a) => np.unwrap(a)],
    ["unwrapPeriod", (a) => np.unwrap(a, 2, -1, 4)],
    ["around", (a) => np.around(a, 2)],
    ["aroundNeg", (a) => np.around(a, -1)],
    ["histogramBinEdges", (a) => np.histogramBinEdges(a, 5)],
    ["lexsort", (a) => np.lexsort([a.index(0), a.index(1)])],
    ["matvec", (a, v) => np.matvec(a, v)],
    ["vecmat", (v, a) => np.vecmat(v, a)],
    ["vecdot", (a, b) => np.vecdot(a, b, 0)],
    ["insert", (a, v) => np.insert(a, 1, v, 1)],
    ["insertFlat", (a, v) => np.insert(a, -2, v)],
    ["delete", (a) => np.delete(a, [0, 2], 1)],
    ["fillDiagonal", (a) => np.fillDiagonal(a, 9)],
    [
      "choose",
      (a, b, c) => np.choose(np.array([[0, 1, 2], [2, 1, 0]], { dtype: "int32" }), [a, b, c]),
    ],
    ["chooseWrap", (a, b) => np.choose(i32([0, 3, -1]), [a, b], "wrap")],
    ["diagflat", (a) => np.diagflat(a, -1)],
    ["rollaxis", (a) => np.rollaxis(a, 2, 1)],
  ];
  for (const [name, f, o] of cases) {
    it(`np.${name.replace(/1$|Period|Neg|Flat|Wrap/, "")}() matches JAX (${name})`, () =>
      checkFixture(`more.${name}`, f, { ...o, rtol: 1e-12, atol: 1e-12 }));
  }
  it("np.insert() converts the values to the array's dtype, as JAX", () => {
    // from JAX 0.10.2: jnp.insert(jnp.arange(4), 1, jnp.array([9.7, -8.2])) → int32
    // [0, 9, -8, 1, 2, 3]; jnp.insert(jnp.array([True, False]), 0, jnp.array([2., 0.])) →
    // bool [True, False, True, False]
    const out = np.insert(np.arange(4), 1, np.array([9.7, -8.2]));
    assert.equal(out.dtype, "int32");
    assert.deepEqual(out.toArray(), [0, 9, -8, 1, 2, 3]);
    const b = np.insert(np.array([true, false]), 0, np.array([2, 0]));
    assert.equal(b.dtype, "bool");
    assert.deepEqual(b.toArray(), [true, false, true, false]);
  });
  it("np.fillDiagonal() with wrap restarts below a tall matrix, as NumPy", () => {
    const c = fixture("more.fillDiagonalWrap");
    const a = np.array(c.args[0] as number[][], { dtype: "float64" });
    assert.deepEqual(
      np.fillDiagonal(a, np.array([7, 8], { dtype: "float64" }), true).toArray(),
      c.out,
    );
  });
  it("np.partition() and argpartition() put the k-th element in place with no larger one before it", () => {
    const x = np.array([[5, 1, 4, 2, 3, 0], [0, 9, 8, 7, 1, 2]], { dtype: "float64" });
    for (const k of [0, 2, -1]) {
      const p = np.partition(x, k, 1), ip = np.argpartition(x, k, 1);
      const rows = p.toArray() as number[][], sortedRows = np.sort(x, 1).toArray() as number[][];
      const kk = k < 0 ? k + 6 : k;
      rows.forEach((r, i) => {
        assert.equal(r[kk], sortedRows[i][kk]);
        assert.ok(
          r.slice(0, kk).every((v) => v <= r[kk]) && r.slice(kk + 1).every((v) => v >= r[kk]),
        );
      });
      assert.deepEqual(np.takeAlongAxis(x, ip, 1).toArray(), p.toArray());
    }
  });
  it("np.unstack(), arrayEquiv() and copy() behave as NumPy", () => {
    const x = np.arange(6).reshape([2, 3]);
    assert.deepEqual(np.stack(np.unstack(x, 1), 1).toArray(), x.toArray());
    assert.equal(np.arrayEquiv(x, x.add(0)).itemBool(), true);
    assert.equal(np.arrayEquiv(x, x.add(1)).itemBool(), false);
    assert.equal(np.arrayEquiv(x, np.ones([3, 2])).itemBool(), false);
    assert.deepEqual(np.copy(x).toArray(), x.toArray());
  });
});

describe("np set operations match JAX (static size, jit, vmap)", () => {
  const cases: [string, F][] = [
    ["union1d", (a, b) => np.union1d(a, b, { size: 8 })],
    ["intersect1d", (a, b) => np.intersect1d(a, b, { size: 4 })],
    ["setdiff1d", (a, b) => np.setdiff1d(a, b, { size: 4, fillValue: -1 })],
    ["setxor1d", (a, b) => np.setxor1d(a, b, { size: 6 })],
  ];
  for (const [name, f] of cases) {
    it(`np.${name}() matches JAX`, () => checkFixture(`more.${name}`, f));
  }
  it("np.intersect1d() without size works eagerly and asks for one under jit", () => {
    const a = np.array([5, 1, 3, 3]), b = np.array([3, 4, 1]);
    assert.deepEqual(np.intersect1d(a, b).toArray(), [1, 3]);
    assert.throws(
      () => jit((x: NDArray) => np.intersect1d(x, b))(a),
      /np.intersect1d: .*static \{ size \}/,
    );
  });
});

describe("np.isin by sorting", () => {
  it("np.isin() matches JAX on NaN and ±0, and looks 65,536 values up in 5,000 without a grid", () => {
    // JAX 0.10.2: jnp.isin([1, 2, 3, nan, -0., 0], [3, 1, nan, 0])
    const got = np.isin(np.array([1, 2, 3, NaN, -0, 0]), np.array([3, 1, NaN, 0]));
    assert.deepEqual(got.toArray(), [true, false, true, false, true, true]);
    assert.deepEqual(np.isin(np.array([1]), np.zeros([0])).toArray(), [false]);
    const n = 65536;
    const x = np.array(Int32Array.from({ length: n }, (_, i) => (i * 7919) % 10007));
    const found = np.isin(x, np.arange(5000, { dtype: "int32" }).mul(2)).toTypedArray();
    const xs = x.toTypedArray();
    for (let i = 0; i < n; i += 101) {
      assert.equal(found[i], xs[i] % 2 === 0 && xs[i] < 10000 ? 1 : 0);
    }
  });
});

describe("np.convolve on long signals", () => {
  it("np.convolve() of 65,536 samples with a 5-tap kernel needs no [n + m − 1, n] matrix", () => {
    // (the Toeplitz product it replaced allocated 65540 × 65536 elements and failed)
    const n = 65536;
    const x = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
    const y = np.convolve(np.array(x), np.array([1, 2, 3, 2, 1]), "same").toTypedArray();
    assert.equal(y.length, n);
    for (const k of [0, 1, 777, n - 1]) {
      let want = 0;
      [1, 2, 3, 2, 1].forEach((w, j) => {
        const i = k + 2 - j; // "same": output k is full output k + 2
        if (i >= 0 && i < n) want += w * x[i];
      });
      assert.ok(Math.abs(y[k] - want) < 1e-4, `y[${k}] = ${y[k]}, want ${want}`);
    }
  });
});

describe("np compositions reject bad input with a clear error", () => {
  it("names the function and what was wrong", () => {
    assert.throws(
      () => np.convolve(np.ones([2, 2]), np.ones([2])),
      /np.convolve: the first operand must be 1-D/,
    );
    assert.throws(
      () => np.convolve(np.ones([2]), np.ones([2]), "middle" as never),
      /mode must be one of/,
    );
    assert.throws(() => np.interp(1, np.ones([3]), np.ones([2])), /one length/);
    assert.throws(() => np.interp(1, np.ones([3]), np.ones([3]), { period: 2 } as never), /period/);
    assert.throws(
      () => np.pad(np.ones([3]), 1, { mode: "mirror" as never }),
      /mode must be one of/,
    );
    assert.throws(
      () => np.pad(np.ones([3]), 1, { mode: "edge", value: 2 }),
      /only to mode "constant"/,
    );
    assert.throws(() => np.unravelIndex(np.array([1.5]), [2, 2]), /must be int32/);
    assert.throws(() => np.ravelMultiIndex([i32([2]), i32([0])], [2, 3]), RangeError);
    assert.throws(() => np.ravelMultiIndex([i32([0])], [2, 3]), /one coordinate array per axis/);
    assert.throws(() => np.geomspace(-1, 10, 3), RangeError);
    assert.throws(() => np.cumulativeSum(np.ones([2, 2])), /pass \{ axis \}/);
    assert.throws(() => np.ldexp(np.ones([2]), np.ones([2])), /exponents must be integers/);
    assert.throws(() => np.select([np.ones([2])], [np.ones([2])]), /must be bool/);
    assert.throws(() => np.nanvar(np.ones([2]), { ddof: -1 }), RangeError);
    assert.throws(() => np.polyder(np.ones([3]), 1.5), /m must be an integer/);
    assert.throws(() => np.vsplit(np.ones([4]), 2), /at least 2 axes/);
    assert.throws(() => np.nanquantile(np.ones([3]), 1.5), RangeError);
    assert.throws(
      () => np.nanquantile(np.ones([3, 3]), 0.5, { axis: [0, 1] } as never),
      /one axis or null/,
    );
    assert.throws(() => np.gradient(np.ones([1])), /at least 2 samples/);
    assert.throws(() => np.lexsort([np.ones([2]), np.ones([3])]), /one shape/);
    assert.throws(() => np.partition(np.ones([3]), 3), RangeError);
    assert.throws(() => np.matvec(np.ones([2, 3]), np.ones([2])), /matrices \[..., m, n\]/);
    assert.throws(() => np.choose(i32([0, 2]), [np.ones([2]), np.ones([2])]), RangeError);
    assert.throws(() => np.delete(np.ones([3]), 3), RangeError);
    assert.throws(() => np.insert(np.ones([3]), 5, 1), RangeError);
    assert.throws(() => np.fillDiagonal(np.ones([2, 3, 3]), 1), /all axes equal/);
    assert.throws(() => np.histogramBinEdges(np.ones([3]), 4, [2, 1]), RangeError);
  });

  // Expected dtypes and values from JAX 0.10.2: x = jnp.array([0.5, -1., 2.], jnp.float16),
  // i = jnp.array([1, 2, 3], jnp.int32); jnp.select([x > 0], [x], 0) → float16 [0.5, 0, 2],
  // jnp.select([i > 1], [i], 0) → int32, jnp.select([i > 1], [i], 0.5) → float32 [0.5, 2, 3],
  // jnp.append(x, 5) → float16, jnp.append(i, 5) → int32, jnp.append(i, 2.5) → float32,
  // jnp.polyval(jnp.array([1., 0., -2.], jnp.float16), 3.) → float16 7.
  it("np.select(), np.append() and np.polyval() take a JS number as a weak scalar, as JAX", () => {
    const x = np.array([0.5, -1, 2], { dtype: "float16" });
    const i = np.array([1, 2, 3], { dtype: "int32" });
    const s = np.select([x.greater(0)], [x], 0);
    assert.equal(s.dtype, "float16");
    assert.deepEqual(s.toArray(), [0.5, 0, 2]);
    assert.equal(np.select([i.greater(1)], [i], 0).dtype, "int32");
    const half = np.select([i.greater(1)], [i], 0.5);
    assert.equal(half.dtype, "float32");
    assert.deepEqual(half.toArray(), [0.5, 2, 3]);
    assert.equal(np.append(x, 5).dtype, "float16");
    assert.deepEqual(np.append(x, 5).toArray(), [0.5, -1, 2, 5]);
    assert.equal(np.append(i, 5).dtype, "int32");
    assert.equal(np.append(i, 2.5).dtype, "float32");
    const p = np.polyval(np.array([1, 0, -2], { dtype: "float16" }), 3);
    assert.equal(p.dtype, "float16");
    assert.equal(p.item(), 7);
  });
});
