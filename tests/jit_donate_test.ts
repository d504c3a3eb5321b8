/**
 * `jit(f, { donateArgnums })`: donated arrays lend their buffers to outputs where that
 * cannot change a result (src/jit/_donate.ts), and are invalid after the call. Every case
 * compares the donated call with the same call undonated, bit for bit.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  grad,
  jit,
  lax,
  losses,
  type NDArray,
  nn,
  np,
  optim,
  random,
  tree,
  valueAndGrad,
  vmap,
} from "../mod.ts";
import { DATA } from "../src/core/_ndarray.ts";
import { makeRng } from "./_helpers.ts";

/** A float32 array that a compiled program allocated (so it may be donated with reuse). */
function owned(shape: number[], seed: number, scale = 1): NDArray {
  const rng = makeRng(seed), n = shape.reduce((a, b) => a * b, 1);
  const x = np.array(Float32Array.from({ length: n }, () => (rng() - 0.5) * scale), { shape });
  return jit((v: NDArray) => v.mul(1))(x);
}

/** The storage object of an array (to see whether an output took a donated buffer). */
const storage = (x: NDArray) => (x as unknown as { [DATA]: unknown })[DATA];

function assertSame(a: NDArray, e: NDArray, what: string): void {
  assert.deepEqual(a.shape, e.shape, what);
  const x = a.toTypedArray(), y = e.toTypedArray();
  for (let i = 0; i < y.length; i++) {
    if (Number.isNaN(x[i]) && Number.isNaN(y[i])) continue;
    if (!Object.is(x[i], y[i])) assert.fail(`${what}: element ${i} is ${x[i]}, expected ${y[i]}`);
  }
}

/**
 * Calls `f` on fresh copies of `make()` with and without donating argument 0; asserts
 * equal outputs, and returns whether the donated call reused the donated buffer.
 */
function compareDonated(
  f: (...args: NDArray[]) => NDArray | NDArray[],
  make: () => NDArray[],
  what: string,
): boolean {
  const plain = jit(f)(...make());
  const args = make(), donated = storage(args[0]);
  // the warning about a buffer no output can take must agree with what the call did
  const warn = console.warn, warnings: string[] = [];
  console.warn = (m: string) => void warnings.push(m);
  let out: NDArray | NDArray[];
  try {
    out = jit(f, { donateArgnums: 0 })(...args);
  } finally {
    console.warn = warn;
  }
  const [ps, ds] = [plain, out].map((o) => (Array.isArray(o) ? o : [o]));
  ps.forEach((p, i) => assertSame(ds[i], p, `${what}, output ${i}`));
  const reused = ds.some((d) => storage(d) === donated);
  if (reused) assert.deepEqual(warnings, [], `${what}: warned though the buffer was reused`);
  return reused;
}

