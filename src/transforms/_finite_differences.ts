/**
 * Central finite differences and the seeded random directions that `checkGrads`
 * probes a function with; the project's tests use them too (tests/_helpers.ts
 * re-exports them), so there is one copy of the recipe.
 *
 * Everything is computed in float64 whatever the arrays' dtypes: a point
 * x ± εv is rounded once to the argument's dtype, the difference quotient
 * (f(x + εv) − f(x − εv)) / 2ε and every inner product are float64.
 *
 * @module
 */
import { NDArray } from "../core/_ndarray.ts";
import { flatten, unflatten } from "../core/tree.ts";
import * as np from "../numpy/numpy.ts";

/** A function of any arguments (the shape `checkGrads` accepts). */
export type AnyFunction = (...args: never[]) => unknown;

/** Calls `f` with `args` spread (the arguments are pytrees, not checked here). */
export function callWith(f: AnyFunction, args: readonly unknown[]): unknown {
  return (f as unknown as (...a: unknown[]) => unknown)(...args);
}

/**
 * A small deterministic PRNG (splitmix32): the uniform numbers in [0, 1) of `seed`.
 *
 * @param seed Any number (its low 32 bits are used).
 * @returns A function returning the next number of the stream.
 */
export function makeRng(seed: number): () => number {
  let state = (seed | 0) ^ 0x9e3779b9;
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z ^= z >>> 16;
    return (z >>> 0) / 4294967296;
  };
}

/** The multi-index of flat (row-major) position `i` in an array of `shape`. */
export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = shape.length - 1; k >= 0; k--) {
    idx[k] = i % shape[k];
    i = Math.floor(i / shape[k]);
  }
  return idx;
}

/** The values of an array leaf as float64 (a copy). */
export function toF64(leaf: unknown, what = "a leaf"): Float64Array {
  if (!(leaf instanceof NDArray)) {
    throw new TypeError(`${what} must be an array, got ${leaf === null ? "null" : typeof leaf}.`);
  }
  return Float64Array.from(leaf.toTypedArray(), Number);
}

/**
 * A random pytree shaped like `like` (same structure, shapes and dtypes) with
 * values uniform in [−1, 1); leaf i draws from the stream of `seed · 7919 + i`.
 *
 * @param like A pytree of float arrays.
 * @param seed The seed.
 * @returns The random pytree.
 */
export function randomLike(like: unknown, seed: number): unknown {
  const [leaves, def] = flatten(like);
  return unflatten(
    def,
    leaves.map((l, i) => {
      const r = makeRng(seed * 7919 + i);
      const d = Float64Array.from({ length: l.size }, () => -1 + 2 * r());
      return np.array(d, { shape: l.shape, dtype: l.dtype });
    }),
  );
}

/** x + c·t leafwise in float64, rounded to x's dtype. */
function axpy(x: NDArray, t: NDArray, c: number): NDArray {
  const xs = toF64(x), ts = toF64(t);
  const out = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = xs[i] + c * ts[i];
  return np.array(out, { shape: x.shape, dtype: x.dtype });
}

/**
 * The directional derivative of `f` at `primals` along `tangents` by central
 * differences, (f(x + εv) − f(x − εv)) / 2ε, computed leafwise in float64.
 * `primals` and `tangents` hold one pytree per argument of `f`, of one structure
 * and shape; the result has the structure of `f`'s output, with float64 leaves.
 *
 * @param f The function.
 * @param primals The point x, one pytree per argument.
 * @param tangents The direction v, shaped like `primals`.
 * @param eps The step ε; 1e-5 by default (float64 arguments).
 * @returns J(x)·v by finite differences.
 */
export function numericalJvp(
  f: AnyFunction,
  primals: readonly unknown[],
  tangents: readonly unknown[],
  eps = 1e-5,
): unknown {
  const [pl, pd] = flatten(primals);
  const [tl, td] = flatten(tangents);
  if (!pd.equals(td)) {
    throw new TypeError(
      `numericalJvp: the tangents' structure ${td} differs from the primals' ${pd}.`,
    );
  }
  pl.forEach((p, i) => {
    const t = tl[i];
    if (!(p instanceof NDArray) || !(t instanceof NDArray) || p.size !== t.size) {
      throw new TypeError(
        `numericalJvp: primal and tangent leaf ${i} must be arrays of one size, got ` +
          `${p instanceof NDArray ? `[${p.shape}]` : typeof p} and ` +
          `${t instanceof NDArray ? `[${t.shape}]` : typeof t}.`,
      );
    }
  });
  const at = (c: number) => unflatten<unknown[]>(pd, pl.map((p, i) => axpy(p, tl[i], c)));
  const [plus, outDef] = flatten(callWith(f, at(eps)));
  const [minus] = flatten(callWith(f, at(-eps)));
  return unflatten(
    outDef,
    plus.map((p, i) => {
      const a = toF64(p, `numericalJvp: output leaf ${i}`), b = toF64(minus[i]);
      const d = new Float64Array(a.length);
      for (let k = 0; k < a.length; k++) d[k] = (a[k] - b[k]) / (2 * eps);
      return np.array(d, { shape: p.shape, dtype: "float64" });
    }),
  );
}

/**
 * ⟨a, b⟩ summed over every leaf of two pytrees of one structure, in float64.
 *
 * @param a A pytree of arrays.
 * @param b A pytree of arrays of the same structure and sizes.
 * @returns The inner product.
 */
export function treeVdot(a: unknown, b: unknown): number {
  const [al, ad] = flatten(a);
  const [bl, bd] = flatten(b);
  if (!ad.equals(bd)) throw new TypeError(`treeVdot: structures ${ad} and ${bd} differ.`);
  let s = 0;
  al.forEach((x, i) => {
    const xs = toF64(x, `treeVdot: leaf ${i}`), ys = toF64(bl[i], `treeVdot: leaf ${i}`);
    if (xs.length !== ys.length) {
      throw new TypeError(`treeVdot: leaf ${i} sizes differ (${xs.length} vs ${ys.length}).`);
    }
    for (let k = 0; k < xs.length; k++) s += xs[k] * ys[k];
  });
  return s;
}
