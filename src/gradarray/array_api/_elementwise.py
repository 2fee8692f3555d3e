"""Element-wise functions: NumPy's ufuncs under the standard's names.

``np.arccos(tensor)`` is a recorded Tensor already, so most names are plain assignments;
NumPy 2 carries most of the standard's spellings (``np.acos``, ``np.pow``). Wrappers only
where NumPy deviates from the standard.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor

__all__ = [
    "abs", "acos", "acosh", "add", "asin", "asinh", "atan", "atan2", "atanh", "bitwise_and",
    "bitwise_invert", "bitwise_left_shift", "bitwise_or", "bitwise_right_shift",
    "bitwise_xor", "ceil", "clip", "conj", "copysign", "cos", "cosh", "divide", "equal",
    "exp", "expm1", "floor", "floor_divide", "greater", "greater_equal", "hypot", "imag",
    "isfinite", "isinf", "isnan", "less", "less_equal", "log", "log10", "log1p", "log2",
    "logaddexp", "logical_and", "logical_not", "logical_or", "logical_xor", "maximum",
    "minimum", "multiply", "negative", "nextafter", "not_equal", "positive", "pow", "real",
    "reciprocal", "remainder", "round", "sign", "signbit", "sin", "sinh", "sqrt", "square",
    "subtract", "tan", "tanh", "trunc",
]

abs = np.absolute
acos = np.arccos
acosh = np.arccosh
add = np.add
asin = np.arcsin
asinh = np.arcsinh
atan = np.arctan
atan2 = np.arctan2
atanh = np.arctanh
bitwise_and = np.bitwise_and
bitwise_invert = np.invert
bitwise_left_shift = np.left_shift
bitwise_or = np.bitwise_or
bitwise_right_shift = np.right_shift
bitwise_xor = np.bitwise_xor
ceil = np.ceil
conj = np.conjugate
copysign = np.copysign
cos = np.cos
cosh = np.cosh
divide = np.divide
equal = np.equal
exp = np.exp
floor = np.floor
greater = np.greater
greater_equal = np.greater_equal
hypot = np.hypot
isfinite = np.isfinite
isinf = np.isinf
isnan = np.isnan
less = np.less
less_equal = np.less_equal
log = np.log
log10 = np.log10
log1p = np.log1p
log2 = np.log2
logaddexp = np.logaddexp
logical_and = np.logical_and
logical_not = np.logical_not
logical_or = np.logical_or
logical_xor = np.logical_xor
maximum = np.maximum
minimum = np.minimum
multiply = np.multiply
negative = np.negative
nextafter = np.nextafter
not_equal = np.not_equal
positive = np.positive
pow = np.power
reciprocal = np.reciprocal
remainder = np.remainder
sign = np.sign
signbit = np.signbit
sin = np.sin
sinh = np.sinh
sqrt = np.sqrt
square = np.square
subtract = np.subtract
tan = np.tan
trunc = np.trunc


def real(x: Tensor, /) -> Tensor:
    """Real part (for a real array: the array itself, as the standard allows since 2024.12)."""
    return np.real(x)


def imag(x: Tensor, /) -> Tensor:
    """Imaginary part of a complex array."""
    return np.imag(x)


def round(x: Tensor, /) -> Tensor:
    """Round half to even (``numpy.round`` with ``decimals=0``)."""
    return np.round(x)


def floor_divide(x1: Tensor | int | float, x2: Tensor | int | float, /) -> Tensor:
    """``floor(x1 / x2)`` with the standard's special cases.

    NumPy computes floating ``//`` via ``fmod`` and gets the standard's cases with one infinite
    operand wrong (``inf // 2`` is NaN, not inf; ``-1 // inf`` is -1, not -0); there the
    result is ``floor(x1 / x2)``, exact in those cases. Integers are NumPy's.
    """
    out = np.floor_divide(x1, x2)
    if out.dtype.kind != "f":
        return out
    inf1, inf2 = np.isinf(x1), np.isinf(x2)
    fix = (inf1 & np.isfinite(x2)) | (inf2 & np.isfinite(x1))
    if not np.any(fix):
        return out
    return np.where(fix, np.floor(np.divide(x1, x2)), out)


def expm1(x: Tensor, /) -> Tensor:
    """``exp(x) - 1``, accurate near 0; complex infinities and zeros as the standard says.

    NumPy's complex ``expm1`` returns NaN for most infinite inputs and -0 for ``-0 + 0j``;
    there ``exp(x) - 1`` gives the specified value (it is accurate away from 0).
    """
    out = np.expm1(x)
    if out.dtype.kind != "c":
        return out
    bad = ~np.isfinite(x) | (x == 0)
    if not np.any(bad):
        return out
    return np.where(bad, np.exp(x) - 1, out)


def tanh(x: Tensor, /) -> Tensor:
    """Hyperbolic tangent; ``tanh(±inf + yj)`` is ``±1 + 0j`` with the zero signed as ``y``.

    NumPy (C99) signs that zero as ``sin(2y)``; where the two differ, the result is
    conjugated (which flips only the zero).
    """
    out = np.tanh(x)
    if out.dtype.kind != "c":
        return out
    im = np.imag(x)
    flip = np.isinf(np.real(x)) & np.isfinite(im) & \
        (np.signbit(np.imag(out)) != np.signbit(im))
    if not np.any(flip):
        return out
    return np.where(flip, np.conj(out), out)


def clip(x: Tensor, /, min: Tensor | int | float | None = None,
         max: Tensor | int | float | None = None) -> Tensor:
    """Clamp to ``[min, max]``; the result keeps ``x``'s dtype (NumPy would promote).

    NaN bounds or NaN ``x`` give NaN; ``min > max`` gives ``max`` (``minimum(maximum(x,
    min), max)``, as the standard specifies).
    """
    out = x
    if min is not None:
        out = np.maximum(out, _cast_bound(min, x))
    if max is not None:
        out = np.minimum(out, _cast_bound(max, x))
    if out is x:
        return np.copy(x)
    return out if out.dtype == x.dtype else np.astype(out, x.dtype)


def _cast_bound(b: Any, x: Tensor) -> Any:
    """A bound in ``x``'s dtype; for integers, clamped to the dtype's range first."""
    if x.dtype.kind in "iu" and isinstance(b, int):
        info = np.iinfo(x.dtype)
        return min(max(b, int(info.min)), int(info.max))  # a weak Python int keeps the dtype
    return b
