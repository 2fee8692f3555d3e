"""Recorded stand-ins for library functions whose work is compiled.

``scipy.linalg.solve`` hands its arrays to LAPACK, ``scipy.fft.fft`` to pocketfft,
``scipy.spatial.distance.cdist`` to C++, ``scipy.ndimage.correlate1d`` to C: nothing there
can be recorded.  Each function below computes the same thing with NumPy calls that have
derivative rules.  While a gradient is being recorded and a recorded Tensor is among the
arguments, ``conversions`` calls the stand-in in place of the library's function (the
same module walk that handles ``from numpy import asarray`` puts it in place, when the
library module is first seen); otherwise, and when a stand-in returns ``NotImplemented``
for options it does not cover, the library's own function runs (and its compiled code
warns that the tape ends there).  Values agree with the library's to rounding.

Adding one: write ``def f(<the library's signature>)`` with NumPy calls, and list it in
``ADAPTERS`` under the module and name users call it by.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import special as _special
from .conversions import ADAPTERS
from .custom import primitive
from .registry import defvjp

__all__ = ["ADAPTERS"]


def _sym(a: Any, lower: bool) -> Any:
    """The symmetric (Hermitian) matrix a LAPACK routine reads from one triangle of ``a``."""
    t = np.tril(a) if lower else np.triu(a)
    d = np.tril(a, -1) if lower else np.triu(a, 1)
    return t + np.conj(np.swapaxes(d, -1, -2))


def _h(a: Any) -> Any:
    return np.conj(np.swapaxes(a, -1, -2))


# ----------------------------------------------------------------------------- scipy.linalg

_GENERAL = (None, "gen", "general")
_SYMMETRIC = ("sym", "symmetric", "her", "hermitian", "pos", "positive definite")


def solve(a, b, lower=False, overwrite_a=False, overwrite_b=False, check_finite=True,
          assume_a=None, transposed=False):
    if assume_a in _SYMMETRIC:
        a = _sym(a, lower)
    elif assume_a in ("lower triangular", "upper triangular"):
        a = np.tril(a) if assume_a[0] == "l" else np.triu(a)
    elif assume_a not in _GENERAL:
        return NotImplemented
    if transposed:
        a = np.swapaxes(a, -1, -2)
    return np.linalg.solve(a, b)


def inv(a, overwrite_a=False, check_finite=True, *, assume_a=None, lower=False):
    if assume_a in _SYMMETRIC:
        a = _sym(a, lower)
    elif assume_a not in _GENERAL:
        return NotImplemented
    return np.linalg.inv(a)


def det(a, overwrite_a=False, check_finite=True):
    return np.linalg.det(a)


def cholesky(a, lower=False, overwrite_a=False, check_finite=True):
    low = np.linalg.cholesky(_sym(a, lower))
    return low if lower else _h(low)


def cho_factor(a, lower=False, overwrite_a=False, check_finite=True):
    # (The other triangle is zero here; SciPy leaves arbitrary values there.)
    return cholesky(a, lower), lower


def cho_solve(c_and_lower, b, overwrite_b=False, check_finite=True):
    c, lower = c_and_lower
    low = np.tril(c) if lower else _h(np.triu(c))
    return np.linalg.solve(_h(low), np.linalg.solve(low, b))


def solve_triangular(a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False,
                     check_finite=True):
    t = np.tril(a) if lower else np.triu(a)
    if unit_diagonal:
        n = t.shape[-1]
        t = t - t * np.eye(n) + np.eye(n)
    if trans in (1, "T"):
        t = np.swapaxes(t, -1, -2)
    elif trans in (2, "C"):
        t = _h(t)
    return np.linalg.solve(t, b)


def eigh(a, b=None, *, lower=True, eigvals_only=False, overwrite_a=False, overwrite_b=False,
         type=1, check_finite=True, subset_by_index=None, subset_by_value=None, driver=None):
    if b is not None or subset_by_index is not None or subset_by_value is not None:
        return NotImplemented
    if eigvals_only:
        return np.linalg.eigvalsh(a, UPLO="L" if lower else "U")
    return np.linalg.eigh(a, UPLO="L" if lower else "U")


def eigvalsh(a, b=None, *, lower=True, overwrite_a=False, overwrite_b=False, type=1,
             check_finite=True, subset_by_index=None, subset_by_value=None, driver=None):
    if b is not None or subset_by_index is not None or subset_by_value is not None:
        return NotImplemented
    return np.linalg.eigvalsh(a, UPLO="L" if lower else "U")


def svd(a, full_matrices=True, compute_uv=True, overwrite_a=False, check_finite=True,
        lapack_driver="gesdd"):
    out = np.linalg.svd(a, full_matrices=full_matrices, compute_uv=compute_uv)
    return tuple(out) if compute_uv else out


def svdvals(a, overwrite_a=False, check_finite=True):
    return np.linalg.svd(a, compute_uv=False)


def qr(a, overwrite_a=False, lwork=None, mode="full", pivoting=False, check_finite=True):
    m, n = np.shape(a)[-2:]
    if pivoting or mode not in ("full", "economic", "r") or (mode == "full" and m > n):
        return NotImplemented   # (a complete Q of a tall matrix has no gradient)
    q, r = np.linalg.qr(a, mode="reduced")
    if mode == "r":   # SciPy's R is m x n: the reduced one above rows of zeros
        return (np.pad(r, [(0, 0)] * (r.ndim - 2) + [(0, max(m - n, 0)), (0, 0)]),)
    return q, r


def lstsq(a, b, cond=None, overwrite_a=False, overwrite_b=False, check_finite=True,
          lapack_driver=None):
    x, res, rank, s = np.linalg.lstsq(a, b, rcond=cond)
    return x, res, rank, s


def pinv(a, *, atol=None, rtol=None, return_rank=False, check_finite=True):
    if atol is not None or return_rank:
        return NotImplemented
    return np.linalg.pinv(a) if rtol is None else np.linalg.pinv(a, rtol=rtol)


def norm(a, ord=None, axis=None, keepdims=False, check_finite=True):
    return np.linalg.norm(a, ord=ord, axis=axis, keepdims=keepdims)


# ----------------------------------------------------------------------------- scipy.fft

def _fft1(name: str) -> Any:
    np_fn = getattr(np.fft, name)

    def f(x, n=None, axis=-1, norm=None, overwrite_x=False, workers=None, *, plan=None):
        if plan is not None:
            return NotImplemented
        return np_fn(x, n, axis, norm)

    f.__name__ = name
    return f


def _fftn(name: str) -> Any:
    np_fn = getattr(np.fft, name)
    two = name.endswith("2")

    def f(x, s=None, axes=(-2, -1) if two else None, norm=None, overwrite_x=False,
          workers=None, *, plan=None):
        if plan is not None:
            return NotImplemented
        return np_fn(x, s, axes, norm)

    f.__name__ = name
    return f


def _r2r(name: str) -> Any:
    """dct/dst/idct/idst: linear maps, applied as the matrix SciPy's own transform makes."""
    def f(x, type=2, n=None, axis=-1, norm=None, overwrite_x=False, workers=None,
          orthogonalize=None):
        return _r2r_axis(name, x, type, n, axis, norm, orthogonalize)

    f.__name__ = name
    return f


