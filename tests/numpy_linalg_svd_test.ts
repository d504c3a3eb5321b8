import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { createWorkerPool, grad, jit, type NDArray, np, vmap } from "../mod.ts";
import { checkFixture, fixture, fixtureArgs } from "./_numpy_fixtures.ts";
import { assertAllClose, checkGrads, randomArray } from "./_helpers.ts";

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

describe("np.linalg.svd against JAX's singular values (literals) and its identities", () => {
  const f64 = { dtype: "float64" } as const;
  const m = [[3, -1, 2], [0.5, 4, -2], [1, 1, 1], [-2, 0.25, 3]];
  const scaled = (c: number) => m.map((r) => r.map((x) => x * c));
  // python3 -c "import jax; jax.config.update('jax_enable_x64', True); import numpy as np;
  //   m = np.array([[3., -1, 2], [0.5, 4, -2], [1, 1, 1], [-2, 0.25, 3]]);
  //   s = lambda a: jax.numpy.linalg.svd(np.asarray(a, float), compute_uv=False).tolist();
  //   print(s(np.arange(1., 13.).reshape(4, 3)), s([[1, 1, 1, 1], [1, -1, 1, -1],
  //   [1, 1, -1, -1], [1, -1, -1, 1]]), s(m), s(m * 1e-200), s(m * 1e200), s([[3, -4, 12]]),
  //   s([[3], [-4], [12]]), s([[[1, 2, 3], [4, 5, 6]], [[0, 1, 0], [2, 0, 0]]]))"
  const cases: [string, number[][] | number[][][], number[] | number[][]][] = [
    ["rank-deficient 4×3", [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]], [
      25.462407436036393,
      1.290661675761233,
      1.809728232792543e-15,
    ]],
    ["repeated (4×4 Hadamard)", [[1, 1, 1, 1], [1, -1, 1, -1], [1, 1, -1, -1], [1, -1, -1, 1]], [
      2,
      2,
      2,
      1.9999999999999998,
    ]],
    ["general 4×3", m, [5.127546742774718, 3.777209845106816, 3.123051422357392]],
    ["tiny (1e-200 ×)", scaled(1e-200), [
      5.1275467427747177e-200,
      3.7772098451068163e-200,
      3.123051422357392e-200,
    ]],
    ["huge (1e200 ×)", scaled(1e200), [
      5.127546742774718e200,
      3.777209845106816e200,
      3.123051422357392e200,
    ]],
    ["1×n", [[3, -4, 12]], [13]],
    ["n×1", [[3], [-4], [12]], [13]],
    ["batched [2, 2, 3]", [[[1, 2, 3], [4, 5, 6]], [[0, 1, 0], [2, 0, 0]]], [
      [9.508032000695724, 0.7728696356734843],
      [2, 1],
    ]],
  ];
  for (const [name, value, jaxS] of cases) {
    it(`np.linalg.svd() matches JAX's singular values and reproduces A: ${name}`, () => {
      const a = np.array(value, f64);
      const top = Math.max(...jaxS.flat());
      const n = Math.max(...a.shape.slice(-2));
      const tol = { rtol: 1e-14, atol: 10 * n * 2 ** -52 * top };
      assertAllClose(np.linalg.svdvals(a), jaxS, tol);
      for (const fullMatrices of [true, false]) {
        const [u, s, vh] = np.linalg.svd(a, { fullMatrices });
        assertAllClose(s, jaxS, tol);
        const k = s.shape[s.ndim - 1];
        const uk = np.slice(u, [...a.shape.slice(0, -2).map(() => null), null, [0, k]]);
        const vk = np.slice(vh, [...a.shape.slice(0, -2).map(() => null), [0, k], null]);
        assertAllClose(uk.mul(s.expandDims(-2)).matmul(vk), a, tol);
        // UᵀU = I and Vh Vhᵀ = I, per matrix
        const eye = (x: NDArray) => {
          const k = x.shape[x.ndim - 1];
          return np.broadcastTo(np.eye(k, k, f64), x.shape);
        };
        const utu = mT(u).matmul(u), vvt = vh.matmul(mT(vh));
        assertAllClose(utu, eye(utu), { atol: 10 * n * 2 ** -52 });
        assertAllClose(vvt, eye(vvt), { atol: 10 * n * 2 ** -52 });
      }
    });
  }
  it("np.linalg.svd() of float32 input is float32, computed in float64 and rounded", () => {
    const a = np.array(m, { dtype: "float32" });
    const [u, s, vh] = np.linalg.svd(a, { fullMatrices: false });
    assert.deepEqual([u.dtype, s.dtype, vh.dtype], ["float32", "float32", "float32"]);
    // JAX's float64 values (above), to float32's rounding
    assertAllClose(s, [5.127546742774718, 3.777209845106816, 3.123051422357392], {
      rtol: 2 ** -23,
    });
    assertAllClose(u.mul(s.expandDims(-2)).matmul(vh), a, { rtol: 1e-6, atol: 1e-6 });
  });
  it("np.linalg.svd() of a zero matrix is 0 with identity U and Vh, as JAX's", () => {
    const [u, s, vh] = np.linalg.svd(np.zeros([3, 2], f64));
    assert.deepEqual([u.toArray(), s.toArray(), vh.toArray()], [
      np.eye(3).toArray(),
      [0, 0],
      np.eye(2).toArray(),
    ]);
  });
  it("NaN input gives NaN from svd, pinv, lstsq, the 2-norm and cond, rank 0 (as JAX)", () => {
    // JAX 0.10.2 on [[1, 2], [nan, 4], [5, 6]]: U, S, Vh, pinv, lstsq's x, residuals and s
    // all NaN, lstsq's rank 0, matrix_rank 0, norm(ord=2) NaN
    const a = np.array([[1, 2], [NaN, 4], [5, 6]], f64);
    const allNaN = (x: NDArray) => Array.from(x.toTypedArray()).every(Number.isNaN);
    for (const x of np.linalg.svd(a)) assert.ok(allNaN(x), `svd: ${x.toArray()}`);
    assert.ok(allNaN(np.linalg.pinv(a)));
    const [x, resid, rank, sv] = np.linalg.lstsq(a, np.ones([3], f64));
    assert.ok(allNaN(x) && allNaN(resid) && allNaN(sv));
    assert.equal(rank.item(), 0);
    assert.equal(np.linalg.matrixRank(a).item(), 0);
    assert.ok(Number.isNaN(np.linalg.norm(a, { ord: 2 }).item()));
    assert.ok(Number.isNaN(np.linalg.cond(np.array([[1, NaN], [0, 1]], f64)).item()));
  });
  for (const dtype of ["float64", "float32"] as const) {
    it(`np.linalg.svd() of a random 70×50 ${dtype} A: ‖A − U S Vh‖ / ‖A‖ ≤ 10 · 70 · eps`, () => {
      const a = randomArray([70, 50], { dtype, seed: 3 });
      const eps = dtype === "float64" ? 2 ** -52 : 2 ** -23;
      for (const x of [a, mT(a)]) {
        const [u, s, vh] = np.linalg.svd(x, { fullMatrices: false });
        const r = np.linalg.norm(x.sub(u.mul(s.expandDims(-2)).matmul(vh))).item();
        assert.ok(r <= 10 * 70 * eps * np.linalg.norm(x).item(), `relative residual ${r}`);
      }
    });
  }
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
