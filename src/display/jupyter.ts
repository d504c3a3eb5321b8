/**
 * Display in notebooks. Deno's Jupyter kernel (`deno jupyter`) shows any value that has a
 * `Symbol.for("Jupyter.display")` method by calling it and rendering the MIME bundle it
 * returns. Arrays carry that method themselves (an HTML table plus JAX's text); charts are
 * SVG strings, and a string cannot carry a method, so `svgImage` wraps one.
 */

/** The key Deno's Jupyter kernel looks up on a value to display it. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for("Jupyter.display");

/** An SVG document that displays as an image in a notebook and prints as its source. */
export interface SvgImage {
  /** The SVG document. */
  readonly svg: string;
  /** The SVG source, so `Deno.writeTextFile(path, String(image))` writes the file. */
  toString(): string;
  /** The MIME bundle for Jupyter: `image/svg+xml` and a one-line `text/plain`. */
  [JUPYTER_DISPLAY](): Record<string, string>;
}

/**
 * Wraps an SVG document (from `lineChart` or `figure`) so that a notebook cell ending in it
 * shows the chart as an image.
 *
 * @param svg An SVG document, starting with `<svg`.
 * @returns The displayable image.
 *
 * @example
 * ```ts
 * import { JUPYTER_DISPLAY, lineChart, svgImage } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const image = svgImage(lineChart([{ name: "loss", y: [1, 0.5, 0.25] }]));
 * assert.ok(image[JUPYTER_DISPLAY]()["image/svg+xml"].startsWith("<svg"));
 * assert.ok(String(image).startsWith("<svg"));
 * ```
 */
export function svgImage(svg: string): SvgImage {
  if (typeof svg !== "string" || !svg.trimStart().startsWith("<svg")) {
    throw new TypeError(
      `svgImage: expected an SVG document (a string starting with "<svg"), got ${
        typeof svg === "string" ? JSON.stringify(svg.slice(0, 20)) : typeof svg
      }; pass the result of lineChart() or figure().`,
    );
  }
  const size = svg.match(/width="(\d+)"[^>]*height="(\d+)"/);
  return {
    svg,
    toString: () => svg,
    [JUPYTER_DISPLAY]: () => ({
      "image/svg+xml": svg,
      "text/plain": `<svg image${size ? ` ${size[1]}×${size[2]}` : ""}>`,
    }),
  };
}
