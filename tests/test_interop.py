"""Real SciPy and scikit-learn entry points run on Tensors: which stay differentiable.

Every entry is called on Tensors inside a gradient computation and classified, by
measurement, as

- ``differentiable``: the result is recorded and its gradient matches central differences;
- ``runs, tape lost``: the result is not recorded; the *why* names the conversion that
  dropped the Tensor, found by watching calls of ``np.array``/``np.asarray``/... made from a
  frame that holds a recorded Tensor (``sys.setprofile``);
- ``fails``: the call raises (the exception is the why).

The table in ``docs/interop_table.md`` (included by ``docs/interop.md``) is written from
these results, never by hand::

    python tests/test_interop.py --write-docs      # or GA_WRITE_DOCS=1 pytest tests/test_interop.py

Each entry is also run in a subprocess with ``SCIPY_ARRAY_API=1`` and scikit-learn's
``array_api_dispatch=True`` (the variable is read when SciPy is imported).  The second part
of this file walks array-api-compat's NumPy namespace, the one that
``array_api_compat.array_namespace(tensor)`` and SciPy hand to code on Tensors.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import gradarray as ga

sp = pytest.importorskip("scipy") if __name__ != "__main__" else __import__("scipy")
import scipy.fft  # noqa: E402
import scipy.integrate  # noqa: E402
import scipy.linalg  # noqa: E402
import scipy.ndimage  # noqa: E402
import scipy.optimize  # noqa: E402
import scipy.signal  # noqa: E402
import scipy.spatial.distance  # noqa: E402
import scipy.special  # noqa: E402
import scipy.stats  # noqa: E402

from gradarray import special as gs  # noqa: E402

try:
    import sklearn
    import sklearn.linear_model
    import sklearn.metrics
    import sklearn.preprocessing
    import sklearn.utils
except ImportError:  # the sklearn rows are then skipped
    sklearn = None
try:
    import array_api_compat
except ImportError:
    array_api_compat = None

ROOT = Path(__file__).resolve().parents[1]
DIFF, LOST, FAILS = "differentiable", "runs, tape lost", "fails"
WRONG = "wrong gradient, tape partly lost"
ARRAY_API_MODE = bool(os.environ.get("SCIPY_ARRAY_API"))


# ----------------------------------------------------------------------------- inputs

def _vec(n=5, lo=-1.0, hi=1.0):
    return lambda rng: rng.uniform(lo, hi, n)


def _mat(n=3, m=4, lo=-1.0, hi=1.0):
    return lambda rng: rng.uniform(lo, hi, (n, m))


def _spd(n=3):
    def make(rng):
        a = rng.uniform(-1, 1, (n, n))
        return a @ a.T + n * np.eye(n)
    return make


def _probs(n=6):
    return lambda rng: rng.uniform(0.1, 0.9, n)


# ----------------------------------------------------------------------------- entries

@dataclass
class Entry:
    name: str                       # the entry point, as users call it
    fn: Callable                    # fn(*tensors): the call, other arguments fixed
    inputs: tuple                   # one generator per differentiated array: rng -> ndarray
    expect: str | None = None       # the status this project guarantees (asserted)
    needs: str = "scipy"            # "sklearn" / "compat": skipped without that library
    group: str = ""                 # the table section
    note: str = ""                  # shown next to the measured status

    def __str__(self) -> str:
        return self.name


def _sk_lr_coef(X, y):
    return sklearn.linear_model.LinearRegression().fit(X, y).coef_


def _compat_ns(x):
    return array_api_compat.array_namespace(x)


_Y01 = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0])
_K = np.array([0.25, 0.5, 0.25])
_SPECIAL, _STATS, _SIGNAL, _LINALG, _OTHER, _SK, _NS = (
    "scipy.special", "scipy.stats", "scipy.signal and scipy.fft", "scipy.linalg",
    "scipy.spatial, scipy.integrate, scipy.optimize, scipy.ndimage", "scikit-learn",
    "array namespaces")

ENTRIES = [
    Entry("scipy.special.erf", scipy.special.erf, (_vec(),), DIFF, group=_SPECIAL),
    Entry("scipy.special.gammaln", scipy.special.gammaln, (_vec(lo=0.2, hi=3),), DIFF,
          group=_SPECIAL),
    Entry("scipy.special.digamma", scipy.special.digamma, (_vec(lo=0.2, hi=3),), DIFF,
          group=_SPECIAL),
    Entry("scipy.special.expit", scipy.special.expit, (_vec(),), DIFF, group=_SPECIAL),
    Entry("scipy.special.xlogy", scipy.special.xlogy, (_vec(), _vec(lo=0.2, hi=2)), DIFF,
          group=_SPECIAL),
    Entry("scipy.special.log_ndtr", scipy.special.log_ndtr, (_vec(lo=-3, hi=3),), DIFF,
          group=_SPECIAL),
    Entry("scipy.special.i0e", scipy.special.i0e, (_vec(lo=0.1, hi=2),), DIFF, group=_SPECIAL),
    Entry("scipy.special.rel_entr", scipy.special.rel_entr, (_probs(), _probs()), DIFF,
          group=_SPECIAL),
    Entry("scipy.special.softplus", scipy.special.softplus, (_vec(),), DIFF, group=_SPECIAL),
    Entry("scipy.special.zeta(s, q)", lambda q: scipy.special.zeta(2.5, q),
          (_vec(lo=0.5, hi=3),), DIFF, group=_SPECIAL),
    Entry("scipy.special.logsumexp", lambda x: scipy.special.logsumexp(x, axis=1), (_mat(),),
          group=_SPECIAL, note="use `gradarray.special.logsumexp`"),
    Entry("scipy.special.softmax", lambda x: scipy.special.softmax(x, axis=1), (_mat(),),
          group=_SPECIAL),
    Entry("scipy.special.log_softmax", lambda x: scipy.special.log_softmax(x, axis=1),
          (_mat(),), group=_SPECIAL),
    Entry("scipy.special.polygamma", lambda x: scipy.special.polygamma(1, x),
          (_vec(lo=0.5, hi=3),), group=_SPECIAL),
    Entry("scipy.special.multigammaln", lambda x: scipy.special.multigammaln(x, 2),
          (_vec(lo=1.5, hi=3),), group=_SPECIAL),
    Entry("scipy.stats.zscore", lambda x: scipy.stats.zscore(x, axis=0), (_mat(),),
          group=_STATS),
    Entry("scipy.stats.norm.logpdf", lambda x: scipy.stats.norm.logpdf(x, 0.3, 1.2), (_vec(),),
          group=_STATS),
    Entry("scipy.stats.norm.cdf", scipy.stats.norm.cdf, (_vec(),), group=_STATS),
    Entry("scipy.stats.multivariate_normal.logpdf",
          lambda x: scipy.stats.multivariate_normal.logpdf(x, np.zeros(4), np.eye(4)),
          (_mat(),), group=_STATS),
    Entry("scipy.stats.entropy", scipy.stats.entropy, (_probs(),), group=_STATS),
    Entry("scipy.stats.gmean", scipy.stats.gmean, (_vec(lo=0.2, hi=2),), group=_STATS),
    Entry("scipy.signal.convolve", lambda x: scipy.signal.convolve(x, _K), (_vec(8),),
          group=_SIGNAL),
    Entry("scipy.signal.fftconvolve", lambda x: scipy.signal.fftconvolve(x, _K), (_vec(8),),
          group=_SIGNAL),
    Entry("scipy.signal.lfilter", lambda x: scipy.signal.lfilter([1.0], [1.0, -0.5], x),
          (_vec(8),), group=_SIGNAL),
    Entry("scipy.fft.fft", scipy.fft.fft, (_vec(8),), group=_SIGNAL),
    Entry("scipy.linalg.solve", scipy.linalg.solve, (_spd(), _vec(3)), group=_LINALG),
    Entry("scipy.linalg.inv", scipy.linalg.inv, (_spd(),), group=_LINALG),
    Entry("scipy.linalg.det", scipy.linalg.det, (_spd(),), group=_LINALG),
    Entry("scipy.linalg.expm", scipy.linalg.expm, (_mat(3, 3, -0.5, 0.5),), group=_LINALG),
    Entry("scipy.linalg.cho_factor + cho_solve",
          lambda a, b: scipy.linalg.cho_solve(scipy.linalg.cho_factor(a), b),
          (_spd(), _vec(3)), group=_LINALG),
    Entry("scipy.linalg.eigh", lambda a: scipy.linalg.eigh(a)[0], (_spd(),), group=_LINALG),
    Entry("scipy.linalg.norm", scipy.linalg.norm, (_mat(),), group=_LINALG),
    Entry("scipy.spatial.distance.cdist", scipy.spatial.distance.cdist, (_mat(), _mat(2, 4)),
          group=_OTHER),
    Entry("scipy.spatial.distance.euclidean", scipy.spatial.distance.euclidean,
          (_vec(), _vec()), group=_OTHER),
    Entry("scipy.integrate.trapezoid", scipy.integrate.trapezoid, (_vec(),), group=_OTHER),
    Entry("scipy.integrate.simpson", scipy.integrate.simpson, (_vec(),), group=_OTHER),
    Entry("scipy.integrate.cumulative_trapezoid", scipy.integrate.cumulative_trapezoid,
          (_vec(),), group=_OTHER),
    Entry("scipy.optimize.rosen", scipy.optimize.rosen, (_vec(),), group=_OTHER),
    Entry("scipy.ndimage.gaussian_filter", lambda x: scipy.ndimage.gaussian_filter(x, 1.0),
          (_vec(8),), group=_OTHER),
    Entry("sklearn.utils.check_array", lambda x: sklearn.utils.check_array(x), (_mat(),),
          needs="sklearn", group=_SK),
    Entry("sklearn.preprocessing.StandardScaler",
          lambda x: sklearn.preprocessing.StandardScaler().fit_transform(x), (_mat(),),
          needs="sklearn", group=_SK),
    Entry("sklearn.preprocessing.normalize", lambda x: sklearn.preprocessing.normalize(x),
          (_mat(),), needs="sklearn", group=_SK),
    Entry("sklearn.metrics.mean_squared_error",
          lambda p: sklearn.metrics.mean_squared_error(_Y01, p), (_probs(),), needs="sklearn",
          group=_SK),
    Entry("sklearn.metrics.log_loss", lambda p: sklearn.metrics.log_loss(_Y01, p), (_probs(),),
          needs="sklearn", group=_SK),
    Entry("sklearn.metrics.r2_score", lambda p: sklearn.metrics.r2_score(_Y01, p), (_probs(),),
          needs="sklearn", group=_SK),
    Entry("sklearn.metrics.pairwise.euclidean_distances",
          lambda x, y: sklearn.metrics.pairwise.euclidean_distances(x, y),
          (_mat(), _mat(2, 4)), needs="sklearn", group=_SK),
    Entry("sklearn.metrics.pairwise.rbf_kernel",
          lambda x, y: sklearn.metrics.pairwise.rbf_kernel(x, y), (_mat(), _mat(2, 4)),
          needs="sklearn", group=_SK),
    Entry("sklearn.linear_model.LinearRegression.fit", _sk_lr_coef, (_mat(6, 2), _vec(6)),
          needs="sklearn", group=_SK),
    Entry("array_api_compat.array_namespace(x).asarray",
          lambda x: _compat_ns(x).asarray(x), (_vec(),), needs="compat", group=_NS),
    Entry("array_api_compat.array_namespace(x).exp",
          lambda x: _compat_ns(x).exp(x), (_vec(),), DIFF, needs="compat", group=_NS),
    Entry("array_api_compat.array_namespace(x).std",
          lambda x: _compat_ns(x).std(x, axis=0, correction=1), (_mat(),), needs="compat",
          group=_NS),
    # The working alternatives (gradarray's own code, so their status is guaranteed).
    Entry("x.__array_namespace__().asarray", lambda x: x.__array_namespace__().asarray(x),
          (_vec(),), group=_NS, needs="gradarray",
          note="gradarray's namespace: the alternative to array-api-compat's numpy one"),
    Entry("gradarray.special.logsumexp", lambda x: gs.logsumexp(x, axis=1), (_mat(),), DIFF,
          group=_SPECIAL, needs="gradarray"),
    Entry("gradarray.special.softmax", lambda x: gs.softmax(x, axis=1), (_mat(),), DIFF,
          group=_SPECIAL, needs="gradarray"),
    Entry("gradarray.special.log_softmax", lambda x: gs.log_softmax(x, axis=1), (_mat(),),
          DIFF, group=_SPECIAL, needs="gradarray"),
    Entry("gradarray.special.polygamma", lambda x: gs.polygamma(1, x), (_vec(lo=0.5, hi=3),),
          DIFF, group=_SPECIAL, needs="gradarray"),
    Entry("gradarray.special.multigammaln", lambda x: gs.multigammaln(x, 2),
          (_vec(lo=1.5, hi=3),), DIFF, group=_SPECIAL, needs="gradarray"),
]


# Silently wrong gradients measured here, each with the conversion that causes it (asserted).
# (SciPy 1.18 moved its vendored array-api-extra from scipy._lib to scipy._external.)
KNOWN_WRONG = {"scipy.special.logsumexp": "array_api_extra._lib._at._op"}

# ----------------------------------------------------------------------------- measuring

class _TapeLost(Exception):
    pass


def _first_float(out: Any) -> Any:
    """The first floating or complex array of a result (results may be tuples)."""
    if isinstance(out, (tuple, list)):
        for o in out:
            if np.asarray(o).dtype.kind in "fc":
                return o
    return out


def _tracked(x: Any) -> bool:
    return isinstance(x, ga.Tensor) and x._node is not None


def _weights(shape: tuple) -> np.ndarray:
    return np.random.default_rng(1).uniform(0.5, 1.5, shape)


def _loss(out: Any) -> Any:
    """A scalar that depends on every element of ``out`` (softmax sums to 1, so not sum)."""
    out = np.real(out) if np.iscomplexobj(out) else out
    return np.sum(out * _weights(np.shape(out)))


def _numerical_grad(fn: Callable, args: list, k: int, eps: float = 1e-6) -> np.ndarray:
    g = np.zeros_like(args[k])
    for i in np.ndindex(args[k].shape):
        vals = []
        for s in (1, -1):
            a = [x.copy() for x in args]
            a[k][i] += s * eps
            vals.append(float(_loss(np.asarray(_first_float(fn(*a))))))
        g[i] = (vals[0] - vals[1]) / (2 * eps)
    return g


# (np.asanyarray is not among them: it returns the Tensor itself.)
_CONVERTERS = {id(f): f"np.{f.__name__}" for f in
               (np.array, np.asarray, np.ascontiguousarray, np.asfortranarray)}


def _holds_tracked(frame: Any) -> bool:
    for v in frame.f_locals.values():
        if _tracked(v) or (isinstance(v, (list, tuple)) and any(_tracked(e) for e in v[:8])):
            return True
    return False


def _site(frame: Any) -> str:
    mod = frame.f_globals.get("__name__", "?")
    mod = "test_interop" if mod == "__main__" else mod
    return f"{mod}.{frame.f_code.co_name}"


def _library_frame(frame: Any) -> Any:
    """The innermost frame outside NumPy and array-api-compat (the caller that chose it)."""
    f = frame
    while f is not None:
        mod = f.f_globals.get("__name__", "")
        if not (mod.startswith("numpy") or "array_api_compat" in mod):
            return f
        f = f.f_back
    return frame


def _where(path: str, line: int) -> str:
    for marker in ("site-packages/", "/src/", "/tests/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{path}:{line}"


def _explain(conv: str, frame: Any, lib: Any) -> str:
    mod = frame.f_globals.get("__name__", "")
    where = _site(frame)
    if "array_api_compat" in mod:
        return (f"array-api-compat's NumPy namespace: {where} calls {conv}, which returns a "
                f"plain ndarray (called from {_site(lib)})")
    if lib is not frame:
        return f"{conv} in {where} (called from {_site(lib)})"
    return f"{conv} in {where}"


def _why_lost(entry: Entry, args: list) -> str:
    """Run ``entry`` again, watching where recorded Tensors stop being recorded.

    In order of precision: a NumPy conversion (``np.array``, ``np.asarray`` ...) that
    returned an untracked array for a recorded Tensor, seen through gradarray's debug mode
    (``ga.set_debug``), which wraps those functions; a ``LostTapeWarning`` of debug mode
    (``out=`` a plain ndarray, ``float(t)`` ...); a conversion called by a name bound before
    debug mode wrapped it, from a frame holding a recorded Tensor; else the innermost
    function given a recorded Tensor that returned an untracked floating result.
    """
    precise: list = []
    conversions: list = []
    returns: list = []
    entered: dict = {}

    def profile(frame: Any, event: str, arg: Any) -> None:
        if event == "c_call":
            if id(arg) in _CONVERTERS and not conversions and _holds_tracked(frame):
                conversions.append((_CONVERTERS[id(arg)], frame, _library_frame(frame)))
        elif event == "call":
            entered[id(frame)] = _holds_tracked(frame)
        elif event == "return" and entered.pop(id(frame), False):
            if (frame.f_code.co_name == "converted" and not precise
                    and frame.f_globals.get("__name__") == "gradarray._debug"
                    and "a" in frame.f_locals and _tracked(frame.f_locals["a"])
                    and not _tracked(arg)):
                caller = frame.f_back
                precise.append((f"np.{frame.f_locals.get('name', '?')}", caller,
                                _library_frame(caller)))
            kind = getattr(getattr(arg, "dtype", None), "kind",
                           "f" if isinstance(arg, float) else "")
            if kind in ("f", "c") and not _tracked(arg) and not returns:
                returns.append(frame)

    def f(*xs: Any) -> Any:
        sys.setprofile(profile)
        try:
            entry.fn(*xs)
        finally:
            sys.setprofile(None)
        return np.sum(xs[0])

    was_debug = ga.is_debug() if hasattr(ga, "is_debug") else False
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if hasattr(ga, "set_debug"):
            ga.set_debug(True)
        try:
            ga.grad(f, argnums=tuple(range(len(args))))(*[ga.tensor(a) for a in args])
        except Exception:  # noqa: BLE001 - the first run already classified the call
            pass
        finally:
            if hasattr(ga, "set_debug") and not was_debug:
                ga.set_debug(False)
    lost = [w for w in caught if w.category.__name__ == "LostTapeWarning"]
    if precise:
        return _explain(*precise[0])
    if lost:
        what = str(lost[0].message).split(":")[0]
        return f"{what} at {_where(lost[0].filename, lost[0].lineno)}"
    if conversions:
        return _explain(*conversions[0])
    if returns:
        return (f"{_site(returns[0])} was given a recorded Tensor and returned an untracked "
                "result, converting it where Python cannot see (compiled code, or "
                "map(np.asarray, ...))")
    return "no conversion of a recorded Tensor was seen"


def classify(entry: Entry) -> tuple[str, str]:
    """(status, why) of one entry, measured."""
    rng = np.random.default_rng(0)
    args = [make(rng) for make in entry.inputs]

    def f(*xs: Any) -> Any:
        out = _first_float(entry.fn(*xs))
        if not _tracked(out):
            raise _TapeLost(type(out).__name__)
        return _loss(out)

    argnums = tuple(range(len(args)))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            grads = ga.grad(f, argnums=argnums)(*[ga.tensor(a) for a in args])
    except _TapeLost as e:
        return LOST, f"returns an untracked {e}: {_why_lost(entry, args)}"
    except Exception as e:  # noqa: BLE001 - classifying is the point
        msg = str(e).strip().splitlines()[0] if str(e).strip() else ""
        return FAILS, f"{type(e).__name__}: {msg[:160]}"
    for k, g in enumerate(grads):
        num = _numerical_grad(entry.fn, [np.array(a) for a in args], k)
        if not np.allclose(np.asarray(g), num, rtol=1e-4, atol=1e-6):
            err = float(np.max(np.abs(np.asarray(g) - num)))
            return WRONG, (f"argument {k} is off by {err:.3g}: the result is recorded, but "
                           f"part of the computation was not: {_why_lost(entry, args)}")
    return DIFF, ""


def _available(entry: Entry) -> bool:
    return not ((entry.needs == "sklearn" and sklearn is None)
                or (entry.needs == "compat" and array_api_compat is None))


def measure() -> dict:
    """{entry name: [status, why]} in this process's configuration."""
    if ARRAY_API_MODE and sklearn is not None:
        sklearn.set_config(array_api_dispatch=True)
    return {e.name: list(classify(e)) for e in ENTRIES if _available(e)}


