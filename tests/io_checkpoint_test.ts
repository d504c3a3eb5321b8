import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { io, np, tree } from "../mod.ts";
import { initialState, type RunState, runUntil } from "./fixtures/_io_train.ts";
import { bitsOf } from "./fixtures/_io_spec.ts";

const isBun = "Bun" in globalThis;

/** Every array of the two records has the same dtype, shape and bits, and the rest is equal. */
function assertBitIdentical(a: unknown, b: unknown) {
  const [la, da] = tree.flatten(a), [lb, db] = tree.flatten(b);
  assert.equal(da.toString(), db.toString());
  la.forEach((x, i) => {
    const y = lb[i];
    if (x instanceof np.NDArray && y instanceof np.NDArray) {
      assert.equal(x.dtype, y.dtype);
      assert.deepEqual(x.shape, y.shape);
      assert.deepEqual(bitsOf(x), bitsOf(y), `leaf ${i}`);
    } else assert.equal(x, y);
  });
}

/** How to start Bun here: $BUN, else bun on PATH, else the pinned npx version. */
function bunCommand(): string[] | undefined {
  const candidates = [
    ...(process.env.BUN ? [process.env.BUN.split(" ")] : []),
    ["bun"],
    ["npx", "-y", "bun@1.4.5"],
  ];
  for (const c of candidates) {
    const r = spawnSync(c[0], [...c.slice(1), "--version"], { encoding: "utf8" });
    if (r.status === 0) return c;
  }
  return undefined;
}

