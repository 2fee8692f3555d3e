"""Derivatives of SciPy's special functions (``scipy.special`` ufuncs).

SciPy's special functions are NumPy ufuncs, so ``scipy.special.erf(t)`` reaches
``Tensor.__array_ufunc__`` with the SciPy ufunc as its key, exactly as ``np.exp(t)`` does.
This module is imported only when SciPy is installed (see ``rules/__init__.py``).

Rows give partial derivatives ``d(ans, *inputs)`` (the engine forms ``g * conj(d)``),
written with SciPy's ufuncs so that they are differentiable again.  Orders of Bessel
functions and the ``n`` of ``expn`` and ``yn`` are not differentiated: their slot is
``None``, so a recorded Tensor there raises ``NoRuleError``.  The ``a`` of
``gammainc``/``gammaincc`` and the ``df`` of ``stdtr`` have no closed-form derivative: a
fourth-order central difference of SciPy's own function (``_diff4``), checked against mpmath.
Python functions of ``scipy.special`` that convert their input with ``np.asarray``
(``softmax``, ``log_softmax``, ``polygamma``, ``multigammaln``) lose the tape before any
ufunc runs: ``gradarray.special`` has recorded versions (see ``docs/interop.md``).
"""

from __future__ import annotations

import math

import numpy as np
import scipy.special
from scipy.special import _ufuncs

from ..registry import Rule, elementwise, nondiff


class _Ufuncs:
    """``scipy.special``'s ufuncs themselves.

    With ``SCIPY_ARRAY_API=1`` each public name is a Python wrapper whose ``__wrapped__`` is
    the ufunc; the ufunc is what reaches ``Tensor.__array_ufunc__``, so it is the key.
    """

    def __getattr__(self, name: str):
        f = getattr(scipy.special, name)
        return getattr(f, "__wrapped__", f)


sc = _Ufuncs()

_SQRT_PI = math.sqrt(math.pi)
_SQRT_2PI = math.sqrt(2 * math.pi)
_SQRT2 = math.sqrt(2.0)
_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_DEG = math.pi / 180.0


def _named(rule: Rule, name: str) -> None:
    # ufuncs carry no __module__, so the registry would call them "numpy.<name>".
    rule.name = f"scipy.special.{name}"


def _ew(func, *partials) -> None:
    _named(elementwise(func, *partials), func.__name__)


def _nonzero(x):
    return np.where(x == 0, 1, x)


def _trigamma(x):
    # polygamma(1, x) = zeta(2, x); scipy.special.polygamma itself calls np.asarray.
    return _ufuncs._zeta(2.0, x)


# ----- Error function and relatives -----
_ew(sc.erf, lambda ans, x: (2 / _SQRT_PI) * np.exp(-x * x))
_ew(sc.erfc, lambda ans, x: (-2 / _SQRT_PI) * np.exp(-x * x))
_ew(sc.erfinv, lambda ans, x: (_SQRT_PI / 2) * np.exp(ans * ans))
_ew(sc.erfcinv, lambda ans, x: (-_SQRT_PI / 2) * np.exp(ans * ans))
_ew(sc.erfcx, lambda ans, x: 2 * x * ans - 2 / _SQRT_PI)
_ew(sc.erfi, lambda ans, x: (2 / _SQRT_PI) * np.exp(x * x))
_ew(sc.dawsn, lambda ans, x: 1 - 2 * x * ans)

# ----- Normal distribution -----
_ew(sc.ndtr, lambda ans, x: np.exp(-0.5 * x * x) / _SQRT_2PI)
# pdf / cdf, formed in logs so that it stays finite far in the left tail.
_ew(sc.log_ndtr, lambda ans, x: np.exp(-0.5 * x * x - _LOG_SQRT_2PI - ans))
_ew(sc.ndtri, lambda ans, y: _SQRT_2PI * np.exp(0.5 * ans * ans))
_ew(sc.ndtri_exp, lambda ans, y: np.exp(y + 0.5 * ans * ans + _LOG_SQRT_2PI))

