"""GradientTape (TF2 style): watching, gradient, jacobians, persistence, nesting."""

import numpy as np
import pytest

import gradarray as ga


def test_watch_tensor_and_gradient():
    x = ga.tensor(3.0)
    with ga.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    g = tape.gradient(y, x)
    assert isinstance(g, ga.Tensor) and float(g) == 6.0


def test_variables_are_watched_automatically():
    v = ga.Variable([1.0, 2.0])
    with ga.GradientTape() as tape:
        y = np.sum(v ** 3)
    np.testing.assert_allclose(tape.gradient(y, v), [3.0, 12.0])
    assert [id(u) for u in tape.watched_variables()] == [id(v)]


def test_watch_accessed_variables_false():
    a = ga.Variable(2.0)
    b = ga.Variable(3.0)
    with ga.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(b)
        y = a * b
    ga_, gb = tape.gradient(y, [a, b])
    assert ga_ is None and float(gb) == 2.0
    assert [id(u) for u in tape.watched_variables()] == [id(b)]


def test_unwatched_constant_gets_none_or_zero():
    x = ga.tensor([1.0, 2.0])
    u = ga.tensor(5.0)
    with ga.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = np.sum(x * x)
    gx, gu = tape.gradient(y, [x, u])
    np.testing.assert_allclose(gx, [2.0, 4.0])
    assert gu is None
    gx, gu = tape.gradient(y, [x, u], unconnected_gradients="zero")
    assert float(gu) == 0.0 and gu.shape == ()
    with pytest.raises(ValueError, match="unconnected_gradients must be 'none' or 'zero'"):
        tape.gradient(y, x, unconnected_gradients="zeros")


def test_watched_but_unconnected_variable():
    a = ga.Variable(1.0)
    b = ga.Variable(2.0)
    with ga.GradientTape(persistent=True) as tape:
        _ = b + 0.0
        y = a * 4.0
    assert tape.gradient(y, b) is None
    assert float(tape.gradient(y, b, unconnected_gradients="zero")) == 0.0


def test_only_the_with_block_is_recorded():
    x = ga.tensor(2.0)
    with ga.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
    z = y * 10.0  # outside the block: not recorded (as TF)
    assert tape.gradient(z, x) is None
    assert float(tape.gradient(y, x)) == 4.0


def test_non_persistent_tape_used_twice_raises():
    x = ga.tensor(2.0)
    with ga.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match="non-persistent GradientTape can only be used to "
                                           "compute one set of gradients.*persistent=True"):
        tape.gradient(y, x)
    with pytest.raises(RuntimeError, match="non-persistent"):
        tape.jacobian(y, x)


def test_persistent_tape_reused():
    x = ga.tensor(2.0)
    with ga.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = y * y
    assert float(tape.gradient(y, x)) == 4.0
    assert float(tape.gradient(z, x)) == 32.0
    assert float(tape.gradient(z, y)) == 8.0  # with respect to an intermediate


def test_nested_sources_keep_structure():
    a = ga.tensor(1.0)
    b = ga.tensor([2.0, 3.0])
    with ga.GradientTape() as tape:
        tape.watch([a, {"b": b}])
        y = a * np.sum(b)
    g = tape.gradient(y, {"first": a, "rest": (b, [a])})
    assert set(g) == {"first", "rest"}
    assert float(g["first"]) == 5.0
    assert isinstance(g["rest"], tuple) and isinstance(g["rest"][1], list)
    np.testing.assert_allclose(g["rest"][0], [1.0, 1.0])
    assert float(g["rest"][1][0]) == 5.0


def test_output_gradients_and_summed_target():
    x = ga.tensor([1.0, 2.0])
    with ga.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x ** 2
        z = 2 * x
    np.testing.assert_allclose(tape.gradient(y, x), [2.0, 4.0])  # summed
    np.testing.assert_allclose(tape.gradient(y, x, output_gradients=ga.tensor([3.0, -1.0])),
                               [6.0, -4.0])
    # A list of targets: the gradient of their sum.
    np.testing.assert_allclose(tape.gradient([y, z], x), [4.0, 6.0])


def test_nested_tapes_give_second_order():
    x = ga.tensor(3.0)
    with ga.GradientTape() as outer:
        outer.watch(x)
        with ga.GradientTape() as inner:
            inner.watch(x)
            y = x ** 3
        dy = inner.gradient(y, x)
    d2y = outer.gradient(dy, x)
    assert float(dy) == 27.0
    assert float(d2y) == 18.0


