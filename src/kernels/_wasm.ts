/**
 * A tiny WebAssembly binary assembler: just enough to emit the numeric
 * kernels of difftrace at load time, so that no binary blobs and no external
 * toolchain are needed.
 *
 * It knows the module layout (types, imports, functions, memory, exports,
 * code), LEB128 integers, structured control flow and the scalar and SIMD
 * opcodes the kernels use. Anything else can still be emitted through
 * {@link Code.op} / {@link Code.simd} with a raw opcode.
 *
 * @module
 */

/** Value types, by their binary encoding. */
export const ValType = {
  i32: 0x7f,
  i64: 0x7e,
  f32: 0x7d,
  f64: 0x7c,
  v128: 0x7b,
} as const;
export type ValType = (typeof ValType)[keyof typeof ValType];

/** Growable byte buffer with the integer encodings the binary format uses. */
export class Bytes {
  #buf: Uint8Array = new Uint8Array(256);
  #len = 0;

  get length(): number {
    return this.#len;
  }

  byte(b: number): this {
    if (this.#len === this.#buf.length) {
      const next = new Uint8Array(this.#buf.length * 2);
      next.set(this.#buf);
      this.#buf = next;
    }
    this.#buf[this.#len++] = b & 0xff;
    return this;
  }

  bytes(bs: ArrayLike<number>): this {
    for (let i = 0; i < bs.length; i++) this.byte(bs[i]);
    return this;
  }

  /** Unsigned LEB128 (u32 range). */
  u32(v: number): this {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
      throw new RangeError(`u32 out of range: ${v}`);
    }
    do {
      let b = v & 0x7f;
      v = Math.floor(v / 128);
      if (v !== 0) b |= 0x80;
      this.byte(b);
    } while (v !== 0);
    return this;
  }

  /** Signed LEB128 (i32 range). */
  s32(v: number): this {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) {
      throw new RangeError(`s32 out of range: ${v}`);
    }
    for (;;) {
      const b = v & 0x7f;
      v >>= 7;
      const done = (v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0);
      this.byte(done ? b : b | 0x80);
      if (done) return this;
    }
  }

  /** A UTF-8 name, length-prefixed. */
  name(s: string): this {
    const enc = new TextEncoder().encode(s);
    return this.u32(enc.length).bytes(enc);
  }

  /** A length-prefixed copy of another buffer (a section or function body). */
  sized(inner: Bytes): this {
    return this.u32(inner.length).bytes(inner.view());
  }

  view(): Uint8Array {
    return this.#buf.subarray(0, this.#len);
  }
}

/** Block type for structured control: empty, or one result value. */
const BLOCK_EMPTY = 0x40;

/**
 * Emitter for one function body. Methods push instructions in stack-machine
 * order and return `this`, so code reads as a chain.
 */
export class Code {
  readonly out: Bytes = new Bytes();
  readonly #localTypes: ValType[] = [];
  readonly #nParams: number;

  constructor(nParams: number) {
    this.#nParams = nParams;
  }

  /** Byte offset of the hoisting point in `out` (-1: none), and the constants hoisted there. */
  #hoistAt = -1;
  readonly #hoisted = new Map<string, [local: number, lanes: Uint8Array]>();

  /**
   * Marks the place (before a loop) where the constants of later
   * {@link f32x4Constant} / {@link i32x4Constant} / {@link f64x2Constant} calls are
   * set into locals, once per call instead of once per iteration (V8 rebuilds a
   * v128.const each time it runs one).
   */
  hoistConstantsHere(): this {
    this.#hoistAt = this.out.length;
    return this;
  }

