"""The optional compiled hot path (``_speedups.c``) against the Python one.

Every check runs twice, once through each ``Tensor.__array_ufunc__`` and each backward loop
and walk: values, gradients, graph nodes, the cases the compiled path hands back to Python,
errors, and reference counts (a leak in C would show as growing counts).  The pure-Python
Node (used when the extension is not built) is covered by running the engine tests in a
subprocess with it.
"""

import gc
import os
import shutil
import subprocess
import sys
import sysconfig
import warnings
import weakref

import numpy as np
import pytest

import gradarray as ga
from gradarray import _compiled, backward, graph
from gradarray.errors import NoRuleError
from gradarray.testing import check_grads

MODES = ["python"] + (["compiled"] if _compiled.available() else [])


@pytest.fixture(params=MODES)
def mode(request, monkeypatch):
    compiled = request.param == "compiled"
    before = _compiled.enabled()
    _compiled.set_enabled(compiled)
    assert _compiled.enabled() == compiled
    if not compiled:
        monkeypatch.setattr(backward, "_LOOP", None)
        monkeypatch.setattr(backward, "_WALK", backward._walk)
    else:
        assert backward._LOOP is not None and backward._WALK is not backward._walk
    yield request.param
    _compiled.set_enabled(before)


def _compiler() -> bool:
    cc = (os.environ.get("CC") or sysconfig.get_config_var("CC") or "").split()
    return bool(cc) and shutil.which(cc[0]) is not None


@pytest.mark.skipif(os.environ.get("GRADARRAY_PURE_PYTHON", "") not in ("", "0"),
                    reason="pure Python asked for")
def test_extension_is_built_where_a_compiler_is():
    if not _compiler():
        pytest.skip("no C compiler: gradarray runs in pure Python")
    assert _compiled.available(), "setup.py should have built gradarray._speedups"
    assert _compiled.enabled()
    assert isinstance(graph.Node(None, (), None, None, None, (), None), graph.Node)


def _f(x, w):
    y = np.sin(x) * w + np.exp(-x) / (1.0 + x * x)
    y = np.maximum(y, 0.1) - 2 * np.tanh(y) ** 2
    return np.sum(np.log1p(y * y) + np.hypot(y, w))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_same_values_and_gradients(mode, dtype):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 3)).astype(dtype)
    w = rng.normal(size=3).astype(dtype)
    val, (gx, gw) = ga.value_and_grad(_f, argnums=(0, 1))(ga.tensor(x), ga.tensor(w))
    assert val.dtype == dtype and gx.dtype == dtype and gw.dtype == dtype
    np.testing.assert_allclose(float(val), float(_f(x, w)), rtol=1e-5)
    # Against finite differences, and the second order through the same path.
    check_grads(_f, ga.tensor(x.astype(float)), ga.tensor(w.astype(float)), order=2)


def test_results_match_numpy_for_every_operand_kind(mode):
    x = ga.tensor([0.5, -1.5, 2.0])
    plain = np.array([1.0, 2.0, 3.0])
    for other in (plain, 2.0, 3, np.float64(2.5), np.float32(1.5), True):
        for got, want in ((x * other, x.numpy() * other), (other - x, other - x.numpy())):
            assert type(got) is ga.Tensor
            assert got.dtype == want.dtype
            np.testing.assert_array_equal(got.numpy(), want)
    # 0-d results stay 0-d Tensors, not NumPy scalars.
    s = ga.tensor(2.0)
    assert type(np.sin(s)) is ga.Tensor and np.sin(s).shape == ()
    assert float(ga.grad(lambda s: np.sin(s) * s)(s)) == pytest.approx(
        np.cos(2.0) * 2.0 + np.sin(2.0))


def test_recorded_node_keeps_only_what_the_rule_reads(mode):
    x = ga.tensor(np.arange(3.0))
    seen = {}

    def f(x):
        y = np.exp(x)            # reads ans only
        z = y * 3.0              # reads the constant only
        seen["exp"], seen["mul"] = y._node, z._node
        return np.sum(z)

    ga.grad(f)(x)
    exp, mul = seen["exp"], seen["mul"]
    assert exp.rule.name == "numpy.exp" and mul.rule.name == "numpy.multiply"
    assert isinstance(exp.parents, tuple) and len(mul.parents) == 2 and mul.parents[1] is None
    assert exp.shape == (3,) and exp.dtype == np.float64 and exp.kwargs is None
    assert exp.slots is None and exp.extra is None
    # The backward pass released them.
    assert exp.args is None and exp.ans is None and exp.epoch == graph.FREED


