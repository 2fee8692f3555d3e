"""Real SciPy, scikit-learn and NumPy entry points run on Tensors: which stay differentiable.

Every entry is called on Tensors inside ``gradarray.grad`` in the default configuration (no
debug mode), twice: **alone** (the loss is a weighted sum of the entry's result) and
**composite**, inside a larger objective ``f(x) + 0.5 * sum(x * x)``, where the tape of the
second term always reaches the output, so the check that a differentiated function
returned something unconnected cannot see a loss.  Each mode is classified, by comparing
the gradient with central differences in float64 and recording warnings:

- ``differentiable``: the gradient matches central differences;
- ``lost tape (warned)``: the gradient is wrong (zero or partial), but a gradarray warning
  (``LostTapeWarning``, ``UnconnectedGradientWarning``: a category defined in gradarray)
  was emitted; the *why* names it;
- ``raises``: the call raises (type and first line of the message);
- ``silently wrong``: the gradient disagrees and no gradarray warning was emitted.  This is
  the defect the project drives to zero.

The *why* of a lost tape comes from the warning, or, when the warning only says that the
result was unconnected (or there is none), from a second run in debug mode
(``ga.set_debug(True)``) watched by a profiler (``sys.setprofile``): the first NumPy
conversion that returned an untracked array for a recorded Tensor, a ``LostTapeWarning`` of
debug mode, or the innermost function that was given a recorded Tensor and returned an
untracked floating result.

The table in ``docs/interop_table.md`` (included by ``docs/interop.md``) is written from
these results, never by hand::

    python tests/test_interop.py --write-docs      # or GA_WRITE_DOCS=1 pytest tests/test_interop.py

Each entry is also run alone in a subprocess with ``SCIPY_ARRAY_API=1`` and scikit-learn's
``array_api_dispatch=True`` (the variable is read when SciPy is imported);
``GA_INTEROP_ARRAY_API=0`` skips that column.  The last part of this file walks
array-api-compat's NumPy namespace, the one that ``array_api_compat.array_namespace(tensor)``
and SciPy hand to code on Tensors.
"""

from __future__ import annotations

import functools
import json
import math
import os
import subprocess
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.polynomial.chebyshev as npc
import numpy.polynomial.hermite as nph
import numpy.polynomial.hermite_e as nphe
import numpy.polynomial.laguerre as npl
import numpy.polynomial.legendre as npg
import numpy.polynomial.polynomial as npp
import pytest

import gradarray as ga

sp = pytest.importorskip("scipy") if __name__ != "__main__" else __import__("scipy")
import scipy.fft  # noqa: E402
import scipy.integrate  # noqa: E402
import scipy.interpolate  # noqa: E402
import scipy.linalg  # noqa: E402
import scipy.ndimage  # noqa: E402
import scipy.optimize  # noqa: E402
import scipy.signal  # noqa: E402
import scipy.spatial  # noqa: E402
import scipy.spatial.distance  # noqa: E402
import scipy.special  # noqa: E402
import scipy.stats  # noqa: E402

from gradarray import special as gs  # noqa: E402

try:
    import sklearn
    import sklearn.covariance
    import sklearn.decomposition
    import sklearn.kernel_approximation
    import sklearn.kernel_ridge
    import sklearn.linear_model
    import sklearn.metrics
    import sklearn.metrics.pairwise
    import sklearn.neighbors
    import sklearn.preprocessing
    import sklearn.utils
    import sklearn.utils.extmath
    import sklearn.utils.validation
except ImportError:  # the sklearn rows are then skipped
    sklearn = None
try:
    import array_api_compat
except ImportError:
    array_api_compat = None

# The table below holds library functions captured by reference.  gradarray puts its
# wrappers in place in every module at the first gradient computation (docs/lost-tape.md);
# a program calling scipy.linalg.norm(x) looks the name up at each call, so take one
# gradient first, as such a program has by the time it reaches the call.
ga.grad(lambda x: np.sum(x))(np.ones(1))

ROOT = Path(__file__).resolve().parents[1]
DIFF, WARNED, RAISES, WRONG = ("differentiable", "lost tape (warned)", "raises",
                               "silently wrong")
STATUSES = (DIFF, WARNED, RAISES, WRONG)
MODES = ("alone", "composite")
ARRAY_API_MODE = bool(os.environ.get("SCIPY_ARRAY_API"))


# ----------------------------------------------------------------------------- entries

@dataclass
class Entry:
    name: str                       # the entry point, as users call it
    fn: Callable                    # fn(*tensors): the call, other arguments fixed
    inputs: tuple                   # one generator per differentiated array: rng -> ndarray
    expect: str | None = None       # the status this project guarantees (asserted)
    needs: str = "scipy"            # "sklearn" / "compat" / "gradarray" / "numpy"
    group: str = ""                 # the table section
    note: str = ""                  # shown next to the measured status
    eps: float = 1e-6               # central-difference step
    rtol: float = 1e-5              # tolerance of the comparison (iterative solvers: looser)

    def __str__(self) -> str:
        return self.name


ENTRIES: list[Entry] = []


def _section(group: str, needs: str = "scipy") -> Callable:
    """``add(name, fn, *inputs, **options)``: appends an Entry of ``group`` to ENTRIES."""
    def add(name: str, fn: Callable, *inputs: Callable, **kw: Any) -> None:
        kw.setdefault("needs", needs)
        ENTRIES.append(Entry(name, fn, inputs, group=group, **kw))
    return add


# ----------------------------------------------------------------------------- inputs
# Small inputs (3 to 8 elements): a central difference per element is then cheap.

def V(n: int = 4, lo: float = -1.0, hi: float = 1.0) -> Callable:
    """A vector of ``n`` values drawn in (lo, hi)."""
    return lambda rng: rng.uniform(lo, hi, n)


def M(n: int = 3, m: int = 4, lo: float = -1.0, hi: float = 1.0) -> Callable:
    """An ``n`` x ``m`` matrix of values drawn in (lo, hi)."""
    return lambda rng: rng.uniform(lo, hi, (n, m))


def S(n: int = 5, lo: float = 0.0, hi: float = 3.0) -> Callable:
    """``n`` sorted, distinct values in (lo, hi) (sample points of a grid)."""
    return lambda rng: np.sort(rng.uniform(lo, hi, n)) + np.arange(n) * 0.05


def P(n: int = 6) -> Callable:
    """``n`` probabilities in (0.1, 0.9)."""
    return lambda rng: rng.uniform(0.1, 0.9, n)


def spd(a: Any) -> Any:
    """A symmetric positive definite matrix made of ``a`` by NumPy calls (so recorded).

    Differentiating in ``a`` keeps the perturbations of the central differences symmetric:
    a routine that reads one triangle then has a well-defined derivative to compare with.
    """
    return a @ np.swapaxes(a, -1, -2) + a.shape[-1] * np.eye(a.shape[-1])


def well(a: Any) -> Any:
    """A well-conditioned (diagonally dominant) square matrix made of ``a``."""
    return a + 3.0 * np.eye(a.shape[-1])


def simplex(p: Any) -> Any:
    """Positive ``p`` normalised to sum to one (made by NumPy calls, so recorded)."""
    return p / np.sum(p, axis=-1, keepdims=True)


class _Unavailable(Exception):
    """The entry point is not in the installed version (the row is left out)."""


def _attr(obj: Any, name: str) -> Any:
    """``getattr(obj, name)``, or a function raising _Unavailable when it is not there."""
    f = getattr(obj, name, None)
    if f is not None:
        return f

    def missing(*args: Any, **kwargs: Any) -> Any:
        raise _Unavailable(f"{getattr(obj, '__name__', obj)}.{name} is not installed")
    return missing


def _fixed(seed: int, make: Callable) -> np.ndarray:
    """A constant input (not differentiated), drawn once."""
    return make(np.random.default_rng(seed))


_SPECIAL, _PYSPECIAL, _DIST, _DISTPAR, _STATS, _SPATIAL, _SIGNAL, _FFT, _INTEGRATE, \
    _INTERP, _LINALG, _NDIMAGE, _OPTIMIZE, _SKMETRICS, _SKPAIR, _SKPRE, _SKOTHER, _POLY, \
    _NUMPY, _NS = (
        "scipy.special ufuncs", "scipy.special Python functions",
        "scipy.stats distributions, in x (q for ppf/isf)",
        "scipy.stats distributions, in parameters", "scipy.stats statistics and "
        "multivariate", "scipy.spatial", "scipy.signal", "scipy.fft and numpy.fft",
        "scipy.integrate", "scipy.interpolate and np.interp", "scipy.linalg",
        "scipy.ndimage", "scipy.optimize", "scikit-learn metrics",
        "scikit-learn pairwise", "scikit-learn preprocessing", "scikit-learn, other",
        "numpy.polynomial", "numpy's Python-level functions, lists of Tensors",
        "array namespaces")


# ----------------------------------------------------------------------------- scipy.special

# The ufuncs gradarray/rules/special.py registers: their status is this project's guarantee.
_RULED = set("""erf erfc erfinv erfcinv erfcx erfi dawsn ndtr log_ndtr ndtri ndtri_exp gamma
rgamma gammaln loggamma digamma psi expit logit log_expit entr j0 j1 y0 y1 i0 i1 i0e i1e k0
k1 k0e k1e exp1 expi exprel ellipk ellipe expm1 log1p exp2 exp10 cbrt cosm1 sindg cosdg tandg
cotdg xlogy xlog1py rel_entr kl_div huber pseudo_huber beta betaln poch binom boxcox boxcox1p
inv_boxcox inv_boxcox1p gammainc gammaincc gammaincinv gammainccinv betainc betaincc jv yv iv
ive kv kve expn powm1""".split())

_UNARY = {  # name: the interval the input is drawn from
    "erf": (-1, 1), "erfc": (-1, 1), "erfinv": (-.9, .9), "erfcinv": (.1, 1.9),
    "erfcx": (-1, 1), "erfi": (-1, 1), "dawsn": (-1, 1), "ndtr": (-2, 2),
    "log_ndtr": (-3, 3), "ndtri": (.1, .9), "ndtri_exp": (-3, -.1), "gamma": (.5, 3),
    "rgamma": (.5, 3), "gammaln": (.2, 3), "loggamma": (.2, 3), "digamma": (.2, 3),
    "psi": (.2, 3), "expit": (-2, 2), "logit": (.1, .9), "log_expit": (-2, 2),
    "entr": (.1, 2), "j0": (.5, 3), "j1": (.5, 3), "y0": (.5, 3), "y1": (.5, 3),
    "i0": (.1, 2), "i1": (.1, 2), "i0e": (.1, 2), "i1e": (.1, 2), "k0": (.5, 3),
    "k1": (.5, 3), "k0e": (.5, 3), "k1e": (.5, 3), "exp1": (.2, 2), "expi": (.2, 2),
    "exprel": (-1, 1), "ellipk": (0, .9), "ellipe": (0, .9), "expm1": (-1, 1),
    "log1p": (-.5, 1), "exp2": (-1, 1), "exp10": (-1, 1), "cbrt": (.2, 2), "cosm1": (-1, 1),
    "sindg": (-80, 80), "cosdg": (-80, 80), "tandg": (-40, 40), "cotdg": (10, 80),
    "softplus": (-2, 2), "spence": (.2, 2), "zetac": (1.5, 4), "wrightomega": (-1, 1),
    "kolmogorov": (.5, 2), "ellipkm1": (.1, .9), "ber": (.2, 2), "gammasgn": (.5, 3),
    "round": (-2.3, 2.3),
}

_add = _section(_SPECIAL)
for _n, (_lo, _hi) in _UNARY.items():
    _f = _attr(scipy.special, _n)
    _add(f"scipy.special.{_n}", _f, V(4, _lo, _hi),
         expect=DIFF if _n in _RULED or _n == "softplus" else None)

# Ufuncs of several arguments: (label, fn, inputs), differentiated in the named arguments.
_pos, _unit = V(4, .5, 2.5), V(4, .1, .9)
for _label, _fn, _ins in [
    ("xlogy(x, y)", scipy.special.xlogy, (V(), V(4, .2, 2))),
    ("xlog1py(x, y)", scipy.special.xlog1py, (V(), V(4, -.5, 1))),
    ("rel_entr(p, q)", scipy.special.rel_entr, (P(), P())),
    ("kl_div(p, q)", scipy.special.kl_div, (P(), P())),
    ("huber(1, r)", lambda r: scipy.special.huber(1.0, r), (V(4, -2, 2),)),
    ("pseudo_huber(1, r)", lambda r: scipy.special.pseudo_huber(1.0, r), (V(4, -2, 2),)),
    ("beta(a, b)", scipy.special.beta, (_pos, _pos)),
    ("betaln(a, b)", scipy.special.betaln, (_pos, _pos)),
    ("poch(z, m)", scipy.special.poch, (_pos, V(4, .2, 1.5))),
    ("binom(n, k)", scipy.special.binom, (V(4, 4, 6), V(4, 1.2, 2.8))),
    ("boxcox(x, 0.5)", lambda x: scipy.special.boxcox(x, 0.5), (_pos,)),
    ("boxcox1p(x, 0.5)", lambda x: scipy.special.boxcox1p(x, 0.5), (_pos,)),
    ("inv_boxcox(y, 0.5)", lambda y: scipy.special.inv_boxcox(y, 0.5), (_pos,)),
    ("inv_boxcox1p(y, 0.5)", lambda y: scipy.special.inv_boxcox1p(y, 0.5), (_pos,)),
    ("gammainc(2, x)", lambda x: scipy.special.gammainc(2.0, x), (_pos,)),
    ("gammainc(a, 1.5) in a", lambda a: scipy.special.gammainc(a, 1.5), (_pos,)),
    ("gammaincc(2, x)", lambda x: scipy.special.gammaincc(2.0, x), (_pos,)),
    ("gammaincinv(2, q)", lambda q: scipy.special.gammaincinv(2.0, q), (_unit,)),
    ("gammainccinv(2, q)", lambda q: scipy.special.gammainccinv(2.0, q), (_unit,)),
    ("betainc(2, 3, x)", lambda x: scipy.special.betainc(2.0, 3.0, x), (_unit,)),
    ("betaincc(2, 3, x)", lambda x: scipy.special.betaincc(2.0, 3.0, x), (_unit,)),
    ("jv(1.5, z)", lambda z: scipy.special.jv(1.5, z), (_pos,)),
    ("yv(1.5, z)", lambda z: scipy.special.yv(1.5, z), (_pos,)),
    ("iv(1.5, z)", lambda z: scipy.special.iv(1.5, z), (_pos,)),
    ("ive(1.5, z)", lambda z: scipy.special.ive(1.5, z), (_pos,)),
    ("kv(1.5, z)", lambda z: scipy.special.kv(1.5, z), (_pos,)),
    ("kve(1.5, z)", lambda z: scipy.special.kve(1.5, z), (_pos,)),
    ("yn(2, x)", lambda x: scipy.special.yn(2, x), (_pos,)),
    ("expn(2, x)", lambda x: scipy.special.expn(2, x), (_pos,)),
    ("zeta(s, q)", lambda q: scipy.special.zeta(2.5, q), (V(4, .5, 3),)),
    ("powm1(x, y)", scipy.special.powm1, (_pos, V(4, -1, 1))),
    ("stdtr(df, t)", scipy.special.stdtr, (V(4, 2, 6), V(4, -2, 2))),
    ("owens_t(h, a)", scipy.special.owens_t, (V(4, -1, 1), V(4, .2, 2))),
    ("agm(a, b)", scipy.special.agm, (_pos, _pos)),
    ("struve(1, x)", lambda x: scipy.special.struve(1.0, x), (_pos,)),
    ("chdtr(3, x)", lambda x: scipy.special.chdtr(3.0, x), (_pos,)),
    ("pdtr(3, m) in m", lambda m: scipy.special.pdtr(3, m), (_pos,)),
    ("gdtr(1, 2, x)", lambda x: scipy.special.gdtr(1.0, 2.0, x), (_pos,)),
    ("bdtr(3, 10, p) in p", lambda p: scipy.special.bdtr(3, 10, p), (_unit,)),
    ("ellipkinc(phi, m)", scipy.special.ellipkinc, (V(4, .2, 1.2), V(4, .1, .8))),
    ("hyp2f1(1, 2, 3, z)", lambda z: scipy.special.hyp2f1(1.0, 2.0, 3.0, z), (V(4, -.5, .5),)),
    ("hyp1f1(1, 2, x)", lambda x: scipy.special.hyp1f1(1.0, 2.0, x), (V(),)),
]:
    _name = _label.split("(")[0]
    _add(f"scipy.special.{_label}", _fn, *_ins,
         expect=DIFF if _name in _RULED and " in " not in _label else None)

