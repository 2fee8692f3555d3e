"""The Tensor: a ``numpy.ndarray`` subclass whose NumPy calls are recorded.

This module holds the protocol hooks and the Python interplay, no maths.  Methods that
NumPy implements without passing through ``__array_ufunc__``/``__array_function__``
(``x.reshape``, ``x.T``, ``x[i]`` ...) are overridden as one-line calls of the NumPy
function, so that everything reaches ``dispatch``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _compiled
from . import dispatch as _dispatch
from ._state import STATE, is_recording
from .conversions import ORIGINALS as _NUMPY_CONVERSIONS
from .conversions import warn_lost as _warn_lost

__all__ = ["Tensor", "tensor", "asarray"]


_ND_SHAPE = np.ndarray.shape
_ND_DTYPE = np.ndarray.dtype
_ND_FLOAT = np.ndarray.__float__
_ND_INT = np.ndarray.__int__
_ND_COMPLEX = np.ndarray.__complex__


def _set_layout(t: Any, name: str, value: Any) -> None:
    """``t.shape = value`` / ``t.dtype = value``: on the Tensor and on a new raw view."""
    if t._node is not None or t._base is not None or t._is_var:
        what = "a Variable" if t._is_var else (
            "a view of another Tensor" if t._base is not None else
            "a Tensor that is being differentiated")
        fix = "y = y.reshape(...)" if name == "shape" else "y = y.view(dtype)"
        raise TypeError(f"cannot set .{name} of {what} in place (its recorded graph describes "
                        f"the old layout); make a new array instead: {fix}")
    raw = t._raw.view()
    desc = _ND_SHAPE if name == "shape" else _ND_DTYPE
    setter = getattr(np.ndarray, "_set_" + name, None)
    for a in (t, raw):  # the Tensor first: an impossible layout leaves both unchanged
        if setter is not None:
            setter(a, value)
        else:
            desc.__set__(a, value)
    t._raw = raw


def _of_constant(t: Any) -> bool:
    """True when the memory of ``t`` (made by NumPy's C code) belongs to a Tensor that is
    not recorded (a view NumPy made of a constant: nothing was lost)."""
    b = _ND_BASE(t)
    while b is not None:
        if b.__class__ in _dispatch.TENSOR_TYPES:
            return b._node is None
        b = getattr(b, "base", None)
    return False


_ND_BASE = np.ndarray.base.__get__


class Tensor(np.ndarray):
    """An ndarray whose NumPy operations are recorded while a gradient is being computed.

    Outside a gradient computation it behaves as the ndarray it is (values, shapes, dtypes,
    NEP 50 promotion, printing, pickling); NumPy functions given Tensors return Tensors.
    Create one with :func:`gradarray.tensor` or :func:`gradarray.asarray`.

    Examples
    --------
    >>> import numpy as np, gradarray as ga
    >>> x = ga.tensor([1.0, 2.0])
    >>> np.sin(x).dtype
    dtype('float64')
    >>> ga.grad(lambda x: np.sum(x ** 2))(x)
    Tensor([2., 4.])
    """

    # ``_raw`` (the plain ndarray view) and ``_node`` (the graph node of this value, None for
    # a constant) are slots, set on every Tensor made by dispatch: the hot path reads them.
    # The rest are class-level defaults; an instance stores only what differs.
    __slots__ = ("_raw", "_node", "__dict__")
    _base = None        # Tensor this one is a view of (for in-place updates through views)
    _vc = None          # version counter, shared with views: [int]
    _nodever = 0        # version of the memory when ``_node`` was set (views only)
    _viewspec = None    # (func, args, kwargs) re-deriving this view from ``_base``
    _is_var = False     # True for Variables
    __array_priority__ = 20.0

    __array_ufunc__ = _dispatch.array_ufunc
    __array_function__ = _dispatch.array_function
    __getitem__ = _dispatch.getitem
    __setitem__ = _dispatch.setitem

    def __getattr__(self, name: str) -> Any:
        # Tensors made by NumPy itself (copy, pickle, view) get their raw view on first use.
        if name == "_raw":
            raw = self.view(np.ndarray)
            self._raw = raw
            return raw
        if name == "_node":
            self._node = None
            if STATE.recording and self.dtype.kind in "fc" and not _of_constant(self):
                # NumPy's C code made this Tensor without calling gradarray (plain.dot(t),
                # a method of ndarray itself): whatever it was computed from, unrecorded.
                _warn_lost("a Tensor made by NumPy's C code without calling gradarray "
                           "(such as plain.dot(t), an ndarray method of a plain array given "
                           "a Tensor) is used while recording", "if it was computed from "
                           "recorded values, their gradient is lost: call the NumPy function "
                           "instead (np.dot(plain, t))")
            return None
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _dispatch.TENSOR_TYPES.add(cls)
        if cls.__dict__.get("_is_var", False) or any(getattr(b, "_is_var", False)
                                                     for b in cls.__mro__[1:]):
            _dispatch.VAR_TYPES.add(cls)

    # ------------------------------------------------------------------ Python interplay
    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        for i in range(self.shape[0]):
            yield self[i]

    def numpy(self) -> np.ndarray:
        """The data as a plain ``numpy.ndarray`` (a view, no copy; not recorded)."""
        return self._raw

    # Python numbers: a recorded value read as one while recording leaves the tape, so the
    # gradient through it is lost; that warns (at the user's line: ``float(t)``,
    # ``math.log(t)``, ``buf[0] = t[0]`` with ``buf`` a plain ndarray, which NumPy reads
    # through ``float()``).
    def __float__(self) -> float:
        if STATE.recording and self._node is not None:
            _warn_lost("float() of a recorded Tensor (or the Tensor stored into a plain "
                       "ndarray element)")
        return _ND_FLOAT(self)

    def __int__(self) -> int:
        if STATE.recording and self._node is not None:
            _warn_lost("int() of a recorded Tensor")
        return _ND_INT(self)

    def __complex__(self) -> complex:
        if STATE.recording and self._node is not None:
            _warn_lost("complex() of a recorded Tensor")
        return _ND_COMPLEX(self)

    def item(self, *args: Any) -> Any:
        if STATE.recording and self._node is not None:
            _warn_lost(".item() of a recorded Tensor")
        return self._raw.item(*args)

    def tolist(self) -> Any:
        if STATE.recording and self._node is not None:
            _warn_lost(".tolist() of a recorded Tensor")
        return self._raw.tolist()

    def __reduce_ex__(self, protocol: Any) -> Any:
        # The data survives pickling; the graph does not (it is not data).
        return _rebuild, (self._raw.copy(order="K"), type(self))

    def __array_namespace__(self, *, api_version: str | None = None) -> Any:
        from . import array_api

        return array_api.namespace(api_version)

    # ------------------------------------------------------------------ shape and views
    @property
    def T(self) -> Tensor:
        return np.transpose(self)

    @property
    def mT(self) -> Tensor:
        if self.ndim < 2:
            raise ValueError("mT requires an array with at least 2 dimensions")
        return np.swapaxes(self, -1, -2)

    @property
    def real(self) -> Tensor:
        return np.real(self)

    @real.setter
    def real(self, value: Any) -> None:
        self[...] = value + 1j * np.imag(self) if np.iscomplexobj(self) else value

    @property
    def imag(self) -> Tensor:
        return np.imag(self)

    # Layout set in place (``t.shape = ...``, NumPy 2.5's ``_set_shape``): applied to the raw
    # view too, so later calls see it; refused on a recorded Tensor, whose graph node
    # describes the old layout.
    shape = property(_ND_SHAPE.__get__, lambda self, v: _set_layout(self, "shape", v),
                     doc="Tuple of array dimensions (settable on an untracked Tensor only).")
    dtype = property(_ND_DTYPE.__get__, lambda self, v: _set_layout(self, "dtype", v),
                     doc="Data type of the elements (settable on an untracked Tensor only).")
    if hasattr(np.ndarray, "_set_shape"):  # NumPy >= 2.5
        def _set_shape(self, shape: Any) -> None:
            _set_layout(self, "shape", shape)

        def _set_dtype(self, dtype: Any) -> None:
            _set_layout(self, "dtype", dtype)

    if np.lib.NumpyVersion(np.__version__) < "2.3.0":
        # NumPy < 2.3 computes ``x ** e`` for a 0-d ``e`` equal to 0, 1, 2, 0.5 or -1 with
        # another ufunc called on x alone (ones_like, positive, square, sqrt, reciprocal):
        # e's tape would be lost.  Always np.power, through the same dispatch.
        def __pow__(self, other: Any, mod: Any = None) -> Any:
            if mod is not None:
                return NotImplemented
            return _dispatch.array_ufunc(self, np.power, "__call__", self, other)

        def __rpow__(self, other: Any, mod: Any = None) -> Any:
            if mod is not None:
                return NotImplemented
            return _dispatch.array_ufunc(self, np.power, "__call__", other, self)

        def __ipow__(self, other: Any) -> Any:
            return _dispatch.array_ufunc(self, np.power, "__call__", self, other, out=(self,))

    @property
    def flat(self) -> _Flat:
        """A 1-D view in C order whose reads and writes are recorded (ndarray.flat's are not)."""
        return _Flat(self)

    def reshape(self, *shape: Any, order: str = "C", copy: bool | None = None) -> Tensor:
        if len(shape) == 1:
            shape = shape[0]
        if copy is not None:
            return np.reshape(self, shape, order=order, copy=copy)
        return np.reshape(self, shape, order=order)

    def transpose(self, *axes: Any) -> Tensor:
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = axes[0]
        return np.transpose(self, axes or None)

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        return np.swapaxes(self, axis1, axis2)

    def squeeze(self, axis: Any = None) -> Tensor:
        return np.squeeze(self, axis)

    def ravel(self, order: str = "C") -> Tensor:
        return np.ravel(self, order)

    def flatten(self, order: str = "C") -> Tensor:
        return np.copy(np.ravel(self, order))

    def diagonal(self, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Tensor:
        return np.diagonal(self, offset, axis1, axis2)

    def repeat(self, repeats: Any, axis: int | None = None) -> Tensor:
        return np.repeat(self, repeats, axis)

    def take(self, indices: Any, axis: int | None = None, out: Any = None,
             mode: str = "raise") -> Tensor:
        return np.take(self, indices, axis, out, mode)

    def compress(self, condition: Any, axis: int | None = None, out: Any = None) -> Tensor:
        return np.compress(condition, self, axis, out)

    def astype(self, dtype: Any, order: str = "K", casting: str = "unsafe",
               subok: bool = True, copy: bool = True) -> Tensor:
        if casting != "unsafe" and not np.can_cast(self.dtype, dtype, casting):
            raise TypeError(f"Cannot cast array data from {self.dtype!r} to "
                            f"{np.dtype(dtype)!r} according to the rule {casting!r}")
        out = np.astype(self, dtype, copy=copy)
        return out if order in ("K", "A") else np.copy(out, order=order)

    def copy(self, order: str = "C") -> Tensor:
        return np.copy(self, order=order)

    def __copy__(self) -> Tensor:
        return np.copy(self)

    def __deepcopy__(self, memo: Any) -> Tensor:
        return _dispatch.wrap(self._raw.copy())

    def conj(self) -> Tensor:
        return np.conj(self)

    conjugate = conj

    def dot(self, b: Any, out: Any = None) -> Tensor:
        return np.dot(self, b) if out is None else np.dot(self, b, out)

    def fill(self, value: Any) -> None:
        self[...] = value

    def sort(self, axis: int = -1, kind: Any = None, order: Any = None) -> None:
        self[...] = np.sort(self, axis=axis, kind=kind, order=order)

    def put(self, indices: Any, values: Any, mode: str = "raise") -> None:
        np.put(self, indices, values, mode)

    # ------------------------------------------------------------------ reductions
    def sum(self, *args: Any, **kwargs: Any) -> Tensor:
        return np.sum(self, *args, **kwargs)

    def prod(self, *args: Any, **kwargs: Any) -> Tensor:
        return np.prod(self, *args, **kwargs)

    def mean(self, *args: Any, **kwargs: Any) -> Tensor:
        return np.mean(self, *args, **kwargs)

    def var(self, *args: Any, **kwargs: Any) -> Tensor:
        return np.var(self, *args, **kwargs)

    def std(self, *args: Any, **kwargs: Any) -> Tensor:
        return np.std(self, *args, **kwargs)

    def max(self, *args: Any, **kwargs: Any) -> Tensor:
        return np.max(self, *args, **kwargs)

    def min(self, *args: Any, **kwargs: Any) -> Tensor:
        return np.min(self, *args, **kwargs)

    def cumsum(self, *args: Any, **kwargs: Any) -> Tensor:
        return np.cumsum(self, *args, **kwargs)

    def cumprod(self, *args: Any, **kwargs: Any) -> Tensor:
        return np.cumprod(self, *args, **kwargs)

    def clip(self, *args: Any, **kwargs: Any) -> Tensor:
        return np.clip(self, *args, **kwargs)

    def round(self, *args: Any, **kwargs: Any) -> Tensor:
        return np.round(self, *args, **kwargs)

    def trace(self, *args: Any, **kwargs: Any) -> Tensor:
        return np.trace(self, *args, **kwargs)

    def all(self, *args: Any, **kwargs: Any) -> Tensor:
        return np.all(self, *args, **kwargs)

    def any(self, *args: Any, **kwargs: Any) -> Tensor:
        return np.any(self, *args, **kwargs)

    def argmax(self, *args: Any, **kwargs: Any) -> Tensor:
        return np.argmax(self, *args, **kwargs)

    def argmin(self, *args: Any, **kwargs: Any) -> Tensor:
        return np.argmin(self, *args, **kwargs)

    def argsort(self, *args: Any, **kwargs: Any) -> Tensor:
        return np.argsort(self, *args, **kwargs)

    def nonzero(self) -> tuple:
        return np.nonzero(self)

    def searchsorted(self, *args: Any, **kwargs: Any) -> Tensor:
        return np.searchsorted(self, *args, **kwargs)

    def partition(self, kth: Any, axis: int = -1, kind: str = "introselect",
                  order: Any = None) -> None:
        self[...] = np.partition(self, kth, axis=axis, kind=kind, order=order)

    def argpartition(self, *args: Any, **kwargs: Any) -> Tensor:
        return np.argpartition(self, *args, **kwargs)

    def choose(self, choices: Any, out: Any = None, mode: str = "raise") -> Tensor:
        return np.choose(self, choices, out=out, mode=mode)

    def to_device(self, device: Any, /, *, stream: Any = None) -> Tensor:
        """A copy on ``device`` (``"cpu"``, ``"cuda"``, ``"cuda:1"``); recorded, so gradients
        flow back to this device.  Returns ``self`` when it is on ``device`` already."""
        from .devices import to_device

        return to_device(self, device, stream=stream)


class _Flat:
    """``Tensor.flat``: indexing in C order, through recorded getitem/setitem."""

    __slots__ = ("_t",)

    def __init__(self, t: Tensor) -> None:
        self._t = t

    def __len__(self) -> int:
        return self._t.size

    def _recorded(self) -> bool:
        return self._t._node is not None and is_recording()

    def __iter__(self):
        # Untracked, it yields NumPy scalars as ndarray.flat does (pytest.approx relies on it).
        return iter(np.ravel(self._t)) if self._recorded() else iter(self._t._raw.flat)

    def __getitem__(self, idx: Any) -> Any:
        if self._recorded():
            return np.ravel(self._t)[idx]
        out = self._t._raw.flat[idx]
        return _dispatch.wrap(out) if isinstance(out, np.ndarray) else out

    def __setitem__(self, idx: Any, value: Any) -> None:
        t = self._t
        positions = np.arange(t.size).reshape(-1)[idx]
        t[np.unravel_index(positions, t.shape)] = value


def _rebuild(raw: np.ndarray, cls: type) -> Tensor:
    t = raw.view(cls)
    t._raw = raw
    t._node = None
    return t


_dispatch.bind(Tensor)
_compiled.install(Tensor)


def tensor(data: Any, dtype: Any = None, *, device: Any = None) -> Tensor:
    """A new Tensor holding a copy of ``data`` (as ``numpy.array``), untracked.

    Parameters
    ----------
    data : array_like
        Values: nested lists, scalars, ndarrays or Tensors.
    dtype : dtype, optional
        As in ``numpy.array``; Python floats become float64.
    device : str, optional
        ``"cpu"`` (default) or a GPU device (``"cuda"``, ``"cuda:1"``; needs CuPy).

    Examples
    --------
    >>> import gradarray as ga
    >>> ga.tensor([1, 2.5], dtype="float32")
    Tensor([1. , 2.5], dtype=float32)
    """
    if device is not None:
        from .devices import to_device

        return to_device(tensor(data, dtype), device)
    if isinstance(data, Tensor):   # a copy of the data, off the tape (as torch.tensor)
        return _dispatch.wrap(_NUMPY_CONVERSIONS["array"](data._raw, dtype=dtype, copy=True))
    if not isinstance(data, Tensor) and _on_gpu(data):
        from .devices import device_array

        return device_array(data, dtype, copy=True)
    if isinstance(data, (list, tuple)) and _contains_tracked(data):
        out = np.stack([tensor(d) if not isinstance(d, Tensor) else d for d in data])
        return out if dtype is None else np.astype(out, dtype)
    return _dispatch.wrap(np.array(data, dtype=dtype))


def _on_gpu(data: Any) -> bool:
    """A GPU Tensor or a CuPy array (checked without importing CuPy)."""
    c = data.__class__
    return c in _dispatch.TENSOR_TYPES or c.__module__.startswith("cupy")


def _contains_tracked(data: Any) -> bool:
    for d in data:
        if isinstance(d, Tensor) and d._node is not None:
            return True
        if isinstance(d, (list, tuple)) and _contains_tracked(d):
            return True
    return False


def asarray(data: Any, dtype: Any = None, *, copy: bool | None = None,
            device: Any = None) -> Tensor:
    """``data`` as a Tensor, without copying when it already is one (as ``numpy.asarray``).

    A Tensor that is being recorded stays recorded (a dtype change is a recorded cast).
    """
    if device is not None:
        from .devices import to_device

        return to_device(asarray(data, dtype, copy=copy), device)
    if not isinstance(data, Tensor) and _on_gpu(data):
        from .devices import device_array  # a CuPy array or GPU Tensor stays on its GPU

        return device_array(data, dtype, copy=copy)
    if isinstance(data, Tensor):
        if dtype is not None and np.dtype(dtype) != data.dtype:
            return np.astype(data, dtype)
        return np.copy(data) if copy else data
    if isinstance(data, (list, tuple)) and _contains_tracked(data):
        return tensor(data, dtype)
    if copy:
        return _dispatch.wrap(np.array(data, dtype=dtype, copy=True))
    if copy is False:
        return _dispatch.wrap(np.asarray(data, dtype=dtype, copy=False))
    return _dispatch.wrap(np.asarray(data, dtype=dtype))
