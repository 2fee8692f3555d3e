"""gradarray.array_api: completeness, signatures, dtypes, properties and gradients.

The data-apis conformance suite runs outside CI (conformance/run.py); these tests cover the
namespace without it: property tests on ``hypothesis.extra.array_api`` strategies built from
the namespace itself, signatures against array-api-strict's, promotion and ``finfo``/
``iinfo`` against array-api-strict, and derivatives of the namespace functions against
finite differences (``gradarray.testing.check_grads``).
"""

from __future__ import annotations

import inspect
import math

import array_api_strict as strict
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.array_api import make_strategies_namespace

import gradarray as ga
import gradarray.array_api as xp
from gradarray.errors import NoRuleError
from gradarray.testing import check_grads

xps = make_strategies_namespace(xp)

STRICT_ONLY = {"ArrayAPIStrictFlags", "Device", "get_array_api_strict_flags",
               "set_array_api_strict_flags", "reset_array_api_strict_flags", "__version__"}
DTYPE_NAMES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
               "float32", "float64", "complex64", "complex128"]


# ----------------------------------------------------------------------------- the namespace

def test_version_and_namespace():
    x = xp.asarray([1.0])
    assert xp.__array_api_version__ == "2025.12"
    assert x.__array_namespace__() is xp
    assert x.__array_namespace__(api_version="2023.12") is xp
    with pytest.raises(ValueError, match="2019.01"):
        x.__array_namespace__(api_version="2019.01")


@pytest.mark.parametrize("mod", ["", "linalg", "fft"])
def test_every_name_of_the_standard_exists(mod):
    ref = getattr(strict, mod) if mod else strict
    ours = getattr(xp, mod) if mod else xp
    missing = [n for n in ref.__all__ if n not in STRICT_ONLY and not hasattr(ours, n)]
    assert missing == []
    if not mod:
        assert set(ref.__all__) - STRICT_ONLY - {"__array_api_version__"} <= set(xp.__all__)


def test_all_is_explicit_and_resolves():
    assert len(xp.__all__) == len(set(xp.__all__))
    for name in xp.__all__:
        assert hasattr(xp, name), name
    assert hasattr(xp.linalg, "eig") and hasattr(xp.linalg, "eigvals")  # 2025.12 additions


def _strict_functions():
    for mod in ("", "linalg", "fft"):
        ref = getattr(strict, mod) if mod else strict
        for name in ref.__all__:
            f = getattr(ref, name)
            if inspect.isfunction(f) and name not in STRICT_ONLY:
                yield pytest.param(mod, name, id=f"{mod}.{name}" if mod else name)


@pytest.mark.parametrize("mod,name", list(_strict_functions()))
def test_signature_matches_array_api_strict(mod, name):
    """Same parameter names, kinds (positional-only / keyword-only) and defaults; extras
    (NumPy's ufunc keywords) only with defaults."""
    ref = inspect.signature(getattr(getattr(strict, mod) if mod else strict, name))
    try:
        ours = inspect.signature(getattr(getattr(xp, mod) if mod else xp, name))
    except ValueError:
        if np.lib.NumpyVersion(np.__version__) >= "2.4.0":
            raise
        pytest.skip("NumPy < 2.4: ufuncs and some builtins have no introspectable signature")
    theirs = list(ref.parameters.values())
    mine = list(ours.parameters.values())
    for i, p in enumerate(theirs):
        q = mine[i] if p.kind == p.POSITIONAL_ONLY else ours.parameters.get(p.name)
        assert q is not None, f"{name}: parameter {p.name} missing"
        assert q.kind == p.kind, f"{name}: {p.name} is {q.kind}, expected {p.kind}"
        strict_sentinel = type(p.default).__module__.startswith("array_api_strict")
        if p.default is not p.empty and not strict_sentinel:
            assert q.default == p.default, f"{name}: default of {p.name}"
    for q in mine[len(theirs):]:
        assert q.default is not q.empty or q.kind in (q.VAR_POSITIONAL, q.VAR_KEYWORD), name


# ----------------------------------------------------------------------------- dtypes

@pytest.mark.parametrize("a", DTYPE_NAMES)
def test_promotion_matches_array_api_strict(a):
    for b in DTYPE_NAMES:
        try:
            expected = strict.result_type(getattr(strict, a), getattr(strict, b))
        except TypeError:
            continue  # no promotion in the standard (e.g. int8 with float32)
        expected = next(n for n in DTYPE_NAMES if getattr(strict, n) == expected)
        assert xp.result_type(getattr(xp, a), getattr(xp, b)).name == expected
        assert xp.can_cast(getattr(xp, a), getattr(xp, b)) == \
            strict.can_cast(getattr(strict, a), getattr(strict, b))
        if a != "bool" and b != "bool":
            x1, x2 = xp.ones(2, dtype=getattr(xp, a)), xp.ones(2, dtype=getattr(xp, b))
            assert xp.add(x1, x2).dtype.name == expected


