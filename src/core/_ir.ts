/**
 * The IR, the lowest layer every interpreter shares: the closed set of primitives with their
 * static parameters, and programs (`Jaxpr`: variables, equations, constants, outputs) with
 * their printers. Abstract values (shape and dtype) live in `_aval.ts`, the named families of
 * primitives (unary, binary, elementwise, ...) in `_primitive_families.ts`.
 *
 * A primitive is only a name; what it does lives in one table per interpreter in
 * `src/interpreters/` (shapes `_shape_rules.ts`, evaluation `_eval.ts`, JVP `_jvp.ts`,
 * transpose `_transpose.ts`, batching `_batching.ts`, jit lowering `_lowering.ts`). Each table
 * is typed `{ [P in Primitive]: Rule<P> }`, so adding a primitive here does not compile until
 * every interpreter handles it.
 *
 * Elementwise primitives take operands of one shape and one dtype: broadcasting
 * and type promotion are done explicitly by the `np` layer (as in `jax.lax`),
 * which keeps every rule free of shape bookkeeping.
 *
 * The primitive set and the program type live in one file because each refers to the other
 * (a higher-order primitive such as `jit_call` carries a `Jaxpr`).
 */
import { type DType, isInteger } from "./_dtype.ts";
import { DATA, type NDArray } from "./_ndarray.ts";
import { ArrayValue } from "./_array_value.ts";
import { type Aval, fmtAval, shortAval } from "./_aval.ts";
import { type DrawGraph, type DrawNode, renderDot, renderMermaid } from "./_jaxpr_draw.ts";

// ---- the closed primitive set --------------------------------------------------

/** The parameters of a primitive that takes none. */
// deno-lint-ignore ban-types
export type None = {};

