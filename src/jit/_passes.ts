/**
 * The jit compiler's first three passes over a jaxpr (see `_compile.ts` for the whole
 * pipeline): `simplify` (inlining, constant folding, CSE), `dce` (dead-code elimination)
 * and `fuse` (grouping elementwise equations into loops). Planning and code generation,
 * pass 4, stay in `_compile.ts`.
 */
import { Tracer } from "../core/_trace.ts";
import { evalRules } from "../interpreters/_eval.ts";
import { type Eqn, Jaxpr, type PrimitiveParams, Var } from "../core/_ir.ts";
import type { ArrayValue } from "../core/_array_value.ts";
import { EFFECTFUL, ELEMENTWISE } from "../core/_primitive_families.ts";
import { shapesEqual } from "../core/_shape.ts";
import type { Unit } from "./_codegen_js.ts";
import { innerOf } from "./_wasm_sizing.ts";
// ---- pass 1: inline nested calls, fold constants, eliminate common subexpressions ----

/** A flat program: the compiler's working form of a jaxpr (no nested calls). */
export interface Program {
  invars: Var[];
  consts: Map<Var, ArrayValue>;
  eqns: Eqn[];
  outvars: Var[];
}

/** Nested programs (loop bodies, branches) compare by identity in CSE keys. */
const jaxprIds = new WeakMap<Jaxpr, number>();
let nextJaxprId = 0;
/** JSON.stringify's replacer for params: a nested jaxpr prints as its id. */
export function paramKey(_key: string, value: unknown): unknown {
  if (!(value instanceof Jaxpr)) return value;
  if (!jaxprIds.has(value)) jaxprIds.set(value, nextJaxprId++);
  return `jaxpr#${jaxprIds.get(value)}`;
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
      } else if (EFFECTFUL.has(e.prim)) {
        // a callback runs each time the program runs: never folded or merged
        outs = [];
        eqns.push({ prim: e.prim, inputs: ins, params: e.params, outputs: outs });
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
        const key = `${e.prim}|${JSON.stringify(e.params, paramKey)}|${ins.map(id).join(",")}`;
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
    if (e.outputs.some((o) => live.has(o)) || EFFECTFUL.has(e.prim)) {
      kept.push(e);
      e.inputs.forEach((v) => live.add(v));
    }
  }
  const consts = new Map([...p.consts].filter(([v]) => live.has(v)));
  return { invars: p.invars, consts, eqns: kept.reverse(), outvars: p.outvars };
}

// ---- pass 3: fusion ------------------------------------------------------------------

type Kind = "kernel" | "elementwise" | "broadcast" | "reduce";

/**
 * The most equations one fused loop holds. Longer chains are cut into several
 * loops: a generated function past a few tens of kilobytes of bytecode is not
 * optimised by the engines (V8 stops at ~60 KB), wasm caps a function's locals,
 * and every check below stays bounded.
 */
export const MAX_GROUP_EQNS = 1024;
/** How many units the cycle check may visit before it refuses a merge (conservatively). */
const REACH_BUDGET = 256;

/**
 * Groups equations with union-find. Walking in order, an elementwise equation
 * joins the group of each operand's producer that is an elementwise or
 * broadcast equation of the same shape; a `reduce_sum` joins the group that
 * produces its operand. A merge is refused when it would create a cycle
 * between units (some other unit both depends on one side and feeds the
 * other), would read a group's reduction before the loop has finished it, or
 * would make a group longer than {@link MAX_GROUP_EQNS}.
 *
 * Cost: each root keeps only its external predecessors (entries that became
 * internal are dropped when met), sets merge small-into-large, and the cycle
 * search skips units that end before the other side starts (they cannot
 * depend on it) and gives up, refusing the merge, after {@link REACH_BUDGET}
 * units; so fusing n equations costs O(n log n), not O(n²).
 *
 * `fuseReductions: false` leaves every reduction to its eager kernel. A float32 sum or max
 * over trailing axes that no loop takes in is a group of one (see {@link isRowReduction}).
 */
