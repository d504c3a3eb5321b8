/**
 * WorkerPool: pool.map equals vmap and pool.valueAndGrad equals the full-batch
 * valueAndGrad (MLP loss, odd batches, batches smaller than the pool, pytrees,
 * inAxes/outAxes, copied instead of shared memory); programs are traced once
 * per shard shape; worker exceptions, worker deaths and closed pools give
 * clear errors; scripts exit promptly whether or not they close their pool.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  createWorkerPool,
  jit,
  losses,
  nn,
  np,
  random,
  tree,
  valueAndGrad,
  vmap,
  type WorkerPool,
} from "../mod.ts";
import { _crashNextRuns, _restarts, _shipped } from "../src/parallel/pool.ts";
import { assertAllClose, randomArray } from "./_helpers.ts";

const model = nn.mlp([6, 8, 3]);
type Params = ReturnType<typeof model.init>;
const params = model.init(random.key(0));
const lossFn = (p: Params, x: np.NDArray, y: np.NDArray) =>
  losses.softmaxCrossEntropyWithIntegerLabels(model.apply(p, x), y).mean();
const xs = (n: number, seed = 1) => randomArray([n, 6], { seed, dtype: "float32" });
const labels = (n: number) =>
  np.array(Array.from({ length: n }, (_, i) => (i * 7) % 3), { dtype: "int32" });
const tol = { rtol: 1e-5, atol: 1e-6 };

describe("WorkerPool (2 workers)", () => {
  const pool: WorkerPool = createWorkerPool({ size: 2 });
  after(() => pool.close());

  it("pool.map() equals vmap() of an MLP's forward pass for batches of 8, 7, 2 and 1", async () => {
    const forward = (x: np.NDArray) => model.apply(params, x);
    const mapped = pool.map(forward);
    for (const n of [8, 7, 2, 1]) {
      const x = xs(n, n);
      assertAllClose(await mapped(x), vmap(forward)(x), { ...tol, message: `batch ${n}` });
    }
  });

  it("pool.map() follows inAxes and outAxes, with pytree inputs and outputs", async () => {
    const f = (a: { u: np.NDArray; v: np.NDArray }, w: np.NDArray) => ({
      s: a.u.mul(w).sum(),
      t: a.v.mul(2),
      w: w.add(1),
    });
    const a = { u: randomArray([3, 5], { seed: 3 }), v: randomArray([5, 2], { seed: 4 }) };
    const w = randomArray([3], { seed: 5 });
    const options = { inAxes: [{ u: 1, v: 0 }, null], outAxes: { s: 0, t: 1, w: null } };
    const got = await pool.map(f, options)(a, w);
    assertAllClose(got, vmap(f, options)(a, w), tol);
    assert.deepEqual(got.t.shape, [2, 5]);
  });

  it("pool.map() ships closed-over arrays as constants and chains shared outputs", async () => {
    const table = randomArray([4, 3], { seed: 6 });
    const f = (x: np.NDArray) => np.matmul(x, table).tanh();
    const x = randomArray([9, 4], { seed: 7 });
    const y = await pool.map(f)(x);
    assertAllClose(y, vmap(f)(x), tol);
    const z = await pool.map((r: np.NDArray) => r.mul(r))(y); // y lives in shared memory
    assertAllClose(z, y.mul(y), tol);
  });

  it("pool.map() carries float16 and uint8 arrays through a worker and back, bit for bit", async () => {
    const h = np.array([[0.1, -65504, 6e-8], [1 / 3, Infinity, -0]], { dtype: "float16" });
    const u = np.array([[0, 200, 255], [1, 2, 3]], { dtype: "uint8" });
    // float16: a constant closed over and an argument; uint8 wraps inside the worker
    const scale = np.array(3, { dtype: "float16" });
    const f = (a: np.NDArray, b: np.NDArray) => ({ h: a.mul(scale), u: b.add(100), same: a });
    const got = await pool.map(f)(h, u);
    const want = vmap(f)(h, u);
    for (const k of ["h", "u", "same"] as const) {
      assert.equal(got[k].dtype, want[k].dtype, k);
      assert.deepEqual(got[k].toArray(), want[k].toArray(), k);
    }
    assert.deepEqual(got.u.toArray(), [[100, 44, 99], [101, 102, 103]]);
  });

  it("pool.valueAndGrad() equals valueAndGrad() of an MLP's mean loss over the full batch", async () => {
    const vg = pool.valueAndGrad(lossFn);
    for (const n of [8, 7, 1]) {
      const [value, grads] = await vg(params, xs(n, n), labels(n));
      const [v0, g0] = valueAndGrad(lossFn)(params, xs(n, n), labels(n));
      assertAllClose(value, v0, { ...tol, message: `value, batch ${n}` });
      assertAllClose(tree.leaves(grads), tree.leaves(g0), { ...tol, message: `grads, batch ${n}` });
    }
  });

  it("pool.valueAndGrad() takes argnums lists and unbatched extra arguments", async () => {
    const loss = (w: np.NDArray, b: np.NDArray, x: np.NDArray, scale: np.NDArray) =>
      np.matmul(x, w).add(b).tanh().mul(scale).square().mean();
    const w = randomArray([6, 2], { seed: 8 }), b = randomArray([2], { seed: 9 });
    const x = xs(5), scale = np.array(1.5);
    const options = { argnums: [0, 1], batchArgnums: [2] } as const;
    const [value, [gw, gb]] = await pool.valueAndGrad(loss, options)(w, b, x, scale);
    const [v0, [gw0, gb0]] = valueAndGrad(loss, { argnums: [0, 1] })(w, b, x, scale);
    assertAllClose(value, v0, tol);
    assertAllClose([gw, gb], [gw0, gb0], tol);
  });

  it("pool.valueAndGrad() traces once per shard shape, so later steps ship only data", async () => {
    let traces = 0;
    const counted = (p: Params, x: np.NDArray, y: np.NDArray) => {
      traces++;
      return lossFn(p, x, y);
    };
    const vg = pool.valueAndGrad(counted);
    let p = params;
    let shipped = 0;
    for (let step = 0; step < 3; step++) {
      const [, g] = await vg(p, xs(6, step), labels(6));
      if (step === 0) shipped = _shipped(pool);
      p = p.map((layer, i) => ({
        w: layer.w.sub(g[i].w.mul(0.1)),
        b: layer.b.sub(g[i].b.mul(0.1)),
      }));
    }
    assert.equal(traces, 1); // shards of 3 and 3: one program
    assert.equal(_shipped(pool), shipped); // steps 2 and 3 sent only data
    await vg(p, xs(7), labels(7));
    assert.equal(traces, 3); // shards of 4 and 3: two more
  });

  it("pool.map() rejects with a worker's RangeError, its message and its stack", async () => {
    const table = np.arange(4);
    const lookup = pool.map((i: np.NDArray) => np.take(table, i));
    const err = await lookup(np.array([0, 1, 2, 9], { dtype: "int32" })).then(
      () => assert.fail("expected a rejection"),
      (e: unknown) => e as Error,
    );
    assert.ok(err instanceof RangeError, String(err));
    assert.match(err.message, /take: index 9 is out of bounds/);
    assert.match(err.message, /WorkerPool worker shard 2 of 2/);
    assert.match(err.stack ?? "", /_eval_structural\.ts/);
    // the workers keep serving
    assertAllClose(await lookup(np.array([3, 0], { dtype: "int32" })), [3, 0]);
  });

  it("WorkerPool replaces a worker that dies and runs its shard again", async () => {
    const f = (x: np.NDArray) => x.exp().sum();
    const x = xs(6);
    await pool.map(f)(x); // workers started
    const before = _restarts(pool);
    _crashNextRuns(pool, 1);
    assertAllClose(await pool.map(f)(x), vmap(f)(x), tol);
    assert.equal(_restarts(pool), before + 1);
  });

  it("WorkerPool rejects a shard whose worker dies twice", async () => {
    const f = (x: np.NDArray) => x.neg();
    await pool.map(f)(np.arange(1)); // one shard: the same task is retried
    _crashNextRuns(pool, 2);
    await assert.rejects(pool.map(f)(np.arange(1)), /died again on a fresh worker/);
    assertAllClose(await pool.map(f)(np.arange(2)), [-0, -1]);
  });

  it("WorkerPool drops old programs from its workers and ships them again when needed", async () => {
    const fns = Array.from({ length: 70 }, (_, k) => pool.map((x: np.NDArray) => x.add(k)));
    for (const [k, fn] of fns.entries()) assertAllClose(await fn(np.zeros([2])), [k, k]);
    assertAllClose(await fns[0](np.ones([2])), [1, 1]); // evicted from both workers by now
  });

  it("WorkerPool calls reject clearly for traced arguments and mismatched batches", async () => {
    const f = (x: np.NDArray, y: np.NDArray) => x.add(y);
    await assert.rejects(pool.map(f)(np.ones([2]), np.ones([3])), TypeError);
    await assert.rejects(pool.map(f, { inAxes: null })(np.ones([2]), np.ones([2])), TypeError);
    await assert.rejects(
      pool.valueAndGrad(lossFn, { batchArgnums: [0] })(params, xs(2), labels(2)),
      /both argnums and batchArgnums/,
    );
    // inside a transform the call throws at once (a rejected promise would float away)
    assert.throws(
      () =>
        jit((x: np.NDArray) => {
          void pool.map((r: np.NDArray) => r)(x);
          return x;
        })(np.ones([2])),
      /inside a transform/,
    );
  });
});

describe("WorkerPool options and lifetime", () => {
  it("pool.map() and pool.valueAndGrad() agree with sharedMemory: false", async () => {
    await using pool = createWorkerPool({ size: 2, sharedMemory: false });
    const f = (x: np.NDArray) => x.sin().mul(3);
    const x = randomArray([5, 2], { seed: 11 });
    assertAllClose(await pool.map(f, { outAxes: 1 })(x), vmap(f, { outAxes: 1 })(x), tol);
    const [value, grads] = await pool.valueAndGrad(lossFn)(params, xs(3), labels(3));
    const [v0, g0] = valueAndGrad(lossFn)(params, xs(3), labels(3));
    assertAllClose([value, ...tree.leaves(grads)], [v0, ...tree.leaves(g0)], tol);
  });

  it("WorkerPool calls after close() reject, and closing is idempotent", async () => {
    const pool = createWorkerPool({ size: 1 });
    assert.equal(pool.size, 1);
    const running = pool.map((x: np.NDArray) => x.mul(2))(np.ones([3]));
    await pool.close();
    await pool.close();
    assert.ok(pool.closed);
    await assert.rejects(running, /closed while/);
    await assert.rejects(pool.map((x: np.NDArray) => x)(np.ones([1])), /pool was closed/);
    await assert.rejects(pool.valueAndGrad(lossFn)(params, xs(1), labels(1)), /pool was closed/);
  });

  it("createWorkerPool() rejects a size that is not a positive integer", () => {
    assert.throws(() => createWorkerPool({ size: 0 }), RangeError);
    assert.throws(() => createWorkerPool({ size: 1.5 }), RangeError);
  });

  const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";
  const run = (fixture: string) => {
    const path = fileURLToPath(new URL(`./fixtures/${fixture}`, import.meta.url));
    const args = isDeno ? ["run", "--allow-read", path] : ["run", path];
    const started = performance.now();
    const r = spawnSync(process.execPath, args, { encoding: "utf8", timeout: 30_000 });
    return { ...r, seconds: (performance.now() - started) / 1000 };
  };

  it(
    "createWorkerPool() starts its workers when difftrace is imported from an http: URL (Deno)",
    { skip: !isDeno },
    async () => {
      // serve the repository, import mod.ts from it in a child with only --allow-import
      const root = fileURLToPath(new URL("../", import.meta.url));
      const ac = new AbortController();
      const server = Deno.serve(
        { hostname: "127.0.0.1", port: 0, signal: ac.signal, onListen: () => {} },
        async (req) => {
          const path = root + new URL(req.url).pathname.slice(1);
          try {
            const body = await Deno.readFile(path);
            return new Response(body, { headers: { "content-type": "application/typescript" } });
          } catch {
            return new Response("not found", { status: 404 });
          }
        },
      );
      const host = `127.0.0.1:${server.addr.port}`;
      const dir = await Deno.makeTempDir();
      try {
        const script = `${dir}/remote.ts`;
        await Deno.writeTextFile(
          script,
          `import { createWorkerPool, np } from "http://${host}/mod.ts";\n` +
            `await using pool = createWorkerPool({ size: 2 });\n` +
            `const y = await pool.map((x: np.NDArray) => x.mul(3))(np.arange(3));\n` +
            `console.log("remote " + y.toArray());\n`,
        );
        const out = await new Deno.Command(Deno.execPath(), {
          args: ["run", "--no-check", `--allow-import=${host}`, script],
          env: { DENO_DIR: `${dir}/cache`, NO_COLOR: "1" },
          stdout: "piped",
          stderr: "piped",
        }).output();
        const text = new TextDecoder();
        assert.equal(out.code, 0, text.decode(out.stderr));
        assert.equal(text.decode(out.stdout).trim(), "remote 0,3,6");
      } finally {
        ac.abort();
        await server.finished;
        await Deno.remove(dir, { recursive: true });
      }
    },
  );

  it(
    "createWorkerPool() finds _worker.js when difftrace runs as transpiled .js files (Bun)",
    { skip: isDeno },
    () => {
      // what a JSR package installed through npm looks like: every module transpiled to .js
      type Transpiler = { transformSync(code: string): string };
      const bun = (globalThis as unknown as {
        Bun: { Transpiler: new (o: { loader: string }) => Transpiler };
      }).Bun;
      const transpiler = new bun.Transpiler({ loader: "ts" });
      const root = fileURLToPath(new URL("../", import.meta.url));
      const dir = mkdtempSync(join(tmpdir(), "difftrace-js-"));
      try {
        const files = [
          "mod.ts",
          ...readdirSync(join(root, "src"), { recursive: true })
            .map(String).filter((f) => f.endsWith(".ts")).map((f) => join("src", f)),
        ];
        for (const file of files) {
          const js = transpiler.transformSync(readFileSync(join(root, file), "utf8"))
            .replace(/((?:from|import)\s*\(?\s*)"(\.[^"]*)\.ts"/g, '$1"$2.js"');
          mkdirSync(dirname(join(dir, file)), { recursive: true });
          writeFileSync(join(dir, file.replace(/\.ts$/, ".js")), js);
        }
        writeFileSync(
          join(dir, "main.js"),
          `import { createWorkerPool, np } from "./mod.js";\n` +
            `const pool = createWorkerPool({ size: 2 });\n` +
            `const y = await pool.map((x) => x.mul(3))(np.arange(3));\n` +
            `await pool.close();\nconsole.log("js " + y.toArray());\n`,
        );
        const r = spawnSync(process.execPath, ["run", join(dir, "main.js")], {
          encoding: "utf8",
          timeout: 30_000,
        });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout.trim(), "js 0,3,6");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  for (
    const [fixture, expected] of [
      ["pool_close.ts", "closed 0,2,4,6,8"],
      ["pool_using.ts", "using 1,2,3"],
      ["pool_forget.ts", "forgot 0,2,4,6,8"],
    ]
  ) {
    it(`a script using createWorkerPool() exits on its own (${fixture})`, () => {
      const r = run(fixture);
      assert.equal(r.signal, null, `killed after ${r.seconds.toFixed(1)} s: it hung`);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim(), expected);
    });
  }
});
