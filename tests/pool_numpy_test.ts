/**
 * The np functions of issue 13 inside the worker pool: each per-example function runs in
 * `pool.map` (and a loss in `pool.valueAndGrad`) and must equal the main thread, computed
 * example by example and stacked (not through vmap, so the pool is checked against plain
 * evaluation).
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createWorkerPool, type NDArray, np, valueAndGrad, type WorkerPool } from "../mod.ts";
import { assertAllClose, randomArray } from "./_helpers.ts";

const tol = { rtol: 1e-12, atol: 1e-12 };
const table = randomArray([4, 3], { seed: 40, dtype: "float64" });
const eye3 = np.eye(3, 3, { dtype: "float64" }).mul(3);

/** f applied to each example (axis 0) on the main thread, results stacked. */
function loop(f: (x: NDArray) => NDArray | NDArray[], x: NDArray): NDArray | NDArray[] {
  const outs = [...Array(x.shape[0]).keys()].map((i) => f(x.index(i)));
  return Array.isArray(outs[0])
    ? (outs[0] as NDArray[]).map((_, k) => np.stack(outs.map((o) => (o as NDArray[])[k])))
    : np.stack(outs as NDArray[]);
}

describe("np functions of issue 13 in the worker pool (2 workers)", () => {
  const pool: WorkerPool = createWorkerPool({ size: 2 });
  after(() => pool.close());
  const x = randomArray([5, 4, 3], { seed: 41, dtype: "float64" });

  const cases: [string, (e: NDArray) => NDArray | NDArray[]][] = [
    ["np.einsum('ij,kj->ik')", (e) => np.einsum("ij,kj->ik", e, table)],
    [
      "np.cumsum() and np.cumprod() with reverse",
      (e) => np.cumsum(e, 0).add(np.cumprod(e, 1, { reverse: true })),
    ],
    ["np.sort() and np.argsort()", (e) => np.sort(e, 0).add(np.argsort(e, 1).astype("float64"))],
    ["np.linalg.solve()", (e) => np.linalg.solve(np.matmul(e.T, e).add(eye3), e.index(0))],
    ["np.fft.fft() and np.fft.irfft()", (e) => {
      const [re, im] = np.fft.fft(e, null, 0);
      return np.stack([re, im, np.fft.irfft(np.fft.rfft(e, null, 0), 4, 0)]);
    }],
    [
      "x.at(...).add() with duplicate indices and .set()",
      (e) => e.at(np.array([0, 2, 0], { dtype: "int32" })).add(1).at(3, [1, 3]).set(-7),
    ],
    ["np.where(cond, { size })", (e) => np.where(e.greater(0), { size: 6, fillValue: -1 })],
    [
      "np.quantile() and np.median()",
      (e) => np.quantile(e, 0.3, { axis: 0 }).add(np.median(e, 1).sum()),
    ],
  ];
  for (const [name, f] of cases) {
    it(`pool.map() runs ${name} as the main thread does, example by example`, async () => {
      const got = await pool.map(f)(x);
      const want = loop(f, x);
      if (Array.isArray(want)) {
        assert.ok(Array.isArray(got));
        want.forEach((w, k) => assertAllClose((got as NDArray[])[k], w, tol));
      } else assertAllClose(got as NDArray, want, tol);
    });
  }

  it("pool.valueAndGrad() of a mean loss through fft, solve and einsum equals valueAndGrad()", async () => {
    const w = randomArray([3, 3], { seed: 42, dtype: "float64" });
    const loss = (w: NDArray, xb: NDArray) => {
      const h = np.einsum("bij,jk->bik", xb, w);
      const [re, im] = np.fft.fft(h, null, 1);
      const a = np.matmul(np.swapaxes(h, 1, 2), h).add(eye3);
      // one vector per matrix: b is [batch, 3, 1] (a b of 2 axes would be one [3, k] matrix)
      const s = np.linalg.solve(a, h.index(np.s(), 0).expandDims(-1)).squeeze(-1);
      return re.mul(re).add(im.mul(im)).mean().add(s.sum(1).mean());
    };
    const [v, g] = await pool.valueAndGrad(loss)(w, x);
    const [v0, g0] = valueAndGrad(loss)(w, x);
    assertAllClose(v, v0, { rtol: 1e-12, atol: 1e-12 });
    assertAllClose(g, g0, { rtol: 1e-10, atol: 1e-12 });
  });
});
