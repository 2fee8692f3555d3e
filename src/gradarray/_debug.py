"""Debug mode: warn when a recorded value leaves the graph silently.

Enabled by ``gradarray.set_debug(True)`` or ``GRADARRAY_DEBUG=1``.  NumPy calls no hook of
an ndarray subclass in ``np.asarray``/``np.array``, so while debug mode is on gradarray
wraps those conversion functions (and the Tensor's conversions to Python numbers, which is
also how NumPy reads a 0-d Tensor written into a plain array: ``buf[0] = t[0]``).  Nothing
is wrapped while debug mode is off, so it costs nothing then.  See ``docs/lost-tape.md`` for
what it can and cannot see.
"""

from __future__ import annotations

import functools
import os
import sys
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ._state import STATE

__all__ = ["LostTapeWarning", "report_lost", "user_frame", "set_debug", "is_debug"]

_PKG = os.path.dirname(os.path.abspath(__file__))
_NUMPY = os.path.dirname(os.path.abspath(np.__file__))

# numpy functions that turn a Tensor into data without a graph, and Tensor methods that
# turn it into Python numbers.  Wrapped only while debug mode is on.
_NUMPY_CONVERSIONS = ("asarray", "array", "asanyarray", "asarray_chkfinite")
_TENSOR_CONVERSIONS = ("__float__", "__int__", "__complex__", "item", "tolist", "numpy",
                       "view")
_ORIGINALS: dict = {}   # written only by set_debug: name -> the function it replaced


class LostTapeWarning(UserWarning):
    """A recorded Tensor's data left the graph: its gradient will not flow from here."""


def user_frame() -> tuple[str, int]:
    """(file, line) of the first caller outside gradarray and NumPy."""
    f = sys._getframe(1)
    while f is not None:
        fn = os.path.abspath(f.f_code.co_filename)
        if not (fn.startswith(_PKG) or fn.startswith(_NUMPY)):
            return fn, f.f_lineno
        f = f.f_back
    return "<unknown>", 0


def report_lost(what: str) -> None:
    """Warn (debug mode only) that ``what`` dropped the tape, naming the user's line."""
    if not STATE.debug:
        return
    fn, line = user_frame()
    warnings.warn_explicit(
        f"{what}: the result is not recorded, so no gradient flows through it "
        f"(at {fn}:{line}). Keep the value a gradarray Tensor (use numpy functions on it, "
        "or gradarray.asarray) instead.", LostTapeWarning, fn, line)


def _recorded(x: Any) -> bool:
    """True for a Tensor with a graph node, or a list/tuple holding one (recursively)."""
    if isinstance(x, np.ndarray):
        return getattr(x, "_node", None) is not None
    if isinstance(x, (list, tuple)):
        return any(_recorded(e) for e in x)
    return False


def _quiet() -> bool:
    return getattr(STATE, "debug_quiet", 0) > 0


def _numpy_wrapper(name: str, fn: Callable) -> Callable:
    @functools.wraps(fn)
    def converted(a: Any, *args: Any, **kwargs: Any) -> Any:
        if not (STATE.debug and STATE.recording) or _quiet() or not _recorded(a):
            return fn(a, *args, **kwargs)
        # A list of 0-d Tensors is read through __float__: one warning, not one per item.
        STATE.debug_quiet = getattr(STATE, "debug_quiet", 0) + 1
        try:
            out = fn(a, *args, **kwargs)
        finally:
            STATE.debug_quiet -= 1
        if getattr(out, "_node", None) is None:
            report_lost(f"numpy.{name} of a recorded Tensor")
        return out

    converted.__gradarray_debug__ = True  # type: ignore[attr-defined]
    return converted


def _tensor_wrapper(name: str, fn: Callable) -> Callable:
    what = {"__float__": "float()", "__int__": "int()", "__complex__": "complex()",
            "item": ".item()", "tolist": ".tolist()", "numpy": ".numpy()",
            "view": ".view() as a plain ndarray"}[name]

    @functools.wraps(fn)
    def converted(self: Any, *args: Any, **kwargs: Any) -> Any:
        if name == "view" and not _plain_view(args, kwargs):
            return fn(self, *args, **kwargs)
        if STATE.debug and STATE.recording and self._node is not None and not _quiet():
            report_lost(f"{what} of a recorded Tensor (or the Tensor written into a plain "
                        "ndarray, which NumPy reads through float())")
        return fn(self, *args, **kwargs)

    converted.__gradarray_debug__ = True  # type: ignore[attr-defined]
    return converted


def _plain_view(args: tuple, kwargs: dict) -> bool:
    """True when ``t.view(...)`` asks for a plain ndarray (a raw alias of the data)."""
    for a in args + tuple(kwargs.values()):
        if isinstance(a, type) and issubclass(a, np.ndarray):
            return not hasattr(a, "_node")
    return False


def _tensor_class() -> type:
    # Imported here, not at the top: tensor.py (through dispatch) imports this module.
    from .tensor import Tensor

    return Tensor


def _install() -> None:
    if _ORIGINALS:
        return
    for name in _NUMPY_CONVERSIONS:
        fn = getattr(np, name)
        _ORIGINALS["np." + name] = fn
        setattr(np, name, _numpy_wrapper(name, fn))
    cls = _tensor_class()
    for name in _TENSOR_CONVERSIONS:
        _ORIGINALS["Tensor." + name] = cls.__dict__.get(name)
        setattr(cls, name, _tensor_wrapper(name, getattr(cls, name)))


def _uninstall() -> None:
    if not _ORIGINALS:
        return
    cls = _tensor_class()
    for key, fn in list(_ORIGINALS.items()):
        owner, name = key.split(".", 1)
        if owner == "np":
            setattr(np, name, fn)
        elif fn is None:
            delattr(cls, name)
        else:
            setattr(cls, name, fn)
    _ORIGINALS.clear()


def set_debug(flag: bool) -> None:
    """Turn debug mode on or off: warn when a recorded Tensor's data leaves the graph.

    In debug mode a :class:`LostTapeWarning` names the line where, during a gradient
    computation, a recorded Tensor was converted by ``np.asarray``/``np.array``/
    ``np.asanyarray``, turned into a Python number (``float(t)``, ``t.item()``,
    ``t.tolist()``), taken raw (``t.numpy()``, ``t.view(np.ndarray)``), or written as a
    0-d value into a plain ndarray (``buf[0] = t[0]``).
    The flag is per thread (``GRADARRAY_DEBUG=1`` sets it in every thread); the NumPy
    conversion functions are wrapped process-wide while it is on, and restored when it is
    turned off.  See ``docs/lost-tape.md`` for what it cannot see.

    Parameters
    ----------
    flag : bool
        True to turn debug mode on, False to turn it off.

    Examples
    --------
    >>> import numpy as np, gradarray as ga
    >>> ga.set_debug(True)
    >>> ga.set_debug(False)
    """
    STATE.debug = bool(flag)
    if flag:
        _install()
    else:
        _uninstall()


def is_debug() -> bool:
    """True when debug mode is on in this thread."""
    return STATE.debug


if STATE.debug:  # GRADARRAY_DEBUG=1
    _install()
