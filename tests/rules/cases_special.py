"""Cases for rules/special.py (SciPy's special ufuncs); empty without SciPy."""

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from .harness import Case, arrays, broadcastable, positive, same_shape, shapes, unit

try:
    import scipy.special as sc
    from scipy.special import _ufuncs
except ImportError:  # the rules are not registered either
    sc = None


@st.composite
def _huber_args(draw):
    """(delta, r) with |r| away from delta, where huber has its kink."""
    shape = draw(shapes(max_dims=2))
    delta = draw(arrays(shape, 0.5, 1.5))
    r = draw(arrays(shape, -3.0, 3.0))
    assume(np.all(np.abs(np.abs(r) - delta) > 0.1))
    return delta, r


def _key(f):
    # With SCIPY_ARRAY_API=1 the public name wraps the ufunc that the rule is keyed by.
    return getattr(f, "__wrapped__", f)


def _cases():
    a = arrays()
    p = positive()
    pp = broadcastable(2, ranges=[(0.3, 3), (0.3, 3)])
    lam = arrays((3,), -1, 1, away_from=[0.0])
    unit_pos = arrays(low=0.1, high=1.0)  # Box-Cox's lambda = 0 is a separate branch

    def one(f, strat, **kw):
        return Case(_key(f), f, (strat,), **kw)

    def two(f, strat, **kw):
        return Case(_key(f), f, (strat,), tuple_inputs=True, **kw)

    def named(cases):
        # "special." in every id, so that `pytest -k special` selects them.
        for c in cases:
            c.name = f"special.{c.name or _key(c.key).__name__}"
        return cases

    return named([
        one(sc.erf, a, complex=True),
        one(sc.erfc, a, complex=True),
        one(sc.erfinv, unit()),
        one(sc.erfcinv, arrays(low=0.2, high=1.8)),
        one(sc.erfcx, a),
        one(sc.erfi, a),
        one(sc.dawsn, a),
        one(sc.ndtr, a),
        one(sc.log_ndtr, arrays(low=-4, high=3)),
        one(sc.ndtri, arrays(low=0.05, high=0.95)),
        one(sc.ndtri_exp, arrays(low=-3, high=-0.1)),
        one(sc.gamma, p),
        one(sc.rgamma, p),
        one(sc.gammaln, p),
        one(sc.loggamma, p),
        one(sc.digamma, p),
        Case(_ufuncs._zeta, lambda q: sc.zeta(2.5, q), (positive(low=0.5),), name="zeta"),
        two(sc.beta, pp),
        two(sc.betaln, pp),
        two(sc.poch, pp),
        two(sc.binom, broadcastable(2, ranges=[(3, 5), (0.5, 2)])),
        Case(_key(sc.gammainc), lambda x: sc.gammainc(1.7, x), (p,)),
        Case(_key(sc.gammaincc), lambda x: sc.gammaincc(1.7, x), (p,)),
        Case(_key(sc.gammaincinv), lambda y: sc.gammaincinv(1.7, y), (arrays(low=0.1, high=0.9),)),
        Case(_key(sc.gammainccinv), lambda y: sc.gammainccinv(1.7, y),
             (arrays(low=0.1, high=0.9),)),
        Case(_key(sc.betainc), lambda x: sc.betainc(1.5, 2.5, x), (arrays(low=0.1, high=0.9),)),
        Case(_key(sc.betaincc), lambda x: sc.betaincc(1.5, 2.5, x), (arrays(low=0.1, high=0.9),)),
        one(sc.expit, a),
        one(sc.logit, arrays(low=0.1, high=0.9)),
        one(sc.log_expit, a),
        two(sc.xlogy, broadcastable(2, ranges=[(-2, 2), (0.3, 3)])),
        two(sc.xlog1py, broadcastable(2, ranges=[(-2, 2), (-0.5, 2)])),
        one(sc.entr, p),
        two(sc.rel_entr, pp),
        two(sc.kl_div, pp),
        two(sc.huber, _huber_args()),
        two(sc.pseudo_huber, broadcastable(2, ranges=[(0.5, 2), (-2, 2)])),
        Case(_key(sc.boxcox), sc.boxcox, (positive(shape=(3,), low=0.5), lam)),
        Case(_key(sc.boxcox1p), sc.boxcox1p, (positive(shape=(3,)), lam)),
        Case(_key(sc.inv_boxcox), lambda y: sc.inv_boxcox(y, 0.5), (unit_pos,)),
        Case(_key(sc.inv_boxcox1p), lambda y: sc.inv_boxcox1p(y, 0.5), (unit_pos,)),
        one(sc.j0, p),
        one(sc.j1, p),
        one(sc.y0, p),
        one(sc.y1, p),
        Case(_key(sc.jv), lambda z: sc.jv(1.5, z), (p,)),
        Case(_key(sc.yv), lambda z: sc.yv(1.5, z), (p,)),
        # scipy.special.iv(2, x), in their derivatives, is NaN for subnormal x.
        one(sc.i0, arrays(away_from=[0.0])),
        one(sc.i1, arrays(away_from=[0.0])),
        Case(_key(sc.iv), lambda z: sc.iv(1.5, z), (p,)),
        one(sc.i0e, arrays(away_from=[0.0])),
        one(sc.i1e, arrays(away_from=[0.0])),
        Case(_key(sc.ive), lambda z: sc.ive(1.5, z), (p,)),
        one(sc.k0, p),
        one(sc.k1, p),
        Case(_key(sc.kv), lambda z: sc.kv(1.5, z), (p,)),
        one(sc.k0e, p),
        one(sc.k1e, p),
        Case(_key(sc.kve), lambda z: sc.kve(1.5, z), (p,)),
        one(sc.exp1, p),
        one(sc.expi, p),
        Case(_key(sc.expn), lambda x: sc.expn(2, x), (p,)),
        one(sc.exprel, arrays(away_from=[0.0])),
        one(sc.ellipk, arrays(low=0.1, high=0.9)),
        one(sc.ellipe, arrays(low=0.1, high=0.9)),
        one(sc.expm1, a),
        one(sc.log1p, p),
        one(sc.exp2, a),
        one(sc.exp10, arrays(low=-1, high=1)),
        one(sc.cbrt, p),
        one(sc.cosm1, a),
        two(sc.powm1, broadcastable(2, ranges=[(0.3, 3), (-2, 2)])),
        two(sc.radian, same_shape(3, low=-30, high=30)),
        one(sc.sindg, arrays(low=-200, high=200)),
        one(sc.cosdg, arrays(low=-200, high=200)),
        one(sc.tandg, arrays(low=-60, high=60)),
        one(sc.cotdg, arrays(low=20, high=160)),
    ])


CASES = [] if sc is None else _cases()
