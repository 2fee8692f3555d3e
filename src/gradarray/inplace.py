"""In-place writes and indexing: ``x[i]``, ``x[i] = v``, ``out=``, ``ufunc.at``, views.

A write rebinds the written Tensor to a new node (the old value stays its parent), logs the
write (so saved values overwritten later are caught), and updates the nodes of the Tensors it
is a view of.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from ._state import STATE
from .errors import NoRuleError
from .graph import EPOCH as _EPOCH
from .graph import Meta, Node, log_write, snapshot_overlapping
from .record import (
    _RAW_CLS,
    TENSOR_TYPES,
    _explain_failure,
    _ndarray,
    _new_vc,
    _other_raw,
    _raise_no_rule,
    _raw_of,
    _record,
    _refresh,
    wrap,
)
from .registry import RULES, Rule

__all__ = ["assign", "mark_mutated", "getitem", "setitem"]


def _ufunc_at(ufunc: np.ufunc, inputs: tuple, raws: list, nodes: list, kwargs: dict) -> None:
    key = (ufunc, "at")
    rule = RULES.get(key)
    if rule is None:
        _raise_no_rule(key)
    target = inputs[0]
    if target.__class__ not in TENSOR_TYPES:
        raise NoRuleError(f"numpy.{ufunc.__name__}.at writes recorded values into a plain "
                          "ndarray, which would lose the gradient; make the target a "
                          "gradarray Tensor (gradarray.asarray(...))")
    idx = raws[1]
    if isinstance(idx, tuple):
        idx = tuple(_raw_of(i) for i in idx)
    _before_write(target)
    ufunc.at(*([raws[0], idx] + raws[2:]))
    parents = (nodes[0], None) + tuple(nodes[2:])
    args = (Meta(raws[0]), idx) + tuple(raws[2:])
    mask = tuple(p is not None for p in parents)
    rule.plan(mask)
    node = Node(rule, parents, args, None, None, target.shape, target.dtype, _EPOCH[0])
    mark_mutated(target, node)
    return None



# ----------------------------------------------------------------------------- in place

def assign(out: Any, r: Any) -> None:
    """Write the recorded value ``r`` into ``out``'s memory; ``out`` now stands for ``r``."""
    if out.__class__ not in TENSOR_TYPES:
        if r.__class__ in TENSOR_TYPES and r._node is not None and STATE.recording:
            from .conversions import WRITE_FIX, warn_lost

            warn_lost("a recorded value was written into a plain ndarray (out=)", WRITE_FIX)
        snapshot_overlapping(out)
        np.copyto(out, _raw_of(r), casting="unsafe")
        return
    node = r._node if r.__class__ in TENSOR_TYPES else None
    raw = out._raw
    _before_write(out)
    if node is not None and node.args is not None:
        _unalias(node, raw)
    np.copyto(raw, _raw_of(r), casting="unsafe")
    if node is not None and (node.shape != out.shape or node.dtype != out.dtype):
        node = _recast_node(node, out)
    mark_mutated(out, node)


def _unalias(node: Node, raw: Any) -> None:
    """Copy saved values of ``node`` that live in the memory about to be overwritten."""
    args = node.args
    changed = False
    new = list(args)
    for i, a in enumerate(args):
        if (isinstance(a, _ndarray) or a.__class__ in _RAW_CLS) and \
                np.may_share_memory(a, raw):
            new[i] = a.copy()
            changed = True
    if changed:
        node.args = tuple(new)


def _recast_node(node: Node, out: Any) -> Node:
    """``out`` has another shape/dtype than the value written (broadcast or cast)."""
    rule = RULES[np.broadcast_to] if node.shape != out.shape else None
    if rule is not None:
        node = Node(rule, (node,), (None, out.shape), None, None, out.shape, node.dtype)
    if node.dtype != out.dtype:
        node = Node(RULES[np.astype], (node,), (None, out.dtype), None, None,
                    out.shape, out.dtype)
    return node


# id(Tensor) -> EPOCH when _before_write prepared its write: its mark_mutated need not log
# the write, whose overwritten saved values were copied.
_SNAPPED: dict = {}


def _before_write(t: Any, index: Any = None) -> None:
    """Called before gradarray writes into ``t`` (at ``t[index]`` when given): recorded calls
    that saved values about to be overwritten get copies of them (copy-on-write).

    A Variable hands its old value to its recorded reads instead (and its write is logged).
    """
    if t._is_var:
        t._release_readers()
        return
    snapshot_overlapping(t._raw, None, index)
    if len(_SNAPPED) > 64:   # left by writes that failed
        _SNAPPED.clear()
    _SNAPPED[id(t)] = _EPOCH[0]