/**
 * Fused loops wrap integers and round float16/bfloat16 after every op (`wrap` in
 * `_lowering.ts`), as the eager stores do. A fused reduction accumulates in doubles, which
 * the eager float16/bfloat16 and narrow integer sums do not (they accumulate in their
 * float32 or integer storage), so those sums run their eager kernel: jit equals eager there.
 */
function fusibleDtypes(e: Eqn): boolean {
  if (e.prim !== "reduce_sum") return true;
  return [...e.inputs, ...e.outputs].every((v) => WIDE_SUMS.has(v.aval.dtype));
}
const WIDE_SUMS: ReadonlySet<string> = new Set(["float32", "float64", "int32", "bool"]);

/**
 * Whether `e` reduces a float32 array over its trailing axes only (contiguous rows: a row
 * sum or row max, what layerNorm, softmax and logsumexp take). Such a reduction is a group
 * even when no loop produces its operand (the wasm row loops of `_codegen_wasm_rows.ts`), and
 * only such a `reduce_max` is fused at all: it never joins its operand's loop (the wasm row
 * loop fixes the sign of a zero maximum from the stored operand, see there).
 */
export function isRowReduction(e: Eqn): boolean {
  if (e.prim !== "reduce_sum" && e.prim !== "reduce_max") return false;
  const x = e.inputs[0].aval;
  if (x.dtype !== "float32" || e.outputs[0].aval.dtype !== "float32") return false;
  const { axes } = e.params as PrimitiveParams["reduce_sum"];
  return innerOf(x.shape, (j) => axes.includes(j)) !== null;
}

/** The row length of a row reduction (see {@link isRowReduction}), else -1. */
function rowLength(e: Eqn): number {
  if (!isRowReduction(e)) return -1;
  const { axes } = e.params as PrimitiveParams["reduce_sum"];
  return innerOf(e.inputs[0].aval.shape, (j) => axes.includes(j))!;
}

