"""Derivatives of array creation from existing arrays: *_like, linspace and friends.

``zeros_like(x)`` and kin do not depend on ``x``'s values (no gradient, no error); the values
that do flow into a new array (``full_like``'s fill value, ``linspace``'s end points) get
their gradient.  ``np.full``/``np.zeros``/``np.arange`` never reach gradarray (NumPy does
not dispatch them on their arguments).
"""

from __future__ import annotations

import numpy as np

from ..registry import composite, defvjp, nondiff
from ._util import like

nondiff(np.zeros_like, np.ones_like, np.empty_like, np.zeros, np.ones, np.empty, np.full,
        np.arange, np.eye, np.identity, np.tri)


@composite(np.full_like)
def full_like(a, fill_value, dtype=None, order="K", subok=True, shape=None, *, device=None):
    # The template gives only shape and dtype; a recorded fill value is written with a
    # recorded setitem, so its gradient flows while a constant fill stays untracked.
    kw = {} if device is None else {"device": device}
    out = np.empty_like(a, dtype=dtype, order=order, subok=subok, shape=shape, **kw)
    out[...] = fill_value
    return out


def _linspace_steps(ans, num, endpoint, axis):
    """The interpolation weights t (0 at start, 1 at stop), shaped to broadcast on ``axis``."""
    div = (num - 1) if endpoint else num
    t = np.arange(num, dtype=ans.real.dtype, like=like(ans)) / max(div, 1)
    shape = [1] * ans.ndim
    shape[axis] = num
    return np.reshape(t, shape)


def _linspace_vjp(weight):
    def vjp(g, ans, start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0,
            *, device=None):
        if retstep:
            g = g[0]
        t = _linspace_steps(np.zeros_like(g), num, endpoint, axis % g.ndim)
        g = g * (1 - t) if weight == "start" else g * t
        return np.sum(g, axis=axis % g.ndim)

    return vjp


defvjp(np.linspace, _linspace_vjp("start"), _linspace_vjp("stop"))


# ----- Logarithmic spacing: composites of linspace and power (so start, stop and base get
# gradients).  NumPy's own code converts a non-scalar base with np.array (losing the tape).
def _ndmin(a, n):
    a = np.asanyarray(a)
    return np.reshape(a, (1,) * (n - a.ndim) + a.shape) if a.ndim < n else a


@composite(np.logspace)
def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    if not isinstance(base, (float, int)) and np.ndim(base):
        # A non-scalar base broadcasts with the end points, which may move ``axis``.
        ndmax = np.broadcast(start, stop, base).ndim
        start, stop, base = (_ndmin(a, ndmax) for a in (start, stop, base))
        base = np.expand_dims(base, axis=axis)
    y = np.linspace(start, stop, num=num, endpoint=endpoint, axis=axis)
    r = np.power(base, y)
    return r if dtype is None else np.astype(r, dtype, copy=False)


@composite(np.geomspace)
def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    start, stop = np.asanyarray(start), np.asanyarray(stop)
    if np.any(start == 0) or np.any(stop == 0):
        raise ValueError("Geometric sequence cannot include zero")
    dt = np.result_type(start, stop, float(num), np.zeros((), dtype))
    dtype = dt if dtype is None else np.dtype(dtype)
    start = np.astype(start, dt, copy=True)
    stop = np.astype(stop, dt, copy=True)
    # As NumPy: rotate start onto the positive reals and back.  The rotation sign(start) is
    # locally constant, so treating it as a constant (np.sign has no gradient) is exact.
    sign = np.sign(start)
    start = start / sign
    stop = stop / sign
    result = logspace(np.log10(start), np.log10(stop), num=num, endpoint=endpoint,
                      base=10.0, dtype=dt)
    if num > 0:  # exact end points (10 ** log10(x) may differ from x), out of place:
        # power's gradient needs its output unchanged
        step = np.reshape(np.arange(num, like=result), (num,) + (1,) * (result.ndim - 1))
        result = np.where(step == 0, start, result)
        if num > 1 and endpoint:
            result = np.where(step == num - 1, stop, result)
    result = result * sign
    if axis != 0:
        result = np.moveaxis(result, 0, axis)
    return np.astype(result, dtype, copy=False)
