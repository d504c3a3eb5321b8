import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { jit, type NDArray, nn, np, random, vmap } from "../mod.ts";
import { assertAllClose, moments } from "./_helpers.ts";
import { concrete } from "../src/train/_random_core.ts";

const N = 100_000;

/** The values of an array as JS numbers. */
function values(x: NDArray): number[] {
  return Array.from(x.toTypedArray(), Number);
}

/** The key's two words read as unsigned 32-bit integers. */
function words(k: NDArray): number[] {
  return values(k).map((w) => w >>> 0);
}

/** erf(x) by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): plenty for 5-σ moment checks. */
function erf(x: number): number {
  const s = Math.sign(x), a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const poly = t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return s * (1 - poly * Math.exp(-a * a));
}
const Phi = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2));
const phi = (x: number) => Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);

describe("random.key, split, foldIn", () => {
  it("random.key() stores the seed as [high word, low word], as JAX's PRNGKey", () => {
    assert.deepEqual(random.key(0).toArray(), [0, 0]);
    assert.deepEqual(random.key(42).toArray(), [0, 42]);
    assert.deepEqual(words(random.key(2 ** 32 + 7)), [1, 7]);
    assert.deepEqual(words(random.key(-1)), [4294967295, 4294967295]);
    assert.equal(random.key(3).dtype, "int32");
  });

  it("random.key() rejects a seed that is not a safe integer with a RangeError", () => {
    assert.throws(() => random.key(1.5), /RangeError: random\.key: seed must be a safe integer/);
    assert.throws(() => random.key(2 ** 60), RangeError);
  });

  it("the samplers' concrete split and single words equal the bulk streams on both impls", () => {
    // splits into ≤ 4 keys (into a reused buffer) and one-word draws (block by block) are the
    // rejection loops' fast paths; they must give the words of the typed-array path
    for (const impl of ["threefry2x32", "threefry2x32-legacy"] as const) {
      const prev = random.setImpl(impl);
      try {
        for (const [k0, k1] of [[0, 0], [0, 42], [4294967295, 123456789]]) {
          const bulk = (n: number) =>
            random.split(np.array(Int32Array.of(k0 | 0, k1 | 0)), n).flatMap(words);
          for (let num = 1; num <= 4; num++) {
            assert.deepEqual(concrete.split(k0, k1, num).flat(), bulk(num));
          }
          assert.equal(concrete.word(k0, k1), concrete.bits(k0, k1, 1)[0]);
          assert.deepEqual(concrete.word64(k0, k1), Array.from(concrete.bits64(k0, k1, 1)));
        }
      } finally {
        random.setImpl(prev);
      }
    }
  });

  it("random.split() of key(0) gives JAX's keys with the legacy stream", () => {
    const prev = random.setImpl("threefry2x32-legacy");
    let a: NDArray, b: NDArray;
    try {
      [a, b] = random.split(random.key(0));
    } finally {
      random.setImpl(prev);
    }
    assert.deepEqual(words(a), [4146024105, 967050713]);
    assert.deepEqual(words(b), [2718843009, 1272950319]);
    // the int32 view of the same words
    assert.deepEqual(a.toArray(), [4146024105 | 0, 967050713]);
    assert.deepEqual(b.toArray(), [2718843009 | 0, 1272950319]);
  });

  it("random.normal() of key(0) gives JAX's numbers with the legacy stream", () => {
    const prev = random.setImpl("threefry2x32-legacy");
    let z: NDArray;
    try {
      z = random.normal(random.key(0), [4]);
    } finally {
      random.setImpl(prev);
    }
    assertAllClose(
      z,
      [1.8160863, -0.75488514, 0.33988908, -0.53483534],
      { atol: 1e-5, rtol: 0 },
    );
  });

  it("random functions are deterministic: the same key gives the same numbers", () => {
    const k = random.key(123);
    assert.deepEqual(random.uniform(k, [50]).toArray(), random.uniform(k, [50]).toArray());
    assert.deepEqual(
      random.normal(k, [50]).toArray(),
      random.normal(random.key(123), [50]).toArray(),
    );
    assert.deepEqual(
      random.split(k, 3).map((x) => x.toArray()),
      random.split(random.key(123), 3).map((x) => x.toArray()),
    );
    assert.deepEqual(random.foldIn(k, 9).toArray(), random.foldIn(k, 9).toArray());
    assert.deepEqual(random.permutation(k, 20).toArray(), random.permutation(k, 20).toArray());
  });

  it("random.split() children differ from each other and from the parent stream", () => {
    const parent = random.key(7);
    const kids = random.split(parent, 4);
    assert.equal(kids.length, 4);
    const streams = [parent, ...kids].map((k) => random.uniform(k, [16]).toArray());
    for (let i = 0; i < streams.length; i++) {
      for (let j = i + 1; j < streams.length; j++) {
        assert.notDeepEqual(streams[i], streams[j], `streams ${i} and ${j} coincide`);
      }
    }
    for (const k of kids) {
      assert.deepEqual(k.shape, [2]);
      assert.equal(k.dtype, "int32");
      assert.notDeepEqual(k.toArray(), parent.toArray());
    }
    // split(k, 1) is one new key, not k itself
    assert.notDeepEqual(random.split(parent, 1)[0].toArray(), parent.toArray());
  });

  it("random.foldIn() gives a different key per datum, each different from the parent", () => {
    const k = random.key(1);
    const seen = new Set<string>([String(k.toArray())]);
    for (const d of [0, 1, 2, 3, 1000, 2 ** 31, -1]) {
      const f = random.foldIn(k, d);
      assert.deepEqual(f.shape, [2]);
      seen.add(String(f.toArray()));
    }
    assert.equal(seen.size, 8);
    // data is taken modulo 2^32
    assert.deepEqual(random.foldIn(k, -1).toArray(), random.foldIn(k, 2 ** 32 - 1).toArray());
  });

  it("random.split() and random.foldIn() reject bad counts and data", () => {
    const k = random.key(0);
    assert.throws(() => random.split(k, 0), RangeError);
    assert.throws(() => random.split(k, 1.5), RangeError);
    assert.throws(() => random.foldIn(k, 0.5), TypeError);
  });
});

