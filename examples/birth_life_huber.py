"""The seed program: linear regression with a Huber loss, one example at a time.

Ported from a 2019 TensorFlow 1.x eager study note (Stanford CS20) by changing its imports:
``tfe.`` and ``tf.train.`` became ``ga.``/``ga.train.``, ``tf.abs`` became ``np.abs``.  The
variables are float32 as TF's were (NumPy would make ``0.0`` float64).

    python examples/birth_life_huber.py [--epochs 100] [--loss huber|squared] [--out-dir DIR]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import gradarray as ga  # was: import tensorflow as tf; import tensorflow.contrib.eager as tfe
from gradarray.demo import convergence_note, read_birth_life_data

w = ga.Variable(0.0, dtype=np.float32)
b = ga.Variable(0.0, dtype=np.float32)


def prediction(x):
    return x * w + b


def squared_loss(y, y_predicted):
    return (y - y_predicted) ** 2


def huber_loss(y, y_predicted, m=1.0):
    t = y - y_predicted
    # Python control flow on an eager value (graph-mode TF needed tf.cond).
    return 0.5 * t ** 2 if np.abs(t) <= m else m * (np.abs(t) - 0.5 * m)


def train(loss_fn, data, epochs=100, log=print):
    """Per-example SGD from w = b = 0; returns the mean loss every 10 epochs and the time."""
    w.assign(0.0)
    b.assign(0.0)
    n_samples = len(data)
    log("Training; loss function: " + loss_fn.__name__)
    optimizer = ga.train.GradientDescentOptimizer(learning_rate=0.01)

    def loss_for_example(x, y):
        return loss_fn(y, prediction(x))

    grad_fn = ga.implicit_value_and_gradients(loss_for_example)
    means = {}
    start = time.perf_counter()
    for epoch in range(epochs):
        total_loss = 0.0
        for x_i, y_i in data:
            loss, gradients = grad_fn(x_i, y_i)
            optimizer.apply_gradients(gradients)
            total_loss += loss
        if epoch % 10 == 0:
            means[epoch] = float(total_loss / n_samples)
            log(f"Epoch {epoch}: {means[epoch]:.2f}")
    took = time.perf_counter() - start
    log(f"Took: {took:f} seconds")
    return means, took


def plot(data, path, loss="huber", epochs=100):
    """Save the data, the fitted line ``x * w + b`` and the least-squares line as a PNG
    (needs matplotlib)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = np.sort(data[:, 0])
    slope, intercept = np.polyfit(data[:, 0].astype(float), data[:, 1].astype(float), 1)
    fig, ax = plt.subplots()
    ax.plot(data[:, 0], data[:, 1], "bo", label="data")
    ax.plot(x, x * w.numpy() + b.numpy(), "r", label=f"{loss} regression")
    ax.plot(x, x * slope + intercept, "k--", label="least squares (np.polyfit), for reference")
    ax.set_title(f"Birth rate vs. life expectancy, 2010\n{loss} loss, {epochs} epochs of "
                 "per-example SGD", fontsize=11)
    ax.set_xlabel("birth rate")
    ax.set_ylabel("life expectancy")
    ax.legend(loc="lower left", fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=100,
                        help="passes over the 190 examples (default: 100, as in 2019)")
    parser.add_argument("--loss", choices=["huber", "squared"], default="huber",
                        help="the loss (default: huber, written with a Python if)")
    parser.add_argument("--out-dir", default=os.path.dirname(os.path.abspath(__file__)),
                        help="folder for birth_life_huber.png (default: examples/)")
    args = parser.parse_args(argv)
    data, n_samples = read_birth_life_data()
    train(huber_loss if args.loss == "huber" else squared_loss, data, args.epochs)
    print(f"w = {float(w):.4f}, b = {float(b):.4f}")
    print(convergence_note(data, w, b, args.epochs, args.loss))
    try:
        path = plot(data, os.path.join(args.out_dir, "birth_life_huber.png"), args.loss,
                    args.epochs)
    except ImportError:
        print("matplotlib is not installed: no plot (pip install gradarray[demo])")
    else:
        print(f"Plot saved to {path}")


if __name__ == "__main__":
    main()
