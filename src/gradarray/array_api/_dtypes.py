"""Data types, constants and the data type functions of the standard.

Dtypes are ``numpy.dtype`` instances (not scalar types), so ``x.dtype == float32`` holds and
they hash like ``x.dtype`` (the suite keys dictionaries by them).
"""

from __future__ import annotations

import builtins
import math
from typing import Any, NamedTuple

import numpy as np

from ..tensor import Tensor

__all__ = [
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float32", "float64", "complex64", "complex128",
    "e", "inf", "nan", "newaxis", "pi",
    "astype", "can_cast", "finfo", "iinfo", "isdtype", "result_type",
    "finfo_object", "iinfo_object",
]

bool = np.dtype(np.bool_)
int8 = np.dtype(np.int8)
int16 = np.dtype(np.int16)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
uint16 = np.dtype(np.uint16)
uint32 = np.dtype(np.uint32)
uint64 = np.dtype(np.uint64)
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
complex64 = np.dtype(np.complex64)
complex128 = np.dtype(np.complex128)

e = math.e
inf = math.inf
nan = math.nan
pi = math.pi
newaxis = None

DTYPES = (bool, int8, int16, int32, int64, uint8, uint16, uint32, uint64,
          float32, float64, complex64, complex128)


def astype(x: Tensor, dtype: Any, /, *, copy: bool = True, device: Any = None) -> Tensor:
    """Cast ``x`` to ``dtype`` (recorded: a float cast keeps the gradient).

    ``device`` other than ``x``'s moves the result (see :func:`gradarray.asarray`).
    """
    from ._creation import _check_device

    _check_device(device)
    out = np.astype(x, dtype, copy=copy)
    if device is not None and device != x.device:
        return out.to_device(device)
    return out


def _dtype_of(t: Any) -> np.dtype:
    return t.dtype if hasattr(t, "dtype") and not isinstance(t, np.dtype) else np.dtype(t)


def can_cast(from_: Any, to: Any, /) -> builtins.bool:
    """True when ``from_`` (a dtype or an array) promotes to ``to`` in the standard's table.

    Stricter than ``numpy.can_cast`` ("safe"): no cast across kinds (bool -> int,
    int8 -> float32 are safe in NumPy but no promotion in the standard), as array-api-strict.
    """
    f, to = _dtype_of(from_), np.dtype(to)
    if f == to:
        return True
    fk, tk = f.kind, to.kind
    if fk == "b" or tk == "b" or (fk in "iu") != (tk in "iu") or (fk, tk) == ("c", "f"):
        return False
    if fk == "f" and tk == "c":
        return np.finfo(f).bits <= np.finfo(to).bits  # float32 -> complex64 promotes
    return np.promote_types(f, to) == to


class finfo_object(NamedTuple):
    """Machine limits of a floating dtype, as Python numbers (NumPy's are NumPy scalars)."""

    bits: int
    eps: float
    max: float
    min: float
    smallest_normal: float
    dtype: np.dtype


class iinfo_object(NamedTuple):
    """Machine limits of an integer dtype, as Python ints."""

    bits: int
    max: int
    min: int
    dtype: np.dtype


def finfo(type: Any, /) -> finfo_object:
    """Limits of a floating dtype (or of an array's dtype); complex gives its real part's.

    Examples
    --------
    >>> import gradarray.array_api as xp
    >>> xp.finfo(xp.float32).eps
    1.1920928955078125e-07
    """
    dt = _dtype_of(type)
    if dt.kind not in "fc":
        raise ValueError(f"finfo needs a floating-point dtype, got {dt}")
    fi = np.finfo(dt)
    return finfo_object(int(fi.bits), float(fi.eps), float(fi.max), float(fi.min),
                        float(fi.smallest_normal), np.dtype(fi.dtype))


def iinfo(type: Any, /) -> iinfo_object:
    """Limits of an integer dtype (or of an array's dtype), as Python ints."""
    dt = _dtype_of(type)
    ii = np.iinfo(dt)
    return iinfo_object(int(ii.bits), int(ii.max), int(ii.min), dt)


def isdtype(dtype: Any, kind: Any) -> builtins.bool:
    """As ``numpy.isdtype`` (which follows the standard)."""
    return np.isdtype(dtype, kind)


def result_type(*arrays_and_dtypes: Any) -> np.dtype:
    """As ``numpy.result_type`` with NEP 50: Python scalars are weak, as in the standard."""
    if not arrays_and_dtypes:
        raise ValueError("at least one array or dtype is required")
    return np.result_type(*arrays_and_dtypes)
