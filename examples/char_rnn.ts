/**
 * A character-level GRU language model over `lax.scan`, trained on real English words (the
 * npm package `an-array-of-english-words`, 274,937 lowercase words), that samples new words.
 *
 *   deno run -A examples/char_rnn.ts [--words 40000] [--epochs 2] [--out out]
 *   bun run examples/char_rnn.ts
 *
 * The model is an equinox-style class registered as a pytree (`tree.registerDataclass`):
 * `grad` returns a `Gru` of gradients and the optimizer updates a `Gru`. Each word is
 * `.word.` over 27 symbols ('.' marks both ends); the loss is the mean cross-entropy of each
 * next character. Prints the held-out cross-entropy per character (nats) beside the unigram
 * baseline, the time per epoch, sampled words, and the same training step with the time loop
 * unrolled in JS instead of `lax.scan`: equations in the trace and trace+compile time.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import {
  figure,
  jit,
  lax,
  makeJaxpr,
  type NDArray,
  nn,
  np,
  optim,
  progressBar,
  random,
  tree,
  valueAndGrad,
} from "../mod.ts";
import { shuffledIndices } from "./_data.ts";
import {
  batchRows,
  cleanShuffledWords,
  encodeWords,
  loadWords,
  MAX_LEN,
  SYMBOLS,
  T,
  unigramBaseline,
} from "./_words.ts";

export { loadWords };

const V = SYMBOLS.length;

/** A GRU cell with an embedding and an output layer, as one pytree. */
export class Gru {
  constructor(
    readonly embed: NDArray, // [V, E]
    readonly wx: NDArray, // [E, 3H]: input weights of the update, reset and candidate gates
    readonly wh: NDArray, // [H, 3H]
    readonly b: NDArray, // [3H]
    readonly wo: NDArray, // [H, V]
    readonly bo: NDArray, // [V]
  ) {}

  /** One step: h' = (1 − z)·n + z·h with z, r = σ(…), n = tanh(x Wn + r·(h Un) + bn). */
  step(h: NDArray, x: NDArray): NDArray {
    const H = h.shape[h.ndim - 1];
    const gx = np.matmul(x, this.wx).add(this.b), gh = np.matmul(h, this.wh);
    const part = (g: NDArray, i: number) => g.slice(null, [i * H, (i + 1) * H]);
    const z = nn.sigmoid(part(gx, 0).add(part(gh, 0)));
    const r = nn.sigmoid(part(gx, 1).add(part(gh, 1)));
    const n = np.tanh(part(gx, 2).add(r.mul(part(gh, 2))));
    return np.add(n.mul(np.sub(1, z)), z.mul(h));
  }

  logits(h: NDArray): NDArray {
    return np.matmul(h, this.wo).add(this.bo);
  }
}
tree.registerDataclass(Gru, ["embed", "wx", "wh", "b", "wo", "bo"]);

function initGru(key: NDArray, embedDim: number, hidden: number): Gru {
  const k = random.split(key, 4);
  const glorot = (kk: NDArray, shape: number[]) => nn.glorotUniform(kk, shape);
  return new Gru(
    random.normal(k[0], [V, embedDim]).mul(0.1),
    glorot(k[1], [embedDim, 3 * hidden]),
    glorot(k[2], [hidden, 3 * hidden]),
    np.zeros([3 * hidden]),
    glorot(k[3], [hidden, V]),
    np.zeros([V]),
  );
}

