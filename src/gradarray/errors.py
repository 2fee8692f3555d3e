"""Exceptions raised by gradarray.  Each message says what went wrong and what to do."""

from __future__ import annotations


class GradarrayError(Exception):
    """Base class of gradarray's own errors."""


class NoRuleError(GradarrayError, TypeError):
    """A NumPy function without a derivative rule was called on a recorded Tensor."""


class UnsupportedArgument(GradarrayError, TypeError):
    """A keyword argument that a derivative rule cannot honour was given."""


class MutatedSavedTensorError(GradarrayError, RuntimeError):
    """A value that the backward pass needs was overwritten in place after it was recorded."""


class GraphFreedError(GradarrayError, RuntimeError):
    """The backward pass reached a part of the graph whose saved values were already freed."""


class NonDifferentiableError(GradarrayError, TypeError):
    """A gradient was asked with respect to something that cannot have one (int, bool, ...)."""


class DeviceMismatchError(GradarrayError, ValueError):
    """Tensors on different devices were mixed in one operation."""


class LostTapeWarning(UserWarning):
    """A recorded Tensor's data left the graph: its gradient will not flow from here."""


class NonFiniteGradientWarning(RuntimeWarning):
    """A gradient holds nan although the value it is the gradient of is finite."""
