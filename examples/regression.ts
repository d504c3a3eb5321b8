/**
 * Mean-squared-error regression on a real table: predict a car's fuel economy
 * (miles per gallon) from six numeric columns of the `cars` data in the npm
 * package `vega-datasets`. Rows with missing values are dropped (and counted),
 * features are standardised on the training rows only, and two models are
 * fitted by full-batch gradient descent: a linear model and a small MLP.
 *
 *   deno run -A examples/regression.ts
 *   bun run examples/regression.ts
 *
 * Prints the held-out root-mean-squared error of each model next to the
 * baseline that always predicts the training mean.
 */
import { jit, losses, nn, np, optim, random, valueAndGrad } from "../mod.ts";
import { fitStandardizer, loadCars, splitRows } from "./_data.ts";

/** Held-out errors of the fitted models, in miles per gallon. */
export interface RegressionResult {
  rows: number;
  dropped: number;
  trainRows: number;
  testRows: number;
  baselineRmse: number;
  linearRmse: number;
  mlpRmse: number;
}

/** Fits both models and measures them on the held-out rows. */
export function fitCars(options: { steps?: number; verbose?: boolean } = {}): RegressionResult {
  const steps = options.steps ?? 2000;
  const cars = loadCars();
  const split = splitRows(cars.features, cars.target, cars.cols, { testFraction: 0.2, seed: 1 });
  const scaler = fitStandardizer(split.xTrain, cars.cols);
  const nTrain = split.yTrain.length, nTest = split.yTest.length;
  const xTrain = np.array(scaler.apply(split.xTrain), { shape: [nTrain, cars.cols] });
  const xTest = np.array(scaler.apply(split.xTest), { shape: [nTest, cars.cols] });
  const yTrain = np.array(split.yTrain), yTest = np.array(split.yTest);

  const rmse = (pred: np.NDArray) =>
    Math.sqrt(losses.meanSquaredError(pred, yTest).item() as number);
  const meanMpg = yTrain.mean().item() as number;
  const baselineRmse = rmse(np.full([nTest], meanMpg));

  // Any model: params -> predictions [n]; trained on the MSE with Adam.
  const fit = <P>(name: string, init: P, predict: (p: P, x: np.NDArray) => np.NDArray) => {
    const opt = optim.adam(0.01);
    const loss = (p: P) => losses.meanSquaredError(predict(p, xTrain), yTrain);
    const step = jit((p: P, s: ReturnType<typeof opt.init>) => {
      const [value, g] = valueAndGrad(loss)(p);
      const [updates, next] = opt.update(g, s, p);
      return [optim.applyUpdates(p, updates), next, value] as const;
    });
    let params = init, state = opt.init(params);
    for (let i = 1; i <= steps; i++) {
      const [p, s, value] = step(params, state);
      params = p;
      state = s;
      if (options.verbose && (i === 1 || i % 500 === 0)) {
        console.log(
          `${name.padEnd(6)} step ${String(i).padStart(4)}  train MSE ${
            (value.item() as number).toFixed(3)
          }`,
        );
      }
    }
    return rmse(predict(params, xTest));
  };

  const linearRmse = fit(
    "linear",
    { w: np.zeros([cars.cols]), b: np.array(meanMpg) },
    (p, x) => np.add(np.matmul(x, p.w), p.b),
  );
  const model = nn.mlp([cars.cols, 32, 1], { init: "heNormal" });
  const mlpRmse = fit(
    "mlp",
    model.init(random.key(0)),
    (p, x) => np.add(np.reshape(model.apply(p, x), [-1]), meanMpg),
  );
  return {
    rows: cars.rows,
    dropped: cars.dropped,
    trainRows: nTrain,
    testRows: nTest,
    baselineRmse,
    linearRmse,
    mlpRmse,
  };
}

if (import.meta.main) {
  const r = fitCars({ verbose: true });
  console.log(
    `cars: ${r.rows} rows used (${r.dropped} dropped for missing values), ` +
      `${r.trainRows} train / ${r.testRows} held out`,
  );
  console.log(`held-out RMSE, predicting the mean: ${r.baselineRmse.toFixed(2)} mpg`);
  console.log(`held-out RMSE, linear model:        ${r.linearRmse.toFixed(2)} mpg`);
  console.log(`held-out RMSE, MLP 6-32-1:          ${r.mlpRmse.toFixed(2)} mpg`);
}
