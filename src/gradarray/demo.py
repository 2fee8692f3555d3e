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

__all__ = ["read_birth_life_data", "run", "least_squares_line", "convergence_note",
           "save_plot", "main"]

LEARNING_RATE = 0.01   # the 2019 note's
LABELS = {"huber": "huber regression", "squared": "squared-loss regression"}
LOSS_NAMES = {"huber": "Huber", "squared": "squared"}


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
    optimizer = GradientDescentOptimizer(learning_rate=LEARNING_RATE)
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


def least_squares_line(data: np.ndarray) -> tuple[float, float]:
    """``(w, b)`` of the least-squares line through the data (``np.polyfit``), a reference."""
    w, b = np.polyfit(data[:, 0].astype(np.float64), data[:, 1].astype(np.float64), 1)
    return float(w), float(b)


def _mean_loss(data: np.ndarray, w: float, b: float, loss: str) -> float:
    t = data[:, 1].astype(np.float64) - (data[:, 0].astype(np.float64) * w + b)
    if loss == "squared":
        return float(np.mean(t ** 2))
    a = np.abs(t)
    return float(np.mean(np.where(a <= 1.0, 0.5 * t ** 2, a - 0.5)))


def convergence_note(data: np.ndarray, w: Any, b: Any, epochs: int, loss: str = "huber"
                     ) -> str:
    """The least-squares line for reference and, when the fitted line's mean loss is well
    above that line's (the 2019 settings leave it so), a remark that it has not converged."""
    w_ls, b_ls = least_squares_line(data)
    note = (f"Least-squares line (np.polyfit, drawn for reference): w = {w_ls:.4f}, "
            f"b = {b_ls:.4f}")
    fitted = _mean_loss(data, float(w), float(b), loss)
    reference = _mean_loss(data, w_ls, b_ls, loss)
    if fitted > 1.1 * reference:
        note += (f"\nNot converged: after {epochs} epoch(s) of per-example SGD at learning "
                 f"rate {LEARNING_RATE} (the 2019 settings) the mean {LOSS_NAMES[loss]} loss "
                 f"of the fitted line is {fitted:.2f}, against {reference:.2f} for the "
                 "least-squares line. " + (
                     "It is still falling: about 300 epochs (--epochs 300) bring the line "
                     "close to the least-squares one." if loss == "huber" else
                     "At this constant learning rate each example pulls the line its own "
                     "way and it settles there, so more epochs do not help; a smaller "
                     "learning rate or full-batch steps would reach the least-squares line."))
    return note


def save_plot(data: np.ndarray, w: Variable, b: Variable, path: str,
              loss: str = "huber", epochs: int | None = None) -> str:
    """Save the data, the fitted line and the least-squares line as a PNG (needs matplotlib)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot(data[:, 0], data[:, 1], "bo", label="data")
    order = np.argsort(data[:, 0])
    x = data[order, 0]
    ax.plot(x, x * w.numpy() + b.numpy(), "r", label=LABELS[loss])
    w_ls, b_ls = least_squares_line(data)
    ax.plot(x, x * w_ls + b_ls, "k--", label="least squares (np.polyfit), for reference")
    after = "" if epochs is None else f", {epochs} epoch{'s' * (epochs != 1)} of per-example SGD"
    ax.set_title(f"Birth rate vs. life expectancy, 2010\n{LOSS_NAMES[loss]} loss{after}",
                 fontsize=11)
    ax.set_xlabel("birth rate")
    ax.set_ylabel("life expectancy")
    ax.legend(loc="lower left", fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point of ``gradarray-demo``."""
    parser = argparse.ArgumentParser(
        prog="gradarray-demo",
        description="The 2019 TensorFlow-eager seed program on gradarray: fit life expectancy "
                    "= w * birth rate + b to the bundled 2010 data by per-example SGD, print "
                    "the mean loss every 10 epochs and the time, and save a plot.")
    parser.add_argument("--epochs", type=int, default=100,
                        help="passes over the 190 examples (default: 100, as in 2019)")
    parser.add_argument("--loss", choices=["huber", "squared"], default="huber",
                        help="the loss: huber (m = 1, written with a Python if; the default) "
                             "or squared")
    parser.add_argument("--out-dir", default=".",
                        help="folder for the plot birth_life_<loss>.png (default: here)")
    parser.add_argument("--out", default=None, help=argparse.SUPPRESS)   # a file; older name
    parser.add_argument("--no-plot", action="store_true", help="do not save a plot")
    args = parser.parse_args(argv)
    data, _ = read_birth_life_data()
    _, w, b, _ = run(data, args.epochs, args.loss)
    print(f"w = {float(w):.4f}, b = {float(b):.4f}")
    print(convergence_note(data, w, b, args.epochs, args.loss))
    if args.no_plot:
        return 0
    if args.out is None:
        os.makedirs(args.out_dir, exist_ok=True)
    path = args.out or os.path.join(args.out_dir, f"birth_life_{args.loss}.png")
    try:
        save_plot(data, w, b, path, args.loss, args.epochs)
    except ImportError:
        print("matplotlib is not installed, so no plot was saved (pip install gradarray[demo])")
    else:
        print(f"Plot saved to {os.path.abspath(path)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
