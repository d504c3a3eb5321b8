/**
 * Rules of the primitives that change how a function is differentiated: `custom_jvp_call`
 * (a user's JVP rule), `custom_vjp_call` and its tangent `custom_vjp_lin` (a user's forward
 * and backward functions), and `checkpoint` (rematerialisation: recompute in the backward
 * pass rather than store).
 *
 * - custom JVP: the JVP rule evaluates the user's rule instead of differentiating `fun`. Under
 *   `linearize` the tangent half of the rule is staged, so it must be linear in the tangents
 *   (as in JAX), and reverse mode transposes it.
 * - custom VJP: the JVP rule runs `fwd` for the outputs and the residuals and emits
 *   `custom_vjp_lin(residuals, tangents)`, a linear map whose transpose is `bwd`. Forward mode
 *   cannot evaluate it (only its transpose is known), as in JAX. Differentiating twice
 *   differentiates `fwd` and `bwd` themselves.
 * - checkpoint: the JVP emits the primal call and a tangent call that takes the primal
 *   inputs (and, with "dots_saveable", the matmul results) and recomputes everything else;
 *   under `linearize` only those inputs are kept between the forward and backward passes, and
 *   the transpose recomputes the intermediates (`backwardPass` evaluates the known equations).
 *
 * Values a custom function closes over become leading inputs (`numConsts`); differentiating
 * with respect to one is an error that says to pass it as an argument.
 */
