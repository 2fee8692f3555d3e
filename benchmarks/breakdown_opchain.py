"""Where the op chain's time goes, in µs per op, without a profiler's distortion.

    python benchmarks/breakdown_opchain.py [--rounds 250] [--reps 30]

Times the 1,001-op chain (``workloads/opchain.py``) piece by piece -- NumPy alone, NumPy's
override protocol with an empty ``__array_ufunc__``, gradarray's forward not recording and
recording, the backward pass's walk and its loop -- in two fresh processes: with the
compiled hot path (``_speedups``) and in pure Python (``GRADARRAY_PURE_PYTHON=1``).  Minima
of ``--reps`` runs (the best estimate on a shared machine).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def _best(fn, reps: int) -> float:
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def measure(rounds: int, reps: int) -> dict:
    """Run in the child process: the pieces, in seconds per op."""
    sys.path.insert(0, HERE)
    import numpy as np
    from workloads.opchain import make_chain

    import gradarray as ga
    from gradarray import _compiled
    from gradarray import backward as bw
    from gradarray.transforms import Trace, make_source

    chain = make_chain(rounds)
    n_ops = 4 * rounds + 1
    raw = np.random.default_rng(0).uniform(-0.5, 0.5, 8)
    x = ga.asarray(raw)

    class Empty(np.ndarray):
        def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
            return inputs[0] if isinstance(inputs[0], Empty) else inputs[1]

    empty = raw.view(Empty)

    def recorded():
        src = make_source(x)
        with Trace():
            out = chain(np, src)
        return out, src

    def walk_and_loop():
        out, src = recorded()
        t0 = time.perf_counter()
        order, _ = bw._toposort([out._node], {src._node})
        t1 = time.perf_counter()
        bw.backward([out._node], [np.ones(())], [src._node])
        t2 = time.perf_counter()
        return t1 - t0, t2 - t1 - (t1 - t0)

    vg = ga.value_and_grad(lambda x: chain(np, x))
    vg(x)
    walks, loops = zip(*(walk_and_loop() for _ in range(reps)))
    res = {
        "numpy forward": _best(lambda: chain(np, raw), reps),
        "override protocol only (empty __array_ufunc__)": _best(lambda: chain(np, empty), reps),
        "gradarray forward, not recording": _best(lambda: chain(np, x), reps),
        "gradarray forward, recording": _best(recorded, reps),
        "backward walk (topological order)": min(walks),
        "backward loop (vjps, accumulation)": min(loops),
        "value_and_grad (forward + backward)": _best(lambda: vg(x), reps),
    }
    out = {k: v / n_ops * 1e6 for k, v in res.items()}
    out["compiled"] = _compiled.enabled()
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=250)
    p.add_argument("--reps", type=int, default=30)
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        print(json.dumps(measure(args.rounds, args.reps)))
        return 0
    cols = {}
    for name, pure in (("compiled", "0"), ("pure Python", "1")):
        env = dict(os.environ, GRADARRAY_PURE_PYTHON=pure, OMP_NUM_THREADS="1",
                   OPENBLAS_NUM_THREADS="1")
        r = subprocess.run([sys.executable, os.path.abspath(__file__), "--child",
                            "--rounds", str(args.rounds), "--reps", str(args.reps)],
                           env=env, capture_output=True, text=True, check=True)
        cols[name] = json.loads(r.stdout)
    if not cols["compiled"].pop("compiled"):
        print("note: the compiled hot path is not built; both columns are pure Python")
    cols["pure Python"].pop("compiled")
    floor = cols["compiled"]["numpy forward"]
    print(f"µs per op, {4 * args.rounds + 1} ops, min of {args.reps} runs "
          "(× NumPy's forward in parentheses)\n")
    print("| piece | compiled | pure Python |")
    print("|---|---|---|")
    for k in cols["compiled"]:
        a, b = cols["compiled"][k], cols["pure Python"][k]
        print(f"| {k} | {a:.3f} ({a / floor:.1f}×) | {b:.3f} ({b / floor:.1f}×) |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
