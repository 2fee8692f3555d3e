"""Optimizers (tf.compat.v1.train): update rules checked against hand-computed steps."""

import math

import numpy as np
import pytest

import gradarray as ga
from gradarray import train


def steps(opt, grads, v0=1.0, dtype=np.float64, shape=()):
    v = ga.Variable(np.full(shape, v0, dtype=dtype))
    out = []
    for g in grads:
        opt.apply_gradients([(np.full(shape, g), v)])
        out.append(v.numpy().copy())
    return v, out


def test_gradient_descent():
    _, (v1,) = steps(train.GradientDescentOptimizer(0.1), [0.5])
    assert v1 == pytest.approx(0.95, abs=1e-15)
    _, (v1,) = steps(train.GradientDescentOptimizer(0.1), [0.5], shape=(3,))
    np.testing.assert_allclose(v1, [0.95] * 3, rtol=1e-15)


def test_momentum():
    # accum = 0.9 accum + g; var -= 0.1 accum: 1 -> 0.9 -> 0.76
    _, (v1, v2) = steps(train.MomentumOptimizer(0.1, 0.9), [1.0, 0.5])
    assert v1 == pytest.approx(0.9, abs=1e-12) and v2 == pytest.approx(0.76, abs=1e-12)


def test_momentum_nesterov():
    # var -= lr g + lr momentum accum: 1 - 0.19 = 0.81; 0.81 - (0.05 + 0.126) = 0.634
    opt = train.MomentumOptimizer(0.1, 0.9, use_nesterov=True)
    _, (v1, v2) = steps(opt, [1.0, 0.5], shape=(2,))
    np.testing.assert_allclose(v1, 0.81, atol=1e-12)
    np.testing.assert_allclose(v2, 0.634, atol=1e-12)


def test_adam_defaults_and_bias_correction():
    opt = train.AdamOptimizer(0.1)
    assert (opt._beta1, opt._beta2, opt._epsilon) == (0.9, 0.999, 1e-8)
    v, (v1, v2) = steps(opt, [0.5, -0.25])
    # step 1: lr_t = 0.1 sqrt(0.001)/0.1, m = 0.05, v = 0.00025
    lr1 = 0.1 * math.sqrt(1 - 0.999) / (1 - 0.9)
    e1 = 1.0 - lr1 * 0.05 / (math.sqrt(0.00025) + 1e-8)
    assert v1 == pytest.approx(e1, abs=1e-14) and v1 == pytest.approx(0.9, abs=1e-6)
    # step 2: m = 0.02, v = 0.00031225, lr_t = 0.1 sqrt(1-0.999^2)/(1-0.81)
    lr2 = 0.1 * math.sqrt(1 - 0.999 ** 2) / (1 - 0.9 ** 2)
    e2 = e1 - lr2 * 0.02 / (math.sqrt(0.00031225) + 1e-8)
    assert v2 == pytest.approx(e2, abs=1e-14) and v2 == pytest.approx(0.873367, abs=1e-6)
    np.testing.assert_allclose(opt.get_slot(v, "m"), 0.02, atol=1e-15)
    np.testing.assert_allclose(opt.get_slot(v, "v"), 0.00031225, atol=1e-15)
    assert opt.get_slot_names() == ["m", "v"]


def test_adam_beta_powers_are_per_step_not_per_variable():
    opt = train.AdamOptimizer(0.1)
    a = ga.Variable(1.0)
    b = ga.Variable(1.0)
    opt.apply_gradients([(0.5, a), (0.5, b)])
    assert float(a) == float(b) == pytest.approx(0.9, abs=1e-6)
    assert opt._beta1_power == pytest.approx(0.81)


def test_rmsprop():
    # ms starts at 1: ms = 0.925; var -= 0.1 * 0.5 / sqrt(0.925 + 1e-10)
    opt = train.RMSPropOptimizer(0.1)
    v, (v1,) = steps(opt, [0.5])
    assert v1 == pytest.approx(1 - 0.05 / math.sqrt(0.925 + 1e-10), abs=1e-14)
    assert v1 == pytest.approx(0.9480125, abs=1e-6)
    np.testing.assert_allclose(opt.get_slot(v, "rms"), 0.925)


def test_rmsprop_centered_and_momentum():
    _, (v1,) = steps(train.RMSPropOptimizer(0.1, centered=True), [0.5])
    # mg = 0.05, denominator sqrt(0.925 - 0.0025 + eps)
    assert v1 == pytest.approx(1 - 0.05 / math.sqrt(0.9225 + 1e-10), abs=1e-14)
    _, (v1, v2) = steps(train.RMSPropOptimizer(0.1, momentum=0.5), [0.5, 0.5])
    m1 = 0.05 / math.sqrt(0.925)
    m2 = 0.5 * m1 + 0.05 / math.sqrt(0.9 * 0.925 + 0.025)
    assert v1 == pytest.approx(1 - m1, abs=1e-9) and v2 == pytest.approx(1 - m1 - m2, abs=1e-9)
    assert v2 == pytest.approx(0.8680238, abs=1e-6)


def test_adagrad():
    # accum = 0.1 + 0.25; var -= 0.1 * 0.5 / sqrt(0.35)
    opt = train.AdagradOptimizer(0.1)
    v, (v1,) = steps(opt, [0.5])
    assert v1 == pytest.approx(1 - 0.05 / math.sqrt(0.35), abs=1e-14)
    assert v1 == pytest.approx(0.9154846, abs=1e-6)
    np.testing.assert_allclose(opt.get_slot(v, "accumulator"), 0.35)
    with pytest.raises(ValueError, match="initial_accumulator_value must be positive"):
        train.AdagradOptimizer(0.1, initial_accumulator_value=0.0)


