/**
 * The differentiation transforms, derived from one another as in Autodidax:
 *
 * - `jvp` runs the function under the JVP interpreter;
 * - `linearize` is JVP with the tangents staged: the primal work runs now,
 *   the tangent work is recorded as a linear jaxpr;
 * - `vjp` is `linearize` followed by transposing that jaxpr;
 * - `grad` and `valueAndGrad` are `vjp` with a cotangent of 1.
 *
 * All of them take and return pytrees and nest to any depth.
 *
 * @module
 */
import { avalOf, fmtAval, withMain } from "../core/_trace.ts";
import { isFloat } from "../core/_dtype.ts";
import { evalJaxpr } from "../core/_trace.ts";
import type { Jaxpr } from "../core/_ir.ts";
import { StagingTrace } from "../interpreters/_staging.ts";
import { jvpFlat, JVPTracer, lowerTo, withJvp } from "../interpreters/_jvp.ts";
import * as lax from "../core/_lax.ts";
import { NDArray } from "../core/_ndarray.ts";
import { fmtShape, shapesEqual } from "../core/_shape.ts";
import { backwardPass } from "../interpreters/_transpose.ts";
import { type LiftArgs, liftArgs, type NestedNumbers } from "../core/_lift.ts";
import { flatten, type TreeDef, unflatten } from "../core/tree.ts";

import {
  type Argnums,
  checkDifferentiable,
  checkFunction,
  gradOptions,
  normalizeArgnums,
  outputArrays,
} from "../core/_args.ts";
import { show } from "../core/_validate.ts";
export type { Argnums };

/** The gradient type for arguments `A` and `argnums` `N`: the argument's own type, or a tuple of them. */
export type GradsOf<A extends readonly unknown[], N extends Argnums> = N extends number
  ? Exclude<A[N], NestedNumbers | boolean>
  : { -readonly [K in keyof N]: Exclude<A[N[K] & number], NestedNumbers | boolean> };

/** Options of `grad` and `valueAndGrad`. */
export interface GradOptions<N extends Argnums = Argnums, H extends boolean = boolean> {
  /** Positional argument(s) to differentiate with respect to; 0 by default. */
  argnums?: N;
  /** The function returns `[value, aux]`; `aux` is passed through undifferentiated. */
  hasAux?: H;
}

// ---- flat cores ---------------------------------------------------------------------

interface Linearized {
  outs: NDArray[];
  jaxpr: Jaxpr;
  aux: unknown;
}

/**
 * linearize = JVP + partial evaluation. A staging trace is pushed below a JVP
 * trace; the input tangents are staging tracers, so every tangent operation is
 * recorded while every primal operation (which never touches a tangent) runs
 * at the levels below. The recording is the linear map x ↦ J x.
 *
 * Integer and bool inputs have no derivative (JAX gives them float0 tangents):
 * they keep a staged argument, so the linear map takes one tangent per input,
 * but enter the JVP with a symbolic zero tangent, so nothing reads it; integer
 * and bool outputs get zero tangents likewise.
 */
function linearizeFlat(
  name: string,
  f: (xs: NDArray[]) => { outs: NDArray[]; aux?: unknown },
  primals: readonly NDArray[],
): Linearized {
  return withMain(name, (main) => new StagingTrace(main), (staging) => {
    const tangentsIn = primals.map((p) => staging.newArg(avalOf(p)));
    const { outs, tangentsOut, aux } = withJvp(name, (jvp) => {
      const r = f(
        primals.map((p, i) => new JVPTracer(jvp, p, isFloat(p.dtype) ? tangentsIn[i] : null)),
      );
      const tracers = r.outs.map((o) => lowerTo(jvp, o));
      // aux is not differentiated: keep the primal of anything this JVP traced
      const aux = r.aux === undefined
        ? undefined
        : mapLeaves(r.aux, (leaf) =>
          leaf instanceof JVPTracer && leaf._trace === jvp ? leaf.primal : leaf);
      return {
        outs: tracers.map((t) => t.primal),
        tangentsOut: tracers.map((t) =>
          (isFloat(t.aval.dtype) ? t.tangent : null) ?? lax.zerosLike(t.aval)
        ),
        aux,
      };
    });
    return { outs, aux, jaxpr: staging.build(tangentsIn, tangentsOut) };
  });
}

function mapLeaves(tree: unknown, f: (leaf: unknown) => unknown): unknown {
  const [leaves, def] = flatten(tree);
  return unflatten(def, leaves.map(f));
}

// ---- argument handling -------------------------------------------------------------

