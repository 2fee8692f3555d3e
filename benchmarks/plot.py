"""Plot per-op overhead by library from a results file.

    python benchmarks/plot.py results.json [--out docs/_static/overhead.png]

Horizontal bars, log scale: the op chain's µs per op (forward not recording, forward while
recording, forward + backward) for every library whose numbers passed the check, with
NumPy's plain forward as a reference line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from libs import LIBS  # noqa: E402

MODES = (("forward", "forward, not recording"), ("forward_recording", "forward, recording"),
         ("forward_backward", "forward + backward"))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("results")
    p.add_argument("--out", default=os.path.join(HERE, "..", "docs", "_static", "overhead.png"))
    args = p.parse_args(argv)
    with open(args.results) as f:
        doc = json.load(f)

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cells = [r for r in doc["results"] if r["workload"] == "opchain" and "error" not in r
             and str(r.get("check", "")).startswith("ok")]
    cells.sort(key=lambda r: list(LIBS).index(r["lib"]) if r["lib"] in LIBS else 99)
    if not cells:
        print("no op-chain results in", args.results, file=sys.stderr)
        return 1
    labels = [LIBS.get(r["lib"], (None, r["lib"]))[1] for r in cells]
    fig, ax = plt.subplots(figsize=(8, 0.55 * len(cells) + 1.6))
    height = 0.8 / len(MODES)
    for i, (key, name) in enumerate(MODES):
        ys, vals = [], []
        for j, r in enumerate(cells):
            t = r["metrics"].get(key)
            if isinstance(t, dict):
                ys.append(j + (i - 1) * height)
                vals.append(t["median"])
        ax.barh(ys, vals, height=height, label=name)
    floor = next((r for r in cells if r["lib"] == "numpy"), None)
    if floor:
        ax.axvline(floor["metrics"]["forward"]["median"], color="k", lw=0.8, ls="--",
                   label="NumPy forward")
    ax.set_yticks(range(len(cells)), labels)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlabel("µs per op (op chain: 1,001 ops on a float64 (8,) array; log scale)")
    m = doc["meta"]["machine"]
    ax.set_title(f"Per-op overhead, {m.get('cpu', '')}, 1 thread, {doc['meta']['date_utc'][:10]}",
                 fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    fig.savefig(args.out, dpi=120)
    print("wrote", os.path.normpath(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
