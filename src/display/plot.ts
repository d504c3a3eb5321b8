/**
 * Dependency-free SVG line charts for training curves.
 *
 * Everything here returns a string holding a complete, standalone SVG
 * document; writing it to a file is left to the caller, so the module runs
 * unchanged on Deno, Bun and in browsers.
 *
 * @module
 */
import { checkInt, checkOptions, show } from "../core/_validate.ts";
import { escapeXml, fmt, hashId, svgDocument, truncate } from "./_svg.ts";
import { formatLogTicks, formatTick, logTicks, niceTicks } from "./_ticks.ts";

export { escapeXml } from "./_svg.ts";
export { niceTicks } from "./_ticks.ts";

/** One line in a chart. */
export interface Series {
  /** Label shown in the legend. */
  name: string;
  /** The values to draw. Non-finite values (NaN, ±Infinity) leave a gap. */
  y: ArrayLike<number>;
  /** Horizontal positions; defaults to the indices `0, 1, 2, …` of `y`. */
  x?: ArrayLike<number>;
  /** Any SVG colour; defaults to the next colour of {@linkcode PALETTE}. */
  color?: string;
  /** Draw the line dashed (for example for a validation curve). */
  dashed?: boolean;
}

/** Options for one panel: titles, labels and axis ranges. */
export interface PanelOptions {
  /** Title drawn above the plot area. */
  title?: string;
  /** Label under the horizontal axis. */
  xLabel?: string;
  /** Label beside the vertical axis. */
  yLabel?: string;
  /** Use a base-10 logarithmic vertical axis; values ≤ 0 are then skipped. */
  logY?: boolean;
  /** Lower bound of the vertical axis; data below it is clipped. */
  yMin?: number;
  /** Upper bound of the vertical axis; data above it is clipped. */
  yMax?: number;
  /** Lower bound of the horizontal axis. */
  xMin?: number;
  /** Upper bound of the horizontal axis. */
  xMax?: number;
  /** Show the legend to the right of the plot area (default `true`). */
  legend?: boolean;
}

/** Options of {@linkcode lineChart}: panel options plus the size of the image. */
export interface ChartOptions extends PanelOptions {
  /** Width of the image in pixels (default 640). */
  width?: number;
  /** Height of the image in pixels (default 400). */
  height?: number;
}

/** One panel of a {@linkcode figure}: its series and its options. */
export interface Panel extends PanelOptions {
  /** The lines drawn in this panel. */
  series: Series[];
}

/** Options of {@linkcode figure}. */
export interface FigureOptions {
  /** Panels per row (default: all panels in one row, at most 3). */
  columns?: number;
  /** Title drawn above all panels. */
  title?: string;
  /** Width of each panel in pixels (default 520). */
  panelWidth?: number;
  /** Height of each panel in pixels (default 360). */
  panelHeight?: number;
}

const PANEL_KEYS = ["title", "xLabel", "yLabel", "logY", "yMin", "yMax", "xMin", "xMax", "legend"];

/** Checks the series list: each a `{ name, y }` with optional `x`, `color`, `dashed`. */
function checkSeries(op: string, series: unknown): void {
  if (!Array.isArray(series)) {
    throw new TypeError(`${op}: series must be a list of { name, y }, got ${show(series)}.`);
  }
  series.forEach((s, i) => {
    checkOptions(`${op} (series ${i})`, s, ["name", "y", "x", "color", "dashed"], "series keys");
    const y = (s as { y?: unknown })?.y;
    if (s === undefined || !(Array.isArray(y) || ArrayBuffer.isView(y))) {
      throw new TypeError(`${op}: series ${i} needs y, a list of numbers, got ${show(y)}.`);
    }
  });
}

/** The colours given, in order, to series without an explicit `color`. */
export const PALETTE: readonly string[] = Object.freeze([
  "#1f6fb4",
  "#e8730c",
  "#2a9d3a",
  "#d1343a",
  "#8a5cc2",
  "#8c564b",
  "#d45fb0",
  "#6f6f6f",
  "#a9a91d",
  "#17a8bd",
]);

const CHAR_WIDTH = 6.8; // rough width of one character at 12px, for layout only
const LEGEND_MAX_CHARS = 28;

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

