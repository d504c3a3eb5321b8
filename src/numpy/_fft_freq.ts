/**
 * The sample-frequency helpers of `np.fft` (re-exported from `fft.ts`): the frequency layouts
 * of an n-point transform and the shifts that centre the zero frequency.
 * @module
 */
import type { ArrayLike, NDArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import { asArrayValue } from "./_base.ts";
import { normalizeAxis } from "../core/_shape.ts";
import { checkInt, requireList } from "../core/_validate.ts";
import { roll } from "./_arrange.ts";

/**
 * The sample frequencies of an n-point transform with sample spacing d: [0, 1, ..., −1]/(d·n).
 * @param n The transform length.
 * @param d The sample spacing (default 1).
 * @returns float32 frequencies.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.fft.fftfreq(4).toArray(), [0, 0.25, -0.5, -0.25]);
 * ```
 */
export function fftfreq(n: number, d = 1): NDArray {
  checkInt("np.fft.fftfreq", "n", n, 1);
  const f = new Float32Array(n).map((_, i) => (i < Math.ceil(n / 2) ? i : i - n) / (d * n));
  return new ArrayValue(f, [n], "float32");
}

/**
 * The non-negative sample frequencies of an n-point real transform: [0, 1, ..., n/2]/(d·n).
 * @param n The transform length.
 * @param d The sample spacing (default 1).
 * @returns float32 frequencies.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.fft.rfftfreq(4).toArray(), [0, 0.25, 0.5]);
 * ```
 */
export function rfftfreq(n: number, d = 1): NDArray {
  checkInt("np.fft.rfftfreq", "n", n, 1);
  const f = new Float32Array(Math.floor(n / 2) + 1).map((_, i) => i / (d * n));
  return new ArrayValue(f, [f.length], "float32");
}

/**
 * Moves the zero frequency to the centre (a roll by n/2 along each axis).
 * @param x The array.
 * @param axes The axes (all by default).
 * @returns The shifted array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.fft.fftshift(np.fft.fftfreq(4)).toArray(), [-0.5, -0.25, 0, 0.25]);
 * ```
 */
export function fftshift(x: ArrayLike, axes?: readonly number[]): NDArray {
  const a = asArrayValue("np.fft.fftshift", x);
  const list = axes === undefined
    ? [...Array(a.ndim).keys()]
    : requireList("np.fft.fftshift", "axes", axes) as number[];
  return roll(
    a,
    list.map((ax) => Math.floor(a.shape[normalizeAxis("np.fft.fftshift", ax, a.ndim)] / 2)),
    list,
  );
}

/**
 * The inverse of `fftshift`.
 * @param x The array.
 * @param axes The axes (all by default).
 * @returns The shifted array.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.fft.ifftshift(np.fft.fftshift(np.arange(5))).toArray(), [0, 1, 2, 3, 4]);
 * ```
 */
export function ifftshift(x: ArrayLike, axes?: readonly number[]): NDArray {
  const a = asArrayValue("np.fft.ifftshift", x);
  const list = axes === undefined
    ? [...Array(a.ndim).keys()]
    : requireList("np.fft.ifftshift", "axes", axes) as number[];
  return roll(
    a,
    list.map((ax) => -Math.floor(a.shape[normalizeAxis("np.fft.ifftshift", ax, a.ndim)] / 2)),
    list,
  );
}
