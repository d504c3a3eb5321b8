/**
 * Printing arrays as JAX does: `Array([1., 2.], dtype=float32)`.
 *
 * JAX's repr is NumPy's `array2string` (separator ", ", 75 columns, at most 1,000
 * elements before summarising with "..." and 3 items at each end of each axis, floats
 * with up to 8 fractional digits) wrapped in `Array(` ... `, dtype=...)`. This file
 * reimplements those layout rules from their observable behaviour (checked against
 * JAX's own output in tests/jax_parity_test.ts):
 * - floats take the shortest decimal that reads back to the same float32/float64,
 *   switch to scientific notation when the largest |x| ≥ 1e8, the smallest non-zero
 *   |x| < 1e-4, or their ratio > 1000, and align on the decimal point;
 * - integers and bools right-align to the widest cell (`True` gets a leading space);
 * - rows wrap at the line width under a hanging indent; blocks of higher axes are
 *   separated by blank lines.
 * Only the cells that are shown are formatted, so printing a huge array is cheap.
 */
import { type DType, isInteger, storeRounding, type TypedArray } from "./_dtype.ts";

/** What the formatter reads: a contiguous row-major buffer, a shape and a dtype. */
export interface Printable {
  readonly data: TypedArray;
  readonly shape: readonly number[];
  readonly dtype: DType;
}

const LINE_WIDTH = 75;
const THRESHOLD = 1000;
const EDGE = 3;
const PRECISION = 8;
const PREFIX = "Array(";

/** The shown indices along an axis of length `n`: all, or 3 + a gap (-1) + 3. */
function shownIndices(n: number, summarise: boolean): number[] {
  if (!summarise || n <= 2 * EDGE) return [...Array(n).keys()];
  return [0, 1, 2, -1, n - 3, n - 2, n - 1];
}

/** The values of the cells that are shown (row-major over the shown indices). */
function shownValues(v: Printable, summarise: boolean): number[] {
  const out: number[] = [];
  const walk = (axis: number, offset: number, stride: number) => {
    if (axis === v.shape.length) {
      out.push(v.data[offset]);
      return;
    }
    const n = v.shape[axis], inner = stride / (n || 1);
    for (const i of shownIndices(n, summarise)) {
      if (i >= 0) walk(axis + 1, offset + i * inner, inner);
    }
  };
  walk(0, 0, v.data.length);
  return out;
}

/** Shortest significant digits that read back to `x` (in its float dtype) and the decimal exponent. */
function shortestDigits(x: number, dtype: DType): { digits: string; exp: number } {
  const a = Math.abs(x);
  if (a === 0) return { digits: "0", exp: 0 };
  const maxP = dtype === "float64" ? 17 : 9;
  // the value a decimal reads back to in this dtype
  const read = dtype === "float64" ? (t: number) => t : storeRounding(dtype) ?? Math.fround;
  let s = a.toExponential(maxP - 1);
  for (let p = 1; p < maxP; p++) {
    const t = a.toExponential(p - 1);
    const back = Number(t);
    if (read(back) === a) {
      s = t;
      break;
    }
  }
  const [mant, e] = s.split("e");
  return { digits: mant.replace(".", ""), exp: Number(e) };
}

/** Positional `[int part with sign, fraction]` of `x`, at most PRECISION fractional digits. */
function positional(x: number, dtype: DType): [string, string] {
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  const { digits, exp } = shortestDigits(x, dtype);
  let int: string, frac: string;
  if (exp >= 0) {
    int = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
    frac = digits.slice(exp + 1);
  } else {
    int = "0";
    frac = "0".repeat(-exp - 1) + digits;
  }
  if (frac.length > PRECISION) {
    // round to PRECISION places, then drop the trailing zeros again
    const fixed = Math.abs(x).toFixed(PRECISION);
    [int, frac] = fixed.split(".");
    frac = frac.replace(/0+$/, "");
  }
  return [sign + int, frac];
}

/** Scientific `[mantissa int with sign, fraction, exponent digits with sign]` of `x`. */
function scientific(x: number, dtype: DType): [string, string, string] {
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  let { digits, exp } = shortestDigits(x, dtype);
  if (digits.length > PRECISION + 1) {
    const [m, e] = Math.abs(x).toExponential(PRECISION).split("e");
    digits = m.replace(".", "").replace(/0+$/, "") || "0";
    exp = Number(e);
  }
  const e = String(Math.abs(exp)).padStart(2, "0");
  return [sign + digits[0], digits.slice(1), (exp < 0 ? "-" : "+") + e];
}

