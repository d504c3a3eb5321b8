/**
 * The generated API docs (`deno doc mod.ts`) list every export of every namespace. deno doc
 * drops named re-exports (`export { a } from "./_x.ts"`) inside a namespace module, so a
 * namespace must use declarations or `export *`; this test catches a regression. Deno only
 * (it runs `deno doc`); under Bun it is skipped.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import * as difftrace from "../mod.ts";

// `io` still re-exports by name (helper-owned, in progress); listed here so it is not silently
// dropped from the check once it is fixed: remove it from this list then.
const NOT_YET_CHECKED = new Set(["io"]);

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
      if (NOT_YET_CHECKED.has(name) || !documented.has(name)) continue;
      const missing = Object.keys(value as object).filter((k) => !documented.get(name)!.has(k));
      assert.deepEqual(missing, [], `${name}: exports missing from deno doc`);
      checked++;
    }
    assert.ok(checked >= 7, `only ${checked} namespaces checked`);
  });
});
