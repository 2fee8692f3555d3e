"""The backward pass: iterative topological sort, vector-Jacobian products, accumulation.

Rules return gradients in whatever shape broadcasting gave them; this module sums each back
to its input's shape and casts it to the input's dtype, once per edge (rules never do).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import graph as _graph
from ._state import STATE
from ._warn import restore, rule_warnings_at_user
from .errors import GraphFreedError, MutatedSavedTensorError
from .graph import EPOCH, FREED, SELECT, SPEEDUPS, Node, written_since

__all__ = ["backward", "sum_to", "fit"]


def sum_to(g: Any, shape: tuple) -> Any:
    """Sum ``g`` over the axes that broadcasting added or stretched, to reach ``shape``."""
    gshape = g.shape
    if gshape == shape:
        return g
    nd = len(shape)
    lead = len(gshape) - nd
    if lead < 0 or any(s != 1 and s != gs for s, gs in zip(shape, gshape[lead:])):
        # Smaller than the input (a rule returned a broadcastable gradient): expand it.
        g = np.broadcast_to(g, np.broadcast_shapes(gshape, shape))
        gshape = g.shape
        lead = len(gshape) - nd
    axes = tuple(range(lead)) + tuple(
        lead + i for i, s in enumerate(shape) if s == 1 and gshape[lead + i] != 1)
    if axes:
        g = np.sum(g, axis=axes)
    if g.shape != shape:
        g = np.reshape(g, shape)
    return g


def fit(g: Any, shape: tuple, dtype: np.dtype) -> Any:
    """Bring a gradient to its input's shape and dtype (complex -> real keeps the real part)."""
    if not hasattr(g, "dtype"):
        g = np.asarray(g)
    if g.shape != shape:
        g = sum_to(g, shape)
    gdt = g.dtype
    if gdt != dtype:
        if gdt.kind == "c" and dtype.kind != "c":
            g = np.real(g)
        if g.dtype != dtype:
            g = g.astype(dtype)
    return g


def _times_partial(g: Any, d: Any) -> Any:
    """``g * conj(d)`` for an elementwise partial derivative ``d`` (None: no gradient)."""
    if d is None:
        return None
    if d.__class__ is complex:  # a Python scalar stays weakly typed (float32 * 1j: complex64)
        return g * d.conjugate()
    return g * np.conj(d) if _is_complex(d) else g * d


def _is_complex(d: Any) -> bool:
    dc = d.__class__
    if dc is float or dc is int or dc is bool:
        return False
    if dc is complex:
        return True
    dt = getattr(d, "dtype", None)
    return np.iscomplexobj(d) if dt is None else dt.kind == "c"


def _walk(roots: list, stop: set) -> tuple[list, bool]:
    """Depth-first: nodes reached, producers first, without sources and other leaves; and
    whether a leaf that is not a source was met.  (``_speedups.toposort`` when compiled.)"""
    seen: set = set(roots)
    post: list = []
    other_leaf = False
    for root in roots:
        if root in stop or not root.parents:
            continue
        stack = [(root, iter(root.parents))]
        while stack:
            n, it = stack[-1]
            for p in it:
                if p is not None and p not in seen:
                    seen.add(p)
                    if p in stop:
                        continue
                    if not p.parents:
                        other_leaf = True
                        continue
                    stack.append((p, iter(p.parents)))
                    break
            else:
                stack.pop()
                post.append(n)
    return post, other_leaf


# The compiled walk and loop read Node fields directly: used together with compiled nodes.
_WALK = _walk if SPEEDUPS is None else SPEEDUPS.toposort
_LOOP = None if SPEEDUPS is None else SPEEDUPS.backward_loop


def _fit_partial(g: Any, d: Any, gi: Any, p: Node) -> Any:
    """Gradient ``gi`` brought to input ``p``: cast and summed to its shape; for an
    elementwise partial ``d`` (None otherwise), ``gi = g * d`` is redone as ``g * conj(d)``
    when ``d`` is complex."""
    return fit(g * np.conj(d) if d is not None and _is_complex(d) else gi, p.shape, p.dtype)


def _toposort(roots: list, stop: set) -> tuple[list, set | None]:
    """Nodes to propagate through, consumers before producers, and the set of relevant ones.

    Sources (``stop``) and other leaves are left out: there is nothing to propagate past
    them.  A node is relevant when a source is reachable from it; the set is None when
    every node reached is (the common case: no test needed).
    """
    post, other_leaf = _WALK(roots if roots.__class__ is list else list(roots), stop)
    if not other_leaf:
        post.reverse()
        return post, None
    # post has producers before consumers: one pass marks what leads to a source.
    relevant = set(stop)
    order = []
    for n in post:
        for p in n.parents:
            if p in relevant:
                relevant.add(n)
                order.append(n)
                break
    order.reverse()
    return order, relevant


