"""Cases for the derivative rules of gradarray/interop.py's library stand-ins (the others are
compositions of NumPy calls with rules of their own; tests/test_library_adapters.py checks
them against the libraries)."""

import numpy as np

from gradarray import interop

from .harness import Case, arrays

try:
    import scipy.signal  # noqa: F401  (the lfilter stand-in calls SciPy)
except ImportError:  # pragma: no cover
    CASES = []
else:
    _B, _A = np.array([0.5, 0.2, -0.1]), np.array([1.0, -0.6, 0.08])
    CASES = [
        Case(interop._lfilter_x, lambda x: interop._lfilter_x(x, _B, _A, -1), (arrays((7,)),),
             name="lfilter"),
        Case(interop._lfilter_x, lambda x: interop._lfilter_x(x, _B, _A, 0),
             (arrays((5, 3)),), name="lfilter-axis0"),
    ]
