import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  createWasmMatmulF32,
  matmulBackend,
  matmulF32,
  matmulF32Js,
  matmulF32Wasm,
  matmulF64,
  matmulReference,
} from "../src/kernels/matmul.ts";

/** Deterministic uniform(-1, 1) numbers (mulberry32), so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 * 2 - 1;
  };
}

function randomArray<T extends Float32Array | Float64Array>(
  ctor: new (n: number) => T,
  n: number,
  next: () => number,
): T {
  const x = new ctor(n);
  for (let i = 0; i < n; i++) x[i] = next();
  return x;
}

type F32Kernel = typeof matmulF32;
type F64Kernel = typeof matmulF64;

const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [3, 5, 7],
  [17, 33, 65],
  [64, 64, 64],
  [129, 257, 63],
  [2, 300, 3],
  [31, 1, 9],
];
const FLAGS: [boolean, boolean][] = [[false, false], [true, false], [false, true], [true, true]];

/**
 * Runs `kernel` on random operands placed at nonzero offsets and compares the
 * m×n result with the float64 reference, element by element, with tolerance
 * tol(k)·(1 + |ref|). Also checks that the output padding is untouched.
 */
function checkAgainstReference<T extends Float32Array | Float64Array>(
  ctor: new (n: number) => T,
  kernel: (
    a: T,
    aOff: number,
    b: T,
    bOff: number,
    out: T,
    outOff: number,
    m: number,
    k: number,
    n: number,
    transA: boolean,
    transB: boolean,
  ) => void,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
  tol: number,
  seed = m * 7919 + k * 104729 + n * 13 + (transA ? 1 : 0) + (transB ? 2 : 0),
): void {
  const next = rng(seed);
  const aOff = 3, bOff = 5, outOff = 2;
  const a = randomArray(ctor, aOff + m * k + 4, next);
  const b = randomArray(ctor, bOff + k * n + 4, next);
  const out = new ctor(outOff + m * n + 3);
  out.fill(123); // must be fully overwritten inside [outOff, outOff + m·n), untouched outside
  const ref = new Float64Array(m * n);
  matmulReference(a, aOff, b, bOff, ref, 0, m, k, n, transA, transB);
  kernel(a, aOff, b, bOff, out, outOff, m, k, n, transA, transB);
  for (let i = 0; i < m * n; i++) {
    const want = ref[i];
    const got = out[outOff + i];
    if (!(Math.abs(got - want) <= tol * (1 + Math.abs(want)))) {
      const [r, c] = [Math.floor(i / n), i % n];
      assert.fail(
        `[${m}×${k}]·[${k}×${n}] transA=${transA} transB=${transB}: C[${r},${c}] = ${got}, want ${want}`,
      );
    }
  }
  for (let i = 0; i < outOff; i++) assert.equal(out[i], 123);
  for (let i = outOff + m * n; i < out.length; i++) assert.equal(out[i], 123);
}

const f32Tol = (k: number) => 1e-4 * Math.sqrt(Math.max(k, 1));
const f64Tol = 1e-12;

function describeF32Kernel(name: string, kernel: F32Kernel): void {
  describe(name, () => {
    for (const [transA, transB] of FLAGS) {
      const which = `${transA ? "transposed" : "plain"} A and ${transB ? "transposed" : "plain"} B`;
      it(`matches the reference on odd shapes with ${which}`, () => {
        for (const [m, k, n] of SHAPES) {
          checkAgainstReference(Float32Array, kernel, m, k, n, transA, transB, f32Tol(k));
        }
      });
    }

    it("matches the reference on random shapes", () => {
      const next = rng(42);
      for (let t = 0; t < 24; t++) {
        const size = () => 1 + Math.floor((next() + 1) * 40);
        const [m, k, n] = [size(), size(), size()];
        const transA = next() > 0, transB = next() > 0;
        checkAgainstReference(Float32Array, kernel, m, k, n, transA, transB, f32Tol(k));
      }
    });

    it("matches the reference when k spans several depth blocks and ends in a ragged one", () => {
      // 1031 = 2·512 + 7: the packers copy 4 depth steps at a time, then the rest one by one
      for (const [transA, transB] of FLAGS) {
        checkAgainstReference(Float32Array, kernel, 13, 1031, 19, transA, transB, f32Tol(1031));
      }
    });

    it("matches the reference on the shapes of an MLP layer and its backprop", () => {
      // forward x·W, weight gradient xᵀ·dy, input gradient dy·Wᵀ
      checkAgainstReference(Float32Array, kernel, 64, 784, 96, false, false, f32Tol(784));
      checkAgainstReference(Float32Array, kernel, 784, 64, 96, true, false, f32Tol(64));
      checkAgainstReference(Float32Array, kernel, 64, 96, 784, false, true, f32Tol(96));
    });

    it("writes zeros when k is 0", () => {
      for (const [transA, transB] of FLAGS) {
        const out = new Float32Array(2 + 3 * 4).fill(7);
        kernel(new Float32Array(0), 0, new Float32Array(0), 0, out, 2, 3, 0, 4, transA, transB);
        assert.deepEqual([...out.subarray(2)], new Array(12).fill(0));
        assert.deepEqual([...out.subarray(0, 2)], [7, 7]);
      }
    });

    it("does nothing when m or n is 0", () => {
      const out = new Float32Array(2).fill(7);
      kernel(new Float32Array(6), 0, new Float32Array(0), 0, out, 0, 3, 2, 0, false, false);
      kernel(new Float32Array(0), 0, new Float32Array(6), 0, out, 0, 0, 2, 3, false, false);
      assert.deepEqual([...out], [7, 7]);
    });

    it("gives exact results on small integers", () => {
      // [[1,2],[3,4]]·[[5,6],[7,8]] = [[19,22],[43,50]]
      const out = new Float32Array(4);
      kernel(
        Float32Array.of(1, 2, 3, 4),
        0,
        Float32Array.of(5, 6, 7, 8),
        0,
        out,
        0,
        2,
        2,
        2,
        false,
        false,
      );
      assert.deepEqual([...out], [19, 22, 43, 50]);
      kernel(
        Float32Array.of(1, 3, 2, 4),
        0,
        Float32Array.of(5, 7, 6, 8),
        0,
        out,
        0,
        2,
        2,
        2,
        true,
        true,
      );
      assert.deepEqual([...out], [19, 22, 43, 50]);
    });

    it("throws a RangeError when the operands do not fit the arrays", () => {
      const x = new Float32Array(4);
      assert.throws(() => kernel(x, 1, x, 0, x, 0, 2, 2, 2, false, false), RangeError);
      assert.throws(
        () => kernel(x, 0, x, 0, new Float32Array(3), 0, 2, 2, 2, false, false),
        RangeError,
      );
    });

    it("propagates NaN and Infinity", () => {
      const out = new Float32Array(4);
      kernel(
        Float32Array.of(NaN, 0, 1, 1),
        0,
        Float32Array.of(1, 0, 0, Infinity),
        0,
        out,
        0,
        2,
        2,
        2,
        false,
        false,
      );
      assert.ok(Number.isNaN(out[0]) && Number.isNaN(out[1]));
      assert.equal(out[2], 1);
      assert.equal(out[3], Infinity);
    });
  });
}

