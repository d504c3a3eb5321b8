/**
 * Threefry-2x32 (20 rounds) over runs of counter blocks, as a WebAssembly SIMD
 * kernel assembled at load time with `_wasm.ts`; the plain JS kernel it must
 * match bit for bit is `threefryLanes` in `threefry.ts`.
 *
 * ## Scheme
 *
 * Every stream `threefry.ts` produces hashes blocks whose two counters move by
 * a fixed step: block i is `(x0 + i·s0, x1 + i·s1) mod 2^32` with s0, s1 in
 * {0, 1} (JAX's legacy stream: `(i, h + i)`; the partitionable one:
 * `(hi, lo + i)`). So the kernel reads no input: it builds the counters in
 * registers, and only the hashed words travel, out of wasm memory, by one
 * `set` per chunk.
 *
 * - Lanes: one i32x4 holds lane 0 (or lane 1) of four consecutive blocks.
 *   A round `x0 += x1; x1 = rotl(x1, R) ^ x0` is `i32x4.add`, then
 *   `(x1 << R) | (x1 >>> 32 − R)` (`i32x4.shl`, `i32x4.shr_u`, `v128.or`;
 *   WebAssembly has no vector rotate), then `v128.xor`. (Byte rotations by 16
 *   and 24 as one `i8x16.shuffle` measured no faster on either engine.)
 * - Key schedule: `ks = [k0, k1, k0 ^ k1 ^ 0x1BD11BDA]`, splatted once per
 *   call into v128 locals, as are the six `ks[(s + 1) % 3] + s` words of the
 *   injections; the injection before round 0 is folded into the counters.
 * - ILP: a round is a chain add → shift → or → xor, so one vector alone waits
 *   on latency; each loop iteration hashes U vectors (4U blocks) with their
 *   rounds interleaved, which keeps the shift and add ports busy.
 * - Stores, per vector of four blocks (y0, y1):
 *   "lanes": y0 and y1 to two separate regions (legacy stream: word i and
 *   word h + i); "xor": y0 ^ y1 (partitionable 32-bit words); "pairs":
 *   (y0[i], y1[i]) interleaved by two `i8x16.shuffle`s (64-bit words, keys).
 * - Memory: the module's own single 64 KiB page; a call hashes at most
 *   {@link CHUNK} blocks (a multiple of 4·U, so the rounded-up tail stays in
 *   the page) and the wrapper copies the m wanted words out.
 * - `keyed` is the other way round: one block under a key per lane (the
 *   rejection samplers keep a key per element). It does read input: the
 *   wrapper copies the keys' two words into the page's two halves, the kernel
 *   loads four keys per vector, builds their schedule in registers and writes
 *   the hashed words over them.
 *
 * @module
 */

import { type Code, hasSimd, ModuleBuilder, ValType } from "./_wasm.ts";

/** Where the two hashed words of block i go: see the scheme above. */
export type BlockStore = "lanes" | "xor" | "pairs";

/**
 * Hash the m blocks `(x0 + i·s0, x1 + i·s1) mod 2^32`, i < m, under the key
 * `(k0, k1)` and store them into `dst`: "lanes": `dst[off0 + i] = y0`,
 * `dst[off1 + i] = y1`; "xor": `dst[off0 + i] = y0 ^ y1`; "pairs":
 * `dst[off0 + 2i] = y0`, `dst[off0 + 2i + 1] = y1` (`off1` unused).
 */
export type CounterHash = (
  k0: number,
  k1: number,
  x0: number,
  s0: number,
  x1: number,
  s1: number,
  m: number,
  store: BlockStore,
  dst: Uint32Array,
  off0: number,
  off1: number,
) => void;

/** Skein key-schedule parity constant (as in threefry.ts). */
const KS_PARITY = 0x1bd11bda;
/** Rotation constants of rounds 0–3 and 4–7; rounds 8+ repeat them. */
const ROTATIONS = [13, 15, 26, 6, 17, 29, 16, 24];
/**
 * Vectors (of 4 blocks) per loop iteration. V8 (Deno) keeps 4 in registers and
 * runs 15–20% faster than with 2; JavaScriptCore (Bun) runs this kernel in its
 * baseline wasm tier, where 4 spill and 2 is 15% faster (1M words: 1.4 vs
 * 1.7 ms under Deno, 3.2 vs 2.7 ms under Bun).
 */
