"""Polynomials in NumPy's coefficient form (highest power first): poly, roots, polyadd,
polysub, polymul, polydiv, polyder, polyint, polyfit, vander.  (polyval is in calculus.py.)

All are composites of recorded NumPy calls (concatenate, convolve, slicing, in-place
updates, eigvals, lstsq), so every coefficient, root, sample or weight that enters the
arithmetic gets a gradient, to any order.  Differences from NumPy: an ``np.poly1d`` argument
is read through its coefficients and the result is an array, not a ``poly1d`` (building one
would convert the Tensor with ``asarray`` and lose the tape).
"""

from __future__ import annotations

import warnings

import numpy as np

from ..registry import composite


def _coeffs(p):
    return np.atleast_1d(p.coeffs if isinstance(p, np.poly1d) else p)


def _pad_front(a, n):
    """``a`` after ``n`` leading zero coefficients."""
    return np.concatenate((np.zeros_like(a, shape=(n,)), a)) if n > 0 else a


# ----- Arithmetic -----
@composite(np.polyadd)
def polyadd(a1, a2):
    a1, a2 = _coeffs(a1), _coeffs(a2)
    n = max(len(a1), len(a2))
    return _pad_front(a1, n - len(a1)) + _pad_front(a2, n - len(a2))


@composite(np.polysub)
def polysub(a1, a2):
    a1, a2 = _coeffs(a1), _coeffs(a2)
    n = max(len(a1), len(a2))
    return _pad_front(a1, n - len(a1)) - _pad_front(a2, n - len(a2))


def _strip(a):
    """``a`` without leading zero coefficients (at least one kept), as ``np.poly1d(a)``."""
    if a.ndim > 1:
        raise ValueError("Polynomial must be 1d only.")
    nz = np.flatnonzero(a)
    return a[int(nz[0]):] if nz.size else np.zeros_like(a, shape=(1,))


@composite(np.polymul)
def polymul(a1, a2):
    # NumPy reads both through np.poly1d, which drops leading zeros.
    return np.convolve(_strip(_coeffs(a1)), _strip(_coeffs(a2)))


@composite(np.polydiv)
def polydiv(u, v):
    # Long division, as NumPy: the remainder is updated in place (recorded setitem).
    u = _coeffs(u) + 0.0
    v = _coeffs(v) + 0.0
    w = u[0] + v[0]
    m, n = len(u) - 1, len(v) - 1
    scale = 1.0 / v[0]
    q = np.zeros_like(w, shape=(max(m - n + 1, 1),))
    r = np.astype(u, w.dtype, copy=True)
    for k in range(m - n + 1):
        d = scale * r[k]
        q[k] = d
        r[k:k + n + 1] -= d * v
    while np.allclose(r[0], 0, rtol=1e-14) and r.shape[-1] > 1:
        r = r[1:]
    return q, r


# ----- Calculus -----
@composite(np.polyder)
def polyder(p, m=1):
    m = int(m)
    if m < 0:
        raise ValueError("Order of derivative must be positive (see polyint)")
    p = _coeffs(p)
    for _ in range(m):
        p = p[:-1] * np.arange(len(p) - 1, 0, -1, like=p)
    return p


@composite(np.polyint)
def polyint(p, m=1, k=None):
    m = int(m)
    if m < 0:
        raise ValueError("Order of integral must be positive (see polyder)")
    p = _coeffs(p)
    k = np.zeros_like(p, shape=(m,), dtype=float) if k is None else np.atleast_1d(k)
    if len(k) == 1 and m > 1:
        k = k[0] * np.ones_like(k, shape=(m,), dtype=float)
    if len(k) < m:
        raise ValueError("k must be a scalar or a rank-1 array of length 1 or >m.")
    for i in range(m):  # k[i] is the constant of the i-th integration
        p = np.concatenate((p / np.arange(len(p), 0, -1, like=p), k[i:i + 1]))
    return p