def test_unrecorded_calls_leave_no_node(mode):
    x = ga.tensor([1.0, 2.0])
    assert np.sin(x)._node is None
    with ga.no_grad():
        assert ga.grad(lambda x: np.sum(np.sin(x) * x))(x) is not None
    s = []

    def g(x):
        with ga.no_grad():
            s.append(np.sin(x))
        s.append(x > 1.0)          # no derivative: an untracked result
        return np.sum(x)

    ga.grad(g)(x)
    assert s[0]._node is None and s[1]._node is None and s[1].dtype == bool


def test_handed_back_cases_behave_the_same(mode):
    """Views, Variables, keyword arguments, multi-output and method calls go to Python."""
    x = ga.tensor(np.linspace(0.6, 0.9, 6))   # inside [0.5, 1): frexp is smooth there

    def f(x):
        v = x[1:4]                           # a view: its base is written next
        x2 = x.copy()
        x2[0] = 5.0
        a = np.sin(v) * x2[:3]
        m, e = np.frexp(x)                   # two outputs
        b = np.add(x, 1.0, dtype=np.float64)  # a keyword argument
        c = np.add.reduce(x)                 # a ufunc method
        return np.sum(a) + np.sum(m * b) + c

    check_grads(f, x, order=1)
    var = ga.Variable(np.array([1.0, 2.0]))
    gv = ga.implicit_gradients(lambda: np.sum(np.sin(var) * var))()
    np.testing.assert_allclose(gv[0][0].numpy(), np.cos([1.0, 2.0]) * [1.0, 2.0]
                               + np.sin([1.0, 2.0]))


def test_errors_are_explained_the_same_way(mode):
    x = ga.tensor([1.0, 2.0])
    with pytest.raises(TypeError):
        np.add(x, "a")
    with np.errstate(divide="raise"), pytest.raises(FloatingPointError):
        np.divide(x, 0.0)

    def f(x):
        return np.sum(np.gcd(x.astype(int), 2) * x)   # integer result, no gradient needed
    assert ga.grad(f)(x) is not None

    twice = np.frompyfunc(lambda a: 2 * a, 1, 1)   # a ufunc no rule knows
    with pytest.raises(NoRuleError, match="no derivative rule"):
        ga.grad(lambda x: np.sum(twice(x)))(x)


def test_no_reference_leaks(mode):
    x = ga.tensor(np.arange(4.0))
    raw = np.ones(4)
    rule = ga.registry.RULES[np.sin]

    raw2 = np.ones((3, 4))

    def loss(x):
        # elementwise and general rules, keyword arguments, broadcasting (fit), accumulation
        return np.sum(np.sin(x) * raw + 2.0 * x * x + np.sum(x * raw2, axis=0)) * x[0]

    def work():
        for _ in range(200):
            ga.grad(loss)(x)
            np.exp(x) * raw

    work()
    gc.collect()
    def counts():
        return [sys.getrefcount(o) for o in (raw, raw2, rule, x, x._raw, None, 2.0)]

    before = counts()
    work()
    gc.collect()
    assert counts() == before


def test_graph_is_freed_with_its_outputs(mode):
    x = ga.tensor(np.arange(3.0))
    refs = []

    def f(x):
        y = np.tanh(x) * x
        refs.append(weakref.ref(y._node))
        return np.sum(y)

    ga.grad(f)(x)
    assert refs[0]() is None   # freed by reference counting, no collection needed


def test_backward_cases(mode):
    """Broadcasting, accumulation, complex partials, 0-d, keyword rules, non-source leaves."""
    rng = np.random.default_rng(3)
    a = ga.tensor(rng.normal(size=(3, 4)))
    b = ga.tensor(rng.normal(size=4))
    z = ga.tensor(rng.normal(size=3) + 1j * rng.normal(size=3))
    s = ga.tensor(0.7)

    def f(a, b, s):
        y = np.sin(a) * b + a * a * s          # b broadcast (summed back), a used 3 times
        y = y + np.sum(y, axis=0, keepdims=True) + np.copysign(y, b)
        return np.sum(np.tanh(y)) * s + s * s   # 0-d products are NumPy scalars

    check_grads(f, a, b, s, order=2)
    check_grads(lambda z: np.real(np.sum(np.exp(z) * np.conj(z) * 1j)), z, order=2)
    check_grads(lambda z: np.sum(np.abs(np.sin(z))), z, order=1)
    for dtype in (np.float32, np.float64):
        x = ga.tensor(rng.normal(size=5).astype(dtype))
        g = ga.grad(lambda x: np.sum(np.cos(x) * x))(x)
        assert g.dtype == dtype
        np.testing.assert_allclose(g.numpy(), -np.sin(x.numpy()) * x.numpy() + np.cos(x.numpy()),
                                   rtol=1e-5)
    # A leaf that is not a source (an outer Tensor seen by an inner gradient): relevance.
    def outer(w):
        inner = ga.grad(lambda x: np.sum(np.sin(x * w) * w))(ga.tensor(np.ones(3)))
        return np.sum(inner * inner)
    check_grads(outer, ga.tensor(np.array([0.3, 0.5, 0.7])), order=1)


