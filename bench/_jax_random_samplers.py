"""JAX/XLA (CPU) figures for bench/random_samplers.ts: the same cases at 2^16 draws, jitted.

    python3 bench/_jax_random_samplers.py

Each case is one jitted function of a key; after two warm-up calls (compilation), each of 5
rounds times one call, or as many as fit in ~100 ms, with block_until_ready after each, and
takes the mean; the cell is the median over rounds, in µs per output element. Each call gets a
fresh key, as in the TypeScript bench.
"""

import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np

N = 2**16


def weights(n):
    return np.array([(i % 13) + 1 if i % 5 else 0 for i in range(n)], dtype=np.float32)


w64 = weights(64)
p8 = jnp.array([0.05, 0.1, 0.15, 0.2, 0.2, 0.15, 0.1, 0.05], dtype=jnp.float32)
p64 = jnp.array(w64 / w64.sum())
pN = jnp.array(weights(N))
p1024 = jnp.array(weights(1024))

CASES = {
    "multinomial n=100 [8192,8]": lambda k: jax.random.multinomial(k, 100.0, p8, shape=(N // 8, 8)),
    "multinomial n=1000 [1024,64]": lambda k: jax.random.multinomial(
        k, 1000.0, p64, shape=(N // 64, 64)
    ),
    "multinomial n=1000 [65536]": lambda k: jax.random.multinomial(k, 1000.0, pN / pN.sum()),
    "t df=5": lambda k: jax.random.t(k, 5.0, (N,)),
    "f 4,10": lambda k: jax.random.f(k, 4.0, 10.0, (N,)),
    "beta 2,6": lambda k: jax.random.beta(k, 2.0, 6.0, (N,)),
    "beta 0.5,0.5": lambda k: jax.random.beta(k, 0.5, 0.5, (N,)),
    "gamma 3": lambda k: jax.random.gamma(k, 3.0, (N,)),
    "maxwell": lambda k: jax.random.maxwell(k, (N,)),
    "choice p, 2^16 of 2^16": lambda k: jax.random.choice(k, N, (N,), p=pN),
    "choice p, 2^16 of 1024": lambda k: jax.random.choice(k, 1024, (N,), p=p1024),
}

print(f"JAX {jax.__version__} ({jax.devices()[0].platform}), {N} draws, jitted: "
      "µs per element, median of 5 rounds")
seed = 0
for name, f in CASES.items():
    g = jax.jit(f)
    for _ in range(2):
        jax.block_until_ready(g(jax.random.key(seed)))
        seed += 1
    rounds = []
    for _ in range(5):
        t0 = time.perf_counter()
        n = 0
        while n == 0 or time.perf_counter() - t0 < 0.1:
            jax.block_until_ready(g(jax.random.key(seed)))
            seed += 1
            n += 1
        rounds.append((time.perf_counter() - t0) / n)
    print(f"{name:30}{statistics.median(rounds) * 1e6 / N:10.3f}")
