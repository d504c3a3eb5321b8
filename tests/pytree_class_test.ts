/**
 * User classes as pytrees (tree.registerClass, tree.registerDataclass) and key paths
 * (flattenWithPath, leavesWithPath, mapWithPath, keystr): transforms, optimizers and the pool
 * take registered instances and return instances of the same class.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  createWorkerPool,
  grad,
  jit,
  type NDArray,
  np,
  optim,
  tree,
  valueAndGrad,
  vmap,
} from "../mod.ts";
import { assertAllClose, randomArray } from "./_helpers.ts";

/** An equinox-style module: arrays as fields, static config, methods. */
class Dense {
  constructor(readonly w: NDArray, readonly b: NDArray, readonly activation: string) {}
  apply(x: NDArray): NDArray {
    const y = np.matmul(x, this.w).add(this.b);
    return this.activation === "tanh" ? y.tanh() : y;
  }
}
tree.registerDataclass(Dense, ["w", "b"]);

/** A class registered with explicit flatten/unflatten and auxiliary data. */
class Pair {
  constructor(readonly left: NDArray, readonly right: NDArray, readonly tag: number) {}
}
tree.registerClass(Pair, {
  flatten: (p) => [[p.left, p.right], p.tag],
  unflatten: (tag, [l, r]) => new Pair(l as NDArray, r as NDArray, tag),
});

const layer = new Dense(randomArray([3, 2], { seed: 1 }), randomArray([2], { seed: 2 }), "tanh");
const x = randomArray([5, 3], { seed: 3 });
const loss = (m: Dense, x: NDArray) => m.apply(x).square().mean();
const ref = (w: NDArray, b: NDArray) => np.matmul(x, w).add(b).tanh().square().mean();

describe("registered classes", () => {
  it("grad() and jit(grad()) return an instance of the model's class with the static fields", () => {
    const g = grad(loss)(layer, x);
    assert.ok(g instanceof Dense);
    assert.equal(g.activation, "tanh");
    const [gw, gb] = grad(ref, { argnums: [0, 1] })(layer.w, layer.b);
    assertAllClose([g.w, g.b], [gw, gb], { rtol: 1e-12, atol: 1e-12 });
    const gj = jit(grad(loss))(layer, x);
    assert.ok(gj instanceof Dense);
    assertAllClose([gj.w, gj.b], [gw, gb], { rtol: 1e-12, atol: 1e-12 });
  });

  it("vmap() maps over a batch of modules stacked leaf by leaf", () => {
    const stacked = new Dense(
      np.stack([layer.w, layer.w.mul(2)]),
      np.stack([layer.b, layer.b]),
      "tanh",
    );
    const out = vmap((m: Dense) => m.apply(x).sum())(stacked);
    const doubled = new Dense(layer.w.mul(2), layer.b, "tanh");
    assertAllClose(out, [layer.apply(x).sum().item(), doubled.apply(x).sum().item()], {
      rtol: 1e-12,
      atol: 1e-12,
    });
  });

  it("an optimizer step updates a module and returns the module's class", () => {
    const opt = optim.sgd(0.5);
    const state = opt.init(layer);
    const g = grad(loss)(layer, x);
    const [updates] = opt.update(g, state, layer);
    const next = optim.applyUpdates(layer, updates);
    assert.ok(next instanceof Dense);
    assertAllClose(next.w, layer.w.sub(g.w.mul(0.5)), { rtol: 1e-12, atol: 1e-12 });
  });

  it("registerClass() keeps auxiliary data, and trees with different aux differ in structure", () => {
    const p = new Pair(np.ones([2]), np.zeros([1]), 7);
    const doubled = tree.map((l) => l.mul(2), p);
    assert.ok(doubled instanceof Pair);
    assert.equal(doubled.tag, 7);
    assert.ok(!tree.structure(p).equals(tree.structure(new Pair(np.ones([2]), np.zeros([1]), 8))));
    assert.ok(tree.structure(p).equals(tree.structure(doubled)));
  });

  it("registerClass() rejects a class registered twice and malformed options", () => {
    assert.throws(() => tree.registerDataclass(Dense, ["w"]), /already registered/);
    class Other {}
    assert.throws(
      () => tree.registerClass(Other, { flatten: () => [[], null] } as never),
      /flatten, unflatten/,
    );
    class Bad {}
    tree.registerClass(Bad, { flatten: () => 3 as never, unflatten: () => new Bad() });
    assert.throws(() => tree.flatten(new Bad()), /must return \[children \(an array\), auxData\]/);
  });

  it("pool.valueAndGrad() takes and returns a registered module", async () => {
    await using pool = createWorkerPool({ size: 1 });
    const [v, g] = await pool.valueAndGrad(loss)(layer, x);
    const [v0, g0] = valueAndGrad(loss)(layer, x);
    assert.ok(g instanceof Dense);
    assertAllClose([v, g.w, g.b], [v0, g0.w, g0.b], { rtol: 1e-10, atol: 1e-10 });
  });
});

describe("key paths", () => {
  it("flattenWithPath() names every leaf as JAX prints key paths", () => {
    const t = { model: [layer, new Pair(np.ones([1]), np.ones([1]), 0)], step: np.array(1) };
    const paths = tree.flattenWithPath(t).map(([p]) => tree.keystr(p));
    assert.deepEqual(paths, [
      '["model"][0].w',
      '["model"][0].b',
      '["model"][1][0]',
      '["model"][1][1]',
      '["step"]',
    ]);
    assert.deepEqual(tree.leavesWithPath(t).map(([p]) => tree.keystr(p)), paths);
  });

  it("mapWithPath() sees each leaf's path (weight decay on weights only)", () => {
    const decayed = tree.mapWithPath(
      (path, leaf) => (tree.keystr(path).endsWith(".w") ? leaf.mul(0) : leaf),
      { l: layer },
    );
    assert.ok(decayed.l instanceof Dense);
    assert.equal(decayed.l.w.abs().sum().item(), 0);
    assertAllClose(decayed.l.b, layer.b);
  });
});
