"""``__array_namespace_info__()``: capabilities, devices and dtypes of the namespace."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _dtypes as d

__all__ = ["__array_namespace_info__", "Info"]

_KINDS = ("bool", "signed integer", "unsigned integer", "integral", "real floating",
          "complex floating", "numeric")


class Info:
    """What the inspection API of the standard reports for gradarray (CPU; NumPy-backed)."""

    __module__ = "gradarray.array_api"

    def capabilities(self) -> dict[str, Any]:
        """Boolean indexing and data-dependent shapes are supported; up to 64 dimensions."""
        return {"boolean indexing": True, "data-dependent shapes": True,
                "max dimensions": 64}

    def default_device(self) -> str:
        """The device new arrays land on: ``"cpu"``."""
        return "cpu"

    def devices(self) -> tuple[str, ...]:
        """Devices the namespace can place arrays on (a tuple since 2025.12)."""
        return ("cpu",)

    def default_dtypes(self, *, device: Any = None) -> dict[str, np.dtype]:
        """Default real, complex, integer and indexing dtypes."""
        _check(device)
        return {"real floating": d.float64, "complex floating": d.complex128,
                "integral": d.int64, "indexing": d.int64}

    def dtypes(self, *, device: Any = None,
               kind: str | tuple[str, ...] | None = None) -> dict[str, np.dtype]:
        """Supported dtypes by name, optionally of one ``kind`` (as :func:`isdtype`)."""
        _check(device)
        return {dt.name: dt for dt in d.DTYPES if kind is None or np.isdtype(dt, kind)}


def _check(device: Any) -> None:
    if device is not None and device != "cpu":
        raise ValueError(f"unsupported device {device!r}")


def __array_namespace_info__() -> Info:
    """The namespace's inspection object (see :class:`Info`)."""
    return Info()
