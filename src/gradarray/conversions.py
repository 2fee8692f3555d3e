"""NumPy's conversions keep the tape: ``np.asarray``, ``np.array``, ... on recorded Tensors.

NumPy calls no hook of an ndarray subclass in ``np.asarray``/``np.array`` (NEP 18 leaves
them out), so library code that starts with ``x = np.asarray(x)`` (SciPy, scikit-learn,
array-api-compat's ``asarray``) used to drop the recording there.  While a gradient is
being recorded in the calling thread, the functions below give instead:

- for a recorded Tensor: the Tensor itself where NumPy would return its input unchanged, a
  recorded view where NumPy returns a view (``ndmin``, ``ascontiguousarray`` of a 0-d
  value), and a recorded copy or cast where NumPy copies;
- for (nested) lists and tuples holding recorded Tensors: NumPy's array, recorded, with a
  gradient for each Tensor in it (``np.array([x[0] * 2, x[1]])``).

New floating buffers made while recording -- ``np.zeros``/``np.empty``/``np.ones``/
``np.full`` (and ``_like``), ``np.array`` of plain data -- are Tensors (not recorded until
recorded values are written into them), and ``np.asarray`` of a floating Tensor is the
Tensor itself, so a buffer filled with recorded values records the writes.  Everything else
-- no recording in this thread -- is NumPy's own function, called with the same arguments,
after one attribute check.

The same module walk puts in place, for SciPy and scikit-learn, guards on the C functions of
their extension modules (they warn when given a recorded Tensor: compiled code reads raw
memory) and the recorded stand-ins of ``interop.py``.

How: the first time anything is recorded, :func:`install` puts wrappers in place of NumPy's
functions, in ``numpy`` and wherever a module imported so far holds NumPy's function under
a name of its own (``from numpy import asarray``, as in ``scipy.stats``); modules imported
later are looked at when the next gradient computation starts.  Modules of gradarray keep
NumPy's originals.  The wrappers stay: they cost one thread-local read when nothing is
recorded, and they hold no state, so nesting, threads and exceptions need no undoing.
``set_keep_tape(False)`` (or ``GRADARRAY_KEEP_TAPE=0``) turns the behaviour off.
"""

from __future__ import annotations

import functools
import sys
import threading
import types
from collections.abc import Callable
from typing import Any

import numpy as np

from . import _state
from ._state import STATE
from ._warn import warn_user
from .dispatch import _unwrap_seq
from .errors import LostTapeWarning
from .record import TENSOR_TYPES, UNWRAPPED, _record, _refresh, wrap
from .registry import Rule

__all__ = ["install", "installed", "arm", "set_keep_tape", "keep_tape", "ORIGINALS",
           "warn_lost", "WRITE_FIX"]

NAMES = ("asarray", "array", "asanyarray", "ascontiguousarray", "asfortranarray",
         "asarray_chkfinite", "require", "from_dlpack")
# Allocations: while recording, a new floating buffer is a (not yet recorded) Tensor, so
# recorded values written into it are recorded (``out = np.empty(n); out[i] = f(x[i])``,
# SciPy's ``output = empty(...); place(output, cond, values)``).
ALLOCATIONS = ("empty", "zeros", "ones", "full", "empty_like", "zeros_like", "ones_like",
               "full_like")
# NumPy's own functions, taken before anything could replace them.
ORIGINALS: dict[str, Callable] = {name: getattr(np, name) for name in NAMES + ALLOCATIONS}
_BY_ID = {id(f): name for name, f in ORIGINALS.items()}
_WRAPPERS: dict[str, Callable] = {}
_LOCK = threading.Lock()
_SCANNED: set = set()          # names of the modules already looked at


_NUMBER_FIX = ("keep the value an array and use NumPy functions on it (np.log(t), not "
               "math.log(t)); if the number is only for printing or control flow, read it "
               "from gradarray.stop_gradient(t)")
