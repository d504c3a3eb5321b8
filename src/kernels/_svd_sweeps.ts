/**
 * Applying the plane rotations of the bidiagonal QR sweeps in `_svd.ts` to Uᵀ and Vᵀ, most of
 * the SVD's work: for k = lo … hi − 1, rows (k, k+1) ← (c_k x_k + s_k x_{k+1}, −s_k x_k +
 * c_k x_{k+1}).
 * - `PendingSweeps` queues the rotations of up to sixteen sweeps and applies them column chunk
 *   by column chunk, so a chunk stays in cache across the sweeps (one sweep at a time streams
 *   both matrices through memory, which is what bounds the speed).
 * - The arithmetic is a wasm SIMD loop over f64x2 lanes where the engine has one: the same
 *   products and sums in the same order as the JS loop `rotateChunk`, so bit-identical (no
 *   fused multiply-add). Its matrices live in the module's memory for the whole QR iteration
 *   (copied in after the reflectors are accumulated, and out at the end), each row padded to
 *   an even length; within a chunk the running row x_k stays in a small carry buffer, so each
 *   entry is read and written once per sweep.
 *
 * @module
 */
import { hasSimd, ModuleBuilder, ValType } from "./_wasm.ts";

/** The most elements per column chunk (the carry buffer, 2 KiB, stays in L1). */
const SWEEP_CHUNK = 256;

/**
 * chunk(x, stride, count, cs, sn, carry, bytes): one column chunk of `bytes` (a multiple of
 * 16) starting at address x (row 0 of the block), rows `stride` bytes apart, rotated by
 * count rotations whose cosines and sines are the f64s at cs and sn.
 */
function sweepModuleBytes(): Uint8Array {
  const mb = new ModuleBuilder();
  const { i32, v128 } = ValType;
  const c = mb.func([i32, i32, i32, i32, i32, i32, i32], [], "chunk");
  const [X, STRIDE, COUNT, CS, SN, CARRY, BYTES] = [0, 1, 2, 3, 4, 5, 6];
  const j = c.local(i32), k = c.local(i32), cur = c.local(i32), next = c.local(i32);
  const cv = c.local(v128), sv = c.local(v128), p = c.local(v128), q = c.local(v128);
  /** for (j = 0; j < BYTES; j += 16) body() */
  const overChunk = (body: () => void) => {
    c.i32(0).set(j);
    c.block().loop();
    c.get(j).get(BYTES).i32GeU().brIf(1);
    body();
    c.get(j).i32(16).i32Add().set(j);
    c.br(0);
    c.end().end();
  };
  // carry ← row 0
  overChunk(() => c.get(CARRY).get(j).i32Add().get(X).get(j).i32Add().v128Load().v128Store());
  c.get(X).set(cur);
  c.i32(0).set(k);
  c.block().loop();
  {
    c.get(k).get(COUNT).i32GeU().brIf(1);
    c.get(CS).get(k).i32(3).i32Shl().i32Add().v128Load64Splat().set(cv);
    c.get(SN).get(k).i32(3).i32Shl().i32Add().v128Load64Splat().set(sv);
    c.get(cur).get(STRIDE).i32Add().set(next);
    overChunk(() => {
      c.get(CARRY).get(j).i32Add().v128Load().set(p);
      c.get(next).get(j).i32Add().v128Load().set(q);
      // x_k = c p + s q; carry = c q − s p
      c.get(cur).get(j).i32Add();
      c.get(cv).get(p).f64x2Mul().get(sv).get(q).f64x2Mul().f64x2Add();
      c.v128Store();
      c.get(CARRY).get(j).i32Add();
      c.get(cv).get(q).f64x2Mul().get(sv).get(p).f64x2Mul().f64x2Sub();
      c.v128Store();
    });
    c.get(next).set(cur);
    c.get(k).i32(1).i32Add().set(k);
    c.br(0);
  }
  c.end().end();
  // row count ← carry
  overChunk(() => c.get(cur).get(j).i32Add().get(CARRY).get(j).i32Add().v128Load().v128Store());
  return mb.build();
}

interface SweepExports {
  memory: WebAssembly.Memory;
  chunk: (
    x: number,
    stride: number,
    count: number,
    cs: number,
    sn: number,
    carry: number,
    bytes: number,
  ) => void;
}

let instance: SweepExports | null | undefined;

