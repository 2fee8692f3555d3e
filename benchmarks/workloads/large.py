"""Large: value and gradient of sum(tanh(A @ B)), A and B 2000x2000 float64.

Overhead is nothing here; what counts is the time of three matmuls and how much memory the
intermediates and gradients take.  The floor writes its gradient with in-place updates
(one 2000x2000 temporary besides the two gradients), as a careful NumPy user would.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from common import check_all, fd_check, peak_extra_memory, time_call

NUMPY_BASED = {"numpy", "gradarray", "autograd", "mygrad"}


def model(ns: Any, A: Any, B: Any) -> Any:
    return ns.sum(ns.tanh(A @ B))


def floor_forward(A: np.ndarray, B: np.ndarray) -> Any:
    return np.sum(np.tanh(A @ B))


def floor_value_and_grad(A: np.ndarray, B: np.ndarray) -> tuple:
    T = A @ B
    np.tanh(T, out=T)
    value = T.sum()
    np.multiply(T, T, out=T)
    np.subtract(1.0, T, out=T)             # 1 - tanh^2, in place
    return value, [T @ B.T, A.T @ T]


def run(ad: Any, cfg: Any) -> dict:
    n = 64 if cfg.quick else 2000
    rng = np.random.default_rng(0)
    # scaled so that A @ B has entries of order 1 (tanh neither saturated nor linear)
    A0 = rng.standard_normal((n, n)) / n ** 0.25
    B0 = rng.standard_normal((n, n)) / n ** 0.25
    t = dict(repeats=cfg.repeats, warmup=0, budget=cfg.budget)   # warmed up below
    traced = ad.name in NUMPY_BASED
    metrics: dict = {}
    if ad.name == "numpy":
        v, g = floor_value_and_grad(A0, B0)
        check = fd_check(lambda p: float(floor_forward(*p)), [A0, B0], g)
        ref = {"value": v, "gA": g[0], "gB": g[1]}
        del g
        for key, fn in (("forward", lambda: floor_forward(A0, B0)),
                        ("value_and_grad", lambda: floor_value_and_grad(A0, B0))):
            fn()
            metrics[f"memory_{key}"] = peak_extra_memory(fn, traced)
            metrics[key] = _seconds(time_call(fn, **t))
        return {"metrics": metrics, "check": check, "ref": ref}
    P = ad.params([A0, B0])
    vg = ad.vg(model)
    v, g = vg(P)
    check = "no reference" if cfg.ref is None else check_all(
        [("value", ad.to_numpy(v), cfg.ref["value"]),
         ("grad A", ad.to_numpy(g[0]), cfg.ref["gA"]),
         ("grad B", ad.to_numpy(g[1]), cfg.ref["gB"])], rtol=1e-8)
    del v, g
    fn = lambda: vg(P)
    for _ in range(cfg.warmup - 1):     # the checked call above was the first warm-up
        fn()
    metrics["memory_value_and_grad"] = peak_extra_memory(fn, traced)
    metrics["value_and_grad"] = _seconds(time_call(fn, **t))
    return {"metrics": metrics, "check": check}


def _seconds(timing: dict) -> dict:
    timing["unit"] = "s"
    return timing
