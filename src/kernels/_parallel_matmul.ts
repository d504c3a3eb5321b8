/**
 * The float32 matmul split across the helper threads of `_parallel.ts`, synchronous:
 * C[m×n] = op(A)·op(B) with the rows or the columns of C cut into chunks.
 *
 * Every thread runs the same WebAssembly kernel (`matmul.ts`, `gemmModuleBytes`) over the
 * engine's shared memory. The caller copies A and B into it. Split by rows (the default),
 * it packs B once; the rows of C are cut into chunks of `chunk` rows (a multiple of the
 * kernel's MR), which the caller and the helpers claim one at a time from the shared
 * counter. For its chunk a thread packs those rows of op(A) into its own panel and runs
 * `gemm` on them, writing C's rows [r0, r0 + chunk) in place. Split by columns (n ≥ 6·m,
 * as BLIS splits its jc/jr loops; see `splitColumns`), the caller packs A once and a chunk
 * is `chunk` columns (a multiple of NR): the thread packs those columns of op(B) (so B's
 * packing runs in parallel) and runs `gemmCols` on them. Either way each element of C is
 * computed by the same micro-kernel steps, in the same order, as in the one-thread
 * kernel, so the results are the same.
 *
 * @module
 */
import { defaultGemmConfig, type GemmExports } from "./matmul.ts";
import {
  awaitChunks,
  chunkDone,
  CLAIM,
  closeClaims,
  getThreads,
  KIND,
  markUsed,
  memoryOf,
  P_AP,
  P_AP_STRIDE,
  P_BP,
  P_C,
  P_CHUNK,
  P_COLS,
  P_K,
  P_KP,
  P_M,
  P_N,
  P_NCHUNKS,
  P_NP,
  P_RAW_A,
  P_RAW_B,
  P_THREADS,
  P_TRANS_A,
  P_TRANS_B,
  parallelStats,
  postJob,
  readyEngine,
} from "./_parallel.ts";

const MR = defaultGemmConfig.mr, NR = defaultGemmConfig.nr;

/**
 * Chunking, measured on 2 cores (Deno and Bun): 1, 2 or 4 chunks per thread
 * are within noise of each other on an idle machine; more chunks rebalance
 * when another process takes a core. Below ~2^20 multiply-adds per product
 * splitting stops paying.
 */
const CHUNKS_PER_THREAD = 2;
const CHUNK_MIN_WORK = 2 ** 19;

/**
 * Claims and computes chunks of job `seq` until none is left; returns how
 * many this thread did. Addresses in the control block are byte addresses.
 */
export function runChunks(ex: GemmExports, ctl: Int32Array, t: number, seq: number): number {
  const tag = (seq & 0x7fff) << 16;
  const transA = ctl[P_TRANS_A] !== 0;
  const rawA = ctl[P_RAW_A], m = ctl[P_M], k = ctl[P_K], kp = ctl[P_KP];
  const bp = ctl[P_BP], c = ctl[P_C], np = ctl[P_NP], chunk = ctl[P_CHUNK];
  const nChunks = ctl[P_NCHUNKS];
  const apStride = ctl[P_AP_STRIDE];
  const cols = ctl[P_COLS] !== 0;
  let done = 0;
  for (;;) {
    const v = Atomics.load(ctl, CLAIM);
    if ((v & 0x7fff0000) !== tag || (v & 0xffff) >= nChunks) return done;
    if (Atomics.compareExchange(ctl, CLAIM, v, v + 1) !== v) continue;
    if (cols) {
      runColumnChunk(ex, ctl, v & 0xffff);
      done++;
      chunkDone(ctl, nChunks);
      continue;
    }
    const r0 = (v & 0xffff) * chunk;
    const rows = Math.min(chunk, m - r0);
    // the last chunk may be shorter: it gets a panel of its own (panel `threads`), whose
    // layout (rows padded to MR) then never changes within the job, so its k padding stays zero
    const last = rows < chunk;
    const mp = last ? Math.ceil(rows / MR) * MR : chunk;
    const ap = ctl[P_AP] + (last ? ctl[P_THREADS] : t) * apStride;
    // op(A) rows [r0, r0 + rows): i is contiguous when transA, p otherwise
    if (transA) ex.packARows(rawA + r0 * 4, m * 4, rows, k, ap, mp, kp);
    else ex.packADepth(rawA + r0 * k * 4, k * 4, rows, k, ap, mp, kp);
    ex.gemm(ap, bp, c + r0 * np * 4, mp, np, kp);
    done++;
    chunkDone(ctl, nChunks);
  }
}

