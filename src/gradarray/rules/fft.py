"""Derivatives of ``np.fft``: every transform is linear, so its vjp is its adjoint.

The adjoint of a DFT is the opposite transform with the opposite normalization
(``ifft(g, norm="forward")`` undoes no scaling, as ``fft`` applied none), followed by the
transpose of the zero-padding or truncation that ``n``/``s`` asked for.  The real
transforms keep only half the bins: their adjoints weight those bins (halve or double all
but the zero and Nyquist bins) so that ``irfft``'s implied Hermitian symmetry is undone.
"""

from __future__ import annotations

import numpy as np

from ..registry import defvjp
from ._util import conj

_SWAP = {None: "forward", "backward": "forward", "forward": "backward", "ortho": "ortho"}


def _cook(shape, s, axes):
    """NumPy's (s, axes) defaults, as lists with non-negative axes."""
    nd = len(shape)
    if axes is None:
        axes = range(-len(s), 0) if s is not None else range(-nd, 0)
    axes = [ax % nd for ax in axes]
    s = [-1] * len(axes) if s is None else list(s)
    s = [shape[ax] if n == -1 else n for n, ax in zip(s, axes, strict=True)]
    return s, axes


def _cook_inverse_real(shape, s, axes):
    """As ``_cook``; the last axis holds a half spectrum, by default of 2 * (bins - 1)."""
    given = s is not None and s[-1] != -1
    s, axes = _cook(shape, s, axes)
    if not given:
        s[-1] = 2 * (shape[axes[-1]] - 1)
    return s, axes


def _fit(x, shape, axes):
    """``x`` truncated or zero-padded (at the end) to ``shape`` along ``axes``."""
    for ax in axes:
        m, n = x.shape[ax], shape[ax]
        if m > n:
            x = x[(slice(None),) * ax + (slice(0, n),)]
        elif m < n:
            pad = list(x.shape)
            pad[ax] = n - m
            x = np.concatenate([x, np.zeros_like(x, shape=tuple(pad))], axis=ax)
    return x


def _half_weights(g, n, axis, inverse):
    """Per-bin weights of a half spectrum of a length-``n`` signal, shaped to broadcast.

    1 for the zero and Nyquist bins, 1/2 for the others (``inverse``: 2).
    """
    nb = n // 2 + 1
    w = np.full_like(g, 2.0 if inverse else 0.5, shape=(nb,), dtype=np.finfo(g.dtype).dtype)
    w[0] = 1
    if n % 2 == 0:
        w[-1] = 1
    shape = [1] * g.ndim
    shape[axis] = nb
    return np.reshape(w, tuple(shape))


# ----- Complex transforms -----

def _c2c_vjp(g, a, s, axes, norm, inverse):
    s, axes = _cook(a.shape, s, axes)
    adjoint = np.fft.fftn if inverse else np.fft.ifftn
    return _fit(adjoint(g, axes=axes, norm=_SWAP[norm]), a.shape, axes)


def _one(s_or_n):
    return None if s_or_n is None else [s_or_n]


defvjp(np.fft.fft, lambda g, ans, a, n=None, axis=-1, norm=None, out=None:
       _c2c_vjp(g, a, _one(n), [axis], norm, False))
defvjp(np.fft.ifft, lambda g, ans, a, n=None, axis=-1, norm=None, out=None:
       _c2c_vjp(g, a, _one(n), [axis], norm, True))
defvjp(np.fft.fft2, lambda g, ans, a, s=None, axes=(-2, -1), norm=None, out=None:
       _c2c_vjp(g, a, s, axes, norm, False))
defvjp(np.fft.ifft2, lambda g, ans, a, s=None, axes=(-2, -1), norm=None, out=None:
       _c2c_vjp(g, a, s, axes, norm, True))
defvjp(np.fft.fftn, lambda g, ans, a, s=None, axes=None, norm=None, out=None:
       _c2c_vjp(g, a, s, axes, norm, False))
defvjp(np.fft.ifftn, lambda g, ans, a, s=None, axes=None, norm=None, out=None:
       _c2c_vjp(g, a, s, axes, norm, True))


# ----- Real transforms -----

def _r2c_vjp(g, a, s, axes, norm):
    # rfftn = fft over the leading axes of rfft over the last: adjoints in reverse order.
    s, axes = _cook(a.shape, s, axes)
    if len(axes) > 1:
        g = np.fft.ifftn(g, axes=axes[:-1], norm=_SWAP[norm])
    g = g * _half_weights(g, s[-1], axes[-1], False)
    grad = np.fft.irfft(g, n=s[-1], axis=axes[-1], norm=_SWAP[norm])
    return _fit(grad, a.shape, axes)


def _c2r_vjp(g, a, s, axes, norm):
    # irfftn = irfft over the last axis of ifft over the leading ones.
    s, axes = _cook_inverse_real(a.shape, s, axes)
    grad = np.fft.rfft(g, n=s[-1], axis=axes[-1], norm=_SWAP[norm])
    grad = grad * _half_weights(grad, s[-1], axes[-1], True)
    if len(axes) > 1:
        grad = np.fft.fftn(grad, axes=axes[:-1], norm=_SWAP[norm])
    return _fit(grad, a.shape, axes)


defvjp(np.fft.rfft, lambda g, ans, a, n=None, axis=-1, norm=None, out=None:
       _r2c_vjp(g, a, _one(n), [axis], norm))
defvjp(np.fft.irfft, lambda g, ans, a, n=None, axis=-1, norm=None, out=None:
       _c2r_vjp(g, a, _one(n), [axis], norm))
defvjp(np.fft.rfft2, lambda g, ans, a, s=None, axes=(-2, -1), norm=None, out=None:
       _r2c_vjp(g, a, s, axes, norm))
defvjp(np.fft.irfft2, lambda g, ans, a, s=None, axes=(-2, -1), norm=None, out=None:
       _c2r_vjp(g, a, s, axes, norm))
defvjp(np.fft.rfftn, lambda g, ans, a, s=None, axes=None, norm=None, out=None:
       _r2c_vjp(g, a, s, axes, norm))
defvjp(np.fft.irfftn, lambda g, ans, a, s=None, axes=None, norm=None, out=None:
       _c2r_vjp(g, a, s, axes, norm))
# hfft(a) = irfft(conj(a)) and ihfft(a) = conj(rfft(a)), each with the opposite norm.
defvjp(np.fft.hfft, lambda g, ans, a, n=None, axis=-1, norm=None, out=None:
       conj(_c2r_vjp(g, a, _one(n), [axis], _SWAP[norm])))
defvjp(np.fft.ihfft, lambda g, ans, a, n=None, axis=-1, norm=None, out=None:
       _r2c_vjp(conj(g), a, _one(n), [axis], _SWAP[norm]))

# ----- Shifts: permutations, undone by the opposite shift -----
defvjp(np.fft.fftshift, lambda g, ans, x, axes=None: np.fft.ifftshift(g, axes=axes))
defvjp(np.fft.ifftshift, lambda g, ans, x, axes=None: np.fft.fftshift(g, axes=axes))
