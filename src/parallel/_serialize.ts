/**
 * Jaxprs and arrays as plain, structured-clonable data, for shipping traced
 * programs to Web Workers (see `pool.ts` and `_worker.ts`).
 *
 * A jaxpr becomes a table of avals (one per variable, so a variable is its
 * index), the equations as (primitive, input indices, params, output
 * indices), and the constants as array descriptors. Params are plain data
 * except nested programs (`jit_call`'s jaxpr, loop bodies, branches), serialized recursively.
 *
 * An array travels as a descriptor `{ dtype, shape, buffer, byteOffset }`
 * over a `SharedArrayBuffer` (every worker sees the same memory: no copy) or
 * an `ArrayBuffer` (copied or transferred by `postMessage`); never as JSON.
 * `Layout`, `takeRows` and `placeRows` cut a batch into shards along an axis
 * and join the shards' results.
 */
import type { Aval } from "../core/_trace.ts";
import { Tracer } from "../core/_trace.ts";
import { type DType, STORAGE_BYTES, type TypedArray } from "../core/_dtype.ts";
import { Jaxpr, LazyJaxpr, Var } from "../core/_ir.ts";
import { DATA, type NDArray } from "../core/_ndarray.ts";
import { ArrayValue, concreteValue } from "../core/_array_value.ts";
import type { Primitive, PrimitiveParams } from "../core/_ir.ts";
import { sizeOf } from "../core/_shape.ts";

/** An array's element type, shape, and where its row-major elements lie. */
export interface WireArray {
  dtype: DType;
  shape: number[];
  buffer: ArrayBufferLike;
  /** Byte offset of the first element in `buffer`. */
  byteOffset: number;
}

/** One equation: variables are indices into the jaxpr's aval table. */
export interface WireEqn {
  prim: Primitive;
  inputs: number[];
  /** The params as they are, except nested programs, which are `WireJaxpr`s. */
  params: unknown;
  outputs: number[];
}

/** A jaxpr as plain data. */
export interface WireJaxpr {
  /** The aval of variable i. */
  avals: Aval[];
  invars: number[];
  constvars: number[];
  consts: WireArray[];
  eqns: WireEqn[];
  outvars: number[];
}

/** Bytes per element of each dtype's typed array (float16/bfloat16 travel as their float32 storage). */
export const BYTES: Readonly<Record<DType, number>> = STORAGE_BYTES;

/** True when this runtime can share memory between threads. */
export const HAS_SHARED_MEMORY: boolean = typeof SharedArrayBuffer === "function";

/** A zero-filled buffer of `bytes` bytes: shared memory when `shared`, otherwise an ArrayBuffer. */
export function allocBuffer(bytes: number, shared: boolean): ArrayBufferLike {
  return shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
}

/** The typed array of `dtype` over `count` elements of `buffer` from `byteOffset`. */
export function viewOf(
  dtype: DType,
  buffer: ArrayBufferLike,
  byteOffset: number,
  count: number,
): TypedArray {
  switch (dtype) {
    case "float32":
    case "float16":
    case "bfloat16":
      return new Float32Array(buffer, byteOffset, count);
    case "float64":
      return new Float64Array(buffer, byteOffset, count);
    case "int32":
      return new Int32Array(buffer, byteOffset, count);
    case "int16":
      return new Int16Array(buffer, byteOffset, count);
    case "int8":
      return new Int8Array(buffer, byteOffset, count);
    case "uint8":
    case "bool":
      return new Uint8Array(buffer, byteOffset, count);
    case "uint32":
      return new Uint32Array(buffer, byteOffset, count);
  }
}

/** The elements a descriptor points at, as a typed array view (no copy). */
export function wireData(w: WireArray): TypedArray {
  return viewOf(w.dtype, w.buffer, w.byteOffset, sizeOf(w.shape));
}

/** The array a descriptor points at (a view over its buffer, no copy). */
export function fromWire(w: WireArray): ArrayValue {
  return new ArrayValue(wireData(w), w.shape, w.dtype);
}

