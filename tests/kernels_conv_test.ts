import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { grad, jit, nn, np, vmap } from "../mod.ts";

/** Deterministic values in [-1, 1), so failures reproduce. */
function values(n: number, seed: number): Float64Array {
  const x = new Float64Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 2 ** 31 - 1;
  }
  return x;
}

interface Geometry {
  n: number;
  h: number;
  w: number;
  c: number;
  o: number;
  kh: number;
  kw: number;
  stride: [number, number];
  pad: [[number, number], [number, number]];
}

/**
 * The reference convolution by its definition, and the adjoint loops of its
 * gradients for a cotangent ct: out[n, y, x, o] = Σ x[n, y·sh + i − top, x·sw + j − left, c]·w[i, j, c, o].
 */
function reference(g: Geometry, x: Float64Array, w: Float64Array, ct?: Float64Array) {
  const { n, h, w: wd, c, o, kh, kw, stride: [sh, sw], pad: [[top, bottom], [left, right]] } = g;
  const oh = Math.floor((h + top + bottom - kh) / sh) + 1;
  const ow = Math.floor((wd + left + right - kw) / sw) + 1;
  const out = new Float64Array(n * oh * ow * o);
  const dx = new Float64Array(x.length), dw = new Float64Array(w.length);
  for (let b = 0; b < n; b++) {
    for (let y = 0; y < oh; y++) {
      for (let xx = 0; xx < ow; xx++) {
        for (let i = 0; i < kh; i++) {
          for (let j = 0; j < kw; j++) {
            const r = y * sh + i - top, col = xx * sw + j - left;
            if (r < 0 || r >= h || col < 0 || col >= wd) continue;
            for (let ci = 0; ci < c; ci++) {
              const xi = ((b * h + r) * wd + col) * c + ci;
              for (let oi = 0; oi < o; oi++) {
                const outi = ((b * oh + y) * ow + xx) * o + oi;
                const wi = ((i * kw + j) * c + ci) * o + oi;
                out[outi] += x[xi] * w[wi];
                if (ct) {
                  dx[xi] += ct[outi] * w[wi];
                  dw[wi] += ct[outi] * x[xi];
                }
              }
            }
          }
        }
      }
    }
  }
  return { out, dx, dw, shape: [n, oh, ow, o] };
}

function close(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= 1e-4 * (1 + Math.abs(want[i])), `${what}[${i}]`);
  }
}

const CASES: [string, Geometry, nn.WindowOptions][] = [
  [
    "3×3 SAME",
    { n: 2, h: 5, w: 6, c: 3, o: 4, kh: 3, kw: 3, stride: [1, 1], pad: [[1, 1], [1, 1]] },
    { padding: "SAME" },
  ],
  [
    "2×3 VALID stride 2",
    { n: 1, h: 7, w: 6, c: 2, o: 3, kh: 2, kw: 3, stride: [2, 2], pad: [[0, 0], [0, 0]] },
    { padding: "VALID", stride: 2 },
  ],
  [
    "3×2 explicit padding, stride [2, 1]",
    { n: 2, h: 4, w: 5, c: 2, o: 2, kh: 3, kw: 2, stride: [2, 1], pad: [[2, 0], [1, 3]] },
    { padding: [[2, 0], [1, 3]], stride: [2, 1] },
  ],
  [
    "1×1 VALID (a reshape and a matmul)",
    { n: 2, h: 3, w: 3, c: 4, o: 5, kh: 1, kw: 1, stride: [1, 1], pad: [[0, 0], [0, 0]] },
    {},
  ],
  [
    "4×4 SAME stride 3 (uneven padding)",
    { n: 1, h: 8, w: 7, c: 2, o: 3, kh: 4, kw: 4, stride: [3, 3], pad: [[1, 2], [1, 2]] },
    { padding: "SAME", stride: 3 },
  ],
];

describe("conv2d (im2col by gather)", () => {
  for (const [name, g, options] of CASES) {
    it(`conv2d matches the definition and its gradients match the adjoint loops: ${name}`, () => {
      const xs = values(g.n * g.h * g.w * g.c, 1), ws = values(g.kh * g.kw * g.c * g.o, 2);
      const x = np.array(xs, { shape: [g.n, g.h, g.w, g.c], dtype: "float32" });
      const w = np.array(ws, { shape: [g.kh, g.kw, g.c, g.o], dtype: "float32" });
      const ref0 = reference(g, x.toTypedArray() as never, w.toTypedArray() as never);
      const y = nn.conv2d(x, w, options);
      assert.deepEqual(y.shape, ref0.shape);
      close(y.toTypedArray(), ref0.out, "out");

      const ct = np.array(values(y.size, 3), { shape: y.shape, dtype: "float32" });
      const ref = reference(
        g,
        Float64Array.from(x.toTypedArray()),
        Float64Array.from(w.toTypedArray()),
        Float64Array.from(ct.toTypedArray()),
      );
      const loss = (x: np.NDArray, w: np.NDArray) => nn.conv2d(x, w, options).mul(ct).sum();
      const [dx, dw] = grad(loss, { argnums: [0, 1] })(x, w);
      close(dx.toTypedArray(), ref.dx, "dx");
      close(dw.toTypedArray(), ref.dw, "dw");
      const [jdx, jdw] = jit(grad(loss, { argnums: [0, 1] }))(x, w);
      close(jdx.toTypedArray(), ref.dx, "jit dx");
      close(jdw.toTypedArray(), ref.dw, "jit dw");
    });
  }

  it("conv2d under vmap equals conv2d of each batch member", () => {
    const x = np.array(values(3 * 2 * 5 * 5 * 2, 4), { shape: [3, 2, 5, 5, 2], dtype: "float32" });
    const w = np.array(values(3 * 3 * 2 * 3, 5), { shape: [3, 3, 2, 3], dtype: "float32" });
    const f = (xi: np.NDArray) => nn.conv2d(xi, w, { padding: "SAME" });
    const batched = vmap(f)(x);
    for (let b = 0; b < 3; b++) {
      close(
        np.take(batched, [b], 0).toTypedArray(),
        f(np.reshape(np.take(x, [b], 0), [2, 5, 5, 2])).toTypedArray(),
        `member ${b}`,
      );
    }
  });

  it("conv2d keeps float64 inputs in float64", () => {
    const x = np.array(values(1 * 4 * 4 * 1, 6), { shape: [1, 4, 4, 1], dtype: "float64" });
    const w = np.array(values(2 * 2 * 1 * 1, 7), { shape: [2, 2, 1, 1], dtype: "float64" });
    assert.equal(nn.conv2d(x, w, { padding: "SAME" }).dtype, "float64");
  });
});
