import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { jit, type NDArray, np, random, vmap } from "../mod.ts";
import { assertAllClose } from "./_helpers.ts";

type Cases = Record<string, number | (number | null)[]>;
const fixture = JSON.parse(
  readFileSync(new URL("./fixtures/train_random.json", import.meta.url), "utf8"),
) as { partitionable: Cases; legacy: Cases };

/** Runs `f` with the given stream selected, restoring the previous one. */
function withImpl<T>(impl: random.PRNGImpl, f: () => T): T {
  const prev = random.setImpl(impl);
  try {
    return f();
  } finally {
    random.setImpl(prev);
  }
}

/** Values as JS numbers; int32 words read as unsigned where `unsigned`. */
function values(x: NDArray | NDArray[], unsigned = false): number[] {
  const xs = Array.isArray(x) ? x : [x];
  return xs.flatMap((a) =>
    Array.from(a.toTypedArray(), (v) => unsigned ? Number(v) >>> 0 : Number(v))
  );
}

const k7 = () => random.key(7);
const k0 = () => random.key(0);
const logits = () =>
  np.log(np.array([[0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1], [0.25, 0.25, 0.25, 0.25]]));
const f32 = { atol: 2e-6, rtol: 2e-6 };

/** Each case: name in the fixture, the difftrace call, and how to compare. */
const cases: [string, () => NDArray | NDArray[], "exact" | "unsigned" | typeof f32][] = [
  ["split0", () => random.split(k0()), "unsigned"],
  ["split7_3", () => random.split(k7(), 3), "unsigned"],
  ["foldIn7_5", () => random.foldIn(k7(), 5), "unsigned"],
  ["bits7", () => random.bits(k7(), [7]), "unsigned"],
  ["bits7_2x3", () => random.bits(k7(), [2, 3]), "unsigned"],
  ["uniform_f32", () => random.uniform(k7(), [6]), "exact"],
  ["uniform_f64", () => random.uniform(k7(), [5], { dtype: "float64" }), "exact"],
  // XLA fuses u·(max − min) + min into one fma: equal to 1 ulp
  ["uniform_f32_range", () => random.uniform(k7(), [5], { minval: -2, maxval: 3 }), f32],
  ["normal_f32", () => random.normal(k0(), [6]), f32],
  ["normal_f64", () => random.normal(k7(), [6], { dtype: "float64" }), {
    atol: 1e-13,
    rtol: 1e-13,
  }],
  ["truncated_normal_f32", () => random.truncatedNormal(k7(), -1, 1.5, [5]), f32],
  ["bernoulli", () => random.bernoulli(k7(), 0.3, [10]).astype("int32"), "exact"],
  ["categorical_axis_last", () => random.categorical(k7(), logits(), { axis: -1 }), "exact"],
  ["categorical_axis0", () => random.categorical(k7(), logits(), { axis: 0 }), "exact"],
  [
    "categorical_shape",
    () => random.categorical(k7(), logits(), { axis: 1, shape: [2, 3] }),
    "exact",
  ],
  ["permutation10", () => random.permutation(k7(), 10), "exact"],
  [
    "permutation_arr",
    () => random.permutation(k7(), np.reshape(np.arange(12), [4, 3])),
    "exact",
  ],
  [
    "permutation_axis1_indep",
    () =>
      random.permutation(k7(), np.reshape(np.arange(12), [3, 4]), { axis: 1, independent: true }),
    "exact",
  ],
  ["permutation2000_head", () => np.slice(random.permutation(k7(), 2000), [[0, 8]]), "exact"],
  ["randint", () => random.randint(k7(), [8], 0, 10), "exact"],
  ["randint_neg", () => random.randint(k7(), [6], -5, 1000003), "exact"],
  ["randint_big", () => random.randint(k7(), [4], -(2 ** 31), 2 ** 31 - 1), "exact"],
  ["exponential", () => random.exponential(k7(), [5]), f32],
  ["laplace", () => random.laplace(k7(), [5]), f32],
  ["logistic", () => random.logistic(k7(), [5]), f32],
  ["gumbel", () => random.gumbel(k7(), [5]), f32],
  ["cauchy", () => random.cauchy(k7(), [5]), f32],
  ["rademacher", () => random.rademacher(k7(), [8]), "exact"],
  ["pareto", () => random.pareto(k7(), 3, [5]), f32],
  ["rayleigh", () => random.rayleigh(k7(), 2, [5]), f32],
  ["weibull_min", () => random.weibullMin(k7(), 2, 1.5, [5]), f32],
  ["lognormal", () => random.lognormal(k7(), 0.5, [5]), f32],
  ["maxwell", () => random.maxwell(k7(), [5]), f32],
  ["double_sided_maxwell", () => random.doubleSidedMaxwell(k7(), 1, 2, [5]), f32],
  ["wald", () => random.wald(k7(), 1.5, [5]), f32],
  ["geometric", () => random.geometric(k7(), 0.3, [6]), "exact"],
  ["triangular", () => random.triangular(k7(), 0, 1, 3, [5]), f32],
  ["choice_replace", () => random.choice(k7(), 10, [6]), "exact"],
  ["choice_noreplace", () => random.choice(k7(), 10, [6], { replace: false }), "exact"],
  ["choice_p", () => random.choice(k7(), 4, [8], { p: [0.1, 0.2, 0.3, 0.4] }), "exact"],
  [
    "choice_p_noreplace",
    () => random.choice(k7(), 5, [3], { replace: false, p: [0.1, 0.2, 0.3, 0.2, 0.2] }),
    "exact",
  ],
  ["gamma", () => random.gamma(k7(), np.array([0.5, 1, 2.5, 7])), f32],
  [
    "gamma_f64",
    () =>
      random.gamma(k7(), np.array([0.3, 4], { dtype: "float64" }), undefined, { dtype: "float64" }),
    { atol: 1e-12, rtol: 1e-12 },
  ],
  ["loggamma", () => random.loggamma(k7(), np.array([0.5, 3])), f32],
  ["beta", () => random.beta(k7(), 2, 3, [4]), f32],
  ["dirichlet", () => random.dirichlet(k7(), np.array([1, 2, 3]), [2]), f32],
  ["chisquare", () => random.chisquare(k7(), 3, [4]), f32],
  ["t", () => random.t(k7(), 4, [4]), f32],
  ["f", () => random.f(k7(), 3, 5, [4]), f32],
  ["poisson_small", () => random.poisson(k7(), 3.5, [6]), "exact"],
  ["poisson_large", () => random.poisson(k7(), 40, [6]), "exact"],
  ["generalized_normal", () => random.generalizedNormal(k7(), 1.5, [4]), f32],
  ["ball", () => random.ball(k7(), 3, 2, [2]), f32],
  ["orthogonal", () => random.orthogonal(k7(), 3), { atol: 1e-5, rtol: 1e-5 }],
  [
    "multivariate_normal",
    () => random.multivariateNormal(k7(), np.array([1, -1]), np.array([[2, 0.5], [0.5, 1]]), [3]),
    { atol: 1e-5, rtol: 1e-5 },
  ],
];

