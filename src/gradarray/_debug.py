"""Debug mode: warn when a recorded value leaves the graph silently.

Enabled by ``gradarray.set_debug(True)`` or ``GRADARRAY_DEBUG=1``.  What certainly loses the
tape warns in every mode (a Python number read from a recorded Tensor, a recorded value
written into a plain ndarray, a Tensor that NumPy's C code built from recorded data: see
``conversions``).  Debug mode adds the warnings that would be noise by default: the raw data
taken on request (``t.numpy()``, ``t.view(np.ndarray)``), and NumPy's conversions when
``set_keep_tape(False)`` is in effect.  Nothing is wrapped while debug mode is off, so it
costs nothing then.  See ``docs/lost-tape.md`` for what it can and cannot see.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from ._state import STATE
from ._warn import warn_user
from .errors import LostTapeWarning

__all__ = ["LostTapeWarning", "report_lost", "set_debug", "is_debug"]


# Tensor methods that hand out the raw data on request: wrapped only while debug mode is on
# (a Python number from a recorded Tensor warns always: see tensor.py).
_TENSOR_CONVERSIONS = ("numpy", "view")
_ORIGINALS: dict = {}   # written only by set_debug: name -> the function it replaced



def report_lost(what: str) -> None:
    """Warn (debug mode only) that ``what`` dropped the tape, naming the user's line."""
    if STATE.debug:
        warn_user(f"{what}: the result is not recorded, so no gradient flows through it; keep "
                  "the value a gradarray Tensor (use NumPy functions on it)", LostTapeWarning)


def _tensor_wrapper(name: str, fn: Callable) -> Callable:
    what = {"numpy": ".numpy()", "view": ".view() as a plain ndarray"}[name]

    @functools.wraps(fn)
    def converted(self: Any, *args: Any, **kwargs: Any) -> Any:
        if name == "view" and not _plain_view(args, kwargs):
            return fn(self, *args, **kwargs)
        if STATE.debug and STATE.recording and self._node is not None:
            report_lost(f"{what} of a recorded Tensor")
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


def _fingerprinting_init(self: Any, *args: Any, **kwargs: Any) -> None:
    init = _NODE_INIT[0]
    if init is not None:   # (the compiled NodeBase sets its fields in __new__)
        init(self, *args, **kwargs)
    if STATE.debug and STATE.recording and self.rule is not None:
        from . import backward, graph

        graph.FINGERPRINTS[self] = backward.fingerprint(self)


_NODE_INIT: list = []
_COMPILED_WAS: list = []   # whether the compiled ufunc path was on before debug mode


def _install_fingerprints() -> None:
    # Every node is made through Node(...) in Python: the compiled ufunc path, which makes
    # nodes in C, is turned off while debug mode is on.
    from . import _compiled, graph

    if "__init__" in graph.Node.__dict__:
        return
    _NODE_INIT[:] = [graph.Node.__mro__[1].__dict__.get("__init__")]
    graph.Node.__init__ = _fingerprinting_init
    _COMPILED_WAS[:] = [_compiled.enabled()]
    _compiled.set_enabled(False)


def _uninstall_fingerprints() -> None:
    from . import _compiled, graph

    if graph.Node.__dict__.get("__init__") is _fingerprinting_init:
        del graph.Node.__init__
        _compiled.set_enabled(_COMPILED_WAS[0] if _COMPILED_WAS else True)


def _install() -> None:
    _install_fingerprints()
    if _ORIGINALS:
        return
    cls = _tensor_class()
    for name in _TENSOR_CONVERSIONS:
        _ORIGINALS["Tensor." + name] = cls.__dict__.get(name)
        setattr(cls, name, _tensor_wrapper(name, getattr(cls, name)))


def _uninstall() -> None:
    _uninstall_fingerprints()
    if not _ORIGINALS:
        return
    cls = _tensor_class()
    for key, fn in list(_ORIGINALS.items()):
        name = key.split(".", 1)[1]
        if fn is None:
            delattr(cls, name)
        else:
            setattr(cls, name, fn)
    _ORIGINALS.clear()


def set_debug(flag: bool) -> None:
    """Turn debug mode on or off: warn when a recorded Tensor's data leaves the graph.

    A :class:`LostTapeWarning` names the user's line where, during a gradient computation,
    a recorded Tensor's data left the graph.  Some of these warn in every mode (a Python
    number read with ``float(t)``/``t.item()``/``t.tolist()``, a recorded value written
    into a plain ndarray, a Tensor built by NumPy's C code from recorded data); debug mode
    adds the raw data taken on request (``t.numpy()``, ``t.view(np.ndarray)``) and NumPy's
    conversions (``np.asarray`` ...) while ``gradarray.set_keep_tape(False)`` is in effect.
    The flag is per thread (``GRADARRAY_DEBUG=1`` sets it in every thread); the Tensor's
    methods are wrapped process-wide while it is on, and restored when it is turned off.
    See :doc:`/lost-tape` for what it cannot see.

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
        from . import conversions  # (it imports this module)

        conversions.arm()
        _install()
    else:
        _uninstall()


def is_debug() -> bool:
    """True when debug mode is on in this thread."""
    return STATE.debug


if STATE.debug:  # GRADARRAY_DEBUG=1
    _install()
