/**
 * L-BFGS with its default zoom line search (a `lax.whileLoop` of `lax.cond`s evaluating the
 * objective and its gradient at trial steps), measured: time per optimizer step eagerly and
 * with the whole step under `jit`, on the Rosenbrock-like pytree objective of
 * tests/fixtures/gen_optim2.py (both runs reach the same value).
 *
 *   deno run -A bench/optim_lbfgs_bench.ts      (or: bun run bench/optim_lbfgs_bench.ts)
 */
import { jit, np, optim, valueAndGrad } from "../mod.ts";

type P = { w: np.NDArray; b: np.NDArray };
/** Σ(1 − w)² + 2 Σ(w₁ − w₀²)² + Σ(b − ½)⁴ + Σ b². */
const f = (p: P) => {
  const w0 = np.slice(p.w, [[0, 1]]), w1 = np.slice(p.w, [[1, 2]]);
  return np.sum(np.sub(1, p.w).square())
    .add(np.sum(w1.sub(w0.square()).square()).mul(2))
    .add(np.sum(p.b.sub(0.5).pow(4)))
    .add(np.sum(p.b.square()));
};
const opt = optim.lbfgs();
const step = (p: P, s: unknown): [P, unknown] => {
  const [value, g] = valueAndGrad(f)(p);
  const [u, next] = opt.update(g, s as never, p, {
    value,
    grad: g,
    valueFn: f as (p: unknown) => np.NDArray,
  });
  return [optim.applyUpdates(p, u as P), next];
};
const STEPS = 20;
for (const [name, fn] of [["eager", step], ["jit", jit(step)]] as const) {
  let p: P = {
    w: np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]),
    b: np.array([0.1, -0.2, 0.3]),
  };
  let s: unknown = opt.init(p);
  [p, s] = fn(p, s); // warm-up: traces and compiles the jitted step
  const t0 = performance.now();
  for (let i = 0; i < STEPS; i++) [p, s] = fn(p, s);
  const ms = (performance.now() - t0) / STEPS;
  console.log(`lbfgs ${name.padEnd(5)} ${ms.toFixed(2)} ms/step   f = ${f(p).item()}`);
}
