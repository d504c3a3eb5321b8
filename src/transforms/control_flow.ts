/**
 * Structured control flow (JAX's `jax.lax` loops and branches): `scan`, `cond`, `switch`,
 * `whileLoop`, `foriLoop` and `map`. Each traces its body once into a jaxpr and binds one
 * higher-order primitive (`scan`, `cond`, `while_loop`), so a 1,000-step loop is one
 * equation, a branch on a traced value works under `jit`, and every transform (`grad`, `jvp`,
 * `vmap`, `jit`, the worker pool) handles the loop as a loop.
 *
 * Values the body closes over are captured: concrete arrays as constants of the body, arrays
 * traced by an enclosing transform as extra loop-invariant operands.
 *
 * @module
 */
import { avalOf, bind, fmtAval } from "../core/_trace.ts";
import type { Aval } from "../core/_aval.ts";
import { isInteger } from "../core/_dtype.ts";
import { NDArray } from "../core/_ndarray.ts";
import { fmtShape } from "../core/_shape.ts";
import { flatten, type TreeDef, unflatten } from "../core/tree.ts";
import * as np from "../numpy/numpy.ts";
import {
  checkCarry,
  checkFunction,
  checkOptions,
  describe,
  leavesOf,
  sameAval,
  shareConsts,
  traceBody,
} from "./_tracing.ts";

// ---- scan ------------------------------------------------------------------------------

/** Options of `scan`. */
export interface ScanOptions {
  /** The number of steps; required when `xs` has no arrays, checked against them otherwise. */
  length?: number;
  /** Scan from the last element to the first (ys keep the order of xs). */
  reverse?: boolean;
  /**
   * Steps per loop iteration (default 1): the body is traced this many times in a row, which
   * saves loop overhead for small bodies; `true` unrolls the whole loop. The results are the
   * same.
   */
  unroll?: number | boolean;
}

/**
 * Loops `f` over the leading axis of `xs`, threading a carry: for each step i,
 * `[carry, ys[i]] = f(carry, xs[i])`. The body is traced once (the loop is one equation in a
 * jaxpr however long it runs) and every transform applies: `grad` runs the loop backwards.
 *
 * @typeParam C The carry (a pytree of arrays).
 * @typeParam X The scanned inputs (a pytree of arrays sharing a leading axis, or null).
 * @typeParam Y The per-step outputs (a pytree of arrays, or null).
 * @param f `(carry, x) => [carry, y]`; the carry keeps its structure, shapes and dtypes.
 * @param init The initial carry.
 * @param xs The inputs, sliced along axis 0 (null with `length` for a loop without inputs).
 * @param options `length`, `reverse`.
 * @returns `[final carry, ys]`, the ys stacked along a new leading axis.
 *
 * @example
 * ```ts
 * import { lax, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * // running sum
 * const [total, sums] = lax.scan((c: np.NDArray, x: np.NDArray) => {
 *   const s = c.add(x);
 *   return [s, s];
 * }, np.array(0), np.array([1, 2, 3, 4]));
 * assert.equal(total.item(), 10);
 * assert.deepEqual(sums.toArray(), [1, 3, 6, 10]);
 * ```
 */
