/**
 * Shared test helpers: tolerant comparison of arrays and pytrees, seeded random
 * arrays, and derivative checks against central finite differences.
 *
 * The derivative checks follow the usual recipe (as jax.test_util.check_grads):
 * for random directions v (inputs) and w (outputs),
 *   jvp:  J·v              ≈ (f(x + εv) − f(x − εv)) / 2ε
 *   vjp:  ⟨Jᵀw, v⟩          ≈ ⟨w, (f(x + εv) − f(x − εv)) / 2ε⟩
 *   both: ⟨w, J·v⟩          = ⟨Jᵀw, v⟩   (to rounding)
 * and for higher orders the same checks on x ↦ J(x)·v and x ↦ J(x)ᵀw.
 * Use float64 inputs: the finite differences are only accurate to ~1e-9 there.
 */
import assert from "node:assert/strict";
import { type DType, jvp, NDArray, np, tree, vjp } from "../mod.ts";

/** A nested JS array of numbers or booleans (the shape of `toArray()`). */
export type Nested = number | boolean | readonly Nested[];

/** Anything `assertAllClose` compares: an array, a JS number or nested list, or a pytree of those. */
export type Comparable = NDArray | Nested | readonly Comparable[] | { [k: string]: Comparable };

/** Tolerances: |actual − expected| ≤ atol + rtol·|expected| elementwise. */
export interface Tolerance {
  rtol?: number;
  atol?: number;
}

interface Flat {
  data: number[];
  shape: number[];
  dtype: string;
}

function flatNested(x: Nested): Flat {
  const shape: number[] = [];
  let probe: Nested = x;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = (probe as readonly Nested[])[0];
  }
  const data: number[] = [];
  const walk = (v: Nested, depth: number) => {
    if (Array.isArray(v)) {
      assert.equal(v.length, shape[depth], `ragged expected value at depth ${depth}`);
      for (const c of v as readonly Nested[]) walk(c, depth + 1);
    } else data.push(Number(v));
  };
  walk(x, 0);
  return { data, shape, dtype: "js" };
}

function flatOf(x: NDArray | Nested): Flat {
  if (x instanceof NDArray) {
    return { data: Array.from(x.toTypedArray(), Number), shape: [...x.shape], dtype: x.dtype };
  }
  return flatNested(x);
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== "object") return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** True when `x` is a container of arrays (not a nested list of numbers). */
function isTreeNode(x: unknown): boolean {
  if (isPlainObject(x)) return true;
  if (!Array.isArray(x)) return false;
  return x.some((c) => c instanceof NDArray || isPlainObject(c) || isTreeNode(c));
}