_R2R_MAX = 4096   # beyond this the O(n^2) matrix costs more than it saves: SciPy's own


def _r2r_axis(name: str, x: Any, type: int, n: Any, axis: int, norm: Any, ortho: Any) -> Any:
    import scipy.fft

    size = np.shape(x)[axis] if n is None else n
    if size > _R2R_MAX:
        return NotImplemented
    x = np.moveaxis(x, axis, -1)
    if n is not None:   # truncated or zero-padded to n, as SciPy does
        m = x.shape[-1]
        x = x[..., :n] if n <= m else np.pad(x, [(0, 0)] * (x.ndim - 1) + [(0, n - m)])
    # Column j of the matrix is the transform of the j-th unit vector (a constant).
    dtype = np.result_type(x.dtype, np.float32)
    mat = getattr(scipy.fft, name)(np.eye(size, dtype=dtype), type=type, axis=0, norm=norm,
                                   orthogonalize=ortho)
    return np.moveaxis(x @ mat.T, -1, axis)


def _r2rn(name: str) -> Any:
    one = name[:-1]

    def f(x, type=2, s=None, axes=None, norm=None, overwrite_x=False, workers=None, *,
          orthogonalize=None):
        nd = np.ndim(x)
        if axes is None:
            axes = tuple(range(nd)) if s is None else tuple(range(nd - len(s), nd))
        axes = (axes,) if isinstance(axes, int) else tuple(axes)
        sizes = [None] * len(axes) if s is None else ([s] if isinstance(s, int) else list(s))
        for ax, n in zip(axes, sizes):
            x = _r2r_axis(one, x, type, n, ax, norm, orthogonalize)
            if x is NotImplemented:
                return NotImplemented
        return x

    f.__name__ = name
    return f


