/**
 * The jit compiler: turns a jaxpr into an executable that runs on concrete
 * arrays. Installed as `evalHooks.jitCall`, so a `jit_call` equation that
 * reaches eager evaluation runs the compiled program (one executable per
 * jaxpr, cached in a WeakMap).
 *
 * Passes, in order:
 *  1. inlining + constant folding + CSE (one walk, `simplify`): nested
 *     `jit_call`s are spliced in; an equation whose inputs are all constants is
 *     evaluated now (except `broadcast`, which stays an index computation); an
 *     equation equal to an earlier one (same primitive, params and inputs)
 *     reuses that one's outputs.
 *  2. dead-code elimination (`dce`): equations no output depends on are dropped.
 *  3. fusion (`fuse`): maximal groups of elementwise equations of one shape,
 *     plus the `broadcast`s feeding them and `reduce_sum`s consuming them,
 *     become one generated JS loop each. Values used only inside a group are
 *     JS locals, never arrays.
 *  4. planning (`plan`): groups and the other equations (run by the eager
 *     kernels of `_eval.ts`) are ordered topologically and given buffer slots.
 *
 * Generated loops round every float32 intermediate with Math.fround, so a fused
 * loop computes exactly what the eager kernels compute, one op at a time.
 */
import { Tracer } from "./_core.ts";
import type { DType, TypedArray } from "./_dtype.ts";
import { evalHooks, evalRules, logistic, roundHalfEven } from "./_eval.ts";
import { type Eqn, type Jaxpr, Var } from "./_jaxpr.ts";
import { ArrayValue } from "./_ndarray.ts";
import {
  type BinaryPrimitive,
  type ComparePrimitive,
  ELEMENTWISE,
  type Primitive,
  type PrimitiveParams,
  type UnaryPrimitive,
} from "./_primitives.ts";
import { fmtShape, shapesEqual, sizeOf, stridesOf } from "./_shape.ts";

// ---- the elementwise lowering table -------------------------------------------------

/** The primitives a fused loop computes inline. */
export type ElementwisePrimitive =
  | UnaryPrimitive
  | BinaryPrimitive
  | ComparePrimitive
  | "select"
  | "convert"
  | "stop_gradient";

/** What a template sees: operand expressions (plain identifiers) and dtypes. */
interface LowerCtx {
  inDtype: DType;
  outDtype: DType;
}
type Lowering = (a: string[], ctx: LowerCtx) => string;

// sin and cos for float32 results, about 3x faster than V8's Math.sin: reduce x by
// k·π/2 (Cody-Waite, π/2 split in two so k·PIO2_HI is exact), then Taylor series
// on |r| ≤ π/4, accurate to ~1e-11, far below float32 rounding. Large |x| and
// non-finite x fall back to Math.
const PIO2_HI = 1.5707963267341256, PIO2_LO = 6.077100506506192e-11, INV_PIO2 = 0.6366197723675814;
function sinCosQuadrant(x: number, shift: number): number {
  const k = Math.round(x * INV_PIO2);
  const r = (x - k * PIO2_HI) - k * PIO2_LO;
  const z = r * r;
  const q = (k + shift) & 3;
  if ((q & 1) === 0) {
    // sin r = r − r³/3! + r⁵/5! − ...
    const s = r +
      r * z * (-1 / 6 + z * (1 / 120 + z * (-1 / 5040 + z * (1 / 362880 + z * (-1 / 39916800)))));
    return q === 0 ? s : -s;
  }
  // cos r = 1 − r²/2! + r⁴/4! − ...
  const c = 1 +
    z *
      (-0.5 + z * (1 / 24 + z * (-1 / 720 + z * (1 / 40320 + z * (-1 / 3628800 + z / 479001600)))));
  return q === 1 ? c : -c;
}
/** Both sin(x) and cos(x) for float32 results, sharing one range reduction: into SC[0], SC[1]. */
const SC = new Float64Array(2);
function sinCosF32(x: number): void {
  if (x === 0 || !(Math.abs(x) < 1e5)) {
    SC[0] = Math.sin(x);
    SC[1] = Math.cos(x);
    return;
  }
  const k = Math.round(x * INV_PIO2);
  const r = (x - k * PIO2_HI) - k * PIO2_LO;
  const z = r * r;
  const s = r +
    r * z * (-1 / 6 + z * (1 / 120 + z * (-1 / 5040 + z * (1 / 362880 + z * (-1 / 39916800)))));
  const c = 1 +
    z *
      (-0.5 + z * (1 / 24 + z * (-1 / 720 + z * (1 / 40320 + z * (-1 / 3628800 + z / 479001600)))));
  // sin(r + qπ/2) and cos(r + qπ/2) by quadrant q
  const q = k & 3;
  SC[0] = q === 0 ? s : q === 1 ? c : q === 2 ? -s : -c;
  SC[1] = q === 0 ? c : q === 1 ? -s : q === 2 ? -c : s;
}
/** sin(x) for float32 results (exact ±0 preserved). */
export function sinF32(x: number): number {
  return x === 0 || !(Math.abs(x) < 1e5) ? Math.sin(x) : sinCosQuadrant(x, 0);
}
/** cos(x) for float32 results: cos x = sin(x + π/2), one quadrant on. */
export function cosF32(x: number): number {
  return !(Math.abs(x) < 1e5) ? Math.cos(x) : sinCosQuadrant(x, 1);
}

