"""Graph nodes.

A node records one call: its rule, the nodes of its inputs (``parents``), the values its
derivative needs (everything else is dropped at record time), and the version stamps that
prove those values were not overwritten since.  Nodes point to their inputs, never to their
consumers or to the Tensors they describe, so the graph is freed by reference counting.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Node", "Meta", "SELECT", "FREED", "leaf"]

# Marker rules (not in the registry): a multi-output node's k-th output.
SELECT = "select"
# Marker for a node whose saved values were released by a backward pass.
FREED = ("freed",)


class Node:
    """One recorded operation (or a leaf when ``rule`` is None)."""

    __slots__ = ("rule", "parents", "args", "kwargs", "ans", "shape", "dtype", "checks",
                 "slots", "extra", "__weakref__")

    def __init__(self, rule: Any, parents: tuple, args: tuple | None, kwargs: dict | None,
                 ans: Any, shape: tuple, dtype: Any, checks: tuple | None = None,
                 slots: tuple | None = None, extra: Any = None) -> None:
        self.rule = rule          # Rule, SELECT, or None for a leaf
        self.parents = parents    # flat tuple: Node or None per input slot
        self.args = args          # positional args, raw arrays in place of Tensors
        self.kwargs = kwargs      # keyword args (no Tensors that need gradients)
        self.ans = ans            # raw output, kept only if the rule reads it
        self.shape = shape        # output shape (tuple of shapes for multi-output)
        self.dtype = dtype        # output dtype (tuple for multi-output)
        self.checks = checks      # ((counter, version, where), ...) for saved values
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
