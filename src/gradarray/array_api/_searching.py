"""Searching functions (their results carry no gradient, except ``where``'s)."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor, asarray

__all__ = ["argmax", "argmin", "count_nonzero", "nonzero", "searchsorted", "where"]

where = np.where


def argmax(x: Tensor, /, *, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the first maximum."""
    return np.argmax(x, axis=axis, keepdims=keepdims)


def argmin(x: Tensor, /, *, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the first minimum."""
    return np.argmin(x, axis=axis, keepdims=keepdims)


def count_nonzero(x: Tensor, /, *, axis: int | tuple[int, ...] | None = None,
                  keepdims: bool = False) -> Tensor:
    """Number of nonzero elements, always an array (NumPy gives a Python int for ``axis=None``)."""
    out = np.count_nonzero(x, axis=axis, keepdims=keepdims)
    return out if isinstance(out, Tensor) else asarray(np.asarray(out, dtype=np.int64))


def nonzero(x: Tensor, /) -> tuple[Tensor, ...]:
    """Indices of the nonzero elements, one array per axis (0-d input raises)."""
    return tuple(np.nonzero(x))


def searchsorted(x1: Tensor, x2: Tensor | int | float, /, *, side: str = "left",
                 sorter: Tensor | None = None) -> Tensor:
    """Insertion indices of ``x2`` into the sorted ``x1`` (``x2`` may be a scalar)."""
    out = np.searchsorted(x1, x2, side=side, sorter=sorter)
    return out if isinstance(out, Tensor) else asarray(np.asarray(out))
