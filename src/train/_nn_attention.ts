/**
 * Attention and embeddings: `dotProductAttention` with JAX's `[batch, seq,
 * heads, headDim]` layout (masks, causal masking, scale, bias, dropout with a
 * key), `multiHeadAttention` and `embedding` as `{ init, apply }` layers whose
 * parameters are plain pytrees. Re-exported by `nn.ts`.
 *
 * @module
 */
import { checkBool, checkFinite, checkOptions, requireArray, show } from "../core/_validate.ts";
import { NDArray } from "../core/_ndarray.ts";
import { fmtShape } from "../core/_shape.ts";
import * as np from "../numpy/numpy.ts";
import * as random from "./random.ts";

/** Options of {@link dotProductAttention}. */
export interface AttentionOptions {
  /** Added to the logits, broadcast to [batch, heads, q, k]. */
  bias?: NDArray;
  /** Boolean, broadcast to [batch, heads, q, k]: false positions get no attention. */
  mask?: NDArray;
  /** Query position i attends to key positions ≤ i. */
  isCausal?: boolean;
  /** The logit scale; 1/√headDim by default. */
  scale?: number;
  /** Dropout rate on the attention weights (needs `key`); 0 by default. */
  dropoutRate?: number;
  /** A PRNG key for dropout. */
  key?: NDArray;
}

/**
 * Scaled dot-product attention (Vaswani et al. 2017), as `jax.nn.dot_product_attention`:
 * softmax(q·kᵀ·scale + bias, masked) · v per head, with −0.7·float32max as the
 * masked logit (JAX's choice, so fully masked rows stay finite). With fewer key
 * heads K than query heads N (grouped-query attention, K dividing N), query head
 * n attends with key/value head ⌊n·K/N⌋, as JAX. float16/bfloat16 logits and
 * softmax are computed in float32, as JAX; float64 stays float64 throughout
 * (JAX's XLA path computes float64 logits in float32, so its float64 results
 * differ from these by ~1e-7).
 * @param query Shape [batch, q, heads, headDim] (or without batch).
 * @param key Shape [batch, k, kvHeads, headDim] (kvHeads divides heads).
 * @param value The shape of `key`.
 * @param options `bias`, `mask`, `isCausal`, `scale`, `dropoutRate` with `key`.
 * @returns Shape [batch, q, heads, headDim].
 * @example
 * ```ts
 * import { nn, np } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const q = np.ones([1, 2, 1, 2]);
 * const v = np.reshape(np.array([1, 2, 3, 4]), [1, 2, 1, 2]);
 * const out = nn.dotProductAttention(q, q, v, { isCausal: true });
 * assert.deepEqual((out.toArray() as number[][][][])[0][0][0], [1, 2]);
 * ```
 */
