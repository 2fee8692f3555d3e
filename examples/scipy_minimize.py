"""Fit a Gaussian process by maximum likelihood with ``scipy.optimize.minimize(jac=True)``.

The negative log marginal likelihood of a GP with a squared-exponential kernel is plain
NumPy (``np.linalg.slogdet``, ``np.linalg.solve``) plus a SciPy special function
(``scipy.special.log_expit`` keeps the hyperparameters positive: softplus(t) =
-log_expit(-t)).  ``gradarray.value_and_grad`` turns it into the ``(value, gradient)``
pair that ``minimize(..., jac=True)`` wants, so L-BFGS-B runs without finite differences.

    python examples/scipy_minimize.py [--n 40] [--seed 0] [--out-dir DIR]

Prints the fit and writes ``scipy_minimize.png`` (data, posterior mean and 2-sigma band).
"""

from __future__ import annotations

import argparse
import math
import os

import numpy as np
import scipy.special
from scipy.optimize import check_grad, minimize

import gradarray as ga

NAMES = ("length scale", "signal std", "noise std")


def positive(t):
    """softplus(t) = log(1 + e^t), written with scipy.special.log_expit (recorded)."""
    return -scipy.special.log_expit(-t)


def kernel(xa, xb, length, signal):
    d = xa[:, None] - xb[None, :]
    return signal ** 2 * np.exp(-0.5 * (d / length) ** 2)


def neg_log_likelihood(theta, x, y):
    """-log p(y | x, theta) of a zero-mean GP; theta holds unconstrained hyperparameters."""
    length, signal, noise = positive(theta)
    k = kernel(x, x, length, signal) + (noise ** 2 + 1e-8) * np.eye(len(x))
    _, logdet = np.linalg.slogdet(k)
    alpha = np.linalg.solve(k, y)
    return 0.5 * (y @ alpha) + 0.5 * logdet + 0.5 * len(x) * math.log(2 * math.pi)


def make_data(n, seed):
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(-3, 3, n))
    y = np.sin(2 * x) + 0.3 * x + 0.2 * rng.standard_normal(n)
    return x, y


def fit(x, y, theta0):
    value_and_grad = ga.value_and_grad(neg_log_likelihood)

    def fun(theta):
        v, g = value_and_grad(ga.tensor(theta), x, y)
        return float(v), np.asarray(g, dtype=np.float64)

    err = check_grad(lambda t: fun(t)[0], lambda t: fun(t)[1], theta0)
    res = minimize(fun, theta0, jac=True, method="L-BFGS-B")
    return res, err


def predict(x, y, xs, theta):
    length, signal, noise = np.log1p(np.exp(theta))
    k = kernel(x, x, length, signal) + (noise ** 2 + 1e-8) * np.eye(len(x))
    ks = kernel(x, xs, length, signal)
    mean = ks.T @ np.linalg.solve(k, y)
    var = signal ** 2 - np.sum(ks * np.linalg.solve(k, ks), axis=0)
    return mean, np.sqrt(np.maximum(var, 0.0))


def plot(x, y, theta, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = np.linspace(-3.5, 3.5, 300)
    mean, std = predict(x, y, xs, theta)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.fill_between(xs, mean - 2 * std, mean + 2 * std, alpha=0.25, label="2-sigma band")
    ax.plot(xs, mean, label="posterior mean")
    ax.plot(x, y, "k.", label="data")
    ax.set_title("GP fitted by scipy.optimize.minimize(jac=True) with gradarray")
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=40, help="number of data points")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out-dir", default=os.path.dirname(os.path.abspath(__file__)))
    args = ap.parse_args(argv)

    x, y = make_data(args.n, args.seed)
    theta0 = np.zeros(3)
    res, err = fit(x, y, theta0)
    start = neg_log_likelihood(theta0, x, y)
    print(f"gradient vs finite differences at the start (scipy check_grad): {err:.2e}")
    print(f"negative log likelihood: {float(start):.4f} -> {res.fun:.4f} "
          f"in {res.nit} iterations, {res.nfev} value-and-gradient calls")
    for name, value in zip(NAMES, np.log1p(np.exp(res.x))):
        print(f"  {name:13s} {value:.4f}")
    print(f"converged: {bool(res.success)}")
    os.makedirs(args.out_dir, exist_ok=True)
    path = os.path.join(args.out_dir, "scipy_minimize.png")
    plot(x, y, res.x, path)
    print(f"wrote {path}")
    return res


if __name__ == "__main__":
    main()
