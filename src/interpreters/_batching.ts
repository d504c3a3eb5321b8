/**
 * The batching interpreter behind `vmap`. A `BatchTracer` stands for one
 * example of a batch: it holds the whole batch `val` and the axis `bdim` of
 * `val` that indexes the examples (`null` when every example shares the value).
 * Its aval is the per-example shape, so user code sees unbatched shapes.
 *
 * Each rule maps batched operands (values and batch axes) to batched results.
 * Rules only bind ordinary primitives, so a batched program can itself be
 * differentiated, staged or batched again. Moving the batch axis to the front
 * (`moveaxis(x, d, 0)`) is the normal form when operands disagree; rules keep
 * the axis where it is when they can do so without a transpose.
 */
import { outputArrays } from "../core/_args.ts";
import {
  type Aval,
  avalOf,
  bind,
  bind1,
  fmtAval,
  fullRaise,
  type MainTrace,
  Trace,
  Tracer,
  withMain,
} from "../core/_trace.ts";
import { allocate } from "../core/_dtype.ts";
import { evalJaxpr } from "../core/_trace.ts";
import type { Jaxpr } from "../core/_ir.ts";
import { traceToJaxpr } from "./_staging.ts";
import { DATA, type NDArray } from "../core/_ndarray.ts";
import { ArrayValue, concreteValue } from "../core/_array_value.ts";
import type { Primitive, PrimitiveParams } from "../core/_ir.ts";
import {
  BINARY_PRIMITIVES,
  COMPARE_PRIMITIVES,
  SHIFT_PRIMITIVES,
  UNARY_PRIMITIVES,
} from "../core/_primitive_families.ts";
import * as lax from "../core/_lax.ts";
import { condVmap, scanVmap, whileVmap } from "./_control_flow.ts";
import { checkpointVmap, customVjpLinVmap, customVmap, debugVmap } from "./_custom.ts";
import { linalgVmapRules } from "./_linalg_rules.ts";
import { fftVmapRules } from "./_fft_rules.ts";
import { poolVmapRules } from "./_pool_rules.ts";

/** The batch axis of a value, or `null` when the value is the same for every example. */
export type Dim = number | null;

type VmapFn<Q> = (vals: NDArray[], dims: Dim[], params: Q) => [NDArray[], Dim[]];
export type VmapRule<P extends Primitive> = VmapFn<PrimitiveParams[P]>;

export class BatchTracer extends Tracer {
  readonly aval: Aval;
  constructor(readonly _trace: BatchTrace, readonly val: NDArray, readonly bdim: Dim) {
    super();
    this.aval = bdim === null
      ? avalOf(val)
      : { shape: val.shape.filter((_, i) => i !== bdim), dtype: val.dtype };
  }
  _value(): ArrayValue {
    this.assertAlive();
    // a value shared by every example is well defined
    if (this.bdim === null) return concreteValue(this.val);
    throw new TypeError(
      `Cannot read the value of a batched array inside vmap(): it holds ${this._trace.axisSize} ` +
        `different values (one ${fmtAval(this.aval)} per example), so a branch or loop on its ` +
        `contents (if, a ternary, item(), toArray()) cannot be mapped over the batch. Express the ` +
        `choice with np.where, or read the values after vmap returns.`,
    );
  }
}

export class BatchTrace extends Trace {
  constructor(main: MainTrace, readonly axisSize: number) {
    super(main);
  }
  pure(x: NDArray): BatchTracer {
    return new BatchTracer(this, x, null);
  }
  processPrimitive<P extends Primitive>(
    prim: P,
    tracers: BatchTracer[],
    params: PrimitiveParams[P],
  ): NDArray[] {
    const vals = tracers.map((t) => t.val);
    const dims = tracers.map((t) => t.bdim);
    if (dims.every((d) => d === null)) {
      // nothing batched: one application serves every example
      return bind(prim, vals, params).map((v) => new BatchTracer(this, v, null));
    }
    const [outs, outDims] = vmapRules[prim](vals, dims, params);
    return outs.map((o, i) => new BatchTracer(this, o, outDims[i]));
  }
}

// ---- moving and materialising batch axes ------------------------------------------

/** Moves axis `from` of `x` to position `to`. */
export function moveaxis(x: NDArray, from: number, to: number): NDArray {
  if (from === to) return x;
  const perm = [...Array(x.ndim).keys()].filter((i) => i !== from);
  perm.splice(to, 0, from);
  return lax.transpose(x, perm);
}

