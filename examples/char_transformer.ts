/**
 * A small decoder-only transformer over characters, trained on real English words (the npm
 * package `an-array-of-english-words`), that reports its held-out cross-entropy and samples
 * new words.
 *
 *   deno run -A examples/char_transformer.ts [--words 40000] [--epochs 2] [--short] [--out out]
 *   bun run examples/char_transformer.ts
 *
 * The data are those of `char_rnn.ts`: the a–z words of 2–12 letters, shuffled with the same
 * seed, the same 2,000 held out, each word `.word.` over 27 symbols ('.' marks both ends). So the
 * held-out figure compares directly with the char-RNN's and with the unigram baseline.
 *
 * The model (pre-norm, as GPT-2): token embedding `nn.embedding` + learned positions, then
 * `layers` blocks of
 *   h ← h + MHA(layerNorm(h))          (`nn.multiHeadAttention`, causal `dotProductAttention`)
 *   h ← h + W₂ gelu(W₁ layerNorm(h))   (`nn.mlp`)
 * and a final `layerNorm` and dense layer to 27 logits. The loss is the mean cross-entropy of
 * each next character (padding after the word's end masked out; causal attention keeps it from
 * reaching the real positions). The optimizer is
 *   multiSteps(chain(clipByGlobalNorm(1), adamw(warmupCosineDecay)), everyK)
 * i.e. gradients of `everyK` mini-batches are averaged before each AdamW step (gradient
 * accumulation), clipped to global norm 1, with a linear warmup then cosine decay of the rate.
 * The whole training step (loss, gradient, accumulation, clipping, AdamW) is one `jit`.
 *
 * Measured 2026-11-29 with the defaults (40,000 words, 2 epochs, d = 64, 4 heads, 2 layers,
 * 104,411 parameters, mini-batch 32, everyK 2: 2,500 mini-batches = 1,250 AdamW steps, peak
 * rate 6e-3), on 2 cores shared with other jobs (load average 12–24 from `uptime`, so wall
 * times are 3–4× an idle machine's; the CPU time is the steadier figure):
 *   held-out 2.114 nats/char; unigram baseline 2.953; char_rnn.ts (GRU, 2 epochs, same
 *   words and split, run in the same session) 2.127.
 *   Deno 2.9.6: training 350.6 s wall, 107.9 s user CPU for the whole run (first step
 *   2.1 s). Bun 1.4.5: 379.3 s wall, 100.6 s user CPU; the same 2.114 and the same samples.
 *   Rerun on main at b47ab2b: Deno 267.9 s wall (load 8–14), 108.2 s CPU; Bun 367.8 s wall
 *   (load 15–18), 102.7 s CPU; again 2.114 and the same samples on both runtimes.
 *   char_rnn.ts for scale: 12.5 s user CPU (a model a fifth of this size).
 *   Samples at temperature 0.8: outsongetics, amerous, sibeling, cynomisms, sconitic,
 *   outraising, farbard, hattophal, throveld, perebooll.
 * With mini-batch 64 (625 AdamW steps) it reached 2.157 at rate 3e-3 and 2.149 at 6e-3;
 * mini-batch 32 at 3e-3, 2.122: more optimizer steps help more than a larger rate.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import {
  figure,
  jit,
  losses,
  type NDArray,
  nn,
  np,
  optim,
  progressBar,
  random,
  schedules,
  tree,
  valueAndGrad,
} from "../mod.ts";
import { shuffledIndices } from "./_data.ts";
import {
  batchRows as rows,
  cleanShuffledWords,
  encodeWords as encode,
  loadWords,
  MAX_LEN,
  SYMBOLS,
  T,
  unigramBaseline,
} from "./_words.ts";

export { loadWords };

const V = SYMBOLS.length;
/** Words held out by both character models (the first of the shuffled list). */
const HELD_OUT = 2000;

/** The affine parameters of a layer norm. */
interface NormParams {
  scale: NDArray;
  bias: NDArray;
}

/** One transformer block. */
interface BlockParams {
  norm1: NormParams;
  attention: nn.MultiHeadParams;
  norm2: NormParams;
  mlp: nn.DenseParams[];
}

