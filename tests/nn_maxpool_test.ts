/**
 * nn.maxPool1d/2d (the max_pool and max_pool_argmax primitives, src/kernels/pool.ts): values
 * and gradients against JAX 0.10.2's flax.linen.max_pool with tied maxima, NaN, −∞ and
 * padding (tests/fixtures/gen_maxpool.py → maxpool.json), eagerly, under jit, vmap and
 * forward mode, and a second derivative; the kernels against their plain reference in 1-D, 2-D
 * and 3-D; float64 finite differences on tie-free inputs; a large case.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { grad, jit, jvp, type NDArray, nn, np, vmap } from "../mod.ts";
import {
  maxPoolArgmax,
  maxPoolReference,
  maxPoolValues,
  poolOutShape,
} from "../src/kernels/pool.ts";
import { assertAllClose, checkGrads, makeRng, randomArray } from "./_helpers.ts";

type Num = number | "nan" | "inf" | "-inf";
interface Tensor {
  shape: number[];
  data: Num[];
}
interface Case {
  name: string;
  fn: "maxPool1d" | "maxPool2d";
  window: number | number[];
  options: Record<string, unknown>;
  x: Tensor;
  ct: Num[];
  out: Tensor;
  dx: Num[];
}
const FIXTURE = JSON.parse(
  readFileSync(new URL("./fixtures/maxpool.json", import.meta.url), "utf8"),
) as { jax: string; cases: Case[]; hvp: { x: Tensor; v: Num[]; grad: Num[]; hvp: Num[] } };

const num = (v: Num) => v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : v;
const arr = (data: Num[], shape: number[]) =>
  np.array(data.map(num), { dtype: "float32" }).reshape(shape);
const exact = { rtol: 0, atol: 0 };

// deno-lint-ignore no-explicit-any
const NN = nn as unknown as Record<string, (...args: any[]) => NDArray>;
const poolOf = (c: Case) => (x: NDArray) => NN[c.fn](x, c.window, c.options);

describe(`nn.maxPool1d/2d against JAX ${FIXTURE.jax} (flax.linen.max_pool)`, () => {
  for (const c of FIXTURE.cases) {
    const f = poolOf(c);
    const x = arr(c.x.data, c.x.shape), ct = arr(c.ct, c.out.shape);
    const dx = arr(c.dx, c.x.shape);
    const loss = (a: NDArray) => f(a).mul(ct).sum();

    it(`${c.fn}() matches JAX's output and gradient: ${c.name}`, () => {
      const y = f(x);
      assert.deepEqual(y.shape, c.out.shape);
      assertAllClose(y, arr(c.out.data, c.out.shape), exact);
      // each window's whole cotangent goes to one cell (JAX's select_and_scatter_add)
      assertAllClose(grad(loss)(x), dx, exact);
    });

    it(`${c.fn}() under jit, vmap and forward mode matches JAX: ${c.name}`, () => {
      assertAllClose(jit(f)(x), arr(c.out.data, c.out.shape), exact);
      assertAllClose(jit(grad(loss))(x), dx, exact);
      // two examples: the case and its reversal along W (whose JAX gradient is dx reversed
      // only without ties, so the second is compared with its own eager gradient)
      const flipped = np.flip(x, 2);
      const both = vmap(grad(loss))(np.stack([x, flipped]));
      assertAllClose(both.take([0], 0).squeeze(0), dx, exact);
      assertAllClose(both.take([1], 0).squeeze(0), grad(loss)(flipped), exact);
      // ⟨J·t, ct⟩ = ⟨t, Jᵀct⟩: forward mode picks the same cells as JAX's gradient
      const t = randomArray(c.x.shape, { seed: 5, dtype: "float32" });
      const [, yt] = jvp(f, [x], [t]);
      const want = dx.mul(t).sum();
      assertAllClose(yt.mul(ct).sum(), want, { rtol: 1e-5, atol: 1e-5 });
    });
  }

  it("vmap of nn.maxPool2d() and its gradient over a middle axis equals the loop", () => {
    const xs = randomArray([2, 5, 3, 6, 2], { seed: 7, dtype: "float32" }).round(); // ties
    const f = (x: NDArray) => nn.maxPool2d(x, 3, { stride: 2, padding: "SAME" });
    const g = grad((x: NDArray) => f(x).mul(f(x).add(2)).sum());
    const each = (h: (x: NDArray) => NDArray) =>
      np.stack([0, 1, 2].map((i) => h(xs.take([i], 2).squeeze(2))), 2);
    assertAllClose(vmap(f, { inAxes: 2, outAxes: 2 })(xs), each(f), exact);
    assertAllClose(vmap(g, { inAxes: 2, outAxes: 2 })(xs), each(g), exact);
  });

  it("grad of grad of nn.maxPool2d() (a Hessian-vector product) matches JAX", () => {
    const h = FIXTURE.hvp;
    const x = arr(h.x.data, h.x.shape), v = arr(h.v, h.x.shape);
    const f = (a: NDArray) => nn.maxPool2d(a, 3, { stride: 1, padding: "SAME" }).square().sum();
    assertAllClose(grad(f)(x), arr(h.grad, h.x.shape), { rtol: 1e-6, atol: 1e-6 });
    const hvp = grad((a: NDArray) => grad(f)(a).mul(v).sum())(x);
    assertAllClose(hvp, arr(h.hvp, h.x.shape), { rtol: 1e-6, atol: 1e-6 });
  });

  it("nn.maxPool1d() of −0 and +0 is +0 in either order, as lax.max", () => {
    // JAX 0.10.2: fl.max_pool(jnp.array([-0., 0.]).reshape(1, 2, 1), (2,), strides=(2,)) → +0,
    // and the same for [0., -0.]
    for (const v of [[-0, 0], [0, -0]]) {
      const y = nn.maxPool1d(np.array(v).reshape([1, 2, 1]), 2).item() as number;
      assert.ok(Object.is(y, 0), `[${v.map((z) => Object.is(z, -0) ? "-0" : "0")}] → ${y}`);
    }
  });

  it("nn.maxPool2d() gives tied maxima's gradient to the first in row-major window order", () => {
    // JAX 0.10.2: jax.grad(lambda x: fl.max_pool(x, (2, 2), strides=(2, 2)).sum())(jnp.ones((1, 2, 2, 1)))
    // → [1, 0, 0, 0]; with the maxima at (0, 1) and (1, 0): [0, 1, 0, 0]
    const g = grad((x: NDArray) => nn.maxPool2d(x, 2).sum());
    assert.deepEqual(g(np.ones([1, 2, 2, 1])).reshape([4]).toArray(), [1, 0, 0, 0]);
    const diagonal = np.array([0, 5, 5, 0]).reshape([1, 2, 2, 1]);
    assert.deepEqual(g(diagonal).reshape([4]).toArray(), [0, 1, 0, 0]);
  });
});

// ---- the kernels against their reference ---------------------------------------------------

/** Inputs with ties (small integers), NaN and −∞ at random cells. */
function awkward(size: number, seed: number, special: boolean): Float32Array {
  const rng = makeRng(seed);
  return Float32Array.from({ length: size }, () => {
    const u = rng();
    if (special && u < 0.08) return NaN;
    if (special && u < 0.16) return -Infinity;
    return Math.floor(rng() * 4);
  });
}

