/**
 * losses.poissonNllLoss: values against SciPy's Poisson log-pmf (tests/fixtures/gen_poisson.py
 * writes fixtures/train_poisson.json; PyTorch, whose poisson_nll_loss the math follows, is not
 * installed here) and against the formula evaluated in float64 numbers in the test; gradients by
 * checkGrads (finite differences, JVP/VJP identity, second order); jit, vmap and grad under jit;
 * the reductions; and the refusals.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { grad, jit, losses, type NDArray, np, vmap } from "../mod.ts";
import { assertAllClose, checkGrads } from "./_helpers.ts";

const fx = JSON.parse(
  readFileSync(new URL("./fixtures/train_poisson.json", import.meta.url), "utf8"),
) as Record<"logRates" | "rates" | "counts" | "loss" | "lossFull", number[][]>;
const f64 = (x: number[][] | number[]) => np.array(x, { dtype: "float64" });

/** The loss for one element, in plain float64 numbers (PyTorch's formula). */
function reference(z: number, t: number, logInput: boolean, full: boolean, eps = 1e-8): number {
  let l = logInput ? Math.exp(z) - t * z : z - t * Math.log(z + eps);
  if (full && t > 1) l += t * Math.log(t) - t + 0.5 * Math.log(2 * Math.PI * t);
  return l;
}

// log-rates and counts away from the Stirling term's jump at t = 1 (finite differences)
const z = () => f64([[0.3, -1.2, 2.0], [0.0, 0.7, -0.4]]);
const r = () => f64([[0.5, 1.7, 3.2], [0.9, 0.25, 4.0]]);
const t = () => f64([[0.0, 2.5, 4.0], [0.4, 1.6, 7.0]]);

describe("losses.poissonNllLoss values", () => {
  it("equals −log P(k; r) − log k! from SciPy, for log-rates and for rates", () => {
    const counts = f64(fx.counts);
    assertAllClose(losses.poissonNllLoss(f64(fx.logRates), counts), fx.loss, {
      rtol: 1e-12,
      atol: 1e-12,
    });
    const fromRates = losses.poissonNllLoss(f64(fx.rates), counts, { logInput: false, eps: 0 });
    assertAllClose(fromRates, fx.loss, { rtol: 1e-12, atol: 1e-12 });
  });

  it("with full: true adds Stirling's log k! for k > 1 only, as the fixture", () => {
    const l = losses.poissonNllLoss(f64(fx.logRates), f64(fx.counts), { full: true });
    assertAllClose(l, fx.lossFull, { rtol: 1e-12, atol: 1e-12 });
    // counts 0 and 1 (the fixture's first two) get no Stirling term
    const plain = losses.poissonNllLoss(f64(fx.logRates), f64(fx.counts));
    assert.deepEqual(
      (np.ravel(l).toArray() as number[]).slice(0, 2),
      (np.ravel(plain).toArray() as number[]).slice(0, 2),
    );
  });

  it("matches the formula evaluated element by element, in all four modes", () => {
    for (const logInput of [true, false]) {
      for (const full of [true, false]) {
        const x = logInput ? z() : r();
        const got = losses.poissonNllLoss(x, t(), { logInput, full });
        const xs = (x.toArray() as number[][]).flat(), ts = (t().toArray() as number[][]).flat();
        const want = xs.map((v, i) => reference(v, ts[i], logInput, full));
        assertAllClose(np.ravel(got), want, { rtol: 1e-13, atol: 1e-13 });
      }
    }
  });

  it("adds eps to the rate inside the log", () => {
    const l = losses.poissonNllLoss(f64([0]), f64([2]), { logInput: false, eps: 0.5 });
    assertAllClose(l, [0 - 2 * Math.log(0.5)], { rtol: 1e-14 });
  });

  it("returns one loss per element by default, and their mean or sum on request", () => {
    const l = losses.poissonNllLoss(z(), t());
    assert.deepEqual(l.shape, [2, 3]);
    assertAllClose(losses.poissonNllLoss(z(), t(), { reduction: "mean" }), np.mean(l), {
      rtol: 1e-14,
    });
    assertAllClose(losses.poissonNllLoss(z(), t(), { reduction: "sum" }), np.sum(l), {
      rtol: 1e-14,
    });
  });

  it("keeps float32 in float32", () => {
    const l = losses.poissonNllLoss(np.array([0.5, -0.5]), np.array([1, 3]));
    assert.equal(l.dtype, "float32");
  });
});

