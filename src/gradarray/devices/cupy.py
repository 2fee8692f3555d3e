"""The CUDA device, through CuPy: the only module of gradarray that imports CuPy.

CuPy is imported on the first GPU request (``ga.tensor(x, device="cuda")``,
``t.to_device("cuda:1")``, ``ga.asarray(cupy_array)``), never by ``import gradarray``.
The GPU Tensor class, ``CupyTensor(cupy.ndarray)``, is built then too (see ``_classes.py``).
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np

__all__ = ["INSTALL_HINT", "cupy_module", "unavailable_reason", "tensor_class", "device_of",
           "from_host", "to_host", "to_gpu", "as_raw"]

INSTALL_HINT = ("install gradarray[gpu] (pip install 'gradarray[gpu]' pulls cupy-cuda12x; "
                "for CUDA 13 drivers pip install cupy-cuda13x instead)")
_MIN_VERSION = 13   # subclassing cupy.ndarray (view(type=...), __array_finalize__)
_LOADED: dict = {}  # filled once, on first use: "cupy" -> module, "cls" -> CupyTensor


def cupy_module() -> Any:
    """The ``cupy`` module, imported on first use; ImportError with what to install."""
    cp = _LOADED.get("cupy")
    if cp is None:
        try:
            import cupy as cp
        except ImportError as e:
            raise ImportError(f"GPU devices need CuPy, which is not installed: {INSTALL_HINT}"
                              ) from e
        major = int(cp.__version__.split(".")[0])
        if major < _MIN_VERSION:
            raise ImportError(f"gradarray needs CuPy >= {_MIN_VERSION} (subclassable arrays), "
                              f"found {cp.__version__}: {INSTALL_HINT}")
        _LOADED["cupy"] = cp
    return cp


def unavailable_reason() -> str | None:
    """Why the GPU cannot be used here (no CuPy, no driver, no device), or None if it can."""
    try:
        cp = cupy_module()
    except ImportError as e:
        return str(e)
    try:
        n = cp.cuda.runtime.getDeviceCount()
    except Exception as e:  # CUDARuntimeError: no driver, driver too old, ...
        return f"CuPy is installed but CUDA is not usable: {e}"
    return None if n > 0 else "CuPy is installed but no CUDA GPU is visible"


def tensor_class() -> type:
    """``CupyTensor``, the GPU Tensor class (built and registered on first use)."""
    cls = _LOADED.get("cls")
    if cls is None:
        from ._classes import make_tensor_class

        cp = cupy_module()
        cls = make_tensor_class(cp.ndarray, "CupyTensor", _get, device_of)
        _LOADED["cls"] = cls
    return cls


def _get(raw: Any) -> np.ndarray:
    return raw.get()


def device_of(raw: Any) -> str:
    """``"cuda:N"`` for a CuPy array."""
    return f"cuda:{raw.device.id}"


def _on(index: int | None, stream: Any) -> Any:
    cp = cupy_module()
    stack = contextlib.ExitStack()
    if index is not None:
        stack.enter_context(cp.cuda.Device(index))
    if stream is not None:
        stack.enter_context(stream)
    return stack


def from_host(host: np.ndarray, index: int | None, stream: Any = None) -> Any:
    """A copy of the host array on GPU ``index`` (None: CuPy's current device)."""
    reason = unavailable_reason()
    if reason is not None:
        if "gradarray[gpu]" in reason:
            raise ImportError(reason)
        raise RuntimeError(f"cannot use device 'cuda': {reason}")
    tensor_class()
    with _on(index, stream):
        return cupy_module().array(host, copy=True)


def to_host(raw: Any, stream: Any = None) -> np.ndarray:
    """A host (NumPy) copy of a CuPy array."""
    return raw.get(stream=stream) if stream is not None else raw.get()


def to_gpu(raw: Any, index: int | None, stream: Any = None) -> Any:
    """A copy of a CuPy array on GPU ``index``."""
    with _on(index, stream):
        return cupy_module().array(raw, copy=True)


def as_raw(data: Any) -> Any:
    """A CuPy array (not a subclass) sharing ``data``'s memory."""
    cp = cupy_module()
    tensor_class()
    return data if data.__class__ is cp.ndarray else data.view(cp.ndarray)