describe("kernels/pool.ts against maxPoolReference", () => {
  const geometries: [number[], number[], number[], number[], number[]][] = [
    // shape [N, …S, C], window, strides, lo, hi
    [[2, 9, 3], [3], [1], [0], [0]],
    [[1, 8, 2], [3], [2], [1], [2]],
    [[2, 5, 6, 3], [2, 2], [2, 2], [0, 0], [0, 0]],
    [[1, 7, 6, 2], [3, 3], [2, 2], [1, 1], [1, 0]],
    [[1, 5, 4, 1], [2, 3], [1, 2], [3, 0], [0, 2]],
    [[1, 4, 5, 3, 2], [2, 3, 2], [1, 2, 1], [1, 0, 1], [0, 1, 1]],
  ];
  geometries.forEach(([shape, window, strides, lo, hi], i) => {
    for (const special of [false, true]) {
      it(`maxPoolValues and maxPoolArgmax equal the reference: ${shape.length - 2}-D case ${i}${special ? " with NaN and −∞" : ""}`, () => {
        const g = { window, strides, lo, hi };
        const size = shape.reduce((p, v) => p * v, 1);
        const x = awkward(size, 10 + i, special);
        const out = poolOutShape(shape, g).reduce((p, v) => p * v, 1);
        const values = new Float32Array(out), selected = new Int32Array(out);
        maxPoolValues(x, shape, g, -Infinity, values);
        maxPoolArgmax(x, shape, g, -Infinity, selected);
        const [wantValues, wantSelected] = maxPoolReference(x, shape, g, -Infinity);
        assert.deepEqual([...values], wantValues);
        assert.deepEqual([...selected], wantSelected);
      });
    }
  });

  it("maxPoolValues pads integers with the given minimum", () => {
    const x = Int32Array.of(-5, -7, -9, -3);
    const g = { window: [2, 2], strides: [1, 1], lo: [1, 1], hi: [0, 0] };
    const out = new Int32Array(4);
    maxPoolValues(x, [1, 2, 2, 1], g, -(2 ** 31), out);
    assert.deepEqual([...out], [-5, -5, -5, -3]);
    assert.deepEqual(maxPoolReference(x, [1, 2, 2, 1], g, -(2 ** 31))[0], [-5, -5, -5, -3]);
  });
});