const cmp = (op: string): Lowering => ([x, y]) => `(${x} ${op} ${y} ? 1 : 0)`;

/**
 * Scalar JS code for each elementwise primitive, over operand identifiers.
 * Results are then wrapped to the output dtype (`fround`, `|0`, `&255`).
 */
export const LOWERINGS: { [P in ElementwisePrimitive]: Lowering } = {
  neg: ([x]) => `(-${x})`,
  exp: ([x]) => `Math.exp(${x})`,
  log: ([x]) => `Math.log(${x})`,
  log1p: ([x]) => `Math.log1p(${x})`,
  expm1: ([x]) => `Math.expm1(${x})`,
  sin: ([x], c) => (c.outDtype === "float32" ? `H.sin(${x})` : `Math.sin(${x})`),
  cos: ([x], c) => (c.outDtype === "float32" ? `H.cos(${x})` : `Math.cos(${x})`),
  tan: ([x]) => `Math.tan(${x})`,
  tanh: ([x]) => `Math.tanh(${x})`,
  sqrt: ([x]) => `Math.sqrt(${x})`,
  rsqrt: ([x]) => `(1 / Math.sqrt(${x}))`,
  logistic: ([x]) => `H.logistic(${x})`,
  abs: ([x]) => `Math.abs(${x})`,
  sign: ([x]) => `(${x} > 0 ? 1 : ${x} < 0 ? -1 : ${x})`,
  floor: ([x]) => `Math.floor(${x})`,
  ceil: ([x]) => `Math.ceil(${x})`,
  round: ([x]) => `H.round(${x})`,
  add: ([x, y]) => `(${x} + ${y})`,
  sub: ([x, y]) => `(${x} - ${y})`,
  // int32 products wrap like Math.imul, as the eager kernel does
  mul: ([x, y], c) => (c.outDtype === "int32" ? `Math.imul(${x}, ${y})` : `(${x} * ${y})`),
  div: ([x, y]) => `(${x} / ${y})`,
  pow: ([x, y]) => `Math.pow(${x}, ${y})`,
  // NaN propagates from either side (x !== x tests for NaN)
  max: ([x, y]) => `(${x} > ${y} || ${x} !== ${x} ? ${x} : ${y})`,
  min: ([x, y]) => `(${x} < ${y} || ${x} !== ${x} ? ${x} : ${y})`,
  eq: cmp("==="),
  ne: cmp("!=="),
  lt: cmp("<"),
  le: cmp("<="),
  gt: cmp(">"),
  ge: cmp(">="),
  select: ([p, t, f]) => `(${p} ? ${t} : ${f})`,
  convert: ([x], { inDtype, outDtype }) => {
    if (outDtype === "bool") return `(${x} !== 0 ? 1 : 0)`;
    if (outDtype === "int32" && inDtype !== "int32" && inDtype !== "bool") {
      // float -> int truncates toward zero and saturates; NaN becomes 0
      return `(${x} !== ${x} ? 0 : Math.max(-2147483648, Math.min(2147483647, Math.trunc(${x}))))`;
    }
    return x;
  },
  stop_gradient: ([x]) => x,
};

