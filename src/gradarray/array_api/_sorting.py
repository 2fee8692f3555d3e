"""Sorting functions, with ``descending`` (which NumPy lacks) and stable order of ties."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor

__all__ = ["argsort", "sort"]


def sort(x: Tensor, /, *, axis: int = -1, descending: bool = False,
         stable: bool = True) -> Tensor:
    """Sorted copy; descending is the reversed ascending sort (ties are equal values)."""
    out = np.sort(x, axis=axis, kind="stable" if stable else None)
    return np.flip(out, axis=axis) if descending else out


def argsort(x: Tensor, /, *, axis: int = -1, descending: bool = False,
            stable: bool = True) -> Tensor:
    """Sorting indices; descending keeps tied elements in their original order.

    Descending: sort the reversed array ascending (stably) and map the reversed indices
    back, ``n - 1 - flip(argsort(flip(x)))``, so ties stay in order.
    """
    kind = "stable" if stable else None
    if not descending:
        return np.argsort(x, axis=axis, kind=kind)
    n = x.shape[axis] if x.ndim else 1
    rev = np.argsort(np.flip(x, axis=axis), axis=axis, kind=kind)
    return (n - 1) - np.flip(rev, axis=axis)
