"""Dispatch: unwrap Tensors, look up the rule, call NumPy on raw arrays, wrap, record.

This is the hot path.  Every ufunc call and NumPy function call on a Tensor lands here
through ``Tensor.__array_ufunc__``/``__array_function__``; the Tensor's own methods call
NumPy functions, so they land here too.  Each callable is in exactly one table (rule,
composite, nondiff) or, when called on a recorded Tensor, raises ``NoRuleError``.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from ._state import STATE
from .errors import DeviceMismatchError, NoRuleError, UnsupportedArgument
from .graph import EPOCH as _EPOCH
from .graph import SELECT, Meta, Node, log_write
from .registry import (
    COMPOSITES,
    FULL,
    LAZY_RULES,
    NONDIFF,
    RULES,
    Rule,
    load_lazy_rules,
    lookup_name,
)

__all__ = ["TENSOR_TYPES", "bind", "register_array_type", "wrap", "array_ufunc",
           "array_function", "getitem", "setitem", "mark_mutated"]

TENSOR_TYPES: set = set()   # Tensor and its subclasses (filled by tensor.py)
VAR_TYPES: set = set()      # those of them that are Variables (``_is_var``)
_CLS: list = []             # [the class results are wrapped in]
_RAW_CLS: dict = {}         # raw array type other than ndarray (CuPy's) -> its Tensor class
_ndarray = np.ndarray
_asarray = np.asarray
_generic = np.generic
_PLAIN = {float, int, complex, bool, _ndarray, np.float64, np.float32, np.int64,
          np.complex128, np.bool_, type(None)}
_nd_ufunc = np.ndarray.__array_ufunc__
try:  # NumPy >= 2.1: out=... makes a ufunc return a 0-d array, not a NumPy scalar.
    np.negative(np.float64(1.0), out=...)
    _ARRAY_OUT = ...
except TypeError:
    _ARRAY_OUT = None


def bind(cls: type) -> None:
    """Called once by tensor.py: results are wrapped as ``cls``."""
    _CLS[:] = [cls]
    TENSOR_TYPES.add(cls)


def register_array_type(raw_type: type, cls: type) -> None:
    """Called by ``devices/``: arrays of ``raw_type`` (CuPy's) are wrapped as ``cls``."""
    _RAW_CLS[raw_type] = cls
    TENSOR_TYPES.add(cls)
    _PLAIN.add(raw_type)   # a raw array of a known device is a constant, not a foreign type


def wrap(raw: Any, node: Node | None = None) -> Any:
    """A Tensor viewing ``raw`` (a NumPy scalar becomes a 0-d Tensor)."""
    c = raw.__class__
    if c is _ndarray:
        cls = _CLS[0]
    else:
        raw, cls = _other_raw(raw)
    t = raw.view(cls)
    t._raw = raw
    t._node = node
    return t


def _other_raw(raw: Any) -> tuple:
    """(raw array, Tensor class) for a result that is not an ndarray: a device array or a
    NumPy scalar (made a 0-d ndarray)."""
    cls = _RAW_CLS.get(raw.__class__)
    if cls is None:
        return _asarray(raw), _CLS[0]
    return raw, cls


def _wrap_any(x: Any) -> Any:
    """Wrap arrays inside a result (tuples, lists, namedtuples) as untracked Tensors."""
    c = x.__class__
    if c is _ndarray or c in _RAW_CLS or isinstance(x, _generic):
        return wrap(x)
    if c is tuple or c is list:
        return c(_wrap_any(v) for v in x)
    if isinstance(x, tuple) and hasattr(x, "_fields"):  # namedtuple (eigh, svd, ...)
        return c(*(_wrap_any(v) for v in x))
    return x


def _foreign(x: Any) -> bool:
    """True for an operand that overrides ufuncs itself (let it handle the call)."""
    c = x.__class__
    if c in _PLAIN or c in TENSOR_TYPES:
        return False
    f = getattr(c, "__array_ufunc__", _nd_ufunc)
    return f is not _nd_ufunc and f is not None


# ----------------------------------------------------------------------------- recording

def _refresh(t: Any) -> None:
    """Re-derive a view's node when its base was written in place since it was recorded."""
    vc = t._vc
    if vc is None or t._nodever == vc[0]:
        return
    base = t._base
    if base._base is not None:
        _refresh(base)
    t._nodever = vc[0]
    if base._node is None or not STATE.recording:
        t._node = None if base._node is None else t._node
        return
    func, rest, kw = t._viewspec
    rule = RULES[func]
    t._node = Node(rule, (base._node,), (Meta(base._raw),) + rest, kw, None, t.shape, t.dtype,
                   _EPOCH[0])


def _new_vc(t: Any) -> list:
    vc = t._vc
    if vc is None:
        vc = t._vc = [0]
    return vc


_MASK1 = (True,)


def _record(rule: Rule, raws: tuple, parents: tuple, kwargs: dict | None, ans: Any,
            inputs: tuple, slots: tuple | None = None) -> Any:
    """Wrap ``ans`` as a Tensor whose node records this call."""
    if slots is None:
        n = len(parents)
        if n == 2:
            mask = (parents[0] is not None, parents[1] is not None)
        elif n == 1:
            mask = _MASK1
        else:
            mask = tuple(p is not None for p in parents)
    else:
        m = [False] * len(raws)
        for (pos, _), p in zip(slots, parents):
            if p is not None:
                m[pos] = True
        mask = tuple(m)
    plan = rule._plans.get(mask)
    if plan is None:
        plan = rule.plan(mask)
    keep_ans, keep, full, meta, allfull = plan
    if keep is None:
        args = raws
        full = range(len(raws))
    elif allfull:
        args = raws
    else:
        args = [None] * len(raws)
        for i in full:
            args[i] = raws[i]
        for i in meta:
            r = raws[i]
            args[i] = Meta(r) if r.__class__ is _ndarray or r.__class__ in _RAW_CLS else r
        args = tuple(args)
    readers = None
    for i in full:
        if inputs[i].__class__ in VAR_TYPES:
            readers = readers or []
            readers.append(inputs[i])
    epoch = _EPOCH[0]
    if rule.multi:
        return _record_multi(rule, parents, args, kwargs, ans, keep_ans, epoch, slots,
                             readers)
    if ans.__class__ is _ndarray:
        cls = _CLS[0]
    else:
        ans, cls = _other_raw(ans)
    node = Node(rule, parents, args, kwargs, ans if keep_ans else None, ans.shape, ans.dtype,
                epoch, slots)
    out = ans.view(cls)
    out._raw = ans
    out._node = node
    if readers:
        _add_readers(readers, node)
    if rule.view and inputs and inputs[0].__class__ in TENSOR_TYPES:
        _link_view(out, inputs[0], rule, raws, kwargs)
    return out


def _record_multi(rule: Rule, parents: tuple, args: tuple, kwargs: dict | None, ans: Any,
                  keep_ans: int, epoch: int, slots: tuple | None,
                  readers: list | None) -> Any:
    # Some arguments make a multi-output function return one array (svd(compute_uv=False),
    # qr(mode="r")): recorded as a 1-tuple, so the rule sees g and ans as 1-tuples.
    single = not isinstance(ans, (tuple, list))
    outs = tuple(a if a.__class__ is _ndarray else _other_raw(a)[0] for a in
                 ((ans,) if single else ans))
    node = Node(rule, parents, args, kwargs, outs if keep_ans else None,
                tuple(a.shape for a in outs), tuple(a.dtype for a in outs), epoch, slots)
    result = []
    for k, a in enumerate(outs):
        if a.dtype.kind in "fc":
            sel = Node(SELECT, (node,), None, None, None, a.shape, a.dtype, epoch, None, k)
            result.append(wrap(a, sel))
        else:
            result.append(wrap(a))
    if readers:
        _add_readers(readers, node)
    if single:
        return result[0]
    if isinstance(ans, tuple) and hasattr(ans, "_fields"):
        return ans.__class__(*result)
    return tuple(result) if ans.__class__ is tuple else result


def _meta(r: Any) -> Any:
    return Meta(r) if isinstance(r, _ndarray) or r.__class__ in _RAW_CLS else r


def _add_readers(variables: list, node: Node) -> None:
    import weakref

    ref = weakref.ref(node)
    for v in variables:
        v._readers.append(ref)


def _link_view(out: Any, base: Any, rule: Any, raws: tuple, kwargs: dict | None) -> None:
    """Make ``out`` a view of ``base`` for in-place tracking (if it shares its memory)."""
    if not np.may_share_memory(out._raw, base._raw):
        return
    key = rule.key
    vc = _new_vc(base)
    out._vc = vc
    out._nodever = vc[0]
    out._base = base
    out._viewspec = (key, tuple(raws[1:]), kwargs)


def _raise_no_rule(key: Any) -> None:
    name = lookup_name(key)
    raise NoRuleError(
        f"{name} has no derivative rule in gradarray and was called on a Tensor that is "
        f"being differentiated. Register one with gradarray.defvjp({name}, ...), or wrap "
        "the input in gradarray.stop_gradient(...) if no gradient should flow through it")


def _device_name(x: Any) -> str | None:
    c = x.__class__
    if c in TENSOR_TYPES:
        x = x._raw
        c = x.__class__
    cls = _RAW_CLS.get(c)
    if cls is not None:
        return cls._device_name(x)
    return "cpu" if isinstance(x, (_ndarray, _generic)) else None


def _explain_failure(exc: Exception, func: Any, values: Any) -> None:
    """Called only after a NumPy call failed: raise a clearer error when the arrays given live
    on different devices, or when the device's library lacks the function."""
    devices: list = []
    for v in values:
        for e in (v if v.__class__ in (list, tuple) else (v,)):
            d = _device_name(e)
            if d is not None and d not in devices:
                devices.append(d)
    name = lookup_name(func)
    if len(devices) > 1:
        raise DeviceMismatchError(
            f"{name} was given arrays on different devices ({devices[0]} and {devices[1]}); "
            "gradarray never copies between devices implicitly: move one with "
            f"x.to_device({devices[0]!r}) first") from exc
    if devices and devices[0] != "cpu" and isinstance(exc, TypeError) and \
            "no implementation found" in str(exc):
        raise NotImplementedError(
            f"{name} is not available on {devices[0]}: the device's array library (CuPy) "
            "does not implement it; compute it on the CPU (x.to_device('cpu'))") from exc


# ----------------------------------------------------------------------------- ufuncs

def array_ufunc(self: Any, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
    """``Tensor.__array_ufunc__``: the fast path is a plain call with 1 or 2 operands."""
    if method != "__call__" or kwargs:
        return _ufunc_general(ufunc, method, inputs, kwargs)
    TT = TENSOR_TYPES
    n = len(inputs)
    if n == 2:
        a, b = inputs
        if a.__class__ in TT:
            if a._base is not None:
                _refresh(a)
            ra = a._raw
            na = a._node
        else:
            if a.__class__ not in _PLAIN and _foreign(a):
                return NotImplemented
            ra = a
            na = None
        if b.__class__ in TT:
            if b._base is not None:
                _refresh(b)
            rb = b._raw
            nb = b._node
        else:
            if b.__class__ not in _PLAIN and _foreign(b):
                return NotImplemented
            rb = b
            nb = None
        try:
            ans = ufunc(ra, rb, out=_ARRAY_OUT)
        except Exception as e:
            _explain_failure(e, ufunc, (ra, rb))
            raise
        if (na is None and nb is None) or not STATE.recording:
            if ans.__class__ is _ndarray:
                t = ans.view(_CLS[0])
                t._raw = ans
                t._node = None
                return t
            return wrap(ans) if ans.__class__ is not tuple else _wrap_any(ans)
        rule = RULES.get(ufunc)
        if rule is None and (not LAZY_RULES or (rule := _late_rule(ufunc)) is None):
            return _unruled(ufunc, ans)
        plan = rule._plans.get((na is not None, nb is not None))
        if plan is not None and ans.__class__ is _ndarray and a.__class__ not in VAR_TYPES \
                and b.__class__ not in VAR_TYPES and not (rule.multi or rule.view):
            # The commonest recorded call (x * y on Tensors): _record without generality.
            keep = plan[1]
            if keep is None or plan[4]:
                args = (ra, rb)
            else:
                ka, kb = keep
                args = (ra if ka == FULL else (None if not ka else
                                               Meta(ra) if ra.__class__ is _ndarray else ra),
                        rb if kb == FULL else (None if not kb else
                                               Meta(rb) if rb.__class__ is _ndarray else rb))
            t = ans.view(_CLS[0])
            t._raw = ans
            t._node = Node(rule, (na, nb), args, None, ans if plan[0] else None, ans.shape,
                           ans.dtype, _EPOCH[0])
            return t
        return _record(rule, (ra, rb), (na, nb), None, ans, inputs)
    if n == 1:
        a = inputs[0]
        if a._base is not None:
            _refresh(a)
        ra = a._raw
        na = a._node
        ans = ufunc(ra, out=_ARRAY_OUT)
        if na is None or not STATE.recording:
            if ans.__class__ is _ndarray:
                t = ans.view(_CLS[0])
                t._raw = ans
                t._node = None
                return t
            return wrap(ans) if ans.__class__ is not tuple else _wrap_any(ans)
        rule = RULES.get(ufunc)
        if rule is None and (not LAZY_RULES or (rule := _late_rule(ufunc)) is None):
            return _unruled(ufunc, ans)
        plan = rule._plans.get(_MASK1)
        if plan is not None and ans.__class__ is _ndarray and a.__class__ not in VAR_TYPES \
                and not (rule.multi or rule.view):
            # The commonest recorded call (np.sin(x) on a Tensor): _record without generality.
            keep_ans, keep = plan[0], plan[1]
            node = Node(rule, (na,), (ra,) if keep is None or keep[0] == FULL else
                        ((Meta(ra),) if keep[0] else (None,)), None,
                        ans if keep_ans else None, ans.shape, ans.dtype, _EPOCH[0])
            t = ans.view(_CLS[0])
            t._raw = ans
            t._node = node
            return t
        return _record(rule, (ra,), (na,), None, ans, inputs)
    return _ufunc_general(ufunc, method, inputs, kwargs)


def _late_rule(key: Any) -> Rule | None:
    if key in NONDIFF:  # the common no-rule case: do not look for lazy rule modules
        return None
    return RULES.get(key) if load_lazy_rules() else None


def _unruled(key: Any, ans: Any) -> Any:
    if key in NONDIFF:
        return _wrap_any(ans)
    _raise_no_rule(key)


def _unwrap_inputs(inputs: tuple) -> tuple[list, list, bool]:
    raws = []
    nodes = []
    tracked = False
    for x in inputs:
        if x.__class__ in TENSOR_TYPES:
            if x._base is not None:
                _refresh(x)
            raws.append(x._raw)
            n = x._node
            nodes.append(n)
            tracked = tracked or n is not None
        else:
            raws.append(x)
            nodes.append(None)
    return raws, nodes, tracked


def _untracked(x: Any) -> bool:
    """A host number or array, or a host Tensor that is not recorded (no foreign override)."""
    c = x.__class__
    if c is _CLS[0]:
        # A view may be stale (its base written since): let the general path refresh it.
        return x._base is None and (x._node is None or not STATE.recording)
    # Host values only: device arrays take the general path, which checks devices.
    return c in _PLAIN and c not in _RAW_CLS


def _raw_of(x: Any) -> Any:
    return x._raw if x.__class__ in TENSOR_TYPES else x


def _ufunc_general(ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict) -> Any:
    if method == "__call__" and len(kwargs) == 1 and len(inputs) == 2:
        # ``t += x`` on values that need no recording (a running total): the in-place call.
        out = kwargs.get("out")
        if out is not None and len(out) == 1:
            o = out[0]
            a, b = inputs
            if o.__class__ is _CLS[0] and _untracked(a) and _untracked(b) and \
                    (o._node is None or not STATE.recording) and not o._is_var:
                ufunc(_raw_of(a), _raw_of(b), out=o._raw)
                mark_mutated(o, None)
                return o
    for x in inputs:
        if _foreign(x):
            return NotImplemented
    out = kwargs.get("out")
    if out is not None:
        for o in out:
            if o is not None and _foreign(o):
                return NotImplemented
    raws, nodes, tracked = _unwrap_inputs(inputs)
    where = kwargs.get("where", True) if method == "__call__" else True
    if where is not True:
        tracked = tracked or (where.__class__ in TENSOR_TYPES and where._node is not None)
    if out is not None and where is not True:
        tracked = tracked or any(o.__class__ in TENSOR_TYPES and o._node is not None
                                 for o in out if o is not None)
    if method == "at" and inputs[0].__class__ in TENSOR_TYPES and inputs[0]._node is not None:
        tracked = True
    if not (tracked and STATE.recording):
        kw = kwargs
        if out is not None or where is not True:
            kw = dict(kwargs)
            if out is not None:
                kw["out"] = tuple(_raw_of(o) for o in out)
            if where is not True:
                kw["where"] = _raw_of(where)
        for o in (out or ()) + ((inputs[0],) if method == "at" else ()):
            if o.__class__ in TENSOR_TYPES:
                _before_write(o)
        try:
            ans = getattr(ufunc, method)(*raws, **kw)
        except Exception as e:
            _explain_failure(e, ufunc, raws + list(kw.get("out") or ()))
            raise
        if method == "at":
            mark_mutated(inputs[0], None)
            return None
        if out is not None:
            for o in out:
                if o.__class__ in TENSOR_TYPES:
                    mark_mutated(o, None)
            return out[0] if len(out) == 1 else out
        return _wrap_any(ans)
    # Recording.  out= and where= are decomposed into recorded steps plus a copy into out.
    if method == "at":
        return _ufunc_at(ufunc, inputs, raws, nodes, kwargs)
    if out is not None or where is not True:
        # where= of reduce/accumulate selects inputs: it stays with the call.
        drop = ("out", "where") if method == "__call__" else ("out",)
        kw = {k: v for k, v in kwargs.items() if k not in drop}
        r = getattr(ufunc, method)(*inputs, **kw)
        if isinstance(r, tuple):
            if out is None:
                return r
            for o, ri in zip(out, r):
                if o is not None:
                    assign(o, ri)
            return out
        if where is not True:
            other = out[0] if out is not None else np.zeros_like(r)
            r = np.where(where, r, other)
        if out is None:
            return r
        assign(out[0], r)
        return out[0]
    if method == "__call__":
        rule = RULES.get(ufunc)
        if rule is None:
            return _unruled(ufunc, ufunc(*raws, **kwargs))
        # dtype/casting/order only change the output dtype, which the engine casts back.
        kw = {k: v for k, v in kwargs.items() if k not in _UFUNC_DTYPE_KW}
        if kw and not rule.elementwise:
            _check_kwargs(rule, ufunc, len(raws), kw)
        try:
            ans = ufunc(*raws, **kwargs)
        except Exception as e:
            _explain_failure(e, ufunc, raws)
            raise
        return _record(rule, tuple(raws), tuple(nodes), kw or None, ans, inputs)
    if method == "outer":
        if RULES.get(ufunc) is None:
            _raise_no_rule((ufunc, "outer"))
        a, b = inputs
        a = np.reshape(a, np.shape(a) + (1,) * np.ndim(b))
        return ufunc(a, b, **kwargs)
    key = (ufunc, method)
    rule = RULES.get(key)
    ans = getattr(ufunc, method)(*raws, **kwargs)
    if rule is None:
        return _unruled(key, ans)
    return _record(rule, tuple(raws), tuple(nodes), kwargs or None, ans, inputs)


_UFUNC_DTYPE_KW = frozenset(("dtype", "casting", "order", "subok", "signature"))


def _check_kwargs(rule: Rule, func: Any, nargs: int, kw: dict) -> None:
    sig = rule.signature
    try:
        if sig is None:
            raise TypeError("no keyword arguments are supported")
        sig.bind(*([None] * nargs), **kw)
    except TypeError as e:
        raise UnsupportedArgument(
            f"{lookup_name(func)}: the derivative rule cannot honour the keyword argument(s) "
            f"{sorted(kw)} ({e}); call it without them") from None


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
            from ._debug import report_lost

            report_lost("a recorded value was written into a plain ndarray (out=)")
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


def _before_write(t: Any) -> None:
    """A Variable about to be overwritten first hands its old value to recorded reads."""
    if t._is_var:
        t._release_readers()


def mark_mutated(t: Any, node: Node | None) -> None:
    """``t``'s memory was written: bump its version, set its node, update its bases.

    A Variable keeps its leaf node: writes to it are updates, not recorded operations
    (as TensorFlow's ``assign``).
    """
    log_write(t._raw)
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
    # Made from g (not from a bare shape) so that they live on g's device.
    index = np.reshape(np.cumsum(np.ones_like(g, dtype=np.intp)) - 1, g.shape)
    covered = func(index, *rest, **(kw or {}))
    mask = np.ones_like(g, dtype=bool)
    mask.reshape(-1)[np.ravel(covered)] = False
    return g * mask


def _view_update_view(g: Any, ans: Any, base: Any, view: Any, func: Any, rest: tuple,
                      kw: dict | None) -> Any:
    return func(g, *rest, **(kw or {}))


_VIEW_UPDATE = Rule("in-place update through a view", (_view_update_base, _view_update_view))


# ----------------------------------------------------------------------------- functions

def _unwrap_seq(seq: Any, i: int, path: tuple, parents: list, slots: list,
                inputs_seen: list) -> Any:
    out = []
    for j, e in enumerate(seq):
        c = e.__class__
        if c in TENSOR_TYPES:
            if e._base is not None:
                _refresh(e)
            out.append(e._raw)
            if e._node is not None:
                parents.append(e._node)
                slots.append((i, path + (j,)))
        elif c is list or c is tuple:
            out.append(_unwrap_seq(e, i, path + (j,), parents, slots, inputs_seen))
        else:
            out.append(e)
    return seq.__class__(out) if seq.__class__ in (list, tuple) else out


def _unwrap_call(args: tuple, kwargs: dict) -> tuple:
    """Raw args and kwargs, the tracked parents and their (position, path) slots."""
    raws = list(args)
    parents: list = []
    slots: list = []
    simple = True
    for i, a in enumerate(args):
        c = a.__class__
        if c in TENSOR_TYPES:
            if a._base is not None:
                _refresh(a)
            raws[i] = a._raw
            if a._node is not None:
                parents.append(a._node)
                slots.append((i, None))
        elif c is list or c is tuple:
            n0 = len(parents)
            raws[i] = _unwrap_seq(a, i, (), parents, slots, [])
            if len(parents) != n0:
                simple = False
    kw = kwargs
    kw_tracked = False
    for k, v in kwargs.items():
        c = v.__class__
        if c in TENSOR_TYPES or c is list or c is tuple:
            if kw is kwargs:
                kw = dict(kwargs)
            if c in TENSOR_TYPES:
                kw[k] = v._raw
                kw_tracked = kw_tracked or v._node is not None
            else:
                kw[k] = _unwrap_seq(v, -1, (), [], [], [])
                kw_tracked = kw_tracked or _has_tracked(v)
    return raws, parents, slots, simple, kw, kw_tracked


def _has_tracked(seq: Any) -> bool:
    for e in seq:
        if e.__class__ in TENSOR_TYPES and e._node is not None:
            return True
        if e.__class__ in (list, tuple) and _has_tracked(e):
            return True
    return False


def _positional(rule: Rule, func: Any, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
    """Move Tensors passed by keyword to their positional slots (rare path).

    Only what the caller gave is passed on: defaults fill the gaps before a moved argument.
    """
    sig = rule.signature
    if sig is None:
        raise UnsupportedArgument(
            f"{lookup_name(func)}: pass differentiated arrays positionally")
    try:
        bound = sig.bind(*args, **kwargs)
    except TypeError as e:
        raise UnsupportedArgument(f"{lookup_name(func)}: {e}") from None
    given = bound.arguments
    positional = [p for p in sig.parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    last = max((i for i, p in enumerate(positional) if p.name in given), default=-1)
    new_args = []
    for p in positional[:last + 1]:
        if p.name in given:
            new_args.append(given[p.name])
        elif p.default is not p.empty:
            new_args.append(p.default)
        else:
            raise UnsupportedArgument(f"{lookup_name(func)}: missing argument {p.name!r}")
    new_kw = {k: v for k, v in given.items()
              if k not in {p.name for p in positional[:last + 1]}}
    for p in sig.parameters.values():
        if p.kind == p.VAR_POSITIONAL and p.name in new_kw:
            new_args.extend(new_kw.pop(p.name))
        elif p.kind == p.VAR_KEYWORD and p.name in new_kw:
            new_kw.update(new_kw.pop(p.name))
    return tuple(new_args), new_kw


def array_function(self: Any, func: Any, types: tuple, args: tuple, kwargs: dict) -> Any:
    """``Tensor.__array_function__``."""
    for t in types:
        if t not in TENSOR_TYPES and not issubclass(t, _CLS[0]) and t is not _ndarray and \
                t not in _RAW_CLS:
            return NotImplemented
    rule = RULES.get(func)
    if rule is None:
        impl = COMPOSITES.get(func)
        if impl is not None:
            return impl(*args, **kwargs)
    raws, parents, slots, simple, kw, kw_tracked = _unwrap_call(args, kwargs)
    if rule is not None and kw_tracked:
        args, kwargs = _positional(rule, func, args, kwargs)
        raws, parents, slots, simple, kw, kw_tracked = _unwrap_call(args, kwargs)
    tracked = (bool(parents) or kw_tracked) and STATE.recording
    out = kw.get("out") if kw else None
    if tracked and out is not None:
        kw = {k: v for k, v in kwargs.items() if k != "out"}
        r = func(*args, **kw)
        assign(kwargs["out"], r)
        return kwargs["out"]
    if not tracked:
        if out is not None and out.__class__ in TENSOR_TYPES:
            _before_write(out)
        try:
            ans = func(*raws, **kw)
        except Exception as e:
            _explain_failure(e, func, raws)
            raise
        if out is not None:
            if out.__class__ in TENSOR_TYPES:
                mark_mutated(out, None)
            return out
        return _wrap_any(ans)
    if rule is None:
        if func in NONDIFF:
            return _wrap_any(func(*raws, **kw))
        _raise_no_rule(func)
    if kw_tracked:
        raise UnsupportedArgument(
            f"{lookup_name(func)}: a differentiated array was passed inside a keyword "
            "argument the rule cannot differentiate; pass it positionally")
    try:
        ans = func(*raws, **kw)
    except Exception as e:
        _explain_failure(e, func, raws)
        raise
    if rule.multi:
        pass
    elif not hasattr(ans, "dtype") or ans.dtype.kind not in "fc":
        return _wrap_any(ans)
    if simple:
        full = [None] * len(raws)
        for (pos, _), p in zip(slots, parents):
            full[pos] = p
        return _record(rule, tuple(raws), tuple(full), kw or None, ans, args)
    return _record(rule, tuple(raws), tuple(parents), kw or None, ans, args, tuple(slots))


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
    recording = STATE.recording
    if recording and (node is not None or vnode is not None):
        rule = RULES[operator.setitem]
        if vnode is not None and (isinstance(rvalue, _ndarray) or
                                  rvalue.__class__ in _RAW_CLS) and \
                np.may_share_memory(rvalue, self._raw):
            rvalue = rvalue.copy()
        _before_write(self)
        try:
            self._raw[ridx] = rvalue
        except Exception as e:
            _explain_failure(e, operator.setitem, (self._raw, rvalue))
            raise
        new = Node(rule, (node, None, vnode), (Meta(self._raw), ridx, None), None, None,
                   self.shape, self.dtype, _EPOCH[0])
        mark_mutated(self, new)
        return
    _before_write(self)
    try:
        self._raw[ridx] = rvalue
    except Exception as e:
        _explain_failure(e, operator.setitem, (self._raw, rvalue))
        raise
    mark_mutated(self, None)
