"""Markdown tables from a results document (``run.py --json``).

    python benchmarks/report.py results.json

Times are ``median (min-max)``; ratios are medians over the floor's median from the same
run.  A cell whose numbers disagree with the floor shows its time with a cross and no ratio.
"""

from __future__ import annotations

import json
from typing import Any

from libs import LIBS

MIB = 2.0 ** 20
# TensorFlow's CPU allocator keeps freed buffers in its own pool, so after the warm-up the
# step's buffers are already resident and the RSS delta hides them.
POOLED = {"tf", "tf-function"}
STAT = {"ratio": "median"}   # which statistic the ratios use (report.py --stat min)


def fmt(x: float | None) -> str:
    if x is None:
        return "–"
    a = abs(x)
    if a >= 100:
        return f"{x:.0f}"
    if a >= 10:
        return f"{x:.1f}"
    if a >= 1:
        return f"{x:.2f}"
    return f"{x:.3g}"


def _timing(res: dict, key: str) -> dict | None:
    t = res.get("metrics", {}).get(key)
    return t if isinstance(t, dict) and "median" in t else None


def _med(res: dict | None, key: str) -> float | None:
    t = _timing(res, key) if res else None
    return t[STAT["ratio"]] if t else None


def _ok(res: dict) -> bool:
    return "error" not in res and str(res.get("check", "")).startswith("ok")


def _cell(res: dict, key: str) -> str:
    t = _timing(res, key)
    if t is None:
        return "–"
    s = f"{fmt(t['median'])} ({fmt(t['min'])}–{fmt(t['max'])})" if t.get("samples", 1) > 1 \
        else fmt(t["median"])
    return s if _ok(res) else s + " ✗"


def _ratio(res: dict, key: str, base: float | None) -> str:
    v = _med(res, key)
    if v is None or not base or not _ok(res):
        return "–"
    return f"{v / base:.2f}×"


def _mem(res: dict, key: str) -> float | None:
    m = res.get("metrics", {}).get(key)
    return m.get("rss") if isinstance(m, dict) else None


def _mem_cell(res: dict, key: str) -> str:
    m = res.get("metrics", {}).get(key)
    if not isinstance(m, dict) or m.get("rss") is None:
        return "–"
    s = f"{m['rss'] / MIB:.1f}"
    if m.get("traced") is not None:
        s += f" ({m['traced'] / MIB:.1f})"
    return s + " ‡" if res["lib"] in POOLED else s


def _mem_ratio(res: dict, key: str, base: float | None) -> str:
    v = _mem(res, key)
    if v is None or not base or not _ok(res) or res["lib"] in POOLED:
        return "–"
    return f"{v / base:.2f}×"


def _status(res: dict) -> str:
    if "error" in res:
        return "error: " + res["error"].replace("|", "/")[:120]
    c = str(res.get("check", ""))
    return "ok" if c.startswith("ok") else "**wrong**: " + c.replace("|", "/")[:120]


def _label(res: dict, notes: list[str]) -> str:
    name = LIBS.get(res["lib"], (None, res["lib"]))[1]
    if res.get("variant"):
        notes.append(res["variant"])
        name += f" [{len(notes)}]"
    m = res.get("metrics", {})
    if m.get("extrapolated_from_epochs"):
        notes.append(f"ran {m['extrapolated_from_epochs']} of 100 epochs (too slow for the "
                     "time cap); total extrapolated from its own per-step time")
        name += f" [{len(notes)}]"
    return name


def _table(head: list[str], rows: list[list[str]], notes: list[str]) -> str:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    if any(r[0].startswith("TensorFlow") for r in rows) and any("‡" in c for r in rows
                                                                for c in r):
        notes = [*notes, "‡ not comparable: TensorFlow's CPU allocator pools freed buffers, "
                 "so after the warm-up its step's memory is already resident"]
    out += [""] + [f"[{i}] {n}" if not n.startswith("‡") else n
                   for i, n in enumerate(notes, 1)] if notes else []
    return "\n".join(out) + "\n"


def _by_lib(doc: dict, workload: str) -> list[dict]:
    order = list(LIBS)
    rs = [r for r in doc["results"] if r["workload"] == workload]
    return sorted(rs, key=lambda r: order.index(r["lib"]) if r["lib"] in order else 99)


