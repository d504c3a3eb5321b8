import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { grad, type NDArray, np, vmap } from "../mod.ts";
import { checkFixture, fixtureArgs } from "./_numpy_fixtures.ts";
import { assertAllClose, checkGrads } from "./_helpers.ts";

type F = (...xs: NDArray[]) => NDArray;
const sym = (a: NDArray) => a.add(np.swapaxes(a, -1, -2)).mul(0.5);

describe("np.linalg against JAX (values, jit, vmap, grad, finite differences)", () => {
  const cases: [string, F][] = [
    ["cholesky", (a) => np.linalg.cholesky(sym(a))],
    ["triangularSolve", (a, b) => np.linalg.triangularSolve(a, b)],
    [
      "triangularSolveT",
      (a, b) =>
        np.linalg.triangularSolve(np.swapaxes(a, -1, -2), b, { lower: false, transposeA: true }),
    ],
    ["solve", np.linalg.solve],
    ["solveVec", np.linalg.solve],
    ["inv", np.linalg.inv],
    ["det", np.linalg.det],
    ["slogdet", (a) => np.linalg.slogdet(a)[1]],
    ["eigvalsh", (a) => np.linalg.eigvalsh(sym(a))],
    ["eighVecs", (a) => np.abs(np.linalg.eigh(sym(a))[1])],
    ["norm2", (a) => np.linalg.norm(a, { axis: 1 })],
    ["normInf", (a) => np.linalg.norm(a, { ord: Infinity, axis: 0 })],
    ["norm3", (a) => np.linalg.norm(a, { ord: 3, axis: 1 })],
    ["normFro", (a) => np.linalg.norm(a)],
    ["normMat1", (a) => np.linalg.norm(a, { ord: 1 })],
    ["normMatInf", (a) => np.linalg.norm(a, { ord: Infinity })],
    ["normMat2", (a) => np.linalg.norm(a, { ord: 2 })],
    ["matrixPowerNeg", (a) => np.linalg.matrixPower(a, -2)],
  ];
  for (const [name, f] of cases) {
    it(`np.linalg.${name.replace(/(Vec|Vecs|T|Neg|2|Inf|3|Fro|Mat.*)$/, "")}() matches JAX (${name})`, () => {
      // gen's column sums tie at the maximum (5 and 5): no finite differences at that kink
      const noFiniteDifferences = name === "normMat1";
      checkFixture(`linalg.${name}`, f, { rtol: 1e-9, atol: 1e-10, noFiniteDifferences });
    });
  }
});

describe("np.linalg.eigh at larger sizes", () => {
  it("np.linalg.eigh() of 150×150 matrices (random, repeated eigenvalues, a path graph) gives A V = V Λ and VᵀV = I", () => {
    const n = 150;
    let seed = 5;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
    const random = Float64Array.from({ length: n * n }, rnd);
    const repeated = new Float64Array(n * n), path = new Float64Array(n * n);
    for (let i = 0; i < n; i++) repeated[i * n + i] = i % 3;
    for (let i = 0; i + 1 < n; i++) path[i * n + i + 1] = path[(i + 1) * n + i] = 1;
    for (
      const [name, data] of [["random", random], ["repeated", repeated], ["path", path]] as const
    ) {
      const a0 = np.array(data, { shape: [n, n], dtype: "float64" });
      const a = a0.add(a0.T).mul(0.5);
      const [w, v] = np.linalg.eigh(a);
      const ws = w.toTypedArray();
      for (let j = 1; j < n; j++) assert.ok(ws[j] >= ws[j - 1], `${name}: eigenvalues ascending`);
      const residual = np.abs(a.matmul(v).sub(v.mul(w))).max().item() as number;
      const orthogonality = np.abs(v.T.matmul(v).sub(np.eye(n).astype("float64"))).max()
        .item() as number;
      assert.ok(residual < 1e-11, `${name}: |A V − V Λ| = ${residual}`);
      assert.ok(orthogonality < 1e-11, `${name}: |VᵀV − I| = ${orthogonality}`);
    }
  });
});

