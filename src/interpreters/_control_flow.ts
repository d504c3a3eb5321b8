/**
 * The rules of the control-flow primitives `scan`, `cond` and `while_loop` for evaluation,
 * JVP, transposition and batching. Each rule transforms the body jaxpr once and binds the
 * primitive again (see `_higher_order.ts`); the rule tables of `_eval.ts`, `_jvp.ts`,
 * `_transpose.ts` and `_batching.ts` call these with their own entry points.
 *
 * Reverse mode follows JAX: the JVP of a `scan` or `cond` is split by partial evaluation into
 * a primal program, run now, that also returns the residuals (per-iteration intermediates,
 * stacked), and a tangent program that reads them and is linear in the tangents. Under
 * `linearize` only the tangent program is staged, and transposing it is a `scan` running
 * backwards (or a `cond` of the transposed branches). `while_loop` has no transpose: its trip
 * count is known only at run time, so nothing says how many residuals to keep.
 */
import { avalOf } from "../core/_trace.ts";
import { allocate } from "../core/_dtype.ts";
import { DATA, NDArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import { Jaxpr, type PrimitiveParams, type Var } from "../core/_ir.ts";
import { bind, bind1 } from "../core/_trace.ts";
import { evalJaxpr } from "../core/_trace.ts";
import * as lax from "../core/_lax.ts";
import { sizeOf } from "../core/_shape.ts";
import { traceToJaxpr } from "./_staging.ts";
import { partialEval, permuteInvars } from "./_partial_eval.ts";
import {
  avalsOf,
  type BackwardPass,
  batchJaxpr,
  type Dim,
  fixpoint,
  hoistedRunner,
  type JvpFlat,
  jvpJaxpr,
  moveaxis,
  placeBatch,
  range,
  runnerOf,
  type T,
  type VmapFlat,
  zeros,
} from "./_higher_order.ts";

type ScanParams = PrimitiveParams["scan"];
type CondParams = PrimitiveParams["cond"];
type WhileParams = PrimitiveParams["while_loop"];
/** An operand of a linear equation: a known value, or a linear input (anything else). */
type Arg = NDArray | { aval: unknown };
const isLin = (a: Arg): boolean => !(a instanceof NDArray);
const count = (flags: readonly boolean[]) => flags.filter(Boolean).length;
const pick = <X>(xs: readonly X[], flags: readonly boolean[], want = true) =>
  xs.filter((_, i) => flags[i] === want);

// ---- evaluation ------------------------------------------------------------------------

function scanEval(args: ArrayValue[], p: ScanParams): ArrayValue[] {
  const { jaxpr, numConsts: nc, numCarry: ncar, length, reverse } = p;
  const h = hoistedRunner(jaxpr, nc);
  const consts = args.slice(0, nc);
  const pre = h.invariant ? h.invariant(consts) : consts;
  let carry = args.slice(nc, nc + ncar);
  const xs = args.slice(nc + ncar);
  const rowShapes = xs.map((x) => x.shape.slice(1));
  const rowSizes = rowShapes.map(sizeOf);
  const yAvals = avalsOf(jaxpr.outvars.slice(ncar));
  const ySizes = yAvals.map((a) => sizeOf(a.shape));
  const ys = yAvals.map((a, k) => allocate(a.dtype, length * ySizes[k]));
  for (let s = 0; s < length; s++) {
    const i = reverse ? length - 1 - s : s;
    const rows = xs.map((x, k) =>
      new ArrayValue(
        x[DATA].subarray(i * rowSizes[k], (i + 1) * rowSizes[k]),
        rowShapes[k],
        x.dtype,
      )
    );
    const outs = h.loop([...pre, ...carry, ...rows]);
    carry = outs.slice(0, ncar);
    for (let k = 0; k < ys.length; k++) ys[k].set(outs[ncar + k][DATA], i * ySizes[k]);
  }
  return [
    ...carry,
    ...ys.map((d, k) => new ArrayValue(d, [length, ...yAvals[k].shape], yAvals[k].dtype)),
  ];
}

function condEval([index, ...ops]: ArrayValue[], { branches }: CondParams): ArrayValue[] {
  // an out-of-range index is clamped to the first or last branch, as in JAX
  const i = Math.min(Math.max(index[DATA][0], 0), branches.length - 1);
  return runnerOf(branches[i])(ops);
}

function whileEval(args: ArrayValue[], p: WhileParams): ArrayValue[] {
  const { cond, body, condNumConsts: cnc, bodyNumConsts: bnc } = p;
  const condConsts = args.slice(0, cnc);
  const bh = hoistedRunner(body, bnc);
  const bodyConsts = args.slice(cnc, cnc + bnc);
  const pre = bh.invariant ? bh.invariant(bodyConsts) : bodyConsts;
  const test = runnerOf(cond);
  let carry = args.slice(cnc + bnc);
  while (test([...condConsts, ...carry])[0][DATA][0]) carry = bh.loop([...pre, ...carry]);
  return carry;
}

export const controlEvalRules = { scan: scanEval, cond: condEval, while_loop: whileEval };

// ---- JVP -----------------------------------------------------------------------------

/**
 * d scan: one primal scan that also stacks the residuals its tangent needs, then one tangent
 * scan over those residuals, linear in the tangents (carry tangents that become nonzero in
 * the body are instantiated from the start).
 */
export function scanJvp(
  primals: NDArray[],
  tangents: T[],
  p: ScanParams,
  jvpFlat: JvpFlat,
): [NDArray[], T[]] {
  const { jaxpr, numConsts: nc, numCarry: ncar } = p;
  const nz = tangents.map((t) => t !== null);
  const nOut = jaxpr.outvars.length;
  const [jv, nzCarry] = fixpoint(nz.slice(nc, nc + ncar), (carryNz) => {
    const nzIn = [...nz.slice(0, nc), ...carryNz, ...nz.slice(nc + ncar)];
    const inst = range(0, nOut).map((i) => i < ncar && carryNz[i]);
    const r = jvpJaxpr(jaxpr, nzIn, inst, jvpFlat);
    return [{ ...r, nzIn }, r.nzOut.slice(0, ncar)];
  });
  const { nzIn, nzOut } = jv;
  const n = primals.length, nT = count(nzIn), nOutT = count(nzOut);
  const pe = partialEval(
    jv.jaxpr,
    range(0, n + nT).map((i) => i < n),
    range(0, nOut + nOutT).map((i) => i >= nOut),
  );
  if (!pe.knownOut.slice(0, nOut).every(Boolean)) {
    throw new Error("internal: a primal output of a scan body depends on a tangent.");
  }
  // residuals that are loop-invariant inputs stay unstacked consts of the tangent scan
  const constVars = new Map<Var, number>(jv.jaxpr.invars.slice(0, nc).map((v, i) => [v, i]));
  const invariant = pe.residuals.map((v) => constVars.has(v));
  const stacked = pe.residuals.filter((_, i) => !invariant[i]);
  const known = new Jaxpr(
    pe.known.invars,
    pe.known.constvars,
    pe.known.consts,
    pe.known.eqns,
    [...pe.known.outvars.slice(0, nOut), ...stacked],
  );
  const R = pe.residuals.length;
  const nCt = count(nzIn.slice(0, nc)), nCart = count(nzCarry);
  const resIdx = range(0, R);
  const tangentBody = permuteInvars(pe.unknown, [
    ...resIdx.filter((i) => invariant[i]),
    ...range(R, R + nCt + nCart),
    ...resIdx.filter((i) => !invariant[i]),
    ...range(R + nCt + nCart, R + nT),
  ]);
  const primalOuts = bind("scan", primals, { ...p, jaxpr: known });
  const stackedVals = primalOuts.splice(nOut);
  const tIn = [
    ...pe.residuals.filter((_, i) => invariant[i]).map((v) => primals[constVars.get(v)!]),
    ...pick(tangents.slice(0, nc), nzIn.slice(0, nc)),
    ...range(nc, nc + ncar).flatMap((i) =>
      nzCarry[i - nc] ? [tangents[i] ?? zeros(avalOf(primals[i]))] : []
    ),
    ...stackedVals,
    ...pick(tangents.slice(nc + ncar), nzIn.slice(nc + ncar)),
  ] as NDArray[];
  const tOuts = bind("scan", tIn, {
    ...p,
    jaxpr: tangentBody,
    numConsts: count(invariant) + nCt,
    numCarry: nCart,
  });
  let k = 0;
  return [primalOuts, nzOut.map((z) => (z ? tOuts[k++] : null))];
}

/**
 * d cond: the same split per branch. The branches' residuals differ, so the primal `cond`
 * returns the residuals of every branch (zeros for those not taken) and the tangent `cond`
 * reads its own.
 */
export function condJvp(
  primals: NDArray[],
  tangents: T[],
  { branches }: CondParams,
  jvpFlat: JvpFlat,
): [NDArray[], T[]] {
  const [index, ...ops] = primals;
  const nzIn = tangents.slice(1).map((t) => t !== null);
  const nOut = branches[0].outvars.length;
  const nzOut = branches.map((b) => jvpJaxpr(b, nzIn, [], jvpFlat).nzOut)
    .reduce((a, b) => a.map((x, i) => x || b[i]));
  const n = ops.length, nT = count(nzIn), nOutT = count(nzOut);
  const pes = branches.map((b) =>
    partialEval(
      jvpJaxpr(b, nzIn, nzOut, jvpFlat).jaxpr,
      range(0, n + nT).map((i) => i < n),
      range(0, nOut + nOutT).map((i) => i >= nOut),
    )
  );
  const resAvals = pes.flatMap((pe) => avalsOf(pe.residuals));
  const offsets = pes.map((_, b) => pes.slice(0, b).reduce((s, pe) => s + pe.residuals.length, 0));
  const known = pes.map((pe, b) =>
    traceToJaxpr("jvp", (xs) => {
      const r = evalJaxpr(pe.known, xs);
      const res = resAvals.map((a, j) => {
        const own = j - offsets[b];
        return own >= 0 && own < pe.residuals.length ? r[nOut + own] : zeros(a);
      });
      return [...r.slice(0, nOut), ...res];
    }, avalsOf(branches[b].invars))
  );
  const tAvals = pick(avalsOf(branches[0].invars), nzIn);
  const unknown = pes.map((pe, b) =>
    traceToJaxpr("jvp", (xs) => {
      const own = xs.slice(offsets[b], offsets[b] + pe.residuals.length);
      return evalJaxpr(pe.unknown, [...own, ...xs.slice(resAvals.length)]);
    }, [...resAvals, ...tAvals])
  );
  const outs = bind("cond", [index, ...ops], { branches: known });
  const res = outs.splice(nOut);
  const tOuts = bind("cond", [index, ...res, ...pick(tangents.slice(1), nzIn) as NDArray[]], {
    branches: unknown,
  });
  let k = 0;
  return [outs, nzOut.map((z) => (z ? tOuts[k++] : null))];
}

/** d while: one loop over primals and tangents together (forward mode only). */
export function whileJvp(
  primals: NDArray[],
  tangents: T[],
  p: WhileParams,
  jvpFlat: JvpFlat,
): [NDArray[], T[]] {
  const { cond, body, condNumConsts: cnc, bodyNumConsts: bnc } = p;
  const ncar = primals.length - cnc - bnc;
  const nzConsts = tangents.slice(cnc, cnc + bnc).map((t) => t !== null);
  const [jv, nzCarry] = fixpoint(
    tangents.slice(cnc + bnc).map((t) => t !== null),
    (carryNz) => {
      const r = jvpJaxpr(body, [...nzConsts, ...carryNz], carryNz, jvpFlat);
      return [r, r.nzOut];
    },
  );
  const nBt = count(nzConsts), nCt = count(nzCarry);
  // body inputs [consts, constTangents, carry, carryTangents]
  const bodyT = permuteInvars(jv.jaxpr, [
    ...range(0, bnc),
    ...range(bnc + ncar, bnc + ncar + nBt),
    ...range(bnc, bnc + ncar),
    ...range(bnc + ncar + nBt, bnc + ncar + nBt + nCt),
  ]);
  const carryAvals = avalsOf(body.outvars);
  const condT = traceToJaxpr(
    "jvp",
    (xs) => evalJaxpr(cond, xs.slice(0, cnc + ncar)),
    [...avalsOf(cond.invars), ...pick(carryAvals, nzCarry)],
  );
  const outs = bind("while_loop", [
    ...primals.slice(0, cnc + bnc),
    ...pick(tangents.slice(cnc, cnc + bnc), nzConsts) as NDArray[],
    ...primals.slice(cnc + bnc),
    ...range(0, ncar).flatMap((i) =>
      nzCarry[i] ? [tangents[cnc + bnc + i] ?? zeros(carryAvals[i])] : []
    ),
  ], { cond: condT, body: bodyT, condNumConsts: cnc, bodyNumConsts: bnc + nBt });
  let k = ncar;
  return [outs.slice(0, ncar), nzCarry.map((z) => (z ? outs[k++] : null))];
}

// ---- transposition ---------------------------------------------------------------------

/**
 * scanᵀ: a scan in the opposite direction whose carry is the cotangent of the carry plus the
 * accumulated cotangents of the linear loop-invariant inputs, and whose outputs are the
 * cotangents of the linear scanned inputs. Each step transposes one body step.
 */
export function scanTranspose(
  cts: T[],
  args: Arg[],
  p: ScanParams,
  backwardPass: BackwardPass,
): T[] {
  const { jaxpr, numConsts: nc, numCarry: ncar, length, reverse } = p;
  // the carry of a tangent scan is linear (a known one is a zero tangent: treat it as linear)
  const lin = args.map((a, i) => (i >= nc && i < nc + ncar) || isLin(a));
  const ins = avalsOf(jaxpr.invars), outs = avalsOf(jaxpr.outvars);
  const linConsts = lin.slice(0, nc), linXs = lin.slice(nc + ncar);
  const nKc = count(linConsts.map((l) => !l)), nLc = count(linConsts);
  const nKx = count(linXs.map((l) => !l));
  const body = traceToJaxpr("transpose", (vs) => {
    let k = 0;
    const take = (m: number) => vs.slice(k, k += m);
    const [kc, acc, ctCarry, kx, ctYs] = [nKc, nLc, ncar, nKx, outs.length - ncar].map(take);
    const known = new Map<Var, NDArray>();
    const kcI = kc.values(), kxI = kx.values();
    jaxpr.invars.forEach((v, i) => {
      if (!lin[i]) known.set(v, (i < nc ? kcI : kxI).next().value!);
    });
    const r = backwardPass(jaxpr, [...ctCarry, ...ctYs], known);
    const ct = (i: number) => r[i] ?? zeros(ins[i]);
    const ctLc = range(0, nc).filter((i) => lin[i]).map(ct);
    return [
      ...acc.map((a, j) => lax.add(a, ctLc[j])),
      ...range(nc, nc + ncar).map(ct),
      ...range(nc + ncar, ins.length).filter((i) => lin[i]).map(ct),
    ];
  }, [
    ...pick(ins.slice(0, nc), linConsts, false),
    ...pick(ins.slice(0, nc), linConsts),
    ...outs.slice(0, ncar),
    ...pick(ins.slice(nc + ncar), linXs, false),
    ...outs.slice(ncar),
  ]);
  const ctOf = (i: number) =>
    cts[i] ??
      zeros(i < ncar ? outs[i] : { shape: [length, ...outs[i].shape], dtype: outs[i].dtype });
  const res = bind("scan", [
    ...pick(args.slice(0, nc), linConsts, false) as NDArray[],
    ...pick(ins.slice(0, nc), linConsts).map(zeros),
    ...range(0, ncar).map(ctOf),
    ...pick(args.slice(nc + ncar), linXs, false) as NDArray[],
    ...range(ncar, outs.length).map(ctOf),
  ], { jaxpr: body, numConsts: nKc, numCarry: nLc + ncar, length, reverse: !reverse });
  const ctConsts = res.slice(0, nLc),
    ctInit = res.slice(nLc, nLc + ncar),
    ctXs = res.slice(nLc + ncar);
  let a = 0, b = 0;
  return args.map((arg, i) =>
    i < nc
      ? (lin[i] ? ctConsts[a++] : null)
      : i < nc + ncar
      ? (isLin(arg) ? ctInit[i - nc] : null)
      : (lin[i] ? ctXs[b++] : null)
  );
}

/** condᵀ: the same branch, transposed: a `cond` of the transposed branches. */
export function condTranspose(
  cts: T[],
  [index, ...ops]: Arg[],
  { branches }: CondParams,
  backwardPass: BackwardPass,
): T[] {
  if (isLin(index)) throw new Error("internal: the index of a cond cannot be linear.");
  const lin = ops.map(isLin);
  const ins = avalsOf(branches[0].invars), outs = avalsOf(branches[0].outvars);
  const transposed = branches.map((b) =>
    traceToJaxpr("transpose", (vs) => {
      const known = new Map<Var, NDArray>();
      let k = 0;
      b.invars.forEach((v, i) => !lin[i] && known.set(v, vs[k++]));
      const r = backwardPass(b, vs.slice(k), known);
      return range(0, ins.length).filter((i) => lin[i]).map((i) => r[i] ?? zeros(ins[i]));
    }, [...pick(ins, lin, false), ...outs])
  );
  const res = bind("cond", [
    index as NDArray,
    ...pick(ops, lin, false) as NDArray[],
    ...outs.map((a, i) => cts[i] ?? zeros(a)),
  ], { branches: transposed });
  let k = 0;
  return [null, ...lin.map((l) => (l ? res[k++] : null))];
}

/** while_loop has no transpose: reverse mode needs the trip count before the loop runs. */
export function whileTranspose(): T[] {
  throw new Error(
    "Reverse-mode differentiation (grad, vjp, jacrev) of lax.whileLoop is not supported: its " +
      "number of iterations is known only when it runs, so the values the backward pass needs " +
      "cannot be stored. Use lax.foriLoop with static (number) bounds or lax.scan instead, or " +
      "forward mode (jvp, jacfwd).",
  );
}

// ---- batching --------------------------------------------------------------------------

const sizeFrom = (vals: readonly NDArray[], dims: readonly Dim[]) => {
  const i = dims.findIndex((d) => d !== null);
  return vals[i].shape[dims[i]!];
};

/** vmap of scan: the body batched once; scanned inputs and outputs keep the batch on axis 1. */
export function scanVmap(
  vals: NDArray[],
  dims: Dim[],
  p: ScanParams,
  vmapFlat: VmapFlat,
): [NDArray[], Dim[]] {
  const { jaxpr, numConsts: nc, numCarry: ncar } = p;
  const size = sizeFrom(vals, dims);
  const b = dims.map((d) => d !== null);
  const nOut = jaxpr.outvars.length;
  const [bj, carryB] = fixpoint(b.slice(nc, nc + ncar), (cb) => {
    const inB = [...b.slice(0, nc), ...cb, ...b.slice(nc + ncar)];
    const r = batchJaxpr(jaxpr, inB, size, range(0, nOut).map((i) => i < ncar && cb[i]), vmapFlat);
    return [r, r.batchedOut.slice(0, ncar)];
  });
  const args = vals.map((v, i) =>
    i < nc
      ? (b[i] ? moveaxis(v, dims[i]!, 0) : v)
      : i < nc + ncar
      ? (carryB[i - nc] ? placeBatch(v, dims[i], 0, size) : v)
      : (b[i] ? moveaxis(v, dims[i]!, 1) : v)
  );
  const outs = bind("scan", args, { ...p, jaxpr: bj.jaxpr });
  return [outs, bj.batchedOut.map((bo, i) => (bo ? (i < ncar ? 0 : 1) : null))];
}

/**
 * vmap of cond: with a shared index, one `cond` of the batched branches; with a batched
 * index, every branch runs on the whole batch and a `select` picks each example's result.
 */
export function condVmap(
  vals: NDArray[],
  dims: Dim[],
  { branches }: CondParams,
  vmapFlat: VmapFlat,
): [NDArray[], Dim[]] {
  const size = sizeFrom(vals, dims);
  const [index, ...ops] = vals;
  const opsB = dims.slice(1).map((d) => d !== null);
  const args = ops.map((v, i) => (opsB[i] ? moveaxis(v, dims[i + 1]!, 0) : v));
  const nOut = branches[0].outvars.length;
  if (dims[0] === null) {
    const union = branches.map((br) =>
      batchJaxpr(br, opsB, size, range(0, nOut).map(() => false), vmapFlat).batchedOut
    ).reduce((x, y) => x.map((f, i) => f || y[i]));
    const batched = branches.map((br) => batchJaxpr(br, opsB, size, union, vmapFlat).jaxpr);
    const outs = bind("cond", [index, ...args], { branches: batched });
    return [outs, union.map((u) => (u ? 0 : null))];
  }
  const idxAval = { shape: [size], dtype: "int32" as const };
  const idx = moveaxis(index, dims[0], 0);
  const clamped = lax.binary(
    "min",
    lax.binary("max", idx, lax.full(idxAval, 0)),
    lax.full(idxAval, branches.length - 1),
  );
  const hits = branches.map((_, b) => lax.binary("eq", clamped, lax.full(idxAval, b)));
  const maskLike = (hit: NDArray, x: NDArray) =>
    lax.broadcast(lax.reshape(hit, [size, ...x.shape.slice(1).map(() => 1)]), x.shape);
  // As JAX (jax#1052): every branch runs on every example, but a branch an example does not
  // take sees that example's operands through stop_gradient, so a NaN derivative there (sqrt
  // of a negative) cannot reach grad through the select. Shared operands are broadcast first.
  const batchedArgs = args.map((x, i) =>
    opsB[i] ? x : lax.broadcast(lax.reshape(x, [1, ...x.shape]), [size, ...x.shape])
  );
  const all = range(0, nOut).map(() => true);
  const results = branches.map((br, b) =>
    evalJaxpr(
      batchJaxpr(br, batchedArgs.map(() => true), size, all, vmapFlat).jaxpr,
      batchedArgs.map((x) => lax.select(maskLike(hits[b], x), x, bind1("stop_gradient", [x], {}))),
    )
  );
  const outs = range(0, nOut).map((k) => {
    let out = results[0][k];
    for (let b = 1; b < branches.length; b++) {
      out = lax.select(maskLike(hits[b], out), results[b][k], out);
    }
    return out;
  });
  return [outs, outs.map(() => 0)];
}

/**
 * vmap of while_loop: with a shared predicate, one loop of the batched body; with a batched
 * predicate, the loop runs while any example's predicate holds, and an example whose
 * predicate is false keeps its carry.
 */
export function whileVmap(
  vals: NDArray[],
  dims: Dim[],
  p: WhileParams,
  vmapFlat: VmapFlat,
): [NDArray[], Dim[]] {
  const { cond, body, condNumConsts: cnc, bodyNumConsts: bnc } = p;
  const size = sizeFrom(vals, dims);
  const b = dims.map((d) => d !== null);
  const ccB = b.slice(0, cnc), bcB = b.slice(cnc, cnc + bnc);
  const [{ bodyB, condB }, carryB] = fixpoint(b.slice(cnc + bnc), (cb) => {
    const condB = batchJaxpr(cond, [...ccB, ...cb], size, [false], vmapFlat);
    // a batched predicate makes every carry batched: the examples stop at different steps
    const force = condB.batchedOut[0] ? cb.map(() => true) : cb;
    const bodyB = batchJaxpr(body, [...bcB, ...cb], size, force, vmapFlat);
    return [{ bodyB, condB }, bodyB.batchedOut];
  });
  const args = vals.map((v, i) =>
    i < cnc + bnc
      ? (b[i] ? moveaxis(v, dims[i]!, 0) : v)
      : (carryB[i - cnc - bnc] ? placeBatch(v, dims[i], 0, size) : v)
  );
  const outDims = carryB.map((c) => (c ? 0 : null));
  if (!condB.batchedOut[0]) {
    return [bind("while_loop", args, { ...p, cond: condB.jaxpr, body: bodyB.jaxpr }), outDims];
  }
  const cAvals = avalsOf(condB.jaxpr.invars).slice(0, cnc);
  const bAvals = avalsOf(bodyB.jaxpr.invars);
  const carryAvals = bAvals.slice(bnc);
  const anyTrue = (pred: NDArray) =>
    lax.binary(
      "gt",
      bind("reduce_max", [lax.convert(pred, "int32")], { axes: [0] })[0],
      lax.full({ shape: [], dtype: "int32" }, 0),
    );
  const condAny = traceToJaxpr("vmap", (xs) => [anyTrue(evalJaxpr(condB.jaxpr, xs)[0])], [
    ...cAvals,
    ...carryAvals,
  ]);
  const bodyMasked = traceToJaxpr("vmap", (xs) => {
    const carry = xs.slice(cnc + bnc);
    const [pred] = evalJaxpr(condB.jaxpr, [...xs.slice(0, cnc), ...carry]);
    const next = evalJaxpr(bodyB.jaxpr, xs.slice(cnc));
    return next.map((n, i) => {
      const mask = lax.broadcast(
        lax.reshape(pred, [size, ...n.shape.slice(1).map(() => 1)]),
        n.shape,
      );
      return lax.select(mask, n, carry[i]);
    });
  }, [...cAvals, ...bAvals]);
  const outs = bind("while_loop", [...args.slice(0, cnc), ...args], {
    cond: condAny,
    body: bodyMasked,
    condNumConsts: cnc,
    bodyNumConsts: cnc + bnc,
  });
  return [outs, outDims];
}
