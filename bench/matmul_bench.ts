/**
 * float32 matmul benchmarks (Deno): `deno bench -A bench/matmul_bench.ts`.
 * For GFLOP/s on Deno and Bun alike, see bench/matmul_gflops.ts.
 */
import { matmulBackend, matmulF32, matmulF32Js } from "../src/kernels/matmul.ts";

function filled(n: number, seed: number): Float32Array {
  const x = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 2 ** 31 - 1;
  }
  return x;
}

function square(n: number) {
  return { a: filled(n * n, 1), b: filled(n * n, 2), c: new Float32Array(n * n) };
}

for (const n of [128, 256, 512, 1024]) {
  const { a, b, c } = square(n);
  Deno.bench({
    name: `matmulF32 ${n}×${n}×${n} (${matmulBackend})`,
    group: "matmulF32 square",
    baseline: n === 128,
    fn() {
      matmulF32(a, 0, b, 0, c, 0, n, n, n, false, false);
    },
  });
}

{
  const n = 256;
  const { a, b, c } = square(n);
  Deno.bench({
    name: `matmulF32 ${n}×${n}×${n} (${matmulBackend})`,
    group: "wasm vs JS at 256",
    baseline: true,
    fn() {
      matmulF32(a, 0, b, 0, c, 0, n, n, n, false, false);
    },
  });
  Deno.bench({
    name: `matmulF32Js ${n}×${n}×${n} (JS fallback)`,
    group: "wasm vs JS at 256",
    fn() {
      matmulF32Js(a, 0, b, 0, c, 0, n, n, n, false, false);
    },
  });
}

// The three products of one dense layer of an MNIST MLP (batch 128, 784 → 256).
{
  const x = filled(128 * 784, 3), w = filled(784 * 256, 4), dy = filled(128 * 256, 5);
  const y = new Float32Array(128 * 256), dw = new Float32Array(784 * 256);
  const dx = new Float32Array(128 * 784);
  Deno.bench({
    name: "forward x·W [128×784]·[784×256]",
    group: "MLP layer",
    fn() {
      matmulF32(x, 0, w, 0, y, 0, 128, 784, 256, false, false);
    },
  });
  Deno.bench({
    name: "weight grad xᵀ·dy [784×128]·[128×256]",
    group: "MLP layer",
    fn() {
      matmulF32(x, 0, dy, 0, dw, 0, 784, 128, 256, true, false);
    },
  });
  Deno.bench({
    name: "input grad dy·Wᵀ [128×256]·[256×784]",
    group: "MLP layer",
    fn() {
      matmulF32(dy, 0, w, 0, dx, 0, 128, 256, 784, false, true);
    },
  });
}