# ----- Roots -----
@composite(np.poly)
def poly(seq_of_zeros):
    z = np.atleast_1d(seq_of_zeros)
    sh = z.shape
    if len(sh) == 2 and sh[0] == sh[1] and sh[0] != 0:
        z = np.linalg.eigvals(z)
    elif len(sh) == 1:
        if z.dtype != object:
            z = np.astype(z, np.mintypecode(z.dtype.char), copy=False)
    else:
        raise ValueError("input must be 1d or non-empty square 2d array.")
    if len(z) == 0:
        return 1.0
    a = np.ones_like(z, shape=(1,))
    for zero in z:  # multiply by (x - zero)
        a = np.convolve(a, np.stack([np.ones_like(zero), -zero]))
    if a.dtype.kind == "c" and np.all(np.sort(z) == np.sort(np.conj(z))):
        a = np.real(a) * 1  # conjugate pairs only: the coefficients are real (a copy)
    return a


@composite(np.roots)
def roots(p):
    # The eigenvalues of the companion matrix, as NumPy (eigvals has a rule).
    p = np.atleast_1d(p)
    if p.ndim != 1:
        raise ValueError("Input must be a rank-1 array.")
    nonzero = np.flatnonzero(p)
    if len(nonzero) == 0:
        return np.zeros_like(p, shape=(0,), dtype=float)
    trailing = len(p) - int(nonzero[-1]) - 1
    p = p[int(nonzero[0]):int(nonzero[-1]) + 1]
    if p.dtype.kind not in "fc":
        p = np.astype(p, float)
    n = len(p)
    if n > 1:
        a = np.diag(np.ones_like(p, shape=(n - 2,)), -1)
        a[0, :] = -p[1:] / p[0]
        r = np.linalg.eigvals(a)
    else:
        r = np.zeros_like(p, shape=(0,), dtype=float)
    return np.concatenate((r, np.zeros_like(r, shape=(trailing,))))


# ----- Fitting -----
@composite(np.vander)
def vander(x, N=None, increasing=False):
    x = np.asanyarray(x)
    if x.ndim != 1:
        raise ValueError("x must be a one-dimensional array or sequence.")
    n = len(x) if N is None else N
    x = np.astype(x, np.promote_types(x.dtype, int), copy=False)
    if n == 0:
        return np.zeros_like(x, shape=(len(x), 0))
    cols = [np.ones_like(x)]
    for _ in range(n - 1):  # successive products, as NumPy's multiply.accumulate
        cols.append(cols[-1] * x)
    return np.stack(cols if increasing else cols[::-1], axis=1)


def _polyfit_checks(x, y, deg):
    if deg < 0:
        raise ValueError("expected deg >= 0")
    if x.ndim != 1:
        raise TypeError("expected 1D vector for x")
    if x.size == 0:
        raise TypeError("expected non-empty vector for x")
    if y.ndim < 1 or y.ndim > 2:
        raise TypeError("expected 1D or 2D array for y")
    if x.shape[0] != y.shape[0]:
        raise TypeError("expected x and y to have same length")


@composite(np.polyfit)
def polyfit(x, y, deg, rcond=None, full=False, w=None, cov=False):
    # Least squares on the column-scaled Vandermonde matrix, as NumPy (lstsq has a rule).
    order = int(deg) + 1
    x = np.asanyarray(x) + 0.0
    y = np.asanyarray(y) + 0.0
    _polyfit_checks(x, y, deg)
    if rcond is None:
        rcond = len(x) * np.finfo(x.dtype).eps
    lhs, rhs = vander(x, order), y
    if w is not None:
        w = np.asanyarray(w) + 0.0
        if w.ndim != 1:
            raise TypeError("expected a 1-d array for weights")
        if w.shape[0] != y.shape[0]:
            raise TypeError("expected w and y to have the same length")
        lhs = lhs * w[:, None]
        rhs = rhs * (w[:, None] if rhs.ndim == 2 else w)
    scale = np.sqrt(np.sum(lhs * lhs, axis=0))
    lhs = lhs / scale
    c, resids, rank, s = np.linalg.lstsq(lhs, rhs, rcond)
    c = (c.T / scale).T
    if rank != order and not full:
        warnings.warn("Polyfit may be poorly conditioned", np.exceptions.RankWarning,
                      stacklevel=2)
    if full:
        return c, resids, rank, s, rcond
    if not cov:
        return c
    vbase = np.linalg.inv(np.dot(lhs.T, lhs)) / np.outer(scale, scale)
    if cov == "unscaled":
        fac = 1
    else:
        if len(x) <= order:
            raise ValueError("the number of data points must exceed order to scale the "
                             "covariance matrix")
        fac = resids / (len(x) - order)
    if y.ndim == 1:
        return c, vbase * fac
    return c, vbase[:, :, None] * fac