/** The module, instantiated once; null where the engine lacks wasm SIMD. */
function sweepExports(): SweepExports | null {
  if (instance === undefined) {
    instance = hasSimd
      ? new WebAssembly.Instance(new WebAssembly.Module(sweepModuleBytes() as BufferSource))
        .exports as unknown as SweepExports
      : null;
  }
  return instance;
}

/** A matrix in wasm memory: its byte address, shape, padded row length, rotation buffers. */
interface Placed {
  at: number;
  rows: number;
  len: number;
  pad: number;
  csAt: number;
  snAt: number;
}

/**
 * Matrices to rotate, copied into wasm memory with rows padded to even lengths, each with its
 * own rotation buffers (cosines `cs[i]` and sines `sn[i]`, views into wasm memory: fill them,
 * then call `rotate`).
 */
class WasmSweeps {
  readonly #ex: SweepExports;
  readonly #mats: Placed[] = [];
  readonly #carryAt: number;
  /** The cosines of matrix i's rotations, a view into wasm memory. */
  readonly cs: Float64Array[] = [];
  /** The sines of matrix i's rotations, a view into wasm memory. */
  readonly sn: Float64Array[] = [];

  private constructor(ex: SweepExports, mats: Float64Array[], shapes: number[][], n: number) {
    this.#ex = ex;
    let top = 0;
    const claim = (doubles: number) => {
      const start = top;
      top += Math.ceil(doubles / 2) * 16;
      return start;
    };
    this.#carryAt = claim(SWEEP_CHUNK);
    for (const [rows, len] of shapes) {
      const pad = len + (len & 1);
      this.#mats.push({ at: claim(rows * pad), rows, len, pad, csAt: claim(n), snAt: claim(n) });
    }
    const need = Math.ceil(top / 65536) - ex.memory.buffer.byteLength / 65536;
    if (need > 0) ex.memory.grow(need);
    const f64 = new Float64Array(ex.memory.buffer);
    mats.forEach((x, i) => {
      const { at, rows, len, pad, csAt, snAt } = this.#mats[i];
      this.cs.push(f64.subarray(csAt / 8, csAt / 8 + n));
      this.sn.push(f64.subarray(snAt / 8, snAt / 8 + n));
      for (let r = 0; r < rows; r++) {
        f64.set(x.subarray(r * len, (r + 1) * len), at / 8 + r * pad);
        if (pad > len) f64[at / 8 + r * pad + len] = 0;
      }
    });
  }

  /**
   * Copies the matrices (each [rows, len] row-major) into wasm memory, with rotation buffers
   * of length n; null without wasm SIMD.
   */
  static create(mats: Float64Array[], shapes: number[][], n: number): WasmSweeps | null {
    const ex = sweepExports();
    return ex === null ? null : new WasmSweeps(ex, mats, shapes, n);
  }

  /** The padded (even) row length of matrix i. */
  padded(i: number): number {
    return this.#mats[i].pad;
  }

  /**
   * Rotates columns c0 … c0 + w − 1 (w even, at most SWEEP_CHUNK) of rows lo…hi of matrix i
   * by the rotations at rot + lo … rot + hi − 1 of its buffers.
   */
  rotate(i: number, lo: number, hi: number, rot: number, c0: number, w: number): void {
    const { at, pad, csAt, snAt } = this.#mats[i];
    const stride = pad * 8, r = (rot + lo) * 8;
    this.#ex.chunk(
      at + lo * stride + c0 * 8,
      stride,
      hi - lo,
      csAt + r,
      snAt + r,
      this.#carryAt,
      w * 8,
    );
  }

  /** Copies matrix i back out of wasm memory into x. */
  read(i: number, x: Float64Array): void {
    const { at, rows, len, pad } = this.#mats[i];
    const f64 = new Float64Array(this.#ex.memory.buffer);
    for (let r = 0; r < rows; r++) {
      x.set(f64.subarray(at / 8 + r * pad, at / 8 + r * pad + len), r * len);
    }
  }
}

/** Sweeps whose rotations wait in the buffers, applied together by `PendingSweeps.#flush`. */
const QUEUE = 16;

/**
 * The rotations of the QR sweeps on Vᵀ (matrix 0, rows of length n) and Uᵀ (matrix 1, rows of
 * length m), delayed: up to QUEUE sweeps are recorded, then applied column chunk by column
 * chunk, every queued sweep on one chunk before the next chunk, so a chunk of rows stays in
 * cache across the sweeps instead of the whole matrices streaming through memory once per
 * sweep. Each column sees the same rotations in the same order as sweep-by-sweep. The wasm
 * SIMD loop above does the arithmetic where there is one (same bits), else the JS loop
 * `rotateChunk`. Without U and V the rotations are only recorded.
 */
