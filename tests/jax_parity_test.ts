/**
 * Parity with JAX on the cases a JAX user meets first: reductions of int32 and bool
 * arrays, gradients at kinks, int32 powers, bool arithmetic, default dtypes.
 * Every expected value comes from JAX 0.10.2 via tests/fixtures/gen_parity.py.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  grad,
  jit,
  jvp,
  losses,
  makeJaxpr,
  type NDArray,
  nn,
  np,
  valueAndGrad,
  vmap,
} from "../mod.ts";
import { assertAllClose } from "./_helpers.ts";
import fixture from "./fixtures/parity.json" with { type: "json" };

interface Case {
  dtype: string;
  shape: number[];
  value: unknown;
}
const cases = fixture.cases as unknown as Record<string, Case>;

/** Asserts `x` has JAX's dtype, shape and values for case `name` (exact unless `rtol`). */
function assertJax(x: NDArray, name: string, rtol = 0): void {
  const c = cases[name];
  assert.ok(c, `no fixture named ${name}`);
  assert.equal(x.dtype, c.dtype, `${name}: dtype`);
  assert.deepEqual(x.shape, c.shape, `${name}: shape`);
  if (rtol === 0) assert.deepEqual(x.toArray(), c.value, `${name}: values`);
  else assertAllClose(x, c.value as number, { rtol, atol: 0 });
}

const i32 = (v: number[] | number[][] | number[][][]) => np.array(v, { dtype: "int32" });
const bools = (v: boolean[] | boolean[][]) => np.array(v, { dtype: "bool" });

describe("int32 and bool max/min over a non-trailing axis start from the data, as JAX", () => {
  const i = i32([[4, 5], [6, 7]]);
  const i3 = i32([[[3, -1, 7], [2, 9, -5]], [[-8, 4, 0], [6, -2, 1]]]);
  const b = bools([[true, false], [true, true]]);
  it("np.min and np.max over axis 0 of int32 match JAX", () => {
    assertJax(np.min(i, { axis: 0 }), "min_int32_axis0");
    assertJax(np.max(np.neg(i), { axis: 0 }), "max_neg_int32_axis0");
  });
  it("np.min and np.max over middle and split axes of a 3-D int32 array match JAX", () => {
    assertJax(np.max(i3, { axis: 1 }), "max_int32_3d_axis1");
    assertJax(np.min(i3, { axis: 0 }), "min_int32_3d_axis0");
    assertJax(np.max(np.sub(np.neg(np.abs(i3)), 1), { axis: [0, 2] }), "max_neg_int32_3d_axes02");
  });
  it("np.min and np.max over axis 0 of bool match JAX", () => {
    assertJax(np.min(b, { axis: 0 }), "min_bool_axis0");
    assertJax(np.max(np.equal(b, false), { axis: 0 }), "max_bool_axis0");
  });
  it("jit and vmap of int32 and bool reductions match JAX", () => {
    assertJax(jit((x: NDArray) => np.min(x, { axis: 0 }))(i), "jit_min_int32_axis0");
    assertJax(
      vmap((x: NDArray) => np.max(x), { inAxes: 1 })(np.neg(i)),
      "vmap_max_neg_int32_inaxes1",
    );
    assertJax(vmap((x: NDArray) => np.min(x), { inAxes: 1 })(b), "vmap_min_bool_inaxes1");
  });
  it("nn.maxPool2d of negative int32 values matches JAX's reduce_window", () => {
    const x = np.neg(np.arange(1, 17)).reshape([1, 4, 4, 1]);
    assertJax(nn.maxPool2d(x, 2), "max_pool_2x2_neg_int32");
  });
});

describe("gradients at kinks follow JAX", () => {
  it("nn.elu has gradient alpha at 0", () => {
    assertJax(grad((x: NDArray) => nn.elu(x))(np.array(0)), "elu_grad_at_0_alpha1");
    const elu2 = (x: NDArray) => nn.elu(x, { alpha: 2 });
    assertJax(grad(elu2)(np.array(0)), "elu_grad_at_0_alpha2");
    assertJax(vmap(grad(elu2))(np.array([-1, 0, 1])), "elu_grad_alpha2", 1e-6);
  });
  it("np.abs has gradient +1 at 0 and at -0", () => {
    assertJax(vmap(grad((x: NDArray) => np.abs(x)))(np.array([-2, -0, 0, 3])), "abs_grad");
    const [, t] = jvp((x: NDArray) => np.abs(x), [np.array(0)], [np.array(1)]);
    assertJax(t, "abs_jvp_at_0");
  });
  it("nn.softplus and losses.sigmoidBinaryCrossEntropy have gradient σ(z) (− y) at 0", () => {
    assertJax(
      vmap(grad((x: NDArray) => nn.softplus(x)))(np.array([-1, 0, 1])),
      "softplus_grad",
      1e-6,
    );
    const y = np.array([1, 0, 0.25]);
    const g = grad((z: NDArray) => losses.sigmoidBinaryCrossEntropy(z, y).mean())(
      np.array([0, 2, -1]),
    );
    assertJax(g, "sigmoid_bce_grad", 1e-5);
  });
  it("losses.meanAbsoluteError has gradient 1/n at zero error", () => {
    const target = np.array([1, 2, 3, 4]);
    const g = grad((p: NDArray) => losses.meanAbsoluteError(p, target))(target);
    assertJax(g, "mae_grad_at_zero_error");
  });
});

