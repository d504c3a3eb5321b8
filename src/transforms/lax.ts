/**
 * The `lax` namespace: structured control flow whose bodies are traced once and that every
 * transform handles (`scan`, `cond`, `switch`, `whileLoop`, `foriLoop`, `map`), and the bit
 * shifts `shiftLeft`, `shiftRightLogical`, `shiftRightArithmetic`.
 *
 * Written with `export *` and a local declaration rather than a list of named re-exports,
 * because `deno doc` drops named re-exports inside a namespace module (tests/docs_test.ts).
 *
 * @module
 */
import { switchBranch } from "./control_flow.ts";

export * from "./control_flow.ts";
export * from "../numpy/_lax_shifts.ts";

/**
 * Applies `branches[index]` to the operands (JAX's `lax.switch`); the index is clamped to the
 * valid range, as in JAX. `switch` is a reserved word in JavaScript, so the function itself is
 * `switchBranch` and this is its name in the namespace.
 *
 * @example
 * ```ts
 * import { lax, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const fs = [(x: np.NDArray) => x.add(1), (x: np.NDArray) => x.mul(10)];
 * assert.equal(lax.switch(0, fs, np.array(2)).item(), 3);
 * ```
 */
const switch_: typeof switchBranch = switchBranch;
export { switch_ as switch };
