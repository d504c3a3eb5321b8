/**
 * The IR and the staging interpreter. Tracing a function with `StagingTrace`
 * records every primitive applied to a tracer as an equation; the result is a
 * `Jaxpr`: typed input variables, constants (values closed over), equations,
 * and outputs. Evaluating a jaxpr goes back through `bind`, so a staged
 * program can be traced again by any transform.
 *
 * Only operations that touch a tracer are staged: work on constants runs
 * eagerly while tracing (constant folding for free), and side effects in the
 * traced function happen once, at trace time.
 */
import { type Aval, avalOf, bind, fmtAval, fullRaise, Trace, Tracer, withMain } from "./_core.ts";
import type { ArrayValue, NDArray } from "./_ndarray.ts";
import type { Primitive, PrimitiveParams } from "./_primitives.ts";
import { shapeRules } from "./_shape_rules.ts";
import { fmtShape } from "./_shape.ts";

/** A variable of the IR: an identity and an abstract value (shape and dtype). */
export class Var {
  /** The shape and dtype of the value the variable stands for. */
  readonly aval: Aval;
  /** Creates a fresh variable of the given abstract value. */
  constructor(aval: Aval) {
    this.aval = aval;
  }
}

/** One equation: `outputs = prim[params](inputs)`. */
export interface Eqn<P extends Primitive = Primitive> {
  /** The primitive's name. */
  readonly prim: P;
  /** Operand variables. */
  readonly inputs: readonly Var[];
  /** Static parameters (axes, shapes, ...). */
  readonly params: PrimitiveParams[P];
  /** Result variables. */
  readonly outputs: readonly Var[];
}

const DTYPE_SHORT: Record<string, string> = {
  float32: "f32",
  float64: "f64",
  int32: "i32",
  bool: "bool",
};

function shortAval(a: Aval): string {
  return `${DTYPE_SHORT[a.dtype]}[${a.shape.join(",")}]`;
}

function varName(i: number): string {
  let s = "";
  do {
    s = String.fromCharCode(97 + (i % 26)) + s;
    i = Math.floor(i / 26) - 1;
  } while (i >= 0);
  return s;
}

function fmtParam(value: unknown): string {
  if (value instanceof Jaxpr) return "{ jaxpr }";
  if (Array.isArray(value)) return `(${value.join(",")})`;
  return String(value);
}

/**
 * A traced program: typed inputs, closed-over constants, equations and outputs.
 *
 * Print it with `toString()`, draw it with `toDot()` (Graphviz) or
 * `toMermaid()` (renders in Markdown viewers).
 *
 * @example
 * ```ts
 * import { makeJaxpr, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const jaxpr = makeJaxpr((x: np.NDArray) => x.mul(x).sum())(np.ones([3]));
 * assert.equal(jaxpr.eqns.length, 2);
 * assert.match(jaxpr.toString(), /reduce_sum/);
 * ```
 */
export class Jaxpr {
  /** Input variables, one per flattened argument. */
  readonly invars: readonly Var[];
  /** Variables bound to the closed-over constants. */
  readonly constvars: readonly Var[];
  /** The constant values, in the order of `constvars`. */
  readonly consts: readonly NDArray[];
  /** The equations in evaluation order. */
  readonly eqns: readonly Eqn[];
  /** Output variables (may repeat, or name an input or a constant). */
  readonly outvars: readonly Var[];

  /** Assembles a jaxpr; use `makeJaxpr` rather than calling this directly. */
  constructor(
    invars: readonly Var[],
    constvars: readonly Var[],
    consts: readonly NDArray[],
    eqns: readonly Eqn[],
    outvars: readonly Var[],
  ) {
    this.invars = invars;
    this.constvars = constvars;
    this.consts = consts;
    this.eqns = eqns;
    this.outvars = outvars;
  }

