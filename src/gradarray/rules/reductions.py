"""Derivatives of reductions and scans: sum, prod, mean, var, std, max/min, cumsum, ...

Every rule takes NumPy's parameters under NumPy's names and defaults.  The ufunc methods
(``(np.add, "reduce")``, ``(np.multiply, "accumulate")``, ...) share the helpers of the NumPy
function they implement but keep their own signature (``axis=0`` by default, the array
named ``array``).  Order statistics (max, median, percentile) are piecewise linear: their
gradient selects elements, and ties share it equally.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import UnsupportedArgument
from ..registry import composite, defvjp
from ._util import conj, expand_reduced, like, normalize_axes

# ----------------------------------------------------------------------------- helpers


def _spread(g, ndim, shape, axis, keepdims, where=True):
    """``g`` of a reduction broadcast back over the input, zero where ``where`` is False."""
    g = np.broadcast_to(expand_reduced(g, ndim, axis, keepdims), shape)
    return g if where is True else np.where(where, g, 0)


def _count(shape, axis):
    """How many elements a reduction over ``axis`` combines."""
    return math.prod(shape[i] for i in normalize_axes(axis, len(shape)))


def _flip(x, axis):
    idx = [slice(None)] * x.ndim
    idx[axis] = slice(None, None, -1)
    return x[tuple(idx)]


def _rcumsum(g, axis):
    """Reverse cumulative sum: the vjp of cumsum along ``axis``."""
    return _flip(np.cumsum(_flip(g, axis), axis=axis), axis)


def _drop_first(g, axis):
    """``g`` without its first element along ``axis`` (``include_initial=True``)."""
    idx = [slice(None)] * g.ndim
    idx[axis] = slice(1, None)
    return g[tuple(idx)]


def _to_last(x, axis):
    """``x`` as a 2-d (m, n) array whose rows are the slices a reduction over ``axis`` combines.

    Returns it with what :func:`_from_last` needs to undo it.
    """
    axes = normalize_axes(axis, x.ndim)
    k = len(axes)
    moved = np.moveaxis(x, axes, tuple(range(x.ndim - k, x.ndim)))
    shape = moved.shape
    n = math.prod(shape[x.ndim - k:])
    return np.reshape(moved, (math.prod(shape[:x.ndim - k]), n)), shape, axes


def _from_last(r, moved_shape, axes, ndim):
    """Undo :func:`_to_last`."""
    k = len(axes)
    return np.moveaxis(np.reshape(r, moved_shape), tuple(range(ndim - k, ndim)), axes)


def _weights(mask, dtype):
    """``mask / mask.sum(-1)``: equal shares among the selected (tied) elements."""
    w = mask / np.maximum(np.sum(mask, axis=-1, keepdims=True), 1)
    return w.astype(dtype) if w.dtype != dtype else w


# ----------------------------------------------------------------------------- sums and means


def sum_vjp(g, ans, a, axis=None, dtype=None, out=None, keepdims=False, initial=None,
            where=True):
    return _spread(g, a.ndim, a.shape, axis, keepdims, where)


def add_reduce_vjp(g, ans, array, axis=0, dtype=None, out=None, keepdims=False, initial=None,
                   where=True):
    return _spread(g, array.ndim, array.shape, axis, keepdims, where)


def nansum_vjp(g, ans, a, axis=None, dtype=None, out=None, keepdims=False, initial=None,
               where=True):
    return np.where(np.isnan(a), 0, _spread(g, a.ndim, a.shape, axis, keepdims, where))


def mean_vjp(g, ans, a, axis=None, dtype=None, out=None, keepdims=False, *, where=True):
    if where is True:
        return _spread(g, a.ndim, a.shape, axis, keepdims) / _count(a.shape, axis)
    w = np.broadcast_to(where, a.shape)
    n = np.sum(w, axis=axis, keepdims=True)
    return np.where(w, expand_reduced(g, a.ndim, axis, keepdims) / np.maximum(n, 1), 0)


def nanmean_vjp(g, ans, a, axis=None, dtype=None, out=None, keepdims=False, *, where=True):
    w = ~np.isnan(a) if where is True else ~np.isnan(a) & where
    n = np.sum(w, axis=axis, keepdims=True)
    return np.where(w, expand_reduced(g, a.ndim, axis, keepdims) / np.maximum(n, 1), 0)


defvjp(np.sum, sum_vjp)
defvjp((np.add, "reduce"), add_reduce_vjp)
defvjp(np.nansum, nansum_vjp)
defvjp(np.mean, mean_vjp)
defvjp(np.nanmean, nanmean_vjp)


def trace_vjp(g, ans, a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    eye = np.eye(a.shape[axis1], a.shape[axis2], offset, dtype=bool, like=like(g))
    return np.moveaxis(np.expand_dims(g, (-2, -1)) * eye, (-2, -1), (axis1, axis2))


defvjp(np.trace, trace_vjp)


# ----------------------------------------------------------------------------- variance


def _var_grad(g, a, axis, ddof, keepdims, where, mean, correction, skip_nan):
    """d var / d a = 2 (a - mean) / (N - ddof), zero where ``where`` (or a NaN) masks a."""
    if correction is not None:
        ddof = correction
    w = where
    if skip_nan:
        w = ~np.isnan(a) if where is True else ~np.isnan(a) & where
    if w is True:
        n = _count(a.shape, axis)
    else:
        w = np.broadcast_to(w, a.shape)
        a = np.where(w, a, 0)  # NaN * 0 would poison the products below
        n = np.sum(w, axis=axis, keepdims=True)
    m = np.mean(a, axis=axis, keepdims=True, where=w) if mean is None else mean
    r = expand_reduced(g, a.ndim, axis, keepdims) * (2 * (a - m) / (n - ddof))
    return r if w is True else np.where(w, r, 0)


def _std_cotangent(g, ans, a, axis, keepdims, skip_nan=False):
    # d sqrt(v) = dv / (2 sqrt(v)); taken as 0 where std is 0 (a kink, like |x| at 0).  A
    # spread at the rounding level of the data (equal values whose mean rounded) counts as 0:
    # there the quotient of two rounding errors would be noise, not a derivative.
    if a.size:
        scale = (np.nanmax if skip_nan else np.max)(np.abs(a), axis=axis, keepdims=keepdims)
        zero = ans <= 4 * np.finfo(a.dtype).eps * scale
    else:
        zero = ans == 0
    return np.where(zero, 0, g / (2 * np.where(zero, 1, ans)))


def var_vjp(g, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True,
            mean=None, correction=None):
    return _var_grad(g, a, axis, ddof, keepdims, where, mean, correction, False)


def std_vjp(g, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True,
            mean=None, correction=None):
    return _var_grad(_std_cotangent(g, ans, a, axis, keepdims), a, axis, ddof, keepdims, where,
                     mean, correction, False)


def nanvar_vjp(g, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *,
               where=True, mean=None, correction=None):
    return _var_grad(g, a, axis, ddof, keepdims, where, mean, correction, True)


def nanstd_vjp(g, ans, a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *,
               where=True, mean=None, correction=None):
    return _var_grad(_std_cotangent(g, ans, a, axis, keepdims, True), a, axis, ddof, keepdims,
                     where, mean, correction, True)


defvjp(np.var, var_vjp)
defvjp(np.std, std_vjp)
defvjp(np.nanvar, nanvar_vjp)
defvjp(np.nanstd, nanstd_vjp)


# ----------------------------------------------------------------------------- products


def _prod_others(x, axis):
    """Product of all other elements along ``axis``, exact with zeros (no division)."""
    xf, moved, axes = _to_last(x, axis)
    ones = np.ones_like(xf[..., :1])
    left = np.cumprod(np.concatenate([ones, xf[..., :-1]], axis=-1), axis=-1)
    right = _flip(np.cumprod(np.concatenate([ones, xf[..., :0:-1]], axis=-1), axis=-1), -1)
    return _from_last(left * right, moved, axes, x.ndim)


def _prod_grad(g, a, axis, keepdims, initial, where, skip_nan):
    if a.size == 0:
        return None
    x = a
    if skip_nan:
        x = np.where(np.isnan(x), 1, x)
    if where is not True:
        x = np.where(where, x, 1)
    # The product of the others, without dividing ans by x: exact with zeros and accurate
    # for tiny values (a polynomial, so right at any order).
    d = _prod_others(x, axis)
    if initial is not None:
        d = d * initial
    g = expand_reduced(g, a.ndim, axis, keepdims)
    r = g * conj(d)
    if skip_nan:
        r = np.where(np.isnan(a), 0, r)
    return r if where is True else np.where(where, r, 0)


def prod_vjp(g, ans, a, axis=None, dtype=None, out=None, keepdims=False, initial=None,
             where=True):
    return _prod_grad(g, a, axis, keepdims, initial, where, False)


def nanprod_vjp(g, ans, a, axis=None, dtype=None, out=None, keepdims=False, initial=None,
                where=True):
    return _prod_grad(g, a, axis, keepdims, initial, where, True)


def multiply_reduce_vjp(g, ans, array, axis=0, dtype=None, out=None, keepdims=False,
                        initial=None, where=True):
    return _prod_grad(g, array, axis, keepdims, initial, where, False)


defvjp(np.prod, prod_vjp)
defvjp(np.nanprod, nanprod_vjp)
defvjp((np.multiply, "reduce"), multiply_reduce_vjp)


# ----------------------------------------------------------------------------- extrema


def _share(a, kept, axis, where=True):
    """Each element's share of the gradient of a max/min whose value (kept dims) is ``kept``."""
    # Ties share the gradient equally among the tied elements (NaNs, never equal, get none).
    hit = a == kept
    if where is not True:
        hit = hit & where
    share = hit / np.maximum(np.sum(hit, axis=axis, keepdims=True), 1)
    return share.astype(kept.dtype) if kept.dtype.kind == "f" else share


