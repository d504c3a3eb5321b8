/**
 * `checkGrads`, as `jax.test_util.check_grads`: checks a function's forward-
 * and reverse-mode derivatives against central finite differences, and the
 * two modes against each other through ⟨Jᵀw, v⟩ = ⟨w, J·v⟩, on random
 * directions; with `order` > 1 it checks the derivative functions again.
 *
 * @module
 */
import { NDArray } from "../core/_ndarray.ts";
import { flatten, leaves, unflatten } from "../core/tree.ts";
import * as np from "../numpy/numpy.ts";
import { jvp, vjp } from "./autodiff.ts";

/** Options of {@link checkGrads}. */
export interface CheckGradsOptions {
  /** How many orders of derivatives to check; 1 (first derivatives) by default. */
  order?: number;
  /** The modes to check: "fwd" (jvp), "rev" (vjp); both by default. */
  modes?: readonly ("fwd" | "rev")[];
  /** The finite-difference step; 1e-5 for float64 arguments, 1e-3 when any is float32. */
  eps?: number;
  /** Relative tolerance; 1e-5 for float64, 2e-2 when any argument is float32. */
  rtol?: number;
  /** Absolute tolerance; 1e-6 for float64, 2e-2 when any argument is float32. */
  atol?: number;
  /** Seed of the random directions; 1 by default. */
  seed?: number;
}

type Fn = (...args: never[]) => unknown;
const call = (f: Fn, args: readonly unknown[]) =>
  (f as unknown as (...a: unknown[]) => unknown)(...args);

