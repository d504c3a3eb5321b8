/**
 * The helper-thread modules of another source tree (for A/B benchmarks that load several
 * trees): `_parallel.ts` and, where the tree has it, `_parallel_matmul.ts` (the split product
 * moved there from `_parallel.ts`; older trees keep it in `_parallel.ts`).
 */

/** This tree's two modules, as one namespace. */
export type ParallelModules =
  & typeof import("../src/kernels/_parallel.ts")
  & typeof import("../src/kernels/_parallel_matmul.ts");

/** Loads the helper-thread modules of the tree at `url` (a file: URL of its root). */
export async function parallelOf(url: string): Promise<ParallelModules> {
  return {
    ...await import(`${url}/src/kernels/_parallel.ts`),
    ...await import(`${url}/src/kernels/_parallel_matmul.ts`).catch(() => ({})),
  } as ParallelModules;
}
