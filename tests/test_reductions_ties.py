"""Exact gradients of reductions at ties, zeros and masks (the conventions the random
cases in tests/rules/cases_reductions.py stay away from)."""

import numpy as np
import pytest

import gradarray as ga
from gradarray.errors import UnsupportedArgument


def grad(f, *args, argnums=0):
    return ga.grad(f, argnums=argnums)(*[ga.tensor(np.asarray(a, dtype=float)) for a in args])


def assert_grad(f, x, expected):
    np.testing.assert_allclose(grad(f, x), expected, rtol=1e-12, atol=1e-15)


# ----- max/min: tied elements share the gradient equally

@pytest.mark.parametrize("f, x, expected", [
    (np.max, [1.0, 3.0, 3.0], [0.0, 0.5, 0.5]),
    (np.min, [2.0, 2.0, 2.0, 5.0], [1 / 3, 1 / 3, 1 / 3, 0.0]),
    (np.amax, [4.0, 1.0, 4.0], [0.5, 0.0, 0.5]),
    (np.amin, [4.0, 1.0, 4.0], [0.0, 1.0, 0.0]),
    (np.nanmax, [np.nan, 2.0, 2.0, 1.0], [0.0, 0.5, 0.5, 0.0]),
    (np.nanmin, [np.nan, 1.0, 2.0, 1.0], [0.0, 0.5, 0.0, 0.5]),
    (np.maximum.reduce, [1.0, 3.0, 3.0], [0.0, 0.5, 0.5]),
    (np.fmin.reduce, [np.nan, 0.0, 0.0], [0.0, 0.5, 0.5]),
    (np.ptp, [1.0, 1.0, 3.0], [-0.5, -0.5, 1.0]),
])
def test_extremum_ties(f, x, expected):
    assert_grad(lambda x: f(x), x, expected)


def test_max_axis_keepdims_where():
    x = [[1.0, 5.0, 5.0], [2.0, 2.0, 0.0]]
    w = np.array([1.0, 10.0])
    expected = [[0.0, 0.5, 0.5], [5.0, 5.0, 0.0]]
    assert_grad(lambda x: np.sum(np.max(x, axis=1) * w), x, expected)
    assert_grad(lambda x: np.sum(np.max(x, axis=-1, keepdims=True) * w[:, None]), x, expected)
    mask = np.array([True, False, True])
    assert_grad(lambda x: np.sum(np.max(x, axis=1, where=mask, initial=-np.inf) * w), x,
                [[0.0, 0.0, 1.0], [10.0, 0.0, 0.0]])


# ----- prod and cumprod with zeros (first and second derivatives)

@pytest.mark.parametrize("x, expected", [
    ([2.0, 3.0, 4.0], [12.0, 8.0, 6.0]),
    ([2.0, 0.0, 3.0], [0.0, 6.0, 0.0]),
    ([0.0, 0.0, 3.0], [0.0, 0.0, 0.0]),
])
def test_prod_zeros(x, expected):
    assert_grad(np.prod, x, expected)
    assert_grad(lambda x: np.multiply.reduce(x), x, expected)


def test_prod_zeros_hessian():
    np.testing.assert_allclose(ga.hessian(np.prod)(ga.tensor([2.0, 0.0, 3.0])),
                               [[0, 3, 0], [3, 0, 2], [0, 2, 0]], atol=1e-15)
    np.testing.assert_allclose(ga.hessian(np.prod)(ga.tensor([0.0, 0.0, 3.0])),
                               [[0, 3, 0], [3, 0, 0], [0, 0, 0]], atol=1e-15)


def test_prod_axis_where_initial():
    x = [[2.0, 0.0, 3.0], [1.0, 2.0, 3.0]]
    assert_grad(lambda x: np.sum(np.prod(x, axis=1, keepdims=True) * np.array([[1.0], [10.0]])), x,
                [[0.0, 6.0, 0.0], [60.0, 30.0, 20.0]])
    assert_grad(lambda x: np.prod(x, where=[True, False, True]), [2.0, 0.0, 3.0],
                [3.0, 0.0, 2.0])
    assert_grad(lambda x: np.prod(x, initial=2.0), [2.0, 0.0, 3.0], [0.0, 12.0, 0.0])
    assert_grad(lambda x: np.nanprod(x), [2.0, np.nan, 0.0], [0.0, 0.0, 2.0])


@pytest.mark.parametrize("x, expected", [
    ([2.0, 0.0, 3.0, 4.0], [1.0, 32.0, 0.0, 0.0]),
    ([0.0, 2.0, 0.0], [3.0, 0.0, 0.0]),
    ([1.0, 2.0, 3.0], [9.0, 4.0, 2.0]),
])
def test_cumprod_zeros(x, expected):
    assert_grad(lambda x: np.sum(np.cumprod(x)), x, expected)
    assert_grad(lambda x: np.sum(np.multiply.accumulate(x)), x, expected)
    assert_grad(lambda x: np.sum(np.cumulative_prod(x)), x, expected)


