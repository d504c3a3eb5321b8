/**
 * A port of the ideas in JAX's "Just-in-time compilation" tutorial, written for difftrace:
 * compiling SELU with `jit`, looking at the traced program, branching with `np.where`
 * instead of `if`, and static arguments for Python-style (here JS) control flow. Every
 * printed value is checked against what JAX computes for the same inputs, the random
 * normal draws from `random.key(1701)` included.
 *
 *   deno run -A examples/jax_tutorials/jit.ts
 */
import { jit, makeJaxpr, type NDArray, np, random } from "../../mod.ts";
import { expectJax } from "./_check.ts";

/** Scaled exponential linear unit; `np.where` selects elementwise, so it traces. */
export function selu(x: NDArray, alpha = 1.67, lambda = 1.05): NDArray {
  return np.where(x.greater(0), x, x.exp().mul(alpha).sub(alpha)).mul(lambda);
}

/** Runs the tutorial's cells; throws if a value differs from JAX's. */
export function jitTutorial(): void {
  const x = random.normal(random.key(1701), [1000]);
  expectJax("selu_random_first", x.slice([0, 3]));
  const seluJit = jit((v: NDArray) => selu(v));
  expectJax("selu_random_sum", seluJit(x).sum(), 1e-4);
  expectJax("selu_small", seluJit(np.array([-1, 0, 2])));

  // the program jit compiles: one equation per primitive, shapes and dtypes only
  console.log(makeJaxpr((v: NDArray) => selu(v))(np.zeros([3])).toString());

  // an `if` on a traced value cannot work under jit: the value is not known while tracing
  try {
    jit((v: NDArray) => ((v as unknown as number) > 0 ? v : v.neg()))(np.array(1));
    throw new Error("expected a TypeError");
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    console.log(`as expected: ${e.message.split(".")[0]}.`);
  }

  // a static argument is a plain JS value: loops over it unroll while tracing
  const g = jit((v: NDArray, n: number) => {
    let i = 0;
    while (i < n) i += 1;
    return v.add(i);
  }, { staticArgnums: [1] });
  expectJax("static_loop", g(np.array(10), 20));
}

if (import.meta.main) jitTutorial();
