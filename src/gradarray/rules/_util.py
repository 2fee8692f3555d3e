"""Helpers shared by the rule families (NumPy calls only; device-blind)."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["like", "conj", "normalize_axes", "expand_reduced", "unreduce", "is_complex", "basic_index"]


def normalize_axes(axis: Any, ndim: int) -> tuple[int, ...]:
    """``axis`` (None, int or tuple, possibly negative) as a sorted tuple of non-negative ints."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (tuple, list)):
        return tuple(sorted(a % ndim if ndim else 0 for a in axis))
    return (axis % ndim if ndim else 0,)


def expand_reduced(g: Any, x_ndim: int, axis: Any, keepdims: bool) -> Any:
    """Put back the axes that a reduction removed, so ``g`` broadcasts against its input."""
    if keepdims or x_ndim == 0:
        return g
    axes = normalize_axes(axis, x_ndim)
    return np.expand_dims(g, axes) if axes else g


def unreduce(g: Any, x: Any, axis: Any, keepdims: bool) -> Any:
    """``g`` of a reduction broadcast back to the full shape of ``x``."""
    return np.broadcast_to(expand_reduced(g, np.ndim(x), axis, keepdims), np.shape(x))


def is_complex(x: Any) -> bool:
    return np.iscomplexobj(x)


def basic_index(idx: Any) -> bool:
    """True for an index that selects without integer or boolean arrays (no repeats)."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    for i in idx:
        if not (i is None or i is Ellipsis or isinstance(i, (slice, int, np.integer))):
            return False
    return True


def conj(x: Any) -> Any:
    """Complex conjugate, without the copy ``np.conj`` makes of a real array."""
    dt = getattr(x, "dtype", None)
    if dt is None:
        return x.conjugate() if isinstance(x, complex) else x
    return np.conj(x) if dt.kind == "c" else x


def like(x: Any) -> Any:
    """An array to pass as ``like=``: ``x`` itself, or a NumPy scalar made a 0-d array."""
    return x if hasattr(x, "__array_function__") else np.asarray(x)


def constant(x: Any) -> Any:
    """The data of ``x`` as a plain ndarray: a value the derivative treats as a constant.

    (``np.asarray`` keeps a recorded Tensor recorded, so it is not the way to drop it.)
    """
    if isinstance(x, np.ndarray):
        return np.ndarray.view(x, np.ndarray)
    return np.asarray(x)