const U = "Bun" in globalThis ? 2 : 4;
/** Blocks per kernel call (a multiple of 4U): "pairs" writes 8 bytes per block, so 8192 fill the page. */
export const CHUNK = 8192;

const I = ValType.i32;
const V = ValType.v128;

// opcodes `_wasm.ts` has no named method for
const i32x4ShrU = (c: Code) => c.simd(0xad);
const v128Xor = (c: Code) => c.simd(0x51);

/** Pushes rotl(local b, r) on each i32 lane. */
function rotl(c: Code, b: number, r: number): void {
  c.get(b).i32(r).i32x4Shl();
  c.get(b).i32(32 - r);
  i32x4ShrU(c);
  c.v128Or();
}

/**
 * Emits `name(k0, k1, x0, s0, x1, s1, out0, out1, groups)`: hashes
 * `groups · 4U` blocks starting at the counters (x0, x1) and stores them per
 * `store` at the byte addresses out0 (and out1 for "lanes").
 */
function emitHash(mb: ModuleBuilder, name: string, store: BlockStore): void {
  const c = mb.func([I, I, I, I, I, I, I, I, I], [], name);
  const K0 = 0, K1 = 1, X0 = 2, S0 = 3, X1 = 4, S1 = 5, OUT0 = 6, OUT1 = 7, GROUPS = 8;
  const ks2 = c.local(I);
  // splatted key words: ks[0..2], and inj[s] = ks[(s + 1) % 3] + s for s = 1..5
  const ksv = [c.local(V), c.local(V), c.local(V)];
  const inj: number[] = [-1];
  for (let s = 1; s <= 5; s++) inj.push(c.local(V));
  // counters of the next vector (already plus ks0 / ks1), their step per vector
  const cnt0 = c.local(V), cnt1 = c.local(V), step0 = c.local(V), step1 = c.local(V);
  const a: number[] = [], b: number[] = [];
  for (let u = 0; u < U; u++) a.push(c.local(V)), b.push(c.local(V));

  c.get(K0).get(K1).op(0x73).i32(KS_PARITY).op(0x73).set(ks2); // 0x73: i32.xor
  const ksScalar = [K0, K1, ks2];
  for (let j = 0; j < 3; j++) c.get(ksScalar[j]).i32x4Splat().set(ksv[j]);
  for (let s = 1; s <= 5; s++) {
    c.get(ksScalar[(s + 1) % 3]).i32(s).i32Add().i32x4Splat().set(inj[s]);
  }
  // cnt = splat(x + ks) + [0, s, 2s, 3s]; step = splat(4s)
  const initCounter = (x: number, s: number, ks: number, cnt: number, step: number) => {
    c.get(x).get(ks).i32Add().i32x4Splat();
    c.get(s).i32x4Splat();
    c.simd(0x0c).out.bytes(new Uint8Array(Int32Array.of(0, 1, 2, 3).buffer)); // v128.const
    c.simd(0xb5); // i32x4.mul: lane offsets [0, 1, 2, 3] · s
    c.i32x4Add().set(cnt);
    c.get(s).i32(2).i32Shl().i32x4Splat().set(step);
  };
  initCounter(X0, S0, K0, cnt0, step0);
  initCounter(X1, S1, K1, cnt1, step1);

  c.block().loop();
  {
    c.get(GROUPS).i32Eqz().brIf(1);
    for (let u = 0; u < U; u++) {
      c.get(cnt0).set(a[u]).get(cnt0).get(step0).i32x4Add().set(cnt0);
      c.get(cnt1).set(b[u]).get(cnt1).get(step1).i32x4Add().set(cnt1);
    }
    for (let s = 1; s <= 5; s++) {
      for (let r = 0; r < 4; r++) {
        const rot = ROTATIONS[((s - 1) % 2) * 4 + r];
        for (let u = 0; u < U; u++) {
          // x0 += x1; x1 = rotl(x1, R) ^ x0
          c.get(a[u]).get(b[u]).i32x4Add().set(a[u]);
          rotl(c, b[u], rot);
          c.get(a[u]);
          v128Xor(c);
          c.set(b[u]);
        }
      }
      // injection s: x0 += ks[s % 3]; x1 += ks[(s + 1) % 3] + s
      for (let u = 0; u < U; u++) {
        c.get(a[u]).get(ksv[s % 3]).i32x4Add().set(a[u]);
        c.get(b[u]).get(inj[s]).i32x4Add().set(b[u]);
      }
    }
    for (let u = 0; u < U; u++) {
      if (store === "lanes") {
        c.get(OUT0).get(a[u]).v128Store(16 * u);
        c.get(OUT1).get(b[u]).v128Store(16 * u);
      } else if (store === "xor") {
        c.get(OUT0).get(a[u]).get(b[u]);
        v128Xor(c);
        c.v128Store(16 * u);
      } else {
        // (a0 b0 a1 b1), (a2 b2 a3 b3)
        c.get(OUT0).get(a[u]).get(b[u]);
        c.i8x16Shuffle([0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23]);
        c.v128Store(32 * u);
        c.get(OUT0).get(a[u]).get(b[u]);
        c.i8x16Shuffle([8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31]);
        c.v128Store(32 * u + 16);
      }
    }
    const bytesPerGroup = (store === "pairs" ? 32 : 16) * U;
    c.get(OUT0).i32(bytesPerGroup).i32Add().set(OUT0);
    c.get(OUT1).i32(bytesPerGroup).i32Add().set(OUT1);
    c.get(GROUPS).i32(1).i32Sub().set(GROUPS);
    c.br(0);
  }
  c.end().end();
}

