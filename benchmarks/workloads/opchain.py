"""Op chain: per-operation overhead on a tiny float64 (8,) array.

``k`` rounds of sin, x0.3, +x, exp (4 ops each), then a sum: ``4k + 1`` NumPy calls
(1,001 at full size).  Reported per op: forward without recording, forward while recording
(graph built, no backward pass), forward + backward.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from common import check_all, fd_check, time_call

UNIT = "us/op"


def make_chain(rounds: int) -> Any:
    """The model, ``chain(ns, x)``, for any library namespace ``ns``."""

    def chain(ns: Any, x: Any) -> Any:
        y = x
        for _ in range(rounds):
            y = ns.exp(ns.sin(y) * 0.3 + x)
        return ns.sum(y)

    return chain


def floor_value_and_grad(x: np.ndarray, rounds: int) -> tuple[float, np.ndarray]:
    """Hand-written reverse pass: keep cos(y) and exp's output per round."""
    y = x
    saved = []
    for _ in range(rounds):
        c = np.cos(y)
        y = np.exp(np.sin(y) * 0.3 + x)
        saved.append((c, y))
    value = np.sum(y)
    gy = np.ones_like(x)
    gx = np.zeros_like(x)
    for c, y in reversed(saved):
        gv = gy * y
        gx += gv
        gy = gv * 0.3 * c
    return value, gx + gy


def run(ad: Any, cfg: Any) -> dict:
    rounds = 10 if cfg.quick else 250
    chain = make_chain(rounds)
    n_ops = 4 * rounds + 1
    x0 = np.random.default_rng(0).uniform(-0.5, 0.5, 8)
    per_op = 1e6 / n_ops
    t = dict(repeats=cfg.repeats, warmup=cfg.warmup, budget=cfg.budget)
    metrics: dict = {"n_ops": n_ops}
    if ad.name == "numpy":
        v, g = floor_value_and_grad(x0, rounds)
        check = fd_check(lambda p: float(chain(np, p[0])), [x0], [g])
        fwd = lambda: chain(np, x0)
        metrics["forward"] = _scale(time_call(fwd, **t), per_op)
        metrics["forward_backward"] = _scale(
            time_call(lambda: floor_value_and_grad(x0, rounds), **t), per_op)
        return {"metrics": metrics, "check": check, "ref": {"value": v, "grad": g}}
    P = ad.params([x0])
    vg = ad.vg(chain)
    v, g = vg(P)
    check = "no reference" if cfg.ref is None else check_all(
        [("value", ad.to_numpy(v), cfg.ref["value"]),
         ("gradient", ad.to_numpy(g[0]), cfg.ref["grad"])], rtol=1e-8)
    fwd = ad.forward(chain)
    metrics["forward"] = _scale(time_call(lambda: fwd(P), **t), per_op)
    rec = ad.forward_recording(chain)
    if rec is not None:
        metrics["forward_recording"] = _scale(time_call(lambda: rec(P), **t), per_op)
    metrics["forward_backward"] = _scale(time_call(lambda: vg(P), **t), per_op)
    return {"metrics": metrics, "check": check}


def _scale(timing: dict, factor: float) -> dict:
    out = dict(timing)
    for k in ("median", "min", "max"):
        out[k] = timing[k] * factor
    out["unit"] = UNIT
    return out
