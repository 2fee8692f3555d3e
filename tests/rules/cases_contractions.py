"""Cases for rules/contractions.py."""

import numpy as np

from .harness import Case, arrays

A = arrays


def _cross_2d() -> bool:
    """NumPy 2.5 removed np.cross of 2-element vectors (deprecated since 2.0)."""
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            np.cross([1.0, 2.0], [3.0, 4.0])
    except ValueError:
        return False
    return True


_CROSS_2D = _cross_2d()


def _c(key, fn, *inputs, name="", complex=True, **kw):
    return Case(key, fn, tuple(inputs), name=name, complex=complex, **kw)


CASES = [
    # einsum: explicit, implicit, ellipsis (broadcast), diagonals, traces, sums, sublists.
    _c(np.einsum, lambda a, b: np.einsum("ij,jk->ik", a, b), A((2, 3)), A((3, 4))),
    _c(np.einsum, lambda a, b: np.einsum("ij,jk", a, b), A((2, 3)), A((3, 4)),
       name="einsum-implicit"),
    _c(np.einsum, lambda a, b: np.einsum("Ba,aC", a, b), A((2, 3)), A((3, 4)),
       name="einsum-implicit-case"),
    _c(np.einsum, lambda a, b: np.einsum("...ij,...jk->...ik", a, b), A((2, 1, 2, 3)),
       A((3, 3, 2)), name="einsum-ellipsis-broadcast"),
    _c(np.einsum, lambda a, b: np.einsum("i...,i...", a, b), A((3, 2)), A((3, 1)),
       name="einsum-ellipsis-implicit"),
    _c(np.einsum, lambda a: np.einsum("ii->i", a), A((3, 3)), name="einsum-diagonal"),
    _c(np.einsum, lambda a: np.einsum("ii", a), A((3, 3)), name="einsum-trace"),
    _c(np.einsum, lambda a: np.einsum("iji->j", a), A((3, 2, 3)), name="einsum-repeat-sum"),
    _c(np.einsum, lambda a: np.einsum("ij->", a), A((2, 3)), name="einsum-sum-all"),
    _c(np.einsum, lambda a, b: np.einsum("ij,j->i", a, b), A((2, 3)), A((3,)),
       name="einsum-matvec"),
    _c(np.einsum, lambda a, b: np.einsum("ik,j->ij", a, b), A((2, 3)), A((4,)),
       name="einsum-summed-in-one"),
    _c(np.einsum, lambda a: np.einsum("ijk->kji", a), A((2, 3, 4)), name="einsum-transpose"),
    _c(np.einsum, lambda a, b, c: np.einsum("ij,jk,kl->il", a, b, c, optimize=True),
       A((2, 3)), A((3, 4)), A((4, 2)), name="einsum-optimize"),
    _c(np.einsum, lambda a, b, c: np.einsum("ij,jk,kl->il", a, b, c, optimize="greedy"),
       A((2, 3)), A((3, 4)), A((4, 2)), name="einsum-optimize-greedy"),
    _c(np.einsum, lambda a, b: np.einsum(a, [0, 1], b, [1, 2], [0, 2]), A((2, 3)), A((3, 4)),
       name="einsum-sublist"),
    _c(np.einsum, lambda a, b: np.einsum(a, [Ellipsis, 0], b, [0]), A((2, 3)), A((3,)),
       name="einsum-sublist-implicit"),
    _c(np.einsum, lambda a, b: np.einsum("i,i", a, b), A((1,)), A((3,)),
       name="einsum-broadcast-label"),
    # dot
    _c(np.dot, np.dot, A((3,)), A((3,)), name="dot-vec"),
    _c(np.dot, np.dot, A((2, 3)), A((3, 4)), name="dot-mat"),
    _c(np.dot, np.dot, A((2, 3, 4)), A((4,)), name="dot-nd-vec"),
    _c(np.dot, np.dot, A((2, 3, 4)), A((2, 4, 3)), name="dot-nd-nd"),
    _c(np.dot, np.dot, A(()), A((2, 3)), name="dot-scalar"),
    _c(np.dot, np.dot, A((4,)), A((2, 4, 3)), name="dot-vec-nd"),
    # vdot, inner, outer, tensordot, kron
    _c(np.vdot, np.vdot, A((2, 3)), A((6,))),
    _c(np.inner, np.inner, A((2, 3)), A((4, 3))),
    _c(np.inner, np.inner, A((3,)), A(()), name="inner-scalar"),
    _c(np.outer, np.outer, A((2, 2)), A((3,))),
    _c(np.tensordot, np.tensordot, A((2, 3, 4)), A((3, 4, 2))),
    _c(np.tensordot, lambda a, b: np.tensordot(a, b, axes=1), A((2, 3)), A((3, 4)),
       name="tensordot-int"),
    _c(np.tensordot, lambda a, b: np.tensordot(a, b, axes=([0, 2], [2, 1])), A((2, 3, 4)),
       A((3, 4, 2)), name="tensordot-pairs"),
    _c(np.tensordot, lambda a, b: np.tensordot(a, b, axes=(1, 0)), A((2, 3)), A((3, 2)),
       name="tensordot-pair-ints"),
    _c(np.kron, np.kron, A((2, 3)), A((2, 2))),
    _c(np.kron, np.kron, A((3,)), A((2, 1, 2)), name="kron-ndim"),
    # cross
    _c(np.cross, np.cross, A((2, 3)), A((3,))),
    _c(np.cross, lambda a, b: np.cross(a, b, axisa=0, axisb=1, axisc=0), A((3, 2)),
       A((2, 3)), name="cross-axes"),
    _c(np.cross, lambda a, b: np.cross(a, b, axis=0), A((3, 2)), A((3, 2)),
       name="cross-axis"),
    *([_c(np.cross, np.cross, A((4, 2)), A((2,)), name="cross-2d"),
       _c(np.cross, np.cross, A((2,)), A((4, 3)), name="cross-2d-3d")]
      if _CROSS_2D else []),
    # multi_dot (first a row vector, last a column vector)
    _c(np.linalg.multi_dot, lambda a, b, c: np.linalg.multi_dot([a, b, c]), A((2, 3)),
       A((3, 4)), A((4, 2))),
    _c(np.linalg.multi_dot, lambda a, b, c, d: np.linalg.multi_dot([a, b, c, d]), A((3,)),
       A((3, 4)), A((4, 2)), A((2,)), name="multi_dot-vectors"),
    # np.linalg Array API functions (composites)
    _c(np.linalg.matmul, np.linalg.matmul, A((2, 2, 3)), A((3, 4))),
    _c(np.linalg.outer, np.linalg.outer, A((2,)), A((3,))),
    _c(np.linalg.tensordot, lambda a, b: np.linalg.tensordot(a, b, axes=1), A((2, 3)),
       A((3, 4))),
    _c(np.linalg.vecdot, np.linalg.vecdot, A((2, 3)), A((3,))),
    _c(np.linalg.vecdot, lambda a, b: np.linalg.vecdot(a, b, axis=0), A((3, 2)), A((3, 1)),
       name="linalg.vecdot-axis"),
    _c(np.linalg.cross, lambda a, b: np.linalg.cross(a, b, axis=0), A((3, 2)), A((3, 2))),
    _c(np.linalg.trace, np.linalg.trace, A((2, 3, 3))),
    _c(np.linalg.trace, lambda a: np.linalg.trace(a, offset=1), A((3, 4)),
       name="linalg.trace-offset"),
    _c(np.linalg.diagonal, np.linalg.diagonal, A((2, 3, 4))),
    _c(np.linalg.diagonal, lambda a: np.linalg.diagonal(a, offset=-1), A((4, 3)),
       name="linalg.diagonal-offset"),
    _c(np.linalg.matrix_transpose, np.linalg.matrix_transpose, A((2, 3, 4))),
]
