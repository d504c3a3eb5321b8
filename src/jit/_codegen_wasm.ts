/**
 * WebAssembly SIMD (f32x4) versions of jit's fused loops, for the float32
 * groups whose every op has an f32x4 lowering: add, sub, mul, div, neg, abs,
 * sqrt, max, min, stop_gradient (exact), exp, logistic, tanh, sin and cos
 * (`_wasm_math.ts`: approximations with a stated error, or the JS loop's own
 * algorithm; left to JS under `precision: "exact"`), and these:
 * - bools as lane masks (all ones = true): comparisons of float32, and/or/xor of
 *   masks and uniform bool constants (xor with true is logical not), select,
 *   convert bool ↔ float32; bool arrays read as masks and bool results stored as
 *   0/1 bytes.
 * - broadcasts of size-1 arrays (splatted once before the loop) and of rows:
 *   arrays broadcast along leading axes only (a bias [1, c] over [r, c]), read
 *   at element i mod c; c, the period, a multiple of 4.
 * - reduce_sum over leading axes only (a bias gradient: [r, c] → [c]), c a
 *   multiple of 4: each vector's 4 lanes are widened to float64 and added into
 *   the float64 accumulators of their period position, which stay in wasm
 *   memory across chunks; each sum is rounded to float32 once at the end. That
 *   is the JS loop's order and arithmetic (one float64 `+=` per element, row
 *   by row, from +0), so the sums equal the JS loop's bit for bit whenever
 *   the summed values are the same float32s (selects, masks, loaded values);
 *   after rounding ops they sum the float32-rounded values, as eager does.
 *   Sums over trailing axes (and over all axes) are the row loops of
 *   `_codegen_wasm_rows.ts`; sums over interleaved axes keep the JS loop, and
 *   so do groups whose rows and sums have different periods.
 * - int32 and uint32 lanes (i32x4, the 32-bit patterns) for integers the group
 *   converts: int32/uint32 array inputs and uniform constants, and/or/xor, shifts
 *   by a constant count (a random word's `>>> 9`), converts to and from float32,
 *   bool and each other (exact: `emitConvert` in `_wasm_math.ts`). Integer results
 *   stay inside the loop (a group that must store one keeps the JS loop), so a
 *   jitted dropout — random bits → shift → convert → compare, divide, select — is
 *   one SIMD loop.
 * Anything else — other transcendental ops, other broadcasts, other dtypes,
 * small loops — keeps the JS loop of `_codegen_js.ts`, which also stays the
 * reference: the switch {@link setJitWasm} picks between the two at run time.
 *
 * Each eligible group gets its own module, assembled at compile time with
 * `src/kernels/_wasm.ts`, and its own memory sized for the group: scalars, then
 * one 16-byte-aligned region per array input and per output, each padded to a
 * multiple of 4 floats so the loop has no tail (the padding lanes compute
 * junk that is never copied out; float lanes cannot trap). A call copies the
 * inputs in, runs the loop, and copies the outputs out into fresh (or the
 * executable's scratch) Float32Arrays; nothing returned views wasm memory.
 *
 * Every exact f32x4 op rounds to float32, as the eager kernels do after each op
 * (float32 of the exact result: double rounding through float64 is exact for
 * + − × ÷ √), so groups of exact ops equal the eager results bit for bit up to
 * NaN payloads — with one exception outside `precision: "exact"`: a division by a
 * loop-invariant scalar is a product with its reciprocal (within 2 ulp; XLA's CPU
 * code does the same).
 * max/min follow the eager rule exactly (NaN from either side, ties → y):
 *   max(x, y) = (x > y ∨ x ≠ x) ? x : y,  min(x, y) = (x < y ∨ x ≠ x) ? x : y.
 */
