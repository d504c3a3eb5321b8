/**
 * WebAssembly SIMD loops for jit's fused groups that reduce over trailing axes: row sums
 * and row maxima over contiguous rows of R elements (layerNorm's and rmsNorm's means,
 * softmax's and logsumexp's max and sum, `x.sum(-1)`, `x.max(-1)`). `_codegen_wasm.ts`
 * handles the groups without reductions and those summing over leading axes; a group
 * neither takes keeps the JS loop of `_codegen_js.ts`, which stays the reference and the
 * fallback (`setJitWasm`).
 *
 * Eligible: float32 groups whose every reduction is over the same trailing axes (rows of
 * R elements, `isRowReduction` in `_passes.ts`), whose ops have an f32x4 lowering (the
 * float ones of `_codegen_wasm.ts`, comparisons and select on lane masks), and whose
 * inputs are float32 arrays of the loop's shape, size-1 arrays and uniform constants
 * (splatted once), one value per row (a [r, 1] mean, broadcast along the row: splatted
 * once per row) or one row broadcast over all (a [c] scale: read at the row position).
 * Outputs are float32 arrays of the loop's shape and the reductions.
 *
 * The loop walks row by row; a row is ⌊R/4⌋ whole vectors, then, when R is not a multiple
 * of 4, one vector whose lanes past the row's end are masked out of the reductions (its
 * loads read the next row's elements or zeroed padding; its stores spill into the next
 * row, which the next row's own stores then overwrite, or into padding). Rows need not be
 * 16-byte aligned: wasm's v128 loads and stores take any address. A call streams whole
 * rows through wasm memory in chunks of about `WASM_CHUNK_ELEMENTS` elements (one row
 * when a row is longer; rows longer than `MAX_ROW` keep the JS loop).
 *
 * Sums: each lane's float32 values are widened to float64 and added into two f64x2
 * accumulators from +0, so lane j (j = 0…3) sums the row's elements k ≡ j (mod 4) in row
 * order; the row's sum is (s₀ + s₂) + (s₁ + s₃), rounded once to float32. The JS loop and
 * eager add the row in one float64 sequence, so the float64 sums differ in their last
 * bits and the float32 results, rarely, by one ulp (for a row of R float32 values, each
 * float64 sum is within R·2⁻⁵³ relative of the exact sum). NaN and ±∞ come out as they
 * do there (no float64 sum of float32s overflows), and a row of −0 sums to +0 as there.
 *
 * Maxima: per lane, m = pmax(m, v) = (m < v ? v : m) from −∞ and a mask of the lanes that
 * saw a NaN; a lane that did is NaN, then the four lanes are combined by eager's rule
 * m = (v > m ∨ v ≠ v) ∧ m = m ? v : m: NaN when any element is NaN (the payload may
 * differ), else the largest value. Which zero a zero maximum is depends on the order
 * (eager returns the row's first zero), so a max reads only an input array of the group,
 * never a value computed in the loop, and after the loop a zero maximum is replaced by
 * the first zero of its row in that input: equal to eager bit for bit up to NaN payloads.
 *
 * Not split across the helper threads (a row split is possible; not measured yet).
 * Programs compiled with `precision: "exact"` never reach here: they fuse no reductions.
 */
import type { Eqn, PrimitiveParams, Var } from "../core/_ir.ts";
import { WASM_LOWERINGS as OPS } from "../interpreters/_lowering.ts";
import { type GroupCode, type Step, uniform, type Unit } from "./_codegen_js.ts";
import { hasSimd, ModuleBuilder, ValType } from "../kernels/_wasm.ts";
import { MASK_OPS, WASM_EXTRA } from "./_wasm_math.ts";
import { DATA } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import { cacheByBytes } from "./_wasm_cache.ts";
import { shapesEqual, sizeOf } from "../core/_shape.ts";
import {
  innerOf,
  jitWasmEnabled,
  periodOf,
  WASM_CHUNK_ELEMENTS,
  wasmMinElements,
} from "./_wasm_sizing.ts";

interface WasmExports {
  memory: WebAssembly.Memory;
  run(rows: number): number;
}
const instanceOf = cacheByBytes((bytes) =>
  new WebAssembly.Instance(new WebAssembly.Module(bytes as BufferSource))
    .exports as unknown as WasmExports
);

