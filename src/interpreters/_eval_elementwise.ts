/**
 * Eager evaluation of the elementwise primitives, spread into the table of `_eval.ts`: the
 * scalar function of each unary, binary and comparison primitive, the loops that map them
 * over arrays (one compiled loop per function and dtype), and `select`, `convert` and
 * `stop_gradient`.
 *
 * Operands arrive validated by the shape rules (one shape, one dtype); every rule returns
 * fresh arrays.
 */
import {
  allocate,
  type DType,
  intRange,
  isFloat,
  isInteger,
  storeRounding,
} from "../core/_dtype.ts";
import { DATA } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import type { Primitive, PrimitiveParams } from "../core/_ir.ts";
import {
  BINARY_PRIMITIVES,
  COMPARE_PRIMITIVES,
  UNARY_PRIMITIVES,
} from "../core/_primitive_families.ts";
import { expF32, logisticF32, tanhF32 } from "../kernels/_exp.ts";
import { logF32 } from "../kernels/_log.ts";
import { digamma, erf, erfc, erfinvF64, lgamma } from "../kernels/special.ts";

/** An eager rule, restated from `_eval.ts` (importing it would close an import circle). */
type EvalRule<P extends Primitive> = (
  args: ArrayValue[],
  params: PrimitiveParams[P],
) => ArrayValue[];

// ---- scalar functions of the elementwise primitives -------------------------

/** Rounds half to even, as NumPy and JAX do. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** σ(x) = 1 / (1 + e^−x), written to avoid overflow for large |x|. */
export function logistic(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

export const unaryFns: Record<typeof UNARY_PRIMITIVES[number], (x: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  expm1: Math.expm1,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  tanh: Math.tanh,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  logistic,
  abs: Math.abs,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : x), // keeps NaN and ±0
  floor: Math.floor,
  ceil: Math.ceil,
  round: roundHalfEven,
  erf,
  erfc,
  erf_inv: erfinvF64,
  lgamma,
  digamma,
};

export const binaryFns: Record<typeof BINARY_PRIMITIVES[number], (x: number, y: number) => number> =
  {
    add: (x, y) => x + y,
    sub: (x, y) => x - y,
    mul: (x, y) => x * y,
    div: (x, y) => x / y,
    pow: Math.pow,
    max: (x, y) => (x > y || Number.isNaN(x) ? x : y),
    min: (x, y) => (x < y || Number.isNaN(x) ? x : y),
    atan2: Math.atan2,
    rem: (x, y) => x % y,
    and: (x, y) => x & y,
    or: (x, y) => x | y,
    xor: (x, y) => x ^ y,
  };

/**
 * xʸ in int32, wrapping modulo 2³² as JAX does (square and multiply with Math.imul).
 * A negative exponent gives the integer part of 1/xʸ: 1 for x = 1, ±1 for x = −1, else 0.
 */
export function intPow(x: number, y: number): number {
  if (y < 0) return x === 1 ? 1 : x === -1 ? (y & 1 ? -1 : 1) : 0;
  let result = 1, base = x | 0;
  for (let e = y; e > 0; e >>>= 1) {
    if (e & 1) result = Math.imul(result, base);
    base = Math.imul(base, base);
  }
  return result;
}

/**
 * Integer division as XLA's: truncates toward zero; x / 0 = −1 (all bits set, so the largest
 * value of an unsigned type once stored); INT_MIN / −1 wraps to INT_MIN on store.
 */
export function intDiv(x: number, y: number): number {
  return y === 0 ? -1 : Math.trunc(x / y);
}

/** Integer remainder as XLA's: the sign of x; x rem 0 = x. */
export function intRem(x: number, y: number): number {
  return y === 0 ? x : x % y;
}

/** The integer kernels that differ from the float ones: products wrap modulo 2³² (then 2ⁿ on store). */
const INT32_BINARY: Partial<
  Record<typeof BINARY_PRIMITIVES[number], (x: number, y: number) => number>
> = { mul: Math.imul, pow: intPow, div: intDiv, rem: intRem };

export const compareFns: Record<
  typeof COMPARE_PRIMITIVES[number],
  (x: number, y: number) => boolean
> = {
  eq: (x, y) => x === y,
  ne: (x, y) => x !== y,
  lt: (x, y) => x < y,
  le: (x, y) => x <= y,
  gt: (x, y) => x > y,
  ge: (x, y) => x >= y,
};

/**
 * Builds a loop specialised to one scalar function. Each loop is compiled from
 * its own source text, so the engine sees one call target per loop and inlines
 * it (a single shared loop calling many functions would stay megamorphic).
 */
let loopCount = 0;
function specialise<F>(body: string, fn: F): (...args: unknown[]) => void {
  // a unique name keeps engines from sharing one compiled loop between sources
  const name = `loop${loopCount++}`;
  return new Function("f", `"use strict"; return function ${name}(a, b, c, out, n) { ${body} };`)(
    fn,
  ) as (...args: unknown[]) => void;
}

/**
 * One specialised loop per dtype, made on first use: a loop that has seen
 * Float32Array, Float64Array and Int32Array arguments is polymorphic and runs
 * ~3× slower on large arrays than one that sees a single array type.
 */
