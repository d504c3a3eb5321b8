/**
 * The closed set of primitives. A primitive is only a name; what it does lives
 * in one table per interpreter (evaluation `_eval.ts`, shapes `_shape_rules.ts`,
 * JVP `_jvp.ts`, transpose `_transpose.ts`, batching `_vmap.ts`, jit lowering
 * `_jit.ts`). Each table is typed `{ [P in Primitive]: Rule<P> }`, so adding a
 * primitive here does not compile until every interpreter handles it.
 *
 * Elementwise primitives take operands of one shape and one dtype: broadcasting
 * and type promotion are done explicitly by the `np` layer (as in `jax.lax`),
 * which keeps every rule below free of shape bookkeeping.
 */
import type { DType } from "./_dtype.ts";
import type { Jaxpr } from "./_jaxpr.ts";

/** The parameters of a primitive that takes none. */
// deno-lint-ignore ban-types
export type None = {};

/** Every primitive and the type of its static parameters: the closed primitive set. */
export interface PrimitiveParams {
  // -- unary elementwise, dtype-preserving ---------------------------------
  /** -x */
  neg: None;
  /** e^x */
  exp: None;
  /** natural logarithm */
  log: None;
  /** log(1 + x) */
  log1p: None;
  /** e^x - 1 */
  expm1: None;
  /** sine */
  sin: None;
  /** cosine */
  cos: None;
  /** tangent */
  tan: None;
  /** hyperbolic tangent */
  tanh: None;
  /** square root */
  sqrt: None;
  /** 1 / sqrt(x) */
  rsqrt: None;
  /** 1 / (1 + e^-x) */
  logistic: None;
  /** |x| */
  abs: None;
  /** -1, 0 or 1 */
  sign: None;
  /** round down */
  floor: None;
  /** round up */
  ceil: None;
  /** round half to even */
  round: None;
  // -- binary elementwise, dtype-preserving --------------------------------
  /** x + y */
  add: None;
  /** x - y */
  sub: None;
  /** x * y */
  mul: None;
  /** x / y */
  div: None;
  /** x ^ y */
  pow: None;
  /** elementwise maximum */
  max: None;
  /** elementwise minimum */
  min: None;
  // -- comparisons: two operands of one dtype -> bool ----------------------
  /** x == y */
  eq: None;
  /** x != y */
  ne: None;
  /** x < y */
  lt: None;
  /** x <= y */
  le: None;
  /** x > y */
  gt: None;
  /** x >= y */
  ge: None;
  // -- other elementwise ---------------------------------------------------
  /** select(pred: bool, onTrue, onFalse) */
  select: None;
  /** convert to another dtype */
  convert: { dtype: DType };
  /** Identity whose derivative is zero. */
  stop_gradient: None;
  // -- reductions (axes sorted, reduced axes removed) ----------------------
  /** sum over axes */
  reduce_sum: { axes: number[] };
  /** maximum over axes */
  reduce_max: { axes: number[] };
  /** minimum over axes */
  reduce_min: { axes: number[] };
  /** product over axes */
  reduce_prod: { axes: number[] };
  /** index of the maximum along an axis (int32) */
  argmax: { axis: number };
  /** index of the minimum along an axis (int32) */
  argmin: { axis: number };
  // -- linear algebra --------------------------------------------------------
  /** [...b, m, k] x [...b, k, n] -> [...b, m, n]; batch axes equal. */
  matmul: None;
  // -- structure -------------------------------------------------------------
  /** same elements, new shape */
  reshape: { shape: number[] };
  /** permute axes */
  transpose: { perm: number[] };
  /** Same rank; every input axis is either equal to the output's or 1. */
  broadcast: { shape: number[] };
  /** strided window: start/stop/step per axis */
  slice: { starts: number[]; stops: number[]; steps: number[] };
  /** Zero padding: `lo`/`hi` elements at each end, `interior` between elements. */
  pad: { lo: number[]; hi: number[]; interior: number[] };
  /** join along an axis */
  concatenate: { axis: number };
  /** take(x, indices: int32) along `axis`: out shape = x[:axis] + indices + x[axis+1:]. */
  take: { axis: number };
  /** The transpose of take: scatter-adds updates into zeros whose `axis` has `size`. */
  scatter_add: { axis: number; size: number };
  // -- random ----------------------------------------------------------------
  /**
   * Threefry-2x32 bits from a key (int32[2]) as int32 words of `shape`: the hash of
   * the counters 0..n-1 under the key; with `foldIn`, the hash of (0, foldIn)
   * instead (a new key, shape [2]).
   */
  random_bits: { shape: number[]; foldIn?: number };
  // -- staged call -----------------------------------------------------------
  /** Calls a compiled (jitted) program on its flattened arguments. */
  jit_call: { jaxpr: Jaxpr; name: string };
}

/** The name of a primitive. */
export type Primitive = keyof PrimitiveParams;

export const UNARY_PRIMITIVES = [
  "neg",
  "exp",
  "log",
  "log1p",
  "expm1",
  "sin",
  "cos",
  "tan",
  "tanh",
  "sqrt",
  "rsqrt",
  "logistic",
  "abs",
  "sign",
  "floor",
  "ceil",
  "round",
] as const satisfies readonly Primitive[];
export type UnaryPrimitive = (typeof UNARY_PRIMITIVES)[number];

export const BINARY_PRIMITIVES = [
  "add",
  "sub",
  "mul",
  "div",
  "pow",
  "max",
  "min",
] as const satisfies readonly Primitive[];
export type BinaryPrimitive = (typeof BINARY_PRIMITIVES)[number];

export const COMPARE_PRIMITIVES = [
  "eq",
  "ne",
  "lt",
  "le",
  "gt",
  "ge",
] as const satisfies readonly Primitive[];
export type ComparePrimitive = (typeof COMPARE_PRIMITIVES)[number];

/** Primitives computed independently per element (candidates for loop fusion). */
export const ELEMENTWISE: ReadonlySet<Primitive> = new Set<Primitive>([
  ...UNARY_PRIMITIVES,
  ...BINARY_PRIMITIVES,
  ...COMPARE_PRIMITIVES,
  "select",
  "convert",
  "stop_gradient",
]);
