/**
 * Transposition of linear programs, the second half of reverse mode.
 *
 * `linearize` stages the tangent computation of a function as a jaxpr that is
 * linear in its inputs; `backwardPass` walks that jaxpr from the outputs back
 * to the inputs, applying each primitive's transpose rule: for a linear map
 * y = A x it turns a cotangent ȳ into x̄ = Aᵀ ȳ, and accumulates x̄ over every
 * use of x (the chain rule's sum over paths).
 *
 * Rules bind ordinary primitives, so the backward pass can itself be traced
 * and differentiated again (grad of grad).
 */
import type { Aval } from "../core/_trace.ts";
import type { Jaxpr, Var } from "../core/_ir.ts";
import { bind, bind1 } from "../core/_trace.ts";
import type { NDArray } from "../core/_ndarray.ts";
import type { Primitive, PrimitiveParams } from "../core/_ir.ts";
import * as lax from "../core/_lax.ts";
import { inversePermutation } from "../core/_shape.ts";
import { condTranspose, scanTranspose, whileTranspose } from "./_control_flow.ts";
import { checkpointTranspose, customVjpLinTranspose } from "./_custom.ts";
import { linalgTransposeRules } from "./_linalg_rules.ts";
import { fftTransposeRules } from "./_fft_rules.ts";
import { poolTransposeRules } from "./_pool_rules.ts";

/** Marks an operand that is a linear input of the equation (its value is unknown). */
export class LinearArg {
  constructor(readonly aval: Aval) {}
}

type Arg = NDArray | LinearArg;
type Ct = NDArray | null;

/** `ct` is the first output's cotangent; `cts` has every output's (null = zero). */
type TransposeFn<Q> = (ct: NDArray, args: Arg[], params: Q, cts: Ct[]) => Ct[];
export type TransposeRule<P extends Primitive> = TransposeFn<PrimitiveParams[P]>;

const isLin = (a: Arg): a is LinearArg => a instanceof LinearArg;

function notLinear<P extends Primitive>(prim: P): TransposeRule<P> {
  return () => {
    throw new Error(`internal: ${prim} is not linear and cannot be transposed.`);
  };
}

/** For a primitive that is linear in its only array operand, given the map back. */
const unaryLinear = <P extends Primitive>(
  back: (ct: NDArray, aval: Aval, params: PrimitiveParams[P]) => NDArray,
): TransposeRule<P> =>
(ct, [x], params) => [back(ct, (x as LinearArg).aval, params)];

