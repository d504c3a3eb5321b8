import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type NDArray, np } from "../mod.ts";
import { checkFixture } from "./_numpy_fixtures.ts";

type F = (...xs: NDArray[]) => NDArray;

describe("np products against JAX (values, jit, vmap, grad, finite differences)", () => {
  const cases: [string, F][] = [
    ["einsumMatmul", (a, b) => np.einsum("ij,jk->ik", a, b)],
    ["einsumBatch", (a, b) => np.einsum("bij,bjk->bik", a, b)],
    ["einsumTrace", (a) => np.einsum("ii", a)],
    ["einsumDiag", (a) => np.einsum("ii->i", a)],
    ["einsumImplicit", (a, b) => np.einsum("ij,kj", a, b)],
    ["einsumThree", (a, b, c) => np.einsum("ij,jk,kl->il", a, b, c)],
    ["einsumEllipsis", (a, b) => np.einsum("...ij,...j->...i", a, b)],
    ["einsumOuterSum", (a, b) => np.einsum("i,j->", a, b)],
    ["tensordot", (a, b) => np.tensordot(a, b, [[1, 0], [0, 2]])],
    ["tensordot2", (a, b) => np.tensordot(a, b)],
    ["vdot", np.vdot],
    ["inner", np.inner],
    ["kron", np.kron],
    ["cross", (a, b) => np.cross(a, b)],
    ["cross2", (a, b) => np.cross(a, b)],
    ["crossAxis", (a, b) => np.cross(a, b, 0)],
    ["matrixPower", (a) => np.matrixPower(a, 5)],
  ];
  for (const [name, f] of cases) {
    it(`np.${name.replace(/[A-Z].*$/, "")}() matches JAX (${name})`, () => {
      checkFixture(`prod.${name}`, f, { rtol: 1e-11, atol: 1e-12 });
    });
  }
});

describe("np.einsum errors", () => {
  it("np.einsum() names a wrong operand count, bad labels and size mismatches", () => {
    const a = np.ones([2, 3]);
    assert.throws(() => np.einsum("ij,jk->ik", a), /names 2 operands but 1/);
    assert.throws(() => np.einsum("ij->iz", a), /output label "z"/);
    assert.throws(() => np.einsum("ij,ij->i", a, np.ones([2, 4])), /label "j" has size 3/);
    assert.throws(() => np.einsum("i1", a), /invalid subscript/);
  });
});
