/** Reductions and linear algebra of the `np` namespace. */
import { bind1 } from "../core/_trace.ts";
import { isFloat, isHalfFloat, promoteTypes } from "../core/_dtype.ts";
import * as lax from "../core/_lax.ts";
import type { ArrayLike, NDArray, ReduceOptions } from "../core/_ndarray.ts";
import { checkAllocation, checkInt } from "../core/_validate.ts";
import { asArrayValue, broadcastToShape } from "./_base.ts";
import { broadcastShapes, fmtShape, normalizeAxes, normalizeAxis, sizeOf } from "../core/_shape.ts";
import { stopGradient } from "./_structure.ts";
import { type AxisOrOptions, reduceArgs } from "./_args.ts";

/** Integer dtypes that sum and multiply in int32. */
const WIDENS: ReadonlySet<string> = new Set(["bool", "int8", "int16"]);

function reduceWith(
  name: string,
  prim: "reduce_sum" | "reduce_max" | "reduce_min" | "reduce_prod",
  x: ArrayLike,
  opts: AxisOrOptions<ReduceOptions> | undefined,
): NDArray {
  const options = reduceArgs(`np.${name}`, opts);
  let a = asArrayValue(`np.${name}`, x);
  const axes = normalizeAxes(`np.${name}`, options.axis, a.ndim);
  // sums and products of bools and narrow integers count in int32 (uint8 in uint32), as JAX's;
  // max/min of bools stay bool (any/all)
  if (prim === "reduce_sum" || prim === "reduce_prod") {
    const wide = a.dtype === "uint8" ? "uint32" : WIDENS.has(a.dtype) ? "int32" : undefined;
    if (wide) a = lax.convert(a, wide);
  }
  if ((prim === "reduce_max" || prim === "reduce_min") && axes.some((i) => a.shape[i] === 0)) {
    throw new RangeError(
      `np.${name}: cannot reduce an empty axis of shape ${fmtShape(a.shape)} (no identity).`,
    );
  }
  const out = axes.length === 0 ? a : bind1(prim, [a], { axes });
  return options.keepdims ? lax.keepDims(out, a.shape, axes) : out;
}

/**
 * Sum of elements over `axis` (all axes by default).
 * @param x The input.
 * @param options `axis` (number or list, negative allowed) and `keepdims`.
 * @returns The sums.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const x = np.array([[1, 2], [3, 4]]);
 * assert.deepEqual(np.sum(x, { axis: -1 }).toArray(), [3, 7]);
 * assert.deepEqual(np.sum(x, { axis: 0, keepdims: true }).shape, [1, 2]);
 * ```
 */
export function sum(x: ArrayLike, options?: AxisOrOptions<ReduceOptions>): NDArray {
  return reduceWith("sum", "reduce_sum", x, options);
}

/**
 * Arithmetic mean over `axis` (all axes by default); integers average as float32.
 * @param x The input.
 * @param options `axis` and `keepdims`.
 * @returns The means.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.mean(np.array([1, 2, 3, 6])).item(), 3);
 * ```
 */
export function mean(x: ArrayLike, options?: AxisOrOptions<ReduceOptions>): NDArray {
  const opt = reduceArgs("np.mean", options);
  let a = asArrayValue("np.mean", x);
  if (!isFloat(a.dtype)) a = lax.convert(a, "float32");
  // half precision: the sum in float32 (nine 30000s do not overflow), rounded once, as JAX
  if (isHalfFloat(a.dtype)) {
    return lax.convert(mean(lax.convert(a, "float32"), opt), a.dtype);
  }
  const axes = normalizeAxes("np.mean", opt.axis, a.ndim);
  const n = sizeOf(axes.map((i) => a.shape[i]));
  const s = sum(a, opt);
  return lax.div(s, lax.full(s, n));
}

/**
 * Maximum over `axis` (all axes by default).
 * @param x The input.
 * @param options `axis` and `keepdims`.
 * @returns The maxima.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.max(np.array([[1, 5], [7, 2]]), { axis: 1 }).toArray(), [5, 7]);
 * ```
 */
export function max(x: ArrayLike, options?: AxisOrOptions<ReduceOptions>): NDArray {
  return reduceWith("max", "reduce_max", x, options);
}