# ----- Gamma and beta functions -----
_ew(sc.gamma, lambda ans, x: ans * sc.digamma(x))
_ew(sc.rgamma, lambda ans, x: -ans * sc.digamma(x))
# gammaln is log|Gamma(x)|: its derivative is digamma on both sides of the poles.
_ew(sc.gammaln, lambda ans, x: sc.digamma(x))
_ew(sc.loggamma, lambda ans, x: sc.digamma(x))
_ew(sc.digamma, lambda ans, x: _trigamma(x))  # scipy.special.psi is the same ufunc
# Hurwitz zeta(s, q) (behind scipy.special.zeta and polygamma): d/dq = -s zeta(s + 1, q).
_ew(_ufuncs._zeta, None, lambda ans, s, q: -s * _ufuncs._zeta(s + 1, q))
_ew(sc.beta, lambda ans, a, b: ans * (sc.digamma(a) - sc.digamma(a + b)),
    lambda ans, a, b: ans * (sc.digamma(b) - sc.digamma(a + b)))
_ew(sc.betaln, lambda ans, a, b: sc.digamma(a) - sc.digamma(a + b),
    lambda ans, a, b: sc.digamma(b) - sc.digamma(a + b))
_ew(sc.poch, lambda ans, z, m: ans * (sc.digamma(z + m) - sc.digamma(z)),
    lambda ans, z, m: ans * sc.digamma(z + m))
_ew(sc.binom, lambda ans, n, k: ans * (sc.digamma(n + 1) - sc.digamma(n - k + 1)),
    lambda ans, n, k: ans * (sc.digamma(n - k + 1) - sc.digamma(k + 1)))


def _gamma_density(a, x):
    """x**(a-1) exp(-x) / Gamma(a): d/dx of the regularized lower incomplete gamma."""
    return np.exp((a - 1) * np.log(x) - x - sc.gammaln(a))


def _beta_density(a, b, x):
    """x**(a-1) (1-x)**(b-1) / B(a, b): d/dx of the regularized incomplete beta."""
    return np.exp((a - 1) * np.log(x) + (b - 1) * np.log1p(-x) - sc.betaln(a, b))


def _step(scale):
    """A power of two near 1e-3 * scale: v +- k h are exact, and np.floor records no
    gradient, so the derivative of a difference is the difference of the derivatives."""
    return np.exp2(np.floor(np.log2(1e-3 * scale)))


def _diff4(f, v, h):
    """Fourth-order central difference of f at v: error ~ h^4 f^(5) / 30 + eps f / h."""
    return (8 * (f(v + h) - f(v - h)) - (f(v + 2 * h) - f(v - 2 * h))) / (12 * h)


def _gammainc_da(p, a, x):
    """dP/da of P = gammainc(a, x), a > 0, given P.

    No closed form: differenced on SciPy's P, or on Q = 1 - P where P > 1/2 (the small tail
    keeps its relative accuracy), in float64, with a step ~1e-3 of P's scale in a (a below
    1, sqrt(a) above).  Within 3e-7 relative (1e-8 typical) of mpmath for a in [0.01, 1000]
    and x in [0.001, 3000]; second derivatives difference the first ones.
    """
    a = a.astype(np.float64)
    h = _step(np.minimum(a, np.sqrt(a)))
    return np.where(p < 0.5, _diff4(lambda v: sc.gammainc(v, x), a, h),
                    -_diff4(lambda v: sc.gammaincc(v, x), a, h))


# Incomplete gamma and beta: the integration limit in closed form, gammainc's a by _gammainc_da,
# the other parameters not at all.
_ew(sc.gammainc, lambda ans, a, x: _gammainc_da(ans, a, x),
    lambda ans, a, x: _gamma_density(a, x))
_ew(sc.gammaincc, lambda ans, a, x: -_gammainc_da(1 - ans, a, x),
    lambda ans, a, x: -_gamma_density(a, x))
_ew(sc.gammaincinv, None, lambda ans, a, y: 1 / _gamma_density(a, ans))
_ew(sc.gammainccinv, None, lambda ans, a, y: -1 / _gamma_density(a, ans))
_ew(sc.betainc, None, None, lambda ans, a, b, x: _beta_density(a, b, x))
_ew(sc.betaincc, None, None, lambda ans, a, b, x: -_beta_density(a, b, x))

# ----- Student's t and Owen's T -----


def _stdtr_ddf(ans, df, t):
    # stdtr(df, t) = 1 - stdtr(df, -t): differenced on the lower tail, which SciPy gives to
    # full relative accuracy, in float64, with a step ~1e-3 of the scale in df (narrower in
    # the far tail).  Within 2e-7 relative of mpmath for df in [0.05, 1e4], |t| <= 300.
    df = df.astype(np.float64)
    h = _step(df / (1 + np.log1p(t * t / df)))
    upper = t > 0
    u = np.where(upper, -t, t)  # (not -|t|: its derivative would vanish at t = 0)
    return np.where(upper, -1.0, 1.0) * _diff4(lambda v: sc.stdtr(v, u), df, h)