function xAt(s: Series, i: number): number {
  return s.x ? Number(s.x[i]) : i;
}

function count(s: Series): number {
  return s.x ? Math.min(s.x.length, s.y.length) : s.y.length;
}

/**
 * The indices of a series worth drawing in `pixels` columns: all of them for a
 * short series; for a long one, per bucket of consecutive points the first,
 * the lowest, the highest and any unusable one (so peaks and gaps survive),
 * which bounds the SVG at a few points per pixel however long the series is.
 */
function drawnIndices(
  s: Series,
  n: number,
  pixels: number,
  usable: (y: number) => boolean,
): Iterable<number> {
  const buckets = Math.max(1, Math.floor(2 * pixels));
  if (n <= 4 * buckets) return Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  const per = n / buckets;
  for (let b = 0; b < buckets; b++) {
    const lo = Math.floor(b * per), hi = Math.min(n, Math.floor((b + 1) * per));
    let iMin = -1, iMax = -1;
    const picked = new Set<number>([lo]);
    for (let i = lo; i < hi; i++) {
      const y = Number(s.y[i]);
      if (!usable(y) || !Number.isFinite(xAt(s, i))) {
        picked.add(i);
        continue;
      }
      if (iMin < 0 || y < Number(s.y[iMin])) iMin = i;
      if (iMax < 0 || y > Number(s.y[iMax])) iMax = i;
    }
    if (iMin >= 0) picked.add(iMin);
    if (iMax >= 0) picked.add(iMax);
    out.push(...[...picked].sort((a, b) => a - b));
  }
  return out;
}

