/**
 * The `lax` namespace: structured control flow whose bodies are traced once and that every
 * transform handles (`scan`, `cond`, `switch`, `whileLoop`, `foriLoop`, `map`).
 *
 * @module
 */
export {
  cond,
  foriLoop,
  map,
  scan,
  type ScanOptions,
  switchBranch as switch,
  whileLoop,
} from "./control_flow.ts";
