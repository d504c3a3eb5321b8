/**
 * f32x4 (WebAssembly SIMD) expm1, log1p, log and erf for jit's fused loops, so that the activations
 * JAX writes with them (`nn.elu`, `nn.selu`, `nn.celu` through expm1; `nn.softplus`,
 * `nn.logSigmoid` through log1p) run as wasm loops. Tested against float64 references over
 * the whole float32 range (tests/jit_wasm_math_test.ts). erf makes `nn.gelu(x, { approximate:
 * false })` one loop too.
 *
 * expm1(x), max error 2 ulp: x clamped to [−30, 89] (below, e^x < 2⁻⁴³ and the result
 *   rounds to −1; above, it overflows anyway; NaN passes through), x = k·ln 2 + r with
 *   |r| ≤ ½ln 2 as in exp, e^r − 1 = r + r²·Q(r) by its Taylor polynomial to r⁷ (truncation
 *   relative to r ≤ 1.6e−8), then e^x − 1 = 2·(h·(e^r − 1) + (h − ½)) with h = 2^(k−1): the
 *   products by powers of two are exact, so one rounding remains, and small |x| (k = 0)
 *   keeps the relative accuracy of e^r − 1. |x| < 2⁻²⁴ returns x (±0 and subnormals too).
 * log1p(x), max error 2 ulp: u = 1 + x and its rounding error e exactly (Knuth's two-sum),
 *   log1p(x) = log u + e/u. log u: u = 2^k·m with m ∈ [√½, √2) from the bits, f = m − 1
 *   (exact), s = f/(2 + f), log m = f − (f²/2 − s·(f²/2 + R)) with
 *   R = z(2/3 + z(2/5 + z(2/7 + z·2/9))), z = s² (the series of log((1 + s)/(1 − s)) less
 *   its first term; truncation ≤ 2e−9 relative), and k·ln 2 added in two parts. u = 0 gives
 *   −∞, u = +∞ gives +∞, u < 0 or NaN gives NaN; |x| < 2⁻²⁴ returns x.
 * log(x), max error 1 ulp (0.83 the largest seen over 2²² positive floats, subnormals
 *   included): the same log u, with subnormal x scaled by 2²³ (exactly) first. Under
 *   `precision: "exact"` log keeps the float64 sequence of the eager kernel (`_wasm_math.ts`).
 * erf(x), max error 3 ulp (2.6 the largest seen; XLA's own float32 erf: 4.9): x·P(x²) below
 *   |x| = 1, 1 − e^{−x²}·Q(1/|x|) from there to 4 (see `emitErf`), ±1 beyond.
 *
 * @module
 */
import { type Code, ValType } from "../kernels/_wasm.ts";
import { emitExp, expm1Reduced, horner, LN2_HI, LN2_LO, madd, pushPow2 } from "./_wasm_f32.ts";

const V = ValType.v128;

/** Pushes x, where |x| < 2⁻²⁴, else what is on the stack (the result for the other lanes). */
function smallIsIdentity(c: Code, x: number, result: number): void {
  c.get(x).get(result);
  c.get(x).f32x4Abs().f32x4Constant(2 ** -24).f32x4Lt().v128Bitselect();
}

/** Pushes e^x − 1 (x a v128 local of float32 lanes). */
export function emitExpm1(c: Code, x: number): void {
  const y = c.local(V), h = c.local(V), em = c.local(V);
  // pmin/pmax with x first: a NaN passes through
  c.get(x).f32x4Constant(89).f32x4Pmin().f32x4Constant(-30).f32x4Pmax().set(y);
  const { t, p } = expm1Reduced(c, y);
  // h = 2^(k−1): exponent bits k + 126 (k ≥ −44 after the clamp, k − 1 ≤ 127)
  pushPow2(c, t, 126);
  c.set(h);
  madd(c, () => c.get(h), () => c.get(p), () => c.get(h).f32x4Constant(0.5).f32x4Sub());
  c.tee(em).get(em).f32x4Add().set(em);
  smallIsIdentity(c, x, em);
}

/**
 * Pushes log u for the float32 lanes of local `u` that are positive and normal (other lanes
 * give junk, replaced by the caller), plus `extra` (an f32x4 local, or −1: none) added to
 * the exponent.
 */
