/**
 * A one-line terminal progress bar for training loops.
 *
 * On a terminal the line is redrawn in place with a carriage return, at most
 * about ten times a second; elsewhere (CI logs, files, browsers) it prints
 * plain lines now and then, so logs stay readable. It uses no Deno- or
 * Node-only imports: the default writer finds `Deno.stdout` or
 * `process.stdout` through `globalThis` and falls back to `console.log`.
 *
 * @module
 */
import { checkInt, checkOptions, show } from "../core/_validate.ts";

/** Options of {@linkcode progressBar}. */
export interface ProgressOptions {
  /** Number of steps that make 100 %. */
  total: number;
  /** Text shown before the bar, e.g. `"epoch 3/20"`. */
  label?: string;
  /** Width of the bar in characters, brackets excluded (default 24). */
  width?: number;
  /** Examples covered by one step, for the `ex/s` rate (default: none, `it/s` is shown). */
  examplesPerStep?: number;
  /**
   * Receives the text to print, without an added newline. Defaults to the
   * standard output of Deno or Bun, or `console.log` elsewhere.
   */
  write?: (text: string) => void;
  /**
   * Redraw one line in place (`true`) or print separate lines (`false`).
   * Defaults to whether standard output is a terminal; `false` when `write` is given.
   */
  tty?: boolean;
  /** Clock in milliseconds (default `performance.now` or `Date.now`). */
  now?: () => number;
  /** Least time between two drawn updates, in ms (default 100 on a terminal, 2000 otherwise). */
  minIntervalMs?: number;
  /** Longest line on a terminal, in characters; longer lines are cut (default: terminal width). */
  columns?: number;
}

/** Options of one {@linkcode ProgressBar.update} call. */
export interface UpdateOptions {
  /** Examples covered by each step since the previous update (overrides `examplesPerStep`). */
  examples?: number;
  /** Draw this update even if the last one was drawn very recently. */
  force?: boolean;
}

/** The handle returned by {@linkcode progressBar}. */
export interface ProgressBar {
  /**
   * Records that `step` of `total` steps are done, with the latest metrics.
   * Drawing is throttled; the last step is always drawn.
   */
  update(step: number, metrics?: Record<string, number>, options?: UpdateOptions): void;
  /** Draws the final line (with `message` appended, if any) and ends it with a newline. */
  done(message?: string): void;
  /** The text of the most recently drawn line, without control characters. */
  readonly line: string;
}

interface StdoutLike {
  writeSync?: (p: Uint8Array) => number;
  write?: (s: string) => unknown;
  isTerminal?: () => boolean;
  isTTY?: boolean;
  columns?: number;
}

interface RuntimeGlobals {
  Deno?: { stdout?: StdoutLike; consoleSize?: () => { columns: number } };
  process?: { stdout?: StdoutLike };
}

interface Output {
  write: (text: string) => void;
  tty: boolean;
  columns: number;
  lines: boolean; // each write is printed as its own line (console.log)
}

function detectOutput(): Output {
  const g = globalThis as unknown as RuntimeGlobals;
  const denoOut = g.Deno?.stdout;
  if (denoOut && typeof denoOut.writeSync === "function") {
    const encoder = new TextEncoder();
    const out = denoOut;
    let tty = false;
    let columns = 0;
    try {
      tty = typeof out.isTerminal === "function" && out.isTerminal();
      if (tty && g.Deno?.consoleSize) columns = g.Deno.consoleSize().columns;
    } catch {
      // No permission or no console: keep the defaults.
    }
    return {
      write: (text) => {
        let bytes = encoder.encode(text);
        while (bytes.length > 0) {
          const n = (out.writeSync as (p: Uint8Array) => number)(bytes);
          bytes = bytes.subarray(n);
        }
      },
      tty,
      columns,
      lines: false,
    };
  }
  const procOut = g.process?.stdout;
  if (procOut && typeof procOut.write === "function") {
    return {
      write: (text) => {
        (procOut.write as (s: string) => unknown).call(procOut, text);
      },
      tty: procOut.isTTY === true,
      columns: procOut.isTTY === true && typeof procOut.columns === "number" ? procOut.columns : 0,
      lines: false,
    };
  }
  return {
    write: (text) => console.log(text.replace(/\n$/, "")),
    tty: false,
    columns: 0,
    lines: true,
  };
}

