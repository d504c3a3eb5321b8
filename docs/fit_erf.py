"""Fits the polynomial coefficients of jit's float32 erf (src/jit/_wasm_special.ts).

    python3 docs/fit_erf.py        (needs numpy and mpmath)

erf(x)/x as a polynomial in t = x^2 on [0, 1], and erfc(x)*exp(x^2) as a polynomial in u = 1/x
on [1/4, 1]: least squares on Chebyshev nodes, weighted for relative error against mpmath's
40-digit values, then reweighted toward the largest errors (an approximation of minimax).
Prints the coefficients (constant term first) and the largest relative error on the nodes.
"""
import numpy as np
import mpmath as mp

mp.mp.dps = 40


def fit(f, lo, hi, deg, n=2000):
    k = np.arange(n)
    v = (lo + hi) / 2 + (hi - lo) / 2 * np.cos(np.pi * (k + 0.5) / n)
    y = np.array([float(f(vi)) for vi in v])
    w = 1 / np.abs(y)
    V = np.vander(v, deg + 1, increasing=True)
    for _ in range(30):
        c, *_ = np.linalg.lstsq(V * w[:, None], y * w, rcond=None)
        err = (V @ c - y) / y
        w = w * (1 + 50 * np.abs(err) / np.abs(err).max())
    return c, np.abs((V @ c - y) / y).max()


small = lambda t: mp.erf(mp.sqrt(t)) / mp.sqrt(t) if t > 0 else 2 / mp.sqrt(mp.pi)
large = lambda u: mp.erfc(1 / u) * mp.exp(1 / u**2)
for name, f, lo, hi, deg in [("ERF_SMALL", small, 0.0, 1.0, 6), ("ERFC_LARGE", large, 0.25, 1.0, 10)]:
    c, e = fit(f, lo, hi, deg)
    print(f"{name} (max relative error {e:.2e}):", ", ".join(repr(float(x)) for x in c))
