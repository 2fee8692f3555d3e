"""Outside a gradient computation a Tensor behaves as the ndarray it is."""

import copy
import pickle

import numpy as np
import pytest

import gradarray as ga


def test_tensor_is_ndarray_subclass_and_copies():
    data = np.arange(6.0).reshape(2, 3)
    t = ga.tensor(data)
    assert isinstance(t, np.ndarray) and isinstance(t, ga.Tensor)
    data[0, 0] = 99
    assert t[0, 0] == 0  # ga.tensor copies
    a = ga.asarray(data)
    assert a[0, 0] == 99  # ga.asarray does not
    assert ga.asarray(t) is t


def test_dtypes_follow_numpy_and_nep50():
    x32 = ga.tensor([1.0, 2.0], dtype=np.float32)
    assert (x32 * 2.5).dtype == np.float32
    assert (x32 + np.float64(1)).dtype == np.float64
    assert ga.tensor([1, 2]).dtype == np.array([1, 2]).dtype
    assert ga.tensor(1.5).dtype == np.float64
    assert (ga.tensor([1, 2]) / 2).dtype == np.float64


def test_numpy_functions_return_tensors_with_numpy_values():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((3, 4))
    t = ga.tensor(a)
    for f in (np.sin, np.exp, lambda x: x @ x.T, lambda x: np.sum(x, axis=0),
              lambda x: x.reshape(4, 3), lambda x: x.T, lambda x: x[1:, ::-1],
              lambda x: np.concatenate([x, x]), lambda x: np.maximum(x, 0.0),
              lambda x: x.mean(), np.argmax, lambda x: x > 0):
        got = f(t)
        assert isinstance(got, ga.Tensor), f
        np.testing.assert_array_equal(got.numpy(), f(a))


def test_zero_d_results_are_tensors():
    t = ga.tensor([1.0, 2.0])
    s = np.sum(t)
    assert isinstance(s, ga.Tensor) and s.shape == ()
    assert isinstance(np.sin(ga.tensor(1.0)), ga.Tensor)


def test_python_interplay():
    t = ga.tensor([[1.0, -2.0], [3.0, 4.0]])
    assert len(t) == 2
    rows = list(t)
    assert all(isinstance(r, ga.Tensor) for r in rows)
    np.testing.assert_array_equal(rows[1].numpy(), [3.0, 4.0])
    s = ga.tensor(2.5)
    assert float(s) == 2.5 and int(s) == 2 and bool(s) and s.item() == 2.5
    assert abs(ga.tensor(-1.0)) <= 1.0
    assert isinstance(t.numpy(), np.ndarray) and type(t.numpy()) is np.ndarray
    assert np.shares_memory(t.numpy(), t)  # no copy
    with pytest.raises(TypeError):
        iter(ga.tensor(1.0)).__next__()


def test_printing():
    t = ga.tensor([1.0, 2.0])
    assert repr(t) == "Tensor([1., 2.])"
    assert str(t) == "[1. 2.]"


def test_pickle_and_copy_keep_data():
    t = ga.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32)
    for u in (pickle.loads(pickle.dumps(t)), copy.copy(t), copy.deepcopy(t), t.copy()):
        assert isinstance(u, ga.Tensor) and u.dtype == np.float32
        np.testing.assert_array_equal(u.numpy(), t.numpy())
        assert not np.shares_memory(u, t)
        np.testing.assert_array_equal(np.sin(u).numpy(), np.sin(t.numpy()))


def test_pickling_a_recorded_tensor_keeps_data_not_graph():
    seen = {}

    def f(x):
        y = np.sin(x)
        seen["y"] = pickle.loads(pickle.dumps(y))
        return np.sum(y)

    ga.grad(f)(ga.tensor([0.5, 1.0]))
    np.testing.assert_allclose(seen["y"].numpy(), np.sin([0.5, 1.0]))
    assert seen["y"]._node is None


def test_inplace_operators_outside_recording():
    t = ga.tensor([1.0, 2.0])
    t += 1
    t *= ga.tensor([2.0, 3.0])
    t[0] = 10
    np.testing.assert_array_equal(t.numpy(), [10.0, 9.0])


def test_methods_route_through_numpy():
    a = np.arange(12.0).reshape(3, 4)
    t = ga.tensor(a)
    checks = {
        "sum": (lambda x: x.sum(axis=1)), "prod": (lambda x: x.prod(axis=0)),
        "mean": (lambda x: x.mean()), "max": (lambda x: x.max(axis=1)),
        "min": (lambda x: x.min()), "cumsum": (lambda x: x.cumsum(axis=1)),
        "ravel": (lambda x: x.ravel()), "flatten": (lambda x: x.flatten()),
        "transpose": (lambda x: x.transpose(1, 0)), "swapaxes": (lambda x: x.swapaxes(0, 1)),
        "squeeze": (lambda x: x[None].squeeze(0)), "astype": (lambda x: x.astype(np.float32)),
        "clip": (lambda x: x.clip(2, 5)), "repeat": (lambda x: x.repeat(2, axis=0)),
        "take": (lambda x: x.take([0, 2], axis=1)), "diagonal": (lambda x: x.diagonal()),
        "dot": (lambda x: x.dot(x.T)), "T": (lambda x: x.T), "std": (lambda x: x.std()),
        "var": (lambda x: x.var(axis=0)), "round": (lambda x: (x / 3).round(1)),
    }
    for name, f in checks.items():
        got = f(t)
        assert isinstance(got, ga.Tensor), name
        np.testing.assert_allclose(got.numpy(), f(a), err_msg=name)


def test_setting_shape_or_dtype_in_place():
    x = ga.tensor(np.arange(6.0))
    x.shape = (2, 3)                 # untracked: the raw view follows, later calls see it
    assert x.shape == (2, 3) and x._raw.shape == (2, 3)
    np.testing.assert_array_equal((x + np.ones((2, 3))).numpy(), np.arange(6.0).reshape(2, 3) + 1)
    with pytest.raises(ValueError):
        x.shape = (4,)               # NumPy's own error, and nothing changed
    assert x.shape == (2, 3) and x._raw.shape == (2, 3)
    z = ga.tensor(np.zeros(2))
    z.dtype = np.int64
    assert z.dtype == np.int64 and z._raw.dtype == np.int64

    def f(x):
        y = x * 2.0
        y.shape = (3, 2)             # its node describes a (6,) array: refused, with the fix
        return np.sum(y)

    with pytest.raises(TypeError, match=r"y = y.reshape\(...\)"):
        ga.grad(f)(ga.tensor(np.arange(6.0)))
