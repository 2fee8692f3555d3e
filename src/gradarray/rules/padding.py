"""``np.pad`` in every mode, as a composite of recorded slicing, reductions and joins.

NumPy pads one axis after the other, each axis seeing the padding already added to the
earlier ones; reflect, symmetric and wrap pad in chunks when the pad is wider than the data.
The same steps here, written with recorded calls, give the same values and the gradient with
respect to the padded array, to any order.  The pad values (``constant_values``,
``end_values``) are constants.  Integer and empty arrays go to NumPy's implementation.
"""

from __future__ import annotations

import numpy as np

from ..errors import UnsupportedArgument
from ..registry import composite
from ._util import constant

_KWARGS = {
    "constant": {"constant_values"}, "edge": set(), "linear_ramp": {"end_values"},
    "maximum": {"stat_length"}, "mean": {"stat_length"}, "median": {"stat_length"},
    "minimum": {"stat_length"}, "reflect": {"reflect_type"},
    "symmetric": {"reflect_type"}, "wrap": set(), "empty": set(),
}
_STATS = {"maximum": np.max, "minimum": np.min, "mean": np.mean, "median": np.median}


def _pairs(x, ndim, as_index=False):
    """``x`` broadcast to one (before, after) pair per axis, as NumPy reads pad arguments."""
    if x is None:
        return [(None, None)] * ndim
    v = np.asarray(x)
    if as_index:
        v = np.round(v).astype(np.intp)
        if np.any(v < 0):
            raise ValueError("index can't contain negative values")
    if v.size == 1 or (v.size == 2 and v.shape != (2, 1)):
        v = np.ravel(v)
    v = np.broadcast_to(v, (ndim, 2))
    return [(v[i, 0].item(), v[i, 1].item()) for i in range(ndim)]


def _cut(a, axis, start, stop, step=None):
    return a[(slice(None),) * axis + (slice(start, stop, step),)]


def _sides(a, axis, lp, rp):
    shape = list(a.shape)
    shape[axis] = lp
    left = tuple(shape)
    shape[axis] = rp
    return left, tuple(shape)


def _constant(a, axis, lp, rp, values):
    parts = []
    for shape, value in zip(_sides(a, axis, lp, rp), values, strict=True):
        block = np.zeros_like(a, shape=shape)
        if value:
            block[...] = value  # cast to the array's dtype, as NumPy does
        parts.append(block)
    return np.concatenate([parts[0], a, parts[1]], axis)


def _edge(a, axis, lp, rp):
    n = a.shape[axis]
    sl, sr = _sides(a, axis, lp, rp)
    return np.concatenate([np.broadcast_to(_cut(a, axis, 0, 1), sl), a,
                           np.broadcast_to(_cut(a, axis, n - 1, n), sr)], axis)


def _linear_ramp(a, axis, lp, rp, ends):
    n = a.shape[axis]
    parts = [a]
    for width, end, edge, left in ((lp, ends[0], _cut(a, axis, 0, 1), True),
                                   (rp, ends[1], _cut(a, axis, n - 1, n), False)):
        if width == 0:
            continue
        shape = [1] * a.ndim
        shape[axis] = width
        steps = np.reshape(np.arange(width, dtype=a.dtype, like=a), shape)
        # np.linspace(end, edge, width, endpoint=False), reversed on the right
        ramp = steps * ((edge - end) / width) + end
        parts.insert(0, ramp) if left else parts.append(np.flip(ramp, axis))
    return np.concatenate(parts, axis)


def _stat(a, axis, lp, rp, lengths, func):
    n = a.shape[axis]
    ll = n if lengths[0] is None else min(lengths[0], n)
    rl = n if lengths[1] is None else min(lengths[1], n)
    if (ll == 0 or rl == 0) and func in (np.max, np.min):
        raise ValueError("stat_length of 0 yields no value for padding")
    left = func(_cut(a, axis, 0, ll), axis=axis, keepdims=True)
    right = left if ll == rl == n else func(_cut(a, axis, n - rl, n), axis=axis,
                                             keepdims=True)
    sl, sr = _sides(a, axis, lp, rp)
    return np.concatenate([np.broadcast_to(left, sl), a, np.broadcast_to(right, sr)], axis)


def _reflect(a, axis, lp, rp, odd, include_edge):
    n = a.shape[axis]
    if n == 1:  # NumPy extends a singleton axis with its edge value
        return _edge(a, axis, lp, rp)
    off = 1 if include_edge else 0
    while lp > 0 or rp > 0:
        length = a.shape[axis]
        # A chunk is a whole number of periods of the original data.
        period = length // n * n if include_edge else (length - 1) // (n - 1) * (n - 1)
        cl, cr = min(period, lp), min(period, rp)
        left = np.flip(_cut(a, axis, 1 - off, cl + 1 - off), axis)
        right = np.flip(_cut(a, axis, length + off - 1 - cr, length + off - 1), axis)
        if odd:
            left = 2 * _cut(a, axis, 0, 1) - left
            right = 2 * _cut(a, axis, length - 1, length) - right
        a = np.concatenate([left, a, right], axis)
        lp -= cl
        rp -= cr
    return a


def _wrap(a, axis, lp, rp):
    n = a.shape[axis]
    while lp > 0 or rp > 0:
        length = a.shape[axis]
        period = length // n * n
        cl, cr = min(period, lp), min(period, rp)
        left = _cut(a, axis, period - cl, period)
        right = _cut(a, axis, length - period, length - period + cr)
        a = np.concatenate([left, a, right], axis)
        lp -= cl
        rp -= cr
    return a


@composite(np.pad)
def pad(array, pad_width, mode="constant", **kwargs):
    if callable(mode):
        raise UnsupportedArgument("numpy.pad: a function as mode cannot be differentiated; "
                                  "compute the padding with NumPy calls instead")
    if mode not in _KWARGS:
        raise ValueError(f"mode '{mode}' is not supported")
    extra = set(kwargs) - _KWARGS[mode]
    if extra:
        raise ValueError(f"unsupported keyword arguments for mode '{mode}': {extra}")
    if array.dtype.kind not in "fc" or array.size == 0:
        res = np.pad(constant(array), pad_width, mode, **kwargs)
        out = np.empty_like(array, shape=res.shape)
        out[...] = res
        return out
    nd = array.ndim
    widths = _pairs(pad_width, nd, as_index=True)
    if mode == "constant":
        values = _pairs(kwargs.get("constant_values", 0), nd)
    elif mode == "linear_ramp":
        values = _pairs(kwargs.get("end_values", 0), nd)
    elif mode in _STATS:
        values = _pairs(kwargs.get("stat_length"), nd, as_index=True)
    a = array
    for axis, (lp, rp) in enumerate(widths):
        if lp == 0 and rp == 0:
            continue
        if mode == "constant":
            a = _constant(a, axis, lp, rp, values[axis])
        elif mode == "empty":  # the pad values are unspecified: zeros
            a = _constant(a, axis, lp, rp, (0, 0))
        elif mode == "edge":
            a = _edge(a, axis, lp, rp)
        elif mode == "linear_ramp":
            a = _linear_ramp(a, axis, lp, rp, values[axis])
        elif mode in _STATS:
            a = _stat(a, axis, lp, rp, values[axis], _STATS[mode])
        elif mode == "wrap":
            a = _wrap(a, axis, lp, rp)
        else:
            a = _reflect(a, axis, lp, rp, kwargs.get("reflect_type", "even") == "odd",
                         mode == "symmetric")
    return a
