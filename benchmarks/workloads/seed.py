"""Seed: the founding program (docs: SEED.md).  Per-example SGD on a line fit with a Huber
loss written with a Python ``if``; float32; 100 epochs x 190 examples = 19,000 steps.

Every library runs the same loop: ``loss = step(x_i, y_i)`` (value, gradient and update),
``total += loss``, and the epoch's mean loss is read once per epoch.  gradarray runs the seed's
own API (``ga.Variable``, ``ga.implicit_value_and_gradients``,
``ga.train.GradientDescentOptimizer``) when it exists, else ``ga.value_and_grad`` (labelled).
JAX jit cannot trace a Python ``if`` on a traced value, so its cell uses ``jnp.where``.
A library too slow to finish within ``seed_max_seconds`` runs fewer epochs; its total is then
extrapolated from its own per-step time and labelled so.
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Any

import numpy as np
from common import check_all

LR = 0.01
M = 1.0
HERE = os.path.dirname(os.path.abspath(__file__))
DATA_PATHS = (os.path.join(HERE, "..", "..", "src", "gradarray", "data", "birth_life_2010.txt"),)
# SEED.md: mean Huber loss at epochs 0, 10, ..., 90 of the original program.
SEED_LOSSES = [60.70, 29.99, 27.13, 24.32, 21.52, 18.75, 16.02, 13.38, 10.83, 8.41]


def load_data() -> tuple[np.ndarray, str]:
    for path in DATA_PATHS:
        if os.path.exists(path):
            with open(path) as f:
                rows = [line.rstrip("\n").split("\t") for line in f.readlines()[1:]]
            data = np.array([[float(r[1]), float(r[2])] for r in rows], dtype=np.float32)
            return data, os.path.normpath(path)
    raise FileNotFoundError(f"birth_life_2010.txt not found in {DATA_PATHS}")


def huber(ns: Any, w: Any, b: Any, x: Any, y: Any) -> Any:
    t = y - (x * w + b)
    if ns.abs(t) <= M:          # ns.abs: MyGrad's Tensor has no __abs__
        return 0.5 * t ** 2
    return M * (ns.abs(t) - 0.5 * M)


def huber_where(ns: Any, w: Any, b: Any, x: Any, y: Any) -> Any:
    t = y - (x * w + b)
    return ns.where(ns.abs(t) <= M, 0.5 * t ** 2, M * (ns.abs(t) - 0.5 * M))


def floor_step(P: list, x: Any, y: Any) -> Any:
    """Hand-written gradient on NumPy float32 scalars."""
    w, b = P
    t = y - (x * w + b)
    if abs(t) <= M:
        loss, dpred = 0.5 * t ** 2, -t
    else:
        loss, dpred = M * (abs(t) - 0.5 * M), -M * np.sign(t)
    P[0] = w - LR * (dpred * x)
    P[1] = b - LR * dpred
    return loss


def train(step: Any, P: list, examples: list, epochs: int, to_float: Any) -> list:
    """The seed's loop; returns per-epoch [mean loss, w, b]."""
    history = []
    n = len(examples)
    for _ in range(epochs):
        total = 0.0
        for x_i, y_i in examples:
            total += step(P, x_i, y_i)
        history.append([to_float(total) / n, to_float(P[0]), to_float(P[1])])
    return history