describe("int32 pow wraps modulo 2^32, as JAX", () => {
  const base = i32([3, 7, -5, 2, 1, -1, -1, 2, 0, 0, 12345]);
  const expo = i32([40, 33, 33, 31, -1, -3, -2, -2, -1, 0, 5]);
  it("np.pow of int32 arrays matches JAX, negative exponents included", () => {
    assertJax(np.pow(base, expo), "pow_int32");
  });
  it("jit of an int32 pow matches JAX", () => {
    assertJax(jit((x: NDArray, y: NDArray) => np.pow(x, y))(base, expo), "jit_pow_int32");
  });
});

describe("bool arithmetic and default dtypes follow JAX", () => {
  const t = bools([true, true, false, false]), f = bools([true, false, true, false]);
  it("bool + bool is or, bool * bool is and, maximum and minimum stay bool", () => {
    assertJax(np.add(t, f), "bool_add");
    assertJax(np.mul(t, f), "bool_mul");
    assertJax(np.maximum(t, f), "bool_maximum");
    assertJax(np.minimum(t, f), "bool_minimum");
    assertJax(jit((a: NDArray, b: NDArray) => a.add(b))(t, f), "bool_add");
  });
  it("bool ** bool is int32, bool / bool is float32, bool + number promotes", () => {
    assertJax(np.pow(t, f), "bool_pow");
    assertJax(np.div(t, bools([true, true, true, true])), "bool_div");
    assertJax(np.add(t, 1), "bool_add_int");
    assertJax(np.add(t, 0.5), "bool_add_float");
  });
  it("np.sub of two bool arrays throws a TypeError, as JAX", () => {
    assert.throws(() => np.sub(t, f), { name: "TypeError", message: /np\.sub.*bool.*astype/ });
  });
  it("np.arange of integers is int32 and np.array of JS numbers is float32", () => {
    assertJax(np.arange(5), "arange_5");
    assertJax(np.arange(0, 1, 0.25), "arange_float");
    assertJax(np.array([1, 2, 3]), "array_of_numbers");
  });
});

describe("arrays print as JAX's repr", () => {
  interface ReprCase extends Case {
    repr: string;
  }
  const reprs = fixture.cases.repr as unknown as Record<string, ReprCase>;
  const special: Record<string, number> = { nan: NaN, inf: Infinity, "-inf": -Infinity };
  const revive = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(revive) : typeof v === "string" ? special[v] : v;
  for (const [name, c] of Object.entries(reprs)) {
    it(`toString() of ${name} (${c.dtype}${JSON.stringify(c.shape)}) is JAX's repr`, () => {
      const value = revive(c.value) as number[];
      const x = c.shape.length === 0
        ? np.full([], value as unknown as number, { dtype: c.dtype as np.DType })
        : np.array(value.flat(c.shape.length) as number[], { dtype: c.dtype as np.DType })
          .reshape(c.shape);
      assert.equal(x.toString(), c.repr);
    });
  }
});

describe("transforms accept JS numbers and number lists as float32 arrays, as JAX", () => {
  const square = (x: NDArray) => x.mul(x);
  it("grad and grad of grad take a number (and type-check on np.tanh)", () => {
    assertJax(grad(np.tanh)(2.0), "grad_tanh_2", 1e-6);
    assertJax(grad(grad(np.tanh))(2.0), "grad_grad_tanh_2", 1e-6);
    assertJax(valueAndGrad((x: NDArray) => x.pow(3))(3)[0], "value_and_grad_cube_3");
  });
  it("jit, vmap and makeJaxpr take numbers and nested number lists", () => {
    assertJax(jit((x: NDArray) => np.sin(x).add(1))(1.0), "jit_sin_plus_1_at_1", 1e-6);
    assertJax(vmap(square)([1, 2, 3]), "vmap_square_123");
    assertJax(vmap((x: NDArray) => x.sum())([[1, 2], [3, 4]]), "vmap_sum_nested");
    assert.equal(makeJaxpr(square)(3.0).toString(), makeJaxpr(square)(np.array(3)).toString());
  });
  it("a list of arrays stays a pytree; item() is a number and itemBool() a boolean", () => {
    const g = grad((xs: NDArray[]) => xs[0].mul(xs[1]))([np.array(2), np.array(5)]);
    assert.deepEqual(g.map((x) => x.item()), [5, 2]);
    const loss: number = np.array(0.25).item();
    assert.equal(loss.toFixed(2), "0.25");
    assert.equal(np.array(true, { dtype: "bool" }).itemBool(), true);
    assert.throws(() => np.array(true, { dtype: "bool" }).item(), /itemBool/);
  });
});
