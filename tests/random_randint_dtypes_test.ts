/**
 * random.randint for every integer dtype and random.bits for uint8/uint32 give JAX's draws for
 * the same key, in both Threefry streams (tests/fixtures/gen_randint.py writes
 * fixtures/randint_dtypes.json with JAX 0.10.2): bounds in range, maxval past the dtype's
 * maximum, minval past its minimum, maxval <= minval, whole ranges; also under jit and vmap.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { type DType, jit, type NDArray, np, random, vmap } from "../mod.ts";

interface Case {
  op: "randint" | "bits";
  key: number[];
  dtype: DType;
  minval?: number;
  maxval?: number;
  shape: number[];
  values: number[];
}
const fixture = JSON.parse(
  readFileSync(new URL("./fixtures/randint_dtypes.json", import.meta.url), "utf8"),
) as Record<"partitionable" | "legacy", Case[]>;

const keyOf = (c: Case) => np.array(c.key.map((w) => w | 0), { dtype: "int32" });
const draw = (c: Case, k: NDArray) =>
  c.op === "randint"
    ? random.randint(k, c.shape, c.minval!, c.maxval!, { dtype: c.dtype })
    : random.bits(k, c.shape, { dtype: c.dtype });
const label = (c: Case) =>
  c.op === "randint"
    ? `randint ${c.dtype} [${c.minval}, ${c.maxval}) shape [${c.shape}]`
    : `bits ${c.dtype} shape [${c.shape}]`;

describe("random.randint and random.bits give JAX's draws for every dtype", () => {
  const was = random.getImpl();
  after(() => random.setImpl(was));
  for (const stream of ["partitionable", "legacy"] as const) {
    it(`in the ${stream} stream (${fixture[stream].length} cases, JAX 0.10.2)`, () => {
      random.setImpl(stream === "legacy" ? "threefry2x32-legacy" : "threefry2x32");
      for (const c of fixture[stream]) {
        const got = draw(c, keyOf(c));
        assert.equal(got.dtype, c.dtype, label(c));
        assert.deepEqual(got.shape, c.shape, label(c));
        assert.deepEqual(Array.from(got.toTypedArray()), c.values, label(c));
      }
    });
  }

  it("under jit and vmap over keys, as eagerly", () => {
    random.setImpl("threefry2x32");
    const cases = fixture.partitionable.filter((c) => c.shape.length === 1).slice(0, 40);
    for (const c of cases) {
      const k = keyOf(c);
      assert.deepEqual(jit((key: NDArray) => draw(c, key))(k).toArray(), c.values, label(c));
      const two = vmap((key: NDArray) => draw(c, key))(np.stack([k, k]));
      assert.deepEqual(two.toArray(), [c.values, c.values], label(c));
    }
  });

  it("uint8 draws cover the whole range when maxval is one past the dtype's maximum", () => {
    random.setImpl("threefry2x32");
    const u = random.randint(random.key(3), [4096], 0, 256, { dtype: "uint8" }).toTypedArray();
    assert.equal(Math.max(...u), 255);
    assert.equal(Math.min(...u), 0);
  });
});