def seed(rs: list[dict]) -> str:
    floor = next((r for r in rs if r["lib"] == "numpy"), None)
    torch = next((r for r in rs if r["lib"] == "torch"), None)
    fb, tb = _med(floor, "total"), _med(torch, "total")
    notes: list[str] = []
    rows = [[_label(r, notes), _cell(r, "total"),
             fmt(r.get("metrics", {}).get("per_step_us")), _ratio(r, "total", fb),
             _ratio(r, "total", tb), _status(r)] for r in rs]
    return _table(["library", "total s", "µs/step", "× floor", "× torch eager", "check"],
                  rows, notes)


def opchain(rs: list[dict]) -> str:
    floor = next((r for r in rs if r["lib"] == "numpy"), None)
    fwd = _med(floor, "forward")
    fb = _med(floor, "forward_backward")
    notes: list[str] = []
    rows = [[_label(r, notes), _cell(r, "forward"), _ratio(r, "forward", fwd),
             _cell(r, "forward_recording"), _ratio(r, "forward_recording", fwd),
             _cell(r, "forward_backward"), _ratio(r, "forward_backward", fwd),
             _ratio(r, "forward_backward", fb), _status(r)] for r in rs]
    return _table(["library", "forward µs/op", "× NumPy fwd", "recording fwd µs/op",
                   "× NumPy fwd", "fwd+bwd µs/op", "× NumPy fwd", "× floor fwd+bwd", "check"],
                  rows, notes)


def mlp(rs: list[dict]) -> str:
    floor = next((r for r in rs if r["lib"] == "numpy"), None)
    notes: list[str] = []
    rows = []
    for r in rs:
        row = [_label(r, notes)]
        for dt in ("float32", "float64"):
            row += [_cell(r, f"step_{dt}"), _ratio(r, f"step_{dt}", _med(floor, f"step_{dt}")),
                    _mem_cell(r, f"memory_{dt}"),
                    _mem_ratio(r, f"memory_{dt}", _mem(floor, f"memory_{dt}") if floor else None)]
        rows.append(row + [_status(r)])
    return _table(["library", "f32 ms/step", "× floor", "f32 extra MiB", "× floor",
                   "f64 ms/step", "× floor", "f64 extra MiB", "× floor", "check"], rows, notes)


def large(rs: list[dict]) -> str:
    floor = next((r for r in rs if r["lib"] == "numpy"), None)
    gt, ft = _med(floor, "value_and_grad"), _med(floor, "forward")
    gm = _mem(floor, "memory_value_and_grad") if floor else None
    fm = _mem(floor, "memory_forward") if floor else None
    notes: list[str] = []
    rows = []
    if floor:
        rows.append(["NumPy forward only", _cell(floor, "forward"), _ratio(floor, "forward", gt),
                     _ratio(floor, "forward", ft), _mem_cell(floor, "memory_forward"),
                     _mem_ratio(floor, "memory_forward", gm),
                     _mem_ratio(floor, "memory_forward", fm), "ok"])
    for r in rs:
        rows.append([_label(r, notes), _cell(r, "value_and_grad"),
                     _ratio(r, "value_and_grad", gt), _ratio(r, "value_and_grad", ft),
                     _mem_cell(r, "memory_value_and_grad"),
                     _mem_ratio(r, "memory_value_and_grad", gm),
                     _mem_ratio(r, "memory_value_and_grad", fm), _status(r)])
    return _table(["library", "value+grad s", "× floor grad", "× NumPy fwd",
                   "peak extra MiB", "× floor grad", "× NumPy fwd", "check"], rows, notes)


def wide(rs: list[dict]) -> str:
    floor = next((r for r in rs if r["lib"] == "numpy"), None)
    base = _med(floor, "value_and_grad")
    notes: list[str] = []
    rows = [[_label(r, notes), _cell(r, "value_and_grad"), _ratio(r, "value_and_grad", base),
             _status(r)] for r in rs]
    return _table(["library", "value+grad ms", "× floor", "check"], rows, notes)


