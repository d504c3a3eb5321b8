import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { grad, jit, type NDArray, np, random, vmap } from "../mod.ts";
import { assertAllClose, checkGrads, randomArray } from "./_helpers.ts";
import { checkFixture } from "./_numpy_fixtures.ts";

type F = (...xs: NDArray[]) => NDArray;

/** The lanes of x along `axis`, as JS arrays. */
function lanesOf(x: NDArray, axis: number): number[][] {
  const perm = [...Array(x.ndim).keys()].filter((i) => i !== axis).concat([axis]);
  return x.transpose(perm).reshape([-1, x.shape[axis]]).toArray() as number[][];
}

describe("np.sort and np.argsort", () => {
  it("np.argsort() is stable and puts NaN last ascending and first descending, as JAX", () => {
    const x = np.array([2, NaN, 1, 2, 0]);
    assert.deepEqual(np.argsort(x).toArray(), [4, 2, 0, 3, 1]);
    // JAX 0.10.2: jnp.argsort([2, nan, 1, 2, 0], descending=True)
    assert.deepEqual(np.argsort(x, -1, { descending: true }).toArray(), [1, 0, 3, 2, 4]);
    assert.deepEqual(np.argsort(x, { descending: true }).toArray(), [1, 0, 3, 2, 4]);
  });

  it("np.argsort() and np.sort() order ±0, ±inf, NaN and integer extremes as JAX does", () => {
    // every expected value below is JAX 0.10.2's (jax_enable_x64 for float64)
    const y = [0, -0, NaN, 1.5, -Infinity, Infinity, -1.5, 1.5, -0, NaN];
    for (const dtype of ["float32", "float64", "float16", "bfloat16"] as const) {
      const a = np.array(y, { dtype });
      assert.deepEqual(np.argsort(a).toArray(), [4, 6, 0, 1, 8, 3, 7, 5, 2, 9], dtype);
      const desc = np.argsort(a, -1, { descending: true }).toArray();
      assert.deepEqual(desc, [2, 9, 5, 3, 7, 0, 1, 8, 6, 4], dtype);
      // a descending sort is the ascending one reversed: the zeros come out -0, -0, 0
      const sorted = np.sort(a, { descending: true }).toArray() as number[];
      assert.deepEqual(sorted.map((v) => Object.is(v, -0) ? "-0" : String(v)), [
        "NaN",
        "NaN",
        "Infinity",
        "1.5",
        "1.5",
        "-0",
        "-0",
        "0",
        "-1.5",
        "-Infinity",
      ], dtype);
    }
    const i = np.array([3, -2147483648, 2147483647, 0, -1, 3, 0], { dtype: "int32" });
    assert.deepEqual(np.argsort(i).toArray(), [1, 4, 3, 6, 0, 5, 2]);
    assert.deepEqual(np.argsort(i, { descending: true }).toArray(), [2, 0, 5, 3, 6, 4, 1]);
    const u = np.array([3, 4294967295, 0, 2147483648, 3], { dtype: "uint32" });
    assert.deepEqual(np.argsort(u).toArray(), [2, 0, 4, 3, 1]);
    assert.deepEqual(np.argsort(u, { descending: true }).toArray(), [1, 3, 0, 4, 2]);
  });

  it("np.argsort() of large lanes with many ties equals a stable reference sort, every dtype", () => {
    const n = 3000;
    const reference = (lane: number[], descending: boolean) => {
      const big = (v: number) => (Number.isNaN(v) ? Infinity : v);
      return lane.map((_, i) => i).sort((i, j) => {
        const a = lane[i], b = lane[j];
        if (Number.isNaN(a) || Number.isNaN(b)) {
          const d = Number(Number.isNaN(a)) - Number(Number.isNaN(b));
          return (descending ? -d : d) || i - j;
        }
        return (descending ? big(b) - big(a) : big(a) - big(b)) || i - j;
      });
    };
    const dtypes = ["float32", "float64", "int32", "int16", "int8", "uint8", "uint32"] as const;
    for (const [k, dtype] of dtypes.entries()) {
      let seed = 17 + k;
      const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
      const values = Array.from({ length: 2 * n }, () => {
        const r = rand();
        if (dtype.startsWith("float") && r < 0.02) return NaN;
        if (dtype.startsWith("float")) {
          return Math.round((rand() - 0.5) * 200) * (r < 0.5 ? 1e-3 : 1e30);
        }
        if (dtype === "uint8") return Math.floor(r * 256);
        if (dtype === "int8") return Math.floor(r * 256) - 128;
        if (dtype === "int16") return Math.floor(r * 500) - 250;
        return dtype === "uint32" ? Math.floor(r * 4294967296) : Math.floor((r - 0.5) * 4294967295);
      });
      const x = np.array(values, { dtype }).reshape([2, n]);
      const stored = x.toArray() as number[][];
      for (const descending of [false, true]) {
        const got = np.argsort(x, 1, { descending }).toArray() as number[][];
        stored.forEach((lane, r) =>
          assert.deepEqual(
            got[r],
            reference(lane, descending),
            `${dtype} row ${r} desc ${descending}`,
          )
        );
        const byColumns = np.argsort(x.transpose(), 0, { descending }).transpose().toArray();
        assert.deepEqual(byColumns, got, `${dtype} along axis 0`);
      }
    }
  });
  it("np.sort() sorts every lane of any axis, as a JS sort does", () => {
    const x = randomArray([3, 4, 5], { seed: 3, dtype: "float64" });
    for (const axis of [0, 1, 2]) {
      const sorted = lanesOf(np.sort(x, axis), axis);
      assertAllClose(sorted, lanesOf(x, axis).map((l) => [...l].sort((a, b) => a - b)));
    }
  });
  it("np.sort() gradients go to the sorted positions (finite differences, jit, vmap)", () => {
    const x = randomArray([3, 5], { seed: 4, dtype: "float64" });
    checkGrads((v: NDArray) => np.sort(v, 1).mul(np.arange(5).astype("float64")), [x]);
    const w = np.arange(3).astype("float64");
    const g = grad((v: NDArray) => np.sort(v).mul(w).sum())(
      np.array([3, 1, 2], { dtype: "float64" }),
    );
    assert.deepEqual(g.toArray(), [2, 0, 1]);
    assertAllClose(jit((v: NDArray) => np.sort(v, 0))(x), np.sort(x, 0));
    assertAllClose(vmap((v: NDArray) => np.sort(v))(x), np.sort(x, 1));
    assertAllClose(
      vmap((v: NDArray) => np.argsort(v), { inAxes: 1, outAxes: 1 })(x),
      np.argsort(x, 0),
    );
  });
  it("np.sort() rejects unknown options and unstable sorting", () => {
    assert.throws(
      () => np.sort(np.array([1]), -1, { kind: "quick" } as never),
      /unknown option "kind"/,
    );
    assert.throws(() => np.sort(np.array([1]), -1, { stable: false }), RangeError);
  });
});