function rng(seed: number): () => number {
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

const f64 = (x: NDArray) => Float64Array.from(x.toTypedArray(), Number);

/** A random pytree shaped like `like`, values in [−1, 1). */
function randomLike(like: unknown, seed: number): unknown {
  const [ls, def] = flatten(like);
  return unflatten(
    def,
    ls.map((l, i) => {
      const r = rng(seed * 7919 + i);
      const d = Float64Array.from({ length: l.size }, () => -1 + 2 * r());
      return np.array(d, { shape: l.shape, dtype: l.dtype });
    }),
  );
}

/** (f(x + εv) − f(x − εv)) / 2ε, leafwise in float64. */
function numericalJvp(f: Fn, primals: readonly unknown[], tangents: unknown, eps: number): unknown {
  const [pl, pd] = flatten(primals);
  const tl = leaves(tangents);
  const at = (c: number) =>
    unflatten<unknown[]>(
      pd,
      pl.map((p, i) => {
        const xs = f64(p), ts = f64(tl[i]);
        return np.array(xs.map((x, k) => x + c * ts[k]), { shape: p.shape, dtype: p.dtype });
      }),
    );
  const [plus, outDef] = flatten(call(f, at(eps)));
  const minus = leaves(call(f, at(-eps)));
  return unflatten(
    outDef,
    plus.map((p, i) => {
      const a = f64(p), b = f64(minus[i]);
      return np.array(a.map((x, k) => (x - b[k]) / (2 * eps)), {
        shape: p.shape,
        dtype: "float64",
      });
    }),
  );
}

function vdot(a: unknown, b: unknown): number {
  const al = leaves(a), bl = leaves(b);
  let s = 0;
  al.forEach((x, i) => {
    const xs = f64(x), ys = f64(bl[i]);
    for (let k = 0; k < xs.length; k++) s += xs[k] * ys[k];
  });
  return s;
}

function fail(what: string, detail: string): never {
  throw new Error(`checkGrads: ${what} disagree: ${detail}.`);
}

function allClose(what: string, actual: unknown, expected: unknown, rtol: number, atol: number) {
  const al = leaves(actual), el = leaves(expected);
  al.forEach((a, i) => {
    const xs = f64(a), ys = f64(el[i]);
    for (let k = 0; k < xs.length; k++) {
      const err = Math.abs(xs[k] - ys[k]);
      if (!(err <= atol + rtol * Math.abs(ys[k]))) {
        fail(
          what,
          `output leaf ${i} element ${k}: ${xs[k]} vs ${ys[k]} (rtol ${rtol}, atol ${atol})`,
        );
      }
    }
  });
}

/**
 * Checks the derivatives of `f` at `args` (one pytree of float arrays per
 * argument), as `jax.test_util.check_grads`: "fwd" compares `jvp` with central
 * differences along a random tangent; "rev" compares `vjp` with them through
 * ⟨Jᵀw, v⟩ = ⟨w, FD(v)⟩, and with `jvp` through the same identity (to rounding);
 * `order` > 1 repeats the checks on the jvp and vjp functions. Throws an Error
 * naming the check that failed. Use float64 arguments for tight tolerances.
 *
 * @param f The function, of `args.length` arguments.
 * @param args The point: arrays (or pytrees of arrays).
 * @param options `order` (1), `modes` (both), `eps`, `rtol`, `atol`, `seed`.
 *
 * @example
 * ```ts
 * import { checkGrads, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const x = np.array([0.3, -1.2], { dtype: "float64" });
 * checkGrads((v: np.NDArray) => np.sin(v).mul(v).sum(), [x], { order: 2 });
 * // a wrong derivative is caught
 * assert.throws(() => checkGrads((v: np.NDArray) => np.stopGradient(v).square().sum(), [x]));
 * ```
 */
export function checkGrads(
  f: (...args: never[]) => unknown,
  args: readonly unknown[],
  options: CheckGradsOptions = {},
): void {
  if (typeof f !== "function") {
    throw new TypeError(`checkGrads: f must be a function, got ${typeof f}.`);
  }
  if (!Array.isArray(args)) {
    throw new TypeError(`checkGrads: args must be a list with one entry per argument of f.`);
  }
  const known = ["order", "modes", "eps", "rtol", "atol", "seed"];
  const unknown = Object.keys(options).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    throw new TypeError(
      `checkGrads: unknown option ${unknown.join(", ")}; known: ${known.join(", ")}.`,
    );
  }
  const { order = 1, modes = ["fwd", "rev"], seed = 1 } = options;
  if (!Number.isInteger(order) || order < 1) {
    throw new RangeError(`checkGrads: order must be a positive integer, got ${order}.`);
  }
  for (const m of modes) {
    if (m !== "fwd" && m !== "rev") {
      throw new RangeError(`checkGrads: modes are "fwd" and "rev", got ${m}.`);
    }
  }
  const leafList = leaves(args);
  if (
    leafList.some((l) =>
      !(l instanceof NDArray) || (l.dtype !== "float32" && l.dtype !== "float64")
    )
  ) {
    throw new TypeError(`checkGrads: every argument leaf must be a float32 or float64 array.`);
  }
  const low = leafList.some((l) => l.dtype === "float32");
  const eps = options.eps ?? (low ? 1e-3 : 1e-5);
  const rtol = options.rtol ?? (low ? 2e-2 : 1e-5);
  const atol = options.atol ?? (low ? 2e-2 : 1e-6);
  const v = randomLike(args, seed) as unknown[];
  const fd = numericalJvp(f, args, v, eps);
  const fdScale = Math.max(1, ...leaves(fd).map((l) => Math.max(...f64(l).map(Math.abs))));
  const fn = f as unknown as (...a: unknown[]) => unknown;
  let w: unknown;
  if (modes.includes("fwd")) {
    const [, tOut] = jvp(fn, [...args], v);
    allClose(`jvp and finite differences (order ${order})`, tOut, fd, rtol, atol);
    w = randomLike(tOut, seed + 1);
  }
  if (modes.includes("rev")) {
    const [out, pullback] = vjp(fn, ...args);
    w ??= randomLike(out, seed + 1);
    const lhs = vdot(pullback(w), v);
    const scale = fdScale * Math.max(1, Math.sqrt(leaves(w).reduce((n, l) => n + l.size, 0)));
    const rhs = vdot(w, fd);
    if (!(Math.abs(lhs - rhs) <= atol * scale + rtol * Math.abs(rhs))) {
      fail(`vjp and finite differences (order ${order})`, `⟨Jᵀw, v⟩ = ${lhs}, ⟨w, FD(v)⟩ = ${rhs}`);
    }
  }
  if (order > 1) {
    const next = { ...options, order: order - 1, seed: seed + 2 };
    if (modes.includes("fwd")) checkGrads((...xs: unknown[]) => jvp(fn, xs, v)[1], args, next);
    if (modes.includes("rev")) {
      const wFixed = w ?? randomLike(call(f, args), seed + 1);
      checkGrads((...xs: unknown[]) => vjp(fn, ...xs)[1](wFixed), args, next);
    }
  }
}
