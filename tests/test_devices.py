"""Devices: parsing, moving data, device Tensors, operators, mixing devices, GPU reruns.

Device-parametrized tests run on three devices:

- ``cpu``: NumPy;
- ``fake``: a stand-in GPU, no hardware needed.  Its raw array type refuses host arrays in
  every operation, as CuPy does, and reports ``cuda:0``; it goes through the same code as
  CuPy (``devices/_classes.py`` builds its Tensor class, ``devices.to_device`` moves data);
- ``cuda``: CuPy on a real GPU; skipped, with the reason, where CuPy or a GPU is missing.

``GA_DEVICE_RULE_EXAMPLES`` sets how many hypothesis examples each rule case gets on a device
(default 1), ``GA_DEVICE_RULE_ORDER`` the highest derivative order checked (default 2);
``benchmarks/gpu_check.py`` runs the ``cuda`` subset on a GPU machine.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import types

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradarray as ga
from gradarray import devices
from gradarray import dispatch as _dispatch
from gradarray.devices import _classes
from gradarray.devices import cupy as _gpu

# ----------------------------------------------------------------------------- fake device


class FakeGpuArray(np.ndarray):
    """A raw "device" array: host arrays in an operation raise TypeError, as CuPy's do."""

    __slots__ = ()

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if "out" in kwargs:
            kwargs["out"] = tuple(_host_view(o) for o in kwargs["out"])
        return _to_fake(getattr(ufunc, method)(*(_host_view(x) for x in inputs), **kwargs))

    def __array_function__(self, func, types, args, kwargs):
        args = tuple(_host_view(a) for a in args)
        kwargs = {k: _host_view(v) for k, v in kwargs.items()}
        return _to_fake(func(*args, **kwargs))

    def __getitem__(self, idx):
        return _to_fake(_host_view(self)[_host_view(idx)])


def _host_view(x):
    if type(x) is FakeGpuArray:
        return x.view(np.ndarray)
    if isinstance(x, np.ndarray) and (x.ndim or type(x) is not np.ndarray):
        raise TypeError(f"Unsupported type {type(x)}")  # CuPy's words
    if type(x) in (list, tuple):
        return type(x)(_host_view(e) for e in x)
    return x


def _to_fake(x):
    if isinstance(x, np.ndarray):
        return x.view(FakeGpuArray)
    if isinstance(x, np.generic):
        return np.asarray(x).view(FakeGpuArray)   # CuPy has no scalars: 0-d arrays
    if type(x) in (list, tuple):
        return type(x)(_to_fake(e) for e in x)
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return type(x)(*(_to_fake(e) for e in x))
    return x


def _fake_host(raw):
    return np.array(raw.view(np.ndarray))


FAKE_BACKEND = types.SimpleNamespace(
    from_host=lambda host, index, stream=None: np.array(host).view(FakeGpuArray),
    to_host=lambda raw, stream=None: _fake_host(raw),
    to_gpu=lambda raw, index, stream=None: raw.copy(),
    as_raw=lambda data: data.view(FakeGpuArray),
    device_of=lambda raw: "cuda:0",
)
FakeTensor = _classes.make_tensor_class(FakeGpuArray, "FakeTensor", _fake_host,
                                        lambda raw: "cuda:0")


@pytest.fixture(params=["cpu", "fake", "cuda"])
def device(request, monkeypatch):
    """The device string to create Tensors on; ``fake`` answers to ``"cuda"``."""
    if request.param == "cuda":
        reason = _gpu.unavailable_reason()
        if reason is not None:
            pytest.skip(f"no GPU: {reason}")
        return "cuda"
    if request.param == "fake":
        real = devices._backend
        monkeypatch.setattr(devices, "_backend",
                            lambda kind: FAKE_BACKEND if kind == "cuda" else real(kind))
        return "cuda"
    return "cpu"


def on(x, device):
    return ga.tensor(x, device=device)


def host(t):
    return t.numpy() if t.__class__ in _dispatch.TENSOR_TYPES else np.asarray(t)


def expected_device(device):
    return "cpu" if device == "cpu" else "cuda:0"


RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 4))
B = RNG.standard_normal((4, 2))
V = RNG.uniform(0.5, 2.0, (3, 4))


# ----------------------------------------------------------------------------- parsing