export function scan<C, X, Y>(
  f: (carry: C, x: X) => readonly [C, Y],
  init: C,
  xs: X,
  options: ScanOptions = {},
): [C, Y] {
  const name = "lax.scan";
  checkFunction(name, "the body f", f);
  checkOptions(name, options, ["length", "reverse", "unroll"]);
  const reverse = options.reverse ?? false;
  if (typeof reverse !== "boolean") {
    throw new TypeError(`${name}: reverse must be a boolean, got ${typeof reverse}.`);
  }
  const unroll = options.unroll ?? 1;
  if (typeof unroll !== "boolean" && (!Number.isInteger(unroll) || unroll < 1)) {
    throw new RangeError(`${name}: unroll must be a positive integer or a boolean, got ${unroll}.`);
  }
  const [carry, carryDef, carryPaths] = leavesOf(name, "the initial carry", init);
  const [xLeaves, xDef, xPaths] = leavesOf(name, "xs", xs);
  let length = options.length;
  if (length !== undefined && (!Number.isInteger(length) || length < 0)) {
    throw new RangeError(`${name}: length must be a non-negative integer, got ${length}.`);
  }
  xLeaves.forEach((x, i) => {
    if (x.ndim === 0) {
      throw new TypeError(
        `${name}: xs${xPaths[i]} is a scalar; every scanned array needs a leading axis to loop ` +
          `over.`,
      );
    }
    if (length === undefined) length = x.shape[0];
    else if (x.shape[0] !== length) {
      throw new TypeError(
        `${name}: xs${xPaths[i]} has shape ${fmtShape(x.shape)}, but the loop has length ` +
          `${length} (${
            options.length === undefined ? `from xs${xPaths[0]}` : "the length option"
          }` +
          `); every scanned array needs a leading axis of that length.`,
      );
    }
  });
  if (length === undefined) {
    throw new TypeError(`${name}: xs holds no arrays, so pass { length } to say how many steps.`);
  }
  const u = unroll === true ? Math.max(1, length) : unroll === false ? 1 : unroll;
  if (u > 1 && length >= u) return unrolledScan(f, init, xs, length, u, reverse);
  const carryAvals = carry.map(avalOf);
  const rowAvals = xLeaves.map((x) => ({ shape: x.shape.slice(1), dtype: x.dtype }));
  let yDef: TreeDef | undefined;
  const body = traceBody(name, (vs) => {
    const c = unflatten<C>(carryDef, vs.slice(0, carry.length));
    const x = unflatten<X>(xDef, vs.slice(carry.length));
    const r = f(c, x);
    if (!Array.isArray(r) || r.length !== 2) {
      throw new TypeError(`${name}: the body must return [carry, y], got ${describe(r)}.`);
    }
    const cOut = checkCarry(name, carryDef, carryAvals, carryPaths, r[0]);
    const [ys, yd] = leavesOf(name, "the body's output y", r[1]);
    yDef = yd;
    return [...cOut, ...ys];
  }, [...carryAvals, ...rowAvals]);
  const outs = bind("scan", [...body.consts, ...carry, ...xLeaves], {
    jaxpr: body.jaxpr,
    numConsts: body.consts.length,
    numCarry: carry.length,
    length,
    reverse,
  });
  return [
    unflatten<C>(carryDef, outs.slice(0, carry.length)),
    unflatten<Y>(yDef!, outs.slice(carry.length)),
  ];
}

/**
 * A scan of `length` steps as a scan over blocks of `u` steps, each block running the body
 * `u` times, plus a scan over the remaining steps (processed last: after the blocks going
 * forward, before them in reverse).
 */
function unrolledScan<C, X, Y>(
  f: (carry: C, x: X) => readonly [C, Y],
  init: C,
  xs: X,
  length: number,
  u: number,
  reverse: boolean,
): [C, Y] {
  const n = Math.floor(length / u), rem = length - n * u;
  // forward: blocks cover [0, n·u), the rest [n·u, length); reverse: the rest is [0, rem)
  const [bLo, rLo] = reverse ? [rem, 0] : [0, n * u];
  const rows = (x: NDArray, lo: number, hi: number) => x.slice([lo, hi]);
  const blocks = mapTree(
    xs,
    (x) => np.reshape(rows(x, bLo, bLo + n * u), [n, u, ...x.shape.slice(1)]),
  );
  const [c1, yBlocks] = scan(
    (c: C, xb: X) => {
      const ys: Y[] = new Array(u);
      for (let s = 0; s < u; s++) {
        const j = reverse ? u - 1 - s : s;
        const [next, y] = f(c, mapTree(xb, (x) => x.slice(j)) as X);
        c = next;
        ys[j] = y;
      }
      return [c, stackTrees(ys)] as const;
    },
    init,
    blocks as X,
    { length: n, reverse },
  );
  const yMain = mapTree(yBlocks, (y) => np.reshape(y, [n * u, ...y.shape.slice(2)])) as Y;
  if (rem === 0) return [c1, yMain];
  const [c2, yRest] = scan(f, c1, mapTree(xs, (x) => rows(x, rLo, rLo + rem)) as X, {
    length: rem,
    reverse,
  });
  const parts = reverse ? [yRest, yMain] : [yMain, yRest];
  return [c2, zipTrees(parts[0], parts[1], (a, b) => np.concatenate([a, b], 0)) as Y];
}

