import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { grad, hessian, jacfwd, jacrev, type NDArray, np, tree } from "../mod.ts";
import { assertAllClose, numericalJvp, randomArray } from "./_helpers.ts";

const rand = (shape: number[], seed: number) => randomArray(shape, { seed });
const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Contracts the trailing (input) axes of a Jacobian block with a tangent: J·v. */
function applyJacobian(j: NDArray, v: NDArray): NDArray {
  const outShape = j.shape.slice(0, j.ndim - v.ndim);
  const m = np.matmul(j.reshape([size(outShape), v.size]), v.reshape([v.size, 1]));
  return m.reshape(outShape);
}

/** A smooth, non-linear map from shape `sIn` to shape `sOut` that mixes every element. */
function randomFunction(sIn: number[], sOut: number[], seed: number): (x: NDArray) => NDArray {
  const w = rand([size(sOut), size(sIn)], seed);
  return (x: NDArray) => {
    const flat = x.reshape([size(sIn)]);
    const y = np.matmul(w, flat.sin()).tanh().mul(flat.square().sum().add(1));
    return y.reshape(sOut);
  };
}

describe("jacfwd and jacrev", () => {
  const shapes: number[][] = [[], [3], [2, 3], [2, 1, 2]];
  it("jacfwd() and jacrev() agree for inputs and outputs of rank 0 to 3", () => {
    let seed = 1;
    for (const sIn of shapes) {
      for (const sOut of shapes) {
        const f = randomFunction(sIn, sOut, seed++);
        const x = rand(sIn, seed++);
        const jf = jacfwd(f)(x), jr = jacrev(f)(x);
        assert.deepEqual(jf.shape, [...sOut, ...sIn], `jacfwd shape ${sIn} -> ${sOut}`);
        assert.deepEqual(jr.shape, [...sOut, ...sIn], `jacrev shape ${sIn} -> ${sOut}`);
        assertAllClose(jf, jr, { message: `${sIn} -> ${sOut}` });
      }
    }
  });

  it("jacfwd() contracted with a direction matches finite differences", () => {
    const f = randomFunction([2, 3], [3, 2], 40);
    const x = rand([2, 3], 41), v = rand([2, 3], 42);
    const fd = numericalJvp(f, [x], [v]) as NDArray;
    assertAllClose(applyJacobian(jacfwd(f)(x), v), fd, { rtol: 1e-6, atol: 1e-7 });
  });

  it("jacrev() of a linear map is its matrix and jacfwd() of an elementwise map is diagonal", () => {
    const a = rand([4, 3], 43);
    assertAllClose(jacrev((x: NDArray) => np.matmul(a, x))(rand([3], 44)), a);
    const x = rand([3], 45);
    const expected = np.eye(3, undefined, { dtype: "float64" }).mul(x.cos());
    assertAllClose(jacfwd((t: NDArray) => t.sin())(x), expected);
  });

  it("jacfwd() and jacrev() return the output tree of input trees for pytrees and argnums", () => {
    const f = (p: { a: NDArray; b: NDArray }, c: NDArray) => ({
      u: p.a.mul(c).sum(),
      v: [p.b.exp().mul(c.sum()), p.a.reshape([2, 1]).mul(p.b)],
    });
    const p = { a: rand([2], 46), b: rand([3], 47) }, c = rand([2], 48);
    for (const argnums of [0, [0, 1]] as const) {
      const jf = jacfwd(f, { argnums })(p, c);
      const jr = jacrev(f, { argnums })(p, c);
      assertAllClose(jf as never, jr as never, { message: `argnums ${argnums}` });
    }
    const j = jacrev(f, { argnums: [0, 1] })(p, c);
    assert.equal(
      String(tree.structure(j)),
      "{u: [{a: *, b: *}, *], v: [[{a: *, b: *}, *], [{a: *, b: *}, *]]}",
    );
    assert.deepEqual(j.v[1][0].a.shape, [2, 3, 2]);
    assert.deepEqual(j.v[1][0].b.shape, [2, 3, 3]);
    assert.deepEqual(j.u[1].shape, [2]);
    // du/dc = a, dv0/db = diag(exp(b)) sum(c)
    assertAllClose(j.u[1], p.a);
    const jc = jacfwd(f, { argnums: 1 })(p, c);
    assertAllClose(jc.u, p.a);
    assertAllClose(
      jacfwd(f)(p, c).v[0].b,
      np.eye(3, undefined, { dtype: "float64" }).mul(p.b.exp().mul(c.sum())),
    );
  });

  it("jacrev() matches grad() for a scalar function", () => {
    const f = (x: NDArray) => x.tanh().mul(x).sum();
    const x = rand([2, 2], 49);
    assertAllClose(jacrev(f)(x), grad(f)(x));
    assertAllClose(jacfwd(f)(x), grad(f)(x));
  });

  it("jacfwd() and jacrev() reject integer inputs and bad argnums", () => {
    const f = (x: NDArray) => x.mul(2);
    assert.throws(() => jacfwd(f)(np.array([1, 2], { dtype: "int32" })), /float arrays/);
    assert.throws(() => jacrev(f)(np.array([1, 2], { dtype: "int32" })), TypeError);
    assert.throws(() => jacrev(f, { argnums: 1 })(np.array([1])), RangeError);
  });
});

