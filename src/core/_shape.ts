/** Shape arithmetic shared by every interpreter: sizes, strides, broadcasting, axes. */

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides, in elements. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function fmtShape(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

/** NumPy broadcasting of several shapes; `op` names the caller in the error. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length)); // no shapes: a scalar
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const j = rank - s.length + i;
      const d = s[i];
      if (out[j] === 1) out[j] = d;
      else if (d !== 1 && d !== out[j]) {
        throw new TypeError(
          `${op}: shapes ${shapes.map(fmtShape).join(" and ")} cannot be broadcast together ` +
            `(axis ${j - rank} has sizes ${out[j]} and ${d}). Broadcasting needs each trailing ` +
            `axis to match or be 1; reshape or expandDims one operand first.`,
        );
      }
    }
  }
  return out;
}

/** Normalises one axis (negative counts from the end); RangeError when out of range. */
export function normalizeAxis(op: string, axis: number, ndim: number): number {
  if (typeof axis !== "number" || !Number.isInteger(axis)) {
    throw new TypeError(
      `${op}: axis must be an integer, got ${typeof axis === "string" ? `"${axis}"` : axis}.`,
    );
  }
  if (axis < -ndim || axis >= ndim) {
    throw new RangeError(
      `${op}: axis ${axis} is out of range for an array of rank ${ndim} ` +
        `(valid axes are ${-ndim} to ${ndim - 1}).`,
    );
  }
  return axis < 0 ? axis + ndim : axis;
}

/** Normalises an axis option (undefined = all axes), sorted and de-duplicated. */
export function normalizeAxes(
  op: string,
  axis: number | readonly number[] | undefined | null,
  ndim: number,
): number[] {
  if (axis === undefined || axis === null) return [...Array(ndim).keys()];
  if (typeof axis !== "number" && !Array.isArray(axis)) {
    throw new TypeError(
      `${op}: axis must be an integer or a list of integers, got ${
        typeof axis === "string" ? `"${axis}"` : typeof axis
      }.`,
    );
  }
  const list = typeof axis === "number" ? [axis] : [...axis];
  const out = list.map((a) => normalizeAxis(op, a, ndim));
  if (new Set(out).size !== out.length) {
    throw new RangeError(`${op}: repeated axis in [${list.join(", ")}].`);
  }
  return out.sort((a, b) => a - b);
}

export function isPermutation(perm: readonly number[], n: number): boolean {
  if (perm.length !== n) return false;
  const seen = new Array<boolean>(n).fill(false);
  for (const p of perm) {
    if (!Number.isInteger(p) || p < 0 || p >= n || seen[p]) return false;
    seen[p] = true;
  }
  return true;
}

export function inversePermutation(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}
