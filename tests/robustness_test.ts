/**
 * Bad input across every namespace: each case must throw the right error type,
 * with a message that names the op and never leaks engine text (a
 * `TypeError: x is not a function` from deep inside is a bug, not a message).
 * Positional NumPy forms that used to be ignored are checked to compute the
 * right answer instead.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { rejects } from "./_helpers.ts";
import {
  figure,
  grad,
  hessian,
  jacfwd,
  jacrev,
  jit,
  jvp,
  linearize,
  lineChart,
  losses,
  nn,
  np,
  optim,
  progressBar,
  random,
  schedules,
  tree,
  valueAndGrad,
  vjp,
  vmap,
} from "../mod.ts";

type Case = [
  name: string,
  f: () => unknown,
  type: typeof TypeError | typeof RangeError,
  op: string,
];

/** Runs a table of bad-input cases, one `it` each. */
function table(cases: readonly Case[]): void {
  for (const [name, f, type, op] of cases) {
    it(`${name} throws a ${type.name} naming ${op}`, () => void rejects(f, type, op));
  }
}

// Values a user's untyped script can pass anywhere; the casts are the point.
// deno-lint-ignore no-explicit-any
const bad = (x: unknown): any => x;
const x23 = np.arange(6).reshape([2, 3]);
const v4 = np.arange(4);

describe("the clean-error helper", () => {
  it("rejects() fails a test whose error leaks engine text or names another op", () => {
    const engine = () => {
      throw new TypeError("shape.filter is not a function");
    };
    assert.throws(() => rejects(engine, TypeError, "shape"), /engine text leaked/);
    const other = () => {
      throw new TypeError("np.stack: needs at least one array.");
    };
    assert.throws(() => rejects(other, TypeError, "nn.maxPool2d"), /does not name nn\.maxPool2d/);
    assert.throws(() => rejects(other, RangeError, "np.stack"), /expected RangeError/);
  });
});

describe("arrays are immutable in fact, not by convention", () => {
  it("an array exposes no writable buffer: .data is absent and setting it changes nothing", () => {
    const x = np.array([1, 2, 3]);
    const loose = x as unknown as { data?: unknown };
    assert.equal(loose.data, undefined);
    loose.data = new Float32Array([99, 99, 99]);
    assert.deepEqual(x.toArray(), [1, 2, 3]);
    assert.deepEqual(x.add(1).toArray(), [2, 3, 4]);
  });

  it("read-outs are copies: writing into toTypedArray() leaves the array as it was", () => {
    const x = np.array([1, 2, 3]);
    const t = x.toTypedArray();
    t[0] = 99;
    assert.deepEqual(x.toArray(), [1, 2, 3]);
    assert.ok(Object.keys(x).every((k) => k !== "data"));
  });
});

