import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type NDArray, np } from "../mod.ts";
import { checkFixture } from "./_numpy_fixtures.ts";

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
  ];
  for (const [name, f] of cases) {
    it(`np.fft.${name.replace(/(Complex|Even|Odd)$/, "")}() matches JAX (${name})`, () => {
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
});
