/**
 * The samplers built on gamma and binomial draws (gamma, beta, t, f, maxwell, multinomial,
 * weighted choice) have the right distributions at 2^16 draws: the sample mean within 5
 * standard errors, the variance within 5 standard errors of its own, and a Kolmogorov–Smirnov
 * (continuous) or chi-squared (discrete) test at the 0.1% level against the exact CDF or
 * probabilities. The draws are fixed by the keys, so none of this is flaky; each bound would
 * fail on a distribution off by a few percent (the gamma case checks that it does). Their
 * parameters broadcast as JAX's (values recorded from JAX 0.10.2).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { jit, type NDArray, np, random } from "../mod.ts";
import { assertAllClose, ksStatistic, moments } from "./_helpers.ts";
import { erf } from "../src/kernels/special.ts";

const N = 1 << 16;
const KS_BOUND = 1.95 / Math.sqrt(N);

/** Binomial coefficient C(n, k) for small n. */
function choose(n: number, k: number): number {
  let c = 1;
  for (let j = 1; j <= k; j++) c = (c * (n - k + j)) / j;
  return c;
}

/** The regularized incomplete beta I_y(a, b) for whole a, b: P(Binomial(a + b − 1, y) ≥ a). */
function betaCdfInt(y: number, a: number, b: number): number {
  if (y <= 0) return 0;
  if (y >= 1) return 1;
  const m = a + b - 1;
  let s = 0;
  for (let j = a; j <= m; j++) s += choose(m, j) * y ** j * (1 - y) ** (m - j);
  return s;
}

/** Asserts mean and variance within 5 standard errors, given the 4th central moment μ4. */
function assertMoments(xs: ArrayLike<number>, mean: number, variance: number, mu4: number) {
  const m = moments(xs);
  const seMean = Math.sqrt(variance / xs.length);
  const seVar = Math.sqrt((mu4 - variance * variance) / xs.length);
  assert.ok(Math.abs(m.mean - mean) < 5 * seMean, `mean ${m.mean}, expected ${mean}`);
  assert.ok(Math.abs(m.variance - variance) < 5 * seVar, `variance ${m.variance} vs ${variance}`);
}

/** Asserts the KS statistic against `cdf` is below the 0.1% critical value; returns it. */
function assertKs(xs: ArrayLike<number>, cdf: (x: number) => number, what: string): number {
  const d = ksStatistic(xs, cdf);
  assert.ok(d < KS_BOUND, `${what}: KS statistic ${d} ≥ ${KS_BOUND}`);
  return d;
}

/** The 99.9% point of chi-squared with k degrees of freedom (Wilson–Hilferty). */
function chi2Bound(k: number): number {
  const h = 2 / (9 * k);
  return k * (1 - h + 3.09 * Math.sqrt(h)) ** 3;
}

/** Pearson's chi-squared of observed counts against expected ones. */
function chi2(observed: readonly number[], expected: readonly number[]): number {
  return observed.reduce((s, o, i) => s + (o - expected[i]) ** 2 / expected[i], 0);
}

const draw = (x: NDArray) => Float64Array.from(x.toTypedArray(), Number);

