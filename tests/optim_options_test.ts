import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { np, optim, random } from "../mod.ts";

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

// every named optimizer, with the arguments that build it
const OPTIMIZERS: [string, unknown[]][] = [
  ..."sgd adagrad rmsprop adam adamw adamax lion adabelief adamaxw adan amsgrad lamb nadam nadamw"
    .split(" ").map((n): [string, unknown[]] => [n, [0.1]]),
  ..."novograd optimisticAdam radam yogi adadelta adafactor fromage lars noisySgd signSgd signum"
    .split(" ").map((
      n,
    ): [string, unknown[]] => [n, n === "noisySgd" ? [0.1, random.key(0)] : [0.1]]),
  ["optimisticGradientDescent", [0.1]],
  ["rprop", [0.1]],
  ["sm3", [0.1]],
  ["polyakSgd", []],
  ["lbfgs", []],
  // building blocks used on their own
  ["scaleByAdam", []],
  ["scaleByFactoredRms", []],
  ["scaleBySm3", []],
  ["scaleByTrustRatio", []],
  ["scaleByRprop", [0.1]],
  ["trace", [{ decay: 0.9 }]],
  ["ema", [0.9]],
  ["centralize", []],
  ["zeroNans", []],
];

describe("optimizer params", () => {
  // optax takes Python scalars as params in adam but fails on them in adafactor
  // (AttributeError: 'float' object has no attribute 'shape') and sm3 (... 'ndim'), so
  // difftrace refuses JS numbers in every optimizer with one message instead.
  it("a JS number leaf in the params or updates is a TypeError naming the optimizer", () => {
    const fns = optim as unknown as Record<
      string,
      (...a: unknown[]) => optim.GradientTransformation
    >;
    for (const [name, args] of OPTIMIZERS) {
      const opt = fns[name](...args);
      assert.throws(
        () => opt.init({ a: 3 }),
        (e: Error) =>
          e instanceof TypeError &&
          e.message.startsWith(`optim.${name}: every leaf of the params must be an array`) &&
          e.message.includes("there is 3 at .a") && e.message.includes("np.array"),
        name,
      );
      const params = { a: np.array([3]) };
      const state = opt.init(params);
      assert.throws(
        () =>
          opt.update({ a: 1 } as unknown as typeof params, state, params, {
            value: np.array(1),
            grad: params,
          }),
        (e: Error) =>
          e instanceof TypeError &&
          e.message.startsWith(`optim.${name}: every leaf of the updates must be an array`),
        name,
      );
    }
  });
});