def test_python_scalars_are_weak():
    x = xp.ones(3, dtype=xp.float32)
    assert (x * 2.0).dtype == xp.float32
    assert xp.result_type(x, 1.0) == xp.float32
    assert xp.where(x > 0, x, 0.0).dtype == xp.float32
    clipped = xp.clip(xp.asarray([-100, 100], dtype=xp.int8), -1000, 1000)
    assert clipped.dtype == xp.int8 and clipped.tolist() == [-100, 100]


@pytest.mark.parametrize("name", ["float32", "float64", "complex64", "complex128"])
def test_finfo(name):
    dt = getattr(xp, name)
    for arg in (dt, xp.ones(2, dtype=dt)):
        fi = xp.finfo(arg)
        ref = np.finfo(dt)
        assert type(fi.bits) is int and fi.bits == ref.bits
        for attr in ("eps", "max", "min", "smallest_normal"):
            assert type(getattr(fi, attr)) is float
            assert getattr(fi, attr) == float(getattr(ref, attr))
        assert fi.dtype == (xp.float32 if name in ("float32", "complex64") else xp.float64)


@pytest.mark.parametrize("name", ["int8", "int16", "int32", "int64", "uint8", "uint16",
                                  "uint32", "uint64"])
def test_iinfo(name):
    dt = getattr(xp, name)
    for arg in (dt, xp.zeros(2, dtype=dt)):
        ii = xp.iinfo(arg)
        assert (type(ii.bits), type(ii.min), type(ii.max)) == (int, int, int)
        assert (ii.min, ii.max) == (int(np.iinfo(dt).min), int(np.iinfo(dt).max))
        assert ii.dtype == dt
    with pytest.raises(ValueError):
        xp.finfo(dt)


def test_info_and_devices():
    info = xp.__array_namespace_info__()
    assert info.devices() == ("cpu",) and info.default_device() == "cpu"
    assert info.default_dtypes()["real floating"] == xp.float64
    assert set(info.dtypes(kind="integral")) == {"int8", "int16", "int32", "int64", "uint8",
                                                "uint16", "uint32", "uint64"}
    assert info.capabilities()["boolean indexing"] is True
    x = xp.zeros(3, device="cpu")
    assert x.device == "cpu" and x.to_device("cpu") is x
    assert xp.ones_like(x, device=x.device).device == "cpu"
    with pytest.raises(ValueError):
        xp.zeros(3, device="tpu")


def test_dlpack_roundtrip():
    x = xp.arange(6, dtype=xp.float32)
    assert x.__dlpack_device__() == (1, 0)
    y = xp.from_dlpack(np.arange(6, dtype=np.float32))
    assert isinstance(y, ga.Tensor) and y.tolist() == x.tolist()
    z = xp.from_dlpack(x, copy=True)
    z[0] = 10
    assert x[0] == 0
    assert isinstance(x.__dlpack__(max_version=(1, 0), copy=False), object)


def test_results_are_tensors_and_zero_d_stays_tensor():
    x = xp.asarray([1.0, 2.0, 3.0])
    for out in (xp.sum(x), xp.max(x), xp.argmax(x), xp.count_nonzero(x), xp.all(x),
                xp.linalg.vector_norm(x), xp.searchsorted(x, 2.5), x[0], xp.exp(x[0])):
        assert isinstance(out, ga.Tensor) and out.ndim == 0
    assert isinstance(xp.zeros(2), ga.Tensor) and isinstance(xp.linspace(0, 1, 3), ga.Tensor)
    assert xp.count_nonzero(x).dtype == xp.int64


# ----------------------------------------------------------------------------- where NumPy deviates

