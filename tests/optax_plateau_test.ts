/**
 * optim.reduceOnPlateau against optax 0.2.8's contrib.reduce_on_plateau: the state and the
 * scaled updates after each of 30 values (tests/fixtures/gen_plateau.py writes
 * fixtures/train_plateau.json), for patience, cooldown with minScale and accumulation. Also:
 * a jitted update equals the eager one, and bad options are refused with the function's name.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { jit, type NDArray, np, optim } from "../mod.ts";

type Step = {
  scale: number;
  bestValue: number | null;
  plateauCount: number;
  cooldownCount: number;
  count: number;
  avgValue: number;
  updates: number[];
};
const fixture = JSON.parse(
  readFileSync(new URL("./fixtures/train_plateau.json", import.meta.url), "utf8"),
) as {
  values: number[];
  grads: { w: number[][]; b: number[] };
  cases: Record<string, { options: Record<string, number>; steps: Step[] }>;
};

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const grads = () => ({ w: np.array(fixture.grads.w), b: np.array(fixture.grads.b) });
const close = (a: number, b: number, what: string) =>
  assert.ok(
    a === b || Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b)),
    `${what}: ${a} vs optax ${b}`,
  );

describe("optim.reduceOnPlateau matches optax's contrib.reduce_on_plateau", () => {
  for (const [name, { options, steps }] of Object.entries(fixture.cases)) {
    it(`follows optax's state and scaled updates over 30 values (${name})`, () => {
      const opts = Object.fromEntries(Object.entries(options).map(([k, v]) => [camel(k), v]));
      const t = optim.reduceOnPlateau(opts);
      const g = grads();
      let state = t.init(g);
      fixture.values.forEach((value, i) => {
        const [u, next] = t.update(g, state, g, { value: np.array(value) });
        state = next;
        const want = steps[i];
        for (const k of ["scale", "bestValue", "avgValue"] as const) {
          // the fixture writes +∞ (no evaluation yet) as null
          close(state[k].item() as number, want[k] ?? Infinity, `step ${i} ${k}`);
        }
        for (const k of ["plateauCount", "cooldownCount", "count"] as const) {
          assert.equal(state[k].item(), want[k], `step ${i} ${k}`);
        }
        const flat = [...(u.b.toArray() as number[]), ...(u.w.toArray() as number[][]).flat()];
        flat.forEach((x, j) => close(x, want.updates[j], `step ${i} update ${j}`));
      });
    });
  }

  it("keeps the params' dtypes: float32 scale and float64 best value for mixed params", () => {
    const t = optim.reduceOnPlateau();
    const s = t.init({
      a: np.zeros([2], { dtype: "float32" }),
      b: np.zeros([1], { dtype: "float64" }),
    });
    assert.equal(s.scale.dtype, "float32");
    assert.equal(s.bestValue.dtype, "float64");
    assert.equal(s.plateauCount.dtype, "int32");
  });
});

describe("optim.reduceOnPlateau under jit", () => {
  it("a jitted update equals the eager one along the whole trajectory", () => {
    const t = optim.reduceOnPlateau({ factor: 0.5, patience: 2, cooldown: 1, minScale: 0.2 });
    const step = (g: NDArray, s: optim.ReduceOnPlateauState, v: NDArray) =>
      t.update(g, s, g, { value: v });
    const jitted = jit(step);
    const g = np.array([1.5, -0.25, 3]);
    let se = t.init(g), sj = t.init(g);
    for (const value of fixture.values) {
      const v = np.array(value, { dtype: "float32" });
      const [ue, ne] = step(g, se, v);
      const [uj, nj] = jitted(g, sj, v);
      assert.deepEqual(uj.toArray(), ue.toArray());
      for (const k of Object.keys(ne) as (keyof optim.ReduceOnPlateauState)[]) {
        assert.deepEqual(nj[k].toArray(), ne[k].toArray(), k);
      }
      se = ne;
      sj = nj;
    }
    assert.ok((se.scale.item() as number) < 1, "the trajectory reduced the scale at least once");
  });
});

describe("optim.reduceOnPlateau refuses bad arguments", () => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ factor: 1 }, /factor must be a number in \(0, 1\), got 1/],
    [{ factor: 0 }, /factor/],
    [{ rtol: 1.5 }, /rtol must be a number in \[0, 1\]/],
    [{ atol: -1 }, /atol/],
    [{ rtol: 0, atol: 0 }, /rtol and atol are both 0/],
    [{ patience: 0 }, /patience must be an integer in \[1, /],
    [{ patience: 2.5 }, /patience/],
    [{ cooldown: -1 }, /cooldown/],
    [{ accumulationSize: 0 }, /accumulationSize/],
    [{ minScale: 2 }, /minScale/],
  ];
  for (const [options, message] of bad) {
    it(`refuses ${JSON.stringify(options)} with a RangeError`, () => {
      assert.throws(
        () => optim.reduceOnPlateau(options as optim.ReduceOnPlateauOptions),
        (e: Error) =>
          e instanceof RangeError && /optim\.reduceOnPlateau/.test(e.message) &&
          message.test(e.message),
      );
    });
  }

  it("refuses an unknown option key", () => {
    assert.throws(
      () => optim.reduceOnPlateau({ patients: 3 } as optim.ReduceOnPlateauOptions),
      /reduceOnPlateau.*patients/,
    );
  });

  it("refuses an update without the value", () => {
    const t = optim.reduceOnPlateau();
    const g = np.array([1, 2]);
    assert.throws(
      () => t.update(g, t.init(g), g),
      /reduceOnPlateau: update needs the objective's value/,
    );
  });

  it("refuses a state that is not its own", () => {
    const t = optim.reduceOnPlateau();
    const g = np.array([1, 2]);
    assert.throws(
      () => t.update(g, {} as optim.ReduceOnPlateauState, g, { value: 1 }),
      /reduceOnPlateau: the state has no array scale/,
    );
  });
});

describe("optim.reduceOnPlateau with the worker pool's value and gradient", () => {
  it("sgd + reduceOnPlateau fed by pool.valueAndGrad() takes the same steps as valueAndGrad()", async () => {
    const { createWorkerPool, valueAndGrad } = await import("../mod.ts");
    await using pool = createWorkerPool({ size: 2 });
    // least squares over a batch of rows, split between the workers
    const loss = (w: NDArray, x: NDArray, y: NDArray) => np.matmul(x, w).sub(y).square().mean();
    const x = np.array([[1, 2], [0.5, -1], [2, 0], [-1, 1], [0, 3], [1, 1]], { dtype: "float64" });
    const y = np.array([1, 0, 2, -1, 3, 1], { dtype: "float64" });
    const opt = optim.chain(
      optim.sgd(0.4),
      optim.reduceOnPlateau({ factor: 0.5, patience: 1, accumulationSize: 1 }),
    );
    const vg = pool.valueAndGrad(loss, { batchArgnums: [1, 2] });
    let wp = np.zeros([2], { dtype: "float64" }), we = wp;
    let sp = opt.init(wp), se = opt.init(we);
    for (let i = 0; i < 8; i++) {
      const [vP, gP] = await vg(wp, x, y);
      const [vE, gE] = valueAndGrad(loss)(we, x, y);
      const [uP, nP] = opt.update(gP, sp, wp, { value: vP });
      const [uE, nE] = opt.update(gE, se, we, { value: vE });
      [wp, sp, we, se] = [optim.applyUpdates(wp, uP), nP, optim.applyUpdates(we, uE), nE];
    }
    assert.ok(Math.abs((wp.toArray() as number[])[0] - (we.toArray() as number[])[0]) < 1e-9);
    assert.ok(Math.abs((wp.toArray() as number[])[1] - (we.toArray() as number[])[1]) < 1e-9);
    // the plateau state reached the same scale (the rate was cut at least once on this problem)
    const scale = (s: unknown) => ((s as unknown[])[1] as optim.ReduceOnPlateauState).scale.item();
    assert.equal(scale(sp), scale(se));
    assert.ok((scale(se) as number) < 1, `scale ${scale(se)}`);
  });
});
