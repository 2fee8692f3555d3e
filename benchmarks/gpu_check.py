"""One call on a GPU machine: the GPU tests, then GPU timings, in under 5 minutes.

    python benchmarks/gpu_check.py [--skip-tests] [--budget SECONDS]

1. ``pytest tests/test_devices.py -k cuda``: the device tests and every rule case on the GPU
   (value and gradients of orders 1-2 equal to the CPU's), with a time limit.
2. Workloads on the GPU, each timed with the device synchronized:
   - ``mlp``: one SGD step of the 784-512-512-10 tanh/relu network, batch 1024, float32;
   - ``large``: value and gradient of ``sum(tanh(A @ B))``, A and B 4096x4096, float32 and
     float64;
   for gradarray (plain NumPy code on GPU Tensors), hand-written CuPy (the workloads' own
   hand-written backward passes, run on CuPy arrays) and torch CUDA eager where installed.
3. Prints a table and writes ``benchmarks/results/gpu-<date>.json`` with the card's name.

Targets (issue 5): mlp <= 1.2x torch CUDA eager; large <= 1.1x hand-written CuPy.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "benchmarks"), str(ROOT / "benchmarks" / "workloads")]

LR = 0.01
MLP_SIZES = (784, 512, 512, 10)
MLP_BATCH = 1024
LARGE_N = 4096


# ----------------------------------------------------------------------------- tests

def run_tests(limit: float) -> dict:
    """The GPU subset of the test suite; returns counts and the tail of the output."""
    env = dict(os.environ)
    env.setdefault("GA_DEVICE_RULE_EXAMPLES", "1")
    env.setdefault("GA_DEVICE_RULE_ORDER", "2")   # 1 halves the time of the rule reruns
    cmd = [sys.executable, "-m", "pytest", "tests/test_devices.py", "-o", "addopts=", "-q",
           "-p", "no:warnings",
           "-p", "no:cacheprovider", "-k", "cuda or cupy", "--tb=line", "-rfEs"]
    t0 = time.perf_counter()
    try:
        r = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True,
                           timeout=limit)
        out, rc = r.stdout + r.stderr, r.returncode
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        out += f"\n[gpu_check] tests stopped after {limit:.0f} s"
        rc = -1
    counts = {k: int(n) for n, k in re.findall(
        r"(\d+) (passed|failed|skipped|error|errors|xfailed)", out.splitlines()[-1]
        if out.strip() else "")}
    if not counts:   # stopped early: count the progress characters printed so far
        marks = "".join(m.group(1) for ln in out.splitlines()
                        if (m := re.match(r"^([.FsxXE]+)\s*(\[\s*\d+%\])?$", ln)))
        counts = {"passed": marks.count("."), "failed": marks.count("F"),
                  "skipped": marks.count("s"), "errors": marks.count("E"), "partial": 1}
    failures = [ln for ln in out.splitlines() if ln.startswith(("FAILED", "ERROR"))]
    return {"returncode": rc, "seconds": round(time.perf_counter() - t0, 1),
            "counts": counts, "failures": failures[:200], "tail": out[-4000:]}


# ----------------------------------------------------------------------------- timing

def timeit(step: Callable[[], Any], sync: Callable[[], None], budget: float,
           warmup: int = 3) -> dict:
    """Median/min seconds per call of ``step``, the device synchronized around each sample."""
    for _ in range(warmup):
        step()
    sync()
    samples: list[float] = []
    start = time.perf_counter()
    while len(samples) < 5 or (time.perf_counter() - start < budget and len(samples) < 200):
        t0 = time.perf_counter()
        step()
        sync()
        samples.append(time.perf_counter() - t0)
        if time.perf_counter() - start > 4 * budget:
            break
    return {"median": statistics.median(samples), "min": min(samples), "n": len(samples)}


def mlp_init(dtype: Any) -> tuple[list, list]:
    rng = np.random.default_rng(0)
    P = []
    for a, b in zip(MLP_SIZES[:-1], MLP_SIZES[1:]):
        P += [rng.standard_normal((a, b)) / np.sqrt(a), rng.standard_normal(b) * 0.1]
    x = rng.standard_normal((MLP_BATCH, MLP_SIZES[0]))
    onehot = np.eye(MLP_SIZES[-1])[rng.integers(0, MLP_SIZES[-1], MLP_BATCH)]
    return [p.astype(dtype) for p in P], [x.astype(dtype), onehot.astype(dtype)]


def large_init(dtype: Any) -> list:
    rng = np.random.default_rng(0)
    return [(rng.standard_normal((LARGE_N, LARGE_N)) / LARGE_N ** 0.25).astype(dtype)
            for _ in range(2)]


NUMPY_NS = SimpleNamespace(
    tanh=np.tanh, exp=np.exp, log=np.log, mean=np.mean,
    sum=lambda x, axis=None: np.sum(x, axis=axis),
    max=lambda x, axis=None: np.max(x, axis=axis, keepdims=True),
    relu=lambda x: np.maximum(x, 0))


def bench_gradarray(cp: Any, budget: float) -> dict:
    from large import model as large_model
    from mlp import model as mlp_model

    import gradarray as ga

    sync = cp.cuda.Device().synchronize
    out: dict = {}
    P0, C0 = mlp_init(np.float32)
    P = [ga.tensor(p, device="cuda") for p in P0]
    C = [ga.tensor(c, device="cuda") for c in C0]
    nums = tuple(range(len(P)))
    vg = ga.value_and_grad(lambda *a: mlp_model(NUMPY_NS, *a), argnums=nums)

    def mlp_step() -> Any:
        v, g = vg(*P, *C)
        for p, gi in zip(P, g):
            p -= LR * gi          # in place, on the GPU
        return v

    out["mlp_float32"] = timeit(mlp_step, sync, budget)
    for dt in (np.float32, np.float64):
        AB = [ga.tensor(a, device="cuda") for a in large_init(dt)]
        lvg = ga.value_and_grad(lambda a, b: large_model(NUMPY_NS, a, b), argnums=(0, 1))
        out[f"large_{np.dtype(dt).name}"] = timeit(lambda AB=AB: lvg(*AB), sync, budget)
        AB.clear()
    return out


def bench_cupy(cp: Any, budget: float) -> dict:
    from large import floor_value_and_grad as large_floor
    from mlp import floor_sgd

    sync = cp.cuda.Device().synchronize
    out: dict = {}
    P0, C0 = mlp_init(np.float32)
    P = [cp.asarray(p) for p in P0]
    C = [cp.asarray(c) for c in C0]
    out["mlp_float32"] = timeit(lambda: floor_sgd(P, *C), sync, budget)
    for dt in (np.float32, np.float64):
        AB = [cp.asarray(a) for a in large_init(dt)]
        out[f"large_{np.dtype(dt).name}"] = timeit(lambda AB=AB: large_floor(*AB), sync,
                                                   budget)
        AB.clear()
    return out


def bench_torch(budget: float) -> dict | None:
    try:
        import torch
    except ImportError:
        return None
    if not torch.cuda.is_available():
        return None
    from large import model as large_model
    from mlp import model as mlp_model

    dev = torch.device("cuda")
    sync = torch.cuda.synchronize
    tns = SimpleNamespace(
        tanh=torch.tanh, exp=torch.exp, log=torch.log, mean=torch.mean, relu=torch.relu,
        sum=lambda x, axis=None: torch.sum(x) if axis is None else torch.sum(x, dim=axis),
        max=lambda x, axis=None: torch.amax(x, dim=axis, keepdim=True))
    out: dict = {"version": torch.__version__}
    P0, C0 = mlp_init(np.float32)
    P = [torch.tensor(p, device=dev, requires_grad=True) for p in P0]
    C = [torch.tensor(c, device=dev) for c in C0]

    def mlp_step() -> Any:
        loss = mlp_model(tns, *P, *C)
        grads = torch.autograd.grad(loss, P)
        with torch.no_grad():
            for p, g in zip(P, grads):
                p.sub_(LR * g)
        return loss

    out["mlp_float32"] = timeit(mlp_step, sync, budget)
    for dt in (np.float32, np.float64):
        A, B = (torch.tensor(a, device=dev, requires_grad=True) for a in large_init(dt))

        def step(A: Any = A, B: Any = B) -> Any:
            v = large_model(tns, A, B)
            return v, torch.autograd.grad(v, (A, B))

        out[f"large_{np.dtype(dt).name}"] = timeit(step, sync, budget)
        del A, B
    return out


# ----------------------------------------------------------------------------- checks

def check_values(cp: Any) -> dict:
    """gradarray's GPU gradients equal the hand-written CuPy ones (small sizes, float64)."""
    from mlp import floor_value_and_grad as mlp_floor
    from mlp import model as mlp_model

    import gradarray as ga

    rng = np.random.default_rng(1)
    sizes = (20, 16, 16, 4)
    P = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        P += [rng.standard_normal((a, b)) / np.sqrt(a), rng.standard_normal(b) * 0.1]
    x = rng.standard_normal((8, sizes[0]))
    onehot = np.eye(sizes[-1])[rng.integers(0, sizes[-1], 8)]
    v_ref, g_ref = mlp_floor([cp.asarray(p) for p in P], cp.asarray(x), cp.asarray(onehot))
    vg = ga.value_and_grad(lambda *a: mlp_model(NUMPY_NS, *a), argnums=tuple(range(6)))
    v, g = vg(*[ga.tensor(p, device="cuda") for p in P], ga.tensor(x, device="cuda"),
              ga.tensor(onehot, device="cuda"))
    err = max(float(cp.max(cp.abs(gi._raw - gr)) / (float(cp.max(cp.abs(gr))) + 1e-30))
              for gi, gr in zip(g, g_ref))
    return {"mlp_value_error": abs(float(v) - float(v_ref)), "mlp_grad_rel_error": err,
            "grads_on_gpu": all(type(gi).__name__ == "CupyTensor" for gi in g)}


