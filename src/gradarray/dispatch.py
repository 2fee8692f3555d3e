"""Dispatch: unwrap Tensors, look up the rule, call NumPy on raw arrays, wrap, record.

This is the hot path.  Every ufunc call and NumPy function call on a Tensor lands here
through ``Tensor.__array_ufunc__``/``__array_function__``; the Tensor's own methods call
NumPy functions, so they land here too.  Each callable is in exactly one table (rule,
composite, nondiff) or, when called on a recorded Tensor, raises ``NoRuleError``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._state import STATE
from .errors import UnsupportedArgument
from .graph import EPOCH as _EPOCH
from .graph import Meta, Node
from .inplace import _before_write, _ufunc_at, assign, getitem, mark_mutated, setitem
from .record import (
    _ARRAY_OUT,
    _CLS,
    _MASK1,
    _PLAIN,
    _RAW_CLS,
    TENSOR_TYPES,
    UNWRAPPED,
    VAR_TYPES,
    _explain_failure,
    _foreign,
    _ndarray,
    _raise_no_rule,
    _raw_of,
    _record,
    _refresh,
    _wrap_any,
    bind,
    register_array_type,
    wrap,
)
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

__all__ = ["TENSOR_TYPES", "VAR_TYPES", "bind", "register_array_type", "wrap", "array_ufunc",
           "array_function", "getitem", "setitem", "assign", "mark_mutated"]


# ----------------------------------------------------------------------------- ufuncs

# NumPy >= 2.1 takes out=... (0-d results stay arrays); before, no out (out=None is refused
# by two-output ufuncs), and a NumPy scalar result is wrapped as a 0-d Tensor.
_OUT_OK = _ARRAY_OUT is not None


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
            ans = ufunc(ra, rb, out=...) if _OUT_OK else ufunc(ra, rb)
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
        ans = ufunc(ra, out=...) if _OUT_OK else ufunc(ra)
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


def _ufunc_general(ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict) -> Any:
    if method == "__call__" and len(kwargs) == 1 and len(inputs) == 2:
        # ``t += x`` on values that need no recording (a running total): the in-place call.
        out = kwargs.get("out")
        if out is not None and len(out) == 1:
            o = out[0]
            a, b = inputs
            if o.__class__ is _CLS[0] and _untracked(a) and _untracked(b) and \
                    (o._node is None or not STATE.recording) and not o._is_var:
                _before_write(o)
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


# Functions that write their other arguments into their first: a plain ndarray there cannot
# hold the record (the values are copied, their gradient is lost).
_WRITES_INTO_FIRST = {np.copyto, np.place, np.putmask, np.put, np.put_along_axis,
                      np.fill_diagonal}


def array_function(self: Any, func: Any, types: tuple, args: tuple, kwargs: dict) -> Any:
    """``Tensor.__array_function__``."""
    for t in types:
        if t not in TENSOR_TYPES and not issubclass(t, _CLS[0]) and t is not _ndarray and \
                t not in _RAW_CLS:
            return NotImplemented
    func = UNWRAPPED.get(func, func)
    rule = RULES.get(func)
    if rule is None:
        impl = COMPOSITES.get(func)
        if impl is not None:
            if func in _WRITES_INTO_FIRST and args and args[0].__class__ is _ndarray and \
                    STATE.recording and _has_tracked(args[1:] + tuple(kwargs.values())):
                from .conversions import WRITE_FIX, warn_lost

                warn_lost(f"{lookup_name(func)} wrote a recorded value into a plain ndarray",
                          WRITE_FIX)
            return impl(*args, **kwargs)
    raws, parents, slots, simple, kw, kw_tracked = _unwrap_call(args, kwargs)
    if kw_tracked and STATE.recording and kwargs.get("out") is not None:
        # out= is a recorded Tensor (np.clip(x, 0, None, out=x)): record the call, then
        # write it into out (before out could be taken for a positional argument).
        r = func(*args, **{k: v for k, v in kwargs.items() if k != "out"})
        assign(kwargs["out"], r)
        return kwargs["out"]
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


