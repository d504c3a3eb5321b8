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
