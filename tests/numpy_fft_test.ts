import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { grad, jit, jvp, type NDArray, np, vjp, vmap } from "../mod.ts";
import { checkFixture } from "./_numpy_fixtures.ts";
import { assertAllClose, checkGrads, randomArray } from "./_helpers.ts";

type F = (...xs: NDArray[]) => NDArray;
const ri = ([re, im]: [NDArray, NDArray]) => np.stack([re, im]);
const firstThree = (x: NDArray) => x.index("...", [0, 3]);

describe("np.fft on [re, im] pairs against JAX's complex transforms (values, jit, vmap, grad)", () => {
  const cases: [string, F][] = [
    ["fft", (a) => ri(np.fft.fft(a))],
    ["fftComplex", (a, b) => ri(np.fft.fft([a, b], 6, 0))],
    ["ifft", (a, b) => ri(np.fft.ifft([a, b]))],
    ["rfft", (a) => ri(np.fft.rfft(a))],
    ["rfftEven", (a) => ri(np.fft.rfft(a, 4))],
    ["irfft", (a, b) => np.fft.irfft([firstThree(a), firstThree(b)])],
    ["irfftOdd", (a, b) => np.fft.irfft([firstThree(a), firstThree(b)], 5)],
    ["fft2", (a, b) => ri(np.fft.fft2([a, b]))],
    ["ifft2", (a) => ri(np.fft.ifft2(a))],
    ["fftn", (a) => ri(np.fft.fftn(a))],
    ["fftPrime", (a, b) => ri(np.fft.fft([a, b]))],
    ["ifftPrime", (a, b) => ri(np.fft.ifft([a, b], 11))],
    ["fftMixed", (a) => ri(np.fft.fft(a))],
    ["fftOrtho", (a, b) => ri(np.fft.fft([a, b], null, -1, "ortho"))],
    ["ifftForward", (a, b) => ri(np.fft.ifft([a, b], null, -1, "forward"))],
    ["rfftPrime", (a) => ri(np.fft.rfft(a))],
    ["irfftPrime", (a, b) => np.fft.irfft([a.index([0, 7]), b.index([0, 7])], 13)],
    ["fftnAxes", (a, b) => ri(np.fft.fftn([a, b], [3, 6], [0, 2]))],
    ["ifftn", (a, b) => ri(np.fft.ifftn([a, b], null, null, "ortho"))],
    ["rfftn", (a) => ri(np.fft.rfftn(a))],
    ["irfftn", (a, b) => np.fft.irfftn([a, b])],
    ["irfftnS", (a, b) => np.fft.irfftn([a, b], [3, 5], [0, 2])],
    ["rfft2", (a) => ri(np.fft.rfft2(a, [2, 5]))],
    ["irfft2", (a, b) => np.fft.irfft2([firstThree(a), firstThree(b)])],
    ["hfft", (a, b) => np.fft.hfft([firstThree(a), firstThree(b)])],
    ["hfftOdd", (a, b) => np.fft.hfft([firstThree(a), firstThree(b)], 5, -1, "ortho")],
    ["ihfft", (a) => ri(np.fft.ihfft(a))],
  ];
  for (const [name, f] of cases) {
    it(`np.fft.${name.replace(/(Complex|Even|Odd|Prime|Mixed|Ortho|Forward|Axes|S)$/, "")}() matches JAX (${name})`, () => {
      checkFixture(`fft.${name}`, f, { rtol: 1e-10, atol: 1e-11 });
    });
  }
  it("np.fft.fftfreq(), rfftfreq() and fftshift() match NumPy's layouts", () => {
    assert.deepEqual(np.fft.fftfreq(5, 0.5).toArray(), [0, 0.4, 0.8, -0.8, -0.4].map(Math.fround));
    assert.deepEqual(np.fft.rfftfreq(5).toArray(), [0, 0.2, 0.4].map(Math.fround));
    assert.deepEqual(np.fft.ifftshift(np.fft.fftshift(np.arange(6))).toArray(), [0, 1, 2, 3, 4, 5]);
  });
  it("np.fft rejects mismatched [re, im] shapes and non-pairs", () => {
    assert.throws(() => np.fft.fft([np.ones([3]), np.ones([4])]), /must have one shape/);
    assert.throws(() => np.fft.fft([np.ones([3])] as never), /pair \[re, im\]/);
  });
  it("np.fft rejects a bad norm, repeated axes, a mismatched s, n < 1 and scalars", () => {
    assert.throws(
      () => np.fft.fft(np.ones([4]), null, -1, "orto" as never),
      /did you mean "ortho"/,
    );
    assert.throws(() => np.fft.fftn(np.ones([2, 2]), null, [0, -2]), RangeError);
    assert.throws(() => np.fft.fftn(np.ones([2, 2]), [2, 2], [0]), /s has 2 lengths/);
    assert.throws(() => np.fft.rfft(np.ones([4]), 0), /n must be/);
    assert.throws(() => np.fft.fft(np.array(1)), /at least one axis/);
    assert.throws(() => np.fft.fft(np.ones([4]), null, 1), RangeError);
  });
});