@pytest.mark.parametrize("text, parsed", [
    ("cpu", ("cpu", None)), (None, ("cpu", None)), ("cuda", ("cuda", None)),
    ("cuda:1", ("cuda", 1)), ("CUDA:0", ("cuda", 0)), ("gpu:2", ("cuda", 2)),
])
def test_parse_device(text, parsed):
    assert devices.parse_device(text) == parsed


def test_parse_device_object_with_id():
    assert devices.parse_device(types.SimpleNamespace(id=3)) == ("cuda", 3)


@pytest.mark.parametrize("bad", ["tpu", "cuda:x", "cpu:1", "cuda:", ""])
def test_parse_device_rejects(bad):
    with pytest.raises(ValueError, match="unsupported device"):
        devices.parse_device(bad)


def test_importing_gradarray_never_imports_cupy():
    code = ("import sys, numpy as np, gradarray as ga\n"
            "x = ga.tensor([1.0, 2.0], device='cpu')\n"
            "ga.grad(lambda x: np.sum(np.sin(x)))(x.to_device('cpu'))\n"
            "assert 'cupy' not in sys.modules, 'cupy imported'\n"
            "assert 'gradarray.devices.cupy' not in sys.modules\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_gpu_without_cupy_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", None)   # makes ``import cupy`` fail
    monkeypatch.setattr(_gpu, "_LOADED", {})
    with pytest.raises(ImportError, match=r"install gradarray\[gpu\].*cupy-cuda12x"):
        ga.tensor([1.0], device="cuda")
    assert "gradarray[gpu]" in _gpu.unavailable_reason()


def test_gpu_without_a_device_says_so(monkeypatch):
    runtime = types.SimpleNamespace(getDeviceCount=lambda: 0)
    fake = types.SimpleNamespace(__version__="14.0.0", cuda=types.SimpleNamespace(
        runtime=runtime))
    monkeypatch.setattr(_gpu, "_LOADED", {"cupy": fake})
    assert _gpu.unavailable_reason() == "CuPy is installed but no CUDA GPU is visible"
    with pytest.raises(RuntimeError, match="no CUDA GPU is visible"):
        _gpu.from_host(np.ones(2), None)


def test_old_cupy_is_refused(monkeypatch):
    monkeypatch.setitem(sys.modules, "cupy", types.SimpleNamespace(__version__="12.3.0"))
    monkeypatch.setattr(_gpu, "_LOADED", {})
    with pytest.raises(ImportError, match="CuPy >= 13"):
        _gpu.cupy_module()


# ----------------------------------------------------------------------------- the class


def test_operator_table_covers_python_operators():
    ns = _classes.operator_methods()
    for name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and",
                 "or", "xor", "lshift", "rshift"):
        for form in ("__{}__", "__r{}__", "__i{}__"):
            assert form.format(name) in ns
    for name in ("lt", "le", "gt", "ge", "eq", "ne", "neg", "pos", "abs", "invert",
                 "divmod", "rdivmod"):
        assert f"__{name}__" in ns
    assert ns["__radd__"].__name__ == "__radd__"


def test_device_class_shares_tensor_functions():
    # The same function objects, not copies: one implementation of every hook.
    for name in ("__getitem__", "__setitem__", "reshape", "sum", "to_device"):
        assert FakeTensor.__dict__[name] is ga.Tensor.__dict__[name], name
    # Python's __array_ufunc__ (Tensor's may be the compiled one, bound to Tensor's layout).
    assert FakeTensor.__dict__["__array_ufunc__"] is _dispatch.array_ufunc
    # Methods using super() are bound to Tensor's MRO: the operator table replaces them.
    assert "__init_subclass__" not in FakeTensor.__dict__
    # __array_function__ wraps Tensor's to give back ``like=`` (NEP 35 drops it).
    assert type(np.eye(2, like=ga.tensor([1.0], device="cpu"))) is ga.Tensor
    assert FakeTensor in _dispatch.TENSOR_TYPES


