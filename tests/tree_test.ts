import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type NDArray, np, tree } from "../mod.ts";

const v = (x: number) => np.array(x);
const values = (leaves: readonly NDArray[]) => leaves.map((l) => l.item());

describe("tree.flatten", () => {
  it("tree.flatten() visits object keys in sorted order, depth first", () => {
    const [leaves, def] = tree.flatten({ w: v(1), b: v(2), a: [v(3), { z: v(4), y: v(5) }] });
    assert.deepEqual(values(leaves), [3, 5, 4, 2, 1]);
    assert.equal(def.numLeaves, 5);
    assert.equal(def.toString(), "{a: [*, {y: *, z: *}], b: *, w: *}");
  });

  it("tree.flatten() gives the same structure whatever the insertion order of keys", () => {
    const a = tree.structure({ x: v(1), y: v(2) });
    const b = tree.structure({ y: v(1), x: v(2) });
    assert.ok(a.equals(b));
  });

  it("tree.flatten() treats null and undefined as empty nodes, not leaves", () => {
    const [leaves, def] = tree.flatten({ a: null, b: [undefined, v(1)], c: v(2) });
    assert.deepEqual(values(leaves), [1, 2]);
    assert.equal(def.numLeaves, 2);
    const back = tree.unflatten<{ a: null; b: [undefined, NDArray]; c: NDArray }>(def, leaves);
    assert.equal(back.a, null);
    assert.equal(back.b[0], undefined);
    assert.equal(back.b.length, 2);
    assert.ok(!tree.structure(null).equals(tree.structure(undefined)));
  });

  it("tree.flatten() of a single array is one leaf", () => {
    const x = np.ones([2]);
    const [leaves, def] = tree.flatten(x);
    assert.equal(leaves[0], x);
    assert.equal(def.kind, "leaf");
    assert.equal(def.toString(), "*");
  });

  it("tree.flatten() keeps non-container values (numbers, strings) as leaves", () => {
    const [leaves, def] = tree.flatten([1, "s", { k: true }]);
    assert.deepEqual(leaves as unknown[], [1, "s", true]);
    assert.equal(def.toString(), "[*, *, {k: *}]");
  });

  it("tree.flatten() of empty containers has no leaves", () => {
    assert.equal(tree.structure([]).numLeaves, 0);
    assert.equal(tree.structure({}).numLeaves, 0);
    assert.ok(!tree.structure([]).equals(tree.structure({})));
  });
});

describe("tree.unflatten", () => {
  it("tree.unflatten() inverts tree.flatten() for nested lists and objects", () => {
    const t = { layers: [{ w: v(1), b: v(2) }, { w: v(3), b: v(4) }], scale: v(5) };
    const [leaves, def] = tree.flatten(t);
    const back = tree.unflatten<typeof t>(def, leaves);
    assert.equal(back.layers[1].w, t.layers[1].w);
    assert.equal(back.scale, t.scale);
    assert.deepEqual(Object.keys(back.layers[0]).sort(), ["b", "w"]);
    assert.ok(tree.structure(back).equals(def));
  });

  it("tree.unflatten() refuses the wrong number of leaves", () => {
    const def = tree.structure([v(1), v(2)]);
    assert.throws(() => tree.unflatten(def, [v(1)]), (e: Error) => {
      assert.ok(e instanceof TypeError);
      assert.match(e.message, /2 leaves but 1/);
      return true;
    });
  });
});

describe("tree.map and tree.leaves", () => {
  it("tree.map() applies a function to every leaf and keeps the structure", () => {
    const params = { w: np.array([1, 2]), b: np.array(3), extra: null };
    const doubled = tree.map((x) => x.mul(2), params);
    assert.deepEqual(doubled.w.toArray(), [2, 4]);
    assert.equal(doubled.b.item(), 6);
    assert.equal(doubled.extra, null);
  });

  it("tree.map() zips several trees of one structure", () => {
    const a = [v(1), { x: v(2) }];
    const b = [v(10), { x: v(20) }];
    const c = [v(100), { x: v(200) }];
    const s = tree.map((p, q, r) => p.add(q).add(r), a, b, c);
    assert.deepEqual(values(tree.leaves(s)), [111, 222]);
  });

  it("tree.map() refuses trees whose structures differ, naming both", () => {
    assert.throws(
      () => tree.map((p, q) => p.add(q), { a: v(1), b: v(2) }, { a: v(1), c: v(2) }),
      (e: Error) => {
        assert.ok(e instanceof TypeError);
        assert.match(e.message, /\{a: \*, c: \*\}/);
        assert.match(e.message, /\{a: \*, b: \*\}/);
        return true;
      },
    );
    assert.throws(() => tree.map((p, q) => p.add(q), [v(1)], [v(1), v(2)]), TypeError);
  });

  it("tree.leaves() and tree.structure() split a tree", () => {
    const t = { a: [np.ones([2]), np.ones([3])], b: null };
    assert.deepEqual(tree.leaves(t).map((l) => l.size), [2, 3]);
    const s = tree.structure(t);
    assert.equal(s.kind, "object");
    assert.deepEqual(s.keys, ["a", "b"]);
    assert.equal(s.children[0].kind, "array");
    assert.equal(s.children[1].kind, "none");
    assert.ok(s.equals(tree.structure({ b: null, a: [np.zeros([9]), np.zeros([1])] })));
    assert.ok(!s.equals(tree.structure({ a: [np.ones([2])], b: null })));
  });
});
