"""Derivatives of indexing: ``x[idx]``, ``x[idx] = v``, ``ufunc.at``, take/put, choose,
select, diagonals and sorting.

Reading with repeated integer indices scatter-adds in the backward pass; writing gives the
overwritten part of the target no gradient and the written values the gradient of their
destination (with repeated indices only the last write survives, as in NumPy).
"""

from __future__ import annotations

import operator

import numpy as np

from ..registry import composite, defvjp
from ._util import basic_index, like


def _has_int_array(idx):
    """True when ``idx`` holds an integer array (which may repeat positions)."""
    for i in (idx if isinstance(idx, tuple) else (idx,)):
        if isinstance(i, (list, np.ndarray)) and np.asarray(i).dtype.kind in "iu":
            return True
        if hasattr(i, "dtype") and i.dtype.kind in "iu" and np.ndim(i) > 0:
            return True
    return False


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


def _written_value_grad(g, idx):
    """``g[idx]``, zero where a repeated index was overwritten by a later write."""
    sel = g[idx]
    if basic_index(idx) or not _has_int_array(idx):
        return sel
    # Write the label of every slot; the label read back identifies the surviving write.
    labels = np.reshape(np.arange(sel.size, like=sel), sel.shape)
    last = np.full_like(g, -1, dtype=np.intp)
    last[idx] = labels
    return np.where(last[idx] == labels, sel, 0)


defvjp(operator.getitem, getitem_vjp, None, view=True)
# setitem(x, idx, value): the node's inputs are (old x, idx, value).
defvjp(operator.setitem,
       lambda g, ans, x, idx, value: g * _overwritten_mask(g, idx),
       None,
       lambda g, ans, x, idx, value: _written_value_grad(g, idx))
defvjp((np.add, "at"), lambda g, ans, a, idx, b=None: g, None,
       lambda g, ans, a, idx, b=None: g[idx], inplace=True)
defvjp((np.subtract, "at"), lambda g, ans, a, idx, b=None: g, None,
       lambda g, ans, a, idx, b=None: -g[idx], inplace=True)


# ----- take / put -----
def _fix_indices(indices, n, mode):
    if mode == "wrap":
        return np.mod(indices, n)
    if mode == "clip":
        return np.clip(indices, 0, n - 1)
    return indices


def take_vjp(g, ans, a, indices, axis=None, out=None, mode="raise"):
    shape = (a.size,) if axis is None else a.shape
    ax = 0 if axis is None else axis % a.ndim
    gx = np.zeros_like(g, shape=shape)
    # One advanced index among slices keeps its place: the shape of g.
    np.add.at(gx, (slice(None),) * ax + (_fix_indices(indices, shape[ax], mode),), g)
    return np.reshape(gx, a.shape)


defvjp(np.take, take_vjp)


def _along_axis(indices, shape, axis):
    """The fancy index that ``take_along_axis(arr, indices, axis)`` reads with."""
    nd = len(shape)
    index = []
    for d in range(nd):
        if d == axis:
            index.append(indices)
        else:
            ishape = [1] * nd
            ishape[d] = -1
            index.append(np.reshape(np.arange(shape[d], like=indices), ishape))
    return tuple(index)


def take_along_axis_vjp(g, ans, arr, indices, axis=-1):
    if axis is None:
        gx = np.zeros_like(g, shape=(arr.size,))
        np.add.at(gx, indices, g)
        return np.reshape(gx, arr.shape)
    gx = np.zeros_like(g, shape=arr.shape)
    np.add.at(gx, _along_axis(indices, arr.shape, axis % arr.ndim), g)
    return gx


defvjp(np.take_along_axis, take_along_axis_vjp)


def _flat_to_index(flat, shape):
    return np.unravel_index(np.where(flat < 0, flat + int(np.prod(shape)), flat), shape)


@composite(np.put_along_axis)
def put_along_axis(arr, indices, values, axis):
    # A recorded setitem: the overwritten elements lose their gradient.
    if axis is None:
        arr[_flat_to_index(np.ravel(indices), arr.shape)] = np.ravel(values)
    else:
        arr[_along_axis(indices, arr.shape, axis % arr.ndim)] = values


@composite(np.put)
def put(a, ind, v, mode="raise"):
    ind = _fix_indices(np.ravel(ind), a.size, mode)
    if ind.size and (np.max(ind) >= a.size or np.min(ind) < -a.size):
        raise IndexError(f"index out of range for array of size {a.size}")
    v = np.ravel(v)
    if v.size != ind.size and ind.size:  # v is repeated (or cut) to match ind
        v = v[np.arange(ind.size, like=ind) % v.size]
    a[_flat_to_index(ind, a.shape)] = v


@composite(np.place)
def place(arr, mask, vals):
    where = np.reshape(np.asarray(mask, dtype=bool), arr.shape)
    n = int(np.count_nonzero(where))
    vals = np.ravel(vals)
    if n:
        arr[where] = vals[np.arange(n) % vals.size]


def compress_vjp(g, ans, condition, a, axis=None, out=None):
    idx = np.flatnonzero(condition)
    shape = (a.size,) if axis is None else a.shape
    gx = np.zeros_like(g, shape=shape)
    gx[(slice(None),) * (0 if axis is None else axis % a.ndim) + (idx,)] = g
    return np.reshape(gx, a.shape)


defvjp(np.compress, None, compress_vjp)


@composite(np.extract)
def extract(condition, arr):
    return np.take(np.ravel(arr), np.flatnonzero(condition))


