"""Variable: creation, in-place assignment, reads at the time of the read, recording."""

import copy
import pickle

import numpy as np
import pytest

import gradarray as ga


def test_creation_dtype_name_trainable():
    v = ga.Variable(1.0)
    assert v.dtype == np.float64  # NumPy's rule for Python floats (TF would say float32)
    assert v.shape == ()
    assert v.name == "Variable:0"
    assert v.trainable is True
    w = ga.Variable([1, 2], name="w", dtype=np.float32, trainable=False)
    assert w.dtype == np.float32 and w.shape == (2,)
    assert w.name == "w:0" and w.trainable is False
    assert isinstance(w, ga.Tensor) and isinstance(w, np.ndarray)
    assert ga.Variable(lambda: np.zeros(3)).shape == (3,)
    assert "w:0" in repr(w) and "float32" in repr(w)


def test_initial_value_is_copied():
    a = np.array([1.0, 2.0])
    v = ga.Variable(a)
    a[0] = 100.0
    assert v[0] == 1.0


def test_numpy_is_a_snapshot_and_value_is_recorded():
    v = ga.Variable([1.0, 2.0])
    snap = v.numpy()
    v.assign([5.0, 6.0])
    np.testing.assert_array_equal(snap, [1.0, 2.0])
    (g, var), = ga.implicit_gradients(lambda: np.sum(v.value() ** 2))()
    assert var is v
    np.testing.assert_allclose(g, [10.0, 12.0])


def test_assign_family_in_place():
    v = ga.Variable([1.0, 2.0])
    mem = v.__array_interface__["data"][0]
    assert v.assign([3.0, 4.0]) is v
    v.assign_add(np.array([1.0, 1.0]))
    v.assign_sub([0.5, 0.5])
    np.testing.assert_array_equal(v, [3.5, 4.5])
    assert v.__array_interface__["data"][0] == mem
    assert v.assign([0.0, 0.0], read_value=False) is None


def test_assign_shape_error():
    v = ga.Variable([1.0, 2.0], name="w")
    with pytest.raises(ValueError, match=r"shape \(3,\) does not match the shape \(2,\) of w:0"):
        v.assign([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="keeps its shape"):
        v.assign_add(1.0)


def test_assign_dtype_rules():
    v = ga.Variable(np.zeros(2, np.float32))
    v.assign(np.array([1.5, 2.5]))  # float64 into float32: same kind, kept float32
    assert v.dtype == np.float32
    np.testing.assert_array_equal(v, [1.5, 2.5])
    with pytest.raises(TypeError, match="cannot write a complex128 value into .* float32"):
        v.assign(np.array([1j, 2j]))
    with pytest.raises(TypeError, match="cannot write"):
        ga.Variable(np.zeros(2, np.int64)).assign(np.array([0.5, 1.5]))


def test_np_functions_on_a_variable_are_recorded():
    v = ga.Variable([0.0, 1.0])
    (g, _), = ga.implicit_gradients(lambda: np.sum(np.sin(v)))()
    np.testing.assert_allclose(g, np.cos([0.0, 1.0]))
    # Methods and indexing too.
    (g, _), = ga.implicit_gradients(lambda: v.sum() + v[1] * 3)()
    np.testing.assert_allclose(g, [1.0, 4.0])


def test_each_read_is_the_value_at_the_time_of_the_read():
    # TF: y = v*v (v=2) then v += 1, y += v*v (v=3): dy/dv = 2*2 + 2*3 = 10.
    v = ga.Variable(2.0)

    def f():
        y = v * v
        v.assign_add(1.0)
        return y + v * v

    value, [(g, var)] = ga.implicit_value_and_gradients(f)()
    assert var is v
    assert float(value) == 13.0
    assert float(g) == 10.0
    assert float(v) == 3.0


def test_read_at_time_of_read_with_tape_and_inplace_operator():
    v = ga.Variable(2.0)
    with ga.GradientTape() as tape:
        y = v * v
        v += 1.0  # an unrecorded update of the variable, as assign_add
        y = y + v * v
    assert float(tape.gradient(y, v)) == 10.0
    assert float(v) == 3.0


def test_optimizer_step_does_not_corrupt_a_recorded_read():
    v = ga.Variable(np.array([1.0, 2.0]))
    with ga.GradientTape() as tape:
        y = np.sum(v * v)
    ga.train.GradientDescentOptimizer(1.0).apply_gradients([(np.array([10.0, 10.0]), v)])
    np.testing.assert_array_equal(v, [-9.0, -8.0])
    np.testing.assert_allclose(tape.gradient(y, v), [2.0, 4.0])


def test_no_copy_when_no_recorded_read_is_alive():
    v = ga.Variable(np.ones(3))
    with ga.GradientTape() as tape:
        y = np.sum(v * v)
    del tape, y
    assert all(r() is None for r in v._readers)
    v.assign_add(np.ones(3))
    assert len(v._readers) == 0


def test_readers_list_stays_bounded():
    v = ga.Variable(np.ones(2))
    for _ in range(500):
        ga.implicit_gradients(lambda: np.sum(v * v))()
    assert len(v._readers) <= 128


def test_creation_order_counter():
    a = ga.Variable(1.0)
    b = ga.Variable(1.0)
    assert a._order < b._order


def test_integer_variable_is_not_differentiated():
    i = ga.Variable(3)
    x = ga.Variable(2.0)
    assert i.dtype.kind == "i"
    # Read, so listed (creation order), but an integer has no gradient: None, as in TF,
    # with a warning (tests/test_new_user.py pins its text).
    with pytest.warns(UserWarning, match="has dtype int64"):
        [(gi, vi), (gx, vx)] = ga.implicit_gradients(lambda: x * i)()
    assert vi is i and gi is None
    assert vx is x and float(gx) == 3.0


def test_pickle_and_deepcopy_give_variables():
    v = ga.Variable([1.0, 2.0], name="w", trainable=False)
    for c in (pickle.loads(pickle.dumps(v)), copy.deepcopy(v)):
        assert isinstance(c, ga.Variable)
        assert c.name == "w:0" and c.trainable is False
        np.testing.assert_array_equal(c, [1.0, 2.0])
        c.assign([0.0, 0.0])
        np.testing.assert_array_equal(v, [1.0, 2.0])


def test_results_of_operations_are_tensors_not_variables():
    v = ga.Variable([1.0, 2.0])
    assert type(v + 1) is ga.Tensor
    assert type(np.sin(v)) is ga.Tensor