/**
 * Minimum over `axis` (all axes by default).
 * @param x The input.
 * @param options `axis` and `keepdims`.
 * @returns The minima.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.min(np.array([3, -1, 2])).item(), -1);
 * ```
 */
export function min(x: ArrayLike, options?: AxisOrOptions<ReduceOptions>): NDArray {
  return reduceWith("min", "reduce_min", x, options);
}

/**
 * Product over `axis` (all axes by default); its gradient is exact at zeros.
 * @param x The input.
 * @param options `axis` and `keepdims`.
 * @returns The products.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.prod(np.array([1, 2, 3, 4])).item(), 24);
 * ```
 */
export function prod(x: ArrayLike, options?: AxisOrOptions<ReduceOptions>): NDArray {
  return reduceWith("prod", "reduce_prod", x, options);
}

/** Options of `argmax`/`argmin`: one axis (the flattened array when omitted). */
export interface ArgReduceOptions {
  /** The axis to search along; negative counts from the end. */
  axis?: number | null;
  /** Keep the reduced axis as a size-1 axis. */
  keepdims?: boolean;
}

function argReduce(
  name: "argmax" | "argmin",
  x: ArrayLike,
  opts: AxisOrOptions<ArgReduceOptions> | undefined,
): NDArray {
  const options = reduceArgs(`np.${name}`, opts) as ArgReduceOptions;
  if (Array.isArray(options.axis)) {
    throw new TypeError(`np.${name}: axis must be one integer (or null), got a list.`);
  }
  let a = asArrayValue(`np.${name}`, x);
  let axis: number;
  if (options.axis === undefined || options.axis === null) {
    a = lax.reshape(a, [a.size]);
    axis = 0;
  } else axis = normalizeAxis(`np.${name}`, options.axis, a.ndim);
  if (a.shape[axis] === 0) {
    throw new RangeError(`np.${name}: attempt to get ${name} of an empty axis.`);
  }
  const out = bind1(name, [a], { axis });
  if (!options.keepdims) return out;
  const x0 = asArrayValue(name, x);
  return options.axis === undefined || options.axis === null
    ? lax.reshape(out, x0.shape.map(() => 1))
    : lax.keepDims(out, a.shape, [axis]);
}

/**
 * Index of the (first) maximum along `axis`, as int32; over the flattened array by default.
 * @param x The input.
 * @param options `axis` and `keepdims`.
 * @returns The indices.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.argmax(np.array([[1, 5], [7, 2]]), { axis: 1 }).toArray(), [1, 0]);
 * ```
 */
export function argmax(x: ArrayLike, options?: AxisOrOptions<ArgReduceOptions>): NDArray {
  return argReduce("argmax", x, options);
}

/**
 * Index of the (first) minimum along `axis`, as int32; over the flattened array by default.
 * @param x The input.
 * @param options `axis` and `keepdims`.
 * @returns The indices.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.argmin(np.array([3, -1, 2])).item(), 1);
 * ```
 */
export function argmin(x: ArrayLike, options?: AxisOrOptions<ArgReduceOptions>): NDArray {
  return argReduce("argmin", x, options);
}

/**
 * log Σ exp(x) over `axis`, computed stably by factoring out the maximum:
 * logsumexp(x) = m + log Σ exp(x − m). Its gradient is softmax(x).
 * @param x The input.
 * @param options `axis` and `keepdims`.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.ok(Math.abs((np.logsumexp(np.array([1000, 1000])).item() as number) - 1000 - Math.LN2) < 1e-3);
 * ```
 */
export function logsumexp(x: ArrayLike, options?: AxisOrOptions<ReduceOptions>): NDArray {
  const opt = reduceArgs("np.logsumexp", options);
  let a = asArrayValue("np.logsumexp", x);
  if (!isFloat(a.dtype)) a = lax.convert(a, "float32");
  const axes = normalizeAxes("np.logsumexp", opt.axis, a.ndim);
  // m is a constant shift (stopped): the result does not depend on it mathematically
  // an empty axis has no maximum: its shift is 0 and its result log(0) = −inf, as JAX's
  const empty = axes.some((i) => a.shape[i] === 0);
  const keptShape = a.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const mRaw = empty
    ? lax.full({ shape: keptShape, dtype: a.dtype }, 0)
    : stopGradient(max(a, { axis: axes, keepdims: true }));
  const m = lax.select(
    lax.binary("eq", lax.unary("abs", mRaw), lax.full(mRaw, Infinity)),
    lax.zerosLike(mRaw),
    mRaw,
  );
  const shifted = lax.sub(a, lax.broadcast(m, a.shape));
  const s = sum(lax.unary("exp", shifted), { axis: axes, keepdims: true });
  const out = lax.add(lax.unary("log", s), m);
  return opt.keepdims ? out : lax.reshape(out, a.shape.filter((_, i) => !axes.includes(i)));
}

