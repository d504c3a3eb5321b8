/**
 * np.pow with a whole JS number exponent is JAX's integer_pow (what jnp.power does for a
 * Python int): multiplications by binary exponentiation, so x³ is x·(x·x) rounded twice.
 * Checked bit for bit against JAX 0.10.2 (tests/fixtures/gen_integer_pow.py) eagerly, under
 * jit and as a large eager program; gradients and nn.gelu to a few float32 ulp.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { grad, jit, makeJaxpr, type NDArray, nn, np } from "../mod.ts";
import { assertSameF32, checkGrads } from "./_helpers.ts";

interface Fixture {
  x: number[];
  w: number[];
  cases: { n: number; out: number[]; grad: number[] }[];
  gelu: number[];
}
const fixture: Fixture = JSON.parse(
  readFileSync(new URL("./fixtures/integer_pow.json", import.meta.url), "utf8"),
  (_k, v) => (v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : v),
);
const xs = Float32Array.from(fixture.x);
const x = np.array(xs);

/**
 * Indices whose powers x^1 … x^|n| stay out of float32's subnormal range: JAX's CPU kernels
 * flush subnormals to zero and difftrace keeps them (a documented difference), so x² of
 * 1e-20 is 0 (and x⁻² ∞) in JAX and a subnormal (x⁻²: a huge finite number) here.
 */
function normal(n: number): number[] {
  return [...xs.keys()].filter((i) => {
    const a = Math.abs(xs[i]);
    return !(a > 0 && a < 1 && a ** Math.max(1, Math.abs(n)) < 2 ** -126);
  });
}

/** The elements of `v` at `keep`. */
function pick(v: NDArray | ArrayLike<number>, keep: readonly number[]): Float32Array {
  const d = v instanceof Float32Array || Array.isArray(v) ? v : (v as NDArray).toTypedArray();
  return Float32Array.from(keep, (i) => (d as ArrayLike<number>)[i]);
}

/** Asserts |a − e| ≤ k float32 ulp of e (NaN matches NaN, infinities must be equal). */
function assertUlps(actual: Float32Array, expected: Float32Array, k: number, what: string) {
  expected.forEach((e, i) => {
    const a = actual[i];
    if (Number.isNaN(e) || !Number.isFinite(e)) {
      assert.ok(Object.is(a, e) || (Number.isNaN(e) && Number.isNaN(a)), `${what}[${i}]`);
      return;
    }
    const ulp = Math.max(2 ** -149, 2 ** (Math.floor(Math.log2(Math.abs(e) || 2 ** -149)) - 23));
    assert.ok(Math.abs(a - e) <= k * ulp, `${what}[${i}]: ${a} vs ${e}`);
  });
}

describe("np.pow with a whole-number exponent (integer_pow)", () => {
  for (const { n, out } of fixture.cases) {
    if (n < 0) {
      it(`x ** ${n} (pow; JAX: 1/x^${-n} by products) is within 3 ulp of JAX`, () => {
        const keep = normal(n), expected = pick(out, keep);
        // JAX rounds x·x, x·x·x and the reciprocal: up to 3 roundings to pow's one
        assertUlps(pick(np.pow(x, n), keep), expected, 3, `np.pow(x, ${n})`);
      });
      continue;
    }
    it(`x ** ${n} equals JAX bit for bit, eagerly and under exact jit (jit: |n| ulp)`, () => {
      const f = (v: NDArray) => np.pow(v, n);
      const keep = normal(n), expected = pick(out, keep);
      assertSameF32(pick(f(x), keep), expected, `np.pow(x, ${n})`);
      assertSameF32(pick(x.pow(n), keep), expected, `x.pow(${n})`);
      const exact = jit(f, { precision: "exact" })(x);
      assertSameF32(pick(exact, keep), expected, `exact jit, n = ${n}`);
      // default jit keeps the chain's intermediates in double precision (see the README)
      assertUlps(pick(jit(f)(x), keep), expected, Math.max(2, n), `jit, n = ${n}`);
    });
  }

  it("runs as multiplications: x ** 3 is two muls in the jaxpr; x ** 2.5 and x ** -2 are pow", () => {
    assert.deepEqual(makeJaxpr((v: NDArray) => v.pow(3))(x).eqns.map((e) => e.prim), [
      "mul",
      "mul",
    ]);
    assert.deepEqual(makeJaxpr((v: NDArray) => v.pow(2.5))(x).eqns.map((e) => e.prim), ["pow"]);
    assert.deepEqual(makeJaxpr((v: NDArray) => v.pow(-2))(x).eqns.map((e) => e.prim), ["pow"]);
  });

  it("as a large eager program gives each element JAX's value", () => {
    const reps = 300, big = np.tile(x, [reps]); // 78,000 elements: the compiled eager path
    for (const { n, out } of fixture.cases.filter((c) => [2, 3, 7].includes(c.n))) {
      np.pow(big, n);
      const y = np.pow(big, n).toTypedArray(); // the second call runs the compiled program
      const keep = normal(n);
      for (let r = 0; r < reps; r += 37) {
        const copy = y.subarray(r * xs.length, (r + 1) * xs.length);
        assertSameF32(pick(copy, keep), pick(out, keep), `n = ${n}, copy ${r}`);
      }
    }
  });

  for (const { n, grad: g } of fixture.cases) {
    it(`the gradient of sum(w · x ** ${n}) is JAX's to 4 float32 ulp`, () => {
      const w = np.array(Float32Array.from(fixture.w));
      const dx = grad((v: NDArray) => np.pow(v, n).mul(w).sum())(x);
      const keep = normal(Math.abs(n) + 1);
      assertUlps(pick(dx, keep), pick(g, keep), 4, `grad n = ${n}`);
    });
  }

  it("differentiates like pow: checked against finite differences in float64", () => {
    const v = np.array([0.7, -1.3, 2.1], { dtype: "float64" });
    for (const n of [-3, 2, 3, 5]) checkGrads((a: NDArray) => np.pow(a, n), [v], { order: 2 });
  });

  it("leaves integer and bool bases to pow's integer rules", () => {
    assert.deepEqual(np.pow(np.array([2, -3], { dtype: "int32" }), 3).toArray(), [8, -27]);
    assert.deepEqual(np.pow(np.array([true, false]), 2).toArray(), [1, 0]);
  });

  it("makes nn.gelu JAX's (x³ as JAX multiplies it)", () => {
    // 1 + tanh(z) cancels for negative x, and XLA's tanh is an approximation: compare to
    // 2⁻²⁰·|x| besides 4 ulp of the value
    const keep = normal(3), g = pick(nn.gelu(x), keep), e = pick(fixture.gelu, keep);
    keep.forEach((i, j) => {
      const tol = 4 * 2 ** (Math.floor(Math.log2(Math.abs(e[j]) || 1)) - 23) +
        Math.abs(xs[i]) * 2 ** -20;
      if (Number.isFinite(e[j])) {
        assert.ok(Math.abs(g[j] - e[j]) <= tol, `gelu(${xs[i]}): ${g[j]} vs ${e[j]}`);
      }
    });
  });
});