WRITE_FIX = ("allocate the buffer inside the differentiated function (np.zeros/np.empty "
             "there give a Tensor while recording) or build the result with NumPy "
             "functions (np.where, np.concatenate, np.stack)")


def warn_lost(what: str, fix: str = _NUMBER_FIX) -> None:
    """Warn, at the user's line, that ``what`` took a recorded value off the tape."""
    warn_user(f"{what}: the result is not recorded, so no gradient flows through it; {fix}",
              LostTapeWarning)


# ----------------------------------------------------------------------------- the rule

def _unpack_vjp(g: Any, ans: Any, seq: Any, *, shape: tuple) -> Any:
    # The array NumPy built, in the shape of what was converted; for a list, the engine
    # then takes the element at each recorded Tensor's path ([i][j]...).
    return np.reshape(g, shape)


_CONVERTED = Rule("numpy conversion (asarray/array/...)", (_unpack_vjp,))


# ----------------------------------------------------------------------------- conversions

def _from_tensor(orig: Callable, name: str, t: Any, args: tuple, kwargs: dict) -> Any:
    if t._base is not None:
        _refresh(t)
    raw = t._raw
    r = orig(raw, *args, **kwargs)
    if r is raw:
        return t
    if not isinstance(r, np.ndarray):   # asarray_chkfinite/require of a scalar-like value
        return r
    if r.dtype == raw.dtype and np.may_share_memory(r, raw):
        # NumPy made a view (ndmin, ascontiguousarray of a 0-d value): a recorded one.
        return t if r.shape == raw.shape else np.reshape(t, r.shape)
    if t._node is None:   # a copy of a constant: a new buffer
        return wrap(r) if r.dtype.kind in "fc" else r
    return _recorded(r, name, (raw,), (t._node,), None, raw.shape, (t,))


def _recorded(r: np.ndarray, name: str, raws: tuple, parents: tuple, slots: tuple | None,
              shape: tuple, inputs: tuple) -> Any:
    kind = r.dtype.kind
    if kind in "fc":
        return _record(_CONVERTED, raws, parents, {"shape": shape}, r, inputs, slots)
    if kind == "O":
        warn_lost(f"numpy.{name} of a recorded Tensor to dtype=object", "np.vectorize and "
                  "object arrays call Python on each element; write the function with NumPy "
                  "calls on the whole array")
    return r   # int/bool: a cast that has no gradient, as Tensor.astype(int)


def _from_sequence(orig: Callable, name: str, seq: Any, args: tuple, kwargs: dict) -> Any:
    parents: list = []
    slots: list = []
    data = _unwrap_seq(seq, 0, (), parents, slots, [])   # the Tensors' data in their place
    if not parents:
        return orig(seq, *args, **kwargs)
    r = orig(data, *args, **kwargs)
    if not isinstance(r, np.ndarray):
        return r
    first = slots[0][1]
    elem = data
    for k in first:
        elem = elem[k]
    base = len(first) + np.ndim(elem)            # the dimensions the list itself makes
    shape = r.shape[r.ndim - base:] if base else ()
    return _recorded(r, name, (data,), tuple(parents), tuple(slots), shape, (seq,))


def _wrapper(name: str, orig: Callable) -> Callable:
    state = STATE
    tensor_types = TENSOR_TYPES
    copying = name == "array"

    @functools.wraps(orig)
    def converter(a: Any, *args: Any, **kwargs: Any) -> Any:
        if state.recording:
            c = a.__class__
            if c in tensor_types:
                # (A floating Tensor not recorded yet stays a Tensor too: a buffer that
                # recorded values may be written into later.)
                if a._node is not None or a._base is not None or a.dtype.kind in "fc":
                    if state.keep_tape:
                        return _from_tensor(orig, name, a, args, kwargs)
                    if state.debug and a._node is not None:
                        return _plain(orig, name, a, args, kwargs)
            elif c is list or c is tuple:
                if state.keep_tape:
                    return _from_sequence(orig, name, a, args, kwargs)
                if state.debug:
                    return _plain(orig, name, a, args, kwargs)
            if copying and state.keep_tape:
                # np.array(data) makes a new buffer: a Tensor while recording, as np.zeros
                # (writes of recorded values into it are then recorded).
                r = orig(a, *args, **kwargs)
                if r.__class__ is np.ndarray and r is not a and r.dtype.kind in "fc" and \
                        not (c is np.ndarray and np.may_share_memory(r, a)):
                    return wrap(r)
                return r
        return orig(a, *args, **kwargs)

    converter.__gradarray_conversion__ = True   # type: ignore[attr-defined]
    return converter


