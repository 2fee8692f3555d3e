"""NumPy's conversions keep the tape while recording (src/gradarray/conversions.py).

Every gradient here is compared with central differences, alone and inside a larger
objective ``f(x) + 0.5 * sum(x * x)`` (where "the output is unconnected" cannot see a loss),
in float32 and float64.  Where the tape is still lost, a warning must say so.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap
import threading
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradarray as ga
from gradarray import conversions
from gradarray._state import STATE

DTYPES = [np.float32, np.float64]


def numeric_grad(f, x, eps=None):
    x = np.array(x, dtype=np.float64)
    eps = eps or 1e-6
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        with ga.no_grad():
            g[i] = (float(np.sum(f(x + d))) - float(np.sum(f(x - d)))) / (2 * eps)
    return g


def check(f, x, dtype=np.float64):
    """f's gradient, alone and in a composite objective, against central differences."""
    x = np.asarray(x, dtype=dtype)
    tol = dict(rtol=2e-3, atol=2e-3) if dtype == np.float32 else dict(rtol=1e-6, atol=1e-8)
    for fun in (f, lambda x: f(x) + 0.5 * np.sum(x * x)):
        with warnings.catch_warnings():
            warnings.simplefilter("error", ga.LostTapeWarning)
            warnings.simplefilter("error", ga.UnconnectedGradientWarning)
            g = ga.grad(lambda x: np.sum(fun(x)))(x)
        assert g.dtype == dtype
        np.testing.assert_allclose(np.asarray(g, dtype=np.float64),
                                   numeric_grad(fun, x.astype(np.float64)), **tol)


X = np.array([0.3, -0.7, 1.2, 0.5])


# ----------------------------------------------------------------------------- each conversion

CONVERSIONS = {
    "asarray": lambda x: np.asarray(x) * x,
    "asarray-dtype": lambda x: np.asarray(x, dtype=np.float64) ** 2,
    "asarray-order-F": lambda x: np.sin(np.asarray(np.reshape(x, (2, 2)), order="F")),
    "array": lambda x: np.array(x) ** 3,
    "array-copy-false": lambda x: np.array(x, copy=False) * 2,
    "array-ndmin": lambda x: np.array(x, ndmin=3) * np.arange(4.0),
    "array-complex": lambda x: np.abs(np.array(x, dtype=np.complex128) * (1 + 2j)),
    "asanyarray": lambda x: np.asanyarray(x) * x,
    "asanyarray-cast": lambda x: np.asanyarray(x, dtype=np.float64) * x,
    "ascontiguousarray": lambda x: np.ascontiguousarray(np.reshape(x, (2, 2)).T) ** 2,
    "ascontiguousarray-0d": lambda x: np.ascontiguousarray(x[1]) * x,
    "asfortranarray": lambda x: np.asfortranarray(np.reshape(x, (2, 2))) ** 2,
    "asarray_chkfinite": lambda x: np.exp(np.asarray_chkfinite(x)),
    "require": lambda x: np.require(np.reshape(x, (2, 2)).T, requirements=["C", "W"]) ** 2,
    "list": lambda x: np.array([x[0] * 2, x[1] * 3, x[2], 4.0]) ** 2,
    "nested-list": lambda x: np.array([[x[0], x[1]], [x[2] * x[3], 1.0]]) @ np.array([1., 2]),
    "tuple-of-vectors": lambda x: np.asarray((x[:2], x[2:] ** 2)) * 3,
    "list-ndmin": lambda x: np.array([x[0], x[1]], ndmin=2) * x[2],
    "mean-of-list": lambda x: np.mean([x[0], x[1] * x[2]]) + x[3],
    "norm-of-list": lambda x: np.linalg.norm([x[0], x[1], x[3]]),
    "stack-of-arrays-list": lambda x: np.asarray([x, 2 * x]).sum(axis=0),
}


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("name", sorted(CONVERSIONS))
def test_conversion_keeps_the_tape(name, dtype):
    check(CONVERSIONS[name], X, dtype)


@pytest.mark.parametrize("name", sorted(CONVERSIONS))
def test_conversion_second_order(name):
    f = CONVERSIONS[name]
    x = X.astype(np.float64)
    ga.testing.check_grads(lambda x: np.sum(f(x)), x, order=2, modes=("rev",))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-2, 2), min_size=2, max_size=6),
       st.sampled_from([np.float32, np.float64]))
def test_list_of_scalars_on_random_data(vals, dtype):
    x = np.array(vals, dtype=dtype)
    f = lambda x: np.array([x[i] * (i + 1) for i in range(len(x))]) ** 2  # noqa: E731
    check(f, x, dtype)