function logOfNormal(c: Code, u: number, extra: number): void {
  const e = c.local(V), m = c.local(V), big = c.local(V), f = c.local(V), s = c.local(V);
  const z = c.local(V), hf = c.local(V), l = c.local(V);
  const get = (v: number) => () => c.get(v);
  const splat = (v: number) => () => c.f32x4Constant(v);
  // u = 2^e·m, m ∈ [√½, √2): the exponent and mantissa bits, m halved (e + 1) above √2
  c.get(u).i32(23).simd(0xad).i32x4Constant(127).i32x4Sub().set(e); // i32x4.shr_u
  c.get(u).i32x4Constant(0x7fffff).v128And().i32x4Constant(0x3f800000).v128Or().set(m);
  c.get(m).i32x4Constant(0x3fb504f3).simd(0x3b).set(big); // i32x4.gt_s: m > √2
  c.get(m).get(big).i32x4Constant(0x800000).v128And().i32x4Sub().set(m);
  c.get(e).get(big).i32x4Constant(1).v128And().i32x4Add();
  c.simd(0xfa); // f32x4.convert_i32x4_s
  if (extra >= 0) c.get(extra).f32x4Add();
  c.set(e);
  c.get(m).f32x4Constant(1).f32x4Sub().set(f);
  c.get(f).get(f).f32x4Constant(2).f32x4Add().f32x4Div().tee(s).get(s).f32x4Mul().set(z);
  c.get(f).get(f).f32x4Mul().f32x4Constant(0.5).f32x4Mul().set(hf);
  // R = z·(2/3 + z(2/5 + z(2/7 + z·2/9))); log m = f − (hf − s·(hf + R))
  madd(c, () => horner(c, z, [2 / 3, 2 / 5, 2 / 7, 2 / 9]), get(z), get(hf)); // hf + R
  c.get(s).f32x4Mul();
  c.get(hf).f32x4Sub().f32x4Neg(); // hf − s·(hf + R)
  c.set(l);
  c.get(f).get(l).f32x4Sub().set(l);
  // log u = e·LN2_HI + (log m + e·LN2_LO)
  madd(c, get(e), splat(LN2_LO), get(l));
  c.set(l);
  madd(c, get(e), splat(LN2_HI), get(l));
}

/**
 * Replaces the lanes of `res` where u is not positive and finite: u = 0 gives −∞, u = +∞
 * gives +∞, u < 0 or NaN gives NaN (log's and log1p's special values).
 */
function logSpecials(c: Code, u: number, res: number): void {
  const b = c.local(V);
  c.f32x4Constant(-Infinity).f32x4Constant(NaN).get(u).f32x4Constant(0).f32x4Eq();
  c.v128Bitselect().set(b);
  c.f32x4Constant(Infinity).get(b).get(u).f32x4Constant(Infinity).f32x4Eq().v128Bitselect();
  c.set(b); // the special value of each lane
  c.get(res).get(b);
  c.get(u).f32x4Constant(0).f32x4Gt().get(u).f32x4Constant(Infinity).f32x4Lt().v128And();
  c.v128Bitselect().set(res);
}

/** Pushes log x (x a v128 local of float32 lanes); subnormal x is scaled by 2²³ first. */
export function emitLog(c: Code, x: number): void {
  const u = c.local(V), extra = c.local(V), sub = c.local(V), res = c.local(V);
  c.get(x).f32x4Abs().f32x4Constant(2 ** -126).f32x4Lt().set(sub);
  c.get(x).f32x4Constant(2 ** 23).f32x4Mul().get(x).get(sub).v128Bitselect().set(u);
  c.f32x4Constant(-23).f32x4Constant(0).get(sub).v128Bitselect().set(extra);
  logOfNormal(c, u, extra);
  c.set(res);
  logSpecials(c, x, res);
  c.get(res);
}