def firstcall(rs: list[dict]) -> str:
    notes: list[str] = []
    rows = [[_label(r, notes), _cell(r, "import_numpy"), _cell(r, "import_lib"),
             _cell(r, "first_grad"), _cell(r, "import_lib_and_first_grad"), _cell(r, "total"),
             _status(r)] for r in rs]
    return _table(["library", "import numpy s", "import library s", "first gradient s",
                   "library import + first gradient s", "all three s", "check"], rows, notes)


TITLES = {
    "seed": ("Seed program", "19,000 per-example SGD steps (float32, Huber with a Python `if`)"),
    "opchain": ("Op chain", "1,001 elementwise ops on float64 (8,); per op"),
    "mlp": ("MLP", "one SGD step, 784-512-512-10, batch 128; extra MiB is the step's peak "
                   "extra resident memory (tracemalloc's peak in parentheses for NumPy-based "
                   "libraries)"),
    "large": ("Large", "value and gradient of sum(tanh(A @ B)), 2000×2000 float64; peak extra "
                       "resident MiB (tracemalloc's peak in parentheses)"),
    "wide": ("Wide", "RNN, 50 steps, hidden 32, batch 4, float64: value and gradient"),
    "firstcall": ("First call", "fresh interpreter: import NumPy, import the library, "
                                "first gradient (median of 3 processes)"),
}
RENDER = {"seed": seed, "opchain": opchain, "mlp": mlp, "large": large, "wide": wide,
          "firstcall": firstcall}


def header(meta: dict) -> str:
    m = meta.get("machine", {})
    lines = [f"Command: `{meta.get('command', '')}`  ",
             f"Date (UTC): {meta.get('date_utc', '')}; total run time "
             f"{meta.get('total_seconds', 0):.0f} s  ",
             f"Machine: {m.get('cpu', '?')}, {m.get('cpu_count', '?')} CPUs "
             f"({m.get('cpus_usable', '?')} usable), {m.get('memory_gib', '?')} GiB; "
             f"{m.get('platform', '')}; Python {m.get('python', '')}; NumPy BLAS "
             f"{m.get('numpy_blas', '?')}; gradarray commit {m.get('git_commit', '?')}  ",
             "Load average (1, 5, 15 min) at start "
             f"{_load(meta.get('loadavg_start'))}, at end {_load(meta.get('loadavg_end'))}  ",
             "Versions: " + ", ".join(f"{k} {v}" for k, v in meta.get("versions", {}).items())
             + "  ",
             "Threads pinned: " + ", ".join(f"{k}={v}" for k, v in
                                            meta.get("pinned_env", {}).items()
                                            if "THREAD" in k or k == "XLA_FLAGS")
             + "; torch.set_num_threads(1); TF intra/inter-op threads 1"]
    if meta.get("skipped"):
        lines[-1] += "  "
        lines.append("Skipped: " + ", ".join(f"{k} ({v})" for k, v in meta["skipped"].items()))
    if meta.get("config", {}).get("quick"):
        lines.insert(0, "**Quick mode: tiny sizes, one repeat; the times mean nothing.**\n")
    return "\n".join(lines) + "\n"


def _load(x: Any) -> str:
    return ", ".join(f"{v:.2f}" for v in x) if x else "?"


def render(doc: dict, stat: str = "median") -> str:
    """All tables; ratios from each cell's ``stat`` ("median" or "min")."""
    STAT["ratio"] = stat
    parts = [header(doc["meta"])]
    if stat != "median":
        parts.append(f"Ratios in these tables use each cell's **{stat}** time.\n")
    seen = []
    for r in doc["results"]:
        if r["workload"] not in seen:
            seen.append(r["workload"])
    for w in seen:
        title, what = TITLES.get(w, (w, ""))
        parts.append(f"### {title}\n\n{what}.\n\n" + RENDER[w](_by_lib(doc, w)))
    return "\n".join(parts)


if __name__ == "__main__":
    import argparse

    p = argparse.ArgumentParser(description="markdown tables from run.py --json output")
    p.add_argument("results")
    p.add_argument("--stat", default="median", choices=["median", "min"])
    a = p.parse_args()
    with open(a.results) as f:
        print(render(json.load(f), a.stat))
