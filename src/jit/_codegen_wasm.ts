/**
 * WebAssembly SIMD (f32x4) versions of jit's fused loops, for the float32
 * groups whose every op has an f32x4 lowering: add, sub, mul, div, neg, abs,
 * sqrt, max, min, stop_gradient (exact), comparisons and select (booleans as
 * lane masks inside the loop), exp, logistic, tanh, sin and cos (`_wasm_math.ts`:
 * approximations with a stated error, or the JS loop's own algorithm; left to
 * JS under `precision: "exact"`), and
 * broadcasts of size-1 arrays (splatted once before the loop). Anything else —
 * other transcendental ops, reductions, other broadcasts, other dtypes, boolean
 * results that leave the loop, small loops — keeps the JS loop
 * of `_codegen_js.ts`, which also stays the reference: the switch
 * {@link setJitWasm} picks between the two at run time.
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
 * NaN payloads.
 * max/min follow the eager rule exactly (NaN from either side, ties → y):
 *   max(x, y) = (x > y ∨ x ≠ x) ? x : y,  min(x, y) = (x < y ∨ x ≠ x) ? x : y.
 */
import type { TypedArray } from "../core/_dtype.ts";
import type { Eqn, Var } from "../core/_ir.ts";
import { WASM_LOWERINGS as OPS } from "../interpreters/_lowering.ts";
import type { GroupCode, Step, Unit } from "./_codegen_js.ts";
import { hasSimd, ModuleBuilder, ValType } from "../kernels/_wasm.ts";
import { MEMORY_LIMITS } from "../kernels/_parallel.ts";
import {
  MAP_MAX_REGIONS,
  mapBegin,
  type MapModule,
  mapModule,
  mapRun,
} from "../kernels/_parallel_map.ts";
import { APPROXIMATE, MASK_OPS, WASM_EXTRA } from "./_wasm_math.ts";
import { ArrayValue, DATA } from "../core/_ndarray.ts";
import { shapesEqual, sizeOf } from "../core/_shape.ts";

/**
 * Below this many elements the copies in and out cost about what SIMD saves.
 * Measured (Deno 2.9.6 and Bun 1.4.5, x86-64): one add wins from ~1k elements
 * (4096: 8.5 vs 11.7 µs), Adam's 17-op update 2× from 4k.
 */
export const WASM_MIN_ELEMENTS = 4096;
/**
 * Above this many elements the arrays leave the caches and copying them costs
 * as much as a cheap loop (one add over 256k: wasm 540 µs, JS 468 µs), so a
 * group must also do at least one op per array copied in or out.
 */
export const WASM_CHEAP_MAX_ELEMENTS = 65536;

/**
 * A call streams its arrays through wasm memory in chunks of this many elements
 * (64 KiB per array), so the loop's loads and stores hit the caches and a group's
 * memory stays small whatever its size.
 */
export const WASM_CHUNK_ELEMENTS = 16384;

/**
 * Groups of at least this many elements, and at least WASM_SPLIT_MIN_WORK ops × elements
 * (a transcendental counts 10), run split across the matmul's helper threads when they
 * are up (`src/kernels/_parallel_map.ts`): a hand-off costs tens of µs, and copying whole
 * arrays in costs what streaming them did. SELU over 1M (≈ 15M op-elements) splits;
 * Adam's update of a 784×256 weight (3.4M) measured 6.3–6.7 → 6.8–7.2 ms CPU per MLP
 * step split (both threads' CPU, loaded machine), so it stays on one thread.
 */
export const WASM_SPLIT_MIN_ELEMENTS = 65536;
export const WASM_SPLIT_MIN_WORK = 2 ** 22;
let splitMin = { elements: WASM_SPLIT_MIN_ELEMENTS, work: WASM_SPLIT_MIN_WORK };

/** Sets the smallest group split across threads from now on (elements, ops × elements); returns the old. For tests. */
export function setJitWasmSplitMin(
  min: { elements: number; work: number },
): { elements: number; work: number } {
  const was = splitMin;
  splitMin = { ...min };
  return was;
}

