"""Cases for the rules added for issue 12's gaps: maximum/minimum.accumulate, hypot.reduce,
vecdot's axis/axes, ravel/reshape in memory order ("K", "A") on non-C-contiguous views, and
scipy.special's yn, stdtr, owens_t and gammainc/gammaincc in ``a``."""

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .harness import Case, arrays, broadcastable, positive, shapes

try:
    import scipy.special as sc
except ImportError:  # the special rules are not registered either
    sc = None


@st.composite
def distinct(draw, min_dims=1, max_dims=3):
    """Arrays whose elements are at least 0.2 apart: running extrema without ties or kinks."""
    shape = draw(shapes(min_dims=min_dims, max_dims=max_dims))
    n = int(np.prod(shape))
    perm = draw(st.permutations(range(n)))
    jitter = draw(hnp.arrays(np.float64, (n,), elements=st.floats(0.0, 0.1)))
    return np.reshape(0.3 * np.asarray(perm, dtype=float) - 0.15 * n + jitter, shape)


def _key(f):
    return getattr(f, "__wrapped__", f)


_a3 = arrays((2, 3, 4))
_pos = positive()

CASES = [
    # ----- running extrema -----
    Case((np.maximum, "accumulate"), lambda x: np.maximum.accumulate(x), (distinct(),)),
    Case((np.maximum, "accumulate"), lambda x: np.maximum.accumulate(x, axis=-1),
         (distinct(min_dims=2),), name="maximum.accumulate-last"),
    Case((np.minimum, "accumulate"), lambda x: np.minimum.accumulate(x), (distinct(),)),
    Case((np.minimum, "accumulate"), lambda x: np.minimum.accumulate(x, axis=1),
         (distinct(min_dims=2),), name="minimum.accumulate-1"),
    # ----- hypot.reduce (away from an all-zero slice) -----
    Case((np.hypot, "reduce"), lambda x: np.hypot.reduce(x), (positive(min_dims=1),)),
    Case((np.hypot, "reduce"), lambda x: np.hypot.reduce(x, axis=-1, keepdims=True),
         (arrays((3, 4), 0.2, 2.0),), name="hypot.reduce-keepdims"),
    Case((np.hypot, "reduce"),
         lambda x: np.hypot.reduce(x, axis=1, where=np.array([True, False, True])),
         (arrays((2, 3), 0.2, 2.0),), name="hypot.reduce-where"),
    # ----- vecdot along another axis (conj of the first argument) -----
    Case(np.vecdot, lambda a, b: np.vecdot(a, b, axis=0), (arrays((3, 2)), arrays((3, 1))),
         complex=True, name="vecdot-axis0"),
    Case(np.vecdot, lambda a, b: np.vecdot(a, b, axis=-2), (_a3, arrays((3, 1)),),
         complex=True, name="vecdot-axis-2"),
    Case(np.vecdot, lambda a, b: np.vecdot(a, b, axes=[(0,), (-1,), ()]),
         (arrays((4, 2)), arrays((2, 4))), complex=True, name="vecdot-axes"),
    Case(np.vecdot, np.vecdot, (arrays((2, 3)), arrays((3,))), complex=True,
         name="vecdot-complex"),
    # ----- ravel / reshape in memory order, on views that are not C-contiguous -----
    Case(np.ravel, lambda x: np.ravel(x.T, order="K"), (_a3,), complex=True, name="ravel-K-T"),
    Case(np.ravel, lambda x: np.ravel(np.swapaxes(x, 0, 2)[::-1, :, 1:], order="K"), (_a3,),
         name="ravel-K-strided"),
    Case(np.ravel, lambda x: np.ravel(np.transpose(x, (1, 0, 2))[:, :, ::2], order="k"),
         (_a3,), name="ravel-K-gaps"),
    Case(np.ravel, lambda x: np.ravel(x.T, order="A"), (_a3,), name="ravel-A-T"),
    Case(np.ravel, lambda x: np.ravel(x[:, ::2], order="A"), (_a3,), name="ravel-A-strided"),
    Case(np.ravel, lambda x: np.ravel(x, order="K") * 2.0, (arrays(),), name="ravel-K"),
    Case(np.reshape, lambda x: np.reshape(x.T, (4, 6), order="A"), (_a3,),
         name="reshape-A-T"),
]

if sc is not None:
    CASES += [
        Case(_key(sc.yn), lambda x: sc.yn(2, x), (_pos,), name="special.yn"),
        Case(_key(sc.yn), lambda x: sc.yn(0, x), (_pos,), name="special.yn-0"),
        Case(_key(sc.stdtr), sc.stdtr, (broadcastable(2, ranges=[(0.5, 10), (-3, 3)]),),
             tuple_inputs=True, name="special.stdtr"),
        Case(_key(sc.owens_t), sc.owens_t, (broadcastable(2, ranges=[(-3, 3), (-3, 3)]),),
             tuple_inputs=True, name="special.owens_t"),
        Case(_key(sc.gammainc), sc.gammainc, (broadcastable(2, ranges=[(0.3, 5), (0.1, 6)]),),
             tuple_inputs=True, name="special.gammainc-a"),
        Case(_key(sc.gammaincc), sc.gammaincc,
             (broadcastable(2, ranges=[(0.3, 5), (0.1, 6)]),), tuple_inputs=True,
             name="special.gammaincc-a"),
    ]
