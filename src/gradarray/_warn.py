"""Warnings that name the user's line, not a line inside gradarray or NumPy.

``warn_user`` attributes a warning to the first caller outside gradarray and NumPy, with
that module's warning registry (so the default "once per location" filter works as for
``warnings.warn``).  ``rule_warnings_at_user()`` ... ``restore(token)`` around a backward
pass turns NumPy's floating-point "warn" modes into a callback that does the same: a
``divide by zero`` inside a derivative rule names the line that asked for the gradient, not
the rule's line in ``rules/``.  NumPy's error state is a context variable, so this is per
thread and costs two context-variable writes per gradient call (nothing per recorded
operation; NumPy's ufuncs run a few nanoseconds slower under any non-default error state).
"""

from __future__ import annotations

import os
import sys
import warnings
from typing import Any

import numpy as np

__all__ = ["warn_user", "rule_warnings_at_user", "restore"]

_PKG = os.path.dirname(os.path.abspath(__file__))
_NUMPY = os.path.dirname(os.path.abspath(np.__file__))


def _user_frame() -> Any:
    f = sys._getframe(1)
    while f is not None:
        fn = os.path.abspath(f.f_code.co_filename)
        if not (fn.startswith(_PKG) or fn.startswith(_NUMPY)):
            return f
        f = f.f_back
    return None


def warn_user(message: str, category: type[Warning] = UserWarning) -> None:
    """Warn at the user's line (the first frame outside gradarray and NumPy)."""
    f = _user_frame()
    if f is None:
        warnings.warn(message, category, stacklevel=2)
        return
    g = f.f_globals
    warnings.warn_explicit(message, category, f.f_code.co_filename, f.f_lineno,
                           module=g.get("__name__"),
                           registry=g.setdefault("__warningregistry__", {}))


def _rule_error(err: str, flag: int) -> None:
    warn_user(f"{err} encountered while computing a gradient (in the derivative of an "
              "operation of the function: the gradient holds inf or nan where that "
              "derivative is infinite or undefined)", RuntimeWarning)


try:   # NumPy >= 2.0 keeps its error state in a context variable
    from numpy._core._ufunc_config import _extobj_contextvar as _CV
    from numpy._core._ufunc_config import _get_extobj_dict, _make_extobj
except ImportError:   # pragma: no cover - warnings then keep NumPy's attribution
    _CV = None

_CACHE: tuple = (None, None)   # (the caller's error state, the one backward runs under)


def _ours() -> Any:
    """The caller's error state with "warn" modes turned into ``_rule_error``, or None."""
    modes = _get_extobj_dict()
    modes.pop("bufsize", None)
    modes.pop("call", None)
    if "call" in modes.values() or "warn" not in modes.values():
        return None   # the caller's own callback, or nothing to re-attribute: leave it
    return _make_extobj(call=_rule_error,
                        **{k: "call" if v == "warn" else v for k, v in modes.items()})


def rule_warnings_at_user() -> Any:
    """Enter NumPy's error state for a backward pass: its "warn" modes name the user's line.

    Returns a token for :func:`restore` (None when nothing was changed); ``backward.backward``
    brackets each pass with the pair (not a context manager: this runs once per gradient
    call).
    """
    global _CACHE
    if _CV is None:   # pragma: no cover
        return None
    ext = _CV.get()
    cache = _CACHE
    if cache[0] is ext:
        ours = cache[1]
    else:
        ours = _ours()
        _CACHE = (ext, ours)
    return None if ours is None else _CV.set(ours)


def restore(token: Any) -> None:
    """Leave the error state entered by :func:`rule_warnings_at_user`."""
    if token is not None:
        _CV.reset(token)
