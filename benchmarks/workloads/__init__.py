"""Benchmark workloads: each module has ``run(adapter, cfg) -> dict`` (see ``cell.py``)."""

NAMES = ("seed", "opchain", "mlp", "large", "wide", "firstcall")
