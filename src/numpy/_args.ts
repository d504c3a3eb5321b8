/**
 * Argument forms of the `np` functions. Each function takes an options object,
 * and also the positional forms NumPy users type: `x.sum(1)` (an axis),
 * `np.zeros([3], "int32")` (a dtype string), `np.arange(5, { dtype })`. Every
 * other value is rejected with an error, never silently replaced by a default.
 */
import { type DType, DTYPES, isDType } from "../core/_dtype.ts";
import type { ReduceOptions } from "../core/_ndarray.ts";
import { checkOptions, isOptionsObject, show, suggest } from "../core/_validate.ts";

/** An options object, or just the axis (`x.sum(1)`, `x.sum([0, 1])`, `x.sum(null)`). */
export type AxisOrOptions<O> = O | number | readonly number[] | null;

/**
 * Reads the options of a reduction: a plain object with `keys`, or a bare axis
 * (a number, a list of numbers, or null), as NumPy's positional `axis`.
 */
export function reduceArgs<O extends ReduceOptions>(
  op: string,
  options: AxisOrOptions<O> | undefined,
  keys: readonly string[] = ["axis", "keepdims"],
): O {
  if (options === undefined) return {} as O;
  if (options === null || typeof options === "number" || Array.isArray(options)) {
    return { axis: options } as O;
  }
  checkOptions(op, options, keys);
  const o = options as O;
  if (o.keepdims !== undefined && typeof o.keepdims !== "boolean") {
    throw new TypeError(`${op}: keepdims must be true or false, got ${show(o.keepdims)}.`);
  }
  return o;
}

/** Checks a dtype name (TypeError with a "did you mean" for a near miss). */
export function dtypeArg(op: string, dtype: unknown): DType {
  if (isDType(dtype)) return dtype;
  const near = typeof dtype === "string" ? suggest(dtype, DTYPES) : undefined;
  throw new TypeError(
    `${op}: unknown dtype ${show(dtype)}${near ? ` (did you mean "${near}"?)` : ""}; use ` +
      `${DTYPES.join(", ")}.`,
  );
}

/**
 * Reads `{ dtype, ...keys }` given as an options object or as a bare dtype string
 * (`np.zeros([3], "int32")`, as NumPy's positional dtype).
 */
export function dtypeOptions<O extends { dtype?: DType }>(
  op: string,
  options: O | DType | undefined,
  keys: readonly string[] = ["dtype"],
): O {
  if (options === undefined) return {} as O;
  if (typeof options === "string") return { dtype: dtypeArg(op, options) } as O;
  if (!isOptionsObject(options)) {
    throw new TypeError(
      `${op}: expected an options object like {${keys.join(", ")}} or a dtype name, got ` +
        `${show(options)}.`,
    );
  }
  checkOptions(op, options, keys);
  if (options.dtype !== undefined) dtypeArg(op, options.dtype);
  return options as O;
}