/**
 * Variance over `axis` (population variance, `ddof` 0 by default).
 * @param x The input.
 * @param options `axis`, `keepdims` and `ddof`.
 * @returns The variances.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.variance(np.array([1, 2, 3, 4])).item(), 1.25);
 * ```
 */
export function variance(
  x: ArrayLike,
  options?: AxisOrOptions<ReduceOptions & { ddof?: number }>,
): NDArray {
  const opt = reduceArgs(`np.variance`, options, ["axis", "keepdims", "ddof"]);
  let a = asArrayValue("np.variance", x);
  if (!isFloat(a.dtype)) a = lax.convert(a, "float32");
  // half precision: computed in float32 and rounded once, as JAX
  if (isHalfFloat(a.dtype)) {
    return lax.convert(variance(lax.convert(a, "float32"), opt), a.dtype);
  }
  const axes = normalizeAxes("np.variance", opt.axis, a.ndim);
  const ddof = opt.ddof === undefined ? 0 : checkInt("np.variance", "ddof", opt.ddof, 0);
  const n = sizeOf(axes.map((i) => a.shape[i])) - ddof;
  const mu = lax.broadcast(mean(a, { axis: axes, keepdims: true }), a.shape);
  const d = lax.sub(a, mu);
  const s = sum(lax.mul(d, d), { axis: axes, keepdims: opt.keepdims });
  // no degrees of freedom left (ddof ≥ count): NaN, as JAX's
  const v = lax.div(s, lax.full(s, Math.max(n, 0)));
  return n > 0 ? v : lax.add(lax.mul(v, lax.zerosLike(v)), lax.full(v, NaN));
}

/**
 * Standard deviation over `axis`: √variance.
 * @param x The input.
 * @param options `axis`, `keepdims` and `ddof`.
 * @returns The standard deviations.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.std(np.array([1, 3])).item(), 1);
 * ```
 */
export function std(
  x: ArrayLike,
  options?: AxisOrOptions<ReduceOptions & { ddof?: number }>,
): NDArray {
  const opt = reduceArgs(`np.std`, options, ["axis", "keepdims", "ddof"]);
  return lax.unary("sqrt", variance(x, opt));
}

// ---- linear algebra -------------------------------------------------------------------

/**
 * Matrix product with NumPy `matmul` semantics: 1-D operands are promoted to a
 * row/column and the added axis removed; leading (batch) axes broadcast.
 * @param a Left operand, shape [..., m, k] or [k].
 * @param b Right operand, shape [..., k, n] or [k].
 * @returns The product, shape [..., m, n].
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const a = np.array([[1, 2], [3, 4]]);
 * assert.deepEqual(np.matmul(a, np.eye(2)).toArray(), [[1, 2], [3, 4]]);
 * assert.deepEqual(np.matmul(np.ones([5, 2, 3]), np.ones([3, 4])).shape, [5, 2, 4]);
 * ```
 */
export function matmul(a: NDArray, b: NDArray): NDArray {
  return matmulAs("np.matmul", a, b);
}