describe("io checkpoints", () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "difftrace-ckpt-"));
  });
  after(async () => {
    await rm(dir, { recursive: true });
  });
  const TOTAL = 12, STOP = 5;

  it("saveCheckpoint() then loadCheckpoint() resumes a run bit-identically to one that never stopped", async () => {
    for (const kind of ["adam", "exact"] as const) {
      const straight = runUntil(kind, initialState(kind), TOTAL);
      const path = join(dir, `${kind}.safetensors`);
      await io.saveCheckpoint(path, runUntil(kind, initialState(kind), STOP));
      const loaded = await io.loadCheckpoint(path, { like: initialState(kind) });
      assert.equal(loaded.step, STOP);
      const resumed = runUntil(kind, loaded, TOTAL);
      assertBitIdentical(resumed, straight);
      // and the run did move: the parameters differ from the start
      assert.notDeepEqual(bitsOf(resumed.params[0].w), bitsOf(initialState(kind).params[0].w));
    }
  });

  // The Adam run above, continued under Bun, drifts by a few ulps from the Deno run: V8
  // (Deno) and JavaScriptCore (Bun) round Math.exp, Math.cos and Math.pow differently in the
  // last bit, and the float32 matmul fuses multiply-adds under V8 only (relaxed SIMD). So
  // this test uses a run of correctly rounded float64 operations ("exact" in _io_train.ts),
  // where the two runtimes agree, and then resuming must match to the bit.
  it(
    "a checkpoint saved by Deno is read bit-exact by Bun and resumes there bit-identically",
    { skip: isBun ? "runs from the Deno side (it starts Bun)" : false },
    async (t) => {
      const bun = bunCommand();
      if (bun === undefined) {
        t.skip("Bun is not available here (no $BUN, no bun on PATH, npx failed)");
        return;
      }
      const [input, resaved, resumed] = ["deno", "resaved", "resumed"]
        .map((n) => join(dir, `${n}.safetensors`));
      await io.saveCheckpoint(input, runUntil("exact", initialState("exact"), STOP));
      const script = new URL("./fixtures/io_resume.ts", import.meta.url).pathname;
      const r = spawnSync(
        bun[0],
        [...bun.slice(1), "run", script, input, String(TOTAL), resaved, resumed],
        { encoding: "utf8" },
      );
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(readFileSync(resaved), readFileSync(input));
      assertBitIdentical(
        await io.loadCheckpoint<RunState>(resumed, { like: initialState("exact") }),
        runUntil("exact", initialState("exact"), TOTAL),
      );
    },
  );

  it("loadCheckpoint() restores numbers, strings, booleans, null, undefined and empty containers", async () => {
    const path = join(dir, "misc.safetensors");
    const state = {
      a: [np.array([1, 2], { dtype: "int32" }), { deep: np.array(true) }],
      n: [0, -0, NaN, Infinity, -Infinity, 1e-300, 2 ** 53],
      s: "text",
      b: false,
      nothing: null,
      missing: undefined,
      empty: { list: [], obj: {} },
      "odd.key": np.zeros([0]),
    };
    await io.saveCheckpoint(path, state);
    const back = await io.loadCheckpoint(path) as typeof state;
    assert.equal(tree.structure(back).toString(), tree.structure(state).toString());
    assert.deepEqual(back.n, state.n);
    assert.ok(Object.is(back.n[1], -0));
    assert.equal(back.s, "text");
    assert.equal(back.b, false);
    assert.ok("missing" in back && back.missing === undefined);
    assert.deepEqual((back.a[0] as np.NDArray).toArray(), [1, 2]);
  });

  it("loadCheckpoint() with like names every leaf whose shape or dtype differs", async () => {
    const path = join(dir, "like.safetensors");
    await io.saveCheckpoint(path, {
      w: np.ones([2]),
      step: 1,
      k: np.ones([3], { dtype: "int32" }),
    });
    await assert.rejects(
      io.loadCheckpoint(path, { like: { w: np.ones([3]), step: 0, k: np.ones([3]) } }),
      /"k" is int32\[3\] in the file but float32\[3\][^]*"w" is float32\[2\] in the file but float32\[3\]/,
    );
    await assert.rejects(io.loadCheckpoint(path, { like: { w: np.ones([2]) } }), /structure/);
  });

  it("loadCheckpoint() refuses a plain safetensors file, and saveCheckpoint() what it cannot store", async () => {
    const path = join(dir, "plain.safetensors");
    await io.save(path, { w: np.ones([1]) });
    await assert.rejects(
      io.loadCheckpoint(path),
      /not a difftrace checkpoint .* load it with io\.load/,
    );
    await assert.rejects(
      io.saveCheckpoint(path, { f: () => 1 } as never),
      /"f" is function; a checkpoint holds/,
    );
    await assert.rejects(
      io.saveCheckpoint(path, [np.ones([1])] as never),
      /the state must be a plain object/,
    );
    await assert.rejects(
      io.loadCheckpoint(path, { likes: 1 } as never),
      /unknown option\(s\) likes/,
    );
  });

  it("saveCheckpoint() names a record that contains itself instead of overflowing the stack", async () => {
    const state: Record<string, unknown> = { w: np.ones([1]), meta: { step: 1 } };
    (state.meta as Record<string, unknown>).parent = state;
    await assert.rejects(
      io.saveCheckpoint(join(dir, "cycle.safetensors"), state),
      (e: Error) =>
        e instanceof TypeError &&
        /io\.saveCheckpoint: "meta\.parent" is one of its own ancestors \(a cycle\)/.test(
          e.message,
        ),
    );
    // the same object twice, side by side, is no cycle
    const shared = { step: 2 };
    await io.saveCheckpoint(join(dir, "shared.safetensors"), { a: shared, b: shared });
  });

  it("loadCheckpoint() rejects a checkpoint whose record was tampered with", async () => {
    const path = join(dir, "tamper.safetensors");
    await io.saveCheckpoint(path, { w: np.ones([1]) });
    const bytes = new Uint8Array(readFileSync(path));
    const text = new TextDecoder().decode(bytes);
    const i = text.indexOf('{\\"t\\":\\"w\\"}');
    assert.ok(i > 0);
    bytes.set(new TextEncoder().encode('{\\"t\\":\\"v\\"}'), i);
    writeFileSync(path, bytes);
    await assert.rejects(io.loadCheckpoint(path), /tensor "v" is missing or used twice/);
  });
});