_FFT = {name: _fft1(name) for name in ("fft", "ifft", "rfft", "irfft", "hfft", "ihfft")}
_FFT.update({name: _r2r(name) for name in ("dct", "idct", "dst", "idst")})
_FFT.update({name: _r2rn(name) for name in ("dctn", "idctn", "dstn", "idstn")})
_FFT.update({name: _fftn(name) for name in ("fft2", "ifft2", "rfft2", "irfft2", "fftn",
                                            "ifftn", "rfftn", "irfftn")})


# ----------------------------------------------------------------------------- scipy.spatial

def _metric_fn(metric: str, kwargs: dict) -> Any:
    """Distance between ``u[..., i, None, :]`` and ``v[..., None, j, :]`` as NumPy calls."""
    def euclidean(d, u, v):
        return np.sqrt(np.sum(d * d, axis=-1))

    if metric == "euclidean":
        return euclidean
    if metric == "sqeuclidean":
        return lambda d, u, v: np.sum(d * d, axis=-1)
    if metric in ("cityblock", "manhattan"):
        return lambda d, u, v: np.sum(np.abs(d), axis=-1)
    if metric == "chebyshev":
        return lambda d, u, v: np.max(np.abs(d), axis=-1)
    if metric == "minkowski":
        p = kwargs.get("p", 2.0)
        return lambda d, u, v: np.sum(np.abs(d) ** p, axis=-1) ** (1.0 / p)
    if metric == "seuclidean" and kwargs.get("V") is not None:
        var = kwargs["V"]
        return lambda d, u, v: np.sqrt(np.sum(d * d / var, axis=-1))
    if metric == "braycurtis":
        return lambda d, u, v: np.sum(np.abs(d), axis=-1) / np.sum(np.abs(u + v), axis=-1)
    if metric == "canberra":
        return lambda d, u, v: np.sum(np.abs(d) / (np.abs(u) + np.abs(v)), axis=-1)
    if metric in ("cosine", "correlation"):
        centred = metric == "correlation"

        def cos(d, u, v):
            if centred:
                u = u - np.mean(u, axis=-1, keepdims=True)
                v = v - np.mean(v, axis=-1, keepdims=True)
            uv = np.sum(u * v, axis=-1)
            return 1.0 - uv / np.sqrt(np.sum(u * u, axis=-1) * np.sum(v * v, axis=-1))
        return cos
    return None


def _pairs(u: Any, v: Any, metric: Any, kwargs: dict) -> Any:
    """The metric between rows of ``u`` and ``v`` (broadcast against each other)."""
    if not isinstance(metric, str) or set(kwargs) - {"p", "V"}:
        return NotImplemented
    fn = _metric_fn(metric.lower(), kwargs)
    return NotImplemented if fn is None else fn(u - v, u, v)