def gradarray_variable_program(data: np.ndarray) -> tuple[Any, Any] | None:
    """The seed program on gradarray's tfe-style API, or None while that API is missing."""
    import gradarray as ga

    if not all(hasattr(ga, n) for n in ("Variable", "implicit_value_and_gradients", "train")):
        return None

    def program(epochs: int) -> list:
        w = ga.Variable(np.float32(0.0))
        b = ga.Variable(np.float32(0.0))

        def huber_loss(x: Any, y: Any, m: float = 1.0) -> Any:
            t = y - (x * w + b)
            return 0.5 * t ** 2 if abs(t) <= m else m * (abs(t) - 0.5 * m)

        value_and_grads = ga.implicit_value_and_gradients(huber_loss)
        optimizer = ga.train.GradientDescentOptimizer(learning_rate=LR)
        history = []
        for _ in range(epochs):
            total = 0.0
            for x_i, y_i in data:
                loss, grads_and_vars = value_and_grads(x_i, y_i)
                optimizer.apply_gradients(grads_and_vars)
                total += loss
            history.append([float(total) / len(data), float(w), float(b)])
        return history

    return program, "ga.Variable + implicit_value_and_gradients + GradientDescentOptimizer"


def run(ad: Any, cfg: Any) -> dict:
    data, path = load_data()
    epochs = 100
    if cfg.quick:
        data, epochs = data[:20], 2
    variant = None
    program = None
    if ad.name == "gradarray":
        found = gradarray_variable_program(data)
        if found is not None:
            program, variant = found
        else:
            variant = "ga.value_and_grad fallback (ga.Variable/train API not there yet)"
    if program is None:
        f = huber_where if ad.name == "jax-jit" else huber
        if ad.name == "jax-jit":
            variant = "jnp.where instead of the Python if (jit cannot branch on a tracer)"
        if ad.name == "numpy":
            step, examples = floor_step, [(x, y) for x, y in data]
            new_params = lambda: [np.float32(0.0), np.float32(0.0)]
        else:
            step = ad.sgd(f, LR)
            examples = [(ad.const(x), ad.const(y)) for x, y in data]
            new_params = lambda: ad.params([np.zeros((), np.float32)] * 2)
        to_float = lambda v: float(ad.to_numpy(v))
        program = lambda n: train(step, new_params(), examples, n, to_float)

    # Warm-up and a time estimate on one epoch; a slow library runs fewer epochs.
    t0 = time.perf_counter()
    program(1)
    per_epoch = time.perf_counter() - t0
    run_epochs = epochs
    if per_epoch * epochs > cfg.seed_max_seconds:
        run_epochs = max(1, int(cfg.seed_max_seconds / per_epoch))
    runs = []
    for _ in range(max(1, cfg.repeats)):
        t0 = time.perf_counter()
        history = program(run_epochs)
        runs.append(time.perf_counter() - t0)
        if sum(runs) > cfg.budget:
            break
    scale = epochs / run_epochs
    steps = epochs * len(data)
    median = statistics.median(runs) * scale
    metrics = {"total": {"median": median, "min": min(runs) * scale, "max": max(runs) * scale,
                         "samples": len(runs), "unit": "s"},
               "per_step_us": median / steps * 1e6,
               "steps": steps, "epochs_run": run_epochs, "data": os.path.basename(path)}
    if run_epochs < epochs:
        metrics["extrapolated_from_epochs"] = run_epochs
    hist = np.array(history)
    out: dict = {"metrics": metrics, "variant": variant}
    if ad.name == "numpy":
        out["ref"] = {"history": hist}
        out["check"] = "ok (floor)"
        if not cfg.quick:
            got = [round(h, 2) for h in hist[::10, 0]]
            if got != SEED_LOSSES or abs(hist[-1, 1] + 2.0678) > 1e-3 \
                    or abs(hist[-1, 2] - 71.9406) > 1e-3:
                out["check"] = f"floor differs from SEED.md: losses {got}, w, b {hist[-1, 1:]}"
            else:
                out["check"] = "ok (floor; matches SEED.md's losses, w and b)"
    elif cfg.ref is None:
        out["check"] = "no reference"
    else:
        ref = cfg.ref["history"][:run_epochs]
        out["check"] = check_all([("epoch losses", hist[:, 0], ref[:, 0]),
                                  ("w", hist[:, 1], ref[:, 1]), ("b", hist[:, 2], ref[:, 2])],
                                 rtol=1e-3)
    return out
