"""Graph nodes.

A node records one call: its rule, the nodes of its inputs (``parents``), the values its
derivative needs (everything else is dropped at record time), and the version stamps that
prove those values were not overwritten since.  Nodes point to their inputs, never to their
consumers or to the Tensors they describe, so the graph is freed by reference counting.
"""

from __future__ import annotations

import os
import weakref
from typing import Any

import numpy as np

__all__ = ["Node", "Meta", "SELECT", "FREED", "leaf", "log_write", "written_since", "EPOCH",
           "RAW_TYPES", "register_raw_type", "SPEEDUPS"]



class _Select:
    """Marker rule (not in the registry) of a multi-output node's k-th output."""

    __slots__ = ()
    name = "select"
    elementwise = multi = view = False

    def __repr__(self) -> str:
        return "SELECT"


SELECT = _Select()
# The epoch of a node whose saved values were released by a backward pass: below every
# real epoch, so the backward pass's "written since?" test catches it with no extra check.
FREED = -1


def _load_speedups() -> Any:
    """The compiled hot path (``_speedups``), or None: not built (no C compiler at install
    time) or ``GRADARRAY_PURE_PYTHON=1``.  Decided once, here, for every module."""
    if os.environ.get("GRADARRAY_PURE_PYTHON", "") not in ("", "0"):
        return None
    try:
        from . import _speedups
    except ImportError:
        return None
    return _speedups


SPEEDUPS: Any = _load_speedups()


class _PyNodeBase:
    """The fields of a Node in Python, where the compiled ``NodeBase`` is not used."""

    __slots__ = ("rule", "parents", "args", "kwargs", "ans", "shape", "dtype", "epoch",
                 "slots", "extra", "__weakref__")

    def __init__(self, rule: Any, parents: tuple, args: tuple | None, kwargs: dict | None,
                 ans: Any, shape: tuple, dtype: Any, epoch: Any = 0,
                 slots: tuple | None = None, extra: Any = None) -> None:
        self.rule = rule
        self.parents = parents
        self.args = args
        self.kwargs = kwargs
        self.ans = ans
        self.shape = shape
        self.dtype = dtype
        self.epoch = epoch
        self.slots = slots
        self.extra = extra


class Node(_PyNodeBase if SPEEDUPS is None else SPEEDUPS.NodeBase):
    """One recorded operation (or a leaf when ``rule`` is None).

    ``Node(rule, parents, args, kwargs, ans, shape, dtype, epoch=0, slots=None, extra=None)``:

    - ``rule``: Rule, SELECT, or None for a leaf;
    - ``parents``: flat tuple, a Node or None per input slot;
    - ``args``: positional args, raw arrays in place of Tensors; ``kwargs``: keyword args
      (no Tensors that need gradients);
    - ``ans``: raw output, kept only if the rule reads it; ``shape``, ``dtype``: the output's
      (tuples of them for multi-output);
    - ``epoch``: write count when recorded (FREED once released);
    - ``slots``: None when slot i is positional arg i, else ((i, path), ...);
    - ``extra``: a leaf's weakref to its Variable; SELECT's output index.

    The fields live in a compiled base class when ``_speedups`` is built (one allocation per
    recorded call), else in a Python one with the same slots.
    """

    __slots__ = ()

    @property
    def name(self) -> str:
        rule = self.rule
        if rule is None:
            return "leaf"
        if rule is SELECT:
            return f"output {self.extra} of {self.parents[0].name}"
        return rule.name

    def __repr__(self) -> str:
        return f"<Node {self.name} shape={self.shape}>"


def leaf(shape: tuple, dtype: Any, extra: Any = None) -> Node:
    """A source node: gradients accumulate here."""
    return Node(None, (), None, None, None, shape, dtype, None, None, extra)


class Meta:
    """Stands in for an input whose rule reads only its shape, ndim, dtype or size."""

    __slots__ = ("shape", "dtype", "ndim", "size")

    def __init__(self, a: Any) -> None:
        self.shape = a.shape
        self.dtype = a.dtype
        self.ndim = a.ndim
        self.size = a.size

    def __repr__(self) -> str:
        return f"<Meta shape={self.shape} dtype={self.dtype}>"


# ----- The write log: proves that saved values were not overwritten in place -----
# Every in-place write through gradarray (out=, x[i] = v, ufunc.at, Variable.assign, ...)
# bumps EPOCH and logs the memory's owner.  A node remembers EPOCH when it is recorded; the
# backward pass checks its saved arrays only if something was written since.  Recording thus
# costs one integer read per call instead of a version counter per saved value.
EPOCH = [0]
_WRITES: dict = {}  # id(owner ndarray) -> (epoch of last write, weakref to the owner)
# Raw array types whose memory is checked: ndarray, plus each device's (CuPy's), added by
# ``devices/`` when it registers one (this module imports nothing of ours).
RAW_TYPES: tuple = (np.ndarray,)


def register_raw_type(raw_type: type) -> None:
    """Make arrays of ``raw_type`` (a device's) known to the write log and mutation checks."""
    global RAW_TYPES
    if raw_type not in RAW_TYPES:
        RAW_TYPES = RAW_TYPES + (raw_type,)


def _owner(a: Any) -> Any:
    b = a.base
    while isinstance(b, RAW_TYPES):
        a = b
        b = a.base
    return a


def log_write(raw: np.ndarray) -> None:
    """Record that the memory under ``raw`` was just written in place."""
    o = _owner(raw)
    EPOCH[0] += 1
    try:
        ref = weakref.ref(o)
    except TypeError:
        ref = None
    _WRITES[id(o)] = (EPOCH[0], ref)
    if len(_WRITES) > 4096:
        for k, (_, r) in list(_WRITES.items()):
            if r is not None and r() is None:
                del _WRITES[k]


def written_since(raw: Any, epoch: int) -> bool:
    """True when the memory under array ``raw`` was written after ``epoch``."""
    o = _owner(raw)
    e = _WRITES.get(id(o))
    return e is not None and e[0] > epoch and (e[1] is None or e[1]() is o)
