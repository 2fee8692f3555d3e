"""Graph nodes.

A node records one call: its rule, the nodes of its inputs (``parents``), the values its
derivative needs (everything else is dropped at record time), and the version stamps that
prove those values were not overwritten since.  Nodes point to their inputs, never to their
consumers or to the Tensors they describe, so the graph is freed by reference counting.
"""

from __future__ import annotations

import bisect
import os
import weakref
from typing import Any

import numpy as np

__all__ = ["Node", "Meta", "SELECT", "FREED", "leaf", "log_write", "written_since", "EPOCH",
           "RAW_TYPES", "register_raw_type", "SPEEDUPS", "snapshot_overlapping",
           "SNAPSHOTS"]



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
# Debug mode: node -> checksums of the values it saved, taken when it was recorded, so that
# the backward pass catches writes gradarray cannot see (raw aliases, compiled code).
FINGERPRINTS: Any = weakref.WeakKeyDictionary()


_wref = weakref.ref
_NEW_PY: list = []   # pure Python: weak references to the nodes made since the last index
_NEW_PY_LIMIT = [4096]


def _compact_new_py() -> None:
    # Nothing was written in place for a while: forget the nodes that died meanwhile.
    _NEW_PY[:] = [r for r in _NEW_PY if r() is not None]
    _NEW_PY_LIMIT[0] = max(4096, 2 * len(_NEW_PY))


def trim_new() -> None:
    """Called by each backward pass: in pure Python, forget the nodes that died (the list
    of nodes not yet indexed would otherwise keep their weak references until it doubles)."""
    if len(_NEW_PY) > 4096:
        _compact_new_py()


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
        _NEW_PY.append(_wref(self))  # for the copy-on-write index (see snapshot_overlapping)
        if len(_NEW_PY) > _NEW_PY_LIMIT[0]:
            _compact_new_py()


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
    """Stands in for an input whose rule reads only its shape, ndim, dtype, size or strides."""

    __slots__ = ("shape", "dtype", "ndim", "size", "strides")

    def __init__(self, a: Any) -> None:
        self.shape = a.shape
        self.dtype = a.dtype
        self.ndim = a.ndim
        self.size = a.size
        # The memory layout: ravel(order="K"/"A") reads its input in this order.
        self.strides = getattr(a, "strides", None)

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


# ----- Copy-on-write: a write gradarray sees first copies the saved values it overwrites -----
# Recording registers nothing (the hot path stays as it was): every new node is put on a
# list -- two pointer writes in C (``_speedups.take_new``), a weak reference in pure Python.
# The first in-place write after some recording indexes those nodes by the owner of each
# array they saved, with the array's byte span (``_SAVERS``).  A write then finds, by
# bisection, the saved arrays of the written owner whose spans reach the written region,
# and gives each one that shares memory with it a copy of the old values (in its node).
# Only live nodes and overlapping arrays are copied; a write that misses them costs a
# lookup.
_SAVERS: dict = {}  # id(owner ndarray) -> _Saved
_SAVERS_LIMIT = [4096]
# Statistics, for tests and measurement: [arrays copied, bytes copied].
SNAPSHOTS = [0, 0]
_MAX_WORK = 1 << 14   # np.shares_memory's effort bound; beyond it, assume an overlap
try:
    from numpy.lib.array_utils import byte_bounds as _byte_bounds
except ImportError:  # NumPy < 2
    _byte_bounds = np.byte_bounds
_EVERYWHERE = (0, 1 << 64)


class _Saved:
    """The saved arrays of one owner: ``items[k] = (hi, lo, node ref, position)`` sorted by
    ``hi`` (the end of the array's byte span), ``his`` the same ends for bisection."""

    __slots__ = ("ref", "his", "items", "limit")

    def __init__(self, ref: Any) -> None:
        self.ref = ref
        self.his: list = []
        self.items: list = []
        self.limit = 64

    def add(self, lo: int, hi: int, ref: Any, pos: tuple) -> None:
        k = bisect.bisect_right(self.his, hi)
        self.his.insert(k, hi)
        self.items.insert(k, (hi, lo, ref, pos))
        if len(self.items) > self.limit:   # forget arrays of nodes that died meanwhile
            keep = [it for it in self.items if _alive(it[2]())]
            self.items = keep
            self.his = [it[0] for it in keep]
            self.limit = max(64, 2 * len(keep))


def _alive(node: Any) -> bool:
    return node is not None and node.epoch != FREED


def _bounds(a: Any) -> tuple:
    if isinstance(a, np.ndarray):
        return _byte_bounds(a)
    return _EVERYWHERE   # a device's array: no address here, it may overlap anything


def _take_new() -> list:
    if SPEEDUPS is not None:
        return SPEEDUPS.take_new()
    refs = _NEW_PY[:]
    del _NEW_PY[:]
    return [n for n in (r() for r in refs) if n is not None]


def _has_new() -> bool:
    return SPEEDUPS.has_new() if SPEEDUPS is not None else bool(_NEW_PY)


