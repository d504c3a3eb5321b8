/**
 * The MNIST demo's training step for the step benchmarks (bench/jit_profile.ts,
 * bench/jit_step_ab.ts): examples/mnist_mlp.ts's model and optimizer — 784-512-256-10, dropout
 * 0.2, batch 64, Adam with a cosine schedule, a fresh dropout key per step — on synthetic
 * inputs of the same shapes.
 */

/** The library namespace the step is built from (this tree's, or another tree's for an A/B). */
export type Lib = typeof import("../mod.ts");

/** Deterministic inputs in [0, 1): sin of the index, shifted by `seed`. */
export const filled = (n: number, seed: number): Float32Array =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed) * 0.5 + 0.5);

/** Builds the jitted step with `lib`; each call of the result runs one step. */
export function mnistTrainStep(lib: Lib): () => void {
  const { jit, losses, nn, np, optim, random, schedules, valueAndGrad } = lib;
  type NDArray = InstanceType<Lib["np"]["NDArray"]>;
  const model = nn.mlp([784, 512, 256, 10], { dropout: 0.2 });
  type Params = ReturnType<typeof model.init>;
  const opt = optim.adam(schedules.cosineDecay({ initValue: 1e-3, decaySteps: 2500 }));
  const root = random.key(0);
  let params = model.init(random.foldIn(root, 0));
  let state = opt.init(params);
  const lossFn = (p: Params, x: NDArray, y: NDArray, key: NDArray) =>
    losses.softmaxCrossEntropyWithIntegerLabels(model.apply(p, x, { key }), y).mean();
  const step = jit((p: Params, s: typeof state, x: NDArray, y: NDArray, key: NDArray) => {
    const [loss, grads] = valueAndGrad(lossFn)(p, x, y, key);
    const [updates, next] = opt.update(grads, s, p);
    return [optim.applyUpdates(p, updates), next, loss] as const;
  }, { donateArgnums: [0, 1] });
  const x = np.array(filled(64 * 784, 2), { shape: [64, 784] });
  const y = np.array(Int32Array.from({ length: 64 }, (_, i) => (i * 3) % 10));
  let n = 0;
  return () => {
    const out = step(params, state, x, y, random.foldIn(root, 1 + n++));
    params = out[0];
    state = out[1];
    out[2].item();
  };
}
