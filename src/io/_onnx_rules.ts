/**
 * One ONNX lowering per primitive: the ONNX operators (default domain, opset 13 and up) that
 * compute what the primitive computes. The table is typed over every primitive, so a new
 * primitive does not compile until it has an entry here — a lowering, or `unsupported` with
 * the reason, which export reports naming the primitive.
 *
 * Shapes are static, except that a shape parameter may be a `DimExpr` list when export was
 * asked for a symbolic batch: an entry `{ a, c }` stands for `a · batch + c`, computed at run
 * time from the first input's leading axis (see `Emitter.shapeTensor`).
 */
import type { DType } from "../core/_dtype.ts";
import type { Aval } from "../core/_aval.ts";
import type { Primitive, PrimitiveParams } from "../core/_ir.ts";
import type { OnnxAttr, OnnxElem, OnnxNode, OnnxTensor } from "./_onnx_proto.ts";

/** A dimension: a number, or `a · batch + c` for a symbolic batch. */
export type DimExpr = number | { a: number; c: number };

/** Builds the graph: fresh names, initializers and nodes. */
export class Emitter {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  #count = 0;
  #batch: string | undefined;
  /** The graph input whose leading axis is the batch (symbolic batch only). */
  batchSource: string | undefined;

  fresh(hint: string): string {
    return `${hint}_${this.#count++}`;
  }

  /** Adds an initializer and returns its name. */
  tensor(hint: string, dtype: OnnxElem, dims: readonly number[], data: ArrayBufferView): string {
    const name = this.fresh(hint);
    const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    this.initializers.push({ name, dtype, dims, raw });
    return name;
  }

  /** A 1-D int64 initializer. */
  ints(values: readonly number[], hint = "ints"): string {
    return this.tensor(hint, "int64", [values.length], BigInt64Array.from(values.map(BigInt)));
  }

  /** A scalar of `dtype`. */
  scalar(value: number, dtype: DType): string {
    const data = {
      float32: Float32Array,
      float64: Float64Array,
      int32: Int32Array,
      bool: Uint8Array,
    };
    const elem = onnxElem(dtype);
    return this.tensor("scalar", elem, [], data[elem as keyof typeof data].of(value));
  }

  /** Adds a node; returns its output names (fresh unless given). */
  node(
    op: string,
    inputs: readonly string[],
    attrs?: Record<string, OnnxAttr>,
    outputs: readonly string[] = [this.fresh(op.toLowerCase())],
  ): string[] {
    this.nodes.push({ op, inputs, outputs, name: this.fresh(`node_${op}`), attrs });
    return [...outputs];
  }

