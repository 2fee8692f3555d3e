"""Utility functions."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor

__all__ = ["all", "any", "diff"]


def all(x: Tensor, /, *, axis: int | tuple[int, ...] | None = None,
        keepdims: bool = False) -> Tensor:
    """Logical AND reduction."""
    return np.all(x, axis=axis, keepdims=keepdims)


def any(x: Tensor, /, *, axis: int | tuple[int, ...] | None = None,
        keepdims: bool = False) -> Tensor:
    """Logical OR reduction."""
    return np.any(x, axis=axis, keepdims=keepdims)


def diff(x: Tensor, /, *, axis: int = -1, n: int = 1, prepend: Tensor | None = None,
         append: Tensor | None = None) -> Tensor:
    """``n``-th forward difference along ``axis`` (``prepend``/``append`` joined first).

    Written as a recorded slice difference after a recorded ``concatenate``, so it is
    differentiable in every argument.
    """
    if n == 0:
        return x  # as numpy.diff: nothing is joined
    parts = [a for a in (prepend, x, append) if a is not None]
    y = np.concatenate(parts, axis=axis) if len(parts) > 1 else x
    axis = axis % y.ndim
    lead = (slice(None),) * axis
    for _ in range(n):
        y = y[lead + (slice(1, None),)] - y[lead + (slice(None, -1),)]
    return y
