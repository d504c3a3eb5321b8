/**
 * `checkGrads`, as `jax.test_util.check_grads`: checks a function's forward-
 * and reverse-mode derivatives against central finite differences on random
 * directions v (inputs) and w (outputs), in float64:
 *   fwd:  J·v        ≈ (f(x + εv) − f(x − εv)) / 2ε          elementwise
 *   rev:  ⟨Jᵀw, v⟩    ≈ ⟨w, (f(x + εv) − f(x − εv)) / 2ε⟩
 *   both: ⟨Jᵀw, v⟩    = ⟨w, J·v⟩                              to rounding
 * and, with `order` > 1, the same checks on x ↦ J(x)·v and x ↦ J(x)ᵀw
 * (jvp-of-jvp, vjp-of-vjp). The cotangents must match the arguments leaf for
 * leaf in structure, shape and dtype. A failure names the check, the function
 * (f or one of its derivative maps), the output or argument leaf and the worst
 * element. The project's own tests use this checker (tests/_helpers.ts re-exports it).
 *
 * @module
 */
import { NDArray } from "../core/_ndarray.ts";
import { isFloat } from "../core/_dtype.ts";
import { flatten, flattenWithPath, type KeyPath, keystr, unflatten } from "../core/tree.ts";
import * as np from "../numpy/numpy.ts";
import { jvp, vjp } from "./autodiff.ts";
import { numericalJvp, randomLike, toF64, treeVdot, unravel } from "./_finite_differences.ts";

/** Options of {@link checkGrads}. */
export interface CheckGradsOptions {
  /** How many orders of derivatives to check; 1 (first derivatives) by default. */
  order?: number;
  /** The modes to check: "fwd" (jvp), "rev" (vjp); both by default. */
  modes?: readonly ("fwd" | "rev")[];
  /**
   * The finite-difference step; by the least precise argument dtype: 1e-5 (float64),
   * 1e-3 (float32), 0.1 (float16), 0.2 (bfloat16).
   */
  eps?: number;
  /** Relative tolerance; 1e-5 (float64), 2e-2 (float32), 0.1 (float16), 0.3 (bfloat16). */
  rtol?: number;
  /** Absolute tolerance; 1e-6 (float64), 2e-2 (float32), 0.1 (float16), 0.3 (bfloat16). */
  atol?: number;
  /** Seed of the random directions (an integer); 1 by default. */
  seed?: number;
}

interface Settings {
  fwd: boolean;
  rev: boolean;
  eps: number;
  rtol: number;
  atol: number;
  order: number;
  /** Relative rounding floor of the jvp/vjp identity: 32 units of roundoff of the dtype. */
  rounding: number;
}

/**
 * Defaults by the least precise argument dtype. Central differences err by about
 * ε²·|f‴|/6 (truncation) + u·|f|/ε (rounding, u the unit roundoff), least near ε ≈ u^⅓;
 * the steps sit near there, and the tolerances a few times above the error that leaves
 * (measured on sin, tanh, exp, softmax, log at |x| ≤ 2: float16 1.8e-2 at ε 0.1,
 * bfloat16 7e-2 at ε 0.2). Half precision checks only gross errors: prefer float64.
 */
const DEFAULTS: Record<string, { eps: number; rtol: number; atol: number; u: number }> = {
  float64: { eps: 1e-5, rtol: 1e-5, atol: 1e-6, u: 2 ** -53 },
  float32: { eps: 1e-3, rtol: 2e-2, atol: 2e-2, u: 2 ** -24 },
  float16: { eps: 1e-1, rtol: 1e-1, atol: 1e-1, u: 2 ** -11 },
  bfloat16: { eps: 2e-1, rtol: 3e-1, atol: 3e-1, u: 2 ** -8 },
};

type Fn = (...a: unknown[]) => unknown;

const argName = (path: KeyPath) => `args${keystr(path)}`;
const outName = (path: KeyPath) => `output${keystr(path)}`;
const fmtShape = (shape: readonly number[]) => `[${shape.join(", ")}]`;

function maxAbs(tree: unknown): number {
  let m = 0;
  for (const l of flatten(tree)[0]) for (const x of toF64(l)) m = Math.max(m, Math.abs(x));
  return m;
}

function fail(what: string, context: string, detail: string): never {
  throw new Error(`checkGrads: ${what} disagree for ${context}: ${detail}`);
}