const mapTree = (t: unknown, fn: (x: NDArray) => NDArray): unknown => {
  const [leaves, def] = flatten(t);
  return unflatten(def, leaves.map(fn));
};
const zipTrees = (a: unknown, b: unknown, fn: (x: NDArray, y: NDArray) => NDArray) => {
  const [la, def] = flatten(a);
  const [lb] = flatten(b);
  return unflatten(def, la.map((x, i) => fn(x, lb[i])));
};
function stackTrees<Y>(ys: Y[]): Y {
  const [first, def] = flatten(ys[0]);
  const all = ys.map((y) => flatten(y)[0]);
  return unflatten<Y>(def, first.map((_, k) => np.stack(all.map((l) => asArray(l[k])))));
}
const asArray = (x: unknown) => (x instanceof NDArray ? x : np.array(x as number));

/**
 * Applies `f` to each slice of `xs` along axis 0 and stacks the results (a `scan` without a
 * carry: one slice at a time, unlike `vmap`).
 *
 * @typeParam X The inputs (a pytree of arrays sharing a leading axis).
 * @typeParam Y The outputs (a pytree of arrays).
 * @param f The function of one slice.
 * @param xs The inputs.
 * @returns The outputs, stacked along a new leading axis.
 *
 * @example
 * ```ts
 * import { lax, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const norms = lax.map((row: np.NDArray) => row.square().sum(), np.array([[1, 2], [3, 4]]));
 * assert.deepEqual(norms.toArray(), [5, 25]);
 * ```
 */
export function map<X, Y>(f: (x: X) => Y, xs: X): Y {
  checkFunction("lax.map", "f", f);
  return scan((c: null, x: X) => [c, f(x)] as const, null, xs)[1];
}

// ---- cond and switch -------------------------------------------------------------------

function branchCall(
  name: string,
  index: NDArray,
  branches: readonly ((...ops: never[]) => unknown)[],
  operands: readonly unknown[],
): unknown {
  branches.forEach((b, i) => checkFunction(name, `branch ${i}`, b));
  const [ops, opsDef] = leavesOf(name, "operand", operands);
  const avals = ops.map(avalOf);
  let outDef: TreeDef | undefined, outAvals: Aval[] = [], outPaths: string[] = [];
  const traced = branches.map((br, b) =>
    traceBody(name, (vs) => {
      const args = unflatten<unknown[]>(opsDef, vs);
      const [leaves, def, paths] = leavesOf(
        name,
        `the output of branch ${b}`,
        br(...args as never[]),
      );
      if (outDef === undefined) {
        [outDef, outAvals, outPaths] = [def, leaves.map(avalOf), paths];
      } else if (!def.equals(outDef)) {
        throw new TypeError(
          `${name}: every branch must return the same structure; branch 0 returns ${outDef} ` +
            `but branch ${b} returns ${def}.`,
        );
      } else {
        leaves.forEach((l, i) => {
          if (!sameAval(avalOf(l), outAvals[i])) {
            throw new TypeError(
              `${name}: the branches disagree on output${outPaths[i] || paths[i]}: branch 0 ` +
                `returns ${fmtAval(outAvals[i])} but branch ${b} returns ${fmtAval(avalOf(l))}; ` +
                `every branch must return the same shapes and dtypes.`,
            );
          }
        });
      }
      return leaves;
    }, avals)
  );
  // every branch takes every branch's captured values, then the operands
  const { jaxprs, consts } = shareConsts(traced);
  const outs = bind("cond", [index, ...consts, ...ops], { branches: jaxprs });
  return unflatten(outDef!, outs);
}

/**
 * Runs `trueFn(...operands)` when `pred` holds and `falseFn(...operands)` otherwise, also on
 * a traced predicate (under `jit`; under `vmap` with a batched predicate both branches run and
 * each example takes its own). Both branches must return the same structure, shapes and dtypes.
 *
 * @typeParam A The operand types (pytrees of arrays).
 * @typeParam R The result type.
 * @param pred A boolean scalar (an array or a JS boolean).
 * @param trueFn The branch taken when `pred` is true.
 * @param falseFn The branch taken otherwise.
 * @param operands The arguments of the branch.
 * @returns The taken branch's result.
 *
 * @example
 * ```ts
 * import { jit, lax, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const safeLog = jit((x: np.NDArray) =>
 *   lax.cond(x.greater(0), (v: np.NDArray) => v.log(), (v: np.NDArray) => v.mul(0), x)
 * );
 * assert.equal(safeLog(np.array(1)).item(), 0);
 * assert.equal(safeLog(np.array(-1)).item(), -0);
 * ```
 */
