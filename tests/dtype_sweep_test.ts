/**
 * Dtype sweep: common public functions of np, np.fft, nn and the transforms, called on
 * small fixed inputs of every storage dtype (edges included: int8 −128/127, uint8 255,
 * float16 65504, subnormals, NaN, inf), against JAX's results and result dtypes recorded by
 * tests/fixtures/gen_dtype_sweep.py. Where JAX rejects a call, difftrace must either throw a
 * clean TypeError/RangeError naming the function and the dtype, or be listed in EXTENDS (a
 * deliberate, documented extension) and then agree with the float32 answer.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { type DType, grad, jit, losses, type NDArray, nn, np, vmap } from "../mod.ts";
import { rejects } from "./_helpers.ts";

type Enc = number | "nan" | "inf" | "-inf";
interface Case {
  fn: string;
  dtype: DType;
  out?: { dtype: string; shape: number[]; values: Enc[] };
  error?: string;
}
interface Fixture {
  inputs: Record<string, [Enc[][], Enc[][]]>;
  small: Record<string, Enc[][]>;
  cases: Case[];
}
const fixture: Fixture = JSON.parse(
  readFileSync(new URL("./fixtures/dtype_sweep.json", import.meta.url), "utf8"),
);

const decode = (v: Enc): number =>
  v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : v;
const make = (rows: Enc[][], dtype: DType): NDArray =>
  np.array(rows.map((r) => r.map(decode)), { dtype });

type Call = (x: NDArray, y: NDArray, s: NDArray) => NDArray;
const pad11: [[number, number], [number, number]] = [[1, 1], [1, 1]];

/** difftrace's spelling of each fixture function (same names as the generator's CASES). */
export const CALLS: Record<string, Call> = {
  neg: (x) => np.neg(x),
  abs: (x) => np.abs(x),
  sign: (x) => np.sign(x),
  square: (x) => np.square(x),
  add: (x, y) => np.add(x, y),
  sub: (x, y) => np.sub(x, y),
  mul: (x, y) => np.mul(x, y),
  addScalar: (x) => np.add(x, 3),
  floorDivide: (x, y) => np.floorDivide(x, y),
  remainder: (x, y) => np.remainder(x, y),
  maximum: (x, y) => np.maximum(x, y),
  minimum: (x, y) => np.minimum(x, y),
  exp: (_x, _y, s) => np.exp(s),
  sqrt: (_x, _y, s) => np.sqrt(s.dtype === "bool" ? s : np.abs(s)),
  greater: (x, y) => np.greater(x, y),
  equal: (x, y) => np.equal(x, y),
  where: (x, y) => np.where(np.greater(x, y), x, y),
  clip: (x) => np.clip(x, 1, 100),
  whereScalar: (x, y) => np.where(np.greater(x, y), x, 7),
  sum: (x) => np.sum(x),
  sumAxis0: (x) => np.sum(x, { axis: 0 }),
  mean: (_x, _y, s) => np.mean(s),
  max: (x) => np.max(x),
  minAxis1: (x) => np.min(x, { axis: 1 }),
  argmax: (x) => np.argmax(x),
  argminAxis1: (x) => np.argmin(x, { axis: 1 }),
  prod: (_x, _y, s) => np.prod(s),
  cumsumAxis1: (x) => np.cumsum(x, 1),
  cumprodAxis1: (_x, _y, s) => np.cumprod(s, 1),
  any: (x) => np.any(x),
  var: (_x, _y, s) => np.variance(s),
  logsumexp: (_x, _y, s) => np.logsumexp(s),
  softmax: (_x, _y, s) => nn.softmax(s),
  sort: (x) => np.sort(x, 1),
  argsort: (x) => np.argsort(x, 1),
  topK: (_x, _y, s) => np.topK(s, 2)[0],
  unique: (_x, _y, s) => np.unique(np.concatenate([s.reshape([6]), s.reshape([6])])),
  take: (x) => np.take(x, [2, 0], 1),
  atSet: (x, y) => x.at(0, 1).set(y.index(1, 0)),
  atAdd: (x, y) => x.at(1).add(y.index(0)),
  pad: (x) => np.pad(x, 1),
  concatenate: (x, y) => np.concatenate([x, y], 0),
  stack: (x, y) => np.stack([x, y]),
  matmul: (_x, _y, s) => np.matmul(s, s.transpose(1, 0)),
  einsum: (_x, _y, s) => np.einsum("ij,kj->ik", s, s),
  maxPool2d: (x) => nn.maxPool2d(x.reshape([1, 2, 3, 1]), 2, { stride: 1, padding: pad11 }),
  avgPool2d: (_x, _y, s) => nn.avgPool2d(s.reshape([1, 2, 3, 1]), 2, { stride: 1, padding: pad11 }),
  rfftRe: (_x, _y, s) => np.fft.rfft(s.index(0))[0],
  rfftIm: (_x, _y, s) => np.fft.rfft(s.index(0))[1],
  relu: (x) => nn.relu(x),
  gelu: (_x, _y, s) => nn.gelu(s),
  silu: (_x, _y, s) => nn.silu(s),
  sigmoid: (_x, _y, s) => nn.sigmoid(s),
  logSigmoid: (_x, _y, s) => nn.logSigmoid(s),
  leakyRelu: (_x, _y, s) => nn.leakyRelu(s),
  elu: (_x, _y, s) => nn.elu(s),
  softplus: (_x, _y, s) => nn.softplus(s),
  hardTanh: (x) => nn.hardTanh(x),
  oneHot: (x) => nn.oneHot(np.array([0, 2, 1]).astype(x.dtype), 3),
  astypeInt8: (x) => x.astype("int8"),
  astypeUint8: (x) => x.astype("uint8"),
  astypeFloat16: (x) => x.astype("float16"),
  astypeBool: (x) => x.astype("bool"),
  floor: (x) => np.floor(x),
  round: (x) => np.round(x),
  meanAxis1: (x) => np.mean(x, { axis: 1 }),
  std: (_x, _y, s) => np.std(s),
  cummaxAxis1: (x) => np.cummax(x, 1),
  diff: (x) => np.diff(x, 1, 1),
  flip: (x) => np.flip(x),
  roll: (x) => np.roll(x, 1),
  repeat: (x) => np.repeat(x, 2, 1),
  tile: (x) => np.tile(x, [1, 2]),
  atMax: (x, y) => x.at(0).max(y.index(0)),
  atMul: (x, y) => x.at(1).mul(y.index(1)),
  dot: (_x, _y, s) => np.dot(s.index(0), s.index(1)),
  searchsorted: (x, y) => np.searchsorted(np.sort(x.index(0)), y.index(0)),
  inv: (_x, _y, s) => np.linalg.inv(s.index(np.s(), np.s(0, 2))),
  det: (_x, _y, s) => np.linalg.det(s.index(np.s(), np.s(0, 2))),
  norm: (_x, _y, s) => np.linalg.norm(s),
  l2Loss: (_x, _y, s) => losses.l2Loss(s),
  softmaxCrossEntropy: (_x, y, s) => losses.softmaxCrossEntropy(s, nn.softmax(y)),
  gradSumSquares: (_x, _y, s) => grad((a: NDArray) => np.sum(np.mul(a, a)))(s),
  gradLogsumexp: (_x, _y, s) => grad((a: NDArray) => np.logsumexp(a))(s),
  gradMeanTanh: (_x, _y, s) => grad((a: NDArray) => np.mean(np.tanh(a)))(s),
  vmapSoftmax: (_x, _y, s) => vmap((a: NDArray) => nn.softmax(a))(s),
  vmapArgmax: (x) => vmap((a: NDArray) => np.argmax(a))(x),
  vmapMatvec: (_x, _y, s) => vmap((r: NDArray) => np.dot(s, r))(s),
  jitWrap: (x, y) => jit((a: NDArray, b: NDArray) => a.mul(b).add(a).sub(b.mul(3)))(x, y),
  vmapSum: (x) => vmap((a: NDArray) => np.sum(a))(x),
  vmapCumsum: (x) => vmap((a: NDArray) => np.cumsum(a))(x),
};

