/**
 * Vectorising map: `vmap` runs a function on one example under the batching interpreter
 * (`src/interpreters/_batching.ts`), over pytrees of inputs and outputs with `inAxes` and
 * `outAxes`.
 *
 * @module
 */
import { fmtAval } from "../core/_trace.ts";
import { NDArray } from "../core/_ndarray.ts";
import { fmtShape } from "../core/_shape.ts";
import { placeBatchAxis, vmapFlat } from "../interpreters/_batching.ts";
import { type LiftArgs, liftArgs } from "../core/_lift.ts";
import { flatten, type TreeDef, unflatten } from "../core/tree.ts";
import { axesOfLeaves, type AxisSpec, describe } from "../core/_axes.ts";
import { checkInt, checkOptions } from "../core/_validate.ts";
import { checkFunction } from "../core/_args.ts";

export type { AxisSpec };

/** Options of `vmap`. */
export interface VmapOptions {
  /**
   * The mapped axis of the inputs: one number or `null` for all of them, or a
   * list with one entry (number, `null` or a pytree prefix) per positional
   * argument. 0 by default.
   */
  inAxes?: AxisSpec;
  /** Where the batch axis goes in the outputs (a number, or a prefix of the output tree). 0 by default. */
  outAxes?: AxisSpec;
  /**
   * The batch size (JAX's `axis_size`): a non-negative integer. Needed when no input
   * is mapped (every `inAxes` entry `null`, or no arguments); otherwise it must equal
   * the mapped inputs' size. Taken from the mapped inputs by default.
   */
  axisSize?: number;
}

function checkAxis(option: string, what: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis)) {
    throw new TypeError(`vmap: ${option} for ${what} must be an integer or null, got ${axis}.`);
  }
  if (axis < -rank || axis >= rank) {
    throw new RangeError(
      `vmap: ${option} ${axis} for ${what} is out of range: valid axes are ${-rank} to ` +
        `${rank - 1}. Use a smaller axis, or null to leave it unmapped.`,
    );
  }
  return axis < 0 ? axis + rank : axis;
}

// ---- vmap ------------------------------------------------------------------------------

/**
 * Vectorises `f` over a batch axis: `vmap(f)(xs)` stacks `f(x)` for every `x`
 * along the mapped axis, computed in one pass with batched primitives (no loop).
 * Composes with every other transform: `vmap(grad(f))` gives per-example
 * gradients, `grad` differentiates through `vmap`, and `vmap` nests.
 *
 * @typeParam A The argument types (pytrees of arrays; unmapped arguments may hold anything).
 * @typeParam R The output type (a pytree of arrays).
 * @param f The function of one example.
 * @param options `inAxes` (default 0): the mapped axis of each input, `null` for
 *   inputs shared by all examples; `outAxes` (default 0): where the batch axis
 *   goes in each output. Both accept a number, `null`, or a pytree prefix.
 *   `axisSize`: the batch size, needed when no input is mapped.
 * @returns The batched function.
 *
 * @example
 * ```ts
 * import { np, vmap } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const dot = (a: np.NDArray, b: np.NDArray) => a.mul(b).sum();
 * const rows = np.array([[1, 2], [3, 4], [5, 6]]);
 * const w = np.array([1, 10]);
 * // map over the rows, share w
 * const out = vmap(dot, { inAxes: [0, null] })(rows, w);
 * assert.deepEqual(out.toArray(), [21, 43, 65]);
 * ```
 *
 * @example With no mapped input, `axisSize` gives the batch size
 * ```ts
 * import { np, vmap } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const scaled = vmap((x: np.NDArray) => x.mul(2), { inAxes: null, axisSize: 3 });
 * assert.deepEqual(scaled(np.array(1.5)).toArray(), [3, 3, 3]);
 * ```
 */
export function vmap<A extends readonly unknown[], R>(
  f: (...args: A) => R,
  options: VmapOptions = {},
): (...args: LiftArgs<A>) => R {
  checkFunction("vmap", f);
  checkOptions("vmap", options, ["inAxes", "outAxes", "axisSize"]);
  const axisSize = options.axisSize === undefined
    ? undefined
    : checkInt("vmap", "axisSize", options.axisSize, 0);
  // null is a meaningful axis (unmapped), so only undefined takes the default
  const inAxes = options.inAxes === undefined ? 0 : options.inAxes;
  const outAxes = options.outAxes === undefined ? 0 : options.outAxes;
  return (...given: LiftArgs<A>): R => {
    // JS numbers and number lists become float32 arrays, as Python scalars and lists in JAX
    const args = liftArgs(given);
    if (Array.isArray(inAxes) && inAxes.length !== args.length) {
      throw new TypeError(
        `vmap: inAxes is a list of ${inAxes.length} entries but the function was called with ` +
          `${args.length} argument(s); give one entry (a number, null or a pytree prefix) per ` +
          `positional argument, or a single number for all of them.`,
      );
    }
    const [leaves, inDef] = flatten(args);
    const dims = axesOfLeaves("vmap", "inAxes", inAxes, args, "");
    let size: number | undefined = axisSize;
    let sizeFrom = axisSize === undefined ? "" : "the axisSize option";
    const normalized = leaves.map((leaf, i) => {
      const d = dims[i];
      if (d === null) return null;
      const what = `input leaf ${i} (structure ${inDef})`;
      if (!(leaf instanceof NDArray)) {
        throw new TypeError(
          `vmap: inAxes maps ${what}, which is ${describe(leaf)}, not an array. Pass arrays, or ` +
            `set its inAxes entry to null to leave it unmapped.`,
        );
      }
      const axis = checkAxis("inAxes", `${what} of shape ${fmtShape(leaf.shape)}`, d, leaf.ndim);
      const n = leaf.shape[axis];
      const here = `${what}: axis ${axis} of ${fmtAval(leaf)}`;
      if (size === undefined) [size, sizeFrom] = [n, here];
      else if (n !== size) {
        throw new TypeError(
          `vmap: mapped inputs must agree on the size of the mapped axis, but got size ${size} ` +
            `for ${sizeFrom} and size ${n} for ${here}.`,
        );
      }
      return axis;
    });
    if (size === undefined) {
      throw new TypeError(
        `vmap: no input is mapped (inAxes is null for every array), so the batch size is ` +
          `unknown. Map at least one array argument, or give the batch size as the axisSize option.`,
      );
    }
    let outDef: TreeDef | undefined;
    let outTree: unknown;
    const [vals, outDims] = vmapFlat(
      "vmap",
      (xs) => {
        outTree = (f as unknown as (...a: unknown[]) => unknown)(
          ...unflatten<unknown[]>(inDef, xs),
        );
        const [outs, def] = flatten(outTree);
        outDef = def;
        return outs;
      },
      leaves,
      normalized,
      size,
    );
    const wanted = axesOfLeaves("vmap", "outAxes", outAxes, outTree, "");
    const outs = vals.map((v, i) => {
      const want = wanted[i];
      const dim = outDims[i];
      if (want === null) {
        if (dim !== null) {
          throw new TypeError(
            `vmap: outAxes is null for output leaf ${i} (structure ${outDef}), but that output ` +
              `differs between examples. Give it an output axis, or return only values shared ` +
              `by every example there.`,
          );
        }
        return v;
      }
      const rank = dim === null ? v.ndim + 1 : v.ndim;
      const to = checkAxis("outAxes", `output leaf ${i} (rank ${rank} with the batch)`, want, rank);
      return placeBatchAxis(v, dim, to, size!);
    });
    return unflatten<R>(outDef!, outs);
  };
}