/** Vectors per loop iteration of `keyed`: each carries three key vectors besides its two lanes. */
const UK = 2;
/** Lanes per `keyed` call: the first key words fill the page's first half, the second words its second. */
export const KEYED_CHUNK = 8192;

/**
 * Emits `keyed(x0, x1, at0, at1, groups)`: one block (x0, x1) hashed under `groups · 4UK`
 * keys, key i's words read at byte addresses at0 + 4i and at1 + 4i, and its hashed words
 * (y0, y1) written over them. As `emitHash`, but the key schedule is per vector:
 * ks = (k0, k1, k0 ^ k1 ^ parity) loaded, and the injections' `+ s` from splatted constants.
 */
function emitKeyed(mb: ModuleBuilder): void {
  const c = mb.func([I, I, I, I, I], [], "keyed");
  const X0 = 0, X1 = 1, AT0 = 2, AT1 = 3, GROUPS = 4;
  const x0v = c.local(V), x1v = c.local(V), parity = c.local(V);
  const sv: number[] = [-1];
  for (let s = 1; s <= 5; s++) sv.push(c.local(V));
  const ks: number[][] = [], a: number[] = [], b: number[] = [];
  for (let u = 0; u < UK; u++) {
    ks.push([c.local(V), c.local(V), c.local(V)]);
    a.push(c.local(V)), b.push(c.local(V));
  }
  c.get(X0).i32x4Splat().set(x0v);
  c.get(X1).i32x4Splat().set(x1v);
  c.i32(KS_PARITY).i32x4Splat().set(parity);
  for (let s = 1; s <= 5; s++) c.i32(s).i32x4Splat().set(sv[s]);

  c.block().loop();
  {
    c.get(GROUPS).i32Eqz().brIf(1);
    for (let u = 0; u < UK; u++) {
      const [k0, k1, k2] = ks[u];
      c.get(AT0).v128Load(16 * u).set(k0);
      c.get(AT1).v128Load(16 * u).set(k1);
      c.get(k0).get(k1);
      v128Xor(c);
      c.get(parity);
      v128Xor(c);
      c.set(k2);
      c.get(x0v).get(k0).i32x4Add().set(a[u]);
      c.get(x1v).get(k1).i32x4Add().set(b[u]);
    }
    for (let s = 1; s <= 5; s++) {
      for (let r = 0; r < 4; r++) {
        const rot = ROTATIONS[((s - 1) % 2) * 4 + r];
        for (let u = 0; u < UK; u++) {
          // x0 += x1; x1 = rotl(x1, R) ^ x0
          c.get(a[u]).get(b[u]).i32x4Add().set(a[u]);
          rotl(c, b[u], rot);
          c.get(a[u]);
          v128Xor(c);
          c.set(b[u]);
        }
      }
      // injection s: x0 += ks[s % 3]; x1 += ks[(s + 1) % 3] + s
      for (let u = 0; u < UK; u++) {
        c.get(a[u]).get(ks[u][s % 3]).i32x4Add().set(a[u]);
        c.get(b[u]).get(ks[u][(s + 1) % 3]).i32x4Add().get(sv[s]).i32x4Add().set(b[u]);
      }
    }
    for (let u = 0; u < UK; u++) {
      c.get(AT0).get(a[u]).v128Store(16 * u);
      c.get(AT1).get(b[u]).v128Store(16 * u);
    }
    c.get(AT0).i32(16 * UK).i32Add().set(AT0);
    c.get(AT1).i32(16 * UK).i32Add().set(AT1);
    c.get(GROUPS).i32(1).i32Sub().set(GROUPS);
    c.br(0);
  }
  c.end().end();
}