def measure_array_api_mode() -> dict:
    """``measure()`` in a subprocess with SCIPY_ARRAY_API=1 (read when SciPy is imported)."""
    env = dict(os.environ, SCIPY_ARRAY_API="1")
    r = subprocess.run([sys.executable, __file__, "--json"], env=env, capture_output=True,
                       text=True, timeout=600, cwd=ROOT)
    if r.returncode != 0:
        raise RuntimeError(r.stderr[-2000:])
    return json.loads(r.stdout.strip().splitlines()[-1])


# ----------------------------------------------------------------------------- the compat namespace

def _cn(xp):
    """Calls of array-api-compat's NumPy namespace: name -> (fn(xp, *arrays), inputs)."""
    u, p, m, s = _vec(4, -0.9, 0.9), _vec(4, 0.2, 0.9), _mat(3, 4), _spd(3)
    unary = "abs acos asin asinh atan atanh cos cosh exp expm1 log log1p log2 log10 negative " \
            "positive sin sinh sqrt square tan tanh real conj".split()
    calls = {n: ((lambda xp, x, n=n: getattr(xp, n)(x)), (p,)) for n in unary}
    calls["acosh"] = (lambda xp, x: xp.acosh(x + 1.5), (p,))
    for n in "add subtract multiply divide pow atan2 hypot logaddexp maximum minimum".split():
        calls[n] = ((lambda xp, x, y, n=n: getattr(xp, n)(x, y)), (p, _vec(4, 1.0, 2.0)))
    for n in "sum prod mean max min cumulative_sum cumulative_prod".split():
        calls[n] = ((lambda xp, x, n=n: getattr(xp, n)(x, axis=1)), (m,))
    calls.update({
        "std": (lambda xp, x: xp.std(x, axis=0, correction=1), (m,)),
        "var": (lambda xp, x: xp.var(x, axis=0, correction=1), (m,)),
        "astype": (lambda xp, x: xp.astype(x, xp.complex128), (u,)),
        "asarray": (lambda xp, x: xp.asarray(x), (u,)),
        "clip": (lambda xp, x: xp.clip(x, -0.5, 0.5), (u,)),
        "where": (lambda xp, x, y: xp.where(x > 0, x, y), (u, u)),
        "reshape": (lambda xp, x: xp.reshape(x, (4, 3)), (m,)),
        "permute_dims": (lambda xp, x: xp.permute_dims(x, (1, 0)), (m,)),
        "matrix_transpose": (lambda xp, x: xp.matrix_transpose(x), (m,)),
        "expand_dims": (lambda xp, x: xp.expand_dims(x, axis=0), (u,)),
        "squeeze": (lambda xp, x: xp.squeeze(xp.expand_dims(x, axis=0), axis=0), (u,)),
        "flip": (lambda xp, x: xp.flip(x, axis=0), (m,)),
        "roll": (lambda xp, x: xp.roll(x, 1, axis=0), (m,)),
        "concat": (lambda xp, x, y: xp.concat([x, y]), (u, u)),
        "stack": (lambda xp, x, y: xp.stack([x, y], axis=1), (u, u)),
        "broadcast_to": (lambda xp, x: xp.broadcast_to(x, (2, 4)), (u,)),
        "moveaxis": (lambda xp, x: xp.moveaxis(x, 0, 1), (m,)),
        "tile": (lambda xp, x: xp.tile(x, (2,)), (u,)),
        "repeat": (lambda xp, x: xp.repeat(x, 2), (u,)),
        "take": (lambda xp, x: xp.take(x, xp.asarray([0, 2]), axis=0), (u,)),
        "take_along_axis": (lambda xp, x: xp.take_along_axis(x, np.argsort(x, axis=1), axis=1),
                            (m,)),
        "sort": (lambda xp, x: xp.sort(x), (u,)),
        "matmul": (lambda xp, a, b: xp.matmul(a, b), (m, _mat(4, 2))),
        "tensordot": (lambda xp, a, b: xp.tensordot(a, b, axes=1), (m, _mat(4, 2))),
        "vecdot": (lambda xp, a, b: xp.vecdot(a, b), (m, _vec(4))),
        "linalg.cholesky": (lambda xp, a: xp.linalg.cholesky(a), (s,)),
        "linalg.det": (lambda xp, a: xp.linalg.det(a), (s,)),
        "linalg.inv": (lambda xp, a: xp.linalg.inv(a), (s,)),
        "linalg.solve": (lambda xp, a, b: xp.linalg.solve(a, b), (s, _mat(3, 2))),
        "linalg.slogdet": (lambda xp, a: xp.linalg.slogdet(a)[1], (s,)),
        "linalg.eigh": (lambda xp, a: xp.linalg.eigh(a)[0], (s,)),
        "linalg.svdvals": (lambda xp, a: xp.linalg.svdvals(a), (m,)),
        "linalg.qr": (lambda xp, a: xp.linalg.qr(a)[1], (_mat(4, 3),)),
        "linalg.pinv": (lambda xp, a: xp.linalg.pinv(a), (m,)),
        "linalg.matrix_norm": (lambda xp, a: xp.linalg.matrix_norm(a), (m,)),
        "linalg.vector_norm": (lambda xp, a: xp.linalg.vector_norm(a, axis=1), (m,)),
        "linalg.trace": (lambda xp, a: xp.linalg.trace(a), (s,)),
        "linalg.diagonal": (lambda xp, a: xp.linalg.diagonal(a), (s,)),
        "linalg.outer": (lambda xp, a, b: xp.linalg.outer(a, b), (u, u)),
        "linalg.cross": (lambda xp, a, b: xp.linalg.cross(a, b), (_vec(3), _vec(3))),
        "linalg.matrix_power": (lambda xp, a: xp.linalg.matrix_power(a, 2), (s,)),
        "fft.fft": (lambda xp, x: xp.fft.fft(x), (_vec(8),)),
        "fft.rfft": (lambda xp, x: xp.fft.rfft(x), (_vec(8),)),
        "fft.irfft": (lambda xp, x: xp.fft.irfft(xp.fft.rfft(x)), (_vec(8),)),
        "fft.fftn": (lambda xp, x: xp.fft.fftn(x), (m,)),
    })
    return calls


