"""Softmax regression on the digits, fitted with SciPy's L-BFGS on a Dask cluster.

The loss is the plain NumPy cross-entropy of ``logistic_digits.py``, summed over one shard of
the training images; ``gradarray.distributed.value_and_grad(..., mean=True)`` turns it into
the mean over all shards, computed where the shards live, and that ``(value, gradient)`` pair
is what ``scipy.optimize.minimize(jac=True)`` wants.  The same fit runs on a ``LocalCluster``
of 1, 2 and 4 worker processes (the curves coincide: the same sums, in the same order), or on
a real cluster with ``--scheduler tcp://host:8786``.

    python examples/distributed_fit.py [--workers 1,2,4] [--shards 8] [--maxiter 100]
                                       [--scheduler ADDRESS] [--quick] [--out-dir DIR]

Prints every iteration and writes ``distributed_fit.png`` (loss against iteration).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from distributed import Client, LocalCluster
from scipy.optimize import minimize
from sklearn.datasets import load_digits

import gradarray.distributed as gd

N_CLASSES = 10


def load(test_fraction: float = 0.25, seed: int = 0) -> tuple[np.ndarray, ...]:
    """Digits scaled to [0, 1], shuffled and split: ``(x_train, y_train, x_test, y_test)``."""
    x, y = load_digits(return_X_y=True)
    x = x / 16.0
    order = np.random.default_rng(seed).permutation(len(x))
    n_test = int(len(x) * test_fraction)
    return x[order[n_test:]], y[order[n_test:]], x[order[:n_test]], y[order[:n_test]]


def shard_loss(params, x, labels):
    """Softmax cross-entropy summed over this shard's rows (plain NumPy)."""
    logits = x @ params["w"] + params["b"]
    z = logits - np.max(logits, axis=1, keepdims=True)
    log_norm = np.log(np.sum(np.exp(z), axis=1))
    return np.sum(log_norm - z[np.arange(len(labels)), labels])


def unflatten(theta: np.ndarray, n_features: int) -> dict:
    w = theta[:n_features * N_CLASSES].reshape(n_features, N_CLASSES)
    return {"w": w, "b": theta[n_features * N_CLASSES:]}


def fit(client: Client | None, shards: list, n_features: int, *, maxiter: int, l2: float,
        label: str) -> dict:
    """L-BFGS from zero weights; the loss per iteration and the seconds per evaluation."""
    vg = gd.value_and_grad(shard_loss, client=client, mean=True)
    evals: list[float] = []

    def fun(theta):
        t0 = time.perf_counter()
        value, g = vg(unflatten(theta, n_features), shards)   # the mean over all rows
        evals.append(time.perf_counter() - t0)
        grad = np.concatenate([np.ravel(g["w"]), np.ravel(g["b"])])
        w = theta[:n_features * N_CLASSES]
        grad[:w.size] += l2 * w
        return float(value) + 0.5 * l2 * float(w @ w), grad

    losses: list[float] = []

    def progress(intermediate_result):
        losses.append(float(intermediate_result.fun))
        print(f"[{label}] iteration {len(losses) - 1:3d}  loss {losses[-1]:.6f}  "
              f"({1e3 * np.median(evals):.1f} ms per gradient)", flush=True)

    theta0 = np.zeros(n_features * N_CLASSES + N_CLASSES)
    losses.append(fun(theta0)[0])
    res = minimize(fun, theta0, jac=True, method="L-BFGS-B", callback=progress,
                   options={"maxiter": maxiter})
    return {"loss": losses, "theta": res.x, "seconds_per_gradient": float(np.median(evals)),
            "evaluations": len(evals)}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2,4", help="LocalCluster sizes to compare")
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--maxiter", type=int, default=100)
    parser.add_argument("--l2", type=float, default=1e-3)
    parser.add_argument("--scheduler", help="address of a running scheduler (tcp://host:8786);"
                        " then --workers is ignored")
    parser.add_argument("--quick", action="store_true", help="10 iterations (for tests)")
    parser.add_argument("--out-dir", default=os.path.dirname(os.path.abspath(__file__)))
    args = parser.parse_args(argv)
    maxiter = 10 if args.quick else args.maxiter

    x_train, y_train, x_test, y_test = load()
    n_features = x_train.shape[1]
    bounds = np.linspace(0, len(x_train), args.shards + 1).astype(int)
    shards = [(x_train[a:b], y_train[a:b]) for a, b in zip(bounds, bounds[1:])]
    print(f"{len(x_train)} training images in {args.shards} shards, "
          f"{n_features * N_CLASSES + N_CLASSES} parameters")

    runs: dict[str, dict] = {}
    if args.scheduler:
        with Client(args.scheduler) as client:
            n = len(client.nthreads())
            runs[f"{n} workers"] = fit(client, shards, n_features, maxiter=maxiter,
                                       l2=args.l2, label=args.scheduler)
    else:
        for n in (int(s) for s in args.workers.split(",")):
            with LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                              dashboard_address=":0") as cluster, Client(cluster) as client:
                label = f"{n} worker" + "s" * (n > 1)
                runs[label] = fit(client, shards, n_features, maxiter=maxiter, l2=args.l2,
                                  label=label)

    for label, run in runs.items():
        params = unflatten(run["theta"], n_features)
        accuracy = float(np.mean(np.argmax(x_test @ params["w"] + params["b"], axis=1)
                                 == y_test))
        run["accuracy"] = accuracy
        print(f"{label}: {len(run['loss']) - 1} iterations, final loss {run['loss'][-1]:.6f}, "
              f"{1e3 * run['seconds_per_gradient']:.1f} ms per gradient, "
              f"test accuracy {accuracy:.1%}")

    path = os.path.join(args.out_dir, "distributed_fit.png")
    plot(runs, path)
    print(f"Plot saved to {path}")
    return {"runs": runs, "plot": path}


def plot(runs: dict, path: str) -> None:
    """Loss against iteration, one curve per cluster size."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    styles = ["-", "--", ":", "-."]
    for k, (label, run) in enumerate(runs.items()):
        ax.plot(run["loss"], styles[k % len(styles)], linewidth=2.5 - 0.5 * k,
                label=f"{label} ({1e3 * run['seconds_per_gradient']:.0f} ms/gradient)")
    ax.set_yscale("log")
    ax.set_xlabel("L-BFGS iteration")
    ax.set_ylabel("mean cross-entropy + L2")
    ax.set_title("Digits softmax regression on Dask (gradarray.distributed)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    main()
