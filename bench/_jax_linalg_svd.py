"""JAX's side of bench/linalg_svd.ts: the same cases on the same matrices, jitted, on the CPU.

    python3 bench/_jax_linalg_svd.py [--sizes 64,256,512,1000x200,200x1000] [--dtypes float32,float64] [--reps 5]

Each cell is the median of --reps calls after one warm-up (compile) call, every output waited
for with block_until_ready. The matrix is the uniform [-1, 1) stream of the TypeScript bench
(x <- 1664525 x + 1013904223 mod 2^32).
"""
import argparse
import time

import jax

jax.config.update("jax_enable_x64", True)
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--sizes", default="64,256,512,1000x200,200x1000")
p.add_argument("--dtypes", default="float32,float64")
p.add_argument("--reps", type=int, default=5)
args = p.parse_args()


def uniforms(count, seed):
    out = np.empty(count)
    x = seed
    for i in range(count):
        x = (x * 1664525 + 1013904223) % 2**32
        out[i] = x / 2**31 - 1
    return out


cases = {
    "svd-full": jax.jit(lambda a, b: jnp.linalg.svd(a)),
    "svd-thin": jax.jit(lambda a, b: jnp.linalg.svd(a, full_matrices=False)),
    "svdvals": jax.jit(lambda a, b: jnp.linalg.svd(a, compute_uv=False)),
    "pinv": jax.jit(lambda a, b: jnp.linalg.pinv(a)),
    "lstsq": jax.jit(lambda a, b: jnp.linalg.lstsq(a, b)[:2]),
}
for size in args.sizes.split(","):
    m, n = (list(map(int, size.split("x"))) * 2)[:2]
    for dtype in args.dtypes.split(","):
        a = jnp.asarray(uniforms(m * n, 1).reshape(m, n), dtype=dtype)
        b = jnp.asarray(uniforms(m, 2), dtype=dtype)
        for name, f in cases.items():
            jax.block_until_ready(f(a, b))
            times = []
            for _ in range(args.reps):
                t0 = time.perf_counter()
                jax.block_until_ready(f(a, b))
                times.append((time.perf_counter() - t0) * 1e3)
            times.sort()
            print(f"{name:<9} {f'{m}x{n}':<9} {dtype}: {times[len(times) // 2]:.1f} ms")
