"""The benchmark harness still runs: every workload once at tiny size, gradarray and the floor.

No timing is asserted, ever (timings belong in ``benchmarks/``); only that every cell ran and
that gradarray's numbers agree with the hand-written NumPy gradients.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUN = os.path.join(ROOT, "benchmarks", "run.py")
WORKLOADS = ("seed", "opchain", "mlp", "large", "wide", "firstcall")


@pytest.fixture(scope="module")
def quick_results(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("bench") / "quick.json"
    proc = subprocess.run([sys.executable, RUN, "--quick", "--libs", "numpy,gradarray",
                           "--json", str(out)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(out) as f:
        return json.load(f)


def test_every_cell_ran(quick_results: dict) -> None:
    cells = {(r["workload"], r["lib"]) for r in quick_results["results"]}
    assert cells == {(w, lib) for w in WORKLOADS for lib in ("numpy", "gradarray")}
    for r in quick_results["results"]:
        assert "error" not in r, (r["workload"], r["lib"], r.get("traceback", r["error"]))


@pytest.mark.parametrize("workload", WORKLOADS)
def test_gradarray_matches_the_floor(quick_results: dict, workload: str) -> None:
    by = {(r["workload"], r["lib"]): r for r in quick_results["results"]}
    floor, ga = by[(workload, "numpy")], by[(workload, "gradarray")]
    assert floor["check"].startswith("ok"), floor["check"]   # the floor checks itself
    assert ga["check"] == "ok", ga["check"]


def test_table_and_metadata(quick_results: dict) -> None:
    meta = quick_results["meta"]
    assert meta["pinned_env"]["OMP_NUM_THREADS"] == "1"
    assert meta["config"]["quick"] is True
    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    try:
        from report import render
    finally:
        sys.path.pop(0)
    text = render(quick_results)
    assert "| gradarray" in text and "× floor" in text


def test_a_wrong_gradient_fails_its_check() -> None:
    sys.path.insert(0, os.path.join(ROOT, "benchmarks"))
    try:
        from common import check_all
    finally:
        sys.path.pop(0)
    assert check_all([("g", [1.0, 2.0], [1.0, 2.0])], rtol=1e-8) == "ok"
    assert check_all([("g", [1.0, 2.1], [1.0, 2.0])], rtol=1e-8).startswith("g: max error")
    assert "shape" in check_all([("g", [1.0], [1.0, 2.0])], rtol=1e-8)


def test_breakdown_script_runs() -> None:
    script = os.path.join(ROOT, "benchmarks", "breakdown_opchain.py")
    proc = subprocess.run([sys.executable, script, "--rounds", "2", "--reps", "1"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [line for line in proc.stdout.splitlines() if line.startswith("| ")]
    assert len(rows) == 1 + 7 and "backward loop" in proc.stdout


def test_distributed_benchmark_runs(tmp_path) -> None:
    pytest.importorskip("distributed")
    out = tmp_path / "distributed.json"
    script = os.path.join(ROOT, "benchmarks", "distributed_grad.py")
    proc = subprocess.run([sys.executable, script, "--quick", "--json", str(out)],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(out) as f:
        results = json.load(f)["results"]
    assert {"local", "local shards", "1 worker", "2 workers", "overhead, 1 worker"} <= set(results)
    assert all(r.get("max_rel_error", 0.0) <= 1e-12 for r in results.values())
    assert "overhead per call" in proc.stdout