  /** Pushes a v128 of `lanes` (16 bytes): a hoisted local when a hoisting point is marked. */
  #constant(lanes: Uint8Array): this {
    if (this.#hoistAt < 0) {
      this.out.byte(0xfd).u32(0x0c).bytes(lanes);
      return this;
    }
    const key = lanes.join();
    let h = this.#hoisted.get(key);
    if (h === undefined) this.#hoisted.set(key, h = [this.local(ValType.v128), lanes]);
    return this.get(h[0]);
  }

  /** `v` (rounded to float32) in every lane; see {@link hoistConstantsHere}. */
  f32x4Constant(v: number): this {
    return this.#constant(new Uint8Array(new Float32Array([v, v, v, v]).buffer));
  }
  /** `v` (an int32) in every lane; see {@link hoistConstantsHere}. */
  i32x4Constant(v: number): this {
    return this.#constant(new Uint8Array(new Int32Array([v, v, v, v]).buffer));
  }
  /** `v` in both float64 lanes; see {@link hoistConstantsHere}. */
  f64x2Constant(v: number): this {
    return this.#constant(new Uint8Array(new Float64Array([v, v]).buffer));
  }

  /** Declare a new local; returns its index. */
  local(t: ValType): number {
    this.#localTypes.push(t);
    return this.#nParams + this.#localTypes.length - 1;
  }

  /** Raw one-byte opcode, optionally followed by unsigned LEB immediates. */
  op(code: number, ...imm: number[]): this {
    this.out.byte(code);
    for (const v of imm) this.out.u32(v);
    return this;
  }

  /** `0xfd`-prefixed SIMD opcode, optionally with a memarg (align log2, offset). */
  simd(code: number, memarg?: [align: number, offset: number]): this {
    this.out.byte(0xfd).u32(code);
    if (memarg) this.out.u32(memarg[0]).u32(memarg[1]);
    return this;
  }

  // control
  block(): this {
    return this.op(0x02).op(BLOCK_EMPTY);
  }
  loop(): this {
    return this.op(0x03).op(BLOCK_EMPTY);
  }
  /** `if` with no result; pops the i32 condition. */
  if(): this {
    return this.op(0x04).op(BLOCK_EMPTY);
  }
  else(): this {
    return this.op(0x05);
  }
  end(): this {
    return this.op(0x0b);
  }
  br(depth: number): this {
    return this.op(0x0c, depth);
  }
  brIf(depth: number): this {
    return this.op(0x0d, depth);
  }
  ret(): this {
    return this.op(0x0f);
  }
  select(): this {
    return this.op(0x1b);
  }
  drop(): this {
    return this.op(0x1a);
  }

  // locals
  get(i: number): this {
    return this.op(0x20, i);
  }
  set(i: number): this {
    return this.op(0x21, i);
  }
  tee(i: number): this {
    return this.op(0x22, i);
  }

  // i32
  i32(v: number): this {
    this.out.byte(0x41).s32(v);
    return this;
  }
  i32Eqz(): this {
    return this.op(0x45);
  }
  i32Eq(): this {
    return this.op(0x46);
  }
  i32Ne(): this {
    return this.op(0x47);
  }
  i32LtU(): this {
    return this.op(0x49);
  }
  i32LtS(): this {
    return this.op(0x48);
  }
  i32GeU(): this {
    return this.op(0x4f);
  }
  i32Add(): this {
    return this.op(0x6a);
  }
  i32Sub(): this {
    return this.op(0x6b);
  }
  i32Mul(): this {
    return this.op(0x6c);
  }
  i32DivU(): this {
    return this.op(0x6e);
  }
  i32And(): this {
    return this.op(0x71);
  }
  i32Shl(): this {
    return this.op(0x74);
  }

  // scalar memory (align is log2 of the natural alignment)
  f32Load(offset = 0): this {
    return this.op(0x2a, 2, offset);
  }
  f32Store(offset = 0): this {
    return this.op(0x38, 2, offset);
  }
  f32Const(v: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.out.byte(0x43).bytes(b);
    return this;
  }
  f64Load(offset = 0): this {
    return this.op(0x2b, 3, offset);
  }
  f64Store(offset = 0): this {
    return this.op(0x39, 3, offset);
  }

  // SIMD
  v128Load(offset = 0): this {
    return this.simd(0x00, [4, offset]);
  }
  v128Load32Splat(offset = 0): this {
    return this.simd(0x09, [2, offset]);
  }
  v128Load64Splat(offset = 0): this {
    return this.simd(0x0a, [3, offset]);
  }
  v128Store(offset = 0): this {
    return this.simd(0x0b, [4, offset]);
  }
  v128Zero(): this {
    this.out.byte(0xfd).u32(0x0c);
    for (let i = 0; i < 16; i++) this.out.byte(0);
    return this;
  }
  /** Store one 32-bit lane of the v128 on top of the stack. */
  v128Store32Lane(offset: number, lane: number): this {
    return this.simd(0x5a, [2, offset]).op(lane);
  }
  f32x4Splat(): this {
    return this.simd(0x13);
  }
  f32x4Add(): this {
    return this.simd(0xe4);
  }
  f32x4Mul(): this {
    return this.simd(0xe6);
  }
  f32x4Sub(): this {
    return this.simd(0xe5);
  }
  f32x4Div(): this {
    return this.simd(0xe7);
  }
  f32x4Neg(): this {
    return this.simd(0xe1);
  }
  f32x4Abs(): this {
    return this.simd(0xe0);
  }
  f32x4Sqrt(): this {
    return this.simd(0xe3);
  }
  /** Lane masks (all ones where true): x ≠ y, x < y, x > y. */
  f32x4Ne(): this {
    return this.simd(0x42);
  }
  f32x4Lt(): this {
    return this.simd(0x43);
  }
  f32x4Gt(): this {
    return this.simd(0x44);
  }
  f32x4Eq(): this {
    return this.simd(0x41);
  }
  f32x4Le(): this {
    return this.simd(0x45);
  }
  f32x4Ge(): this {
    return this.simd(0x46);
  }
  /** IEEE min/max: NaN if either lane is NaN. */
  f32x4Min(): this {
    return this.simd(0xe8);
  }
  f32x4Max(): this {
    return this.simd(0xe9);
  }
  /** Pseudo-min/max: pmin(a, b) = b < a ? b : a, pmax(a, b) = a < b ? b : a (one instruction on x86; a NaN `a` passes through). */
  f32x4Pmin(): this {
    return this.simd(0xea);
  }
  f32x4Pmax(): this {
    return this.simd(0xeb);
  }
  /** Round to the nearest integer, ties to even. */
  f32x4Nearest(): this {
    return this.simd(0x6a);
  }
  /** Float lanes to int32, truncating and saturating (NaN → 0). */
  i32x4TruncSatF32x4S(): this {
    return this.simd(0xf8);
  }
  i32x4Splat(): this {
    return this.simd(0x11);
  }
  i32x4Add(): this {
    return this.simd(0xae);
  }
  i32x4Sub(): this {
    return this.simd(0xb1);
  }
  /** Stack: v128, i32 shift count. */
  i32x4Shl(): this {
    return this.simd(0xab);
  }
  i32x4ShrS(): this {
    return this.simd(0xac);
  }
  v128And(): this {
    return this.simd(0x4e);
  }
  v128Or(): this {
    return this.simd(0x50);
  }
  /** Stack: a b mask → bits of a where the mask is 1, of b elsewhere. */
  v128Bitselect(): this {
    return this.simd(0x52);
  }
  f64Const(v: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    this.out.byte(0x44).bytes(b);
    return this;
  }
  /** Stack: a b → the 16 bytes picked by `lanes` from a (0–15) and b (16–31). */
  i8x16Shuffle(lanes: readonly number[]): this {
    this.simd(0x0d);
    this.out.bytes(lanes);
    return this;
  }
  /** 1 when any bit of the v128 is set. */
  v128AnyTrue(): this {
    return this.simd(0x53);
  }
  /** The low two float32 lanes, widened. */
  f64x2PromoteLowF32x4(): this {
    return this.simd(0x5f);
  }
  /** Two float64 lanes rounded to float32 into the low lanes; the high lanes are 0. */
  f32x4DemoteF64x2Zero(): this {
    return this.simd(0x5e);
  }
  f64x2Splat(): this {
    return this.simd(0x14);
  }
  f64x2Eq(): this {
    return this.simd(0x47);
  }
  f64x2Ge(): this {
    return this.simd(0x4c);
  }
  f64x2Lt(): this {
    return this.simd(0x49);
  }
  f64x2Abs(): this {
    return this.simd(0xec);
  }
  f64x2Neg(): this {
    return this.simd(0xed);
  }
  f64x2Floor(): this {
    return this.simd(0x75);
  }
  f64x2Nearest(): this {
    return this.simd(0x94);
  }
  f64x2Sub(): this {
    return this.simd(0xf1);
  }
  f64x2Div(): this {
    return this.simd(0xf3);
  }
  f64x2Add(): this {
    return this.simd(0xf0);
  }
  f64x2Mul(): this {
    return this.simd(0xf2);
  }
  /** relaxed SIMD: a·b + c, fused or not at the engine's choice. Stack: a b c. */
  f32x4RelaxedMadd(): this {
    return this.simd(0x105);
  }
  f64x2RelaxedMadd(): this {
    return this.simd(0x107);
  }

  /** Body bytes: local declarations (run-length grouped), code, final `end`. */
  encode(): Bytes {
    const body = new Bytes();
    const groups: [number, ValType][] = [];
    for (const t of this.#localTypes) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    body.u32(groups.length);
    for (const [n, t] of groups) body.u32(n).byte(t);
    const code = this.out.view();
    if (this.#hoisted.size === 0) return body.bytes(code).byte(0x0b);
    // the hoisted constants' prologue goes in at the hoisting point (a byte offset is safe
    // to splice at: branches are structured, nothing refers to code positions)
    const prologue = new Code(0);
    for (const [l, lanes] of this.#hoisted.values()) prologue.#constant(lanes).set(l);
    body.bytes(code.subarray(0, this.#hoistAt)).bytes(prologue.out.view());
    return body.bytes(code.subarray(this.#hoistAt)).byte(0x0b);
  }
}

interface FuncEntry {
  type: number;
  code: Code;
  exportName?: string;
}

/** A memory the module imports instead of defining its own. */
interface ImportedMemory {
  module: string;
  field: string;
  /** Minimum and maximum size, in 64 KiB pages. */
  initial: number;
  maximum: number;
  shared: boolean;
}

/**
 * Builds a module with one memory (its own, or imported; exported as
 * `memory` either way) and a list of functions.
 */
export class ModuleBuilder {
  readonly #types: { params: ValType[]; results: ValType[] }[] = [];
  readonly #funcs: FuncEntry[] = [];
  #memoryPages = 1;
  #imported: ImportedMemory | undefined;

  /** Minimum size of the exported memory, in 64 KiB pages. */
  memory(pages: number): this {
    this.#memoryPages = pages;
    return this;
  }

  /**
   * Import the memory as `module.field` instead of defining one. Limits are
   * in 64 KiB pages; `shared` needs a maximum (flag 0x03: shared, with max),
   * and the `WebAssembly.Memory` passed at instantiation must match.
   */
  importMemory(
    module: string,
    field: string,
    initial: number,
    maximum: number,
    shared: boolean,
  ): this {
    this.#imported = { module, field, initial, maximum, shared };
    return this;
  }

  /** Start a function; fill its body through the returned {@link Code}. */
  func(params: ValType[], results: ValType[], exportName?: string): Code {
    const key = JSON.stringify([params, results]);
    let type = this.#types.findIndex((t) => JSON.stringify([t.params, t.results]) === key);
    if (type < 0) type = this.#types.push({ params, results }) - 1;
    const code = new Code(params.length);
    this.#funcs.push({ type, code, exportName });
    return code;
  }

  build(): Uint8Array {
    const mod = new Bytes().bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    const section = (id: number, fill: (s: Bytes) => void) => {
      const s = new Bytes();
      fill(s);
      mod.byte(id).sized(s);
    };
    section(1, (s) => {
      s.u32(this.#types.length);
      for (const t of this.#types) {
        s.byte(0x60).u32(t.params.length).bytes(t.params).u32(t.results.length).bytes(t.results);
      }
    });
    const imp = this.#imported;
    if (imp) {
      // limits flags: 0x01 = has max, 0x03 = has max + shared
      section(2, (s) => {
        s.u32(1).name(imp.module).name(imp.field).byte(0x02);
        s.byte(imp.shared ? 0x03 : 0x01).u32(imp.initial).u32(imp.maximum);
      });
    }
    section(3, (s) => {
      s.u32(this.#funcs.length);
      for (const f of this.#funcs) s.u32(f.type);
    });
    if (!imp) section(5, (s) => s.u32(1).byte(0x00).u32(this.#memoryPages));
    section(7, (s) => {
      const exported = this.#funcs
        .map((f, i) => [f.exportName, i] as const)
        .filter((e): e is readonly [string, number] => e[0] !== undefined);
      s.u32(exported.length + 1);
      s.name("memory").byte(0x02).u32(0);
      for (const [name, i] of exported) s.name(name).byte(0x00).u32(i);
    });
    section(10, (s) => {
      s.u32(this.#funcs.length);
      for (const f of this.#funcs) s.sized(f.code.encode());
    });
    return mod.view().slice();
  }
}

/** Whether the running engine accepts a module built by `emit`. */
export function validates(emit: (m: ModuleBuilder) => void): boolean {
  if (typeof WebAssembly !== "object" || typeof WebAssembly.validate !== "function") return false;
  const m = new ModuleBuilder();
  emit(m);
  try {
    return WebAssembly.validate(m.build() as BufferSource);
  } catch {
    return false;
  }
}

/** Fixed-width SIMD128 (v128.load, f32x4.mul/add) is available. */
export const hasSimd: boolean = validates((m) => {
  const c = m.func([ValType.i32], [], "f");
  c.get(0).get(0).v128Load().get(0).v128Load32Splat().f32x4Mul().v128Store();
});

/** Relaxed SIMD's f32x4.relaxed_madd is available. */
export const hasRelaxedSimd: boolean = hasSimd && validates((m) => {
  const c = m.func([ValType.i32], [], "f");
  c.get(0).get(0).v128Load().get(0).v128Load().get(0).v128Load().f32x4RelaxedMadd().v128Store();
});