describe("np: indices and bounds are never coerced", () => {
  table([
    ["np.slice with a fractional start", () => np.slice(v4, [[0.5, 2]]), TypeError, "np.slice"],
    ["np.slice with a NaN stop", () => np.slice(v4, [[0, NaN]]), TypeError, "np.slice"],
    ["np.slice with a string index", () => np.slice(v4, [bad("1")]), TypeError, "np.slice"],
    ["np.slice with a fractional index", () => np.slice(v4, [1.5]), TypeError, "np.slice"],
    ["np.slice with a zero step", () => np.slice(v4, [[0, 2, 0]]), RangeError, "np.slice"],
    ["np.slice with a non-list spec", () => np.slice(v4, bad(1)), TypeError, "np.slice"],
    ["np.slice with an object entry", () => np.slice(v4, [bad({})]), TypeError, "np.slice"],
    ["np.split at a fractional index", () => np.split(v4, [1.5]), TypeError, "np.split"],
    ["np.split into 2.5 parts", () => np.split(v4, 2.5), TypeError, "np.split"],
    ["np.split into 0 parts", () => np.split(v4, 0), RangeError, "np.split"],
    ["np.split into unequal parts", () => np.split(v4, 3), RangeError, "np.split"],
    ["np.split with a string", () => np.split(v4, bad("2")), TypeError, "np.split"],
    ["np.take with a fractional index", () => np.take(v4, [1.7]), TypeError, "np.take"],
    ["np.take with NaN", () => np.take(v4, [NaN]), TypeError, "np.take"],
    ["np.take with 2**32 + 1", () => np.take(v4, [2 ** 32 + 1]), RangeError, "np.take"],
    ["np.take with a string index", () => np.take(v4, [bad("1")]), TypeError, "np.take"],
    ["np.take with a float array", () => np.take(v4, np.array([1.5])), TypeError, "np.take"],
    ["np.take with a number", () => np.take(v4, bad(1)), TypeError, "np.take"],
    ["np.eye with k = 0.5", () => np.eye(2, 2, { k: 0.5 }), TypeError, "np.eye"],
    ["np.eye with n = -1", () => np.eye(-1), RangeError, "np.eye"],
    ["np.eye with n = 2.5", () => np.eye(2.5), TypeError, "np.eye"],
    ["np.arange(NaN)", () => np.arange(NaN), RangeError, "np.arange"],
    ["np.arange(Infinity)", () => np.arange(Infinity), RangeError, "np.arange"],
    ["np.arange past int32", () => np.arange(2147483646, 2147483650), RangeError, "np.arange"],
    ["np.arange with step 0", () => np.arange(0, 5, 0), RangeError, "np.arange"],
    ["np.arange with a string", () => np.arange(bad("5")), TypeError, "np.arange"],
    ["np.linspace with num 2.5", () => np.linspace(0, 1, 2.5), TypeError, "np.linspace"],
    ["np.linspace with a string stop", () => np.linspace(0, bad("1")), TypeError, "np.linspace"],
    ["np.array with holes", () => np.array(bad([1, , 3])), TypeError, "np.array"],
    ["np.array with a string", () => np.array(bad([1, "2"])), TypeError, "np.array"],
    [
      "np.array with a BigInt64Array",
      () => np.array(bad(new BigInt64Array(2))),
      TypeError,
      "np.array",
    ],
    ["np.array of a string", () => np.array(bad("abc")), TypeError, "np.array"],
    [
      "np.array with a shape of strings",
      () => np.array([1, 2], { shape: bad(["2"]) }),
      TypeError,
      "np.array",
    ],
    ["np.full with a string value", () => np.full([2], bad("abc")), TypeError, "np.full"],
    ["np.zeros with string dims", () => np.zeros(bad(["2", "3"])), TypeError, "np.zeros"],
    ["np.zeros with a negative dim", () => np.zeros([-1]), TypeError, "np.zeros"],
    ["np.zeros with a fractional dim", () => np.zeros([1.5]), TypeError, "np.zeros"],
    ["np.zeros with a dtype typo", () => np.zeros([2], bad("float")), TypeError, "np.zeros"],
    [
      "np.ones with an unknown option",
      () => np.ones([2], bad({ dtyp: "int32" })),
      TypeError,
      "np.ones",
    ],
    ["np.reshape to a string shape", () => np.reshape(v4, bad("4")), TypeError, "np.reshape"],
    ["np.reshape to a fractional size", () => v4.reshape(1.5, 2), TypeError, "np.reshape"],
    ["np.transpose with a number", () => np.transpose(x23, bad(1)), TypeError, "np.transpose"],
    ["np.expandDims with a string", () => np.expandDims(v4, bad("0")), TypeError, "np.expandDims"],
    [
      "np.broadcastTo a string shape",
      () => np.broadcastTo(v4, bad("4")),
      TypeError,
      "np.broadcastTo",
    ],
    ["np.concatenate of a bare array", () => np.concatenate(bad(v4)), TypeError, "np.concatenate"],
    ["np.stack with a fractional axis", () => np.stack([v4, v4], 0.5), TypeError, "np.stack"],
    ["np.pad with a fractional width", () => np.pad(v4, 1.5), TypeError, "np.pad"],
    [
      "np.pad with an unknown option",
      () => np.pad(v4, 1, bad({ constant: 1 })),
      TypeError,
      "np.pad",
    ],
  ]);
});

describe("np: reductions read options strictly", () => {
  table([
    ["np.sum with an unknown option", () => np.sum(x23, bad({ axes: 0 })), TypeError, "np.sum"],
    ["np.sum with a string axis", () => np.sum(x23, bad({ axis: "1" })), TypeError, "np.sum"],
    ["np.sum with a fractional axis", () => x23.sum(0.5), TypeError, "np.sum"],
    ["np.sum with an out-of-range axis", () => x23.sum(2), RangeError, "np.sum"],
    ["np.sum with keepdims 1", () => np.sum(x23, bad({ keepdims: 1 })), TypeError, "np.sum"],
    ["np.mean with a string", () => x23.mean(bad("0")), TypeError, "np.mean"],
    ["np.max with an object axis", () => np.max(x23, bad({ axis: {} })), TypeError, "np.max"],
    ["np.argmax with an axis list", () => np.argmax(x23, bad([0, 1])), TypeError, "np.argmax"],
    ["np.variance with ddof -1", () => np.variance(x23, { ddof: -1 }), RangeError, "np.variance"],
    [
      "np.logsumexp with an unknown option",
      () => np.logsumexp(x23, bad({ axs: 0 })),
      TypeError,
      "np.logsumexp",
    ],
    [
      "np.dot of misaligned matrices",
      () => np.dot(np.ones([2, 3]), np.ones([2, 3])),
      TypeError,
      "np.dot",
    ],
  ]);

  it("an unknown option lists the valid ones and suggests the near miss", () => {
    const msg = rejects(() => np.sum(x23, bad({ axes: 0 })), TypeError, "np.sum");
    assert.match(msg, /did you mean "axis"\?/);
    assert.match(msg, /axis, keepdims/);
  });
});

