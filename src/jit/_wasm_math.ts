/**
 * f32x4 (WebAssembly SIMD) code for jit's fused loops beyond the exact
 * arithmetic of `WASM_LOWERINGS`: float32 comparisons and `select` (a boolean
 * lives in a loop as a lane mask, all ones where true), and approximations of
 * exp and logistic, each with a stated error, tested against float64
 * references over the whole float32 range (tests/jit_wasm_math_test.ts).
 *
 * exp(x), max error 1.5 ulp (tested over 2¹⁸ float32 inputs spread over every
 * exponent, denormals, ±0, ±inf and NaN; 1.01 ulp the largest seen over 2²² points
 * of [−104, 89]):
 *   clamp x to [−104, 89] (NaN stays NaN: pmin/pmax with x first pass it through;
 *   outside the clamp the result is 0 or +inf anyway), k = nearest(x·log₂e) read off
 *   t = x·log₂e + 1.5·2²³ (the add rounds to an integer, ties to even, for |k| < 2²²),
 *   r = x − k·ln2_hi − k·ln2_lo (ln2_hi has 16 significant bits, so k·ln2_hi is
 *   exact for |k| ≤ 150), |r| ≤ ½ln 2; e^r by its Taylor polynomial of degree 7
 *   (truncation r⁸/8! ≤ 5.6e−9, 0.1 ulp) in Estrin's form (see emitExp), then
 *   e^x = e^r · 2^k₁ · 2^k₂ with
 *   k₁ = ⌊k/2⌋, k₂ = k − k₁, two normal powers of two built in the exponent
 *   bits, so results in the denormal range are rounded once, by the last product.
 * logistic(x) = 1 / (1 + e^−x) for x ≥ 0 and e^x / (1 + e^x) for x < 0, from
 *   one e = exp(−|x|): no overflow, and relative accuracy on both tails.
 * tanh(x), max error 2.5 ulp (2.42 the largest over every float32 in [2⁻¹⁴, 9.5]; XLA's
 *   own CPU tanh: 4.6 over 2²² points of [−9, 9]): ±m/(m + 2) with m = e^{2|x|} − 1 from
 *   one range reduction and e^r − 1's Taylor polynomial, so small |x| keeps its relative
 *   accuracy (see `emitTanh`).
 * Masks: comparisons give lane masks; and/or/xor combine them bitwise (xor with a
 *   true constant is logical not); convert turns masks into 1.0/0.0 and float32 into
 *   masks (x ≠ 0); bool arrays load and store as one byte per lane (0 or 1).
 * Integers (int32 and uint32: i32x4 lanes holding the 32-bit patterns): and/or/xor
 *   bitwise, shifts by a constant count (`emitShift`: XLA's count rules decided when the
 *   loop is built), converts (`emitConvert`; each is exact, see there).
 * sin and cos, max error 2 ulp (1.44 the largest seen over 2²⁰ points, the float32
 *   neighbours of k·π/2 included): the JS loops' range reduction (`_lowering.ts`: k·π/2
 *   with π/2 in two parts) in float64, lane pair by lane pair, so r is exact to float64
 *   precision; then r in float32 through Taylor polynomials on |r| ≤ π/4, four lanes at
 *   a time (see `emitSinCos`). Finite |x| ≥ 10⁵, where two parts of π/2 no longer
 *   suffice, sets the loop's `bad` flag and the call reruns as the JS loop.
 */
import type { Code } from "../kernels/_wasm.ts";
import { ValType } from "../kernels/_wasm.ts";
import { emitExp, expm1Reduced, horner, madd, pushPow2 } from "./_wasm_f32.ts";
import { emitErf, emitExpm1, emitLog, emitLog1p } from "./_wasm_special.ts";
import type { Primitive } from "../core/_ir.ts";
import { COMPARE_PRIMITIVES } from "../core/_primitive_families.ts";
import { LOG_L } from "../kernels/_log.ts";
import {
  EXP_F32_MAX,
  EXP_F32_MIN,
  EXP_INV_LN2,
  EXP_LN2_HI,
  EXP_LN2_LO,
  EXP_P,
  TANH_SMALL,
} from "../kernels/_exp.ts";