export class PendingSweeps {
  readonly #mats: { x: Float64Array; len: number }[] = [];
  readonly #wasm: WasmSweeps | null;
  readonly #cs: Float64Array[];
  readonly #sn: Float64Array[];
  readonly #blocks: [lo: number, hi: number][] = [];
  readonly #n: number;
  readonly #carry = new Float64Array(SWEEP_CHUNK);

  constructor(
    vt: Float64Array | null,
    ut: Float64Array | null,
    m: number,
    n: number,
    wasm: boolean,
  ) {
    this.#n = n;
    if (vt !== null && ut !== null) this.#mats.push({ x: vt, len: n }, { x: ut, len: m });
    const shapes = this.#mats.map(({ x, len }) => [x.length / len, len]);
    // below 32 columns the copies into wasm memory and the calls cost more than SIMD saves
    this.#wasm = wasm && this.#mats.length > 0 && n >= 32
      ? WasmSweeps.create(this.#mats.map((mat) => mat.x), shapes, QUEUE * n)
      : null;
    const size = this.#mats.length > 0 ? QUEUE * n : n;
    const fresh = () => [new Float64Array(size), new Float64Array(size)];
    this.#cs = this.#wasm?.cs ?? fresh();
    this.#sn = this.#wasm?.sn ?? fresh();
  }

  /** The buffers the sweeps write their rotations to: [V's cos, V's sin, U's cos, U's sin]. */
  buffers(): Float64Array[] {
    return [this.#cs[0], this.#sn[0], this.#cs[1], this.#sn[1]];
  }

  /** Where in the buffers the next sweep writes rotation k: at offset() + k. */
  offset(): number {
    return this.#blocks.length * this.#n;
  }

  /** Records the sweep just written on rows lo…hi; applies the queue when it is full. */
  push(lo: number, hi: number): void {
    if (this.#mats.length === 0) return; // nothing to rotate: the buffers are reused
    this.#blocks.push([lo, hi]);
    if (this.#blocks.length === QUEUE) this.#flush();
  }

  /** Applies what is queued and, from wasm memory, copies U and V back. */
  finish(): void {
    this.#flush();
    this.#mats.forEach((mat, i) => this.#wasm?.read(i, mat.x));
  }

  #flush(): void {
    const blocks = this.#blocks, n = this.#n;
    let rows = 0;
    for (const [lo, hi] of blocks) rows = Math.max(rows, hi - lo + 1);
    // a chunk of ~128 KiB over the rows the sweeps touch
    const chunk = Math.max(8, Math.min(SWEEP_CHUNK, 2 * Math.floor(8192 / Math.max(rows, 1))));
    this.#mats.forEach(({ x, len }, i) => {
      const width = this.#wasm?.padded(i) ?? len;
      for (let c0 = 0; c0 < width; c0 += chunk) {
        const w = Math.min(chunk, width - c0);
        blocks.forEach(([lo, hi], q) => {
          if (this.#wasm !== null) this.#wasm.rotate(i, lo, hi, q * n, c0, w);
          else rotateChunk(x, len, lo, hi, this.#cs[i], this.#sn[i], q * n, c0, w, this.#carry);
        });
      }
    });
    blocks.length = 0;
  }
}

/**
 * One sweep's rotations on columns c0 … c0 + w − 1 of rows lo…hi of x (row length len): for
 * k = lo … hi − 1 in order, (x_k, x_{k+1}) ← (c x_k + s x_{k+1}, −s x_k + c x_{k+1}) with
 * c = cs[rot + k], s = sn[rot + k]. The running row x_k stays in `carry`, so each entry is read
 * and written once.
 */
function rotateChunk(
  x: Float64Array,
  len: number,
  lo: number,
  hi: number,
  cs: Float64Array,
  sn: Float64Array,
  rot: number,
  c0: number,
  w: number,
  carry: Float64Array,
): void {
  for (let j = 0; j < w; j++) carry[j] = x[lo * len + c0 + j];
  for (let k = lo; k < hi; k++) {
    const c = cs[rot + k], s = sn[rot + k], cur = k * len + c0, next = cur + len;
    for (let j = 0; j < w; j++) {
      const p = carry[j], q = x[next + j];
      x[cur + j] = c * p + s * q;
      carry[j] = c * q - s * p;
    }
  }
  for (let j = 0; j < w; j++) x[hi * len + c0 + j] = carry[j];
}
