/**
 * difftrace: composable function transforms — `grad`, `vjp`, `jvp`, `jit`,
 * `vmap` — over immutable, garbage-collected typed arrays, for Deno and Bun.
 *
 * @example
 * ```ts
 * import { grad, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const f = (x: np.NDArray) => x.pow(3).sum();
 * assert.deepEqual(grad(f)(np.array([1, 2])).toArray(), [3, 12]);
 * ```
 *
 * @module
 */
export * as np from "./src/numpy.ts";
export { NDArray } from "./src/_ndarray.ts";
export type { ArrayLike, NestedArray, ReduceOptions, SliceSpec } from "./src/_ndarray.ts";
export type { DType, TypedArray } from "./src/_dtype.ts";
export * as tree from "./src/tree.ts";
export type { ArrayTree, TreeDef } from "./src/tree.ts";
export {
  type Argnums,
  grad,
  type GradOptions,
  type GradsOf,
  jvp,
  linearize,
  valueAndGrad,
  vjp,
} from "./src/autodiff.ts";
export { hessian, jacfwd, jacrev, vmap } from "./src/transforms.ts";
export { jit, type JitOptions, makeJaxpr } from "./src/jit.ts";
export type { AxisSpec, Jacobian, JacobianOptions, VmapOptions } from "./src/transforms.ts";
export { Jaxpr, Var } from "./src/_jaxpr.ts";
export type { Eqn } from "./src/_jaxpr.ts";
export type { Aval } from "./src/_core.ts";
export type { None, Primitive, PrimitiveParams } from "./src/_primitives.ts";
import "./src/_eval.ts";
export { escapeXml, figure, lineChart, niceTicks, PALETTE } from "./src/plot.ts";
export type { ChartOptions, FigureOptions, Panel, PanelOptions, Series } from "./src/plot.ts";
export { formatDuration, formatMetric, progressBar } from "./src/progress.ts";
export type { ProgressBar, ProgressOptions, UpdateOptions } from "./src/progress.ts";
export * as random from "./src/random.ts";
export * as nn from "./src/nn.ts";
export * as losses from "./src/losses.ts";
export * as optim from "./src/optim.ts";
export * as schedules from "./src/schedules.ts";
export { createWorkerPool } from "./src/pool.ts";
export type { PoolGradOptions, WorkerPool, WorkerPoolOptions } from "./src/pool.ts";
