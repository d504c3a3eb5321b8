/**
 * Elementwise ops of the `np` namespace: unary math, binary arithmetic and
 * comparisons with NumPy broadcasting and JAX-style promotion, `where`,
 * `clip` and `astype`.
 */
import type { DType } from "../core/_dtype.ts";
import { roundAs } from "./_round.ts";
import * as lax from "../core/_lax.ts";
import type { ArrayLike, NDArray } from "../core/_ndarray.ts";
import { nonzero, type SizeOptions } from "./_selections.ts";
import { isOptionsObject } from "../core/_validate.ts";
import { broadcastShapes, sizeOf } from "../core/_shape.ts";
import { eagerProgram } from "./_eager.ts";
import { asArrayValue, binaryOp, broadcastAll, checkDType, promote, unaryOp } from "./_base.ts";

const unaryDoc = (name: string) => (x: ArrayLike): NDArray => unaryOp(name, x);

/**
 * Element-wise negation, −x.
 * @param x The input.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.neg(np.array([1, -2])).toArray(), [-1, 2]);
 * ```
 */
export const neg: (x: ArrayLike) => NDArray = unaryDoc("neg");
/**
 * Element-wise eˣ.
 * @param x The input.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.exp(0).item(), 1);
 * ```
 */
export const exp: (x: ArrayLike) => NDArray = unaryDoc("exp");
/**
 * Element-wise natural logarithm.
 * @param x The input.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.log(1).item(), 0);
 * ```
 */
export const log: (x: ArrayLike) => NDArray = unaryDoc("log");
/**
 * Element-wise log(1 + x), accurate for small x.
 * @param x The input.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.log1p(0).item(), 0);
 * ```
 */
export const log1p: (x: ArrayLike) => NDArray = unaryDoc("log1p");
/**
 * Element-wise eˣ − 1, accurate for small x.
 * @param x The input.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.expm1(0).item(), 0);
 * ```
 */
export const expm1: (x: ArrayLike) => NDArray = unaryDoc("expm1");
/**
 * Element-wise sine.
 * @param x The input (radians).
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.sin(0).item(), 0);
 * ```
 */
export const sin: (x: ArrayLike) => NDArray = unaryDoc("sin");
/**
 * Element-wise cosine.
 * @param x The input (radians).
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.cos(0).item(), 1);
 * ```
 */
export const cos: (x: ArrayLike) => NDArray = unaryDoc("cos");
/**
 * Element-wise tangent.
 * @param x The input (radians).
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.tan(0).item(), 0);
 * ```
 */
export const tan: (x: ArrayLike) => NDArray = unaryDoc("tan");
/**
 * Element-wise hyperbolic tangent.
 * @param x The input.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.tanh(0).item(), 0);
 * ```
 */
export const tanh: (x: ArrayLike) => NDArray = unaryDoc("tanh");
/**
 * Element-wise square root.
 * @param x The input.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.sqrt(9).item(), 3);
 * ```
 */
export const sqrt: (x: ArrayLike) => NDArray = unaryDoc("sqrt");
/**
 * Element-wise 1/√x.
 * @param x The input.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.rsqrt(4).item(), 0.5);
 * ```
 */
export const rsqrt: (x: ArrayLike) => NDArray = unaryDoc("rsqrt");
/**
 * Element-wise absolute value.
 * @param x The input.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.abs(-3).item(), 3);
 * ```
 */
export const abs: (x: ArrayLike) => NDArray = unaryDoc("abs");
/**
 * Element-wise sign: −1, 0 or 1.
 * @param x The input.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.sign(np.array([-2, 0, 5])).toArray(), [-1, 0, 1]);
 * ```
 */
export const sign: (x: ArrayLike) => NDArray = unaryDoc("sign");
/**
 * Element-wise x².
 * @param x The input.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.square(3).item(), 9);
 * ```
 */
export const square: (x: ArrayLike) => NDArray = unaryDoc("square");
/**
 * Element-wise 1/x.
 * @param x The input.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.reciprocal(4).item(), 0.25);
 * ```
 */
export const reciprocal: (x: ArrayLike) => NDArray = unaryDoc("reciprocal");
/**
 * Element-wise logistic sigmoid 1/(1 + e⁻ˣ), stable for large |x|.
 * @param x The input.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.sigmoid(0).item(), 0.5);
 * ```
 */
export const sigmoid: (x: ArrayLike) => NDArray = unaryDoc("sigmoid");
/**
 * Element-wise floor.
 * @param x The input.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.floor(1.5).item(), 1);
 * ```
 */