describe("np.cumsum (a primitive with an O(n) kernel)", () => {
  it("np.cumsum() of float32 rounds each running sum once from float64", () => {
    const n = 100000;
    const xs = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) + 1e-3);
    const got = np.cumsum(np.array(xs)).toTypedArray();
    let acc = 0;
    for (let i = 0; i < n; i++) {
      acc += xs[i];
      assert.equal(got[i], Math.fround(acc), `element ${i}`);
    }
  });
  it("np.cumsum() of integers wraps as the dtype does, in both directions", () => {
    const big = np.array([2147483647, 1, 1], { dtype: "int32" });
    assert.deepEqual(np.cumsum(big).toArray(), [2147483647, -2147483648, -2147483647]);
    const u = np.array([4294967295, 2], { dtype: "uint32" });
    assert.deepEqual(np.cumsum(u).toArray(), [4294967295, 1]);
    const i8 = np.array([100, 100, -50], { dtype: "int8" });
    assert.deepEqual(np.cumsum(i8, 0, { reverse: true }).toArray(), [-106, 50, -50]);
    assert.deepEqual(np.cumsum(np.array([true, false, true])).toArray(), [1, 1, 2]);
  });
  it("np.cumsum() is linear: its VJP is the reverse running sum, checked by finite differences", () => {
    const x = randomArray([3, 4, 5], { seed: 21, dtype: "float64" });
    for (const axis of [0, 1, 2]) {
      for (const reverse of [false, true]) {
        checkGrads((v: NDArray) => np.cumsum(v, axis, { reverse }).mul(v.sin()), [x], { order: 2 });
      }
    }
    const g = grad((v: NDArray) => np.cumsum(v).mul(np.arange(4).astype("float64")).sum())(
      np.zeros([4], { dtype: "float64" }),
    );
    assert.deepEqual(g.toArray(), [6, 6, 5, 3]);
    assert.throws(() => np.cumsum(x, 0, { reverse: 1 as unknown as boolean }), /reverse must be/);
  });
});

