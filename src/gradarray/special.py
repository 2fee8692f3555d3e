"""Recorded versions of the ``scipy.special`` functions that are not ufuncs.

SciPy's special *ufuncs* (``erf``, ``gammaln``, ``expit``, ...) need nothing from here:
called on a Tensor they are recorded through their rules in ``rules/special.py``.  The few
Python functions below convert their input before computing (``softmax`` and
``log_softmax`` call ``xp.asarray``, that is ``np.array``, on it; ``polygamma`` and
``multigammaln`` call ``np.asarray``), so on a Tensor they return untracked results.  These
versions take the same arguments, give the same values and are written in recorded NumPy
calls.  See :doc:`/interop`.

Examples
--------
>>> import numpy as np, gradarray as ga
>>> from gradarray import special
>>> x = ga.tensor([1.0, 2.0, 3.0])
>>> ga.grad(lambda x: special.logsumexp(x))(x)  # the gradient of logsumexp is softmax
Tensor([0.09003057, 0.24472847, 0.66524096])
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .tensor import asarray
from .transforms import stop_gradient

__all__ = ["logsumexp", "softmax", "log_softmax", "polygamma", "multigammaln"]


def _shift(a: Any, axis: Any) -> Any:
    """The maximum of ``Re a`` over ``axis`` (kept dims), 0 where it is not finite.

    A constant for differentiation: the shift cancels out of every formula below.
    """
    m = np.max(np.real(stop_gradient(a)), axis=axis, keepdims=True)
    return np.where(np.isfinite(m), m, 0)


def _drop(x: Any, axis: Any, keepdims: bool) -> Any:
    return x if keepdims else np.squeeze(x, axis=axis)


def logsumexp(a: Any, axis: Any = None, b: Any = None, keepdims: bool = False,
              return_sign: bool = False) -> Any:
    """``log(sum(b * exp(a), axis))``, computed stably; as :func:`scipy.special.logsumexp`.

    Parameters
    ----------
    a : array_like
        Input.
    axis : None, int or tuple of ints
        Axes summed over (all by default).
    b : array_like, optional
        Weights of ``exp(a)``, broadcastable to ``a``; may be negative.
    keepdims : bool
        Keep the summed axes with size 1.
    return_sign : bool
        Return ``(log|s|, sign(s))`` instead of NaN for a negative sum ``s``.

    Returns
    -------
    Tensor or tuple of Tensor
        As SciPy's; 0-d results are 0-d Tensors.

    Examples
    --------
    >>> import gradarray as ga
    >>> from gradarray.special import logsumexp
    >>> float(logsumexp(ga.tensor([0.0, 0.0])))  # log 2
    0.6931471805599453
    """
    a = asarray(a)
    if a.dtype.kind not in "fc":
        a = np.astype(a, np.float64)
    m = _shift(a, axis)
    e = np.exp(a - m)
    if b is not None:
        e = asarray(b) * e
    s = np.sum(e, axis=axis, keepdims=True)
    if return_sign:
        sign = np.sign(stop_gradient(s))
        s = s * np.conj(sign)  # |s|, recorded
        out = np.real(np.log(s) + m) if np.iscomplexobj(s) else np.log(s) + m
        return _drop(out, axis, keepdims), _drop(sign, axis, keepdims)
    with np.errstate(invalid="ignore"):
        out = np.log(s) + m
    return _drop(out, axis, keepdims)


def softmax(x: Any, axis: Any = None) -> Any:
    """``exp(x) / sum(exp(x), axis)``; as :func:`scipy.special.softmax`, but recorded.

    Examples
    --------
    >>> import gradarray as ga
    >>> from gradarray.special import softmax
    >>> softmax(ga.tensor([0.0, 0.0]))
    Tensor([0.5, 0.5])
    """
    x = asarray(x)
    e = np.exp(x - _shift(x, axis))
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x: Any, axis: Any = None) -> Any:
    """``x - logsumexp(x, axis)``; as :func:`scipy.special.log_softmax`, but recorded.

    Examples
    --------
    >>> import gradarray as ga
    >>> from gradarray.special import log_softmax
    >>> log_softmax(ga.tensor([0.0, 0.0]))
    Tensor([-0.69314718, -0.69314718])
    """
    x = asarray(x)
    t = x - _shift(x, axis)
    return t - np.log(np.sum(np.exp(t), axis=axis, keepdims=True))


def polygamma(n: Any, x: Any) -> Any:
    """The ``n``-th derivative of digamma at ``x``; as :func:`scipy.special.polygamma`.

    Differentiable in ``x`` (its derivative is ``polygamma(n + 1, x)``); ``n`` is an
    integer order and gets no gradient.

    Examples
    --------
    >>> import gradarray as ga
    >>> from gradarray.special import polygamma
    >>> round(float(ga.grad(lambda x: polygamma(1, x))(ga.tensor(1.0))), 10)  # polygamma(2, 1)
    -2.4041138063
    """
    import scipy.special as sc

    n = np.asarray(stop_gradient(n))
    x = asarray(x)
    fac = (-1.0) ** (n + 1) * sc.gamma(n + 1.0) * sc.zeta(n + 1, x)
    return np.where(n == 0, sc.digamma(x), fac)


def multigammaln(a: Any, d: int) -> Any:
    """Log of the multivariate gamma function of dimension ``d``; as SciPy's.

    Examples
    --------
    >>> import gradarray as ga
    >>> from gradarray.special import multigammaln
    >>> round(float(multigammaln(ga.tensor(2.0), 1)), 12)  # log Gamma(2)
    0.0
    """
    import scipy.special as sc

    a = asarray(a)
    if not isinstance(d, (int, np.integer)) or d < 1:
        raise ValueError("d should be a positive integer (dimension)")
    if np.any(stop_gradient(a) <= 0.5 * (d - 1)):
        raise ValueError(f"condition a ({a}) > 0.5 * (d-1) ({0.5 * (d - 1)}) not met")
    res = sc.gammaln(a)
    for j in range(1, d):
        res = res + sc.gammaln(a - 0.5 * j)
    return res + d * (d - 1) * 0.25 * math.log(math.pi)