function defaultNow(): () => number {
  const perf = (globalThis as { performance?: { now(): number } }).performance;
  return perf && typeof perf.now === "function" ? () => perf.now() : () => Date.now();
}

/**
 * Formats a duration as `m:ss` or `h:mm:ss`.
 *
 * @param seconds The duration in seconds; negative or non-finite gives `"--:--"`.
 * @returns The formatted duration.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { formatDuration } from "@difftrace/difftrace";
 *
 * strictEqual(formatDuration(42), "0:42");
 * strictEqual(formatDuration(3723), "1:02:03");
 * ```
 */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "--:--";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const ss = String(r).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/**
 * Formats a metric value compactly: four significant digits without trailing
 * zeros, exponent notation for very large or small magnitudes.
 *
 * @param value The number to format.
 * @returns The formatted number, or `NaN`, `inf`, `-inf`.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { formatMetric } from "@difftrace/difftrace";
 *
 * strictEqual(formatMetric(0.29312), "0.2931");
 * strictEqual(formatMetric(0.912), "0.912");
 * strictEqual(formatMetric(0.000012), "1.2e-5");
 * ```
 */
export function formatMetric(value: number): string {
  if (typeof value !== "number") {
    throw new TypeError(
      `formatMetric: value must be a number, got ${value === null ? "null" : typeof value}; ` +
        "convert a one-element array with Number(x) first.",
    );
  }
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  if (value === 0) return "0";
  const a = Math.abs(value);
  if (a >= 1e5 || a < 1e-3) {
    return value.toExponential(3).replace(/\.?0+e/, "e").replace("e+", "e");
  }
  const p = value.toPrecision(4);
  return p.includes(".") ? p.replace(/\.?0+$/, "") : p;
}

function groupThousands(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return "-";
  if (perSecond >= 100) return groupThousands(perSecond);
  if (perSecond >= 10) return perSecond.toFixed(1);
  return perSecond.toPrecision(2);
}

/**
 * Creates a one-line progress bar for a loop of `total` steps, showing the
 * bar, the step count, the latest metrics, the throughput (`ex/s` when the
 * number of examples per step is known, `it/s` otherwise) and the time left:
 *
 * ```text
 * epoch 3/20 [#########...............]  412/1250  loss 0.2931  acc 0.912  8,213 ex/s  ETA 0:42
 * ```
 *
 * Rates and the ETA are measured from the moment the bar is created.
 *
 * @param options Total steps, label, writer, clock and throttling.
 * @returns A handle with `update(step, metrics, options?)` and `done(message?)`.
 *
 * @example Drive a bar with a fake clock and collect its output
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { progressBar } from "@difftrace/difftrace";
 *
 * let t = 0;
 * const out: string[] = [];
 * const bar = progressBar({
 *   total: 100, label: "epoch 1/5", examplesPerStep: 64,
 *   write: (s: string) => out.push(s), now: () => t,
 * });
 * for (let step = 1; step <= 100; step++) {
 *   t += 10; // 10 ms per step of 64 examples
 *   bar.update(step, { loss: 1 / step });
 * }
 * bar.done();
 * ok(bar.line.includes("100/100"));
 * ok(bar.line.includes("6,400 ex/s"));
 * ```
 */
