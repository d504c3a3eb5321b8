/**
 * The other spellings JAX accepts for `np` functions (the array-API names `acos`, `atan2`,
 * ..., NumPy's `absolute`, `amax`, `around`, `fix`, ...), and a few small compositions:
 * `isclose`, `allclose`, `arrayEqual`, `ptp`, `identity`, `tri`.
 */
import * as lax from "../core/_lax.ts";
import type { ArrayLike, NDArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import { asArrayValue, broadcastAll, promote } from "./_base.ts";
import { checkInt, checkOptions } from "../core/_validate.ts";
import { abs, neg } from "./_elementwise.ts";
import { arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh } from "./_math.ts";
import { isnan, trunc } from "./_discrete.ts";
import { max, min } from "./_reduce.ts";
import { all } from "./_stats.ts";
import type { ReduceOptions } from "../core/_ndarray.ts";
import { type AxisOrOptions, reduceArgs } from "./_args.ts";
import { checkDType } from "./_base.ts";
import { type DType, promoteTypes as promoteDTypes } from "../core/_dtype.ts";

/**
 * Same as `arccos` (the array-API name).
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.acos(1).item(), 0);
 * ```
 */
export const acos: typeof arccos = arccos;
/**
 * Same as `arccosh`.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.acosh(1).item(), 0);
 * ```
 */
export const acosh: typeof arccosh = arccosh;
/**
 * Same as `arcsin`.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.asin(0).item(), 0);
 * ```
 */
export const asin: typeof arcsin = arcsin;
/**
 * Same as `arcsinh`.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.asinh(0).item(), 0);
 * ```
 */
export const asinh: typeof arcsinh = arcsinh;
/**
 * Same as `arctan`.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.atan(0).item(), 0);
 * ```
 */
export const atan: typeof arctan = arctan;
/**
 * Same as `arctan2`.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.atan2(0, 1).item(), 0);
 * ```
 */
export const atan2: typeof arctan2 = arctan2;
/**
 * Same as `arctanh`.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.atanh(0).item(), 0);
 * ```
 */
export const atanh: typeof arctanh = arctanh;
/**
 * Same as `abs` (NumPy's name).
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.absolute(-2).item(), 2);
 * ```
 */
export const absolute: typeof abs = abs;
/**
 * |x| for floats (integers become float32, as NumPy's fabs).
 * @param x The input.
 * @returns |x| as floats.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.fabs(np.array(-2, { dtype: "int32" })).dtype, "float32");
 * ```
 */
export function fabs(x: ArrayLike): NDArray {
  const a = asArrayValue("np.fabs", x);
  return abs(a.dtype === "float32" || a.dtype === "float64" ? a : lax.convert(a, "float32"));
}
/**
 * Same as `neg` (NumPy's name).
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.negative(2).item(), -2);
 * ```
 */
export const negative: typeof neg = neg;
/**
 * +x: a copy of the values (bools become int32, as NumPy).
 * @param x The input.
 * @returns x.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.positive(-2).item(), -2);
 * ```
 */
export function positive(x: ArrayLike): NDArray {
  const a = asArrayValue("np.positive", x);
  return a.dtype === "bool" ? lax.convert(a, "int32") : a;
}
/**
 * Same as `max` (NumPy's name).
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.amax(np.array([1, 3])).item(), 3);
 * ```
 */
export const amax: typeof max = max;
/**
 * Same as `min` (NumPy's name).
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.amin(np.array([1, 3])).item(), 1);
 * ```
 */
export const amin: typeof min = min;
/**
 * Same as `trunc` (rounds toward zero; NumPy's name).
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.fix(-1.5).item(), -1);
 * ```
 */
export const fix: typeof trunc = trunc;

/** Options of `isclose` and `allclose`. */
export interface CloseOptions {
  /** Relative tolerance (default 1e-5). */
  rtol?: number;
  /** Absolute tolerance (default 1e-8). */
  atol?: number;
  /** Count NaN as equal to NaN. */
  equalNan?: boolean;
}

/**
 * |a − b| ≤ atol + rtol·|b| elementwise (infinities equal only to themselves).
 * @param a The first array.
 * @param b The second array.
 * @param options `rtol`, `atol`, `equalNan`.
 * @returns A bool array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.isclose(np.array([1, 2]), np.array([1 + 1e-7, 2.1])).toArray(), [true, false]);
 * ```
 */
export function isclose(a: ArrayLike, b: ArrayLike, options: CloseOptions = {}): NDArray {
  checkOptions("np.isclose", options, ["rtol", "atol", "equalNan"]);
  let [x, y] = broadcastAll("np.isclose", promote("np.isclose", [a, b]));
  if (x.dtype !== "float64") [x, y] = [lax.convert(x, "float32"), lax.convert(y, "float32")];
  const tol = lax.add(
    lax.full(y, options.atol ?? 1e-8),
    lax.scale(lax.unary("abs", y), options.rtol ?? 1e-5),
  );
  const near = lax.binary("le", lax.unary("abs", lax.sub(x, y)), tol);
  const same = lax.binary("eq", x, y); // equal infinities
  let out = lax.binary("or", near, same);
  if (options.equalNan) out = lax.binary("or", out, lax.binary("and", isnan(x), isnan(y)));
  return out;
}

/**
 * True when `isclose` holds everywhere.
 * @param a The first array.
 * @param b The second array.
 * @param options `rtol`, `atol`, `equalNan`.
 * @returns A bool scalar.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.allclose(np.array([1, 2]), np.array([1, 2 + 1e-9])).itemBool(), true);
 * ```
 */
export function allclose(a: ArrayLike, b: ArrayLike, options: CloseOptions = {}): NDArray {
  return all(isclose(a, b, options));
}

/**
 * True when the arrays have one shape and equal elements.
 * @param a The first array.
 * @param b The second array.
 * @returns A bool scalar.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.arrayEqual(np.array([1, 2]), np.array([1, 2])).itemBool(), true);
 * assert.equal(np.arrayEqual(np.array([1, 2]), np.array([1])).itemBool(), false);
 * ```
 */
export function arrayEqual(a: ArrayLike, b: ArrayLike): NDArray {
  const x = asArrayValue("np.arrayEqual", a), y = asArrayValue("np.arrayEqual", b);
  if (x.ndim !== y.ndim || x.shape.some((d, i) => d !== y.shape[i])) {
    return lax.full({ shape: [], dtype: "bool" }, 0);
  }
  const [p, q] = promote("np.arrayEqual", [x, y]);
  return all(lax.binary("eq", p, q));
}

/**
 * The range max − min over `axis` ("peak to peak").
 * @param x The input.
 * @param options `axis` and `keepdims`.
 * @returns The ranges.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.ptp(np.array([3, -1, 2])).item(), 4);
 * ```
 */
export function ptp(x: ArrayLike, options?: AxisOrOptions<ReduceOptions>): NDArray {
  const o = reduceArgs("np.ptp", options);
  return lax.sub(max(x, o), min(x, o));
}

/**
 * The n×n identity matrix.
 * @param n The size.
 * @param dtype The dtype (float32 by default).
 * @returns The identity.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.identity(2).toArray(), [[1, 0], [0, 1]]);
 * ```
 */
export function identity(n: number, dtype?: DType): NDArray {
  return indicator("np.identity", n, n, dtype, (i, j) => i === j);
}

/**
 * An n×m matrix with ones on and below diagonal k and zeros above.
 * @param n Rows.
 * @param m Columns (default n).
 * @param k Diagonal offset.
 * @param dtype The dtype (float32 by default).
 * @returns The matrix.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.tri(2).toArray(), [[1, 0], [1, 1]]);
 * ```
 */
export function tri(n: number, m?: number, k = 0, dtype?: DType): NDArray {
  checkInt("np.tri", "k", k);
  return indicator("np.tri", n, m ?? n, dtype, (i, j) => j - i <= k);
}

/** An n×cols matrix of ones where `pick(i, j)` holds, zeros elsewhere. */
function indicator(
  op: string,
  n: number,
  cols: number,
  dtype: DType | undefined,
  pick: (i: number, j: number) => boolean,
): NDArray {
  checkInt(op, "n", n, 0);
  checkInt(op, "m", cols, 0);
  const d = checkDType(op, dtype);
  const data = new Float64Array(n * cols);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < cols; j++) {
      data[i * cols + j] = pick(i, j) ? 1 : 0;
    }
  }
  return lax.convert(new ArrayValue(data, [n, cols], "float64"), d);
}

/**
 * The dtype both `a` and `b` convert to in a binary op, as `jnp.promote_types` for the dtypes
 * difftrace has (bool < int32 < float32 < float64).
 * @param a A dtype.
 * @param b A dtype.
 * @returns The promoted dtype.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.promoteTypes("int32", "float32"), "float32");
 * ```
 */
export function promoteTypes(a: DType, b: DType): DType {
  return promoteDTypes(checkDType("np.promoteTypes", a), checkDType("np.promoteTypes", b));
}

/**
 * The dtype of a binary op's result on these arrays (JS numbers are weak, as in JAX).
 * @param xs Arrays or JS numbers.
 * @returns The result dtype.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.resultType(np.ones([2], "int32"), 1.5), "float32");
 * ```
 */
export function resultType(...xs: ArrayLike[]): DType {
  if (xs.length === 0) throw new TypeError("np.resultType: needs at least one array or number.");
  return promote("np.resultType", xs)[0].dtype;
}