/** Renders one panel's content into the given box; returns SVG elements. */
function renderPanel(panel: Panel, box: Box, id: string, colorOffset: number): string {
  const out: string[] = [];
  const logY = panel.logY === true;
  const usable = (y: number) => Number.isFinite(y) && (!logY || y > 0);

  // Data ranges from finite (and, for log axes, positive) values only.
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const s of panel.series) {
    const n = count(s);
    for (let i = 0; i < n; i++) {
      const x = xAt(s, i), y = Number(s.y[i]);
      if (!Number.isFinite(x) || !usable(y)) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  if (x0 > x1) [x0, x1] = [0, 1];
  if (y0 > y1) [y0, y1] = logY ? [0.1, 1] : [0, 1];
  if (panel.xMin !== undefined && Number.isFinite(panel.xMin)) x0 = panel.xMin;
  if (panel.xMax !== undefined && Number.isFinite(panel.xMax)) x1 = panel.xMax;
  const fixedY0 = panel.yMin !== undefined && Number.isFinite(panel.yMin) &&
    (!logY || panel.yMin > 0);
  const fixedY1 = panel.yMax !== undefined && Number.isFinite(panel.yMax) &&
    (!logY || panel.yMax > 0);
  if (fixedY0) y0 = panel.yMin as number;
  if (fixedY1) y1 = panel.yMax as number;
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  if (y0 > y1) [y0, y1] = [y1, y0];
  if (x0 > x1) [x0, x1] = [x1, x0];

  const xTicksAll = niceTicks(x0, x1, Math.max(2, Math.round(box.width / 90)));
  const xStep = xTicksAll.length > 1 ? xTicksAll[1] - xTicksAll[0] : 1;
  // The axis spans the outermost nice ticks unless a bound was requested.
  const xLo = panel.xMin !== undefined ? x0 : xTicksAll[0];
  const xHi = panel.xMax !== undefined ? x1 : xTicksAll[xTicksAll.length - 1];
  const xTicks = xTicksAll.filter((t) => t >= xLo - 1e-12 && t <= xHi + 1e-12);

  let yTicks: number[];
  let yLo: number, yHi: number, yStep = 0;
  if (logY) {
    yTicks = logTicks(y0, y1);
    yLo = fixedY0 ? y0 : Math.min(yTicks[0], y0);
    yHi = fixedY1 ? y1 : Math.max(yTicks[yTicks.length - 1], y1);
    yTicks = yTicks.filter((t) => t >= yLo * (1 - 1e-9) && t <= yHi * (1 + 1e-9));
  } else {
    const all = niceTicks(y0, y1, Math.max(2, Math.round(box.height / 60)));
    yStep = all.length > 1 ? all[1] - all[0] : 1;
    yLo = fixedY0 ? y0 : all[0];
    yHi = fixedY1 ? y1 : all[all.length - 1];
    yTicks = all.filter((t) => t >= yLo - yStep * 1e-9 && t <= yHi + yStep * 1e-9);
  }
  const yLabels = logY ? formatLogTicks(yTicks) : yTicks.map((t) => formatTick(t, yStep));
  const xLabels = xTicks.map((t) => formatTick(t, xStep));

  // Layout inside the box.
  const titleH = panel.title ? 28 : 10;
  const yLabelW = panel.yLabel ? 20 : 0;
  const tickW = Math.max(...yLabels.map((l) => l.length), 1) * CHAR_WIDTH + 10;
  const showLegend = panel.legend !== false && panel.series.length > 0;
  const longest = Math.max(0, ...panel.series.map((s) => Array.from(s.name).length));
  const legendW = showLegend
    ? Math.min(Math.min(longest, LEGEND_MAX_CHARS) * CHAR_WIDTH + 40, box.width * 0.4)
    : 0;
  const fitChars = Math.max(4, Math.floor((legendW - 40) / CHAR_WIDTH + 1e-6));
  const names = panel.series.map((s) => truncate(s.name, Math.min(LEGEND_MAX_CHARS, fitChars)));
  const left = box.x + 8 + yLabelW + tickW;
  const top = box.y + titleH;
  const right = box.x + box.width - 12 - legendW;
  const bottom = box.y + box.height - (panel.xLabel ? 44 : 28);
  const pw = Math.max(10, right - left), ph = Math.max(10, bottom - top);

  const sx = (x: number) => left + ((x - xLo) / (xHi - xLo)) * pw;
  const ly = (y: number) => logY ? Math.log10(y) : y;
  const lyLo = ly(yLo), lyHi = ly(yHi);
  const sy = (y: number) => top + ph - ((ly(y) - lyLo) / (lyHi - lyLo || 1)) * ph;

  if (panel.title) {
    out.push(
      `<text x="${fmt(left + pw / 2)}" y="${fmt(box.y + 18)}" text-anchor="middle" ` +
        `font-size="14" font-weight="600">${escapeXml(panel.title)}</text>`,
    );
  }

  // Grid and ticks.
  const grid: string[] = [];
  const labels: string[] = [];
  yTicks.forEach((t, i) => {
    const y = fmt(sy(t));
    grid.push(`<line x1="${fmt(left)}" y1="${y}" x2="${fmt(left + pw)}" y2="${y}"/>`);
    labels.push(
      `<text x="${fmt(left - 6)}" y="${y}" text-anchor="end" dominant-baseline="middle">` +
        `${escapeXml(yLabels[i])}</text>`,
    );
  });
  xTicks.forEach((t, i) => {
    const x = fmt(sx(t));
    grid.push(`<line x1="${x}" y1="${fmt(top)}" x2="${x}" y2="${fmt(top + ph)}"/>`);
    labels.push(
      `<text x="${x}" y="${fmt(top + ph + 16)}" text-anchor="middle">` +
        `${escapeXml(xLabels[i])}</text>`,
    );
  });
  out.push(`<g stroke="#e4e6eb" stroke-width="1">${grid.join("")}</g>`);
  out.push(
    `<rect x="${fmt(left)}" y="${fmt(top)}" width="${fmt(pw)}" height="${fmt(ph)}" ` +
      `fill="none" stroke="#9aa0a8" stroke-width="1"/>`,
  );
  out.push(`<g class="ticks" fill="#444" font-size="11">${labels.join("")}</g>`);

  if (panel.xLabel) {
    out.push(
      `<text x="${fmt(left + pw / 2)}" y="${fmt(box.y + box.height - 8)}" text-anchor="middle" ` +
        `fill="#222">${escapeXml(panel.xLabel)}</text>`,
    );
  }
  if (panel.yLabel) {
    const cx = box.x + 14, cy = top + ph / 2;
    out.push(
      `<text x="${fmt(cx)}" y="${fmt(cy)}" text-anchor="middle" fill="#222" ` +
        `transform="rotate(-90 ${fmt(cx)} ${fmt(cy)})">${escapeXml(panel.yLabel)}</text>`,
    );
  }

  // Lines, clipped to the plot area.
  const clipId = `dt-clip-${id}`;
  out.push(
    `<clipPath id="${clipId}"><rect x="${fmt(left)}" y="${fmt(top)}" width="${fmt(pw)}" ` +
      `height="${fmt(ph)}"/></clipPath>`,
  );
  const lines: string[] = [];
  const colors: string[] = [];
  panel.series.forEach((s, si) => {
    const color = s.color ?? PALETTE[(si + colorOffset) % PALETTE.length];
    colors.push(color);
    const n = count(s);
    const segs: string[] = [];
    const dots: string[] = [];
    const breaks: string[] = [];
    let run: string[] = [];
    let lastGood = -1;
    const flush = () => {
      if (run.length === 1) {
        const [px, py] = run[0].slice(1).split(",");
        dots.push(`<circle cx="${px}" cy="${py}" r="2.5"/>`);
      } else if (run.length > 1) segs.push(run.join(""));
      run = [];
    };
    let prev = -1;
    for (const i of drawnIndices(s, n, pw, usable)) {
      const x = xAt(s, i), y = Number(s.y[i]);
      const before = prev;
      prev = i;
      if (!Number.isFinite(x) || !usable(y)) {
        // Mark where a series stops being finite, e.g. a diverging loss.
        if (lastGood >= 0 && lastGood === before && !Number.isFinite(y)) {
          const gx = xAt(s, lastGood), gy = Number(s.y[lastGood]);
          breaks.push(`${fmt(sx(gx))},${fmt(sy(gy))}`);
        }
        flush();
        continue;
      }
      lastGood = i;
      run.push(`${run.length === 0 ? "M" : "L"}${fmt(sx(x))},${fmt(sy(y))}`);
    }
    flush();
    const dash = s.dashed ? ` stroke-dasharray="6 4"` : "";
    const c = escapeXml(color);
    if (segs.length > 0) {
      lines.push(
        `<path d="${segs.join("")}" fill="none" stroke="${c}" stroke-width="1.8" ` +
          `stroke-linejoin="round" stroke-linecap="round"${dash}/>`,
      );
    }
    if (dots.length > 0) lines.push(`<g fill="${c}">${dots.join("")}</g>`);
    for (const b of breaks) {
      const [bx, by] = b.split(",").map(Number);
      lines.push(
        `<path d="M${fmt(bx - 3.5)},${fmt(by - 3.5)}L${fmt(bx + 3.5)},${fmt(by + 3.5)}` +
          `M${fmt(bx - 3.5)},${fmt(by + 3.5)}L${fmt(bx + 3.5)},${fmt(by - 3.5)}" ` +
          `stroke="${c}" stroke-width="2" fill="none"/>`,
      );
    }
  });
  out.push(`<g clip-path="url(#${clipId})">${lines.join("")}</g>`);

  if (showLegend) {
    const lx = right + 14;
    const items = names.map((name, i) => {
      const y = top + 8 + i * 18;
      const dash = panel.series[i].dashed ? ` stroke-dasharray="6 4"` : "";
      return `<line x1="${fmt(lx)}" y1="${fmt(y)}" x2="${fmt(lx + 20)}" y2="${fmt(y)}" ` +
        `stroke="${escapeXml(colors[i])}" stroke-width="2.5"${dash}/>` +
        `<text x="${fmt(lx + 26)}" y="${fmt(y)}" dominant-baseline="middle">` +
        `${escapeXml(name)}</text>`;
    });
    out.push(`<g class="legend" fill="#222" font-size="12">${items.join("")}</g>`);
  }
  return out.join("\n");
}

/** The largest image side in pixels: beyond it an SVG is too big to build or view. */
const MAX_SIDE = 16384;

function size(op: string, what: string, v: number | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 120 || v > MAX_SIDE) {
    throw new RangeError(
      `${op}: ${what} must be a number of pixels from 120 to ${MAX_SIDE}, got ${show(v)}.`,
    );
  }
  return v;
}