describe("random distributions: moments on 100k draws", () => {
  it("random.uniform() has mean 1/2, variance 1/12 and values in [0, 1)", () => {
    const u = random.uniform(random.key(0), [N]);
    assert.equal(u.dtype, "float32");
    assert.deepEqual(u.shape, [N]);
    const xs = values(u);
    assert.ok(Math.min(...xs) >= 0 && Math.max(...xs) < 1);
    const { mean, variance } = moments(xs);
    // standard errors: √(1/12/N) ≈ 9.1e-4 and √((1/80 − 1/144)/N) ≈ 2.4e-4
    assert.ok(Math.abs(mean - 0.5) < 0.0046, `mean ${mean}`);
    assert.ok(Math.abs(variance - 1 / 12) < 0.0012, `variance ${variance}`);
  });

  it("random.uniform() with minval and maxval scales to [minval, maxval)", () => {
    const lo = -3, hi = 5, w = hi - lo;
    const xs = values(random.uniform(random.key(1), [N], { minval: lo, maxval: hi }));
    assert.ok(Math.min(...xs) >= lo && Math.max(...xs) < hi);
    const { mean, variance } = moments(xs);
    assert.ok(Math.abs(mean - 1) < 5 * w * Math.sqrt(1 / 12 / N), `mean ${mean}`);
    assert.ok(Math.abs(variance - w * w / 12) < 0.0012 * w * w, `variance ${variance}`);
  });

  it("random.uniform() in float64 has the right dtype and moments", () => {
    const u = random.uniform(random.key(2), [N], { dtype: "float64" });
    assert.equal(u.dtype, "float64");
    const xs = values(u);
    assert.ok(Math.min(...xs) >= 0 && Math.max(...xs) < 1);
    const { mean, variance } = moments(xs);
    assert.ok(Math.abs(mean - 0.5) < 0.0046, `mean ${mean}`);
    assert.ok(Math.abs(variance - 1 / 12) < 0.0012, `variance ${variance}`);
  });

  for (const dtype of ["float32", "float64"] as const) {
    it(`random.normal() in ${dtype} has mean 0 and variance 1`, () => {
      const z = random.normal(random.key(3), [N], { dtype });
      assert.equal(z.dtype, dtype);
      const xs = values(z);
      assert.ok(xs.every(Number.isFinite));
      const { mean, variance } = moments(xs);
      // standard errors: 1/√N ≈ 3.2e-3 and √(2/N) ≈ 4.5e-3
      assert.ok(Math.abs(mean) < 0.016, `mean ${mean}`);
      assert.ok(Math.abs(variance - 1) < 0.023, `variance ${variance}`);
      // tails: P(|z| > 2) ≈ 0.0455
      const tail = xs.filter((x) => Math.abs(x) > 2).length / N;
      assert.ok(Math.abs(tail - 0.0455) < 5 * Math.sqrt(0.0455 * 0.9545 / N), `tail ${tail}`);
    });
  }

  it("random.normal() with shape [] gives a scalar", () => {
    const z = random.normal(random.key(0));
    assert.deepEqual(z.shape, []);
    assert.ok(Number.isFinite(z.item() as number));
  });

  for (const dtype of ["float32", "float64"] as const) {
    it(`random.truncatedNormal() in ${dtype} stays within bounds with the truncated moments`, () => {
      const a = -1, b = 2;
      const z = random.truncatedNormal(random.key(4), a, b, [N], { dtype });
      assert.equal(z.dtype, dtype);
      const xs = values(z);
      assert.ok(Math.min(...xs) >= a && Math.max(...xs) <= b);
      // moments of N(0, 1) restricted to [a, b]
      const Z = Phi(b) - Phi(a);
      const m = (phi(a) - phi(b)) / Z;
      const v = 1 + (a * phi(a) - b * phi(b)) / Z - m * m;
      const { mean, variance } = moments(xs);
      assert.ok(Math.abs(mean - m) < 5 * Math.sqrt(v / N), `mean ${mean} vs ${m}`);
      assert.ok(Math.abs(variance - v) < 0.02, `variance ${variance} vs ${v}`);
    });
  }

  it("random.truncatedNormal() defaults to [−2, 2] and rejects lower ≥ upper", () => {
    const xs = values(random.truncatedNormal(random.key(5), undefined, undefined, [N]));
    assert.ok(Math.min(...xs) >= -2 && Math.max(...xs) <= 2);
    const { variance } = moments(xs);
    assert.ok(Math.abs(variance - 0.87962566 ** 2) < 0.02, `variance ${variance}`);
    assert.throws(() => random.truncatedNormal(random.key(0), 1, 1, [3]), RangeError);
  });

  it("random.bernoulli() is true with frequency p", () => {
    const p = 0.3;
    const b = random.bernoulli(random.key(6), p, [N]);
    assert.equal(b.dtype, "bool");
    const freq = values(b).reduce((s, x) => s + x, 0) / N;
    assert.ok(Math.abs(freq - p) < 5 * Math.sqrt(p * (1 - p) / N), `frequency ${freq}`);
  });

  it("random.bernoulli() takes an array of probabilities and its shape", () => {
    const p = np.array([0, 1, 0.5]);
    const b = random.bernoulli(random.key(0), p);
    assert.deepEqual(b.shape, [3]);
    const [never, always] = b.toArray() as boolean[];
    assert.equal(never, false);
    assert.equal(always, true);
    // broadcasting p against a larger sample shape
    const many = random.bernoulli(random.key(1), p, [1000, 3]);
    const cols = np.mean(many.astype("float32"), { axis: 0 }).toArray() as number[];
    assert.equal(cols[0], 0);
    assert.equal(cols[1], 1);
    assert.ok(Math.abs(cols[2] - 0.5) < 5 * Math.sqrt(0.25 / 1000));
  });

  it("random.categorical() draws categories with frequencies softmax(logits)", () => {
    const logits = np.array([1, -0.5, 0, 2]);
    const probs = values(nn.softmax(logits));
    const draws = random.categorical(random.key(7), logits, { shape: [N] });
    assert.equal(draws.dtype, "int32");
    assert.deepEqual(draws.shape, [N]);
    const counts = [0, 0, 0, 0];
    for (const d of values(draws)) counts[d]++;
    counts.forEach((c, i) => {
      const p = probs[i];
      assert.ok(
        Math.abs(c / N - p) < 5 * Math.sqrt(p * (1 - p) / N),
        `class ${i}: ${c / N} vs ${p}`,
      );
    });
  });

  it("random.categorical() samples each row of a batch along the chosen axis", () => {
    // rows that put (nearly) all mass on one class
    const logits = np.array([[0, 50, 0], [50, 0, 0]]);
    assert.deepEqual(random.categorical(random.key(0), logits).toArray(), [1, 0]);
    // the same logits laid out with the classes on axis 0
    const t = np.transpose(logits);
    assert.deepEqual(random.categorical(random.key(0), t, { axis: 0 }).toArray(), [1, 0]);
  });

  it("random.permutation() of n is a permutation of 0..n−1, and not the identity", () => {
    const n = 50;
    const p = values(random.permutation(random.key(8), n));
    assert.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i));
    assert.notDeepEqual(p, Array.from({ length: n }, (_, i) => i));
    assert.deepEqual(random.permutation(random.key(8), 0).shape, [0]);
    assert.throws(() => random.permutation(random.key(8), -1), RangeError);
  });

  it("random.permutation() of an array shuffles whole rows in the order of permutation(n)", () => {
    const n = 12;
    const rows = Array.from({ length: n }, (_, i) => [i, 10 * i, 100 * i]);
    const x = np.array(rows);
    const k = random.key(9);
    const shuffled = random.permutation(k, x);
    assert.deepEqual(shuffled.shape, [n, 3]);
    const order = values(random.permutation(k, n));
    assert.deepEqual(shuffled.toArray(), order.map((i) => rows[i]));
  });

  it("random.permutation() gives every position to every element roughly equally", () => {
    // position of element 0 over many keys: uniform on 0..4
    const counts = [0, 0, 0, 0, 0];
    const trials = 2000;
    for (let t = 0; t < trials; t++) {
      counts[values(random.permutation(random.key(t), 5)).indexOf(0)]++;
    }
    for (const c of counts) assert.ok(Math.abs(c / trials - 0.2) < 5 * Math.sqrt(0.16 / trials));
  });
});

