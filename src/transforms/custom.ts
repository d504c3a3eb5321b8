/**
 * Custom derivative rules and rematerialisation (JAX's `custom_jvp`, `custom_vjp`,
 * `checkpoint`): replace how a function is differentiated without changing what it computes.
 *
 * - `customJvp(f).defjvp(rule)`: forward mode (and through it reverse mode) uses `rule`;
 *   the tangent half of the rule must be linear in the tangents, as in JAX.
 * - `customVjp(f).defvjp(fwd, bwd)`: reverse mode runs `fwd` (outputs and residuals) and
 *   `bwd(residuals, cotangent)`; differentiating twice differentiates `fwd` and `bwd`. Forward
 *   mode is an error, as in JAX.
 * - `checkpoint(f, { policy })`: reverse mode keeps only `f`'s inputs (and, with
 *   "dots_saveable", its matmul results) and recomputes the rest in the backward pass.
 *
 * Each traces its functions once per call into jaxprs and binds one primitive, so `jit`,
 * `vmap`, `grad` and the worker pool handle them like any other operation.
 *
 * @module
 */
import { avalOf, bind, fmtAval } from "../core/_trace.ts";
import { LazyJaxpr } from "../core/_ir.ts";
import type { Aval } from "../core/_aval.ts";
import { traceToJaxpr } from "../interpreters/_staging.ts";
import { NDArray } from "../core/_ndarray.ts";
import { normalizeArgnums } from "../core/_args.ts";
import { flatten, type TreeDef, unflatten } from "../core/tree.ts";
import * as np from "../numpy/numpy.ts";
import {
  checkFunction,
  checkOptions,
  describe,
  leavesOf,
  sameAval,
  traceBody,
} from "./_tracing.ts";

/**
 * A rule traced on first use (it may call the function it belongs to): a program that takes
 * the function's captured values first (unused: the rule captures what it needs itself), then
 * inputs of `avals`.
 */
function lazyTrace(
  name: string,
  leading: readonly NDArray[],
  avals: () => Aval[],
  f: (xs: NDArray[]) => NDArray[],
): LazyJaxpr {
  const lead = leading.map(avalOf);
  return new LazyJaxpr(() =>
    traceToJaxpr(name, (xs) => f(xs.slice(lead.length)), [...lead, ...avals()])
  );
}

/** Options of `customJvp` and `customVjp`. */
export interface CustomOptions {
  /**
   * Arguments that are not differentiated (static settings, functions, flags): passed to the
   * function and the rules as they are; their tangents are `null`.
   */
  nondiffArgnums?: number | readonly number[];
}

/** A function with a custom JVP rule (see `customJvp`). */
export interface CustomJvpFunction<A extends unknown[], R> {
  /** Calls the function. */
  (...args: A): R;
  /**
   * Sets the rule: `rule(primals, tangents)` returns `[f(...primals), tangent of the output]`
   * (`tangents` has `null` at the non-differentiated arguments).
   */
  defjvp(rule: (primals: A, tangents: A) => readonly [R, R]): CustomJvpFunction<A, R>;
}

/** A function with custom forward and backward functions (see `customVjp`). */
export interface CustomVjpFunction<A extends unknown[], R> {
  /** Calls the function. */
  (...args: A): R;
  /**
   * Sets the rule: `fwd(...args)` returns `[f(...args), residuals]` and
   * `bwd(residuals, cotangent)` returns one cotangent per argument (`null` for a
   * non-differentiated argument, or for a zero cotangent). The residuals are a pytree: its
   * arrays are saved for the backward pass, its other leaves (numbers, functions, settings,
   * e.g. a non-differentiated argument) reach `bwd` as they are.
   */
  defvjp<Res>(
    fwd: (...args: A) => readonly [R, Res],
    bwd: (residuals: Res, cotangent: R) => readonly unknown[],
  ): CustomVjpFunction<A, R>;
}

