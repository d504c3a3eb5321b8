/**
 * Binomial and multinomial samplers on JAX's key schedule, so the same key gives
 * JAX's draws (JAX 0.10.2's recipe, itself TensorFlow's): with q = min(p, 1 − p),
 * lanes with n·q ≤ 10 count geometric waiting times (inversion: draws of
 * ⌈log u / log(1 − q)⌉ are summed until they pass n), the others use Hörmann's
 * transformed rejection with squeeze (BTRS, 1993); a draw for p > ½ is n minus a draw
 * for 1 − p. Both loops draw one uniform per lane per round from split keys and run
 * over every lane, as JAX's while loops do, so they run here on plain numbers with the
 * dtype's rounding after each operation: they need a concrete key and parameters
 * (call them outside `jit`), and carry no gradient. Multinomial draws the categories
 * in turn, each a binomial of the trials left with the probability's share of what
 * is left (JAX's scan). Re-exported by `random.ts`.
 *
 * @module
 */
import type { DType } from "../core/_dtype.ts";
import { NDArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import * as np from "../numpy/numpy.ts";
import { checkOptions } from "../core/_validate.ts";
import { broadcastShapes } from "../core/_shape.ts";
import {
  checkArity,
  checkFloat,
  checkKey,
  checkShape,
  concrete,
  concreteKey,
  rounder,
  uniforms,
} from "./_random_core.ts";

type Key = [number, number];

/** A parameter's values broadcast to `shape` (row-major), as plain numbers. */
function values(op: string, x: number | NDArray, shape: readonly number[]): number[] {
  const size = shape.reduce((a, b) => a * b, 1);
  if (typeof x === "number") return new Array(size).fill(x);
  let v: NDArray;
  try {
    v = np.broadcastTo(x._value(), shape);
  } catch (e) {
    if (e instanceof TypeError && /broadcast/.test(e.message)) {
      throw new TypeError(
        `random.${op}: a parameter of shape [${x.shape.join(", ")}] does not broadcast to ` +
          `[${shape.join(", ")}].`,
      );
    }
    throw new TypeError(
      `random.${op}: needs concrete parameters (its rejection loops run in JS); call it outside jit.`,
    );
  }
  return Array.from(v.toTypedArray(), Number);
}

function checkParam(op: string, name: string, x: unknown): void {
  if (typeof x === "number" || x instanceof NDArray) return;
  throw new TypeError(`random.${op}: ${name} must be a number or an array, got ${typeof x}.`);
}

/** The rounds a loop may take before it is called stuck (JAX's bound is float max). */
const MAX_ROUNDS = 1_000_000;

function stuck(op: string): never {
  throw new RangeError(
    `random.${op}: the sampling loop ran ${MAX_ROUNDS} rounds without finishing; check that ` +
      `n is finite and p in [0, 1].`,
  );
}

/** Stirling's tail log k! − (k + ½) log(k + 1) + (k + 1) − ½ log 2π, as JAX evaluates it (k clamped to [0, 9] first). */
function stirlingTail(k: number, r: (x: number) => number): number {
  const table = [
    0.0810614667953272,
    0.0413406959554092,
    0.0276779256849983,
    0.02079067210376509,
    0.0166446911898211,
    0.0138761288230707,
    0.0118967099458917,
    0.0104112652619720,
    0.00925546218271273,
    0.00833056343336287,
  ];
  const useTable = k <= 9;
  const kc = Math.min(Math.max(k, 0), 9);
  const kp1sq = r(r(kc + 1) * r(kc + 1));
  // (1/12 − (1/360 − 1/1260/(k+1)²)/(k+1)²)/(k+1)
  const approx = r(
    r(r(1 / 12) - r(r(r(1 / 360) - r(r(1 / 1260) / kp1sq)) / kp1sq)) / r(kc + 1),
  );
  return useTable ? r(table[Math.floor(kc)]) : approx;
}

/** Inversion: per lane, the number of geometric(q) waiting times that fit in `count`, minus one. */
function inversion(key: Key, count: number[], q: number[], dtype: DType): number[] {
  const r = rounder(dtype);
  const n = count.length;
  const log1mq = q.map((x) => r(Math.log1p(-x)));
  const numGeom = new Array(n).fill(0), geomSum = new Array(n).fill(0);
  let k = key, rounds = 0;
  while (geomSum.some((s, i) => s <= count[i])) {
    if (++rounds > MAX_ROUNDS) stuck("binomial");
    const [sub, next] = concrete.split(k[0], k[1], 2);
    k = next;
    const u = uniforms(sub, n, dtype);
    for (let i = 0; i < n; i++) {
      if (geomSum[i] <= count[i]) numGeom[i] += 1;
      // geom = ⌈log u / log(1 − q)⌉
      geomSum[i] = r(geomSum[i] + Math.ceil(r(r(Math.log(u[i])) / log1mq[i])));
    }
  }
  return numGeom.map((g) => g - 1);
}

/** BTRS (Hörmann 1993) on every lane; returns the accepted k per lane. */
function btrs(key: Key, count: number[], p: number[], dtype: DType): number[] {
  const r = rounder(dtype);
  const n = count.length;
  const c = (x: number) => r(x);
  const lanes = count.map((cnt, i) => {
    const q = p[i];
    const stddev = r(Math.sqrt(r(r(cnt * q) * r(1 - q))));
    const b = r(c(1.15) + r(c(2.53) * stddev));
    const a = r(r(c(-0.0873) + r(c(0.0248) * b)) + r(c(0.01) * q));
    const cc = r(r(cnt * q) + 0.5);
    const vR = r(c(0.92) - r(c(4.2) / b));
    const ratio = r(q / r(1 - q));
    const alpha = r(r(c(2.83) + r(c(5.1) / b)) * stddev);
    const m = Math.floor(r(r(cnt + 1) * q));
    return { cnt, b, a, cc, vR, ratio, alpha, m };
  });
  const kOut = new Array(n).fill(-1), accepted = new Array(n).fill(false);
  let k: Key = key, rounds = 0;
  while (accepted.some((x) => !x)) {
    if (++rounds > MAX_ROUNDS) stuck("binomial");
    const [next, s0, s1] = concrete.split(k[0], k[1], 3);
    k = next;
    const us = uniforms(s0, n, dtype), vs = uniforms(s1, n, dtype);
    for (let i = 0; i < n; i++) {
      const { cnt, b, a, cc, vR, ratio, alpha, m } = lanes[i];
      const u = r(us[i] - 0.5);
      const uS = r(0.5 - Math.abs(u));
      const accept1 = uS >= c(0.07) && vs[i] <= vR;
      // k = ⌊(2a/us + b)·u + c⌋
      const kk = Math.floor(r(r(r(r(r(2 * a) / uS) + b) * u) + cc));
      const reject = kk < 0 || kk > cnt;
      const v = r(Math.log(r(r(vs[i] * alpha) / r(r(a / r(uS * uS)) + b))));
      // the log-ratio bound of the squeeze, with Stirling tails
      const t1 = r(r(m + 0.5) * r(Math.log(r(r(m + 1) / r(ratio * r(r(cnt - m) + 1))))));
      const t2 = r(r(cnt + 1) * r(Math.log(r(r(r(cnt - m) + 1) / r(r(cnt - kk) + 1)))));
      const t3 = r(r(kk + 0.5) * r(Math.log(r(r(ratio * r(r(cnt - kk) + 1)) / r(kk + 1)))));
      let ub = r(r(t1 + t2) + t3);
      ub = r(ub + stirlingTail(m, r));
      ub = r(ub + stirlingTail(r(cnt - m), r));
      ub = r(ub - stirlingTail(kk, r));
      ub = r(ub - stirlingTail(r(cnt - kk), r));
      const accept = accept1 || (!reject && v <= ub);
      if (accept) {
        kOut[i] = kk;
        accepted[i] = true;
      }
    }
  }
  return kOut;
}

/** JAX's `_binomial` on plain numbers: counts and probabilities per lane. */
function binomialValues(key: Key, counts: number[], probs: number[], dtype: DType): number[] {
  const r = rounder(dtype);
  const pLtHalf = probs.map((p) => p < 0.5);
  let q = probs.map((p, i) => (pLtHalf[i] ? p : r(1 - p)));
  const countBad = counts.map((n) => Number.isNaN(n) || n < 0);
  const countInf = counts.map((n) => n === Infinity || n === -Infinity);
  const qNan = q.map((x) => Number.isNaN(x)), qNeg = q.map((x) => x < 0);
  q = q.map((x, i) => (qNan[i] || qNeg[i] ? r(0.01) : x));
  const useInv = counts.map((n, i) => countBad[i] || r(n * q[i]) <= 10);
  const fl = counts.map((n) => Math.floor(n));
  const inv = inversion(key, fl.map((n, i) => (useInv[i] ? n : 0)), q, dtype);
  const rej = btrs(
    key,
    fl.map((n, i) => (useInv[i] ? 1e4 : n)),
    q.map((x, i) => (useInv[i] ? 0.5 : x)),
    dtype,
  );
  return fl.map((n, i) => {
    const invalid = qNeg[i] || qNan[i] || countBad[i];
    let s = useInv[i] ? inv[i] : rej[i];
    if (invalid) s = NaN;
    else if (countInf[i]) s = Infinity;
    const keep = pLtHalf[i] || countBad[i] || qNan[i] || countInf[i];
    return keep ? s : r(n - s);
  });
}

/**
 * Binomial(n, p) samples as JAX's `binomial`: the same key gives JAX's draws (inversion
 * for n·min(p, 1 − p) ≤ 10, BTRS rejection otherwise). n is floored; a negative or NaN n
 * or a NaN or out-of-range p gives NaN, an infinite n gives ∞, as in JAX. Needs a concrete
 * key and parameters.
 *
 * @param key A key.
 * @param n The number of trials (≥ 0), a number or an array.
 * @param p The success probability, a number or an array.
 * @param shape The sample shape (default: n and p broadcast together).
 * @param options `dtype` (float32 or float64; float32 by default).
 * @returns Float samples (counts).
 *
 * @example
 * ```ts
 * import { random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const x = random.binomial(random.key(0), 20, 0.3, [4000]);
 * assert.ok(Math.abs((x.mean().item() as number) - 6) < 0.15);
 * ```
 */
export function binomial(
  key: NDArray,
  n: number | NDArray,
  p: number | NDArray,
  shape?: readonly number[],
  options: { dtype?: DType } = {},
): NDArray {
  checkArity("binomial", arguments.length, 5);
  const op = "binomial";
  checkKey(op, key);
  checkParam(op, "n", n);
  checkParam(op, "p", p);
  checkOptions(`random.${op}`, options, ["dtype"]);
  const dtype = checkFloat(op, options.dtype ?? "float32");
  const shapeOf = (x: number | NDArray) => (typeof x === "number" ? [] : [...x.shape]);
  const s = shape === undefined
    ? broadcastShapes("random.binomial", shapeOf(n), shapeOf(p))
    : checkShape(op, shape);
  // computed in p's float dtype (a number takes the requested dtype), as JAX promotes p
  const work: DType = p instanceof NDArray
    ? (p.dtype === "float64" ? "float64" : "float32")
    : dtype;
  const r = rounder(work);
  const counts = values(op, n, s).map(r), probs = values(op, p, s).map(r);
  const out = binomialValues(concreteKey(op, key), counts, probs, work);
  return np.array(new ArrayValue(Float64Array.from(out), [...s], "float64"), { dtype });
}

/**
 * Multinomial samples as JAX's `multinomial`: counts per outcome (outcomes on the last
 * axis of p) of n trials; the same key gives JAX's draws. The outcomes are drawn in turn
 * from split keys, each a binomial of the trials left with probability
 * p_k / (p_k + … + p_last), clipped to [0, 1]. Needs a concrete key and parameters.
 *
 * @param key A key.
 * @param n The number of trials, broadcastable to the batch shape `shape[:-1]`.
 * @param p Probabilities, outcomes on the last axis (summing to 1).
 * @param options `shape` (the result shape, last axis the outcomes; default p's shape),
 *   `dtype` (float32 or float64; float32 by default).
 * @returns Float counts of shape `shape`.
 *
 * @example
 * ```ts
 * import { np, random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const c = random.multinomial(random.key(0), 10, np.array([0.2, 0.3, 0.5]));
 * assert.equal(c.sum().item(), 10);
 * ```
 */
export function multinomial(
  key: NDArray,
  n: number | NDArray,
  p: NDArray,
  options: { shape?: readonly number[]; dtype?: DType } = {},
): NDArray {
  checkArity("multinomial", arguments.length, 4);
  const op = "multinomial";
  checkKey(op, key);
  checkParam(op, "n", n);
  checkOptions(`random.${op}`, options, ["shape", "dtype"]);
  if (!(p instanceof NDArray) || p.ndim < 1) {
    throw new TypeError(
      `random.${op}: p must be an array with the outcomes on its last axis, got ${
        p instanceof NDArray ? "a scalar" : typeof p
      }.`,
    );
  }
  const dtype = checkFloat(op, options.dtype ?? "float32");
  const s = options.shape === undefined ? [...p.shape] : checkShape(op, options.shape);
  if (s.length < 1 || s[s.length - 1] !== p.shape[p.ndim - 1]) {
    throw new TypeError(
      `random.${op}: shape [${s.join(", ")}] must end with the number of outcomes ` +
        `${p.shape[p.ndim - 1]} (p's last axis).`,
    );
  }
  // the probabilities' dtype: float32 unless p is float64
  const work: DType = p.dtype === "float64" ? "float64" : "float32";
  const r = rounder(work);
  const K = s[s.length - 1], batch = s.slice(0, -1);
  const lanes = batch.reduce((a, b) => a * b, 1);
  const ps = values(op, p, s).map(r);
  let remainder = values(op, n, batch).map(r);
  const keys = concrete.split(...concreteKey(op, key), K);
  const out = new Float64Array(lanes * K);
  for (let k = 0; k < K; k++) {
    // ratio = p_k / Σ_{j ≥ k} p_j (1 where the tail is 0), clipped to [0, 1]
    const ratio = Array.from({ length: lanes }, (_, i) => {
      let tail = ps[i * K + K - 1];
      for (let j = K - 2; j >= k; j--) tail = r(tail + ps[i * K + j]);
      const x = r(ps[i * K + k] / (tail === 0 ? 1 : tail));
      return Number.isNaN(x) ? x : Math.min(Math.max(x, 0), 1);
    });
    const draw = binomialValues(keys[k], remainder, ratio, work);
    draw.forEach((d, i) => (out[i * K + k] = d));
    remainder = remainder.map((m, i) => r(m - draw[i]));
  }
  return np.array(new ArrayValue(out, [...s], "float64"), { dtype });
}
