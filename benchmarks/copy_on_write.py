"""What copy-on-write costs: bytes copied, peak memory, and time of in-place recurrences.

    python benchmarks/copy_on_write.py [--rows 1000] [--cols 100] [--steps 1000]

- ``shift``: ``y[1:] = y[:-1] * x[1:]`` on a (rows, cols) float64 array; the saved ``y[:-1]``
  overlaps the written ``y[1:]`` and is copied once.  Compared with the same program written
  out of place (``np.concatenate``).
- ``dp``: ``y[i] = y[i - 1] * x[i]`` in a Python loop of ``steps`` rows; every write misses
  the saved rows, so nothing is copied; the cost is indexing the recorded calls.

Peak memory is tracemalloc's peak during ``ga.grad`` (NumPy's allocations are traced);
times are minima of repeated runs.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np

import gradarray as ga
from gradarray import graph


def shift(x):
    y = x * 1
    y[1:] = y[:-1] * x[1:]
    return np.sum(y)


def shift_pure(x):
    return np.sum(np.concatenate([x[:1], x[:-1] * x[1:]]))


def dp(x):
    y = x * 1
    for i in range(1, len(x)):
        y[i] = y[i - 1] * x[i]
    return np.sum(y)


def dp_pure(x):
    rows = [x[0]]
    for i in range(1, len(x)):
        rows.append(rows[-1] * x[i])
    return np.sum(np.stack(rows))


def measure(f, x, reps: int) -> dict:
    g = ga.grad(f)
    g(x)                                        # warm (rule plans)
    before = list(graph.SNAPSHOTS)
    tracemalloc.start()
    g(x)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    copied = [graph.SNAPSHOTS[0] - before[0], graph.SNAPSHOTS[1] - before[1]]
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        g(x)
        best = min(best, time.perf_counter() - t0)
    return {"arrays": copied[0], "bytes": copied[1], "peak": peak, "s": best}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1000)
    ap.add_argument("--cols", type=int, default=100)
    ap.add_argument("--steps", type=int, default=1000)
    ap.add_argument("--reps", type=int, default=10)
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    big = rng.uniform(0.9, 1.1, (a.rows, a.cols))
    rows = rng.uniform(0.9, 1.1, (a.steps, 8))
    print(f"compiled hot path: {graph.SPEEDUPS is not None}")
    print("| program | arrays copied | bytes copied | tracemalloc peak | time |")
    print("|---|---|---|---|---|")
    for name, f, x in [("shift (in place)", shift, big), ("shift (out of place)", shift_pure, big),
                       ("dp (in place)", dp, rows), ("dp (out of place)", dp_pure, rows)]:
        r = measure(f, x, a.reps)
        print(f"| {name} {x.shape} | {r['arrays']} | {r['bytes']:,} | {r['peak']:,} B | "
              f"{r['s'] * 1e3:.2f} ms |")
    print(f"\nthe saved y[:-1] of shift: {big[:-1].nbytes:,} bytes")


if __name__ == "__main__":
    main()