/** Replaces the arguments at `nums` by the pytrees rebuilt from `leaves`. */
function withArgs(args: readonly unknown[], nums: number[], def: TreeDef, leaves: NDArray[]) {
  const parts = unflatten<unknown[]>(def, leaves);
  const out = args.slice();
  nums.forEach((n, i) => (out[n] = parts[i]));
  return out;
}

function checkCotangents(
  name: string,
  outs: readonly NDArray[],
  cts: readonly NDArray[],
  what = "cotangent",
  against = "output",
): void {
  outs.forEach((o, i) => {
    const c = cts[i];
    if (!(c instanceof NDArray) || !shapesEqual(c.shape, o.shape) || c.dtype !== o.dtype) {
      throw new TypeError(
        `${name}: ${what} ${i} must match the ${against} ${fmtAval(avalOf(o))}, got ` +
          `${c instanceof NDArray ? fmtAval(avalOf(c)) : String(c)}` +
          `${
            isFloat(o.dtype) ? "" : ` (an integer or bool ${against} takes zeros of its own ` +
              `dtype, where JAX takes float0)`
          }.`,
      );
    }
  });
}

// ---- public transforms --------------------------------------------------------------

/**
 * Forward-mode derivative: evaluates `f` at `primals` and its directional
 * derivative along `tangents` (a Jacobian-vector product, J·v).
 *
 * @typeParam A The argument types (each a pytree of arrays).
 * @typeParam R The output type (a pytree of arrays).
 * @param f The function to differentiate.
 * @param primals The point, one entry per argument of `f`.
 * @param tangents The direction, with the same structure, shapes and dtypes as `primals`.
 *   Integer and bool primals have no derivative: JAX gives them float0 tangents, which
 *   difftrace lacks, so they take zeros of their own dtype (`np.zerosLike(i)`), whose values
 *   are not read; integer and bool outputs get zero tangents of their dtype likewise.
 * @returns `[f(...primals), J·tangents]`.
 *
 * @example
 * ```ts
 * import { jvp, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const [y, dy] = jvp((x: np.NDArray) => x.tanh(), [np.array(0.5)], [np.array(1)]);
 * assert.ok(Math.abs((dy.item() as number) - (1 - Math.tanh(0.5) ** 2)) < 1e-6);
 * assert.ok(Math.abs((y.item() as number) - Math.tanh(0.5)) < 1e-6);
 *
 * // an int32 argument is held fixed: its tangent is int32 zeros (JAX's float0)
 * const n = np.array([3], { dtype: "int32" });
 * const [, dz] = jvp((x: np.NDArray, n: np.NDArray) => x.mul(n), [np.array([2]), n], [
 *   np.array([1]),
 *   np.zerosLike(n),
 * ]);
 * assert.deepEqual(dz.toArray(), [3]);
 * ```
 */
export function jvp<A extends readonly unknown[], R>(
  f: (...args: A) => R,
  primals: A,
  tangents: A,
): [R, R] {
  checkFunction("jvp", f);
  for (const [what, v] of [["primals", primals], ["tangents", tangents]] as const) {
    if (!Array.isArray(v)) {
      throw new TypeError(
        `jvp: ${what} must be a list with one entry per argument of f, got ${show(v)}` +
          `${v instanceof NDArray ? ` (wrap it: [${what.slice(0, -1)}])` : ""}.`,
      );
    }
  }
  const [pLeaves, pDef] = flatten(liftArgs(primals));
  const [tLeaves, tDef] = flatten(liftArgs(tangents));
  if (!pDef.equals(tDef)) {
    throw new TypeError(`jvp: tangents have structure ${tDef} but primals have ${pDef}.`);
  }
  checkDifferentiable("jvp", pLeaves, pDef, true);
  checkCotangents("jvp", pLeaves, tLeaves, "tangent", "primal");
  // an integer or bool primal's tangent (zeros of its dtype, JAX's float0) is not read
  const tangentsIn = tLeaves.map((t, i) => isFloat(pLeaves[i].dtype) ? t : null);
  let outDef: TreeDef | undefined;
  const [outs, touts] = jvpFlat(
    (xs) => {
      const [o, d] = flatten(
        (f as unknown as (...a: unknown[]) => unknown)(...unflatten<unknown[]>(pDef, xs)),
      );
      outDef = d;
      return outputArrays("jvp", o);
    },
    pLeaves,
    tangentsIn,
  );
  return [
    unflatten<R>(outDef!, outs),
    unflatten<R>(
      outDef!,
      touts.map((t, i) => (isFloat(outs[i].dtype) ? t : null) ?? lax.zerosLike(avalOf(outs[i]))),
    ),
  ];
}

