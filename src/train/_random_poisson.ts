/**
 * Poisson samples as JAX's `poisson` draws them (Knuth's method for small rates, PTRS
 * rejection for large ones), in JS loops over all lanes with the same keys.
 */
import type { NDArray } from "../core/_ndarray.ts";
import { ArrayValue } from "../core/_array_value.ts";
import { lgamma } from "../kernels/special.ts";
import * as np from "../numpy/numpy.ts";
import { checkArity, concrete, concreteKey, uniformsInto } from "./_random_core.ts";
import { paramValues, resolve } from "./_random_params.ts";

type Key = [number, number];

/**
 * Poisson(λ) samples as JAX: Knuth's method (count uniforms until their
 * product drops below e^−λ) for λ < 10, Hörmann's transformed rejection
 * (PTRS, 1993) otherwise, both drawing whole-shape uniforms per round from
 * split keys. Needs a concrete key and λ.
 *
 * @param key A key.
 * @param lam The rate (≥ 0).
 * @param shape The sample shape (default: the shape of lam).
 * @returns int32 samples.
 *
 * @example
 * ```ts
 * import { random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 *
 * const x = random.poisson(random.key(0), 4, [4000]);
 * assert.ok(Math.abs((x.astype("float32").mean().item() as number) - 4) < 0.15);
 * ```
 */
export function poisson(key: NDArray, lam: number | NDArray, shape?: readonly number[]): NDArray {
  checkArity("poisson", arguments.length, 3);
  const { s } = resolve("poisson", key, shape, [lam], "float32");
  const r = Math.fround;
  const lams = paramValues("poisson", lam, s).map(r);
  if (lams.some((l) => !(l >= 0))) {
    throw new RangeError(`random.poisson: lam must be non-negative.`);
  }
  const n = lams.length;
  const [k0, k1] = concreteKey("poisson", key);
  const us = new Float64Array(n), vs = new Float64Array(n), words = new Uint32Array(n);
  // Knuth, on the lanes with λ < 10 (the others run with λ = 0 and stop at once). log u ≤ 0,
  // so a lane's log-product only falls: once it is ≤ −λ the lane is done for good, and
  // each round visits only the lanes still running (lane i reads the round's i-th uniform)
  const kOut = new Int32Array(n);
  const logProd = new Float64Array(n);
  const active = new Int32Array(n);
  let live = 0;
  for (let i = 0; i < n; i++) if (lams[i] < 10 && 0 > -lams[i]) active[live++] = i;
  let rng: Key = [k0, k1];
  while (live > 0) {
    const [next, sub] = concrete.split(rng[0], rng[1], 2);
    rng = next;
    uniformsInto(sub, n, "float32", us, words);
    let kept = 0;
    for (let j = 0; j < live; j++) {
      const i = active[j];
      kOut[i] += 1;
      logProd[i] = r(logProd[i] + r(Math.log(us[i])));
      if (logProd[i] > -lams[i]) active[kept++] = i;
    }
    live = kept;
  }
  // rejection, on the lanes with λ ≥ 10 (the others run with λ = 1e5). As in JAX a later
  // acceptance overwrites an earlier one until every lane has accepted, so the λ ≥ 10 lanes
  // run every round, the placeholders only until their first acceptance
  const logLam = new Float64Array(n), B = new Float64Array(n), A = new Float64Array(n);
  const invAlpha = new Float64Array(n), vR = new Float64Array(n), lr = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const l = lams[i] < 10 ? 1e5 : lams[i];
    lr[i] = l;
    logLam[i] = r(Math.log(l));
    const b = r(0.931 + r(2.53 * r(Math.sqrt(l))));
    B[i] = b;
    A[i] = r(-0.059 + r(0.02483 * b));
    invAlpha[i] = r(1.1239 + r(1.1328 / r(b - 3.4)));
    vR[i] = r(0.9277 - r(3.6224 / r(b - 2)));
  }
  const rej = new Int32Array(n).fill(-1);
  const accepted = new Uint8Array(n);
  let waiting = n;
  rng = [k0, k1];
  while (waiting > 0) {
    const [next, s0, s1] = concrete.split(rng[0], rng[1], 3);
    rng = next;
    uniformsInto(s0, n, "float32", us, words);
    uniformsInto(s1, n, "float32", vs, words);
    for (let i = 0; i < n; i++) {
      const knuth = lams[i] < 10;
      if (knuth && accepted[i]) continue;
      const l = lr[i], a = A[i], b = B[i];
      const u = r(us[i] - 0.5), v = vs[i];
      const uShift = r(0.5 - Math.abs(u));
      // k = ⌊(2a/u_s + b)·u + λ + 0.43⌋
      const k = Math.floor(r(r(r(r(r(2 * a) / uShift) + b) * u) + l) + 0.43);
      let accept = uShift >= 0.07 && v <= vR[i];
      if (!accept && !(k < 0 || (uShift < 0.013 && v > uShift))) {
        // log of the hat's ratio against log p(k) = −λ + k log λ − log k!
        const sLog = r(Math.log(r(r(v * invAlpha[i]) / r(r(a / r(uShift * uShift)) + b))));
        const tLog = r(r(-l + r(k * logLam[i])) - r(lgamma(k + 1)));
        accept = sLog <= tLog;
      }
      if (accept) {
        rej[i] = k;
        if (!accepted[i]) {
          accepted[i] = 1;
          waiting--;
        }
      }
    }
  }
  const res = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    res[i] = lams[i] === 0 ? 0 : lams[i] < 10 ? kOut[i] - 1 : rej[i];
  }
  return np.array(new ArrayValue(res, [...s], "int32"));
}