/** Outputs must be float arrays: a derivative of anything else is not checkable. */
function checkOutputs(out: unknown, context: string): void {
  const pairs = flattenWithPath(out);
  if (pairs.length === 0) {
    throw new TypeError(
      `checkGrads: ${context} returned no arrays, so there is nothing to check; return the ` +
        `value(s) to differentiate.`,
    );
  }
  for (const [path, leaf] of pairs) {
    if (!(leaf instanceof NDArray) || !isFloat(leaf.dtype)) {
      throw new TypeError(
        `checkGrads: ${outName(path)} of ${context} is ` +
          `${leaf instanceof NDArray ? `a ${leaf.dtype} array` : typeof leaf}; every output ` +
          `leaf must be a float array (return only the differentiable outputs).`,
      );
    }
  }
}

/** `actual` (a jvp's tangents) against `fd` elementwise; reports the worst element. */
function compareTangents(actual: unknown, out: unknown, fd: unknown, s: Settings, context: string) {
  const [tl, td] = flatten(actual);
  const [ol, od] = flatten(out);
  const fdPairs = flattenWithPath(fd);
  if (!td.equals(od)) {
    fail("jvp and finite differences", context, `jvp's tangents have structure ${td}, f's ${od}.`);
  }
  fdPairs.forEach(([path, e], i) => {
    const t = tl[i], o = ol[i];
    if (!(t instanceof NDArray) || String(t.shape) !== String(o.shape) || t.dtype !== o.dtype) {
      fail(
        "jvp and finite differences",
        context,
        `the tangent of ${outName(path)} is ` +
          `${t instanceof NDArray ? `${t.dtype}${fmtShape(t.shape)}` : typeof t} but the output ` +
          `is ${o.dtype}${fmtShape(o.shape)}.`,
      );
    }
    const xs = toF64(t), ys = toF64(e);
    let worst = -1, worstExcess = -Infinity, bad = 0;
    for (let k = 0; k < xs.length; k++) {
      // NaN or ±∞ anywhere fails: a derivative check at such a point checks nothing
      const excess = Math.abs(xs[k] - ys[k]) - (s.atol + s.rtol * Math.abs(ys[k]));
      if (!(excess <= 0)) {
        bad++;
        if (!(excess <= worstExcess)) [worst, worstExcess] = [k, excess];
      }
    }
    if (worst >= 0) {
      const x = xs[worst], y = ys[worst];
      fail(
        "jvp and finite differences",
        context,
        `at ${outName(path)} index ${fmtShape(unravel(worst, o.shape))} the jvp gives ${x} but ` +
          `central differences give ${y} (|diff| ${Math.abs(x - y)} > atol + rtol·|fd| = ` +
          `${s.atol + s.rtol * Math.abs(y)}); ${bad} of ${xs.length} elements of ` +
          `${outName(path)} ${o.dtype}${fmtShape(o.shape)} differ (eps ${s.eps}, rtol ${s.rtol}, ` +
          `atol ${s.atol}). A wrong derivative rule, or a point where f is not smooth.`,
      );
    }
  });
}

/** The cotangents of `args` must have their structure, shapes and dtypes. */
function checkCotangents(ct: unknown, args: readonly unknown[], context: string): void {
  const [cl, cd] = flatten(ct);
  const [, ad] = flatten(args);
  if (!cd.equals(ad)) {
    throw new TypeError(
      `checkGrads: vjp's cotangents for ${context} have structure ${cd}, the arguments ${ad}; ` +
        `a pullback must return one cotangent per argument, shaped like it.`,
    );
  }
  flattenWithPath(args).forEach(([path, a], i) => {
    const c = cl[i];
    if (!(c instanceof NDArray) || String(c.shape) !== String(a.shape) || c.dtype !== a.dtype) {
      throw new TypeError(
        `checkGrads: vjp's cotangent of ${argName(path)} for ${context} is ` +
          `${c instanceof NDArray ? `${c.dtype}${fmtShape(c.shape)}` : typeof c} but the ` +
          `argument is ${a.dtype}${fmtShape(a.shape)}.`,
      );
    }
  });
}

/** The directions v restricted to leaf `i` (optionally to its element `k`); zeros elsewhere. */
function restrict(v: readonly unknown[], i: number, k?: number): unknown[] {
  const [vl, vd] = flatten(v);
  return unflatten<unknown[]>(
    vd,
    vl.map((l, j) => {
      if (j !== i) return np.array(new Float64Array(l.size), { shape: l.shape, dtype: l.dtype });
      if (k === undefined) return l;
      const d = new Float64Array(l.size);
      d[k] = 1;
      return np.array(d, { shape: l.shape, dtype: l.dtype });
    }),
  );
}

/**
 * Where ⟨Jᵀw, v⟩ and ⟨w, D(v)⟩ part: splits v by argument leaf (and, for a leaf of
 * ≤ 64 elements, by element, where ⟨Jᵀw, eₖ⟩ is the cotangent's element k) and
 * names the worst. `directional(d)` is ⟨w, D(d)⟩ for the reference derivative D.
 */