def _plain(orig: Callable, name: str, a: Any, args: tuple, kwargs: dict) -> Any:
    """NumPy's conversion (``set_keep_tape(False)``), saying where the tape ends (debug)."""
    if a.__class__ in TENSOR_TYPES:
        if name == "asanyarray" or kwargs.get("subok"):
            r = orig(a, *args, **kwargs)
            if r is a:   # the Tensor itself, still recorded
                return r
            r = wrap(np.ndarray.view(r, np.ndarray))   # NumPy's copy, known to be off the tape
        else:   # on the data: NumPy's result, and nested conversions see no Tensor
            r = orig(np.ndarray.view(a, np.ndarray), *args, **kwargs)
        what = "a recorded Tensor"
    else:
        parents: list = []
        data = _unwrap_seq(a, 0, (), parents, [], [])
        if not parents:
            return orig(a, *args, **kwargs)
        r = orig(data, *args, **kwargs)   # the data: NumPy's result, with no float() reads
        what = "a list holding recorded Tensors"
    warn_lost(f"numpy.{name} of {what}, with set_keep_tape(False)")
    return r


def _allocation(name: str, orig: Callable) -> Callable:
    state = STATE

    @functools.wraps(orig)
    def allocate(*args: Any, **kwargs: Any) -> Any:
        r = orig(*args, **kwargs)
        if state.recording and state.keep_tape and r.__class__ is np.ndarray and \
                r.dtype.kind in "fc":
            return wrap(r)
        return r

    allocate.__gradarray_conversion__ = True   # type: ignore[attr-defined]
    return allocate


# ----------------------------------------------------------------------------- compiled code

# Compiled functions of these packages read an array's memory with no hook at all: given a
# recorded Tensor while recording, their result is certainly unrecorded.  They are wrapped to
# say so (C functions of their extension modules, and the entry points of SciPy's LAPACK and
# BLAS wrappers, which take the arrays they will be called on).  Ufuncs are not wrapped:
# they dispatch to gradarray.
GUARDED_PACKAGES = ("scipy.", "sklearn.")
# Recorded stand-ins for some of those functions: {module: {name: function}} (interop.py).
ADAPTERS: dict[str, dict[str, Callable]] = {}
_GUARDED_FUNCTIONS = {"scipy.linalg.lapack": ("get_lapack_funcs",),
                      "scipy.linalg.blas": ("get_blas_funcs",),
                      # Python functions and methods whose compiled part is out of reach
                      # (methods of extension types, functions kept in tables):
                      "scipy.interpolate._ndgriddata": ("griddata",),
                      "sklearn.neighbors._kde": ("KernelDensity.score_samples",)}
# (f2py's "fortran" objects of scipy.linalg carry attributes its own code sets and reads:
# they are reached through get_lapack_funcs/get_blas_funcs, guarded above.)
_F2PY_UNGUARDED = ("scipy.linalg.",)
_BUILTIN = type(len)
_COMPILED_FIX = ("compute it with NumPy functions on the Tensor (numpy.linalg instead of "
                 "scipy.linalg, for example), or register a rule with gradarray.defvjp")


def _holds_recorded(values: Any, depth: int = 0) -> bool:
    for v in values:
        c = v.__class__
        if c in TENSOR_TYPES:
            if v._node is not None:
                return True
        elif (c is list or c is tuple) and depth < 2 and _holds_recorded(v, depth + 1):
            return True
    return False


