"""MLP: one SGD step of a 784-512-512-10 tanh/relu network, softmax cross-entropy, batch 128.

Written once as plain array code (``x @ W1 + b1``, ``ns.tanh``, ...); gradarray runs it with
``ns`` = NumPy itself.  Measured in float32 and float64: ms per step and the step's peak extra
memory (resident set; tracemalloc too for NumPy-based libraries).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from common import check_all, fd_check, peak_extra_memory, time_call

LR = 0.01
NUMPY_BASED = {"numpy", "gradarray", "autograd", "mygrad"}


def model(ns: Any, W1: Any, b1: Any, W2: Any, b2: Any, W3: Any, b3: Any, x: Any,
          onehot: Any) -> Any:
    h1 = ns.tanh(x @ W1 + b1)
    h2 = ns.relu(h1 @ W2 + b2)
    z = h2 @ W3 + b3
    z = z - ns.max(z, axis=1)              # keepdims; stabilises the softmax
    lse = ns.log(ns.sum(ns.exp(z), axis=1))
    return ns.mean(lse - ns.sum(z * onehot, axis=1))


def floor_value_and_grad(P: list, x: np.ndarray, onehot: np.ndarray) -> tuple:
    """Hand-written backward pass of :func:`model`."""
    W1, b1, W2, b2, W3, b3 = P
    n = x.shape[0]
    h1 = np.tanh(x @ W1 + b1)
    a2 = h1 @ W2 + b2
    h2 = np.maximum(a2, 0)
    z = h2 @ W3 + b3
    z -= np.max(z, axis=1, keepdims=True)
    e = np.exp(z)
    s = np.sum(e, axis=1, keepdims=True)
    value = np.mean(np.log(s[:, 0]) - np.sum(z * onehot, axis=1))
    dz = (e / s - onehot) / n
    gW3, gb3 = h2.T @ dz, dz.sum(0)
    da2 = dz @ W3.T
    da2 *= a2 > 0
    gW2, gb2 = h1.T @ da2, da2.sum(0)
    da1 = da2 @ W2.T
    da1 *= 1 - h1 * h1
    gW1, gb1 = x.T @ da1, da1.sum(0)
    return value, [gW1, gb1, gW2, gb2, gW3, gb3]


def floor_sgd(P: list, x: np.ndarray, onehot: np.ndarray) -> Any:
    value, grads = floor_value_and_grad(P, x, onehot)
    for p, g in zip(P, grads):
        p -= LR * g
    return value


def init(quick: bool, dtype: Any) -> tuple[list, list]:
    sizes = (20, 16, 16, 4) if quick else (784, 512, 512, 10)
    batch = 8 if quick else 128
    rng = np.random.default_rng(0)
    P = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        P += [rng.standard_normal((a, b)) / np.sqrt(a), rng.standard_normal(b) * 0.1]
    x = rng.standard_normal((batch, sizes[0]))
    onehot = np.eye(sizes[-1])[rng.integers(0, sizes[-1], batch)]
    return [p.astype(dtype) for p in P], [x.astype(dtype), onehot.astype(dtype)]


def run(ad: Any, cfg: Any) -> dict:
    metrics: dict = {}
    checks: list = []
    ref: dict = {}
    t = dict(repeats=cfg.repeats, warmup=cfg.warmup, budget=cfg.budget)
    for dtype in (np.float32, np.float64):
        key = np.dtype(dtype).name
        P0, C0 = init(cfg.quick, dtype)
        if ad.name == "numpy":
            v, g = floor_value_and_grad([p.copy() for p in P0], *C0)
            ref[f"{key}_value"] = v
            for i, gi in enumerate(g):
                ref[f"{key}_g{i}"] = gi
            if dtype is np.float64:
                # a tiny step: a larger one moves some of the 65,536 relu inputs across
                # their kink and the difference quotient is off by ~0.2%
                checks.append(fd_check(lambda p: float(floor_value_and_grad(p, *C0)[0]),
                                       P0, g, rtol=1e-4, eps=1e-9))
            P = [p.copy() for p in P0]
            step = lambda P=P, C0=C0: floor_sgd(P, *C0)
        else:
            P, C = ad.params(P0), [ad.const(c) for c in C0]
            v, g = ad.vg(model)(P, *C)
            if cfg.ref is not None:
                pairs = [(f"{key} loss", ad.to_numpy(v), cfg.ref[f"{key}_value"])]
                pairs += [(f"{key} grad {i}", ad.to_numpy(gi), cfg.ref[f"{key}_g{i}"])
                          for i, gi in enumerate(g)]
                checks.append(check_all(pairs, rtol=2e-3 if dtype is np.float32 else 1e-8))
            del v, g
            sgd = ad.sgd(model, LR)
            step = lambda P=P, C=C, sgd=sgd: sgd(P, *C)
        for _ in range(cfg.warmup):
            step()
        metrics[f"memory_{key}"] = peak_extra_memory(step, ad.name in NUMPY_BASED)
        timing = time_call(step, **t)
        for k in ("median", "min", "max"):
            timing[k] *= 1e3
        timing["unit"] = "ms/step"
        metrics[f"step_{key}"] = timing
    bad = [c for c in checks if not c.startswith("ok")]
    check = bad[0] if bad else (checks[0] if checks else "no reference")
    out = {"metrics": metrics, "check": check}
    if ad.name == "numpy":
        out["ref"] = ref
    return out