/** Every primitive and the type of its static parameters: the closed primitive set. */
export interface PrimitiveParams {
  // -- unary elementwise, dtype-preserving ---------------------------------
  /** -x */
  neg: None;
  /** e^x */
  exp: None;
  /** natural logarithm */
  log: None;
  /** log(1 + x) */
  log1p: None;
  /** e^x - 1 */
  expm1: None;
  /** sine */
  sin: None;
  /** cosine */
  cos: None;
  /** tangent */
  tan: None;
  /** hyperbolic tangent */
  tanh: None;
  /** square root */
  sqrt: None;
  /** 1 / sqrt(x) */
  rsqrt: None;
  /** 1 / (1 + e^-x) */
  logistic: None;
  /** |x| */
  abs: None;
  /** -1, 0 or 1 */
  sign: None;
  /** round down */
  floor: None;
  /** round up */
  ceil: None;
  /** round half to even */
  round: None;
  /** error function (2/√π) ∫₀ˣ e^(−t²) dt */
  erf: None;
  /** 1 − erf(x), accurate where erf(x) is near 1 */
  erfc: None;
  /** inverse of erf on (−1, 1) */
  erf_inv: None;
  /** log |Γ(x)| */
  lgamma: None;
  /** ψ(x) = d/dx log Γ(x) */
  digamma: None;
  // -- binary elementwise, dtype-preserving --------------------------------
  /** x + y */
  add: None;
  /** x - y */
  sub: None;
  /** x * y */
  mul: None;
  /** x / y */
  div: None;
  /** x ^ y */
  pow: None;
  /** elementwise maximum */
  max: None;
  /** elementwise minimum */
  min: None;
  /** the angle of the point (x, y) for atan2(y, x), in (−π, π] */
  atan2: None;
  /** x − y·trunc(x / y) (C's fmod; the sign of x) */
  rem: None;
  /** bitwise (int32) or logical (bool) and */
  and: None;
  /** bitwise (int32) or logical (bool) or */
  or: None;
  /** bitwise (int32) or logical (bool) exclusive or */
  xor: None;
  // -- shifts: integer operands of one dtype (width w); a count outside [0, w) shifts all out --
  /** x << s, the low w bits; 0 when s < 0 or s ≥ w */
  shift_left: None;
  /** the w-bit pattern of x >>> s, zeros fill in; 0 when s < 0 or s ≥ w */
  shift_right_logical: None;
  /** the w-bit pattern of x >> s, its top bit fills in; all sign bits when s < 0 or s ≥ w */
  shift_right_arithmetic: None;
  // -- comparisons: two operands of one dtype -> bool ----------------------
  /** x == y */
  eq: None;
  /** x != y */
  ne: None;
  /** x < y */
  lt: None;
  /** x <= y */
  le: None;
  /** x > y */
  gt: None;
  /** x >= y */
  ge: None;
  // -- other elementwise ---------------------------------------------------
  /** select(pred: bool, onTrue, onFalse) */
  select: None;
  /** convert to another dtype */
  convert: { dtype: DType };
  /** Identity whose derivative is zero. */
  stop_gradient: None;
  // -- reductions (axes sorted, reduced axes removed) ----------------------
  /** sum over axes */
  reduce_sum: { axes: number[] };
  /** maximum over axes */
  reduce_max: { axes: number[] };
  /** minimum over axes */
  reduce_min: { axes: number[] };
  /** product over axes */
  reduce_prod: { axes: number[] };
  /** Running sums along an axis (from its end when `reverse`); shape and dtype kept. */
  cumsum: { axis: number; reverse: boolean };
  /** Running maxima along an axis (from its end when `reverse`); NaN propagates. */
  cummax: { axis: number; reverse: boolean };
  /** Running minima along an axis (from its end when `reverse`); NaN propagates. */
  cummin: { axis: number; reverse: boolean };
  /** Running log Σ exp along an axis (from its end when `reverse`). */
  cumlogsumexp: { axis: number; reverse: boolean };
  /** Running products along an axis (from its end when `reverse`); shape and dtype kept. */
  cumprod: { axis: number; reverse: boolean };
  /** index of the maximum along an axis (int32) */
  argmax: { axis: number };
  /** index of the minimum along an axis (int32) */
  argmin: { axis: number };
  /** The stable sorting permutation along an axis (int32, NaN last; descending keeps ties in order). */
  argsort: { axis: number; descending: boolean };
  // -- dense factorisations, batched over leading axes ([..., n, n] or [..., m, n]) ----
  /** The lower Cholesky factor L of a symmetric positive-definite A = L Lᵀ. */
  cholesky: None;
  /** X with op(A) X = B for triangular A [..., n, n] and B [..., n, k]; op(A) = A or Aᵀ. */
  triangular_solve: { lower: boolean; transposeA: boolean };
  /** P A = L U with partial pivoting: [packed L\U, row permutation (int32 [..., n])]. */
  lu: None;
  /** Symmetric eigen-decomposition: [eigenvalues ascending [..., n], eigenvectors as columns]. */
  eigh: None;
  /**
   * Householder QR, A = Q R, of [..., m, n]: [Q [..., m, k], R [..., k, n]] with k = min(m, n),
   * or k = m (square Q) when `full`.
   */
  qr: { full: boolean };
  /**
   * Singular values, descending, of [..., m, n] ([..., min(m, n)]) and, with `computeUv`, U and
   * Vᵀ: [s, U [..., m, k], Vᵀ [..., k, n]] (k = min(m, n); square U and Vᵀ when `fullMatrices`).
   */
  svd: { fullMatrices: boolean; computeUv: boolean };
  /**
   * The pseudo-inverse [..., n, m] of A [..., m, n]; inputs [A, rtol [...]]: singular values
   * ≤ rtol · the largest are dropped.
   */
  pinv: None;
  // -- Fourier transform -------------------------------------------------------
  /**
   * The DFT of complex rows along the last axis, as [re, im] -> [re, im] of one shape:
   * X_k = Σ_j x_j e^(∓2πi jk/n), the plus sign when `inverse` (never scaled by 1/n).
   */
  fft: { inverse: boolean };
  // -- linear algebra --------------------------------------------------------
  /** [...b, m, k] x [...b, k, n] -> [...b, m, n]; batch axes equal. */
  matmul: None;
  // -- structure -------------------------------------------------------------
  /** same elements, new shape */
  reshape: { shape: number[] };
  /** permute axes */
  transpose: { perm: number[] };
  /** Same rank; every input axis is either equal to the output's or 1. */
  broadcast: { shape: number[] };
  /** strided window: start/stop/step per axis */
  slice: { starts: number[]; stops: number[]; steps: number[] };
  /** Zero padding: `lo`/`hi` elements at each end, `interior` between elements. */
  pad: { lo: number[]; hi: number[]; interior: number[] };
  /** join along an axis */
  concatenate: { axis: number };
  /** take(x, indices: int32) along `axis`: out shape = x[:axis] + indices + x[axis+1:]. */
  take: { axis: number };
  /** The transpose of take: scatter-adds updates into zeros whose `axis` has `size`. */
  scatter_add: { axis: number; size: number };
  // -- windows over channels-last x [N, …S, C] (kernels/pool.ts) ------------
  /** Each window's maximum ([N, …OS, C]; NaN propagates); padded cells hold the dtype's minimum. */
  max_pool: { window: number[]; strides: number[]; lo: number[]; hi: number[] };
  /**
   * Each window's cell that JAX's max-pool gradient picks (XLA's select with `ge`, row-major:
   * the first maximum without NaN), as int32 p·C + c, p its flat position in S (∏S if padded).
   */
  max_pool_argmax: { window: number[]; strides: number[]; lo: number[]; hi: number[] };
  // -- random ----------------------------------------------------------------
  /**
   * Threefry-2x32 bits from a key (int32[2]) as int32 words of `shape` (the output
   * shape): 32-bit words of the partitionable stream (JAX's default), or of JAX's
   * original stream when `legacy`; `mode: "bits64"` gives 64-bit words as
   * (high, low) pairs on a trailing axis of 2, `mode: "split"` gives shape[0] keys;
   * with `foldIn`, the hash of (0, foldIn) instead (a new key, shape [2]).
   */
  random_bits: { shape: number[]; foldIn?: number; legacy?: boolean; mode?: "split" | "bits64" };
  // -- staged call -----------------------------------------------------------
  /**
   * Calls a compiled (jitted) program on its flattened arguments. `precision: "exact"`
   * rounds every float32 intermediate to float32, as eager evaluation does.
   */
  jit_call: { jaxpr: Jaxpr; name: string; precision?: "exact" };
  // -- control flow: higher-order primitives whose bodies are jaxprs, traced once ----
  /**
   * A loop of `length` steps: `(carry, ys[i]) = jaxpr(consts, carry, xs[i])`, last step first
   * when `reverse`. Inputs `[consts, init, xs]`, outputs `[carry, ys]` (ys stacked on axis 0).
   */
  scan: { jaxpr: Jaxpr; numConsts: number; numCarry: number; length: number; reverse: boolean };
  /** `branches[clamp(index)](operands)`; inputs `[index: int32[], ...operands]`. */
  cond: { branches: Jaxpr[] };
  /**
   * `while cond(condConsts, carry): carry = body(bodyConsts, carry)`; inputs
   * `[condConsts, bodyConsts, init]`, outputs the final carry.
   */
  while_loop: { cond: Jaxpr; body: Jaxpr; condNumConsts: number; bodyNumConsts: number };
  // -- custom derivatives and rematerialisation ---------------------------------------
  /**
   * `fun(consts, args)` whose JVP is `jvp(consts, args, tangents) -> [outs, tangentOuts]` (a
   * user's rule); the leading `numConsts` inputs are values the function closes over.
   */
  custom_jvp_call: { fun: Jaxpr; jvp: LazyJaxpr; numConsts: number };
  /**
   * `fun(consts, args)` differentiated in reverse by the user's `fwd(consts, args) -> [outs,
   * res]` and `bwd(consts, res, cts) -> argCts`.
   */
  custom_vjp_call: { fun: Jaxpr; fwd: LazyJaxpr; bwd: LazyJaxpr; numConsts: number };
  /**
   * The tangent of a `custom_vjp_call`: a linear map known only through its transpose,
   * `bwd`; inputs `[consts, residuals, tangents]` (`numRes` counts consts and residuals),
   * outputs of `outAvals`.
   */
  custom_vjp_lin: { bwd: Jaxpr; numRes: number; outAvals: Aval[] };
  /** `jaxpr(args)`, whose intermediates the backward pass recomputes instead of storing. */
  checkpoint: { jaxpr: Jaxpr; policy: "nothing_saveable" | "dots_saveable" };
  // -- effects -----------------------------------------------------------------------
  /** Calls `callback` with the concrete values of its inputs when the program runs; no outputs. */
  debug_callback: { callback: (values: NDArray[]) => void; name: string };
}