_CALLBACKS = (types.FunctionType, types.MethodType, functools.partial)


def _watched(cb: Callable, where: str) -> Callable:
    """A Python callback handed to compiled code: what it returns is read as raw memory."""
    @functools.wraps(cb)
    def callback(*args: Any, **kwargs: Any) -> Any:
        out = cb(*args, **kwargs)
        if STATE.recording and _holds_recorded((out,)):
            warn_lost(f"{where} called back a Python function that returned a recorded "
                      "Tensor; the compiled code reads only its values", _COMPILED_FIX)
        return out

    return callback


def _guard(fn: Callable, where: str) -> Callable:
    state = STATE

    @functools.wraps(fn)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if state.recording:
            if _holds_recorded(args) or _holds_recorded(kwargs.values()):
                warn_lost(f"{where} runs compiled code on a recorded Tensor", _COMPILED_FIX)
            if any(a.__class__ in _CALLBACKS for a in args):
                args = tuple(_watched(a, where) if a.__class__ in _CALLBACKS else a
                             for a in args)
        return fn(*args, **kwargs)

    guarded.__gradarray_conversion__ = True   # type: ignore[attr-defined]
    return guarded


class _GuardedFused:
    """A guarded Cython fused function: still indexable by its specialisations."""

    __gradarray_conversion__ = True

    def __init__(self, fn: Any, where: str) -> None:
        self._guarded = _guard(fn, where)
        self._fn = fn
        self._where = where
        functools.update_wrapper(self, fn)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._guarded(*args, **kwargs)

    def __getitem__(self, key: Any) -> Any:
        return _guard(self._fn[key], self._where)


def _compiled_function(v: Any, module: str) -> bool:
    c = v.__class__
    return c is _BUILTIN or c.__name__ in ("cython_function_or_method",
                                           "fused_cython_function") or \
        (c.__name__ == "fortran" and not module.startswith(_F2PY_UNGUARDED))


def _adapter(fn: Callable, impl: Callable) -> Callable:
    state = STATE

    @functools.wraps(fn)
    def adapted(*args: Any, **kwargs: Any) -> Any:
        if state.recording and state.keep_tape and (
                _holds_recorded(args) or _holds_recorded(kwargs.values())):
            r = impl(*args, **kwargs)
            if r is not NotImplemented:
                return r
        return fn(*args, **kwargs)

    adapted.__gradarray_conversion__ = True   # type: ignore[attr-defined]
    return adapted


def _register(where: str, fn: Any, wrapper: Callable) -> None:
    ORIGINALS[where] = fn
    _BY_ID[id(fn)] = where
    _WRAPPERS[where] = wrapper
    UNWRAPPED[wrapper] = fn


def _add_guards(name: str, module: Any) -> None:
    """Wrap the compiled entry points of a newly seen module of a guarded package, and put
    the recorded stand-ins of ``interop.ADAPTERS`` in place of the library's functions."""
    d = module.__dict__
    for key, impl in ADAPTERS.get(name, {}).items():
        fn = d.get(key)
        if fn is not None and id(fn) not in _BY_ID:
            _register(f"{name}.{key}", fn, _adapter(fn, impl))
    names = _GUARDED_FUNCTIONS.get(name)
    if names is None:
        f = getattr(module, "__file__", None) or ""
        if not f.endswith((".so", ".pyd")):
            return
        names = [k for k, v in d.items()
                 if _compiled_function(v, name) and not k.startswith("__")]
    for key in names:
        if "." in key:   # a method: replaced on its class, where it is looked up
            cls_name, meth = key.split(".")
            cls = d.get(cls_name)
            fn = getattr(cls, meth, None)
            if fn is not None and not getattr(fn, "__gradarray_conversion__", False):
                setattr(cls, meth, _guard(fn, f"{name}.{key}"))
            continue
        fn = d.get(key)
        if fn is None or getattr(fn, "__gradarray_conversion__", False) or id(fn) in _BY_ID:
            continue
        where = f"{name}.{key}"
        fused = fn.__class__.__name__ == "fused_cython_function"
        _register(where, fn, _GuardedFused(fn, where) if fused else _guard(fn, where))