def _saved_arrays(node: Node) -> Any:
    raw_types = _graph.RAW_TYPES   # ndarray and the registered device array types
    for i, a in enumerate(node.args or ()):
        if isinstance(a, raw_types):
            yield i, a
        elif isinstance(a, (list, tuple)):
            for e in a:
                if isinstance(e, raw_types):
                    yield i, e
    ans = node.ans
    for a in (ans if isinstance(ans, tuple) else (ans,)):
        if isinstance(a, raw_types):
            yield -1, a


def _check(node: Node) -> None:
    """Raise if the node's saved values are gone or were overwritten since it was recorded."""
    epoch = node.epoch
    if epoch == FREED:
        raise GraphFreedError(
            f"the backward pass reached '{node.name}' a second time, but its saved values "
            "were freed by the first gradient computation; use GradientTape(persistent=True) "
            "or compute all gradients in one call")
    for i, a in _saved_arrays(node):
        if written_since(a, epoch):
            what = "output" if i < 0 else f"argument {i}"
            raise MutatedSavedTensorError(
                f"a value needed to differentiate '{node.name}' (its {what}) was modified "
                "in place after it was recorded, by a write gradarray could not copy it "
                "before (one it saw only afterwards, such as a Variable update reaching a "
                "view of the Variable); write through the Tensor instead (y[...] = v, "
                "y += 1 and out=y copy what the gradient needs first), write the update out "
                "of place (y = y + 1), or compute the gradient before mutating it")


def fingerprint(node: Node) -> tuple:
    """Checksums of the values ``node`` saved (debug mode: O(size) per recorded call)."""
    import hashlib

    out = []
    for i, a in _saved_arrays(node):
        if isinstance(a, np.ndarray):
            out.append((i, hashlib.blake2b(a.tobytes(), digest_size=16).digest()))
    return tuple(out)


def _check_fingerprint(node: Node, before: tuple) -> None:
    if node.args is None and node.ans is None:
        return
    for (i, old), (_, new) in zip(before, fingerprint(node)):
        if old != new:
            what = "output" if i < 0 else f"argument {i}"
            raise MutatedSavedTensorError(
                f"a value needed to differentiate '{node.name}' (its {what}) was overwritten "
                "by a write gradarray cannot see (through t.numpy(), t.view(np.ndarray), the "
                "buffer protocol or compiled code) after it was recorded (seen by debug "
                "mode); write through the Tensor itself (t[...] = v), which is recorded")


def _replace_in(seq: Any, path: tuple, fn: Callable) -> Any:
    """A copy of nested lists ``seq`` with the element at ``path`` replaced by ``fn(elem)``."""
    seq = list(seq)
    k = path[0]
    if len(path) == 1:
        if seq[k] is not None:
            seq[k] = fn(seq[k])
    else:
        seq[k] = _replace_in(seq[k], path[1:], fn)
    return seq


def _is_device_raw(a: Any) -> bool:
    # A GPU (CuPy) array, known without importing CuPy; Tensors are never saved raw values.
    return type(a).__module__.startswith("cupy") and hasattr(a, "__cuda_array_interface__")


def _is_raw(a: Any) -> bool:
    return isinstance(a, np.ndarray) or _is_device_raw(a)


def _rebuild(node: Node, wrap: Callable) -> tuple:
    """Saved raw values as Tensors connected to their nodes, so rules record (higher order)."""
    parents = node.parents
    slots = node.slots
    args = list(node.args)
    for i, p in enumerate(parents):
        if slots is None:
            pos, sub = i, None
        else:
            pos, sub = slots[i]
        if sub is None:
            if _is_raw(args[pos]):
                args[pos] = wrap(args[pos], p)
        elif args[pos] is not None:  # a list the rule never reads is not saved
            args[pos] = _replace_in(args[pos], sub, lambda raw, p=p: wrap(raw, p)
                                    if _is_raw(raw) else raw)
    # Untracked arrays among the args become plain Tensors too (same type everywhere).
    for j, a in enumerate(args):
        if type(a) is np.ndarray or _is_device_raw(a):
            args[j] = wrap(a, None)
    ans = node.ans
    if ans is not None:
        if node.rule.multi:
            ans = tuple(wrap(a, Node(SELECT, (node,), None, None, None, node.shape[k],
                                      node.dtype[k], None, None, k)
                             if a.dtype.kind in "fc" else None)
                        for k, a in enumerate(ans))
        else:
            ans = wrap(ans, node)
    return tuple(args), ans