# d/dt: the t density, through betaln (accurate for large df, unlike a gammaln difference).
_ew(sc.stdtr, _stdtr_ddf,
    lambda ans, df, t: np.exp(-(df + 1) / 2 * np.log1p(t * t / df) - sc.betaln(df / 2, 0.5)
                              - 0.5 * np.log(df)))
# owens_t(h, a) = int_0^a exp(-h^2 (1 + x^2) / 2) / (2 pi (1 + x^2)) dx.
_ew(sc.owens_t,
    lambda ans, h, a: -np.exp(-0.5 * h * h) / (2 * _SQRT_2PI) * sc.erf(a * h / _SQRT2),
    lambda ans, h, a: np.exp(-0.5 * h * h * (1 + a * a)) / (2 * math.pi * (1 + a * a)))

# ----- Logistic -----
_ew(sc.expit, lambda ans, x: ans * (1 - ans))
_ew(sc.logit, lambda ans, p: 1 / (p * (1 - p)))
_ew(sc.log_expit, lambda ans, x: sc.expit(-x))

# ----- Information theory and losses -----
# xlogy(0, y) = 0 for every y; the partials below are those of x*log(y) for y > 0.
_ew(sc.xlogy, lambda ans, x, y: np.log(y), lambda ans, x, y: x / y)
_ew(sc.xlog1py, lambda ans, x, y: np.log1p(y), lambda ans, x, y: x / (1 + y))
_ew(sc.entr, lambda ans, x: -np.log(x) - 1)
_ew(sc.rel_entr, lambda ans, x, y: np.log(x / y) + 1, lambda ans, x, y: -x / y)
_ew(sc.kl_div, lambda ans, x, y: np.log(x / y), lambda ans, x, y: 1 - x / y)
# huber(delta, r): quadratic for |r| <= delta, linear outside (the kink takes the inside).
_ew(sc.huber, lambda ans, delta, r: np.where(np.abs(r) <= delta, 0.0, np.abs(r) - delta),
    lambda ans, delta, r: np.where(np.abs(r) <= delta, r, delta * np.sign(r)))


def _pseudo_huber_ddelta(ans, delta, r):
    # f = delta^2 (s - 1), s = sqrt(1 + (r/delta)^2): df/ddelta = 2 f / delta - r^2 / (delta s)
    s = np.sqrt(1 + (r / delta) ** 2)
    return 2 * ans / delta - r * r / (delta * s)


_ew(sc.pseudo_huber, _pseudo_huber_ddelta,
    lambda ans, delta, r: r / np.sqrt(1 + (r / delta) ** 2))

# ----- Box-Cox -----


def _boxcox_dlmbda(ans, x, lmbda):
    # d/dlmbda (x**l - 1)/l = (x**l log x - ans)/l; its limit at l = 0 is log(x)**2 / 2.
    lx = np.log(x)
    return np.where(lmbda == 0, 0.5 * lx * lx, (x ** lmbda * lx - ans) / _nonzero(lmbda))


_ew(sc.boxcox, lambda ans, x, lmbda: x ** (lmbda - 1), _boxcox_dlmbda)
_ew(sc.boxcox1p, lambda ans, x, lmbda: (1 + x) ** (lmbda - 1),
    lambda ans, x, lmbda: _boxcox_dlmbda(ans, 1 + x, lmbda))
# inv_boxcox(y, l) = (l y + 1)**(1/l): d/dy = ans**(1 - l).
_ew(sc.inv_boxcox, lambda ans, y, lmbda: ans ** (1 - lmbda), None)
_ew(sc.inv_boxcox1p, lambda ans, y, lmbda: (1 + ans) ** (1 - lmbda), None)

