"""Indexing functions."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor

__all__ = ["take", "take_along_axis"]


def take(x: Tensor, indices: Tensor, /, *, axis: int | None = None) -> Tensor:
    """Elements of ``x`` at ``indices`` along ``axis`` (required unless ``x`` is 1-d)."""
    if axis is None and x.ndim != 1:
        raise ValueError("axis must be given for arrays of more than one dimension")
    return np.take(x, indices, axis=axis)


def take_along_axis(x: Tensor, indices: Tensor, /, *, axis: int = -1) -> Tensor:
    """As ``numpy.take_along_axis``."""
    return np.take_along_axis(x, indices, axis=axis)