def test_what_numpy_would_return_as_is_is_the_tensor_itself():
    def f(x):
        assert np.asarray(x) is x and np.asanyarray(x) is x
        assert np.array(x, copy=False) is x and np.asarray_chkfinite(x) is x
        y = np.array(x)       # NumPy copies: a recorded copy, not an alias
        assert y is not x and not np.shares_memory(y, x)
        assert type(np.asarray(x)) is ga.Tensor   # the one visible difference
        return np.sum(y)
    ga.grad(f)(X)


def test_values_and_dtypes_are_numpys():
    def f(x):
        for conv in (np.asarray, np.array, np.asanyarray, np.ascontiguousarray,
                     np.asfortranarray, np.asarray_chkfinite):
            for kw in ({}, {"dtype": np.float32}, {"dtype": np.complex64}):
                got = conv(x, **kw)
                want = conversions.ORIGINALS[conv.__name__](x.numpy(), **kw)
                assert got.dtype == want.dtype and got.shape == want.shape
                np.testing.assert_array_equal(np.asarray(got).view(np.ndarray), want)
        lst = [x[0], 1, x[1]]
        assert np.array(lst).dtype == conversions.ORIGINALS["array"]([0.0, 1, 0.0]).dtype
        return np.sum(x)
    ga.grad(f)(X)


def test_integer_casts_have_no_gradient_and_no_warning():
    def f(x):
        i = np.asarray(x * 10, dtype=np.int64)
        assert type(i) is np.ndarray and i.dtype == np.int64
        return np.sum(x[np.clip(i, 0, 3) % 4] ** 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = ga.grad(f)(X)
    assert np.all(np.isfinite(g))


def test_errors_are_numpys():
    def f(x):
        with pytest.raises(ValueError, match="infs or NaNs"):
            np.asarray_chkfinite(x / 0.0)
        with pytest.raises(ValueError, match="inhomogeneous"):
            np.array([x[0], x[:2]])
        with pytest.raises(ValueError):
            np.array(np.reshape(x, (2, 2)).T, copy=False, order="C")
        return np.sum(x)
    with np.errstate(divide="ignore"):
        ga.grad(f)(X)


def test_write_through_the_converted_alias_is_recorded():
    # NumPy returns the input itself: writing into it writes x (recorded, in place).
    def f(x):
        y = x * 1.0
        a = np.asarray(y)
        a[0] = a[1] * 3
        return np.sum(y ** 2)
    check(f, X)


# ----------------------------------------------------------------------------- allocations

def test_buffers_allocated_while_recording_record_their_writes():
    def f(x):
        out = np.empty(4)
        for i in range(4):
            out[i] = np.sin(x[i]) * (i + 1)     # scalar stores: recorded setitem
        acc = np.zeros((2, 2))
        acc[:, 0] = x[:2]                       # n-d store
        acc[:, 1] = np.full(2, 2.0) * x[2:]
        return np.sum(out) + np.sum(acc ** 2) + np.sum(np.ones(3) * x[0])
    for dt in DTYPES:
        check(f, X, dt)


def test_allocations_outside_recording_are_plain():
    assert type(np.zeros(3)) is np.ndarray and type(np.empty(2)) is np.ndarray

    def f(x):
        assert type(np.zeros(3, dtype=np.int64)) is np.ndarray   # no gradient can reach it
        return np.sum(x)
    ga.grad(f)(X)
    assert type(np.ones(3)) is np.ndarray


# ----------------------------------------------------------------------------- library code

def test_module_level_from_numpy_import_asarray_is_handled(tmp_path, monkeypatch):
    """A module that captured NumPy's function by name, imported before or after."""
    src = textwrap.dedent("""
        from numpy import asarray, array, empty, place
        def f(x):
            x = asarray(x)
            out = empty(x.shape)
            place(out, x > -10, x ** 2)
            return array([out[0], out[1]]) * 3 + x[2:]
    """)
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "captured_before.py").write_text(src)
    before = importlib.import_module("captured_before")
    ga.grad(lambda x: np.sum(x))(X)                  # conversions are installed by now
    (tmp_path / "captured_after.py").write_text(src)
    after = importlib.import_module("captured_after")
    for mod in (before, after):
        check(mod.f, X)


def test_scipy_stats_distribution_methods():
    st_ = pytest.importorskip("scipy.stats")
    check(lambda x: st_.norm.logpdf(x, 0.3, 1.2), X)
    check(lambda x: st_.norm.cdf(x), X)
    check(lambda x: st_.t.logpdf(x, 3.0), X)
    check(lambda x: st_.gamma.logpdf(np.abs(x) + 0.1, 2.0), X)


