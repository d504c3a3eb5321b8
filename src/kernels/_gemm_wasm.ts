/**
 * The float32 WebAssembly SIMD matmul kernel, assembled at load time with `_wasm.ts`.
 *
 * ## Blocking scheme of the float32 WebAssembly kernel
 *
 * The JS wrapper copies A and B into wasm memory as they are (one memcpy
 * each); wasm packers then rearrange them into the panels below, which also
 * absorbs the transposes (op(A), op(B) are read through strides while
 * packing, so a single micro-kernel serves all four flag combinations):
 *
 * - k is padded with zeros to a multiple of the unroll factor U and split into
 *   blocks of KC (the last may be shorter).
 * - op(A) (m×k) is padded to MR-row strips. Per k-block, each strip is stored
 *   as kc steps of MR consecutive floats: `Ap[blk][strip][p][0..MR)`.
 * - op(B) (k×n) is padded to NR-column strips, stored per k-block as kc steps
 *   of NR consecutive floats: `Bp[blk][strip][p][0..NR)`.
 * - C lives in wasm memory padded to (mp × np), mp = MR·⌈m/MR⌉,
 *   np = NR·⌈n/NR⌉; the first k-block writes it, later ones accumulate into
 *   it, so the kernel has no edge cases at all. The wrapper copies the m×n
 *   part out.
 *
 * Loop nest (all inside one wasm call):
 *
 *     for pc in k-blocks (KC)              B block kc×n stays in L2/L3
 *       for ic in row blocks (MC)          A block MC×kc (≤ 264 KiB) in L2
 *         for jr in column strips (NR)     B micro-panel kc×NR (≤ 16 KiB) in L1
 *           for ir in row strips (MR)      A micro-panel streams from L2
 *             micro-kernel: MR×NR tile of C in MR·NR/4 v128 locals,
 *             for each p: NR/4 v128 loads of B, MR load32_splat of A,
 *             MR·NR/4 multiply-adds (f32x4.relaxed_madd where the engine has
 *             it, else f32x4.mul + f32x4.add); p is unrolled U times with
 *             constant memarg offsets so the loop overhead is one
 *             compare-and-branch per U steps.
 *
 * Chosen shape (measured on x86-64 AVX2 under V8 and JavaScriptCore):
 * MR×NR = 6×8, U = 8, KC = 512, MC = 132. The tile needs 12 accumulators +
 * 2 B vectors + 1 splat = 15 of x86-64's 16 xmm registers, so nothing spills;
 * 4×16 needs 21 and spills, 4×8 leaves too few independent accumulators to
 * hide the multiply-add latency. A splats are addressed as aPtr + const with
 * a zero memarg offset, which JavaScriptCore needs to emit a broadcast load.
 *
 * @module
 */

import { type Code, hasRelaxedSimd, hasSimd, ModuleBuilder, ValType } from "./_wasm.ts";
import { checkArgs } from "./_matmul_check.ts";

// ---------------------------------------------------------------------------
// float32 WebAssembly SIMD kernel
// ---------------------------------------------------------------------------

/** Shape of the generated kernel; see the blocking scheme at the top of the file. */
export interface GemmConfig {
  /** Rows of the register tile. */
  mr: number;
  /** Columns of the register tile (multiple of 4). */
  nr: number;
  /** Unroll factor of the depth loop; KC must be a multiple of it. */
  unroll: number;
  /** Depth block. */
  kc: number;
  /** Row block (multiple of mr). */
  mc: number;
  /** Use f32x4.relaxed_madd instead of mul + add. */
  relaxed: boolean;
  /**
   * Address each A splat as (aPtr + const) with a zero memarg offset instead
   * of through the memarg offset. JavaScriptCore turns a load32_splat with a
   * nonzero offset into a scalar load plus a shuffle, but keeps the
   * broadcast-from-memory for a zero offset.
   */
  splatByAdd?: boolean;
}

