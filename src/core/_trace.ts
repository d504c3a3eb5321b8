/**
 * The trace core (after Autodidax): every primitive application goes through
 * `bind`, which finds the innermost active transform among the arguments and
 * lets its trace process the primitive. With no tracer among the arguments the
 * primitive is evaluated eagerly.
 *
 * Transforms nest by level: each `withMain` pushes a `MainTrace` one level above
 * the current top for the duration of a callback, and pops it in `finally`.
 * A tracer remembers its main; once the main is popped the tracer is dead, and
 * using it raises an error that says how it escaped.
 */
import type { DType } from "./_dtype.ts";
import { NDArray } from "./_ndarray.ts";
import { type ArrayValue, concreteValue } from "./_array_value.ts";
import type { Jaxpr, Primitive, PrimitiveParams, Var } from "./_ir.ts";
import { type Aval, avalOf, fmtAval } from "./_aval.ts";

export { type Aval, avalOf, fmtAval };

/** One active transform: its level on the stack and the trace that interprets it. */
export class MainTrace {
  alive = true;
  trace!: Trace;
  constructor(readonly level: number, readonly name: string) {}
}

export abstract class Trace {
  constructor(readonly main: MainTrace) {}
  /** Wraps a concrete value (or one from a lower level) as a tracer of this trace. */
  abstract pure(x: NDArray): Tracer;
  /** Wraps a tracer of a lower level; by default the same as `pure`. */
  lift(x: NDArray): Tracer {
    return this.pure(x);
  }
  abstract processPrimitive<P extends Primitive>(
    prim: P,
    tracers: Tracer[],
    params: PrimitiveParams[P],
  ): NDArray[];
}

export abstract class Tracer extends NDArray {
  /** The trace this tracer belongs to (`_trace`, so that `x.trace()` is NumPy's trace). */
  abstract readonly _trace: Trace;
  abstract readonly aval: Aval;
  get shape(): readonly number[] {
    return this.aval.shape;
  }
  get dtype(): DType {
    return this.aval.dtype;
  }
  /** `Traced<float32[3]> in jit`: a tracer has a type, not (always) a value. */
  override toString(): string {
    return `Traced<${fmtAval(this.aval)}> in ${this._trace.main.name}`;
  }
  /**
   * A number when the value is known while tracing (`grad`, `jvp`), for `if (x > 0)`;
   * under `jit` or `vmap` a TypeError that points to `np.where`.
   */
  override [Symbol.toPrimitive](hint: string): string | number {
    if (hint === "string") return this.toString();
    let value: ArrayValue;
    try {
      value = concreteValue(this);
    } catch {
      throw new TypeError(
        `${this.toString()}: a traced array has no concrete value inside ` +
          `${this._trace.main.name}(), so it cannot become a JS number (hint "${hint}") or ` +
          `steer an if/else. Compute both branches and select with np.where(cond, a, b) (as ` +
          `lax.cond / jnp.where in JAX), or move the test outside ${this._trace.main.name}().`,
      );
    }
    return value[Symbol.toPrimitive](hint);
  }
  /** Checks that this tracer's transform is still running. */
  assertAlive(): void {
    const main = this._trace.main;
    if (!main.alive) {
      throw new Error(
        `A traced array (${
          fmtAval(this.aval)
        }) from ${main.name}() was used after ${main.name}() ` +
          `returned. It escaped the transformed function, e.g. through a closure, a global ` +
          `variable, or an outer array it was pushed into. Return the values you need from the ` +
          `transformed function instead of storing them.`,
      );
    }
  }
}

type EvalFn = <P extends Primitive>(
  prim: P,
  args: ArrayValue[],
  params: PrimitiveParams[P],
) => ArrayValue[];

let evalPrimitive: EvalFn | undefined;

/** Installs the eager evaluator (called once by `_eval.ts`). */
export function installEvaluator(fn: EvalFn): void {
  evalPrimitive = fn;
}

const stack: MainTrace[] = [];

/** Runs `body` with a new transform on top of the stack; the transform ends when it returns. */
export function withMain<TR extends Trace, T>(
  name: string,
  makeTrace: (main: MainTrace) => TR,
  body: (trace: TR) => T,
): T {
  const main = new MainTrace(stack.length + 1, name);
  const trace = makeTrace(main);
  main.trace = trace;
  stack.push(main);
  try {
    return body(trace);
  } finally {
    stack.pop();
    main.alive = false;
  }
}

/** The number of transforms currently active (0 in eager code). */
export function traceDepth(): number {
  return stack.length;
}

function findTopTrace(args: readonly NDArray[]): Trace | null {
  let top: Trace | null = null;
  for (const a of args) {
    if (a instanceof Tracer) {
      a.assertAlive();
      if (top === null || a._trace.main.level > top.main.level) top = a._trace;
    }
  }
  return top;
}

/** Brings `x` into `trace`: concrete values and lower-level tracers are wrapped. */
export function fullRaise(trace: Trace, x: NDArray): Tracer {
  if (!(x instanceof Tracer)) return trace.pure(x);
  x.assertAlive();
  if (x._trace.main === trace.main) return x;
  if (x._trace.main.level < trace.main.level) return trace.lift(x);
  throw new Error(
    `internal: a tracer of ${x._trace.main.name}() (level ${x._trace.main.level}) reached ` +
      `${trace.main.name}() (level ${trace.main.level}).`,
  );
}

/** Applies a primitive: the one dispatch point of every interpreter. */
export function bind<P extends Primitive>(
  prim: P,
  args: readonly NDArray[],
  params: PrimitiveParams[P],
): NDArray[] {
  const top = findTopTrace(args);
  if (top === null) {
    if (!evalPrimitive) throw new Error("internal: evaluator not installed.");
    return evalPrimitive(prim, args as ArrayValue[], params);
  }
  const tracers = args.map((a) => fullRaise(top, a));
  return top.processPrimitive(prim, tracers, params);
}

/** `bind` for single-output primitives. */
export function bind1<P extends Primitive>(
  prim: P,
  args: readonly NDArray[],
  params: PrimitiveParams[P],
): NDArray {
  return bind(prim, args, params)[0];
}

/** Evaluates a jaxpr by binding each equation: under a transform, this re-traces it. */
export function evalJaxpr(jaxpr: Jaxpr, args: readonly NDArray[]): NDArray[] {
  const env = new Map<Var, NDArray>();
  jaxpr.constvars.forEach((v, i) => env.set(v, jaxpr.consts[i]));
  jaxpr.invars.forEach((v, i) => env.set(v, args[i]));
  for (const e of jaxpr.eqns) {
    const outs = bind(e.prim, e.inputs.map((v) => env.get(v)!), e.params);
    e.outputs.forEach((v, i) => env.set(v, outs[i]));
  }
  return jaxpr.outvars.map((v) => env.get(v)!);
}
