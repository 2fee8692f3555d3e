"""Derivative rules, one file per family of NumPy functions.  Importing fills the registry.

``special`` (scipy.special's ufuncs) is loaded lazily, the first time a ufunc without a rule
reaches gradarray while SciPy is imported: importing SciPy would double gradarray's import
time, and users who never touch SciPy should not pay for it.
"""

from ..registry import LAZY_RULES
from . import (  # noqa: F401
    calculus,
    compat,
    contractions,
    creation,
    elementwise,
    fft,
    functional,
    indexing,
    linalg,
    padding,
    polynomials,
    reductions,
    sets,
    shape,
    statistics,
    ufuncs,
    utilities,
)

LAZY_RULES.append(("scipy.special", __name__ + ".special"))
