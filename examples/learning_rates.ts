/**
 * The learning rate made visible: one small network (an MLP 784-128-10 on the
 * MNIST digits), one data order, one initialisation — trained with plain
 * gradient descent at a too-small, a good and a too-large rate, with momentum,
 * with the adaptive rates of Adagrad and Adam, and with an exponentially
 * decayed rate. All loss curves go into one SVG (log scale; a run that
 * diverges stops where its loss stops being finite).
 *
 *   deno run -A examples/learning_rates.ts [--steps 400] [--out out]
 *   bun run examples/learning_rates.ts
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { jit, lineChart, losses, nn, np, optim, random, schedules, valueAndGrad } from "../mod.ts";
import { loadMnist } from "./_data.ts";

/** One optimiser setting to compare. */
export interface Run {
  name: string;
  optimizer: optim.GradientTransformation;
}

/** The settings of the comparison. */
export function runs(): Run[] {
  const g = (o: optim.GradientTransformation): optim.GradientTransformation => o;
  return [
    { name: "SGD lr 0.001 (too small)", optimizer: g(optim.sgd(0.001)) },
    { name: "SGD lr 0.1 (good)", optimizer: g(optim.sgd(0.1)) },
    { name: "SGD lr 5 (too large)", optimizer: g(optim.sgd(5)) },
    { name: "SGD lr 0.05 + momentum 0.9", optimizer: g(optim.sgd(0.05, { momentum: 0.9 })) },
    { name: "Adagrad lr 0.05", optimizer: g(optim.adagrad(0.05)) },
    { name: "Adam lr 0.001", optimizer: g(optim.adam(0.001)) },
    {
      name: "SGD 0.5, halved every 50",
      optimizer: g(optim.sgd(schedules.exponentialDecay({
        initValue: 0.5,
        transitionSteps: 50,
        decayRate: 0.5,
        staircase: true,
      }))),
    },
  ];
}

/** Trains each setting for `steps` steps and returns the loss after every `every` steps. */
export async function compareLearningRates(
  options: { steps?: number; every?: number; verbose?: boolean } = {},
): Promise<{ name: string; steps: number[]; loss: number[] }[]> {
  const steps = options.steps ?? 400, every = options.every ?? 10, batch = 64;
  const data = await loadMnist({ seed: 0 });
  const model = nn.mlp([784, 128, 10]);
  const init = model.init(random.key(0));
  type P = typeof init;
  const loss = (p: P, x: np.NDArray, y: np.NDArray) =>
    losses.softmaxCrossEntropyWithIntegerLabels(model.apply(p, x), y).mean();
  const nTrain = data.trainLabels.length;
  const batchAt = (i: number): [np.NDArray, np.NDArray] => {
    const start = (i * batch) % (nTrain - batch);
    return [
      np.array(data.trainImages.subarray(start * 784, (start + batch) * 784), {
        shape: [batch, 784],
      }),
      np.array(data.trainLabels.subarray(start, start + batch)),
    ];
  };
  const results = [];
  for (const run of runs()) {
    const opt = run.optimizer;
    const step = jit((p: P, s: ReturnType<typeof opt.init>, x: np.NDArray, y: np.NDArray) => {
      const [value, g] = valueAndGrad(loss)(p, x, y);
      const [updates, next] = opt.update(g, s, p);
      return [optim.applyUpdates(p, updates as P), next, value] as const;
    });
    let params = init, state = opt.init(init);
    const xs: number[] = [], ys: number[] = [];
    let acc = 0;
    for (let i = 0; i < steps; i++) {
      const [x, y] = batchAt(i);
      const [p, s, value] = step(params, state, x, y);
      params = p;
      state = s;
      acc += value.item() as number;
      if ((i + 1) % every === 0) {
        xs.push(i + 1);
        ys.push(acc / every);
        acc = 0;
      }
    }
    if (options.verbose) {
      console.log(`${run.name.padEnd(36)} final loss ${ys[ys.length - 1].toPrecision(4)}`);
    }
    results.push({ name: run.name, steps: xs, loss: ys });
  }
  return results;
}

if (import.meta.main) {
  const args = (globalThis as { Deno?: { args: string[] } }).Deno?.args ??
    (globalThis as unknown as { process: { argv: string[] } }).process.argv.slice(2);
  const at = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const outDir = at("out") ?? "out";
  const results = await compareLearningRates({
    steps: at("steps") ? Number(at("steps")) : undefined,
    verbose: true,
  });
  mkdirSync(outDir, { recursive: true });
  const svg = lineChart(
    results.map((r) => ({ name: r.name, x: r.steps, y: r.loss })),
    {
      title: "Learning rates: training loss of an MLP 784-128-10 on MNIST",
      xLabel: "step",
      yLabel: "mean loss over 10 steps",
      logY: true,
      width: 900,
      height: 520,
    },
  );
  writeFileSync(`${outDir}/learning_rates.svg`, svg);
  console.log(`loss curves: ${outDir}/learning_rates.svg`);
}
