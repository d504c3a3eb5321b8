/**
 * Transform and kernel benchmarks (Deno): `deno bench -A bench/kernels_bench.ts`.
 *
 * The difftrace side of bench/peers.ts, per piece, for profiling and regressions:
 * - MLP 784-256-256-10 training step (batch 128, Adam), `jit` over the whole step;
 * - conv2d forward + backward, batch 32, 28×28×16 → 32, 3×3 SAME, jitted, and its
 *   im2col gather and col2im scatter alone;
 * - the gradient of a fused elementwise chain over 1M float32 (one fused loop);
 * - cache-hit dispatch of a jitted 5-op function on 10 elements;
 * - transposes (the blocked kernel) of the shapes backprop produces.
 */
import { grad, jit, nn, np, random } from "../mod.ts";
import { mlpTrainStep } from "./_mlp_step.ts";

// ---- MLP training step ----------------------------------------------------------------
{
  const mlp = mlpTrainStep([784, 256, 256, 10]);
  let { params, state } = mlp;
  const { step } = mlp;
  const x = random.normal(random.key(1), [128, 784]);
  const y = np.array(Int32Array.from({ length: 128 }, (_, i) => (i * 7) % 10));
  [params, state] = step(params, state, x, y);
  Deno.bench({
    name: "MLP 784-256-256-10 train step, batch 128 (jit)",
    group: "training",
    fn() {
      [params, state] = step(params, state, x, y);
    },
  });
}

// ---- conv2d -----------------------------------------------------------------------------
{
  const x = random.normal(random.key(3), [32, 28, 28, 16]);
  const w = random.normal(random.key(4), [3, 3, 16, 32]).mul(0.1);
  const loss = (x: np.NDArray, w: np.NDArray) => nn.conv2d(x, w, { padding: "SAME" }).sum();
  const g = jit(grad(loss, { argnums: [0, 1] }));
  const fwd = jit((x: np.NDArray, w: np.NDArray) => nn.conv2d(x, w, { padding: "SAME" }));
  g(x, w), fwd(x, w);
  Deno.bench({
    name: "conv2d fwd+bwd 32×28×28×16 → 32, 3×3 SAME (jit)",
    group: "conv2d",
    baseline: true,
    fn() {
      g(x, w);
    },
  });
  Deno.bench({
    name: "conv2d forward only (jit)",
    group: "conv2d",
    fn() {
      fwd(x, w);
    },
  });
  const pixels = np.reshape(x, [32, 784, 16]);
  const idx = np.array(Int32Array.from({ length: 7056 }, (_, i) => (i * 37) % 784));
  const cols = np.take(pixels, idx, 1);
  Deno.bench({
    name: "im2col gather: take [32, 784, 16] at 7056 taps",
    group: "conv2d",
    fn() {
      np.take(pixels, idx, 1);
    },
  });
  // the gradient is scatter_add(ct): ct is an argument, so jit cannot fold it away
  const scatter = jit(grad((p: np.NDArray, ct: np.NDArray) => np.take(p, idx, 1).mul(ct).sum()));
  scatter(pixels, cols);
  Deno.bench({
    name: "col2im scatter: grad of the gather (scatter_add)",
    group: "conv2d",
    fn() {
      scatter(pixels, cols);
    },
  });
}

// ---- fused chain and dispatch ---------------------------------------------------------------
{
  const x = np.linspace(-3, 3, 1 << 20);
  const g = jit(grad((x: np.NDArray) => x.tanh().mul(x.sin()).add(x.mul(x)).sum()));
  g(x);
  Deno.bench({
    name: "grad of sum(tanh(x)·sin(x) + x²), 1M f32 (jit)",
    group: "elementwise",
    fn() {
      g(x);
    },
  });
  const small = np.linspace(0, 1, 10);
  const five = jit((x: np.NDArray) => x.mul(2).add(1).tanh().mul(x).sub(0.5));
  five(small);
  Deno.bench({
    name: "dispatch: jitted 5-op function on 10 elements (cache hit)",
    group: "dispatch",
    fn() {
      five(small);
    },
  });
}

// ---- transposes -------------------------------------------------------------------------------
for (const [r, c] of [[128, 784], [256, 256], [25088, 144]]) {
  const x = random.normal(random.key(r), [r, c]);
  Deno.bench({
    name: `transpose [${r}, ${c}] float32`,
    group: "transpose",
    fn() {
      np.transpose(x);
    },
  });
}
