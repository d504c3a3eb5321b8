/**
 * Abstract evaluation: the output shapes and dtypes of each primitive, computed
 * from the input avals alone. Staging uses it to type the IR; eager evaluation
 * runs it first as the single place where operands are validated.
 */
import type { Aval } from "../core/_trace.ts";
import { isFloat } from "../core/_dtype.ts";
import type { Primitive, PrimitiveParams } from "../core/_ir.ts";
import {
  BINARY_PRIMITIVES,
  COMPARE_PRIMITIVES,
  UNARY_PRIMITIVES,
} from "../core/_primitive_families.ts";
import { fmtShape, isPermutation, shapesEqual, sizeOf } from "../core/_shape.ts";
import { controlShapeRules } from "./_shape_rules_control.ts";
import { linalgShapeRules } from "./_linalg_rules.ts";
import { fftShapeRules } from "./_fft_rules.ts";
import { poolShapeRules } from "./_pool_rules.ts";
import { shiftShapeRules } from "./_shift_rules.ts";

type ShapeFn<Q> = (avals: Aval[], params: Q) => Aval[];
export type ShapeRule<P extends Primitive> = ShapeFn<PrimitiveParams[P]>;

function fmt(a: Aval): string {
  return `${a.dtype}${fmtShape(a.shape)}`;
}

function sameOperands(prim: string, avals: Aval[]): void {
  const [a] = avals;
  for (const b of avals.slice(1)) {
    if (!shapesEqual(a.shape, b.shape) || a.dtype !== b.dtype) {
      throw new TypeError(
        `${prim}: operands must have one shape and dtype, got ${avals.map(fmt).join(" and ")}.`,
      );
    }
  }
}

const unary: ShapeRule<"neg"> = ([x]) => [x];
const binary = (prim: string): ShapeRule<"add"> => (avals) => {
  sameOperands(prim, avals);
  return [avals[0]];
};
const compare = (prim: string): ShapeRule<"eq"> => (avals) => {
  sameOperands(prim, avals);
  return [{ shape: avals[0].shape, dtype: "bool" }];
};

const reduce: ShapeFn<PrimitiveParams["reduce_sum"]> = ([x], { axes }) => {
  for (const a of axes) {
    if (a < 0 || a >= x.shape.length) {
      throw new RangeError(`reduce: axis ${a} out of range for shape ${fmtShape(x.shape)}.`);
    }
  }
  return [{ shape: x.shape.filter((_, i) => !axes.includes(i)), dtype: x.dtype }];
};
const argReduce: ShapeFn<PrimitiveParams["argmax"]> = ([x], { axis }) => {
  if (x.shape[axis] === 0) {
    throw new RangeError(`argmax/argmin: axis ${axis} of shape ${fmtShape(x.shape)} is empty.`);
  }
  return [{ shape: x.shape.filter((_, i) => i !== axis), dtype: "int32" }];
};