/** Where JAX rejects and difftrace deliberately computes (README, dtypes): fn → why. */
const EXTENDS: Record<string, string> = {
  // jnp.fft.rfft rejects half-precision input (jnp.fft.fft takes it); difftrace's fft functions
  // all compute float16/bfloat16 in float32.
  "rfftRe float16": "float32",
  "rfftRe bfloat16": "float32",
  "rfftIm float16": "float32",
  "rfftIm bfloat16": "float32",
};

/** The name a rejection's message must contain, where it differs from the fixture's fn. */
const NAMES: Record<string, string> = { gradSumSquares: "grad", inv: "np.linalg.inv" };

/** Relative tolerance by result dtype: float32 kernels may differ from XLA's by a few ulps. */
const RTOL: Record<string, number> = { float16: 2e-3, bfloat16: 1.6e-2, float32: 2e-6 };

/**
 * d mean(tanh x) = (1 − tanh²x)/n cancels: difftrace rounds tanh to float16 before squaring
 * (one rounding per op), XLA keeps its fused float32 intermediate; both are a few ulps of the
 * cancelled difference away from the exact 0.011775 at x = −2 (0.011795 and 0.011719).
 */
const RTOL_CANCELLING: Record<string, number> = { float16: 1e-2, bfloat16: 5e-2, float32: 1e-5 };

function assertMatches(r: NDArray, out: NonNullable<Case["out"]>, label: string): void {
  assert.equal(r.dtype, out.dtype, `${label}: result dtype`);
  assert.deepEqual([...r.shape], out.shape, `${label}: result shape`);
  const got = Array.from(r.toTypedArray(), Number);
  const rtol = (label.startsWith("gradMeanTanh") ? RTOL_CANCELLING : RTOL)[out.dtype] ?? 0;
  for (let i = 0; i < got.length; i++) {
    const e = decode(out.values[i]), a = got[i];
    const ok = Number.isNaN(e)
      ? Number.isNaN(a)
      : !Number.isFinite(e)
      ? a === e
      : Math.abs(a - e) <= rtol * Math.abs(e) + (rtol > 0 ? 1e-6 : 0);
    assert.ok(ok, `${label}: element ${i} is ${a}, JAX gives ${e} (all: ${got.join(", ")})`);
  }
}

