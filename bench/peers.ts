/**
 * difftrace against its peers, the same float32 workloads: TensorFlow.js (cpu backend),
 * TensorFlow.js (wasm backend, SIMD) and jax-js (wasm device) in this process, and JAX/XLA
 * on the CPU (`jax`, a Python subprocess running `bench/_jax_peer.py` on the same inputs;
 * skipped with one line when `python3 -c "import jax"` fails).
 *
 *     deno run -A bench/peers.ts [--quick] [--only matmul,mlp,chain,dispatch,conv,selu]
 *                                [--peers difftrace,tfjs-cpu,tfjs-wasm,jax-js,jax]
 *                                [--rounds 3] [--json FILE]
 *     bun run bench/peers.ts [same flags]
 *
 * `--rounds N` measures every cell N times, the peers alternating within each round, and
 * reports the median over rounds (the JSON has every round's figure).
 *
 * Workloads:
 *  1. matmul of square matrices, n = 128, 256, 512, 1024 (quick: 256, 512): GFLOP/s;
 *  2. one training step of an MLP 784-256-256-10 (ReLU, softmax cross-entropy, Adam,
 *     batch 128): difftrace `jit` over the whole step, jax-js `jit` over the whole step,
 *     TF.js `optimizer.minimize`;
 *  3. the gradient of sum(tanh(x)·sin(x) + x²) over 1M elements (jitted where the peer can);
 *  4. cache-hit dispatch of a jitted 5-op function on 10 elements (TF.js has no jit: eager);
 *  5. conv2d forward + backward (both gradients), batch 32, 28×28×16 → 32 channels, 3×3,
 *     SAME padding (jax-js is NCHW/OIHW, the others NHWC/HWIO);
 *  6. SELU, λ·where(x > 0, x, α·exp(x) − α), over 1M elements: jitted, and eager.
 *
 * Each cell is mitata's median over repeated runs after warm-up; the "×" columns are
 * peer time / difftrace time (above 1: difftrace is faster). jax-js runs its kernels
 * on Web Workers (both cores here) and is awaited with `blockUntilReady`; difftrace and
 * TF.js run on the calling thread.
 *
 * @module
 */
import process from "node:process";
import { existsSync, writeFileSync } from "node:fs";
import { measure } from "mitata";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import * as jax from "@jax-js/jax";
import { grad, jit, nn, np } from "../mod.ts";
import { mlpTrainStep } from "./_mlp_step.ts";

// ---- flags ------------------------------------------------------------------------------

const argv = process.argv.slice(2);
function flag(name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  if (i >= 0) return argv[i + 1];
  const eq = argv.find((a) => a.startsWith(`--${name}=`));
  return eq?.slice(name.length + 3);
}
const quick = argv.includes("--quick");
const PEERS = ["difftrace", "tfjs-cpu", "tfjs-wasm", "jax-js", "jax"] as const;
type Peer = typeof PEERS[number];
const peers = (flag("peers")?.split(",") ?? [...PEERS]) as Peer[];
const only = flag("only")?.split(",");
const jsonOut = flag("json");
const rounds = Math.max(1, Number(flag("rounds") ?? 1));
const runtime = process.versions.bun
  ? `Bun ${process.versions.bun}`
  : `Deno ${(process.versions as Record<string, string>).deno}`;

// ---- deterministic inputs, shared by every peer ----------------------------------------

/** Uniform values in [−scale, scale) from a fixed LCG, so every peer sees the same data. */
function filled(n: number, seed: number, scale = 1): Float32Array<ArrayBuffer> {
  const x = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = (s / 2 ** 31 - 1) * scale;
  }
  return x;
}
function labels(n: number, classes: number, seed: number): Int32Array<ArrayBuffer> {
  const u = filled(n, seed);
  return Int32Array.from(u, (v) => Math.min(classes - 1, Math.floor((v + 1) / 2 * classes)));
}
function oneHotOf(y: Int32Array, classes: number): Float32Array<ArrayBuffer> {
  const out = new Float32Array(y.length * classes);
  y.forEach((c, i) => (out[i * classes + c] = 1));
  return out;
}

// ---- peers' set-up ---------------------------------------------------------------------