# ----------------------------------------------------------------------------- installing

def _replace_in(module: Any) -> None:
    d = getattr(module, "__dict__", None)
    if d.__class__ is not dict:
        return
    for key, value in list(d.items()):
        name = _BY_ID.get(id(value))
        if name is not None and value is ORIGINALS[name]:
            d[key] = _WRAPPERS[name]


def _ours(name: str) -> bool:
    return name == "gradarray" or name.startswith("gradarray.")


def _look_at_new_modules() -> None:
    """Replace NumPy's originals in modules imported since the last look."""
    modules = sys.modules
    if len(modules) == _state.MODULES_SEEN[0]:
        return
    with _LOCK:
        new = []
        for name, module in list(modules.items()):
            if name in _SCANNED:
                continue
            _SCANNED.add(name)
            # Only plain modules: reading a lazy module's __dict__ would import it.
            if type(module) is not types.ModuleType or _ours(name):
                continue
            new.append(module)
            if name in ADAPTERS or name.startswith(GUARDED_PACKAGES):
                _add_guards(name, module)
        for module in new:   # after the guards: a module may hold another's function
            _replace_in(module)
        _state.MODULES_SEEN[0] = len(modules)


def install() -> None:
    """Put the converting wrappers in place (idempotent; done at the first recording)."""
    with _LOCK:
        if not _WRAPPERS:
            for name, orig in ORIGINALS.items():
                make = _allocation if name in ALLOCATIONS else _wrapper
                _WRAPPERS[name] = make(name, orig)
                UNWRAPPED[_WRAPPERS[name]] = orig
    _state.ON_PUSH = _look_at_new_modules
    _look_at_new_modules()


def installed() -> bool:
    """True when NumPy's conversion functions are gradarray's wrappers."""
    return bool(_WRAPPERS) and np.asarray is _WRAPPERS["asarray"]


def set_keep_tape(flag: bool) -> None:
    """Whether NumPy's conversions keep recorded Tensors recorded (default: yes).

    While a gradient is being recorded, ``np.asarray``, ``np.array``, ``np.asanyarray``,
    ``np.ascontiguousarray``, ``np.asfortranarray``, ``np.asarray_chkfinite`` and
    ``np.require`` given a recorded Tensor (or a list holding one) return a recorded
    Tensor, so code that converts its input first (SciPy, scikit-learn) stays
    differentiable.  The one visible difference from NumPy: what they return then is a
    ``gradarray.Tensor`` (an ``ndarray`` subclass), not a base-class ``ndarray``.
    ``set_keep_tape(False)`` gives NumPy's behaviour back in this thread (the tape is then
    lost in those conversions, as in NumPy); ``GRADARRAY_KEEP_TAPE=0`` sets it in every
    thread and installs nothing.

    Parameters
    ----------
    flag : bool
        True (default) to keep the tape through conversions, False for NumPy's behaviour.

    Examples
    --------
    >>> import numpy as np, gradarray as ga
    >>> ga.grad(lambda x: np.sum(np.asarray(x) ** 2))(ga.tensor([1.0, 2.0]))
    Tensor([2., 4.])
    >>> ga.set_keep_tape(False); ga.set_keep_tape(True)
    """
    STATE.keep_tape = bool(flag)
    if flag:
        arm()


def arm() -> None:
    """Install the wrappers when the next gradient computation starts (if not yet done)."""
    if not _WRAPPERS:
        _state.ON_PUSH = install


def keep_tape() -> bool:
    """True when conversions keep the tape in this thread (see :func:`set_keep_tape`)."""
    return STATE.keep_tape


if STATE.keep_tape or STATE.debug:   # else GRADARRAY_KEEP_TAPE=0: nothing is installed
    _state.ON_PUSH = install
