"""gradarray: automatic differentiation of plain NumPy code.

``import numpy as np`` stays as it is: a :class:`Tensor` is a ``numpy.ndarray`` subclass,
NumPy calls on it run eagerly and are recorded while a gradient is being computed.
"""

from __future__ import annotations

from . import interop as _interop  # noqa: F401  (library stand-ins)
from . import rules as _rules  # noqa: F401  (fills the registry)
from . import testing, train
from ._debug import LostTapeWarning, set_debug
from ._state import is_recording
from .conversions import keep_tape, set_keep_tape
from .custom import custom_gradient, custom_vjp, primitive
from .errors import (
    DeviceMismatchError,
    GradarrayError,
    GraphFreedError,
    MutatedSavedTensorError,
    NonDifferentiableError,
    NonFiniteGradientWarning,
    NoRuleError,
    UnsupportedArgument,
)
from .registry import composite, defvjp, elementwise, nondiff
from .tape import GradientTape
from .tensor import Tensor, asarray, tensor
from .tfe import (
    gradients_function,
    implicit_gradients,
    implicit_value_and_gradients,
    value_and_gradients_function,
)
from .transforms import (
    UnconnectedGradientWarning,
    grad,
    hessian,
    jacfwd,
    jacobian,
    jacrev,
    jvp,
    no_grad,
    stop_gradient,
    value_and_grad,
    vjp,
)
from .variables import Variable

__version__ = "0.1.0"

__all__ = [
    "Tensor", "tensor", "asarray",
    "grad", "value_and_grad", "vjp", "jvp", "jacobian", "jacrev", "jacfwd", "hessian",
    "stop_gradient", "no_grad", "is_recording", "testing",
    "defvjp", "elementwise", "nondiff", "composite",
    "GradarrayError", "NoRuleError", "UnsupportedArgument", "MutatedSavedTensorError",
    "GraphFreedError", "NonDifferentiableError", "DeviceMismatchError", "LostTapeWarning",
    "NonFiniteGradientWarning", "set_debug", "UnconnectedGradientWarning", "set_keep_tape",
    "keep_tape",
    "Variable", "gradients_function", "value_and_gradients_function", "implicit_gradients",
    "implicit_value_and_gradients", "GradientTape", "custom_gradient", "custom_vjp",
    "primitive", "train",
]