_add = _section(_PYSPECIAL)
for _label, _fn, _ins, _alt in [
    ("logsumexp(x, axis=1)", lambda x: scipy.special.logsumexp(x, axis=1), (M(),),
     "gradarray.special.logsumexp"),
    ("logsumexp(x, b=w)", lambda x, w: scipy.special.logsumexp(x, b=w), (V(), V(4, .2, 1)),
     ""),
    ("softmax(x, axis=1)", lambda x: scipy.special.softmax(x, axis=1), (M(),),
     "gradarray.special.softmax"),
    ("log_softmax(x, axis=1)", lambda x: scipy.special.log_softmax(x, axis=1), (M(),),
     "gradarray.special.log_softmax"),
    ("polygamma(1, x)", lambda x: scipy.special.polygamma(1, x), (V(4, .5, 3),),
     "gradarray.special.polygamma"),
    ("multigammaln(x, 2)", lambda x: scipy.special.multigammaln(x, 2), (V(4, 1.5, 3),),
     "gradarray.special.multigammaln"),
    ("comb(N, 2)", lambda n: scipy.special.comb(n, 2.0), (V(4, 3, 6),), ""),
    ("perm(N, 2)", lambda n: scipy.special.perm(n, 2.0), (V(4, 3, 6),), ""),
    ("spherical_jn(1, z)", lambda z: scipy.special.spherical_jn(1, z), (_pos,), ""),
    ("spherical_yn(1, z)", lambda z: scipy.special.spherical_yn(1, z), (_pos,), ""),
    ("lambertw(x)", lambda x: scipy.special.lambertw(x), (_pos,), ""),
]:
    _add(f"scipy.special.{_label}", _fn, *_ins, note=f"use `{_alt}`" if _alt else "")

# The working alternatives (gradarray's own code, so their status is guaranteed).
for _label, _fn, _ins in [
    ("logsumexp", lambda x: gs.logsumexp(x, axis=1), (M(),)),
    ("softmax", lambda x: gs.softmax(x, axis=1), (M(),)),
    ("log_softmax", lambda x: gs.log_softmax(x, axis=1), (M(),)),
    ("polygamma", lambda x: gs.polygamma(1, x), (V(4, .5, 3),)),
    ("multigammaln", lambda x: gs.multigammaln(x, 2), (V(4, 1.5, 3),)),
]:
    _add(f"gradarray.special.{_label}", _fn, *_ins, expect=DIFF, needs="gradarray")


# ----------------------------------------------------------------------------- scipy.stats

# (name, shape values, x interval, intervals to draw the shapes from when differentiated)
_DISTS = [
    ("norm", (), (-2, 2), ()), ("t", (3.5,), (-2, 2), ((2, 6),)),
    ("gamma", (2.5,), (.3, 3), ((1.5, 4),)), ("beta", (2., 3.), (.1, .9), ((1.5, 4), (1.5, 4))),
    ("expon", (), (.1, 3), ()), ("lognorm", (.7,), (.3, 3), ((.4, 1.2),)),
    ("cauchy", (), (-2, 2), ()), ("logistic", (), (-2, 2), ()), ("laplace", (), (.2, 2), ()),
    ("chi2", (4.,), (.5, 4), ((2, 6),)), ("f", (5., 7.), (.3, 3), ((3, 8), (4, 9))),
    ("weibull_min", (1.8,), (.3, 2), ((1.2, 3),)), ("uniform", (), (.1, .9), ()),
    ("gumbel_r", (), (-1, 2), ()), ("invgamma", (3.,), (.3, 2), ((2, 5),)),
    ("rayleigh", (), (.3, 2), ()), ("halfnorm", (), (.2, 2), ()),
    ("skewnorm", (2.,), (-1, 2), ((.5, 3),)), ("pareto", (2.5,), (1.2, 3), ((1.5, 4),)),
]
# All eight methods for the first distributions, three for the rest (the machinery is shared).
_ALL_METHODS = ("pdf", "logpdf", "cdf", "logcdf", "sf", "logsf", "ppf", "isf")
_FEW_METHODS = ("logpdf", "cdf", "ppf")

_add = _section(_DIST)
for _k, (_d, _shapes, (_lo, _hi), _) in enumerate(_DISTS):
    _dist = _attr(scipy.stats, _d)
    for _m in _ALL_METHODS if _k < 8 else _FEW_METHODS:
        _in = P(4) if _m in ("ppf", "isf") else V(4, _lo, _hi)
        _f = _attr(_dist, _m)
        _add(f"scipy.stats.{_d}.{_m}", lambda x, f=_f, s=_shapes: f(x, *s),
             _in)

_add = _section(_DISTPAR)
for _d, _shapes, (_lo, _hi), _ranges in _DISTS:
    _dist = _attr(scipy.stats, _d)
    _logpdf, _cdf = _attr(_dist, "logpdf"), _attr(_dist, "cdf")
    _names = getattr(_dist, "shapes", None) or ""
    _x = _lo + (_hi - _lo) * np.array([.3, .45, .55, .7])   # inside the support for any loc
    _add(f"scipy.stats.{_d}.logpdf in loc, scale",
         lambda loc, scale, f=_logpdf, x=_x, s=_shapes: f(x, *s, loc=loc, scale=scale),
         V(4, -.1, .1), V(4, .9, 1.2))
    if _ranges:
        _add(f"scipy.stats.{_d}.logpdf in {_names}", lambda *s, f=_logpdf, x=_x: f(x, *s),
             *[V(4, *r) for r in _ranges])
        if _d in ("gamma", "beta", "t"):
            _add(f"scipy.stats.{_d}.cdf in {_names}", lambda *s, f=_cdf, x=_x: f(x, *s),
                 *[V(4, *r) for r in _ranges])
_add("scipy.stats.norm(loc, scale).logpdf (frozen)",
     lambda loc, scale: scipy.stats.norm(loc, scale).logpdf(np.array([-.5, 0, .3, 1.])),
     V(4, -.1, .1), V(4, .9, 1.2))
_add("scipy.stats.Normal(mu=, sigma=).logpdf",
     lambda mu, sigma: scipy.stats.Normal(mu=mu, sigma=sigma).logpdf(np.array([-.5, .3, 1.])),
     V(3, -.1, .1), V(3, .9, 1.2))
_add("scipy.stats.Normal().logpdf(x)", lambda x: scipy.stats.Normal().logpdf(x), V())
_add("scipy.stats.Normal().cdf(x)", lambda x: scipy.stats.Normal().cdf(x), V())
_K5 = np.array([0., 1., 2., 3., 5.])
for _label, _fn, _in in [
    ("poisson.logpmf(k, mu) in mu", lambda mu: scipy.stats.poisson.logpmf(_K5, mu), V(5, .5, 4)),
    ("poisson.pmf(k, mu) in mu", lambda mu: scipy.stats.poisson.pmf(_K5, mu), V(5, .5, 4)),
    ("poisson.cdf(k, mu) in mu", lambda mu: scipy.stats.poisson.cdf(_K5, mu), V(5, .5, 4)),
    ("binom.logpmf(k, 10, p) in p", lambda p: scipy.stats.binom.logpmf(_K5, 10, p), P(5)),
    ("binom.pmf(k, 10, p) in p", lambda p: scipy.stats.binom.pmf(_K5, 10, p), P(5)),
    ("binom.cdf(k, 10, p) in p", lambda p: scipy.stats.binom.cdf(_K5, 10, p), P(5)),
    ("nbinom.logpmf(k, 5, p) in p", lambda p: scipy.stats.nbinom.logpmf(_K5, 5, p), P(5)),
    ("geom.logpmf(k + 1, p) in p", lambda p: scipy.stats.geom.logpmf(_K5 + 1, p), P(5)),
    ("bernoulli.logpmf(k, p) in p",
     lambda p: scipy.stats.bernoulli.logpmf(np.array([0, 1, 1, 0, 1]), p), P(5)),
    ("betabinom.logpmf(k, 8, a, b) in a",
     lambda a: scipy.stats.betabinom.logpmf(_K5, 8, a, 2.0), V(5, .5, 3)),
]:
    _add(f"scipy.stats.{_label}", _fn, _in)

_add = _section(_STATS)
_m4 = np.zeros(4)
for _label, _fn, _ins in [
    ("multivariate_normal.logpdf in x",
     lambda x: scipy.stats.multivariate_normal.logpdf(x, _m4, np.eye(4)), (M(),)),
    ("multivariate_normal.logpdf in mean",
     lambda m: scipy.stats.multivariate_normal.logpdf(np.ones(4) * .3, m, np.eye(4)), (V(),)),
    ("multivariate_normal.logpdf in cov",
     lambda a: scipy.stats.multivariate_normal.logpdf(np.ones(3) * .3, np.zeros(3), spd(a)),
     (M(3, 3),)),
    ("multivariate_normal.pdf in x",
     lambda x: scipy.stats.multivariate_normal.pdf(x, _m4, np.eye(4)), (M(),)),
    ("multivariate_normal(mean, cov).logpdf (frozen) in mean",
     lambda m: scipy.stats.multivariate_normal(m, np.eye(4)).logpdf(np.ones(4) * .3), (V(),)),
    ("multivariate_t.logpdf in x",
     lambda x: scipy.stats.multivariate_t.logpdf(x, _m4, np.eye(4), df=5), (M(),)),
    ("dirichlet.logpdf in x",
     lambda p: scipy.stats.dirichlet.logpdf(simplex(p), np.array([1.5, 2., 3., 2.5])),
     (V(4, .2, 1),)),
    ("dirichlet.logpdf in alpha",
     lambda a: scipy.stats.dirichlet.logpdf(np.array([.1, .2, .3, .4]), a), (V(4, 1, 3),)),
    ("wishart.logpdf in X", lambda a: scipy.stats.wishart.logpdf(spd(a), df=5, scale=np.eye(3)),
     (M(3, 3),)),
    ("zscore", lambda x: scipy.stats.zscore(x, axis=0), (M(),)),
    ("entropy(p)", scipy.stats.entropy, (P(),)),
    ("entropy(p, q)", scipy.stats.entropy, (P(), P())),
    ("gmean", scipy.stats.gmean, (V(5, .2, 2),)),
    ("hmean", scipy.stats.hmean, (V(5, .2, 2),)),
    ("pmean(x, 2)", lambda x: scipy.stats.pmean(x, 2.0), (V(5, .2, 2),)),
    ("variation", scipy.stats.variation, (V(5, .2, 2),)),
    ("skew", scipy.stats.skew, (V(6),)),
    ("kurtosis", scipy.stats.kurtosis, (V(6),)),
    ("moment(x, 3)", lambda x: scipy.stats.moment(x, order=3), (V(6),)),
    ("sem", scipy.stats.sem, (V(6),)),
    ("tmean", lambda x: scipy.stats.tmean(x, (-0.95, 0.95)), (V(6, -.9, .9),)),
    ("tvar", lambda x: scipy.stats.tvar(x, (-0.95, 0.95)), (V(6, -.9, .9),)),
    ("trim_mean(x, 0.2)", lambda x: scipy.stats.trim_mean(x, 0.2), (V(6),)),
    ("iqr", scipy.stats.iqr, (V(6),)),
    ("median_abs_deviation", scipy.stats.median_abs_deviation, (V(5),)),
    ("gstd", scipy.stats.gstd, (V(5, .2, 2),)),
    ("circmean", scipy.stats.circmean, (V(5, .2, 2),)),
    ("circvar", scipy.stats.circvar, (V(5, .2, 2),)),
    ("quantile(x, 0.3)", lambda x: scipy.stats.quantile(x, 0.3), (V(6),)),
    ("describe(x).variance", lambda x: scipy.stats.describe(x).variance, (V(6),)),
    ("pearsonr(x, y).statistic", lambda x, y: scipy.stats.pearsonr(x, y).statistic,
     (V(6), V(6))),
    ("spearmanr(x, y).statistic (rank-based)",
     lambda x, y: scipy.stats.spearmanr(x, y).statistic, (V(6), V(6))),
    ("kendalltau(x, y).statistic (rank-based)",
     lambda x, y: scipy.stats.kendalltau(x, y).statistic, (V(6), V(6))),
    ("linregress(x, y).slope", lambda x, y: scipy.stats.linregress(x, y).slope,
     (V(6), V(6))),
    ("ttest_ind(a, b).statistic", lambda a, b: scipy.stats.ttest_ind(a, b).statistic,
     (V(5), V(5))),
    ("ttest_1samp(a, 0).statistic", lambda a: scipy.stats.ttest_1samp(a, 0.0).statistic,
     (V(5),)),
    ("wasserstein_distance(u, v)", scipy.stats.wasserstein_distance, (V(5), V(5))),
    ("energy_distance(u, v)", scipy.stats.energy_distance, (V(5), V(5))),
    ("boxcox(x, lmbda=0.5)", lambda x: scipy.stats.boxcox(x, lmbda=0.5), (V(5, .2, 2),)),
    ("yeojohnson(x, lmbda=0.5)", lambda x: scipy.stats.yeojohnson(x, lmbda=0.5), (V(5),)),
    ("gaussian_kde(data)(points) in points",
     lambda p: scipy.stats.gaussian_kde(np.array([-1., -.2, .1, .5, 1.3]))(p), (V(4),)),
    ("gaussian_kde(data)(points) in data",
     lambda d: scipy.stats.gaussian_kde(d)(np.array([-.5, 0, .4])), (V(5),)),
    ("differential_entropy", scipy.stats.differential_entropy, (V(6),)),
    ("expectile(x, 0.3)", lambda x: scipy.stats.expectile(x, alpha=0.3), (V(5),)),
]:
    _add(f"scipy.stats.{_label}", _fn, *_ins, eps=1e-5 if "expectile" in _label else 1e-6)


