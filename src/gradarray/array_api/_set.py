"""Set functions: NumPy 2's ``unique_*`` follow the standard (NaNs are distinct)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor

__all__ = ["isin", "unique_all", "unique_counts", "unique_inverse", "unique_values"]



def unique_all(x: Tensor, /) -> Any:
    """Unique values, first indices, inverse indices (shaped as ``x``) and counts."""
    return np.unique_all(x)


def unique_counts(x: Tensor, /) -> Any:
    """Unique values and their counts."""
    return np.unique_counts(x)


def unique_inverse(x: Tensor, /) -> Any:
    """Unique values and the inverse indices (shaped as ``x``)."""
    return np.unique_inverse(x)


def unique_values(x: Tensor, /) -> Tensor:
    """Unique values (sorted; each NaN is its own value)."""
    return np.unique_values(x)


def isin(x1: Tensor | int, x2: Tensor | int, /, *, invert: bool = False) -> Tensor:
    """Whether each element of ``x1`` is in ``x2``."""
    return np.isin(x1, x2, invert=invert)