/** Inserts a batch axis of `size` at `axis` by broadcasting (for values shared by all examples). */
export function broadcastBatch(x: NDArray, size: number, axis: number): NDArray {
  const ones = [...x.shape];
  ones.splice(axis, 0, 1);
  const shape = [...x.shape];
  shape.splice(axis, 0, size);
  return lax.broadcast(lax.reshape(x, ones), shape);
}

/** Puts the batch axis of `x` (currently `dim`) at `to`, materialising it when `dim` is null. */
export function placeBatchAxis(x: NDArray, dim: Dim, to: number, size: number): NDArray {
  return dim === null ? broadcastBatch(x, size, to) : moveaxis(x, dim, to);
}

function batchSize(vals: readonly NDArray[], dims: readonly Dim[]): number {
  const i = dims.findIndex((d) => d !== null);
  return vals[i].shape[dims[i]!];
}

/** Brings every operand to a batch axis at `to` (the first batched operand's axis by default). */
function alignAt(vals: NDArray[], dims: Dim[], to?: number): [NDArray[], number] {
  const size = batchSize(vals, dims);
  const t = to ?? dims.find((d) => d !== null)!;
  return [vals.map((v, i) => placeBatchAxis(v, dims[i], t, size)), t];
}

const insertAt = <T>(xs: readonly T[], at: number, x: T): T[] => {
  const out = [...xs];
  out.splice(at, 0, x);
  return out;
};

/** Per-example axis `a` seen in a value whose batch axis is `d`. */
const shiftAxis = (a: number, d: number): number => (a >= d ? a + 1 : a);

function int32(values: ArrayLike<number>, shape: readonly number[]): ArrayValue {
  const data = allocate("int32", values.length);
  data.set(values);
  return new ArrayValue(data, shape, "int32");
}

/**
 * Batched indices into an axis of length `n`, per example `b` turned into
 * indices `b·n + i` of the batch's axes flattened together. Negative indices are
 * normalised first; concrete indices are range-checked (as eager `take` does).
 * `idx` has its batch axis at 0.
 */
function offsetIndices(op: string, idx: NDArray, n: number): NDArray {
  if (!(idx instanceof Tracer)) {
    const data = (idx as ArrayValue)[DATA];
    for (let j = 0; j < data.length; j++) {
      if (data[j] < -n || data[j] >= n) {
        throw new RangeError(`${op}: index ${data[j]} is out of bounds for an axis of size ${n}.`);
      }
    }
  }
  const aval: Aval = { shape: idx.shape, dtype: "int32" };
  const zero = lax.full(aval, 0);
  // i < 0 reads from the end: i + n
  const wrapped = lax.select(lax.binary("lt", idx, zero), lax.add(idx, lax.full(aval, n)), idx);
  const size = idx.shape[0];
  const offsets = int32(Array.from({ length: size }, (_, b) => b * n), [size]);
  const ones = idx.shape.map((d, i) => (i === 0 ? d : 1));
  return lax.add(wrapped, lax.broadcast(lax.reshape(offsets, ones), idx.shape));
}

// ---- rule families -----------------------------------------------------------------

/** Elementwise ops act per element, so any batch axis works once all operands share it. */
const elementwise = <P extends Primitive>(prim: P): VmapRule<P> => (vals, dims, params) => {
  const [aligned, d] = alignAt(vals, dims);
  return [bind(prim, aligned, params), [d]];
};

/** A reduction over per-example `axes` reduces the shifted axes; the batch axis survives. */
const reduction =
  <P extends "reduce_sum" | "reduce_max" | "reduce_min" | "reduce_prod">(prim: P): VmapRule<P> =>
  ([x], [d], { axes }) => {
    const b = d!;
    const out = bind1(prim, [x], { axes: axes.map((a) => shiftAxis(a, b)) });
    return [[out], [b - axes.filter((a) => a < b).length]];
  };

const argReduction =
  <P extends "argmax" | "argmin">(prim: P): VmapRule<P> => ([x], [d], { axis }) => {
    const b = d!;
    const out = bind1(prim, [x], { axis: shiftAxis(axis, b) });
    return [[out], [axis < b ? b - 1 : b]];
  };