describe("np.cummax, np.cummin and np.cumprod (primitives with O(n) kernels)", () => {
  const F = (x: number[]) => np.array(x, { dtype: "float64" });
  const w = (n: number) => np.arange(1, n + 1).astype("float64");
  const weighted = (f: (v: NDArray) => NDArray, n: number) => (v: NDArray) => f(v).mul(w(n)).sum();

  it("np.cummax() and np.cummin() split the gradient on ties as JAX does", () => {
    const a = F([2, 1, 2, 2, 0, 2]), b = F([1, 3, 3, 2, 3, 3, 3]);
    // JAX 0.10.2: grad of sum(lax.cummax(a) * [1..6])
    assert.deepEqual(grad(weighted((v) => np.cummax(v), 6))(a).toArray(), [
      10.5,
      0,
      4.5,
      3,
      0,
      3,
    ]);
    // JAX 0.10.2: grad of sum(lax.cummax(b, reverse=True) * [1..7])
    const rev = grad(weighted((v) => np.cummax(v, 0, { reverse: true }), 7))(b);
    assert.deepEqual(rev.toArray(), [0, 0.75, 2.25, 0, 6, 6, 13]);
    // JAX 0.10.2: grad of sum(lax.cummin(-b) * [1..7])
    assert.deepEqual(grad(weighted((v) => np.cummin(v), 7))(b.neg()).toArray(), [
      1,
      9.125,
      7.125,
      0,
      4.875,
      2.375,
      3.5,
    ]);
    // JAX 0.10.2: grad of sum(lax.cummin(-a, reverse=True) * [1..6])
    const minRev = grad(weighted((v) => np.cummin(v, 0, { reverse: true }), 6))(a.neg());
    assert.deepEqual(minRev.toArray(), [0.5, 0, 1.375, 3.375, 0, 15.75]);
    // the same under jit and vmap
    const g = grad(weighted((v) => np.cummax(v), 6));
    assert.deepEqual(jit(g)(a).toArray(), [10.5, 0, 4.5, 3, 0, 3]);
    assert.deepEqual(vmap(g)(np.stack([a, a.neg()])).index(0).toArray(), [10.5, 0, 4.5, 3, 0, 3]);
  });

  it("np.cumprod() differentiates through zeros exactly, to second order, as JAX does", () => {
    const z = F([2, 0, 3, 0, 5]), z2 = F([0, 2, 3, 4]);
    // JAX 0.10.2: jnp.cumprod and grad of sum(jnp.cumprod(x) * [1..n])
    assert.deepEqual(np.cumprod(z).toArray(), [2, 0, 0, 0, 0]);
    assert.deepEqual(grad(weighted((v) => np.cumprod(v), 5))(z).toArray(), [1, 22, 0, 0, 0]);
    assert.deepEqual(grad(weighted((v) => np.cumprod(v), 4))(z2).toArray(), [119, 0, 0, 0]);
    // JAX 0.10.2: grad of sum(lax.cumprod(x, reverse=True) * [1..4])
    const rev = grad(weighted((v) => np.cumprod(v, 0, { reverse: true }), 4))(z2);
    assert.deepEqual(rev.toArray(), [24, 24, 28, 25]);
    // JAX 0.10.2: the first row of jax.hessian of sum(jnp.cumprod(x) * [1..4]) at [0, 2, 3, 4]
    const row0 = grad((v: NDArray) => grad(weighted((u) => np.cumprod(u), 4))(v).index(0))(z2);
    assert.deepEqual(row0.toArray(), [0, 59, 38, 24]);
  });

  it("np.cummax(), np.cummin() and np.cumprod() pass finite differences on every axis", () => {
    const x = randomArray([3, 4, 5], { seed: 22, dtype: "float64" });
    for (const axis of [0, 1, 2]) {
      for (const reverse of [false, true]) {
        for (const f of [np.cummax, np.cummin, np.cumprod]) {
          checkGrads((v: NDArray) => f(v, axis, { reverse }).mul(v.sin()), [x], { order: 2 });
        }
      }
    }
  });

  it("np.cummax() and np.cummin() propagate NaN; integer np.cumprod() wraps as JAX's", () => {
    // JAX 0.10.2: lax.cummax([1, nan, 2]) and lax.cummin([1, nan, 0]) are [1, nan, nan]
    assert.deepEqual(np.cummax(np.array([1, NaN, 2])).toArray(), [1, NaN, NaN]);
    assert.deepEqual(np.cummin(np.array([1, NaN, 0])).toArray(), [1, NaN, NaN]);
    // JAX 0.10.2: lax.cumprod of int32 [65536, 65536, 3], uint32 [2³²−1, 2, 3], int8 [100, 3, 2]
    const i32 = np.array([65536, 65536, 3], { dtype: "int32" });
    assert.deepEqual(np.cumprod(i32).toArray(), [65536, 0, 0]);
    const u32 = np.array([4294967295, 2, 3], { dtype: "uint32" });
    assert.deepEqual(np.cumprod(u32).toArray(), [4294967295, 4294967294, 4294967290]);
    const i8 = np.array([100, 3, 2], { dtype: "int8" });
    assert.deepEqual([np.cumprod(i8).toArray(), np.cumprod(i8).dtype], [[100, 44, 88], "int8"]);
    // JAX 0.10.2: lax.cummax of int8 [-5, 3, 2] is [-5, 3, 3]
    assert.deepEqual(np.cummax(np.array([-5, 3, 2], { dtype: "int8" })).toArray(), [-5, 3, 3]);
  });

  it("np.cummax() of a long float32 array is one pass (the running maximum of a plain loop)", () => {
    const n = 65536;
    const xs = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * i);
    const got = np.cummax(np.array(xs), 0, { reverse: true }).toTypedArray();
    let acc = -Infinity;
    for (let i = n - 1; i >= 0; i--) {
      acc = Math.max(acc, xs[i]);
      assert.equal(got[i], acc, `element ${i}`);
    }
  });
});