function panelId(panel: Panel, index: number): string {
  return hashId([
    String(index),
    panel.title ?? "",
    ...panel.series.map((s) => `${s.name}:${s.y.length}:${s.y[0]}:${s.y[s.y.length - 1]}`),
  ]);
}

/**
 * Draws line series into one chart and returns a complete SVG document.
 *
 * Axis ranges come from the finite values only, so a curve that reaches NaN or
 * Infinity (a diverging loss) leaves a gap, marked with a small cross at its
 * last finite point, instead of breaking the chart. Ticks are 1-2-5 multiples
 * of a power of ten; `logY` switches to a logarithmic vertical axis.
 *
 * @param series The lines to draw; colours default to {@linkcode PALETTE}.
 * @param options Title, axis labels, size, axis ranges and log scale.
 * @returns The SVG document as a string, ready to be written to a `.svg` file.
 *
 * @example Plot a loss curve
 * ```ts
 * import { ok } from "node:assert/strict";
 * import { lineChart } from "@difftrace/difftrace";
 *
 * const svg = lineChart(
 *   [{ name: "train loss", y: [2.3, 1.1, 0.6, 0.4, NaN, 0.3] }],
 *   { title: "Loss", xLabel: "epoch", logY: true },
 * );
 * ok(svg.startsWith("<svg"));
 * ok(svg.includes("train loss"));
 * ok(!svg.includes("NaN"));
 * ```
 */