/**
 * Emits `gemm(ap, bp, c, mp, np, kp)` (byte addresses; mp, np, kp padded counts), C's rows
 * np floats apart; with `withLdc`, `gemmCols(ap, bp, c, mp, np, kp, ldc)`: the same loop nest
 * over a panel of np columns packed on its own (np·kc floats per k-block) whose C rows are
 * ldc floats apart, i.e. columns [j0, j0 + np) of a wider C when c points at its column j0.
 * Both run every C element through the same micro-kernel steps in the same order.
 */
function emitGemm(mb: ModuleBuilder, g: GemmConfig, withLdc: boolean): void {
  const I = ValType.i32;
  const V = ValType.v128;
  const c = mb.func(
    withLdc ? [I, I, I, I, I, I, I] : [I, I, I, I, I, I],
    [],
    withLdc ? "gemmCols" : "gemm",
  );
  const AP = 0, BP = 1, CP = 2, MP = 3, NP = 4, KP = 5, LDC = 6;
  const pc = c.local(I), kc = c.local(I), ic = c.local(I), icEnd = c.local(I);
  const jr = c.local(I), ir = c.local(I), aBlk = c.local(I), bBlk = c.local(I);
  const bStrip = c.local(I), aPtr = c.local(I), bPtr = c.local(I), aEnd = c.local(I);
  const cPtr = c.local(I), ldc = c.local(I);
  const nv = g.nr / 4;
  const acc: number[] = [];
  for (let i = 0; i < g.mr * nv; i++) acc.push(c.local(V));
  const bv: number[] = [];
  for (let q = 0; q < nv; q++) bv.push(c.local(V));
  const av = c.local(V);

  // cRow(r): address of row r of the current C tile
  const cRow = (r: number) => {
    c.get(cPtr);
    if (r > 0) c.get(ldc).i32(r).i32Mul().i32Add();
  };

  c.get(withLdc ? LDC : NP).i32(2).i32Shl().set(ldc); // bytes between C's rows
  c.i32(0).set(pc);
  c.loop(); // ---- pc: k-blocks
  {
    // kc = min(KC, kp - pc)
    c.get(KP).get(pc).i32Sub().i32(g.kc);
    c.get(KP).get(pc).i32Sub().i32(g.kc).i32LtU();
    c.select().set(kc);
    c.get(AP).get(pc).get(MP).i32Mul().i32(2).i32Shl().i32Add().set(aBlk);
    c.get(BP).get(pc).get(NP).i32Mul().i32(2).i32Shl().i32Add().set(bBlk);
    c.i32(0).set(ic);
    c.loop(); // ---- ic: row blocks
    {
      // icEnd = min(ic + MC, mp)
      c.get(ic).i32(g.mc).i32Add();
      c.get(MP);
      c.get(ic).i32(g.mc).i32Add().get(MP).i32LtU();
      c.select().set(icEnd);
      c.i32(0).set(jr);
      c.loop(); // ---- jr: column strips
      {
        c.get(bBlk).get(jr).get(kc).i32Mul().i32(2).i32Shl().i32Add().set(bStrip);
        c.get(ic).set(ir);
        c.loop(); // ---- ir: row strips
        {
          c.get(aBlk).get(ir).get(kc).i32Mul().i32(2).i32Shl().i32Add().tee(aPtr);
          c.get(kc).i32(g.mr * 4).i32Mul().i32Add().set(aEnd);
          c.get(bStrip).set(bPtr);
          c.get(CP).get(ir).get(ldc).i32Mul().i32Add().get(jr).i32(2).i32Shl().i32Add().set(cPtr);
          // the first k-block starts from zero, the others from the partial C
          c.get(pc).i32Eqz().if();
          for (const t of acc) c.v128Zero().set(t);
          c.else();
          for (let r = 0; r < g.mr; r++) {
            for (let q = 0; q < nv; q++) {
              cRow(r);
              c.v128Load(q * 16).set(acc[r * nv + q]);
            }
          }
          c.end();
          c.loop(); // ---- p: depth, unrolled
          {
            for (let u = 0; u < g.unroll; u++) {
              for (let q = 0; q < nv; q++) {
                c.get(bPtr).v128Load((u * g.nr + q * 4) * 4).set(bv[q]);
              }
              for (let r = 0; r < g.mr; r++) {
                const off = (u * g.mr + r) * 4;
                if (g.splatByAdd && off !== 0) {
                  c.get(aPtr).i32(off).i32Add().v128Load32Splat().set(av);
                } else c.get(aPtr).v128Load32Splat(off).set(av);
                for (let q = 0; q < nv; q++) {
                  const t = acc[r * nv + q];
                  if (g.relaxed) {
                    c.get(av).get(bv[q]).get(t).f32x4RelaxedMadd().set(t);
                  } else {
                    c.get(av).get(bv[q]).f32x4Mul().get(t).f32x4Add().set(t);
                  }
                }
              }
            }
            c.get(bPtr).i32(g.unroll * g.nr * 4).i32Add().set(bPtr);
            c.get(aPtr).i32(g.unroll * g.mr * 4).i32Add().tee(aPtr);
            c.get(aEnd).i32LtU().brIf(0);
          }
          c.end();
          for (let r = 0; r < g.mr; r++) {
            for (let q = 0; q < nv; q++) {
              cRow(r);
              c.get(acc[r * nv + q]).v128Store(q * 16);
            }
          }
          c.get(ir).i32(g.mr).i32Add().tee(ir).get(icEnd).i32LtU().brIf(0);
        }
        c.end();
        c.get(jr).i32(g.nr).i32Add().tee(jr).get(NP).i32LtU().brIf(0);
      }
      c.end();
      c.get(icEnd).tee(ic).get(MP).i32LtU().brIf(0);
    }
    c.end();
    c.get(pc).i32(g.kc).i32Add().tee(pc).get(KP).i32LtU().brIf(0);
  }
  c.end();
}