describe("np scans, sorts and statistics against JAX (values, jit, vmap, grad)", () => {
  const differentiable: [string, F][] = [
    ["scan.cumsum", (a) => np.cumsum(a, 1)],
    ["scan.cumsumRev", (a) => np.cumsum(a, 0, { reverse: true })],
    ["scan.cumprod", (a) => np.cumprod(a, 1)],
    ["scan.cummax", (a) => np.cummax(a, 1)],
    ["scan.cummin", (a) => np.cummin(a, 0)],
    ["scan.logcumsumexp", (a) => np.logcumsumexp(a, 1)],
    ["sort.sort", (a) => np.sort(a, 0)],
    ["sort.topK", (a) => np.topK(a, 2)[0]],
    ["stats.quantile", (a) => np.quantile(a, [0.1, 0.5, 0.9], { axis: 1 })],
    ["stats.percentile", (a) => np.percentile(a, 30, { axis: 0, keepdims: true })],
    ["stats.median", (a) => np.median(a, 1)],
    ["stats.medianAll", (a) => np.median(a)],
    ["stats.nanmeanGrad", (a) => np.nanmean(a, 0)],
    ["stats.average", (a, w) => np.average(a, 1, w)],
    ["stats.cov", (a) => np.cov(a)],
    ["stats.covCols", (a) => np.cov(a, { rowvar: false, ddof: 0 })],
    ["stats.corrcoef", (a) => np.corrcoef(a)],
  ];
  for (const [name, f] of differentiable) {
    it(`np.${name.split(".")[1]}() matches JAX (${name})`, () =>
      checkFixture(name, f, { rtol: 1e-10, atol: 1e-12 }));
  }
  const values: [string, F, boolean?][] = [
    ["stats.nansum", (a) => np.nansum(a, 1)],
    ["stats.nanmean", (a) => np.nanmean(a, 1)],
    ["stats.nanmax", (a) => np.nanmax(a, 1)],
    ["stats.nanmin", (a) => np.nanmin(a, 1)],
    ["stats.any", (a) => np.any(a.greater(2), 1)],
    ["stats.all", (a) => np.all(a.greater(-1), 0)],
    ["count.bincount", (a) => np.bincount(a, { length: 7 }), true],
    ["count.histogram", (a) => np.histogram(a, 4, [-2, 3])[0]],
    ["search.searchsorted", (a, v) => np.searchsorted(a, v)],
    ["search.searchsortedRight", (a, v) => np.searchsorted(a, v, { side: "right" })],
    ["select.nonzero", (a) => np.stack(np.nonzero(a.greater(0.5), { size: 7, fillValue: -1 }))],
    ["select.argwhere", (a) => np.argwhere(a.greater(1), { size: 5 })],
    ["select.unique", (a) => np.unique(a, { size: 6, fillValue: -9 })],
  ];
  for (const [name, f, isInt] of values) {
    it(`np.${name.split(".")[1]}() matches JAX (${name}), also under jit and vmap`, () => {
      checkFixture(name, f, { int: isInt });
    });
  }
  it("np.searchsorted() places NaN after +Infinity, as JAX's total order", () => {
    // from JAX 0.10.2: jnp.searchsorted(a, v) and side="right"
    const a = np.array([1, 2, 2, 3]), v = np.array([2, 0, 5, NaN, -Infinity]);
    assert.deepEqual(np.searchsorted(a, v).toArray(), [1, 0, 4, 4, 0]);
    assert.deepEqual(np.searchsorted(a, v, { side: "right" }).toArray(), [3, 0, 4, 4, 0]);
    const withNan = np.array([1, 2, NaN, NaN]), w = np.array([NaN, 3, Infinity]);
    assert.deepEqual(np.searchsorted(withNan, w).toArray(), [2, 2, 2]);
    assert.deepEqual(np.searchsorted(withNan, w, { side: "right" }).toArray(), [4, 2, 2]);
  });
  it("np.unique() counts all NaNs as one value, as JAX's equal_nan", () => {
    // from JAX 0.10.2: jnp.unique(x) and jax.jit(lambda x: jnp.unique(x, size=3))
    const x = np.array([3, 1, NaN, 1, NaN, -0, 0, NaN]);
    assert.deepEqual(np.unique(x).toArray(), [-0, 1, 3, NaN]);
    const f = jit((v: NDArray) => np.unique(v, { size: 3 }));
    assert.deepEqual(f(np.array([NaN, 2, NaN])).toArray(), [2, NaN, 2]);
  });
  it("np.quantile() with method nearest takes the lower value at a half, as JAX", () => {
    // from JAX 0.10.2: jnp.quantile([1, 2, 3, 4, 5], [0.125, 0.375, 0.625, 0.3], method="nearest")
    const x = np.array([1, 2, 3, 4, 5]);
    const q = np.quantile(x, [0.125, 0.375, 0.625, 0.3], { method: "nearest" });
    assert.deepEqual(q.toArray(), [1, 2, 3, 2]);
    assert.equal(np.quantile(np.array([1, 2, 3, 4]), 0.5, { method: "nearest" }).item(), 2);
  });
  it("np.bincount() with weights matches JAX's values and weight gradient", () => {
    checkFixture(
      "count.bincountW",
      (a, v) => np.bincount(a.astype("int32"), { weights: v, length: 6 }),
      {
        gradArgnums: [1],
      },
    );
  });
});