// ---- finite differences, and a large case ------------------------------------------------

describe("nn.maxPool1d/2d derivatives", () => {
  for (
    const [note, window, opts] of [
      ["3×3 stride 2 SAME", 3, { stride: 2, padding: "SAME" }],
      ["[2, 3] stride 1 explicit padding", [2, 3], { stride: 1, padding: [[1, 0], [2, 1]] }],
      ["2×2 tiling", 2, {}],
    ] as const
  ) {
    it(`nn.maxPool2d() passes float64 finite differences to second order (${note})`, () => {
      // distinct values: no ties, so the max is smooth near x
      const x = randomArray([2, 6, 5, 3], { seed: 21, dtype: "float64" });
      checkGrads((a: NDArray) => nn.maxPool2d(a, window, opts), [x], { order: 2 });
    });
  }

  it("nn.maxPool1d() passes float64 finite differences with overlapping windows", () => {
    const x = randomArray([2, 9, 2], { seed: 22, dtype: "float64" });
    checkGrads((a: NDArray) => nn.maxPool1d(a, 3, { stride: 1, padding: [1, 2] }), [x], {
      order: 2,
    });
  });

  it("nn.maxPool2d() on [4, 128, 128, 64] equals a separable max and loses no cotangent", () => {
    const x = randomArray([4, 128, 128, 64], { seed: 23, dtype: "float32" });
    const opts = { stride: 2, padding: "SAME" } as const;
    const y = nn.maxPool2d(x, 3, opts);
    assert.deepEqual(y.shape, [4, 64, 64, 64]);
    // the window max of the separable max of slices (an independent composition)
    const pad = np.pad(x, [[0, 0], [0, 1], [0, 1], [0, 0]], { value: -Infinity });
    const cut = (v: NDArray, axis: number, t: number) =>
      np.slice(v, [
        null,
        ...[1, 2].map((a): [number, number, number] | null => a === axis ? [t, t + 127, 2] : null),
      ]);
    const rows = np.maximum(np.maximum(cut(pad, 1, 0), cut(pad, 1, 1)), cut(pad, 1, 2));
    const both = np.maximum(np.maximum(cut(rows, 2, 0), cut(rows, 2, 1)), cut(rows, 2, 2));
    assertAllClose(y, both, exact);
    const w = randomArray([4, 64, 64, 64], { seed: 24, dtype: "float32", low: 1, high: 2 });
    const g = grad((a: NDArray) => nn.maxPool2d(a, 3, opts).mul(w).sum())(x);
    // no padding is chosen and nothing is lost: Σ g = Σ w (summed in float64)
    assertAllClose(g.astype("float64").sum(), w.astype("float64").sum(), { rtol: 1e-9 });
    // at most one cell per window receives (windows overlap, so fewer may)
    assert.ok((g.notEqual(0).sum().item() as number) <= y.size);
  });
});
