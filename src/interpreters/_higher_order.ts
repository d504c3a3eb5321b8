/**
 * Shared machinery of the higher-order primitives (`scan`, `cond`, `while_loop`): turning a
 * body jaxpr into its JVP, batched or transposed jaxpr, and running a body on concrete arrays.
 *
 * A rule of a higher-order primitive transforms its body once, by tracing the transform of
 * `evalJaxpr(body)` into a new jaxpr, and binds the primitive again with the new body: the
 * loop is never unrolled. The interpreters' entry points (`jvpFlat`, `vmapFlat`,
 * `backwardPass`) are passed in by each rule table, which keeps this file below them.
 *
 * Bodies run on concrete arrays through `runnerOf`: the jit compiler installs itself as
 * `loopHooks.compile`, so a loop body is compiled once and called once per iteration, and
 * `hoistedRunner` moves the part of a body that depends only on loop-invariant inputs out of
 * the loop (it runs once, before the first iteration).
 */
import { type Aval, avalOf, evalJaxpr } from "../core/_trace.ts";
import type { NDArray } from "../core/_ndarray.ts";
import type { ArrayValue } from "../core/_array_value.ts";
import type { Jaxpr, Var } from "../core/_ir.ts";
import * as lax from "../core/_lax.ts";
import { traceToJaxpr } from "./_staging.ts";
import { partialEval } from "./_partial_eval.ts";

/** A tangent or cotangent; `null` is a symbolic zero. */
export type T = NDArray | null;
/** A batch axis, or null for a value shared by the whole batch. */
export type Dim = number | null;

/** `jvpFlat` of `_jvp.ts`. */
export type JvpFlat = (
  f: (xs: NDArray[]) => NDArray[],
  primals: readonly NDArray[],
  tangents: readonly T[],
) => [NDArray[], T[]];
/** `vmapFlat` of `_batching.ts`. */
export type VmapFlat = (
  name: string,
  f: (xs: unknown[]) => unknown[],
  args: readonly unknown[],
  inDims: readonly Dim[],
  axisSize: number,
) => [NDArray[], Dim[]];
/** `backwardPass` of `_transpose.ts`: `known` gives the values of the non-linear inputs. */
export type BackwardPass = (
  jaxpr: Jaxpr,
  cts: readonly T[],
  known?: ReadonlyMap<Var, NDArray>,
) => T[];

export const avalsOf = (vs: readonly Var[]): Aval[] => vs.map((v) => v.aval);
export const zeros = (a: Aval): NDArray => lax.zerosLike(a);
export const range = (lo: number, hi: number): number[] =>
  Array.from({ length: Math.max(0, hi - lo) }, (_, i) => lo + i);

/** Moves axis `from` of `x` to position `to`. */
export function moveaxis(x: NDArray, from: number, to: number): NDArray {
  if (from === to) return x;
  const perm = range(0, x.ndim).filter((i) => i !== from);
  perm.splice(to, 0, from);
  return lax.transpose(x, perm);
}

/** Puts the batch axis of `x` (now `dim`) at `to`, broadcasting a shared value. */
export function placeBatch(x: NDArray, dim: Dim, to: number, size: number): NDArray {
  if (dim !== null) return moveaxis(x, dim, to);
  const ones = [...x.shape], shape = [...x.shape];
  ones.splice(to, 0, 1);
  shape.splice(to, 0, size);
  return lax.broadcast(lax.reshape(x, ones), shape);
}

/**
 * The JVP of `jaxpr` as a jaxpr: inputs `[primals..., tangents where nzIn]`, outputs
 * `[primal outputs..., tangents where nzOut]`. A tangent output is nonzero when the
 * differentiation produced one, or when `instantiate` asks for it (zeros are filled in).
 */
export function jvpJaxpr(
  jaxpr: Jaxpr,
  nzIn: readonly boolean[],
  instantiate: readonly boolean[],
  jvpFlat: JvpFlat,
): { jaxpr: Jaxpr; nzOut: boolean[] } {
  const avals = avalsOf(jaxpr.invars);
  let nzOut: boolean[] = [];
  const out = traceToJaxpr("jvp", (xs) => {
    let k = avals.length;
    const tangents = nzIn.map((nz) => (nz ? xs[k++] : null));
    const [outs, touts] = jvpFlat(
      (ys) => evalJaxpr(jaxpr, ys),
      xs.slice(0, avals.length),
      tangents,
    );
    nzOut = touts.map((t, i) => t !== null || instantiate[i]);
    const tOuts = touts.flatMap((t, i) => (nzOut[i] ? [t ?? zeros(avalOf(outs[i]))] : []));
    return [...outs, ...tOuts];
  }, [...avals, ...avals.filter((_, i) => nzIn[i])]);
  return { jaxpr: out, nzOut };
}

