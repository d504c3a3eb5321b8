/**
 * Partial evaluation of a jaxpr (JAX's `partial_eval_jaxpr`): given which inputs are known
 * now, split the program into a known part, which computes everything that depends only on
 * known inputs plus the residuals the rest needs, and an unknown part, which takes the
 * residuals and the unknown inputs.
 *
 *   known:   knownIns            -> [knownOuts..., residuals...]
 *   unknown: [residuals..., unknownIns] -> unknownOuts
 *
 * The control-flow rules use it three ways: the JVP of a loop body splits into the primal
 * loop (run now, stacking residuals) and the tangent loop (linear, staged for transposition);
 * a `cond` splits the same way per branch; and evaluating a loop hoists the part of its body
 * that depends only on loop-invariant inputs out of the loop.
 *
 * An equation is known when all its inputs are known (constants of the jaxpr are known);
 * with `effectsUnknown`, a callback stays in the unknown part (it must run once per iteration).
 * Variables are shared between the two parts: both are views of one program.
 */
import { type Eqn, Jaxpr, type Var } from "../core/_ir.ts";
import { EFFECTFUL } from "../core/_primitive_families.ts";

/** The two parts of a partially evaluated jaxpr. */
export interface PartialEval {
  /** Known inputs -> [the known outputs, then the residuals]. */
  known: Jaxpr;
  /** [residuals, then the unknown inputs] -> the unknown outputs. */
  unknown: Jaxpr;
  /** Which outputs the known part computes (the rest come from the unknown part). */
  knownOut: boolean[];
  /** The residual variables, in order (some may be known inputs of the jaxpr). */
  residuals: Var[];
  /** How many equations the known part holds. */
  numKnownEqns: number;
}

/**
 * Splits `jaxpr` by `knownIn` (one flag per input). An output listed in `instantiate` is
 * always produced by the unknown part (a known value is passed through as a residual).
 */
export function partialEval(
  jaxpr: Jaxpr,
  knownIn: readonly boolean[],
  instantiate: readonly boolean[] = jaxpr.outvars.map(() => false),
  effectsUnknown = false,
): PartialEval {
  const known = new Set<Var>(jaxpr.constvars);
  jaxpr.invars.forEach((v, i) => knownIn[i] && known.add(v));
  const isConst = new Set<Var>(jaxpr.constvars);
  const knownEqns: Eqn[] = [], unknownEqns: Eqn[] = [];
  for (const e of jaxpr.eqns) {
    if (e.inputs.every((v) => known.has(v)) && !(effectsUnknown && EFFECTFUL.has(e.prim))) {
      knownEqns.push(e);
      e.outputs.forEach((o) => known.add(o));
    } else unknownEqns.push(e);
  }
  const knownOut = jaxpr.outvars.map((v, i) => known.has(v) && !instantiate[i]);
  // residuals: known, non-constant values read by the unknown part
  const residuals: Var[] = [];
  const seen = new Set<Var>();
  const need = (v: Var) => {
    if (known.has(v) && !isConst.has(v) && !seen.has(v)) seen.add(v), residuals.push(v);
  };
  for (const e of unknownEqns) e.inputs.forEach(need);
  jaxpr.outvars.forEach((v, i) => !knownOut[i] && need(v));
  const constsOf = (eqns: readonly Eqn[], outs: readonly Var[]) => {
    const used = new Set<Var>(outs);
    for (const e of eqns) e.inputs.forEach((v) => used.add(v));
    const idx = jaxpr.constvars.flatMap((v, i) => (used.has(v) ? [i] : []));
    return [idx.map((i) => jaxpr.constvars[i]), idx.map((i) => jaxpr.consts[i])] as const;
  };
  const knownOuts = [...jaxpr.outvars.filter((_, i) => knownOut[i]), ...residuals];
  const [kcv, kc] = constsOf(knownEqns, knownOuts);
  const unknownOuts = jaxpr.outvars.filter((_, i) => !knownOut[i]);
  const [ucv, uc] = constsOf(unknownEqns, unknownOuts);
  return {
    known: new Jaxpr(jaxpr.invars.filter((_, i) => knownIn[i]), kcv, kc, knownEqns, knownOuts),
    unknown: new Jaxpr(
      [...residuals, ...jaxpr.invars.filter((_, i) => !knownIn[i])],
      ucv,
      uc,
      unknownEqns,
      unknownOuts,
    ),
    knownOut,
    residuals,
    numKnownEqns: knownEqns.length,
  };
}

/** The same program with its inputs reordered: input i of the result is input `order[i]`. */
export function permuteInvars(jaxpr: Jaxpr, order: readonly number[]): Jaxpr {
  return new Jaxpr(
    order.map((i) => jaxpr.invars[i]),
    jaxpr.constvars,
    jaxpr.consts,
    jaxpr.eqns,
    jaxpr.outvars,
  );
}