def test_cupy_class_overrides_every_computing_method():
    cp = pytest.importorskip("cupy", reason="CuPy is not installed")
    cls = _gpu.tensor_class()
    # What cupy.ndarray computes without NumPy's protocols and CupyTensor leaves to it.
    harmless = {"get", "set", "view", "toDlpack", "__dlpack__", "__dlpack_device__",
                "__cuda_array_interface__", "__array__", "__array_finalize__", "__len__",
                "__sizeof__", "__format__", "__init__", "__new__", "__class_getitem__",
                "__reduce__", "__setstate__", "__getstate__", "__copy__", "__deepcopy__",
                "__iter__", "__dir__", "__init_subclass__", "__subclasshook__", "__delattr__",
                "__setattr__", "__getattribute__", "__eq__", "__ne__", "__hash__", "__str__",
                "dump", "dumps", "tofile", "tobytes", "data", "device", "flags", "cstruct",
                "reduced_view", "__array_namespace__", "__array_priority__", "__mdspan__",
                "__cuda_stream__", "_init", "_update_c_contiguity", "_update_f_contiguity",
                "_update_contiguity", "_set_shape_and_strides", "_scatter_op", "_view",
                "__array_interface__", "__reduce_ex__", "__repr__", "__bytes__", "__oct__",
                "__hex__", "__array_wrap__", "shape", "strides", "size", "ndim", "itemsize",
                "nbytes", "dtype", "base", "flat", "_c_contiguous", "_f_contiguous",
                "_index_32_bits", "_set_contiguous_strides", "_mem_range", "__class__",
                "__doc__", "__module__", "__slots__", "_get_mdspan"} | _CUPY_HARMLESS
    missing = sorted(n for n in dir(cp.ndarray)
                     if n not in cls.__dict__ and n not in harmless
                     and not n.startswith("_ndarray") and n not in ga.Tensor.__dict__
                     and callable(getattr(cp.ndarray, n, None)))
    assert not missing, f"cupy.ndarray methods CupyTensor leaves to CuPy: {missing}"


# Names of cupy.ndarray that compute nothing a gradient could need, or that Python 3 never
# calls (``__div__``), or private helpers reached only from CuPy's own methods.
_CUPY_HARMLESS = {"__div__", "__idiv__", "__delitem__", "_add_reduceat", "_astype",
                  "_check_kind_sort", "mdspan", "byteswap"}


# ----------------------------------------------------------------------------- device Tensors


def test_create_and_move(device):
    t = on(A, device)
    assert devices.device_of(t) == expected_device(device)
    np.testing.assert_array_equal(host(t), A)
    back = t.to_device("cpu")
    assert isinstance(back, ga.Tensor) and devices.device_of(back) == "cpu"
    np.testing.assert_array_equal(back, A)
    assert t.to_device(device) is t
    again = ga.asarray(t)
    assert again is t


def test_results_stay_on_the_device(device):
    a, b = on(A, device), on(B, device)
    dev = expected_device(device)
    results = [np.eye(3, like=a), np.zeros(2, like=a), np.sin(a), a @ b, np.sum(a, axis=0),
               a.reshape(4, 3), a[1:, ::2], a.T,
               np.concatenate([a, a]), np.linalg.norm(a), a * 2.0, 2.0 - a, -a,
               np.maximum(a, 0.0), a.sum(), np.where(a > 0, a, 0.0)]
    for r in results:
        assert r.__class__ in _dispatch.TENSOR_TYPES, type(r)
        assert devices.device_of(r) == dev
    np.testing.assert_allclose(host(results[3]), A @ B)


@pytest.mark.parametrize("name", sorted(_classes.BINARY_OPERATORS))
def test_binary_operators(device, name):
    if name in ("and", "or", "xor", "lshift", "rshift"):
        x, y = np.array([5, 3, 12]), np.array([1, 2, 3])
    else:
        x, y = V, V[::-1, ::-1].copy()
        if name == "matmul":
            y = y.T.copy()
    op = getattr(__import__("operator"), f"{name}_" if name in ("and", "or") else name)
    tx, ty = on(x, device), on(y, device)
    np.testing.assert_allclose(host(op(tx, ty)), op(x, y))
    if name != "matmul":
        np.testing.assert_allclose(host(op(tx, 2)), op(x, 2))
        np.testing.assert_allclose(host(op(3, tx)), op(3, x))   # reflected
    t = on(x, device)
    iop = getattr(__import__("operator"), f"i{name}")
    if name != "matmul" and not (name == "truediv" and x.dtype.kind == "i"):
        out = iop(t, ty)
        assert out is t
        np.testing.assert_allclose(host(t), iop(x.copy(), y))


