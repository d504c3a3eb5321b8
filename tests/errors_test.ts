import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { grad, jvp, linearize, type NDArray, np, valueAndGrad, vjp } from "../mod.ts";

const A = (x: number | number[] | number[][]) => np.array(x, { dtype: "float64" });

/** Asserts that `f` throws an error of `type` whose message matches every pattern. */
function throwsWith(
  f: () => unknown,
  type: typeof TypeError | typeof RangeError | typeof Error,
  ...patterns: RegExp[]
): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof type, `expected ${type.name}, got ${e}`);
    for (const p of patterns) assert.match((e as Error).message, p);
    return true;
  });
}

describe("shape errors", () => {
  it("a broadcast mismatch is a TypeError naming the op and both shapes", () => {
    throwsWith(
      () => np.add(np.ones([2, 3]), np.ones([4])),
      TypeError,
      /np\.add/,
      /\[2, 3\]/,
      /\[4\]/,
    );
    throwsWith(() => np.ones([2, 3]).mul(np.ones([3, 2])), TypeError, /np\.mul/, /\[3, 2\]/);
    throwsWith(
      () => np.where(np.array([true, false]), np.ones([3]), 0),
      TypeError,
      /np\.where/,
      /\[2\]/,
      /\[3\]/,
    );
    throwsWith(() => np.broadcastTo(np.ones([3]), [2, 4]), TypeError, /broadcast/, /\[3\]/);
  });

  it("a matmul inner-dimension mismatch is a TypeError naming both shapes and sizes", () => {
    throwsWith(
      () => np.matmul(np.ones([2, 3]), np.ones([4, 5])),
      TypeError,
      /matmul/,
      /\[2, 3\]/,
      /\[4, 5\]/,
      /\(3\)/,
      /\(4\)/,
    );
    throwsWith(() => np.matmul(np.ones([3]), np.ones([4])), TypeError, /matmul/);
    throwsWith(() => np.matmul(np.ones([2, 2, 3]), np.ones([3, 3, 2])), TypeError, /matmul/);
    throwsWith(() => np.matmul(np.ones([]), np.ones([2])), TypeError, /at least one axis/);
  });

  it("a reshape size mismatch is a TypeError giving both shapes and sizes", () => {
    throwsWith(() => np.ones([2, 3]).reshape([4, 2]), TypeError, /\[2, 3\]/, /\[4, 2\]/, /6/, /8/);
    throwsWith(() => np.ones([5]).reshape([2, -1]), TypeError, /reshape/);
    throwsWith(() => np.ones([4]).reshape([-1, -1]), TypeError, /at most one -1/);
  });

  it("other structural mismatches are TypeErrors", () => {
    throwsWith(() => np.concatenate([np.ones([2, 2]), np.ones([2, 3])]), TypeError, /concatenate/);
    throwsWith(() => np.stack([np.ones([2]), np.ones([3])]), TypeError, /stack/);
    throwsWith(() => np.squeeze(np.ones([2, 1]), 0), TypeError, /squeeze/, /size 2/);
    throwsWith(() => np.transpose(np.ones([2, 3]), [0, 0]), TypeError, /permutation/);
    throwsWith(() => np.take(np.ones([3]), np.array([1.5])), TypeError, /integers/);
    throwsWith(() => np.ones([2]).item(), TypeError, /item\(\)/, /\[2\]/);
  });
});

