/**
 * The zoom line search (Nocedal & Wright, algorithms 3.5–3.6), after optax 0.2.8's
 * `scale_by_zoom_linesearch`, L-BFGS's default: find a step η meeting the strong Wolfe
 * conditions, sufficient decrease `f(w + ηu) ≤ f(w) + c₁ η ⟨u, ∇f(w)⟩` (optax also
 * accepts Hager–Zhang's approximate decrease) and curvature
 * `|⟨u, ∇f(w + ηu)⟩| ≤ c₂ |⟨u, ∇f(w)⟩|`. Phase 1 grows η by `increaseFactor` until an
 * interval holding such a step is found; phase 2 shrinks the interval by cubic, then
 * quadratic interpolation, then bisection. When it runs out of steps it falls back on the
 * best step meeting the decrease condition alone (a "safe" step). The search is a
 * `lax.whileLoop` over a carry of scalars and trees, so it runs under `jit`.
 * Re-exported by `optim.ts`.
 *
 * @module
 */
import type { NDArray } from "../core/_ndarray.ts";
import { map } from "../core/tree.ts";
import { checkOptions } from "../core/_validate.ts";
import * as np from "../numpy/numpy.ts";
import { cond, whileLoop } from "../transforms/control_flow.ts";
import { valueAndGrad } from "../transforms/autodiff.ts";
import type { GradientTransformation } from "./_gradient_transformations.ts";
import { addScaled, checkNumber, lineSearchArgs, treeVdot, valueDtype } from "./_optax_util.ts";
import { checkedLeaves, checkState } from "./_checks.ts";

/** The state of {@link scaleByZoomLinesearch}. */
export type ZoomLinesearchState = {
  readonly learningRate: NDArray;
  readonly value: NDArray;
  readonly grad: unknown;
  readonly info: {
    readonly numLinesearchSteps: NDArray;
    readonly decreaseError: NDArray;
    readonly curvatureError: NDArray;
  };
};

/** The search's carry: scalars (float in the params' dtype, counters int32, flags bool) and two gradients. */
type Carry = {
  count: NDArray;
  stepsize: NDArray;
  value: NDArray;
  grad: unknown;
  slope: NDArray;
  decreaseError: NDArray;
  curvatureError: NDArray;
  error: NDArray;
  intervalFound: NDArray;
  done: NDArray;
  failed: NDArray;
  low: NDArray;
  valueLow: NDArray;
  slopeLow: NDArray;
  high: NDArray;
  valueHigh: NDArray;
  slopeHigh: NDArray;
  cubicRef: NDArray;
  valueCubicRef: NDArray;
  safeStepsize: NDArray;
  safeValue: NDArray;
  safeGrad: unknown;
};

const sel = (c: NDArray, a: NDArray, b: NDArray): NDArray => np.where(c, a, b).astype(b.dtype);
const selTree = (c: NDArray, a: unknown, b: unknown): unknown =>
  map((x, y) => np.where(c, x, y).astype(y.dtype), a, b as typeof a);
const nanToInf = (e: NDArray) => np.where(np.isnan(e), Infinity, e).astype(e.dtype);

/**
 * The minimizer of the cubic through (a, fa) with slope fpa at a, (b, fb) and (c, fc):
 * with C = fpa, db = b − a, dc = c − a, [A, B] = [[dc², −db²], [−dc³, db³]]·
 * [fb − fa − C db, fc − fa − C dc] / ((db dc)² (db − dc)), x = a + (−B + √(B² − 3AC)) / (3A).
 */
function cubicmin(
  a: NDArray,
  fa: NDArray,
  fpa: NDArray,
  b: NDArray,
  fb: NDArray,
  c: NDArray,
  fc: NDArray,
): NDArray {
  const db = b.sub(a), dc = c.sub(a);
  const denom = db.mul(dc).square().mul(db.sub(dc));
  const r1 = fb.sub(fa).sub(fpa.mul(db)), r2 = fc.sub(fa).sub(fpa.mul(dc));
  const A = dc.square().mul(r1).sub(db.square().mul(r2)).div(denom);
  const B = dc.pow(3).neg().mul(r1).add(db.pow(3).mul(r2)).div(denom);
  const radical = B.square().sub(A.mul(fpa).mul(3));
  return a.add(B.neg().add(np.sqrt(radical)).div(A.mul(3)));
}

/** The minimizer of the quadratic through (a, fa) with slope fpa at a and (b, fb). */
function quadmin(a: NDArray, fa: NDArray, fpa: NDArray, b: NDArray, fb: NDArray): NDArray {
  const db = b.sub(a);
  const B = fb.sub(fa).sub(fpa.mul(db)).div(db.square());
  return a.sub(fpa.div(B.mul(2)));
}

