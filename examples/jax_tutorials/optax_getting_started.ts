/**
 * A port of the ideas in optax's "Getting started", written for difftrace: fit a linear
 * model with Adam, the optimizer an `{ init, update }` pair over the parameter pytree and
 * `applyUpdates` adding the updates. The loss trajectory and the final parameters are
 * checked against what JAX + optax compute for the same data.
 *
 *   deno run -A examples/jax_tutorials/optax_getting_started.ts
 */
import { jit, type NDArray, np, optim, valueAndGrad } from "../../mod.ts";
import { expectJax } from "./_check.ts";

type Params = { w: NDArray; b: NDArray };

/** Runs the tutorial; throws if a value differs from JAX + optax's. */
export function optaxGettingStarted(): void {
  // y = 3x − 0.5 plus a small deterministic wiggle, on 16 points of [−1, 1]
  const x = np.linspace(-1, 1, 16).reshape([16, 1]);
  const noise = np.sin(np.arange(0, 16, 1, { dtype: "float32" }).mul(7)).mul(0.1);
  const y = x.reshape([16]).mul(3).sub(0.5).add(noise);

  const mse = (p: Params, xb: NDArray, yb: NDArray) =>
    xb.matmul(p.w).add(p.b).sub(yb).square().mean();
  const opt = optim.adam(0.1);
  let params: Params = { w: np.zeros([1]), b: np.zeros([]) };
  let state = opt.init(params);
  const step = jit((p: Params, s: typeof state) => {
    const [value, grads] = valueAndGrad(mse)(p, x, y);
    const [updates, next] = opt.update(grads, s, p);
    return [optim.applyUpdates(p, updates), next, value] as const;
  });
  const losses: number[] = [];
  for (let i = 0; i < 100; i++) {
    const [p, s, value] = step(params, state);
    [params, state] = [p, s];
    losses.push(value.item());
  }
  expectJax("optax_losses_every_25", [0, 25, 50, 75, 99].map((i) => losses[i]), 1e-3);
  expectJax("optax_final_w", params.w, 1e-4);
  expectJax("optax_final_b", params.b, 1e-4);
}

if (import.meta.main) optaxGettingStarted();