const wasmDir = new URL("../node_modules/@tensorflow/tfjs-backend-wasm/dist/", import.meta.url);
/** Switches TF.js to `backend`, quieting its "install tfjs-node" banner. */
async function tfBackend(backend: "cpu" | "wasm"): Promise<void> {
  if (tf.getBackend() === backend) return;
  if (backend === "wasm") {
    if (!existsSync(wasmDir)) {
      throw new Error(`TF.js wasm files not found in ${wasmDir.pathname}: run 'deno install'.`);
    }
    setWasmPaths(wasmDir.href);
  }
  const log = console.log, warn = console.warn;
  console.log = console.warn = () => {};
  try {
    if (!(await tf.setBackend(backend))) throw new Error(`TF.js backend ${backend} failed`);
    await tf.ready();
  } finally {
    console.log = log, console.warn = warn;
  }
}

/** Runs `f` with console.log/warn silenced (TF.js prints an "install tfjs-node" banner). */
async function quiet<T>(f: () => Promise<T>): Promise<T> {
  const log = console.log, warn = console.warn;
  console.log = console.warn = () => {};
  try {
    return await f();
  } finally {
    console.log = log, console.warn = warn;
  }
}

const jnp = jax.numpy;
type JArray = jax.Array;
let jaxReady = false;
async function jaxInit(): Promise<void> {
  if (jaxReady) return;
  await jax.init("wasm");
  jax.defaultDevice("wasm");
  jaxReady = true;
}

// ---- cases -----------------------------------------------------------------------------

/** A prepared run of one workload on one peer (`ms`: already timed by the peer itself). */
interface Prepared {
  run: () => unknown;
  dispose?: () => void;
  ms?: number;
}

// ---- JAX/XLA: a Python subprocess (bench/_jax_peer.py) -----------------------------------

