/**
 * JAX's `associative_scan` (Blelloch's odd/even recursion), written with the slice,
 * concatenate, reshape and take primitives. The running max/min/product primitives
 * (cummax, cummin, cumprod) take their derivative from the JVP of this scan, as JAX's
 * `_cumulative_jvp_rule` does: the same tree of binary ops means ties split the tangent
 * as in JAX (lax.max gives each tied operand half), and a product's derivative needs no
 * division, so zeros in the input are exact. O(n) work in O(log n) rounds.
 *
 * Assumes `combine` is associative and elementwise (same shape in, same shape out).
 *
 * @module
 */
import { bind1 } from "../core/_trace.ts";
import type { NDArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";

type Combine = (a: NDArray, b: NDArray) => NDArray;

/** x[lo:hi:step] along `axis`. */
function part(x: NDArray, axis: number, lo: number, hi: number, step = 1): NDArray {
  return bind1("slice", [x], {
    starts: x.shape.map((_, i) => (i === axis ? lo : 0)),
    stops: x.shape.map((d, i) => (i === axis ? hi : d)),
    steps: x.shape.map((_, i) => (i === axis ? step : 1)),
  });
}

/** x reversed along `axis`. */
function rev(x: NDArray, axis: number): NDArray {
  const n = x.shape[axis];
  if (n < 2) return x;
  const idx = new ArrayValue(Int32Array.from({ length: n }, (_, i) => n - 1 - i), [n], "int32");
  return bind1("take", [x, idx], { axis });
}

/** [e0, o0, e1, o1, ...] along `axis`, where `even` has as many entries as `odd` or one more. */
function interleave(even: NDArray, odd: NDArray, axis: number): NDArray {
  const ne = even.shape[axis], no = odd.shape[axis];
  // pad odd to even's length with a copy of even's last entry (sliced off again below)
  const oddFull = ne === no
    ? odd
    : bind1("concatenate", [odd, part(even, axis, ne - 1, ne)], { axis });
  const split = (v: NDArray) => bind1("reshape", [v], { shape: withOne(v.shape, axis) });
  const pairs = bind1("concatenate", [split(even), split(oddFull)], { axis: axis + 1 });
  const shape = even.shape.map((d, i) => (i === axis ? 2 * d : d));
  const merged = bind1("reshape", [pairs], { shape });
  return ne === no ? merged : part(merged, axis, 0, ne + no);
}

function withOne(shape: readonly number[], axis: number): number[] {
  return [...shape.slice(0, axis + 1), 1, ...shape.slice(axis + 1)];
}

/**
 * y[i] = x[0] ∘ x[1] ∘ … ∘ x[i] along `axis` (x[i] ∘ … ∘ x[n−1] when `reverse`), by JAX's
 * recursion: combine neighbouring pairs, scan those (the odd outputs), then combine each odd
 * output with the next input (the even outputs).
 */
export function associativeScan(
  combine: Combine,
  x: NDArray,
  axis: number,
  reverse: boolean,
): NDArray {
  const scan = (elems: NDArray): NDArray => {
    const n = elems.shape[axis];
    if (n < 2) return elems;
    const reduced = combine(part(elems, axis, 0, n - 1, 2), part(elems, axis, 1, n, 2));
    const odd = scan(reduced);
    const evenRest = combine(
      n % 2 === 0 ? part(odd, axis, 0, odd.shape[axis] - 1) : odd,
      part(elems, axis, 2, n, 2),
    );
    const even = bind1("concatenate", [part(elems, axis, 0, 1), evenRest], { axis });
    return interleave(even, odd, axis);
  };
  return reverse ? rev(scan(rev(x, axis)), axis) : scan(x);
}
