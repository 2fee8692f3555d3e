"""Statistics and integration: cov, corrcoef, trapezoid, histogram edges and counts.

cov, corrcoef and trapezoid are composites of recorded NumPy calls; unlike NumPy's own
code they never convert their inputs with ``asarray``, so the data, ``y``, ``x``/``dx`` and
even the weights (``fweights``/``aweights``) get gradients.  ``histogram_bin_edges`` has a
rule: equal-width edges move with ``min(a)`` and ``max(a)`` (ties share the gradient, as
for ``np.max``).  histogramdd and histogram2d are composites: their edges move with the
data the same way, the counts are piecewise constant (searchsorted and bincount), weighted
counts are linear in ``weights`` (a recorded ``np.add.at``) and ``density=True`` divides by
the recorded bin widths.  (``np.histogram`` and ``np.bincount``: no gradient, shape.py.)
"""

from __future__ import annotations

import math
import operator
import warnings

import numpy as np

from ..registry import composite, defvjp
from ._util import like


# ----- Covariance and correlation -----
def _check_weights(w, n, name):
    if w.ndim > 1:
        raise RuntimeError(f"cannot handle multidimensional {name}")
    if w.shape[0] != n:
        raise RuntimeError(f"incompatible numbers of samples and {name}")
    if np.any(w < 0):
        raise ValueError(f"{name} cannot be negative")


def _variables(v, dtype, rowvar):
    """``v`` as a 2-d (variables, observations) array of ``dtype`` (a recorded cast)."""
    x = np.atleast_2d(np.astype(v, dtype, copy=False))
    return x.T if not rowvar and x.shape[0] != 1 else x


@composite(np.cov)
def cov(m, y=None, rowvar=True, bias=False, ddof=None, fweights=None, aweights=None, *,
        dtype=None):
    if ddof is not None and ddof != int(ddof):
        raise ValueError("ddof must be integer")
    m = np.asanyarray(m)
    if m.ndim > 2:
        raise ValueError("m has more than 2 dimensions")
    if y is not None:
        y = np.asanyarray(y)
        if y.ndim > 2:
            raise ValueError("y has more than 2 dimensions")
    if dtype is None:
        dtype = np.result_type(m, np.float64) if y is None else \
            np.result_type(m, y, np.float64)
    x = np.atleast_2d(np.astype(m, dtype, copy=False))
    if not rowvar and m.ndim != 1:
        x = x.T
    if x.shape[0] == 0:
        return np.zeros_like(x, shape=(0, 0))
    if y is not None:
        x = np.concatenate((x, _variables(y, dtype, rowvar)), axis=0)
    if ddof is None:
        ddof = 0 if bias else 1
    w = None
    if fweights is not None:
        fweights = np.astype(np.asanyarray(fweights), float)
        if not np.all(fweights == np.around(fweights)):
            raise TypeError("fweights must be integer")
        _check_weights(fweights, x.shape[1], "fweights")
        w = fweights
    if aweights is not None:
        aweights = np.astype(np.asanyarray(aweights), float)
        _check_weights(aweights, x.shape[1], "aweights")
        w = aweights if w is None else w * aweights
    avg, w_sum = np.average(x, axis=1, weights=w, returned=True)
    w_sum = w_sum[0]
    if w is None:
        fact = x.shape[1] - ddof
    elif ddof == 0:
        fact = w_sum
    elif aweights is None:
        fact = w_sum - ddof
    else:
        fact = w_sum - ddof * np.sum(w * aweights) / w_sum
    if fact <= 0:
        warnings.warn("Degrees of freedom <= 0 for slice", RuntimeWarning, stacklevel=2)
        fact = 0.0
    x = x - avg[:, None]
    xt = x.T if w is None else (x * w).T
    c = np.dot(x, np.conj(xt)) * np.true_divide(1, fact)
    return np.squeeze(c)


@composite(np.corrcoef)
def corrcoef(x, y=None, rowvar=True, *, dtype=None):
    c = cov(x, y, rowvar, dtype=dtype)
    if np.ndim(c) == 0:  # one variable: nan for a zero/invalid variance, else 1
        return c / c
    stddev = np.sqrt(np.real(np.diagonal(c)))
    c = c / stddev[:, None] / stddev[None, :]
    # Clip rounding excursions past +-1, real and imaginary parts apart (as NumPy).
    if c.dtype.kind == "c":
        return np.clip(np.real(c), -1, 1) + 1j * np.clip(np.imag(c), -1, 1)
    return np.clip(c, -1, 1)


# ----- Integration -----
@composite(np.trapezoid)
def trapezoid(y, x=None, dx=1.0, axis=-1):
    y = np.asanyarray(y)
    if x is None:
        d = dx
    else:
        x = np.asanyarray(x)
        if x.ndim == 1:
            d = np.diff(x)
            shape = [1] * y.ndim
            shape[axis] = d.shape[0]
            d = np.reshape(d, shape)
        else:
            d = np.diff(x, axis=axis)
    hi = [slice(None)] * y.ndim
    lo = [slice(None)] * y.ndim
    hi[axis] = slice(1, None)
    lo[axis] = slice(None, -1)
    return np.sum(d * (y[tuple(hi)] + y[tuple(lo)]) / 2.0, axis=axis)