/**
 * `jaxpr` batched: inputs where `batchedIn` carry a leading batch axis of `size`; outputs
 * carry one where `batchedOut` (always where `force` asks, by broadcasting).
 */
export function batchJaxpr(
  jaxpr: Jaxpr,
  batchedIn: readonly boolean[],
  size: number,
  force: readonly boolean[],
  vmapFlat: VmapFlat,
): { jaxpr: Jaxpr; batchedOut: boolean[] } {
  const avals = jaxpr.invars.map((v, i) =>
    batchedIn[i] ? { shape: [size, ...v.aval.shape], dtype: v.aval.dtype } : v.aval
  );
  let batchedOut: boolean[] = [];
  const out = traceToJaxpr("vmap", (xs) => {
    const inDims = batchedIn.map((b) => (b ? 0 : null));
    const [outs, dims] = vmapFlat(
      "vmap",
      (ys) => evalJaxpr(jaxpr, ys as NDArray[]),
      xs,
      inDims,
      size,
    );
    batchedOut = dims.map((d, i) => d !== null || force[i]);
    return outs.map((o, i) => (batchedOut[i] ? placeBatch(o, dims[i], 0, size) : o));
  }, avals);
  return { jaxpr: out, batchedOut };
}

/**
 * Iterates `step` from `start` until the flags it returns stop growing (a carry that becomes
 * nonzero or batched in the body must be so from the start): the loops' fixed points.
 */
export function fixpoint<R>(
  start: boolean[],
  step: (flags: boolean[]) => [R, boolean[]],
): [R, boolean[]] {
  let flags = start;
  for (;;) {
    const [r, next] = step(flags);
    const merged = flags.map((f, i) => f || next[i]);
    if (merged.every((f, i) => f === flags[i])) return [r, flags];
    flags = merged;
  }
}

// ---- running bodies on concrete arrays ----------------------------------------------

/** Runs a jaxpr on concrete arrays. */
export type Runner = (args: ArrayValue[]) => ArrayValue[];

/** Installed by the jit compiler: compiles a body once for every later iteration. */
export const loopHooks: { compile?: (jaxpr: Jaxpr) => Runner } = {};

const runners = new WeakMap<Jaxpr, Runner>();

/** The compiled body (or the reference evaluator before jit is loaded). */
export function runnerOf(jaxpr: Jaxpr): Runner {
  let r = runners.get(jaxpr);
  if (!r) {
    r = loopHooks.compile?.(jaxpr) ?? ((args) => evalJaxpr(jaxpr, args) as ArrayValue[]);
    runners.set(jaxpr, r);
  }
  return r;
}

/** A body split into its loop-invariant part (run once) and the per-iteration part. */
export interface Hoisted {
  /** Maps the loop-invariant inputs to what the loop reads (null: the inputs themselves). */
  readonly invariant: Runner | null;
  /** Runs one iteration on `[invariant values..., the other inputs...]`. */
  readonly loop: Runner;
}

const hoistCache = new WeakMap<Jaxpr, Map<number, Hoisted>>();

/** Hoists out of the loop every equation of `jaxpr` that reads only its first `numInvariant` inputs. */
export function hoistedRunner(jaxpr: Jaxpr, numInvariant: number): Hoisted {
  let byN = hoistCache.get(jaxpr);
  if (!byN) hoistCache.set(jaxpr, byN = new Map());
  let h = byN.get(numInvariant);
  if (!h) {
    const known = jaxpr.invars.map((_, i) => i < numInvariant);
    const pe = partialEval(jaxpr, known, jaxpr.outvars.map(() => true), true);
    h = pe.numKnownEqns === 0
      ? { invariant: null, loop: runnerOf(jaxpr) }
      : { invariant: runnerOf(pe.known), loop: runnerOf(pe.unknown) };
    byN.set(numInvariant, h);
  }
  return h;
}