/**
 * Primitives whose wasm lowering may set the loop's `bad` flag, after which the whole call
 * reruns as the JS loop (sin and cos of finite |x| ≥ 10⁵, see `emitSinCos`).
 */
export const RERUNS_AS_JS: ReadonlySet<Primitive> = new Set<Primitive>(["sin", "cos"]);

/** What an emitter may use besides its operands: `bad`, a v128 local OR-ed with lanes to redo in JS. */
export interface EmitContext {
  bad: number;
  /** sin and cos of an operand local, once computed: [sin local, cos local]. */
  sincos: Map<number, [number, number]>;
}
type Emit = (c: Code, args: number[], ctx: EmitContext) => void;

/** Pushes logistic(x) = 1 / (1 + e^−x), from e = exp(−|x|). */
export function emitLogistic(c: Code, x: number): void {
  const V = ValType.v128;
  const ax = c.local(V), e = c.local(V), d = c.local(V);
  c.get(x).f32x4Abs().f32x4Neg().set(ax);
  emitExp(c, ax);
  c.tee(e).f32x4Constant(1).f32x4Add().set(d); // d = 1 + e
  // x ≥ 0: 1/d; x < 0 (or NaN: e/d is NaN): e/d
  c.f32x4Constant(1).get(d).f32x4Div();
  c.get(e).get(d).f32x4Div();
  c.get(x).f32x4Constant(0).f32x4Ge().v128Bitselect();
}

/**
 * Pushes tanh(x) = sign(x)·m/(m + 2), m = e^{2a} − 1 for a = min(|x|, 9) (tanh(9) rounds to 1
 * in float32, and e^18 is far from overflow). m comes from one range reduction, 2a = k·ln 2 + r
 * with |r| ≤ ½ln 2 (as in emitExp), and e^r − 1 = r + r²·Q(r) by its Taylor polynomial to r⁷
 * (truncation r⁸/8! relative to r ≤ 1.6e−8, 0.13 ulp): m = 2^k·(e^r − 1) + (2^k − 1), both
 * products by a power of two exact, so m keeps its relative accuracy for small a where
 * 1 − 2/(e^{2a} + 1) would cancel. One branch for every lane (NaN passes through min).
 */
export function emitTanh(c: Code, x: number): void {
  const V = ValType.v128;
  const y = c.local(V), s = c.local(V), m = c.local(V);
  // y = 2·min(|x|, 9) (f32x4.min keeps a NaN)
  c.get(x).f32x4Abs().f32x4Constant(9).f32x4Min().tee(y).get(y).f32x4Add().set(y);
  const { t, p } = expm1Reduced(c, y);
  // s = 2^k (k ≤ 26), m = s·(e^r − 1) + (s − 1)
  pushPow2(c, t, 127);
  c.set(s);
  madd(c, () => c.get(s), () => c.get(p), () => c.get(s).f32x4Constant(1).f32x4Sub());
  c.tee(m).get(m).f32x4Constant(2).f32x4Add().f32x4Div();
  // x's sign bit (tanh(−0) = −0)
  c.get(x).f32x4Constant(-0).v128And().v128Or();
}

const PIO2_HI = 1.5707963267341256, PIO2_LO = 6.077100506506192e-11;
const INV_PIO2 = 0.6366197723675814;

/** Shuffles a v128 so its high two 32-bit lanes come first (then promote/widen the low pair). */
const HIGH_PAIR = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
/** Joins the low 8 bytes of two v128s (two demoted or truncated pairs) into one v128. */
const JOIN_PAIRS = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];