/** take with the batch axis only on `x`: gather along the shifted axis. */
function takeBatchedX(x: NDArray, dx: number, idx: NDArray, axis: number): [NDArray[], Dim[]] {
  const out = bind1("take", [x, idx], { axis: shiftAxis(axis, dx) });
  return [[out], [dx <= axis ? dx : dx - 1 + idx.ndim]];
}

/** A batched key: one call per example, stacked (keys are few and bits are cheap). */
const randomBits: VmapRule<"random_bits"> = ([key], [d], params) => {
  const { shape } = params;
  const keys = moveaxis(key, d!, 0);
  const size = keys.shape[0];
  if (size === 0) return [[ArrayValue.zeros([0, ...shape], "int32")], [0]];
  const rows = [];
  for (let b = 0; b < size; b++) {
    const k = lax.reshape(
      bind1("slice", [keys], { starts: [b, 0], stops: [b + 1, 2], steps: [1, 1] }),
      [2],
    );
    rows.push(lax.reshape(bind1("random_bits", [k], params), [1, ...shape]));
  }
  return [[rows.length === 1 ? rows[0] : bind1("concatenate", rows, { axis: 0 })], [0]];
};

// ---- jit_call: batch the program once, keep it compiled -------------------------------

interface BatchedProgram {
  jaxpr: Jaxpr;
  outDims: Dim[];
}

const batchedPrograms = new WeakMap<Jaxpr, Map<string, BatchedProgram>>();

/** The jaxpr batched for inputs whose batch axes are at 0 (or null), cached per jaxpr. */
function batchJaxpr(jaxpr: Jaxpr, dims: readonly Dim[], size: number): BatchedProgram {
  let byDims = batchedPrograms.get(jaxpr);
  if (!byDims) batchedPrograms.set(jaxpr, byDims = new Map());
  const key = `${dims.map((d) => (d === null ? "-" : d)).join(",")}|${size}`;
  let program = byDims.get(key);
  if (!program) {
    let outDims: Dim[] = [];
    const avals = jaxpr.invars.map((v, i) =>
      dims[i] === null ? v.aval : { shape: [size, ...v.aval.shape], dtype: v.aval.dtype }
    );
    const batched = traceToJaxpr("vmap", (xs) => {
      const [outs, ds] = vmapFlat(
        "vmap",
        (ys) => evalJaxpr(jaxpr, ys as NDArray[]),
        xs,
        dims,
        size,
      );
      outDims = ds.map((d) => (d === null ? null : 0));
      return outs.map((o, i) => (ds[i] === null ? o : moveaxis(o, ds[i]!, 0)));
    }, avals);
    program = { jaxpr: batched, outDims };
    byDims.set(key, program);
  }
  return program;
}

const jitCall: VmapRule<"jit_call"> = (vals, dims, { jaxpr, name, precision }) => {
  const size = batchSize(vals, dims);
  const inDims = dims.map((d) => (d === null ? null : 0));
  const program = batchJaxpr(jaxpr, inDims, size);
  const args = vals.map((v, i) => (dims[i] === null ? v : moveaxis(v, dims[i]!, 0)));
  const params = precision
    ? { jaxpr: program.jaxpr, name, precision }
    : { jaxpr: program.jaxpr, name };
  return [bind("jit_call", args, params), program.outDims];
};

// ---- the table -----------------------------------------------------------------------

const cumulative =
  <P extends "cumsum" | "cummax" | "cummin" | "cumprod" | "cumlogsumexp">(prim: P): VmapRule<P> =>
  ([x], [d], { axis, reverse }) => [[bind1(prim, [x], { axis: shiftAxis(axis, d!), reverse })], [
    d,
  ]];

