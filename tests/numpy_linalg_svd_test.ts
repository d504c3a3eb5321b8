import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createWorkerPool, grad, jit, type NDArray, np, vmap } from "../mod.ts";
import { checkFixture, fixture, fixtureArgs } from "./_numpy_fixtures.ts";
import { assertAllClose, checkGrads } from "./_helpers.ts";

type F = (...xs: NDArray[]) => NDArray;
const mT = (a: NDArray) => np.swapaxes(a, -1, -2);
/** U diag(s²) Vh from the thin SVD: independent of the signs of U's columns and Vh's rows. */
const usv = (a: NDArray) => {
  const [u, s, vh] = np.linalg.svd(a, { fullMatrices: false });
  return u.mul(s.square().expandDims(-2)).matmul(vh);
};
const tight = { rtol: 1e-9, atol: 1e-10 };

describe("np.linalg.qr against JAX (values, jit, vmap, grad, finite differences)", () => {
  const cases: [string, F][] = [];
  for (const shape of ["Tall", "Square", "Wide"]) {
    cases.push([`q${shape}`, (a) => np.linalg.qr(a)[0]], [`r${shape}`, (a) => np.linalg.qr(a)[1]]);
  }
  cases.push(
    ["qComplete", (a) => np.linalg.qr(a, "complete")[0]],
    ["rComplete", (a) => np.linalg.qr(a, "complete")[1]],
    ["qCompleteWide", (a) => np.linalg.qr(a, "complete")[0]],
    ["modeR", (a) => np.linalg.qr(a, "r")],
  );
  for (const [name, f] of cases) {
    it(`np.linalg.qr() matches JAX's Q, R and gradients (${name})`, () => {
      checkFixture(`qr.${name}`, f, tight);
    });
  }
});

describe("np.linalg.svd against JAX (sign-invariant values and gradients)", () => {
  const cases: [string, F, boolean?][] = [];
  for (const shape of ["Tall", "Square", "Wide"]) {
    cases.push(
      [`s${shape}`, (a) => np.linalg.svd(a, { computeUv: false })],
      [`u2${shape}`, (a) => np.linalg.svd(a, { fullMatrices: false })[0].square()],
      [`vh2${shape}`, (a) => np.linalg.svd(a, { fullMatrices: false })[2].square()],
      [`usv${shape}`, usv],
    );
  }
  cases.push(
    ["sRepeated", (a) => np.linalg.svdvals(a).sum()],
    ["sDeficient", (a) => np.slice(np.linalg.svdvals(a), [[0, 2]])],
    // singular values 2 + 1e-3 and 2: the finite differences need a smaller step (below)
    ["u2Near", (a) => np.linalg.svd(a)[0].square(), true],
    ["svdvals", np.linalg.svdvals],
    ["hermitianS", (a) => np.linalg.svd(a, { hermitian: true, computeUv: false })],
  );
  for (const [name, f, noFiniteDifferences] of cases) {
    it(`np.linalg.svd() matches JAX's values and gradients (${name})`, () => {
      checkFixture(`svd.${name}`, f, { ...tight, noFiniteDifferences });
    });
  }
  it("np.linalg.svd() derivatives near repeated singular values match fine finite differences", () => {
    // U's sensitivity there is ~1/(s_j² − s_i²) ≈ 250: large, finite and correct
    const [a] = fixtureArgs("svd.u2Near");
    checkGrads((x: NDArray) => np.linalg.svd(x)[0].square(), [a], {
      eps: 1e-7,
      rtol: 1e-4,
      atol: 1e-4,
    });
  });
  it("np.linalg.svd() gives full U and Vh whose extra columns span the orthogonal complement", () => {
    const [a] = fixtureArgs("svd.uFullProjector");
    const [u, s, vh] = np.linalg.svd(a);
    assert.deepEqual([u.shape, s.shape, vh.shape], [[4, 4], [3], [3, 3]]);
    const extra = np.slice(u, [null, [3, 4]]);
    assertAllClose(extra.matmul(mT(extra)), fixture("svd.uFullProjector").out, tight);
    assertAllClose(u.matmul(mT(u)), np.eye(4), tight);
    const [, , vhWide] = np.linalg.svd(mT(a));
    assertAllClose(vhWide.matmul(mT(vhWide)), np.eye(4), tight);
  });
  it("np.linalg.svd() with hermitian: true reproduces A from U diag(S) Vh", () => {
    const [a] = fixtureArgs("svd.hermitianUsv");
    const [u, s, vh] = np.linalg.svd(a, { hermitian: true });
    assertAllClose(u.mul(s.expandDims(-2)).matmul(vh), fixture("svd.hermitianUsv").out, tight);
  });
});