# ----------------------------------------------------------------------------- scipy.spatial

_add = _section(_SPATIAL)
_VAR4 = np.array([.5, 1., 1.5, 2.])
_VI4 = np.linalg.inv(np.eye(4) + 0.3 * np.ones((4, 4)))
_W4 = np.array([1., .5, 2., 1.5])
_dist = scipy.spatial.distance
for _metric, _kw in [("euclidean", {}), ("sqeuclidean", {}), ("cityblock", {}),
                     ("minkowski", {"p": 3}), ("chebyshev", {}), ("cosine", {}),
                     ("correlation", {}), ("braycurtis", {}), ("canberra", {}),
                     ("seuclidean", {"V": _VAR4}), ("mahalanobis", {"VI": _VI4}),
                     ("jensenshannon", {})]:
    _in = P(4) if _metric in ("jensenshannon", "braycurtis", "canberra") else V(4)
    _f = _attr(_dist, _metric)
    _add(f"scipy.spatial.distance.{_metric}", lambda u, v, f=_f, kw=_kw: f(u, v, **kw), _in, _in)
_add("scipy.spatial.distance.euclidean(u, v, w)", lambda u, v: _dist.euclidean(u, v, _W4),
     V(4), V(4))
_add("scipy.spatial.distance.minkowski(u, v, 3, w)",
     lambda u, v: _dist.minkowski(u, v, 3, _W4), V(4), V(4))
for _metric, _kw in [("euclidean", {}), ("sqeuclidean", {}), ("cityblock", {}),
                     ("cosine", {}), ("correlation", {}), ("chebyshev", {}),
                     ("minkowski", {"p": 3}), ("braycurtis", {}), ("canberra", {}),
                     ("seuclidean", {"V": _VAR4}), ("mahalanobis", {"VI": _VI4})]:
    _in = M(3, 4, .1, 1) if _metric in ("braycurtis", "canberra") else M(3, 4)
    _add(f"scipy.spatial.distance.cdist(metric={_metric!r})",
         lambda a, b, m=_metric, kw=_kw: _dist.cdist(a, b, m, **kw), _in,
         M(2, 4, .1, 1) if _metric in ("braycurtis", "canberra") else M(2, 4))
for _metric in ("euclidean", "sqeuclidean", "cityblock", "cosine", "chebyshev"):
    _add(f"scipy.spatial.distance.pdist(metric={_metric!r})",
         lambda a, m=_metric: _dist.pdist(a, m), M(4, 3))
_add("scipy.spatial.distance.squareform(pdist(x))",
     lambda a: _dist.squareform(_dist.pdist(a)), M(4, 3))
_add("scipy.spatial.distance_matrix", scipy.spatial.distance_matrix, M(3, 2), M(2, 2))
_add("scipy.spatial.minkowski_distance", scipy.spatial.minkowski_distance, M(3, 2), M(3, 2))
_add("scipy.spatial.procrustes (disparity)", lambda a: scipy.spatial.procrustes(
    np.array([[0., 0.], [1., 0.], [1., 1.], [0., 2.]]), a)[2], M(4, 2))


# ----------------------------------------------------------------------------- scipy.signal

_add = _section(_SIGNAL)
_sig = scipy.signal
_K3 = np.array([0.25, 0.5, 0.25])
_K2D = np.array([[0.1, 0.2], [0.3, 0.4]])
_SOS = _sig.butter(2, 0.3, output="sos")
_BA = _sig.butter(2, 0.3)
for _label, _fn, _ins in [
    ("convolve(x, k)", lambda x: _sig.convolve(x, _K3), (V(8),)),
    ("convolve(x, k, mode='same', method='direct')",
     lambda x: _sig.convolve(x, _K3, mode="same", method="direct"), (V(8),)),
    ("convolve(x, k, method='fft')", lambda x: _sig.convolve(x, _K3, method="fft"), (V(8),)),
    ("convolve(x, k) in k", lambda k: _sig.convolve(np.linspace(-1, 1, 8), k), (V(3),)),
    ("correlate(x, k)", lambda x: _sig.correlate(x, _K3), (V(8),)),
    ("correlate(x, y, mode='valid')", lambda x, y: _sig.correlate(x, y, mode="valid"),
     (V(8), V(3))),
    ("fftconvolve", lambda x: _sig.fftconvolve(x, _K3), (V(8),)),
    ("fftconvolve(mode='same') in both", lambda x, k: _sig.fftconvolve(x, k, mode="same"),
     (V(8), V(3))),
    ("oaconvolve", lambda x: _sig.oaconvolve(x, _K3), (V(8),)),
    ("convolve2d", lambda x: _sig.convolve2d(x, _K2D), (M(3, 4),)),
    ("correlate2d", lambda x: _sig.correlate2d(x, _K2D, mode="same"), (M(3, 4),)),
    ("lfilter(b, a, x) in x", lambda x: _sig.lfilter([1.0], [1.0, -0.5], x), (V(8),)),
    ("lfilter(b, a, x) in b", lambda b: _sig.lfilter(b, [1.0, -0.5], np.linspace(-1, 1, 8)),
     (V(3),)),
    ("lfilter(b, a, x) in a", lambda a: _sig.lfilter([1.0], np.concatenate([[1.0], a]),
                                                     np.linspace(-1, 1, 8)), (V(2, -.3, .3),)),
    ("filtfilt", lambda x: _sig.filtfilt(*_BA, x), (V(10),)),
    ("sosfilt", lambda x: _sig.sosfilt(_SOS, x), (V(8),)),
    ("sosfiltfilt", lambda x: _sig.sosfiltfilt(_SOS, x), (V(16),)),
    ("savgol_filter(x, 5, 2)", lambda x: _sig.savgol_filter(x, 5, 2), (V(8),)),
    ("detrend(x)", _sig.detrend, (V(8),)),
    ("detrend(x, type='constant')", lambda x: _sig.detrend(x, type="constant"), (V(8),)),
    ("windows.hann applied", lambda x: x * _sig.windows.hann(8), (V(8),)),
    ("get_window('hamming') applied", lambda x: x * _sig.get_window("hamming", 8), (V(8),)),
    ("welch(x, nperseg=8)", lambda x: _sig.welch(x, nperseg=8)[1], (V(16),)),
    ("periodogram", lambda x: _sig.periodogram(x)[1], (V(8),)),
    ("csd(x, y, nperseg=8)", lambda x, y: _sig.csd(x, y, nperseg=8)[1], (V(16), V(16))),
    ("spectrogram(x, nperseg=8)", lambda x: _sig.spectrogram(x, nperseg=8)[2], (V(16),)),
    ("stft(x, nperseg=8)", lambda x: _sig.stft(x, nperseg=8)[2], (V(16),)),
    ("hilbert", _sig.hilbert, (V(8),)),
    ("envelope", lambda x: _sig.envelope(x)[0], (V(8),)),
    ("resample(x, 12)", lambda x: _sig.resample(x, 12), (V(8),)),
    ("resample_poly(x, 2, 1)", lambda x: _sig.resample_poly(x, 2, 1), (V(8),)),
    ("decimate(x, 2, n=4, ftype='fir')", lambda x: _sig.decimate(x, 2, n=4, ftype="fir"),
     (V(16),)),
    ("upfirdn(h, x, up=2)", lambda x: _sig.upfirdn(_K3, x, up=2), (V(8),)),
    ("medfilt(x, 3) (rank filter)", lambda x: _sig.medfilt(x, 3), (V(8),)),
    ("freqz(b, worN=8) in b", lambda b: _sig.freqz(b, worN=8)[1], (V(3),)),
    ("czt", _sig.czt, (V(8),)),
    ("deconvolve(signal, divisor)[0]",
     lambda s: _sig.deconvolve(s, np.array([1.0, 0.5]))[0], (V(6),)),
]:
    _add(f"scipy.signal.{_label}", _fn, *_ins)


# ----------------------------------------------------------------------------- fft

_add = _section(_FFT)
for _mod in ("scipy.fft", "numpy.fft"):
    _ff = scipy.fft if _mod == "scipy.fft" else np.fft
    for _n in ("fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fftshift", "ifftshift"):
        _add(f"{_mod}.{_n}", _attr(_ff, _n), V(8))
    for _n in ("fft2", "fftn", "ifftn", "rfftn"):
        _add(f"{_mod}.{_n}", _attr(_ff, _n), M(3, 4))
for _n, _kw in [("dct", {}), ("dct", {"type": 1}), ("dct", {"type": 4}), ("idct", {}),
                ("dst", {}), ("idst", {}), ("dct", {"norm": "ortho"})]:
    _f = _attr(scipy.fft, _n)
    _add(f"scipy.fft.{_n}({', '.join(f'{k}={v!r}' for k, v in _kw.items())})",
         lambda x, f=_f, kw=_kw: f(x, **kw), V(8))
_add("scipy.fft.dctn", scipy.fft.dctn, M(3, 4))
_add("scipy.fft.idctn", scipy.fft.idctn, M(3, 4))


# ----------------------------------------------------------------------------- integrate

_add = _section(_INTEGRATE)
_integ = scipy.integrate
for _label, _fn, _ins, _kw in [
    ("trapezoid(y)", _integ.trapezoid, (V(5),), {}),
    ("trapezoid(y, x) in x", lambda x: _integ.trapezoid(np.array([1., 2, 0, 3, 1]), x),
     (S(5),), {}),
    ("simpson(y)", _integ.simpson, (V(5),), {}),
    ("simpson(y, x=x) in y and x", lambda y, x: _integ.simpson(y, x=x), (V(5), S(5)), {}),
    ("cumulative_trapezoid(y, initial=0)",
     lambda y: _integ.cumulative_trapezoid(y, initial=0), (V(5),), {}),
    ("cumulative_simpson(y)", _integ.cumulative_simpson, (V(5),), {}),
    ("romb(y, dx=0.5)", lambda y: _integ.romb(y, dx=0.5), (V(5),), {}),
    ("quad(f closing over a Tensor)",
     lambda a: _integ.quad(lambda s: np.sum(np.exp(-a * s)), 0, 1)[0], (V(3, .5, 2),),
     {"eps": 1e-5, "rtol": 1e-4}),
    ("fixed_quad(f closing over a Tensor)",
     lambda a: _integ.fixed_quad(lambda s: np.exp(-a[:, None] * s), 0, 1, n=6)[0],
     (V(3, .5, 2),), {}),
    ("quad_vec(f closing over a Tensor)",
     lambda a: _integ.quad_vec(lambda s: np.exp(-a * s), 0, 1, epsabs=1e-13)[0],
     (V(3, .5, 2),), {"eps": 1e-5, "rtol": 1e-4}),
    ("tanhsinh(f, 0, 1, args=(a,)).integral",
     lambda a: _integ.tanhsinh(lambda s, a: np.exp(-a * s), 0, 1, args=(a,)).integral,
     (V(3, .5, 2),), {"eps": 1e-5, "rtol": 1e-4}),
    ("solve_ivp(f closing over a Tensor).y[:, -1]",
     lambda a: _integ.solve_ivp(lambda t, y: -a * y, (0, 1), np.ones(3), rtol=1e-10,
                                atol=1e-12).y[:, -1], (V(3, .5, 2),),
     {"eps": 1e-4, "rtol": 1e-4}),
    ("odeint(f closing over a Tensor)[-1]",
     lambda a: _integ.odeint(lambda y, t: -a * y, np.ones(3), [0., 1.], rtol=1e-11,
                             atol=1e-12)[-1], (V(3, .5, 2),), {"eps": 1e-4, "rtol": 1e-4}),
]:
    _add(f"scipy.integrate.{_label}", _fn, *_ins, **_kw)


# ----------------------------------------------------------------------------- interpolate

