import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { formatDuration, formatMetric, progressBar } from "../src/display/progress.ts";
import { np } from "../mod.ts";

/** A bar wired to a fake clock and a collecting writer. */
function harness(options: { tty: boolean; total?: number; examplesPerStep?: number }) {
  const clock = { t: 1000 };
  const out: string[] = [];
  const bar = progressBar({
    total: options.total ?? 100,
    label: "epoch 3/20",
    width: 10,
    tty: options.tty,
    examplesPerStep: options.examplesPerStep,
    write: (s: string) => out.push(s),
    now: () => clock.t,
  });
  return { bar, out, clock };
}

describe("formatDuration", () => {
  it("formats minutes and hours", () => {
    assert.equal(formatDuration(0), "0:00");
    assert.equal(formatDuration(42), "0:42");
    assert.equal(formatDuration(59.6), "1:00");
    assert.equal(formatDuration(754), "12:34");
    assert.equal(formatDuration(3723), "1:02:03");
    assert.equal(formatDuration(NaN), "--:--");
    assert.equal(formatDuration(Infinity), "--:--");
  });
});

describe("formatMetric", () => {
  it("keeps four significant digits", () => {
    assert.equal(formatMetric(0.29312), "0.2931");
    assert.equal(formatMetric(0.912), "0.912");
    assert.equal(formatMetric(2.302585), "2.303");
    assert.equal(formatMetric(1234.5), "1235");
    assert.equal(formatMetric(0), "0");
    assert.equal(formatMetric(3e-5), "3e-5");
    assert.equal(formatMetric(123456), "1.235e5");
    assert.equal(formatMetric(NaN), "NaN");
    assert.equal(formatMetric(-Infinity), "-inf");
  });
});

describe("progressBar", () => {
  it("renders bar, counts, metrics, ex/s and ETA", () => {
    const { bar, clock } = harness({ tty: false, total: 1250, examplesPerStep: 64 });
    clock.t += 5000; // 5 s for 412 steps of 64 examples
    bar.update(412, { loss: 0.29312, acc: 0.9121 });
    // 412 × 64 / 5 = 5,273.6 ex/s; (1250 − 412) × 5 / 412 = 10.17 s left.
    assert.equal(
      bar.line,
      "epoch 3/20 [###.......]   412/1250  loss 0.2931  acc 0.9121  5,274 ex/s  ETA 0:10",
    );
  });

  it("shows it/s when the examples per step are unknown", () => {
    const { bar, clock } = harness({ tty: false });
    clock.t += 2000;
    bar.update(50);
    assert.ok(bar.line.endsWith(" 50/100  25.0 it/s  ETA 0:02"), bar.line);
  });

  it("counts examples given per update, e.g. a smaller last batch", () => {
    const { bar, clock } = harness({ tty: false, total: 3 });
    clock.t += 500;
    bar.update(2, {}, { examples: 100 }); // two steps of 100
    clock.t += 500;
    bar.update(3, {}, { examples: 50 }); // one step of 50
    assert.ok(bar.line.endsWith("250 ex/s  in 0:01"), bar.line);
  });

  it("redraws one line with a carriage return on a terminal, throttled to 10/s", () => {
    const { bar, out, clock } = harness({ tty: true, total: 1000 });
    for (let step = 1; step <= 1000; step++) {
      clock.t += 1; // 1 ms per step: 1000 steps in 1 s
      bar.update(step, { loss: 1 / step });
    }
    bar.done();
    // First update, then at most one per 100 ms, the last step, and done().
    assert.ok(out.length >= 10 && out.length <= 13, `${out.length} writes`);
    for (const s of out) assert.ok(s.startsWith("\r") && s.includes("\u001b[K"));
    assert.equal(out.filter((s) => s.includes("\n")).length, 1);
    assert.ok(out[out.length - 1].endsWith("\n"));
    assert.ok(
      bar.line.endsWith("[##########]  1000/1000  loss 0.001  1,000 it/s  in 0:01"),
      bar.line,
    );
  });

  it("prints separate lines when not a terminal, and does not repeat the last one", () => {
    const { bar, out, clock } = harness({ tty: false, total: 100 });
    for (let step = 1; step <= 100; step++) {
      clock.t += 100; // 10 s in all; lines at most every 2 s
      bar.update(step, { loss: 1 });
    }
    bar.done();
    assert.ok(out.length >= 5 && out.length <= 7, `${out.length} lines`);
    for (const s of out) {
      assert.ok(s.endsWith("\n") && !s.includes("\r"));
      assert.equal(s.split("\n").length, 2);
    }
    assert.ok(out[out.length - 1].includes("100/100"));
  });

  it("forced updates bypass the throttle", () => {
    const { bar, out } = harness({ tty: true });
    bar.update(1);
    bar.update(2);
    bar.update(3, {}, { force: true });
    assert.equal(out.length, 2);
  });

  it("done() appends the final message and ignores later updates", () => {
    const { bar, out, clock } = harness({ tty: false, total: 10 });
    clock.t += 3000;
    bar.update(4, { loss: 0.5 });
    bar.done("stopped early");
    assert.ok(bar.line.endsWith("4/10  loss 0.5  1.3 it/s  in 0:03  stopped early"), bar.line);
    const n = out.length;
    bar.update(10);
    bar.done();
    assert.equal(out.length, n);
  });

  it("keeps metric values from earlier updates and clamps the step", () => {
    const { bar } = harness({ tty: false, total: 10 });
    bar.update(3, { loss: 2, acc: 0.5 }, { force: true });
    bar.update(20, { loss: 1 }, { force: true });
    assert.ok(bar.line.includes("10/10  loss 1  acc 0.5"), bar.line);
  });

  it("cuts long lines to the terminal width", () => {
    const out: string[] = [];
    const bar = progressBar({
      total: 10,
      label: "x".repeat(100),
      tty: true,
      columns: 40,
      write: (s: string) => out.push(s),
      now: () => 0,
    });
    bar.update(1);
    const shown = out[0].replace("\r", "").replace("\u001b[K", "");
    assert.ok(shown.length <= 39 && shown.endsWith("…"));
  });

  it("writes to standard output by default", () => {
    const bar = progressBar({ total: 1, label: "default writer", tty: false });
    bar.update(1);
    bar.done();
    assert.match(bar.line, /default writer/);
  });
});