describe("jit donateArgnums", () => {
  for (const [n, path] of [[1000, "JS loop"], [16384, "wasm loop"], [1 << 20, "split loop"]]) {
    it(`writes an update into the donated buffer (${path}) with the undonated results`, () => {
      const g = owned([n as number], 2);
      const update = (p: NDArray, d: NDArray) => p.sub(d.mul(0.1)).exp();
      const reused = compareDonated(update, () => [owned([n as number], 1, 4), g], "update");
      assert.ok(reused, "the output did not take the donated buffer");
    });
  }

  it("invalidates donated arrays: reads throw a TypeError naming jit and donateArgnums", () => {
    const p = owned([4, 3], 3);
    const out = jit((v: NDArray) => v.add(1), { donateArgnums: [0] })(p);
    assert.equal(out.shape[0], 4);
    assert.deepEqual(p.shape, [4, 3]);
    assert.equal(p.dtype, "float32");
    assert.equal(String(p), "Array(donated, float32[4, 3])");
    for (
      const read of [
        () => p.toArray(),
        () => p.toTypedArray(),
        () => p.sum().item(),
        () => np.add(p, 1),
        () => jit((v: NDArray) => v.mul(2))(p),
      ]
    ) {
      assert.throws(read, (e: Error) => {
        assert.ok(e instanceof TypeError, String(e));
        assert.match(e.message, /jit\(.*\): this float32\[4, 3\] array was donated/);
        assert.match(e.message, /donateArgnums/);
        return true;
      });
    }
  });

  it("trains an MLP with donated parameters and Adam state exactly as without donation", () => {
    const model = nn.mlp([64, 128, 10]);
    const opt = optim.adam(1e-2);
    const x = owned([32, 64], 4), y = np.array(Int32Array.from({ length: 32 }, (_, i) => i % 10));
    const loss = (p: nn.DenseParams[], xb: NDArray, yb: NDArray) =>
      losses.softmaxCrossEntropyWithIntegerLabels(model.apply(p, xb), yb).mean();
    const body = (
      p: nn.DenseParams[],
      s: ReturnType<typeof opt.init>,
      xb: NDArray,
      yb: NDArray,
    ) => {
      const [l, g] = valueAndGrad(loss)(p, xb, yb);
      const [u, next] = opt.update(g, s, p);
      return [optim.applyUpdates(p, u), next, l] as const;
    };
    const run = (donate: boolean) => {
      const step = jit(body, donate ? { donateArgnums: [0, 1] } : {});
      let p = model.init(random.key(0)), s = opt.init(p);
      const ls: number[] = [];
      let reused = 0;
      for (let i = 0; i < 6; i++) {
        // a donated buffer may go to any output of the loop that reads it (w to Adam's mu, say)
        const before = new Set(tree.leaves([p, s]).map(storage));
        const [p2, s2, l] = step(p, s, x, y);
        reused += tree.leaves([p2, s2]).filter((o) => before.has(storage(o))).length;
        p = p2, s = s2, ls.push(l.item());
      }
      return { p, ls, reused };
    };
    const plain = run(false), donated = run(true);
    assert.deepEqual(donated.ls, plain.ls);
    donated.p.forEach((layer, i) => {
      assertSame(layer.w, plain.p[i].w, `layer ${i} w`);
      assertSame(layer.b, plain.p[i].b, `layer ${i} b`);
    });
    assert.ok(
      donated.reused >= 4,
      `the weights reused their buffer in ${donated.reused} of 6 steps`,
    );
  });

  it("does not reuse a buffer that another argument or a constant of the call shares", () => {
    const f = (a: NDArray, b: NDArray) => a.mul(2).add(b);
    const p = owned([256], 5);
    const expected = p.mul(2).add(p);
    const out = jit(f, { donateArgnums: 0 })(p, p);
    assertSame(out, expected, "f(p, p)");
    const w = owned([256], 6);
    const expectedW = w.add(w);
    const g = jit((v: NDArray) => v.add(w), { donateArgnums: 0 });
    assertSame(g(w), expectedW, "closed over");
  });

  it("keeps the values of a reshape made before the donation (the reshape shares the buffer)", () => {
    const p = owned([8, 8], 7);
    const r = p.reshape([64]);
    const before = r.toTypedArray();
    jit((v: NDArray) => v.mul(3), { donateArgnums: 0 })(p);
    assert.deepEqual(r.toTypedArray(), before);
  });

  it("writes no output over a donated input that a later step still reads", () => {
    const x = () => [owned([64, 64], 8, 2)];
    // a product reads p after the loop computing a
    compareDonated(
      (p) => {
        const a = p.mul(2);
        return [a, a.matmul(p)];
      },
      x,
      "matmul after",
    );
    // a cond may hand its operand back: q shares p's buffer and is read by a later loop
    compareDonated(
      (p) => {
        const q = lax.cond(true, (v: NDArray) => v, (v: NDArray) => v.mul(3), p);
        const r = p.add(1);
        return [r, q.add(2)];
      },
      x,
      "cond operand",
    );
    // a reshape of p read by a later loop
    compareDonated(
      (p) => {
        const flat = p.reshape([4096]);
        const a = p.mul(2);
        return [a, flat.add(1)];
      },
      x,
      "reshape alias",
    );
    // p read transposed in the loop that could take its buffer
    compareDonated((p) => p.add(p.transpose()), x, "transposed read");
    // p returned as it is
    compareDonated((p) => [p, p.mul(2)], x, "passthrough");
  });

  it("takes no buffer for loops with sin or cos (their wasm loop may rerun as JS)", () => {
    // |x| ≥ 1e5 only in the second 16384-element chunk: the first is written before the rerun
    const make = () => {
      const p = owned([32768], 9, 10);
      const late = np.arange(32768).greater(20000);
      return [jit((v: NDArray) => v.add(np.where(np.logicalAnd(late, v.greater(4)), 1e6, 0)))(p)];
    };
    assert.equal(compareDonated((p) => p.sin().add(p.cos()), make, "sin"), false);
  });

  it("checks donateArgnums: integers in range, not static, an index or an array", () => {
    const f = (a: NDArray, b: NDArray) => a.add(b);
    const x = np.ones([2]);
    assert.throws(() => jit(f, { donateArgnums: 2 })(x, x), /jit: donateArgnums 2 is out of range/);
    assert.throws(() => jit(f, { donateArgnums: [0.5] })(x, x), RangeError);
    assert.throws(
      () => jit(f, { donateArgnums: "0" as unknown as number })(x, x),
      /donateArgnums must be an argument index/,
    );
    assert.throws(
      () => jit(f, { donateArgnums: 1, staticArgnums: 1 })(x, 2 as unknown as NDArray),
      /argument 1 is both static \(staticArgnums\) and donated/,
    );
    assert.throws(
      () => jit(f, { donateArgnum: 0 } as unknown as { donateArgnums: number }),
      /donateArgnum/,
    );
  });

  it("is ignored under grad and vmap: the arguments stay valid", () => {
    const f = jit((v: NDArray) => v.mul(v).sum(), { donateArgnums: 0 });
    const x = owned([5], 10);
    const g = grad(f)(x);
    assertSame(g, x.mul(2), "grad");
    const xs = owned([3, 5], 11);
    const ys = vmap(f)(xs);
    assert.deepEqual(ys.shape, [3]);
    assert.doesNotThrow(() => xs.toArray());
  });

  it("invalidates a donated array it could not reuse (made eagerly) all the same", () => {
    const p = np.ones([16]);
    const out = jit((v: NDArray) => v.add(1), { donateArgnums: 0 })(p);
    assert.deepEqual(out.toArray(), new Array(16).fill(2));
    assert.throws(() => p.toArray(), /was donated/);
  });
  it("warns once per program when a donated array can hold no output, naming it", () => {
    const warn = console.warn;
    const messages: string[] = [];
    console.warn = (m: string) => void messages.push(m);
    try {
      // the sum's output is a scalar: no output has x's size, so x's buffer is never reused
      const f = jit((x: NDArray, y: NDArray) => [x.sum(), y.mul(2)], { donateArgnums: [0, 1] });
      f(owned([8], 12), owned([3], 13));
      f(owned([8], 14), owned([3], 15));
      assert.equal(messages.length, 1, messages.join("\n"));
      assert.match(messages[0], /1 donated buffer cannot hold any output/);
      assert.match(messages[0], /float32\[8\] \(argument 0\)/);
      assert.doesNotMatch(messages[0], /argument 1/);
      assert.match(messages[0], /leave them out of donateArgnums/);
      // a new input signature is a new program, checked again
      f(owned([4], 16), owned([3], 17));
      assert.equal(messages.length, 2);
    } finally {
      console.warn = warn;
    }
  });

  it("does not warn when every donated array can be reused (an Adam step)", () => {
    const warn = console.warn;
    const messages: string[] = [];
    console.warn = (m: string) => void messages.push(m);
    try {
      const opt = optim.adam(1e-2);
      let params = { w: owned([6, 4], 18), b: owned([4], 19) };
      let state = opt.init(params);
      const step = jit((p: typeof params, s: typeof state, x: NDArray) => {
        const g = grad((q: typeof params) => x.matmul(q.w).add(q.b).tanh().sum())(p);
        const [u, next] = opt.update(g, s, p);
        return [optim.applyUpdates(p, u), next] as const;
      }, { donateArgnums: [0, 1] });
      const x = owned([5, 6], 20);
      for (let i = 0; i < 2; i++) [params, state] = step(params, state, x);
      assert.deepEqual(messages, []);
    } finally {
      console.warn = warn;
    }
  });
});