def test_scipy_special_and_array_api_compat_asarray():
    special = pytest.importorskip("scipy.special")
    check(lambda x: special.logsumexp(x), X)
    check(lambda x: special.softmax(x) * np.arange(4.0), X)
    check(lambda x: special.log_softmax(x) * np.arange(4.0), X)
    compat = pytest.importorskip("array_api_compat")
    check(lambda x: compat.array_namespace(x).asarray(x) ** 2, X)


def test_sklearn_check_array_and_metrics():
    pytest.importorskip("sklearn")
    from sklearn.metrics import mean_squared_error
    from sklearn.utils import check_array

    y = np.array([0.0, 1.0, 0.5, 0.2])
    check(lambda x: check_array(np.reshape(x, (2, 2))) ** 2, X)
    check(lambda x: mean_squared_error(y[:, None], x[:, None], multioutput="raw_values"), X)
    # The default returns float(...): the tape ends there, and that is said.
    w, _ = _warned(lambda x: mean_squared_error(y, x))
    assert w and "float()" in str(w[0].message) and "_regression.py" in w[0].filename


def test_compiled_library_code_warns():
    """Library functions with no recorded stand-in keep the tape up to their compiled code,
    which reads raw memory: that is said, never silent (alone and inside a larger
    objective)."""
    linalg = pytest.importorskip("scipy.linalg")
    ndimage = pytest.importorskip("scipy.ndimage")
    signal = pytest.importorskip("scipy.signal")
    for f in (lambda x: linalg.expm(np.reshape(x, (2, 2))),
              lambda x: ndimage.zoom(x, 1.5),
              lambda x: ndimage.median_filter(x, 3),
              lambda x: signal.sosfilt(signal.butter(2, 0.3, output="sos"), x)):
        w, _ = _warned(f)
        assert w and "compiled code" in str(w[0].message), [str(r.message) for r in w]
        assert w[0].filename != conversions.__file__


# ----------------------------------------------------------------------------- the machinery

def test_nothing_changes_outside_recording():
    t = ga.tensor(X)
    a = np.asarray(t)
    assert type(a) is np.ndarray and np.shares_memory(a, t)
    assert type(np.array([t[0], t[1]])) is np.ndarray


