"""Tensor classes for array types other than NumPy's (CuPy's), built from Tensor's own methods.

A GPU Tensor must subclass ``cupy.ndarray``, so it cannot subclass ``Tensor`` (two array
layouts).  It shares Tensor's protocol hooks and method overrides instead: the class body is
Tensor's methods (the same function objects, nothing copied), plus the operator methods below,
plus the few methods that must copy to the host explicitly.

CuPy calls its own kernels for ``a + b`` when ``b`` is a CuPy array, even for a subclass
(cupy/cupy#7436), so every operator is defined here from one table, each calling
``dispatch.array_ufunc`` with the NumPy ufunc, exactly as NumPy's operators do for Tensor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import dispatch as _dispatch
from ..graph import register_raw_type

__all__ = ["BINARY_OPERATORS", "COMPARISONS", "UNARY_OPERATORS", "operator_methods",
           "make_tensor_class", "make_variable_class"]

# Python's name (``__add__``, ``__radd__``, ``__iadd__``) -> the NumPy ufunc it means.
BINARY_OPERATORS: dict[str, np.ufunc] = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "truediv": np.true_divide,
    "floordiv": np.floor_divide, "mod": np.remainder, "pow": np.power, "matmul": np.matmul,
    "and": np.bitwise_and, "or": np.bitwise_or, "xor": np.bitwise_xor,
    "lshift": np.left_shift, "rshift": np.right_shift,
}
COMPARISONS: dict[str, np.ufunc] = {
    "lt": np.less, "le": np.less_equal, "gt": np.greater, "ge": np.greater_equal,
    "eq": np.equal, "ne": np.not_equal,
}
UNARY_OPERATORS: dict[str, np.ufunc] = {
    "neg": np.negative, "pos": np.positive, "abs": np.absolute, "invert": np.invert,
}

_ufunc = _dispatch.array_ufunc


def _forward(ufunc: np.ufunc) -> Callable:
    def op(self: Any, other: Any) -> Any:
        return _ufunc(self, ufunc, "__call__", self, other)
    return op


def _reflected(ufunc: np.ufunc) -> Callable:
    def op(self: Any, other: Any) -> Any:
        return _ufunc(self, ufunc, "__call__", other, self)
    return op


def _inplace(ufunc: np.ufunc) -> Callable:
    def op(self: Any, other: Any) -> Any:
        return _ufunc(self, ufunc, "__call__", self, other, out=(self,))
    return op


def _unary(ufunc: np.ufunc) -> Callable:
    def op(self: Any) -> Any:
        return _ufunc(self, ufunc, "__call__", self)
    return op


def operator_methods() -> dict[str, Callable]:
    """``{"__add__": ..., "__radd__": ..., "__iadd__": ..., "__lt__": ..., "__neg__": ...}``."""
    ns: dict[str, Callable] = {}
    for name, uf in BINARY_OPERATORS.items():
        ns[f"__{name}__"] = _forward(uf)
        ns[f"__r{name}__"] = _reflected(uf)
        ns[f"__i{name}__"] = _inplace(uf)
    for name, uf in COMPARISONS.items():
        ns[f"__{name}__"] = _forward(uf)
    for name, uf in UNARY_OPERATORS.items():
        ns[f"__{name}__"] = _unary(uf)
    ns["__divmod__"] = _forward(np.divmod)
    ns["__rdivmod__"] = _reflected(np.divmod)
    for name, fn in ns.items():
        fn.__name__ = fn.__qualname__ = name
    return ns


# NumPy drops ``like=`` before calling ``__array_function__`` (NEP 35): a device Tensor puts
# its own raw array back, so that ``np.eye(n, like=x)`` in a rule is made on x's device.
_LIKE_FUNCTIONS = frozenset((
    np.array, np.asarray, np.asanyarray, np.ascontiguousarray, np.asfortranarray, np.require,
    np.arange, np.empty, np.zeros, np.ones, np.full, np.eye, np.identity, np.tri,
    np.frombuffer, np.fromfunction, np.fromiter))


def _array_function(self: Any, func: Any, types: tuple, args: tuple, kwargs: dict) -> Any:
    func = _dispatch.UNWRAPPED.get(func, func)   # (numpy.zeros may be gradarray's wrapper)
    if func in _LIKE_FUNCTIONS:
        kwargs = dict(kwargs, like=self._raw)
    return _dispatch.array_function(self, func, types, args, kwargs)


# Tensor attributes a device class defines itself: its layout, what reads NumPy's memory.
_OWN = frozenset(("__module__", "__qualname__", "__doc__", "__slots__", "_raw", "_node",
                  "__dict__", "__weakref__", "__init_subclass__", "__array_priority__",
                  "__getattr__", "numpy", "__reduce_ex__",
                  # NumPy's descriptors for layout: a device array keeps its library's own.
                  "shape", "dtype", "_set_shape", "_set_dtype"))


def _uses_super(v: Any) -> bool:
    """True for a method using zero-argument ``super()``: it is bound to Tensor's MRO."""
    fns = (v.fget, v.fset) if isinstance(v, property) else (getattr(v, "__func__", v),)
    return any("__class__" in getattr(getattr(f, "__code__", None), "co_freevars", ())
               for f in fns if f is not None)


def tensor_methods() -> dict[str, Any]:
    """Tensor's own attributes that a device Tensor class shares (the same objects)."""
    tensor_cls = _dispatch._CLS[0]   # gradarray.Tensor, bound by tensor.py (no upward import)
    return {k: v for k, v in tensor_cls.__dict__.items()
            if k not in _OWN and not _uses_super(v)}