_add = _section(_INTERP)
_ipl = scipy.interpolate
_XK = np.array([0., .7, 1.5, 2.2, 3.])
_XQ = np.array([.3, 1.1, 1.9, 2.6])
_YK = np.array([.5, -.3, 1.2, .8, -1.])
_GX, _GY = np.array([0., 1., 2.]), np.array([0., .5, 1., 1.5])
_PTS = np.array([[.2, .3], [1.4, 1.1], [1.9, .7]])
for _label, _fn, _ins in [
    ("interp1d(x, y)(xq) in y", lambda y: _ipl.interp1d(_XK, y)(_XQ), (V(5),)),
    ("interp1d(x, y)(xq) in xq", lambda q: _ipl.interp1d(_XK, _YK)(q), (V(4, .1, 2.9),)),
    ("interp1d(x, y, kind='cubic')(xq) in y",
     lambda y: _ipl.interp1d(_XK, y, kind="cubic")(_XQ), (V(5),)),
    ("CubicSpline(x, y)(xq) in y", lambda y: _ipl.CubicSpline(_XK, y)(_XQ), (V(5),)),
    ("CubicSpline(x, y)(xq) in xq", lambda q: _ipl.CubicSpline(_XK, _YK)(q),
     (V(4, .1, 2.9),)),
    ("make_interp_spline(x, y, k=3)(xq) in y",
     lambda y: _ipl.make_interp_spline(_XK, y, k=3)(_XQ), (V(5),)),
    ("PchipInterpolator(x, y)(xq) in y", lambda y: _ipl.PchipInterpolator(_XK, y)(_XQ),
     (V(5),)),
    ("Akima1DInterpolator(x, y)(xq) in y", lambda y: _ipl.Akima1DInterpolator(_XK, y)(_XQ),
     (V(5),)),
    ("BarycentricInterpolator(x, y)(xq) in y",
     lambda y: _ipl.BarycentricInterpolator(_XK, y)(_XQ), (V(5),)),
    ("KroghInterpolator(x, y)(xq) in y", lambda y: _ipl.KroghInterpolator(_XK, y)(_XQ),
     (V(5),)),
    ("splrep + splev in y", lambda y: _ipl.splev(_XQ, _ipl.splrep(_XK, y, s=0)), (V(5),)),
    ("lagrange(x, w)(xq) in w", lambda w: _ipl.lagrange(_XK[:4], w)(_XQ), (V(4),)),
    ("RegularGridInterpolator(points, values)(xi) in values",
     lambda v: _ipl.RegularGridInterpolator((_GX, _GY), v)(_PTS), (M(3, 4),)),
    ("RegularGridInterpolator(points, values)(xi) in xi",
     lambda p: _ipl.RegularGridInterpolator((_GX, _GY), np.arange(12.).reshape(3, 4) ** 1.5
                                            )(p), (M(3, 2, .2, 1.3),)),
    ("interpn in values", lambda v: _ipl.interpn((_GX, _GY), v, _PTS), (M(3, 4),)),
    ("griddata(points, values, xi) in values",
     lambda v: _ipl.griddata(np.array([[0., 0.], [2., 0.], [0., 2.], [2., 2.]]), v,
                             np.array([[.5, .5], [1.2, .3]])), (V(4),)),
    ("RBFInterpolator(y, d)(x) in d",
     lambda d: _ipl.RBFInterpolator(_PTS, d)(np.array([[.5, .5], [1., 1.]])), (V(3),)),
    ("np.interp(x, xp, fp) in fp", lambda y: np.interp(_XQ, _XK, y), (V(5),)),
    ("np.interp(x, xp, fp) in x", lambda q: np.interp(q, _XK, _YK), (V(4, .1, 2.9),)),
]:
    _add(_label if _label.startswith("np.") else f"scipy.interpolate.{_label}", _fn, *_ins,
         needs="numpy" if _label.startswith("np.") else "scipy")


# ----------------------------------------------------------------------------- linalg

_add = _section(_LINALG)
_la = scipy.linalg
_A3 = M(3, 3)
for _label, _fn, _ins in [
    ("solve(a, b) in a and b", lambda a, b: _la.solve(well(a), b), (_A3, V(3))),
    ("solve(a, b, assume_a='pos')", lambda a, b: _la.solve(spd(a), b, assume_a="pos"),
     (_A3, V(3))),
    ("inv", lambda a: _la.inv(well(a)), (_A3,)),
    ("det", lambda a: _la.det(well(a)), (_A3,)),
    ("expm", _la.expm, (M(3, 3, -.5, .5),)),
    ("logm (SPD)", lambda a: np.real(_la.logm(spd(a))), (_A3,)),
    ("sqrtm (SPD)", lambda a: np.real(_la.sqrtm(spd(a))), (_A3,)),
    ("cosm", _la.cosm, (M(3, 3, -.5, .5),)),
    ("sinm", _la.sinm, (M(3, 3, -.5, .5),)),
    ("tanhm", _la.tanhm, (M(3, 3, -.5, .5),)),
    ("cholesky", lambda a: _la.cholesky(spd(a)), (_A3,)),
    ("cholesky(lower=True)", lambda a: _la.cholesky(spd(a), lower=True), (_A3,)),
    ("cho_factor + cho_solve", lambda a, b: _la.cho_solve(_la.cho_factor(spd(a)), b),
     (_A3, V(3))),
    ("lu_factor + lu_solve", lambda a, b: _la.lu_solve(_la.lu_factor(well(a)), b),
     (_A3, V(3))),
    ("lu (U)", lambda a: _la.lu(well(a))[2], (_A3,)),
    ("qr (R)", lambda a: _la.qr(a)[1], (M(4, 3),)),
    ("svd (s)", lambda a: _la.svd(a)[1], (M(3, 4),)),
    ("svdvals", _la.svdvals, (M(3, 4),)),
    ("eigh (eigenvalues)", lambda a: _la.eigh(spd(a))[0], (_A3,)),
    ("eigvalsh", lambda a: _la.eigvalsh(spd(a)), (_A3,)),
    ("eigvals (sorted real parts)", lambda a: np.sort(np.real(_la.eigvals(spd(a)))), (_A3,)),
    ("schur (sorted diagonal of T)", lambda a: np.sort(np.diag(_la.schur(spd(a))[0])),
     (_A3,)),
    ("norm (Frobenius)", _la.norm, (M(3, 4),)),
    ("norm(ord=2)", lambda a: _la.norm(a, 2), (M(3, 4),)),
    ("norm (vector)", _la.norm, (V(4),)),
    ("lstsq (solution) in a and b", lambda a, b: _la.lstsq(a, b)[0], (M(5, 3), V(5))),
    ("pinv", _la.pinv, (M(3, 4),)),
    ("pinvh", lambda a: _la.pinvh(spd(a)), (_A3,)),
    ("solve_triangular", lambda a, b: _la.solve_triangular(np.triu(well(a)), b),
     (_A3, V(3))),
    ("toeplitz(c, r)", _la.toeplitz, (V(3), V(4))),
    ("circulant", _la.circulant, (V(4),)),
    ("hankel(c, r)", _la.hankel, (V(3), V(4))),
    ("block_diag", _la.block_diag, (M(2, 2), M(2, 3))),
    ("kron", np.kron, (M(2, 2), M(2, 3))),
    ("khatri_rao", _la.khatri_rao, (M(2, 3), M(2, 3))),
    ("fiedler", _la.fiedler, (V(4),)),
    ("companion", _la.companion, (V(4, .5, 2),)),
    ("polar (u)", lambda a: _la.polar(well(a))[0], (_A3,)),
    ("expm_frechet(A, E) in E", lambda e: _la.expm_frechet(np.eye(3) * .3, e)[1], (_A3,)),
    ("solve_sylvester(a, b, q) in q",
     lambda q: _la.solve_sylvester(np.diag([1., 2, 3]), np.diag([1., 2.]), q), (M(3, 2),)),
    ("solve_continuous_lyapunov(a, q) in q",
     lambda q: _la.solve_continuous_lyapunov(-np.diag([1., 2, 3]), q), (_A3,)),
]:
    _add(f"scipy.linalg.{_label}" if _label != "kron" else "np.kron", _fn, *_ins,
         needs="numpy" if _label == "kron" else "scipy")


# ----------------------------------------------------------------------------- ndimage

_add = _section(_NDIMAGE)
_nd = scipy.ndimage
_IMG, _SIG8 = M(4, 5), V(8)
_COORDS = np.array([[.5, 1.2, 2.7], [1.1, 2.3, 3.4]])
for _label, _fn, _ins in [
    ("gaussian_filter", lambda x: _nd.gaussian_filter(x, 1.0), (_IMG,)),
    ("gaussian_filter1d", lambda x: _nd.gaussian_filter1d(x, 1.0), (_SIG8,)),
    ("uniform_filter", lambda x: _nd.uniform_filter(x, 3), (_IMG,)),
    ("uniform_filter1d", lambda x: _nd.uniform_filter1d(x, 3), (_SIG8,)),
    ("convolve", lambda x: _nd.convolve(x, _K2D), (_IMG,)),
    ("correlate", lambda x: _nd.correlate(x, _K2D), (_IMG,)),
    ("convolve1d", lambda x: _nd.convolve1d(x, _K3), (_SIG8,)),
    ("correlate1d", lambda x: _nd.correlate1d(x, _K3), (_SIG8,)),
    ("shift(x, 0.3, order=1)", lambda x: _nd.shift(x, 0.3, order=1), (_SIG8,)),
    ("shift(x, 0.3) (cubic spline)", lambda x: _nd.shift(x, 0.3), (_SIG8,)),
    ("zoom(x, 1.5, order=1)", lambda x: _nd.zoom(x, 1.5, order=1), (_IMG,)),
    ("rotate(x, 30, reshape=False, order=1)",
     lambda x: _nd.rotate(x, 30, reshape=False, order=1), (_IMG,)),
    ("affine_transform(order=1)",
     lambda x: _nd.affine_transform(x, np.array([[.9, .1], [-.1, .9]]), order=1), (_IMG,)),
    ("map_coordinates(order=1) in input",
     lambda x: _nd.map_coordinates(x, _COORDS, order=1), (_IMG,)),
    ("map_coordinates(order=1) in coordinates",
     lambda c: _nd.map_coordinates(np.arange(20.).reshape(4, 5) ** 1.5, c, order=1),
     (lambda rng: _COORDS + rng.uniform(-.2, .2, _COORDS.shape),)),
    ("spline_filter", _nd.spline_filter, (_IMG,)),
    ("sobel", _nd.sobel, (_IMG,)),
    ("prewitt", _nd.prewitt, (_IMG,)),
    ("laplace", _nd.laplace, (_IMG,)),
    ("gaussian_laplace", lambda x: _nd.gaussian_laplace(x, 1.0), (_IMG,)),
    ("gaussian_gradient_magnitude", lambda x: _nd.gaussian_gradient_magnitude(x, 1.0),
     (_IMG,)),
    ("median_filter (rank filter)", lambda x: _nd.median_filter(x, 3), (_IMG,)),
    ("maximum_filter (rank filter)", lambda x: _nd.maximum_filter(x, 3), (_IMG,)),
    ("minimum_filter (rank filter)", lambda x: _nd.minimum_filter(x, 3), (_IMG,)),
    ("percentile_filter(x, 30, 3)", lambda x: _nd.percentile_filter(x, 30, 3), (_IMG,)),
    ("generic_filter(x, np.mean, 3)", lambda x: _nd.generic_filter(x, np.mean, 3), (_SIG8,)),
    ("center_of_mass", lambda x: np.array(_nd.center_of_mass(x)), (M(4, 5, .2, 1),)),
    ("mean(x, labels, index)",
     lambda x: _nd.mean(x, np.array([1, 1, 2, 2, 2, 1, 2, 1]), [1, 2]), (_SIG8,)),
    ("sum_labels(x, labels, index)",
     lambda x: _nd.sum_labels(x, np.array([1, 1, 2, 2, 2, 1, 2, 1]), [1, 2]), (_SIG8,)),
    ("variance", _nd.variance, (_SIG8,)),
]:
    _add(f"scipy.ndimage.{_label}", _fn, *_ins)


# ----------------------------------------------------------------------------- optimize

_add = _section(_OPTIMIZE)
_opt = scipy.optimize
_C3 = np.array([.5, -1., 2.])
for _label, _fn, _ins, _kw in [
    ("rosen", _opt.rosen, (V(4),), {}),
    ("rosen_der (as a value)", _opt.rosen_der, (V(4),), {}),
    ("rosen_hess (as a value)", _opt.rosen_hess, (V(4),), {}),
    ("rosen_hess_prod(x, p)", _opt.rosen_hess_prod, (V(4), V(4)), {}),
    ("approx_fprime(x, f)",
     lambda x: _opt.approx_fprime(x, lambda z: np.sum(np.sin(z) * z)), (V(4),),
     {"eps": 1e-4, "rtol": 1e-3}),
    ("newton(f closing over a Tensor, x0) (vectorised)",
     lambda a: _opt.newton(lambda z: z ** 3 - a, np.ones(3), tol=1e-13, maxiter=100),
     (V(3, 1, 3),), {}),
    ("brentq(f closing over a Tensor)",
     lambda a: _opt.brentq(lambda z: z ** 3 - np.sum(a), 0.0, 5.0, xtol=1e-14), (V(3, .5, 1),),
     {"eps": 1e-5, "rtol": 1e-4}),
    ("root_scalar(f closing over a Tensor, bracket)",
     lambda a: _opt.root_scalar(lambda z: z ** 3 - np.sum(a), bracket=(0.0, 5.0),
                                xtol=1e-14).root, (V(3, .5, 1),), {"eps": 1e-5, "rtol": 1e-4}),
    ("minimize(f closing over a Tensor).x",
     lambda c: _opt.minimize(lambda z: np.sum((z - c) ** 2 + 0.1 * z ** 4), np.zeros(3),
                             method="BFGS", tol=1e-12).x, (V(3),), {"eps": 1e-3, "rtol": 1e-3}),
    ("nnls(A, b)[0] in b", lambda b: _opt.nnls(np.eye(3) + .1, b)[0], (V(3, 1, 2),), {}),
    ("lsq_linear(A, b).x in b", lambda b: _opt.lsq_linear(np.eye(3) + .1, b, tol=1e-12).x,
     (V(3, 1, 2),), {"eps": 1e-5, "rtol": 1e-4}),
    ("curve_fit(model, x, y)[0] in y",
     lambda y: _opt.curve_fit(lambda x, a, b: a * x + b, np.arange(5.), y)[0], (V(5),),
     {"eps": 1e-5, "rtol": 1e-4}),
]:
    _add(f"scipy.optimize.{_label}", _fn, *_ins, **_kw)


# ----------------------------------------------------------------------------- scikit-learn

_YT = np.array([.6, 1.4, 2.2, .9, 1.7, 2.4])        # regression targets
_Y01 = np.array([0., 1., 1., 0., 1., 0.])
_YPM = 2 * _Y01 - 1
_Y3 = np.array([0, 2, 1, 1, 0, 2])
_YPOS = V(6, .5, 2.5)

