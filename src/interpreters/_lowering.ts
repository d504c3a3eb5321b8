/**
 * The jit lowering rules: for each elementwise primitive, the scalar code a fused loop runs
 * for it. `LOWERINGS` covers every elementwise primitive with a JS expression template (the
 * reference lowering, typed so a new elementwise primitive does not compile without one);
 * `WASM_LOWERINGS` covers the subset that has an exact f32x4 WebAssembly SIMD equivalent.
 * Non-elementwise primitives (matmul, reductions, gathers) run their eager kernel inside a
 * compiled program (`src/jit/_compile.ts`), so they need no rule here.
 *
 * Generated loops keep float32 intermediates in double precision and round only when they
 * store to a Float32Array, so a fused chain agrees with the eager kernels to float32
 * rounding, not bit for bit (as XLA's fusion). sin and cos use faster float32
 * implementations on float32-rounded arguments.
 */
import {
  type DType,
  intRange,
  isFloat,
  isInteger,
  roundBfloat16,
  roundFloat16,
} from "../core/_dtype.ts";
import type { Primitive } from "../core/_ir.ts";
import {
  type BinaryPrimitive,
  COMPARE_PRIMITIVES,
  type ComparePrimitive,
  ELEMENTWISE,
  type ShiftPrimitive,
  type UnaryPrimitive,
} from "../core/_primitive_families.ts";
import type { Code } from "../kernels/_wasm.ts";
import { intDiv, intPow, intRem, logistic, roundHalfEven } from "./_eval_elementwise.ts";
import { shiftExpr } from "./_shift_rules.ts";
import { digamma, erf, erfc, erfinvF64, lgamma } from "../kernels/special.ts";
import { expF32, logisticF32, tanhF32 } from "../kernels/_exp.ts";
import { logF32 } from "../kernels/_log.ts";

// ---- the elementwise lowering table -------------------------------------------------

/** The primitives a fused loop computes inline. */
export type ElementwisePrimitive =
  | UnaryPrimitive
  | BinaryPrimitive
  | ShiftPrimitive
  | ComparePrimitive
  | "select"
  | "convert"
  | "stop_gradient";

/** What a template sees: operand expressions (plain identifiers) and dtypes. */
interface LowerCtx {
  inDtype: DType;
  outDtype: DType;
}
type Lowering = (a: string[], ctx: LowerCtx) => string;

// sin and cos for float32 results, about 3x faster than V8's Math.sin: reduce x by
// k·π/2 (Cody-Waite, π/2 split in two so k·PIO2_HI is exact), then Taylor series
// on |r| ≤ π/4, accurate to ~1e-11, far below float32 rounding. Large |x| and
// non-finite x fall back to Math.
const PIO2_HI = 1.5707963267341256, PIO2_LO = 6.077100506506192e-11, INV_PIO2 = 0.6366197723675814;
function sinCosQuadrant(x: number, shift: number): number {
  const k = Math.round(x * INV_PIO2);
  const r = (x - k * PIO2_HI) - k * PIO2_LO;
  const z = r * r;
  const q = (k + shift) & 3;
  if ((q & 1) === 0) {
    // sin r = r − r³/3! + r⁵/5! − ...
    const s = r +
      r * z * (-1 / 6 + z * (1 / 120 + z * (-1 / 5040 + z * (1 / 362880 + z * (-1 / 39916800)))));
    return q === 0 ? s : -s;
  }
  // cos r = 1 − r²/2! + r⁴/4! − ...
  const c = 1 +
    z *
      (-0.5 + z * (1 / 24 + z * (-1 / 720 + z * (1 / 40320 + z * (-1 / 3628800 + z / 479001600)))));
  return q === 1 ? c : -c;
}
/** Both sin(x) and cos(x) for float32 results, sharing one range reduction: into SC[0], SC[1]. */
const SC = new Float64Array(2);
function sinCosF32(x: number): void {
  if (x === 0 || !(Math.abs(x) < 1e5)) {
    SC[0] = Math.sin(x);
    SC[1] = Math.cos(x);
    return;
  }
  const k = Math.round(x * INV_PIO2);
  const r = (x - k * PIO2_HI) - k * PIO2_LO;
  const z = r * r;
  const s = r +
    r * z * (-1 / 6 + z * (1 / 120 + z * (-1 / 5040 + z * (1 / 362880 + z * (-1 / 39916800)))));
  const c = 1 +
    z *
      (-0.5 + z * (1 / 24 + z * (-1 / 720 + z * (1 / 40320 + z * (-1 / 3628800 + z / 479001600)))));
  // sin(r + qπ/2) and cos(r + qπ/2) by quadrant q
  const q = k & 3;
  SC[0] = q === 0 ? s : q === 1 ? c : q === 2 ? -s : -c;
  SC[1] = q === 0 ? c : q === 1 ? -s : q === 2 ? -c : s;
}
/** sin(x) for float32 results (exact ±0 preserved). */
export function sinF32(x: number): number {
  return x === 0 || !(Math.abs(x) < 1e5) ? Math.sin(x) : sinCosQuadrant(x, 0);
}
/** cos(x) for float32 results: cos x = sin(x + π/2), one quadrant on. */
export function cosF32(x: number): number {
  return !(Math.abs(x) < 1e5) ? Math.cos(x) : sinCosQuadrant(x, 1);
}

