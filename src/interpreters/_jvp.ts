/**
 * Forward-mode differentiation. A `JVPTracer` carries a primal and a tangent;
 * a tangent of `null` is a symbolic zero, so constants and integer values cost
 * nothing. Each rule maps primals and tangents to output primals and tangents,
 * and is linear in the tangents (which is what lets `linearize` stage the
 * tangent computation and `_transpose.ts` reverse it).
 */
import { isFloat } from "../core/_dtype.ts";
import { type Aval, avalOf, bind, fullRaise, Trace, Tracer, withMain } from "../core/_trace.ts";
import { evalJaxpr } from "../core/_trace.ts";
import type { NDArray } from "../core/_ndarray.ts";
import type { ArrayValue } from "../core/_array_value.ts";
import type { Primitive, PrimitiveParams } from "../core/_ir.ts";
import type { UnaryPrimitive } from "../core/_primitive_families.ts";
import * as lax from "../core/_lax.ts";
import { condJvp, scanJvp, whileJvp } from "./_control_flow.ts";
import { checkpointJvp, customJvpJvp, customVjpJvp, customVjpLinJvp, debugJvp } from "./_custom.ts";
import { linalgJvpRules } from "./_linalg_rules.ts";
import { fftJvpRules } from "./_fft_rules.ts";
import { poolJvpRules } from "./_pool_rules.ts";
import { concreteValue } from "../core/_array_value.ts";
import { associativeScan } from "./_associative_scan.ts";

type T = NDArray | null;

type JvpFn<Q> = (primals: NDArray[], tangents: T[], params: Q) => [NDArray[], T[]];
export type JvpRule<P extends Primitive> = JvpFn<PrimitiveParams[P]>;

export class JVPTracer extends Tracer {
  readonly aval: Aval;
  constructor(readonly _trace: JVPTrace, readonly primal: NDArray, readonly tangent: T) {
    super();
    this.aval = avalOf(primal);
  }
  _value(): ArrayValue {
    this.assertAlive();
    return concreteValue(this.primal);
  }
}

export class JVPTrace extends Trace {
  pure(x: NDArray): JVPTracer {
    return new JVPTracer(this, x, null);
  }
  processPrimitive<P extends Primitive>(
    prim: P,
    tracers: JVPTracer[],
    params: PrimitiveParams[P],
  ): NDArray[] {
    const primals = tracers.map((t) => t.primal);
    const tangents = tracers.map((t) => t.tangent);
    if (tangents.every((t) => t === null)) {
      // Nothing to differentiate: run the primal op and keep zero tangents.
      return bind(prim, primals, params).map((p) => new JVPTracer(this, p, null));
    }
    const [outs, touts] = jvpRules[prim](primals, tangents, params);
    return outs.map((p, i) => new JVPTracer(this, p, touts[i]));
  }
}

// ---- helpers over symbolic zeros ---------------------------------------------

const instantiate = (t: T, like: NDArray): NDArray => t ?? lax.zerosLike(avalOf(like));
const addT = (a: T, b: T): T => (a === null ? b : b === null ? a : lax.add(a, b));
const mulT = (t: T, y: NDArray): T => (t === null ? null : lax.mul(t, y));

/** A rule for y = f(x) whose derivative is `dfdx(x, y)`: dy = dfdx · dx. */
const chain = <P extends UnaryPrimitive>(
  p: P,
  dfdx: (x: NDArray, y: NDArray) => NDArray,
): JvpRule<P> =>
([x], [t]) => {
  const y = lax.unary(p, x);
  return [[y], [mulT(t, dfdx(x, y))]];
};

/** A rule for an op that is linear in all its array operands: apply it to the tangents. */
const linear = <P extends Primitive>(prim: P): JvpRule<P> => (primals, tangents, params) => {
  const outs = bind(prim, primals, params);
  const touts = bind(prim, tangents.map((t, i) => instantiate(t, primals[i])), params);
  return [outs, touts];
};

/** A rule for an op whose output is piecewise constant in its inputs: zero tangent. */
const zeroTangent = <P extends Primitive>(prim: P): JvpRule<P> => (primals, _t, params) => {
  const outs = bind(prim, primals, params);
  return [outs, outs.map(() => null)];
};