let jaxProc: ReturnType<typeof spawn> | undefined;
const jaxLines: ((line: string) => void)[] = [];
const jaxDir = mkdtempSync(join(tmpdir(), "difftrace-jax-"));
let jaxSkip: string | undefined;
if (peers.includes("jax")) {
  const probe = spawnSync("python3", ["-c", "import jax"], { encoding: "utf8" });
  if (probe.status !== 0) {
    jaxSkip = 'JAX/XLA peer skipped: `python3 -c "import jax"` failed';
    console.error(jaxSkip);
  }
}
function jaxRequest(req: unknown): Promise<Record<string, unknown>> {
  if (!jaxProc) {
    const script = new URL("./_jax_peer.py", import.meta.url).pathname;
    jaxProc = spawn("python3", [script], { stdio: ["pipe", "pipe", "inherit"] });
    let buf = "";
    jaxProc.stdout!.on("data", (d: Uint8Array) => {
      buf += new TextDecoder().decode(d);
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        jaxLines.shift()?.(line);
      }
    });
    jaxLines.push(() => {}); // the "ready" line
  }
  return new Promise((resolve) => {
    jaxLines.push((line) => resolve(JSON.parse(line)));
    jaxProc!.stdin!.write(JSON.stringify(req) + "\n");
  });
}
/** Times `workload` in JAX on the given inputs (written to files for the subprocess). */
async function jaxTimed(
  workload: string,
  inputs: Record<string, Float32Array | Int32Array>,
): Promise<Prepared> {
  if (jaxSkip) throw new Error("n/a (no JAX)");
  const paths: Record<string, string> = {};
  for (const [k, v] of Object.entries(inputs)) {
    const path = join(jaxDir, `${workload.replaceAll(/\W/g, "_")}_${k}.bin`);
    writeFileSync(path, new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    paths[k] = path;
  }
  const r = await jaxRequest({ workload, inputs: paths });
  if (typeof r.ms !== "number") throw new Error(String(r.error));
  return { run: () => {}, ms: r.ms };
}
interface Case {
  workload: string;
  /** How a time is shown: ms, µs, or GFLOP/s for `flops` floating-point operations. */
  unit: "ms" | "µs" | "GFLOP/s";
  flops?: number;
  prepare: Partial<Record<Peer, () => Promise<Prepared>>>;
}

function matmulCase(n: number): Case {
  const a = filled(n * n, 1), b = filled(n * n, 2);
  return {
    workload: `matmul ${n}`,
    unit: "GFLOP/s",
    flops: 2 * n * n * n,
    prepare: {
      "difftrace": () => {
        const x = np.array(a, { shape: [n, n] }), y = np.array(b, { shape: [n, n] });
        return Promise.resolve({ run: () => np.matmul(x, y) });
      },
      "tfjs-cpu": () => tfMatmul("cpu", n, a, b),
      "tfjs-wasm": () => tfMatmul("wasm", n, a, b),
      "jax": () => jaxTimed(`matmul ${n}`, { a, b }),
      "jax-js": async () => {
        await jaxInit();
        const x = jnp.array(a).reshape([n, n]), y = jnp.array(b).reshape([n, n]);
        return {
          run: async () => (await jax.blockUntilReady(jnp.matmul(x.ref, y.ref))).dispose(),
          dispose: () => (x.dispose(), y.dispose()),
        };
      },
    },
  };
}
async function tfMatmul(
  backend: "cpu" | "wasm",
  n: number,
  a: Float32Array,
  b: Float32Array,
): Promise<Prepared> {
  await tfBackend(backend);
  const x = tf.tensor2d(a, [n, n]), y = tf.tensor2d(b, [n, n]);
  return { run: () => tf.matMul(x, y).dispose(), dispose: () => tf.dispose([x, y]) };
}

// MLP 784-256-256-10, batch 128
const SIZES = [784, 256, 256, 10], BATCH = 128, LR = 1e-3;
const mlpX = filled(BATCH * 784, 11), mlpY = labels(BATCH, 10, 12);
/** Glorot-uniform-like initial weights from the shared LCG. */
const mlpW = SIZES.slice(1).map((out, i) =>
  filled(SIZES[i] * out, 20 + i, Math.sqrt(6 / (SIZES[i] + out)))
);

function mlpCase(donate = false): Case {
  const jaxInputs = () => ({
    x: mlpX,
    y: mlpY,
    ...Object.fromEntries(mlpW.map((w, i) => [`w${i}`, w])),
  });
  const difftrace = () => {
    const mlp = mlpTrainStep(SIZES, {
      learningRate: LR,
      donate,
      params: mlpW.map((w, i) => ({
        w: np.array(w, { shape: [SIZES[i], SIZES[i + 1]] }),
        b: np.zeros([SIZES[i + 1]]),
      })),
    });
    let { params, state } = mlp;
    const { step } = mlp;
    const x = np.array(mlpX, { shape: [BATCH, 784] }), y = np.array(mlpY);
    return Promise.resolve({
      run: () => {
        const [p, s, loss] = step(params, state, x, y);
        params = p, state = s;
        return loss;
      },
    });
  };
  // donated: parameters and optimizer state given up each step (jit's donateArgnums, JAX's
  // donate_argnums); TF.js updates its variables in place and jax-js consumes its arguments
  // in both rows, so they run only the first
  if (donate) {
    return {
      workload: "MLP step donated",
      unit: "ms",
      prepare: { "difftrace": difftrace, "jax": () => jaxTimed("MLP step donated", jaxInputs()) },
    };
  }
  return {
    workload: "MLP step",
    unit: "ms",
    prepare: {
      "difftrace": difftrace,
      "tfjs-cpu": () => tfMlp("cpu"),
      "tfjs-wasm": () => tfMlp("wasm"),
      "jax-js": () => jaxMlp(),
      "jax": () => jaxTimed("MLP step", jaxInputs()),
    },
  };
}

async function tfMlp(backend: "cpu" | "wasm"): Promise<Prepared> {
  await tfBackend(backend);
  const ws = mlpW.map((w, i) => tf.variable(tf.tensor2d(w, [SIZES[i], SIZES[i + 1]])));
  const bs = SIZES.slice(1).map((o) => tf.variable(tf.zeros([o])));
  const x = tf.tensor2d(mlpX, [BATCH, 784]);
  const y = tf.tensor2d(oneHotOf(mlpY, 10), [BATCH, 10]);
  const opt = tf.train.adam(LR);
  const loss = () =>
    tf.tidy(() => {
      let h: tf.Tensor2D = x;
      ws.forEach((w, i) => {
        h = tf.add(tf.matMul(h, w), bs[i]);
        if (i < ws.length - 1) h = tf.relu(h);
      });
      return tf.losses.softmaxCrossEntropy(y, h) as tf.Scalar;
    });
  return {
    run: () => opt.minimize(loss, true)!.dispose(),
    dispose: () => (tf.dispose([...ws, ...bs, x, y]), opt.dispose()),
  };
}

type JParams = { w: JArray; b: JArray }[];
async function jaxMlp(): Promise<Prepared> {
  await jaxInit();
  const b1 = 0.9, b2 = 0.999, eps = 1e-8;
  // Every jax-js function takes ownership of its array arguments: `.ref` keeps one alive.
  const lossFn = (p: JParams, x: JArray, y: JArray): JArray => {
    let h = x;
    p.forEach(({ w, b }, i) => {
      h = jnp.matmul(h, w).add(b);
      if (i < p.length - 1) h = jax.nn.relu(h);
    });
    return jax.nn.logSoftmax(h, -1).mul(y).sum().mul(-1 / BATCH);
  };
  const vg = jax.valueAndGrad(lossFn);
  // Adam with the bias correction folded into the step size: lrT = lr·√(1−b2ᵗ)/(1−b1ᵗ)
  const step = jax.jit(
    (p: JParams, m: JParams, v: JParams, x: JArray, y: JArray, lrT: JArray) => {
      const [loss, g] = vg(jax.tree.ref(p), x, y);
      const m2: JParams = [], v2: JParams = [], p2: JParams = [];
      p.forEach((layer, i) => {
        for (const k of ["w", "b"] as const) {
          const gi = g[i][k];
          const mi = m[i][k].mul(b1).add(gi.ref.mul(1 - b1));
          const vi = v[i][k].mul(b2).add(gi.ref.mul(gi).mul(1 - b2));
          const upd = mi.ref.div(jnp.sqrt(vi.ref).add(eps)).mul(lrT.ref);
          (m2[i] ??= {} as JParams[number])[k] = mi;
          (v2[i] ??= {} as JParams[number])[k] = vi;
          (p2[i] ??= {} as JParams[number])[k] = layer[k].sub(upd);
        }
      });
      lrT.dispose();
      return [p2, m2, v2, loss] as [JParams, JParams, JParams, JArray];
    },
  );
  let params: JParams = mlpW.map((w, i) => ({
    w: jnp.array(w).reshape([SIZES[i], SIZES[i + 1]]),
    b: jnp.zeros([SIZES[i + 1]]),
  }));
  const zeros = () =>
    params.map(({ w, b }) => ({ w: jnp.zerosLike(w.ref), b: jnp.zerosLike(b.ref) }));
  let m = zeros(), v = zeros(), t = 0;
  const x = jnp.array(mlpX).reshape([BATCH, 784]);
  const y = jnp.array(oneHotOf(mlpY, 10)).reshape([BATCH, 10]);
  return {
    run: async () => {
      t++;
      const lrT = jnp.array([LR * Math.sqrt(1 - b2 ** t) / (1 - b1 ** t)]).reshape([]);
      const [p, m2, v2, loss] = step(params, m, v, x.ref, y.ref, lrT);
      params = p, m = m2, v = v2;
      (await jax.blockUntilReady(loss)).dispose();
    },
    dispose: () => (jax.tree.dispose([params, m, v, x, y]), step.dispose()),
  };
}

// gradient of a fused elementwise chain over 1M elements
const CHAIN_N = 1 << 20;
const chainX = filled(CHAIN_N, 31, 3);
function chainCase(): Case {
  return {
    workload: "grad chain 1M",
    unit: "ms",
    prepare: {
      "difftrace": () => {
        const f = (x: np.NDArray) => x.tanh().mul(x.sin()).add(x.mul(x)).sum();
        const g = jit(grad(f));
        const x = np.array(chainX);
        return Promise.resolve({ run: () => g(x) });
      },
      "jax": () => jaxTimed("grad chain 1M", { x: chainX }),
      "tfjs-cpu": () => tfChain("cpu"),
      "tfjs-wasm": () => tfChain("wasm"),
      "jax-js": async () => {
        await jaxInit();
        const f = (x: JArray) => jnp.tanh(x.ref).mul(jnp.sin(x.ref)).add(x.ref.mul(x)).sum();
        const g = jax.jit(jax.grad(f));
        const x = jnp.array(chainX);
        return {
          run: async () => (await jax.blockUntilReady(g(x.ref))).dispose(),
          dispose: () => (x.dispose(), g.dispose()),
        };
      },
    },
  };
}
async function tfChain(backend: "cpu" | "wasm"): Promise<Prepared> {
  await tfBackend(backend);
  const g = tf.grad((x: tf.Tensor) => tf.sum(tf.add(tf.mul(tf.tanh(x), tf.sin(x)), tf.mul(x, x))));
  const x = tf.tensor1d(chainX);
  return { run: () => g(x).dispose(), dispose: () => x.dispose() };
}

// dispatch: a 5-op function on 10 elements
const small = filled(10, 41);
function dispatchCase(): Case {
  return {
    workload: "dispatch 5 ops",
    unit: "µs",
    prepare: {
      "difftrace": () => {
        const f = jit((x: np.NDArray) => x.mul(2).add(1).tanh().mul(x).sub(0.5));
        const x = np.array(small);
        return Promise.resolve({ run: () => f(x) });
      },
      "jax": () => jaxTimed("dispatch 5 ops", { x: small }),
      "tfjs-cpu": () => tfDispatch("cpu"),
      "tfjs-wasm": () => tfDispatch("wasm"),
      "jax-js": async () => {
        await jaxInit();
        const f = jax.jit((x: JArray) => jnp.tanh(x.ref.mul(2).add(1)).mul(x).sub(0.5));
        const x = jnp.array(small);
        return {
          run: async () => (await jax.blockUntilReady(f(x.ref))).dispose(),
          dispose: () => (x.dispose(), f.dispose()),
        };
      },
    },
  };
}
async function tfDispatch(backend: "cpu" | "wasm"): Promise<Prepared> {
  await tfBackend(backend);
  const x = tf.tensor1d(small);
  const f = (x: tf.Tensor) =>
    tf.tidy(() => tf.sub(tf.mul(tf.tanh(tf.add(tf.mul(x, 2), 1)), x), 0.5));
  return { run: () => f(x).dispose(), dispose: () => x.dispose() };
}

// conv2d forward + backward
const CN = 32, CH = 28, CC = 16, CO = 32, CK = 3;
const convX = filled(CN * CH * CH * CC, 51), convW = filled(CK * CK * CC * CO, 52, 0.1);
function convCase(): Case {
  return {
    workload: "conv2d fwd+bwd",
    unit: "ms",
    prepare: {
      "difftrace": () => {
        const loss = (x: np.NDArray, w: np.NDArray) => nn.conv2d(x, w, { padding: "SAME" }).sum();
        const g = jit(grad(loss, { argnums: [0, 1] }));
        const x = np.array(convX, { shape: [CN, CH, CH, CC] });
        const w = np.array(convW, { shape: [CK, CK, CC, CO] });
        return Promise.resolve({ run: () => g(x, w) });
      },
      "jax": () => jaxTimed("conv2d fwd+bwd", { x: convX, w: convW }),
      "tfjs-cpu": () => tfConv("cpu"),
      "tfjs-wasm": () => tfConv("wasm"),
      "jax-js": async () => {
        await jaxInit();
        const loss = (x: JArray, w: JArray) => jax.lax.conv(x, w, [1, 1], "SAME").sum();
        const g = jax.jit(jax.grad(loss, { argnums: [0, 1] }));
        // the same numbers, laid out NCHW and OIHW
        const x = jnp.array(convX).reshape([CN, CH, CH, CC]).transpose([0, 3, 1, 2]);
        const w = jnp.array(convW).reshape([CK, CK, CC, CO]).transpose([3, 2, 0, 1]);
        await jax.blockUntilReady([x, w]);
        return {
          run: async () => jax.tree.dispose(await jax.blockUntilReady(g(x.ref, w.ref))),
          dispose: () => (x.dispose(), w.dispose(), g.dispose()),
        };
      },
    },
  };
}
async function tfConv(backend: "cpu" | "wasm"): Promise<Prepared> {
  await tfBackend(backend);
  const x = tf.tensor4d(convX, [CN, CH, CH, CC]), w = tf.tensor4d(convW, [CK, CK, CC, CO]);
  const g = tf.grads((x: tf.Tensor, w: tf.Tensor) =>
    tf.sum(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, "same"))
  );
  return { run: () => tf.dispose(g([x, w])), dispose: () => tf.dispose([x, w]) };
}