def make_tensor_class(raw_type: type, name: str, to_host: Callable[[Any], np.ndarray],
                      device_name: Callable[[Any], str]) -> type:
    """A Tensor class over ``raw_type``, registered with dispatch (results wrap as it).

    Parameters
    ----------
    raw_type : type
        The device library's array class (``cupy.ndarray``); it must support ``view(cls)``,
        ``__array_ufunc__`` and ``__array_function__``.
    name : str
        The class name (``"CupyTensor"``).
    to_host : callable
        ``raw -> numpy.ndarray``, an explicit copy to the host.
    device_name : callable
        ``raw -> "cuda:N"``.
    """

    def __getattr__(self: Any, attr: str) -> Any:
        # Tensors made by the library itself (views, pickling) get their raw view on first use.
        if attr == "_raw":
            raw = self.view(raw_type)
            self._raw = raw
            return raw
        if attr == "_node":
            self._node = None
            return None
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{attr}'")

    def numpy(self: Any) -> np.ndarray:
        """A copy of the data on the host as a ``numpy.ndarray`` (not recorded)."""
        return to_host(self._raw)

    def item(self: Any, *args: Any) -> Any:
        """The element as a Python scalar (copied to the host)."""
        return to_host(self._raw).item(*args)

    def tolist(self: Any) -> Any:
        """The data as nested Python lists (copied to the host)."""
        return to_host(self._raw).tolist()

    def __repr__(self: Any) -> str:
        text = repr(to_host(self._raw))
        body = text[text.index("("):-1] if text.startswith("array(") else f"({text}"
        return f"{type(self).__name__}{body}, device='{device_name(self._raw)}')"

    def __reduce_ex__(self: Any, protocol: Any) -> Any:
        return _rebuild, (to_host(self._raw), device_name(self._raw))

    def _device_name(raw: Any) -> str:
        return device_name(raw)

    ns = operator_methods()
    ns.update(tensor_methods())   # Tensor's own operators (``//`` per the Array API) win
    ns.update(
        __getattr__=__getattr__, numpy=numpy, item=item, tolist=tolist,
        __repr__=__repr__, __str__=lambda self: str(to_host(self._raw)),
        __reduce_ex__=__reduce_ex__, _device_name=staticmethod(_device_name),
        _raw_type=raw_type, _to_host=staticmethod(to_host),
        __float__=lambda self: float(to_host(self._raw)),
        __int__=lambda self: int(to_host(self._raw)),
        __complex__=lambda self: complex(to_host(self._raw)),
        __bool__=lambda self: bool(to_host(self._raw)),
        __index__=lambda self: to_host(self._raw).__index__(),
        __hash__=None, __module__="gradarray", __array_function__=_array_function,
        # Python's: the compiled one on Tensor (``_speedups``) is bound to Tensor's layout.
        __array_ufunc__=_ufunc,
        # CuPy-only methods that would compute (or write) without NumPy's protocols.
        ptp=lambda self, *args, **kwargs: np.ptp(self, *args, **kwargs),
        scatter_add=lambda self, slices, value: np.add.at(self, slices, value),
        scatter_max=lambda self, slices, value: np.maximum.at(self, slices, value),
        scatter_min=lambda self, slices, value: np.minimum.at(self, slices, value),
    )
    has_dict = getattr(raw_type, "__dictoffset__", 0) != 0
    ns["__slots__"] = ("_raw", "_node") if has_dict else ("_raw", "_node", "__dict__")
    cls = type(name, (raw_type,), ns)
    _dispatch.register_array_type(raw_type, cls)
    register_raw_type(raw_type)   # the write log and mutation checks see its memory
    return cls


# Variable attributes a device Variable class takes from its device Tensor class instead
# (its layout, the raw type and host copy); the rest (``_raw``, ``numpy``, pickling) is shared.
_VAR_OWN = frozenset(("__module__", "__qualname__", "__doc__", "__slots__", "__dict__",
                      "__weakref__", "_abc_impl", "__abstractmethods__", "_raw_type",
                      "_to_host"))


def make_variable_class(var_cls: type, tensor_cls: type) -> type:
    """A Variable class over the device Tensor class ``tensor_cls`` (``CupyVariable``).

    Its body is ``var_cls``'s own methods (the same function objects: ``assign``,
    ``_release_readers``, the reading ``_raw`` property, ...) over ``tensor_cls``; the
    raw type and the host copy come from ``tensor_cls``.  ``var_cls`` (``gradarray.Variable``,
    an ABC) registers the new class, so ``isinstance(v, ga.Variable)`` holds for it.
    """
    ns = {k: v for k, v in var_cls.__dict__.items() if k not in _VAR_OWN}
    shared_super = [k for k, v in ns.items() if _uses_super(v)]
    if shared_super:   # bound to Variable's MRO: cannot be shared
        raise TypeError(f"Variable methods using super() cannot be shared: {shared_super}")
    ns.update(__slots__=(), __module__="gradarray", __doc__=var_cls.__doc__)
    name = tensor_cls.__name__.removesuffix("Tensor") + "Variable"
    cls = type(name, (tensor_cls,), ns)
    _dispatch.TENSOR_TYPES.add(cls)
    _dispatch.VAR_TYPES.add(cls)
    var_cls.register(cls)
    return cls


def _rebuild(host: np.ndarray, device: str) -> Any:
    from . import to_device

    return to_device(host, device)
