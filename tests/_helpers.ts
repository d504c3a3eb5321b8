/**
 * Shared test helpers: tolerant comparison of arrays and pytrees, seeded random
 * arrays, clean-error assertions, and (re-exported) the derivative checker.
 *
 * Derivatives are checked with the library's public `checkGrads` (as
 * jax.test_util.check_grads), re-exported here so that every test imports one
 * checker; use float64 inputs: central differences are only accurate to ~1e-9 there.
 */
import assert from "node:assert/strict";
import { type DType, NDArray, np, tree } from "../mod.ts";
import { makeRng, unravel } from "../src/transforms/_finite_differences.ts";

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

/** A small deterministic PRNG (splitmix32), the one `checkGrads` draws its directions from. */
export { makeRng };

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

// ---- derivative checks ----------------------------------------------------------------

// The tests check derivatives with the public `checkGrads` (src/transforms/check_grads.ts:
// jvp and vjp against float64 central differences on random directions, the two modes
// against each other through ⟨Jᵀw, v⟩ = ⟨w, J·v⟩, cotangent structure/shape/dtype, higher
// orders); numericalJvp is re-exported for tests that need finite differences alone.
export { checkGrads, type CheckGradsOptions } from "../mod.ts";
export { numericalJvp } from "../src/transforms/_finite_differences.ts";

// ---- clean errors ------------------------------------------------------------------------

/** Engine messages that mean a check is missing: a test fails when an error contains one. */
export const ENGINE_TEXT: RegExp =
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

/** `n` float32 values drawn from `next`. */
export function randomF32(n: number, next: () => number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = next();
  return x;
}

/**
 * Asserts float32 results equal bit for bit, any NaN matching any NaN (and equal shapes, for
 * arrays); the message names the first differing element.
 */
export function assertSameF32(
  actual: NDArray | Float32Array,
  expected: NDArray | Float32Array,
  what: string,
): void {
  if (!(actual instanceof Float32Array) && !(expected instanceof Float32Array)) {
    assert.deepEqual(actual.shape, expected.shape, what);
  }
  const a = actual instanceof Float32Array ? actual : actual.toTypedArray();
  const e = expected instanceof Float32Array ? expected : expected.toTypedArray();
  assert.equal(a.length, e.length, what);
  for (let i = 0; i < e.length; i++) {
    if (Number.isNaN(e[i]) && Number.isNaN(a[i])) continue;
    if (!Object.is(a[i], e[i])) assert.fail(`${what}: element ${i} is ${a[i]}, expected ${e[i]}`);
  }
}

/** Mean and (population) variance of a list of numbers, in float64. */
export function moments(xs: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  const mean = s / xs.length;
  let q = 0;
  for (let i = 0; i < xs.length; i++) q += (xs[i] - mean) * (xs[i] - mean);
  return { mean, variance: q / xs.length };
}

/**
 * The Kolmogorov–Smirnov statistic of a sample against a continuous CDF: the largest gap
 * sup_x |F_n(x) − F(x)| between the sample's empirical CDF and `cdf`. Under the null, √n·D
 * exceeds 1.95 with probability 0.001 (the Kolmogorov distribution), so `D < 1.95 / √n` is a
 * 0.1% test.
 */
export function ksStatistic(xs: ArrayLike<number>, cdf: (x: number) => number): number {
  const sorted = Float64Array.from(xs).sort();
  const n = sorted.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(sorted[i]);
    d = Math.max(d, f - i / n, (i + 1) / n - f);
  }
  return d;
}