/** The whole model, a plain pytree. */
export interface TransformerParams {
  tokens: nn.EmbeddingParams;
  /** Learned position embeddings, [T, d]. */
  positions: NDArray;
  blocks: BlockParams[];
  finalNorm: NormParams;
  head: nn.DenseParams;
}

/** Model sizes. */
export interface TransformerConfig {
  /** Width of the residual stream. */
  dModel: number;
  numHeads: number;
  layers: number;
}

/** The model's layers for a configuration: `init(key)` and `logits(params, ids)`. */
function transformer(config: TransformerConfig) {
  const { dModel, numHeads, layers } = config;
  const tokens = nn.embedding(V, dModel);
  const attention = nn.multiHeadAttention(dModel, numHeads);
  const mlp = nn.mlp([dModel, 4 * dModel, dModel], { activation: nn.gelu });
  const head = nn.dense(dModel, V);
  const norm = (): NormParams => ({ scale: np.ones([dModel]), bias: np.zeros([dModel]) });
  return {
    init(key: NDArray): TransformerParams {
      const [kt, kp, kh, ...kb] = random.split(key, 3 + 2 * layers);
      return {
        tokens: tokens.init(kt),
        positions: random.normal(kp, [T, dModel]).mul(1 / Math.sqrt(dModel)),
        blocks: Array.from({ length: layers }, (_, i) => ({
          norm1: norm(),
          attention: attention.init(kb[2 * i]),
          norm2: norm(),
          mlp: mlp.init(kb[2 * i + 1]),
        })),
        finalNorm: norm(),
        head: head.init(kh),
      };
    },
    /** ids [B, T] int32 → logits [B, T, V]; position t sees ids[0..t] only. */
    logits(p: TransformerParams, ids: NDArray): NDArray {
      let h = tokens.apply(p.tokens, ids).add(p.positions); // [B, T, d]
      for (const b of p.blocks) {
        h = h.add(attention.apply(b.attention, nn.layerNorm(h, b.norm1), undefined, {
          isCausal: true,
        }));
        h = h.add(mlp.apply(b.mlp, nn.layerNorm(h, b.norm2)));
      }
      return head.apply(p.head, nn.layerNorm(h, p.finalNorm));
    },
  };
}

/** Options of `trainCharTransformer`. */
export interface CharTransformerOptions {
  /** Training words (default 40,000). */
  words?: number;
  /** Held-out words scored (default 2,000, the char-RNN's; fewer for a quick check). */
  heldOut?: number;
  epochs?: number;
  /** Mini-batch size (default 32); `everyK` mini-batches make one optimizer step. */
  batch?: number;
  /** Gradient accumulation: mini-batches averaged per AdamW step (default 2). */
  everyK?: number;
  dModel?: number;
  numHeads?: number;
  layers?: number;
  /** Peak learning rate (default 6e-3). */
  learningRate?: number;
  /** Stop after this many mini-batches (short mode). */
  maxSteps?: number;
  /** Sampling temperature: logits are divided by it (default 0.8). */
  temperature?: number;
  /** Seed of the initialisation and of the sampling keys (default 0). */
  seed?: number;
  verbose?: boolean;
}

/** What `trainCharTransformer` measured. */
export interface CharTransformerResult {
  /** Mean training loss over each stretch of mini-batches. */
  lossCurve: { step: number; loss: number }[];
  heldOutNats: number;
  unigramNats: number;
  /** Mini-batches run, and optimizer steps taken (mini-batches / everyK). */
  miniSteps: number;
  optimizerSteps: number;
  parameters: number;
  /** Seconds of the first step (trace + compile + run) and of the whole training loop. */
  compileSeconds: number;
  trainSeconds: number;
  samples: string[];
}