/**
 * Column split: chunk `idx` is C's columns [j0, j0 + chunk), chunk a multiple of NR. The
 * thread packs those columns of op(B) into a panel of their own (at j0·kp floats in the
 * packed-B region, which these panels tile) and runs `gemmCols` over it and all of packed A
 * (packed by the caller before the job), writing C[:, j0 .. j0 + chunk) in place.
 */
function runColumnChunk(ex: GemmExports, ctl: Int32Array, idx: number): void {
  const k = ctl[P_K], kp = ctl[P_KP], n = ctl[P_N], np = ctl[P_NP], chunk = ctl[P_CHUNK];
  const j0 = idx * chunk;
  const cols = Math.min(chunk, n - j0);
  const npc = Math.ceil(cols / NR) * NR;
  const bp = ctl[P_BP] + j0 * kp * 4, rawB = ctl[P_RAW_B];
  // op(B)ᵀ rows j0.. (columns of op(B)): j is contiguous unless transB
  if (ctl[P_TRANS_B] !== 0) ex.packBDepth(rawB + j0 * k * 4, k * 4, cols, k, bp, npc, kp);
  else ex.packBRows(rawB + j0 * 4, n * 4, cols, k, bp, npc, kp);
  const mp = Math.ceil(ctl[P_M] / MR) * MR;
  ex.gemmCols(ctl[P_AP], bp, ctl[P_C] + j0 * 4, mp, npc, kp, np);
}

const align16 = (x: number) => (x + 15) & ~15; // in floats: 64-byte alignment

/**
 * C[m×n] = op(A)·op(B) in float32 across threads, as `matmulF32` computes
 * it. Returns false, having written nothing, when the product should run on
 * one thread instead: path off or unavailable, helpers not ready yet, too few
 * rows, arguments out of range (the one-thread kernel reports those), or
 * operands too large for the shared memory.
 */
