"""Optimizers with ``tf.compat.v1.train``'s names, update rules, defaults and slots.

Updates are written in place into the Variables' memory, unrecorded, in the variable's dtype
(a float64 gradient updates a float32 variable in float32), with preallocated slot and
scratch buffers: a step allocates nothing for arrays beyond what NumPy needs for scalars.
On a GPU Variable the same NumPy calls run on the GPU through CuPy: slots are made on the
variable's device (``*_like`` of its memory), the gradient must be on that device, nothing
is copied to the host.

======================  =====================================================================
optimizer               update (g: gradient, all slots start at 0 unless said)
======================  =====================================================================
GradientDescent         var -= lr * g
Momentum                accum = momentum * accum + g; var -= lr * accum
  use_nesterov          var -= lr * g + lr * momentum * accum
Adam                    m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
                        var -= lr * sqrt(1-b2^t)/(1-b1^t) * m / (sqrt(v) + epsilon)
RMSProp                 ms (starts at 1) = decay ms + (1-decay) g^2; [centered: mg = decay mg +
                        (1-decay) g; ms_hat = ms - mg^2]; mom = momentum mom + lr g /
                        sqrt(ms_hat + epsilon); var -= mom
Adagrad                 accum (starts at initial_accumulator_value) += g^2;
                        var -= lr * g / sqrt(accum)
======================  =====================================================================
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .devices import raw_array
from .errors import DeviceMismatchError
from .record import TENSOR_TYPES, _device_name, wrap
from .tensor import Tensor
from .tfe import flat_outputs, gradients_of, implicit_value_and_gradients, warn_int_variable
from .transforms import Trace
from .variables import Variable

__all__ = ["Optimizer", "GradientDescentOptimizer", "MomentumOptimizer", "AdamOptimizer",
           "RMSPropOptimizer", "AdagradOptimizer"]


class Optimizer:
    """Base class: ``apply_gradients``, ``minimize``, ``compute_gradients``, slots.

    Subclasses define ``_slot_specs`` (slot name -> initial value) and ``_update``.
    """

    _slot_specs: dict[str, float] = {}

    def __init__(self, learning_rate: float | Callable[[], float], use_locking: bool = False,
                 name: str = "Optimizer") -> None:
        self._lr = learning_rate
        self._name = name
        # id(variable) -> (weakref to it, {slot name: ndarray}, scratch ndarray)
        self._state: dict[int, tuple] = {}

    def get_name(self) -> str:
        """The optimizer's name (TF's)."""
        return self._name

    def get_slot_names(self) -> list[str]:
        """Names of the per-variable slots, sorted (TF's)."""
        return sorted(self._slot_specs)

    def get_slot(self, var: Variable, name: str) -> Tensor | None:
        """The slot ``name`` of ``var`` as a Tensor sharing its memory, or None if not created."""
        entry = self._state.get(id(var))
        if entry is None or entry[0]() is not var or name not in entry[1]:
            return None
        return wrap(entry[1][name])

    def variables(self) -> list[Tensor]:
        """The slot buffers created so far, as Tensors sharing their memory."""
        return [wrap(s) for entry in self._state.values() for s in entry[1].values()]

    def _slots(self, v: Variable) -> tuple[dict, np.ndarray]:
        entry = self._state.get(id(v))
        if entry is None or entry[0]() is not v:
            raw = v._value
            slots = {k: np.full_like(raw, init) for k, init in self._slot_specs.items()}
            entry = (weakref.ref(v), slots, np.empty_like(raw))
            self._state[id(v)] = entry
        return entry[1], entry[2]

    def _learning_rate(self) -> float:
        lr = self._lr
        return lr() if callable(lr) else lr

    def _prepare(self) -> None:
        """Per-step constants shared by all variables (Adam's bias correction)."""

    def _finish(self) -> None:
        """After all variables of a step were updated (Adam's beta powers)."""

    def _update(self, var: np.ndarray, g: np.ndarray, slots: dict, tmp: np.ndarray) -> None:
        raise NotImplementedError

    def apply_gradients(self, grads_and_vars: Sequence[tuple[Any, Variable]],
                        global_step: Variable | None = None, name: str | None = None) -> None:
        """Apply ``[(gradient, variable), ...]`` in place; ``None`` gradients are skipped.

        Raises ValueError when every gradient is None (TF's "No gradients provided for any
        variable") and TypeError for something that is not a :class:`Variable`.
        ``global_step``, if given, is incremented by one.
        """
        if isinstance(grads_and_vars, np.ndarray):
            raise TypeError(
                f"apply_gradients expects a list of (gradient, variable) pairs, got "
                f"{_what(grads_and_vars)}; build the pairs with "
                "list(zip(gradients, variables)), or pass what implicit_gradients returns")
        pairs = grads_and_vars if isinstance(grads_and_vars, list) else list(grads_and_vars)
        if not pairs:
            raise ValueError("No variables provided.")
        todo = []
        for pair in pairs:
            try:
                g, v = pair
            except (TypeError, ValueError):
                raise TypeError(
                    f"apply_gradients expects a list of (gradient, variable) pairs, but an "
                    f"element of what was passed ({_what(grads_and_vars)}) is "
                    f"{_what(pair)}; build the pairs with list(zip(gradients, variables)), "
                    "or pass what implicit_gradients returns") from None
            if not isinstance(v, Variable):
                raise TypeError(
                    f"apply_gradients can only update a gradarray Variable, got "
                    f"{type(v).__name__} as the second item of a pair; the pairs are "
                    "(gradient, variable), in that order (list(zip(gradients, variables))), "
                    "and parameters are created with ga.Variable(...) (a Tensor or ndarray "
                    "cannot be updated by an optimizer)")
            if g is None:
                continue
            # A device gradient stays on its device (np.asarray would copy or refuse it).
            graw = g._raw if g.__class__ in TENSOR_TYPES else raw_array(g)
            if graw.__class__ is not v._value.__class__:
                _check_device(graw, v)
            if graw.shape != v.shape:
                raise ValueError(f"gradient of shape {graw.shape} does not match the shape "
                                 f"{v.shape} of variable {v.name}")
            if graw.dtype.kind not in "fc" or (graw.dtype.kind == "c" and
                                               v.dtype.kind != "c"):
                raise TypeError(f"gradient of dtype {graw.dtype} cannot update {v.name}, a "
                                f"{v.dtype} variable")
            todo.append((graw, v))
        if not todo:
            ints = [f"{v.name} is {v.dtype}" for _, v in pairs if v.dtype.kind not in "fc"]
            why = (f" ({', '.join(ints)}: gradients exist only for floating and complex "
                   "variables; create them with a float value, e.g. ga.Variable(0.0))"
                   if ints else "")
            raise ValueError("No gradients provided for any variable: "
                             f"{[v.name for _, v in pairs]}.{why}")
        self._prepare()
        for graw, v in todo:
            slots, tmp = self._slots(v)
            v._release_readers()
            self._update(v._value, graw, slots, tmp)
            v._written()
        self._finish()
        if global_step is not None:
            global_step.assign_add(1)

    def compute_gradients(self, loss: Callable[[], Any],
                          var_list: Sequence[Variable] | None = None) -> list[tuple]:
        """``[(gradient, variable), ...]`` of the callable ``loss`` (TF eager's form).

        Without ``var_list``: the trainable variables ``loss`` read, in creation order.
        """
        if not callable(loss):
            raise TypeError("in eager mode the loss must be a callable taking no arguments "
                            "(e.g. lambda: loss_fn(x, y)), as in TF")
        if var_list is None:
            return implicit_value_and_gradients(loss)()[1]
        var_list = list(var_list)
        for v in var_list:
            if not isinstance(v, Variable):
                raise TypeError(f"var_list must hold gradarray Variables, got "
                                f"{type(v).__name__}")
        with Trace():
            result = loss()
        outs = flat_outputs(result, getattr(loss, "__name__", "loss"))
        for v in var_list:
            if v._node is None:   # an integer or bool Variable
                warn_int_variable(v)
        grads = gradients_of(outs, None, [v._node for v in var_list])
        return list(zip(grads, var_list, strict=True))

    def minimize(self, loss: Callable[[], Any], global_step: Variable | None = None,
                 var_list: Sequence[Variable] | None = None) -> None:
        """``apply_gradients(compute_gradients(loss, var_list))``; ``loss`` is a callable."""
        self.apply_gradients(self.compute_gradients(loss, var_list), global_step)


def _what(x: Any) -> str:
    """A short description of what was passed: the type, and the shape of an array."""
    if isinstance(x, np.ndarray):
        return f"a {type(x).__name__} of shape {x.shape}"
    if isinstance(x, (list, tuple)):
        return f"a {type(x).__name__} of {len(x)} items"
    r = repr(x)
    return f"a {type(x).__name__} ({r if len(r) <= 60 else r[:57] + '...'})"


def _check_device(graw: Any, v: Variable) -> None:
    if graw.__class__ is np.ndarray and v._value.__class__ is np.ndarray:
        return  # both on the host: the common case, decided without a lookup
    src, dst = _device_name(graw), _device_name(v._value)
    if src != dst:
        raise DeviceMismatchError(
            f"a gradient on {src} cannot update {v.name}, a variable on {dst}; nothing is "
            "copied between devices implicitly (move it with .to_device(...))")


class GradientDescentOptimizer(Optimizer):
    """Plain SGD: ``var -= learning_rate * g``.

    Examples
    --------
    >>> import gradarray as ga
    >>> w = ga.Variable(1.0)
    >>> ga.train.GradientDescentOptimizer(0.1).minimize(lambda: w * w)
    >>> float(w)
    0.8
    """

    def __init__(self, learning_rate: float | Callable[[], float], use_locking: bool = False,
                 name: str = "GradientDescent") -> None:
        super().__init__(learning_rate, use_locking, name)

    def _update(self, var: np.ndarray, g: np.ndarray, slots: dict, tmp: np.ndarray) -> None:
        if var.ndim == 0 and g.dtype == var.dtype and var.__class__ is np.ndarray:
            # NumPy scalar arithmetic in the variable's dtype: same result, 7x less overhead
            # (on a GPU, var[()] would be a 0-d device array: no gain).
            var[()] = var[()] - self._learning_rate() * g[()]
            return
        np.multiply(g, self._learning_rate(), out=tmp)
        np.subtract(var, tmp, out=var)


class MomentumOptimizer(Optimizer):
    """Momentum: ``accum = momentum * accum + g``; ``var -= lr * accum`` (or Nesterov's)."""

    _slot_specs = {"momentum": 0.0}

    def __init__(self, learning_rate: float | Callable[[], float], momentum: float,
                 use_locking: bool = False, name: str = "Momentum",
                 use_nesterov: bool = False) -> None:
        super().__init__(learning_rate, use_locking, name)
        self._momentum = momentum
        self._nesterov = use_nesterov

    def _update(self, var: np.ndarray, g: np.ndarray, slots: dict, tmp: np.ndarray) -> None:
        lr = self._learning_rate()
        mu = self._momentum
        accum = slots["momentum"]
        np.multiply(accum, mu, out=accum)
        np.add(accum, g, out=accum, casting="same_kind")
        if self._nesterov:
            # var -= lr * g + lr * momentum * accum
            np.multiply(accum, mu, out=tmp)
            np.add(tmp, g, out=tmp, casting="same_kind")
            np.multiply(tmp, lr, out=tmp)
        else:
            np.multiply(accum, lr, out=tmp)
        np.subtract(var, tmp, out=var)


class AdamOptimizer(Optimizer):
    """Adam (Kingma & Ba) with TF's epsilon-hat form and per-optimizer beta powers."""

    _slot_specs = {"m": 0.0, "v": 0.0}

    def __init__(self, learning_rate: float | Callable[[], float] = 0.001, beta1: float = 0.9,
                 beta2: float = 0.999, epsilon: float = 1e-8, use_locking: bool = False,
                 name: str = "Adam") -> None:
        super().__init__(learning_rate, use_locking, name)
        self._beta1 = beta1
        self._beta2 = beta2
        self._epsilon = epsilon
        # TF's non-slot beta1_power/beta2_power: start at beta, multiplied after each step.
        self._beta1_power = beta1
        self._beta2_power = beta2
        self._lr_t = 0.0

    def _prepare(self) -> None:
        self._lr_t = (self._learning_rate() * math.sqrt(1 - self._beta2_power)
                      / (1 - self._beta1_power))

    def _finish(self) -> None:
        self._beta1_power *= self._beta1
        self._beta2_power *= self._beta2

    def _update(self, var: np.ndarray, g: np.ndarray, slots: dict, tmp: np.ndarray) -> None:
        m, v = slots["m"], slots["v"]
        b1, b2 = self._beta1, self._beta2
        # m = b1 m + (1 - b1) g
        np.multiply(m, b1, out=m)
        np.multiply(g, 1 - b1, out=tmp, casting="same_kind")
        np.add(m, tmp, out=m)
        # v = b2 v + (1 - b2) g^2
        np.multiply(v, b2, out=v)
        np.multiply(g, g, out=tmp, casting="same_kind")
        np.multiply(tmp, 1 - b2, out=tmp)
        np.add(v, tmp, out=v)
        # var -= lr_t m / (sqrt(v) + eps)
        np.sqrt(v, out=tmp)
        np.add(tmp, self._epsilon, out=tmp)
        np.divide(m, tmp, out=tmp)
        np.multiply(tmp, self._lr_t, out=tmp)
        np.subtract(var, tmp, out=var)


class RMSPropOptimizer(Optimizer):
    """RMSProp as ``tf.compat.v1.train``: the ``rms`` slot starts at 1, epsilon inside sqrt."""

    def __init__(self, learning_rate: float | Callable[[], float], decay: float = 0.9,
                 momentum: float = 0.0, epsilon: float = 1e-10, use_locking: bool = False,
                 centered: bool = False, name: str = "RMSProp") -> None:
        super().__init__(learning_rate, use_locking, name)
        self._decay = decay
        self._momentum = momentum
        self._epsilon = epsilon
        self._centered = centered
        self._slot_specs = {"rms": 1.0, "momentum": 0.0}
        if centered:
            self._slot_specs["mg"] = 0.0

    def _update(self, var: np.ndarray, g: np.ndarray, slots: dict, tmp: np.ndarray) -> None:
        rho = self._decay
        ms, mom = slots["rms"], slots["momentum"]
        # ms = rho ms + (1 - rho) g^2
        np.multiply(ms, rho, out=ms)
        np.multiply(g, g, out=tmp, casting="same_kind")
        np.multiply(tmp, 1 - rho, out=tmp)
        np.add(ms, tmp, out=ms)
        if self._centered:
            mg = slots["mg"]
            np.multiply(mg, rho, out=mg)
            np.multiply(g, 1 - rho, out=tmp, casting="same_kind")
            np.add(mg, tmp, out=mg)
            np.multiply(mg, mg, out=tmp)
            np.subtract(ms, tmp, out=tmp)
        else:
            np.copyto(tmp, ms)
        # mom = momentum mom + lr g / sqrt(ms_hat + eps); var -= mom
        np.add(tmp, self._epsilon, out=tmp)
        np.sqrt(tmp, out=tmp)
        np.divide(g, tmp, out=tmp, casting="same_kind")
        np.multiply(tmp, self._learning_rate(), out=tmp)
        np.multiply(mom, self._momentum, out=mom)
        np.add(mom, tmp, out=mom)
        np.subtract(var, mom, out=var)


class AdagradOptimizer(Optimizer):
    """Adagrad: ``accum += g^2``; ``var -= lr * g / sqrt(accum)``; accum starts at 0.1."""

    def __init__(self, learning_rate: float | Callable[[], float],
                 initial_accumulator_value: float = 0.1, use_locking: bool = False,
                 name: str = "Adagrad") -> None:
        if initial_accumulator_value <= 0.0:
            raise ValueError("initial_accumulator_value must be positive: "
                             f"{initial_accumulator_value}")
        super().__init__(learning_rate, use_locking, name)
        self._slot_specs = {"accumulator": initial_accumulator_value}

    def _update(self, var: np.ndarray, g: np.ndarray, slots: dict, tmp: np.ndarray) -> None:
        accum = slots["accumulator"]
        np.multiply(g, g, out=tmp, casting="same_kind")
        np.add(accum, tmp, out=accum)
        np.sqrt(accum, out=tmp)
        np.divide(g, tmp, out=tmp, casting="same_kind")
        np.multiply(tmp, self._learning_rate(), out=tmp)
        np.subtract(var, tmp, out=var)
