"""JAX's figures for bench/row_reductions.ts: the same jitted cases, float32, ms per call,
median of 5 rounds (each round: at least 3 calls and ~300 ms, the mean).

    python3 bench/_jax_row_reductions.py
"""
import time

import jax
import jax.numpy as jnp

CASES = {
    "layerNorm": lambda x: (x - x.mean(-1, keepdims=True))
    * jax.lax.rsqrt(x.var(-1, keepdims=True) + 1e-6),
    "rmsNorm": lambda x: x * jax.lax.rsqrt(jnp.mean(x * x, -1, keepdims=True) + 1e-6),
    "softmax": lambda x: jax.nn.softmax(x, axis=-1),
    "logsumexp": lambda x: jax.nn.logsumexp(x, axis=-1),
    "layerNorm grad": jax.grad(
        lambda x: jnp.sum(
            (x - x.mean(-1, keepdims=True)) * jax.lax.rsqrt(x.var(-1, keepdims=True) + 1e-6) * x
        )
    ),
    "softmax grad": jax.grad(lambda x: jnp.sum(jax.nn.softmax(x, axis=-1) * x)),
    "sum(-1)": lambda x: x.sum(-1),
    "max(-1)": lambda x: x.max(-1),
}

for shape in [(64, 512, 768), (4096, 1024)]:
    n = 1
    for d in shape:
        n *= d
    x = (jnp.sin(jnp.arange(n, dtype=jnp.float32) * 0.37) * 3).reshape(shape)
    print(f"\n[{', '.join(map(str, shape))}]  JAX {jax.__version__}, {jax.devices()[0].platform}")
    for name, f in CASES.items():
        g = jax.jit(f)
        g(x).block_until_ready()
        times = []
        for _ in range(5):
            t0, k = time.perf_counter(), 0
            while k < 3 or time.perf_counter() - t0 < 0.3:
                g(x).block_until_ready()
                k += 1
            times.append((time.perf_counter() - t0) / k * 1000)
        print(f"{name:<16}{sorted(times)[2]:>10.2f}")
