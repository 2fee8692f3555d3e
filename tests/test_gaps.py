"""Issue 12's gaps: running extrema with ties, hypot.reduce at 0, vecdot's axis, ravel in
memory order, yn/stdtr/owens_t/gammainc against references, power at 0, jvp with lists of
numbers, and NoRuleError's names for SciPy's ufuncs.  (The finite-difference checks of each
rule, float32/float64 and order 2, are the cases in tests/rules/cases_gaps.py.)"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import gradarray as ga
from gradarray.errors import NoRuleError
from gradarray.registry import lookup_name
from gradarray.testing import check_grads

sc = pytest.importorskip("scipy.special")


def _grad(f, *args, argnums=0):
    return ga.grad(lambda *a: np.sum(f(*a)), argnums=argnums)(*args)


# ----- maximum/minimum.accumulate -----


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_running_max_ties_share_evenly(dtype):
    x = np.array([1.0, 1.0, 0.5, 1.0, 2.0, 2.0], dtype)
    g = _grad(np.maximum.accumulate, x)
    # ans = [1, 1, 1, 1, 2, 2]: each g[k] is split among the elements equal to ans[k] so far.
    np.testing.assert_allclose(g, [1 + 1 / 2 + 1 / 2 + 1 / 3, 1 / 2 + 1 / 2 + 1 / 3, 0, 1 / 3,
                                   1 + 1 / 2, 1 / 2], rtol=1e-6)
    assert g.dtype == dtype
    np.testing.assert_allclose(_grad(np.minimum.accumulate, -x), g, rtol=1e-6)


@given(st.lists(st.integers(-3, 3), min_size=1, max_size=12), st.sampled_from([0, 1]))
def test_running_extrema_match_a_reference_with_ties(values, which):
    """Against a direct O(n^2) count, on small integers (many ties)."""
    ufunc = (np.maximum, np.minimum)[which]
    x = np.array(values, dtype=float)
    w = np.linspace(1.0, 2.0, x.size)
    ans = ufunc.accumulate(x)
    ref = np.zeros_like(x)
    for k in range(x.size):
        ties = x[:k + 1] == ans[k]
        ref[:k + 1] += w[k] * ties / ties.sum()
    np.testing.assert_allclose(_grad(lambda x: ufunc.accumulate(x) * w, x), ref, rtol=1e-12)


def test_running_max_axis_and_batch():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 5, 4))
    for axis in (0, 1, -1):
        g = _grad(lambda x: np.maximum.accumulate(x, axis=axis) ** 2, x)
        ref = np.zeros_like(x)
        xm = np.moveaxis(x, axis, -1)
        rm = np.moveaxis(ref, axis, -1)
        am = np.maximum.accumulate(xm, axis=-1)
        for idx in np.ndindex(xm.shape[:-1]):
            for k in range(xm.shape[-1]):
                rm[idx + (int(np.argmax(xm[idx][:k + 1])),)] += 2 * am[idx + (k,)]
        np.testing.assert_allclose(g, ref, rtol=1e-12)
        check_grads(lambda x: np.maximum.accumulate(x, axis=axis), x, order=2)


# ----- hypot.reduce -----


def test_hypot_reduce_is_the_norm_and_zero_at_a_zero_slice():
    x = np.array([[0.0, 0.0, 0.0], [3.0, 0.0, 4.0]])
    g = _grad(lambda x: np.hypot.reduce(x, axis=1), x)
    np.testing.assert_array_equal(g, [[0, 0, 0], [0.6, 0, 0.8]])
    rng = np.random.default_rng(1)
    y = rng.uniform(0.5, 2, (4, 3)).astype(np.float32)
    g = _grad(lambda y: np.hypot.reduce(y, axis=0), y)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, _grad(lambda y: np.sqrt(np.sum(y * y, axis=0)), y), rtol=1e-6)


# ----- vecdot(axis=...) -----


@pytest.mark.parametrize("axis", [0, 1, -1, -3])
def test_vecdot_axis_complex_matches_sum_of_conj_product(axis):
    rng = np.random.default_rng(2)
    a = rng.normal(size=(3, 3, 3)) + 1j * rng.normal(size=(3, 3, 3))
    b = rng.normal(size=(3, 3, 3)) + 1j * rng.normal(size=(3, 3, 3))

    def loss(f):
        return lambda a, b: np.abs(f(a, b)) ** 2

    got = ga.grad(lambda a, b: np.sum(loss(lambda a, b: np.vecdot(a, b, axis=axis))(a, b)),
                  argnums=(0, 1))(a, b)
    ref = ga.grad(lambda a, b: np.sum(loss(lambda a, b: np.sum(np.conj(a) * b, axis=axis))(a, b)),
                  argnums=(0, 1))(a, b)
    for g, r in zip(got, ref):
        np.testing.assert_allclose(g, r, rtol=1e-12)
    check_grads(lambda a, b: np.vecdot(a, b, axis=axis), a, b, order=2)


# ----- ravel(order="K"/"A") -----


@st.composite
def _layouts(draw):
    """A view (transposed, reversed, strided, broadcast) of an array of flat indices."""
    nd = draw(st.integers(1, 4))
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=nd, max_size=nd)))
    perm = draw(st.permutations(range(nd)))
    steps = draw(st.lists(st.sampled_from([1, -1, 2, -2]), min_size=nd, max_size=nd))
    bcast = draw(st.integers(0, 2))
    fortran = draw(st.booleans())
    order = draw(st.sampled_from("KAkaCF"))

    def view(x):
        v = np.transpose(x, perm)[tuple(slice(None, None, s) for s in steps)]
        if bcast:
            v = np.broadcast_to(np.expand_dims(v, 0), (bcast,) + v.shape)
            v = np.swapaxes(v, 0, -1)
        return v

    base = np.arange(int(np.prod(shape)), dtype=float).reshape(shape)
    return (np.asfortranarray(base) if fortran else base), view, order


@given(_layouts(), st.sampled_from([np.float64, np.float32]))
def test_ravel_in_memory_order_sends_each_gradient_home(layout, dtype):
    base, view, order = layout
    x = ga.tensor(base.astype(dtype))
    idx = np.empty_like(x.numpy(), dtype=float)  # x's memory layout, holding flat indices
    idx[...] = np.arange(base.size).reshape(base.shape)
    out = np.ravel(view(idx), order=order)  # which element of x each position reads
    w = np.arange(1.0, out.size + 1)
    ref = np.zeros(base.size)
    np.add.at(ref, out.astype(int), w)
    g = _grad(lambda x: np.ravel(view(x), order=order) * w.astype(dtype), x)
    assert g.dtype == dtype
    np.testing.assert_array_equal(g.numpy().reshape(-1), ref)


def test_ravel_K_of_a_transpose_and_reshape_A():
    x = np.arange(6.0).reshape(2, 3)
    w = np.arange(6.0)
    np.testing.assert_array_equal(_grad(lambda x: np.ravel(x.T, order="K") * w, x), x)
    np.testing.assert_array_equal(_grad(lambda x: np.ravel(x.T, order="A") * w, x), x)
    np.testing.assert_array_equal(_grad(lambda x: np.reshape(x.T, -1, order="A") * w, x), x)
    np.testing.assert_array_equal(_grad(lambda x: x.T.ravel("K") * w, x), x)
    np.testing.assert_array_equal(_grad(lambda x: np.ravel(x.T) * w, x), [[0, 2, 4], [1, 3, 5]])


# ----- yn, stdtr, owens_t, gammainc/gammaincc in a -----


def test_yn_derivative_and_order_not_differentiable():
    x = np.array([0.7, 1.5, 4.0])
    for n in (0, 1, 3):
        np.testing.assert_allclose(_grad(lambda x: sc.yn(n, x), x), sc.yvp(n, x), rtol=1e-10)
    with pytest.raises(NoRuleError, match="scipy.special.yn is not differentiable"):
        _grad(lambda n: sc.yn(n, 2.0), ga.tensor([1.0, 2.0]))


def test_stdtr_in_t_is_the_density():
    from scipy import stats

    df = np.array([0.7, 3.0, 40.0, 1e8])
    t = np.array([-2.0, 0.3, 1.5, -0.4])
    np.testing.assert_allclose(_grad(lambda t: sc.stdtr(df, t), t), stats.t.pdf(t, df),
                               rtol=1e-7)


def test_owens_t_closed_forms():
    h = np.array([-2.0, -0.3, 0.0, 0.8, 2.5])
    a = np.array([0.5, -1.2, 3.0, 0.9, -0.1])
    gh, ga_ = ga.grad(lambda h, a: np.sum(sc.owens_t(h, a)), argnums=(0, 1))(h, a)
    eps = 1e-6  # central differences of SciPy's owens_t itself
    np.testing.assert_allclose(gh, (sc.owens_t(h + eps, a) - sc.owens_t(h - eps, a)) / (2 * eps),
                               rtol=1e-6, atol=1e-10)
    np.testing.assert_allclose(ga_, (sc.owens_t(h, a + eps) - sc.owens_t(h, a - eps)) / (2 * eps),
                               rtol=1e-6, atol=1e-10)


try:
    import mpmath
except ImportError:  # pragma: no cover
    mpmath = None
needs_mpmath = pytest.mark.skipif(mpmath is None, reason="mpmath is not installed")


def _mp_dP_da(a, x, order=1):
    # Differenced on the smaller tail: 1 - P would cancel at mpmath's precision too.
    mpmath.mp.dps = 40
    a, x = mpmath.mpf(a), mpmath.mpf(x)
    if mpmath.gammainc(a, 0, x, regularized=True) < 0.5:
        return float(mpmath.diff(lambda s: mpmath.gammainc(s, 0, x, regularized=True), a, order))
    return -float(mpmath.diff(lambda s: mpmath.gammainc(s, x, mpmath.inf, regularized=True), a,
                              order))


@needs_mpmath
def test_gammainc_in_a_against_mpmath():
    pts = [(a, x) for a in (0.01, 0.3, 1.0, 2.5, 10.0, 100.0, 1000.0)
           for x in (1e-3, 0.1, 1.0, 3.0, 10.0, 80.0, 1000.0, 3000.0)]
    a = np.array([p[0] for p in pts])
    x = np.array([p[1] for p in pts])
    got = _grad(lambda a: sc.gammainc(a, x), a).numpy()
    gotc = _grad(lambda a: sc.gammaincc(a, x), a).numpy()
    ref = np.array([_mp_dP_da(*p) for p in pts])
    tiny = np.abs(ref) < 1e-290  # below float64's normal range
    np.testing.assert_allclose(got[~tiny], ref[~tiny], rtol=1e-6)
    np.testing.assert_allclose(gotc[~tiny], -ref[~tiny], rtol=1e-6)


@needs_mpmath
def test_gammainc_second_derivative_in_a_against_mpmath():
    a = np.array([0.4, 1.5, 7.0, 30.0])
    x = np.array([0.8, 2.0, 5.0, 40.0])
    d2 = ga.grad(lambda a: np.sum(_grad(lambda a: sc.gammainc(a, x), a)))(a)
    ref = [_mp_dP_da(ai, xi, 2) for ai, xi in zip(a, x)]
    np.testing.assert_allclose(d2, ref, rtol=1e-5)


@needs_mpmath
def test_stdtr_in_df_against_mpmath():
    mpmath.mp.dps = 40

    def cdf(df, t):
        p = 0.5 * mpmath.betainc(df / 2, mpmath.mpf(1) / 2, 0, df / (df + t * t),
                                 regularized=True)
        return p if t < 0 else 1 - p

    pts = [(df, t) for df in (0.05, 0.5, 3.0, 30.0, 1e3, 1e4)
           for t in (-300.0, -10.0, -1.0, -0.01, 0.5, 8.0, 50.0)]
    df = np.array([p[0] for p in pts])
    t = np.array([p[1] for p in pts])
    got = _grad(lambda d: sc.stdtr(d, t), df).numpy()
    ref = np.array([float(mpmath.diff(lambda v: cdf(v, mpmath.mpf(ti)), mpmath.mpf(di)))
                    for di, ti in pts])
    tiny = np.abs(ref) < 1e-290  # below float64's normal range (SciPy's stdtr underflows)
    np.testing.assert_allclose(got[~tiny], ref[~tiny], rtol=1e-6)
    assert np.all(np.abs(got[tiny]) < 1e-270)
    assert _grad(lambda d: sc.stdtr(d, 0.0), np.array([2.0])) == 0


# ----- power at 0 -----


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_power_zero_exponent_at_zero(dtype):
    x = np.array([0.0, 1.5, -2.0], dtype)
    g = _grad(lambda x: np.power(x, 0.0), x)
    assert g.dtype == dtype
    np.testing.assert_array_equal(g, [0, 0, 0])
    np.testing.assert_array_equal(_grad(lambda x: x ** 0, x), [0, 0, 0])
    # Second order: x**0 is constant, x**1 has no curvature (0 * 0**-1 was nan).
    np.testing.assert_array_equal(ga.hessian(lambda x: np.sum(x ** 0.0))(x), np.zeros((3, 3)))
    h1 = ga.hessian(lambda x: np.sum(x ** 1.0))(x)
    np.testing.assert_array_equal(h1, np.zeros((3, 3)))
    assert h1.dtype == dtype


def test_power_exponent_gradient_conventions():
    # d/dy x**y = x**y log x, taken as 0 at x == 0 (JAX's convention; the limit for y > 0).
    x = np.array([0.0, 0.0, 2.0])
    y = np.array([0.0, 1.5, 0.0])
    gx, gy = ga.grad(lambda x, y: np.sum(x ** y), argnums=(0, 1))(x, y)
    np.testing.assert_allclose(gx, [0.0, 0.0, 0.0])
    np.testing.assert_allclose(gy, [0.0, 0.0, np.log(2.0)])
    # The mixed derivative d/dy (y x**(y-1)) = 1/x at y = 0 stays right away from x = 0.
    mixed = ga.grad(lambda y: np.sum(ga.grad(lambda x: np.sum(x ** y))(np.array([2.0]))))(
        np.array([0.0]))
    np.testing.assert_allclose(mixed, [0.5])
    check_grads(lambda x, y: x ** y, np.array([0.5, 2.0]), np.array([0.0, 0.0]), order=2)


# ----- jvp with lists of numbers -----


def test_jvp_pairs_a_list_of_numbers_as_one_array():
    out, t = ga.jvp(lambda xy: 3 * xy[0] + xy[1], ((0.2, 0.5),), ((1.0, 0.0),))
    np.testing.assert_allclose([out, t], [1.1, 3.0])
    out, t = ga.jvp(lambda xy: 3 * xy[0] + xy[1], ([0.2, 0.5],), ([0.0, 1.0],))
    np.testing.assert_allclose(t, 1.0)
    m = np.array([[1.0, 2.0], [3.0, 4.0]])
    _, t = ga.jvp(lambda a: np.sum(a * m), ([[0.2, 0.5], [1.0, 2.0]],),
                  ([[1.0, 0.0], [0.0, 1.0]],))
    np.testing.assert_allclose(t, 5.0)
    # A tree (not a list of numbers) is paired leaf by leaf, lists of numbers inside included.
    _, t = ga.jvp(lambda p, q: p[0] * q["k"][1],
                  ((ga.tensor(2.0), ga.tensor(3.0)), {"k": [1.0, 5.0]}),
                  ((1.0, 0.0), {"k": [0.0, 1.0]}))
    np.testing.assert_allclose(t, 7.0)


def test_jvp_refuses_mismatched_tangents():
    with pytest.raises(ValueError, match="tangent"):
        ga.jvp(lambda xy: xy[0] + xy[1], ((0.2, 0.5),), ((1.0, 0.0, 2.0),))
    with pytest.raises(ValueError, match="tangent"):
        ga.jvp(lambda x, y: x * y, (ga.tensor(1.0), ga.tensor(2.0)),
               ((ga.tensor(1.0), ga.tensor(1.0)), ga.tensor(1.0)))


# ----- NoRuleError names SciPy's ufuncs -----


def test_no_rule_error_names_scipy_special():
    with pytest.raises(NoRuleError, match=r"scipy\.special\.struve has no derivative rule"):
        _grad(lambda x: sc.struve(1.0, x), np.array([1.0, 2.0]))
    assert lookup_name(np.tanh) == "numpy.tanh"
    assert lookup_name((np.add, "outer")) == "numpy.add.outer"
    assert lookup_name(getattr(sc.struve, "__wrapped__", sc.struve)) == "scipy.special.struve"
    assert lookup_name((sc.xlogy, "outer")) == "scipy.special.xlogy.outer"
