/**
 * Jitted elementwise functions and activations over 2²⁰ float32 values: wall and CPU ms per
 * call, for A/B between source trees (each tree's `mod.ts` imported into one process, the trees
 * alternating within every round).
 *
 *   deno run -A bench/jit_unary.ts [--root A,B] [--rounds 7] [--only selu,log]
 *   bun run bench/jit_unary.ts --root /tmp/base,.
 *
 * Cases: exp, log, tanh, sin, sin·cos, expm1, log1p, rsqrt, floor + sign (each ×3, so the loop
 * holds one more op), nn.selu, nn.elu, nn.gelu, nn.softplus, nn.logSigmoid, losses.
 * sigmoidBinaryCrossEntropy, random.normal, the gradient of Σ tanh(x)·sin(x) + x² (issue 16's
 * grad chain) and SELU written with exp (issue 16's workload). Medians over rounds; CPU time is
 * the process's (on a shared machine it moves less with load than wall time).
 */
import { cpuUsage } from "node:process";
import { resolve } from "node:path";

const argv = (globalThis as { Deno?: { args: string[] } }).Deno?.args ??
  (globalThis as unknown as { process: { argv: string[] } }).process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const ROOTS = arg("root", ".").split(",").map((r) => resolve(r));
const ROUNDS = Number(arg("rounds", "7"));
const ONLY = arg("only", "");

type Lib = typeof import("../mod.ts");
type Arr = InstanceType<Lib["np"]["NDArray"]>;

/** The cases of one tree: name → a function running one call. */
function cases(lib: Lib): Map<string, () => unknown> {
  const { grad, jit, losses, nn, np, random } = lib;
  const x = random.normal(random.key(0), [1 << 20]);
  const pos = random.uniform(random.key(1), [1 << 20]).add(0.01);
  const key = random.key(2);
  const A = 1.6732632423543772, S = 1.0507009873554805;
  const fs: [string, (v: Arr) => Arr, Arr][] = [
    ["exp", (v) => v.exp().mul(3), x],
    ["log", (v) => np.log(v).mul(3), pos],
    ["tanh", (v) => v.tanh().mul(3), x],
    ["sin", (v) => v.sin().mul(3), x],
    ["sin·cos", (v) => v.sin().mul(v.cos()), x],
    ["expm1", (v) => np.expm1(v).mul(3), x],
    ["log1p", (v) => np.log1p(v).mul(3), pos],
    ["rsqrt", (v) => np.rsqrt(v).mul(3), pos],
    ["floor + sign", (v) => np.floor(v.mul(3)).add(np.sign(v)), x],
    ["nn.selu", (v) => nn.selu(v), x],
    ["nn.elu", (v) => nn.elu(v), x],
    ["nn.gelu", (v) => nn.gelu(v), x],
    ["nn.softplus", (v) => nn.softplus(v), x],
    ["nn.logSigmoid", (v) => nn.logSigmoid(v), x],
    ["sigmoid BCE", (v) => losses.sigmoidBinaryCrossEntropy(v, v.mul(0.5)), x],
    ["SELU with exp", (v) => np.where(np.greater(v, 0), v, v.exp().mul(A).sub(A)).mul(S), x],
    ["grad chain", grad((v: Arr) => v.tanh().mul(v.sin()).add(v.mul(v)).sum()), x],
  ];
  const out = new Map<string, () => unknown>();
  for (const [name, f, input] of fs) {
    const g = jit(f);
    out.set(name, () => g(input));
  }
  const normal = jit((k: Arr) => random.normal(k, [1 << 20]));
  out.set("random.normal", () => normal(key));
  return out;
}

const libs: Lib[] = [];
for (const root of ROOTS) libs.push(await import(`${root}/mod.ts`));
const all = libs.map(cases);
const names = [...all[0].keys()].filter((n) => !ONLY || ONLY.split(",").some((o) => n.includes(o)));
for (const c of all) for (const n of names) for (let i = 0; i < 3; i++) c.get(n)!();

const wall = names.map(() => all.map(() => [] as number[]));
const cpu = names.map(() => all.map(() => [] as number[]));
for (let r = 0; r < ROUNDS; r++) {
  names.forEach((n, j) => {
    all.forEach((c, k) => {
      const f = c.get(n)!;
      const c0 = cpuUsage(), t0 = performance.now();
      for (let i = 0; i < 5; i++) f();
      wall[j][k].push((performance.now() - t0) / 5);
      const u = cpuUsage(c0);
      cpu[j][k].push((u.user + u.system) / 5000);
    });
  });
}
const med = (a: number[]) => a.slice().sort((p, q) => p - q)[a.length >> 1];
const runtime = "Bun" in globalThis ? "Bun" : "Deno";
console.log(`${runtime}; trees: ${ROOTS.join(", ")}; ms per call, median of ${ROUNDS} rounds of 5`);
console.log(`| case | ${ROOTS.map((_, k) => `wall ${k} | CPU ${k}`).join(" | ")} |`);
console.log(`| --- | ${ROOTS.map(() => "---: | ---:").join(" | ")} |`);
names.forEach((n, j) => {
  const cells = all.map((_, k) => `${med(wall[j][k]).toFixed(2)} | ${med(cpu[j][k]).toFixed(2)}`);
  console.log(`| ${n} | ${cells.join(" | ")} |`);
});