describe("np.linalg.eigh near and at repeated eigenvalues against JAX", () => {
  const sym = (a: NDArray) => a.add(mT(a)).mul(0.5);
  it("eigh() eigenvector derivatives 1e-3 from a repeated eigenvalue match JAX and fine differences", () => {
    // V̇ has 1/(w_j − w_i) ≈ 1000: the default step of the finite differences is too coarse
    const f = (a: NDArray) => np.linalg.eigh(sym(a))[1].square();
    checkFixture("eigh.vecs2Near", f, { rtol: 1e-7, atol: 1e-8, noFiniteDifferences: true });
    const [a] = fixtureArgs("eigh.vecs2Near");
    checkGrads(f, [a], { eps: 1e-8, rtol: 1e-3, atol: 1e-3 });
  });
  it("eigvalsh() near and at a repeated eigenvalue matches JAX (symmetric losses at the tie)", () => {
    const w = (a: NDArray) => np.linalg.eigvalsh(sym(a));
    checkFixture("eigh.valsNear", w, { ...tight, noFiniteDifferences: true });
    checkGrads(w, fixtureArgs("eigh.valsNear"), { eps: 1e-8, rtol: 1e-4, atol: 1e-5 });
    checkFixture("eigh.valsRepeatedSum", (a) => np.linalg.eigvalsh(sym(a)).square().sum(), tight);
  });
});

describe("pinv, lstsq, matrixRank, cond and the singular-value norms against JAX", () => {
  const differentiable: [string, F, { noFiniteDifferences?: boolean; gradArgnums?: number[] }?][] =
    [
      ["pinv.tall", (a) => np.linalg.pinv(a)],
      ["pinv.wide", (a) => np.linalg.pinv(a)],
      // every singular value is 2: U and V are not unique, A⁺'s derivative is
      ["pinv.repeated", (a) => np.linalg.pinv(a)],
      // rank 2 of 3: a perturbation changes the rank, so no finite differences
      ["pinv.deficient", (a) => np.linalg.pinv(a), { noFiniteDifferences: true }],
      // rtol drops a nonzero singular value: JAX's derivative (and ours) is the fixed-rank
      // formula, which ignores how the dropped part moves, so it is not the finite difference
      ["pinv.rtol", (a) => np.linalg.pinv(a, { rtol: 0.3 }), { noFiniteDifferences: true }],
      // one rtol per matrix (the first drops a singular value), not differentiated
      [
        "pinv.rtolPerMatrix",
        (a, r) => np.linalg.pinv(a, { rtol: r }),
        { gradArgnums: [0], noFiniteDifferences: true },
      ],
      ["pinv.hermitian", (a) => np.linalg.pinv(a, { hermitian: true })],
      ["lstsq.x", (a, b) => np.linalg.lstsq(a, b)[0]],
      ["lstsq.xVec", (a, b) => np.linalg.lstsq(a, b)[0]],
      ["lstsq.resid", (a, b) => np.linalg.lstsq(a, b)[1]],
      ["lstsq.residVec", (a, b) => np.linalg.lstsq(a, b)[1]],
      ["lstsq.xWide", (a, b) => np.linalg.lstsq(a, b)[0]],
      ["cond.pNone", (a) => np.linalg.cond(a)],
      ["cond.p2", (a) => np.linalg.cond(a, 2)],
      ["cond.pM2", (a) => np.linalg.cond(a, -2)],
      ["cond.p1", (a) => np.linalg.cond(a, 1)],
      ["cond.pM1", (a) => np.linalg.cond(a, -1)],
      ["cond.pInf", (a) => np.linalg.cond(a, Infinity)],
      ["cond.pMInf", (a) => np.linalg.cond(a, -Infinity)],
      ["cond.pFro", (a) => np.linalg.cond(a, "fro")],
      ["cond.pNuc", (a) => np.linalg.cond(a, "nuc")],
      ["cond.tall", (a) => np.linalg.cond(a)],
      ["norm.ord2", (a) => np.linalg.norm(a, { ord: 2, axis: [-2, -1] })],
      ["norm.ordM2", (a) => np.linalg.norm(a, { ord: -2, axis: [1, 2] })],
      ["norm.nuc", (a) => np.linalg.norm(a, { ord: "nuc" })],
      ["norm.nucAxes", (a) => np.linalg.norm(a, { ord: "nuc", axis: [2, 1], keepdims: true })],
    ];
  for (const [name, f, opts] of differentiable) {
    it(`np.linalg.${name.split(".")[0]}() matches JAX's values and gradients (${name})`, () => {
      checkFixture(name, f, { ...tight, ...opts });
    });
  }
  const valuesOnly: [string, F][] = [
    ["lstsq.rank", (a, b) => np.linalg.lstsq(a, b)[2]],
    ["lstsq.s", (a, b) => np.linalg.lstsq(a, b)[3]],
    ["svd.sDeficientAll", (a) => np.linalg.svdvals(a)],
    ["lstsq.xDeficient", (a, b) => np.linalg.lstsq(a, b)[0]],
    ["lstsq.xRcond", (a, b) => np.linalg.lstsq(a, b, 0.3)[0]],
    ["matrixRank.default", (a) => np.linalg.matrixRank(a)],
    ["matrixRank.rtol", (a) => np.linalg.matrixRank(a, { rtol: 1 })],
    ["matrixRank.hermitian", (a) => np.linalg.matrixRank(a, { hermitian: true })],
    ["matrixRank.vector", (a) => np.linalg.matrixRank(a)],
    ["cond.singular", (a) => np.linalg.cond(a, 1)],
  ];
  for (const [name, f] of valuesOnly) {
    it(`np.linalg.${name.split(".")[0]}() matches JAX's values (${name})`, () => {
      const c = fixture(name);
      const args = fixtureArgs(name);
      assertAllClose(f(...args), c.out, { ...tight, message: name });
      assertAllClose(jit(f)(...args), c.out, { ...tight, message: `${name} under jit` });
    });
  }
});