/** `matmul` whose errors name `op` (np.dot reuses it). */
function matmulAs(op: string, a: NDArray, b: NDArray): NDArray {
  let [x, y] = promoteTwo(op, a, b);
  if (x.ndim === 0 || y.ndim === 0) {
    throw new TypeError(
      `${op}: operands must have at least one axis, got shapes ${fmtShape(x.shape)} and ` +
        `${fmtShape(y.shape)}; use np.mul for scalars.`,
    );
  }
  const vecA = x.ndim === 1, vecB = y.ndim === 1;
  if (vecA) x = lax.reshape(x, [1, x.shape[0]]);
  if (vecB) y = lax.reshape(y, [y.shape[0], 1]);
  const k1 = x.shape[x.ndim - 1], k2 = y.shape[y.ndim - 2];
  if (k1 !== k2) {
    throw new TypeError(
      `${op}: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} do not align: the last ` +
        `axis of the first (${k1}) must equal the second-to-last axis of the second (${k2}).`,
    );
  }
  const batch = broadcastShapes(op, x.shape.slice(0, -2), y.shape.slice(0, -2));
  x = broadcastToShape(x, [...batch, ...x.shape.slice(-2)]);
  y = broadcastToShape(y, [...batch, ...y.shape.slice(-2)]);
  let out = lax.matmul(x, y);
  // bool @ bool is bool, as jnp: any over k of (a and b), i.e. the int32 count ≠ 0
  if (a.dtype === "bool" && b.dtype === "bool") out = lax.binary("ne", out, lax.full(out, 0));
  if (vecA || vecB) {
    const shape = [...batch];
    if (!vecA) shape.push(x.shape[x.ndim - 2]);
    if (!vecB) shape.push(y.shape[y.ndim - 1]);
    out = lax.reshape(out, shape);
  }
  return out;
}

function promoteTwo(op: string, a: NDArray, b: NDArray): [NDArray, NDArray] {
  const x = asArrayValue(op, a), y = asArrayValue(op, b);
  let dtype = promoteTypes(x.dtype, y.dtype);
  if (dtype === "bool") dtype = "int32";
  return [lax.convert(x, dtype), lax.convert(y, dtype)];
}

/**
 * NumPy `dot`: the inner product of vectors, the matrix product of matrices,
 * and for N-D operands a sum over the last axis of `a` and the second-to-last of `b`.
 * @param a Left operand.
 * @param b Right operand.
 * @returns The product.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.dot(np.array([1, 2, 3]), np.array([4, 5, 6])).item(), 32);
 * ```
 */
export function dot(a: NDArray, b: NDArray): NDArray {
  const a0 = asArrayValue("np.dot", a), b0 = asArrayValue("np.dot", b);
  if (a0.dtype === "bool" && b0.dtype === "bool") {
    // bool · bool is bool, as jnp: the int32 count of a∧b terms ≠ 0
    const count = dot(lax.convert(a0, "int32"), lax.convert(b0, "int32"));
    return lax.binary("ne", count, lax.full(count, 0));
  }
  const [x, y] = promoteTwo("np.dot", a0, b0);
  if (x.ndim === 0 || y.ndim === 0) return lax.mul(...promoteBroadcast(x, y));
  if (y.ndim <= 2) return matmulAs("np.dot", x, y);
  // a[..., k] · b[..., k, n]: contract a's last axis with b's second-to-last
  const k = x.shape[x.ndim - 1];
  const yPerm = [y.ndim - 2, ...[...Array(y.ndim).keys()].filter((i) => i !== y.ndim - 2)];
  const yT = lax.transpose(y, yPerm);
  const rest = yT.shape.slice(1);
  const out = matmulAs(
    "np.dot",
    lax.reshape(x, [sizeOf(x.shape.slice(0, -1)), k]),
    lax.reshape(yT, [k, sizeOf(rest)]),
  );
  return lax.reshape(out, [...x.shape.slice(0, -1), ...rest]);
}

function promoteBroadcast(x: NDArray, y: NDArray): [NDArray, NDArray] {
  const shape = broadcastShapes("np.dot", x.shape, y.shape);
  return [broadcastToShape(x, shape), broadcastToShape(y, shape)];
}

/**
 * Outer product of two vectors (inputs are flattened): out[i, j] = a[i] · b[j].
 * @param a First vector.
 * @param b Second vector.
 * @returns The matrix.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.outer(np.array([1, 2]), np.array([3, 4])).toArray(), [[3, 4], [6, 8]]);
 * ```
 */
export function outer(a: NDArray, b: NDArray): NDArray {
  const [x, y] = promoteTwo("np.outer", a, b);
  checkAllocation("np.outer", [x.size, y.size], x.dtype);
  const col = lax.reshape(x, [x.size, 1]), row = lax.reshape(y, [1, y.size]);
  return lax.mul(lax.broadcast(col, [x.size, y.size]), lax.broadcast(row, [x.size, y.size]));
}
