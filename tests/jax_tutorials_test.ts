/**
 * Smoke tests of the tutorial ports in examples/jax_tutorials/: each runs end to end and
 * throws unless every value it prints is the one JAX (and optax) computed for the same
 * inputs (examples/jax_tutorials/jax_values.json, from tests/fixtures/gen_tutorials.py).
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { autodiffCookbook } from "../examples/jax_tutorials/autodiff_cookbook.ts";
import { vectorization } from "../examples/jax_tutorials/vectorization.ts";
import { jitTutorial } from "../examples/jax_tutorials/jit.ts";
import { optaxGettingStarted } from "../examples/jax_tutorials/optax_getting_started.ts";

/** Runs `f` with console.log silenced; returns how many lines it printed. */
function quietly(f: () => void): number {
  const log = console.log;
  let lines = 0;
  console.log = () => void lines++;
  try {
    f();
  } finally {
    console.log = log;
  }
  return lines;
}

describe("examples/jax_tutorials reproduce the values JAX prints", () => {
  it("autodiff_cookbook: grads of grads, logistic regression, Jacobians, Hessian, JVP/VJP", () => {
    assert.ok(quietly(autodiffCookbook) >= 9);
  });
  it("vectorization: a convolution batched by hand and by vmap over several axes", () => {
    assert.ok(quietly(vectorization) >= 5);
  });
  it("jit: SELU on JAX's random draws, a traced if refused, a static loop", () => {
    assert.ok(quietly(jitTutorial) >= 5);
  });
  it("optax_getting_started: Adam on a linear fit follows optax's trajectory", () => {
    assert.ok(quietly(optaxGettingStarted) >= 3);
  });
});
