/**
 * ONNX export: a function is traced to a jaxpr (as `makeJaxpr` does), each equation is
 * lowered to ONNX operators (`_onnx_rules.ts`), closed-over arrays (the parameters) become
 * initializers, and the graph is encoded as an ONNX ModelProto (`_onnx_proto.ts`) that ONNX
 * Runtime and other engines load.
 *
 * A symbolic batch (`dynamicBatch: true`) is found by tracing twice, at the example batch
 * size B and at B + 1: every shape parameter that differs between the two traces is linear
 * in the batch, `a · batch + c`, and is computed at run time from the first input's leading
 * axis; anything else that differs (a constant, the program itself) is an error.
 *
 * @module
 */
import type { Jaxpr, Primitive, Var } from "../core/_ir.ts";
import { DATA, NDArray } from "../core/_ndarray.ts";
import type { ArrayValue } from "../core/_array_value.ts";
import { flatten, unflatten } from "../core/tree.ts";
import { makeJaxpr } from "../jit/jit.ts";
import * as np from "../numpy/numpy.ts";
import { checkOptions, concrete, describe } from "./_common.ts";
import { modelProto, type OnnxValueInfo } from "./_onnx_proto.ts";
import { type DimExpr, Emitter, type Lowering, onnxElem, onnxRules } from "./_onnx_rules.ts";

/** Options of {@link exportOnnx}. */
export interface ExportOnnxOptions {
  /** The ONNX opset to target, 13 to 21 (default 17). */
  opset?: number;
  /** Names of the graph's inputs (one per array leaf of the arguments) and outputs (one per array leaf of the result); `input_0`, `output_0`, ... by default. */
  names?: { inputs?: readonly string[]; outputs?: readonly string[] };
  /** Make the leading axis of every input and output a symbolic `batch` dimension (default false). */
  dynamicBatch?: boolean;
}

/** IR version that goes with each opset (onnx/helper.py's table). */
const IR_VERSION: Record<number, number> = {
  13: 7,
  14: 7,
  15: 8,
  16: 8,
  17: 8,
  18: 8,
  19: 9,
  20: 9,
  21: 10,
};

const OPTION_KEYS = ["opset", "names", "dynamicBatch"];

function isOptions(x: unknown): boolean {
  if (x === null || typeof x !== "object" || Array.isArray(x) || x instanceof NDArray) return false;
  if (Object.getPrototypeOf(x) !== Object.prototype) return false;
  return flatten(x)[0].every((l) => !(l instanceof NDArray));
}

/**
 * Exports `f` as an ONNX model (a serialized ModelProto), traced at the example arguments:
 * its array arguments become the graph's inputs (in `tree.flatten` order), the arrays it
 * closes over (parameters) become initializers, and its array results the outputs. Every
 * primitive with an ONNX equivalent is lowered (elementwise math, comparisons and `where`,
 * casts, reductions and arg-reductions, matmul, reshape/transpose/broadcast/slice/pad/
 * concatenate, gather — so MLPs, convolutions via im2col, softmax and pooling export); one
 * without (random bits, scatter-add) is an error naming it. Shapes are static unless
 * `dynamicBatch`. The last argument is taken as the options when it is a plain object
 * holding no array.
 *
 * @param f The function to export (arrays or pytrees of arrays in and out).
 * @param args Example arguments (only their shapes and dtypes matter), then optionally the options (`opset`, `names`, `dynamicBatch`).
 * @returns The model's bytes (a `.onnx` file).
 *
 * @example
 * ```ts
 * import { io, nn, np, random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const model = nn.mlp([4, 8, 3]);
 * const params = model.init(random.key(0));
 * const predict = (x: np.NDArray) => nn.softmax(model.apply(params, x));
 * const onnx = io.exportOnnx(predict, np.ones([2, 4]), { names: { inputs: ["x"], outputs: ["probs"] } });
 * assert.ok(onnx.length > 4 * 8 * 4); // the weights are in the file
 * const noisy = (x: np.NDArray, key: np.NDArray) => x.add(random.uniform(key, [2]));
 * assert.throws(() => io.exportOnnx(noisy, np.ones([2]), random.key(0)), /random_bits/);
 * ```
 */
