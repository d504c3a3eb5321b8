import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { coverageMarkdown } from "../docs/coverage_numpy.ts";

describe("docs/coverage-numpy.md", () => {
  it("docs/coverage-numpy.md is what docs/coverage_numpy.ts generates from the current np", () => {
    const dir = new URL("../docs/", import.meta.url);
    const api = JSON.parse(readFileSync(new URL("jax_numpy_api.json", dir), "utf8"));
    const committed = readFileSync(new URL("coverage-numpy.md", dir), "utf8");
    // the committed file is formatted by deno fmt: compare the table rows only
    const rows = (s: string) =>
      s.split("\n").filter((l) => l.startsWith("| `")).map((l) => l.replace(/\s+/g, " "));
    assert.deepEqual(
      rows(committed),
      rows(coverageMarkdown(api)),
      "re-run: deno run -A docs/coverage_numpy.ts && deno fmt docs",
    );
  });
});