// SELU over 1M elements: λ·where(x > 0, x, α·exp(x) − α), jitted and eager
const SELU_ALPHA = 1.6732632423543772, SELU_SCALE = 1.0507009873554805;
const seluX = filled(CHAIN_N, 61, 3);
const selu = (x: np.NDArray) =>
  np.where(np.greater(x, 0), x, x.exp().mul(SELU_ALPHA).sub(SELU_ALPHA)).mul(SELU_SCALE);
function seluCase(jitted: boolean): Case {
  const workload = `SELU 1M ${jitted ? "jit" : "eager"}`;
  return {
    workload,
    unit: "ms",
    prepare: {
      "difftrace": () => {
        const f = jitted ? jit(selu) : selu;
        const x = np.array(seluX);
        return Promise.resolve({ run: () => f(x) });
      },
      "jax": () => jaxTimed(workload, { x: seluX }),
    },
  };
}

// ---- driver ------------------------------------------------------------------------------

const cases: Case[] = [
  ...(quick ? [256, 512] : [128, 256, 512, 1024]).map(matmulCase),
  mlpCase(),
  mlpCase(true),
  chainCase(),
  dispatchCase(),
  convCase(),
  seluCase(true),
  seluCase(false),
].filter((c) => !only || only.some((o) => c.workload.toLowerCase().startsWith(o.toLowerCase())));

