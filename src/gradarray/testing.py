"""Numerical checks of gradients (public): :func:`check_grads`.

The analytic derivative (reverse mode, and forward mode through :func:`gradarray.jvp`) is
compared with central finite differences along random directions, and to higher order by
checking the derivative of the derivative.  Finite differences always run in float64 (on
float64 copies of the arguments), so a float32 rule is checked against an accurate
reference with a tolerance fitted to float32.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .devices import device_of, to_device
from .dispatch import TENSOR_TYPES
from .tensor import asarray
from .transforms import jvp, vjp

__all__ = ["check_grads", "numerical_jvp", "GradientCheckError"]


class GradientCheckError(AssertionError):
    """The analytic and numerical derivatives disagree."""


def _random_like(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    v = rng.standard_normal(x.shape)
    if x.dtype.kind == "c":
        v = v + 1j * rng.standard_normal(x.shape)
    return v.astype(x.dtype)


def _inner(a: Any, b: Any) -> float:
    """Re(sum(conj(a) * b)) in float64/complex128."""
    a, b = _plain(a), _plain(b)   # (host copies of GPU arrays)
    a = np.asarray(a, dtype=np.complex128 if np.iscomplexobj(a) else np.float64)
    b = np.asarray(b, dtype=np.complex128 if np.iscomplexobj(b) else np.float64)
    return float(np.real(np.sum(np.conj(a) * b)))


def _plain(x: Any) -> np.ndarray:
    """A host copy (``.numpy()`` copies a GPU Tensor to the host explicitly)."""
    return np.array(x.numpy() if x.__class__ in TENSOR_TYPES else x)


def _on(host: np.ndarray, like: Any) -> Any:
    """``host`` as a Tensor on the device of ``like`` (the CPU for host values)."""
    dev = device_of(like) if like.__class__ in TENSOR_TYPES else "cpu"
    return asarray(host) if dev == "cpu" else to_device(host, dev)


def _to64(x: np.ndarray) -> np.ndarray:
    return x.astype(np.complex128 if x.dtype.kind == "c" else np.float64)


def numerical_jvp(f: Callable, args: Sequence[np.ndarray], tangents: Sequence[np.ndarray],
                  eps: float = 1e-6) -> np.ndarray:
    """Central difference ``(f(x + eps t) - f(x - eps t)) / (2 eps)`` in float64."""
    xs = [_to64(_plain(a)) for a in args]
    ts = [_to64(_plain(t)) for t in tangents]
    plus = f(*[_on(x + eps * t, a) for x, t, a in zip(xs, ts, args)])
    minus = f(*[_on(x - eps * t, a) for x, t, a in zip(xs, ts, args)])
    return (_plain(plus).astype(np.result_type(_plain(plus), np.float64))
            - _plain(minus)) / (2 * eps)


def check_grads(f: Callable, *args: Any, order: int = 2, modes: Sequence[str] = ("rev", "fwd"),
                eps: float | None = None, rtol: float | None = None, atol: float | None = None,
                seed: int = 0) -> None:
    """Check the derivatives of ``f`` at ``args`` against finite differences.

    Parameters
    ----------
    f : callable
        Takes the arrays in ``args`` positionally and returns one array.
    *args : array_like
        Floating or complex inputs (float32 inputs are checked with looser tolerances).
    order : int
        Check derivatives up to this order (2: the derivative of the vjp is checked too).
    modes : sequence of {"rev", "fwd"}
        Reverse mode (vjp) and/or forward mode (jvp).
    eps, rtol, atol : float, optional
        Step and tolerances; defaults depend on the lowest precision among the inputs.
    seed : int
        Seed of the random directions.

    Raises
    ------
    GradientCheckError
        When a derivative disagrees with the finite-difference estimate.

    Examples
    --------
    >>> import numpy as np, gradarray as ga
    >>> ga.testing.check_grads(np.tanh, np.array([0.1, -0.4]), order=2)
    """
    rng = np.random.default_rng(seed)
    xs = [asarray(a) for a in args]
    if not xs:
        raise ValueError("check_grads needs at least one argument")
    low = any(x.dtype in (np.float32, np.complex64, np.float16) for x in xs)
    eps = eps if eps is not None else 1e-6
    rtol = rtol if rtol is not None else (2e-2 if low else 1e-5)
    atol = atol if atol is not None else (2e-3 if low else 1e-7)
    _check(f, xs, order, tuple(modes), eps, rtol, atol, rng)


def _check(f: Callable, xs: list, order: int, modes: tuple, eps: float, rtol: float,
           atol: float, rng: np.random.Generator) -> None:
    out = f(*xs)
    out_plain = _plain(out)
    u = _random_like(out_plain if out_plain.dtype.kind in "fc" else out_plain.astype(float), rng)
    vs = [_random_like(_plain(x), rng) for x in xs]
    numeric = _inner(u, numerical_jvp(f, xs, vs, eps))
    scale = max(1.0, abs(numeric))
    tol = atol * scale * 10 + rtol * abs(numeric)
    if "rev" in modes:
        _, f_vjp = vjp(f, *xs)
        grads = f_vjp(_on(u, out))
        analytic = sum(_inner(g, v) for g, v in zip(grads, vs))
        if not abs(analytic - numeric) <= tol:
            raise GradientCheckError(
                f"reverse mode (vjp) of {_fname(f)} disagrees with finite differences: "
                f"<vjp(u), v> = {analytic!r}, numerical = {numeric!r} (tolerance {tol:.3g})")
        for g, x in zip(grads, xs):
            if g.dtype != x.dtype or g.shape != x.shape:
                raise GradientCheckError(
                    f"gradient of {_fname(f)} has shape {g.shape} dtype {g.dtype}, but its "
                    f"input has shape {x.shape} dtype {x.dtype}")
    if "fwd" in modes:
        _, tang = jvp(f, tuple(xs), tuple(_on(v, x) for v, x in zip(vs, xs)))
        analytic = _inner(u, tang)
        if not abs(analytic - numeric) <= tol:
            raise GradientCheckError(
                f"forward mode (jvp) of {_fname(f)} disagrees with finite differences: "
                f"<u, J v> = {analytic!r}, numerical = {numeric!r} (tolerance {tol:.3g})")
    if order > 1:
        uu = _on(u, out)
        ws = [_on(_random_like(_plain(x), rng), x) for x in xs]

        def second(*ys: Any) -> Any:
            _, f_vjp = vjp(f, *ys)
            total = None
            for g, w in zip(f_vjp(uu), ws):
                term = np.sum(np.real(np.conj(w) * g))
                total = term if total is None else total + term
            return total

        second.__name__ = f"d({_fname(f)})"
        _check(second, xs, order - 1, modes, eps, rtol * 3, atol * 3, rng)


def _fname(f: Callable) -> str:
    return getattr(f, "__name__", repr(f))
