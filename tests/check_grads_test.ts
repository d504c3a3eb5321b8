import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { checkGrads, type NDArray, nn, np } from "../mod.ts";

const x64 = () => np.array([0.3, -1.2, 0.7], { dtype: "float64" });

describe("checkGrads", () => {
  it("checkGrads() passes for correct derivatives up to order 2, in both modes", () => {
    checkGrads((v: NDArray) => np.tanh(v).mul(v).sum(), [x64()], { order: 2 });
    checkGrads((a: NDArray, b: NDArray) => a.mul(b).exp(), [x64(), x64().mul(2)]);
    checkGrads((v: NDArray) => nn.logSigmoid(v), [x64()], { modes: ["rev"] });
  });

  it("checkGrads() catches a wrong derivative in each mode", () => {
    const wrong = (v: NDArray) => np.stopGradient(v).square().add(v).sum();
    assert.throws(
      () => checkGrads(wrong, [x64()], { modes: ["fwd"] }),
      /jvp and finite differences/,
    );
    assert.throws(
      () => checkGrads(wrong, [x64()], { modes: ["rev"] }),
      /vjp and finite differences/,
    );
  });

  it("checkGrads() uses float32 tolerances for float32 arguments", () => {
    checkGrads((v: NDArray) => np.sin(v).sum(), [np.array([0.1, 0.5])]);
  });

  it("checkGrads() rejects unknown options, bad orders and non-float arguments", () => {
    const f = (v: NDArray) => v.sum();
    assert.throws(() => checkGrads(f, [x64()], { ordr: 2 } as never), /unknown option ordr/);
    assert.throws(() => checkGrads(f, [x64()], { order: 0 }), RangeError);
    assert.throws(() => checkGrads(f, [np.array([1, 2], { dtype: "int32" })]), TypeError);
  });
});