export function fuse(eqns: readonly Eqn[], fuseReductions = true): Unit[] {
  const n = eqns.length;
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]];
    return i;
  };
  const kind: Kind[] = eqns.map((e) =>
    !fusibleDtypes(e)
      ? "kernel"
      : ELEMENTWISE.has(e.prim)
      ? "elementwise"
      : e.prim === "broadcast"
      ? "broadcast"
      : fuseReductions && (e.prim === "reduce_sum" || isRowReduction(e))
      ? "reduce"
      : "kernel"
  );
  const producer = new Map<Var, number>();
  eqns.forEach((e, i) => e.outputs.forEach((o) => producer.set(o, i)));
  // per root: predecessor equations (possibly stale: resolve with find), the reductions
  // its members read, its size and its first and last equation
  const preds = eqns.map((e) => {
    const s = new Set<number>();
    for (const v of e.inputs) {
      const p = producer.get(v);
      if (p !== undefined) s.add(p);
    }
    return s;
  });
  const readsReduce = eqns.map((e) => {
    const s = new Set<number>();
    for (const v of e.inputs) {
      const p = producer.get(v);
      if (p !== undefined && kind[p] === "reduce") s.add(p);
    }
    return s;
  });
  const size = new Array<number>(n).fill(1);
  // per root: the row length of its reductions, when all are row reductions of one length
  // (0: no reduction), else -1
  const rows = eqns.map((e, i) => kind[i] !== "reduce" ? 0 : rowLength(e));
  const first = Array.from({ length: n }, (_, i) => i);
  const last = Array.from({ length: n }, (_, i) => i);
  // a reduction over trailing axes is a group of its own until a loop takes it in (its loop
  // shape is its operand's)
  const isGroup = eqns.map((e, i) =>
    kind[i] === "elementwise" || kind[i] === "broadcast" ||
    (kind[i] === "reduce" && isRowReduction(e))
  );
  const shape = eqns.map((e, i) =>
    (kind[i] === "reduce" ? e.inputs[0] : e.outputs[0])?.aval.shape ?? []
  );

  /** The current roots of `x`'s predecessors, dropping entries that became internal. */
  const rootsOf = (x: number): number[] => {
    const out: number[] = [];
    for (const p of preds[x]) {
      const r = find(p);
      if (r === x) preds[x].delete(p);
      else out.push(r);
    }
    return out;
  };
  /**
   * Whether unit `from` depends on unit `target` (roots), following predecessors;
   * true also when the search runs out of budget (the caller then refuses the merge).
   */
  const reaches = (from: number, target: number): boolean => {
    const stack = [from], visited = new Set<number>([from]);
    while (stack.length) {
      const u = stack.pop()!;
      if (u === target) return true;
      if (last[u] < first[target]) continue; // u ends before target starts
      if (visited.size > REACH_BUDGET) return true;
      for (const r of rootsOf(u)) {
        if (!visited.has(r)) visited.add(r), stack.push(r);
      }
    }
    return false;
  };
  const readsReduceOf = (a: number, b: number) => {
    for (const p of readsReduce[a]) if (find(p) === b) return true;
    return false;
  };
  const canMerge = (a: number, b: number): boolean => {
    if (size[a] + size[b] > MAX_GROUP_EQNS) return false;
    if (readsReduceOf(a, b) || readsReduceOf(b, a)) return false;
    for (const [x, y] of [[a, b], [b, a]]) {
      for (const r of rootsOf(x)) {
        if (r !== y && reaches(r, y)) return false;
      }
    }
    return true;
  };
  const mergeSets = (into: Set<number>, from: Set<number>): Set<number> => {
    const [big, small] = into.size >= from.size ? [into, from] : [from, into];
    for (const x of small) big.add(x);
    return big;
  };
  const union = (a: number, b: number) => {
    // keep the earlier root
    const [keep, drop] = a < b ? [a, b] : [b, a];
    parent[drop] = keep;
    preds[keep] = mergeSets(preds[keep], preds[drop]);
    readsReduce[keep] = mergeSets(readsReduce[keep], readsReduce[drop]);
    rows[keep] = rows[keep] === 0
      ? rows[drop]
      : rows[drop] === 0 || rows[drop] === rows[keep]
      ? rows[keep]
      : -1;
    size[keep] += size[drop];
    first[keep] = Math.min(first[keep], first[drop]);
    last[keep] = Math.max(last[keep], last[drop]);
    isGroup[keep] = true;
  };

  const lone: number[] = []; // row reductions no loop took in
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
      const joins = e.prim === "reduce_sum" && p !== undefined &&
        (kind[p] === "elementwise" || kind[p] === "broadcast");
      if (joins && canMerge(k, find(p))) union(k, find(p));
      else if (isGroup[k]) lone.push(k);
    }
  }
  // a row reduction no loop took in joins a later loop over the array it reads (layerNorm's
  // Σx joins the loop of Σx²: one pass over x), once every loop has its members, and only
  // a loop whose reductions are row reductions of the same length (one that also sums over
  // leading axes has no wasm version, while each alone has)
  for (const r of lone) {
    const x = eqns[r].inputs[0];
    for (let k = r + 1; k < n && find(r) === r && size[r] === 1; k++) {
      if (kind[k] !== "elementwise" || !eqns[k].inputs.includes(x)) continue;
      const a = find(k);
      if (!shapesEqual(shape[a], shape[r]) || (rows[a] !== 0 && rows[a] !== rows[r])) continue;
      if (canMerge(a, r)) union(a, r);
    }
  }

  // members in equation order; then units in topological order (depth first, earliest first)
  const members = new Map<number, number[]>();
  for (let k = 0; k < n; k++) {
    const r = find(k);
    const m = members.get(r);
    if (m) m.push(k);
    else members.set(r, [k]);
  }
  const units: Unit[] = [];
  const state = new Map<number, 1 | 2>(); // 1: on the stack, 2: emitted
  for (let k = 0; k < n; k++) {
    const root = find(k);
    if (state.has(root)) continue;
    const stack: [number, number[], number][] = [[root, rootsOf(root), 0]];
    state.set(root, 1);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [r, ps] = top;
      if (top[2] < ps.length) {
        const p = ps[top[2]++];
        if (!state.has(p)) state.set(p, 1), stack.push([p, rootsOf(p), 0]);
        continue;
      }
      stack.pop();
      state.set(r, 2);
      units.push({
        kind: isGroup[r] ? "group" : "kernel",
        members: members.get(r)!,
        shape: shape[r],
      });
    }
  }
  return units;
}