/**
 * The zoom line search (optax's `scale_by_zoom_linesearch`), for strong Wolfe steps;
 * the updates are scaled by the step found. `update` needs `{ value, grad, valueFn }`
 * (see {@link ExtraArgs}); the state keeps the value and gradient at the accepted point.
 *
 * @param maxLinesearchSteps The most trial steps per update.
 * @param options `maxLearningRate` (none), `tol` (0), `increaseFactor` (2), `slopeRtol` (c₁,
 *   1e-4), `curvRtol` (c₂, 0.9), `approxDecRtol` (1e-6; `null` for the plain Armijo test),
 *   `stepsizePrecision` (1e-5, the shortest interval), `initialGuessStrategy` ("keep": start
 *   from the previous step; "one": from 1).
 * @returns The transform, with state `{ learningRate, value, grad, info }`.
 *
 * @example
 * ```ts
 * import { np, optim, valueAndGrad } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const f = (x: np.NDArray) => x.sub(3).square().sum();
 * const opt = optim.chain(optim.sgd(1), optim.scaleByZoomLinesearch(15));
 * const x = np.array([0]);
 * const [value, grad] = valueAndGrad(f)(x);
 * const [u] = opt.update(grad, opt.init(x), x, { value, grad, valueFn: f });
 * // the exact minimizer along −∇f is found by interpolation
 * assert.ok(Math.abs((u.item() as number) - 3) < 1e-4);
 * ```
 */