const cmp = (op: string): Lowering => ([x, y]) => `(${x} ${op} ${y} ? 1 : 0)`;

/**
 * Scalar JS code for each elementwise primitive, over operand identifiers.
 * Results are then wrapped to the output dtype (`fround`, `|0`, `&255`).
 */
export const LOWERINGS: { [P in ElementwisePrimitive]: Lowering } = {
  neg: ([x]) => `(-${x})`,
  exp: ([x]) => `Math.exp(${x})`,
  log: ([x]) => `Math.log(${x})`,
  log1p: ([x]) => `Math.log1p(${x})`,
  expm1: ([x]) => `Math.expm1(${x})`,
  // the float32 sin/cos take float32 arguments (their range reduction relies on it)
  sin: ([x], c) => (c.outDtype === "float32" ? `H.sin(fr(${x}))` : `Math.sin(${x})`),
  cos: ([x], c) => (c.outDtype === "float32" ? `H.cos(fr(${x}))` : `Math.cos(${x})`),
  tan: ([x]) => `Math.tan(${x})`,
  tanh: ([x]) => `Math.tanh(${x})`,
  sqrt: ([x]) => `Math.sqrt(${x})`,
  rsqrt: ([x]) => `(1 / Math.sqrt(${x}))`,
  logistic: ([x]) => `H.logistic(${x})`,
  abs: ([x]) => `Math.abs(${x})`,
  sign: ([x]) => `(${x} > 0 ? 1 : ${x} < 0 ? -1 : ${x})`,
  floor: ([x]) => `Math.floor(${x})`,
  ceil: ([x]) => `Math.ceil(${x})`,
  round: ([x]) => `H.round(${x})`,
  erf: ([x]) => `H.erf(${x})`,
  erfc: ([x]) => `H.erfc(${x})`,
  erf_inv: ([x]) => `H.erfinv(${x})`,
  lgamma: ([x]) => `H.lgamma(${x})`,
  digamma: ([x]) => `H.digamma(${x})`,
  add: ([x, y]) => `(${x} + ${y})`,
  sub: ([x, y]) => `(${x} - ${y})`,
  // int32 products wrap like Math.imul, as the eager kernel does
  mul: ([x, y], c) => (isInteger(c.outDtype) ? `Math.imul(${x}, ${y})` : `(${x} * ${y})`),
  // int32 division and remainder as XLA's (x / 0 = −1, x rem 0 = x), as the eager kernels
  div: ([x, y], c) => (isInteger(c.outDtype) ? `H.intDiv(${x}, ${y})` : `(${x} / ${y})`),
  // int32 powers wrap modulo 2^32, as the eager kernel does
  pow: ([x, y], c) => (isInteger(c.outDtype) ? `H.intPow(${x}, ${y})` : `Math.pow(${x}, ${y})`),
  // NaN propagates from either side (x !== x tests for NaN)
  max: ([x, y]) => `(${x} > ${y} || ${x} !== ${x} ? ${x} : ${y})`,
  min: ([x, y]) => `(${x} < ${y} || ${x} !== ${x} ? ${x} : ${y})`,
  atan2: ([x, y]) => `Math.atan2(${x}, ${y})`,
  rem: ([x, y], c) => (isInteger(c.outDtype) ? `H.intRem(${x}, ${y})` : `(${x} % ${y})`),
  and: ([x, y]) => `(${x} & ${y})`,
  or: ([x, y]) => `(${x} | ${y})`,
  xor: ([x, y]) => `(${x} ^ ${y})`,
  // the count rules and per-width patterns of _shift_rules.ts; `wrap` then wraps to the dtype
  shift_left: ([x, s], c) => shiftExpr("shift_left", x, s, c.inDtype),
  shift_right_logical: ([x, s], c) => shiftExpr("shift_right_logical", x, s, c.inDtype),
  shift_right_arithmetic: ([x, s], c) => shiftExpr("shift_right_arithmetic", x, s, c.inDtype),
  eq: cmp("==="),
  ne: cmp("!=="),
  lt: cmp("<"),
  le: cmp("<="),
  gt: cmp(">"),
  ge: cmp(">="),
  select: ([p, t, f]) => `(${p} ? ${t} : ${f})`,
  convert: ([x], { inDtype, outDtype }) => {
    if (outDtype === "bool") return `(${x} !== 0 ? 1 : 0)`;
    if (isInteger(outDtype) && isFloat(inDtype)) {
      // float -> int truncates toward zero and saturates; NaN becomes 0, and −0 (from
      // −1 < x ≤ −0) becomes +0 (`+ 0`), as an integer store holds it
      const [lo, hi] = intRange(outDtype);
      return `(${x} !== ${x} ? 0 : Math.max(${lo}, Math.min(${hi}, Math.trunc(${x}))) + 0)`;
    }
    return x;
  },
  stop_gradient: ([x]) => x,
};

