/**
 * f32x4 (WebAssembly SIMD) code for jit's fused loops beyond the exact
 * arithmetic of `WASM_LOWERINGS`: float32 comparisons and `select` (a boolean
 * lives in a loop as a lane mask, all ones where true), and approximations of
 * exp and logistic, each with a stated error, tested against float64
 * references over the whole float32 range (tests/jit_wasm_math_test.ts).
 *
 * exp(x), max error 1 ulp (measured over 2²⁰ float32 inputs spread over every
 * exponent, denormals, ±0, ±inf and NaN; see the test):
 *   clamp x to [−104, 89] (NaN stays NaN: f32x4.min/max propagate it; outside the
 *   clamp the result is 0 or +inf anyway), k = nearest(x·log₂e),
 *   r = x − k·ln2_hi − k·ln2_lo (ln2_hi has 16 significant bits, so k·ln2_hi is
 *   exact for |k| ≤ 150), |r| ≤ ½ln 2; e^r by its Taylor polynomial of degree 7
 *   (truncation r⁸/8! ≤ 5.6e−9, 0.1 ulp), then e^x = e^r · 2^k₁ · 2^k₂ with
 *   k₁ = ⌊k/2⌋, k₂ = k − k₁, two normal powers of two built in the exponent
 *   bits, so results in the denormal range are rounded once, by the last product.
 * logistic(x) = 1 / (1 + e^−x) for x ≥ 0 and e^x / (1 + e^x) for x < 0, from
 *   one e = exp(−|x|): no overflow, and relative accuracy on both tails.
 */
import type { Code } from "../kernels/_wasm.ts";
import { ValType } from "../kernels/_wasm.ts";
import type { Primitive } from "../core/_ir.ts";

type Emit = (c: Code, args: number[]) => void;

const LOG2E = 1.4426950408889634;
const LN2_HI = 0.693145751953125; // 0x3f317200: 16 significant bits
const LN2_LO = 1.4286067653302870e-6; // ln 2 − LN2_HI

/** Pushes e^x (x a v128 local of float32 lanes). */
export function emitExp(c: Code, x: number): void {
  const V = ValType.v128;
  const xc = c.local(V), k = c.local(V), r = c.local(V), ki = c.local(V), k1 = c.local(V);
  const splat = (v: number) => c.f32Const(v).f32x4Splat();
  c.get(x);
  splat(89).f32x4Min();
  splat(-104).f32x4Max().set(xc);
  c.get(xc);
  splat(LOG2E).f32x4Mul().f32x4Nearest().set(k);
  // r = (xc − k·LN2_HI) − k·LN2_LO
  c.get(xc).get(k);
  splat(LN2_HI).f32x4Mul().f32x4Sub().get(k);
  splat(LN2_LO).f32x4Mul().f32x4Sub().set(r);
  // p = 1 + r(1 + r(1/2 + r(1/6 + r(1/24 + r(1/120 + r(1/720 + r/5040))))))
  splat(1 / 5040);
  for (const coef of [1 / 720, 1 / 120, 1 / 24, 1 / 6, 1 / 2, 1, 1]) {
    c.get(r).f32x4Mul();
    splat(coef).f32x4Add();
  }
  // × 2^k₁ × 2^k₂, each built as ((kᵢ + 127) << 23)
  c.get(k).i32x4TruncSatF32x4S().tee(ki).i32(1).i32x4ShrS().tee(k1);
  c.i32(127).i32x4Splat().i32x4Add().i32(23).i32x4Shl().f32x4Mul();
  c.get(ki).get(k1).i32x4Sub();
  c.i32(127).i32x4Splat().i32x4Add().i32(23).i32x4Shl().f32x4Mul();
}

/** Pushes logistic(x) = 1 / (1 + e^−x), from e = exp(−|x|). */
export function emitLogistic(c: Code, x: number): void {
  const V = ValType.v128;
  const ax = c.local(V), e = c.local(V), d = c.local(V);
  c.get(x).f32x4Abs().f32x4Neg().set(ax);
  emitExp(c, ax);
  c.tee(e).f32Const(1).f32x4Splat().f32x4Add().set(d); // d = 1 + e
  // x ≥ 0: 1/d; x < 0 (or NaN: e/d is NaN): e/d
  c.f32Const(1).f32x4Splat().get(d).f32x4Div();
  c.get(e).get(d).f32x4Div();
  c.get(x).f32Const(0).f32x4Splat().f32x4Ge().v128Bitselect();
}

/**
 * The extra f32x4 lowerings. `approximate` says which are not exact to float32
 * rounding (a program compiled with `precision: "exact"` leaves those to JS).
 * Comparisons produce lane masks; `select` takes a mask as its first operand.
 */
export const WASM_EXTRA: Partial<Record<Primitive, Emit>> = {
  exp: (c, [x]) => emitExp(c, x),
  logistic: (c, [x]) => emitLogistic(c, x),
  eq: (c, [x, y]) => c.get(x).get(y).f32x4Eq(),
  ne: (c, [x, y]) => c.get(x).get(y).f32x4Ne(),
  lt: (c, [x, y]) => c.get(x).get(y).f32x4Lt(),
  le: (c, [x, y]) => c.get(x).get(y).f32x4Le(),
  gt: (c, [x, y]) => c.get(x).get(y).f32x4Gt(),
  ge: (c, [x, y]) => c.get(x).get(y).f32x4Ge(),
  // select(p, t, f) = p ? t : f, with p a lane mask
  select: (c, [p, t, f]) => c.get(t).get(f).get(p).v128Bitselect(),
};

/** Extra lowerings that approximate (not exact to float32 rounding). */
export const APPROXIMATE: ReadonlySet<Primitive> = new Set<Primitive>(["exp", "logistic"]);
/** Comparisons: float32 operands, a lane-mask (bool) result. */
export const MASK_OPS: ReadonlySet<Primitive> = new Set<Primitive>([
  "eq",
  "ne",
  "lt",
  "le",
  "gt",
  "ge",
]);
