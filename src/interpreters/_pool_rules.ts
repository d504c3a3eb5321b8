/**
 * The rules of the window-max primitives for every interpreter, kept together here and spread
 * into each table. Over channels-last x [N, …S, C] with windows k, strides s and padding
 * lo/hi (the geometry in `kernels/pool.ts`):
 * - `max_pool(x)` = each window's maximum, [N, …OS, C];
 * - `max_pool_argmax(x)` = each window's selected cell as int32 p·C + c (p = ∏S when the cell
 *   is padding), the cell JAX's `reduce_window` max differentiates through (XLA's
 *   select_and_gather_add / select_and_scatter_add with `ge`: the first maximum in row-major
 *   window order when there is no NaN).
 *
 * The derivative follows JAX: the whole tangent of a window comes from its one selected cell,
 *   d max_pool(x) = take(flat(ẋ), argmax + n·∏S·C), or 0 where a padded cell is selected,
 * a gather of ẋ. It is linear in ẋ and built from primitives, so reverse mode transposes it
 * into a `scatter_add` (overlapping windows add up), and higher orders differentiate that.
 * Both primitives keep the image axis N as a batch axis, and the selection is relative to its
 * image, so `vmap` folds its batch axis into N.
 */
import { bind1 } from "../core/_trace.ts";
import type { Aval } from "../core/_trace.ts";
import { allocate, type DType, intRange, isFloat } from "../core/_dtype.ts";
import { DATA, type NDArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import * as lax from "../core/_lax.ts";
import { fmtShape, sizeOf } from "../core/_shape.ts";
import type { PrimitiveParams } from "../core/_ir.ts";
import { maxPoolArgmax, maxPoolValues, poolOutShape } from "../kernels/pool.ts";

// The rule shapes of each table, restated here (importing them would close an import circle
// through the tables that spread these rules in).
type Q = PrimitiveParams["max_pool"];
type T = NDArray | null;
type Dim = number | null;

/** The padding value: −∞ for floats, the smallest value of an integer dtype, false for bool. */
export function poolPadValue(dtype: DType): number {
  return isFloat(dtype) ? -Infinity : intRange(dtype)[0];
}

// ---- shapes ------------------------------------------------------------------------------

function poolShape(prim: string, x: Aval, g: Q): number[] {
  const d = g.window.length;
  const ok = x.shape.length === d + 2 && [g.strides, g.lo, g.hi].every((v) => v.length === d) &&
    g.window.every((k) => Number.isInteger(k) && k >= 1) &&
    g.strides.every((s) => Number.isInteger(s) && s >= 1) &&
    [...g.lo, ...g.hi].every((p) => Number.isInteger(p) && p >= 0);
  if (!ok) {
    throw new TypeError(
      `${prim}: needs x [N, …S, C] with ${d} spatial axes and per-axis windows ≥ 1, strides ` +
        `≥ 1 and paddings ≥ 0, got x ${fmtShape(x.shape)}, window ${fmtShape(g.window)}, ` +
        `strides ${fmtShape(g.strides)}, padding ${fmtShape(g.lo)}/${fmtShape(g.hi)}.`,
    );
  }
  const out = poolOutShape(x.shape, g);
  if (out.slice(1, d + 1).some((o) => o < 1)) {
    throw new RangeError(
      `${prim}: window ${fmtShape(g.window)} is larger than the padded input ` +
        `${fmtShape(x.shape)} (padding ${fmtShape(g.lo)}/${fmtShape(g.hi)}).`,
    );
  }
  return out;
}

export const poolShapeRules = {
  max_pool: ([x]: Aval[], g: Q): Aval[] => [{
    shape: poolShape("max_pool", x, g),
    dtype: x.dtype,
  }],
  max_pool_argmax: ([x]: Aval[], g: Q): Aval[] => {
    const shape = poolShape("max_pool_argmax", x, g);
    // p·C + c with p up to ∏S (the padding) must fit an int32
    const c = x.shape[x.shape.length - 1], cells = sizeOf(x.shape.slice(1, -1));
    if ((cells + 1) * c > 2 ** 31 - 1) {
      throw new RangeError(
        `max_pool_argmax: an image ${fmtShape(x.shape.slice(1))} has too many cells for ` +
          `int32 positions; pool smaller images.`,
      );
    }
    return [{ shape, dtype: "int32" }];
  },
};

// ---- evaluation -----------------------------------------------------------------------------

export const poolEvalRules = {
  max_pool: ([x]: ArrayValue[], g: Q): ArrayValue[] => {
    const shape = poolOutShape(x.shape, g);
    const out = allocate(x.dtype, sizeOf(shape));
    maxPoolValues(x[DATA], x.shape, g, poolPadValue(x.dtype), out);
    return [new ArrayValue(out, shape, x.dtype)];
  },
  max_pool_argmax: ([x]: ArrayValue[], g: Q): ArrayValue[] => {
    const shape = poolOutShape(x.shape, g);
    const out = new Int32Array(sizeOf(shape));
    maxPoolArgmax(x[DATA], x.shape, g, poolPadValue(x.dtype), out);
    return [new ArrayValue(out, shape, "int32")];
  },
};

// ---- derivatives ------------------------------------------------------------------------------

/**
 * ẋ at each window's selected cell: ẋ [N, …S, C] flattened, gathered at argmax + n·∏S·C; a
 * padded selection (argmax ≥ ∏S·C, only possible with padding) gathers cell 0 and is then
 * replaced by 0. (Selecting after the gather, rather than gathering from ẋ padded with a zero
 * row, keeps its transpose a scatter straight into ẋ's shape, with no slice of a padded copy.)
 */
function gatherSelected(t: NDArray, argmax: NDArray, g: Q): NDArray {
  const [n, c] = [t.shape[0], t.shape[t.ndim - 1]];
  const cells = sizeOf(t.shape.slice(1, -1));
  if (n * cells * c > 2 ** 31 - 1) {
    throw new RangeError(
      `max_pool: the derivative gathers from ${fmtShape(t.shape)} with int32 positions, ` +
        `which this batch overflows; differentiate smaller batches (e.g. a loop over parts).`,
    );
  }
  const flat = lax.reshape(t, [n * cells * c]);
  const image = Int32Array.from({ length: n }, (_, b) => b * cells * c);
  const ones = new Array<number>(argmax.ndim - 1).fill(1);
  const offset = lax.broadcast(new ArrayValue(image, [n, ...ones], "int32"), argmax.shape);
  const at = lax.add(argmax, offset);
  if (![...g.lo, ...g.hi].some((p) => p > 0)) return bind1("take", [flat, at], { axis: 0 });
  const padded = lax.binary("ge", argmax, lax.full(argmax, cells * c));
  const picked = bind1("take", [flat, lax.select(padded, lax.zerosLike(argmax), at)], {
    axis: 0,
  });
  return lax.select(padded, lax.zerosLike(picked), picked);
}

export const poolJvpRules = {
  // d max_pool(x) = ẋ at each window's selected cell (JAX's select_and_gather_add)
  max_pool: ([x]: NDArray[], [t]: T[], g: Q): [NDArray[], T[]] => {
    const y = bind1("max_pool", [x], g);
    if (!t) return [[y], [null]];
    return [[y], [gatherSelected(t, bind1("max_pool_argmax", [x], g), g)]];
  },
  // an integer output: no tangent
  max_pool_argmax: ([x]: NDArray[], _t: T[], g: Q): [NDArray[], T[]] => [
    [bind1("max_pool_argmax", [x], g)],
    [null],
  ],
};

const notLinear = (prim: string) => (): never => {
  throw new Error(`internal: ${prim} is not linear; it cannot appear in a linear program.`);
};

export const poolTransposeRules = {
  max_pool: notLinear("max_pool"),
  max_pool_argmax: notLinear("max_pool_argmax"),
};

// ---- batching -----------------------------------------------------------------------------------

/** The batch axis B joins the image axis N: [B, N, …] → [B·N, …] → the primitive → [B, N, …]. */
const intoImages =
  (prim: "max_pool" | "max_pool_argmax") =>
  ([x]: NDArray[], [d]: Dim[], g: Q): [NDArray[], Dim[]] => {
    const perm = [d!, ...[...Array(x.ndim).keys()].filter((j) => j !== d)];
    const front = d === 0 ? x : lax.transpose(x, perm);
    const [b, n] = front.shape;
    const out = bind1(prim, [lax.reshape(front, [b * n, ...front.shape.slice(2)])], g);
    return [[lax.reshape(out, [b, n, ...out.shape.slice(1)])], [0]];
  };

export const poolVmapRules = {
  max_pool: intoImages("max_pool"),
  max_pool_argmax: intoImages("max_pool_argmax"),
};