def test_cumprod_zeros_hessian():
    h = ga.hessian(lambda x: np.sum(np.cumprod(x)))(ga.tensor([2.0, 0.0, 3.0, 4.0]))
    np.testing.assert_allclose(h, [[0, 16, 0, 0], [16, 0, 10, 6], [0, 10, 0, 0],
                                   [0, 6, 0, 0]], atol=1e-15)


# ----- sums, means, variances with axis / keepdims / where

def test_sum_mean_where_keepdims():
    x = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    c = np.array([1.0, 2.0, 3.0])
    assert_grad(lambda x: np.sum(np.sum(x, axis=0, where=[True, False, True]) * c),
                x, [[1, 0, 3], [1, 0, 3]])
    assert_grad(lambda x: np.sum(np.add.reduce(x) * c), x, [[1, 2, 3]] * 2)
    assert_grad(lambda x: np.sum(np.mean(x, axis=0, keepdims=True) * c), x,
                [[0.5, 1.0, 1.5]] * 2)
    assert_grad(lambda x: np.mean(x, where=[True, False, True, True]), [1.0, 2.0, 3.0, 4.0],
                [1 / 3, 0, 1 / 3, 1 / 3])
    assert_grad(lambda x: np.nanmean(x), [1.0, np.nan, 3.0], [0.5, 0.0, 0.5])
    assert_grad(lambda x: np.nansum(x), [1.0, np.nan, 3.0], [1.0, 0.0, 1.0])


def test_var_std():
    x = [1.0, 2.0, 3.0, 4.0]
    d = np.array([-1.5, -0.5, 0.5, 1.5])
    assert_grad(np.var, x, 2 * d / 4)
    assert_grad(lambda x: np.var(x, ddof=1), x, 2 * d / 3)
    assert_grad(lambda x: np.var(x, correction=1), x, 2 * d / 3)
    assert_grad(np.std, x, d / (4 * np.sqrt(1.25)))
    m = 7 / 3  # mean of 1, 2, 4
    assert_grad(lambda x: np.var(x, where=[True, True, False, True]), x,
                [2 * (1 - m) / 3, 2 * (2 - m) / 3, 0.0, 2 * (4 - m) / 3])
    assert_grad(lambda x: np.nanvar(x), [1.0, np.nan, 3.0], [-1.0, 0.0, 1.0])
    # std of a constant slice: a kink, taken as 0 (as |x| at 0)
    assert_grad(np.std, [2.0, 2.0], [0.0, 0.0])


# ----- order statistics: ties share, interpolation weights are exact

@pytest.mark.parametrize("f, x, expected", [
    (np.median, [3.0, 1.0, 2.0], [0.0, 0.0, 1.0]),
    (np.median, [1.0, 2.0, 3.0, 4.0], [0.0, 0.5, 0.5, 0.0]),
    (np.median, [1.0, 3.0, 3.0], [0.0, 0.5, 0.5]),
    (np.median, [2.0, 2.0, 2.0, 1.0], [1 / 3, 1 / 3, 1 / 3, 0.0]),
    (np.nanmedian, [np.nan, 1.0, 3.0, 2.0], [0.0, 0.0, 0.0, 1.0]),
    (lambda x: np.percentile(x, 25), [0.0, 1.0, 2.0, 3.0, 4.0], [0.0, 1.0, 0.0, 0.0, 0.0]),
    (lambda x: np.quantile(x, 0.3), [4.0, 1.0, 3.0, 2.0], [0.0, 0.1, 0.0, 0.9]),
    (lambda x: np.quantile(x, 0.3, method="lower"), [4.0, 1.0, 3.0, 2.0], [0, 1, 0, 0]),
    (lambda x: np.quantile(x, 0.3, method="higher"), [4.0, 1.0, 3.0, 2.0], [0, 0, 0, 1]),
    (lambda x: np.nanpercentile(x, 50), [np.nan, 1.0, 3.0, 2.0], [0.0, 0.0, 0.0, 1.0]),
])
def test_order_statistics(f, x, expected):
    assert_grad(f, x, expected)


def test_quantile_grad_q():
    # d/dq of the linear interpolation: (s[hi] - s[lo]) * (n - 1)
    g = grad(lambda x, q: np.quantile(x, q), [4.0, 1.0, 3.0, 2.0], 0.3, argnums=1)
    np.testing.assert_allclose(g, 3.0)
    g = grad(lambda x, q: np.percentile(x, q), [4.0, 1.0, 3.0, 2.0], 30.0, argnums=1)
    np.testing.assert_allclose(g, 0.03)


def test_quantile_weights_unsupported():
    with pytest.raises(UnsupportedArgument):
        grad(lambda x: np.quantile(x, 0.5, method="inverted_cdf", weights=np.ones(3)),
             [1.0, 2.0, 3.0])