/**
 * Pushes r = (h − k·PIO2_HI) − k·PIO2_LO for the float64 pair `h` (a v128 local), with
 * k = nearest(h·2/π) stored into local `k`: the reduction of the JS loops' `sinCosQuadrant`
 * (k·PIO2_HI is exact for |k| < 2²⁰, and the result keeps float64's relative precision).
 */
function reduceF64(c: Code, h: number, k: number): void {
  const d = (v: number) => c.f64x2Constant(v);
  c.get(h);
  d(INV_PIO2).f64x2Mul().f64x2Nearest().set(k);
  c.get(h).get(k);
  d(PIO2_HI).f64x2Mul().f64x2Sub().get(k);
  d(PIO2_LO).f64x2Mul().f64x2Sub();
}

/**
 * Pushes sin(x) or cos(x) of float32 lanes; flags finite |x| ≥ 1e5 (the call reruns as the
 * JS loop). sin and cos of one operand share the work: the first computes both into locals
 * (`ctx.sincos`), the second reads its local.
 *
 * The reduction runs in float64, lane pair by lane pair (`reduceF64`), so r is exact to
 * float64 precision even where x is near a multiple of π/2; r rounded to float32 (½ ulp)
 * then goes through float32 Taylor polynomials on |r| ≤ π/4: sin r = r + r·z·S(z) to r⁹,
 * cos r = 1 + z·C(z) to r¹⁰ (z = r²; truncation ≤ 2.2e−9 and 1.2e−10 relative, < 0.03 ulp).
 * Quadrant q = k mod 4 swaps them (odd q) and sets the sign bits: sin negated for q ∈ {2, 3},
 * cos for q ∈ {1, 2}. Max error 2 ulp against float64 sin and cos (tests/jit_wasm_math_test.ts).
 */
export function emitSinCos(c: Code, x: number, cos: boolean, ctx: EmitContext): void {
  const V = ValType.v128;
  let pair = ctx.sincos.get(x);
  if (!pair) {
    const lo = c.local(V), hi = c.local(V), kLo = c.local(V), kHi = c.local(V);
    const a = c.local(V), r = c.local(V), z = c.local(V), q = c.local(V), swap = c.local(V);
    const sr = c.local(V), cr = c.local(V), s = c.local(V), co = c.local(V);
    pair = [s, co];
    ctx.sincos.set(x, pair);
    // lanes to redo in JS: finite |x| ≥ 1e5
    c.get(x).f32x4Abs().tee(a).f32x4Constant(1e5).f32x4Ge();
    c.get(a).f32x4Constant(Infinity).f32x4Lt().v128And().get(ctx.bad).v128Or();
    c.set(ctx.bad);
    c.get(x).f64x2PromoteLowF32x4().set(lo);
    c.get(x).get(x).i8x16Shuffle(HIGH_PAIR);
    c.f64x2PromoteLowF32x4().set(hi);
    reduceF64(c, lo, kLo);
    c.f32x4DemoteF64x2Zero().set(a);
    reduceF64(c, hi, kHi);
    c.f32x4DemoteF64x2Zero().set(r);
    c.get(a).get(r).i8x16Shuffle(JOIN_PAIRS).tee(r).get(r).f32x4Mul().set(z);
    // q: the integer k of each lane (i32x4.trunc_sat_f64x2_s_zero), mod 4 by its low bits
    c.get(kLo).simd(0xfc).get(kHi).simd(0xfc).i8x16Shuffle(JOIN_PAIRS);
    c.i32x4Constant(3).v128And().set(q);
    const get = (l: number) => () => c.get(l);
    const coef = (v: number) => () => c.f32x4Constant(v);
    // sin r = r + (r·z)·(−1/3! + z(1/5! + z(−1/7! + z/9!)))
    const rz = () => {
      c.get(r).get(z).f32x4Mul();
    };
    madd(c, rz, () => horner(c, z, [-1 / 6, 1 / 120, -1 / 5040, 1 / 362880]), get(r));
    c.set(sr);
    // cos r = 1 + z·(−1/2! + z(1/4! + z(−1/6! + z(1/8! − z/10!))))
    madd(c, get(z), () => horner(c, z, [-0.5, 1 / 24, -1 / 720, 1 / 40320, -1 / 3628800]), coef(1));
    c.set(cr);
    // odd quadrants swap; sign bits: sin's bit 1 of q, cos's bit 1 of q + 1, moved to bit 31
    c.get(q).i32x4Constant(1).v128And().i32x4Constant(1).simd(0x37).set(swap); // i32x4.eq
    c.get(cr).get(sr).get(swap).v128Bitselect();
    c.get(q).i32x4Constant(2).v128And().i32(30).i32x4Shl().simd(0x51).set(s); // v128.xor
    // sin(±0) = ±0 (the reduction gives +0 for −0)
    c.get(x).get(s).get(x).f32x4Constant(0).f32x4Eq().v128Bitselect().set(s);
    c.get(sr).get(cr).get(swap).v128Bitselect();
    c.get(q).i32x4Constant(1).i32x4Add().i32x4Constant(2).v128And().i32(30).i32x4Shl();
    c.simd(0x51).set(co);
  }
  c.get(cos ? pair[1] : pair[0]);
}