export function dotProductAttention(
  query: NDArray,
  key: NDArray,
  value: NDArray,
  options: AttentionOptions = {},
): NDArray {
  checkOptions("nn.dotProductAttention", options, [
    "bias",
    "mask",
    "isCausal",
    "scale",
    "dropoutRate",
    "key",
  ]);
  requireArray("nn.dotProductAttention", "query", query);
  requireArray("nn.dotProductAttention", "key", key);
  requireArray("nn.dotProductAttention", "value", value);
  const op = "nn.dotProductAttention";
  const unbatched = query.ndim === 3;
  const q = unbatched ? np.expandDims(query, 0) : query;
  let k = unbatched ? np.expandDims(key, 0) : key;
  let v = unbatched ? np.expandDims(value, 0) : value;
  if (
    q.ndim !== 4 || k.ndim !== 4 || v.ndim !== 4 || q.shape[3] !== k.shape[3] ||
    q.shape[0] !== k.shape[0] || q.shape[2] % k.shape[2] !== 0 ||
    v.shape.some((n, i) => n !== k.shape[i])
  ) {
    throw new TypeError(
      `${op}: need query [B, T, N, H], key and value of one shape [B, S, K, H] with K dividing ` +
        `N (both rank 4, or all rank 3 without the batch axis); got ${fmtShape(query.shape)}, ` +
        `${fmtShape(key.shape)} and ${fmtShape(value.shape)}.`,
    );
  }
  const [b, t, heads] = q.shape, s = k.shape[1];
  // the logits' shape [B, N, T, S], which bias and mask must broadcast to
  const target = [b, heads, t, s];
  const broadcastable = (what: string, a: unknown): NDArray => {
    requireArray(op, what, a);
    if (a.ndim > 4 || a.shape.some((n, i) => n !== 1 && n !== target[4 - a.ndim + i])) {
      throw new TypeError(
        `${op}: ${what} must broadcast to the logits' shape [batch, heads, q, k] = ` +
          `${fmtShape(target)}, got ${fmtShape(a.shape)}.`,
      );
    }
    return a;
  };
  if (options.bias !== undefined) broadcastable("bias", options.bias);
  if (options.mask !== undefined && broadcastable("mask", options.mask).dtype !== "bool") {
    throw new TypeError(
      `${op}: mask must be a bool array (true = attend), got ${options.mask.dtype}; for an ` +
        `additive mask (0 / −inf) pass it as bias, else convert with np.notEqual(mask, 0).`,
    );
  }
  if (options.scale !== undefined) checkFinite(op, "scale", options.scale);
  const isCausal = options.isCausal !== undefined && checkBool(op, "isCausal", options.isCausal);
  const rate = options.dropoutRate === undefined
    ? 0
    : checkFinite(op, "dropoutRate", options.dropoutRate);
  if (rate < 0 || rate >= 1) {
    throw new RangeError(`${op}: dropoutRate must be in [0, 1), got ${rate}.`);
  }
  if (rate > 0 && !(options.key instanceof NDArray)) {
    throw new TypeError(
      `${op}: dropoutRate ${rate} needs a key (a PRNG key from random.key(…)), got ${
        show(options.key)
      }.`,
    );
  }
  if (k.shape[2] !== heads) {
    // grouped-query attention: query head n uses key/value head ⌊n / (N/K)⌋
    k = np.repeat(k, heads / k.shape[2], 2);
    v = np.repeat(v, heads / v.shape[2], 2);
  }
  const scale = options.scale ?? 1 / Math.sqrt(q.shape[3]);
  // logits[b, n, t, s] = Σ_h q[b, t, n, h] k[b, s, n, h] · scale
  // as JAX: float16/bfloat16 logits, masks and softmax are float32 (so the masked logit
  // −0.7·float32max stays finite and a fully masked row averages), weights cast to key's dtype
  const half = (t: string) => t === "float16" || t === "bfloat16";
  const wide = (a: NDArray) => half(a.dtype) ? a.astype("float32") : a;
  const qt = np.transpose(wide(q), [0, 2, 1, 3]), kt = np.transpose(wide(k), [0, 2, 3, 1]);
  let logits = np.matmul(qt, kt).mul(scale);
  if (options.bias !== undefined) logits = logits.add(options.bias);
  let mask = options.mask;
  if (isCausal) {
    const causal = np.greaterEqual(np.expandDims(np.arange(t), 1), np.expandDims(np.arange(s), 0));
    mask = mask === undefined ? causal : np.logicalAnd(mask, causal);
  }
  if (mask !== undefined) logits = np.where(mask, logits, -0.7 * 3.4028234663852886e38);
  // softmax over the key axis: exp(z − max) / Σ exp(z − max)
  const shifted = logits.sub(np.stopGradient(np.max(logits, { axis: -1, keepdims: true })));
  const e = np.exp(shifted);
  let weights = e.div(np.sum(e, { axis: -1, keepdims: true }));
  if (rate > 0) {
    const keep = random.bernoulli(options.key as NDArray, 1 - rate, weights.shape);
    weights = np.where(keep, weights.div(1 - rate), 0);
  }
  if (half(k.dtype)) weights = weights.astype(k.dtype);
  // out[b, t, n, h] = Σ_s w[b, n, t, s] v[b, s, n, h]
  const out = np.transpose(np.matmul(weights, np.transpose(v, [0, 2, 1, 3])), [0, 2, 1, 3]);
  return unbatched ? np.squeeze(out, 0) : out;
}

/** A projection's parameters. */
export interface ProjParams {
  /** [in, heads, headDim] (or [heads, headDim, out] for the output). */
  readonly kernel: NDArray;
  /** [heads, headDim] (or [out]). */
  readonly bias: NDArray;
}

/** The parameters of {@link multiHeadAttention}. */
export interface MultiHeadParams {
  /** The query projection. */
  readonly query: ProjParams;
  /** The key projection. */
  readonly key: ProjParams;
  /** The value projection. */
  readonly value: ProjParams;
  /** The output projection. */
  readonly out: ProjParams;
}

/** A multi-head attention layer. */
export interface MultiHeadAttention {
  /** Parameters: LeCun-normal kernels, zero biases. */
  init(key: NDArray): MultiHeadParams;
  /** Attends from `x` (queries) to `context` (keys and values; `x` by default). */
  apply(
    params: MultiHeadParams,
    x: NDArray,
    context?: NDArray,
    options?: AttentionOptions,
  ): NDArray;
}

