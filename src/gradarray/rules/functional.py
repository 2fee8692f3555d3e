"""Functional programming: piecewise, apply_along_axis, apply_over_axes.

Composites: the user's functions are called on recorded Tensors (slices, masked selections)
and their results are put together with recorded NumPy calls (setitem, stack, transpose), so
whatever the functions compute is differentiated, to any order.
"""

from __future__ import annotations

import numpy as np

from ..registry import composite


def _conditions(condlist):
    """The conditions as one boolean array, on the device of the arrays among them."""
    if isinstance(condlist, np.ndarray):
        return np.astype(condlist, bool)
    if any(isinstance(c, np.ndarray) for c in condlist):
        return np.astype(np.stack(condlist), bool)
    return np.asarray(condlist, dtype=bool)


@composite(np.piecewise)
def piecewise(x, condlist, funclist, *args, **kw):
    # As NumPy: each function sees only the elements its condition selects (recorded x[cond]
    # reads and y[cond] writes); a missing last condition means "none of the others".
    x = np.asanyarray(x)
    # One condition or several?  NumPy looks at type(condlist[0]); a Tensor's rows are 0-d
    # Tensors, not NumPy scalars, so an array's rows are judged by its ndim instead.
    if isinstance(condlist, np.ndarray):
        several = condlist.ndim > 1
    else:
        several = not np.isscalar(condlist) and isinstance(condlist[0], (list, np.ndarray))
    if np.isscalar(condlist) or (not several and x.ndim != 0):
        condlist = [condlist]
    condlist = _conditions(condlist)
    n, nf = len(condlist), len(funclist)
    if n == nf - 1:
        otherwise = ~np.any(condlist, axis=0, keepdims=True)
        condlist = np.concatenate([condlist, otherwise], axis=0)
    elif n != nf:
        raise ValueError(f"with {n} condition(s), either {n} or {n + 1} functions are "
                         "expected")
    y = np.zeros_like(x)
    for cond, func in zip(condlist, funclist):
        if not callable(func):
            y[cond] = func
        else:
            vals = x[cond]
            if vals.size > 0:
                y[cond] = func(vals, *args, **kw)
    return y


@composite(np.apply_along_axis)
def apply_along_axis(func1d, axis, arr, *args, **kwargs):
    arr = np.asanyarray(arr)
    nd = arr.ndim
    if not -nd <= axis < nd:
        raise np.exceptions.AxisError(axis, nd)
    axis %= nd
    lines = np.moveaxis(arr, axis, -1)
    outer = lines.shape[:-1]
    if 0 in outer:
        raise ValueError("Cannot apply_along_axis when any iteration dimensions are 0")
    res = [np.asanyarray(func1d(lines[ind], *args, **kwargs)) for ind in np.ndindex(outer)]
    out = np.reshape(np.stack(res), outer + res[0].shape)
    out = np.astype(out, res[0].dtype, copy=False)  # NumPy's buffer has the first's dtype
    k = res[0].ndim  # the function's output axes replace ``axis``
    perm = tuple(range(axis)) + tuple(range(nd - 1, nd - 1 + k)) + tuple(range(axis, nd - 1))
    return np.transpose(out, perm)


@composite(np.apply_over_axes)
def apply_over_axes(func, a, axes):
    val = np.asanyarray(a)
    n = val.ndim
    if np.ndim(axes) == 0:
        axes = (axes,)
    for axis in axes:
        axis = axis + n if axis < 0 else axis
        res = func(val, axis)
        if res.ndim != val.ndim:
            res = np.expand_dims(res, axis)
            if res.ndim != val.ndim:
                raise ValueError("function is not returning an array of the correct shape")
        val = res
    return val
