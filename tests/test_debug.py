"""Lost-tape warnings: what certainly loses the tape warns in every mode; debug mode adds the
raw-data hatches; silence where nothing is lost.  (Conversions that keep the tape are in
test_conversions.py.)"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import warnings

import numpy as np
import pytest

import gradarray as ga
from gradarray._state import STATE

PLAIN = np.zeros(3)   # a buffer made outside any gradient computation


@pytest.fixture
def debug():
    ga.set_debug(True)
    try:
        yield
    finally:
        ga.set_debug(False)


@pytest.fixture
def no_keep_tape():
    ga.set_keep_tape(False)
    try:
        yield
    finally:
        ga.set_keep_tape(True)


def _lost(fun, x=None):
    """The LostTapeWarnings raised while taking the gradient of ``fun``."""
    x = ga.tensor([1.0, 2.0, 3.0]) if x is None else x
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        g = ga.grad(fun)(x)
    return [r for r in w if issubclass(r.category, ga.LostTapeWarning)], g


def _line_of(marker: str) -> int:
    with open(__file__) as f:
        for n, line in enumerate(f, 1):
            if marker in line and "_line_of" not in line:
                return n
    raise AssertionError(marker)


def test_asarray_without_keep_tape_warns_in_debug_mode(debug, no_keep_tape):
    def f(x):
        y = np.asarray(x)  # MARK-asarray
        return np.sum(np.sin(y))

    w, g = _lost(f)
    assert len(w) == 1
    assert w[0].filename == os.path.abspath(__file__)
    assert w[0].lineno == _line_of("MARK-asarray")
    assert "numpy.asarray" in str(w[0].message)
    np.testing.assert_array_equal(g.numpy(), 0.0)   # and the gradient is indeed lost


@pytest.mark.parametrize("convert", [
    lambda x: np.array(x),
    lambda x: np.array(x, subok=True),
    lambda x: np.asanyarray(x, dtype=np.float32),
    lambda x: np.asarray_chkfinite(x),
    lambda x: np.array([x[0], x[1]]),
], ids=["array", "array-subok", "asanyarray-cast", "chkfinite", "list-of-0d"])
def test_numpy_conversions_without_keep_tape_warn_once(debug, no_keep_tape, convert):
    w, _ = _lost(lambda x: np.sum(convert(x)) + np.sum(x))
    assert len(w) == 1, [str(r.message) for r in w]
    assert w[0].filename == os.path.abspath(__file__)


def test_scalar_store_into_a_plain_ndarray_warns():
    def f(x):
        PLAIN[0] = x[0]  # MARK-setitem
        return np.sum(x) + np.sum(PLAIN)

    w, g = _lost(f)
    assert len(w) == 1 and w[0].lineno == _line_of("MARK-setitem")
    np.testing.assert_array_equal(g.numpy(), 1.0)   # PLAIN's part got lost


def test_buffer_made_while_recording_records_the_store():
    def f(x):
        buf = np.zeros(3)
        buf[0] = x[0] * 5
        buf[1:] = x[1:]
        return np.sum(x) + np.sum(buf)

    w, g = _lost(f)
    assert w == []
    np.testing.assert_array_equal(g.numpy(), [6.0, 2.0, 2.0])


@pytest.mark.parametrize("convert", [float, lambda t: t.item(), lambda t: t.tolist(),
                                     lambda t: complex(t), lambda t: int(t)],
                         ids=["float", "item", "tolist", "complex", "int"])
def test_python_number_conversions_warn_in_every_mode(convert):
    w, _ = _lost(lambda x: np.sum(x) * convert(np.sum(x)))
    assert len(w) == 1 and "of a recorded Tensor" in str(w[0].message)
    assert w[0].filename == os.path.abspath(__file__)


@pytest.mark.parametrize("convert", [lambda t: t.numpy()[()],
                                     lambda t: t.view(np.ndarray)[()]], ids=["numpy", "view"])
def test_raw_data_hatches_warn_in_debug_mode_only(convert):
    f = lambda x: np.sum(x) * convert(np.sum(x))  # noqa: E731
    assert _lost(f)[0] == []
    ga.set_debug(True)
    try:
        w, _ = _lost(f)
    finally:
        ga.set_debug(False)
    assert len(w) == 1 and "of a recorded Tensor" in str(w[0].message)


def test_out_into_plain_ndarray_warns():
    def f(x):
        np.sin(x, out=PLAIN)
        return np.sum(x)

    w, _ = _lost(f)
    assert len(w) == 1 and "out=" in str(w[0].message)


def test_silent_when_recorded_value_stays_recorded(debug):
    def f(x):
        y = np.asanyarray(x)              # the same Tensor: still recorded
        z = ga.asarray(np.asarray(y)) * 2
        return np.sum(np.tanh(z) @ z) + np.sum(np.asarray(np.ones(3)))

    w, g = _lost(f)
    assert w == []
    assert np.all(g.numpy() != 0)


def test_silent_outside_gradient_computation(debug):
    x = ga.tensor([1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.asarray(np.sin(x))
        float(np.sum(x))
        buf = np.zeros(2)
        buf[0] = x[0]
        x.numpy()


def test_set_debug_restores_the_tensor_class():
    before = ga.Tensor.__dict__["numpy"]
    ga.set_debug(True)
    try:
        assert ga.Tensor.__dict__["numpy"] is not before
    finally:
        ga.set_debug(False)
    assert ga.Tensor.__dict__["numpy"] is before
    ga.set_debug(False)   # idempotent
    assert ga.Tensor.__dict__["numpy"] is before


def test_debug_flag_is_per_thread(debug):
    seen = []

    def other():
        seen.append(STATE.debug)
        w, _ = _lost(lambda x: np.sum(x.numpy()) + np.sum(x))
        seen.append(len(w))

    t = threading.Thread(target=other)
    t.start()
    t.join()
    assert seen == [bool(os.environ.get("GRADARRAY_DEBUG", "") not in ("", "0")), 0]
    assert len(_lost(lambda x: np.sum(x.numpy()) + np.sum(x))[0]) == 1


def test_environment_variable_turns_debug_on():
    code = ("import warnings, numpy as np, gradarray as ga\n"
            "warnings.simplefilter('error')\n"
            "f = lambda x: np.sum(x.numpy()) + np.sum(x)\n"
            "try:\n    ga.grad(f)(ga.tensor([1.0]))\n"
            "except ga.LostTapeWarning as e:\n    print('WARNED', e)\n")
    env = dict(os.environ, GRADARRAY_DEBUG="1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=120)
    assert "WARNED .numpy()" in out.stdout, out.stderr
    env["GRADARRAY_DEBUG"] = "0"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0 and "WARNED" not in out.stdout, out.stderr


def test_not_seen_slice_copy_into_an_outside_buffer_documented(debug):
    # NumPy copies an n-d Tensor into a plain ndarray with no hook at all: not seen
    # (docs/lost-tape.md).  This pins the limitation so a change is noticed.
    def f(x):
        PLAIN[:2] = x[:2]
        return np.sum(x)

    w, _ = _lost(f)
    assert w == []


# ----------------------------------------------------------------------------- invisible writes

def _overwritten_through(alias):
    def f(x):
        y = x * 2.0
        z = y * y                      # saves y
        alias(y)[0] = 5.0              # a write gradarray does not see
        return np.sum(z)
    return f


@pytest.mark.parametrize("alias", [lambda y: y.numpy(), lambda y: y.view(np.ndarray),
                                   lambda y: np.frombuffer(memoryview(y), dtype=y.dtype)],
                         ids=["numpy", "view", "buffer"])
def test_debug_mode_catches_a_write_gradarray_cannot_see(debug, alias):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ga.LostTapeWarning)
        with pytest.raises(ga.MutatedSavedTensorError, match="cannot see"):
            ga.grad(_overwritten_through(alias))(np.array([1.0, 2.0]))


def test_without_debug_mode_an_invisible_write_is_not_seen():
    # Documented (docs/limitations.md): the gradient uses the new value, with no error.
    g = ga.grad(_overwritten_through(lambda y: y.numpy()))(np.array([1.0, 2.0]))
    np.testing.assert_allclose(g, [20.0, 16.0])


def test_debug_mode_leaves_seen_writes_and_gradients_alone(debug):
    def f(x):
        y = x * 1.0
        y[1:] = y[:-1] * x[1:]         # overwrites a saved value: copied first, not an error
        return np.sum(np.tanh(y) * y)
    x = np.array([0.3, -0.8, 1.1])
    ga.testing.check_grads(f, x, order=2, modes=("rev",))


def test_set_debug_restores_the_compiled_path():
    from gradarray import _compiled, graph

    was = _compiled.enabled()
    ga.set_debug(True)
    try:
        assert not _compiled.enabled()
    finally:
        ga.set_debug(False)
    assert _compiled.enabled() == was and "__init__" not in graph.Node.__dict__