describe("progressBar at 80 columns", () => {
  it("keeps epoch, loss, examples/s and the held-out accuracy, dropping the bar's extras first", () => {
    const out: string[] = [];
    let t = 0;
    const bar = progressBar({
      total: 125,
      label: "epoch 20/20",
      examplesPerStep: 64,
      tty: true,
      columns: 80,
      write: (s: string) => out.push(s),
      now: () => t,
    });
    for (let step = 1; step <= 125; step++) {
      t += 20;
      bar.update(step, { loss: 0.003477 });
    }
    bar.done("held-out accuracy 0.9580");
    const last = out[out.length - 1].replace("\r", "").replace("\u001b[K", "").trimEnd();
    assert.ok(last.length <= 79, `${last.length} columns: ${last}`);
    for (
      const field of ["epoch 20/20", "loss 0.003477", "3,200 ex/s", "held-out accuracy 0.9580"]
    ) {
      assert.ok(last.includes(field), `${field} missing from: ${last}`);
    }
    assert.ok(!last.includes("…"), last);
  });

  it("shows every field, the full bar included, when the line fits", () => {
    const out: string[] = [];
    const bar = progressBar({
      total: 10,
      label: "e",
      width: 10,
      tty: true,
      columns: 200,
      write: (s: string) => out.push(s),
      now: () => 0,
    });
    bar.update(5, { loss: 1 }, { force: true });
    assert.match(out[out.length - 1], /e \[#{5}\.{5}\] {3}5\/10 {2}loss 1/);
  });
  it("rejects a step or a metric that is not a number, naming the update", () => {
    const bar = progressBar({ total: 10, write: () => {} });
    assert.throws(
      () => bar.update(undefined as unknown as number),
      /progressBar\.update: step must be a number/,
    );
    assert.throws(
      () => bar.update(1, { loss: np.array([1, 2]) as unknown as number }),
      /progressBar\.update: metric "loss" must be a number/,
    );
    assert.throws(
      () => formatMetric(undefined as unknown as number),
      /^TypeError: formatMetric: value must be a number/,
    );
  });
});
