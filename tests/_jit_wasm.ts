/** Shared by the tests of jit's wasm loops. */
import { setJitWasmMinElements } from "../src/jit/_codegen_wasm.ts";

/** Runs `body` with every fused group of at least `min` elements eligible for wasm. */
export function withMin<T>(min: number, body: () => T): T {
  const was = setJitWasmMinElements(min);
  try {
    return body();
  } finally {
    setJitWasmMinElements(was);
  }
}