def _extremum_grad(g, ans, a, axis, keepdims, where):
    return (expand_reduced(g, a.ndim, axis, keepdims)
            * _share(a, expand_reduced(ans, a.ndim, axis, keepdims), axis, where))


def max_vjp(g, ans, a, axis=None, out=None, keepdims=False, initial=None, where=True):
    return _extremum_grad(g, ans, a, axis, keepdims, where)


def ufunc_extremum_vjp(g, ans, array, axis=0, dtype=None, out=None, keepdims=False,
                       initial=None, where=True):
    return _extremum_grad(g, ans, array, axis, keepdims, where)


def ptp_vjp(g, ans, a, axis=None, out=None, keepdims=False):
    hi = _share(a, np.max(a, axis=axis, keepdims=True), axis)
    lo = _share(a, np.min(a, axis=axis, keepdims=True), axis)
    return expand_reduced(g, a.ndim, axis, keepdims) * (hi - lo)


for _f in (np.max, np.min, np.amax, np.amin, np.nanmax, np.nanmin):
    defvjp(_f, max_vjp)
for _u in (np.maximum, np.minimum, np.fmax, np.fmin):
    defvjp((_u, "reduce"), ufunc_extremum_vjp)
defvjp(np.ptp, ptp_vjp)


def logaddexp_reduce_vjp(g, ans, array, axis=0, dtype=None, out=None, keepdims=False,
                         initial=None, where=True):
    # d logsumexp = softmax
    d = np.exp(array - expand_reduced(ans, array.ndim, axis, keepdims))
    r = expand_reduced(g, array.ndim, axis, keepdims) * d
    return r if where is True else np.where(where, r, 0)


