"""Manipulation functions, as recorded NumPy calls."""

from __future__ import annotations

import operator

import numpy as np

from ..tensor import Tensor

__all__ = ["broadcast_arrays", "broadcast_shapes", "broadcast_to", "concat", "expand_dims",
           "flip", "moveaxis", "permute_dims", "repeat", "reshape", "roll", "squeeze",
           "stack", "tile", "unstack"]



def broadcast_shapes(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape that ``shapes`` broadcast to."""
    return np.broadcast_shapes(*shapes)


def broadcast_arrays(*arrays: Tensor) -> tuple[Tensor, ...]:
    """Broadcast against one another (each a recorded ``broadcast_to``); a tuple."""
    shape = np.broadcast_shapes(*(np.shape(a) for a in arrays))
    return tuple(np.broadcast_to(a, shape) for a in arrays)


def broadcast_to(x: Tensor, /, shape: tuple[int, ...]) -> Tensor:
    """As ``numpy.broadcast_to`` (a read-only view)."""
    return np.broadcast_to(x, shape)


def concat(arrays: tuple[Tensor, ...] | list[Tensor], /, *, axis: int | None = 0) -> Tensor:
    """Join along ``axis`` (``None``: flatten first), promoting dtypes."""
    return np.concatenate(arrays, axis=axis)


def expand_dims(x: Tensor, /, axis: int | tuple[int, ...]) -> Tensor:
    """Insert axes of size one (a tuple of positions since 2025.12)."""
    return np.expand_dims(x, axis)


def flip(x: Tensor, /, *, axis: int | tuple[int, ...] | None = None) -> Tensor:
    """Reverse along ``axis`` (all axes by default)."""
    return np.flip(x, axis=axis)


def moveaxis(x: Tensor, source: int | tuple[int, ...], destination: int | tuple[int, ...],
             /) -> Tensor:
    """As ``numpy.moveaxis``."""
    return np.moveaxis(x, source, destination)


def permute_dims(x: Tensor, /, axes: tuple[int, ...]) -> Tensor:
    """``numpy.transpose`` with explicit axes (negative axes allowed since 2025.12)."""
    return np.transpose(x, axes)


def repeat(x: Tensor, repeats: int | Tensor, /, *, axis: int | None = None) -> Tensor:
    """As ``numpy.repeat`` (``axis=None`` repeats the flattened array)."""
    return np.repeat(x, repeats, axis=axis)


def reshape(x: Tensor, /, shape: tuple[int, ...], *, copy: bool | None = None) -> Tensor:
    """As ``numpy.reshape``; ``copy=False`` raises ``ValueError`` when a copy is needed."""
    return np.reshape(x, shape, copy=copy)


def roll(x: Tensor, /, shift: int | tuple[int, ...], *,
         axis: int | tuple[int, ...] | None = None) -> Tensor:
    """As ``numpy.roll``."""
    return np.roll(x, shift, axis=axis)


def squeeze(x: Tensor, /, axis: int | tuple[int, ...]) -> Tensor:
    """Remove axes of size one; a named axis of another size raises ``ValueError``."""
    return np.squeeze(x, axis=axis)


def stack(arrays: tuple[Tensor, ...] | list[Tensor], /, *, axis: int = 0) -> Tensor:
    """As ``numpy.stack``."""
    return np.stack(arrays, axis=axis)


def tile(x: Tensor, repetitions: tuple[int, ...], /) -> Tensor:
    """As ``numpy.tile``."""
    return np.tile(x, repetitions)


def unstack(x: Tensor, /, *, axis: int = 0) -> tuple[Tensor, ...]:
    """Split along ``axis`` into a tuple of views (each a recorded indexing)."""
    axis = operator.index(axis)
    if not -x.ndim <= axis < x.ndim:
        raise IndexError(f"axis {axis} is out of bounds for an array of {x.ndim} dimensions")
    lead = (slice(None),) * (axis % x.ndim)
    return tuple(x[lead + (i,)] for i in range(x.shape[axis]))