/** `v128.store64_lane` (not among `_wasm.ts`'s named ops). */
const STORE64_LANE = 0x5b;

/**
 * The packers below copy an operand X (op(A) as rows i, or op(B)ᵀ as rows j;
 * X(i, p) at byte address src + i·si + p·sp) into `w`-row strips per k-block
 * at dst, in the layout of the header comment. They write only real
 * elements; the wrapper zeroes the buffer first when there is padding.
 * Which one runs depends on which index is contiguous in the source.
 *
 * `packAlongDepth(src, si, rows, k, dst, rowsPad, kp)`, sp = 4 bytes: a full
 * strip of w rows 4 depth steps at a time, reading 4 consecutive p of each row
 * (w v128 loads) and transposing them in registers with shuffles, so that each
 * depth step's w floats leave in v128 stores (4 rows at a time; a 64-bit lane
 * store for 2 rows left, lane stores for 1 or 3); the remaining steps, and the
 * rows of a partial last strip, one float at a time. (Scattering each row's 4
 * floats with lane stores, as this did before, packed 2–2.5× slower.)
 */
function emitPackAlongDepth(mb: ModuleBuilder, name: string, w: number, kcMax: number): void {
  const I = ValType.i32, V = ValType.v128;
  const c = mb.func([I, I, I, I, I, I, I], [], name);
  const SRC = 0, SI = 1, ROWS = 2, K = 3, DST = 4, ROWSPAD = 5, KP = 6;
  const pc = c.local(I), kc = c.local(I), pn = c.local(I), strip = c.local(I);
  const i = c.local(I), d = c.local(I), p = c.local(I), p4 = c.local(I);
  const stripBytes = c.local(I), fullRows = c.local(I);
  const s: number[] = [], v: number[] = [], t: number[] = [];
  for (let r = 0; r < w; r++) s.push(c.local(I)), v.push(c.local(V));
  for (let q = 0; q < 4; q++) t.push(c.local(V));
  // i8x16.shuffle lanes picking f32 lanes (0–3 of the first operand, 4–7 of the second)
  const shuffle = (f: number[]) =>
    c.i8x16Shuffle(f.flatMap((x) => [4 * x, 4 * x + 1, 4 * x + 2, 4 * x + 3]));
  c.get(ROWS).i32(w).i32DivU().i32(w).i32Mul().set(fullRows);
  c.i32(0).set(pc);
  c.loop(); // ---- k-blocks
  {
    emitMinKc(c, KP, K, pc, kc, pn, kcMax);
    c.get(kc).i32(w * 4).i32Mul().set(stripBytes);
    c.get(pn).i32(-4).i32And().set(p4);
    c.get(DST).get(pc).get(ROWSPAD).i32Mul().i32(2).i32Shl().i32Add().set(strip);
    c.i32(0).set(i);
    c.block().loop(); // ---- full strips
    {
      c.get(i).get(fullRows).i32GeU().brIf(1);
      c.get(SRC).get(i).get(SI).i32Mul().i32Add().get(pc).i32(2).i32Shl().i32Add().set(s[0]);
      for (let r = 1; r < w; r++) c.get(s[r - 1]).get(SI).i32Add().set(s[r]);
      c.get(strip).set(d);
      c.i32(0).set(p);
      c.block().loop(); // 4 depth steps at a time
      {
        c.get(p).get(p4).i32GeU().brIf(1);
        for (let r = 0; r < w; r++) {
          c.get(s[r]).v128Load().set(v[r]);
          c.get(s[r]).i32(16).i32Add().set(s[r]);
        }
        // rows g..g+3, a 4×4 transpose: t0 = (g0 g+1_0 g0' ...) interleaves rows g and g+1
        // at steps 0–1, t1 at steps 2–3, t2/t3 rows g+2 and g+3; then step q's 4 floats
        let g = 0;
        for (; g + 4 <= w; g += 4) {
          c.get(v[g]).get(v[g + 1]), shuffle([0, 4, 1, 5]), c.set(t[0]);
          c.get(v[g]).get(v[g + 1]), shuffle([2, 6, 3, 7]), c.set(t[1]);
          c.get(v[g + 2]).get(v[g + 3]), shuffle([0, 4, 1, 5]), c.set(t[2]);
          c.get(v[g + 2]).get(v[g + 3]), shuffle([2, 6, 3, 7]), c.set(t[3]);
          for (let q = 0; q < 4; q++) {
            const [x, y] = q < 2 ? [t[0], t[2]] : [t[1], t[3]];
            c.get(d).get(x).get(y), shuffle(q % 2 ? [2, 3, 6, 7] : [0, 1, 4, 5]);
            c.v128Store((q * w + g) * 4);
          }
        }
        if (w - g === 2) {
          // the last two rows: (g_q, g+1_q) is one 64-bit lane of an interleave
          for (const [half, lanes] of [[0, [0, 4, 1, 5]], [1, [2, 6, 3, 7]]] as const) {
            c.get(v[g]).get(v[g + 1]), shuffle([...lanes]), c.set(t[half]);
            for (let l = 0; l < 2; l++) {
              c.get(d).get(t[half]).simd(STORE64_LANE, [3, ((2 * half + l) * w + g) * 4]).op(l);
            }
          }
        } else {
          // one or three rows left: each lane on its own
          for (let r = g; r < w; r++) {
            for (let q = 0; q < 4; q++) c.get(d).get(v[r]).v128Store32Lane((q * w + r) * 4, q);
          }
        }
        c.get(d).i32(4 * w * 4).i32Add().set(d);
        c.get(p).i32(4).i32Add().set(p);
        c.br(0);
      }
      c.end().end();
      c.block().loop(); // remaining depth steps, one float per row
      {
        c.get(p).get(pn).i32GeU().brIf(1);
        for (let r = 0; r < w; r++) {
          c.get(d).get(s[r]).f32Load().f32Store(r * 4);
          c.get(s[r]).i32(4).i32Add().set(s[r]);
        }
        c.get(d).i32(w * 4).i32Add().set(d);
        c.get(p).i32(1).i32Add().set(p);
        c.br(0);
      }
      c.end().end();
      c.get(strip).get(stripBytes).i32Add().set(strip);
      c.get(i).i32(w).i32Add().set(i);
      c.br(0);
    }
    c.end().end();
    c.block().loop(); // ---- rows of the partial last strip, one float at a time
    {
      c.get(i).get(ROWS).i32GeU().brIf(1);
      c.get(SRC).get(i).get(SI).i32Mul().i32Add().get(pc).i32(2).i32Shl().i32Add().set(s[0]);
      c.get(strip).get(i).get(fullRows).i32Sub().i32(2).i32Shl().i32Add().set(d);
      c.i32(0).set(p);
      c.block().loop();
      {
        c.get(p).get(pn).i32GeU().brIf(1);
        c.get(d).get(s[0]).f32Load().f32Store();
        c.get(d).i32(w * 4).i32Add().set(d);
        c.get(s[0]).i32(4).i32Add().set(s[0]);
        c.get(p).i32(1).i32Add().set(p);
        c.br(0);
      }
      c.end().end();
      c.get(i).i32(1).i32Add().set(i);
      c.br(0);
    }
    c.end().end();
    c.get(pc).i32(kcMax).i32Add().tee(pc).get(K).i32LtU().brIf(0);
  }
  c.end();
}

