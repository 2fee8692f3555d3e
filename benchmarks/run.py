"""Run the benchmark workloads for gradarray and every installed peer; print markdown tables.

    python benchmarks/run.py [--quick] [--workloads seed,opchain,mlp,large,wide,firstcall]
                             [--libs numpy,gradarray,...] [--repeats 5] [--json out.json]

Each (workload, library) cell runs in a fresh Python process with thread counts pinned to 1
(``common.PINNED_ENV``; torch and TensorFlow are also told in-process).  The NumPy floor
(hand-written gradients) runs first and saves its numbers; every other cell checks its loss
and gradients against them, and a cell whose check fails is marked in the table, its ratios
left out.  Ratios are to the floor measured in the same run.  ``--quick`` runs each workload
at a tiny size with one repeat, to keep the harness working (CI); its times mean nothing.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from common import PINNED_ENV, pinned_environ  # noqa: E402
from libs import LIBS, installed  # noqa: E402
from workloads import NAMES  # noqa: E402

MARK = "@@RESULT "
FLOOR = "numpy"
FIRSTCALL_RUNS = 3     # fresh interpreters per library for the first-call workload


# ---------------------------------------------------------------- running cells

def run_cell(workload: str, lib: str, cfg: dict, timeout: float) -> dict:
    """Run one cell in a fresh process; its result dict (``error`` set when it failed)."""
    cmd = [sys.executable, os.path.join(HERE, "cell.py"), workload, lib, json.dumps(cfg)]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, env=pinned_environ(), capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"workload": workload, "lib": lib, "error": f"timed out after {timeout:.0f} s"}
    wall = time.perf_counter() - t0
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(MARK):
            res = json.loads(line[len(MARK):])
            res["wall_s"] = wall
            return res
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
    return {"workload": workload, "lib": lib, "wall_s": wall,
            "error": f"process exited with {proc.returncode}: " + " | ".join(tail)[-500:]}


def run_firstcall(lib: str, cfg: dict, timeout: float, runs: int) -> dict:
    """The first-call cell ``runs`` times, each in a new interpreter; medians per metric."""
    results = [run_cell("firstcall", lib, cfg, timeout) for _ in range(runs)]
    good = [r for r in results if "error" not in r]
    if not good:
        return results[0]
    out = dict(good[0])
    out["metrics"] = {}
    for key in good[0]["metrics"]:
        vals = sorted(r["metrics"][key] for r in good)
        out["metrics"][key] = {"median": vals[len(vals) // 2] if len(vals) % 2 else
                               (vals[len(vals) // 2 - 1] + vals[len(vals) // 2]) / 2,
                               "min": vals[0], "max": vals[-1], "samples": len(vals),
                               "unit": "s"}
    bad = [r["check"] for r in good if not str(r.get("check", "")).startswith("ok")]
    out["check"] = bad[0] if bad else good[0].get("check")
    out["wall_s"] = sum(r.get("wall_s", 0.0) for r in results)
    return out


def machine_info() -> dict:
    info: dict = {"platform": platform.platform(), "python": sys.version.split()[0],
                  "cpu_count": os.cpu_count(),
                  "executable": os.path.basename(sys.executable)}
    try:
        info["cpus_usable"] = len(os.sched_getaffinity(0))
    except AttributeError:
        pass
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            info["memory_gib"] = round(int(f.readline().split()[1]) / 2 ** 20, 1)
    except OSError:
        pass
    try:
        import numpy as np

        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        info["numpy_blas"] = f"{blas.get('name')} {blas.get('version', '')}".strip()
    except Exception:  # informational only
        pass
    try:
        info["git_commit"] = subprocess.run(
            ["git", "-C", HERE, "rev-parse", "--short", "HEAD"], capture_output=True,
            text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return info


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="tiny sizes, one repeat (CI smoke)")
    p.add_argument("--workloads", default=",".join(NAMES),
                   help=f"comma-separated, from {','.join(NAMES)}")
    p.add_argument("--libs", default=",".join(LIBS),
                   help=f"comma-separated, from {','.join(LIBS)} (the floor always runs)")
    p.add_argument("--repeats", type=int, default=None, help="timed samples (default 5)")
    p.add_argument("--warmup", type=int, default=None, help="untimed calls (default 2)")
    p.add_argument("--budget", type=float, default=None,
                   help="seconds of sampling per measurement before stopping early (default 5)")
    p.add_argument("--seed-max-seconds", type=float, default=10.0,
                   help="seed: a library slower than this per run runs fewer epochs "
                        "(extrapolated, labelled)")
    p.add_argument("--timeout", type=float, default=900.0, help="seconds per cell")
    p.add_argument("--json", help="write all results here")
    p.add_argument("--markdown", help="also write the tables here")
    args = p.parse_args(argv)

    workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    for w in workloads:
        if w not in NAMES:
            p.error(f"unknown workload {w!r}; choose from {', '.join(NAMES)}")
    wanted = [x.strip() for x in args.libs.split(",") if x.strip()]
    for x in wanted:
        if x not in LIBS:
            p.error(f"unknown library {x!r}; choose from {', '.join(LIBS)}")
    libs = [FLOOR] + [x for x in wanted if x != FLOOR]
    skipped = {x: f"{LIBS[x][0]} is not installed" for x in libs if not installed(x)}
    libs = [x for x in libs if x not in skipped]
    for x, why in skipped.items():
        print(f"skipping {x}: {why}", file=sys.stderr)

    base = {"quick": args.quick,
            "repeats": args.repeats or (1 if args.quick else 5),
            "warmup": args.warmup if args.warmup is not None else (1 if args.quick else 2),
            "budget": args.budget or (1.0 if args.quick else 5.0),
            "seed_max_seconds": args.seed_max_seconds}
    meta = {"command": "python " + " ".join(shlex.quote(a) for a in
                                            ["benchmarks/run.py", *(argv or sys.argv[1:])]),
            "date_utc": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "machine": machine_info(), "pinned_env": PINNED_ENV, "config": base,
            "loadavg_start": os.getloadavg(), "skipped": skipped}
    results: list[dict] = []
    t_all = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="gabench-") as tmp:
        for w in workloads:
            ref = os.path.join(tmp, f"{w}.npz")
            for lib in libs:
                cfg = dict(base)
                if lib == FLOOR:
                    cfg["save_ref"] = ref
                elif os.path.exists(ref):
                    cfg["ref"] = ref
                if w == "firstcall":
                    res = run_firstcall(lib, cfg, args.timeout, 1 if args.quick else FIRSTCALL_RUNS)
                else:
                    res = run_cell(w, lib, cfg, args.timeout)
                status = res.get("error") or res.get("check")
                print(f"[{w}] {lib:12s} {res.get('wall_s', 0):6.1f} s  {status}",
                      file=sys.stderr, flush=True)
                results.append(res)
    meta["total_seconds"] = time.perf_counter() - t_all
    meta["loadavg_end"] = os.getloadavg()
    meta["versions"] = {r["lib"]: r["version"] for r in results if r.get("version")}
    doc = {"meta": meta, "results": results}

    from report import render

    text = render(doc)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=1)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
    return 0


def load(path: str) -> dict[str, Any]:
    """A results file written by ``--json``."""
    with open(path) as f:
        return json.load(f)


if __name__ == "__main__":
    sys.exit(main())
