"""Differences, interpolation, convolution and polynomials: diff, ediff1d, gradient,
interp, convolve, correlate, polyval.

diff, gradient, interp and polyval are composites of recorded slicing and arithmetic (so
every array argument that enters the arithmetic gets a gradient, to any order); convolve
and correlate have rules.
"""

from __future__ import annotations

import numpy as np

from ..registry import composite, defvjp
from ._util import conj

_NoValue = np._NoValue


def _cut(a, axis, start, stop):
    return a[(slice(None),) * axis + (slice(start, stop),)]


# ----- Differences -----
@composite(np.diff)
def diff(a, n=1, axis=-1, prepend=_NoValue, append=_NoValue):
    if n == 0:
        return a
    if n < 0:
        raise ValueError(f"order must be non-negative but got {n!r}")
    nd = np.ndim(a)
    if nd == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    axis = axis % nd
    parts = []
    for extra in (prepend, None, append):
        if extra is None:
            parts.append(a)
        elif extra is not _NoValue:
            if np.ndim(extra) == 0:
                shape = list(np.shape(a))
                shape[axis] = 1
                extra = np.broadcast_to(extra, tuple(shape))
            parts.append(extra)
    if len(parts) > 1:
        a = np.concatenate(parts, axis)
    for _ in range(n):
        hi, lo = _cut(a, axis, 1, None), _cut(a, axis, None, -1)
        a = np.not_equal(hi, lo) if a.dtype == np.bool_ else hi - lo
    return a


@composite(np.ediff1d)
def ediff1d(ary, to_end=None, to_begin=None):
    parts = [diff(np.ravel(ary))]
    if to_begin is not None:
        parts.insert(0, np.ravel(to_begin))
    if to_end is not None:
        parts.append(np.ravel(to_end))
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _along(v, axis, nd):
    """A 1-D ``v`` shaped to broadcast along ``axis`` of an ``nd``-dim array."""
    shape = [1] * nd
    shape[axis] = -1
    return np.reshape(v, shape)


def _gradient_axis(f, axis, dx, edge_order):
    """One component of np.gradient: second-order central differences inside."""
    nd = f.ndim
    f0, f1, f2 = (_cut(f, axis, k, k + 1) for k in range(3))
    l0, l1, l2 = (_cut(f, axis, f.shape[axis] - k - 1, f.shape[axis] - k) for k in range(3))
    if np.ndim(dx) == 0:
        inner = (_cut(f, axis, 2, None) - _cut(f, axis, None, -2)) / (2.0 * dx)
        if edge_order == 1:
            first, last = (f1 - f0) / dx, (l0 - l1) / dx
        else:
            first = (-1.5 * f0 + 2.0 * f1 - 0.5 * f2) / dx
            last = (0.5 * l2 - 2.0 * l1 + 1.5 * l0) / dx
        return np.concatenate([first, inner, last], axis)
    # Non-uniform spacing dx (length N - 1).
    d1, d2 = _along(dx[:-1], axis, nd), _along(dx[1:], axis, nd)
    inner = (-d2 / (d1 * (d1 + d2)) * _cut(f, axis, None, -2)
             + (d2 - d1) / (d1 * d2) * _cut(f, axis, 1, -1)
             + d1 / (d2 * (d1 + d2)) * _cut(f, axis, 2, None))
    if edge_order == 1:
        first, last = (f1 - f0) / dx[0], (l0 - l1) / dx[-1]
    else:
        a, b = dx[0], dx[1]
        first = (-(2.0 * a + b) / (a * (a + b)) * f0 + (a + b) / (a * b) * f1
                 - a / (b * (a + b)) * f2)
        a, b = dx[-2], dx[-1]
        last = (b / (a * (a + b)) * l2 - (a + b) / (a * b) * l1
                + (2.0 * b + a) / (b * (a + b)) * l0)
    return np.concatenate([first, inner, last], axis)


@composite(np.gradient)
def gradient(f, *varargs, axis=None, edge_order=1):
    f = np.asanyarray(f)
    nd = f.ndim
    axes = tuple(range(nd)) if axis is None else tuple(
        a % nd for a in (axis if isinstance(axis, (tuple, list)) else (axis,)))
    if len(varargs) == 0:
        spacing = [1.0] * len(axes)
    elif len(varargs) == 1 and np.ndim(varargs[0]) == 0:
        spacing = list(varargs) * len(axes)
    elif len(varargs) == len(axes):
        spacing = list(varargs)
    else:
        raise TypeError("invalid number of arguments")
    if edge_order > 2:
        raise ValueError("'edge_order' greater than 2 not supported")
    if f.dtype.kind not in "fc":
        f = np.astype(f, np.float64)
    out = []
    for ax, dx in zip(axes, spacing, strict=True):
        if f.shape[ax] < edge_order + 1:
            raise ValueError("Shape of array too small to calculate a numerical gradient, "
                             "at least (edge_order + 1) elements are required.")
        if np.ndim(dx) != 0:  # coordinates: uniform ones are a scalar step
            if np.size(dx) != f.shape[ax]:
                raise ValueError("when 1d, distances must match the length of the "
                                 "corresponding dimension")
            dx = np.diff(dx)
            if np.all(dx == dx[0]):
                dx = dx[0]
        out.append(_gradient_axis(f, ax, dx, edge_order))
    return out[0] if len(out) == 1 else tuple(out)