/** The name of a primitive. */
export type Primitive = keyof PrimitiveParams;

// ---- programs -------------------------------------------------------------------

/**
 * A program traced on first use: a custom derivative rule, which may call the function it
 * belongs to (tracing it eagerly would recurse), and is needed only when differentiating.
 */
export class LazyJaxpr {
  #make: (() => Jaxpr) | undefined;
  #jaxpr: Jaxpr | undefined;
  /** Wraps the function that traces the program; it runs at most once. */
  constructor(make: () => Jaxpr) {
    this.#make = make;
  }
  /** The program (traced now if it was not yet). */
  get jaxpr(): Jaxpr {
    if (!this.#jaxpr) {
      const make = this.#make!;
      this.#make = undefined;
      this.#jaxpr = make();
    }
    return this.#jaxpr;
  }
}

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
  if (value instanceof LazyJaxpr) return "{ rule }";
  if (Array.isArray(value)) return `(${value.join(",")})`;
  return String(value);
}

const isJaxprParam = (v: unknown): boolean =>
  v instanceof Jaxpr || (Array.isArray(v) && v.length > 0 && v.every((j) => j instanceof Jaxpr));

/** The params of an equation that are programs (a body, branches), by name, in order. */
export function nestedJaxprs(e: Eqn): [string, Jaxpr][] {
  const out: [string, Jaxpr][] = [];
  for (const [k, v] of Object.entries(e.params as Record<string, unknown>)) {
    if (v instanceof Jaxpr) out.push([k, v]);
    else if (isJaxprParam(v)) (v as Jaxpr[]).forEach((j, i) => out.push([`${k}[${i}]`, j]));
  }
  return out;
}