function perDtype(body: string, fn: unknown): (dtype: DType) => (...args: unknown[]) => void {
  const loops = new Map<DType, (...args: unknown[]) => void>();
  return (dtype) => {
    let loop = loops.get(dtype);
    if (!loop) loops.set(dtype, loop = specialise(body, fn));
    return loop;
  };
}

/**
 * The float32 kernels that differ from the float64 ones: exp, logistic, tanh and log run
 * the float64 sequences jit's wasm loops also run (`kernels/_exp.ts`, `kernels/_log.ts`), so
 * eager and exact programs agree bit for bit.
 */
const FLOAT32_UNARY: Partial<Record<typeof UNARY_PRIMITIVES[number], (x: number) => number>> = {
  exp: expF32,
  logistic: logisticF32,
  tanh: tanhF32,
  log: logF32,
};

function mapUnary(f: (x: number) => number, f32?: (x: number) => number) {
  const body = "for (let i = 0; i < n; i++) out[i] = f(a[i]);";
  const loopFor = perDtype(body, f);
  const f32Loop = f32 ? specialise(body, f32) : undefined;
  return ([x]: ArrayValue[]): ArrayValue[] => {
    const out = allocate(x.dtype, x.size);
    const loop = x.dtype === "float32" && f32Loop ? f32Loop : loopFor(x.dtype);
    loop(x[DATA], null, null, out, out.length);
    return [new ArrayValue(out, x.shape, x.dtype)];
  };
}

function mapBinary(f: (x: number, y: number) => number, intF?: (x: number, y: number) => number) {
  const body = "for (let i = 0; i < n; i++) out[i] = f(a[i], b[i]);";
  const loopFor = perDtype(body, f);
  const intLoop = intF ? specialise(body, intF) : undefined;
  return ([x, y]: ArrayValue[]): ArrayValue[] => {
    const out = allocate(x.dtype, x.size);
    const loop = isInteger(x.dtype) && intLoop ? intLoop : loopFor(x.dtype);
    loop(x[DATA], y[DATA], null, out, out.length);
    return [new ArrayValue(out, x.shape, x.dtype)];
  };
}

/** out[i] = a[i] ? b[i] : c[i], one loop per dtype of b, c and out (see perDtype). */
const selectLoop = perDtype("for (let i = 0; i < n; i++) out[i] = a[i] ? b[i] : c[i];", null);

function mapCompare(f: (x: number, y: number) => boolean) {
  const loopFor = perDtype("for (let i = 0; i < n; i++) out[i] = f(a[i], b[i]) ? 1 : 0;", f);
  return ([x, y]: ArrayValue[]): ArrayValue[] => {
    const out = new Uint8Array(x.size);
    loopFor(x.dtype)(x[DATA], y[DATA], null, out, out.length);
    return [new ArrayValue(out, x.shape, "bool")];
  };
}

/**
 * x as `dtype`, as XLA converts: float → integer truncates toward zero and saturates at the
 * integer's range (NaN → 0); integer → integer wraps modulo 2ⁿ (the typed array's store);
 * anything → bool is x ≠ 0 (NaN → true); → float16/bfloat16 rounds through float32.
 */
function convertValue(x: ArrayValue, dtype: DType): ArrayValue {
  const out = allocate(dtype, x.size);
  const src = x[DATA];
  const round = storeRounding(dtype);
  if (dtype === "bool") {
    for (let i = 0; i < src.length; i++) out[i] = src[i] !== 0 ? 1 : 0;
  } else if (isInteger(dtype) && isFloat(x.dtype)) {
    const [lo, hi] = intRange(dtype);
    for (let i = 0; i < src.length; i++) {
      const v = Math.trunc(src[i]);
      out[i] = Number.isNaN(v) ? 0 : Math.max(lo, Math.min(hi, v));
    }
  } else if (round) {
    for (let i = 0; i < src.length; i++) out[i] = round(src[i]);
  } else out.set(src);
  return new ArrayValue(out, x.shape, dtype);
}

// ---- the table -------------------------------------------------------------------

export const elementwiseEvalRules = {
  ...Object.fromEntries(
    UNARY_PRIMITIVES.map((p) => [p, mapUnary(unaryFns[p], FLOAT32_UNARY[p])]),
  ) as unknown as {
    [P in typeof UNARY_PRIMITIVES[number]]: EvalRule<P>;
  },
  ...Object.fromEntries(
    BINARY_PRIMITIVES.map((p) => [p, mapBinary(binaryFns[p], INT32_BINARY[p])]),
  ) as unknown as { [P in typeof BINARY_PRIMITIVES[number]]: EvalRule<P> },
  ...Object.fromEntries(
    COMPARE_PRIMITIVES.map((p) => [p, mapCompare(compareFns[p])]),
  ) as unknown as {
    [P in typeof COMPARE_PRIMITIVES[number]]: EvalRule<P>;
  },
  select: ([p, t, f]) => {
    const out = allocate(t.dtype, t.size);
    selectLoop(t.dtype)(p[DATA], t[DATA], f[DATA], out, out.length);
    return [new ArrayValue(out, t.shape, t.dtype)];
  },
  convert: ([x], { dtype }) => [convertValue(x, dtype)],
  stop_gradient: ([x]) => [x],
} satisfies Partial<{ [P in Primitive]: EvalRule<P> }>;