/** The upper two float32 lanes moved down (for widening them to float64). */
const HIGH_PAIR = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
/** Lane 1 over lane 0 (with HIGH_PAIR: folding a vector's four lanes). */
const SECOND = [4, 5, 6, 7, 4, 5, 6, 7, 4, 5, 6, 7, 4, 5, 6, 7];
/**
 * The longest row a row loop takes: each array's region holds a whole row, and a module's
 * memory lives as long as its cached instance (up to 256 of them), so a sum over all of a
 * large array's elements (one long row) keeps the JS loop. 2¹⁸ floats: 1 MiB a region.
 */
const MAX_ROW = 2 ** 18;

/**
 * The wasm row loop of a fused group, or null when the group is not eligible (see the file
 * header). `js` is the group's JS loop: the step runs it while `setJitWasm` is off, and for
 * a call where some lane needs it (an emitter's `bad` lanes). Arguments as for
 * `compileGroup`.
 */
export function compileRowGroupWasm(
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
  if (exact || !hasSimd || N < wasmMinElements() || N === 0) return null;
  type Kind = "float" | "mask";
  const kindOf = (v: Var): Kind | null =>
    v.aval.dtype === "float32" ? "float" : v.aval.dtype === "bool" ? "mask" : null;
  const members = new Set<Var>();
  const arrays: Var[] = []; // float32 inputs of the loop's shape
  const scalars: Var[] = []; // size-1 float32 inputs, splatted once
  const perRow: Var[] = []; // one float32 per row, splatted per row
  const rowVecs: Var[] = []; // one float32 row for every row, read at the row position
  const literals = new Map<Var, number>(); // uniform float32 constants
  const flags = new Map<Var, boolean>(); // uniform bool constants
  const outputs: Var[] = []; // float32 results of the loop's shape
  const reductions: { prim: "reduce_sum" | "reduce_max"; x: Var; out: Var }[] = [];
  let R = 0; // the row length
  const known = (v: Var) =>
    arrays.includes(v) || scalars.includes(v) || perRow.includes(v) || rowVecs.includes(v) ||
    literals.has(v) || flags.has(v);
  const operand = (v: Var, kind: Kind): boolean => {
    if (members.has(v)) return kindOf(v) === kind;
    if (kindOf(v) !== kind || !shapesEqual(v.aval.shape, L)) return false;
    if (known(v)) return true;
    const c = consts.get(v);
    if (c && uniform(c)) {
      if (kind === "mask") flags.set(v, c[DATA][0] !== 0);
      else literals.set(v, c[DATA][0]);
      return true;
    }
    if (kind !== "float") return false;
    arrays.push(v);
    return true;
  };
  /** The reductions' row length; the inputs' broadcasts are fitted to it afterwards. */
  for (const m of unit.members) {
    const e = eqns[m];
    if (e.prim !== "reduce_sum" && e.prim !== "reduce_max") continue;
    const { axes } = e.params as PrimitiveParams["reduce_sum"];
    const K = innerOf(L, (j) => axes.includes(j));
    if (K === null || K === 0 || (R !== 0 && R !== K)) return null;
    R = K;
  }
  if (R === 0 || R > MAX_ROW) return null;
  for (const m of unit.members) {
    const e = eqns[m];
    if (e.outputs.length !== 1) return null;
    const out = e.outputs[0];
    if (e.prim === "reduce_sum" || e.prim === "reduce_max") {
      const x = e.inputs[0];
      if (out.aval.dtype !== "float32" || !operand(x, "float")) return null;
      // a max reads an input array (its zero's sign is fixed from it, see the header)
      if (e.prim === "reduce_max" && !arrays.includes(x)) return null;
      reductions.push({ prim: e.prim, x, out });
      members.add(out);
      continue;
    }
    if (!shapesEqual(out.aval.shape, L)) return null;
    const kind = kindOf(out);
    if (kind === null) return null;
    if (e.prim === "broadcast") {
      const x = e.inputs[0];
      if (members.has(x) || kindOf(x) !== kind) return null;
      const c = consts.get(x);
      if (c && uniform(c)) {
        if (kind === "mask") flags.set(x, c[DATA][0] !== 0);
        else literals.set(x, c[DATA][0]);
      } else if (kind !== "float") return null;
      else if (!known(x)) {
        const lifted = (j: number) => x.aval.shape[j] === 1;
        if (sizeOf(x.aval.shape) === 1) scalars.push(x);
        else if (sizeOf(x.aval.shape) === N) arrays.push(x);
        else if (innerOf(L, lifted) === R) perRow.push(x);
        else if (periodOf(L, lifted) === R) rowVecs.push(x);
        else return null;
      }
    } else if (e.prim === "select") {
      if (kind !== "float" || !operand(e.inputs[0], "mask")) return null;
      if (!operand(e.inputs[1], "float") || !operand(e.inputs[2], "float")) return null;
    } else if (MASK_OPS.has(e.prim)) {
      if (kind !== "mask" || !e.inputs.every((x) => operand(x, "float"))) return null;
    } else {
      if (kind !== "float" || !(OPS[e.prim] ?? WASM_EXTRA[e.prim])) return null;
      if (!e.inputs.every((x) => operand(x, "float"))) return null;
    }
    members.add(out);
    if (needed(out)) {
      if (kind !== "float") return null;
      outputs.push(out);
    }
  }

  // memory (bytes): [scratch 16 | scalars 16 each | arrays, outputs: a chunk of rows plus 4
  // floats each | row vectors: R + 4 floats each | per-row values, sums (float64) and maxima
  // of a chunk's rows], regions 16-byte aligned
  const rowsPerChunk = Math.max(1, Math.floor(WASM_CHUNK_ELEMENTS / R));
  const align = (bytes: number) => Math.ceil(bytes / 16) * 16;
  const base = new Map<Var, number>();
  let top = 16;
  for (const v of scalars) base.set(v, top), top += 16;
  const regionBytes = align((rowsPerChunk * R + 4) * 4);
  for (const v of [...arrays, ...outputs]) base.set(v, top), top += regionBytes;
  for (const v of rowVecs) base.set(v, top), top += align((R + 4) * 4);
  for (const v of perRow) base.set(v, top), top += align(rowsPerChunk * 4);
  const resultBase = reductions.map((r) => {
    const at = top;
    top += align(rowsPerChunk * (r.prim === "reduce_sum" ? 8 : 4));
    return at;
  });

  const nFull = Math.floor(R / 4), tail = R % 4;
  const build = (): Uint8Array => {
    const mb = new ModuleBuilder();
    mb.memory(Math.max(1, Math.ceil(top / 65536)));
    const c = mb.func([ValType.i32], [ValType.i32], "run");
    const I = ValType.i32, V = ValType.v128;
    const row = c.local(I), p = c.local(I), j = c.local(I), a = c.local(I);
    const ctx = { bad: c.local(V), sincos: new Map<number, [number, number]>() };
    const local = new Map<Var, number>();
    const fix = (v: Var) => local.set(v, c.local(V)).get(v)!;
    for (const v of scalars) c.i32(0).v128Load32Splat(base.get(v)!).set(fix(v));
    for (const [v, x] of literals) c.f32Const(x).f32x4Splat().set(fix(v));
    for (const [v, x] of flags) c.i32(x ? -1 : 0).i32x4Splat().set(fix(v));
    perRow.forEach(fix);
    // the tail's lane mask: all ones in lanes 0 … tail − 1
    const tailMask = c.local(V);
    c.simd(0x0c);
    c.out.bytes(new Uint8Array(new Int32Array([0, 1, 2, 3].map((k) => k < tail ? -1 : 0)).buffer));
    c.set(tailMask);
    // a sum's two float64 pairs; a max's lane maxima and lanes that saw a NaN
    const acc = reductions.map(() => [c.local(V), c.local(V)]);
    const t1 = c.local(V), t2 = c.local(V);
    c.hoistConstantsHere();
    /** Pushes eager's max rule m' = (v > m ∨ v ≠ v) ∧ m = m ? v : m, lane by lane. */
    const maxRule = (m: number, v: number) => {
      c.get(v).get(m);
      c.get(v).get(m).f32x4Gt().get(v).get(v).f32x4Ne().v128Or();
      c.get(m).get(m).f32x4Eq().v128And();
      c.v128Bitselect();
    };
    /** One vector of the row at byte `a` of the regions (`masked`: the row's last, partial). */
    const body = (masked: boolean) => {
      // sin and cos share their work through locals of this emission only: the whole
      // vectors' body and the partial vector's are emitted apart, over the same locals
      ctx.sincos.clear();
      for (const v of arrays) c.get(a).v128Load(base.get(v)!).set(fix(v));
      for (const v of rowVecs) c.get(j).v128Load(base.get(v)!).set(fix(v));
      for (const m of unit.members) {
        const e = eqns[m];
        const out = e.outputs[0];
        const x = local.get(e.inputs[0])!;
        if (e.prim === "reduce_sum" || e.prim === "reduce_max") {
          const k = reductions.findIndex((r) => r.out === out);
          if (e.prim === "reduce_sum") {
            // masked lanes add +0; lanes 0, 1 and 2, 3 widened into the two accumulators
            const [lo, hi] = acc[k];
            if (masked) c.get(x).get(tailMask).v128And().set(t1);
            else c.get(x).set(t1);
            c.get(lo).get(t1).f64x2PromoteLowF32x4().f64x2Add().set(lo);
            c.get(hi).get(t1).get(t1).i8x16Shuffle(HIGH_PAIR).f64x2PromoteLowF32x4().f64x2Add()
              .set(hi);
          } else {
            // masked lanes are −∞, which never replaces the accumulator; m = pmax(m, v) =
            // (m < v ? v : m) skips NaNs, which the second accumulator records: one short
            // dependency chain per vector (eager's rule, four ops, took twice the time)
            if (masked) c.get(x).f32x4Constant(-Infinity).get(tailMask).v128Bitselect().set(t1);
            else c.get(x).set(t1);
            c.get(acc[k][0]).get(t1).f32x4Pmax().set(acc[k][0]);
            c.get(acc[k][1]).get(t1).get(t1).f32x4Ne().v128Or().set(acc[k][1]);
          }
          continue;
        }
        if (e.prim !== "broadcast") {
          const args = e.inputs.map((v) => local.get(v)!);
          (OPS[e.prim] ?? WASM_EXTRA[e.prim])!(c, args, ctx);
        } else c.get(x);
        c.set(local.has(out) ? local.get(out)! : fix(out));
      }
      for (const v of outputs) c.get(a).get(local.get(v)!).v128Store(base.get(v)!);
    };
    // rows 0 … param 0 − 1 of the chunk; p: the row's first byte, j: the byte in the row
    c.i32(0).set(row).i32(0).set(p);
    c.loop();
    for (const [k, r] of reductions.entries()) {
      if (r.prim === "reduce_sum") {
        c.v128Zero().set(acc[k][0]);
        c.v128Zero().set(acc[k][1]);
      } else {
        c.f32x4Constant(-Infinity).set(acc[k][0]);
        c.v128Zero().set(acc[k][1]);
      }
    }
    for (const v of perRow) {
      c.get(row).i32(2).i32Shl().v128Load32Splat(base.get(v)!).set(local.get(v)!);
    }
    c.i32(0).set(j);
    if (nFull > 0) {
      c.loop();
      c.get(p).get(j).i32Add().set(a);
      body(false);
      c.get(j).i32(16).i32Add().tee(j).i32(nFull * 16).i32LtU().brIf(0);
      c.end();
    }
    if (tail > 0) {
      c.get(p).get(j).i32Add().set(a);
      body(true);
    }
    for (const [k, r] of reductions.entries()) {
      if (r.prim === "reduce_sum") {
        // (s₀ + s₂) + (s₁ + s₃), through the scratch bytes 0…15
        c.i32(0).get(acc[k][0]).get(acc[k][1]).f64x2Add().v128Store(0);
        c.get(row).i32(3).i32Shl();
        c.i32(0).f64Load(0).i32(0).f64Load(8).op(0xa0); // f64.add
        c.f64Store(resultBase[k]);
      } else {
        // NaN when a lane saw one; then the four lanes folded by eager's rule
        const [m, nan] = acc[k];
        c.f32x4Constant(NaN).get(m).get(nan).v128Bitselect().set(m);
        c.get(m).get(m).i8x16Shuffle(HIGH_PAIR).set(t2);
        maxRule(m, t2);
        c.set(m);
        c.get(m).get(m).i8x16Shuffle(SECOND).set(t2);
        maxRule(m, t2);
        c.set(m);
        c.get(row).i32(2).i32Shl().get(m).v128Store32Lane(resultBase[k], 0);
      }
    }
    c.get(p).i32(R * 4).i32Add().set(p);
    c.get(row).i32(1).i32Add().tee(row).get(0).i32LtU().brIf(0);
    c.end();
    c.get(ctx.bad).v128AnyTrue();
    return mb.build();
  };
  const ex = instanceOf(build());

  const nRows = N / R;
  const arrayIO = arrays.map((v) => [slot(v), base.get(v)! >> 2] as const);
  const outIO = outputs.map((v) => [slot(v), base.get(v)! >> 2, fresh(v)] as const);
  const scalarIO = scalars.map((v) => [slot(v), base.get(v)! >> 2] as const);
  const rowVecIO = rowVecs.map((v) => [slot(v), base.get(v)! >> 2] as const);
  const perRowIO = perRow.map((v) => [slot(v), base.get(v)! >> 2] as const);
  const resultIO = reductions.map((r, k) =>
    [slot(r.out), fresh(r.out), r.prim === "reduce_sum", resultBase[k], slot(r.x)] as const
  );
  const source = `wasm f32x4 row loop over ${N} elements (${nRows} rows of ${R}, ` +
    `${rowsPerChunk} rows a chunk): ${arrays.length} arrays + ${scalars.length} scalars + ` +
    `${perRow.length} per-row + ${rowVecs.length} row vectors in, ${outputs.length} out, ` +
    `${reductions.map((r) => r.prim).join(", ")} over rows\nJS fallback:\n${js.source}`;
  return {
    source,
    make(shapes, scratch, given): Step {
      const jsStep = js.make(shapes, scratch, given);
      let f32 = new Float32Array(0), f64 = new Float64Array(0);
      const outputArray = (s: number, isFresh: boolean, n: number) =>
        isFresh
          ? given[s] ?? new Float32Array(n)
          : scratch[s] ?? (scratch[s] = new Float32Array(n));
      return (env) => {
        if (!jitWasmEnabled()) return jsStep(env);
        if (f32.buffer !== ex.memory.buffer) {
          // an ArrayBuffer: the memory is not shared
          const buffer = ex.memory.buffer as ArrayBuffer;
          f32 = new Float32Array(buffer);
          f64 = new Float64Array(buffer);
        }
        for (const [s, at] of scalarIO) f32[at] = env[s][DATA][0];
        for (const [s, at] of rowVecIO) f32.set(env[s][DATA], at);
        const outs = outIO.map(([s, , isFresh]) => outputArray(s, isFresh, N));
        const results = resultIO.map(([s, isFresh]) => outputArray(s, isFresh, nRows));
        for (let r0 = 0; r0 < nRows; r0 += rowsPerChunk) {
          const rows = Math.min(rowsPerChunk, nRows - r0), off = r0 * R, len = rows * R;
          for (const [s, at] of arrayIO) {
            f32.set(env[s][DATA].subarray(off, off + len), at);
            // the padding the last row's partial vector reads: zeros (no spurious bad lanes)
            f32.fill(0, at + len, at + len + 4);
          }
          for (const [s, at] of perRowIO) f32.set(env[s][DATA].subarray(r0, r0 + rows), at);
          // a lane the wasm loop cannot do: rerun the whole call as the JS loop
          if (ex.run(rows)) return jsStep(env);
          for (let k = 0; k < outIO.length; k++) {
            const at = outIO[k][1];
            outs[k].set(f32.subarray(at, at + len), off);
          }
          for (let k = 0; k < resultIO.length; k++) {
            const [, , isSum, at] = resultIO[k];
            // a sum rounded once to float32 (the Float32Array's store)
            if (isSum) results[k].set(f64.subarray(at >> 3, (at >> 3) + rows), r0);
            else results[k].set(f32.subarray(at >> 2, (at >> 2) + rows), r0);
          }
        }
        for (let k = 0; k < outIO.length; k++) {
          const s = outIO[k][0];
          env[s] = new ArrayValue(outs[k], shapes[s], "float32");
        }
        for (let k = 0; k < resultIO.length; k++) {
          const [s, , isSum, , xs] = resultIO[k];
          const o = results[k];
          if (!isSum) {
            // a zero maximum: the row's first zero, as eager's fold keeps it
            const x = env[xs][DATA];
            for (let r = 0; r < nRows; r++) if (o[r] === 0) o[r] = firstZero(x, r * R, R);
          }
          env[s] = new ArrayValue(o, shapes[s], "float32");
        }
      };
    },
  };
}

/** The first zero (+0 or −0) of `x[start … start + n)`; +0 when there is none. */
function firstZero(x: ArrayLike<number>, start: number, n: number): number {
  for (let i = start; i < start + n; i++) if (x[i] === 0) return x[i];
  return 0;
}
