"""Thin spellings of other recorded calls: rollaxis (moveaxis's older form), real_if_close."""

from __future__ import annotations

import numpy as np

from ..registry import composite


@composite(np.rollaxis)
def rollaxis(a, axis, start=0):
    n = a.ndim
    if not -n <= axis < n:
        raise np.exceptions.AxisError(axis, n)
    axis %= n
    if start < 0:
        start += n
    if not 0 <= start < n + 1:
        raise np.exceptions.AxisError(
            f"'start' arg requires {-n} <= start < {n + 1}, but {start} was passed in")
    if axis < start:  # counted before ``axis`` was taken out
        start -= 1
    if axis == start:
        return a[...]
    axes = list(range(n))
    axes.remove(axis)
    axes.insert(start, axis)
    return np.transpose(a, axes)


@composite(np.real_if_close)
def real_if_close(a, tol=100):
    a = np.asanyarray(a)
    if a.dtype.kind != "c":
        return a
    if tol > 1:  # in machine epsilons
        tol = np.finfo(a.dtype).eps * tol
    if np.all(np.abs(np.imag(a)) < tol):
        return np.real(a)
    return a