/**
 * Linearizes `f` at `primals`: returns `f(...primals)` and the linear function
 * `tangents ↦ J·tangents`, which can be applied many times without re-running `f`.
 *
 * @typeParam A The argument types (pytrees of arrays).
 * @typeParam R The output type.
 * @param f The function.
 * @param primals The point to linearize at; integer and bool arrays are held fixed, and `fJvp`
 *   takes zeros of their dtype as their tangents (JAX's float0), as `jvp` does.
 * @returns `[f(...primals), fJvp]`.
 *
 * @example
 * ```ts
 * import { linearize, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const [y, fJvp] = linearize((x: np.NDArray) => x.sin(), np.array(0));
 * assert.equal(y.item(), 0);
 * assert.equal(fJvp(np.array(2)).item(), 2); // cos(0) * 2
 * ```
 */
export function linearize<A extends readonly unknown[], R>(
  f: (...args: A) => R,
  ...primals: A
): [R, (...tangents: A) => R] {
  checkFunction("linearize", f);
  const [leaves, def] = flatten(liftArgs(primals));
  checkDifferentiable("linearize", leaves, def, true);
  let outDef: TreeDef | undefined;
  const lin = linearizeFlat("linearize", (xs) => {
    const [o, d] = flatten(
      (f as unknown as (...a: unknown[]) => unknown)(...unflatten<unknown[]>(def, xs)),
    );
    outDef = d;
    return { outs: outputArrays("linearize", o) };
  }, leaves);
  const fJvp = (...tangents: A): R => {
    const [tLeaves, tDef] = flatten(liftArgs(tangents));
    if (!tDef.equals(def)) {
      throw new TypeError(`linearize: tangents have structure ${tDef} but primals have ${def}.`);
    }
    checkCotangents("linearize", leaves, tLeaves);
    return unflatten<R>(outDef!, evalJaxpr(lin.jaxpr, tLeaves));
  };
  return [unflatten<R>(outDef!, lin.outs), fJvp];
}

/**
 * Reverse-mode derivative: evaluates `f` and returns a function that pulls a
 * cotangent of the output back to one cotangent per argument (wᵀJ).
 *
 * @typeParam A The argument types (pytrees of arrays).
 * @typeParam R The output type (a pytree of arrays).
 * @param f The function.
 * @param primals The point. Integer and bool arrays have no derivative: JAX returns float0
 *   cotangents for them, which difftrace lacks, so `vjpFn` returns zeros of their own dtype.
 *   An integer or bool output likewise takes zeros of its dtype as its cotangent (not read).
 * @returns `[f(...primals), vjpFn]`; `vjpFn(ct)` returns a tuple with one cotangent per argument.
 *
 * @example
 * ```ts
 * import { np, vjp } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const a = np.array([[1, 2], [3, 4]]);
 * const b = np.array([[1, 0], [0, 1]]);
 * const [c, vjpFn] = vjp((a: np.NDArray, b: np.NDArray) => np.matmul(a, b), a, b);
 * const [da, db] = vjpFn(np.ones([2, 2]));
 * assert.deepEqual(da.toArray(), [[1, 1], [1, 1]]); // ct · bᵀ
 * assert.deepEqual(db.toArray(), [[4, 4], [6, 6]]); // aᵀ · ct
 * assert.deepEqual(c.toArray(), [[1, 2], [3, 4]]);
 *
 * // an int32 index argument gets int32 zeros as its cotangent (JAX's float0)
 * const i = np.array([1, 0], { dtype: "int32" });
 * const [, pull] = vjp((x: np.NDArray, i: np.NDArray) => np.take(x, i), np.array([5, 7]), i);
 * const [dx, di] = pull(np.array([1, 10]));
 * assert.deepEqual(dx.toArray(), [10, 1]);
 * assert.deepEqual([di.toArray(), di.dtype], [[0, 0], "int32"]);
 * ```
 */
