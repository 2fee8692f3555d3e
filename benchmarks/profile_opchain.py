"""Where gradarray's per-op time goes: cProfile of the op-chain workload.

    python benchmarks/profile_opchain.py [--mode forward|recording|backward|all] [--top 20]
                                         [--rounds 250] [--reps 20]

Prints, per mode, the Python function calls per NumPy op (the number to cut) and the top
functions by own time.  Profiling inflates every Python call by a similar amount, so read
the shares and call counts, not the absolute times (``run.py`` gives those).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
for k, v in (("OMP_NUM_THREADS", "1"), ("OPENBLAS_NUM_THREADS", "1")):
    os.environ.setdefault(k, v)

import numpy as np  # noqa: E402
from workloads.opchain import make_chain  # noqa: E402

import gradarray as ga  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mode", default="all", choices=["forward", "recording", "backward", "all"])
    p.add_argument("--top", type=int, default=20)
    p.add_argument("--rounds", type=int, default=250, help="4 ops per round")
    p.add_argument("--reps", type=int, default=20, help="chain evaluations profiled")
    args = p.parse_args(argv)

    chain = make_chain(args.rounds)
    n_ops = 4 * args.rounds + 1
    x = ga.asarray(np.random.default_rng(0).uniform(-0.5, 0.5, 8))
    vg = ga.value_and_grad(lambda x: chain(np, x))
    runs = {
        "forward": ("forward, not recording", lambda: chain(np, x)),
        "recording": ("forward while recording (ga.vjp, no backward pass)",
                      lambda: ga.vjp(lambda x: chain(np, x), x)[0]),
        "backward": ("forward + backward (ga.value_and_grad)", lambda: vg(x)),
    }
    modes = list(runs) if args.mode == "all" else [args.mode]
    for mode in modes:
        title, fn = runs[mode]
        for _ in range(3):
            fn()    # warm caches before profiling
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(args.reps):
            fn()
        prof.disable()
        stats = pstats.Stats(prof)
        calls = stats.total_calls  # type: ignore[attr-defined]
        print(f"== {title}: {calls / (args.reps * n_ops):.1f} profiled function calls per op, "
              f"{stats.total_tt / (args.reps * n_ops) * 1e6:.2f} µs/op under the profiler "  # type: ignore[attr-defined]
              f"({n_ops} ops x {args.reps} runs)")
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(args.top)
        text = out.getvalue()
        print(text[text.index("   ncalls"):] if "   ncalls" in text else text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