def logaddexp2_reduce_vjp(g, ans, array, axis=0, dtype=None, out=None, keepdims=False,
                          initial=None, where=True):
    d = np.exp2(array - expand_reduced(ans, array.ndim, axis, keepdims))
    r = expand_reduced(g, array.ndim, axis, keepdims) * d
    return r if where is True else np.where(where, r, 0)


defvjp((np.logaddexp, "reduce"), logaddexp_reduce_vjp)
defvjp((np.logaddexp2, "reduce"), logaddexp2_reduce_vjp)


def hypot_reduce_vjp(g, ans, array, axis=0, dtype=None, out=None, keepdims=False,
                     initial=None, where=True):
    # d sqrt(sum x^2) = x / ans; 0 where the whole slice is 0 (the subgradient of |x| at 0).
    norm = expand_reduced(ans, array.ndim, axis, keepdims)
    r = expand_reduced(g, array.ndim, axis, keepdims) * (array / np.where(norm == 0, 1, norm))
    return r if where is True else np.where(where, r, 0)


defvjp((np.hypot, "reduce"), hypot_reduce_vjp)


# ----------------------------------------------------------------------------- scans


def _cumprod_grad(g, ans, x, axis):
    """vjp of cumprod along ``axis``: sum_{k>=i} g_k conj(prod_{j<=k, j!=i} x_j)."""
    if not np.any(x == 0):
        # O(n); dividing by a tiny (say 1e-100) x loses accuracy in second derivatives.
        return _rcumsum(g * conj(ans), axis) / conj(x)
    # With zeros: the products with x_i left out, one row per i (quadratic in the length,
    # but exact: a polynomial, so right at any order).
    xm = np.moveaxis(x, axis, -1)
    idx = np.arange(xm.shape[-1], like=xm)
    eye = idx[:, None] == idx
    later = idx[:, None] <= idx
    c = np.cumprod(np.where(eye, 1, np.expand_dims(xm, -2)), axis=-1)
    gm = np.expand_dims(np.moveaxis(g, axis, -1), -2)
    return np.moveaxis(np.sum(np.where(later, gm * conj(c), 0), axis=-1), -1, axis)