/** A descriptor of a copy of `x`'s elements in a fresh buffer of its own. */
export function toWire(x: ArrayValue, shared: boolean): WireArray {
  const buffer = allocBuffer(Math.max(1, x.size * BYTES[x.dtype]), shared);
  viewOf(x.dtype, buffer, 0, x.size).set(x[DATA].subarray(0, x.size));
  return { dtype: x.dtype, shape: [...x.shape], buffer, byteOffset: 0 };
}

/**
 * A jaxpr as plain data. Constants are copied into buffers of their own
 * (shared memory when `shared`); a constant that is a tracer of an
 * enclosing transform cannot travel and raises a TypeError.
 */
export function serializeJaxpr(jaxpr: Jaxpr, shared: boolean): WireJaxpr {
  const index = new Map<Var, number>();
  const avals: Aval[] = [];
  const id = (v: Var): number => {
    let i = index.get(v);
    if (i === undefined) {
      i = avals.length;
      index.set(v, i);
      avals.push({ shape: [...v.aval.shape], dtype: v.aval.dtype });
    }
    return i;
  };
  const consts = jaxpr.consts.map((c: NDArray, i) => {
    if (c instanceof Tracer) {
      throw new TypeError(
        `WorkerPool: the function closes over a traced array (constant ${i}, ` +
          `${c.dtype}[${c.shape.join(",")}]) of an enclosing transform; a program sent to ` +
          `workers can only close over concrete arrays. Call the pool outside jit/grad/vmap, ` +
          `or pass the value as an argument.`,
      );
    }
    return toWire(concreteValue(c), shared);
  });
  return {
    avals,
    invars: jaxpr.invars.map(id),
    constvars: jaxpr.constvars.map(id),
    consts,
    eqns: jaxpr.eqns.map((e) => {
      if (e.prim === "debug_callback") {
        throw new TypeError(
          "WorkerPool: the function calls debug.print or debug.callback, whose JS callback " +
            "cannot be sent to a worker. Remove the call from the function given to the pool, " +
            "or print the values it returns.",
        );
      }
      return e;
    }).map((e) => ({
      prim: e.prim,
      inputs: e.inputs.map(id),
      params: mapJaxprParams(e.params, (j) => serializeJaxpr(j as Jaxpr, shared)),
      outputs: e.outputs.map(id),
    })),
    outvars: jaxpr.outvars.map(id),
  };
}

const MAX_RULE_DEPTH = 2;
let lazyDepth = 0;

const isWireJaxpr = (x: unknown): boolean =>
  x !== null && typeof x === "object" && "eqns" in x && "avals" in x && "outvars" in x;

/**
 * The params with every nested program (a `jit_call`'s jaxpr, a loop body, a list of
 * branches) replaced by `f` of it; `wire` says the nested programs are in their wire form.
 */
function mapJaxprParams(params: unknown, f: (j: unknown) => unknown, wire = false): unknown {
  const isProgram = wire ? isWireJaxpr : (x: unknown) => x instanceof Jaxpr;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(params as Record<string, unknown>)) {
    // a custom rule traced on first use travels traced, two rules deep (a rule that calls
    // its own function holds a new rule: enough for the derivatives a worker takes)
    if (v instanceof LazyJaxpr) {
      if (lazyDepth >= MAX_RULE_DEPTH) out[k] = { lazyJaxpr: null };
      else {
        lazyDepth++;
        try {
          out[k] = { lazyJaxpr: f(v.jaxpr) };
        } finally {
          lazyDepth--;
        }
      }
      continue;
    }
    if (wire && v !== null && typeof v === "object" && "lazyJaxpr" in v) {
      const w = (v as { lazyJaxpr: unknown }).lazyJaxpr;
      const j = w === null ? null : f(w) as Jaxpr;
      out[k] = new LazyJaxpr(() => {
        if (j) return j;
        throw new Error(
          `WorkerPool: a custom derivative rule nested more than ${MAX_RULE_DEPTH} deep was ` +
            `not sent to the worker; take derivatives this high on the main thread.`,
        );
      });
      continue;
    }
    out[k] = isProgram(v)
      ? f(v)
      : Array.isArray(v) && v.length > 0 && v.every(isProgram)
      ? v.map(f)
      : v;
  }
  return out;
}