let enabled = true;
let minElements = WASM_MIN_ELEMENTS;

/** Sets the smallest group (elements) compiled to wasm from now on; returns the old one. For tests. */
export function setJitWasmMinElements(n: number): number {
  const was = minElements;
  minElements = n;
  return was;
}

/** Turns the wasm loops on or off (compiled groups keep both versions); returns the old setting. */
export function setJitWasm(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}

/** Whether eligible groups currently run as wasm. */
export function jitWasmEnabled(): boolean {
  return enabled && hasSimd;
}

/**
 * Instances by module bytes, least recently used first, at most 256: groups of one
 * structure (ops, constants, inputs, outputs) share one compiled module and one
 * instance whatever their length, so a function jitted for many shapes compiles its
 * wasm once (JavaScriptCore took ~10 ms and kept ~50 KB per module). Sharing an
 * instance is safe: a call copies in, runs and copies out without yielding.
 */
const instances = new Map<string, WasmExports>();
function instanceOf(bytes: Uint8Array): WasmExports {
  let key = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    key += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  let ex = instances.get(key);
  if (ex) instances.delete(key);
  else {
    const module = new WebAssembly.Module(bytes as BufferSource);
    ex = new WebAssembly.Instance(module).exports as unknown as WasmExports;
    if (instances.size >= 256) instances.delete(instances.keys().next().value!);
  }
  instances.set(key, ex);
  return ex;
}

/** Shared-memory modules (split across threads) by their bytes, least recently used first, 256 at most. */
const sharedModules = new Map<string, MapModule>();
function sharedModuleOf(bytes: Uint8Array): MapModule {
  let key = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    key += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  let m = sharedModules.get(key);
  if (m) sharedModules.delete(key);
  else {
    m = mapModule(bytes);
    if (sharedModules.size >= 256) sharedModules.delete(sharedModules.keys().next().value!);
  }
  sharedModules.set(key, m);
  return m;
}

/** True when every element of `x` is the same value (bitwise, so NaN and -0 count). */
function uniform(x: ArrayValue): boolean {
  const d = x[DATA];
  for (let i = 1; i < d.length; i++) if (!Object.is(d[i], d[0])) return false;
  return d.length > 0;
}

