"""A small MLP classifier on scikit-learn's bundled digits, in plain NumPy.

64 pixels -> 64 tanh units -> 10 logits, softmax cross-entropy with an L2 penalty, trained
with mini-batches: the forward pass runs under ``ga.GradientTape`` (TensorFlow 2 style), which
watches the trainable ``ga.Variable`` weights it reads, and ``ga.train.AdamOptimizer``
applies the gradients.  ``load_digits`` ships with scikit-learn: nothing is downloaded.

    python examples/mlp_digits.py [--epochs 30] [--batch-size 64] [--quick] [--out-dir DIR]

Prints the loss and the test accuracy per epoch and writes ``mlp_digits.png`` (loss and
accuracy curves).
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
    return x[order[n_test:]], y[order[n_test:]], x[order[:n_test]], y[order[:n_test]]


def cross_entropy(logits, labels):
    """Mean softmax cross-entropy (as in logistic_digits.py)."""
    z = logits - np.max(logits, axis=1, keepdims=True)
    return np.mean(np.log(np.sum(np.exp(z), axis=1)) - z[np.arange(len(labels)), labels])


def init_params(sizes: list[int], rng: np.random.Generator) -> list[ga.Variable]:
    """Glorot-uniform weights and zero biases, one (w, b) pair per layer."""
    params = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        limit = np.sqrt(6.0 / (n_in + n_out))
        params.append(ga.Variable(rng.uniform(-limit, limit, (n_in, n_out)), name=f"w{i}"))
        params.append(ga.Variable(np.zeros(n_out), name=f"b{i}"))
    return params


def forward(params: list, x):
    """Logits: tanh hidden layers, linear output layer."""
    h = x
    for w, b in zip(params[:-2:2], params[1:-2:2]):
        h = np.tanh(h @ w + b)
    return h @ params[-2] + params[-1]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.005)
    parser.add_argument("--l2", type=float, default=1e-4)
    parser.add_argument("--quick", action="store_true", help="3 epochs (for tests)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out-dir", default=os.path.dirname(os.path.abspath(__file__)))
    args = parser.parse_args(argv)
    epochs = 3 if args.quick else args.epochs

    rng = np.random.default_rng(args.seed)
    x_train, y_train, x_test, y_test = load(seed=args.seed)
    params = init_params([x_train.shape[1], args.hidden, 10], rng)
    optimizer = ga.train.AdamOptimizer(learning_rate=args.lr)

    def loss_fn(x, y):
        penalty = sum(np.sum(w ** 2) for w in params[::2])
        return cross_entropy(forward(params, x), y) + args.l2 * penalty

    history = {"step": [], "batch_loss": [], "test_loss": [], "test_accuracy": []}
    n_batches = int(np.ceil(len(x_train) / args.batch_size))
    start = time.perf_counter()
    with tqdm(total=epochs * n_batches, desc="mlp", unit="batch") as bar:
        for epoch in range(epochs):
            order = rng.permutation(len(x_train))
            for i in range(n_batches):
                batch = order[i * args.batch_size:(i + 1) * args.batch_size]
                with ga.GradientTape() as tape:
                    loss = loss_fn(x_train[batch], y_train[batch])
                grads = tape.gradient(loss, params)
                optimizer.apply_gradients(zip(grads, params))
                history["step"].append(epoch * n_batches + i)
                history["batch_loss"].append(float(loss))
                bar.update()
                bar.set_postfix(loss=f"{float(loss):.3f}", refresh=False)
            logits = forward(params, x_test)  # no tape: plain NumPy, nothing recorded
            history["test_loss"].append(float(cross_entropy(logits, y_test)))
            history["test_accuracy"].append(float(np.mean(np.argmax(logits, 1) == y_test)))
            tqdm.write(f"epoch {epoch + 1:3d}: test loss {history['test_loss'][-1]:.3f}, "
                       f"test accuracy {history['test_accuracy'][-1]:.1%}")
    took = time.perf_counter() - start
    print(f"{epochs} epochs ({epochs * n_batches} Adam steps) in {took:.2f} s; "
          f"final test accuracy {history['test_accuracy'][-1]:.1%} ({len(y_test)} images)")

    path = os.path.join(args.out_dir, "mlp_digits.png")
    plot(history, n_batches, path)
    print(f"Plot saved to {path}")
    history["plot"] = path
    return history


def plot(history: dict, n_batches: int, path: str) -> None:
    """Save the mini-batch and test loss, and the test accuracy, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    ax.plot(history["step"], history["batch_loss"], alpha=0.4, label="mini-batch")
    epoch_ends = [(e + 1) * n_batches for e in range(len(history["test_loss"]))]
    ax.plot(epoch_ends, history["test_loss"], "o-", label="test")
    ax.set_xlabel("Adam step")
    ax.set_ylabel("cross-entropy")
    ax.set_yscale("log")
    ax.legend()
    ax_acc.plot(range(1, len(epoch_ends) + 1), history["test_accuracy"], "o-")
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("test accuracy")
    fig.suptitle("MLP (64-64-10, tanh) on load_digits")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    main()
