import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  simplifyPermutation,
  transpose2dF32,
  transposeInto,
  transposeReference,
} from "../src/kernels/transpose.ts";
import { np } from "../mod.ts";

/** Deterministic small integers, so failures reproduce. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
}

function permutations(r: number): number[][] {
  if (r === 0) return [[]];
  return permutations(r - 1).flatMap((p) =>
    Array.from({ length: r }, (_, i) => [...p.slice(0, i), r - 1, ...p.slice(i)])
  );
}

const CTORS = [Float32Array, Float64Array, Int32Array, Uint8Array] as const;

describe("transposeInto", () => {
  it("transposeInto matches the reference for every permutation of ranks 0-4, size-1 axes included", () => {
    const next = lcg(7);
    for (let r = 0; r <= 4; r++) {
      for (const perm of permutations(r)) {
        for (let trial = 0; trial < 3; trial++) {
          const shape = Array.from({ length: r }, () => [1, 2, 3, 5, 33][next() % 5]);
          const n = shape.reduce((a, b) => a * b, 1);
          const ctor = CTORS[next() % CTORS.length];
          const src = new ctor(n).map(() => next() % 200);
          const want = new ctor(n);
          transposeReference(src, shape, perm, want);
          const got = transposeInto(src, shape, perm, () => new ctor(n));
          if (got) assert.deepEqual(got, want, `shape [${shape}] perm [${perm}]`);
        }
      }
    }
  });

  it("transposeInto handles 2-D and batched 2-D permutations and declines the others", () => {
    const n = 2 * 3 * 4;
    const alloc = () => new Float32Array(n);
    assert.ok(transposeInto(new Float32Array(n), [6, 4], [1, 0], alloc));
    assert.ok(transposeInto(new Float32Array(n), [2, 3, 4], [0, 2, 1], alloc));
    assert.ok(transposeInto(new Float32Array(n), [2, 3, 4], [2, 0, 1], alloc)); // [1, 0] merged
    assert.equal(transposeInto(new Float32Array(n), [2, 3, 4], [2, 1, 0], alloc), null);
  });

  it("transpose2dF32 matches the reference across tile edges and at offsets", () => {
    const next = lcg(3);
    for (const [rows, cols] of [[1, 1], [31, 33], [64, 65], [100, 7], [7, 100]]) {
      const src = new Float32Array(rows * cols + 5).map(() => next() % 1000);
      const want = new Float32Array(rows * cols);
      transposeReference(src.subarray(5), [rows, cols], [1, 0], want);
      const out = new Float32Array(rows * cols + 2);
      transpose2dF32(src, 5, rows, cols, out, 2);
      assert.deepEqual(out.subarray(2), want);
    }
  });
});

describe("simplifyPermutation", () => {
  it("simplifyPermutation merges neighbouring axes and drops size-1 axes", () => {
    assert.deepEqual(simplifyPermutation([2, 3, 4], [0, 1, 2]), { dims: [24], perm: [0] });
    assert.deepEqual(simplifyPermutation([2, 3, 4], [2, 0, 1]), { dims: [6, 4], perm: [1, 0] });
    assert.deepEqual(simplifyPermutation([2, 1, 4], [1, 2, 0]), { dims: [2, 4], perm: [1, 0] });
    assert.deepEqual(simplifyPermutation([3, 1, 4], [0, 1, 2]), { dims: [12], perm: [0] });
    assert.deepEqual(simplifyPermutation([1, 1], [1, 0]), { dims: [], perm: [] });
  });
});

describe("np.transpose on the blocked kernel", () => {
  it("np.transpose of a 70×40 float32 matrix swaps every element", () => {
    const x = np.arange(70 * 40).astype("float32").reshape([70, 40]);
    const t = np.transpose(x).toTypedArray();
    const d = x.toTypedArray();
    for (let i = 0; i < 70; i++) {
      for (let j = 0; j < 40; j++) assert.equal(t[j * 70 + i], d[i * 40 + j]);
    }
  });
});
