"""Multinomial logistic regression on scikit-learn's bundled digits, in plain NumPy.

The model and its softmax cross-entropy are ordinary NumPy code on ``ga.Variable`` weights;
``ga.implicit_value_and_gradients`` differentiates the loss with respect to the Variables it
reads and ``ga.train.GradientDescentOptimizer`` updates them (full-batch, TF 1.x eager style).
The data set ships with scikit-learn (``load_digits``: 1797 8x8 images), so nothing is
downloaded.

    python examples/logistic_digits.py [--epochs 200] [--lr 0.5] [--quick] [--out-dir DIR]

Prints the loss and the test accuracy and writes ``logistic_digits.png`` (loss curves).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from sklearn.datasets import load_digits
from tqdm import tqdm

import gradarray as ga


def load(test_fraction: float = 0.25, seed: int = 0) -> tuple[np.ndarray, ...]:
    """Digits scaled to [0, 1], shuffled and split: ``(x_train, y_train, x_test, y_test)``."""
    x, y = load_digits(return_X_y=True)
    x = x / 16.0
    order = np.random.default_rng(seed).permutation(len(x))
    n_test = int(len(x) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    return x[train], y[train], x[test], y[test]


def cross_entropy(logits, labels):
    """Mean softmax cross-entropy; subtracting the row max keeps ``exp`` from overflowing."""
    z = logits - np.max(logits, axis=1, keepdims=True)
    log_norm = np.log(np.sum(np.exp(z), axis=1))
    return np.mean(log_norm - z[np.arange(len(labels)), labels])


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--lr", type=float, default=0.5)
    parser.add_argument("--quick", action="store_true", help="20 epochs (for tests)")
    parser.add_argument("--out-dir", default=os.path.dirname(os.path.abspath(__file__)))
    args = parser.parse_args(argv)
    epochs = 20 if args.quick else args.epochs

    x_train, y_train, x_test, y_test = load()
    n_features, n_classes = x_train.shape[1], 10
    w = ga.Variable(np.zeros((n_features, n_classes)), name="w")
    b = ga.Variable(np.zeros(n_classes), name="b")

    def model(x):
        return x @ w + b

    def loss(x, y):
        return cross_entropy(model(x), y)

    value_and_grads = ga.implicit_value_and_gradients(loss)
    optimizer = ga.train.GradientDescentOptimizer(learning_rate=args.lr)

    train_losses, test_losses = [], []
    start = time.perf_counter()
    bar = tqdm(range(epochs), desc="logistic", unit="epoch")
    for _ in bar:
        value, grads_and_vars = value_and_grads(x_train, y_train)
        optimizer.apply_gradients(grads_and_vars)
        train_losses.append(float(value))
        # Outside a gradient computation nothing is recorded: this is plain NumPy speed.
        test_losses.append(float(loss(x_test, y_test)))
        bar.set_postfix(loss=f"{train_losses[-1]:.3f}", refresh=False)
    took = time.perf_counter() - start

    accuracy = float(np.mean(np.argmax(model(x_test), axis=1) == y_test))
    print(f"{epochs} epochs in {took:.2f} s: train loss {train_losses[0]:.3f} -> "
          f"{train_losses[-1]:.3f}, test loss {test_losses[-1]:.3f}, "
          f"test accuracy {accuracy:.1%} ({len(y_test)} images)")

    path = os.path.join(args.out_dir, "logistic_digits.png")
    plot(train_losses, test_losses, path)
    print(f"Plot saved to {path}")
    return {"train_loss": train_losses, "test_loss": test_losses, "accuracy": accuracy,
            "plot": path}


def plot(train_losses: list[float], test_losses: list[float], path: str) -> None:
    """Save the loss curves as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(train_losses, label="train")
    ax.plot(test_losses, label="test")
    ax.set_xlabel("epoch (full-batch gradient descent step)")
    ax.set_ylabel("cross-entropy")
    ax.set_title("Logistic regression on load_digits")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    main()
