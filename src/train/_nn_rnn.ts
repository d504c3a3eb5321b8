/**
 * Recurrent cells as plain step functions, `apply(params, carry, x) → [carry, y]`,
 * the shape `lax.scan` iterates (flax's `LSTMCell` and `GRUCell` equations).
 * Re-exported by `nn.ts`.
 *
 * @module
 */
import type { NDArray } from "../core/_ndarray.ts";
import { fmtShape } from "../core/_shape.ts";
import { requireArray } from "../core/_validate.ts";
import * as np from "../numpy/numpy.ts";
import * as random from "./random.ts";

/** A recurrent cell: parameters, an initial carry and one step. */
export interface RnnCell<P, C> {
  /** Input kernels LeCun-normal, recurrent kernels orthogonal, biases zero. */
  init(key: NDArray): P;
  /** Zeros for a batch of `batchShape`. */
  initialCarry(batchShape?: readonly number[]): C;
  /** One step: the new carry and the output. */
  apply(params: P, carry: C, x: NDArray): [C, NDArray];
}

/** Kernels and bias of one gate. */
export interface GateParams {
  /** [in, hidden]. */
  readonly wi: NDArray;
  /** [hidden, hidden]. */
  readonly wh: NDArray;
  /** [hidden]. */
  readonly b: NDArray;
}

const gate = (p: GateParams, x: NDArray, h: NDArray) =>
  np.matmul(x, p.wi).add(np.matmul(h, p.wh)).add(p.b);

function gateInit(key: NDArray, inFeatures: number, hidden: number): GateParams {
  const [ki, kh] = random.split(key);
  return {
    wi: random.truncatedNormal(ki, -2, 2, [inFeatures, hidden])
      .mul(Math.sqrt(1 / inFeatures) / 0.87962566103423978),
    wh: random.orthogonal(kh, hidden),
    b: np.zeros([hidden]),
  };
}

/** Checks one step's input [..., inFeatures] and hidden state(s) [..., hidden]. */
function checkStep(
  op: string,
  x: unknown,
  states: [string, unknown][],
  inFeatures: number,
  hidden: number,
): void {
  requireArray(`nn.${op}.apply`, "x", x);
  if (x.ndim < 1 || x.shape[x.ndim - 1] !== inFeatures) {
    throw new TypeError(
      `nn.${op}.apply: x must have ${inFeatures} features on its last axis, got shape ` +
        `${fmtShape(x.shape)}.`,
    );
  }
  for (const [what, h] of states) {
    requireArray(`nn.${op}.apply`, what, h);
    if (h.ndim < 1 || h.shape[h.ndim - 1] !== hidden) {
      throw new TypeError(
        `nn.${op}.apply: ${what} must have ${hidden} features on its last axis (start from ` +
          `initialCarry(batchShape)), got shape ${fmtShape(h.shape)}.`,
      );
    }
  }
}

function checkSizes(op: string, inFeatures: number, hidden: number): void {
  if (!Number.isInteger(inFeatures) || inFeatures < 1 || !Number.isInteger(hidden) || hidden < 1) {
    throw new RangeError(
      `nn.${op}: inFeatures and hidden must be positive integers, got ${inFeatures} and ${hidden}.`,
    );
  }
}

/** The parameters of {@link lstmCell}: input, forget, cell and output gates. */
export interface LstmParams {
  /** Input gate. */
  readonly i: GateParams;
  /** Forget gate. */
  readonly f: GateParams;
  /** Cell candidate. */
  readonly g: GateParams;
  /** Output gate. */
  readonly o: GateParams;
}

/** The carry of {@link lstmCell}. */
export interface LstmCarry {
  /** Cell state. */
  readonly c: NDArray;
  /** Hidden state. */
  readonly h: NDArray;
}