/** Per-position log-likelihoods summed over a batch: [loss sum, count] inputs [B, T]. */
function sequenceLoss(m: Gru, x: NDArray, y: NDArray, mask: NDArray, unrolled: boolean): NDArray {
  const B = x.shape[0], H = m.wh.shape[0];
  const xs = np.transpose(np.take(m.embed, x, 0), [1, 0, 2]); // [T, B, E]
  const h0 = np.zeros([B, H]);
  let hs: NDArray;
  if (unrolled) {
    const out: NDArray[] = [];
    let h = h0;
    for (let t = 0; t < T; t++) out.push(h = m.step(h, xs.slice(t)));
    hs = np.stack(out);
  } else {
    hs = lax.scan(
      (h: NDArray, xt: NDArray) => {
        const next = m.step(h, xt);
        return [next, next] as const;
      },
      h0,
      xs,
    )[1]; // [T, B, H]
  }
  const logp = nn.logSoftmax(m.logits(hs), { axis: -1 }); // [T, B, V]
  const picked = np.sum(logp.mul(nn.oneHot(np.transpose(y, [1, 0]), V)), { axis: -1 });
  return np.neg(np.sum(picked.mul(np.transpose(mask, [1, 0]))));
}

/** Options of `trainCharRnn`. */
export interface CharRnnOptions {
  /** Training words (default 40,000); 2,000 more are held out. */
  words?: number;
  epochs?: number;
  batch?: number;
  hidden?: number;
  /** Stop after this many steps (short mode for the smoke test). */
  maxSteps?: number;
  verbose?: boolean;
}

/** What `trainCharRnn` measured. */
export interface CharRnnResult {
  lossCurve: { step: number; loss: number }[];
  heldOutNats: number;
  unigramNats: number;
  secondsPerEpoch: number;
  samples: string[];
  scan: { eqns: number; compileMs: number; stepMs: number };
  unrolled: { eqns: number; compileMs: number; stepMs: number };
}

/** Trains the model and measures it (see the file header). */
export function trainCharRnn(options: CharRnnOptions = {}): CharRnnResult {
  const nWords = options.words ?? 40000, epochs = options.epochs ?? 2;
  const batch = options.batch ?? 128, hidden = options.hidden ?? 64;
  const verbose = options.verbose ?? true;
  const words = cleanShuffledWords("trainCharRnn");
  const heldOut = words.slice(0, 2000);
  const train = words.slice(2000, 2000 + nWords);
  const tr = encodeWords(train), te = encodeWords(heldOut);

  const unigramNats = unigramBaseline(tr, te);

  const opt = optim.adam(0.01);
  const lossOf = (unrolled: boolean) => (m: Gru, x: NDArray, y: NDArray, mask: NDArray) =>
    sequenceLoss(m, x, y, mask, unrolled).div(mask.sum());
  const makeStep = (unrolled: boolean) =>
    jit((m: Gru, s: ReturnType<typeof opt.init>, x: NDArray, y: NDArray, mask: NDArray) => {
      const [value, g] = valueAndGrad(lossOf(unrolled))(m, x, y, mask);
      const [updates, next] = opt.update(g, s, m);
      return [optim.applyUpdates(m, updates), next, value] as const;
    });
  let model = initGru(random.key(0), 32, hidden);
  let state = opt.init(model);
  const rows = batchRows;

  // scan vs the loop unrolled in JS: trace size, trace+compile time, then time per step
  const compare = (unrolled: boolean) => {
    const [x, y, mask] = rows(tr, Array.from({ length: batch }, (_, i) => i));
    const eqns = makeJaxpr(lossOf(unrolled))(model, x, y, mask).eqns.length;
    const step = makeStep(unrolled);
    let t0 = performance.now();
    step(model, state, x, y, mask);
    const compileMs = performance.now() - t0;
    t0 = performance.now();
    for (let i = 0; i < 3; i++) step(model, state, x, y, mask);
    return { eqns, compileMs, stepMs: (performance.now() - t0) / 3 };
  };
  const scanStats = compare(false), unrolledStats = compare(true);

  const step = makeStep(false);
  const stepsPerEpoch = Math.floor(tr.n / batch);
  const totalSteps = Math.min(epochs * stepsPerEpoch, options.maxSteps ?? Infinity);
  const lossCurve: { step: number; loss: number }[] = [];
  let done = 0, seconds = 0, epochsRun = 0;
  for (let epoch = 0; epoch < epochs && done < totalSteps; epoch++) {
    const perm = shuffledIndices(tr.n, 100 + epoch);
    const n = Math.min(stepsPerEpoch, totalSteps - done);
    const bar = verbose
      ? progressBar({ total: n, label: `epoch ${epoch + 1}/${epochs}`, examplesPerStep: batch })
      : undefined;
    const t0 = performance.now();
    let running = 0, recent = NaN;
    for (let b = 0; b < n; b++, done++) {
      const [x, y, mask] = rows(tr, perm.subarray(b * batch, (b + 1) * batch));
      const [m, s, loss] = step(model, state, x, y, mask);
      model = m;
      state = s;
      recent = loss.item() as number;
      running += recent;
      if ((b + 1) % 20 === 0 || b === n - 1) {
        lossCurve.push({ step: done + 1, loss: running / ((b % 20) + 1) });
        running = 0;
      }
      bar?.update(b + 1, { loss: recent });
    }
    bar?.done();
    seconds += (performance.now() - t0) / 1000;
    epochsRun++;
  }

  const [hx, hy, hm] = rows(te, Array.from({ length: te.n }, (_, i) => i));
  const heldOutNats = (sequenceLoss(model, hx, hy, hm, false).item() as number) /
    (hm.sum().item() as number);

  // sampling: feed each sampled symbol back until '.' (at most MAX_LEN letters)
  const nSamples = 8;
  let h = np.zeros([nSamples, hidden]);
  let sym = np.zeros([nSamples], { dtype: "int32" });
  const letters: string[][] = Array.from({ length: nSamples }, () => []);
  const ended = new Array(nSamples).fill(false);
  for (let t = 0; t < MAX_LEN; t++) {
    h = model.step(h, np.take(model.embed, sym, 0));
    sym = random.categorical(random.key(1000 + t), model.logits(h));
    const s = sym.toTypedArray();
    s.forEach((c, i) => {
      if (c === 0) ended[i] = true;
      else if (!ended[i]) letters[i].push(SYMBOLS[c]);
    });
  }
  const samples = letters.map((l) => l.join(""));
  return {
    lossCurve,
    heldOutNats,
    unigramNats,
    secondsPerEpoch: seconds / Math.max(1, epochsRun),
    samples,
    scan: scanStats,
    unrolled: unrolledStats,
  };
}

