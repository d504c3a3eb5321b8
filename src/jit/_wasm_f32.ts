/**
 * What jit's f32x4 approximations share (`_wasm_math.ts`, `_wasm_expm1_log1p.ts`): the
 * multiply-add and the constants of the exp-family range reduction x = k·ln 2 + r.
 *
 * @module
 */
import { type Code, hasRelaxedSimd } from "../kernels/_wasm.ts";

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
