/**
 * How arrays show themselves: console.log under Deno and Bun/Node, template strings,
 * conversion to numbers, JSON, tracers, and the MIME bundles of Deno's Jupyter kernel.
 * (The exact text of concrete arrays is checked against JAX in jax_parity_test.ts.)
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  grad,
  jit,
  JUPYTER_DISPLAY,
  lineChart,
  makeJaxpr,
  type NDArray,
  np,
  svgImage,
  vmap,
} from "../mod.ts";

const x = np.array([1, 2.5]);
const display = (v: unknown) =>
  (v as { [JUPYTER_DISPLAY](): Record<string, string> })[JUPYTER_DISPLAY]();

describe("printing arrays", () => {
  it("console.log shows JAX's text under the Node/Bun inspector and Deno's", () => {
    assert.equal(inspect(x), "Array([1. , 2.5], dtype=float32)");
    assert.equal(
      inspect({ w: np.array(2) }).replace(/\s+/g, " "),
      "{ w: Array(2., dtype=float32) }",
    );
    const deno = (globalThis as { Deno?: { inspect(v: unknown): string } }).Deno;
    if (deno) assert.equal(deno.inspect(x), "Array([1. , 2.5], dtype=float32)");
  });
  it("template strings and String() give the same text", () => {
    assert.equal(`${x}`, "Array([1. , 2.5], dtype=float32)");
    assert.equal(String(np.array(3, { dtype: "int32" })), "Array(3, dtype=int32)");
  });
  it("a one-element array converts to a number; larger arrays throw a TypeError", () => {
    const s = np.array([4]);
    assert.equal(+s, 4);
    assert.equal(Number(np.array(true, { dtype: "bool" })), 1);
    assert.ok((s as unknown as number) > 3);
    assert.throws(() => +x, { name: "TypeError", message: /shape \[2\].*one-element/ });
  });
  it("JSON.stringify writes nested numbers", () => {
    assert.equal(JSON.stringify({ w: np.array([[1, 2], [3, 4]]) }), '{"w":[[1,2],[3,4]]}');
    assert.equal(JSON.stringify(np.array([true, false], { dtype: "bool" })), "[true,false]");
  });
});

describe("printing tracers", () => {
  it("a tracer prints its type and transform under jit, vmap and grad", () => {
    const seen: string[] = [];
    const f = (y: NDArray) => {
      seen.push(`${y}`, inspect(y));
      return y.sum();
    };
    jit(f)(np.ones([3]));
    vmap(f)(np.ones([2, 3]));
    grad(f)(np.ones([3]));
    makeJaxpr(f)(np.ones([3], { dtype: "int32" }));
    assert.deepEqual(seen, [
      "Traced<float32[3]> in jit",
      "Traced<float32[3]> in jit",
      "Traced<float32[3]> in vmap",
      "Traced<float32[3]> in vmap",
      "Traced<float32[3]> in grad",
      "Traced<float32[3]> in grad",
      "Traced<int32[3]> in makeJaxpr",
      "Traced<int32[3]> in makeJaxpr",
    ]);
  });
  it("a branch on a traced value under jit throws a TypeError that points to np.where", () => {
    const f = (y: NDArray) => ((y.sum() as unknown as number) > 0 ? y : y.neg());
    assert.throws(() => jit(f)(np.ones([2])), {
      name: "TypeError",
      message: /Traced<float32\[\]> in jit.*np\.where/,
    });
  });
  it("a branch on a value known under grad works, as in JAX", () => {
    const f = (y: NDArray) => ((y as unknown as number) > 0 ? y.square() : y.neg());
    assert.equal(grad(f)(np.array(3)).item(), 6);
    assert.equal(grad(f)(np.array(-3)).item(), -1);
  });
});

describe("display in Jupyter notebooks", () => {
  it("an array displays as an HTML table with JAX's text beside it", () => {
    const bundle = display(np.array([[1, 2], [3, 4]], { dtype: "int32" }));
    assert.deepEqual(Object.keys(bundle).sort(), ["text/html", "text/plain"]);
    assert.equal(bundle["text/plain"], "Array([[1, 2],\n       [3, 4]], dtype=int32)");
    assert.equal(bundle["text/html"].match(/<tr>/g)?.length, 2);
    assert.equal(bundle["text/html"].match(/<td[^>]*>/g)?.length, 4);
    assert.match(bundle["text/html"], /int32\[2, 2\]/);
  });
  it("a large or 3-D array displays as preformatted text", () => {
    const bundle = display(np.zeros([2, 2, 2]));
    assert.match(bundle["text/html"], /^<pre>Array\(\[\[\[0\., 0\.\]/);
  });
  it("svgImage wraps a chart as an image/svg+xml bundle and rejects non-SVG", () => {
    const svg = lineChart([{ name: "loss", y: [1, 0.5] }], { width: 300, height: 200 });
    const image = svgImage(svg);
    assert.equal(String(image), svg);
    const bundle = display(image);
    assert.equal(bundle["image/svg+xml"], svg);
    assert.equal(bundle["text/plain"], "<svg image 300×200>");
    assert.throws(() => svgImage("<div>"), { name: "TypeError", message: /svgImage.*lineChart/ });
  });
});

describe("examples/notebook.ipynb", () => {
  it("is a Deno-kernel notebook whose code cells run in order", async () => {
    const here = new URL(".", import.meta.url);
    const nb = JSON.parse(readFileSync(new URL("../examples/notebook.ipynb", here), "utf8")) as {
      metadata: { kernelspec: { name: string } };
      cells: { cell_type: string; source: string[] }[];
    };
    assert.equal(nb.metadata.kernelspec.name, "deno");
    const code = nb.cells.filter((c) => c.cell_type === "code").map((c) => c.source.join(""));
    assert.ok(code.length >= 3);
    // the cells as one module; a cell's final expression (what the notebook shows) is kept
    // in `shown` so the test can check it displays
    const body = code.map((c) => {
      // a cell's final statement (after the last earlier line ending in ";") is what it shows
      const lines = c.trimEnd().replace(/;$/, "").split("\n");
      const start = lines.slice(0, -1).findLastIndex((l) => l.trimEnd().endsWith(";")) + 1;
      const expr = lines.slice(start).filter((l) => !l.startsWith("//")).join("\n");
      if (/^(const|let|import|console)\b/.test(expr)) return c;
      return [...lines.slice(0, start), `shown.push(${expr});`].join("\n");
    }).join("\n")
      .replace('"../mod.ts"', JSON.stringify(new URL("../mod.ts", here).href));
    const dir = mkdtempSync(join(tmpdir(), "nb-"));
    const file = join(dir, "notebook.ts");
    writeFileSync(file, `export const shown: unknown[] = [];\n${body}\n`);
    try {
      const { shown } = await import(pathToFileURL(file).href) as { shown: unknown[] };
      assert.ok(shown.length >= 3);
      for (const v of shown) assert.ok(Object.keys(display(v)).length >= 2);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
