/**
 * Products for `np`: `einsum` (any subscripts, contracted pairwise in a greedy order that
 * keeps intermediates small, each pair as one batched matmul), `tensordot`, `vdot`, `inner`,
 * `kron`, `cross`, `matrixPower`. Everything reduces to transpose/reshape/matmul/reduce_sum
 * (and a gather for repeated indices), so derivatives, batching and jit come from those rules.
 */
import * as lax from "../core/_lax.ts";
import { bind1 } from "../core/_trace.ts";
import type { ArrayLike, NDArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import { broadcastAll, promote } from "./_base.ts";
import { fmtShape, normalizeAxis, sizeOf, stridesOf } from "../core/_shape.ts";
import { checkInt, show } from "../core/_validate.ts";
import { gatherFlat } from "./_gather.ts";
import { sum } from "./_reduce.ts";

// ---- einsum ----------------------------------------------------------------------------------

interface Term {
  x: NDArray;
  labels: string[];
}

/** Parses "ij,jk->ik" (with "..." for leading broadcast axes) against the operands' ranks. */
function parseSubscripts(op: string, subscripts: string, xs: NDArray[]): [string[][], string[]] {
  if (typeof subscripts !== "string") {
    throw new TypeError(
      `${op}: subscripts must be a string like "ij,jk->ik", got ${show(subscripts)}.`,
    );
  }
  const spec = subscripts.replace(/\s+/g, "");
  const [lhs, rhs] = spec.includes("->") ? spec.split("->") : [spec, undefined];
  const inputs = lhs.split(",");
  if (inputs.length !== xs.length) {
    throw new TypeError(
      `${op}: "${subscripts}" names ${inputs.length} operands but ${xs.length} were given.`,
    );
  }
  // "..." stands for the same anonymous labels in every operand (as many as needed)
  const ellipsisLabels = (k: number) => Array.from({ length: k }, (_, i) => `.${i}`);
  let maxEll = 0;
  const parsed = inputs.map((s, i) => {
    const parts = s.split("...");
    if (parts.length > 2) throw new TypeError(`${op}: more than one "..." in "${s}".`);
    for (const c of parts.join("")) {
      if (!/[a-zA-Z]/.test(c)) throw new TypeError(`${op}: invalid subscript character "${c}".`);
    }
    const named = parts.join("").length;
    const ell = parts.length === 2 ? xs[i].ndim - named : 0;
    if (ell < 0 || (parts.length === 1 && named !== xs[i].ndim)) {
      throw new TypeError(
        `${op}: "${s}" has ${named} labels for operand ${i} of shape ${fmtShape(xs[i].shape)}.`,
      );
    }
    maxEll = Math.max(maxEll, ell);
    return parts.length === 2
      ? [...parts[0], ...ellipsisLabels(maxEll).slice(maxEll - ell), ...parts[1]]
      : [...parts[0]];
  });
  // re-label ellipses right-aligned against the longest one
  const fixed = inputs.map((s, i) => {
    const parts = s.split("...");
    if (parts.length === 1) return parsed[i];
    const ell = xs[i].ndim - parts.join("").length;
    return [...parts[0], ...ellipsisLabels(maxEll).slice(maxEll - ell), ...parts[1]];
  });
  let out: string[];
  if (rhs === undefined) {
    const count = new Map<string, number>();
    for (const ls of fixed) for (const l of ls) count.set(l, (count.get(l) ?? 0) + 1);
    out = [
      ...ellipsisLabels(maxEll),
      ...[...count.keys()].filter((l) => !l.startsWith(".") && count.get(l) === 1).sort(),
    ];
  } else {
    const parts = rhs.split("...");
    if (parts.length > 2) throw new TypeError(`${op}: more than one "..." in the output.`);
    out = parts.length === 2
      ? [...parts[0], ...ellipsisLabels(maxEll), ...parts[1]]
      : [...parts[0]];
    const all = new Set(fixed.flat());
    for (const l of out) {
      if (!all.has(l)) throw new TypeError(`${op}: output label "${l}" is not in any input.`);
    }
    if (new Set(out).size !== out.length) throw new TypeError(`${op}: repeated output label.`);
  }
  return [fixed, out];
}

/** Takes the diagonal over repeated labels of one operand ("ii" → "i"). */
function dedupe(t: Term): Term {
  const unique = [...new Set(t.labels)];
  if (unique.length === t.labels.length) return t;
  const size = (l: string) => t.x.shape[t.labels.indexOf(l)];
  for (const l of unique) {
    if (t.labels.some((m, i) => m === l && t.x.shape[i] !== size(l))) {
      throw new TypeError(`einsum: label "${l}" has different sizes in one operand.`);
    }
  }
  const shape = unique.map(size);
  const strides = stridesOf(t.x.shape);
  const flat = new Int32Array(sizeOf(shape));
  const ustr = stridesOf(shape);
  for (let k = 0; k < flat.length; k++) {
    let p = 0;
    t.labels.forEach((l, i) => {
      const u = unique.indexOf(l);
      p += (Math.floor(k / ustr[u]) % shape[u]) * strides[i];
    });
    flat[k] = p;
  }
  return { x: gatherFlat(t.x, new ArrayValue(flat, shape, "int32")), labels: unique };
}

/** Sums out the labels of t that no one else needs. */
function sumOut(t: Term, keep: Set<string>): Term {
  const axes = t.labels.map((l, i) => (keep.has(l) ? -1 : i)).filter((i) => i >= 0);
  if (!axes.length) return t;
  return { x: lax.reduceSum(t.x, axes), labels: t.labels.filter((l) => keep.has(l)) };
}

/** Contracts two terms as one batched matmul: [batch, free_a, k] x [batch, k, free_b]. */
function contract(a: Term, b: Term, keep: Set<string>): Term {
  const inB = new Set(b.labels), inA = new Set(a.labels);
  const batch = a.labels.filter((l) => inB.has(l) && keep.has(l));
  const summed = a.labels.filter((l) => inB.has(l) && !keep.has(l));
  const freeA = a.labels.filter((l) => !inB.has(l));
  const freeB = b.labels.filter((l) => !inA.has(l));
  const dim = (t: Term, l: string) => t.x.shape[t.labels.indexOf(l)];
  for (const l of [...batch, ...summed]) {
    if (dim(a, l) !== dim(b, l)) {
      throw new TypeError(
        `einsum: label "${l}" has size ${dim(a, l)} in one operand and ${dim(b, l)} in another.`,
      );
    }
  }
  const perm = (t: Term, order: string[]) =>
    lax.transpose(t.x, order.map((l) => t.labels.indexOf(l)));
  const n = (t: Term, ls: string[]) => ls.reduce((p, l) => p * dim(t, l), 1);
  const bs = batch.map((l) => dim(a, l));
  const am = lax.reshape(perm(a, [...batch, ...freeA, ...summed]), [
    ...bs,
    n(a, freeA),
    n(a, summed),
  ]);
  const bm = lax.reshape(perm(b, [...batch, ...summed, ...freeB]), [
    ...bs,
    n(b, summed),
    n(b, freeB),
  ]);
  const out = lax.matmul(am, bm);
  return {
    x: lax.reshape(out, [...bs, ...freeA.map((l) => dim(a, l)), ...freeB.map((l) => dim(b, l))]),
    labels: [...batch, ...freeA, ...freeB],
  };
}

/**
 * Einstein summation: `einsum("ij,jk->ik", a, b)` is a matrix product; repeated labels in one
 * operand take diagonals, labels missing from the output are summed, "..." broadcasts leading
 * axes, and without "->" the output is the labels used once, sorted. Operands are contracted
 * pairwise, always choosing the pair with the smallest result, each pair as one batched matmul.
 * @param subscripts The subscripts, e.g. "bij,bjk->bik".
 * @param operands The arrays.
 * @returns The result.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const a = np.array([[1, 2], [3, 4]]);
 * assert.deepEqual(np.einsum("ij,jk->ik", a, a).toArray(), [[7, 10], [15, 22]]);
 * assert.equal(np.einsum("ii", a).item(), 5);
 * ```
 */
export function einsum(subscripts: string, ...operands: ArrayLike[]): NDArray {
  if (operands.length === 0) throw new TypeError("np.einsum: needs at least one operand.");
  const xs = promote("np.einsum", operands);
  const [labels, out] = parseSubscripts("np.einsum", subscripts, xs);
  let terms: Term[] = xs.map((x, i) => dedupe({ x, labels: labels[i] }));
  const needed = (except: Term[]) => {
    const s = new Set(out);
    for (const t of terms) if (!except.includes(t)) t.labels.forEach((l) => s.add(l));
    return s;
  };
  terms = terms.map((t) => sumOut(t, needed([t])));
  while (terms.length > 1) {
    // greedy: the pair whose contraction has the fewest elements
    let best: [number, number] = [0, 1], bestSize = Infinity;
    for (let i = 0; i < terms.length; i++) {
      for (let j = i + 1; j < terms.length; j++) {
        const keep = needed([terms[i], terms[j]]);
        const ls = new Set([...terms[i].labels, ...terms[j].labels].filter((l) => keep.has(l)));
        let size = 1;
        for (const l of ls) {
          const t = terms[i].labels.includes(l) ? terms[i] : terms[j];
          size *= t.x.shape[t.labels.indexOf(l)];
        }
        if (size < bestSize) [best, bestSize] = [[i, j], size];
      }
    }
    const [i, j] = best;
    const a = terms[i], b = terms[j];
    const keep = needed([a, b]);
    const c = contract(
      sumOut(a, new Set([...keep, ...b.labels])),
      sumOut(b, new Set([...keep, ...a.labels])),
      keep,
    );
    terms = [...terms.filter((_, k) => k !== i && k !== j), c];
  }
  const last = sumOut(terms[0], new Set(out));
  return lax.transpose(last.x, out.map((l) => last.labels.indexOf(l)));
}

// ---- tensordot and friends ---------------------------------------------------------------------

/**
 * Sums products over the last `axes` axes of a and the first of b, or over the listed axes.
 * @param a The first array.
 * @param b The second array.
 * @param axes A count (default 2) or `[axesOfA, axesOfB]`.
 * @returns The contraction: a's free axes then b's.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const a = np.ones([2, 3, 4]), b = np.ones([3, 4, 5]);
 * assert.deepEqual(np.tensordot(a, b).shape, [2, 5]);
 * assert.deepEqual(np.tensordot(a, b, [[1], [0]]).shape, [2, 4, 4, 5]);
 * ```
 */
export function tensordot(
  a: ArrayLike,
  b: ArrayLike,
  axes: number | readonly [readonly number[] | number, readonly number[] | number] = 2,
): NDArray {
  const [x, y] = promote("np.tensordot", [a, b]);
  let ax: number[], bx: number[];
  if (typeof axes === "number") {
    checkInt("np.tensordot", "axes", axes, 0, Math.min(x.ndim, y.ndim));
    ax = Array.from({ length: axes }, (_, i) => x.ndim - axes + i);
    bx = Array.from({ length: axes }, (_, i) => i);
  } else {
    const [p, q] = axes;
    ax = (typeof p === "number" ? [p] : [...p]).map((v) =>
      normalizeAxis("np.tensordot", v, x.ndim)
    );
    bx = (typeof q === "number" ? [q] : [...q]).map((v) =>
      normalizeAxis("np.tensordot", v, y.ndim)
    );
    if (ax.length !== bx.length) {
      throw new TypeError(`np.tensordot: ${ax.length} axes of a but ${bx.length} of b.`);
    }
  }
  const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  if (x.ndim + y.ndim > letters.length) throw new RangeError("np.tensordot: too many axes.");
  const la = [...letters.slice(0, x.ndim)];
  const lb = [...letters.slice(x.ndim, x.ndim + y.ndim)];
  bx.forEach((j, k) => (lb[j] = la[ax[k]]));
  const outL = [...la.filter((_, i) => !ax.includes(i)), ...lb.filter((_, j) => !bx.includes(j))];
  return einsum(`${la.join("")},${lb.join("")}->${outL.join("")}`, x, y);
}

/**
 * The dot product of the flattened arrays (real values: no conjugation needed).
 * @param a The first array.
 * @param b The second array (same size).
 * @returns A scalar.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.vdot(np.array([[1, 2]]), np.array([3, 4])).item(), 11);
 * ```
 */
export function vdot(a: ArrayLike, b: ArrayLike): NDArray {
  const [x, y] = promote("np.vdot", [a, b]);
  if (x.size !== y.size) {
    throw new TypeError(`np.vdot: sizes differ: ${fmtShape(x.shape)} and ${fmtShape(y.shape)}.`);
  }
  return sum(lax.mul(lax.reshape(x, [x.size]), lax.reshape(y, [y.size])));
}

/**
 * Sums products over the last axes of a and b (scalars multiply).
 * @param a The first array.
 * @param b The second array.
 * @returns a's leading axes then b's.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.equal(np.inner(np.array([1, 2]), np.array([3, 4])).item(), 11);
 * ```
 */
export function inner(a: ArrayLike, b: ArrayLike): NDArray {
  const [x, y] = promote("np.inner", [a, b]);
  if (x.ndim === 0 || y.ndim === 0) {
    const [p, q] = broadcastAll("np.inner", [x, y]);
    return lax.mul(p, q);
  }
  return tensordot(x, y, [[-1], [-1]]);
}

/**
 * The Kronecker product: blocks a[i, j]·b.
 * @param a The first array.
 * @param b The second array.
 * @returns The product, of shape a.shape · b.shape (ranks padded with leading 1s).
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.kron(np.array([1, 2]), np.array([1, 10])).toArray(), [1, 10, 2, 20]);
 * ```
 */
export function kron(a: ArrayLike, b: ArrayLike): NDArray {
  let [x, y] = promote("np.kron", [a, b]);
  const r = Math.max(x.ndim, y.ndim);
  x = lax.reshape(x, [...Array(r - x.ndim).fill(1), ...x.shape]);
  y = lax.reshape(y, [...Array(r - y.ndim).fill(1), ...y.shape]);
  const shape = x.shape.flatMap((d, i) => [d, y.shape[i]]);
  const xb = lax.broadcast(lax.reshape(x, x.shape.flatMap((d) => [d, 1])), shape);
  const yb = lax.broadcast(lax.reshape(y, y.shape.flatMap((d) => [1, d])), shape);
  return lax.reshape(lax.mul(xb, yb), x.shape.map((d, i) => d * y.shape[i]));
}

/**
 * The cross product of 3-vectors along `axis` (2-vectors give the z component), broadcasting.
 * @param a The first vectors.
 * @param b The second vectors.
 * @param axis The vector axis (default −1).
 * @returns The cross products.
 * @example
 * ```ts
 * import { np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * assert.deepEqual(np.cross(np.array([1, 0, 0]), np.array([0, 1, 0])).toArray(), [0, 0, 1]);
 * ```
 */
export function cross(a: ArrayLike, b: ArrayLike, axis = -1): NDArray {
  const [x0, y0] = promote("np.cross", [a, b]);
  if (x0.ndim === 0 || y0.ndim === 0) throw new TypeError("np.cross: needs vectors, got a scalar.");
  const move = (v: NDArray) => {
    const ax = normalizeAxis("np.cross", axis, v.ndim);
    const perm = [...Array(v.ndim).keys()].filter((i) => i !== ax).concat([ax]);
    return lax.transpose(v, perm);
  };
  const x = move(x0), y = move(y0);
  const n = x.shape[x.ndim - 1], m = y.shape[y.ndim - 1];
  if (![2, 3].includes(n) || ![2, 3].includes(m)) {
    throw new TypeError(`np.cross: vectors must have 2 or 3 components, got ${n} and ${m}.`);
  }
  const comp = (v: NDArray, i: number, len: number) => {
    if (i >= len) return lax.full({ shape: v.shape.slice(0, -1), dtype: v.dtype }, 0);
    const s = lax.reshape(
      lax.transpose(v, [v.ndim - 1, ...Array.from({ length: v.ndim - 1 }, (_, k) => k)]),
      [len, sizeOf(v.shape.slice(0, -1))],
    );
    const row = gatherFlat(
      s,
      new ArrayValue(
        Int32Array.from({ length: s.shape[1] }, (_, k) => i * s.shape[1] + k),
        [s.shape[1]],
        "int32",
      ),
    );
    return lax.reshape(row, v.shape.slice(0, -1));
  };
  const [x1, x2, x3] = [0, 1, 2].map((i) => comp(x, i, n));
  const [y1, y2, y3] = [0, 1, 2].map((i) => comp(y, i, m));
  const b2 = (p: NDArray, q: NDArray) => broadcastAll("np.cross", [p, q]);
  const term = (p: NDArray, q: NDArray, r: NDArray, s: NDArray) => {
    const [pp, qq] = b2(p, q), [rr, ss] = b2(r, s);
    const [u, v] = b2(lax.mul(pp, qq), lax.mul(rr, ss));
    return lax.sub(u, v);
  };
  const z = term(x1, y2, x2, y1);
  if (n === 2 && m === 2) return z;
  const cx = term(x2, y3, x3, y2), cy = term(x3, y1, x1, y3);
  const [px, py, pz] = broadcastAll("np.cross", [cx, cy, z]);
  const stacked = [px, py, pz].map((c) => lax.reshape(c, [...c.shape, 1]));
  const joined = bind1("concatenate", stacked, { axis: px.ndim });
  // the vector axis goes back where it was (as NumPy, counted in the result's rank)
  const ax = normalizeAxis("np.cross", axis, joined.ndim);
  const perm = [...Array(joined.ndim - 1).keys()];
  perm.splice(ax, 0, joined.ndim - 1);
  return lax.transpose(joined, perm);
}
