"""Debug mode: warn when a recorded value leaves the graph silently.

Enabled by ``gradarray.set_debug(True)`` or ``GRADARRAY_DEBUG=1``.  NumPy calls no hook of
an ndarray subclass in ``np.asarray``/``np.array``, so while debug mode is on gradarray
wraps those conversion functions; see ``docs/lost-tape.md`` for what it can and cannot see.
"""

from __future__ import annotations

import os
import sys
import warnings

from ._state import STATE

__all__ = ["LostTapeWarning", "report_lost", "user_frame"]

_PKG = os.path.dirname(os.path.abspath(__file__))
_NUMPY = os.path.dirname(os.path.abspath(__import__("numpy").__file__))


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
