import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=int(os.environ.get("GA_EXAMPLES", "6")), deadline=None,
    derandomize=True, suppress_health_check=list(HealthCheck), print_blob=True,
    database=None)
settings.register_profile(
    "long", max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("GA_HYPOTHESIS_PROFILE", "ci"))


# ----------------------------------------------------------------------------- what a run says
# About half of the collected cases are device cases that cannot run on a machine without a
# GPU; the header and the summary say so, instead of a bare count of "skipped".

_SKIP_GROUPS = (   # (start of the skip reason, what to print)
    ("no GPU", "CUDA device cases: no GPU or no CuPy here (benchmarks/gpu_check.py runs them "
               "on a GPU machine)"),
    ("CuPy is not installed", "CUDA device cases: no GPU or no CuPy here (benchmarks/gpu_check.py "
                              "runs them on a GPU machine)"),
    ("fake device: sampled families only", "stand-in GPU device: rule families outside the "
                                           "sample (GA_FAKE_DEVICE_RULES=1 runs them all)"),
    ("real-only rule", "complex dtype cases of rules defined for real numbers only"),
)


def _gpu_line() -> str:
    try:
        from gradarray.devices import cupy as gpu

        reason = gpu.unavailable_reason()
    except Exception as e:   # a header must not break the run
        reason = f"{type(e).__name__}: {e}"
    return "GPU: available, CUDA device cases run" if reason is None else \
        "GPU: none, so the CUDA device cases are skipped (" + reason.split(":")[0] + ")"


def pytest_report_header(config):
    from gradarray import _compiled

    path = "compiled" if _compiled.available() else "pure Python"
    return [f"gradarray: {path} hot path; {_gpu_line()}"]


def _skip_reason(report) -> str:
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return reason.removeprefix("Skipped: ")


def pytest_terminal_summary(terminalreporter):
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        return
    counts: dict = {}
    for report in skipped:
        reason = _skip_reason(report)
        label = next((text for start, text in _SKIP_GROUPS if reason.startswith(start)),
                     "other: " + reason[:90])
        counts[label] = counts.get(label, 0) + 1
    terminalreporter.write_sep("-", f"{len(skipped)} skipped, by reason")
    if any(label.startswith("CUDA") for label in counts):
        terminalreporter.write_line(_gpu_line())
    for label, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        terminalreporter.write_line(f"{n:6d}  {label}")