describe("np: the NumPy positional forms compute what NumPy computes", () => {
  it("x.sum(1) and x.mean(0) reduce that axis", () => {
    assert.deepEqual(x23.sum(1).toArray(), [3, 12]);
    assert.deepEqual(x23.mean(0).toArray(), [1.5, 2.5, 3.5]);
    assert.deepEqual(x23.max([0, 1]).toArray(), 5);
    assert.deepEqual(np.sum(x23, -1).toArray(), [3, 12]);
  });

  it("np.argmax(m, 1) searches along axis 1", () => {
    const m = np.array([[1, 5, 2], [7, 0, 3]]);
    assert.deepEqual(np.argmax(m, 1).toArray(), [1, 0]);
    assert.deepEqual(m.argmin(0).toArray(), [0, 1, 0]);
  });

  it("a dtype string in place of the options sets the dtype", () => {
    assert.equal(np.zeros([3], "int32").dtype, "int32");
    assert.equal(np.ones([2, 3], "float64").dtype, "float64");
    assert.equal(np.full([2], 1, "int32").dtype, "int32");
    assert.equal(np.array([1, 2], "int32").dtype, "int32");
    assert.equal(np.zerosLike(v4, "float32").dtype, "float32");
  });

  it("a number is a 1-D shape, as in NumPy", () => {
    assert.deepEqual(np.zeros(3).shape, [3]);
    assert.deepEqual(np.ones(2).toArray(), [1, 1]);
  });

  it("np.arange takes its options after any number of bounds", () => {
    assert.equal(np.arange(5, { dtype: "float64" }).dtype, "float64");
    assert.deepEqual(np.arange(1, 3, "float32").toArray(), [1, 2]);
    assert.deepEqual(np.arange(0, 1, 0.5, { dtype: "float64" }).toArray(), [0, 0.5]);
  });

  it("reshape and transpose take their sizes and axes as arguments", () => {
    assert.deepEqual(v4.reshape(2, 2).shape, [2, 2]);
    assert.deepEqual(v4.reshape(4).shape, [4]);
    assert.deepEqual(v4.reshape(-1, 2).shape, [2, 2]);
    assert.deepEqual(np.reshape(v4, 4).shape, [4]);
    assert.deepEqual(x23.transpose(1, 0).toArray(), [[0, 3], [1, 4], [2, 5]]);
    assert.deepEqual(x23.transpose([1, 0]).shape, [3, 2]);
    assert.deepEqual(x23.transpose().shape, [3, 2]);
  });
});

describe("allocation limits are checked before allocating", () => {
  it("np.zeros of 1e12 elements names the op, the shape and the bytes", () => {
    rejects(() => np.zeros([1e6, 1e6]), RangeError, "np.zeros", /\[1000000, 1000000\]/, /TB/);
  });
  table([
    [
      "np.outer of 1e5 x 1e5",
      () => np.outer(np.ones([1e5]), np.ones([1e5])),
      RangeError,
      "np.outer",
    ],
    ["np.pad by 1e15", () => np.pad(np.ones([2]), 1e15), RangeError, "pad"],
    ["np.eye(1e6)", () => np.eye(1e6), RangeError, "np.eye"],
    ["np.arange(1e12)", () => np.arange(1e12), RangeError, "np.arange"],
    [
      "np.broadcastTo 1e6 x 1e6",
      () => np.broadcastTo(v4.slice([0, 1]), [1e6, 1e6]),
      RangeError,
      "broadcast",
    ],
  ]);
});

