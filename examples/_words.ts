/**
 * The English word list shared by the character models (`char_rnn.ts`,
 * `char_transformer.ts`): loading, the same filter and shuffle, and the
 * token encoding, so both are measured on the same held-out words.
 *
 * A word becomes a sequence of `T = MAX_LEN + 1` symbols over `SYMBOLS`
 * (`.` is the boundary): inputs `.word`, targets `word.`, and a mask of the
 * real positions (padding after the word is masked out).
 *
 * @module
 */
import { type NDArray, np } from "../mod.ts";
import { shuffledIndices } from "./_data.ts";

/** The boundary symbol `.` followed by a–z; a token is an index into this string. */
export const SYMBOLS = ".abcdefghijklmnopqrstuvwxyz";
/** Longest word kept; a sequence is the word plus one boundary symbol. */
export const MAX_LEN = 12;
/** Positions per sequence. */
export const T: number = MAX_LEN + 1;

let words: string[] | undefined;

/** Loads the word list once (a 3 MB JSON array from `an-array-of-english-words`). */
export async function loadWords(): Promise<string[]> {
  words ??= (await import("an-array-of-english-words/index.json", {
    with: { type: "json" },
  })).default as string[];
  return words;
}

/**
 * The words of 2..MAX_LEN letters a–z in a fixed shuffled order (seed 7);
 * `where` names the caller in the error when `loadWords()` was not awaited.
 */
export function cleanShuffledWords(where: string): string[] {
  if (words === undefined) throw new Error(`${where}: call loadWords() first.`);
  const clean = words.filter((w) => w.length >= 2 && w.length <= MAX_LEN && /^[a-z]+$/.test(w));
  return Array.from(shuffledIndices(clean.length, 7), (i) => clean[i]);
}

/** Token arrays for a list of words: inputs `.word`, targets `word.`, mask of real positions. */
export function encodeWords(list: readonly string[]): Encoded {
  const n = list.length;
  const x = new Int32Array(n * T), y = new Int32Array(n * T), mask = new Float32Array(n * T);
  list.forEach((w, i) => {
    for (let t = 0; t <= w.length; t++) {
      x[i * T + t] = t === 0 ? 0 : SYMBOLS.indexOf(w[t - 1]);
      y[i * T + t] = t === w.length ? 0 : SYMBOLS.indexOf(w[t]);
      mask[i * T + t] = 1;
    }
  });
  return { x, y, mask, n };
}

/** Encoded words: row-major [n, T] inputs, targets and mask. */
export interface Encoded {
  x: Int32Array;
  y: Int32Array;
  mask: Float32Array;
  n: number;
}

/** Rows `idx` of an encoded set as [B, T] arrays: inputs, targets, mask. */
export function batchRows(d: Encoded, idx: ArrayLike<number>): [NDArray, NDArray, NDArray] {
  const b = idx.length;
  const x = new Int32Array(b * T), y = new Int32Array(b * T), mask = new Float32Array(b * T);
  for (let i = 0; i < b; i++) {
    const r = idx[i] * T;
    x.set(d.x.subarray(r, r + T), i * T);
    y.set(d.y.subarray(r, r + T), i * T);
    mask.set(d.mask.subarray(r, r + T), i * T);
  }
  return [
    np.array(x, { shape: [b, T] }),
    np.array(y, { shape: [b, T] }),
    np.array(mask, { shape: [b, T] }),
  ];
}

/**
 * The unigram baseline in nats per character: the cross-entropy on `test`'s real
 * positions of each symbol's frequency among `train`'s targets.
 */
export function unigramBaseline(train: Encoded, test: Encoded): number {
  const counts = new Float64Array(SYMBOLS.length);
  let total = 0;
  train.y.forEach((s, i) => train.mask[i] && (counts[s]++, total++));
  let nats = 0, held = 0;
  test.y.forEach((s, i) => test.mask[i] && (nats -= Math.log(counts[s] / total), held++));
  return nats / held;
}
