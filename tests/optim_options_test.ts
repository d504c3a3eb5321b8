import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { optim, random } from "../mod.ts";

// each optimizer or transform that takes an options object, with its positional arguments
const CASES: [string, unknown[]][] = [
  ["adabelief", [0.1]],
  ["adadelta", [0.1]],
  ["adafactor", [0.1]],
  ["adamaxw", [0.1]],
  ["adan", [0.1]],
  ["amsgrad", [0.1]],
  ["fromage", [0.1]],
  ["lamb", [0.1]],
  ["lars", [0.1]],
  ["nadam", [0.1]],
  ["nadamw", [0.1]],
  ["noisySgd", [0.1, random.key(0)]],
  ["novograd", [0.1]],
  ["optimisticGradientDescent", [0.1]],
  ["optimisticAdam", [0.1]],
  ["radam", [0.1]],
  ["rprop", [0.1]],
  ["signum", [0.1]],
  ["yogi", [0.1]],
  ["scaleByTrustRatio", []],
  ["scaleByParamBlockNorm", []],
  ["scaleByParamBlockRms", []],
  ["scaleByRprop", [0.1]],
  ["scaleByOptimisticGradient", []],
  ["scaleByFactoredRms", []],
  ["ema", [0.9]],
  ["scaleByNadam", []],
  ["scaleByBelief", []],
  ["scaleByYogi", []],
  ["scaleByRadam", []],
  ["scaleByAmsgrad", []],
  ["scaleByAdadelta", []],
  ["scaleByAdan", []],
  ["scaleByNovograd", []],
  ["multiSteps", [optim.sgd(0.1), 2]],
];

describe("optimizer options", () => {
  it("an unknown option key is a TypeError naming the optimizer and the valid keys", () => {
    const fns = optim as unknown as Record<string, (...a: unknown[]) => unknown>;
    for (const [name, args] of CASES) {
      assert.throws(
        () => fns[name](...args, { weight_decay: 0.1 }),
        (e: Error) =>
          e instanceof TypeError && e.message.includes(`optim.${name}`) &&
          e.message.includes('unknown option "weight_decay"') && /Valid options: /.test(e.message),
        name,
      );
      // the known keys still construct
      assert.equal(typeof (fns[name](...args, {}) as { init: unknown }).init, "function", name);
    }
  });
});
