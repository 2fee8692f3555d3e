"""Nested containers of arrays: lists, tuples (and namedtuples) and dicts (JAX's pytrees)."""

from __future__ import annotations

from typing import Any

__all__ = ["tree_flatten", "tree_unflatten"]

_LEAF = None


def tree_flatten(tree: Any) -> tuple[list, Any]:
    """Leaves of ``tree`` in order, and a description to rebuild it."""
    leaves: list = []
    return leaves, _flatten(tree, leaves)


def _flatten(tree: Any, leaves: list) -> Any:
    c = tree.__class__
    if c is list or c is tuple:
        return (c, [_flatten(t, leaves) for t in tree])
    if c is dict:
        keys = list(tree)
        return (dict, keys, [_flatten(tree[k], leaves) for k in keys])
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return ("namedtuple", c, [_flatten(t, leaves) for t in tree])
    if tree is None:
        return ("none",)
    leaves.append(tree)
    return _LEAF


def tree_unflatten(treedef: Any, leaves: list) -> Any:
    """Rebuild the structure described by ``treedef`` with ``leaves``."""
    it = iter(leaves)
    return _build(treedef, it)


def _build(treedef: Any, it: Any) -> Any:
    if treedef is _LEAF:
        return next(it)
    kind = treedef[0]
    if kind is list or kind is tuple:
        return kind(_build(t, it) for t in treedef[1])
    if kind is dict:
        return {k: _build(t, it) for k, t in zip(treedef[1], treedef[2])}
    if kind == "namedtuple":
        return treedef[1](*(_build(t, it) for t in treedef[2]))
    return None
