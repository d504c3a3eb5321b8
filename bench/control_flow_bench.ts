/**
 * Control flow and rematerialisation, measured:
 *
 * 1. A tanh RNN (batch 32, hidden 64) over T steps, `jit(grad(loss))` with the loop as
 *    `lax.scan` vs unrolled in JS: equations in the trace, first call (trace + compile),
 *    then time per call.
 * 2. A 16-layer tanh MLP (width 256, batch 512), `grad` plain vs each block of 4 layers
 *    `checkpoint`ed:
 *    bytes of residuals kept between the forward and the backward pass (the constants of the
 *    linear program `linearize` stages, counted by the program), RSS while they are held, and
 *    time per gradient.
 *
 *   deno run -A bench/control_flow_bench.ts      (or: bun run bench/control_flow_bench.ts)
 */
import { checkpoint, grad, jit, lax, makeJaxpr, type NDArray, np, random } from "../mod.ts";
import { linearProgram } from "../src/transforms/autodiff.ts";
import { STORAGE_BYTES } from "../src/core/_dtype.ts";

const BYTES = STORAGE_BYTES;
const rss = () =>
  (globalThis as { process?: { memoryUsage(): { rss: number } } }).process!
    .memoryUsage().rss;
const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MB`;

function time(f: () => unknown, reps: number): number {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) f();
  return (performance.now() - t0) / reps;
}

// ---- 1. scan vs unrolled -----------------------------------------------------------------

const B = 32, H = 64;
const keys = random.split(random.key(0), 3);
const w = random.normal(keys[0], [H, H]).mul(0.1), u = random.normal(keys[1], [H, H]).mul(0.1);
const rnnLoss = (T: number, unrolled: boolean) => (w: NDArray, xs: NDArray) => {
  const h0 = np.zeros([B, H]);
  const cell = (h: NDArray, x: NDArray) => np.tanh(np.matmul(h, w).add(np.matmul(x, u)));
  if (!unrolled) {
    return lax.scan((h: NDArray, x: NDArray) => [cell(h, x), null] as const, h0, xs)[0].square()
      .mean();
  }
  let h = h0;
  for (let t = 0; t < T; t++) h = cell(h, xs.slice(t));
  return h.square().mean();
};
console.log("RNN (batch 32, hidden 64), jit(grad(loss)):");
for (const T of [10, 50, 200]) {
  const xs = random.normal(keys[2], [T, B, H]);
  for (const unrolled of [false, true]) {
    const f = rnnLoss(T, unrolled);
    const eqns = makeJaxpr(grad(f))(w, xs).eqns.length;
    const g = jit(grad(f));
    const t0 = performance.now();
    g(w, xs);
    const first = performance.now() - t0;
    const per = time(() => g(w, xs), 5);
    console.log(
      `  T=${String(T).padStart(3)} ${unrolled ? "unrolled" : "scan    "}  ${
        String(eqns).padStart(5)
      } eqns  first call ${first.toFixed(0).padStart(5)} ms  then ${per.toFixed(1)} ms/call`,
    );
  }
}

// ---- 2. checkpoint ---------------------------------------------------------------------------

const L = 16, W = 256, N = 512, PER_BLOCK = 4;
const ws = random.split(random.key(1), L).map((k) => random.normal(k, [W, W]).mul(1 / 16));
const x = random.normal(random.key(2), [N, W]);
const layer = (h: NDArray, w: NDArray) => np.tanh(np.matmul(h, w));
/** Four layers in one function, so that checkpointing it keeps only the block's input. */
const block4 = (h: NDArray, w0: NDArray, w1: NDArray, w2: NDArray, w3: NDArray) =>
  layer(layer(layer(layer(h, w0), w1), w2), w3);
const net = (block: typeof block4) => (x: NDArray, ...ws: NDArray[]) => {
  let h = x;
  for (let i = 0; i < ws.length; i += PER_BLOCK) {
    h = block(h, ...ws.slice(i, i + 4) as [NDArray, NDArray, NDArray, NDArray]);
  }
  return h.square().mean();
};
console.log(
  `\n${L}-layer tanh MLP (width ${W}, batch ${N}), blocks of ${PER_BLOCK}, grad w.r.t. every weight:`,
);
for (
  const [name, block] of [
    ["plain", block4],
    ["checkpoint", checkpoint(block4)],
    ["checkpoint dots_saveable", checkpoint(block4, { policy: "dots_saveable" })],
  ] as const
) {
  const f = net(block);
  const before = rss();
  const lin = linearProgram(f, x, ...ws);
  const held = rss() - before;
  const bytes = lin.consts.reduce((s, c) => s + c.size * BYTES[c.dtype], 0);
  const g = grad(f, { argnums: [...Array(L + 1).keys()].slice(1) });
  const per = time(() => g(x, ...ws), 3);
  console.log(
    `  ${name.padEnd(25)} residuals ${String(lin.consts.length).padStart(3)} arrays, ${
      mb(bytes).padStart(8)
    } (RSS +${mb(Math.max(0, held))} while held)  grad ${per.toFixed(1)} ms`,
  );
}