/** Ops whose result is already exact in the operands' dtype (no rounding or wrapping needed). */
const EXACT = new Set<Primitive>([
  "select",
  "stop_gradient",
  "max",
  "min",
  "sign",
  "floor",
  "ceil",
  "round",
  "eq",
  "ne",
  "lt",
  "le",
  "gt",
  "ge",
]);

for (const p of ELEMENTWISE) {
  if (!(p in LOWERINGS)) throw new Error(`internal: jit has no lowering for ${p}.`);
}

/** Wraps a scalar expression so it holds exactly what an array of `dtype` would store. */
function wrap(prim: Primitive, expr: string, inDtype: DType, outDtype: DType): string {
  if (EXACT.has(prim)) return expr;
  if (prim === "convert" && inDtype === outDtype) return expr;
  switch (outDtype) {
    case "float32":
      return `fr(${expr})`;
    case "float64":
      return expr;
    case "int32":
      return prim === "convert" ? expr : `(${expr} | 0)`;
    case "bool":
      return prim === "convert" ? expr : `(${expr} & 255)`;
  }
}

// ---- pass 1: inline nested calls, fold constants, eliminate common subexpressions ----

/** A flat program: the compiler's working form of a jaxpr (no nested calls). */
export interface Program {
  invars: Var[];
  consts: Map<Var, ArrayValue>;
  eqns: Eqn[];
  outvars: Var[];
}

export function simplify(jaxpr: Jaxpr): Program {
  const consts = new Map<Var, ArrayValue>();
  const eqns: Eqn[] = [];
  const seen = new Map<string, Var[]>();
  const ids = new Map<Var, number>();
  const id = (v: Var) => ids.get(v) ?? (ids.set(v, ids.size), ids.size - 1);
  const emit = (jx: Jaxpr, inputs: readonly Var[]): Var[] => {
    const env = new Map<Var, Var>();
    jx.invars.forEach((v, i) => env.set(v, inputs[i]));
    jx.constvars.forEach((v, i) => {
      const c = jx.consts[i];
      if (c instanceof Tracer) {
        throw new Error("internal: a compiled jaxpr closes over a traced value.");
      }
      consts.set(v, c as ArrayValue);
      env.set(v, v);
    });
    for (const e of jx.eqns) {
      const ins = e.inputs.map((v) => env.get(v)!);
      let outs: Var[];
      if (e.prim === "jit_call") {
        outs = emit((e.params as PrimitiveParams["jit_call"]).jaxpr, ins);
      } else if (e.prim !== "broadcast" && ins.every((v) => consts.has(v))) {
        // constant folding: evaluate now with the eager kernels
        const vals = evalRules[e.prim](ins.map((v) => consts.get(v)!), e.params as never);
        outs = vals.map((x) => {
          const v = new Var({ shape: x.shape, dtype: x.dtype });
          consts.set(v, x);
          return v;
        });
      } else {
        // CSE: one equation per (primitive, params, inputs)
        const key = `${e.prim}|${JSON.stringify(e.params)}|${ins.map(id).join(",")}`;
        const prev = seen.get(key);
        if (prev) outs = prev;
        else {
          outs = e.outputs.map((o) => new Var(o.aval));
          eqns.push({ prim: e.prim, inputs: ins, params: e.params, outputs: outs });
          seen.set(key, outs);
        }
      }
      e.outputs.forEach((o, i) => env.set(o, outs[i]));
    }
    return jx.outvars.map((v) => env.get(v)!);
  };
  const invars = jaxpr.invars.map((v) => new Var(v.aval));
  const outvars = emit(jaxpr, invars);
  return { invars, consts, eqns, outvars };
}