describe("losses.poissonNllLoss derivatives and transforms", () => {
  it("matches finite differences and the JVP/VJP identity in input and target, to second order", () => {
    for (const logInput of [true, false]) {
      for (const full of [true, false]) {
        const f = (x: NDArray, y: NDArray) =>
          losses.poissonNllLoss(x, y, { logInput, full, reduction: "sum" });
        checkGrads(f, [logInput ? z() : r(), t()], { order: 2 });
      }
    }
  });

  it("has the gradient exp(z) − t in the log-rate", () => {
    const g = grad((x: NDArray) => losses.poissonNllLoss(x, t()).sum())(z());
    const want = (z().toArray() as number[][]).flat().map((v, i) =>
      Math.exp(v) - (t().toArray() as number[][]).flat()[i]
    );
    assertAllClose(np.ravel(g), want, { rtol: 1e-13, atol: 1e-13 });
  });

  it("gives finite gradients in the target at counts 0 and 1 with full: true", () => {
    const g = grad((y: NDArray) => losses.poissonNllLoss(f64([0.2, 0.2]), y, { full: true }).sum())(
      f64([0, 1]),
    );
    assertAllClose(g, [-0.2, -0.2], { rtol: 1e-14 });
  });

  it("under jit equals the eager loss, and so does its gradient", () => {
    const f = (x: NDArray, y: NDArray) =>
      losses.poissonNllLoss(x, y, { logInput: false, full: true });
    assertAllClose(jit(f)(r(), t()), f(r(), t()), { rtol: 1e-13, atol: 1e-13 });
    const g = (x: NDArray, y: NDArray) => grad((a: NDArray) => f(a, y).sum())(x);
    assertAllClose(jit(g)(r(), t()), g(r(), t()), { rtol: 1e-13, atol: 1e-13 });
  });

  it("under vmap over rows equals the loss of each row", () => {
    const f = (x: NDArray, y: NDArray) =>
      losses.poissonNllLoss(x, y, { full: true, reduction: "sum" });
    const batched = vmap(f)(z(), t());
    const rows = [0, 1].map((i) => f(np.slice(z(), [i]), np.slice(t(), [i])).item() as number);
    assertAllClose(batched, rows, { rtol: 1e-13 });
  });
});

describe("losses.poissonNllLoss refuses bad arguments", () => {
  it("refuses mismatched shapes with a TypeError", () => {
    assert.throws(
      () => losses.poissonNllLoss(np.zeros([2, 3]), np.zeros([3])),
      (e: Error) => e instanceof TypeError && /poissonNllLoss.*\[2, 3\].*\[3\]/.test(e.message),
    );
  });

  it("refuses integer targets and a non-array input with a TypeError", () => {
    assert.throws(
      () => losses.poissonNllLoss(np.zeros([2]), np.array([1, 2], { dtype: "int32" })),
      (e: Error) =>
        e instanceof TypeError && /poissonNllLoss: the targets must be float/.test(e.message),
    );
    assert.throws(
      () => losses.poissonNllLoss([1, 2] as unknown as NDArray, np.zeros([2])),
      (e: Error) =>
        e instanceof TypeError && /poissonNllLoss: the input must be an NDArray/.test(e.message),
    );
  });

  it("refuses negative rates with logInput: false, naming the element", () => {
    assert.throws(
      () => losses.poissonNllLoss(np.array([1, -0.5]), np.array([1, 1]), { logInput: false }),
      (e: Error) =>
        e instanceof RangeError &&
        /rates, which must be ≥ 0, got -0.5 at flat index 1/.test(e.message),
    );
  });

  it("refuses a bad eps, a non-boolean flag, an unknown reduction and an unknown key", () => {
    const x = np.zeros([2]), y = np.ones([2]);
    assert.throws(() => losses.poissonNllLoss(x, y, { eps: -1 }), RangeError);
    assert.throws(
      () => losses.poissonNllLoss(x, y, { full: 1 as unknown as boolean }),
      /poissonNllLoss: full must be true or false/,
    );
    assert.throws(
      () => losses.poissonNllLoss(x, y, { reduction: "avg" as "mean" }),
      /poissonNllLoss: reduction must be "mean", "sum" or "none"/,
    );
    assert.throws(
      () => losses.poissonNllLoss(x, y, { log_input: false } as never),
      /poissonNllLoss.*log_input/,
    );
  });
});

describe("losses.poissonNllLoss on the worker pool", () => {
  it("pool.map() and pool.valueAndGrad() equal the eager loss and gradient", async () => {
    const { createWorkerPool, valueAndGrad } = await import("../mod.ts");
    await using pool = createWorkerPool({ size: 1 });
    const logRates = f64(fx.logRates), counts = f64(fx.counts);
    const loss = (z: NDArray, t: NDArray) => losses.poissonNllLoss(z, t, { full: true }).mean();
    // one row per worker task: vmap over the rows of the rates and counts
    const mapped = await pool.map((z: NDArray, t: NDArray) => losses.poissonNllLoss(z, t))(
      logRates,
      counts,
    );
    assertAllClose(mapped, losses.poissonNllLoss(logRates, counts), { rtol: 1e-12, atol: 1e-12 });
    const [v, g] = await pool.valueAndGrad(loss)(logRates, counts);
    const [v0, g0] = valueAndGrad(loss)(logRates, counts);
    assertAllClose([v, g], [v0, g0], { rtol: 1e-12, atol: 1e-12 });
  });
});