import type { Eqn, PrimitiveParams, Var } from "../core/_ir.ts";
import { WASM_LOWERINGS as OPS } from "../interpreters/_lowering.ts";
import { type GroupCode, type Step, uniform, type Unit } from "./_codegen_js.ts";
import { hasSimd, ModuleBuilder, ValType } from "../kernels/_wasm.ts";
import { MEMORY_LIMITS } from "../kernels/_parallel.ts";
import { MAP_MAX_REGIONS, mapBegin, mapModule, mapRun } from "../kernels/_parallel_map.ts";
import {
  APPROXIMATE,
  emitAccumulate,
  emitConvert,
  emitLoadBool,
  emitShift,
  emitStoreBool,
  isIntLane,
  type LaneKind,
  LOGIC_OPS,
  MASK_OPS,
  SHIFT_OPS,
  WASM_EXACT,
  WASM_EXTRA,
} from "./_wasm_math.ts";
import { DATA } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import { cacheByBytes } from "./_wasm_cache.ts";
import { shapesEqual, sizeOf } from "../core/_shape.ts";
import {
  copyWeight,
  innerOf,
  jitWasmEnabled,
  opWeight,
  periodOf,
  splitThresholds,
  WASM_CHEAP_MAX_ELEMENTS,
  WASM_CHUNK_ELEMENTS,
  wasmMinElements,
} from "./_wasm_sizing.ts";

// the settings and thresholds, where the tests and benchmarks import them from
export {
  jitWasmEnabled,
  setJitWasm,
  setJitWasmMinElements,
  setJitWasmSplitMin,
  type SplitMin,
  WASM_CHEAP_MAX_ELEMENTS,
  WASM_CHUNK_ELEMENTS,
  WASM_MIN_ELEMENTS,
  WASM_SPLIT_MIN_ELEMENTS,
  WASM_SPLIT_MIN_OPS_PER_COPY,
  WASM_SPLIT_MIN_WORK,
} from "./_wasm_sizing.ts";

/**
 * Instances by module bytes (at most 256). Sharing an instance is safe: a call copies in,
 * runs and copies out without yielding.
 */
const instanceOf = cacheByBytes((bytes) =>
  new WebAssembly.Instance(new WebAssembly.Module(bytes as BufferSource))
    .exports as unknown as WasmExports
);

/** Shared-memory modules (split across threads) by their bytes, at most 256. */
const sharedModuleOf = cacheByBytes(mapModule);

interface WasmExports {
  memory: WebAssembly.Memory;
  run(...args: number[]): number;
}

/**
 * How a value lives in the loop: float32 lanes, a lane mask (a bool: all ones = true), or
 * the 32-bit patterns of int32 / uint32 lanes.
 */
type Kind = LaneKind;
const KINDS: Partial<Record<string, Kind>> = {
  float32: "float",
  bool: "mask",
  int32: "int",
  uint32: "uint",
};
const kindOf = (v: Var): Kind | null => KINDS[v.aval.dtype] ?? null;

/**
 * The wasm version of a fused group, or null when the group is not eligible
 * (see the file header). `js` is the group's JS loop: the returned step runs
 * it instead while {@link setJitWasm} is off. Arguments as for `compileGroup`.
 */