describe("range errors", () => {
  it("an axis out of range is a RangeError", () => {
    const x = np.ones([2, 3]);
    const cases: (() => unknown)[] = [
      () => x.sum({ axis: 2 }),
      () => x.mean({ axis: -3 }),
      () => x.max({ axis: [0, 5] }),
      () => x.argmax({ axis: 2 }),
      () => np.logsumexp(x, { axis: 7 }),
      () => np.expandDims(x, 3),
      () => np.squeeze(x, -5),
      () => np.concatenate([x, x], 2),
      () => np.split(x, 2, 4),
      () => np.take(x, [0], 2),
      () => np.transpose(x, [0, 2]),
    ];
    for (const f of cases) throwsWith(f, RangeError, /axis/);
    throwsWith(() => x.sum({ axis: 5 }), RangeError, /axis 5/, /rank 2/);
    throwsWith(() => x.sum({ axis: [0, -2] }), RangeError, /repeated axis/);
  });

  it("out-of-range indices and values are RangeErrors", () => {
    throwsWith(() => np.take(np.ones([3]), [3]), RangeError, /index 3/, /size 3/);
    throwsWith(() => np.slice(np.ones([3]), [5]), RangeError, /index 5/);
    throwsWith(() => np.slice(np.ones([3]), [[0, 3, 0]]), RangeError, /step/);
    throwsWith(() => np.split(np.ones([5]), 2), RangeError, /equal parts/);
    throwsWith(() => np.arange(0, 1, 0), RangeError, /step/);
    throwsWith(() => np.max(np.zeros([0])), RangeError, /empty/);
    throwsWith(() => np.argmax(np.zeros([0])), RangeError, /empty/);
  });
});

describe("construction errors", () => {
  it("ragged nested arrays are a TypeError saying where", () => {
    throwsWith(() => np.array([[1, 2], [3]]), TypeError, /ragged/, /\[1\]/);
    throwsWith(() => np.array([[1, 2], 3]), TypeError, /ragged/);
    throwsWith(() => np.array([1, [2]] as unknown as number[]), TypeError, /ragged/);
    throwsWith(() => np.array([[[1], [2]], [[3], [4, 5]]]), TypeError, /ragged/, /\[1, 1\]/);
  });

  it("non-numeric elements, unknown dtypes and bad shapes are TypeErrors", () => {
    throwsWith(() => np.array(["a"] as unknown as number[]), TypeError, /numbers or booleans/);
    throwsWith(
      () => np.zeros([2], { dtype: "int64" as unknown as np.DType }),
      TypeError,
      /unknown dtype/,
      /int64/,
    );
    throwsWith(() => np.zeros([2, -1]), TypeError, /non-negative integers/);
    throwsWith(() => np.add([1, 2] as unknown as NDArray, 1), TypeError, /np\.array/);
  });
});