/** Median time of one run, in ms. */
async function time(p: Prepared, unit: Case["unit"]): Promise<number> {
  if (p.ms !== undefined) return p.ms;
  const once = async () => {
    const t0 = performance.now();
    await p.run();
    return performance.now() - t0;
  };
  // very slow cells (TF.js cpu conv: tens of seconds) get a plain median of 3 runs (quick: 1)
  const first = await once();
  if (first > 2000) {
    const ts = [await once()];
    if (!quick) ts.push(await once(), await once());
    return ts.sort((a, b) => a - b)[ts.length >> 1];
  }
  // warm-up: the engines' optimizing tiers, jit traces, TF.js kernels' first compilation
  const warmEnd = performance.now() + (quick ? 300 : 800);
  let warm = 1;
  while (warm < 3 || (performance.now() < warmEnd && warm < 200)) await p.run(), warm++;
  const stats = await measure(p.run, {
    min_samples: 5,
    max_samples: unit === "µs" ? 100_000 : quick ? 30 : 200,
    min_cpu_time: (quick ? 0.5 : 1.5) * 1e9,
    warmup_samples: 0,
  });
  return stats.p50 / 1e6;
}

function show(ms: number, c: Case): string {
  if (c.unit === "GFLOP/s") return (c.flops! / ms / 1e6).toFixed(1);
  if (c.unit === "µs") return (ms * 1e3).toFixed(ms < 0.01 ? 2 : 1);
  return ms < 10 ? ms.toFixed(2) : ms.toFixed(1);
}