/**
 * Pushes the polynomial with `coefs` (highest degree first) at f64x2 local `x`, by Horner's
 * rule in the JS kernels' order: ((x·c₀ + c₁)·x + …) + cₙ.
 */
function hornerF64(c: Code, x: number, coefs: readonly number[]): void {
  c.get(x).f64x2Constant(coefs[0]).f64x2Mul();
  for (const q of coefs.slice(1, -1)) c.f64x2Constant(q).f64x2Add().get(x).f64x2Mul();
  c.f64x2Constant(coefs[coefs.length - 1]).f64x2Add();
}

/** Pushes c(r) = r − r²·(P1 + r²(P2 + r²(P3 + r²(P4 + r²·P5)))) (kernels/_exp.ts `core`). */
function coreF64(c: Code, r: number): void {
  const t = c.local(ValType.v128);
  const [p1, p2, p3, p4, p5] = EXP_P;
  c.get(r).get(r).f64x2Mul().set(t);
  hornerF64(c, t, [p5, p4, p3, p2, p1]);
  c.get(t).f64x2Mul();
  c.set(t).get(r).get(t).f64x2Sub();
}

/** The exact sequence of `expF32` (kernels/_exp.ts) on one f64x2 local `h`; pushes the f64x2 result. */
function expF64(c: Code, h: number): void {
  const V = ValType.v128;
  const k = c.local(V), hi = c.local(V), lo = c.local(V), r = c.local(V), cc = c.local(V);
  const d = (v: number) => c.f64x2Constant(v);
  // clamp with pmin/pmax, x first: a NaN passes through (as the JS comparisons let it)
  c.get(h);
  d(EXP_F32_MAX).simd(0xf6); // f64x2.pmin
  d(EXP_F32_MIN).simd(0xf7); // f64x2.pmax
  c.tee(hi);
  d(EXP_INV_LN2).f64x2Mul().f64x2Nearest().set(k);
  // hi = x − k·LN2_HI, lo = k·LN2_LO, r = hi − lo
  c.get(hi).get(k);
  d(EXP_LN2_HI).f64x2Mul().f64x2Sub().set(hi);
  c.get(k);
  d(EXP_LN2_LO).f64x2Mul().set(lo);
  c.get(hi).get(lo).f64x2Sub().set(r);
  coreF64(c, r);
  c.set(cc);
  // e^r = 1 − ((lo − r·c/(2 − c)) − hi)
  d(1).get(lo).get(r).get(cc).f64x2Mul();
  d(2).get(cc).f64x2Sub().f64x2Div().f64x2Sub().get(hi).f64x2Sub().f64x2Sub();
  // × 2^k, whose bits are (k + 1023) << 52: k + (2⁵² + 1023) holds k + 1023 in its low
  // mantissa bits (exactly, for |k| < 2⁵¹), and the shift moves them into the exponent
  c.get(k);
  d(2 ** 52 + 1023).f64x2Add().i32(52).simd(0xcb).f64x2Mul(); // i64x2.shl
}

