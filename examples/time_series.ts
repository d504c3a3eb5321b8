/**
 * Forecasting a real series with a recurrent network over `lax.scan`: the monthly Mauna Loa
 * CO₂ concentration (`co2-concentration.csv` of the npm package `vega-datasets`, 741 readings
 * from 1958). Split by time: the first 80% trains, the last 20% is held out. From the previous
 * 24 months a GRU predicts next month's change; the held-out RMSE (ppm) is printed beside
 * the naive baseline that repeats the last value.
 *
 *   deno run -A examples/time_series.ts     (or: bun run examples/time_series.ts)
 */
import { readFileSync } from "node:fs";
import {
  jit,
  lax,
  losses,
  type NDArray,
  nn,
  np,
  optim,
  random,
  tree,
  valueAndGrad,
} from "../mod.ts";

const WINDOW = 24;

/** A GRU over the window and a linear read-out, registered as a pytree. */
class Forecaster {
  constructor(
    readonly wx: NDArray, // [1, 3H]
    readonly wh: NDArray, // [H, 3H]
    readonly b: NDArray, // [3H]
    readonly wo: NDArray, // [H, 1]
    readonly bo: NDArray, // [1]
  ) {}

  /** Predicts the next change from windows [B, WINDOW] of (standardised) changes. */
  apply(windows: NDArray): NDArray {
    const B = windows.shape[0], H = this.wh.shape[0];
    const part = (g: NDArray, i: number) => g.slice(null, [i * H, (i + 1) * H]);
    const xs = np.reshape(np.transpose(windows, [1, 0]), [WINDOW, B, 1]);
    const [h] = lax.scan(
      (h: NDArray, x: NDArray) => {
        const gx = np.matmul(x, this.wx).add(this.b), gh = np.matmul(h, this.wh);
        const z = nn.sigmoid(part(gx, 0).add(part(gh, 0)));
        const r = nn.sigmoid(part(gx, 1).add(part(gh, 1)));
        const n = np.tanh(part(gx, 2).add(r.mul(part(gh, 2))));
        return [np.add(n.mul(np.sub(1, z)), z.mul(h)), null] as const;
      },
      np.zeros([B, H]),
      xs,
    );
    return np.reshape(np.matmul(h, this.wo).add(this.bo), [B]);
  }
}
tree.registerDataclass(Forecaster, ["wx", "wh", "b", "wo", "bo"]);

/** The monthly CO₂ readings, in order. */
export function loadCo2(): number[] {
  const url = new URL("../data/co2-concentration.csv", import.meta.resolve("vega-datasets"));
  return readFileSync(url, "utf8").trim().split("\n").slice(1).map((l) => Number(l.split(",")[1]));
}

/** What `forecastCo2` measured (RMSE in ppm on the held-out months). */
export interface ForecastResult {
  months: number;
  trainMonths: number;
  testMonths: number;
  modelRmse: number;
  lastValueRmse: number;
  firstLoss: number;
  lastLoss: number;
}

/** Trains the forecaster on the first 80% of the series and scores the rest. */
export function forecastCo2(options: { steps?: number; hidden?: number } = {}): ForecastResult {
  const steps = options.steps ?? 600, H = options.hidden ?? 16;
  const co2 = loadCo2();
  const diffs = co2.slice(1).map((v, i) => v - co2[i]); // diffs[i] = co2[i+1] − co2[i]
  const split = Math.floor(co2.length * 0.8);
  // standardise the changes with training statistics only
  const trainDiffs = diffs.slice(0, split - 1);
  const mean = trainDiffs.reduce((s, d) => s + d, 0) / trainDiffs.length;
  const std = Math.sqrt(trainDiffs.reduce((s, d) => s + (d - mean) ** 2, 0) / trainDiffs.length);
  const z = diffs.map((d) => (d - mean) / std);
  // a sample: the changes diffs[t−WINDOW..t−1] predict diffs[t], i.e. co2[t+1] from co2[..t]
  const samples = (from: number, to: number) => {
    const xs: number[] = [], ys: number[] = [], last: number[] = [], target: number[] = [];
    for (let t = Math.max(WINDOW, from); t < to; t++) {
      xs.push(...z.slice(t - WINDOW, t));
      ys.push(z[t]);
      last.push(co2[t]);
      target.push(co2[t + 1]);
    }
    const n = ys.length;
    return { x: np.array(xs, { shape: [n, WINDOW] }), y: np.array(ys), last, target, n };
  };
  const train = samples(0, split - 1), test = samples(split - 1, diffs.length);

  const k = random.split(random.key(0), 3);
  let model = new Forecaster(
    nn.glorotUniform(k[0], [1, 3 * H]),
    nn.glorotUniform(k[1], [H, 3 * H]),
    np.zeros([3 * H]),
    nn.glorotUniform(k[2], [H, 1]),
    np.zeros([1]),
  );
  const opt = optim.adam(0.01);
  let state = opt.init(model);
  const step = jit((m: Forecaster, s: ReturnType<typeof opt.init>) => {
    const [value, g] = valueAndGrad((m: Forecaster) =>
      losses.meanSquaredError(m.apply(train.x), train.y)
    )(m);
    const [updates, next] = opt.update(g, s, m);
    return [optim.applyUpdates(m, updates), next, value] as const;
  });
  let firstLoss = NaN, lastLoss = NaN;
  for (let i = 0; i < steps; i++) {
    const [m, s, loss] = step(model, state);
    model = m;
    state = s;
    lastLoss = loss.item() as number;
    if (i === 0) firstLoss = lastLoss;
  }
  const pred = model.apply(test.x).toTypedArray();
  const rmse = (p: ArrayLike<number>) =>
    Math.sqrt(test.target.reduce((s, t, i) => s + (p[i] - t) ** 2, 0) / test.n);
  return {
    months: co2.length,
    trainMonths: split,
    testMonths: test.n,
    modelRmse: rmse(test.last.map((l, i) => l + pred[i] * std + mean)),
    lastValueRmse: rmse(test.last),
    firstLoss,
    lastLoss,
  };
}

if (import.meta.main) {
  const r = forecastCo2();
  console.log(
    `${r.months} months; trained on the first ${r.trainMonths}, forecasting ${r.testMonths} ` +
      `held-out months one step ahead`,
  );
  console.log(
    `train MSE (standardised changes) ${r.firstLoss.toFixed(3)} → ${r.lastLoss.toFixed(3)}`,
  );
  console.log(
    `held-out RMSE: GRU ${r.modelRmse.toFixed(3)} ppm, last-value baseline ` +
      `${r.lastValueRmse.toFixed(3)} ppm`,
  );
}