@pytest.mark.parametrize("make", [
    lambda: train.GradientDescentOptimizer(0.1),
    lambda: train.MomentumOptimizer(0.1, 0.9, use_nesterov=True),
    lambda: train.AdamOptimizer(0.1),
    lambda: train.RMSPropOptimizer(0.1, momentum=0.5, centered=True),
    lambda: train.AdagradOptimizer(0.1),
])
@pytest.mark.parametrize("shape", [(), (3,)])
def test_float32_variables_stay_float32_in_place(make, shape):
    opt = make()
    v = ga.Variable(np.ones(shape, np.float32))
    mem = v.__array_interface__["data"][0]
    ref = ga.Variable(np.ones(shape, np.float64))
    ref_opt = make()
    for g in (0.5, -0.25, 0.125):
        opt.apply_gradients([(np.full(shape, g), v)])  # float64 gradient, float32 variable
        ref_opt.apply_gradients([(np.full(shape, g), ref)])
    assert v.dtype == np.float32
    assert v.__array_interface__["data"][0] == mem
    np.testing.assert_allclose(v, ref, rtol=1e-5)
    assert not np.allclose(v, 1.0)


def test_none_gradients_are_skipped():
    a = ga.Variable(1.0)
    b = ga.Variable(1.0)
    train.GradientDescentOptimizer(0.5).apply_gradients([(None, a), (ga.tensor(1.0), b)])
    assert float(a) == 1.0 and float(b) == 0.5


def test_all_none_gradients_raise():
    a = ga.Variable(1.0, name="a")
    with pytest.raises(ValueError, match=r"No gradients provided for any variable: \['a:0'\]"):
        train.GradientDescentOptimizer(0.1).apply_gradients([(None, a)])
    with pytest.raises(ValueError, match="No variables provided"):
        train.GradientDescentOptimizer(0.1).apply_gradients([])


def test_non_variable_raises_type_error():
    t = ga.tensor(1.0)
    with pytest.raises(TypeError, match="can only update a gradarray Variable, got Tensor"):
        train.GradientDescentOptimizer(0.1).apply_gradients([(ga.tensor(1.0), t)])
    with pytest.raises(TypeError, match="got ndarray"):
        train.AdamOptimizer().apply_gradients([(1.0, np.ones(()))])
    with pytest.raises(TypeError, match=r"\(gradient, variable\) pairs"):
        train.AdamOptimizer().apply_gradients([ga.Variable(1.0)])


def test_gradient_shape_and_dtype_errors():
    v = ga.Variable(np.ones(2), name="w")
    opt = train.GradientDescentOptimizer(0.1)
    with pytest.raises(ValueError, match=r"shape \(3,\) does not match the shape \(2,\) of "
                                         "variable w:0"):
        opt.apply_gradients([(np.ones(3), v)])
    with pytest.raises(TypeError, match="complex128 cannot update w:0"):
        opt.apply_gradients([(np.ones(2) * 1j, v)])


def test_minimize_with_and_without_var_list():
    w = ga.Variable(3.0)
    b = ga.Variable(1.0)
    opt = train.GradientDescentOptimizer(0.1)
    assert opt.minimize(lambda: w * w + b) is None
    assert float(w) == pytest.approx(2.4) and float(b) == pytest.approx(0.9)
    opt.minimize(lambda: w * w + b, var_list=[b])
    assert float(w) == pytest.approx(2.4) and float(b) == pytest.approx(0.8)
    with pytest.raises(TypeError, match="loss must be a callable"):
        opt.minimize(w * w)
    with pytest.raises(TypeError, match="var_list must hold gradarray Variables"):
        opt.minimize(lambda: w * w, var_list=[ga.tensor(1.0)])


def test_compute_gradients_lists_pairs():
    w = ga.Variable(3.0)
    b = ga.Variable(1.0)
    gv = train.GradientDescentOptimizer(0.1).compute_gradients(lambda: w * 2.0, [w, b])
    assert float(gv[0][0]) == 2.0 and gv[0][1] is w
    assert gv[1][0] is None and gv[1][1] is b


def test_global_step_and_callable_learning_rate():
    w = ga.Variable(1.0)
    step = ga.Variable(0, trainable=False)
    lr = [0.5]
    opt = train.GradientDescentOptimizer(lambda: lr[0])
    opt.apply_gradients([(1.0, w)], global_step=step)
    lr[0] = 0.25
    opt.apply_gradients([(1.0, w)], global_step=step)
    assert float(w) == 0.25 and int(step) == 2


def test_seed_style_training_loop_converges():
    x = np.linspace(0, 1, 20)
    y = 3 * x - 1
    w = ga.Variable(0.0)
    b = ga.Variable(0.0)
    grad_fn = ga.implicit_value_and_gradients(lambda: np.mean((x * w + b - y) ** 2))
    opt = train.AdamOptimizer(0.1)
    for _ in range(500):
        _, gv = grad_fn()
        opt.apply_gradients(gv)
    assert float(w) == pytest.approx(3.0, abs=1e-2) and float(b) == pytest.approx(-1, abs=1e-2)
