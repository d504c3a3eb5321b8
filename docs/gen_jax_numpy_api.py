"""Writes docs/jax_numpy_api.json: the public callables of jax.numpy, jax.numpy.linalg and
jax.numpy.fft (names not starting with "_", excluding dtypes/classes and submodules), read from
the installed JAX. docs/coverage_numpy.ts turns it into docs/coverage-numpy.md.

Run: python3 docs/gen_jax_numpy_api.py && deno run -A docs/coverage_numpy.ts
"""
import inspect
import json
import pathlib
import types

import jax
import jax.numpy as jnp

out = {"jax_version": jax.__version__}
for label, mod in {"jax.numpy": jnp, "jax.numpy.linalg": jnp.linalg, "jax.numpy.fft": jnp.fft}.items():
    names = []
    for name in sorted(dir(mod)):
        if name.startswith("_"):
            continue
        obj = getattr(mod, name)
        if isinstance(obj, types.ModuleType) or inspect.isclass(obj):
            continue  # submodules, dtypes (float32, ...) and classes (ndarray, ...)
        if callable(obj):
            names.append(name)
        elif isinstance(obj, (int, float)) and not isinstance(obj, bool):
            names.append(name)  # constants: pi, e, inf, nan, ...
    out[label] = names
path = pathlib.Path(__file__).with_name("jax_numpy_api.json")
path.write_text(json.dumps(out, indent=1) + "\n")
print(f"wrote {path}: " + ", ".join(f"{k} {len(v)}" for k, v in out.items() if k != "jax_version"))