def test_comparisons_and_unary(device):
    t = on(V - 1.0, device)
    x = V - 1.0
    for op in ("lt", "le", "gt", "ge", "eq", "ne"):
        f = getattr(__import__("operator"), op)
        np.testing.assert_array_equal(host(f(t, 0.2)), f(x, 0.2))
    np.testing.assert_allclose(host(-t), -x)
    np.testing.assert_allclose(host(abs(t)), abs(x))
    np.testing.assert_allclose(host(+t), x)
    q, r = divmod(t, 0.3)
    np.testing.assert_allclose(host(q), x // 0.3)
    np.testing.assert_allclose(host(r), x % 0.3)


def _mlp_loss(w1, w2, x):
    h = np.tanh(x @ w1)
    z = h @ w2
    return np.mean((z - 1.0) ** 2) + 0.1 * np.sum(w1 * w1) / 2


def test_gradients_match_the_cpu_and_stay_on_the_device(device):
    w1, w2, x = RNG.standard_normal((4, 5)), RNG.standard_normal((5, 2)), A
    ref = ga.grad(_mlp_loss, argnums=(0, 1))(ga.tensor(w1), ga.tensor(w2), ga.tensor(x))
    got = ga.grad(_mlp_loss, argnums=(0, 1))(on(w1, device), on(w2, device), on(x, device))
    for g, r in zip(got, ref):
        assert devices.device_of(g) == expected_device(device)
        np.testing.assert_allclose(host(g), r, rtol=1e-12)


def test_operator_gradients(device):
    def f(x, y):
        z = x * y + x ** 2 - x / y
        z += 3.0 * y
        z -= y @ np.ones_like(y).T @ y / 10
        return np.sum(z * z)

    ref = ga.grad(f, argnums=(0, 1))(ga.tensor(V), ga.tensor(V + 1))
    got = ga.grad(f, argnums=(0, 1))(on(V, device), on(V + 1, device))
    for g, r in zip(got, ref):
        np.testing.assert_allclose(host(g), r, rtol=1e-12)


def test_second_order(device):
    f = lambda x: np.sum(np.sin(x) * x ** 3)
    ref = ga.hessian(f)(ga.tensor(V[0]))
    got = ga.hessian(f)(on(V[0], device))
    np.testing.assert_allclose(host(got), ref, rtol=1e-12)


def test_in_place_and_views(device):
    def f(x):
        y = x * 1.0
        y[0] = x[1] ** 2
        v = y[:, 1:]
        v *= 2.0
        return np.sum(y ** 2)

    ref = ga.grad(f)(ga.tensor(V))
    got = ga.grad(f)(on(V, device))
    np.testing.assert_allclose(host(got), ref, rtol=1e-12)


def test_transfer_is_recorded(device):
    def f(x):
        return np.sum(x.to_device(device) ** 3)

    g = ga.grad(f)(ga.tensor(V))
    assert devices.device_of(g) == "cpu"
    np.testing.assert_allclose(g, 3 * V ** 2, rtol=1e-12)


def test_host_copies_are_explicit(device):
    t = on(np.array(2.5), device)
    assert float(t) == 2.5 and bool(t) and t.item() == 2.5 and int(t) == 2
    n = t.numpy()
    assert type(n) is np.ndarray and n == 2.5
    assert t.tolist() == 2.5
    assert "2.5" in repr(t)
    u = pickle.loads(pickle.dumps(on(A, device)))
    assert devices.device_of(u) == expected_device(device)
    np.testing.assert_array_equal(host(u), A)


def test_mixing_devices_raises(device):
    if device == "cpu":
        pytest.skip("one device")
    c, g = ga.tensor(A), on(A, device)
    calls = [lambda: c + g, lambda: g + c, lambda: np.add(g, c, out=g),
             lambda: np.concatenate([c, g]), lambda: g @ c.T, lambda: np.sin(g) * A,
             lambda: g[np.array([0, 1])], lambda: g.__setitem__(0, A[0])]
    for call in calls:
        with pytest.raises(ga.DeviceMismatchError, match=r"cpu.*cuda:0|cuda:0.*cpu"):
            call()
    with pytest.raises(ga.DeviceMismatchError):
        ga.grad(lambda x: np.sum(x * c))(g)


def test_raw_device_arrays_are_constants(device):
    if device == "cpu":
        pytest.skip("the CPU case is the core's")
    raw = on(V, device)._raw
    g = ga.grad(lambda x: np.sum(x * raw))(on(V, device))
    np.testing.assert_allclose(host(g), V)


# ----------------------------------------------------------------------------- rule cases


def _rule_cases():
    sys.path.insert(0, os.path.dirname(__file__))
    from rules.test_rules import CASES, _draw

    return CASES, _draw


CASES, _DRAW = _rule_cases()
_EXAMPLES = int(os.environ.get("GA_DEVICE_RULE_EXAMPLES", "1"))
_MAX_ORDER = int(os.environ.get("GA_DEVICE_RULE_ORDER", "2"))
# On the fake device every case takes ~1 s here: a sample of the families by default, all
# of them with GA_FAKE_DEVICE_RULES=1.  On a real GPU every case runs.
_FAKE_SAMPLE = {"tanh", "sin", "exp", "log", "multiply", "divide", "power", "arctan2",
                "maximum", "sum", "mean", "prod", "max", "cumsum", "matmul", "einsum",
                "tensordot", "reshape", "setitem", "inv", "det", "cholesky", "eigh", "svd",
                "rfft", "fft", "std", "var", "clip", "sqrt", "outer", "diagonal",
                "broadcast_to", "stack", "add.reduce", "add.at", "sort", "take",
                "expand_dims"}
_ALL_FAKE = os.environ.get("GA_FAKE_DEVICE_RULES") == "1"
# Open on the fake device (each a case or rule to look at; strict, so a fix shows up).
_FAKE_OPEN = {
    "take": "the case's index array is a host constant: a real device mismatch in the case",
    "sort": "a Tensor reaches the raw call unwrapped (the sort rule's indices)",
    "prod": "a host array is created from a shape in the prod rule",
}


def _probe(fn):
    """A scalar of ``fn``'s (first) output, weighted so that every element matters."""
    def f(*xs):
        out = fn(*xs)
        out = out[0] if isinstance(out, (tuple, list)) else out
        raw = out._raw
        w = _dispatch.wrap(np.cos(np.reshape(np.cumsum(np.ones_like(raw, dtype=float)),
                                             raw.shape)))
        return np.sum(np.real(out) * w)
    return f


def _rule_params() -> list:
    reason = _gpu.unavailable_reason()
    params = []
    for case in CASES:
        name = str(case)
        if not _ALL_FAKE and name not in _FAKE_SAMPLE:
            marks = [pytest.mark.skip(reason="fake device: sampled families only "
                                             "(GA_FAKE_DEVICE_RULES=1 runs all)")]
        elif name in _FAKE_OPEN:
            marks = [pytest.mark.xfail(reason=_FAKE_OPEN[name], strict=True)]
        else:
            marks = []
        params.append(pytest.param(case, "fake", marks=marks, id=f"fake-{name}"))
        marks = [pytest.mark.skip(reason=f"no GPU: {reason}")] if reason else []
        params.append(pytest.param(case, "cuda", marks=marks, id=f"cuda-{name}"))
    return params


@pytest.mark.parametrize("case, device_kind", _rule_params())
@settings(max_examples=_EXAMPLES)
@given(data=st.data())
def test_rule_on_device(case, device_kind, data, monkeypatch_module):
    """Each rule case on a device: the value and gradients (orders 1-2) equal the CPU's."""
    args = tuple(np.asarray(a, dtype=np.float64) for a in _DRAW(case, data))
    real = devices._backend
    with monkeypatch_module.context() as m:
        if device_kind == "fake":
            m.setattr(devices, "_backend",
                      lambda kind: FAKE_BACKEND if kind == "cuda" else real(kind))
        f = _probe(case.fn)
        nums = tuple(range(len(args)))
        ref_v, ref_g = ga.value_and_grad(f, argnums=nums)(*[ga.tensor(a) for a in args])
        got_v, got_g = ga.value_and_grad(f, argnums=nums)(*[on(a, "cuda") for a in args])
        np.testing.assert_allclose(host(got_v), ref_v, rtol=1e-9, atol=1e-12)
        for g, r in zip(got_g, ref_g):
            assert devices.device_of(g) == "cuda:0"
            np.testing.assert_allclose(host(g), r, rtol=1e-9, atol=1e-12)
        if min(case.order, _MAX_ORDER) >= 2 and "rev" in case.modes:
            g2 = lambda *xs: _probe(lambda *ys: ga.grad(f, argnums=nums)(*ys)[0])(*xs)
            ref2 = ga.grad(g2, argnums=nums)(*[ga.tensor(a) for a in args])
            got2 = ga.grad(g2, argnums=nums)(*[on(a, "cuda") for a in args])
            for g, r in zip(got2, ref2):
                np.testing.assert_allclose(host(g), r, rtol=1e-8, atol=1e-11)


@pytest.fixture
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


# ----------------------------------------------------------------------------- Variables


def test_variable_on_device(device):
    dev = expected_device(device)
    v = ga.Variable(A, name="w", device=device)
    assert isinstance(v, ga.Variable) and v.__class__ in _dispatch.VAR_TYPES
    assert devices.device_of(v) == dev and v.name == "w:0" and v.trainable
    n = v.numpy()
    assert type(n) is np.ndarray
    np.testing.assert_array_equal(n, A)
    n[0, 0] = 99.0                      # a snapshot, not the variable's memory
    assert host(v)[0, 0] == A[0, 0]
    val = v.value()
    assert devices.device_of(val) == dev and not isinstance(val, ga.Variable)
    v.assign(on(A[::-1] - 1.0, device))
    np.testing.assert_array_equal(host(v), A[::-1] - 1.0)
    v.assign_add(on(np.ones_like(A), device))
    v.assign_sub(on(np.full_like(A, 0.25), device))
    np.testing.assert_allclose(host(v), A[::-1] - 0.25)
    s = ga.Variable(1.0, device=device)
    s.assign_add(0.5)                    # a host scalar goes to any device
    s.assign_sub(np.float64(0.25))
    assert float(s) == 1.25 and devices.device_of(s) == dev
    assert devices.device_of(v) == dev
    # from a Tensor on the device (default: its device), and a copy
    w = ga.Variable(on(A, device), dtype=np.float32)
    assert devices.device_of(w) == dev and w.dtype == np.float32
    for u in (pickle.loads(pickle.dumps(v)), __import__("copy").deepcopy(v)):
        assert isinstance(u, ga.Variable) and devices.device_of(u) == dev
        np.testing.assert_array_equal(host(u), host(v))
    assert ("device='cuda:0'" in repr(v)) == (device != "cpu")


def test_variable_refuses_values_on_another_device(device):
    if device == "cpu":
        pytest.skip("one device")
    v = ga.Variable(A, device=device)
    for call in (lambda: v.assign(A), lambda: v.assign_add(ga.tensor(A)),
                 lambda: ga.Variable(A).assign(on(A, device))):
        with pytest.raises(ga.DeviceMismatchError, match="cpu.*cuda:0|cuda:0.*cpu"):
            call()
    np.testing.assert_array_equal(host(v), A)
    back = ga.Variable(v, device="cpu")  # an explicit copy to the host
    assert isinstance(back, ga.Tensor) and devices.device_of(back) == "cpu"


def test_variable_reads_are_the_values_at_read_time(device):
    # As on the CPU (TF's semantics): y = v*v (v=2), v += 1, y += v*v: dy/dv = 4 + 6.
    v = ga.Variable(np.full(3, 2.0), device=device)
    one = on(np.ones(3), device)

    def f():
        y = v * v
        v.assign_add(one)
        return np.sum(y + v * v)

    value, [(g, var)] = ga.implicit_value_and_gradients(f)()
    assert var is v and devices.device_of(g) == expected_device(device)
    assert float(value) == 39.0
    np.testing.assert_array_equal(host(g), [10.0, 10.0, 10.0])
    with ga.GradientTape() as tape:
        y = np.sum(v * v)
        v += 1.0            # an unrecorded update: the recorded read keeps its value
        y = y + np.sum(v * v)
    np.testing.assert_array_equal(host(tape.gradient(y, v)), [14.0, 14.0, 14.0])


def test_variable_writes_are_logged(device):
    from gradarray import graph

    v = ga.Variable(V, device=device)
    epoch = graph.EPOCH[0]
    v.assign_add(v.value())
    assert graph.written_since(v._value, epoch)
    assert graph.written_since(v._value[1:], epoch)   # a view shares the owner's log


_OPTIMIZERS = {
    "sgd": lambda: ga.train.GradientDescentOptimizer(0.1),
    "momentum": lambda: ga.train.MomentumOptimizer(0.1, 0.9),
    "nesterov": lambda: ga.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True),
    "adam": lambda: ga.train.AdamOptimizer(0.05),
    "rmsprop": lambda: ga.train.RMSPropOptimizer(0.05, momentum=0.5),
    "rmsprop-centered": lambda: ga.train.RMSPropOptimizer(0.05, centered=True),
    "adagrad": lambda: ga.train.AdagradOptimizer(0.1),
}


