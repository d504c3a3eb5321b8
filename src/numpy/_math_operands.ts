/**
 * Operand helpers shared by the elementwise math of `_math.ts` and `_discrete.ts`: dtype
 * promotion to float, broadcasting, and one-letter wrappers over the lax primitives.
 */
import { isFloat } from "../core/_dtype.ts";
import * as lax from "../core/_lax.ts";
import type { ArrayLike, NDArray } from "../core/_ndarray.ts";
import type {
  BinaryPrimitive,
  ComparePrimitive,
  UnaryPrimitive,
} from "../core/_primitive_families.ts";
import { asArrayValue, broadcastAll, promote } from "./_base.ts";

/** One operand as a float array (integers and bools become float32, as JAX). */
export function floatArg(op: string, x: ArrayLike): NDArray {
  const a = asArrayValue(`np.${op}`, x);
  return isFloat(a.dtype) ? a : lax.convert(a, "float32");
}

/** Two operands promoted, broadcast, and made float. */
export function floatArgs(op: string, x: ArrayLike, y: ArrayLike): [NDArray, NDArray] {
  const [a, b] = broadcastAll(`np.${op}`, promote(`np.${op}`, [x, y]));
  return isFloat(a.dtype) ? [a, b] : [lax.convert(a, "float32"), lax.convert(b, "float32")];
}

/** Two operands promoted and broadcast, any numeric dtype. */
export function numericArgs(op: string, x: ArrayLike, y: ArrayLike): [NDArray, NDArray] {
  const [a, b] = broadcastAll(`np.${op}`, promote(`np.${op}`, [x, y]));
  if (a.dtype === "bool") return [lax.convert(a, "int32"), lax.convert(b, "int32")];
  return [a, b];
}

export const c = (x: NDArray, v: number): NDArray => lax.full(x, v);
export const u = (p: UnaryPrimitive, x: NDArray): NDArray => lax.unary(p, x);
export const b = (p: BinaryPrimitive | ComparePrimitive, x: NDArray, y: NDArray): NDArray =>
  lax.binary(p, x, y);
export const LN2 = Math.LN2;

/**
 * f extended to an odd function from its values on x ≥ 0: sign(x)·f(|x|), with |x| formed by
 * a select so that the derivative at 0 is f'(0) (not sign(0)² f'(0) = 0).
 */
export function oddExtension(x: NDArray, f: (a: NDArray) => NDArray): NDArray {
  const negative = b("lt", x, c(x, 0));
  const y = f(lax.select(negative, lax.neg(x), x));
  return lax.select(negative, lax.neg(y), y);
}
