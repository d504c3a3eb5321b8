/**
 * Custom gradients: a fixed-point solver differentiated implicitly, and gradient clipping
 * inside the backward pass.
 *
 *   deno run -A examples/implicit_gradients.ts     (or: bun run examples/implicit_gradients.ts)
 *
 * 1. `fixedPoint(f, a, z0)` finds z⋆ = f(a, z⋆) with `lax.whileLoop` (the number of
 *    iterations depends on the data). Reverse mode cannot go through a while loop, and
 *    should not: by the implicit function theorem, with z⋆ = f(a, z⋆),
 *      ∂z⋆ / ∂a = (I − ∂f/∂z)⁻¹ ∂f/∂a,
 *    so the VJP solves u = ḡ + (∂f/∂z)ᵀ u (another fixed point, by `whileLoop`) and returns
 *    (∂f/∂a)ᵀ u. `customVjp` installs that rule; `grad` then works, with no iterate stored.
 *    Checked on the square root (Babylonian iteration z ← (z + a/z)/2, d√a/da = 1/(2√a)) and
 *    on a small tanh equilibrium layer against finite differences.
 * 2. `clipGradient(x, c)` is the identity whose backward pass clips the cotangent to [−c, c].
 */
import { customVjp, grad, lax, type NDArray, np, vjp } from "../mod.ts";

/** Iterates z ← f(z) until the largest change is below `tol` (at most `maxIter` times). */
function iterate(f: (z: NDArray) => NDArray, z0: NDArray, tol = 1e-10, maxIter = 500): NDArray {
  const [, z] = lax.whileLoop(
    ([i, z, prev]: NDArray[]) =>
      np.logicalAnd(i.less(maxIter), np.max(np.abs(z.sub(prev))).greater(tol)),
    ([i, z]: NDArray[]) => [i.add(1), f(z), z],
    [np.array(0, { dtype: "int32" }), f(z0), z0],
  );
  return z;
}

/** z⋆ = f(a, z⋆), differentiable in `a` through the implicit function theorem. */
export const fixedPoint: (
  f: (a: NDArray, z: NDArray) => NDArray,
  a: NDArray,
  z0: NDArray,
) => NDArray = customVjp(
  (f: (a: NDArray, z: NDArray) => NDArray, a: NDArray, z0: NDArray) => iterate((z) => f(a, z), z0),
  { nondiffArgnums: [0] },
).defvjp(
  (f, a, z0) => {
    const z = iterate((z) => f(a, z), z0);
    return [z, { a, z, f }];
  },
  ({ a, z, f }: { a: NDArray; z: NDArray; f: (a: NDArray, z: NDArray) => NDArray }, g) => {
    // u = g + (∂f/∂z)ᵀ u, then ā = (∂f/∂a)ᵀ u
    const [, pullZ] = vjp((zz: NDArray) => f(a, zz), z);
    const u = iterate((u) => g.add(pullZ(u)[0]), g);
    const [, pullA] = vjp((aa: NDArray) => f(aa, z), a);
    return [null, pullA(u)[0], null];
  },
);

/** The identity, whose backward pass clips the cotangent to [−c, c]. */
export const clipGradient: (x: NDArray, c: number) => NDArray = customVjp(
  (x: NDArray, _c: number) => x,
  { nondiffArgnums: [1] },
).defvjp(
  (x, c) => [x, c],
  (c: number, g: NDArray) => [g.clip(-c, c), null],
);

/** What the example measured. */
export interface ImplicitResult {
  sqrtValue: number;
  sqrtGrad: number;
  sqrtGradExact: number;
  equilibriumGrad: number[];
  equilibriumFiniteDiff: number[];
  whileLoopGradError: string;
  clipped: number;
}

/** Runs both demonstrations (float64). */
export function runImplicitGradients(): ImplicitResult {
  const f64 = (x: number | number[] | number[][]) => np.array(x, { dtype: "float64" });
  const babylon = (a: NDArray, z: NDArray) => z.add(a.div(z)).mul(0.5);
  const sqrt = (a: NDArray) => fixedPoint(babylon, a, f64(1));
  const a = f64(2);

  // an equilibrium layer z = tanh(W z + x): loss = sum(z*), gradient w.r.t. x
  const W = f64([[0.3, -0.2, 0.1], [0.1, 0.2, -0.3], [-0.2, 0.1, 0.25]]);
  const layer = (x: NDArray, z: NDArray) => np.tanh(np.matmul(W, z).add(x));
  const loss = (x: NDArray) => fixedPoint(layer, x, np.zeros([3], { dtype: "float64" })).sum();
  const x = f64([0.5, -1, 0.25]);
  const eps = 1e-6;
  const fd = [0, 1, 2].map((i) => {
    const e = np.zeros([3], { dtype: "float64" }).add(
      np.eye(3, 3, { dtype: "float64" }).slice(i).mul(eps),
    );
    return ((loss(x.add(e)).item() as number) - (loss(x.sub(e)).item() as number)) / (2 * eps);
  });

  let whileLoopGradError = "";
  try {
    grad((a: NDArray) => iterate((z) => babylon(a, z), f64(1)))(a);
  } catch (e) {
    whileLoopGradError = (e as Error).message;
  }
  return {
    sqrtValue: sqrt(a).item() as number,
    sqrtGrad: grad(sqrt)(a).item() as number,
    sqrtGradExact: 1 / (2 * Math.sqrt(2)),
    equilibriumGrad: Array.from(grad(loss)(x).toTypedArray()),
    equilibriumFiniteDiff: fd,
    whileLoopGradError,
    clipped: grad((v: NDArray) => clipGradient(v, 1).mul(5))(f64(3)).item() as number,
  };
}

if (import.meta.main) {
  const r = runImplicitGradients();
  console.log(`√2 by fixed point: ${r.sqrtValue} (Math.sqrt: ${Math.SQRT2})`);
  console.log(`d√a/da at 2, implicit: ${r.sqrtGrad}  exact 1/(2√2): ${r.sqrtGradExact}`);
  console.log(`equilibrium layer, grad of sum(z*): ${r.equilibriumGrad.map((v) => v.toFixed(8))}`);
  console.log(
    `                 finite differences: ${r.equilibriumFiniteDiff.map((v) => v.toFixed(8))}`,
  );
  console.log(`grad through the raw whileLoop: ${r.whileLoopGradError.split(":")[0]}: ...`);
  console.log(`grad of clipGradient(x, 1)·5: ${r.clipped} (unclipped: 5)`);
}
