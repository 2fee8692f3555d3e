"""Creation functions: NumPy's, with ``device=`` and the standard's signatures.

New arrays are untracked Tensors; ``asarray`` of a recorded Tensor stays recorded, and
``tril``/``triu``/``meshgrid`` are recorded NumPy calls on their inputs.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from ..tensor import asarray as _ga_asarray

__all__ = ["arange", "asarray", "empty", "empty_like", "eye", "from_dlpack", "full",
           "full_like", "linspace", "meshgrid", "ones", "ones_like", "tril", "triu",
           "zeros", "zeros_like"]


def _check_device(device: Any) -> None:
    if device is None or device == "cpu" or not isinstance(device, str):
        return  # device objects (GPU Tensors' ``.device``) are gradarray.asarray's to judge
    if device.split(":")[0] == "cuda":
        return  # handed to gradarray.asarray, which moves it (needs CuPy)
    raise ValueError(f"unsupported device {device!r}; gradarray knows 'cpu' and 'cuda[:n]'")


def _place(raw: Any, device: Any) -> Tensor:
    """A new untracked Tensor of ``raw`` on ``device``."""
    _check_device(device)
    t = _ga_asarray(raw)
    if device is None or device == "cpu":
        return t
    return _ga_asarray(t, device=device)


def _like(t: Tensor, device: Any) -> Tensor:
    """``t`` (made on its input's device by NumPy's dispatch), moved to ``device`` if given."""
    _check_device(device)
    if not isinstance(t, Tensor):
        t = _ga_asarray(t)
    if device is None or device == t.device:
        return t
    return _ga_asarray(t, device=device)


def arange(start: int | float, /, stop: int | float | None = None, step: int | float = 1, *,
           dtype: Any = None, device: Any = None) -> Tensor:
    """As ``numpy.arange``; ``device=`` places the result."""
    return _place(np.arange(start, stop, step, dtype=dtype), device)


def asarray(obj: Any, /, *, dtype: Any = None, device: Any = None,
            copy: bool | None = None) -> Tensor:
    """``obj`` as a Tensor; a recorded Tensor stays recorded (see :func:`gradarray.asarray`).

    ``copy=False`` raises ``ValueError`` when a copy is needed; ``copy=True`` always copies.
    """
    _check_device(device)
    if isinstance(obj, Tensor) or (device is not None and device != "cpu"):
        return _ga_asarray(obj, dtype, copy=copy, device=device)
    if copy is False:
        return _ga_asarray(np.asarray(obj, dtype=dtype, copy=False))
    if copy:
        return _ga_asarray(np.array(obj, dtype=dtype, copy=True))
    return _ga_asarray(obj, dtype)


def empty(shape: int | tuple[int, ...], *, dtype: Any = None, device: Any = None) -> Tensor:
    """As ``numpy.empty``."""
    return _place(np.empty(shape, dtype=dtype), device)


def empty_like(x: Tensor, /, *, dtype: Any = None, device: Any = None) -> Tensor:
    """As ``numpy.empty_like``, on ``x``'s device unless ``device`` is given."""
    return _like(np.empty_like(x, dtype=dtype), device)


def eye(n_rows: int, n_cols: int | None = None, /, *, k: int = 0, dtype: Any = None,
        device: Any = None) -> Tensor:
    """As ``numpy.eye``."""
    return _place(np.eye(n_rows, n_cols, k=k, dtype=dtype), device)


def from_dlpack(x: Any, /, *, device: Any = None, copy: bool | None = None) -> Tensor:
    """A Tensor sharing ``x``'s memory through DLPack (``copy=True``: a copy).

    A gradarray Tensor is passed through :func:`asarray` instead, so it stays recorded.
    """
    if isinstance(x, Tensor):
        return asarray(x, device=device, copy=copy)
    _check_device(device)
    kw: dict = {}
    if copy is not None:
        kw["copy"] = copy
    if device is not None:
        kw["device"] = device
    return _ga_asarray(np.from_dlpack(x, **kw))


def full(shape: int | tuple[int, ...], fill_value: bool | int | float | complex, *,
         dtype: Any = None, device: Any = None) -> Tensor:
    """As ``numpy.full``; the dtype follows ``fill_value``'s Python type by default."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value._raw
    return _place(np.full(shape, fill_value, dtype=dtype), device)


def full_like(x: Tensor, /, fill_value: bool | int | float | complex, *, dtype: Any = None,
              device: Any = None) -> Tensor:
    """As ``numpy.full_like``."""
    return _like(np.full_like(x, fill_value, dtype=dtype), device)


def linspace(start: int | float | complex, stop: int | float | complex, /, num: int, *,
             dtype: Any = None, device: Any = None, endpoint: bool = True) -> Tensor:
    """As ``numpy.linspace`` (float64 by default, complex128 for complex ends)."""
    return _place(np.linspace(start, stop, num, endpoint=endpoint, dtype=dtype), device)


def meshgrid(*arrays: Tensor, indexing: str = "xy") -> tuple[Tensor, ...]:
    """Coordinate grids, as reshaped and broadcast inputs (recorded; read-only views)."""
    if indexing not in ("xy", "ij"):
        raise ValueError("indexing must be 'xy' or 'ij'")
    n = len(arrays)
    shape = [np.size(a) for a in arrays]
    axes = list(range(n))
    if indexing == "xy" and n >= 2:
        shape[0], shape[1] = shape[1], shape[0]
        axes[0], axes[1] = 1, 0
    out = []
    for a, ax in zip(arrays, axes, strict=True):
        s = [1] * n
        s[ax] = -1
        out.append(np.broadcast_to(np.reshape(a, tuple(s)), tuple(shape)))
    return tuple(out)


def ones(shape: int | tuple[int, ...], *, dtype: Any = None, device: Any = None) -> Tensor:
    """As ``numpy.ones``."""
    return _place(np.ones(shape, dtype=dtype), device)


def ones_like(x: Tensor, /, *, dtype: Any = None, device: Any = None) -> Tensor:
    """As ``numpy.ones_like``."""
    return _like(np.ones_like(x, dtype=dtype), device)


def tril(x: Tensor, /, *, k: int = 0) -> Tensor:
    """Lower triangle of the last two axes (recorded ``numpy.tril``)."""
    return np.tril(x, k=k)


def triu(x: Tensor, /, *, k: int = 0) -> Tensor:
    """Upper triangle of the last two axes (recorded ``numpy.triu``)."""
    return np.triu(x, k=k)


def zeros(shape: int | tuple[int, ...], *, dtype: Any = None, device: Any = None) -> Tensor:
    """As ``numpy.zeros``."""
    return _place(np.zeros(shape, dtype=dtype), device)


def zeros_like(x: Tensor, /, *, dtype: Any = None, device: Any = None) -> Tensor:
    """As ``numpy.zeros_like``."""
    return _like(np.zeros_like(x, dtype=dtype), device)