def cdist(XA, XB, metric="euclidean", *, out=None, **kwargs):
    if out is not None or np.ndim(XA) != 2 or np.ndim(XB) != 2:
        return NotImplemented
    return _pairs(XA[:, None, :], XB[None, :, :], metric, kwargs)


def pdist(X, metric="euclidean", *, out=None, **kwargs):
    if out is not None or np.ndim(X) != 2:
        return NotImplemented
    i, j = np.triu_indices(np.shape(X)[0], 1)
    return _pairs(X[i], X[j], metric, kwargs)


def squareform(X, force="no", checks=True):
    if np.ndim(X) == 2 and force != "tomatrix":
        n = np.shape(X)[0]
        return X[np.triu_indices(n, 1)]
    if np.ndim(X) != 1 or force == "tovector":
        return NotImplemented
    m = np.shape(X)[0]
    n = int(np.ceil(np.sqrt(m * 2)))
    if n * (n - 1) // 2 != m:
        return NotImplemented   # SciPy's own error
    i, j = np.triu_indices(n, 1)
    out = np.zeros((n, n), dtype=X.dtype)
    out[i, j] = X
    return out + np.swapaxes(out, 0, 1)


# ----------------------------------------------------------------------------- scipy.ndimage

_PAD = {"reflect": "symmetric", "grid-mirror": "symmetric", "mirror": "reflect",
        "nearest": "edge", "wrap": "wrap", "grid-wrap": "wrap", "constant": "constant",
        "grid-constant": "constant"}


def _store(y: Any, output: Any) -> Any:
    if output is None:
        return y
    if isinstance(output, np.ndarray):
        output[...] = y
        return output
    return np.astype(y, np.dtype(output))


def correlate1d(input, weights, axis=-1, output=None, mode="reflect", cval=0.0, origin=0):
    w = np.asarray(weights)
    if mode not in _PAD or w.ndim != 1 or w.size == 0:
        return NotImplemented
    n_w = w.size
    c = n_w // 2 + origin
    if not 0 <= c < n_w:
        return NotImplemented   # SciPy's own error
    x = np.moveaxis(input, axis, -1)
    n = x.shape[-1]
    kw = {"constant_values": cval} if _PAD[mode] == "constant" else {}
    xp = np.pad(x, [(0, 0)] * (x.ndim - 1) + [(c, n_w - 1 - c)], mode=_PAD[mode], **kw)
    y = sum(xp[..., j:j + n] * w[j] for j in range(n_w))
    return _store(np.moveaxis(y, -1, axis), output)


def convolve1d(input, weights, axis=-1, output=None, mode="reflect", cval=0.0, origin=0):
    w = np.asarray(weights)[::-1]
    origin = -origin
    if not np.size(w) & 1:
        origin -= 1
    return correlate1d(input, w, axis, output, mode, cval, origin)


def uniform_filter1d(input, size, axis=-1, output=None, mode="reflect", cval=0.0, origin=0):
    return correlate1d(input, np.full(size, 1.0 / size), axis, output, mode, cval, origin)


# ----------------------------------------------------------------------------- scikit-learn

def haversine_distances(X, Y=None):
    if np.ndim(X) != 2 or np.shape(X)[1] != 2:
        return NotImplemented
    Y = X if Y is None else Y
    lat1, lon1 = X[:, None, 0], X[:, None, 1]
    lat2, lon2 = Y[None, :, 0], Y[None, :, 1]
    h = np.sin((lat2 - lat1) / 2) ** 2 + \
        np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * np.arcsin(np.sqrt(h))


# ----------------------------------------------------------------------------- scipy.signal

@primitive
def _lfilter_x(x, b, a, axis):
    import scipy.signal

    return scipy.signal.lfilter(b, a, x, axis)


# The filter is linear in x, a lower-triangular Toeplitz map: its transpose runs it backwards.
defvjp(_lfilter_x, lambda g, ans, x, b, a, axis:
       np.flip(_lfilter_x(np.flip(g, axis), b, a, axis), axis))