/**
 * The scalar functions of float32 ops whose eager kernel is not the float64 lowering above:
 * exact programs (`precision: "exact"`, eager programs) call these, as eager evaluation does
 * (exp, log, tanh and logistic: the float64 sequences of kernels/_exp.ts and _log.ts, which
 * the wasm loops share; sin and cos: Math's). Default programs keep the faster lowerings.
 */
export const EXACT_FLOAT32: Partial<Record<Primitive, string>> = {
  exp: "H.expF32",
  log: "H.logF32",
  tanh: "H.tanhF32",
  logistic: "H.logisticF32",
  sin: "Math.sin",
  cos: "Math.cos",
};

/** Ops whose result is already exact in the operands' dtype (no rounding or wrapping needed). */
const EXACT = new Set<Primitive>([
  "select",
  "stop_gradient",
  "max",
  "min",
  "sign",
  "floor",
  "ceil",
  "round",
  ...COMPARE_PRIMITIVES,
]);

for (const p of ELEMENTWISE) {
  if (!(p in LOWERINGS)) throw new Error(`internal: jit has no lowering for ${p}.`);
}

/** The scalar helpers the templates call as `H.name(...)`; generated code receives this object. */
export const LOWERING_HELPERS = {
  logistic,
  expF32,
  logisticF32,
  tanhF32,
  logF32,
  intPow,
  intDiv,
  intRem,
  round: roundHalfEven,
  erf,
  erfc,
  erfinv: erfinvF64,
  lgamma,
  digamma,
  sin: sinF32,
  cos: cosF32,
  sincos: sinCosF32,
  SC,
  f16: roundFloat16,
  bf16: roundBfloat16,
};

/** Input dtypes whose values a float32 cannot all hold exactly. */
const CONVERT_ROUNDS_TO_F32: ReadonlySet<DType> = new Set<DType>(["float64", "int32", "uint32"]);