export function vjp<A extends readonly unknown[], R>(
  f: (...args: A) => R,
  ...primals: A
): [R, (cotangent: R) => A] {
  checkFunction("vjp", f);
  const [leaves, def] = flatten(liftArgs(primals));
  checkDifferentiable("vjp", leaves, def, true);
  let outDef: TreeDef | undefined;
  const lin = linearizeFlat("vjp", (xs) => {
    const [o, d] = flatten(
      (f as unknown as (...a: unknown[]) => unknown)(...unflatten<unknown[]>(def, xs)),
    );
    outDef = d;
    return { outs: outputArrays("vjp", o) };
  }, leaves);
  const vjpFn = (cotangent: R): A => {
    const [cLeaves, cDef] = flatten(cotangent);
    if (!cDef.equals(outDef!)) {
      throw new TypeError(`vjp: the cotangent has structure ${cDef} but the output has ${outDef}.`);
    }
    checkCotangents("vjp", lin.outs, cLeaves);
    const cts = backwardPass(lin.jaxpr, cLeaves);
    // an integer or bool argument's cotangent is zeros of its own dtype (JAX's float0)
    return unflatten<A>(
      def,
      cts.map((c, i) => (isFloat(leaves[i].dtype) ? c : null) ?? lax.zerosLike(avalOf(leaves[i]))),
    );
  };
  return [unflatten<R>(outDef!, lin.outs), vjpFn];
}

function valueAndGradImpl(
  name: string,
  f: (...args: unknown[]) => unknown,
  optionsArg: GradOptions | Argnums | undefined,
): (...args: unknown[]) => [unknown, unknown] {
  checkFunction(name, f);
  const options = gradOptions(name, optionsArg, ["argnums", "hasAux"]);
  const argnums = options.argnums ?? 0;
  const hasAux = options.hasAux ?? false;
  return (...given: unknown[]) => {
    const nums = normalizeArgnums(name, argnums, given.length);
    // JS numbers at the differentiated positions become float32 arrays, as Python scalars in JAX
    const args = liftArgs(given, (i) => !nums.includes(i));
    // a repeated argnum is differentiated once and its gradient returned at each position
    const uniq = [...new Set(nums)];
    const [leaves, def] = flatten(uniq.map((n) => args[n]));
    checkDifferentiable(name, leaves, def);
    const lin = linearizeFlat(name, (xs) => {
      const r = f(...withArgs(args, uniq, def, xs));
      if (hasAux) {
        if (!Array.isArray(r) || r.length !== 2) {
          throw new TypeError(
            `${name}: with hasAux the function must return [value, aux], got ` +
              `${Array.isArray(r) ? `an array of length ${r.length}` : typeof r}.`,
          );
        }
        return { outs: [scalarOut(name, r[0])], aux: r[1] };
      }
      return { outs: [scalarOut(name, r)] };
    }, leaves);
    const [value] = lin.outs;
    const [ct] = [lax.full(avalOf(value), 1)];
    const cts = backwardPass(lin.jaxpr, [ct]);
    const uniqGrads = unflatten<unknown[]>(
      def,
      cts.map((c, i) => c ?? lax.zerosLike(avalOf(leaves[i]))),
    );
    const grads = nums.map((n) => uniqGrads[uniq.indexOf(n)]);
    const g = typeof argnums === "number" ? grads[0] : grads;
    return [hasAux ? [value, lin.aux] : value, g];
  };
}

function scalarOut(name: string, x: unknown): NDArray {
  if (!(x instanceof NDArray)) {
    throw new TypeError(
      `${name}: the function must return a scalar array, got ${typeof x}` +
        `${Array.isArray(x) ? " (an array; did you mean hasAux: true?)" : ""}.`,
    );
  }
  if (x.ndim !== 0) {
    throw new TypeError(
      `${name}: the function must return a scalar (shape []), but it returned shape ` +
        `${
          fmtShape(x.shape)
        }. Reduce it (e.g. .sum() or .mean()), or for a non-scalar output use ` +
        `vjp() with an explicit cotangent, or jacrev() for the full Jacobian.`,
    );
  }
  if (!isFloat(x.dtype)) {
    throw new TypeError(`${name}: the function must return a float scalar, got dtype ${x.dtype}.`);
  }
  return x;
}

/**
 * The gradient of a scalar function, as a function with the same arguments.
 * The gradient has the structure of the differentiated argument (a pytree),
 * or is a tuple of them when `argnums` is a list.
 *
 * @typeParam A The argument types of `f`.
 * @param f A function returning a float scalar (or `[scalar, aux]` with `hasAux`).
 * @param options `argnums` (default 0) and `hasAux`.
 * @returns A function computing ∇f (and `aux` with `hasAux`, as `[grads, aux]`).
 *
 * @example
 * ```ts
 * import { grad, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const loss = (p: { w: np.NDArray; b: np.NDArray }, x: np.NDArray, y: np.NDArray) =>
 *   x.mul(p.w).add(p.b).sub(y).square().mean();
 * const g = grad(loss)({ w: np.array(2), b: np.array(0) }, np.array([1, 2]), np.array([1, 2]));
 * assert.equal(g.w.item(), 5); // d/dw mean((wx - y)^2) = mean(2(wx - y)x) = (2 + 8) / 2
 * assert.equal(g.b.item(), 3);
 * ```
 */
