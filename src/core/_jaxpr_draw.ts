/**
 * Rendering of a jaxpr's graph (built by `Jaxpr`) as Graphviz DOT and as a Mermaid
 * flowchart. A nested program (a loop body, a branch, a jit body) is drawn as a subgraph
 * (a DOT cluster, a Mermaid subgraph) joined to its equation by a dashed edge.
 */

/** One node: an input, a constant, an equation or an output. */
export interface DrawNode {
  id: string;
  label: string;
  kind: "input" | "const" | "eqn" | "output";
}

/** A graph with its nested programs. */
export interface DrawGraph {
  nodes: DrawNode[];
  edges: { from: string; to: string; label: string }[];
  /** Nested programs: the equation node they belong to, a label, their own graph. */
  clusters: { id: string; owner: string; label: string; graph: DrawGraph }[];
}

const dotStyle = (kind: DrawNode["kind"]) =>
  kind === "input"
    ? `shape=ellipse style=filled fillcolor="#d9f2d9"`
    : kind === "const"
    ? `shape=note style=filled fillcolor="#eeeeee"`
    : kind === "output"
    ? `shape=ellipse style=filled fillcolor="#f9d9d9"`
    : `shape=box style="rounded,filled" fillcolor="#dde8f8"`;

const dq = (s: string) => `"${s.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;

function dotBody(g: DrawGraph, indent: string, lines: string[]): void {
  for (const n of g.nodes) {
    lines.push(`${indent}${n.id} [label=${dq(n.label)} ${dotStyle(n.kind)}];`);
  }
  for (const e of g.edges) lines.push(`${indent}${e.from} -> ${e.to} [label=${dq(e.label)}];`);
  for (const c of g.clusters) {
    lines.push(
      `${indent}subgraph cluster_${c.id} {`,
      `${indent}  label=${dq(c.label)}; style=dashed;`,
    );
    dotBody(c.graph, indent + "  ", lines);
    lines.push(`${indent}}`);
    const first = c.graph.nodes[0];
    if (first) lines.push(`${indent}${c.owner} -> ${first.id} [style=dashed arrowhead=none];`);
  }
}

/** A Graphviz DOT digraph of the graph. */
export function renderDot(g: DrawGraph, title?: string): string {
  const lines = [`digraph jaxpr {`, `  rankdir=TB;`, `  node [fontname="Helvetica" fontsize=11];`];
  if (title) lines.push(`  label=${dq(title)}; labelloc=t;`);
  dotBody(g, "  ", lines);
  lines.push("}");
  return lines.join("\n");
}

const mq = (s: string) => s.replaceAll('"', "#quot;");

function mermaidBody(g: DrawGraph, indent: string, lines: string[], all: DrawNode[]): void {
  for (const n of g.nodes) {
    const [open, close] = n.kind === "eqn"
      ? ["[", "]"]
      : n.kind === "const"
      ? ["[(", ")]"]
      : ["([", "])"];
    lines.push(`${indent}${n.id}${open}"${mq(n.label)}"${close}`);
    all.push(n);
  }
  for (const e of g.edges) lines.push(`${indent}${e.from} -- "${mq(e.label)}" --> ${e.to}`);
  for (const c of g.clusters) {
    lines.push(`${indent}subgraph ${c.id}["${mq(c.label)}"]`);
    mermaidBody(c.graph, indent + "  ", lines, all);
    lines.push(`${indent}end`);
    lines.push(`${indent}${c.owner} -.- ${c.id}`);
  }
}

/** A Mermaid flowchart of the graph. */
export function renderMermaid(g: DrawGraph): string {
  const lines = ["flowchart TD"];
  const all: DrawNode[] = [];
  mermaidBody(g, "  ", lines, all);
  lines.push("  classDef input fill:#d9f2d9;", "  classDef output fill:#f9d9d9;");
  const ins = all.filter((n) => n.kind === "input").map((n) => n.id);
  const outs = all.filter((n) => n.kind === "output").map((n) => n.id);
  if (ins.length) lines.push(`  class ${ins.join(",")} input;`);
  if (outs.length) lines.push(`  class ${outs.join(",")} output;`);
  return lines.join("\n");
}
