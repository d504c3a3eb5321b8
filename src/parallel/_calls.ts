/**
 * The main-thread side of a pool call: splitting the arguments into array
 * leaves (with their batch axes) and static leaves, the call's signature, and
 * tracing the function on one shard's shapes into the program the workers run.
 */
import { outputArrays } from "../core/_args.ts";
import { type Aval, Tracer } from "../core/_trace.ts";
import { traceToJaxpr } from "../interpreters/_staging.ts";
import { NDArray } from "../core/_ndarray.ts";
import { type ArrayValue, concreteValue } from "../core/_array_value.ts";
import { fmtShape } from "../core/_shape.ts";
import { serializeJaxpr, type WireArray, type WireJaxpr } from "./_serialize.ts";
import { flatten, type TreeDef, unflatten } from "../core/tree.ts";

/** A traced program: its id (the workers' cache key) and everything needed to use it. */
export interface Program {
  id: number;
  wire: WireJaxpr;
  outDef: TreeDef;
  outAvals: Aval[];
}

let nextProgram = 0;

/** A call's array leaves with their batch axes, its static leaves, and its signature. */
export interface Call {
  args: readonly unknown[];
  leaves: unknown[];
  inDef: TreeDef;
  /** The array leaves (flatten order), and the batch axis of each (null: not split). */
  arrays: ArrayValue[];
  dims: (number | null)[];
  batch: number;
  key: string;
}

export interface Shard {
  start: number;
  count: number;
  program: Program;
  outputs?: WireArray[];
}

let nextStatic = 0;
const staticIds = new WeakMap<object, number>();

function staticKey(x: unknown): string {
  if (typeof x === "object" && x !== null || typeof x === "function") {
    let id = staticIds.get(x as object);
    if (id === undefined) staticIds.set(x as object, id = nextStatic++);
    return `#${id}`;
  }
  return `${typeof x}:${String(x)}`;
}

export function prepare(op: string, args: readonly unknown[], axes: (number | null)[]): Call {
  const [leaves, inDef] = flatten(args);
  const arrays: ArrayValue[] = [];
  const dims: (number | null)[] = [];
  let batch: number | undefined;
  let from = "";
  let key = inDef.toString();
  leaves.forEach((leaf, i) => {
    const d = axes[i];
    if (leaf instanceof Tracer) {
      throw new TypeError(
        `WorkerPool.${op}: argument leaf ${i} is a traced array (${leaf.dtype}` +
          `${fmtShape(leaf.shape)}); pool calls run on concrete arrays and cannot be traced by ` +
          `jit, grad or vmap. Call the pool outside the transform.`,
      );
    }
    if (!(leaf instanceof NDArray)) {
      if (d !== null) {
        throw new TypeError(
          `WorkerPool.${op}: leaf ${i} of the arguments (structure ${inDef}) is ` +
            `${leaf === null ? "null" : typeof leaf}, not an array, but it is mapped. Pass ` +
            `arrays, or leave it unmapped (inAxes null).`,
        );
      }
      key += `;=${staticKey(leaf)}`;
      return;
    }
    let axis: number | null = null;
    if (d !== null) {
      if (!Number.isInteger(d) || d < -leaf.ndim || d >= leaf.ndim) {
        throw new RangeError(
          `WorkerPool.${op}: batch axis ${d} is out of range for leaf ${i} of shape ` +
            `${fmtShape(leaf.shape)} (valid: ${-leaf.ndim} to ${leaf.ndim - 1}).`,
        );
      }
      axis = d < 0 ? d + leaf.ndim : d;
      const n = leaf.shape[axis];
      const here = `leaf ${i}: axis ${axis} of ${leaf.dtype}${fmtShape(leaf.shape)}`;
      if (batch === undefined) [batch, from] = [n, here];
      else if (n !== batch) {
        throw new TypeError(
          `WorkerPool.${op}: the batch arguments must agree on the batch size, but ${from} ` +
            `has ${batch} and ${here} has ${n}.`,
        );
      }
    }
    arrays.push(concreteValue(leaf));
    dims.push(axis);
    key += `;${leaf.dtype}${fmtShape(leaf.shape)}@${axis}`;
  });
  if (batch === undefined) {
    throw new TypeError(
      `WorkerPool.${op}: no array argument is split (every batch axis is null), so the batch ` +
        `size is unknown. Map at least one array argument.`,
    );
  }
  return { args, leaves, inDef, arrays, dims, batch, key };
}

export function cached<T>(cache: Map<string, T>, key: string, make: () => T): T {
  let v = cache.get(key);
  if (v === undefined) cache.set(key, v = make());
  return v;
}

/** Traces `f` on a shard of `count` examples of `call`: the program the workers run. */
export function program(
  name: string,
  call: Call,
  count: number,
  f: (...args: unknown[]) => unknown,
  shared: boolean,
): Program {
  const avals: Aval[] = call.arrays.map((x, i) => {
    const d = call.dims[i];
    return { shape: x.shape.map((e, j) => (j === d ? count : e)), dtype: x.dtype };
  });
  let outDef: TreeDef | undefined;
  const jaxpr = traceToJaxpr(name, (xs) => {
    let j = 0;
    const leaves = call.leaves.map((l) => (l instanceof NDArray ? xs[j++] : l));
    const [outs, def] = flatten(f(...unflatten<unknown[]>(call.inDef, leaves)));
    outDef = def;
    return outputArrays(name, outs);
  }, avals);
  return {
    id: nextProgram++,
    wire: serializeJaxpr(jaxpr, shared),
    outDef: outDef!,
    outAvals: jaxpr.outvars.map((v) => v.aval),
  };
}

/** A placeholder leaf, for matching an axis spec against an output structure. */
export class Leaf {}
export const LEAF: Leaf = new Leaf();