function localize(
  args: readonly unknown[],
  ct: unknown,
  v: readonly unknown[],
  reference: string,
  directional: (d: readonly unknown[]) => number,
): string {
  const argPairs = flattenWithPath(args);
  const cl = flatten(ct)[0], vl = flatten(v)[0];
  let worst = -1, worstDiff = -1;
  const parts = argPairs.map(([path], i) => {
    const lhs = treeVdot(cl[i], vl[i]), rhs = directional(restrict(v, i));
    const diff = Math.abs(lhs - rhs);
    if (!(diff <= worstDiff)) [worst, worstDiff] = [i, diff];
    return `${argName(path)}: ${lhs} vs ${rhs}`;
  });
  let detail = argPairs.length > 1 ? ` Split by argument leaf: ${parts.join("; ")}.` : "";
  const [path, a] = argPairs[worst];
  if (a.size <= 64) {
    const g = toF64(cl[worst]);
    let k0 = 0, d0 = -1, r0 = 0;
    for (let k = 0; k < a.size; k++) {
      const r = directional(restrict(v, worst, k));
      const d = Math.abs(g[k] - r);
      if (!(d <= d0)) [k0, d0, r0] = [k, d, r];
    }
    detail += ` The worst element: (Jᵀw) at ${argName(path)} index ` +
      `${fmtShape(unravel(k0, a.shape))} is ${g[k0]} but ${reference} give ${r0}.`;
  } else detail += ` The largest part is at ${argName(path)} ${a.dtype}${fmtShape(a.shape)}.`;
  return detail;
}

function checkLevel(
  g: Fn,
  name: string,
  args: readonly unknown[],
  order: number,
  seed: number,
  s: Settings,
): void {
  const context = `${name} (derivative order ${s.order - order + 1} of ${s.order})`;
  const v = randomLike(args, seed) as unknown[];
  const fd = numericalJvp(g, args, v, s.eps);
  let out: unknown, tOut: unknown, w: unknown;
  if (s.fwd) {
    [out, tOut] = jvp(g, [...args], v);
    checkOutputs(out, context);
    compareTangents(tOut, out, fd, s, context);
  }
  if (s.rev) {
    const [o, pullback] = vjp(g, ...args);
    if (out === undefined) checkOutputs(o, context);
    out = o;
    w = randomLike(out, seed + 1);
    const ct = pullback(w);
    checkCotangents(ct, args, context);
    const lhs = treeVdot(ct, v);
    // |⟨w, FD(v)⟩| grows with the size of w and of the derivative: scale atol with both
    const size = flatten(w)[0].reduce((n, l) => n + l.size, 0);
    const scale = Math.max(1, maxAbs(fd)) * Math.max(1, Math.sqrt(size));
    const rhs = treeVdot(w, fd);
    const tol = s.atol * scale + s.rtol * Math.abs(rhs);
    if (!(Math.abs(lhs - rhs) <= tol)) {
      fail(
        "vjp and finite differences",
        context,
        `⟨Jᵀw, v⟩ = ${lhs} but ⟨w, FD(v)⟩ = ${rhs} (|diff| ${Math.abs(lhs - rhs)} > ${tol}; ` +
          `eps ${s.eps}, rtol ${s.rtol}, atol ${s.atol}·${scale}).` +
          localize(
            args,
            ct,
            v,
            "central differences",
            (d) => treeVdot(w, numericalJvp(g, args, d, s.eps)),
          ) +
          ` A wrong transpose/VJP rule, or a point where f is not smooth.`,
      );
    }
    if (tOut !== undefined) {
      // exact up to rounding: much tighter than the finite-difference tolerance
      const jv = treeVdot(w, tOut);
      const tight = Math.max(1e-10, s.atol * 1e-3, s.rounding) * scale +
        Math.max(1e-10, s.rtol * 1e-3, s.rounding) * Math.abs(jv);
      if (!(Math.abs(lhs - jv) <= tight)) {
        fail(
          "vjp and jvp",
          context,
          `⟨Jᵀw, v⟩ = ${lhs} but ⟨w, J·v⟩ = ${jv} (|diff| ${Math.abs(lhs - jv)} > ${tight}); ` +
            `the two modes must agree to rounding.` +
            localize(args, ct, v, "jvps", (d) => treeVdot(w, jvp(g, [...args], [...d])[1])) +
            ` A transpose rule that does not transpose its JVP rule.`,
        );
      }
    }
  }
  if (order > 1) {
    if (s.fwd) {
      checkLevel(
        (...xs) => jvp(g, xs, v)[1],
        `x ↦ jvp(${name})(x; v)`,
        args,
        order - 1,
        seed + 2,
        s,
      );
    }
    if (s.rev) {
      const wFixed = w;
      checkLevel(
        (...xs) => vjp(g, ...xs)[1](wFixed),
        `x ↦ vjp(${name})(x; w)`,
        args,
        order - 1,
        seed + 2,
        s,
      );
    }
  }
}