def cumsum_vjp(g, ans, a, axis=None, dtype=None, out=None):
    if axis is None:
        return np.reshape(_rcumsum(g, 0), a.shape)
    return _rcumsum(g, axis)


def nancumsum_vjp(g, ans, a, axis=None, dtype=None, out=None):
    r = _rcumsum(g, 0 if axis is None else axis)
    return np.where(np.isnan(a), 0, np.reshape(r, a.shape))


def cumprod_vjp(g, ans, a, axis=None, dtype=None, out=None):
    if axis is None:
        return np.reshape(_cumprod_grad(g, ans, np.reshape(a, (-1,)), 0), a.shape)
    return _cumprod_grad(g, ans, a, axis)


def nancumprod_vjp(g, ans, a, axis=None, dtype=None, out=None):
    nan = np.isnan(a)
    x = np.where(nan, 1, a)
    if axis is None:
        r = np.reshape(_cumprod_grad(g, ans, np.reshape(x, (-1,)), 0), a.shape)
    else:
        r = _cumprod_grad(g, ans, x, axis)
    return np.where(nan, 0, r)


def cumulative_sum_vjp(g, ans, x, /, *, axis=None, dtype=None, out=None,
                       include_initial=False):
    axis = 0 if axis is None else axis
    return _rcumsum(_drop_first(g, axis) if include_initial else g, axis)


def cumulative_prod_vjp(g, ans, x, /, *, axis=None, dtype=None, out=None,
                        include_initial=False):
    axis = 0 if axis is None else axis
    if include_initial:
        g, ans = _drop_first(g, axis), _drop_first(ans, axis)
    return _cumprod_grad(g, ans, x, axis)


def add_accumulate_vjp(g, ans, array, axis=0, dtype=None, out=None):
    return _rcumsum(g, axis)


def multiply_accumulate_vjp(g, ans, array, axis=0, dtype=None, out=None):
    return _cumprod_grad(g, ans, array, axis)


def extremum_accumulate_vjp(g, ans, array, axis=0, dtype=None, out=None):
    """vjp of maximum/minimum.accumulate: ``g[k]`` goes to the elements of ``array[:k+1]``
    equal to ``ans[k]`` (ties share it evenly, as for np.max)."""
    x, ans, g = (np.moveaxis(v, axis, -1) for v in (array, ans, g))
    n = x.shape[-1]
    hit = x == ans  # x[i] is the running extremum at i (and for k > i while ans stays equal)
    # Runs of equal ans: ans[k]'s ties are the hits since its run started.
    start = np.concatenate([np.ones_like(hit[..., :1]), ans[..., 1:] != ans[..., :-1]], -1)
    seen = np.cumsum(hit, axis=-1)
    before = np.maximum.accumulate(np.where(start, seen - hit, 0), axis=-1)
    share = g / np.maximum(seen - before, 1).astype(g.dtype)
    # A hit collects the shares from itself to the end of its run: the reverse cumsum, less
    # its value at the next run's start (found by a reverse running minimum of positions).
    tail = _rcumsum(share, -1)
    tail = np.concatenate([tail, np.zeros_like(tail[..., :1])], -1)
    pos = np.where(start, np.arange(n, like=like(x)), n)
    nxt = np.concatenate([pos[..., 1:], np.full_like(pos[..., :1], n)], -1)
    nxt = _flip(np.minimum.accumulate(_flip(nxt, -1), axis=-1), -1)
    r = np.where(hit, tail[..., :n] - np.take_along_axis(tail, nxt, -1), 0)
    return np.moveaxis(r, -1, axis)