describe("random samplers built on gamma draws: moments and KS at 2^16 draws", () => {
  it("random.gamma() with a = 3 has mean 3, variance 3 and Gamma(3)'s CDF, not Gamma(3.1)'s", () => {
    const x = draw(random.gamma(random.key(11), 3, [N]));
    // μ4 of Gamma(a) = 3a(a + 2)
    assertMoments(x, 3, 3, 45);
    // P(3, x) = 1 − e^(−x)(1 + x + x²/2)
    assertKs(x, (v) => v <= 0 ? 0 : 1 - Math.exp(-v) * (1 + v + v * v / 2), "Gamma(3)");
    // the test's power: against Gamma(3.1) (its CDF by Simpson's rule of the density, on every
    // 16th draw to keep the integrals few) the statistic passes the bound of that sample size
    const density = (v: number) => v > 0 ? v ** 2.1 * Math.exp(-v) / GAMMA_3_1 : 0;
    const thinned = x.filter((_, i) => i % 16 === 0);
    assert.ok(ksStatistic(thinned, (v) => simpson(density, 0, v)) > 1.95 / Math.sqrt(N / 16));
  });

  it("random.gamma() with a = ½ (the boosted path) has Gamma(½)'s CDF, erf(√x)", () => {
    const x = draw(random.gamma(random.key(12), 0.5, [N]));
    assertMoments(x, 0.5, 0.5, 3 * 0.5 * 2.5);
    assertKs(x, (v) => v <= 0 ? 0 : erf(Math.sqrt(v)), "Gamma(1/2)");
  });

  it("random.beta() has Beta(2, 6)'s and Beta(½, ½)'s moments and CDFs", () => {
    const x = draw(random.beta(random.key(13), 2, 6, [N]));
    // Beta(2, 6): mean 1/4, variance ab/((a+b)²(a+b+1)) = 1/48; μ4 by the density's moments
    assertMoments(x, 0.25, 1 / 48, betaMu4(2, 6));
    assertKs(x, (v) => betaCdfInt(v, 2, 6), "Beta(2, 6)");
    const y = draw(random.beta(random.key(14), 0.5, 0.5, [N]));
    assertMoments(y, 0.5, 1 / 8, betaMu4(0.5, 0.5));
    assertKs(
      y,
      (v) => v <= 0 ? 0 : v >= 1 ? 1 : (2 / Math.PI) * Math.asin(Math.sqrt(v)),
      "arcsine",
    );
  });

  it("random.t() has t(5)'s moments and t(2)'s CDF, ½ + t / (2√(2 + t²))", () => {
    const x = draw(random.t(random.key(15), 5, [N]));
    // t(ν): variance ν/(ν − 2), μ4 = 3ν²/((ν − 2)(ν − 4))
    assertMoments(x, 0, 5 / 3, 75 / 3);
    const y = draw(random.t(random.key(16), 2, [N]));
    assertKs(y, (v) => 0.5 + v / (2 * Math.sqrt(2 + v * v)), "t(2)");
  });

  it("random.f() has F(4, 10)'s moments and CDF, I_{4x/(4x+10)}(2, 5)", () => {
    const x = draw(random.f(random.key(17), 4, 10, [N]));
    // F(d1, d2): mean d2/(d2 − 2), variance 2d2²(d1 + d2 − 2)/(d1(d2 − 2)²(d2 − 4))
    const mean = 10 / 8, variance = (2 * 100 * 12) / (4 * 64 * 6);
    // μ4 from the raw moments E[F^k] = (d2/d1)^k Π_{j<k} (d1 + 2j)/(d2 − 2(j + 1))
    const raw = [1, 2, 3, 4].map((k) => {
      let m = (10 / 4) ** k;
      for (let j = 0; j < k; j++) m *= (4 + 2 * j) / (10 - 2 * (j + 1));
      return m;
    });
    const mu4 = raw[3] - 4 * mean * raw[2] + 6 * mean ** 2 * raw[1] - 3 * mean ** 4;
    assertMoments(x, mean, variance, mu4);
    assertKs(x, (v) => v <= 0 ? 0 : betaCdfInt(4 * v / (4 * v + 10), 2, 5), "F(4, 10)");
  });

  it("random.maxwell() has the Maxwell moments and CDF, erf(x/√2) − √(2/π)·x·e^(−x²/2)", () => {
    for (const jitted of [false, true]) {
      const sample = (k: NDArray) => random.maxwell(k, [N]);
      const x = draw((jitted ? jit(sample) : sample)(random.key(18)));
      // E[X²] = 3, E[X⁴] = 15, mean 2√(2/π)
      const mean = 2 * Math.sqrt(2 / Math.PI), variance = 3 - mean * mean;
      const mu4 = 15 - 4 * mean * (8 * Math.sqrt(2 / Math.PI)) + 6 * mean ** 2 * 3 - 3 * mean ** 4;
      assertMoments(x, mean, variance, mu4);
      const cdf = (v: number) =>
        v <= 0 ? 0 : erf(v / Math.SQRT2) - Math.sqrt(2 / Math.PI) * v * Math.exp(-v * v / 2);
      assertKs(x, cdf, jitted ? "maxwell under jit" : "maxwell");
    }
  });
});

/** Γ(3.1) = 2.1 · 1.1 · Γ(1.1), Γ(1.1) = 0.9513507698668732. */
const GAMMA_3_1 = 2.1 * 1.1 * 0.9513507698668732;

/** ∫_lo^hi f by composite Simpson's rule on 2000 panels. */
function simpson(f: (x: number) => number, lo: number, hi: number): number {
  if (hi <= lo) return 0;
  const m = 2000, h = (hi - lo) / m;
  let s = f(lo) + f(hi);
  for (let i = 1; i < m; i++) s += f(lo + i * h) * (i % 2 ? 4 : 2);
  return (s * h) / 3;
}

/** The 4th central moment of Beta(a, b), from its raw moments E[X^k] = Π_{j<k} (a + j)/(a + b + j). */
function betaMu4(a: number, b: number): number {
  const raw = [1, 2, 3, 4].map((k) => {
    let m = 1;
    for (let j = 0; j < k; j++) m *= (a + j) / (a + b + j);
    return m;
  });
  const mean = raw[0];
  return raw[3] - 4 * mean * raw[2] + 6 * mean ** 2 * raw[1] - 3 * mean ** 4;
}

