/**
 * Reads tests/fixtures/numpy.json and linalg.json (JAX's values and gradients, written by
 * gen_numpy.py and gen_linalg.py) and
 * checks a difftrace function against a case under every transform: eager values, jit, vmap
 * over a batch of two copies, grad against JAX's gradient, and (for float cases) jvp/vjp
 * against finite differences.
 */
import { readFileSync } from "node:fs";
import assert from "node:assert/strict";
import { grad, jit, type NDArray, np, vmap } from "../mod.ts";
import { assertAllClose, checkGrads, type Nested } from "./_helpers.ts";

interface Case {
  args: Nested[];
  out: Nested;
  grads?: Nested[];
  [k: string]: unknown;
}

const load = (file: string): Record<string, Case> =>
  JSON.parse(
    readFileSync(new URL(`./fixtures/${file}`, import.meta.url), "utf8"),
    (_k, v) => (v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : v),
  );
// numpy.json from gen_numpy.py; linalg.json (qr, svd and what builds on them) from gen_linalg.py;
// numpy_more.json (cases named "more.*") from gen_numpy_more.py
const cases: Record<string, Case> = {
  ...load("numpy.json"),
  ...load("linalg.json"),
  ...load("numpy_more.json"),
};

/** The fixture case `name` (throws when the generator has not recorded it). */
export function fixture(name: string): Case {
  const c = cases[name];
  assert.ok(c, `no fixture ${name} in tests/fixtures/numpy.json; re-run gen_numpy.py`);
  return c;
}

function dtypeOf(v: Nested): np.DType {
  let p: Nested = v;
  while (Array.isArray(p)) p = (p as Nested[])[0];
  return typeof p === "boolean" ? "bool" : "float64";
}

/** The arguments of a case as arrays (float64, or int32 when `int`). */
export function fixtureArgs(name: string, int = false): NDArray[] {
  return fixture(name).args.map((a) => np.array(a, { dtype: int ? "int32" : dtypeOf(a) }));
}

/** Options of {@link checkFixture}. */
export interface FixtureOptions {
  /** Integer inputs. */
  int?: boolean;
  /** Tolerance for values (default 1e-12 relative). */
  rtol?: number;
  atol?: number;
  /** Which arguments JAX's recorded gradients belong to (all by default). */
  gradArgnums?: number[];
  /** Skip the finite-difference check (e.g. piecewise-constant functions). */
  noFiniteDifferences?: boolean;
}

/** Checks `f` against the fixture `name` eagerly, under jit and vmap, and its gradients. */
export function checkFixture(
  name: string,
  f: (...xs: NDArray[]) => NDArray,
  options: FixtureOptions = {},
): void {
  const c = fixture(name);
  const args = fixtureArgs(name, options.int);
  const tol = { rtol: options.rtol ?? 1e-12, atol: options.atol ?? 1e-12 };
  assertAllClose(f(...args), c.out, { ...tol, message: `${name} value` });
  assertAllClose(jit(f)(...args), c.out, { ...tol, message: `${name} under jit` });
  // vmap over a batch of two: the input and the input reversed along its flattened elements
  const flip = (x: NDArray) =>
    np.array(Array.from(x.toTypedArray()).reverse() as number[], {
      dtype: x.dtype,
      shape: x.shape,
    });
  const batched = args.map((a) => np.stack([a, a.ndim ? flip(a) : a]));
  const vm = vmap(f)(...batched);
  assertAllClose(vm, np.stack([f(...args), f(...args.map((a) => a.ndim ? flip(a) : a))]), {
    ...tol,
    message: `${name} under vmap`,
  });
  if (!c.grads) return;
  const out = f(...args);
  const n = out.size;
  const w = np.array(
    Array.from({ length: n }, (_, i) => (n === 1 ? 0.5 : 0.5 + i / (n - 1))),
    { dtype: "float64", shape: out.shape },
  );
  const argnums = options.gradArgnums ?? args.map((_, i) => i);
  const g: NDArray[] = [];
  const gs = grad((...xs: NDArray[]) => f(...xs).mul(w).sum(), { argnums })(...args) as NDArray[];
  argnums.forEach((i, k) => (g[i] = gs[k]));
  c.grads.forEach((gj, k) => {
    const i = options.gradArgnums?.[k] ?? k;
    assertAllClose(g[i], gj, { rtol: 1e-9, atol: 1e-10, message: `${name} grad ${i}` });
  });
  if (options.noFiniteDifferences) return;
  if (options.gradArgnums) {
    // finite differences in the differentiable arguments only
    const fixed = (...xs: NDArray[]) => {
      const all = [...args];
      options.gradArgnums!.forEach((i, k) => (all[i] = xs[k]));
      return f(...all);
    };
    checkGrads(fixed, options.gradArgnums.map((i) => args[i]), { rtol: 1e-5, atol: 1e-6 });
  } else checkGrads(f, args, { rtol: 1e-5, atol: 1e-6 });
}
