/**
 * Reads tests/fixtures/train_losses2.json (written by tests/fixtures/gen_losses2.py): the
 * inputs of the structured-loss cases and optax's values and gradients in float64 and float32.
 */
import { readFileSync } from "node:fs";
import { type DType, type NDArray, np } from "../mod.ts";

/** One array as the generator writes it (null for NaN/±inf). */
export interface Encoded {
  shape: number[];
  dtype: string;
  data: (number | null)[];
}

/** One case: optax's value and the gradient of its sum (CTC's forward case: the alphas). */
export interface Case {
  value: Encoded;
  grad: Encoded;
  logalpha_blank: Encoded;
  logalpha_nonblank: Encoded;
}

interface Fixture {
  inputs: Record<string, Encoded>;
  float64: Record<string, Case>;
  float32: Record<string, Case>;
}

const fixture = JSON.parse(
  readFileSync(new URL("./fixtures/train_losses2.json", import.meta.url), "utf8"),
) as Fixture;

/** The float dtypes the fixture covers. */
export const FLOATS: readonly ("float64" | "float32")[] = ["float64", "float32"];

/** An input of the fixture as an array; float inputs take `dtype`, int and bool keep theirs. */
export function input(name: string, dtype: "float64" | "float32" = "float64"): NDArray {
  const e = fixture.inputs[name];
  if (e === undefined) throw new Error(`no fixture input ${name}`);
  const dt = (e.dtype === "int32" || e.dtype === "bool" ? e.dtype : dtype) as DType;
  const data = e.data.map((v) => v ?? NaN);
  return np.array(dt === "bool" ? data.map((v) => v !== 0) : data, { dtype: dt }).reshape(e.shape);
}

/** optax's outputs for a case in a dtype. */
export function expected(name: string, dtype: "float64" | "float32"): Case {
  const c = fixture[dtype][name];
  if (c === undefined) throw new Error(`no fixture case ${name}`);
  return c;
}

/** The flat values of an encoded array (NaN for null). */
export function values(e: Encoded): number[] {
  return e.data.map((v) => v ?? NaN);
}

/** Tolerances for comparing with optax in a dtype. */
export function tolerance(dtype: "float64" | "float32"): { rtol: number; atol: number } {
  return dtype === "float64" ? { rtol: 1e-12, atol: 1e-12 } : { rtol: 2e-5, atol: 2e-6 };
}