describe("np.linalg identities and errors", () => {
  it("cholesky, eigh and lu-based solve reproduce their defining identities in float32", () => {
    const [a] = fixtureArgs("linalg.cholesky");
    const a32 = sym(a).astype("float32");
    const l = np.linalg.cholesky(a32);
    assert.equal(l.dtype, "float32");
    assertAllClose(l.matmul(np.swapaxes(l, -1, -2)), a32, { rtol: 1e-5, atol: 1e-5 });
    const [w, v] = np.linalg.eigh(a32);
    assertAllClose(v.matmul(v.mul(w.expandDims(-2)).transpose([0, 2, 1])), a32, {
      rtol: 1e-4,
      atol: 1e-4,
    });
  });
  it("grad of det is det · A⁻ᵀ and second derivatives of solve match finite differences", () => {
    const [g] = fixtureArgs("linalg.det");
    const a = g.index(0);
    assertAllClose(
      grad((m: NDArray) => np.linalg.det(m))(a),
      np.linalg.inv(a).T.mul(np.linalg.det(a)),
      {
        rtol: 1e-10,
      },
    );
    checkGrads((m: NDArray) => np.linalg.solve(m, np.array([1, 2, 3], { dtype: "float64" })), [a], {
      order: 2,
    });
  });
  it("grad of det at singular matrices is the adjugate, as JAX's, not NaN", () => {
    // expected values from JAX 0.10.2 (jax.grad(jnp.linalg.det), float64)
    const f64 = (x: number[][] | number[][][]) => np.array(x, { dtype: "float64" });
    const gdet = grad((m: NDArray) => np.linalg.det(m).sum());
    const tight = { rtol: 1e-12, atol: 1e-12 };
    assertAllClose(gdet(f64([[0]])), [[1]], tight);
    assertAllClose(gdet(f64([[[1, 2], [2, 4]], [[0, 0], [0, 0]]])), [
      [[4, -2], [-2, 1]],
      [[0, 0], [0, 0]],
    ], tight);
    assertAllClose(gdet(f64([[1, 2, 3], [2, 4, 6], [1, 1, 1]])), [
      [-2, 4, -2],
      [1, -2, 1],
      [0, 0, 0],
    ], tight);
    // rank 3 of 4 (row 3 = row 0 + row 1) and rank 2 of 4
    const r3 = f64([[4, 1, 0, 2], [1, 3, 1, 0], [0, 1, 5, 1], [5, 4, 1, 2]]);
    assertAllClose(gdet(r3), [
      [29, -14, 13, -51],
      [29, -14, 13, -51],
      [0, 0, 0, 0],
      [-29, 14, -13, 51],
    ], { rtol: 1e-12, atol: 1e-12 });
    const r2 = f64([[1, 2, 3, 4], [2, 4, 6, 8], [3, 6, 9, 12], [0, 1, 1, 2]]);
    assertAllClose(gdet(r2), np.zeros([4, 4]), tight);
    // away from singular matrices: first and second derivatives of the custom rule
    const a4 = f64([[4, 1, 0, 2], [1, 3, 1, 0], [0, 1, 5, 1], [2, 0, 1, 6]]);
    assertAllClose(gdet(a4), np.linalg.inv(a4).T.mul(np.linalg.det(a4)), { rtol: 1e-12 });
    checkGrads((m: NDArray) => np.linalg.det(m), [a4], { order: 2 });
  });
  it("solve() reads a b of more than one axis as matrices and broadcasts batch axes, as JAX", () => {
    // JAX 0.10.2: solve(a [3, 3, 3], b [3, 3]) solves each a[i] against the whole b, giving
    // [3, 3, 3]; b [2, 3] against a [3, 3, 3] is an error; b [3] is one vector for every a[i]
    const a = np.stack([0, 1, 2].map((i) => np.eye(3).astype("float64").mul(i + 1)));
    const b = np.arange(9, { dtype: "float64" }).reshape([3, 3]);
    const x = np.linalg.solve(a, b);
    assert.deepEqual(x.shape, [3, 3, 3]);
    assertAllClose(x, np.stack([b, b.div(2), b.div(3)]), { rtol: 1e-15 });
    assert.throws(() => np.linalg.solve(a, np.ones([2, 3])), /np\.linalg\.solve: .*expandDims/);
    assertAllClose(np.linalg.solve(a, np.ones([3])), [[1, 1, 1], [0.5, 0.5, 0.5], [
      1 / 3,
      1 / 3,
      1 / 3,
    ]], {
      rtol: 1e-7,
    });
    const y = np.linalg.solve(a.slice([0, 1]), np.ones([2, 3, 2]));
    assert.deepEqual(y.shape, [2, 3, 2]);
    assertAllClose(y, np.ones([2, 3, 2]), { rtol: 1e-15 });
    const g = grad((m: NDArray) =>
      np.linalg.solve(m, np.ones([2, 3, 2], { dtype: "float64" })).sum()
    )(
      a.slice([0, 1]),
    );
    assertAllClose(g, np.ones([1, 3, 3]).mul(-4), { rtol: 1e-12 });
  });
  it("norm() with ord Infinity of an empty vector is 0, as JAX", () => {
    // JAX 0.10.2: jnp.linalg.norm(jnp.zeros((2, 0)), jnp.inf, axis=1, keepdims=True) = [[0], [0]]
    assert.deepEqual(np.linalg.norm(np.zeros([0]), { ord: Infinity }).toArray(), 0);
    const r = np.linalg.norm(np.zeros([2, 0]), { ord: Infinity, axis: 1, keepdims: true });
    assert.deepEqual(r.toArray(), [[0], [0]]);
  });
  it("norm() of no elements: a maximum is 0, a minimum throws naming np.linalg.norm, as JAX", () => {
    // JAX 0.10.2: jnp.linalg.norm of zeros((3, 0)) with ord 1 or inf, of zeros((0, 3)) with ord
    // -1 or inf, and of zeros((3, 0)) with ord -inf (the minimum of 3 empty rows' sums) are 0.0;
    // zeros(0) and zeros((0, 3)) with ord -inf, zeros((0, 3)) with ord -inf and axis 0, and
    // zeros((3, 0)) with ord -1 raise "zero-size array to reduction operation min".
    const n = (shape: number[], ord: number, axis?: number) =>
      np.linalg.norm(np.zeros(shape), { ord, axis }).toArray();
    for (
      const [shape, ord] of [[[3, 0], 1], [[3, 0], Infinity], [[0, 3], -1], [[0, 3], Infinity]]
    ) {
      assert.equal(n(shape as number[], ord as number), 0, `${shape} ord ${ord}`);
    }
    assert.equal(n([3, 0], -Infinity), 0);
    assert.deepEqual(n([0, 3], -Infinity, 1), []);
    const empty = /np\.linalg\.norm: ord -?\w+ takes a minimum over an axis of length 0/;
    assert.throws(
      () => n([0], -Infinity),
      (e: Error) => e instanceof RangeError && empty.test(e.message),
    );
    assert.throws(() => n([0, 3], -Infinity), empty);
    assert.throws(() => n([0, 3], -Infinity, 0), empty);
    assert.throws(() => n([3, 0], -1), empty);
    assert.throws(() => np.linalg.vectorNorm(np.zeros([0]), { ord: -Infinity }), empty);
  });
  it("vmap over a batch of matrices equals the batched call", () => {
    const [g] = fixtureArgs("linalg.inv");
    assertAllClose(vmap(np.linalg.inv)(g), np.linalg.inv(g), { rtol: 1e-12 });
  });
  it("non-square inputs and unknown matrix norms are TypeErrors", () => {
    assert.throws(() => np.linalg.inv(np.ones([2, 3])), /square matrices/);
    assert.throws(() => np.linalg.norm(np.ones([2, 2]), { ord: 3 }), /unknown matrix ord/);
    assert.throws(() => np.linalg.solve(np.eye(2), np.ones([3])), /does not match/);
  });
});
