/**
 * Grouped and depthwise convolutions, measured: `nn.conv2d(x, w, { groups })`
 * (one gather from a group-major copy of the input, one batched matmul) against
 * the same convolution written as a loop over the groups (G slices, G conv2d
 * calls, one concatenate), forward + gradients wrt input and kernel, eager and
 * under `jit`; batch 16, 16×16×32 → 32, 3×3 SAME, groups 4 and 32 (depthwise).
 * Prints the median of 7 runs after 2 warm-ups, in ms.
 *
 *   deno run -A bench/conv_groups_bench.ts      (or: bun run bench/conv_groups_bench.ts)
 */
import { grad, jit, type NDArray, nn, np, random } from "../mod.ts";

const [n, h, w, c, o] = [16, 16, 16, 32, 32];
const x = random.normal(random.key(0), [n, h, w, c]);

/** The grouped convolution as G separate conv2d calls on channel slices. */
function perGroup(x: NDArray, k: NDArray, groups: number): NDArray {
  const cg = c / groups, og = o / groups;
  const parts = Array.from({ length: groups }, (_, g) =>
    nn.conv2d(
      np.slice(x, [null, null, null, [g * cg, (g + 1) * cg]]),
      np.slice(k, [null, null, null, [g * og, (g + 1) * og]]),
      { padding: "SAME" },
    ));
  return np.concatenate(parts, 3);
}

function median(f: () => unknown, reps = 7): string {
  f();
  f();
  const t: number[] = [];
  for (let r = 0; r < reps; r++) {
    const s = performance.now();
    f();
    t.push(performance.now() - s);
  }
  t.sort((a, b) => a - b);
  return t[reps >> 1].toFixed(1);
}

for (const groups of [4, 32]) {
  const k = random.normal(random.key(1), [3, 3, c / groups, o]);
  const grouped = grad(
    (a: NDArray, b: NDArray) => nn.conv2d(a, b, { padding: "SAME", groups }).square().sum(),
    { argnums: [0, 1] },
  );
  const looped = grad((a: NDArray, b: NDArray) => perGroup(a, b, groups).square().sum(), {
    argnums: [0, 1],
  });
  const [jg, jl] = [jit(grouped), jit(looped)];
  console.log(
    `groups ${groups}: eager grouped ${median(() => grouped(x, k))} ms, per-group loop ` +
      `${median(() => looped(x, k))} ms; jit grouped ${median(() => jg(x, k))} ms, per-group ` +
      `loop ${median(() => jl(x, k))} ms`,
  );
}