@pytest.mark.parametrize("name", sorted(_OPTIMIZERS))
def test_optimizer_steps_on_device_equal_the_cpu(device, name):
    w1, w2, b = RNG.standard_normal((4, 5)), RNG.standard_normal((5, 2)), np.float64(0.3)

    def run(dev):
        vs = [ga.Variable(w1, device=dev), ga.Variable(w2, device=dev),
              ga.Variable(b, device=dev)]
        x = ga.tensor(A, device=dev)
        opt = _OPTIMIZERS[name]()
        loss = lambda: _mlp_loss(vs[0], vs[1], x) + vs[2] * vs[2]
        for _ in range(3):
            opt.minimize(loss)
        return vs, opt

    ref, _ = run("cpu")
    got, opt = run(device)
    for v, r in zip(got, ref):
        assert isinstance(v, ga.Variable)
        assert devices.device_of(v) == expected_device(device)
        np.testing.assert_allclose(host(v), r.numpy(), rtol=1e-12, atol=1e-15)
    for slot in opt.get_slot_names():
        s = opt.get_slot(got[0], slot)
        assert devices.device_of(s) == expected_device(device), slot


def test_optimizer_in_place_without_host_copies(device):
    v = ga.Variable(V, device=device)
    raw = v._value
    g = on(np.ones_like(V), device)
    opt = ga.train.AdamOptimizer(0.1)
    opt.apply_gradients([(g, v)])
    opt.apply_gradients([(g._raw, v)])   # a raw device gradient is used as it is
    assert v._value is raw                # updated in its own memory
    assert devices.device_of(v) == expected_device(device)
    if device != "cpu":
        with pytest.raises(ga.DeviceMismatchError, match="cpu.*cuda:0"):
            opt.apply_gradients([(np.ones_like(V), v)])


