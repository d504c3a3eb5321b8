/**
 * The rules of the `fft` primitive for every interpreter, kept together here and spread into
 * each table. `fft[inverse](re, im)` transforms complex rows along the last axis, held as two
 * float arrays of one shape, and returns `[re, im]`:
 *   X_k = Σ_j x_j e^(∓2πi jk/n)   (minus forward, plus `inverse`; never scaled by 1/n).
 * The kernel is O(n log n) for every n (`kernels/fft.ts`).
 *
 * The transform is linear, so its JVP is itself applied to the tangents. As a real linear map
 * (re, im) ↦ (C re + S im, C im − S re) with the symmetric matrices C_jk = cos(2πjk/n),
 * S_jk = sin(2πjk/n), its transpose is (re, im) ↦ (C re − S im, C im + S re): the transform
 * of the opposite sign, which is how the backward pass differentiates it.
 */
import { bind } from "../core/_trace.ts";
import type { Aval } from "../core/_trace.ts";
import { allocate } from "../core/_dtype.ts";
import { DATA, type NDArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import * as lax from "../core/_lax.ts";
import { fmtShape, shapesEqual } from "../core/_shape.ts";
import { fftRows } from "../kernels/fft.ts";
import type { PrimitiveParams } from "../core/_ir.ts";

// The rule shapes of each table, restated here (importing them would close an import circle
// through the tables that spread these rules in).
type Q = PrimitiveParams["fft"];
type T = NDArray | null;
type Dim = number | null;

// ---- shapes ------------------------------------------------------------------------------

export const fftShapeRules = {
  fft: ([re, im]: Aval[]): Aval[] => {
    const ok = re.dtype === im.dtype && shapesEqual(re.shape, im.shape);
    if (!ok || re.shape.length === 0 || (re.dtype !== "float32" && re.dtype !== "float64")) {
      throw new TypeError(
        `fft: needs real and imaginary parts of one float shape with at least one axis, got ` +
          `${re.dtype}${fmtShape(re.shape)} and ${im.dtype}${fmtShape(im.shape)}.`,
      );
    }
    return [re, re];
  },
};

// ---- evaluation: float64 accumulation, rounded on store ------------------------------------

export const fftEvalRules = {
  fft: ([re, im]: ArrayValue[], { inverse }: Q): ArrayValue[] => {
    const n = re.shape[re.ndim - 1], rows = n === 0 ? 0 : re.size / n;
    const xr = Float64Array.from(re[DATA] as ArrayLike<number>);
    const xi = Float64Array.from(im[DATA] as ArrayLike<number>);
    fftRows(xr, xi, rows, n, inverse);
    const outR = allocate(re.dtype, re.size), outI = allocate(re.dtype, re.size);
    outR.set(xr);
    outI.set(xi);
    return [new ArrayValue(outR, re.shape, re.dtype), new ArrayValue(outI, re.shape, re.dtype)];
  },
};

// ---- derivatives ------------------------------------------------------------------------------

export const fftJvpRules = {
  // linear: d F(x) = F(dx)
  fft: ([re, im]: NDArray[], [tr, ti]: T[], params: Q): [NDArray[], T[]] => {
    const outs = bind("fft", [re, im], params);
    if (!tr && !ti) return [outs, [null, null]];
    const dots = bind("fft", [tr ?? lax.full(re, 0), ti ?? lax.full(im, 0)], params);
    return [outs, dots];
  },
};

export const fftTransposeRules = {
  // Fᵀ (as a real map on (re, im)) is the transform of the opposite sign, unscaled
  // (both outputs have the operands' shape and dtype, so a zero cotangent is zeros like ct)
  fft: (ct: NDArray, _args: unknown[], { inverse }: Q, cts: T[]): T[] => {
    const [cr, ci] = cts.map((c) => c ?? lax.zerosLike(ct));
    return bind("fft", [cr, ci], { inverse: !inverse });
  },
};

// ---- batching -----------------------------------------------------------------------------------

export const fftVmapRules = {
  // the transform acts on the last axis only: with both batch axes moved to the front, the
  // batch axis is one more leading axis
  fft: (vals: NDArray[], dims: Dim[], params: Q): [NDArray[], Dim[]] => {
    const i = dims.findIndex((d) => d !== null);
    const size = vals[i].shape[dims[i]!];
    const moved = vals.map((v, k) => {
      const d = dims[k];
      if (d === null) return lax.broadcast(lax.reshape(v, [1, ...v.shape]), [size, ...v.shape]);
      if (d === 0) return v;
      return lax.transpose(v, [d, ...[...Array(v.ndim).keys()].filter((j) => j !== d)]);
    });
    return [bind("fft", moved, params), [0, 0]];
  },
};
