/**
 * jit benchmarks (Deno): `deno bench -A bench/jit_bench.ts`.
 *
 * 1. The gradient of sum(tanh(x)·sin(x) + x²) over 1M float32: eager vs jit
 *    (the compiled gradient is one fused loop).
 * 2. Dispatch: a jitted 5-op function on a 10-element input, where the call
 *    cost is the signature check and the executable's bookkeeping.
 */
import { grad, jit, np } from "../mod.ts";

const n = 1 << 20;
const x = np.linspace(-3, 3, n);
const loss = (x: np.NDArray) => x.tanh().mul(x.sin()).add(x.mul(x)).sum();
const gradEager = grad(loss);
const gradJit = jit(grad(loss));
gradJit(x); // trace and compile outside the timing

Deno.bench({
  name: "grad of sum(tanh(x)·sin(x) + x²), 1M f32, eager",
  group: "grad 1M",
  baseline: true,
  fn() {
    gradEager(x);
  },
});
Deno.bench({
  name: "grad of sum(tanh(x)·sin(x) + x²), 1M f32, jit",
  group: "grad 1M",
  fn() {
    gradJit(x);
  },
});

const small = np.linspace(0, 1, 10);
const five = (x: np.NDArray) => x.mul(2).add(1).tanh().mul(x).sub(0.5);
const fiveJit = jit(five);
fiveJit(small);

Deno.bench({
  name: "5-op function on 10 elements, eager",
  group: "dispatch",
  baseline: true,
  fn() {
    five(small);
  },
});
Deno.bench({
  name: "5-op function on 10 elements, jit (cache hit)",
  group: "dispatch",
  fn() {
    fiveJit(small);
  },
});