for (const impl of ["threefry2x32", "threefry2x32-legacy"] as const) {
  const expected = impl === "threefry2x32" ? fixture.partitionable : fixture.legacy;
  describe(`random with the ${impl} stream matches JAX`, () => {
    for (const [name, run, how] of cases) {
      it(`random: ${name} gives JAX's values`, () => {
        const want = expected[name];
        const got = withImpl(impl, run);
        if (how === "exact" || how === "unsigned") {
          assert.deepEqual(values(got, how === "unsigned"), [want].flat().map(Number));
        } else {
          assertAllClose(
            np.ravel(Array.isArray(got) ? np.stack(got) : got),
            [want].flat() as number[],
            how,
          );
        }
      });
    }
  });
}

describe("random samplers under transforms", () => {
  it("random samplers give the same draws under jit as eagerly", () => {
    const draw = (k: NDArray) =>
      np.concatenate([
        random.normal(k, [3]),
        random.uniform(k, [2], { minval: -1, maxval: 2 }),
        random.randint(k, [2], 0, 1000003).astype("float32"),
        random.exponential(k, [2]),
        random.categorical(k, logits(), { axis: 0 }).astype("float32"),
      ]);
    // jit's fused float32 loops may round once where eager rounds per op: 1 ulp
    assertAllClose(jit(draw)(k7()), draw(k7()), { atol: 0, rtol: 2e-7 });
  });

  it("random.normal() under vmap over keys equals one call per key", () => {
    const keys = np.stack(random.split(k7(), 3));
    const batched = vmap((k: NDArray) => random.normal(k, [4], { dtype: "float64" }))(keys);
    const rows = random.split(k7(), 3).map((k) => random.normal(k, [4], { dtype: "float64" }));
    assertAllClose(batched, np.stack(rows), { atol: 0, rtol: 0 });
  });

  it("random.setImpl() rejects an unknown stream with a RangeError", () => {
    assert.throws(
      () => random.setImpl("philox" as random.PRNGImpl),
      /RangeError: random\.setImpl: unknown PRNG implementation "philox"/,
    );
  });

  it("random.permutation() needs a concrete key and says so under jit", () => {
    assert.throws(
      () => jit((k: NDArray) => random.permutation(k, 4))(k7()),
      /needs a concrete key/,
    );
  });
});

describe("random.choice with p on 2^16 outcomes", () => {
  it("draws 2^16 samples from 2^16 weighted outcomes as JAX does, never a zero-weight one", () => {
    const N = 1 << 16;
    const p = np.array(
      Float32Array.from({ length: N }, (_, i) => (i % 5 === 0 ? 0 : (i % 13) + 1)),
    );
    const c = Array.from(random.choice(random.key(0), N, [N], { p }).toTypedArray(), Number);
    // recorded from jax.random.choice(key(0), N, (N,), p=p)
    assert.deepEqual([...c.slice(0, 6)], [3431, 1404, 43757, 34823, 28189, 54688]);
    assert.deepEqual([...c.slice(-3)], [123, 41193, 17751]);
    assert.equal(c.reduce((a, b) => a + b, 0), 2151571455);
    assert.ok(c.every((i) => i % 5 !== 0));
  });
});
