"""Derivatives of reductions and scans: sum, prod, mean, var, std, max/min, cumsum, ...

``(np.add, "reduce")`` and the other ufunc methods share the rule of the NumPy function
they implement.
"""

from __future__ import annotations

import numpy as np

from ..registry import defvjp
from ._util import expand_reduced


def sum_vjp(g, ans, a, axis=None, dtype=None, out=None, keepdims=False, initial=None,
            where=True):
    g = np.broadcast_to(expand_reduced(g, a.ndim, axis, keepdims), a.shape)
    return g if where is True else np.where(where, g, 0)


defvjp(np.sum, sum_vjp)
defvjp((np.add, "reduce"), sum_vjp)


def mean_vjp(g, ans, a, axis=None, dtype=None, out=None, keepdims=False, *, where=True):
    if where is True:
        n = a.size // max(ans.size, 1) if a.size else 1
        return np.broadcast_to(expand_reduced(g, a.ndim, axis, keepdims), a.shape) / n
    w = np.broadcast_to(where, a.shape)
    n = np.sum(w, axis=axis, keepdims=True)
    return np.where(w, expand_reduced(g, a.ndim, axis, keepdims) / n, 0)


defvjp(np.mean, mean_vjp)