export function exportOnnx(
  f: (...args: never[]) => unknown,
  ...args: unknown[]
): Uint8Array {
  const where = "io.exportOnnx";
  if (typeof f !== "function") {
    throw new TypeError(
      `${where}: the first argument must be the function to export, got ${describe(f)}.`,
    );
  }
  const last = args[args.length - 1];
  const options = args.length > 0 && isOptions(last) ? (args.pop() as ExportOnnxOptions) : {};
  const opts = checkOptions(where, options, OPTION_KEYS);
  const opset = (opts.opset ?? 17) as number;
  if (!Number.isInteger(opset) || !(Number(opset) in IR_VERSION)) {
    throw new RangeError(
      `${where}: opset must be an integer from 13 to 21, got ${describe(opset)}.`,
    );
  }
  const dynamicBatch = opts.dynamicBatch ?? false;
  if (typeof dynamicBatch !== "boolean") {
    throw new TypeError(`${where}: dynamicBatch must be a boolean, got ${describe(dynamicBatch)}.`);
  }
  const names = checkOptions(`${where} (names)`, opts.names, ["inputs", "outputs"]);
  const [leaves] = flatten(args);
  const inputs = leaves.map((l, i) => {
    if (!(l instanceof NDArray)) {
      throw new TypeError(
        `${where}: every leaf of the example arguments must be an array, but leaf ${i} is ` +
          `${describe(l)}; close over non-array values instead of passing them.`,
      );
    }
    return l;
  });
  const g = f as unknown as (...a: unknown[]) => unknown;
  const jaxpr = makeJaxpr(g)(...args);
  let second: Jaxpr | undefined;
  let batch = 0;
  if (dynamicBatch) {
    if (inputs.length === 0 || inputs.some((x) => x.ndim === 0)) {
      throw new TypeError(
        `${where}: dynamicBatch needs every input to have a leading (batch) axis.`,
      );
    }
    batch = inputs[0].shape[0];
    if (inputs.some((x) => x.shape[0] !== batch)) {
      throw new TypeError(
        `${where}: dynamicBatch needs every input's leading axis to be the batch, but they are ` +
          `${inputs.map((x) => x.shape[0]).join(", ")}.`,
      );
    }
    // the same arguments with one more row each
    const grown = flatten(args)[1];
    const bigger = inputs.map((x) => np.concatenate([x, x.slice([0, 1])], 0));
    second = makeJaxpr(g)(...(unflattenArgs(grown, bigger) as unknown[]));
  }
  const inNames = checkNames(where, "inputs", names.inputs, inputs.length, "input");
  const outNames = checkNames(where, "outputs", names.outputs, jaxpr.outvars.length, "output");
  const e = new Emitter();
  e.batchSource = inNames[0];
  const results = lower(where, e, jaxpr, second, inNames, opset, batch);
  results.forEach((r, i) => e.node("Identity", [r], undefined, [outNames[i]]));
  const symbolic = (a: readonly number[], b: readonly number[] | undefined) =>
    a.map((
      d,
      k,
    ) => (b === undefined || b[k] === d ? d : b[k] - d === 1 && d === batch ? "batch" : null));
  const info = (vs: readonly Var[], vs2: readonly Var[] | undefined, ns: readonly string[]) =>
    vs.map((v, i): OnnxValueInfo => ({
      name: ns[i],
      dtype: onnxElem(v.aval.dtype),
      dims: symbolic(v.aval.shape, vs2?.[i].aval.shape),
    }));
  return modelProto({
    name: "difftrace",
    nodes: e.nodes,
    initializers: e.initializers,
    inputs: info(jaxpr.invars, second?.invars, inNames),
    outputs: info(jaxpr.outvars, second?.outvars, outNames),
    opset,
    irVersion: IR_VERSION[opset],
    producerVersion: "0.1.0",
  });
}

