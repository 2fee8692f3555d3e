"""Derivatives of NumPy's ufuncs (their ``__call__``; methods live with their families).

Most rows give the partial derivative ``d ans / d input`` as a function of
``(ans, *inputs)``; the engine forms ``g * conj(d)`` (TensorFlow's and PyTorch's complex
convention) and sums it back over broadcast axes.  ``ans`` is reused where it is cheaper.
"""

from __future__ import annotations

import math

import numpy as np

from ..registry import defvjp, elementwise, nondiff
from ._util import conj

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


def _nonzero(x):
    """``x`` with zeros replaced by ones (for derivatives that are masked to 0 there)."""
    return np.where(x == 0, 1, x)


# ----- Linear and sign -----
defvjp(np.negative, lambda g, ans, x: -g)
defvjp(np.positive, lambda g, ans, x: g)
defvjp(np.add, lambda g, ans, x, y: g, lambda g, ans, x, y: g)
defvjp(np.subtract, lambda g, ans, x, y: g, lambda g, ans, x, y: -g)
# conj is not holomorphic: its vjp conjugates the cotangent.
defvjp(np.conjugate, lambda g, ans, x: np.conj(g))
elementwise(np.deg2rad, lambda ans, x: math.pi / 180.0)
elementwise(np.rad2deg, lambda ans, x: 180.0 / math.pi)
elementwise(np.radians, lambda ans, x: math.pi / 180.0)
elementwise(np.degrees, lambda ans, x: 180.0 / math.pi)


def absolute_vjp(g, ans, x):
    # |x|' = sign(x), 0 at 0 (the subgradient TF, JAX and PyTorch use); complex: x / |x|.
    if np.iscomplexobj(x):
        return g * x / _nonzero(ans) * (ans != 0)
    return g * np.sign(x)


defvjp(np.absolute, absolute_vjp)
elementwise(np.fabs, lambda ans, x: np.sign(x))

# ----- Products and quotients -----
elementwise(np.multiply, lambda ans, x, y: y, lambda ans, x, y: x)
# -x / y**2 rather than -ans / y: keeping the output would forbid writing into it in place,
# which library code does (scipy.stats.zscore).
elementwise(np.divide, lambda ans, x, y: 1 / y, lambda ans, x, y: -x / (y * y))
elementwise(np.reciprocal, lambda ans, x: -ans * ans)
elementwise(np.square, lambda ans, x: 2 * x)


def _power_dx(ans, x, y):
    if np.any(y == 0):
        # x**0 is 1 for every x, 0 included: its derivative is 0 there (not 0 * 0**-1 = nan).
        # Masked only at x == 0, so that d/dy of this (1/x at y = 0) stays right elsewhere.
        zero = (y == 0) & (x == 0)
        return np.where(zero, 0, y * np.where(zero, 1, x) ** (y - 1))
    return y * x ** (y - 1)


def _power_dy(ans, x, y):
    # d/dy x**y = x**y log x; taken as 0 where x == 0 (the limit for y > 0).
    return ans * np.log(_nonzero(x)) * (x != 0)


elementwise(np.power, _power_dx, _power_dy)
elementwise(np.float_power, _power_dx, _power_dy)
elementwise(np.sqrt, lambda ans, x: 0.5 / ans)
elementwise(np.cbrt, lambda ans, x: 1 / (3 * ans * ans))

# ----- Exponentials and logarithms -----
elementwise(np.exp, lambda ans, x: ans)
elementwise(np.exp2, lambda ans, x: ans * _LN2)
elementwise(np.expm1, lambda ans, x: ans + 1)
elementwise(np.log, lambda ans, x: 1 / x)
elementwise(np.log2, lambda ans, x: 1 / (x * _LN2))
elementwise(np.log10, lambda ans, x: 1 / (x * _LN10))
elementwise(np.log1p, lambda ans, x: 1 / (x + 1))
elementwise(np.logaddexp, lambda ans, x, y: np.exp(x - ans), lambda ans, x, y: np.exp(y - ans))
elementwise(np.logaddexp2, lambda ans, x, y: np.exp2(x - ans), lambda ans, x, y: np.exp2(y - ans))

# ----- Trigonometric -----
elementwise(np.sin, lambda ans, x: np.cos(x))
elementwise(np.cos, lambda ans, x: -np.sin(x))
elementwise(np.tan, lambda ans, x: 1 + ans * ans)
elementwise(np.arcsin, lambda ans, x: 1 / np.sqrt(1 - x * x))
elementwise(np.arccos, lambda ans, x: -1 / np.sqrt(1 - x * x))
elementwise(np.arctan, lambda ans, x: 1 / (1 + x * x))
elementwise(np.hypot, lambda ans, x, y: x / ans, lambda ans, x, y: y / ans)
elementwise(np.arctan2, lambda ans, y, x: x / (x * x + y * y),
            lambda ans, y, x: -y / (x * x + y * y))

# ----- Hyperbolic -----
elementwise(np.sinh, lambda ans, x: np.cosh(x))
elementwise(np.cosh, lambda ans, x: np.sinh(x))
elementwise(np.tanh, lambda ans, x: 1 - ans * ans)
elementwise(np.arcsinh, lambda ans, x: 1 / np.sqrt(x * x + 1))
# sqrt(x-1)*sqrt(x+1) rather than sqrt(x*x-1): right on the complex branch cut too.
elementwise(np.arccosh, lambda ans, x: 1 / (np.sqrt(x - 1) * np.sqrt(x + 1)))
elementwise(np.arctanh, lambda ans, x: 1 / (1 - x * x))