def add_reduceat_vjp(g, ans, array, indices, axis=0, dtype=None, out=None):
    # out[i] sums array[indices[i]:indices[i+1]] (just array[indices[i]] when not increasing).
    n = array.shape[axis]
    start = np.asarray(indices)  # integer positions: constants, never differentiated
    stop = np.concatenate([start[1:], [n]])
    stop = np.where(stop > start, stop, start + 1)
    pos = np.arange(n, like=like(g))
    member = (start[:, None] <= pos) & (pos < stop[:, None])
    r = np.matmul(np.moveaxis(g, axis, -1), member.astype(g.dtype))
    return np.moveaxis(r, -1, axis)


defvjp(np.cumsum, cumsum_vjp)
defvjp(np.cumprod, cumprod_vjp)
defvjp(np.nancumsum, nancumsum_vjp)
defvjp(np.nancumprod, nancumprod_vjp)
if hasattr(np, "cumulative_sum"):  # NumPy >= 2.1
    defvjp(np.cumulative_sum, cumulative_sum_vjp)
    defvjp(np.cumulative_prod, cumulative_prod_vjp)
defvjp((np.add, "accumulate"), add_accumulate_vjp)
defvjp((np.multiply, "accumulate"), multiply_accumulate_vjp)
defvjp((np.maximum, "accumulate"), extremum_accumulate_vjp)
defvjp((np.minimum, "accumulate"), extremum_accumulate_vjp)
defvjp((np.add, "reduceat"), add_reduceat_vjp, None)


# ----------------------------------------------------------------------------- order statistics

# Hyndman & Fan's (alpha, beta) for NumPy's continuous quantile methods.
_HF = {"linear": (1.0, 1.0), "hazen": (0.5, 0.5), "weibull": (0.0, 0.0),
       "median_unbiased": (1 / 3.0, 1 / 3.0), "normal_unbiased": (3 / 8.0, 3 / 8.0),
       "interpolated_inverted_cdf": (0.0, 1.0)}
_PIECEWISE_CONSTANT = ("lower", "higher", "nearest", "midpoint", "inverted_cdf",
                       "averaged_inverted_cdf", "closest_observation")


def _quantile_positions(n, q, method):
    """Sorted positions (lo, hi), the weight of hi, and d(virtual index)/dq, as NumPy's
    ``method`` picks them for ``n`` values (the result is (1 - gamma) s[lo] + gamma s[hi])."""
    if method in ("lower", "higher", "nearest"):
        rnd = {"lower": np.floor, "higher": np.ceil, "nearest": np.around}[method]
        i = rnd((n - 1) * q).astype(np.intp)
        return i, i, 0.0, 0.0
    if method in ("inverted_cdf", "closest_observation"):
        v = n * q - 1 - (0.5 if method == "closest_observation" else 0.0)
        prev = np.floor(v)
        take_prev = v == prev
        if method == "closest_observation":
            take_prev = take_prev & (prev % 2 == 1)
        i = np.maximum(np.where(take_prev, prev, prev + 1), 0).astype(np.intp)
        return i, i, 0.0, 0.0
    if method == "midpoint":
        h = 0.5 * (np.floor((n - 1) * q) + np.ceil((n - 1) * q))
        slope = 0.0
    elif method == "averaged_inverted_cdf":
        h = n * q - 1
        slope = 0.0
    elif method == "linear":
        h = (n - 1) * q
        slope = n - 1
    elif method in _HF:
        alpha, beta = _HF[method]
        h = n * q + (alpha + q * (1 - alpha - beta)) - 1
        slope = n + 1 - alpha - beta
    else:
        raise UnsupportedArgument(f"quantile method {method!r} has no derivative rule")
    lo = np.floor(h)
    gamma = h - lo
    if method == "midpoint":
        gamma = np.where(gamma == 0, 0.0, 0.5)
    elif method == "averaged_inverted_cdf":
        gamma = np.where(gamma == 0, 0.5, 1.0)
    outside = (h >= n - 1) | (h < 0)
    lo = np.clip(lo, 0, np.maximum(n - 1, 0)).astype(np.intp)
    hi = np.where(outside, lo, lo + 1)
    return lo, hi, gamma, np.where(outside, 0, slope)


