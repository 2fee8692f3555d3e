"""Statistical functions: NumPy reductions with the standard's keywords."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor

__all__ = ["cumulative_prod", "cumulative_sum", "max", "mean", "min", "prod", "std", "sum",
           "var"]

Axis = int | tuple[int, ...] | None


def max(x: Tensor, /, *, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Maximum (NaN propagates)."""
    return np.max(x, axis=axis, keepdims=keepdims)


def min(x: Tensor, /, *, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Minimum (NaN propagates)."""
    return np.min(x, axis=axis, keepdims=keepdims)


def mean(x: Tensor, /, *, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Arithmetic mean."""
    return np.mean(x, axis=axis, keepdims=keepdims)


def sum(x: Tensor, /, *, axis: Axis = None, dtype: Any = None,
        keepdims: bool = False) -> Tensor:
    """Sum; integers accumulate in the default integer dtype (as NumPy and the standard)."""
    return np.sum(x, axis=axis, dtype=dtype, keepdims=keepdims)


def prod(x: Tensor, /, *, axis: Axis = None, dtype: Any = None,
         keepdims: bool = False) -> Tensor:
    """Product."""
    return np.prod(x, axis=axis, dtype=dtype, keepdims=keepdims)


def std(x: Tensor, /, *, axis: Axis = None, correction: int | float = 0.0,
        keepdims: bool = False) -> Tensor:
    """Standard deviation; ``correction`` is NumPy's ``ddof``."""
    return np.std(x, axis=axis, ddof=correction, keepdims=keepdims)


def var(x: Tensor, /, *, axis: Axis = None, correction: int | float = 0.0,
        keepdims: bool = False) -> Tensor:
    """Variance; ``correction`` is NumPy's ``ddof``."""
    return np.var(x, axis=axis, ddof=correction, keepdims=keepdims)


def cumulative_sum(x: Tensor, /, *, axis: int | None = None, dtype: Any = None,
                   include_initial: bool = False) -> Tensor:
    """Cumulative sum (``numpy.cumulative_sum``); ``axis`` may be omitted for 1-d ``x``."""
    return np.cumulative_sum(x, axis=_cum_axis(x, axis), dtype=dtype,
                             include_initial=include_initial)


def cumulative_prod(x: Tensor, /, *, axis: int | None = None, dtype: Any = None,
                    include_initial: bool = False) -> Tensor:
    """Cumulative product (``numpy.cumulative_prod``)."""
    return np.cumulative_prod(x, axis=_cum_axis(x, axis), dtype=dtype,
                              include_initial=include_initial)


def _cum_axis(x: Tensor, axis: int | None) -> int | None:
    if axis is None and x.ndim > 1:
        raise ValueError("axis must be given for arrays of more than one dimension")
    return axis
