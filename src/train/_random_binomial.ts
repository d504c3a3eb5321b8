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
  roundAll,
  rounder,
  uniformsAt,
} from "./_random_core.ts";

type Key = [number, number];

/** A parameter's values broadcast to `shape` (row-major), as plain numbers. */
function values(op: string, x: number | NDArray, shape: readonly number[]): Float64Array {
  const size = shape.reduce((a, b) => a * b, 1);
  if (typeof x === "number") return new Float64Array(size).fill(x);
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
  return new Float64Array(v.toTypedArray());
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

const STIRLING_TABLE = [
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

/** Stirling's tail log k! − (k + ½) log(k + 1) + (k + 1) − ½ log 2π, as JAX evaluates it (k clamped to [0, 9] first). */
function stirlingTail(k: number, r: (x: number) => number): number {
  const kc = Math.min(Math.max(k, 0), 9);
  if (k <= 9) return r(STIRLING_TABLE[Math.floor(kc)]);
  const kp1sq = r(r(kc + 1) * r(kc + 1));
  // (1/12 − (1/360 − 1/1260/(k+1)²)/(k+1)²)/(k+1)
  return r(r(r(1 / 12) - r(r(r(1 / 360) - r(r(1 / 1260) / kp1sq)) / kp1sq)) / r(kc + 1));
}

type Buffer = Float64Array | Int32Array | Uint8Array | Uint32Array;

/**
 * Per-lane buffers kept across the binomial calls of one `multinomial`, which calls the
 * binomial once per outcome on the same lanes: allocating a call's ~30 typed arrays cost
 * more than its draws on few lanes (65536 outcomes of one row, under Deno: 13.7 µs per
 * outcome with them, 1.4 µs with this pool and the skipped passes of `binomialValues`). Null outside `multinomial`, where every call allocates. A buffer's contents
 * are what its last user left: each user writes what it reads.
 */
let pool: Map<string, Buffer> | null = null;

/** The buffer `name` of n entries: the pooled one while `pool` is set, else a new one. */
function buf<T extends Buffer>(name: string, n: number, make: new (n: number) => T): T {
  if (pool === null) return new make(n);
  const got = pool.get(name);
  if (got instanceof make && got.length === n) return got;
  const fresh = new make(n);
  pool.set(name, fresh);
  return fresh;
}

/**
 * Inversion: per lane, the number of geometric(q) waiting times that fit in `count`, minus
 * one. A lane's sum only grows (each waiting time is ≥ 1 or ∞), so once it passes `count`
 * the lane is done for good: each round visits only the lanes still running (a compacted
 * index list), and lane i still reads the i-th uniform of the round's n-wide draw.
 */
function inversion(key: Key, count: Float64Array, q: Float64Array, dtype: DType): Float64Array {
  const r = rounder(dtype);
  const n = count.length;
  const log1mq = buf("log1mq", n, Float64Array);
  const numGeom = buf("numGeom", n, Float64Array).fill(0);
  const geomSum = buf("geomSum", n, Float64Array).fill(0);
  const active = buf("active", n, Int32Array);
  let live = 0;
  for (let i = 0; i < n; i++) {
    log1mq[i] = r(Math.log1p(-q[i]));
    if (0 <= count[i]) active[live++] = i;
  }
  const u = buf("u", n, Float64Array);
  let k = key, rounds = 0;
  while (live > 0) {
    if (++rounds > MAX_ROUNDS) stuck("binomial");
    const [sub, next] = concrete.split(k[0], k[1], 2);
    k = next;
    // the live lanes' entries of the round's n-wide uniform
    uniformsAt(sub, n, dtype, active, live, u);
    let kept = 0;
    for (let j = 0; j < live; j++) {
      const i = active[j];
      numGeom[i] += 1;
      // geom = ⌈log u / log(1 − q)⌉
      geomSum[i] = r(geomSum[i] + Math.ceil(r(r(Math.log(u[j])) / log1mq[i])));
      if (geomSum[i] <= count[i]) active[kept++] = i;
    }
    live = kept;
  }
  for (let i = 0; i < n; i++) numGeom[i] -= 1;
  return numGeom;
}

/**
 * BTRS (Hörmann 1993) on every lane; returns the last accepted k per lane. As in JAX, every
 * lane draws in every round until each lane has accepted once (round R), and a lane's draw
 * is its last acceptance in rounds 1..R; lanes with `used[i]` = 0 (placeholders for the
 * inversion lanes) only decide R. A round's test on a lane depends on nothing but that
 * lane's two uniforms of the round, so the rounds are visited in two passes that test each
 * lane ~2.5 times on average instead of R times: forward, each lane until its first
 * acceptance (which gives R), then backward from R, each used lane until an acceptance (or
 * back to its first). Each pass hashes only the words of the lanes it tests (`uniformsAt`).
 */
function btrs(
  key: Key,
  count: Float64Array,
  p: Float64Array,
  used: Uint8Array,
  dtype: DType,
): Float64Array {
  const r = rounder(dtype);
  const n = count.length;
  const c07 = r(0.07);
  // the per-lane constants of the hat, rounded as JAX evaluates them
  const [B, A, C, VR, RATIO, ALPHA, M, T1, STM, STNM] = [
    "B",
    "A",
    "C",
    "VR",
    "RATIO",
    "ALPHA",
    "M",
    "T1",
    "STM",
    "STNM",
  ].map((name) => buf(name, n, Float64Array));
  for (let i = 0; i < n; i++) {
    const cnt = count[i], q = p[i];
    const stddev = r(Math.sqrt(r(r(cnt * q) * r(1 - q))));
    const b = r(r(1.15) + r(r(2.53) * stddev));
    B[i] = b;
    A[i] = r(r(r(-0.0873) + r(r(0.0248) * b)) + r(r(0.01) * q));
    C[i] = r(r(cnt * q) + 0.5);
    VR[i] = r(r(0.92) - r(r(4.2) / b));
    const ratio = r(q / r(1 - q));
    RATIO[i] = ratio;
    ALPHA[i] = r(r(r(2.83) + r(r(5.1) / b)) * stddev);
    const m = Math.floor(r(r(cnt + 1) * q));
    M[i] = m;
    T1[i] = r(r(m + 0.5) * r(Math.log(r(r(m + 1) / r(ratio * r(r(cnt - m) + 1))))));
    STM[i] = stirlingTail(m, r);
    STNM[i] = stirlingTail(r(cnt - m), r);
  }
  /** Lane i's k for the uniforms (u, v) if the round accepts it, else NaN. */
  const tryDraw = (i: number, uu: number, vv: number): number => {
    const cnt = count[i], b = B[i], a = A[i];
    const u = r(uu - 0.5);
    const uS = r(0.5 - Math.abs(u));
    // k = ⌊(2a/us + b)·u + c⌋
    const kk = Math.floor(r(r(r(r(r(2 * a) / uS) + b) * u) + C[i]));
    if (uS >= c07 && vv <= VR[i]) return kk;
    if (kk < 0 || kk > cnt) return NaN;
    const v = r(Math.log(r(r(vv * ALPHA[i]) / r(r(a / r(uS * uS)) + b))));
    // the log-ratio bound of the squeeze, with Stirling tails
    const m = M[i], ratio = RATIO[i];
    const t2 = r(r(cnt + 1) * r(Math.log(r(r(r(cnt - m) + 1) / r(r(cnt - kk) + 1)))));
    const t3 = r(r(kk + 0.5) * r(Math.log(r(r(ratio * r(r(cnt - kk) + 1)) / r(kk + 1)))));
    let ub = r(r(T1[i] + t2) + t3);
    ub = r(ub + STM[i]);
    ub = r(ub + STNM[i]);
    ub = r(ub - stirlingTail(kk, r));
    ub = r(ub - stirlingTail(r(cnt - kk), r));
    return v <= ub ? kk : NaN;
  };
  const kOut = buf("kOut", n, Float64Array), first = buf("first", n, Int32Array);
  const lanes = buf("lanes", n, Int32Array);
  for (let i = 0; i < n; i++) lanes[i] = i;
  const us = buf("us", n, Float64Array), vs = buf("vs", n, Float64Array);
  const roundKeys: [Key, Key][] = [];
  // forward: round t tests the lanes that have not accepted yet
  let k: Key = key, live = n;
  while (live > 0) {
    if (roundKeys.length >= MAX_ROUNDS) stuck("binomial");
    const [next, s0, s1] = concrete.split(k[0], k[1], 3);
    k = next;
    roundKeys.push([s0, s1]);
    uniformsAt(s0, n, dtype, lanes, live, us);
    uniformsAt(s1, n, dtype, lanes, live, vs);
    let kept = 0;
    for (let j = 0; j < live; j++) {
      const i = lanes[j], kk = tryDraw(i, us[j], vs[j]);
      if (Number.isNaN(kk)) lanes[kept++] = i;
      else kOut[i] = kk, first[i] = roundKeys.length;
    }
    live = kept;
  }
  // backward: from round R down, the used lanes whose first acceptance came earlier, each
  // until it accepts (that round is its last acceptance) or reaches its first
  for (let i = 0; i < n; i++) if (used[i] && first[i] < roundKeys.length) lanes[live++] = i;
  for (let t = roundKeys.length; t > 1 && live > 0; t--) {
    const [s0, s1] = roundKeys[t - 1];
    let kept = 0;
    for (let j = 0; j < live; j++) if (first[lanes[j]] < t) lanes[kept++] = lanes[j];
    live = kept;
    uniformsAt(s0, n, dtype, lanes, live, us);
    uniformsAt(s1, n, dtype, lanes, live, vs);
    kept = 0;
    for (let j = 0; j < live; j++) {
      const i = lanes[j], kk = tryDraw(i, us[j], vs[j]);
      if (Number.isNaN(kk)) lanes[kept++] = i;
      else kOut[i] = kk;
    }
    live = kept;
  }
  return kOut;
}

/** JAX's `_binomial` on plain numbers: counts and probabilities per lane. */
function binomialValues(
  key: Key,
  counts: ArrayLike<number>,
  probs: ArrayLike<number>,
  dtype: DType,
): Float64Array {
  const r = rounder(dtype);
  const n = counts.length;
  const invCount = buf("invCount", n, Float64Array), invQ = buf("invQ", n, Float64Array);
  const rejCount = buf("rejCount", n, Float64Array), rejQ = buf("rejQ", n, Float64Array);
  const useInv = buf("useInv", n, Uint8Array), rejUsed = buf("rejUsed", n, Uint8Array);
  for (let i = 0; i < n; i++) {
    const cnt = counts[i], p = probs[i];
    let q = p < 0.5 ? p : r(1 - p);
    if (Number.isNaN(q) || q < 0) q = r(0.01);
    const fl = Math.floor(cnt);
    useInv[i] = Number.isNaN(cnt) || cnt < 0 || r(cnt * q) <= 10 ? 1 : 0;
    // JAX runs inversion with count 0 on the BTRS lanes and BTRS with (10⁴, ½) on the
    // others. Lanes do not meet in inversion, so it skips the BTRS lanes (count −1: never
    // active); in BTRS the placeholders still decide the round count (see btrs)
    invCount[i] = useInv[i] ? fl : -1;
    invQ[i] = q;
    rejCount[i] = useInv[i] ? 1e4 : fl;
    rejQ[i] = useInv[i] ? 0.5 : q;
    rejUsed[i] = 1 - useInv[i];
  }
  const inv = inversion(key, invCount, invQ, dtype);
  const rej = rejUsed.includes(1) ? btrs(key, rejCount, rejQ, rejUsed, dtype) : rejCount;
  const out = buf("out", n, Float64Array);
  for (let i = 0; i < n; i++) {
    const cnt = counts[i], p = probs[i];
    const pLtHalf = p < 0.5;
    const q = pLtHalf ? p : r(1 - p);
    const qNan = Number.isNaN(q), qNeg = q < 0;
    const countBad = Number.isNaN(cnt) || cnt < 0;
    const countInf = cnt === Infinity || cnt === -Infinity;
    let s = useInv[i] ? inv[i] : rej[i];
    if (qNeg || qNan || countBad) s = NaN;
    else if (countInf) s = Infinity;
    const keep = pLtHalf || countBad || qNan || countInf;
    out[i] = keep ? s : r(Math.floor(cnt) - s);
  }
  return out;
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
  const counts = roundAll(values(op, n, s), work), probs = roundAll(values(op, p, s), work);
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
  const ps = roundAll(values(op, p, s), work);
  const remainder = roundAll(values(op, n, batch), work);
  const keys = concrete.split(...concreteKey(op, key), K);
  const out = new Float64Array(lanes * K);
  // tails[i·K + k] = Σ_{j ≥ k} p_j, summed from the last outcome down, rounded each add
  const tails = new Float64Array(lanes * K);
  for (let i = 0; i < lanes; i++) {
    let tail = tails[i * K + K - 1] = ps[i * K + K - 1];
    for (let j = K - 2; j >= 0; j--) tail = tails[i * K + j] = r(tail + ps[i * K + j]);
  }
  const ratio = new Float64Array(lanes);
  pool = new Map();
  try {
    for (let k = 0; k < K; k++) {
      // ratio = p_k / Σ_{j ≥ k} p_j (1 where the tail is 0), clipped to [0, 1]
      for (let i = 0; i < lanes; i++) {
        const tail = tails[i * K + k];
        const x = r(ps[i * K + k] / (tail === 0 ? 1 : tail));
        ratio[i] = Number.isNaN(x) ? x : Math.min(Math.max(x, 0), 1);
      }
      const draw = binomialValues(keys[k], remainder, ratio, work);
      for (let i = 0; i < lanes; i++) {
        out[i * K + k] = draw[i];
        remainder[i] = r(remainder[i] - draw[i]);
      }
    }
  } finally {
    pool = null;
  }
  return np.array(new ArrayValue(out, [...s], "float64"), { dtype });
}