if sklearn is not None:
    _mt = sklearn.metrics
    _add = _section(_SKMETRICS, "sklearn")
    for _n, _kw in [("mean_squared_error", {}), ("root_mean_squared_error", {}),
                    ("mean_absolute_error", {}), ("median_absolute_error", {}),
                    ("max_error", {}), ("mean_absolute_percentage_error", {}),
                    ("mean_squared_log_error", {}), ("root_mean_squared_log_error", {}),
                    ("r2_score", {}), ("explained_variance_score", {}),
                    ("mean_pinball_loss", {"alpha": 0.3}), ("d2_absolute_error_score", {}),
                    ("d2_pinball_score", {"alpha": 0.3}),
                    ("d2_tweedie_score", {"power": 1.5}),
                    ("mean_tweedie_deviance", {"power": 1.5}), ("mean_poisson_deviance", {}),
                    ("mean_gamma_deviance", {})]:
        _f = _attr(_mt, _n)
        _add(f"sklearn.metrics.{_n}" + (f"({_kw})" if _kw else ""),
             lambda p, f=_f, kw=_kw: f(_YT, p, **kw), _YPOS)
    for _label, _fn, _ins in [
        ("r2_score in y_true", lambda t: _mt.r2_score(t, _YT), (_YPOS,)),
        ("mean_squared_error(sample_weight=w) in w",
         lambda w: _mt.mean_squared_error(_YT, _YT[::-1], sample_weight=w), (V(6, .5, 2),)),
        ("mean_squared_error(multioutput='raw_values')",
         lambda p: _mt.mean_squared_error(np.ones((4, 2)), p, multioutput="raw_values"),
         (M(4, 2),)),
        ("log_loss", lambda p: _mt.log_loss(_Y01, p), (P(),)),
        ("log_loss (multiclass probabilities)",
         lambda z: _mt.log_loss(_Y3, np.exp(z) / np.sum(np.exp(z), axis=1, keepdims=True)),
         (M(6, 3),)),
        ("brier_score_loss", lambda p: _mt.brier_score_loss(_Y01, p), (P(),)),
        ("hinge_loss", lambda d: _mt.hinge_loss(_YPM, d), (V(6, -.8, .8),)),
        ("d2_log_loss_score", lambda p: _mt.d2_log_loss_score(_Y01, p), (P(),)),
    ]:
        _add(f"sklearn.metrics.{_label}", _fn, *_ins)

    _pw = sklearn.metrics.pairwise
    _add = _section(_SKPAIR, "sklearn")
    for _n, _kw, _lo in [("rbf_kernel", {}, -1), ("laplacian_kernel", {}, -1),
                         ("polynomial_kernel", {}, -1), ("sigmoid_kernel", {}, -1),
                         ("cosine_similarity", {}, -1), ("cosine_distances", {}, -1),
                         ("linear_kernel", {}, -1), ("euclidean_distances", {}, -1),
                         ("manhattan_distances", {}, -1), ("chi2_kernel", {}, .1),
                         ("additive_chi2_kernel", {}, .1), ("nan_euclidean_distances", {}, -1),
                         ("haversine_distances", {}, -1),
                         ("pairwise_distances", {"metric": "euclidean"}, -1),
                         ("pairwise_distances", {"metric": "cityblock"}, -1),
                         ("pairwise_distances", {"metric": "cosine"}, -1),
                         ("pairwise_kernels", {"metric": "rbf"}, -1),
                         ("pairwise_kernels", {"metric": "polynomial"}, -1),
                         ("paired_euclidean_distances", {}, -1),
                         ("paired_manhattan_distances", {}, -1),
                         ("paired_cosine_distances", {}, -1)]:
        _d = 2 if _n == "haversine_distances" else 4
        _n2 = 3 if _n.startswith("paired") else 2
        _f = _attr(_pw, _n)
        _add(f"sklearn.metrics.pairwise.{_n}" + (f"({_kw})" if _kw else ""),
             lambda x, y, f=_f, kw=_kw: f(x, y, **kw),
             M(3, _d, _lo, 1), M(_n2, _d, _lo, 1))

    _pp = sklearn.preprocessing
    _add = _section(_SKPRE, "sklearn")
    _XFIT = _fixed(3, M(5, 3))
    for _label, _fn in [
        ("StandardScaler().fit_transform", lambda x: _pp.StandardScaler().fit_transform(x)),
        ("StandardScaler().fit(plain).transform",
         lambda x: _pp.StandardScaler().fit(_XFIT).transform(x)),
        ("MinMaxScaler().fit_transform", lambda x: _pp.MinMaxScaler().fit_transform(x)),
        ("MaxAbsScaler().fit_transform", lambda x: _pp.MaxAbsScaler().fit_transform(x)),
        ("RobustScaler().fit_transform", lambda x: _pp.RobustScaler().fit_transform(x)),
        ("Normalizer().fit_transform", lambda x: _pp.Normalizer().fit_transform(x)),
        ("normalize", _pp.normalize),
        ("normalize(norm='l1')", lambda x: _pp.normalize(x, norm="l1")),
        ("normalize(norm='max')", lambda x: _pp.normalize(x, norm="max")),
        ("scale", _pp.scale),
        ("minmax_scale", _pp.minmax_scale),
        ("maxabs_scale", _pp.maxabs_scale),
        ("robust_scale", _pp.robust_scale),
        ("PolynomialFeatures(2).fit_transform",
         lambda x: _pp.PolynomialFeatures(2).fit_transform(x)),
        ("SplineTransformer(n_knots=3).fit(plain).transform",
         lambda x: _pp.SplineTransformer(n_knots=3).fit(_XFIT).transform(x)),
        ("FunctionTransformer(np.exp).fit_transform",
         lambda x: _pp.FunctionTransformer(np.exp).fit_transform(x)),
        ("PowerTransformer().fit(plain).transform",
         lambda x: _pp.PowerTransformer().fit(_XFIT).transform(x)),
        ("QuantileTransformer(n_quantiles=5).fit(plain).transform (rank-based)",
         lambda x: _pp.QuantileTransformer(n_quantiles=5).fit(_XFIT).transform(x)),
        ("KernelCenterer().fit_transform",
         lambda x: _pp.KernelCenterer().fit_transform(x @ x.T)),
        ("add_dummy_feature", _pp.add_dummy_feature),
    ]:
        _add(f"sklearn.preprocessing.{_label}", _fn, M(5, 3, -.9, .9))

    _ex = sklearn.utils.extmath
    _add = _section(_SKOTHER, "sklearn")
    for _label, _fn, _ins, _kw in [
        ("utils.check_array", lambda x: sklearn.utils.check_array(x), (M(),), {}),
        ("utils.validation.column_or_1d", sklearn.utils.validation.column_or_1d, (V(),), {}),
        ("utils.check_X_y (X)", lambda x: sklearn.utils.check_X_y(x, np.arange(3.))[0],
         (M(),), {}),
        ("utils.extmath.softmax", lambda x: _ex.softmax(x), (M(),), {}),
        ("utils.extmath.safe_sparse_dot", _ex.safe_sparse_dot, (M(3, 4), M(4, 2)), {}),
        ("utils.extmath.row_norms", lambda x: _ex.row_norms(x), (M(),), {}),
        ("utils.extmath.row_norms(squared=True)", lambda x: _ex.row_norms(x, squared=True),
         (M(),), {}),
        ("utils.extmath.squared_norm", _ex.squared_norm, (M(),), {}),
        ("utils.extmath.fast_logdet", lambda a: _ex.fast_logdet(spd(a)), (M(3, 3),), {}),
        ("utils.extmath.stable_cumsum", _ex.stable_cumsum, (V(),), {}),
        ("utils.extmath.safe_sqr", _ex.safe_sqr, (V(),), {}),
        ("linear_model.LinearRegression().fit(X, y).coef_",
         lambda X, y: sklearn.linear_model.LinearRegression().fit(X, y).coef_,
         (M(6, 2), V(6)), {}),
        ("linear_model.Ridge(solver='cholesky').fit(X, y).coef_ in y",
         lambda y: sklearn.linear_model.Ridge(solver="cholesky").fit(_fixed(4, M(6, 2)), y
                                                                      ).coef_, (V(6),), {}),
        ("linear_model.Ridge(solver='svd').fit(X, y).coef_ in y",
         lambda y: sklearn.linear_model.Ridge(solver="svd").fit(_fixed(4, M(6, 2)), y).coef_,
         (V(6),), {}),
        ("linear_model.LinearRegression().fit(plain).predict(X)",
         lambda X: sklearn.linear_model.LinearRegression().fit(
             _fixed(4, M(6, 2)), np.arange(6.)).predict(X), (M(3, 2),), {}),
        ("linear_model.LogisticRegression(tol=1e-10).fit(X, y).coef_",
         lambda X: sklearn.linear_model.LogisticRegression(tol=1e-10).fit(X, _Y01).coef_,
         (M(6, 2),), {"eps": 1e-4, "rtol": 1e-3}),
        ("kernel_ridge.KernelRidge('rbf').fit(X, y).predict in y",
         lambda y: sklearn.kernel_ridge.KernelRidge(kernel="rbf").fit(
             _fixed(4, M(6, 2)), y).predict(_fixed(5, M(2, 2))), (V(6),), {}),
        ("decomposition.PCA(2).fit(X).explained_variance_",
         lambda X: sklearn.decomposition.PCA(2).fit(X).explained_variance_, (M(6, 3),), {}),
        ("decomposition.PCA(2).fit(plain).transform(X)",
         lambda X: sklearn.decomposition.PCA(2).fit(_fixed(4, M(6, 3))).transform(X),
         (M(3, 3),), {}),
        ("covariance.empirical_covariance", sklearn.covariance.empirical_covariance,
         (M(6, 3),), {}),
        ("covariance.ledoit_wolf (covariance)",
         lambda X: sklearn.covariance.ledoit_wolf(X)[0], (M(6, 3),), {}),
        ("covariance.shrunk_covariance",
         lambda a: sklearn.covariance.shrunk_covariance(spd(a)), (M(3, 3),), {}),
        ("kernel_approximation.RBFSampler(random_state=0).fit_transform",
         lambda X: sklearn.kernel_approximation.RBFSampler(
             n_components=5, random_state=0).fit_transform(X), (M(3, 2),), {}),
        ("neighbors.KernelDensity().fit(plain).score_samples(X)",
         lambda X: sklearn.neighbors.KernelDensity().fit(_fixed(4, M(6, 2))).score_samples(X),
         (M(3, 2),), {}),
    ]:
        _add(f"sklearn.{_label}", _fn, *_ins, **_kw)


# ----------------------------------------------------------------------------- numpy.polynomial

_add = _section(_POLY, "numpy")
_XP = np.array([-.8, -.2, .3, .9])
_CP = np.array([.5, -1., .7, .2])
_XFITP, _YFITP = np.linspace(-1, 1, 6), np.array([.2, -.5, .1, .9, .4, -.3])
for _mod, _pre in [(npp, "poly"), (npc, "cheb"), (npg, "leg"), (nph, "herm"),
                   (nphe, "herme"), (npl, "lag")]:
    _val = _attr(_mod, _pre + "val")
    _add(f"numpy.polynomial.{_pre}val(x, c) in c", lambda c, f=_val: f(_XP, c), V(4))
    _add(f"numpy.polynomial.{_pre}val(x, c) in x", lambda x, f=_val: f(x, _CP), V(4))
    _add(f"numpy.polynomial.{_pre}der(c)", getattr(_mod, _pre + "der"), V(4))
    _add(f"numpy.polynomial.{_pre}int(c)", getattr(_mod, _pre + "int"), V(4))
    _fit, _vander = _attr(_mod, _pre + "fit"), _attr(_mod, _pre + "vander")
    _add(f"numpy.polynomial.{_pre}fit(x, y, 2) in y", lambda y, f=_fit: f(_XFITP, y, 2), V(6))
    _add(f"numpy.polynomial.{_pre}vander(x, 3)", lambda x, f=_vander: f(x, 3), V(4))
for _label, _fn, _ins in [
    ("Polynomial(c)(x) in c", lambda c: np.polynomial.Polynomial(c)(_XP), (V(4),)),
    ("Polynomial(c)(x) in x", lambda x: np.polynomial.Polynomial(_CP)(x), (V(4),)),
    ("Chebyshev(c)(x) in c", lambda c: np.polynomial.Chebyshev(c)(_XP), (V(4),)),
    ("Polynomial.fit(x, y, 2).convert().coef in y",
     lambda y: np.polynomial.Polynomial.fit(_XFITP, y, 2).convert().coef, (V(6),)),
    ("Polynomial(c).deriv().coef", lambda c: np.polynomial.Polynomial(c).deriv().coef,
     (V(4),)),
    ("polymul(c1, c2)", npp.polymul, (V(3), V(3))),
    ("polyadd(c1, c2)", npp.polyadd, (V(3), V(4))),
    ("polydiv(c1, c2) (quotient)", lambda a, b: npp.polydiv(a, b)[0], (V(4), V(2, 1, 2))),
    ("polyfromroots(r)", npp.polyfromroots, (V(3),)),
    ("polyroots(c) (real roots)", lambda r: np.sort(np.real(npp.polyroots(npp.polyfromroots(
        np.sort(r) + np.arange(3.))))), (V(3),)),
    ("np.polyval(p, x) in p and x", np.polyval, (V(4), V(4))),
    ("np.polyfit(x, y, 2) in y", lambda y: np.polyfit(_XFITP, y, 2), (V(6),)),
    ("np.poly1d(c)(x) in c", lambda c: np.poly1d(c)(_XP), (V(4),)),
    ("np.polyder(p)", np.polyder, (V(4),)),
    ("np.polyint(p)", np.polyint, (V(4),)),
    ("np.roots(p) (real roots)", lambda r: np.sort(np.real(np.roots(np.poly(
        np.sort(r) + np.arange(3.))))), (V(3),)),
]:
    _add(_label if _label.startswith("np.") else f"numpy.polynomial.{_label}", _fn, *_ins)


# ----------------------------------------------------------------------------- numpy, lists