/** `logisticF32`: e = exp(−|x|), then x ≥ 0 ? 1/(1 + e) : e/(1 + e). */
function logisticF64(c: Code, h: number): void {
  const V = ValType.v128;
  const a = c.local(V), e = c.local(V);
  c.get(h).f64x2Abs().f64x2Neg().set(a);
  expF64(c, a);
  c.set(e);
  c.f64x2Constant(1).f64x2Constant(1).get(e).f64x2Add().f64x2Div();
  c.get(e).f64x2Constant(1).get(e).f64x2Add().f64x2Div();
  c.get(h).f64x2Constant(0).f64x2Ge().v128Bitselect();
}

/** `tanhF32`: m/(m + 2) with m = e^{2a} − 1 from the core for a ≤ TANH_SMALL, else 1 − 2/(e^{2a} + 1). */
function tanhF64(c: Code, h: number): void {
  const V = ValType.v128;
  const a = c.local(V), r = c.local(V), m = c.local(V), e = c.local(V), small = c.local(V);
  const d = (v: number) => c.f64x2Constant(v);
  c.get(h).f64x2Abs().tee(a).get(a).f64x2Add().set(r); // r = 2a
  // small: m = 2r/(2 − c(r)), y = m/(m + 2)
  c.get(r).get(r).f64x2Add();
  d(2);
  coreF64(c, r);
  c.f64x2Sub().f64x2Div().set(m);
  c.get(m).get(m);
  d(2).f64x2Add().f64x2Div().set(small);
  // large: y = 1 − 2/(e^{2a} + 1)
  expF64(c, r);
  c.set(e);
  d(1);
  d(2).get(e);
  d(1).f64x2Add().f64x2Div().f64x2Sub();
  // pick by a ≤ TANH_SMALL (false for NaN: the large branch's NaN), then x's sign
  c.set(e).get(small).get(e).get(a);
  d(TANH_SMALL).simd(0x4b); // f64x2.le
  c.v128Bitselect();
  c.get(h);
  d(-0).v128And().v128Or();
}

/** A v128 constant with the 64-bit integer `v` (0 ≤ v < 2⁵²: a subnormal double) in both lanes. */
function i64x2(c: Code, v: number): Code {
  return c.f64x2Constant(new Float64Array(new BigInt64Array([BigInt(v)]).buffer)[0]);
}