/** A formatter for every cell of `values` (the shown cells), padded to one width. */
function cellFormatter(values: number[], dtype: DType, scalar: boolean): (x: number) => string {
  if (dtype === "bool") return (x) => (x ? (scalar ? "True" : " True") : "False");
  if (isInteger(dtype)) {
    const width = Math.max(0, ...values.map((x) => String(x).length));
    return (x) => String(x).padStart(width);
  }
  const finite = values.filter(Number.isFinite);
  const nonzero = finite.map(Math.abs).filter((a) => a !== 0);
  const maxAbs = Math.max(0, ...nonzero), minAbs = Math.min(Infinity, ...nonzero);
  const sci = nonzero.length > 0 && (maxAbs >= 1e8 || minAbs < 1e-4 || maxAbs / minAbs > 1e3);
  let padLeft = 0, padRight = 0, fmt: (x: number) => string;
  if (finite.length === 0) {
    fmt = () => "";
  } else if (sci) {
    const parts = finite.map((x) => scientific(x, dtype));
    const precision = Math.max(...parts.map((p) => p[1].length));
    const expSize = Math.max(...parts.map((p) => p[2].length)) - 1;
    padLeft = Math.max(...parts.map((p) => p[0].length));
    padRight = expSize + 2 + precision;
    // every mantissa shows `precision` digits: the exact decimal expansion, not zero padding
    fmt = (x) => {
      const [m, e] = Math.abs(x).toExponential(precision).split("e");
      const [i, f = ""] = m.split(".");
      const sign = x < 0 || Object.is(x, -0) ? "-" : "";
      const exp = Math.abs(Number(e));
      return `${(sign + i).padStart(padLeft)}.${f}e${e[0]}${String(exp).padStart(expSize, "0")}`;
    };
  } else {
    const parts = finite.map((x) => positional(x, dtype));
    padLeft = Math.max(...parts.map((p) => p[0].length));
    padRight = Math.max(...parts.map((p) => p[1].length));
    fmt = (x) => {
      const [i, f] = positional(x, dtype);
      return `${i.padStart(padLeft)}.${f.padEnd(padRight)}`;
    };
  }
  if (finite.length !== values.length) {
    // nan and inf share the width of the finite cells (the '.' included)
    const negInf = values.some((x) => x === -Infinity) ? 1 : 0;
    padLeft = Math.max(padLeft, 3 - (padRight + 1), 3 + negInf - (padRight + 1));
  }
  return (x) => {
    if (Number.isFinite(x)) return fmt(x);
    const s = Number.isNaN(x) ? "nan" : x < 0 ? "-inf" : "inf";
    return s.padStart(padLeft + padRight + 1);
  };
}

/** Adds `word` to the current `line`, first wrapping onto a new line if it would not fit. */
function extendLine(
  s: string,
  line: string,
  word: string,
  width: number,
  indent: string,
): [string, string] {
  if (line.length + word.length > width && line.length > indent.length) {
    s += line.trimEnd() + "\n";
    line = indent;
  }
  return [s, line + word];
}

/** NumPy's array2string layout with separator ", " (the part between `Array(` and the dtype). */
function arrayBody(v: Printable, lineWidth: number): string {
  const summarise = v.data.length > THRESHOLD;
  const cell = cellFormatter(shownValues(v, summarise), v.dtype, v.shape.length === 0);
  const ndim = v.shape.length;
  const recurse = (axis: number, offset: number, stride: number, indent: string, width: number) => {
    if (axis === ndim) return cell(v.data[offset]);
    const n = v.shape[axis], inner = stride / (n || 1);
    const nextIndent = indent + " ", nextWidth = width - 1;
    const idx = shownIndices(n, summarise);
    const child = (i: number) =>
      recurse(axis + 1, offset + i * inner, inner, nextIndent, nextWidth);
    let s = "";
    if (axis === ndim - 1) {
      let line = indent;
      idx.forEach((i, k) => {
        const last = k === idx.length - 1;
        [s, line] = extendLine(
          s,
          line,
          i < 0 ? "..." : child(i),
          last ? width - 1 : width - 1,
          indent,
        );
        if (!last) line += ", ";
      });
      s += line;
    } else {
      const sep = ",\n" + "\n".repeat(ndim - axis - 2);
      s = idx.map((i) => indent + (i < 0 ? "..." : child(i))).join(sep);
    }
    return "[" + s.slice(indent.length) + "]";
  };
  return recurse(0, 0, v.data.length, " ".repeat(PREFIX.length + 1), lineWidth);
}

/** Python's tuple text for a shape: `(3,)`, `(2, 0)`. */
function pyShape(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

/** JAX's repr of a concrete array, e.g. `Array([1., 2.], dtype=float32)`. */
export function formatArray(v: Printable): string {
  const dtypeStr = `dtype=${v.dtype}`;
  // array2string reserves one column for the "," that follows the body
  const s = v.data.length === 0 && v.shape.length > 0
    ? `[], shape=${pyShape(v.shape)}`
    : arrayBody(v, LINE_WIDTH - 1);
  const lastLine = s.length - s.lastIndexOf("\n") + 1;
  const sep = lastLine + dtypeStr.length + 2 > LINE_WIDTH ? " ".repeat(PREFIX.length) : " ";
  return `${PREFIX}${s},${sep}${dtypeStr})`;
}

/** An HTML table of a 0-, 1- or 2-D array (larger ones as preformatted text), for notebooks. */
export function formatHtml(v: Printable): string {
  const esc = (t: string) => t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const caption = `<caption style="caption-side:bottom;text-align:left">${v.dtype}[${
    v.shape.join(", ")
  }]</caption>`;
  if (v.shape.length > 2 || v.data.length > THRESHOLD) {
    return `<pre>${esc(formatArray(v))}</pre>`;
  }
  const cell = cellFormatter(Array.from(v.data, Number), v.dtype, true);
  const rows = v.shape.length === 2 ? v.shape[0] : 1;
  const cols = v.shape.length === 0 ? 1 : v.shape[v.shape.length - 1];
  let body = "";
  for (let r = 0; r < rows; r++) {
    body += "<tr>";
    for (let c = 0; c < cols; c++) {
      body += `<td style="text-align:right;font-family:monospace">${
        esc(cell(v.data[r * cols + c]).trim())
      }</td>`;
    }
    body += "</tr>";
  }
  return `<table>${caption}${body}</table>`;
}
