/** Helpers shared by the `np` modules: operand conversion, dtype promotion, broadcasting. */
import {
  type DType,
  DTYPES,
  isDType,
  isFloat,
  isInteger,
  promoteTypes,
  weakScalarType,
} from "../core/_dtype.ts";
import * as lax from "../core/_lax.ts";
import { type ArrayLike, NDArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import type { UnaryPrimitive } from "../core/_primitive_families.ts";
import { broadcastShapes, shapesEqual, sizeOf } from "../core/_shape.ts";
import { checkShapeArg } from "../core/_validate.ts";
import { eagerProgram } from "./_eager.ts";

export function checkDType(op: string, dtype: unknown): DType {
  if (dtype === undefined) return "float32";
  if (!isDType(dtype)) {
    throw new TypeError(
      `${op}: unknown dtype ${JSON.stringify(dtype)}; use one of ${DTYPES.join(", ")}.`,
    );
  }
  return dtype;
}

export function checkShape(op: string, shape: readonly number[] | number): number[] {
  return checkShapeArg(op, shape);
}

// ---- promotion and broadcasting -------------------------------------------------

export function asArrayValue(op: string, x: unknown): NDArray {
  if (x instanceof NDArray) return x;
  if (typeof x === "number" || typeof x === "boolean") {
    return ArrayValue.scalar(Number(x), typeof x === "boolean" ? "bool" : "float32");
  }
  throw new TypeError(
    `${op}: expected an array or a number, got ${x === null ? "null" : typeof x}` +
      `${Array.isArray(x) ? " (a JS array: wrap it with np.array(...))" : ""}.`,
  );
}

/**
 * Throws a RangeError naming `op` when `v` is a whole JS number outside int32. A JS integer
 * meeting integer arrays is read as int32 first, as JAX reads a Python int (x64 off): inside
 * int32 it then wraps into the dtype (int8 + 300 adds 44); outside, JAX raises OverflowError,
 * and wrapping silently would give a different number. `where` says where the number is used,
 * `instead` what to pass.
 */
export function checkWeakInt32(op: string, v: unknown, where: string, instead: string): void {
  if (typeof v === "number" && Number.isInteger(v) && (v < -(2 ** 31) || v >= 2 ** 31)) {
    throw new RangeError(
      `${op}: the JS number ${v} is outside int32's range [-2147483648, 2147483647], where ` +
        `${where} (JAX raises OverflowError). Pass an array instead (${instead}).`,
    );
  }
}

/**
 * An operand for {@link promote}: a JS number or boolean stays as it is (a weak scalar, which
 * adopts the arrays' dtype there), anything else becomes an array. Converting a number with
 * `asArrayValue` first would make it a float32 array, which promotes float16 to float32.
 */
export function asOperand(op: string, v: unknown): NDArray | number | boolean {
  return typeof v === "number" || typeof v === "boolean" ? v : asArrayValue(op, v);
}

/** Converts operands to arrays of one dtype (weak JS scalars adopt the arrays' dtype). */
export function promote(op: string, xs: readonly unknown[]): NDArray[] {
  let dtype: DType | undefined;
  for (const x of xs) {
    if (x instanceof NDArray) dtype = dtype ? promoteTypes(dtype, x.dtype) : x.dtype;
    else asArrayValue(op, x);
  }
  if (dtype === undefined) {
    // all scalars: booleans stay bool, numbers become float32
    dtype = xs.every((x) => typeof x === "boolean") ? "bool" : "float32";
  } else {
    for (const x of xs) {
      if (!(x instanceof NDArray)) dtype = promoteTypes(dtype, weakScalarType(x as number, dtype));
    }
  }
  const d = dtype;
  if (isInteger(d) && d !== "bool") {
    for (const x of xs) {
      checkWeakInt32(
        op,
        x,
        `a number meeting ${d} arrays lives`,
        `np.array(${String(x)}, { dtype: "float64" }) or another dtype that holds it, or ` +
          `convert the array to a float dtype first`,
      );
    }
  }
  return xs.map((x) => x instanceof NDArray ? lax.convert(x, d) : ArrayValue.scalar(Number(x), d));
}

/** Broadcasts arrays to their common shape (NumPy rules); `op` names the caller in errors. */
export function broadcastAll(op: string, xs: NDArray[]): NDArray[] {
  const shape = broadcastShapes(op, ...xs.map((x) => x.shape));
  return xs.map((x) => broadcastToShape(x, shape));
}

export function broadcastToShape(x: NDArray, shape: readonly number[]): NDArray {
  if (shapesEqual(x.shape, shape)) return x;
  const padded = [...Array(shape.length - x.ndim).fill(1), ...x.shape];
  return lax.broadcast(lax.reshape(x, padded), shape);
}

// ---- the elementwise ops behind np and the array methods ------------------------------

const FLOAT_UNARY = new Set([
  "exp",
  "log",
  "log1p",
  "expm1",
  "sin",
  "cos",
  "tan",
  "tanh",
  "sqrt",
  "rsqrt",
  "sigmoid",
  "reciprocal",
]);

export function unaryOp(name: string, x: ArrayLike): NDArray {
  const a = asArrayValue(`np.${name}`, x);
  // float ops convert bools (and integers) to float32 first
  if (a.dtype === "bool" && name !== "abs" && !FLOAT_UNARY.has(name)) {
    throw new TypeError(`np.${name}: not defined for bool arrays; convert with astype first.`);
  }
  return eagerProgram(`unary.${name}`, [a], a.size, UNARY_OF[name] ??= (y) => unaryOf(name, y));
}

/** One function per unary op name, so each compiled eager program keeps its function. */
const UNARY_OF: Record<string, (x: NDArray) => NDArray> = {};

/** The unary op `name` of a validated array. */
function unaryOf(name: string, a: NDArray): NDArray {
  if (FLOAT_UNARY.has(name) && !isFloat(a.dtype)) a = lax.convert(a, "float32");
  switch (name) {
    case "square":
      return lax.mul(a, a);
    case "reciprocal":
      return lax.div(lax.full(a, 1), a);
    case "sigmoid":
      return lax.unary("logistic", a);
    case "floor":
    case "ceil":
    case "round":
      return isFloat(a.dtype) ? lax.unary(name, a) : a;
    default:
      return lax.unary(name as UnaryPrimitive, a);
  }
}

const BINARY_PRIM = {
  add: "add",
  sub: "sub",
  mul: "mul",
  div: "div",
  pow: "pow",
  maximum: "max",
  minimum: "min",
  equal: "eq",
  notEqual: "ne",
  less: "lt",
  lessEqual: "le",
  greater: "gt",
  greaterEqual: "ge",
} as const;

export function binaryOp(name: string, x: ArrayLike, y: ArrayLike): NDArray {
  const [p, q] = promote(`np.${name}`, [x, y]);
  if (
    name === "pow" && typeof y === "number" && Number.isSafeInteger(y) && y >= 0 && isFloat(p.dtype)
  ) {
    // a whole JS number ≥ 0 as the exponent: JAX's integer_pow (a Python int exponent)
    const n = y;
    return eagerProgram(`ipow.${n}`, [p], p.size, (u) => integerPow(u, n));
  }
  const size = sizeOf(broadcastShapes(`np.${name}`, p.shape, q.shape));
  return eagerProgram(
    `binary.${name}`,
    [p, q],
    size,
    BINARY_OF[name] ??= (u, v) => binaryOf(name, u, v),
  );
}

/**
 * xⁿ for a whole number n ≥ 0 as JAX's `integer_pow`, which `jnp.power` uses for a Python int
 * exponent: multiplications by binary exponentiation, each rounded to the dtype (x³ is
 * x·(x·x)); x⁰ is 1, NaN included. Exact for squares, and faster than `pow` (the
 * multiplications fuse and run in wasm); the gradient follows the products. A negative n
 * stays `pow`: JAX's 1/x^|n| differentiated through the products would overflow where
 * n·x^(n−1) does not (d(x⁻²) at x = 1e-12).
 */
function integerPow(x: NDArray, n: number): NDArray {
  if (n === 0) return lax.full(x, 1);
  let acc: NDArray | undefined, base = x;
  for (let m = n; m > 0;) {
    if (m % 2 === 1) acc = acc === undefined ? base : lax.mul(acc, base);
    m = Math.floor(m / 2);
    if (m > 0) base = lax.mul(base, base);
  }
  return acc!;
}

/** One function per binary op name, so each compiled eager program keeps its function. */
const BINARY_OF: Record<string, (x: NDArray, y: NDArray) => NDArray> = {};

/** The binary op `name` of two arrays of one dtype. */
function binaryOf(name: string, x: NDArray, y: NDArray): NDArray {
  const prim = BINARY_PRIM[name as keyof typeof BINARY_PRIM];
  let [a, b] = broadcastAll(`np.${name}`, [x, y]);
  if (a.dtype === "bool") {
    // bools as JAX: + is or, * is and (max and min on {0, 1}), − is an error, ** counts in int32
    switch (name) {
      case "add":
        return lax.binary("max", a, b);
      case "mul":
        return lax.binary("min", a, b);
      case "sub":
        throw new TypeError(
          "np.sub: not defined for two bool arrays (JAX refuses it too); use " +
            'np.notEqual(x, y) for a difference, or convert with astype("int32") first.',
        );
      case "pow":
        [a, b] = [lax.convert(a, "int32"), lax.convert(b, "int32")];
    }
  }
  if (name === "div" && !isFloat(a.dtype)) {
    // true division: integers and bools divide as float32
    [a, b] = [lax.convert(a, "float32"), lax.convert(b, "float32")];
  }
  return lax.binary(prim, a, b);
}

/** x as a bool array (x ≠ 0 unless it is bool already), checked and named by `op`. */
export function truthy(op: string, x: ArrayLike): NDArray {
  const a = asArrayValue(op, x);
  return a.dtype === "bool" ? a : lax.binary("ne", a, lax.full(a, 0));
}