describe("hessian", () => {
  it("hessian() of sum(x³) for a 2×2 input is 6x on the diagonal of a 2×2×2×2 tensor", () => {
    const x = np.array([[1, 2], [3, 4]], { dtype: "float64" });
    const h = hessian((t: NDArray) => t.pow(3).sum())(x);
    assert.deepEqual(h.shape, [2, 2, 2, 2]);
    const expected = [[[[6, 0], [0, 0]], [[0, 12], [0, 0]]], [[[0, 0], [18, 0]], [[0, 0], [
      0,
      24,
    ]]]];
    assertAllClose(h, expected);
  });

  it("hessian() matches finite differences of the gradient", () => {
    const a = rand([3, 3], 50);
    const f = (x: NDArray) => np.matmul(a, x.sin()).tanh().sum().add(x.prod());
    const x = rand([3], 51);
    const h = hessian(f)(x);
    for (let k = 0; k < 3; k++) {
      const v = rand([3], 52 + k);
      const fd = numericalJvp(grad(f), [x], [v]) as NDArray;
      assertAllClose(applyJacobian(h, v), fd, { rtol: 1e-6, atol: 1e-7 });
    }
    // a Hessian is symmetric
    assertAllClose(h, h.T);
  });

  it("hessian() with several argnums gives every block of second derivatives", () => {
    const f = (x: NDArray, y: NDArray) => x.mul(y).sum().square();
    const x = rand([2], 53), y = rand([2], 54);
    const [[hxx, hxy], [hyx, hyy]] = hessian(f, { argnums: [0, 1] })(x, y);
    // f = s² with s = x·y: the x blocks come from jacfwd of the gradient, d²f/dy² = 2 x xᵀ
    const gx = (a: NDArray, b: NDArray) => grad(f, { argnums: 0 })(a, b);
    assertAllClose(hxx, jacfwd(gx)(x, y));
    assertAllClose(hxy, jacfwd(gx, { argnums: 1 })(x, y));
    assertAllClose(hyx, hxy.T);
    assertAllClose(hyy, np.outer(x, x).mul(2));
  });
});

describe("hasAux in jacfwd, jacrev and hessian", () => {
  // Expected values from JAX 0.10.2, with f = lambda x: (x**2, {"s": x.sum(), "n": 3}) at
  // x = [1., 2.]: jax.jacfwd(f, has_aux=True)(x) and jax.jacrev(f, has_aux=True)(x) are both
  // ([[2., 0.], [0., 4.]], {"n": 3, "s": 3.}); jax.hessian(lambda x: ((x**3).sum(), x.sum()),
  // has_aux=True)(x) is ([[6., 0.], [0., 12.]], 3.); and jax.jacrev(lambda x, y: (x * y, y),
  // argnums=(0, 1), has_aux=True)(x, 3.) is (([[3., 0.], [0., 3.]], [1., 2.]), 3.).
  const f = (x: NDArray) => [x.square(), { s: x.sum(), n: 3 }] as const;
  const x = np.array([1, 2]);

  it("jacfwd() and jacrev() with hasAux return [jacobian, aux], aux undifferentiated", () => {
    for (const jac of [jacfwd, jacrev]) {
      const [j, aux] = jac(f, { hasAux: true })(x);
      assert.deepEqual(j.toArray(), [[2, 0], [0, 4]], jac.name);
      assert.equal(aux.n, 3);
      assert.ok(aux.s instanceof np.NDArray);
      assert.equal(aux.s.item(), 3);
    }
  });

  it("hessian() and jacrev() with argnums and hasAux match JAX", () => {
    const [h, s] = hessian((v: NDArray) => [v.pow(3).sum(), v.sum()] as const, { hasAux: true })(x);
    assert.deepEqual(h.toArray(), [[6, 0], [0, 12]]);
    assert.equal(s.item(), 3);
    const g = (a: NDArray, b: NDArray) => [a.mul(b), b] as const;
    const [[ja, jb], aux] = jacrev(g, { argnums: [0, 1], hasAux: true })(x, np.array(3));
    assert.deepEqual(ja.toArray(), [[3, 0], [0, 3]]);
    assert.deepEqual(jb.toArray(), [1, 2]);
    assert.equal(aux.item(), 3);
  });

  it("jacfwd() with hasAux composes with grad: aux is a plain value at each level", () => {
    // JAX: grad of v ↦ j.sum() + aux.sum(), (j, aux) = jacfwd(lambda u: (u**2, u), has_aux=True)(v),
    // is [3., 3.]: 2 from the jacobian diag(2v), 1 from aux, still differentiable by the outer grad
    let seen: unknown;
    const outer = grad((v: NDArray) => {
      const [j, aux] = jacfwd((u: NDArray) => [u.square(), u] as const, { hasAux: true })(v);
      seen = aux;
      return j.sum().add(aux.sum());
    });
    assert.deepEqual(outer(np.array([1, 2])).toArray(), [3, 3]);
    assert.ok(seen instanceof np.NDArray);
  });

  it("jacfwd() and jacrev() with hasAux reject a function that does not return a pair", () => {
    for (const [jac, name] of [[jacfwd, "jacfwd"], [jacrev, "jacrev"]] as const) {
      assert.throws(
        () => jac((v: NDArray) => v.square() as never, { hasAux: true })(x),
        new RegExp(`${name}: with hasAux the function must return \\[output, aux\\]`),
      );
      assert.throws(() => jac(f, { hasAux: 1 as unknown as true }), /hasAux must be true or false/);
    }
  });
});
