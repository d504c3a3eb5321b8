/**
 * random.binomial / random.multinomial give JAX's draws for the same key in both Threefry
 * streams, and the new jax.nn.initializers (normal, uniform, constant, deltaOrthogonal)
 * give JAX's weights; values recorded by tests/fixtures/gen_optim2.py.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { nn, np, random } from "../mod.ts";
import { assertAllClose } from "./_helpers.ts";

const data = JSON.parse(
  readFileSync(new URL("./fixtures/train_optim2.json", import.meta.url), "utf8"),
) as {
  random: Record<string, Record<string, number[]>> & {
    binomial_4000_mean_var: number[];
    binomial_f64: number[];
  };
  init: Record<string, number[]>;
};

const draws = (): Record<string, np.NDArray> => {
  const k7 = random.key(7);
  return {
    binomial_small: random.binomial(k7, 5, 0.3, [8]),
    binomial_large: random.binomial(k7, 100, 0.4, [8]),
    binomial_high_p: random.binomial(k7, 60, 0.85, [6]),
    binomial_mixed: random.binomial(
      k7,
      np.array([3, 50, 1000, 20, 0, 7.5]),
      np.array([0.9, 0.5, 0.02, 0.7, 0.5, 0.4]),
    ),
    binomial_broadcast: random.binomial(k7, np.array([[4], [400]]), np.array([0.25, 0.6, 0.95])),
    multinomial: random.multinomial(k7, 30, np.array([0.25, 0.5, 0.125, 0.125])),
    multinomial_batch: random.multinomial(
      k7,
      np.array([10, 200]),
      np.array([[0.25, 0.25, 0.5], [0.125, 0.625, 0.25]]),
    ),
    multinomial_shape: random.multinomial(k7, 12, np.array([0.5, 0.5]), { shape: [3, 2] }),
  };
};

describe("random.binomial and random.multinomial", () => {
  for (const stream of ["partitionable", "legacy"] as const) {
    it(`random.binomial() and random.multinomial() give JAX's draws (${stream} stream)`, () => {
      const prev = random.setImpl(stream === "legacy" ? "threefry2x32-legacy" : "threefry2x32");
      try {
        for (const [name, x] of Object.entries(draws())) {
          assert.deepEqual(
            Array.from(x.toTypedArray()),
            data.random[stream][name],
            `${name} (${stream})`,
          );
        }
      } finally {
        random.setImpl(prev);
      }
    });
  }

  it("random.binomial() in float64 gives JAX's x64 draws", () => {
    const x = random.binomial(random.key(7), 80, 0.3, [6], { dtype: "float64" });
    assert.equal(x.dtype, "float64");
    assert.deepEqual(Array.from(x.toTypedArray()), data.random.binomial_f64);
  });

  it("random.binomial()'s 4000 draws have JAX's sample mean and variance, near n·p and n·p·(1 − p)", () => {
    const x = random.binomial(random.key(3), 30, 0.4, [4000]);
    const [mean, variance] = data.random.binomial_4000_mean_var;
    assertAllClose(np.mean(x), np.array(mean), { rtol: 1e-5 });
    assertAllClose(np.variance(x), np.array(variance), { rtol: 1e-4 });
    assert.ok(Math.abs(mean - 12) < 0.2 && Math.abs(variance - 7.2) < 0.5);
  });

  it("random.multinomial()'s counts add up to n in every row", () => {
    const c = random.multinomial(random.key(1), np.array([5, 17]), np.array([[0.1, 0.2, 0.7]]), {
      shape: [2, 3],
    });
    assert.deepEqual(np.sum(c, { axis: -1 }).toArray(), [5, 17]);
  });

  it("random.binomial() follows JAX at the edges: n = 0 gives 0, NaN p or negative n gives NaN", () => {
    const x = random.binomial(random.key(0), np.array([0, -1, 4]), np.array([0.5, 0.5, NaN]));
    const v = Array.from(x.toTypedArray());
    assert.equal(v[0], 0);
    assert.ok(Number.isNaN(v[1]) && Number.isNaN(v[2]));
  });

  it("random.binomial() and random.multinomial() refuse bad arguments with their names", () => {
    const k = random.key(0);
    assert.throws(() => random.binomial(k, "3" as never, 0.5), /random\.binomial: n/);
    assert.throws(() => random.binomial(k, 3, 0.5, [2], { dtype: "int32" }), TypeError);
    assert.throws(() => random.binomial(k, np.array([1, 2, 3]), 0.5, [2]), /broadcast/);
    assert.throws(() => random.multinomial(k, 3, np.array(0.5)), /last axis/);
    assert.throws(
      () => random.multinomial(k, 3, np.array([0.5, 0.5]), { shape: [4, 3] }),
      /must end with/,
    );
    assert.throws(() => random.binomial(np.array([1, 2, 3]), 3, 0.5), /key/);
  });
});

describe("random.binomial and random.poisson on 2^16 lanes", () => {
  // [sum, x[0], x[1], x[2], x[3], x[1000], x[30000], x[65535]], recorded from the
  // round-over-every-lane samplers before they were made to skip finished lanes
  const recorded: Record<string, number[]> = {
    "threefry2x32 0 binomial(40, 0.4)": [1046833, 15, 12, 18, 13, 19, 7, 16],
    "threefry2x32 0 binomial(20, 0.3)": [392325, 6, 4, 6, 5, 11, 9, 2],
    "threefry2x32 0 poisson(2.5)": [163570, 0, 0, 1, 4, 2, 2, 2],
    "threefry2x32 0 poisson(60)": [3928291, 58, 76, 49, 51, 58, 65, 58],
    "threefry2x32 42 binomial(40, 0.4)": [1050033, 12, 8, 16, 12, 17, 19, 13],
    "threefry2x32 42 binomial(20, 0.3)": [393064, 5, 7, 4, 5, 5, 6, 5],
    "threefry2x32 42 poisson(2.5)": [163831, 3, 1, 2, 1, 2, 2, 2],
    "threefry2x32 42 poisson(60)": [3929965, 67, 51, 59, 49, 73, 64, 72],
    "threefry2x32-legacy 0 binomial(40, 0.4)": [1047725, 21, 11, 15, 13, 8, 10, 18],
    "threefry2x32-legacy 0 binomial(20, 0.3)": [393009, 8, 5, 6, 6, 6, 6, 5],
    "threefry2x32-legacy 0 poisson(2.5)": [164175, 5, 1, 2, 4, 3, 4, 4],
    "threefry2x32-legacy 0 poisson(60)": [3932401, 60, 50, 63, 69, 57, 70, 54],
    "threefry2x32-legacy 42 binomial(40, 0.4)": [1047524, 17, 13, 16, 11, 19, 13, 15],
    "threefry2x32-legacy 42 binomial(20, 0.3)": [393343, 8, 5, 6, 4, 4, 10, 3],
    "threefry2x32-legacy 42 poisson(2.5)": [163491, 4, 1, 2, 3, 0, 4, 4],
    "threefry2x32-legacy 42 poisson(60)": [3934501, 71, 57, 69, 59, 53, 48, 60],
  };
  const N = 1 << 16;
  const draws: [string, (k: ReturnType<typeof random.key>) => ArrayLike<number>, number, number][] =
    [
      ["binomial(40, 0.4)", (k) => random.binomial(k, 40, 0.4, [N]).toTypedArray(), 16, 9.6],
      ["binomial(20, 0.3)", (k) => random.binomial(k, 20, 0.3, [N]).toTypedArray(), 6, 4.2],
      ["poisson(2.5)", (k) => random.poisson(k, 2.5, [N]).toTypedArray(), 2.5, 2.5],
      ["poisson(60)", (k) => random.poisson(k, 60, [N]).toTypedArray(), 60, 60],
    ];
  for (const impl of ["threefry2x32", "threefry2x32-legacy"] as const) {
    it(`keeps its draws and moments on the ${impl} stream`, () => {
      const prev = random.setImpl(impl);
      try {
        for (const seed of [0, 42]) {
          for (const [name, draw, mean, variance] of draws) {
            const x = draw(random.key(seed));
            let s = 0, s2 = 0;
            for (let i = 0; i < x.length; i++) {
              s += x[i];
              s2 += x[i] * x[i];
            }
            const m = s / N, v = s2 / N - m * m;
            const got = [s, ...[0, 1, 2, 3, 1000, 30000, 65535].map((i) => x[i])];
            assert.deepEqual(got, recorded[`${impl} ${seed} ${name}`], `${name}, key ${seed}`);
            // the mean within 5 standard errors, the variance within 5%
            assert.ok(Math.abs(m - mean) < 5 * Math.sqrt(variance / N), `${name} mean ${m}`);
            assert.ok(Math.abs(v - variance) < 0.05 * variance, `${name} variance ${v}`);
          }
        }
      } finally {
        random.setImpl(prev);
      }
    });
  }
});

describe("random.multinomial with 20000 outcomes", () => {
  it("counts 1000 trials over 20000 outcomes as JAX does", () => {
    const K = 20000;
    const w = np.array(Float32Array.from({ length: K }, (_, i) => (i % 7) + 0.5));
    const c = Array.from(
      random.multinomial(random.key(0), 1000, w.div(w.sum())).toTypedArray(),
      Number,
    );
    const hit = [...c.keys()].filter((i) => c[i] !== 0);
    // recorded from jax.random.multinomial(key(0), 1000, p)
    assert.deepEqual(hit.slice(0, 12), [3, 20, 81, 90, 145, 153, 156, 193, 211, 230, 313, 326]);
    assert.deepEqual(hit.slice(0, 12).map((i) => c[i]), Array(12).fill(1));
    assert.equal(hit.length, 962);
    assert.equal(c.reduce((a, b) => a + b, 0), 1000);
  });
});

describe("nn initializers: normal, uniform, constant, zeros, ones, deltaOrthogonal", () => {
  const k = random.key(11);
  const cases: [string, () => np.NDArray][] = [
    ["normal", () => nn.normal({ stddev: 0.5 })(k, [3, 4])],
    ["uniform", () => nn.uniform({ scale: 2 })(k, [5])],
    ["constant", () => nn.constant(-1.5)(k, [2, 2])],
    ["delta_orthogonal", () => nn.deltaOrthogonal({ scale: 1.5 })(k, [3, 2, 3])],
    ["delta_orthogonal_4d", () => nn.deltaOrthogonal()(k, [2, 3, 2, 2])],
    ["delta_orthogonal_col0", () => nn.deltaOrthogonal({ columnAxis: -2 })(k, [2, 2, 2, 3])],
  ];
  for (const [name, make] of cases) {
    it(`nn ${name} gives JAX's weights for the same key`, () => {
      assertAllClose(np.ravel(make()), np.array(data.init[name]), { atol: 1e-6, rtol: 1e-5 });
    });
  }

  it("nn.zeros() and nn.ones() fill the shape in the requested dtype", () => {
    const z = nn.zeros(k, [2, 3], { dtype: "float64" });
    assert.deepEqual([z.dtype, z.shape, np.sum(z).item()], ["float64", [2, 3], 0]);
    assert.deepEqual(nn.ones(k, [2]).toArray(), [1, 1]);
  });

  it("nn initializers refuse int dtypes, bad shapes and fan-in above fan-out", () => {
    assert.throws(() => nn.normal({ dtype: "int32" }), /dtype/);
    assert.throws(() => nn.zeros(k, [2, -1]), /non-negative integers/);
    assert.throws(() => nn.deltaOrthogonal()(k, [3, 3]), /3-D, 4-D or 5-D/);
    assert.throws(() => nn.deltaOrthogonal()(k, [3, 4, 2]), /fan-in/);
    assert.throws(() => nn.deltaOrthogonal({ columnAxis: 2 }), RangeError);
  });
});