describe("np.fft at lengths the fast kernel handles differently (n = 1031 prime, 1000, 1024)", () => {
  // y = F x; the reference is the DFT as a sum in float64 (exact argument reduction)
  function dft(x: Float64Array): [number[], number[]] {
    const n = x.length, re: number[] = [], im: number[] = [];
    for (let k = 0; k < n; k++) {
      let sr = 0, si = 0;
      for (let j = 0; j < n; j++) {
        const t = (-2 * Math.PI * ((j * k) % n)) / n;
        sr += x[j] * Math.cos(t);
        si += x[j] * Math.sin(t);
      }
      re.push(sr);
      im.push(si);
    }
    return [re, im];
  }
  for (const n of [1031, 1000, 1024]) {
    it(`np.fft.fft() of n = ${n} matches a float64 DFT and keeps float32 inputs float32`, () => {
      const x = randomArray([n], { seed: n, dtype: "float64" });
      const [re, im] = np.fft.fft(x);
      const [wr, wi] = dft(x.toTypedArray() as Float64Array);
      assertAllClose(re, wr, { rtol: 0, atol: 1e-10 });
      assertAllClose(im, wi, { rtol: 0, atol: 1e-10 });
      const [r32] = np.fft.fft(x.astype("float32"));
      assert.equal(r32.dtype, "float32");
      assertAllClose(r32, wr, { rtol: 0, atol: 1e-3 });
    });
  }
  it("jvp() and vjp() of np.fft.fft() satisfy ⟨ū, J v⟩ = ⟨Jᵀ ū, v⟩ at n = 1031", () => {
    const n = 1031;
    const f = (a: NDArray, b: NDArray) => ri(np.fft.fft([a, b]));
    const [a, b, ta, tb] = [1, 2, 3, 4].map((s) => randomArray([n], { seed: s, dtype: "float64" }));
    const u = randomArray([2, n], { seed: 5, dtype: "float64" });
    const [, jv] = jvp(f, [a, b], [ta, tb]);
    const [, back] = vjp(f, a, b);
    const [ga, gb] = back(u) as NDArray[];
    const lhs = Number(u.mul(jv).sum().item());
    const rhs = Number(ga.mul(ta).sum().add(gb.mul(tb).sum()).item());
    assert.ok(Math.abs(lhs - rhs) <= 1e-9 * Math.abs(lhs), `${lhs} vs ${rhs}`);
  });
  it("grad() of a loss through rfft and irfft matches finite differences at n = 97 (prime)", () => {
    const x = randomArray([97], { seed: 9, dtype: "float64" });
    const loss = (v: NDArray) => {
      const [re, im] = np.fft.rfft(v.mul(v));
      return np.fft.irfft([re.mul(0.5), im], 97).sin().sum().add(re.mul(im).sum());
    };
    checkGrads(loss, [x], { rtol: 1e-5, atol: 1e-6 });
    assertAllClose(jit(grad(loss))(x), grad(loss)(x), { rtol: 1e-12, atol: 1e-12 });
  });
  it("vmap() of np.fft.fft() over axis 1 equals a loop over the columns", () => {
    const x = randomArray([13, 3], { seed: 11, dtype: "float64" });
    const batched = vmap((c: NDArray) => ri(np.fft.fft(c)), { inAxes: 1 })(x);
    for (let j = 0; j < 3; j++) {
      assertAllClose(batched.index(j), ri(np.fft.fft(x.index("...", j))), {
        rtol: 1e-13,
        atol: 1e-13,
      });
    }
  });
});