describe("np.linalg's array-API names, multiDot and the tensor forms against JAX", () => {
  const cases: [string, F][] = [
    ["matrixNorm", (a) => np.linalg.matrixNorm(a, { ord: 1, keepdims: true })],
    ["matrixNormNuc", (a) => np.linalg.matrixNorm(a, { ord: "nuc" })],
    ["vectorNorm", (a) => np.linalg.vectorNorm(a)],
    ["vectorNormAxes", (a) => np.linalg.vectorNorm(a, { axis: [0, 2], ord: 3, keepdims: true })],
    ["vecdot", (a, b) => np.linalg.vecdot(a, b, { axis: 0 })],
    ["matrixTranspose", np.linalg.matrixTranspose],
    ["diagonal", (a) => np.linalg.diagonal(a, { offset: 1 })],
    ["trace", (a) => np.linalg.trace(a, { offset: -1 })],
    ["outer", np.linalg.outer],
    ["cross", (a, b) => np.linalg.cross(a, b)],
    ["matmul", np.linalg.matmul],
    ["tensordot", (a, b) => np.linalg.tensordot(a, b, { axes: 1 })],
    ["multiDot", (...xs) => np.linalg.multiDot(xs)],
    ["multiDotMatrices", (...xs) => np.linalg.multiDot(xs)],
    ["tensorinv", (a) => np.linalg.tensorinv(a, 1)],
    ["tensorsolve", (a, b) => np.linalg.tensorsolve(a, b)],
    ["tensorsolveAxes", (a, b) => np.linalg.tensorsolve(a, b, [0])],
  ];
  for (const [name, f] of cases) {
    it(`np.linalg.${name.replace(/(Nuc|Axes|Matrices)$/, "")}() matches JAX (${name})`, () => {
      checkFixture(`more.${name}`, f, tight);
    });
  }
  it("multiDot() picks the cheap order and errors name the bad argument", () => {
    const [a, b, c] = fixtureArgs("more.multiDotMatrices");
    assertAllClose(np.linalg.multiDot([a, b, c]), a.matmul(b).matmul(c), tight);
    assert.throws(() => np.linalg.multiDot([a]), /at least two/);
    assert.throws(() => np.linalg.multiDot([a, a]), /does not chain/);
    assert.throws(() => np.linalg.outer(a, b), /two vectors/);
    assert.throws(() => np.linalg.cross(np.ones([2]), np.ones([2])), /3-vectors/);
    assert.throws(() => np.linalg.tensorinv(np.ones([2, 3]), 1), /pick another ind/);
    assert.throws(() => np.linalg.matrixNorm(np.ones([3])), /vectorNorm/);
    assert.throws(() => np.linalg.vecdot(np.ones([3]), np.ones([2])), /same size/);
  });
});

