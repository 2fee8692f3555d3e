"""Cases for rules/polynomials.py: polynomial arithmetic, calculus, roots and fitting."""

import numpy as np

from .cases_elementwise import distinct
from .cases_linalg import rand, symmetric
from .harness import Case, arrays, positive


def _polydiv(u, v):
    q, r = np.polydiv(u, v)
    return np.concatenate((q, r))


def _polyfit_weighted_cov(x, y, w):
    c, v = np.polyfit(x, y, 2, w=w, cov=True)
    return np.concatenate((np.ravel(c), np.ravel(v)))


def _polyfit_full(x, y):
    c, resids, _, s, _ = np.polyfit(x, y, 2, full=True)
    return np.concatenate((c, resids, s))


def _polyfit_2d_unscaled(x, y):
    c, v = np.polyfit(x, y, 1, cov="unscaled")
    return np.concatenate((np.ravel(c), np.ravel(v)))


def _leading_zeros(a):
    """[0, 0, 2, 1], on a's device."""
    c = np.zeros_like(a, shape=(4,))
    c[2], c[3] = 2.0, 1.0
    return c


_lead = arrays((3,), away_from=[0.0])  # leading coefficients away from 0 (not stripped)
# Division: random coefficients, so that no remainder coefficient is near 0 (where NumPy
# trims it and the output's length jumps).
_x = distinct((6,))                     # sample points well apart

CASES = [
    Case(np.polyadd, np.polyadd, (arrays((3,)), arrays((5,))), complex=True),
    Case(np.polyadd, np.polyadd, (arrays((4,)), arrays((2,))), name="polyadd-longer-first"),
    Case(np.polyadd, lambda a: np.polyadd(a, np.poly1d([1.0, 2.0])), (_lead,),
         name="polyadd-poly1d"),
    Case(np.polysub, np.polysub, (arrays((2,)), arrays((4,))), complex=True),
    Case(np.polysub, np.polysub, (arrays((3,)), arrays((3,))), name="polysub-equal"),
    Case(np.polymul, np.polymul, (_lead, arrays((2,), away_from=[0.0])), complex=True),
    Case(np.polymul, lambda a: np.polymul(a, _leading_zeros(a)), (_lead,),
         name="polymul-leading-zeros"),
    # float32: NumPy trims the remainder's leading coefficients below 1e-8, under float32's
    # rounding, so its output length is not stable in float32.
    Case(np.polydiv, _polydiv, (rand((5,), away=0.3), rand((3,), away=0.3)), complex=True,
         float32=False),
    Case(np.polydiv, _polydiv, (rand((2,), away=0.3), rand((3,), away=0.3)),
         name="polydiv-lower-degree"),
    Case(np.polyder, np.polyder, (arrays((4,)),), complex=True),
    Case(np.polyder, lambda p: np.polyder(p, 2), (arrays((5,)),), name="polyder-m2"),
    Case(np.polyint, np.polyint, (arrays((3,)),), complex=True),
    Case(np.polyint, lambda p, k: np.polyint(p, 2, k), (arrays((3,)), arrays((2,))),
         name="polyint-m2-k"),
    Case(np.polyint, lambda p, k: np.polyint(p, 3, k), (arrays((2,)), arrays(())),
         name="polyint-scalar-k"),
    Case(np.poly, np.poly, (arrays((4,)),), complex=True),
    Case(np.poly, np.poly, (symmetric((3, 3)),), name="poly-matrix"),
    # Coefficients of polynomials with well separated real roots.
    Case(np.roots, lambda p: np.sort(np.roots(p)), (distinct((3,)).map(np.poly),),
         complex=True),
    Case(np.roots, lambda p: np.sort(np.roots(np.concatenate((p, np.zeros_like(p, shape=2))))),
         (distinct((4,)).map(lambda r: 0.5 * np.poly(r)),), name="roots-trailing-zeros"),
    Case(np.vander, np.vander, (arrays((3,)),), complex=True),
    Case(np.vander, lambda x: np.vander(x, 5, increasing=True), (arrays((4,)),),
         name="vander-N-increasing"),
    Case(np.polyfit, lambda x, y: np.polyfit(x, y, 2), (_x, arrays((6,)))),
    Case(np.polyfit, _polyfit_weighted_cov, (_x, arrays((6,)), positive((6,), 0.5, 2.0)),
         name="polyfit-weights-cov"),
    Case(np.polyfit, _polyfit_full, (_x, arrays((6,))), name="polyfit-full"),
    Case(np.polyfit, _polyfit_2d_unscaled, (_x, arrays((6, 2))), name="polyfit-2d-unscaled"),
]
