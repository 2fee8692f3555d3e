"""Writes through views of views whose layout is not C order (a transpose, swapaxes, a
reshape of a transposed view): each write must replace exactly the region it covers.

A regression: the base's share of the gradient was masked with a boolean array shaped like
the gradient, and a transposed gradient made ``mask.reshape(-1)`` a copy, so the mask was
never written and the base kept the overwritten region's gradient too (silently wrong;
found through ``scipy.integrate.tanhsinh``)."""

from __future__ import annotations

import numpy as np
import pytest

import gradarray as ga

N = 6
WEIGHTS = np.arange(12.0).reshape(2, 6) + 1.0

VIEWS = {
    "reshape(T)": lambda fj: np.reshape(fj.T, (2, N // 2, 2)),
    "T[...]": lambda fj: fj.T[...],
    "T[:, :]": lambda fj: fj.T[:, :],
    "reshape(T[::1])": lambda fj: np.reshape(fj.T[::1], (2, N // 2, 2)),
    "reshape": lambda fj: np.reshape(fj, (2, 2, N // 2)),
    "swapaxes(reshape)": lambda fj: np.swapaxes(np.reshape(fj, (2, 2, N // 2)), 0, 1),
    "reshape(T)[...]": lambda fj: np.reshape(fj.T, (2, N // 2, 2))[...],
    "T[::-1]": lambda fj: fj.T[::-1],
}


def program(view):
    def f(a):
        fj = np.reshape(a, (2, 1)) * np.sin(np.ones((2, N)) * np.arange(N))
        v = view(fj)
        v[0][0] = a[0] * 3.0          # two writes through sub-views of the view
        v[1][0] = a[1] ** 2
        v[1][1:] *= a[0]
        return np.sum(fj * WEIGHTS)
    return f


def numeric(f, a, eps=1e-6):
    return np.array([(f(a + eps * e) - f(a - eps * e)) / (2 * eps) for e in np.eye(a.size)])


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("name", sorted(VIEWS))
def test_writes_through_sub_views_of_a_strided_view(name, dtype):
    f = program(VIEWS[name])
    a = np.array([0.7, -1.3])
    g = ga.grad(f)(a.astype(dtype))
    tol = dict(rtol=1e-3, atol=1e-3) if dtype == np.float32 else dict(rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(np.asarray(g, dtype=np.float64).view(np.ndarray),
                               numeric(f, a), **tol)
    assert g.dtype == dtype


@pytest.mark.parametrize("name", ["reshape(T)", "swapaxes(reshape)", "T[::-1]"])
def test_second_order(name):
    ga.testing.check_grads(program(VIEWS[name]), np.array([0.7, -1.3]), order=2,
                           modes=("rev",))


def test_scipy_tanhsinh_vectorised():
    si = pytest.importorskip("scipy.integrate")

    def f(a):
        return np.sum(si.tanhsinh(lambda x, a: a * x ** 2, 0, 1, args=(a,)).integral)

    np.testing.assert_allclose(ga.grad(f)(np.array([1.0, 2.0, 3.0])), 1 / 3, rtol=1e-10)
