/**
 * A port of the ideas in JAX's "Automatic vectorization" tutorial, written for difftrace:
 * a 1-D convolution written for one example, batched three ways — by hand, with `vmap`,
 * and with `vmap` over other axes or with a shared argument. Every printed value is
 * checked against what JAX computes for the same inputs.
 *
 *   deno run -A examples/jax_tutorials/vectorization.ts
 */
import { type NDArray, np, vmap } from "../../mod.ts";
import { expectJax } from "./_check.ts";

/** A "valid" 1-D convolution of `x` with a 3-tap kernel `w`, one output at a time. */
export function convolve(x: NDArray, w: NDArray): NDArray {
  const out: NDArray[] = [];
  for (let i = 1; i < x.shape[0] - 1; i++) out.push(np.dot(x.slice([i - 1, i + 2]), w));
  return np.stack(out);
}

/** Runs the tutorial's cells; throws if a value differs from JAX's. */
export function vectorization(): void {
  const x = np.arange(0, 5, 1, { dtype: "float32" });
  const w = np.array([2, 3, 4]);
  expectJax("convolve", convolve(x, w));

  const xs = np.stack([x, x.mul(2)]);
  const ws = np.stack([w, np.flip(w)]);
  // by hand: loop over the batch and stack the results
  const manual = np.stack([0, 1].map((i) => convolve(xs.slice(i), ws.slice(i))));
  expectJax("convolve_batched", manual);
  // vmap: the same function, the batch axis added for us
  expectJax("convolve_batched", vmap(convolve)(xs, ws));
  // one kernel for every example: inAxes null leaves w unbatched
  expectJax("convolve_shared_w", vmap(convolve, { inAxes: [0, null] })(xs, w));
  // the batch along axis 1 of both inputs
  expectJax("convolve_axes_1", vmap(convolve, { inAxes: [1, 1] })(xs.T, ws.T));
}

if (import.meta.main) vectorization();