/** The params of an equation other than its nested programs, as `key=value` text. */
function fmtParams(e: Eqn): string[] {
  return Object.entries(e.params as Record<string, unknown>)
    .filter(([, v]) => !isJaxprParam(v))
    .map(([k, v]) => `${k}=${fmtParam(v)}`);
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
      const params = fmtParams(e);
      const head = params.length ? `${e.prim}[${params.join(" ")}]` : e.prim;
      lines.push(`    ${e.outputs.map(decl).join(" ")} = ${head} ${e.inputs.map(ref).join(" ")}`);
      // nested programs (a jit body, a loop body, branches) print indented below, as JAX does
      const nested = nestedJaxprs(e);
      for (const [k, j] of nested) {
        const inner = j.toString().split("\n");
        if (nested.length > 1 || k !== "jaxpr") inner[0] = `${k}=${inner[0]}`;
        lines.push(...inner.map((l) => "        " + l));
      }
    }
    lines.push(`  in (${this.outvars.map(ref).join(", ")}) }`);
    return lines.join("\n");
  }

  /**
   * A Graphviz DOT digraph: inputs, constants, one node per equation, edges labelled with
   * avals; nested programs (loop bodies, branches) are clusters.
   */
  toDot(options: { title?: string } = {}): string {
    return renderDot(this.#graph(""), options.title);
  }

  /** A Mermaid flowchart of the same graph as `toDot()` (nested programs are subgraphs). */
  toMermaid(): string {
    return renderMermaid(this.#graph(""));
  }

  #graph(prefix: string): DrawGraph {
    const names = this.#names();
    const nodes: DrawNode[] = [];
    const edges: DrawGraph["edges"] = [];
    const clusters: DrawGraph["clusters"] = [];
    const producer = new Map<Var, string>();
    const edgeLabel = (v: Var) => {
      const name = names.get(v);
      return name === undefined ? shortAval(v.aval) : `${name} ${shortAval(v.aval)}`;
    };
    this.invars.forEach((v, i) => {
      const id = `${prefix}in${i}`;
      nodes.push({ id, label: `${names.get(v)}: ${fmtAval(v.aval)}`, kind: "input" });
      producer.set(v, id);
    });
    this.constvars.forEach((v, i) => {
      const id = `${prefix}c${i}`;
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
      const id = `${prefix}e${i}`;
      nestedJaxprs(e).forEach(([k, j], n) => {
        const sub = `${id}_${n}_`;
        clusters.push({ id: `${sub}g`, owner: id, label: `${e.prim} ${k}`, graph: j.#graph(sub) });
      });
      const params = fmtParams(e);
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
      const id = `${prefix}out${i}`;
      nodes.push({ id, label: `out ${i}: ${fmtAval(v.aval)}`, kind: "output" });
      edges.push({ from: producer.get(v)!, to: id, label: edgeLabel(v) });
    });
    return { nodes, edges, clusters };
  }
}

function isTracer(x: NDArray): boolean {
  return !(x instanceof ArrayValue);
}

/**
 * The value of a concrete constant whose elements are all equal, as a literal
 * (`1.0`, `0.1`, `3`, `true`), or undefined when the elements differ.
 */
function uniformValue(x: NDArray): string | undefined {
  if (isTracer(x) || x.size === 0) return undefined;
  const d = (x as ArrayValue)[DATA];
  for (let i = 1; i < d.length; i++) if (!Object.is(d[i], d[0])) return undefined;
  const v = d[0];
  if (x.dtype === "bool") return v ? "true" : "false";
  if (isInteger(x.dtype) || !Number.isFinite(v)) return String(v);
  const s = String(x.dtype === "float32" ? Number(v.toPrecision(7)) : v);
  return /[.e]/.test(s) ? s : `${s}.0`;
}