def lfilter(b, a, x, axis=-1, zi=None):
    if zi is not None or np.ndim(b) != 1 or np.ndim(a) != 1:
        return NotImplemented
    if getattr(b, "_node", None) is not None or getattr(a, "_node", None) is not None:
        return NotImplemented   # coefficients are constants here
    return _lfilter_x(x, np.asarray(b), np.asarray(a), axis)


# ----------------------------------------------------------------------------- numpy itself

# NumPy functions given a list hand it to a method (np.transpose, np.round: ``_wrapit``) or
# to a ufunc reduction (np.sum, np.max: ``_wrapreduction``) that converts it in C.  A list
# holding recorded Tensors is made a recorded array first.

def _wrapit(obj, method, *args, **kwds):
    return getattr(np.asarray(obj), method)(*args, **kwds)


def _reduction(name: str) -> Any:
    def f(obj, *args, **kwargs):
        import numpy._core.fromnumeric as fromnumeric

        return getattr(fromnumeric, name).__wrapped__(np.asarray(obj), *args, **kwargs)

    f.__name__ = name
    return f


# as_strided (scipy.linalg.toeplitz/hankel/circulant, sliding_window_view): the strided
# view is the input's elements gathered at the positions the strides reach, recorded.
_INT_OF_SIZE = {1: np.int8, 2: np.int16, 4: np.int32, 8: np.int64}


def as_strided(x, shape=None, strides=None, subok=False, writeable=True):
    # The strides may reach outside x into the array x is a view of (toeplitz): gather from
    # the outermost Tensor whose memory holds x.
    root = x
    while getattr(root, "_base", None) is not None:
        root = root._base
    raw, root_raw = np.ndarray.view(x, np.ndarray), np.ndarray.view(root, np.ndarray)
    pos_type = _INT_OF_SIZE.get(raw.itemsize)
    if pos_type is None or not root_raw.flags.c_contiguous or raw.dtype != root_raw.dtype:
        return NotImplemented
    offset = raw.__array_interface__["data"][0] - root_raw.__array_interface__["data"][0]
    plain = np.lib.stride_tricks.as_strided
    # The same layout over an array of positions with the same item size: x's own view of
    # it, then the strided view the caller asked for.
    index = np.arange(root_raw.size, dtype=pos_type)
    if offset % raw.itemsize or not 0 <= offset < max(index.nbytes, 1):
        return NotImplemented
    index_x = plain(index[offset // raw.itemsize:], shape=raw.shape, strides=raw.strides)
    positions = plain(index_x, shape=shape, strides=strides)
    if positions.size and (positions.min() < 0 or positions.max() >= root_raw.size):
        return NotImplemented
    return np.reshape(root, -1)[positions.astype(np.intp)]


ADAPTERS.update({
    "numpy.lib._stride_tricks_impl": {"as_strided": as_strided},
    "numpy._core.fromnumeric": {"_wrapit": _wrapit,
                                "_wrapreduction": _reduction("_wrapreduction"),
                                "_wrapreduction_any_all": _reduction("_wrapreduction_any_all")},
    "scipy.linalg": {f.__name__: f for f in (
        solve, inv, det, cholesky, cho_factor, cho_solve, solve_triangular, eigh, eigvalsh,
        svd, svdvals, qr, lstsq, pinv, norm)},
    "scipy.fft": dict(_FFT),
    "scipy.spatial.distance": {"cdist": cdist, "pdist": pdist, "squareform": squareform},
    "scipy.ndimage": {"correlate1d": correlate1d, "convolve1d": convolve1d,
                      "uniform_filter1d": uniform_filter1d},
    "scipy.signal": {"lfilter": lfilter},
    "scipy.special": {"multigammaln": _special.multigammaln, "polygamma": _special.polygamma,
                      "logsumexp": _special.logsumexp, "softmax": _special.softmax,
                      "log_softmax": _special.log_softmax},
    "sklearn.metrics.pairwise": {"haversine_distances": haversine_distances},
})
