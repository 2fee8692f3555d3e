"""Copy-on-write: an in-place write gradarray sees first copies the saved values it would
overwrite (only those of live recorded calls, only where they overlap the written region),
so recurrences and dynamic programming that write into the array they read from
differentiate correctly.  A write gradarray does not see cannot be copied: see the tests at
the end for what happens then."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import gradarray as ga
from gradarray import graph
from gradarray.testing import check_grads
from gradarray.transforms import Trace, make_source

RNG = np.random.default_rng(13)
DTYPES = [np.float64, np.float32]


def _x(shape, dtype=np.float64):
    return RNG.uniform(0.5, 1.5, shape).astype(dtype)


class _Copies:
    """Counts the saved arrays (and bytes) the writes inside the block copied."""

    def __enter__(self):
        self._start = list(graph.SNAPSHOTS)
        return self

    def __exit__(self, *exc):
        self.arrays = graph.SNAPSHOTS[0] - self._start[0]
        self.bytes = graph.SNAPSHOTS[1] - self._start[1]


# ----------------------------------------------------------------------------- programs
# Each: (mutating program, the same program written without mutation).
def shift_rows(x):
    y = x * 1
    y[1:, :] = y[:-1, :] * x[1:, :]     # the saved y[:-1] overlaps the written y[1:]
    return y


def shift_rows_pure(x):
    return np.concatenate([x[:1], x[:-1] * x[1:]])


def disjoint_row(x):
    y = x * 1
    y[1] = y[0] * y[2]                  # saved views of y, a disjoint row is written
    return y


def disjoint_row_pure(x):
    return np.stack([x[0], x[0] * x[2]] + [x[k] for k in range(2, len(x))])


def cumulative_product(x):
    y = x * 1
    for i in range(1, len(x)):
        y[i] = y[i - 1] * x[i]          # DP: each step reads the previous one
    return y


def cumulative_product_pure(x):
    rows = [x[0]]
    for i in range(1, len(x)):
        rows.append(rows[-1] * x[i])
    return np.stack(rows)


def column_recurrence(x):
    y = x * 1
    for j in range(1, x.shape[1]):
        y[:, j] = np.sin(y[:, j - 1]) + x[:, j]   # strided columns of a row-major array
    return y


def column_recurrence_pure(x):
    cols = [x[:, 0]]
    for j in range(1, x.shape[1]):
        cols.append(np.sin(cols[-1]) + x[:, j])
    return np.stack(cols, axis=1)


def imul_saved(x):
    y = np.exp(x)                       # exp saves its output y ...
    z = y * x                           # ... and multiply saves y and x
    y *= x                              # overwrites both saved y
    return y + z


def imul_saved_pure(x):
    return np.exp(x) * x * 2


def view_saved_then_base_written(x):
    y = x * 1
    v = y[:, 1:]
    z = np.tanh(v)                      # tanh saves its output; v ** 2 saves v
    w = v ** 2
    y[...] = 0.5                        # the base is written: v's old values are needed
    return z + w + y[:, 1:]


def view_saved_then_base_written_pure(x):
    return np.tanh(x[:, 1:]) + x[:, 1:] ** 2 + 0.5


def out_into_saved(x):
    y = x * 1
    z = np.sin(y)
    np.multiply(y, x, out=y)            # out= over sin's saved input
    return z * y


def out_into_saved_pure(x):
    return np.sin(x) * x * x


def add_at_saved(x):
    y = x * 1
    z = y ** 3
    np.add.at(y, (np.array([0, 0, 2]),), x[1])
    return z + y


def add_at_saved_pure(x):
    return x ** 3 + np.concatenate([x[:1] + 2 * x[1], x[1:2], x[2:3] + x[1], x[3:]])


def self_referencing_view(x):
    z = x * 1
    v = z[1:]
    v += np.sin(v)                      # sin saved v, which the += overwrites
    return z * z


def self_referencing_view_pure(x):
    return np.concatenate([x[:1], x[1:] + np.sin(x[1:])]) ** 2


PROGRAMS = [shift_rows, disjoint_row, cumulative_product, column_recurrence, imul_saved,
            view_saved_then_base_written, out_into_saved, add_at_saved,
            self_referencing_view]
PURE = {f: globals()[f.__name__ + "_pure"] for f in PROGRAMS}
IDS = [f.__name__ for f in PROGRAMS]


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize("f", PROGRAMS, ids=IDS)
def test_finite_differences_to_second_order(f, dtype):
    check_grads(f, _x((4, 3), dtype), order=2)


@pytest.mark.parametrize("f", PROGRAMS, ids=IDS)
def test_same_gradients_as_without_mutation(f):
    x = _x((4, 3))
    w = RNG.standard_normal((4, 3))
    u = RNG.standard_normal((4, 3))

    def loss(g):
        def scalar(x):
            out = g(x)
            return np.sum(out * w[:, :out.shape[-1]])
        return scalar

    np.testing.assert_allclose(f(x.copy()), PURE[f](x), rtol=1e-12)
    for order in (ga.grad, lambda h: ga.grad(lambda x: np.sum(ga.grad(h)(x) * u))):
        got = order(loss(f))(x.copy())
        want = order(loss(PURE[f]))(x.copy())
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-10, atol=1e-12)


def test_issue_programs_as_written():
    # The two programs of the issue, float32 and float64, to second order.
    for dtype in DTYPES:
        x = _x((5, 3), dtype)
        check_grads(shift_rows, x, order=2)
        check_grads(disjoint_row, x, order=2)
        g = ga.grad(lambda x: np.sum(shift_rows(x)))(x)
        assert g.dtype == dtype


# ----------------------------------------------------------------------------- what is copied
def test_overlapping_write_copies_only_the_saved_view():
    x = _x((5, 3))
    with _Copies() as c:
        ga.grad(lambda x: np.sum(shift_rows(x)))(x)
    assert c.arrays == 1                       # y[:-1], saved by the multiply
    assert c.bytes == x[:-1].nbytes


@pytest.mark.parametrize("f", [disjoint_row, cumulative_product, column_recurrence],
                         ids=["disjoint_row", "cumulative_product", "column_recurrence"])
def test_writes_that_miss_the_saved_values_copy_nothing(f):
    with _Copies() as c:
        ga.grad(lambda x: np.sum(f(x)))(_x((6, 4)))
    assert c.arrays == 0 and c.bytes == 0


def test_values_saved_twice_are_copied_once():
    x = _x((4, 3))
    with _Copies() as c:
        ga.grad(lambda x: np.sum(imul_saved(x)))(x)
    assert c.arrays == 1 and c.bytes == x.nbytes   # exp's output is multiply's input


def test_dead_and_finished_graphs_cost_nothing():
    y = ga.tensor(_x(4))
    with Trace():
        s = make_source(y)
        z = np.sin(s) * 1.0
        del z                                  # the recorded calls died with their output
    with _Copies() as c:
        y[...] = 0.0
    assert c.arrays == 0
    # A backward pass that released its graph leaves nothing to copy either.
    x = ga.tensor(_x(4))
    ga.grad(lambda t: np.sum(np.sin(t)))(x)
    with _Copies() as c:
        x[...] = 1.0
    assert c.arrays == 0


def test_advanced_index_copies_the_saved_values_it_may_touch():
    def f(x):
        y = x * 1
        z = y[:2] * y[2:]                      # saves both halves
        y[np.array([0, 3])] = 0.0              # an advanced index: treated as the whole y
        return z + y[:2]

    x = _x(4)
    check_grads(f, x, order=2)
    with _Copies() as c:
        ga.grad(lambda x: np.sum(f(x)))(x)
    assert c.arrays == 2


def test_many_recorded_readers_of_one_buffer():
    # A long DP: every step is indexed once, lookups stay cheap enough for hundreds of steps.
    x = _x(300) * 0.5 + 0.75
    g = ga.grad(lambda x: cumulative_product(x)[-1])(x)
    np.testing.assert_allclose(g.numpy(), np.prod(x) / x, rtol=1e-9)


# ----------------------------------------------------------------------------- the tape
def test_watched_tensor_overwritten_after_the_tape_closed():
    x = ga.tensor([0.5, 1.0, 2.0])
    with ga.GradientTape(persistent=True) as tape:
        tape.watch(x)
        loss = np.sum(np.sin(x) * x)           # saves x (twice)
    x[...] = 0.0                               # not recorded: x's node is gone
    want = np.sin([0.5, 1.0, 2.0]) + np.array([0.5, 1.0, 2.0]) * np.cos([0.5, 1.0, 2.0])
    np.testing.assert_allclose(tape.gradient(loss, x).numpy(), want, rtol=1e-12)
    x += 3.0                                   # the other unrecorded write path
    np.testing.assert_allclose(tape.gradient(loss, x).numpy(), want, rtol=1e-12)
    j = tape.jacobian(loss, x)
    np.testing.assert_allclose(j.numpy(), want, rtol=1e-12)


def test_watched_tensor_overwritten_without_saved_values():
    x = ga.tensor([1.0, 2.0])
    with ga.GradientTape() as tape:
        tape.watch(x)
        loss = np.sum(3.0 * x)
    x[0] = 7.0
    np.testing.assert_allclose(tape.gradient(loss, x).numpy(), [3.0, 3.0])


def test_unwatched_tensor_is_still_unconnected():
    x = ga.tensor([1.0, 2.0])
    y = ga.tensor([1.0, 2.0])
    with ga.GradientTape() as tape:
        tape.watch(x)
        loss = np.sum(x * y)
    assert tape.gradient(loss, y) is None


# ----------------------------------------------------------------------------- not copied
def test_a_write_gradarray_does_not_see_is_not_copied():
    # A plain ndarray alias (t.numpy(), t.view(np.ndarray)), the buffer protocol or C code
    # write memory without gradarray: nothing is copied and nothing is logged, so the
    # gradient uses the new values (docs/limitations.md).  Debug mode reports the aliases.
    def f(x):
        y = np.sin(x)
        z = y * y
        y.numpy()[0] = 5.0
        return np.sum(z)

    x = np.array([1.0, 2.0])
    with _Copies() as c:
        g = ga.grad(f)(x).numpy()
    assert c.arrays == 0
    np.testing.assert_allclose(g, [2 * 5.0 * np.cos(1.0), np.sin(4.0)])


def test_a_write_reported_only_afterwards_raises():
    # A write gradarray learns of once done (the write log, as C code writing into a Tensor
    # and telling gradarray would) cannot be undone: the backward pass refuses.
    def f(x):
        y = np.sin(x)
        z = y * y
        y.numpy()[0] = 5.0
        graph.log_write(y.numpy())
        return np.sum(z)

    with pytest.raises(ga.MutatedSavedTensorError, match="numpy.multiply"):
        ga.grad(f)(np.array([1.0, 2.0]))


def test_variable_update_reaching_a_saved_view_raises():
    # A Variable's update copies its value for the recorded reads of the Variable; a saved
    # view of it is not such a read, and the write is logged: the backward pass refuses.
    v = ga.Variable(np.array([1.0, 2.0]))
    with ga.GradientTape() as tape:
        y = np.sum(np.sin(v[0:2]))
    v.assign([3.0, 4.0])
    with pytest.raises(ga.MutatedSavedTensorError):
        tape.gradient(y, v)


# ----------------------------------------------------------------------------- both modes
@pytest.mark.skipif(os.environ.get("GRADARRAY_PURE_PYTHON", "") not in ("", "0"),
                    reason="already pure Python")
def test_pure_python_mode_behaves_the_same():
    env = dict(os.environ, GRADARRAY_PURE_PYTHON="1")
    with warnings.catch_warnings():
        r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                            __file__, "-k", "not pure_python_mode and not many_recorded"],
                           env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
