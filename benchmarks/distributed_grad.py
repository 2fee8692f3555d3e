"""One data-parallel gradient on Dask (``gradarray.distributed``) against the local one.

(Not named ``distributed.py``: run as a script, it would shadow Dask's ``distributed``.)

    python benchmarks/distributed_grad.py [--rows 10000000] [--features 4] [--shards 8]
                                     [--workers 1,2] [--repeats 5] [--json out.json] [--quick]

A logistic regression's negative log-likelihood and its gradient (parameters: a dict of
``w`` and ``b``) over ``--rows`` rows, split in ``--shards`` shards:

- ``local``: ``ga.value_and_grad`` on the whole data set in this process;
- ``local shards``: ``gradarray.distributed.value_and_grad`` with no client (the same tree of
  sums, in this process);
- ``N workers``: the same on a ``LocalCluster`` of N single-threaded worker processes, the
  shards created on the workers by seed (never sent from here) and reused at every call;
- ``overhead``: the same cluster, 8 shards of 8 rows: the fixed cost of one call.

Every distributed result is checked against the local one (1e-12 relative to the largest
entry).  Threads are pinned to 1 here (``common.PINNED_ENV``) and in the workers (Dask's
default), so "N workers" means N cores.  ``--quick``: 20,000 rows, 2 repeats (CI smoke).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from common import PINNED_ENV, time_call  # noqa: E402

# Threads only: the workers inherit this environment, and a malloc setting here would make
# them allocate differently from this process.
os.environ.update({k: v for k, v in PINNED_ENV.items() if k.endswith("_THREADS")})

import numpy as np  # noqa: E402

import gradarray as ga  # noqa: E402
import gradarray.distributed as gd  # noqa: E402


def nll(params, x, y):
    """Logistic regression's negative log-likelihood, summed over the shard's rows."""
    z = x @ params["w"] + params["b"]
    return np.sum(np.logaddexp(0.0, z) - y * z)


def make_shard(seed: int, rows: int, features: int) -> tuple[np.ndarray, np.ndarray]:
    """Shard ``seed`` of the data set, the same wherever it is made."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, features))
    p = 1.0 / (1.0 + np.exp(-(x @ np.linspace(-1.0, 1.0, features) + 0.5)))
    return x, (rng.uniform(size=rows) < p).astype(np.float64)


def shard_rows(rows: int, shards: int) -> list[int]:
    bounds = np.linspace(0, rows, shards + 1).astype(int)
    return [int(b - a) for a, b in zip(bounds, bounds[1:])]


def max_rel_error(got: tuple, want: tuple) -> float:
    g_leaves = [np.asarray(got[0])] + [np.asarray(got[1][k]) for k in ("w", "b")]
    w_leaves = [np.asarray(want[0])] + [np.asarray(want[1][k]) for k in ("w", "b")]
    return max(float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))
               for a, b in zip(g_leaves, w_leaves))


def busiest_worker(tasks: list) -> float:
    """Seconds of computing on the busiest worker during one call (Dask's task stream)."""
    busy: dict = {}
    for t in tasks:
        for ss in t["startstops"]:
            if ss["action"] == "compute":
                busy[t["worker"]] = busy.get(t["worker"], 0.0) + ss["stop"] - ss["start"]
    return max(busy.values(), default=0.0)


def timed(step, repeats: int) -> dict:
    t = time_call(step, repeats=repeats, warmup=1, budget=120.0, min_sample=0.0)
    return {"median_s": t["median"], "min_s": t["min"], "max_s": t["max"],
            "samples": t["samples"]}