# ----- Interpolation -----
@composite(np.interp)
def interp(x, xp, fp, left=None, right=None, period=None):
    x, xp, fp = np.asanyarray(x), np.asanyarray(xp), np.asanyarray(fp)
    # NumPy computes in float64 (complex128 for complex fp).
    fp = np.astype(fp, np.complex128 if fp.dtype.kind == "c" else np.float64)
    x = np.astype(x, np.float64)
    xp = np.astype(xp, np.float64)
    if xp.ndim != 1 or fp.ndim != 1:
        raise ValueError("data must be 1-D")
    if xp.shape[0] != fp.shape[0]:
        raise ValueError("fp and xp are not of the same length")
    if xp.shape[0] == 0:
        raise ValueError("array of sample points is empty")
    if period is not None:
        if period == 0:
            raise ValueError("period must be a non-zero value")
        period = abs(period)
        left = right = None
        x = np.mod(x, period)
        xp = np.mod(xp, period)
        order = np.argsort(xp)
        xp, fp = xp[order], fp[order]
        xp = np.concatenate([xp[-1:] - period, xp, xp[:1] + period])
        fp = np.concatenate([fp[-1:], fp, fp[:1]])
    n = xp.shape[0]
    if n == 1:
        res = np.zeros_like(x, dtype=fp.dtype) + fp[0]
    else:
        j = np.clip(np.searchsorted(xp, x, side="right") - 1, 0, n - 2)
        x0, y0 = xp[j], fp[j]
        slope = (fp[j + 1] - y0) / (xp[j + 1] - x0)
        res = slope * (x - x0) + y0
    res = np.where(x < xp[0], fp[0] if left is None else left, res)
    return np.where(x > xp[-1], fp[-1] if right is None else right, res)


# ----- Convolution: the gradient correlates the (zero-padded) cotangent -----
def _full_cotangent(g, n, m, mode, offset):
    """``g`` placed in a zero vector of the 'full' output length n + m - 1."""
    if mode == "full":
        return g
    gf = np.zeros_like(g, shape=(n + m - 1,))
    gf[offset:offset + g.shape[0]] = g
    return gf


def _conv_offset(n, m, mode):
    if mode == "valid":
        return min(n, m) - 1
    return (min(n, m) - 1) // 2


def _corr_offset(n, m, mode):
    if mode == "valid":
        return min(n, m) - 1
    return (m - 1) // 2 if n >= m else n // 2


def _mode(mode):
    return {0: "valid", 1: "same", 2: "full"}.get(mode, mode)


def convolve_vjp_a(g, ans, a, v, mode="full"):
    n, m = a.shape[0], v.shape[0]
    gf = _full_cotangent(g, n, m, _mode(mode), _conv_offset(n, m, _mode(mode)))
    return np.correlate(gf, v, "valid")


def convolve_vjp_v(g, ans, a, v, mode="full"):
    n, m = a.shape[0], v.shape[0]
    gf = _full_cotangent(g, n, m, _mode(mode), _conv_offset(n, m, _mode(mode)))
    return np.correlate(gf, a, "valid")


# correlate(a, v) is convolve(a, w) with w = conj(v) reversed.
def correlate_vjp_a(g, ans, a, v, mode="valid"):
    n, m = a.shape[0], v.shape[0]
    gf = _full_cotangent(g, n, m, _mode(mode), _corr_offset(n, m, _mode(mode)))
    return np.correlate(gf, conj(v)[::-1], "valid")


def correlate_vjp_v(g, ans, a, v, mode="valid"):
    n, m = a.shape[0], v.shape[0]
    gf = _full_cotangent(g, n, m, _mode(mode), _corr_offset(n, m, _mode(mode)))
    return conj(np.correlate(gf, a, "valid"))[::-1]


defvjp(np.convolve, convolve_vjp_a, convolve_vjp_v)
defvjp(np.correlate, correlate_vjp_a, correlate_vjp_v)


# ----- Polynomials -----
@composite(np.polyval)
def polyval(p, x):
    p, x = np.asanyarray(p), np.asanyarray(x)
    y = np.zeros_like(x)
    for k in range(p.shape[0]):  # Horner's scheme, as NumPy
        y = y * x + p[k]
    return y
