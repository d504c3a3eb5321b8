/**
 * Means and variances of float16/bfloat16 arrays are computed in float32 and rounded once, as
 * JAX's `_upcast_f16` does: a sum that overflows float16 (three 30,000s) still has a finite
 * mean. Expected values from JAX 0.10.2:
 *   x = jnp.array([[30000, 30016, 29984], [1.5, 2.25, 3.0]], jnp.float16)
 *   jnp.mean / var / std / nanvar / average (x, axis=None and axis=1);
 *   b = jnp.array([300, 301, 302, 30000], jnp.bfloat16): jnp.mean, jnp.var, jnp.average.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { grad, jit, type NDArray, np } from "../mod.ts";

describe("half-precision means and variances", () => {
  const x = np.array([[30000, 30016, 29984], [1.5, 2.25, 3.0]], { dtype: "float16" });

  it("np.mean, np.average, np.variance, np.std and np.nanvar of float16 match JAX's", () => {
    const cases: [string, (a: NDArray, o?: { axis: number }) => NDArray, number, number[]][] = [
      ["mean", np.mean, 15000, [30000, 2.25]],
      ["average", (a, o) => np.average(a, o?.axis ?? null), 15000, [30000, 2.25]],
      ["variance", np.variance, Infinity, [170.625, 0.375]],
      ["std", np.std, Infinity, [13.0625, 0.6123046875]],
      ["nanvar", np.nanvar, Infinity, [170.625, 0.375]],
    ];
    for (const [name, f, all, rows] of cases) {
      const a = f(x), r = f(x, { axis: 1 });
      assert.equal(a.dtype, "float16", name);
      assert.equal(a.item(), all, `${name}(x)`);
      assert.deepEqual(r.toArray(), rows, `${name}(x, axis 1)`);
      assert.deepEqual(jit((v: NDArray) => f(v, { axis: 1 }))(x).toArray(), rows, `jit ${name}`);
    }
    // nanmean stays in float16 in JAX too (its sum overflows): inf
    assert.equal(np.nanmean(x).item(), Infinity);
  });

  it("bfloat16 means and variances are computed in float32 too", () => {
    const b = np.array([300, 301, 302, 30000], { dtype: "bfloat16" });
    assert.equal(np.mean(b).item(), 7712);
    assert.equal(np.variance(b).item(), 164626432);
    assert.equal(np.average(b).item(), 7712);
  });

  it("their gradients stay float16 and spread evenly", () => {
    const h = np.array([1, 2, 3.5, 4], { dtype: "float16" });
    const g = grad((v: NDArray) => np.mean(v))(h);
    assert.equal(g.dtype, "float16");
    assert.deepEqual(g.toArray(), [0.25, 0.25, 0.25, 0.25]);
  });
});