/** `logF32` (kernels/_log.ts) on one f64x2 local `h`; pushes the f64x2 result. */
function logF64(c: Code, h: number): void {
  const V = ValType.v128;
  const hx = c.local(V), m = c.local(V), i = c.local(V), k = c.local(V), f = c.local(V);
  const hf = c.local(V), sl = c.local(V), z = c.local(V), w = c.local(V), r = c.local(V);
  const d = (v: number) => c.f64x2Constant(v);
  c.get(h).i32(32).simd(0xcd).tee(hx); // i64x2.shr_u: the high words
  i64x2(c, 0xfffff).v128And().tee(m);
  i64x2(c, 0x95f64).simd(0xce); // i64x2.add
  i64x2(c, 0x100000).v128And().set(i);
  // k = (hx >> 20) − 1023 + (i >> 20), as float64 (the low 32 bits of each lane)
  c.get(hx).i32(20).simd(0xcd);
  i64x2(c, 1023).simd(0xd1); // i64x2.sub
  c.get(i).i32(20).simd(0xcd).simd(0xce);
  c.set(k).get(k).get(k).i8x16Shuffle([0, 1, 2, 3, 8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11]);
  c.simd(0xfe).set(k); // f64x2.convert_low_i32x4_s
  // f = (x with high word m | (i ^ 0x3ff00000)) − 1
  c.get(m).get(i);
  i64x2(c, 0x3ff00000).simd(0x51).v128Or().i32(32).simd(0xcb); // v128.xor, i64x2.shl
  c.get(h);
  i64x2(c, 0xffffffff).v128And().v128Or();
  d(1).f64x2Sub().set(f);
  // hfsq = ½f·f, s = f/(2 + f), z = s², w = z²
  d(0.5).get(f).f64x2Mul().get(f).f64x2Mul().set(hf);
  c.get(f);
  d(2).get(f).f64x2Add().f64x2Div().tee(sl).get(sl).f64x2Mul().tee(z).get(z).f64x2Mul().set(w);
  // r = z·(L1 + w(L3 + w(L5 + w·L7))) + w·(L2 + w(L4 + w·L6))
  const [l1, l2, l3, l4, l5, l6, l7] = LOG_L;
  c.get(z);
  hornerF64(c, w, [l7, l5, l3, l1]);
  c.f64x2Mul();
  c.get(w);
  hornerF64(c, w, [l6, l4, l2]);
  c.f64x2Mul().f64x2Add().set(r);
  // k·LN2_HI − ((hfsq − (s·(hfsq + r) + k·LN2_LO)) − f)
  c.get(k);
  d(EXP_LN2_HI).f64x2Mul();
  c.get(hf).get(sl).get(hf).get(r).f64x2Add().f64x2Mul().get(k);
  d(EXP_LN2_LO).f64x2Mul().f64x2Add().f64x2Sub().get(f).f64x2Sub().f64x2Sub();
  // 0 < x < ∞, else: log 0 = −∞, log ∞ = ∞, NaN for x < 0 or NaN
  d(-Infinity);
  d(Infinity);
  d(NaN);
  c.get(h);
  d(Infinity).f64x2Eq().v128Bitselect();
  c.get(h);
  d(0).f64x2Eq().v128Bitselect();
  c.get(h);
  d(0).simd(0x4a); // f64x2.gt
  c.get(h);
  d(Infinity).f64x2Lt().v128And().v128Bitselect();
}

/** Pushes `f` (an f64x2 sequence on a local) of each float32 lane, rounded once to float32. */
function pairwise(c: Code, x: number, f: (c: Code, h: number) => void): void {
  const V = ValType.v128;
  const h = c.local(V), lo = c.local(V);
  c.get(x).f64x2PromoteLowF32x4().set(h);
  f(c, h);
  c.f32x4DemoteF64x2Zero().set(lo);
  c.get(x).get(x).i8x16Shuffle(HIGH_PAIR);
  c.f64x2PromoteLowF32x4().set(h);
  f(c, h);
  c.f32x4DemoteF64x2Zero().set(h);
  c.get(lo).get(h).i8x16Shuffle(JOIN_PAIRS);
}

/**
 * Lowerings that equal the eager kernels bit for bit though `APPROXIMATE` lists the op: the
 * float64 sequences of kernels/_exp.ts, lane pair by lane pair.
 */
export const WASM_EXACT: Partial<Record<Primitive, Emit>> = {
  exp: (c, [x]) => pairwise(c, x, expF64),
  log: (c, [x]) => pairwise(c, x, logF64),
  logistic: (c, [x]) => pairwise(c, x, logisticF64),
  tanh: (c, [x]) => pairwise(c, x, tanhF64),
};

/**
 * The extra f32x4 lowerings. `approximate` says which are not exact to float32
 * rounding (a program compiled with `precision: "exact"` leaves those to JS).
 * Comparisons produce lane masks; `select` takes a mask as its first operand.
 */
