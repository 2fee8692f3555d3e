"""Variable: a Tensor that optimizers update in place (TensorFlow's ``tf.Variable``).

A Variable keeps one permanent leaf node, so every NumPy call on it is recorded while a
gradient computation is active; reading it (dispatch reads ``x._raw`` of each input) also
tells every active trace that the variable was *read*, which is how ``implicit_gradients``
and ``GradientTape`` find the variables a computation used.

Each read is the value at the time of the read (as in TF): before the memory of a Variable
is overwritten, recorded calls that saved its old value get a copy of it (one copy, made
only when such a call is still alive).

A Variable on a GPU (``ga.Variable(x, device="cuda")``) is a ``CupyVariable``: this class's
methods over the GPU Tensor class, built on first use by ``devices.variable_class``;
``Variable`` is an ABC that registers it, so ``isinstance(v, ga.Variable)`` holds.
"""

from __future__ import annotations

import abc
import itertools
import weakref
from typing import Any

import numpy as np

from . import devices as _devices
from ._debug import LostTapeWarning
from ._state import STATE
from ._warn import warn_user
from .conversions import ORIGINALS as _NUMPY
from .errors import DeviceMismatchError
from .graph import leaf, log_write
from .record import TENSOR_TYPES, _device_name
from .tensor import Tensor, asarray

__all__ = ["Variable"]

_COUNTER = itertools.count()  # creation order, TF's order of implicit gradients
_ndarray = np.ndarray


class _Readers(list):
    """Weak references to the recorded nodes that saved a Variable's value.

    Dead references are pruned when the list grows, so a Variable read many times and never
    written does not keep a growing list.
    """

    __slots__ = ("limit",)

    def __init__(self) -> None:
        super().__init__()
        self.limit = 64

    def append(self, ref: Any) -> None:
        if len(self) >= self.limit:
            self[:] = [r for r in self if r() is not None]
            self.limit = max(64, 2 * len(self))
        super().append(ref)


