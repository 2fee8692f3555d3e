"""Variable: a Tensor that optimizers update in place (TensorFlow's ``tf.Variable``).

A Variable keeps one permanent leaf node, so every NumPy call on it is recorded while a
gradient computation is active; reading it (dispatch reads ``x._raw`` of each input) also
tells every active trace that the variable was *read*, which is how ``implicit_gradients``
and ``GradientTape`` find the variables a computation used.

Each read is the value at the time of the read (as in TF): before the memory of a Variable
is overwritten, recorded calls that saved its old value get a copy of it (one copy, made
only when such a call is still alive).
"""

from __future__ import annotations

import itertools
import weakref
from typing import Any

import numpy as np

from ._state import STATE
from .graph import leaf, log_write
from .tensor import Tensor

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


class Variable(Tensor):
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

    def __new__(cls, initial_value: Any, name: str | None = None, trainable: bool = True,
                dtype: Any = None) -> Variable:
        if callable(initial_value):
            initial_value = initial_value()
        if isinstance(initial_value, Tensor):
            initial_value = initial_value._raw
        value = np.array(initial_value, dtype=dtype, copy=True)
        if value.dtype == object:
            raise TypeError(f"cannot make a Variable from {type(initial_value).__name__}")
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
            d["_value"] = self.view(_ndarray)
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
        return self._value.copy()

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
        if isinstance(value, Tensor):
            value = value._raw
        if isinstance(value, (_ndarray, np.generic)):
            if not np.can_cast(value.dtype, self.dtype, casting="same_kind"):
                raise TypeError(
                    f"{what}: cannot write a {value.dtype} value into {self.name}, a "
                    f"{self.dtype} variable; cast it first (value.astype({self.dtype}))")
        else:
            value = np.asarray(value)
            if value.dtype == object or not np.can_cast(
                    value.dtype, self.dtype, casting="same_kind"):
                raise TypeError(f"{what}: cannot write {value!r} into {self.name}, a "
                                f"{self.dtype} variable")
        if value.shape != self.shape:
            raise ValueError(
                f"{what}: shape {value.shape} does not match the shape {self.shape} of "
                f"{self.name}; a Variable keeps its shape (create a new one to change it)")
        return value

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
    def __repr__(self) -> str:
        return (f"<gradarray.Variable '{self.name}' shape={self.shape} dtype={self.dtype}, "
                f"numpy={np.array2string(self._value, separator=', ')}>")

    __str__ = __repr__

    def __reduce_ex__(self, protocol: Any) -> Any:
        return _rebuild_variable, (self._value.copy(), self._vname, self._trainable)

    def __deepcopy__(self, memo: Any) -> Variable:
        return Variable(self._value, name=self._vname, trainable=self._trainable)

    def __copy__(self) -> Variable:
        return self.__deepcopy__({})


def _rebuild_variable(value: np.ndarray, name: str, trainable: bool) -> Variable:
    return Variable(value, name=name, trainable=trainable)