export function cond<A extends unknown[], R>(
  pred: NDArray | boolean,
  trueFn: (...operands: A) => R,
  falseFn: (...operands: A) => R,
  ...operands: A
): R {
  const p = typeof pred === "boolean" ? np.array(pred) : pred;
  if (!(p instanceof NDArray) || p.dtype !== "bool" || p.ndim !== 0) {
    throw new TypeError(
      `lax.cond: the predicate must be a boolean scalar, got ${
        p instanceof NDArray ? fmtAval(avalOf(p)) : typeof pred
      }. Compare to get one (e.g. x.greater(0)).`,
    );
  }
  const index = p.astype("int32");
  return branchCall("lax.cond", index, [falseFn, trueFn], operands) as R;
}

/**
 * Runs `branches[index](...operands)`; an index out of range is clamped to the first or last
 * branch (as in JAX). Works on a traced index (under `jit` and `vmap`).
 *
 * @typeParam A The operand types (pytrees of arrays).
 * @typeParam R The result type.
 * @param index An int32 scalar array or a JS integer.
 * @param branches The functions to choose from (at least one).
 * @param operands The arguments of the branch.
 * @returns The chosen branch's result.
 *
 * @example
 * ```ts
 * import { lax, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const fs = [(x: np.NDArray) => x.add(1), (x: np.NDArray) => x.mul(10)];
 * assert.equal(lax.switch(np.array(1, { dtype: "int32" }), fs, np.array(2)).item(), 20);
 * ```
 */
export function switchBranch<A extends unknown[], R>(
  index: NDArray | number,
  branches: readonly ((...operands: A) => R)[],
  ...operands: A
): R {
  const name = "lax.switch";
  if (!Array.isArray(branches) || branches.length === 0) {
    throw new TypeError(`${name}: branches must be a non-empty array of functions.`);
  }
  let i: NDArray;
  if (typeof index === "number") {
    if (!Number.isInteger(index) || index < 0 || index >= branches.length) {
      throw new RangeError(
        `${name}: index ${index} is not an integer in [0, ${branches.length}) for ` +
          `${branches.length} branch(es).`,
      );
    }
    i = np.array(index, { dtype: "int32" });
  } else if (index instanceof NDArray && index.dtype === "int32" && index.ndim === 0) i = index;
  else {
    throw new TypeError(
      `${name}: the index must be an int32 scalar (or a JS integer), got ${
        index instanceof NDArray ? fmtAval(avalOf(index)) : typeof index
      }. Convert with astype("int32").`,
    );
  }
  return branchCall(name, i, branches, operands) as R;
}

// ---- while and fori loops ---------------------------------------------------------------

/**
 * Repeats `carry = bodyFn(carry)` while `condFn(carry)` holds. The number of steps is found
 * at run time, so reverse-mode differentiation is not possible (use `foriLoop` with number
 * bounds or `scan`); forward mode, `vmap` (a batched condition runs until every example is
 * done) and `jit` work.
 *
 * @typeParam C The carry (a pytree of arrays).
 * @param condFn Returns a boolean scalar array.
 * @param bodyFn Returns the next carry, with the same structure, shapes and dtypes.
 * @param init The initial carry.
 * @returns The final carry.
 *
 * @example
 * ```ts
 * import { lax, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * // the first power of two above 1000
 * const p = lax.whileLoop((x: np.NDArray) => x.lessEqual(1000), (x: np.NDArray) => x.mul(2), np.array(1));
 * assert.equal(p.item(), 1024);
 * ```
 */
export function whileLoop<C>(condFn: (carry: C) => NDArray, bodyFn: (carry: C) => C, init: C): C {
  const name = "lax.whileLoop";
  checkFunction(name, "condFn", condFn);
  checkFunction(name, "bodyFn", bodyFn);
  const [carry, def, paths] = leavesOf(name, "the initial carry", init);
  const avals = carry.map(avalOf);
  const condJ = traceBody(name, (vs) => {
    const p = condFn(unflatten<C>(def, vs));
    if (!(p instanceof NDArray) || p.dtype !== "bool" || p.ndim !== 0) {
      throw new TypeError(
        `${name}: condFn must return a boolean scalar array, got ${
          p instanceof NDArray ? fmtAval(avalOf(p)) : typeof p
        }. Compare to get one (e.g. i.less(n)).`,
      );
    }
    return [p];
  }, avals);
  const bodyJ = traceBody(
    name,
    (vs) => checkCarry(name, def, avals, paths, bodyFn(unflatten<C>(def, vs))),
    avals,
  );
  const outs = bind("while_loop", [...condJ.consts, ...bodyJ.consts, ...carry], {
    cond: condJ.jaxpr,
    body: bodyJ.jaxpr,
    condNumConsts: condJ.consts.length,
    bodyNumConsts: bodyJ.consts.length,
  });
  return unflatten<C>(def, outs);
}

