/**
 * The MLP training step the benchmarks share: an MLP of `sizes` (ReLU),
 * softmax cross-entropy on integer labels, Adam, the whole step under `jit` (with `donate`,
 * the parameters and Adam's state are donated: `jit`'s `donateArgnums`).
 */
import { jit, losses, nn, type np, optim, random, valueAndGrad } from "../mod.ts";

/** An MLP's parameters: one `{ w, b }` per layer. */
export type MlpParams = nn.DenseParams[];

/** Builds the model, its parameters (fresh, or given), Adam's state and the jitted step. */
export function mlpTrainStep(
  sizes: readonly number[],
  options: { learningRate?: number; params?: MlpParams; donate?: boolean } = {},
) {
  const model = nn.mlp(sizes);
  const opt = optim.adam(options.learningRate ?? 1e-3);
  const params: MlpParams = options.params ?? model.init(random.key(0));
  const state = opt.init(params);
  const lossFn = (p: MlpParams, x: np.NDArray, y: np.NDArray) =>
    losses.softmaxCrossEntropyWithIntegerLabels(model.apply(p, x), y).mean();
  const step = jit((p: MlpParams, s: typeof state, x: np.NDArray, y: np.NDArray) => {
    const [loss, g] = valueAndGrad(lossFn)(p, x, y);
    const [updates, next] = opt.update(g, s, p);
    return [optim.applyUpdates(p, updates), next, loss] as const;
  }, options.donate ? { donateArgnums: [0, 1] } : {});
  return { model, params, state, step };
}
