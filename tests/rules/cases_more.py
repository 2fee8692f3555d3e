"""Cases for the smaller families: creation (geomspace, logspace), compat (rollaxis,
real_if_close), functional (piecewise, apply_*), sets, partition and in-place writes
(indexing.py), tensor solves and cond (linalg.py)."""

import numpy as np

from .cases_elementwise import distinct
from .cases_linalg import rand, wellcond
from .harness import Case, arrays, positive


def _fill_diagonal(x, v, wrap=False):
    y = x * 1.0
    np.fill_diagonal(y, v, wrap=wrap)
    return y


def _putmask(x, v):
    y = x * 1.0
    np.putmask(y, np.reshape(np.arange(12, like=x), (3, 4)) % 3 != 1, v)  # on x's device
    return y


def _piecewise(x):
    return np.piecewise(x, [x < 0, x > 1], [lambda v: v ** 2, np.sin, 0.5])


def _piecewise_args(x):
    return np.piecewise(x, x > 0, [lambda v, a: a * v ** 3, lambda v, a: np.exp(v)], 2.0)


def _ix(a, b):
    i, j = np.ix_(a, b)
    return i * j


_la = np.linalg
_pos = positive(())

CASES = [
    # ----- creation.py: logarithmic spacing -----
    Case(np.geomspace, lambda a, b: np.geomspace(a, b, 5), (_pos, _pos), complex=True),
    Case(np.geomspace, lambda a, b: np.geomspace(-a, -b, 4, endpoint=False), (_pos, _pos),
         name="geomspace-negative"),
    Case(np.geomspace, lambda a, b: np.geomspace(a, b, 3, axis=1),
         (positive((2,)), positive((2,))), name="geomspace-axis"),
    Case(np.logspace, lambda a, b: np.logspace(a, b, 5), (arrays(()), arrays(())),
         complex=True),
    Case(np.logspace, lambda a, b, base: np.logspace(a, b, 4, base=base, axis=-1),
         (arrays((2,), -1, 1), arrays(()), positive((2,), 0.5, 3.0)), name="logspace-base"),
    # ----- compat.py -----
    Case(np.rollaxis, lambda x: np.rollaxis(x, 2), (arrays((2, 3, 4)),), complex=True),
    Case(np.rollaxis, lambda x: np.rollaxis(x, 0, 3) * 2.0, (arrays((2, 3, 4)),),
         name="rollaxis-start"),
    Case(np.real_if_close, lambda x: np.real_if_close(x + 0j), (arrays((3,)),),
         complex=True),
    # ----- functional.py -----
    Case(np.piecewise, _piecewise, (arrays((3, 4), away_from=[0.0, 1.0]),)),
    Case(np.piecewise, _piecewise_args, (arrays((5,), away_from=[0.0]),),
         name="piecewise-args", complex=False),
    Case(np.apply_along_axis, lambda x: np.apply_along_axis(lambda v: np.sum(v ** 2) * v[0], 1,
                                                            x), (arrays((3, 4)),),
         complex=True),
    Case(np.apply_along_axis, lambda x: np.apply_along_axis(lambda v: np.cumsum(v)[::-1], 0, x),
         (arrays((3, 4, 2)),), name="apply_along_axis-vector"),
    Case(np.apply_along_axis, lambda x: np.apply_along_axis(lambda v: np.outer(v, v), -1, x),
         (arrays((2, 3)),), name="apply_along_axis-matrix"),
    Case(np.apply_over_axes, lambda x: np.apply_over_axes(np.sum, x ** 2, [0, -1]),
         (arrays((2, 3, 4)),), complex=True),
    Case(np.apply_over_axes, lambda x: np.apply_over_axes(np.cumsum, x, 1),
         (arrays((2, 3)),), name="apply_over_axes-same-shape"),
    # ----- sets.py (values well apart; some shared on purpose) -----
    Case(np.union1d, lambda x: np.union1d(x[:3], x[3:]), (distinct((7,)),)),
    Case(np.union1d, lambda x: np.union1d(x, x[:2] * 1.0), (distinct((2, 3)),),
         name="union1d-repeated"),
    Case(np.setdiff1d, lambda x: np.setdiff1d(x, x[1:3]), (distinct((6,)),)),
    Case(np.setdiff1d, lambda x: np.setdiff1d(x, [100.0, x[0]], assume_unique=True),
         (distinct((5,)),), name="setdiff1d-assume-unique"),
    Case(np.setxor1d, lambda x: np.setxor1d(x[:4], x[2:]), (distinct((7,)),)),
    # ----- indexing.py -----
    Case(np.partition, lambda x: np.partition(x, 2), (distinct((3, 5)),), complex=True),
    Case(np.partition, lambda x: np.partition(x, [0, 2], axis=0), (distinct((4, 3)),),
         name="partition-axis0"),
    Case(np.partition, lambda x: np.partition(x, -2, axis=None), (distinct((2, 3)),),
         name="partition-None"),
    Case(np.fill_diagonal, _fill_diagonal, (arrays((3, 4)), arrays((2,))), complex=True),
    Case(np.fill_diagonal, lambda x, v: _fill_diagonal(x, v, wrap=True),
         (arrays((7, 3)), arrays(())), name="fill_diagonal-wrap"),
    Case(np.fill_diagonal, _fill_diagonal, (arrays((3, 3, 3)), arrays((3,))),
         name="fill_diagonal-cube"),
    Case(np.putmask, _putmask, (arrays((3, 4)), arrays((5,))), complex=True),
    Case(np.ix_, _ix, (arrays((3,)), arrays((2,))), complex=True),
    Case(np.ix_, lambda a: np.ix_(a, [True, False, True], a)[2], (arrays((3,)),),
         name="ix_-bool"),
    # ----- linalg.py -----
    Case(_la.tensorinv, lambda a: _la.tensorinv(np.reshape(a, (2, 3, 6))), (wellcond((6, 6)),),
         complex=True),
    Case(_la.tensorinv, lambda a: _la.tensorinv(np.reshape(a, (6, 2, 3)), ind=1),
         (wellcond((6, 6)),), name="tensorinv-ind1"),
    Case(_la.tensorsolve, lambda a, b: _la.tensorsolve(np.reshape(a, (2, 3, 6)), b),
         (wellcond((6, 6)), rand((2, 3))), complex=True),
    Case(_la.tensorsolve, lambda a, b: _la.tensorsolve(np.reshape(a, (6, 2, 3)), b, axes=(0,)),
         (wellcond((6, 6)), rand((2, 3))), name="tensorsolve-axes"),
    Case(_la.cond, _la.cond, (wellcond((3, 3)),), complex=True),
    Case(_la.cond, lambda a: _la.cond(a, -2), (wellcond((2, 3, 3)),), name="cond--2"),
    Case(_la.cond, lambda a: _la.cond(a, "fro"), (wellcond((3, 3)),), name="cond-fro",
         complex=True),
    Case(_la.cond, lambda a: _la.cond(a, 1), (wellcond((2, 3, 3)),), name="cond-1"),
]