/**
 * Multi-head attention (flax's `MultiHeadDotProductAttention`): inputs are
 * projected to `numHeads` heads of `features / numHeads` dims, attended with
 * {@link dotProductAttention}, and projected back to `features`.
 * @param features Input and output width (divisible by numHeads).
 * @param numHeads Number of heads.
 * @returns The layer.
 * @example
 * ```ts
 * import { nn, np, random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const mha = nn.multiHeadAttention(8, 2);
 * const params = mha.init(random.key(0));
 * const y = mha.apply(params, np.ones([3, 5, 8]), undefined, { isCausal: true });
 * assert.deepEqual(y.shape, [3, 5, 8]);
 * ```
 */
export function multiHeadAttention(features: number, numHeads: number): MultiHeadAttention {
  if (
    !Number.isInteger(features) || !Number.isInteger(numHeads) || numHeads < 1 ||
    features % numHeads !== 0
  ) {
    throw new RangeError(
      `nn.multiHeadAttention: features (${features}) must be a multiple of numHeads (${numHeads}).`,
    );
  }
  const h = features / numHeads;
  const proj = (k: NDArray): ProjParams => ({
    kernel: random.truncatedNormal(k, -2, 2, [features, numHeads, h])
      .mul(Math.sqrt(1 / features) / 0.87962566103423978),
    bias: np.zeros([numHeads, h]),
  });
  // x [..., D] · kernel [D, N, H] + bias → [..., N, H]
  const project = (x: NDArray, p: ProjParams) =>
    np.reshape(np.matmul(x, np.reshape(p.kernel, [features, features])), [
      ...x.shape.slice(0, -1),
      numHeads,
      h,
    ]).add(p.bias);
  return {
    init(key) {
      const [kq, kk, kv, ko] = random.split(key, 4);
      return {
        query: proj(kq),
        key: proj(kk),
        value: proj(kv),
        out: {
          kernel: random.truncatedNormal(ko, -2, 2, [numHeads, h, features])
            .mul(Math.sqrt(1 / features) / 0.87962566103423978),
          bias: np.zeros([features]),
        },
      };
    },
    apply(params, x, context, options = {}) {
      const c = context ?? x;
      const y = dotProductAttention(
        project(x, params.query),
        project(c, params.key),
        project(c, params.value),
        options,
      );
      // [..., N, H] · kernel [N, H, D] + bias → [..., D]
      const flat = np.reshape(y, [...y.shape.slice(0, -2), features]);
      return np.matmul(flat, np.reshape(params.out.kernel, [features, features])).add(
        params.out.bias,
      );
    },
  };
}

/** The parameters of {@link embedding}. */
export interface EmbeddingParams {
  /** [vocabulary, features]. */
  readonly embedding: NDArray;
}

/** An embedding layer. */
export interface Embedding {
  /** A table drawn from N(0, 1/features) (flax's default). */
  init(key: NDArray): EmbeddingParams;
  /** Looks up int32 ids: shape [...ids, features]. */
  apply(params: EmbeddingParams, ids: NDArray): NDArray;
  /** The tied output projection: x · tableᵀ, shape [..., vocabulary]. */
  attend(params: EmbeddingParams, x: NDArray): NDArray;
}

/**
 * A token embedding table (flax's `Embed`).
 * @param vocabulary Number of ids.
 * @param features Embedding width.
 * @returns The layer.
 * @example
 * ```ts
 * import { nn, np, random } from "@difftrace/difftrace";
 * import assert from "node:assert/strict";
 * const emb = nn.embedding(10, 4);
 * const p = emb.init(random.key(0));
 * assert.deepEqual(emb.apply(p, np.array([[1, 2, 3]], { dtype: "int32" })).shape, [1, 3, 4]);
 * ```
 */
export function embedding(vocabulary: number, features: number): Embedding {
  if (
    !Number.isInteger(vocabulary) || vocabulary < 1 || !Number.isInteger(features) || features < 1
  ) {
    throw new RangeError(
      `nn.embedding: vocabulary and features must be positive integers, got ${vocabulary} and ${features}.`,
    );
  }
  return {
    init: (key) => ({
      embedding: random.normal(key, [vocabulary, features]).mul(1 / Math.sqrt(features)),
    }),
    apply(params, ids) {
      if (ids.dtype !== "int32") {
        throw new TypeError(`nn.embedding: ids must be int32, got ${ids.dtype}.`);
      }
      return np.reshape(np.take(params.embedding, np.ravel(ids), 0), [...ids.shape, features]);
    },
    attend: (params, x) => np.matmul(x, np.transpose(params.embedding)),
  };
}