export const WASM_EXTRA: Partial<Record<Primitive, Emit>> = {
  exp: (c, [x]) => emitExp(c, x),
  log: (c, [x]) => emitLog(c, x),
  // 1/√x rounded twice (within 1.5 ulp; eager rounds the float64 quotient once)
  rsqrt: (c, [x]) => c.f32x4Constant(1).get(x).f32x4Sqrt().f32x4Div(),
  logistic: (c, [x]) => emitLogistic(c, x),
  tanh: (c, [x]) => emitTanh(c, x),
  expm1: (c, [x]) => emitExpm1(c, x),
  log1p: (c, [x]) => emitLog1p(c, x),
  erf: (c, [x]) => emitErf(c, x),
  sin: (c, [x], ctx) => emitSinCos(c, x, false, ctx),
  cos: (c, [x], ctx) => emitSinCos(c, x, true, ctx),
  eq: (c, [x, y]) => c.get(x).get(y).f32x4Eq(),
  ne: (c, [x, y]) => c.get(x).get(y).f32x4Ne(),
  lt: (c, [x, y]) => c.get(x).get(y).f32x4Lt(),
  le: (c, [x, y]) => c.get(x).get(y).f32x4Le(),
  gt: (c, [x, y]) => c.get(x).get(y).f32x4Gt(),
  ge: (c, [x, y]) => c.get(x).get(y).f32x4Ge(),
  // select(p, t, f) = p ? t : f, with p a lane mask
  select: (c, [p, t, f]) => c.get(t).get(f).get(p).v128Bitselect(),
  // logic on lane masks (bool operands): bitwise on all-ones / all-zeros lanes
  and: (c, [x, y]) => c.get(x).get(y).v128And(),
  or: (c, [x, y]) => c.get(x).get(y).v128Or(),
  xor: (c, [x, y]) => c.get(x).get(y).simd(0x51), // v128.xor; with a true mask it is v128.not
};

/** Logic on bool operands (lane masks in, a lane mask out), or bitwise on int32/uint32 lanes. */
export const LOGIC_OPS: ReadonlySet<Primitive> = new Set<Primitive>(["and", "or", "xor"]);

/** The shifts; in a loop their count is a constant (WebAssembly shifts all lanes by one i32). */
export const SHIFT_OPS: ReadonlySet<Primitive> = new Set<Primitive>([
  "shift_left",
  "shift_right_logical",
  "shift_right_arithmetic",
]);

/** How a value lives in a loop: float32 lanes, a lane mask (bool), int32 or uint32 lanes. */
export type LaneKind = "float" | "mask" | "int" | "uint";

/** Whether lanes of `k` hold 32-bit integer patterns (int32 or uint32). */
export const isIntLane = (k: LaneKind | null): boolean => k === "int" || k === "uint";

/**
 * Pushes local `x` (32-bit integer lanes) shifted by the constant `count` (of the same
 * 32-bit dtype), with XLA's rules as in `_shift_rules.ts`: a count outside [0, 32) (a
 * negative int32 count reads as a huge unsigned one) shifts every bit out, leaving 0, or the
 * sign bits for the arithmetic shift (which is then a shift by 31).
 */
export function emitShift(c: Code, prim: Primitive, x: number, count: number): void {
  const inRange = count >>> 0 < 32;
  if (prim === "shift_right_arithmetic") {
    c.get(x).i32(inRange ? count : 31).i32x4ShrS();
  } else if (!inRange) c.i32x4Constant(0);
  else if (prim === "shift_left") c.get(x).i32(count).i32x4Shl();
  else c.get(x).i32(count).simd(0xad); // i32x4.shr_u
}

/**
 * Pushes `convert` of local `x` between the lane kinds, each as eager's store and the JS
 * loop's wrap do it:
 *   bool → float32: 1.0 where true, +0 where false (the mask AND the bits of 1.0);
 *   float32 → bool: x ≠ 0 (NaN is true, ±0 false), as the JS loop's `x !== 0`;
 *   int32 → float32: f32x4.convert_i32x4_s, rounded to nearest even (exact below 2²⁴), as
 *     a Float32Array store of the number;
 *   uint32 → float32: the high and low 16 bits converted (both exact), the high half
 *     scaled by 2¹⁶ (exact), then one f32x4.add: the sum is x, rounded once — the correctly
 *     rounded value, without relying on an engine's f32x4.convert_i32x4_u sequence;
 *   float32 → int32 / uint32: truncated, saturated, NaN → 0 (i32x4.trunc_sat_f32x4_s/_u),
 *     as the JS loop's `Math.max(lo, Math.min(hi, Math.trunc(x)))`;
 *   int32 ↔ uint32: the same 32 bits; bool → integer: 1 or 0; integer → bool: x ≠ 0.
 */