/** Splits the arguments into the differentiated leaves and a function rebuilding the call. */
function splitArgs(name: string, args: unknown[], options: CustomOptions) {
  const nondiff = new Set(
    normalizeArgnums(name, options.nondiffArgnums ?? [], args.length, "nondiffArgnums"),
  );
  const diff = args.map((_, i) => i).filter((i) => !nondiff.has(i));
  const [leaves, def] = leavesOf(name, "argument", diff.map((i) => args[i]));
  const rebuild = (xs: readonly unknown[], fill?: null) => {
    const parts = unflatten<unknown[]>(def, xs);
    const out = fill === null ? args.map(() => null as unknown) : args.slice();
    diff.forEach((n, k) => (out[n] = parts[k]));
    return out;
  };
  return { leaves, def, diff, avals: leaves.map(avalOf), rebuild };
}

/** Checks a returned tree against the expected structure and avals; returns its leaves. */
function matching(
  name: string,
  what: string,
  tree: unknown,
  def: TreeDef,
  avals: readonly Aval[],
): NDArray[] {
  const [leaves, d, paths] = leavesOf(name, what, tree);
  if (!d.equals(def)) {
    throw new TypeError(`${name}: ${what} has structure ${d}, expected ${def}.`);
  }
  leaves.forEach((l, i) => {
    if (!sameAval(avalOf(l), avals[i])) {
      throw new TypeError(
        `${name}: ${what}${paths[i]} is ${fmtAval(avalOf(l))}, expected ${fmtAval(avals[i])}.`,
      );
    }
  });
  return leaves;
}

/**
 * Gives `f` a custom forward-mode derivative rule, used by `jvp` and (through linearize and
 * transposition) by `grad`/`vjp`. Use it where the autodiff of `f`'s own operations is
 * inaccurate or undefined, e.g. a derivative that should stay finite at 0.
 *
 * @typeParam A The argument types.
 * @typeParam R The result type (a pytree of arrays).
 * @param f The function.
 * @param options `nondiffArgnums`.
 * @returns `f` with a `defjvp(rule)` method (call it before calling the function).
 *
 * @example
 * ```ts
 * import { customJvp, grad, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * // log(1 + e^x) with the derivative σ(x): finite where autodiff of e^x overflows to inf/inf
 * const softplus = customJvp((x: np.NDArray) => x.exp().log1p()).defjvp(
 *   ([x], [t]) => [softplus(x), t.mul(x.sigmoid())],
 * );
 * assert.equal(grad((x: np.NDArray) => softplus(x))(np.array(1000)).item(), 1);
 * ```
 */
export function customJvp<A extends unknown[], R>(
  f: (...args: A) => R,
  options: CustomOptions = {},
): CustomJvpFunction<A, R> {
  const name = "customJvp";
  checkFunction(name, "f", f);
  checkOptions(name, options, ["nondiffArgnums"]);
  let rule: ((primals: A, tangents: A) => readonly [R, R]) | undefined;
  const call = (...args: A): R => {
    if (!rule) {
      throw new TypeError(`${name}: no JVP rule yet; define one with .defjvp(rule) first.`);
    }
    const r = rule;
    const { leaves, avals, rebuild } = splitArgs(name, args, options);
    let outDef: TreeDef | undefined, outAvals: Aval[] = [];
    const fun = traceBody(name, (xs) => {
      const [ls, d] = leavesOf(name, "the output", f(...rebuild(xs) as A));
      [outDef, outAvals] = [d, ls.map(avalOf)];
      return ls;
    }, avals);
    const jvp = lazyTrace(name, fun.consts, () => [...avals, ...avals], (xs) => {
      const n = avals.length;
      const res = r(rebuild(xs.slice(0, n)) as A, rebuild(xs.slice(n), null) as A);
      if (!Array.isArray(res) || res.length !== 2) {
        throw new TypeError(
          `${name}: the rule must return [output, tangent of the output], got ${describe(res)}.`,
        );
      }
      return [
        ...matching(name, "the rule's output", res[0], outDef!, outAvals),
        ...matching(name, "the rule's tangent", res[1], outDef!, outAvals),
      ];
    });
    const outs = bind("custom_jvp_call", [...fun.consts, ...leaves], {
      fun: fun.jaxpr,
      jvp,
      numConsts: fun.consts.length,
    });
    return unflatten<R>(outDef!, outs);
  };
  const out = call as CustomJvpFunction<A, R>;
  out.defjvp = (jvpRule) => {
    checkFunction(name, "the rule", jvpRule);
    rule = jvpRule;
    return out;
  };
  return out;
}