function unflattenArgs(def: ReturnType<typeof flatten>[1], leaves: NDArray[]): unknown {
  // rebuild the argument list with new leaves (same structure)
  return unflatten(def, leaves);
}

function checkNames(
  where: string,
  which: string,
  given: unknown,
  n: number,
  prefix: string,
): string[] {
  if (given === undefined) return Array.from({ length: n }, (_, i) => `${prefix}_${i}`);
  if (!Array.isArray(given) || !given.every((s) => typeof s === "string" && s !== "")) {
    throw new TypeError(`${where}: names.${which} must be a list of non-empty strings.`);
  }
  if (given.length !== n || new Set(given).size !== n) {
    throw new TypeError(
      `${where}: names.${which} has ${given.length} name(s) but the graph has ${n} ${which} ` +
        `(one per array leaf), and they must be distinct; got ${JSON.stringify(given)}.`,
    );
  }
  return given;
}

/** Two traces at batch B and B + 1: an entry that differs is linear, v(B) = a · B + c. */
function linearDims(
  at: readonly number[],
  atNext: readonly number[] | undefined,
  batch: number,
): DimExpr[] {
  return at.map((v, i) => {
    if (atNext === undefined || atNext[i] === v) return v;
    const a = atNext[i] - v;
    return { a, c: v - a * batch };
  });
}

/**
 * When `a` and `b` (same rank) are one slice repeated along the axes where their shapes
 * differ, that slice (those axes of size 1); otherwise undefined.
 */
function repeatedSlice(a: ArrayValue, b: ArrayValue): ArrayValue | undefined {
  const differ = a.shape.map((d, i) => d !== b.shape[i]);
  const sliceShape = a.shape.map((d, i) => (differ[i] ? 1 : d));
  const sliceOf = (x: ArrayValue): ArrayValue | undefined => {
    const n = sliceShape.reduce((p, d) => p * d, 1);
    if (x.size === 0 || n === 0) return undefined;
    const data = new (x[DATA].constructor as new (n: number) => typeof x[typeof DATA])(n);
    // walk x in row-major order; its element at index i must equal the slice's at i with the
    // differing axes set to 0
    const idx = x.shape.map(() => 0);
    for (let flat = 0; flat < x.size; flat++) {
      let at = 0;
      for (let k = 0; k < idx.length; k++) at = at * sliceShape[k] + (differ[k] ? 0 : idx[k]);
      const isFirst = idx.every((v, k) => !differ[k] || v === 0);
      if (isFirst) data[at] = x[DATA][flat];
      else if (!Object.is(data[at], x[DATA][flat])) return undefined;
      for (let k = idx.length - 1; k >= 0; k--) {
        if (++idx[k] < x.shape[k]) break;
        idx[k] = 0;
      }
    }
    return new (x.constructor as typeof ArrayValue)(data, sliceShape, x.dtype);
  };
  const sa = sliceOf(a), sb = sliceOf(b);
  if (sa === undefined || sb === undefined || !sameData(sa, sb)) return undefined;
  return sa;
}

const sameData = (a: NDArray, b: NDArray) => {
  if (a.dtype !== b.dtype || a.shape.join() !== b.shape.join()) return false;
  const x = a.toTypedArray(), y = b.toTypedArray();
  return x.every((v, i) => Object.is(v, y[i]));
};

