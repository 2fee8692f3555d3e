"""Wide: value and gradient of a 50-step RNN (hidden 32, input 8, batch 4), float64.

About 300 small operations (indexing, two matmuls, two adds and a tanh per step) on arrays
of a few hundred numbers: per-operation overhead dominates, as in the op chain, but with the
mix of shapes, broadcasting and matmuls of real model code.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from common import check_all, fd_check, time_call


def model(ns: Any, Wx: Any, Wh: Any, b: Any, Wo: Any, xs: Any, y: Any) -> Any:
    h = ns.tanh(xs[0] @ Wx + b)
    for t in range(1, xs.shape[0]):
        h = ns.tanh(xs[t] @ Wx + h @ Wh + b)
    d = h @ Wo - y
    return ns.sum(d * d)


def floor_value_and_grad(P: list, xs: np.ndarray, y: np.ndarray) -> tuple:
    """Hand-written backpropagation through time."""
    Wx, Wh, b, Wo = P
    hs = [np.tanh(xs[0] @ Wx + b)]
    for t in range(1, xs.shape[0]):
        hs.append(np.tanh(xs[t] @ Wx + hs[-1] @ Wh + b))
    h = hs[-1]
    d = h @ Wo - y
    value = np.sum(d * d)
    gd = 2 * d
    gWo = h.T @ gd
    gh = gd @ Wo.T
    gWx, gWh, gb = np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)
    for t in range(xs.shape[0] - 1, -1, -1):
        ga = gh * (1 - hs[t] * hs[t])
        gWx += xs[t].T @ ga
        gb += ga.sum(0)
        if t:
            gWh += hs[t - 1].T @ ga
            gh = ga @ Wh.T
    return value, [gWx, gWh, gb, gWo]


def run(ad: Any, cfg: Any) -> dict:
    steps, hidden, n_in, batch = (5, 8, 3, 2) if cfg.quick else (50, 32, 8, 4)
    rng = np.random.default_rng(0)
    P0 = [rng.standard_normal((n_in, hidden)) / np.sqrt(n_in),
          rng.standard_normal((hidden, hidden)) / np.sqrt(hidden),
          rng.standard_normal(hidden) * 0.1,
          rng.standard_normal((hidden, 1)) / np.sqrt(hidden)]
    C0 = [rng.standard_normal((steps, batch, n_in)), rng.standard_normal((batch, 1))]
    t = dict(repeats=cfg.repeats, warmup=cfg.warmup, budget=cfg.budget)
    if ad.name == "numpy":
        v, g = floor_value_and_grad(P0, *C0)
        check = fd_check(lambda p: float(floor_value_and_grad(p, *C0)[0]), P0, g)
        timing = time_call(lambda: floor_value_and_grad(P0, *C0), **t)
        ref = {"value": v, **{f"g{i}": gi for i, gi in enumerate(g)}}
        return {"metrics": {"value_and_grad": _ms(timing)}, "check": check, "ref": ref}
    P, C = ad.params(P0), [ad.const(c) for c in C0]
    vg = ad.vg(model)
    v, g = vg(P, *C)
    check = "no reference" if cfg.ref is None else check_all(
        [("value", ad.to_numpy(v), cfg.ref["value"])]
        + [(f"grad {i}", ad.to_numpy(gi), cfg.ref[f"g{i}"]) for i, gi in enumerate(g)],
        rtol=1e-8)
    timing = time_call(lambda: vg(P, *C), **t)
    return {"metrics": {"value_and_grad": _ms(timing)}, "check": check}


def _ms(timing: dict) -> dict:
    for k in ("median", "min", "max"):
        timing[k] *= 1e3
    timing["unit"] = "ms"
    return timing
