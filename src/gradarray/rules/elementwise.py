"""Derivatives of elementwise functions that are not ufuncs: clip, angle, sinc, i0,
nan_to_num, unwrap.
"""

from __future__ import annotations

import numpy as np
from numpy.lib import _function_base_impl as _fb

from ..registry import composite, defvjp, elementwise
from ._util import conj, constant

_NoValue = np._NoValue


# ----- clip: gradient 1 inside [a_min, a_max] (bounds included), 0 outside -----
def _bounds(a_min, a_max, min, max):
    lo = min if a_min is _NoValue else a_min
    hi = max if a_max is _NoValue else a_max
    return (None if lo is _NoValue else lo), (None if hi is _NoValue else hi)


def clip_vjp_a(g, ans, a, a_min=_NoValue, a_max=_NoValue, out=None, *, min=_NoValue,
               max=_NoValue):
    lo, hi = _bounds(a_min, a_max, min, max)
    inside = True
    if lo is not None:
        inside = a >= lo
    if hi is not None:
        inside = np.logical_and(inside, a <= hi)
    return g if inside is True else np.where(inside, g, 0)


def clip_vjp_min(g, ans, a, a_min=_NoValue, a_max=_NoValue, out=None, *, min=_NoValue,
                 max=_NoValue):
    lo, hi = _bounds(a_min, a_max, min, max)
    below = a < lo
    if hi is not None:  # when a_min > a_max NumPy returns a_max everywhere
        below = np.logical_and(below, lo <= hi)
    return np.where(below, g, 0)


def clip_vjp_max(g, ans, a, a_min=_NoValue, a_max=_NoValue, out=None, *, min=_NoValue,
                 max=_NoValue):
    lo, hi = _bounds(a_min, a_max, min, max)
    raised = a if lo is None else np.maximum(a, lo)
    return np.where(raised > hi, g, 0)


defvjp(np.clip, clip_vjp_a, clip_vjp_min, clip_vjp_max)


# ----- Complex argument -----
def angle_vjp(g, ans, z, deg=False):
    if z.dtype.kind != "c":
        return None  # 0 or pi: piecewise constant on the reals
    # d arg(z) = (x dy - y dx) / |z|^2, so the conj-Wirtinger gradient is 1j * z / |z|^2.
    d = 1j / conj(z)
    return g * d * (180 / np.pi) if deg else g * d


defvjp(np.angle, angle_vjp)

# unwrap adds multiples of the period that are piecewise constant in p.
defvjp(np.unwrap, lambda g, ans, p, discont=None, axis=-1, *, period=2 * np.pi: g)


# ----- sinc -----
# Taylor coefficients of sinc'(x) / x in powers of x**2, for |x| < 0.05 where the closed
# form (cos(pi x) - sinc(x)) / x cancels badly; the series also gives sinc''(0) = -pi^2/3.
_SINC_D = (-np.pi ** 2 / 3, np.pi ** 4 / 30, -np.pi ** 6 / 840, np.pi ** 8 / 45360)


def _sinc_d(ans, x):
    small = np.abs(x) < 0.05
    x2 = x * x
    series = x * (_SINC_D[0] + x2 * (_SINC_D[1] + x2 * (_SINC_D[2] + x2 * _SINC_D[3])))
    safe = np.where(small, 1, x)
    return np.where(small, series, (np.cos(np.pi * safe) - ans) / safe)


elementwise(np.sinc, _sinc_d)


# ----- i0: NumPy's own Chebyshev expansion, written with recorded calls -----
def _chbevl(x, coefs):
    b0, b1, b2 = coefs[0], 0.0, 0.0
    for c in coefs[1:]:
        b2 = b1
        b1 = b0
        b0 = x * b1 - b2 + c
    return 0.5 * (b0 - b2)


@composite(np.i0)
def i0(x):
    if x.dtype.kind == "c":
        raise TypeError("i0 not supported for complex values")
    if x.dtype.kind != "f":
        x = np.astype(x, np.float64)
    x = np.abs(x)
    small = x <= 8.0
    # Each branch sees only arguments where it is finite, so no nan leaks into gradients.
    xs = np.where(small, x, 0.0)
    xl = np.where(small, 9.0, x)
    low = np.exp(xs) * _chbevl(xs / 2.0 - 2, _fb._i0A)
    high = np.exp(xl) * _chbevl(32.0 / xl - 2.0, _fb._i0B) / np.sqrt(xl)
    return np.where(small, low, high)


# ----- nan_to_num: gradient 1 where x is finite, 0 where a value was replaced -----
@composite(np.nan_to_num)
def nan_to_num(x, copy=True, nan=0.0, posinf=None, neginf=None):
    if x.dtype.kind not in "fc":
        return np.copy(x) if copy else x
    fixed = np.nan_to_num(constant(x), copy=True, nan=nan, posinf=posinf, neginf=neginf)
    if x.dtype.kind == "c":
        re, im = np.real(x), np.imag(x)
        out = (np.where(np.isfinite(re), re, fixed.real)
               + 1j * np.where(np.isfinite(im), im, fixed.imag))
    else:
        out = np.where(np.isfinite(x), x, fixed)
    if copy:
        return out
    x[...] = out
    return x
