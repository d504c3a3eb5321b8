/**
 * The staging interpreter (JAX's partial evaluation, reduced to what jit, linearize and the
 * pool need). Tracing a function with `StagingTrace` records every primitive applied to a
 * tracer as an equation; the result is a `Jaxpr`. Evaluating a jaxpr goes back through `bind`
 * (`evalJaxpr` in the core), so a staged program can be traced again by any transform.
 *
 * Only operations that touch a tracer are staged: work on constants runs
 * eagerly while tracing (constant folding for free), and side effects in the
 * traced function happen once, at trace time.
 */
import { type Aval, avalOf, fmtAval, fullRaise, Trace, Tracer, withMain } from "../core/_trace.ts";
import type { NDArray } from "../core/_ndarray.ts";
import type { ArrayValue } from "../core/_array_value.ts";
import { type Eqn, Jaxpr, type Primitive, type PrimitiveParams, Var } from "../core/_ir.ts";
import { shapeRules } from "./_shape_rules.ts";

export class StagingTracer extends Tracer {
  constructor(readonly _trace: StagingTrace, readonly aval: Aval, readonly variable: Var) {
    super();
  }
  _value(): ArrayValue {
    this.assertAlive();
    throw new TypeError(
      `Cannot read the value of a traced array (${fmtAval(this.aval)}) inside ` +
        `${this._trace.main.name}(): while tracing, arrays stand for every possible value, so a ` +
        `branch or loop on their contents (if, a ternary, item(), toArray()) cannot be recorded. ` +
        `Pass the value as a static argument with jit(f, { staticArgnums: [i] }), or express the ` +
        `choice with np.where.`,
    );
  }
}

export class StagingTrace extends Trace {
  readonly eqns: Eqn[] = [];
  readonly #consts = new Map<NDArray, Var>();

  pure(x: NDArray): StagingTracer {
    let v = this.#consts.get(x);
    if (!v) {
      v = new Var(avalOf(x));
      this.#consts.set(x, v);
    }
    return new StagingTracer(this, v.aval, v);
  }

  newArg(aval: Aval): StagingTracer {
    return new StagingTracer(this, aval, new Var(aval));
  }

  processPrimitive<P extends Primitive>(
    prim: P,
    tracers: StagingTracer[],
    params: PrimitiveParams[P],
  ): NDArray[] {
    const avals = shapeRules[prim](tracers.map((t) => t.aval), params);
    const outputs = avals.map((a) => new Var(a));
    this.eqns.push({ prim, inputs: tracers.map((t) => t.variable), params, outputs });
    return outputs.map((v) => new StagingTracer(this, v.aval, v));
  }

  /** Closes the recording into a jaxpr with the given inputs and outputs. */
  build(inputs: readonly StagingTracer[], outputs: readonly NDArray[]): Jaxpr {
    const outvars = outputs.map((o) => (fullRaise(this, o) as StagingTracer).variable);
    return new Jaxpr(
      inputs.map((t) => t.variable),
      [...this.#consts.values()],
      [...this.#consts.keys()],
      this.eqns.slice(),
      outvars,
    );
  }
}

/** Traces a flat function of arrays with the given input avals into a jaxpr. */
export function traceToJaxpr(
  name: string,
  f: (args: NDArray[]) => NDArray[],
  avals: readonly Aval[],
): Jaxpr {
  return withMain(name, (main) => new StagingTrace(main), (trace) => {
    const inputs = avals.map((a) => trace.newArg(a));
    return trace.build(inputs, f(inputs));
  });
}
