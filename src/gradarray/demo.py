"""The seed program as a demo: ``python -m gradarray.demo`` (or ``gradarray-demo``).

Fits ``life expectancy = w * birth rate + b`` to the bundled 2010 data with a Huber loss
written with a Python ``if``, by per-example SGD (``implicit_value_and_gradients`` +
``GradientDescentOptimizer(0.01)``), as the 2019 TensorFlow eager note did; prints the mean
loss every 10 epochs and the time taken, and saves a plot.  The same program, written as a
script, is ``examples/birth_life_huber.py``.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Sequence
from importlib import resources
from typing import Any

import numpy as np

from .tfe import implicit_value_and_gradients
from .train import GradientDescentOptimizer
from .variables import Variable

__all__ = ["read_birth_life_data", "run", "main"]


def read_birth_life_data(path: str | None = None) -> tuple[np.ndarray, int]:
    """``(data, n_samples)``: float32 rows ``(birth rate, life expectancy)`` of the bundled
    ``birth_life_2010.txt`` (or of ``path``), as CS20's ``utils.read_birth_life_data``."""
    if path is None:
        text = resources.files("gradarray").joinpath("data/birth_life_2010.txt").read_text()
    else:
        with open(path) as f:
            text = f.read()
    rows = [line.split("\t") for line in text.splitlines()[1:] if line.strip()]
    data = np.asarray([(float(r[1]), float(r[2])) for r in rows], dtype=np.float32)
    return data, len(data)


def run(data: np.ndarray, epochs: int = 100, loss: str = "huber", dtype: Any = np.float32,
        log: Callable[[str], Any] = print) -> tuple[dict, Variable, Variable, float]:
    """Train the seed model; returns ``({epoch: mean loss}, w, b, seconds)``."""
    w = Variable(0.0, name="w", dtype=dtype)
    b = Variable(0.0, name="b", dtype=dtype)

    def prediction(x):
        return x * w + b

    def squared_loss(y, y_predicted):
        return (y - y_predicted) ** 2

    def huber_loss(y, y_predicted, m=1.0):
        t = y - y_predicted
        return 0.5 * t ** 2 if np.abs(t) <= m else m * (np.abs(t) - 0.5 * m)

    loss_fn = huber_loss if loss == "huber" else squared_loss
    optimizer = GradientDescentOptimizer(learning_rate=0.01)
    grad_fn = implicit_value_and_gradients(lambda x, y: loss_fn(y, prediction(x)))
    means = {}
    log(f"Training; loss function: {loss_fn.__name__}")
    start = time.perf_counter()
    for epoch in range(epochs):
        total_loss = 0.0
        for x_i, y_i in data:
            value, grads_and_vars = grad_fn(x_i, y_i)
            optimizer.apply_gradients(grads_and_vars)
            total_loss += value
        if epoch % 10 == 0:
            means[epoch] = float(total_loss / len(data))
            log(f"Epoch {epoch}: {means[epoch]:.2f}")
    took = time.perf_counter() - start
    log(f"Took: {took:.3f} seconds ({epochs * len(data)} steps)")
    return means, w, b, took


def save_plot(data: np.ndarray, w: Variable, b: Variable, path: str) -> str:
    """Save the data and the fitted line as a PNG (needs matplotlib)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot(data[:, 0], data[:, 1], "bo", label="data")
    order = np.argsort(data[:, 0])
    ax.plot(data[order, 0], data[order, 0] * w.numpy() + b.numpy(), "r",
            label="huber regression")
    ax.set_xlabel("birth rate")
    ax.set_ylabel("life expectancy")
    ax.legend()
    fig.savefig(path)
    plt.close(fig)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point of ``gradarray-demo``."""
    parser = argparse.ArgumentParser(prog="gradarray-demo", description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--loss", choices=["huber", "squared"], default="huber")
    parser.add_argument("--out", default=None,
                        help="where to save the plot (default: birth_life_huber.png here)")
    parser.add_argument("--no-plot", action="store_true")
    args = parser.parse_args(argv)
    data, _ = read_birth_life_data()
    _, w, b, _ = run(data, args.epochs, args.loss)
    print(f"w = {float(w):.4f}, b = {float(b):.4f}")
    if args.no_plot:
        return 0
    path = args.out or "birth_life_huber.png"
    try:
        save_plot(data, w, b, path)
    except ImportError:
        print("matplotlib is not installed, so no plot was saved (pip install gradarray[demo])")
    else:
        print(f"Plot saved to {os.path.abspath(path)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
