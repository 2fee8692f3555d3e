"""The CPU device: NumPy's ndarray is the raw array; nothing to load, nothing to copy."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["RAW_TYPE", "NAME", "device_of", "from_host", "to_host"]

RAW_TYPE = np.ndarray
NAME = "cpu"


def device_of(raw: Any) -> str:
    """Always ``"cpu"``."""
    return NAME


def from_host(raw: np.ndarray, index: int | None, stream: Any = None) -> np.ndarray:
    """A copy of ``raw`` (the CPU has one device: ``index`` must be None)."""
    if index is not None:
        raise ValueError("the CPU device has no index ('cpu', not 'cpu:N')")
    return raw.copy(order="K")


def to_host(raw: np.ndarray, stream: Any = None) -> np.ndarray:
    """``raw`` itself: it is on the host already."""
    return raw
