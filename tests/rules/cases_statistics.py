"""Cases for rules/statistics.py: cov, corrcoef, trapezoid, histogram_bin_edges."""

import numpy as np

from .cases_elementwise import distinct
from .cases_linalg import rand
from .harness import Case, arrays, positive


# Constants are made on the device of the differentiated arrays (for the device tests).
def _fw(a):
    return np.ones_like(a) + np.arange(5, like=a) % 3  # frequency weights 1 2 3 1 2


def _sample(w):
    return np.reshape(np.sin(np.arange(10, like=w)), (5, 2))


def _hdd_edges(s):
    return np.concatenate(np.histogramdd(s, bins=(2, 3))[1])


def _h2d_edges(x, y):
    _, ex, ey = np.histogram2d(x, y, bins=[2, (np.arange(3, like=y) - 1) * 1.5])
    return np.concatenate((ex, ey))

CASES = [
    Case(np.cov, np.cov, (arrays((3, 5)),), complex=True),
    Case(np.cov, np.cov, (arrays((4,)),), name="cov-1d"),
    Case(np.cov, lambda m, y: np.cov(m, y, rowvar=False), (arrays((5, 2)), arrays((5,))),
         name="cov-y-columns", complex=True),
    Case(np.cov, lambda m: np.cov(m, bias=True), (arrays((2, 4)),), name="cov-bias"),
    Case(np.cov, lambda m: np.cov(m, ddof=2), (arrays((2, 5)),), name="cov-ddof"),
    Case(np.cov, lambda m, a: np.cov(m, fweights=_fw(a), aweights=a),
         (arrays((3, 5)), positive((5,), 0.5, 2.0)), name="cov-weights"),
    Case(np.cov, lambda m, a: np.cov(m, aweights=a, ddof=0),
         (arrays((2, 5)), positive((5,), 0.5, 2.0)), name="cov-aweights-ddof0", complex=True),
    # Random data (seeded): hypothesis' constant rows have no correlation.
    Case(np.corrcoef, np.corrcoef, (rand((3, 5)),), complex=True),
    Case(np.corrcoef, lambda x, y: np.corrcoef(x, y, rowvar=False),
         (rand((6, 2)), rand((6, 1))), name="corrcoef-y-columns"),
    Case(np.corrcoef, np.corrcoef, (rand((4,)),), name="corrcoef-one-variable"),
    Case(np.trapezoid, np.trapezoid, (arrays((3, 4)),), complex=True),
    Case(np.trapezoid, lambda y, x: np.trapezoid(y, x, axis=0), (arrays((3, 4)), arrays((3,))),
         name="trapezoid-x-1d", complex=True),
    Case(np.trapezoid, lambda y, x: np.trapezoid(y, x), (arrays((2, 4)), arrays((2, 4))),
         name="trapezoid-x-2d"),
    Case(np.trapezoid, lambda y, dx: np.trapezoid(y, dx=dx, axis=1), (arrays((2, 3, 2)),
                                                                     arrays(())),
         name="trapezoid-dx"),
    Case(np.histogram_bin_edges, lambda a: np.histogram_bin_edges(a, bins=4),
         (distinct((2, 3)),)),
    Case(np.histogram_bin_edges, lambda b: np.histogram_bin_edges(np.zeros_like(b, shape=2), b),
         (distinct((4,)).map(np.sort),), name="histogram_bin_edges-array"),
    # Counts change only when a sample crosses an edge: random (seeded) samples are far
    # from the edges, so finite differences see the smooth dependence (edges, density).
    Case(np.histogramdd, lambda w: np.histogramdd(_sample(w), bins=3, weights=w)[0],
         (arrays((5,)),), name="histogramdd-weights"),
    Case(np.histogramdd, _hdd_edges, (distinct((6, 2)),)),
    Case(np.histogramdd, lambda s: np.histogramdd(s, bins=2, density=True)[0], (rand((8, 2)),),
         name="histogramdd-density"),
    Case(np.histogram2d, lambda x, y, w: np.histogram2d(x, y, 2, density=True, weights=w)[0],
         (rand((8,)), rand((8,)), positive((8,), 0.5, 2.0))),
    Case(np.histogram2d, _h2d_edges, (distinct((5,)), rand((5,))), name="histogram2d-edges"),
]
