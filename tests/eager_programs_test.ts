/**
 * Eager elementwise ops on large arrays run as cached compiled programs (src/numpy/_eager.ts).
 * Their results must equal, bit for bit, the primitive-by-primitive evaluation they replace,
 * for every op, operand form (scalars, rows and columns broadcast in place) and dtype; the
 * path must leave traced operands alone and keep its cache bounded.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { grad, jit, type NDArray, nn, np, random, vmap } from "../mod.ts";
import {
  EAGER_COMPILE_AFTER_ELEMENTS,
  EAGER_PROGRAM_MIN_ELEMENTS,
  eagerProgramStats,
  setEagerPrograms,
} from "../src/numpy/_eager.ts";
import { makeRng } from "./_helpers.ts";

const N = 256; // [N, N] arrays: 65,536 elements, compiled at a signature's second call

/** Runs `f` with the compiled eager path off. */
function primitiveByPrimitive<T>(f: () => T): T {
  const was = setEagerPrograms(false);
  try {
    return f();
  } finally {
    setEagerPrograms(was);
  }
}

/** Asserts equal shapes, dtypes and elements (bit for bit; any NaN matches any NaN). */
function assertSame(actual: NDArray, expected: NDArray, what: string): void {
  assert.equal(actual.dtype, expected.dtype, what);
  assert.deepEqual(actual.shape, expected.shape, what);
  const a = actual.toTypedArray(), e = expected.toTypedArray();
  for (let i = 0; i < e.length; i++) {
    if (Number.isNaN(e[i]) && Number.isNaN(a[i])) continue;
    if (!Object.is(a[i], e[i])) assert.fail(`${what}: element ${i} is ${a[i]}, expected ${e[i]}`);
  }
}

/**
 * Asserts that `f()` gives the primitive-by-primitive result on its first call (not
 * compiled yet) and on its second, which must run a compiled program.
 */
function assertCompiledMatches(f: () => NDArray, what: string): void {
  const expected = primitiveByPrimitive(f);
  assertSame(f(), expected, `${what} (first call)`);
  const before = eagerProgramStats().runs;
  assertSame(f(), expected, `${what} (compiled)`);
  assert.ok(eagerProgramStats().runs > before, `${what}: no compiled program ran`);
}

/** Values of `dtype` over [N, N] with the edge cases of its kind. */
function values(dtype: string, seed: number, shape: number[] = [N, N], edges = true): NDArray {
  const rng = makeRng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  const xs = Array.from({ length: size }, () => (rng() - 0.5) * 8);
  if (dtype === "bool") return np.array(xs.map((v) => v > 0), { dtype: "bool" }).reshape(shape);
  if (dtype.startsWith("float")) {
    if (edges) {
      [0, -0, NaN, Infinity, -Infinity, 1e-40, -3.5, 2.5, 100, -100].forEach((
        v,
        i,
      ) => (xs[i * 7] = v));
    }
    return np.array(xs, { dtype: dtype as "float32" }).reshape(shape);
  }
  const ints = xs.map((v) => Math.round(v * 20) & (dtype.startsWith("uint") ? 255 : -1));
  ints[3] = 0;
  return np.array(ints, { dtype: dtype as "int32" }).reshape(shape);
}

const BINARY = [
  "add",
  "sub",
  "mul",
  "div",
  "pow",
  "maximum",
  "minimum",
  "equal",
  "notEqual",
  "less",
  "lessEqual",
  "greater",
  "greaterEqual",
] as const;

