/**
 * Eager evaluation: the reference implementation of every primitive on
 * concrete arrays. This table is the living definition of the ops; `jit`'s
 * generated code and the wasm kernels are tested against it.
 *
 * Every rule receives operands already validated by the shape rules and
 * returns fresh arrays (or, for `reshape`, a new array sharing the immutable
 * buffer).
 *
 * The table is assembled here from one file per family of primitives: the elementwise ones
 * (`_eval_elementwise.ts`), the structural ones and reductions (`_eval_structural.ts`),
 * linear algebra, FFT, shifts, control flow and custom derivatives (their `_*_rules.ts`,
 * `_control_flow.ts`, `_custom.ts`); matmul and the late-bound primitives (random bits, jit
 * calls) are evaluated here.
 */
import { installEvaluator } from "../core/_trace.ts";
import { allocate } from "../core/_dtype.ts";
import { DATA } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import type { Primitive, PrimitiveParams } from "../core/_ir.ts";
import { shapeRules } from "./_shape_rules.ts";
import { checkAllocation } from "../core/_validate.ts";
import { sizeOf } from "../core/_shape.ts";
import { matmulInto } from "../kernels/_dispatch.ts";
import { controlEvalRules } from "./_control_flow.ts";
import { customEvalRules, debugEval } from "./_custom.ts";
import { linalgEvalRules } from "./_linalg_rules.ts";
import { fftEvalRules } from "./_fft_rules.ts";
import { poolEvalRules } from "./_pool_rules.ts";
import { shiftEvalRules } from "./_shift_rules.ts";
import { elementwiseEvalRules } from "./_eval_elementwise.ts";
import { structuralEvalRules } from "./_eval_structural.ts";

type EvalFn<Q> = (args: ArrayValue[], params: Q) => ArrayValue[];
export type EvalRule<P extends Primitive> = EvalFn<PrimitiveParams[P]>;

/** Late-bound implementations of primitives that live in other modules (jit, random). */
export const evalHooks: {
  jitCall?: (args: ArrayValue[], params: PrimitiveParams["jit_call"]) => ArrayValue[];
  randomBits?: (key: ArrayValue, params: PrimitiveParams["random_bits"]) => ArrayValue;
} = {};

// ---- the table -------------------------------------------------------------------

const rules = {
  matmul: ([a, b]) => {
    const r = a.shape.length;
    const m = a.shape[r - 2], k = a.shape[r - 1], n = b.shape[r - 1];
    const batch = sizeOf(a.shape.slice(0, r - 2));
    const shape = [...a.shape.slice(0, r - 1), n];
    const out = allocate(a.dtype, batch * m * n);
    for (let i = 0; i < batch; i++) {
      matmulInto(a[DATA], i * m * k, b[DATA], i * k * n, out, i * m * n, m, k, n, false, false);
    }
    return [new ArrayValue(out, shape, a.dtype)];
  },
  random_bits: ([key], params) => {
    if (!evalHooks.randomBits) throw new Error("internal: random kernels not installed.");
    return [evalHooks.randomBits(key, params)];
  },
  jit_call: (args, params) => {
    if (!evalHooks.jitCall) throw new Error("internal: jit not installed.");
    return evalHooks.jitCall(args, params);
  },
  ...controlEvalRules,
  ...customEvalRules,
  debug_callback: debugEval,
} satisfies Partial<{ [P in Primitive]: EvalRule<P> }>;

export const evalRules: { [P in Primitive]: EvalRule<P> } = {
  ...elementwiseEvalRules,
  ...structuralEvalRules,
  ...rules,
  ...linalgEvalRules,
  ...fftEvalRules,
  ...poolEvalRules,
  ...shiftEvalRules,
};

/** Validates with the shape rule, then evaluates eagerly. */
export function evaluate<P extends Primitive>(
  prim: P,
  args: ArrayValue[],
  params: PrimitiveParams[P],
): ArrayValue[] {
  const outs = shapeRules[prim](args, params);
  // refuse a huge result before allocating it (a clear RangeError, not an engine abort)
  for (const o of outs) checkAllocation(prim, o.shape, o.dtype);
  return evalRules[prim](args, params);
}

installEvaluator(evaluate);
