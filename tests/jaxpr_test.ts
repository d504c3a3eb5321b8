/**
 * makeJaxpr and the jaxpr printers: the text form lists the expected
 * equations, DOT and Mermaid output is well-formed, a gradient's jaxpr holds
 * the transposed forward ops, and the compiled (fused) program agrees with
 * evaluating the jaxpr eagerly.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { grad, jit, makeJaxpr, type NDArray, np } from "../mod.ts";
import { evalJaxpr } from "../src/core/_trace.ts";
import { compile } from "../src/jit/_compile.ts";
import type { ArrayValue } from "../src/core/_array_value.ts";
import { assertAllClose, randomArray } from "./_helpers.ts";

const mlp = (p: { w1: NDArray; b1: NDArray; w2: NDArray }, x: NDArray, y: NDArray) =>
  np.matmul(np.tanh(np.matmul(x, p.w1).add(p.b1)), p.w2).sub(y).square().mean();
const params = {
  w1: randomArray([4, 8], { seed: 1, dtype: "float32" }),
  b1: randomArray([8], { seed: 2, dtype: "float32" }),
  w2: randomArray([8, 2], { seed: 3, dtype: "float32" }),
};
const xs = randomArray([5, 4], { seed: 4, dtype: "float32" });
const ys = randomArray([5, 2], { seed: 5, dtype: "float32" });

/** Checks that every DOT statement is a node, an edge or a graph attribute, and braces balance. */
function assertDot(dot: string): void {
  const lines = dot.split("\n");
  assert.equal(lines[0], "digraph jaxpr {");
  assert.equal(lines[lines.length - 1], "}");
  const node = /^ {2}\w+ \[label="(?:[^"\\]|\\.)*"[^\]]*\];$/;
  const edge = /^ {2}\w+ -> \w+ \[label="(?:[^"\\]|\\.)*"\];$/;
  const attr = /^ {2}(rankdir|node|label)[ =[].*;$/;
  for (const l of lines.slice(1, -1)) {
    assert.ok(node.test(l) || edge.test(l) || attr.test(l), `not a DOT statement: ${l}`);
  }
  const ids = new Set(lines.filter((l) => node.test(l)).map((l) => l.trim().split(" ")[0]));
  for (const l of lines.filter((l) => edge.test(l))) {
    const [from, , to] = l.trim().split(" ");
    assert.ok(ids.has(from) && ids.has(to), `edge between undeclared nodes: ${l}`);
  }
}