function checkNumber(name: string, x: unknown, min: number, strict: boolean): number {
  if (typeof x !== "number") {
    throw new TypeError(`checkGrads: ${name} must be a number, got ${typeof x}.`);
  }
  if (!Number.isFinite(x) || (strict ? x <= min : x < min)) {
    throw new RangeError(
      `checkGrads: ${name} must be a finite number ${strict ? ">" : "≥"} ${min}, got ${x}.`,
    );
  }
  return x;
}

/**
 * Checks the derivatives of `f` at `args` (one pytree of float arrays per
 * argument), as `jax.test_util.check_grads`: "fwd" compares `jvp` with central
 * differences along a random tangent v, elementwise; "rev" compares `vjp` with
 * them through ⟨Jᵀw, v⟩ = ⟨w, FD(v)⟩ for a random cotangent w, checks that the
 * cotangents match the arguments in structure, shape and dtype, and (with both
 * modes) that ⟨Jᵀw, v⟩ = ⟨w, J·v⟩ to rounding; `order` > 1 repeats the checks on
 * x ↦ J(x)·v and x ↦ J(x)ᵀw. Throws an Error naming the check, the output or
 * argument leaf and the worst element. Use float64 arguments for tight tolerances.
 *
 * @param f The function, of `args.length` arguments, returning a pytree of float arrays.
 * @param args The point: arrays (or pytrees of arrays) of float dtype.
 * @param options `order` (1), `modes` (both), `eps`, `rtol`, `atol`, `seed` (1).
 *
 * @example
 * ```ts
 * import { checkGrads, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const x = np.array([0.3, -1.2], { dtype: "float64" });
 * checkGrads((v: np.NDArray) => np.sin(v).mul(v).sum(), [x], { order: 2 });
 * // a wrong derivative is caught, and the message says where
 * assert.throws(
 *   () => checkGrads((v: np.NDArray) => np.stopGradient(v).square(), [x]),
 *   /jvp and finite differences disagree for f .* at output index \[\d\]/,
 * );
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
    throw new TypeError(
      `checkGrads: args must be a list with one entry per argument of f, got ${typeof args}` +
        `${args instanceof NDArray ? " (wrap it: [x])" : ""}.`,
    );
  }
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new TypeError(`checkGrads: options must be an object, got ${String(options)}.`);
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
  if (!Array.isArray(modes) || modes.length === 0) {
    throw new TypeError(
      `checkGrads: modes must be a non-empty list of "fwd" and "rev", got ${
        JSON.stringify(modes)
      }.`,
    );
  }
  for (const m of modes) {
    if (m !== "fwd" && m !== "rev") {
      throw new RangeError(`checkGrads: modes are "fwd" and "rev", got ${JSON.stringify(m)}.`);
    }
  }
  if (!Number.isSafeInteger(seed)) {
    throw new TypeError(`checkGrads: seed must be an integer, got ${seed}.`);
  }
  const pairs = flattenWithPath(args);
  if (pairs.length === 0) {
    throw new TypeError(`checkGrads: args holds no arrays, so there is nothing to differentiate.`);
  }
  for (const [path, l] of pairs) {
    if (!(l instanceof NDArray) || !isFloat(l.dtype)) {
      throw new TypeError(
        `checkGrads: every argument leaf must be a float array, but ${argName(path)} is ` +
          `${l instanceof NDArray ? `${l.dtype}${fmtShape(l.shape)}` : typeof l}; close over ` +
          `integer arguments, or pass np.array(x, { dtype: "float64" }).`,
      );
    }
  }
  // a float dtype without a row (none today) takes the least precise one's
  const rows = pairs.map(([, l]) => DEFAULTS[l.dtype] ?? DEFAULTS.bfloat16);
  const d = rows.reduce((a, b) => (b.u > a.u ? b : a));
  const s: Settings = {
    fwd: modes.includes("fwd"),
    rev: modes.includes("rev"),
    eps: checkNumber("eps", options.eps ?? d.eps, 0, true),
    rtol: checkNumber("rtol", options.rtol ?? d.rtol, 0, false),
    atol: checkNumber("atol", options.atol ?? d.atol, 0, false),
    order,
    rounding: 32 * d.u,
  };
  checkLevel(f as unknown as Fn, "f", args, order, seed, s);
}