/**
 * Gives `f` custom reverse-mode derivatives: `fwd` computes the output and residuals, `bwd`
 * maps the residuals and the output's cotangent to one cotangent per argument. Used by
 * `grad`/`vjp`; forward mode (`jvp`) of the function is an error, as in JAX.
 *
 * @typeParam A The argument types.
 * @typeParam R The result type (a pytree of arrays).
 * @param f The function.
 * @param options `nondiffArgnums`.
 * @returns `f` with a `defvjp(fwd, bwd)` method (call it before calling the function).
 *
 * @example
 * ```ts
 * import { customVjp, grad, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * // identity whose backward pass clips the gradient to [-1, 1]
 * const clipGrad = customVjp((x: np.NDArray) => x).defvjp(
 *   (x) => [x, null],
 *   (_res, g) => [g.clip(-1, 1)],
 * );
 * assert.equal(grad((x: np.NDArray) => clipGrad(x).mul(5))(np.array(2)).item(), 1);
 * ```
 */
export function customVjp<A extends unknown[], R>(
  f: (...args: A) => R,
  options: CustomOptions = {},
): CustomVjpFunction<A, R> {
  const name = "customVjp";
  checkFunction(name, "f", f);
  checkOptions(name, options, ["nondiffArgnums"]);
  let fwdFn: ((...args: A) => readonly [R, unknown]) | undefined;
  let bwdFn: ((res: unknown, ct: R) => readonly unknown[]) | undefined;
  const call = (...args: A): R => {
    if (!fwdFn || !bwdFn) {
      throw new TypeError(`${name}: no rule yet; define one with .defvjp(fwd, bwd) first.`);
    }
    const [fwdF, bwdF] = [fwdFn, bwdFn];
    const { leaves, avals, rebuild, diff } = splitArgs(name, args, options);
    let outDef: TreeDef | undefined, outAvals: Aval[] = [];
    const fun = traceBody(name, (xs) => {
      const [ls, d] = leavesOf(name, "the output", f(...rebuild(xs) as A));
      [outDef, outAvals] = [d, ls.map(avalOf)];
      return ls;
    }, avals);
    let resDef: TreeDef | undefined, resAvals: Aval[] = [], resLeaves: unknown[] = [];
    const fwd = lazyTrace(name, fun.consts, () => avals, (xs) => {
      const r = fwdF(...rebuild(xs) as A);
      if (!Array.isArray(r) || r.length !== 2) {
        throw new TypeError(`${name}: fwd must return [output, residuals], got ${describe(r)}.`);
      }
      const out = matching(name, "fwd's output", r[0], outDef!, outAvals);
      // array leaves of the residuals are saved; other leaves (numbers, functions,
      // settings) reach bwd as they are
      const [leaves, d] = flatten(r[1]);
      resLeaves = leaves;
      const res = leaves.filter((l) => l instanceof NDArray);
      [resDef, resAvals] = [d, res.map(avalOf)];
      return [...out, ...res];
    });
    const argDefs = diff.map((i) => flatten(args[i])[1]);
    const bwdAvals = () => (fwd.jaxpr, [...resAvals, ...outAvals]);
    const bwd = lazyTrace(name, fun.consts, bwdAvals, (xs) => {
      let j = 0;
      const res = unflatten(
        resDef!,
        resLeaves.map((l) => (l instanceof NDArray ? xs[j++] : l)),
      );
      const r = bwdF(res, unflatten<R>(outDef!, xs.slice(resAvals.length)));
      if (!Array.isArray(r) || r.length !== args.length) {
        throw new TypeError(
          `${name}: bwd must return an array with one cotangent per argument (${args.length}), ` +
            `got ${describe(r)}.`,
        );
      }
      let k = 0;
      return diff.flatMap((i, j) => {
        const want = avals.slice(k, k += argDefs[j].numLeaves);
        if (r[i] === null || r[i] === undefined) {
          return want.map((a) => np.zeros(a.shape, { dtype: a.dtype }));
        }
        return matching(name, `bwd's cotangent ${i}`, r[i], argDefs[j], want);
      });
    });
    const outs = bind("custom_vjp_call", [...fun.consts, ...leaves], {
      fun: fun.jaxpr,
      fwd,
      bwd,
      numConsts: fun.consts.length,
    });
    return unflatten<R>(outDef!, outs);
  };
  const out = call as CustomVjpFunction<A, R>;
  out.defvjp = (fwd, bwd) => {
    checkFunction(name, "fwd", fwd);
    checkFunction(name, "bwd", bwd);
    fwdFn = fwd as (...args: A) => readonly [R, unknown];
    bwdFn = bwd as (res: unknown, ct: R) => readonly unknown[];
    return out;
  };
  return out;
}

