/**
 * Code generation for jit's fused loops: `compileGroup` turns one fused group of
 * equations into a generated loop nest over the group's shape, with each
 * equation's scalar code taken from the lowering table
 * (`src/interpreters/_lowering.ts`); `_compile.ts` has the passes that form the
 * groups.
 *
 * Generated loops keep float32 intermediates in double precision and round
 * only when they store to a Float32Array, so a fused chain is at least as
 * accurate as the eager kernels (which round after every op) and agrees with
 * them to float32 rounding, not bit for bit — as XLA's fusion does. sin and cos
 * use faster float32 implementations on float32-rounded arguments.
 */
import type { DType, TypedArray } from "../core/_dtype.ts";
import {
  type ElementwisePrimitive,
  EXACT_FLOAT32,
  LOWERING_HELPERS as HELPERS,
  LOWERINGS,
  wrap,
} from "../interpreters/_lowering.ts";
import type { Eqn, PrimitiveParams, Var } from "../core/_ir.ts";
import { DATA } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import { sizeOf, stridesOf } from "../core/_shape.ts";

/** A unit of the plan: a fused group of equations (indices into `eqns`) or one kernel. */
export interface Unit {
  kind: "group" | "kernel";
  members: number[];
  /** The loop shape of a group. */
  shape: readonly number[];
}

/** One step of an executable: reads and writes array slots. */
export type Step = (env: ArrayValue[]) => void;

/**
 * A number that generated source text will contain: a non-negative safe
 * integer, or an error (the program was checked already; this is the last guard).
 */
function int(n: number): number {
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
    throw new TypeError(
      `jit: internal: ${String(n)} is not a size or index; refusing to generate code.`,
    );
  }
  return n;
}

/**
 * True when every element of `x` has the same bit pattern (so a uniform NaN or −0 counts; NaNs
 * of different payloads do not, which only keeps such a constant an array). The patterns are
 * compared as integers: a scalar broadcast to a million-element constant is checked in ~0.3 ms
 * (Object.is per element took ~1 ms, and a jitted nn.gelu has a dozen such constants).
 */
export function uniform(x: ArrayValue): boolean {
  let u = uniformity.get(x);
  if (u === undefined) uniformity.set(x, u = scanUniform(x));
  return u;
}

/** What {@link uniform} found, per constant (arrays are immutable; the JS and wasm codegen both ask). */
const uniformity = new WeakMap<ArrayValue, boolean>();

function scanUniform(x: ArrayValue): boolean {
  const d = x[DATA], n = d.length;
  if (n === 0) return false;
  if (d instanceof Float32Array || d instanceof Float64Array) {
    const w = new Int32Array(d.buffer, d.byteOffset, n * (d.BYTES_PER_ELEMENT >> 2));
    const step = w.length / n;
    for (let k = 0; k < step; k++) {
      const first = w[k];
      for (let i = k + step; i < w.length; i += step) if (w[i] !== first) return false;
    }
    return true;
  }
  const first = d[0];
  for (let i = 1; i < n; i++) if (d[i] !== first) return false;
  return true;
}