export function compileGroupWasm(
  eqns: readonly Eqn[],
  unit: Unit,
  slot: (v: Var) => number,
  needed: (v: Var) => boolean,
  fresh: (v: Var) => boolean,
  consts: Map<Var, ArrayValue>,
  js: GroupCode,
  exact = false,
): GroupCode | null {
  const L = unit.shape;
  const N = sizeOf(L);
  if (!hasSimd || N < wasmMinElements() || N === 0) return null;
  const members = new Set<Var>();
  const masks = new Set<Var>(); // bool values (members and inputs), lane masks in the loop
  const scalars: Var[] = []; // size-1 float32 inputs, splatted
  const arrays: Var[] = []; // full-shape inputs (float32; bool ones load as masks)
  const rows: Var[] = []; // float32 inputs broadcast along leading axes: element i mod period
  const cols: Var[] = []; // float32 inputs broadcast along trailing axes: element ⌊i / inner⌋
  const literals = new Map<Var, number>(); // uniform float32 constants
  const flags = new Map<Var, boolean>(); // uniform bool constants
  const ints = new Map<Var, number>(); // uniform int32/uint32 constants (a shift's count)
  const outputs: Var[] = []; // full-shape results (float32; bool ones stored from masks)
  const sums: { x: Var; out: Var }[] = []; // sums over leading axes into `period` float64s
  let period = 0; // the one period of the group's rows and sums (0: none)
  let inner = 0; // the one run length of the group's columns (0: none)
  const setPeriod = (M: number | null): boolean => {
    if (M === null || M % 4 !== 0 || (period !== 0 && period !== M)) return false;
    period = M;
    return true;
  };
  const setInner = (K: number | null): boolean => {
    if (K === null || K < 4 || K % 4 !== 0 || (inner !== 0 && inner !== K)) return false;
    inner = K;
    return true;
  };
  const known = (v: Var) =>
    scalars.includes(v) || arrays.includes(v) || rows.includes(v) || cols.includes(v) ||
    literals.has(v) ||
    flags.has(v) || ints.has(v);
  /** Records a uniform constant of `kind`. */
  const constant = (v: Var, kind: Kind, x: number) => {
    if (kind === "mask") flags.set(v, x !== 0);
    else if (kind === "float") literals.set(v, x);
    else ints.set(v, x);
  };
  /** Takes operand `v` as a `kind` value: a member, or an input of the loop's shape. */
  const operand = (v: Var, kind: Kind): boolean => {
    if (members.has(v)) return kindOf(v) === kind;
    if (kindOf(v) !== kind || !shapesEqual(v.aval.shape, L)) return false;
    if (known(v)) return true;
    const c = consts.get(v);
    if (c && uniform(c)) constant(v, kind, c[DATA][0]);
    else arrays.push(v);
    if (kind === "mask") masks.add(v);
    return true;
  };
  /**
   * Takes the input of a broadcast: a uniform constant (float32 or bool), or a float32
   * array splatted, by rows, or (nothing broadcast) whole.
   */
  const broadcastInput = (x: Var): boolean => {
    const kind = kindOf(x);
    if (members.has(x) || kind === null) return false;
    if (known(x)) return true;
    const c = consts.get(x);
    if (c && uniform(c)) {
      if (kind === "mask") masks.add(x);
      return constant(x, kind, c[DATA][0]), true;
    }
    if (x.aval.dtype !== "float32") return false;
    const M = periodOf(L, (j) => x.aval.shape[j] === 1);
    if (sizeOf(x.aval.shape) === 1) scalars.push(x);
    else if (M === N) arrays.push(x);
    else if (setPeriod(M)) rows.push(x);
    else if (setInner(innerOf(L, (j) => x.aval.shape[j] === 1))) cols.push(x);
    else return false;
    return true;
  };
  const opOf = (prim: Eqn["prim"]) =>
    OPS[prim] ??
      (exact
        ? WASM_EXACT[prim] ?? (APPROXIMATE.has(prim) ? undefined : WASM_EXTRA[prim])
        : WASM_EXTRA[prim]);
  /** The kinds of an elementwise equation's operands and result, or null: no f32x4 lowering. */
  const signature = (e: Eqn): { ins: Kind[]; out: Kind } | null => {
    const out = kindOf(e.outputs[0]);
    if (out === null) return null;
    if (e.prim === "convert") {
      const x = kindOf(e.inputs[0]);
      return x && { ins: [x], out };
    }
    if (e.prim === "select") {
      return out === "float" ? { ins: ["mask", "float", "float"], out } : null;
    }
    if (MASK_OPS.has(e.prim)) return out === "mask" ? { ins: ["float", "float"], out } : null;
    if (LOGIC_OPS.has(e.prim)) return out !== "float" ? { ins: [out, out], out } : null;
    // a shift's count must be a constant (checked by the caller)
    if (SHIFT_OPS.has(e.prim)) return isIntLane(out) ? { ins: [out, out], out } : null;
    return out === "float" && opOf(e.prim) ? { ins: e.inputs.map(() => "float"), out } : null;
  };
  for (const m of unit.members) {
    const e = eqns[m];
    if (e.outputs.length !== 1) return null;
    const out = e.outputs[0];
    if (e.prim === "reduce_sum") {
      // only sums over leading axes keep the JS loop's order with whole vectors
      const { axes } = e.params as PrimitiveParams["reduce_sum"];
      const x = e.inputs[0];
      if (out.aval.dtype !== "float32" || !operand(x, "float")) return null;
      if (!setPeriod(periodOf(L, (j) => axes.includes(j)))) return null;
      if (sizeOf(out.aval.shape) !== period) return null;
      sums.push({ x, out });
      members.add(out);
      continue;
    }
    if (!shapesEqual(out.aval.shape, L)) return null;
    if (e.prim === "broadcast") {
      if (!broadcastInput(e.inputs[0]) || kindOf(out) !== kindOf(e.inputs[0])) return null;
      if (masks.has(e.inputs[0])) masks.add(out);
      if (ints.has(e.inputs[0])) ints.set(out, ints.get(e.inputs[0])!);
    } else {
      const sig = signature(e);
      if (!sig || !e.inputs.every((x, j) => operand(x, sig.ins[j]))) return null;
      if (SHIFT_OPS.has(e.prim) && !ints.has(e.inputs[1])) return null;
      if (sig.out === "mask") masks.add(out);
    }
    members.add(out);
    // integer lanes stay inside the loop: a group whose integers are needed keeps the JS loop
    if (needed(out) && isIntLane(kindOf(out))) return null;
    if (needed(out)) outputs.push(out);
  }
  if (outputs.length + sums.length === 0) return null;
  if (
    N > WASM_CHEAP_MAX_ELEMENTS && opWeight(eqns, unit, true) < copyWeight([...arrays, ...outputs])
  ) {
    return null;
  }

  // memory: [scalars | array inputs | outputs | rows, sums], byte offsets, regions 16-byte
  // aligned. Arrays and outputs are one chunk long: a call streams them through in chunks
  // that stay in the caches (a whole chunk even for shorter groups, so the module's bytes do
  // not depend on N and one compiled instance serves every signature of the same
  // structure). Rows (period float32s) and sums (period float64s, zeroed per call, kept
  // across chunks) follow at run-time bases, the memory grown to fit.
  const N4 = Math.ceil(N / 4) * 4;
  const C = WASM_CHUNK_ELEMENTS;
  const base = new Map<Var, number>();
  let top = Math.ceil(scalars.length / 4) * 16;
  for (const v of [...arrays, ...outputs]) base.set(v, top), top += C * 4;
  scalars.forEach((v, k) => base.set(v, k * 4));
  const periodic = [
    ...rows.map((_, k) => top + k * period * 4),
    ...sums.map((_, k) => top + rows.length * period * 4 + k * period * 8),
  ];
  const colLength = inner ? N / inner : 0;
  const colBases = cols.map((_, k) =>
    top + period * (4 * rows.length + 8 * sums.length) + k * Math.ceil(colLength / 4) * 16
  );
  const memoryBytes = top + period * (4 * rows.length + 8 * sums.length) +
    cols.length * Math.ceil(colLength / 4) * 16;
  if (memoryBytes > 0x40000000) return null; // keep far from wasm32's 4 GiB
  const isBool = (v: Var) => v.aval.dtype === "bool";
  const hasBools = [...arrays, ...outputs].some(isBool);

  /**
   * The loop's module. One thread (`shared` false): its own memory, regions at `base`,
   * run(bytes, at, periodBytes, ...periodicBases) walks `bytes` of each region (a multiple of
   * 16), the rows and sums from byte `at` of their period, wrapping at `periodBytes`. Split
   * across threads (`shared`; only groups without rows, sums or bools): the helpers' shared
   * memory (`_parallel_map.ts`), run(start, end, ...bases) walks bytes [start, end) of the
   * regions at `bases` (scalars, arrays, outputs in order).
   * Either returns 1 when some lane must be redone by the JS loop (see _wasm_math.ts).
   */
  const build = (shared: boolean): Uint8Array => {
    const mb = new ModuleBuilder();
    if (shared) {
      mb.importMemory("env", "memory", MEMORY_LIMITS.initial, MEMORY_LIMITS.maximum, true);
    } else mb.memory(Math.max(1, Math.ceil(top / 65536)));
    const nBases = scalars.length + arrays.length + outputs.length;
    // one thread: run(bytes, at, periodBytes, ...periodicBases, colAt, colLeft, colRun,
    // ...colBases): the columns' element at byte colAt, advancing every colRun vectors,
    // colLeft vectors from now
    const colParam = 3 + periodic.length;
    const c = mb.func(
      new Array<ValType>(shared ? 2 + nBases : colParam + 3 + cols.length).fill(ValType.i32),
      [ValType.i32],
      "run",
    );
    const param = new Map([...scalars, ...arrays, ...outputs].map((v, k) => [v, 2 + k]));
    const V = ValType.v128;
    const i = c.local(ValType.i32), ib = c.local(ValType.i32), q = c.local(ValType.i32);
    // pushes the address of element i of v's region; the memarg offset to use with it
    // (bool regions hold one byte per element: byte i/4)
    const addr = (v: Var, at: number | null): number => {
      if (!shared) {
        if (at === null) c.i32(0);
        else c.get(isBool(v) ? ib : at);
        return base.get(v)!;
      }
      if (at === null) c.get(param.get(v)!);
      else c.get(at).get(param.get(v)!).i32Add();
      return 0;
    };
    const ctx = { bad: c.local(V), sincos: new Map<number, [number, number]>() };
    const local = new Map<Var, number>();
    const fix = (v: Var) => local.set(v, c.local(V)).get(v)!;
    // before the loop: splat scalars and constants once
    for (const v of scalars) c.v128Load32Splat(addr(v, null)).set(fix(v));
    for (const [v, x] of literals) c.f32Const(x).f32x4Splat().set(fix(v));
    for (const [v, x] of flags) c.i32(x ? -1 : 0).i32x4Splat().set(fix(v));
    for (const [v, x] of ints) c.i32(x | 0).i32x4Splat().set(fix(v));
    // a division by a loop-invariant value (a scalar or a constant, through broadcasts:
    // Adam's bias corrections, dropout's keep rate) becomes a product with its reciprocal,
    // taken once here, as XLA's CPU fusion does: x·(1/s) is within 1.5 ulp of x/s, and a
    // division costs several products' time. 1/s is exact in its consequences for s = ±0,
    // ±∞ and NaN (x·∞, x·0, NaN as x/s gives); for 0 < |s| < 2⁻¹²⁶ (1/s overflows) and
    // 2¹²⁶ < |s| < ∞ (1/s is subnormal: bits lost) the call reruns as the JS loop — flagged
    // by the first chunk already (s is the same in every chunk), before any output is
    // written, so a donated buffer is never half-overwritten (unlike sin's flag, which can
    // come late: _donate.ts). Exact programs keep the division (eager's rounding).
    const recip = new Map<Var, number>();
    if (!exact) {
      const rootOf = (v: Var): Var => {
        for (const m of unit.members) {
          const e = eqns[m];
          if (e.outputs[0] === v && e.prim === "broadcast") return rootOf(e.inputs[0]);
        }
        return v;
      };
      for (const m of unit.members) {
        const e = eqns[m];
        if (e.prim !== "div" || recip.has(e.inputs[1])) continue;
        const root = rootOf(e.inputs[1]);
        if (!scalars.includes(root) && !literals.has(root)) continue;
        const r = c.local(V), a = c.local(V);
        c.get(local.get(root)!).f32x4Abs().set(a);
        c.get(a).f32x4Constant(2 ** -126).f32x4Lt().get(a).f32x4Constant(0).f32x4Gt().v128And();
        c.get(a).f32x4Constant(2 ** 126).f32x4Gt().get(a).f32x4Constant(Infinity).f32x4Lt();
        c.v128And().v128Or().get(ctx.bad).v128Or().set(ctx.bad);
        c.f32x4Constant(1).get(local.get(root)!).f32x4Div().set(r);
        recip.set(e.inputs[1], r);
      }
    }
    // the emitters' constants (exp's coefficients, …) are set here, before the loop
    c.hoistConstantsHere();
    if (shared) c.get(0).set(i);
    else c.i32(0).set(i);
    c.loop();
    if (hasBools) c.get(i).i32(2).op(0x76).set(ib); // i32.shr_u: the byte index
    for (const v of arrays) {
      if (isBool(v)) emitLoadBool(c, addr(v, i));
      else c.v128Load(addr(v, i));
      c.set(fix(v));
    }
    // rows: element (param 1) of the period, at their base (params 3…)
    rows.forEach((v, k) => c.get(1).get(3 + k).i32Add().v128Load(0).set(fix(v)));
    // columns: one element splatted, at byte colAt (param) of their regions
    cols.forEach((v, k) =>
      c.get(colParam).get(colParam + 3 + k).i32Add().v128Load32Splat(0).set(fix(v))
    );
    for (const m of unit.members) {
      const e = eqns[m];
      const out = e.outputs[0];
      if (e.prim === "reduce_sum") {
        // the float64 accumulators of this period position: base + 2 × (param 1)
        const k = sums.findIndex((s) => s.out === out);
        c.get(1).i32(1).i32Shl().get(3 + rows.length + k).i32Add().set(q);
        emitAccumulate(c, q, local.get(e.inputs[0])!);
        continue;
      }
      const t = c.local(V);
      const args = e.inputs.map((x) => local.get(x)!);
      if (e.prim === "broadcast") c.get(args[0]);
      else if (SHIFT_OPS.has(e.prim)) emitShift(c, e.prim, args[0], ints.get(e.inputs[1])!);
      else if (e.prim === "convert") {
        emitConvert(c, args[0], kindOf(e.inputs[0])!, kindOf(out)!);
      } else if (e.prim === "div" && recip.has(e.inputs[1])) {
        c.get(args[0]).get(recip.get(e.inputs[1])!).f32x4Mul();
      } else opOf(e.prim)!(c, args, ctx);
      c.set(t);
      local.set(out, t);
    }
    for (const v of outputs) {
      const offset = addr(v, i);
      if (isBool(v)) emitStoreBool(c, local.get(v)!, offset);
      else c.get(local.get(v)!).v128Store(offset);
    }
    // the period position moves on a vector, back to 0 at the period's end
    if (period) c.i32(0).get(1).i32(16).i32Add().tee(1).get(1).get(2).i32Eq().select().set(1);
    // the columns move on one element every colRun vectors
    if (cols.length) {
      c.get(colParam + 1).i32(1).i32Sub().tee(colParam + 1).i32Eqz().if();
      c.get(colParam + 2).set(colParam + 1);
      c.get(colParam).i32(4).i32Add().set(colParam);
      c.end();
    }
    c.get(i).i32(16).i32Add().tee(i).get(shared ? 1 : 0).i32LtU().brIf(0);
    c.end();
    c.get(ctx.bad).v128AnyTrue();
    return mb.build();
  };
  const ex = instanceOf(build(false));
  // split across threads: groups with enough work (see WASM_SPLIT_MIN_WORK), enough of it
  // per array copied (WASM_SPLIT_MIN_OPS_PER_COPY), and no rows or sums (the threads would
  // race on the accumulators) or bool regions (bytes, not 4-byte lanes)
  const nBases = scalars.length + arrays.length + outputs.length;
  const ops = opWeight(eqns, unit, false);
  const splitMin = splitThresholds();
  const split = N >= splitMin.elements && ops * N >= splitMin.work &&
      ops >= splitMin.opsPerCopy * copyWeight([...arrays, ...outputs]) &&
      nBases <= MAP_MAX_REGIONS && !period && !cols.length && !hasBools
    ? sharedModuleOf(build(true))
    : null;

  const scalarSlots = scalars.map(slot);
  // how an input region is filled: bytes, float32s, or the 32-bit patterns of integers (a
  // view of the array's own type, so the copy moves bits and converts nothing)
  const viewOf = (v: Var) =>
    isBool(v) ? "u8" : v.aval.dtype === "int32" ? "i32" : v.aval.dtype === "uint32" ? "u32" : "f32";
  const arrayIO = arrays.map((v) => [slot(v), base.get(v)!, viewOf(v)] as const);
  const outIO = outputs.map((v) => [slot(v), base.get(v)!, fresh(v), isBool(v)] as const);
  const rowSlots = rows.map(slot);
  const sumIO = sums.map(({ out }) => [slot(out), fresh(out)] as const);
  const source = `wasm f32x4 loop over ${N} elements (${N4 / 4} vectors, chunks of ${C}): ` +
    `${arrays.length} arrays + ${scalars.length} scalars + ${rows.length} rows + ` +
    `${cols.length} columns in, ` +
    `${outputs.length} out, ${sums.length} sums over leading axes` +
    (period ? ` (period ${period})` : "") + `\nJS fallback:\n${js.source}`;
  return {
    source,
    make(shapes, scratch, given): Step {
      const jsStep = js.make(shapes, scratch, given);
      // views of the instance's memory (an ArrayBuffer: the memory is not shared)
      const buffer = () => ex.memory.buffer as ArrayBuffer;
      let f32 = new Float32Array(0), u8 = new Uint8Array(0), f64 = new Float64Array(0);
      let i32 = new Int32Array(0), u32 = new Uint32Array(0);
      const outputArray = (s: number, isFresh: boolean, bool: boolean, n = N) => {
        const alloc = () => (bool ? new Uint8Array(n) : new Float32Array(n));
        return isFresh ? given[s] ?? alloc() : scratch[s] ?? (scratch[s] = alloc());
      };
      // regions of the split job: scalars (16 bytes each), then arrays and outputs (N4 floats
      // each, 64-byte aligned); byte offsets from the job's first free byte
      const regionBytes = Math.ceil(N4 / 16) * 64;
      const splitBytes = scalars.length * 16 + (arrays.length + outputs.length) * regionBytes;
      let ints: { buffer: ArrayBufferLike; i32: Int32Array; u32: Uint32Array } | undefined;
      const splitStep = (env: ArrayValue[]): boolean => {
        const job = split && mapBegin(split, splitBytes);
        if (!job) return false;
        const { view, at } = job;
        const bases: number[] = [];
        for (let k = 0; k < scalarSlots.length; k++) {
          bases.push(at + k * 16);
          view[(at >> 2) + k * 4] = env[scalarSlots[k]][DATA][0];
        }
        let b = at + scalars.length * 16;
        for (const [s, , kind] of arrayIO) {
          // integer arrays copy their 32-bit patterns through a view of their own type
          if (kind === "f32") view.set(env[s][DATA], b >> 2);
          else {
            if (ints?.buffer !== view.buffer) {
              ints = {
                buffer: view.buffer,
                i32: new Int32Array(view.buffer),
                u32: new Uint32Array(view.buffer),
              };
            }
            (kind === "i32" ? ints.i32 : ints.u32).set(env[s][DATA], b >> 2);
          }
          bases.push(b), b += regionBytes;
        }
        for (let k = 0; k < outIO.length; k++) bases.push(b + k * regionBytes);
        const r = mapRun(split!, N4 * 4, bases);
        if (r < 0) return false;
        if (r > 0) {
          // a lane the wasm loop cannot do: the whole call as the JS loop
          jsStep(env);
          return true;
        }
        for (let k = 0; k < outIO.length; k++) {
          const [s, , isFresh] = outIO[k], o = outputArray(s, isFresh, false), from = b >> 2;
          o.set(view.subarray(from, from + N));
          env[s] = new ArrayValue(o, shapes[s], "float32");
          b += regionBytes;
        }
        return true;
      };
      const colSlots = cols.map(slot);
      const args = [0, 0, period * 4, ...periodic, 0, 0, inner / 4, ...colBases];
      const colAt = 3 + periodic.length;
      return (env) => {
        if (!jitWasmEnabled()) return jsStep(env);
        if (split && splitStep(env)) return;
        // memory only grows (rows and sums of a longer period of the same structure):
        // views are renewed when it has
        const have = ex.memory.buffer.byteLength;
        if (memoryBytes > have) ex.memory.grow(Math.ceil((memoryBytes - have) / 65536));
        if (f32.buffer !== buffer()) {
          f32 = new Float32Array(buffer());
          u8 = new Uint8Array(buffer());
          f64 = new Float64Array(buffer());
          i32 = new Int32Array(buffer());
          u32 = new Uint32Array(buffer());
        }
        for (let k = 0; k < scalarSlots.length; k++) f32[k] = env[scalarSlots[k]][DATA][0];
        for (let k = 0; k < rowSlots.length; k++) f32.set(env[rowSlots[k]][DATA], periodic[k] >> 2);
        for (let k = 0; k < colSlots.length; k++) f32.set(env[colSlots[k]][DATA], colBases[k] >> 2);
        for (let k = 0; k < sumIO.length; k++) {
          const at = periodic[rows.length + k] >> 3;
          f64.fill(0, at, at + period);
        }
        const outs = outIO.map(([s, , isFresh, bool]) => outputArray(s, isFresh, bool));
        for (let off = 0; off < N; off += C) {
          const len = Math.min(C, N - off);
          for (const [s, at, view] of arrayIO) {
            const chunk = env[s][DATA].subarray(off, off + len);
            if (view === "u8") u8.set(chunk, at);
            else if (view === "f32") f32.set(chunk, at >> 2);
            else (view === "i32" ? i32 : u32).set(chunk, at >> 2);
          }
          args[0] = Math.ceil(len / 4) * 16;
          if (period) args[1] = (off % period) * 4;
          if (inner) {
            args[colAt] = Math.floor(off / inner) * 4, args[colAt + 1] = (inner - off % inner) / 4;
          }
          // a lane the wasm loop cannot do: rerun the whole call as the JS loop
          if (ex.run(...args)) return jsStep(env);
          for (let k = 0; k < outIO.length; k++) {
            const [, at, , bool] = outIO[k];
            const from = bool ? u8.subarray(at, at + len) : f32.subarray(at >> 2, (at >> 2) + len);
            outs[k].set(from, off);
          }
        }
        for (let k = 0; k < outIO.length; k++) {
          const [s, , , bool] = outIO[k];
          env[s] = new ArrayValue(outs[k], shapes[s], bool ? "bool" : "float32");
        }
        // each sum rounded once to float32, as the JS loop's `out.set(acc)`
        for (let k = 0; k < sumIO.length; k++) {
          const [s, isFresh] = sumIO[k], at = periodic[rows.length + k] >> 3;
          const o = outputArray(s, isFresh, false, period);
          o.set(f64.subarray(at, at + period));
          env[s] = new ArrayValue(o, shapes[s], "float32");
        }
      };
    },
  };
}