def test_implicit_gradients_and_tape_on_device(device):
    dev = expected_device(device)
    w = ga.Variable(B, device=device)
    x = on(A, device)
    loss = lambda: np.sum(np.tanh(x @ w) ** 2)
    ref = ga.grad(lambda w: np.sum(np.tanh(ga.tensor(A) @ w) ** 2))(ga.tensor(B))
    value, [(g, var)] = ga.implicit_value_and_gradients(loss)()
    assert var is w and devices.device_of(g) == dev and devices.device_of(value) == dev
    np.testing.assert_allclose(host(g), ref, rtol=1e-12)
    with ga.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = loss()
    gx, gw = tape.gradient(y, [x, w])
    np.testing.assert_allclose(host(gw), ref, rtol=1e-12)
    assert devices.device_of(gx) == dev
    gz = tape.gradient(y, on(V, device), unconnected_gradients="zero")
    assert devices.device_of(gz) == dev and not host(gz).any()
    (dg,) = ga.gradients_function(lambda t: np.sum(t * t))(x)   # tfe, cached ones
    np.testing.assert_allclose(host(dg), 2 * A)
    assert devices.device_of(dg) == dev


def test_cached_ones_are_per_device(device):
    from gradarray import tfe

    grads = ga.gradients_function(lambda t: np.sum(t))
    (gc,) = grads(ga.tensor(A))
    (gd,) = grads(on(A, device))
    assert devices.device_of(gc) == "cpu" and devices.device_of(gd) == expected_device(device)
    ones = [o for o in tfe._ONES.values() if o.shape == () and o.dtype == np.float64]
    assert {devices.device_of(o) for o in ones} >= {"cpu", expected_device(device)}
    # A source that is the output itself gets a copy, never the cached one.
    s = on(np.array(1.5), device)
    (g1,) = ga.gradients_function(lambda t: t)(s)
    assert g1._raw is not tfe._ones(s._raw) and float(g1) == 1.0