export const floor: (x: ArrayLike) => NDArray = unaryDoc("floor");
/**
 * Element-wise ceiling.
 * @param x The input.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.ceil(1.5).item(), 2);
 * ```
 */
export const ceil: (x: ArrayLike) => NDArray = unaryDoc("ceil");
/**
 * Element-wise rounding to `decimals` decimal places, halves to even (as NumPy): as JAX's,
 * round(x·10ᵈ)/10ᵈ with 10ᵈ in x's dtype, a no-op where 10ᵈ would overflow it. Integers are
 * returned as they are for decimals ≥ 0 and rounded to tens, hundreds, ... below.
 * @param x The input.
 * @param decimals Decimal places (0 by default; negative rounds to tens, hundreds, ...).
 * @returns The rounded values (x's dtype).
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.round(np.array([0.5, 1.5, 2.4])).toArray(), [0, 2, 2]);
 * assert.deepEqual(np.round(np.array([1.25, 16], "float64"), 1).toArray(), [1.2, 16]);
 * assert.deepEqual(np.round(np.array([15, 25], "int32"), -1).toArray(), [20, 20]);
 * ```
 */
export function round(x: ArrayLike, decimals = 0): NDArray {
  return roundAs("np.round", x, decimals);
}

const binaryDoc = (name: string) => (x: ArrayLike, y: ArrayLike): NDArray => binaryOp(name, x, y);

/**
 * Element-wise x + y with broadcasting.
 * @param x Left operand.
 * @param y Right operand.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.add(np.array([[1], [2]]), np.array([10, 20])).toArray(), [[11, 21], [12, 22]]);
 * ```
 */
export const add: (x: ArrayLike, y: ArrayLike) => NDArray = binaryDoc("add");
/**
 * Element-wise x − y with broadcasting.
 * @param x Left operand.
 * @param y Right operand.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.sub(5, 3).item(), 2);
 * ```
 */
export const sub: (x: ArrayLike, y: ArrayLike) => NDArray = binaryDoc("sub");
/**
 * Element-wise x · y with broadcasting.
 * @param x Left operand.
 * @param y Right operand.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.mul(np.array([1, 2]), 3).toArray(), [3, 6]);
 * ```
 */
export const mul: (x: ArrayLike, y: ArrayLike) => NDArray = binaryDoc("mul");
/**
 * Element-wise true division x / y with broadcasting (integers divide as float32).
 * @param x Numerator.
 * @param y Denominator.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.div(np.array(1, { dtype: "int32" }), 4).item(), 0.25);
 * ```
 */
export const div: (x: ArrayLike, y: ArrayLike) => NDArray = binaryDoc("div");
/**
 * Element-wise power xʸ with broadcasting.
 * @param x Base.
 * @param y Exponent.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.pow(2, 10).item(), 1024);
 * ```
 */
export const pow: (x: ArrayLike, y: ArrayLike) => NDArray = binaryDoc("pow");
/**
 * Element-wise maximum with broadcasting (NaN propagates).
 * @param x Left operand.
 * @param y Right operand.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.maximum(np.array([-1, 2]), 0).toArray(), [0, 2]);
 * ```
 */
export const maximum: (x: ArrayLike, y: ArrayLike) => NDArray = binaryDoc("maximum");
/**
 * Element-wise minimum with broadcasting (NaN propagates).
 * @param x Left operand.
 * @param y Right operand.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.minimum(np.array([-1, 2]), 0).toArray(), [-1, 0]);
 * ```
 */
export const minimum: (x: ArrayLike, y: ArrayLike) => NDArray = binaryDoc("minimum");
/**
 * Element-wise x == y (bool) with broadcasting.
 * @param x Left operand.
 * @param y Right operand.
 * @returns A bool array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.equal(np.array([1, 2]), 2).toArray(), [false, true]);
 * ```
 */
export const equal: (x: ArrayLike, y: ArrayLike) => NDArray = binaryDoc("equal");
/**
 * Element-wise x != y (bool) with broadcasting.
 * @param x Left operand.
 * @param y Right operand.
 * @returns A bool array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.notEqual(np.array([1, 2]), 2).toArray(), [true, false]);
 * ```
 */
export const notEqual: (x: ArrayLike, y: ArrayLike) => NDArray = binaryDoc("notEqual");
/**
 * Element-wise x < y (bool) with broadcasting.
 * @param x Left operand.
 * @param y Right operand.
 * @returns A bool array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.less(np.array([1, 2]), 2).toArray(), [true, false]);
 * ```
 */
export const less: (x: ArrayLike, y: ArrayLike) => NDArray = binaryDoc("less");
/**
 * Element-wise x <= y (bool) with broadcasting.
 * @param x Left operand.
 * @param y Right operand.
 * @returns A bool array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.lessEqual(np.array([1, 2]), 1).toArray(), [true, false]);
 * ```
 */