describeF32Kernel("matmulF32()", matmulF32);
describeF32Kernel("matmulF32Js() (the fallback without SIMD)", matmulF32Js);
if (matmulF32Wasm !== null) {
  describeF32Kernel("matmulF32Wasm() (the SIMD kernel on every size)", matmulF32Wasm);
}

describe("the wasm kernel generator", () => {
  it("reports the backend that matmulF32() uses", () => {
    assert.ok(["wasm-relaxed-simd", "wasm-simd", "js"].includes(matmulBackend));
    assert.equal(matmulBackend === "js", matmulF32Wasm === null);
  });

  it("gives the same results with other tile shapes and plain mul + add", () => {
    const shapes = [
      { mr: 4, nr: 8, unroll: 1, kc: 16, mc: 8, relaxed: false },
      { mr: 3, nr: 4, unroll: 2, kc: 6, mc: 9, relaxed: false },
      { mr: 6, nr: 8, unroll: 4, kc: 64, mc: 12, relaxed: true },
    ];
    for (const g of shapes) {
      let f;
      try {
        f = createWasmMatmulF32(g);
      } catch (e) {
        assert.fail(`shape ${JSON.stringify(g)}: ${e}`);
      }
      if (f === null) continue; // engine without (relaxed) SIMD
      for (const [m, k, n] of [[1, 1, 1], [17, 33, 65], [40, 70, 30]]) {
        for (const [transA, transB] of FLAGS) {
          checkAgainstReference(Float32Array, f, m, k, n, transA, transB, f32Tol(k));
        }
      }
    }
  });

  it("grows its memory for large operands and keeps working on small ones after", () => {
    checkAgainstReference(Float32Array, matmulF32, 600, 500, 700, false, false, f32Tol(500), 1);
    checkAgainstReference(Float32Array, matmulF32, 9, 10, 11, true, false, f32Tol(10), 2);
  });

  it("rejects an inconsistent tile shape", () => {
    assert.throws(
      () => createWasmMatmulF32({ mr: 4, nr: 6, unroll: 4, kc: 64, mc: 8, relaxed: false }),
      RangeError,
    );
  });
});

describe("matmulF64()", () => {
  for (const [transA, transB] of FLAGS) {
    const which = `${transA ? "transposed" : "plain"} A and ${transB ? "transposed" : "plain"} B`;
    it(`matches the reference to 1e-12 on odd shapes with ${which}`, () => {
      for (const [m, k, n] of SHAPES) {
        checkAgainstReference(
          Float64Array,
          matmulF64 as F64Kernel,
          m,
          k,
          n,
          transA,
          transB,
          f64Tol,
        );
      }
    });
  }

  it("matches the reference across its cache blocks", () => {
    checkAgainstReference(Float64Array, matmulF64, 70, 300, 520, false, false, f64Tol);
    checkAgainstReference(Float64Array, matmulF64, 70, 300, 520, true, true, f64Tol);
  });

  it("writes zeros when k is 0", () => {
    const out = new Float64Array(6).fill(7);
    matmulF64(new Float64Array(0), 0, new Float64Array(0), 0, out, 0, 2, 0, 3, false, false);
    assert.deepEqual([...out], [0, 0, 0, 0, 0, 0]);
  });
});

describe("matmulReference()", () => {
  it("computes the textbook product for every transpose combination", () => {
    // A = [[1,2,3],[4,5,6]] (2×3), B = [[1,0],[0,1],[2,2]] (3×2): A·B = [[7,8],[16,17]]
    const A = [1, 2, 3, 4, 5, 6], At = [1, 4, 2, 5, 3, 6];
    const B = [1, 0, 0, 1, 2, 2], Bt = [1, 0, 2, 0, 1, 2];
    for (
      const [a, b, ta, tb] of [[A, B, false, false], [At, B, true, false], [A, Bt, false, true], [
        At,
        Bt,
        true,
        true,
      ]] as const
    ) {
      const out = new Float64Array(4);
      matmulReference(a, 0, b, 0, out, 0, 2, 3, 2, ta, tb);
      assert.deepEqual([...out], [7, 8, 16, 17]);
    }
  });
});
