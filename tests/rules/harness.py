"""The table of rule cases and the strategies that feed them.

A ``Case`` names the registry key it covers, a function of the differentiable arrays (the
call under test, with its non-array arguments fixed) and one strategy per array.  The
parametrized tests in ``test_rules.py`` (one per family) check, for every case, float64 and
float32 (and complex where ``complex=True``): forward values equal plain NumPy's, and vjp/jvp
agree with finite differences up to ``order``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

__all__ = ["Case", "arrays", "positive", "unit", "square", "spd", "shapes", "same_shape",
           "quotient_pair", "broadcastable"]


@dataclass
class Case:
    key: Any                     # registry key covered (np.tanh, (np.add, "reduce"), ...)
    fn: Callable                 # fn(*arrays) -> array: the call under test
    inputs: tuple                # one strategy per array argument, or one strategy of a tuple
    order: int = 2
    complex: bool = False        # also check complex128 inputs
    float32: bool = True
    name: str = ""
    modes: tuple = ("rev", "fwd")
    tuple_inputs: bool = False   # inputs[0] draws the whole tuple of arrays
    extra: dict = field(default_factory=dict)

    def __str__(self) -> str:
        if self.name:
            return self.name
        k = self.key
        if isinstance(k, tuple):
            return f"{k[0].__name__}.{k[1]}"
        return getattr(k, "__name__", str(k))


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def _elements(low: float, high: float):
    return st.floats(low, high, allow_nan=False, allow_infinity=False, width=64)


def arrays(shape=None, low: float = -2.0, high: float = 2.0, min_dims: int = 0,
           max_dims: int = 3, min_side: int = 1, max_side: int = 4, away_from=None):
    """Float64 arrays with elements in [low, high] (optionally |x - a| > 0.1 for a in away_from)."""
    shape = shape if shape is not None else shapes(min_dims, max_dims, min_side, max_side)
    strat = hnp.arrays(np.float64, shape, elements=_elements(low, high))
    if away_from:
        strat = strat.filter(lambda a: all(np.all(np.abs(a - p) > 0.1) for p in away_from))
    return strat


def positive(shape=None, low: float = 0.2, high: float = 3.0, **kw):
    return arrays(shape, low, high, **kw)


def unit(shape=None, **kw):
    """Inside (-0.9, 0.9): for arcsin, arctanh, ..."""
    return arrays(shape, -0.9, 0.9, **kw)


@st.composite
def square(draw, n=None, batch=False, low=-1.0, high=1.0):
    """A well-conditioned square matrix (diagonally dominated)."""
    n = draw(st.integers(1, 4)) if n is None else n
    b = draw(st.sampled_from([(), (2,)])) if batch else ()
    a = draw(hnp.arrays(np.float64, b + (n, n), elements=_elements(low, high)))
    return a + 3.0 * np.eye(n)


@st.composite
def spd(draw, n=None):
    """A symmetric positive definite matrix."""
    n = draw(st.integers(1, 4)) if n is None else n
    a = draw(hnp.arrays(np.float64, (n, n), elements=_elements(-1.0, 1.0)))
    return a @ a.T + n * np.eye(n)


@st.composite
def same_shape(draw, count: int, low=-2.0, high=2.0, **kw):
    """``count`` arrays of one shape."""
    shape = draw(shapes(**kw))
    return tuple(draw(arrays(shape, low, high)) for _ in range(count))


@st.composite
def broadcastable(draw, count: int = 2, low=-2.0, high=2.0, max_dims: int = 3, ranges=None,
                  away_from=None, distinct=False):
    """``count`` arrays with mutually broadcastable shapes.

    ``ranges``: one (low, high) per array, overriding ``low``/``high``.
    """
    bs = draw(hnp.mutually_broadcastable_shapes(num_shapes=count, max_dims=max_dims,
                                               max_side=3))
    ranges = ranges or [(low, high)] * count
    out = tuple(draw(arrays(s, lo, hi, away_from=away_from))
                for s, (lo, hi) in zip(bs.input_shapes, ranges))
    if distinct:
        # Keep away from ties and kinks, where finite differences are meaningless.
        from hypothesis import assume

        assume(np.all(np.abs(out[0] - out[1]) > 0.1))
    return out


@st.composite
def quotient_pair(draw, shape=(3,)):
    """(x, y) with x / y well away from an integer (remainder, fmod, divmod are smooth)."""
    from hypothesis import assume

    x = draw(arrays(shape, 0.2, 3.0))
    y = draw(arrays(shape, 0.7, 0.9))
    frac = np.modf(x / y)[0]
    assume(np.all((frac > 0.05) & (frac < 0.95)))
    return x, y