/** Pushes log(1 + x) (x a v128 local of float32 lanes). */
export function emitLog1p(c: Code, x: number): void {
  const u = c.local(V), b = c.local(V), err = c.local(V), res = c.local(V);
  // u = x + 1 and its rounding error: b = u − x, err = (x − (u − b)) + (1 − b)
  c.get(x).f32x4Constant(1).f32x4Add().tee(u).get(x).f32x4Sub().set(b);
  c.get(x).get(u).get(b).f32x4Sub().f32x4Sub();
  c.f32x4Constant(1).get(b).f32x4Sub().f32x4Add().set(err);
  // u ≥ 2⁻²⁴ wherever it is positive: normal
  logOfNormal(c, u, -1);
  c.get(err).get(u).f32x4Div().f32x4Add().set(res);
  logSpecials(c, u, res);
  smallIsIdentity(c, x, res);
}

// erf(x)/x = P(x²) on |x| < 1 (degree 6 in x², ≤ 1.3e−9 relative) and erfc(x)·e^{x²} = Q(1/x)
// on 1 ≤ x ≤ 4 (degree 10 in 1/x, ≤ 2.3e−9): least-squares fits for relative error on Chebyshev
// nodes against 40-digit values, printed by `python3 docs/fit_erf.py`; constant term first.
const ERF_SMALL = [
  1.1283791657333488,
  -0.37612625869860816,
  0.11283585664065543,
  -0.026853833412945637,
  0.0051883683596011835,
  -0.0008010549986019601,
  7.855035349980983e-05,
];
const ERFC_LARGE = [
  2.97263400075642e-5,
  0.5636426029408406,
  0.003697881864460416,
  -0.2886890245487904,
  -0.05778890082624819,
  0.8743668775772611,
  -1.4868545318559998,
  1.3871491407552983,
  -0.7871966249900114,
  0.2560464120508374,
  -0.036819984099234655,
];

/**
 * Pushes erf(x): x·P(x²) for |x| < 1; sign(x)·(1 − e^{−x²}·Q(1/|x|)) for |x| ≥ 1, |x| clamped
 * to 4 (erf(4) rounds to 1 in float32). e^{−x²} needs x² to far more than float32's precision
 * (an error of ulp(x²) moves the result by up to 2.6 ulp near x = 1): x² = hi + lo exactly by
 * Veltkamp's split (plain products, never fused), and e^{−x²} = e^{−hi}·(1 − lo).
 */
export function emitErf(c: Code, x: number): void {
  const a = c.local(V), t = c.local(V), small = c.local(V), u = c.local(V);
  const xh = c.local(V), xl = c.local(V), hi = c.local(V), lo = c.local(V), e = c.local(V);
  c.get(x).f32x4Abs().tee(a).get(a).f32x4Mul().set(t);
  horner(c, t, ERF_SMALL);
  c.get(x).f32x4Mul().set(small);
  // the large branch on |x| clamped to [1, 4] (NaN stays NaN: pmax/pmin with |x| first)
  c.get(a).f32x4Constant(1).f32x4Pmax().f32x4Constant(4).f32x4Pmin().set(a);
  c.f32x4Constant(1).get(a).f32x4Div().set(u);
  // a = xh + xl with xh's 12 leading bits (4097 = 2¹² + 1); hi + lo = a² exactly
  c.get(a).f32x4Constant(4097).f32x4Mul().tee(xh).get(xh).get(a).f32x4Sub().f32x4Sub().set(xh);
  c.get(a).get(xh).f32x4Sub().set(xl);
  c.get(a).get(a).f32x4Mul().set(hi);
  c.get(xh).get(xh).f32x4Mul().get(hi).f32x4Sub();
  c.get(xh).get(xl).f32x4Mul().f32x4Constant(2).f32x4Mul().f32x4Add();
  c.get(xl).get(xl).f32x4Mul().f32x4Add().set(lo);
  c.get(hi).f32x4Neg().set(e);
  emitExp(c, e);
  c.f32x4Constant(1).get(lo).f32x4Sub().f32x4Mul(); // e^{−hi}·(1 − lo)
  horner(c, u, ERFC_LARGE);
  c.f32x4Mul().set(e); // erfc(|x|)
  // the small branch below |x| = 1, else 1 − erfc with x's sign bit (NaN: the large branch)
  c.get(small);
  c.f32x4Constant(1).get(e).f32x4Sub();
  c.get(x).f32x4Constant(-0).v128And().v128Or();
  c.get(x).f32x4Abs().f32x4Constant(1).f32x4Lt();
  c.v128Bitselect();
}
