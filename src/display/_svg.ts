/**
 * The SVG text the charts of `plot.ts` are made of: escaping for character data and
 * attributes, coordinates as short decimals, label truncation, ids unique per chart, and the
 * standalone document around a chart's elements.
 */

const FONT = "system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";

/**
 * Escapes text for use in XML character data and attribute values, and drops
 * control characters that XML 1.0 forbids.
 *
 * @param text The raw text.
 * @returns The text with `&`, `<`, `>`, `"` and `'` replaced by entities.
 *
 * @example Escape markup
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { escapeXml } from "@difftrace/difftrace";
 *
 * strictEqual(escapeXml(`a<b & "c"`), "a&lt;b &amp; &quot;c&quot;");
 * ```
 */
export function escapeXml(text: string): string {
  if (typeof text !== "string") {
    throw new TypeError(
      `escapeXml: text must be a string, got ${text === null ? "null" : typeof text}; ` +
        "convert it first, e.g. escapeXml(String(value)).",
    );
  }
  return text
    // deno-lint-ignore no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** A coordinate or size with at most two decimals. */
export function fmt(n: number): string {
  return String(Math.round(n * 100) / 100);
}

/** `text` cut to `max` characters, ending in an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : chars.slice(0, max - 1).join("") + "…";
}

/** A small deterministic hash, used to make clip-path ids unique per chart. */
export function hashId(parts: string[]): string {
  let h = 0x811c9dc5;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) {
      h ^= p.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    h ^= 0xff;
  }
  return h.toString(36);
}

/** A complete SVG document of the given size holding `body` on a white background. */
export function svgDocument(width: number, height: number, body: string): string {
  const w = fmt(width), h = fmt(height);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" ` +
    `viewBox="0 0 ${w} ${h}" font-family="${escapeXml(FONT)}" font-size="12">\n` +
    `<rect width="100%" height="100%" fill="#ffffff"/>\n${body}\n</svg>\n`;
}