# ----- Bessel functions: differentiated in the argument, never in the order -----
_ew(sc.j0, lambda ans, x: -sc.j1(x))
_ew(sc.j1, lambda ans, x: 0.5 * (sc.j0(x) - sc.jv(2, x)))
_ew(sc.y0, lambda ans, x: -sc.y1(x))
_ew(sc.y1, lambda ans, x: 0.5 * (sc.y0(x) - sc.yv(2, x)))
_ew(sc.yn, None, lambda ans, n, x: 0.5 * (sc.yn(n - 1, x) - sc.yn(n + 1, x)))
_ew(sc.jv, None, lambda ans, v, z: 0.5 * (sc.jv(v - 1, z) - sc.jv(v + 1, z)))  # also jn
_ew(sc.yv, None, lambda ans, v, z: 0.5 * (sc.yv(v - 1, z) - sc.yv(v + 1, z)))
_ew(sc.i0, lambda ans, x: sc.i1(x))
# (SciPy 1.17's iv is NaN for subnormal arguments, so these are too.)
_ew(sc.i1, lambda ans, x: 0.5 * (sc.i0(x) + sc.iv(2, x)))
_ew(sc.iv, None, lambda ans, v, z: 0.5 * (sc.iv(v - 1, z) + sc.iv(v + 1, z)))
# Exponentially scaled: ive(v, z) = iv(v, z) exp(-|z|), kve(v, z) = kv(v, z) exp(z) (real z).
_ew(sc.i0e, lambda ans, x: sc.i1e(x) - np.sign(x) * ans)
_ew(sc.i1e, lambda ans, x: 0.5 * (sc.i0e(x) + sc.ive(2, x)) - np.sign(x) * ans)
_ew(sc.ive, None,
    lambda ans, v, z: 0.5 * (sc.ive(v - 1, z) + sc.ive(v + 1, z)) - np.sign(z) * ans)
_ew(sc.k0, lambda ans, x: -sc.k1(x))
_ew(sc.k1, lambda ans, x: -0.5 * (sc.k0(x) + sc.kv(2, x)))
_ew(sc.kv, None, lambda ans, v, z: -0.5 * (sc.kv(v - 1, z) + sc.kv(v + 1, z)))
_ew(sc.k0e, lambda ans, x: ans - sc.k1e(x))
_ew(sc.k1e, lambda ans, x: ans - 0.5 * (sc.k0e(x) + sc.kve(2, x)))
_ew(sc.kve, None, lambda ans, v, z: ans - 0.5 * (sc.kve(v - 1, z) + sc.kve(v + 1, z)))

# ----- Exponential integrals and elliptic integrals -----
_ew(sc.exp1, lambda ans, x: -np.exp(-x) / x)
_ew(sc.expi, lambda ans, x: np.exp(x) / x)
_ew(sc.expn, None, lambda ans, n, x: -sc.expn(n - 1, x))  # for n >= 1
# exprel(x) = (e^x - 1)/x: derivative (e^x - ans)/x, 1/2 at x = 0.
_ew(sc.exprel, lambda ans, x: np.where(x == 0, 0.5, (np.exp(x) - ans) / _nonzero(x)))
_ew(sc.ellipk, lambda ans, m: (sc.ellipe(m) - (1 - m) * ans) / (2 * m * (1 - m)))
_ew(sc.ellipe, lambda ans, m: (ans - sc.ellipk(m)) / (2 * m))

# ----- SciPy's own copies of elementary functions, and degree-based trigonometry -----
_ew(sc.expm1, lambda ans, x: ans + 1)
_ew(sc.log1p, lambda ans, x: 1 / (1 + x))
_ew(sc.exp2, lambda ans, x: ans * _LN2)
_ew(sc.exp10, lambda ans, x: ans * _LN10)
_ew(sc.cbrt, lambda ans, x: 1 / (3 * ans * ans))
_ew(sc.cosm1, lambda ans, x: -np.sin(x))
_ew(sc.powm1, lambda ans, x, y: y * x ** (y - 1), lambda ans, x, y: (ans + 1) * np.log(x))
_ew(sc.radian, lambda ans, d, m, s: _DEG, lambda ans, d, m, s: _DEG / 60,
    lambda ans, d, m, s: _DEG / 3600)
_ew(sc.sindg, lambda ans, x: _DEG * sc.cosdg(x))
_ew(sc.cosdg, lambda ans, x: -_DEG * sc.sindg(x))
_ew(sc.tandg, lambda ans, x: _DEG * (1 + ans * ans))
_ew(sc.cotdg, lambda ans, x: -_DEG * (1 + ans * ans))

# ----- No gradient: piecewise-constant outputs -----
nondiff(sc.gammasgn, sc.round)
