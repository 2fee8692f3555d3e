"""TF 1.x eager's four gradient functions (tfe), with TF's return structures and rules."""

import warnings

import numpy as np
import pytest

import gradarray as ga


def f_xy(x, y):
    return x ** 2 + y ** 3


# ----------------------------------------------------------------------------- gradients_function

def test_gradients_function_seed_example():
    grads = ga.gradients_function(f_xy)(1.0, 2.0)
    assert isinstance(grads, list) and len(grads) == 2
    assert [float(g) for g in grads] == [2.0, 12.0]
    assert all(isinstance(g, ga.Tensor) for g in grads)


def test_gradients_function_as_decorator_and_lists():
    @ga.gradients_function
    def f(x):
        return np.sum(x * x)

    (g,) = f([1.0, 2.0, 3.0])
    np.testing.assert_allclose(g, [2.0, 4.0, 6.0])


def test_params_by_index_and_by_name():
    assert [float(g) for g in ga.gradients_function(f_xy, params=[1])(1.0, 2.0)] == [12.0]
    assert [float(g) for g in ga.gradients_function(f_xy, params=["y", "x"])(1.0, 2.0)] == \
        [12.0, 2.0]


def test_params_errors():
    with pytest.raises(ValueError, match="all strings or all integers"):
        ga.gradients_function(f_xy, params=[0, "y"])
    with pytest.raises(ValueError, match="no parameter named 'z'.*\\['x', 'y'\\]"):
        ga.gradients_function(f_xy, params=["z"])
    with pytest.raises(ValueError, match="out of range"):
        ga.gradients_function(f_xy, params=[5])(1.0, 2.0)


def test_keyword_arguments_rejected_as_tf():
    with pytest.raises(ValueError, match="cannot receive keyword arguments"):
        ga.gradients_function(f_xy)(1.0, y=2.0)


def test_dy_output_gradient():
    g = ga.gradients_function(lambda x: x * x)(ga.tensor([1.0, 2.0]), dy=[3.0, 5.0])
    np.testing.assert_allclose(g[0], [6.0, 20.0])
    with pytest.raises(ValueError, match="does not match the output's shape"):
        ga.gradients_function(lambda x: x * x)(ga.tensor([1.0, 2.0]), dy=[1.0])


def test_unconnected_argument_gets_none():
    grads = ga.gradients_function(lambda x, y: x * 2.0)(1.0, 5.0)
    assert float(grads[0]) == 2.0 and grads[1] is None
    # Output independent of every argument.
    assert ga.gradients_function(lambda x: ga.tensor(1.0))(3.0) == [None]


def test_integer_argument_gets_none_with_warning():
    with pytest.warns(UserWarning, match="argument 1 has dtype int64.*gradient is None"):
        grads = ga.gradients_function(lambda x, n: x ** n)(3.0, 2)
    assert float(grads[0]) == 6.0 and grads[1] is None
    with pytest.warns(UserWarning, match="bool"):
        assert ga.gradients_function(lambda x, b: x * 2.0)(3.0, True)[1] is None


def test_non_scalar_output_is_summed():
    (g,) = ga.gradients_function(lambda x: x ** 2)(ga.tensor([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(g, [2.0, 4.0, 6.0])
    # Several outputs: the gradient of their sum.
    (g,) = ga.gradients_function(lambda x: [x * 2.0, x * x])(3.0)
    assert float(g) == 8.0


def test_function_returning_none_or_non_array():
    with pytest.raises(ValueError, match="returns None; did you forget to return a value"):
        ga.gradients_function(lambda x: None)(1.0)
    with pytest.raises(TypeError, match="must return arrays.*got str"):
        ga.gradients_function(lambda x: "loss")(1.0)


def test_value_and_gradients_function():
    value, grads = ga.value_and_gradients_function(f_xy)(1.0, 2.0)
    assert float(value) == 9.0
    assert value._node is None  # the value is returned as a constant
    assert [float(g) for g in grads] == [2.0, 12.0]


def test_second_order_by_nesting():
    d1 = ga.gradients_function(lambda x: x ** 3)
    d2 = ga.gradients_function(lambda x: d1(x)[0])
    assert float(d2(2.0)[0]) == 12.0


def test_float32_argument_keeps_its_dtype():
    (g,) = ga.gradients_function(lambda x: x * 2.0)(np.float32(1.5))
    assert g.dtype == np.float32


# ----------------------------------------------------------------------------- implicit

def test_implicit_gradients_seed_example():
    x = ga.Variable(1.0)
    y = ga.Variable(1.0)

    def f(t):
        return 2 * x * t

    result = ga.implicit_gradients(f)(1.0)
    assert len(result) == 1  # y is absent: never touched
    (g, v), = result
    assert v is x and float(g) == 2.0
    assert y is not v


def test_implicit_value_and_gradients():
    w = ga.Variable(np.array([1.0, 2.0]))
    value, gv = ga.implicit_value_and_gradients(lambda a: np.sum(w * a))(ga.tensor([3.0, 4.0]))
    assert float(value) == 11.0
    (g, v), = gv
    assert v is w
    np.testing.assert_allclose(g, [3.0, 4.0])


def test_implicit_order_is_creation_order():
    first = ga.Variable(1.0)
    second = ga.Variable(2.0)
    third = ga.Variable(3.0)
    gv = ga.implicit_gradients(lambda: third * second * first)()
    assert [id(v) for _, v in gv] == [id(first), id(second), id(third)]
    assert [float(g) for g, _ in gv] == [6.0, 3.0, 2.0]


def test_variable_read_without_influence_gets_none():
    a = ga.Variable(2.0)
    b = ga.Variable(5.0)

    def f():
        _ = b * 1.0  # read, then unused
        return a * 3.0

    gv = ga.implicit_gradients(f)()
    assert [v is a for _, v in gv] == [True, False]
    assert float(gv[0][0]) == 3.0 and gv[1][0] is None


def test_implicit_without_variables_raises():
    with pytest.raises(ValueError, match="No trainable variables were accessed"):
        ga.implicit_gradients(lambda x: x * 2.0)(1.0)


def test_non_trainable_variables_are_not_watched():
    a = ga.Variable(2.0)
    frozen = ga.Variable(5.0, trainable=False)
    gv = ga.implicit_gradients(lambda: a * frozen)()
    assert len(gv) == 1 and gv[0][1] is a and float(gv[0][0]) == 5.0


def test_implicit_non_scalar_output_is_summed():
    w = ga.Variable(np.array([1.0, 2.0]))
    (g, _), = ga.implicit_gradients(lambda: w * w)()
    np.testing.assert_allclose(g, [2.0, 4.0])


def test_mixed_float32_float64_kept_not_upcast():
    w32 = ga.Variable(np.float32(2.0))
    w64 = ga.Variable(3.0)
    x64 = np.array(1.5)
    gv = ga.implicit_gradients(lambda: w32 * x64 + w64 * x64)()
    dtypes = {id(v): g.dtype for g, v in gv}
    assert dtypes[id(w32)] == np.float32 and dtypes[id(w64)] == np.float64
    assert w32.dtype == np.float32


def test_implicit_calls_are_independent():
    w = ga.Variable(1.0)
    f = ga.implicit_gradients(lambda x: w * x)
    assert float(f(2.0)[0][0]) == 2.0
    assert float(f(5.0)[0][0]) == 5.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not ga.is_recording()