def test_jacobians_on_device(device):
    dev = expected_device(device)
    f = lambda x: np.sin(x) * np.sum(x)
    x = V[0]
    ref = ga.jacobian(f)(ga.tensor(x))
    for jac in (ga.jacobian(f)(on(x, device)), ga.jacfwd(f)(on(x, device))):
        assert devices.device_of(jac) == dev
        np.testing.assert_allclose(host(jac), ref, rtol=1e-12)
    t = on(x, device)
    with ga.GradientTape(persistent=True) as tape:
        tape.watch(t)
        y = f(t)
    jt = tape.jacobian(y, t)
    assert devices.device_of(jt) == dev
    np.testing.assert_allclose(host(jt), ref, rtol=1e-12)
    zero = tape.jacobian(y, on(B, device), unconnected_gradients="zero")
    assert devices.device_of(zero) == dev and zero.shape == (4, 4, 2)
    bt = on(V, device)
    with ga.GradientTape() as tape:
        tape.watch(bt)
        yb = np.sin(bt) * 2.0
    bj = tape.batch_jacobian(yb, bt)
    assert devices.device_of(bj) == dev
    np.testing.assert_allclose(host(bj)[1], np.diag(2 * np.cos(V[1])), rtol=1e-12)


def test_stop_gradient_and_check_grads_on_device(device):
    g = ga.grad(lambda x: np.sum(x * ga.stop_gradient(x)))(on(V, device))
    np.testing.assert_allclose(host(g), V)
    ga.testing.check_grads(lambda x, y: np.tanh(x) * y, on(V, device), on(V + 1, device))