/** Checks the Mermaid flowchart: header, declared nodes, edges between declared nodes. */
function assertMermaid(mmd: string): void {
  const lines = mmd.split("\n");
  assert.equal(lines[0], "flowchart TD");
  const node = /^ {2}(\w+)(\(\[|\[\(|\[)"[^"]*"(\]\)|\)\]|\])$/;
  const edge = /^ {2}(\w+) -- "[^"]*" --> (\w+)$/;
  const ids = new Set<string>();
  for (const l of lines.slice(1)) {
    const n = node.exec(l);
    if (n) ids.add(n[1]);
    const e = edge.exec(l);
    if (e) assert.ok(ids.has(e[1]) && ids.has(e[2]), `edge between undeclared nodes: ${l}`);
    assert.ok(n || e || /^ {2}(classDef|class) /.test(l), `not a Mermaid statement: ${l}`);
  }
}

describe("makeJaxpr()", () => {
  it("makeJaxpr() lists the equations of a function, one per primitive", () => {
    const jaxpr = makeJaxpr((x: NDArray) => x.tanh().mul(x.sin()).add(x.mul(x)).sum())(
      np.ones([3]),
    );
    assert.deepEqual(jaxpr.eqns.map((e) => e.prim), [
      "tanh",
      "sin",
      "mul",
      "mul",
      "add",
      "reduce_sum",
    ]);
    const text = jaxpr.toString();
    assert.match(text, /^\{ lambda a:f32\[3\]\. let$/m);
    assert.match(text, /b:f32\[3\] = tanh a/);
    assert.match(text, /reduce_sum\[axes=\(0\)\]/);
    assert.match(text, /in \(g\) \}$/);
  });

  it("makeJaxpr() flattens pytree arguments and passes static arguments through", () => {
    const jaxpr = makeJaxpr((p: { a: NDArray; b: NDArray }, n: number) => p.a.mul(n).add(p.b), {
      staticArgnums: [1],
    })({ a: np.ones([2]), b: np.ones([2]) }, 3);
    assert.equal(jaxpr.invars.length, 2);
    assert.match(jaxpr.toString(), /mul 3\.0:f32\[2\]|mul a 3\.0:f32\[2\]/);
  });

  it("makeJaxpr() of grad() holds the backward pass: the forward ops transposed, in reverse", () => {
    const jaxpr = makeJaxpr(grad(mlp))(params, xs, ys);
    const prims = jaxpr.eqns.map((e) => e.prim);
    const firstMatmul = prims.indexOf("matmul");
    const forward = prims.slice(0, prims.indexOf("reduce_sum") + 1);
    assert.deepEqual(forward.filter((p) => p === "matmul").length, 2);
    // backward: the transposes feed matmuls, second layer before the first
    const backward = prims.slice(forward.length);
    assert.ok(backward.includes("transpose"));
    assert.ok(backward.filter((p) => p === "matmul").length >= 3);
    assert.equal(firstMatmul, 0);
    const text = jaxpr.toString();
    assert.match(text, /transpose\[perm=\(1,0\)\]/);
    // the cotangent of b1 (from broadcasting it over the batch) is a reduce_sum over axis 0
    assert.match(text, /reduce_sum\[axes=\(0\)\]/);
  });

  it("makeJaxpr() shows a jit call with its inner program", () => {
    const inner = jit((x: NDArray) => x.exp());
    const text = makeJaxpr((x: NDArray) => inner(x).add(1))(np.ones([2])).toString();
    assert.match(text, /jit_call\[name=jit\(\w*\)\]/);
    assert.match(text, /^ {8}.*exp/m);
  });

  it("Jaxpr.toDot() is well-formed Graphviz with one node per equation", () => {
    const jaxpr = makeJaxpr(grad(mlp))(params, xs, ys);
    const dot = jaxpr.toDot({ title: 'grad of "mlp"' });
    assertDot(dot);
    assert.equal((dot.match(/shape=box/g) ?? []).length, jaxpr.eqns.length);
    assert.match(dot, /label="grad of \\"mlp\\""/);
  });

  it("Jaxpr.toMermaid() is a well-formed flowchart", () => {
    const jaxpr = makeJaxpr(mlp)(params, xs, ys);
    const mmd = jaxpr.toMermaid();
    assertMermaid(mmd);
    assert.match(mmd, /e\d+\["matmul"\]/);
  });
});

describe("compile() of a traced jaxpr", () => {
  it("compile() of the MLP gradient equals evaluating its jaxpr eagerly", () => {
    const jaxpr = makeJaxpr(grad(mlp))(params, xs, ys);
    const args = [params.b1, params.w1, params.w2, xs, ys] as ArrayValue[];
    const compiled = compile(jaxpr).run(args);
    const eager = evalJaxpr(jaxpr, args);
    compiled.forEach((c, i) => assertAllClose(c, eager[i], { rtol: 1e-5, atol: 1e-6 }));
    assert.ok(compile(jaxpr).stats.loops >= 1);
  });

  it("compile() describes its plan: fused loops with their source, and kernels", () => {
    const jaxpr = makeJaxpr(mlp)(params, xs, ys);
    const text = compile(jaxpr).describe();
    assert.match(text, /kernel matmul/);
    assert.match(text, /fused loop over \[5, 8\]: broadcast, add, tanh/);
  });
});