# ----- average, trace, scans

def test_average_weights():
    a, w = [1.0, 2.0, 3.0], [1.0, 1.0, 2.0]
    np.testing.assert_allclose(grad(lambda a, w: np.average(a, weights=w), a, w),
                               [0.25, 0.25, 0.5])
    np.testing.assert_allclose(grad(lambda a, w: np.average(a, weights=w), a, w, argnums=1),
                               (np.array(a) - 2.25) / 4)
    avg, scl = np.average(ga.tensor([[1.0, 2.0], [3.0, 5.0]]), axis=1, weights=[1.0, 3.0],
                          returned=True)
    np.testing.assert_allclose(avg, [1.75, 4.5])
    np.testing.assert_allclose(scl, [4.0, 4.0])


def test_trace_and_scans():
    assert_grad(lambda x: np.trace(x, 1), np.ones((2, 3)), [[0, 1, 0], [0, 0, 1]])
    assert_grad(lambda x: np.sum(np.cumsum(x)), [1.0, 2.0, 3.0], [3.0, 2.0, 1.0])
    assert_grad(lambda x: np.sum(np.cumulative_sum(x, include_initial=True)),
                [1.0, 2.0, 3.0], [3.0, 2.0, 1.0])
    assert_grad(lambda x: np.sum(np.nancumsum(x)), [1.0, np.nan, 3.0], [3.0, 0.0, 1.0])
    assert_grad(lambda x: np.sum(np.cumsum(x) * np.array([1.0, 10.0, 100.0, 1000.0])),
                [[1.0, 2.0], [3.0, 4.0]], [[1111.0, 1110.0], [1100.0, 1000.0]])
    # reduceat: [x0+x1+x2, x3 (3 > 1: a single element), x1+x2+x3+x4]
    assert_grad(lambda x: np.sum(np.add.reduceat(x, [0, 3, 1]) * np.array([1.0, 10.0, 100.0])),
                np.arange(5.0), [1.0, 101.0, 101.0, 110.0, 100.0])


def test_ufunc_reduce_where_with_out():
    # where= of a ufunc reduction must survive out= while recording
    m = np.array([True, False, True])

    def f(x):
        out = ga.tensor(np.zeros(2))
        np.add.reduce(x, axis=1, where=m, out=out)
        return np.sum(out * np.array([1.0, 10.0]))

    assert_grad(f, [[1.0, 5.0, 2.0], [4.0, 3.0, 6.0]], [[1, 0, 1], [10, 0, 10]])


def test_overwrite_input_refused():
    # NumPy may reorder the input in place, which the gradient reads: refuse, never a
    # wrong number
    with pytest.raises(UnsupportedArgument):
        grad(lambda x: np.median(x, overwrite_input=True), [1.0, 5.0, 2.0])


def test_std_of_equal_float32_values_has_zero_gradient():
    # Found by the long fuzz run: equal values whose float32 mean rounds give a spread at the
    # rounding level; the quotient of two rounding errors must not leak as a gradient.
    for v in np.random.default_rng(0).uniform(-3, 3, 200).astype(np.float32):
        f = lambda x: np.std(np.broadcast_to(np.reshape(x, (1,)), (3, 7)), axis=(0, 1))
        assert float(ga.grad(f)(ga.tensor(v))) == 0.0


# ----- elementwise maximum/minimum: a tie splits the gradient between the two inputs

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("f, dx, dy", [
    (np.maximum, [0.0, 0.5, 1.0], [1.0, 0.5, 0.0]),
    (np.minimum, [1.0, 0.5, 0.0], [0.0, 0.5, 1.0]),
])
def test_elementwise_extremum_ties(f, dx, dy, dtype):
    x = ga.tensor(np.array([1.0, 2.0, 3.0], dtype=dtype))
    y = ga.tensor(np.array([3.0, 2.0, 1.0], dtype=dtype))
    gx, gy = ga.grad(lambda x, y: np.sum(f(x, y)), argnums=(0, 1))(x, y)
    assert gx.dtype == dtype and gy.dtype == dtype
    np.testing.assert_array_equal(gx.numpy(), dx)
    np.testing.assert_array_equal(gy.numpy(), dy)
    # relu at 0 (a tie with the constant): half; no tie at all: exactly the indicator
    g = ga.grad(lambda x: np.sum(f(x, 2.0)))(x)
    assert g.dtype == dtype
    np.testing.assert_array_equal(g.numpy(), [dx[0], 0.5, dx[2]] if f is np.maximum
                                  else [1.0, 0.5, 0.0])
    g = ga.grad(lambda x: np.sum(f(x, 0.0) * 3.0))(x)
    np.testing.assert_array_equal(g.numpy(), [3.0] * 3 if f is np.maximum else [0.0] * 3)
