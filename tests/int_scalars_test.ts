// Out-of-range JS numbers stored in integer arrays, against JAX 0.10.2's storage of Python
// scalars (tests/fixtures/gen_int_scalars.py → int_scalars.json).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { np } from "../mod.ts";
import type { DType, NDArray } from "../mod.ts";

interface Case {
  dtype: DType;
  value: number;
  [entry: string]: unknown;
}
const fixture = JSON.parse(
  readFileSync(new URL("./fixtures/int_scalars.json", import.meta.url), "utf8"),
) as { cases: Case[] };

const entries: Record<string, (dt: DType, v: number) => NDArray> = {
  full: (dt, v) => np.full([2], v, { dtype: dt }),
  at_set: (dt, v) => np.zeros([2], dt).at(0).set(v),
  at_add: (dt, v) => np.zeros([2], dt).at(0).add(v),
  array: (dt, v) => np.array([v], dt),
  add: (dt, v) => np.zeros([2], dt).add(v),
  where: (dt, v) => np.where(np.array([true, false]), np.zeros([2], dt), v),
  maximum: (dt, v) => np.maximum(np.zeros([2], dt), v),
};

describe("JS numbers stored in integer arrays", () => {
  it("match JAX for every entry point, dtype and value in the fixture", () => {
    let compared = 0;
    for (const c of fixture.cases) {
      for (const [name, f] of Object.entries(entries)) {
        const want = c[name];
        if (want === undefined) continue;
        const label = `${name}(${c.dtype}, ${c.value})`;
        if (want === "raises") {
          assert.throws(() => f(c.dtype, c.value), RangeError, label);
        } else {
          const got = f(c.dtype, c.value);
          assert.equal(got.dtype, c.dtype, label);
          assert.deepEqual(got.toArray(), want, label);
        }
        compared++;
      }
    }
    assert.ok(compared > 150, `compared ${compared}`);
  });

  it("name the function, the value and the dtype's range when np.array refuses a value", () => {
    assert.throws(
      () => np.array([1, 300], "int8"),
      (e: Error) =>
        e instanceof RangeError && /np\.array: 300 .*int8 \[-128, 127\]/.test(e.message),
    );
    assert.throws(() => np.array(-1, "uint32"), /np\.array: -1 .*uint32 \[0, 4294967295\]/);
  });
});