function inputsOf(dtype: DType): [NDArray, NDArray, NDArray] {
  const [x, y] = fixture.inputs[dtype];
  return [make(x, dtype), make(y, dtype), make(fixture.small[dtype], dtype)];
}

const byFn = new Map<string, Case[]>();
for (const c of fixture.cases) byFn.set(c.fn, [...(byFn.get(c.fn) ?? []), c]);

describe("dtype sweep against JAX", () => {
  it("covers every function the fixture records", () => {
    assert.deepEqual([...byFn.keys()].filter((k) => !(k in CALLS)), []);
  });
  for (const [fn, cases] of byFn) {
    it(`${fn} agrees with JAX on every dtype (value and result dtype) or rejects cleanly`, () => {
      for (const c of cases) {
        const label = `${fn} on ${c.dtype}`;
        const [x, y, s] = inputsOf(c.dtype);
        if (c.out) {
          let r: NDArray;
          try {
            r = CALLS[fn](x, y, s);
          } catch (e) {
            assert.fail(`${label}: JAX computes, difftrace throws ${String(e)}`);
          }
          assertMatches(r, c.out, label);
        } else if (EXTENDS[`${fn} ${c.dtype}`]) {
          const ref = cases.find((k) => k.dtype === EXTENDS[`${fn} ${c.dtype}`])!;
          assertMatches(CALLS[fn](x, y, s), ref.out!, `${label} (as float32)`);
        } else {
          const msg = rejects(() => CALLS[fn](x, y, s), TypeError, NAMES[fn] ?? fn);
          assert.match(msg, new RegExp(c.dtype), `${label}: the error names the dtype: ${msg}`);
        }
      }
    });
  }
});

describe("dtype sweep: jit and NaN", () => {
  it("jit rounds a fused convert to float32 before summing, as eager and JAX do", () => {
    // 2³¹−1 and 2³²−1 are not float32 values: each rounds up to a power of two first
    const i32 = np.array([2147483647, -2147483648, -1], { dtype: "int32" });
    const u32 = np.array([4294967295, 1], { dtype: "uint32" });
    const f64 = np.array([1 + 2 ** -30, -1], { dtype: "float64" });
    const sum32 = (a: NDArray) => np.sum(a.astype("float32"));
    assert.equal(jit((a: NDArray) => np.mean(a))(i32).toArray(), np.mean(i32).toArray());
    assert.equal(jit(sum32)(i32).toArray(), -1);
    assert.equal(jit(sum32)(u32).toArray(), 4294967296);
    assert.equal(jit(sum32)(f64).toArray(), 0);
  });

  it("jit of every swept function equals eager on every dtype", () => {
    const bad: string[] = [];
    for (const [fn, cases] of byFn) {
      for (const c of cases) {
        // unique needs a static size under jit (a clean error, tested in numpy_more_test.ts)
        if (!c.out || fn === "unique") continue;
        const [x, y, s] = inputsOf(c.dtype);
        const eager = CALLS[fn](x, y, s);
        const jitted = jit((a: NDArray, b: NDArray, t: NDArray) => CALLS[fn](a, b, t))(x, y, s);
        const e = Array.from(eager.toTypedArray(), Number),
          j = Array.from(jitted.toTypedArray(), Number);
        // exact for integer, bool and half-precision results; float32 within a few ulps
        // (fused transcendental code may round differently from the eager kernels), measured
        // against the largest finite magnitude so that a cancellation (1 − tanh²) is not flagged
        const scale = Math.max(0, ...e.filter(Number.isFinite).map(Math.abs));
        const tol = eager.dtype === "float32" ? 1e-6 * scale : 0;
        const same = jitted.dtype === eager.dtype &&
          e.every((v, i) => Object.is(v, j[i]) || v === j[i] || Math.abs(v - j[i]) <= tol);
        if (!same) bad.push(`${fn} on ${c.dtype}: eager ${e.join(",")} jit ${j.join(",")}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  it("nn activations propagate NaN on float32 and float16, as jax.nn", () => {
    const names = [
      "relu",
      "relu6",
      "leakyRelu",
      "elu",
      "celu",
      "selu",
      "gelu",
      "silu",
      "sigmoid",
      "logSigmoid",
      "softplus",
      "softSign",
      "hardSigmoid",
      "hardSwish",
      "hardTanh",
      "mish",
      "squarePlus",
      "sparsePlus",
      "sparseSigmoid",
      "tanh",
    ] as const;
    for (const dtype of ["float32", "float16"] as const) {
      for (const name of names) {
        const f = nn[name] as (x: NDArray) => NDArray;
        const r = Number(f(np.array([NaN], { dtype })).toTypedArray()[0]);
        assert.ok(Number.isNaN(r), `nn.${name}(NaN) on ${dtype} is ${r}`);
      }
    }
  });
});