COMPAT_CALLS = _cn(None)
# array-api-compat functions that drop the tape: name -> the conversion (each is asserted).
COMPAT_LOST = {
    "asarray": "np.array",                      # np.array(x, copy=...): a plain ndarray
    "clip": "written into a plain ndarray",     # np.clip(x, ..., out=np.empty(...))
    "linalg.solve": "np.asarray",               # numpy.linalg._makearray, then a raw gufunc
    "linalg.trace": "np.asarray",               # np.asarray(np.trace(x, ...))
}


def classify_compat(name: str, xp: Any = None) -> tuple[str, str]:
    """Status of one namespace call; ``xp`` defaults to array-api-compat's NumPy namespace."""
    if xp is None:
        import array_api_compat.numpy as xp

    fn, inputs = COMPAT_CALLS[name]
    return classify(Entry(f"{xp.__name__}.{name}", lambda *a: fn(xp, *a), inputs))


# ----------------------------------------------------------------------------- the docs table

def _table(default: dict, api: dict) -> str:
    lines = ["<!-- generated by `python tests/test_interop.py --write-docs`; do not edit -->",
             "", f"Measured with SciPy {sp.__version__}"
             + (f", scikit-learn {sklearn.__version__}" if sklearn else "")
             + (f", array-api-compat {array_api_compat.__version__}" if array_api_compat else "")
             + f", NumPy {np.__version__}.", ""]
    counts = {}
    for group in dict.fromkeys(e.group for e in ENTRIES):
        lines += [f"### {group}", "", "| entry point | default | SCIPY_ARRAY_API=1 |",
                  "| --- | --- | --- |"]
        for e in ENTRIES:
            if e.group != group or e.name not in default:
                continue
            cells = []
            for res in (default, api):
                status, why = res.get(e.name, ("not run", ""))
                if res is default and e.needs != "gradarray":
                    counts[status] = counts.get(status, 0) + 1
                cells.append(f"**{status}**" + (f" ({why})" if why else ""))
            if e.note:
                cells[0] += f"; {e.note}"
            cells = [c.replace("|", "\\|") for c in cells]
            lines.append(f"| `{e.name}` | {cells[0]} | {cells[1]} |")
        lines.append("")
    summary = ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
    lines.insert(3, f"SciPy and scikit-learn entry points, default configuration: {summary}. "
                    "The `gradarray.*` and `x.__array_namespace__()` rows are the working "
                    "alternatives. The second column sets `SCIPY_ARRAY_API=1` and "
                    "scikit-learn's `array_api_dispatch=True`.")
    if array_api_compat is not None:
        res = {n: classify_compat(n) for n in COMPAT_CALLS}
        lines += ["### array-api-compat's NumPy namespace, function by function", "",
                  "`array_api_compat.array_namespace(tensor)` returns `array_api_compat.numpy`"
                  " (it tests `issubclass(type(x), np.ndarray)` before looking for "
                  "`__array_namespace__`), and SciPy uses the same namespace for every NumPy "
                  "input. Each function below was called through it on Tensors:", ""]
        for status in (DIFF, LOST, FAILS, WRONG):
            names = [n for n, r in res.items() if r[0] == status]
            if names:
                lines.append(f"- **{status}** ({len(names)}): "
                             + ", ".join(f"`{n}`" + (f" ({res[n][1]})" if res[n][1] else "")
                                         for n in names))
        lines.append("")
    return "\n".join(lines)