def test_threads_recording_and_not_recording():
    """One thread records while another converts: each sees its own behaviour."""
    x = ga.tensor(X)
    start, done = threading.Barrier(2), []

    def plain():
        start.wait()
        for _ in range(2000):
            assert type(np.asarray(x)) is np.ndarray
        done.append("plain")

    def recording():
        start.wait()
        for _ in range(200):
            g = ga.grad(lambda x: np.sum(np.asarray(x) ** 2))(x)
            np.testing.assert_allclose(g, 2 * X)
        done.append("rec")

    ts = [threading.Thread(target=plain), threading.Thread(target=recording)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert sorted(done) == ["plain", "rec"]


def test_nested_gradients_and_exceptions():
    def inner(x):
        return np.sum(np.asarray(x) ** 3)

    h = ga.grad(ga.grad(inner))(ga.tensor(0.7))
    np.testing.assert_allclose(h, 6 * 0.7)

    def boom(x):
        np.asarray(x)
        raise RuntimeError("boom")
    with pytest.raises(RuntimeError):
        ga.grad(boom)(X)
    assert not STATE.recording
    assert type(np.asarray(ga.tensor(X))) is np.ndarray


def test_switch_gives_numpys_behaviour_back():
    ga.set_keep_tape(False)
    try:
        assert not ga.keep_tape()
        with pytest.warns(ga.UnconnectedGradientWarning):
            g = ga.grad(lambda x: np.sum(np.asarray(x) ** 2))(X)
        np.testing.assert_array_equal(g, 0.0)
        ga.set_debug(True)
        try:
            with pytest.warns(ga.LostTapeWarning, match="set_keep_tape"):
                ga.grad(lambda x: np.sum(np.asarray(x) ** 2) + np.sum(x))(X)
        finally:
            ga.set_debug(False)
    finally:
        ga.set_keep_tape(True)
    np.testing.assert_allclose(ga.grad(lambda x: np.sum(np.asarray(x) ** 2))(X), 2 * X)


def test_environment_variable_installs_nothing():
    code = ("import numpy as np, gradarray as ga\n"
            "g = ga.grad(lambda x: np.sum(np.asarray(x) * x))(np.ones(2))\n"
            "print(np.asarray is ga.conversions.ORIGINALS['asarray'], g.tolist())\n")
    import os
    env = dict(os.environ, GRADARRAY_KEEP_TAPE="0")
    r = subprocess.run([sys.executable, "-W", "ignore", "-c", code], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.stdout.split() == ["True", "[1.0,", "1.0]"], r.stderr
    env["GRADARRAY_KEEP_TAPE"] = "1"
    r = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.stdout.split() == ["False", "[2.0,", "2.0]"], r.stderr


def test_wrappers_look_like_numpys_functions():
    ga.grad(lambda x: np.sum(x))(X)
    assert conversions.installed()
    for name in conversions.NAMES + conversions.ALLOCATIONS:
        f = getattr(np, name)
        assert f.__name__ == name and f.__doc__ == conversions.ORIGINALS[name].__doc__
        assert f.__wrapped__ is conversions.ORIGINALS[name]
    import pickle
    assert pickle.loads(pickle.dumps(np.asarray)) is np.asarray


# ----------------------------------------------------------------------------- no silent loss

PLAIN = np.ones((2, 4))   # made outside any gradient computation: a plain ndarray

def _warned(f, x=X):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        g = ga.grad(lambda x: np.sum(f(x)) + 0.5 * np.sum(x * x))(x)
    ours = [r for r in w if issubclass(r.category, (ga.LostTapeWarning,
                                                     ga.UnconnectedGradientWarning))]
    return ours, g


@pytest.mark.parametrize("lost", [
    lambda x: float(x[0] * 2),
    lambda x: (x[0] * 2).item(),
    lambda x: int(x[0] * 20),
    lambda x: complex(x[0] * 2).real,
    lambda x: sum((x * 2).tolist()),
    lambda x: __import__("math").log(np.exp(x[0])),
    lambda x: PLAIN.dot(x),
    lambda x: np.vectorize(lambda a: a * 2)(x),
], ids=["float", "item", "int", "complex", "tolist", "math.log", "plain.dot", "vectorize"])
def test_lost_inside_a_larger_objective_warns_at_the_users_line(lost):
    w, g = _warned(lost)
    assert w, "the tape was lost with no warning"
    assert w[0].filename == __file__, w[0].filename
    assert "recorded" in str(w[0].message)


def test_plain_buffer_from_outside_warns():
    buf = np.zeros(4)

    def f(x):
        np.copyto(buf, x * 2)
        np.sin(x, out=buf)
        buf[0] = x[0]                     # a 0-d store reads float(): seen
        return buf
    w, _ = _warned(f)
    assert len(w) >= 3 and all(r.filename == __file__ for r in w)
    assert any("plain ndarray" in str(r.message) for r in w)


def test_python_number_output_warns():
    with pytest.warns(ga.UnconnectedGradientWarning, match="Python int 3"):
        g = ga.grad(lambda x: 3)(X)
    np.testing.assert_array_equal(g, 0.0)
    with pytest.warns(ga.UnconnectedGradientWarning, match="Python float"):
        ga.grad(lambda x: float(np.sum(ga.stop_gradient(x))))(X)


def test_no_warning_where_nothing_is_lost():
    def f(x):
        n = float(ga.stop_gradient(x[0]))        # on purpose, off the tape
        if x[1] > 0:                             # control flow on a comparison
            pass
        return np.sum(np.asarray(x) * n) + np.sum(np.array([x[0], x[1]]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ga.grad(f)(X)


def test_nan_gradient_of_a_finite_value_warns():
    c = np.array([np.nan, 2.0, 1.0, 3.0])

    def f(x):   # the nan of x * c is masked out, but d(x * c)/dx * 0 = nan * 0 = nan
        y = x * c
        return np.sum(np.where(np.isnan(y), x, y))

    with pytest.warns(ga.NonFiniteGradientWarning, match="nan") as rec:
        g = ga.grad(f)(X)
    assert rec[0].filename == __file__
    assert np.isnan(g[0]) and np.allclose(g[1:], c[1:])
    with warnings.catch_warnings():   # an infinite derivative says so itself: no second one
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("error", ga.NonFiniteGradientWarning)
        ga.grad(lambda x: np.sum(np.sqrt(x)))(np.zeros(2))


def test_sklearn_standard_scaler_nan_gradient_is_said():
    pytest.importorskip("sklearn")
    from sklearn.preprocessing import StandardScaler

    with pytest.warns(ga.NonFiniteGradientWarning):
        ga.grad(lambda x: np.sum(StandardScaler().fit_transform(x) * np.arange(6.0)))(
            np.reshape(np.linspace(-1, 1, 12) ** 3, (2, 6)))