interface WasmExports {
  memory: WebAssembly.Memory;
  run(bytes: number): number;
}

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
  if (!hasSimd || N < minElements || N === 0) return null;
  const members = new Set<Var>();
  const scalars: Var[] = []; // size-1 inputs, splatted
  const arrays: Var[] = []; // full-shape inputs, loaded per iteration
  const literals = new Map<Var, number>(); // uniform constants
  const outputs: Var[] = [];
  const addInput = (v: Var, scalar: boolean): boolean => {
    if (v.aval.dtype !== "float32") return false;
    if (scalars.includes(v) || arrays.includes(v) || literals.has(v)) return true;
    const c = consts.get(v);
    if (c && uniform(c)) literals.set(v, c[DATA][0]);
    else if (scalar) scalars.push(v);
    else arrays.push(v);
    return true;
  };
  const masks = new Set<Var>(); // member booleans, kept as lane masks (never stored)
  const opOf = (prim: Eqn["prim"]) =>
    OPS[prim] ?? (exact && APPROXIMATE.has(prim) ? undefined : WASM_EXTRA[prim]);
  for (const m of unit.members) {
    const e = eqns[m];
    if (e.outputs.length !== 1) return null;
    const out = e.outputs[0];
    if (!shapesEqual(out.aval.shape, L)) return null;
    if (MASK_OPS.has(e.prim)) {
      if (out.aval.dtype !== "bool" || needed(out)) return null;
      masks.add(out);
    } else if (out.aval.dtype !== "float32") return null;
    if (e.prim === "broadcast") {
      const x = e.inputs[0];
      if (members.has(x) || sizeOf(x.aval.shape) !== 1 || !addInput(x, true)) return null;
    } else if (opOf(e.prim)) {
      for (const [j, x] of e.inputs.entries()) {
        // select's predicate must be a mask computed in the loop; nothing else takes a mask
        const wantMask = e.prim === "select" && j === 0;
        if (wantMask !== masks.has(x)) return null;
        if (members.has(x)) continue;
        if (!shapesEqual(x.aval.shape, L) || !addInput(x, false)) return null;
      }
    } else return null;
    members.add(out);
    if (needed(out)) outputs.push(out);
  }
  if (outputs.length === 0) return null;
  // an approximated transcendental is worth SIMD at any size: count it as 10 cheap ops
  const ops = unit.members.reduce(
    (n, m) => n + (eqns[m].prim === "broadcast" ? 0 : APPROXIMATE.has(eqns[m].prim) ? 10 : 1),
    0,
  );
  if (N > WASM_CHEAP_MAX_ELEMENTS && ops < arrays.length + outputs.length) return null;

  // memory: [scalars | array inputs | outputs], byte offsets, regions 16-byte aligned and
  // one chunk long: a call streams the arrays through in chunks that stay in the caches
  // (regions are a whole chunk even for shorter groups, so the module's bytes do not depend
  // on N and one compiled instance serves every signature of the same structure)
  const N4 = Math.ceil(N / 4) * 4;
  const C = WASM_CHUNK_ELEMENTS;
  const base = new Map<Var, number>();
  let top = Math.ceil(scalars.length / 4) * 16;
  for (const v of [...arrays, ...outputs]) base.set(v, top), top += C * 4;
  if (top > 0x40000000) return null; // keep far from wasm32's 4 GiB
  scalars.forEach((v, k) => base.set(v, k * 4));

  /**
   * The loop's module. One thread (`shared` false): its own memory, regions at `base`,
   * run(bytes) walks `bytes` of each region (a multiple of 16). Split across threads
   * (`shared`): the helpers' shared memory (`_parallel_map.ts`), run(start, end, ...bases)
   * walks bytes [start, end) of the regions at `bases` (scalars, arrays, outputs in order).
   * Either returns 1 when some lane must be redone by the JS loop (see _wasm_math.ts).
   */
  const build = (shared: boolean): Uint8Array => {
    const mb = new ModuleBuilder();
    if (shared) {
      mb.importMemory("env", "memory", MEMORY_LIMITS.initial, MEMORY_LIMITS.maximum, true);
    } else mb.memory(Math.max(1, Math.ceil(top / 65536)));
    const nBases = scalars.length + arrays.length + outputs.length;
    const c = mb.func(
      new Array<ValType>(shared ? 2 + nBases : 1).fill(ValType.i32),
      [ValType.i32],
      "run",
    );
    const param = new Map([...scalars, ...arrays, ...outputs].map((v, k) => [v, 2 + k]));
    // pushes the address of element i of v's region; the memarg offset to use with it
    const addr = (v: Var, i: number | null): number => {
      if (!shared) return i === null ? (c.i32(0), base.get(v)!) : (c.get(i), base.get(v)!);
      if (i === null) c.get(param.get(v)!);
      else c.get(i).get(param.get(v)!).i32Add();
      return 0;
    };
    const V = ValType.v128;
    const i = c.local(ValType.i32);
    const ctx = { bad: c.local(V), sincos: new Map<number, [number, number]>() };
    const local = new Map<Var, number>();
    // before the loop: splat scalars and constants once
    for (const v of scalars) c.v128Load32Splat(addr(v, null)).set(local.set(v, c.local(V)).get(v)!);
    for (const [v, x] of literals) {
      c.f32Const(x).f32x4Splat().set(local.set(v, c.local(V)).get(v)!);
    }
    // the emitters' constants (exp's coefficients, …) are set here, before the loop
    c.hoistConstantsHere();
    if (shared) c.get(0).set(i);
    else c.i32(0).set(i);
    c.loop();
    for (const v of arrays) c.v128Load(addr(v, i)).set(local.set(v, c.local(V)).get(v)!);
    for (const m of unit.members) {
      const e = eqns[m];
      const out = e.outputs[0];
      const t = c.local(V);
      if (e.prim === "broadcast") c.get(local.get(e.inputs[0])!);
      else opOf(e.prim)!(c, e.inputs.map((x) => local.get(x)!), ctx);
      c.set(t);
      local.set(out, t);
    }
    for (const v of outputs) {
      const offset = addr(v, i);
      c.get(local.get(v)!).v128Store(offset);
    }
    c.get(i).i32(16).i32Add().tee(i).get(shared ? 1 : 0).i32LtU().brIf(0);
    c.end();
    c.get(ctx.bad).v128AnyTrue();
    return mb.build();
  };
  const ex = instanceOf(build(false));
  // split across threads: groups with enough work (see WASM_SPLIT_MIN_WORK)
  const nBases = scalars.length + arrays.length + outputs.length;
  const split = N >= splitMin.elements && ops * N >= splitMin.work &&
      nBases <= MAP_MAX_REGIONS
    ? sharedModuleOf(build(true))
    : null;

  const scalarSlots = scalars.map(slot);
  const arrayIO = arrays.map((v) => [slot(v), base.get(v)! / 4] as const);
  const outIO = outputs.map((v) => [slot(v), base.get(v)! / 4, fresh(v)] as const);
  const source = `wasm f32x4 loop over ${N} elements (${N4 / 4} vectors, chunks of ${C}): ` +
    `${arrays.length} arrays + ${scalars.length} scalars in, ${outputs.length} out\n` +
    `JS fallback:\n${js.source}`;
  return {
    source,
    make(shapes: readonly (readonly number[])[], scratch: TypedArray[]): Step {
      const jsStep = js.make(shapes, scratch);
      const mem = new Float32Array(ex.memory.buffer);
      const outputArray = (s: number, isFresh: boolean) =>
        isFresh
          ? new Float32Array(N)
          : (scratch[s] as Float32Array | undefined) ?? (scratch[s] = new Float32Array(N));
      // regions of the split job: scalars (16 bytes each), then arrays and outputs (N4 floats
      // each, 64-byte aligned); byte offsets from the job's first free byte
      const regionBytes = Math.ceil(N4 / 16) * 64;
      const splitBytes = scalars.length * 16 + (arrays.length + outputs.length) * regionBytes;
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
        for (const [s] of arrayIO) view.set(env[s][DATA], b >> 2), bases.push(b), b += regionBytes;
        for (let k = 0; k < outIO.length; k++) bases.push(b + k * regionBytes);
        const r = mapRun(split!, N4 * 4, bases);
        if (r < 0) return false;
        if (r > 0) {
          // a lane the wasm loop cannot do: the whole call as the JS loop
          jsStep(env);
          return true;
        }
        for (let k = 0; k < outIO.length; k++) {
          const [s, , isFresh] = outIO[k], o = outputArray(s, isFresh), from = b >> 2;
          o.set(view.subarray(from, from + N));
          env[s] = new ArrayValue(o, shapes[s], "float32");
          b += regionBytes;
        }
        return true;
      };
      return (env) => {
        if (!enabled) return jsStep(env);
        if (split && splitStep(env)) return;
        for (let k = 0; k < scalarSlots.length; k++) mem[k] = env[scalarSlots[k]][DATA][0];
        const outs = outIO.map(([s, , isFresh]) => outputArray(s, isFresh));
        for (let off = 0; off < N; off += C) {
          const len = Math.min(C, N - off);
          for (const [s, at] of arrayIO) mem.set(env[s][DATA].subarray(off, off + len), at);
          // a lane the wasm loop cannot do: rerun the whole call as the JS loop
          if (ex.run(Math.ceil(len / 4) * 16)) return jsStep(env);
          for (let k = 0; k < outIO.length; k++) {
            const at = outIO[k][1];
            outs[k].set(mem.subarray(at, at + len), off);
          }
        }
        for (let k = 0; k < outIO.length; k++) {
          env[outIO[k][0]] = new ArrayValue(outs[k], shapes[outIO[k][0]], "float32");
        }
      };
    },
  };
}