def test_nested_tapes_with_variables():
    v = ga.Variable(2.0)
    with ga.GradientTape() as outer:
        with ga.GradientTape() as inner:
            y = v ** 4
        dy = inner.gradient(y, v)
    assert float(dy) == 32.0
    assert float(outer.gradient(dy, v)) == 48.0


def test_jacobian():
    x = ga.tensor([1.0, 2.0, 3.0])
    u = ga.tensor(1.0)
    with ga.GradientTape(persistent=True) as tape:
        tape.watch([x, u])
        y = x ** 2
    j = tape.jacobian(y, x)
    np.testing.assert_allclose(j, np.diag([2.0, 4.0, 6.0]))
    assert tape.jacobian(y, u) is None
    z = tape.jacobian(y, u, unconnected_gradients="zero")
    assert z.shape == (3,) and not np.any(z)
    w = ga.tensor([[1.0, 2.0], [3.0, 4.0]])
    with ga.GradientTape() as tape:
        tape.watch(w)
        y = w @ ga.tensor([1.0, -1.0])
    j = tape.jacobian(y, w)
    assert j.shape == (2, 2, 2)
    np.testing.assert_allclose(j[0], [[1.0, -1.0], [0.0, 0.0]])
    np.testing.assert_allclose(j[1], [[0.0, 0.0], [1.0, -1.0]])


def test_batch_jacobian():
    x = ga.tensor(np.arange(6.0).reshape(3, 2))
    with ga.GradientTape() as tape:
        tape.watch(x)
        y = np.sin(x) * 2.0
    j = tape.batch_jacobian(y, x)
    assert j.shape == (3, 2, 2)
    for i in range(3):
        np.testing.assert_allclose(j[i], np.diag(2 * np.cos(np.arange(6.0).reshape(3, 2)[i])))
    with ga.GradientTape() as tape:
        tape.watch(x)
        y = x[:2]
    with pytest.raises(ValueError, match="same first \\(batch\\) dimension"):
        tape.batch_jacobian(y, x)


def test_stop_recording():
    x = ga.tensor(2.0)
    with ga.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        with tape.stop_recording():
            z = x * 100.0
        y = y + z
    assert float(tape.gradient(y, x)) == 4.0  # z is a constant
    with pytest.raises(RuntimeError, match="only be used in a context manager"):
        with ga.GradientTape().stop_recording():
            pass


def test_reset_allows_reuse_and_forgets_variables():
    a = ga.Variable(1.0)
    b = ga.Variable(2.0)
    with ga.GradientTape() as tape:
        _ = a * 2.0
        tape.reset()
        y = b * 3.0
    assert [id(v) for v in tape.watched_variables()] == [id(b)]
    assert float(tape.gradient(y, b)) == 3.0
    tape.reset()
    assert tape.watched_variables() == ()


def test_watch_errors_and_integer_warning():
    tape = ga.GradientTape()
    with pytest.raises(TypeError, match="needs a gradarray Tensor or Variable, got ndarray"):
        tape.watch(np.ones(2))
    with pytest.warns(UserWarning, match="dtype int64.*not watched"):
        tape.watch(ga.tensor([1, 2]))
    with pytest.raises(TypeError, match="sources must be gradarray Tensors"):
        with ga.GradientTape() as t:
            y = ga.tensor(1.0)
        t.gradient(y, 1.0)


def test_gradient_inside_block_stops_non_persistent_recording():
    x = ga.tensor(2.0)
    with ga.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        g = tape.gradient(y, x)
        assert not ga.is_recording()
    assert float(g) == 4.0


def test_target_is_the_variable_itself():
    v = ga.Variable([1.0, 2.0])
    with ga.GradientTape() as tape:
        y = v + 0.0
    np.testing.assert_allclose(tape.gradient(y, v), [1.0, 1.0])


def test_mixed_dtypes_kept():
    v32 = ga.Variable(np.ones(2, np.float32))
    x64 = ga.tensor([1.0, 2.0])
    with ga.GradientTape() as tape:
        y = np.sum(v32 * x64)
    g = tape.gradient(y, v32)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, [1.0, 2.0])