describe("differentiation errors", () => {
  it("grad() of a non-scalar output says so and suggests vjp() or jacrev()", () => {
    throwsWith(
      () => grad((x: NDArray) => x.square())(A([1, 2])),
      TypeError,
      /scalar/,
      /\[2\]/,
      /vjp/,
      /jacrev/,
    );
  });

  it("grad() refuses int32 and bool inputs, naming the dtype and a fix", () => {
    const f = (x: NDArray) => x.astype("float32").sum();
    throwsWith(
      () => grad(f)(np.arange(3)),
      TypeError,
      /grad/,
      /float/,
      /int32/,
      /astype/,
    );
    throwsWith(() => grad(f)(np.array([true])), TypeError, /bool/);
    const g = (p: { a: NDArray; b: NDArray }) => p.a.sum();
    throwsWith(() => valueAndGrad(g)({ a: A(1), b: np.arange(2) }), TypeError, /leaf 1/, /int32/);
    // JAX 0.10.2: jax.grad(f, argnums=1)(x, i) with int32 i raises TypeError ("... use vjp")
    throwsWith(() => grad(f)(np.arange(3)), TypeError, /use vjp/);
  });

  it("jvp() and vjp() refuse a tangent or cotangent of another dtype for an int32 value", () => {
    const f = (x: NDArray) => x.astype("float32").sum();
    throwsWith(
      () => jvp(f, [np.arange(2)], [np.ones([2])]),
      TypeError,
      /jvp: tangent 0 must match the primal int32\[2\], got float32\[2\]/,
      /zeros of its own dtype/,
      /float0/,
    );
    const [, pull] = vjp((x: NDArray) => x.mul(2).astype("int32"), A([1]));
    throwsWith(() => pull(A([1])), TypeError, /cotangent 0 must match the output int32\[1\]/);
  });

  it("grad() takes a JS number as a float32 array (as JAX) but refuses a string", () => {
    assert.equal(grad((x: NDArray) => np.mul(x, x))(3).item(), 6);
    throwsWith(
      () => grad((x: NDArray) => np.mul(x, x))("3" as unknown as NDArray),
      TypeError,
      /string/,
    );
  });

  it("grad() refuses an int output and a non-array output", () => {
    throwsWith(() => grad((x: NDArray) => x.sum().astype("int32"))(A([1])), TypeError, /float/);
    throwsWith(
      () => grad((_x: NDArray) => 3 as unknown as NDArray)(A([1])),
      TypeError,
      /scalar array/,
    );
  });

  it("grad() with argnums out of range is a RangeError", () => {
    throwsWith(
      () => grad((x: NDArray) => x.sum(), { argnums: 1 })(A([1])),
      RangeError,
      /argnums/,
      /1 argument/,
    );
  });

  it("hasAux with a return value that is not a [value, aux] pair is a TypeError", () => {
    const bad = (x: NDArray) => x.sum() as unknown as readonly [NDArray, unknown];
    throwsWith(() => grad(bad, { hasAux: true })(A([1])), TypeError, /hasAux/, /\[value, aux\]/);
    const triple = (x: NDArray) => [x.sum(), 1, 2] as unknown as readonly [NDArray, unknown];
    throwsWith(() => valueAndGrad(triple, { hasAux: true })(A([1])), TypeError, /length 3/);
    // and returning a pair without hasAux hints at it
    const pair = (x: NDArray) => [x.sum(), 1] as unknown as NDArray;
    throwsWith(() => grad(pair)(A([1])), TypeError, /hasAux/);
  });

  it("a vjp() cotangent with the wrong shape, dtype or structure is a TypeError", () => {
    const [, pull] = vjp((x: NDArray) => x.square(), A([1, 2]));
    throwsWith(() => pull(A([1, 2, 3])), TypeError, /cotangent/, /float64\[2\]/, /float64\[3\]/);
    throwsWith(() => pull(np.array([1, 2])), TypeError, /cotangent/, /float32\[2\]/);
    throwsWith(
      () => pull([A([1, 2])] as unknown as NDArray),
      TypeError,
      /cotangent/,
      /structure/,
    );
  });

  it("jvp() tangents must match the primals in structure, shape and dtype", () => {
    const f = (x: NDArray) => x.sin();
    throwsWith(() => jvp(f, [A([1, 2])], [A([1])]), TypeError, /\[2\]/, /\[1\]/);
    throwsWith(() => jvp(f, [A([1, 2])], [np.array([1, 2])]), TypeError, /float32/);
    throwsWith(
      () => jvp(f, [A([1, 2])], [[A([1, 2])]] as unknown as [NDArray]),
      TypeError,
      /structure/,
    );
    const [, fJvp] = linearize(f, A([1, 2]));
    throwsWith(() => fJvp(A([1])), TypeError, /linearize/);
  });

  it("a tracer leaked through a closure and used after grad() returned says what happened", () => {
    let leaked: NDArray | undefined;
    grad((x: NDArray) => {
      leaked = x;
      return x.sum();
    })(A([1, 2]));
    assert.ok(leaked);
    const tracer = leaked;
    for (const use of [() => tracer.add(1), () => tracer.toArray(), () => np.sin(tracer)]) {
      throwsWith(use, Error, /grad\(\)/, /after grad\(\) returned/, /escaped/, /closure/);
    }
    // also when it reaches another transform
    throwsWith(() => grad((y: NDArray) => y.mul(tracer).sum())(A([1, 2])), Error, /escaped/);
  });

  it("a tracer leaked out of jvp() is reported the same way", () => {
    let leaked: NDArray | undefined;
    jvp(
      (x: NDArray) => {
        leaked = x.mul(2);
        return x;
      },
      [A(1)],
      [A(1)],
    );
    const tracer = leaked!;
    throwsWith(() => tracer.item(), Error, /jvp\(\)/, /after jvp\(\) returned/);
  });
});
