/**
 * What jit's f32x4 approximations share (`_wasm_math.ts`, `_wasm_expm1_log1p.ts`): the
 * multiply-add and the constants of the exp-family range reduction x = k·ln 2 + r.
 *
 * @module
 */
import { type Code, hasRelaxedSimd, ValType } from "../kernels/_wasm.ts";

/** log₂ e. */
export const LOG2E = 1.4426950408889634;
/** ln 2's high part, 0x3f317200: 16 significant bits, so k·LN2_HI is exact for |k| ≤ 255. */
export const LN2_HI = 0.693145751953125;
/** ln 2 − LN2_HI. */
export const LN2_LO = 1.4286067653302870e-6;
/** 1.5·2²³: adding it rounds |t| < 2²² to an integer, ties to even. */
export const ROUNDER = 12582912;

/**
 * Pushes a·b + c, each operand pushed by its callback: one f32x4.relaxed_madd where the
 * engine has relaxed SIMD (fused where the CPU has FMA, so one rounding instead of two:
 * never less accurate), else f32x4.mul then f32x4.add.
 */
export function madd(c: Code, a: () => void, b: () => void, addend: () => void): void {
  a(), b();
  if (hasRelaxedSimd) addend(), c.f32x4RelaxedMadd();
  else c.f32x4Mul(), addend(), c.f32x4Add();
}

/**
 * Pushes the polynomial with `coefs` (constant term first) at the f32x4 local `v`, by Horner's
 * rule: ((c_n·v + c_{n−1})·v + …)·v + c_0, one {@link madd} per coefficient.
 */
export function horner(c: Code, v: number, coefs: readonly number[]): void {
  let acc: () => void = () => c.f32x4Constant(coefs[coefs.length - 1]);
  for (let j = coefs.length - 2; j >= 0; j--) {
    const inner = acc, coef = coefs[j];
    acc = () => madd(c, inner, () => c.get(v), () => c.f32x4Constant(coef));
  }
  acc();
}

/**
 * y = k·ln 2 + r for the float32 lanes of local `y` (|y| ≤ 104): t = y·log₂e + 1.5·2²³ rounds
 * k = nearest(y·log₂e) into t's low mantissa bits (k = t − 1.5·2²³ exactly, and its integer is
 * bits(t) − bits(1.5·2²³)); r = (y − k·LN2_HI) − k·LN2_LO (k·LN2_HI is exact, so a fused
 * multiply-add changes only the last step), |r| ≤ ½ln 2. Returns the locals t and r.
 */
export function reduceLn2(c: Code, y: number): { t: number; r: number } {
  const V = ValType.v128;
  const t = c.local(V), k = c.local(V), r = c.local(V);
  const get = (l: number) => () => c.get(l);
  const splat = (v: number) => () => c.f32x4Constant(v);
  madd(c, get(y), splat(LOG2E), splat(ROUNDER));
  c.tee(t).f32x4Constant(ROUNDER).f32x4Sub().set(k);
  madd(c, get(k), splat(-LN2_HI), get(y));
  c.set(r);
  madd(c, get(k), splat(-LN2_LO), get(r));
  c.set(r);
  return { t, r };
}

/**
 * The exp-family reduction of the float32 lanes of local `y` (|y| ≤ 89): y = k·ln 2 + r with
 * |r| ≤ ½ln 2, k = nearest(y·log₂e) read off t = y·log₂e + 1.5·2²³ (t's low mantissa bits hold
 * k), r = (y − k·LN2_HI) − k·LN2_LO, and e^r − 1 = r + r²·Q(r) by its Taylor polynomial to r⁷
 * (truncation r⁸/8! relative to r ≤ 1.6e−8, 0.13 ulp). Returns the locals t and p = e^r − 1.
 */
export function expm1Reduced(c: Code, y: number): { t: number; p: number } {
  const { t, r } = reduceLn2(c, y);
  const p = c.local(ValType.v128);
  // e^r − 1 = r + r²·(1/2 + r(1/6 + r(1/24 + r(1/120 + r(1/720 + r/5040)))))
  const q = () => horner(c, r, [1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720, 1 / 5040]);
  madd(c, () => c.get(r).get(r).f32x4Mul(), q, () => c.get(r));
  c.set(p);
  return { t, p };
}

/** Pushes 2^(k + bias − 127) for the k held in t (see expm1Reduced): its exponent bits k + bias. */
export function pushPow2(c: Code, t: number, bias: number): void {
  c.get(t).i32x4Constant(0x4b400000).i32x4Sub();
  c.i32x4Constant(bias).i32x4Add().i32(23).i32x4Shl();
}

/** Pushes e^x (x a v128 local of float32 lanes). */
export function emitExp(c: Code, x: number): void {
  const V = ValType.v128;
  const xc = c.local(V), ki = c.local(V), k1 = c.local(V);
  const splat = (v: number) => () => c.f32x4Constant(v);
  const get = (l: number) => () => c.get(l);
  // clamp with pmin/pmax (one instruction each; x first, so a NaN x passes through)
  c.get(x);
  c.f32x4Constant(89).f32x4Pmin();
  c.f32x4Constant(-104).f32x4Pmax().set(xc);
  const { t, r } = reduceLn2(c, xc);
  // p = 1 + (r + (r²(1/2 + r/6) + r⁴((1/24 + r/120) + r²(1/720 + r/5040)))), Estrin's
  // scheme: the dependent chain is half Horner's (the loop is latency-bound), and the
  // small terms are summed before r and 1, so each rounding is relative to its term
  const r2 = c.local(V), r4 = c.local(V);
  c.get(r).get(r).f32x4Mul().tee(r2).get(r2).f32x4Mul().set(r4);
  const linear = (a: number, b: number) => () => madd(c, get(r), splat(b), splat(a));
  const low = () => madd(c, linear(1 / 720, 1 / 5040), get(r2), linear(1 / 24, 1 / 120));
  madd(c, low, get(r4), () => (linear(1 / 2, 1 / 6)(), c.get(r2).f32x4Mul()));
  c.get(r).f32x4Add().f32x4Constant(1).f32x4Add();
  // × 2^k₁ × 2^k₂, each built as ((kᵢ + 127) << 23)
  c.get(t).i32x4Constant(0x4b400000).i32x4Sub().tee(ki).i32(1).i32x4ShrS().tee(k1);
  c.i32x4Constant(127).i32x4Add().i32(23).i32x4Shl().f32x4Mul();
  c.get(ki).get(k1).i32x4Sub();
  c.i32x4Constant(127).i32x4Add().i32(23).i32x4Shl().f32x4Mul();
}