import { bind, evalJaxpr } from "../core/_trace.ts";
import { DATA, NDArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import { type Eqn, Jaxpr, LazyJaxpr, type PrimitiveParams, type Var } from "../core/_ir.ts";
import { EFFECTFUL } from "../core/_primitive_families.ts";
import {
  avalsOf,
  type BackwardPass,
  batchJaxpr,
  type Dim,
  type JvpFlat,
  jvpJaxpr,
  placeBatch,
  range,
  runnerOf,
  type T,
  type VmapFlat,
  zeros,
} from "./_higher_order.ts";
import { partialEval } from "./_partial_eval.ts";

type Arg = NDArray | { aval: unknown };
const isKnown = (a: Arg): a is NDArray => a instanceof NDArray;

function noClosureTangents(name: string, tangents: readonly T[], numConsts: number): void {
  if (tangents.slice(0, numConsts).some((t) => t !== null)) {
    throw new TypeError(
      `${name}: the function closes over an array that is being differentiated; its custom ` +
        `rule cannot see that derivative. Pass the array as an argument of the function instead.`,
    );
  }
}

/** Keeps only the equations the outputs depend on (and, with `effects`, the callbacks). */
function dce(j: Jaxpr, effects = false): Jaxpr {
  const live = new Set<Var>(j.outvars);
  const kept: Eqn[] = [];
  for (let k = j.eqns.length - 1; k >= 0; k--) {
    const e = j.eqns[k];
    if (e.outputs.some((o) => live.has(o)) || (effects && EFFECTFUL.has(e.prim))) {
      kept.push(e);
      e.inputs.forEach((v) => live.add(v));
    }
  }
  return new Jaxpr(j.invars, j.constvars, j.consts, kept.reverse(), j.outvars);
}

// ---- evaluation ------------------------------------------------------------------------

export const customEvalRules = {
  custom_jvp_call: (args: ArrayValue[], { fun }: PrimitiveParams["custom_jvp_call"]) =>
    runnerOf(fun)(args),
  custom_vjp_call: (args: ArrayValue[], { fun }: PrimitiveParams["custom_vjp_call"]) =>
    runnerOf(fun)(args),
  custom_vjp_lin: (): ArrayValue[] => {
    throw new TypeError(
      "customVjp: forward-mode differentiation (jvp, jacfwd, or applying linearize's tangent " +
        "map) of a customVjp function is not possible: only its backward function is known. " +
        "Use reverse mode (grad, vjp), or define the rule with customJvp instead.",
    );
  },
  checkpoint: (args: ArrayValue[], { jaxpr }: PrimitiveParams["checkpoint"]) =>
    runnerOf(jaxpr)(args),
};

// ---- JVP -----------------------------------------------------------------------------

/** d custom_jvp_call: the user's rule, evaluated on the primals and (zero-filled) tangents. */
export function customJvpJvp(
  primals: NDArray[],
  tangents: T[],
  { fun, jvp, numConsts }: PrimitiveParams["custom_jvp_call"],
): [NDArray[], T[]] {
  noClosureTangents("customJvp", tangents, numConsts);
  const ins = avalsOf(fun.invars);
  const tIn = range(numConsts, primals.length).map((i) => tangents[i] ?? zeros(ins[i]));
  const r = evalJaxpr(jvp.jaxpr, [...primals, ...tIn]);
  const nOut = fun.outvars.length;
  return [r.slice(0, nOut), r.slice(nOut)];
}

/** d custom_vjp_call: `fwd` now, and a `custom_vjp_lin` whose transpose is `bwd`. */
export function customVjpJvp(
  primals: NDArray[],
  tangents: T[],
  { fun, fwd, bwd, numConsts }: PrimitiveParams["custom_vjp_call"],
): [NDArray[], T[]] {
  noClosureTangents("customVjp", tangents, numConsts);
  const ins = avalsOf(fun.invars);
  const nOut = fun.outvars.length;
  const r = evalJaxpr(fwd.jaxpr, primals);
  const res = r.slice(nOut);
  const tIn = range(numConsts, primals.length).map((i) => tangents[i] ?? zeros(ins[i]));
  const touts = bind("custom_vjp_lin", [...primals.slice(0, numConsts), ...res, ...tIn], {
    bwd: bwd.jaxpr,
    numRes: numConsts + res.length,
    outAvals: avalsOf(fun.outvars),
  });
  return [r.slice(0, nOut), touts];
}

export function customVjpLinJvp(): [NDArray[], T[]] {
  return [customEvalRules.custom_vjp_lin(), []];
}

/**
 * d checkpoint: the primal call, then a tangent call that recomputes the primal
 * intermediates from the primal inputs (plus the saved matmul results under "dots_saveable").
 */
export function checkpointJvp(
  primals: NDArray[],
  tangents: T[],
  params: PrimitiveParams["checkpoint"],
  jvpFlat: JvpFlat,
): [NDArray[], T[]] {
  const { jaxpr, policy } = params;
  const n = primals.length, nOut = jaxpr.outvars.length;
  const nzIn = tangents.map((t) => t !== null);
  const jv = jvpJaxpr(jaxpr, nzIn, [], jvpFlat);
  const j = jv.jaxpr, nT = nzIn.filter(Boolean).length;
  const tOutvars = j.outvars.slice(nOut);
  let saved: Var[] = [];
  if (policy === "dots_saveable") {
    // every matmul result of the primal computation that the tangent computation reads
    const pe = partialEval(j, range(0, n + nT).map((i) => i < n));
    saved = pe.known.eqns.filter((e) => e.prim === "matmul").flatMap((e) => e.outputs);
    const tangentOf = (keep: readonly Var[]) =>
      dce(
        new Jaxpr(
          [...j.invars.slice(0, n), ...keep, ...j.invars.slice(n)],
          j.constvars,
          j.consts,
          j.eqns.filter((e) => !e.outputs.some((o) => keep.includes(o))),
          tOutvars,
        ),
      );
    const read = new Set(tangentOf(saved).eqns.flatMap((e) => e.inputs));
    saved = saved.filter((v) => read.has(v) || tOutvars.includes(v));
  }
  const savedSet = new Set(saved);
  const forward = dce(
    new Jaxpr(j.invars.slice(0, n), j.constvars, j.consts, j.eqns, [
      ...j.outvars.slice(0, nOut),
      ...saved,
    ]),
    true,
  );
  const tangent = dce(
    new Jaxpr(
      [...j.invars.slice(0, n), ...saved, ...j.invars.slice(n)],
      j.constvars,
      j.consts,
      j.eqns.filter((e) => !e.outputs.some((o) => savedSet.has(o))),
      tOutvars,
    ),
  );
  const outs = bind("checkpoint", primals, { jaxpr: forward, policy });
  const savedVals = outs.splice(nOut);
  const tOuts = bind("checkpoint", [
    ...primals,
    ...savedVals,
    ...tangents.filter((t) => t !== null) as NDArray[],
  ], { jaxpr: tangent, policy });
  let k = 0;
  return [outs, jv.nzOut.map((z) => (z ? tOuts[k++] : null))];
}

// ---- transposition ---------------------------------------------------------------------

/** custom_vjp_linᵀ is the user's `bwd`, applied to the residuals and the cotangents. */
export function customVjpLinTranspose(
  cts: T[],
  args: Arg[],
  { bwd, numRes, outAvals }: PrimitiveParams["custom_vjp_lin"],
): T[] {
  const known = args.slice(0, numRes) as NDArray[];
  const r = evalJaxpr(bwd, [...known, ...outAvals.map((a, i) => cts[i] ?? zeros(a))]);
  return [...known.map(() => null), ...r];
}

/** checkpointᵀ: recompute the known part of the body, then transpose the linear part. */
export function checkpointTranspose(
  cts: T[],
  args: Arg[],
  { jaxpr }: PrimitiveParams["checkpoint"],
  backwardPass: BackwardPass,
): T[] {
  const known = new Map<Var, NDArray>();
  args.forEach((a, i) => isKnown(a) && known.set(jaxpr.invars[i], a));
  const r = backwardPass(jaxpr, cts, known);
  return args.map((a, i) => (isKnown(a) ? null : r[i]));
}

// ---- batching --------------------------------------------------------------------------

const sizeFrom = (vals: readonly NDArray[], dims: readonly Dim[]) => {
  const i = dims.findIndex((d) => d !== null);
  return vals[i].shape[dims[i]!];
};

/**
 * Batches every program of a custom primitive with every input and output batched on axis 0:
 * the rules see one consistent layout (a shared input is broadcast; its cotangent is summed by
 * the transpose of that broadcast).
 */
function batchAll(
  vals: NDArray[],
  dims: Dim[],
  vmapFlat: VmapFlat,
): [NDArray[], (p: Jaxpr) => Jaxpr, number] {
  const size = sizeFrom(vals, dims);
  const args = vals.map((v, i) => placeBatch(v, dims[i], 0, size));
  const batch = (p: Jaxpr) =>
    batchJaxpr(p, p.invars.map(() => true), size, p.outvars.map(() => true), vmapFlat).jaxpr;
  return [args, batch, size];
}

export function customVmap<P extends "custom_jvp_call" | "custom_vjp_call">(
  prim: P,
  vals: NDArray[],
  dims: Dim[],
  params: PrimitiveParams[P],
  vmapFlat: VmapFlat,
): [NDArray[], Dim[]] {
  const [args, batch] = batchAll(vals, dims, vmapFlat);
  const lazy = (l: LazyJaxpr) => new LazyJaxpr(() => batch(l.jaxpr));
  if (prim === "custom_jvp_call") {
    const p = params as PrimitiveParams["custom_jvp_call"];
    const outs = bind("custom_jvp_call", args, { ...p, fun: batch(p.fun), jvp: lazy(p.jvp) });
    return [outs, outs.map(() => 0)];
  }
  const p = params as PrimitiveParams["custom_vjp_call"];
  const outs = bind("custom_vjp_call", args, {
    ...p,
    fun: batch(p.fun),
    fwd: lazy(p.fwd),
    bwd: lazy(p.bwd),
  });
  return [outs, outs.map(() => 0)];
}

export function customVjpLinVmap(
  vals: NDArray[],
  dims: Dim[],
  params: PrimitiveParams["custom_vjp_lin"],
  vmapFlat: VmapFlat,
): [NDArray[], Dim[]] {
  const [args, batch, size] = batchAll(vals, dims, vmapFlat);
  const bwd = batch(params.bwd);
  const outAvals = params.outAvals.map((a) => ({ shape: [size, ...a.shape], dtype: a.dtype }));
  const outs = bind("custom_vjp_lin", args, { ...params, bwd, outAvals });
  return [outs, outs.map(() => 0)];
}

export function checkpointVmap(
  vals: NDArray[],
  dims: Dim[],
  params: PrimitiveParams["checkpoint"],
  vmapFlat: VmapFlat,
): [NDArray[], Dim[]] {
  const size = sizeFrom(vals, dims);
  const b = dims.map((d) => d !== null);
  const none = params.jaxpr.outvars.map(() => false);
  const bj = batchJaxpr(params.jaxpr, b, size, none, vmapFlat);
  const args = vals.map((v, i) => (b[i] ? placeBatch(v, dims[i], 0, size) : v));
  const outs = bind("checkpoint", args, { ...params, jaxpr: bj.jaxpr });
  return [outs, bj.batchedOut.map((o) => (o ? 0 : null))];
}

// ---- debug_callback ------------------------------------------------------------------

/** Runs the callback on concrete values; it has no outputs. */
export function debugEval(args: ArrayValue[], { callback }: PrimitiveParams["debug_callback"]) {
  // copies: inside jit an intermediate lives in a buffer the next call overwrites, and the
  // callback may keep what it is given
  callback(args.map((a) => new ArrayValue(a[DATA].slice(), a.shape, a.dtype)));
  return [];
}

/** Under differentiation the callback sees the primal values; nothing has a tangent. */
export function debugJvp(
  primals: NDArray[],
  _tangents: T[],
  params: PrimitiveParams["debug_callback"],
): [NDArray[], T[]] {
  bind("debug_callback", primals, params);
  return [[], []];
}

/** Under vmap the callback runs once per example, in order (as JAX's debug callbacks do). */
export function debugVmap(
  vals: NDArray[],
  dims: Dim[],
  params: PrimitiveParams["debug_callback"],
): [NDArray[], Dim[]] {
  const size = sizeFrom(vals, dims);
  for (let b = 0; b < size; b++) {
    const example = vals.map((v, i) => {
      const d = dims[i];
      if (d === null) return v;
      const row = bind("slice", [v], {
        starts: v.shape.map((_, k) => (k === d ? b : 0)),
        stops: v.shape.map((n, k) => (k === d ? b + 1 : n)),
        steps: v.shape.map(() => 1),
      })[0];
      return bind("reshape", [row], { shape: v.shape.filter((_, k) => k !== d) })[0];
    });
    bind("debug_callback", example, params);
  }
  return [[], []];
}