def _quantile_setup(a, q, axis, method, skip_nan, overwrite_input, weights, interpolation):
    """Flatten to (m, n) and locate the order statistics each output interpolates."""
    if overwrite_input:
        raise UnsupportedArgument(
            "overwrite_input=True let NumPy reorder the input that the gradient needs; "
            "pass overwrite_input=False")
    if weights is not None:
        raise UnsupportedArgument("quantiles with weights= have no derivative rule")
    if interpolation is not None:
        method = interpolation
    xf, moved, axes = _to_last(a, axis)
    m, n = xf.shape
    if skip_nan:
        n = np.sum(~np.isnan(xf), axis=-1, keepdims=True)
    qf = np.reshape(q, (-1, 1, 1))
    lo, hi, gamma, slope = _quantile_positions(n, qf, method)
    order = np.argsort(xf, axis=-1)  # NaNs sort last
    rows = np.arange(m, like=order)[:, None]
    return xf, moved, axes, rows, order[rows, lo], order[rows, hi], gamma, slope


def _quantile_grad(g, a, q, axis, keepdims, method, skip_nan, overwrite_input,
                   weights=None, interpolation=None):
    # Ties share the gradient equally among the tied elements.
    xf, moved, axes, rows, ilo, ihi, gamma, _ = _quantile_setup(
        a, q, axis, method, skip_nan, overwrite_input, weights, interpolation)
    dt = xf.dtype
    w_lo = _weights(xf == xf[rows, ilo], dt)
    w_hi = _weights(xf == xf[rows, ihi], dt)
    gamma = gamma if np.ndim(gamma) == 0 else gamma.astype(dt)
    gf = np.reshape(g, ilo.shape)
    r = np.sum(gf * ((1 - gamma) * w_lo + gamma * w_hi), axis=0)
    return _from_last(r, moved, axes, a.ndim)


def _quantile_q_grad(g, a, q, axis, method, skip_nan, scale, overwrite_input, weights=None,
                     interpolation=None):
    xf, moved, axes, rows, ilo, ihi, gamma, slope = _quantile_setup(
        a, np.multiply(q, scale), axis, method, skip_nan, overwrite_input, weights,
        interpolation)
    d = (xf[rows, ihi] - xf[rows, ilo]) * slope * scale
    return np.reshape(np.sum(np.reshape(g, ilo.shape) * d, axis=(1, 2)), np.shape(q))


def percentile_vjp(g, ans, a, q, axis=None, out=None, overwrite_input=False, method="linear",
                   keepdims=False, *, weights=None, interpolation=None):
    return _quantile_grad(g, a, np.multiply(q, 0.01), axis, keepdims, method, False,
                          overwrite_input, weights, interpolation)


def percentile_vjp_q(g, ans, a, q, axis=None, out=None, overwrite_input=False,
                     method="linear", keepdims=False, *, weights=None, interpolation=None):
    return _quantile_q_grad(g, a, q, axis, method, False, 0.01, overwrite_input, weights,
                            interpolation)


def quantile_vjp(g, ans, a, q, axis=None, out=None, overwrite_input=False, method="linear",
                 keepdims=False, *, weights=None, interpolation=None):
    return _quantile_grad(g, a, q, axis, keepdims, method, False,
                          overwrite_input, weights, interpolation)


def quantile_vjp_q(g, ans, a, q, axis=None, out=None, overwrite_input=False, method="linear",
                   keepdims=False, *, weights=None, interpolation=None):
    return _quantile_q_grad(g, a, q, axis, method, False, 1.0, overwrite_input, weights,
                            interpolation)


