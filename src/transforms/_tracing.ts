/**
 * Tracing helpers shared by the higher-order functions of `lax`, `customJvp`/`customVjp` and
 * `checkpoint`: a user's function over pytrees traced once into a closed jaxpr, with the
 * values it closes over that an enclosing transform traces turned into explicit operands,
 * and the argument checks whose messages name pytree paths.
 */
import { Tracer } from "../core/_trace.ts";
import { avalOf, fmtAval } from "../core/_trace.ts";
import { Jaxpr, Var } from "../core/_ir.ts";
import type { Aval } from "../core/_aval.ts";
import { NDArray } from "../core/_ndarray.ts";
import { shapesEqual } from "../core/_shape.ts";
import { flatten, flattenWithPath, keystr, type TreeDef } from "../core/tree.ts";
import { traceToJaxpr } from "../interpreters/_staging.ts";
import * as np from "../numpy/numpy.ts";

/** A leaf as an array: numbers become float32 scalars, booleans bool scalars. */
export function asArray(name: string, what: string, x: unknown): NDArray {
  if (x instanceof NDArray) return x;
  if (typeof x === "number") return np.array(x);
  if (typeof x === "boolean") return np.array(x);
  throw new TypeError(
    `${name}: ${what} must be an array (or a number), got ${x === null ? "null" : typeof x}.`,
  );
}

export function leavesOf(
  name: string,
  what: string,
  tree: unknown,
): [NDArray[], TreeDef, string[]] {
  const pairs = flattenWithPath(tree);
  const [, def] = flatten(tree);
  const paths = pairs.map(([p]) => keystr(p));
  return [pairs.map(([, l], i) => asArray(name, `${what}${paths[i]}`, l)), def, paths];
}

export const sameAval = (a: Aval, b: Aval) => a.dtype === b.dtype && shapesEqual(a.shape, b.shape);

export function checkFunction(name: string, what: string, f: unknown): void {
  if (typeof f !== "function") {
    throw new TypeError(`${name}: ${what} must be a function, got ${typeof f}.`);
  }
}

export function checkOptions(name: string, options: unknown, allowed: readonly string[]): void {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`${name}: options must be an object, got ${typeof options}.`);
  }
  const unknown = Object.keys(options).filter((k) => !allowed.includes(k));
  if (unknown.length) {
    throw new TypeError(
      `${name}: unknown option(s) ${unknown.join(", ")}; expected ${allowed.join(", ")}.`,
    );
  }
}

/**
 * Traces `f` into a closed jaxpr. Arrays traced by an enclosing transform that `f` closes
 * over become leading inputs (returned as `consts`, to pass as operands).
 */
export function traceBody(
  name: string,
  f: (xs: NDArray[]) => NDArray[],
  avals: readonly Aval[],
): { jaxpr: Jaxpr; consts: NDArray[] } {
  const raw = traceToJaxpr(name, f, avals);
  const hoist = raw.consts.map((c) => c instanceof Tracer);
  if (!hoist.some(Boolean)) return { jaxpr: raw, consts: [] };
  const keep = (_: unknown, i: number) => !hoist[i];
  return {
    jaxpr: new Jaxpr(
      [...raw.constvars.filter((_, i) => hoist[i]), ...raw.invars],
      raw.constvars.filter(keep),
      raw.consts.filter(keep),
      raw.eqns,
      raw.outvars,
    ),
    consts: raw.consts.filter((_, i) => hoist[i]),
  };
}

/**
 * Checks that a body returned its carry with the structure, shapes and dtypes it received,
 * naming the first leaf that differs; returns the carry's leaves.
 */
export function checkCarry(
  name: string,
  def: TreeDef,
  avals: readonly Aval[],
  paths: readonly string[],
  out: unknown,
): NDArray[] {
  const [leaves, outDef, outPaths] = leavesOf(name, "the returned carry", out);
  if (!outDef.equals(def)) {
    throw new TypeError(
      `${name}: the body must return the carry with the structure it received, ${def}, but ` +
        `returned ${outDef}.`,
    );
  }
  leaves.forEach((l, i) => {
    if (!sameAval(avalOf(l), avals[i])) {
      throw new TypeError(
        `${name}: the carry${outPaths[i] || paths[i]} entered the body as ${fmtAval(avals[i])} ` +
          `but was returned as ${fmtAval(avalOf(l))}; a carry must keep its shape and dtype ` +
          `across iterations (convert with astype, or fix the shape).`,
      );
    }
  });
  return leaves;
}

export function describe(x: unknown): string {
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  return x === null ? "null" : typeof x;
}

/**
 * Traces several functions that each capture their own values: every program takes every
 * program's captured values first (in order), then its own inputs.
 */
export function shareConsts(traced: readonly { jaxpr: Jaxpr; consts: NDArray[] }[]): {
  jaxprs: Jaxpr[];
  consts: NDArray[];
} {
  const consts = traced.flatMap((t) => t.consts);
  const jaxprs = traced.map((t, b) => {
    const fresh = (u: { consts: NDArray[] }) => u.consts.map((c) => new Var(avalOf(c)));
    const before = traced.slice(0, b).flatMap(fresh);
    const after = traced.slice(b + 1).flatMap(fresh);
    const j = t.jaxpr, own = t.consts.length;
    return new Jaxpr(
      [...before, ...j.invars.slice(0, own), ...after, ...j.invars.slice(own)],
      j.constvars,
      j.consts,
      j.eqns,
      j.outvars,
    );
  });
  return { jaxprs, consts };
}