describe("np.fft of empty axes, as JAX", () => {
  // Expected shapes from JAX 0.10.2 (float32 in, complex64 / float32 out): jnp.fft.fft/ifft of
  // zeros(0) → (0,); fft over either axis of zeros((0, 4)) and (3, 0) keeps the shape; fft2,
  // fftn, ifft2, ifftn of zeros((0, 4)) → (0, 4); rfft/rfftn/rfft2 of zeros((0, 4)) → (0, 3);
  // irfft of zeros(0) → (0,), of ones(1) → (0,) (default n = 2(m − 1) ≤ 0), of zeros((0, 4)) →
  // (0, 6), irfftn of zeros((3, 0)) → (3, 0); hfft of zeros(0) → (0,); fft(zeros(0), n=4) and
  // irfft(zeros(0), n=4) are 4 zeros. JAX raises for rfft/ihfft/rfft2 over a length-0 axis and
  // for an explicit n = 0 ("Shape should be positive").
  const z = np.zeros([0]), z04 = np.zeros([0, 4]), z30 = np.zeros([3, 0]);
  const shapes = ([re, im]: [NDArray, NDArray]) => [re.shape, im.shape];

  it("np.fft.fft(), ifft(), fft2() and fftn() map an empty axis to an empty axis", () => {
    assert.deepEqual(shapes(np.fft.fft(z)), [[0], [0]]);
    assert.deepEqual(shapes(np.fft.ifft(z, null, -1, "ortho")), [[0], [0]]);
    assert.deepEqual(shapes(np.fft.fft(z04, null, 0)), [[0, 4], [0, 4]]);
    assert.deepEqual(shapes(np.fft.fft(z04)), [[0, 4], [0, 4]]);
    assert.deepEqual(shapes(np.fft.ifft(z30, null, -1, "forward")), [[3, 0], [3, 0]]);
    for (const f of [np.fft.fft2, np.fft.fftn, np.fft.ifft2, np.fft.ifftn]) {
      assert.deepEqual(shapes(f(z04)), [[0, 4], [0, 4]], f.name);
    }
    assert.equal(np.fft.fft(z)[0].dtype, "float32");
    assert.deepEqual(np.fft.fft(z, 4)[0].toArray(), [0, 0, 0, 0]);
    assert.deepEqual(grad((x: NDArray) => np.fft.fft(x)[0].sum())(z).shape, [0]);
  });

  it("np.fft.rfft() of an empty batch and irfft()/hfft() of an empty or 1-long axis are empty", () => {
    for (const f of [np.fft.rfft, np.fft.rfftn, np.fft.rfft2]) {
      assert.deepEqual(shapes(f(z04)), [[0, 3], [0, 3]], f.name);
    }
    assert.deepEqual(np.fft.irfft(z).shape, [0]);
    assert.deepEqual(np.fft.irfft(np.ones([1])).shape, [0]);
    assert.deepEqual(np.fft.irfft(z04).shape, [0, 6]);
    assert.deepEqual(np.fft.irfft2(z04).shape, [0, 6]);
    assert.deepEqual(np.fft.irfftn(z30).shape, [3, 0]);
    assert.deepEqual(np.fft.hfft(z).shape, [0]);
    assert.deepEqual(np.fft.irfft(z, 4).toArray(), [0, 0, 0, 0]);
  });

  it("np.fft.rfft(), ihfft() and rfft2() over a length-0 axis, and an explicit n = 0, throw", () => {
    assert.throws(() => np.fft.rfft(z), /np\.fft\.rfft: axis 0 of the input \[0\] has length 0/);
    assert.throws(() => np.fft.ihfft(z), /np\.fft\.ihfft: .*length 0/);
    assert.throws(() => np.fft.rfft2(z30), /np\.fft\.rfft2: .*length 0/);
    assert.throws(() => np.fft.fft(z, 0), /np\.fft\.fft: n must be at least 1/);
    assert.throws(() => np.fft.irfft(z, 0), /np\.fft\.irfft: n must be at least 1/);
    assert.throws(() => np.fft.fftn(np.ones([3]), [0]), /np\.fft\.fftn: n must be at least 1/);
  });
});