const structural = {
  select: elementwise("select"),
  convert: elementwise("convert"),
  stop_gradient: elementwise("stop_gradient"),
  reduce_sum: reduction("reduce_sum"),
  reduce_max: reduction("reduce_max"),
  reduce_min: reduction("reduce_min"),
  reduce_prod: reduction("reduce_prod"),
  argmax: argReduction("argmax"),
  argmin: argReduction("argmin"),
  // running reductions act on each example's lane: the scanned axis shifts past the batch axis
  cumsum: cumulative("cumsum"),
  cummax: cumulative("cummax"),
  cummin: cumulative("cummin"),
  cumlogsumexp: cumulative("cumlogsumexp"),
  cumprod: cumulative("cumprod"),
  // sorting each example's lane: the batch axis stays where it is, the sorted axis shifts
  argsort: ([x], [d], { axis, descending }) => [
    [bind1("argsort", [x], { axis: shiftAxis(axis, d!), descending })],
    [d],
  ],
  // [...b, m, k] x [...b, k, n]
  matmul: ([a, b], [da, db]) => {
    if (da !== null && db !== null) {
      // both batched: the batch axis becomes one more leading batch axis of matmul
      return [[lax.matmul(moveaxis(a, da, 0), moveaxis(b, db, 0))], [0]];
    }
    if (da !== null) {
      // only a: fold the batch into m, [...b, B·m, k] x [...b, k, n]
      const r = a.ndim - 1, size = a.shape[da];
      const moved = moveaxis(a, da, r - 2);
      const lead = moved.shape.slice(0, r - 2);
      const [m, k] = moved.shape.slice(r - 1);
      const out = lax.matmul(lax.reshape(moved, [...lead, size * m, k]), b);
      return [[lax.reshape(out, [...lead, size, m, b.shape[r - 1]])], [r - 2]];
    }
    // only b: fold the batch into n, [...b, m, k] x [...b, k, B·n]
    const r = b.ndim - 1, size = b.shape[db!];
    const moved = moveaxis(b, db!, r - 1);
    const lead = moved.shape.slice(0, r - 2);
    const [k, , n] = moved.shape.slice(r - 2);
    const out = lax.matmul(a, lax.reshape(moved, [...lead, k, size * n]));
    return [[lax.reshape(out, [...lead, a.shape[r - 2], size, n])], [r - 1]];
  },
  reshape: ([x], [d], { shape }) => {
    const front = moveaxis(x, d!, 0);
    return [[lax.reshape(front, [front.shape[0], ...shape])], [0]];
  },
  // the batch axis goes first in the output: one transpose does both moves
  transpose: ([x], [d], { perm }) => {
    const b = d!;
    return [[lax.transpose(x, [b, ...perm.map((p) => shiftAxis(p, b))])], [0]];
  },
  broadcast: ([x], [d], { shape }) => [
    [lax.broadcast(x, insertAt(shape, d!, x.shape[d!]))],
    [d],
  ],
  slice: ([x], [d], { starts, stops, steps }) => {
    const b = d!;
    const params = {
      starts: insertAt(starts, b, 0),
      stops: insertAt(stops, b, x.shape[b]),
      steps: insertAt(steps, b, 1),
    };
    return [[bind1("slice", [x], params)], [b]];
  },
  pad: ([x], [d], { lo, hi, interior }) => {
    const b = d!;
    const params = {
      lo: insertAt(lo, b, 0),
      hi: insertAt(hi, b, 0),
      interior: insertAt(interior, b, 0),
    };
    return [[bind1("pad", [x], params)], [b]];
  },
  concatenate: (vals, dims, { axis }) => {
    const [aligned, b] = alignAt(vals, dims);
    return [[bind1("concatenate", aligned, { axis: shiftAxis(axis, b) })], [b]];
  },
  // take(x, idx, axis): out = x[:axis] + idx.shape + x[axis+1:]
  take: ([x, idx], [dx, di], { axis }) => {
    if (di === null) return takeBatchedX(x, dx!, idx, axis);
    if (dx === null) {
      // shared x, batched indices: the batch axis sits inside the index axes
      return [[bind1("take", [x, idx], { axis })], [axis + di]];
    }
    // both batched: flatten (batch, axis) of x into one axis and offset each example's indices
    const xf = moveaxis(moveaxis(x, dx, 0), axis + 1, 1);
    const [size, n] = xf.shape;
    const flat = lax.reshape(xf, [size * n, ...xf.shape.slice(2)]);
    const i = offsetIndices("take", moveaxis(idx, di, 0), n);
    const out = bind1("take", [flat, i], { axis: 0 }); // [B, ...idx, ...pre, ...post]
    const ni = idx.ndim - 1;
    const perm = [0, ...range(1 + ni, 1 + ni + axis), ...range(1, 1 + ni)];
    for (let k = 1 + ni + axis; k < out.ndim; k++) perm.push(k);
    return [[lax.transpose(out, perm)], [0]];
  },
  // scatter_add(u, idx, axis, size): u = pre + idx.shape + post -> pre + [size] + post
  scatter_add: ([u, idx], [du, di], { axis, size }) => {
    if (di === null) {
      const front = moveaxis(u, du!, 0);
      return [[bind1("scatter_add", [front, idx], { axis: axis + 1, size })], [0]];
    }
    // batched indices: scatter each example into its own block of a (batch·size) axis
    const batch = idx.shape[di];
    const uf = placeBatchAxis(u, du, 0, batch); // [B, ...pre, ...idx, ...post]
    const ni = idx.ndim - 1;
    const perm = [0, ...range(1 + axis, 1 + axis + ni), ...range(1, 1 + axis)];
    for (let k = 1 + axis + ni; k < uf.ndim; k++) perm.push(k);
    const ut = lax.transpose(uf, perm); // [B, ...idx, ...pre, ...post]
    const i = offsetIndices("scatter_add", moveaxis(idx, di, 0), size);
    const out = bind1("scatter_add", [ut, i], { axis: 0, size: batch * size });
    const rest = out.shape.slice(1);
    const split = lax.reshape(out, [batch, size, ...rest]); // [B, size, ...pre, ...post]
    return [[moveaxis(split, 1, 1 + axis)], [0]];
  },
  random_bits: randomBits,
  jit_call: jitCall,
  // control flow: the body batched once (see _control_flow.ts)
  scan: (vals, dims, params) => scanVmap(vals, dims, params, vmapFlat),
  cond: (vals, dims, params) => condVmap(vals, dims, params, vmapFlat),
  while_loop: (vals, dims, params) => whileVmap(vals, dims, params, vmapFlat),
  // custom rules (see _custom.ts)
  custom_jvp_call: (vals, dims, params) =>
    customVmap("custom_jvp_call", vals, dims, params, vmapFlat),
  custom_vjp_call: (vals, dims, params) =>
    customVmap("custom_vjp_call", vals, dims, params, vmapFlat),
  custom_vjp_lin: (vals, dims, params) => customVjpLinVmap(vals, dims, params, vmapFlat),
  checkpoint: (vals, dims, params) => checkpointVmap(vals, dims, params, vmapFlat),
  debug_callback: debugVmap,
  ...linalgVmapRules,
  ...fftVmapRules,
  ...poolVmapRules,
} satisfies {
  [
    P in Exclude<
      Primitive,
      | typeof UNARY_PRIMITIVES[number]
      | typeof BINARY_PRIMITIVES[number]
      | typeof SHIFT_PRIMITIVES[number]
      | typeof COMPARE_PRIMITIVES[number]
    >
  ]: VmapRule<P>;
};