export function progressBar(options: ProgressOptions): ProgressBar {
  if (options === null || typeof options !== "object") {
    throw new TypeError(`progressBar: expected options like { total }, got ${show(options)}.`);
  }
  checkOptions("progressBar", options, [
    "total",
    "label",
    "width",
    "examplesPerStep",
    "write",
    "tty",
    "now",
    "minIntervalMs",
    "columns",
  ]);
  checkInt("progressBar", "total", options.total, 0, Number.MAX_SAFE_INTEGER);
  if (options.width !== undefined) checkInt("progressBar", "width", options.width, 1, 1000);
  const total = Math.max(0, Math.floor(options.total));
  const barWidth = Math.max(1, Math.floor(options.width ?? 24));
  const label = options.label ?? "";
  const now = options.now ?? defaultNow();

  let output: Output;
  if (options.write) {
    output = { write: options.write, tty: options.tty ?? false, columns: 0, lines: false };
  } else {
    output = detectOutput();
    if (options.tty !== undefined) output.tty = options.tty && !output.lines;
  }
  const columns = options.columns ?? output.columns;
  const interval = options.minIntervalMs ?? (output.tty ? 100 : 2000);

  const start = now();
  let lastDraw = -Infinity;
  let lastStep = 0;
  let examples = 0;
  let sawExamples = options.examplesPerStep !== undefined;
  let metrics: Record<string, number> = {};
  let line = "";
  let finished = false;
  let drawnOnce = false;
  let dirty = false;

  // The fields of a line, most important first when a narrow terminal forces a choice: the
  // label (epoch), the metrics (loss, accuracy), the rate and the final message always stay;
  // the bar shrinks to 8 characters, then the step count, the time and the bar itself go.
  const render = (elapsedMs: number, finalMessage?: string): string => {
    const frac = total > 0 ? Math.min(1, Math.max(0, lastStep / total)) : 1;
    const bar = (w: number) => {
      const filled = Math.round(frac * w);
      return `[${"#".repeat(filled)}${".".repeat(w - filled)}]`;
    };
    const steps = `${String(lastStep).padStart(String(total).length)}/${total}`;
    const shown = Object.entries(metrics).map(([k, v]) => `${k} ${formatMetric(v)}`);
    const seconds = elapsedMs / 1000;
    let rate = "";
    if (seconds > 0 && lastStep > 0) {
      rate = sawExamples
        ? `${formatRate(examples / seconds)} ex/s`
        : `${formatRate(lastStep / seconds)} it/s`;
    }
    let time: string;
    if (finalMessage !== undefined || lastStep >= total) {
      time = `in ${formatDuration(seconds)}`;
    } else {
      const eta = lastStep > 0 && seconds > 0 ? ((total - lastStep) * seconds) / lastStep : NaN;
      time = `ETA ${formatDuration(eta)}`;
    }
    const compose = (barWidth: number | null, withSteps: boolean, withTime: boolean) => {
      const head = [label, barWidth === null ? "" : bar(barWidth)].filter((x) => x).join(" ");
      const tail = [
        withSteps ? steps : "",
        ...shown,
        rate,
        withTime ? time : "",
        finalMessage ?? "",
      ]
        .filter((x) => x);
      return [head, ...tail].filter((x) => x).join("  ");
    };
    const full = compose(barWidth, true, true);
    const limit = output.tty && columns > 1 ? columns - 1 : Infinity;
    if (full.length <= limit) return full;
    const small = Math.min(barWidth, 8);
    const tries = [
      compose(small, true, true),
      compose(small, false, true),
      compose(small, false, false),
      compose(null, false, false),
    ];
    return tries.find((t) => t.length <= limit) ?? tries[tries.length - 1];
  };

  const emit = (text: string, final: boolean) => {
    line = text;
    drawnOnce = true;
    if (output.tty) {
      const shown = columns > 1 && text.length > columns - 1
        ? text.slice(0, columns - 2) + "…"
        : text;
      output.write(`\r${shown}\u001b[K${final ? "\n" : ""}`);
    } else {
      output.write(`${text}\n`);
    }
  };

  return {
    update(step: number, newMetrics?: Record<string, number>, opts?: UpdateOptions): void {
      if (finished) return;
      if (typeof step !== "number" || Number.isNaN(step)) {
        throw new TypeError(`progressBar.update: step must be a number, got ${show(step)}.`);
      }
      for (const [k, v] of Object.entries(newMetrics ?? {})) {
        if (typeof v !== "number") {
          throw new TypeError(
            `progressBar.update: metric "${k}" must be a number, got ${show(v)}; ` +
              "convert a one-element array with Number(x) first.",
          );
        }
      }
      const s = Math.max(0, Math.min(total, Math.floor(step)));
      const perStep = opts?.examples ?? options.examplesPerStep;
      if (opts?.examples !== undefined) sawExamples = true;
      if (perStep !== undefined && s > lastStep) examples += (s - lastStep) * perStep;
      lastStep = Math.max(lastStep, s);
      if (newMetrics) metrics = { ...metrics, ...newMetrics };
      const t = now();
      const last = s >= total;
      if (!opts?.force && !last && drawnOnce && t - lastDraw < interval) {
        dirty = true;
        return;
      }
      lastDraw = t;
      dirty = false;
      emit(render(t - start), false);
    },
    done(message?: string): void {
      if (finished) return;
      finished = true;
      // A plain log already holds the last state unless something changed since.
      if (!output.tty && drawnOnce && !dirty && !message) return;
      emit(render(now() - start, message ?? ""), true);
    },
    get line(): string {
      return line;
    },
  };
}