def test_backward_errors_and_persistence(mode):
    x = ga.tensor(np.array([0.5, 1.5]))
    with ga.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = np.exp(x) * x
        loss = np.sum(y * y)
    g1 = tape.gradient(loss, x)
    g2 = tape.gradient(loss, x)           # saved values kept: the same answer twice
    np.testing.assert_allclose(g1.numpy(), g2.numpy())
    from gradarray.transforms import Trace, make_source
    src = make_source(x)
    with Trace():
        loss = np.sum(np.exp(src) * src)
    first = backward.backward([loss._node], [np.ones(())], [src._node])[0]
    np.testing.assert_allclose(first, np.exp(x.numpy()) * (x.numpy() + 1))
    with pytest.raises(ga.errors.GraphFreedError, match="a second time"):
        backward.backward([loss._node], [np.ones(())], [src._node])

    def overwrites(x):
        y = x * 1.0
        z = np.sin(y)                        # sin keeps its input ...
        y *= 2.0                             # ... overwritten here, after a copy
        return np.sum(z + y)

    np.testing.assert_allclose(ga.grad(overwrites)(x).numpy(), np.cos(x.numpy()) + 2.0)

    def logged_after_the_fact(x):
        y = x * 1.0
        z = np.sin(y)
        y.numpy()[0] = 7.0                   # a write gradarray did not see coming ...
        graph.log_write(y.numpy())           # ... reported once done: nothing to copy
        return np.sum(z + y)

    with pytest.raises(ga.errors.MutatedSavedTensorError):
        ga.grad(logged_after_the_fact)(x)


def test_node_fields_and_weakrefs():
    n = graph.Node(None, (), None, None, None, (2,), np.dtype(float))
    assert n.epoch == 0 and n.slots is None and n.extra is None and n.name == "leaf"
    n.args = (1,)
    n.epoch = graph.FREED
    assert n.args == (1,) and n.epoch == graph.FREED
    r = weakref.ref(n)
    assert r() is n
    with pytest.raises(TypeError):
        graph.Node(None, ())          # too few fields
    # A cycle through a node is collected (the compiled node takes part in gc).
    a = graph.Node(None, (), None, None, None, (), None)
    a.extra = [a]
    ra = weakref.ref(a)
    del a
    gc.collect()
    assert ra() is None
    del n
    assert r() is None


@pytest.mark.skipif(not _compiled.available(), reason="the extension is not built")
def test_engine_tests_pass_in_pure_python():
    """The fallback (no extension: pure-Python Node and dispatch) passes the engine tests."""
    env = dict(os.environ, GRADARRAY_PURE_PYTHON="1")
    here = os.path.dirname(__file__)
    with warnings.catch_warnings():
        r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                            os.path.join(here, "test_engine.py"),
                            os.path.join(here, "test_mutation.py")],
                           env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]


@pytest.mark.parametrize("field", ["epoch", "args", "parents", "kwargs", "ans", "rule",
                                   "parent shape", "parent dtype"])
def test_a_damaged_node_raises_not_crashes(mode, field):
    """A node field deleted from Python is an error in the backward pass, never a crash."""
    from gradarray.transforms import Trace, make_source

    x = ga.tensor([1.0, 2.0])
    s = make_source(x)
    with Trace():
        y = np.sin(s) * s
        out = np.sum(y)
    node = s._node if field.startswith("parent ") else y._node
    delattr(node, field.split()[-1])
    if field == "kwargs":  # an elementwise rule never reads it
        g = backward.backward([out._node], [np.ones(())], [s._node])[0]
        np.testing.assert_allclose(g, np.cos([1.0, 2.0]) * [1.0, 2.0] + np.sin([1.0, 2.0]))
        return
    with pytest.raises((AttributeError, TypeError), match="attribute|tuple"):
        backward.backward([out._node], [np.ones(())], [s._node])