if (import.meta.main) {
  const args = typeof Deno !== "undefined" ? Deno.args : process.argv.slice(2);
  const flag = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  await loadWords();
  const r = trainCharRnn({
    words: Number(flag("words") ?? 40000),
    epochs: Number(flag("epochs") ?? 2),
  });
  const outDir = flag("out") ?? "out";
  mkdirSync(outDir, { recursive: true });
  writeFileSync(
    `${outDir}/char_rnn.svg`,
    figure([{
      title: "Training loss (nats per character)",
      xLabel: "step",
      yLabel: "cross-entropy",
      series: [{
        name: "train",
        x: r.lossCurve.map((p) => p.step),
        y: r.lossCurve.map((p) => p.loss),
      }],
    }], { title: "Character GRU over lax.scan on English words" }),
  );
  console.log(
    `held-out cross-entropy ${r.heldOutNats.toFixed(3)} nats/char ` +
      `(unigram baseline ${r.unigramNats.toFixed(3)}); ${r.secondsPerEpoch.toFixed(1)} s/epoch`,
  );
  console.log(`samples: ${r.samples.join(", ")}`);
  for (const [name, s] of [["lax.scan", r.scan], ["unrolled JS loop", r.unrolled]] as const) {
    console.log(
      `${name.padEnd(17)} ${String(s.eqns).padStart(4)} equations in the loss trace, ` +
        `trace+compile of the train step ${s.compileMs.toFixed(0)} ms, ` +
        `then ${s.stepMs.toFixed(1)} ms/step`,
    );
  }
  console.log(`loss curve: ${outDir}/char_rnn.svg`);
}

// deno-lint-ignore no-var
declare var process: { argv: string[] };
