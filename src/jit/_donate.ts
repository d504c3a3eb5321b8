/**
 * Buffer donation (`jit`'s `donateArgnums`): which of a program's outputs may be written
 * into the buffer of a donated input instead of a fresh one, decided once per program.
 *
 * An output o may take input v's buffer when writing o there cannot change anything the
 * program still reads:
 *  - v is not itself an output, and neither is any value that may share its buffer: a
 *    `reshape` of v, or any output of a kernel that reads v (a `cond` may return its
 *    operand as is); together, v's alias set A;
 *  - o is produced by an elementwise equation of a fused loop that no later step follows in
 *    reading A: the loop is the last reader of A, or runs after it;
 *  - inside that loop, A is read only by elementwise equations, at the loop's own shape, so
 *    element i is read before element i of o is written and no other element of A is read
 *    after it (the JS loop loads then stores per element; the wasm loop copies a chunk in
 *    before it writes the chunk out, or all of it when split across threads);
 *  - the loop has no sin or cos: their wasm loop may rerun the whole call as the JS loop
 *    after writing some chunks, and would then read overwritten input;
 *  - o has v's dtype and size, and is fresh (allocated per call, so it reaches the outputs).
 * At call time `lendBuffers` also requires that v alone wraps its buffer (`isExclusive`),
 * and that no other argument or constant of the call shares it.
 */
import type { Eqn, Var } from "../core/_ir.ts";
import { ELEMENTWISE } from "../core/_primitive_families.ts";
import { DATA } from "../core/_ndarray.ts";
import { type ArrayValue, isExclusive } from "../core/_array_value.ts";
import type { TypedArray } from "../core/_dtype.ts";
import { shapesEqual, sizeOf } from "../core/_shape.ts";
import type { Unit } from "./_codegen_js.ts";
import { RERUNS_AS_JS } from "./_wasm_math.ts";

/**
 * For each input of the program, the slots of the outputs that may be written into its
 * buffer when it is donated (most often none or one), in plan order. `unitOf` maps an
 * equation's index to its unit's.
 */
export function donationSlots(
  invars: readonly Var[],
  outvars: readonly Var[],
  eqns: readonly Eqn[],
  units: readonly Unit[],
  unitOf: ReadonlyMap<number, number>,
  slot: (v: Var) => number,
  fresh: (v: Var) => boolean,
): number[][] {
  const outs = new Set(outvars);
  return invars.map((v) => {
    if (outs.has(v)) return [];
    // the alias set, and the last unit reading it
    const alias = new Set<Var>([v]);
    let last = -1;
    eqns.forEach((e, k) => {
      if (!e.inputs.some((x) => alias.has(x))) return;
      const u = unitOf.get(k)!;
      last = Math.max(last, u);
      if (units[u].kind !== "group" && e.prim !== "matmul") e.outputs.forEach((o) => alias.add(o));
    });
    for (const a of alias) if (outs.has(a)) return [];
    const size = sizeOf(v.aval.shape), dtype = v.aval.dtype;
    const slots: number[] = [];
    for (let u = Math.max(last, 0); u < units.length; u++) {
      const unit = units[u];
      if (unit.kind !== "group") continue;
      const members = unit.members.map((m) => eqns[m]);
      if (members.some((e) => RERUNS_AS_JS.has(e.prim))) continue;
      if (
        u === last && members.some((e) =>
          e.inputs.some((x) => alias.has(x)) &&
          (!ELEMENTWISE.has(e.prim) ||
            e.inputs.some((x) => alias.has(x) && !shapesEqual(x.aval.shape, unit.shape)))
        )
      ) continue;
      for (const e of members) {
        if (!ELEMENTWISE.has(e.prim)) continue;
        const o = e.outputs[0];
        if (fresh(o) && o.aval.dtype === dtype && sizeOf(o.aval.shape) === size) {
          slots.push(slot(o));
        }
      }
    }
    return slots;
  });
}

/**
 * Fills `given` (by slot) with the buffers of the donated arguments that may be reused
 * this call (see the module comment); each buffer goes to at most one output.
 */
export function lendBuffers(
  args: readonly ArrayValue[],
  donate: readonly boolean[],
  slots: readonly number[][],
  consts: readonly ArrayValue[],
  given: (TypedArray | undefined)[],
): void {
  for (let i = 0; i < slots.length; i++) {
    if (!donate[i] || slots[i].length === 0 || !isExclusive(args[i])) continue;
    const d = args[i][DATA];
    if (args.some((a, j) => j !== i && a[DATA] === d)) continue;
    if (consts.some((c) => c !== undefined && c[DATA] === d)) continue;
    const s = slots[i].find((s) => given[s] === undefined);
    if (s !== undefined) given[s] = d;
  }
}