function ctorName(dtype: DType): string {
  return {
    float32: "Float32Array",
    float64: "Float64Array",
    float16: "Float32Array",
    bfloat16: "Float32Array",
    int32: "Int32Array",
    int16: "Int16Array",
    int8: "Int8Array",
    uint8: "Uint8Array",
    uint32: "Uint32Array",
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
  /**
   * Binds the loop to the executable's slot shapes and scratch buffers. `given[s]`, when
   * set for a call, is the buffer a fresh output of slot `s` is written into instead of a
   * new one (a donated input's, see `_compile.ts`).
   */
  make(
    shapes: readonly (readonly number[])[],
    scratch: TypedArray[],
    given: readonly (TypedArray | undefined)[],
  ): Step;
}

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
  exact = false,
): GroupCode {
  const L = unit.shape;
  const N = sizeOf(L);
  // Sizes, extents and strides are read from NUMS rather than written into the
  // source, so one program structure has one source text whatever its shapes: the
  // engines keep every distinct compiled source (V8: ~2 KB each, for the process's
  // lifetime), so sources made per signature would grow without bound.
  const NUMS: number[] = [];
  const num = (n: number): string => `N${NUMS.push(int(n)) - 1}`;
  const rowMajor = stridesOf(L);
  const pre: string[] = []; // before the loop
  const reads: string[] = []; // loads at the top of the loop body, `name = buf[` + access
  const readAccess: number[] = [];
  const body: string[] = []; // per element
  // per element: `buf[access] text`; `reads`: the text reads the element first as `m`
  const stores: { text: string; buf: string; access: number; reads?: boolean }[] = [];
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
      pre.push(`const ${name} = env[${int(slot(v))}][D];`);
    }
    return name;
  };
  /** Reads materialised `v` at the loop position mapped through `strides`. */
  const load = (v: Var, strides: readonly number[]): string => {
    const c = consts.get(v);
    if (c && uniform(c)) {
      pre.push(`const k${K.length} = K[${K.length}];`);
      return `k${K.push(c[DATA][0]) - 1}`;
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
    const size = num(sizeOf(v.aval.shape));
    const alloc = `new ${ctorName(v.aval.dtype)}(${size})`;
    const s = int(slot(v));
    pre.push(
      fresh(v)
        ? `const ${name} = G[${s}] || ${alloc};`
        : `const ${name} = S[${s}] || (S[${s}] = ${alloc});`,
    );
    outs.push(`env[${s}] = new A(${name}, SH[${s}], "${v.aval.dtype}");`);
    return name;
  };

  // float32 sin and cos of one operand share their range reduction (not in exact
  // programs: those call Math.sin/cos as eager does)
  const trig = (e: Eqn) =>
    !exact && (e.prim === "sin" || e.prim === "cos") && e.inputs[0].aval.dtype === "float32";
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
    if (e.prim === "reduce_max") {
      // a row maximum (over trailing axes, see isRowReduction in _passes.ts): eager's fold
      // in row-major order from -∞, so equal to it bit for bit (the first NaN, the first
      // of equal zeros)
      const { axes } = e.params as PrimitiveParams["reduce_max"];
      const x = local.get(e.inputs[0]) ?? load(e.inputs[0], rowMajor);
      const buf = outBuf(out);
      const outStrides = stridesOf(out.aval.shape);
      let j = 0;
      const s = L.map((_, k) => (axes.includes(k) ? 0 : outStrides[j++]));
      pre.push(`${buf}.fill(-Infinity);`);
      stores.push({
        text: `= (${x} > m || ${x} !== ${x}) && m === m ? ${x} : m`,
        buf,
        access: accessOf(s),
        reads: true,
      });
      continue;
    }
    if (e.prim === "reduce_sum") {
      // fused reduction: accumulate in doubles in row-major order, as the eager fold does
      const { axes } = e.params as PrimitiveParams["reduce_sum"];
      const x = local.get(e.inputs[0]) ?? load(e.inputs[0], rowMajor);
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
        pre.push(`const ${acc} = new Float64Array(${num(sizeOf(out.aval.shape))});`);
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
      const outDtype = out.aval.dtype;
      if (exact && outDtype === "float32") {
        // round after every op, with the eager kernels' scalar functions
        const f = EXACT_FLOAT32[e.prim];
        expr = `fr(${f ? `${f}(${args[0]})` : lower(args, { inDtype, outDtype })})`;
      } else expr = wrap(e.prim, lower(args, { inDtype, outDtype }), inDtype, outDtype);
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
    const term = s === 0 ? "" : s === 1 ? `c${k}` : `c${k} * ${num(s)}`;
    return [k === 0 ? "" : `p${a}_${k - 1}`, term].filter(Boolean).join(" + ") || "0";
  };
  const lines: string[] = [...pre];
  let ind = "";
  for (let k = 0; k < r; k++) {
    lines.push(`${ind}for (let c${k} = 0; c${k} < ${num(dims[k])}; c${k}++) {`);
    ind += "  ";
    if (k < r - 1) accesses.forEach((_, a) => lines.push(`${ind}const p${a}_${k} = ${idx(a, k)};`));
  }
  reads.forEach((rd, j) => lines.push(`${ind}${rd}${idx(readAccess[j], r - 1)}];`));
  for (const b of body) lines.push(ind + b);
  for (const s of stores) {
    const at = idx(s.access, r - 1);
    if (s.reads) lines.push(`${ind}{ const m = ${s.buf}[${at}]; ${s.buf}[${at}] ${s.text}; }`);
    else lines.push(`${ind}${s.buf}[${at}] ${s.text};`);
  }
  for (let k = 0; k < r; k++) {
    ind = ind.slice(2);
    lines.push(`${ind}}`);
  }
  lines.push(...post, ...outs);
  if (N === 0) lines.length = 0, lines.push(...pre, ...outs);
  if (NUMS.length) lines.unshift(`const ${NUMS.map((_, i) => `N${i} = NUMS[${i}]`).join(", ")};`);
  const source = lines.join("\n");
  const factory = new Function(
    "H",
    "fr",
    "K",
    "A",
    "SH",
    "S",
    "NUMS",
    "D",
    "G",
    `"use strict";\nreturn function fused(env) {\n${source}\n};`,
  );
  return {
    source,
    make: (shapes, scratch, given) =>
      factory(HELPERS, Math.fround, K, ArrayValue, shapes, scratch, NUMS, DATA, given),
  };
}
