/**
 * JS numbers where a transform expects arrays. JAX accepts Python scalars as arguments of
 * `grad`, `jit`, `vmap` and `make_jaxpr` and treats them as (weakly typed) float32 arrays;
 * difftrace does the same for JS numbers and for rectangular nested lists of numbers, so
 * `grad(np.tanh)(2)` and `vmap(f)([1, 2, 3])` work. A list that holds arrays (or is empty)
 * stays a pytree list; booleans and other leaves are left as they are.
 */
import type { NDArray } from "./_ndarray.ts";
import { ArrayValue } from "./_array_value.ts";

/** A JS number or a nested list of them: what a transform lifts to a float32 array. */
export type NestedNumbers = number | readonly NestedNumbers[];

/** An argument type as a transform accepts it: where an array fits, a number or number list does too. */
export type Liftable<T> = NDArray extends T ? T | NestedNumbers : T;

/** `Liftable` over an argument list. */
export type LiftArgs<A extends readonly unknown[]> = { [K in keyof A]: Liftable<A[K]> };

/** The shape of a non-empty rectangular nested list of finite-or-not JS numbers, else null. */
function numericShape(x: readonly unknown[]): number[] | null {
  if (x.length === 0) return null;
  if (x.every((v) => typeof v === "number")) return [x.length];
  if (!x.every(Array.isArray)) return null;
  const inner = x.map((v) => numericShape(v as unknown[]));
  const first = inner[0];
  if (first === null) return null;
  for (const s of inner) {
    if (s === null || s.length !== first.length || s.some((d, i) => d !== first[i])) return null;
  }
  return [x.length, ...first];
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== "object") return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/** Replaces JS numbers and nested number lists anywhere in a pytree by float32 arrays. */
export function liftNumbers(x: unknown): unknown {
  if (typeof x === "number") return ArrayValue.scalar(x, "float32");
  if (Array.isArray(x)) {
    const shape = numericShape(x);
    if (shape === null) return x.map(liftNumbers);
    const data = new Float32Array((x as unknown[]).flat(shape.length) as number[]);
    return new ArrayValue(data, shape, "float32");
  }
  if (isPlainObject(x)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(x)) out[k] = liftNumbers(x[k]);
    return out;
  }
  return x;
}

/** `liftNumbers` over an argument list, leaving the positions where `keep(i)` is true. */
export function liftArgs<A extends readonly unknown[]>(args: A, keep?: (i: number) => boolean): A {
  return args.map((a, i) => (keep?.(i) ? a : liftNumbers(a))) as unknown as A;
}