/**
 * `for (i = lower; i < upper; i++) val = bodyFn(i, val)`, with `i` an integer scalar array.
 * With number bounds the loop is a `scan` of `upper - lower` steps, so it is
 * reverse-differentiable, and `i` is int32; with array bounds it is a `whileLoop` (forward mode
 * only), and `i` has the bounds' integer dtype (any: int8 … uint32), as with JAX's traced bounds.
 *
 * @typeParam C The carried value (a pytree of arrays).
 * @param lower The first index (a JS integer or an integer scalar array).
 * @param upper One past the last index (as `lower`; two arrays must share their dtype).
 * @param bodyFn `(i, val) => val`.
 * @param init The initial value.
 * @returns The final value.
 *
 * @example
 * ```ts
 * import { grad, lax, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * // x^8 by three squarings, differentiated through the loop
 * const pow8 = (x: np.NDArray) => lax.foriLoop(0, 3, (_i, v: np.NDArray) => v.mul(v), x);
 * assert.equal(pow8(np.array(2)).item(), 256);
 * assert.equal(grad(pow8)(np.array(1)).item(), 8);
 * ```
 */
export function foriLoop<C>(
  lower: number | NDArray,
  upper: number | NDArray,
  bodyFn: (i: NDArray, val: C) => C,
  init: C,
): C {
  const name = "lax.foriLoop";
  checkFunction(name, "bodyFn", bodyFn);
  const bound = (b: number | NDArray, what: string): NDArray | number => {
    if (typeof b === "number") {
      if (!Number.isInteger(b)) {
        throw new RangeError(`${name}: ${what} must be an integer, got ${b}.`);
      }
      return b;
    }
    if (b instanceof NDArray && isInteger(b.dtype) && b.ndim === 0) return b;
    throw new TypeError(
      `${name}: ${what} must be a JS integer or an integer scalar array, got ${
        b instanceof NDArray ? fmtAval(avalOf(b)) : typeof b
      }.`,
    );
  };
  const lo = bound(lower, "lower"), hi = bound(upper, "upper");
  if (lo instanceof NDArray && hi instanceof NDArray && lo.dtype !== hi.dtype) {
    throw new TypeError(
      `${name}: lower and upper must have the same dtype, got ${lo.dtype} and ${hi.dtype} ` +
        `(JAX raises too). Convert one with .astype(), or pass a JS integer for it.`,
    );
  }
  if (typeof lo === "number" && typeof hi === "number") {
    const [[, out]] = scan(
      ([i, v]: [NDArray, C]) =>
        [[i.add(np.array(1, { dtype: "int32" })), bodyFn(i, v)] as [NDArray, C], null] as const,
      [np.array(lo, { dtype: "int32" }), init] as [NDArray, C],
      null,
      { length: Math.max(0, hi - lo) },
    );
    return out;
  }
  // a JS integer takes the array bound's dtype (a weak type in JAX), if it fits
  const dtype = (lo instanceof NDArray ? lo : hi as NDArray).dtype;
  const int = (b: number | NDArray, what: string) => {
    if (typeof b !== "number") return b;
    try {
      return np.array(b, { dtype });
    } catch {
      throw new RangeError(`${name}: ${what} ${b} does not fit the other bound's dtype ${dtype}.`);
    }
  };
  const one = np.array(1, { dtype });
  const [, , out] = whileLoop(
    ([i, n]: [NDArray, NDArray, C]) => i.less(n),
    ([i, n, v]: [NDArray, NDArray, C]) => [i.add(one), n, bodyFn(i, v)] as [NDArray, NDArray, C],
    [int(lo, "lower"), int(hi, "upper"), init] as [NDArray, NDArray, C],
  );
  return out;
}
