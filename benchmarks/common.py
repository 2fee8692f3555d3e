"""Shared helpers for the benchmark cells: thread pinning, timing, memory, checks.

Imported by ``run.py`` (the driver) and ``cell.py`` (one library on one workload, in a fresh
process).  Nothing here imports NumPy at module level, so the first-call workload can time
``import numpy`` itself.
"""

from __future__ import annotations

import gc
import math
import os
import re
import statistics
import time
from collections.abc import Callable
from typing import Any

# Set in every cell's environment before any numerical library is imported.  The glibc
# setting stops the dynamic mmap threshold from creeping up to 32 MiB, so a freed large
# array goes back to the OS and peak-RSS measurements stay comparable between libraries.
PINNED_ENV = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "TF_NUM_INTRAOP_THREADS": "1",
    "TF_NUM_INTEROP_THREADS": "1",
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
    "JAX_PLATFORMS": "cpu",
    "CUDA_VISIBLE_DEVICES": "",
    "MALLOC_MMAP_THRESHOLD_": "131072",
    "PYTHONHASHSEED": "0",
}


def pinned_environ() -> dict:
    """``os.environ`` with :data:`PINNED_ENV` applied (for ``subprocess``)."""
    env = dict(os.environ)
    env.update(PINNED_ENV)
    return env


# ---------------------------------------------------------------- timing

def time_call(step: Callable[[], Any], *, repeats: int, warmup: int, budget: float,
              min_sample: float = 0.02) -> dict:
    """Median, min and max seconds per call of ``step``.

    ``warmup`` untimed calls, then up to ``repeats`` samples; a sample times ``number``
    back-to-back calls, with ``number`` chosen so that a sample lasts at least
    ``min_sample`` seconds (timer resolution).  Sampling stops early once ``budget`` seconds
    are spent (at least one sample is always taken).  The garbage collector stays on: a
    library that makes reference cycles pays for them, as its users do.
    """
    for _ in range(warmup):
        step()
    t0 = time.perf_counter()
    step()
    first = time.perf_counter() - t0
    number = max(1, math.ceil(min_sample / first)) if first > 0 else 1000
    samples: list[float] = []
    if number == 1 and first >= min_sample:
        samples.append(first)       # an expensive step: the calibration call is a sample
    start = time.perf_counter()
    while len(samples) < max(1, repeats):
        t0 = time.perf_counter()
        for _ in range(number):
            step()
        samples.append((time.perf_counter() - t0) / number)
        if time.perf_counter() - start > budget:
            break
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples),
            "samples": len(samples), "number": number}


# ---------------------------------------------------------------- memory

def _status_kib(key: str) -> int:
    with open("/proc/self/status") as f:
        m = re.search(key + r":\s+(\d+)", f.read())
    return int(m.group(1)) if m else -1


def _reset_peak() -> bool:
    # Linux >= 4.0: writing 5 resets VmHWM (the peak resident set) to the current RSS.
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_extra_memory(step: Callable[[], Any], tracemalloc_too: bool = False) -> dict:
    """Peak extra memory of one call of ``step`` (its result is held until the peak is read).

    ``rss``: peak resident set during the call minus the resident set before it (bytes),
    from ``/proc/self/status`` (VmHWM reset through ``clear_refs``); covers every library.
    ``traced``: the tracemalloc peak, which sees NumPy's data buffers and Python objects,
    so it is exact for NumPy-based libraries and blind to torch/TF/XLA buffers.
    """
    out: dict = {}
    gc.collect()
    if _reset_peak():
        base = _status_kib("VmRSS")
        _reset_peak()
        result = step()
        out["rss"] = max(0, _status_kib("VmHWM") - base) * 1024
        del result
        gc.collect()
    else:
        out["rss"] = None
    if tracemalloc_too:
        import tracemalloc

        tracemalloc.start()
        result = step()
        out["traced"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        del result
        gc.collect()
    return out


# ---------------------------------------------------------------- checks

def compare(name: str, got: Any, want: Any, rtol: float, atol: float = 0.0) -> str | None:
    """``None`` when ``got`` matches ``want`` (arrays, nested lists), else a short message."""
    import numpy as np

    got_a = np.asarray(got, dtype=np.float64)
    want_a = np.asarray(want, dtype=np.float64)
    if got_a.shape != want_a.shape:
        return f"{name}: shape {got_a.shape} != floor's {want_a.shape}"
    if not np.all(np.isfinite(got_a)):
        return f"{name}: not finite"
    scale = max(float(np.max(np.abs(want_a), initial=0.0)), 1e-300)
    err = float(np.max(np.abs(got_a - want_a), initial=0.0))
    if err > atol + rtol * scale:
        return f"{name}: max error {err:.3g} (relative {err / scale:.3g}) > rtol {rtol:g}"
    return None


def check_all(pairs: list[tuple[str, Any, Any]], rtol: float, atol: float = 0.0) -> str:
    """``"ok"`` or the first mismatch among ``(name, got, want)`` triples."""
    for name, got, want in pairs:
        msg = compare(name, got, want, rtol, atol)
        if msg:
            return msg
    return "ok"


def fd_check(f: Callable[[list], float], params: list, grads: list, rtol: float = 1e-5,
             eps: float = 1e-6) -> str:
    """Check a hand-written gradient by central differences along one random direction.

    Used on the NumPy floor itself (float64), so the reference every other cell is
    compared with is not taken on trust.
    """
    import numpy as np

    rng = np.random.default_rng(1)
    ds = [rng.standard_normal(np.shape(p)) for p in params]
    plus = f([p + eps * d for p, d in zip(params, ds)])
    minus = f([p - eps * d for p, d in zip(params, ds)])
    num = (plus - minus) / (2 * eps)
    ana = float(sum(np.sum(g * d) for g, d in zip(grads, ds)))
    if abs(num - ana) > rtol * max(abs(ana), 1e-12):
        return f"floor gradient vs central differences: {ana!r} != {num!r}"
    return "ok (floor; gradient checked by central differences)"