/** Lowers the equations of `jaxpr` (inlining jit calls); returns the names of its outputs. */
function lower(
  where: string,
  e: Emitter,
  jaxpr: Jaxpr,
  second: Jaxpr | undefined,
  inNames: readonly string[],
  opset: number,
  batch: number,
): string[] {
  const env = new Map<Var, string>();
  jaxpr.invars.forEach((v, i) => env.set(v, inNames[i]));
  jaxpr.constvars.forEach((v, i) => {
    const c = concrete(where, jaxpr.consts[i], `constant ${i}`);
    const c2 = second && concrete(where, second.consts[i], `constant ${i}`);
    if (c2 === undefined || sameData(c, c2)) {
      env.set(v, e.tensor("const", onnxElem(c.dtype), c.shape, c[DATA]));
      return;
    }
    // a constant repeated along the axes whose size follows the batch (a bias broadcast to
    // the batch, a zero of the batch's shape): Expand(one slice, the shape from the batch)
    const base = c.ndim === c2.ndim && c.dtype === c2.dtype ? repeatedSlice(c, c2) : undefined;
    if (base === undefined) {
      throw new TypeError(
        `${where}: with dynamicBatch, a constant of the traced program (${c.dtype}` +
          `[${c.shape.join(", ")}]) changes with the batch size other than by repetition; ` +
          `export with a fixed batch.`,
      );
    }
    const dims = linearDims(c.shape, c2.shape, batch);
    const slice = e.tensor("const", onnxElem(c.dtype), base.shape, base[DATA]);
    env.set(v, e.node("Expand", [slice, e.shapeTensor(dims)])[0]);
  });
  if (second && (second.eqns.length !== jaxpr.eqns.length)) {
    throw new TypeError(
      `${where}: with dynamicBatch, the traced program changes with the batch size; export ` +
        `with a fixed batch.`,
    );
  }
  jaxpr.eqns.forEach((eqn, k) => {
    const other = second?.eqns[k];
    if (other && other.prim !== eqn.prim) {
      throw new TypeError(
        `${where}: with dynamicBatch, the traced program changes with the batch size ` +
          `(${eqn.prim} becomes ${other.prim}); export with a fixed batch.`,
      );
    }
    const x = eqn.inputs.map((v) => env.get(v)!);
    let outs: string[];
    // calls whose value is a nested program (a jit body, a custom-derivative or checkpointed
    // function) are inlined: their derivative rules do not matter to an exported program
    const nested = eqn.prim === "jit_call" || eqn.prim === "checkpoint"
      ? "jaxpr"
      : eqn.prim === "custom_jvp_call" || eqn.prim === "custom_vjp_call"
      ? "fun"
      : undefined;
    if (nested) {
      const inner = (eqn.params as Record<string, Jaxpr>)[nested];
      const inner2 = (other?.params as Record<string, Jaxpr> | undefined)?.[nested];
      outs = lower(where, e, inner, inner2, x, opset, batch);
    } else {
      const rule = onnxRules[eqn.prim] as Lowering<Primitive>;
      if ("unsupported" in rule) {
        throw new TypeError(
          `${where}: the primitive ${eqn.prim} has no ONNX equivalent: ${rule.unsupported}.`,
        );
      }
      const p = eqn.params as Record<string, unknown>, p2 = other?.params as typeof p | undefined;
      const shapeParams = new Set(["shape", "starts", "stops"]);
      if (p2) {
        for (const key of Object.keys(p)) {
          if (!shapeParams.has(key) && JSON.stringify(p[key]) !== JSON.stringify(p2[key])) {
            throw new TypeError(
              `${where}: with dynamicBatch, the ${key} of ${eqn.prim} changes with the batch ` +
                `size; export with a fixed batch.`,
            );
          }
        }
      }
      const dims = (name: string) =>
        linearDims(p[name] as number[], p2?.[name] as number[] | undefined, batch);
      try {
        outs = rule({
          e,
          x,
          inAvals: eqn.inputs.map((v) => v.aval),
          outAvals: eqn.outputs.map((v) => v.aval),
          params: eqn.params,
          dims,
          opset,
        });
      } catch (err) {
        if (!(err instanceof TypeError)) throw err;
        throw new TypeError(
          `${where}: the primitive ${eqn.prim} cannot be exported: ${err.message}.`,
        );
      }
    }
    eqn.outputs.forEach((v, i) => env.set(v, outs[i]));
  });
  return jaxpr.outvars.map((v) => env.get(v)!);
}