export function scaleByZoomLinesearch(
  maxLinesearchSteps: number,
  options: {
    maxLearningRate?: number;
    tol?: number;
    increaseFactor?: number;
    slopeRtol?: number;
    curvRtol?: number;
    approxDecRtol?: number | null;
    stepsizePrecision?: number;
    initialGuessStrategy?: "keep" | "one";
  } = {},
): GradientTransformation<ZoomLinesearchState> {
  const op = "scaleByZoomLinesearch";
  checkOptions(`optim.${op}`, options, [
    "maxLearningRate",
    "tol",
    "increaseFactor",
    "slopeRtol",
    "curvRtol",
    "approxDecRtol",
    "stepsizePrecision",
    "initialGuessStrategy",
  ]);
  if (!Number.isInteger(maxLinesearchSteps) || maxLinesearchSteps < 1) {
    throw new RangeError(
      `optim.${op}: maxLinesearchSteps must be a positive integer, got ${maxLinesearchSteps}.`,
    );
  }
  const {
    maxLearningRate,
    tol = 0,
    increaseFactor = 2,
    slopeRtol = 1e-4,
    curvRtol = 0.9,
    stepsizePrecision = 1e-5,
    initialGuessStrategy = "keep",
  } = options;
  const approxDecRtol = options.approxDecRtol === undefined ? 1e-6 : options.approxDecRtol;
  if (maxLearningRate !== undefined) checkNumber(op, "maxLearningRate", maxLearningRate);
  checkNumber(op, "tol", tol);
  checkNumber(op, "increaseFactor", increaseFactor, 1);
  checkNumber(op, "slopeRtol", slopeRtol, 0, 1);
  checkNumber(op, "curvRtol", curvRtol, 0, 1);
  if (approxDecRtol !== null) checkNumber(op, "approxDecRtol", approxDecRtol);
  checkNumber(op, "stepsizePrecision", stepsizePrecision);
  if (initialGuessStrategy !== "keep" && initialGuessStrategy !== "one") {
    throw new RangeError(
      `optim.${op}: initialGuessStrategy must be "keep" or "one", got ${
        JSON.stringify(initialGuessStrategy)
      }.`,
    );
  }
  return checkedLeaves("scaleByZoomLinesearch", {
    init(params) {
      const dtype = valueDtype(params);
      return {
        learningRate: np.array(1, { dtype }),
        value: np.array(Infinity, { dtype }),
        grad: map((p) => np.zerosLike(p), params),
        info: {
          numLinesearchSteps: np.zeros([], { dtype: "int32" }),
          decreaseError: np.array(Infinity, { dtype }),
          curvatureError: np.array(Infinity, { dtype }),
        },
      };
    },
    update(updates, state, params, extra) {
      checkState(op, state, updates, [], []);
      const { value: v0, grad, valueFn } = lineSearchArgs(op, updates, params, extra);
      const dtype = valueDtype(params);
      const f = (x: number | NDArray) =>
        typeof x === "number" ? np.array(x, { dtype }) : x.astype(dtype);
      const valueInit = f(v0);
      const slopeInit = f(treeVdot(updates, grad));
      const vg = valueAndGrad(valueFn);
      // value, gradient and slope ⟨∇f(w + ηu), u⟩ at step η
      const onLine = (eta: NDArray): [NDArray, unknown, NDArray] => {
        const [val, g] = vg(addScaled(params, eta, updates));
        return [f(val), g, f(treeVdot(g, updates))];
      };
      // decrease error: max(min(f(η) − f(0) − c₁ η s₀, approx), 0), NaN → ∞, where
      // approx = max(s(η) − (2c₁ − 1) s₀, f(η) − f(0) − ε|f(0)|) (Hager–Zhang)
      const decreaseError = (eta: NDArray, val: NDArray, slope: NDArray) => {
        let e = val.sub(valueInit).sub(eta.mul(slopeInit).mul(slopeRtol));
        if (approxDecRtol !== null) {
          const approx = np.maximum(
            slope.sub(slopeInit.mul(2 * slopeRtol - 1)),
            val.sub(valueInit).sub(np.abs(valueInit).mul(approxDecRtol)),
          );
          e = np.minimum(approx, e);
        }
        return nanToInf(f(np.maximum(e, 0)));
      };
      // curvature error: max(|s(η)| − c₂ |s₀|, 0), NaN → ∞
      const curvatureError = (slope: NDArray) =>
        nanToInf(f(np.maximum(np.abs(slope).sub(np.abs(slopeInit).mul(curvRtol)), 0)));
      const guess = initialGuessStrategy === "one" ? f(1) : f(state.learningRate);
      const zero = f(0), F = np.array(false), inf = f(Infinity);
      const init: Carry = {
        count: np.zeros([], { dtype: "int32" }),
        stepsize: zero,
        value: valueInit,
        grad,
        slope: slopeInit,
        decreaseError: inf,
        curvatureError: inf,
        error: inf,
        intervalFound: F,
        done: F,
        failed: F,
        low: zero,
        valueLow: valueInit,
        slopeLow: slopeInit,
        high: zero,
        valueHigh: valueInit,
        slopeHigh: slopeInit,
        cubicRef: zero,
        valueCubicRef: valueInit,
        safeStepsize: zero,
        safeValue: valueInit,
        safeGrad: grad,
      };

      // phase 1: grow the step until [low, high] brackets a Wolfe step
      const searchInterval = (s: Carry): Carry => {
        const first = s.count.equal(0);
        let eta = sel(first, guess, s.stepsize.mul(increaseFactor));
        let maxReached = F;
        if (maxLearningRate !== undefined) {
          maxReached = eta.greaterEqual(maxLearningRate);
          eta = f(np.minimum(eta, maxLearningRate));
        }
        const [val, g, slope] = onLine(eta);
        const dec = decreaseError(eta, val, slope), curv = curvatureError(slope);
        const error = np.maximum(dec, curv);
        const safe = dec.lessEqual(tol);
        const highToNew = np.logicalOr(
          dec.greater(0),
          np.logicalAnd(val.greaterEqual(s.value), s.count.greater(0)),
        );
        const lowToNew = np.logicalAnd(slope.greaterEqual(0), np.logicalNot(highToNew));
        // default: low = previous, high = new; swapped when the new point is the low one
        const low = sel(lowToNew, eta, s.stepsize), high = sel(lowToNew, s.stepsize, eta);
        const valueLow = sel(lowToNew, val, s.value), valueHigh = sel(lowToNew, s.value, val);
        const slopeLow = sel(lowToNew, slope, s.slope), slopeHigh = sel(lowToNew, s.slope, slope);
        const found = np.logicalOr(np.logicalOr(highToNew, lowToNew), error.lessEqual(tol));
        const done = np.logicalOr(
          error.lessEqual(tol),
          np.logicalAnd(maxReached, np.logicalNot(found)),
        );
        const failed = np.logicalAnd(
          s.count.add(1).greaterEqual(maxLinesearchSteps),
          np.logicalNot(done),
        );
        return {
          count: s.count.add(1),
          stepsize: eta,
          value: val,
          grad: g,
          slope,
          decreaseError: dec,
          curvatureError: curv,
          error,
          intervalFound: found,
          done,
          failed,
          low,
          valueLow,
          slopeLow,
          high,
          valueHigh,
          slopeHigh,
          cubicRef: low,
          valueCubicRef: valueLow,
          safeStepsize: sel(safe, eta, s.safeStepsize),
          safeValue: sel(safe, val, s.safeValue),
          safeGrad: selTree(safe, g, s.safeGrad),
        };
      };

      // phase 2: shrink [low, high] by cubic, quadratic or bisection steps
      const zoom = (s: Carry): Carry => {
        const delta = np.abs(s.high.sub(s.low));
        const left = np.minimum(s.high, s.low), right = np.maximum(s.high, s.low);
        const tooSmall = delta.lessEqual(stepsizePrecision);
        const inside = (x: NDArray, margin: number) =>
          np.logicalAnd(
            x.greater(left.add(delta.mul(margin))),
            x.less(right.sub(delta.mul(margin))),
          );
        const mCubic = f(cubicmin(
          s.low,
          s.valueLow,
          s.slopeLow,
          s.high,
          s.valueHigh,
          s.cubicRef,
          s.valueCubicRef,
        ));
        const useCubic = inside(mCubic, 0.2);
        const mQuad = f(quadmin(s.low, s.valueLow, s.slopeLow, s.high, s.valueHigh));
        const useQuad = np.logicalAnd(np.logicalNot(useCubic), inside(mQuad, 0.1));
        const useBisect = np.logicalAnd(np.logicalNot(useCubic), np.logicalNot(useQuad));
        let mid = sel(useCubic, mCubic, s.cubicRef);
        mid = sel(useQuad, mQuad, mid);
        mid = sel(useBisect, f(s.low.add(s.high).div(2)), mid);
        const [val, g, slope] = onLine(mid);
        const dec = decreaseError(mid, val, slope), curv = curvatureError(slope);
        const error = np.maximum(dec, curv);
        const newSafe = np.logicalAnd(dec.lessEqual(tol), val.less(s.safeValue));
        const safeStepsize = sel(newSafe, mid, s.safeStepsize);
        const done = error.lessEqual(tol);
        const highToMid = np.logicalOr(dec.greater(0), val.greaterEqual(s.valueLow));
        const highToLow = np.logicalAnd(
          slope.mul(s.high.sub(s.low)).greaterEqual(0),
          np.logicalNot(highToMid),
        );
        const lowToMid = np.logicalNot(highToMid);
        const high1 = sel(highToMid, mid, s.high), vHigh1 = sel(highToMid, val, s.valueHigh);
        const sHigh1 = sel(highToMid, slope, s.slopeHigh);
        const refToHigh = np.logicalOr(highToMid, highToLow);
        const presumablyFailed = np.logicalOr(
          s.count.add(1).greaterEqual(maxLinesearchSteps),
          np.logicalAnd(tooSmall, safeStepsize.greater(0)),
        );
        return {
          count: s.count.add(1),
          stepsize: mid,
          value: val,
          grad: g,
          slope,
          decreaseError: dec,
          curvatureError: curv,
          error,
          intervalFound: s.intervalFound,
          done,
          failed: np.logicalAnd(presumablyFailed, np.logicalNot(done)),
          low: sel(lowToMid, mid, s.low),
          valueLow: sel(lowToMid, val, s.valueLow),
          slopeLow: sel(lowToMid, slope, s.slopeLow),
          high: sel(highToLow, s.low, high1),
          valueHigh: sel(highToLow, s.valueLow, vHigh1),
          slopeHigh: sel(highToLow, s.slopeLow, sHigh1),
          cubicRef: sel(refToHigh, s.high, s.low),
          valueCubicRef: sel(refToHigh, s.valueHigh, s.valueLow),
          safeStepsize,
          safeValue: sel(newSafe, val, s.safeValue),
          safeGrad: selTree(newSafe, g, s.safeGrad),
        };
      };

      // on failure: the safe step if there is one (or if the last trial left the domain)
      const trySafe = (s: Carry): Carry => {
        const useSafe = np.logicalOr(s.safeStepsize.greater(0), np.isinf(s.decreaseError));
        return {
          ...s,
          stepsize: sel(useSafe, s.safeStepsize, s.stepsize),
          value: sel(useSafe, s.safeValue, s.value),
          grad: selTree(useSafe, s.safeGrad, s.grad),
        };
      };

      const out = whileLoop(
        (s: Carry) => np.logicalNot(np.logicalOr(s.done, s.failed)),
        (s: Carry): Carry => {
          const next = cond(s.intervalFound, zoom, searchInterval, s);
          return cond(next.failed, trySafe, (x: Carry) => x, next);
        },
        init,
      );
      const learningRate = out.stepsize;
      return [map((u) => u.mul(learningRate.astype(u.dtype)), updates), {
        learningRate,
        value: out.value,
        grad: out.grad,
        info: {
          numLinesearchSteps: out.count,
          decreaseError: out.decreaseError,
          curvatureError: out.curvatureError,
        },
      }];
    },
  });
}