/**
 * `packAlongRows(src, sp, rows, k, dst, rowsPad, kp)`, si = 4 bytes: DEPTH
 * depth steps at a time, copying each run of w consecutive rows of those steps
 * into its strip with v128 moves, then the remaining steps one at a time.
 * Taking several steps per visit of a strip writes whole cache lines of the
 * panel at once: one step per visit wrote w floats into each strip in turn,
 * strips kc·w·4 bytes apart (a power of two when kc is), so every line was
 * evicted between its two halves and read for ownership twice (B's packing,
 * which runs on the calling thread before the split, was 8× a memcpy at n = 1024).
 */
function emitPackAlongRows(mb: ModuleBuilder, name: string, w: number, kcMax: number): void {
  const I = ValType.i32;
  const c = mb.func([I, I, I, I, I, I, I], [], name);
  const SRC = 0, SP = 1, ROWS = 2, K = 3, DST = 4, ROWSPAD = 5, KP = 6;
  const DEPTH = 4;
  const pc = c.local(I), kc = c.local(I), pn = c.local(I), blk = c.local(I);
  const p = c.local(I), d = c.local(I), fullEnd = c.local(I);
  const sEnd = c.local(I), stripBytes = c.local(I);
  const s: number[] = [];
  for (let q = 0; q < DEPTH; q++) s.push(c.local(I));
  // copies steps [p, p + steps) of every strip; s[q] walks source row pc + p + q
  const steps = (count: number) => {
    c.get(blk).get(p).i32(w * 4).i32Mul().i32Add().set(d);
    c.get(SRC).get(pc).get(p).i32Add().get(SP).i32Mul().i32Add().set(s[0]);
    for (let q = 1; q < count; q++) c.get(s[q - 1]).get(SP).i32Add().set(s[q]);
    c.get(s[0]).get(ROWS).i32(w).i32DivU().i32(w * 4).i32Mul().i32Add().set(fullEnd);
    c.get(s[0]).get(ROWS).i32(2).i32Shl().i32Add().set(sEnd);
    c.block().loop(); // full strips
    {
      c.get(s[0]).get(fullEnd).i32GeU().brIf(1);
      for (let q = 0; q < count; q++) {
        const base = q * w * 4;
        let o = 0;
        for (; o + 4 <= w; o += 4) c.get(d).get(s[q]).v128Load(o * 4).v128Store(base + o * 4);
        for (; o < w; o++) c.get(d).get(s[q]).f32Load(o * 4).f32Store(base + o * 4);
        c.get(s[q]).i32(w * 4).i32Add().set(s[q]);
      }
      c.get(d).get(stripBytes).i32Add().set(d);
      c.br(0);
    }
    c.end().end();
    c.block().loop(); // the partial last strip
    {
      c.get(s[0]).get(sEnd).i32GeU().brIf(1);
      for (let q = 0; q < count; q++) {
        c.get(d).get(s[q]).f32Load().f32Store(q * w * 4);
        c.get(s[q]).i32(4).i32Add().set(s[q]);
      }
      c.get(d).i32(4).i32Add().set(d);
      c.br(0);
    }
    c.end().end();
  };
  c.i32(0).set(pc);
  c.loop(); // ---- k-blocks
  {
    emitMinKc(c, KP, K, pc, kc, pn, kcMax);
    c.get(kc).i32(w * 4).i32Mul().set(stripBytes);
    c.get(DST).get(pc).get(ROWSPAD).i32Mul().i32(2).i32Shl().i32Add().set(blk);
    c.i32(0).set(p);
    c.block().loop(); // ---- DEPTH steps at a time
    {
      c.get(pn).get(p).i32(DEPTH).i32Add().i32LtU().brIf(1);
      steps(DEPTH);
      c.get(p).i32(DEPTH).i32Add().set(p);
      c.br(0);
    }
    c.end().end();
    c.block().loop(); // ---- the remaining steps
    {
      c.get(p).get(pn).i32GeU().brIf(1);
      steps(1);
      c.get(p).i32(1).i32Add().set(p);
      c.br(0);
    }
    c.end().end();
    c.get(pc).i32(kcMax).i32Add().tee(pc).get(K).i32LtU().brIf(0);
  }
  c.end();
}