// ---- pass 2: dead-code elimination ---------------------------------------------------

/** Keeps only equations an output depends on (every primitive is pure). */
export function dce(p: Program): Program {
  const live = new Set<Var>(p.outvars);
  const kept: Eqn[] = [];
  for (let k = p.eqns.length - 1; k >= 0; k--) {
    const e = p.eqns[k];
    if (e.outputs.some((o) => live.has(o))) {
      kept.push(e);
      e.inputs.forEach((v) => live.add(v));
    }
  }
  const consts = new Map([...p.consts].filter(([v]) => live.has(v)));
  return { invars: p.invars, consts, eqns: kept.reverse(), outvars: p.outvars };
}

// ---- pass 3: fusion ------------------------------------------------------------------

type Kind = "kernel" | "elementwise" | "broadcast" | "reduce";

/** A unit of the plan: a fused group of equations (indices into `eqns`) or one kernel. */
export interface Unit {
  kind: "group" | "kernel";
  members: number[];
  /** The loop shape of a group. */
  shape: readonly number[];
}

/**
 * Groups equations with union-find. Walking in order, an elementwise equation
 * joins the group of each operand's producer that is an elementwise or
 * broadcast equation of the same shape; a `reduce_sum` joins the group that
 * produces its operand. A merge is refused when it would create a cycle
 * between units (some other unit both depends on one side and feeds the
 * other) or would read a group's reduction before the loop has finished it.
 */
export function fuse(eqns: readonly Eqn[]): Unit[] {
  const n = eqns.length;
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]];
    return i;
  };
  const kind: Kind[] = eqns.map((e) =>
    ELEMENTWISE.has(e.prim)
      ? "elementwise"
      : e.prim === "broadcast"
      ? "broadcast"
      : e.prim === "reduce_sum"
      ? "reduce"
      : "kernel"
  );
  const producer = new Map<Var, number>();
  eqns.forEach((e, i) => e.outputs.forEach((o) => producer.set(o, i)));
  const members = eqns.map((_, i) => [i]);
  const preds = eqns.map((e) => {
    const s = new Set<number>();
    for (const v of e.inputs) {
      const p = producer.get(v);
      if (p !== undefined) s.add(p);
    }
    return s;
  });
  const isGroup = eqns.map((_, i) => kind[i] === "elementwise" || kind[i] === "broadcast");
  const shape = eqns.map((e) => e.outputs[0].aval.shape);

  /** Whether unit `from` depends on unit `target` (roots), following predecessors. */
  const reaches = (from: number, target: number): boolean => {
    const stack = [from], visited = new Set<number>([from]);
    while (stack.length) {
      const u = stack.pop()!;
      if (u === target) return true;
      for (const p of preds[u]) {
        const r = find(p);
        if (!visited.has(r)) visited.add(r), stack.push(r);
      }
    }
    return false;
  };
  const readsReduceOf = (a: number, b: number) =>
    members[a].some((m) =>
      eqns[m].inputs.some((v) => {
        const p = producer.get(v);
        return p !== undefined && kind[p] === "reduce" && find(p) === b;
      })
    );
  const canMerge = (a: number, b: number): boolean => {
    if (readsReduceOf(a, b) || readsReduceOf(b, a)) return false;
    for (const [x, y] of [[a, b], [b, a]]) {
      for (const p of preds[x]) {
        const r = find(p);
        if (r !== x && r !== y && reaches(r, y)) return false;
      }
    }
    return true;
  };
  const union = (a: number, b: number) => {
    // keep the earlier root; members stay in equation order
    const [keep, drop] = a < b ? [a, b] : [b, a];
    parent[drop] = keep;
    members[keep] = [...members[keep], ...members[drop]].sort((x, y) => x - y);
    for (const p of preds[drop]) preds[keep].add(p);
    isGroup[keep] = true;
  };

  for (let k = 0; k < n; k++) {
    const e = eqns[k];
    if (kind[k] === "elementwise") {
      for (const v of e.inputs) {
        const p = producer.get(v);
        if (p === undefined || (kind[p] !== "elementwise" && kind[p] !== "broadcast")) continue;
        const a = find(k), b = find(p);
        if (a !== b && shapesEqual(shape[b], shape[k]) && canMerge(a, b)) union(a, b);
      }
    } else if (kind[k] === "reduce") {
      // fuse the reduction as the epilogue of the loop computing its operand
      const p = producer.get(e.inputs[0]);
      if (p !== undefined && (kind[p] === "elementwise" || kind[p] === "broadcast")) {
        const b = find(p);
        if (canMerge(k, b)) union(k, b);
      }
    }
  }

  // order units topologically (depth first, earliest equation first)
  const units: Unit[] = [];
  const done = new Set<number>();
  const visit = (r: number) => {
    if (done.has(r)) return;
    done.add(r);
    for (const p of preds[r]) visit(find(p));
    units.push({ kind: isGroup[r] ? "group" : "kernel", members: members[r], shape: shape[r] });
  };
  for (let k = 0; k < n; k++) visit(find(k));
  return units;
}