  /** Names every variable a, b, c, ... in order of appearance. */
  #names(): Map<Var, string> {
    const names = new Map<Var, string>();
    const see = (v: Var) => names.has(v) || names.set(v, varName(names.size));
    // constants shown as literals (see uniformValue) get no name
    this.constvars.forEach((v, i) => uniformValue(this.consts[i]) === undefined && see(v));
    this.invars.forEach(see);
    for (const e of this.eqns) e.outputs.forEach(see);
    this.outvars.forEach(see);
    return names;
  }

  /** JAX-style text: one equation per line with the shape and dtype of each result. */
  toString(): string {
    const names = this.#names();
    const constOf = new Map(this.constvars.map((v, i) => [v, this.consts[i]]));
    const ref = (v: Var) => {
      const c = constOf.get(v);
      // scalars and arrays of one repeated value (broadcast constants) print as literals
      const value = c && uniformValue(c);
      if (value !== undefined) return `${value}:${shortAval(v.aval)}`;
      return names.get(v)!;
    };
    const decl = (v: Var) => `${names.get(v)}:${shortAval(v.aval)}`;
    const shownConsts = this.constvars.filter((v) => ref(v) === names.get(v));
    const lines = [
      `{ lambda ${shownConsts.map(decl).join(" ")}${shownConsts.length ? " ; " : ""}` +
      `${this.invars.map(decl).join(" ")}. let`,
    ];
    for (const e of this.eqns) {
      const params = Object.entries(e.params as Record<string, unknown>)
        .filter(([k]) => k !== "jaxpr")
        .map(([k, v]) => `${k}=${fmtParam(v)}`);
      const head = params.length ? `${e.prim}[${params.join(" ")}]` : e.prim;
      lines.push(`    ${e.outputs.map(decl).join(" ")} = ${head} ${e.inputs.map(ref).join(" ")}`);
      if (e.prim === "jit_call") {
        const inner = (e.params as PrimitiveParams["jit_call"]).jaxpr.toString();
        lines.push(...inner.split("\n").map((l) => "        " + l));
      }
    }
    lines.push(`  in (${this.outvars.map(ref).join(", ")}) }`);
    return lines.join("\n");
  }

  /** A Graphviz DOT digraph: inputs, constants, one node per equation, edges labelled with avals. */
  toDot(options: { title?: string } = {}): string {
    const g = this.#graph();
    const q = (s: string) => `"${s.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
    const lines = [
      `digraph jaxpr {`,
      `  rankdir=TB;`,
      `  node [fontname="Helvetica" fontsize=11];`,
    ];
    if (options.title) lines.push(`  label=${q(options.title)}; labelloc=t;`);
    for (const n of g.nodes) {
      const style = n.kind === "input"
        ? `shape=ellipse style=filled fillcolor="#d9f2d9"`
        : n.kind === "const"
        ? `shape=note style=filled fillcolor="#eeeeee"`
        : n.kind === "output"
        ? `shape=ellipse style=filled fillcolor="#f9d9d9"`
        : `shape=box style="rounded,filled" fillcolor="#dde8f8"`;
      lines.push(`  ${n.id} [label=${q(n.label)} ${style}];`);
    }
    for (const e of g.edges) lines.push(`  ${e.from} -> ${e.to} [label=${q(e.label)}];`);
    lines.push("}");
    return lines.join("\n");
  }

  /** A Mermaid flowchart of the same graph as `toDot()`. */
  toMermaid(): string {
    const g = this.#graph();
    const q = (s: string) => s.replaceAll('"', "#quot;");
    const lines = ["flowchart TD"];
    for (const n of g.nodes) {
      const [open, close] = n.kind === "eqn"
        ? ["[", "]"]
        : n.kind === "const"
        ? ["[(", ")]"]
        : ["([", "])"];
      lines.push(`  ${n.id}${open}"${q(n.label)}"${close}`);
    }
    for (const e of g.edges) lines.push(`  ${e.from} -- "${q(e.label)}" --> ${e.to}`);
    lines.push("  classDef input fill:#d9f2d9;", "  classDef output fill:#f9d9d9;");
    const ins = g.nodes.filter((n) => n.kind === "input").map((n) => n.id);
    const outs = g.nodes.filter((n) => n.kind === "output").map((n) => n.id);
    if (ins.length) lines.push(`  class ${ins.join(",")} input;`);
    if (outs.length) lines.push(`  class ${outs.join(",")} output;`);
    return lines.join("\n");
  }

  #graph() {
    const names = this.#names();
    type Node = { id: string; label: string; kind: "input" | "const" | "eqn" | "output" };
    const nodes: Node[] = [];
    const edges: { from: string; to: string; label: string }[] = [];
    const producer = new Map<Var, string>();
    const edgeLabel = (v: Var) => {
      const name = names.get(v);
      return name === undefined ? shortAval(v.aval) : `${name} ${shortAval(v.aval)}`;
    };
    this.invars.forEach((v, i) => {
      const id = `in${i}`;
      nodes.push({ id, label: `${names.get(v)}: ${fmtAval(v.aval)}`, kind: "input" });
      producer.set(v, id);
    });
    this.constvars.forEach((v, i) => {
      const id = `c${i}`;
      const c = this.consts[i];
      const value = uniformValue(c);
      const label = value === undefined
        ? `const ${names.get(v)}: ${fmtAval(v.aval)}`
        : c.ndim === 0
        ? `${value}`
        : `${value} (every element of ${fmtAval(v.aval)})`;
      nodes.push({ id, label, kind: "const" });
      producer.set(v, id);
    });
    this.eqns.forEach((e, i) => {
      const id = `e${i}`;
      const params = Object.entries(e.params as Record<string, unknown>)
        .filter(([k]) => k !== "jaxpr")
        .map(([k, v]) => `${k}=${fmtParam(v)}`);
      nodes.push({
        id,
        label: params.length ? `${e.prim} ${params.join(" ")}` : e.prim,
        kind: "eqn",
      });
      for (const v of e.inputs) {
        edges.push({
          from: producer.get(v)!,
          to: id,
          label: edgeLabel(v),
        });
      }
      for (const v of e.outputs) producer.set(v, id);
    });
    this.outvars.forEach((v, i) => {
      const id = `out${i}`;
      nodes.push({ id, label: `out ${i}: ${fmtAval(v.aval)}`, kind: "output" });
      edges.push({ from: producer.get(v)!, to: id, label: edgeLabel(v) });
    });
    return { nodes, edges };
  }
}

function isTracer(x: NDArray): boolean {
  return x instanceof Tracer;
}

/**
 * The value of a concrete constant whose elements are all equal, as a literal
 * (`1.0`, `0.1`, `3`, `true`), or undefined when the elements differ.
 */
function uniformValue(x: NDArray): string | undefined {
  if (isTracer(x) || x.size === 0) return undefined;
  const d = (x as ArrayValue).data;
  for (let i = 1; i < d.length; i++) if (!Object.is(d[i], d[0])) return undefined;
  const v = d[0];
  if (x.dtype === "bool") return v ? "true" : "false";
  if (x.dtype === "int32" || !Number.isFinite(v)) return String(v);
  const s = String(x.dtype === "float32" ? Number(v.toPrecision(7)) : v);
  return /[.e]/.test(s) ? s : `${s}.0`;
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

// ---- the staging interpreter ----------------------------------------------------

export class StagingTracer extends Tracer {
  constructor(readonly trace: StagingTrace, readonly aval: Aval, readonly variable: Var) {
    super();
  }
  _value(): ArrayValue {
    this.assertAlive();
    throw new TypeError(
      `Cannot read the value of a traced array (${fmtAval(this.aval)}) inside ` +
        `${this.trace.main.name}(): while tracing, arrays stand for every possible value, so a ` +
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

export function fmtAvals(avals: readonly Aval[]): string {
  return avals.map((a) => `${a.dtype}${fmtShape(a.shape)}`).join(", ");
}