/** Trains the model and measures it (see the file header). */
export function trainCharTransformer(options: CharTransformerOptions = {}): CharTransformerResult {
  const known = [
    "words",
    "heldOut",
    "epochs",
    "batch",
    "everyK",
    "dModel",
    "numHeads",
    "layers",
    "learningRate",
    "maxSteps",
    "temperature",
    "seed",
    "verbose",
  ];
  const unknown = Object.keys(options).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    throw new TypeError(
      `char_transformer: unknown option(s) ${unknown.join(", ")}; known: ${known.join(", ")}.`,
    );
  }
  const nWords = options.words ?? 40000, epochs = options.epochs ?? 2;
  const batch = options.batch ?? 32, everyK = options.everyK ?? 2;
  const nHeld = Math.min(options.heldOut ?? HELD_OUT, HELD_OUT);
  const config = {
    dModel: options.dModel ?? 64,
    numHeads: options.numHeads ?? 4,
    layers: options.layers ?? 2,
  };
  const verbose = options.verbose ?? true;
  const temperature = options.temperature ?? 0.8;
  if (!(temperature > 0)) {
    throw new RangeError(`char_transformer: temperature must be positive, got ${temperature}.`);
  }
  const seed = options.seed ?? 0;

  // the char-RNN's data: same filter, same shuffle, same held-out words
  const words = cleanShuffledWords("char_transformer");
  const heldOut = words.slice(0, nHeld);
  const train = words.slice(HELD_OUT, HELD_OUT + nWords);
  const tr = encode(train), te = encode(heldOut);

  const unigramNats = unigramBaseline(tr, te);

  const stepsPerEpoch = Math.floor(tr.n / batch);
  const miniSteps = Math.min(epochs * stepsPerEpoch, options.maxSteps ?? Infinity);
  const optimizerSteps = Math.floor(miniSteps / everyK);
  const peak = options.learningRate ?? 6e-3;
  const warmupSteps = Math.max(1, Math.round(0.05 * optimizerSteps));
  const lr = schedules.warmupCosineDecay({
    initValue: 0,
    peakValue: peak,
    warmupSteps,
    decaySteps: Math.max(warmupSteps + 1, optimizerSteps),
    endValue: peak / 10,
  });
  const opt = optim.multiSteps(
    optim.chain(optim.clipByGlobalNorm(1), optim.adamw(lr, { weightDecay: 0.01 })),
    everyK,
  );

  const model = transformer(config);
  // summed masked cross-entropy and the number of real positions
  const lossSum = (p: TransformerParams, x: NDArray, y: NDArray, mask: NDArray) =>
    losses.softmaxCrossEntropyWithIntegerLabels(model.logits(p, x), y).mul(mask).sum();
  const meanLoss = (p: TransformerParams, x: NDArray, y: NDArray, mask: NDArray) =>
    lossSum(p, x, y, mask).div(mask.sum());
  type OptState = ReturnType<typeof opt.init>;
  const step = jit(
    (p: TransformerParams, s: OptState, x: NDArray, y: NDArray, mask: NDArray) => {
      const [value, g] = valueAndGrad(meanLoss)(p, x, y, mask);
      const [updates, next] = opt.update(g, s, p);
      return [optim.applyUpdates(p, updates), next, value] as const;
    },
  );
  const evalSum = jit(lossSum);
  const logitsOf = jit(model.logits);

  let params = model.init(random.key(seed));
  let state = opt.init(params);
  const parameters = tree.leaves(params).reduce((n, leaf) => n + leaf.size, 0);

  const lossCurve: { step: number; loss: number }[] = [];
  const every = Math.max(1, Math.min(20, Math.floor(miniSteps / 10)));
  let done = 0, compileSeconds = 0;
  const t0 = performance.now();
  for (let epoch = 0; epoch < epochs && done < miniSteps; epoch++) {
    const perm = shuffledIndices(tr.n, 100 + epoch);
    const n = Math.min(stepsPerEpoch, miniSteps - done);
    const bar = verbose
      ? progressBar({ total: n, label: `epoch ${epoch + 1}/${epochs}`, examplesPerStep: batch })
      : undefined;
    let running = 0;
    for (let b = 0; b < n; b++, done++) {
      const [x, y, mask] = rows(tr, perm.subarray(b * batch, (b + 1) * batch));
      const ts = performance.now();
      const [p, s, loss] = step(params, state, x, y, mask);
      params = p;
      state = s;
      const value = loss.item() as number;
      if (done === 0) compileSeconds = (performance.now() - ts) / 1000;
      running += value;
      if ((done + 1) % every === 0 || done === miniSteps - 1) {
        lossCurve.push({ step: done + 1, loss: running / ((done % every) + 1) });
        running = 0;
      }
      bar?.update(b + 1, { loss: value });
    }
    bar?.done();
  }
  const trainSeconds = (performance.now() - t0) / 1000;

  // held-out cross-entropy in chunks of one shape (one compiled program)
  const chunk = 250;
  let heldSum = 0;
  for (let i = 0; i < te.n; i += chunk) {
    const idx = Array.from({ length: Math.min(chunk, te.n - i) }, (_, j) => i + j);
    while (idx.length < chunk) idx.push(idx[0]); // pad the last chunk with a masked-out copy
    const [x, y, mask] = rows(te, idx);
    const real = np.array(idx.map((_, j) => (i + j < te.n ? 1 : 0)), { dtype: "float32" });
    heldSum += evalSum(params, x, y, mask.mul(np.expandDims(real, 1))).item() as number;
  }
  const heldPositions = te.mask.reduce((n, m) => n + m, 0);
  const heldOutNats = heldSum / heldPositions;

  // sampling: feed each sampled symbol back until '.' (at most MAX_LEN letters)
  const nSamples = 10;
  const ids = new Int32Array(nSamples * T);
  const letters: string[][] = Array.from({ length: nSamples }, () => []);
  const ended = new Array(nSamples).fill(false);
  const sampleKey = random.key(seed + 1000);
  for (let t = 0; t < MAX_LEN && ended.some((e) => !e); t++) {
    const logits = logitsOf(params, np.array(ids, { shape: [nSamples, T] }));
    const next = random.categorical(
      random.foldIn(sampleKey, t),
      logits.slice(null, t).div(temperature),
    ).toTypedArray();
    next.forEach((c, i) => {
      if (c === 0) ended[i] = true;
      if (ended[i]) return;
      letters[i].push(SYMBOLS[c]);
      ids[i * T + t + 1] = c;
    });
  }
  return {
    lossCurve,
    heldOutNats,
    unigramNats,
    miniSteps: done,
    optimizerSteps: Math.floor(done / everyK),
    parameters,
    compileSeconds,
    trainSeconds,
    samples: letters.map((l) => l.join("")),
  };
}