// ---- pass 4: planning and code generation ----------------------------------------------

/** One step of an executable: reads and writes array slots. */
type Step = (env: ArrayValue[]) => void;

/** A compiled program: `run` maps input arrays to fresh output arrays. */
export interface Executable {
  run(args: readonly ArrayValue[]): ArrayValue[];
  /** The plan as text: kernels, and each fused loop's generated source. */
  describe(): string;
  /** How many fused loops and eager kernels the plan runs. */
  readonly stats: { loops: number; kernels: number; eqns: number };
}

const ALIASING = new Set<Primitive>(["reshape", "stop_gradient"]);

/** True when every element of `x` is the same value (bitwise, so NaN and -0 count). */
function uniform(x: ArrayValue): boolean {
  const d = x.data;
  for (let i = 1; i < d.length; i++) if (!Object.is(d[i], d[0])) return false;
  return d.length > 0;
}

function ctorName(dtype: DType): string {
  return {
    float32: "Float32Array",
    float64: "Float64Array",
    int32: "Int32Array",
    bool: "Uint8Array",
  }[
    dtype
  ];
}

/**
 * Removes size-1 axes and merges neighbouring axes that every access walks
 * contiguously (stride[k] = stride[k+1]·dims[k+1]), so most loops are flat.
 */
function collapse(dims: readonly number[], accesses: number[][]): [number[], number[][]] {
  const keep = dims.map((_, k) => k).filter((k) => dims[k] !== 1);
  let ds = keep.map((k) => dims[k]);
  let ss = accesses.map((s) => keep.map((k) => s[k]));
  for (let k = ds.length - 2; k >= 0; k--) {
    if (ss.every((s) => s[k] === s[k + 1] * ds[k + 1])) {
      ds = [...ds.slice(0, k), ds[k] * ds[k + 1], ...ds.slice(k + 2)];
      ss = ss.map((s) => [...s.slice(0, k), s[k + 1], ...s.slice(k + 2)]);
    }
  }
  if (ds.length === 0) return [[1], ss.map(() => [0])];
  return [ds, ss];
}

interface GroupCode {
  source: string;
  /** Binds the loop to the executable's slot shapes and scratch buffers. */
  make(shapes: readonly (readonly number[])[], scratch: TypedArray[]): Step;
}

const HELPERS = { logistic, round: roundHalfEven, sin: sinF32, cos: cosF32, sincos: sinCosF32, SC };

/**
 * Generates one loop for a fused group. `slot` gives every materialised
 * variable its index in the environment; `needed` says which member values
 * leave the loop; `fresh` which buffers leave the program (allocated per
 * call; the others are scratch buffers the executable keeps across calls).
 */