def test_custom_gradient_on_device(device):
    @ga.custom_gradient
    def clip_grad(x):
        return x * 1.0, lambda dy: np.clip(dy, -0.5, 0.5)

    g = ga.grad(lambda x: np.sum(clip_grad(x) * 3.0))(on(V, device))
    assert devices.device_of(g) == expected_device(device)
    np.testing.assert_allclose(host(g), np.full_like(V, 0.5))


def _e_write_through_a_view(x):
    z = np.exp(x)            # exp keeps its output ...
    part = z[1:]
    part += 1.0              # ... overwritten through a view of it
    return z


def _e_out_into_saved(x):
    y = x * 1.0
    z = np.sin(y)            # sin keeps its input y ...
    np.multiply(y, 2.0, out=y)
    return z


@pytest.mark.parametrize("f, want", [(_e_write_through_a_view, np.exp),
                                     (_e_out_into_saved, np.cos)], ids=["view", "out"])
def test_overwritten_saved_value_copied_on_device(device, f, want):
    g = ga.grad(lambda x: np.sum(f(x)))(on(V, device))
    np.testing.assert_allclose(host(g), want(V), rtol=1e-6)


def test_write_log_knows_registered_device_array_types(monkeypatch):
    # The log and the mutation checks see a device's arrays (CuPy's are no ndarray): a
    # stand-in type that is no ndarray, with a ``.base`` chain as CuPy's views have.
    from gradarray import backward, graph

    class Raw:
        def __init__(self, base=None):
            self.base = base

    monkeypatch.setattr(graph, "RAW_TYPES", graph.RAW_TYPES)
    assert FakeGpuArray in graph.RAW_TYPES   # registered with its Tensor class
    graph.register_raw_type(Raw)
    owner = Raw()
    view = Raw(Raw(owner))
    epoch = graph.EPOCH[0]
    graph.log_write(view)
    assert graph.written_since(owner, epoch)
    node = graph.Node(None, (), ([owner], view), None, owner, (), np.float64)
    assert [i for i, _ in backward._saved_arrays(node)] == [0, 1, -1]


def test_like_keeps_the_device_once_conversions_are_installed(device):
    # NumPy hands __array_function__ what numpy.zeros is at call time: gradarray's wrapper
    # once a gradient was taken; the device must still see NumPy's function.
    ga.grad(lambda x: np.sum(x))(np.ones(1))
    a = on(A, device)
    dev = expected_device(device)
    for r in (np.zeros(2, like=a), np.ones(3, like=a), np.full(2, 1.5, like=a),
              np.empty(2, like=a), np.eye(2, like=a)):
        assert devices.device_of(r) == dev
