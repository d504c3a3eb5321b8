import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  type BlockStore,
  randomBits,
  randomBits64,
  randomBitsPartitionable,
  splitKey,
  splitKeyPartitionable,
  threefryBlock,
  threefryCountersJs,
  threefryCountersWasm,
  threefryKeyed,
  threefryKeyedJs,
  threefryKeyedWasm,
  WASM_MIN_BLOCKS,
} from "../src/kernels/threefry.ts";
import { CHUNK, KEYED_CHUNK } from "../src/kernels/_threefry_wasm.ts";

const wasm = threefryCountersWasm;
const noSimd = wasm === null ? "the engine has no wasm SIMD" : false;

/** Deterministic uint32 stream for test keys (xorshift32). */
function keys(count: number, seed: number): [number, number][] {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return s >>> 0;
  };
  const out: [number, number][] = [[0, 0], [0xffffffff, 0xffffffff], [0x13198a2e, 0x03707344]];
  while (out.length < count) out.push([next(), next()]);
  return out;
}

/** Index of the first differing word, or -1. */
function firstDiff(a: Uint32Array, b: Uint32Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function assertSameWords(got: Uint32Array, want: Uint32Array, what: string): void {
  const i = firstDiff(got, want);
  assert.equal(i, -1, `${what}: first difference at word ${i}: ${got[i]} vs ${want[i]}`);
}

/** Runs one counter hash into a fresh destination with guard words around the outputs. */
function run(
  hash: NonNullable<typeof wasm>,
  k: [number, number],
  x0: number,
  s0: number,
  x1: number,
  s1: number,
  m: number,
  store: BlockStore,
): Uint32Array {
  // lanes: [guard, y0 × m, guard, y1 × m, guard]; others: [guard, words, guard]
  const words = store === "pairs" ? 2 * m : m;
  const dst = new Uint32Array(store === "lanes" ? 2 * m + 3 : words + 2).fill(0xdeadbeef);
  hash(k[0], k[1], x0, s0, x1, s1, m, store, dst, 1, m + 2);
  return dst;
}

const SIZES = [0, 1, 3, 5, 7, 8, 9, 15, 16, 17, 31, 33, 100, 4095, 4096, 4097, CHUNK - 1, CHUNK];
const STORES: BlockStore[] = ["lanes", "xor", "pairs"];

describe("threefryCountersWasm equals the JS kernel bit for bit", { skip: noSimd }, () => {
  it("threefryCountersWasm() matches threefryCountersJs() for every store, many keys and sizes", () => {
    for (const store of STORES) {
      for (const k of keys(12, 17)) {
        for (const m of [...SIZES, CHUNK + 1, 2 * CHUNK + 13]) {
          // the legacy layout (i, h + i) and the partitionable one (hi, lo + i)
          for (const [x0, s0, x1, s1] of [[0, 1, m, 1], [3, 0, 0, 1]]) {
            const got = run(wasm!, k, x0, s0, x1, s1, m, store);
            const want = run(threefryCountersJs, k, x0, s0, x1, s1, m, store);
            assertSameWords(got, want, `${store}, key ${k}, m ${m}, counters ${[x0, s0, x1, s1]}`);
          }
        }
      }
    }
  });

  it("threefryCountersWasm() wraps counters modulo 2^32 and handles any steps in {0, 1}", () => {
    const k: [number, number] = [0x9e3779b9, 0x7f4a7c15];
    for (const store of STORES) {
      for (const [s0, s1] of [[0, 0], [1, 0], [0, 1], [1, 1]]) {
        // both counters cross 2^32 inside the run, and the second chunk starts past it
        const x0 = 0xffffffff - 5, x1 = 0xffffffff - CHUNK - 2;
        const m = CHUNK + 37;
        const got = run(wasm!, k, x0, s0, x1, s1, m, store);
        const want = run(threefryCountersJs, k, x0, s0, x1, s1, m, store);
        assertSameWords(got, want, `${store}, steps ${[s0, s1]}`);
      }
    }
  });

  it("threefryCountersWasm() writes nothing outside the m requested blocks", () => {
    for (const store of STORES) {
      for (const m of [1, 5, 17, CHUNK + 3]) {
        const dst = run(wasm!, [1, 2], 0, 1, 0, 1, m, store);
        assert.equal(dst[0], 0xdeadbeef, `${store} m ${m}: word before`);
        assert.equal(dst[dst.length - 1], 0xdeadbeef, `${store} m ${m}: word after`);
        if (store === "lanes") assert.equal(dst[m + 1], 0xdeadbeef, `${store} m ${m}: gap`);
      }
    }
  });

  it("threefryCountersWasm() equals the JS kernel over 2^20 + 3 partitionable words", () => {
    const n = 2 ** 20 + 3;
    const got = new Uint32Array(n), want = new Uint32Array(n);
    wasm!(0xcafef00d, 0x0badc0de, 0, 0, 0, 1, n, "xor", got, 0, 0);
    threefryCountersJs(0xcafef00d, 0x0badc0de, 0, 0, 0, 1, n, "xor", want, 0, 0);
    assertSameWords(got, want, "2^20 + 3 words");
  });
});

describe("threefryKeyedWasm equals the JS keyed kernel bit for bit", { skip: noSimd }, () => {
  it("threefryKeyedWasm() matches threefryKeyedJs() and threefryBlock() for many sizes and blocks", () => {
    for (
      const n of [0, 1, 3, 7, 8, 9, 31, 33, 100, KEYED_CHUNK - 1, KEYED_CHUNK, KEYED_CHUNK + 5]
    ) {
      const ks = keys(n, n + 1);
      const k0 = Uint32Array.from(ks.slice(0, n), ([a]) => a);
      const k1 = Uint32Array.from(ks.slice(0, n), ([, b]) => b);
      for (const [x0, x1] of [[0, 0], [0, 2], [1, 4], [0xffffffff, 7]]) {
        const got = [new Uint32Array(n + 1).fill(0xdeadbeef), new Uint32Array(n + 1)];
        const want = [new Uint32Array(n + 1).fill(0xdeadbeef), new Uint32Array(n + 1)];
        threefryKeyedWasm!(k0, k1, x0, x1, got[0], got[1], n);
        threefryKeyedJs(k0, k1, x0, x1, want[0], want[1], n);
        assertSameWords(got[0], want[0], `y0, n ${n}, block ${[x0, x1]}`);
        assertSameWords(got[1], want[1], `y1, n ${n}, block ${[x0, x1]}`);
        assert.equal(got[0][n], 0xdeadbeef, `n ${n}: wrote past the keys`);
        if (n > 0) {
          assert.deepEqual(threefryBlock(k0[n - 1], k1[n - 1], x0, x1), [
            got[0][n - 1],
            got[1][n - 1],
          ]);
        }
      }
    }
  });

  it("threefryKeyed() may write the hashed words over its keys", () => {
    const n = 1000;
    const k0 = Uint32Array.from({ length: n }, (_, i) => i * 2654435761),
      k1 = k0.map((x) => x ^ 99);
    const want = [new Uint32Array(n), new Uint32Array(n)];
    threefryKeyedJs(k0, k1, 0, 1, want[0], want[1], n);
    threefryKeyed(k0, k1, 0, 1, k0, k1, n);
    assertSameWords(k0, want[0], "y0 over k0");
    assertSameWords(k1, want[1], "y1 over k1");
  });
});

// ---- the streams, through whichever kernel they pick, against their definitions ----------

/** JAX's legacy stream from its definition, one block at a time. */
function legacyBits(k0: number, k1: number, n: number): Uint32Array {
  const h = (n + 1) >>> 1;
  const out = new Uint32Array(n);
  for (let i = 0; i < h; i++) {
    const [y0, y1] = threefryBlock(k0, k1, i, h + i < n ? h + i : 0);
    out[i] = y0;
    if (h + i < n) out[h + i] = y1;
  }
  return out;
}

/** The partitionable blocks (0, i) one at a time, combined by `put`. */
function indexBlocks(
  k0: number,
  k1: number,
  n: number,
  width: number,
  put: (out: Uint32Array, i: number, y0: number, y1: number) => void,
): Uint32Array {
  const out = new Uint32Array(width * n);
  for (let i = 0; i < n; i++) {
    const [y0, y1] = threefryBlock(k0, k1, 0, i);
    put(out, i, y0, y1);
  }
  return out;
}

describe("the bit streams equal their block-by-block definitions across the wasm crossover", () => {
  const sizes = [
    0,
    1,
    2,
    3,
    5,
    2 * WASM_MIN_BLOCKS - 1,
    2 * WASM_MIN_BLOCKS,
    33,
    1001,
    2 * CHUNK + 1,
  ];
  const ks = keys(4, 99);

  it("randomBits() (legacy) equals its definition, odd sizes padded", () => {
    for (const [k0, k1] of ks) {
      for (const n of sizes) {
        assertSameWords(randomBits(k0, k1, n), legacyBits(k0, k1, n), `key ${[k0, k1]}, n ${n}`);
      }
    }
  });

  it("randomBits() writes into a longer `out` and leaves its tail alone", () => {
    const out = new Uint32Array(40).fill(7);
    randomBits(5, 6, 33, out);
    assertSameWords(out.subarray(0, 33), legacyBits(5, 6, 33), "out");
    assert.deepEqual([...out.subarray(33)], [7, 7, 7, 7, 7, 7, 7]);
  });

  it("randomBitsPartitionable() equals y0 ^ y1 of the blocks (0, i)", () => {
    for (const [k0, k1] of ks) {
      for (const n of sizes) {
        const want = indexBlocks(k0, k1, n, 1, (o, i, y0, y1) => o[i] = y0 ^ y1);
        assertSameWords(randomBitsPartitionable(k0, k1, n), want, `key ${[k0, k1]}, n ${n}`);
      }
    }
  });

  it("randomBits64() equals (y0, y1) pairs, partitionable and legacy", () => {
    for (const [k0, k1] of ks) {
      for (const n of sizes) {
        const part = indexBlocks(k0, k1, n, 2, (o, i, y0, y1) => {
          o[2 * i] = y0;
          o[2 * i + 1] = y1;
        });
        assertSameWords(randomBits64(k0, k1, n, false), part, `partitionable n ${n}`);
        const w = legacyBits(k0, k1, 2 * n);
        const legacy = new Uint32Array(2 * n);
        for (let i = 0; i < n; i++) legacy[2 * i] = w[i], legacy[2 * i + 1] = w[n + i];
        assertSameWords(randomBits64(k0, k1, n, true), legacy, `legacy n ${n}`);
      }
    }
  });

  it("splitKey() and splitKeyPartitionable() equal their definitions", () => {
    for (const [k0, k1] of ks) {
      for (const num of sizes) {
        assertSameWords(splitKey(k0, k1, num), legacyBits(k0, k1, 2 * num), `legacy ${num}`);
        const want = indexBlocks(k0, k1, num, 2, (o, i, y0, y1) => {
          o[2 * i] = y0;
          o[2 * i + 1] = y1;
        });
        assertSameWords(splitKeyPartitionable(k0, k1, num), want, `partitionable ${num}`);
      }
    }
  });
});

// ---- JAX's own words at sizes past the crossover (tests/fixtures/gen_threefry.py) ---------

interface BulkCase {
  key: [number, number];
  kind: "bits32" | "bits64" | "split";
  n: number;
  /** The sampled word indices and JAX's words there. */
  index: number[];
  words: number[];
}
const bulk = JSON.parse(
  readFileSync(new URL("./fixtures/threefry_bulk.json", import.meta.url), "utf8"),
) as { partitionable: BulkCase[]; legacy: BulkCase[] };

describe("the bit streams match JAX's words at sizes the wasm kernel serves", () => {
  for (const stream of ["partitionable", "legacy"] as const) {
    it(`the ${stream} stream's bits, 64-bit bits and split match JAX`, () => {
      const legacy = stream === "legacy";
      for (const c of bulk[stream]) {
        const [k0, k1] = [c.key[0] >>> 0, c.key[1] >>> 0];
        const got = c.kind === "bits32"
          ? (legacy ? randomBits(k0, k1, c.n) : randomBitsPartitionable(k0, k1, c.n))
          : c.kind === "bits64"
          ? randomBits64(k0, k1, c.n, legacy)
          : (legacy ? splitKey(k0, k1, c.n) : splitKeyPartitionable(k0, k1, c.n));
        c.index.forEach((i, j) => {
          assert.equal(got[i], c.words[j], `${stream} ${c.kind} key ${c.key} n ${c.n}: word ${i}`);
        });
      }
    });
  }
});
