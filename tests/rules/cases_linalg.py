"""Cases for rules/linalg.py.

Matrices come from seeded generators rather than element-wise hypothesis draws: those like
repeated values, which put norms on ties and factorizations on repeated eigenvalues.
"""

import numpy as np
from hypothesis import strategies as st

from .harness import Case, spd, square

inf = np.inf


def rand(shape, low=-1.0, high=1.0, away=0.0):
    """Uniform in [low, high]; with ``away``, |x| >= away (random signs)."""
    def make(seed):
        rng = np.random.default_rng(seed)
        x = rng.uniform(low, high, shape)
        if away:
            x = np.sign(x + (x == 0)) * (away + np.abs(x))
        return x
    return st.integers(0, 2**32 - 1).map(make)


def wellcond(shape, boost=3.0):
    """Random (..., m, n) plus ``boost`` on the diagonal: full rank, well conditioned."""
    m, n = shape[-2:]
    return rand(shape).map(lambda a: a + boost * np.eye(m, n))


def _gap(values, gap=0.2):
    v = np.sort(values, axis=-1)
    return v.shape[-1] < 2 or np.min(np.diff(v, axis=-1)) > gap


def symmetric(shape):
    """Symmetric matrices with well separated eigenvalues."""
    return rand(shape, -2, 2).map(lambda a: a + np.swapaxes(a, -1, -2)).filter(
        lambda a: _gap(np.linalg.eigvalsh(a)))


def distinct_sv(shape):
    """Matrices with well separated, nonzero singular values."""
    return rand(shape, -2, 2).filter(
        lambda a: _gap(np.linalg.svd(a, compute_uv=False)) and
        np.min(np.linalg.svd(a, compute_uv=False)) > 0.2)


def real_eig(shape):
    """Matrices with well separated eigenvalues (possibly complex)."""
    def ok(a):
        w = np.linalg.eigvals(a)
        d = np.abs(w[..., :, None] - w[..., None, :]) + np.eye(w.shape[-1]) * 10
        return np.min(d) > 0.3
    return rand(shape, -2, 2).filter(ok)


@st.composite
def solve_pair(draw, batch_a=(), b_shape=None):
    n = draw(st.integers(1, 4))
    a = draw(square(n=n)) + np.zeros(batch_a + (n, n))
    bs = (n,) if b_shape is None else b_shape(n)
    return a, draw(rand(bs))


def _c(key, fn, *inputs, name="", complex=False, **kw):
    return Case(key, fn, tuple(inputs), name=name, complex=complex, **kw)


def _pair(key, fn, strat, name="", complex=False, **kw):
    return Case(key, fn, (strat,), name=name, complex=complex, tuple_inputs=True, **kw)


la = np.linalg
VECTOR_ORDS = [None, 2, 1, inf, -inf, 0, 3, -1.5, 0.5]
MATRIX_ORDS = [None, "fro", "nuc", inf, -inf, 1, -1, 2, -2]