def _saved_raws(node: Any) -> Any:
    """(position, raw array) for each array ``node`` holds for its backward pass: position
    (i, None) or (i, j) for argument i (element j of a list), (-1, None) or (-1, k) for the
    output (element k of a tuple)."""
    raw_types = RAW_TYPES
    args = getattr(node, "args", None)
    if args is not None:
        for i, a in enumerate(args):
            if isinstance(a, raw_types):
                yield (i, None), a
            elif a.__class__ is list or a.__class__ is tuple:
                for j, e in enumerate(a):
                    if isinstance(e, raw_types):
                        yield (i, j), e
    ans = getattr(node, "ans", None)
    if ans is not None:
        if ans.__class__ is tuple:
            for k, a in enumerate(ans):
                if isinstance(a, raw_types):
                    yield (-1, k), a
        elif isinstance(ans, raw_types):
            yield (-1, None), ans


def _get(node: Any, pos: tuple) -> Any:
    i, j = pos
    try:
        a = node.ans if i < 0 else node.args[i]
        return a if j is None else a[j]
    except (TypeError, IndexError):   # released, or replaced by something else
        return None


def _put(node: Any, pos: tuple, value: Any) -> None:
    i, j = pos
    if i < 0:
        if j is None:
            node.ans = value
        else:
            ans = list(node.ans)
            ans[j] = value
            node.ans = tuple(ans)
        return
    args = list(node.args)
    if j is None:
        args[i] = value
    else:
        seq = list(args[i])
        seq[j] = value
        args[i] = args[i].__class__(seq)
    node.args = tuple(args)


def _index_new() -> None:
    """Register the arrays saved by the nodes made since the last call, by owner."""
    for node in _take_new():
        ref = None
        for pos, a in _saved_raws(node):
            o = _owner(a)
            entry = _SAVERS.get(id(o))
            if entry is None or (entry.ref is not None and entry.ref() is not o):
                try:
                    oref = weakref.ref(o)
                except TypeError:
                    oref = None
                entry = _SAVERS[id(o)] = _Saved(oref)
            if ref is None:
                ref = weakref.ref(node)
            lo, hi = _bounds(a)
            entry.add(lo, hi, ref, pos)
    if len(_SAVERS) > _SAVERS_LIMIT[0]:
        for k, e in list(_SAVERS.items()):
            if (e.ref is not None and e.ref() is None) or not e.items:
                del _SAVERS[k]
        _SAVERS_LIMIT[0] = max(4096, 2 * len(_SAVERS))


def _overlaps(a: Any, region: Any) -> bool:
    if isinstance(a, np.ndarray) and isinstance(region, np.ndarray):
        try:
            return bool(np.shares_memory(a, region, max_work=_MAX_WORK))
        except np.exceptions.TooHardError:
            return True
    return True  # a device's arrays with the same owner: assume they overlap


def _region(raw: Any, index: Any) -> Any:
    """The view ``raw[index] = v`` writes; all of ``raw`` for an advanced index."""
    idx = index if index.__class__ is tuple else (index,)
    ell = False
    for i in idx:
        if i is Ellipsis:
            ell = True
        elif not (i is None or i.__class__ is slice or
                  (isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_)))):
            return raw
    try:
        return raw[idx if ell else idx + (Ellipsis,)]
    except Exception:
        return raw


def _copy_of(a: Any, copies: dict) -> Any:
    c = copies.get(id(a))
    if c is None:
        try:
            dup = a.copy(order="K")   # the same memory layout (some rules read strides)
        except TypeError:
            dup = a.copy()
        c = copies[id(a)] = (dup, a)   # (the copy, the original kept alive for the id)
        SNAPSHOTS[0] += 1
        SNAPSHOTS[1] += int(a.nbytes)
    return c[0]


def snapshot_overlapping(raw: Any, region: Any = None, index: Any = None) -> None:
    """Before an in-place write into ``region`` (a view of the memory of array ``raw``; or
    ``raw[index]``; all of ``raw`` when both are None): give each live node that saved an
    array overlapping it a copy of that array, so that its backward pass uses the values it
    recorded."""
    if _has_new():
        _index_new()
    o = _owner(raw)
    entry = _SAVERS.get(id(o))
    if entry is None:
        return
    if entry.ref is not None and entry.ref() is not o:
        del _SAVERS[id(o)]
        return
    if region is None:
        region = raw if index is None else _region(raw, index)
    lo, hi = _bounds(region)
    items = entry.items
    k = bisect.bisect_right(entry.his, lo)   # spans ending after the region starts
    done = []
    copies: dict = {}   # id(saved array) -> its copy (a value saved twice is copied once)
    for n in range(k, len(items)):
        ihi, ilo, ref, pos = items[n]
        if ilo >= hi:
            continue
        node = ref()
        a = _get(node, pos) if _alive(node) else None
        if a is None or not isinstance(a, RAW_TYPES) or _owner(a) is not o:
            done.append(n)        # gone, or copied already
        elif _overlaps(a, region):
            _put(node, pos, _copy_of(a, copies))
            done.append(n)
    for n in reversed(done):
        del items[n]
        del entry.his[n]
    if not items:
        del _SAVERS[id(o)]
