"""First call: ``import numpy``, import the library, and the first gradient, in a fresh process.

The first gradient is that of ``sum(tanh(0.5 x))`` for an (8,) float64 ``x``, including the
library's one-off costs (tracing, compiling, caches).  ``run.py`` starts this cell once per
repeat, each time in a new interpreter, and reports medians.  NumPy is imported here, not at
module level, so its import is timed separately.
"""

from __future__ import annotations

import time
from typing import Any


def f(ns: Any, x: Any) -> Any:
    return ns.sum(ns.tanh(x * 0.5))


def run(lib: str, cfg: Any) -> dict:
    t0 = time.perf_counter()
    import numpy as np

    t1 = time.perf_counter()
    import libs

    ad = libs.make(lib)
    t2 = time.perf_counter()
    x = np.linspace(-2.0, 2.0, 8)
    if ad.name == "numpy":
        g = 0.5 * (1 - np.tanh(x * 0.5) ** 2)
    else:
        g = ad.vg(f)(ad.params([x]))[1][0]
    t3 = time.perf_counter()
    want = 0.5 / np.cosh(0.5 * x) ** 2
    err = float(np.max(np.abs(np.asarray(ad.to_numpy(g), dtype=float) - want)))
    check = "ok" if err < 1e-12 else f"gradient off by {err:.3g}"
    return {"metrics": {"startup": t0 - cfg.t_start, "import_numpy": t1 - t0,
                        "import_lib": t2 - t1, "first_grad": t3 - t2,
                        "import_lib_and_first_grad": t3 - t1, "total": t3 - t0},
            "check": check, "version": ad.version}
