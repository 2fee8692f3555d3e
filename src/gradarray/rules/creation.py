"""Derivatives of array creation from existing arrays: *_like, linspace and friends.

``zeros_like(x)`` and kin do not depend on ``x``'s values (no gradient, no error); the values
that do flow into a new array (``full_like``'s fill value, ``linspace``'s end points) get
their gradient.  ``np.full``/``np.zeros``/``np.arange`` never reach gradarray (NumPy does
not dispatch them on their arguments).
"""

from __future__ import annotations

import numpy as np

from ..registry import composite, defvjp, nondiff

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
    t = np.arange(num, dtype=ans.real.dtype) / max(div, 1)
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
