import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { escapeXml, figure, lineChart, niceTicks, PALETTE } from "../src/display/plot.ts";

/** All `d="..."` path data in the document. */
function pathData(svg: string): string[] {
  return [...svg.matchAll(/<path d="([^"]*)"/g)].map((m) => m[1]);
}

/** Texts of the tick labels (both axes). */
function tickLabels(svg: string): string[] {
  const g = svg.match(/<g class="ticks"[^>]*>(.*?)<\/g>/s);
  assert.ok(g, "tick group present");
  return [...g[1].matchAll(/>([^<]*)<\/text>/g)].map((m) => m[1]);
}

/** Texts of the vertical axis's tick labels (they are right-aligned). */
function yTickLabels(svg: string): string[] {
  return [...svg.matchAll(/text-anchor="end"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
}

/** True when `step` is 1, 2 or 5 times a power of ten. */
function isOneTwoFive(step: number): boolean {
  const mag = Math.pow(10, Math.floor(Math.log10(step) + 1e-9));
  const r = step / mag;
  return [1, 2, 5, 10].some((m) => Math.abs(r - m) < 1e-6);
}

describe("niceTicks", () => {
  it("uses 1-2-5 steps that cover the range", () => {
    const ranges: [number, number][] = [
      [0, 1],
      [0.13, 2.31],
      [-3.7, 12.2],
      [0.0012, 0.0093],
      [1, 1250],
      [95, 105],
      [-1e6, 3e6],
      [0.9, 0.98],
    ];
    for (const [lo, hi] of ranges) {
      const t = niceTicks(lo, hi);
      assert.ok(t.length >= 2 && t.length <= 12, `${lo}..${hi}: ${t}`);
      assert.ok(t[0] <= lo && t[t.length - 1] >= hi, `${lo}..${hi} covered by ${t}`);
      const step = t[1] - t[0];
      assert.ok(isOneTwoFive(step), `step ${step} for ${lo}..${hi}`);
      for (let i = 1; i < t.length; i++) {
        assert.ok(Math.abs(t[i] - t[i - 1] - step) < step * 1e-9, "even spacing");
        assert.ok(Math.abs(t[i] / step - Math.round(t[i] / step)) < 1e-9, "multiples of step");
      }
    }
  });

  it("gives exact decimal values", () => {
    assert.deepEqual(niceTicks(0, 0.3, 3), [0, 0.1, 0.2, 0.3]);
    assert.deepEqual(niceTicks(0.13, 2.31), [0, 0.5, 1, 1.5, 2, 2.5]);
  });

  it("handles a zero-width range and non-finite input", () => {
    const t = niceTicks(5, 5);
    assert.ok(t[0] < 5 && t[t.length - 1] > 5);
    assert.deepEqual(niceTicks(NaN, 1), []);
  });
});

describe("lineChart", () => {
  const series = [
    { name: "train loss", y: [2.3, 1.2, 0.8, 0.6, 0.5] },
    { name: "test loss", y: [2.4, 1.4, 1.0, 0.9, 0.85] },
  ];

  it("returns a standalone SVG document", () => {
    const svg = lineChart(series, { title: "Loss", xLabel: "epoch", yLabel: "loss" });
    assert.ok(svg.startsWith("<svg "));
    assert.ok(svg.includes('xmlns="http://www.w3.org/2000/svg"'));
    assert.ok(svg.trimEnd().endsWith("</svg>"));
    assert.ok(svg.includes('width="640"') && svg.includes('height="400"'));
    // Tags are balanced for the elements we emit with content.
    for (const tag of ["svg", "g", "text", "clipPath"]) {
      const open = svg.match(new RegExp(`<${tag}[ >]`, "g"))?.length ?? 0;
      const close = svg.match(new RegExp(`</${tag}>`, "g"))?.length ?? 0;
      assert.equal(open, close, `<${tag}> balanced`);
    }
  });

  it("lists every series in the legend with its palette colour", () => {
    const svg = lineChart(series);
    const legend = svg.match(/<g class="legend"[^>]*>(.*?)<\/g>/s)?.[1] ?? "";
    assert.ok(legend.includes(">train loss<"));
    assert.ok(legend.includes(">test loss<"));
    assert.ok(legend.includes(`stroke="${PALETTE[0]}"`));
    assert.ok(legend.includes(`stroke="${PALETTE[1]}"`));
    assert.equal(pathData(svg).length, 2);
  });

  it("honours explicit colours, sizes and dashes", () => {
    const svg = lineChart([{ name: "a", y: [1, 2], color: "#123456", dashed: true }], {
      width: 300,
      height: 200,
    });
    assert.ok(svg.includes('stroke="#123456"'));
    assert.ok(svg.includes("stroke-dasharray"));
    assert.ok(svg.includes('viewBox="0 0 300 200"'));
  });

  it("skips NaN and Infinity without writing them into path data", () => {
    const y = [2.3, 1.5, 1.1, NaN, 0.9, Infinity, 5, -Infinity, 0.7];
    const svg = lineChart([{ name: "diverging", y }]);
    assert.ok(!/NaN|Infinity/.test(svg));
    const d = pathData(svg)[0];
    // One finite run longer than a point ([0..2]); 0.9, 5 and 0.7 stand alone.
    assert.equal(d.match(/M/g)?.length, 1);
    // The y axis comes from finite values only: the top tick is 5.
    const labels = yTickLabels(svg).map(Number);
    assert.equal(Math.max(...labels), 5);
    // Single finite points between gaps are drawn as dots.
    assert.equal(svg.match(/<circle /g)?.length, 3);
  });

  it("draws a loss that diverges to NaN with a cross at its last finite point", () => {
    const y = [1, 0.8, 3, 50, 900, NaN, NaN];
    const svg = lineChart([{ name: "lr 1.0", y }, { name: "lr 0.1", y: [1, 0.5, 0.3, 0.2] }]);
    assert.ok(!svg.includes("NaN"));
    assert.equal(pathData(svg).length, 3); // two lines and one cross
  });

  it("survives series that are empty or entirely non-finite", () => {
    const svg = lineChart([{ name: "empty", y: [] }, { name: "nan", y: [NaN, NaN] }]);
    assert.ok(svg.startsWith("<svg"));
    assert.ok(!/NaN|Infinity/.test(svg.replace(/>nan</g, "")));
  });

  it("uses x values when given and clips to requested bounds", () => {
    const svg = lineChart([{ name: "s", x: [10, 20, 30], y: [0, 100, 200] }], {
      yMax: 150,
      xMin: 10,
      xMax: 30,
    });
    assert.ok(svg.includes("clip-path="));
    const labels = tickLabels(svg);
    assert.ok(labels.includes("10") && labels.includes("30"));
    assert.ok(!yTickLabels(svg).includes("200"));
  });

  it("puts decade ticks on a log axis and skips non-positive values", () => {
    const svg = lineChart([{ name: "loss", y: [1000, 10, 0.1, 0, -1, 0.001] }], { logY: true });
    assert.ok(!/NaN|Infinity/.test(svg));
    const y = yTickLabels(svg).map(Number);
    assert.ok(y.every((v) => Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9), `${y}`);
    for (const v of [0.001, 1, 1000]) assert.ok(y.includes(v), `${v} in ${y}`);
    const wide = yTickLabels(lineChart([{ name: "l", y: [1e6, 1, 1e-6] }], { logY: true }));
    for (const l of ["1e-6", "1e0", "1e6"]) assert.ok(wide.includes(l), `${l} in ${wide}`);
    const narrow = yTickLabels(lineChart([{ name: "l", y: [0.3, 0.25, 0.2] }], { logY: true }));
    assert.ok(narrow.includes("0.2") || narrow.includes("0.5"), narrow.join(" "));
  });

  it("escapes text for XML", () => {
    const svg = lineChart([{ name: `a<b & "c"`, y: [1, 2] }], { title: "x < y & z" });
    assert.ok(svg.includes("a&lt;b &amp; &quot;c&quot;"));
    assert.ok(svg.includes("x &lt; y &amp; z"));
    assert.ok(!svg.includes("a<b"));
    assert.equal(escapeXml("it's\u0001"), "it&apos;s");
    for (const bad of [undefined, 5, null, {}]) {
      assert.throws(
        () => escapeXml(bad as unknown as string),
        /^TypeError: escapeXml: text must be a string/,
      );
    }
  });

  it("gives different charts different clip ids", () => {
    const a = lineChart([{ name: "a", y: [1, 2] }]).match(/clipPath id="([^"]+)"/)?.[1];
    const b = lineChart([{ name: "b", y: [1, 2] }]).match(/clipPath id="([^"]+)"/)?.[1];
    assert.ok(a && b && a !== b);
  });
});

describe("figure", () => {
  it("lays panels out in a grid inside one SVG", () => {
    const svg = figure(
      [
        { title: "loss", series: [{ name: "train", y: [1, 0.5] }] },
        { title: "accuracy", series: [{ name: "test", y: [0.5, 0.9] }] },
        { title: "lr", series: [{ name: "lr", y: [0.1, 0.01] }], logY: true },
      ],
      { columns: 2, title: "run 1", panelWidth: 400, panelHeight: 300 },
    );
    assert.ok(svg.startsWith("<svg "));
    assert.equal(svg.match(/<svg /g)?.length, 1);
    assert.equal(svg.match(/<g class="panel">/g)?.length, 3);
    assert.ok(svg.includes('width="800"'));
    assert.ok(svg.includes('height="634"')); // 2 rows × 300 + 34 for the title
    const ids = [...svg.matchAll(/clipPath id="([^"]+)"/g)].map((m) => m[1]);
    assert.equal(new Set(ids).size, 3);
    for (const t of ["loss", "accuracy", "run 1"]) assert.ok(svg.includes(`>${t}</text>`));
  });
});
