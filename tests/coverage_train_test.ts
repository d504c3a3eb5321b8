import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { coverageMarkdown } from "../docs/gen_coverage_train.ts";

describe("docs/coverage-train.md", () => {
  it("docs/coverage-train.md is what docs/gen_coverage_train.ts writes today", () => {
    const lists = JSON.parse(
      readFileSync(new URL("./fixtures/train_api.json", import.meta.url), "utf8"),
    ) as Record<string, string[]>;
    const committed = readFileSync(new URL("../docs/coverage-train.md", import.meta.url), "utf8");
    assert.equal(
      committed,
      coverageMarkdown(lists),
      "regenerate it: npx -y deno@2.9.6 run -A docs/gen_coverage_train.ts",
    );
  });
});
