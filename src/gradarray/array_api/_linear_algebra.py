"""Linear algebra functions of the main namespace (also in ``linalg``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..tensor import Tensor

__all__ = ["matmul", "matrix_transpose", "tensordot", "vecdot"]

matmul = np.matmul


def matrix_transpose(x: Tensor, /) -> Tensor:
    """Swap the last two axes."""
    return np.matrix_transpose(x)


def tensordot(x1: Tensor, x2: Tensor, /, *,
              axes: int | tuple[Sequence[int], Sequence[int]] = 2) -> Tensor:
    """As ``numpy.tensordot``."""
    return np.tensordot(x1, x2, axes=axes)


def vecdot(x1: Tensor, x2: Tensor, /, *, axis: int = -1) -> Tensor:
    """``sum(conj(x1) * x2)`` along ``axis`` of the broadcast shape (``numpy.vecdot``).

    Another axis than the last is moved last first, so the call NumPy records is the plain
    ``vecdot(x1, x2)`` its derivative rule knows.
    """
    if axis != -1:
        if axis >= 0:
            axis -= max(np.ndim(x1), np.ndim(x2))
        x1, x2 = np.moveaxis(x1, axis, -1), np.moveaxis(x2, axis, -1)
    return np.vecdot(x1, x2)
