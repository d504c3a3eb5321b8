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
export * as np from "./src/numpy/numpy.ts";
export { NDArray } from "./src/core/_ndarray.ts";
export type {
  ArrayLike,
  AtIndexer,
  IndexItem,
  NestedArray,
  ReduceArg,
  ReduceOptions,
  SliceSpec,
} from "./src/core/_ndarray.ts";
export type { Liftable, LiftArgs, NestedNumbers } from "./src/core/_lift.ts";
export type { DType, TypedArray } from "./src/core/_dtype.ts";
export * as tree from "./src/core/tree.ts";
export type {
  ArrayTree,
  ClassRegistration,
  KeyPath,
  PathKey,
  PytreeClass,
  TreeDef,
} from "./src/core/tree.ts";
export {
  type Argnums,
  grad,
  type GradOptions,
  type GradsOf,
  jvp,
  linearize,
  valueAndGrad,
  vjp,
} from "./src/transforms/autodiff.ts";
export { vmap } from "./src/transforms/vmap.ts";
export * as lax from "./src/transforms/lax.ts";
export * as debug from "./src/transforms/debug.ts";
export {
  checkpoint,
  type CheckpointOptions,
  customJvp,
  type CustomJvpFunction,
  type CustomOptions,
  customVjp,
  type CustomVjpFunction,
  remat,
} from "./src/transforms/custom.ts";
export { hessian, jacfwd, jacrev } from "./src/transforms/jacobians.ts";
export { checkGrads, type CheckGradsOptions } from "./src/transforms/check_grads.ts";
export { jit, type JitOptions, makeJaxpr } from "./src/jit/jit.ts";
export type { AxisSpec, VmapOptions } from "./src/transforms/vmap.ts";
export type { Jacobian, JacobianOptions } from "./src/transforms/jacobians.ts";
export { Jaxpr, LazyJaxpr, Var } from "./src/core/_ir.ts";
export type { Eqn } from "./src/core/_ir.ts";
export type { Aval } from "./src/core/_trace.ts";
export type { None, Primitive, PrimitiveParams } from "./src/core/_ir.ts";
import "./src/interpreters/_eval.ts";
export { escapeXml, figure, lineChart, niceTicks, PALETTE } from "./src/display/plot.ts";
export type {
  ChartOptions,
  FigureOptions,
  Panel,
  PanelOptions,
  Series,
} from "./src/display/plot.ts";
export { formatDuration, formatMetric, progressBar } from "./src/display/progress.ts";
export { JUPYTER_DISPLAY, type SvgImage, svgImage } from "./src/display/jupyter.ts";
export type { ProgressBar, ProgressOptions, UpdateOptions } from "./src/display/progress.ts";
export * as random from "./src/train/random.ts";
export * as nn from "./src/train/nn.ts";
export * as losses from "./src/train/losses.ts";
export * as optim from "./src/train/optim.ts";
export * as schedules from "./src/train/_schedules_all.ts";
export * as io from "./src/io/io.ts";
export { createWorkerPool } from "./src/parallel/pool.ts";
export type {
  PoolCallLimits,
  PoolFunction,
  PoolGradOptions,
  PoolMapOptions,
  WorkerPool,
  WorkerPoolOptions,
} from "./src/parallel/pool.ts";
