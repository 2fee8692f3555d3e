"""The ``fft`` extension: ``numpy.fft`` with the standard's signatures.

NumPy 2 keeps single precision (float32 -> complex64), as the standard requires.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..tensor import Tensor
from ._creation import _place

__all__ = ["fft", "fftfreq", "fftn", "fftshift", "hfft", "ifft", "ifftn", "ifftshift",
           "ihfft", "irfft", "irfftn", "rfft", "rfftfreq", "rfftn"]

Norm = str


def fft(x: Tensor, /, *, n: int | None = None, axis: int = -1,
        norm: Norm = "backward") -> Tensor:
    """One-dimensional discrete Fourier transform."""
    return np.fft.fft(x, n=n, axis=axis, norm=norm)


def ifft(x: Tensor, /, *, n: int | None = None, axis: int = -1,
         norm: Norm = "backward") -> Tensor:
    """Inverse of :func:`fft`."""
    return np.fft.ifft(x, n=n, axis=axis, norm=norm)


def fftn(x: Tensor, /, *, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
         norm: Norm = "backward") -> Tensor:
    """N-dimensional discrete Fourier transform."""
    return np.fft.fftn(x, s=s, axes=axes, norm=norm)


def ifftn(x: Tensor, /, *, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
          norm: Norm = "backward") -> Tensor:
    """Inverse of :func:`fftn`."""
    return np.fft.ifftn(x, s=s, axes=axes, norm=norm)


def rfft(x: Tensor, /, *, n: int | None = None, axis: int = -1,
         norm: Norm = "backward") -> Tensor:
    """Transform of a real signal (non-negative frequencies)."""
    return np.fft.rfft(x, n=n, axis=axis, norm=norm)


def irfft(x: Tensor, /, *, n: int | None = None, axis: int = -1,
          norm: Norm = "backward") -> Tensor:
    """Inverse of :func:`rfft`."""
    return np.fft.irfft(x, n=n, axis=axis, norm=norm)


def rfftn(x: Tensor, /, *, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
          norm: Norm = "backward") -> Tensor:
    """N-dimensional transform of a real signal."""
    return np.fft.rfftn(x, s=s, axes=axes, norm=norm)


def irfftn(x: Tensor, /, *, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
           norm: Norm = "backward") -> Tensor:
    """Inverse of :func:`rfftn`."""
    return np.fft.irfftn(x, s=s, axes=axes, norm=norm)


def hfft(x: Tensor, /, *, n: int | None = None, axis: int = -1,
         norm: Norm = "backward") -> Tensor:
    """Transform of a Hermitian-symmetric signal (real output)."""
    return np.fft.hfft(x, n=n, axis=axis, norm=norm)


def ihfft(x: Tensor, /, *, n: int | None = None, axis: int = -1,
          norm: Norm = "backward") -> Tensor:
    """Inverse of :func:`hfft`."""
    return np.fft.ihfft(x, n=n, axis=axis, norm=norm)


def fftfreq(n: int, /, *, d: float = 1.0, dtype: Any = None, device: Any = None) -> Tensor:
    """Sample frequencies of :func:`fft` (float64 unless ``dtype``)."""
    return _place(np.fft.fftfreq(n, d).astype(dtype or np.float64, copy=False), device)


def rfftfreq(n: int, /, *, d: float = 1.0, dtype: Any = None, device: Any = None) -> Tensor:
    """Sample frequencies of :func:`rfft`."""
    return _place(np.fft.rfftfreq(n, d).astype(dtype or np.float64, copy=False), device)


def fftshift(x: Tensor, /, *, axes: int | Sequence[int] | None = None) -> Tensor:
    """Move the zero frequency to the centre."""
    return np.fft.fftshift(x, axes=axes)


def ifftshift(x: Tensor, /, *, axes: int | Sequence[int] | None = None) -> Tensor:
    """Inverse of :func:`fftshift`."""
    return np.fft.ifftshift(x, axes=axes)