describe("np selections need a static size inside transforms", () => {
  it("np.nonzero(), np.unique() and np.where(cond) without size are TypeErrors under jit", () => {
    const x = np.array([0, 1, 2]);
    assert.throws(() => jit((v: NDArray) => np.nonzero(v)[0])(x), /static \{ size \}/);
    assert.throws(() => jit((v: NDArray) => np.unique(v))(x), /static \{ size \}/);
    assert.deepEqual(np.where(x)[0].toArray(), [1, 2]);
    assert.deepEqual(jit((v: NDArray) => np.where(v, { size: 3 })[0])(x).toArray(), [1, 2, 0]);
  });
  it("np.quantile() rejects q outside [0, 1] and unknown methods", () => {
    assert.throws(() => np.quantile(np.ones([3]), 1.5), RangeError);
    assert.throws(() => np.quantile(np.ones([3]), 0.5, { method: "cubic" as never }), TypeError);
  });
});

describe("np.logcumsumexp (a primitive with an O(n) kernel)", () => {
  it("np.logcumsumexp() keeps −∞, +∞ and NaN as JAX does, and its gradient is the running softmax", () => {
    // JAX 0.10.2: lax.cumlogsumexp([-inf, -inf, 0, inf, 1]) = [-inf, -inf, 0, inf, inf]
    const y = np.logcumsumexp(np.array([-Infinity, -Infinity, 0, Infinity, 1])).toArray();
    assert.deepEqual(y, [-Infinity, -Infinity, 0, Infinity, Infinity]);
    assert.ok(Number.isNaN((np.logcumsumexp(np.array([0, NaN, 1])).toArray() as number[])[2]));
    // spanning ±100 in float32 without underflow or overflow
    const wide = np.logcumsumexp(np.array([-100, 100, -100, 100])).toArray() as number[];
    assert.deepEqual(wide.map((v) => Math.round(v * 1e4) / 1e4), [-100, 100, 100, 100.6931]);
    // d y_last / d x_j = softmax(x)_j
    const x = np.array([0.5, -1, 2, 0], { dtype: "float64" });
    const g = grad((v: NDArray) => np.logcumsumexp(v).slice([3, 4]).sum())(x).toArray() as number[];
    const e = [0.5, -1, 2, 0].map(Math.exp), z = e.reduce((a, b) => a + b, 0);
    g.forEach((gi, j) => assert.ok(Math.abs(gi - e[j] / z) < 1e-12, `grad ${j}`));
    checkGrads((v: NDArray) => np.logcumsumexp(v, 1, { reverse: true }).mul(v.cos()), [
      randomArray([3, 5], { seed: 31, dtype: "float64" }),
    ], { order: 2 });
  });
});