describe("random under jit and vmap", () => {
  it("random functions inside jit() give the same numbers as eager for the same key (to float32 rounding)", () => {
    const sample = (k: NDArray) => ({
      u: random.uniform(k, [5], { minval: -2, maxval: 3 }),
      z: random.normal(k, [2, 3]),
      t: random.truncatedNormal(k, -1, 1, [4]),
      b: random.bernoulli(k, 0.5, [6]),
      c: random.categorical(k, np.array([[0.1, 1, 2], [3, 0, -1]])),
      kids: random.split(k, 3),
      folded: random.foldIn(k, 5),
    });
    const k = random.key(11);
    const eager = sample(k);
    const compiled = jit(sample)(k);
    for (const name of Object.keys(eager) as (keyof typeof eager)[]) {
      const e = [eager[name]].flat(), c = [compiled[name]].flat();
      assert.equal(c.length, e.length);
      e.forEach((x, i) => {
        assert.equal(c[i].dtype, x.dtype, name);
        // bits, keys and booleans agree exactly; fused float chains round once at the end
        if (x.dtype === "float32") assertAllClose(c[i], x, { rtol: 2e-6, atol: 1e-7 });
        else assert.deepEqual(c[i].toArray(), x.toArray(), name);
      });
    }
  });

  it("random.normal() under vmap over a batch of keys gives row i = normal(key i)", () => {
    const keys = random.split(random.key(12), 4);
    const batch = vmap((k: NDArray) => random.normal(k, [3]))(np.stack(keys));
    assert.deepEqual(batch.shape, [4, 3]);
    keys.forEach((k, i) => {
      assert.deepEqual(np.slice(batch, [i]).toArray(), random.normal(k, [3]).toArray());
    });
  });

  it("random.uniform(), bernoulli() and split() under vmap match the eager call per key", () => {
    const keys = random.split(random.key(13), 3);
    const f = (k: NDArray) => ({
      u: random.uniform(k, [2, 2]),
      b: random.bernoulli(k, 0.4, [5]),
      kid: random.split(k)[1],
      folded: random.foldIn(k, 3),
    });
    const batch = vmap(f)(np.stack(keys));
    keys.forEach((k, i) => {
      const e = f(k);
      for (const name of ["u", "b", "kid", "folded"] as const) {
        assert.deepEqual(np.slice(batch[name], [i]).toArray(), e[name].toArray(), name);
      }
    });
  });

  it("random.permutation() needs a concrete key and says so under jit and vmap", () => {
    assert.throws(
      () => jit((k: NDArray) => random.permutation(k, 4))(random.key(0)),
      (e: unknown) =>
        e instanceof TypeError && e.message.includes("random.permutation") &&
        e.message.includes("concrete key"),
    );
    assert.throws(
      () => vmap((k: NDArray) => random.permutation(k, 4))(np.stack(random.split(random.key(0)))),
      /random\.permutation: needs a concrete key/,
    );
    // a key made inside jit is concrete, so that works
    const inside = jit((x: NDArray) => x.add(random.permutation(random.key(3), 4)))(np.zeros([4]));
    assert.deepEqual(inside.toArray(), values(random.permutation(random.key(3), 4)));
  });
});

