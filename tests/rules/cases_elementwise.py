"""Cases for rules/elementwise.py (and the ``distinct`` strategy other case files share)."""

import numpy as np
from hypothesis import strategies as st

from .harness import Case, arrays, positive


def distinct(shape, step=0.3, offset=0.05):
    """Arrays of ``shape`` whose elements differ pairwise by at least ``step``.

    For rules that select (sort, max padding, clip at data-dependent bounds) finite
    differences need the selection to be stable under small perturbations.
    """
    size = int(np.prod(shape))
    return st.permutations(list(range(size))).map(
        lambda p: (np.array(p, dtype=float).reshape(shape) - size / 2) * step + offset)


_a = arrays()
_BAD = np.array([0.0, np.inf, np.nan, -np.inf])
# Values kept 0.1 away from the clip bounds (-0.5, 0.7), where clip has a kink.
_clip_in = arrays((3, 4), away_from=[-0.5, 0.7])

CASES = [
    Case(np.clip, lambda x: np.clip(x, -0.5, 0.7), (_clip_in,)),
    Case(np.clip, lambda x: np.clip(x, None, 0.7), (_clip_in,), name="clip-max-only"),
    Case(np.clip, lambda x: np.clip(x, min=-0.5), (_clip_in,), name="clip-min-keyword"),
    Case(np.clip, lambda x: x.clip(-0.5, 0.7), (_clip_in,), name="clip-method"),
    # array bounds: a = rows 0.05 + k*0.3, bounds between them
    Case(np.clip, lambda x, lo, hi: np.clip(x, lo, hi),
         (distinct((3, 4)), arrays((4,), -1.1, -0.9), arrays((3, 1), 0.9, 1.1)),
         name="clip-array-bounds"),
    Case(np.clip, lambda x, lo, hi: np.clip(x, lo, hi),
         (distinct((4,)), arrays((4,), 0.9, 1.1), arrays((4,), -1.1, -0.9)),
         name="clip-crossed-bounds"),
    Case(np.angle, np.angle, (arrays(away_from=[0.0]),), complex=True),
    Case(np.angle, lambda z: np.angle(z, deg=True), (arrays(away_from=[0.0]),), complex=True,
         name="angle-deg"),
    Case(np.unwrap, np.unwrap, (distinct((5,), step=1.9),)),
    Case(np.unwrap, lambda p: np.unwrap(p, axis=0, period=3.0), (distinct((4, 2), step=1.3),),
         name="unwrap-period"),
    Case(np.sinc, np.sinc, (_a,), complex=True),
    Case(np.sinc, np.sinc, (arrays(low=-1e-3, high=1e-3),), name="sinc-near-zero"),
    Case(np.i0, np.i0, (arrays(low=-12, high=12, away_from=[0.0, 8.0, -8.0]),)),
    Case(np.i0, np.i0, (positive(low=8.5, high=20.0),), name="i0-large"),
    Case(np.nan_to_num, lambda x: np.nan_to_num(
        np.where(_BAD != 0, _BAD, x), posinf=7.0), (arrays((4,)),)),
    Case(np.nan_to_num, lambda x: np.nan_to_num(x, nan=2.0), (_a,), complex=True,
         name="nan_to_num-finite"),
]
