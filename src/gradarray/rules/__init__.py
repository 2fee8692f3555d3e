"""Derivative rules, one file per family of NumPy functions.  Importing fills the registry."""

from . import indexing, reductions, shape, ufuncs  # noqa: F401