def nanpercentile_vjp(g, ans, a, q, axis=None, out=None, overwrite_input=False,
                      method="linear", keepdims=False, *, weights=None, interpolation=None):
    return _quantile_grad(g, a, np.multiply(q, 0.01), axis, keepdims, method, True,
                          overwrite_input, weights, interpolation)


def nanpercentile_vjp_q(g, ans, a, q, axis=None, out=None, overwrite_input=False,
                        method="linear", keepdims=False, *, weights=None, interpolation=None):
    return _quantile_q_grad(g, a, q, axis, method, True, 0.01, overwrite_input, weights,
                            interpolation)


def nanquantile_vjp(g, ans, a, q, axis=None, out=None, overwrite_input=False,
                    method="linear", keepdims=False, *, weights=None, interpolation=None):
    return _quantile_grad(g, a, q, axis, keepdims, method, True,
                          overwrite_input, weights, interpolation)


def nanquantile_vjp_q(g, ans, a, q, axis=None, out=None, overwrite_input=False,
                      method="linear", keepdims=False, *, weights=None, interpolation=None):
    return _quantile_q_grad(g, a, q, axis, method, True, 1.0, overwrite_input, weights,
                            interpolation)


def median_vjp(g, ans, a, axis=None, out=None, overwrite_input=False, keepdims=False):
    return _quantile_grad(g, a, 0.5, axis, keepdims, "linear", False, overwrite_input)


def nanmedian_vjp(g, ans, a, axis=None, out=None, overwrite_input=False, keepdims=False):
    return _quantile_grad(g, a, 0.5, axis, keepdims, "linear", True, overwrite_input)


defvjp(np.percentile, percentile_vjp, percentile_vjp_q)
defvjp(np.quantile, quantile_vjp, quantile_vjp_q)
defvjp(np.nanpercentile, nanpercentile_vjp, nanpercentile_vjp_q)
defvjp(np.nanquantile, nanquantile_vjp, nanquantile_vjp_q)
defvjp(np.median, median_vjp)
defvjp(np.nanmedian, nanmedian_vjp)


# ----------------------------------------------------------------------------- average


@composite(np.average)
def average(a: Any, axis: Any = None, weights: Any = None, returned: bool = False, *,
            keepdims: bool = False) -> Any:
    """``np.average`` in recorded NumPy calls (NumPy's own converts ``weights`` with
    ``asanyarray`` and reshapes it, which we must record).  Same results and errors."""
    a = np.asanyarray(a)  # keeps a Tensor as it is
    if axis is not None:
        axis = tuple(ax % a.ndim for ax in (axis if isinstance(axis, tuple) else (axis,)))
    if weights is None:
        avg = np.mean(a, axis=axis, keepdims=keepdims)
        scl = np.full_like(avg, a.size / max(avg.size, 1))
    else:
        wgt = np.asanyarray(weights)
        if a.dtype.kind in "biu":
            result_dtype = np.result_type(a.dtype, wgt.dtype, "f8")
        else:
            result_dtype = np.result_type(a.dtype, wgt.dtype)
        if a.shape != wgt.shape:
            if axis is None:
                raise TypeError("Axis must be specified when shapes of a and weights differ.")
            if wgt.shape != tuple(a.shape[ax] for ax in axis):
                raise ValueError("Shape of weights must be consistent with shape of a along "
                                 "specified axis.")
            # weights follow the order of ``axis``; put them in the order of a's axes
            wgt = np.transpose(wgt, tuple(np.argsort(axis)))
            wgt = np.reshape(wgt, tuple(s if ax in axis else 1 for ax, s in enumerate(a.shape)))
        scl = np.sum(wgt, axis=axis, dtype=result_dtype, keepdims=keepdims)
        if np.any(scl == 0.0):
            raise ZeroDivisionError("Weights sum to zero, can't be normalized")
        avg = np.sum(np.multiply(a, wgt, dtype=result_dtype), axis=axis,
                     keepdims=keepdims) / scl
    if returned:
        if scl.shape != avg.shape:
            scl = np.broadcast_to(scl, avg.shape).copy()
        return avg, scl
    return avg