def write_docs() -> Path:
    path = ROOT / "docs" / "interop_table.md"
    path.write_text(_table(measure(), measure_array_api_mode()))
    return path


# ----------------------------------------------------------------------------- tests

@pytest.fixture(scope="module")
def results() -> dict:
    return measure()


@pytest.fixture(scope="module")
def api_results() -> dict:
    return measure_array_api_mode()


def test_table_has_30_real_entry_points(results):
    real = [e for e in ENTRIES if e.needs != "gradarray" and e.name in results]
    assert len(real) >= 30, len(real)
    assert {s for s, _ in results.values()} <= {DIFF, LOST, FAILS, WRONG}


@pytest.mark.parametrize("entry", [e for e in ENTRIES if _available(e)], ids=str)
def test_entry(entry, results):
    status, why = results[entry.name]
    # A recorded result whose gradient disagrees with finite differences must be a known,
    # documented case (a library converting a Tensor on one path), never a new one.
    assert status != WRONG or entry.name in KNOWN_WRONG, f"{entry.name}: {why}"
    if entry.expect is not None:
        assert status == entry.expect, f"{entry.name}: {status} ({why})"
    if status == LOST:
        assert why and "untracked" in why


@pytest.mark.skipif(sklearn is None, reason="needs scikit-learn")
def test_sklearn_check_array_loses_the_tape_in_np_asarray(results):
    status, why = results["sklearn.utils.check_array"]
    assert status == LOST and "np.asarray in sklearn.utils" in why, why