export function matmulF32Parallel(
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
): boolean {
  if (getThreads() < 2) return false;
  const { mr, nr, unroll } = defaultGemmConfig;
  if (m < 2 * mr || k === 0 || n === 0) return false;
  if (
    !(aOff >= 0 && bOff >= 0 && outOff >= 0) || aOff + m * k > a.length ||
    bOff + k * n > b.length || outOff + m * n > out.length
  ) return false;
  const e = readyEngine();
  if (e === null) return false;
  const ctl = e.ctl!, threads = e.ctlThreads;
  closeClaims(ctl);

  const np = Math.ceil(n / nr) * nr;
  const kp = Math.ceil(k / unroll) * unroll;
  const mp = Math.ceil(m / mr) * mr;
  // chunks: CHUNKS_PER_THREAD per thread (so a helper that wakes late, or a core taken by
  // another process, costs little), at least CHUNK_MIN_WORK multiply-adds each, rows a
  // multiple of MR (columns a multiple of NR when the columns are split)
  const chunking = (len: number, w: number, across: number) => {
    const minLen = Math.ceil(CHUNK_MIN_WORK / (k * across));
    const chunk = w * Math.max(
      Math.ceil(Math.ceil(len / w) / (CHUNKS_PER_THREAD * threads)),
      Math.ceil(minLen / w),
    );
    return [chunk, Math.ceil(len / chunk)];
  };
  let cols = splitColumns(m, n);
  let [chunk, nChunks] = cols ? chunking(n, nr, m) : chunking(m, mr, n);
  if (cols && nChunks < 2 && splitMode === "auto") {
    cols = false;
    [chunk, nChunks] = chunking(m, mr, n);
  }
  if (nChunks < 2 || nChunks > 0xffff) return false;

  // shared memory (float indices): [Bp | C | raw A | raw B | Ap × panels]: one A panel per
  // thread and one for a short last chunk, or (columns split) one for all of A
  const bpF = 0;
  const cF = align16(bpF + np * kp);
  const rawA = align16(cF + mp * np);
  const rawB = align16(rawA + m * k);
  const apF = align16(rawB + k * n);
  const apStride = align16((cols ? mp : chunk) * kp);
  const panels = cols ? 1 : threads + 1;
  const view = memoryOf(e, (apF + panels * apStride) * 4);
  if (view === null) return false;
  const t0 = performance.now();
  view.set(a.subarray(aOff, aOff + m * k), rawA);
  view.set(b.subarray(bOff, bOff + k * n), rawB);
  // packers write only real elements: the k padding must be zero (padded rows of A and
  // columns of B reach only C's padding)
  if (kp !== k || (!cols && np !== n)) view.fill(0, bpF, bpF + np * kp);
  if (kp !== k) view.fill(0, apF, apF + panels * apStride);
  const ex = e.ex;
  // op(A) is [m×k] with i contiguous when transA; op(B)ᵀ is [n×k] with j contiguous unless
  // transB. Split columns: all of A now, B by the chunks; split rows: all of B now, A by the chunks
  if (cols && transA) ex.packARows(rawA * 4, m * 4, m, k, apF * 4, mp, kp);
  else if (cols) ex.packADepth(rawA * 4, k * 4, m, k, apF * 4, mp, kp);
  else if (transB) ex.packBDepth(rawB * 4, k * 4, n, k, bpF * 4, np, kp);
  else ex.packBRows(rawB * 4, n * 4, n, k, bpF * 4, np, kp);

  ctl[KIND] = 0;
  ctl[P_COLS] = cols ? 1 : 0;
  ctl[P_TRANS_A] = transA ? 1 : 0;
  ctl[P_TRANS_B] = transB ? 1 : 0;
  ctl[P_RAW_A] = rawA * 4;
  ctl[P_RAW_B] = rawB * 4;
  ctl[P_M] = m;
  ctl[P_K] = k;
  ctl[P_N] = n;
  ctl[P_KP] = kp;
  ctl[P_BP] = bpF * 4;
  ctl[P_C] = cF * 4;
  ctl[P_NP] = np;
  ctl[P_CHUNK] = chunk;
  ctl[P_NCHUNKS] = nChunks;
  ctl[P_AP] = apF * 4;
  ctl[P_AP_STRIDE] = apStride * 4;
  ctl[P_THREADS] = threads;
  const seq = postJob(e);
  const mine = runChunks(ex, ctl, 0, seq);
  if (!awaitChunks(ctl, nChunks, t0)) return false;
  parallelStats.jobs++;
  if (cols) parallelStats.columnJobs++;
  parallelStats.helperChunks += nChunks - mine;
  if (np === n) {
    out.set(view.subarray(cF, cF + m * n), outOff);
  } else {
    for (let i = 0; i < m; i++) {
      const s = cF + i * np;
      out.set(view.subarray(s, s + n), outOff + i * n);
    }
  }
  markUsed();
  return true;
}

/** Which way products are split: by the shape (see {@link splitColumns}), or forced (tests, benchmarks). */
let splitMode: "auto" | "rows" | "columns" = "auto";
/** Sets how products are split between threads; returns the previous mode. For tests and benchmarks. */
export function setSplitMode(mode: "auto" | "rows" | "columns"): "auto" | "rows" | "columns" {
  const was = splitMode;
  splitMode = mode;
  return was;
}

/**
 * Whether a product splits C's columns rather than its rows: when C is at least 6 times as
 * wide as it is tall. Each row chunk streams all of packed B (a column chunk: all of packed
 * A, with its own columns of B staying in its core's L2), and the calling thread packs the
 * operand that is not split before the job. Measured, wall GFLOP/s on 2 threads at load ≈ 1
 * (`bench/matmul_cpu.ts --splits rows,columns`, median of 9–11 alternating rounds), rows →
 * columns: m×k×n = 128×512×768 69 → 81, 128×256×784 (Bᵀ) 66 → 81, 64×256×512 (Bᵀ) 48 → 59,
 * 64×784×512 61–45 → 65–69, 256×256×1536 50 → 50; but n/m ≤ 5 mostly favours rows:
 * 128×512×512 61 → 57, 100×512×512 67 → 56, 64×512×320 63 → 56, 256×512×1024 63 → 59,
 * 64×512×256 48 → 43, 128×784×256 71–75 → 71–72.
 */
function splitColumns(m: number, n: number): boolean {
  if (splitMode !== "auto") return splitMode === "columns";
  return n >= 6 * m;
}
