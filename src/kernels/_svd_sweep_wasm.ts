/**
 * The rotation sweeps of the bidiagonal QR in `_svd.ts` as a wasm SIMD loop: for k = 0 …
 * count − 1, rows (k, k+1) of a row-major block ← (c_k x_k + s_k x_{k+1}, −s_k x_k +
 * c_k x_{k+1}), two f64 lanes at a time. The same products and sums in the same order as the
 * JS loop (`applySweep`), so the results are bit-identical (no fused multiply-add).
 *
 * The matrices being rotated live in the module's memory for the whole QR iteration (copied in
 * after the reflectors are accumulated, and out at the end), each row padded to an even
 * length; a column chunk at a time, the running row x_k stays in a small carry buffer, so
 * each entry is read and written once per sweep (as in the JS loop).
 *
 * @module
 */
import { hasSimd, ModuleBuilder, ValType } from "./_wasm.ts";

/** The most elements per column chunk (the carry buffer, 2 KiB, stays in L1). */
export const SWEEP_CHUNK = 256;

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
export class WasmSweeps {
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
