"""Recording: the Tensor types, wrapping raw arrays, and the node a recorded call leaves.

``dispatch`` (NumPy's protocols) and ``inplace`` (writes and indexing) both stand on this.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._state import STATE
from .errors import DeviceMismatchError, NoRuleError
from .graph import EPOCH as _EPOCH
from .graph import SELECT, Meta, Node
from .registry import (
    RULES,
    Rule,
    lookup_name,
)

TENSOR_TYPES: set = set()   # Tensor and its subclasses (filled by tensor.py)
# gradarray's wrappers of NumPy functions -> NumPy's function (filled by conversions.py):
# NumPy hands ``__array_function__`` what ``numpy.<name>`` is at call time (``like=``).
UNWRAPPED: dict = {}
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



def _raw_of(x: Any) -> Any:
    return x._raw if x.__class__ in TENSOR_TYPES else x