describe("np.linalg qr/svd identities, float32, transforms and errors", () => {
  it("qr() and svd() reproduce A in float32 with orthonormal factors, batched", () => {
    const [a64] = fixtureArgs("qr.qTall");
    const a = a64.astype("float32");
    const [q, r] = np.linalg.qr(a);
    assert.equal(q.dtype, "float32");
    assertAllClose(q.matmul(r), a, { rtol: 1e-5, atol: 1e-5 });
    assertAllClose(mT(q).matmul(q), np.broadcastTo(np.eye(3), [2, 3, 3]), { atol: 1e-5 });
    const [u, s, vh] = np.linalg.svd(a, { fullMatrices: false });
    assert.equal(s.dtype, "float32");
    assertAllClose(u.mul(s.expandDims(-2)).matmul(vh), a, { rtol: 1e-5, atol: 1e-5 });
    assertAllClose(
      np.linalg.svdvals(a),
      np.linalg.svdvals(a64),
      { rtol: 1e-5, atol: 1e-6 },
    );
  });
  it("qr(), svd() and pinv() second derivatives match finite differences", () => {
    const [a] = fixtureArgs("qr.qSquare");
    checkGrads((x: NDArray) => np.linalg.qr(x)[0].mul(np.linalg.qr(x)[1].sum()), [a], {
      order: 2,
      rtol: 1e-5,
      atol: 1e-6,
    });
    checkGrads(usv, [a], { order: 2, rtol: 1e-5, atol: 1e-6 });
    const [tall] = fixtureArgs("pinv.wide");
    checkGrads((x: NDArray) => np.linalg.pinv(x), [tall], { order: 2, rtol: 1e-5, atol: 1e-6 });
  });
  it("svd() gradients of U are meaningless where singular values repeat (as JAX), svdvals' not", () => {
    // 1/(s_j² − s_i²) with s_j = s_i up to rounding: infinite, or finite but astronomically large
    const [a] = fixtureArgs("svd.sRepeated");
    const g = grad((x: NDArray) => np.linalg.svd(x)[0].sum())(a);
    assert.ok(Array.from(g.toTypedArray()).some((v) => !(Math.abs(v) < 1e8)));
    const gs = grad((x: NDArray) => np.linalg.svdvals(x).sum())(a);
    assert.ok(Array.from(gs.toTypedArray()).every((v) => Number.isFinite(v)));
  });
  it("vmap of qr and svd over a batch equals the batched call, also under jit", () => {
    const [a] = fixtureArgs("qr.qTall");
    assertAllClose(vmap((x: NDArray) => np.linalg.qr(x)[1])(a), np.linalg.qr(a)[1], tight);
    assertAllClose(jit(vmap(usv))(a), usv(a), tight);
    const g = grad((x: NDArray) => usv(x).sum());
    assertAllClose(vmap(g)(a), np.stack([g(a.index(0)), g(a.index(1))]), tight);
  });
  it("pinv(), lstsq() and svd() run in the worker pool as in the main thread", async () => {
    await using pool = createWorkerPool({ size: 1 });
    const [a] = fixtureArgs("qr.qTall");
    const perExample = (x: NDArray) =>
      np.linalg.pinv(x).sum().add(np.linalg.svdvals(x).sum()).add(np.linalg.qr(x)[1].sum());
    assertAllClose(await pool.map(perExample)(a), vmap(perExample)(a), tight);
    const loss = (w: NDArray, x: NDArray) =>
      vmap((m: NDArray) => np.linalg.lstsq(m.mul(w), np.ones([4], { dtype: "float64" }))[0].sum())(
        x,
      ).mean();
    const w = np.array(1.5, { dtype: "float64" });
    const [v, gw] = await pool.valueAndGrad(loss)(w, a);
    assertAllClose(v, loss(w, a), tight);
    assertAllClose(gw, grad(loss)(w, a), tight);
  });
  it("input errors name the function, the problem and the fix", () => {
    assert.throws(
      () => np.linalg.qr(np.ones([3])),
      (e) => e instanceof TypeError && /at least 2 axes/.test(e.message),
    );
    // @ts-expect-error: an unknown mode
    assert.throws(() => np.linalg.qr(np.ones([2, 2]), "full"), /mode must be one of/);
    const misspelt = { fullMatrix: false } as unknown as { fullMatrices: boolean };
    assert.throws(
      () => np.linalg.svd(np.ones([2, 2]), misspelt),
      /unknown option "fullMatrix"/,
    );
    assert.throws(() => np.linalg.svd(np.ones([2, 3]), { hermitian: true }), /square/);
    assert.throws(
      () => grad((x: NDArray) => np.linalg.svd(x)[0].sum())(np.ones([3, 2], { dtype: "float64" })),
      /fullMatrices: false/,
    );
    assert.throws(() => np.linalg.lstsq(np.ones([2, 3, 3]), np.ones([3])), /vmap/);
    assert.throws(() => np.linalg.lstsq(np.ones([3, 2]), np.ones([2])), /b must be \[m\]/);
    assert.throws(() => np.linalg.cond(np.ones([3, 2]), 1), /square/);
    assert.throws(() => np.linalg.cond(np.eye(2), 3), /unknown order/);
    assert.throws(() => np.linalg.matrixRank(np.eye(2), { rtol: 1, tol: 1 }), /not both/);
    assert.throws(() => np.linalg.pinv(np.eye(2), { rtol: NaN }), RangeError);
    assert.throws(() => np.linalg.pinv(np.ones([2, 2, 2]), np.ones([3])), /batch shape/);
    assert.throws(() => np.linalg.norm(np.ones([2, 2]), { ord: 3 }), /unknown matrix ord/);
  });
});
