import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { io } from "../mod.ts";
import { trainMnistMlp } from "../examples/mnist_mlp.ts";
import { evaluateMnistMlp } from "../examples/mnist_eval.ts";

describe("examples: saving the MNIST MLP", () => {
  it("mnist_eval reports the accuracy mnist_mlp measured, from the saved parameters", async () => {
    const dir = await mkdtemp(join(tmpdir(), "difftrace-mnist-"));
    try {
      const result = await trainMnistMlp({ maxSteps: 30, verbose: false });
      const path = join(dir, "mnist_mlp.safetensors");
      await io.save(path, result.params);
      assert.equal(await evaluateMnistMlp(path), result.testAccuracy);
      assert.ok(result.testAccuracy > 0.5, `accuracy ${result.testAccuracy}`);
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});