describe("random errors", () => {
  const notKeys: [string, unknown][] = [
    ["a number", 0],
    ["a float32[2] array", np.array([0, 0])],
    ["an int32[3] array", np.array([0, 0, 0], { dtype: "int32" })],
    ["an int32[1, 2] array", np.array([[0, 0]], { dtype: "int32" })],
  ];
  const ops: [string, (k: NDArray) => unknown][] = [
    ["uniform", (k) => random.uniform(k, [2])],
    ["normal", (k) => random.normal(k, [2])],
    ["truncatedNormal", (k) => random.truncatedNormal(k, -1, 1, [2])],
    ["bernoulli", (k) => random.bernoulli(k, 0.5, [2])],
    ["categorical", (k) => random.categorical(k, np.zeros([3]))],
    ["permutation", (k) => random.permutation(k, 3)],
    ["split", (k) => random.split(k)],
    ["foldIn", (k) => random.foldIn(k, 1)],
  ];
  for (const [op, f] of ops) {
    it(`random.${op}() with a non-key argument throws a TypeError naming random.key`, () => {
      for (const [what, bad] of notKeys) {
        assert.throws(
          () => f(bad as NDArray),
          (e: unknown) =>
            e instanceof TypeError && e.message.includes(`random.${op}`) &&
            e.message.includes("random.key"),
          `${op} with ${what}`,
        );
      }
    });
  }

  it("random.uniform() and random.normal() reject non-float dtypes with a TypeError", () => {
    const k = random.key(0);
    assert.throws(() => random.uniform(k, [2], { dtype: "int32" }), TypeError);
    assert.throws(() => random.normal(k, [2], { dtype: "bool" }), TypeError);
  });
});