export function emitConvert(c: Code, x: number, from: LaneKind, to: LaneKind): void {
  c.get(x);
  if (from === "mask" && to === "float") c.f32x4Constant(1).v128And();
  else if (from === "float" && to === "mask") c.f32x4Constant(0).f32x4Ne();
  else if (from === "int" && to === "float") c.simd(0xfa); // f32x4.convert_i32x4_s
  else if (from === "uint" && to === "float") {
    c.i32x4Constant(0xffff).v128And().simd(0xfa); // the low half, exact
    c.get(x).i32(16).simd(0xad).simd(0xfa); // the high half (i32x4.shr_u), exact
    c.f32x4Constant(65536).f32x4Mul().f32x4Add();
  } else if (from === "float" && to === "int") c.i32x4TruncSatF32x4S();
  else if (from === "float" && to === "uint") c.simd(0xf9); // i32x4.trunc_sat_f32x4_u
  else if (from === "mask" && isIntLane(to)) c.i32x4Constant(1).v128And();
  else if (isIntLane(from) && to === "mask") c.i32x4Constant(0).simd(0x38); // i32x4.ne
}

/**
 * Pushes the lane mask of the 4 bool bytes at the address on the stack (+ `offset`):
 * all ones where a byte is non-zero (v128.load32_zero, each byte spread over its lane,
 * i32x4.ne 0).
 */
export function emitLoadBool(c: Code, offset: number): void {
  c.simd(0x5c, [2, offset]).i32x4Constant(0);
  c.i8x16Shuffle([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]);
  c.i32x4Constant(0).simd(0x38);
}

/**
 * Stores lane mask `m` as 4 bool bytes (1 where true, 0 where false) at the address on
 * the stack (+ `offset`): byte 0 of each lane gathered into the low 4 bytes, AND 1,
 * v128.store32_lane.
 */
export function emitStoreBool(c: Code, m: number, offset: number): void {
  c.get(m).get(m).i8x16Shuffle([0, 4, 8, 12, 0, 4, 8, 12, 0, 4, 8, 12, 0, 4, 8, 12]);
  c.i32x4Constant(0x01010101).v128And().v128Store32Lane(offset, 0);
}

/**
 * Adds the float32 lanes of `x`, widened to float64, into the 4 float64 accumulators at
 * byte address local `q` (lanes 0–1 at q, 2–3 at q + 16): exact widening, then one
 * float64 addition per element, as the JS loop's `acc[k] += x`.
 */
export function emitAccumulate(c: Code, q: number, x: number): void {
  c.get(q).get(q).v128Load(0).get(x).f64x2PromoteLowF32x4().f64x2Add().v128Store(0);
  c.get(q).get(q).v128Load(16).get(x).get(x);
  c.i8x16Shuffle(HIGH_PAIR);
  c.f64x2PromoteLowF32x4().f64x2Add().v128Store(16);
}

/** Extra lowerings that are not eager's rounding (left to JS under `precision: "exact"`). */
export const APPROXIMATE: ReadonlySet<Primitive> = new Set<Primitive>([
  "exp",
  "logistic",
  "tanh",
  "expm1",
  "log1p",
  "log",
  "rsqrt",
  "erf",
  "sin",
  "cos",
]);
/** Comparisons: float32 operands, a lane-mask (bool) result. */
export const MASK_OPS: ReadonlySet<Primitive> = new Set<Primitive>(COMPARE_PRIMITIVES);