export function lineChart(series: Series[], options: ChartOptions = {}): string {
  checkOptions("lineChart", options, [...PANEL_KEYS, "width", "height"]);
  checkSeries("lineChart", series);
  const { width, height, ...panelOptions } = options;
  const w = size("lineChart", "width", width, 640), h = size("lineChart", "height", height, 400);
  const panel: Panel = { ...panelOptions, series };
  const body = renderPanel(panel, { x: 0, y: 0, width: w, height: h }, panelId(panel, 0), 0);
  return svgDocument(w, h, body);
}

/**
 * Lays out several chart panels in a grid inside one SVG document, for
 * example loss and accuracy side by side.
 *
 * @param panels The panels, filled into rows left to right.
 * @param options Number of columns, an overall title and the size of each panel.
 * @returns The SVG document as a string.
 *
 * @example Loss and accuracy side by side
 * ```ts
 * import { ok, strictEqual } from "node:assert/strict";
 * import { figure } from "@difftrace/difftrace";
 *
 * const svg = figure([
 *   { title: "loss", series: [{ name: "train", y: [1, 0.5, 0.3] }] },
 *   { title: "accuracy", series: [{ name: "test", y: [0.6, 0.8, 0.9] }] },
 * ], { columns: 2 });
 * ok(svg.startsWith("<svg"));
 * strictEqual(svg.match(/<clipPath /g)?.length, 2);
 * ```
 */
export function figure(panels: Panel[], options: FigureOptions = {}): string {
  checkOptions("figure", options, ["columns", "title", "panelWidth", "panelHeight"]);
  if (!Array.isArray(panels)) {
    throw new TypeError(
      `figure: panels must be a list of { series, ...options }, got ${show(panels)}.`,
    );
  }
  panels.forEach((p, i) => {
    checkOptions(`figure (panel ${i})`, p, [...PANEL_KEYS, "series"], "panel keys");
    checkSeries(`figure (panel ${i})`, p.series);
  });
  if (options.columns !== undefined) checkInt("figure", "columns", options.columns, 1, 64);
  const n = Math.max(1, panels.length);
  const cols = Math.max(
    1,
    Math.min(n, Math.floor(options.columns ?? Math.min(n, 3)) || 1),
  );
  const rows = Math.ceil(n / cols);
  const pw = size("figure", "panelWidth", options.panelWidth, 520);
  const ph = size("figure", "panelHeight", options.panelHeight, 360);
  const titleH = options.title ? 34 : 0;
  const width = cols * pw, height = rows * ph + titleH;
  const parts: string[] = [];
  if (options.title) {
    parts.push(
      `<text x="${fmt(width / 2)}" y="24" text-anchor="middle" font-size="16" ` +
        `font-weight="600">${escapeXml(options.title)}</text>`,
    );
  }
  panels.forEach((panel, i) => {
    const box = {
      x: (i % cols) * pw,
      y: titleH + Math.floor(i / cols) * ph,
      width: pw,
      height: ph,
    };
    parts.push(`<g class="panel">\n${renderPanel(panel, box, panelId(panel, i), 0)}\n</g>`);
  });
  return svgDocument(width, height, parts.join("\n"));
}