/**
 * An LSTM cell (Hochreiter & Schmidhuber 1997): i, f, o = σ(·), g = tanh(·) of
 * x·Wᵢ + h·Wₕ + b; c′ = f·c + i·g; h′ = o·tanh(c′); the output is h′.
 * @param inFeatures Input width.
 * @param hidden Hidden width.
 * @returns The cell.
 * @example
 * ```ts
 * import { nn, np, random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const cell = nn.lstmCell(3, 4);
 * const p = cell.init(random.key(0));
 * const [carry, y] = cell.apply(p, cell.initialCarry([2]), np.ones([2, 3]));
 * assert.deepEqual([carry.c.shape, y.shape], [[2, 4], [2, 4]]);
 * ```
 */
export function lstmCell(inFeatures: number, hidden: number): RnnCell<LstmParams, LstmCarry> {
  checkSizes("lstmCell", inFeatures, hidden);
  return {
    init(key) {
      const [a, b, c, d] = random.split(key, 4);
      return {
        i: gateInit(a, inFeatures, hidden),
        f: gateInit(b, inFeatures, hidden),
        g: gateInit(c, inFeatures, hidden),
        o: gateInit(d, inFeatures, hidden),
      };
    },
    initialCarry: (batch = []) => ({
      c: np.zeros([...batch, hidden]),
      h: np.zeros([...batch, hidden]),
    }),
    apply(p, carry, x) {
      checkStep("lstmCell", x, [["carry.c", carry?.c], ["carry.h", carry?.h]], inFeatures, hidden);
      const i = np.sigmoid(gate(p.i, x, carry.h));
      const f = np.sigmoid(gate(p.f, x, carry.h));
      const g = np.tanh(gate(p.g, x, carry.h));
      const o = np.sigmoid(gate(p.o, x, carry.h));
      const c = f.mul(carry.c).add(i.mul(g));
      const h = o.mul(np.tanh(c));
      return [{ c, h }, h];
    },
  };
}

/** The parameters of {@link gruCell}: reset, update and candidate gates. */
export interface GruParams {
  /** Reset gate. */
  readonly r: GateParams;
  /** Update gate. */
  readonly z: GateParams;
  /** Candidate, with its recurrent bias `bh`. */
  readonly n: GateParams & { readonly bh: NDArray };
}

/**
 * A GRU cell (Cho et al. 2014): r, z = σ(x·Wᵢ + h·Wₕ + b),
 * n = tanh(x·Wᵢₙ + bₙ + r·(h·Wₕₙ + bₕₙ)), h′ = (1 − z)·n + z·h; the output is h′.
 * @param inFeatures Input width.
 * @param hidden Hidden width.
 * @returns The cell (its carry is the hidden state).
 * @example
 * ```ts
 * import { nn, np, random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const cell = nn.gruCell(3, 4);
 * const p = cell.init(random.key(0));
 * const [h, y] = cell.apply(p, cell.initialCarry([2]), np.ones([2, 3]));
 * assert.deepEqual([h.shape, y.shape], [[2, 4], [2, 4]]);
 * ```
 */
export function gruCell(inFeatures: number, hidden: number): RnnCell<GruParams, NDArray> {
  checkSizes("gruCell", inFeatures, hidden);
  return {
    init(key) {
      const [a, b, c] = random.split(key, 3);
      return {
        r: gateInit(a, inFeatures, hidden),
        z: gateInit(b, inFeatures, hidden),
        n: { ...gateInit(c, inFeatures, hidden), bh: np.zeros([hidden]) },
      };
    },
    initialCarry: (batch = []) => np.zeros([...batch, hidden]),
    apply(p, h, x) {
      checkStep("gruCell", x, [["carry", h]], inFeatures, hidden);
      const r = np.sigmoid(gate(p.r, x, h));
      const z = np.sigmoid(gate(p.z, x, h));
      const n = np.tanh(
        np.matmul(x, p.n.wi).add(p.n.b).add(r.mul(np.matmul(h, p.n.wh).add(p.n.bh))),
      );
      const next = np.sub(1, z).mul(n).add(z.mul(h));
      return [next, next];
    },
  };
}