if (import.meta.main) {
  const args = typeof Deno !== "undefined" ? Deno.args : process.argv.slice(2);
  const flag = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const num = (name: string) => (flag(name) === undefined ? undefined : Number(flag(name)));
  const short = args.includes("--short");
  await loadWords();
  const r = trainCharTransformer({
    words: Number(flag("words") ?? (short ? 4000 : 40000)),
    epochs: Number(flag("epochs") ?? (short ? 1 : 2)),
    heldOut: short ? 500 : undefined,
    batch: num("batch"),
    everyK: num("every-k"),
    dModel: num("d-model"),
    numHeads: num("heads"),
    layers: num("layers"),
    learningRate: num("lr"),
    temperature: num("temperature"),
  });
  const outDir = flag("out") ?? "out";
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    `${outDir}/char_transformer.svg`,
    figure([{
      title: "Training loss (nats per character)",
      xLabel: "mini-batch",
      yLabel: "cross-entropy",
      series: [{
        name: "train",
        x: r.lossCurve.map((p) => p.step),
        y: r.lossCurve.map((p) => p.loss),
      }, {
        name: "unigram (held-out)",
        x: [r.lossCurve[0].step, r.lossCurve[r.lossCurve.length - 1].step],
        y: [r.unigramNats, r.unigramNats],
      }],
    }], { title: "Character transformer on English words" }),
  );
  console.log(
    `${r.parameters} parameters; ${r.miniSteps} mini-batches = ${r.optimizerSteps} AdamW steps; ` +
      `first step (trace + compile) ${r.compileSeconds.toFixed(1)} s, ` +
      `training ${r.trainSeconds.toFixed(1)} s`,
  );
  console.log(
    `held-out cross-entropy ${r.heldOutNats.toFixed(3)} nats/char ` +
      `(unigram baseline ${r.unigramNats.toFixed(3)}; char_rnn.ts: 2.127 in the README)`,
  );
  console.log(`samples: ${r.samples.join(", ")}`);
  console.log(`loss curve: ${outDir}/char_transformer.svg`);
}

// deno-lint-ignore no-var
declare var process: { argv: string[] };