# ----- Extrema: ties split the gradient evenly between the two inputs -----
# A boolean partial when nothing ties (relu's usual case): g * d then stays in g's dtype,
# one pass like a hand-written ``g * (x > 0)``; a float one only where a tie needs the half.
def _max_dx(ans, x, y):
    tie = x == y
    return (x > y) + 0.5 * tie if tie.any() else x > y


def _max_dy(ans, x, y):
    tie = x == y
    return (y > x) + 0.5 * tie if tie.any() else y > x


elementwise(np.maximum, _max_dx, _max_dy)
elementwise(np.minimum, _max_dy, _max_dx)
# fmax/fmin ignore a NaN operand: the other one gets the whole gradient.
elementwise(np.fmax, lambda ans, x, y: np.where(np.isnan(y), 1.0, _max_dx(ans, x, y)),
            lambda ans, x, y: np.where(np.isnan(x), 1.0, _max_dy(ans, x, y)))
elementwise(np.fmin, lambda ans, x, y: np.where(np.isnan(y), 1.0, _max_dy(ans, x, y)),
            lambda ans, x, y: np.where(np.isnan(x), 1.0, _max_dx(ans, x, y)))

# ----- Piecewise: differentiable away from their jumps -----
elementwise(np.remainder, lambda ans, x, y: 1.0, lambda ans, x, y: -np.floor_divide(x, y))
elementwise(np.fmod, lambda ans, x, y: 1.0, lambda ans, x, y: -np.trunc(x / y))
# copysign(x, y) = |x| sign(y): constant in y away from 0.
elementwise(np.copysign, lambda ans, x, y: np.where(np.signbit(x) == np.signbit(y), 1.0, -1.0),
            lambda ans, x, y: None)
elementwise(np.ldexp, lambda ans, x, i: np.ldexp(np.ones_like(x), i), None)
defvjp(np.modf, lambda g, ans, x: g[0], multi=True)
defvjp(np.frexp, lambda g, ans, x: g[0] * np.ldexp(np.ones_like(ans[0]), -ans[1]), multi=True)
defvjp(np.divmod, lambda g, ans, x, y: g[1], lambda g, ans, x, y: -g[1] * ans[0], multi=True)

# ----- Linear algebra ufuncs -----


def _mT(a):
    return np.swapaxes(a, -1, -2)


def matmul_vjp_a(g, ans, a, b):
    if np.ndim(b) == 1:
        return np.expand_dims(g, -1) * conj(b)
    if np.ndim(a) == 1:
        g = np.expand_dims(g, -2)
    return g @ conj(_mT(b))


def matmul_vjp_b(g, ans, a, b):
    if np.ndim(a) == 1:
        if np.ndim(b) == 1:
            return g * conj(a)
        return conj(np.expand_dims(a, -1)) * np.expand_dims(g, -2)
    if np.ndim(b) == 1:
        return np.squeeze(conj(_mT(a)) @ np.expand_dims(g, -1), -1)
    return conj(_mT(a)) @ g


defvjp(np.matmul, matmul_vjp_a, matmul_vjp_b)


def _core_axis(ndim, axes, axis, k):
    """The (negative) position of operand k's vector axis, from vecdot's axes= or axis=."""
    if axes is not None:
        ax = axes[k][0] if isinstance(axes[k], (tuple, list)) else axes[k]
    else:
        ax = -1 if axis is None else axis
    return ax - ndim if ax >= 0 else ax


# vecdot = sum(conj(x1) * x2): anti-holomorphic in x1 (conj(g)), holomorphic in x2.  The
# product is formed with the vector axis last and moved back to the operand's axis.
def vecdot_vjp_x1(g, ans, x1, x2, axes=None, axis=None):
    a1, a2 = _core_axis(x1.ndim, axes, axis, 0), _core_axis(x2.ndim, axes, axis, 1)
    return np.moveaxis(np.expand_dims(conj(g), -1) * np.moveaxis(x2, a2, -1), -1, a1)


def vecdot_vjp_x2(g, ans, x1, x2, axes=None, axis=None):
    a1, a2 = _core_axis(x1.ndim, axes, axis, 0), _core_axis(x2.ndim, axes, axis, 1)
    return np.moveaxis(np.expand_dims(g, -1) * np.moveaxis(x1, a1, -1), -1, a2)


defvjp(np.vecdot, vecdot_vjp_x1, vecdot_vjp_x2)
if hasattr(np, "matvec"):
    defvjp(np.matvec, lambda g, ans, a, v: np.expand_dims(g, -1) * conj(np.expand_dims(v, -2)),
           lambda g, ans, a, v: np.matvec(conj(_mT(a)), g))
    defvjp(np.vecmat, lambda g, ans, v, a: np.matvec(a, conj(g)),
           # vecmat = conj(v) @ a: holomorphic in a, so its cotangent is v (not conj(v)) * g.
           lambda g, ans, v, a: np.expand_dims(v, -1) * np.expand_dims(g, -2))

# ----- No gradient: comparisons, predicates, rounding, integer and bit operations -----
nondiff(
    np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal,
    np.logical_and, np.logical_or, np.logical_xor, np.logical_not,
    np.isfinite, np.isinf, np.isnan, np.isnat, np.signbit, np.sign,
    np.floor, np.ceil, np.trunc, np.rint, np.floor_divide, np.heaviside, np.nextafter,
    np.spacing, np.bitwise_and, np.bitwise_or, np.bitwise_xor, np.invert, np.left_shift,
    np.right_shift, np.gcd, np.lcm, np.bitwise_count,
)
