/**
 * Draws the computational graph of a two-layer MLP's loss and of its gradient.
 *
 *   deno run -A examples/computational_graph.ts [--out out]
 *   bun run examples/computational_graph.ts
 *
 * `makeJaxpr` traces a function into a jaxpr (its program of primitive
 * equations). The gradient's jaxpr shows reverse mode at work: after the
 * forward equations come their transposes, walked from the loss back to the
 * parameters (matmul's cotangent is a matmul with the transposed operand, the
 * bias's is a sum over the batch, tanh's is a product with 1 − tanh²).
 *
 * Writes Graphviz (.dot) and Mermaid (.mmd) files for both graphs and prints
 * the text form; render with `dot -Tsvg out/graph_grad.dot -o grad.svg`, or
 * paste a .mmd file into any Markdown viewer that speaks Mermaid.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { grad, jit, makeJaxpr, type NDArray, np, random } from "../mod.ts";

/** The parameters of a 4-8-2 MLP. */
interface Params {
  w1: NDArray;
  b1: NDArray;
  w2: NDArray;
  b2: NDArray;
}

/** Mean squared error of a two-layer tanh MLP. */
function loss(p: Params, x: NDArray, y: NDArray): NDArray {
  const hidden = np.tanh(np.matmul(x, p.w1).add(p.b1));
  const pred = np.matmul(hidden, p.w2).add(p.b2);
  return pred.sub(y).square().mean();
}

function main(args: string[]): void {
  const at = args.indexOf("--out");
  const out = at >= 0 ? args[at + 1] : "out";
  const [k1, k2, k3, k4] = random.split(random.key(0), 4);
  const params: Params = {
    w1: random.normal(k1, [4, 8]).mul(0.5),
    b1: np.zeros([8]),
    w2: random.normal(k2, [8, 2]).mul(0.5),
    b2: np.zeros([2]),
  };
  const x = random.normal(k3, [16, 4]);
  const y = random.normal(k4, [16, 2]);

  const lossJaxpr = makeJaxpr(loss)(params, x, y);
  const gradJaxpr = makeJaxpr(grad(loss))(params, x, y);

  mkdirSync(out, { recursive: true });
  const files: [string, string][] = [
    ["graph_loss.dot", lossJaxpr.toDot({ title: "loss(params, x, y)" })],
    ["graph_loss.mmd", lossJaxpr.toMermaid()],
    ["graph_grad.dot", gradJaxpr.toDot({ title: "grad(loss)(params, x, y)" })],
    ["graph_grad.mmd", gradJaxpr.toMermaid()],
  ];
  for (const [name, text] of files) writeFileSync(join(out, name), text + "\n");

  console.log("loss:");
  console.log(lossJaxpr.toString());
  console.log("\ngrad(loss):");
  console.log(gradJaxpr.toString());

  // the same gradient, compiled: equal to the eager one
  const g = grad(loss)(params, x, y);
  const gj = jit(grad(loss))(params, x, y);
  const diff = Math.max(
    ...(["w1", "b1", "w2", "b2"] as const).map((k) =>
      np.abs(g[k].sub(gj[k])).max().item() as number
    ),
  );
  console.log(`\nmax |grad − jit(grad)| = ${diff.toExponential(2)}`);
  console.log(`wrote ${files.map(([n]) => join(out, n)).join(", ")}`);
}

main(typeof Deno !== "undefined" ? Deno.args : process.argv.slice(2));
