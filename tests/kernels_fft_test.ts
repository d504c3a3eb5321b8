import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dftReference, fftPlan, fftRows } from "../src/kernels/fft.ts";

const EPS = 2 ** -53;

/** A deterministic pseudo-random signal in [−1, 1). */
function signal(n: number, seed: number): Float64Array {
  let s = seed >>> 0;
  return Float64Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** ‖a − b‖₂ / ‖b‖₂ over real and imaginary parts together. */
function relErr(ar: Float64Array, ai: Float64Array, br: Float64Array, bi: Float64Array): number {
  let num = 0, den = 0;
  for (let i = 0; i < ar.length; i++) {
    num += (ar[i] - br[i]) ** 2 + (ai[i] - bi[i]) ** 2;
    den += br[i] ** 2 + bi[i] ** 2;
  }
  return Math.sqrt(num / den);
}

/** The stated bound (src/kernels/fft.ts), with a safety factor of 3. */
function bound(n: number): number {
  const plan = fftPlan(n);
  const logM = Math.log2(plan.kind === "bluestein" ? plan.inner!.n : Math.max(n, 2));
  return 3 * (plan.kind === "bluestein" ? 4 : 2) * logM * EPS;
}

describe("kernels/fft against a compensated float64 DFT", () => {
  const lengths = [
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
    11,
    12,
    13,
    15,
    16,
    17,
    30,
    49,
    64,
    97,
    100,
    127,
    128,
    210,
    243,
    256,
    343,
    500,
    1000,
    1024,
    1031,
    1100,
    2048,
    2 * 1009,
  ];
  for (const inverse of [false, true]) {
    it(`fftRows() ${inverse ? "inverse" : "forward"} is within the stated error bound for ${lengths.length} lengths (radix 2, mixed radix, Bluestein)`, () => {
      for (const n of lengths) {
        const re = signal(n, n), im = signal(n, 7 * n + 1);
        const [wr, wi] = dftReference(re, im, inverse);
        const gr = re.slice(), gi = im.slice();
        fftRows(gr, gi, 1, n, inverse);
        const err = relErr(gr, gi, wr, wi);
        assert.ok(err <= bound(n), `n=${n} (${fftPlan(n).kind}): error ${err} > ${bound(n)}`);
      }
    });
  }
  it("fftPlan() picks radix 2 for powers of two, mixed radix for 7-smooth lengths, Bluestein otherwise", () => {
    assert.equal(fftPlan(1024).kind, "radix2");
    assert.equal(fftPlan(1000).kind, "mixed");
    assert.equal(fftPlan(2 * 3 * 5 * 7).kind, "mixed");
    assert.equal(fftPlan(1031).kind, "bluestein");
    assert.equal(fftPlan(1031).inner!.n, 4096);
  });
  it("fftRows() transforms each of several contiguous rows independently", () => {
    const n = 12, rows = 3;
    const re = signal(n * rows, 5), im = signal(n * rows, 6);
    const gr = re.slice(), gi = im.slice();
    fftRows(gr, gi, rows, n, false);
    for (let r = 0; r < rows; r++) {
      const [wr, wi] = dftReference(
        re.subarray(r * n, (r + 1) * n),
        im.subarray(r * n, (r + 1) * n),
        false,
      );
      const err = relErr(gr.subarray(r * n, (r + 1) * n), gi.subarray(r * n, (r + 1) * n), wr, wi);
      assert.ok(err < 1e-15, `row ${r}: ${err}`);
    }
  });
  it("fftRows() followed by the inverse divided by n gives the input back (n = 10007, prime)", () => {
    const n = 10007;
    const re = signal(n, 1), im = signal(n, 2);
    const gr = re.slice(), gi = im.slice();
    fftRows(gr, gi, 1, n, false);
    fftRows(gr, gi, 1, n, true);
    for (let i = 0; i < n; i++) {
      gr[i] /= n;
      gi[i] /= n;
    }
    const err = relErr(gr, gi, re, im);
    assert.ok(err < 4 * 2 * Math.log2(32768) * EPS * 3, `round trip error ${err}`);
  });
});