function compileGroup(
  eqns: readonly Eqn[],
  unit: Unit,
  slot: (v: Var) => number,
  needed: (v: Var) => boolean,
  fresh: (v: Var) => boolean,
  consts: Map<Var, ArrayValue>,
): GroupCode {
  const L = unit.shape;
  const N = sizeOf(L);
  const rowMajor = stridesOf(L);
  const pre: string[] = []; // before the loop
  const reads: string[] = []; // loads at the top of the loop body, `name = buf[` + access
  const readAccess: number[] = [];
  const body: string[] = []; // per element
  const stores: { text: string; buf: string; access: number }[] = [];
  const post: string[] = []; // after the loop
  const K: number[] = []; // uniform constants, hoisted as literals
  const accesses: number[][] = [];
  const accessOf = (s: readonly number[]) => {
    const key = s.join(",");
    const i = accesses.findIndex((a) => a.join(",") === key);
    return i >= 0 ? i : accesses.push([...s]) - 1;
  };
  const local = new Map<Var, string>(); // member values
  const bufs = new Map<Var, string>(); // data of materialised inputs
  const loads = new Map<string, string>(); // (input, access) -> loaded name
  const bufOf = (v: Var) => {
    let name = bufs.get(v);
    if (!name) {
      name = `in${bufs.size}`;
      bufs.set(v, name);
      pre.push(`const ${name} = env[${slot(v)}].data;`);
    }
    return name;
  };
  /** Reads materialised `v` at the loop position mapped through `strides`. */
  const load = (v: Var, strides: readonly number[]): string => {
    const c = consts.get(v);
    if (c && uniform(c)) {
      pre.push(`const k${K.length} = K[${K.length}];`);
      return `k${K.push(c.data[0]) - 1}`;
    }
    const buf = bufOf(v);
    const key = `${buf}|${strides.join(",")}`;
    let name = loads.get(key);
    if (name) return name;
    name = `x${loads.size}`;
    loads.set(key, name);
    if (strides.every((s) => s === 0)) pre.push(`const ${name} = ${buf}[0];`);
    else {
      reads.push(`const ${name} = ${buf}[`);
      readAccess.push(accessOf(strides));
    }
    return name;
  };
  const outs: string[] = [];
  const outBuf = (v: Var) => {
    const name = `o${outs.length}`;
    const size = sizeOf(v.aval.shape);
    const alloc = `new ${ctorName(v.aval.dtype)}(${size})`;
    const s = slot(v);
    pre.push(
      fresh(v) ? `const ${name} = ${alloc};` : `const ${name} = S[${s}] || (S[${s}] = ${alloc});`,
    );
    outs.push(`env[${s}] = new A(${name}, SH[${s}], "${v.aval.dtype}");`);
    return name;
  };

  // float32 sin and cos of one operand share their range reduction
  const trig = (e: Eqn) =>
    (e.prim === "sin" || e.prim === "cos") && e.inputs[0].aval.dtype === "float32";
  const trigOps = unit.members.filter((m) => trig(eqns[m])).map((m) => eqns[m]);
  const paired = new Set(
    trigOps.filter((e) =>
      e.prim === "sin" && trigOps.some((f) => f.prim === "cos" && f.inputs[0] === e.inputs[0])
    )
      .map((e) => e.inputs[0]),
  );
  const sincos = new Map<Var, string>();

  let nv = 0;
  for (const m of unit.members) {
    const e = eqns[m];
    const out = e.outputs[0];
    if (trig(e) && paired.has(e.inputs[0])) {
      const x = e.inputs[0];
      let sc = sincos.get(x);
      if (!sc) {
        sc = `sc${nv}`;
        sincos.set(x, sc);
        body.push(`H.sincos(${local.get(x) ?? load(x, rowMajor)});`);
        body.push(`const ${sc}s = H.SC[0], ${sc}c = H.SC[1];`);
      }
      const name = `v${nv++}`;
      body.push(`const ${name} = fr(${sc}${e.prim === "sin" ? "s" : "c"});`);
      local.set(out, name);
      if (needed(out)) {
        stores.push({ text: `= ${name}`, buf: outBuf(out), access: accessOf(rowMajor) });
      }
      continue;
    }
    if (e.prim === "reduce_sum") {
      // fused reduction: accumulate in doubles in row-major order, as the eager fold does
      const { axes } = e.params as PrimitiveParams["reduce_sum"];
      const x = local.get(e.inputs[0])!;
      const buf = outBuf(out);
      const acc = `acc${nv++}`;
      if (axes.length === L.length) {
        pre.push(`let ${acc} = 0;`);
        body.push(`${acc} += ${x};`);
        post.push(`${buf}[0] = ${acc};`);
      } else {
        const outStrides = stridesOf(out.aval.shape);
        let j = 0;
        const s = L.map((_, k) => (axes.includes(k) ? 0 : outStrides[j++]));
        pre.push(`const ${acc} = new Float64Array(${sizeOf(out.aval.shape)});`);
        stores.push({ text: `+= ${x}`, buf: acc, access: accessOf(s) });
        post.push(`${buf}.set(${acc});`);
      }
      continue;
    }
    let expr: string;
    if (e.prim === "broadcast") {
      // a broadcast is an index computation: stride 0 along the broadcast axes
      const inShape = e.inputs[0].aval.shape;
      expr = load(e.inputs[0], stridesOf(inShape).map((s, k) => (inShape[k] === 1 ? 0 : s)));
    } else {
      const args = e.inputs.map((v) => local.get(v) ?? load(v, rowMajor));
      const inDtype = e.inputs[e.prim === "select" ? 1 : 0].aval.dtype;
      const lower = LOWERINGS[e.prim as ElementwisePrimitive];
      expr = wrap(
        e.prim,
        lower(args, { inDtype, outDtype: out.aval.dtype }),
        inDtype,
        out.aval.dtype,
      );
    }
    const name = `v${nv++}`;
    body.push(`const ${name} = ${expr};`);
    local.set(out, name);
    if (needed(out)) {
      stores.push({ text: `= ${name}`, buf: outBuf(out), access: accessOf(rowMajor) });
    }
  }

  // the loop nest over the collapsed iteration space
  const [dims, strides] = collapse(L, accesses);
  const r = dims.length;
  /** The offset of access `a` once loop counters 0..k are fixed. */
  const idx = (a: number, k: number): string => {
    const s = strides[a][k];
    const term = s === 0 ? "" : s === 1 ? `c${k}` : `c${k} * ${s}`;
    return [k === 0 ? "" : `p${a}_${k - 1}`, term].filter(Boolean).join(" + ") || "0";
  };
  const lines: string[] = [...pre];
  let ind = "";
  for (let k = 0; k < r; k++) {
    lines.push(`${ind}for (let c${k} = 0; c${k} < ${dims[k]}; c${k}++) {`);
    ind += "  ";
    if (k < r - 1) accesses.forEach((_, a) => lines.push(`${ind}const p${a}_${k} = ${idx(a, k)};`));
  }
  reads.forEach((rd, j) => lines.push(`${ind}${rd}${idx(readAccess[j], r - 1)}];`));
  for (const b of body) lines.push(ind + b);
  for (const s of stores) lines.push(`${ind}${s.buf}[${idx(s.access, r - 1)}] ${s.text};`);
  for (let k = 0; k < r; k++) {
    ind = ind.slice(2);
    lines.push(`${ind}}`);
  }
  lines.push(...post, ...outs);
  if (N === 0) lines.length = 0, lines.push(...pre, ...outs);
  const source = lines.join("\n");
  const factory = new Function(
    "H",
    "fr",
    "K",
    "A",
    "SH",
    "S",
    `"use strict";\nreturn function fused(env) {\n${source}\n};`,
  );
  return {
    source,
    make: (shapes, scratch) => factory(HELPERS, Math.fround, K, ArrayValue, shapes, scratch),
  };
}