  /** An int64 shape/index tensor from dims that may depend on the batch. */
  shapeTensor(dims: readonly DimExpr[], hint = "shape"): string {
    if (dims.every((d) => typeof d === "number")) return this.ints(dims as number[], hint);
    if (this.#batch === undefined) {
      // batch = Shape(first input)[0:1], an int64 vector of one element
      const [shape] = this.node("Shape", [this.batchSource!]);
      [this.#batch] = this.node("Slice", [shape, this.ints([0]), this.ints([1])]);
    }
    const parts = dims.map((d) => {
      if (typeof d === "number") return this.ints([d]);
      let v = this.#batch!;
      if (d.a !== 1) [v] = this.node("Mul", [v, this.ints([d.a])]);
      if (d.c !== 0) [v] = this.node("Add", [v, this.ints([d.c])]);
      return v;
    });
    return this.node("Concat", parts, { axis: { i: 0 } })[0];
  }
}

export function onnxElem(dtype: DType): OnnxElem {
  if (dtype === "float32" || dtype === "float64" || dtype === "int32" || dtype === "bool") {
    return dtype;
  }
  throw new TypeError(
    `io.exportOnnx: dtype ${dtype} is not exported to ONNX yet (float32, float64, int32 and ` +
      `bool are); convert the function's values with astype("float32") first.`,
  );
}

/** What a lowering receives: input names, input/output avals, the params (shapes as DimExpr). */
export interface LowerArgs<P extends Primitive> {
  readonly e: Emitter;
  readonly x: readonly string[];
  readonly inAvals: readonly Aval[];
  readonly outAvals: readonly Aval[];
  readonly params: PrimitiveParams[P];
  /** A shape-like param with batch-dependent entries as DimExpr (same as params otherwise). */
  readonly dims: (name: string) => readonly DimExpr[];
  /** The opset being targeted. */
  readonly opset: number;
}

/** Lowers one equation, returning the names of its outputs; or why it cannot. */
export type Lowering<P extends Primitive> = ((args: LowerArgs<P>) => string[]) | {
  unsupported: string;
};

const op = (name: string) => ({ e, x }: LowerArgs<Primitive>) => e.node(name, x);

/** Reductions: opset 18 moved ReduceMax/Min/Prod's axes (ReduceSum's at 13) to an input. */
const reduce = (name: string, inputFrom: number) =>
(
  { e, x, params, opset }: LowerArgs<"reduce_sum" | "reduce_max" | "reduce_min" | "reduce_prod">,
) => {
  const axes = params.axes;
  if (axes.length === 0) return e.node("Identity", x);
  if (opset >= inputFrom) return e.node(name, [x[0], e.ints(axes)], { keepdims: { i: 0 } });
  return e.node(name, x, { axes: { ints: axes }, keepdims: { i: 0 } });
};

const argReduce = (name: string) => ({ e, x, params }: LowerArgs<"argmax" | "argmin">) => {
  const [i64] = e.node(name, x, { axis: { i: params.axis }, keepdims: { i: 0 } });
  return e.node("Cast", [i64], { to: { i: 6 } }); // int64 → int32
};

/** Logical ops on bool, bitwise ops (opset 18 and up) on int32. */
const logical =
  (boolOp: string, intOp: string) => ({ e, x, inAvals, opset }: LowerArgs<Primitive>) => {
    if (inAvals[0].dtype === "bool") return e.node(boolOp, x);
    if (opset < 18) throw new TypeError(`${intOp} on int32 needs opset 18 or later`);
    return e.node(intOp, x);
  };

/**
 * int32 shifts through ONNX BitShift, which takes unsigned operands only and leaves counts past
 * the width undefined: the operands are cast to uint32 (the same 32 bits), a count outside
 * [0, 32) is replaced before the shift and its result chosen after. The arithmetic shift is
 * the logical one on x ≥ 0, and on x < 0 the complement of the logical shift of its complement
 * (~x = −1 − x, non-negative there; ~(~x >>> s) = x >> s), a count past the width shifting by 31.
 */
const bitShift =
  (kind: "left" | "logical" | "arithmetic") => ({ e, x, inAvals }: LowerArgs<Primitive>) => {
    onnxElem(inAvals[0].dtype); // names the dtype when it is not exported
    const U32 = 12, I32 = 6;
    const s = x[1];
    const [geZero] = e.node("GreaterOrEqual", [s, e.scalar(0, "int32")]);
    const [below] = e.node("Less", [s, e.scalar(32, "int32")]);
    const [ok] = e.node("And", [geZero, below]);
    const count = (fallback: number) =>
      e.node("Cast", e.node("Where", [ok, s, e.scalar(fallback, "int32")]), { to: { i: U32 } })[0];
    const shift = (v: string, direction: string, by: string) =>
      e.node("Cast", [
        e.node("BitShift", [e.node("Cast", [v], { to: { i: U32 } })[0], by], {
          direction: { s: direction },
        })[0],
      ], { to: { i: I32 } })[0];
    if (kind !== "arithmetic") {
      const r = shift(x[0], kind === "left" ? "LEFT" : "RIGHT", count(0));
      return e.node("Where", [ok, r, e.scalar(0, "int32")]);
    }
    const minusOne = e.scalar(-1, "int32");
    const [neg] = e.node("Less", [x[0], e.scalar(0, "int32")]);
    const [flipped] = e.node("Sub", [minusOne, x[0]]);
    const [mag] = e.node("Where", [neg, flipped, x[0]]);
    const r = shift(mag, "RIGHT", count(31));
    return e.node("Where", [neg, e.node("Sub", [minusOne, r])[0], r]);
  };

/** The ONNX lowering of every primitive. */
/**
 * A running max, min or product (ONNX has only CumSum): log2(n) rounds of Slice, the op and
 * Concat along the axis (Hillis–Steele: after the round with shift s, y[i] combines
 * x[i − 2s + 1 .. i]), on the input reversed along the axis when `reverse`.
 */
const running =
  (name: "Max" | "Min" | "Mul") =>
  ({ e, x, params, inAvals }: LowerArgs<"cummax" | "cummin" | "cumprod">): string[] => {
    const { axis, reverse } = params;
    const n = inAvals[0].shape[axis];
    const part = (v: string, lo: number, hi: number, step = 1) =>
      e.node("Slice", [v, e.ints([lo]), e.ints([hi]), e.ints([axis]), e.ints([step])])[0];
    // a step of −1 from the last entry; an end of −(n + 1) clamps to before the first
    const flip = (v: string) => (n > 1 ? part(v, -1, -(n + 1), -1) : v);
    let y = reverse ? flip(x[0]) : x[0];
    for (let s = 1; s < n; s *= 2) {
      const [combined] = e.node(name, [part(y, s, n), part(y, 0, n - s)]);
      [y] = e.node("Concat", [part(y, 0, s), combined], { axis: { i: axis } });
    }
    return [reverse ? flip(y) : y];
  };

/**
 * A window max over x [N, …S, C] (channels-last, so not ONNX MaxPool, which is NCHW): the input
 * padded with the dtype's smallest value, one strided Slice per window tap, and one variadic Max
 * (bool through int32, which Max takes).
 */
const maxPool = ({ e, x, params, inAvals }: LowerArgs<"max_pool">): string[] => {
  const { window, strides, lo, hi } = params;
  const { shape, dtype } = inAvals[0];
  const d = window.length;
  const pad = dtype === "bool" ? 0 : dtype === "int32" ? -(2 ** 31) : -Infinity;
  let v = x[0];
  if (dtype === "bool") [v] = e.node("Cast", [v], { to: { i: 6 } });
  const asInt = dtype === "bool" ? "int32" : dtype;
  if ([...lo, ...hi].some((p) => p > 0)) {
    [v] = e.node("Pad", [v, e.ints([0, ...lo, 0, 0, ...hi, 0]), e.scalar(pad, asInt)], {
      mode: { s: "constant" },
    });
  }
  const outs = window.map((k, a) =>
    Math.floor((shape[a + 1] + lo[a] + hi[a] - k) / strides[a]) + 1
  );
  const taps: string[] = [];
  const k = new Array<number>(d).fill(0);
  for (let t = 0; t < window.reduce((p, w) => p * w, 1); t++) {
    taps.push(
      e.node("Slice", [
        v,
        e.ints(k),
        e.ints(k.map((s, a) => s + (outs[a] - 1) * strides[a] + 1)),
        e.ints(window.map((_, a) => a + 1)),
        e.ints(strides),
      ])[0],
    );
    for (let a = d - 1; a >= 0 && ++k[a] === window[a]; a--) k[a] = 0;
  }
  const [m] = e.node("Max", taps);
  return dtype === "bool" ? e.node("Cast", [m], { to: { i: 9 } }) : [m];
};

export const onnxRules: { [P in Primitive]: Lowering<P> } = {
  neg: op("Neg"),
  exp: op("Exp"),
  // log1p(x) = log(1 + x); expm1(x) = exp(x) − 1 (ONNX has neither; less accurate near 0)
  log: op("Log"),
  log1p: ({ e, x, inAvals }) => e.node("Log", e.node("Add", [x[0], e.scalar(1, inAvals[0].dtype)])),
  expm1: ({ e, x, inAvals }) => e.node("Sub", [e.node("Exp", x)[0], e.scalar(1, inAvals[0].dtype)]),
  sin: op("Sin"),
  cos: op("Cos"),
  tan: op("Tan"),
  tanh: op("Tanh"),
  sqrt: op("Sqrt"),
  // rsqrt(x) = 1 / sqrt(x)
  rsqrt: ({ e, x }) => e.node("Reciprocal", e.node("Sqrt", x)),
  logistic: op("Sigmoid"),
  abs: op("Abs"),
  sign: op("Sign"),
  floor: op("Floor"),
  ceil: op("Ceil"),
  round: op("Round"), // ONNX Round is half to even, as here
  erf: op("Erf"),
  // erfc(x) = 1 − erf(x) (ONNX has no erfc; this loses the relative accuracy of the tail)
  erfc: ({ e, x, inAvals }) => e.node("Sub", [e.scalar(1, inAvals[0].dtype), e.node("Erf", x)[0]]),
  erf_inv: { unsupported: "ONNX has no inverse error function" },
  lgamma: { unsupported: "ONNX has no log-gamma function" },
  digamma: { unsupported: "ONNX has no digamma function" },
  add: op("Add"),
  sub: op("Sub"),
  mul: op("Mul"),
  div: op("Div"),
  pow: op("Pow"),
  max: op("Max"),
  min: op("Min"),
  atan2: { unsupported: "ONNX has no two-argument arctangent" },
  // rem(x, y) = x − y·trunc(x / y): ONNX Mod with fmod = 1 (the sign of x)
  rem: ({ e, x }) => e.node("Mod", x, { fmod: { i: 1 } }),
  and: logical("And", "BitwiseAnd"),
  or: logical("Or", "BitwiseOr"),
  xor: logical("Xor", "BitwiseXor"),
  shift_left: bitShift("left"),
  shift_right_logical: bitShift("logical"),
  shift_right_arithmetic: bitShift("arithmetic"),
  eq: op("Equal"),
  ne: ({ e, x }) => e.node("Not", e.node("Equal", x)),
  lt: op("Less"),
  le: op("LessOrEqual"),
  gt: op("Greater"),
  ge: op("GreaterOrEqual"),
  select: op("Where"), // select(pred, onTrue, onFalse) = Where(pred, onTrue, onFalse)
  convert: ({ e, x, params, inAvals }) => {
    const codes = { float32: 1, int32: 6, bool: 9, float64: 11 };
    const to = codes[onnxElem(params.dtype) as keyof typeof codes];
    const from = inAvals[0].dtype;
    const [cast] = e.node("Cast", x, { to: { i: to } });
    if (params.dtype !== "int32" || (from !== "float32" && from !== "float64")) return [cast];
    // float → int32 truncates and saturates here, NaN → 0; ONNX Cast leaves out-of-range
    // values undefined (INT_MIN on x86), so: x ≥ 2³¹ → 2³¹ − 1, NaN → 0 (x < −2³¹ casts to
    // INT_MIN, already the saturated value)
    const [high] = e.node("GreaterOrEqual", [x[0], e.scalar(2 ** 31, from)]);
    const [capped] = e.node("Where", [high, e.scalar(2 ** 31 - 1, "int32"), cast]);
    const [nan] = e.node("IsNaN", x);
    return e.node("Where", [nan, e.scalar(0, "int32"), capped]);
  },
  stop_gradient: op("Identity"),
  reduce_sum: reduce("ReduceSum", 13),
  reduce_max: reduce("ReduceMax", 18),
  reduce_min: reduce("ReduceMin", 18),
  // (an int32 product that overflows wraps here; ONNX Runtime's ReduceProd does not)
  reduce_prod: reduce("ReduceProd", 18),
  argmax: argReduce("ArgMax"),
  argmin: argReduce("ArgMin"),
  cumsum: ({ e, x, params }) =>
    e.node("CumSum", [x[0], e.scalar(params.axis, "int32")], {
      reverse: { i: params.reverse ? 1 : 0 },
    }),
  cummax: running("Max"),
  max_pool: maxPool,
  max_pool_argmax: {
    unsupported: "it appears in gradients (the cell each max-pool window differentiates " +
      "through); export the forward pass",
  },
  cummin: running("Min"),
  cumlogsumexp: { unsupported: "ONNX has no running log-sum-exp" },
  cumprod: running("Mul"),
  argsort: { unsupported: "ONNX TopK does not promise a stable order for ties" },
  cholesky: { unsupported: "ONNX has no Cholesky factorisation" },
  triangular_solve: { unsupported: "ONNX has no triangular solve" },
  lu: { unsupported: "ONNX has no LU factorisation" },
  eigh: { unsupported: "ONNX has no symmetric eigen-decomposition" },
  fft: { unsupported: "the export of fft to ONNX's DFT is not written yet" },
  qr: { unsupported: "ONNX has no QR factorisation" },
  svd: { unsupported: "ONNX has no singular value decomposition" },
  pinv: { unsupported: "ONNX has no pseudo-inverse" },
  matmul: op("MatMul"),
  reshape: ({ e, x, dims }) => e.node("Reshape", [x[0], e.shapeTensor(dims("shape"))]),
  transpose: ({ e, x, params }) => e.node("Transpose", x, { perm: { ints: params.perm } }),
  // Expand broadcasts both ways; the target has the same rank with equal or 1 axes
  broadcast: ({ e, x, dims }) => e.node("Expand", [x[0], e.shapeTensor(dims("shape"))]),
  slice: ({ e, x, dims, params }) =>
    e.node("Slice", [
      x[0],
      e.shapeTensor(dims("starts")),
      e.shapeTensor(dims("stops")),
      e.ints(params.starts.map((_, i) => i)),
      e.ints(params.steps),
    ]),
  pad: ({ e, x, params, inAvals }) => {
    if (params.interior.some((n) => n !== 0)) {
      throw new TypeError("pad with interior padding has no ONNX equivalent");
    }
    if ([...params.lo, ...params.hi].some((n) => n < 0)) {
      throw new TypeError("pad with negative padding (cropping) is not exported");
    }
    const pads = e.ints([...params.lo, ...params.hi]);
    return e.node("Pad", [x[0], pads, e.scalar(0, inAvals[0].dtype)], { mode: { s: "constant" } });
  },
  concatenate: ({ e, x, params }) => e.node("Concat", x, { axis: { i: params.axis } }),
  // take(x, idx) along axis = Gather (indices are in range: take checks them)
  take: ({ e, x, params }) => e.node("Gather", x, { axis: { i: params.axis } }),
  scatter_add: {
    unsupported: "it appears in gradients (the transpose of take); export the forward pass",
  },
  random_bits: {
    unsupported: "random bits have no ONNX equivalent; export the function without sampling " +
      "(e.g. apply a model without a dropout key)",
  },
  jit_call: { unsupported: "jit_call is inlined by exportOnnx before lowering" },
  custom_jvp_call: { unsupported: "custom_jvp_call is inlined by exportOnnx before lowering" },
  custom_vjp_call: { unsupported: "custom_vjp_call is inlined by exportOnnx before lowering" },
  checkpoint: { unsupported: "checkpoint is inlined by exportOnnx before lowering" },
  custom_vjp_lin: { unsupported: "a customVjp tangent has only a backward function" },
  scan: { unsupported: "lax.scan is not exported yet (ONNX Scan/Loop are not emitted)" },
  cond: { unsupported: "lax.cond/switch are not exported yet (ONNX If is not emitted)" },
  while_loop: { unsupported: "lax.whileLoop is not exported yet (ONNX Loop is not emitted)" },
  debug_callback: { unsupported: "a debug callback runs JS code, which ONNX cannot hold" },
};