CASES = [
    # inverses and solvers
    _c(la.inv, la.inv, square(), complex=True),
    _c(la.inv, la.inv, square(batch=True), name="inv-batched", complex=True),
    _c(la.pinv, la.pinv, wellcond((4, 3)), complex=True),
    _c(la.pinv, la.pinv, wellcond((2, 3, 4)), name="pinv-wide-batched", complex=True),
    _pair(la.solve, la.solve, solve_pair(), name="solve-vector", complex=True),
    _pair(la.solve, la.solve, solve_pair(b_shape=lambda n: (n, 2)), name="solve-matrix",
          complex=True),
    _pair(la.solve, la.solve, solve_pair(batch_a=(2,)), name="solve-batched-vector"),
    _pair(la.solve, la.solve, solve_pair(b_shape=lambda n: (3, n, 2)),
          name="solve-batched-b", complex=True),
    _c(la.lstsq, lambda a, b: la.lstsq(a, b)[0], wellcond((4, 3)), rand((4, 2)),
       complex=True),
    _c(la.lstsq, lambda a, b: la.lstsq(a, b)[0], wellcond((3, 3)), rand((3,)),
       name="lstsq-square-vector"),
    _c(la.lstsq, lambda a, b: la.lstsq(a, b)[1], wellcond((4, 2)), rand((4, 3)),
       name="lstsq-residuals", complex=True),
    _c(la.lstsq, lambda a, b: la.lstsq(a, b)[1], wellcond((4, 2)), rand((4,)),
       name="lstsq-residuals-vector"),
    _c(la.lstsq, lambda a, b: la.lstsq(a, b)[3], distinct_sv((4, 3)), rand((4,)),
       name="lstsq-singular-values"),
    _c(la.matrix_power, lambda a: la.matrix_power(a, 3), square(), complex=True),
    _c(la.matrix_power, lambda a: la.matrix_power(a, 1), square(batch=True),
       name="matrix_power-1"),
    _c(la.matrix_power, lambda a: la.matrix_power(a, -2), square(batch=True),
       name="matrix_power-negative", complex=True),
    _c(la.matrix_power, lambda a: la.matrix_power(a, 0) * a, square(),
       name="matrix_power-0"),
    # determinants
    _c(la.det, la.det, square(), complex=True),
    _c(la.det, la.det, square(batch=True), name="det-batched"),
    _c(la.slogdet, lambda a: la.slogdet(a)[1], square(batch=True), complex=True),
    _c(la.slogdet, lambda a: la.slogdet(a)[0], square(), name="slogdet-sign",
       complex=True),
    _c(la.slogdet, lambda a: la.slogdet(a)[0] * la.slogdet(a)[1], rand((3, 3)),
       name="slogdet-negative"),
    # factorizations (one triangle read where NumPy reads one)
    _c(la.cholesky, la.cholesky, spd(), complex=True),
    _c(la.cholesky, lambda a: la.cholesky(a, upper=True), spd(), name="cholesky-upper",
       complex=True),
    _c(la.qr, lambda a: la.qr(a)[0], wellcond((4, 3)), name="qr-q"),
    _c(la.qr, lambda a: la.qr(a)[1], wellcond((2, 4, 3)), name="qr-r"),
    _c(la.qr, lambda a: la.qr(a)[0] * 2 + la.qr(a)[1], wellcond((3, 3)), name="qr-square"),
    _c(la.qr, lambda a: la.qr(a)[0] @ la.qr(a)[1][..., :2], wellcond((2, 4)),
       name="qr-wide"),
    _c(la.qr, lambda a: la.qr(a)[1] * 2, wellcond((2, 4)), name="qr-wide-r"),
    _c(la.eigh, lambda a: la.eigh(a)[0], symmetric((3, 3))),
    _c(la.eigh, lambda a: la.eigh(a)[1] ** 2, symmetric((2, 3, 3)), name="eigh-vectors"),
    _c(la.eigh, lambda a: la.eigh(a, UPLO="U")[1] ** 2 + la.eigh(a, UPLO="U")[0][..., None],
       symmetric((4, 4)), name="eigh-upper"),
    _c(la.eigh, lambda a: np.abs(la.eigh(a)[1]) ** 2, symmetric((3, 3)),
       name="eigh-vectors-gauge", complex=True),
    _c(la.eigvalsh, la.eigvalsh, symmetric((2, 3, 3)), complex=True),
    _c(la.eigvalsh, lambda a: la.eigvalsh(a, UPLO="U"), symmetric((3, 3)),
       name="eigvalsh-upper", complex=True),
    _c(la.svd, lambda a: la.svd(a, full_matrices=False)[1], distinct_sv((4, 3))),
    _c(la.svd, lambda a: la.svd(a, full_matrices=False)[0] ** 2, distinct_sv((4, 3)),
       name="svd-u-tall"),
    _c(la.svd, lambda a: la.svd(a, full_matrices=False)[2] ** 2, distinct_sv((4, 3)),
       name="svd-vh-tall"),
    _c(la.svd, lambda a: la.svd(a, full_matrices=False)[0] ** 2, distinct_sv((2, 3, 4)),
       name="svd-u-wide"),
    _c(la.svd, lambda a: la.svd(a, full_matrices=False)[2] ** 2, distinct_sv((3, 4)),
       name="svd-vh-wide"),
    _c(la.svd, lambda a: la.svd(a)[0] ** 2 + la.svd(a)[2] ** 2, distinct_sv((3, 3)),
       name="svd-square"),
    _c(la.svd, lambda a: np.abs(la.svd(a, full_matrices=False)[0]) ** 2
       @ np.abs(la.svd(a, full_matrices=False)[2]) ** 2, distinct_sv((4, 3)),
       name="svd-vectors-gauge", complex=True),
    _c(la.svd, lambda a: la.svd(a, compute_uv=False), distinct_sv((3, 4)),
       name="svd-values-only", complex=True),
    _c(la.svdvals, la.svdvals, distinct_sv((2, 4, 3)), complex=True),
    _c(la.eigvals, la.eigvals, real_eig((3, 3)), complex=True),
    _c(la.eig, lambda a: la.eig(a)[0], real_eig((2, 3, 3)), complex=True),
    _c(la.eig, lambda a: np.abs(la.eig(a)[1]) ** 2, real_eig((3, 3)), name="eig-vectors",
       complex=True),
    # norms
    *[_c(la.norm, lambda x, o=o: la.norm(x, o), rand((4,), away=0.2), name=f"norm-vec-{o}",
         complex=True) for o in VECTOR_ORDS],
    *[_c(la.norm, lambda x, o=o: la.norm(x, o, axis=1, keepdims=True),
         rand((2, 3, 2), away=0.2), name=f"norm-vec-axis-{o}") for o in VECTOR_ORDS],
    *[_c(la.norm, lambda x, o=o: la.norm(x, o), rand((3, 4), away=0.2),
         name=f"norm-mat-{o}", complex=True) for o in MATRIX_ORDS],
    *[_c(la.norm, lambda x, o=o: la.norm(x, o, axis=(2, 0), keepdims=k),
         rand((3, 2, 4), away=0.2), name=f"norm-mat-axes-{o}-{k}")
      for o in MATRIX_ORDS for k in (False, True)],
    _c(la.norm, la.norm, rand((2, 3, 2)), name="norm-flat"),
    _c(la.norm, lambda x: la.norm(x, keepdims=True), rand((2, 3)), name="norm-flat-keepdims",
       complex=True),
    *[_c(la.vector_norm, lambda x, o=o: la.vector_norm(x, ord=o, axis=(0, 2)),
         rand((2, 3, 2), away=0.2), name=f"vector_norm-{o}", complex=True)
      for o in [2, 1, inf, -inf, 0, 3, -1.5]],
    _c(la.vector_norm, la.vector_norm, rand((2, 3)), name="vector_norm-all"),
    _c(la.vector_norm, lambda x: la.vector_norm(x, axis=-1, keepdims=True), rand((2, 3)),
       name="vector_norm-keepdims"),
    *[_c(la.matrix_norm, lambda x, o=o: la.matrix_norm(x, ord=o), rand((2, 3, 4), away=0.2),
         name=f"matrix_norm-{o}", complex=True) for o in MATRIX_ORDS if o is not None],
    _c(la.matrix_norm, lambda x: la.matrix_norm(x, keepdims=True), rand((2, 3, 4)),
       name="matrix_norm-keepdims"),
]