# ----- choose / select -----
def choose_vjp(g, ans, a, choices, out=None, mode="raise"):
    n = len(choices)
    which = _fix_indices(a, n, mode)
    if isinstance(choices, (list, tuple)):
        return [np.where(which == i, g, 0) for i in range(n)]
    pick = np.reshape(np.arange(n, like=which), (n,) + (1,) * np.ndim(g))
    return np.where(which == pick, g, 0)


defvjp(np.choose, None, choose_vjp)


def select_vjp(g, ans, condlist, choicelist, default=0):
    taken = None
    out = []
    for cond in condlist:  # the first true condition wins
        first = cond if taken is None else np.logical_and(cond, np.logical_not(taken))
        out.append(np.where(first, g, 0))
        taken = cond if taken is None else np.logical_or(taken, cond)
    return out


def select_vjp_default(g, ans, condlist, choicelist, default=0):
    taken = np.logical_or.reduce([np.broadcast_to(c, g.shape) for c in condlist])
    return np.where(taken, 0, g)


defvjp(np.select, None, select_vjp, select_vjp_default)


# ----- Diagonals -----
def _diagonal_vjp(g, shape, offset, axis1, axis2):
    """Gradient of ``np.diagonal(a, offset, axis1, axis2)`` for ``a`` of ``shape``."""
    nd = len(shape)
    axis1, axis2 = axis1 % nd, axis2 % nd
    rest = tuple(s for i, s in enumerate(shape) if i not in (axis1, axis2))
    k = np.arange(g.shape[-1], like=like(g))
    gm = np.zeros_like(g, shape=rest + (shape[axis1], shape[axis2]))
    gm[..., k + max(-offset, 0), k + max(offset, 0)] = g
    return np.moveaxis(gm, (-2, -1), (axis1, axis2))


defvjp(np.diagonal, lambda g, ans, a, offset=0, axis1=0, axis2=1:
       _diagonal_vjp(g, a.shape, offset, axis1, axis2))
defvjp(np.diag, lambda g, ans, v, k=0:
       np.diagonal(g, k) if v.ndim == 1 else _diagonal_vjp(g, v.shape, k, 0, 1))


# ----- Sorting: a recorded gather by argsort's permutation, so that nothing the backward
# pass needs is overwritten by the in-place ``x.sort()`` (x[...] = np.sort(x)).  Ties: equal
# values get the gradient of the slot the stable order gives them. -----
@composite(np.sort)
def sort(a, axis=-1, kind=None, order=None, *, stable=None):
    perm = np.argsort(a, axis=axis, kind=kind, order=order, stable=stable)
    if axis is None:
        return np.take(a, perm)
    return np.take_along_axis(a, perm, axis=axis)


@composite(np.sort_complex)
def sort_complex(a):
    s = sort(a)
    if s.dtype.kind == "c":
        return s
    return np.astype(s, np.complex64 if s.dtype.char in "bhBH" else np.complex128)


# ----- Partition: NumPy's values; the gradient follows the permutation that matches a's
# and the output's stable sorted orders (a bijection, so tied values share nothing twice) -----
def partition_vjp(g, ans, a, kth, axis=-1, kind="introselect", order=None):
    if axis is None:
        return np.reshape(partition_vjp(g, ans, np.ravel(a), kth, -1), a.shape)
    rank = np.argsort(np.argsort(a, axis=axis, kind="stable"), axis=axis)  # a[i]'s rank
    slot = np.take_along_axis(np.argsort(ans, axis=axis, kind="stable"), rank, axis=axis)
    return np.take_along_axis(g, slot, axis=axis)


defvjp(np.partition, partition_vjp)


# ----- In-place writes through flat positions: recorded setitems, as put/place above -----
@composite(np.fill_diagonal)
def fill_diagonal(a, val, wrap=False):
    if a.ndim < 2:
        raise ValueError("array must be at least 2-d")
    end = None
    if a.ndim == 2:
        step = a.shape[1] + 1
        if not wrap:  # a tall matrix's diagonal does not wrap around
            end = a.shape[1] * a.shape[1]
    else:
        if len(set(a.shape)) != 1:
            raise ValueError("All dimensions of input must be of equal length")
        step = 1 + sum(int(np.prod(a.shape[:k])) for k in range(1, a.ndim))
    flat = np.arange(a.size, like=a)[:end:step]
    v = np.ravel(val)
    if flat.size and v.size:
        if v.size != flat.size:  # val repeats (or is cut) along the diagonal, as a.flat
            v = v[np.arange(flat.size, like=v) % v.size]
        a[np.unravel_index(flat, a.shape)] = v


@composite(np.putmask)
def putmask(a, mask, values):
    if np.size(mask) != a.size:
        raise ValueError("putmask: mask and data must be the same size")
    flat = np.flatnonzero(mask)
    v = np.ravel(values)
    if flat.size and v.size:
        # values[i % len(values)] goes to flat position i (not to the i-th masked one)
        a[np.unravel_index(flat, a.shape)] = v[flat % v.size]


@composite(np.ix_)
def ix_(*args):
    out = []
    for k, new in enumerate(args):
        if not isinstance(new, np.ndarray):
            new = np.asarray(new)
            if new.size == 0:  # an empty list indexes nothing: integer, not float
                new = np.astype(new, np.intp)
        if new.ndim != 1:
            raise ValueError("Cross index must be 1 dimensional")
        if new.dtype == bool:
            new = np.flatnonzero(new)
        out.append(np.reshape(new, (1,) * k + (new.size,) + (1,) * (len(args) - k - 1)))
    return tuple(out)