/** Wraps a scalar expression so it holds exactly what an array of `outDtype` would store. */
export function wrap(prim: Primitive, expr: string, inDtype: DType, outDtype: DType): string {
  if (EXACT.has(prim)) return expr;
  if (prim === "convert" && inDtype === outDtype) return expr;
  switch (outDtype) {
    case "float32":
      // intermediates stay in double precision and stores round to float32, but a convert
      // from a wider type (int32 2147483647 → 2147483648) is itself a rounding: XLA and eager
      // round there, and a sum of the converted values must see the rounded ones
      return prim === "convert" && CONVERT_ROUNDS_TO_F32.has(inDtype)
        ? `Math.fround(${expr})`
        : expr;
    case "float64":
      return expr;
    case "int32":
      return prim === "convert" && (isFloat(inDtype) || inDtype === "bool")
        ? expr
        : `(${expr} | 0)`;
    case "bool":
      return prim === "convert" ? expr : `(${expr} & 255)`;
    // the narrow types wrap (or round) after every op, as their eager stores do; a float
    // converted to an integer is already in range (saturated)
    case "float16":
      return `H.f16(${expr})`;
    case "bfloat16":
      return `H.bf16(${expr})`;
  }
  if (prim === "convert" && isFloat(inDtype)) return expr;
  switch (outDtype) {
    case "int16":
      return `(${expr} << 16 >> 16)`;
    case "int8":
      return `(${expr} << 24 >> 24)`;
    case "uint8":
      return `(${expr} & 255)`;
    case "uint32":
      return `(${expr} >>> 0)`;
  }
  throw new TypeError(`jit: internal: no fused lowering for ${prim} on ${outDtype}.`);
}

// ---- f32x4 (WebAssembly SIMD) lowerings ------------------------------------------

type Emit = (c: Code, args: number[]) => void;

/**
 * f32x4 code for the float32 ops with an exact SIMD equivalent (each rounds to float32 as the
 * eager kernels do, so a group built from these alone is bit-exact with eager mode).
 */
export const WASM_LOWERINGS: Partial<Record<Primitive, Emit>> = {
  add: (c, [x, y]) => c.get(x).get(y).f32x4Add(),
  sub: (c, [x, y]) => c.get(x).get(y).f32x4Sub(),
  mul: (c, [x, y]) => c.get(x).get(y).f32x4Mul(),
  div: (c, [x, y]) => c.get(x).get(y).f32x4Div(),
  neg: (c, [x]) => c.get(x).f32x4Neg(),
  abs: (c, [x]) => c.get(x).f32x4Abs(),
  sqrt: (c, [x]) => c.get(x).f32x4Sqrt(),
  stop_gradient: (c, [x]) => c.get(x),
  floor: (c, [x]) => c.get(x).simd(0x68), // f32x4.floor
  ceil: (c, [x]) => c.get(x).simd(0x67), // f32x4.ceil
  round: (c, [x]) => c.get(x).f32x4Nearest(), // half to even, as roundHalfEven
  // sign(x) = x > 0 ? 1 : x < 0 ? −1 : x (±0 and NaN pass through)
  sign: (c, [x]) =>
    c.f32x4Constant(1).f32x4Constant(-1).get(x).get(x).f32x4Constant(0).f32x4Lt()
      .v128Bitselect().get(x).f32x4Constant(0).f32x4Gt().v128Bitselect(),
  // max(x, y) = (x > y ∨ x ≠ x) ? x : y
  max: (c, [x, y]) =>
    c.get(x).get(y).get(x).get(y).f32x4Gt().get(x).get(x).f32x4Ne().v128Or().v128Bitselect(),
  // min(x, y) = (x < y ∨ x ≠ x) ? x : y
  min: (c, [x, y]) =>
    c.get(x).get(y).get(x).get(y).f32x4Lt().get(x).get(x).f32x4Ne().v128Or().v128Bitselect(),
};