def measure_local(params: dict, sizes: list[int], args: argparse.Namespace
                  ) -> tuple[dict, tuple]:
    """Times of the local gradient, whole and in shards; the local result (the reference)."""
    shards = [make_shard(i, n, args.features) for i, n in enumerate(sizes)]
    x = np.concatenate([s[0] for s in shards])
    y = np.concatenate([s[1] for s in shards])
    local_vg = ga.value_and_grad(nll)
    want = local_vg(params, x, y)
    results = {"local": timed(lambda: local_vg(params, x, y), args.repeats)}
    local_shards = gd.value_and_grad(nll)       # no client exists yet: runs here
    results["local shards"] = timed(lambda: local_shards(params, shards), args.repeats)
    results["local shards"]["max_rel_error"] = max_rel_error(local_shards(params, shards), want)
    return results, want


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=10_000_000)
    p.add_argument("--features", type=int, default=4)
    p.add_argument("--shards", type=int, default=8)
    p.add_argument("--workers", default="1,2", help="LocalCluster sizes")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--json", help="write the results here")
    p.add_argument("--quick", action="store_true", help="20,000 rows, 2 repeats (CI smoke)")
    args = p.parse_args(argv)
    if args.quick:
        args.rows, args.repeats = 20_000, 2
    from distributed import Client, LocalCluster, get_task_stream

    sizes = shard_rows(args.rows, args.shards)
    params = {"w": np.linspace(-0.5, 0.5, args.features), "b": np.array(0.1)}
    print(f"{args.rows:,} rows x {args.features} features in {args.shards} shards "
          f"({8 * args.rows * (args.features + 1) / 1e6:.0f} MB), "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}", flush=True)

    results, want = measure_local(params, sizes, args)
    print(f"local: {results['local']['median_s'] * 1e3:.1f} ms", flush=True)

    tiny = [make_shard(100 + i, 8, args.features) for i in range(8)]
    for n in (int(s) for s in args.workers.split(",")):
        with LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                          dashboard_address=":0", memory_limit=0) as cluster, \
                Client(cluster) as client:
            workers = sorted(client.nthreads())
            # Made on the workers by seed, a contiguous block per worker: nothing is sent.
            futures = [client.submit(make_shard, i, rows, args.features,
                                     workers=[workers[i * n // args.shards]],
                                     key=f"shard-{i}") for i, rows in enumerate(sizes)]
            client.wait_for_workers(n)
            vg = gd.value_and_grad(nll, client=client)
            got = vg(params, futures)
            label = f"{n} worker" + "s" * (n > 1)
            results[label] = timed(lambda: vg(params, futures), args.repeats)
            results[label]["max_rel_error"] = max_rel_error(got, want)
            with get_task_stream(client) as stream:
                vg(params, futures)
            results[label]["worker_compute_s"] = busiest_worker(stream.data)
            vg_tiny = gd.value_and_grad(nll, client=client)
            results[f"overhead, {label}"] = timed(lambda: vg_tiny(params, tiny),
                                                  max(args.repeats, 20))
            print(f"{label}: {results[label]['median_s'] * 1e3:.1f} ms, call overhead "
                  f"{results[f'overhead, {label}']['median_s'] * 1e3:.1f} ms", flush=True)
            futures.clear()     # frees the shards on the workers

    report = render(results, args)
    print(report)
    out = {"config": vars(args), "results": results, "table": report,
           "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                       "numpy": np.__version__, "time": time.strftime("%Y-%m-%d %H:%M"),
                       "load_average": os.getloadavg()}}
    bad = {k: r["max_rel_error"] for k, r in results.items()
           if r.get("max_rel_error", 0.0) > 1e-12}
    if bad:
        raise SystemExit(f"distributed gradient differs from the local one: {bad}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)
    return out


def render(results: dict, args: argparse.Namespace) -> str:
    local = results["local"]["median_s"]
    lines = ["| run | median ms (min-max) | vs local | busiest worker computing, ms | "
             "max rel. error |", "| --- | --- | --- | --- | --- |"]
    for name, r in results.items():
        err = r.get("max_rel_error")
        busy = r.get("worker_compute_s")
        lines.append(f"| {name} | {r['median_s'] * 1e3:.1f} ({r['min_s'] * 1e3:.1f}-"
                     f"{r['max_s'] * 1e3:.1f}) | {r['median_s'] / local:.2f}x | "
                     f"{'' if busy is None else f'{busy * 1e3:.1f}'} | "
                     f"{'' if err is None else f'{err:.1e}'} |")
    one = results.get("1 worker")
    if one is not None:
        lines.append("")
        lines.append(f"overhead per call, 1 worker against local: "
                     f"{(one['median_s'] - local) * 1e3:.1f} ms on {args.rows:,} rows; "
                     f"{results['overhead, 1 worker']['median_s'] * 1e3:.1f} ms on 64 rows")
        two = results.get("2 workers")
        if two is not None:
            lines.append(f"speed-up 1 -> 2 workers: {one['median_s'] / two['median_s']:.2f}x; "
                         f"tree depth for 64 workers: {math.ceil(math.log2(64))}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