function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(", ")}]`;
}

function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = shape.length - 1; k >= 0; k--) {
    idx[k] = i % shape[k];
    i = Math.floor(i / shape[k]);
  }
  return idx;
}

/**
 * Asserts that two arrays (or JS numbers, nested lists, or pytrees of arrays) have the
 * same shape and agree elementwise within `atol + rtol·|expected|`. NaNs must match NaNs,
 * infinities must match exactly. The message names the worst element, its index and the shapes.
 */
export function assertAllClose(
  actual: Comparable,
  expected: Comparable,
  options: Tolerance & { message?: string } = {},
): void {
  const { rtol = 1e-6, atol = 1e-6, message } = options;
  const where = message ? `${message}: ` : "";
  if (isTreeNode(actual) || isTreeNode(expected)) {
    const [al, ad] = tree.flatten(actual);
    const [el, ed] = tree.flatten(expected);
    assert.equal(String(ad), String(ed), `${where}pytree structures differ`);
    al.forEach((a, i) =>
      assertAllClose(a as Comparable, el[i] as Comparable, {
        rtol,
        atol,
        message: `${where}leaf ${i} of ${ad}`,
      })
    );
    return;
  }
  const a = flatOf(actual as NDArray | Nested), e = flatOf(expected as NDArray | Nested);
  const shapes = `actual ${a.dtype}${fmtShape(a.shape)}, expected ${e.dtype}${fmtShape(e.shape)}`;
  assert.deepEqual(a.shape, e.shape, `${where}shapes differ: ${shapes}`);
  let worst = -1, worstExcess = 0;
  for (let i = 0; i < a.data.length; i++) {
    const x = a.data[i], y = e.data[i];
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (Number.isNaN(x) && Number.isNaN(y)) continue;
      worst = i;
      worstExcess = Infinity;
      break;
    }
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      if (x === y) continue;
      worst = i;
      worstExcess = Infinity;
      break;
    }
    const excess = Math.abs(x - y) - (atol + rtol * Math.abs(y));
    if (excess > 0 && excess > worstExcess) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    const x = a.data[worst], y = e.data[worst];
    const bad = a.data.filter((v, i) => {
      const w = e.data[i];
      return !(Math.abs(v - w) <= atol + rtol * Math.abs(w)) &&
        !(Number.isNaN(v) && Number.isNaN(w)) && v !== w;
    }).length;
    assert.fail(
      `${where}arrays not close (rtol ${rtol}, atol ${atol}); ${bad} of ${a.data.length} ` +
        `elements differ; worst at index ${fmtShape(unravel(worst, a.shape))}: actual ${x}, ` +
        `expected ${y} (|diff| ${Math.abs(x - y)}); ${shapes}`,
    );
  }
}

// ---- seeded random arrays -----------------------------------------------------------

/** A small deterministic PRNG (splitmix32) returning uniform numbers in [0, 1). */
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

/** Options of {@link randomArray}. */
export interface RandomOptions {
  seed?: number;
  dtype?: DType;
  /** Lower bound (inclusive); −1 by default. */
  low?: number;
  /** Upper bound (exclusive for floats, inclusive for int32); 1 by default. */
  high?: number;
}

/**
 * A deterministic array of `shape` with values uniform in [low, high) (float64 by
 * default). int32 draws integers in [low, high]; bool draws coin flips.
 */
export function randomArray(shape: readonly number[], options: RandomOptions = {}): NDArray {
  const { seed = 0, dtype = "float64", low = -1, high = 1 } = options;
  const rng = makeRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = rng();
    data[i] = dtype === "int32"
      ? Math.floor(low + u * (high - low + 1))
      : dtype === "bool"
      ? (u < 0.5 ? 0 : 1)
      : low + u * (high - low);
  }
  return np.array(data, { shape, dtype });
}

// ---- finite differences ---------------------------------------------------------------

type Fn = (...args: never[]) => unknown;

function call(f: Fn, args: readonly unknown[]): unknown {
  return (f as unknown as (...a: unknown[]) => unknown)(...args);
}

function toF64(leaf: unknown): Float64Array {
  assert.ok(leaf instanceof NDArray, `expected an array leaf, got ${typeof leaf}`);
  return Float64Array.from(leaf.toTypedArray(), Number);
}

function axpy(x: NDArray, t: NDArray, c: number): NDArray {
  const xs = toF64(x), ts = toF64(t);
  const out = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) out[i] = xs[i] + c * ts[i];
  return np.array(out, { shape: x.shape, dtype: x.dtype });
}

/**
 * The directional derivative of `f` at `primals` along `tangents` by central
 * differences, (f(x + εv) − f(x − εv)) / 2ε, computed leafwise in float64.
 * `primals` and `tangents` hold one pytree per argument of `f`; the result has
 * the structure of `f`'s output, with float64 leaves.
 */
export function numericalJvp(
  f: Fn,
  primals: readonly unknown[],
  tangents: readonly unknown[],
  eps = 1e-5,
): unknown {
  const [pl, pd] = tree.flatten(primals);
  const [tl, td] = tree.flatten(tangents);
  assert.equal(String(td), String(pd), "numericalJvp: tangents and primals differ in structure");
  const at = (c: number) => tree.unflatten<unknown[]>(pd, pl.map((p, i) => axpy(p, tl[i], c)));
  const [plus, outDef] = tree.flatten(call(f, at(eps)));
  const [minus] = tree.flatten(call(f, at(-eps)));
  return tree.unflatten(
    outDef,
    plus.map((p, i) => {
      const a = toF64(p), b = toF64(minus[i]);
      const d = new Float64Array(a.length);
      for (let k = 0; k < a.length; k++) d[k] = (a[k] - b[k]) / (2 * eps);
      return np.array(d, { shape: p.shape, dtype: "float64" });
    }),
  );
}

/** ⟨a, b⟩ summed over every leaf of two pytrees of one structure, in float64. */
export function treeVdot(a: unknown, b: unknown): number {
  const [al, ad] = tree.flatten(a);
  const [bl, bd] = tree.flatten(b);
  assert.equal(String(ad), String(bd), "treeVdot: structures differ");
  let s = 0;
  al.forEach((x, i) => {
    const xs = toF64(x), ys = toF64(bl[i]);
    assert.equal(xs.length, ys.length, `treeVdot: leaf ${i} sizes differ`);
    for (let k = 0; k < xs.length; k++) s += xs[k] * ys[k];
  });
  return s;
}

/** A random pytree shaped like `like` (same shapes and dtypes), values in [−1, 1). */
export function randomLike(like: unknown, seed: number): unknown {
  const [leaves, def] = tree.flatten(like);
  return tree.unflatten(
    def,
    leaves.map((l, i) => randomArray(l.shape, { seed: seed * 7919 + i, dtype: l.dtype })),
  );
}

/** Options of {@link checkGrads}. */
export interface CheckGradsOptions extends Tolerance {
  /** How many orders of derivatives to check (1 = first derivatives). */
  order?: number;
  /** Which modes to check; both by default. */
  modes?: readonly ("fwd" | "rev")[];
  /** Finite-difference step. */
  eps?: number;
  /** Seed of the random directions. */
  seed?: number;
}

function closeScalar(actual: number, expected: number, tol: Required<Tolerance>, what: string) {
  const err = Math.abs(actual - expected);
  assert.ok(
    err <= tol.atol + tol.rtol * Math.abs(expected),
    `${what}: ${actual} vs ${expected} (|diff| ${err}, rtol ${tol.rtol}, atol ${tol.atol})`,
  );
}

/**
 * Checks the derivatives of `f` at `args` (one pytree of float arrays per argument):
 * jvp against central differences on random tangents, vjp against central
 * differences through ⟨Jᵀw, v⟩ = ⟨w, J·v⟩, and jvp against vjp by the same
 * identity. With `order` > 1 it repeats the checks on the jvp and vjp functions.
 */
export function checkGrads(f: Fn, args: readonly unknown[], options: CheckGradsOptions = {}): void {
  const { order = 1, modes = ["fwd", "rev"], eps = 1e-5, seed = 1 } = options;
  const tol = { rtol: options.rtol ?? 1e-5, atol: options.atol ?? 1e-6 };
  const v = randomLike(args, seed) as unknown[];
  const fd = numericalJvp(f, args, v, eps);
  const fdScale = Math.max(1, ...tree.leaves(fd).map((l) => Math.max(...toF64(l).map(Math.abs))));
  let w: unknown;
  if (modes.includes("fwd")) {
    const [, tOut] = jvp(f as (...a: unknown[]) => unknown, [...args], v);
    assertAllClose(tOut as Comparable, fd as Comparable, {
      ...tol,
      message: `jvp vs finite differences (order ${order})`,
    });
    w = randomLike(tOut, seed + 1);
  }
  if (modes.includes("rev")) {
    const [out, pullback] = vjp(f as (...a: unknown[]) => unknown, ...args);
    w ??= randomLike(out, seed + 1);
    const ct = pullback(w);
    // cotangents match the inputs leaf for leaf
    const [cl, cd] = tree.flatten(ct);
    const [al, ad] = tree.flatten(args);
    assert.equal(String(cd), String(ad), "vjp cotangent structure differs from the arguments");
    cl.forEach((c, i) => {
      assert.deepEqual(c.shape, al[i].shape, `vjp cotangent ${i} shape`);
      assert.equal(c.dtype, al[i].dtype, `vjp cotangent ${i} dtype`);
    });
    const lhs = treeVdot(ct, v);
    const scale = fdScale * Math.max(1, Math.sqrt(tree.leaves(w).reduce((n, l) => n + l.size, 0)));
    closeScalar(
      lhs,
      treeVdot(w, fd),
      { rtol: tol.rtol, atol: tol.atol * scale },
      `vjp vs finite differences ⟨Jᵀw, v⟩ vs ⟨w, FD(v)⟩ (order ${order})`,
    );
    if (modes.includes("fwd")) {
      const [, tOut] = jvp(f as (...a: unknown[]) => unknown, [...args], v);
      closeScalar(
        lhs,
        treeVdot(w, tOut),
        // exact up to rounding: much tighter than the finite-difference tolerance
        { rtol: Math.max(1e-10, tol.rtol * 1e-3), atol: Math.max(1e-10, tol.atol * 1e-3) * scale },
        `⟨Jᵀw, v⟩ vs ⟨w, J·v⟩ (order ${order})`,
      );
    }
  }
  if (order > 1) {
    const next = { ...options, order: order - 1, seed: seed + 2 };
    if (modes.includes("fwd")) {
      checkGrads(
        (...xs: unknown[]) => jvp(f as (...a: unknown[]) => unknown, xs, v)[1],
        args,
        next,
      );
    }
    if (modes.includes("rev")) {
      const wFixed = w ?? randomLike(call(f, args), seed + 1);
      checkGrads(
        (...xs: unknown[]) => vjp(f as (...a: unknown[]) => unknown, ...xs)[1](wFixed),
        args,
        next,
      );
    }
  }
}

// ---- clean errors ------------------------------------------------------------------------

/** Engine messages that mean a check is missing: a test fails when an error contains one. */
const ENGINE_TEXT =
  /is not a function|Cannot read propert|Invalid typed array length|Maximum call stack|Array buffer allocation failed|is not iterable|Cannot convert|Cannot mix BigInt|undefined is not an object|null is not an object/;

/** Asserts that `f` throws `type` naming `op`, without engine text; returns the message. */
export function rejects(
  f: () => unknown,
  type: typeof TypeError | typeof RangeError | typeof Error,
  op: string,
  ...patterns: RegExp[]
): string {
  let message = "";
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof Error, `expected an Error, got ${String(e)}`);
    message = e.message;
    assert.doesNotMatch(message, ENGINE_TEXT, `engine text leaked: ${message}`);
    assert.ok(e instanceof type, `expected ${type.name}, got ${e.constructor.name}: ${message}`);
    assert.ok(message.includes(op), `the message does not name ${op}: ${message}`);
    for (const p of patterns) assert.match(message, p);
    return true;
  });
  return message;
}
