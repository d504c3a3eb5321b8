/**
 * A small convolutional network on the same MNIST split as mnist_mlp.ts:
 * conv 3×3×16 → ReLU → max-pool 2 → conv 3×3×32 → ReLU → max-pool 2 →
 * dense 1568→128 → ReLU → dense 128→10, trained with Adam and a cosine-decayed
 * rate; the training step is compiled with `jit`.
 *
 *   deno run -A examples/mnist_cnn.ts [--epochs 8] [--batch 64] [--steps N]
 *   bun run examples/mnist_cnn.ts
 *
 * Ends with `test accuracy: 0.xxxx` on the 2,000 held-out digits.
 */
import {
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

const conv1 = nn.conv2dLayer(1, 16, 3, { padding: "SAME" });
const conv2 = nn.conv2dLayer(16, 32, 3, { padding: "SAME" });
const head = nn.mlp([7 * 7 * 32, 128, 10], { init: "heNormal" });

/** The network's parameters: a plain pytree. */
export interface CnnParams {
  conv1: nn.ConvParams;
  conv2: nn.ConvParams;
  head: nn.DenseParams[];
}

/** Creates the parameters from a key. */
export function initCnn(key: np.NDArray): CnnParams {
  const [k1, k2, k3] = random.split(key, 3);
  return { conv1: conv1.init(k1), conv2: conv2.init(k2), head: head.init(k3) };
}

/** Forward propagation: images [N, 784] in [0, 1] → logits [N, 10]. */
export function cnnLogits(p: CnnParams, images: np.NDArray): np.NDArray {
  let h = np.reshape(images, [-1, 28, 28, 1]);
  h = nn.maxPool2d(nn.relu(conv1.apply(p.conv1, h)), 2); // [N, 14, 14, 16]
  h = nn.maxPool2d(nn.relu(conv2.apply(p.conv2, h)), 2); // [N, 7, 7, 32]
  return head.apply(p.head, np.reshape(h, [h.shape[0], 7 * 7 * 32]));
}

/** Trains the network and returns the held-out accuracy. */
export async function trainMnistCnn(
  options: { epochs?: number; batchSize?: number; maxSteps?: number; verbose?: boolean } = {},
): Promise<{ testAccuracy: number; firstLoss: number; lastLoss: number; seconds: number }> {
  const epochs = options.epochs ?? 8, batch = options.batchSize ?? 64;
  const data = await loadMnist({ seed: 0 });
  const nTrain = data.trainLabels.length;
  const stepsPerEpoch = Math.floor(nTrain / batch);
  const total = Math.min(options.maxSteps ?? Infinity, epochs * stepsPerEpoch);
  const opt = optim.adam(schedules.cosineDecay({ initValue: 2e-3, decaySteps: total }));
  const root = random.key(0);
  let params = initCnn(random.foldIn(root, 0));
  let state = opt.init(params);
  const loss = (p: CnnParams, x: np.NDArray, y: np.NDArray) =>
    losses.softmaxCrossEntropyWithIntegerLabels(cnnLogits(p, x), y).mean();
  const step = jit((p: CnnParams, s: typeof state, x: np.NDArray, y: np.NDArray) => {
    const [value, g] = valueAndGrad(loss)(p, x, y);
    const [updates, next] = opt.update(g, s, p);
    return [optim.applyUpdates(p, updates), next, value] as const;
  });
  const started = performance.now();
  const xb = new Float32Array(batch * 784), yb = new Int32Array(batch);
  let n = 0, firstLoss = NaN, lastLoss = NaN;
  for (let epoch = 0; epoch < epochs && n < total; epoch++) {
    const order = random.permutation(random.foldIn(root, 100 + epoch), nTrain).toTypedArray();
    const steps = Math.min(stepsPerEpoch, total - n);
    const bar = options.verbose === false ? undefined : progressBar({
      total: steps,
      label: `epoch ${epoch + 1}/${epochs}`,
      examplesPerStep: batch,
    });
    for (let b = 0; b < steps; b++, n++) {
      for (let i = 0; i < batch; i++) {
        const r = order[b * batch + i];
        xb.set(data.trainImages.subarray(r * 784, r * 784 + 784), i * 784);
        yb[i] = data.trainLabels[r];
      }
      const [p, s, value] = step(
        params,
        state,
        np.array(xb, { shape: [batch, 784] }),
        np.array(yb),
      );
      params = p;
      state = s;
      lastLoss = value.item() as number;
      if (Number.isNaN(firstLoss)) firstLoss = lastLoss;
      bar?.update(b + 1, { loss: lastLoss });
    }
    bar?.done();
  }
  let correct = 0;
  const nTest = data.testLabels.length;
  for (let start = 0; start < nTest; start += 250) {
    const end = Math.min(nTest, start + 250);
    const x = np.array(data.testImages.subarray(start * 784, end * 784), {
      shape: [end - start, 784],
    });
    const pred = np.argmax(cnnLogits(params, x), { axis: -1 }).toTypedArray();
    for (let i = 0; i < end - start; i++) if (pred[i] === data.testLabels[start + i]) correct++;
  }
  return {
    testAccuracy: correct / nTest,
    firstLoss,
    lastLoss,
    seconds: (performance.now() - started) / 1000,
  };
}

if (import.meta.main) {
  const args = (globalThis as { Deno?: { args: string[] } }).Deno?.args ??
    (globalThis as unknown as { process: { argv: string[] } }).process.argv.slice(2);
  const at = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : undefined;
  };
  const r = await trainMnistCnn({
    epochs: at("epochs"),
    batchSize: at("batch"),
    maxSteps: at("steps"),
  });
  console.log(`trained in ${r.seconds.toFixed(1)} s`);
  console.log(`test accuracy: ${r.testAccuracy.toFixed(4)}`);
}
