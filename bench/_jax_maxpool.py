# JAX's side of bench/maxpool_bench.ts: flax.linen.max_pool forward and gradient of
# sum(max_pool(x) * w), eager (op by op) and jitted, median of 3 after a warm-up, in ms.
#   python3 bench/_jax_maxpool.py
import time
import jax
import jax.numpy as jnp
from flax import linen as fl


def median(f, *a):
    jax.block_until_ready(f(*a))
    ts = []
    for _ in range(3):
        t = time.perf_counter()
        jax.block_until_ready(f(*a))
        ts.append((time.perf_counter() - t) * 1e3)
    return sorted(ts)[1]


for shape, k, s, pad in [
    ((32, 128, 128, 64), 3, 2, "SAME"),
    ((32, 128, 128, 64), 2, 2, "VALID"),
    ((8, 56, 56, 64), 3, 2, "SAME"),
]:
    x = jax.random.normal(jax.random.key(0), shape)
    f = lambda x: fl.max_pool(x, (k, k), strides=(s, s), padding=pad)
    w = jax.random.normal(jax.random.key(1), f(x).shape)
    g = jax.grad(lambda x: (f(x) * w).sum())
    print(f"{list(shape)} {k}x{k} s{s} {pad}  |  fwd {median(f, x):.0f}  |  grad {median(g, x):.0f}"
          f"  |  jit fwd {median(jax.jit(f), x):.0f}  |  jit grad {median(jax.jit(g), x):.0f}")
