import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { svdKernel } from "../src/kernels/_svd.ts";
import { svdJacobi } from "../src/kernels/_svd_jacobi.ts";

const EPS = 2 ** -52;

/** A deterministic m×n matrix of uniforms in [−1, 1). */
function uniforms(m: number, n: number, seed: number): Float64Array {
  let s = seed >>> 0;
  return Float64Array.from({ length: m * n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** ‖x‖_F of a flat buffer. */
function frobenius(x: Float64Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return Math.sqrt(s);
}

/** max |Xᵀ X − I| for X rows×cols (row-major): how far its columns are from orthonormal. */
function orthogonalityError(x: Float64Array, rows: number, cols: number): number {
  let worst = 0;
  for (let p = 0; p < cols; p++) {
    for (let q = 0; q < cols; q++) {
      let d = 0;
      for (let i = 0; i < rows; i++) d += x[i * cols + p] * x[i * cols + q];
      worst = Math.max(worst, Math.abs(d - (p === q ? 1 : 0)));
    }
  }
  return worst;
}

/** ‖A − U[:, :k] diag(s) Vᵀ[:k, :]‖_F / ‖A‖_F (0 for A = 0). */
function reconstructionError(
  a: Float64Array,
  m: number,
  n: number,
  [s, u, vt]: Float64Array[],
  uCols: number,
): number {
  const r = a.slice();
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      for (let l = 0; l < s.length; l++) r[i * n + j] -= u[i * uCols + l] * s[l] * vt[l * n + j];
    }
  }
  const norm = frobenius(a);
  return norm === 0 ? frobenius(r) : frobenius(r) / norm;
}

describe("kernels/_svd (Golub–Kahan) identities and reference", () => {
  // 1×n, n×1, tiny, square, tall and wide; n = 5, 6, 7 and 41 leave 1–3 reflectors after
  // the blocks of four that the accumulation applies together
  const shapes = [[1, 1], [1, 7], [7, 1], [2, 2], [5, 3], [3, 5], [6, 6], [7, 5], [41, 41]];
  shapes.push([90, 41], [41, 90], [64, 64]);
  for (const [m, n] of shapes) {
    for (const full of [false, true]) {
      it(`svdKernel() reproduces a ${m}×${n} A with orthonormal U and V (full: ${full})`, () => {
        const a = uniforms(m, n, m * 131 + n);
        const [s, u, vt] = svdKernel(a, m, n, full);
        const k = Math.min(m, n), uCols = full ? m : k, vRows = full ? n : k;
        assert.deepEqual([s.length, u.length, vt.length], [k, m * uCols, vRows * n]);
        const bound = 10 * Math.max(m, n) * EPS;
        const err = reconstructionError(a, m, n, [s, u, vt], uCols);
        assert.ok(err <= bound, `‖A − U S Vᵀ‖/‖A‖ = ${err} > ${bound}`);
        assert.ok(orthogonalityError(u, m, uCols) <= bound, "UᵀU = I");
        // V's rows are those of Vᵀ: the columns of (Vᵀ)ᵀ, i.e. Vᵀ read as n × vRows transposed
        const v = new Float64Array(n * vRows);
        for (let i = 0; i < vRows; i++) {
          for (let j = 0; j < n; j++) v[j * vRows + i] = vt[i * n + j];
        }
        assert.ok(orthogonalityError(v, n, vRows) <= bound, "VᵀV = I");
        for (let i = 0; i < k; i++) {
          assert.ok(s[i] >= 0 && (i === 0 || s[i] <= s[i - 1]), `s descending: ${s}`);
        }
      });
    }
  }

  for (const [m, n] of [[30, 20], [20, 30], [25, 25]]) {
    it(`svdKernel() matches the one-sided Jacobi reference on ${m}×${n} (values and vectors)`, () => {
      const a = uniforms(m, n, 7 + m);
      const [s, u, vt] = svdKernel(a, m, n, false);
      // the reference works on the tall orientation: Aᵀ = V S Uᵀ for a wide A
      const tall = m >= n ? a : Float64Array.from({ length: m * n }, (_, i) => {
        const r = Math.floor(i / m), c = i % m;
        return a[c * n + r];
      });
      const [sRef, utRef, vtRef] = svdJacobi(tall, Math.max(m, n), Math.min(m, n), true, false);
      const k = s.length;
      for (let i = 0; i < k; i++) {
        assert.ok(Math.abs(s[i] - sRef[i]) <= 50 * EPS * sRef[0], `s[${i}] ${s[i]} vs ${sRef[i]}`);
      }
      // distinct singular values: each vector agrees up to sign, |u_i · u_ref_i| = 1
      const [leftRef, rightRef] = m >= n ? [utRef, vtRef] : [vtRef, utRef];
      for (let i = 0; i < k; i++) {
        let du = 0, dv = 0;
        for (let r = 0; r < m; r++) du += u[r * k + i] * leftRef[i * m + r];
        for (let c = 0; c < n; c++) dv += vt[i * n + c] * rightRef[i * n + c];
        assert.ok(Math.abs(Math.abs(du) - 1) < 1e-10, `|u_${i} · u_ref| = ${Math.abs(du)}`);
        assert.ok(Math.abs(Math.abs(dv) - 1) < 1e-10, `|v_${i} · v_ref| = ${Math.abs(dv)}`);
      }
    });
  }

  it("svdKernel() gives the same bits with the wasm SIMD rotations as with the JS loop", () => {
    // odd and even row lengths (the wasm rows are padded to even), full U past the rotated rows,
    // and more sweeps than one queue holds
    const cases: [number, number, boolean][] = [[37, 23, true], [23, 37, true], [9, 1, true]];
    cases.push([64, 64, false]);
    for (const [m, n, full] of cases) {
      const a = uniforms(m, n, 17);
      const js = svdKernel(a, m, n, full, true, false);
      const simd = svdKernel(a, m, n, full, true, true);
      js.forEach((x, i) => {
        assert.ok(x.every((v, j) => Object.is(v, simd[i][j])), `${m}×${n}: output ${i} differs`);
      });
    }
  });

  it("svdKernel() without vectors gives the same singular values and empty U and Vᵀ", () => {
    const a = uniforms(37, 23, 3);
    const [s] = svdKernel(a, 37, 23, false);
    const [s2, u2, vt2] = svdKernel(a, 37, 23, false, false);
    assert.deepEqual(Array.from(s2), Array.from(s));
    assert.deepEqual([u2.length, vt2.length], [0, 0]);
  });

  it("svdKernel() keeps the tiny singular values of a graded bidiagonal relatively accurate", () => {
    // B = [[1, 1, 0, 0], [0, 1e-8, 1e-8, 0], [0, 0, 1e-16, 1e-16], [0, 0, 0, 1e-24]]; JAX
    // (LAPACK's dbdsqr, also relatively accurate):
    // python3 -c "import jax; jax.config.update('jax_enable_x64', True); import numpy as np;
    //   print(jax.numpy.linalg.svd(np.array([[1., 1, 0, 0], [0, 1e-8, 1e-8, 0],
    //   [0, 0, 1e-16, 1e-16], [0, 0, 0, 1e-24]]), compute_uv=False).tolist())"
    const jax = [1.4142135623730951, 1.224744871391589e-08, 1.1547005383792515e-16, 5e-25];
    const b = Float64Array.from([1, 1, 0, 0, 0, 1e-8, 1e-8, 0, 0, 0, 1e-16, 1e-16, 0, 0, 0, 1e-24]);
    for (const vectors of [true, false]) {
      const [s] = svdKernel(b, 4, 4, false, vectors);
      s.forEach((v, i) => {
        assert.ok(Math.abs(v - jax[i]) <= 1e-13 * jax[i], `s[${i}] = ${v}, JAX ${jax[i]}`);
      });
    }
  });

  it("svdKernel() of the zero matrix is s = 0 with identity U and Vᵀ, as JAX's", () => {
    const [s, u, vt] = svdKernel(new Float64Array(6), 3, 2, true);
    assert.deepEqual(Array.from(s), [0, 0]);
    assert.deepEqual(Array.from(u), [1, 0, 0, 0, 1, 0, 0, 0, 1]);
    assert.deepEqual(Array.from(vt), [1, 0, 0, 1]);
  });

  it("svdKernel() scales exactly: singular values of 1e±300·A are 1e±300 times A's", () => {
    const a = uniforms(9, 6, 11);
    const [s] = svdKernel(a, 9, 6, false);
    for (const scale of [1e300, 1e-300]) {
      const [ss, u, vt] = svdKernel(a.map((x) => x * scale), 9, 6, false);
      ss.forEach((v, i) => {
        assert.ok(Math.abs(v / scale - s[i]) <= 1e-12 * s[0], `scale ${scale}: s[${i}] = ${v}`);
      });
      assert.ok(reconstructionError(a, 9, 6, [s, u, vt], 6) <= 1e-13, `U, V at scale ${scale}`);
    }
  });

  it("svdKernel() returns NaN everywhere for a NaN or infinite entry (JAX: NaN for NaN)", () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const a = uniforms(4, 3, 5);
      a[7] = bad;
      for (const full of [false, true]) {
        const [s, u, vt] = svdKernel(a, 4, 3, full);
        assert.deepEqual([s.length, u.length, vt.length], [3, full ? 16 : 12, 9]);
        for (const x of [s, u, vt]) assert.ok(x.every(Number.isNaN), `${bad}: ${x}`);
      }
    }
  });
});