def test_known_wrong_gradients_come_from_array_api_compat_asarray(results):
    for name, site in KNOWN_WRONG.items():
        status, why = results[name]
        if status == WRONG:  # once SciPy stops converting, the row changes and this passes
            assert "array-api-compat's NumPy namespace" in why and site in why, why


def test_scipy_softmax_loses_the_tape_in_array_api_compat(results, api_results):
    for res in (results, api_results):
        status, why = res["scipy.special.softmax"]
        assert status == LOST and "array-api-compat's NumPy namespace" in why, why
        assert "np.array" in why and "softmax" in why, why


def test_scipy_special_rules_hold_with_scipy_array_api(api_results):
    for e in ENTRIES:
        if e.expect == DIFF and e.name in api_results:
            assert api_results[e.name][0] == DIFF, (e.name, api_results[e.name])


@pytest.mark.skipif(array_api_compat is None, reason="needs array-api-compat")
@pytest.mark.parametrize("name", sorted(COMPAT_CALLS))
def test_compat_namespace_stays_recorded(name):
    """What array-api-compat's NumPy namespace does with a Tensor stays recorded."""
    status, why = classify_compat(name)
    if name in COMPAT_LOST:
        assert status == LOST, (status, why)
        assert COMPAT_LOST[name] in why, why
        return
    if status == FAILS and "NoRuleError" in why:
        pytest.xfail(f"gradarray has no rule yet: {why}")
    assert status == DIFF, f"array_api_compat.numpy.{name}: {status} ({why})"