_add = _section(_NUMPY, "numpy")
_PLAIN = np.array([[1., 2., 0.5, -1.], [0., 1., 3., 2.]])
_W = np.array([.5, 1., 2., 1.5])
for _label, _fn, _ins in [
    ("np.array([x[0] * 2, x[1] * 3])", lambda x: np.array([x[0] * 2, x[1] * 3]), (V(),)),
    ("np.asarray([x[0], x[1]])", lambda x: np.asarray([x[0], x[1] ** 2]), (V(),)),
    ("np.array([[x[0], x[1]], [x[2], x[3]]])",
     lambda x: np.array([[x[0], x[1]], [x[2], x[3]]]), (V(),)),
    ("np.array([x, y])", lambda x, y: np.array([x, y]), (V(), V())),
    ("np.array([x, plain])", lambda x: np.array([x, _W]), (V(),)),
    ("np.asanyarray([x[0], x[1]])", lambda x: np.asanyarray([x[0], x[1]]), (V(),)),
    ("np.ascontiguousarray(x.T)", lambda x: np.ascontiguousarray(x.T), (M(),)),
    ("np.asfortranarray(x)", lambda x: np.asfortranarray(x), (M(),)),
    ("np.asarray_chkfinite(x)", np.asarray_chkfinite, (V(),)),
    ("np.require(x, requirements='C')", lambda x: np.require(x, requirements="C"), (V(),)),
    ("np.array(x, dtype=float)", lambda x: np.array(x, dtype=float), (V(),)),
    ("np.stack([x, 2 * x])", lambda x: np.stack([x, 2 * x]), (V(),)),
    ("np.hstack([x, plain])", lambda x: np.hstack([x, _W]), (V(),)),
    ("np.concatenate([x, plain])", lambda x: np.concatenate([x, _W]), (V(),)),
    ("np.block([[x, plain]])", lambda x: np.block([[x, _PLAIN]]), (M(2, 2),)),
    ("np.mean([x[0], x[1], x[2]])", lambda x: np.mean([x[0], x[1], x[2] ** 2]), (V(),)),
    ("np.sum([x[0], x[1]])", lambda x: np.sum([x[0] * x[1], x[1]]), (V(),)),
    ("np.prod([x[0], x[1]])", lambda x: np.prod([x[0], x[1], x[2]]), (V(),)),
    ("np.max([x[0], x[1]])", lambda x: np.max([x[0], 2 * x[1]]), (V(),)),
    ("np.linalg.norm([x[0], x[1]])", lambda x: np.linalg.norm([x[0], x[1]]), (V(),)),
    ("np.dot([x[0], x[1]], plain)", lambda x: np.dot([x[0], x[1]], _PLAIN[:, :2]), (V(),)),
    ("np.vectorize(f)(x)", lambda x: np.vectorize(lambda a: a * a + np.sin(a))(x), (V(),)),
    ("np.fromiter(generator, float)", lambda x: np.fromiter((v * v for v in x), float),
     (V(),)),
    ("np.array(x.tolist())", lambda x: np.array(x.tolist()), (V(),)),
    ("np.array([float(v) for v in x])", lambda x: np.array([float(v) * 2 for v in x]),
     (V(),)),
    ("np.array([math.exp(v) for v in x])", lambda x: np.array([math.exp(v) for v in x]),
     (V(),)),
    ("x.item() in arithmetic", lambda x: x * x[0].item(), (V(),)),
    ("sum(x) (Python builtin)", lambda x: sum(x * x), (V(),)),
    ("plain.dot(t)", lambda x: _PLAIN.dot(x), (V(),)),
    ("plain @ t", lambda x: _PLAIN @ x, (V(),)),
    ("np.dot(plain, t)", lambda x: np.dot(_PLAIN, x), (V(),)),
    ("t.dot(plain)", lambda x: x.dot(_PLAIN), (M(3, 2),)),
    ("np.matmul(plain, t)", lambda x: np.matmul(_PLAIN, x), (M(4, 2),)),
    ("np.einsum('ij,j->i', plain, t)", lambda x: np.einsum("ij,j->i", _PLAIN, x), (V(),)),
    ("np.apply_along_axis(f, 1, x)",
     lambda x: np.apply_along_axis(lambda r: np.sum(r * r), 1, x), (M(),)),
    ("np.piecewise", lambda x: np.piecewise(x, [x < 0, x >= 0], [lambda v: v * v,
                                                                   lambda v: 2 * v]), (V(),)),
    ("np.select", lambda x: np.select([x < 0], [x * x], default=2 * x), (V(),)),
    ("np.minimum.accumulate", np.minimum.accumulate, (V(6),)),
    ("np.maximum.accumulate", np.maximum.accumulate, (V(6),)),
    ("np.hypot.reduce", np.hypot.reduce, (V(),)),
    ("np.logaddexp.reduce", np.logaddexp.reduce, (V(),)),
    ("np.add.reduceat", lambda x: np.add.reduceat(x, [0, 2, 3]), (V(6),)),
    ("np.multiply.outer", np.multiply.outer, (V(3), V(2))),
    ("np.vecdot(a, b, axis=0)", lambda a, b: np.vecdot(a, b, axis=0), (M(), M())),
    ("np.cov", np.cov, (M(3, 5),)),
    ("np.corrcoef", np.corrcoef, (M(3, 5),)),
    ("np.median", np.median, (V(5),)),
    ("np.percentile(x, 30)", lambda x: np.percentile(x, 30), (V(5),)),
    ("np.quantile(x, 0.3)", lambda x: np.quantile(x, 0.3), (V(5),)),
    ("np.average(x, weights=w) in x and w", lambda x, w: np.average(x, weights=w),
     (V(), V(4, .5, 2))),
    ("np.ptp", np.ptp, (V(5),)),
    ("np.gradient", np.gradient, (V(5),)),
    ("np.diff", np.diff, (V(5),)),
    ("np.convolve", np.convolve, (V(5), V(3))),
    ("np.correlate(mode='full')", lambda a, b: np.correlate(a, b, "full"), (V(5), V(3))),
    ("np.cross", np.cross, (V(3), V(3))),
    ("np.outer", np.outer, (V(3), V(2))),
    ("np.trapezoid", np.trapezoid, (V(5),)),
    ("np.sinc", np.sinc, (V(),)),
    ("np.i0", np.i0, (V(),)),
    ("np.nan_to_num", np.nan_to_num, (V(),)),
    ("np.nansum", np.nansum, (V(),)),
    ("np.nanmean", np.nanmean, (V(),)),
    ("np.vander(x, 3)", lambda x: np.vander(x, 3), (V(),)),
    ("np.unwrap", lambda x: np.unwrap(x * 3), (V(),)),
    ("np.linalg.solve", lambda a, b: np.linalg.solve(well(a), b), (M(3, 3), V(3))),
    ("np.linalg.inv", lambda a: np.linalg.inv(well(a)), (M(3, 3),)),
    ("np.linalg.det", lambda a: np.linalg.det(well(a)), (M(3, 3),)),
    ("np.linalg.slogdet", lambda a: np.linalg.slogdet(well(a))[1], (M(3, 3),)),
    ("np.linalg.eigh (eigenvalues)", lambda a: np.linalg.eigh(spd(a))[0], (M(3, 3),)),
    ("np.linalg.svd (s)", lambda a: np.linalg.svd(a)[1], (M(3, 4),)),
    ("np.linalg.qr (R)", lambda a: np.linalg.qr(a)[1], (M(4, 3),)),
    ("np.linalg.cholesky", lambda a: np.linalg.cholesky(spd(a)), (M(3, 3),)),
    ("np.linalg.pinv", np.linalg.pinv, (M(3, 4),)),
    ("np.linalg.lstsq (solution)", lambda a, b: np.linalg.lstsq(a, b)[0], (M(5, 3), V(5))),
    ("np.linalg.norm(axis=1)", lambda a: np.linalg.norm(a, axis=1), (M(),)),
    ("np.linalg.matrix_power(a, 3)", lambda a: np.linalg.matrix_power(a, 3), (M(3, 3),)),
    ("np.linalg.multi_dot", lambda a, b: np.linalg.multi_dot([a, b, _PLAIN.T]),
     (M(3, 2), M(2, 4))),
    ("np.linalg.eigvals (sorted)", lambda a: np.sort(np.real(np.linalg.eigvals(spd(a)))),
     (M(3, 3),)),
]:
    _add(_label, _fn, *_ins)


# ----------------------------------------------------------------------------- namespaces

def _compat_ns(x: Any) -> Any:
    return array_api_compat.array_namespace(x)


_add = _section(_NS, "compat")
_add("array_api_compat.array_namespace(x).asarray", lambda x: _compat_ns(x).asarray(x), V())
_add("array_api_compat.array_namespace(x).exp", lambda x: _compat_ns(x).exp(x), V(),
     expect=DIFF)
_add("array_api_compat.array_namespace(x).std",
     lambda x: _compat_ns(x).std(x, axis=0, correction=1), M())
_add("x.__array_namespace__().asarray", lambda x: x.__array_namespace__().asarray(x), V(),
     needs="gradarray", expect=DIFF,
     note="gradarray's namespace: the alternative to array-api-compat's numpy one")


# ----------------------------------------------------------------------------- measuring

def _available(entry: Entry) -> bool:
    return not ((entry.needs == "sklearn" and sklearn is None)
                or (entry.needs == "compat" and array_api_compat is None))


def _real(entry: Entry) -> bool:
    """A library's entry point (not one of gradarray's own alternatives)."""
    return entry.needs != "gradarray"


def _is_ga_warning(category: Any) -> bool:
    """A warning category defined in the gradarray package (LostTapeWarning, ...)."""
    return (isinstance(category, type) and issubclass(category, Warning)
            and category.__module__.split(".")[0] == "gradarray")


def _kind(o: Any) -> str:
    """The dtype kind of a result, read without converting it."""
    dt = getattr(o, "dtype", None)
    if dt is not None:
        return dt.kind
    return {bool: "b", int: "i", float: "f", complex: "c"}.get(type(o), "")


def _first_float(out: Any) -> Any:
    """The first floating or complex array of a result (results may be tuples)."""
    if isinstance(out, (tuple, list)):
        for o in out:
            if _kind(o) in ("f", "c"):
                return o
    return out


def _tracked(x: Any) -> bool:
    return isinstance(x, ga.Tensor) and x._node is not None


def _holds(x: Any) -> bool:
    """A recorded Tensor, or a (short look into a) list/tuple holding one."""
    if isinstance(x, (list, tuple)):
        return any(_holds(e) for e in x[:8])
    return _tracked(x)


@functools.cache
def _weights(shape: tuple, seed: int = 1) -> np.ndarray:
    w = np.random.default_rng(seed).uniform(0.5, 1.5, shape)
    w.flags.writeable = False
    return w


def _loss(out: Any) -> Any:
    """A scalar that depends on every element of ``out`` (softmax sums to 1, so not sum)."""
    shape = np.shape(out)
    if np.iscomplexobj(out):
        return (np.sum(np.real(out) * _weights(shape))
                + np.sum(np.imag(out) * _weights(shape, 2)))
    return np.sum(out * _weights(shape))


def _objective(entry: Entry, composite: bool) -> Callable:
    def f(*xs: Any) -> Any:
        val = _loss(_first_float(entry.fn(*xs)))
        if composite:  # a term whose tape always reaches the output
            for x in xs:
                val = val + 0.5 * np.sum(x * x)
        return val
    return f


def _numerical_grad(entry: Entry, args: list, k: int) -> np.ndarray:
    """Central differences of the alone objective in argument ``k`` (plain NumPy)."""
    g = np.zeros_like(args[k])
    for i in np.ndindex(args[k].shape):
        vals = []
        for s in (1, -1):
            a = [x.copy() for x in args]
            a[k][i] += s * entry.eps
            vals.append(float(np.real(_loss(_first_float(entry.fn(*a))))))
        g[i] = (vals[0] - vals[1]) / (2 * entry.eps)
    return g


class _DebugOff:
    """Measure in the default configuration, whatever GRADARRAY_DEBUG said."""

    def __enter__(self) -> None:
        self.was = bool(getattr(ga._debug, "is_debug", lambda: False)())
        if self.was:
            ga.set_debug(False)

    def __exit__(self, *exc: Any) -> None:
        if self.was:
            ga.set_debug(True)


def _run(entry: Entry, args: list, composite: bool) -> tuple:
    """(gradients or None, exception or None, gradarray warnings) of one gradient call."""
    f = _objective(entry, composite)
    grads, err = None, None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            grads = ga.grad(f, argnums=tuple(range(len(args))))(*[ga.tensor(a) for a in args])
        except Exception as e:  # noqa: BLE001 - classifying is the point
            err = e
    return grads, err, [w for w in caught if _is_ga_warning(w.category)]


def _first_line(e: BaseException) -> str:
    msg = str(e).strip().splitlines()[0] if str(e).strip() else ""
    return f"{type(e).__name__}: {msg[:160]}"


