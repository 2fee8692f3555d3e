"""Derivatives of indexing: ``x[idx]``, ``x[idx] = v``, ``ufunc.at`` and friends.

Reading with repeated integer indices scatter-adds in the backward pass; writing gives the
overwritten part of the target no gradient and the written values the gradient of their
destination.
"""

from __future__ import annotations

import operator

import numpy as np

from ..registry import defvjp
from ._util import basic_index


def getitem_vjp(g, ans, x, idx):
    gx = np.zeros_like(g, shape=x.shape)
    if basic_index(idx):
        gx[idx] = g
    else:
        np.add.at(gx, idx, g)
    return gx


def _overwritten_mask(g, idx):
    keep = np.ones_like(g, dtype=bool)
    keep[idx] = False
    return keep


defvjp(operator.getitem, getitem_vjp, None, view=True)
# setitem(x, idx, value): the node's inputs are (old x, idx, value).
defvjp(operator.setitem,
       lambda g, ans, x, idx, value: g * _overwritten_mask(g, idx),
       None,
       lambda g, ans, x, idx, value: g[idx])
defvjp((np.add, "at"), lambda g, ans, a, idx, b=None: g, None,
       lambda g, ans, a, idx, b=None: g[idx], inplace=True)
defvjp((np.subtract, "at"), lambda g, ans, a, idx, b=None: g, None,
       lambda g, ans, a, idx, b=None: -g[idx], inplace=True)