describe("eager elementwise ops as compiled programs", () => {
  it(`take arrays of ${EAGER_PROGRAM_MIN_ELEMENTS} elements and up, and skip smaller ones`, () => {
    assert.equal(EAGER_PROGRAM_MIN_ELEMENTS, 4096);
    const small = values("float32", 1, [63, 64]);
    let before = eagerProgramStats().runs;
    for (let i = 0; i < 40; i++) small.mul(2);
    assert.equal(eagerProgramStats().runs, before);
    // 4096 elements: compiled once 2¹⁷ elements have gone through, at the 32nd call
    const x = values("float32", 1, [64, 64]), expected = primitiveByPrimitive(() => x.mul(2));
    before = eagerProgramStats().runs;
    for (let i = 1; i <= 40; i++) {
      assertSame(x.mul(2), expected, `call ${i}`);
      const ran = eagerProgramStats().runs - before;
      assert.equal(ran, Math.max(0, i - (EAGER_COMPILE_AFTER_ELEMENTS / 4096 - 1)), `call ${i}`);
    }
  });

  for (
    const dtype of ["float32", "float64", "int32", "float16", "uint8", "bfloat16", "int8", "uint32"]
  ) {
    it(`binary ops on ${dtype} equal the primitive-by-primitive results, operands broadcast in place`, () => {
      const x = values(dtype, 2), y = values(dtype, 3);
      const row = values(dtype, 4, [N]), column = values(dtype, 5, [N, 1]);
      for (const op of BINARY) {
        const f = np[op] as (a: NDArray | number, b: NDArray | number) => NDArray;
        assertCompiledMatches(() => f(x, y), `np.${op}(x, y) ${dtype}`);
        assertCompiledMatches(() => f(x, 3), `np.${op}(x, 3) ${dtype}`);
        assertCompiledMatches(() => f(2, x), `np.${op}(2, x) ${dtype}`);
        assertCompiledMatches(() => f(row, x), `np.${op}(row, x) ${dtype}`);
        assertCompiledMatches(() => f(x, column), `np.${op}(x, column) ${dtype}`);
      }
    });
  }

  it("bool operands keep JAX's rules (+ is or, * is and; − is an error on both paths)", () => {
    const p = values("bool", 6), q = values("bool", 7);
    assertCompiledMatches(() => np.add(p, q), "np.add bool");
    assertCompiledMatches(() => np.mul(p, q), "np.mul bool");
    assertCompiledMatches(() => np.pow(p, q), "np.pow bool");
    for (let i = 0; i < 3; i++) {
      assert.throws(() => np.sub(p, q), /np\.sub: not defined for two bool arrays/);
    }
  });

  it("unary ops equal the primitive-by-primitive results, float32 exp included", () => {
    const x = values("float32", 8), i = values("int32", 9), d = values("float64", 10);
    const ops = [
      "exp",
      "log",
      "sqrt",
      "tanh",
      "sin",
      "cos",
      "expm1",
      "negative",
      "abs",
      "floor",
      "round",
      "square",
      "reciprocal",
      "sigmoid",
      "sign",
    ] as const;
    for (const op of ops) {
      const f = np[op] as (a: NDArray) => NDArray;
      assertCompiledMatches(() => f(x), `np.${op} float32`);
      assertCompiledMatches(() => f(d), `np.${op} float64`);
    }
    // integers convert to float32 first
    assertCompiledMatches(() => np.exp(i), "np.exp int32");
    assertCompiledMatches(() => x.exp(), "x.exp()");
  });

  it("where() broadcasts a condition and scalars in place, and reads a float condition as ≠ 0", () => {
    const x = values("float32", 11), c = values("bool", 12), row = values("bool", 13, [N]);
    assertCompiledMatches(() => np.where(c, x, 0), "where(c, x, 0)");
    assertCompiledMatches(() => np.where(row, 1, x), "where(row, 1, x)");
    assertCompiledMatches(() => np.where(x, x, -2), "where(float condition)");
    assertCompiledMatches(
      () => np.where(np.greater(x, 0), x, x.exp().mul(1.67).sub(1.67)).mul(1.05),
      "SELU",
    );
  });

  it("nn activations, softmax and random samplers run as one program each, bit for bit", () => {
    const x = values("float32", 15), k = random.key(3);
    const cases: [string, () => NDArray][] = [
      ["gelu", () => nn.gelu(x)],
      ["silu", () => nn.silu(x)],
      ["softplus", () => nn.softplus(x)],
      ["leakyRelu", () => nn.leakyRelu(x, { negativeSlope: 0.2 })],
      ["elu", () => nn.elu(x, { alpha: 0.5 })],
      ["softmax", () => nn.softmax(x)],
      ["logSoftmax axis 0", () => nn.logSoftmax(x, { axis: 0 })],
      ["normal", () => random.normal(k, [N, N])],
      ["uniform", () => random.uniform(k, [N * N])],
    ];
    for (const [what, f] of cases) {
      const expected = primitiveByPrimitive(f);
      assertSame(f(), expected, `${what} (first call)`);
      const before = eagerProgramStats().runs;
      assertSame(f(), expected, `${what} (compiled)`);
      assert.equal(eagerProgramStats().runs, before + 1, `${what}: not one compiled program`);
    }
  });

  it("leaves traced operands to the transforms: grad, jit and vmap give the same values", () => {
    const x = values("float32", 14, [N, N], false);
    const f = (v: NDArray) => np.where(np.greater(v, 0), v, v.exp().mul(2)).mul(3).sum();
    const before = eagerProgramStats().runs;
    const g = grad(f)(x), j = jit(grad(f))(x);
    const v = vmap((r: NDArray) => r.exp().mul(2))(x);
    assert.equal(eagerProgramStats().runs, before, "a traced op ran as an eager program");
    const expected = primitiveByPrimitive(() =>
      np.where(np.greater(x, 0), np.full(x.shape, 3), x.exp().mul(6))
    );
    assertSame(g, expected, "grad");
    assert.ok(np.allclose(j, expected, { rtol: 1e-6 }), "jit(grad)");
    assertSame(v, primitiveByPrimitive(() => x.exp().mul(2)), "vmap");
  });

  it("keeps at most 256 compiled signatures", () => {
    for (let k = 0; k < 300; k++) {
      const x = np.zeros([N + k, N]);
      x.add(1), x.add(1);
    }
    assert.ok(eagerProgramStats().cached <= 256, `${eagerProgramStats().cached} cached`);
  });

  it("gives one-off shapes the primitive-by-primitive path: the compile waits for a second call", () => {
    const before = eagerProgramStats();
    np.zeros([N, N + 999]).mul(2);
    assert.equal(eagerProgramStats().compiled, before.compiled);
    assert.equal(eagerProgramStats().runs, before.runs);
  });

  it("compiles a composite's one-off call of 2^20 elements at once, bit for bit as op by op", () => {
    const x = random.normal(random.key(5), [1024, 1024 + 3]);
    const before = eagerProgramStats();
    const y = nn.gelu(x);
    assert.equal(eagerProgramStats().compiled, before.compiled + 1);
    assert.equal(eagerProgramStats().runs, before.runs + 1);
    const was = setEagerPrograms(false);
    try {
      assert.deepEqual(y.toTypedArray(), nn.gelu(x).toTypedArray());
    } finally {
      setEagerPrograms(was);
    }
    // a single op that large still waits for a second call
    const mid = eagerProgramStats();
    x.mul(3);
    assert.equal(eagerProgramStats().compiled, mid.compiled);
  });
});
