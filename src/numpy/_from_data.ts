/**
 * Reading user data into arrays for `np.array`: nested JS lists (shape, dtype inference,
 * validation) and the float64 → float16 conversion NumPy applies to them.
 */
import * as lax from "../core/_lax.ts";
import { checkScalarFits, type DType, roundFloat16Direct } from "../core/_dtype.ts";
import { checkAllocation, show } from "../core/_validate.ts";
import { DATA, NDArray, type NestedArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import { fmtShape, sizeOf } from "../core/_shape.ts";
/** Nested JS lists of numbers or booleans as an array of `dtype` (inferred when undefined). */
export function fromNested(data: NestedArray, dtype: DType | undefined): ArrayValue {
  const shape: number[] = [];
  let probe: NestedArray = data;
  const seen = new Set<unknown>();
  while (Array.isArray(probe)) {
    if (seen.has(probe)) {
      throw new TypeError(
        `np.array: the nested array contains itself at [${
          shape.map(() => 0).join(", ")
        }] (a cycle).`,
      );
    }
    seen.add(probe);
    shape.push(probe.length);
    probe = (probe as NestedArray[])[0];
  }
  checkAllocation("np.array", shape, dtype ?? "float64");
  // bool only when every element is a boolean: a number anywhere makes it float32, as jnp
  let allBool = true;
  // collect exactly in float64, then convert: bool becomes 0/1, int32 truncates and saturates
  const out = new Float64Array(sizeOf(shape));
  let k = 0;
  const walk = (x: NestedArray, depth: number, path: number[]) => {
    if (depth === shape.length) {
      if (Array.isArray(x)) {
        throw new TypeError(
          `np.array: ragged nested array: the element at [${path.join(", ")}] is a list, but ` +
            `its siblings are scalars (expected shape ${fmtShape(shape)}).`,
        );
      }
      if (typeof x !== "number" && typeof x !== "boolean") {
        throw new TypeError(
          `np.array: elements must be numbers or booleans, got ${show(x)} at [${path.join(", ")}]${
            typeof x === "string" ? " (a string: convert it with Number(...))" : ""
          }.`,
        );
      }
      if (dtype !== undefined && typeof x === "number") checkScalarFits("np.array", dtype, x);
      if (typeof x === "number") allBool = false;
      out[k++] = Number(x);
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[depth]) {
      if (x instanceof NDArray) {
        throw new TypeError(
          `np.array: the element at [${path.join(", ")}] is an array ${x.dtype}${
            fmtShape(x.shape)
          }; nested JS arrays must hold numbers. Combine arrays with np.stack(...).`,
        );
      }
      throw new TypeError(
        `np.array: ragged nested array: the element at [${path.join(", ")}] has ` +
          `${Array.isArray(x) ? `length ${x.length}` : "no axis"} but axis ${depth} of the first ` +
          `row has length ${shape[depth]} (expected shape ${fmtShape(shape)}). All rows must ` +
          `have the same length.`,
      );
    }
    if (onPath.has(x)) {
      throw new TypeError(
        `np.array: the nested array contains itself at [${path.join(", ")}] (a cycle).`,
      );
    }
    onPath.add(x);
    for (let i = 0; i < x.length; i++) {
      // a hole (`[1, , 3]`) would be skipped by forEach and shift every later value
      if (!(i in x)) {
        throw new TypeError(
          `np.array: the nested array has a hole (an empty slot) at [${
            [...path, i].join(", ")
          }]; fill it with a number.`,
        );
      }
      walk((x as NestedArray[])[i], depth + 1, [...path, i]);
    }
    onPath.delete(x);
  };
  const onPath = new Set<unknown>();
  walk(data, 0, []);
  const inferred: DType = dtype ?? (allBool && out.length > 0 ? "bool" : "float32");
  return fromFloat64(new ArrayValue(out, shape, "float64"), inferred) as ArrayValue;
}

/**
 * `x` as `dtype`; float64 → float16 rounds each double directly, as NumPy (and so
 * `jnp.array(..., dtype=float16)`) converts, where `astype` goes through float32 as XLA does.
 */
export function fromFloat64(x: ArrayValue, dtype: DType): NDArray {
  if (x.dtype !== "float64" || dtype !== "float16") return lax.convert(x, dtype);
  return new ArrayValue(Float32Array.from(x[DATA], roundFloat16Direct), x.shape, dtype);
}
