import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { io, jit, np, tree } from "../mod.ts";
import { DATA } from "../src/core/_ndarray.ts";
import type { ArrayValue } from "../src/core/_array_value.ts";
import { arrayOf, bitsOf, LOADS_AS, SPEC, toPythonTree } from "./fixtures/_io_spec.ts";

const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`./fixtures/io/${name}`, import.meta.url)));

/** A safetensors file with the given header (object or raw text) and data bytes. */
function craft(header: unknown, data: Uint8Array = new Uint8Array(0), lengthField?: bigint) {
  const json = new TextEncoder().encode(
    typeof header === "string" ? header : JSON.stringify(header),
  );
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthField ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const f32 = (name: string, shape: number[], begin: number, end: number) => ({
  [name]: { dtype: "F32", shape, data_offsets: [begin, end] },
});

describe("io safetensors interop with Python", () => {
  it("loadSafetensors() reads a file written by Python's safetensors bit-exact, every dtype", () => {
    const bytes = fixture("from_python.safetensors");
    const info = io.safetensorsInfo(bytes);
    assert.deepEqual(info.metadata, { source: "gen_io.py" });
    const got = io.loadSafetensors(bytes) as Record<string, unknown>;
    const byName = new Map<string, np.NDArray>();
    const [leaves, def] = tree.flatten(got);
    // rebuild the names from the tree to check the structure: layers is a list, net is not
    assert.deepEqual(Object.keys(got).sort(), [
      "brain",
      "counts",
      "cube",
      "empty",
      "half",
      "ids",
      "layers",
      "mask",
      "net",
      "pixels",
      "scalar",
    ]);
    assert.equal(def.numLeaves, SPEC.from_python.length);
    const g = got as {
      layers: { weight: np.NDArray; bias?: np.NDArray }[];
      net: Record<string, { weight: np.NDArray }>;
    } & Record<string, np.NDArray>;
    assert.ok(Array.isArray(g.layers) && g.layers.length === 2); // 0..n-1: a list
    assert.ok(!Array.isArray(g.net)); // 0 and 2: an object
    assert.deepEqual(Object.keys(g.net), ["0", "2"]);
    byName.set("layers.0.weight", g.layers[0].weight);
    byName.set("layers.0.bias", g.layers[0].bias!);
    byName.set("layers.1.weight", g.layers[1].weight);
    byName.set("net.0.weight", g.net["0"].weight);
    byName.set("net.2.weight", g.net["2"].weight);
    for (const k of Object.keys(g)) if (g[k] instanceof np.NDArray) byName.set(k, g[k]);
    assert.equal(leaves.length, SPEC.from_python.length);
    for (const t of SPEC.from_python) {
      const x = byName.get(t.name)!;
      assert.ok(x, t.name);
      assert.equal(x.dtype, LOADS_AS[t.fileDtype], t.name);
      assert.deepEqual(x.shape, t.shape, t.name);
      assert.deepEqual(bitsOf(x), t.bits, t.name);
    }
  });

  it("saveSafetensors() writes the file that Python's safetensors read bit-exact, byte for byte", () => {
    const bytes = io.saveSafetensors(toPythonTree(), { metadata: { source: "difftrace" } });
    assert.deepEqual(bytes, fixture("from_difftrace.safetensors"));
  });
});

describe("io safetensors round trips", () => {
  const everything = () => ({
    f32: np.array([[1.5, -0, NaN], [Infinity, 3e-45, 1 / 3]]),
    f64: np.array([[[[1 / 3, -2]]]], { dtype: "float64" }),
    i32: np.array([-(2 ** 31), 2 ** 31 - 1, 0], { dtype: "int32" }),
    bool: np.array([[true], [false]]),
    scalar: np.array(4, { dtype: "int32" }),
    empty: np.zeros([0, 2]),
    empty4: np.zeros([2, 0, 1, 3], { dtype: "float64" }),
    nested: [{ "a.b": np.ones([1]), "[x]": np.ones([2]), "0": np.ones([3]), "": np.ones([4]) }, [
      np.ones([5]),
    ]],
    "back\\slash": np.ones([6]),
    "12": { "1": np.arange(3) },
  });

  it("saveSafetensors() then loadSafetensors() returns the same tree, dtypes and bits", () => {
    const t = everything();
    const back = io.loadSafetensors(io.saveSafetensors(t));
    assert.equal(tree.structure(back).toString(), tree.structure(t).toString());
    const [a] = tree.flatten(t), [b] = tree.flatten(back);
    a.forEach((x, i) => {
      assert.equal(b[i].dtype, x.dtype);
      assert.deepEqual(b[i].shape, x.shape);
      assert.deepEqual(bitsOf(b[i]), bitsOf(x));
    });
  });

  it("saveSafetensors() escapes dots, brackets, backslashes and digit keys unambiguously", () => {
    const names = io.safetensorsInfo(io.saveSafetensors(everything())).tensors.map((t) => t.name);
    assert.deepEqual(
      names.filter((n) => n.startsWith("nested") || n.startsWith("[") || n.startsWith("back")),
      [
        "[12].[1]",
        "back\\\\slash",
        "nested.0.[0]",
        "nested.0.[]",
        "nested.0.\\[x\\]",
        "nested.0.a\\.b",
        "nested.1.0",
      ],
    );
  });

  it("loadSafetensors() with like restores empty containers and the template's structure", () => {
    const t = { a: np.ones([2]), opt: { count: np.array(3, { dtype: "int32" }), mu: [] }, n: null };
    const back = io.loadSafetensors(io.saveSafetensors(t), { like: t });
    assert.equal(tree.structure(back).toString(), tree.structure(t).toString());
    assert.equal(back.opt.count.item(), 3);
  });

  it("loadSafetensors() views the bytes in place, and copies with copy: true", () => {
    const bytes = io.saveSafetensors({ a: np.ones([3]), b: np.ones([2], { dtype: "float64" }) });
    const viewed = io.loadSafetensors(bytes) as { a: ArrayValue; b: ArrayValue };
    assert.equal(viewed.a[DATA].buffer, bytes.buffer);
    assert.equal(viewed.b[DATA].buffer, bytes.buffer);
    const copied = io.loadSafetensors(bytes, { copy: true }) as { a: ArrayValue };
    assert.notEqual(copied.a[DATA].buffer, bytes.buffer);
  });

  it("loadSafetensors() copies a tensor whose bytes are not aligned, with the same values", () => {
    const bytes = io.saveSafetensors({ a: np.array([1.25, 2]) });
    const shifted = new Uint8Array(bytes.length + 1).subarray(1);
    shifted.set(bytes);
    const got = io.loadSafetensors(shifted) as { a: np.NDArray };
    assert.deepEqual(got.a.toArray(), [1.25, 2]);
  });

  it("save() and load() round-trip a tree through a file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "difftrace-io-"));
    try {
      const path = join(dir, "t.safetensors");
      const t = everything();
      await io.save(path, t, { metadata: { note: "x" } });
      const back = await io.load(path, { like: t });
      assert.deepEqual(bitsOf(back.f32), bitsOf(t.f32));
      assert.deepEqual(io.safetensorsInfo(new Uint8Array(readFileSync(path))).metadata, {
        note: "x",
      });
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});

describe("io safetensors rejects corrupt files", () => {
  const good = craft(f32("a", [2], 0, 8), new Uint8Array(8));
  const cases: [string, Uint8Array, RegExp, ErrorConstructor][] = [
    ["fewer than 8 bytes", new Uint8Array(5), /5 bytes long, too short/, RangeError],
    [
      "a header larger than the file",
      craft(f32("a", [2], 0, 8), new Uint8Array(8), 999n),
      /says 999 bytes but only/,
      RangeError,
    ],
    [
      "a header over the size limit",
      craft("{}", undefined, 2n ** 40n),
      /over the 100000000-byte limit/,
      RangeError,
    ],
    [
      "data cut short",
      good.subarray(0, good.length - 3),
      /spans bytes \[0, 8\) .* only 5 bytes/,
      RangeError,
    ],
    ["a non-JSON header", craft("{not json"), /not a JSON object/, TypeError],
    ["a header that is not an object", craft("[1, 2]"), /not a JSON object/, TypeError],
    [
      "a non-UTF-8 header",
      craft('{"a": 1}').map((b, i) => i === 10 ? 0xff : b),
      /not valid UTF-8/,
      TypeError,
    ],
    [
      "an unknown dtype",
      craft({ a: { dtype: "F8_E4M3", shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)),
      /dtype "F8_E4M3", which is not one of/,
      TypeError,
    ],
    [
      "a shape that disagrees with the size",
      craft(f32("a", [3], 0, 8), new Uint8Array(8)),
      /shape \[3\] of F32 \(12 bytes\) .* span 8 bytes/,
      TypeError,
    ],
    [
      "a negative shape",
      craft(f32("a", [-2], 0, 8), new Uint8Array(8)),
      /not a list of non-negative integers/,
      TypeError,
    ],
    [
      "offsets that end before they begin",
      craft(f32("a", [0], 4, 0), new Uint8Array(8)),
      /end before they begin/,
      TypeError,
    ],
    [
      "overlapping offsets",
      craft({ ...f32("a", [2], 0, 8), ...f32("b", [1], 4, 8) }, new Uint8Array(8)),
      /overlaps tensor "a"/,
      RangeError,
    ],
    [
      "a hole between tensors",
      craft({ ...f32("a", [1], 0, 4), ...f32("b", [1], 8, 12) }, new Uint8Array(12)),
      /4 unused byte\(s\)/,
      RangeError,
    ],
    [
      "bytes after the last tensor",
      craft(f32("a", [1], 0, 4), new Uint8Array(8)),
      /4 byte\(s\) after tensor "a"/,
      RangeError,
    ],
    [
      "offsets out of bounds",
      craft(f32("a", [4], 8, 24), new Uint8Array(8)),
      /spans bytes \[8, 24\)/,
      RangeError,
    ],
    [
      "an unknown field",
      craft({ a: { dtype: "F32", shape: [0], data_offsets: [0, 0], extra: 1 } }),
      /unknown field\(s\) extra/,
      TypeError,
    ],
    [
      "non-string metadata",
      craft({ __metadata__: { n: 1 } }),
      /__metadata__ must map strings to strings/,
      TypeError,
    ],
    [
      "a BOOL byte other than 0 or 1",
      craft({ m: { dtype: "BOOL", shape: [2], data_offsets: [0, 2] } }, new Uint8Array([1, 7])),
      /holds the byte 7 at element 1/,
      TypeError,
    ],
    [
      "an I64 outside int32's range",
      craft(
        { i: { dtype: "I64", shape: [1], data_offsets: [0, 8] } },
        new Uint8Array([0, 0, 0, 0, 1, 0, 0, 0]),
      ),
      /I64 tensor "i" holds 4294967296 at element 0, outside int32's range/,
      RangeError,
    ],
    [
      "names that are prefixes of each other",
      craft({ ...f32("a", [1], 0, 4), ...f32("a.b", [1], 4, 8) }, new Uint8Array(8)),
      /prefix/,
      TypeError,
    ],
  ];
  for (const [what, bytes, message, type] of cases) {
    it(`loadSafetensors() throws a clear ${type.name} for ${what}`, () => {
      assert.throws(() => io.loadSafetensors(bytes), (e: Error) => {
        assert.ok(e instanceof type, `${e.constructor.name}: ${e.message}`);
        assert.match(e.message, /^io\.loadSafetensors: /);
        assert.match(e.message, message);
        return true;
      });
    });
  }

  it("loadSafetensors() throws for the file cut at every possible length", () => {
    const bytes = io.saveSafetensors({
      a: np.array([1, 2, 3]),
      b: np.array([[true, false]]),
      c: np.zeros([0]),
      d: np.array([1.5], { dtype: "float64" }),
    });
    for (let n = 0; n < bytes.length; n++) {
      assert.throws(
        () => io.loadSafetensors(bytes.slice(0, n)),
        /io\.loadSafetensors: /,
        `cut at ${n}`,
      );
    }
  });

  it("loadSafetensors() with like lists every missing, extra and mis-shaped tensor at once", () => {
    const bytes = io.saveSafetensors({ w: np.ones([2, 3]), b: np.ones([3]), extra: np.ones([1]) });
    const like = { w: np.ones([3, 2]), b: np.ones([3], { dtype: "float64" }), gone: np.ones([1]) };
    assert.throws(() => io.loadSafetensors(bytes, { like }), (e: Error) => {
      assert.ok(e instanceof TypeError);
      assert.match(e.message, /4 problem\(s\)/);
      assert.match(e.message, /"b" is F32\[3\] in the file \(loads as float32\) but float64\[3\]/);
      assert.match(e.message, /missing "gone" \(float32\[1\]\)/);
      assert.match(e.message, /"w" is F32\[2, 3\] in the file .* but float32\[3, 2\]/);
      assert.match(e.message, /extra "extra" \(F32\[1\]\)/);
      return true;
    });
  });
});

describe("io safetensors validates its arguments", () => {
  it("saveSafetensors() rejects a leaf that is not an array, naming its key path", () => {
    assert.throws(
      () => io.saveSafetensors({ a: [np.ones([1]), 3] }),
      /io\.saveSafetensors: every leaf must be an array, but "a\.1" is the number 3/,
    );
  });
  it("saveSafetensors() rejects the reserved key __metadata__ and bad metadata", () => {
    assert.throws(() => io.saveSafetensors({ __metadata__: np.ones([1]) }), /reserved/);
    assert.throws(
      () => io.saveSafetensors({ a: np.ones([1]) }, { metadata: { n: 1 as unknown as string } }),
      /metadata must be an object of strings/,
    );
  });
  it("saveSafetensors() and loadSafetensors() reject unknown options", () => {
    assert.throws(
      () => io.saveSafetensors({}, { meta: {} } as never),
      /io\.saveSafetensors: unknown option\(s\) meta; the options are metadata/,
    );
    assert.throws(() => io.loadSafetensors(io.saveSafetensors({}), { lik: 1 } as never), TypeError);
  });
  it("loadSafetensors() rejects bytes that are not a Uint8Array", () => {
    assert.throws(
      () => io.loadSafetensors([1, 2] as never),
      /expected the file's bytes as a Uint8Array/,
    );
  });
  it("saveSafetensors() rejects traced values inside jit", () => {
    const f = jit((x: np.NDArray) => {
      io.saveSafetensors({ x });
      return x;
    });
    assert.throws(() => f(np.ones([2])), /"x" is a traced value/);
  });
  it("save() rejects a path that is not a string", async () => {
    await assert.rejects(io.save(3 as never, {}), /io\.save: the path must be a non-empty string/);
  });
  it("load() rejects when the file does not exist", async () => {
    await assert.rejects(io.load(join(tmpdir(), "difftrace-no-such-file.safetensors")));
  });
  it("arrayOf() from the fixture spec rebuilds arrays (self-check of the test helper)", () => {
    assert.deepEqual(bitsOf(arrayOf(SPEC.to_python[2])), [-7]);
  });
});
