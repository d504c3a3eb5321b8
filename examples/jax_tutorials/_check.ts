/**
 * Shared by the tutorial ports: JAX's printed values (examples/jax_tutorials/jax_values.json,
 * written by tests/fixtures/gen_tutorials.py) and a check that difftrace reproduces them.
 */
import type { NDArray } from "../../mod.ts";
import expected from "./jax_values.json" with { type: "json" };

type Nested = number | Nested[];
const values = expected.values as unknown as Record<string, Nested>;

function flat(x: Nested): number[] {
  return Array.isArray(x) ? x.flatMap(flat) : [x];
}

/**
 * Prints `name` and throws unless `actual` matches what JAX printed, element by element,
 * within `rtol` (float32 rounding differs a little between two implementations).
 */
export function expectJax(name: string, actual: NDArray | number | number[], rtol = 1e-5): void {
  const want = values[name];
  if (want === undefined) throw new Error(`no JAX value named ${name}`);
  const got = typeof actual === "number"
    ? [actual]
    : Array.isArray(actual)
    ? actual
    : Array.from(actual.toTypedArray(), Number);
  const w = flat(want);
  if (got.length !== w.length) {
    throw new Error(`${name}: ${got.length} values, JAX printed ${w.length}`);
  }
  got.forEach((g, i) => {
    if (!(Math.abs(g - w[i]) <= rtol * Math.abs(w[i]) + 1e-6)) {
      throw new Error(`${name}[${i}]: difftrace ${g}, JAX ${w[i]}`);
    }
  });
  console.log(`${name}: ${JSON.stringify(got.map((v) => Number(v.toPrecision(7))))} (as JAX)`);
}