describe("tree: structures are compared as structures", () => {
  it("tree.map refuses keys that only print like the other structure", () => {
    const a = { a: np.ones([1]), "b: *, c": np.ones([1]) };
    const b = { "a: *, b": np.ones([1]), c: np.ones([1]) };
    rejects(() => tree.map((p) => p, bad(a), bad(b)), TypeError, "tree.map");
    assert.equal(tree.structure(a).equals(tree.structure(b)), false);
  });

  it("a cyclic pytree is reported with where the cycle is", () => {
    const o: Record<string, unknown> = { a: np.ones([1]), inner: [np.ones([1])] };
    (o.inner as unknown[]).push(o);
    rejects(() => tree.flatten(o), TypeError, "tree.flatten", /inner"?\]?\[1\]/, /cycle/);
  });

  it("a nested JS array that contains itself is reported by np.array", () => {
    const a: unknown[] = [];
    a.push(a);
    rejects(() => np.array(bad(a)), TypeError, "np.array", /cycle/);
  });
});

describe("reductions stay accurate in float32", () => {
  it("the mean of 1e6 rows of 0.1 along the leading axis is 0.1 to float32 precision", () => {
    const m = np.full([1e6, 2], 0.1).mean({ axis: 0 }).toArray() as number[];
    for (const v of m) assert.ok(Math.abs(v - 0.1) < 1e-7, `mean drifted to ${v}`);
    const s = np.full([1e6, 2], 0.1).sum(0).toArray() as number[];
    for (const v of s) assert.ok(Math.abs(v - 1e5) / 1e5 < 1e-6, `sum drifted to ${v}`);
  });

  it("jit and vmap reduce a leading axis of 1e6 rows as accurately as eager", () => {
    const x = np.full([1e6, 2], 0.1);
    const paths: [string, np.NDArray][] = [
      ["jit mean", jit((a: np.NDArray) => a.mean(0))(x)],
      ["jit fused sum", jit((a: np.NDArray) => a.mul(1).add(0).sum(0).div(1e6))(x)],
      ["vmap mean", vmap((a: np.NDArray) => a.mean(0), { inAxes: 1 })(x)],
      ["grad of a sum over rows", grad((w: np.NDArray) => x.mul(w).sum())(np.ones([2])).div(1e6)],
    ];
    for (const [name, r] of paths) {
      for (const v of r.toArray() as number[]) {
        assert.ok(Math.abs(v - 0.1) < 1e-7, `${name} drifted to ${v}`);
      }
    }
  });

  it("a float32 product over 1e5 rows matches the float64 reference to float32 precision", () => {
    const y = np.full([1e5, 3], 1.0000001);
    const want = Math.pow(Math.fround(1.0000001), 1e5);
    for (const r of [y.prod(0), jit((a: np.NDArray) => a.prod(0))(y)]) {
      for (const v of r.toArray() as number[]) assert.ok(Math.abs(v - want) / want < 1e-6);
    }
  });
});

describe("transforms: options and argnums", () => {
  const f = (x: np.NDArray, y: np.NDArray) => x.mul(x).mul(y).sum();
  const a = np.array(3), b = np.array(2);

  it("grad with a repeated argnum returns the gradient at each position, as jacrev does", () => {
    const [g0, g1] = grad(f, { argnums: [0, 0] })(a, b) as np.NDArray[];
    assert.equal(g0.item(), 12);
    assert.equal(g1.item(), 12);
    const [j0, j1] = jacrev(f, [0, 0])(a, b) as unknown as np.NDArray[];
    assert.equal(j0.item(), 12);
    assert.equal(j1.item(), 12);
  });

  it("grad(f, 1) and jacfwd(f, 1) take the argnums positionally", () => {
    assert.equal(grad(f, 1)(a, b).item(), 9);
    assert.equal((jacfwd(f, 1)(a, b) as np.NDArray).item(), 9);
    const [v, g] = valueAndGrad(f, 1)(a, b);
    assert.equal(v.item(), 18);
    assert.equal(g.item(), 9);
  });

  it("a misspelt option names the right one", () => {
    assert.match(rejects(() => grad(f, bad({ argnum: 1 })), TypeError, "grad"), /"argnums"/);
    assert.match(rejects(() => vmap(f, bad({ in_axes: 1 })), TypeError, "vmap"), /"inAxes"/);
  });

  table([
    ["grad with holomorphic", () => grad(f, bad({ holomorphic: true })), TypeError, "grad"],
    ["grad with a string argnum", () => grad(f, bad({ argnums: "1" }))(a, b), TypeError, "grad"],
    ["grad with argnums 1.5", () => grad(f, bad(1.5))(a, b), TypeError, "grad"],
    ["grad with argnums 5", () => grad(f, 5)(a, b), RangeError, "grad"],
    ["grad of an array", () => grad(bad(a)), TypeError, "grad"],
    [
      "valueAndGrad with hasAux 1",
      () => valueAndGrad(f, bad({ hasAux: 1 })),
      TypeError,
      "valueAndGrad",
    ],
    [
      "valueAndGrad with an options string",
      () => valueAndGrad(f, bad("x")),
      TypeError,
      "valueAndGrad",
    ],
    ["vmap with outaxes", () => vmap(f, bad({ outaxes: 0 })), TypeError, "vmap"],
    ["vmap of a number", () => vmap(bad(3)), TypeError, "vmap"],
    ["jacrev with an unknown option", () => jacrev(f, bad({ argnum: 0 })), TypeError, "jacrev"],
    ["jacfwd of a string", () => jacfwd(bad("f")), TypeError, "jacfwd"],
    [
      "hessian with an unknown option",
      () => hessian(f, bad({ argnums: 0, x: 1 })),
      TypeError,
      "hessian",
    ],
    ["jvp with a bare primal", () => jvp((x: np.NDArray) => x, bad(a), bad(a)), TypeError, "jvp"],
    [
      "jvp with a wrong tangent shape",
      () => jvp((x: np.NDArray) => x, [np.ones([2])], [np.ones([3])]),
      TypeError,
      "jvp",
    ],
    ["linearize of a number", () => linearize(bad(1), a), TypeError, "linearize"],
    ["vjp of null", () => vjp(bad(null), a), TypeError, "vjp"],
  ]);

  it("the jvp tangent check speaks of tangents and primals", () => {
    const msg = rejects(
      () => jvp((x: np.NDArray) => x, [np.ones([2])], [np.ones([3])]),
      TypeError,
      "jvp",
    );
    assert.match(msg, /tangent 0 must match the primal/);
  });
});

describe("train: mismatched structures and shapes never broadcast", () => {
  it("optim.applyUpdates refuses an update of another shape, naming where", () => {
    const msg = rejects(
      () => optim.applyUpdates({ w: np.ones([3]) }, { w: np.ones([2, 3]) }),
      TypeError,
      "optim.applyUpdates",
    );
    assert.match(msg, /\.w/);
    assert.match(msg, /\[2, 3\]/);
  });

  it("an Adam state for [1] parameters refuses [3] gradients", () => {
    const adam = optim.adam(0.1);
    rejects(
      () => adam.update(np.ones([3]), adam.init(np.ones([1]))),
      TypeError,
      "scaleByAdam",
      /\[1\]/,
    );
  });

  it("an SGD state given to Adam is named as a state from another optimizer", () => {
    const state = optim.sgd(0.1, { momentum: 0.9 }).init(np.ones([3]));
    const msg = rejects(
      () => optim.adam(0.1).update(np.ones([3]), bad(state)),
      TypeError,
      "scaleByAdam",
    );
    assert.match(msg, /different optimizer/);
  });

  it("nn.mlp apply with too few layer params is refused instead of returning a hidden layer", () => {
    const model = nn.mlp([2, 4, 3]);
    const params = model.init(random.key(0));
    rejects(() => model.apply(params.slice(0, 1), np.ones([1, 2])), TypeError, "nn.mlp");
  });

  it("a schedule may return a number; undefined is refused with what a schedule is", () => {
    const withNumber = optim.sgd(bad(() => 0.5));
    const [u] = withNumber.update(np.array([2]), withNumber.init(np.zeros([1])));
    assert.deepEqual(u.toArray(), [-1]);
    const broken = optim.sgd(bad(() => undefined));
    rejects(
      () => broken.update(np.array([2]), broken.init(np.zeros([1]))),
      TypeError,
      "scaleBySchedule",
    );
  });

  it("nn.softmax(m, 0) normalizes along axis 0, as JAX's positional axis", () => {
    const s = nn.softmax(np.array([[1, 2], [3, 4]]), 0).sum(0).toArray() as number[];
    for (const v of s) assert.ok(Math.abs(v - 1) < 1e-6);
  });

  it("random.uniform(key, 3) draws a 1-D sample of 3", () => {
    assert.deepEqual(random.uniform(random.key(0), 3).shape, [3]);
  });

  const adam = optim.adam(0.1);
  table([
    ["optim.adam with beta1", () => optim.adam(0.1, bad({ beta1: 0.9 })), TypeError, "optim.adam"],
    ["optim.sgd with a string rate", () => optim.sgd(bad("0.1")), TypeError, "optim.sgd"],
    [
      "optim.sgd with momentun",
      () => optim.sgd(0.1, bad({ momentun: 0.9 })),
      TypeError,
      "optim.sgd",
    ],
    [
      "optim.adamw with weight_decay",
      () => optim.adamw(0.1, bad({ weight_decay: 1 })),
      TypeError,
      "optim.adamw",
    ],
    [
      "optim.applyUpdates of other keys",
      () => optim.applyUpdates({ w: np.ones([1]) }, bad({ v: np.ones([1]) })),
      TypeError,
      "optim.applyUpdates",
    ],
    [
      "adam update with a null state",
      () => adam.update(np.ones([1]), bad(null)),
      TypeError,
      "optim.chain",
    ],
    [
      "adam update with a tree state",
      () => adam.update({ w: np.ones([1]) }, adam.init(np.ones([1]))),
      TypeError,
      "scaleByAdam",
    ],
    [
      "addDecayedWeights with other params",
      () =>
        optim.adamw(0.1).update(np.ones([2]), optim.adamw(0.1).init(np.ones([2])), np.ones([3])),
      TypeError,
      "addDecayedWeights",
    ],
    [
      "schedules.cosineDecay(undefined)",
      () => schedules.cosineDecay(bad(undefined)),
      TypeError,
      "schedules.cosineDecay",
    ],
    [
      "schedules.cosineDecay with decay_steps",
      () => schedules.cosineDecay(bad({ initValue: 1, decay_steps: 5 })),
      TypeError,
      "schedules.cosineDecay",
    ],
    [
      "schedules.linear with a string",
      () => schedules.linear(bad("x")),
      TypeError,
      "schedules.linear",
    ],
    [
      "schedules.exponentialDecay with null",
      () => schedules.exponentialDecay(bad(null)),
      TypeError,
      "schedules.exponentialDecay",
    ],
    [
      "schedules.warmupCosineDecay with a typo",
      () =>
        schedules.warmupCosineDecay(
          bad({ initValue: 0, peakValue: 1, warmupSteps: 1, decaySteps: 2, endvalue: 0 }),
        ),
      TypeError,
      "schedules.warmupCosineDecay",
    ],
    [
      "nn.dense with init bogus",
      () => nn.dense(3, 2, bad({ init: "bogus" })),
      TypeError,
      "nn.dense",
    ],
    ["nn.dense with 2.5 features", () => nn.dense(2.5, 2), TypeError, "nn.dense"],
    [
      "nn.dense apply with mlp params",
      () => nn.dense(2, 2).apply(bad([]), np.ones([1, 2])),
      TypeError,
      "dense",
    ],
    ["nn.mlp with string sizes", () => nn.mlp(bad(["2", "3"])), TypeError, "nn.mlp"],
    [
      "nn.mlp with an unknown option",
      () => nn.mlp([2, 3], bad({ activaton: nn.relu })),
      TypeError,
      "nn.mlp",
    ],
    ["nn.mlp with dropout 1", () => nn.mlp([2, 3], { dropout: 1 }), RangeError, "nn.mlp"],
    [
      "nn.oneHot with 2.5 classes",
      () => nn.oneHot(np.array([0], "int32"), 2.5),
      TypeError,
      "nn.oneHot",
    ],
    ["nn.oneHot of a JS list", () => nn.oneHot(bad([0, 1]), 2), TypeError, "nn.oneHot"],
    [
      "nn.softmax with a string axis",
      () => nn.softmax(np.ones([2]), bad("0")),
      TypeError,
      "nn.softmax",
    ],
    [
      "nn.logSoftmax with axes",
      () => nn.logSoftmax(np.ones([2]), bad({ axes: 0 })),
      TypeError,
      "nn.logSoftmax",
    ],
    ["nn.relu of a string", () => nn.relu(bad("x")), TypeError, "nn.relu"],
    ["nn.gelu of a JS list", () => nn.gelu(bad([1, 2])), TypeError, "nn.gelu"],
    ["nn.elu of null", () => nn.elu(bad(null)), TypeError, "nn.elu"],
    [
      "nn.leakyRelu with slope",
      () => nn.leakyRelu(np.ones([2]), bad({ slope: 0.1 })),
      TypeError,
      "nn.leakyRelu",
    ],
    [
      "nn.conv2d with stride 1.5",
      () => nn.conv2d(np.ones([1, 4, 4, 1]), np.ones([2, 2, 1, 1]), { stride: 1.5 }),
      TypeError,
      "nn.conv2d",
    ],
    [
      "nn.conv2d with padding same",
      () => nn.conv2d(np.ones([1, 4, 4, 1]), np.ones([2, 2, 1, 1]), bad({ padding: "same" })),
      TypeError,
      "nn.conv2d",
    ],
    [
      "nn.conv2d with strides",
      () => nn.conv2d(np.ones([1, 4, 4, 1]), np.ones([2, 2, 1, 1]), bad({ strides: 2 })),
      TypeError,
      "nn.conv2d",
    ],
    [
      "nn.maxPool2d with window 0",
      () => nn.maxPool2d(np.ones([1, 4, 4, 1]), 0),
      RangeError,
      "nn.maxPool2d",
    ],
    [
      "nn.avgPool2d with a string window",
      () => nn.avgPool2d(np.ones([1, 4, 4, 1]), bad("2")),
      TypeError,
      "nn.avgPool2d",
    ],
    [
      "nn.conv2dLayer with init bogus",
      () => nn.conv2dLayer(1, 1, 3, bad({ init: "bogus" })),
      TypeError,
      "nn.conv2dLayer",
    ],
    [
      "random.uniform with string dims",
      () => random.uniform(random.key(0), bad(["2", "3"])),
      TypeError,
      "random.uniform",
    ],
    [
      "random.uniform with minVal",
      () => random.uniform(random.key(0), [2], bad({ minVal: 1 })),
      TypeError,
      "random.uniform",
    ],
    [
      "random.uniform with a huge shape",
      () => random.uniform(random.key(0), [1e6, 1e6]),
      RangeError,
      "random.uniform",
    ],
    [
      "random.normal with a fractional dim",
      () => random.normal(random.key(0), [1.5]),
      TypeError,
      "random.normal",
    ],
    [
      "random.normal with a number key",
      () => random.normal(bad(0), [2]),
      TypeError,
      "random.normal",
    ],
    [
      "random.truncatedNormal with string bounds",
      () => random.truncatedNormal(random.key(0), bad("a"), 2),
      TypeError,
      "random.truncatedNormal",
    ],
    [
      "random.bernoulli with a string p",
      () => random.bernoulli(random.key(0), bad("0.5")),
      TypeError,
      "random.bernoulli",
    ],
    [
      "random.categorical with axes",
      () => random.categorical(random.key(0), np.zeros([3]), bad({ axes: 0 })),
      TypeError,
      "random.categorical",
    ],
    [
      "random.categorical with axis 5",
      () => random.categorical(random.key(0), np.zeros([3]), { axis: 5 }),
      RangeError,
      "random.categorical",
    ],
    [
      "random.permutation of a string",
      () => random.permutation(random.key(0), bad("3")),
      TypeError,
      "random.permutation",
    ],
    ["random.split into 1.5", () => random.split(random.key(0), 1.5), RangeError, "random.split"],
  ]);
});

describe("display: bounded sizes and point counts", () => {
  it("lineChart refuses a width of 1e9 pixels instead of exhausting memory", () => {
    rejects(() => lineChart([{ name: "a", y: [1, 2] }], { width: 1e9 }), RangeError, "lineChart");
  });

  it("lineChart draws a million points in a bounded SVG that keeps the spike", () => {
    const y = Array.from({ length: 1e6 }, (_, i) => (i === 654321 ? 50 : Math.sin(i / 1000)));
    const svg = lineChart([{ name: "long", y }]);
    assert.ok(svg.length < 200_000, `the SVG has ${svg.length} characters`);
    // the y axis reaches the spike: a tick at 50 (or above) is drawn
    assert.ok(/>50</.test(svg) || />60</.test(svg), "the spike was dropped by downsampling");
  });

  table([
    [
      "lineChart with a string width",
      () => lineChart([], bad({ width: "640" })),
      RangeError,
      "lineChart",
    ],
    [
      "lineChart with an unknown option",
      () => lineChart([], bad({ ylabel: "x" })),
      TypeError,
      "lineChart",
    ],
    [
      "lineChart of a bare series",
      () => lineChart(bad({ name: "a", y: [1] })),
      TypeError,
      "lineChart",
    ],
    [
      "lineChart with a series without y",
      () => lineChart(bad([{ name: "a" }])),
      TypeError,
      "lineChart",
    ],
    ["figure with panel width 1e7", () => figure([], { panelWidth: 1e7 }), RangeError, "figure"],
    ["figure with 1.5 columns", () => figure([], { columns: 1.5 }), TypeError, "figure"],
    ["progressBar without options", () => progressBar(bad(undefined)), TypeError, "progressBar"],
    [
      "progressBar with a string total",
      () => progressBar(bad({ total: "10" })),
      TypeError,
      "progressBar",
    ],
    [
      "progressBar with an unknown option",
      () => progressBar(bad({ total: 10, widht: 3 })),
      TypeError,
      "progressBar",
    ],
  ]);
});

describe("losses: options are read strictly", () => {
  const p = np.array([[0.2, 0.8]]), t = np.array([[0, 1]]);
  table([
    [
      "losses.meanSquaredError with reduce",
      () => losses.meanSquaredError(p, t, bad({ reduce: "sum" })),
      TypeError,
      "losses.meanSquaredError",
    ],
    [
      "losses.meanSquaredError with reduction avg",
      () => losses.meanSquaredError(p, t, bad({ reduction: "avg" })),
      TypeError,
      "losses.meanSquaredError",
    ],
    [
      "losses.huberLoss with delta_",
      () => losses.huberLoss(p, t, bad({ delta_: 1 })),
      TypeError,
      "losses.huberLoss",
    ],
    [
      "losses.softmaxCrossEntropy with an unknown option",
      () => losses.softmaxCrossEntropy(p, t, bad({ axis: 0 })),
      TypeError,
      "losses.softmaxCrossEntropy",
    ],
  ]);
});

describe("np, tree and optim: operands of the wrong kind", () => {
  const x = np.ones([2, 3]);
  table([
    ["np.add with a string", () => np.add(x, bad("1")), TypeError, "np.add"],
    ["np.add with a JS list", () => np.add(x, bad([1, 2, 3])), TypeError, "np.add"],
    ["np.mul with null", () => x.mul(bad(null)), TypeError, "np.mul"],
    ["np.pow with undefined", () => x.pow(bad(undefined)), TypeError, "np.pow"],
    ["np.exp of a string", () => np.exp(bad("1")), TypeError, "np.exp"],
    ["np.where with a string condition", () => np.where(bad("a"), x, x), TypeError, "np.where"],
    ["np.clip with a string bound", () => np.clip(x, bad("0"), 1), TypeError, "np.clip"],
    ["astype to float", () => x.astype(bad("float")), TypeError, "astype"],
    ["np.matmul of null", () => np.matmul(bad(null), x), TypeError, "np.matmul"],
    ["np.sum of a JS list", () => np.sum(bad([1, 2])), TypeError, "np.sum"],
    ["np.mean with a string", () => np.mean(x, bad("all")), TypeError, "np.mean"],
    [
      "np.argmax with keepdims yes",
      () => np.argmax(x, bad({ keepdims: "yes" })),
      TypeError,
      "np.argmax",
    ],
    ["np.squeeze with a string axis", () => np.squeeze(x, bad("0")), TypeError, "np.squeeze"],
    ["np.split with a string axis", () => np.split(x, 2, bad("1")), TypeError, "np.split"],
    ["np.take with a string axis", () => np.take(x, [0], bad("0")), TypeError, "np.take"],
    ["np.ones of undefined", () => np.ones(bad(undefined)), TypeError, "np.ones"],
    ["np.array of undefined", () => np.array(bad(undefined)), TypeError, "np.array"],
    ["np.array of an object", () => np.array(bad({ a: 1 })), TypeError, "np.array"],
    ["np.array of nested arrays", () => np.array(bad([np.ones([2])])), TypeError, "np.array"],
    ["np.eye of undefined", () => np.eye(bad(undefined)), TypeError, "np.eye"],
    [
      "np.linspace with an object num",
      () => np.linspace(0, 1, bad({ num: 3 })),
      TypeError,
      "np.linspace",
    ],
    ["tree.unflatten of null", () => tree.unflatten(bad(null), []), TypeError, "tree.unflatten"],
    ["tree.map of a number", () => tree.map(bad(3), { a: x }), TypeError, "tree.map"],
    [
      "tree.unflatten with too few leaves",
      () => tree.unflatten(tree.structure([x, x]), [x]),
      TypeError,
      "tree.unflatten",
    ],
    [
      "optim.trace with momentum",
      () => optim.trace(bad({ momentum: 0.9 })),
      TypeError,
      "optim.trace",
    ],
    [
      "optim.scaleByAdam with beta2",
      () => optim.scaleByAdam(bad({ beta2: 0.9 })),
      TypeError,
      "optim.scaleByAdam",
    ],
    [
      "optim.scaleByRms with decay_",
      () => optim.scaleByRms(bad({ decay_: 0.9 })),
      TypeError,
      "optim.scaleByRms",
    ],
  ]);
});
