import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { checkGrads, customVjp, type NDArray, nn, np } from "../mod.ts";
import { rejects } from "./_helpers.ts";

const x64 = () => np.array([0.3, -1.2, 0.7], { dtype: "float64" });
const m64 = () => np.array([[0.5, 0.1], [0.2, -0.3]], { dtype: "float64" });

describe("checkGrads", () => {
  it("checkGrads() passes for correct derivatives up to order 3, in both modes", () => {
    checkGrads((v: NDArray) => np.tanh(v).mul(v).sum(), [x64()], { order: 2 });
    checkGrads((v: NDArray) => np.sin(v).mul(v), [x64()], { order: 3 });
    checkGrads((a: NDArray, b: NDArray) => a.mul(b).exp(), [x64(), x64().mul(2)]);
    checkGrads((v: NDArray) => nn.logSigmoid(v), [x64()], { modes: ["rev"] });
  });

  it("checkGrads() takes pytree arguments and outputs", () => {
    const f = (p: { w: NDArray; b: NDArray }, v: NDArray) => ({
      y: np.matmul(p.w, v.slice([0, 2])).add(p.b).tanh(),
      norm: [v.square().sum()],
    });
    checkGrads(f, [{ w: m64(), b: x64().slice([0, 2]) }, x64()], { order: 2 });
  });

  it("checkGrads() catches a wrong derivative in each mode and names the worst element", () => {
    const wrong = (v: NDArray) => np.stopGradient(v).square().add(v);
    const fwd = rejects(
      () => checkGrads(wrong, [x64()], { modes: ["fwd"] }),
      Error,
      "checkGrads",
      /jvp and finite differences disagree for f \(derivative order 1 of 1\)/,
    );
    // d(v² + v) = (2v + 1)·dv but the jvp gives dv: every element is off
    assert.match(fwd, /at output index \[\d\] the jvp gives .*3 of 3 elements of output/);
    const rev = rejects(
      () => checkGrads(wrong, [x64()], { modes: ["rev"] }),
      Error,
      "checkGrads",
      /vjp and finite differences disagree for f/,
    );
    assert.match(rev, /\(Jᵀw\) at args\[0\] index \[\d\] is /);
  });

  it("checkGrads() names the argument leaf whose cotangent is wrong", () => {
    const f = (p: { a: NDArray; b: NDArray }) =>
      p.a.sin().sum().add(np.stopGradient(p.b).square().sum());
    const message = rejects(
      () => checkGrads(f, [{ a: x64(), b: m64() }], { modes: ["rev"] }),
      Error,
      "checkGrads",
      /vjp and finite differences/,
    );
    assert.match(message, /Split by argument leaf: args\[0\]\["a"\]: .*; args\[0\]\["b"\]: 0 vs /);
    assert.match(message, /The worst element: \(Jᵀw\) at args\[0\]\["b"\] index \[\d, \d\] is 0 /);
  });

  it("checkGrads() catches derivatives of the second order only at order 2", () => {
    // a first derivative that is right at every point, whose own derivative is not:
    // sin's backward pass uses cos(x) with x cut off from differentiation
    const sin = customVjp((v: NDArray) => v.sin()).defvjp(
      (v) => [v.sin(), v],
      (v, g) => [g.mul(np.stopGradient(v).cos())],
    );
    const f = (v: NDArray) => sin(v).sum();
    checkGrads(f, [x64()], { modes: ["rev"] });
    rejects(
      () => checkGrads(f, [x64()], { modes: ["rev"], order: 2 }),
      Error,
      "checkGrads",
      /vjp and finite differences disagree for x ↦ vjp\(f\)\(x; w\) \(derivative order 2 of 2\)/,
    );
  });

  it("checkGrads() checks ⟨Jᵀw, v⟩ = ⟨w, J·v⟩ far tighter than finite differences allow", () => {
    // A stand-in for a transpose rule that does not transpose its JVP rule: the function
    // is 1 + 1e-7 times larger on its 4th call, the one vjp traces (calls 1 and 2 are the
    // finite differences, 3 the jvp). Finite differences cannot see 1e-7; the identity can.
    let calls = 0;
    const f = (v: NDArray) => v.sin().mul(++calls === 4 ? 1 + 1e-7 : 1);
    rejects(
      () => checkGrads(f, [x64()]),
      Error,
      "checkGrads",
      /vjp and jvp disagree for f .*the two modes must agree to rounding/,
    );
    calls = 0;
    checkGrads(f, [x64()], { modes: ["rev"] });
  });

  it("checkGrads() uses float32 tolerances for float32 arguments", () => {
    checkGrads((v: NDArray) => np.sin(v).sum(), [np.array([0.1, 0.5])]);
  });

  it("checkGrads() takes a step and tolerances fit for float16 and bfloat16 arguments", () => {
    // a step of 1e-3 would round away in half precision (x ± εv == x): defaults follow the dtype
    for (const dtype of ["float16", "bfloat16"] as const) {
      const x = np.array([0.3, -1.2, 0.7], { dtype });
      checkGrads((v: NDArray) => np.sin(v).mul(v).sum(), [x], { order: 2 });
      checkGrads((v: NDArray) => np.tanh(v), [x]);
      const wrong = (v: NDArray) => np.stopGradient(v).square().add(v);
      rejects(() => checkGrads(wrong, [x]), Error, "checkGrads", /jvp and finite differences/);
    }
  });

  it("checkGrads() rejects unknown options, bad values and non-float arguments or outputs", () => {
    const f = (v: NDArray) => v.sum();
    rejects(() => checkGrads(f, [x64()], { ordr: 2 } as never), TypeError, "checkGrads", /ordr/);
    rejects(() => checkGrads(f, [x64()], { order: 0 }), RangeError, "checkGrads", /order/);
    rejects(() => checkGrads(f, [x64()], { order: 1.5 }), RangeError, "checkGrads", /order/);
    rejects(() => checkGrads(f, [x64()], { eps: 0 }), RangeError, "checkGrads", /eps/);
    rejects(() => checkGrads(f, [x64()], { rtol: -1 }), RangeError, "checkGrads", /rtol/);
    rejects(() => checkGrads(f, [x64()], { atol: NaN }), RangeError, "checkGrads", /atol/);
    rejects(() => checkGrads(f, [x64()], { seed: 0.5 }), TypeError, "checkGrads", /seed/);
    rejects(() => checkGrads(f, [x64()], { modes: [] }), TypeError, "checkGrads", /modes/);
    rejects(
      () => checkGrads(f, [x64()], { modes: ["bwd"] as never }),
      RangeError,
      "checkGrads",
      /"bwd"/,
    );
    rejects(() => checkGrads(f, x64() as never), TypeError, "checkGrads", /wrap it/);
    rejects(() => checkGrads(f, []), TypeError, "checkGrads", /nothing to differentiate/);
    rejects(
      () => checkGrads(f, [np.array([1, 2], { dtype: "int32" })]),
      TypeError,
      "checkGrads",
      /args\[0\] is int32\[2\]/,
    );
    rejects(
      () => checkGrads((v: NDArray) => [v.sum(), v.argmax()], [x64()]),
      TypeError,
      "checkGrads",
      /output\[1\] of f .* is a int32 array/,
    );
    rejects(() => checkGrads(() => null, [x64()]), TypeError, "checkGrads", /returned no arrays/);
  });

  it("checkGrads() fails where the derivative is not finite", () => {
    // sqrt at 0: the jvp is ∞ and the finite differences are finite
    rejects(
      () => checkGrads((v: NDArray) => v.sqrt(), [np.array([0, 1], { dtype: "float64" })]),
      Error,
      "checkGrads",
      /at output index \[0\] the jvp gives Infinity/,
    );
  });
});