def backward(roots: list, root_grads: list, sources: list, *, create_graph: bool = False,
             retain: bool = False, wrap: Callable | None = None) -> list:
    """Propagate ``root_grads`` from ``roots`` back to ``sources``; one gradient per source.

    With ``create_graph`` the rules run on Tensors built by ``wrap(raw, node)`` while
    recording is on, so the returned gradients are themselves differentiable.  Without
    ``retain`` each node's saved values are released as soon as the pass is past it.
    NumPy's floating-point warnings inside the rules name the user's line (``_warn``).
    """
    token = rule_warnings_at_user()
    try:
        return _propagate(roots, root_grads, sources, create_graph, retain, wrap)
    finally:
        restore(token)


def _propagate(roots: list, root_grads: list, sources: list, create_graph: bool,
               retain: bool, wrap: Callable | None) -> list:
    if SPEEDUPS is None:
        _graph.trim_new()
    stop = set(sources)
    order, relevant = _toposort(roots, stop)
    grads: dict = {}
    owned: set = set()
    for r, g in zip(roots, root_grads):
        if r in grads:
            grads[r] = grads[r] + g
        else:
            grads[r] = g

    ndarray = np.ndarray
    epoch_now = EPOCH[0]
    fingerprints = _graph.FINGERPRINTS   # (filled by debug mode, checked while it is on)
    checked = STATE.debug and len(fingerprints) > 0
    allrel = relevant is None
    plain = not create_graph

    def general(node: Node, g: Any) -> None:
        """Propagate ``g`` through one node (the compiled loop does the commonest ones itself)."""
        rule = node.rule
        if rule is SELECT:
            parent = node.parents[0]
            slot = grads.get(parent)
            if slot is None:
                slot = grads[parent] = [None] * len(parent.shape)
            k = node.extra
            slot[k] = g if slot[k] is None else slot[k] + g
            return
        if node.epoch < epoch_now:
            _check(node)
        if checked and node in fingerprints:
            _check_fingerprint(node, fingerprints.pop(node))
        if create_graph:
            args, ans = _rebuild(node, wrap)
        else:
            args, ans = node.args, node.ans
        if rule.multi:
            ref = next(x for x in g if x is not None)
            g = tuple(x if x is not None else np.zeros_like(ref, shape=node.shape[k],
                                                            dtype=node.dtype[k])
                      for k, x in enumerate(g))
        slots = node.slots
        elementwise = rule.elementwise
        vjps = rule.vjps
        i = -1
        for p in node.parents:
            i += 1
            if p is None or not (allrel or p in relevant):
                continue
            if slots is None:
                pos, sub = i, None
            else:
                pos, sub = slots[i]
            try:
                fn = vjps[pos]
            except IndexError:
                fn = rule.vjp_for(pos)
            if fn is None:
                raise GraphFreedError(f"internal: '{rule.name}' has no derivative for "
                                      f"argument {pos}")
            if elementwise:
                gi = _times_partial(g, fn(ans, *args))
                if gi is None:
                    continue
            else:
                kwargs = node.kwargs
                gi = fn(g, ans, *args, **kwargs) if kwargs else fn(g, ans, *args)
                if gi is None:
                    continue
                if sub is not None:
                    for k in sub:
                        gi = gi[k]
                    if gi is None:
                        continue
            if gi.__class__ is not ndarray or gi.shape != p.shape or gi.dtype != p.dtype:
                gi = fit(gi, p.shape, p.dtype)
            prev = grads.get(p)
            if prev is None:
                grads[p] = gi
            elif create_graph:
                grads[p] = prev + gi
            elif p in owned:
                np.add(prev, gi, out=prev)
            else:
                new = grads[p] = prev + gi
                if new.__class__ is ndarray and new.shape == p.shape:
                    owned.add(p)
        if not retain:
            node.args = node.ans = None
            node.epoch = FREED

    if plain and _LOOP is not None and not checked:
        # The loop compiled (_speedups.backward_loop): nodes with single-output rules in C.
        _LOOP(order, grads, owned, relevant, retain, epoch_now, general, _fit_partial)
        return [grads.get(s) for s in sources]
    pop = grads.pop
    for node in order:
        g = pop(node, None)
        if g is not None:
            general(node, g)
        g = None  # (a large gradient is not kept alive by a stale local)
    return [grads.get(s) for s in sources]