class Variable(Tensor, metaclass=abc.ABCMeta):
    """A mutable Tensor: the parameters that optimizers update (``tf.Variable``).

    Parameters
    ----------
    initial_value : array_like or callable
        The value (copied); a callable is called with no arguments (as TF allows).
    name : str, optional
        Its name; ``.name`` is ``"<name>:0"`` as in TF (default ``"Variable:0"``).
    trainable : bool
        Whether gradient computations watch it automatically (``implicit_gradients``,
        ``GradientTape``). Non-trainable variables are still usable and watchable.
    dtype : dtype, optional
        As in ``numpy.array``: Python floats become float64 (NumPy's rule, not TF's float32).
    device : str, optional
        ``"cpu"``, ``"cuda"`` or ``"cuda:N"``; default: the initial value's device (the CPU
        for host data).  A GPU Variable is updated in place on its GPU.

    Examples
    --------
    >>> import numpy as np, gradarray as ga
    >>> w = ga.Variable(2.0, name="w")
    >>> ga.implicit_gradients(lambda: w * w)()
    [(Tensor(4.), <gradarray.Variable 'w:0' shape=() dtype=float64, numpy=2.>)]
    >>> w.assign_sub(0.5)
    <gradarray.Variable 'w:0' shape=() dtype=float64, numpy=1.5>
    """

    _is_var = True
    _raw_type = _ndarray              # device classes: their raw array type
    _to_host = staticmethod(np.copy)  # device classes: their explicit copy to the host

    def __new__(cls, initial_value: Any, name: str | None = None, trainable: bool = True,
                dtype: Any = None, *, device: Any = None) -> Variable:
        if callable(initial_value):
            initial_value = initial_value()
        value = _initial_raw(initial_value, dtype, device)
        if value.dtype == object:
            raise TypeError(f"cannot make a Variable from {type(initial_value).__name__}")
        if value.__class__ is not cls._raw_type:   # a GPU value: a GPU Variable class
            cls = _devices.variable_class(Variable, value)
        self = value.view(cls)
        self._raw = value
        d = self.__dict__
        d["_vname"] = "Variable" if name is None else str(name)
        d["_trainable"] = bool(trainable)
        d["_order"] = next(_COUNTER)
        d["_readers"] = _Readers()
        if value.dtype.kind in "fc":
            # The permanent source of gradients; extra lets a node name its Variable.
            self._node = leaf(value.shape, value.dtype, weakref.ref(self))
        return self

    def __array_finalize__(self, obj: Any) -> None:
        # NumPy made a Variable-typed array itself (v.view(), pickling): a plain value.
        if "_value" not in self.__dict__:
            d = self.__dict__
            d["_value"] = self.view(self._raw_type)
            d["_vname"] = "Variable"
            d["_trainable"] = False
            d["_order"] = next(_COUNTER)
            d["_readers"] = _Readers()

    # ------------------------------------------------------------------ reading
    @property
    def _raw(self) -> np.ndarray:
        # Dispatch reads this for every input: mark the variable read by active traces.
        if STATE.recording and self._trainable:
            for tr in STATE.traces:
                if tr.watch_variables:
                    tr.variables[id(self)] = self
        return self._value

    @_raw.setter
    def _raw(self, value: np.ndarray) -> None:
        self.__dict__["_value"] = value

    @property
    def name(self) -> str:
        """The name, with TF's output suffix: ``"Variable:0"``."""
        return self._vname + ":0"

    @property
    def trainable(self) -> bool:
        """Whether gradient computations watch this variable automatically."""
        return self._trainable

    def numpy(self) -> np.ndarray:
        """A copy of the current value as a plain ``numpy.ndarray`` (as TF, a snapshot)."""
        return self._to_host(self._value)

    def value(self) -> Tensor:
        """The current value as a new Tensor; recorded as a read of the variable."""
        return np.copy(self)

    read_value = value

    # ------------------------------------------------------------------ writing
    def _release_readers(self) -> None:
        """Give recorded calls that saved the current value a copy, before it is overwritten."""
        readers = self._readers
        if not readers:
            return
        raw = self._value
        old = None
        for ref in readers:
            node = ref()
            if node is None:
                continue
            args = node.args
            if args is None:  # released by a backward pass
                continue
            if not any(a is raw for a in args):
                continue
            if old is None:
                old = raw.copy()
            # The copy is memory no write ever touches, so the node's check passes.
            node.args = tuple(old if a is raw else a for a in args)
        readers.clear()

    def _written(self) -> None:
        """Log an in-place write: views re-derive, a stale saved value fails its check."""
        log_write(self._value)
        vc = self._vc
        if vc is not None:
            vc[0] += 1

    def _coerce(self, value: Any, what: str) -> np.ndarray:
        if value.__class__ in TENSOR_TYPES:
            value = value._raw
        c = value.__class__
        if c is not self._value.__class__:
            if c in _HOST_TYPES and self._raw_type is _ndarray:   # host data, host variable
                value = np.asarray(value)
            else:
                value = self._same_device(value, what)
        # ``value`` is now an array (or NumPy scalar) on this variable's device.
        if value.dtype == object or not np.can_cast(value.dtype, self.dtype,
                                                    casting="same_kind"):
            raise TypeError(
                f"{what}: cannot write a {value.dtype} value into {self.name}, a "
                f"{self.dtype} variable; cast it first (value.astype({self.dtype}))")
        if value.shape != self.shape:
            raise ValueError(
                f"{what}: shape {value.shape} does not match the shape {self.shape} of "
                f"{self.name}; a Variable keeps its shape (create a new one to change it)")
        return value

    def _same_device(self, value: Any, what: str) -> Any:
        """``value`` if it is on this variable's device; a host scalar goes anywhere."""
        src = _device_name(value)
        if src is None:    # Python data: host values
            value = np.asarray(value)
            src = "cpu"
        mine = _device_name(self._value)
        if src == mine:
            return value
        if src == "cpu" and value.ndim == 0:
            return value[()]   # a NumPy scalar: every device library accepts those
        raise DeviceMismatchError(
            f"{what}: the value is on {src} and {self.name} on {mine}; nothing is copied "
            f"between devices implicitly: move it first (ga.tensor(value, device='{mine}'))")

    def assign(self, value: Any, use_locking: Any = None, name: Any = None,
               read_value: bool = True) -> Variable | None:
        """Write ``value`` into the variable in place (not recorded); returns the variable.

        ``value`` must have the variable's shape; its dtype is cast to the variable's
        within the same kind (float64 -> float32 yes, complex -> float no).
        """
        value = self._coerce(value, "assign")
        self._release_readers()
        np.copyto(self._value, value, casting="same_kind")
        self._written()
        return self if read_value else None

    def assign_add(self, delta: Any, use_locking: Any = None, name: Any = None,
                   read_value: bool = True) -> Variable | None:
        """``self += delta`` in place (not recorded); returns the variable."""
        delta = self._coerce(delta, "assign_add")
        self._release_readers()
        np.add(self._value, delta, out=self._value, casting="same_kind")
        self._written()
        return self if read_value else None

    def assign_sub(self, delta: Any, use_locking: Any = None, name: Any = None,
                   read_value: bool = True) -> Variable | None:
        """``self -= delta`` in place (not recorded); returns the variable."""
        delta = self._coerce(delta, "assign_sub")
        self._release_readers()
        np.subtract(self._value, delta, out=self._value, casting="same_kind")
        self._written()
        return self if read_value else None

    # ------------------------------------------------------------------ Python interplay
    def __float__(self) -> float:
        # NumPy's C code reads a 0-d parameter of np.random (rng.normal(loc=mu)) this way,
        # bypassing dispatch: the one trace of such a use, so say so where it happens (as
        # Tensor.__float__ does for every recorded Tensor, with the advice for Variables).
        # No super(): device Variable classes share this function (devices/_classes.py).
        if STATE.recording and self._node is not None:
            warn_user(
                f"the variable {self.name} was converted to a Python number while a gradient "
                "was being recorded, so no gradient flows through this use of it. NumPy's "
                "C code does this to a Variable given as a parameter of np.random "
                "(rng.normal(loc=mu), np.random.normal(mu, 1.0)): write "
                "mu + rng.normal(0.0, 1.0, size) instead (and sigma * rng.normal(0.0, 1.0, "
                "size) for a scale). If a constant is meant, write float(v.numpy()).",
                LostTapeWarning)
        return float(self._value)

    def __repr__(self) -> str:
        dev = _device_name(self._value)
        where = "" if dev == "cpu" else f", device='{dev}'"
        return (f"<gradarray.Variable '{self.name}' shape={self.shape} dtype={self.dtype}, "
                f"numpy={np.array2string(self.numpy(), separator=', ')}{where}>")

    __str__ = __repr__

    def __reduce_ex__(self, protocol: Any) -> Any:
        return _rebuild_variable, (self.numpy(), self._vname, self._trainable,
                                   _device_name(self._value))

    def __deepcopy__(self, memo: Any) -> Variable:
        return Variable(self._value, name=self._vname, trainable=self._trainable)

    def __copy__(self) -> Variable:
        return self.__deepcopy__({})


