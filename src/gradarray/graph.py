"""Graph nodes.

A node records one call: its rule, the nodes of its inputs (``parents``), the values its
derivative needs (everything else is dropped at record time), and the version stamps that
prove those values were not overwritten since.  Nodes point to their inputs, never to their
consumers or to the Tensors they describe, so the graph is freed by reference counting.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

__all__ = ["Node", "Meta", "SELECT", "FREED", "leaf", "log_write", "written_since", "EPOCH",
           "RAW_TYPES", "register_raw_type"]

# Marker rules (not in the registry): a multi-output node's k-th output.
SELECT = "select"
# Marker for a node whose saved values were released by a backward pass.
FREED = ("freed",)


class Node:
    """One recorded operation (or a leaf when ``rule`` is None)."""

    __slots__ = ("rule", "parents", "args", "kwargs", "ans", "shape", "dtype", "epoch",
                 "slots", "extra", "__weakref__")

    def __init__(self, rule: Any, parents: tuple, args: tuple | None, kwargs: dict | None,
                 ans: Any, shape: tuple, dtype: Any, epoch: Any = 0,
                 slots: tuple | None = None, extra: Any = None) -> None:
        self.rule = rule          # Rule, SELECT, or None for a leaf
        self.parents = parents    # flat tuple: Node or None per input slot
        self.args = args          # positional args, raw arrays in place of Tensors
        self.kwargs = kwargs      # keyword args (no Tensors that need gradients)
        self.ans = ans            # raw output, kept only if the rule reads it
        self.shape = shape        # output shape (tuple of shapes for multi-output)
        self.dtype = dtype        # output dtype (tuple for multi-output)
        self.epoch = epoch        # write count when recorded (FREED once released)
        self.slots = slots        # None: slot i is positional arg i; else ((i, j), ...)
        self.extra = extra        # leaf: weakref to its Variable; SELECT: output index

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