/** Plans a simplified program: slots, fused loops, kernels; returns the executable. */
function plan(p: Program): Executable {
  const { eqns } = p;
  const units = fuse(eqns);
  const slots = new Map<Var, number>();
  const slot = (v: Var) => slots.get(v) ?? (slots.set(v, slots.size), slots.size - 1);
  p.invars.forEach(slot);
  for (const v of p.consts.keys()) slot(v);

  // where each variable is consumed: by which unit, or by the program's outputs
  const unitOf = new Map<number, number>();
  units.forEach((u, i) => u.members.forEach((m) => unitOf.set(m, i)));
  const producer = new Map<Var, number>();
  eqns.forEach((e, k) => e.outputs.forEach((o) => producer.set(o, k)));
  const usedOutside = new Set<Var>(p.outvars);
  eqns.forEach((e, k) => {
    for (const v of e.inputs) {
      const prod = producer.get(v);
      if (prod === undefined || unitOf.get(prod) !== unitOf.get(k)) usedOutside.add(v);
    }
  });
  // buffers that reach the program's outputs (through aliasing kernels) are fresh per call
  const escapes = new Set<Var>(p.outvars);
  for (let k = eqns.length - 1; k >= 0; k--) {
    const e = eqns[k];
    if (ALIASING.has(e.prim) && escapes.has(e.outputs[0])) escapes.add(e.inputs[0]);
  }

  const steps: Step[] = [];
  const sources: string[] = [];
  const makers: ((shapes: (readonly number[])[], scratch: TypedArray[]) => Step)[] = [];
  let loops = 0, kernels = 0;
  for (const u of units) {
    if (u.kind === "group") {
      const code = compileGroup(
        eqns,
        u,
        slot,
        (v) => usedOutside.has(v),
        (v) => escapes.has(v),
        p.consts,
      );
      loops++;
      sources.push(
        `fused loop over ${fmtShape(u.shape)}: ${u.members.map((m) => eqns[m].prim).join(", ")}\n` +
          code.source.split("\n").map((l) => "    " + l).join("\n"),
      );
      makers.push(code.make);
    } else {
      const e = eqns[u.members[0]];
      const ins = e.inputs.map(slot);
      const outs = e.outputs.map(slot);
      const rule = evalRules[e.prim] as (a: ArrayValue[], q: unknown) => ArrayValue[];
      const params = e.params;
      kernels++;
      sources.push(`kernel ${e.prim} ${JSON.stringify(params)}`);
      makers.push(() => (env) => {
        const r = rule(ins.map((i) => env[i]), params);
        for (let j = 0; j < outs.length; j++) env[outs[j]] = r[j];
      });
    }
  }
  const outSlots = p.outvars.map(slot);
  const nSlots = slots.size;
  const shapes: (readonly number[])[] = new Array(nSlots);
  for (const [v, s] of slots) shapes[s] = v.aval.shape;
  const scratch: TypedArray[] = new Array(nSlots);
  for (const m of makers) steps.push(m(shapes, scratch));
  const template: ArrayValue[] = new Array(nSlots);
  for (const [v, c] of p.consts) template[slots.get(v)!] = c;
  const nIn = p.invars.length;
  return {
    run(args) {
      const env = template.slice();
      for (let i = 0; i < nIn; i++) env[i] = args[i];
      for (let i = 0; i < steps.length; i++) steps[i](env);
      const out = new Array<ArrayValue>(outSlots.length);
      for (let i = 0; i < outSlots.length; i++) out[i] = env[outSlots[i]];
      return out;
    },
    describe: () => sources.join("\n"),
    stats: { loops, kernels, eqns: eqns.length },
  };
}

/** Compiles a jaxpr: simplify (inline, fold, CSE), DCE, fuse, plan. */
export function compile(jaxpr: Jaxpr): Executable {
  return plan(dce(simplify(jaxpr)));
}

const executables = new WeakMap<Jaxpr, Executable>();

/** The executable of a jaxpr, compiled on first use. */
export function executableOf(jaxpr: Jaxpr): Executable {
  let ex = executables.get(jaxpr);
  if (!ex) executables.set(jaxpr, ex = compile(jaxpr));
  return ex;
}

evalHooks.jitCall = (args, { jaxpr }) => executableOf(jaxpr).run(args);
