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

// deno-lint-ignore ban-types
type None = {};

export interface PrimitiveParams {
  // -- unary elementwise, dtype-preserving ---------------------------------
  neg: None;
  exp: None;
  log: None;
  log1p: None;
  expm1: None;
  sin: None;
  cos: None;
  tan: None;
  tanh: None;
  sqrt: None;
  rsqrt: None;
  logistic: None;
  abs: None;
  sign: None;
  floor: None;
  ceil: None;
  round: None;
  // -- binary elementwise, dtype-preserving --------------------------------
  add: None;
  sub: None;
  mul: None;
  div: None;
  pow: None;
  max: None;
  min: None;
  // -- comparisons: two operands of one dtype -> bool ----------------------
  eq: None;
  ne: None;
  lt: None;
  le: None;
  gt: None;
  ge: None;
  // -- other elementwise ---------------------------------------------------
  /** select(pred: bool, onTrue, onFalse) */
  select: None;
  convert: { dtype: DType };
  /** Identity whose derivative is zero. */
  stop_gradient: None;
  // -- reductions (axes sorted, reduced axes removed) ----------------------
  reduce_sum: { axes: number[] };
  reduce_max: { axes: number[] };
  reduce_min: { axes: number[] };
  reduce_prod: { axes: number[] };
  argmax: { axis: number };
  argmin: { axis: number };
  // -- linear algebra --------------------------------------------------------
  /** [...b, m, k] x [...b, k, n] -> [...b, m, n]; batch axes equal. */
  matmul: None;
  // -- structure -------------------------------------------------------------
  reshape: { shape: number[] };
  transpose: { perm: number[] };
  /** Same rank; every input axis is either equal to the output's or 1. */
  broadcast: { shape: number[] };
  slice: { starts: number[]; stops: number[]; steps: number[] };
  /** Zero padding: `lo`/`hi` elements at each end, `interior` between elements. */
  pad: { lo: number[]; hi: number[]; interior: number[] };
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
  jit_call: { jaxpr: Jaxpr; name: string };
}

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