/** Options of `checkpoint`. */
export interface CheckpointOptions {
  /**
   * What the backward pass may keep from the forward pass: "nothing_saveable" (the default:
   * only the inputs; everything else is recomputed) or "dots_saveable" (also the matmul
   * results, the costly part to recompute).
   */
  policy?: "nothing_saveable" | "dots_saveable";
}

/**
 * Rematerialisation: under reverse mode, `f`'s intermediates are recomputed in the backward
 * pass instead of being stored between the forward and backward passes, trading compute for
 * memory (JAX's `checkpoint`/`remat`). The value and the gradients are unchanged.
 *
 * @typeParam A The argument types (pytrees of arrays).
 * @typeParam R The result type (a pytree of arrays).
 * @param f The function.
 * @param options `policy`.
 * @returns The same function, checkpointed.
 *
 * @example
 * ```ts
 * import { checkpoint, grad, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const block = checkpoint((x: np.NDArray) => x.sin().sin().sin());
 * const g = grad((x: np.NDArray) => block(x).sum())(np.array([0.5]));
 * const ref = grad((x: np.NDArray) => x.sin().sin().sin().sum())(np.array([0.5]));
 * assert.deepEqual(g.toArray(), ref.toArray());
 * ```
 */
export function checkpoint<A extends unknown[], R>(
  f: (...args: A) => R,
  options: CheckpointOptions = {},
): (...args: A) => R {
  const name = "checkpoint";
  checkFunction(name, "f", f);
  checkOptions(name, options, ["policy"]);
  const policy = options.policy ?? "nothing_saveable";
  if (policy !== "nothing_saveable" && policy !== "dots_saveable") {
    throw new TypeError(
      `${name}: policy must be "nothing_saveable" or "dots_saveable", got ${String(policy)}.`,
    );
  }
  return (...args: A): R => {
    const [leaves, def] = leavesOf(name, "argument", args);
    let outDef: TreeDef | undefined;
    const body = traceBody(name, (xs) => {
      const [ls, d] = leavesOf(name, "the output", f(...unflatten<A>(def, xs)));
      outDef = d;
      return ls;
    }, leaves.map(avalOf));
    const outs = bind("checkpoint", [...body.consts, ...leaves], { jaxpr: body.jaxpr, policy });
    return unflatten<R>(outDef!, outs);
  };
}

/** Another name of `checkpoint`, as in JAX. */
export const remat: typeof checkpoint = checkpoint;