def mark_mutated(t: Any, node: Node | None) -> None:
    """``t``'s memory was written: bump its version, set its node, update its bases.

    A Variable keeps its leaf node: writes to it are updates, not recorded operations
    (as TensorFlow's ``assign``).
    """
    if _SNAPPED.pop(id(t), None) != _EPOCH[0]:
        log_write(t._raw)    # a write seen only now: saved values it overwrote fail the check
    vc = t._vc
    if vc is not None:
        vc[0] += 1
        ver = vc[0]
    else:
        ver = 0
    if not t._is_var:
        t._node = node
    if t._base is None:
        return
    t._nodever = ver
    recording = STATE.recording
    child = t
    while child._base is not None:
        base = child._base
        if recording and (base._node is not None or child._node is not None):
            if base._base is not None:
                _refresh(base)
            func, rest, kw = child._viewspec
            base._node = Node(_VIEW_UPDATE, (base._node, child._node),
                              (None, None, func, rest, kw), None, None, base.shape,
                              base.dtype)
        base._nodever = ver
        child = base


def _view_update_base(g: Any, ans: Any, base: Any, view: Any, func: Any, rest: tuple,
                      kw: dict | None) -> Any:
    # The base keeps its gradient outside the region the view covers.
    # Made from g (not from a bare shape) so that they live on g's device; in C order, so
    # that mask.reshape(-1) is a view of mask (a transposed g would make it a copy, and the
    # write below would be lost: the base would keep the view's gradient too).
    index = np.reshape(np.cumsum(np.ones_like(g, dtype=np.intp, order="C")) - 1, g.shape)
    covered = func(index, *rest, **(kw or {}))
    mask = np.ones_like(g, dtype=bool, order="C")
    mask.reshape(-1)[np.ravel(covered)] = False
    return g * mask


def _view_update_view(g: Any, ans: Any, base: Any, view: Any, func: Any, rest: tuple,
                      kw: dict | None) -> Any:
    return func(g, *rest, **(kw or {}))


_VIEW_UPDATE = Rule("in-place update through a view", (_view_update_base, _view_update_view))



# ----------------------------------------------------------------------------- indexing

def _raw_index(idx: Any) -> Any:
    c = idx.__class__
    if c in TENSOR_TYPES:
        return idx._raw
    if c is tuple:
        return tuple(i._raw if i.__class__ in TENSOR_TYPES else i for i in idx)
    return idx


def getitem(self: Any, idx: Any) -> Any:
    """``Tensor.__getitem__``: recorded as ``operator.getitem``."""
    if self._base is not None:
        _refresh(self)
    raw = self._raw
    ridx = _raw_index(idx)
    if raw.__class__ is not _ndarray:
        _check_index_device(raw, ridx, None)
    ans = raw[ridx]
    node = self._node
    if node is None or not STATE.recording:
        out = wrap(ans)
        if (ans.__class__ is _ndarray or ans.__class__ in _RAW_CLS) and ans.base is not None:
            _link_plain_view(out, self, ridx)
        return out
    if ans.__class__ is not _ndarray:
        ans = _other_raw(ans)[0]
    if ans.dtype.kind not in "fc":
        return wrap(ans)
    return _record(RULES[operator.getitem], (raw, ridx), (node, None), None, ans, (self, idx))


def _check_index_device(raw: Any, ridx: Any, value: Any) -> None:
    """A device array indexed with (or assigned) host arrays: CuPy would copy them silently."""
    for v in (ridx if ridx.__class__ is tuple else (ridx,)) + (value,):
        if isinstance(v, _ndarray) and v.ndim:
            _explain_failure(TypeError("host array used with a device array"),
                             operator.getitem, (raw, v))


def _link_plain_view(out: Any, base: Any, ridx: Any) -> None:
    vc = _new_vc(base)
    out._vc = vc
    out._nodever = vc[0]
    out._base = base
    out._viewspec = (operator.getitem, (ridx,), None)


def setitem(self: Any, idx: Any, value: Any) -> None:
    """``Tensor.__setitem__``: the overwritten part gets no gradient, the values written do."""
    ridx = _raw_index(idx)
    vnode = None
    if value.__class__ in TENSOR_TYPES:
        if value._base is not None:
            _refresh(value)
        vnode = value._node
        rvalue = value._raw
    else:
        rvalue = value
    if self._base is not None:
        _refresh(self)
    if self._raw.__class__ is not _ndarray:
        _check_index_device(self._raw, ridx, rvalue)
    node = self._node
    record = STATE.recording and (node is not None or vnode is not None)
    if record and vnode is not None and (isinstance(rvalue, _ndarray) or
                                         rvalue.__class__ in _RAW_CLS) and \
            np.may_share_memory(rvalue, self._raw):
        rvalue = rvalue.copy()  # the values written must survive the write itself
    _before_write(self, ridx)
    try:
        self._raw[ridx] = rvalue
    except Exception as e:
        _explain_failure(e, operator.setitem, (self._raw, rvalue))
        raise
    new = None
    if record:
        new = Node(RULES[operator.setitem], (node, None, vnode), (Meta(self._raw), ridx, None),
                   None, None, self.shape, self.dtype, _EPOCH[0])
    mark_mutated(self, new)

