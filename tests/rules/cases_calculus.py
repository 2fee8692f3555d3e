"""Cases for rules/calculus.py: differences, interpolation, convolution, polynomials."""

import numpy as np

from .harness import Case, arrays

_m = arrays((3, 4))
_XP = np.array([-1.0, -0.3, 0.4, 1.1, 2.0])

CASES = [
    Case(np.diff, np.diff, (_m,), complex=True),
    Case(np.diff, lambda x: np.diff(x, n=2, axis=0), (arrays((4, 3)),), name="diff-n2-axis0"),
    Case(np.diff, lambda x, p, q: np.diff(x, prepend=p, append=q), (_m, arrays(()), arrays((3, 2))),
         name="diff-prepend-append"),
    Case(np.ediff1d, lambda x, e: np.ediff1d(x, to_end=e, to_begin=[1.0, 2.0]), (_m, arrays((2,)))),
    Case(np.gradient, np.gradient, (arrays((5,)),), complex=True),
    Case(np.gradient, lambda f: np.gradient(f, 0.5, axis=1, edge_order=2), (arrays((3, 5)),),
         name="gradient-spacing-edge2"),
    Case(np.gradient, lambda f: np.stack(np.gradient(f, 2.0, 0.3)), (arrays((3, 4)),),
         name="gradient-all-axes"),
    Case(np.gradient, lambda f: np.gradient(f, np.array([0.0, 0.5, 1.5, 1.7, 3.0]), edge_order=2),
         (arrays((5,)),), name="gradient-coordinates"),
    Case(np.interp, lambda fp: np.interp(np.array([-2.0, -0.5, 0.4, 0.7, 1.9, 3.0]), _XP, fp),
         (arrays((5,)),), complex=True),
    Case(np.interp, lambda fp: np.interp(np.array([[-2.0, 0.1], [2.5, 1.0]]), _XP, fp,
                                         left=-3.0, right=4.0), (arrays((5,)),),
         name="interp-left-right"),
    Case(np.interp, lambda x, fp: np.interp(x, _XP, fp), (arrays((4,), -0.9, 1.9,
                                                                away_from=list(_XP)),
                                                         arrays((5,))), name="interp-wrt-x"),
    Case(np.interp, lambda fp: np.interp(np.array([-4.0, 0.5, 7.3]), _XP, fp, period=2.5),
         (arrays((5,)),), name="interp-period"),
    Case(np.convolve, np.convolve, (arrays((4,)), arrays((2,))), complex=True),
    Case(np.convolve, lambda a, v: np.convolve(a, v, "same"), (arrays((2,)), arrays((5,))),
         name="convolve-same", complex=True),
    Case(np.convolve, lambda a, v: np.convolve(a, v, "valid"), (arrays((3,)), arrays((5,))),
         name="convolve-valid"),
    Case(np.convolve, lambda a, v: np.convolve(a, v, "same"), (arrays((6,)), arrays((3,))),
         name="convolve-same-long"),
    Case(np.correlate, np.correlate, (arrays((5,)), arrays((3,))), complex=True),
    Case(np.correlate, lambda a, v: np.correlate(a, v, "same"), (arrays((2,)), arrays((5,))),
         name="correlate-same", complex=True),
    Case(np.correlate, lambda a, v: np.correlate(a, v, "same"), (arrays((4,)), arrays((4,))),
         name="correlate-same-equal", complex=True),
    Case(np.correlate, lambda a, v: np.correlate(a, v, "full"), (arrays((3,)), arrays((4,))),
         name="correlate-full", complex=True),
    Case(np.polyval, np.polyval, (arrays((4,)), arrays((3, 2)),), complex=True),
]
