/**
 * JAX's remaining `Array` methods on NDArray (declared in `core/_ndarray.ts`): each calls
 * the `np` function of the same name with the array first. Also `x.at[...]`, JAX's
 * spelling of the index-update method: a clear error that shows difftrace's `x.at(...)`.
 */
import { ITEMSIZE } from "../core/_dtype.ts";
import { NDArray, type NestedArray, type ReduceArg } from "../core/_ndarray.ts";
import * as lax from "../core/_lax.ts";
import { all, any } from "./_stats.ts";
import { nonzero } from "./_selections.ts";
import { std, variance } from "./_reduce.ts";
import { ptp } from "./_aliases.ts";
import { argsort, cumprod, cumsum, sort } from "./_scan_sort.ts";
import { repeat, swapaxes } from "./_arrange.ts";
import { diagonal, trace } from "./_diagonals.ts";
import { ravel } from "./_structure.ts";

type Options = ReduceArg | undefined;
const methods: { [K in keyof NDArray]?: (this: NDArray, ...args: never[]) => unknown } = {
  flatten(this: NDArray): NDArray {
    return ravel(this);
  },
  ravel(this: NDArray): NDArray {
    return ravel(this);
  },
  std(this: NDArray, options?: Options): NDArray {
    return std(this, options);
  },
  var(this: NDArray, options?: Options): NDArray {
    return variance(this, options);
  },
  all(this: NDArray, options?: Options): NDArray {
    return all(this, options);
  },
  any(this: NDArray, options?: Options): NDArray {
    return any(this, options);
  },
  ptp(this: NDArray, options?: Options): NDArray {
    return ptp(this, options);
  },
  cumsum(this: NDArray, axis: number | null = null): NDArray {
    return cumsum(this, axis);
  },
  cumprod(this: NDArray, axis: number | null = null): NDArray {
    return cumprod(this, axis);
  },
  sort(this: NDArray, axis?: number | null, options?: { descending?: boolean }): NDArray {
    return sort(this, axis, options);
  },
  argsort(this: NDArray, axis?: number | null, options?: { descending?: boolean }): NDArray {
    return argsort(this, axis, options);
  },
  swapaxes(this: NDArray, axis1: number, axis2: number): NDArray {
    return swapaxes(this, axis1, axis2);
  },
  diagonal(this: NDArray, offset?: number, axis1?: number, axis2?: number): NDArray {
    return diagonal(this, offset, axis1, axis2);
  },
  trace(this: NDArray, offset?: number, axis1?: number, axis2?: number): NDArray {
    return trace(this, offset, axis1, axis2);
  },
  repeat(this: NDArray, repeats: number | readonly number[], axis?: number | null): NDArray {
    return repeat(this, repeats, axis);
  },
  nonzero(this: NDArray, options?: { size?: number; fillValue?: number }): NDArray[] {
    return nonzero(this, options);
  },
  conj(this: NDArray): NDArray {
    return this;
  },
  conjugate(this: NDArray): NDArray {
    return this;
  },
  copy(this: NDArray): NDArray {
    return this;
  },
  tolist(this: NDArray): NestedArray {
    return this.toArray();
  },
  blockUntilReady(this: NDArray): NDArray {
    return this;
  },
};
for (const [name, f] of Object.entries(methods)) {
  Object.defineProperty(NDArray.prototype, name, { value: f, writable: true, configurable: true });
}

const getters: Record<string, (this: NDArray) => unknown> = {
  real(this: NDArray): NDArray {
    return this;
  },
  imag(this: NDArray): NDArray {
    return lax.full({ shape: this.shape, dtype: this.dtype }, 0);
  },
  mT(this: NDArray): NDArray {
    if (this.ndim < 2) {
      throw new TypeError(`x.mT: needs at least 2 axes, got shape [${this.shape.join(", ")}].`);
    }
    return swapaxes(this, -1, -2);
  },
  itemsize(this: NDArray): number {
    return ITEMSIZE[this.dtype];
  },
  nbytes(this: NDArray): number {
    return this.size * ITEMSIZE[this.dtype];
  },
};
for (const [name, get] of Object.entries(getters)) {
  Object.defineProperty(NDArray.prototype, name, { get, configurable: true });
}

// x.at[i].set(v) is JAX's syntax; here `at` is a method: x.at(i).set(v). Reading any other
// property of the method (x.at[0], x.at[idx]) says so instead of failing on `undefined.set`.
const at = NDArray.prototype.at;
Object.defineProperty(NDArray.prototype, "at", {
  value: new Proxy(at, {
    get(target, key, receiver) {
      if (typeof key === "symbol" || key in target) return Reflect.get(target, key, receiver);
      throw new TypeError(
        `x.at[${key}]: in difftrace \`at\` is a method: write x.at(index).set(v) (or .add, ` +
          `.mul, .divide, .power, .min, .max, .get) where JAX writes x.at[index].set(v). Several indices are ` +
          `arguments: x.at(0, [1, 3]) is JAX's x.at[0, 1:3].`,
      );
    },
  }),
  writable: true,
  configurable: true,
});
