"""Devices: where a Tensor's data lives (``"cpu"``, ``"cuda:N"``) and moving it between them.

``devices/numpy.py`` and ``devices/cupy.py`` hold what differs per device: the raw array type,
making an array on the device, copying back to the host.  Rules and the registry never name a
device: ``np.tanh(raw_cupy_array)`` already runs on the GPU through CuPy's NumPy protocol.

Only ``devices/cupy.py`` imports CuPy, and only when a GPU device is first asked for, so
``import gradarray`` works without CuPy or a GPU.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dispatch as _dispatch
from .. import record as _record_mod
from ..errors import DeviceMismatchError
from ..registry import Rule

__all__ = ["parse_device", "device_of", "to_device", "device_array", "variable_class",
           "raw_array", "DeviceMismatchError"]

_KINDS = ("cpu", "cuda")


def parse_device(device: Any) -> tuple[str, int | None]:
    """``(kind, index)`` of a device: ``"cpu"`` -> ``("cpu", None)``, ``"cuda:1"`` ->
    ``("cuda", 1)``, ``"cuda"`` -> ``("cuda", None)`` (CuPy's current device).

    Also accepts ``None`` (the CPU), a CuPy ``Device`` object and anything whose ``str`` is
    one of those (the ``.device`` of a Tensor).

    Examples
    --------
    >>> from gradarray.devices import parse_device
    >>> parse_device("cuda:1")
    ('cuda', 1)
    """
    if device is None:
        return "cpu", None
    dev_id = getattr(device, "id", None)      # cupy.cuda.Device
    if isinstance(dev_id, int) and not isinstance(device, str):
        return "cuda", dev_id
    text = str(device).strip().lower()
    kind, sep, index = text.partition(":")
    if kind == "gpu":
        kind = "cuda"
    if kind not in _KINDS or (sep and not index.isdigit()) or (kind == "cpu" and sep):
        raise ValueError(f"unsupported device {device!r}; gradarray knows 'cpu', 'cuda' and "
                         "'cuda:N'")
    return kind, int(index) if sep else None


def _backend(kind: str) -> Any:
    if kind == "cpu":
        from . import numpy as backend
    else:
        from . import cupy as backend
    return backend


def device_of(x: Any) -> str:
    """The device of an array or Tensor as a string: ``"cpu"`` or ``"cuda:N"``.

    Examples
    --------
    >>> import gradarray as ga
    >>> from gradarray.devices import device_of
    >>> device_of(ga.tensor([1.0]))
    'cpu'
    """
    name = _record_mod._device_name(x)
    if name is not None:
        return name
    if isinstance(x, (list, tuple, int, float, complex, bool)):
        return "cpu"
    mod = type(x).__module__.split(".")[0]
    if mod == "cupy":
        return _backend("cuda").device_of(x)
    raise TypeError(f"device_of: {type(x).__name__} is not an array gradarray knows")


def _raw(x: Any) -> Any:
    return x._raw if x.__class__ in _dispatch.TENSOR_TYPES else x


def to_device(x: Any, device: Any, /, *, stream: Any = None) -> Any:
    """``x`` as a Tensor on ``device`` (a copy unless it is already there).

    The copy is recorded: gradients flow back to ``x`` on its own device.

    Examples
    --------
    >>> import gradarray as ga
    >>> from gradarray.devices import to_device
    >>> to_device(ga.tensor([1.0, 2.0]), "cpu")
    Tensor([1., 2.])
    """
    kind, index = parse_device(device)
    src_raw = _raw(x)
    src = device_of(x)
    if src == "cpu" and kind == "cpu" or (src != "cpu" and kind != "cpu" and
                                          (index is None or src == f"{kind}:{index}")):
        if x.__class__ in _dispatch.TENSOR_TYPES:
            return x
        return _dispatch.wrap(src_raw.copy(order="K") if src == "cpu" else src_raw)
    if src == "cpu":
        raw = _backend(kind).from_host(np.asarray(src_raw), index, stream)
    elif kind == "cpu":
        raw = _backend(src.partition(":")[0]).to_host(src_raw, stream)
    else:   # between two GPUs
        raw = _backend(kind).to_gpu(src_raw, index, stream)
    node = getattr(x, "_node", None) if x.__class__ in _dispatch.TENSOR_TYPES else None
    if node is None or not _dispatch.STATE.recording:
        return _dispatch.wrap(raw)
    return _dispatch._record(_TRANSFER, (src_raw,), (node,), {"source": src}, raw, (x,))


def device_array(data: Any, dtype: Any = None, copy: bool | None = None) -> Any:
    """``data`` (a CuPy array or a GPU Tensor) as a Tensor on its own device.

    As ``numpy.asarray``: no copy unless ``copy`` or a new ``dtype`` asks for one; a GPU
    Tensor being recorded stays recorded.
    """
    if data.__class__ in _dispatch.TENSOR_TYPES:
        if dtype is not None and np.dtype(dtype) != data.dtype:
            return np.astype(data, dtype)
        return np.copy(data) if copy else data
    raw = _backend("cuda").as_raw(data)
    if dtype is not None and np.dtype(dtype) != raw.dtype:
        raw = raw.astype(dtype)
    elif copy:
        raw = raw.copy()
    return _dispatch.wrap(raw)


_VARIABLE_CLASSES: dict = {}   # device Tensor class -> its Variable class, built on first use


def variable_class(var_cls: type, raw: Any) -> type:
    """The Variable class for the device array ``raw`` (``CupyVariable`` for CuPy's).

    ``var_cls`` is ``gradarray.Variable`` (passed in: this floor does not import it).
    """
    tensor_cls = _dispatch._RAW_CLS.get(raw.__class__)
    if tensor_cls is None:
        raise TypeError(f"no device Tensor class for {type(raw).__name__}")
    cls = _VARIABLE_CLASSES.get(tensor_cls)
    if cls is None:
        from ._classes import make_variable_class

        cls = _VARIABLE_CLASSES[tensor_cls] = make_variable_class(var_cls, tensor_cls)
    return cls


def raw_array(x: Any) -> Any:
    """The raw array of a Tensor; a raw array (NumPy's or a device's) as it is; anything
    else (lists, numbers) as a host ``numpy.ndarray``."""
    c = x.__class__
    if c in _dispatch.TENSOR_TYPES:
        return x._raw
    if c is np.ndarray or c in _dispatch._RAW_CLS:
        return x
    return np.asarray(x)


def _move_back(g: Any, ans: Any, x: Any, source: str = "cpu") -> Any:
    # The gradient of a copy between devices is the gradient copied back.
    if g.__class__ in _dispatch.TENSOR_TYPES:
        return to_device(g, source)
    kind, index = parse_device(source)
    if kind == "cpu":
        return _backend(device_of(g).partition(":")[0]).to_host(g, None)
    if device_of(g) == "cpu":
        return _backend(kind).from_host(g, index, None)
    return _backend(kind).to_gpu(g, index, None)


_TRANSFER = Rule("gradarray.to_device", (_move_back,))