export function grad<A extends readonly unknown[], Aux, const N extends Argnums = 0>(
  f: (...args: A) => readonly [NDArray, Aux],
  options: GradOptions<N, true> & { hasAux: true },
): (...args: LiftArgs<A>) => [GradsOf<A, NoInfer<N>>, Aux];
/**
 * The gradient of a scalar function (the overload without `hasAux`; see above).
 *
 * @typeParam A The argument types of `f`.
 * @param f A function returning a float scalar.
 * @param options `argnums` (default 0).
 * @returns A function computing ∇f with the structure of the differentiated argument(s).
 *
 * @example
 * ```ts
 * import { grad, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(grad((x: np.NDArray) => x.pow(3).sum())(np.array([1, 2])).toArray(), [3, 12]);
 * ```
 */
export function grad<A extends readonly unknown[], const N extends Argnums = 0>(
  f: (...args: A) => NDArray,
  options?: GradOptions<N, false> | N,
): (...args: LiftArgs<A>) => GradsOf<A, NoInfer<N>>;
export function grad(
  f: (...args: never[]) => unknown,
  options: GradOptions = {},
): (...args: unknown[]) => unknown {
  const vg = valueAndGradImpl("grad", f as (...args: unknown[]) => unknown, options);
  return (...args) => {
    const [value, g] = vg(...args);
    return typeof options === "object" && !Array.isArray(options) && options.hasAux
      ? [g, (value as [unknown, unknown])[1]]
      : g;
  };
}

/**
 * Like `grad`, but returns the value with the gradient: `[value, grads]`, or
 * `[[value, aux], grads]` with `hasAux` (as in JAX).
 *
 * @typeParam A The argument types of `f`.
 * @param f A function returning a float scalar (or `[scalar, aux]` with `hasAux`).
 * @param options `argnums` (default 0) and `hasAux`.
 * @returns A function computing `[f(...), ∇f(...)]`.
 *
 * @example
 * ```ts
 * import { np, valueAndGrad } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const [value, g] = valueAndGrad((x: np.NDArray) => x.pow(3).sum())(np.array([1, 2]));
 * assert.equal(value.item(), 9);
 * assert.deepEqual(g.toArray(), [3, 12]);
 * ```
 */
export function valueAndGrad<A extends readonly unknown[], Aux, const N extends Argnums = 0>(
  f: (...args: A) => readonly [NDArray, Aux],
  options: GradOptions<N, true> & { hasAux: true },
): (...args: LiftArgs<A>) => [[NDArray, Aux], GradsOf<A, NoInfer<N>>];
/**
 * `[value, gradient]` of a scalar function (the overload without `hasAux`; see above).
 *
 * @typeParam A The argument types of `f`.
 * @param f A function returning a float scalar.
 * @param options `argnums` (default 0).
 * @returns A function computing `[f(...), ∇f(...)]`.
 *
 * @example
 * ```ts
 * import { np, valueAndGrad } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const [v, g] = valueAndGrad((x: np.NDArray) => x.square().sum())(np.array([3]));
 * assert.equal(v.item(), 9);
 * assert.deepEqual(g.toArray(), [6]);
 * ```
 */
export function valueAndGrad<A extends readonly unknown[], const N extends Argnums = 0>(
  f: (...args: A) => NDArray,
  options?: GradOptions<N, false> | N,
): (...args: LiftArgs<A>) => [NDArray, GradsOf<A, NoInfer<N>>];
export function valueAndGrad(
  f: (...args: never[]) => unknown,
  options: GradOptions = {},
): (...args: unknown[]) => [unknown, unknown] {
  return valueAndGradImpl("valueAndGrad", f as (...args: unknown[]) => unknown, options);
}

/**
 * The linear program `linearize` stages for `f` at `primals` (tangents in, tangents out). Its
 * constants are the residuals reverse mode keeps between the forward and the backward pass,
 * which is what `checkpoint` reduces; for tests and benchmarks (not exported from `mod.ts`).
 */
export function linearProgram(f: (...args: NDArray[]) => NDArray, ...primals: NDArray[]): Jaxpr {
  return linearizeFlat("linearize", (xs) => ({ outs: [f(...xs)] }), primals).jaxpr;
}
