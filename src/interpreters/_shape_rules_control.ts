/**
 * Shape rules of the control-flow primitives (`scan`, `cond`, `while_loop`): the operands
 * must match the avals the body jaxprs were traced for, and the body must return its carry
 * with the shapes and dtypes it received. The public `lax` functions check the same things
 * first, with pytree paths in their messages; these rules guard programs built internally.
 */
import type { Aval } from "../core/_trace.ts";
import type { Jaxpr, PrimitiveParams } from "../core/_ir.ts";
import { fmtAvals } from "../core/_aval.ts";
import { fmtShape, shapesEqual } from "../core/_shape.ts";

type Rule<Q> = (avals: Aval[], params: Q) => Aval[];

const same = (a: readonly Aval[], b: readonly Aval[]) =>
  a.length === b.length &&
  a.every((x, i) => x.dtype === b[i].dtype && shapesEqual(x.shape, b[i].shape));

function expectAvals(prim: string, what: string, want: readonly Aval[], got: readonly Aval[]) {
  if (!same(want, got)) {
    throw new TypeError(
      `${prim}: ${what} expects (${fmtAvals(want)}) but got (${fmtAvals(got)}).`,
    );
  }
}

const ins = (j: Jaxpr) => j.invars.map((v) => v.aval);
const outs = (j: Jaxpr) => j.outvars.map((v) => v.aval);

const scan: Rule<PrimitiveParams["scan"]> = (avals, { jaxpr, numConsts, numCarry, length }) => {
  const xs = avals.slice(numConsts + numCarry);
  for (const x of xs) {
    if (x.shape[0] !== length) {
      throw new TypeError(
        `scan: every scanned array needs a leading axis of length ${length}, got shape ` +
          `${fmtShape(x.shape)}.`,
      );
    }
  }
  const rows = xs.map((x) => ({ shape: x.shape.slice(1), dtype: x.dtype }));
  expectAvals("scan", "the body", ins(jaxpr), [...avals.slice(0, numConsts + numCarry), ...rows]);
  const carryIn = avals.slice(numConsts, numConsts + numCarry);
  expectAvals("scan", "the carry returned by the body", carryIn, outs(jaxpr).slice(0, numCarry));
  const ys = outs(jaxpr).slice(numCarry).map((y) => ({
    shape: [length, ...y.shape],
    dtype: y.dtype,
  }));
  return [...carryIn, ...ys];
};

const cond: Rule<PrimitiveParams["cond"]> = ([index, ...ops], { branches }) => {
  if (index.dtype !== "int32" || index.shape.length !== 0) {
    throw new TypeError(
      `cond: the branch index must be an int32 scalar, got ${fmtAvals([index])}.`,
    );
  }
  branches.forEach((b, i) => {
    expectAvals("cond", `branch ${i}`, ins(b), ops);
    expectAvals("cond", `the output of branch ${i}`, outs(branches[0]), outs(b));
  });
  return outs(branches[0]);
};

const whileLoop: Rule<PrimitiveParams["while_loop"]> = (avals, p) => {
  const { cond, body, condNumConsts, bodyNumConsts } = p;
  const carry = avals.slice(condNumConsts + bodyNumConsts);
  expectAvals("while_loop", "the condition", ins(cond), [
    ...avals.slice(0, condNumConsts),
    ...carry,
  ]);
  expectAvals("while_loop", "the condition's result", [{ shape: [], dtype: "bool" }], outs(cond));
  expectAvals("while_loop", "the body", ins(body), avals.slice(condNumConsts));
  expectAvals("while_loop", "the carry returned by the body", carry, outs(body));
  return carry;
};

const call = (prim: string, j: Jaxpr, avals: readonly Aval[]) => {
  expectAvals(prim, "the function", ins(j), avals);
  return outs(j);
};

export const controlShapeRules = {
  scan,
  cond,
  while_loop: whileLoop,
  custom_jvp_call: (avals: Aval[], { fun }: PrimitiveParams["custom_jvp_call"]) =>
    call("customJvp", fun, avals),
  custom_vjp_call: (avals: Aval[], { fun }: PrimitiveParams["custom_vjp_call"]) =>
    call("customVjp", fun, avals),
  custom_vjp_lin: (_avals: Aval[], { outAvals }: PrimitiveParams["custom_vjp_lin"]) => outAvals,
  checkpoint: (avals: Aval[], { jaxpr }: PrimitiveParams["checkpoint"]) =>
    call("checkpoint", jaxpr, avals),
  debug_callback: (): Aval[] => [],
};