function range(start: number, stop: number): number[] {
  return Array.from({ length: Math.max(0, stop - start) }, (_, i) => start + i);
}

export const vmapRules: { [P in Primitive]: VmapRule<P> } = {
  ...Object.fromEntries(
    [...UNARY_PRIMITIVES, ...BINARY_PRIMITIVES, ...SHIFT_PRIMITIVES, ...COMPARE_PRIMITIVES].map((
      p,
    ) => [
      p,
      elementwise(p),
    ]),
  ) as unknown as {
    [
      P in
        | typeof UNARY_PRIMITIVES[number]
        | typeof BINARY_PRIMITIVES[number]
        | typeof SHIFT_PRIMITIVES[number]
        | typeof COMPARE_PRIMITIVES[number]
    ]: VmapRule<P>;
  },
  ...structural,
};

// ---- running a function under the batching interpreter ---------------------------------

/**
 * Runs `f` on one example of a batch of `axisSize`: argument `i` is batched
 * along `inDims[i]` (passed through untouched when null). Returns the outputs'
 * batched values and batch axes (null for outputs shared by every example).
 */
export function vmapFlat(
  name: string,
  f: (xs: unknown[]) => unknown[],
  args: readonly unknown[],
  inDims: readonly Dim[],
  axisSize: number,
): [NDArray[], Dim[]] {
  return withMain(name, (main) => new BatchTrace(main, axisSize), (trace) => {
    const xs = args.map((a, i) => {
      const d = inDims[i];
      return d === null ? a : new BatchTracer(trace, a as NDArray, d);
    });
    const outs = outputArrays(name, f(xs)).map((o) => fullRaise(trace, o) as BatchTracer);
    return [outs.map((t) => t.val), outs.map((t) => t.bdim)];
  });
}