def _where(path: str, line: int) -> str:
    for marker in ("site-packages/", "/src/", "/tests/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{path}:{line}"


def _describe_warning(w: Any) -> str:
    msg = str(w.message).strip()
    head = msg.split(":")[0] if 0 < msg.find(":") < 160 else msg[:160]
    return f"{w.category.__name__}: {head} (at {_where(w.filename, w.lineno)})"


def classify(entry: Entry, modes: tuple = MODES, explain: bool = True) -> dict:
    """{mode: [status, why]} of one entry, measured (see the module docstring)."""
    rng = np.random.default_rng(0)
    args = [np.array(make(rng), dtype=np.float64) for make in entry.inputs]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            num = [_numerical_grad(entry, args, k) for k in range(len(args))]
        except (_Unavailable, AttributeError, ImportError) as e:  # an older library
            raise _Unavailable(f"{entry.name}: {e}") from e
    why_lost = functools.lru_cache(maxsize=1)(lambda: _why_lost(entry, args))
    out = {}
    for mode in modes:
        composite = mode == "composite"
        grads, err, caught = _run(entry, args, composite)
        if err is not None:
            out[mode] = [RAISES, _first_line(err)]
            continue
        off = []
        for k, (g, n) in enumerate(zip(grads, num)):
            g = np.asarray(g)
            n = n + args[k] if composite else n
            diff = float(np.max(np.abs(g - n))) if np.all(np.isfinite(g)) else math.inf
            if not diff <= entry.rtol * (1.0 + float(np.max(np.abs(n)))):
                off.append(f"argument {k} is off by {diff:.3g}")
        lost = [w for w in caught if w.category.__name__ != "UnconnectedGradientWarning"]
        if not off:
            note = f"right, yet warned: {_describe_warning(caught[0])}" if caught else ""
            out[mode] = [DIFF, note]
        elif lost:
            out[mode] = [WARNED, f"{off[0]}; {_describe_warning(lost[0])}"]
        elif caught:
            out[mode] = [WARNED, f"{off[0]}; UnconnectedGradientWarning (the result is not "
                                 "recorded)" + (f": {why_lost()}" if explain else "")]
        else:
            out[mode] = [WRONG, f"{off[0]}, no warning" + (f": {why_lost()}" if explain
                                                             else "")]
    return out


# --------------------------------------------------------------- why the tape was lost

_CONVERSION_NAMES = ("array", "asarray", "asanyarray", "ascontiguousarray", "asfortranarray",
                     "asarray_chkfinite", "require")


def _conversion_functions() -> tuple[dict, dict]:
    """NumPy's conversions as they are bound now, and under any wrapper around them.

    Returns ({id(function): "np.name"}, {code object: "np.name"}): the C functions show up
    in a profiler as ``c_call`` events, Python wrappers (debug mode's, or any other, found
    through ``__wrapped__``) as ``call`` events of their code.
    """
    ids: dict = {}
    codes: dict = {}
    for name in _CONVERSION_NAMES:
        f = getattr(np, name, None)
        for _ in range(6):
            if f is None:
                break
            ids[id(f)] = f"np.{name}"
            code = getattr(f, "__code__", None)
            if code is not None:
                codes[code] = f"np.{name}"
            f = getattr(f, "__wrapped__", None)
    return ids, codes


_IMPORT_CONVERSIONS = _conversion_functions()   # as bound when this file was imported
_OURS = ("numpy", "gradarray", "array_api_compat")


def _compiled_library(fn: Any) -> bool:
    """A compiled function of a library (not Python's own, NumPy's or gradarray's)."""
    mod = getattr(fn, "__module__", None)
    if not isinstance(mod, str):
        return False
    top = mod.split(".")[0]
    return top not in _OURS and top not in getattr(sys, "stdlib_module_names", ("builtins",))


def _holds_tracked(frame: Any) -> bool:
    return any(_holds(v) for v in frame.f_locals.values())


def _module(frame: Any) -> str:
    mod = frame.f_globals.get("__name__", "?")
    return "test_interop" if mod == "__main__" else mod


def _site(frame: Any) -> str:
    return f"{_module(frame)}.{frame.f_code.co_name}"


def _outside(frame: Any, skip: tuple) -> Any:
    """The innermost frame, from ``frame`` outwards, whose module is not under ``skip``."""
    f = frame
    while f is not None:
        mod = f.f_globals.get("__name__", "")
        if not any(mod == s or mod.startswith(s + ".") or f"{s}." in mod for s in skip):
            return f
        f = f.f_back
    return frame


def _explain(conv: str, frame: Any) -> str:
    """Who called the conversion ``conv`` (from ``frame``, maybe a NumPy-internal one)."""
    site = _outside(frame, ("numpy", "gradarray"))
    lib = _outside(frame, _OURS)
    if "array_api_compat" in _module(site):
        return (f"array-api-compat's NumPy namespace: {_site(site)} calls {conv}, which "
                f"returns a plain ndarray (called from {_site(lib)})")
    if lib is not frame and lib is not site:
        return f"{conv} in {_site(site)} (called from {_site(lib)})"
    return f"{conv} in {_site(site)}"


def _why_lost(entry: Entry, args: list) -> str:
    """Run ``entry`` again in debug mode, watching where recorded Tensors stop being recorded.

    In order of precision: a NumPy conversion (``np.array``, ``np.asarray`` ...) bound as a
    Python wrapper (debug mode's) that returned an untracked array for a recorded Tensor; a
    ``LostTapeWarning`` of debug mode (``float(t)``, ``out=`` a plain ndarray ...); a C
    conversion function called from a frame holding a recorded Tensor (a name bound before
    any wrapper, ``from numpy import asarray``); else the innermost library function given
    a recorded Tensor that returned an untracked floating result, with the first compiled
    library function called while a recorded Tensor was in scope.  Nothing here depends on
    the names of debug mode's (or any) wrappers.
    """
    precise: list = []
    conversions: list = []
    returns: list = []
    entered: dict = {}
    wrappers: dict = {}
    state: dict = {}
    compiled: list = []

    def profile(frame: Any, event: str, arg: Any) -> None:
        if event == "c_call":
            label = state["ids"].get(id(arg))
            if (label and not conversions and not _module(frame).startswith("gradarray")
                    and _holds_tracked(frame)):
                conversions.append(_explain(label, frame))
            elif not label and not compiled and _compiled_library(arg) and _holds_tracked(frame):
                compiled.append(f"{arg.__module__}.{getattr(arg, '__name__', '?')}")
        elif event == "call":
            label = state["codes"].get(frame.f_code)
            if label is not None:
                code = frame.f_code
                first = frame.f_locals.get(code.co_varnames[0]) if code.co_argcount else None
                wrappers[id(frame)] = _holds(first)
            else:
                entered[id(frame)] = _holds_tracked(frame)
        elif event == "return":
            if id(frame) in wrappers:
                if wrappers.pop(id(frame)) and not _tracked(arg) and not precise:
                    precise.append(_explain(state["codes"][frame.f_code], frame.f_back))
            elif entered.pop(id(frame), False):
                if _kind(arg) in ("f", "c") and not _tracked(arg):
                    # A library's function first; NumPy's and gradarray's own are not news.
                    mod = _module(frame)
                    if not any(mod == s or mod.startswith(s + ".") for s in _OURS):
                        returns.append((mod == "test_interop", _site(frame)))

    def f(*xs: Any) -> Any:
        # Looked up here, once recording has started: wrappers may be installed then.
        ids, codes = _conversion_functions()
        state["ids"] = {**_IMPORT_CONVERSIONS[0], **ids}
        state["codes"] = {**_IMPORT_CONVERSIONS[1], **codes}
        sys.setprofile(profile)
        try:
            entry.fn(*xs)
        finally:
            sys.setprofile(None)
        return np.sum(xs[0])

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ga.set_debug(True)
        try:
            ga.grad(f, argnums=tuple(range(len(args))))(*[ga.tensor(a) for a in args])
        except Exception:  # noqa: BLE001 - the first run already classified the call
            pass
        finally:
            sys.setprofile(None)
            ga.set_debug(False)
    lost = [w for w in caught if _is_ga_warning(w.category)
            and w.category.__name__ != "UnconnectedGradientWarning"]
    if precise:
        return precise[0]
    if lost:
        return _describe_warning(lost[0]) + " in debug mode"
    if conversions:
        return conversions[0]
    seen = f" (compiled: {compiled[0]})" if compiled else ""
    if returns:
        site = min(returns, key=lambda r: r[0])[1]
        return (f"{site} took a recorded Tensor and returned an untracked result{seen}")
    if compiled:
        return (f"compiled {compiled[0]} ran while a recorded Tensor was in scope: it reads "
                "or writes the data directly")
    return "no conversion of a recorded Tensor was seen"


UNAVAILABLE: dict = {}   # entry name -> why it was left out (not in this version)


def measure(modes: tuple = MODES, explain: bool = True) -> dict:
    """{entry name: {mode: [status, why]}} in this process's configuration."""
    if ARRAY_API_MODE and sklearn is not None:
        sklearn.set_config(array_api_dispatch=True)
    out = {}
    with _DebugOff():
        for e in ENTRIES:
            if _available(e):
                try:
                    out[e.name] = classify(e, modes, explain)
                except _Unavailable as err:
                    UNAVAILABLE[e.name] = str(err)
    return out


def _api_process() -> subprocess.Popen | None:
    """``measure`` (alone, no diagnostics) in a subprocess with SCIPY_ARRAY_API=1.

    The variable is read when SciPy is imported, hence the subprocess; it runs while this
    process measures.  ``GA_INTEROP_ARRAY_API=0`` skips it.
    """
    if os.environ.get("GA_INTEROP_ARRAY_API", "1") == "0":
        return None
    env = dict(os.environ, SCIPY_ARRAY_API="1")
    return subprocess.Popen([sys.executable, __file__, "--json", "--quick"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=ROOT)


def _api_results(proc: subprocess.Popen | None) -> dict:
    if proc is None:
        return {}
    out, err = proc.communicate(timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(err[-2000:])
    return json.loads(out.strip().splitlines()[-1])


def measure_array_api_mode() -> dict:
    return _api_results(_api_process())


def counts(results: dict, mode: str) -> dict:
    """{status: number of real entry points} of one mode."""
    c = dict.fromkeys(STATUSES, 0)
    for e in ENTRIES:
        if _real(e) and e.name in results:
            c[results[e.name][mode][0]] += 1
    return c


# ----------------------------------------------------------------------------- the compat namespace

def _SPD3(rng: np.random.Generator) -> np.ndarray:
    a = rng.uniform(-1, 1, (3, 3))
    return a @ a.T + 3 * np.eye(3)


def _cn(xp):
    """Calls of array-api-compat's NumPy namespace: name -> (fn(xp, *arrays), inputs)."""
    u, p, m = V(4, -0.9, 0.9), V(4, 0.2, 0.9), M(3, 4)
    s = _SPD3
    unary = "abs acos asin asinh atan atanh cos cosh exp expm1 log log1p log2 log10 negative " \
            "positive sin sinh sqrt square tan tanh real conj".split()
    calls = {n: ((lambda xp, x, n=n: getattr(xp, n)(x)), (p,)) for n in unary}
    calls["acosh"] = (lambda xp, x: xp.acosh(x + 1.5), (p,))
    for n in "add subtract multiply divide pow atan2 hypot logaddexp maximum minimum".split():
        calls[n] = ((lambda xp, x, y, n=n: getattr(xp, n)(x, y)), (p, V(4, 1.0, 2.0)))
    for n in "sum prod mean max min cumulative_sum cumulative_prod".split():
        calls[n] = ((lambda xp, x, n=n: getattr(xp, n)(x, axis=1)), (m,))
    calls.update({
        "std": (lambda xp, x: xp.std(x, axis=0, correction=1), (m,)),
        "var": (lambda xp, x: xp.var(x, axis=0, correction=1), (m,)),
        "astype": (lambda xp, x: xp.astype(x, xp.complex128), (u,)),
        "asarray": (lambda xp, x: xp.asarray(x), (u,)),
        "clip": (lambda xp, x: xp.clip(x, -0.5, 0.5), (u,)),
        "where": (lambda xp, x, y: xp.where(x > 0, x, y), (u, u)),
        "reshape": (lambda xp, x: xp.reshape(x, (4, 3)), (m,)),
        "permute_dims": (lambda xp, x: xp.permute_dims(x, (1, 0)), (m,)),
        "matrix_transpose": (lambda xp, x: xp.matrix_transpose(x), (m,)),
        "expand_dims": (lambda xp, x: xp.expand_dims(x, axis=0), (u,)),
        "squeeze": (lambda xp, x: xp.squeeze(xp.expand_dims(x, axis=0), axis=0), (u,)),
        "flip": (lambda xp, x: xp.flip(x, axis=0), (m,)),
        "roll": (lambda xp, x: xp.roll(x, 1, axis=0), (m,)),
        "concat": (lambda xp, x, y: xp.concat([x, y]), (u, u)),
        "stack": (lambda xp, x, y: xp.stack([x, y], axis=1), (u, u)),
        "broadcast_to": (lambda xp, x: xp.broadcast_to(x, (2, 4)), (u,)),
        "moveaxis": (lambda xp, x: xp.moveaxis(x, 0, 1), (m,)),
        "tile": (lambda xp, x: xp.tile(x, (2,)), (u,)),
        "repeat": (lambda xp, x: xp.repeat(x, 2), (u,)),
        "take": (lambda xp, x: xp.take(x, xp.asarray([0, 2]), axis=0), (u,)),
        "take_along_axis": (lambda xp, x: xp.take_along_axis(x, np.argsort(x, axis=1), axis=1),
                            (m,)),
        "sort": (lambda xp, x: xp.sort(x), (u,)),
        "matmul": (lambda xp, a, b: xp.matmul(a, b), (m, M(4, 2))),
        "tensordot": (lambda xp, a, b: xp.tensordot(a, b, axes=1), (m, M(4, 2))),
        "vecdot": (lambda xp, a, b: xp.vecdot(a, b), (m, V(4))),
        "linalg.cholesky": (lambda xp, a: xp.linalg.cholesky(a), (s,)),
        "linalg.det": (lambda xp, a: xp.linalg.det(a), (s,)),
        "linalg.inv": (lambda xp, a: xp.linalg.inv(a), (s,)),
        "linalg.solve": (lambda xp, a, b: xp.linalg.solve(a, b), (s, M(3, 2))),
        "linalg.slogdet": (lambda xp, a: xp.linalg.slogdet(a)[1], (s,)),
        "linalg.eigh": (lambda xp, a: xp.linalg.eigh(a)[0], (s,)),
        "linalg.svdvals": (lambda xp, a: xp.linalg.svdvals(a), (m,)),
        "linalg.qr": (lambda xp, a: xp.linalg.qr(a)[1], (M(4, 3),)),
        "linalg.pinv": (lambda xp, a: xp.linalg.pinv(a), (m,)),
        "linalg.matrix_norm": (lambda xp, a: xp.linalg.matrix_norm(a), (m,)),
        "linalg.vector_norm": (lambda xp, a: xp.linalg.vector_norm(a, axis=1), (m,)),
        "linalg.trace": (lambda xp, a: xp.linalg.trace(a), (s,)),
        "linalg.diagonal": (lambda xp, a: xp.linalg.diagonal(a), (s,)),
        "linalg.outer": (lambda xp, a, b: xp.linalg.outer(a, b), (u, u)),
        "linalg.cross": (lambda xp, a, b: xp.linalg.cross(a, b), (V(3), V(3))),
        "linalg.matrix_power": (lambda xp, a: xp.linalg.matrix_power(a, 2), (s,)),
        "fft.fft": (lambda xp, x: xp.fft.fft(x), (V(8),)),
        "fft.rfft": (lambda xp, x: xp.fft.rfft(x), (V(8),)),
        "fft.irfft": (lambda xp, x: xp.fft.irfft(xp.fft.rfft(x)), (V(8),)),
        "fft.fftn": (lambda xp, x: xp.fft.fftn(x), (m,)),
    })
    return calls


COMPAT_CALLS = _cn(None)
# array-api-compat wrappers that dropped the tape when this table was first measured, with
# the conversion they make.  Their status is read from the measurement, like every row's:
# any other function of the namespace that is not differentiable is a regression.
COMPAT_LOST = {
    "asarray": "np.array",                      # np.array(x, copy=...): a plain ndarray
    "clip": "written into a plain ndarray",     # np.clip(x, ..., out=np.empty(...))
    "linalg.solve": "np.asarray",               # numpy.linalg._makearray, then a raw gufunc
    "linalg.trace": "np.asarray",               # np.asarray(np.trace(x, ...))
}


def classify_compat(name: str, xp: Any = None, explain: bool = True) -> dict:
    """{mode: [status, why]} of one namespace call; ``xp`` defaults to array-api-compat's."""
    if xp is None:
        import array_api_compat.numpy as xp

    fn, inputs = COMPAT_CALLS[name]
    with _DebugOff():
        return classify(Entry(f"{xp.__name__}.{name}", lambda *a: fn(xp, *a), inputs),
                        explain=explain)


# ----------------------------------------------------------------------------- the docs table

_LEGEND = [
    "Each entry point is differentiated in the arguments it names (float64, 3 to 8 "
    "elements), **alone** (a weighted sum of its result) and **composite**, inside "
    "`f(x) + 0.5 * np.sum(x * x)`, where the second term always reaches the output (so "
    "the check that a function returned something unconnected cannot see a lost tape). "
    "Each gradient is compared with central differences, in the default configuration:",
    "",
    "- **differentiable**: the gradient matches central differences;",
    "- **lost tape (warned)**: the gradient is wrong (zero or partial), and a gradarray warning "
    "(`LostTapeWarning`, `UnconnectedGradientWarning`) said so; *why* names it, or, when the "
    "warning only says that the result was unconnected, the conversion found by a second "
    "run in debug mode;",
    "- **raises**: the call raises (type and first line);",
    "- **silently wrong**: the gradient disagrees and nothing warned. The project drives "
    "this to zero.",
    "",
    "Not in the table, having no floating result to differentiate: `scipy.fft.next_fast_len`, "
    "`scipy.stats.rankdata`, `np.argsort`/`np.argmax` and the other index functions, "
    "classification metrics on labels (`sklearn.metrics.accuracy_score` ...). "
    "`sklearn.utils.extmath.log_logistic` is gone from scikit-learn 1.9.",
    "",
]


def _cell(status: str, why: str) -> str:
    return (f"**{status}**" + (f" ({why})" if why else "")).replace("|", "\\|")


def _summary(results: dict, mode: str, entries: list | None = None) -> str:
    c = dict.fromkeys(STATUSES, 0)
    for e in entries if entries is not None else ENTRIES:
        if _real(e) and e.name in results:
            c[results[e.name][mode][0]] += 1
    return ", ".join(f"{v} {k}" for k, v in c.items())


def _table(default: dict, api: dict) -> str:
    real = [e for e in ENTRIES if _real(e) and e.name in default]
    lines = ["<!-- generated by `python tests/test_interop.py --write-docs`; do not edit -->",
             "", f"Measured with SciPy {sp.__version__}"
             + (f", scikit-learn {sklearn.__version__}" if sklearn else "")
             + (f", array-api-compat {array_api_compat.__version__}" if array_api_compat else "")
             + f", NumPy {np.__version__}.", "",
             f"**{len(real)} entry points of SciPy, scikit-learn and NumPy.** "
             f"Alone: {_summary(default, 'alone')}. "
             f"Composite: {_summary(default, 'composite')}.", ""] + _LEGEND
    lines.append("The `gradarray.*` and `x.__array_namespace__()` rows are the working "
                 "alternatives (not counted). The last column sets `SCIPY_ARRAY_API=1` and "
                 "scikit-learn's `array_api_dispatch=True` (alone only; "
                 + ("measured" if api else "not run this time") + ").")
    lines.append("")
    wrong = {e.name: [m for m in MODES if default[e.name][m][0] == WRONG] for e in real}
    wrong = {n: ms for n, ms in wrong.items() if ms}
    if wrong:
        lines += [f"Silently wrong ({len(wrong)} entry points): "
                  + ", ".join(f"`{n}` ({', '.join(ms)})" for n, ms in wrong.items()) + ".", ""]
    if UNAVAILABLE:
        lines += ["Left out, not in the installed versions: "
                  + ", ".join(f"`{n}`" for n in UNAVAILABLE) + ".", ""]
    for group in dict.fromkeys(e.group for e in ENTRIES):
        rows = [e for e in ENTRIES if e.group == group and e.name in default]
        if not rows:
            continue
        lines += [f"### {group}", "",
                  f"{sum(_real(e) for e in rows)} entry points. Alone: "
                  f"{_summary(default, 'alone', rows)}. Composite: "
                  f"{_summary(default, 'composite', rows)}.", "",
                  "| entry point | alone | composite | SCIPY_ARRAY_API=1 |",
                  "| --- | --- | --- | --- |"]
        for e in rows:
            alone, comp = default[e.name]["alone"], default[e.name]["composite"]
            cells = [_cell(*alone), "same" if comp == alone else _cell(*comp)]
            if e.name in api:
                s, why = api[e.name]["alone"]
                cells.append(_cell(s, why if s == RAISES else ""))
            else:
                cells.append("not run")
            if e.note:
                cells[0] += f"; {e.note}"
            lines.append(f"| `{e.name}` | " + " | ".join(cells) + " |")
        lines.append("")
    if array_api_compat is not None:
        res = {n: classify_compat(n) for n in COMPAT_CALLS}
        lines += ["### array-api-compat's NumPy namespace, function by function", "",
                  "`array_api_compat.array_namespace(tensor)` returns `array_api_compat.numpy`"
                  " (it tests `issubclass(type(x), np.ndarray)` before looking for "
                  "`__array_namespace__`), and SciPy uses the same namespace for every NumPy "
                  "input. Each function below was called through it on Tensors (alone; the "
                  "composite status follows when it differs):", ""]
        for status in STATUSES:
            names = [n for n, r in res.items() if r["alone"][0] == status]
            if names:
                parts = []
                for n in names:
                    a, c = res[n]["alone"], res[n]["composite"]
                    text = f"`{n}`" + (f" ({a[1]})" if a[1] else "")
                    if c != a:
                        text += f" [composite: {_cell(*c)}]"
                    parts.append(text)
                lines.append(f"- **{status}** ({len(names)}): " + ", ".join(parts))
        lines.append("")
    return "\n".join(lines)


def write_docs() -> Path:
    proc = _api_process()
    try:
        default = measure()
    finally:
        api = _api_results(proc)
    path = ROOT / "docs" / "interop_table.md"
    path.write_text(_table(default, api))
    return path


# ----------------------------------------------------------------------------- tests

@pytest.fixture(scope="module")
def _api_proc(request):
    """The SCIPY_ARRAY_API=1 subprocess, started before the main measurement (it overlaps).

    Started only when a selected test reads its results.
    """
    wanted = any("api_results" in getattr(item, "fixturenames", ())
                 for item in request.session.items)
    proc = _api_process() if wanted else None
    yield proc
    if proc is not None and proc.poll() is None:
        proc.kill()
        proc.communicate()


@pytest.fixture(scope="module")
def results(_api_proc) -> dict:
    return measure()


@pytest.fixture(scope="module")
def api_results(_api_proc, results) -> dict:
    """The SCIPY_ARRAY_API=1 column; empty with GA_INTEROP_ARRAY_API=0."""
    return _api_results(_api_proc)


def _rows(results: dict, mode: str, status: str) -> list[str]:
    return [f"{e.name}: {results[e.name][mode][1]}" for e in ENTRIES
            if _real(e) and e.name in results and results[e.name][mode][0] == status]


def test_table_has_250_real_entry_points(results):
    real = [e for e in ENTRIES if _real(e) and e.name in results]
    assert len(real) >= 250, len(real)
    assert len({e.name for e in ENTRIES}) == len(ENTRIES), "entry names must be unique"
    assert {s for r in results.values() for s, _ in r.values()} <= set(STATUSES)


@pytest.mark.parametrize("mode", MODES)
def test_no_silently_wrong_gradient(results, mode):
    """Every gradient that disagrees with central differences raised or warned."""
    wrong = _rows(results, mode, WRONG)
    assert not wrong, (f"{len(wrong)} silently wrong ({mode}; {_summary(results, mode)}):\n"
                       + "\n".join(wrong))


@pytest.mark.parametrize("mode", MODES)
def test_most_entry_points_are_differentiable(results, mode):
    c = counts(results, mode)
    assert c[DIFF] >= 0.8 * sum(c.values()), f"{mode}: {_summary(results, mode)}"


@pytest.mark.parametrize("entry", [e for e in ENTRIES if _available(e)], ids=str)
def test_entry(entry, results):
    if entry.name not in results:
        pytest.skip(UNAVAILABLE.get(entry.name, "not measured"))
    for mode in MODES:
        status, why = results[entry.name][mode]
        assert status != WRONG, f"{entry.name} ({mode}): {why}"
        if entry.expect is not None:
            assert status == entry.expect, f"{entry.name} ({mode}): {status} ({why})"
        if status != DIFF:  # the cause is named: an exception, a warning, a conversion
            assert why, (entry.name, mode, status)


@pytest.mark.skipif(sklearn is None, reason="needs scikit-learn")
def test_sklearn_check_array_keeps_or_names_its_conversion(results):
    """check_array converted with np.asarray (sklearn.utils._array_api); read, not pinned."""
    for mode, (status, why) in results["sklearn.utils.check_array"].items():
        if status == WARNED:
            assert "Warning" in why, why
        else:
            assert status == DIFF, (mode, status, why)


def test_scipy_softmax_keeps_or_names_its_conversion(results, api_results):
    """softmax starts with array-api-compat's asarray; if the tape is lost, that is named."""
    for res in (results, api_results):
        if not res:
            continue
        status, why = res["scipy.special.softmax(x, axis=1)"]["alone"]
        if status != DIFF:
            assert status == WARNED, (status, why)
            if res is results:
                assert "softmax" in why or "LostTapeWarning" in why, why


def test_scipy_special_rules_hold_with_scipy_array_api(api_results):
    if not api_results:
        pytest.skip("GA_INTEROP_ARRAY_API=0")
    for e in ENTRIES:
        if e.expect == DIFF and e.name in api_results:
            assert api_results[e.name]["alone"][0] == DIFF, (e.name, api_results[e.name])


@pytest.mark.skipif(array_api_compat is None, reason="needs array-api-compat")
@pytest.mark.parametrize("name", sorted(COMPAT_CALLS))
def test_compat_namespace_stays_recorded(name):
    """What array-api-compat's NumPy namespace does with a Tensor stays recorded, or warns."""
    res = classify_compat(name)
    for mode, (status, why) in res.items():
        assert status != WRONG, f"array_api_compat.numpy.{name} ({mode}): {why}"
        if status == RAISES and "NoRuleError" in why:
            pytest.xfail(f"gradarray has no rule yet: {why}")
        if status != DIFF:  # one of the wrappers known to convert, and the cause is named
            assert name in COMPAT_LOST, f"array_api_compat.numpy.{name} ({mode}): {status}"
            assert why, (name, mode)


@pytest.mark.parametrize("name", sorted(COMPAT_LOST))
def test_gradarray_namespace_is_the_working_alternative(name):
    """The calls that array-api-compat's namespace loses stay recorded through gradarray's."""
    xp = ga.tensor([0.0]).__array_namespace__()
    for mode, (status, why) in classify_compat(name, xp).items():
        assert status == DIFF, f"{xp.__name__}.{name} ({mode}): {status} ({why})"


def test_why_lost_names_the_conversion():
    """The diagnosis finds a conversion by the profiler and debug mode, whatever wraps it."""
    def lossy(x):
        return np.sum(np.asarray(x.tolist()) * 2.0)

    why = _why_lost(Entry("lossy", lossy, (V(),)), [np.ones(4)])
    assert "tolist" in why or "np.asarray" in why or "untracked" in why, why


def test_docs_table(results, api_results):
    table = _table(results, api_results)
    assert table.count("| `") >= 250
    if os.environ.get("GA_WRITE_DOCS"):
        (ROOT / "docs" / "interop_table.md").write_text(table)


def test_scipy_minimize_example(tmp_path):
    pytest.importorskip("matplotlib")
    r = subprocess.run([sys.executable, str(ROOT / "examples" / "scipy_minimize.py"),
                        "--out-dir", str(tmp_path)], capture_output=True, text=True,
                       timeout=300, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "converged: True" in r.stdout, r.stdout
    err = float(r.stdout.split("check_grad):")[1].split()[0])
    assert err < 1e-4, r.stdout  # gradarray's gradient of slogdet/solve/log_expit vs SciPy's FD
    start, end = (float(v) for v in r.stdout.split("likelihood:")[1].split()[0:3:2])
    assert end < start - 10, r.stdout
    assert list(tmp_path.glob("*.png")), "no figure written"


def test_minimize_with_value_and_grad():
    """scipy.optimize.minimize(fun, x0, jac=True) with gradarray's value and gradient."""
    from scipy.optimize import minimize, rosen

    vg = ga.value_and_grad(rosen)

    def fun(x):
        v, g = vg(ga.tensor(x))
        return float(v), np.asarray(g, dtype=np.float64)

    res = minimize(fun, np.array([-1.2, 1.0, 0.5, -0.3]), jac=True, method="BFGS")
    assert res.success
    np.testing.assert_allclose(res.x, 1.0, atol=1e-4)
    assert res.njev == res.nfev  # one call gave both: no finite differences were used


if __name__ == "__main__":
    if "--json" in sys.argv:
        quick = "--quick" in sys.argv
        print(json.dumps(measure(("alone",) if quick else MODES, explain=not quick)))
    elif "--write-docs" in sys.argv:
        print(f"wrote {write_docs()}")
    else:
        res = measure()
        for name, r in res.items():
            print(f"{name:60s} " + " | ".join(f"{m}: {s}" + (f" ({w})" if w else "")
                                              for m, (s, w) in r.items()))
        for mode in MODES:
            print(f"{mode}: {_summary(res, mode)}")