export const lessEqual: (x: ArrayLike, y: ArrayLike) => NDArray = binaryDoc("lessEqual");
/**
 * Element-wise x > y (bool) with broadcasting.
 * @param x Left operand.
 * @param y Right operand.
 * @returns A bool array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.greater(np.array([1, 2]), 1).toArray(), [false, true]);
 * ```
 */
export const greater: (x: ArrayLike, y: ArrayLike) => NDArray = binaryDoc("greater");
/**
 * Element-wise x >= y (bool) with broadcasting.
 * @param x Left operand.
 * @param y Right operand.
 * @returns A bool array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.greaterEqual(np.array([1, 2]), 2).toArray(), [false, true]);
 * ```
 */
export const greaterEqual: (x: ArrayLike, y: ArrayLike) => NDArray = binaryDoc("greaterEqual");

/**
 * Picks `x` where `condition` holds and `y` elsewhere, broadcasting all three.
 * The gradient flows only to the chosen side.
 *
 * @param condition A bool array (other dtypes are compared with 0).
 * @param x Values where the condition holds.
 * @param y Values elsewhere.
 * @returns The merged array.
 *
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const x = np.array([-1, 2, -3]);
 * assert.deepEqual(np.where(x.greater(0), x, 0).toArray(), [0, 2, 0]);
 * ```
 */
export function where(condition: ArrayLike, x: ArrayLike, y: ArrayLike): NDArray;
/** With the condition alone: the indices where it holds, as `np.nonzero` (pass `size` under a trace). */
export function where(condition: ArrayLike, options?: SizeOptions): NDArray[];
export function where(
  condition: ArrayLike,
  x?: ArrayLike | SizeOptions,
  y?: ArrayLike,
): NDArray | NDArray[] {
  if (y === undefined && (x === undefined || isOptionsObject(x))) {
    return nonzero(condition, (x ?? {}) as SizeOptions);
  }
  if (y === undefined) {
    throw new TypeError("np.where: pass the condition alone, or the condition, x and y.");
  }
  x = x as ArrayLike;
  const c = asArrayValue("np.where", condition);
  const [a, b] = promote("np.where", [x, y]);
  const size = sizeOf(broadcastShapes("np.where", c.shape, a.shape, b.shape));
  return eagerProgram("where", [c, a, b], size, select3);
}

/** where(c, a, b) of a condition and two arrays of one dtype. */
function select3(c: NDArray, a: NDArray, b: NDArray): NDArray {
  if (c.dtype !== "bool") c = lax.binary("ne", c, lax.zerosLike(c));
  const [cc, aa, bb] = broadcastAll("np.where", [c, a, b]);
  return lax.select(cc, aa, bb);
}

/**
 * Limits values to `[lo, hi]`; either bound may be null.
 *
 * @param x The input.
 * @param lo Lower bound or null.
 * @param hi Upper bound or null.
 * @returns The clipped array.
 *
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(np.clip(np.array([-2, 0.5, 3]), 0, 1).toArray(), [0, 0.5, 1]);
 * ```
 */
export function clip(x: ArrayLike, lo: ArrayLike | null, hi: ArrayLike | null): NDArray {
  let out = asArrayValue("np.clip", x);
  // a JS number bound is a weak scalar, as in np.maximum: clip(float16, 0, 1) stays float16
  const bound = (b: ArrayLike) => typeof b === "number" ? b : asArrayValue("np.clip", b);
  if (lo !== null && lo !== undefined) out = maximum(out, bound(lo));
  if (hi !== null && hi !== undefined) out = minimum(out, bound(hi));
  return out;
}

/**
 * Converts to another dtype, as JAX converts: float → integer truncates toward zero and
 * saturates at the integer's range (NaN → 0), integer → integer wraps modulo 2ⁿ, anything →
 * bool is x ≠ 0, and float16/bfloat16 round to nearest (ties to even, overflow to ±inf).
 *
 * @param x The input.
 * @param dtype The target dtype.
 * @returns The converted array (the same array when the dtype already matches).
 *
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(np.astype(np.array([1.7, -1.7]), "int32").toArray(), [1, -1]);
 * assert.deepEqual(np.astype(np.array([300, -1]), "uint8").toArray(), [255, 0]);
 * assert.deepEqual(np.astype(np.array([-1], { dtype: "int32" }), "uint8").toArray(), [255]);
 * ```
 */
export function astype(x: ArrayLike, dtype: DType): NDArray {
  return lax.convert(asArrayValue("astype", x), checkDType("astype", dtype));
}