const structural = {
  select: ([p, t, f]) => {
    if (p.dtype !== "bool") throw new TypeError(`select: predicate must be bool, got ${fmt(p)}.`);
    sameOperands("select", [t, f]);
    if (!shapesEqual(p.shape, t.shape)) {
      throw new TypeError(`select: predicate ${fmt(p)} and operands ${fmt(t)} differ in shape.`);
    }
    return [t];
  },
  convert: ([x], { dtype }) => [{ shape: x.shape, dtype }],
  stop_gradient: ([x]) => [x],
  reduce_sum: reduce,
  reduce_max: reduce,
  reduce_min: reduce,
  reduce_prod: reduce,
  argmax: argReduce,
  argmin: argReduce,
  cumsum: cumulative("cumsum"),
  cummax: cumulative("cummax"),
  cummin: cumulative("cummin"),
  cumlogsumexp: cumulative("cumlogsumexp"),
  cumprod: cumulative("cumprod"),
  argsort: ([x], { axis }) => {
    if (!(axis >= 0 && axis < x.shape.length)) {
      throw new RangeError(`argsort: axis ${axis} out of range for shape ${fmtShape(x.shape)}.`);
    }
    return [{ shape: x.shape, dtype: "int32" }];
  },
  matmul: ([a, b]) => {
    const r = a.shape.length;
    const ok = r >= 2 && b.shape.length === r && a.dtype === b.dtype &&
      a.shape[r - 1] === b.shape[r - 2] &&
      shapesEqual(a.shape.slice(0, r - 2), b.shape.slice(0, r - 2));
    if (!ok) {
      throw new TypeError(
        `matmul: cannot multiply ${fmt(a)} by ${fmt(b)}: the inner sizes ` +
          `(${a.shape[r - 1]} and ${b.shape[b.shape.length - 2]}) must agree.`,
      );
    }
    return [{ shape: [...a.shape.slice(0, r - 1), b.shape[r - 1]], dtype: a.dtype }];
  },
  reshape: ([x], { shape }) => {
    if (sizeOf(shape) !== sizeOf(x.shape)) {
      throw new TypeError(
        `reshape: cannot reshape ${fmtShape(x.shape)} (${sizeOf(x.shape)} elements) into ` +
          `${fmtShape(shape)} (${sizeOf(shape)} elements).`,
      );
    }
    return [{ shape, dtype: x.dtype }];
  },
  transpose: ([x], { perm }) => {
    if (!isPermutation(perm, x.shape.length)) {
      throw new TypeError(
        `transpose: axes ${fmtShape(perm)} are not a permutation of the ${x.shape.length} axes ` +
          `of ${fmtShape(x.shape)}.`,
      );
    }
    return [{ shape: perm.map((p) => x.shape[p]), dtype: x.dtype }];
  },
  broadcast: ([x], { shape }) => {
    const ok = shape.length === x.shape.length &&
      x.shape.every((d, i) => d === shape[i] || d === 1);
    if (!ok) {
      throw new TypeError(
        `broadcast: cannot broadcast ${fmtShape(x.shape)} to ${fmtShape(shape)}.`,
      );
    }
    return [{ shape, dtype: x.dtype }];
  },
  slice: ([x], { starts, stops, steps }) => {
    const shape = x.shape.map((d, i) => {
      const [s, e, st] = [starts[i], stops[i], steps[i]];
      if (!(st >= 1 && 0 <= s && s <= e && e <= d)) {
        throw new RangeError(
          `slice: [${s}:${e}:${st}] is out of bounds for axis ${i} of ${fmtShape(x.shape)}.`,
        );
      }
      return Math.ceil((e - s) / st);
    });
    return [{ shape, dtype: x.dtype }];
  },
  pad: ([x], { lo, hi, interior }) => [{
    shape: x.shape.map((d, i) => lo[i] + hi[i] + d + Math.max(0, d - 1) * interior[i]),
    dtype: x.dtype,
  }],
  concatenate: (avals, { axis }) => {
    const [a] = avals;
    for (const b of avals) {
      const ok = b.dtype === a.dtype && b.shape.length === a.shape.length &&
        b.shape.every((d, i) => i === axis || d === a.shape[i]);
      if (!ok) {
        throw new TypeError(
          `concatenate: along axis ${axis} all arrays must match in dtype and the other axes, got ` +
            `${avals.map(fmt).join(", ")}.`,
        );
      }
    }
    const shape = [...a.shape];
    shape[axis] = avals.reduce((s, b) => s + b.shape[axis], 0);
    return [{ shape, dtype: a.dtype }];
  },
  take: ([x, idx], { axis }) => {
    if (idx.dtype !== "int32") {
      throw new TypeError(`take: indices must be int32, got ${fmt(idx)}.`);
    }
    return [{
      shape: [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)],
      dtype: x.dtype,
    }];
  },
  scatter_add: ([u, idx], { axis, size }) => {
    const tail = u.shape.slice(axis + idx.shape.length);
    return [{ shape: [...u.shape.slice(0, axis), size, ...tail], dtype: u.dtype }];
  },
  random_bits: ([key], { shape }) => {
    if (key.dtype !== "int32" || !shapesEqual(key.shape, [2])) {
      throw new TypeError(
        `random: a key is an int32[2] array made by random.key(seed), got ${fmt(key)}.`,
      );
    }
    return [{ shape, dtype: "int32" }];
  },
  jit_call: (avals, { jaxpr, name }) => {
    const want = jaxpr.invars.map((v) => v.aval);
    const ok = want.length === avals.length &&
      want.every((w, i) => shapesEqual(w.shape, avals[i].shape) && w.dtype === avals[i].dtype);
    if (!ok) {
      throw new TypeError(
        `${name}: compiled for ${want.map(fmt).join(", ")} but called with ` +
          `${avals.map(fmt).join(", ")}.`,
      );
    }
    return jaxpr.outvars.map((v) => v.aval);
  },
  ...controlShapeRules,
  ...linalgShapeRules,
  ...fftShapeRules,
  ...poolShapeRules,
  ...shiftShapeRules,
} satisfies {
  [
    P in Exclude<
      Primitive,
      | typeof UNARY_PRIMITIVES[number]
      | typeof BINARY_PRIMITIVES[number]
      | typeof COMPARE_PRIMITIVES[number]
    >
  ]: ShapeRule<P>;
};

/** A running reduction along one axis keeps the shape and dtype. */
function cumulative<P extends "cumsum" | "cummax" | "cummin" | "cumprod" | "cumlogsumexp">(
  prim: P,
): ShapeRule<P> {
  return ([x], { axis }) => {
    if (!(axis >= 0 && axis < x.shape.length)) {
      throw new RangeError(`${prim}: axis ${axis} out of range for shape ${fmtShape(x.shape)}.`);
    }
    return [{ shape: x.shape, dtype: x.dtype }];
  };
}

export const shapeRules: { [P in Primitive]: ShapeRule<P> } = {
  ...Object.fromEntries(UNARY_PRIMITIVES.map((p) => [p, unary])) as unknown as {
    [P in typeof UNARY_PRIMITIVES[number]]: ShapeRule<P>;
  },
  ...Object.fromEntries(BINARY_PRIMITIVES.map((p) => [p, binary(p)])) as unknown as {
    [P in typeof BINARY_PRIMITIVES[number]]: ShapeRule<P>;
  },
  ...Object.fromEntries(COMPARE_PRIMITIVES.map((p) => [p, compare(p)])) as unknown as {
    [P in typeof COMPARE_PRIMITIVES[number]]: ShapeRule<P>;
  },
  ...structural,
};

/** Float-only unary primitives reject integer operands with a clear message. */
export function requireFloat(prim: string, a: Aval): void {
  if (!isFloat(a.dtype)) {
    throw new TypeError(
      `${prim}: needs a float array, got ${fmt(a)}. Convert with astype("float32").`,
    );
  }
}
