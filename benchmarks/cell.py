"""One benchmark cell: one workload for one library, in this (fresh) process.

    python benchmarks/cell.py WORKLOAD LIB '{"quick": false, ...}'

Prints one line ``@@RESULT {json}`` last.  ``run.py`` starts one of these per cell with the
thread counts pinned in the environment (``common.PINNED_ENV``).  The NumPy floor's cell
saves its reference numbers to ``save_ref`` (an ``.npz``); every other cell loads them from
``ref`` and checks its own numbers against them.
"""

from __future__ import annotations

import time

T_START = time.perf_counter()   # before any numerical import, for the first-call workload

import importlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402
import traceback  # noqa: E402
from types import SimpleNamespace  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

MARK = "@@RESULT "


def _threads() -> dict:
    """Thread settings as the libraries report them (recorded beside every cell)."""
    from common import PINNED_ENV

    out = {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS",
                                          "OPENBLAS_NUM_THREADS") if k in PINNED_ENV}
    if "torch" in sys.modules:
        torch = sys.modules["torch"]
        out["torch.get_num_threads"] = torch.get_num_threads()
    if "tensorflow" in sys.modules:
        tf = sys.modules["tensorflow"]
        out["tf.intra_op"] = tf.config.threading.get_intra_op_parallelism_threads()
    return out


def main(argv: list[str]) -> int:
    workload, lib, raw = argv[1], argv[2], argv[3]
    cfg = SimpleNamespace(**json.loads(raw))
    cfg.t_start = T_START
    result: dict = {"workload": workload, "lib": lib}
    try:
        mod = importlib.import_module(f"workloads.{workload}")
        if workload == "firstcall":
            out = mod.run(lib, cfg)      # times the import itself
            ad_version = out.pop("version", "")
        else:
            import libs

            ad = libs.make(lib)
            ad_version = ad.version
            cfg.ref = _load_ref(cfg.ref) if getattr(cfg, "ref", None) else None
            out = mod.run(ad, cfg)
        ref = out.pop("ref", None)
        if ref is not None and getattr(cfg, "save_ref", None):
            import numpy as np

            np.savez(cfg.save_ref, **ref)
        result.update(out)
        result["version"] = ad_version
    except Exception as e:  # a failing cell is reported, never fatal to the run
        result["error"] = f"{type(e).__name__}: {e}"[:500]
        result["traceback"] = traceback.format_exc()[-3000:]
    result["threads"] = _threads()
    print(MARK + json.dumps(result, default=_jsonable), flush=True)
    return 0


def _load_ref(path: str) -> dict:
    import numpy as np

    with np.load(path) as z:
        return {k: z[k] for k in z.files}


def _jsonable(x: object) -> object:
    try:
        return float(x)  # NumPy scalars
    except (TypeError, ValueError):
        return str(x)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