def _rebuild_variable(value: np.ndarray, name: str, trainable: bool,
                      device: str = "cpu") -> Variable:
    return Variable(value, name=name, trainable=trainable, device=device)


_HOST_TYPES = frozenset((_ndarray, float, int, complex, bool, list, tuple, np.float64,
                         np.float32, np.int64, np.complex128))


_numpy_array = _NUMPY["array"]   # NumPy's own: a Variable's value is never a Tensor


def _initial_raw(data: Any, dtype: Any, device: Any) -> Any:
    """A new raw array holding ``data`` on ``device`` (default: ``data``'s own device)."""
    if data.__class__ in TENSOR_TYPES:
        data = data._raw
    if device is None and data.__class__ in _HOST_TYPES:   # the usual case, kept short
        return _numpy_array(data, dtype=dtype, copy=True)
    if device is None:
        on = _device_name(data)   # None for Python data
        if on is None and data.__class__.__module__.startswith("cupy"):
            on = "cuda"           # a CuPy array before any GPU Tensor was made
        device = None if on in (None, "cpu") else on
    elif _devices.parse_device(device)[0] == "cpu":
        if _device_name(data) not in (None, "cpu"):
            data = _devices.to_device(data, "cpu")._raw   # asked for: an explicit copy
        device = None
    if device is None:
        return _numpy_array(data, dtype=dtype, copy=True)
    raw = asarray(data, device=device)._raw   # host data is copied to the device
    return raw.astype(raw.dtype if dtype is None else dtype, copy=True)