/** kc = min(KC, kp − pc); pn = min(kc, k − pc) (the real depth steps of the block). */
function emitMinKc(
  c: Code,
  KP: number,
  K: number,
  pc: number,
  kc: number,
  pn: number,
  kcMax: number,
): void {
  c.get(KP).get(pc).i32Sub().i32(kcMax);
  c.get(KP).get(pc).i32Sub().i32(kcMax).i32LtU();
  c.select().set(kc);
  c.get(K).get(pc).i32Sub().get(kc);
  c.get(K).get(pc).i32Sub().get(kc).i32LtU();
  c.select().set(pn);
}

/** A float32 matmul running through a generated wasm kernel. */
export type MatmulF32Fn = (
  a: Float32Array,
  aOff: number,
  b: Float32Array,
  bOff: number,
  out: Float32Array,
  outOff: number,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
) => void;

/**
 * The kernel module's bytes: `gemm`, `gemmCols` and the four packers over one memory, its
 * own (16 pages to start), or, given `shared` limits in pages, a shared
 * memory imported as `env.memory` (the multi-threaded path of
 * `_parallel.ts` instantiates it once per thread over the same memory).
 */
export function gemmModuleBytes(
  g: GemmConfig,
  shared?: { initial: number; maximum: number },
): Uint8Array {
  const mb = new ModuleBuilder();
  if (shared) mb.importMemory("env", "memory", shared.initial, shared.maximum, true);
  else mb.memory(16);
  emitGemm(mb, g, false);
  emitGemm(mb, g, true);
  emitPackAlongDepth(mb, "packADepth", g.mr, g.kc);
  emitPackAlongRows(mb, "packARows", g.mr, g.kc);
  emitPackAlongDepth(mb, "packBDepth", g.nr, g.kc);
  emitPackAlongRows(mb, "packBRows", g.nr, g.kc);
  return mb.build();
}

