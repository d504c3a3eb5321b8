/**
 * Jacobians, derived from the other transforms:
 *
 * - `jacfwd` maps `jvp` over the standard basis of the inputs (one column of J each);
 * - `jacrev` maps the `vjp` function over the standard basis of the outputs (one row each);
 * - `hessian` is `jacfwd` of `jacrev`.
 *
 * @module
 */
import { type Argnums, type GradsOf, jvp, vjp } from "./autodiff.ts";
import {
  checkDifferentiable,
  checkFunction,
  gradOptions,
  normalizeArgnums,
} from "../core/_args.ts";
import { allocate, type DType } from "../core/_dtype.ts";
import * as lax from "../core/_lax.ts";
import type { NDArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import { sizeOf } from "../core/_shape.ts";
import { bind1 } from "../core/_trace.ts";
import { placeBatchAxis, vmapFlat } from "../interpreters/_batching.ts";
import { type LiftArgs, liftArgs } from "../core/_lift.ts";
import { JVPTracer } from "../interpreters/_jvp.ts";
import { flatten, type TreeDef, unflatten } from "../core/tree.ts";

/** Options of `jacfwd`, `jacrev` and `hessian`. */
export interface JacobianOptions<N extends Argnums = Argnums, H extends boolean = boolean> {
  /** Positional argument(s) to differentiate with respect to; 0 by default. */
  argnums?: N;
  /** The function returns `[output, aux]`; `aux` is passed through undifferentiated. */
  hasAux?: H;
}

/** The Jacobian's structure: the output tree `R` with each array replaced by the input tree `I`. */
export type Jacobian<R, I> = R extends NDArray ? I
  : { -readonly [K in keyof R]: Jacobian<R[K], I> };

// ---- Jacobians --------------------------------------------------------------------------

/** Rows `offset .. offset + size(shape)` of the identity of order `total`, as [total, ...shape]. */
function basis(total: number, offset: number, shape: readonly number[], dtype: DType): ArrayValue {
  const n = sizeOf(shape);
  const data = allocate(dtype, total * n);
  for (let k = 0; k < n; k++) data[(offset + k) * n + k] = 1;
  return new ArrayValue(data, [total, ...shape], dtype);
}

function offsetsOf(arrays: readonly NDArray[]): number[] {
  const offs: number[] = [];
  let o = 0;
  for (const a of arrays) {
    offs.push(o);
    o += a.size;
  }
  return offs;
}

/** `x[..., start:start+count, ...]` along `axis`. */
function sliceAxis(x: NDArray, axis: number, start: number, count: number): NDArray {
  return bind1("slice", [x], {
    starts: x.shape.map((_, i) => (i === axis ? start : 0)),
    stops: x.shape.map((d, i) => (i === axis ? start + count : d)),
    steps: x.shape.map(() => 1),
  });
}

/**
 * Calls `f` with the differentiated arguments replaced, and flattens its output. With
 * `hasAux`, `f` returns `[output, aux]`: only the output is flattened, and `setAux` gets aux
 * with the primal of every leaf traced by the differentiating JVP (the one `xs` belong to),
 * so aux is a plain value, not differentiated (as in `grad`).
 */
function flatCall(
  name: string,
  f: (...args: unknown[]) => unknown,
  args: readonly unknown[],
  nums: readonly number[],
  inDef: TreeDef,
  setOutDef: (d: TreeDef) => void,
  setAux?: (aux: unknown) => void,
): (...xs: NDArray[]) => NDArray[] {
  return (...xs) => {
    const parts = unflatten<unknown[]>(inDef, xs);
    const full = args.slice();
    nums.forEach((n, i) => (full[n] = parts[i]));
    let r = f(...full);
    if (setAux) {
      if (!Array.isArray(r) || r.length !== 2) {
        throw new TypeError(
          `${name}: with hasAux the function must return [output, aux], got ` +
            `${Array.isArray(r) ? `an array of length ${r.length}` : typeof r}.`,
        );
      }
      const trace = xs.find((x) => x instanceof JVPTracer)?.trace;
      const [auxLeaves, auxDef] = flatten(r[1]);
      setAux(unflatten(
        auxDef,
        auxLeaves.map((l) => (l instanceof JVPTracer && l.trace === trace ? l.primal : l)),
      ));
      r = r[0];
    }
    const [outs, def] = flatten(r);
    setOutDef(def);
    return outs;
  };
}

type JacobianCore = (
  name: string,
  fFlat: (...xs: NDArray[]) => NDArray[],
  xs: NDArray[],
) => { outs: NDArray[]; blocks: NDArray[][] };

/** J = vmap(v ↦ J·v) over the input basis: each basis vector gives one column. */
const forwardCore: JacobianCore = (name, fFlat, xs) => {
  const total = xs.reduce((n, x) => n + x.size, 0);
  const offs = offsetsOf(xs);
  const tangents = xs.map((x, j) => basis(total, offs[j], x.shape, x.dtype));
  let outs: NDArray[] = [];
  const [cols, dims] = vmapFlat(
    name,
    (ts) => {
      const [o, t] = jvp(fFlat, xs, ts as NDArray[]);
      outs = o;
      return t;
    },
    tangents,
    tangents.map(() => 0),
    total,
  );
  // outs were computed from unbatched primals: they are the plain values of f
  const blocks = cols.map((c, i) => {
    const o = outs[i] as NDArray;
    const t = placeBatchAxis(c, dims[i], o.ndim, total); // [...out, total]
    return xs.map((x, j) =>
      lax.reshape(sliceAxis(t, o.ndim, offs[j], x.size), [...o.shape, ...x.shape])
    );
  });
  return { outs, blocks };
};

/** J = vmap(w ↦ wᵀJ) over the output basis: each basis vector gives one row. */
const reverseCore: JacobianCore = (name, fFlat, xs) => {
  const [outs, vjpFn] = vjp(fFlat, ...xs);
  const total = outs.reduce((n, o) => n + o.size, 0);
  const offs = offsetsOf(outs);
  const cotangents = outs.map((o, i) => basis(total, offs[i], o.shape, o.dtype));
  const [rows, dims] = vmapFlat(
    name,
    (cts) => vjpFn(cts as NDArray[]),
    cotangents,
    cotangents.map(() => 0),
    total,
  );
  const full = rows.map((r, j) => placeBatchAxis(r, dims[j], 0, total)); // [total, ...in]
  const blocks = outs.map((o, i) =>
    xs.map((x, j) => lax.reshape(sliceAxis(full[j], 0, offs[i], o.size), [...o.shape, ...x.shape]))
  );
  return { outs, blocks };
};

function jacobianImpl(
  name: string,
  core: JacobianCore,
  f: (...args: unknown[]) => unknown,
  options: JacobianOptions | Argnums | undefined,
): (...args: unknown[]) => unknown {
  checkFunction(name, f);
  const { argnums = 0, hasAux = false } = gradOptions(name, options, ["argnums", "hasAux"]);
  return (...given) => {
    const nums = normalizeArgnums(name, argnums, given.length);
    const args = liftArgs(given, (i) => !nums.includes(i));
    // a repeated argnum is differentiated once and its block returned at each position
    const uniq = [...new Set(nums)];
    const [leaves, inDef] = flatten(uniq.map((n) => args[n]));
    const xs = checkDifferentiable(name, leaves, inDef);
    let outDef: TreeDef | undefined;
    let aux: unknown;
    const setAux = hasAux ? (a: unknown) => (aux = a) : undefined;
    const fFlat = flatCall(name, f, args, uniq, inDef, (d) => (outDef = d), setAux);
    const { blocks } = core(name, fFlat, xs);
    const perOut = blocks.map((row) => {
      const tree = unflatten<unknown[]>(inDef, row);
      return typeof argnums === "number" ? tree[0] : nums.map((n) => tree[uniq.indexOf(n)]);
    });
    const jac = unflatten(outDef!, perOut);
    return hasAux ? [jac, aux] : jac;
  };
}

/**
 * The Jacobian of `f` by forward mode: one JVP per input element, batched with
 * `vmap`. Efficient when inputs are smaller than outputs. For an output leaf of
 * shape `o` and an input leaf of shape `i`, the block has shape `[...o, ...i]`;
 * the result is the output tree with each array replaced by the input tree.
 *
 * @typeParam A The argument types of `f`.
 * @typeParam R The output type of `f` (a pytree of arrays).
 * @typeParam N The `argnums` type.
 * @param f The function to differentiate.
 * @param options `argnums` (default 0): the argument(s) to differentiate with respect to;
 *   `hasAux` (default false): `f` returns `[output, aux]`, and the result is `[jacobian, aux]`
 *   with `aux` passed through undifferentiated (as JAX's `has_aux`).
 * @returns A function computing the Jacobian at its arguments (and `aux` with `hasAux`).
 *
 * @example
 * ```ts
 * import { jacfwd, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const f = (x: np.NDArray) => x.mul(x); // elementwise square: J = diag(2x)
 * const j = jacfwd(f)(np.array([1, 2]));
 * assert.deepEqual(j.toArray(), [[2, 0], [0, 4]]);
 * ```
 *
 * @example With `hasAux`, `f` returns `[output, aux]` and the result is `[jacobian, aux]`
 * ```ts
 * import { jacfwd, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const f = (x: np.NDArray) => [x.mul(x), x.sum()] as const;
 * const [j, total] = jacfwd(f, { hasAux: true })(np.array([1, 2]));
 * assert.deepEqual(j.toArray(), [[2, 0], [0, 4]]);
 * assert.equal(total.item(), 3); // aux is f's value, not differentiated
 * ```
 */
export function jacfwd<A extends readonly unknown[], R, Aux, const N extends Argnums = 0>(
  f: (...args: A) => readonly [R, Aux],
  options: JacobianOptions<N, true> & { hasAux: true },
): (...args: LiftArgs<A>) => [Jacobian<R, GradsOf<A, NoInfer<N>>>, Aux];
/**
 * jacfwd without `hasAux`: see the overload above.
 * @example
 * ```ts
 * import { jacfwd, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(jacfwd((x: np.NDArray) => x.mul(x))(np.array([1, 2])).toArray(), [[2, 0], [0, 4]]);
 * ```
 */
export function jacfwd<A extends readonly unknown[], R, const N extends Argnums = 0>(
  f: (...args: A) => R,
  options?: JacobianOptions<N, false> | N,
): (...args: A) => Jacobian<R, GradsOf<A, N>>;
export function jacfwd(
  f: (...args: never[]) => unknown,
  options: JacobianOptions | Argnums = {},
): (...args: unknown[]) => unknown {
  return jacobianImpl("jacfwd", forwardCore, f as (...args: unknown[]) => unknown, options);
}

/**
 * The Jacobian of `f` by reverse mode: one VJP per output element, batched with
 * `vmap` over a single linearization. Efficient when outputs are smaller than
 * inputs. Blocks and structure are as in `jacfwd`.
 *
 * @typeParam A The argument types of `f`.
 * @typeParam R The output type of `f` (a pytree of arrays).
 * @typeParam N The `argnums` type.
 * @param f The function to differentiate.
 * @param options `argnums` (default 0): the argument(s) to differentiate with respect to;
 *   `hasAux` (default false): `f` returns `[output, aux]`, and the result is `[jacobian, aux]`
 *   with `aux` passed through undifferentiated (as JAX's `has_aux`).
 * @returns A function computing the Jacobian at its arguments (and `aux` with `hasAux`).
 *
 * @example
 * ```ts
 * import { jacrev, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const a = np.array([[1, 2, 3], [4, 5, 6]]);
 * const j = jacrev((x: np.NDArray) => np.matmul(a, x))(np.ones([3]));
 * assert.deepEqual(j.toArray(), a.toArray()); // the Jacobian of x ↦ Ax is A
 * ```
 *
 * @example With `hasAux`, `f` returns `[output, aux]` and the result is `[jacobian, aux]`
 * ```ts
 * import { jacrev, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const f = (x: np.NDArray) => [x.mul(x), { norm: x.square().sum() }] as const;
 * const [j, aux] = jacrev(f, { hasAux: true })(np.array([1, 2]));
 * assert.deepEqual(j.toArray(), [[2, 0], [0, 4]]);
 * assert.equal(aux.norm.item(), 5);
 * ```
 */
export function jacrev<A extends readonly unknown[], R, Aux, const N extends Argnums = 0>(
  f: (...args: A) => readonly [R, Aux],
  options: JacobianOptions<N, true> & { hasAux: true },
): (...args: LiftArgs<A>) => [Jacobian<R, GradsOf<A, NoInfer<N>>>, Aux];
/**
 * jacrev without `hasAux`: see the overload above.
 * @example
 * ```ts
 * import { jacrev, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(jacrev((x: np.NDArray) => x.mul(x))(np.array([1, 2])).toArray(), [[2, 0], [0, 4]]);
 * ```
 */
export function jacrev<A extends readonly unknown[], R, const N extends Argnums = 0>(
  f: (...args: A) => R,
  options?: JacobianOptions<N, false> | N,
): (...args: A) => Jacobian<R, GradsOf<A, N>>;
export function jacrev(
  f: (...args: never[]) => unknown,
  options: JacobianOptions | Argnums = {},
): (...args: unknown[]) => unknown {
  return jacobianImpl("jacrev", reverseCore, f as (...args: unknown[]) => unknown, options);
}

/**
 * The Hessian of `f`, as `jacfwd(jacrev(f))` (forward over reverse). For a
 * scalar function of an input of shape `s` the result has shape `[...s, ...s]`.
 *
 * @typeParam A The argument types of `f`.
 * @typeParam R The output type of `f` (usually a scalar array).
 * @typeParam N The `argnums` type.
 * @param f The function, usually scalar-valued.
 * @param options `argnums` (default 0): the argument(s) to differentiate with respect to;
 *   `hasAux` (default false): `f` returns `[output, aux]`, and the result is `[hessian, aux]`.
 * @returns A function computing the Hessian at its arguments (and `aux` with `hasAux`).
 *
 * @example
 * ```ts
 * import { hessian, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const f = (x: np.NDArray) => x.pow(3).sum(); // ∂²f/∂xᵢ∂xⱼ = 6xᵢ when i = j, else 0
 * const h = hessian(f)(np.array([1, 2]));
 * assert.deepEqual(h.toArray(), [[6, 0], [0, 12]]);
 * ```
 */
export function hessian<A extends readonly unknown[], R, Aux, const N extends Argnums = 0>(
  f: (...args: A) => readonly [R, Aux],
  options: JacobianOptions<N, true> & { hasAux: true },
): (...args: LiftArgs<A>) => [
  Jacobian<Jacobian<R, GradsOf<A, NoInfer<N>>>, GradsOf<A, NoInfer<N>>>,
  Aux,
];
/**
 * hessian without `hasAux`: see the overload above.
 * @example
 * ```ts
 * import { hessian, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(hessian((x: np.NDArray) => x.pow(3).sum())(np.array([1, 2])).toArray(), [[6, 0], [0, 12]]);
 * ```
 */
export function hessian<A extends readonly unknown[], R, const N extends Argnums = 0>(
  f: (...args: A) => R,
  options?: JacobianOptions<N, false> | N,
): (...args: A) => Jacobian<Jacobian<R, GradsOf<A, N>>, GradsOf<A, N>>;
export function hessian(
  f: (...args: never[]) => unknown,
  options: JacobianOptions | Argnums = {},
): (...args: unknown[]) => unknown {
  // checked here too, so that a misuse names hessian rather than the jacrev inside it
  const g = f as (...args: unknown[]) => unknown;
  checkFunction("hessian", g);
  gradOptions("hessian", options, ["argnums", "hasAux"]);
  // with hasAux, jacrev passes [jacobian, aux] on and jacfwd takes its aux as plain values
  return jacobianImpl(
    "jacfwd",
    forwardCore,
    jacobianImpl("jacrev", reverseCore, g, options),
    options,
  );
}
