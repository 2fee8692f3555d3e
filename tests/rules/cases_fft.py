"""Cases for rules/fft.py: every transform with n/s (truncation and zero-padding), axes and
each norm; real transforms with even and odd lengths (the Nyquist bin)."""

import numpy as np

from .cases_linalg import rand
from .harness import Case

F = np.fft
NORMS = [None, "backward", "ortho", "forward"]


def _c(key, fn, *inputs, name="", complex=True, **kw):
    return Case(key, fn, tuple(inputs), name=name, complex=complex, **kw)


def _variants(key, real_input, shapes_1d):
    """Cases of a 1-D transform: default, truncated, padded, axis=0 and each norm."""
    f = key
    nm = key.__name__
    cx = not real_input
    out = [_c(key, f, rand(shapes_1d[0]), name=nm, complex=cx),
           _c(key, f, rand(shapes_1d[1]), name=f"{nm}-odd", complex=cx),
           _c(key, lambda a: f(a, n=3), rand((2, 6)), name=f"{nm}-truncate", complex=cx),
           _c(key, lambda a: f(a, n=8), rand((2, 5)), name=f"{nm}-pad", complex=cx),
           _c(key, lambda a: f(a, n=5, axis=0), rand((4, 3)), name=f"{nm}-axis", complex=cx)]
    out += [_c(key, lambda a, nr=nr: f(a, norm=nr), rand((2, 5)), name=f"{nm}-norm-{nr}",
               complex=cx) for nr in NORMS[1:]]
    return out


CASES = [
    *_variants(F.fft, False, [(6,), (3, 5)]),
    *_variants(F.ifft, False, [(6,), (3, 5)]),
    *_variants(F.rfft, True, [(6,), (3, 5)]),
    *_variants(F.irfft, False, [(4,), (3, 5)]),
    *_variants(F.hfft, False, [(4,), (3, 5)]),
    *_variants(F.ihfft, True, [(6,), (3, 5)]),
    _c(F.irfft, lambda a: F.irfft(a, n=7), rand((3, 4)), name="irfft-odd-n"),
    _c(F.hfft, lambda a: F.hfft(a, n=7, norm="ortho"), rand((3, 4)), name="hfft-odd-n"),
    # n-dimensional
    _c(F.fft2, F.fft2, rand((2, 3, 4))),
    _c(F.fft2, lambda a: F.fft2(a, s=(2, 6), axes=(0, 2), norm="ortho"), rand((3, 2, 4)),
       name="fft2-s-axes"),
    _c(F.ifft2, F.ifft2, rand((3, 4))),
    _c(F.ifft2, lambda a: F.ifft2(a, s=(5, 3), norm="forward"), rand((3, 4)),
       name="ifft2-s"),
    _c(F.fftn, F.fftn, rand((2, 3, 4))),
    _c(F.fftn, lambda a: F.fftn(a, s=(3, 2), axes=(2, 0)), rand((2, 3, 4)), name="fftn-s"),
    _c(F.ifftn, F.ifftn, rand((2, 3, 4))),
    _c(F.ifftn, lambda a: F.ifftn(a, s=(4, 5), norm="ortho"), rand((2, 3, 4)),
       name="ifftn-s"),
    _c(F.rfft2, F.rfft2, rand((3, 4)), complex=False),
    _c(F.rfft2, lambda a: F.rfft2(a, s=(4, 5), norm="ortho"), rand((2, 3, 4)),
       name="rfft2-s", complex=False),
    _c(F.irfft2, F.irfft2, rand((3, 4))),
    _c(F.irfft2, lambda a: F.irfft2(a, s=(2, 5)), rand((3, 4)), name="irfft2-s"),
    _c(F.rfftn, F.rfftn, rand((2, 3, 5)), complex=False),
    _c(F.rfftn, lambda a: F.rfftn(a, s=(3, 4), axes=(0, 1), norm="forward"),
       rand((2, 3, 5)), name="rfftn-s-axes", complex=False),
    _c(F.irfftn, F.irfftn, rand((2, 3, 4))),
    _c(F.irfftn, lambda a: F.irfftn(a, s=(4, 3, 6), norm="ortho"), rand((2, 3, 4)),
       name="irfftn-s"),
    _c(F.irfftn, lambda a: F.irfftn(a, axes=(0,)), rand((3, 2)), name="irfftn-one-axis"),
    # shifts
    _c(F.fftshift, F.fftshift, rand((3, 4))),
    _c(F.fftshift, lambda a: F.fftshift(a, axes=1), rand((3, 5)), name="fftshift-axes"),
    _c(F.ifftshift, F.ifftshift, rand((3, 5))),
    _c(F.ifftshift, lambda a: F.ifftshift(a, axes=(0,)), rand((3, 4)),
       name="ifftshift-axes"),
]