/** Builds a wasm float32 matmul with the given kernel shape; null if the engine lacks SIMD. */
export function createWasmMatmulF32(g: GemmConfig): MatmulF32Fn | null {
  if (!hasSimd || (g.relaxed && !hasRelaxedSimd)) return null;
  if (g.nr % 4 !== 0 || g.kc % g.unroll !== 0 || g.mc % g.mr !== 0) {
    throw new RangeError("createWasmMatmulF32: inconsistent kernel shape");
  }
  const inst = new WebAssembly.Instance(new WebAssembly.Module(gemmModuleBytes(g) as BufferSource));
  const ex = inst.exports as unknown as GemmExports;
  const memory = ex.memory;
  let view = new Float32Array(memory.buffer);
  const { mr, nr, unroll } = g;
  const align16 = (x: number) => (x + 15) & ~15; // in floats: 64-byte alignment

  return function matmulF32Wasm(a, aOff, b, bOff, out, outOff, m, k, n, transA, transB) {
    checkArgs(a.length, aOff, b.length, bOff, out.length, outOff, m, k, n);
    if (m === 0 || n === 0) return;
    if (k === 0) {
      out.fill(0, outOff, outOff + m * n);
      return;
    }
    // wasm memory (float indices): [Ap | Bp | C | raw A | raw B]
    const mp = Math.ceil(m / mr) * mr;
    const np = Math.ceil(n / nr) * nr;
    const kp = Math.ceil(k / unroll) * unroll;
    const apF = 0;
    const bpF = align16(apF + mp * kp);
    const cF = align16(bpF + np * kp);
    const rawA = align16(cF + mp * np);
    const rawB = align16(rawA + m * k);
    const endBytes = (rawB + k * n) * 4;
    if (endBytes > 0x7fffffff) {
      throw new RangeError("matmulF32: operands exceed 2 GiB of wasm memory");
    }
    if (endBytes > memory.buffer.byteLength) {
      memory.grow(Math.ceil((endBytes - memory.buffer.byteLength) / 65536));
    }
    if (view.buffer !== memory.buffer) view = new Float32Array(memory.buffer);
    view.set(a.subarray(aOff, aOff + m * k), rawA);
    view.set(b.subarray(bOff, bOff + k * n), rawB);
    if (mp !== m || kp !== k) view.fill(0, apF, apF + mp * kp);
    if (np !== n || kp !== k) view.fill(0, bpF, bpF + np * kp);
    // op(A) is [m×k] with i contiguous when transA; op(B)ᵀ is [n×k] with j contiguous unless transB
    if (transA) ex.packARows(rawA * 4, m * 4, m, k, apF * 4, mp, kp);
    else ex.packADepth(rawA * 4, k * 4, m, k, apF * 4, mp, kp);
    if (transB) ex.packBDepth(rawB * 4, k * 4, n, k, bpF * 4, np, kp);
    else ex.packBRows(rawB * 4, n * 4, n, k, bpF * 4, np, kp);
    ex.gemm(apF * 4, bpF * 4, cF * 4, mp, np, kp);
    if (np === n) {
      out.set(view.subarray(cF, cF + m * n), outOff);
    } else {
      for (let i = 0; i < m; i++) {
        const s = cF + i * np;
        out.set(view.subarray(s, s + n), outOff + i * n);
      }
    }
  };
}

/** (src, stride of the non-contiguous index in bytes, rows, k, dst, rowsPad, kp) */
export type PackFn = (
  src: number,
  stride: number,
  rows: number,
  k: number,
  dst: number,
  rowsPad: number,
  kp: number,
) => void;

/** Exports of the module built by {@link gemmModuleBytes} (byte addresses). */
export interface GemmExports {
  memory: WebAssembly.Memory;
  gemm(ap: number, bp: number, c: number, mp: number, np: number, kp: number): void;
  /** `gemm` over a separately packed panel of np columns, C's rows ldc floats apart. */
  gemmCols(
    ap: number,
    bp: number,
    c: number,
    mp: number,
    np: number,
    kp: number,
    ldc: number,
  ): void;
  packADepth: PackFn;
  packARows: PackFn;
  packBDepth: PackFn;
  packBRows: PackFn;
}

/** Kernel shape used by {@link matmulF32}. */
export const defaultGemmConfig: GemmConfig = {
  mr: 6,
  nr: 8,
  unroll: 8,
  kc: 512,
  mc: 132,
  relaxed: hasRelaxedSimd,
  splatByAdd: true,
};
