"""Derivatives of shape, joining and copying functions.

Most are linear: the gradient is the transposed operation applied to ``g``.
"""

from __future__ import annotations

import numpy as np

from ..registry import defvjp, nondiff
from ._util import normalize_axes

# ----- Reshaping -----
defvjp(np.reshape, lambda g, ans, a, shape=None, order="C", *, copy=None:
       np.reshape(g, a.shape, order=order), view=True)
defvjp(np.ravel, lambda g, ans, a, order="C": np.reshape(g, a.shape, order=order), view=True)
defvjp(np.squeeze, lambda g, ans, a, axis=None: np.reshape(g, a.shape), view=True)
defvjp(np.expand_dims, lambda g, ans, a, axis: np.reshape(g, a.shape), view=True)


def transpose_vjp(g, ans, a, axes=None):
    if axes is None:
        return np.transpose(g)
    return np.transpose(g, np.argsort(normalize_axes_list(axes, a.ndim)))


def normalize_axes_list(axes, ndim):
    return [ax % ndim for ax in axes]


defvjp(np.transpose, transpose_vjp, view=True)
defvjp(np.permute_dims, transpose_vjp, view=True)
defvjp(np.swapaxes, lambda g, ans, a, axis1, axis2: np.swapaxes(g, axis1, axis2), view=True)
defvjp(np.moveaxis, lambda g, ans, a, source, destination: np.moveaxis(g, destination, source),
       view=True)
defvjp(np.matrix_transpose, lambda g, ans, x: np.matrix_transpose(g), view=True)
# broadcast_to: the engine sums g back to the input's shape.
defvjp(np.broadcast_to, lambda g, ans, array, shape, subok=False: g, view=True)

# ----- Copies and casts -----
defvjp(np.copy, lambda g, ans, a, order="K", subok=False: g)
defvjp(np.astype, lambda g, ans, x, dtype, /, *, copy=True, device=None: g)
defvjp(np.ascontiguousarray, lambda g, ans, a, dtype=None, *, like=None: g)
defvjp(np.asfortranarray, lambda g, ans, a, dtype=None, *, like=None: g)


# ----- Complex parts (real and imag are views of complex data) -----
def _real_vjp(g, ans, val):
    return g


def _imag_vjp(g, ans, val):
    # d imag(z): under the conj-Wirtinger convention the cotangent of z is -i*... = 1j * g
    return 1j * g if val.dtype.kind == "c" else None


defvjp(np.real, _real_vjp)
defvjp(np.imag, _imag_vjp)

# ----- Selection -----
defvjp(np.where,
       None,
       lambda g, ans, condition, x=None, y=None: np.where(condition, g, 0),
       lambda g, ans, condition, x=None, y=None: np.where(condition, 0, g))

# ----- Joining -----


def concatenate_vjp(g, ans, arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    if axis is None:
        parts = np.split(g, np.cumsum([a.size for a in arrays])[:-1])
        return [np.reshape(p, a.shape) for p, a in zip(parts, arrays)]
    return np.split(g, np.cumsum([a.shape[axis] for a in arrays])[:-1], axis=axis)


defvjp(np.concatenate, concatenate_vjp)
defvjp(np.concat, concatenate_vjp)


def stack_vjp(g, ans, arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    gm = np.moveaxis(g, axis, 0)
    return [gm[i] for i in range(len(arrays))]


defvjp(np.stack, stack_vjp)

nondiff(np.shape, np.ndim, np.size, np.result_type, np.can_cast, np.min_scalar_type,
        np.zeros_like, np.ones_like, np.empty_like, np.full_like, np.zeros, np.ones,
        np.empty, np.full, np.arange, np.linspace, np.eye, np.identity, np.array_equal,
        np.array_equiv, np.allclose, np.isclose, np.iscomplexobj, np.isrealobj,
        np.iscomplex, np.isreal, np.shares_memory, np.may_share_memory, np.count_nonzero,
        np.argmax, np.argmin, np.argsort, np.nonzero, np.flatnonzero, np.argwhere,
        np.searchsorted, np.unique, np.unique_values, np.unique_counts,
        np.unique_inverse, np.unique_all, np.all, np.any, np.isin, np.digitize,
        np.bincount, np.histogram, np.sign, np.floor, np.ceil, np.trunc, np.fix,
        np.round, np.around, np.rint, np.lexsort, np.argpartition, np.tril_indices_from,
        np.triu_indices_from, np.diag_indices_from, np.nanargmax, np.nanargmin,
        np.array_str, np.array_repr, np.save, np.savetxt, np.ndim, np.isneginf,
        np.isposinf)