/** The kernel module's bytes: `lanes`, `xor`, `pairs` and `keyed` over one page of its own memory. */
export function threefryModuleBytes(): Uint8Array {
  const mb = new ModuleBuilder().memory(1);
  emitHash(mb, "lanes", "lanes");
  emitHash(mb, "xor", "xor");
  emitHash(mb, "pairs", "pairs");
  emitKeyed(mb);
  return mb.build();
}

/**
 * One block hashed under n keys (see `threefryKeyed` in threefry.ts, the JS kernel it must
 * equal): `(y0[i], y1[i]) = threefry((k0[i], k1[i]), (x0, x1))`.
 */
export type KeyedHash = (
  k0: Uint32Array,
  k1: Uint32Array,
  x0: number,
  x1: number,
  y0: Uint32Array,
  y1: Uint32Array,
  n: number,
) => void;

type HashFn = (
  k0: number,
  k1: number,
  x0: number,
  s0: number,
  x1: number,
  s1: number,
  out0: number,
  out1: number,
  groups: number,
) => void;

interface ThreefryExports {
  memory: WebAssembly.Memory;
  lanes: HashFn;
  xor: HashFn;
  pairs: HashFn;
  keyed: (x0: number, x1: number, at0: number, at1: number, groups: number) => void;
}

/** Builds the SIMD counter hash and keyed hash; null where the engine lacks wasm SIMD. */
export function createThreefryWasm(): { counters: CounterHash; keyed: KeyedHash } | null {
  if (!hasSimd) return null;
  const mod = new WebAssembly.Module(threefryModuleBytes() as BufferSource);
  const ex = new WebAssembly.Instance(mod).exports as unknown as ThreefryExports;
  const view = new Uint32Array(ex.memory.buffer); // one page, never grown
  const half = CHUNK * 4; // byte address of the "lanes" second region
  const perGroup = 4 * U;

  const keyed: KeyedHash = (k0, k1, x0, x1, y0, y1, n) => {
    for (let done = 0; done < n; done += KEYED_CHUNK) {
      const m = Math.min(KEYED_CHUNK, n - done);
      // the last group may read past m: stale words, hashed and never read back
      view.set(k0.subarray(done, done + m), 0);
      view.set(k1.subarray(done, done + m), KEYED_CHUNK);
      ex.keyed(x0 | 0, x1 | 0, 0, KEYED_CHUNK * 4, Math.ceil(m / (4 * UK)));
      y0.set(view.subarray(0, m), done);
      y1.set(view.subarray(KEYED_CHUNK, KEYED_CHUNK + m), done);
    }
  };

  const counters: CounterHash = function threefryCountersWasm(
    k0,
    k1,
    x0,
    s0,
    x1,
    s1,
    m,
    store,
    dst,
    off0,
    off1,
  ) {
    for (let done = 0; done < m; done += CHUNK) {
      const n = Math.min(CHUNK, m - done);
      const groups = Math.ceil(n / perGroup);
      // counters of block `done`, mod 2^32 (| 0 wraps exactly: both terms are below 2^53)
      const c0 = (x0 + s0 * done) | 0, c1 = (x1 + s1 * done) | 0;
      if (store === "lanes") {
        ex.lanes(k0 | 0, k1 | 0, c0, s0, c1, s1, 0, half, groups);
        dst.set(view.subarray(0, n), off0 + done);
        dst.set(view.subarray(CHUNK, CHUNK + n), off1 + done);
      } else if (store === "xor") {
        ex.xor(k0 | 0, k1 | 0, c0, s0, c1, s1, 0, 0, groups);
        dst.set(view.subarray(0, n), off0 + done);
      } else {
        ex.pairs(k0 | 0, k1 | 0, c0, s0, c1, s1, 0, 0, groups);
        dst.set(view.subarray(0, 2 * n), off0 + 2 * done);
      }
    }
  };
  return { counters, keyed };
}