/** d max(x, y) = dx where x > y, dy where y > x, their mean at ties, 0 where x or y is NaN (as JAX). */
const minMax = <P extends "max" | "min">(prim: P): JvpRule<P> => ([x, y], [tx, ty]) => {
  const out = lax.binary(prim, x, y);
  const a = instantiate(tx, x), b = instantiate(ty, y);
  const pick = prim === "max" ? "gt" : "lt";
  // a tie (x == y) splits the tangent evenly; a NaN on either side compares false everywhere,
  // so its tangent is 0, as in JAX (whose max/min JVP tests x == max(x, y), false for NaN)
  const half = lax.scale(lax.add(a, b), 0.5);
  const tie = lax.select(lax.binary("eq", x, y), half, lax.zerosLike(avalOf(half)));
  const t = lax.select(
    lax.binary(pick, x, y),
    a,
    lax.select(lax.binary(pick, y, x), b, tie),
  );
  return [[out], [t]];
};

/** d reduce_max = the tangent at the location of the maximum (split evenly among ties). */
const reduceExtremum =
  <P extends "reduce_max" | "reduce_min">(prim: P): JvpRule<P> => ([x], [t], { axes }) => {
    const out = bind(prim, [x], { axes })[0];
    const mask = lax.convert(lax.binary("eq", x, lax.unreduce(out, x.shape, axes)), x.dtype);
    const count = lax.reduceSum(mask, axes);
    const tOut = lax.div(lax.reduceSum(lax.mul(instantiate(t, x), mask), axes), count);
    return [[out], [tOut]];
  };

/**
 * For y of shape [..., n]: out[..., i] = Π_{j≠i} y[..., j], as the product of the exclusive
 * prefix and suffix products, each an inclusive scan by doubling shifts (log2 n multiplies).
 */
function productOfOthers(y: NDArray): NDArray {
  const r = y.ndim - 1, n = y.shape[r];
  if (n <= 1) return lax.full(y, 1);
  const lead = y.shape.slice(0, r);
  const part = (v: NDArray, lo: number, hi: number) =>
    lo === 0 && hi === n ? v : bind("slice", [v], {
      starts: v.shape.map((_, i) => (i === r ? lo : 0)),
      stops: v.shape.map((d, i) => (i === r ? hi : d)),
      steps: v.shape.map(() => 1),
    })[0];
  const ones = (s: number) => lax.full({ shape: [...lead, s], dtype: y.dtype }, 1);
  const cat = (a: NDArray, b: NDArray) => bind("concatenate", [a, b], { axis: r })[0];
  // shift by s along the last axis towards higher (+1) or lower (-1) indices, filling with ones
  const shift = (v: NDArray, s: number, dir: 1 | -1) =>
    dir === 1 ? cat(ones(s), part(v, 0, n - s)) : cat(part(v, s, n), ones(s));
  const exclusiveScan = (dir: 1 | -1) => {
    let v = y;
    for (let s = 1; s < n; s *= 2) v = lax.mul(v, shift(v, s, dir));
    return shift(v, 1, dir);
  };
  return lax.mul(exclusiveScan(1), exclusiveScan(-1));
}

/**
 * ψ'(x), the trigamma function, from primitives (so digamma is differentiable to any order):
 * ψ'(x) = Σ_{k<6} 1/(x + k)² + ψ'(x + 6), the tail from the asymptotic series
 * ψ'(z) ~ 1/z + 1/(2z²) + 1/(6z³) − 1/(30z⁵) + 1/(42z⁷) − 1/(30z⁹); for x < 1/2 the
 * reflection ψ'(x) = π² / sin²(πx) − ψ'(1 − x).
 */
function trigamma(x: NDArray): NDArray {
  const c = (v: number) => lax.full(x, v);
  const positive = (y: NDArray) => {
    let acc: NDArray = c(0);
    let z = y;
    for (let k = 0; k < 6; k++) {
      acc = lax.add(acc, lax.div(c(1), lax.mul(z, z)));
      z = lax.add(z, c(1));
    }
    const r = lax.div(c(1), z), r2 = lax.mul(r, r);
    // r + r²/2 + r³ (1/6 − r² (1/30 − r² (1/42 − r²/30)))
    const inner = lax.sub(
      c(1 / 6),
      lax.mul(r2, lax.sub(c(1 / 30), lax.mul(r2, lax.sub(c(1 / 42), lax.scale(r2, 1 / 30))))),
    );
    const tail = lax.add(lax.add(r, lax.scale(r2, 0.5)), lax.mul(lax.mul(r2, r), inner));
    return lax.add(acc, tail);
  };
  const small = lax.binary("lt", x, c(0.5));
  const safe = lax.select(small, lax.sub(c(1), x), x); // ≥ 1/2 on both branches
  const s = lax.unary("sin", lax.scale(x, Math.PI));
  const reflected = lax.sub(lax.div(c(Math.PI * Math.PI), lax.mul(s, s)), positive(safe));
  return lax.select(small, reflected, positive(safe));
}