describe("random samplers on counts: moments and chi-squared at 2^16 draws", () => {
  it("random.multinomial() rows have the multinomial means, variances and covariance, and outcome 0 is Binomial(n, p0)", () => {
    const p = [0.05, 0.1, 0.15, 0.2, 0.2, 0.15, 0.1, 0.05], n = 100, rows = N / 8;
    const c = draw(random.multinomial(random.key(19), n, np.array(p), { shape: [rows, 8] }));
    const col = (k: number) => Float64Array.from({ length: rows }, (_, i) => c[i * 8 + k]);
    for (let k = 0; k < 8; k++) {
      // each count is Binomial(n, p_k): μ4 = npq(1 + 3(n − 2)pq)
      const v = n * p[k] * (1 - p[k]);
      assertMoments(col(k), n * p[k], v, v * (1 + 3 * (n - 2) * p[k] * (1 - p[k])));
    }
    // Cov(c0, c1) = −n p0 p1, within 5 standard errors (≈ √(Var c0 · Var c1 / rows))
    const c0 = col(0), c1 = col(1), m0 = moments(c0).mean, m1 = moments(c1).mean;
    let cov = 0;
    for (let i = 0; i < rows; i++) cov += (c0[i] - m0) * (c1[i] - m1) / rows;
    const se = Math.sqrt(n * p[0] * (1 - p[0]) * n * p[1] * (1 - p[1]) / rows);
    assert.ok(Math.abs(cov + n * p[0] * p[1]) < 5 * se, `covariance ${cov}`);
    // chi-squared of outcome 0's counts against Binomial(100, 0.05), bins 0..10 and ≥ 11
    const pmf = Array.from(
      { length: 11 },
      (_, k) => choose(n, k) * p[0] ** k * (1 - p[0]) ** (n - k),
    );
    pmf.push(1 - pmf.reduce((a, b) => a + b, 0));
    const observed = pmf.map(() => 0);
    for (const x of c0) observed[Math.min(x, 11)] += 1;
    const stat = chi2(observed, pmf.map((q) => q * rows));
    assert.ok(stat < chi2Bound(11), `chi-squared ${stat}`);
  });

  it("random.choice() with p draws each index with its probability, eagerly and under jit alike", () => {
    const w = [0, 1, 2, 3, 4, 0, 6, 7, 8, 9], total = 40;
    const p = np.array(w);
    const eager = random.choice(random.key(20), 10, [N], { p });
    const traced = jit((k: NDArray) => random.choice(k, 10, [N], { p }))(random.key(20));
    assert.deepEqual(Array.from(traced.toTypedArray()), Array.from(eager.toTypedArray()));
    const observed = w.map(() => 0);
    for (const i of eager.toTypedArray()) observed[i] += 1;
    assert.equal(observed[0] + observed[5], 0, "a zero-probability index was drawn");
    const keep = w.map((_, i) => i).filter((i) => w[i] > 0);
    const stat = chi2(keep.map((i) => observed[i]), keep.map((i) => N * w[i] / total));
    assert.ok(stat < chi2Bound(keep.length - 1), `chi-squared ${stat}`);
  });
});

describe("random.t, random.f and random.beta broadcast their parameters as JAX", () => {
  // recorded from JAX 0.10.2: jax.random.t(key(7), [1., 5.]), f(key(7), [1., 5.], 3.),
  // beta(key(7), [1., 2.], [[1.], [3.]])
  const f32 = { atol: 2e-6, rtol: 2e-6 };
  it("random.t() takes an array of df, its shape the default sample shape", () => {
    const x = random.t(random.key(7), np.array([1, 5]));
    assert.deepEqual(x.shape, [2]);
    assertAllClose(x, [1.3819717, 0.14462464], f32);
    // a df array broadcasts to a given shape: each row draws with df [1, 5]
    assert.deepEqual(random.t(random.key(7), np.array([1, 5]), [3, 2]).shape, [3, 2]);
  });

  it("random.f() takes arrays of dfnum and dfden, broadcast together", () => {
    assertAllClose(random.f(random.key(7), np.array([1, 5]), 3), [1.9394668, 1.363063], f32);
  });

  it("random.beta() broadcasts a and b together ([2] with [2, 1] gives [2, 2])", () => {
    const x = random.beta(random.key(7), np.array([1, 2]), np.array([[1], [3]]));
    assertAllClose(x, [[0.63724935, 0.6575691], [0.10728037, 0.35639817]], f32);
  });

  it("random.t(), f() and beta() refuse parameters that do not broadcast, or are not numbers", () => {
    const k = random.key(0);
    assert.throws(() => random.t(k, np.array([1, 5]), [3]), /random\.t: .*broadcast/);
    assert.throws(
      () => random.f(k, np.array([1, 2]), np.array([1, 2, 3])),
      /random\.f: .*broadcast/,
    );
    assert.throws(() => random.t(k, "5" as never, [2]), /TypeError: random\.t: parameter 1/);
    assert.throws(() => random.beta(k, 2, null as never), /TypeError: random\.beta: parameter 2/);
  });
});