# ----- Histograms -----
def _moves_with_data(bins, range, a):
    """True when the edges are equal-width from min(a) to max(a) (not given by the caller)."""
    return range is None and np.ndim(bins) == 0 and a.size > 0


def histogram_bin_edges_vjp_a(g, ans, a, bins=10, range=None, weights=None):
    if not _moves_with_data(bins, range, a):
        return None
    # edge_i = lo + (hi - lo) * i / n for lo = min(a), hi = max(a) (shifted by -+0.5 when
    # equal, which does not change the derivatives).
    t = np.arange(g.shape[0], like=like(g)) / (g.shape[0] - 1)
    at_lo = a == np.min(a)
    at_hi = a == np.max(a)
    return (np.where(at_lo, np.sum(g * (1 - t)) / np.sum(at_lo), 0)
            + np.where(at_hi, np.sum(g * t) / np.sum(at_hi), 0))


def histogram_bin_edges_vjp_bins(g, ans, a, bins=10, range=None, weights=None):
    return g if np.ndim(bins) == 1 else None  # given edges are returned as they are


defvjp(np.histogram_bin_edges, histogram_bin_edges_vjp_a, histogram_bin_edges_vjp_bins)


def _outer_edges(a, given):
    """First and last edge of equal bins over ``a``: ``given``, or a recorded min and max."""
    if given is not None:
        first, last = given
        if first > last:
            raise ValueError("max must be larger than min in range parameter.")
        if not (np.isfinite(first) and np.isfinite(last)):
            raise ValueError(f"supplied range of [{first}, {last}] is not finite")
    elif a.size == 0:
        first, last = 0, 1
    else:
        first, last = np.min(a), np.max(a)
        if not (np.isfinite(first) and np.isfinite(last)):
            raise ValueError(f"autodetected range of [{first}, {last}] is not finite")
    if first == last:
        first, last = first - 0.5, last + 0.5
    return first, last


def _sample(sample):
    """``sample`` as an (N, D) array; a sequence of D 1-d arrays is stacked (recorded)."""
    if isinstance(sample, np.ndarray):
        return sample if sample.ndim == 2 else np.atleast_2d(sample).T
    return np.atleast_2d(np.stack([np.asanyarray(s) for s in sample])).T


def _edges(col, b, given, i):
    if np.ndim(b) == 0:
        if b < 1:
            raise ValueError(f"`bins[{i}]` must be positive, when an integer")
        first, last = _outer_edges(col, given)
        try:
            n = operator.index(b)
        except TypeError as e:
            raise TypeError(f"`bins[{i}]` must be an integer, when a scalar") from e
        return np.linspace(first, last, n + 1)
    if np.ndim(b) == 1:
        e = np.asanyarray(b)
        if np.any(e[:-1] > e[1:]):
            raise ValueError(f"`bins[{i}]` must be monotonically increasing, when an array")
        return e
    raise ValueError(f"`bins[{i}]` must be a scalar or 1d array")


@composite(np.histogramdd)
def histogramdd(sample, bins=10, range=None, density=None, weights=None):
    sample = _sample(sample)
    n, d = sample.shape
    if weights is not None:
        weights = np.asanyarray(weights)
    try:
        if len(bins) != d:
            raise ValueError("The dimension of bins must be equal to the dimension of the "
                             "sample x.")
    except TypeError:  # one number of bins for every dimension
        bins = d * [bins]
    if range is None:
        range = (None,) * d
    elif len(range) != d:
        raise ValueError("range argument must have one entry per dimension")
    edges, slots = [], []
    for i, (b, given) in enumerate(zip(bins, range)):
        col = sample[:, i]
        e = _edges(col, b, given, i)
        edges.append(e)
        # Bin numbers, outliers included (0 and len(e)); the last edge closes the last bin.
        k = np.searchsorted(e, col, side="right")
        slots.append(np.where(col == e[-1], k - 1, k))
    nbin = tuple(len(e) + 1 for e in edges)
    flat = np.ravel_multi_index(tuple(slots), nbin)
    size = math.prod(nbin)
    if weights is None:
        hist = np.astype(np.bincount(flat, minlength=size), float)
    else:  # as bincount's sums (in sample order), recorded: linear in the weights
        hist = np.zeros_like(weights, shape=(size,), dtype=float)
        np.add.at(hist, flat, np.astype(weights, float))
    hist = np.reshape(hist, nbin)[d * (slice(1, -1),)]
    if density:
        total = np.sum(hist)
        for i, e in enumerate(edges):
            shape = [1] * d
            shape[i] = nbin[i] - 2
            hist = hist / np.reshape(np.diff(e), shape)
        hist = hist / total
    return hist, edges


@composite(np.histogram2d)
def histogram2d(x, y, bins=10, range=None, density=None, weights=None):
    if len(x) != len(y):
        raise ValueError("x and y must have the same length.")
    try:
        nb = len(bins)
    except TypeError:
        nb = 1
    if nb not in (1, 2):  # one array of edges for both
        bins = [bins, bins]
    hist, edges = histogramdd([x, y], bins, range, density, weights)
    return hist, edges[0], edges[1]