/**
 * JAX's logaddexp from primitives: max(a, b) + log1p(exp(−|a − b|)), or a + b where a − b is
 * NaN (two equal infinities, or a NaN operand).
 */
function logAddExp(a: NDArray, b: NDArray): NDArray {
  const d = lax.sub(a, b);
  const tail = lax.unary("log1p", lax.unary("exp", lax.neg(lax.unary("abs", d))));
  const sum = lax.add(lax.binary("max", a, b), tail);
  return lax.select(lax.binary("ne", d, d), lax.add(a, b), sum);
}

function cumulative<P extends "cummax" | "cummin" | "cumprod" | "cumlogsumexp">(
  prim: P,
  combine: (a: NDArray, b: NDArray) => NDArray,
): JvpRule<P> {
  return ([x], [t], params) => {
    const out = bind(prim, [x], params);
    const scan = (xs: NDArray[]) => [associativeScan(combine, xs[0], params.axis, params.reverse)];
    const [, [tout]] = jvpFlat(scan, [x], [instantiate(t, x)], prim);
    return [out, [tout]];
  };
}

export const jvpRules: { [P in Primitive]: JvpRule<P> } = {
  // d(-x) = -dx
  neg: linear("neg"),
  // d exp(x) = exp(x) dx
  exp: chain("exp", (_x, y) => y),
  // d log(x) = dx / x
  log: ([x], [t]) => [[lax.unary("log", x)], [t && lax.div(t, x)]],
  // d log1p(x) = dx / (1 + x)
  log1p: ([x], [t]) => [[lax.unary("log1p", x)], [t && lax.div(t, lax.add(x, lax.full(x, 1)))]],
  // d expm1(x) = (expm1(x) + 1) dx
  expm1: chain("expm1", (_x, y) => lax.add(y, lax.full(y, 1))),
  // d sin(x) = cos(x) dx
  sin: chain("sin", (x) => lax.unary("cos", x)),
  // d cos(x) = -sin(x) dx
  cos: chain("cos", (x) => lax.neg(lax.unary("sin", x))),
  // d tan(x) = (1 + tan(x)^2) dx
  tan: chain("tan", (_x, y) => lax.add(lax.full(y, 1), lax.mul(y, y))),
  // d tanh(x) = (1 - tanh(x)^2) dx
  tanh: chain("tanh", (_x, y) => lax.sub(lax.full(y, 1), lax.mul(y, y))),
  // d sqrt(x) = dx / (2 sqrt(x))
  sqrt: ([x], [t]) => {
    const y = lax.unary("sqrt", x);
    return [[y], [t && lax.div(t, lax.scale(y, 2))]];
  },
  // d x^(-1/2) = -x^(-1/2) / (2x) dx
  rsqrt: chain("rsqrt", (x, y) => lax.div(lax.scale(y, -0.5), x)),
  // d σ(x) = σ(x)(1 - σ(x)) dx
  logistic: chain("logistic", (_x, y) => lax.mul(y, lax.sub(lax.full(y, 1), y))),
  // d |x| = (x ≥ 0 ? 1 : −1) dx: +1 at 0 (and at −0), as JAX
  abs: chain(
    "abs",
    (x) => lax.select(lax.binary("ge", x, lax.full(x, 0)), lax.full(x, 1), lax.full(x, -1)),
  ),
  // piecewise constant: zero derivative almost everywhere
  sign: zeroTangent("sign"),
  floor: zeroTangent("floor"),
  ceil: zeroTangent("ceil"),
  round: zeroTangent("round"),
  // d erf(x) = (2/√π) e^(−x²) dx
  erf: chain(
    "erf",
    (x) => lax.scale(lax.unary("exp", lax.neg(lax.mul(x, x))), 2 / Math.sqrt(Math.PI)),
  ),
  // d erfc(x) = −(2/√π) e^(−x²) dx
  erfc: chain(
    "erfc",
    (x) => lax.scale(lax.unary("exp", lax.neg(lax.mul(x, x))), -2 / Math.sqrt(Math.PI)),
  ),
  // d erf⁻¹(x) = (√π/2) e^(erf⁻¹(x)²) dx
  erf_inv: chain(
    "erf_inv",
    (_x, y) => lax.scale(lax.unary("exp", lax.mul(y, y)), Math.sqrt(Math.PI) / 2),
  ),
  // d log Γ(x) = ψ(x) dx
  lgamma: chain("lgamma", (x) => lax.unary("digamma", x)),
  // d ψ(x) = ψ'(x) dx
  digamma: chain("digamma", (x) => trigamma(x)),
  // d(x ± y) = dx ± dy
  add: ([x, y], [tx, ty]) => [[lax.add(x, y)], [addT(tx, ty)]],
  sub: ([x, y], [tx, ty]) => [[lax.sub(x, y)], [addT(tx, ty && lax.neg(ty))]],
  // d(xy) = y dx + x dy
  mul: ([x, y], [tx, ty]) => [[lax.mul(x, y)], [addT(mulT(tx, y), mulT(ty, x))]],
  // d(x/y) = (dx - (x/y) dy) / y
  div: ([x, y], [tx, ty]) => {
    const out = lax.div(x, y);
    const num = addT(tx, ty && lax.neg(lax.mul(ty, out)));
    return [[out], [num && lax.div(num, y)]];
  },
  // d x^y = y x^(y-1) dx + log(x) x^y dy, with 0·x^(-1) read as 0 when y = 0 and log 0 read as 0
  pow: ([x, y], [tx, ty]) => {
    const out = lax.binary("pow", x, y);
    let t: T = null;
    if (tx) {
      const zero = lax.zerosLike(y);
      const dx = lax.select(
        lax.binary("eq", y, zero),
        zero,
        lax.mul(y, lax.binary("pow", x, lax.sub(y, lax.full(y, 1)))),
      );
      t = lax.mul(tx, dx);
    }
    if (ty) {
      const safeX = lax.select(lax.binary("eq", x, lax.zerosLike(x)), lax.full(x, 1), x);
      t = addT(t, lax.mul(ty, lax.mul(lax.unary("log", safeX), out)));
    }
    return [[out], [t]];
  },
  max: minMax("max"),
  min: minMax("min"),
  // d atan2(y, x) = (x dy − y dx) / (x² + y²)
  atan2: ([y, x], [ty, tx]) => {
    const out = lax.binary("atan2", y, x);
    const r2 = lax.add(lax.mul(x, x), lax.mul(y, y));
    const num = addT(mulT(ty, x), tx && lax.neg(lax.mul(tx, y)));
    return [[out], [num && lax.div(num, r2)]];
  },
  // d rem(x, y) = dx − trunc(x / y) dy, where trunc(x / y) = (x − rem(x, y)) / y exactly
  rem: ([x, y], [tx, ty]) => {
    const out = lax.binary("rem", x, y);
    const q = lax.unary("round", lax.div(lax.sub(x, out), y));
    return [[out], [addT(tx, ty && lax.neg(lax.mul(ty, q)))]];
  },
  and: zeroTangent("and"),
  or: zeroTangent("or"),
  xor: zeroTangent("xor"),
  // integer results: no tangent
  shift_left: zeroTangent("shift_left"),
  shift_right_logical: zeroTangent("shift_right_logical"),
  shift_right_arithmetic: zeroTangent("shift_right_arithmetic"),
  eq: zeroTangent("eq"),
  ne: zeroTangent("ne"),
  lt: zeroTangent("lt"),
  le: zeroTangent("le"),
  gt: zeroTangent("gt"),
  ge: zeroTangent("ge"),
  // d select(p, a, b) = select(p, da, db)
  select: ([p, a, b], [, ta, tb]) => {
    const out = lax.select(p, a, b);
    if (ta === null && tb === null) return [[out], [null]];
    return [[out], [lax.select(p, instantiate(ta, a), instantiate(tb, b))]];
  },
  // converting between float types is linear; to int or bool it has no derivative
  convert: ([x], [t], { dtype }) => {
    const out = lax.convert(x, dtype);
    const differentiable = isFloat(dtype) && isFloat(x.dtype);
    return [[out], [differentiable && t ? lax.convert(t, dtype) : null]];
  },
  stop_gradient: zeroTangent("stop_gradient"),
  // d Σx = Σ dx
  reduce_sum: linear("reduce_sum"),
  cumsum: linear("cumsum"),
  // d cummax, d cummin, d cumprod: the JVP of the same running op written as JAX's
  // associative scan of max, min or mul (so ties split the tangent as in JAX, and a
  // product's derivative needs no division); the primal comes from the O(n) kernel
  cummax: cumulative("cummax", (a, b) => lax.binary("max", a, b)),
  cummin: cumulative("cummin", (a, b) => lax.binary("min", a, b)),
  cumlogsumexp: cumulative("cumlogsumexp", logAddExp),
  cumprod: cumulative("cumprod", lax.mul),
  reduce_max: reduceExtremum("reduce_max"),
  reduce_min: reduceExtremum("reduce_min"),
  // d Πx = Σ_i (Π_{j≠i} x_j) dx_i, with Π_{j≠i} x_j = (Π_{j<i} x_j)(Π_{j>i} x_j) built from
  // products only (no division), so it is exact at zeros and differentiable again.
  reduce_prod: ([x], [t], { axes }) => {
    const out = bind("reduce_prod", [x], { axes })[0];
    const kept = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
    const keptShape = kept.map((i) => x.shape[i]);
    const n = axes.reduce((s, i) => s * x.shape[i], 1);
    // move the reduced axes last and fold them into one axis of size n
    const fold = (y: NDArray) =>
      lax.reshape(lax.transpose(y, [...kept, ...axes]), [...keptShape, n]);
    const others = productOfOthers(fold(x));
    return [[out], [lax.reduceSum(lax.mul(fold(instantiate(t, x)), others), [kept.length])]];
  },
  argmax: zeroTangent("argmax"),
  argmin: zeroTangent("argmin"),
  argsort: zeroTangent("argsort"),
  // d(AB) = dA B + A dB
  matmul: ([a, b], [ta, tb]) => [
    [lax.matmul(a, b)],
    [addT(ta && lax.matmul(ta, b), tb && lax.matmul(a, tb))],
  ],
  reshape: linear("reshape"),
  transpose: linear("transpose"),
  broadcast: linear("broadcast"),
  slice: linear("slice"),
  pad: linear("pad"),
  concatenate: linear("concatenate"),
  // take is linear in x; the indices carry no tangent
  take: ([x, idx], [t], params) => {
    const out = bind("take", [x, idx], params);
    return [out, [t && bind("take", [t, idx], params)[0]]];
  },
  scatter_add: ([u, idx], [t], params) => {
    const out = bind("scatter_add", [u, idx], params);
    return [out, [t && bind("scatter_add", [t, idx], params)[0]]];
  },
  random_bits: zeroTangent("random_bits"),
  // a compiled call is differentiated by differentiating its program
  jit_call: (primals, tangents, { jaxpr }) =>
    jvpFlat((xs) => evalJaxpr(jaxpr, xs), primals, tangents),
  // control flow: the body's JVP, traced once (see _control_flow.ts)
  scan: (primals, tangents, params) => scanJvp(primals, tangents, params, jvpFlat),
  cond: (primals, tangents, params) => condJvp(primals, tangents, params, jvpFlat),
  while_loop: (primals, tangents, params) => whileJvp(primals, tangents, params, jvpFlat),
  // custom rules (see _custom.ts)
  custom_jvp_call: customJvpJvp,
  custom_vjp_call: customVjpJvp,
  custom_vjp_lin: customVjpLinJvp,
  checkpoint: (primals, tangents, params) => checkpointJvp(primals, tangents, params, jvpFlat),
  debug_callback: debugJvp,
  ...linalgJvpRules,
  ...fftJvpRules,
  ...poolJvpRules,
};

/** Runs `f` under a fresh JVP transform: returns output primals and tangents (null = zero). */
export function jvpFlat(
  f: (xs: NDArray[]) => NDArray[],
  primals: readonly NDArray[],
  tangents: readonly T[],
  name = "jvp",
): [NDArray[], T[]] {
  return withJvp(name, (trace) => {
    const outs = f(primals.map((p, i) => new JVPTracer(trace, p, tangents[i])));
    const tracers = outs.map((o) => lowerTo(trace, o));
    return [tracers.map((t) => t.primal), tracers.map((t) => t.tangent)];
  });
}

export function withJvp<R>(name: string, body: (trace: JVPTrace) => R): R {
  return withMain(name, (main) => new JVPTrace(main), body);
}

/** Brings an output of the traced function into `trace` (constants get zero tangents). */
export function lowerTo(trace: JVPTrace, x: NDArray): JVPTracer {
  return fullRaise(trace, x) as JVPTracer;
}