console.log(
  `# difftrace vs peers, ${runtime}${quick ? " (quick)" : ""}, medians` +
    (rounds > 1 ? ` of ${rounds} alternating rounds` : ""),
);
const results: { workload: string; unit: string; peer: Peer; ms: number[]; value: string }[] = [];
const header = ["workload", "unit", ...peers.flatMap((p) => p === "difftrace" ? [p] : [p, "×"])];
const rows: string[][] = [];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
for (const c of cases) {
  const row = [c.workload, c.unit];
  const times = new Map<Peer, number[]>();
  const errors = new Map<Peer, string>();
  for (let r = 0; r < rounds; r++) {
    for (const peer of peers) {
      const prep = c.prepare[peer];
      if (!prep || errors.has(peer)) continue;
      try {
        const p = await quiet(prep);
        const ms = await time(p, c.unit);
        p.dispose?.();
        times.set(peer, [...(times.get(peer) ?? []), ms]);
      } catch (e) {
        const msg = (e as Error).message;
        const kernel = /Kernel '(\w+)' not registered/.exec(msg);
        errors.set(peer, kernel ? `n/a (no ${kernel[1]})` : `error: ${msg.slice(0, 60)}`);
      }
    }
  }
  const base = times.get("difftrace") && median(times.get("difftrace")!);
  for (const peer of peers) {
    const ts = times.get(peer);
    let cell = errors.get(peer) ?? "—", ratio = "";
    if (ts) {
      const ms = median(ts);
      cell = show(ms, c);
      if (ts.length > 1) {
        const [a, b] = [show(Math.min(...ts), c), show(Math.max(...ts), c)];
        cell += ` (${c.unit === "GFLOP/s" ? `${b}–${a}` : `${a}–${b}`})`; // low–high
      }
      ratio = base === undefined ? "" : (ms / base).toFixed(2);
      results.push({ workload: c.workload, unit: c.unit, peer, ms: ts, value: cell });
    }
    row.push(cell);
    if (peer !== "difftrace") row.push(ratio);
  }
  rows.push(row);
  console.error(`  ${row.join("  ")}`);
}
jaxProc?.stdin?.end();
jaxProc?.kill();
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (r: string[]) => `| ${r.map((s, i) => s.padStart(widths[i])).join(" | ")} |`;
console.log(line(header));
console.log(`|${widths.map((w) => "-".repeat(w + 1) + ":").join("|")}|`);
rows.forEach((r) => console.log(line(r)));
console.log("× = peer time / difftrace time (above 1: difftrace is faster)");
if (jsonOut) {
  writeFileSync(jsonOut, JSON.stringify({ runtime, quick, rounds, results }, null, 2));
}
process.exit(0);