export const transposeRules: { [P in Primitive]: TransposeRule<P> } = {
  // (-)ᵀ = -
  neg: (ct) => [lax.neg(ct)],
  // addition fans the cotangent out to both operands
  add: (ct, [x, y]) => [isLin(x) ? ct : null, isLin(y) ? ct : null],
  sub: (ct, [x, y]) => [isLin(x) ? ct : null, isLin(y) ? lax.neg(ct) : null],
  // multiplication by a constant c is self-adjoint: x̄ = c ȳ
  mul: (ct, [x, y]) => {
    if (isLin(x) && isLin(y)) throw new Error("internal: mul of two linear operands.");
    return isLin(x) ? [lax.mul(ct, y as NDArray), null] : [null, lax.mul(x as NDArray, ct)];
  },
  // x / c is linear in x only: x̄ = ȳ / c
  div: (ct, [x, y]) => {
    if (!isLin(x) || isLin(y)) throw new Error("internal: div is linear only in its numerator.");
    return [lax.div(ct, y as NDArray), null];
  },
  // select(p, a, b)ᵀ routes ȳ to a where p holds and to b elsewhere
  select: (ct, [p, a, b]) => {
    const zero = lax.zerosLike(ct);
    return [
      null,
      isLin(a) ? lax.select(p as NDArray, ct, zero) : null,
      isLin(b) ? lax.select(p as NDArray, zero, ct) : null,
    ];
  },
  convert: unaryLinear((ct, aval) => lax.convert(ct, aval.dtype)),
  // Σᵀ broadcasts back over the reduced axes
  reduce_sum: unaryLinear((ct, aval, { axes }) => lax.unreduce(ct, aval.shape, axes)),
  // y_i = Σ_{j ≤ i} x_j, so x̄_j = Σ_{i ≥ j} ȳ_i: the running sum from the other end
  cumsum: unaryLinear((ct, _aval, { axis, reverse }) =>
    lax.cumulative("cumsum", ct, axis, !reverse)
  ),
  // (AB)ᵀ: Ā = C̄ Bᵀ, B̄ = Aᵀ C̄ (transposing the two minor axes)
  matmul: (ct, [a, b]) => {
    const swap = (x: NDArray) => {
      const r = x.ndim;
      return lax.transpose(x, [...Array(r - 2).keys(), r - 1, r - 2]);
    };
    return [
      isLin(a) ? lax.matmul(ct, swap(b as NDArray)) : null,
      isLin(b) ? lax.matmul(swap(a as NDArray), ct) : null,
    ];
  },
  reshape: unaryLinear((ct, aval) => lax.reshape(ct, aval.shape)),
  transpose: unaryLinear((ct, _aval, { perm }) => lax.transpose(ct, inversePermutation(perm))),
  // broadcastᵀ sums over the broadcast axes
  broadcast: unaryLinear((ct, aval) => lax.sumToShape(ct, aval.shape)),
  // sliceᵀ pads the cotangent with zeros back to the operand's shape
  slice: unaryLinear((ct, aval, { starts, steps }) => {
    const hi = aval.shape.map((d, i) => {
      const n = ct.shape[i];
      return n === 0 ? d - starts[i] : d - (starts[i] + (n - 1) * steps[i] + 1);
    });
    const lo = [...starts];
    return bind1("pad", [ct], { lo, hi, interior: steps.map((s) => s - 1) });
  }),
  // padᵀ slices the operand's positions back out
  pad: unaryLinear((ct, aval, { lo, interior }) => {
    const steps = interior.map((i) => i + 1);
    const stops = aval.shape.map((d, i) => lo[i] + (d === 0 ? 0 : (d - 1) * steps[i] + 1));
    return bind1("slice", [ct], { starts: [...lo], stops, steps });
  }),
  // concatenateᵀ splits the cotangent into the operands' pieces
  concatenate: (ct, args, { axis }) => {
    let start = 0;
    return args.map((a) => {
      const aval = isLin(a) ? a.aval : a;
      const size = aval.shape[axis];
      const starts = ct.shape.map((_, i) => (i === axis ? start : 0));
      const stops = ct.shape.map((d, i) => (i === axis ? start + size : d));
      start += size;
      return isLin(a)
        ? bind1("slice", [ct], { starts, stops, steps: ct.shape.map(() => 1) })
        : null;
    });
  },
  // takeᵀ scatter-adds the cotangent back to the gathered rows (repeated indices add up)
  take: (ct, [x, idx], { axis }) => [
    bind1("scatter_add", [ct, idx as NDArray], { axis, size: (x as LinearArg).aval.shape[axis] }),
    null,
  ],
  scatter_add: (ct, [_u, idx], { axis }) => [bind1("take", [ct, idx as NDArray], { axis }), null],
  exp: notLinear("exp"),
  log: notLinear("log"),
  log1p: notLinear("log1p"),
  expm1: notLinear("expm1"),
  sin: notLinear("sin"),
  cos: notLinear("cos"),
  tan: notLinear("tan"),
  tanh: notLinear("tanh"),
  sqrt: notLinear("sqrt"),
  rsqrt: notLinear("rsqrt"),
  logistic: notLinear("logistic"),
  abs: notLinear("abs"),
  sign: notLinear("sign"),
  floor: notLinear("floor"),
  ceil: notLinear("ceil"),
  round: notLinear("round"),
  erf: notLinear("erf"),
  erfc: notLinear("erfc"),
  erf_inv: notLinear("erf_inv"),
  lgamma: notLinear("lgamma"),
  digamma: notLinear("digamma"),
  atan2: notLinear("atan2"),
  rem: notLinear("rem"),
  and: notLinear("and"),
  or: notLinear("or"),
  xor: notLinear("xor"),
  shift_left: notLinear("shift_left"),
  shift_right_logical: notLinear("shift_right_logical"),
  shift_right_arithmetic: notLinear("shift_right_arithmetic"),
  argsort: notLinear("argsort"),
  cummax: notLinear("cummax"),
  cummin: notLinear("cummin"),
  cumlogsumexp: notLinear("cumlogsumexp"),
  cumprod: notLinear("cumprod"),
  pow: notLinear("pow"),
  max: notLinear("max"),
  min: notLinear("min"),
  eq: notLinear("eq"),
  ne: notLinear("ne"),
  lt: notLinear("lt"),
  le: notLinear("le"),
  gt: notLinear("gt"),
  ge: notLinear("ge"),
  stop_gradient: notLinear("stop_gradient"),
  reduce_max: notLinear("reduce_max"),
  reduce_min: notLinear("reduce_min"),
  reduce_prod: notLinear("reduce_prod"),
  argmax: notLinear("argmax"),
  argmin: notLinear("argmin"),
  random_bits: notLinear("random_bits"),
  jit_call: notLinear("jit_call"),
  // control flow: the body transposed once (see _control_flow.ts)
  scan: (_ct, args, params, cts) => scanTranspose(cts, args, params, backwardPass),
  cond: (_ct, args, params, cts) => condTranspose(cts, args, params, backwardPass),
  while_loop: () => whileTranspose(),
  // custom rules (see _custom.ts): a custom call is gone after JVP, its tangent is linear
  custom_jvp_call: notLinear("custom_jvp_call"),
  custom_vjp_call: notLinear("custom_vjp_call"),
  custom_vjp_lin: (_ct, args, params, cts) => customVjpLinTranspose(cts, args, params),
  checkpoint: (_ct, args, params, cts) => checkpointTranspose(cts, args, params, backwardPass),
  debug_callback: notLinear("debug_callback"),
  ...linalgTransposeRules,
  ...fftTransposeRules,
  ...poolTransposeRules,
};