def test_floor_divide_special_cases():
    inf = math.inf
    x1 = xp.asarray([inf, inf, -inf, -inf, 1.0, 1.0, -1.0, -1.0, 7.0])
    x2 = xp.asarray([2.0, -2.0, 2.0, -2.0, inf, -inf, inf, -inf, 2.0])
    want = [inf, -inf, -inf, inf, 0.0, -0.0, -0.0, 0.0, 3.0]
    out = xp.floor_divide(x1, x2)
    assert out.tolist() == want
    assert list(np.signbit(out.numpy())) == [math.copysign(1, w) < 0 for w in want]
    # The operators keep NumPy's values: plain NumPy code on a Tensor gives NumPy's numbers.
    with np.errstate(invalid="ignore"):
        expect = x1.numpy() // x2.numpy()
        np.testing.assert_array_equal((x1 // x2).numpy(), expect)
        y = xp.asarray(x1, copy=True)
        y //= x2
    np.testing.assert_array_equal(y.numpy(), expect)
    assert (xp.asarray([7, -7]) // 2).tolist() == [3, -4]


def test_complex_special_cases():
    z = xp.asarray([complex(math.inf, 0.0), complex(-0.0, 0.0), complex(math.inf, 2.0),
                    complex(-math.inf, -2.0)])
    e = xp.expm1(z[:2])
    assert e[0] == complex(math.inf, 0.0) and not np.signbit(np.real(e[1]))
    t = xp.tanh(z[2:])
    assert t.tolist() == [1 + 0j, -1 + 0j]
    assert list(np.signbit(np.imag(t.numpy()))) == [False, True]


def test_sort_descending_is_stable():
    x = xp.asarray([3, 1, 3, 2, 1])
    assert xp.argsort(x, descending=True).tolist() == [0, 2, 3, 1, 4]
    assert xp.sort(x, descending=True).tolist() == [3, 3, 2, 1, 1]


def test_eig_is_complex():
    w = xp.linalg.eigvals(xp.asarray([[2.0, 0.0], [0.0, 3.0]], dtype=xp.float32))
    assert w.dtype == xp.complex64 and sorted(w.tolist(), key=abs) == [2, 3]


# ----------------------------------------------------------------------------- properties

float_arrays = xps.arrays(dtype=xps.floating_dtypes(), shape=xps.array_shapes(max_dims=3),
                          elements={"allow_nan": False, "allow_infinity": False,
                                    "min_value": -100, "max_value": 100})
UNARY = ["abs", "exp", "sin", "cos", "tanh", "negative", "square", "floor", "ceil",
         "trunc", "sign", "round", "expm1", "log1p", "sqrt", "isfinite", "signbit"]


@pytest.mark.parametrize("name", UNARY)
@given(x=float_arrays)
def test_unary_matches_numpy(name, x):
    with np.errstate(all="ignore"):
        out = getattr(xp, name)(x)
        ref = getattr(np, {"abs": "absolute"}.get(name, name))(x.numpy())
    assert isinstance(out, ga.Tensor) and out.shape == x.shape and out.dtype == ref.dtype
    np.testing.assert_array_equal(out.numpy(), ref)


@given(data=st.data())
def test_binary_broadcasts_and_promotes(data):
    shapes = data.draw(xps.mutually_broadcastable_shapes(2))
    dt1 = data.draw(xps.real_dtypes())
    dt2 = data.draw(xps.real_dtypes().filter(lambda d: d.kind == dt1.kind))  # same kind
    x1 = data.draw(xps.arrays(dt1, shapes.input_shapes[0]))
    x2 = data.draw(xps.arrays(dt2, shapes.input_shapes[1]))
    out = xp.equal(x1, x2)
    assert out.shape == shapes.result_shape and out.dtype == xp.bool
    assert xp.maximum(x1, x2).dtype == xp.result_type(x1, x2)


@given(x=float_arrays, keepdims=st.booleans(), data=st.data())
def test_reductions_shapes(x, keepdims, data):
    axis = data.draw(st.none() | st.integers(-x.ndim, x.ndim - 1) if x.ndim else st.none())
    for f in (xp.sum, xp.mean, xp.max, xp.std, xp.prod, xp.any):
        if x.size == 0 and f in (xp.max, xp.mean, xp.std):
            continue
        with np.errstate(all="ignore"):
            out = f(x, axis=axis, keepdims=keepdims)
        ref = np.sum(x.numpy(), axis=axis, keepdims=keepdims)
        assert isinstance(out, ga.Tensor) and out.shape == ref.shape


@given(x=xps.arrays(dtype=xps.scalar_dtypes(), shape=xps.array_shapes(min_dims=1, max_dims=3)),
       data=st.data())
def test_manipulation_roundtrips(x, data):
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    assert xp.all(xp.stack(xp.unstack(x, axis=axis), axis=axis) == x) or xp.any(xp.isnan(x))
    perm = tuple(data.draw(st.permutations(range(x.ndim))))
    back = tuple(int(i) for i in np.argsort(perm))
    assert xp.permute_dims(xp.permute_dims(x, perm), back).shape == x.shape
    assert xp.reshape(x, (-1,)).shape == (x.size,)
    assert xp.squeeze(xp.expand_dims(x, axis=(0, -1)), axis=(0, -1)).shape == x.shape
    assert xp.concat([x, x], axis=None).shape == (2 * x.size,)
    assert xp.flip(xp.flip(x, axis=axis), axis=axis).shape == x.shape


@given(x=xps.arrays(dtype=xps.real_dtypes(), shape=xps.array_shapes(min_dims=1, max_dims=2)),
       descending=st.booleans())
def test_sort_matches_numpy_stable(x, descending):
    idx = xp.argsort(x, axis=-1, descending=descending)
    key = -x.numpy().astype(np.float64) if descending else x.numpy()
    ref = np.argsort(key, axis=-1, kind="stable")
    if not np.isnan(key).any():
        np.testing.assert_array_equal(idx.numpy(), ref)


@given(data=st.data())
def test_meshgrid_and_diff_match_numpy(data):
    a = data.draw(xps.arrays(xp.float64, st.integers(1, 4)))
    b = data.draw(xps.arrays(xp.float64, st.integers(1, 4)))
    for indexing in ("xy", "ij"):
        for o, r in zip(xp.meshgrid(a, b, indexing=indexing),
                        np.meshgrid(a.numpy(), b.numpy(), indexing=indexing), strict=True):
            np.testing.assert_array_equal(o.numpy(), r)
    n = data.draw(st.integers(0, 2))
    np.testing.assert_array_equal(xp.diff(a, n=n, prepend=b).numpy(),
                                  np.diff(a.numpy(), n=n, prepend=b.numpy()))


# ----------------------------------------------------------------------------- gradients

_rng = np.random.default_rng(7)
V = _rng.uniform(0.2, 0.9, (3, 4))           # a batch of vectors, values in (0.2, 0.9)
W = _rng.uniform(0.2, 0.9, (3, 4))
S = _rng.standard_normal((3, 3))
SPD = S @ S.T + 3 * np.eye(3)                 # well conditioned, symmetric positive definite
DISTINCT = np.array([[0.3, 0.8, 0.1], [0.9, 0.2, 0.6]])   # no ties (max, sort)

GRAD_CASES = {
    # elementwise, unary
    **{n: (lambda x, n=n: getattr(xp, n)(x), V) for n in [
        "abs", "acos", "acosh", "asin", "asinh", "atan", "atanh", "cos", "cosh", "exp",
        "expm1", "log", "log10", "log1p", "log2", "negative", "positive", "reciprocal",
        "sin", "sinh", "sqrt", "square", "tan", "tanh", "real", "conj"]},
    "acosh": (lambda x: xp.acosh(x + 1.5), V),
    # elementwise, binary
    **{n: (lambda x, y, n=n: getattr(xp, n)(x, y), V, W) for n in [
        "add", "subtract", "multiply", "divide", "pow", "atan2", "hypot", "logaddexp",
        "maximum", "minimum", "copysign"]},
    "clip": (lambda x: xp.clip(x, 0.3, 0.7), V),
    "where": (lambda x, y: xp.where(x > y, x, y), V, W),
    # statistical
    "sum": (lambda x: xp.sum(x, axis=1), V),
    "mean": (lambda x: xp.mean(x, axis=0, keepdims=True), V),
    "std": (lambda x: xp.std(x, axis=1, correction=1), V),
    "var": (lambda x: xp.var(x), V),
    "prod": (lambda x: xp.prod(x, axis=0), V),
    "max": (lambda x: xp.max(x, axis=1), DISTINCT),
    "min": (lambda x: xp.min(x), DISTINCT),
    "cumulative_sum": (lambda x: xp.cumulative_sum(x, axis=1, include_initial=True), V),
    "cumulative_prod": (lambda x: xp.cumulative_prod(x, axis=0), V),
    # manipulation, indexing, sorting, creation from arrays
    "reshape": (lambda x: xp.reshape(x, (4, 3)), V),
    "permute_dims": (lambda x: xp.permute_dims(x, (1, 0)), V),
    "flip": (lambda x: xp.flip(x, axis=0), V),
    "roll": (lambda x: xp.roll(x, 2, axis=1), V),
    "concat": (lambda x, y: xp.concat([x, y], axis=None), V, W),
    "stack": (lambda x, y: xp.stack([x, y], axis=1), V, W),
    "tile": (lambda x: xp.tile(x, (2, 1)), V),
    "repeat": (lambda x: xp.repeat(x, 2, axis=0), V),
    "broadcast_to": (lambda x: xp.broadcast_to(x[0], (2, 4)), V),
    "broadcast_arrays": (lambda x, y: xp.broadcast_arrays(x, y[0])[1], V, W),
    "expand_dims": (lambda x: xp.expand_dims(x, axis=(0, 2)), V),
    "squeeze": (lambda x: xp.squeeze(x[None], axis=0), V),
    "moveaxis": (lambda x: xp.moveaxis(x, 0, 1), V),
    "unstack": (lambda x: xp.unstack(x, axis=1)[2], V),
    "meshgrid": (lambda x, y: xp.meshgrid(x[0], y[1])[1], V, W),
    "take": (lambda x: xp.take(x, xp.asarray([2, 0, 2]), axis=1), V),
    "take_along_axis": (lambda x: xp.take_along_axis(x, xp.asarray([[1], [0], [3]]), axis=1),
                        V),
    "diff": (lambda x, y: xp.diff(x, axis=1, n=2, prepend=y), V, W),
    "sort": (lambda x: xp.sort(x, axis=1, descending=True), DISTINCT),
    "tril": (lambda x: xp.tril(x, k=1), V),
    "triu": (lambda x: xp.triu(x), V),
    "asarray": (lambda x: xp.asarray(x, dtype=xp.float64), V),
    "astype": (lambda x: xp.astype(x, xp.complex128), V),
    # linear algebra
    "matmul": (lambda x, y: xp.matmul(x, y.T), V, W),
    "matrix_transpose": (lambda x: xp.matrix_transpose(x), V),
    "tensordot": (lambda x, y: xp.tensordot(x, y, axes=([1], [1])), V, W),
    "vecdot": (lambda x, y: xp.vecdot(x, y, axis=0), V, W),
    "linalg.inv": (lambda a: xp.linalg.inv(a), SPD),
    "linalg.det": (lambda a: xp.linalg.det(a), SPD),
    "linalg.slogdet": (lambda a: xp.linalg.slogdet(a).logabsdet, SPD),
    "linalg.solve": (lambda a, b: xp.linalg.solve(a, b), SPD, V[:, :2]),
    "linalg.cholesky": (lambda a: xp.linalg.cholesky((a + a.T) / 2), SPD),
    "linalg.eigvalsh": (lambda a: xp.linalg.eigvalsh((a + a.T) / 2), SPD),
    "linalg.svdvals": (lambda a: xp.linalg.svdvals(a), SPD),
    "linalg.pinv": (lambda a: xp.linalg.pinv(a), SPD),
    "linalg.matrix_power": (lambda a: xp.linalg.matrix_power(a, 3), S),
    "linalg.trace": (lambda a: xp.linalg.trace(a, offset=1), S),
    "linalg.diagonal": (lambda a: xp.linalg.diagonal(a), S),
    "linalg.outer": (lambda x, y: xp.linalg.outer(x[0], y[1]), V, W),
    "linalg.cross": (lambda x, y: xp.linalg.cross(x[:, :3], y[:, :3]), V, W),
    "linalg.vector_norm": (lambda x: xp.linalg.vector_norm(x, axis=1), V),
    "linalg.matrix_norm": (lambda a: xp.linalg.matrix_norm(a), S),
    # fft
    "fft.fft": (lambda x: xp.real(xp.fft.fft(x)), V),
    "fft.ifft": (lambda x: xp.imag(xp.fft.ifft(x, n=6)), V),
    "fft.rfft": (lambda x: xp.abs(xp.fft.rfft(x, norm="ortho")), V),
    "fft.irfft": (lambda x: xp.fft.irfft(xp.fft.rfft(x)), V),
    "fft.fftn": (lambda x: xp.real(xp.fft.fftn(x)), V),
    "fft.fftshift": (lambda x: xp.fft.fftshift(x, axes=1), V),
}


def _resolve(name):
    mod, _, attr = name.rpartition(".")
    return getattr(getattr(xp, mod) if mod else xp, attr)


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_gradient(name):
    """Reverse and forward mode of each namespace function against finite differences."""
    assert callable(_resolve(name))
    f, *args = GRAD_CASES[name]
    try:
        check_grads(f, *[xp.asarray(a) for a in args], order=1)
    except NoRuleError as e:  # the NumPy call the namespace makes has no rule (yet)
        pytest.skip(f"no derivative rule: {e}"[:200])


def test_gradient_is_recorded_through_the_namespace():
    x = xp.asarray([0.5, 1.5, 2.5])
    g = ga.grad(lambda x: xp.sum(xp.std(x, correction=1) * xp.exp(x)))(x)
    s = np.std(x.numpy(), ddof=1)
    dstd = (x.numpy() - x.numpy().mean()) / (2 * s)  # d std / d x_i with n - 1 = 2
    np.testing.assert_allclose(g.numpy(), s * np.exp(x.numpy())
                               + dstd * np.sum(np.exp(x.numpy())), rtol=1e-12)
