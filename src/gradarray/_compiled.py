"""The optional compiled hot path (``_speedups.c``) and the switch between it and Python.

The extension compiles ``Tensor.__array_ufunc__``'s commonest call (one or two operands, no
keyword arguments, a plain Tensor result); everything else, and everything when the
extension was not built or ``GRADARRAY_PURE_PYTHON=1`` is set, runs ``dispatch.array_ufunc``.
Both give the same results: ``tests/test_compiled.py`` runs the same checks through each.
"""

from __future__ import annotations

import numpy as np

from . import dispatch, graph, record, registry
from ._state import STATE

__all__ = ["available", "enabled", "set_enabled"]

_CLS: list = []      # [Tensor]
_METHOD: list = []   # [the compiled __array_ufunc__ descriptor]


def install(cls: type) -> None:
    """Called once by tensor.py: use the compiled ``__array_ufunc__`` on ``cls`` if built."""
    _CLS[:] = [cls]
    mod = graph.SPEEDUPS   # None: not built, or GRADARRAY_PURE_PYTHON=1
    if mod is None:
        return
    mod.configure(dispatch.array_ufunc, cls, np.ndarray, record._PLAIN, registry.RULES,
                  registry.NONDIFF, STATE, graph.EPOCH, graph.Node, graph.Meta,
                  record._ARRAY_OUT, np.add)
    assert graph.FREED == -1  # _speedups.backward_loop marks released nodes with -1
    _METHOD[:] = [mod.array_ufunc_for(cls)]
    cls.__array_ufunc__ = _METHOD[0]


def available() -> bool:
    """True when the compiled hot path was built and loaded."""
    return bool(_METHOD)


def enabled() -> bool:
    """True when ufunc calls on Tensors take the compiled hot path."""
    return bool(_METHOD) and _CLS[0].__dict__["__array_ufunc__"] is _METHOD[0]


def set_enabled(flag: bool) -> None:
    """Use the compiled hot path (when available) or the Python one; for tests and timing."""
    cls = _CLS[0]
    cls.__array_ufunc__ = _METHOD[0] if flag and _METHOD else dispatch.array_ufunc