/**
 * Transposes a linear jaxpr: given cotangents of its outputs (null = zero),
 * returns the cotangents of its inputs (null where no path reaches them).
 *
 * `known` gives values for inputs that are not linear (the residuals a loop body reads);
 * equations that read only known values are evaluated forward first.
 */
export function backwardPass(
  jaxpr: Jaxpr,
  cts: readonly Ct[],
  known?: ReadonlyMap<Var, NDArray>,
): Ct[] {
  const consts = new Map<Var, NDArray>(jaxpr.constvars.map((v, i) => [v, jaxpr.consts[i]]));
  known?.forEach((x, v) => consts.set(v, x));
  const linearEqns = [];
  for (const e of jaxpr.eqns) {
    if (known && e.inputs.every((v) => consts.has(v))) {
      const outs = bind(e.prim, e.inputs.map((v) => consts.get(v)!), e.params);
      e.outputs.forEach((v, i) => consts.set(v, outs[i]));
    } else linearEqns.push(e);
  }
  const ctEnv = new Map<Var, NDArray>();
  const accumulate = (v: Var, ct: NDArray) => {
    if (consts.has(v)) return; // constants are not differentiated
    const prev = ctEnv.get(v);
    ctEnv.set(v, prev ? lax.add(prev, ct) : ct);
  };
  jaxpr.outvars.forEach((v, i) => {
    const ct = cts[i];
    if (ct) accumulate(v, ct);
  });
  for (let k = linearEqns.length - 1; k >= 0; k--) {
    const e = linearEqns[k];
    const outCts = e.outputs.map((v) => ctEnv.get(v) ?? null);
    if (outCts.every((c) => c === null)) continue; // no path from this equation to an output
    e.outputs.forEach((v) => ctEnv.delete(v));
    const args = e.inputs.map((v) => consts.get(v) ?? new LinearArg(v.aval));
    const rule = transposeRules[e.prim] as TransposeRule<Primitive>;
    const ct = outCts[0] ?? lax.zerosLike(e.outputs[0].aval);
    const inCts = rule(ct, args, e.params, outCts);
    e.inputs.forEach((v, i) => {
      const c = inCts[i];
      if (c && isLin(args[i])) accumulate(v, c);
    });
  }
  return jaxpr.invars.map((v) => ctEnv.get(v) ?? null);
}