# ----------------------------------------------------------------------------- report

def table(results: dict) -> str:
    libs = [k for k in ("gradarray", "cupy", "torch") if results.get(k)]
    rows = ["mlp_float32", "large_float32", "large_float64"]
    lines = [f"{'workload':<16}" + "".join(f"{lib + ' ms':>16}" for lib in libs)
             + f"{'ga/torch':>10}{'ga/cupy':>10}"]
    for r in rows:
        cells = []
        for lib in libs:
            m = results[lib].get(r)
            cells.append(f"{m['median'] * 1e3:16.3f}" if m else f"{'-':>16}")
        ga_t = results.get("gradarray", {}).get(r)
        ratios = ""
        for other in ("torch", "cupy"):
            o = (results.get(other) or {}).get(r)
            ratios += f"{ga_t['median'] / o['median']:10.2f}" if ga_t and o else f"{'-':>10}"
        lines.append(f"{r:<16}" + "".join(cells) + ratios)
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-tests", action="store_true")
    ap.add_argument("--test-limit", type=float, default=170.0, help="seconds for the tests")
    ap.add_argument("--budget", type=float, default=2.0, help="seconds per timing")
    args = ap.parse_args()
    t_start = time.perf_counter()
    try:
        import cupy as cp
        n = cp.cuda.runtime.getDeviceCount()
    except Exception as e:  # ImportError, CUDARuntimeError
        print(f"[gpu_check] no usable GPU here: {type(e).__name__}: {e}")
        return 2
    props = cp.cuda.runtime.getDeviceProperties(0)
    card = props["name"].decode() if isinstance(props["name"], bytes) else str(props["name"])
    results: dict = {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "card": card, "gpus": n, "cupy": cp.__version__, "numpy": np.__version__,
        "python": platform.python_version(),
        "cuda_runtime": cp.cuda.runtime.runtimeGetVersion(),
        "memory_gib": round(props["totalGlobalMem"] / 2 ** 30, 1),
        "sizes": {"mlp": [*MLP_SIZES, MLP_BATCH], "large": LARGE_N},
    }
    print(f"[gpu_check] {card} x{n}, CuPy {cp.__version__}")
    if not args.skip_tests:
        results["tests"] = run_tests(args.test_limit)
        t = results["tests"]
        print(f"[gpu_check] tests: {t['counts']} in {t['seconds']} s (rc {t['returncode']})")
        for ln in t["failures"][:30]:
            print("   ", ln)
    for name, fn in (("checks", lambda: check_values(cp)),
                     ("gradarray", lambda: bench_gradarray(cp, args.budget)),
                     ("cupy", lambda: bench_cupy(cp, args.budget)),
                     ("torch", lambda: bench_torch(args.budget))):
        try:
            results[name] = fn()
        except Exception as e:  # keep the other numbers when one library fails
            results[name] = {"error": f"{type(e).__name__}: {e}"}
            print(f"[gpu_check] {name} failed: {type(e).__name__}: {e}")
        cp.get_default_memory_pool().free_all_blocks()
    print(f"[gpu_check] checks: {results.get('checks')}")
    print(table({k: v for k, v in results.items()
                 if k in ("gradarray", "cupy", "torch") and v and "error" not in v}))
    results["seconds"] = round(time.perf_counter() - t_start, 1)
    out_dir = ROOT / "benchmarks" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"gpu-{datetime.date.today().isoformat()}.json"
    path.write_text(json.dumps(results, indent=1, default=str))
    print(f"[gpu_check] wrote {path.relative_to(ROOT)} ({results['seconds']} s)")
    if os.environ.get("OUT"):   # the device runner brings back what is under $OUT
        Path(os.environ["OUT"], path.name).write_text(path.read_text())
    failed = results.get("tests", {}).get("counts", {}).get("failed", 0)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