describe("np.nonzero on concrete arrays", () => {
  it("np.nonzero() gives the positions the traced program computes, for every size", () => {
    const x = np.array(
      Float32Array.from({ length: 60 }, (_, i) => (i % 7 === 0 || i % 11 === 3 ? i : 0)),
    )
      .reshape([6, 10]);
    for (const size of [undefined, 0, 3, 14, 20]) {
      const options = size === undefined ? {} : { size, fillValue: -5 };
      const eager = np.nonzero(x, options).map((a) => a.toArray() as number[]);
      const n = eager[0].length;
      const traced = jit((v: NDArray) => np.nonzero(v, { size: size ?? n, fillValue: -5 }))(x)
        .map((a) => a.toArray());
      assert.deepEqual(eager, traced, `size ${size}`);
    }
  });
});

describe("np.searchsorted", () => {
  it("np.searchsorted() places NaN, ±inf and ties as JAX, on both sides", () => {
    // JAX 0.10.2: jnp.searchsorted([1, 2, 2, 3, nan], v) and side="right"
    const a = np.array([1, 2, 2, 3, NaN]);
    const v = np.array([0, 1, 2, 2.5, 3, 9, NaN, Infinity, -Infinity]);
    assert.deepEqual(np.searchsorted(a, v).toArray(), [0, 0, 1, 3, 3, 4, 4, 4, 0]);
    assert.deepEqual(np.searchsorted(a, v, { side: "right" }).toArray(), [
      0,
      1,
      3,
      3,
      4,
      4,
      5,
      4,
      0,
    ]);
    assert.deepEqual(np.searchsorted(np.array([5]), np.array([1, 5, 9])).toArray(), [0, 0, 1]);
    assert.deepEqual(np.searchsorted(np.zeros([0]), np.array([1, 2])).toArray(), [0, 0]);
  });
  it("np.searchsorted() of 60,000 queries in 60,000 values is a binary search (no [v, a] grid)", () => {
    const n = 60000;
    const a = np.arange(n).astype("float32");
    const q = Float32Array.from({ length: n }, (_, i) => ((i * 7919) % n) + 0.5);
    const got = np.searchsorted(a, np.array(q), { side: "right" }).toTypedArray();
    for (let i = 0; i < n; i += 997) assert.equal(got[i], Math.floor(q[i]) + 1, `query ${i}`);
  });
  it("np.searchsorted()'s eager kernel equals its traced search under jit, sorted or not, NaN included", () => {
    // values from a small set so ties, NaN and ±inf meet often; `a` sorted, then shuffled
    const pick = [-Infinity, -1, 0, 0.5, 2, Infinity, NaN];
    const draw = (n: number, seed: number) =>
      Float32Array.from({ length: n }, (_, i) => pick[(i * 7 + seed * 13 + (i >> 2)) % 7]);
    for (const n of [0, 1, 2, 7, 64, 1000]) {
      const sorted = np.sort(np.array(draw(n, n)));
      const shuffled = np.array(draw(n, n + 1));
      const v = np.array(draw(257, n + 2));
      for (const a of [sorted, shuffled]) {
        for (const side of ["left", "right"] as const) {
          const traced = jit((x: NDArray, y: NDArray) => np.searchsorted(x, y, { side }))(a, v);
          assert.deepEqual(
            np.searchsorted(a, v, { side }).toArray(),
            traced.toArray(),
            `n ${n}, ${side}`,
          );
        }
      }
    }
  });
});

describe("large inputs", () => {
  it("np.bincount(), np.histogram(), random.dirichlet() and random.ball() take 300,000 values (no argument spread)", () => {
    const n = 300000;
    const counts = np.bincount(np.array(Int32Array.from({ length: n }, (_, i) => i % 7)));
    assert.deepEqual(counts.toArray(), [42858, 42857, 42857, 42857, 42857, 42857, 42857]);
    const [h] = np.histogram(
      np.array(Float32Array.from({ length: n }, (_, i) => (i % 100) / 100)),
      4,
    );
    assert.deepEqual(h.toArray(), [75000, 75000, 75000, 75000]);
    const d = random.dirichlet(random.key(0), np.ones([n])).toArray() as number[];
    assert.ok(Math.abs(d.reduce((a, b) => a + b, 0) - 1) < 1e-3);
    assert.deepEqual(random.ball(random.key(1), n).shape, [n]);
  });
});
