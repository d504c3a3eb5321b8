/**
 * Rounding to decimal places, shared by `np.round` and `np.around` under their own names
 * (kept out of `_elementwise.ts`, whose exports are all public).
 */
import { finiteMax, isFloat } from "../core/_dtype.ts";
import * as lax from "../core/_lax.ts";
import type { ArrayLike, NDArray } from "../core/_ndarray.ts";
import { checkInt } from "../core/_validate.ts";
import { asArrayValue, unaryOp } from "./_base.ts";

/** `round` under the name `fn` (np.round, np.around) for its error messages. */
export function roundAs(fn: string, x: ArrayLike, decimals: number): NDArray {
  checkInt(fn, "decimals", decimals);
  const a = asArrayValue(fn, x);
  if (decimals === 0) return unaryOp("round", a);
  if (!isFloat(a.dtype) && decimals >= 0) return a;
  if (isFloat(a.dtype) && decimals > Math.log10(finiteMax(a.dtype))) return a;
  // float16 scales in float32 (as JAX's); integers in float64, which holds every int32
  const f = a.dtype === "float16"
    ? lax.convert(a, "float32")
    : isFloat(a.dtype)
    ? a
    : lax.convert(a, "float64");
  const factor = lax.full(f, 10 ** decimals);
  const r = lax.div(lax.unary("round", lax.mul(f, factor)), factor);
  return r.dtype === a.dtype ? r : lax.convert(r, a.dtype);
}