@pytest.mark.parametrize("name", sorted(COMPAT_LOST))
def test_gradarray_namespace_is_the_working_alternative(name):
    """The calls that array-api-compat's namespace loses stay recorded through gradarray's."""
    xp = ga.tensor([0.0]).__array_namespace__()
    status, why = classify_compat(name, xp)
    assert status == DIFF, f"{xp.__name__}.{name}: {status} ({why})"


def test_docs_table(results, api_results):
    table = _table(results, api_results)
    assert table.count("| `") >= 30
    if os.environ.get("GA_WRITE_DOCS"):
        (ROOT / "docs" / "interop_table.md").write_text(table)


def test_scipy_minimize_example(tmp_path):
    pytest.importorskip("matplotlib")
    r = subprocess.run([sys.executable, str(ROOT / "examples" / "scipy_minimize.py"),
                        "--out-dir", str(tmp_path)], capture_output=True, text=True,
                       timeout=300, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "converged: True" in r.stdout, r.stdout
    err = float(r.stdout.split("check_grad):")[1].split()[0])
    assert err < 1e-4, r.stdout  # gradarray's gradient of slogdet/solve/log_expit vs SciPy's FD
    start, end = (float(v) for v in r.stdout.split("likelihood:")[1].split()[0:3:2])
    assert end < start - 10, r.stdout
    assert list(tmp_path.glob("*.png")), "no figure written"


def test_minimize_with_value_and_grad():
    """scipy.optimize.minimize(fun, x0, jac=True) with gradarray's value and gradient."""
    from scipy.optimize import minimize, rosen

    vg = ga.value_and_grad(rosen)

    def fun(x):
        v, g = vg(ga.tensor(x))
        return float(v), np.asarray(g, dtype=np.float64)

    res = minimize(fun, np.array([-1.2, 1.0, 0.5, -0.3]), jac=True, method="BFGS")
    assert res.success
    np.testing.assert_allclose(res.x, 1.0, atol=1e-4)
    assert res.njev == res.nfev  # one call gave both: no finite differences were used


if __name__ == "__main__":
    if "--json" in sys.argv:
        print(json.dumps(measure()))
    elif "--write-docs" in sys.argv:
        print(f"wrote {write_docs()}")
    else:
        for name, (status, why) in measure().items():
            print(f"{name:50s} {status}" + (f" ({why})" if why else ""))
