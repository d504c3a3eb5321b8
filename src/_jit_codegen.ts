/**
 * Code generation for jit's fused loops: the typed lowering table of the
 * elementwise primitives (scalar JS templates), float32 sin/cos, and
 * `compileGroup`, which turns one fused group of equations into a generated
 * loop nest over the group's shape (see `_jit.ts` for the passes that form
 * the groups).
 *
 * Generated loops keep float32 intermediates in double precision and round
 * only when they store to a Float32Array, so a fused chain is at least as
 * accurate as the eager kernels (which round after every op) and agrees with
 * them to float32 rounding, not bit for bit — as XLA's fusion does. sin and cos
 * use faster float32 implementations on float32-rounded arguments.
 */
import type { DType, TypedArray } from "./_dtype.ts";
import { logistic, roundHalfEven } from "./_eval.ts";
import type { Eqn, Var } from "./_jaxpr.ts";
import { ArrayValue } from "./_ndarray.ts";
import {
  type BinaryPrimitive,
  type ComparePrimitive,
  ELEMENTWISE,
  type Primitive,
  type PrimitiveParams,
  type UnaryPrimitive,
} from "./_primitives.ts";
import { sizeOf, stridesOf } from "./_shape.ts";

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
  // the float32 sin/cos take float32 arguments (their range reduction relies on it)
  sin: ([x], c) => (c.outDtype === "float32" ? `H.sin(fr(${x}))` : `Math.sin(${x})`),
  cos: ([x], c) => (c.outDtype === "float32" ? `H.cos(fr(${x}))` : `Math.cos(${x})`),
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
    case "float32": // intermediates stay in double precision; stores round to float32
    case "float64":
      return expr;
    case "int32":
      return prim === "convert" ? expr : `(${expr} | 0)`;
    case "bool":
      return prim === "convert" ? expr : `(${expr} & 255)`;
  }
}

/** A unit of the plan: a fused group of equations (indices into `eqns`) or one kernel. */
export interface Unit {
  kind: "group" | "kernel";
  members: number[];
  /** The loop shape of a group. */
  shape: readonly number[];
}

/** One step of an executable: reads and writes array slots. */
export type Step = (env: ArrayValue[]) => void;

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

export interface GroupCode {
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
export function compileGroup(
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
        body.push(`H.sincos(fr(${local.get(x) ?? load(x, rowMajor)}));`);
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