/** Rebuilds a jaxpr from its plain-data form (constants are views over their buffers). */
export function deserializeJaxpr(w: WireJaxpr): Jaxpr {
  const vars = w.avals.map((a) => new Var({ shape: a.shape, dtype: a.dtype }));
  const v = (i: number) => vars[i];
  return new Jaxpr(
    w.invars.map(v),
    w.constvars.map(v),
    w.consts.map(fromWire),
    w.eqns.map((e) => ({
      prim: e.prim,
      inputs: e.inputs.map(v),
      params: mapJaxprParams(
        e.params,
        (j) => deserializeJaxpr(j as WireJaxpr),
        true,
      ) as PrimitiveParams[Primitive],
      outputs: e.outputs.map(v),
    })),
    w.outvars.map(v),
  );
}

// ---- shards of arrays -----------------------------------------------------------------

/** Regions of one buffer, 8-byte aligned; arrays already in shared memory are not copied. */
export class Layout {
  bytes = 0;
  /** Reserves room for `count` elements of `x`'s dtype; -1 when `x` can be used in place. */
  place(x: ArrayValue, count: number, contiguous = true): number {
    if (contiguous && HAS_SHARED_MEMORY && x[DATA].buffer instanceof SharedArrayBuffer) return -1;
    const at = Math.ceil(this.bytes / 8) * 8;
    this.bytes = at + count * BYTES[x.dtype];
    return at;
  }
  allocate(shared: boolean): ArrayBufferLike {
    return allocBuffer(Math.max(8, this.bytes), shared);
  }
  /**
   * The descriptor of rows `start .. start + shape[axis]` of `x` along `axis`
   * (the whole of `x` when `axis` is undefined): in place, or copied to `at`.
   */
  wire(
    x: ArrayValue,
    buf: ArrayBufferLike,
    at: number,
    shape: number[],
    offset: number,
    count: number,
    axis?: number,
    start = 0,
  ): WireArray {
    if (at < 0) {
      return {
        dtype: x.dtype,
        shape,
        buffer: x[DATA].buffer,
        byteOffset: x[DATA].byteOffset + offset * BYTES[x.dtype],
      };
    }
    const dst = viewOf(x.dtype, buf, at, count);
    if (axis === undefined) dst.set(x[DATA].subarray(0, count));
    else takeRows(x[DATA], x.shape, axis, start, shape[axis], dst);
    return { dtype: x.dtype, shape, buffer: buf, byteOffset: at };
  }
}

/** Copies rows `start .. start + count` along `axis` of `src` (of `shape`) into `dst`. */
export function takeRows(
  src: TypedArray,
  shape: readonly number[],
  axis: number,
  start: number,
  count: number,
  dst: TypedArray,
): void {
  const outer = sizeOf(shape.slice(0, axis)), n = shape[axis];
  const inner = sizeOf(shape.slice(axis + 1));
  for (let o = 0; o < outer; o++) {
    const from = (o * n + start) * inner;
    dst.set(src.subarray(from, from + count * inner), o * count * inner);
  }
}

/** Writes `src` (`count` rows along `axis`) into rows `start ..` of `dst` (of `shape`). */
export function placeRows(
  src: TypedArray,
  dst: TypedArray,
  shape: readonly number[],
  axis: number,
  start: number,
  count: number,
): void {
  const outer = sizeOf(shape.slice(0, axis)), n = shape[axis];
  const inner = sizeOf(shape.slice(axis + 1));
  for (let o = 0; o < outer; o++) {
    dst.set(src.subarray(o * count * inner, (o + 1) * count * inner), (o * n + start) * inner);
  }
}
