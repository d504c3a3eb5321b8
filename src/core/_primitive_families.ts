/**
 * Named families of the closed primitive set (`_ir.ts`): the unary, binary, shift and
 * comparison primitives, whose rules the interpreters build family by family, and the sets
 * the compiler passes consult (effectful primitives, elementwise primitives).
 */
import type { Primitive } from "./_ir.ts";

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
  "erf",
  "erfc",
  "erf_inv",
  "lgamma",
  "digamma",
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
  "atan2",
  "rem",
  "and",
  "or",
  "xor",
] as const satisfies readonly Primitive[];
export type BinaryPrimitive = (typeof BINARY_PRIMITIVES)[number];

/**
 * The bit shifts (XLA's `ShiftLeft`, `ShiftRightLogical`, `ShiftRightArithmetic`): elementwise
 * and binary like the ops above, but integer-only and with per-width semantics, so each
 * interpreter gives them their own rules.
 */
export const SHIFT_PRIMITIVES = [
  "shift_left",
  "shift_right_logical",
  "shift_right_arithmetic",
] as const satisfies readonly Primitive[];
export type ShiftPrimitive = (typeof SHIFT_PRIMITIVES)[number];

export const COMPARE_PRIMITIVES = [
  "eq",
  "ne",
  "lt",
  "le",
  "gt",
  "ge",
] as const satisfies readonly Primitive[];
export type ComparePrimitive = (typeof COMPARE_PRIMITIVES)[number];

/**
 * Primitives with an effect (a callback): never folded, merged, removed as dead, or hoisted
 * out of a loop by a compiler pass.
 */
export const EFFECTFUL: ReadonlySet<Primitive> = new Set<Primitive>(["debug_callback"]);

/** Primitives computed independently per element (candidates for loop fusion). */
export const ELEMENTWISE: ReadonlySet<Primitive> = new Set<Primitive>([
  ...UNARY_PRIMITIVES,
  ...BINARY_PRIMITIVES,
  ...SHIFT_PRIMITIVES,
  ...COMPARE_PRIMITIVES,
  "select",
  "convert",
  "stop_gradient",
]);
